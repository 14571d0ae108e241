#!/bin/bash
# The Raft transport admits only holders of the cluster key. Node 3 starts
# with a different key: nodes 1 and 2 refuse its connections (logged) and
# it refuses theirs, so it takes part in nothing - the other two elect a
# leader and commit writes it never sees. Restarted with the right key, it
# catches up.
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CL_DIR/wrong.key"
P=$(cl_peers 3)
cl_start 1 --peers "$P"
cl_start 2 --peers "$P"
cl_start 3 --peers "$P" --cluster-key "$CL_DIR/wrong.key"
cl_wait 30 cl_has_leader 1 2 || cl_fail "nodes 1 and 2 elected no leader"
L=$(cl_leader_of 1 2)
for i in $(seq 1 5); do
	[ "$(cl_create "$L" "a-$i" "akey-$i")" = 201 ] || cl_fail "write a-$i"
done
refused() { grep -q "raft peer refused id=3" "$CL_DIR/n1.log" "$CL_DIR/n2.log"; }
cl_wait 20 refused || cl_fail "node 3's connections were not refused"
[ "$(cl_revision 3)" = 0 ] || cl_fail "node 3 with the wrong key got entries"
[ "$(cl_status 3 state)" != leader ] || cl_fail "node 3 became leader alone"
cl_log "node 3 (wrong key) refused; it holds revision $(cl_revision 3), the others $(cl_revision "$L")"

cl_stop 3
cl_start 3 --peers "$P"
cl_wait 30 cl_caught_up "$L" 1 2 3 || cl_fail "node 3 did not catch up with the right key"
cl_log "node 3 with the right key caught up: revision $(cl_revision 3)"
cl_log "PASS"
