/* raft_node_int.h - private to raft_node.c (main thread side) and
 * raft_fsm.c (Raft thread side). */
#ifndef TENET_RAFT_NODE_INT_H
#define TENET_RAFT_NODE_INT_H

#include <pthread.h>

#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#include "raft_node.h"
#include "raft_pipe.h"

#define RAFT_ENTRY_HDR	 16	/* "TNC1", u32 length, u64 proposal tag */
#define RAFT_ENTRY_MAGIC "TNC1" /* entry format tag */

enum raft_node_req_type {
	RAFT_NODE_APPLY,    /* raft_apply of a command */
	RAFT_NODE_BARRIER,  /* raft_barrier */
	RAFT_NODE_ADD,	    /* raft_add then raft_assign(VOTER) */
	RAFT_NODE_REMOVE,   /* raft_remove */
	RAFT_NODE_TRANSFER, /* raft_transfer */
};

/* A request from the main thread, and its result on the way back. */
struct raft_node_req {
	enum raft_node_req_type type;  /* what to do */
	struct raft_node *node;	       /* owner */
	struct raft_node_req *next;    /* in the in/out queue or the pending list */
	void *entry;		       /* APPLY: padded entry (raft_malloc'd) */
	size_t entry_len;	       /* APPLY: its length */
	uint64_t tag;		       /* APPLY: proposal tag in the entry header */
	uint64_t index;		       /* APPLY: log index assigned by raft_apply */
	uint64_t id;		       /* ADD/REMOVE/TRANSFER: server id */
	char addr[RAFT_NODE_ADDR_MAX]; /* ADD: "RAFT/API" */
	raft_node_apply_cb apply_cb;   /* APPLY completion */
	raft_node_done_cb done_cb;     /* other completions */
	void *arg;		       /* callback argument */
	int status;		       /* 0 or -errno */
	char msg[128];		       /* reason */
	bool has_res;		       /* res was filled by the apply pipeline */
	bool claimed;		       /* APPLY: its entry was pushed into the pipeline */
	uint64_t wait;		       /* held until raft_pipe_done reaches this */
	struct store_result res;       /* APPLY: the outcome */
	union {
		struct raft_apply apply;       /* APPLY */
		struct raft_barrier barrier;   /* BARRIER */
		struct raft_change change;     /* ADD/REMOVE */
		struct raft_transfer transfer; /* TRANSFER */
	} r;				       /* libraft's request */
};

struct raft_node {
	/* set before the thread starts, then read-only */
	struct store *store;	       /* the state machine (borrowed) */
	struct raft_pipe *pipe;	       /* applies committed entries to store */
	struct event_base *base;       /* main loop (borrowed) */
	uint64_t id;		       /* this server */
	char addr[RAFT_NODE_ADDR_MAX]; /* "RAFT/API" */
	/* Raft thread only */
	uv_loop_t loop;		       /* the Raft loop */
	uv_async_t wake;	       /* main -> Raft wake-up */
	uv_check_t check;	       /* releases answers, refreshes info every loop turn */
	struct raft_uv_transport tcp;  /* raft_uv_tcp */
	struct raft_uv_transport auth; /* authenticating wrapper of tcp */
	struct raft_io io;	       /* raft_uv */
	int (*io_start)(struct raft_io *, unsigned, raft_io_tick_cb, raft_io_recv_cb);
	raft_io_recv_cb io_recv;       /* libraft's receive callback (raft_node_guard_io) */
	unsigned snapshots_deferred;   /* InstallSnapshot messages dropped while snapshotting */
	struct raft raft;	       /* the Raft server */
	struct raft_fsm fsm;	       /* the store as state machine */
	struct raft_node_req *pending; /* proposals waiting for their entry */
	bool closing;		       /* raft_close called */
	bool inited;		       /* raft_init succeeded: raft_close needed */
	bool started;		       /* raft_start succeeded */
	/* shared, under lock */
	pthread_mutex_t lock;	   /* guards the fields below */
	struct raft_node_req *in;  /* main -> Raft queue (LIFO, reversed on pop) */
	struct raft_node_req *out; /* Raft -> main queue (LIFO, reversed on pop) */
	/* completions held until their entries commit (FIFO); released by
	 * the Raft thread or, as soon as a batch commits, by the pipe's */
	struct raft_node_req *held;
	struct raft_node_req *held_tail; /* its last */
	uint64_t applied_seen;		 /* raft_pipe_applied when main was last told */
	bool stop;			 /* main asked the thread to stop */
	bool applied;			 /* entries applied since main last looked */
	struct raft_node_info info;	 /* latest view */
	/* main thread only */
	pthread_t thread;	       /* the Raft thread */
	bool running;		       /* thread started */
	int efd;		       /* eventfd: Raft -> main wake-up */
	struct event *ev;	       /* efd watcher */
	void (*on_applied)(void *arg); /* after entries were applied */
	void *on_applied_arg;	       /* its argument */
	uint64_t next_tag;	       /* proposal tags */
};

/* Reverses a LIFO list of requests (the queues push at the head), so that
 * it runs oldest first; returns the new head. */
static inline struct raft_node_req *raft_node_req_reverse(struct raft_node_req *list)
{
	struct raft_node_req *rev = NULL;

	while (list) {
		struct raft_node_req *next = list->next;

		list->next = rev;
		rev = list;
		list = next;
	}
	return rev;
}

/* Raft thread (raft_node.c): raft_uv's receive callback as installed by raft_node: drops an
 * InstallSnapshot while a local snapshot is being written (libraft 0.22.1
 * defect, raft_node.c), passes every other message to libraft's. io->data is
 * the struct raft, whose data is the raft_node. */
void raft_node_recv_guard(struct raft_io *io, struct raft_message *msg);

/* Raft thread (raft_fsm.c). */
void raft_fsm_setup(struct raft_node *n);
void raft_node_exec(struct raft_node *n, struct raft_node_req *req);
void raft_node_complete(struct raft_node *n, struct raft_node_req *req, int status,
			const char *msg);
void raft_node_refresh(struct raft_node *n);
/* Hands the held completions whose entries the pipe has committed (all of
 * them if all: after the pipe was destroyed) to the main thread, and tells
 * it of newly applied state. Reads the pipe's counters first, then takes
 * n->lock: never both locks at once on this side. */
void raft_node_release(struct raft_node *n, bool all);
/* The same from the pipe's notification (pipe thread, pipe lock held), with
 * the pipe's counters: the answers of a committed batch go straight to the
 * main thread, without a wake-up of the Raft loop in between. Only
 * completions libraft has finished with are ever held. */
void raft_node_committed(struct raft_node *n, uint64_t done, uint64_t applied);

#endif
