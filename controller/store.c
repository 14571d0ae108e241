/* store.c - LMDB environment, command codec, store_apply and reads (see store.h). */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "bytes.h"
#include "log.h"
#include "store_check.h"

#define STORE_MAP_SIZE (1ull << 30) /* LMDB map size: 1 GiB of address space */

const char *const store_op_names[] = {"?",     "create", "update", "delete",
				      "clone", "import", "migrate"};

int stx_errno(int rc)
{
	if (rc == 0)
		return 0;
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	log_err("lmdb error=\"%s\"", mdb_strerror(rc));
	return -EIO;
}

static MDB_val stx_key(const char *key)
{
	return (MDB_val){.mv_size = strlen(key), .mv_data = (void *)key};
}

int stx_get(struct store_txn *t, MDB_dbi dbi, const char *key, MDB_val *val)
{
	MDB_val k = stx_key(key);

	return stx_errno(mdb_get(t->txn, dbi, &k, val));
}

int stx_put(struct store_txn *t, MDB_dbi dbi, const char *key, const void *data, size_t len)
{
	MDB_val k = stx_key(key), v = {.mv_size = len, .mv_data = (void *)data};

	return stx_errno(mdb_put(t->txn, dbi, &k, &v, 0));
}

int stx_del(struct store_txn *t, MDB_dbi dbi, const char *key)
{
	MDB_val k = stx_key(key);
	int rc = mdb_del(t->txn, dbi, &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : stx_errno(rc);
}

json_t *stx_parse(const MDB_val *v)
{
	return json_loadb(v->mv_data, v->mv_size, 0, NULL);
}

int stx_obj_get(struct store_txn *t, enum model_kind kind, const char *id, json_t **out)
{
	MDB_val v;
	int rc = stx_get(t, t->s->objs[kind], id, &v);

	if (rc < 0)
		return rc;
	*out = stx_parse(&v);
	return *out ? 0 : -EIO;
}

int stx_obj_put(struct store_txn *t, enum model_kind kind, const char *id, const json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return -ENOMEM;
	rc = stx_put(t, t->s->objs[kind], id, text, strlen(text));
	free(text);
	return rc;
}

int stx_u64_get(struct store_txn *t, const char *key, uint64_t *v)
{
	MDB_val val;
	int rc = stx_get(t, t->s->meta, key, &val);

	*v = 0;
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (val.mv_size != 8)
		return -EIO;
	*v = bytes_get_be64(val.mv_data);
	return 0;
}

int stx_u64_put(struct store_txn *t, const char *key, uint64_t v)
{
	uint8_t b[8];

	bytes_put_be64(b, v);
	return stx_put(t, t->s->meta, key, b, sizeof(b));
}

bool stx_uniq_taken(struct store_txn *t, const char *key)
{
	MDB_val v;

	return stx_get(t, t->s->uniq, key, &v) != -ENOENT;
}

int stx_uniq_claim(struct store_txn *t, const char *key, const char *owner, const char *field)
{
	MDB_val v;
	int rc = stx_get(t, t->s->uniq, key, &v);

	if (rc == 0) {
		model_error_set(t->err, "conflict", field, "%s is already in use by %.*s", field,
				(int)(v.mv_size > 64 ? 64 : v.mv_size), (const char *)v.mv_data);
		return -EEXIST;
	}
	if (rc != -ENOENT)
		return rc;
	return stx_put(t, t->s->uniq, key, owner, strlen(owner));
}

int stx_uniq_release(struct store_txn *t, const char *key)
{
	return stx_del(t, t->s->uniq, key);
}

int stx_ref_add(struct store_txn *t, const char *parent, const char *child, enum model_kind kind)
{
	char key[2 * STORE_ID_MAX + 2];
	const char *name = model_kind_name(kind);

	snprintf(key, sizeof(key), "%s|%s", parent, child);
	return stx_put(t, t->s->refs, key, name, strlen(name));
}

int stx_ref_del(struct store_txn *t, const char *parent, const char *child)
{
	char key[2 * STORE_ID_MAX + 2];

	snprintf(key, sizeof(key), "%s|%s", parent, child);
	return stx_del(t, t->s->refs, key);
}

int stx_ref_foreach(struct store_txn *t, const char *parent, int kind,
		    int (*cb)(struct store_txn *t, const char *child, void *arg), void *arg)
{
	char prefix[STORE_ID_MAX + 2], child[STORE_ID_MAX + 1];
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "%s|", parent);
	MDB_val k = stx_key(prefix), v;
	MDB_cursor *cur;
	int rc, ret = 0;

	rc = mdb_cursor_open(t->txn, t->s->refs, &cur);
	if (rc)
		return stx_errno(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && ret == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t clen = k.mv_size - plen;

		if (k.mv_size <= plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (kind >= 0 && (v.mv_size != strlen(model_kind_name(kind)) ||
				  memcmp(v.mv_data, model_kind_name(kind), v.mv_size) != 0))
			continue;
		if (clen > STORE_ID_MAX)
			continue;
		memcpy(child, (const char *)k.mv_data + plen, clen);
		child[clen] = '\0';
		ret = cb(t, child, arg);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return stx_errno(rc);
	return ret;
}

int store_tables(struct store *s, MDB_dbi dbis[STORE_N_TABLES])
{
	int n = 0;

	for (int i = 0; i < MODEL_ROUTER; i++)
		dbis[n++] = s->objs[i];
	dbis[n++] = s->meta;
	dbis[n++] = s->uniq;
	dbis[n++] = s->refs;
	dbis[n++] = s->changes;
	dbis[n++] = s->idem;
	for (int i = MODEL_ROUTER; i < MODEL_KIND_MAX; i++)
		dbis[n++] = s->objs[i];
	return n;
}

static int store_open_dbis(struct store *s)
{
	static const char *const extra[] = {"meta", "uniq", "refs", "changes", "idem"};
	MDB_dbi *dbis[] = {&s->meta, &s->uniq, &s->refs, &s->changes, &s->idem};
	MDB_txn *txn;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return stx_errno(rc);
	for (int i = 0; i < MODEL_KIND_MAX && rc == 0; i++)
		rc = mdb_dbi_open(txn, model_kind_plural(i), MDB_CREATE, &s->objs[i]);
	for (int i = 0; i < 5 && rc == 0; i++)
		rc = mdb_dbi_open(txn, extra[i], MDB_CREATE, dbis[i]);
	if (rc) {
		mdb_txn_abort(txn);
		return stx_errno(rc);
	}
	return stx_errno(mdb_txn_commit(txn));
}

struct store *store_new(const char *dir, size_t changelog_window)
{
	struct store *s;
	int rc;

	if (!dir || changelog_window < 1)
		return NULL;
	if (store_unsynced_check(dir) < 0 || store_check_file(dir) < 0)
		return NULL; /* logged, with what to do */
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->window = changelog_window;
	rc = mdb_env_create(&s->env);
	if (rc)
		goto out_free;
	rc = mdb_env_set_maxdbs(s->env, 16);
	if (!rc)
		rc = mdb_env_set_mapsize(s->env, STORE_MAP_SIZE);
	if (!rc)
		rc = mdb_env_open(s->env, dir, 0, 0600);
	if (rc)
		goto out_env;
	if (store_open_dbis(s) < 0)
		goto out_env;
	return s;
out_env:
	log_err("store open failed dir=%s error=\"%s\"", dir, mdb_strerror(rc));
	mdb_env_close(s->env);
out_free:
	free(s);
	return NULL;
}

void store_destroy(struct store **sp)
{
	if (!sp || !*sp)
		return;
	store_flush_unsynced(*sp);
	mdb_env_close((*sp)->env);
	free(*sp);
	*sp = NULL;
}

static void store_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int store_cmd_encode(enum store_op op, enum model_kind kind, const char *id, const char *body,
		     const char *idem, void **buf, size_t *len)
{
	uint64_t seed = 0;

	if (op == STORE_OP_CREATE || op == STORE_OP_CLONE || op == STORE_OP_IMPORT)
		while (seed == 0)
			randombytes_buf(&seed, sizeof(seed));
	return store_cmd_encode_seeded(op, kind, id, body, idem, seed, buf, len);
}

int store_cmd_encode_seeded(enum store_op op, enum model_kind kind, const char *id,
			    const char *body, const char *idem, uint64_t seed, void **buf,
			    size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	if (op < STORE_OP_CREATE || op > STORE_OP_MIGRATE || (unsigned int)kind >= MODEL_KIND_MAX ||
	    !id || strlen(id) > STORE_ID_MAX || !buf || !len ||
	    (idem && strlen(idem) > STORE_IDEM_MAX))
		return -EINVAL;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, seed ? 6 : 5);
	store_pack_str(&pk, "op");
	store_pack_str(&pk, store_op_names[op]);
	store_pack_str(&pk, "kind");
	store_pack_str(&pk, model_kind_name(kind));
	store_pack_str(&pk, "id");
	store_pack_str(&pk, id);
	store_pack_str(&pk, "body");
	store_pack_str(&pk, body ? body : "");
	store_pack_str(&pk, "idem");
	store_pack_str(&pk, idem ? idem : "");
	if (seed) {
		store_pack_str(&pk, "seed");
		msgpack_pack_uint64(&pk, seed);
	}
	if (!sb.data) {
		msgpack_sbuffer_destroy(&sb);
		return -ENOMEM;
	}
	*len = sb.size;
	*buf = msgpack_sbuffer_release(&sb);
	return 0;
}

/* Copies a msgpack string of at most max bytes into a new NUL-terminated
 * buffer or dst; -EPROTO on anything else. */
static int store_cmd_str(const msgpack_object *o, char *dst, size_t max, char **dup)
{
	const char *ptr;

	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > max)
		return -EPROTO;
	/* msgpack-c leaves ptr NULL for an empty string */
	ptr = o->via.str.size ? o->via.str.ptr : "";
	if (memchr(ptr, '\0', o->via.str.size))
		return -EPROTO;
	if (dup) {
		*dup = strndup(ptr, o->via.str.size);
		return *dup ? 0 : -ENOMEM;
	}
	memcpy(dst, ptr, o->via.str.size);
	dst[o->via.str.size] = '\0';
	return 0;
}

/* Fills cmd from the decoded map; -EPROTO if malformed. */
static int store_cmd_fields(const msgpack_object *root, struct store_cmd *cmd)
{
	static const char *const keys[] = {"op", "kind", "id", "body", "idem", "seed"};
	char op[16] = "", kind[32] = "";
	char *const dst[] = {op, kind, cmd->id, NULL, cmd->idem};
	const size_t max[] = {sizeof(op) - 1, sizeof(kind) - 1, STORE_ID_MAX, 1u << 24,
			      STORE_IDEM_MAX};
	unsigned int seen = 0;
	int rc = 0;

	/* five keys, and "seed" on creates (absent in earlier versions) */
	if (root->type != MSGPACK_OBJECT_MAP || root->via.map.size < 5 || root->via.map.size > 6)
		return -EPROTO;
	for (uint32_t i = 0; i < root->via.map.size && rc == 0; i++) {
		const msgpack_object_kv *kv = &root->via.map.ptr[i];
		char key[8];
		unsigned int j = 0;

		if (store_cmd_str(&kv->key, key, sizeof(key) - 1, NULL) < 0)
			return -EPROTO;
		while (j < 6 && strcmp(key, keys[j]) != 0)
			j++;
		if (j == 6 || (seen & (1u << j)))
			return -EPROTO; /* unknown or repeated key */
		seen |= 1u << j;
		if (j == 5) { /* seed: a non-zero unsigned integer */
			if (kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER || !kv->val.via.u64)
				return -EPROTO;
			cmd->seed = kv->val.via.u64;
			continue;
		}
		rc = store_cmd_str(&kv->val, dst[j], max[j], dst[j] ? NULL : &cmd->body);
	}
	if (rc < 0)
		return rc;
	if ((seen & 0x1f) != 0x1f)
		return -EPROTO; /* a required key is missing */
	cmd->op = 0;
	for (int i = STORE_OP_CREATE; i <= STORE_OP_MIGRATE; i++)
		if (strcmp(op, store_op_names[i]) == 0)
			cmd->op = i;
	cmd->kind = model_kind_parse(kind);
	if (!cmd->op || (int)cmd->kind < 0 || strcmp(kind, model_kind_name(cmd->kind)) != 0)
		return -EPROTO;
	return 0;
}

/* Reads the n-byte big-endian number at p. */
static uint64_t store_cmd_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | *p++;
	return v;
}

/* True if buf[0..len) is one msgpack map of at most six entries whose keys
 * and values are all strings or unsigned integers: the only shape a command
 * has. Checked on the bytes before msgpack-c builds anything, because
 * msgpack-c reserves a container's elements from its header before reading
 * them: five bytes claiming 2^32 elements would make every replica try to
 * allocate tens of gigabytes. */
static bool store_cmd_shape_valid(const uint8_t *p, size_t len)
{
	uint64_t n, size;
	size_t off = 1;
	unsigned int w;

	if (p[0] >= 0x80 && p[0] <= 0x8f) {
		n = p[0] & 0x0f;
	} else if ((p[0] == 0xde || p[0] == 0xdf) && len >= 5) {
		w = p[0] == 0xde ? 2 : 4; /* map 16, 32 */
		n = store_cmd_be(p + 1, w);
		off = 1 + w;
	} else {
		return false;
	}
	if (n > 6)
		return false;
	for (n *= 2; n > 0; n--) {
		uint8_t b;

		if (off >= len)
			return false;
		b = p[off];
		w = 0;
		size = 1;
		if (b >= 0xa0 && b <= 0xbf) /* fixstr */
			size += b & 0x1f;
		else if (b >= 0xcc && b <= 0xcf) /* uint 8..64 */
			size += 1u << (b - 0xcc);
		else if (b >= 0xd9 && b <= 0xdb) /* str 8..32 */
			w = 1u << (b - 0xd9);
		else if (b > 0x7f) /* positive fixint, or anything else: refused */
			return false;
		if (w) {
			if (len - off < 1 + w)
				return false;
			size += w + store_cmd_be(p + off + 1, w);
		}
		if (size > len - off)
			return false;
		off += size;
	}
	return off == len;
}

/* Decodes a command strictly (one map, nothing after it). Release cmd->body. */
int store_cmd_decode(const void *buf, size_t len, struct store_cmd *cmd)
{
	msgpack_unpacked up;
	size_t off = 0;
	int rc;

	memset(cmd, 0, sizeof(*cmd));
	if (!buf || len == 0 || !store_cmd_shape_valid(buf, len))
		return -EPROTO;
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
		rc = -EPROTO;
	else
		rc = store_cmd_fields(&up.data, cmd);
	msgpack_unpacked_destroy(&up);
	if (rc < 0) {
		free(cmd->body);
		cmd->body = NULL;
	}
	return rc;
}

bool store_rc_rejected(int rc)
{
	switch (rc) {
	case -EINVAL:
	case -EPROTO:
	case -ENOENT:
	case -EEXIST:
	case -EBUSY:
	case -ENOSPC:
	case -EKEYREJECTED:
		return true;
	default:
		return false;
	}
}

int store_parse_body(struct store_txn *t, const char *text, json_t **out)
{
	json_error_t je;

	*out = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return model_error_set(t->err, "invalid_json", NULL, "invalid JSON: %s", je.text);
	return 0;
}

/* Loads the object a command targets; -ENOENT (404) with err filled. */
static int store_target(struct store_txn *t, const struct store_cmd *c, json_t **out)
{
	int rc = stx_obj_get(t, c->kind, c->id, out);

	if (rc == -ENOENT)
		model_error_set(t->err, "not_found", "id", "%s %.40s not found",
				model_kind_name(c->kind), c->id);
	return rc;
}

int stx_create(struct store_txn *t, enum model_kind kind, const char *id, json_t *body)
{
	json_t *old;
	int rc;

	rc = model_validate_create(kind, body, t->err);
	if (rc < 0)
		return rc;
	rc = stx_obj_get(t, kind, id, &old);
	if (rc == 0) {
		json_decref(old);
		model_error_set(t->err, "conflict", "id", "%s %.40s already exists",
				model_kind_name(kind), id);
		return -EEXIST;
	}
	if (rc != -ENOENT)
		return rc;
	return stx_create_checked(t, kind, id, body);
}

int stx_create_checked(struct store_txn *t, enum model_kind kind, const char *id, json_t *body)
{
	int rc;

	json_object_set_new(body, "id", json_string(id));
	rc = store_kind_prepare(t, kind, id, NULL, body);
	if (rc == 0)
		rc = store_kind_index(t, kind, id, body);
	if (rc == 0)
		rc = stx_obj_put(t, kind, id, body);
	return rc;
}

static int store_do_create(struct store_txn *t, const struct store_cmd *c, json_t **obj)
{
	json_t *body;
	int rc;

	rc = store_parse_body(t, c->body, &body);
	if (rc < 0)
		return rc;
	rc = stx_create(t, c->kind, c->id, body);
	if (rc == 0)
		*obj = body;
	else
		json_decref(body);
	return rc;
}

int stx_update(struct store_txn *t, enum model_kind kind, const char *id, const json_t *patch,
	       json_t **out)
{
	json_t *old, *upd = NULL;
	int rc;

	rc = stx_obj_get(t, kind, id, &old);
	if (rc == -ENOENT)
		model_error_set(t->err, "not_found", "id", "%s %.40s not found",
				model_kind_name(kind), id);
	if (rc < 0)
		return rc;
	rc = model_validate_update(kind, patch, t->err);
	if (rc == 0)
		rc = store_migrate_check_update(t, kind, old, patch);
	if (rc < 0)
		goto out;
	upd = json_deep_copy(old);
	if (!upd || json_object_update(upd, (json_t *)patch) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	rc = store_kind_prepare(t, kind, id, old, upd);
	if (rc == 0)
		rc = store_kind_unindex(t, kind, id, old);
	if (rc == 0)
		rc = store_kind_index(t, kind, id, upd);
	if (rc == 0)
		rc = stx_obj_put(t, kind, id, upd);
out:
	if (rc == 0 && out)
		*out = json_incref(upd);
	json_decref(upd);
	json_decref(old);
	return rc;
}

static int store_do_update(struct store_txn *t, const struct store_cmd *c, json_t **obj)
{
	json_t *patch = NULL, *old;
	int rc;

	/* a missing target is reported before a bad body, as before */
	rc = store_target(t, c, &old);
	if (rc < 0)
		return rc;
	json_decref(old);
	rc = store_parse_body(t, c->body, &patch);
	if (rc == 0)
		rc = stx_update(t, c->kind, c->id, patch, obj);
	json_decref(patch);
	return rc;
}

/* stx_ref_foreach callback: remembers the first referrer. */
static int store_first_ref(struct store_txn *t, const char *child, void *arg)
{
	snprintf(arg, STORE_ID_MAX + 1, "%s", child);
	return 1;
}

static int store_do_delete(struct store_txn *t, const struct store_cmd *c)
{
	char by[STORE_ID_MAX + 1], parent[STORE_ID_MAX + 8];
	json_t *old;
	int rc;

	rc = store_target(t, c, &old);
	if (rc < 0)
		return rc;
	store_kind_ref_parent(c->kind, c->id, parent);
	rc = stx_ref_foreach(t, parent, -1, store_first_ref, by);
	if (rc > 0) {
		model_error_set(t->err, "in_use", "id", "%s %.40s is still used by %.40s",
				model_kind_name(c->kind), c->id, by);
		rc = -EBUSY;
	}
	if (rc == 0)
		rc = store_kind_deletable(t, c->kind, old);
	if (rc == 0)
		rc = store_kind_cascade(t, c->kind, c->id);
	if (rc == 0)
		rc = store_kind_unindex(t, c->kind, c->id, old);
	if (rc == 0)
		rc = stx_del(t, t->s->objs[c->kind], c->id);
	json_decref(old);
	return rc;
}

/* Drops the oldest change-log entries beyond the window, with their
 * idempotency keys. */
static int store_trim(struct store_txn *t)
{
	MDB_cursor *cur;
	MDB_stat st;
	MDB_val k, v;
	int rc;

	rc = mdb_stat(t->txn, t->s->changes, &st);
	if (rc)
		return stx_errno(rc);
	rc = mdb_cursor_open(t->txn, t->s->changes, &cur);
	if (rc)
		return stx_errno(rc);
	for (size_t n = st.ms_entries; n > t->s->window && rc == 0; n--) {
		struct store_cmd old;

		rc = stx_errno(mdb_cursor_get(cur, &k, &v, MDB_FIRST));
		if (rc == 0 && store_cmd_decode(v.mv_data, v.mv_size, &old) == 0) {
			if (old.idem[0])
				rc = stx_del(t, t->s->idem, old.idem);
			free(old.body);
		}
		if (rc == 0)
			rc = stx_errno(mdb_cursor_del(cur, 0));
	}
	mdb_cursor_close(cur);
	return rc;
}

/* Writes to fp (STORE_FP_HEX hex digits) a hash of what makes c the
 * request it is: op, kind, target id and body. A create's id is left out:
 * the API draws a fresh id for every POST, retries included. */
static void store_fingerprint(const struct store_cmd *c, char fp[STORE_FP_HEX + 1])
{
	uint8_t h[STORE_FP_HEX / 2], head[2] = {(uint8_t)c->op, (uint8_t)c->kind};
	crypto_generichash_state st;
	const char *id = c->op == STORE_OP_CREATE ? "" : c->id;
	const char *body = c->body ? c->body : "";

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, head, sizeof(head));
	crypto_generichash_update(&st, (const uint8_t *)id, strlen(id) + 1);
	crypto_generichash_update(&st, (const uint8_t *)body, strlen(body));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(fp, STORE_FP_HEX + 1, h, sizeof(h));
}

/* The first field of an idempotency record: a code per op, written since
 * the first version (its numbers are those of HTTP, which is all they have
 * in common with it; a replay only asks whether the op was a delete). */
static const int store_idem_code[] = {0, 201, 200, 204, 201, 201, 202};
#define STORE_IDEM_DELETE 204

/* Bumps the revision and records the command in the change log (and its
 * idempotency key, if any). */
static int store_log(struct store_txn *t, const void *buf, size_t len, const struct store_cmd *c,
		     uint64_t *rev)
{
	uint8_t key[8];
	MDB_val k = {.mv_size = 8, .mv_data = key}, v = {.mv_size = len, .mv_data = (void *)buf};
	char st[STORE_ID_MAX + 32 + STORE_FP_HEX];
	int rc;

	rc = stx_u64_get(t, "revision", rev);
	if (rc < 0)
		return rc;
	(*rev)++;
	rc = stx_u64_put(t, "revision", *rev);
	if (rc < 0)
		return rc;
	bytes_put_be64(key, *rev);
	rc = stx_errno(mdb_put(t->txn, t->s->changes, &k, &v, 0));
	if (rc == 0 && c->idem[0]) {
		char fp[STORE_FP_HEX + 1];

		store_fingerprint(c, fp);
		snprintf(st, sizeof(st), "%d %d %s %s", store_idem_code[c->op], (int)c->kind, c->id,
			 fp);
		rc = stx_put(t, t->s->idem, c->idem, st, strlen(st));
	}
	return rc ? rc : store_trim(t);
}

/* If c's idempotency key was applied before, fills res as that apply did
 * (the object it created or changed, in its current state) and returns 1;
 * returns -EKEYREJECTED (err filled) if the key was used for a different
 * request, 0 if it is new. The idem value is
 * "<code> <kind> <id> <fingerprint>" (store_idem_code). */
static int store_replay(struct store_txn *t, const struct store_cmd *c, struct store_result *res)
{
	char st[STORE_ID_MAX + 32 + STORE_FP_HEX], id[STORE_ID_MAX + 1];
	char fp[STORE_FP_HEX + 1] = "", want[STORE_FP_HEX + 1];
	int code, kind;
	MDB_val v;

	if (!c->idem[0] || stx_get(t, t->s->idem, c->idem, &v) < 0)
		return 0;
	snprintf(st, sizeof(st), "%.*s", (int)(v.mv_size < sizeof(st) ? v.mv_size : sizeof(st) - 1),
		 (const char *)v.mv_data);
	if (sscanf(st, "%d %d %64s %32s", &code, &kind, id, fp) < 3 || kind < 0 ||
	    kind >= MODEL_KIND_MAX)
		return 0;
	store_fingerprint(c, want);
	if (fp[0] && strcmp(fp, want) != 0) {
		model_error_set(t->err, "idempotency_key_reused", "Idempotency-Key",
				"Idempotency-Key was already used for a different request");
		return -EKEYREJECTED;
	}
	res->rc = 0;
	res->replayed = true;
	if (code != STORE_IDEM_DELETE && stx_obj_get(t, kind, id, &res->object) < 0)
		res->object = NULL;
	stx_u64_get(t, "revision", &res->revision);
	return 1;
}

/* Runs the command in the open transaction t; commits or aborts it. */
int store_run(struct store_txn *t, const void *buf, size_t len, const struct store_cmd *c,
	      struct store_result *res)
{
	json_t *obj = NULL;
	bool unchanged = false;
	int rc;

	t->seed = c->seed;

	rc = store_replay(t, c, res);
	if (rc != 0) {
		mdb_txn_abort(t->txn);
		res->rc = rc < 0 ? rc : 0;
		return res->rc;
	}
	if (c->op == STORE_OP_CREATE)
		rc = store_do_create(t, c, &obj);
	else if (c->op == STORE_OP_UPDATE)
		rc = store_do_update(t, c, &obj);
	else if (c->op == STORE_OP_CLONE || c->op == STORE_OP_IMPORT)
		rc = store_tenant_run(t, c, &obj, &unchanged);
	else if (c->op == STORE_OP_MIGRATE)
		rc = store_migrate_apply(t, c, &obj);
	else
		rc = store_do_delete(t, c);
	if (rc == 0 && unchanged) {
		/* an import of what the tenant already holds: nothing to write */
		stx_u64_get(t, "revision", &res->revision);
		mdb_txn_abort(t->txn);
		res->rc = 0;
		res->replayed = true;
		res->object = obj;
		return 0;
	}
	if (rc == 0)
		rc = store_log(t, buf, len, c, &res->revision);
	if (rc == 0)
		rc = stx_errno(mdb_txn_commit(t->txn));
	else
		mdb_txn_abort(t->txn);
	res->rc = rc;
	if (rc == 0)
		res->object = obj;
	else
		json_decref(obj);
	return rc;
}

int store_apply(struct store *s, const void *cmd, size_t len, struct store_result *res)
{
	struct store_txn t = {.s = s};
	struct store_cmd c;
	int rc;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	t.err = &res->err;
	if (!s)
		return model_error_set(&res->err, "invalid_argument", NULL, "no store");
	rc = store_cmd_decode(cmd, len, &c);
	if (rc < 0) {
		model_error_set(&res->err, "invalid_command", NULL, "malformed command");
		rc = -EINVAL;
		goto out;
	}
	rc = stx_errno(mdb_txn_begin(s->env, NULL, 0, &t.txn));
	if (rc == 0)
		rc = store_run(&t, cmd, len, &c, res);
	free(c.body);
out:
	if (rc < 0) {
		res->rc = rc;
		res->revision = store_revision(s);
		if (!res->err.code[0])
			model_error_set(&res->err, "internal_error", NULL, "store failure (%d)",
					rc);
	} else {
		log_debug("applied op=%s kind=%s id=%s rev=%llu", store_op_names[c.op],
			  model_kind_name(c.kind), c.id, (unsigned long long)res->revision);
	}
	return rc;
}

const char *store_op_name(enum store_op op)
{
	return op >= STORE_OP_CREATE && op <= STORE_OP_MIGRATE ? store_op_names[op] : "?";
}

void store_result_release(struct store_result *res)
{
	if (!res)
		return;
	json_decref(res->object);
	memset(res, 0, sizeof(*res));
}
