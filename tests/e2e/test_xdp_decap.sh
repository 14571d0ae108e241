#!/usr/bin/env bash
# Back end (b) decapsulating before GRO (tenet-agent --encap bpf --decap
# xdp): two hosts, the demo's VMs (blue and red, same addresses). With the
# XDP program on both underlays: the isolation scenario of e2e.overlay, and
# 8 MiB TCP transfers each way, in MTU-sized writes and in 64 KiB writes,
# that must complete. The XDP program must have decapsulated every segment
# (its decap counter in /metrics grows by at least one per MTU of the
# transfer: XDP on a veth takes software GSO from its peer, so the underlay
# bridge segments) and, for the 64 KiB writes, whose segments arrive in
# bursts, GRO must have merged them again before tc (the tunnel's rx
# counter, one per skb at tc, grows by less). An agent restart keeps the XDP link (updated in place, same
# link); a restart with --decap tc removes it and the overlay still carries
# the transfer; --remove leaves nothing on the underlay.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need bpftool curl jq python3

XFER=$((8 * 1024 * 1024)) # bytes each way
BULK=65536 # bytes per write of the bulk transfers
. "$(dirname "$0")/../lib/xfer.sh"

# metric HOST NAME LABELS: the value of HOST's agent's sample NAME{LABELS}.
metric() {
	ip netns exec "$TOPO_P-$1" curl -s --max-time 5 http://127.0.0.1:9464/metrics |
		awk -v s="$2{$3}" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }'
}

# decaps HOST / rx_tunnel HOST: XDP decapsulations, and tunnel packets at tc.
decaps() { metric "$1" tenet_agent_xdp_packets_total 'result="decap"'; }
rx_tunnel() { metric "$1" tenet_agent_packets_total 'counter="rx_tunnel"'; }

# xdp_id HOST: the id of the XDP program in driver mode on HOST's underlay
# when it is tn_xdp_decap, else empty.
xdp_id() {
	local id
	id=$(ip netns exec "$TOPO_P-$1" bpftool -j net show dev eth0 |
		jq -r '.[0].xdp[]? | select(.mode == "driver") | .id')
	[ -n "$id" ] && [ "$(bpftool -j prog show id "$id" | jq -r .name)" = tn_xdp_decap ] &&
		echo "$id"
	return 0
}

# xdp_link HOST: the id of the XDP link the agent pinned for HOST, else empty.
xdp_link() {
	bpftool -j link show pinned "$TOPO_BPFFS/tenet/$1/underlay/xdp" 2>/dev/null |
		jq -r 'select(.type == "xdp") | .id'
}

# mode_is HOST MODE: HOST's agent reports MODE as where it decapsulates.
mode_is() {
	[ "$(metric "$1" tenet_agent_decap_mode "mode=\"$2\"")" = 1 ]
}

# xdp_transfer FROM TO ADDR RXHOST [WRITE]: transfer (xfer.sh), and sets
# DECAPS and SKBS to what RXHOST's XDP program decapsulated and its tc
# program saw meanwhile.
xdp_transfer() {
	local rx=$4 d0 s0
	d0=$(decaps "$rx") s0=$(rx_tunnel "$rx")
	transfer "$1" "$2" "$3" "${5:-$XFER_WRITE}"
	DECAPS=$(($(decaps "$rx") - d0)) SKBS=$(($(rx_tunnel "$rx") - s0))
	say "  $rx: $DECAPS packets decapsulated in XDP, $SKBS skbs at tc"
}

# xdp_did RXHOST [merged]: the last transfer's segments were decapsulated
# one by one in XDP (and, with merged, GRO merged them before tc).
xdp_did() {
	[ "$DECAPS" -ge $((XFER / TOPO_VM_MTU)) ] ||
		die "$1: only $DECAPS packets decapsulated in XDP for $XFER bytes"
	[ "${2:-}" != merged ] || [ "$SKBS" -lt "$DECAPS" ] ||
		die "$1: $SKBS skbs at tc for $DECAPS packets from XDP: GRO merged nothing"
}

TOPO_ENCAP_h1=bpf TOPO_ENCAP_h2=bpf TOPO_DECAP_h1=xdp TOPO_DECAP_h2=xdp
scenario_build
for h in h1 h2; do
	[ -n "$(xdp_id "$h")" ] || die "$h: no tn_xdp_decap in driver mode on the underlay"
	mode_is "$h" xdp || die "$h: the agent does not report decap mode xdp"
	grep -q 'decap mode=xdp dev=eth0 .* why=forced' "$TOPO_DIR/agent-$h.log" ||
		die "$h: the agent did not log its decap mode"
done
say "* tn_xdp_decap attached in driver mode on both underlays (decap mode xdp)"
xfer_sink blue1 10.0.0.1
xfer_sink blue2 10.0.0.2

scenario_check
xdp_transfer blue1 blue2 10.0.0.2 h2
xdp_did h2
xdp_transfer blue2 blue1 10.0.0.1 h1
xdp_did h1
xdp_transfer blue1 blue2 10.0.0.2 h2 "$BULK"
xdp_did h2 merged
xdp_transfer blue2 blue1 10.0.0.1 h1 "$BULK"
xdp_did h1 merged

say "* h2's agent restarted, same options: the pinned XDP link is updated in place"
link=$(xdp_link h2)
[ -n "$link" ] || die "h2: no XDP link on the underlay"
topo_agent_kill h2
[ "$(xdp_link h2)" = "$link" ] || die "h2: the XDP link went with the agent"
topo_agent_start h2
wait_for 10 "h2 reports decap mode xdp" mode_is h2 xdp || die "h2: not on xdp after restart"
[ "$(xdp_link h2)" = "$link" ] || die "h2: XDP link $link replaced by '$(xdp_link h2)'"
xdp_transfer blue1 blue2 10.0.0.2 h2 "$BULK"
xdp_did h2 merged

say "* h2's agent restarted with --decap auto: on a veth that is tc, the XDP program goes"
topo_agent_kill h2
TOPO_DECAP_h2=auto
topo_agent_start h2
wait_for 10 "h2 reports decap mode tc" mode_is h2 tc || die "h2: not on tc after restart"
grep -q 'decap mode=tc dev=eth0 .* why=virtual asked=auto' "$TOPO_DIR/agent-h2.log" ||
	die "h2: auto did not pick tc on a veth"
[ -z "$(xdp_id h2)" ] && [ -z "$(xdp_link h2)" ] || die "h2: XDP still on the underlay with --decap auto"
xdp_transfer blue1 blue2 10.0.0.2 h2
[ "$DECAPS" = 0 ] || die "h2: $DECAPS XDP decapsulations after --decap auto chose tc"
scenario_check

say "* h1's agent stopped and its datapath removed: nothing stays on the underlay"
topo_agent_kill h1
nsenter --net="/run/netns/$TOPO_P-h1" "$AGENT_BIN" --host h1 --remove --bpffs "$TOPO_BPFFS" \
	>>"$TOPO_DIR/agent-h1.log" 2>&1 || die "h1: --remove failed"
[ -z "$(xdp_id h1)" ] || die "h1: XDP still attached after --remove"
n=$(ip netns exec "$TOPO_P-h1" bpftool -j net show dev eth0 | jq '[.[0].tc[]?] | length')
[ "$n" = 0 ] || die "h1: $n tc programs left on the underlay"
[ ! -e "$TOPO_BPFFS/tenet/h1" ] || die "h1: pins left in $TOPO_BPFFS/tenet/h1"
echo "e2e xdp_decap: PASS"
