/* tenant.c - tenetctl tenant clone|export|import: a tenant's whole
 * topology at once (POST /v1/tenants/ID/clone, GET /v1/tenants/ID/export,
 * POST /v1/tenants/import; docs/CLI.md). */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* Parses "a=b,c=d" into obj (numbers as integers when ints). Returns 0 or
 * -EINVAL. */
static int tenant_map(const char *text, bool ints, json_t *obj)
{
	char *dup = strdup(text), *save = NULL, *tok;
	int rc = 0;

	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		long long v;

		if (!eq || eq == tok || !eq[1]) {
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		if (!ints) {
			json_object_set_new(obj, tok, json_string(eq + 1));
			continue;
		}
		v = strtoll(eq + 1, &end, 10);
		if (*end || v < 1 || v > 0xffffff)
			rc = -EINVAL;
		else
			json_object_set_new(obj, tok, json_integer(v));
	}
	free(dup);
	return rc;
}

/* Prints a clone's or an import's answer. */
static void tenant_print(struct ctl *ctl, json_t *out, const char *what)
{
	const json_t *ten = json_object_get(out, "tenant");
	const char *k;
	json_t *v;

	if (ctl->output == CTL_OUT_JSON) {
		output_json(stdout, out);
		return;
	}
	if (json_is_true(json_object_get(out, "unchanged"))) {
		printf("tenant %s (%s) already holds this document: nothing changed\n",
		       json_string_value(json_object_get(out, "name")),
		       json_string_value(json_object_get(out, "tenant_id")));
		return;
	}
	printf("%s tenant %s (%s):", what, json_string_value(json_object_get(ten, "name")),
	       json_string_value(json_object_get(ten, "id")));
	json_object_foreach(json_object_get(out, "counts"), k, v)
	    printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
}

/* After a clone or import: --wait for its revision. */
static int tenant_wait(struct ctl *ctl, long long rev)
{
	if (!ctl->wait)
		return CTL_EXIT_OK;
	return api_wait(ctl, rev, NULL);
}

int cmd_tenant_clone(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	json_t *body = json_object(), *bind = json_object(), *out = NULL;
	const char *pos[2] = {NULL, NULL}, *v;
	char *id = NULL, path[128];
	long long rev = -1;
	int np = 0, rc = CTL_EXIT_USAGE;

	if (!body || !bind)
		goto out;
	for (int i = 0; i < argc; i++) {
		if ((v = cmd_opt(argc, argv, &i, "--bind", NULL))) {
			if (tenant_map(v, false, bind) < 0) {
				output_usage_error("error: --bind takes old=new[,old=new...]");
				goto out;
			}
		} else if (strcmp(argv[i], "--bind-ports") == 0) {
			json_object_set_new(body, "bind_ports", json_true());
		} else if (argv[i][0] != '-' && np < 2) {
			pos[np++] = argv[i];
		} else {
			output_usage_error(
			    "usage: tenetctl tenant clone SRC NEW [--bind old=new,...] "
			    "[--bind-ports]");
			goto out;
		}
	}
	if (np != 2) {
		output_usage_error(
		    "usage: tenetctl tenant clone SRC NEW [--bind old=new,...] [--bind-ports]");
		goto out;
	}
	rc = api_resolve(ctl, k, pos[0], &id);
	if (rc != CTL_EXIT_OK)
		goto out;
	json_object_set_new(body, "name", json_string(pos[1]));
	if (json_object_size(bind))
		json_object_set(body, "bind", bind);
	snprintf(path, sizeof(path), "/v1/tenants/%s/clone", id);
	rc = api_call(ctl, "POST", path, body, &out, &rev);
	if (rc == CTL_EXIT_OK) {
		tenant_print(ctl, out, "cloned into");
		fflush(stdout);
		rc = tenant_wait(ctl, rev);
	}
out:
	free(id);
	json_decref(out);
	json_decref(bind);
	json_decref(body);
	return rc;
}

int cmd_tenant_export(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	const char *file = NULL, *name = NULL;
	json_t *out = NULL;
	char *id = NULL, path[128];
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *v = cmd_opt(argc, argv, &i, "-o", NULL);

		if (!v)
			v = cmd_opt(argc, argv, &i, "--output", NULL);
		if (v)
			file = v;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else
			return output_usage_error("usage: tenetctl tenant export TENANT [-o FILE]");
	}
	if (!name)
		return output_usage_error("usage: tenetctl tenant export TENANT [-o FILE]");
	rc = api_resolve(ctl, k, name, &id);
	if (rc != CTL_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/v1/tenants/%s/export", id);
	rc = api_call(ctl, "GET", path, NULL, &out, NULL);
	if (rc == CTL_EXIT_OK) {
		FILE *f = file && strcmp(file, "-") ? fopen(file, "w") : stdout;

		if (!f) {
			fprintf(stderr, "error: cannot write %s: %s\n", file, strerror(errno));
			rc = CTL_EXIT_USAGE;
		} else {
			json_dumpf(out, f, JSON_INDENT(2) | JSON_SORT_KEYS);
			fputc('\n', f);
			if (f != stdout && fclose(f) != 0) {
				fprintf(stderr, "error: cannot write %s\n", file);
				rc = CTL_EXIT_USAGE;
			}
		}
	}
	free(id);
	json_decref(out);
	return rc;
}

int cmd_tenant_import(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	static const char usage[] = "usage: tenetctl tenant import FILE [--tenant NAME] "
				    "[--name-prefix P] [--vni-map old=new,...|auto] "
				    "[--host-map old=new,...] [--no-bind]";
	json_t *body = json_object(), *rebind = json_object(), *doc = NULL, *out = NULL, *m;
	const char *file = NULL, *v;
	json_error_t je;
	long long rev = -1;
	int rc = CTL_EXIT_USAGE, status = 0;

	(void)k;
	if (!body || !rebind)
		goto out;
	for (int i = 0; i < argc; i++) {
		if ((v = cmd_opt(argc, argv, &i, "--tenant", NULL))) {
			json_object_set_new(body, "tenant", json_string(v));
		} else if ((v = cmd_opt(argc, argv, &i, "--name-prefix", NULL))) {
			json_object_set_new(rebind, "name_prefix", json_string(v));
		} else if ((v = cmd_opt(argc, argv, &i, "--vni-map", NULL))) {
			if (strcmp(v, "auto") == 0) {
				json_object_set_new(rebind, "vni", json_string("auto"));
				continue;
			}
			m = json_object();
			if (!m || tenant_map(v, true, m) < 0) {
				json_decref(m);
				output_usage_error("error: --vni-map takes old=new[,...] or auto");
				goto out;
			}
			json_object_set_new(rebind, "vni", m);
		} else if ((v = cmd_opt(argc, argv, &i, "--host-map", NULL))) {
			m = json_object();
			if (!m || tenant_map(v, false, m) < 0) {
				json_decref(m);
				output_usage_error("error: --host-map takes old=new[,...]");
				goto out;
			}
			json_object_set_new(rebind, "hosts", m);
		} else if (strcmp(argv[i], "--no-bind") == 0) {
			json_object_set_new(body, "bind_ports", json_false());
		} else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && !file) {
			file = argv[i];
		} else {
			output_usage_error("%s", usage);
			goto out;
		}
	}
	if (!file) {
		output_usage_error("%s", usage);
		goto out;
	}
	doc = strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &je) : json_load_file(file, 0, &je);
	if (!doc) {
		fprintf(stderr, "error: %s: %s (line %d)\n", file, je.text, je.line);
		goto out;
	}
	json_object_set(body, "document", doc);
	if (json_object_size(rebind))
		json_object_set(body, "rebind", rebind);
	rc = api_request(ctl, "POST", "/v1/tenants/import", body, &status, &out, &rev);
	if (rc != CTL_EXIT_OK)
		goto out;
	if (status >= 400) {
		api_print_error(status, out);
		rc = CTL_EXIT_API;
		goto out;
	}
	tenant_print(ctl, out, "imported as");
	fflush(stdout);
	rc = tenant_wait(ctl, rev);
out:
	json_decref(out);
	json_decref(doc);
	json_decref(rebind);
	json_decref(body);
	return rc;
}
