# shellcheck shell=bash
# scenario.sh - the demo scenario: two tenants, blue and red, each with the
# same 10.0.0.0/24 and one VM on each of two hosts. Sourced after topo.sh.
# Functions fail (non-zero) on any unmet expectation, saying which.

# scenario_hosts [NAME:N...]: underlay, controller, hosts h1 and h2 (and
# the hosts NAME at 198.18.0.N given) with agents, started side by side.
scenario_hosts() {
	local spec more=""
	say "* Creating the underlay: a bridge in namespace $TOPO_P-ul, addresses from 198.18.0.0/24"
	topo_underlay
	say "* Starting tenet-controller (single node) at $TOPO_CTL_IP (API :8080, southbound :6641, CURVE)"
	topo_controller
	if [ $# = 0 ]; then
		say "* Enrolling host h1 (198.18.0.1) and host h2 (198.18.0.2) by public key; starting their agents"
	else
		for spec in "$@"; do more="$more, ${spec%%:*} ($TOPO_UL_NET.${spec#*:})"; done
		say "* Enrolling hosts h1 (198.18.0.1), h2 (198.18.0.2)$more by public key; starting their agents"
	fi
	topo_hosts h1:1 h2:2 "$@"
	say "  every agent connected over CURVE-encrypted ZeroMQ"
}

# scenario_tenant NAME: tenant, network and subnet 10.0.0.0/24; sets
# SC_NET_<NAME> and SC_SUBNET_<NAME>.
scenario_tenant() {
	local t=$1 tid nid sid vni
	tid=$(tjson tenant create name="$t" | jq -er .id) || die "tenant $t not created"
	nid=$(tjson network create tenant_id="$tid" name="$t-net" | jq -er .id) ||
		die "network $t-net not created"
	sid=$(tjson subnet create network_id="$nid" name="$t-subnet" cidr=10.0.0.0/24 \
		gateway_ip=10.0.0.254 | jq -er .id) || die "subnet of $t not created"
	vni=$(tjson network show "$nid" | jq -er .vni)
	say "* Tenant $t: network $t-net (VNI $vni), subnet 10.0.0.0/24"
	eval "SC_NET_$t=$nid SC_SUBNET_$t=$sid"
}

# scenario_vm NAME TENANT HOST IP [WAIT]: port bound to HOST, then the VM.
scenario_vm() {
	local name=$1 t=$2 host=$3 ip=$4 wait=${5:-} net sub mac
	net=$(eval "echo \$SC_NET_$t")
	sub=$(eval "echo \$SC_SUBNET_$t")
	mac=$(tjson $wait port create network_id="$net" name="$name" fixed_ip="$sub,$ip" \
		binding_host="$host" binding_interface="$name" | jq -er .mac_address) ||
		die "port $name not created"
	topo_vm "$name" "$host" "$mac" "$ip/24"
	eval "SC_MAC_$name=$mac"
	say "* VM $name of tenant $t on host $host: $ip, MAC $mac"
}

scenario_build() {
	scenario_hosts
	scenario_tenant blue
	scenario_tenant red
	scenario_vm blue1 blue h1 10.0.0.1
	scenario_vm blue2 blue h2 10.0.0.2
	scenario_vm red1 red h1 10.0.0.1
	scenario_vm red2 red h2 10.0.0.2 --wait
	say "  every host acked the last revision ($(tjson status | jq -r .revision))"
}

# expect_ping FROM ADDR: pings must get through (after the datapath attaches).
expect_ping() {
	wait_for 15 "$1 reaches $2" vm_ping "$1" "$2" 1 || die "$1 cannot reach $2"
	vm_ping "$1" "$2" 3 || die "$1 -> $2: pings lost"
	say "  ping $1 -> $2: 3 of 3 answered"
}

# expect_no_ping FROM ADDR: pings must all be lost.
expect_no_ping() {
	if vm_exec "$1" ping -n -q -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1; then
		die "$1 reached $2 but must not"
	fi
	say "  ping $1 -> $2: no answer, as required"
}

scenario_check() {
	local before after
	say "* Blue to blue across the overlay (h1 -> h2):"
	before=$(vm_rx_packets red2)
	expect_ping blue1 10.0.0.2
	expect_ping blue2 10.0.0.1
	after=$(vm_rx_packets red2)
	[ "$before" = "$after" ] || die "red2 received blue's traffic ($before -> $after packets)"
	say "  red2, which has the same address 10.0.0.2, saw none of it"
	say "* Red to red, same addresses, other VNI:"
	expect_ping red1 10.0.0.2
	expect_ping red2 10.0.0.1
	say "* Blue to red: blue1 is told that 10.0.0.2 is red2's MAC and tries anyway:"
	before=$(vm_rx_packets red2)
	vm_exec blue1 ip neigh replace 10.0.0.2 lladdr "$SC_MAC_red2" dev eth0 nud permanent
	expect_no_ping blue1 10.0.0.2
	after=$(vm_rx_packets red2)
	vm_exec blue1 ip neigh del 10.0.0.2 dev eth0
	[ "$before" = "$after" ] || die "red2 received packets from blue1 ($before -> $after)"
	say "  red2 received nothing: tenants are isolated"
}
