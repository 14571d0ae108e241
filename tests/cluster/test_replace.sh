#!/bin/bash
# Membership through tenetctl: node 3 is removed (`cluster remove`) and
# stopped; a fresh node 4 starts empty (--join) and is added (`cluster add`:
# spare, catch-up, voter). With a low snapshot threshold the log it needs is
# already compacted, so it catches up by snapshot. Then leadership is
# transferred to it (`cluster transfer`) and it takes writes.
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init
CLI="$BUILD/cli/tenetctl"
tctl() { "$CLI" --api "http://$(cl_api "$1")" --token "$TOKEN" "${@:2}"; }

cl_cluster3 --snapshot-threshold 8
for i in $(seq 1 40); do
	[ "$(cl_create "$L" "x-$i" "xkey-$i")" = 201 ] || cl_fail "write x-$i"
done
cl_wait 30 cl_caught_up "$L" 1 2 3 || cl_fail "not caught up"
grep -q "raft snapshot taken" "$CL_DIR/n$L.log" || cl_fail "no snapshot was taken"
tctl 1 cluster status
F=$((L % 3 + 1))
tctl "$F" tenant create name=via-follower >/dev/null || cl_fail "tenetctl did not follow the 307"
cl_log "tenetctl on follower $F: the write followed the 307 to the leader"

# remove a follower (never the node we ask through)
R=$(for i in 3 2 1; do [ "$i" != "$L" ] && echo "$i" && break; done)
tctl "$L" cluster remove "$R" || cl_fail "cluster remove $R"
gone() { ! cl_curl "$L" /v1/cluster | grep -q "\"id\":$R,"; }
cl_wait 10 gone || cl_fail "node $R still in the configuration"
cl_stop "$R"
cl_log "node $R removed and stopped"

cl_start 4 --join
up() { [ -n "$(cl_status 4 state)" ]; }
cl_wait 20 up || cl_fail "node 4 does not answer"
tctl 1 cluster add 4 "$(cl_addr 4)" || cl_fail "cluster add 4"
voter() { cl_curl "$L" /v1/cluster | grep -q '"id":4,[^}]*"role":"voter"'; }
cl_wait 30 voter || cl_fail "node 4 did not become a voter"
cl_wait 30 cl_caught_up "$L" 4 || cl_fail "node 4 did not catch up"
grep -q "snapshot restored" "$CL_DIR/n4.log" || cl_fail "node 4 did not catch up by snapshot"
cl_log "node 4 is a voter and caught up by snapshot (revision $(cl_revision 4))"
cl_names "$L" >"$CL_DIR/names.L"
cl_names 4 >"$CL_DIR/names.4"
cmp -s "$CL_DIR/names.L" "$CL_DIR/names.4" || cl_fail "node 4 state differs"

tctl 1 cluster transfer 4 || cl_fail "cluster transfer 4"
is4() { [ "$(cl_leader_of 4)" = 4 ]; }
cl_wait 20 is4 || cl_fail "node 4 did not become leader"
[ "$(cl_create 4 after "xkey-after")" = 201 ] || cl_fail "write on the new leader"
tctl 4 cluster status
cl_log "PASS"
