/* publish.c - the publishing layer (see publish.h): the topology at the
 * store's revision, every host's rows and their diffs, the key and port
 * indexes, and the realisation barrier (waits). Sessions are the caller's:
 * each host's update is handed over through publish_ops. */
#include "publish.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>

#include "compiler.h"
#include "log.h"
#include "store.h"
#include "topo_delta.h"
#include "wire.h"

/* One enrolled (or formerly enrolled, still holding rows) host. */
struct pub_host {
	char name[TOPO_HOST_MAX]; /* host name, the hash key */
	bool enrolled;		  /* present in the last loaded topology */
	uint64_t acked_rev;	  /* last revision acked */
	uint64_t dirty_rev;	  /* last revision at which its rows changed */
	struct rowset rows;	  /* rows last compiled, packed */
};

/* A pending publish_wait. */
struct pub_wait {
	uint64_t rev;	       /* revision waited for */
	publish_wait_cb cb;    /* completion */
	void *arg;	       /* cb's argument */
	struct event *timer;   /* the timeout */
	struct publish *p;     /* owner, for the timer callback */
	struct pub_wait *next; /* list link */
};

struct publish {
	struct event_base *base;	 /* for wait timers (borrowed) */
	struct store *store;		 /* the desired state (borrowed) */
	struct publish_ops ops;		 /* the session layer's callbacks */
	void *arg;			 /* their argument */
	zhashx_t *hosts;		 /* name -> struct pub_host */
	zhashx_t *keys;			 /* Z85 public key -> host name (char *) */
	zhashx_t *ports;		 /* decimal port_key -> struct publish_port */
	struct pub_wait *waits;		 /* pending waits */
	uint64_t rev;			 /* store revision the rows were compiled at */
	char store_id[STORE_ID_HEX + 1]; /* the store's identity then, "" if none yet */
	bool primed;			 /* first refresh done: row changes now mark hosts dirty */
	bool geneve_default;		 /* networks without an encapsulation go by Geneve */
	struct topology topo;		 /* the topology at topo_rev, kept up to date
					  * from the change log (store_update_topology) */
	uint64_t topo_rev;		 /* revision topo holds */
	bool topo_full;			 /* next refresh reloads topo and recompiles every
					  * host (a refresh was incomplete) */
};

static void pub_free(void **item)
{
	free(*item);
	*item = NULL;
}

static void pub_host_free(void **item)
{
	struct pub_host *h = *item;

	if (h)
		rowset_release(&h->rows);
	pub_free(item);
}

static void pub_port_free(void **item)
{
	struct publish_port *pp = *item;

	if (pp)
		free(pp->report);
	pub_free(item);
}

static zhashx_t *pub_hash_new(zhashx_destructor_fn *destructor)
{
	zhashx_t *h = zhashx_new();

	if (h)
		zhashx_set_destructor(h, destructor);
	return h;
}

/* ---- waits ---- */

static bool pub_host_done(const struct pub_host *h, uint64_t rev)
{
	return !h->enrolled || h->acked_rev >= rev || h->dirty_rev <= h->acked_rev;
}

/* Fills names (up to max) with the hosts still behind rev; returns their
 * number. */
static size_t pub_pending(struct publish *p, uint64_t rev, const char **names, size_t max)
{
	size_t n = 0;

	for (struct pub_host *h = zhashx_first(p->hosts); h; h = zhashx_next(p->hosts)) {
		if (pub_host_done(h, rev))
			continue;
		if (names && n < max)
			names[n] = h->name;
		n++;
	}
	return n;
}

/* True if some host is still behind rev: stops at the first (a wait is
 * checked on every ack, and most hosts are done long before the last). */
static bool pub_any_pending(struct publish *p, uint64_t rev)
{
	for (struct pub_host *h = zhashx_first(p->hosts); h; h = zhashx_next(p->hosts))
		if (!pub_host_done(h, rev))
			return true;
	return false;
}

static void pub_wait_unlink(struct publish *p, struct pub_wait *w)
{
	for (struct pub_wait **pp = &p->waits; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
}

/* Unlinks, completes and frees w: status 0 or -ETIMEDOUT/-ECANCELED with
 * the hosts still pending. */
static void pub_wait_finish(struct publish *p, struct pub_wait *w, int status)
{
	size_t n = status ? pub_pending(p, w->rev, NULL, 0) : 0;
	const char **names = n ? calloc(n, sizeof(*names)) : NULL;

	pub_wait_unlink(p, w);
	if (names)
		pub_pending(p, w->rev, names, n);
	else
		n = 0;
	if (w->timer)
		event_free(w->timer);
	w->cb(w->arg, status, names, n);
	free(names);
	free(w);
}

static void pub_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pub_wait *w = arg;

	pub_wait_finish(w->p, w, -ETIMEDOUT);
}

/* Completes every wait whose hosts are all done. */
static void pub_check_waits(struct publish *p)
{
	struct pub_wait *w = p->waits;

	while (w) {
		struct pub_wait *next = w->next;

		if (!pub_any_pending(p, w->rev)) {
			pub_wait_finish(p, w, 0);
			next = p->waits; /* the callback may have added waits */
		}
		w = next;
	}
}

int publish_wait(struct publish *p, uint64_t rev, int timeout_ms, publish_wait_cb cb, void *arg)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	struct pub_wait *w;

	if (!p || !cb)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct pub_wait){.rev = rev, .cb = cb, .arg = arg, .p = p, .next = p->waits};
	p->waits = w;
	if (!pub_any_pending(p, rev)) {
		pub_wait_finish(p, w, 0);
		return 0;
	}
	if (timeout_ms <= 0) {
		pub_wait_finish(p, w, -ETIMEDOUT);
		return 0;
	}
	w->timer = evtimer_new(p->base, pub_wait_timeout, w);
	if (!w->timer || evtimer_add(w->timer, &tv)) {
		pub_wait_unlink(p, w);
		if (w->timer)
			event_free(w->timer);
		free(w);
		return -ENOMEM;
	}
	return 0;
}

/* ---- compiling and publishing ---- */

/* Rebuilds the key and port indexes from t. */
static int pub_index_rebuild(struct publish *p, const struct topology *t)
{
	/* entries of ports share their reports with p->ports until the swap */
	zhashx_t *keys = pub_hash_new(pub_free), *ports = pub_hash_new(pub_free);

	if (!keys || !ports)
		goto out_nomem;
	for (size_t i = 0; i < t->n_hosts; i++) {
		char *name = strdup(t->hosts[i].name);

		if (!name)
			goto out_nomem;
		if (t->hosts[i].public_key[0] == '\0' ||
		    zhashx_insert(keys, t->hosts[i].public_key, name))
			free(name);
	}
	for (size_t i = 0; i < t->n_ports; i++) {
		const struct topo_port *tp = &t->ports[i];
		struct publish_port *np, *old;
		char key[16];

		if (tp->host[0] == '\0')
			continue;
		snprintf(key, sizeof(key), "%" PRIu32, tp->port_key);
		np = calloc(1, sizeof(*np));
		if (!np)
			goto out_nomem;
		snprintf(np->host, sizeof(np->host), "%s", tp->host);
		old = p->ports ? zhashx_lookup(p->ports, key) : NULL;
		if (old && strcmp(old->host, np->host) == 0)
			*np = *old; /* same binding: keep its report */
		if (zhashx_insert(ports, key, np))
			free(np);
	}
	/* the kept reports move to the new index */
	for (struct publish_port *np = zhashx_first(ports); np; np = zhashx_next(ports)) {
		struct publish_port *old =
		    p->ports ? zhashx_lookup(p->ports, zhashx_cursor(ports)) : NULL;

		if (old && old->report == np->report)
			old->report = NULL;
	}
	zhashx_set_destructor(ports, pub_port_free);
	zhashx_destroy(&p->keys);
	zhashx_destroy(&p->ports);
	p->keys = keys;
	p->ports = ports;
	return 0;
out_nomem:
	zhashx_destroy(&keys);
	zhashx_destroy(&ports);
	return -ENOMEM;
}

/* Applies one host's change to the key index. */
static int pub_index_host(struct publish *p, const struct topo_delta_host *c)
{
	const char *owner = c->old_key[0] ? zhashx_lookup(p->keys, c->old_key) : NULL;
	char *name;

	if (owner && strcmp(owner, c->name) == 0)
		zhashx_delete(p->keys, c->old_key);
	if (!c->key[0] || zhashx_lookup(p->keys, c->key))
		return 0; /* keys are unique in the store: taken only mid-swap */
	name = strdup(c->name);
	if (!name || zhashx_insert(p->keys, c->key, name)) {
		free(name);
		return -ENOMEM;
	}
	return 0;
}

/* Applies one port's change to the port index: a new binding starts
 * without a report, the same binding keeps its own. */
static int pub_index_port(struct publish *p, const struct topo_delta_port *c)
{
	struct publish_port *np, *old;
	char key[16];

	snprintf(key, sizeof(key), "%" PRIu32, c->port_key);
	old = zhashx_lookup(p->ports, key);
	if (old && strcmp(old->host, c->host) == 0)
		return 0;
	if (old)
		zhashx_delete(p->ports, key);
	if (!c->host[0])
		return 0;
	np = calloc(1, sizeof(*np));
	if (!np)
		return -ENOMEM;
	snprintf(np->host, sizeof(np->host), "%s", c->host);
	if (zhashx_insert(p->ports, key, np)) {
		free(np);
		return -ENOMEM;
	}
	return 0;
}

/* Brings the key and port indexes to t: from the changes delta recorded
 * (in log order, so the last change of an entry wins), or rebuilt from t
 * when those are incomplete. An index left half-updated (no memory) is
 * rebuilt by the next refresh, which reloads everything (topo_full). */
static int pub_index(struct publish *p, const struct topology *t, const struct topo_delta *delta)
{
	if (delta->lost || !p->keys || !p->ports)
		return pub_index_rebuild(p, t);
	for (size_t i = 0; i < delta->n_hchg; i++)
		if (pub_index_host(p, &delta->hchg[i]))
			return -ENOMEM;
	for (size_t i = 0; i < delta->n_pchg; i++)
		if (pub_index_port(p, &delta->pchg[i]))
			return -ENOMEM;
	return 0;
}

/* A host's new rows (packed) and their diff. */
struct pub_compiled {
	struct pub_host *h; /* the host */
	struct rowset rows; /* its new rows, when they changed */
	struct wire_row *d; /* the diff from h->rows to rows */
	size_t n_d;	    /* entries of d (0: rows unchanged, not kept) */
};

/* Compiles c->h with cc, diffs the result against its rows and packs it
 * if it changed. Returns 0, -ENOMEM or -EINVAL (then nothing is kept). */
static int pub_compile_host(struct compiler *cc, struct pub_compiled *c)
{
	struct wire_row *rows;
	size_t n_rows;
	int rc = compiler_host(cc, c->h->name, &rows, &n_rows);

	if (rc)
		return rc;
	rc = rowset_diff(&c->h->rows, rows, n_rows, &c->d, &c->n_d);
	if (!rc && c->n_d)
		rc = rowset_set(&c->rows, rows, n_rows); /* -EINVAL: a row the wire refuses */
	free(rows);
	if (rc) {
		free(c->d);
		c->d = NULL;
		c->n_d = 0;
	}
	return rc;
}

/* Takes h to the new revision: c holds its diff and, when that is not
 * empty, its new rows (c NULL: its rows are known unchanged), then hands
 * the update to the session layer. Takes what c holds. */
static void pub_push_host(struct publish *p, struct pub_host *h, struct pub_compiled *c, bool send)
{
	struct publish_update u = {
	    .host = h->name, .rev = p->rev, .enrolled = h->enrolled, .send = send};
	struct wire_row *d = c ? c->d : NULL;

	u.n_diff = c ? c->n_d : 0;
	u.diff = d;
	if (u.n_diff && p->primed)
		h->dirty_rev = p->rev;
	/* the new rows replace the old ones either way: the session layer sends
	 * them, or a failed send ends the session (its sent revision not
	 * advanced), so the agent's next HELLO gets them as a SNAPSHOT, never a
	 * DELTA past them */
	if (c && c->n_d) {
		rowset_release(&h->rows);
		h->rows = c->rows;
	}
	u.rows = &h->rows;
	if (p->ops.host)
		p->ops.host(p->arg, &u);
	free(d);
}

static struct pub_host *pub_host_get(struct publish *p, const char *name)
{
	struct pub_host *h = zhashx_lookup(p->hosts, name);

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->name, sizeof(h->name), "%s", name);
	if (zhashx_insert(p->hosts, h->name, h)) {
		free(h);
		return NULL;
	}
	return h;
}

/* Forgets hosts that left the topology and hold nothing (their sessions
 * were ended when they were handed over, not enrolled). */
static void pub_prune(struct publish *p)
{
	zlist_t *gone = zlist_new();

	if (!gone)
		return;
	zlist_autofree(gone); /* copies the names: deleting a host frees its own */
	for (struct pub_host *h = zhashx_first(p->hosts); h; h = zhashx_next(p->hosts))
		if (!h->enrolled && !h->rows.n)
			zlist_append(gone, h->name);
	for (char *name = zlist_first(gone); name; name = zlist_next(gone))
		zhashx_delete(p->hosts, name);
	zlist_destroy(&gone);
}

/* Marks the hosts of t enrolled, and every other one not. */
static int pub_enroll(struct publish *p, const struct topology *t)
{
	int rc = 0;

	for (struct pub_host *h = zhashx_first(p->hosts); h; h = zhashx_next(p->hosts))
		h->enrolled = false;
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct pub_host *h = pub_host_get(p, t->hosts[i].name);

		if (h)
			h->enrolled = true;
		else
			rc = -ENOMEM;
	}
	return rc;
}

/* Brings p->topo to the store's revision (p->rev), noting in delta
 * which hosts the changes affect (all of them on a full reload). */
static int pub_topo_update(struct publish *p, struct topo_delta *delta)
{
	char id[STORE_ID_HEX + 1];
	bool full;
	int rc;

	if (store_id_get(p->store, id) < 0)
		id[0] = '\0'; /* none yet: agents keep comparing revisions */
	/* another store (a reset, a new cluster): its log says nothing of ours */
	full = p->topo_full || !p->primed || strcmp(id, p->store_id) != 0;
	memcpy(p->store_id, id, sizeof(id));
	if (topo_delta_init(delta))
		full = true;
	rc = store_update_topology(p->store, &p->topo, &p->topo_rev, &full, topo_delta_note, delta);
	if (rc) {
		log_err("cannot load topology rev=%" PRIu64 " err=%d", p->rev, rc);
		return rc;
	}
	p->rev = p->topo_rev;
	if (full)
		delta->all = delta->lost = true;
	topo_delta_close(delta, &p->topo);
	return 0;
}

/* Microseconds from *since to now; *since becomes now. */
static int64_t pub_lap_us(struct timespec *since)
{
	struct timespec now;
	int64_t us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - since->tv_sec) * 1000000 + (now.tv_nsec - since->tv_nsec) / 1000;
	*since = now;
	return us;
}

/* Recompiles each host delta affects (with one compiler for the revision)
 * and pushes it at once, then pushes the others. The first agents apply
 * their updates while the later hosts are compiled: on a machine of few
 * cores the compiling is one core, the agents (and this process's I/O
 * thread) the others; compiling every host before the first send left those
 * idle (100 hosts in one network, bench/control.sh: p50 22.3 -> 17.8 ms).
 * A host that cannot be compiled (no memory; a row the wire refuses, a
 * compiler bug) keeps its rows and is sent nothing (logged). *us_compile
 * is the compiling time. Returns 0 or the first host's error. */
static int pub_refresh_hosts(struct publish *p, const struct topo_delta *delta, bool send,
			     size_t *n_compiled, int64_t *us_compile)
{
	struct compiler *cc = NULL;
	struct timespec t;
	int err = 0;

	*n_compiled = 0;
	*us_compile = 0;
	for (struct pub_host *h = zhashx_first(p->hosts); h; h = zhashx_next(p->hosts)) {
		struct pub_compiled c = {.h = h};

		if (!topo_delta_affects(delta, h->name))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (!cc) {
			p->topo.geneve_default = p->geneve_default;
			cc = compiler_new(&p->topo);
		}
		int rc = cc ? pub_compile_host(cc, &c) : -ENOMEM;

		if (rc) {
			log_err("cannot compile host=%s rev=%" PRIu64 " err=%d", h->name, p->rev,
				rc);
			err = err ? err : rc;
			continue;
		}
		*us_compile += pub_lap_us(&t);
		(*n_compiled)++;
		pub_push_host(p, h, &c, send);
	}
	compiler_destroy(&cc);
	for (struct pub_host *h = zhashx_first(p->hosts); h; h = zhashx_next(p->hosts)) {
		if (!topo_delta_affects(delta, h->name))
			pub_push_host(p, h, NULL, send);
	}
	return err;
}

/* Brings the topology to the store's revision (from the change log: only
 * the objects changed since the last refresh are reloaded) and recompiles
 * the hosts the changes affect; the others keep their rows. When send,
 * pushes diffs (or the revision bump) to hosts in session. A host that
 * cannot be recompiled (no memory) keeps its old rows and revision: it is
 * not sent anything, so it stays consistent, and the next refresh
 * recompiles everything. */
int publish_refresh(struct publish *p, bool send)
{
	struct topo_delta delta;
	struct timespec t;
	int64_t us_topo, us_index = 0, us_hosts = 0, us_compile = 0;
	size_t n_compiled = 0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t);
	rc = pub_topo_update(p, &delta);
	us_topo = pub_lap_us(&t);
	if (!rc)
		rc = pub_index(p, &p->topo, &delta);
	us_index = pub_lap_us(&t);
	if (!rc) {
		int hosts_rc;

		rc = pub_enroll(p, &p->topo);
		hosts_rc = pub_refresh_hosts(p, &delta, send, &n_compiled, &us_compile);
		rc = rc ? rc : hosts_rc;
		us_hosts = pub_lap_us(&t);
	}
	log_debug("publish rev=%" PRIu64 " hosts=%zu compiled=%zu topo_us=%" PRId64
		  " index_us=%" PRId64 " hosts_us=%" PRId64 " compile_us=%" PRId64,
		  p->rev, zhashx_size(p->hosts), n_compiled, us_topo, us_index, us_hosts,
		  us_compile);
	topo_delta_release(&delta);
	p->topo_full = rc != 0;
	if (rc)
		log_err("publish incomplete rev=%" PRIu64 " err=%d", p->rev, rc);
	p->primed = true;
	pub_prune(p);
	pub_check_waits(p);
	return rc;
}

/* ---- lifecycle and queries ---- */

struct publish *publish_new(struct event_base *base, struct store *store,
			    const struct publish_ops *ops, void *arg)
{
	struct publish *p;

	if (!base || !store || !ops)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	*p = (struct publish){.base = base, .store = store, .ops = *ops, .arg = arg};
	p->hosts = pub_hash_new(pub_host_free);
	p->keys = pub_hash_new(pub_free);
	p->ports = pub_hash_new(pub_port_free);
	if (!p->hosts || !p->keys || !p->ports)
		publish_destroy(&p);
	return p;
}

void publish_destroy(struct publish **pp)
{
	struct publish *p = pp ? *pp : NULL;

	if (!p)
		return;
	while (p->waits)
		pub_wait_finish(p, p->waits, -ECANCELED);
	zhashx_destroy(&p->hosts);
	zhashx_destroy(&p->keys);
	zhashx_destroy(&p->ports);
	topology_release(&p->topo);
	free(p);
	*pp = NULL;
}

void publish_set_geneve_default(struct publish *p, bool geneve)
{
	if (p)
		p->geneve_default = geneve;
}

uint64_t publish_rev(const struct publish *p)
{
	return p ? p->rev : 0;
}

const char *publish_store_id(const struct publish *p)
{
	return p ? p->store_id : "";
}

bool publish_enrolled(struct publish *p, const char *host)
{
	struct pub_host *h = p && host ? zhashx_lookup(p->hosts, host) : NULL;

	return h && h->enrolled;
}

bool publish_known(struct publish *p, const char *host)
{
	return p && host && zhashx_lookup(p->hosts, host);
}

const char *publish_key_owner(struct publish *p, const char *key)
{
	return p && key ? zhashx_lookup(p->keys, key) : NULL;
}

const struct rowset *publish_host_rows(struct publish *p, const char *host)
{
	struct pub_host *h = p && host ? zhashx_lookup(p->hosts, host) : NULL;

	return h ? &h->rows : NULL;
}

bool publish_host_revs(struct publish *p, const char *host, uint64_t *acked_rev,
		       uint64_t *dirty_rev)
{
	struct pub_host *h = p && host ? zhashx_lookup(p->hosts, host) : NULL;

	if (!h || !acked_rev || !dirty_rev)
		return false;
	*acked_rev = h->acked_rev;
	*dirty_rev = h->dirty_rev;
	return true;
}

void publish_ack(struct publish *p, const char *host, uint64_t rev)
{
	struct pub_host *h = p && host ? zhashx_lookup(p->hosts, host) : NULL;

	if (h && rev > h->acked_rev)
		h->acked_rev = rev;
	if (p)
		pub_check_waits(p);
}

struct publish_port *publish_port(struct publish *p, uint32_t port_key)
{
	char key[16];

	if (!p)
		return NULL;
	snprintf(key, sizeof(key), "%" PRIu32, port_key);
	return zhashx_lookup(p->ports, key);
}
