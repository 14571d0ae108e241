#!/usr/bin/env bash
# e2e.ipv6_l2 - IPv6 on a tenant network, with port security. One network
# with a v4 and a v6 subnet; v1 on h1 and v2 on h2 (both with port security)
# run IPv6 with duplicate address detection on, ping each other over IPv6
# (their neighbor solicitations answered in BPF on their own host: h1's
# counter moves) and carry a TCP transfer over IPv6 each way (tests/lib/
# xfer.sh). An attacker v3 on h1:
#  - adding v2's address: its DAD probe is answered on v2's behalf, so the
#    kernel marks the address dadfailed;
#  - forcing v2's address (nodad) and sending from it: dropped at its port
#    (spoof_ip6, counted in `port stats v3`);
#  - sending neighbor advertisements claiming v2's address: dropped
#    (spoof_nd, counted); v1's neighbor entry for v2 keeps v2's MAC;
# and through all of it v1 and v2 keep talking.
# shellcheck disable=SC2154 # SC_* are set by scenario.sh through eval
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need bpftool
. "$(dirname "$0")/../lib/xfer.sh"

IP6_V1=fd00:10::11
IP6_V2=fd00:10::12
IP6_V3=fd00:10::13

# v6_vm NAME HOST SUB4 SUB6 IP4 IP6 [--wait]: a port with both fixed IPs
# and its VM namespace, IPv6 on (topo_vm turns it off), the port's MAC on
# eth0; --wait: until every host applied the port.
v6_vm() {
	local name=$1 host=$2 sub4=$3 sub6=$4 ip4=$5 ip6=$6 wait=${7:-} ns=$TOPO_P-$1 mac
	# shellcheck disable=SC2086 # $wait: one flag or none
	mac=$(tjson $wait port create network_id="$SC_NET_blue" name="$name" fixed_ip="$sub4,$ip4" \
		fixed_ip="$sub6,$ip6" binding_host="$host" binding_interface="$name" |
		jq -er .mac_address) || die "port $name not created"
	topo_ns_add "$ns"
	ip link add "$name" netns "$TOPO_P-$host" mtu "$TOPO_VM_MTU" type veth \
		peer name eth0 netns "$ns" mtu "$TOPO_VM_MTU" || die "cannot create VM $name"
	ip -n "$ns" link set eth0 address "$mac"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.addr_gen_mode=0 \
		net.ipv6.conf.eth0.accept_ra=0 || die "cannot set IPv6 sysctls in $name"
	ip -n "$ns" addr add "$ip4/24" dev eth0
	ip -n "$ns" addr add "$ip6/64" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$TOPO_P-$host" link set "$name" up
	eval "MAC_$name=$mac"
	say "* VM $name on host $host: $ip4 and $ip6, MAC $mac"
}

# no_tentative VM: no address of VM's eth0 is still in DAD.
no_tentative() {
	[ -z "$(ip -n "$TOPO_P-$1" -6 addr show dev eth0 tentative)" ]
}

# port_drops PORT REASON: the port's drops for REASON as the API reports them.
port_drops() {
	tjson port stats "$1" | jq -er ".drops_by_reason.$2 // 0"
}
drops_above() { [ "$(port_drops "$1" "$2")" -gt "$3" ]; }

# stat_index NAME: the enum tn_stat value of NAME, from the ABI header.
stat_index() {
	printf '#include <linux/types.h>\n#include <stdio.h>\n#include "tenet_abi.h"\nint main(void) { printf("%%d\\n", %s); return 0; }\n' "$1" |
		cc -x c -I"$T_TOP/bpf/include" -o "$TOPO_DIR/abi_$1" - || die "cannot compile the ABI probe"
	"$TOPO_DIR/abi_$1"
}

# host_stat HOST INDEX: tn_stats[INDEX] of HOST, summed over CPUs.
host_stat() {
	bpftool -j map lookup pinned "$TOPO_BPFFS/tenet/$1/tn_stats" key $(($2 & 255)) \
		$((($2 >> 8) & 255)) 0 0 | python3 -c '
import json, sys
v = [c["value"] for c in json.load(sys.stdin)["values"]]
print(sum(x if isinstance(x, int) else int.from_bytes(bytes(int(b, 16) for b in x), "little")
          for x in v))'
}
stat_above() { [ "$(host_stat "$1" "$2")" -gt "$3" ]; }

# ping6 FROM ADDR [COUNT]: COUNT (default 3) IPv6 pings all answered.
ping6() {
	vm_exec "$1" ping -6 -n -q -c "${3:-3}" -i 0.2 -W 1 "$2" >/dev/null 2>&1
}

# send_na VM TARGET: an unsolicited NA (override) from VM's own MAC and
# address to all-nodes, claiming TARGET is at VM's MAC.
send_na() {
	local mac
	mac=$(eval "echo \$MAC_$1")
	vm_exec "$1" python3 - "$mac" "$IP6_V3" "$2" <<'EOF'
import socket, struct, sys

mac = bytes(int(x, 16) for x in sys.argv[1].split(":"))
src = socket.inet_pton(socket.AF_INET6, sys.argv[2])
target = socket.inet_pton(socket.AF_INET6, sys.argv[3])
dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
na = struct.pack("!BBHB3x16s", 136, 0, 0, 0x20, target) + bytes([2, 1]) + mac
pseudo = src + dst + struct.pack("!I3xB", len(na), 58)
s = sum(struct.unpack("!%dH" % ((len(pseudo) + len(na)) // 2), pseudo + na))
while s >> 16:
    s = (s & 0xFFFF) + (s >> 16)
na = na[:2] + struct.pack("!H", ~s & 0xFFFF) + na[4:]
ip6 = struct.pack("!IHBB", 6 << 28, len(na), 58, 255) + src + dst
frame = b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + ip6 + na
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for _ in range(5):
    s.send(frame)
EOF
}

scenario_hosts
tid=$(tjson tenant create name=blue | jq -er .id) || die "tenant not created"
SC_NET_blue=$(tjson network create tenant_id="$tid" name=blue-net | jq -er .id) ||
	die "network not created"
sub4=$(tjson subnet create network_id="$SC_NET_blue" cidr=10.0.0.0/24 | jq -er .id) ||
	die "v4 subnet not created"
sub6=$(tjson subnet create network_id="$SC_NET_blue" cidr=fd00:10::/64 | jq -er .id) ||
	die "v6 subnet not created"
[ "$(tjson subnet show "$sub6" | jq -r .ip_version)" = 6 ] || die "fd00:10::/64 is not a v6 subnet"
say "* Network blue-net: subnets 10.0.0.0/24 and fd00:10::/64"
v6_vm v1 h1 "$sub4" "$sub6" 10.0.0.11 "$IP6_V1"
v6_vm v3 h1 "$sub4" "$sub6" 10.0.0.13 "$IP6_V3"
v6_vm v2 h2 "$sub4" "$sub6" 10.0.0.12 "$IP6_V2" --wait
for p in v1 v2 v3; do
	[ "$(tjson port show $p | jq -r .port_security_enabled)" = true ] ||
		die "port $p has no port security"
done
for vm in v1 v2 v3; do
	wait_for 15 "$vm's addresses leave DAD" no_tentative "$vm" ||
		die "$vm's IPv6 addresses stayed tentative: $(ip -n "$TOPO_P-$vm" -6 addr show dev eth0)"
done
if ip -n "$TOPO_P-v1" -6 addr show dev eth0 | grep -q dadfailed; then
	die "v1's own address failed DAD"
fi

i_nd=$(stat_index TN_STAT_ARP_REPLY) || die "no stat index"
nd_before=$(host_stat h1 "$i_nd") || die "cannot read h1's tn_stats"
say "* IPv6 between the hosts, port security on both ports:"
wait_for 20 "v1 reaches v2 over IPv6" ping6 v1 "$IP6_V2" 1 || die "v1 cannot ping $IP6_V2"
ping6 v1 "$IP6_V2" 3 || die "v1 -> v2 over IPv6: pings lost"
wait_for 10 "v2 reaches v1 over IPv6" ping6 v2 "$IP6_V1" 1 || die "v2 cannot ping $IP6_V1"
say "  ping -6 v1 <-> v2: answered"
wait_for 5 "h1 answered v1's neighbor solicitation" stat_above h1 "$i_nd" "$nd_before" ||
	die "h1's ND responder answered nothing ($nd_before)"
say "  h1 answered ND locally (tn_stats arp_reply $nd_before -> $(host_stat h1 "$i_nd"))"
lladdr=$(vm_exec v1 ip -6 -j neigh show "$IP6_V2" dev eth0 | jq -r '.[0].lladdr')
[ "$lladdr" = "$MAC_v2" ] || die "v1 resolved $IP6_V2 to $lladdr, not v2's $MAC_v2"

say "* TCP over IPv6, each way, writes of one segment's payload:"
xfer_sink v2 "$IP6_V2"
xfer_sink v1 "$IP6_V1"
transfer v1 v2 "$IP6_V2" $((TOPO_VM_MTU - 60))
transfer v2 v1 "$IP6_V1" $((TOPO_VM_MTU - 60))

say "* v3 takes v2's address: its DAD probe is answered for v2"
vm_exec v3 ip addr add "$IP6_V2/64" dev eth0 || die "cannot add the address in v3"
dadfailed() { ip -n "$TOPO_P-v3" -6 addr show dev eth0 | grep -q "$IP6_V2.*dadfailed"; }
wait_for 10 "v3's copy of v2's address fails DAD" dadfailed ||
	die "v3 kept v2's address: $(ip -n "$TOPO_P-v3" -6 addr show dev eth0)"
vm_exec v3 ip addr del "$IP6_V2/64" dev eth0
say "  v3's $IP6_V2 is dadfailed"

say "* v3 forces v2's address and sends from it:"
before=$(port_drops v3 spoof_ip6) || die "no port stats for v3"
vm_exec v3 ip addr add "$IP6_V2/128" dev eth0 nodad || die "cannot force the address in v3"
vm_exec v3 ping -6 -n -q -c 5 -i 0.2 -W 1 -I "$IP6_V2" "$IP6_V1" >/dev/null 2>&1 &&
	die "v3 reached v1 from v2's address"
wait_for 15 "v3's port counts spoof_ip6 drops" drops_above v3 spoof_ip6 "$before" ||
	die "port v3 never counted spoof_ip6 ($before)"
vm_exec v3 ip addr del "$IP6_V2/128" dev eth0
say "  dropped: port v3 spoof_ip6 $before -> $(port_drops v3 spoof_ip6)"

say "* v3 advertises v2's address (NA, override):"
before=$(port_drops v3 spoof_nd) || die "no port stats for v3"
send_na v3 "$IP6_V2" || die "cannot send the NAs from v3"
wait_for 15 "v3's port counts spoof_nd drops" drops_above v3 spoof_nd "$before" ||
	die "port v3 never counted spoof_nd ($before)"
say "  dropped: port v3 spoof_nd $before -> $(port_drops v3 spoof_nd)"
lladdr=$(vm_exec v1 ip -6 -j neigh show "$IP6_V2" dev eth0 | jq -r '.[0].lladdr // empty')
[ -z "$lladdr" ] || [ "$lladdr" = "$MAC_v2" ] ||
	die "v1's neighbor entry for $IP6_V2 moved to $lladdr"

say "* The victim is unaffected:"
ping6 v1 "$IP6_V2" 3 || die "v1 -> v2 over IPv6 lost pings after the attacks"
ping6 v2 "$IP6_V1" 3 || die "v2 -> v1 over IPv6 lost pings after the attacks"
lladdr=$(vm_exec v1 ip -6 -j neigh show "$IP6_V2" dev eth0 | jq -r '.[0].lladdr')
[ "$lladdr" = "$MAC_v2" ] || die "v1 resolves $IP6_V2 to $lladdr, not v2's $MAC_v2"
vm_ping v1 10.0.0.12 3 || die "v1 -> v2 over IPv4 lost pings"
say "  v1 <-> v2 over IPv6 and IPv4: answered; v1 still has $IP6_V2 at $MAC_v2"
echo "e2e ipv6_l2: PASS"
