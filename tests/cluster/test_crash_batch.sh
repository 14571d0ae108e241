#!/bin/bash
# 3 controllers, 32 concurrent writers (one tenant per write, each with its
# own Idempotency-Key, retried with the same key on any failure, against any
# node, following 307s); every acknowledged write is recorded (id, name).
# While writes are in flight and the nodes apply entries in batches of more
# than one per LMDB transaction, a follower and then the leader are
# SIGKILLed and restarted, then the leader of that moment once more right
# after it logged a snapshot (the apply thread drained its queue for it and
# runs behind libraft again). Snapshots are frequent (threshold 64), so
# snapshots are taken between batches and a restarted node may catch up by
# one. Then: every acknowledged write is on every node exactly once,
# with the id it was acknowledged with, and the nodes agree.
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init

WRITERS=32
cl_cluster3 --snapshot-threshold 64
ARGS=(--peers "$P" --snapshot-threshold 64) # to restart a node as it was started

# The writers, until $CL_DIR/stop exists: a write in flight is finished
# (retried with its key) before a writer stops. Acked writes go to
# $CL_DIR/acked as "id name", failures to $CL_DIR/errors.
cat >"$CL_DIR/writers.py" <<'EOF'
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
EOF
: >"$CL_DIR/acked"
python3 "$CL_DIR/writers.py" "$CL_DIR" "$TOKEN" "$WRITERS" "$(cl_api 1)" "$(cl_api 2)" "$(cl_api 3)" &
WPID=$!

n_acked() { wc -l <"$CL_DIR/acked"; }
acked_over() { [ "$(n_acked)" -ge "$1" ]; }
# batched ID: node ID has committed a batch of more than one entry.
batched() {
	grep -o "raft batch largest so far entries=[0-9]*" "$CL_DIR/n$1.log" |
		awk -F= '$2 > 1 { ok = 1 } END { exit !ok }'
}
# kill_mid_batch ID: SIGKILLs node ID once it batches, with writes in flight.
kill_mid_batch() {
	local id=$1 n
	cl_wait 30 batched "$id" || cl_fail "node $id never applied more than one entry per batch"
	n=$(n_acked)
	cl_wait 60 acked_over $((n + 20)) || cl_fail "writes do not progress before killing node $id"
	cl_kill "$id"
	cl_log "terms before the kill: $(for i in 1 2 3; do echo -n "$i:$(cl_status "$i" term) "; done)"
	cl_log "SIGKILLed node $id at $(n_acked) acked writes ($(grep -o 'entries=[0-9]*$' "$CL_DIR/n$id.log" | tail -1 | cut -d= -f2) entries in its largest batch)"
}

cl_wait 60 acked_over 50 || cl_fail "writes do not progress"
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader under load"
L=$(cl_leader_of 1 2 3) || L=1 # an election just now: any node will do as "the leader"
F=$((L % 3 + 1))
kill_mid_batch "$F"
n=$(n_acked)
cl_wait 60 acked_over $((n + 40)) || cl_fail "no writes with node $F down"
cl_start "$F" "${ARGS[@]}"

kill_mid_batch "$L"
OTHERS=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done | tr '\n' ' ')
# shellcheck disable=SC2086
cl_wait 30 cl_has_leader $OTHERS || cl_fail "no new leader"
n=$(n_acked)
cl_wait 60 acked_over $((n + 40)) || cl_fail "no writes after the leader was killed (terms: $(for i in $OTHERS; do echo -n "$i:$(cl_status "$i" term) "; done))"
cl_start "$L" "${ARGS[@]}"
n=$(n_acked)
cl_wait 60 acked_over $((n + 20)) || cl_fail "no writes after the restart"

# A third kill: the leader of the moment, just after a snapshot of its own
snaps() { grep -c "raft snapshot taken" "$CL_DIR/n$1.log"; }
snapshot_after() { [ "$(snaps "$1")" -gt "$2" ]; }
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader after the restarts"
L=$(cl_leader_of 1 2 3) || L=1
s=$(snaps "$L")
cl_wait 60 snapshot_after "$L" "$s" || cl_fail "node $L took no snapshot under load"
cl_kill "$L"
cl_log "SIGKILLed node $L after its snapshot at $(n_acked) acked writes"
OTHERS=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done | tr '\n' ' ')
# shellcheck disable=SC2086
cl_wait 30 cl_has_leader $OTHERS || cl_fail "no new leader after the third kill"
n=$(n_acked)
cl_wait 60 acked_over $((n + 40)) || cl_fail "no writes after the third kill"
cl_start "$L" "${ARGS[@]}"

touch "$CL_DIR/stop"
wait "$WPID"
[ -s "$CL_DIR/errors" ] && { head "$CL_DIR/errors"; cl_fail "writes never acknowledged"; }
cl_log "writers done: $(n_acked) acked"

cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader at the end"
NL=$(cl_leader_of 1 2 3) || NL=1
# shellcheck disable=SC2086
cl_wait 60 cl_caught_up "$NL" 1 2 3 || cl_fail "nodes did not converge"
sort "$CL_DIR/acked" >"$CL_DIR/acked.sorted"
dups=$(cut -d' ' -f2 "$CL_DIR/acked.sorted" | sort | uniq -d | head -3)
[ -z "$dups" ] || cl_fail "a write was acknowledged with two ids: $dups"
for i in 1 2 3; do
	cl_curl "$i" /v1/tenants | python3 -c \
		"import sys,json; print('\n'.join(sorted('%s %s' % (t['id'], t['name']) for t in json.load(sys.stdin)['tenants'])))" \
		>"$CL_DIR/objs.$i"
	[ -s "$CL_DIR/objs.$i" ] || cl_fail "node $i: no tenant list"
	dups=$(cut -d' ' -f2 "$CL_DIR/objs.$i" | sort | uniq -d | head -3)
	[ -z "$dups" ] || cl_fail "node $i has a write twice: $dups"
	missing=$(comm -23 "$CL_DIR/acked.sorted" "$CL_DIR/objs.$i" | head -5)
	[ -z "$missing" ] || cl_fail "node $i lost acknowledged writes: $missing"
	cl_log "node $i: $(wc -l <"$CL_DIR/objs.$i") tenants, revision $(cl_revision "$i")"
done
cmp -s "$CL_DIR/objs.1" "$CL_DIR/objs.2" && cmp -s "$CL_DIR/objs.1" "$CL_DIR/objs.3" ||
	cl_fail "nodes differ"
grep -h "snapshot taken\|snapshot restored\|snapshot from leader deferred" "$CL_DIR"/n*.log | sed 's/^.*\(snapshot [a-z]*\( leader deferred\)\{0,1\}\).*$/\1/' |
	sort | uniq -c | while read -r c what; do cl_log "$what: $c"; done
cl_log "PASS"
