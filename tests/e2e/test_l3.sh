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
vm a1 "$s1" h1 10.1.0.10 10.1.0.1
vm b2 "$s2" h2 10.2.0.20 10.2.0.1
vm c1 "$s2" h1 10.2.0.30 10.2.0.1
vm gw2 "$s2" h2 10.2.0.50 10.2.0.1 port_security_enabled=false
vm x1 "$m1" h1 10.1.0.10 10.1.0.1
vm y2 "$m2" h2 10.2.0.20 10.2.0.1
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
wait_for 5 "fragmentation needed" ping_says a1 -M do -s 1472 10.2.0.20 -- "Frag needed and DF set (mtu = $TOPO_VM_MTU)" ||
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

echo "e2e l3: PASS"
