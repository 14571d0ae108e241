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
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/topo.sh"
. "$top/scripts/lib/scenario.sh"

topo_init "${1:-$top/build}"
TOPO_QUIET=1
CL_IPS=("" "$TOPO_CTL_IP" "$TOPO_UL_NET.252" "$TOPO_UL_NET.253")
CL_NS=("" "$TOPO_P-ctl" "$TOPO_P-c2" "$TOPO_P-c3")
CL_DIRS=("" "$TOPO_DIR/ctl" "$TOPO_DIR/c2" "$TOPO_DIR/c3")
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOPO_DIR/cluster.key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOPO_DIR/token"
TOKEN=$(cat "$TOPO_DIR/token")
PEERS=""
for i in 1 2 3; do PEERS="$PEERS${PEERS:+,}$i@${CL_IPS[$i]}:7000/${CL_IPS[$i]}:8080"; done

cl_start() {
	local i=$1
	ip netns exec "${CL_NS[$i]}" "$CTL_BIN" --data "${CL_DIRS[$i]}" --api "${CL_IPS[$i]}:8080" \
		--insecure-http --southbound "tcp://${CL_IPS[$i]}:6641" --id "$i" --raft "${CL_IPS[$i]}:7000" \
		--peers "$PEERS" --cluster-key "$TOPO_DIR/cluster.key" \
		--admin-token "$TOPO_DIR/token" >>"$TOPO_DIR/controller-$i.log" 2>&1 &
	TOPO_PIDS+=($!)
}
# cl_get I PATH: GET on node I's API (from c1's namespace, on the underlay).
cl_get() {
	ip netns exec "$TOPO_P-ctl" curl -s --max-time 3 -H "Authorization: Bearer $TOKEN" \
		"http://${CL_IPS[$1]}:8080$2"
}
cl_leader_among() {
	local i
	for i in "$@"; do
		[ "$(cl_get "$i" /v1/cluster | jq -r .state)" = leader ] && { echo "$i"; return 0; }
	done
	return 1
}
# cl_session I HOST: HOST has a live session with node I itself.
cl_session() { [ "$(cl_get "$1" /v1/internal/southbound | jq -r ".hosts.\"$2\".connected")" = true ]; }
# cl_host_state I HOST: HOST's state as node I answers it (merged view).
cl_host_state() { cl_get "$1" "/v1/hosts/$2" | jq -r .state; }
cl_all_say() {
	local want=$1 h=$2 i
	for i in 1 2 3; do [ "$(cl_host_state "$i" "$h")" = "$want" ] || return 1; done
}
# agents_of FIRST...: the --controller list in that order
agents_of() {
	local out="" i
	for i in "$@"; do
		out="$out${out:+,}tcp://${CL_IPS[$i]}:6641@$(cat "${CL_DIRS[$i]}/server.pub")"
	done
	echo "$out"
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
wait_for 30 "a leader" cl_leader_among 1 2 3 >/dev/null || topo_dump_logs || exit 1
TOPO_API=http://${CL_IPS[3]}:8080 # tenetctl talks to c3 only
TOPO_AGENT_CONTROLLERS=$(agents_of 1 2 3) topo_host h1 1
TOPO_AGENT_CONTROLLERS=$(agents_of 2 3 1) topo_host h2 2
wait_for 20 "h1 in session with c1" cl_session 1 h1 || die "h1 not connected to c1"
wait_for 20 "h2 in session with c2" cl_session 2 h2 || die "h2 not connected to c2"
cl_session 3 h1 && die "h1 unexpectedly connected to c3"
cl_session 3 h2 && die "h2 unexpectedly connected to c3"
echo "h1 in session with c1, h2 with c2, tenetctl on c3"

for h in h1 h2; do
	wait_for 10 "every node says $h connected" cl_all_say connected "$h" ||
		die "$h not connected on every node: $(for i in 1 2 3; do cl_host_state "$i" "$h"; done)"
done
echo "host show on c1, c2 and c3: h1 and h2 connected"

scenario_tenant blue
scenario_vm blue1 blue h1 10.0.0.1
scenario_vm blue2 blue h2 10.0.0.2 --wait
REV=$(tjson status | jq -r .revision)
for i in 1 2 3; do
	for h in h1 h2; do
		a=$(cl_get "$i" "/v1/hosts/$h" | jq -r .applied_revision)
		[ "$a" -ge "$REV" ] || die "c$i says $h applied $a < $REV after --wait returned"
	done
done
expect_ping blue1 10.0.0.2
echo "tenetctl --wait through c3 returned 0 once h1 (c1) and h2 (c2) applied revision $REV"

topo_agent_kill h2 KILL
wait_for 15 "every node says h2 disconnected" cl_all_say disconnected h2 ||
	die "h2 still connected somewhere after its agent was killed"
rc=0
out=$(tctl --timeout 3 --wait port create network_id="$SC_NET_blue" name=blue3 \
	fixed_ip="$SC_SUBNET_blue,10.0.0.3" binding_host=h1 binding_interface=blue3 2>&1) || rc=$?
[ "$rc" = 3 ] || die "--wait with h2 down exited $rc, want 3: $out"
echo "$out" | grep -q "pending hosts: h2$" || die "--wait did not name exactly h2 pending: $out"
echo "h2's agent killed: tenetctl --wait through c3 exits 3, pending: h2"
echo "cluster realise: PASS"
