/* output.h - how tenetctl prints objects: aligned tables, key/value
 * listings and JSON. Writes to the given stream; no other I/O.
 */
#ifndef TENETCTL_OUTPUT_H
#define TENETCTL_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "kinds.h"

/* Formats the value at a dotted path of obj ("binding.host") as text into
 * buf: strings as is, numbers and booleans in decimal/true/false, null or
 * missing as "-", arrays of scalars comma-joined; the path "fixed_ips" gives
 * the comma-joined ip_address members. Always NUL-terminates buf. */
void output_cell(json_t *obj, const char *path, char *buf, size_t len);

/* Prints the array of objects arr as a table with k's columns: a header
 * row, then one row per object, columns aligned. Returns 0 or -ENOMEM. */
int output_table(FILE *out, const struct kind *k, json_t *arr);

/* Prints obj as "key: value" lines, nested objects flattened with dotted
 * keys, keys aligned. */
void output_kv(FILE *out, json_t *obj);

/* Prints j as indented JSON followed by a newline. */
void output_json(FILE *out, json_t *j);

/* Prints "error: <message>" and a pointer to --help to stderr; returns
 * CTL_EXIT_USAGE (a bad command line). */
int output_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
