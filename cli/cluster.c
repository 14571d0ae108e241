/* cluster.c - `tenetctl cluster status|add|remove|transfer` over
 * /v1/cluster (docs/API.md). Membership changes go to the leader: the node
 * given with --api names it in its /v1/cluster answer. Single thread.
 */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* A struct ctl talking to api_addr instead, with the scheme in use (same
 * token, timeout, CA). */
static int cluster_ctl_at(const struct ctl *ctl, const char *api_addr, struct ctl *out, char *url,
			  size_t size)
{
	const char *err;
	bool tls = strncmp(http_client_url(ctl->http), "https:", 6) == 0;

	snprintf(url, size, "%s://%s", tls ? "https" : "http", api_addr);
	*out = *ctl;
	out->api_url = url;
	out->http = http_client_new(url, ctl->token, ctl->timeout_sec, ctl->cacert, &err);
	if (!out->http) {
		fprintf(stderr, "error: %s: '%s'\n", err, url);
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

/* The API address of server id in a /v1/cluster answer, or NULL. */
static const char *cluster_api_of(json_t *st, json_int_t id)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(st, "servers"), i, s)
	{
		if (json_integer_value(json_object_get(s, "id")) == id)
			return json_string_value(json_object_get(s, "api_address"));
	}
	return NULL;
}

/* One row of the status table: what server s says about itself. */
static void cluster_row(const struct ctl *ctl, json_t *s, json_t *all)
{
	const char *api = json_string_value(json_object_get(s, "api_address"));
	json_t *st = NULL;
	struct ctl c;
	char url[256];
	int status = 0;
	long long rev;

	if (api && cluster_ctl_at(ctl, api, &c, url, sizeof(url)) == CTL_EXIT_OK) {
		if (api_request(&c, "GET", "/v1/cluster", NULL, &status, &st, &rev) != CTL_EXIT_OK)
			status = 0;
		http_client_destroy(&c.http);
	}
	if (status == 200 && st) {
		if (all)
			json_array_append(all, st);
		printf("%-4lld %-12s %-7s %-6lld %-8lld %-8lld %-9lld %s\n",
		       (long long)json_integer_value(json_object_get(s, "id")),
		       json_string_value(json_object_get(st, "state")),
		       json_string_value(json_object_get(s, "role")),
		       (long long)json_integer_value(json_object_get(st, "term")),
		       (long long)json_integer_value(json_object_get(st, "commit_index")),
		       (long long)json_integer_value(json_object_get(st, "applied_index")),
		       (long long)json_integer_value(json_object_get(st, "revision")), api);
	} else {
		printf("%-4lld %-12s %-7s %-6s %-8s %-8s %-9s %s\n",
		       (long long)json_integer_value(json_object_get(s, "id")), "unreachable",
		       json_string_value(json_object_get(s, "role")), "-", "-", "-", "-",
		       api ? api : "?");
	}
	json_decref(st);
}

static int cluster_status(struct ctl *ctl)
{
	json_t *st = NULL, *s;
	size_t i;
	int rc;

	rc = api_call(ctl, "GET", "/v1/cluster", NULL, &st, NULL);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (ctl->output == CTL_OUT_JSON) {
		output_json(stdout, st);
	} else {
		printf("%-4s %-12s %-7s %-6s %-8s %-8s %-9s %s\n", "ID", "STATE", "ROLE", "TERM",
		       "COMMIT", "APPLIED", "REVISION", "API");
		json_array_foreach(json_object_get(st, "servers"), i, s) cluster_row(ctl, s, NULL);
	}
	json_decref(st);
	return CTL_EXIT_OK;
}

/* Sends method path body to the leader (found through --api). */
static int cluster_to_leader(struct ctl *ctl, const char *method, const char *path, json_t *body)
{
	json_t *st = NULL, *out = NULL;
	json_int_t leader, self;
	const char *api;
	struct ctl c;
	char url[256];
	int rc;

	rc = api_call(ctl, "GET", "/v1/cluster", NULL, &st, NULL);
	if (rc != CTL_EXIT_OK)
		return rc;
	leader = json_integer_value(json_object_get(st, "leader_id"));
	self = json_integer_value(json_object_get(st, "id"));
	api = cluster_api_of(st, leader);
	if (!leader || !api) {
		fprintf(stderr, "error: no leader known at %s\n", ctl->api_url);
		json_decref(st);
		return CTL_EXIT_API;
	}
	rc = leader == self ? (c = *ctl, CTL_EXIT_OK)
			    : cluster_ctl_at(ctl, api, &c, url, sizeof(url));
	if (rc == CTL_EXIT_OK)
		rc = api_call(&c, method, path, body, &out, NULL);
	if (leader != self)
		http_client_destroy(&c.http);
	if (rc == CTL_EXIT_OK && ctl->output == CTL_OUT_JSON)
		output_json(stdout, out ? out : json_null());
	else if (rc == CTL_EXIT_OK)
		printf("ok\n");
	json_decref(out);
	json_decref(st);
	return rc;
}

/* Parses a server id (>= 1, or >= 0 when zero_ok). */
static int cluster_id(const char *s, bool zero_ok, long long *id)
{
	char *end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	if (errno || end == s || *end || *id < (zero_ok ? 0 : 1)) {
		fprintf(stderr, "error: invalid server id '%s'\n", s);
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

static int cluster_usage(void)
{
	fprintf(stderr, "usage: tenetctl cluster status\n"
			"       tenetctl cluster add ID RAFT_IP:PORT/API_IP:PORT\n"
			"       tenetctl cluster remove ID\n"
			"       tenetctl cluster transfer [ID]\n");
	return CTL_EXIT_USAGE;
}

int cmd_cluster(struct ctl *ctl, int argc, char **argv)
{
	char path[64];
	long long id = 0;
	json_t *body;
	int rc;

	if (argc < 1)
		return cluster_usage();
	if (strcmp(argv[0], "status") == 0 && argc == 1)
		return cluster_status(ctl);
	if (strcmp(argv[0], "add") == 0 && argc == 3) {
		if (cluster_id(argv[1], false, &id) != CTL_EXIT_OK)
			return CTL_EXIT_USAGE;
		body = json_pack("{s:I,s:s}", "id", (json_int_t)id, "address", argv[2]);
		rc = cluster_to_leader(ctl, "POST", "/v1/cluster/servers", body);
		json_decref(body);
		return rc;
	}
	if (strcmp(argv[0], "remove") == 0 && argc == 2) {
		if (cluster_id(argv[1], false, &id) != CTL_EXIT_OK)
			return CTL_EXIT_USAGE;
		snprintf(path, sizeof(path), "/v1/cluster/servers/%lld", id);
		return cluster_to_leader(ctl, "DELETE", path, NULL);
	}
	if (strcmp(argv[0], "transfer") == 0 && argc <= 2) {
		if (argc == 2 && cluster_id(argv[1], true, &id) != CTL_EXIT_OK)
			return CTL_EXIT_USAGE;
		body = json_pack("{s:I}", "id", (json_int_t)id);
		rc = cluster_to_leader(ctl, "POST", "/v1/cluster/transfer", body);
		json_decref(body);
		return rc;
	}
	return cluster_usage();
}
