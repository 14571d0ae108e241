/* sgmaps.c - conntrack and group flow counters; see sgmaps.h. */
#include "sgmaps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

/* Keys of one map collected before they are deleted: deleting while
 * walking a hash map restarts the walk. */
struct sgmaps_keys {
	void *keys;    /* n * size bytes */
	size_t n, cap; /* entries used, allocated */
	size_t size;   /* bytes of one key */
};

static int sgmaps_keys_add(struct sgmaps_keys *ks, const void *key)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 64;
		void *k = realloc(ks->keys, cap * ks->size);

		if (!k)
			return -ENOMEM;
		ks->keys = k;
		ks->cap = cap;
	}
	memcpy((char *)ks->keys + ks->n++ * ks->size, key, ks->size);
	return 0;
}

/* Deletes the collected keys from fd; returns how many went. */
static int sgmaps_keys_delete(int fd, struct sgmaps_keys *ks)
{
	int n = 0;

	for (size_t i = 0; i < ks->n; i++)
		if (!bpf_map_delete_elem(fd, (char *)ks->keys + i * ks->size))
			n++;
	free(ks->keys);
	ks->keys = NULL;
	return n;
}

int sgmaps_ct_foreach(int ct_fd, uint32_t port_id,
		      int (*fn)(void *arg, const struct tn_ct_key *key, const struct tn_ct *ct),
		      void *arg)
{
	struct tn_ct_key key, next;
	struct tn_ct ct;
	void *prev = NULL;
	int rc;

	if (ct_fd < 0 || !fn)
		return -EINVAL;
	while (bpf_map_get_next_key(ct_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.port_id != port_id || bpf_map_lookup_elem(ct_fd, &key, &ct))
			continue;
		rc = fn(arg, &key, &ct);
		if (rc)
			return rc;
	}
	return 0;
}

static int sgmaps_ct_collect(void *arg, const struct tn_ct_key *key, const struct tn_ct *ct)
{
	(void)ct;
	return sgmaps_keys_add(arg, key);
}

int sgmaps_ct_delete_port(int ct_fd, uint32_t port_id)
{
	struct sgmaps_keys ks = {.size = sizeof(struct tn_ct_key)};
	int rc = sgmaps_ct_foreach(ct_fd, port_id, sgmaps_ct_collect, &ks);

	if (rc) {
		free(ks.keys);
		return rc;
	}
	return sgmaps_keys_delete(ct_fd, &ks);
}

int sgmaps_stats_delete_slot(int stats_fd, uint32_t slot)
{
	struct sgmaps_keys ks = {.size = sizeof(struct tn_sg_stats_key)};
	struct tn_sg_stats_key key, next;
	void *prev = NULL;

	if (stats_fd < 0)
		return -EINVAL;
	while (bpf_map_get_next_key(stats_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.slot == slot && sgmaps_keys_add(&ks, &key)) {
			free(ks.keys);
			return -ENOMEM;
		}
	}
	return sgmaps_keys_delete(stats_fd, &ks);
}

/* One (slot, group) row of tn_sg_stats, summed over CPUs. */
struct sgmaps_row {
	uint32_t slot;	/* port slot */
	uint32_t group; /* sg_key */
	uint64_t flows; /* connections the group's rules let open */
};

struct sgmaps_flows {
	struct sgmaps_row *rows; /* sorted by slot, then flows descending */
	size_t n_rows;		 /* entries of rows */
	size_t budget;		 /* group counters left for this STATUS */
};

static int sgmaps_row_cmp(const void *a, const void *b)
{
	const struct sgmaps_row *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	if (x->flows != y->flows)
		return x->flows > y->flows ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

struct sgmaps_flows *sgmaps_flows_read(int stats_fd, int ncpus)
{
	struct tn_sg_stats_key key, next;
	struct sgmaps_flows *sf;
	void *prev = NULL;
	size_t cap = 0;
	uint64_t *v;

	if (stats_fd < 0 || ncpus <= 0)
		return NULL;
	sf = calloc(1, sizeof(*sf));
	v = calloc((size_t)ncpus, sizeof(*v));
	if (!sf || !v)
		goto out_free;
	sf->budget = SGMAPS_STATUS_GROUPS;
	while (bpf_map_get_next_key(stats_fd, prev, &next) == 0 &&
	       sf->n_rows < TN_MAX_SG_STATS_ROWS) {
		uint64_t sum = 0;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(stats_fd, &key, v))
			continue; /* deleted meanwhile */
		for (int c = 0; c < ncpus; c++)
			sum += v[c];
		if (sf->n_rows == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct sgmaps_row *r = realloc(sf->rows, ncap * sizeof(*r));

			if (!r)
				break; /* what was read is reported */
			sf->rows = r;
			cap = ncap;
		}
		sf->rows[sf->n_rows++] =
		    (struct sgmaps_row){.slot = key.slot, .group = key.group, .flows = sum};
	}
	if (sf->n_rows > 1)
		qsort(sf->rows, sf->n_rows, sizeof(*sf->rows), sgmaps_row_cmp);
	free(v);
	return sf;
out_free:
	free(v);
	free(sf);
	return NULL;
}

void sgmaps_flows_port(struct sgmaps_flows *sf, uint32_t slot, struct wire_port_status *p)
{
	size_t lo = 0, hi;

	if (!sf || !p || !slot)
		return;
	hi = sf->n_rows;
	while (lo < hi) { /* first row of slot */
		size_t mid = lo + (hi - lo) / 2;

		if (sf->rows[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	p->n_groups = 0;
	for (; lo < sf->n_rows && sf->rows[lo].slot == slot; lo++) {
		if (p->n_groups == WIRE_PORT_GROUPS || !sf->budget)
			break;
		if (!sf->rows[lo].flows)
			continue;
		p->groups[p->n_groups].group = sf->rows[lo].group;
		p->groups[p->n_groups].flows = sf->rows[lo].flows;
		p->n_groups++;
		sf->budget--;
	}
}

void sgmaps_flows_destroy(struct sgmaps_flows **sfp)
{
	if (!sfp || !*sfp)
		return;
	free((*sfp)->rows);
	free(*sfp);
	*sfp = NULL;
}
