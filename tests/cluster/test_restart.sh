#!/bin/bash
# 3 controllers take writes, then ALL are SIGKILLed and restarted from their
# data directories: same tenants, same revision, no entry applied twice
# (the applied index in LMDB skips the replayed log), and a retry of an old
# Idempotency-Key still creates nothing.
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init

cl_cluster3
for i in $(seq 1 30); do
	code=$(cl_create "$L" "r-$i" "rkey-$i")
	[ "$code" = 201 ] || cl_fail "write r-$i got $code"
done
cl_wait 30 cl_caught_up "$L" 1 2 3 || cl_fail "not caught up"
REV=$(cl_revision "$L")
cl_names "$L" >"$CL_DIR/before"
cl_log "before: $(wc -l <"$CL_DIR/before") tenants, revision $REV"

for i in 1 2 3; do cl_kill "$i"; done
cl_log "all nodes SIGKILLed; restarting"
for i in 1 2 3; do cl_start "$i" --peers "$P"; done
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader after restart"
L=$(cl_leader_of 1 2 3)
for i in 1 2 3; do
	up() { [ -n "$(cl_revision "$1")" ]; }
	cl_wait 30 up "$i" || cl_fail "node $i not serving"
	[ "$(cl_revision "$i")" = "$REV" ] || cl_fail "node $i revision $(cl_revision "$i") != $REV"
	cl_names "$i" >"$CL_DIR/after.$i"
	cmp -s "$CL_DIR/before" "$CL_DIR/after.$i" || cl_fail "node $i state differs"
	[ -z "$(uniq -d "$CL_DIR/after.$i")" ] || cl_fail "node $i has duplicates"
done
cl_log "after restart: same tenants and revision $REV on every node"

code=$(cl_create "$L" "r-7" "rkey-7")
[ "$code" = 201 ] || cl_fail "retry of an old key got $code"
cl_wait 10 cl_caught_up "$L" 1 2 3 || cl_fail "not caught up"
[ "$(cl_revision "$L")" = "$REV" ] || cl_fail "old key applied again: revision $(cl_revision "$L")"
cl_log "retry of an old Idempotency-Key: no new revision"
cl_log "PASS"
