/* test_rowset.c - a host's rows packed (controller/rowset.h): the same rows
 * back, the same diff as compiler_diff, the same bytes on the wire. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler.h"
#include "rowset.h"
#include "wire.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* A random valid UPSERT row of a random known map; small keys so that
 * sets of a few hundred rows share keys across maps and repeat some. */
static void random_row(struct wire_row *r)
{
	uint16_t k, v;
	uint8_t map;

	do
		map = (uint8_t)rnd(32);
	while (!wire_map_sizes(map, &k, &v));
	memset(r, 0, sizeof(*r));
	r->map = map;
	r->op = WIRE_OP_UPSERT;
	r->key_len = k;
	r->val_len = v;
	r->key[0] = (uint8_t)rnd(8);
	r->key[k - 1] = (uint8_t)rnd(8);
	for (uint16_t i = 0; i < v && i < 24; i++)
		r->val[i] = (uint8_t)rnd(3); /* zeros at the end: trimmed on the wire */
}

/* Sorts rows[0 .. n) with wire_row_cmp and drops repeated keys. */
static size_t sort_unique(struct wire_row *rows, size_t n)
{
	size_t w = 0;

	if (!n)
		return 0;
	qsort(rows, n, sizeof(*rows), wire_row_cmp);
	for (size_t r = 1; r < n; r++)
		if (wire_row_cmp(&rows[w], &rows[r]) != 0 && ++w != r)
			rows[w] = rows[r];
	return w + 1;
}

/* n random rows, sorted and unique, in *rows (malloc'd); returns how many. */
static size_t random_set(struct wire_row **rows, size_t n)
{
	*rows = calloc(n + 1, sizeof(**rows));
	assert_non_null(*rows);
	for (size_t i = 0; i < n; i++)
		random_row(&(*rows)[i]);
	return sort_unique(*rows, n);
}

/* A copy of from[0 .. n) with some rows dropped, some values changed, some
 * turned into DELETEs and some rows added, sorted and unique, in *to;
 * returns how many. */
static size_t mutate(const struct wire_row *from, size_t n, struct wire_row **to)
{
	size_t extra = rnd(8), m = 0;

	*to = calloc(n + extra + 1, sizeof(**to));
	assert_non_null(*to);
	for (size_t i = 0; i < n; i++) {
		if (rnd(10) == 0)
			continue;
		(*to)[m] = from[i];
		if (rnd(10) == 0 && (*to)[m].val_len)
			(*to)[m].val[rnd((*to)[m].val_len)] ^= 0x5a;
		if (rnd(20) == 0) { /* the same key as a DELETE: another op, no value */
			(*to)[m].op = WIRE_OP_DELETE;
			(*to)[m].val_len = 0;
			memset((*to)[m].val, 0, sizeof((*to)[m].val));
		}
		m++;
	}
	for (size_t i = 0; i < extra; i++)
		random_row(&(*to)[m++]);
	return sort_unique(*to, m);
}

static void test_rows_back(void **state)
{
	(void)state;
	for (size_t n = 0; n < 600; n += 1 + n) {
		struct rowset s = {0};
		struct wire_row *rows, *back;
		size_t got = random_set(&rows, n);

		size_t used = 0;

		for (size_t i = 0; i < got; i++)
			used += 6 + rows[i].key_len + rows[i].val_len;
		assert_int_equal(rowset_set(&s, rows, got), 0);
		assert_int_equal(s.n, got);
		assert_int_equal(s.len, used); /* packed: a header and the used bytes */
		assert_int_equal(rowset_rows(&s, &back), 0);
		if (got)
			assert_memory_equal(back, rows, got * sizeof(*rows));
		else
			assert_null(back);
		free(back);
		free(rows);
		rowset_release(&s);
	}
}

/* rowset_diff from a packed set is compiler_diff from the same rows, byte
 * for byte: first compiles, identical sets, changes both ways, to and from
 * nothing. */
static void test_diff_is_compiler_diff(void **state)
{
	(void)state;
	for (int round = 0; round < 300; round++) {
		struct wire_row *a, *b, *want, *got;
		size_t n_a = random_set(&a, round % 5 == 0 ? 0 : rnd(300)), n_b = 0;
		bool same = round % 3 == 0 && round % 7 != 0;
		size_t n_want, n_got;
		struct rowset s = {0};

		if (round % 7 == 0) { /* to nothing */
			b = calloc(1, sizeof(*b));
		} else if (same) {
			b = calloc(n_a + 1, sizeof(*b));
			n_b = n_a;
			if (b && n_a)
				memcpy(b, a, n_a * sizeof(*b));
		} else {
			n_b = mutate(a, n_a, &b);
		}
		assert_non_null(b);
		assert_int_equal(rowset_set(&s, a, n_a), 0);
		assert_int_equal(compiler_diff(a, n_a, b, n_b, &want, &n_want), 0);
		assert_int_equal(rowset_diff(&s, b, n_b, &got, &n_got), 0);
		assert_int_equal(n_got, n_want);
		if (n_want)
			assert_memory_equal(got, want, n_want * sizeof(*want));
		else
			assert_null(got);
		if (same)
			assert_int_equal(n_got, 0);
		free(want);
		free(got);
		free(a);
		free(b);
		rowset_release(&s);
	}
}

/* A SNAPSHOT of a set's references is the bytes of the same rows sent
 * whole, trimmed or not; a reference that is not a whole row is refused. */
static void test_refs_encode_as_rows(void **state)
{
	struct wire_row *rows;
	size_t n = random_set(&rows, 200);
	struct rowset s = {0};
	struct wire_rowref *refs;

	(void)state;
	assert_int_equal(rowset_set(&s, rows, n), 0);
	assert_int_equal(rowset_refs(&s, &refs), 0);
	for (int trim = 0; trim < 2; trim++) {
		struct wire_msg a = {.type = WIRE_SNAPSHOT,
				     .update = {.to = 7, .rows = rows, .n_rows = n, .trim = trim}};
		struct wire_msg b = {.type = WIRE_SNAPSHOT,
				     .update = {.to = 7, .refs = refs, .n_rows = n, .trim = trim}};
		uint8_t *ba, *bb;
		size_t la, lb;

		assert_int_equal(wire_encode(&a, &ba, &la), 0);
		assert_int_equal(wire_encode(&b, &bb, &lb), 0);
		assert_int_equal(la, lb);
		assert_memory_equal(ba, bb, la);
		free(ba);
		free(bb);
	}
	refs[n / 2].val_len--; /* a trimmed value is for receiving, not sending */
	{
		struct wire_msg m = {.type = WIRE_DELTA,
				     .update = {.from = 1, .to = 2, .refs = refs, .n_rows = n}};
		uint8_t *buf = NULL;
		size_t len;

		assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
		assert_null(buf);
	}
	free(refs);
	free(rows);
	rowset_release(&s);
}

/* An invalid row is refused and the set keeps what it held; an empty set
 * gives no references and no rows. */
static void test_invalid_row_refused(void **state)
{
	struct wire_row *rows, *back;
	struct wire_rowref *refs;
	size_t n = random_set(&rows, 50);
	struct rowset s = {0};
	size_t len;

	(void)state;
	assert_int_equal(rowset_refs(&s, &refs), 0);
	assert_null(refs);
	assert_int_equal(rowset_rows(&s, &back), 0);
	assert_null(back);
	assert_int_equal(rowset_set(&s, rows, n), 0);
	len = s.len;
	rows[n - 1].val_len = 1;
	assert_int_equal(rowset_set(&s, rows, n), -EINVAL);
	assert_int_equal(s.n, n);
	assert_int_equal(s.len, len);
	assert_int_equal(rowset_set(&s, NULL, 0), 0);
	assert_int_equal(s.n, 0);
	assert_null(s.buf);
	rowset_release(&s);
	rowset_release(NULL);
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows_back),
	    cmocka_unit_test(test_diff_is_compiler_diff),
	    cmocka_unit_test(test_refs_encode_as_rows),
	    cmocka_unit_test(test_invalid_row_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
