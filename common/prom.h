/* prom.h - the Prometheus text exposition format (version 0.0.4), built in
 * a growing buffer, and a fixed-bucket latency histogram. Both daemons'
 * /metrics use it. Not thread-safe: one builder per thread. */
#ifndef TENET_PROM_H
#define TENET_PROM_H

#include <stddef.h>
#include <stdint.h>

/* A text being built. */
struct prom;

/* A new, empty text; NULL when out of memory. */
struct prom *prom_new(void);

/* Frees p. Takes NULL; sets *pp to NULL. */
void prom_destroy(struct prom **pp);

/* Starts the family name: its # HELP and # TYPE lines. type is "counter",
 * "gauge" or "histogram"; name must match [a-zA-Z_:][a-zA-Z0-9_:]*.
 * Returns 0, -EINVAL, -ENOMEM. */
int prom_family(struct prom *p, const char *name, const char *type, const char *help);

/* Adds one sample line: name{labels} value. The labels are a NULL-
 * terminated list of key, value strings (values escaped here); no labels:
 * just NULL. Returns 0, -EINVAL, -ENOMEM. */
int prom_sample(struct prom *p, const char *name, double value, ...)
	__attribute__((sentinel));

/* The text so far (NUL-terminated, owned by p) and its length. */
const char *prom_text(const struct prom *p, size_t *len);

/* Upper bounds of the histogram buckets, in microseconds (+Inf added). */
#define PROM_HIST_BUCKETS 12

/* A latency histogram with fixed buckets from 100 us to 10 s. Plain data:
 * zero it to start. */
struct prom_hist {
	uint64_t count[PROM_HIST_BUCKETS + 1]; /* per bucket (not cumulative); last: +Inf */
	uint64_t n;			       /* observations */
	double sum_s;			       /* their sum, seconds */
};

/* Records one observation of usec microseconds. */
void prom_hist_observe(struct prom_hist *h, uint64_t usec);

/* Adds h as histogram name (seconds) with the given labels (NULL-terminated
 * key, value list, as prom_sample): the _bucket lines (cumulative, le in
 * seconds), _sum and _count. The family line is the caller's. Returns 0,
 * -EINVAL, -ENOMEM. */
int prom_hist_emit(struct prom *p, const char *name, const struct prom_hist *h, ...)
	__attribute__((sentinel));

#endif
