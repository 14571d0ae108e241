/* southbound_publish.c - the southbound's publishing side (see
 * southbound.h, southbound_int.h): compiling every host's rows from the
 * store, diffing and pushing them, serving agents that were ahead of this
 * node once it reaches them, and the realisation barrier (waits). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "log.h"
#include "southbound.h"
#include "southbound_int.h"
#include "store.h"
#include "topo_delta.h"
#include "wire.h"

/* ---- waits ---- */

static bool sb_host_done(const struct sb_host *h, uint64_t rev)
{
	return !h->enrolled || h->acked_rev >= rev || h->dirty_rev <= h->acked_rev;
}

/* Fills names (up to max) with the hosts still behind rev; returns their
 * number. */
static size_t sb_pending(struct southbound *sb, uint64_t rev, const char **names, size_t max)
{
	size_t n = 0;

	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts)) {
		if (sb_host_done(h, rev))
			continue;
		if (names && n < max)
			names[n] = h->name;
		n++;
	}
	return n;
}

/* True if some host is still behind rev: stops at the first (a wait is
 * checked on every ack, and most hosts are done long before the last). */
static bool sb_any_pending(struct southbound *sb, uint64_t rev)
{
	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts))
		if (!sb_host_done(h, rev))
			return true;
	return false;
}

static void sb_wait_unlink(struct southbound *sb, struct sb_wait *w)
{
	for (struct sb_wait **pp = &sb->waits; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
}

/* Unlinks, completes and frees w: status 0 or -ETIMEDOUT/-ECANCELED with
 * the hosts still pending. */
void sb_wait_finish(struct southbound *sb, struct sb_wait *w, int status)
{
	size_t n = status ? sb_pending(sb, w->rev, NULL, 0) : 0;
	const char **names = n ? calloc(n, sizeof(*names)) : NULL;

	sb_wait_unlink(sb, w);
	if (names)
		sb_pending(sb, w->rev, names, n);
	else
		n = 0;
	if (w->timer)
		event_free(w->timer);
	w->cb(w->arg, status, names, n);
	free(names);
	free(w);
}

static void sb_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sb_wait *w = arg;

	sb_wait_finish(w->sb, w, -ETIMEDOUT);
}

/* Completes every wait whose hosts are all done. */
void sb_check_waits(struct southbound *sb)
{
	struct sb_wait *w = sb->waits;

	while (w) {
		struct sb_wait *next = w->next;

		if (!sb_any_pending(sb, w->rev)) {
			sb_wait_finish(sb, w, 0);
			next = sb->waits; /* the callback may have added waits */
		}
		w = next;
	}
}

int southbound_wait(struct southbound *sb, uint64_t rev, int timeout_ms, southbound_wait_cb cb,
		    void *arg)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	struct sb_wait *w;

	if (!sb || !cb)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct sb_wait){.rev = rev, .cb = cb, .arg = arg, .sb = sb, .next = sb->waits};
	sb->waits = w;
	if (!sb_any_pending(sb, rev)) {
		sb_wait_finish(sb, w, 0);
		return 0;
	}
	if (timeout_ms <= 0) {
		sb_wait_finish(sb, w, -ETIMEDOUT);
		return 0;
	}
	w->timer = evtimer_new(sb->base, sb_wait_timeout, w);
	if (!w->timer || evtimer_add(w->timer, &tv)) {
		sb_wait_unlink(sb, w);
		if (w->timer)
			event_free(w->timer);
		free(w);
		return -ENOMEM;
	}
	return 0;
}

/* ---- compiling and publishing ---- */

/* Rebuilds the key and port indexes from t. */
static int sb_index_rebuild(struct southbound *sb, const struct topology *t)
{
	zhashx_t *keys = sb_hash_new(sb_free), *ports = sb_hash_new(sb_free);

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
		const struct topo_port *p = &t->ports[i];
		struct sb_port *np, *old;
		char key[16];

		if (p->host[0] == '\0')
			continue;
		snprintf(key, sizeof(key), "%" PRIu32, p->port_key);
		np = calloc(1, sizeof(*np));
		if (!np)
			goto out_nomem;
		snprintf(np->host, sizeof(np->host), "%s", p->host);
		old = sb->ports ? zhashx_lookup(sb->ports, key) : NULL;
		if (old && strcmp(old->host, np->host) == 0)
			*np = *old; /* same binding: keep its report */
		if (zhashx_insert(ports, key, np))
			free(np);
	}
	zhashx_destroy(&sb->keys);
	zhashx_destroy(&sb->ports);
	sb->keys = keys;
	sb->ports = ports;
	return 0;
out_nomem:
	zhashx_destroy(&keys);
	zhashx_destroy(&ports);
	return -ENOMEM;
}

/* Applies one host's change to the key index. */
static int sb_index_host(struct southbound *sb, const struct topo_delta_host *c)
{
	const char *owner = c->old_key[0] ? zhashx_lookup(sb->keys, c->old_key) : NULL;
	char *name;

	if (owner && strcmp(owner, c->name) == 0)
		zhashx_delete(sb->keys, c->old_key);
	if (!c->key[0] || zhashx_lookup(sb->keys, c->key))
		return 0; /* keys are unique in the store: taken only mid-swap */
	name = strdup(c->name);
	if (!name || zhashx_insert(sb->keys, c->key, name)) {
		free(name);
		return -ENOMEM;
	}
	return 0;
}

/* Applies one port's change to the port index: a new binding starts
 * without a report, the same binding keeps its own. */
static int sb_index_port(struct southbound *sb, const struct topo_delta_port *c)
{
	struct sb_port *np, *old;
	char key[16];

	snprintf(key, sizeof(key), "%" PRIu32, c->port_key);
	old = zhashx_lookup(sb->ports, key);
	if (old && strcmp(old->host, c->host) == 0)
		return 0;
	if (old)
		zhashx_delete(sb->ports, key);
	if (!c->host[0])
		return 0;
	np = calloc(1, sizeof(*np));
	if (!np)
		return -ENOMEM;
	snprintf(np->host, sizeof(np->host), "%s", c->host);
	if (zhashx_insert(sb->ports, key, np)) {
		free(np);
		return -ENOMEM;
	}
	return 0;
}

/* Brings the key and port indexes to t: from the changes delta recorded
 * (in log order, so the last change of an entry wins), or rebuilt from t
 * when those are incomplete. An index left half-updated (no memory) is
 * rebuilt by the next refresh, which reloads everything (topo_full). */
static int sb_index(struct southbound *sb, const struct topology *t, const struct topo_delta *delta)
{
	if (delta->lost || !sb->keys || !sb->ports)
		return sb_index_rebuild(sb, t);
	for (size_t i = 0; i < delta->n_hchg; i++)
		if (sb_index_host(sb, &delta->hchg[i]))
			return -ENOMEM;
	for (size_t i = 0; i < delta->n_pchg; i++)
		if (sb_index_port(sb, &delta->pchg[i]))
			return -ENOMEM;
	return 0;
}

/* Serves h's agent, which was ahead of us, once we reached its revision:
 * h->rows are the rows at sb->rev, so at exactly its revision they are
 * the rows it holds (an empty DELTA), past it they go as a SNAPSHOT. */
static void sb_serve_caught_up(struct southbound *sb, struct sb_host *h)
{
	if (!h->rid || !h->ahead_rev || sb->rev < h->ahead_rev)
		return;
	log_info("caught up with the agent host=%s agent_rev=%" PRIu64 " rev=%" PRIu64, h->name,
		 h->ahead_rev, sb->rev);
	if (sb->rev == h->ahead_rev) {
		h->sent_rev = sb->rev;
		sb_send_update(sb, h, WIRE_DELTA, NULL, 0);
	} else {
		sb_send_update(sb, h, WIRE_SNAPSHOT, h->rows, h->n_rows);
	}
	h->ahead_rev = 0;
}

/* True if h's session was opened with a key still enrolled for h. */
static bool sb_key_current(struct southbound *sb, const struct sb_host *h)
{
	const char *owner = zhashx_lookup(sb->keys, h->key);

	return owner && strcmp(owner, h->name) == 0;
}

/* A host's new rows and their diff, compiled before anything is sent. */
struct sb_compiled {
	struct sb_host *h;     /* the host */
	struct wire_row *rows; /* its new rows (sorted) */
	size_t n_rows;	       /* entries of rows */
	struct wire_row *d;    /* the diff from h->rows to rows */
	size_t n_d;	       /* entries of d */
};

/* Compiles c->h with cc and diffs the result. Returns 0 or -ENOMEM (then
 * nothing is kept). */
static int sb_compile_host(struct compiler *cc, struct sb_compiled *c)
{
	int rc = compiler_host(cc, c->h->name, &c->rows, &c->n_rows);

	if (!rc)
		rc = compiler_diff(c->h->rows, c->h->n_rows, c->rows, c->n_rows, &c->d, &c->n_d);
	if (rc) {
		free(c->rows);
		c->rows = NULL;
		c->n_rows = 0;
	}
	return rc;
}

/* Takes h to the new revision: c holds its new rows and their diff (NULL:
 * its rows are known unchanged); when send, pushes the diff to its session
 * (an empty DELTA if none). Takes c's arrays. */
static void sb_push_host(struct southbound *sb, struct sb_host *h, struct sb_compiled *c, bool send)
{
	size_t nd = c ? c->n_d : 0;

	if (nd && sb->primed)
		h->dirty_rev = sb->rev;
	/* (a host no longer enrolled is still sent its deletions, below) */
	if (h->rid && h->enrolled && !sb_key_current(sb, h))
		sb_disconnect(h, "key no longer enrolled");
	if (send && h->rid && !h->ahead_rev && (nd || h->sent_rev != sb->rev))
		sb_send_update(sb, h, WIRE_DELTA, c ? c->d : NULL, nd);
	/* the new rows replace the old ones either way: they were sent, or the
	 * send failed, which ended the session (sent_rev not advanced), so the
	 * agent's next HELLO gets them as a SNAPSHOT, never a DELTA past them */
	if (c) {
		free(c->d);
		free(h->rows);
		h->rows = c->rows;
		h->n_rows = c->n_rows;
	}
	if (!h->enrolled)
		sb_disconnect(h, "host no longer enrolled");
	else if (send)
		sb_serve_caught_up(sb, h);
}

static struct sb_host *sb_host_get(struct southbound *sb, const char *name)
{
	struct sb_host *h = zhashx_lookup(sb->hosts, name);

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->name, sizeof(h->name), "%s", name);
	if (zhashx_insert(sb->hosts, h->name, h)) {
		free(h);
		return NULL;
	}
	return h;
}

/* Forgets hosts that left the topology and hold nothing. */
static void sb_prune(struct southbound *sb)
{
	zlist_t *gone = zlist_new();

	if (!gone)
		return;
	zlist_autofree(gone); /* copies the names: deleting a host frees its own */
	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts))
		if (!h->enrolled && !h->rid && !h->n_rows)
			zlist_append(gone, h->name);
	for (char *name = zlist_first(gone); name; name = zlist_next(gone))
		zhashx_delete(sb->hosts, name);
	zlist_destroy(&gone);
}

/* Marks the hosts of t enrolled, and every other one not. */
static int sb_enroll(struct southbound *sb, const struct topology *t)
{
	int rc = 0;

	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts))
		h->enrolled = false;
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct sb_host *h = sb_host_get(sb, t->hosts[i].name);

		if (h)
			h->enrolled = true;
		else
			rc = -ENOMEM;
	}
	return rc;
}

/* Brings sb->topo to the store's revision (sb->rev), noting in delta
 * which hosts the changes affect (all of them on a full reload). */
static int sb_topo_update(struct southbound *sb, struct topo_delta *delta)
{
	char id[STORE_ID_HEX + 1];
	bool full;
	int rc;

	if (store_id_get(sb->store, id) < 0)
		id[0] = '\0'; /* none yet: agents keep comparing revisions */
	/* another store (a reset, a new cluster): its log says nothing of ours */
	full = sb->topo_full || !sb->primed || strcmp(id, sb->store_id) != 0;
	memcpy(sb->store_id, id, sizeof(id));
	if (topo_delta_init(delta))
		full = true;
	rc = store_update_topology(sb->store, &sb->topo, &sb->topo_rev, &full, topo_delta_note,
				   delta);
	if (rc) {
		log_err("cannot load topology rev=%" PRIu64 " err=%d", sb->rev, rc);
		return rc;
	}
	sb->rev = sb->topo_rev;
	if (full)
		delta->all = delta->lost = true;
	topo_delta_close(delta, &sb->topo);
	return 0;
}

/* Microseconds from *since to now; *since becomes now. */
static int64_t sb_lap_us(struct timespec *since)
{
	struct timespec now;
	int64_t us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - since->tv_sec) * 1000000 + (now.tv_nsec - since->tv_nsec) / 1000;
	*since = now;
	return us;
}

/* Compiles every host delta affects (with one compiler for the revision)
 * into cs, *n_cs of them; *n_failed could not be (no memory): they are left
 * out, keep their rows and are sent nothing. */
static void sb_compile_hosts(struct southbound *sb, const struct topo_delta *delta,
			     struct sb_compiled *cs, size_t *n_cs, size_t *n_failed)
{
	struct compiler *cc = NULL;

	*n_cs = 0;
	*n_failed = 0;
	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts)) {
		if (!topo_delta_affects(delta, h->name))
			continue;
		if (!cc)
			cc = compiler_new(&sb->topo);
		cs[*n_cs] = (struct sb_compiled){.h = h};
		if (cc && !sb_compile_host(cc, &cs[*n_cs]))
			(*n_cs)++;
		else
			(*n_failed)++;
	}
	compiler_destroy(&cc);
}

/* Recompiles the affected hosts, then pushes every host: all compiling is
 * done before the first send, so the agents the first updates wake do not
 * compete with it for the CPU. *us_compile is the compiling time. Returns 0
 * or -ENOMEM (some host could not be compiled). */
static int sb_refresh_hosts(struct southbound *sb, const struct topo_delta *delta, bool send,
			    size_t *n_compiled, int64_t *us_compile)
{
	size_t n_hosts = zhashx_size(sb->hosts), n_cs = 0, n_failed = 0;
	struct sb_compiled *cs = calloc(n_hosts + 1, sizeof(*cs));
	struct timespec t;

	*n_compiled = 0;
	*us_compile = 0;
	if (!cs)
		return -ENOMEM; /* every host keeps its rows; the next refresh redoes all */
	clock_gettime(CLOCK_MONOTONIC, &t);
	sb_compile_hosts(sb, delta, cs, &n_cs, &n_failed);
	*us_compile = sb_lap_us(&t);
	*n_compiled = n_cs;
	for (size_t i = 0; i < n_cs; i++)
		sb_push_host(sb, cs[i].h, &cs[i], send);
	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts)) {
		if (!topo_delta_affects(delta, h->name))
			sb_push_host(sb, h, NULL, send);
	}
	free(cs);
	return n_failed ? -ENOMEM : 0;
}

/* Brings the topology to the store's revision (from the change log: only
 * the objects changed since the last refresh are reloaded) and recompiles
 * the hosts the changes affect; the others keep their rows. When send,
 * pushes diffs (or the revision bump) to hosts in session. A host that
 * cannot be recompiled (no memory) keeps its old rows and revision: it is
 * not sent anything, so it stays consistent, and the next refresh
 * recompiles everything. */
int sb_refresh(struct southbound *sb, bool send)
{
	struct topo_delta delta;
	struct timespec t;
	int64_t us_topo, us_index = 0, us_hosts = 0, us_compile = 0;
	size_t n_compiled = 0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t);
	rc = sb_topo_update(sb, &delta);
	us_topo = sb_lap_us(&t);
	if (!rc)
		rc = sb_index(sb, &sb->topo, &delta);
	us_index = sb_lap_us(&t);
	if (!rc) {
		rc = sb_enroll(sb, &sb->topo);
		if (sb_refresh_hosts(sb, &delta, send, &n_compiled, &us_compile))
			rc = -ENOMEM;
		us_hosts = sb_lap_us(&t);
	}
	log_debug("publish rev=%" PRIu64 " hosts=%zu compiled=%zu topo_us=%" PRId64
		  " index_us=%" PRId64 " hosts_us=%" PRId64 " compile_us=%" PRId64,
		  sb->rev, zhashx_size(sb->hosts), n_compiled, us_topo, us_index, us_hosts,
		  us_compile);
	topo_delta_release(&delta);
	sb->topo_full = rc != 0;
	if (rc)
		log_err("publish incomplete rev=%" PRIu64 " err=%d", sb->rev, rc);
	sb_prune(sb);
	sb_check_waits(sb);
	sb_kick(sb);
	return rc;
}

void southbound_publish(struct southbound *sb)
{
	struct timespec t0, t1;

	if (!sb)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sb_refresh(sb, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	prom_hist_observe(&sb->stats.publish, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
							 (t1.tv_nsec - t0.tv_nsec) / 1000));
}
