/* sbclient.h - the agent's southbound session with the controllers.
 *
 * A czmq DEALER socket with CURVE (the agent's own certificate, the
 * controller's public key) on the agent's libevent loop: ZMQ_FD is watched
 * and ZMQ_EVENTS drained after every wake-up and after every send (the fd is
 * edge-triggered). On connect it sends HELLO(host, rev); SNAPSHOT and DELTA
 * go to the update callback and are ACKed when applied; a gap (-ESTALE)
 * sends HELLO again to get a snapshot. A HEARTBEAT goes out every second.
 *
 * Several controllers (the nodes of one cluster) may be given; the client
 * talks to one at a time, starting with the first. It moves on to the next
 * one in the list (round-robin, wrapping) when the current one has been
 * silent for 3 s, or when it sends a SNAPSHOT or DELTA whose target revision
 * is below the applied one: the applied revision never goes backwards (such
 * an update is refused and counted, never applied). A HEARTBEAT carrying a
 * revision below ours says the controller is behind us: it is counted but
 * does not count as hearing from it, so the client waits for that node to
 * catch up (it then sends an update) for at most the silence timeout, then
 * moves on. Every move destroys the socket and opens the next one after an
 * exponential backoff (100 ms doubling to 5 s, with jitter; reset by any
 * message heard). Malformed messages are counted and dropped.
 *
 * Revisions are only comparable within one controller store (wire.h): a
 * SNAPSHOT, DELTA or HEARTBEAT naming another store than the one our
 * revision is from resets our revision to 0 (ops.reset) before anything
 * else, so the controller is never "behind us": a SNAPSHOT is applied, a
 * DELTA or HEARTBEAT is answered with HELLO(0), which gets a SNAPSHOT. A
 * message without an identity is judged by revision alone.
 *
 * Why a controller cannot be used is told apart from the socket's monitor
 * events (libzmq 4.3), and logged once each time it changes for that
 * controller, not at every retry (sbclient_link):
 *  - no TCP connection (refused at once, or none before the silence
 *    timeout): "controller unreachable";
 *  - the controller's ZAP handler answered 400 (HANDSHAKE_FAILED_AUTH):
 *    our key is not enrolled, or was replaced; logged with its fingerprint
 *    (keyfp.h), as the controller logs it;
 *  - the controller broke the handshake off without a reason
 *    (HANDSHAKE_FAILED_NO_DETAIL, or a cryptographic protocol error): with
 *    CURVE that is what a wrong server key looks like, since the controller
 *    cannot decrypt our HELLO and never learns our key;
 *  - any other handshake failure (not a CURVE server, a ZAP error).
 * Loop thread only.
 */
#ifndef TENET_AGENT_SBCLIENT_H
#define TENET_AGENT_SBCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>
#include <event2/event.h>

#include "keyfp.h"
#include "wire.h"

struct sbclient;

#define SBCLIENT_MAX_ENDPOINTS 16  /* controllers in one list */
#define SBCLIENT_ENDPOINT_MAX  256 /* one endpoint, including NUL */

/* One controller of the list. */
struct sbclient_endpoint {
	char endpoint[SBCLIENT_ENDPOINT_MAX]; /* e.g. tcp://198.18.0.254:6641 */
	char server_key[Z85_KEY_LEN + 1];     /* its CURVE public key, Z85 */
};

/* Session parameters; strings are copied, cert is borrowed (must outlive
 * the client). */
struct sbclient_config {
	const char *endpoint;	/* controller list, see sbclient_parse_endpoints */
	const char *host;	/* this host's name, sent in HELLO */
	zcert_t *cert;		/* own CURVE certificate, with secret key */
	const char *server_key; /* default controller public key, Z85 (40 chars);
				 * NULL if every list entry names its own */
	int heartbeat_ms;	/* heartbeat period; 0 = 1000 */
	int timeout_ms;		/* silence before reconnecting; 0 = 3000 */
	/* what every HELLO announces (wire.h): WIRE_CAP_* bits, the ports'
	 * overlay MTU and the datapath's ABI version; 0 = not announced */
	uint32_t caps;
	uint32_t overlay_mtu;
	uint32_t abi;
};

/* What the session calls into. */
struct sbclient_ops {
	/* Current applied revision (for HELLO, ACK of gaps, HEARTBEAT). */
	uint64_t (*rev)(void *arg);
	/* Applies a SNAPSHOT or DELTA (m->type says which; its rows in place,
	 * m->update.refs: valid during the call). Return 0 to ACK
	 * m->update.to, -ESTALE to ask for a snapshot, any other -errno to
	 * drop it (no ACK). */
	int (*update)(void *arg, const struct wire_msg *m);
	/* Called when a session (re)starts, after HELLO was sent. May be NULL. */
	void (*connected)(void *arg);
	/* Identity of the controller store the applied revision is from, ""
	 * if unknown. NULL (with reset): identities are ignored. */
	const char *(*store_id)(void *arg);
	/* The controller serves store store_id, another one than ours: set
	 * the applied revision to 0 and record store_id (keep the maps: the
	 * next SNAPSHOT reconciles them). NULL: identities are ignored. */
	void (*reset)(void *arg, const char *store_id);
	/* Runs a TRACE request (agent/trace.h), filling *out; its TRACE_REPLY
	 * is sent whatever it returns. NULL: answered with EOPNOTSUPP. */
	int (*trace)(void *arg, const struct wire_trace_req *req, struct wire_trace_reply *out);
	/* Applies a MONITOR (agent/monitor.h): 0, or -errno why the drop
	 * monitor cannot be on; answered with an empty MONITOR_EVENTS carrying
	 * that errno. NULL: answered with EOPNOTSUPP. */
	int (*monitor)(void *arg, const struct wire_monitor *req);
	/* Answers a CT_EXPORT (live migration, agent/migrate.h): sends the
	 * port's tracked connections with sbclient_send_ct_state; returns 0 or
	 * -errno (logged by the caller). NULL: answered with one empty
	 * CT_STATE. */
	int (*ct_export)(void *arg, const struct wire_ct_export *req);
	/* Imports a CT_STATE the controller relays (entries valid during the
	 * call); returns 0 or -errno. NULL: the message is dropped as
	 * unexpected. */
	int (*ct_import)(void *arg, const struct wire_ct_state *st);
	void *arg; /* passed to every callback */
};

/* What the client last learnt of its link to one controller. */
enum sbclient_link {
	SBCLIENT_LINK_UNKNOWN = 0, /* not tried yet */
	SBCLIENT_LINK_UP,	   /* CURVE handshake done */
	SBCLIENT_LINK_UNREACHABLE, /* no TCP connection */
	SBCLIENT_LINK_KEY_REFUSED, /* our key refused: not enrolled, or replaced */
	SBCLIENT_LINK_SERVER_KEY,  /* handshake broken off: wrong server key? */
	SBCLIENT_LINK_HANDSHAKE,   /* any other handshake failure */
};

/* Counters for logs and tests. */
struct sbclient_stats {
	uint64_t rx_msgs;	 /* messages decoded and handled */
	uint64_t rx_rejected;	 /* malformed, multi-part or unexpected: dropped */
	uint64_t tx_msgs;	 /* messages queued */
	uint64_t tx_dropped;	 /* could not be queued */
	uint64_t reconnects;	 /* sessions dropped (silence, refused update) and
				  * recreated with the next controller */
	uint64_t rx_backwards;	 /* SNAPSHOT/DELTA below our revision: refused */
	uint64_t rx_behind;	 /* HEARTBEATs from a controller behind us */
	uint64_t rx_other_store; /* messages from another store than our revision's:
				  * revision reset, SNAPSHOT asked for */
};

/* Parses a controller list: entries separated by commas (spaces around an
 * entry are ignored), each "ENDPOINT" or "ENDPOINT@KEY", where ENDPOINT is
 * a tcp://, ipc:// or inproc:// ZeroMQ endpoint and KEY that controller's
 * own public key (40 Z85 characters); an entry without a key gets
 * default_key (may be NULL when every entry has one). On success *out (a
 * malloc'd array; the caller frees it) and *n are set and 0 is returned.
 * Returns -EINVAL for an empty list or entry, a bad endpoint, a missing or
 * malformed key (default_key included, even if unused), or more than
 * SBCLIENT_MAX_ENDPOINTS entries; -ENOMEM. Any thread. */
int sbclient_parse_endpoints(const char *list, const char *default_key,
			     struct sbclient_endpoint **out, size_t *n);

/* Parses cfg->endpoint, connects to the first controller and sends HELLO.
 * Returns NULL on failure (bad list, endpoint or key; logged). */
struct sbclient *sbclient_new(struct event_base *base, const struct sbclient_config *cfg,
			      const struct sbclient_ops *ops);

/* Closes the socket (no linger) and frees. Takes NULL; sets *sbp to NULL. */
void sbclient_destroy(struct sbclient **sbp);

/* Sends STATUS(rev, ports[0..n)). Returns 0, -ENOTCONN while reconnecting,
 * -EAGAIN if the socket cannot take it, or -errno. */
int sbclient_send_status(struct sbclient *sb, const struct wire_port_status *ports, size_t n);

/* Sends STATUS(rev, ports[0..n), host[0..n_host)): as sbclient_send_status,
 * with the host's counters by enum tn_stat (n_host <= WIRE_HOST_STATS, 0 =
 * none; -EINVAL beyond). */
int sbclient_send_status_host(struct sbclient *sb, const struct wire_port_status *ports, size_t n,
			      const uint64_t *host, uint32_t n_host);

/* Sends a MONITOR_EVENTS. Returns 0, -ENOTCONN while reconnecting, -EAGAIN
 * if the socket cannot take it, -EINVAL for an invalid batch, or -errno. */
int sbclient_send_events(struct sbclient *sb, const struct wire_monitor_events *ev);

/* Sends a MIGRATE_EVENT (at once, not with the next STATUS). Returns 0,
 * -ENOTCONN while reconnecting, -EAGAIN if the socket cannot take it,
 * -EINVAL for an invalid event, or -errno. */
int sbclient_send_mig_event(struct sbclient *sb, const struct wire_mig_event *ev);

/* Sends a CT_STATE. Returns as sbclient_send_mig_event. */
int sbclient_send_ct_state(struct sbclient *sb, const struct wire_ct_state *st);

/* True if the controller was heard within the timeout. */
bool sbclient_connected(const struct sbclient *sb);

/* The endpoint of the controller in use (or about to be tried while backing
 * off); owned by sb, valid until the next loop iteration. NULL if sb is. */
const char *sbclient_endpoint(const struct sbclient *sb);

void sbclient_get_stats(const struct sbclient *sb, struct sbclient_stats *out);

/* What is known of the link to controller i (index in the list).
 * SBCLIENT_LINK_UNKNOWN if sb is NULL or i out of range. */
enum sbclient_link sbclient_link(const struct sbclient *sb, size_t i);

#endif
