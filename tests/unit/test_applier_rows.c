/* test_applier_rows.c - the applier's table of tracked rows
 * (agent/applier_rows.c): rows are found by (map, key) after many inserts
 * and growths, a deletion keeps every other row reachable (entries after
 * it in the probe run are moved back), duplicates are refused, and a purge
 * empties the table. The table lives in struct applier; a zeroed one is an
 * empty table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "applier_int.h"

#define N_ROWS 5000

/* A FDB-sized row of map map whose key is i (little endian, padded). */
static struct applier_row *row_new(uint8_t map, uint32_t i)
{
	struct applier_row *r = calloc(1, sizeof(*r) + 4);

	assert_non_null(r);
	r->map = map;
	r->key_len = 12;
	r->val_len = 4;
	memcpy(r->key, &i, sizeof(i));
	memcpy(r->val, &i, sizeof(i));
	return r;
}

static struct applier_row *find(const struct applier *a, uint8_t map, uint32_t i)
{
	uint8_t key[12] = {0};

	memcpy(key, &i, sizeof(i));
	return applier_rows_find(a, map, key, sizeof(key));
}

static void test_add_find(void **state)
{
	struct applier a = {0};
	struct applier_row *dup;

	(void)state;
	assert_null(find(&a, TN_MAP_FDB, 1)); /* empty table */
	for (uint32_t i = 0; i < N_ROWS; i++) {
		assert_int_equal(applier_rows_add(&a, row_new(TN_MAP_FDB, i)), 0);
		/* the same key in another map is another row */
		assert_int_equal(applier_rows_add(&a, row_new(TN_MAP_FLOOD, i)), 0);
	}
	assert_int_equal(applier_rows_count(&a), 2 * N_ROWS);
	assert_true(a.rows_cap >= 4 * N_ROWS); /* at most half full */
	for (uint32_t i = 0; i < N_ROWS; i++) {
		struct applier_row *r = find(&a, TN_MAP_FDB, i);

		assert_non_null(r);
		assert_int_equal(r->map, TN_MAP_FDB);
		assert_memory_equal(r->val, &i, sizeof(i));
		assert_int_equal(find(&a, TN_MAP_FLOOD, i)->map, TN_MAP_FLOOD);
	}
	assert_null(find(&a, TN_MAP_FDB, N_ROWS));
	dup = row_new(TN_MAP_FDB, 7);
	assert_int_equal(applier_rows_add(&a, dup), -EINVAL);
	free(dup);
	assert_int_equal(applier_rows_add(&a, NULL), -EINVAL);
	applier_rows_free(&a);
	assert_int_equal(applier_rows_count(&a), 0);
	assert_null(a.rows);
}

static void test_delete_keeps_others(void **state)
{
	struct applier a = {0};
	struct applier_row *stray = row_new(TN_MAP_FDB, 1);

	(void)state;
	for (uint32_t i = 0; i < N_ROWS; i++)
		assert_int_equal(applier_rows_add(&a, row_new(TN_MAP_FDB, i)), 0);
	/* a row that is not in the table (same key as one that is) is ignored */
	applier_rows_del(&a, stray);
	free(stray);
	applier_rows_del(&a, NULL);
	assert_int_equal(applier_rows_count(&a), N_ROWS);
	/* every third row goes: the probe runs are broken in many places */
	for (uint32_t i = 0; i < N_ROWS; i += 3)
		applier_rows_del(&a, find(&a, TN_MAP_FDB, i));
	for (uint32_t i = 0; i < N_ROWS; i++) {
		if (i % 3 == 0)
			assert_null(find(&a, TN_MAP_FDB, i));
		else
			assert_non_null(find(&a, TN_MAP_FDB, i));
	}
	assert_int_equal(applier_rows_count(&a), N_ROWS - (N_ROWS + 2) / 3);
	/* they can come back */
	for (uint32_t i = 0; i < N_ROWS; i += 3)
		assert_int_equal(applier_rows_add(&a, row_new(TN_MAP_FDB, i)), 0);
	for (uint32_t i = 0; i < N_ROWS; i++)
		assert_non_null(find(&a, TN_MAP_FDB, i));
	applier_rows_free(&a);
}

static void test_purge(void **state)
{
	struct applier a = {0};
	size_t cap;

	(void)state;
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(applier_rows_add(&a, row_new(TN_MAP_FDB, i)), 0);
	cap = a.rows_cap;
	applier_rows_purge(&a);
	assert_int_equal(applier_rows_count(&a), 0);
	assert_int_equal(a.rows_cap, cap); /* kept for the next snapshot */
	for (uint32_t i = 0; i < 100; i++)
		assert_null(find(&a, TN_MAP_FDB, i));
	assert_int_equal(applier_rows_add(&a, row_new(TN_MAP_FDB, 5)), 0);
	assert_non_null(find(&a, TN_MAP_FDB, 5));
	applier_rows_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_find),
	    cmocka_unit_test(test_delete_keeps_others),
	    cmocka_unit_test(test_purge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
