/* dropstats.c - the datapath's drop counters for STATUS; see dropstats.h. */
#include "dropstats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "log.h"
#include "reasons.h"
#include "tenet_abi.h"

/* One (slot, reason) row of tn_port_drops, summed over CPUs. */
struct dropstats_row {
	uint32_t slot;	 /* port slot */
	uint32_t reason; /* TN_DROP_* */
	uint64_t count;	 /* drops */
};

struct dropstats {
	struct dropstats_row *rows; /* sorted by slot, then count descending */
	size_t n_rows;		    /* entries of rows */
	uint64_t host[TN_STAT_MAX]; /* tn_stats summed over CPUs */
	uint32_t n_host;	    /* TN_STAT_MAX once read, else 0 */
	size_t budget;		    /* reason pairs left for this STATUS */
};

static int dropstats_cmp(const void *a, const void *b)
{
	const struct dropstats_row *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

static uint64_t dropstats_sum(const uint64_t *v, int ncpus)
{
	uint64_t sum = 0;

	for (int c = 0; c < ncpus; c++)
		sum += v[c];
	return sum;
}

/* Reads every row of tn_port_drops; 0 or -errno. */
static int dropstats_read_ports(struct dropstats *ds, int fd, uint64_t *v, int ncpus)
{
	struct tn_port_drop_key key, next;
	size_t cap = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, v))
			continue; /* deleted meanwhile */
		if (!reasons_is_drop(key.reason))
			continue;
		if (ds->n_rows == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct dropstats_row *r = realloc(ds->rows, ncap * sizeof(*r));

			if (!r)
				return -ENOMEM;
			ds->rows = r;
			cap = ncap;
		}
		ds->rows[ds->n_rows++] = (struct dropstats_row){
		    .slot = key.slot, .reason = key.reason, .count = dropstats_sum(v, ncpus)};
		if (ds->n_rows >= TN_MAX_PORT_DROP_ROWS)
			break;
	}
	if (ds->n_rows > 1)
		qsort(ds->rows, ds->n_rows, sizeof(*ds->rows), dropstats_cmp);
	return 0;
}

struct dropstats *dropstats_read(int port_drops_fd, int stats_fd, int ncpus)
{
	struct dropstats *ds;
	uint64_t *v;

	if (ncpus <= 0)
		return NULL;
	ds = calloc(1, sizeof(*ds));
	v = calloc((size_t)ncpus, sizeof(*v));
	if (!ds || !v)
		goto out_free;
	ds->budget = DROPSTATS_STATUS_REASONS;
	if (port_drops_fd >= 0 && dropstats_read_ports(ds, port_drops_fd, v, ncpus))
		log_warn("cannot read port drops err=%d", -ENOMEM);
	if (stats_fd >= 0) {
		uint32_t k;

		for (k = 0; k < TN_STAT_MAX; k++) {
			if (bpf_map_lookup_elem(stats_fd, &k, v))
				break;
			ds->host[k] = dropstats_sum(v, ncpus);
		}
		ds->n_host = k == TN_STAT_MAX ? TN_STAT_MAX : 0;
	}
	free(v);
	return ds;
out_free:
	free(v);
	free(ds);
	return NULL;
}

void dropstats_port(struct dropstats *ds, uint32_t slot, struct wire_port_status *p)
{
	size_t lo = 0, hi;

	if (!ds || !p || !slot)
		return;
	hi = ds->n_rows;
	while (lo < hi) { /* first row of slot */
		size_t mid = lo + (hi - lo) / 2;

		if (ds->rows[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	p->n_reasons = 0;
	for (; lo < ds->n_rows && ds->rows[lo].slot == slot; lo++) {
		if (p->n_reasons == WIRE_PORT_REASONS || !ds->budget)
			break;
		if (!ds->rows[lo].count)
			continue;
		p->reasons[p->n_reasons].reason = ds->rows[lo].reason;
		p->reasons[p->n_reasons].count = ds->rows[lo].count;
		p->n_reasons++;
		ds->budget--;
	}
}

uint32_t dropstats_host(const struct dropstats *ds, uint64_t *host, uint32_t cap)
{
	uint32_t n;

	if (!ds || !host)
		return 0;
	n = ds->n_host < cap ? ds->n_host : cap;
	if (n)
		memcpy(host, ds->host, n * sizeof(*host));
	return n;
}

void dropstats_destroy(struct dropstats **dsp)
{
	if (!dsp || !*dsp)
		return;
	free((*dsp)->rows);
	free(*dsp);
	*dsp = NULL;
}
