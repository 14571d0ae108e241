/* raft_node.h - the controller's replicated log (libraft 0.22 on libuv).
 *
 * One raft_node per controller. libraft, its raft_uv disk I/O and its TCP
 * transport (wrapped by raft_transport.c, which authenticates peers with the
 * cluster key) run on a libuv loop in a thread of their own. The main
 * thread (libevent) hands requests over through a locked queue plus a
 * uv_async; results come back through a locked queue plus an eventfd that
 * the main loop watches, filled by the Raft thread or, for answers whose
 * entries a batch just committed, by the apply pipeline's thread. Every
 * callback given here runs on the main thread.
 *
 * The state machine is the store: each committed entry is pushed into the
 * apply pipeline (raft_pipe.h), whose thread applies entries in batches,
 * one LMDB write transaction each, recording their indexes, while the Raft
 * thread goes on with the next entries. An answer (a write's result, a
 * barrier, a membership change) reaches the main thread only after every
 * entry applied before it is committed. After entries were committed,
 * on_applied (raft_node_set_on_applied) runs on the main thread, on every
 * node - leader or not.
 *
 * Entries: an 8-byte header ("TNC1" + big-endian u32 command length), the
 * msgpack command (store_cmd_encode), zero padding to a multiple of 8.
 *
 * Server addresses in the Raft configuration are "RAFT_ADDR/API_ADDR": the
 * transport connects to RAFT_ADDR; API_ADDR is where a follower redirects
 * writes (307). The configuration is itself replicated, so every node knows
 * every node's API address.
 */
#ifndef TENET_RAFT_NODE_H
#define TENET_RAFT_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "store.h"

#define RAFT_NODE_ADDR_MAX	     128   /* longest "RAFT/API" address */
#define RAFT_NODE_MAX_SERVERS	     16	   /* servers shown by raft_node_info */
#define RAFT_NODE_KEY_BYTES	     32	   /* cluster key */
#define RAFT_NODE_SNAPSHOT_THRESHOLD 65536 /* entries between snapshots (docs/ARCHITECTURE.md) */
#define RAFT_NODE_SNAPSHOT_TRAILING  8192  /* entries kept after a snapshot */

struct raft_node;

/* How to start a node. Strings are copied. */
struct raft_node_config {
	uint64_t id;		     /* this server's id (>= 1) */
	const char *dir;	     /* raft_uv directory (created) */
	const char *raft_addr;	     /* "IP:PORT" the transport listens on */
	const char *api_addr;	     /* "IP:PORT" advertised for redirects */
	const char *peers;	     /* "ID@RAFT/API,..." (may include self), or NULL */
	bool join;		     /* do not bootstrap: wait to be added */
	const uint8_t *key;	     /* RAFT_NODE_KEY_BYTES cluster key */
	unsigned snapshot_threshold; /* 0 for RAFT_NODE_SNAPSHOT_THRESHOLD */
	unsigned snapshot_trailing;  /* 0 for RAFT_NODE_SNAPSHOT_TRAILING */
};

/* One server of the configuration. */
struct raft_node_server {
	uint64_t id;			    /* server id */
	char raft_addr[RAFT_NODE_ADDR_MAX]; /* transport address */
	char api_addr[RAFT_NODE_ADDR_MAX];  /* REST address */
	int role;			    /* RAFT_VOTER, RAFT_STANDBY, RAFT_SPARE */
};

/* A view of the node, refreshed by the Raft thread on every loop turn. */
struct raft_node_info {
	uint64_t id;			     /* this server */
	int state;			     /* enum raft_state */
	uint64_t term;			     /* current term */
	uint64_t commit;		     /* commit index */
	uint64_t applied;		     /* last applied index */
	uint64_t leader_id;		     /* 0 if unknown */
	char leader_api[RAFT_NODE_ADDR_MAX]; /* leader's API address, "" if unknown */
	size_t n_servers;		     /* entries in servers */
	struct raft_node_server servers[RAFT_NODE_MAX_SERVERS]; /* the configuration */
};

/* Completion of a proposal (raft_node_propose): status 0 with res filled
 * (res->rc says applied (0) or why not (-errno); the callee releases res
 * after the callback returns); -EREMOTE when this node is not the leader;
 * -ECANCELED when the outcome is unknown (leadership lost, shutdown): the
 * client should retry with the same idempotency key; -EIO, -ENOMEM. */
typedef void (*raft_node_apply_cb)(void *arg, int status, struct store_result *res);

/* Completion of a barrier or membership change: 0, -EREMOTE (not leader),
 * -ENOENT (no such server), -EBUSY (another change in progress),
 * -ECANCELED, -EIO; msg is a human-readable reason (never NULL). */
typedef void (*raft_node_done_cb)(void *arg, int status, const char *msg);

/* Starts the node: opens (or bootstraps, unless cfg->join) the Raft state in
 * cfg->dir and runs the Raft thread. The store and base are borrowed and
 * must outlive the node. Returns NULL on failure (logged). Main thread. */
struct raft_node *raft_node_new(struct event_base *base, struct store *store,
				const struct raft_node_config *cfg);

/* Stops the Raft thread (pending requests complete with -ECANCELED, their
 * callbacks run before this returns) and frees the node. Takes NULL; sets
 * *np to NULL. Main thread. */
void raft_node_destroy(struct raft_node **np);

/* Sets the callback run on the main thread after one or more entries (or a
 * snapshot) were applied. */
void raft_node_set_on_applied(struct raft_node *n, void (*cb)(void *arg), void *arg);

/* Proposes a command (store_cmd_encode bytes; copied). cb runs exactly once
 * (unless this returns an error). Returns 0, -EINVAL, -ENOMEM. Main thread. */
int raft_node_propose(struct raft_node *n, const void *cmd, size_t len, raft_node_apply_cb cb,
		      void *arg);

/* Waits until everything committed before the call is applied here (leader
 * only). cb runs exactly once unless an error is returned. 0, -ENOMEM. */
int raft_node_barrier(struct raft_node *n, raft_node_done_cb cb, void *arg);

/* Membership (leader only): add server id at addr ("RAFT/API") as a spare,
 * let it catch up and make it a voter; remove server id; transfer
 * leadership to id (0: any voter). cb runs exactly once unless an error is
 * returned. 0, -EINVAL, -ENOMEM. Main thread. */
int raft_node_add(struct raft_node *n, uint64_t id, const char *addr, raft_node_done_cb cb,
		  void *arg);
int raft_node_remove(struct raft_node *n, uint64_t id, raft_node_done_cb cb, void *arg);
int raft_node_transfer(struct raft_node *n, uint64_t id, raft_node_done_cb cb, void *arg);

/* Copies the latest view into *out. Any thread. */
void raft_node_info(struct raft_node *n, struct raft_node_info *out);

/* Splits "RAFT/API" into its parts (either may be returned empty). */
void raft_node_addr_split(const char *addr, char *raft_addr, size_t raft_size, char *api_addr,
			  size_t api_size);

#endif
