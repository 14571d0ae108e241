/* applier.c - reconciles the datapath maps to compiled rows; see applier.h.
 *
 * In memory: the compiled rows whose values carry agent-derived fields
 * (LPORT, local FDB, FLOOD), sorted by (map, key), and the bound ports
 * (from LPORT rows) with their resolved ifindex and counter slot, sorted by
 * port_id. Map writes always go through applier_write_row, which fills the
 * derived fields from the port table.
 */
#include "applier.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "log.h"
#include "tenet_abi.h"

struct applier {
	struct applier_maps maps;   /* borrowed map fds */
	struct applier_ops ops;	    /* callbacks */
	char *rev_path;		    /* revision state file, NULL = none */
	uint64_t rev;		    /* applied revision */
	char store_id[WIRE_STORE_ID_LEN + 1]; /* controller store rev is from, "" unknown */
	struct wire_row *rows;	    /* tracked compiled rows, sorted */
	size_t n_rows;		    /* used entries of rows */
	size_t cap_rows;	    /* allocated entries of rows */
	struct applier_port *ports; /* bound ports, sorted by port_id */
	size_t n_ports;		    /* entries of ports */
	uint64_t rows_applied;	    /* rows written or deleted */
	uint64_t write_errors;	    /* failed map writes */
	int ncpus;		    /* possible CPUs: tn_port_stats values per slot */
	uint64_t slot_used[TN_MAX_PORT_SLOTS / 64]; /* slots of the port table, bit per slot */
};

static bool applier_map_compiled(uint8_t map)
{
	return map >= TN_MAP_LPORT && map <= TN_MAP_TUN_ALLOW;
}

/* Rows whose values hold derived fields, kept in memory. */
static bool applier_row_tracked(const struct wire_row *r)
{
	struct tn_fdb fdb;

	if (r->map == TN_MAP_LPORT || r->map == TN_MAP_FLOOD)
		return true;
	if (r->map != TN_MAP_FDB || r->op != WIRE_OP_UPSERT)
		return false;
	memcpy(&fdb, r->val, sizeof(fdb)); /* wire_row.val is not aligned */
	return fdb.flags & TN_FDB_F_LOCAL;
}

/* bsearch that takes an empty (NULL) array. */
static void *applier_bsearch(const void *key, const void *base, size_t n, size_t size,
			     int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

static int applier_row_cmp(const void *x, const void *y)
{
	const struct wire_row *a = x, *b = y;

	if (a->map != b->map)
		return a->map < b->map ? -1 : 1;
	return memcmp(a->key, b->key, WIRE_KEY_MAX);
}

static int applier_rowp_cmp(const void *x, const void *y)
{
	return applier_row_cmp(*(const struct wire_row *const *)x,
			       *(const struct wire_row *const *)y);
}

static int applier_port_cmp(const void *x, const void *y)
{
	const struct applier_port *a = x, *b = y;

	return a->port_id < b->port_id ? -1 : a->port_id > b->port_id;
}

static const struct applier_port *applier_port_find(const struct applier *a, uint32_t port_id)
{
	struct applier_port probe = {.port_id = port_id};

	return applier_bsearch(&probe, a->ports, a->n_ports, sizeof(probe), applier_port_cmp);
}

static uint32_t applier_port_ifindex(const struct applier *a, uint32_t port_id)
{
	const struct applier_port *p = applier_port_find(a, port_id);

	return p ? p->ifindex : 0;
}

static uint32_t applier_port_slot(const struct applier *a, uint32_t port_id)
{
	const struct applier_port *p = applier_port_find(a, port_id);

	return p ? p->slot : 0;
}

static uint32_t applier_resolve(struct applier *a, const char *ifname)
{
	if (!ifname[0])
		return 0;
	if (a->ops.resolve)
		return a->ops.resolve(a->ops.arg, ifname);
	return if_nametoindex(ifname);
}

/* Writes one row to its map, derived fields filled in. */
static int applier_write_row(struct applier *a, const struct wire_row *r)
{
	union {
		uint8_t raw[WIRE_VAL_MAX]; /* any value */
		struct tn_fdb fdb;	   /* TN_MAP_FDB */
		struct tn_flood flood;	   /* TN_MAP_FLOOD */
	} val;				   /* aligned copy of r->val */
	int fd = a->maps.fd[r->map], err;

	if (r->op == WIRE_OP_DELETE) {
		err = bpf_map_delete_elem(fd, r->key) ? -errno : 0;
		if (err == -ENOENT)
			err = 0;
		goto out;
	}
	memcpy(val.raw, r->val, r->val_len);
	if (r->map == TN_MAP_FDB) {
		struct tn_fdb *f = &val.fdb;

		f->ifindex = (f->flags & TN_FDB_F_LOCAL) ? applier_port_ifindex(a, f->port_id) : 0;
		f->slot = (f->flags & TN_FDB_F_LOCAL) ? applier_port_slot(a, f->port_id) : 0;
	} else if (r->map == TN_MAP_FLOOD) {
		struct tn_flood *f = &val.flood;

		for (uint32_t i = 0; i < TN_MAX_FLOOD_LOCAL; i++) {
			f->local_ifindex[i] =
			    i < f->n_local ? applier_port_ifindex(a, f->local_port[i]) : 0;
			f->local_slot[i] =
			    i < f->n_local ? (uint16_t)applier_port_slot(a, f->local_port[i]) : 0;
		}
	}
	err = bpf_map_update_elem(fd, r->key, val.raw, BPF_ANY) ? -errno : 0;
out:
	if (err) {
		a->write_errors++;
		log_err("map write failed map=%u op=%u err=%d", r->map, r->op, err);
	} else {
		a->rows_applied++;
	}
	return err;
}

/* Collects every key of map fd (key_len bytes each) into a malloc'd array.
 * Returns the count, or -errno. */
static long applier_map_keys(int fd, size_t key_len, uint8_t **out)
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

static int applier_save_rev(struct applier *a, uint64_t rev)
{
	char tmp[4096];
	FILE *f;
	int err = 0;

	a->rev = rev;
	if (!a->rev_path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->rev_path);
	f = fopen(tmp, "w");
	if (!f)
		goto out_err;
	if (a->store_id[0])
		fprintf(f, "%" PRIu64 " %s\n", rev, a->store_id);
	else
		fprintf(f, "%" PRIu64 "\n", rev);
	if (fflush(f) || fsync(fileno(f))) {
		fclose(f);
		goto out_err;
	}
	if (fclose(f) || rename(tmp, a->rev_path))
		goto out_err;
	return 0;
out_err:
	err = -errno;
	log_err("cannot write revision file path=%s err=%d", a->rev_path, err);
	return err;
}

/* Reads "REV[ STORE_ID]" (the identity is absent in files from before
 * identities, or when the controller had none). */
static uint64_t applier_load_rev(const char *path, char store_id[WIRE_STORE_ID_LEN + 1])
{
	char id[WIRE_STORE_ID_LEN + 2] = "";
	uint64_t rev = 0;
	FILE *f = fopen(path, "r");

	store_id[0] = '\0';
	if (!f)
		return 0;
	if (fscanf(f, "%" SCNu64 " %33s", &rev, id) < 1)
		rev = 0;
	fclose(f);
	if (wire_store_id_valid(id))
		memcpy(store_id, id, WIRE_STORE_ID_LEN + 1);
	return rev;
}

static int applier_u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* Deletes from map fd (u32 keys) every key not in sorted used[0..n). */
static void applier_prune_ifindex(int fd, const uint32_t *used, size_t n)
{
	uint8_t *keys = NULL;
	long nk;

	if (fd < 0)
		return;
	nk = applier_map_keys(fd, sizeof(uint32_t), &keys);
	for (long i = 0; i < nk; i++) {
		uint32_t ifindex;

		memcpy(&ifindex, keys + i * sizeof(ifindex), sizeof(ifindex));
		if (!applier_bsearch(&ifindex, used, n, sizeof(*used), applier_u32_cmp))
			bpf_map_delete_elem(fd, &ifindex);
	}
	free(keys);
}

/* Writes port p's tn_ifindex entry from its LPORT row. */
static int applier_write_ifport(struct applier *a, const struct applier_port *p)
{
	struct wire_row probe = {.map = TN_MAP_LPORT}, *row;
	struct tn_ifport v = {0};
	struct tn_lport lp;
	int err = 0;

	memcpy(probe.key, &p->port_id, sizeof(p->port_id));
	row = applier_bsearch(&probe, a->rows, a->n_rows, sizeof(*row), applier_row_cmp);
	if (!row)
		return 0;
	memcpy(&lp, row->val, sizeof(lp)); /* wire_row.val is not aligned */
	v.port_id = p->port_id;
	v.vni = lp.vni;
	memcpy(v.mac, lp.mac, sizeof(v.mac));
	v.flags = lp.flags;
	v.ip4 = lp.ip4;
	v.slot = p->slot;
	if (bpf_map_update_elem(a->maps.fd[TN_MAP_IFINDEX], &p->ifindex, &v, BPF_ANY)) {
		err = -errno;
		a->write_errors++;
		log_err("tn_ifindex write failed ifindex=%u err=%d", p->ifindex, err);
	}
	return err;
}

/* Writes tn_ifindex to exactly the resolved ports. */
static int applier_sync_ifindex(struct applier *a)
{
	uint32_t *used;
	size_t n = 0;
	int err = 0, e;

	used = malloc((a->n_ports ? a->n_ports : 1) * sizeof(*used));
	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_ports; i++) {
		if (!a->ports[i].ifindex)
			continue;
		e = applier_write_ifport(a, &a->ports[i]);
		err = err ? err : e;
		used[n++] = a->ports[i].ifindex;
	}
	qsort(used, n, sizeof(*used), applier_u32_cmp);
	applier_prune_ifindex(a->maps.fd[TN_MAP_IFINDEX], used, n);
	free(used);
	return err;
}

static bool applier_slot_take(struct applier *a, uint32_t slot)
{
	uint64_t bit = 1ULL << (slot % 64);

	if (!slot || slot >= TN_MAX_PORT_SLOTS || (a->slot_used[slot / 64] & bit))
		return false;
	a->slot_used[slot / 64] |= bit;
	return true;
}

/* Zeroes the counters at slot (given to a port afresh). */
static void applier_slot_zero(struct applier *a, uint32_t slot)
{
	int fd = a->maps.fd[TN_MAP_PORT_STATS];
	struct tn_port_stats *zero;

	if (fd < 0 || a->ncpus <= 0)
		return;
	zero = calloc((size_t)a->ncpus, sizeof(*zero));
	if (!zero || bpf_map_update_elem(fd, &slot, zero, BPF_ANY)) {
		a->write_errors++;
		log_err("cannot zero port counters slot=%u err=%d", slot, zero ? -errno : -ENOMEM);
	}
	free(zero);
	fd = a->maps.fd[TN_MAP_PORT_DROPS];
	for (uint32_t r = TN_DROP_FIRST; fd >= 0 && r < TN_STAT_MAX; r++) {
		struct tn_port_drop_key k = {.slot = slot, .reason = r};

		bpf_map_delete_elem(fd, &k); /* -ENOENT for most: nothing counted */
	}
}

/* The slot the pinned tn_ifindex entry of p's interface holds for p, or 0
 * (what a restarted agent takes back). */
static uint32_t applier_slot_pinned(const struct applier *a, const struct applier_port *p)
{
	struct tn_ifport v;

	if (bpf_map_lookup_elem(a->maps.fd[TN_MAP_IFINDEX], &p->ifindex, &v) ||
	    v.port_id != p->port_id)
		return 0;
	return v.slot;
}

/* Gives every resolved port of the new table a slot: its old one while its
 * ifindex is the same, else the pinned one, else a free one (counters
 * zeroed; 0 when none is free). Unresolved ports hold none. */
static void applier_assign_slots(struct applier *a, const struct applier_port *old, size_t n_old)
{
	uint32_t next = 1;

	memset(a->slot_used, 0, sizeof(a->slot_used));
	for (size_t i = 0; i < a->n_ports; i++) {
		struct applier_port *p = &a->ports[i];
		const struct applier_port *o =
		    applier_bsearch(p, old, n_old, sizeof(*o), applier_port_cmp);

		p->slot = 0;
		if (p->ifindex && o && o->ifindex == p->ifindex && applier_slot_take(a, o->slot))
			p->slot = o->slot;
	}
	for (size_t i = 0; i < a->n_ports; i++) {
		struct applier_port *p = &a->ports[i];
		uint32_t slot = p->ifindex && !p->slot ? applier_slot_pinned(a, p) : 0;

		if (applier_slot_take(a, slot))
			p->slot = slot;
	}
	for (size_t i = 0; i < a->n_ports; i++) {
		struct applier_port *p = &a->ports[i];

		if (!p->ifindex || p->slot)
			continue;
		while (next < TN_MAX_PORT_SLOTS && !applier_slot_take(a, next))
			next++;
		if (next == TN_MAX_PORT_SLOTS) {
			log_warn("no free counter slot port=%u", p->port_id);
			continue;
		}
		p->slot = next;
		applier_slot_zero(a, next);
	}
}

/* Rebuilds the port table from the tracked LPORT rows, resolving each
 * ifname and giving the resolved ports slots. The previous table goes to
 * *oldp and *n_old (caller frees). Returns 0 or -ENOMEM. */
static int applier_rebuild_ports(struct applier *a, struct applier_port **oldp, size_t *n_old)
{
	struct applier_port *ports;
	size_t n = 0;

	ports = calloc(a->n_rows ? a->n_rows : 1, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct wire_row *r = &a->rows[i];
		struct applier_port *p = &ports[n];
		struct tn_lport lp;

		if (r->map != TN_MAP_LPORT)
			continue;
		memcpy(&lp, r->val, sizeof(lp));
		memcpy(&p->port_id, r->key, sizeof(p->port_id));
		memcpy(p->ifname, lp.ifname, TN_IFNAMSIZ);
		p->ifname[sizeof(p->ifname) - 1] = '\0';
		p->ifindex = applier_resolve(a, p->ifname);
		n++;
	}
	/* LPORT keys are host-order u32: memcmp order is not numeric order */
	qsort(ports, n, sizeof(*ports), applier_port_cmp);
	*oldp = a->ports;
	*n_old = a->n_ports;
	a->ports = ports;
	a->n_ports = n;
	applier_assign_slots(a, *oldp, *n_old);
	return 0;
}

/* Calls port_changed for every port whose interface changed between old
 * and the current table (only counts them unless call). Returns the number
 * of changes. */
static size_t applier_notify_ports(struct applier *a, const struct applier_port *old, size_t n_old,
				   bool call)
{
	size_t changes = 0;

	for (size_t i = 0; i < a->n_ports; i++) {
		const struct applier_port *p = &a->ports[i];
		const struct applier_port *o =
		    applier_bsearch(p, old, n_old, sizeof(*o), applier_port_cmp);

		if (o && o->ifindex == p->ifindex && strcmp(o->ifname, p->ifname) == 0)
			continue;
		changes++;
		if (!call || !a->ops.port_changed)
			continue;
		if (o && o->ifindex && strcmp(o->ifname, p->ifname) != 0) /* renamed binding */
			a->ops.port_changed(a->ops.arg, o->port_id, o->ifname, 0);
		a->ops.port_changed(a->ops.arg, p->port_id, p->ifname, p->ifindex);
	}
	for (size_t i = 0; i < n_old; i++) {
		const struct applier_port *o = &old[i];

		if (applier_bsearch(o, a->ports, a->n_ports, sizeof(*o), applier_port_cmp))
			continue;
		changes++;
		if (call && a->ops.port_changed)
			a->ops.port_changed(a->ops.arg, o->port_id, o->ifname, 0);
	}
	return changes;
}

/* Rewrites every tracked FDB/FLOOD row and tn_ifindex from the port table. */
static int applier_rewrite_derived(struct applier *a)
{
	int err = 0, e;

	for (size_t i = 0; i < a->n_rows; i++) {
		if (a->rows[i].map == TN_MAP_LPORT)
			continue;
		e = applier_write_row(a, &a->rows[i]);
		err = err ? err : e;
	}
	e = applier_sync_ifindex(a);
	return err ? err : e;
}

/* Inserts, replaces or removes r in the tracked table. */
static int applier_track(struct applier *a, const struct wire_row *r)
{
	struct wire_row *hit, *tmp;
	size_t pos;

	hit = applier_bsearch(r, a->rows, a->n_rows, sizeof(*r), applier_row_cmp);
	if (hit && (r->op == WIRE_OP_DELETE || !applier_row_tracked(r))) {
		pos = (size_t)(hit - a->rows);
		memmove(hit, hit + 1, (a->n_rows - pos - 1) * sizeof(*r));
		a->n_rows--;
		return 0;
	}
	if (r->op == WIRE_OP_DELETE || !applier_row_tracked(r))
		return 0;
	if (hit) {
		*hit = *r;
		return 0;
	}
	if (a->n_rows == a->cap_rows) {
		size_t cap = a->cap_rows ? a->cap_rows * 2 : 64;

		tmp = realloc(a->rows, cap * sizeof(*r));
		if (!tmp)
			return -ENOMEM;
		a->rows = tmp;
		a->cap_rows = cap;
	}
	for (pos = a->n_rows; pos > 0 && applier_row_cmp(&a->rows[pos - 1], r) > 0; pos--)
		;
	memmove(&a->rows[pos + 1], &a->rows[pos], (a->n_rows - pos) * sizeof(*r));
	a->rows[pos] = *r;
	a->n_rows++;
	return 0;
}

static int applier_validate(const struct wire_row *rows, size_t n, bool snapshot)
{
	for (size_t i = 0; i < n; i++) {
		const struct wire_row *r = &rows[i];

		if (!applier_map_compiled(r->map) || !wire_row_valid(r) ||
		    (snapshot && r->op != WIRE_OP_UPSERT)) {
			log_warn("invalid row refused index=%zu map=%u op=%u", i, r->map, r->op);
			return -EINVAL;
		}
	}
	return 0;
}

/* Replaces the tracked table with the tracked rows of a snapshot. */
static int applier_track_all(struct applier *a, const struct wire_row *rows, size_t n)
{
	struct wire_row *t;
	size_t k = 0;

	t = malloc((n ? n : 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (applier_row_tracked(&rows[i]))
			t[k++] = rows[i];
	qsort(t, k, sizeof(*t), applier_row_cmp);
	free(a->rows);
	a->rows = t;
	a->n_rows = k;
	a->cap_rows = n ? n : 1;
	return 0;
}

/* Deletes from every compiled map the keys absent from sorted[0..n). */
static int applier_delete_stale(struct applier *a, const struct wire_row **sorted, size_t n)
{
	struct wire_row probe = {0};
	const struct wire_row *pp = &probe;
	int err = 0;

	for (uint8_t m = TN_MAP_LPORT; applier_map_compiled(m); m++) {
		uint8_t *keys = NULL;
		uint16_t kl;
		long nk;

		wire_map_sizes(m, &kl, NULL);
		nk = applier_map_keys(a->maps.fd[m], kl, &keys);
		if (nk < 0)
			return (int)nk;
		probe.map = m;
		probe.op = WIRE_OP_DELETE;
		probe.key_len = kl;
		memset(probe.key, 0, sizeof(probe.key));
		for (long i = 0; i < nk; i++) {
			memcpy(probe.key, keys + (size_t)i * kl, kl);
			if (applier_bsearch(&pp, sorted, n, sizeof(*sorted), applier_rowp_cmp))
				continue;
			if (applier_write_row(a, &probe))
				err = -EIO;
		}
		free(keys);
	}
	return err;
}

/* Writes rows[0..n) in order; returns the first error but writes them all. */
static int applier_write_rows(struct applier *a, const struct wire_row *rows, size_t n)
{
	int err = 0, e;

	for (size_t i = 0; i < n; i++) {
		e = applier_write_row(a, &rows[i]);
		err = err ? err : e;
	}
	return err;
}

/* After the maps hold the new rows: rewrite derived state if ports changed,
 * sync tn_ifindex, notify. old is freed. */
static int applier_finish_ports(struct applier *a, struct applier_port *old, size_t n_old)
{
	int err;

	if (applier_notify_ports(a, old, n_old, false))
		err = applier_rewrite_derived(a);
	else
		err = applier_sync_ifindex(a);
	applier_notify_ports(a, old, n_old, true);
	free(old);
	return err;
}

int applier_snapshot(struct applier *a, uint64_t rev, const struct wire_row *rows, size_t n)
{
	const struct wire_row **sorted;
	struct applier_port *old = NULL;
	size_t n_old = 0;
	int err;

	if (!a || (n && !rows))
		return -EINVAL;
	err = applier_validate(rows, n, true);
	if (err)
		return err;
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &rows[i];
	qsort(sorted, n, sizeof(*sorted), applier_rowp_cmp);
	err = applier_track_all(a, rows, n);
	if (!err)
		err = applier_rebuild_ports(a, &old, &n_old);
	if (err)
		goto out_free;
	err = applier_write_rows(a, rows, n);
	if (!err)
		err = applier_delete_stale(a, sorted, n);
	if (!err)
		err = applier_finish_ports(a, old, n_old);
	else
		free(old);
	if (err)
		goto out_free;
	applier_save_rev(a, rev);
	log_info("applied snapshot rev=%" PRIu64 " rows=%zu", rev, n);
out_free:
	free(sorted);
	return err;
}

int applier_delta(struct applier *a, uint64_t from, uint64_t to, const struct wire_row *rows,
		  size_t n)
{
	struct applier_port *old = NULL;
	size_t n_old = 0;
	int err;

	if (!a || (n && !rows))
		return -EINVAL;
	if (from != a->rev) {
		log_warn("delta gap from=%" PRIu64 " to=%" PRIu64 " rev=%" PRIu64, from, to,
			 a->rev);
		return -ESTALE;
	}
	err = applier_validate(rows, n, false);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++)
		err = applier_track(a, &rows[i]);
	if (!err)
		err = applier_rebuild_ports(a, &old, &n_old);
	if (err)
		return err;
	err = applier_write_rows(a, rows, n);
	if (!err)
		err = applier_finish_ports(a, old, n_old);
	else
		free(old);
	if (err)
		return err;
	applier_save_rev(a, to);
	log_info("applied delta from=%" PRIu64 " to=%" PRIu64 " rows=%zu", from, to, n);
	return 0;
}

int applier_refresh_links(struct applier *a)
{
	struct applier_port *old = NULL;
	size_t n_old = 0;
	int err;

	if (!a)
		return -EINVAL;
	err = applier_rebuild_ports(a, &old, &n_old);
	if (err)
		return err;
	return applier_finish_ports(a, old, n_old);
}

/* Rebuilds the tracked table from the rows already in the maps (restart). */
static int applier_load_maps(struct applier *a)
{
	static const uint8_t maps[] = {TN_MAP_LPORT, TN_MAP_FDB, TN_MAP_FLOOD};
	int err = 0;

	for (size_t m = 0; m < sizeof(maps) && !err; m++) {
		struct wire_row r = {.map = maps[m], .op = WIRE_OP_UPSERT};
		uint8_t *keys = NULL;
		long n;

		wire_map_sizes(r.map, &r.key_len, &r.val_len);
		n = applier_map_keys(a->maps.fd[r.map], r.key_len, &keys);
		if (n < 0)
			return (int)n;
		for (long i = 0; i < n && !err; i++) {
			memcpy(r.key, keys + (size_t)i * r.key_len, r.key_len);
			if (bpf_map_lookup_elem(a->maps.fd[r.map], r.key, r.val))
				continue; /* deleted meanwhile */
			err = applier_track(a, &r);
		}
		free(keys);
	}
	return err;
}

struct applier *applier_new(const struct applier_maps *maps, const char *rev_path, bool load_rev,
			    const struct applier_ops *ops)
{
	struct applier_port *old = NULL;
	struct applier *a;
	size_t n_old;

	if (!maps)
		return NULL;
	for (int m = TN_MAP_LPORT; m <= TN_MAP_IFINDEX; m++) {
		if (maps->fd[m] < 0) {
			log_err("applier needs map map=%d", m);
			return NULL;
		}
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->maps = *maps;
	a->ncpus = libbpf_num_possible_cpus();
	if (ops)
		a->ops = *ops;
	if (rev_path) {
		a->rev_path = strdup(rev_path);
		if (!a->rev_path)
			goto out_free;
		a->rev = load_rev ? applier_load_rev(rev_path, a->store_id) : 0;
	}
	if (applier_load_maps(a))
		goto out_free;
	/* ports start unresolved: applier_refresh_links notifies them */
	if (applier_rebuild_ports(a, &old, &n_old))
		goto out_free;
	free(old);
	for (size_t i = 0; i < a->n_ports; i++) {
		a->ports[i].ifindex = 0;
		a->ports[i].slot = 0;
	}
	memset(a->slot_used, 0, sizeof(a->slot_used));
	log_info("applier ready rev=%" PRIu64 " ports=%zu tracked=%zu", a->rev, a->n_ports,
		 a->n_rows);
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
	free(a->rev_path);
	free(a->rows);
	free(a->ports);
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
	return applier_save_rev(a, 0);
}

void applier_port_foreach(const struct applier *a,
			  void (*fn)(void *arg, const struct applier_port *port), void *arg)
{
	if (!a || !fn)
		return;
	for (size_t i = 0; i < a->n_ports; i++)
		fn(arg, &a->ports[i]);
}

void applier_get_stats(const struct applier *a, uint64_t *rows_applied, uint64_t *write_errors)
{
	if (rows_applied)
		*rows_applied = a ? a->rows_applied : 0;
	if (write_errors)
		*write_errors = a ? a->write_errors : 0;
}
