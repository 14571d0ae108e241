#!/usr/bin/env bash
# raft_bench.sh BUILD_DIR [--quick] [--only FIGURE] - the replicated-write
# figures (docs/BENCHMARKS.md, "Replicated writes"). Controllers on loopback
# ports (tests/cluster/lib.sh), synced as in production: raft_uv's own
# durable appends; the FSM's LMDB commits, one per batch of applied entries,
# are not flushed (MDB_NOSYNC, the Raft log is the record: see
# docs/ARCHITECTURE.md "Durability"). Prints JSON lines for
# bench/report.py on stdout (everything else goes to stderr):
#   cluster.fsync_ms                 pwrite 4 KiB + fdatasync in the data
#                                    directory's filesystem (the disk's price)
#   cluster.writes_{1,3}node_{W}w    acknowledged writes/s (POST /v1/tenants,
#                                    201 = committed and applied) with W
#                                    writers on keep-alive connections to
#                                    the leader
#   cluster.commit_p50|p99_{1,3}node_{W}w   latency of those writes, ms
#   cluster.leader_changes_3node     elections (Raft term increments, pre-vote
#                                    on) in the 3-node cluster during one
#                                    round of load runs: 0 unless a heartbeat
#                                    was missed under load
#   cluster.failover_ms              3 nodes: leader SIGKILL -> first write
#                                    acknowledged afterwards (by the new
#                                    leader); the killed node is restarted
#                                    from disk and caught up between runs
# RAFT_BENCH_ARGS (environment): extra controller arguments for every node,
# for experiments (e.g. "--snapshot-threshold 4096").
# A 1-node and a 3-node cluster run side by side; each round runs every
# writer count on both, so drift on a shared machine hits both alike.
# Tenants are not part of the compiled topology, so the southbound recompile
# after each write is nearly empty: this is the replication path itself.
set -uo pipefail
. "$(dirname "$0")/args.sh"
bench_args raft_bench.sh "$@"
if [ "$QUICK" = 1 ]; then
	RUNS=5 SECS=1 WRITERS="1 8" FO_RUNS=3
else
	RUNS=9 SECS=3 WRITERS="1 8 32" FO_RUNS=9
fi
NODES="1 3"
case $ONLY in
"" | cluster.fsync_ms | cluster.failover_ms) ;;
cluster.leader_changes_3node) NODES=3 ;;
cluster.writes_*node_*w | cluster.commit_p50_*node_*w | cluster.commit_p99_*node_*w)
	t=${ONLY##*_}
	WRITERS=${t%w}
	t=${ONLY%node_*}
	NODES=${t##*_}
	;;
*) echo "raft_bench.sh: no figure $ONLY" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
RB="python3 $HERE/raft_bench.py"
# figures on fd 3, logs (lib.sh's too) on stderr; lib.sh re-executes this
# script in a network namespace of its own, which inherits both already
[ -n "${CL_PRIVATE_NET:-}" ] || exec 3>&1 1>&2
# shellcheck source=../tests/cluster/lib.sh disable=SC2034 # lib.sh uses BUILD
. "$HERE/../tests/cluster/lib.sh"
cl_init
SINGLE=4 # the 1-node cluster is node 4 (own data directory and ports)
P3=$(cl_peers 3)
read -r -a EXTRA <<<"${RAFT_BENCH_ARGS:-}"

want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
# want_nodes N: a figure of the N-node cluster is asked for.
want_nodes() {
	[ -z "$ONLY" ] || case $ONLY in *_"$1"node_* | *_"$1"node) true ;; cluster.failover_ms) [ "$1" = 3 ] ;; *) false ;; esac
}

# emit NAME UNIT VALUE BASELINE(or null) LOWER_IS_BETTER WHAT
emit() {
	want "$1" || return 0
	if [ "$4" != null ]; then set -- "$1" "$2" "$3" "\"$4\"" "$5" "$6"; fi
	printf '{"name": "%s", "unit": "%s", "value": %s, "baseline": %s, "lower_is_better": %s, "what": "%s"}\n' \
		"$@" >&3
}

# base_of KIND N W: the baseline of cluster.KIND_Nnode_Ww.
base_of() {
	if [ "$2" = 3 ]; then
		echo "cluster.$1_1node_$3w"
	elif [ "$3" != 1 ]; then
		echo "cluster.$1_1node_1w"
	elif [ "$1" = commit_p50 ]; then
		echo cluster.fsync_ms
	else
		echo null
	fi
}

# load N W: one load run on the N-node cluster's leader with W writers.
load() {
	local n=$1 w=$2 l out v f kind key unit lower
	if [ "$n" = 1 ]; then l=$SINGLE; else l=$(cl_leader_of 1 2 3) || cl_fail "no leader"; fi
	out=$($RB load "$(cl_api "$l")" "$TOKEN" "$w" "$SECS") || cl_fail "load $n node(s) $w writer(s)"
	echo "raft_bench: ${n}node ${w}w: $out"
	for f in writes:throughput:writes/s:false commit_p50:p50_ms:ms:true commit_p99:p99_ms:ms:true; do
		IFS=: read -r kind key unit lower <<<"$f"
		v=$(jq -er ".$key" <<<"$out") || cl_fail "no $key in $out"
		emit "cluster.${kind}_${n}node_${w}w" "$unit" "$v" "$(base_of "$kind" "$n" "$w")" "$lower" \
			"$w writer(s), $n node(s), POST /v1/tenants to the leader, ${SECS} s"
	done
}

# max_term: the highest Raft term among nodes 1-3 (those that answer).
max_term() {
	local i t m=0
	for i in 1 2 3; do
		t=$(cl_status "$i" term) || continue
		[ -n "$t" ] && [ "$t" -gt "$m" ] && m=$t
	done
	echo "$m"
}

# all_caught_up: nodes 1-3 have a leader and the leader's revision.
all_caught_up() {
	local l
	l=$(cl_leader_of 1 2 3) || return 1
	cl_caught_up "$l" 1 2 3
}

# failover_run: kills the 3-node cluster's leader under writes, then
# restarts it from disk and waits until it caught up.
failover_run() {
	local l out
	cl_wait 60 all_caught_up || cl_fail "3 nodes not caught up"
	l=$(cl_leader_of 1 2 3)
	out=$($RB failover --warmup 0.5 "$TOKEN" "kill -KILL ${CL_PID[$l]}" \
		"$(cl_api 1)" "$(cl_api 2)" "$(cl_api 3)") || cl_fail "failover: $out"
	echo "raft_bench: killed node $l: $out"
	emit cluster.failover_ms ms "$(jq -er .failover_ms <<<"$out")" null true \
		"leader SIGKILL -> first acknowledged write (new leader), one writer, 3 nodes"
	wait "${CL_PID[$l]}" 2>/dev/null
	cl_start "$l" --peers "$P3" --log-level warn "${EXTRA[@]}"
}

if want cluster.fsync_ms; then
	for ((r = 0; r < RUNS; r++)); do
		emit cluster.fsync_ms ms "$($RB fsync "$CL_DIR" 200 | jq -er .fsync_ms)" null true \
			"pwrite 4 KiB + fdatasync, median of 200, in the nodes' filesystem"
	done
fi
want_nodes 1 && cl_start "$SINGLE" --log-level warn "${EXTRA[@]}"
if want_nodes 3; then
	for i in 1 2 3; do cl_start "$i" --peers "$P3" --log-level warn "${EXTRA[@]}"; done
fi
want_nodes 1 && { cl_wait 30 cl_has_leader "$SINGLE" || cl_fail "1 node: no leader"; }
want_nodes 3 && { cl_wait 30 cl_has_leader 1 2 3 || cl_fail "3 nodes: no leader"; }
if [ "$ONLY" != cluster.failover_ms ] && [ "$ONLY" != cluster.fsync_ms ]; then
	for ((r = 0; r < RUNS; r++)); do
		want_nodes 3 && t0=$(max_term)
		for w in $WRITERS; do
			for n in $NODES; do want_nodes "$n" && load "$n" "$w"; done
		done
		if want_nodes 3; then
			t1=$(max_term)
			echo "raft_bench: 3node round $r: term $t0 -> $t1"
			emit cluster.leader_changes_3node count $((t1 - t0)) null true \
				"elections (term increments) in the 3-node cluster during one round of load runs"
		fi
	done
fi
want_nodes 1 && cl_stop "$SINGLE"
if want cluster.failover_ms; then
	for ((r = 0; r < FO_RUNS; r++)); do failover_run; done
fi
exit 0
