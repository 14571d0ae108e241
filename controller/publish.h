/* publish.h - what every host should hold, kept up to date from the store.
 *
 * The publishing layer between the store and the southbound sessions. It
 * keeps the topology at the store's revision (store_update_topology, from
 * the change log), recompiles the hosts a change affects (topo_delta.h,
 * one compiler a revision, compiler.h), keeps each host's rows and their
 * diff, the index of enrolled keys (who may connect, as whom), the index of
 * bound ports (with a slot for the session layer's port reports), and the
 * realisation barrier (waits: every affected host acked a revision).
 *
 * It knows nothing of sessions. What a refresh means for each host is
 * handed to the session layer through the publish_ops it passed in
 * (publish_update: the host's diff and rows, whether it is still
 * enrolled); the session layer decides what goes on the wire. Calls go one
 * way: the session layer calls this module, this module calls back only
 * through publish_ops.
 *
 * Main thread only; timers (waits) run on the event_base given.
 */
#ifndef TENET_PUBLISH_H
#define TENET_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "rowset.h"
#include "store.h"
#include "topology.h"
#include "wire.h"

struct publish;

/* A port bound to a host in the published topology. */
struct publish_port {
	char host[TOPO_HOST_MAX]; /* binding host */
	void *report;		  /* the session layer's last report on the port (malloc'd,
				   * freed with free() here when the binding changes or goes),
				   * NULL if none */
};

/* What one refresh means for one host (valid during the call only). */
struct publish_update {
	const char *host;	     /* host name */
	uint64_t rev;		     /* the revision published */
	bool enrolled;		     /* still in the topology (else: its session must end) */
	bool send;		     /* the refresh pushes (publish_refresh's send) */
	const struct wire_row *diff; /* DELTA rows from its previous rows, sorted */
	size_t n_diff;		     /* entries of diff (0: unchanged) */
	const struct rowset *rows;   /* its whole rows at rev, sorted (a SNAPSHOT) */
};

/* The session layer's side, given to publish_new. */
struct publish_ops {
	/* Called by publish_refresh for every known host, after its rows and
	 * the indexes are at the new revision. Hosts are handed over one at a
	 * time as each is compiled: during a call other hosts' rows may still
	 * be at the previous revision (read only u's). */
	void (*host)(void *arg, const struct publish_update *u);
};

/* Called when a wait completes: status 0 when every affected host acked,
 * -ETIMEDOUT or -ECANCELED otherwise; pending lists the host names still
 * behind (may be empty; valid only during the call). */
typedef void (*publish_wait_cb)(void *arg, int status, const char *const *pending,
				size_t n_pending);

/* A publisher of store (borrowed) calling ops (copied) with arg; timers on
 * base (borrowed). Nothing is loaded until the first publish_refresh, the
 * baseline: a host is dirty only from row changes after it. Returns NULL on
 * bad arguments or no memory. */
struct publish *publish_new(struct event_base *base, struct store *store,
			    const struct publish_ops *ops, void *arg);

/* Completes pending waits with -ECANCELED and frees everything. Takes NULL
 * and a pointer to NULL; sets *pp to NULL. */
void publish_destroy(struct publish **pp);

/* Brings the topology to the store's revision (from the change log: only
 * the objects changed since the last refresh are reloaded), recompiles the
 * hosts the changes affect (the others keep their rows) and calls
 * ops.host for every known host; send is passed on. Then forgets hosts
 * that left the topology and hold no rows, and completes the waits now
 * done. A host that cannot be recompiled (no memory) keeps its old rows and
 * is handed no diff, and the next refresh recompiles everything. Returns 0
 * or -errno (logged). */
int publish_refresh(struct publish *p, bool send);

/* The deployment's default encapsulation (tenet-controller
 * --encapsulation): networks whose encapsulation field is not set go by
 * Geneve when geneve, else VXLAN. Call before the first publish_refresh
 * (rows already compiled are not redone). Takes NULL. */
void publish_set_geneve_default(struct publish *p, bool geneve);

/* The revision of the last refresh (0 before the first). */
uint64_t publish_rev(const struct publish *p);

/* The store's identity at the last refresh, "" if none yet. */
const char *publish_store_id(const struct publish *p);

/* True if host is in the published topology. */
bool publish_enrolled(struct publish *p, const char *host);

/* True if host is in the topology or still holds rows (was not forgotten). */
bool publish_known(struct publish *p, const char *host);

/* The host whose enrolled CURVE key (Z85) is key, or NULL. Valid until the
 * next refresh. */
const char *publish_key_owner(struct publish *p, const char *key);

/* host's rows at the last refresh (owned here, valid until the next
 * refresh), or NULL for an unknown host. */
const struct rowset *publish_host_rows(struct publish *p, const char *host);

/* Sets *acked_rev and *dirty_rev (the last revision host acked, the last at
 * which its rows changed); false for an unknown host. */
bool publish_host_revs(struct publish *p, const char *host, uint64_t *acked_rev,
		       uint64_t *dirty_rev);

/* Records that host acked rev (the session layer checked it was sent) and
 * completes the waits now done. */
void publish_ack(struct publish *p, const char *host, uint64_t rev);

/* The bound port numbered port_key, or NULL. Valid until the next refresh. */
struct publish_port *publish_port(struct publish *p, uint32_t port_key);

/* Calls cb once every host affected by revisions up to rev has acked (a host
 * is done when acked_rev >= rev, or when its rows have not changed since its
 * last ack, or when it is no longer enrolled), or after timeout_ms. May call
 * cb before returning. Returns 0, -EINVAL or -ENOMEM. */
int publish_wait(struct publish *p, uint64_t rev, int timeout_ms, publish_wait_cb cb, void *arg);

#endif
