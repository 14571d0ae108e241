#!/usr/bin/env bash
# The demo's scenario as assertions: blue<->blue and red<->red across the
# VXLAN overlay between two hosts with real agents and controller, same
# addresses in both tenants, no blue packet ever reaching red; every host
# acked the current revision.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/topo.sh"
. "$top/scripts/lib/scenario.sh"
TOPO_QUIET=${TOPO_QUIET:-0}

topo_init "${1:-$top/build}"
scenario_build
scenario_check

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
