#!/usr/bin/env bash
# DHCPv4 answered by the datapath (bpf/nf/dhcp.h): VMs on two hosts get
# their port's address with busybox udhcpc and with ISC dhclient (each run
# with its own script, lease and pid files in the test's directory; nothing
# of the root namespace is touched), with the subnet's mask, gateway as the
# default route, DNS server, the network's MTU and its host route (option
# 121), and ping each other. No DHCP packet leaves its host: the other VMs
# of the network see none of it. Then every agent and the controller are
# stopped, and a VM in a fresh namespace on a port configured before still
# gets its lease from its host's datapath and pings its peers. (The IPv4
# half of the issue's e2e.dhcp_headless: RA, SLAAC and DHCPv6 come with
# IPv6 routing.)
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
chmod +x "$D/udhcpc.sh" "$D/dhclient.sh"

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

[ -s "$D/vm2.dhclient.pid" ] && kill "$(cat "$D/vm2.dhclient.pid")" 2>/dev/null
[ "$FAILS" = 0 ] || die "$FAILS check(s) failed"
echo "e2e dhcp_headless: PASS"
