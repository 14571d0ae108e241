/* migrate_drain.h - host drain, for the migration driver (migrate_driver.h).
 *
 * A host's "drain" member (written by the API and by this pass, through
 * Raft) is {state: "draining" | "drained", activate, started_at,
 * ports_total, ports_moved, ports_failed, reason}. Each pass (leader, about
 * once a second) starts a migration (generation + 1, the drain's activate
 * flag, the default timeout and grace) for every port still bound to a
 * draining host and not yet tried since started_at, to the live undrained
 * host with the fewest bound ports (at most MIGRATE_DRAIN_INFLIGHT under
 * way per host), counts the migrations it started that are done (moved)
 * or rolled back (failed), and writes the progress when it changed; with
 * nothing left to start or wait for the state becomes "drained". Main
 * thread only.
 */
#ifndef TENET_MIGRATE_DRAIN_H
#define TENET_MIGRATE_DRAIN_H

#include "migrate_driver.h"

#define MIGRATE_DRAIN_INFLIGHT 8 /* migrations under way per draining host */

/* One pass over every draining host of store. */
void migrate_drain_pass(struct store *store, const struct migrate_ops *ops, void *arg);

#endif
