#!/usr/bin/env bash
# A VM that routes between two networks of a tenant (a router or any network
# function in a VM) on back end (b): vm1 (network A, 10.0.0.0/24, on h1)
# and vm3 (network B, 10.9.0.0/24, also on h1) reach each other through vmr
# on h2, which has a port in each. Every packet crosses the overlay twice:
# decapsulated at h2 for vmr, forwarded by vmr's kernel, encapsulated again
# at h2. The skb vmr forwards is the one h2's datapath decapsulated, and the
# kernel still marks it as encapsulated: a second bpf_skb_adjust_room
# encapsulation of a marked skb is refused (-EALREADY), and the datapath
# must send it anyway. On VXLAN, again with h2's underlay segmenting
# tunnel packets itself, then with both networks on Geneve: pings
# both ways, a TCP transfer in MTU-sized writes and one in 64 KiB writes
# (vmr then forwards GSO aggregates, which must still be segmented right
# after their second encapsulation) must go through, vmr's counters must
# show it forwarded them, and h2 must count no frame it could not
# encapsulate. vmr's ports have port security off (they forward others'
# addresses); so do vm1's and vm3's, whose traffic comes from vmr's ports.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
. "$(dirname "$0")/../lib/xfer.sh"
. "$(dirname "$0")/../lib/tnstats.sh"
scenario_hosts
scenario_tenant blue
tid=$(tjson network show "$SC_NET_blue" | jq -er .tenant_id) || die "no tenant id"
net_b=$(tjson network create tenant_id="$tid" name=blue-b | jq -er .id) ||
	die "network blue-b not created"
sub_b=$(tjson subnet create network_id="$net_b" name=blue-b-subnet cidr=10.9.0.0/24 \
	gateway_ip=10.9.0.254 | jq -er .id) || die "subnet of blue-b not created"
say "* Network B of tenant blue: 10.9.0.0/24 (network A: 10.0.0.0/24)"

# fwd_port NAME NET SUBNET HOST IP: a port without port security; prints
# its MAC.
fwd_port() {
	tjson port create network_id="$2" name="$1" fixed_ip="$3,$5" binding_host="$4" \
		binding_interface="$1" port_security_enabled=false | jq -er .mac_address ||
		die "port $1 not created"
}

# no_redirects VM: routes only, no ICMP redirects sending traffic past vmr.
no_redirects() {
	vm_exec "$1" sysctl -qw net.ipv4.conf.all.accept_redirects=0 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
}

topo_vm vm1 h1 "$(fwd_port vm1 "$SC_NET_blue" "$SC_SUBNET_blue" h1 10.0.0.1)" 10.0.0.1/24
topo_vm vm3 h1 "$(fwd_port vm3 "$net_b" "$sub_b" h1 10.9.0.3)" 10.9.0.3/24
topo_vm vmr h2 "$(fwd_port vmr "$SC_NET_blue" "$SC_SUBNET_blue" h2 10.0.0.2)" 10.0.0.2/24
# vmr's second interface, in network B: port vmrb, eth1 in the VM
mac=$(fwd_port vmrb "$net_b" "$sub_b" h2 10.9.0.2)
ip link add vmrb netns "$TOPO_P-h2" mtu "$TOPO_VM_MTU" type veth peer name eth1 \
	netns "$TOPO_P-vmr" mtu "$TOPO_VM_MTU" || die "cannot create vmr's second interface"
ip -n "$TOPO_P-vmr" link set eth1 address "$mac"
ip -n "$TOPO_P-vmr" addr add 10.9.0.2/24 dev eth1
ip -n "$TOPO_P-vmr" link set eth1 up
ip -n "$TOPO_P-h2" link set vmrb up
for v in vm1 vm3 vmr; do no_redirects "$v"; done
vm_exec vmr sysctl -qw net.ipv4.ip_forward=1
vm_exec vm1 ip route add 10.9.0.0/24 via 10.0.0.2
vm_exec vm3 ip route add 10.0.0.0/24 via 10.9.0.2
say "* vm1 (10.0.0.1, h1) in A, vm3 (10.9.0.3, h1) in B, vmr (10.0.0.2 and 10.9.0.2, h2) routing between them"
wait_for 20 "vm1 reaches vmr" vm_ping vm1 10.0.0.2 1 || die "vm1 cannot reach vmr"
wait_for 20 "vm3 reaches vmr" vm_ping vm3 10.9.0.2 1 || die "vm3 cannot reach vmr"

# fwd_count: packets vmr's kernel forwarded (Ip: ForwDatagrams).
fwd_count() {
	vm_exec vmr awk '/^Ip: [0-9]/ { print $7 }' /proc/net/snmp
}
ENCAP_DROP=$(stat_index TN_DROP_ENCAP)
enc0=$(stat h2 "$ENCAP_DROP")
# no_encap_drops: h2 encapsulated every frame it was given.
no_encap_drops() {
	local n
	n=$(stat h2 "$ENCAP_DROP")
	[ "$n" = "$enc0" ] || die "h2 counted $((n - enc0)) frames it could not encapsulate"
}

# fwd_transfer ENCAP WRITE: vm1 sends vm3 XFER bytes through vmr in writes
# of WRITE bytes; with writes of 64 KiB vmr must have forwarded aggregates
# (fewer packets than the transfer's MTU-sized segments, ACKs included).
fwd_transfer() {
	local f0 f1
	say "* $1: a TCP transfer of $XFER bytes in $2-byte writes, vm1 -> vm3 through vmr:"
	f0=$(fwd_count)
	transfer vm1 vm3 10.9.0.3 "$2"
	f1=$(fwd_count)
	[ $((f1 - f0)) -gt 100 ] || die "$1: vmr forwarded $((f1 - f0)) packets of the transfer"
	[ "$2" -lt 65536 ] || [ $((f1 - f0)) -lt $((XFER / XFER_WRITE)) ] ||
		die "$1: vmr forwarded $((f1 - f0)) packets: no aggregate crossed it"
	no_encap_drops
	say "  every byte arrived; vmr forwarded $((f1 - f0)) packets, h2 dropped none"
}

# through_vmr ENCAP: vm1 pings vm3 (each packet over the overlay twice)
# and sends it XFER bytes in MTU-sized and in 64 KiB writes, all of it
# forwarded by vmr, nothing refused by h2's push.
through_vmr() {
	local f0 f1
	say "* $1: vm1 pings vm3 through vmr, each packet over the overlay twice:"
	f0=$(fwd_count)
	wait_for 20 "vm1 reaches vm3 through vmr ($1)" vm_ping vm1 10.9.0.3 1 ||
		die "$1: vm1 -> vm3 through vmr: no answer (vmr forwarded $(($(fwd_count) - f0)) packets; h2 counted $(($(stat h2 "$ENCAP_DROP") - enc0)) frames it could not encapsulate)"
	vm_ping vm1 10.9.0.3 5 || die "$1: vm1 -> vm3 through vmr: pings lost"
	f1=$(fwd_count)
	[ $((f1 - f0)) -ge 12 ] || die "$1: vmr forwarded $((f1 - f0)) packets of 6 pings"
	no_encap_drops
	say "  answered; vmr forwarded $((f1 - f0)) packets"
	fwd_transfer "$1" "$XFER_WRITE"
	fwd_transfer "$1" 65536
}

xfer_sink vm3 10.9.0.3
through_vmr VXLAN
# h2's underlay segmenting tunnel packets itself, as a NIC without tunnel
# offloads: the forwarded aggregates are cut by the kernel's UDP tunnel
# GSO after their second encapsulation, along the marks' inner offsets
ip netns exec "$TOPO_P-h2" ethtool -K eth0 tx-udp_tnl-segmentation off \
	tx-udp_tnl-csum-segmentation off >/dev/null || die "ethtool -K on h2's underlay failed"
through_vmr "VXLAN, h2's underlay segmenting"
# Geneve is pushed in BPF only (no kernel device): what h2 cannot push goes
# by VXLAN, and h1 takes it on a Geneve network as from a VXLAN host.
tjson network update "$SC_NET_blue" encapsulation=geneve >/dev/null || die "A not on Geneve"
tjson --wait network update "$net_b" encapsulation=geneve >/dev/null || die "B not on Geneve"
through_vmr Geneve
echo "e2e forwarding_vm: PASS"
