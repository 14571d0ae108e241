/* migrate.c - tenetctl port migrate|migrate-activate|migrate-abort and
 * host drain|undrain -> POST /v1/ports/ID/migrate[/activate|/abort],
 * /v1/hosts/ID/drain|undrain. With --wait, polls the port (host) until the
 * migration ends (the drain is done), printing each phase (progress). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "commands.h"
#include "output.h"

#define MIGRATE_USAGE                                                                              \
	"usage: tenetctl port migrate PORT --to HOST [--activate] [--timeout MS] [--grace MS] "    \
	"[--wait]"
#define MIGRATE_POLL_US 50000

static const char *mc_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int64_t mc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "/v1/<plural>/<id>" of name into path (size n). */
static int mc_path(struct ctl *ctl, const char *kind, const char *name, char *path, size_t n)
{
	const struct kind *k = kind_find(kind);
	char *id = NULL;
	int rc;

	rc = api_resolve(ctl, k, name, &id);
	if (rc != CTL_EXIT_OK)
		return rc;
	snprintf(path, n, "/v1/%s/%s", k->plural, id);
	free(id);
	return CTL_EXIT_OK;
}

static void mc_print_migration(struct ctl *ctl, json_t *obj)
{
	const json_t *m = json_object_get(obj, "migration");

	if (ctl->output == CTL_OUT_JSON) {
		output_json(stdout, obj);
		return;
	}
	printf("port %s generation %lld: %s -> %s, %s%s%s\n", mc_str(obj, "id"),
	       (long long)json_integer_value(json_object_get(m, "generation")),
	       mc_str(m, "source_host"), mc_str(m, "target_host"), mc_str(m, "phase"),
	       json_is_string(json_object_get(m, "reason")) ? ": " : "", mc_str(m, "reason"));
	fflush(stdout);
}

/* Polls path until the migration of generation gen ends. CTL_EXIT_OK when
 * done, CTL_EXIT_API when rolled back, CTL_EXIT_PENDING on timeout. */
static int mc_wait_port(struct ctl *ctl, const char *path, json_int_t gen)
{
	int64_t end = mc_now_ms() + (int64_t)ctl->timeout_sec * 1000;
	char last[32] = "";
	int rc;

	while (mc_now_ms() < end) {
		json_t *obj = NULL;
		const json_t *m;
		const char *ph;

		rc = api_call(ctl, "GET", path, NULL, &obj, NULL);
		if (rc != CTL_EXIT_OK)
			return rc;
		m = json_object_get(obj, "migration");
		ph = mc_str(m, "phase");
		if (json_integer_value(json_object_get(m, "generation")) == gen &&
		    strcmp(ph, last) != 0) {
			snprintf(last, sizeof(last), "%s", ph);
			if (ctl->output == CTL_OUT_TABLE)
				mc_print_migration(ctl, obj);
		}
		if (strcmp(last, "done") == 0 || strcmp(last, "rolled-back") == 0) {
			if (ctl->output == CTL_OUT_JSON)
				output_json(stdout, obj);
			json_decref(obj);
			return strcmp(last, "done") == 0 ? CTL_EXIT_OK : CTL_EXIT_API;
		}
		json_decref(obj);
		usleep(MIGRATE_POLL_US);
	}
	fprintf(stderr, "error: the migration did not end within %d s\n", ctl->timeout_sec);
	return CTL_EXIT_PENDING;
}

static int mc_ms(const char *s, json_int_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int cmd_port_migrate(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	const char *port = NULL, *to = NULL, *v;
	json_int_t timeout = -1, grace = -1;
	json_t *body = NULL, *obj = NULL;
	char path[256], action[300];
	bool activate = false;
	int rc, bad = 0;

	(void)k;
	for (int i = 0; i < argc; i++) {
		if ((v = cmd_opt(argc, argv, &i, "--to", &bad)))
			to = v;
		else if ((v = cmd_opt(argc, argv, &i, "--timeout", &bad)))
			bad |= mc_ms(v, &timeout) < 0;
		else if ((v = cmd_opt(argc, argv, &i, "--grace", &bad)))
			bad |= mc_ms(v, &grace) < 0;
		else if (strcmp(argv[i], "--activate") == 0)
			activate = true;
		else if (argv[i][0] != '-' && !port)
			port = argv[i];
		else
			bad = 1;
		if (bad)
			break;
	}
	if (bad || !port || !to)
		return output_usage_error("%s", MIGRATE_USAGE);
	rc = mc_path(ctl, "port", port, path, sizeof(path));
	if (rc != CTL_EXIT_OK)
		return rc;
	body = json_pack("{s:s,s:b}", "host", to, "activate", activate);
	if (body && timeout >= 0)
		json_object_set_new(body, "timeout_ms", json_integer(timeout));
	if (body && grace >= 0)
		json_object_set_new(body, "grace_ms", json_integer(grace));
	snprintf(action, sizeof(action), "%s/migrate", path);
	rc = body ? api_call(ctl, "POST", action, body, &obj, NULL) : CTL_EXIT_API;
	if (rc == CTL_EXIT_OK && !ctl->wait)
		mc_print_migration(ctl, obj);
	if (rc == CTL_EXIT_OK && ctl->wait)
		rc = mc_wait_port(ctl, path,
				  json_integer_value(json_object_get(
				      json_object_get(obj, "migration"), "generation")));
	json_decref(obj);
	json_decref(body);
	return rc;
}

static int mc_port_step(struct ctl *ctl, int argc, char **argv, const char *step)
{
	char path[256], action[300];
	json_t *obj = NULL, *body;
	int rc;

	if (argc != 1)
		return output_usage_error("usage: tenetctl port migrate-%s PORT", step);
	rc = mc_path(ctl, "port", argv[0], path, sizeof(path));
	if (rc != CTL_EXIT_OK)
		return rc;
	snprintf(action, sizeof(action), "%s/migrate/%s", path, step);
	body = json_object();
	rc = api_call(ctl, "POST", action, body, &obj, NULL);
	if (rc == CTL_EXIT_OK)
		mc_print_migration(ctl, obj);
	json_decref(body);
	json_decref(obj);
	return rc;
}

int cmd_port_migrate_activate(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	(void)k;
	return mc_port_step(ctl, argc, argv, "activate");
}

int cmd_port_migrate_abort(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	(void)k;
	return mc_port_step(ctl, argc, argv, "abort");
}

static void mc_print_drain(struct ctl *ctl, json_t *obj)
{
	const json_t *d = json_object_get(obj, "drain");

	if (ctl->output == CTL_OUT_JSON) {
		output_json(stdout, obj);
		return;
	}
	if (!json_is_object(d)) {
		printf("host %s: not drained\n", mc_str(obj, "name"));
		return;
	}
	printf("host %s: %s, %lld of %lld ports moved, %lld failed%s%s\n", mc_str(obj, "name"),
	       mc_str(d, "state"), (long long)json_integer_value(json_object_get(d, "ports_moved")),
	       (long long)json_integer_value(json_object_get(d, "ports_total")),
	       (long long)json_integer_value(json_object_get(d, "ports_failed")),
	       json_is_string(json_object_get(d, "reason")) ? ": " : "", mc_str(d, "reason"));
	fflush(stdout);
}

/* Polls host path until its drain is done, printing progress changes. */
static int mc_wait_drain(struct ctl *ctl, const char *path)
{
	int64_t end = mc_now_ms() + (int64_t)ctl->timeout_sec * 1000;
	char *last = NULL;
	int rc = CTL_EXIT_PENDING;

	while (mc_now_ms() < end) {
		json_t *obj = NULL, *d;
		char *now;

		rc = api_call(ctl, "GET", path, NULL, &obj, NULL);
		if (rc != CTL_EXIT_OK)
			break;
		d = json_object_get(obj, "drain");
		now = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (now && (!last || strcmp(now, last) != 0) && ctl->output == CTL_OUT_TABLE)
			mc_print_drain(ctl, obj);
		free(last);
		last = now;
		if (!json_is_object(d) || strcmp(mc_str(d, "state"), "drained") == 0) {
			if (ctl->output == CTL_OUT_JSON)
				output_json(stdout, obj);
			rc = json_integer_value(json_object_get(d, "ports_failed")) ? CTL_EXIT_API
										    : CTL_EXIT_OK;
			json_decref(obj);
			free(last);
			return rc;
		}
		json_decref(obj);
		rc = CTL_EXIT_PENDING;
		usleep(MIGRATE_POLL_US * 4);
	}
	free(last);
	if (rc == CTL_EXIT_PENDING)
		fprintf(stderr, "error: the drain did not end within %d s\n", ctl->timeout_sec);
	return rc;
}

static int mc_drain(struct ctl *ctl, int argc, char **argv, bool drain)
{
	char path[256], action[300];
	json_t *obj = NULL, *body = json_object();
	int rc;

	if (argc == 2 && drain && strcmp(argv[1], "--activate") == 0)
		json_object_set_new(body, "activate", json_true());
	else if (argc != 1)
		return json_decref(body), output_usage_error("usage: tenetctl host %s HOST%s",
							     drain ? "drain" : "undrain",
							     drain ? " [--activate] [--wait]" : "");
	rc = mc_path(ctl, "host", argv[0], path, sizeof(path));
	if (rc == CTL_EXIT_OK) {
		snprintf(action, sizeof(action), "%s/%s", path, drain ? "drain" : "undrain");
		rc = api_call(ctl, "POST", action, body, &obj, NULL);
	}
	if (rc == CTL_EXIT_OK && drain && ctl->wait)
		rc = mc_wait_drain(ctl, path);
	else if (rc == CTL_EXIT_OK)
		mc_print_drain(ctl, obj);
	json_decref(body);
	json_decref(obj);
	return rc;
}

int cmd_host_drain(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	(void)k;
	return mc_drain(ctl, argc, argv, true);
}

int cmd_host_undrain(struct ctl *ctl, const struct kind *k, int argc, char **argv)
{
	(void)k;
	return mc_drain(ctl, argc, argv, false);
}
