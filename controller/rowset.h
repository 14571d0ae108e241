/* rowset.h - a host's rows, packed.
 *
 * The publisher keeps every host's whole rows between revisions (to diff
 * the next compile against, and to send as a SNAPSHOT). As struct
 * wire_row arrays they cost 550 bytes a row, nearly all of it the unused
 * tail of a 512-byte value buffer; a host of a 100-host network holds
 * ~900 rows, so every publish read and wrote ~0.5 MB a host. A rowset
 * holds the same rows packed, each its used bytes only (a 6-byte header,
 * the key, the value: ~50 bytes for the common maps), in one buffer.
 *
 * Rows stay in the order they were given (sorted with wire_row_cmp, unique
 * by (map, key), for rowset_diff). Plain data: no locking; a rowset is
 * owned by whoever holds it.
 */
#ifndef TENET_ROWSET_H
#define TENET_ROWSET_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct rowset {
	uint8_t *buf; /* records: map, op, key_len, val_len (host order), key, value */
	size_t len;   /* bytes used in buf */
	size_t n;     /* rows */
};

/* Packs rows[0 .. n) (valid rows: wire_row_valid) into *s, replacing what
 * it held. Returns 0, -EINVAL (an invalid row), -ENOMEM (then *s is
 * unchanged). */
int rowset_set(struct rowset *s, const struct wire_row *rows, size_t n);

/* Frees what s holds; *s is then empty. Takes NULL. */
void rowset_release(struct rowset *s);

/* Sets *refs (malloc'd, caller frees; NULL when s is empty) to s's rows as
 * references into s, valid until s changes: wire_encode sends them as
 * update.refs without copying rows out. Returns 0 or -ENOMEM. */
int rowset_refs(const struct rowset *s, struct wire_rowref **refs);

/* Sets *rows (malloc'd, caller frees; NULL when s is empty) to a copy of
 * s's rows. Returns 0 or -ENOMEM. */
int rowset_rows(const struct rowset *s, struct wire_row **rows);

/* compiler_diff (compiler.h) from s's rows to sorted to[0 .. n_to): UPSERT
 * for new or changed rows, DELETE for rows gone, sorted, in *out (malloc'd,
 * caller frees; NULL when empty). Returns 0, -ENOMEM. */
int rowset_diff(const struct rowset *s, const struct wire_row *to, size_t n_to,
		struct wire_row **out, size_t *n_out);

#endif
