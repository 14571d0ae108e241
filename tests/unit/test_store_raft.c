/* test_store_raft.c - the store as Raft state machine (controller/store_raft.c):
 * indexed apply and replay skipping, rejected commands recorded, logical
 * snapshot and atomic restore. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bytes.h"
#include "fixture_store.h"
#include "model.h"
#include "store.h"

/* Two stores in fresh temporary directories (fixture_store.h). */

static int setup(void **state)
{
	*state = fixture_stores_new("sraft");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture_stores *f = *state;

	fixture_stores_free(f);
	return 0;
}

/* Applies a tenant create at index; returns the store's rc for it (0 or
 * -errno; 0 also when skipped, which *skipped tells). */
static int apply_tenant(struct store *s, uint64_t index, const char *id, const char *body,
			const char *idem, bool *skipped)
{
	struct store_result res;
	void *cmd;
	size_t len;
	int rc;

	assert_int_equal(
	    store_cmd_encode(STORE_OP_CREATE, MODEL_TENANT, id, body, idem, &cmd, &len), 0);
	assert_int_equal(store_apply_entry(s, index, cmd, len, &res), 0);
	free(cmd);
	rc = res.rc;
	if (skipped)
		*skipped = res.skipped;
	store_result_release(&res);
	return rc;
}

#define ID1 "00000000-0000-4000-8000-000000000001"
#define ID2 "00000000-0000-4000-8000-000000000002"
#define ID3 "00000000-0000-4000-8000-000000000003"

static void test_apply_skips_replays(void **state)
{
	struct fixture_stores *f = *state;
	bool skipped;

	assert_int_equal(apply_tenant(f->s[0], 3, ID1, "{\"name\":\"a\"}", "k1", &skipped), 0);
	assert_false(skipped);
	assert_int_equal(store_applied_index(f->s[0]), 3);
	assert_int_equal(store_revision(f->s[0]), 1);
	/* the same entry again (a replay after restart): nothing happens */
	assert_int_equal(apply_tenant(f->s[0], 3, ID1, "{\"name\":\"a\"}", "k1", &skipped), 0);
	assert_true(skipped);
	assert_int_equal(store_revision(f->s[0]), 1);
	/* the same idempotency key in a later entry: replayed, no new revision */
	assert_int_equal(apply_tenant(f->s[0], 4, ID2, "{\"name\":\"a\"}", "k1", &skipped), 0);
	assert_int_equal(store_revision(f->s[0]), 1);
	assert_int_equal(store_applied_index(f->s[0]), 4);
}

static void test_rejection_recorded(void **state)
{
	struct fixture_stores *f = *state;
	struct store_result res;
	const uint8_t junk[] = {0xc1, 0x00, 0xff};

	assert_int_equal(apply_tenant(f->s[0], 1, ID1, "{\"bad\":1}", "", NULL), -EINVAL);
	assert_int_equal(store_applied_index(f->s[0]), 1);
	assert_int_equal(store_revision(f->s[0]), 0);
	/* bytes that are no command at all: rejected, index recorded */
	assert_int_equal(store_apply_entry(f->s[0], 2, junk, sizeof(junk), &res), 0);
	assert_int_equal(res.rc, -EINVAL);
	store_result_release(&res);
	assert_int_equal(store_apply_entry(f->s[0], 3, NULL, 0, &res), 0);
	assert_int_equal(res.rc, -EINVAL);
	store_result_release(&res);
	assert_int_equal(store_applied_index(f->s[0]), 3);
	/* a later good command still applies */
	assert_int_equal(apply_tenant(f->s[0], 4, ID1, "{\"name\":\"x\"}", "", NULL), 0);
	assert_int_equal(store_revision(f->s[0]), 1);
}

static void test_snapshot_restore(void **state)
{
	struct fixture_stores *f = *state;
	uint8_t hash[32] = {1, 2, 3}, got[32];
	void *snap;
	size_t len;
	uint64_t index;
	bool skipped;
	json_t *list;

	apply_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", "k1", NULL);
	apply_tenant(f->s[0], 2, ID2, "{\"name\":\"b\"}", "k2", NULL);
	assert_int_equal(store_snapshot(f->s[0], &snap, &len, &index), 0);
	assert_int_equal(index, 2);
	/* the target has other state and its own admin hash */
	assert_int_equal(store_admin_hash_set(f->s[1], hash), 0);
	apply_tenant(f->s[1], 1, ID3, "{\"name\":\"z\"}", "", NULL);
	assert_int_equal(store_restore(f->s[1], snap, len, &skipped), 0);
	assert_false(skipped);
	assert_int_equal(store_revision(f->s[1]), 2);
	assert_int_equal(store_applied_index(f->s[1]), 2);
	assert_int_equal(store_list(f->s[1], MODEL_TENANT, NULL, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	assert_int_equal(store_admin_hash_get(f->s[1], got), 0);
	assert_memory_equal(got, hash, 32);
	/* the idempotency keys came along */
	assert_int_equal(apply_tenant(f->s[1], 3, ID3, "{\"name\":\"a\"}", "k1", NULL), 0);
	assert_int_equal(store_revision(f->s[1]), 2);
	/* an older snapshot is not loaded over newer state */
	assert_int_equal(store_restore(f->s[1], snap, len, &skipped), 0);
	assert_true(skipped);
	/* a truncated snapshot changes nothing */
	assert_int_equal(store_restore(f->s[0], snap, len - 3, &skipped), -EPROTO);
	assert_int_equal(store_revision(f->s[0]), 2);
	free(snap);
}

/* snap (len bytes) with the value of its meta record key grown by one byte
 * (or, key absent, with a meta record key of 32 bytes added); *out_len set. */
static uint8_t *snap_meta_damaged(const uint8_t *snap, size_t len, const char *key, size_t *out_len)
{
	uint8_t *b = malloc(len + 9 + 64), *w = b;
	size_t kl0 = strlen(key), off = 16;
	bool found = false;

	assert_non_null(b);
	memcpy(w, snap, 16);
	w += 16;
	while (off < len) {
		size_t kl = bytes_get_be32(snap + off + 1), vl = bytes_get_be32(snap + off + 5);
		bool hit =
		    snap[off] == MODEL_ROUTER && kl == kl0 && !memcmp(snap + off + 9, key, kl);

		memcpy(w, snap + off, 9 + kl + vl);
		if (hit) {
			w[8] = (uint8_t)(vl + 1); /* counters are 8 bytes: fits one byte */
			w[9 + kl + vl] = 0;
			w += 1;
			found = true;
		}
		w += 9 + kl + vl;
		off += 9 + kl + vl;
	}
	if (!found) {
		*w++ = MODEL_ROUTER;
		memcpy(w, (uint8_t[]){0, 0, 0, (uint8_t)kl0, 0, 0, 0, 32}, 8);
		w += 8;
		memcpy(w, key, kl0);
		memset(w + kl0, 7, 32);
		w += kl0 + 32;
	}
	*out_len = (size_t)(w - b);
	return b;
}

/* A snapshot whose meta records the store could not read back (a counter
 * not of 8 bytes, a node-local admin hash) is refused whole, before
 * anything is replaced: restored, the store could take no snapshot and make
 * no write. */
static void test_snapshot_meta_refused(void **state)
{
	static const char *const keys[] = {"raft_applied", "revision", "admin_hash"};
	struct fixture_stores *f = *state;
	void *snap;
	size_t len, blen;
	bool skipped;

	apply_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", "k1", NULL);
	assert_int_equal(store_snapshot(f->s[0], &snap, &len, NULL), 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint8_t *bad = snap_meta_damaged(snap, len, keys[i], &blen);

		assert_int_not_equal(blen, len);
		assert_int_equal(store_restore(f->s[1], bad, blen, &skipped), -EPROTO);
		assert_int_equal(store_revision(f->s[1]), 0);
		free(bad);
	}
	/* undamaged, the same snapshot restores */
	assert_int_equal(store_restore(f->s[1], snap, len, &skipped), 0);
	assert_int_equal(store_revision(f->s[1]), 1);
	free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_apply_skips_replays, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rejection_recorded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_meta_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
