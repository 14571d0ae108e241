/* api_migrate.c - the migration and drain actions of the REST API:
 *   POST /v1/ports/{id}/migrate           {"host", "activate", "timeout_ms", "grace_ms"}
 *   POST /v1/ports/{id}/migrate/activate  explicit activation (standby)
 *   POST /v1/ports/{id}/migrate/abort     roll back (pending, standby)
 *   POST /v1/hosts/{id}/drain             {"activate"} migrate every port away
 *   POST /v1/hosts/{id}/undrain
 * Each is one STORE_OP_MIGRATE command through Raft (store_migrate.c),
 * conditional on the phase it leaves: 202 with the port (or host) as
 * stored. What the store cannot know (whether the target's agent is
 * connected, and whether what it announced can carry the port's network:
 * migrate_req.h) is checked here, before proposing, against the cluster's
 * view (the request is served once the other nodes' views are gathered).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "api_int.h"
#include "migrate_driver.h"
#include "migrate_req.h"
#include "southbound.h"
#include "store.h"

#define API_MIG_TIMEOUT_MAX 3600000 /* ms */
#define API_MIG_GRACE_MAX   600000  /* ms */

static const char *am_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Reads optional integer member k of body in [lo, hi] into *v (left as is
 * when absent); false (error sent) when out of range or not an integer. */
static bool am_int(struct api *api, struct evhttp_request *req, const json_t *body, const char *k,
		   int64_t lo, int64_t hi, int64_t *v)
{
	const json_t *j = json_object_get(body, k);
	char msg[96];

	if (!j)
		return true;
	if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi) {
		snprintf(msg, sizeof(msg), "%s must be an integer from %lld to %lld", k,
			 (long long)lo, (long long)hi);
		api_error(api, req, 422, "invalid_value", msg, k);
		return false;
	}
	*v = json_integer_value(j);
	return true;
}

/* Finds host by name or by host_id; on success *out is its object, decorated
 * with its state (connected or not, as this node and its peers know). */
static int am_host(struct api *api, const char *want, json_t **out)
{
	json_t *list = NULL, *h;
	size_t i;
	char *end;
	unsigned long id;

	if (store_get(api->store, MODEL_HOST, want, out) == 0)
		return 0;
	id = strtoul(want, &end, 10);
	if (!want[0] || *end || store_list(api->store, MODEL_HOST, NULL, &list) < 0)
		return -ENOENT;
	*out = NULL;
	json_array_foreach(list, i, h)
	{
		if (json_integer_value(json_object_get(h, "host_id")) == (json_int_t)id) {
			*out = json_incref(h);
			break;
		}
	}
	json_decref(list);
	return *out ? 0 : -ENOENT;
}

/* Proposes a migration step of port (as stored) built with migrate_cmd. */
static void am_step(struct api *api, struct evhttp_request *req, const char *id, const json_t *mj,
		    enum topo_mig_phase to, const char *reason, const char *target, bool activate,
		    int64_t timeout_ms, int64_t grace_ms)
{
	enum topo_mig_phase from = topo_mig_phase_parse(am_str(mj, "phase"));
	uint32_t gen = (uint32_t)json_integer_value(json_object_get(mj, "generation"));
	void *cmd;
	size_t len;

	if (!api->raft)
		return api_error(api, req, 503, "unavailable", "this node is shutting down", NULL);
	if (migrate_cmd(id, from, to == TOPO_MIG_PENDING ? gen + 1 : gen, to, migrate_now_ms(),
			reason, 0, target, activate, timeout_ms, grace_ms, &cmd, &len) < 0)
		return api_error(api, req, 500, "internal_error", "cannot encode command", NULL);
	api_propose(api, req, STORE_OP_MIGRATE, MODEL_PORT, id, cmd, len);
	free(cmd);
}

/* True when the port's network goes by Geneve (its encapsulation field, or
 * the deployment's default). */
static bool am_geneve(struct api *api, const json_t *port)
{
	json_t *net = NULL;
	enum model_encap enc = MODEL_ENCAP_DEFAULT;

	if (store_get(api->store, MODEL_NETWORK, am_str(port, "network_id"), &net) == 0)
		enc = model_encap_parse(json_string_value(json_object_get(net, "encapsulation")));
	json_decref(net);
	return enc == MODEL_ENCAP_GENEVE ||
	       (enc == MODEL_ENCAP_DEFAULT && southbound_geneve_default(api->sb));
}

/* Checks that target (decorated host) can carry port's network, moving from
 * the host it is bound to; false with a 409 naming the requirement. */
static bool am_requirements(struct api *api, struct evhttp_request *req, const json_t *port,
			    const json_t *target)
{
	struct migrate_caps src = {0}, dst;
	const char *field = NULL;
	json_t *source = NULL;
	char why[240];

	if (am_host(api, am_str(json_object_get(port, "binding"), "host"), &source) == 0) {
		source = api_decorate(api, MODEL_HOST, source);
		migrate_caps_parse(json_object_get(source, "capabilities"), &src);
		json_decref(source);
	}
	migrate_caps_parse(json_object_get(target, "capabilities"), &dst);
	if (migrate_req_check(&src, &dst, am_geneve(api, port), am_str(target, "name"), &field, why,
			      sizeof(why)) == 0)
		return true;
	api_error(api, req, 409, "host_lacks_requirement", why, field);
	return false;
}

static void am_migrate(struct api *api, struct evhttp_request *req, const char *id,
		       const json_t *port)
{
	int64_t timeout_ms = MIGRATE_TIMEOUT_MS, grace_ms = MIGRATE_GRACE_MS;
	const json_t *mj = json_object_get(port, "migration"), *act;
	json_t *body = NULL, *host = NULL;
	char name[TOPO_HOST_MAX], msg[200];

	if (!api_body(api, req, &body))
		return;
	act = json_object_get(body, "activate");
	if (!json_is_string(json_object_get(body, "host"))) {
		api_error(api, req, 422, "invalid_value", "host (a host name or id) is required",
			  "host");
		goto out;
	}
	if (act && !json_is_boolean(act)) {
		api_error(api, req, 422, "invalid_value", "activate must be a boolean", "activate");
		goto out;
	}
	if (!am_int(api, req, body, "timeout_ms", 100, API_MIG_TIMEOUT_MAX, &timeout_ms) ||
	    !am_int(api, req, body, "grace_ms", 0, API_MIG_GRACE_MAX, &grace_ms))
		goto out;
	if (am_host(api, am_str(body, "host"), &host) < 0) {
		snprintf(msg, sizeof(msg), "no host %.63s", am_str(body, "host"));
		api_error(api, req, 422, "unknown_host", msg, "host");
		goto out;
	}
	snprintf(name, sizeof(name), "%s", am_str(host, "name"));
	host = api_decorate(api, MODEL_HOST, host);
	if (strcmp(am_str(host, "state"), "connected") != 0) {
		snprintf(msg, sizeof(msg),
			 "host %.63s is down: its agent is not connected (or its heartbeat is "
			 "stale)",
			 name);
		api_error(api, req, 409, "host_down", msg, "host");
		goto out;
	}
	if (!am_requirements(api, req, port, host))
		goto out;
	am_step(api, req, id, mj, TOPO_MIG_PENDING, NULL, name, json_is_true(act), timeout_ms,
		grace_ms);
out:
	json_decref(host);
	json_decref(body);
}

static void am_port(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	const char *sub = strncmp(r->action, "migrate/", 8) == 0 ? r->action + 8 : NULL;
	enum topo_mig_phase ph;
	const json_t *mj;
	json_t *port = NULL;
	char msg[160];

	if (strcmp(r->action, "migrate") != 0 &&
	    (!sub || (strcmp(sub, "activate") != 0 && strcmp(sub, "abort") != 0)))
		return api_error(api, req, 404, "not_found", "no such action", NULL);
	if (store_get(api->store, MODEL_PORT, r->id, &port) < 0)
		return api_error(api, req, 404, "not_found", "no such port", "id");
	mj = json_object_get(port, "migration");
	ph = topo_mig_phase_parse(am_str(mj, "phase"));
	if (!sub) {
		am_migrate(api, req, r->id, port);
	} else if (!topo_mig_in_progress(ph)) {
		api_error(api, req, 409, "no_migration", "the port has no migration under way",
			  "migration");
	} else if (strcmp(sub, "activate") == 0) {
		if (ph == TOPO_MIG_ACTIVE_BOTH)
			api_error(api, req, 409, "already_active", "the migration is active",
				  "migration");
		else
			am_step(api, req, r->id, mj, TOPO_MIG_ACTIVE_BOTH, NULL, NULL, false, 0, 0);
	} else if (ph == TOPO_MIG_ACTIVE_BOTH) {
		snprintf(msg, sizeof(msg),
			 "generation %lld is active on %.63s: too late to abort; it completes",
			 (long long)json_integer_value(json_object_get(mj, "generation")),
			 am_str(mj, "target_host"));
		api_error(api, req, 409, "already_active", msg, "migration");
	} else {
		am_step(api, req, r->id, mj, TOPO_MIG_ROLLED_BACK, "aborted", NULL, false, 0, 0);
	}
	json_decref(port);
}

/* The number of ports bound to host. */
static size_t am_bound(struct api *api, const char *host)
{
	json_t *f = json_pack("{s:s}", "binding_host", host), *list = NULL;
	size_t n = 0;

	if (f && store_list(api->store, MODEL_PORT, f, &list) == 0)
		n = json_array_size(list);
	json_decref(list);
	json_decref(f);
	return n;
}

static void am_drain(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	bool drain = strcmp(r->action, "drain") == 0;
	json_t *host = NULL, *body = NULL, *d = NULL;
	void *cmd;
	size_t len;

	if (!drain && strcmp(r->action, "undrain") != 0)
		return api_error(api, req, 404, "not_found", "no such action", NULL);
	if (am_host(api, r->id, &host) < 0)
		return api_error(api, req, 404, "not_found", "no such host", "id");
	if (drain && evbuffer_get_length(evhttp_request_get_input_buffer(req)) &&
	    !api_body(api, req, &body))
		goto out;
	if (drain) {
		const json_t *act = json_object_get(body, "activate");

		if (act && !json_is_boolean(act)) {
			api_error(api, req, 422, "invalid_value", "activate must be a boolean",
				  "activate");
			goto out;
		}
		d = json_pack("{s:s,s:b,s:I,s:I,s:i,s:i}", "state", "draining", "activate",
			      json_is_true(act), "started_at", (json_int_t)migrate_now_ms(),
			      "ports_total", (json_int_t)am_bound(api, am_str(host, "name")),
			      "ports_moved", 0, "ports_failed", 0);
		if (!d) {
			api_error(api, req, 500, "internal_error", "out of memory", NULL);
			goto out;
		}
	}
	if (!api->raft) {
		api_error(api, req, 503, "unavailable", "this node is shutting down", NULL);
		goto out;
	}
	if (migrate_drain_cmd(am_str(host, "name"), d, &cmd, &len) < 0) {
		api_error(api, req, 500, "internal_error", "cannot encode command", NULL);
		goto out;
	}
	api_propose(api, req, STORE_OP_MIGRATE, MODEL_HOST, am_str(host, "name"), cmd, len);
	free(cmd);
out:
	json_decref(d);
	json_decref(body);
	json_decref(host);
}

void api_migrate_action(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	if (r->kind == MODEL_PORT)
		am_port(api, req, r);
	else
		am_drain(api, req, r);
}
