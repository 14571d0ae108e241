#!/usr/bin/env bash
# Agents given a list of controllers whose first entry is dead (an underlay
# address nobody answers on) move on to the live one, and the datapath
# works. Then the controller is killed (SIGKILL) and restarted under the
# running agents: pings keep flowing all along (the datapath does not need
# the controller), the agents go round the list until the controller is back,
# reconnect, resync, and a change made after the restart reaches them.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
DEAD_SB=tcp://$TOPO_UL_NET.253:6641
TOPO_AGENT_CONTROLLERS="$DEAD_SB,$TOPO_SB"

say "* Agents get --controller $TOPO_AGENT_CONTROLLERS (the first is dead)"
TOPO_QUIET=1 scenario_build
for h in h1 h2; do
	grep -q "moving on endpoint=$DEAD_SB" "$TOPO_DIR/agent-$h.log" ||
		die "$h did not leave the dead controller: $(cat "$TOPO_DIR/agent-$h.log")"
	grep -q "connecting endpoint=$TOPO_SB" "$TOPO_DIR/agent-$h.log" ||
		die "$h never tried the live controller"
done
say "  both agents moved past $DEAD_SB to $TOPO_SB"
expect_ping blue1 10.0.0.2
expect_ping red1 10.0.0.2

# Pings in batches of 20 until the stop file appears: every batch runs to
# its end, so none is cut off with a reply still in flight.
pinger() {
	while [ -d "$TOPO_DIR" ] && [ ! -e "$TOPO_DIR/stop-ping" ]; do
		ip netns exec "$TOPO_P-blue1" ping -n -q -c 20 -i 0.05 -W 1 10.0.0.2 \
			>>"$TOPO_DIR/ping.txt" 2>&1
	done
}
pinger &
PING_PID=$!
TOPO_PIDS+=("$PING_PID")

rev=$(tjson status | jq -er .revision) || die "no status"
moves_before=$(grep -c "moving on endpoint=$TOPO_SB" "$TOPO_DIR/agent-h1.log")
say "* SIGKILL the controller (revision $rev) while blue1 pings blue2"
topo_controller_stop KILL
wait_for 20 "h1 notices the controller is gone" sh -c \
	"[ \$(grep -c 'moving on endpoint=$TOPO_SB' '$TOPO_DIR/agent-h1.log') -gt $moves_before ]" ||
	die "h1 never left the dead controller"
say "  h1 noticed and goes round its list"

say "* Restart the controller on the same data directory"
topo_controller_restart
for h in h1 h2; do
	wait_for 30 "$h reconnected" topo_host_connected "$h" || die "$h did not reconnect"
done
say "  both agents reconnected"

say "* A change after the restart: VM blue3 on h1 (10.0.0.3), waiting for every host"
TOPO_QUIET=1 scenario_vm blue3 blue h1 10.0.0.3 --wait
rev2=$(tjson status | jq -er .revision) || die "no status"
[ "$rev2" -gt "$rev" ] || die "revision did not move: $rev -> $rev2"
for h in h1 h2; do
	hrev=$(tjson host show "$h" | jq -r .applied_revision)
	[ "$hrev" = "$rev2" ] || die "$h applied $hrev, want $rev2"
done
say "  both agents resynced to revision $rev2"
expect_ping blue2 10.0.0.3

touch "$TOPO_DIR/stop-ping"
wait "$PING_PID"
sent=$(awk '/packets transmitted/ { s += $1 } END { print s + 0 }' "$TOPO_DIR/ping.txt")
got=$(awk '/packets transmitted/ { r += $4 } END { print r + 0 }' "$TOPO_DIR/ping.txt")
[ "$sent" -ge 100 ] || die "too few pings sent across the restart: $sent"
[ "$sent" = "$got" ] || die "pings lost across the controller restart: $got of $sent: $(cat "$TOPO_DIR/ping.txt")"
say "  $got of $sent pings answered while the controller was killed and restarted"
echo "e2e agent failover: PASS"
