/* output.c - tables, key/value listings and JSON for tenetctl. */
#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define OUTPUT_CELL_MAX 512

/* Appends s to buf (capacity len, used *pos), truncating. */
static void output_append(char *buf, size_t len, size_t *pos, const char *s)
{
	int n;

	if (*pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, "%s", s);
	if (n > 0)
		*pos = *pos + (size_t)n < len ? *pos + (size_t)n : len - 1;
}

static void output_scalar(json_t *v, char *buf, size_t len)
{
	char *dump;

	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, len, "%g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	} else if (!v || json_is_null(v)) {
		snprintf(buf, len, "-");
	} else {
		dump = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		snprintf(buf, len, "%s", dump ? dump : "?");
		free(dump);
	}
}

/* Arrays: scalars comma-joined; fixed_ips-like objects by ip_address. */
static void output_array(json_t *arr, char *buf, size_t len)
{
	char one[OUTPUT_CELL_MAX];
	size_t i, pos = 0;
	json_t *v;

	buf[0] = '\0';
	if (json_array_size(arr) == 0) {
		snprintf(buf, len, "-");
		return;
	}
	json_array_foreach (arr, i, v) {
		if (json_is_object(v) && json_is_string(json_object_get(v, "ip_address")))
			output_scalar(json_object_get(v, "ip_address"), one, sizeof(one));
		else
			output_scalar(v, one, sizeof(one));
		if (i > 0)
			output_append(buf, len, &pos, ",");
		output_append(buf, len, &pos, one);
	}
}

void output_cell(json_t *obj, const char *path, char *buf, size_t len)
{
	char seg[128];
	const char *p = path, *dot;
	json_t *v = obj;
	size_t n;

	if (len == 0)
		return;
	while (v && *p) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(seg))
			n = sizeof(seg) - 1;
		memcpy(seg, p, n);
		seg[n] = '\0';
		v = json_is_object(v) ? json_object_get(v, seg) : NULL;
		p = dot ? dot + 1 : p + strlen(p);
	}
	if (json_is_array(v))
		output_array(v, buf, len);
	else
		output_scalar(v, buf, len);
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

static void output_row(FILE *out, char **cells, const size_t *width, size_t ncol)
{
	size_t c;

	for (c = 0; c < ncol; c++) {
		if (c + 1 < ncol)
			fprintf(out, "%-*s  ", (int)width[c], cells[c]);
		else
			fprintf(out, "%s\n", cells[c]);
	}
}

int output_table(FILE *out, const struct kind *k, json_t *arr)
{
	size_t ncol = 0, nrow = json_array_size(arr), r, c;
	char buf[OUTPUT_CELL_MAX], **cells;
	size_t width[16] = {0};
	int rc = 0;

	while (k->columns[ncol].header && ncol < 16)
		ncol++;
	cells = calloc((nrow + 1) * ncol, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (c = 0; c < ncol; c++)
		cells[c] = strdup(k->columns[c].header);
	for (r = 0; r < nrow; r++) {
		for (c = 0; c < ncol; c++) {
			output_cell(json_array_get(arr, r), k->columns[c].path, buf, sizeof(buf));
			cells[(r + 1) * ncol + c] = strdup(buf);
		}
	}
	for (r = 0; r < (nrow + 1) * ncol; r++) {
		if (!cells[r]) {
			rc = -ENOMEM;
			goto out_free;
		}
		if (strlen(cells[r]) > width[r % ncol])
			width[r % ncol] = strlen(cells[r]);
	}
	for (r = 0; r <= nrow; r++)
		output_row(out, cells + r * ncol, width, ncol);
out_free:
	for (r = 0; r < (nrow + 1) * ncol; r++)
		free(cells[r]);
	free(cells);
	return rc;
}

/* Longest flattened key under obj, prefix length plen included. */
static size_t output_key_width(json_t *obj, size_t plen)
{
	size_t w = 0, kw;
	const char *key;
	json_t *v;

	json_object_foreach (obj, key, v) {
		if (json_is_object(v) && json_object_size(v) > 0)
			kw = output_key_width(v, plen + strlen(key) + 1);
		else if (json_is_array(v) && json_is_object(json_array_get(v, 0)))
			kw = output_key_width(json_array_get(v, 0), plen + strlen(key) + 3);
		else
			kw = plen + strlen(key);
		if (kw > w)
			w = kw;
	}
	return w;
}

static void output_kv_at(FILE *out, json_t *obj, const char *prefix, int width);

/* One "key: value" line; objects inside arrays are listed as key.N.member. */
static void output_kv_value(FILE *out, const char *full, json_t *v, int width)
{
	char buf[OUTPUT_CELL_MAX * 4], sub[300];
	json_t *e;
	size_t i;

	if (json_is_object(v) && json_object_size(v) > 0) {
		snprintf(sub, sizeof(sub), "%s.", full);
		output_kv_at(out, v, sub, width);
		return;
	}
	if (json_is_array(v) && json_is_object(json_array_get(v, 0))) {
		json_array_foreach (v, i, e) {
			snprintf(sub, sizeof(sub), "%s.%zu.", full, i);
			output_kv_at(out, e, sub, width);
		}
		return;
	}
	if (json_is_array(v))
		output_array(v, buf, sizeof(buf));
	else
		output_scalar(v, buf, sizeof(buf));
	snprintf(sub, sizeof(sub), "%s:", full);
	fprintf(out, "%-*s  %s\n", width + 1, sub, buf);
}

static void output_kv_at(FILE *out, json_t *obj, const char *prefix, int width)
{
	char full[256];
	const char *key;
	json_t *v;

	json_object_foreach (obj, key, v) {
		snprintf(full, sizeof(full), "%s%s", prefix, key);
		output_kv_value(out, full, v, width);
	}
}

void output_kv(FILE *out, json_t *obj)
{
	if (!json_is_object(obj)) {
		output_json(out, obj);
		return;
	}
	output_kv_at(out, obj, "", (int)output_key_width(obj, 0));
}

void output_json(FILE *out, json_t *j)
{
	json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
}

int output_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see tenetctl --help)\n", stderr);
	return CTL_EXIT_USAGE;
}
