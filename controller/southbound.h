/* southbound.h - the controller's side of the agent protocol.
 *
 * A ZeroMQ ROUTER socket with CURVE (server key from the data directory) and
 * a ZAP handler (ZMQ_ZAP_ENFORCE_DOMAIN=1) that admits only enrolled host
 * keys and answers with User-Id = the host's name: the authenticated User-Id,
 * never the routing id, names the host, and every message's key (ZAP
 * metadata X-Key) must still be that host's enrolled key: a replaced key is
 * locked out at once, also on connections it opened before. Runs on the
 * main thread's libevent loop via ZMQ_FD, draining ZMQ_EVENTS after each
 * wake-up.
 *
 * After each applied write southbound_publish() runs: the hosts the change
 * affects (topo_delta.h) are recompiled (compiler.h, by publish.h) from the topology kept
 * in memory and diffed against what each last got; a non-empty diff goes as a DELTA, and every
 * connected host is told the new revision (an empty DELTA) so its acked
 * revision keeps up. HELLO with the current revision gets an empty DELTA,
 * one with an older revision a SNAPSHOT. In a cluster an agent may arrive
 * from a node further along (HELLO above our revision): it never gets a
 * SNAPSHOT that would take it backwards, but a HEARTBEAT carrying our
 * revision, and nothing else until this node has applied up to its
 * revision; then an empty DELTA (exactly there) or a SNAPSHOT (past it).
 * Every function here is main-thread only.
 */
#ifndef TENET_SOUTHBOUND_H
#define TENET_SOUTHBOUND_H

#include <stdbool.h>
#include <stdint.h>

#include "prom.h"

#include <czmq.h>
#include <event2/event.h>

#include "wire.h"

struct store;
struct southbound;
struct wire_trace_req;
struct wire_trace_reply;

/* What a host's agent announced in its last HELLO (wire.h); all 0: nothing
 * (an agent older than the announcements). */
struct southbound_caps {
	uint32_t encaps;      /* WIRE_CAP_* bits: the encapsulations it supports */
	uint32_t overlay_mtu; /* its ports' overlay MTU, 0 = unknown */
	uint32_t abi;	      /* its datapath's TN_ABI_VERSION, 0 = unknown */
};

/* What the controller knows of one host's session. */
struct southbound_host_info {
	bool connected; /* a session exists and was heard from within 3 heartbeats */
	uint64_t acked_rev; /* last revision the host acked, 0 if none */
	uint64_t dirty_rev; /* last revision at which the host's rows changed */
	int64_t last_seen_ms; /* zclock_time() of the last message, 0 if never */
	uint32_t n_stats; /* entries of stats the host reported, 0 = none yet */
	uint64_t stats[WIRE_HOST_STATS]; /* its datapath counters by enum tn_stat */
	struct southbound_caps caps;	 /* announced in its last HELLO */
};

/* What the host last reported for one of its ports. */
struct southbound_port_info {
	bool up; /* interface present and attached */
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t drops;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint32_t n_reasons; /* entries used in reasons */
	struct wire_port_drop reasons[WIRE_PORT_REASONS]; /* drops by reason */
	uint32_t n_groups;				  /* entries used in groups */
	struct wire_port_group groups[WIRE_PORT_GROUPS];  /* flows by security group */
	int64_t spoof_mac_ms; /* zclock_time() when its spoof_mac drops last grew, 0 = never */
};

/* Counters for operators (GET /v1/status). */
struct southbound_stats {
	uint64_t rx_msgs; /* messages decoded and handled */
	uint64_t rx_rejected; /* malformed messages dropped */
	uint64_t rx_unknown_type; /* well-formed but unknown type */
	uint64_t rx_unauthenticated; /* no User-Id, not an enrolled host, or a key
				      * that is no longer the host's */
	uint64_t tx_snapshots;
	uint64_t tx_deltas;
	uint64_t hello_ahead; /* HELLOs above this node's revision (held back) */
	struct prom_hist publish; /* southbound_publish: recompile and push */
};

/* Called when a wait completes: status 0 when every affected host acked,
 * -ETIMEDOUT otherwise; pending lists the host names still behind (may be
 * empty; valid only during the call). */
typedef void (*southbound_wait_cb)(void *arg, int status, const char *const *pending,
				   size_t n_pending);

/* Binds endpoint (e.g. "tcp://0.0.0.0:6641") with CURVE server key cert
 * (borrowed; must outlive the southbound) and registers on base. Returns NULL
 * on failure (logged). */
struct southbound *southbound_new(struct event_base *base, struct store *store,
				  const char *endpoint, zcert_t *cert);

/* The deployment's default encapsulation: publish_set_geneve_default.
 * Call right after southbound_new. Takes NULL. */
void southbound_set_geneve_default(struct southbound *sb, bool geneve);

/* The deployment's default encapsulation as set above: true for Geneve. */
bool southbound_geneve_default(const struct southbound *sb);

/* Closes the socket and frees everything; pending waits are called with
 * -ECANCELED. Takes NULL; sets *sbp to NULL. */
void southbound_destroy(struct southbound **sbp);

/* Recompiles every host from the store's current state and pushes what
 * changed. Call after every write applied to this node's store (on every
 * node of a cluster, also for writes that arrived by replication); a write
 * left unpublished is picked up by the next heartbeat (within 1 s). */
void southbound_publish(struct southbound *sb);

/* Calls cb once every host affected by revisions up to rev has acked (a host
 * is done when acked_rev >= rev, or when its rows have not changed since its
 * last ack), or after timeout_ms. May call cb before returning. Returns 0, or
 * -ENOMEM. */
int southbound_wait(struct southbound *sb, uint64_t rev, int timeout_ms, southbound_wait_cb cb,
		    void *arg);

/* Called once when a trace completes: status 0 with the agent's reply
 * (valid only during the call; its err may say the agent could not run
 * it), -ETIMEDOUT, -ENOTCONN (the session ended) or -ECANCELED. */
typedef void (*southbound_trace_cb)(void *arg, int status, const struct wire_trace_reply *reply);

/* Sends req (its id is assigned here) to host's agent and calls cb with
 * the TRACE_REPLY, or after timeout_ms. Returns 0 (cb will be called,
 * never before this returns), -ENOENT (no such host), -ENOTCONN (the
 * host has no live session with this node), -ENOMEM. */
int southbound_trace(struct southbound *sb, const char *host, struct wire_trace_req *req,
		     int timeout_ms, southbound_trace_cb cb, void *arg);

/* Called for every MONITOR_EVENTS a host's session sends (ev valid only
 * during the call): the answer to a MONITOR (no events; err 0 or why the
 * agent cannot monitor) or a batch of its drop events. */
typedef void (*southbound_monitor_cb)(void *arg, const char *host,
				      const struct wire_monitor_events *ev);

/* Sets the one receiver of MONITOR_EVENTS (cb NULL: none; they are then
 * dropped). */
void southbound_set_monitor_cb(struct southbound *sb, southbound_monitor_cb cb, void *arg);

/* Sends MONITOR req to host's agent (drop monitor on with a timeout, or
 * off; wire.h). Returns 0, -ENOENT (no such host), -ENOTCONN (no live
 * session with this node), -EINVAL (a request wire.h refuses) or -errno
 * of the send (which drops the session). */
int southbound_monitor(struct southbound *sb, const char *host, const struct wire_monitor *req);

/* Fills *out for host name; false if the host never connected. */
bool southbound_host_info(struct southbound *sb, const char *name,
			  struct southbound_host_info *out);

/* Fills *out for port_key as last reported by its host; false if never. */
bool southbound_port_info(struct southbound *sb, uint32_t port_key,
			  struct southbound_port_info *out);

void southbound_get_stats(struct southbound *sb, struct southbound_stats *out);

struct migrate;

/* Sets the migration driver (migrate_driver.h, borrowed; NULL: none) the session
 * layer tells of acks, activation events (MIGRATE_EVENT, STATUS mig_gen)
 * and asks where a CT_STATE goes. */
void southbound_set_migrate(struct southbound *sb, struct migrate *mig);

/* Sends CT_EXPORT {port_key, generation, final} to host's agent. Returns
 * 0, -ENOENT (no such host), -ENOTCONN (no live session), -ENOTSUP (this
 * build's protocol has no CT_EXPORT), or -errno of the send. */
int southbound_ct_export(struct southbound *sb, const char *host, uint32_t port_key,
			 uint32_t generation, bool final);

/* Hands CT_STATE msg (len wire-encoded bytes, borrowed), relayed by another
 * controller node, to host's session on this node. Returns 0, -EPROTO (not
 * a valid CT_STATE), -ENOENT (no such host), -ENOTCONN (no session here),
 * or -errno of the send. */
int southbound_ct_deliver(struct southbound *sb, const char *host, const void *msg, size_t len);

#endif
