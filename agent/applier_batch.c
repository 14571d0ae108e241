/* applier_batch.c - the applier's map writes in batches; see applier_int.h.
 *
 * A snapshot writes tens of thousands of rows, and one bpf() call per row
 * makes the syscall the cost of applying it. Rows come in runs of one map
 * and op (the controller sends them sorted by map), and each run is written
 * with BPF_MAP_UPDATE_BATCH / BPF_MAP_DELETE_BATCH, APPLIER_BATCH rows a
 * call, in the rows' order. A kernel or map without batch calls (EINVAL
 * from a kernel before 5.6, ENOTSUPP from a map type without them) answers
 * the first call of a map with nothing done: that map is written with
 * single calls from then on. A batch call that fails part way says how
 * many elements it processed: the failing one is counted and logged like a
 * single write's failure (a delete of an absent key is none) and the rest
 * of the run goes on, so every row is tried as before.
 */
#include "applier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "log.h"

/* The kernel's "operation not supported" for a map type without batch
 * calls (include/linux/errno.h, not exported to user space). */
#define APPLIER_ENOTSUPP 524

int applier_writer_init(struct applier_writer *w, uint64_t *rows_applied, uint64_t *write_errors)
{
	w->bkeys = malloc((size_t)APPLIER_BATCH * WIRE_KEY_MAX);
	w->bvals = malloc((size_t)APPLIER_BATCH * WIRE_VAL_MAX);
	w->rows_applied = rows_applied;
	w->write_errors = write_errors;
	return w->bkeys && w->bvals ? 0 : -ENOMEM;
}

void applier_writer_free(struct applier_writer *w)
{
	free(w->bkeys);
	free(w->bvals);
	w->bkeys = NULL;
	w->bvals = NULL;
}

/* One single call for key (and val). Returns 0 or -errno; a
 * delete of an absent key is 0. */
static int applier_single(struct applier *a, uint8_t map, uint8_t op, const uint8_t *key,
			  const uint8_t *val)
{
	int fd = a->maps.fd[map], err;

	if (op == WIRE_OP_DELETE) {
		err = bpf_map_delete_elem(fd, key) ? -errno : 0;
		return err == -ENOENT ? 0 : err;
	}
	return bpf_map_update_elem(fd, key, val, BPF_ANY) ? -errno : 0;
}

/* Counts one element's outcome. */
static int applier_count(struct applier_writer *w, uint8_t map, uint8_t op, int err)
{
	if (err) {
		(*w->write_errors)++;
		log_err("map write failed map=%u op=%u err=%s", map, op, log_errname(err));
	} else {
		(*w->rows_applied)++;
	}
	return err;
}

/* True when a batch call's error says the map has no batch calls. */
static bool applier_batch_refused(int err)
{
	return err == -EINVAL || err == -APPLIER_ENOTSUPP || err == -EOPNOTSUPP;
}

/* Writes (op UPSERT) or deletes (op DELETE) the n elements of w->bkeys
 * (w->bvals) in map: batch calls, single calls when refused. Returns 0 or
 * the first -errno. */
static int applier_flush(struct applier *a, struct applier_writer *w, uint8_t map, uint8_t op,
			 size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	uint16_t kl, vl;
	size_t done = 0;
	int first = 0;

	wire_map_sizes(map, &kl, &vl);
	while (done < n) {
		const uint8_t *key = w->bkeys + done * kl, *val = w->bvals + done * vl;
		__u32 count = (__u32)(n - done);
		int err;

		if (count == 1 || a->batch_off[map]) {
			err = applier_count(w, map, op, applier_single(a, map, op, key, val));
			first = first ?: err;
			done++;
			continue;
		}
		if (op == WIRE_OP_DELETE)
			err = bpf_map_delete_batch(a->maps.fd[map], key, &count, &opts);
		else
			err = bpf_map_update_batch(a->maps.fd[map], key, val, &count, &opts);
		if (err)
			err = -errno;
		if (count > n - done) /* never more than asked: trust nothing else */
			count = 0;
		*w->rows_applied += count;
		done += count;
		if (!err)
			continue;
		if (count == 0 && applier_batch_refused(err)) {
			log_info("map batch calls refused, single calls map=%u err=%s", map,
				 log_errname(err));
			a->batch_off[map] = true;
			continue; /* the same elements, one by one */
		}
		/* element done failed; the calls go on after it */
		if (op == WIRE_OP_DELETE && err == -ENOENT)
			err = 0; /* absent: deleted all the same */
		err = applier_count(w, map, op, err);
		first = first ?: err;
		done++;
	}
	return first;
}

/* True if pick takes rows of map. */
static bool applier_picks(enum applier_pick pick, uint8_t map)
{
	bool derived = map == TN_MAP_FDB || map == TN_MAP_FLOOD;

	return pick == APPLIER_PICK_ALL || derived == (pick == APPLIER_PICK_DERIVED);
}

int applier_writer_write(struct applier *a, struct applier_writer *w,
			 const struct wire_rowref *rows, size_t n, enum applier_pick pick)
{
	uint8_t map = 0, op = 0;
	size_t nb = 0;
	int err = 0, e;

	for (size_t i = 0; i < n; i++) {
		const struct wire_rowref *r = &rows[i];

		if (!applier_picks(pick, r->map))
			continue;
		if (nb && (r->map != map || r->op != op || nb == APPLIER_BATCH)) {
			e = applier_flush(a, w, map, op, nb);
			err = err ?: e;
			nb = 0;
		}
		map = r->map;
		op = r->op;
		memcpy(w->bkeys + nb * r->key_len, r->key, r->key_len);
		if (op == WIRE_OP_UPSERT) {
			uint16_t vl = 0;

			wire_map_sizes(map, NULL, &vl); /* r's value may be trimmed */
			applier_row_value(a, r, w->bvals + nb * vl);
		}
		nb++;
	}
	if (nb) {
		e = applier_flush(a, w, map, op, nb);
		err = err ?: e;
	}
	return err;
}

int applier_write_batch(struct applier *a, const struct wire_rowref *rows, size_t n)
{
	return applier_writer_write(a, &a->w, rows, n, APPLIER_PICK_ALL);
}

int applier_delete_keys(struct applier *a, uint8_t map, const uint8_t *keys, size_t key_len,
			size_t n)
{
	int err = 0, e;

	for (size_t i = 0; i < n; i += APPLIER_BATCH) {
		size_t nb = n - i < APPLIER_BATCH ? n - i : APPLIER_BATCH;

		memcpy(a->w.bkeys, keys + i * key_len, nb * key_len);
		e = applier_flush(a, &a->w, map, WIRE_OP_DELETE, nb);
		err = err ?: e;
	}
	return err;
}
