/* api_observe.c - why was my packet dropped: a port's counters and drops by
 * reason, and a host's (docs/API.md "Observability").
 *
 *   GET /v1/ports/ID/stats   the port's packets, bytes, drops by reason and
 *                            connections allowed by security group
 *   GET /v1/hosts/NAME/drops the host's datapath counters and drops
 *
 * Both answer from this node's southbound view: what the host's agent last
 * reported in STATUS. An agent has its session with one node of a cluster,
 * so in a cluster the node holding the host's session answers; another node
 * answers 404 no_report (its view has nothing from that host): ask the node
 * holding the session (GET /v1/internal/southbound tells which). Reason
 * names come from common/reasons.h. Main thread only. */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/types.h>

#include "reasons.h"
#include "southbound.h"
#include "tenet_abi.h"

/* {"reason_name": count, ...} of a port report's non-zero reasons. */
static json_t *api_observe_port_reasons(const struct southbound_port_info *pi)
{
	json_t *o = json_object();

	for (uint32_t i = 0; i < pi->n_reasons && i < WIRE_PORT_REASONS; i++) {
		const char *name = reasons_name(pi->reasons[i].reason);

		if (name && pi->reasons[i].count)
			json_object_set_new(o, name,
					    json_integer((json_int_t)pi->reasons[i].count));
	}
	return o;
}

/* {"sg_key": flows, ...} of a port report's security group counters: the
 * connections each group's rules let open for the port. */
static json_t *api_observe_port_groups(const struct southbound_port_info *pi)
{
	json_t *o = json_object();
	char key[16];

	for (uint32_t i = 0; i < pi->n_groups && i < WIRE_PORT_GROUPS; i++) {
		snprintf(key, sizeof(key), "%u", pi->groups[i].group);
		json_object_set_new(o, key, json_integer((json_int_t)pi->groups[i].flows));
	}
	return o;
}

static void api_observe_port(struct api *api, struct evhttp_request *req, const char *id)
{
	struct southbound_port_info pi;
	json_t *port = NULL, *out;
	const char *host;
	uint32_t key;
	int rc;

	rc = store_get(api->store, MODEL_PORT, id, &port);
	if (rc == -ENOENT || rc == -EINVAL)
		return api_error(api, req, 404, "not_found", "no such port", "id");
	if (rc < 0)
		return api_error(api, req, 500, "internal_error", "store read failed", NULL);
	key = (uint32_t)json_integer_value(json_object_get(port, "port_key"));
	host = json_string_value(json_object_get(json_object_get(port, "binding"), "host"));
	if (!api->sb || !southbound_port_info(api->sb, key, &pi)) {
		json_decref(port);
		return api_error(api, req, 404, "no_report",
				 "no report from the port's host on this node (unbound, host "
				 "not connected, or its session is with another node)",
				 "id");
	}
	out = json_pack(
	    "{s:O,s:s?,s:b,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "id", json_object_get(port, "id"), "host",
	    host, "up", pi.up, "rx_packets", (json_int_t)pi.rx_packets, "rx_bytes",
	    (json_int_t)pi.rx_bytes, "tx_packets", (json_int_t)pi.tx_packets, "tx_bytes",
	    (json_int_t)pi.tx_bytes, "drops", (json_int_t)pi.drops, "drops_by_reason",
	    api_observe_port_reasons(&pi), "flows_by_group", api_observe_port_groups(&pi));
	json_decref(port);
	if (!out)
		return api_error(api, req, 500, "internal_error", "out of memory", NULL);
	api_reply(api, req, 200, out, store_revision(api->store));
}

static void api_observe_host(struct api *api, struct evhttp_request *req, const char *name)
{
	struct southbound_host_info hi;
	json_t *host = NULL, *counters, *drops, *out;
	uint64_t total = 0;
	int rc;

	rc = store_get(api->store, MODEL_HOST, name, &host);
	json_decref(host);
	if (rc == -ENOENT || rc == -EINVAL)
		return api_error(api, req, 404, "not_found", "no such host", "name");
	if (rc < 0)
		return api_error(api, req, 500, "internal_error", "store read failed", NULL);
	if (!api->sb || !southbound_host_info(api->sb, name, &hi) || !hi.n_stats)
		return api_error(api, req, 404, "no_report",
				 "no counters from this host on this node (not connected, or "
				 "its session is with another node)",
				 "name");
	counters = json_object();
	drops = json_object();
	for (uint32_t s = 0; s < hi.n_stats && s < reasons_count(); s++) {
		json_t *into = reasons_is_drop(s) ? drops : counters;

		if (reasons_is_drop(s))
			total += hi.stats[s];
		json_object_set_new(into, reasons_name(s), json_integer((json_int_t)hi.stats[s]));
	}
	out = json_pack("{s:s,s:b,s:o,s:I,s:o}", "host", name, "connected", hi.connected,
			"counters", counters, "drops", (json_int_t)total, "drops_by_reason", drops);
	if (!out)
		return api_error(api, req, 500, "internal_error", "out of memory", NULL);
	api_reply(api, req, 200, out, store_revision(api->store));
}

/* A port that had spoof_mac drops this recently "saw a wrong MAC". */
#define API_OBSERVE_SPOOF_RECENT_MS 60000

void api_observe_port_reason(struct api *api, json_t *obj, const char *host,
			     const struct southbound_port_info *pi)
{
	const char *status = json_string_value(json_object_get(obj, "status"));
	struct southbound_host_info hi;
	const char *why = NULL;
	bool host_known;

	host_known = host && host[0] && api->sb && southbound_host_info(api->sb, host, &hi);
	if (status && strcmp(status, "BINDING_FAILED") == 0)
		why = "host_not_enrolled";
	else if (!host || !host[0])
		why = "unbound";
	else if (!host_known || !hi.connected)
		why = "host_disconnected";
	else if (!pi || hi.acked_rev < hi.dirty_rev)
		why = "not_realised";
	else if (!pi->up)
		why = "no_link";
	else if (pi->spoof_mac_ms && zclock_time() - pi->spoof_mac_ms < API_OBSERVE_SPOOF_RECENT_MS)
		why = "wrong_mac_seen";
	json_object_set_new(obj, "status_reason", why ? json_string(why) : json_null());
}

void api_observe_merge_reason(json_t *obj, bool up)
{
	const char *why = json_string_value(json_object_get(obj, "status_reason"));

	if (why && strcmp(why, "host_not_enrolled") == 0)
		return; /* BINDING_FAILED stays what it is */
	if (!up)
		json_object_set_new(obj, "status_reason", json_string("no_link"));
	else if (why && (strcmp(why, "host_disconnected") == 0 ||
			 strcmp(why, "not_realised") == 0 || strcmp(why, "no_link") == 0))
		json_object_set_new(obj, "status_reason", json_null());
}

/* Matches /v1/<collection>/<id>/<leaf>; copies id. */
static bool api_observe_match(const char *path, const char *collection, const char *leaf, char *id,
			      size_t size)
{
	size_t nc = strlen(collection), nl = strlen(leaf), n;
	const char *p;

	if (strncmp(path, "/v1/", 4) != 0 || strncmp(path + 4, collection, nc) != 0 ||
	    path[4 + nc] != '/')
		return false;
	p = path + 5 + nc;
	n = strlen(p);
	if (n <= nl + 1 || strcmp(p + n - nl, leaf) != 0 || p[n - nl - 1] != '/')
		return false;
	n -= nl + 1;
	if (n >= size || memchr(p, '/', n))
		return false;
	memcpy(id, p, n);
	id[n] = '\0';
	return true;
}

bool api_observe_route(struct api *api, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char id[128];
	bool port;

	if (!path)
		return false;
	port = api_observe_match(path, "ports", "stats", id, sizeof(id));
	if (!port && !api_observe_match(path, "hosts", "drops", id, sizeof(id)))
		return false;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		api_error(api, req, 405, "method_not_allowed", "GET only", NULL);
	} else if (port) {
		api_observe_port(api, req, id);
	} else {
		api_observe_host(api, req, id);
	}
	return true;
}
