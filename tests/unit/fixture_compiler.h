/* fixture_compiler.h - compiling one host of a hand-made topology and
 * looking at its rows, for the compiler's unit tests. Test-only; include
 * after cmocka.h. */
#ifndef TENET_FIXTURE_COMPILER_H
#define TENET_FIXTURE_COMPILER_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "wire.h"

/* IPv4 text s, network order. */
static inline uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* One host's rows. */
struct rows {
	struct wire_row *r;
	size_t n;
};

static inline struct rows build(const struct topology *t, const char *host)
{
	struct rows out = {0};

	assert_int_equal(compiler_build_host(t, host, &out.r, &out.n), 0);
	for (size_t i = 0; i < out.n; i++) {
		assert_int_equal(out.r[i].op, WIRE_OP_UPSERT);
		assert_true(wire_row_valid(&out.r[i]));
		if (i)
			assert_true(wire_row_cmp(&out.r[i - 1], &out.r[i]) < 0);
	}
	return out;
}

static inline size_t count(const struct rows *r, uint8_t map)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->r[i].map == map;
	return n;
}

/* The row of map with key, or NULL. */
static inline const struct wire_row *find(const struct rows *r, uint8_t map, const void *key)
{
	struct wire_row k = {.map = map};

	wire_map_sizes(map, &k.key_len, NULL);
	memcpy(k.key, key, k.key_len);
	return bsearch(&k, r->r, r->n, sizeof(*r->r), wire_row_cmp);
}

#endif
