#!/usr/bin/env bash
# An agent killed with SIGKILL leaves its datapath forwarding (pinned maps,
# persistent attachments): pings keep flowing while it is down. A change made
# while it is away reaches it when it comes back: it resyncs to the current
# revision and the new port is reachable.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
TOPO_QUIET=1 scenario_build
expect_ping blue1 10.0.0.2

say "* SIGKILL both agents; the datapath must keep forwarding"
topo_agent_kill h1 KILL
topo_agent_kill h2 KILL
vm_exec blue1 ping -n -q -c 30 -i 0.05 -W 1 10.0.0.2 >"$TOPO_DIR/ping.txt" 2>&1 ||
	die "pings lost while the agents were down: $(cat "$TOPO_DIR/ping.txt")"
grep -q ' 0% packet loss' "$TOPO_DIR/ping.txt" || die "loss while agents down: $(cat "$TOPO_DIR/ping.txt")"
say "  30 of 30 pings answered with both agents dead"

say "* While h1's agent is away: a new VM blue3 on h2 (10.0.0.3)"
topo_agent_start h2
TOPO_QUIET=1 scenario_vm blue3 blue h2 10.0.0.3
rev=$(tjson status | jq -er .revision)
# The realisation barrier must name h1 (its rows changed, it cannot ack).
tctl --timeout 2 wait "$rev" >"$TOPO_DIR/wait.txt" 2>&1
wrc=$?
[ "$wrc" = 3 ] || die "wait for $rev while h1 is down: exit $wrc, want 3: $(cat "$TOPO_DIR/wait.txt")"
grep -q h1 "$TOPO_DIR/wait.txt" || die "wait did not name h1: $(cat "$TOPO_DIR/wait.txt")"
grep -q h2 "$TOPO_DIR/wait.txt" && die "wait named h2, which is up: $(cat "$TOPO_DIR/wait.txt")"
h1rev=$(tjson host show h1 | jq -r .applied_revision)
[ "$h1rev" != "$rev" ] || die "h1 cannot have applied $rev while its agent is down"

say "* Restart h1's agent: it must resync to revision $rev"
topo_agent_start h1
wait_for 15 "h1 applied revision $rev" sh -c \
	"[ \"\$(ip netns exec $TOPO_P-ctl $CLI_BIN --api $TOPO_API --token-file $TOPO_TOKEN_FILE -o json host show h1 | jq -r .applied_revision)\" = $rev ]" ||
	die "h1 did not resync to $rev"
expect_ping blue1 10.0.0.3
expect_ping blue1 10.0.0.2
echo "e2e agent restart: PASS"
