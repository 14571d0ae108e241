#!/bin/bash
# raft_bench.sh BUILD [SECONDS] [WRITERS...] - replicated write benchmark
# (docs/BENCHMARKS.md, "Replicated writes"): for 1 and 3 controllers on
# loopback (synced: LMDB and the Raft log fsync every commit), throughput and
# p50/p99 commit latency with each number of writers; then the failover time
# of a 3-node cluster (leader SIGKILL -> first acknowledged write). Prints
# JSON lines. Use a build without sanitizers for figures.
set -u
BUILD=$(cd "${1:?build dir}" && pwd)
SECS=${2:-5}
shift 2 2>/dev/null
WRITERS=${*:-1 4 16}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/cluster/lib.sh"
cl_init

run_cluster() {
	local n=$1 w L i
	for i in $(seq 1 "$n"); do
		if [ "$n" = 1 ]; then cl_start "$i"; else cl_start "$i" --peers "$(cl_peers "$n")"; fi
	done
	# shellcheck disable=SC2046
	cl_wait 30 cl_has_leader $(seq 1 "$n") || cl_fail "no leader"
	# shellcheck disable=SC2046
	L=$(cl_leader_of $(seq 1 "$n"))
	for w in $WRITERS; do
		printf '{"nodes":%d,' "$n"
		python3 "$HERE/raft_bench.py" load "$(cl_api "$L")" "$TOKEN" "$w" "$SECS" | sed 's/^{//'
	done
	for i in $(seq 1 "$n"); do cl_stop "$i"; done
	rm -rf "$CL_DIR"/n*
}

run_cluster 1
run_cluster 3

P=$(cl_peers 3)
for i in 1 2 3; do cl_start "$i" --peers "$P"; done
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader"
L=$(cl_leader_of 1 2 3)
printf '{"nodes":3,"killed":%d,' "$L"
python3 "$HERE/raft_bench.py" failover "$TOKEN" "kill -KILL ${CL_PID[$L]}" \
	"$(cl_api 1)" "$(cl_api 2)" "$(cl_api 3)" | sed 's/^{//'
