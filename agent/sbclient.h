/* sbclient.h - the agent's southbound session with the controller.
 *
 * A czmq DEALER socket with CURVE (the agent's own certificate, the
 * controller's public key) on the agent's libevent loop: ZMQ_FD is watched
 * and ZMQ_EVENTS drained after every wake-up and after every send (the fd is
 * edge-triggered). On connect it sends HELLO(host, rev); SNAPSHOT and DELTA
 * go to the update callback and are ACKed when applied; a gap (-ESTALE)
 * sends HELLO again to get a snapshot. A HEARTBEAT goes out every second;
 * when nothing has been heard for 3 s the socket is destroyed and recreated
 * after an exponential backoff (100 ms doubling to 5 s, with jitter).
 * Malformed messages are counted and dropped. Loop thread only.
 */
#ifndef TENET_AGENT_SBCLIENT_H
#define TENET_AGENT_SBCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>
#include <event2/event.h>

#include "wire.h"

struct sbclient;

/* Session parameters; strings are copied, cert is borrowed (must outlive
 * the client). */
struct sbclient_config {
	const char *endpoint;	/* e.g. tcp://198.18.0.254:6641 */
	const char *host;	/* this host's name, sent in HELLO */
	zcert_t *cert;		/* own CURVE certificate, with secret key */
	const char *server_key; /* controller public key, Z85 (40 chars) */
	int heartbeat_ms;	/* heartbeat period; 0 = 1000 */
	int timeout_ms;		/* silence before reconnecting; 0 = 3000 */
};

/* What the session calls into. */
struct sbclient_ops {
	/* Current applied revision (for HELLO, ACK of gaps, HEARTBEAT). */
	uint64_t (*rev)(void *arg);
	/* Applies a SNAPSHOT or DELTA (m->type says which). Return 0 to ACK
	 * m->update.to, -ESTALE to ask for a snapshot, any other -errno to
	 * drop it (no ACK). */
	int (*update)(void *arg, const struct wire_msg *m);
	/* Called when a session (re)starts, after HELLO was sent. May be NULL. */
	void (*connected)(void *arg);
	void *arg; /* passed to every callback */
};

/* Counters for logs and tests. */
struct sbclient_stats {
	uint64_t rx_msgs;     /* messages decoded and handled */
	uint64_t rx_rejected; /* malformed, multi-part or unexpected: dropped */
	uint64_t tx_msgs;     /* messages queued */
	uint64_t tx_dropped;  /* could not be queued */
	uint64_t reconnects;  /* sessions recreated after silence */
};

/* Creates the socket, connects and sends HELLO. Returns NULL on failure
 * (bad endpoint or key; logged). */
struct sbclient *sbclient_new(struct event_base *base, const struct sbclient_config *cfg,
			      const struct sbclient_ops *ops);

/* Closes the socket (no linger) and frees. Takes NULL; sets *sbp to NULL. */
void sbclient_destroy(struct sbclient **sbp);

/* Sends STATUS(rev, ports[0..n)). Returns 0, -ENOTCONN while reconnecting,
 * -EAGAIN if the socket cannot take it, or -errno. */
int sbclient_send_status(struct sbclient *sb, const struct wire_port_status *ports, size_t n);

/* True if the controller was heard within the timeout. */
bool sbclient_connected(const struct sbclient *sb);

void sbclient_get_stats(const struct sbclient *sb, struct sbclient_stats *out);

#endif
