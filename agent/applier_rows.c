/* applier_rows.c - the applier's table of tracked rows; see applier_int.h.
 *
 * The tracked rows (compiled FLOOD and local FDB rows, whose values carry
 * derived fields) by (map, key): open addressing with linear probing, at
 * most half full, entries pointing at the rows, which hold their own key.
 * Not zhashx: a 10,000-port snapshot tracks 10,000 rows, and zhashx grows
 * its table whenever a lookup walks a chain longer than its chain limit
 * (raised only when an insert grows the table), duplicates every key into
 * a malloc'd copy and allocates an item per entry (its lookups were 15 %
 * of an agent's CPU in a profile of that snapshot).
 */
#include "applier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Hash of (map, key) (SipHash: the keys come from the controller, so a
 * fixed key is enough). */
static uint64_t applier_rows_hash(uint8_t map, const uint8_t *key, uint16_t key_len)
{
	static const unsigned char k[crypto_shorthash_KEYBYTES];
	uint8_t in[1 + WIRE_KEY_MAX];
	uint64_t h;

	in[0] = map;
	memcpy(in + 1, key, key_len);
	crypto_shorthash((unsigned char *)&h, in, 1 + (unsigned long long)key_len, k);
	return h;
}

static bool applier_rows_match(const struct applier_row *r, uint8_t map, const uint8_t *key)
{
	return r->map == map && memcmp(r->key, key, r->key_len) == 0;
}

/* Index of (map, key)'s entry, or of the free entry where it would go. */
static size_t applier_rows_slot(struct applier_row *const *tab, size_t cap, uint8_t map,
				const uint8_t *key, uint16_t key_len)
{
	size_t i = applier_rows_hash(map, key, key_len) & (cap - 1);

	while (tab[i] && !applier_rows_match(tab[i], map, key))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Room for one more entry. Returns 0 or -ENOMEM. */
static int applier_rows_reserve(struct applier *a)
{
	struct applier_row **old = a->rows;
	size_t old_cap = a->rows_cap, cap;

	if ((a->n_rows + 1) * 2 <= a->rows_cap)
		return 0;
	cap = old_cap ? old_cap * 2 : 64;
	a->rows = calloc(cap, sizeof(*a->rows));
	if (!a->rows) {
		a->rows = old;
		return -ENOMEM;
	}
	a->rows_cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		struct applier_row *r = old[i];

		if (r)
			a->rows[applier_rows_slot(a->rows, cap, r->map, r->key, r->key_len)] = r;
	}
	free(old);
	return 0;
}

struct applier_row *applier_rows_find(const struct applier *a, uint8_t map, const uint8_t *key,
				      uint16_t key_len)
{
	if (!a->n_rows || key_len > WIRE_KEY_MAX)
		return NULL;
	return a->rows[applier_rows_slot(a->rows, a->rows_cap, map, key, key_len)];
}

int applier_rows_add(struct applier *a, struct applier_row *r)
{
	size_t i;

	if (!r || r->key_len > WIRE_KEY_MAX || applier_rows_find(a, r->map, r->key, r->key_len))
		return -EINVAL;
	if (applier_rows_reserve(a))
		return -ENOMEM;
	i = applier_rows_slot(a->rows, a->rows_cap, r->map, r->key, r->key_len);
	a->rows[i] = r;
	a->n_rows++;
	return 0;
}

void applier_rows_del(struct applier *a, struct applier_row *r)
{
	size_t mask, i, j;

	if (!r || !a->n_rows)
		return;
	mask = a->rows_cap - 1;
	i = applier_rows_slot(a->rows, a->rows_cap, r->map, r->key, r->key_len);
	if (a->rows[i] != r)
		return; /* not in the table */
	a->rows[i] = NULL;
	a->n_rows--;
	free(r);
	/* move back the entries after i that would otherwise not be found */
	for (j = i;;) {
		const struct applier_row *e;
		size_t home;

		j = (j + 1) & mask;
		e = a->rows[j];
		if (!e)
			return;
		home = applier_rows_hash(e->map, e->key, e->key_len) & mask;
		/* the entry at j stays unless its home is cyclically outside (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		a->rows[i] = a->rows[j];
		a->rows[j] = NULL;
		i = j;
	}
}

size_t applier_rows_count(const struct applier *a)
{
	return a->n_rows;
}

void applier_rows_purge(struct applier *a)
{
	for (size_t i = 0; i < a->rows_cap; i++) {
		free(a->rows[i]);
		a->rows[i] = NULL;
	}
	a->n_rows = 0;
}

void applier_rows_free(struct applier *a)
{
	applier_rows_purge(a);
	free(a->rows);
	a->rows = NULL;
	a->rows_cap = 0;
}
