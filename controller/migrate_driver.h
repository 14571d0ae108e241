/* migrate_driver.h - the leader's driver of port live migrations and host drains
 * (ARCHITECTURE.md, "Live migration").
 *
 * Every phase of a migration is in the store (a port's "migration"
 * member), changed only by STORE_OP_MIGRATE commands through Raft, each
 * conditional on the phase and generation it leaves (store_migrate.c). The
 * driver holds no state a leader change could lose: it rescans the store,
 * decides the next step of each migration under way (migrate_next) and
 * proposes it; a step proposed twice is refused by the store the second
 * time. It decides on the leader only (ops->is_leader) and follows on
 * every node (below), on the main thread's libevent loop, and is called one
 * way by the southbound session layer (acks, activation events, conntrack
 * state), by the API (a follower's report) and by main (writes applied).
 *
 *   pending    -> standby      when the destination acked a revision that
 *                              carries its standby rows
 *   standby    -> active-both  on the destination's activation event (or
 *                              its STATUS mig_gen, or activate=true, or the
 *                              explicit API activation)
 *   active-both-> done         after grace_ms
 *   pending, standby -> rolled-back  past timeout_ms from the request
 *                              ("not activated in time"), or on abort
 * At standby the source agent is asked for the port's conntrack
 * (CT_EXPORT), at active-both for the final delta (final=true); the
 * destination gets the source's CT_STATE relayed unchanged.
 *
 * Agents may hold their session with any node. Every node's driver reads
 * the migrations under way from its own store and watches what its own
 * sessions report: the node holding the source's session sends it
 * CT_EXPORT; a follower that sees the destination ready (acked its standby
 * rows) or active passes the fact to the leader (ops->report, repeated every
 * MIGRATE_REPORT_MS while its store shows the phase waiting for it: a
 * report lost with a leader reaches the next one); the leader's driver
 * alone decides and proposes steps, each conditional in the store, so a
 * fact reported twice, or to two leaders, moves the migration once. A node
 * that gets CT_STATE for a destination whose session is elsewhere hands it
 * on (ops->ct_forward).
 *
 * Drain: a host whose "drain" member says "draining" has every port bound
 * to it migrated (activate=true) to the live, undrained host with the
 * fewest ports, one migration per port; progress is written to the host's
 * drain member. Main thread only.
 */
#ifndef TENET_MIGRATE_DRIVER_H
#define TENET_MIGRATE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "topology.h"

struct store;
struct migrate;

/* What a follower tells the leader about a migration's destination. */
enum migrate_fact {
	MIGRATE_FACT_READY = 1,	 /* it acked a revision carrying its standby rows */
	MIGRATE_FACT_ACTIVE = 2, /* its datapath activated the port */
};

/* A fact about port's migration at generation, reported by host (the
 * destination) to the node holding its session. Plain data. */
struct migrate_report {
	char port[TOPO_ID_MAX];	  /* the port's id */
	uint32_t generation;	  /* the migration's */
	char host[TOPO_HOST_MAX]; /* the destination that reported it */
	enum migrate_fact fact;	  /* what it reported */
	uint64_t activated_ns;	  /* MIGRATE_FACT_ACTIVE: when, on its clock; 0 unknown */
};

#define MIGRATE_REPORT_MS 500 /* a follower repeats a report this often */

/* What the driver needs of the rest of the controller. */
struct migrate_ops {
	/* True on the Raft leader (the only node that drives). */
	bool (*is_leader)(void *arg);
	/* Proposes STORE_OP_MIGRATE command cmd (len bytes, borrowed) through
	 * Raft; its outcome shows in the store. 0 or -errno. */
	int (*propose)(void *arg, const void *cmd, size_t len);
	/* True when host has a live session; *acked its last acked revision. */
	bool (*host_live)(void *arg, const char *host, uint64_t *acked);
	/* Sends CT_EXPORT {port_key, generation, final} to host's agent. 0 or
	 * -errno. May be NULL (not sent). */
	int (*ct_export)(void *arg, const char *host, uint32_t port_key, uint32_t generation,
			 bool final);
	/* Follower: passes r (borrowed) to the leader, without waiting for an
	 * answer. 0 (sent) or -errno (e.g. no leader known). May be NULL. */
	int (*report)(void *arg, const struct migrate_report *r);
	/* Hands CT_STATE msg (len wire-encoded bytes, borrowed) for host to,
	 * whose session is not on this node, to the node that holds it. 0 or
	 * -errno. May be NULL (dropped). */
	int (*ct_forward)(void *arg, const char *to, const void *msg, size_t len);
};

/* Defaults of a migration request (API). */
#define MIGRATE_TIMEOUT_MS 30000
#define MIGRATE_GRACE_MS   2000

/* What the next step of one migration depends on. */
struct migrate_state {
	enum topo_mig_phase phase; /* as stored */
	bool activate;		   /* activate at standby without waiting for the workload */
	bool target_acked;	   /* the destination acked its standby rows */
	bool activated;		   /* the destination reported activation of this generation */
	int64_t timeout_ms;	   /* from requested_at, for pending and standby */
	int64_t grace_ms;	   /* from activated_at, for active-both */
	int64_t requested_at;	   /* ms since the epoch */
	int64_t activated_at;	   /* ms since the epoch, 0 before */
};

/* The phase s goes to at now_ms (ms since the epoch), TOPO_MIG_NONE for
 * none yet; *reason (may be NULL) is set for rolled-back. Pure. */
enum topo_mig_phase migrate_next(const struct migrate_state *s, int64_t now_ms,
				 const char **reason);

/* Encodes the STORE_OP_MIGRATE command of port id's step from phase `from`
 * (TOPO_MIG_NONE: a start) at generation gen to `to`, at at_ms, with
 * reason (NULL: none) and activated_ns (0: none). A start takes target,
 * activate, timeout_ms, grace_ms (else ignored). On success *buf
 * (malloc'd, caller frees), *len and 0; -EINVAL, -ENOMEM. */
int migrate_cmd(const char *id, enum topo_mig_phase from, uint32_t gen, enum topo_mig_phase to,
		int64_t at_ms, const char *reason, uint64_t activated_ns, const char *target,
		bool activate, int64_t timeout_ms, int64_t grace_ms, void **buf, size_t *len);

/* Encodes the STORE_OP_MIGRATE command that sets host's drain member to
 * drain (borrowed JSON object; NULL: undrained). 0, -EINVAL, -ENOMEM. */
int migrate_drain_cmd(const char *host, const json_t *drain, void **buf, size_t *len);

/* A driver on base over store (both borrowed). NULL on no memory. */
struct migrate *migrate_new(struct event_base *base, struct store *store,
			    const struct migrate_ops *ops, void *arg);

/* Stops the timer and frees *mp. Takes NULL; sets *mp to NULL. */
void migrate_destroy(struct migrate **mp);

/* A write was applied to the store (any node): rescan soon. */
void migrate_on_applied(struct migrate *m);

/* host acked revision rev. */
void migrate_on_ack(struct migrate *m, const char *host, uint64_t rev);

/* host reported that the port with port_key is active there at generation
 * gen (a MIGRATE_EVENT, or a STATUS entry's mig_gen), at activated_ns of
 * its clock (0: unknown). Ignored unless host is the destination of that
 * port's migration at that generation. */
void migrate_on_event(struct migrate *m, const char *host, uint32_t port_key, uint32_t gen,
		      uint64_t activated_ns);

/* The leader's side of ops->report: a fact a follower's session saw. Takes
 * it like migrate_on_ack / migrate_on_event would. Returns 0 (taken),
 * -ENOENT (no such migration under way here, or another generation or
 * destination: perhaps this node's store is behind; the follower repeats),
 * -EREMOTE (this node is not the leader), -EINVAL. */
int migrate_on_report(struct migrate *m, const struct migrate_report *r);

/* r as JSON ({"port","generation","host","fact":"ready"|"active",
 * "activated_ns"}), NULL on no memory. New reference. */
json_t *migrate_report_json(const struct migrate_report *r);

/* Reads migrate_report_json's form into *r: 0 or -EINVAL (a member
 * missing, of the wrong type, too long, or an unknown fact). */
int migrate_report_parse(const json_t *j, struct migrate_report *r);

/* CT_STATE msg (len wire-encoded bytes) for host to has no session on this
 * node: hands it on through ops->ct_forward. 0 or -errno (-ENOTSUP: no
 * ct_forward). */
int migrate_ct_forward(struct migrate *m, const char *to, const void *msg, size_t len);

/* Where CT_STATE of port_key at gen from host goes: true with *to (size
 * TOPO_HOST_MAX) the destination when host is the source of that
 * migration at gen and it is under way (a node whose store is a moment
 * behind the leader's may still see pending). */
bool migrate_ct_relay(struct migrate *m, const char *host, uint32_t port_key, uint32_t gen,
		      char *to);

/* True when host is the source or the destination of port_key's
 * migration under way (its reports on the port are expected). */
bool migrate_port_involves(struct migrate *m, uint32_t port_key, const char *host);

/* Milliseconds since the epoch (the clock of migration timings). */
int64_t migrate_now_ms(void);

#endif
