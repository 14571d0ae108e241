/* prom.c - see prom.h. */
#include "prom.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_LABELS_MAX 8 /* label pairs on one sample */

struct prom {
	char *buf;  /* the text, NUL-terminated */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* bytes allocated */
};

static const uint64_t prom_bounds_us[PROM_HIST_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 1000000, 10000000,
};

struct prom *prom_new(void)
{
	struct prom *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cap = 4096;
	p->buf = malloc(p->cap);
	if (!p->buf) {
		free(p);
		return NULL;
	}
	p->buf[0] = '\0';
	return p;
}

void prom_destroy(struct prom **pp)
{
	if (!pp || !*pp)
		return;
	free((*pp)->buf);
	free(*pp);
	*pp = NULL;
}

/* Appends n bytes of s. */
static int prom_put(struct prom *p, const char *s, size_t n)
{
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap;
		char *b;

		while (p->len + n + 1 > cap)
			cap *= 2;
		b = realloc(p->buf, cap);
		if (!b)
			return -ENOMEM;
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return 0;
}

static int prom_puts(struct prom *p, const char *s)
{
	return prom_put(p, s, strlen(s));
}

static bool prom_name_valid(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == ':'))
			return false;
	return true;
}

/* Appends text with the characters escape_nl (\n), backslash and, for label
 * values, the double quote escaped. */
static int prom_escaped(struct prom *p, const char *s, bool quote)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		if (*s == '\\')
			rc = prom_puts(p, "\\\\");
		else if (*s == '\n')
			rc = prom_puts(p, "\\n");
		else if (quote && *s == '"')
			rc = prom_puts(p, "\\\"");
		else
			rc = prom_put(p, s, 1);
	}
	return rc;
}

int prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	int rc;

	if (!p || !prom_name_valid(name) || !type || !help)
		return -EINVAL;
	rc = prom_puts(p, "# HELP ");
	rc = rc ?: prom_puts(p, name);
	rc = rc ?: prom_puts(p, " ");
	rc = rc ?: prom_escaped(p, help, false);
	rc = rc ?: prom_puts(p, "\n# TYPE ");
	rc = rc ?: prom_puts(p, name);
	rc = rc ?: prom_puts(p, " ");
	rc = rc ?: prom_puts(p, type);
	return rc ?: prom_puts(p, "\n");
}

/* Appends "name{k="v",...} value\n"; extra (may be NULL) is one more
 * label pair placed last (the histogram's le). */
static int prom_line(struct prom *p, const char *name, const char *suffix, double value,
		     va_list ap, const char *extra_k, const char *extra_v)
{
	const char *k, *v;
	char num[64];
	int rc, n = 0;

	if (!prom_name_valid(name))
		return -EINVAL;
	rc = prom_puts(p, name);
	rc = rc ?: prom_puts(p, suffix);
	while (rc == 0 && (k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (!prom_name_valid(k) || !v || ++n > PROM_LABELS_MAX)
			return -EINVAL;
		rc = prom_puts(p, n == 1 ? "{" : ",");
		rc = rc ?: prom_puts(p, k);
		rc = rc ?: prom_puts(p, "=\"");
		rc = rc ?: prom_escaped(p, v, true);
		rc = rc ?: prom_puts(p, "\"");
	}
	if (rc == 0 && extra_k) {
		rc = prom_puts(p, n++ ? "," : "{");
		rc = rc ?: prom_puts(p, extra_k);
		rc = rc ?: prom_puts(p, "=\"");
		rc = rc ?: prom_puts(p, extra_v);
		rc = rc ?: prom_puts(p, "\"");
	}
	if (rc == 0 && n)
		rc = prom_puts(p, "}");
	if (isinf(value))
		snprintf(num, sizeof(num), " %s\n", value > 0 ? "+Inf" : "-Inf");
	else if (isnan(value))
		snprintf(num, sizeof(num), " NaN\n");
	else if (value == (double)(int64_t)value && fabs(value) < 1e15)
		snprintf(num, sizeof(num), " %lld\n", (long long)value);
	else
		snprintf(num, sizeof(num), " %.9g\n", value);
	return rc ?: prom_puts(p, num);
}

int prom_sample(struct prom *p, const char *name, double value, ...)
{
	va_list ap;
	int rc;

	if (!p)
		return -EINVAL;
	va_start(ap, value);
	rc = prom_line(p, name, "", value, ap, NULL, NULL);
	va_end(ap);
	return rc;
}

const char *prom_text(const struct prom *p, size_t *len)
{
	if (len)
		*len = p ? p->len : 0;
	return p ? p->buf : "";
}

void prom_hist_observe(struct prom_hist *h, uint64_t usec)
{
	size_t i = 0;

	while (i < PROM_HIST_BUCKETS && usec > prom_bounds_us[i])
		i++;
	h->count[i]++;
	h->n++;
	h->sum_s += (double)usec / 1e6;
}

int prom_hist_emit(struct prom *p, const char *name, const struct prom_hist *h, ...)
{
	uint64_t cum = 0;
	char le[32];
	va_list ap;
	int rc = 0;

	if (!p || !h)
		return -EINVAL;
	for (size_t i = 0; i <= PROM_HIST_BUCKETS && rc == 0; i++) {
		cum += h->count[i];
		if (i < PROM_HIST_BUCKETS)
			snprintf(le, sizeof(le), "%g", (double)prom_bounds_us[i] / 1e6);
		else
			snprintf(le, sizeof(le), "+Inf");
		va_start(ap, h);
		rc = prom_line(p, name, "_bucket", (double)cum, ap, "le", le);
		va_end(ap);
	}
	if (rc == 0) {
		va_start(ap, h);
		rc = prom_line(p, name, "_sum", h->sum_s, ap, NULL, NULL);
		va_end(ap);
	}
	if (rc == 0) {
		va_start(ap, h);
		rc = prom_line(p, name, "_count", (double)h->n, ap, NULL, NULL);
		va_end(ap);
	}
	return rc;
}
