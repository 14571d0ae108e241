/* observe.c - `tenetctl port stats` and `tenetctl host drops`; see
 * observe.h. Tables list every reason with its count and description (from
 * common/reasons.h, the table the agent and controller use). */
#include "observe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output.h"
#include "reasons.h"

/* Prints "REASON COUNT DESCRIPTION" rows of the object reasons (name ->
 * count), largest first; "(none)" when empty. */
static void observe_print_reasons(const json_t *reasons)
{
	const char *name;
	json_t *v;
	size_t n = json_object_size(reasons), i = 0;
	struct {
		const char *name;
		long long count;
	} *rows = calloc(n ? n : 1, sizeof(*rows));

	if (!rows)
		return;
	json_object_foreach((json_t *)reasons, name, v)
	{
		if (json_integer_value(v) <= 0)
			continue;
		rows[i].name = name;
		rows[i].count = (long long)json_integer_value(v);
		i++;
	}
	n = i;
	for (size_t a = 1; a < n; a++) /* few rows: insertion sort */
		for (size_t b = a; b > 0 && rows[b].count > rows[b - 1].count; b--) {
			__typeof__(rows[0]) t = rows[b];

			rows[b] = rows[b - 1];
			rows[b - 1] = t;
		}
	printf("%-18s %12s  %s\n", "REASON", "DROPS", "DESCRIPTION");
	if (!n)
		printf("%-18s %12s\n", "(none)", "0");
	for (i = 0; i < n; i++) {
		uint32_t stat;
		const char *text =
		    reasons_lookup(rows[i].name, &stat) == 0 ? reasons_describe(stat) : "";

		printf("%-18s %12lld  %s\n", rows[i].name, rows[i].count, text);
	}
	free(rows);
}

static long long observe_int(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* GETs path into *out; with -o json prints it and sets *out to NULL (the
 * table is the caller's). Returns the api_call code. */
static int observe_fetch(struct ctl *ctl, const char *path, json_t **out)
{
	int rc = api_call(ctl, "GET", path, NULL, out, NULL);

	if (rc == CTL_EXIT_OK && ctl->output == CTL_OUT_JSON) {
		output_json(stdout, *out);
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Prints "GROUP FLOWS" rows of the object groups (sg_key -> connections
 * its rules let open), when there are any. */
static void observe_print_groups(const json_t *groups)
{
	const char *key;
	json_t *v;

	if (!json_object_size(groups))
		return;
	printf("\n%-12s %14s\n", "SG_KEY", "FLOWS ALLOWED");
	json_object_foreach((json_t *)groups, key, v)
	    printf("%-12s %14lld\n", key, (long long)json_integer_value(v));
}

int cmd_port_stats(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	json_t *out = NULL;
	char path[256], *id = NULL;
	int rc;

	if (strcmp(k->name, "port") != 0 || argc != 1) {
		fprintf(stderr, "usage: tenetctl port stats NAME|ID\n");
		return CTL_EXIT_USAGE;
	}
	rc = api_resolve(ctl, k, argv[0], &id);
	if (rc != CTL_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/v1/ports/%s/stats", id);
	free(id);
	rc = observe_fetch(ctl, path, &out);
	if (rc != CTL_EXIT_OK || !out)
		goto out_free;
	printf("port %s on %s: %s\n", json_string_value(json_object_get(out, "id")),
	       json_string_value(json_object_get(out, "host"))
		   ? json_string_value(json_object_get(out, "host"))
		   : "-",
	       json_is_true(json_object_get(out, "up")) ? "up" : "down");
	printf("%-4s %14s %16s\n", "", "PACKETS", "BYTES");
	printf("%-4s %14lld %16lld\n", "rx", observe_int(out, "rx_packets"),
	       observe_int(out, "rx_bytes"));
	printf("%-4s %14lld %16lld\n", "tx", observe_int(out, "tx_packets"),
	       observe_int(out, "tx_bytes"));
	printf("drops %lld\n\n", observe_int(out, "drops"));
	observe_print_reasons(json_object_get(out, "drops_by_reason"));
	observe_print_groups(json_object_get(out, "flows_by_group"));
out_free:
	json_decref(out);
	return rc;
}

int cmd_host_drops(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	json_t *out = NULL, *v;
	const char *name;
	char path[256];
	int rc;

	if (strcmp(k->name, "host") != 0 || argc != 1 || strchr(argv[0], '/') ||
	    strlen(argv[0]) > 128) {
		fprintf(stderr, "usage: tenetctl host drops NAME\n");
		return CTL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/hosts/%s/drops", argv[0]);
	rc = observe_fetch(ctl, path, &out);
	if (rc != CTL_EXIT_OK || !out)
		goto out_free;
	printf("host %s: %s, %lld drops\n", argv[0],
	       json_is_true(json_object_get(out, "connected")) ? "connected" : "disconnected",
	       observe_int(out, "drops"));
	json_object_foreach(json_object_get(out, "counters"), name, v)
	    printf("  %-16s %12lld\n", name, (long long)json_integer_value(v));
	printf("\n");
	observe_print_reasons(json_object_get(out, "drops_by_reason"));
out_free:
	json_decref(out);
	return rc;
}
