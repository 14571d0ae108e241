#!/usr/bin/env bash
# make demo: a single-node controller, two simulated hosts with agents, and
# tenants blue and red with the same 10.0.0.0/24 and one VM per host each.
# Shows blue-to-blue and red-to-red pings working and blue-to-red impossible;
# exits non-zero if any expectation fails; removes everything it made, also
# when interrupted.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/topo.sh
. "$here/lib/topo.sh"
# shellcheck source=lib/scenario.sh
. "$here/lib/scenario.sh"

topo_init "${1:-$here/../build}"
say "tenet demo: two tenants with overlapping addresses on a VXLAN overlay across two hosts"
scenario_build
scenario_check
say "* Cleaning up: agents, controller, namespaces and pinned maps are removed"
say "demo: all expectations met"
