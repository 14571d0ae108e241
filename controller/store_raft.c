/* store_raft.c - the store as a Raft state machine: indexed apply, logical
 * snapshot and atomic restore (see store.h, "Replication"). */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "log.h"
#include "store_check.h"

#define STORE_SNAP_MAGIC  "TNS1"	 /* snapshot format tag */
#define STORE_SNAP_HDR	  16		 /* magic + applied index (8) + table count (4) */
#define STORE_SNAP_TAIL	  0xff		 /* a tail record's table byte (store_snapshot_tail_put) */
#define STORE_SNAP_TAIL_K 16		 /* its key: index (8), command offset (4), length (4) */

uint64_t store_applied_index(struct store *s)
{
	struct store_txn t;
	uint64_t v = 0;

	if (!s || store_read_begin(s, &t) < 0)
		return 0;
	stx_u64_get(&t, STORE_APPLIED_KEY, &v);
	mdb_txn_abort(t.txn);
	return v;
}

/* Runs the command in a child of t's transaction (so a rejection undoes
 * only the command), fills res. Returns the command's result code. */
static int store_entry_run(struct store_txn *t, const void *cmd, size_t len,
			   struct store_result *res)
{
	struct store_txn child = {.s = t->s, .err = &res->err};
	struct store_cmd c;
	int rc;

	rc = store_cmd_decode(cmd, len, &c);
	if (rc < 0) {
		model_error_set(&res->err, "invalid_command", NULL, "malformed command");
		res->rc = -EINVAL;
		return -EINVAL;
	}
	rc = stx_errno(mdb_txn_begin(t->s->env, t->txn, 0, &child.txn));
	if (rc == 0)
		rc = store_run(&child, cmd, len, &c, res);
	free(c.body);
	if (rc < 0 && res->rc == 0)
		res->rc = rc;
	return rc;
}

/* Fills res as the answer to an entry the store could not apply. */
static int store_entry_failed(struct store_result *res, uint64_t index)
{
	log_err("cannot apply entry index=%llu", (unsigned long long)index);
	store_result_release(res);
	memset(res, 0, sizeof(*res));
	res->rc = -EIO;
	model_error_set(&res->err, "internal_error", NULL, "store failure");
	return -EIO;
}

int store_batch_apply(struct store *s, uint64_t index, const void *seed, size_t seed_len,
		      const void *cmd, size_t len, struct store_result *res)
{
	struct store_txn t = {.s = s};
	bool created = false;
	uint64_t applied;
	int rc;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!s || index == 0 || (!seed && seed_len))
		return -EINVAL;
	if (!s->batch) {
		rc = stx_errno(mdb_txn_begin(s->env, NULL, 0, &s->batch));
		if (rc < 0) {
			s->batch = NULL;
			return store_entry_failed(res, index);
		}
		s->batch_n = 0;
	}
	/* the entry's own child of the batch: an LMDB failure undoes only it */
	rc = stx_errno(mdb_txn_begin(s->env, s->batch, 0, &t.txn));
	if (rc < 0)
		return store_entry_failed(res, index);
	rc = stx_u64_get(&t, STORE_APPLIED_KEY, &applied);
	if (rc == 0 && index <= applied) {
		mdb_txn_abort(t.txn);
		res->skipped = true;
		return 0;
	}
	/* the first entry names the store (store.h, store_id_ensure) */
	if (rc == 0 && seed)
		rc = stx_id_put(&t, seed, seed_len, &created);
	if (rc == 0) {
		rc = store_entry_run(&t, cmd, len, res);
		if (rc < 0 && !store_rc_rejected(res->rc)) /* LMDB failure: retry, never skip */
			goto out_abort;
		rc = stx_u64_put(&t, STORE_APPLIED_KEY, index);
	}
	if (rc == 0)
		rc = stx_u64_get(&t, "revision", &res->revision);
	if (rc < 0)
		goto out_abort;
	rc = stx_errno(mdb_txn_commit(t.txn)); /* into the batch */
	if (rc < 0)
		return store_entry_failed(res, index);
	s->batch_n++;
	if (created)
		log_info("store identity created from=\"first log entry\" index=%llu",
			 (unsigned long long)index);
	return 0;
out_abort:
	mdb_txn_abort(t.txn);
	return store_entry_failed(res, index);
}

unsigned store_batch_size(struct store *s)
{
	return s && s->batch ? s->batch_n : 0;
}

int store_batch_commit(struct store *s)
{
	int rc;

	if (!s || !s->batch)
		return 0;
	rc = stx_errno(mdb_txn_commit(s->batch));
	if (rc < 0)
		log_err("cannot commit a batch of entries count=%u", s->batch_n);
	s->batch = NULL;
	s->batch_n = 0;
	return rc;
}

int store_apply_entry(struct store *s, uint64_t index, const void *cmd, size_t len,
		      struct store_result *res)
{
	int rc = store_batch_apply(s, index, NULL, 0, cmd, len, res);

	if (rc == 0 && store_batch_commit(s) < 0)
		return store_entry_failed(res, index);
	return rc;
}

int store_raft_durability(struct store *s)
{
	const char *dir = NULL;
	int rc;

	if (!s)
		return -EINVAL;
	rc = stx_errno(mdb_env_get_path(s->env, &dir));
	if (rc == 0)
		rc = store_unsynced_mark(dir);
	if (rc < 0) {
		log_warn(
		    "store keeps flushing every commit: cannot mark it unflushed dir=%s err=%s",
		    dir ? dir : "?", log_errname(-rc));
		return stx_errno(mdb_env_set_flags(s->env, MDB_NOMETASYNC, 1));
	}
	rc = stx_errno(mdb_env_set_flags(s->env, MDB_NOSYNC, 1));
	s->unsynced = rc == 0;
	return rc;
}

void store_flush_unsynced(struct store *s)
{
	const char *dir = NULL;
	int rc;

	if (!s->unsynced)
		return;
	if (mdb_env_get_path(s->env, &dir) != 0)
		return;
	rc = stx_errno(mdb_env_sync(s->env, 1));
	if (rc < 0) {
		/* the kernel may have dropped pages it could not write: the
		 * store is not to be trusted even under this kernel */
		log_err(
		    "cannot flush the store, it will be rebuilt from the Raft log dir=%s err=%s",
		    dir, log_errname(-rc));
		store_unsynced_poison(dir);
		return;
	}
	rc = store_unsynced_clear(dir);
	if (rc < 0)
		log_warn("cannot remove the marker of unflushed commits dir=%s err=%s", dir,
			 log_errname(-rc));
	else
		s->unsynced = false;
}

/* Appends one record (table, key, value) to the growing buffer. */
static int store_snap_put(uint8_t **buf, size_t *len, size_t *cap, uint8_t table, const MDB_val *k,
			  const MDB_val *v)
{
	size_t need = 9 + k->mv_size + v->mv_size;
	uint8_t *p;

	if (k->mv_size > UINT32_MAX || v->mv_size > UINT32_MAX)
		return -EOVERFLOW;
	if (*len + need > *cap) {
		size_t ncap = (*cap + need) * 2;

		p = realloc(*buf, ncap);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = ncap;
	}
	p = *buf + *len;
	p[0] = table;
	bytes_put_be32(p + 1, (uint32_t)k->mv_size);
	bytes_put_be32(p + 5, (uint32_t)v->mv_size);
	memcpy(p + 9, k->mv_data, k->mv_size);
	memcpy(p + 9 + k->mv_size, v->mv_data, v->mv_size);
	*len += need;
	return 0;
}

/* True if the key k of kl bytes is name. */
static bool store_key_is(const void *k, size_t kl, const char *name)
{
	return kl == strlen(name) && memcmp(k, name, kl) == 0;
}

/* Dumps every record of table i of dbis into the buffer. */
static int store_snap_table(struct store_txn *t, MDB_dbi dbi, uint8_t i, uint8_t **buf, size_t *len,
			    size_t *cap)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	rc = stx_errno(mdb_cursor_open(t->txn, dbi, &cur));
	while (rc == 0 && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		if (dbi == t->s->meta && store_key_is(k.mv_data, k.mv_size, STORE_ADMIN_KEY))
			continue;
		rc = store_snap_put(buf, len, cap, i, &k, &v);
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc;
}

int store_snapshot_tail_put(uint8_t **buf, size_t *len, size_t *cap, uint64_t index,
			    const void *entry, size_t entry_len, size_t cmd_off, size_t cmd_len)
{
	uint8_t key[STORE_SNAP_TAIL_K];
	MDB_val k = {.mv_size = sizeof(key), .mv_data = key};
	MDB_val v = {.mv_size = entry_len, .mv_data = (void *)entry};

	if (!buf || !len || !cap || (!entry && entry_len) || cmd_off > entry_len ||
	    cmd_len > entry_len - cmd_off)
		return -EINVAL;
	if (entry_len > UINT32_MAX)
		return -EOVERFLOW;
	bytes_put_be64(key, index);
	bytes_put_be32(key + 8, (uint32_t)cmd_off);
	bytes_put_be32(key + 12, (uint32_t)cmd_len);
	return store_snap_put(buf, len, cap, STORE_SNAP_TAIL, &k, &v);
}

int store_snapshot(struct store *s, void **out, size_t *out_len, uint64_t *index)
{
	if (!s || !out || !out_len)
		return -EINVAL;
	if (s->batch)
		return -EBUSY; /* it would miss the batch's entries */
	return store_snapshot_read(s, out, out_len, index);
}

int store_snapshot_read(struct store *s, void **out, size_t *out_len, uint64_t *index)
{
	MDB_dbi dbis[STORE_N_TABLES];
	struct store_txn t;
	MDB_envinfo info;
	MDB_stat st;
	uint8_t *buf = NULL;
	size_t len = STORE_SNAP_HDR, cap = 0;
	uint64_t applied = 0;
	int n, rc;

	if (!s || !out || !out_len)
		return -EINVAL;
	n = store_tables(s, dbis);
	rc = store_read_begin(s, &t);
	if (rc < 0)
		return rc;
	/* room for the whole file's pages (mdb_env_info): the records never
	 * outgrow the pages holding them in practice, so the buffer is not
	 * copied as it grows, and the pages it does not use are never touched */
	cap = 4096;
	if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) == 0 &&
	    info.me_last_pgno < SIZE_MAX / 2 / st.ms_psize)
		cap = (info.me_last_pgno + 1) * st.ms_psize;
	buf = malloc(cap);
	if (!buf && cap > 4096) /* a file once much larger than its data */
		buf = malloc(cap = 4096);
	rc = buf ? stx_u64_get(&t, STORE_APPLIED_KEY, &applied) : -ENOMEM;
	for (int i = 0; i < n && rc == 0; i++)
		rc = store_snap_table(&t, dbis[i], (uint8_t)i, &buf, &len, &cap);
	mdb_txn_abort(t.txn);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	memcpy(buf, STORE_SNAP_MAGIC, 4);
	bytes_put_be64(buf + 4, applied);
	bytes_put_be32(buf + 12, (uint32_t)n);
	*out = buf;
	*out_len = len;
	if (index)
		*index = applied;
	return 0;
}

/* True if a meta record of the snapshot (key k of kl bytes, vl bytes of
 * value) is one the store can read back: the identity's hex digits, or a
 * counter of 8 bytes (the applied index, the revision, the id counters);
 * never the node-local admin hash. A restored store with a counter of
 * another size could neither write nor take a snapshot. */
static bool store_snap_meta_ok(const uint8_t *k, size_t kl, size_t vl)
{
	if (store_key_is(k, kl, STORE_ADMIN_KEY))
		return false;
	if (store_key_is(k, kl, STORE_ID_KEY))
		return vl == STORE_ID_HEX;
	return vl == 8;
}

/* True if tail record r (its key kl bytes, its value vl) is well formed and
 * follows the one of index *last (0: none yet). */
static bool store_snap_tail_ok(const uint8_t *r, size_t kl, size_t vl, uint64_t *last)
{
	uint64_t index;
	size_t off, n;

	if (kl != STORE_SNAP_TAIL_K)
		return false;
	index = bytes_get_be64(r + 9);
	off = bytes_get_be32(r + 17);
	n = bytes_get_be32(r + 21);
	if (index == 0 || index <= *last || off > vl || n > vl - off)
		return false;
	*last = index;
	return true;
}

/* Checks the whole snapshot's framing, its meta records and its tail (after
 * every table record, indexes rising) before anything is replaced. Sets
 * *last to the last tail record's index (0: no tail). */
static int store_snap_check(const uint8_t *b, size_t len, int n_tables, uint64_t *last)
{
	size_t off = STORE_SNAP_HDR;

	*last = 0;

	if (len < STORE_SNAP_HDR || memcmp(b, STORE_SNAP_MAGIC, 4) != 0)
		return -EPROTO;
	/* a snapshot from before routers (or security groups) names fewer
	 * tables, all of them ours */
	if (bytes_get_be32(b + 12) != (uint32_t)n_tables &&
	    bytes_get_be32(b + 12) != STORE_SNAP_TABLES_V1 &&
	    bytes_get_be32(b + 12) != STORE_SNAP_TABLES_V2)
		return -EPROTO;
	n_tables = (int)bytes_get_be32(b + 12);
	while (off < len) {
		size_t kl, vl;

		if (len - off < 9 || (b[off] >= n_tables && b[off] != STORE_SNAP_TAIL))
			return -EPROTO;
		kl = bytes_get_be32(b + off + 1);
		vl = bytes_get_be32(b + off + 5);
		if (kl == 0 || kl > 511 || len - off - 9 < kl + vl)
			return -EPROTO;
		if (b[off] == STORE_SNAP_TAIL ? !store_snap_tail_ok(b + off, kl, vl, last)
					      : *last != 0)
			return -EPROTO; /* a bad tail record, or a table record after one */
		if (b[off] == MODEL_ROUTER && !store_snap_meta_ok(b + off + 9, kl, vl))
			return -EPROTO; /* the meta table: store_tables */
		off += 9 + kl + vl;
	}
	return 0;
}

/* Empties the tables and loads the records, keeping the admin hash. */
static int store_snap_load(struct store_txn *t, const uint8_t *b, size_t len)
{
	MDB_dbi dbis[STORE_N_TABLES];
	uint8_t admin[32];
	MDB_val v;
	bool has_admin;
	int n = store_tables(t->s, dbis), rc = 0;

	has_admin = stx_get(t, t->s->meta, STORE_ADMIN_KEY, &v) == 0 && v.mv_size == 32;
	if (has_admin)
		memcpy(admin, v.mv_data, 32);
	for (int i = 0; i < n && rc == 0; i++)
		rc = stx_errno(mdb_drop(t->txn, dbis[i], 0));
	for (size_t off = STORE_SNAP_HDR; off < len && b[off] != STORE_SNAP_TAIL && rc == 0;) {
		size_t kl = bytes_get_be32(b + off + 1), vl = bytes_get_be32(b + off + 5);
		MDB_val k = {.mv_size = kl, .mv_data = (void *)(b + off + 9)};
		MDB_val val = {.mv_size = vl, .mv_data = (void *)(b + off + 9 + kl)};

		rc = stx_errno(mdb_put(t->txn, dbis[b[off]], &k, &val, 0));
		off += 9 + kl + vl;
	}
	if (rc == 0 && has_admin)
		rc = stx_put(t, t->s->meta, STORE_ADMIN_KEY, admin, 32);
	return rc;
}

/* Applies the tail records of snapshot b (checked) in the open batch, the
 * restore's own transaction. Counts them in *n. 0 or -EIO. */
static int store_snap_tail(struct store *s, const uint8_t *b, size_t len, size_t *n)
{
	size_t off = STORE_SNAP_HDR;
	int rc = 0;

	*n = 0;
	while (off < len && rc == 0) {
		size_t kl = bytes_get_be32(b + off + 1), vl = bytes_get_be32(b + off + 5);
		const uint8_t *k = b + off + 9, *v = k + kl;
		struct store_result res;

		if (b[off] == STORE_SNAP_TAIL) {
			rc = store_batch_apply(s, bytes_get_be64(k), v, vl,
					       v + bytes_get_be32(k + 8), bytes_get_be32(k + 12),
					       &res);
			store_result_release(&res);
			(*n)++;
		}
		off += 9 + kl + vl;
	}
	return rc < 0 ? -EIO : 0;
}

int store_restore(struct store *s, const void *buf, size_t len, bool *skipped)
{
	struct store_txn t = {.s = s};
	uint64_t applied, snap, last;
	size_t n_tail = 0;
	int rc;

	if (!s || !buf)
		return -EINVAL;
	if (s->batch)
		return -EBUSY; /* its writer lock is this thread's */
	rc = store_snap_check(buf, len, STORE_N_TABLES, &last);
	if (rc < 0) {
		log_err("malformed snapshot len=%zu", len);
		return rc;
	}
	snap = bytes_get_be64(buf + 4);
	if (last > snap)
		snap = last;
	rc = stx_errno(mdb_txn_begin(s->env, NULL, 0, &t.txn));
	if (rc < 0)
		return rc;
	rc = stx_u64_get(&t, STORE_APPLIED_KEY, &applied);
	if (rc == 0 && snap <= applied && applied > 0) {
		/* this store already holds everything the snapshot holds */
		mdb_txn_abort(t.txn);
		if (skipped)
			*skipped = true;
		log_info("snapshot not restored index=%llu applied=%llu", (unsigned long long)snap,
			 (unsigned long long)applied);
		return 0;
	}
	if (rc == 0)
		rc = store_snap_load(&t, buf, len);
	/* the tail in the same transaction: readers see the store before the
	 * snapshot or after all of it */
	s->batch = t.txn;
	if (rc == 0 && last) {
		rc = store_snap_tail(s, buf, len, &n_tail);
		if (rc < 0)
			log_err("cannot apply a snapshot's tail index=%llu entries=%zu",
				(unsigned long long)last, n_tail);
	}
	s->batch = NULL;
	s->batch_n = 0;
	if (rc == 0)
		rc = stx_errno(mdb_txn_commit(t.txn));
	else
		mdb_txn_abort(t.txn);
	if (skipped)
		*skipped = false;
	if (rc == 0)
		log_info("snapshot restored index=%llu tail=%zu", (unsigned long long)snap, n_tail);
	return rc;
}
