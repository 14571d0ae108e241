#!/usr/bin/env bash
# test_migrate.sh BUILD_DIR - live migration of a port under load: a
# controller and three hosts with agents; vm1 on h1 and vm2 on h2 in one
# network, both in a stateful security group that lets in TCP 5001, UDP
# 7001 and ICMP; a TCP stream and a 1 ms ping from vm1 to vm2, and a UDP
# flow from vm2 whose answers only its conntrack lets in, while vm2's port
# migrates to h3. The test stands in for the hypervisor: once the migration
# is in standby it moves vm2's host-side veth from h2 into h3 and sends a
# gratuitous ARP from vm2. The migration must reach done, the TCP
# connection must survive (no reset, the receiver's byte count keeps
# growing after the move), vm2's UDP flow must still be answered on h3
# (its conntrack entry moved with the port), and the lost pings are
# counted and reported.
# The scenario is scripts/lib/migrate.sh's (bench/migrate.sh repeats it).
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need python3 jq
# shellcheck source=../../scripts/lib/migrate.sh
. "$T_TOP/scripts/lib/migrate.sh"

mig_setup
ok "vm1 (h1) reaches vm2 (h2) through group mig"

mig_stream_start "$TOPO_DIR/mig"
ok "TCP stream vm1 -> vm2:5001 flowing ($(mig_rx) bytes)"
mig_udp_start "$TOPO_DIR/mig"
ok "UDP vm2 -> vm1:7001 answered ($(mig_udp_rx) answers; group mig lets them in only as replies)"
mig_ping_start "$TOPO_DIR/mig/ping.out"

t0=$(date +%s%N)
tctl port migrate vm2 --to h3 --timeout 30000 >/dev/null || die "migrate refused"
wait_for 20 "standby" mig_phase_is vm2 standby ||
	die "the migration never reached standby ($(mig_phase vm2))"
ok "vm2's migration to h3 is in standby"

moved=$(mig_rx)
mig_move vm2 h2 h3
wait_for 20 "done" mig_phase_is vm2 "done" || die "the migration never completed ($(mig_phase vm2))"
t1=$(date +%s%N)
ok "migration done in $(((t1 - t0) / 1000000)) ms"
[ "$(tjson port show vm2 | jq -r .binding.host)" = h3 ] || fail "vm2 is not bound to h3"

# the connection survived: no reset, and bytes keep arriving after the move
after=$(mig_rx)
wait_for 10 "bytes after the move" mig_rx_above "$((after + 20000))" ||
	fail "the TCP stream stalled after the move ($moved -> $after -> $(mig_rx) bytes)"
err=$(mig_stream_error) && fail "$err"
# vm2's conntrack moved with it: answers to its UDP flow, which no rule
# lets in, still reach it on h3
udp=$(mig_udp_rx)
wait_for 10 "UDP answers after the move" mig_udp_rx_above "$((udp + 20))" ||
	fail "vm2's UDP flow is not answered on h3 ($udp -> $(mig_udp_rx)): its conntrack did not move"
[ "${FAILS:-0}" = 0 ] && ok "answers to vm2's UDP flow pass on h3 by the conntrack entry that moved"
[ "${FAILS:-0}" = 0 ] &&
	ok "the TCP connection survived (received $moved bytes before the move, $(mig_rx) now)"

mig_ping_stop
read -r sent got lost gap <<<"$(mig_ping_summary "$TOPO_DIR/mig/ping.out")"
say "  pings (1 ms): $sent sent, $got answered, $lost lost during the migration (dark for $gap ms)"
[ "${FAILS:-0}" = 0 ] || die "${FAILS} check(s) failed"
echo "e2e migrate: PASS"
