#!/usr/bin/env bash
# A controller whose data is reset (store and Raft state wiped, its key kept)
# starts a new store: revisions count from 0 again, under another store
# identity. The agents, whose saved revision is far ahead of it, are neither
# left waiting for it to "catch up" nor kept on the old tenants' rows: they
# reset their revision, take the new store's SNAPSHOT (once their hosts are
# enrolled again) and their maps lose everything the new store lacks.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
TOPO_QUIET=1 scenario_build
expect_ping blue1 10.0.0.2
old=$(tjson status | jq -er .revision) || die "no status"

say "* Reset the controller's data (revision $old): key kept, store and Raft state wiped"
topo_controller_stop
rm -rf "$TOPO_DIR/ctl/data.mdb" "$TOPO_DIR/ctl/lock.mdb" "$TOPO_DIR/ctl/raft"
topo_controller_restart
for n in 1 2; do
	pub=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$TOPO_DIR/h$n.key")
	tctl host create name="h$n" public_key="$pub" underlay_ip="$TOPO_UL_NET.$n" >/dev/null ||
		die "cannot enrol h$n again"
done
new=$(tjson status | jq -er .revision) || die "no status"
[ "$new" -lt "$old" ] || die "the new store is at $new, not below $old"
say "  new store at revision $new; the agents were at $old"

for h in h1 h2; do
	wait_for 30 "$h applied revision $new of the new store" sh -c \
		"[ \"\$(ip netns exec $TOPO_P-ctl $CLI_BIN --api $TOPO_API --token-file $TOPO_TOKEN_FILE -o json host show $h | jq -r .applied_revision)\" = $new ]" ||
		{ topo_dump_logs; die "$h was not resynchronised to the new store"; }
	grep -q "controller serves another store" "$TOPO_DIR/agent-$h.log" ||
		die "$h did not say why it reset its revision"
	grep -Eq "^$new [0-9a-f]{32}\$" "$TOPO_DIR/state/$h.rev" ||
		die "$h.rev holds '$(cat "$TOPO_DIR/state/$h.rev")', want '$new <store id>'"
done
say "  both agents reset their revision and applied the new store's snapshot"
expect_no_ping blue1 10.0.0.2
expect_no_ping red1 10.0.0.2
echo "e2e controller reset: PASS"
