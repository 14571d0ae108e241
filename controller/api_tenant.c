/* api_tenant.c - a tenant's whole topology at once: clone, export, import
 * (docs/API.md, "Tenant clone, export and import"). Clone and import are
 * one command each (STORE_OP_CLONE, STORE_OP_IMPORT): checked here as far
 * as the request alone allows, then proposed through Raft; the FSM checks
 * everything again against the store and applies all or nothing. */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "store.h"

/* True if v is absent or an object of strings to strings; else answers
 * 400 naming field. */
static bool api_tenant_map(struct api *api, struct evhttp_request *req, const json_t *v,
			   const char *field)
{
	const char *k;
	json_t *x;

	if (!v || json_is_null(v))
		return true;
	if (!json_is_object(v)) {
		api_error(api, req, 400, "invalid_value", "must be an object of names", field);
		return false;
	}
	json_object_foreach((json_t *)v, k, x) if (!json_is_string(x))
	{
		api_error(api, req, 400, "invalid_value", "every value must be a string", field);
		return false;
	}
	return true;
}

/* Proposes command op for a new tenant with body (borrowed). */
static void api_tenant_propose(struct api *api, struct evhttp_request *req, enum store_op op,
			       const json_t *body)
{
	const char *idem =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
	char id[MODEL_UUID_LEN + 1], *text;

	if (idem && strlen(idem) > API_IDEM_MAX)
		return api_error(api, req, 400, "invalid_header", "Idempotency-Key too long",
				 "Idempotency-Key");
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return api_error(api, req, 500, "internal_error", "out of memory", NULL);
	api_uuid(id);
	api_apply(api, req, op, MODEL_TENANT, id, text, idem);
	free(text);
}

void api_tenant_clone(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	static const char *const known[] = {"name", "bind", "bind_ports"};
	struct model_error err = {0};
	json_t *body = NULL, *cmd = NULL, *src = NULL, *name;
	const char *k;
	json_t *v;

	if (!model_uuid_valid(r->id) || store_get(api->store, MODEL_TENANT, r->id, &src) < 0)
		return api_error(api, req, 404, "not_found", "no such tenant", "id");
	if (!api_body(api, req, &body))
		goto out;
	json_object_foreach(body, k, v)
	{
		size_t i = 0;

		while (i < 3 && strcmp(k, known[i]) != 0)
			i++;
		if (i == 3) {
			api_error(api, req, 400, "unknown_field", "unknown field", k);
			goto out;
		}
	}
	name = json_pack("{s:O?}", "name", json_object_get(body, "name"));
	if (!name || model_validate_create(MODEL_TENANT, name, &err) < 0) {
		api_error(api, req, 400, err.code[0] ? err.code : "invalid_value",
			  err.message[0] ? err.message : "name is required", "name");
		json_decref(name);
		goto out;
	}
	json_decref(name);
	if (!api_tenant_map(api, req, json_object_get(body, "bind"), "bind"))
		goto out;
	if (json_object_get(body, "bind_ports") &&
	    !json_is_boolean(json_object_get(body, "bind_ports"))) {
		api_error(api, req, 400, "invalid_value", "bind_ports must be a boolean",
			  "bind_ports");
		goto out;
	}
	cmd = json_pack("{s:s,s:O,s:O?,s:b}", "source", r->id, "name",
			json_object_get(body, "name"), "hosts", json_object_get(body, "bind"),
			"bind_ports", json_is_true(json_object_get(body, "bind_ports")));
	if (!cmd) {
		api_error(api, req, 500, "internal_error", "out of memory", NULL);
		goto out;
	}
	api_tenant_propose(api, req, STORE_OP_CLONE, cmd);
out:
	json_decref(cmd);
	json_decref(body);
	json_decref(src);
}

void api_tenant_export(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	struct model_error err = {0};
	json_t *doc = NULL;
	int rc;

	if (!model_uuid_valid(r->id))
		return api_error(api, req, 404, "not_found", "no such tenant", "id");
	rc = store_tenant_export(api->store, r->id, &doc, &err);
	if (rc < 0)
		return api_error(api, req, api_store_status(rc, STORE_OP_CREATE),
				 err.code[0] ? err.code : "internal_error",
				 err.message[0] ? err.message : "cannot read the store",
				 err.field[0] ? err.field : NULL);
	api_reply(api, req, 200, doc, store_revision(api->store));
}

/* Checks the rebind member of an import body; false when answered. */
static bool api_tenant_rebind(struct api *api, struct evhttp_request *req, const json_t *rb)
{
	const json_t *vni = json_object_get(rb, "vni"), *x;
	const char *k;

	if (!rb)
		return true;
	if (!json_is_object(rb)) {
		api_error(api, req, 400, "invalid_value", "rebind must be an object", "rebind");
		return false;
	}
	json_object_foreach((json_t *)rb, k, x) if (strcmp(k, "vni") && strcmp(k, "hosts") &&
						    strcmp(k, "name_prefix"))
	{
		api_error(api, req, 400, "unknown_field", "unknown member of rebind", "rebind");
		return false;
	}
	if (vni && !(json_is_string(vni) && strcmp(json_string_value(vni), "auto") == 0) &&
	    !json_is_object(vni)) {
		api_error(api, req, 400, "invalid_value",
			  "rebind.vni must be \"auto\" or an object of old VNI to new",
			  "rebind.vni");
		return false;
	}
	json_object_foreach((json_t *)(json_is_object(vni) ? vni : NULL), k, x)
	{
		if (!json_is_integer(x) || json_integer_value(x) < 1 ||
		    json_integer_value(x) > 0xffffff) {
			api_error(api, req, 400, "invalid_value", "a VNI is 1..16777215",
				  "rebind.vni");
			return false;
		}
	}
	if (json_object_get(rb, "name_prefix") &&
	    !json_is_string(json_object_get(rb, "name_prefix"))) {
		api_error(api, req, 400, "invalid_value", "name_prefix must be a string",
			  "rebind.name_prefix");
		return false;
	}
	return api_tenant_map(api, req, json_object_get(rb, "hosts"), "rebind.hosts");
}

void api_tenant_import(struct api *api, struct evhttp_request *req)
{
	struct model_error err = {0};
	json_t *body = NULL, *x;
	const char *k;

	if (!api_body(api, req, &body))
		return;
	json_object_foreach(body, k, x) if (strcmp(k, "document") && strcmp(k, "rebind") &&
					    strcmp(k, "tenant") && strcmp(k, "bind_ports"))
	{
		api_error(api, req, 400, "unknown_field", "unknown field", k);
		goto out;
	}
	if (store_tenant_doc_check(json_object_get(body, "document"), &err) < 0) {
		char field[64];

		snprintf(field, sizeof(field), "document.%s", err.field);
		api_error(api, req, 400, err.code, err.message, field);
		goto out;
	}
	if (!api_tenant_rebind(api, req, json_object_get(body, "rebind")))
		goto out;
	x = json_object_get(body, "tenant");
	if (x && !json_is_string(x)) {
		api_error(api, req, 400, "invalid_value", "tenant must be a name", "tenant");
		goto out;
	}
	x = json_object_get(body, "bind_ports");
	if (x && !json_is_boolean(x)) {
		api_error(api, req, 400, "invalid_value", "bind_ports must be a boolean",
			  "bind_ports");
		goto out;
	}
	api_tenant_propose(api, req, STORE_OP_IMPORT, body);
out:
	json_decref(body);
}
