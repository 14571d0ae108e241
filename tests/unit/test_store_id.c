/* test_store_id.c - the store's identity (controller/store_id.c): derived
 * once from the first log entry (the same on every replica, another for
 * another entry), random without a seed, never changed once set, never
 * guessed for a store that applied entries without one, and carried by
 * Raft snapshots. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "wire.h"

#define N_STORES 3

/* Stores in fresh temporary directories, removed at once (LMDB keeps its
 * files open), so nothing is left behind even if a test fails. */
struct fix {
	struct store *s[N_STORES]; /* the stores */
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char cmd[128];

	assert_non_null(f);
	for (int i = 0; i < N_STORES; i++) {
		char dir[64];

		snprintf(dir, sizeof(dir), "/tmp/tenet-sid.XXXXXX");
		assert_non_null(mkdtemp(dir));
		f->s[i] = store_new(dir, 64);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
		assert_non_null(f->s[i]);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (int i = 0; i < N_STORES; i++)
		store_destroy(&f->s[i]);
	free(f);
	return 0;
}

static void id_of(struct store *s, char out[STORE_ID_HEX + 1])
{
	assert_int_equal(store_id_get(s, out), 0);
	assert_int_equal(strlen(out), STORE_ID_HEX);
	assert_true(wire_store_id_valid(out)); /* what the wire carries */
}

static void test_from_first_entry(void **state)
{
	struct fix *f = *state;
	char a[STORE_ID_HEX + 1], b[STORE_ID_HEX + 1], c[STORE_ID_HEX + 1];

	assert_int_equal(store_id_get(f->s[0], a), -ENOENT);
	assert_string_equal(a, "");
	/* two replicas of one log agree; another log gets another id */
	assert_int_equal(store_id_ensure(f->s[0], "entry one", 9), 0);
	assert_int_equal(store_id_ensure(f->s[1], "entry one", 9), 0);
	assert_int_equal(store_id_ensure(f->s[2], "entry two", 9), 0);
	id_of(f->s[0], a);
	id_of(f->s[1], b);
	id_of(f->s[2], c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* later entries change nothing */
	assert_int_equal(store_id_ensure(f->s[0], "entry two", 9), 0);
	assert_int_equal(store_id_ensure(f->s[0], NULL, 0), 0);
	id_of(f->s[0], b);
	assert_string_equal(a, b);
	assert_int_equal(store_id_ensure(NULL, NULL, 0), -EINVAL);
	assert_int_equal(store_id_ensure(f->s[0], NULL, 1), -EINVAL);
}

static void test_random(void **state)
{
	struct fix *f = *state;
	char a[STORE_ID_HEX + 1], b[STORE_ID_HEX + 1];

	assert_int_equal(store_id_ensure(f->s[0], NULL, 0), 0);
	assert_int_equal(store_id_ensure(f->s[1], NULL, 0), 0);
	id_of(f->s[0], a);
	id_of(f->s[1], b);
	assert_string_not_equal(a, b);
}

/* A store that applied entries before identities existed keeps none: its
 * peers could not derive the same one. */
static void test_not_guessed_for_older_store(void **state)
{
	struct fix *f = *state;
	struct store_result res;
	char id[STORE_ID_HEX + 1];
	void *cmd;
	size_t len;

	assert_int_equal(store_cmd_encode(STORE_OP_CREATE, MODEL_TENANT,
					  "11111111-1111-4111-8111-111111111111",
					  "{\"name\":\"blue\"}", NULL, &cmd, &len),
			 0);
	assert_int_equal(store_apply_entry(f->s[0], 1, cmd, len, &res), 0);
	store_result_release(&res);
	free(cmd);
	assert_int_equal(store_id_ensure(f->s[0], "entry two", 9), 0);
	assert_int_equal(store_id_get(f->s[0], id), -ENOENT);
}

/* A node that catches up by snapshot gets the cluster's identity. */
static void test_snapshot_carries_it(void **state)
{
	struct fix *f = *state;
	char a[STORE_ID_HEX + 1], b[STORE_ID_HEX + 1];
	void *snap;
	size_t len;

	assert_int_equal(store_id_ensure(f->s[0], "entry one", 9), 0);
	assert_int_equal(store_snapshot(f->s[0], &snap, &len, NULL), 0);
	assert_int_equal(store_restore(f->s[1], snap, len, NULL), 0);
	free(snap);
	id_of(f->s[0], a);
	id_of(f->s[1], b);
	assert_string_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_from_first_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_guessed_for_older_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_carries_it, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
