#!/bin/bash
# 3 controllers; a client writes continuously (one tenant per write, each
# with its own Idempotency-Key, retried with the same key on any failure,
# against any node, following 307s). The leader is SIGKILLed mid-stream.
# Then: a new leader was elected (time printed), every acknowledged write is
# on every node exactly once (the killed node restarted and caught up).
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init

N_WRITES=60
KILL_AT=15
cl_cluster3
cl_log "leader is node $L"

# a follower redirects writes and consistent reads to the leader's API
F=$((L % 3 + 1))
hdrs=$(cl_curl "$F" /v1/tenants -i -H 'Content-Type: application/json' -d '{"name":"x"}')
echo "$hdrs" | grep -q "^HTTP/1.1 307" || cl_fail "follower write: $hdrs"
echo "$hdrs" | grep -qi "^Location: http://$(cl_api "$L")/v1/tenants" || cl_fail "bad Location: $hdrs"
cl_curl "$F" "/v1/tenants?consistent=1" -i | grep -q "^HTTP/1.1 307" ||
	cl_fail "follower consistent read not redirected"
cl_curl "$L" "/v1/tenants?consistent=1" -i | grep -q "^HTTP/1.1 200" ||
	cl_fail "leader consistent read failed"
cl_curl "$F" "/v1/tenants" -i | grep -q "^HTTP/1.1 200" || cl_fail "follower local read failed"
cl_log "follower $F: 307 to the leader for writes and consistent reads, 200 for local reads"

# writer: appends "name" to acked once a 201 came back
writer() {
	local i node code deadline
	for i in $(seq 1 $N_WRITES); do
		deadline=$((SECONDS + 60))
		node=1
		while :; do
			code=$(cl_create "$node" "w-$i" "key-$i")
			if [ "$code" = 201 ]; then
				echo "w-$i" >>"$CL_DIR/acked"
				break
			fi
			[ $SECONDS -ge $deadline ] && { echo "write w-$i never acked" >>"$CL_DIR/errors"; return 1; }
			node=$((node % 3 + 1))
		done
	done
}
: >"$CL_DIR/acked"
writer &
WPID=$!

acked() { [ "$(wc -l <"$CL_DIR/acked")" -ge "$1" ]; }
cl_wait 60 acked $KILL_AT || cl_fail "writes do not progress"
T0=$(date +%s%N)
cl_kill "$L"
cl_log "SIGKILLed leader node $L after $(wc -l <"$CL_DIR/acked") acked writes"
OTHERS=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done | tr '\n' ' ')
# shellcheck disable=SC2086
cl_wait 30 cl_has_leader $OTHERS || cl_fail "no new leader"
T1=$(date +%s%N)
# shellcheck disable=SC2086
NL=$(cl_leader_of $OTHERS)
cl_log "new leader node $NL elected $(((T1 - T0) / 1000000)) ms after the kill"
N_BEFORE=$(wc -l <"$CL_DIR/acked")
acked_more() { [ "$(wc -l <"$CL_DIR/acked")" -gt "$N_BEFORE" ]; }
cl_wait 30 acked_more || cl_fail "no write acknowledged after the failover"
T2=$(date +%s%N)
cl_log "first write acknowledged $(((T2 - T0) / 1000000)) ms after the kill"

wait "$WPID" || { cat "$CL_DIR/errors"; cl_fail "writer failed"; }
cl_log "writer done: $(wc -l <"$CL_DIR/acked") acked"

cl_start "$L" --peers "$P"
# shellcheck disable=SC2086
cl_wait 60 cl_caught_up "$NL" 1 2 3 || cl_fail "nodes did not converge"
sort "$CL_DIR/acked" >"$CL_DIR/acked.sorted"
for i in 1 2 3; do
	cl_names "$i" >"$CL_DIR/names.$i"
	dups=$(uniq -d "$CL_DIR/names.$i")
	[ -z "$dups" ] || cl_fail "node $i has duplicates: $dups"
	missing=$(comm -23 "$CL_DIR/acked.sorted" "$CL_DIR/names.$i")
	[ -z "$missing" ] || cl_fail "node $i lost acknowledged writes: $missing"
	cl_log "node $i: $(wc -l <"$CL_DIR/names.$i") tenants, revision $(cl_revision "$i")"
done
cmp -s "$CL_DIR/names.1" "$CL_DIR/names.2" && cmp -s "$CL_DIR/names.1" "$CL_DIR/names.3" ||
	cl_fail "nodes differ"
cl_log "PASS"
