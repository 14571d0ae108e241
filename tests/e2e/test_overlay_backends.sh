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
# tenet0, a host on (a) does both.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"

XFER=$((8 * 1024 * 1024)) # bytes each way
WRITE=$((TOPO_VM_MTU - 40)) # one TCP segment's payload per write

# tun_bytes HOST rx|tx: bytes through HOST's vxlan device.
tun_bytes() {
	ip netns exec "$TOPO_P-$1" cat "/sys/class/net/tenet0/statistics/$2_bytes"
}

# listening VM: VM's iperf3 server accepts connections.
listening() {
	vm_exec "$1" ss -Hltn 'sport = :5201' | grep -q LISTEN
}

# transfer FROM TO ADDR: FROM sends XFER bytes to TO's iperf3 at ADDR in
# writes of WRITE bytes; all of them must arrive.
transfer() {
	local from=$1 to=$2 addr=$3 out got
	out=$(vm_exec "$from" iperf3 -c "$addr" -n "$XFER" -l "$WRITE" -J 2>&1) ||
		die "$from -> $to: iperf3 failed: $(jq -r '.error // empty' <<<"$out" 2>/dev/null)"
	got=$(jq -r '.end.sum_received.bytes' <<<"$out")
	[ "$got" -ge "$XFER" ] || die "$from -> $to: $got of $XFER bytes arrived"
	say "  TCP $from -> $to: $got bytes in writes of $WRITE, complete"
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
	topo_agent_kill "$1"
	eval "TOPO_ENCAP_$1=$2"
	topo_agent_start "$1"
	wait_for 10 "$1's underlay program ($2)" underlay_is "$1" "$2" ||
		die "$1: underlay program not as --encap $2 wants"
	grep 'datapath loaded' "$TOPO_DIR/agent-$1.log" | tail -n 1 | grep -q 'maps=reused' ||
		die "$1 did not reuse its pinned maps"
}

# underlay_is HOST MODE: a TCX program on HOST's underlay iff MODE is bpf.
underlay_is() {
	local n
	n=$(ip netns exec "$TOPO_P-$1" bpftool -j net show dev eth0 | jq '[.[0].tc[]? | select(.kind == "tcx/ingress")] | length')
	if [ "$2" = bpf ]; then [ "$n" -ge 1 ]; else [ "$n" = 0 ]; fi
}

TOPO_ENCAP_h1=kernel TOPO_ENCAP_h2=kernel
scenario_build
for vm in blue1 blue2; do
	vm_exec "$vm" iperf3 -s >/dev/null 2>&1 &
	TOPO_PIDS+=($!)
	wait_for 10 "iperf3 server in $vm" listening "$vm" || die "no iperf3 server in $vm"
done
underlay_is h1 kernel && underlay_is h2 kernel || die "a program on the underlay with --encap kernel"
round kernel kernel
restart h2 bpf
round kernel bpf
restart h1 bpf
round bpf bpf
echo "e2e overlay_backends: PASS"
