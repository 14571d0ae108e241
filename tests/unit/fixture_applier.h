/* fixture_applier.h - helpers shared by the applier's unit tests
 * (test_applier.c, test_applier_cost.c). Include after <cmocka.h>. */
#ifndef TENET_FIXTURE_APPLIER_H
#define TENET_FIXTURE_APPLIER_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

/* A row of map with op, lengths from the ABI table, key and value zero. */
static inline struct wire_row fixture_row(uint8_t map, uint8_t op)
{
	struct wire_row r;

	memset(&r, 0, sizeof(r));
	r.map = map;
	r.op = op;
	assert_true(wire_map_sizes(map, &r.key_len, &r.val_len));
	if (op == WIRE_OP_DELETE)
		r.val_len = 0;
	return r;
}

/* The revision recorded in the file at path; 0 if there is none. */
static inline uint64_t fixture_rev_file(const char *path)
{
	unsigned long long rev = 0;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return 0;
	assert_int_equal(fscanf(fp, "%llu", &rev), 1);
	fclose(fp);
	return rev;
}

#endif
