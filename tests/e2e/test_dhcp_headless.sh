#!/usr/bin/env bash
# DHCPv4 answered by the datapath (bpf/nf/dhcp.h): VMs on two hosts get
# their port's address with busybox udhcpc and with ISC dhclient (each run
# with its own script, lease and pid files in the test's directory; nothing
# of the root namespace is touched), with the subnet's mask, gateway as the
# default route, DNS server, the network's MTU and its host route (option
# 121), and ping each other. No DHCP packet leaves its host: the other VMs
# of the network see none of it. Then every agent and the controller are
# stopped, and a VM in a fresh namespace on a port configured before still
# gets its lease from its host's datapath and pings its peers.
# IPv6 (bpf/nf/ra.h, bpf/nf/dhcp6.h): network green has a SLAAC subnet and
# a dhcpv6-stateful one, both on router r1. s1 (h1) forms its address by
# SLAAC from the router's advertisement (the kernel's accept_ra), d1 (h2)
# gets its address from ISC dhclient -6; they ping each other. With the
# agents and the controller stopped, fresh namespaces on ports s2 and d2
# (h1) still get an RA and a SLAAC address, and a DHCPv6 lease, from h1's
# datapath, their neighbor solicitations are answered, and they ping s1 and
# d1. s3 (h2) sends no router solicitation: its address comes from the
# RAs h2's agent sends unsolicited (--ra-interval 4).
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
command -v busybox >/dev/null || die "busybox missing (scripts/install-deps.sh)"
command -v dhclient >/dev/null || die "dhclient missing (scripts/install-deps.sh)"
D=$TOPO_DIR/dhcp
mkdir -p "$D"

# The client scripts: configure eth0 as the lease says and record what the
# lease said (udhcpc's in $DHCP_OUT, which it passes on; dhclient's in
# $D/$interface_out.env, set by a wrapper: see dhclient_run).
cat >"$D/udhcpc.sh" <<'EOF'
#!/bin/sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound | renew)
	ip addr add "$ip/$mask" dev "$interface"
	[ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
	[ -n "$router" ] && ip route replace default via "$router" dev "$interface"
	env | grep -E '^(ip|mask|subnet|router|dns|mtu|staticroutes|serverid|lease)=' >"$DHCP_OUT"
	;;
esac
exit 0
EOF
cat >"$D/dhclient.sh" <<'EOF'
#!/bin/sh
case "$reason" in
PREINIT) ip link set "$interface" up ;;
BOUND | RENEW | REBIND | REBOOT)
	ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
	[ -n "$new_interface_mtu" ] && ip link set "$interface" mtu "$new_interface_mtu"
	[ -n "$new_routers" ] && ip route replace default via "${new_routers%% *}" dev "$interface"
	env | grep '^new_' >"$(dirname "$0")/$interface_out.env"
	;;
esac
exit 0
EOF
cat >"$D/dhclient.conf" <<'EOF'
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, domain-name-servers, interface-mtu,
	rfc3442-classless-static-routes, dhcp-lease-time, dhcp-server-identifier;
timeout 20;
retry 2;
EOF
cat >"$D/dhclient6.sh" <<'EOF'
#!/bin/sh
case "$reason" in
BOUND6 | RENEW6 | REBIND6 | REBOOT6)
	ip -6 addr replace "$new_ip6_address/64" dev "$interface" nodad
	env | grep '^new_' >"$(dirname "$0")/$interface_out.env"
	;;
esac
exit 0
EOF
cat >"$D/dhclient6.conf" <<'EOF'
request dhcp6.name-servers;
timeout 20;
retry 2;
EOF
chmod +x "$D/udhcpc.sh" "$D/dhclient.sh" "$D/dhclient6.sh"

# dhcp_vm NAME HOST MAC: a VM namespace behind a veth (host side NAME in
# HOST's namespace), eth0 up without an address, MTU 1500 (the lease must
# lower it to the network's).
dhcp_vm() {
	local name=$1 host=$2 mac=$3 ns=$TOPO_P-$1
	topo_ns_add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link add "$name" netns "$TOPO_P-$host" mtu 1500 type veth peer name eth0 netns "$ns" \
		mtu 1500 || die "cannot create VM $name"
	ip -n "$ns" link set eth0 address "$mac" up
	ip -n "$TOPO_P-$host" link set "$name" up
}

# port NAME HOST IP: the port, bound to HOST's interface NAME; prints its MAC.
port() {
	tjson port create network_id="$NET" name="$1" fixed_ip="$SUB,$3" binding_host="$2" \
		binding_interface="$1" | jq -er .mac_address
}

port_active() {
	[ "$(tjson port show "$1" | jq -r .status)" = ACTIVE ]
}

# udhcpc_run VM: busybox udhcpc once in VM (4 discovers, 1 s apart).
udhcpc_run() {
	vm_exec "$1" env DHCP_OUT="$D/$1.env" busybox udhcpc -i eth0 -f -q -n -t 4 -T 1 \
		-s "$D/udhcpc.sh" -p "$D/$1.udhcpc.pid" -O staticroutes -O mtu \
		>>"$TOPO_DIR/udhcpc-$1.log" 2>&1
}

# dhclient_run VM: ISC dhclient once in VM; it stays to renew (pid file).
dhclient_run() {
	# dhclient runs its script with an environment of its own: a wrapper
	# tells the script where to record the lease
	printf '#!/bin/sh\ninterface_out=%s exec %s "$@"\n' "$1" "$D/dhclient.sh" >"$D/$1.sh"
	chmod +x "$D/$1.sh"
	vm_exec "$1" dhclient -4 -1 -v -cf "$D/dhclient.conf" -sf "$D/$1.sh" -lf "$D/$1.leases" \
		-pf "$D/$1.dhclient.pid" eth0 >>"$TOPO_DIR/dhclient-$1.log" 2>&1
}

# lease_is VM KEY VALUE: the recorded lease of VM has KEY=VALUE.
lease_is() {
	grep -qx "$2=$3" "$D/$1.env" || {
		fail "$1: lease has $(grep "^$2=" "$D/$1.env" || echo "no $2"), want $2=$3"
		return 1
	}
}

# vm_has VM ADDR/PLEN MTU: eth0 of VM has the address, MTU and default route.
vm_has() {
	local vm=$1
	vm_exec "$vm" ip -4 -o addr show dev eth0 | grep -q "inet $2 " ||
		fail "$vm: eth0 has not $2 ($(vm_exec "$vm" ip -4 -o addr show dev eth0))"
	[ "$(vm_exec "$vm" cat /sys/class/net/eth0/mtu)" = "$3" ] ||
		fail "$vm: MTU $(vm_exec "$vm" cat /sys/class/net/eth0/mtu), want $3"
	vm_exec "$vm" ip route show default | grep -q "via 10.0.0.254 dev eth0" ||
		fail "$vm: no default route via 10.0.0.254"
}

# host_counter HOST NAME: a datapath counter of HOST as it last reported.
host_counter() {
	tjson host drops "$1" | jq -er ".counters.$2 // .drops_by_reason.$2"
}

counter_at_least() {
	[ "$(host_counter "$1" "$2")" -ge "$3" ]
}

# vm6 NAME HOST MAC: a VM namespace behind a veth, eth0 up with IPv6 (and
# so router solicitations) off until vm6_up.
vm6() {
	local name=$1 host=$2 mac=$3 ns=$TOPO_P-$1
	topo_ns_add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link add "$name" netns "$TOPO_P-$host" mtu 1500 type veth peer name eth0 netns "$ns" \
		mtu 1500 || die "cannot create VM $name"
	ip -n "$ns" link set eth0 address "$mac" up
	ip -n "$TOPO_P-$host" link set "$name" up
}

# vm6_up NAME MODE [nors]: IPv6 on eth0 of NAME with the settings of MODE,
# eth0 up (the kernel then solicits a router, but with nors). slaac:
# accept_ra and autoconf; dhcp: accept_ra (default route, MTU) without
# autoconf (the address is dhclient's).
vm6_up() {
	local ns=$TOPO_P-$1 auto=1 rs=3
	[ "$2" = dhcp ] && auto=0
	[ "${3:-}" = nors ] && rs=0


	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.router_solicitations=$rs \
		net.ipv6.conf.eth0.accept_ra=1 \
		net.ipv6.conf.eth0.autoconf=$auto net.ipv6.conf.eth0.use_tempaddr=0 \
		net.ipv6.conf.eth0.addr_gen_mode=0 \
		net.ipv6.conf.eth0.router_solicitation_interval=1 \
		net.ipv6.conf.eth0.disable_ipv6=0 || die "cannot configure IPv6 in $1"
	ip -n "$ns" link set eth0 up
}

# has_addr6 VM ADDR: eth0 of VM has global address ADDR, DAD done.
has_addr6() {
	vm_exec "$1" ip -6 -o addr show dev eth0 scope global | grep " $2/" | grep -qv tentative
}

# ll_ready VM: eth0 of VM has its link-local address, DAD done (dhclient -6
# needs it).
ll_ready() {
	vm_exec "$1" ip -6 -o addr show dev eth0 scope link | grep -q inet6 &&
		! vm_exec "$1" ip -6 -o addr show dev eth0 scope link | grep -q tentative
}

# ra_seen VM: the RA's default route via the router's link-local address
# and its MTU are on eth0 of VM.
ra_seen() {
	vm_exec "$1" ip -6 route show default | grep -q "via $RLL dev eth0" &&
		[ "$(vm_exec "$1" cat /proc/sys/net/ipv6/conf/eth0/mtu)" = 1450 ]
}

# dhclient6_run VM: ISC dhclient -6 once in VM (the lease recorded in
# $D/VM.env by dhclient6.sh); it stays to renew (pid file).
dhclient6_run() {
	printf '#!/bin/sh\ninterface_out=%s exec %s "$@"\n' "$1" "$D/dhclient6.sh" >"$D/$1.sh"
	chmod +x "$D/$1.sh"
	vm_exec "$1" dhclient -6 -1 -v -cf "$D/dhclient6.conf" -sf "$D/$1.sh" \
		-lf "$D/$1.leases" -pf "$D/$1.dhclient.pid" eth0 >>"$TOPO_DIR/dhclient-$1.log" 2>&1
}

# port6 NAME HOST SUBNET[,IP]: the port on green, bound to HOST's interface
# NAME; prints its MAC and its address.
port6() {
	tjson port create network_id="$NET6" name="$1" fixed_ip="$3" binding_host="$2" \
		binding_interface="$1" | jq -er '.mac_address + " " + .fixed_ips[0].ip_address'
}

# shellcheck disable=SC2034 # read by topo_agent_start (scripts/lib/topo.sh)
TOPO_AGENT_ARGS="--ra-interval 4" # unsolicited RAs every 1.3 to 4 s
scenario_hosts
tid=$(tjson tenant create name=blue | jq -er .id) || die "tenant not created"
NET=$(tjson network create tenant_id="$tid" name=blue-net | jq -er .id) || die "no network"
SUB=$(tjson subnet create network_id="$NET" name=blue-sub cidr=10.0.0.0/24 gateway_ip=10.0.0.254 \
	dns_nameservers=10.0.0.53 host_route=192.168.50.0/24,10.0.0.254 | jq -er .id) ||
	die "subnet not created"
[ "$(tjson subnet show "$SUB" | jq -c .host_routes)" = \
	'[{"destination":"192.168.50.0/24","nexthop":"10.0.0.254"}]' ] ||
	fail "subnet host_routes not kept: $(tjson subnet show "$SUB" | jq -c .host_routes)"
# a host route of the other family is refused, naming the field
out=$(tctl subnet update "$SUB" host_route=2001:db8::/64,2001:db8::1 2>&1) &&
	fail "an IPv6 host route on an IPv4 subnet was accepted"
grep -q "host_routes\[0\]" <<<"$out" || fail "refusal does not name host_routes[0]: $out"

say "* Ports: vm1 (h1, udhcpc), vm2 (h2, dhclient), vm3 (h1, for later)"
mac1=$(port vm1 h1 10.0.0.1) || die "port vm1"
mac2=$(port vm2 h2 10.0.0.2) || die "port vm2"
mac3=$(port vm3 h1 10.0.0.3) || die "port vm3"
dhcp_vm vm1 h1 "$mac1"
dhcp_vm vm2 h2 "$mac2"
dhcp_vm vm3 h1 "$mac3"
for p in vm1 vm2 vm3; do
	wait_for 20 "port $p ACTIVE" port_active "$p" || die "port $p never ACTIVE"
done

say "* vm1 asks with busybox udhcpc"
rx2=$(vm_rx_packets vm2)
rx3=$(vm_rx_packets vm3)
wait_for 30 "vm1 gets a lease" udhcpc_run vm1 || die "udhcpc got no lease"
lease_is vm1 ip 10.0.0.1
lease_is vm1 mask 24
lease_is vm1 router 10.0.0.254
lease_is vm1 dns 10.0.0.53
lease_is vm1 mtu 1450
lease_is vm1 serverid 10.0.0.254
lease_is vm1 lease 86400
lease_is vm1 staticroutes "192.168.50.0/24 10.0.0.254 0.0.0.0/0 10.0.0.254"
vm_has vm1 10.0.0.1/24 1450
[ "$(vm_rx_packets vm2)" = "$rx2" ] || fail "vm2 (h2) saw vm1's DHCP: rx $rx2 -> $(vm_rx_packets vm2)"
[ "$(vm_rx_packets vm3)" = "$rx3" ] || fail "vm3 (h1) saw vm1's DHCP: rx $rx3 -> $(vm_rx_packets vm3)"
ok "udhcpc: 10.0.0.1/24, router, DNS, MTU 1450, option 121; no other VM saw a DHCP packet"

say "* vm2 asks with ISC dhclient"
rx1=$(vm_rx_packets vm1)
rx3=$(vm_rx_packets vm3)
wait_for 60 "vm2 gets a lease" dhclient_run vm2 || die "dhclient got no lease"
lease_is vm2 new_ip_address 10.0.0.2
lease_is vm2 new_subnet_mask 255.255.255.0
lease_is vm2 new_routers 10.0.0.254
lease_is vm2 new_domain_name_servers 10.0.0.53
lease_is vm2 new_interface_mtu 1450
lease_is vm2 new_dhcp_server_identifier 10.0.0.254
lease_is vm2 new_dhcp_lease_time 86400
lease_is vm2 new_rfc3442_classless_static_routes "24 192 168 50 10 0 0 254 0 10 0 0 254"
vm_has vm2 10.0.0.2/24 1450
[ "$(vm_rx_packets vm1)" = "$rx1" ] || fail "vm1 saw vm2's DHCP: rx $rx1 -> $(vm_rx_packets vm1)"
[ "$(vm_rx_packets vm3)" = "$rx3" ] || fail "vm3 saw vm2's DHCP: rx $rx3 -> $(vm_rx_packets vm3)"
ok "dhclient: 10.0.0.2/24, router, DNS, MTU 1450, option 121; no other VM saw a DHCP packet"

expect_ping vm1 10.0.0.2
expect_ping vm2 10.0.0.1
# the replies were the hosts' own: counted by their datapaths
wait_for 20 "h1 counts its DHCP replies" counter_at_least h1 dhcp_reply 2 ||
	fail "h1 counted $(host_counter h1 dhcp_reply) DHCP replies, want >= 2"
wait_for 20 "h2 counts its DHCP replies" counter_at_least h2 dhcp_reply 2 ||
	fail "h2 counted $(host_counter h2 dhcp_reply) DHCP replies, want >= 2"

say "* IPv6: network green, subnets SLAAC and dhcpv6-stateful on router r1"
NET6=$(tjson network create tenant_id="$tid" name=green | jq -er .id) || die "no network green"
S6=$(tjson subnet create network_id="$NET6" name=g-slaac cidr=2001:db8:1::/64 \
	ipv6_ra_mode=slaac ipv6_address_mode=slaac dns_nameservers=2001:db8::53 | jq -er .id) ||
	die "SLAAC subnet not created"
D6=$(tjson subnet create network_id="$NET6" name=g-dhcp cidr=2001:db8:2::/64 \
	ipv6_ra_mode=dhcpv6-stateful ipv6_address_mode=dhcpv6-stateful \
	dns_nameservers=2001:db8::53 | jq -er .id) || die "DHCPv6 subnet not created"
# Neutron's rules: both modes equal, SLAAC only on a /64
out=$(tctl subnet create network_id="$NET6" cidr=2001:db8:3::/64 ipv6_ra_mode=slaac \
	ipv6_address_mode=dhcpv6-stateful 2>&1) && fail "unequal IPv6 modes were accepted"
grep -q ipv6_address_mode <<<"$out" || fail "refusal does not name ipv6_address_mode: $out"
out=$(tctl subnet create network_id="$NET6" cidr=2001:db8:4::/80 ipv6_address_mode=slaac 2>&1) &&
	fail "SLAAC on a /80 was accepted"
r1=$(tjson router create tenant_id="$tid" name=r1 | jq -er .id) || die "router r1 not created"
tctl router add-interface "$r1" "$S6" >/dev/null || die "cannot add r1 to the SLAAC subnet"
tctl router add-interface "$r1" "$D6" >/dev/null || die "cannot add r1 to the DHCPv6 subnet"
# the RA comes from the interface on the first subnet by id
rmac=$(tjson router_interface list router_id="$r1" |
	jq -er --arg a "$S6" --arg b "$D6" '[.router_interfaces[] |
		select(.subnet_id == ([$a, $b] | min))][0].mac_address') ||
	die "no router interface MAC"
# the router's link-local address: EUI-64 of its MAC
IFS=: read -r m0 m1 m2 m3 m4 m5 <<<"$rmac"
RLL=$(printf 'fe80::%x:%x:%x:%x' $(((0x$m0 ^ 2) << 8 | 0x$m1)) $((0x$m2 << 8 | 0xff)) \
	$((0xfe << 8 | 0x$m3)) $((0x$m4 << 8 | 0x$m5)))
read -r smac1 sip1 < <(port6 s1 h1 "$S6") || die "port s1"
read -r dmac1 dip1 < <(port6 d1 h2 "$D6,2001:db8:2::10") || die "port d1"
read -r smac2 sip2 < <(port6 s2 h1 "$S6") || die "port s2"
read -r dmac2 dip2 < <(port6 d2 h1 "$D6,2001:db8:2::11") || die "port d2"
read -r smac3 sip3 < <(port6 s3 h2 "$S6") || die "port s3"
if [ "$dip1" != 2001:db8:2::10 ] || [ "$dip2" != 2001:db8:2::11 ]; then
	die "DHCPv6 ports' addresses: $dip1 $dip2"
fi
# a SLAAC port's address is its EUI-64 one, another is refused
out=$(tctl port create network_id="$NET6" fixed_ip="$S6,2001:db8:1::99" 2>&1) &&
	fail "a SLAAC subnet took a chosen address"
grep -q "EUI-64" <<<"$out" || fail "refusal does not say EUI-64: $out"
vm6 s1 h1 "$smac1"
vm6 d1 h2 "$dmac1"
vm6 s2 h1 "$smac2"
vm6 d2 h1 "$dmac2"
vm6 s3 h2 "$smac3"
for p in s1 d1 s2 d2 s3; do
	wait_for 20 "port $p ACTIVE" port_active "$p" || die "port $p never ACTIVE"
done

say "* s1 forms its address by SLAAC from the RA, d1 asks with dhclient -6"
vm6_up s1 slaac
vm6_up d1 dhcp
wait_for 30 "s1 has $sip1 from the RA" has_addr6 s1 "$sip1" ||
	die "s1: no SLAAC address $sip1 ($(vm_exec s1 ip -6 -o addr show dev eth0))"
wait_for 10 "s1 has the RA's default route and MTU" ra_seen s1 ||
	fail "s1: RA not applied ($(vm_exec s1 ip -6 route show default))"
wait_for 20 "d1's link-local address is ready" ll_ready d1 || die "d1 has no link-local address"
wait_for 60 "d1 gets a DHCPv6 lease" dhclient6_run d1 || die "dhclient -6 got no lease"
lease_is d1 new_ip6_address "$dip1"
lease_is d1 new_dhcp6_name_servers 2001:db8::53
wait_for 10 "d1 has $dip1" has_addr6 d1 "$dip1" || fail "d1: no address $dip1"
wait_for 10 "d1 has the RA's default route" ra_seen d1 || fail "d1: RA not applied"
expect_ping s1 "$dip1"
expect_ping d1 "$sip1"
wait_for 20 "h1 counts its RAs" counter_at_least h1 ra_sent 1 ||
	fail "h1 counted $(host_counter h1 ra_sent) RAs, want >= 1"
wait_for 20 "h2 counts its DHCPv6 replies" counter_at_least h2 dhcp6_reply 2 ||
	fail "h2 counted $(host_counter h2 dhcp6_reply) DHCPv6 replies, want >= 2"
ok "SLAAC: s1 $sip1, default route via $RLL, MTU 1450; DHCPv6: d1 $dip1, DNS; they ping"

say "* s3 solicits no router: h2's agent advertises unsolicited"
vm6_up s3 slaac nors
wait_for 20 "s3 has $sip3 from an unsolicited RA" has_addr6 s3 "$sip3" ||
	die "s3: no address from the agent's RAs ($(vm_exec s3 ip -6 -o addr show dev eth0))"
wait_for 10 "s3 has the RA's default route and MTU" ra_seen s3 || fail "s3: RA not applied"
expect_ping s3 "$sip1"
ok "unsolicited: s3 formed $sip3 from h2's agent's RA"

say "* Every agent and the controller stop; vm3's port was configured before"
topo_agent_kill h1
topo_agent_kill h2
topo_controller_stop
# a fresh VM namespace takes vm3's interface (the host side stays attached)
topo_ns_add "$TOPO_P-vm3b"
ip netns exec "$TOPO_P-vm3b" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
ip -n "$TOPO_P-vm3" link set eth0 netns "$TOPO_P-vm3b" || die "cannot move vm3's eth0"
ip -n "$TOPO_P-vm3b" link set eth0 up
rx1=$(vm_rx_packets vm1)
rx2=$(vm_rx_packets vm2)
wait_for 30 "vm3b gets a lease with nothing but the datapath" udhcpc_run vm3b ||
	die "no lease while the agents and the controller are down"
lease_is vm3b ip 10.0.0.3
lease_is vm3b router 10.0.0.254
lease_is vm3b mtu 1450
vm_has vm3b 10.0.0.3/24 1450
[ "$(vm_rx_packets vm1)" = "$rx1" ] || fail "vm1 saw vm3b's DHCP: rx $rx1 -> $(vm_rx_packets vm1)"
[ "$(vm_rx_packets vm2)" = "$rx2" ] || fail "vm2 saw vm3b's DHCP: rx $rx2 -> $(vm_rx_packets vm2)"
expect_ping vm3b 10.0.0.1
expect_ping vm3b 10.0.0.2
ok "headless: vm3 leased 10.0.0.3 from h1's datapath and pings vm1 and vm2"

say "* Headless IPv6: s2 (SLAAC) and d2 (DHCPv6) on h1's datapath alone"
for v in s2 d2; do # fresh namespaces take the interfaces
	topo_ns_add "$TOPO_P-${v}b"
	ip -n "$TOPO_P-$v" link set eth0 netns "$TOPO_P-${v}b" || die "cannot move $v's eth0"
done
vm6_up s2b slaac
vm6_up d2b dhcp
wait_for 30 "s2b has $sip2 from the RA" has_addr6 s2b "$sip2" ||
	die "s2b: no SLAAC address while headless ($(vm_exec s2b ip -6 -o addr show dev eth0))"
wait_for 10 "s2b has the RA's default route and MTU" ra_seen s2b || fail "s2b: RA not applied"
wait_for 20 "d2b's link-local address is ready" ll_ready d2b || die "d2b has no link-local"
wait_for 60 "d2b gets a DHCPv6 lease while headless" dhclient6_run d2b ||
	die "dhclient -6 got no lease while headless"
lease_is d2b new_ip6_address "$dip2"
wait_for 10 "d2b has $dip2" has_addr6 d2b "$dip2" || fail "d2b: no address $dip2"
expect_ping s2b "$sip1"
expect_ping d2b "$dip1"
expect_ping s2b "$dip2"
ok "headless: s2 formed $sip2 from h1's RA, d2 leased $dip2; ND answered, they ping s1 and d1"

for v in vm2 d1 d2b; do
	[ -s "$D/$v.dhclient.pid" ] && kill "$(cat "$D/$v.dhclient.pid")" 2>/dev/null
done
[ "$FAILS" = 0 ] || die "$FAILS check(s) failed"
echo "e2e dhcp_headless: PASS"
