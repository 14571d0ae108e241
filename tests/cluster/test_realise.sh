#!/usr/bin/env bash
# The realisation barrier and host status across a cluster. Three
# controllers (namespaces c1..c3 on the underlay); host h1's agent talks to
# c1 first, h2's to c2 first, and tenetctl talks to c3, which has no agent:
# - a port write with `tenetctl --wait` through c3 returns 0 once both hosts
#   applied it (c3 merges the acks c1 and c2 hold),
# - `host show` on every node says both hosts are connected,
# - with h2's agent killed, a write that changes h2's rows makes --wait
#   fail with exit 3 naming h2 (and only h2) as pending.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
TOPO_QUIET=1
# has_session I HOST: HOST has a live session with node I itself.
has_session() { [ "$(tc_get "$1" /v1/internal/southbound | jq -r ".hosts.\"$2\".connected")" = true ]; }
# host_state I HOST: HOST's state as node I answers it (merged view).
host_state() { tc_get "$1" "/v1/hosts/$2" | jq -r .state; }
all_say() {
	local want=$1 h=$2 i
	for i in 1 2 3; do [ "$(host_state "$i" "$h")" = "$want" ] || return 1; done
}
tc_init
TOPO_API=http://${TC_IPS[3]}:8080 # tenetctl talks to c3 only
TOPO_AGENT_CONTROLLERS=$(tc_agents_of 1 2 3) topo_host h1 1
TOPO_AGENT_CONTROLLERS=$(tc_agents_of 2 3 1) topo_host h2 2
wait_for 20 "h1 in session with c1" has_session 1 h1 || die "h1 not connected to c1"
wait_for 20 "h2 in session with c2" has_session 2 h2 || die "h2 not connected to c2"
has_session 3 h1 && die "h1 unexpectedly connected to c3"
has_session 3 h2 && die "h2 unexpectedly connected to c3"
echo "h1 in session with c1, h2 with c2, tenetctl on c3"

for h in h1 h2; do
	wait_for 10 "every node says $h connected" all_say connected "$h" ||
		die "$h not connected on every node: $(for i in 1 2 3; do host_state "$i" "$h"; done)"
done
echo "host show on c1, c2 and c3: h1 and h2 connected"

scenario_tenant blue
scenario_vm blue1 blue h1 10.0.0.1
scenario_vm blue2 blue h2 10.0.0.2 --wait
REV=$(tjson status | jq -r .revision)
for i in 1 2 3; do
	for h in h1 h2; do
		a=$(tc_get "$i" "/v1/hosts/$h" | jq -r .applied_revision)
		[ "$a" -ge "$REV" ] || die "c$i says $h applied $a < $REV after --wait returned"
	done
done
expect_ping blue1 10.0.0.2
echo "tenetctl --wait through c3 returned 0 once h1 (c1) and h2 (c2) applied revision $REV"

topo_agent_kill h2 KILL
wait_for 15 "every node says h2 disconnected" all_say disconnected h2 ||
	die "h2 still connected somewhere after its agent was killed"
rc=0
out=$(tctl --timeout 3 --wait port create network_id="$SC_NET_blue" name=blue3 \
	fixed_ip="$SC_SUBNET_blue,10.0.0.3" binding_host=h1 binding_interface=blue3 2>&1) || rc=$?
[ "$rc" = 3 ] || die "--wait with h2 down exited $rc, want 3: $out"
echo "$out" | grep -q "pending hosts: h2$" || die "--wait did not name exactly h2 pending: $out"
echo "h2's agent killed: tenetctl --wait through c3 exits 3, pending: h2"
echo "cluster realise: PASS"
