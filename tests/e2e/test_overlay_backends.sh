#!/usr/bin/env bash
# The overlay on both VXLAN back ends and across them: (a) the collect_md
# vxlan device, (b) encap and decap in BPF (tenet-agent --encap bpf). One
# topology (the demo's: blue and red, same addresses, a VM of each on h1 and
# h2), three rounds, the back end switched by restarting an agent on its
# pinned maps: h1 (a) / h2 (a), then h2 restarted on (b) (mixed), then h1
# restarted on (b). Each round: the isolation scenario of e2e.overlay, and a
# TCP transfer with MTU-sized writes each way between blue1 and blue2 that
# must complete. The vxlan device's byte counters show which back end
# carried it: a host on (b) neither sends nor receives the transfer through
# tenet0, a host on (a) does both. At the end each (b) host's tn_nh holds the
# other's underlay MAC, learned from its neighbour table.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"

. "$(dirname "$0")/../lib/xfer.sh"

# tun_bytes HOST rx|tx: bytes through HOST's vxlan device.
tun_bytes() {
	ip netns exec "$TOPO_P-$1" cat "/sys/class/net/tenet0/statistics/$2_bytes"
}

# used HOST MODE DIR BEFORE: HOST's vxlan device carried (a) or did not
# carry (b) the transfer in direction DIR since BEFORE.
used() {
	local h=$1 mode=$2 dir=$3 before=$4 d
	d=$(($(tun_bytes "$h" "$dir") - before))
	if [ "$mode" = kernel ]; then
		[ "$d" -ge "$XFER" ] || die "$h on (a): only $d bytes $dir through tenet0"
	else
		[ "$d" -lt $((XFER / 10)) ] || die "$h on (b): $d bytes $dir through tenet0"
	fi
}

# round MODE1 MODE2: the checks with h1 on MODE1 and h2 on MODE2.
round() {
	local m1=$1 m2=$2 tx1 rx1 tx2 rx2
	say "* Round: h1 --encap $m1, h2 --encap $m2"
	scenario_check
	tx1=$(tun_bytes h1 tx) rx1=$(tun_bytes h1 rx) tx2=$(tun_bytes h2 tx) rx2=$(tun_bytes h2 rx)
	transfer blue1 blue2 10.0.0.2
	transfer blue2 blue1 10.0.0.1
	used h1 "$m1" tx "$tx1"
	used h1 "$m1" rx "$rx1"
	used h2 "$m2" tx "$tx2"
	used h2 "$m2" rx "$rx2"
	say "  tenet0 on h1 ($m1) and h2 ($m2) carried what their back ends leave to it"
}

# restart HOST MODE: HOST's agent again, on MODE, keeping its pinned maps.
restart() {
	local loads
	loads=$(grep -c 'datapath loaded' "$TOPO_DIR/agent-$1.log")
	topo_agent_kill "$1"
	eval "TOPO_ENCAP_$1=$2"
	topo_agent_start "$1"
	wait_for 10 "$1's new agent loaded its datapath" \
		sh -c "[ \$(grep -c 'datapath loaded' '$TOPO_DIR/agent-$1.log') -gt $loads ]" ||
		die "$1: the restarted agent did not load its datapath"
	wait_for 10 "$1's underlay program ($2)" underlay_is "$1" "$2" ||
		die "$1: underlay program not as --encap $2 wants"
	grep 'datapath loaded' "$TOPO_DIR/agent-$1.log" | tail -n 1 | grep -q 'maps=reused' ||
		die "$1 did not reuse its pinned maps"
}

# underlay_is HOST MODE: a TCX program on HOST's underlay, on either back end
# (every host decapsulates Geneve there; (b) VXLAN too: the byte counters of
# tenet0 tell the back ends apart, see used).
underlay_is() {
	local n
	n=$(ip netns exec "$TOPO_P-$1" bpftool -j net show dev eth0 | jq '[.[0].tc[]? | select(.kind == "tcx/ingress")] | length')
	[ "$n" -ge 1 ]
}

# nh_of HOST N: the next hop HOST's tn_nh holds for 198.18.0.N (MAC, or empty).
nh_of() {
	bpftool -j map dump pinned "$TOPO_BPFFS/tenet/$1/tn_nh" 2>/dev/null |
		jq -r --argjson n "$2" '.[] | select(.key == ["0xc6", "0x12", "0x00", ("0x" + ($n | tostring | if length < 2 then "0" + . else . end))]) | .value[0:6] | map(ltrimstr("0x")) | join(":")'
}

# nh_is HOST N PEER: HOST's next hop for 198.18.0.N is PEER's underlay MAC.
nh_is() {
	[ "$(nh_of "$1" "$2")" = "$(ip -n "$TOPO_P-$3" -j link show eth0 | jq -r '.[0].address')" ]
}

TOPO_ENCAP_h1=kernel TOPO_ENCAP_h2=kernel
scenario_build
xfer_sink blue1 10.0.0.1
xfer_sink blue2 10.0.0.2
underlay_is h1 kernel && underlay_is h2 kernel || die "a program on the underlay with --encap kernel"
round kernel kernel
restart h2 bpf
round kernel bpf
restart h1 bpf
round bpf bpf
# the agents learned each other's underlay MAC from the neighbour table
wait_for 10 "h1's next hop for h2" nh_is h1 2 h2 || die "h1: tn_nh has '$(nh_of h1 2)' for h2"
wait_for 10 "h2's next hop for h1" nh_is h2 1 h1 || die "h2: tn_nh has '$(nh_of h2 1)' for h1"
say "* Next hops (tn_nh) from the neighbour tables: h1 -> h2 $(nh_of h1 2), h2 -> h1 $(nh_of h2 1)"
echo "e2e overlay_backends: PASS"
