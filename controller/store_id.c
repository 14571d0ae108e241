/* store_id.c - the store's identity (see store.h, store_id_get).
 *
 * Kept in the meta table under STORE_ID_KEY as STORE_ID_HEX lowercase hex
 * digits. The meta table is replicated (Raft snapshots dump it), so a node
 * that catches up by snapshot gets the cluster's identity with the state.
 */
#include "store_int.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

static bool store_id_well_formed(const MDB_val *v)
{
	if (v->mv_size != STORE_ID_HEX)
		return false;
	for (size_t i = 0; i < STORE_ID_HEX; i++) {
		char c = ((const char *)v->mv_data)[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

int store_id_get(struct store *s, char out[STORE_ID_HEX + 1])
{
	struct store_txn t;
	MDB_val v;
	int rc;

	if (!s || !out)
		return -EINVAL;
	out[0] = '\0';
	rc = store_read_begin(s, &t);
	if (rc < 0)
		return rc;
	rc = stx_get(&t, s->meta, STORE_ID_KEY, &v);
	if (rc == 0 && !store_id_well_formed(&v))
		rc = -EIO;
	if (rc == 0) {
		memcpy(out, v.mv_data, STORE_ID_HEX);
		out[STORE_ID_HEX] = '\0';
	}
	mdb_txn_abort(t.txn);
	return rc;
}

/* Puts the identity derived from seed (random if NULL) unless the store
 * already has one or has applied a Raft entry. Sets *created. Also called
 * inside a Raft entry's own transaction (store_raft.c). */
int stx_id_put(struct store_txn *t, const void *seed, size_t len, bool *created)
{
	uint8_t raw[STORE_ID_HEX / 2];
	char hex[STORE_ID_HEX + 1];
	uint64_t applied = 0;
	MDB_val v;
	int rc;

	rc = stx_get(t, t->s->meta, STORE_ID_KEY, &v);
	if (rc != -ENOENT)
		return rc;
	rc = stx_u64_get(t, STORE_APPLIED_KEY, &applied);
	if (rc < 0 || applied > 0)
		return rc; /* an older store: never guess an identity its peers lack */
	if (seed)
		crypto_generichash(raw, sizeof(raw), seed, len, NULL, 0);
	else
		randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	rc = stx_put(t, t->s->meta, STORE_ID_KEY, hex, STORE_ID_HEX);
	*created = rc == 0;
	return rc;
}

int store_id_ensure(struct store *s, const void *seed, size_t len)
{
	struct store_txn t = {.s = s};
	bool created = false;
	int rc;

	if (!s || (!seed && len))
		return -EINVAL;
	rc = stx_errno(mdb_txn_begin(s->env, NULL, 0, &t.txn));
	if (rc < 0)
		return rc;
	rc = stx_id_put(&t, seed, len, &created);
	if (rc == 0 && created)
		rc = stx_errno(mdb_txn_commit(t.txn));
	else
		mdb_txn_abort(t.txn);
	if (rc == 0 && created)
		log_info("store identity created from=%s", seed ? "first log entry" : "random");
	return rc;
}
