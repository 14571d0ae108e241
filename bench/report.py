#!/usr/bin/env python3
"""report.py - turns the raw runs of bench/run.sh into docs/benchmarks.json
and docs/BENCHMARKS.md.

    report.py --build DIR --mode quick|full --raw RAW.jsonl --out-dir docs
              [--failed SECTION ...]

RAW.jsonl holds one JSON object per run: {"name", "unit", "value",
"baseline" (figure name or null), "lower_is_better", "what" (optional)}.
A figure is every run of one name: median, min, max, p99 (nearest rank),
runs; baseline_median is the median of its baseline figure from the same
file, ratio = median / baseline_median. bench/analysis.md (hand-written:
where the time goes) is copied into the Markdown page.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess

# Targets of issues 4, 10, 11, 13 and 14, checked against the figures (never asserted).
TARGETS = [
    ("whole VIF-to-tunnel pipeline <= 150 ns/packet", "datapath.l2_remote_encap",
     "median", lambda v: v <= 150),
    ("overlay TCP >= 1.2x kernel VXLAN + bridge, veth underlay", "overlay.tcp_1stream",
     "ratio", lambda v: v >= 1.2),
    ("overlay TCP (4 streams) >= 1.2x kernel VXLAN + bridge, veth underlay",
     "overlay.tcp_4stream", "ratio", lambda v: v >= 1.2),
    ("overlay TCP >= 1.0x kernel VXLAN + bridge, wire-like underlay",
     "overlay.wire.tcp_1stream", "ratio", lambda v: v >= 1.0),
    ("round-trip time <= 0.6x kernel VXLAN, veth underlay", "overlay.rtt", "ratio",
     lambda v: v <= 0.6),
    ("round-trip time <= 0.6x kernel VXLAN, wire-like underlay", "overlay.wire.rtt", "ratio",
     lambda v: v <= 0.6),
    ("issue 11: VIF to tunnel <= 100 ns/packet", "datapath.l2_remote_encap", "median",
     lambda v: v <= 100),
    ("issue 11: decap + deliver <= 120 ns/packet", "datapath.decap_deliver", "median",
     lambda v: v <= 120),
    ("issue 11: overlay TCP >= 1.2x kernel VXLAN + bridge, back end (b), veth underlay",
     "overlay.bpf.tcp_1stream", "ratio", lambda v: v >= 1.2),
    ("issue 11: the same, 4 streams", "overlay.bpf.tcp_4stream", "ratio", lambda v: v >= 1.2),
    ("issue 11: the same, wire-like underlay", "overlay.wire.bpf.tcp_1stream", "ratio",
     lambda v: v >= 1.2),
    ("issue 11: the same, wire-like underlay, 4 streams", "overlay.wire.bpf.tcp_4stream",
     "ratio", lambda v: v >= 1.2),
    ("issue 11: round-trip time <= 0.5x kernel VXLAN, back end (b), veth underlay",
     "overlay.bpf.rtt", "ratio", lambda v: v <= 0.5),
    ("issue 11: the same, wire-like underlay", "overlay.wire.bpf.rtt", "ratio",
     lambda v: v <= 0.5),
    ("the floor (the underlay alone, no overlay) against kernel VXLAN, veth underlay: what "
     "any overlay could reach at most", "overlay.ul.tcp_1stream", "ratio", lambda v: None),
    ("the floor, wire-like underlay", "overlay.wire.ul.tcp_1stream", "ratio", lambda v: None),
    ("the floor's round-trip time, wire-like underlay", "overlay.wire.ul.rtt", "ratio",
     lambda v: None),
    ("security groups: a new flow at 10,000 rules <= 1.1x of 10 rules",
     "datapath.fw.new_flow_10000", "over:datapath.fw.new_flow_10", lambda v: v <= 1.1),
    ("port change realised on 100 agents < 20 ms at p99", "control.converge_100_agents",
     "p99", lambda v: v < 20),
    ("the same, the 100 hosts served by one fakeagents process (the controller's part)",
     "control.converge_100_fake_agents", "p99", lambda v: None),
    ("port change realised on 1,000 fake agents < 250 ms at p99",
     "control.converge_1000_agents", "p99", lambda v: v < 250),
    ("snapshot of a 10,000-port host < 50 ms", "control.snapshot_10k_ports", "median",
     lambda v: v < 50),
    ("snapshot of a 10,000-port host < 50 ms, HELLO to ack (maps made before)",
     "control.snapshot_10k_ports_session", "median", lambda v: v < 50),
    ("3 nodes, 32 writers >= 2,000 writes/s", "cluster.writes_3node_32w", "median",
     lambda v: v >= 2000),
    ("3 nodes, 32 writers: p99 < 20 ms", "cluster.commit_p99_3node_32w", "median",
     lambda v: v < 20),
    ("3 nodes, 1 writer: p50 <= 1.5 ms", "cluster.commit_p50_3node_1w", "median",
     lambda v: v <= 1.5),
    ("leader failover (SIGKILL -> first acknowledged write) < 1 s", "cluster.failover_ms",
     "max", lambda v: v < 1000),
    ("no election under the benchmark's load", "cluster.leader_changes_3node", "max",
     lambda v: v == 0),
    ("live migration blackout (1 ms pings lost x 1 ms) p50 < 50 ms", "migrate.blackout_ms",
     "median", lambda v: v < 50),
    ("TCP through a stateful group kept (no reset) in every migration", "migrate.tcp_kept",
     "min", lambda v: v == 1),
    ("tenant of 1,000 ports cloned and realised on its hosts < 1 s",
     "clone.ports_1000.realised", "median", lambda v: v < 1000),
]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "memory_gb": round(mem_kb / 1048576, 1),
        "loadavg_at_report": open("/proc/loadavg").read().split()[:3],
        "bpf_stats_enabled": sh("sysctl -n kernel.bpf_stats_enabled"),
        "git_commit": sh("git -C %s rev-parse --short HEAD" %
                         os.path.dirname(os.path.abspath(__file__))),
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
    }


def p99(values):
    s = sorted(values)
    k = max(0, -(-99 * len(s) // 100) - 1)  # nearest rank
    return s[k]


def command(name, build, mode):
    quick = " --quick" if mode == "quick" else ""
    if name.startswith("datapath."):
        runs = 5 if mode == "quick" else 9
        return "sudo %s/bench/dpbench --runs %d --repeat 10000000 --only %s" % (build, runs, name)
    if name.startswith("overlay."):
        return "sudo bench/overlay.sh %s%s --only %s" % (build, quick, name)
    if name.startswith("cluster."):
        return "sudo bench/raft_bench.sh %s%s --only %s" % (build, quick, name)
    if name.startswith("clone."):
        return "sudo bench/clone.sh %s%s --only %s" % (build, quick, name)
    if name.startswith("migrate."):
        return "sudo bench/migrate.sh %s%s --only %s" % (build, quick, name)
    base = name
    for suffix in ("_bytes", "_post"):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
    return "sudo bench/control.sh %s%s --only %s" % (build, quick, base)


def run_info(raw_path):
    """The {"run": {...}} and {"run_end": {...}} lines of run.sh: when and
    what ran, the load before and after."""
    info = {}
    with open(raw_path) as f:
        for line in f:
            if line.startswith('{"run'):
                for v in json.loads(line).values():
                    info.update(v)
    return info


def figures(raw_path, build, mode):
    runs, meta, order = {}, {}, []
    with open(raw_path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if "name" not in r:
                continue
            n = r["name"]
            if n not in runs:
                runs[n] = []
                order.append(n)
            runs[n].append(float(r["value"]))
            meta[n] = r
    med = {n: statistics.median(v) for n, v in runs.items()}
    out = []
    for n in order:
        v, m = runs[n], meta[n]
        base = m.get("baseline")
        bmed = med.get(base) if base else None
        out.append({
            "name": n, "unit": m["unit"], "median": round(med[n], 4),
            "min": round(min(v), 4), "max": round(max(v), 4), "p99": round(p99(v), 4),
            "runs": len(v), "baseline": base,
            "baseline_median": round(bmed, 4) if bmed is not None else None,
            "ratio": round(med[n] / bmed, 3) if bmed else None,
            "lower_is_better": bool(m.get("lower_is_better", True)),
            "what": m.get("what", ""), "command": command(n, build, mode),
        })
    return out


def fmt(v):
    if v is None:
        return "–"
    if v != 0 and abs(v) < 0.01:
        return "%.2g" % v
    if abs(v) >= 1000:
        return "%.0f" % v
    if abs(v) >= 100:
        return "%.1f" % v
    return "%.2f" % v


def md_table(figs, prefix):
    rows = ["| figure | unit | median | min – max | runs | baseline (median) | ratio |",
            "|---|---|---|---|---|---|---|"]
    for f in figs:
        if not f["name"].startswith(prefix):
            continue
        base = "%s (%s)" % (f["baseline"], fmt(f["baseline_median"])) if f["baseline"] else "–"
        rows.append("| `%s` | %s | %s | %s – %s | %d | %s | %s |" % (
            f["name"], f["unit"], fmt(f["median"]), fmt(f["min"]), fmt(f["max"]), f["runs"],
            base, fmt(f["ratio"])))
    return "\n".join(rows)


def md_targets(figs):
    by = {f["name"]: f for f in figs}
    rows = ["| target | figure | measured | met |", "|---|---|---|---|"]
    # field "over:NAME": the figure's median over NAME's; a target whose
    # check answers None is a reference, not a goal (shown, never "met")
    for text, name, field, ok in TARGETS:
        f = by.get(name)
        if field.startswith("over:"):
            o = by.get(field[5:])
            v = f["median"] / o["median"] if f and o and o.get("median") else None
        else:
            v = f.get(field) if f else None
        if v is None:
            rows.append("| %s | `%s` | not measured | – |" % (text, name))
            continue
        unit = "×" if field == "ratio" or field.startswith("over:") else f["unit"]
        met = ok(v)
        rows.append("| %s | `%s` %s | %s %s | %s |" % (
            text, name, field, fmt(v), unit,
            "–" if met is None else "yes" if met else "**no**"))
    return "\n".join(rows)


def markdown(doc, build, mode, failed):
    m, figs = doc["machine"], doc["figures"]
    here = os.path.dirname(os.path.abspath(__file__))
    analysis = ""
    ap = os.path.join(here, "analysis.md")
    if os.path.exists(ap):
        analysis = open(ap).read().strip()
    parts = [
        "# tenet benchmarks",
        "",
        "Generated by `make bench%s` (bench/run.sh → bench/report.py) — do not edit by hand;"
        " the analysis section comes from bench/analysis.md. Timings are never asserted in"
        " tests: these are figures to compare against the baselines measured in the same run."
        % ("-quick" if mode == "quick" else ""),
        "",
        "**Machine:** %s, %s cores, kernel %s, %s GB RAM; commit %s; run started %s UTC;"
        " load average at the start %s, at the end %s (1, 5, 15 min); kernel.bpf_stats_enabled=%s; mode: %s."
        % (m["cpu_model"], m["cores"], m["kernel"], m["memory_gb"], m["git_commit"],
           m["date_utc"], " ".join(m.get("loadavg_at_start", [])),
           " ".join(m.get("loadavg_at_end", m["loadavg_at_report"])), m["bpf_stats_enabled"],
           mode),
        "",
        "Each figure: the median of its runs, min – max, the baseline figure's median from the"
        " same run and ratio = median / baseline median (for Gbit/s and writes/s higher is"
        " better, for ns, µs, ms, bytes and CPU s/GB lower is better).",
        "",
    ]
    if failed:
        parts += ["**Sections that failed in this run:** %s (their figures are missing)."
                  % ", ".join(failed), ""]
    parts += ["## Targets (issues 4, 10, 11, 13 and 14)", "", md_targets(figs), ""]
    if analysis:
        parts += [analysis, ""]
    parts += [
        "## Datapath, per packet", "",
        "BPF_PROG_TEST_RUN of the production programs (tn_test_mode 0), repeat 10^7 per run,"
        " the kernel's mean ns per repetition; a redirect only returns TC_ACT_REDIRECT under"
        " test_run. Baseline: `bench_trivial` (return TC_ACT_OK) in the same run.", "",
        md_table(figs, "datapath."), "",
        "What each figure runs:", "",
    ]
    parts += ["- `%s`: %s" % (f["name"], f["what"]) for f in figs
              if f["name"].startswith("datapath.") and f["what"]]
    parts += [
        "", "## Overlay, VM to VM across two hosts", "",
        "iperf3 (1 and 4 streams), `ping -f` average RTT, CPU seconds (all CPUs, /proc/stat)"
        " per GB received. `overlay.*` is tenet, `overlay.kvxlan.*` Linux bridge + kernel"
        " VXLAN (the baseline), `overlay.veth.*` a plain veth pair; `overlay.wire.*` the same"
        " on the wire-like underlay (sender segments tunnel packets to 1500 bytes, receiver"
        " runs GRO). Variants interleaved, one run of each per round.", "",
        md_table(figs, "overlay."), "",
        "## Control plane", "",
        "Controller on 127.0.0.1, agents with `--fake-datapath` (the applier writes into"
        " private unpinned BPF maps; no programs, devices or pins) on the same machine. Every"
        " agent has a port in one network, so a port write there changes every agent's rows."
        " Converge: POST a port bound to one of the agents, then GET /v1/wait for that"
        " revision — every agent has acked; `_post` is the POST's round trip alone; each"
        " sample's port is deleted again (untimed) so the store does not grow."
        " `converge_1000_agents`: the same on a fresh controller with 1,000 hosts in 10"
        " networks of 100 (the write's network is waited for, the other 900 hosts get an"
        " empty DELTA and ack it), all served by one `bench/fakeagents` process: 1,000 CURVE"
        " sessions speaking the wire protocol that keep each host's rows as (map, key, value"
        " hash) in memory — no BPF maps, no process per host, so unlike the `--fake-datapath`"
        " agents of the 10- and 100-agent figures it prices the controller and the protocol,"
        " not the agent's applier; its baseline is `converge_100_agents` of the same run."
        " `converge_100_fake_agents`: the 100-agent change with the 100 hosts served the same"
        " way, so the difference from `converge_100_agents` is what 100 agent processes cost"
        " on this machine's cores."
        " Each converge sample is one run (median = p50; p99 in benchmarks.json and the targets"
        " table). Write rates: POST /v1/ports (unbound) on a fresh controller with no host"
        " enrolled (`_100_agents`: with the 100 agents connected); the store grows during the"
        " runs. Snapshot: a fresh fake agent of a host with 10,000 bound ports (400 networks)"
        " starts, until the controller shows its ack; `_session`: the same run from the first"
        " poll (every 1 ms) that shows the host's session — its HELLO handled, the SNAPSHOT"
        " encoded and queued — to the ack, so the agent's process start and the creation of"
        " its datapath maps (a real agent's are pinned and exist before it connects) are left"
        " out; `_bytes`: TCP bytes the controller sent"
        " on that session (CURVE-encrypted ZMTP, handshake included). `converge_10k_port_host`:"
        " that host, connected, gets a port in one of its networks (the agent applies a"
        " one-port delta among 10,000 ports).", "",
        md_table(figs, "control."), "",
        "## Replicated writes (Raft)", "",
        "bench/raft_bench.sh: a 1-node and a 3-node cluster of controllers on 127.0.0.1 ports"
        " (one machine, one disk), side by side; each round runs every writer count on both."
        " Synced: raft_uv's durable log appends; one LMDB commit per batch of applied"
        " entries, on the apply thread, not flushed (MDB_NOSYNC: the Raft log is the record, docs/ARCHITECTURE.md \"Durability\"); `fsync_ms` is the disk's own price (pwrite 4 KiB + fdatasync in the same"
        " filesystem). `writes_Nnode_Ww`: acknowledged writes/s with W writers, each on a"
        " keep-alive connection to the leader (one asyncio loop in the client), creating tenants (one Idempotency-Key each;"
        " 201 = committed and applied); `commit_p50`/`commit_p99`: that write's round trip,"
        " percentiles within each run (one value per run, the table shows their median and"
        " range). Baselines: a 3-node figure against the 1-node figure at the same writer"
        " count; a 1-node figure with W > 1 against 1 writer; `commit_p50_1node_1w` against"
        " `fsync_ms`. `failover_ms`: one writer through any node (following 307s, retrying"
        " the same key), leader SIGKILLed, time to the first write acknowledged afterwards (by"
        " the new leader); the killed node is restarted from disk and caught up before the next"
        " run. It has no baseline: nothing comparable runs on this machine (the election"
        " timeout is 0.4–0.8 s, see docs/ARCHITECTURE.md). `leader_changes_3node`: elections"
        " (Raft term increments) in the 3-node cluster during one round of load runs.", "",
        md_table(figs, "cluster."), "",
        "## Tenant clone, export and import", "",
        "bench/clone.sh: a controller on 127.0.0.1 and 20 agents with `--fake-datapath`"
        " (f0..f9 hold the source tenant's ports, g0..g9 the clone's); tenants of 10, 100 and"
        " 1,000 ports in two networks on a router, bound over f0..f9. `clone`: POST"
        " /v1/tenants/ID/clone (an unbound copy) answered — one replicated write; `realised`:"
        " the clone with `bind` f<i>=g<i> and `bind_ports` until GET /v1/wait for its revision"
        " answers (every agent of g0..g9 acked); `export`: GET .../export answered; `import`:"
        " POST /v1/tenants/import of that document (new VNIs, unbound) answered. Each is timed"
        " around a curl process (its start included); baseline `clone.api_rtt`: GET"
        " /v1/status timed the same way.", "",
        md_table(figs, "clone."), "",
        "## Live migration", "",
        "bench/migrate.sh: the scenario of e2e.migrate (scripts/lib/migrate.sh): a controller"
        " and hosts h1..h3 with real agents in namespaces; vm1 on h1 sends vm2 an ICMP echo"
        " request every millisecond on a fixed schedule (scripts/lib/ping1ms.py) and streams"
        " 1 KiB/ms of TCP to it, both in a stateful security group; vm2 is migrated between h2"
        " and h3: once the migration is in standby its veth is moved and brought up, and a"
        " gratuitous ARP sent from a sender started before the move. One sample per"
        " migration: `blackout_ms` the requests lost × 1 ms (baseline `idle_lost_ms`: the"
        " same pings for 3 s without a migration, just before), `dark_window_ms` the longest"
        " time between two answered requests, `tcp_retrans` the sender's TcpRetransSegs"
        " delta, `tcp_kept` 1 when the connection survived; `move_to_up_ms` and"
        " `move_to_garp_ms` are the script's (the hypervisor's) part, `garp_to_activated_ms`"
        " tenet's (the destination's datapath saw the VM, its `activated_ns`), the others the"
        " port's `migration` times (`request_to_done_ms` includes the 2 s grace).", "",
        md_table(figs, "migrate."), "",
        "## Reproducing one figure", "",
        "Build first (`make bench-quick` does: cmake -DTENET_SANITIZE=OFF"
        " -DCMAKE_BUILD_TYPE=Release into %s), then as root:" % build, "",
        "| figure | command |", "|---|---|",
    ]
    parts += ["| `%s` | `%s` |" % (f["name"], f["command"]) for f in figs]
    return "\n".join(parts) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--mode", choices=["quick", "full"], required=True)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--failed", nargs="*", default=[])
    a = ap.parse_args()
    mach = machine()
    mach.update(run_info(a.raw))
    doc = {"machine": mach, "mode": a.mode, "failed_sections": a.failed,
           "figures": figures(a.raw, a.build, a.mode)}
    with open(os.path.join(a.out_dir, "benchmarks.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(a.out_dir, "BENCHMARKS.md"), "w") as f:
        f.write(markdown(doc, a.build, a.mode, a.failed))


if __name__ == "__main__":
    main()
