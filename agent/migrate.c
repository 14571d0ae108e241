/* migrate.c - conntrack export and import, activation events and
 * generations of live migration; see migrate.h. */
#include "migrate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "sgmaps.h"
#include "tenet_abi.h"

#define MIGRATE_BATCH 1024 /* tn_ct entries one batch lookup returns at most */

/* The entries of one export, growing. */
struct migrate_buf {
	struct wire_ct_entry *e; /* entries */
	size_t n, cap;		 /* used, allocated */
	uint32_t port_id;	 /* the port exported */
	uint64_t now_ns;	 /* the datapath's clock at the export */
};

/* Adds the connection (key, ct) when it is port_id's and alive. */
static int migrate_buf_add(struct migrate_buf *b, const struct tn_ct_key *key,
			   const struct tn_ct *ct)
{
	struct tn_ct v = *ct;
	uint64_t ms;

	if (key->port_id != b->port_id || ct->expires_ns <= b->now_ns)
		return 0;
	ms = (ct->expires_ns - b->now_ns + 999999) / 1000000;
	v.expires_ns = ms > WIRE_CT_MAX_REMAINING_MS ? WIRE_CT_MAX_REMAINING_MS : ms;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct wire_ct_entry *e = realloc(b->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		b->e = e;
		b->cap = cap;
	}
	memcpy(b->e[b->n].key, key, sizeof(*key));
	memcpy(b->e[b->n].val, &v, sizeof(v));
	if (!wire_ct_entry_valid(&b->e[b->n], b->port_id))
		return 0; /* a key the datapath never writes: not carried */
	b->n++;
	return 0;
}

static int migrate_buf_add_cb(void *arg, const struct tn_ct_key *key, const struct tn_ct *ct)
{
	return migrate_buf_add(arg, key, ct);
}

/* Reads every entry of ct_fd in batches into b. Returns 0, -EOPNOTSUPP
 * when the kernel refuses batch lookups on the map (nothing read), or
 * -errno. */
static int migrate_ct_batch(int ct_fd, struct migrate_buf *b)
{
	struct tn_ct_key *keys = calloc(MIGRATE_BATCH, sizeof(*keys));
	struct tn_ct *vals = calloc(MIGRATE_BATCH, sizeof(*vals));
	uint8_t tok[sizeof(struct tn_ct_key)];
	bool first = true, done = false;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out_free;
	}
	while (!done && !err) {
		__u32 count = MIGRATE_BATCH;

		if (bpf_map_lookup_batch(ct_fd, first ? NULL : tok, tok, keys, vals, &count,
					 NULL)) {
			if (errno != ENOENT) {
				err = first && (errno == EINVAL || errno == ENOTSUP ||
						errno == EOPNOTSUPP)
					  ? -EOPNOTSUPP
					  : -errno;
				break;
			}
			done = true; /* the last entries come with ENOENT */
		}
		first = false;
		for (__u32 i = 0; i < count && !err; i++)
			err = migrate_buf_add(b, &keys[i], &vals[i]);
	}
out_free:
	free(keys);
	free(vals);
	return err;
}

long migrate_ct_export(int ct_fd, const struct wire_ct_export *req, uint64_t now_ns,
		       migrate_ct_send_fn send, void *arg)
{
	struct migrate_buf b = {0};
	struct wire_ct_state st = {0};
	size_t off = 0;
	int err = 0;

	if (!req || !req->port_id || !req->generation || !send)
		return -EINVAL;
	b.port_id = req->port_id;
	b.now_ns = now_ns;
	if (ct_fd >= 0) {
		err = migrate_ct_batch(ct_fd, &b);
		if (err == -EOPNOTSUPP) {
			b.n = 0;
			err = sgmaps_ct_foreach(ct_fd, req->port_id, migrate_buf_add_cb, &b);
		}
		if (err)
			goto out_free;
	}
	st.port_id = req->port_id;
	st.generation = req->generation;
	st.final = req->final;
	do {
		size_t n = b.n - off > WIRE_CT_MAX_ENTRIES ? WIRE_CT_MAX_ENTRIES : b.n - off;

		st.n = (uint32_t)n;
		st.entries = n ? b.e + off : NULL;
		off += n;
		st.more = off < b.n;
		err = send(arg, &st);
	} while (!err && off < b.n);
out_free:
	free(b.e);
	return err ? err : (long)b.n;
}

long migrate_ct_import(int ct_fd, const struct wire_ct_state *st, uint64_t now_ns, long *skipped)
{
	long written = 0, kept = 0;
	int err = 0;

	if (skipped)
		*skipped = 0;
	if (ct_fd < 0 || !st || !st->port_id || (st->n && !st->entries) ||
	    st->n > WIRE_CT_MAX_ENTRIES)
		return -EINVAL;
	for (uint32_t i = 0; i < st->n; i++)
		if (!wire_ct_entry_valid(&st->entries[i], st->port_id))
			return -EINVAL;
	for (uint32_t i = 0; i < st->n; i++) {
		struct tn_ct_key k;
		struct tn_ct v, cur;

		memcpy(&k, st->entries[i].key, sizeof(k));
		memcpy(&v, st->entries[i].val, sizeof(v));
		v.expires_ns = now_ns + v.expires_ns * 1000000ull;
		if (bpf_map_lookup_elem(ct_fd, &k, &cur) == 0 && cur.expires_ns > v.expires_ns) {
			kept++;
			continue;
		}
		if (bpf_map_update_elem(ct_fd, &k, &v, BPF_ANY)) {
			err = err ?: -errno;
			continue;
		}
		written++;
	}
	if (skipped)
		*skipped = kept;
	return err ? err : written;
}

int migrate_event_decode(const void *data, size_t size, int64_t rt_offset_ns,
			 struct wire_mig_event *out)
{
	struct tn_mig_event ev;

	if (!data || !out || size != sizeof(ev))
		return -EINVAL;
	memcpy(&ev, data, sizeof(ev));
	if (ev.kind != TN_EV_MIG_ACTIVE || !ev.port_id || !ev.generation)
		return -EINVAL;
	out->port_id = ev.port_id;
	out->generation = ev.generation;
	out->activated_ns = (uint64_t)((int64_t)ev.ts_ns + rt_offset_ns);
	out->event = WIRE_MIG_ACTIVE;
	return 0;
}

/* One (port, generation) of tn_mig_active. */
struct migrate_gen {
	uint32_t port_id;
	uint32_t generation;
};

struct migrate_gens {
	struct migrate_gen *g; /* sorted by port_id */
	size_t n;	       /* entries */
};

static int migrate_gen_cmp(const void *x, const void *y)
{
	const struct migrate_gen *a = x, *b = y;

	return a->port_id < b->port_id ? -1 : a->port_id > b->port_id;
}

struct migrate_gens *migrate_gens_read(int active_fd)
{
	struct tn_mig_active_key key, next;
	struct migrate_gens *gs;
	struct tn_mig_active v;
	size_t cap = 0;
	void *prev = NULL;

	if (active_fd < 0)
		return NULL;
	gs = calloc(1, sizeof(*gs));
	if (!gs)
		return NULL;
	while (gs->n < TN_MAX_MIGRATIONS && bpf_map_get_next_key(active_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(active_fd, &key, &v))
			continue; /* deleted meanwhile */
		if (gs->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct migrate_gen *g = realloc(gs->g, ncap * sizeof(*g));

			if (!g)
				break; /* what was read is reported */
			gs->g = g;
			cap = ncap;
		}
		gs->g[gs->n++] =
		    (struct migrate_gen){.port_id = key.port_id, .generation = v.generation};
	}
	if (gs->n > 1)
		qsort(gs->g, gs->n, sizeof(*gs->g), migrate_gen_cmp);
	return gs;
}

uint32_t migrate_gens_get(const struct migrate_gens *gs, uint32_t port_id)
{
	struct migrate_gen k = {.port_id = port_id}, *f;

	if (!gs || !gs->n)
		return 0;
	f = bsearch(&k, gs->g, gs->n, sizeof(*gs->g), migrate_gen_cmp);
	return f ? f->generation : 0;
}

void migrate_gens_destroy(struct migrate_gens **gp)
{
	if (!gp || !*gp)
		return;
	free((*gp)->g);
	free(*gp);
	*gp = NULL;
}
