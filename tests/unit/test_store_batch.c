/* test_store_batch.c - batches of Raft entries in one LMDB write transaction
 * (controller/store_raft.c, store_batch_apply): nothing is visible before
 * the commit, each entry records its index and a rejected one undoes only
 * itself, replays are skipped inside a batch too, the store identity comes
 * from the first entry in that entry's own transaction, and snapshot and
 * restore refuse to run while a batch is open. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_store.h"
#include "store.h"
#include "store_check.h"

/* Two stores in fresh temporary directories (fixture_store.h). */

static int setup(void **state)
{
	*state = fixture_stores_new("sbatch");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture_stores *f = *state;

	for (int i = 0; i < 2; i++)
		store_batch_commit(f->s[i]);
	fixture_stores_free(f);
	return 0;
}

#define ID1 "00000000-0000-4000-8000-000000000001"
#define ID2 "00000000-0000-4000-8000-000000000002"
#define ID3 "00000000-0000-4000-8000-000000000003"

#define SKIPPED 1 /* batch_tenant: the index was applied before */

/* Adds a tenant create at index to s's batch (seed: the entry bytes);
 * returns the store's rc for it (0 or -errno), SKIPPED if skipped. */
static int batch_tenant(struct store *s, uint64_t index, const char *id, const char *body,
			const char *seed)
{
	struct store_result res;
	void *cmd;
	size_t len;
	int rc;

	assert_int_equal(store_cmd_encode(STORE_OP_CREATE, MODEL_TENANT, id, body, "", &cmd, &len),
			 0);
	assert_int_equal(store_batch_apply(s, index, seed, seed ? strlen(seed) : 0, cmd, len, &res),
			 0);
	free(cmd);
	rc = res.skipped ? SKIPPED : res.rc;
	store_result_release(&res);
	return rc;
}

/* Reads from another thread, as the main thread does while the Raft
 * thread holds a batch open. */
struct peek {
	struct store *s;   /* the store */
	uint64_t revision; /* store_revision */
	uint64_t applied;  /* store_applied_index */
	int id_rc;	   /* store_id_get */
};

static void *peek_run(void *arg)
{
	struct peek *p = arg;
	char id[STORE_ID_HEX + 1];

	p->revision = store_revision(p->s);
	p->applied = store_applied_index(p->s);
	p->id_rc = store_id_get(p->s, id);
	return NULL;
}

static struct peek peek(struct store *s)
{
	struct peek p = {.s = s};
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, peek_run, &p), 0);
	pthread_join(t, NULL);
	return p;
}

static void test_batch_invisible_until_commit(void **state)
{
	struct fixture_stores *f = *state;
	struct peek p;

	assert_int_equal(store_batch_size(f->s[0]), 0);
	assert_int_equal(batch_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", "entry one"), 0);
	assert_int_equal(batch_tenant(f->s[0], 2, ID2, "{\"name\":\"b\"}", "entry two"), 0);
	assert_int_equal(store_batch_size(f->s[0]), 2);
	p = peek(f->s[0]);
	assert_int_equal(p.revision, 0);
	assert_int_equal(p.applied, 0);
	assert_int_equal(p.id_rc, -ENOENT);
	assert_int_equal(store_batch_commit(f->s[0]), 0);
	assert_int_equal(store_batch_size(f->s[0]), 0);
	p = peek(f->s[0]);
	assert_int_equal(p.revision, 2);
	assert_int_equal(p.applied, 2);
	assert_int_equal(p.id_rc, 0);
	assert_int_equal(store_batch_commit(f->s[0]), 0); /* none open */
}

static void test_batch_identity_from_first_entry(void **state)
{
	struct fixture_stores *f = *state;
	char a[STORE_ID_HEX + 1], b[STORE_ID_HEX + 1];

	assert_int_equal(batch_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", "entry one"), 0);
	assert_int_equal(batch_tenant(f->s[0], 2, ID2, "{\"name\":\"b\"}", "entry two"), 0);
	assert_int_equal(store_batch_commit(f->s[0]), 0);
	/* the same first entry on its own: the same identity */
	assert_int_equal(store_id_ensure(f->s[1], "entry one", 9), 0);
	assert_int_equal(store_id_get(f->s[0], a), 0);
	assert_int_equal(store_id_get(f->s[1], b), 0);
	assert_string_equal(a, b);
}

static void test_batch_rejection_and_replay(void **state)
{
	struct fixture_stores *f = *state;
	struct store_result res;
	const uint8_t junk[] = {0xc1, 0x00, 0xff};

	assert_int_equal(batch_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", NULL), 0);
	/* a conflict and junk bytes: rejected, only themselves undone */
	assert_int_equal(batch_tenant(f->s[0], 2, ID1, "{\"name\":\"b\"}", NULL), -EEXIST);
	assert_int_equal(store_batch_apply(f->s[0], 3, NULL, 0, junk, sizeof(junk), &res), 0);
	assert_int_equal(res.rc, -EINVAL);
	store_result_release(&res);
	/* a replay of an index the batch already holds: skipped */
	assert_int_equal(batch_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", NULL), SKIPPED);
	assert_int_equal(batch_tenant(f->s[0], 4, ID3, "{\"name\":\"c\"}", NULL), 0);
	assert_int_equal(store_batch_size(f->s[0]), 4);
	assert_int_equal(store_batch_commit(f->s[0]), 0);
	assert_int_equal(store_applied_index(f->s[0]), 4);
	assert_int_equal(store_revision(f->s[0]), 2);
	/* after the commit too */
	assert_int_equal(batch_tenant(f->s[0], 3, ID3, "{\"name\":\"d\"}", NULL), SKIPPED);
	assert_int_equal(store_batch_commit(f->s[0]), 0);
	assert_int_equal(store_revision(f->s[0]), 2);
	assert_int_equal(store_batch_apply(NULL, 5, NULL, 0, junk, 3, &res), -EINVAL);
	assert_int_equal(store_batch_apply(f->s[0], 0, NULL, 0, junk, 3, &res), -EINVAL);
	assert_int_equal(store_batch_apply(f->s[0], 5, NULL, 1, junk, 3, &res), -EINVAL);
}

static void test_batch_snapshot_needs_commit(void **state)
{
	struct fixture_stores *f = *state;
	void *snap;
	size_t len;
	uint64_t index;

	assert_int_equal(batch_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", "entry one"), 0);
	assert_int_equal(store_snapshot(f->s[0], &snap, &len, &index), -EBUSY);
	assert_int_equal(store_batch_commit(f->s[0]), 0);
	assert_int_equal(store_snapshot(f->s[0], &snap, &len, &index), 0);
	assert_int_equal(index, 1);
	/* the other store, with a batch open, refuses to be replaced */
	assert_int_equal(batch_tenant(f->s[1], 1, ID2, "{\"name\":\"b\"}", NULL), 0);
	assert_int_equal(store_restore(f->s[1], snap, len, NULL), -EBUSY);
	assert_int_equal(store_batch_commit(f->s[1]), 0);
	assert_int_equal(store_restore(f->s[1], snap, len, NULL), 0); /* not newer: skipped */
	free(snap);
}

/* Under Raft a store commits unflushed behind its marker of unflushed
 * commits; closing it flushes and removes the marker, and it opens again
 * with everything committed. */
static void test_batch_durability_flag(void **state)
{
	struct fixture_stores *f = *state;
	char marker[128];

	snprintf(marker, sizeof(marker), "%s/%s", f->dir[0], STORE_UNSYNCED_FILE);
	assert_int_equal(store_raft_durability(f->s[0]), 0);
	assert_int_equal(store_raft_durability(NULL), -EINVAL);
	assert_int_equal(access(marker, F_OK), 0);
	assert_int_equal(batch_tenant(f->s[0], 1, ID1, "{\"name\":\"a\"}", NULL), 0);
	assert_int_equal(store_batch_commit(f->s[0]), 0);
	assert_int_equal(store_applied_index(f->s[0]), 1);
	store_destroy(&f->s[0]);
	assert_int_not_equal(access(marker, F_OK), 0);
	f->s[0] = store_new(f->dir[0], STORE_DEFAULT_WINDOW);
	assert_non_null(f->s[0]);
	assert_int_equal(store_applied_index(f->s[0]), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batch_invisible_until_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_identity_from_first_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_rejection_and_replay, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_snapshot_needs_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_durability_flag, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
