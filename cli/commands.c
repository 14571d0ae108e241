/* commands.c - tenetctl's verbs over the REST API. */
#include "commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "output.h"

const char *cmd_opt(int argc, char **argv, int *i, const char *opt, int *bad)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		if (bad)
			*bad = 1;
		return NULL;
	}
	return argv[++*i];
}

/* Reads --json's argument: inline JSON, @file or @- (stdin). */
static int cmd_load_json(const char *arg, json_t **out)
{
	json_error_t jerr;

	if (arg[0] == '@' && strcmp(arg, "@-") == 0)
		*out = json_loadf(stdin, 0, &jerr);
	else if (arg[0] == '@')
		*out = json_load_file(arg + 1, 0, &jerr);
	else
		*out = json_loads(arg, 0, &jerr);
	if (!*out) {
		fprintf(stderr, "error: --json: %s (line %d)\n", jerr.text, jerr.line);
		return CTL_EXIT_USAGE;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		fprintf(stderr, "error: --json: body must be a JSON object\n");
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

/* The request body from --json and/or key=value arguments, names resolved. */
static int cmd_body(struct ctl *ctl, const struct kind *k, int argc, char **argv, json_t **out)
{
	json_t *raw = NULL, *kv = NULL;
	char err[256];
	int rc;

	*out = NULL;
	if (ctl->json_body) {
		rc = cmd_load_json(ctl->json_body, &raw);
		if (rc != CTL_EXIT_OK)
			return rc;
	}
	if (kind_build_body(k, argc, argv, &kv, err, sizeof(err)) < 0) {
		json_decref(raw);
		return output_usage_error("%s", err);
	}
	rc = api_resolve_refs(ctl, k, kv);
	if (rc != CTL_EXIT_OK)
		goto out_free;
	if (raw) {
		json_object_update(raw, kv);
		*out = json_incref(raw);
	} else {
		*out = json_incref(kv);
	}
	if (json_object_size(*out) == 0) {
		json_decref(*out);
		*out = NULL;
		rc = output_usage_error("%s", "no fields given: use key=value arguments or --json");
	}
out_free:
	json_decref(raw);
	json_decref(kv);
	return rc;
}

/* Prints one object: key/value listing, or JSON. */
static void cmd_print_object(struct ctl *ctl, json_t *obj)
{
	if (ctl->output == CTL_OUT_JSON)
		output_json(stdout, obj ? obj : json_null());
	else if (obj)
		output_kv(stdout, obj);
}

/* After a write of obj (NULL for a delete): --wait for the revision it
 * produced. A port bound to a host that is not enrolled is never realised:
 * that is an error, not a wait that succeeds at once. */
static int cmd_after_write(struct ctl *ctl, const json_t *obj, long long revision)
{
	const char *status = json_string_value(json_object_get(obj, "status"));
	int rc;

	if (!ctl->wait)
		return CTL_EXIT_OK;
	if (status && strcmp(status, "BINDING_FAILED") == 0) {
		fprintf(stderr,
			"error: the port is bound to host '%s', which is not enrolled "
			"(tenetctl host list): it cannot be realised\n",
			json_string_value(
			    json_object_get(json_object_get(obj, "binding"), "host")));
		return CTL_EXIT_API;
	}
	if (revision < 0) {
		fprintf(stderr, "error: the API sent no X-Tenet-Revision; cannot wait\n");
		return CTL_EXIT_API;
	}
	rc = api_wait(ctl, revision, NULL);
	if (rc == CTL_EXIT_OK && ctl->output == CTL_OUT_TABLE)
		fprintf(stderr, "revision %lld realised on every affected host\n", revision);
	return rc;
}

/* Appends "&key=value" (URL-encoded) to a query string. */
static int cmd_query_add(char **q, const char *key, const char *value)
{
	char *enc = evhttp_encode_uri(value), *next;
	int n;

	if (!enc)
		return -ENOMEM;
	n = asprintf(&next, "%s%c%s=%s", *q, **q ? '&' : '?', key, enc);
	free(enc);
	if (n < 0)
		return -ENOMEM;
	free(*q);
	*q = next;
	return 0;
}

/* A filter's value: tenant_id / network_id names become ids, and so do
 * those of the kind's other references (security_group_id, ...). */
static int cmd_filter_value(struct ctl *ctl, const struct kind *k, const char *key, const char *v,
			    char **id)
{
	const struct kind_field *f = kind_field_find(k, key);

	if (f && f->ref && strcmp(f->ref, "host") != 0 && f->type == FIELD_STRING &&
	    kind_find(f->ref))
		return api_resolve(ctl, kind_find(f->ref), v, id);
	if (strcmp(key, "tenant_id") == 0)
		return api_resolve(ctl, kind_find("tenant"), v, id);
	if (strcmp(key, "network_id") == 0)
		return api_resolve(ctl, kind_find("network"), v, id);
	*id = strdup(v);
	return *id ? CTL_EXIT_OK : CTL_EXIT_API;
}

/* list filters: key=value, names resolved for tenant_id/network_id. */
static int cmd_list_query(struct ctl *ctl, const struct kind *k, int argc, char **argv,
			  char **query)
{
	int rc = CTL_EXIT_OK;

	/* the API says which filters a kind has (400 naming the key) */
	*query = strdup("");
	if (!*query)
		return CTL_EXIT_API;
	/* filters are the API's query parameters as they are (binding_host=,
	 * ip_address=, ...), not object fields to build a body from */
	for (int i = 0; i < argc && rc == CTL_EXIT_OK; i++) {
		const char *eq = strchr(argv[i], '=');
		char *key, *id = NULL;

		if (!eq || eq == argv[i] || eq[-1] == ':')
			return output_usage_error("filter '%s' is not key=value", argv[i]);
		key = strndup(argv[i], (size_t)(eq - argv[i]));
		if (!key)
			return CTL_EXIT_API;
		rc = cmd_filter_value(ctl, k, key, eq + 1, &id);
		if (rc == CTL_EXIT_OK && cmd_query_add(query, key, id) < 0)
			rc = CTL_EXIT_API;
		free(id);
		free(key);
	}
	return rc;
}

int cmd_list(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	json_t *resp = NULL, *items;
	char *query = NULL, *path = NULL;
	int rc;

	rc = cmd_list_query(ctl, k, argc, argv, &query);
	if (rc != CTL_EXIT_OK)
		goto out;
	if (asprintf(&path, "/v1/%s%s", k->plural, query) < 0) {
		path = NULL;
		rc = CTL_EXIT_API;
		goto out;
	}
	rc = api_call(ctl, "GET", path, NULL, &resp, NULL);
	if (rc != CTL_EXIT_OK)
		goto out;
	items = json_object_get(resp, k->plural);
	if (ctl->output == CTL_OUT_JSON) {
		output_json(stdout, resp ? resp : json_null());
	} else if (!json_is_array(items)) {
		fprintf(stderr, "error: the API's answer has no \"%s\" list\n", k->plural);
		rc = CTL_EXIT_API;
	} else if (output_table(stdout, k, items) < 0) {
		rc = CTL_EXIT_API;
	}
out:
	json_decref(resp);
	free(query);
	free(path);
	return rc;
}

/* "/v1/<kinds>/<id>" for a name or id; prints errors. */
static int cmd_object_path(struct ctl *ctl, const struct kind *k, const char *name, char **path)
{
	char *id = NULL, *enc;
	int rc;

	*path = NULL;
	rc = api_resolve(ctl, k, name, &id);
	if (rc != CTL_EXIT_OK)
		return rc;
	enc = evhttp_encode_uri(id);
	free(id);
	if (!enc || asprintf(path, "/v1/%s/%s", k->plural, enc) < 0) {
		*path = NULL;
		rc = CTL_EXIT_API;
	}
	free(enc);
	return rc;
}

int cmd_show(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	json_t *obj = NULL;
	char *path;
	int rc;

	if (argc != 1)
		return output_usage_error("usage: tenetctl %s show NAME|ID", k->name);
	rc = cmd_object_path(ctl, k, argv[0], &path);
	if (rc != CTL_EXIT_OK)
		return rc;
	rc = api_call(ctl, "GET", path, NULL, &obj, NULL);
	if (rc == CTL_EXIT_OK)
		cmd_print_object(ctl, obj);
	json_decref(obj);
	free(path);
	return rc;
}

int cmd_create(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	json_t *body = NULL, *obj = NULL;
	long long rev = -1;
	char path[64];
	int rc;

	rc = cmd_body(ctl, k, argc, argv, &body);
	if (rc != CTL_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/v1/%s", k->plural);
	rc = api_call(ctl, "POST", path, body, &obj, &rev);
	if (rc == CTL_EXIT_OK) {
		cmd_print_object(ctl, obj);
		fflush(stdout);
		rc = cmd_after_write(ctl, obj, rev);
	}
	json_decref(obj);
	json_decref(body);
	return rc;
}

/* binding_host=/binding_interface= alone must not drop the other member:
 * fills the binding members the update leaves out from the current object. */
static int cmd_merge_binding(struct ctl *ctl, const char *path, json_t *body)
{
	json_t *b = json_object_get(body, "binding"), *cur = NULL, *cb;
	int rc;

	if (!json_is_object(b) || (json_object_get(b, "host") && json_object_get(b, "interface")))
		return CTL_EXIT_OK;
	rc = api_call(ctl, "GET", path, NULL, &cur, NULL);
	if (rc != CTL_EXIT_OK)
		return rc;
	cb = json_object_get(cur, "binding");
	if (json_is_object(cb))
		json_object_update_missing(b, cb);
	json_decref(cur);
	return CTL_EXIT_OK;
}

int cmd_update(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	json_t *body = NULL, *obj = NULL;
	long long rev = -1;
	char *path = NULL;
	int rc;

	if (argc < 1)
		return output_usage_error("usage: tenetctl %s update NAME|ID key=value...", k->name);
	rc = cmd_body(ctl, k, argc - 1, argv + 1, &body);
	if (rc == CTL_EXIT_OK)
		rc = cmd_object_path(ctl, k, argv[0], &path);
	if (rc == CTL_EXIT_OK)
		rc = cmd_merge_binding(ctl, path, body);
	if (rc == CTL_EXIT_OK)
		rc = api_call(ctl, "PATCH", path, body, &obj, &rev);
	if (rc == CTL_EXIT_OK) {
		cmd_print_object(ctl, obj);
		fflush(stdout);
		rc = cmd_after_write(ctl, obj, rev);
	}
	json_decref(obj);
	json_decref(body);
	free(path);
	return rc;
}

int cmd_delete(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	long long rev = -1;
	char *path;
	int rc;

	if (argc != 1)
		return output_usage_error("usage: tenetctl %s delete NAME|ID", k->name);
	rc = cmd_object_path(ctl, k, argv[0], &path);
	if (rc != CTL_EXIT_OK)
		return rc;
	rc = api_call(ctl, "DELETE", path, NULL, NULL, &rev);
	if (rc == CTL_EXIT_OK && ctl->output == CTL_OUT_TABLE)
		printf("deleted %s %s\n", k->name, strrchr(path, '/') + 1);
	if (rc == CTL_EXIT_OK) {
		fflush(stdout);
		rc = cmd_after_write(ctl, NULL, rev);
	}
	free(path);
	return rc;
}

/* tenetctl router add-interface|remove-interface ROUTER SUBNET: Neutron's
 * PUT /v1/routers/ID/{add,remove}_router_interface. */
static int cmd_router_interface(struct ctl *ctl, const struct kind *k, int argc, char **argv,
				bool add)
{
	const char *verb = add ? "add" : "remove";
	char *path = NULL, *sub = NULL, *action = NULL;
	json_t *body = NULL, *obj = NULL;
	long long rev = -1;
	int rc;

	if (strcmp(k->name, "router") != 0 || argc != 2)
		return output_usage_error("usage: tenetctl router %s-interface ROUTER SUBNET",
					  verb);
	rc = cmd_object_path(ctl, k, argv[0], &path);
	if (rc == CTL_EXIT_OK)
		rc = api_resolve(ctl, kind_find("subnet"), argv[1], &sub);
	if (rc == CTL_EXIT_OK && (asprintf(&action, "%s/%s_router_interface", path, verb) < 0 ||
				  !(body = json_pack("{s:s}", "subnet_id", sub)))) {
		action = NULL;
		rc = CTL_EXIT_API;
	}
	if (rc == CTL_EXIT_OK)
		rc = api_call(ctl, "PUT", action, body, &obj, &rev);
	if (rc == CTL_EXIT_OK) {
		if (add)
			cmd_print_object(ctl, obj);
		else if (ctl->output == CTL_OUT_TABLE)
			printf("removed the interface of router %s on subnet %s\n", argv[0],
			       argv[1]);
		fflush(stdout);
		rc = cmd_after_write(ctl, NULL, rev);
	}
	json_decref(obj);
	json_decref(body);
	free(action);
	free(sub);
	free(path);
	return rc;
}

int cmd_router_add_interface(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	return cmd_router_interface(ctl, k, argc, argv, true);
}

int cmd_router_remove_interface(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	return cmd_router_interface(ctl, k, argc, argv, false);
}

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	json_t *obj = NULL;
	int rc;

	if (argc != 0)
		return output_usage_error("unexpected argument '%s' (usage: tenetctl status)", argv[0]);
	rc = api_call(ctl, "GET", "/v1/status", NULL, &obj, NULL);
	if (rc == CTL_EXIT_OK)
		cmd_print_object(ctl, obj);
	json_decref(obj);
	return rc;
}

int cmd_wait(struct ctl *ctl, int argc, char **argv)
{
	json_t *obj = NULL;
	long long rev;
	char *end;
	int rc;

	if (argc != 1)
		return output_usage_error("%s", "usage: tenetctl wait REVISION");
	errno = 0;
	rev = strtoll(argv[0], &end, 10);
	if (errno || end == argv[0] || *end || rev < 0)
		return output_usage_error("invalid revision '%s'", argv[0]);
	rc = api_wait(ctl, rev, &obj);
	if (rc == CTL_EXIT_OK && ctl->output == CTL_OUT_JSON)
		output_json(stdout, obj ? obj : json_null());
	else if (rc == CTL_EXIT_OK)
		printf("revision %lld realised on every affected host\n", rev);
	json_decref(obj);
	return rc;
}
