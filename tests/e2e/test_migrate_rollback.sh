#!/usr/bin/env bash
# test_migrate_rollback.sh BUILD_DIR - migrations that must not complete,
# and one that must complete exactly once across a leader failure. Three
# controllers (c1 leads, the agents know all three), hosts h1..h3, vm1 on
# h1 and vm2 on h2:
#  - a migration whose workload never moves and never sends rolls back
#    after its timeout ("not activated in time"); vm2 still works on h2;
#  - a migration to a host whose agent is stopped is refused (409
#    host_down) and writes nothing;
#  - the leader is killed while a migration is in standby: the new leader
#    completes it (explicit activation, then done after the grace window)
#    with one generation, and the log shows each step once;
#  - the source's and the destination's agents talk to a follower only: the
#    leader learns the destination's readiness and its datapath's activation
#    through the follower, and the migration completes once (four steps); the
#    hosts' announced capabilities show in the leader's host view.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need jq curl
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
topo_host h3 3
scenario_tenant blue
scenario_vm vm1 blue h1 10.0.0.1
scenario_vm vm2 blue h2 10.0.0.2 --wait
expect_ping vm1 10.0.0.2

mig() { tjson port show vm2 | jq -r ".migration.$1 // \"\""; }
phase_is() { [ "$(mig phase)" = "$1" ]; }

# 1. never activated: rolled back after its timeout, still on h2
tctl port migrate vm2 --to h3 --timeout 1500 >/dev/null || die "migration refused"
gen1=$(mig generation)
wait_for 20 "rolled back" phase_is rolled-back || die "no rollback ($(mig phase))"
[ "$(mig reason)" = "not activated in time" ] || fail "reason: $(mig reason)"
[ "$(tjson port show vm2 | jq -r .binding.host)" = h2 ] || fail "vm2 left h2"
expect_ping vm1 10.0.0.2
ok "a migration that never activates rolls back (generation $gen1); vm2 still answers on h2"

# 2. a dead target is refused, nothing written
topo_agent_kill h3
h3_down() { [ "$(tjson host show h3 | jq -r .state)" = disconnected ]; }
wait_for 30 "h3 seen down" h3_down || die "h3 still connected"
rev=$(tjson status | jq -r .revision)
if tctl port migrate vm2 --to h3 2>"$TOPO_DIR/refused.txt" >/dev/null; then
	fail "a migration to a dead host was accepted"
fi
grep -q "down" "$TOPO_DIR/refused.txt" || fail "refusal without reason: $(cat "$TOPO_DIR/refused.txt")"
[ "$(tjson status | jq -r .revision)" = "$rev" ] || fail "the refusal wrote something"
if tctl port migrate vm2 --to nohost 2>/dev/null >/dev/null; then
	fail "a migration to an unknown host was accepted"
fi
if tctl port migrate vm2 --to h2 2>/dev/null >/dev/null; then
	fail "a migration to the port's own host was accepted"
fi
ok "migrations to a dead, an unknown and the same host are refused"
topo_agent_start h3

# 3. the leader dies in standby; the new one completes it exactly once
tctl port migrate vm2 --to h3 --timeout 60000 --grace 500 >/dev/null || die "migration refused"
gen=$(mig generation)
[ "$gen" = $((gen1 + 1)) ] || fail "generation $gen after $gen1"
wait_for 20 "standby" phase_is standby || die "no standby ($(mig phase))"
since=$(tjson status | jq -r .revision)
kill -KILL "${TC_PIDS[1]}"
wait "${TC_PIDS[1]}" 2>/dev/null
wait_for 30 "new leader" tc_leader_among 2 3 || die "no new leader"
NL=$(tc_leader_among 2 3)
TOPO_API=http://${TC_IPS[$NL]}:8080
ok "c1 killed in standby; c$NL leads"
phase_is standby || fail "the new leader sees $(mig phase), not standby"
tctl port migrate-activate vm2 >/dev/null || die "activation refused"
wait_for 20 "done" phase_is done || die "not completed ($(mig phase))"
[ "$(mig generation)" = "$gen" ] || fail "generation changed: $gen -> $(mig generation)"
[ "$(tjson port show vm2 | jq -r .binding.host)" = h3 ] || fail "vm2 is not bound to h3"
pid=$(tjson port show vm2 | jq -r .id)
steps=$(tc_get "$NL" "/v1/changes?since=$since" |
	jq "[.changes[] | select(.op == \"migrate\" and .id == \"$pid\")] | length")
[ "$steps" = 2 ] || fail "expected 2 migration steps after the kill (active-both, done), saw $steps"
ok "the new leader completed generation $gen once ($steps steps)"

# 4. the agents of both ends on the follower: vm2 goes back h3 -> h2 (its
# veth never left h2, so its first packet there activates the port)
F=$((5 - NL))
t4=$SECONDS
topo_agent_kill h2
topo_agent_kill h3
TOPO_AGENT_CONTROLLERS=$(tc_agents_of "$F") topo_agent_start h2
TOPO_AGENT_CONTROLLERS=$(tc_agents_of "$F") topo_agent_start h3
on_f() {
	tc_get "$F" /v1/internal/southbound |
		jq -e '.hosts.h2.connected and .hosts.h3.connected' >/dev/null
}
wait_for 20 "h2 and h3 on c$F" on_f || die "h2 and h3 did not connect to c$F"
abi=$(tjson host show h2 | jq -r '.capabilities.abi_version // ""')
[ -n "$abi" ] && [ "$abi" -ge 10 ] || fail "the leader does not show h2's capabilities"
since=$(tjson status | jq -r .revision)
tctl port migrate vm2 --to h2 --timeout 20000 --grace 300 >/dev/null ||
	die "migration with the agents on c$F refused"
gen4=$(mig generation)
past_pending() { ! phase_is pending; }
wait_for 15 "standby through c$F" past_pending || die "no standby ($(mig phase))"
phase_is rolled-back && die "rolled back: $(mig reason)"
active_or_done() {
	vm_exec vm2 ping -n -q -c 1 -W 1 10.0.0.1 >/dev/null 2>&1
	phase_is active-both || phase_is done
}
wait_for 15 "activated through c$F" active_or_done || die "not activated ($(mig phase))"
wait_for 10 "done" phase_is done || die "not completed ($(mig phase))"
[ "$(mig generation)" = "$gen4" ] || fail "generation changed: $gen4 -> $(mig generation)"
[ "$(tjson port show vm2 | jq -r .binding.host)" = h2 ] || fail "vm2 is not bound to h2"
steps=$(tc_get "$NL" "/v1/changes?since=$since" |
	jq "[.changes[] | select(.op == \"migrate\" and .id == \"$pid\")] | length")
[ "$steps" = 4 ] || fail "expected 4 migration steps (pending, standby, active-both, done), saw $steps"
grep -q "migration fact passed to the leader.*fact=active" "$TOPO_DIR/controller-$F.log" ||
	fail "c$F passed no activation to the leader"
expect_ping vm1 10.0.0.2
ok "agents on follower c$F: generation $gen4 completed once ($steps steps, $((SECONDS - t4)) s)"
[ "${FAILS:-0}" = 0 ] || die "${FAILS} check(s) failed"
echo "e2e migrate_rollback: PASS"
