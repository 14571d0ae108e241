#!/usr/bin/env bash
# Distributed routing across the overlay with real agents and controller.
# Tenant t1: networks n1 (10.1.0.0/24) and n2 (10.2.0.0/24) on router r1;
# VM a1 in n1 on h1, b2 in n2 on h2, c1 in n2 on h1, and gw2 in n2 on h2, a
# VM without port security that r1's static route 192.168.50.0/24 names as
# next hop. Tenant t2: the same subnets on its own router r2, VMs x1 (n1's
# addresses, h1) and y2 (b2's address, h2). Checks: the gateways answer
# ping (both interfaces of the router); a1 reaches b2 (routed on h1, then
# tunnelled to h2) and c1 (routed on h1, delivered on h1), both ways; a TCP
# transfer with MTU-sized writes each way across the router completes;
# TTL 1 gets "time exceeded" from the gateway, an address nobody has "host
# unreachable", a network no route knows "net unreachable"; the static
# route reaches the VM behind gw2 and back; a VM whose MTU is larger than
# the overlay's gets "fragmentation needed" from its own host and its TCP
# completes through path MTU discovery; t2's VMs route among
# themselves with the same addresses, and nothing of t1 reaches them.
# IPv6: the same networks also have fd00:1::/64 and fd00:2::/64 on each
# tenant's router, the VMs static addresses in them; the gateways answer
# ping -6 and NS with the router flag; a1 reaches b2 and c1 and TCP
# crosses the router each way; hop limit 1 gets "time exceeded", an address
# nobody has "address unreachable", no route "no route"; a VM with MTU 1500
# gets "packet too big" and its TCP completes; t2's VMs route among
# themselves over IPv6 and none of t1's echo requests reaches them.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
XFER=$((4 * 1024 * 1024))
. "$(dirname "$0")/../lib/xfer.sh"

# net TENANT_ID NAME CIDR GW: a network and its subnet; prints the subnet id.
net() {
	local nid
	nid=$(tjson network create tenant_id="$1" name="$2" | jq -er .id) ||
		die "network $2 not created"
	tjson subnet create network_id="$nid" name="$2-sub" cidr="$3" gateway_ip="$4" |
		jq -er .id || die "subnet of $2 not created"
}

# vm NAME SUBNET HOST IP GW [port options...]: the port, the VM and its
# default route through the gateway.
vm() {
	local name=$1 sub=$2 host=$3 ip=$4 gw=$5 net mac
	shift 5
	net=$(tjson subnet show "$sub" | jq -er .network_id) || die "no subnet $sub"
	mac=$(tjson port create network_id="$net" name="$name" fixed_ip="$sub,$ip" \
		binding_host="$host" binding_interface="$name" "$@" | jq -er .mac_address) ||
		die "port $name not created"
	topo_vm "$name" "$host" "$mac" "$ip/24"
	vm_exec "$name" ip route add default via "$gw" || die "no default route in $name"
	say "* VM $name on $host: $ip, gateway $gw"
}

# subnet6 SUBNET CIDR GW: an IPv6 subnet on SUBNET's network; prints its id.
subnet6() {
	local nid
	nid=$(tjson subnet show "$1" | jq -er .network_id) || die "no subnet $1"
	tjson subnet create network_id="$nid" name="$1-v6" cidr="$2" gateway_ip="$3" |
		jq -er .id || die "IPv6 subnet $2 not created"
}

# v6_on VM ADDR GW: IPv6 on in VM (topo_vm turns it off), ADDR/64 on its
# eth0 (static, no DAD, no router advertisements), default route via GW.
v6_on() {
	local ns=$TOPO_P-$1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.eth0.accept_ra=0 \
		net.ipv6.conf.eth0.disable_ipv6=0 || die "cannot turn IPv6 on in $1"
	ip -n "$ns" -6 addr add "$2/64" dev eth0 nodad || die "no address $2 in $1"
	ip -n "$ns" -6 route add default via "$3" dev eth0 || die "no IPv6 default route in $1"
}

# ping6_ok VM ADDR [COUNT]: COUNT (default 1) IPv6 pings all answered.
ping6_ok() {
	vm_exec "$1" ping -6 -n -q -c "${3:-1}" -i 0.2 -W 1 "$2" >/dev/null 2>&1
}

# expect_ping6 FROM ADDR: IPv6 pings must get through.
expect_ping6() {
	wait_for 15 "$1 reaches $2" ping6_ok "$1" "$2" || die "$1 cannot reach $2 over IPv6"
	ping6_ok "$1" "$2" 3 || die "$1 -> $2 over IPv6: pings lost"
	say "  ping -6 $1 -> $2: 3 of 3 answered"
}

# echo6_in VM: ICMPv6 echo requests VM received (its /proc/net/snmp6: RAs,
# MLD and ND do not move it).
echo6_in() {
	# shellcheck disable=SC2016 # awk's own $1 and $2
	vm_exec "$1" awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
}

# ping_says VM ARGS... -- TEXT: ping's output from VM contains TEXT.
ping_says() {
	local vm=$1 out
	shift
	local args=()
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	out=$(vm_exec "$vm" ping -n -c 1 -W 1 "${args[@]}" 2>&1)
	grep -q "$2" <<<"$out"
}

scenario_hosts
t1=$(tjson tenant create name=t1 | jq -er .id) || die "tenant t1 not created"
t2=$(tjson tenant create name=t2 | jq -er .id) || die "tenant t2 not created"
s1=$(net "$t1" n1 10.1.0.0/24 10.1.0.1)
s2=$(net "$t1" n2 10.2.0.0/24 10.2.0.1)
m1=$(net "$t2" m1 10.1.0.0/24 10.1.0.1)
m2=$(net "$t2" m2 10.2.0.0/24 10.2.0.1)
r1=$(tjson router create tenant_id="$t1" name=r1 | jq -er .id) || die "router r1 not created"
r2=$(tjson router create tenant_id="$t2" name=r2 | jq -er .id) || die "router r2 not created"
for pair in "$r1 $s1" "$r1 $s2" "$r2 $m1" "$r2 $m2"; do
	# shellcheck disable=SC2086
	tctl router add-interface $pair >/dev/null || die "cannot add interface $pair"
done
say "* Routers r1 (t1) and r2 (t2), each on its tenant's 10.1.0.0/24 and 10.2.0.0/24"
s16=$(subnet6 "$s1" fd00:1::/64 fd00:1::1)
s26=$(subnet6 "$s2" fd00:2::/64 fd00:2::1)
m16=$(subnet6 "$m1" fd00:1::/64 fd00:1::1)
m26=$(subnet6 "$m2" fd00:2::/64 fd00:2::1)
for pair in "$r1 $s16" "$r1 $s26" "$r2 $m16" "$r2 $m26"; do
	# shellcheck disable=SC2086
	tctl router add-interface $pair >/dev/null || die "cannot add interface $pair"
done
say "  and on fd00:1::/64 and fd00:2::/64"
vm a1 "$s1" h1 10.1.0.10 10.1.0.1 fixed_ip="$s16,fd00:1::10"
vm b2 "$s2" h2 10.2.0.20 10.2.0.1 fixed_ip="$s26,fd00:2::20"
vm c1 "$s2" h1 10.2.0.30 10.2.0.1 fixed_ip="$s26,fd00:2::30"
vm gw2 "$s2" h2 10.2.0.50 10.2.0.1 port_security_enabled=false
vm x1 "$m1" h1 10.1.0.10 10.1.0.1 fixed_ip="$m16,fd00:1::10"
vm y2 "$m2" h2 10.2.0.20 10.2.0.1 fixed_ip="$m26,fd00:2::20"
tjson --wait router update "$r1" route=192.168.50.0/24,10.2.0.50 >/dev/null ||
	die "cannot set r1's static route"
vm_exec gw2 ip addr add 192.168.50.1/24 dev lo || die "no address behind gw2"

say "* The router answers on its interfaces:"
expect_ping a1 10.1.0.1
expect_ping a1 10.2.0.1

say "* Routed between subnets, across hosts and on one host:"
y2_before=$(vm_rx_packets y2)
x1_before=$(vm_rx_packets x1)
expect_ping a1 10.2.0.20
expect_ping b2 10.1.0.10
expect_ping a1 10.2.0.30
expect_ping c1 10.1.0.10
rmac=$(tjson router_interface list router_id="$r1" |
	jq -er '.router_interfaces[] | select(.ip_address == "10.2.0.1") | .mac_address') ||
	die "no interface of r1 at 10.2.0.1"
vm_exec b2 ip neigh show 10.2.0.1 dev eth0 | grep -qi "lladdr $rmac" ||
	die "b2's neighbour entry for 10.2.0.1 is not r1's MAC $rmac"
say "  b2 resolved its gateway 10.2.0.1 to r1's MAC $rmac (answered on h2)"

say "* TCP across the router, MTU-sized writes, each way:"
xfer_sink a1 10.1.0.10
xfer_sink b2 10.2.0.20
transfer a1 b2 10.2.0.20
transfer b2 a1 10.1.0.10

say "* ICMP from the router:"
wait_for 5 "time exceeded" ping_says a1 -t 1 10.2.0.20 -- "From 10.1.0.1 .*Time to live exceeded" ||
	die "TTL 1 did not get time exceeded from 10.1.0.1"
say "  TTL 1: time exceeded from 10.1.0.1"
wait_for 5 "host unreachable" ping_says a1 10.2.0.99 -- "From 10.1.0.1 .*Destination Host Unreachable" ||
	die "10.2.0.99 (nobody) did not get host unreachable"
say "  10.2.0.99 (no port has it): host unreachable"
wait_for 5 "net unreachable" ping_says a1 172.16.0.1 -- "From 10.1.0.1 .*Destination Net Unreachable" ||
	die "172.16.0.1 (no route) did not get net unreachable"
say "  172.16.0.1 (no route): net unreachable"

say "* Path MTU: a1's interface (and its host side) at 1500, over an overlay that carries $TOPO_VM_MTU:"
ip -n "$TOPO_P-h1" link set a1 mtu 1500 || die "cannot raise a1's host-side MTU"
vm_exec a1 ip link set eth0 mtu 1500 || die "cannot raise a1's MTU"
wait_for 5 "fragmentation needed" ping_says a1 -M "do" -s 1472 10.2.0.20 -- "Frag needed and DF set (mtu = $TOPO_VM_MTU)" ||
	die "a 1500-byte datagram with DF did not get fragmentation needed (mtu $TOPO_VM_MTU)"
say "  ping -M do -s 1472: fragmentation needed, mtu $TOPO_VM_MTU, from the first host"
XFER_WRITE=1460 transfer a1 b2 10.2.0.20
say "  TCP from a1 with MTU 1500 completes: its path MTU came down to $TOPO_VM_MTU"
vm_exec a1 ip route get 10.2.0.20 | grep -q "mtu $TOPO_VM_MTU" ||
	die "a1 has no path MTU $TOPO_VM_MTU for 10.2.0.20: $(vm_exec a1 ip route get 10.2.0.20)"
ip -n "$TOPO_P-h1" link set a1 mtu "$TOPO_VM_MTU"
vm_exec a1 ip link set eth0 mtu "$TOPO_VM_MTU"

say "* Static route 192.168.50.0/24 via gw2 (10.2.0.50):"
expect_ping a1 192.168.50.1

say "* Tenant t2, same addresses, its own router:"
expect_ping x1 10.2.0.20
[ "$(vm_rx_packets y2)" -gt "$y2_before" ] || die "y2 got none of x1's pings"
expect_ping y2 10.1.0.10
y2_before=$(vm_rx_packets y2)
x1_before=$(vm_rx_packets x1)
expect_ping a1 10.2.0.20
expect_ping b2 10.1.0.10
[ "$(vm_rx_packets y2)" = "$y2_before" ] && [ "$(vm_rx_packets x1)" = "$x1_before" ] ||
	die "t1's routed traffic reached t2 (y2 $y2_before -> $(vm_rx_packets y2), x1 $x1_before -> $(vm_rx_packets x1))"
say "  t1's routed pings to 10.2.0.20 and 10.1.0.10 reached b2 and a1, none reached y2 or x1"

say "* IPv6, the same routers (VMs' addresses static):"
v6_on a1 fd00:1::10 fd00:1::1
v6_on b2 fd00:2::20 fd00:2::1
v6_on c1 fd00:2::30 fd00:2::1
v6_on x1 fd00:1::10 fd00:1::1
v6_on y2 fd00:2::20 fd00:2::1
expect_ping6 a1 fd00:1::1
expect_ping6 a1 fd00:2::1
expect_ping6 a1 fd00:2::20
expect_ping6 b2 fd00:1::10
expect_ping6 a1 fd00:2::30
expect_ping6 c1 fd00:1::10
rmac6=$(tjson router_interface list router_id="$r1" |
	jq -er '.router_interfaces[] | select(.ip_address == "fd00:2::1") | .mac_address') ||
	die "no interface of r1 at fd00:2::1"
vm_exec b2 ip -6 neigh show fd00:2::1 dev eth0 | grep -qi "lladdr $rmac6 router" ||
	die "b2's neighbour entry for fd00:2::1 is not r1's MAC $rmac6 with the router flag: $(vm_exec b2 ip -6 neigh show fd00:2::1 dev eth0)"
say "  b2 resolved its gateway fd00:2::1 to r1's MAC $rmac6, a router (answered on h2)"

say "* TCP over IPv6 across the router, MTU-sized writes, each way:"
XFER_PORT=5302 xfer_sink a1 fd00:1::10
XFER_PORT=5302 xfer_sink b2 fd00:2::20
XFER_PORT=5302 transfer a1 b2 fd00:2::20 $((TOPO_VM_MTU - 60))
XFER_PORT=5302 transfer b2 a1 fd00:1::10 $((TOPO_VM_MTU - 60))

say "* ICMPv6 from the router:"
wait_for 5 "time exceeded" ping_says a1 -6 -t 1 fd00:2::20 -- "From fd00:1::1 .*Time exceeded: Hop limit" ||
	die "hop limit 1 did not get time exceeded from fd00:1::1"
say "  hop limit 1: time exceeded from fd00:1::1"
wait_for 5 "address unreachable" ping_says a1 -6 fd00:2::99 -- "From fd00:1::1 .*Destination unreachable: Address unreachable" ||
	die "fd00:2::99 (nobody) did not get address unreachable"
say "  fd00:2::99 (no port has it): address unreachable"
wait_for 5 "no route" ping_says a1 -6 2001:db8::1 -- "From fd00:1::1 .*Destination unreachable: No route" ||
	die "2001:db8::1 (no route) did not get no route"
say "  2001:db8::1 (no route): no route"

say "* Path MTU over IPv6: a1 at 1500 again, the overlay carries $TOPO_VM_MTU:"
ip -n "$TOPO_P-h1" link set a1 mtu 1500 || die "cannot raise a1's host-side MTU"
vm_exec a1 ip link set eth0 mtu 1500 || die "cannot raise a1's MTU"
wait_for 5 "packet too big" ping_says a1 -6 -M "do" -s 1452 fd00:2::20 -- "mtu[= ]*$TOPO_VM_MTU" ||
	die "a 1500-byte IPv6 packet did not get packet too big (mtu $TOPO_VM_MTU)"
say "  ping -6 -s 1452: packet too big, mtu $TOPO_VM_MTU, from the first host"
XFER_PORT=5302 transfer a1 b2 fd00:2::20 1440
vm_exec a1 ip -6 route get fd00:2::20 | grep -q "mtu $TOPO_VM_MTU" ||
	die "a1 has no path MTU $TOPO_VM_MTU for fd00:2::20: $(vm_exec a1 ip -6 route get fd00:2::20)"
say "  TCP from a1 with MTU 1500 completes: its IPv6 path MTU came down to $TOPO_VM_MTU"
ip -n "$TOPO_P-h1" link set a1 mtu "$TOPO_VM_MTU"
vm_exec a1 ip link set eth0 mtu "$TOPO_VM_MTU"

say "* Tenant t2 over IPv6, same addresses, its own router:"
y2_before=$(echo6_in y2)
expect_ping6 x1 fd00:2::20
[ "$(echo6_in y2)" -gt "$y2_before" ] || die "y2 got none of x1's IPv6 pings"
expect_ping6 y2 fd00:1::10
y2_before=$(echo6_in y2)
x1_before=$(echo6_in x1)
expect_ping6 a1 fd00:2::20
expect_ping6 b2 fd00:1::10
if [ "$(echo6_in y2)" != "$y2_before" ] || [ "$(echo6_in x1)" != "$x1_before" ]; then
	die "t1's routed IPv6 pings reached t2 (y2 $y2_before -> $(echo6_in y2), x1 $x1_before -> $(echo6_in x1))"
fi
say "  t1's routed IPv6 pings to fd00:2::20 and fd00:1::10 reached b2 and a1, none reached y2 or x1"

echo "e2e l3: PASS"
