#!/usr/bin/env bash
# migrate.sh BUILD [--quick] [--only FIGURE] - live migration figures: the
# scenario of tests/e2e/test_migrate.sh (scripts/lib/migrate.sh: vm1 on h1
# pinging vm2 every millisecond and streaming TCP to it, vm2's port in a
# stateful group) with vm2 moved back and forth between h2 and h3, RUNS
# times (20; --quick 5). Each run starts a fresh 1 ms ping, asks for the
# migration (grace 2 s, the default), moves vm2's veth and sends a
# gratuitous ARP once the migration is in standby, waits for done and for
# the stream to move 20 KB more. One JSON line per run and figure (stdout):
#   migrate.blackout_ms          1 ms echo requests vm1 -> vm2 that got no
#                                answer, x 1 ms (scripts/lib/ping1ms.py:
#                                a fixed schedule, unlike ping(8))
#   migrate.dark_window_ms       the longest time between two answered
#                                requests with only lost ones between, less
#                                the 1 ms interval
#   migrate.tcp_retrans          TcpRetransSegs delta in vm1 (the sender)
#   migrate.tcp_kept             1 if the connection survived, 0 if not
#   migrate.request_to_standby_ms  the destination programmed (controller)
#   migrate.move_to_up_ms        the veth moved to the destination and up
#   migrate.move_to_garp_ms      the veth move -> the first gratuitous ARP
#                                sent (this script: the hypervisor's part)
#   migrate.garp_to_activated_ms that ARP -> the destination's datapath saw
#                                the VM (activated_ns): tenet's part
#   migrate.move_to_activated_ms the sum of the two
#   migrate.move_to_active_ms    the veth move -> active-both written
#   migrate.request_to_active_ms request -> active-both (includes the
#                                time this script takes to move the VM)
#   migrate.request_to_done_ms   request -> done (the 2 s grace included)
# Baseline of blackout_ms: migrate.idle_lost_ms, the same pings for 3 s
# without a migration, just before each run. p50 and p99 of
# each figure go to stderr. A run whose connection died restarts the
# stream. BENCH_RUNS overrides the run count; BENCH_LOG_DIR=DIR keeps the
# daemons' logs there. Everything started here is removed on exit.
set -uo pipefail
. "$(dirname "$0")/args.sh"
bench_args migrate.sh "$@"
RUNS=$([ "$QUICK" = 1 ] && echo 5 || echo 20)
RUNS=${BENCH_RUNS:-$RUNS}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TOPO_QUIET=1 TOPO_PREFIX=tnm$$
# shellcheck source=../scripts/lib/topo.sh
. "$ROOT/scripts/lib/topo.sh"
# shellcheck source=../scripts/lib/migrate.sh
. "$ROOT/scripts/lib/migrate.sh"
topo_init "$BUILD"
t_need python3 jq
SUMMARY=$(mktemp /tmp/tenet-bench-migrate.XXXXXX)
bench_cleanup() {
	local rc=$?
	rm -f "$SUMMARY"
	[ -n "${BENCH_LOG_DIR:-}" ] && mkdir -p "$BENCH_LOG_DIR" && cp "$TOPO_DIR"/*.log "$BENCH_LOG_DIR"
	(exit "$rc")
	topo_cleanup
}
trap bench_cleanup EXIT

# emit NAME UNIT VALUE BASELINE LOWER_IS_BETTER WHAT
emit() {
	# --only: that figure, and migrate.blackout_ms's baseline with it
	[ -z "$ONLY" ] || [ "$ONLY" = "$1" ] || [ "$ONLY:$1" = migrate.blackout_ms:migrate.idle_lost_ms ] ||
		return 0
	local base=null
	[ -n "$4" ] && base="\"$4\""
	printf '{"name": "%s", "unit": "%s", "value": %s, "baseline": %s, "lower_is_better": %s, "what": "%s"}\n' \
		"$1" "$2" "$3" "$base" "$5" "$6"
	echo "$1 $3 $2" >>"$SUMMARY"
}

# ns_ms A B: (A - B) ns in ms, to 0.1 ms (A: "null" when absent -> fails)
ns_ms() { [ "$1" != null ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a - b) / 1e6 }'; }

mig_setup
mig_stream_start "$TOPO_DIR/mig"
W=$TOPO_DIR/mig
cur=h2
for ((run = 1; run <= RUNS; run++)); do
	dst=$([ "$cur" = h2 ] && echo h3 || echo h2)
	# the same ping for as long as a migration takes, without one
	mig_ping_start "$W/idle.out"
	sleep 3 # the baseline's duration, not a synchronisation
	mig_ping_stop
	read -r _ _ idle_lost _ <<<"$(mig_ping_summary "$W/idle.out")"

	mig_ping_start "$W/ping.out"
	r0=$(mig_tcp_retrans vm1)
	tctl port migrate vm2 --to "$dst" --timeout 30000 >/dev/null || die "run $run: migrate refused"
	wait_for 20 "standby" mig_phase_is vm2 standby ||
		die "run $run: never in standby ($(mig_phase vm2))"
	mig_move vm2 "$cur" "$dst"
	wait_for 30 "done" mig_phase_is vm2 "done" || die "run $run: never done ($(mig_phase vm2))"
	after=$(mig_rx)
	kept=1
	wait_for 10 "bytes after the move" mig_rx_above "$((after + 20000))" || kept=0
	mig_stream_error >&2 && kept=0
	mig_ping_stop
	r1=$(mig_tcp_retrans vm1)
	read -r sent _ lost gap <<<"$(mig_ping_summary "$W/ping.out")"
	m=$(tjson port show vm2 | jq -c .migration)
	[ "$(jq -r .target_host <<<"$m")" = "$dst" ] || die "run $run: not the migration asked for: $m"
	req=$(jq -r .requested_at <<<"$m")
	act=$(jq -r '.activated_ns' <<<"$m")
	emit migrate.idle_lost_ms ms "$idle_lost" "" true \
		"1 ms echo requests lost in 3 s without a migration, just before each run"
	emit migrate.blackout_ms ms "$lost" migrate.idle_lost_ms true \
		"1 ms echo requests vm1 -> vm2 lost from the request until the stream moved on"
	emit migrate.dark_window_ms ms "$gap" "" true \
		"longest time between two answered requests with only lost ones between"
	emit migrate.tcp_retrans segments "$((r1 - r0))" "" true \
		"TcpRetransSegs delta in the sender's namespace over the run"
	emit migrate.tcp_kept bool "$kept" "" false "1: no reset, bytes kept arriving after done"
	emit migrate.request_to_standby_ms ms "$(jq -r ".standby_at - $req" <<<"$m")" "" true \
		"request -> standby (destination programmed and acked)"
	emit migrate.move_to_up_ms ms "$(ns_ms "$MIG_T_UP" "$MIG_T_MOVE")" "" true \
		"ip link set netns + ip link set up of the VM's veth (the hypervisor's part)"
	emit migrate.move_to_garp_ms ms "$(ns_ms "$MIG_T_GARP" "$MIG_T_MOVE")" "" true \
		"veth moved -> first gratuitous ARP sent (the script, standing in for the hypervisor)"
	emit migrate.garp_to_activated_ms ms "$(ns_ms "$act" "$MIG_T_GARP")" "" true \
		"first gratuitous ARP sent -> the destination's datapath saw the VM (its activated_ns)"
	emit migrate.move_to_activated_ms ms "$(ns_ms "$act" "$MIG_T_MOVE")" "" true \
		"veth moved -> the destination's datapath saw the VM"
	emit migrate.move_to_active_ms ms "$(ns_ms "$(jq -r .activated_at <<<"$m")000000" "$MIG_T_MOVE")" \
		"" true "veth moved -> active-both written (controller clock)"
	emit migrate.request_to_active_ms ms "$(jq -r ".activated_at - $req" <<<"$m")" "" true \
		"request -> active-both (includes this script's standby poll and move)"
	emit migrate.request_to_done_ms ms "$(jq -r ".done_at - $req" <<<"$m")" "" true \
		"request -> done (includes the 2 s grace window)"
	echo "migrate run $run/$RUNS $cur -> $dst: lost $lost of $sent pings (idle $idle_lost), dark $gap ms," \
		"garp -> activated $(ns_ms "$act" "$MIG_T_GARP") ms, retrans $((r1 - r0)), kept $kept" >&2
	if [ "$kept" = 0 ]; then
		mig_stream_stop
		mig_stream_start "$W"
	fi
	cur=$dst
done

# p50 and p99 (nearest rank) of each figure
sort -k1,1 -k2,2n "$SUMMARY" | awk '
	function out() { if (n) printf "%-32s p50 %8s  p99 %8s %s (%d runs)\n", name,
		v[int((n + 1) / 2)], v[int((99 * n + 99) / 100)], unit, n }
	$1 != name { out(); name = $1; n = 0; unit = $3 }
	{ v[++n] = $2 }
	END { out() }' >&2
