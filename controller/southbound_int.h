/* southbound_int.h - private to the southbound (southbound.c: sessions,
 * messages, ZAP, heartbeats, lifecycle; southbound_publish.c: compiling,
 * pushing, waits): the state both sides share. Main thread only, like
 * everything in southbound.h. */
#ifndef TENET_SOUTHBOUND_INT_H
#define TENET_SOUTHBOUND_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>
#include <event2/event.h>

#include "southbound.h"
#include "store.h"
#include "wire.h"

/* One enrolled (or formerly enrolled) host. */
struct sb_host {
	char name[WIRE_HOST_MAX]; /* host name, the hash key */
	bool enrolled;		  /* present in the last loaded topology */
	bool seen;		  /* ever had a session */
	zframe_t *rid;		  /* routing id of the current session, NULL if none */
	char key[41];		  /* Z85 key the current session was opened with */
	uint64_t sent_rev;	  /* revision of the last SNAPSHOT/DELTA sent */
	uint64_t acked_rev;	  /* last revision acked */
	uint64_t dirty_rev;	  /* last revision at which its rows changed */
	uint64_t ahead_rev;	  /* the agent's revision when its HELLO was ahead of
				   * ours: nothing is sent until we reach it; 0 = none */
	int64_t last_seen_ms;	  /* zclock_time() of its last valid message */
	int64_t last_heard_mono;  /* zclock_mono() of the same, for liveness */
	struct wire_row *rows;	  /* rows last compiled (sent, while in session) */
	size_t n_rows;		  /* entries in rows */
	uint32_t n_stats;	  /* entries of stats reported, 0 = none yet */
	uint64_t stats[WIRE_HOST_STATS]; /* its last reported datapath counters */
};

/* A port bound to an enrolled host, and what that host said about it. */
struct sb_port {
	char host[WIRE_HOST_MAX];	  /* binding host */
	bool reported;			  /* info holds a report */
	struct southbound_port_info info; /* last report */
};

/* A pending southbound_wait. */
struct sb_wait {
	uint64_t rev;	       /* revision waited for */
	southbound_wait_cb cb; /* completion */
	void *arg;	       /* cb's argument */
	struct event *timer;   /* the timeout */
	struct southbound *sb; /* owner, for the timer callback */
	struct sb_wait *next;  /* list link */
};

struct southbound {
	struct event_base *base;       /* the main loop (borrowed) */
	struct store *store;	       /* the desired state (borrowed) */
	zsock_t *router;	       /* the agents' socket */
	zsock_t *zap;		       /* our ZAP handler */
	struct event *ev_router;       /* router's ZMQ_FD */
	struct event *ev_zap;	       /* zap's ZMQ_FD */
	struct event *ev_beat;	       /* heartbeat timer */
	zhashx_t *hosts;	       /* name -> struct sb_host */
	zhashx_t *keys;		       /* Z85 public key -> host name (char *) */
	zhashx_t *ports;	       /* decimal port_key -> struct sb_port */
	struct sb_wait *waits;	       /* pending waits */
	uint64_t rev;		       /* store revision the rows were compiled at */
	char store_id[STORE_ID_HEX + 1]; /* the store's identity then, "" if none yet */
	bool primed;		       /* first compile done: row changes now mark hosts dirty */
	struct topology topo;	       /* the topology at topo_rev, kept up to date
					* from the change log (store_update_topology) */
	uint64_t topo_rev;	       /* revision topo holds */
	bool topo_full;		       /* next refresh reloads topo and recompiles every
					* host (a refresh was incomplete) */
	struct southbound_stats stats; /* counters */
	int64_t last_warn_ms;	       /* when a drop was last logged as a warning */
	zhashx_t *refusals;	       /* "ADDRESS FINGERPRINT" of refused clients ->
					* struct sb_refusal (southbound.c) */
	int64_t refusal_since;	       /* start of the refusal log window */
	unsigned refusal_lines;	       /* refusal lines logged in that window */
	unsigned refusal_suppressed;   /* refusals not logged (window full) since the
					* last refusal line */
	int fail_encodes;	       /* tests only: fail this many encodes (fault injection) */
	struct sb_trace *traces;       /* trace requests waiting for their reply */
	uint32_t trace_id;	       /* id of the last trace request sent */
	southbound_monitor_cb monitor_cb; /* receiver of MONITOR_EVENTS, or NULL */
	void *monitor_arg;		  /* its argument */
};

/* ---- southbound.c ---- */

/* A zhashx with destructor (NULL on allocation failure). */
zhashx_t *sb_hash_new(zhashx_destructor_fn *destructor);

/* zhashx destructor for plain malloc'd items. */
void sb_free(void **p);

/* Re-arms the socket events if messages are waiting (ZMQ_FD is
 * edge-triggered and a send may consume the edge). */
void sb_kick(struct southbound *sb);

/* Ends h's session, if any, logging why. */
void sb_disconnect(struct sb_host *h, const char *why);

/* Sends m to h's session; a failed encode or send drops the session.
 * Returns 0 or -errno (-ENOTCONN without a session). */
int sb_send(struct southbound *sb, struct sb_host *h, const struct wire_msg *m);

/* Sends a SNAPSHOT (from 0) or DELTA (from h->sent_rev) of rows bringing h
 * to sb->rev; on success h->sent_rev = sb->rev. A failed send drops the
 * session. */
void sb_send_update(struct southbound *sb, struct sb_host *h, enum wire_type type,
		    const struct wire_row *rows, size_t n_rows);

/* ---- southbound_publish.c ---- */

/* Unlinks, completes and frees w: status 0, or -ETIMEDOUT/-ECANCELED with
 * the hosts still pending. */
void sb_wait_finish(struct southbound *sb, struct sb_wait *w, int status);

/* Completes every wait whose hosts are all done. */
void sb_check_waits(struct southbound *sb);

/* Loads the topology at the store's revision and recompiles every host;
 * when send, pushes diffs to hosts in session (and serves agents that were
 * ahead once the node reached them). Returns 0, or -errno (logged; hosts not
 * recompiled keep their rows). */
int sb_refresh(struct southbound *sb, bool send);

/* ---- southbound_trace.c ---- */

/* A TRACE_REPLY from h: completes the request it answers (others are
 * counted and dropped). */
void sb_trace_reply(struct southbound *sb, struct sb_host *h, const struct wire_trace_reply *r);

/* Completes every waiting trace with -ECANCELED; for shutdown. */
void sb_trace_abort(struct southbound *sb);

/* ---- southbound_monitor.c ---- */

/* A MONITOR_EVENTS from h: handed to the monitor receiver. */
void sb_monitor_events(struct southbound *sb, struct sb_host *h,
		       const struct wire_monitor_events *ev);

#endif
