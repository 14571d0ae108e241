/* applier_ports.c - the applier's port table; see applier_int.h.
 *
 * A port state exists for every port id an LPORT row binds or a tracked
 * FDB/FLOOD row names; it holds the binding (the LPORT value and its
 * interface name), the resolved ifindex and slot, and the tracked rows that
 * name the port, whose derived fields follow the port. Ports are found by
 * id (a hash) and by interface name (a hash of chains: the store lets one
 * port bind a name, but the table does not rely on it), so a link event
 * costs the ports bound to that name and a row costs the ports it names.
 */
#include "applier_int.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "log.h"
#include "sgmaps.h"

/* The port table: port states by port_id, open addressing with linear
 * probing, at most half full. Not zhashx: zhashx doubles its table
 * whenever a lookup walks a chain longer than its chain limit but raises
 * that limit only when an insert grows it, and the lookups of a
 * 10,000-port snapshot (each port looked up by its LPORT, FDB and FLOOD
 * rows) grew it to a million buckets, rehashed at every doubling. */

/* Home index of port_id in a table of cap (a power of two) entries
 * (Fibonacci hashing: port ids come from the controller). */
static size_t applier_pidx_home(uint32_t port_id, size_t cap)
{
	return (size_t)(((uint64_t)port_id * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* Index of port_id's entry, or of the free entry where it would go. */
static size_t applier_pidx_slot(const struct applier *a, uint32_t port_id)
{
	size_t i = applier_pidx_home(port_id, a->ports_cap);

	while (a->ports[i] && a->ports[i]->pub.port_id != port_id)
		i = (i + 1) & (a->ports_cap - 1);
	return i;
}

/* Room for one more entry. Returns 0 or -ENOMEM. */
static int applier_pidx_reserve(struct applier *a)
{
	struct applier_pstate **old = a->ports;
	size_t old_cap = a->ports_cap, cap;

	if ((a->n_ports + 1) * 2 <= a->ports_cap)
		return 0;
	cap = old_cap ? old_cap * 2 : 64;
	a->ports = calloc(cap, sizeof(*a->ports));
	if (!a->ports) {
		a->ports = old;
		return -ENOMEM;
	}
	a->ports_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			a->ports[applier_pidx_slot(a, old[i]->pub.port_id)] = old[i];
	free(old);
	return 0;
}

/* Removes the entry at i, moving back the entries after it that would
 * otherwise no longer be found. */
static void applier_pidx_remove(struct applier *a, size_t i)
{
	size_t mask = a->ports_cap - 1, j = i;

	a->ports[i] = NULL;
	a->n_ports--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!a->ports[j])
			return;
		home = applier_pidx_home(a->ports[j]->pub.port_id, a->ports_cap);
		/* the entry at j stays unless its home is cyclically outside (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		a->ports[i] = a->ports[j];
		a->ports[j] = NULL;
		i = j;
	}
}

size_t applier_ports_count(const struct applier *a)
{
	return a->n_ports;
}

struct applier_pstate *applier_ports_next(const struct applier *a, size_t *i)
{
	for (; *i < a->ports_cap; (*i)++)
		if (a->ports[*i])
			return a->ports[(*i)++];
	return NULL;
}

struct applier_pstate *applier_port_find(const struct applier *a, uint32_t port_id)
{
	if (!a->n_ports)
		return NULL;
	return a->ports[applier_pidx_slot(a, port_id)];
}

struct applier_pstate *applier_port_get(struct applier *a, uint32_t port_id)
{
	struct applier_pstate *p = applier_port_find(a, port_id);

	if (p)
		return p;
	if (applier_pidx_reserve(a))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pub.port_id = port_id;
	a->ports[applier_pidx_slot(a, port_id)] = p;
	a->n_ports++;
	return p;
}

/* Drops p if nothing binds or names it and it is not dirty. */
static void applier_port_gc(struct applier *a, struct applier_pstate *p)
{
	if (p->bound || p->n_deps || p->migrating || p->dirty == a->batch)
		return;
	applier_pidx_remove(a, applier_pidx_slot(a, p->pub.port_id));
	free(p->deps);
	free(p);
}

/* Adds p to the chain of ports bound to p->pub.ifname. */
static void applier_name_link(struct applier *a, struct applier_pstate *p)
{
	struct applier_pstate *head;

	if (!p->pub.ifname[0])
		return;
	head = zhashx_lookup(a->by_name, p->pub.ifname);
	p->name_next = head;
	zhashx_update(a->by_name, p->pub.ifname, p);
}

/* Removes p from the chain of ports bound to p->pub.ifname. */
static void applier_name_unlink(struct applier *a, struct applier_pstate *p)
{
	struct applier_pstate *q;

	if (!p->pub.ifname[0])
		return;
	q = zhashx_lookup(a->by_name, p->pub.ifname);
	if (q == p) {
		if (p->name_next)
			zhashx_update(a->by_name, p->pub.ifname, p->name_next);
		else
			zhashx_delete(a->by_name, p->pub.ifname);
	} else {
		while (q && q->name_next != p)
			q = q->name_next;
		if (q)
			q->name_next = p->name_next;
	}
	p->name_next = NULL;
}

void applier_batch_begin(struct applier *a)
{
	a->batch++;
	a->n_dirty = 0;
}

void applier_batch_end(struct applier *a)
{
	for (size_t i = 0; i < a->n_dirty; i++)
		a->dirty[i]->dirty = 0;
	for (size_t i = 0; i < a->n_dirty; i++)
		applier_port_gc(a, a->dirty[i]);
	a->n_dirty = 0;
}

int applier_port_dirty(struct applier *a, struct applier_pstate *p)
{
	if (p->dirty == a->batch)
		return 0;
	if (a->n_dirty == a->cap_dirty) {
		size_t cap = a->cap_dirty ? a->cap_dirty * 2 : 16;
		struct applier_pstate **d = realloc(a->dirty, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		a->dirty = d;
		a->cap_dirty = cap;
	}
	a->dirty[a->n_dirty++] = p;
	p->dirty = a->batch;
	p->lport_written = false;
	p->old_bound = p->bound;
	memcpy(p->old_ifname, p->pub.ifname, sizeof(p->old_ifname));
	p->old_ifindex = p->pub.ifindex;
	p->old_slot = p->pub.slot;
	p->old_migrating = p->migrating;
	return 0;
}

void applier_port_bind(struct applier *a, struct applier_pstate *p, const struct tn_lport *lp)
{
	char name[sizeof(p->pub.ifname)] = "";

	if (lp) {
		memcpy(name, lp->ifname, sizeof(name) < TN_IFNAMSIZ ? sizeof(name) : TN_IFNAMSIZ);
		name[sizeof(name) - 1] = '\0';
		p->lport = *lp;
	}
	if (strcmp(name, p->pub.ifname) != 0) {
		applier_name_unlink(a, p);
		memcpy(p->pub.ifname, name, sizeof(name));
		applier_name_link(a, p);
	}
	p->bound = lp != NULL;
	p->lport_written = true;
}

int applier_dep_add(struct applier *a, uint32_t port_id, struct applier_row *r)
{
	struct applier_pstate *p = applier_port_get(a, port_id);

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_deps; i++)
		if (p->deps[i] == r)
			return 0; /* a FLOOD page listing the port twice */
	if (p->n_deps == p->cap_deps) {
		size_t cap = p->cap_deps ? p->cap_deps * 2 : 4;
		struct applier_row **d = realloc(p->deps, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		p->deps = d;
		p->cap_deps = cap;
	}
	p->deps[p->n_deps++] = r;
	return 0;
}

void applier_dep_del(struct applier *a, uint32_t port_id, struct applier_row *r)
{
	struct applier_pstate *p = applier_port_find(a, port_id);

	if (!p)
		return;
	for (size_t i = 0; i < p->n_deps; i++) {
		if (p->deps[i] == r) {
			p->deps[i] = p->deps[--p->n_deps];
			break;
		}
	}
	applier_port_gc(a, p);
}

static uint32_t applier_resolve(struct applier *a, const char *ifname)
{
	if (!ifname[0])
		return 0;
	if (a->ops.resolve)
		return a->ops.resolve(a->ops.arg, ifname);
	return if_nametoindex(ifname);
}

/* Slots as a full rebuild would give them: a port keeps its slot while its
 * ifindex stays; the others take the pinned one back, else a fresh one. The
 * batch's freed slots go back first, so they can be given out again. */
void applier_ports_resolve(struct applier *a)
{
	for (size_t i = 0; i < a->n_dirty; i++) {
		struct applier_pstate *p = a->dirty[i];

		p->pub.ifindex = p->bound ? applier_resolve(a, p->pub.ifname) : 0;
		if (p->pub.slot && (!p->pub.ifindex || p->pub.ifindex != p->old_ifindex)) {
			applier_slot_put(a, p->pub.slot);
			p->pub.slot = 0;
		}
	}
	for (size_t i = 0; i < a->n_dirty; i++) {
		struct applier_pstate *p = a->dirty[i];
		uint32_t slot = p->pub.ifindex && !p->pub.slot ? applier_slot_pinned(a, p) : 0;

		if (applier_slot_take(a, slot))
			p->pub.slot = slot;
	}
	for (size_t i = 0; i < a->n_dirty; i++) {
		struct applier_pstate *p = a->dirty[i];

		if (p->pub.ifindex && !p->pub.slot)
			p->pub.slot = applier_slot_fresh(a, p->pub.port_id);
	}
}

/* Writes p's tn_ifindex entry from its LPORT value. */
static int applier_write_ifport(struct applier *a, const struct applier_pstate *p)
{
	struct tn_ifport v = {0};
	int err = 0;

	v.port_id = p->pub.port_id;
	v.vni = p->lport.vni;
	memcpy(v.mac, p->lport.mac, sizeof(v.mac));
	v.flags =
	    (p->lport.flags & ~TN_LPORT_F_MIGRATING) | (p->migrating ? TN_LPORT_F_MIGRATING : 0);
	v.ip4 = p->lport.ip4;
	v.slot = p->pub.slot;
	v.identity = p->lport.identity;
	if (bpf_map_update_elem(a->maps.fd[TN_MAP_IFINDEX], &p->pub.ifindex, &v, BPF_ANY)) {
		err = -errno;
		a->write_errors++;
		log_err("tn_ifindex write failed ifindex=%u err=%s", p->pub.ifindex,
			log_errname(err));
	}
	return err;
}

/* p no longer owns tn_ifindex[p->old_ifindex]: deletes the entry, unless
 * another port bound to the same name still resolves there (rewritten for
 * it instead). */
static int applier_release_ifport(struct applier *a, const struct applier_pstate *p)
{
	uint32_t ifindex = p->old_ifindex;
	struct applier_pstate *q = zhashx_lookup(a->by_name, p->old_ifname);

	for (; q; q = q->name_next) {
		if (q == p || !q->bound || q->pub.ifindex != ifindex)
			continue;
		return applier_write_ifport(a, q);
	}
	if (bpf_map_delete_elem(a->maps.fd[TN_MAP_IFINDEX], &ifindex) && errno != ENOENT) {
		int err = -errno;

		a->write_errors++;
		log_err("tn_ifindex delete failed ifindex=%u err=%s", ifindex, log_errname(err));
		return err;
	}
	return 0;
}

static bool applier_port_moved(const struct applier_pstate *p)
{
	return p->pub.ifindex != p->old_ifindex || p->pub.slot != p->old_slot ||
	       p->migrating != p->old_migrating;
}

/* The tracked rows naming a moved port get its new ifindex, slot and
 * migration mark. */
static int applier_rewrite_deps(struct applier *a)
{
	int err = 0, e;

	for (size_t i = 0; i < a->n_dirty; i++) {
		struct applier_pstate *p = a->dirty[i];

		if (!applier_port_moved(p))
			continue;
		for (size_t j = 0; j < p->n_deps; j++) {
			struct applier_row *r = p->deps[j];

			if (r->written == a->batch)
				continue;
			r->written = a->batch;
			e = applier_write_row(a, r);
			err = err ?: e;
		}
	}
	return err;
}

/* tn_ifindex of the dirty ports: every entry given up is deleted before
 * any is written, so ports that swap interfaces end up right. */
static int applier_sync_ifports(struct applier *a)
{
	int err = 0, e;

	for (size_t i = 0; i < a->n_dirty; i++) {
		struct applier_pstate *p = a->dirty[i];

		if (p->old_ifindex && p->old_ifindex != p->pub.ifindex) {
			e = applier_release_ifport(a, p);
			err = err ?: e;
		}
	}
	for (size_t i = 0; i < a->n_dirty; i++) {
		struct applier_pstate *p = a->dirty[i];

		if (p->bound && p->pub.ifindex && (p->lport_written || applier_port_moved(p))) {
			e = applier_write_ifport(a, p);
			err = err ?: e;
		}
	}
	return err;
}

static int applier_pstatep_cmp(const void *x, const void *y)
{
	const struct applier_pstate *a = *(const struct applier_pstate *const *)x;
	const struct applier_pstate *b = *(const struct applier_pstate *const *)y;

	return a->pub.port_id < b->pub.port_id ? -1 : a->pub.port_id > b->pub.port_id;
}

/* port_changed for the dirty ports whose interface changed, in port_id
 * order; ports unbound by the batch last. */
static void applier_notify(struct applier *a)
{
	void (*fn)(void *, uint32_t, const char *, uint32_t) = a->ops.port_changed;

	if (!fn || !a->n_dirty)
		return;
	qsort(a->dirty, a->n_dirty, sizeof(*a->dirty), applier_pstatep_cmp);
	for (size_t i = 0; i < a->n_dirty; i++) {
		const struct applier_pstate *p = a->dirty[i];

		if (!p->bound || (p->old_bound && p->old_ifindex == p->pub.ifindex &&
				  strcmp(p->old_ifname, p->pub.ifname) == 0))
			continue;
		if (p->old_bound && p->old_ifindex && strcmp(p->old_ifname, p->pub.ifname) != 0)
			fn(a->ops.arg, p->pub.port_id, p->old_ifname, 0); /* rebound: release */
		fn(a->ops.arg, p->pub.port_id, p->pub.ifname, p->pub.ifindex);
	}
	for (size_t i = 0; i < a->n_dirty; i++) {
		const struct applier_pstate *p = a->dirty[i];

		if (p->old_bound && !p->bound)
			fn(a->ops.arg, p->pub.port_id, p->old_ifname, 0);
	}
}

/* A dirty port whose migration ended (its tn_migrate row went) loses its
 * activation (tn_mig_active is the datapath's, never compiled). */
static void applier_mig_release(struct applier *a)
{
	int fd = a->maps.fd[TN_MAP_MIG_ACTIVE];

	for (size_t i = 0; fd >= 0 && i < a->n_dirty; i++) {
		const struct applier_pstate *p = a->dirty[i];
		__u32 key = p->pub.port_id;

		if (!p->old_migrating || p->migrating)
			continue;
		if (bpf_map_delete_elem(fd, &key) && errno != ENOENT) {
			a->write_errors++;
			log_err("cannot delete migration activation port=%u err=%s", key,
				log_errname(-errno));
		}
	}
}

/* The connections tracked for the dirty ports that left this host
 * (unbound by the batch, or whose migration ended while unbound) are
 * deleted: they are no longer ours to keep. A port with a tn_migrate row
 * keeps them whatever its binding: a destination in standby holds what
 * the source exported, a source holds them until the migration is done. */
static void applier_ct_release(struct applier *a)
{
	int fd = a->maps.fd[TN_MAP_CT], n;

	for (size_t i = 0; fd >= 0 && i < a->n_dirty; i++) {
		const struct applier_pstate *p = a->dirty[i];

		if (p->migrating || p->bound || !(p->old_bound || p->old_migrating))
			continue;
		n = sgmaps_ct_delete_port(fd, p->pub.port_id);
		if (n < 0) {
			a->write_errors++;
			log_err("cannot delete tracked connections port=%u err=%s", p->pub.port_id,
				log_errname(n));
		} else if (n) {
			log_debug("deleted tracked connections port=%u n=%d", p->pub.port_id, n);
		}
	}
}

int applier_ports_finish(struct applier *a)
{
	int err, e;

	err = applier_rewrite_deps(a);
	e = applier_sync_ifports(a);
	err = err ?: e;
	applier_ct_release(a);
	applier_mig_release(a);
	applier_notify(a);
	applier_batch_end(a);
	return err;
}

static int applier_u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

void applier_ports_prune_mig_active(struct applier *a)
{
	int fd = a->maps.fd[TN_MAP_MIG_ACTIVE];
	uint8_t *keys = NULL;
	long nk;

	if (fd < 0)
		return;
	nk = applier_map_keys(fd, sizeof(uint32_t), &keys);
	for (long i = 0; i < nk; i++) {
		const struct applier_pstate *p;
		uint32_t port_id;

		memcpy(&port_id, keys + i * sizeof(port_id), sizeof(port_id));
		p = applier_port_find(a, port_id);
		if (!p || !p->migrating)
			bpf_map_delete_elem(fd, &port_id);
	}
	free(keys);
}

void applier_ports_prune_ifindex(struct applier *a)
{
	int fd = a->maps.fd[TN_MAP_IFINDEX];
	uint32_t *used;
	uint8_t *keys = NULL;
	size_t n = 0, it = 0;
	long nk;

	used = malloc((a->n_ports + 1) * sizeof(*used));
	if (!used)
		return; /* the next snapshot prunes */
	for (struct applier_pstate *p; (p = applier_ports_next(a, &it));)
		if (p->bound && p->pub.ifindex)
			used[n++] = p->pub.ifindex;
	qsort(used, n, sizeof(*used), applier_u32_cmp);
	nk = applier_map_keys(fd, sizeof(uint32_t), &keys);
	for (long i = 0; i < nk; i++) {
		uint32_t ifindex;

		memcpy(&ifindex, keys + i * sizeof(ifindex), sizeof(ifindex));
		if (!n || !bsearch(&ifindex, used, n, sizeof(*used), applier_u32_cmp))
			bpf_map_delete_elem(fd, &ifindex);
	}
	free(keys);
	free(used);
}

/* Marks every bound port dirty. Returns 0 or -ENOMEM. */
static int applier_dirty_all(struct applier *a)
{
	int err = 0;

	size_t it = 0;

	for (struct applier_pstate *p; !err && (p = applier_ports_next(a, &it));)
		if (p->bound)
			err = applier_port_dirty(a, p);
	return err;
}

int applier_refresh_links(struct applier *a)
{
	int err, e;

	if (!a)
		return -EINVAL;
	applier_batch_begin(a);
	err = applier_dirty_all(a);
	applier_ports_resolve(a);
	e = applier_ports_finish(a);
	applier_ports_prune_ifindex(a);
	return err ?: e;
}

int applier_links_changed(struct applier *a, const char *const *names, size_t n)
{
	int err = 0;

	if (!a || (n && !names))
		return -EINVAL;
	applier_batch_begin(a);
	for (size_t i = 0; i < n && !err; i++) {
		struct applier_pstate *p = names[i] ? zhashx_lookup(a->by_name, names[i]) : NULL;

		for (; p && !err; p = p->name_next)
			err = applier_port_dirty(a, p);
	}
	applier_ports_resolve(a);
	return err ?: applier_ports_finish(a);
}

void applier_port_foreach(const struct applier *a,
			  void (*fn)(void *arg, const struct applier_port *port), void *arg)
{
	struct applier_pstate **v;
	size_t n = 0, it = 0;

	if (!a || !fn)
		return;
	v = malloc((a->n_ports + 1) * sizeof(*v));
	if (!v)
		return;
	for (struct applier_pstate *p; (p = applier_ports_next(a, &it));)
		if (p->bound)
			v[n++] = p;
	qsort(v, n, sizeof(*v), applier_pstatep_cmp);
	for (size_t i = 0; i < n; i++)
		fn(arg, &v[i]->pub);
	free(v);
}

void applier_ports_free(struct applier *a)
{
	zhashx_destroy(&a->by_name);
	for (size_t i = 0; i < a->ports_cap; i++) {
		if (a->ports[i]) {
			free(a->ports[i]->deps);
			free(a->ports[i]);
		}
	}
	free(a->ports);
	a->ports = NULL;
	a->ports_cap = a->n_ports = 0;
	free(a->dirty);
	a->dirty = NULL;
	a->n_dirty = a->cap_dirty = 0;
}
