#!/usr/bin/env python3
"""writers.py DIR TOKEN N API... - N concurrent writers for the crash tests.

One tenant per write, each with its own Idempotency-Key, retried with the
same key on any failure, against any node, following 307s, until DIR/stop
exists: a write in flight is finished (retried with its key) before a writer
stops. Acknowledged writes go to DIR/acked as "id name", writes never
acknowledged within 60 s to DIR/errors.
"""
import http.client, json, os, sys, threading, time
d, token, n, apis = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
lock = threading.Lock()
acked = open(os.path.join(d, "acked"), "a")

def post(api, name, key, src):
    host, port = api.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(src, 0))
    try:
        c.request("POST", "/v1/tenants", body=json.dumps({"name": name}), headers={
            "Authorization": "Bearer " + token, "Content-Type": "application/json",
            "Idempotency-Key": key})
        r = c.getresponse()
        return r.status, r.getheader("Location"), r.read()
    finally:
        c.close()

def writer(w):
    i, api = 0, apis[w % len(apis)]
    # 16 writers per source address: the API serves at most 32 connections
    # from one address, and the test's own requests come from 127.0.0.1
    src = "127.0.0.%d" % (2 + w % 2)
    while not os.path.exists(os.path.join(d, "stop")):
        i += 1
        name = "c-%d-%d" % (w, i)
        deadline = time.monotonic() + 60
        while True:
            try:
                status, loc, body = post(api, name, "k-" + name, src)
            except Exception:
                status, loc, body = 0, None, b""
            if status == 201:
                with lock:
                    acked.write("%s %s\n" % (json.loads(body)["id"], name))
                    acked.flush()
                break
            if status == 307 and loc:
                api = loc.split("/")[2]
                continue
            if time.monotonic() > deadline:
                with open(os.path.join(d, "errors"), "a") as f:
                    f.write("%s never acked (last status %d)\n" % (name, status))
                return
            api = apis[(apis.index(api) + 1) % len(apis)] if api in apis else apis[0]
            time.sleep(0.02)

ts = [threading.Thread(target=writer, args=(w,)) for w in range(n)]
for t in ts:
    t.start()
for t in ts:
    t.join()
