#!/usr/bin/env bash
# An enrolled host speaks only for its own ports. Three hosts, one blue
# network: blue1 on h1, blue2 on h2 (two fixed IPs), blue3 on h3. From h1's
# namespace (the underlay address of an enrolled host) we send real VXLAN
# packets to h2 on blue's VNI whose inner frames claim the IPv4 address of
# blue3 (a port on h3), come from a MAC no port has, from blue3's MAC, and a
# broadcast ARP that says blue3's address is at blue1's MAC. None may reach
# blue2 (a UDP listener there sees none of them, its neighbour table keeps
# no such entry), each is counted under its drop reason in h2's tn_stats,
# while the same crafted packets with blue1's own addresses, and the VMs'
# own traffic (both of blue2's fixed IPs included), get through.
# shellcheck disable=SC2154,SC2034 # SC_* (scenario.sh) and i_* are set through eval/read
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need bpftool

. "$(dirname "$0")/../lib/tnstats.sh"

scenario_hosts h3:3
scenario_tenant blue
scenario_vm blue1 blue h1 10.0.0.1
# blue2: two fixed IPs, both on its interface
mac2=$(tjson port create network_id="$SC_NET_blue" name=blue2 fixed_ip="$SC_SUBNET_blue,10.0.0.2" \
	fixed_ip="$SC_SUBNET_blue,10.0.0.12" binding_host=h2 binding_interface=blue2 |
	jq -er .mac_address) || die "port blue2 not created"
[ "$(tjson port show blue2 | jq -r '.fixed_ips | length')" = 2 ] || die "blue2 has not two fixed IPs"
topo_vm blue2 h2 "$mac2" 10.0.0.2/24
vm_exec blue2 ip addr add 10.0.0.12/24 dev eth0
say "* VM blue2 of tenant blue on host h2: 10.0.0.2 and 10.0.0.12, MAC $mac2"
scenario_vm blue3 blue h3 10.0.0.3 --wait
mac1=$SC_MAC_blue1
mac3=$SC_MAC_blue3
vni=$(tjson network show "$SC_NET_blue" | jq -er .vni) || die "no VNI"

say "* Honest traffic across the overlay, both of blue2's addresses:"
expect_ping blue1 10.0.0.2
expect_ping blue3 10.0.0.2
expect_ping blue1 10.0.0.12
wait_for 15 "blue2 reaches blue1 from 10.0.0.12" \
	vm_exec blue2 ping -n -q -c 1 -W 1 -I 10.0.0.12 10.0.0.1 ||
	die "blue2 cannot reach blue1 from its second fixed IP"
say "  ping blue2 (from 10.0.0.12) -> blue1 answered"

read -r i_unknown i_host i_ip i_arp < <(stat_index TN_DROP_TUN_SRC_UNKNOWN \
	TN_DROP_TUN_SRC_HOST TN_DROP_TUN_SRC_IP TN_DROP_TUN_ARP | tr '\n' ' ')
[ -n "$i_arp" ] || die "no drop reason indexes"
for r in unknown host ip arp; do
	eval "b_$r=\$(stat h2 \$i_$r)" || die "cannot read h2's tn_stats"
done

# A UDP listener in blue2 records the payload of every datagram to port 7777.
rx=$TOPO_DIR/blue2.rx
# (ip netns exec execs python3: $! is the listener itself, for the cleanup)
ip netns exec "$TOPO_P-blue2" python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "a") as f:
    while True:
        data, _ = s.recvfrom(2048)
        f.write(data.decode(errors="replace") + "\n")
        f.flush()
' "$rx" >"$TOPO_DIR/listener.log" 2>&1 &
TOPO_PIDS+=($!)
wait_for 10 "listener in blue2" test -e "$rx.ready" || die "no UDP listener in blue2"

# send_vxlan KIND SRC_MAC SRC_IP TAG: one VXLAN packet from h1's underlay
# address to h2 on blue's VNI. KIND udp: to blue2 (10.0.0.2:7777), payload
# TAG; KIND arp: broadcast request who-has 10.0.0.2, sender SRC_MAC/SRC_IP.
send_vxlan() {
	ip netns exec "$TOPO_P-h1" python3 - "$vni" "$mac2" "$@" <<'EOF'
import socket, struct, sys

vni, dst_mac, kind, src_mac, src_ip, tag = sys.argv[1:7]
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
ip4 = socket.inet_aton

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

if kind == "udp":
    payload = tag.encode()
    udp = struct.pack("!HHHH", 40000, 7777, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64, 17, 0,
                      ip4(src_ip), ip4("10.0.0.2"))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    frame = mac(dst_mac) + mac(src_mac) + b"\x08\x00" + hdr + udp
else:
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac(src_mac), ip4(src_ip),
                      b"\0" * 6, ip4("10.0.0.2"))
    frame = b"\xff" * 6 + mac(src_mac) + b"\x08\x06" + arp + b"\0" * 18
vxlan = struct.pack("!II", 0x08000000, int(vni) << 8)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(vxlan + frame, ("198.18.0.2", 4789))
EOF
}

say "* From h1, VXLAN to h2 on blue (VNI $vni), inner frames that are not h1's to send:"
vm_exec blue2 ip neigh flush to 10.0.0.3 dev eth0
for n in 1 2 3 4 5; do
	send_vxlan udp "$mac1" 10.0.0.3 "spoof-ip-$n" || die "cannot send from h1"
	send_vxlan udp 02:00:00:00:00:99 10.0.0.3 "spoof-unknown-$n" || die "cannot send from h1"
	send_vxlan udp "$mac3" 10.0.0.3 "spoof-host-$n" || die "cannot send from h1"
	send_vxlan arp "$mac1" 10.0.0.3 "" || die "cannot send from h1"
done
say "  5 each: blue1's MAC with blue3's IP, an unknown MAC, blue3's MAC, an ARP claiming 10.0.0.3"
# The same path with h1's own port's addresses: delivered, and sent after the
# spoofed ones, so once these arrived the spoofed ones had their chance.
vm_exec blue2 ip neigh flush to 10.0.0.1 dev eth0
send_vxlan arp "$mac1" 10.0.0.1 ""
send_vxlan udp "$mac1" 10.0.0.1 honest
wait_for 10 "blue2 receives h1's honest datagram" grep -qx honest "$rx" ||
	die "the honest crafted datagram never reached blue2 (the sender does not work)"
wait_for 10 "blue2 learns 10.0.0.1 from h1's honest ARP" \
	sh -c "ip -n $TOPO_P-blue2 neigh show to 10.0.0.1 dev eth0 | grep -qi '$mac1'" ||
	die "the honest crafted ARP never reached blue2"
say "  the same packets with blue1's own addresses reached blue2"

if grep -q spoof "$rx"; then
	die "spoofed datagrams reached blue2: $(grep -c spoof "$rx") ($(grep spoof "$rx" | tr '\n' ' '))"
fi
if ip -n "$TOPO_P-blue2" neigh show to 10.0.0.3 dev eth0 | grep -qi "$mac1"; then
	die "blue2's neighbour table was poisoned: $(ip -n "$TOPO_P-blue2" neigh show to 10.0.0.3)"
fi
say "  blue2 received none of the spoofed datagrams; 10.0.0.3 is not at blue1's MAC there"
for r in unknown host ip arp; do
	eval "before=\$b_$r idx=\$i_$r"
	now=$(stat h2 "$idx") || die "cannot read h2's tn_stats"
	[[ $now =~ ^[0-9]+$ ]] || die "tn_stats[$idx] of h2 is not a number: $now"
	[ "$((now - before))" -ge 5 ] || die "drop reason $r (tn_stats[$idx]) rose $before -> $now, not by 5"
	say "  h2 counted drop reason $r: $before -> $now"
done

say "* Honest traffic still flows:"
expect_ping blue1 10.0.0.2
expect_ping blue3 10.0.0.12
echo "e2e tunnel_spoof: PASS"
