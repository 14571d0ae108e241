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
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
TOPO_QUIET=1
tc_init
if [ "$(tc_state 1)" != leader ]; then
	tctl cluster transfer 1 >/dev/null || die "cannot move leadership to c1"
fi
c1_leads() { [ "$(tc_state 1)" = leader ]; }
wait_for 20 "c1 leads" c1_leads || die "c1 did not become leader"
TOPO_AGENT_CONTROLLERS=$(tc_agents_of 1 2 3)
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
kill -KILL "${TC_PIDS[1]}"
wait "${TC_PIDS[1]}" 2>/dev/null
wait_for 30 "new leader" tc_leader_among 2 3 || die "no new leader"
NL=$(tc_leader_among 2 3)
T1=$(date +%s%N)
echo "c1 (leader) SIGKILLed; c$NL leads after $(((T1 - T0) / 1000000)) ms"
TOPO_API=http://${TC_IPS[$NL]}:8080
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
