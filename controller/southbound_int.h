/* southbound_int.h - private to the southbound session layer (southbound.c:
 * sessions, messages, ZAP, heartbeats, lifecycle; southbound_trace.c,
 * southbound_monitor.c): the state they share. What each host should hold
 * is the publishing layer's (publish.h). Main thread only, like everything
 * in southbound.h. */
#ifndef TENET_SOUTHBOUND_INT_H
#define TENET_SOUTHBOUND_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>
#include <event2/event.h>

#include "keyfp.h"
#include "publish.h"
#include "southbound.h"
#include "store.h"
#include "wire.h"

/* The session side of a host that sent a message (its rows, acks and
 * enrolment are the publisher's). */
struct sb_host {
	char name[WIRE_HOST_MAX];	 /* host name, the hash key */
	bool seen;			 /* ever had a session */
	zframe_t *rid;			 /* routing id of the current session, NULL if none */
	char key[Z85_KEY_LEN + 1];	 /* Z85 key the current session was opened with */
	uint64_t sent_rev;		 /* revision of the last SNAPSHOT/DELTA sent */
	uint64_t ahead_rev;		 /* the agent's revision when its HELLO was ahead of
					  * ours: nothing is sent until we reach it; 0 = none */
	int64_t last_seen_ms;		 /* zclock_time() of its last valid message */
	int64_t last_heard_mono;	 /* zclock_mono() of the same, for liveness */
	int64_t last_sent_mono;		 /* zclock_mono() of our last message to it */
	uint32_t n_stats;		 /* entries of stats reported, 0 = none yet */
	uint64_t stats[WIRE_HOST_STATS]; /* its last reported datapath counters */
	struct southbound_caps caps;	 /* what its last HELLO announced */
	bool trim;			 /* its HELLO carried WIRE_CAP_TRIM: values go trimmed */
};

struct southbound {
	struct event_base *base;	  /* the main loop (borrowed) */
	struct store *store;		  /* the desired state (borrowed) */
	zsock_t *router;		  /* the agents' socket */
	zsock_t *zap;			  /* our ZAP handler */
	struct event *ev_router;	  /* router's ZMQ_FD */
	struct event *ev_zap;		  /* zap's ZMQ_FD */
	struct event *ev_beat;		  /* heartbeat timer */
	int64_t catchup_mono;		  /* zclock_mono() of its last catch-up refresh */
	struct publish *pub;		  /* what every host should hold (publish.h) */
	zhashx_t *hosts;		  /* name -> struct sb_host (hosts heard from) */
	struct southbound_stats stats;	  /* counters */
	int64_t last_warn_ms;		  /* when a drop was last logged as a warning */
	zhashx_t *refusals;		  /* "ADDRESS FINGERPRINT" of refused clients ->
					   * struct sb_refusal (southbound_zap.c) */
	int64_t refusal_since;		  /* start of the refusal log window */
	unsigned refusal_lines;		  /* refusal lines logged in that window */
	unsigned refusal_suppressed;	  /* refusals not logged (window full) since the
					   * last refusal line */
	int fail_encodes;		  /* tests only: fail this many encodes (fault injection) */
	struct sb_trace *traces;	  /* trace requests waiting for their reply */
	uint32_t trace_id;		  /* id of the last trace request sent */
	southbound_monitor_cb monitor_cb; /* receiver of MONITOR_EVENTS, or NULL */
	void *monitor_arg;		  /* its argument */
	struct migrate *mig;		  /* migration driver, or NULL (migrate_driver.h) */
	bool geneve_default;		  /* networks without an encapsulation go by Geneve */
};

#define SB_BATCH      256  /* messages handled per wake-up before yielding */
#define SB_WARN_MS    5000 /* at most one drop warning (or refusal burst) per this */
#define SB_ZAP_DOMAIN "tenet"
#define SB_KEY_PROP   "X-Key" /* ZAP metadata: the client's Z85 key */

/* ---- southbound_migrate.c ---- */

/* Handles MIGRATE_EVENT and CT_STATE from h's session: tells the driver,
 * relays CT_STATE to the migration's destination. */
void sb_migrate_msg(struct southbound *sb, struct sb_host *h, const struct wire_msg *m);

/* ---- southbound.c ---- */

/* Ends h's session, if any, logging why. */
void sb_disconnect(struct sb_host *h, const char *why);

/* Sends m to h's session; a failed encode or send drops the session.
 * Returns 0 or -errno (-ENOTCONN without a session). */
int sb_send(struct southbound *sb, struct sb_host *h, const struct wire_msg *m);

/* Re-arms the socket events if messages are waiting (ZMQ_FD is
 * edge-triggered and a send may consume the edge). */
void sb_kick(struct southbound *sb);

/* Looks up host's session state for a request to its agent: 0 with *hp
 * set, -ENOENT (not an enrolled host), -ENOTCONN (no session). */
int sb_host_session(struct southbound *sb, const char *host, struct sb_host **hp);

/* ---- southbound_zap.c ---- */

/* The ZAP socket's event: answers every request waiting (at most
 * SB_BATCH), admitting enrolled keys and logging refusals. */
void sb_on_zap(evutil_socket_t fd, short what, void *arg);

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
