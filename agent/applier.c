/* applier.c - reconciles the datapath maps to compiled rows; see applier.h
 * and, for how the work is split, applier_int.h.
 *
 * This file holds the rows: validation, the tracked rows (the compiled
 * FLOOD and local FDB rows, whose values carry derived fields, in a hash
 * by (map, key)), snapshots, deltas, and the applier's lifecycle. Map
 * writes always go through applier_write_batch (applier_batch.c), which
 * fills the derived fields from the port table.
 */
#include "applier_int.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sodium.h>

#include "abi_maps.h"
#include "log.h"

/* Hash of an interface name (SipHash: zhashx's default string hash
 * clusters names that differ in their last digits, "sf1".."sf9999", into
 * long chains, and zhashx rehashes the whole table on every long chain a
 * lookup walks). */
static size_t applier_name_hash(const void *key)
{
	static const unsigned char k[crypto_shorthash_KEYBYTES];
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, key, strlen(key), k);
	return (size_t)h;
}

/* FDB/FLOOD rows whose values hold derived fields, kept in memory (LPORT
 * rows are kept in the port table). */
static bool applier_row_tracked(const struct wire_rowref *r)
{
	struct tn_fdb fdb;

	if (r->op != WIRE_OP_UPSERT)
		return false;
	if (r->map == TN_MAP_FLOOD)
		return true;
	if (r->map != TN_MAP_FDB)
		return false;
	wire_rowref_value(r, &fdb); /* aligned and whole */
	return fdb.flags & TN_FDB_F_LOCAL;
}

static uint32_t applier_port_ifindex(const struct applier *a, uint32_t port_id)
{
	const struct applier_pstate *p = applier_port_find(a, port_id);

	return p && p->bound ? p->pub.ifindex : 0;
}

static uint32_t applier_port_slot(const struct applier *a, uint32_t port_id)
{
	const struct applier_pstate *p = applier_port_find(a, port_id);

	return p && p->bound ? p->pub.slot : 0;
}

void applier_row_value(const struct applier *a, const struct wire_rowref *r, uint8_t *out)
{
	union {
		uint8_t raw[WIRE_VAL_MAX]; /* any value */
		struct tn_fdb fdb;	   /* TN_MAP_FDB */
		struct tn_flood flood;	   /* TN_MAP_FLOOD */
	} val;				   /* aligned, whole copy of r->val */
	uint16_t vl = wire_rowref_value(r, val.raw);

	if (r->map == TN_MAP_FDB) {
		struct tn_fdb *f = &val.fdb;
		bool local = f->flags & TN_FDB_F_LOCAL;
		const struct applier_pstate *p = local ? applier_port_find(a, f->port_id) : NULL;

		f->ifindex = p && p->bound ? p->pub.ifindex : 0;
		f->slot = p && p->bound ? p->pub.slot : 0;
		f->flags &= ~TN_FDB_F_MIGRATING;
		if (local && p && p->migrating)
			f->flags |= TN_FDB_F_MIGRATING;
	} else if (r->map == TN_MAP_FLOOD) {
		struct tn_flood *f = &val.flood;

		for (uint32_t i = 0; i < TN_MAX_FLOOD_LOCAL; i++) {
			bool used = i < f->n_local;

			f->local_ifindex[i] = used ? applier_port_ifindex(a, f->local_port[i]) : 0;
			f->local_slot[i] =
			    used ? (uint16_t)applier_port_slot(a, f->local_port[i]) : 0;
		}
	}
	memcpy(out, val.raw, vl);
}

int applier_write_row(struct applier *a, const struct applier_row *r)
{
	struct wire_rowref ref = {.map = r->map,
				  .op = WIRE_OP_UPSERT,
				  .key_len = r->key_len,
				  .val_len = r->val_len,
				  .key = r->key,
				  .val = r->val};

	return applier_write_batch(a, &ref, 1);
}

long applier_map_keys(int fd, size_t key_len, uint8_t **out)
{
	uint8_t *keys = NULL, *tmp, cur[WIRE_KEY_MAX], next[WIRE_KEY_MAX];
	size_t n = 0, cap = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(keys, cap * key_len);
			if (!tmp) {
				free(keys);
				return -ENOMEM;
			}
			keys = tmp;
		}
		memcpy(keys + n * key_len, next, key_len);
		n++;
		memcpy(cur, next, key_len);
		prev = cur;
	}
	*out = keys;
	return (long)n;
}

/* Adds (add) or removes tracked row r to / from the ports it names. */
static int applier_row_deps(struct applier *a, struct applier_row *r, bool add)
{
	union {
		struct tn_fdb fdb;     /* TN_MAP_FDB */
		struct tn_flood flood; /* TN_MAP_FLOOD */
	} v;
	int err = 0;

	if (r->map == TN_MAP_FDB) {
		memcpy(&v.fdb, r->val, sizeof(v.fdb));
		if (!add)
			applier_dep_del(a, v.fdb.port_id, r);
		else
			err = applier_dep_add(a, v.fdb.port_id, r);
		return err;
	}
	memcpy(&v.flood, r->val, sizeof(v.flood));
	for (uint32_t i = 0; i < v.flood.n_local && i < TN_MAX_FLOOD_LOCAL && !err; i++) {
		if (!add)
			applier_dep_del(a, v.flood.local_port[i], r);
		else
			err = applier_dep_add(a, v.flood.local_port[i], r);
	}
	return err;
}

/* An LPORT row binds or unbinds its port (marked dirty). */
static int applier_track_lport(struct applier *a, const struct wire_rowref *r)
{
	struct applier_pstate *p;
	struct tn_lport lp;
	uint32_t port_id;
	int err;

	memcpy(&port_id, r->key, sizeof(port_id));
	p = r->op == WIRE_OP_UPSERT ? applier_port_get(a, port_id) : applier_port_find(a, port_id);
	if (!p)
		return r->op == WIRE_OP_UPSERT ? -ENOMEM : 0;
	err = applier_port_dirty(a, p);
	if (err)
		return err;
	if (r->op == WIRE_OP_UPSERT)
		wire_rowref_value(r, &lp); /* aligned and whole */
	applier_port_bind(a, p, r->op == WIRE_OP_UPSERT ? &lp : NULL);
	return 0;
}

/* A MIGRATE row marks or unmarks its port (dirty: its tn_ifindex entry
 * and the local FDB rows naming it carry the mark). */
static int applier_track_migrate(struct applier *a, const struct wire_rowref *r)
{
	struct applier_pstate *p;
	uint32_t port_id;
	int err;

	memcpy(&port_id, r->key, sizeof(port_id));
	p = r->op == WIRE_OP_UPSERT ? applier_port_get(a, port_id) : applier_port_find(a, port_id);
	if (!p)
		return r->op == WIRE_OP_UPSERT ? -ENOMEM : 0;
	err = applier_port_dirty(a, p);
	if (err)
		return err;
	p->migrating = r->op == WIRE_OP_UPSERT;
	return 0;
}

/* Brings the in-memory state in line with row r (not yet written). */
static int applier_track(struct applier *a, const struct wire_rowref *r)
{
	struct applier_row *t;

	if (r->map == TN_MAP_LPORT)
		return applier_track_lport(a, r);
	if (r->map == TN_MAP_MIGRATE)
		return applier_track_migrate(a, r);
	if (r->map != TN_MAP_FDB && r->map != TN_MAP_FLOOD)
		return 0;
	t = applier_rows_find(a, r->map, r->key, r->key_len);
	if (t)
		applier_row_deps(a, t, false);
	if (!applier_row_tracked(r)) {
		applier_rows_del(a, t); /* frees t; takes NULL */
		return 0;
	}
	if (!t) {
		uint16_t vl = 0;

		wire_map_sizes(r->map, NULL, &vl); /* a key stays in its map: one size */
		t = calloc(1, sizeof(*t) + vl);
		if (!t)
			return -ENOMEM;
		t->map = r->map;
		t->key_len = r->key_len;
		t->val_len = vl;
		memcpy(t->key, r->key, r->key_len);
		if (applier_rows_add(a, t)) {
			free(t);
			return -ENOMEM;
		}
	}
	wire_rowref_value(r, t->val); /* whole: a trimmed value's rest zeroed */
	return applier_row_deps(a, t, true);
}

/* Writes the rows of rows[0..n) that pick takes, in order, marking the
 * tracked copies written in this batch; returns the first error but
 * writes them all. */
static int applier_write_rows(struct applier *a, const struct wire_rowref *rows, size_t n,
			      enum applier_pick pick)
{
	int err = applier_writer_write(a, &a->w, rows, n, pick);

	for (size_t i = 0; i < n; i++) {
		struct applier_row *t;

		if (rows[i].map != TN_MAP_FDB && rows[i].map != TN_MAP_FLOOD)
			continue;
		t = applier_rows_find(a, rows[i].map, rows[i].key, rows[i].key_len);
		if (t)
			t->written = a->batch;
	}
	return err;
}

static int applier_validate(const struct wire_rowref *rows, size_t n, bool snapshot)
{
	for (size_t i = 0; i < n; i++) {
		const struct wire_rowref *r = &rows[i];

		if (!tn_map_compiled(r->map) || !wire_rowref_valid(r) ||
		    (snapshot && r->op != WIRE_OP_UPSERT)) {
			log_warn("invalid row refused index=%zu map=%u op=%u", i, r->map, r->op);
			return -EINVAL;
		}
	}
	return 0;
}

static int applier_row_cmp(const void *x, const void *y)
{
	const struct wire_rowref *a = *(const struct wire_rowref *const *)x;
	const struct wire_rowref *b = *(const struct wire_rowref *const *)y;

	if (a->map != b->map)
		return a->map < b->map ? -1 : 1;
	return memcmp(a->key, b->key, a->key_len); /* one map: one key size */
}

/* The keys of one compiled map before a snapshot is written. */
struct applier_old_keys {
	uint8_t *keys; /* malloc'd, key_len bytes each */
	long n;	       /* count */
};

/* Collects the keys every compiled map holds (what a snapshot may have to
 * delete: the keys it writes itself are never stale), into old[m]. On a
 * fresh datapath that is one call per map. Returns 0 or -errno. */
static int applier_collect_keys(struct applier *a, struct applier_old_keys *old)
{
	for (uint8_t m = TN_MAP_FIRST; m < TN_MAP_MAX; m++) {
		uint16_t kl;

		if (!wire_map_sizes(m, &kl, NULL))
			continue; /* not compiled */
		old[m].n = applier_map_keys(a->maps.fd[m], kl, &old[m].keys);
		if (old[m].n < 0)
			return (int)old[m].n;
	}
	return 0;
}

/* Deletes from every compiled map the keys of old absent from rows[0..n)
 * (sorted only when a map held keys before). Frees old's keys. */
static int applier_delete_stale(struct applier *a, const struct wire_rowref *rows, size_t n,
				struct applier_old_keys *old)
{
	const struct wire_rowref **sorted = NULL;
	uint8_t key[WIRE_KEY_MAX];
	struct wire_rowref probe = {.key = key};
	const struct wire_rowref *pp = &probe;
	int err = 0;

	for (uint8_t m = TN_MAP_FIRST; m < TN_MAP_MAX && !err; m++) {
		uint16_t kl;
		size_t ns = 0;

		if (old[m].n <= 0) /* and every map not compiled */
			continue;
		if (!sorted && n) {
			sorted = malloc(n * sizeof(*sorted));
			if (!sorted) {
				err = -ENOMEM;
				break;
			}
			for (size_t i = 0; i < n; i++)
				sorted[i] = &rows[i];
			qsort(sorted, n, sizeof(*sorted), applier_row_cmp);
		}
		wire_map_sizes(m, &kl, NULL);
		probe.map = m;
		probe.key_len = kl;
		/* the stale keys, moved to the front of old[m].keys */
		for (long i = 0; i < old[m].n; i++) {
			memcpy(key, old[m].keys + (size_t)i * kl, kl);
			if (n && bsearch(&pp, sorted, n, sizeof(*sorted), applier_row_cmp))
				continue;
			memmove(old[m].keys + ns++ * kl, key, kl);
		}
		if (ns && applier_delete_keys(a, m, old[m].keys, kl, ns))
			err = -EIO;
	}
	free(sorted);
	for (uint8_t m = TN_MAP_FIRST; m < TN_MAP_MAX; m++) {
		free(old[m].keys);
		old[m].keys = NULL;
	}
	return err;
}

/* Forgets every binding and tracked row, each port marked dirty with the
 * state it had (a snapshot then tracks its rows from scratch). */
static int applier_untrack_all(struct applier *a)
{
	int err = 0;

	size_t it = 0;

	for (struct applier_pstate *p; (p = applier_ports_next(a, &it));) {
		err = err ?: applier_port_dirty(a, p);
		p->n_deps = 0;
		p->migrating = false; /* the snapshot's MIGRATE rows mark them again */
	}
	for (size_t i = 0; i < a->n_dirty; i++)
		applier_port_bind(a, a->dirty[i], NULL);
	applier_rows_purge(a);
	return err;
}

/* A snapshot's side writer: a thread writing the rows without derived
 * fields (they need no port table) while the applier's thread tracks the
 * rows and writes the others. It touches the maps it writes, its own
 * buffers and counts, and the batch_off entries of those maps: nothing the
 * applier's thread touches meanwhile. */
struct applier_side {
	struct applier *a;		/* the applier (maps, batch_off) */
	struct applier_writer w;	/* its buffers, counting into: */
	uint64_t rows_applied;		/* rows it wrote */
	uint64_t write_errors;		/* writes that failed */
	const struct wire_rowref *rows; /* the snapshot's rows */
	size_t n;			/* their count */
	int err;			/* its first -errno */
	pthread_t thread;		/* running it */
};

static void *applier_side_run(void *arg)
{
	struct applier_side *s = arg;

	s->err = applier_writer_write(s->a, &s->w, s->rows, s->n, APPLIER_PICK_PLAIN);
	return NULL;
}

/* Starts side writer s on rows[0..n). Returns 0, or -errno when it could
 * not (the applier's thread writes every row then). */
static int applier_side_start(struct applier *a, struct applier_side *s,
			      const struct wire_rowref *rows, size_t n)
{
	int err;

	*s = (struct applier_side){.a = a, .rows = rows, .n = n};
	err = applier_writer_init(&s->w, &s->rows_applied, &s->write_errors);
	err = err ?: -pthread_create(&s->thread, NULL, applier_side_run, s);
	if (err)
		applier_writer_free(&s->w);
	return err;
}

/* Waits for side writer s and adds its counts to a's. Returns its first
 * -errno. */
static int applier_side_join(struct applier *a, struct applier_side *s)
{
	pthread_join(s->thread, NULL);
	applier_writer_free(&s->w);
	a->rows_applied += s->rows_applied;
	a->write_errors += s->write_errors;
	return s->err;
}

/* Tracks rows[0..n) (a snapshot's or a delta's), resolves the ports they
 * mark dirty and writes the rows. From a->side_min rows on, the rows
 * without derived fields are written by a side writer meanwhile: they are
 * written even when tracking fails (the update is not acked then, and
 * what it wrote is written again by the next). Returns the first -errno. */
static int applier_apply_rows(struct applier *a, const struct wire_rowref *rows, size_t n)
{
	struct applier_side side;
	bool par = n >= a->side_min && applier_side_start(a, &side, rows, n) == 0;
	int err = 0, e;

	for (size_t i = 0; i < n && !err; i++)
		err = applier_track(a, &rows[i]);
	applier_ports_resolve(a);
	if (!err)
		err = applier_write_rows(a, rows, n, par ? APPLIER_PICK_DERIVED : APPLIER_PICK_ALL);
	if (par) {
		e = applier_side_join(a, &side);
		err = err ?: e;
	}
	return err;
}

/* Tracks a snapshot's rows and writes them, deleting what it lacks. */
static int applier_snapshot_rows(struct applier *a, const struct wire_rowref *rows, size_t n)
{
	struct applier_old_keys old[TN_MAP_MAX] = {0};
	int err;

	err = applier_collect_keys(a, old);
	err = err ?: applier_untrack_all(a);
	err = err ?: applier_apply_rows(a, rows, n);
	if (!err)
		err = applier_delete_stale(a, rows, n, old);
	for (uint8_t m = TN_MAP_FIRST; m < TN_MAP_MAX; m++)
		free(old[m].keys); /* NULL when applier_delete_stale ran */
	return err;
}

int applier_snapshot_refs(struct applier *a, uint64_t rev, const struct wire_rowref *rows, size_t n)
{
	int err, e;

	if (!a || (n && !rows))
		return -EINVAL;
	err = applier_validate(rows, n, true);
	if (err)
		return err;
	applier_batch_begin(a);
	err = applier_snapshot_rows(a, rows, n);
	e = applier_ports_finish(a);
	err = err ?: e;
	applier_ports_prune_ifindex(a);
	applier_ports_prune_mig_active(a);
	if (err)
		return err;
	err = applier_rev_save(a, rev);
	log_info("applied snapshot rev=%" PRIu64 " rows=%zu%s", rev, n,
		 err ? " (revision not recorded)" : "");
	return err;
}

int applier_delta_refs(struct applier *a, uint64_t from, uint64_t to,
		       const struct wire_rowref *rows, size_t n)
{
	int err = 0, e;

	if (!a || (n && !rows))
		return -EINVAL;
	if (from != a->rev) {
		log_warn("delta gap from=%" PRIu64 " to=%" PRIu64 " rev=%" PRIu64, from, to,
			 a->rev);
		return -ESTALE;
	}
	e = applier_validate(rows, n, false);
	if (e)
		return e;
	applier_batch_begin(a);
	err = applier_apply_rows(a, rows, n);
	e = applier_ports_finish(a);
	err = err ?: e;
	if (err)
		return err;
	err = applier_rev_save(a, to);
	/* one per change in the cluster on every agent: debug, as the
	 * controller's own per-publish line; a revision not recorded is an
	 * error the caller logs */
	log_debug("applied delta from=%" PRIu64 " to=%" PRIu64 " rows=%zu%s", from, to, n,
		  err ? " (revision not recorded)" : "");
	return err;
}

/* Views of rows[0..n) (malloc'd, caller frees; NULL for none), or -ENOMEM. */
static int applier_refs(const struct wire_row *rows, size_t n, struct wire_rowref **out)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		wire_row_ref(&rows[i], &(*out)[i]);
	return 0;
}

int applier_snapshot(struct applier *a, uint64_t rev, const struct wire_row *rows, size_t n)
{
	struct wire_rowref *refs;
	int err;

	if (!a || (n && !rows))
		return -EINVAL;
	err = applier_refs(rows, n, &refs);
	err = err ?: applier_snapshot_refs(a, rev, refs, n);
	free(refs);
	return err;
}

int applier_delta(struct applier *a, uint64_t from, uint64_t to, const struct wire_row *rows,
		  size_t n)
{
	struct wire_rowref *refs;
	int err;

	if (!a || (n && !rows))
		return -EINVAL;
	err = applier_refs(rows, n, &refs);
	err = err ?: applier_delta_refs(a, from, to, refs, n);
	free(refs);
	return err;
}

/* Rebuilds the tracked rows and bindings from the rows already in the maps
 * (restart); the ports stay unresolved. */
static int applier_load_maps(struct applier *a)
{
	static const uint8_t maps[] = {TN_MAP_MIGRATE, TN_MAP_LPORT, TN_MAP_FDB, TN_MAP_FLOOD};
	int err = 0;

	applier_batch_begin(a);
	for (size_t m = 0; m < sizeof(maps) && !err; m++) {
		struct wire_row r = {.map = maps[m], .op = WIRE_OP_UPSERT};
		struct wire_rowref ref;
		uint8_t *keys = NULL;
		long n;

		wire_map_sizes(r.map, &r.key_len, &r.val_len);
		n = applier_map_keys(a->maps.fd[r.map], r.key_len, &keys);
		if (n < 0) {
			err = (int)n;
			break;
		}
		for (long i = 0; i < n && !err; i++) {
			memcpy(r.key, keys + (size_t)i * r.key_len, r.key_len);
			if (bpf_map_lookup_elem(a->maps.fd[r.map], r.key, r.val))
				continue; /* deleted meanwhile */
			wire_row_ref(&r, &ref);
			err = applier_track(a, &ref);
		}
		free(keys);
	}
	applier_batch_end(a);
	return err;
}

struct applier *applier_new(const struct applier_maps *maps, const char *rev_path, bool load_rev,
			    const struct applier_ops *ops)
{
	struct applier *a;

	if (!maps)
		return NULL;
	for (unsigned m = TN_MAP_FIRST; m < TN_MAP_MAX; m++) {
		if (tn_map_applied(m) && maps->fd[m] < 0) {
			log_err("applier needs map map=%s", tn_map_desc(m)->name);
			return NULL;
		}
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->maps = *maps;
	a->ncpus = libbpf_num_possible_cpus();
	a->batch = 1; /* 0 means "dirty in no batch" */
	a->rev_fd = -1;
	if (ops)
		a->ops = *ops;
	a->by_name = zhashx_new(); /* items borrowed from ports */
	if (a->by_name)
		zhashx_set_key_hasher(a->by_name, applier_name_hash);
	a->side_min = APPLIER_SIDE_MIN;
	if (!a->by_name || applier_writer_init(&a->w, &a->rows_applied, &a->write_errors))
		goto out_free;
	if (rev_path) {
		a->rev_path = strdup(rev_path);
		if (!a->rev_path)
			goto out_free;
		if (load_rev)
			applier_rev_load(rev_path, &a->rev, a->store_id);
	}
	/* ports start unresolved: applier_refresh_links notifies them */
	if (applier_load_maps(a))
		goto out_free;
	log_info("applier ready rev=%" PRIu64 " ports=%zu tracked=%zu", a->rev,
		 applier_ports_count(a), applier_rows_count(a));
	return a;
out_free:
	log_err("cannot create applier");
	applier_destroy(&a);
	return NULL;
}

void applier_destroy(struct applier **ap)
{
	struct applier *a;

	if (!ap || !*ap)
		return;
	a = *ap;
	applier_rev_close(a);
	free(a->rev_path);
	applier_rows_free(a); /* before the ports: rows name them */
	applier_ports_free(a);
	applier_writer_free(&a->w);
	free(a);
	*ap = NULL;
}

uint64_t applier_rev(const struct applier *a)
{
	return a ? a->rev : 0;
}

const char *applier_store_id(const struct applier *a)
{
	return a ? a->store_id : "";
}

int applier_reset(struct applier *a, const char *store_id)
{
	if (!a || !store_id || (store_id[0] && !wire_store_id_valid(store_id)))
		return -EINVAL;
	log_info("revision reset for another controller store rev=%" PRIu64 " store=%s was=%s",
		 a->rev, store_id, a->store_id[0] ? a->store_id : "-");
	snprintf(a->store_id, sizeof(a->store_id), "%s", store_id);
	return applier_rev_save(a, 0);
}

void applier_get_stats(const struct applier *a, uint64_t *rows_applied, uint64_t *write_errors)
{
	if (rows_applied)
		*rows_applied = a ? a->rows_applied : 0;
	if (write_errors)
		*write_errors = a ? a->write_errors : 0;
}

uint64_t applier_rev_save_errors(const struct applier *a)
{
	return a ? a->rev_save_errors : 0;
}
