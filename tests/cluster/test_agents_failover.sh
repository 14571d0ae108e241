#!/usr/bin/env bash
# Agents during a leader failure. Three controllers (namespaces c1..c3 on
# the underlay, c1 at the usual controller address), hosts h1 and h2 whose
# agents know all three (--controller list, one CURVE key each) and the demo
# VMs. Leadership is moved to c1, the node the agents talk to first, and c1
# is SIGKILLed while blue1 pings blue2: no ping may be lost (the datapath
# does not depend on the controllers); a new leader is elected; a VM added
# afterwards through the new leader is reachable, so both agents reached
# the new revision from a surviving node.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/topo.sh"
. "$top/scripts/lib/scenario.sh"

topo_init "${1:-$top/build}"
TOPO_QUIET=1
CL_IPS=("" "$TOPO_CTL_IP" "$TOPO_UL_NET.252" "$TOPO_UL_NET.253")
CL_NS=("" "$TOPO_P-ctl" "$TOPO_P-c2" "$TOPO_P-c3")
CL_DIRS=("" "$TOPO_DIR/ctl" "$TOPO_DIR/c2" "$TOPO_DIR/c3")
CL_PIDS=()
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOPO_DIR/cluster.key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOPO_DIR/token"
PEERS=""
for i in 1 2 3; do PEERS="$PEERS${PEERS:+,}$i@${CL_IPS[$i]}:7000/${CL_IPS[$i]}:8080"; done

cl_start() {
	local i=$1
	ip netns exec "${CL_NS[$i]}" "$CTL_BIN" --data "${CL_DIRS[$i]}" --api "${CL_IPS[$i]}:8080" \
		--insecure-http --southbound "tcp://${CL_IPS[$i]}:6641" --id "$i" --raft "${CL_IPS[$i]}:7000" \
		--peers "$PEERS" --cluster-key "$TOPO_DIR/cluster.key" \
		--admin-token "$TOPO_DIR/token" >>"$TOPO_DIR/controller-$i.log" 2>&1 &
	CL_PIDS[$i]=$!
	TOPO_PIDS+=($!)
}
# cl_state I: node I's Raft state as seen from c1's namespace.
cl_state() {
	ip netns exec "$TOPO_P-ctl" curl -s --max-time 2 -H "Authorization: Bearer $(cat "$TOPO_DIR/token")" \
		"http://${CL_IPS[$1]}:8080/v1/cluster" | jq -r .state
}
cl_leader_among() {
	local i
	for i in "$@"; do [ "$(cl_state "$i")" = leader ] && { echo "$i"; return 0; }; done
	return 1
}

topo_underlay
topo_ns_add "$TOPO_P-ctl"
topo_plug "$TOPO_P-ctl" eth0 "${CL_IPS[1]}"
for i in 2 3; do
	topo_ns_add "${CL_NS[$i]}"
	topo_plug "${CL_NS[$i]}" eth0 "${CL_IPS[$i]}"
done
for i in 1 2 3; do cl_start "$i"; done
wait_for 30 "controllers ready" test -s "$TOPO_DIR/ctl/admin.token" || topo_dump_logs || exit 1
wait_for 30 "a leader" cl_leader_among 1 2 3 || topo_dump_logs || exit 1
if [ "$(cl_state 1)" != leader ]; then
	tctl cluster transfer 1 >/dev/null || die "cannot move leadership to c1"
fi
wait_for 20 "c1 leads" sh -c "[ \"\$(ip netns exec $TOPO_P-ctl curl -s -H 'Authorization: Bearer $(cat "$TOPO_DIR/token")' http://${CL_IPS[1]}:8080/v1/cluster | jq -r .state)\" = leader ]" ||
	die "c1 did not become leader"
TOPO_AGENT_CONTROLLERS=""
for i in 1 2 3; do
	TOPO_AGENT_CONTROLLERS="$TOPO_AGENT_CONTROLLERS${TOPO_AGENT_CONTROLLERS:+,}tcp://${CL_IPS[$i]}:6641@$(cat "${CL_DIRS[$i]}/server.pub")"
done
export TOPO_AGENT_CONTROLLERS
topo_host h1 1
topo_host h2 2
scenario_tenant blue
scenario_tenant red
scenario_vm blue1 blue h1 10.0.0.1
scenario_vm blue2 blue h2 10.0.0.2
scenario_vm red1 red h1 10.0.0.1
scenario_vm red2 red h2 10.0.0.2
expect_ping blue1 10.0.0.2
expect_ping red1 10.0.0.2
echo "cluster of 3 up, c1 leads, agents connected, blue1 <-> blue2 pings"

vm_exec blue1 ping -n -q -c 120 -i 0.05 -W 1 10.0.0.2 >"$TOPO_DIR/ping.txt" 2>&1 &
PING=$!
T0=$(date +%s%N)
kill -KILL "${CL_PIDS[1]}"
wait "${CL_PIDS[1]}" 2>/dev/null
wait_for 30 "new leader" cl_leader_among 2 3 || die "no new leader"
NL=$(cl_leader_among 2 3)
T1=$(date +%s%N)
echo "c1 (leader) SIGKILLed; c$NL leads after $(((T1 - T0) / 1000000)) ms"
TOPO_API=http://${CL_IPS[$NL]}:8080
scenario_vm blue3 blue h2 10.0.0.3
REV=$(tjson status | jq -r .revision)
expect_ping blue1 10.0.0.3
T2=$(date +%s%N)
echo "blue3 (revision $REV, written through c$NL) reachable from blue1 $(((T2 - T0) / 1000000)) ms after the kill"
wait "$PING"
grep -q ' 0% packet loss' "$TOPO_DIR/ping.txt" || die "pings lost during the failover: $(cat "$TOPO_DIR/ping.txt")"
echo "120 of 120 pings answered across the failover"
expect_no_ping red1 10.0.0.3
# every node serves the same store identity: moving between nodes never
# made an agent reset its revision
for h in h1 h2; do
	grep -q "controller serves another store" "$TOPO_DIR/agent-$h.log" &&
		die "$h saw two store identities in one cluster"
	grep -Eq "^[0-9]+ [0-9a-f]{32}\$" "$TOPO_DIR/state/$h.rev" ||
		die "$h.rev has no store identity: $(cat "$TOPO_DIR/state/$h.rev")"
done
echo "cluster agents failover: PASS"
