#!/usr/bin/env bash
# Tenant clone with real agents: tenant src has networks n1 (10.1.0.0/24)
# and n2 (10.2.0.0/24) on router r, a group web beside the default group,
# VM a1 (n1, h1) and b2 (n2, h2). `tenetctl tenant clone src copy --bind
# h1=h3,h2=h4 --bind-ports` copies it in one write, its ports bound to h3
# and h4; the clone's VMs (new namespaces, the same MACs and addresses,
# their host-side interfaces named as the source's) ping each other across
# the clone's router, and none of those pings reaches the source's VMs (nor
# the source's the clone's). The source tenant is then deleted whole: the
# clone still routes.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"

# net TENANT NAME CIDR GW: a network and its subnet; prints the subnet id.
net() {
	local nid
	nid=$(tjson network create tenant_id="$1" name="$2" | jq -er .id) ||
		die "network $2 not created"
	tjson subnet create network_id="$nid" name="$2-sub" cidr="$3" gateway_ip="$4" |
		jq -er .id || die "subnet of $2 not created"
}

# vm NAME SUBNET HOST IP GW: the port, the VM and its default route.
vm() {
	local name=$1 sub=$2 host=$3 ip=$4 gw=$5 nid mac
	nid=$(tjson subnet show "$sub" | jq -er .network_id) || die "no subnet $sub"
	mac=$(tjson port create network_id="$nid" name="$name" fixed_ip="$sub,$ip" \
		binding_host="$host" binding_interface="$name" | jq -er .mac_address) ||
		die "port $name not created"
	topo_vm "$name" "$host" "$mac" "$ip/24"
	vm_exec "$name" ip route add default via "$gw" || die "no default route in $name"
	say "* VM $name on $host: $ip, MAC $mac"
}

# clone_vm NS PORT_JSON IP GW: the clone's VM in namespace $TOPO_P-NS behind
# the interface its port is bound to, on the host it is bound to.
clone_vm() {
	local vname=$1 port=$2 ip=$3 gw=$4 ns=$TOPO_P-$1 host ifname mac
	host=$(jq -er .binding.host <<<"$port") || die "clone port not bound: $port"
	ifname=$(jq -er .binding.interface <<<"$port") || die "no interface: $port"
	mac=$(jq -er .mac_address <<<"$port") || die "no MAC: $port"
	topo_ns_add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link add "$ifname" netns "$TOPO_P-$host" mtu "$TOPO_VM_MTU" type veth \
		peer name eth0 netns "$ns" mtu "$TOPO_VM_MTU" || die "cannot create VM $vname"
	ip -n "$ns" link set eth0 address "$mac"
	ip -n "$ns" addr add "$ip/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$TOPO_P-$host" link set "$ifname" up
	vm_exec "$vname" ip route add default via "$gw" || die "no default route in $vname"
	say "* clone VM $vname on $host ($ifname): $ip, MAC $mac"
}

# h3 and h4 are for the clone
scenario_hosts h3:3 h4:4
src=$(tjson tenant create name=src | jq -er .id) || die "tenant src not created"
s1=$(net "$src" n1 10.1.0.0/24 10.1.0.1)
s2=$(net "$src" n2 10.2.0.0/24 10.2.0.1)
r=$(tjson router create tenant_id="$src" name=r | jq -er .id) || die "router r not created"
tctl router add-interface "$r" "$s1" >/dev/null || die "cannot add r to n1"
tctl router add-interface "$r" "$s2" >/dev/null || die "cannot add r to n2"
web=$(tjson security_group create tenant_id="$src" name=web | jq -er .id) ||
	die "group web not created"
tctl security_group_rule create security_group_id="$web" direction=ingress protocol=tcp \
	port_range_min=80 port_range_max=80 >/dev/null || die "rule of web not created"
vm a1 "$s1" h1 10.1.0.10 10.1.0.1
vm b2 "$s2" h2 10.2.0.20 10.2.0.1
expect_ping a1 10.2.0.20

say "* Clone src into copy, ports bound to h3 (for h1) and h4 (for h2):"
out=$(tctl -o json --wait tenant clone src copy --bind h1=h3,h2=h4 --bind-ports) ||
	die "clone refused: $out"
copy=$(jq -er .tenant.id <<<"$out") || die "no tenant in $out"
[ "$(jq -r .counts.ports <<<"$out")" = 2 ] && [ "$(jq -r .counts.router_interfaces <<<"$out")" = 2 ] ||
	die "clone counts: $out"
say "  $(jq -c .counts <<<"$out")"
src_vnis=$(tjson network list tenant_id="$src" | jq -r '[.networks[].vni] | sort | join(",")')
copy_vnis=$(tjson network list tenant_id="$copy" | jq -r '[.networks[].vni] | sort | join(",")')
[ -n "$copy_vnis" ] && [ "$src_vnis" != "$copy_vnis" ] || die "VNIs: src $src_vnis, copy $copy_vnis"
say "  source VNIs $src_vnis, clone VNIs $copy_vnis"
pa=$(tjson port list tenant_id="$copy" | jq -ec '.ports[] | select(.name == "a1")') ||
	die "no clone of a1"
pb=$(tjson port list tenant_id="$copy" | jq -ec '.ports[] | select(.name == "b2")') ||
	die "no clone of b2"
clone_vm ca1 "$pa" 10.1.0.10 10.1.0.1
clone_vm cb2 "$pb" 10.2.0.20 10.2.0.1

say "* The clone routes between its VMs; nothing reaches the source's:"
b2_before=$(vm_rx_packets b2)
a1_before=$(vm_rx_packets a1)
expect_ping ca1 10.2.0.20
expect_ping cb2 10.1.0.10
[ "$(vm_rx_packets b2)" = "$b2_before" ] && [ "$(vm_rx_packets a1)" = "$a1_before" ] ||
	die "the clone's pings reached the source's VMs (b2 $b2_before -> $(vm_rx_packets b2), a1 $a1_before -> $(vm_rx_packets a1))"
cb2_before=$(vm_rx_packets cb2)
expect_ping a1 10.2.0.20
[ "$(vm_rx_packets cb2)" = "$cb2_before" ] || die "the source's pings reached the clone's cb2"
say "  none of the clone's pings reached a1 or b2, none of the source's reached cb2"

say "* Delete the source tenant whole:"
for p in $(tjson port list tenant_id="$src" | jq -r '.ports[].id'); do
	tctl port delete "$p" >/dev/null || die "cannot delete port $p"
done
tctl router remove-interface "$r" "$s1" >/dev/null || die "cannot remove r from n1"
tctl router remove-interface "$r" "$s2" >/dev/null || die "cannot remove r from n2"
tctl router delete "$r" >/dev/null || die "cannot delete router r"
for s in "$s1" "$s2"; do
	n=$(tjson subnet show "$s" | jq -er .network_id)
	tctl subnet delete "$s" >/dev/null || die "cannot delete subnet $s"
	tctl network delete "$n" >/dev/null || die "cannot delete network $n"
done
tctl --wait tenant delete "$src" >/dev/null || die "cannot delete tenant src"
[ "$(tjson port list tenant_id="$copy" | jq '.ports | length')" = 2 ] || die "the clone lost ports"
expect_ping ca1 10.2.0.20
expect_ping cb2 10.1.0.10
say "  the clone still routes"

echo "e2e clone: PASS"
