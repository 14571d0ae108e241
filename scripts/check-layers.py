#!/usr/bin/env python3
"""check-layers.py - checks the controller's layering (docs/ARCHITECTURE.md,
"Controller layers"): every controller file includes only headers of its own
layer or of the layers below it, and the REST API's files call only
functions of the files below them (the order at the top of api_int.h).

Usage: check-layers.py CONTROLLER_DIR. Exits 0 when the rules hold, 1 with
one line per violation otherwise, 2 on a file no layer claims."""

import glob
import os
import re
import sys

# Layer of a file, by name prefix (first match wins).
LAYER_OF = [
    ("main.c", "main"),
    ("api", "api"),
    ("auth", "api"),
    ("server_cert", "api"),
    ("southbound", "southbound"),
    ("migrate", "migrate"),
    ("publish", "publish"),
    ("rowset", "publish"),
    ("compiler", "compiler"),
    ("topo", "topology"),
    ("raft", "raft"),
    ("store", "store"),
]

# The layers each layer stands on directly; the rule allows their closure.
BELOW = {
    "main": ["api", "southbound", "migrate", "publish", "compiler", "raft", "store", "topology"],
    "api": ["southbound", "raft", "store"],
    "southbound": ["migrate", "publish", "store"],
    "migrate": ["store"],
    "publish": ["compiler", "store", "topology"],
    "compiler": ["topology"],
    "raft": ["store"],
    "store": ["topology"],
    "topology": [],
}

# The API's files, top to bottom; files on one line may not call each other.
API_ORDER = [
    ["api.c"],
    ["api_handlers.c", "api_tenant.c", "api_migrate.c"],
    ["api_cluster.c"],
    ["api_view.c"],
    ["api_peers.c"],
    ["api_observe.c", "api_trace.c", "api_monitor.c"],
    ["api_util.c"],
    ["api_metrics.c"],
    ["api_conn.c"],
    ["api_tls.c"],
]


def layer(name):
    for prefix, lay in LAYER_OF:
        if name.startswith(prefix):
            return lay
    return None


def closure(lay):
    seen, todo = set(), list(BELOW[lay])
    while todo:
        x = todo.pop()
        if x not in seen:
            seen.add(x)
            todo.extend(BELOW[x])
    return seen


def check_includes(ctl, names):
    bad = []
    for name in sorted(names):
        own = layer(name)
        text = open(os.path.join(ctl, name), encoding="utf-8").read()
        for inc in re.findall(r'^#include "([^"/]+)"', text, re.M):
            if inc not in names:
                continue  # common/ and others below every layer
            theirs = layer(inc)
            if theirs != own and theirs not in closure(own):
                bad.append(f"{name}: includes {inc} ({own} may not include {theirs})")
    return bad


def check_api_calls(ctl):
    rank = {f: i for i, row in enumerate(API_ORDER) for f in row}
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ctl, "api*.c")))
    defs = {}
    texts = {}
    for f in files:
        if f not in rank:
            print(f"check-layers: {f} is not in the API order", file=sys.stderr)
            sys.exit(2)
        texts[f] = open(os.path.join(ctl, f), encoding="utf-8").read()
        for m in re.finditer(r"^(?!static)[a-z][^\n;]*?\b(api_\w+)\(", texts[f], re.M):
            defs[m.group(1)] = f
    bad = []
    for f in files:
        for fn, g in sorted(defs.items()):
            if g == f or rank[g] > rank[f]:
                continue
            if re.search(r"\b" + fn + r"\b", texts[f]):
                bad.append(f"{f}: uses {fn} of {g}, which is not below it")
    return bad


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ctl = sys.argv[1]
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ctl, "*.[ch]")))
    for name in names:
        if layer(name) is None:
            print(f"check-layers: no layer claims {name}", file=sys.stderr)
            return 2
    bad = check_includes(ctl, set(names)) + check_api_calls(ctl)
    for line in bad:
        print(line)
    if not bad:
        print(f"layers ok: {len(names)} files")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
