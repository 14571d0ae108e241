/* monitor.c - tenetctl monitor HOST [--port PORT] [--seconds N] -> GET
 * /v1/hosts/HOST/monitor: prints host HOST's drop events as they happen,
 * one line each (time, port, reason, packet summary), until the seconds
 * pass, the controller ends the stream or Ctrl-C. With -o json the
 * controller's NDJSON lines are printed as they come (keepalives left
 * out). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "commands.h"
#include "http.h"
#include "output.h"

#define MONITOR_USAGE "usage: tenetctl monitor HOST [--port PORT] [--seconds N]"

/* What the stream said. */
struct monitor_run {
	bool json;	 /* -o json: lines as they come */
	bool ended;	 /* an "end" line came */
	char why[64];	 /* its reason */
	unsigned long n; /* drop events printed */
};

/* "16:40:01.123456" of the event's "2026-12-06T16:40:01.123456Z". */
static const char *monitor_clock(const char *time)
{
	const char *t = time ? strchr(time, 'T') : NULL;

	return t ? t + 1 : (time ? time : "-");
}

/* One line of the stream. */
static int monitor_on_line(void *arg, const char *line)
{
	struct monitor_run *r = arg;
	json_t *o = json_loads(line, 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));

	if (!o || !type) { /* not ours: shown as it is */
		if (line[0])
			printf("%s\n", line);
		json_decref(o);
		fflush(stdout);
		return 0;
	}
	if (strcmp(type, "end") == 0) {
		r->ended = true;
		snprintf(r->why, sizeof(r->why), "%s",
			 json_string_value(json_object_get(o, "reason")) ?: "");
	}
	if (strcmp(type, "drop") == 0)
		r->n++;
	if (r->json) {
		if (strcmp(type, "keepalive") != 0)
			printf("%s\n", line);
	} else if (strcmp(type, "drop") == 0) {
		const char *port = json_string_value(json_object_get(o, "port"));
		json_int_t lost = json_integer_value(json_object_get(o, "lost_before"));

		printf("%s %-12s %-16s %s",
		       monitor_clock(json_string_value(json_object_get(o, "time"))),
		       port ? port : "-", json_string_value(json_object_get(o, "reason")) ?: "?",
		       json_string_value(json_object_get(o, "summary")) ?: "");
		if (lost)
			printf(" (%lld earlier events not sampled: rate limit)", (long long)lost);
		printf("\n");
	} else if (strcmp(type, "lost") == 0) {
		printf("-- lost %lld events (this client read too slowly)\n",
		       (long long)json_integer_value(json_object_get(o, "count")));
	} else if (strcmp(type, "start") == 0) {
		const char *port = json_string_value(json_object_get(o, "port"));

		fprintf(stderr, "monitoring drops on %s%s%s (Ctrl-C to stop)\n",
			json_string_value(json_object_get(o, "host")) ?: "?", port ? ", port " : "",
			port ? port : "");
	}
	fflush(stdout);
	json_decref(o);
	return 0;
}

/* The path with its query, the host and port URL-encoded. */
static char *monitor_path(const char *host, const char *port, long seconds)
{
	char *h = evhttp_encode_uri(host), *p = port ? evhttp_encode_uri(port) : NULL, *out = NULL;
	char sec[32] = "";

	if (h && (!port || p)) {
		if (seconds)
			snprintf(sec, sizeof(sec), "%sseconds=%ld", port ? "&" : "?", seconds);
		if (asprintf(&out, "/v1/hosts/%s/monitor%s%s%s", h, port ? "?port=" : "",
			     port ? p : "", sec) < 0)
			out = NULL;
	}
	free(h);
	free(p);
	return out;
}

/* The options after HOST; false after a usage error. */
static bool monitor_args(int argc, char **argv, const char **port, long *seconds, int *rc)
{
	char *end;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strncmp(a, "--port=", 7) == 0 || strncmp(a, "--seconds=", 10) == 0)
			v = strchr(a, '=') + 1;
		else if ((strcmp(a, "--port") == 0 || strcmp(a, "--seconds") == 0) && i + 1 < argc)
			v = argv[++i];
		if (!v) {
			*rc = output_usage_error("unknown or incomplete monitor argument '%s'\n%s", a,
					    MONITOR_USAGE);
			return false;
		}
		if (strncmp(a, "--port", 6) == 0) {
			*port = v;
			continue;
		}
		errno = 0;
		*seconds = strtol(v, &end, 10);
		if (errno || end == v || *end || *seconds < 1 || *seconds > 86400) {
			*rc = output_usage_error("invalid --seconds '%s' (1..86400)", v);
			return false;
		}
	}
	return true;
}

int cmd_monitor(struct ctl *ctl, int argc, char **argv)
{
	struct monitor_run r = {.json = ctl->output == CTL_OUT_JSON};
	struct http_response resp;
	const char *port = NULL, *err;
	bool interrupted = false;
	long seconds = 0;
	int rc = CTL_EXIT_OK;
	char *path;

	if (argc < 1 || argv[0][0] == '-')
		return output_usage_error("%s", MONITOR_USAGE);
	if (!monitor_args(argc, argv, &port, &seconds, &rc))
		return rc;
	path = monitor_path(argv[0], port, seconds);
	if (!path)
		return output_usage_error("out of memory");
	/* the stream is quiet between drops: keepalives come every 2 s */
	rc = http_client_stream(ctl->http, path, monitor_on_line, &r, &resp, &interrupted, &err);
	free(path);
	if (rc == -EINTR) {
		fprintf(stderr, "interrupted\n");
		return CTL_EXIT_OK;
	}
	if (rc < 0) {
		fprintf(stderr, "error: %s\n", err ? err : "request failed");
		return CTL_EXIT_CONN;
	}
	if (resp.status != 200) {
		json_t *out = json_loads(resp.body ? resp.body : "", 0, NULL);

		api_print_error(resp.status, out);
		json_decref(out);
		http_response_clear(&resp);
		return CTL_EXIT_API;
	}
	http_response_clear(&resp);
	if (!r.json)
		fprintf(stderr, "%lu drop events; %s\n", r.n,
			interrupted ? "stopped"
			: r.ended   ? r.why
				    : "the stream ended");
	if (!interrupted && r.ended && strcmp(r.why, "seconds") != 0)
		return CTL_EXIT_API; /* ended by the controller: host gone, or stopping */
	return CTL_EXIT_OK;
}
