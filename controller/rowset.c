/* rowset.c - a host's rows, packed (rowset.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rowset.h"

/* A record: map, op, key_len (2 bytes), val_len (2 bytes), then the key
 * and the value, no padding. */
#define RS_HDR 6

/* Reads the record at p into *r (pointing into it); returns the next. */
static const uint8_t *rs_next(const uint8_t *p, struct wire_rowref *r)
{
	memcpy(&r->key_len, p + 2, sizeof(r->key_len));
	memcpy(&r->val_len, p + 4, sizeof(r->val_len));
	r->map = p[0];
	r->op = p[1];
	r->key = p + RS_HDR;
	r->val = r->op == WIRE_OP_DELETE ? NULL : p + RS_HDR + r->key_len;
	return p + RS_HDR + r->key_len + r->val_len;
}

int rowset_set(struct rowset *s, const struct wire_row *rows, size_t n)
{
	size_t len = 0;
	uint8_t *buf = NULL, *p;

	for (size_t i = 0; i < n; i++) {
		if (!wire_row_valid(&rows[i]))
			return -EINVAL;
		len += RS_HDR + rows[i].key_len + rows[i].val_len;
	}
	if (len && !(buf = malloc(len)))
		return -ENOMEM;
	p = buf;
	for (size_t i = 0; i < n; i++) {
		const struct wire_row *r = &rows[i];

		p[0] = r->map;
		p[1] = r->op;
		memcpy(p + 2, &r->key_len, sizeof(r->key_len));
		memcpy(p + 4, &r->val_len, sizeof(r->val_len));
		memcpy(p + RS_HDR, r->key, r->key_len);
		memcpy(p + RS_HDR + r->key_len, r->val, r->val_len);
		p += RS_HDR + r->key_len + r->val_len;
	}
	free(s->buf);
	*s = (struct rowset){.buf = buf, .len = len, .n = n};
	return 0;
}

void rowset_release(struct rowset *s)
{
	if (!s)
		return;
	free(s->buf);
	*s = (struct rowset){0};
}

int rowset_refs(const struct rowset *s, struct wire_rowref **refs)
{
	const uint8_t *p = s->buf;

	*refs = NULL;
	if (!s->n)
		return 0;
	*refs = malloc(s->n * sizeof(**refs));
	if (!*refs)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		p = rs_next(p, &(*refs)[i]);
	return 0;
}

int rowset_rows(const struct rowset *s, struct wire_row **rows)
{
	const uint8_t *p = s->buf;
	struct wire_rowref ref;

	*rows = NULL;
	if (!s->n)
		return 0;
	*rows = calloc(s->n, sizeof(**rows)); /* zeroed, as wire_row_from_ref wants */
	if (!*rows)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		p = rs_next(p, &ref);
		wire_row_from_ref(&(*rows)[i], &ref);
	}
	return 0;
}

/* The diff's rows: counted when out is NULL, else written to out. A merge
 * of the packed rows (x, the i-th of s->n) and to[j]; an exhausted side
 * sorts last. */
static size_t rs_diff(const struct rowset *s, const struct wire_row *to, size_t n_to,
		      struct wire_row *out)
{
	const uint8_t *p = s->buf, *next = p;
	struct wire_rowref x = {0};
	size_t i = 0, j = 0, n = 0;

	while (i < s->n || j < n_to) {
		bool same;
		int c;

		if (i < s->n)
			next = rs_next(p, &x);
		c = i == s->n ? 1 : j == n_to ? -1 : wire_rowref_cmp_row(&x, &to[j]);
		same = !c && x.op == to[j].op && x.val_len == to[j].val_len &&
		       (!x.val_len || memcmp(x.val, to[j].val, x.val_len) == 0);
		if (c < 0 && out) {
			struct wire_rowref del = x;

			del.op = WIRE_OP_DELETE;
			del.val_len = 0;
			wire_row_from_ref(&out[n], &del);
		} else if (c >= 0 && !same && out) {
			out[n] = to[j];
		}
		n += !same;
		if (c <= 0) {
			p = next;
			i++;
		}
		j += c >= 0;
	}
	return n;
}

int rowset_diff(const struct rowset *s, const struct wire_row *to, size_t n_to,
		struct wire_row **out, size_t *n_out)
{
	/* count first: most diffs are a few rows of large row sets */
	size_t want = rs_diff(s, to, n_to, NULL);

	*out = NULL;
	*n_out = 0;
	if (!want)
		return 0;
	*out = calloc(want, sizeof(**out)); /* zeroed: DELETEs via wire_row_from_ref */
	if (!*out)
		return -ENOMEM;
	*n_out = rs_diff(s, to, n_to, *out);
	return 0;
}
