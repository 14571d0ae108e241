#!/usr/bin/env bash
# Geneve in BPF, selected per network, and hosts on VXLAN and Geneve
# together. The demo's topology (blue and red, same addresses, a VM of each
# on h1 and h2, back end (b)); blue is switched to `encapsulation: geneve`
# (red keeps the default, VXLAN). A capture on h2's underlay (UDP by
# destination port, tests/lib/udpcount.py) shows blue's pings and TCP
# transfers each way going by UDP 6081 both ways and red's by 4789, with
# isolation kept. Then the mixed case: h1's agent restarted on back end (a),
# which sends only VXLAN (the kernel's vxlan device) but still receives
# Geneve, while h2 goes on sending Geneve: pings and TCP each way still
# work, h2 receiving 4789 and sending 6081.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"

. "$(dirname "$0")/../lib/xfer.sh"

CAP=$TOPO_DIR/h2.udp

# udp DIR PORT: packets h2's underlay sent (out) or received (in) to PORT.
udp() {
	awk -v d="$1" -v p="$2" '$1 == d && $2 == p { n = $3 } END { print n + 0 }' "$CAP" 2>/dev/null ||
		echo 0
}

# udp_rose DIR PORT BEFORE MIN: udp DIR PORT grew by at least MIN.
udp_rose() {
	[ $(($(udp "$1" "$2") - $3)) -ge "$4" ]
}

# expect_udp DIR PORT BEFORE MIN WHAT: udp_rose, or the test dies saying WHAT.
expect_udp() {
	wait_for 10 "$5" udp_rose "$1" "$2" "$3" "$4" ||
		die "$5: h2 $1 UDP $2 went $3 -> $(udp "$1" "$2")"
	say "  h2's underlay: UDP $2 $1 $3 -> $(udp "$1" "$2") ($5)"
}

scenario_build
ip netns exec "$TOPO_P-h2" python3 -u "$T_TOP/tests/lib/udpcount.py" eth0 "$CAP" 4789 6081 \
	>"$TOPO_DIR/udpcount.log" 2>&1 &
TOPO_PIDS+=($!)
wait_for 10 "capture on h2's underlay" test -e "$CAP.ready" || die "no capture on h2's underlay"

say "* Blue goes by Geneve (network encapsulation), red by the default (VXLAN):"
tjson --wait network update "$SC_NET_blue" encapsulation=geneve >/dev/null ||
	die "cannot set blue's encapsulation"
[ "$(tjson network show "$SC_NET_blue" | jq -r .encapsulation)" = geneve ] ||
	die "blue's encapsulation is not geneve"
if tjson network update "$SC_NET_red" encapsulation=gre >/dev/null 2>&1; then
	die "encapsulation gre was accepted"
fi
g_in=$(udp in 6081) g_out=$(udp out 6081) v_in=$(udp in 4789) v_out=$(udp out 4789)
scenario_check
expect_udp in 6081 "$g_in" 6 "blue1's pings and blue2's replies arrive by Geneve"
expect_udp out 6081 "$g_out" 6 "blue2's pings and replies leave by Geneve"
expect_udp in 4789 "$v_in" 6 "red's arrive by VXLAN"
expect_udp out 4789 "$v_out" 6 "red's leave by VXLAN"

say "* TCP over Geneve, MTU-sized writes (the path MTU is 8 bytes below VXLAN's):"
xfer_sink blue2 10.0.0.2
xfer_sink blue1 10.0.0.1
g_in=$(udp in 6081) g_out=$(udp out 6081)
transfer blue1 blue2 10.0.0.2
transfer blue2 blue1 10.0.0.1
expect_udp in 6081 "$g_in" 100 "blue1 -> blue2 by Geneve"
expect_udp out 6081 "$g_out" 100 "blue2 -> blue1 by Geneve"

say "* Mixed: h1 restarted on back end (a) sends VXLAN, h2 still sends Geneve:"
loads=$(grep -c 'datapath loaded' "$TOPO_DIR/agent-h1.log")
topo_agent_kill h1
TOPO_ENCAP_h1=kernel
topo_agent_start h1
wait_for 10 "h1's agent on back end (a) configured its datapath" \
	sh -c "[ \$(grep -c 'decap mode=device' '$TOPO_DIR/agent-h1.log') -ge 1 ] &&
		[ \$(grep -c 'datapath loaded' '$TOPO_DIR/agent-h1.log') -gt $loads ]" ||
	die "h1 did not restart on back end (a)"
g_in=$(udp in 6081) g_out=$(udp out 6081) v_in=$(udp in 4789) v_out=$(udp out 4789)
scenario_check
transfer blue1 blue2 10.0.0.2
transfer blue2 blue1 10.0.0.1
expect_udp in 4789 "$v_in" 100 "h1 (a) sends blue by VXLAN"
expect_udp out 6081 "$g_out" 100 "h2 sends blue by Geneve, which h1 (a) receives"
[ "$(udp in 6081)" -lt $((g_in + 10)) ] || die "h1 on back end (a) sent Geneve"
say "  hosts on VXLAN and Geneve carry one network together, both ways"
echo "e2e geneve: PASS"
