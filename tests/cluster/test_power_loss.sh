#!/bin/bash
# A power loss under 32 writers. Under Raft the stores commit without
# flushing (MDB_NOSYNC): what a commit wrote is in the page cache, and the
# durable Raft log is the record. A power loss empties the page cache: the
# store on disk may miss its last commits, or be damaged in ways LMDB does
# not see. Here SIGKILL stands for the process's end and the rest of a
# power loss is made by hand: the marker of unflushed commits gets another
# kernel's boot id, and data.mdb's last pages (the newest copy-on-write
# pages) are zeroed. First a follower loses power, mid-batch, and comes
# back; then all three nodes at once. Each restarted node must set its store
# aside and rebuild it from its Raft snapshot and log, and every
# acknowledged write must then be on every node exactly once, with the id it
# was acknowledged with. Last, a node stopped cleanly flushes its store and
# removes the marker, and restarts with its store.
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init

cl_cluster3 --snapshot-threshold 64
ARGS=(--peers "$P" --snapshot-threshold 64) # to restart a node as it was started
OTHER_BOOT=00000000-0000-4000-8000-000000000000
cl_writers_start 32

# power_off ID: node ID loses power once it batches, with writes in flight.
power_off() {
	local d=$CL_DIR/n$1 pages
	cl_kill "$1"
	[ "$(cut -c1-36 "$d/store.unsynced")" = "$(cat /proc/sys/kernel/random/boot_id)" ] ||
		cl_fail "node $1: no marker of unflushed commits with this kernel's boot id"
	echo "$OTHER_BOOT" >"$d/store.unsynced"
	pages=$(($(stat -c %s "$d/data.mdb") / 4096))
	dd if=/dev/zero of="$d/data.mdb" bs=4096 seek=$((pages > 10 ? pages - 8 : 2)) count=8 \
		conv=notrunc status=none
	cl_log "node $1 lost power at $(cl_acked) acked writes ($pages pages, the last 8 zeroed)"
}
# set_aside ID N: node ID has logged more than N set-asides (asides ID: how many)
asides() { grep -c "store had unflushed commits when its kernel stopped" "$CL_DIR/n$1.log"; }
set_aside() { [ "$(asides "$1")" -gt "$2" ]; }
# progress N: N more writes acknowledged, within 60 s
progress() {
	local n
	n=$(cl_acked)
	cl_wait 60 cl_acked_over $((n + $1)) || cl_fail "writes do not progress ($2)"
}

progress 50 "at the start"
L=$(cl_leader_of 1 2 3) || L=1
F=$((L % 3 + 1))
cl_wait 30 cl_batched "$F" || cl_fail "node $F never applied more than one entry per batch"
progress 20 "before the follower's power loss"
power_off "$F"
progress 40 "with node $F off"
cl_start "$F" "${ARGS[@]}"
cl_wait 30 set_aside "$F" 0 || cl_fail "node $F did not set its store aside"
[ -f "$CL_DIR/n$F/data.mdb.unsynced" ] || cl_fail "node $F: no data.mdb.unsynced"
progress 40 "after node $F came back"

for i in 1 2 3; do
	cl_wait 30 cl_batched "$i" || cl_fail "node $i never applied more than one entry per batch"
done
progress 20 "before the cluster's power loss"
declare -A SEEN
for i in 1 2 3; do SEEN[$i]=$(asides "$i"); done
for i in 1 2 3; do power_off "$i"; done
for i in 1 2 3; do cl_start "$i" "${ARGS[@]}"; done
for i in 1 2 3; do
	cl_wait 30 set_aside "$i" "${SEEN[$i]}" || cl_fail "node $i did not set its store aside"
done
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader after the power loss"
progress 40 "after the cluster's power loss"
cl_writers_check

# a clean stop flushes the store and removes the marker
F=$(cl_leader_of 1 2 3) || F=1
F=$((F % 3 + 1))
cl_stop "$F"
[ ! -e "$CL_DIR/n$F/store.unsynced" ] || cl_fail "node $F stopped cleanly but left its marker"
n=$(asides "$F")
cl_start "$F" "${ARGS[@]}"
cl_wait 30 cl_caught_up "$(cl_leader_of 1 2 3 || echo 1)" "$F" || cl_fail "node $F did not come back"
[ "$(asides "$F")" = "$n" ] || cl_fail "node $F set aside a store it had flushed"
[ -e "$CL_DIR/n$F/store.unsynced" ] || cl_fail "node $F runs without its marker"
cl_log "PASS"
