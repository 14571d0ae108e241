/* applier.h - applies SNAPSHOTs and DELTAs to the datapath maps.
 *
 * The applier writes compiled rows into the (pinned) maps and derives what
 * only the host knows: FDB.ifindex of local rows, FLOOD.local_ifindex[], and
 * the whole tn_ifindex map, from the ifname in LPORT rows and the interfaces
 * that exist; and each resolved port's counter slot (tn_port_stats index),
 * written into tn_ifindex, local FDB rows and FLOOD.local_slot[]. A port
 * keeps its slot while its interface (ifindex) stays; a restarted agent takes
 * the slots back from the pinned tn_ifindex; a slot given to a port afresh
 * has its counters zeroed. It keeps the compiled LPORT, local FDB and FLOOD
 * rows in memory, indexed by port and by interface name, so derived fields
 * can be recomputed when links change, and the applied revision, with the
 * identity of the controller store it is from, in a state file
 * (<state-dir>/<host>.rev: "REV[ STORE_ID]") so a restarted agent reports
 * its real revision.
 *
 * Cost: a DELTA costs the map writes of its rows, plus, for each port whose
 * LPORT row it changes, that port's tn_ifindex entry and (when its
 * interface or slot changes) the tracked rows that name it; a link event
 * costs the same for the ports bound to that interface name. Nothing is
 * proportional to the number of ports. A SNAPSHOT reconciles each map in
 * place: every row is upserted, then keys absent from the snapshot are
 * deleted (tn_ifindex too), so it costs the size of the maps. Single
 * threaded: call everything from the agent's loop thread.
 */
#ifndef TENET_AGENT_APPLIER_H
#define TENET_AGENT_APPLIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "tenet_abi.h"
#include "wire.h"

struct applier;

/* Map file descriptors, indexed by enum tn_map_id; -1 for maps the applier
 * must not touch. The maps it writes (tn_map_applied: compiled and derived)
 * are required; PORT_STATS
 * (the per-CPU array of port counters) is optional: a slot's counters are
 * zeroed in it when the slot is given out. Borrowed. */
struct applier_maps {
	int fd[TN_MAP_MAX]; /* fd[TN_MAP_*]; fd[0] unused */
};

/* Callbacks into the rest of the agent. */
struct applier_ops {
	/* Returns the current ifindex of interface ifname, 0 if absent. NULL
	 * means if_nametoindex(). */
	uint32_t (*resolve)(void *arg, const char *ifname);
	/* Called when bound port port_id's interface changed: ifindex is the
	 * new index (0 = interface gone or port unbound). May be NULL. */
	void (*port_changed)(void *arg, uint32_t port_id, const char *ifname, uint32_t ifindex);
	void *arg; /* passed to both */
};

/* One bound port, as seen by applier_port_foreach. */
struct applier_port {
	uint32_t port_id; /* tn_lport_key.port_id */
	char ifname[16];  /* host-side interface name, NUL-terminated */
	uint32_t ifindex; /* its current ifindex, 0 if absent */
	uint32_t slot;	  /* its tn_port_stats slot, 0 when ifindex is 0 (or none free) */
};

/* Creates an applier on maps. rev_path is the revision state file (NULL: no
 * persistence); its revision is loaded when load_rev (a fresh datapath must
 * start from 0: pass false). The in-memory rows are rebuilt from the maps'
 * current contents, so a restarted agent recomputes derived fields. Returns
 * NULL on failure (logged). */
struct applier *applier_new(const struct applier_maps *maps, const char *rev_path, bool load_rev,
			    const struct applier_ops *ops);

/* Frees a; the maps are left as they are. Takes NULL; sets *ap to NULL. */
void applier_destroy(struct applier **ap);

/* Applied revision (0 = none). */
uint64_t applier_rev(const struct applier *a);

/* Identity of the controller store the applied revision is from (see
 * wire.h), "" if unknown; kept with the revision in the state file. Owned
 * by a, valid until the next applier_reset. "" for NULL. */
const char *applier_store_id(const struct applier *a);

/* The controller's store is another one than store_id's (data reset, new
 * cluster): its revisions say nothing about ours. Sets the revision to 0
 * and the identity to store_id (a valid identity or ""), and saves both;
 * the maps are left as they are, for the next SNAPSHOT to reconcile in
 * place. Returns 0, -EINVAL, or -errno of the state file (the revision is
 * 0 in memory all the same). */
int applier_reset(struct applier *a, const char *store_id);

/* Reconciles every compiled map (and tn_ifindex) to exactly rows[0..n) and
 * sets the revision to rev. Returns 0 when the maps hold rev and the state
 * file records it; -EINVAL for a row of a map that is not compiled or has
 * the wrong sizes (nothing is written then); -errno of a map write (the
 * revision is not changed; a later snapshot repairs); or -errno of the
 * state file: the maps and applier_rev() are at rev, but a restart would
 * not know it, so the caller must not acknowledge rev (the next update
 * that records its revision acknowledges both). */
int applier_snapshot(struct applier *a, uint64_t rev, const struct wire_row *rows, size_t n);

/* applier_snapshot of rows in place (wire_decode_refs): the same, without
 * a copy of the rows. */
int applier_snapshot_refs(struct applier *a, uint64_t rev, const struct wire_rowref *rows,
			  size_t n);

/* Applies rows on top of revision from, bringing the maps to revision to.
 * Returns 0, -ESTALE if from is not the applied revision (nothing written:
 * the caller asks for a snapshot), -EINVAL for an invalid row (nothing
 * written), -errno of a map write, or -errno of the state file (applied,
 * applier_rev() is to, but not recorded: do not acknowledge to; see
 * applier_snapshot). */
int applier_delta(struct applier *a, uint64_t from, uint64_t to, const struct wire_row *rows,
		  size_t n);

/* applier_delta of rows in place (wire_decode_refs). */
int applier_delta_refs(struct applier *a, uint64_t from, uint64_t to,
		       const struct wire_rowref *rows, size_t n);

/* Re-resolves every bound port's interface, rewrites the derived fields
 * that changed, calls port_changed for each port whose ifindex changed,
 * and deletes tn_ifindex entries no bound port owns. Costs every port:
 * call it once at start; link events go to applier_links_changed. Returns
 * 0 or -errno of a map write. */
int applier_refresh_links(struct applier *a);

/* Interfaces names[0..n) appeared, disappeared, were renamed or changed
 * index: re-resolves the ports bound to those names only, with the same
 * effects as applier_refresh_links for them (no pruning). Returns 0,
 * -EINVAL, -ENOMEM or -errno of a map write. */
int applier_links_changed(struct applier *a, const char *const *names, size_t n);

/* Calls fn for every bound port in port_id order (sorts them: O(ports log
 * ports), for status reports). */
void applier_port_foreach(const struct applier *a,
			  void (*fn)(void *arg, const struct applier_port *port), void *arg);

/* Rows applied and map write failures since creation. */
void applier_get_stats(const struct applier *a, uint64_t *rows_applied, uint64_t *write_errors);

/* State file writes that failed since creation (each logged). */
uint64_t applier_rev_save_errors(const struct applier *a);

#endif
