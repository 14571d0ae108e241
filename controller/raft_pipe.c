/* raft_pipe.c - the apply pipeline: committed Raft entries applied to the
 * store and committed in batches on a thread of its own (see raft_pipe.h). */
#include "raft_pipe.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define RAFT_PIPE_RETRY_MS 100 /* pause before an entry the store failed is tried again */

/* One queued entry. */
struct raft_pipe_job {
	struct raft_pipe_job *next; /* in the queue */
	uint64_t index;		    /* Raft log index */
	size_t len;		    /* bytes in buf */
	size_t cmd_off;		    /* the command: buf[cmd_off..cmd_off + cmd_len) */
	size_t cmd_len;		    /* its length */
	struct store_result *res;   /* where the outcome goes, or NULL */
	bool *has_res;		    /* set when *res was filled */
	unsigned char buf[];	    /* the entry's bytes */
};

/* A snapshot's progress (raft_pipe_snapshot). */
enum rp_snap {
	RP_SNAP_IDLE,	 /* none under way */
	RP_SNAP_DUMPING, /* the dumper runs; pushes are recorded in the tail */
	RP_SNAP_READY,	 /* the dump is done (or failed): the next call hands it out */
};

struct raft_pipe {
	struct store *s;	    /* the state machine (borrowed) */
	pthread_t thread;	    /* the pipe's thread */
	bool running;		    /* thread started */
	pthread_mutex_t lock;	    /* guards the fields below */
	pthread_cond_t work;	    /* queue not empty, or stop */
	pthread_cond_t done_cond;   /* done or failing changed */
	struct raft_pipe_job *head; /* queue, oldest first */
	struct raft_pipe_job *tail; /* its last job */
	uint64_t pushed;	    /* jobs pushed */
	uint64_t done;		    /* jobs committed or dropped */
	uint64_t applied;	    /* highest index the store holds, committed */
	bool failing;		    /* the store failed the job at the head */
	bool stop;		    /* destroy asked the thread to finish */
	raft_pipe_notify_cb notify; /* after each commit */
	void *notify_arg;	    /* its argument */
	unsigned batch_max;	    /* thread only: largest batch so far */
	enum rp_snap snap;	    /* the snapshot under way */
	pthread_t dumper;	    /* its dumping thread (DUMPING, READY) */
	uint64_t snap_after;	    /* the dump waits until this many pushes are done */
	void *dump;		    /* READY: the dump (malloc'd), NULL if it failed */
	size_t dump_len;	    /* its bytes */
	uint64_t dump_index;	    /* the applied index it holds */
	int dump_rc;		    /* READY: 0 or -errno */
	double dump_ms;		    /* the dump's time */
	/* the Raft thread's alone (no lock): the tail of entries pushed since
	 * the snapshot began (store_snapshot_tail_put records) */
	uint8_t *tbuf;	    /* malloc'd, NULL: none */
	size_t tail_len;    /* bytes used */
	size_t tail_cap;    /* bytes allocated */
	size_t tail_n;	    /* records */
	uint64_t tail_last; /* the last record's index */
	int tail_rc;	    /* 0, or -ENOMEM: a record could not be added */
};

/* Applies job in the open batch, fills its result. 0, or -EIO: the store
 * failed it (nothing of it is in the batch; apply it again). */
static int rp_apply_one(struct raft_pipe *p, struct raft_pipe_job *job)
{
	struct store_result res;
	int rc;

	rc = store_batch_apply(p->s, job->index, job->buf, job->len, job->buf + job->cmd_off,
			       job->cmd_len, &res);
	if (rc < 0) {
		store_result_release(&res);
		return -EIO;
	}
	if (job->res && !res.skipped) {
		*job->res = res;
		*job->has_res = true;
	} else {
		store_result_release(&res);
	}
	return 0;
}

/* Takes up to max jobs off the queue (lock held). */
static struct raft_pipe_job *rp_take(struct raft_pipe *p, unsigned max, unsigned *n)
{
	struct raft_pipe_job *list = p->head, *last = NULL;

	*n = 0;
	for (struct raft_pipe_job *j = list; j && *n < max; j = j->next) {
		last = j;
		(*n)++;
	}
	if (!last)
		return NULL;
	p->head = last->next;
	if (!p->head)
		p->tail = NULL;
	last->next = NULL;
	return list;
}

/* Puts list (taken by rp_take, partly applied) back at the queue's head. */
static void rp_untake(struct raft_pipe *p, struct raft_pipe_job *list)
{
	struct raft_pipe_job *last = list;

	if (!list)
		return;
	while (last->next)
		last = last->next;
	last->next = p->head;
	if (!p->head)
		p->tail = last;
	p->head = list;
}

/* Applies the jobs of *list in order and frees them; stops at the first
 * the store fails, which stays at the head of *list. Counts the applied
 * ones in *n and their last index in *last. 0 or -EIO. */
static int rp_apply_list(struct raft_pipe *p, struct raft_pipe_job **list, unsigned *n,
			 uint64_t *last)
{
	while (*list) {
		struct raft_pipe_job *job = *list;

		if (rp_apply_one(p, job) < 0)
			return -EIO;
		*list = job->next;
		*last = job->index;
		(*n)++;
		free(job);
	}
	return 0;
}

/* One batch: applies what is queued (and what arrives meanwhile, up to
 * RAFT_PIPE_BATCH_MAX), commits, publishes. Called and returns with the lock
 * held; *rest gets the jobs left when the store failed one. */
static int rp_batch(struct raft_pipe *p, struct raft_pipe_job **rest)
{
	struct raft_pipe_job *list;
	unsigned n = 0, taken;
	uint64_t last = 0;
	int rc = 0;

	*rest = NULL;
	while (rc == 0 && n < RAFT_PIPE_BATCH_MAX && p->head) {
		list = rp_take(p, RAFT_PIPE_BATCH_MAX - n, &taken);
		pthread_mutex_unlock(&p->lock);
		rc = rp_apply_list(p, &list, &n, &last);
		pthread_mutex_lock(&p->lock);
		*rest = list;
	}
	pthread_mutex_unlock(&p->lock);
	if (store_batch_commit(p->s) < 0) {
		/* libraft counts these entries as applied: only a restart,
		 * which replays the log above the store's applied index,
		 * applies them again. Nobody was answered for them. */
		log_err("raft batch not committed, stopping entries=%u", n);
		abort();
	}
	if (n > p->batch_max) {
		p->batch_max = n;
		log_info("raft batch largest so far entries=%u", n);
	}
	if (n)
		log_debug("raft batch committed entries=%u", n);
	pthread_mutex_lock(&p->lock);
	p->done += n;
	if (n && last > p->applied)
		p->applied = last;
	p->failing = rc < 0;
	if (p->notify)
		p->notify(p->notify_arg, p->done, p->applied);
	pthread_cond_broadcast(&p->done_cond);
	return rc;
}

static void rp_snap_end(struct raft_pipe *p);

/* Drops the queue while stopping with a store that keeps failing. */
static void rp_drop(struct raft_pipe *p)
{
	unsigned n = 0;

	while (p->head) {
		struct raft_pipe_job *job = p->head;

		p->head = job->next;
		free(job);
		n++;
	}
	p->tail = NULL;
	p->done += n;
	log_err("raft entries not applied at shutdown (the next start replays them) count=%u", n);
	pthread_cond_broadcast(&p->done_cond);
}

/* Waits up to RAFT_PIPE_RETRY_MS for stop (lock held). */
static void rp_pause(struct raft_pipe *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += RAFT_PIPE_RETRY_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (!p->stop)
		pthread_cond_timedwait(&p->work, &p->lock, &ts);
}

static void *rp_thread(void *arg)
{
	struct raft_pipe *p = arg;
	struct raft_pipe_job *rest;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->head)
			break; /* stopping, everything committed */
		if (rp_batch(p, &rest) == 0)
			continue;
		rp_untake(p, rest);
		log_err("cannot apply raft entry, retrying index=%llu",
			(unsigned long long)p->head->index);
		if (p->stop) {
			rp_drop(p);
			break;
		}
		rp_pause(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct raft_pipe *raft_pipe_new(struct store *s)
{
	struct raft_pipe *p;

	if (!s)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->s = s;
	p->applied = store_applied_index(s);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done_cond, NULL);
	if (pthread_create(&p->thread, NULL, rp_thread, p) != 0) {
		raft_pipe_destroy(&p);
		return NULL;
	}
	p->running = true;
	return p;
}

void raft_pipe_destroy(struct raft_pipe **pp)
{
	struct raft_pipe *p;

	if (!pp || !*pp)
		return;
	p = *pp;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->done_cond);
	pthread_mutex_unlock(&p->lock);
	rp_snap_end(p);
	if (p->running)
		pthread_join(p->thread, NULL);
	else
		rp_drop(p); /* only possible with an empty queue */
	pthread_cond_destroy(&p->done_cond);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
	*pp = NULL;
}

void raft_pipe_set_notify(struct raft_pipe *p, raft_pipe_notify_cb cb, void *arg)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->notify = cb;
	p->notify_arg = arg;
	pthread_mutex_unlock(&p->lock);
}

int raft_pipe_push(struct raft_pipe *p, uint64_t index, const void *buf, size_t len, size_t cmd_off,
		   size_t cmd_len, struct store_result *res, bool *has_res)
{
	struct raft_pipe_job *job;
	bool snap;

	if (!p || index == 0 || (!buf && len) || cmd_off > len || cmd_len > len - cmd_off ||
	    !res != !has_res)
		return -EINVAL;
	job = malloc(sizeof(*job) + len);
	if (!job)
		return -ENOMEM;
	*job = (struct raft_pipe_job){.index = index,
				      .len = len,
				      .cmd_off = cmd_off,
				      .cmd_len = cmd_len,
				      .res = res,
				      .has_res = has_res};
	if (len)
		memcpy(job->buf, buf, len);
	if (has_res)
		*has_res = false;
	pthread_mutex_lock(&p->lock);
	if (p->stop) {
		pthread_mutex_unlock(&p->lock);
		free(job);
		return -ECANCELED;
	}
	if (p->tail)
		p->tail->next = job;
	else
		p->head = job;
	p->tail = job;
	p->pushed++;
	pthread_cond_signal(&p->work);
	snap = p->snap != RP_SNAP_IDLE;
	pthread_mutex_unlock(&p->lock);
	if (snap && p->tail_rc == 0) {
		p->tail_rc = store_snapshot_tail_put(&p->tbuf, &p->tail_len, &p->tail_cap, index,
						     buf, len, cmd_off, cmd_len);
		p->tail_n++;
		p->tail_last = index;
	}
	return 0;
}

/* Reads one counter under the lock. */
static uint64_t rp_get(struct raft_pipe *p, const uint64_t *field)
{
	uint64_t v;

	pthread_mutex_lock(&p->lock);
	v = *field;
	pthread_mutex_unlock(&p->lock);
	return v;
}

uint64_t raft_pipe_pushed(struct raft_pipe *p)
{
	return p ? rp_get(p, &p->pushed) : 0;
}

uint64_t raft_pipe_done(struct raft_pipe *p)
{
	return p ? rp_get(p, &p->done) : 0;
}

uint64_t raft_pipe_applied(struct raft_pipe *p)
{
	return p ? rp_get(p, &p->applied) : 0;
}

/* Waits until the queue is committed (lock held). 0 or -EIO. */
static int rp_drain_locked(struct raft_pipe *p)
{
	while (p->done < p->pushed && !p->failing)
		pthread_cond_wait(&p->done_cond, &p->lock);
	return p->done < p->pushed ? -EIO : 0;
}

int raft_pipe_drain(struct raft_pipe *p)
{
	int rc;

	if (!p)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	rc = rp_drain_locked(p);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* The dumping thread: waits until the pushes before the snapshot are
 * committed, dumps the store from a read transaction of its own (the pipe's
 * thread goes on committing batches meanwhile), and marks the dump READY. */
static void *rp_dumper(void *arg)
{
	struct raft_pipe *p = arg;
	struct timespec t0, t1;
	void *buf = NULL;
	size_t len = 0;
	uint64_t index = 0;
	int rc;

	pthread_mutex_lock(&p->lock);
	while (p->done < p->snap_after && !p->failing && !p->stop)
		pthread_cond_wait(&p->done_cond, &p->lock);
	rc = p->stop ? -ECANCELED : p->done < p->snap_after ? -EIO : 0;
	pthread_mutex_unlock(&p->lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rc == 0)
		rc = store_snapshot_read(p->s, &buf, &len, &index);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_lock(&p->lock);
	p->dump = buf;
	p->dump_len = len;
	p->dump_index = index;
	p->dump_rc = rc;
	p->dump_ms =
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	p->snap = RP_SNAP_READY;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Ends the snapshot under way: waits for its dumper and drops what it made
 * (the Raft thread). */
static void rp_snap_end(struct raft_pipe *p)
{
	bool dumping;

	pthread_mutex_lock(&p->lock);
	dumping = p->snap != RP_SNAP_IDLE;
	pthread_mutex_unlock(&p->lock);
	if (dumping)
		pthread_join(p->dumper, NULL);
	free(p->dump);
	free(p->tbuf);
	p->dump = NULL;
	p->tbuf = NULL;
	p->tail_len = p->tail_cap = p->tail_n = 0;
	p->tail_last = 0;
	p->tail_rc = 0;
	pthread_mutex_lock(&p->lock);
	p->snap = RP_SNAP_IDLE;
	pthread_mutex_unlock(&p->lock);
}

/* Starts a dump of everything pushed so far (the Raft thread). */
static int rp_snap_start(struct raft_pipe *p)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	p->snap_after = p->pushed;
	p->snap = RP_SNAP_DUMPING;
	rc = pthread_create(&p->dumper, NULL, rp_dumper, p);
	if (rc)
		p->snap = RP_SNAP_IDLE;
	pthread_mutex_unlock(&p->lock);
	return rc ? -rc : -EBUSY;
}

int raft_pipe_snapshot(struct raft_pipe *p, struct raft_pipe_snap *out)
{
	enum rp_snap st;
	int rc;

	if (!p || !out)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	st = p->snap;
	pthread_mutex_unlock(&p->lock);
	if (st == RP_SNAP_IDLE)
		return rp_snap_start(p);
	if (st == RP_SNAP_DUMPING)
		return -EBUSY;
	/* READY: the dumper set its fields under the lock before it ended */
	rc = p->dump_rc ? p->dump_rc : p->tail_rc;
	if (rc == 0) {
		*out = (struct raft_pipe_snap){
		    .dump = p->dump,
		    .dump_len = p->dump_len,
		    .tail = p->tbuf,
		    .tail_len = p->tail_len,
		    .tail_n = p->tail_n,
		    .index = p->tail_last > p->dump_index ? p->tail_last : p->dump_index,
		    .dump_ms = p->dump_ms};
		p->dump = NULL;
		p->tbuf = NULL;
	}
	rp_snap_end(p); /* joins the dumper, frees what was not handed out */
	return rc;
}

int raft_pipe_restore(struct raft_pipe *p, const void *buf, size_t len, bool *skipped)
{
	bool skip = false;
	int rc;

	if (!p || !buf)
		return -EINVAL;
	rp_snap_end(p); /* a dump of the state about to be replaced */
	pthread_mutex_lock(&p->lock);
	rc = rp_drain_locked(p);
	if (rc == 0)
		rc = store_restore(p->s, buf, len, &skip);
	if (rc == 0 && !skip)
		p->applied = store_applied_index(p->s);
	pthread_mutex_unlock(&p->lock);
	if (skipped)
		*skipped = skip;
	return rc;
}
