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

# the writers (tests/cluster/writers.py) until $CL_DIR/stop exists
cl_writers_start "$WRITERS"

# kill_mid_batch ID: SIGKILLs node ID once it batches, with writes in flight.
kill_mid_batch() {
	local id=$1 n
	cl_wait 30 cl_batched "$id" || cl_fail "node $id never applied more than one entry per batch"
	n=$(cl_acked)
	cl_wait 60 cl_acked_over $((n + 20)) || cl_fail "writes do not progress before killing node $id"
	cl_kill "$id"
	cl_log "terms before the kill: $(for i in 1 2 3; do echo -n "$i:$(cl_status "$i" term) "; done)"
	cl_log "SIGKILLed node $id at $(cl_acked) acked writes ($(grep -o 'entries=[0-9]*$' "$CL_DIR/n$id.log" | tail -1 | cut -d= -f2) entries in its largest batch)"
}

cl_wait 60 cl_acked_over 50 || cl_fail "writes do not progress"
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader under load"
L=$(cl_leader_of 1 2 3) || L=1 # an election just now: any node will do as "the leader"
F=$((L % 3 + 1))
kill_mid_batch "$F"
n=$(cl_acked)
cl_wait 60 cl_acked_over $((n + 40)) || cl_fail "no writes with node $F down"
cl_start "$F" "${ARGS[@]}"

kill_mid_batch "$L"
OTHERS=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done | tr '\n' ' ')
# shellcheck disable=SC2086
cl_wait 30 cl_has_leader $OTHERS || cl_fail "no new leader"
n=$(cl_acked)
cl_wait 60 cl_acked_over $((n + 40)) || cl_fail "no writes after the leader was killed (terms: $(for i in $OTHERS; do echo -n "$i:$(cl_status "$i" term) "; done))"
cl_start "$L" "${ARGS[@]}"
n=$(cl_acked)
cl_wait 60 cl_acked_over $((n + 20)) || cl_fail "no writes after the restart"

# A third kill: the leader of the moment, just after a snapshot of its own
snaps() { grep -c "raft snapshot taken" "$CL_DIR/n$1.log"; }
snapshot_after() { [ "$(snaps "$1")" -gt "$2" ]; }
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader after the restarts"
L=$(cl_leader_of 1 2 3) || L=1
s=$(snaps "$L")
cl_wait 60 snapshot_after "$L" "$s" || cl_fail "node $L took no snapshot under load"
cl_kill "$L"
cl_log "SIGKILLed node $L after its snapshot at $(cl_acked) acked writes"
OTHERS=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done | tr '\n' ' ')
# shellcheck disable=SC2086
cl_wait 30 cl_has_leader $OTHERS || cl_fail "no new leader after the third kill"
n=$(cl_acked)
cl_wait 60 cl_acked_over $((n + 40)) || cl_fail "no writes after the third kill"
cl_start "$L" "${ARGS[@]}"

cl_writers_check
grep -h "snapshot taken\|snapshot restored\|snapshot from leader deferred" "$CL_DIR"/n*.log | sed 's/^.*\(snapshot [a-z]*\( leader deferred\)\{0,1\}\).*$/\1/' |
	sort | uniq -c | while read -r c what; do cl_log "$what: $c"; done
cl_log "PASS"
