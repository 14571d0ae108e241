#!/usr/bin/env python3
"""raft_bench.py - write load against a tenet controller cluster.

  raft_bench.py load API TOKEN WRITERS SECONDS
      WRITERS keep-alive connections to API (the leader), served by one
      asyncio loop, one write in flight each, create tenants (one
      Idempotency-Key each) for SECONDS; prints
      one JSON line: writes, throughput (acked writes/s), p50/p99/max commit
      latency in ms (request sent -> 201 received: committed and applied).
  raft_bench.py failover [--warmup S] TOKEN KILLCMD API...
      one writer creates tenants through any of the APIs (following 307s,
      retrying the same Idempotency-Key); after S seconds (default 2) runs
      KILLCMD (kills the leader) and prints the time from the kill to the
      first write acknowledged afterwards, as one JSON line.
  raft_bench.py fsync DIR COUNT
      the disk's own price: COUNT times pwrite 4 KiB into a preallocated
      file in DIR + fdatasync; prints {"fsync_ms": median} (the file is
      removed).
"""
import asyncio
import http.client
import os
import json
import subprocess
import sys
import time
import uuid


def post(conn, token, name, key):
    body = json.dumps({"name": name})
    conn.request("POST", "/v1/tenants", body=body, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json",
        "Idempotency-Key": key})
    r = conn.getresponse()
    r.read()
    return r.status, r.getheader("Location")


async def read_reply(reader):
    """Reads one HTTP/1.1 reply (Content-Length or chunked); returns the status."""
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while True:
        line = (await reader.readline()).strip()
        if not line:
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
        elif k.lower() == "transfer-encoding" and "chunked" in v.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status
    while True:
        n = int((await reader.readline()).strip(), 16)
        await reader.readexactly(n + 2)
        if n == 0:
            return status


async def writer(api, token, deadline, lat, errors):
    """One keep-alive connection, one write in flight at a time."""
    host, port = api.rsplit(":", 1)
    reader, wr = await asyncio.open_connection(host, int(port))
    while time.perf_counter() < deadline:
        key = uuid.uuid4().hex
        body = json.dumps({"name": "b-" + key[:12]}).encode()
        req = ("POST /v1/tenants HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nIdempotency-Key: %s\r\n"
               "Content-Length: %d\r\n\r\n" % (api, token, key, len(body))).encode() + body
        t0 = time.perf_counter()
        try:
            wr.write(req)
            status = await read_reply(reader)
        except Exception:
            errors.append("conn")
            wr.close()
            reader, wr = await asyncio.open_connection(host, int(port))
            continue
        if status == 201:
            lat.append(time.perf_counter() - t0)
        else:
            errors.append(status)
    wr.close()


def load(api, token, writers, seconds):
    """WRITERS connections on one asyncio loop: a reply is taken as soon as it
    arrives (threads would wait for the interpreter lock, adding the client's
    own scheduling to the measured latency)."""
    lats = [[] for _ in range(writers)]
    errors = []

    async def run():
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(writer(api, token, deadline, lats[i], errors)
                               for i in range(writers)))

    t0 = time.perf_counter()
    asyncio.run(run())
    el = time.perf_counter() - t0
    all_l = sorted(x for l in lats for x in l)
    n = len(all_l)
    if errors:
        print("raft_bench: %d failed writes (%s)" % (len(errors), errors[:5]), file=sys.stderr)
    pct = lambda p: round(all_l[min(n - 1, int(p * n))] * 1000, 2) if n else None
    print(json.dumps({"writers": writers, "writes": n, "errors": len(errors),
                      "throughput": round(n / el, 1), "p50_ms": pct(0.50),
                      "p99_ms": pct(0.99), "max_ms": pct(1.0)}))


def try_write(apis, token, name, key, deadline):
    i = 0
    api = apis[0]
    while time.monotonic() < deadline:
        host, port = api.rsplit(":", 1)
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            status, loc = post(conn, token, name, key)
            conn.close()
        except Exception:
            status, loc = 0, None
        if status == 201:
            return True
        if status == 307 and loc:
            api = loc.split("/")[2]
            continue
        i += 1
        api = apis[i % len(apis)]
        time.sleep(0.02)
    return False


def fsync(dirname, count):
    path = os.path.join(dirname, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    block = b"x" * 4096
    try:
        os.pwrite(fd, block * 16, 0)
        os.fsync(fd)
        ts = []
        for i in range(count):
            os.pwrite(fd, block, (i % 16) * 4096)
            t0 = time.perf_counter()
            os.fdatasync(fd)
            ts.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        os.unlink(path)
    ts.sort()
    print(json.dumps({"fsync_ms": round(ts[len(ts) // 2] * 1000, 4)}))


def failover(token, killcmd, apis, warmup=2.0):
    n = 0
    killed_at = None
    start = time.monotonic()
    while True:
        n += 1
        key = uuid.uuid4().hex
        if not try_write(apis, token, "f-%d" % n, key, time.monotonic() + 60):
            print(json.dumps({"error": "no write acknowledged"}))
            sys.exit(1)
        now = time.monotonic()
        if killed_at is not None:
            print(json.dumps({"failover_ms": round((now - killed_at) * 1000, 1),
                              "writes_before": n - 1}))
            return
        if now - start > warmup:
            subprocess.run(killcmd, shell=True, check=True)
            killed_at = time.monotonic()


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    elif len(sys.argv) >= 7 and sys.argv[1:3] == ["failover", "--warmup"]:
        failover(sys.argv[4], sys.argv[5], sys.argv[6:], float(sys.argv[3]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "failover":
        failover(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "fsync":
        fsync(sys.argv[2], int(sys.argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
