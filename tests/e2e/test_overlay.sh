#!/usr/bin/env bash
# The demo's scenario as assertions: blue<->blue and red<->red across the
# VXLAN overlay between two hosts with real agents and controller, same
# addresses in both tenants, no blue packet ever reaching red; every host
# acked the current revision.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
scenario_build
scenario_check

# Broadcast arrives: blue1's ARP for an address nobody has (10.0.0.77) is
# flooded (head-end replication) to blue2 on h2, and reaches no red VM.
rx_above() { [ "$(vm_rx_packets "$1")" -gt "$2" ]; }
say "* Broadcast: blue1 asks (ARP) for 10.0.0.77, which nobody has:"
b2=$(vm_rx_packets blue2)
r1=$(vm_rx_packets red1)
r2=$(vm_rx_packets red2)
vm_exec blue1 ping -n -q -c 3 -i 0.5 -W 1 10.0.0.77 >/dev/null 2>&1 &
pinger=$!
wait_for 10 "blue2 receives blue1's broadcast" rx_above blue2 "$b2" ||
	die "blue2 never received blue1's ARP broadcast ($b2 packets)"
wait "$pinger" # every request of this ping has been sent and forwarded by now
[ "$(vm_rx_packets red1)" = "$r1" ] && [ "$(vm_rx_packets red2)" = "$r2" ] ||
	die "blue's broadcast reached red (red1 $r1 -> $(vm_rx_packets red1), red2 $r2 -> $(vm_rx_packets red2))"
say "  blue2 received it ($b2 -> $(vm_rx_packets blue2) packets), red1 and red2 nothing"

rev=$(tjson status | jq -er .revision) || die "no status"
for h in h1 h2; do
	wait_for 10 "$h applied revision $rev" \
		sh -c "[ \"\$(ip netns exec $TOPO_P-ctl $CLI_BIN --api $TOPO_API --token-file $TOPO_TOKEN_FILE -o json host show $h | jq -r .applied_revision)\" = $rev ]" ||
		die "$h did not apply revision $rev"
done
# Ports report ACTIVE once their host attached them.
for p in blue1 blue2 red1 red2; do
	wait_for 10 "port $p ACTIVE" sh -c "[ \"\$(ip netns exec $TOPO_P-ctl $CLI_BIN --api $TOPO_API --token-file $TOPO_TOKEN_FILE -o json port show $p | jq -r .status)\" = ACTIVE ]" ||
		die "port $p never reported ACTIVE"
done
echo "e2e overlay: PASS"
