/* raft_fsm.c - the Raft thread's side of raft_node: the state machine
 * callbacks and the execution of requests (see raft_node.h). */
#include "raft_node_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "log.h"

/* Wakes the main thread. Any thread. */
static void rf_kick(struct raft_node *n)
{
	uint64_t one = 1;

	if (write(n->efd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: main is awake anyway */
	}
}

/* Completes an APPLY whose entry the pipe committed without a result for
 * it: the store had applied that index before (a replay). */
static void rf_settle(struct raft_node_req *req)
{
	if (req->type == RAFT_NODE_APPLY && req->status == 0 && !req->has_res) {
		req->status = -ECANCELED;
		snprintf(req->msg, sizeof(req->msg), "entry applied elsewhere");
	}
}

void raft_node_complete(struct raft_node *n, struct raft_node_req *req, int status, const char *msg)
{
	req->status = status;
	snprintf(req->msg, sizeof(req->msg), "%s", msg ? msg : "");
	/* an answer (a write's 201, a barrier's go-ahead) may only be seen
	 * after every entry handed to the pipe before it is committed */
	req->wait = raft_pipe_pushed(n->pipe);
	req->next = NULL;
	pthread_mutex_lock(&n->lock);
	if (n->held_tail)
		n->held_tail->next = req;
	else
		n->held = req;
	n->held_tail = req;
	pthread_mutex_unlock(&n->lock);
	/* done is read after req is held: a batch committed in between is
	 * seen here if its notification missed req */
	raft_node_release(n, false);
}

/* Moves the held completions with wait <= done (all of them if all) to the
 * main thread's queue and notes newly applied state (n->lock held). true
 * when the main thread has something new. */
static bool rf_release_locked(struct raft_node *n, uint64_t done, uint64_t applied, bool all)
{
	bool moved = false, news = applied > n->applied_seen;

	while (n->held && (all || n->held->wait <= done)) {
		struct raft_node_req *req = n->held;

		n->held = req->next;
		rf_settle(req);
		req->next = n->out;
		n->out = req;
		moved = true;
	}
	if (!n->held)
		n->held_tail = NULL;
	if (news) {
		n->applied_seen = applied;
		n->applied = true;
	}
	return moved || news;
}

void raft_node_release(struct raft_node *n, bool all)
{
	uint64_t done = raft_pipe_done(n->pipe), applied = raft_pipe_applied(n->pipe);
	bool kick;

	pthread_mutex_lock(&n->lock);
	kick = rf_release_locked(n, done, applied, all);
	pthread_mutex_unlock(&n->lock);
	if (kick)
		rf_kick(n);
}

void raft_node_committed(struct raft_node *n, uint64_t done, uint64_t applied)
{
	bool kick;

	pthread_mutex_lock(&n->lock);
	kick = rf_release_locked(n, done, applied, false);
	pthread_mutex_unlock(&n->lock);
	if (kick)
		rf_kick(n);
}

/* Translates a libraft error of a leader-only request. */
static int rf_errno(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case RAFT_NOTLEADER:
		return -EREMOTE;
	case RAFT_BADID:
	case RAFT_NOTFOUND:
		return -ENOENT;
	case RAFT_CANTCHANGE:
		return -EBUSY;
	case RAFT_DUPLICATEID:
	case RAFT_DUPLICATEADDRESS:
		return -EEXIST;
	case RAFT_NOMEM:
		return -ENOMEM;
	case RAFT_LEADERSHIPLOST:
	case RAFT_SHUTDOWN:
	case RAFT_CANCELED:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

static void rf_unpend(struct raft_node *n, struct raft_node_req *req)
{
	for (struct raft_node_req **p = &n->pending; *p; p = &(*p)->next) {
		if (*p == req) {
			*p = req->next;
			return;
		}
	}
}

/* libraft's state machine apply: the entry at last_applied + 1, pushed into
 * the apply pipeline (raft_pipe.h), which applies and commits it on its own
 * thread; the proposal waiting for it gets its result from there. A bad
 * entry is a rejected write, never an error (that would stall the log). */
static int rf_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
	struct raft_node *n = fsm->data;
	uint64_t index = n->raft.last_applied + 1, tag = 0;
	const uint8_t *b = buf->base;
	struct raft_node_req *req;
	size_t len = 0, off = buf->len < RAFT_ENTRY_HDR ? buf->len : RAFT_ENTRY_HDR;
	int rc;

	*result = NULL;
	if (n->closing)
		return RAFT_SHUTDOWN; /* not applied: the log keeps it */
	if (buf->len >= RAFT_ENTRY_HDR && memcmp(b, RAFT_ENTRY_MAGIC, 4) == 0) {
		len = bytes_get_be32(b + 4);
		tag = bytes_get_be64(b + 8);
		if (len > buf->len - RAFT_ENTRY_HDR)
			len = 0;
	}
	for (req = n->pending; req; req = req->next)
		if (req->index == index && req->tag == tag && !req->claimed)
			break;
	/* the entry's bytes seed the store identity (store.h, store_id_ensure) */
	rc = raft_pipe_push(n->pipe, index, buf->base, buf->len, off, len, req ? &req->res : NULL,
			    req ? &req->has_res : NULL);
	if (rc < 0)
		return rc == -ENOMEM ? RAFT_NOMEM : RAFT_SHUTDOWN;
	if (req)
		req->claimed = true;
	return 0;
}

static int rf_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
	struct raft_node *n = fsm->data;
	struct raft_pipe_snap snap;
	int rc;

	/* the snapshot must hold every entry libraft counts as applied: the
	 * dump, made on a thread of its own, and the tail of entries applied
	 * since it began. Until the dump is done libraft is told to try again
	 * (RAFT_BUSY: it asks after its next applied entries). */
	rc = raft_pipe_snapshot(n->pipe, &snap);
	if (rc == -EBUSY)
		return RAFT_BUSY;
	if (rc < 0) {
		log_err("raft snapshot failed err=%s", log_errname(-rc));
		return rc == -ENOMEM ? RAFT_NOMEM : RAFT_IOERR;
	}
	*bufs = raft_malloc(2 * sizeof(**bufs));
	if (!*bufs) {
		free(snap.dump);
		free(snap.tail);
		return RAFT_NOMEM;
	}
	(*bufs)[0] = (struct raft_buffer){.base = snap.dump, .len = snap.dump_len};
	(*bufs)[1] = (struct raft_buffer){.base = snap.tail, .len = snap.tail_len};
	*n_bufs = snap.tail ? 2 : 1;
	log_info("raft snapshot taken index=%llu bytes=%zu tail=%zu dump_ms=%.1f",
		 (unsigned long long)snap.index, snap.dump_len + snap.tail_len, snap.tail_n,
		 snap.dump_ms);
	return 0;
}

static int rf_snapshot_finalize(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
	for (unsigned i = 0; *bufs && i < *n_bufs; i++)
		free((*bufs)[i].base);
	raft_free(*bufs);
	*bufs = NULL;
	*n_bufs = 0;
	return 0;
}

static int rf_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
	struct raft_node *n = fsm->data;
	bool skipped = false;
	int rc;

	/* the entries before it are committed first (the pipe drains) */
	rc = raft_pipe_restore(n->pipe, buf->base, buf->len, &skipped);
	if (rc < 0)
		return RAFT_IOERR;
	raft_free(buf->base);
	pthread_mutex_lock(&n->lock);
	n->applied = true;
	pthread_mutex_unlock(&n->lock);
	return 0;
}

void raft_fsm_setup(struct raft_node *n)
{
	memset(&n->fsm, 0, sizeof(n->fsm));
	n->fsm.version = 3;
	n->fsm.data = n;
	n->fsm.apply = rf_apply;
	n->fsm.snapshot = rf_snapshot;
	n->fsm.snapshot_finalize = rf_snapshot_finalize;
	n->fsm.restore = rf_restore;
	n->fsm.snapshot_async = NULL;
}

static void rf_on_apply(struct raft_apply *a, int status, void *result)
{
	struct raft_node_req *req = a->data;
	struct raft_node *n = req->node;

	rf_unpend(n, req);
	if (status == 0 && req->claimed) /* its result comes from the pipe */
		return raft_node_complete(n, req, 0, "");
	raft_node_complete(n, req, -ECANCELED,
			   status ? raft_strerror(status) : "entry applied elsewhere");
}

static void rf_on_barrier(struct raft_barrier *b, int status)
{
	struct raft_node_req *req = b->data;

	raft_node_complete(req->node, req, rf_errno(status), status ? raft_strerror(status) : "");
}

static void rf_on_change(struct raft_change *c, int status)
{
	struct raft_node_req *req = c->data;
	struct raft_node *n = req->node;
	int rv;

	if (status == 0 && req->type == RAFT_NODE_ADD) {
		/* spare now: catch up, then become a voter */
		req->type = RAFT_NODE_REMOVE; /* the next completion is final */
		req->r.change.data = req;
		rv = raft_assign(&n->raft, &req->r.change, req->id, RAFT_VOTER, rf_on_change);
		if (rv == 0)
			return;
		status = rv;
	}
	raft_node_complete(n, req, rf_errno(status), status ? raft_strerror(status) : "");
}

static void rf_on_transfer(struct raft_transfer *t)
{
	struct raft_node_req *req = t->data;
	struct raft_node *n = req->node;
	raft_id leader = 0;
	const char *addr = NULL;

	raft_leader(&n->raft, &leader, &addr);
	if (leader != 0 && leader != n->id && (req->id == 0 || leader == req->id))
		return raft_node_complete(n, req, 0, "");
	raft_node_complete(n, req, -ETIMEDOUT, "leadership did not move in time");
}

static int rf_exec_apply(struct raft_node *n, struct raft_node_req *req)
{
	struct raft_buffer buf = {.base = req->entry, .len = req->entry_len};
	int rv;

	req->r.apply.data = req;
	rv = raft_apply(&n->raft, &req->r.apply, &buf, 1, rf_on_apply);
	if (rv != 0)
		return rv;
	req->entry = NULL; /* libraft owns it now */
	req->index = req->r.apply.index;
	req->next = n->pending;
	n->pending = req;
	return 0;
}

void raft_node_exec(struct raft_node *n, struct raft_node_req *req)
{
	int rv;

	if (n->closing || raft_state(&n->raft) != RAFT_LEADER) {
		raft_node_complete(n, req, n->closing ? -ECANCELED : -EREMOTE,
				   n->closing ? "shutting down" : "not the leader");
		return;
	}
	req->r.change.data = req; /* data is first in every request type */
	switch (req->type) {
	case RAFT_NODE_APPLY:
		rv = rf_exec_apply(n, req);
		break;
	case RAFT_NODE_BARRIER:
		req->r.barrier.data = req;
		rv = raft_barrier(&n->raft, &req->r.barrier, rf_on_barrier);
		break;
	case RAFT_NODE_ADD:
		rv = raft_add(&n->raft, &req->r.change, req->id, req->addr, rf_on_change);
		break;
	case RAFT_NODE_REMOVE:
		rv = raft_remove(&n->raft, &req->r.change, req->id, rf_on_change);
		break;
	default:
		req->r.transfer.data = req;
		rv = raft_transfer(&n->raft, &req->r.transfer, req->id, rf_on_transfer);
		break;
	}
	if (rv != 0)
		raft_node_complete(n, req, rf_errno(rv), raft_errmsg(&n->raft));
}

/* Copies the configuration and the counters into n->info. */
void raft_node_refresh(struct raft_node *n)
{
	struct raft_node_info *in = &n->info;
	raft_id leader = 0;
	const char *laddr = NULL;
	uint64_t applied;
	bool kick;

	if (!n->started)
		return;
	/* read before n->lock: the pipe's notification takes n->lock under
	 * the pipe's lock (raft_node_committed) */
	applied = raft_pipe_applied(n->pipe);
	raft_leader(&n->raft, &leader, &laddr);
	if ((int)raft_state(&n->raft) != n->info.state || leader != n->info.leader_id)
		log_info("raft role=%s term=%llu leader=%llu commit=%llu",
			 raft_state_name(raft_state(&n->raft)),
			 (unsigned long long)n->raft.current_term, (unsigned long long)leader,
			 (unsigned long long)n->raft.commit_index);
	pthread_mutex_lock(&n->lock);
	in->id = n->id;
	in->state = raft_state(&n->raft);
	in->term = n->raft.current_term;
	in->commit = n->raft.commit_index;
	in->applied = applied; /* committed to the store */
	in->leader_id = leader;
	in->leader_api[0] = '\0';
	(void)laddr; /* the transport's address: the configuration has the API part */
	for (unsigned i = 0; leader && i < n->raft.configuration.n; i++)
		if (n->raft.configuration.servers[i].id == leader)
			raft_node_addr_split(n->raft.configuration.servers[i].address, NULL, 0,
					     in->leader_api, sizeof(in->leader_api));
	in->n_servers = 0;
	for (unsigned i = 0; i < n->raft.configuration.n && i < RAFT_NODE_MAX_SERVERS; i++) {
		const struct raft_server *s = &n->raft.configuration.servers[i];
		struct raft_node_server *o = &in->servers[in->n_servers++];

		o->id = s->id;
		o->role = s->role;
		raft_node_addr_split(s->address, o->raft_addr, sizeof(o->raft_addr), o->api_addr,
				     sizeof(o->api_addr));
	}
	kick = n->applied;
	pthread_mutex_unlock(&n->lock);
	if (kick)
		rf_kick(n);
}
