/* raft_node.c - the main thread's side of raft_node: setup, the Raft
 * thread's lifecycle, the hand-over queues (see raft_node.h). */
#include "raft_node_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "raft_transport.h"

#define RAFT_NODE_ELECTION_MS  400 /* election timeout (randomised 1x..2x) */
#define RAFT_NODE_HEARTBEAT_MS 50  /* leader heartbeat */
/* A leader whose InstallSnapshot got no answer sends it again after this
 * (libraft's default is 30 s); see raft_node_recv_guard. */
#define RAFT_NODE_INSTALL_SNAPSHOT_MS 3000

void raft_node_addr_split(const char *addr, char *raft_addr, size_t raft_size, char *api_addr,
			  size_t api_size)
{
	const char *slash = addr ? strchr(addr, '/') : NULL;
	int n = slash ? (int)(slash - addr) : (addr ? (int)strlen(addr) : 0);

	if (raft_addr && raft_size)
		snprintf(raft_addr, raft_size, "%.*s", n, addr ? addr : "");
	if (api_addr && api_size)
		snprintf(api_addr, api_size, "%s", slash ? slash + 1 : "");
}

/* Raft thread: takes the requests queued by the main thread. */
static void rn_on_wake(uv_async_t *a)
{
	struct raft_node *n = a->data;
	struct raft_node_req *list, *rev = NULL;
	bool stop;

	pthread_mutex_lock(&n->lock);
	list = n->in;
	n->in = NULL;
	stop = n->stop;
	pthread_mutex_unlock(&n->lock);
	rev = raft_node_req_reverse(list); /* oldest first */
	while (rev) {
		struct raft_node_req *next = rev->next;

		if (stop)
			raft_node_complete(n, rev, -ECANCELED, "shutting down");
		else
			raft_node_exec(n, rev);
		rev = next;
	}
	if (stop && !n->closing) {
		n->closing = true;
		raft_node_release(n, false); /* what the pipe committed; the rest at destroy */
		raft_pipe_set_notify(n->pipe, NULL, NULL);
		uv_close((uv_handle_t *)&n->wake, NULL);
		uv_close((uv_handle_t *)&n->check, NULL);
		if (n->inited)
			raft_close(&n->raft, NULL);
	}
}

/* After poll, every loop turn: answers whose entries are committed go to
 * the main thread, then the view is refreshed. */
static void rn_on_check(uv_check_t *c)
{
	raft_node_release(c->data, false);
	raft_node_refresh(c->data);
}

/* Pipe thread, pipe lock held: a batch was committed; its answers go to
 * the main thread from here. */
static void rn_pipe_notify(void *arg, uint64_t done, uint64_t applied)
{
	raft_node_committed(arg, done, applied);
}

static void *rn_thread(void *arg)
{
	struct raft_node *n = arg;

	uv_run(&n->loop, UV_RUN_DEFAULT);
	return NULL;
}

/* Main thread: hands a result to its callback and frees the request. */
static void rn_deliver(struct raft_node_req *req)
{
	if (req->type == RAFT_NODE_APPLY) {
		if (req->apply_cb)
			req->apply_cb(req->arg, req->status, req->has_res ? &req->res : NULL);
		store_result_release(&req->res);
		raft_free(req->entry);
	} else if (req->done_cb) {
		req->done_cb(req->arg, req->status, req->msg);
	}
	free(req);
}

static void rn_drain(struct raft_node *n)
{
	struct raft_node_req *list, *rev = NULL;
	bool applied;

	pthread_mutex_lock(&n->lock);
	list = n->out;
	n->out = NULL;
	applied = n->applied;
	n->applied = false;
	pthread_mutex_unlock(&n->lock);
	if (applied && n->on_applied)
		n->on_applied(n->on_applied_arg);
	rev = raft_node_req_reverse(list); /* oldest first */
	while (rev) {
		struct raft_node_req *next = rev->next;

		rn_deliver(rev);
		rev = next;
	}
}

static void rn_on_event(evutil_socket_t fd, short what, void *arg)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("raft eventfd read failed err=%s", log_errname(errno));
	rn_drain(arg);
}

/* Adds "ID@RAFT/API" entries of peers (and self) to conf. */
static int rn_conf(const struct raft_node_config *cfg, const char *self,
		   struct raft_configuration *conf)
{
	char buf[4096], *save = NULL;
	int rv;

	raft_configuration_init(conf);
	rv = raft_configuration_add(conf, cfg->id, self, RAFT_VOTER);
	if (!cfg->peers || rv != 0)
		return rv ? -EINVAL : 0;
	if (snprintf(buf, sizeof(buf), "%s", cfg->peers) >= (int)sizeof(buf))
		return -EINVAL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *at = strchr(tok, '@'), *end;
		unsigned long long id;

		if (!at || !strchr(at, '/'))
			return -EINVAL;
		*at = '\0';
		id = strtoull(tok, &end, 10);
		if (*end || id == 0)
			return -EINVAL;
		if (id == cfg->id)
			continue;
		if (raft_configuration_add(conf, id, at + 1, RAFT_VOTER) != 0)
			return -EINVAL;
	}
	return 0;
}

static int rn_bootstrap(struct raft_node *n, const struct raft_node_config *cfg)
{
	struct raft_configuration conf;
	int rv = rn_conf(cfg, n->addr, &conf);

	if (rv < 0) {
		log_err("bad peer list peers=%s (want ID@RAFT_ADDR/API_ADDR,...)", cfg->peers);
		raft_configuration_close(&conf);
		return rv;
	}
	rv = raft_bootstrap(&n->raft, &conf);
	raft_configuration_close(&conf);
	if (rv == RAFT_CANTBOOTSTRAP)
		return 0; /* existing state */
	if (rv == 0 && store_applied_index(n->store) > 0) {
		/* a fresh log under a store that applied entries of another one:
		 * its indexes would be skipped as replays */
		log_err("the store applied raft index %llu but the Raft log in this data directory "
			"is new: refusing to start (restore the raft directory or start with an "
			"empty store)",
			(unsigned long long)store_applied_index(n->store));
		return -EINVAL;
	}
	if (rv != 0) {
		log_err("raft bootstrap failed err=\"%s\"", raft_strerror(rv));
		return -EIO;
	}
	log_info("raft bootstrapped id=%llu servers=%s", (unsigned long long)n->id,
		 cfg->peers ? cfg->peers : "self");
	return 0;
}

/*
 * Receive guard for a libraft 0.22.1 defect (src/legacy.c, takeSnapshotCb): an
 * InstallSnapshot that arrives while this node is writing a snapshot of its
 * own is parked, and takeSnapshotCb clears the parked request before reading
 * it, so it starts persisting NULL and the process dies. Such a message is
 * dropped here instead, before libraft sees it: Raft tolerates lost messages,
 * and the leader sends the snapshot again after RAFT_NODE_INSTALL_SNAPSHOT_MS.
 * (Declared in raft_node_int.h for its unit test.)
 * Ownership of the message's snapshot data passed to us with the call (as
 * libraft's own receive callback frees it while closing).
 */
void raft_node_recv_guard(struct raft_io *io, struct raft_message *msg)
{
	struct raft *r = io->data;
	struct raft_node *n = r->data;

	if (msg->type == RAFT_INSTALL_SNAPSHOT && r->legacy.snapshot_taking) {
		n->snapshots_deferred++;
		log_info("raft snapshot from leader deferred: a local snapshot is being "
			 "written index=%llu deferred=%u",
			 (unsigned long long)msg->install_snapshot.last_index,
			 n->snapshots_deferred);
		raft_configuration_close(&msg->install_snapshot.conf);
		raft_free(msg->install_snapshot.data.base);
		return;
	}
	n->io_recv(io, msg);
}

static int rn_io_start(struct raft_io *io, unsigned msecs, raft_io_tick_cb tick,
		       raft_io_recv_cb recv)
{
	struct raft *r = io->data;
	struct raft_node *n = r->data;

	n->io_recv = recv;
	return n->io_start(io, msecs, tick, raft_node_recv_guard);
}

static void rn_tune(struct raft_node *n, const struct raft_node_config *cfg)
{
	raft_set_install_snapshot_timeout(&n->raft, RAFT_NODE_INSTALL_SNAPSHOT_MS);
	raft_set_election_timeout(&n->raft, RAFT_NODE_ELECTION_MS);
	raft_set_heartbeat_timeout(&n->raft, RAFT_NODE_HEARTBEAT_MS);
	raft_set_pre_vote(&n->raft, true);
	raft_set_snapshot_threshold(&n->raft, cfg->snapshot_threshold
						  ? cfg->snapshot_threshold
						  : RAFT_NODE_SNAPSHOT_THRESHOLD);
	raft_set_snapshot_trailing(&n->raft, cfg->snapshot_trailing ? cfg->snapshot_trailing
								    : RAFT_NODE_SNAPSHOT_TRAILING);
}

/* Sets up libuv, the transport, raft_uv and libraft; 0 or -errno. */
static int rn_raft_setup(struct raft_node *n, const struct raft_node_config *cfg)
{
	int rv;

	n->tcp.version = 1; /* raft_uv_tcp_init refuses an unversioned struct */
	rv = raft_uv_tcp_init(&n->tcp, &n->loop);
	if (rv == 0)
		rv = raft_transport_init(&n->auth, &n->tcp, &n->loop, cfg->key) ? RAFT_NOMEM : 0;
	if (rv == 0)
		rv = raft_uv_init(&n->io, &n->loop, cfg->dir, &n->auth);
	if (rv != 0) {
		log_err("raft io setup failed dir=%s err=\"%s\" msg=\"%s\"", cfg->dir,
			raft_strerror(rv), n->io.errmsg);
		return -EIO;
	}
	raft_uv_set_auto_recovery(&n->io, false);
	raft_fsm_setup(n);
	rv = raft_init(&n->raft, &n->io, &n->fsm, n->id, n->addr);
	if (rv != 0) {
		log_err("raft init failed err=\"%s\"", raft_strerror(rv));
		return -EIO;
	}
	n->inited = true;
	n->raft.data = n;
	n->io_start = n->io.start; /* raft_start calls it with its receive callback */
	n->io.start = rn_io_start;
	rn_tune(n, cfg);
	if (!cfg->join && rn_bootstrap(n, cfg) < 0)
		return -EINVAL;
	rv = raft_start(&n->raft);
	if (rv != 0) {
		log_err("raft start failed err=\"%s\" msg=\"%s\"", raft_strerror(rv),
			raft_errmsg(&n->raft));
		return -EIO;
	}
	n->started = true;
	raft_node_release(n, false); /* should raft_start have applied anything */
	raft_node_refresh(n);
	return 0;
}

/* Main thread: everything the node needs before the thread starts. */
static int rn_setup(struct raft_node *n, const struct raft_node_config *cfg)
{
	n->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->efd < 0)
		return -errno;
	n->ev = event_new(n->base, n->efd, EV_READ | EV_PERSIST, rn_on_event, n);
	if (!n->ev || event_add(n->ev, NULL) < 0)
		return -ENOMEM;
	if (uv_loop_init(&n->loop) != 0)
		return -ENOMEM;
	uv_async_init(&n->loop, &n->wake, rn_on_wake);
	n->wake.data = n;
	uv_check_init(&n->loop, &n->check);
	n->check.data = n;
	uv_check_start(&n->check, rn_on_check);
	if (store_raft_durability(n->store) < 0)
		return -EIO;
	n->pipe = raft_pipe_new(n->store);
	if (!n->pipe)
		return -ENOMEM;
	raft_pipe_set_notify(n->pipe, rn_pipe_notify, n);
	return rn_raft_setup(n, cfg);
}

struct raft_node *raft_node_new(struct event_base *base, struct store *store,
				const struct raft_node_config *cfg)
{
	struct raft_node *n;
	int rc;

	if (!base || !store || !cfg || !cfg->id || !cfg->dir || !cfg->raft_addr || !cfg->key)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->base = base;
	n->store = store;
	n->id = cfg->id;
	n->efd = -1;
	snprintf(n->addr, sizeof(n->addr), "%s/%s", cfg->raft_addr,
		 cfg->api_addr ? cfg->api_addr : "");
	randombytes_buf(&n->next_tag, sizeof(n->next_tag));
	pthread_mutex_init(&n->lock, NULL);
	rc = rn_setup(n, cfg);
	if (rc == 0)
		rc = -pthread_create(&n->thread, NULL, rn_thread, n);
	n->running = rc == 0;
	if (rc < 0) {
		log_err("raft node failed id=%llu err=%s", (unsigned long long)cfg->id,
			log_errname(-rc));
		raft_node_destroy(&n);
		return NULL;
	}
	log_info("raft node started id=%llu addr=%s", (unsigned long long)n->id, n->addr);
	return n;
}

void raft_node_destroy(struct raft_node **np)
{
	struct raft_node *n;

	if (!np || !*np)
		return;
	n = *np;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_mutex_unlock(&n->lock);
	if (n->running) {
		uv_async_send(&n->wake);
		pthread_join(n->thread, NULL);
	} else if (n->wake.loop) {
		rn_on_wake(&n->wake); /* closes handles and raft in this thread */
		uv_run(&n->loop, UV_RUN_DEFAULT);
	}
	if (n->wake.loop) {
		if (n->io.impl)
			raft_uv_close(&n->io);
		if (n->tcp.impl)
			raft_uv_tcp_close(&n->tcp);
		raft_transport_close(&n->auth);
		uv_loop_close(&n->loop);
	}
	/* commits what is queued; then every held answer is final */
	raft_pipe_destroy(&n->pipe);
	raft_node_release(n, true);
	rn_drain(n);
	if (n->ev)
		event_free(n->ev);
	if (n->efd >= 0)
		close(n->efd);
	pthread_mutex_destroy(&n->lock);
	free(n);
	*np = NULL;
}

void raft_node_set_on_applied(struct raft_node *n, void (*cb)(void *arg), void *arg)
{
	if (!n)
		return;
	n->on_applied = cb;
	n->on_applied_arg = arg;
}

static int rn_submit(struct raft_node *n, struct raft_node_req *req)
{
	pthread_mutex_lock(&n->lock);
	if (n->stop) {
		pthread_mutex_unlock(&n->lock);
		return -ECANCELED;
	}
	req->node = n;
	req->next = n->in;
	n->in = req;
	pthread_mutex_unlock(&n->lock);
	uv_async_send(&n->wake);
	return 0;
}

int raft_node_propose(struct raft_node *n, const void *cmd, size_t len, raft_node_apply_cb cb,
		      void *arg)
{
	size_t padded = RAFT_ENTRY_HDR + ((len + 7) & ~(size_t)7);
	struct raft_node_req *req;
	uint8_t *e;
	int rc;

	if (!n || !cmd || len == 0 || len > UINT32_MAX)
		return -EINVAL;
	req = calloc(1, sizeof(*req));
	e = raft_calloc(1, padded);
	if (!req || !e) {
		free(req);
		raft_free(e);
		return -ENOMEM;
	}
	req->tag = ++n->next_tag;
	memcpy(e, RAFT_ENTRY_MAGIC, 4);
	for (int i = 0; i < 4; i++)
		e[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		e[8 + i] = (uint8_t)(req->tag >> (56 - 8 * i));
	memcpy(e + RAFT_ENTRY_HDR, cmd, len);
	*req = (struct raft_node_req){.type = RAFT_NODE_APPLY,
				      .entry = e,
				      .entry_len = padded,
				      .tag = req->tag,
				      .apply_cb = cb,
				      .arg = arg};
	rc = rn_submit(n, req);
	if (rc < 0) {
		raft_free(e);
		free(req);
	}
	return rc;
}

static int rn_simple(struct raft_node *n, enum raft_node_req_type type, uint64_t id,
		     const char *addr, raft_node_done_cb cb, void *arg)
{
	struct raft_node_req *req;
	int rc;

	if (!n)
		return -EINVAL;
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->type = type;
	req->id = id;
	snprintf(req->addr, sizeof(req->addr), "%s", addr ? addr : "");
	req->done_cb = cb;
	req->arg = arg;
	rc = rn_submit(n, req);
	if (rc < 0)
		free(req);
	return rc;
}

int raft_node_barrier(struct raft_node *n, raft_node_done_cb cb, void *arg)
{
	return rn_simple(n, RAFT_NODE_BARRIER, 0, NULL, cb, arg);
}

int raft_node_add(struct raft_node *n, uint64_t id, const char *addr, raft_node_done_cb cb,
		  void *arg)
{
	if (!id || !addr || !strchr(addr, '/') || strlen(addr) >= RAFT_NODE_ADDR_MAX)
		return -EINVAL;
	return rn_simple(n, RAFT_NODE_ADD, id, addr, cb, arg);
}

int raft_node_remove(struct raft_node *n, uint64_t id, raft_node_done_cb cb, void *arg)
{
	if (!id)
		return -EINVAL;
	return rn_simple(n, RAFT_NODE_REMOVE, id, NULL, cb, arg);
}

int raft_node_transfer(struct raft_node *n, uint64_t id, raft_node_done_cb cb, void *arg)
{
	return rn_simple(n, RAFT_NODE_TRANSFER, id, NULL, cb, arg);
}

void raft_node_info(struct raft_node *n, struct raft_node_info *out)
{
	if (!n || !out)
		return;
	pthread_mutex_lock(&n->lock);
	*out = n->info;
	pthread_mutex_unlock(&n->lock);
}
