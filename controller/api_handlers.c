/* api_handlers.c - the REST resources: CRUD, status, wait, changes (see
 * docs/API.md). */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "southbound.h"


/* A deferred GET /v1/wait. */
struct api_wait {
	struct api *api;	    /* the server */
	struct evhttp_request *req; /* the request to answer */
	uint64_t rev;		    /* the revision waited for */
};

/* Parses a decimal uint64 (digits only). */
static int api_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || strlen(s) > 20 || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno ? -EINVAL : 0;
}

/* Parses the query string into q; false (400 sent) when malformed or when a
 * key is not among allowed (NULL-terminated), or, with kind >= 0, not a
 * filter of kind (model_filter_known): a filter the API cannot evaluate is
 * refused, never answered with an empty list. */
static bool api_query(struct api *api, struct evhttp_request *req, const char *const *allowed,
		      int kind, struct evkeyvalq *q)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyval *kv;

	TAILQ_INIT(q);
	if (query && evhttp_parse_query_str(query, q) < 0) {
		api_error(api, req, 400, "invalid_query", "malformed query string", NULL);
		return false;
	}
	TAILQ_FOREACH(kv, q, next)
	{
		const char *const *a = allowed;

		if (strcmp(kv->key, "consistent") == 0)
			continue; /* api_consistent's */
		while (a && *a && strcmp(*a, kv->key) != 0)
			a++;
		if (kind >= 0 ? !model_filter_known(kind, kv->key) : !*a) {
			api_error(api, req, 400, "invalid_query",
				  kind >= 0 && model_field_known(kind, kv->key)
				      ? "this field cannot be used as a filter"
				      : "unknown query parameter",
				  kv->key);
			evhttp_clear_headers(q);
			return false;
		}
	}
	return true;
}

void api_list(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	uint64_t rev = store_revision(api->store);
	struct evkeyvalq q;
	struct evkeyval *kv;
	json_t *filter, *list, *obj;
	size_t i;
	int rc;

	if (!api_query(api, req, NULL, (int)r->kind, &q))
		return;
	filter = json_object();
	rc = filter ? 0 : -ENOMEM;
	TAILQ_FOREACH(kv, &q, next)
	{
		if (strcmp(kv->key, "consistent") == 0)
			continue;
		if (rc == 0 && json_object_set_new(filter, kv->key, json_string(kv->value)) < 0)
			rc = -EINVAL; /* not UTF-8 */
	}
	evhttp_clear_headers(&q);
	if (rc < 0) {
		json_decref(filter);
		return api_error(api, req, 400, "invalid_query", "filter values must be UTF-8",
				 NULL);
	}
	/* filtered after decoration: status and state are filters too */
	rc = store_list(api->store, r->kind, NULL, &list);
	if (rc < 0) {
		json_decref(filter);
		return api_error(api, req, 500, "internal_error", "store read failed", NULL);
	}
	for (i = 0; i < json_array_size(list);) {
		const char *key;
		json_t *want;
		bool keep = true;

		obj = api_decorate(api, r->kind, json_array_get(list, i));
		json_object_foreach(filter, key, want)
		{
			keep =
			    keep && model_filter_match(r->kind, obj, key, json_string_value(want));
		}
		if (keep)
			i++;
		else
			json_array_remove(list, i);
	}
	json_decref(filter);
	api_reply(api, req, 200, json_pack("{s:o}", model_kind_plural(r->kind), list), rev);
}

void api_show(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	uint64_t rev = store_revision(api->store);
	json_t *obj;
	int rc;

	rc = store_get(api->store, r->kind, r->id, &obj);
	if (rc == -ENOENT || rc == -EINVAL)
		return api_error(api, req, 404, "not_found", "no such object", "id");
	if (rc < 0)
		return api_error(api, req, 500, "internal_error", "store read failed", NULL);
	api_reply(api, req, 200, api_decorate(api, r->kind, obj), rev);
}

/* Chooses the id of a new object: a fresh UUID, or a host's name. */
static void api_new_id(enum model_kind kind, const json_t *body, char *id, size_t size)
{
	const char *name = json_string_value(json_object_get(body, "name"));

	if (kind != MODEL_HOST)
		api_uuid(id);
	else
		snprintf(id, size, "%s", name && model_host_name_valid(name) ? name : "");
}

void api_write(struct api *api, struct evhttp_request *req, enum store_op op,
	       const struct api_route *r)
{
	const char *idem =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
	char id[MODEL_UUID_LEN + MODEL_HOST_NAME_MAX + 2];
	struct model_error verr = {0};
	json_t *body = NULL;
	char *text = NULL;

	if (idem && strlen(idem) > API_IDEM_MAX)
		return api_error(api, req, 400, "invalid_header", "Idempotency-Key too long",
				 "Idempotency-Key");
	if (op == STORE_OP_UPDATE || op == STORE_OP_DELETE) {
		if (strlen(r->id) > MODEL_HOST_NAME_MAX || !r->id[0])
			return api_error(api, req, 404, "not_found", "no such object", "id");
		snprintf(id, sizeof(id), "%s", r->id);
	}
	if (op != STORE_OP_DELETE) {
		if (!api_body(api, req, &body))
			return;
		text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text) {
			json_decref(body);
			return api_error(api, req, 500, "internal_error", "out of memory", NULL);
		}
	}
	/* an invalid body is answered here, not replicated (the FSM checks
	 * again, and alone checks references and uniqueness) */
	if (body && (op == STORE_OP_CREATE ? model_validate_create(r->kind, body, &verr)
					   : model_validate_update(r->kind, body, &verr)) < 0) {
		api_error(api, req, 400, verr.code, verr.message, verr.field);
		goto out;
	}
	if (op == STORE_OP_CREATE)
		api_new_id(r->kind, body, id, sizeof(id));
	api_apply(api, req, op, r->kind, id, text ? text : "", idem);
out:
	free(text);
	json_decref(body);
}

/* The subnet_id of an add/remove_router_interface body, or NULL (answered). */
static const char *api_router_subnet(struct api *api, struct evhttp_request *req, json_t *body)
{
	const char *sub = json_string_value(json_object_get(body, "subnet_id"));

	if (!json_is_object(body) || json_object_size(body) != 1 || !model_uuid_valid(sub)) {
		api_error(api, req, 400, "invalid_body", "body must be {\"subnet_id\": UUID}",
			  "subnet_id");
		return NULL;
	}
	return sub;
}

void api_router_action(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	const char *idem =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
	bool add = strcmp(r->action, "add_router_interface") == 0;
	char id[MODEL_UUID_LEN + 1];
	json_t *body = NULL, *filter = NULL, *list = NULL, *rif; /* filter: also the create body */
	const char *sub;
	char *text = NULL;

	if (r->kind != MODEL_ROUTER || (!add && strcmp(r->action, "remove_router_interface")))
		return api_error(api, req, 404, "not_found", "no such action", NULL);
	if (idem && strlen(idem) > API_IDEM_MAX)
		return api_error(api, req, 400, "invalid_header", "Idempotency-Key too long",
				 "Idempotency-Key");
	if (!model_uuid_valid(r->id))
		return api_error(api, req, 404, "not_found", "no such router", "id");
	if (!api_body(api, req, &body))
		return;
	sub = api_router_subnet(api, req, body);
	if (!sub)
		goto out;
	if (add) {
		filter = json_pack("{s:s,s:s}", "router_id", r->id, "subnet_id", sub);
		text = filter ? json_dumps(filter, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!text) {
			api_error(api, req, 500, "internal_error", "out of memory", NULL);
			goto out;
		}
		api_uuid(id);
		api_apply(api, req, STORE_OP_CREATE, MODEL_ROUTER_INTERFACE, id, text, idem);
		goto out;
	}
	/* remove: the interface of this router on that subnet */
	filter = json_pack("{s:s,s:s}", "router_id", r->id, "subnet_id", sub);
	if (!filter || store_list(api->store, MODEL_ROUTER_INTERFACE, filter, &list) < 0) {
		api_error(api, req, 500, "internal_error", "cannot read the store", NULL);
		goto out;
	}
	rif = json_array_get(list, 0);
	if (!rif) {
		api_error(api, req, 404, "not_found", "the router has no interface on that subnet",
			  "subnet_id");
		goto out;
	}
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(rif, "id")));
	api_apply(api, req, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, id, "", idem);
out:
	free(text);
	json_decref(list);
	json_decref(filter);
	json_decref(body);
}

void api_status(struct api *api, struct evhttp_request *req)
{
	struct southbound_stats st;
	struct api_conn_stats cs;
	uint64_t rev = store_revision(api->store);
	json_t *body;

	memset(&st, 0, sizeof(st));
	if (api->sb)
		southbound_get_stats(api->sb, &st);
	api_conn_get_stats(api, &cs);
	body = json_pack(
	    "{s:I,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I}}", "revision", (json_int_t)rev, "southbound",
	    "rx_msgs", (json_int_t)st.rx_msgs, "rx_rejected", (json_int_t)st.rx_rejected,
	    "rx_unknown_type", (json_int_t)st.rx_unknown_type, "rx_unauthenticated",
	    (json_int_t)st.rx_unauthenticated, "tx_snapshots", (json_int_t)st.tx_snapshots,
	    "tx_deltas", (json_int_t)st.tx_deltas, "hello_ahead", (json_int_t)st.hello_ahead);
	json_object_set_new(body, "api",
			    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "connections",
				      (json_int_t)cs.open, "busy", (json_int_t)cs.busy, "overflow",
				      (json_int_t)cs.overflow, "accepted", (json_int_t)cs.accepted,
				      "evicted", (json_int_t)cs.evicted, "timed_out",
				      (json_int_t)cs.timed_out, "refused", (json_int_t)cs.refused,
				      "rejected", (json_int_t)cs.rejected));
	api_reply(api, req, 200, body, rev);
}

/* southbound_wait callback: answers the deferred request. */
static void api_on_wait(void *arg, int status, const char *const *pending, size_t n_pending)
{
	struct api_wait *w = arg;
	json_t *names = json_array(), *body;
	int code = 200;

	for (size_t i = 0; i < n_pending; i++)
		json_array_append_new(names, json_string(pending[i]));
	if (status == 0) {
		body = json_pack("{s:I,s:o}", "revision", (json_int_t)w->rev, "pending", names);
	} else {
		code = status == -ETIMEDOUT ? 504 : 503;
		body = api_error_body(status == -ETIMEDOUT ? "timeout" : "unavailable",
				      status == -ETIMEDOUT ? "hosts did not ack in time"
							   : "southbound shutting down",
				      NULL);
		json_object_set_new(body, "pending", names);
	}
	api_reply(w->api, w->req, code, body, store_revision(w->api->store));
	free(w);
}

void api_wait(struct api *api, struct evhttp_request *req)
{
	static const char *const allowed[] = {"revision", "timeout_ms", NULL};
	uint64_t rev = store_revision(api->store), timeout = API_WAIT_DEFAULT_MS;
	const char *v;
	struct evkeyvalq q;
	struct api_wait *w;
	bool ok = true;

	if (!api_query(api, req, allowed, -1, &q))
		return;
	v = evhttp_find_header(&q, "revision");
	if (v && api_parse_u64(v, &rev) < 0)
		ok = false;
	v = evhttp_find_header(&q, "timeout_ms");
	if (ok && v && (api_parse_u64(v, &timeout) < 0 || timeout > API_WAIT_MAX_MS))
		ok = false;
	evhttp_clear_headers(&q);
	if (!ok)
		return api_error(
		    api, req, 400, "invalid_query",
		    "revision and timeout_ms must be non-negative integers (timeout_ms <= 120000)",
		    NULL);
	if (api_peers_wait(api, req, rev, timeout))
		return;
	if (!api->sb)
		return api_reply(api, req, 200,
				 json_pack("{s:I,s:[]}", "revision", (json_int_t)rev, "pending"),
				 store_revision(api->store));
	w = calloc(1, sizeof(*w));
	if (!w)
		return api_error(api, req, 500, "internal_error", "out of memory", NULL);
	*w = (struct api_wait){.api = api, .req = req, .rev = rev};
	if (southbound_wait(api->sb, rev, (int)timeout, api_on_wait, w) < 0) {
		free(w);
		api_error(api, req, 500, "internal_error", "cannot wait", NULL);
	}
}

void api_changes(struct api *api, struct evhttp_request *req)
{
	static const char *const allowed[] = {"since", NULL};
	uint64_t since = 0, cur = 0;
	const char *v;
	struct evkeyvalq q;
	json_t *changes;
	int rc;

	if (!api_query(api, req, allowed, -1, &q))
		return;
	v = evhttp_find_header(&q, "since");
	rc = v ? api_parse_u64(v, &since) : 0;
	evhttp_clear_headers(&q);
	if (rc < 0)
		return api_error(api, req, 400, "invalid_query",
				 "since must be a non-negative integer", "since");
	rc = store_changes_since(api->store, since, &changes, &cur);
	if (rc == -ESTALE)
		return api_error(api, req, 410, "gone",
				 "since is older than the change-log window: re-read everything",
				 "since");
	if (rc < 0)
		return api_error(api, req, 500, "internal_error", "store read failed", NULL);
	api_reply(api, req, 200,
		  json_pack("{s:I,s:o}", "revision", (json_int_t)cur, "changes", changes), cur);
}
