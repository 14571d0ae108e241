#!/usr/bin/env bash
# run.sh BUILD_DIR [--quick] - runs every benchmark and rewrites
# docs/BENCHMARKS.md and docs/benchmarks.json (bench/report.py). BUILD_DIR
# must be a non-sanitized build (make bench / make bench-quick build one).
#   datapath  bench/dpbench (BPF_PROG_TEST_RUN, repeat 10^7)
#   overlay   bench/overlay.sh (namespaces, iperf3, ping -f)
#   control   bench/control.sh (controller + fake agents on 127.0.0.1)
#   cluster   bench/raft_bench.sh (1 and 3 Raft nodes on loopback)
#   clone     bench/clone.sh (tenant clone, export, import; fake datapaths)
#   migrate   bench/migrate.sh (live migration under a ping and a TCP stream)
# --only SECTION[,SECTION...] runs just those (a trial: the pages then go to
# BUILD_DIR/bench-partial unless BENCH_OUT_DIR is set, never over docs/).
# A section that fails is named in the report; the others still run. Exits
# non-zero if any section failed. Needs root.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
shift
MODE=full QUICK='' ONLY=''
while [ $# -gt 0 ]; do
	case $1 in
	--quick) MODE=quick QUICK=--quick ;;
	--only) ONLY=,${2:?--only SECTION[,SECTION...]}, && shift ;;
	*) echo "usage: run.sh BUILD_DIR [--quick] [--only SECTION[,SECTION...]]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (bpf, namespaces)" >&2; exit 1; }
if grep -q -- '-fsanitize' "$BUILD/CMakeCache.txt" 2>/dev/null ||
	grep -q 'TENET_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
	echo "run.sh: $BUILD is a sanitized build; benchmarks need -DTENET_SANITIZE=OFF" >&2
	exit 1
fi
# The raw runs stay in the build directory: after editing bench/analysis.md,
# bench/report.py can re-render the pages from them (same arguments as below).
RAW=$BUILD/bench-raw.jsonl
OUT=${BENCH_OUT_DIR:-$ROOT/docs} # where the pages go (trial runs: elsewhere)
if [ -n "$ONLY" ]; then
	RAW=$BUILD/bench-raw-partial.jsonl
	OUT=${BENCH_OUT_DIR:-$BUILD/bench-partial}
	mkdir -p "$OUT"
fi
printf '{"run": {"date_utc": "%s", "git_commit": "%s", "loadavg_at_start": ["%s", "%s", "%s"]}}\n' \
	"$(date -u '+%Y-%m-%d %H:%M')" "$(git -C "$ROOT" describe --always --dirty)" \
	$(cut -d' ' -f1-3 /proc/loadavg) >"$RAW"
FAILED=()
if [ "$(sysctl -n kernel.bpf_stats_enabled)" != 0 ]; then
	echo "run.sh: kernel.bpf_stats_enabled is on: datapath figures include its clock reads" >&2
fi
RUNS=9
[ "$MODE" = quick ] && RUNS=5

section() {
	local name=$1 t0=$SECONDS
	shift
	[ -z "$ONLY" ] || [[ $ONLY == *,$name,* ]] || return 0
	echo "== $name ($MODE)" >&2
	if ! "$@" >>"$RAW"; then
		echo "== $name FAILED" >&2
		FAILED+=("$name")
	fi
	echo "== $name: $((SECONDS - t0)) s" >&2
}

section datapath "$BUILD/bench/dpbench" --runs "$RUNS" --repeat 10000000
section overlay "$ROOT/bench/overlay.sh" "$BUILD" $QUICK
section control "$ROOT/bench/control.sh" "$BUILD" $QUICK
section cluster "$ROOT/bench/raft_bench.sh" "$BUILD" $QUICK
section clone "$ROOT/bench/clone.sh" "$BUILD" $QUICK
section migrate "$ROOT/bench/migrate.sh" "$BUILD" $QUICK
printf '{"run_end": {"loadavg_at_end": ["%s", "%s", "%s"]}}\n' $(cut -d' ' -f1-3 /proc/loadavg) >>"$RAW"
python3 "$ROOT/bench/report.py" --build "$(realpath --relative-to="$ROOT" "$BUILD")" \
	--mode "$MODE" --raw "$RAW" --out-dir "$OUT" --failed "${FAILED[@]}" || exit 1
echo "wrote $OUT/BENCHMARKS.md and $OUT/benchmarks.json" >&2
[ ${#FAILED[@]} = 0 ]
