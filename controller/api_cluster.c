/* api_cluster.c - the REST API's replicated side: writes through Raft,
 * redirects to the leader, consistent reads, /v1/cluster (docs/API.md). */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <raft.h>
#include <sodium.h>

#include "log.h"
#include "raft_node.h"

/* A request waiting for the Raft thread. */
struct api_pending {
	struct api *api;		/* the server */
	struct evhttp_request *req;	/* NULL once its connection closed */
	struct evhttp_connection *conn; /* req's connection */
	struct api_pending *next;	/* in api->pending */
	enum store_op op;		/* writes: operation */
	enum model_kind kind;		/* writes: kind; reads: route kind */
	char id[72];			/* writes: object id */
	struct api_route route;		/* consistent reads: what to serve */
};

static struct api_pending *api_pending_new(struct api *api, struct evhttp_request *req)
{
	struct api_pending *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->api = api;
	p->req = req;
	p->conn = evhttp_request_get_connection(req);
	p->next = api->pending;
	api->pending = p;
	return p;
}

/* Unlinks p; returns its request (NULL if the client went away). */
static struct evhttp_request *api_pending_take(struct api_pending *p)
{
	for (struct api_pending **pp = &p->api->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	return p->req;
}

void api_cluster_on_close(struct api *api, struct evhttp_connection *evcon)
{
	for (struct api_pending *p = api->pending; p; p = p->next)
		if (p->conn == evcon)
			p->req = NULL;
}

void api_cluster_abort(struct api *api)
{
	while (api->pending) {
		struct api_pending *p = api->pending;
		struct evhttp_request *req = api_pending_take(p);

		if (req)
			api_error(api, req, 503, "unavailable", "shutting down", NULL);
		p->req = NULL; /* the raft callback still frees p */
	}
}

/* The HTTP status of a store outcome: 201/200/204 by op when applied, 4xx
 * for a rejection, 500 for a store failure. The one place store codes
 * become HTTP. */
int api_store_status(int rc, enum store_op op)
{
	if (rc == 0)
		return op == STORE_OP_CREATE || op == STORE_OP_CLONE || op == STORE_OP_IMPORT ? 201
		       : op == STORE_OP_DELETE						      ? 204
		       : op == STORE_OP_MIGRATE						      ? 202
											      : 200;
	if (op == STORE_OP_MIGRATE && rc == -EINVAL)
		return 422; /* a refused migration step (store_migrate.c) */
	if (!store_rc_rejected(rc))
		return 500;
	switch (rc) {
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EBUSY:
	case -ENOSPC:
		return 409;
	case -EKEYREJECTED:
		return 422;
	default: /* -EINVAL, -EPROTO */
		return 400;
	}
}

/* 307 to the leader's API with the same path and query, or 503. */
static void api_redirect(struct api *api, struct evhttp_request *req)
{
	struct raft_node_info info;
	char loc[512];

	raft_node_info(api->raft, &info);
	if (!info.leader_api[0] || info.leader_id == info.id) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		return api_error(api, req, 503, "no_leader",
				 "no leader known: retry (with the same Idempotency-Key)", NULL);
	}
	snprintf(loc, sizeof(loc), "%s://%s%s", api_scheme(api), info.leader_api,
		 evhttp_request_get_uri(req));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", loc);
	api_error(api, req, 307, "not_leader", "writes go to the leader", NULL);
}

static void api_on_applied(void *arg, int status, struct store_result *res)
{
	struct api_pending *p = arg;
	struct api *api = p->api;
	struct evhttp_request *req = api_pending_take(p);

	if (!req)
		goto out;
	if (status == -EREMOTE) {
		api_redirect(api, req);
	} else if (status < 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		api_error(
		    api, req, 503, "unknown_outcome",
		    "the write may or may not be applied: retry with the same Idempotency-Key",
		    NULL);
	} else if (res->rc < 0) {
		api_reply(api, req, api_store_status(res->rc, p->op),
			  api_error_body(res->err.code, res->err.message, res->err.field),
			  res->revision);
	} else {
		const char *oid = json_string_value(json_object_get(res->object, "id"));
		bool whole = p->op == STORE_OP_CLONE || p->op == STORE_OP_IMPORT;
		/* an import that changed nothing (replayed) says so with 200 */
		int code = whole && res->replayed ? 200 : api_store_status(0, p->op);

		log_info("write op=%s kind=%s id=%s status=%d rev=%llu%s", store_op_name(p->op),
			 model_kind_name(p->kind), oid ? oid : p->id, code,
			 (unsigned long long)res->revision, res->replayed ? " replayed=1" : "");
		api_reply(api, req, code,
			  !res->object ? NULL
			  : whole      ? json_incref(res->object)
				       : api_decorate(api, p->kind, json_incref(res->object)),
			  res->revision);
	}
out:
	free(p);
}

void api_propose(struct api *api, struct evhttp_request *req, enum store_op op,
		 enum model_kind kind, const char *id, const void *cmd, size_t len)
{
	struct api_pending *p = api_pending_new(api, req);

	if (!p)
		return api_error(api, req, 500, "internal_error", "out of memory", NULL);
	p->op = op;
	p->kind = kind;
	snprintf(p->id, sizeof(p->id), "%s", id);
	if (raft_node_propose(api->raft, cmd, len, api_on_applied, p) < 0) {
		api_pending_take(p);
		free(p);
		api_error(api, req, 503, "unavailable", "cannot propose", NULL);
	}
}

static void api_on_barrier(void *arg, int status, const char *msg)
{
	struct api_pending *p = arg;
	struct evhttp_request *req = api_pending_take(p);

	if (req && status == -EREMOTE)
		api_redirect(p->api, req);
	else if (req && status < 0)
		api_error(p->api, req, 503, "unavailable", msg, NULL);
	else if (req)
		p->api->dispatch(p->api, req, &p->route);
	free(p);
}

bool api_consistent(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;
	const char *v;
	bool want;
	struct api_pending *p;

	if (!api->raft || !query || evhttp_request_get_command(req) != EVHTTP_REQ_GET)
		return false;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) < 0)
		return false; /* the handler reports it */
	v = evhttp_find_header(&q, "consistent");
	want = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
	evhttp_clear_headers(&q);
	if (!want)
		return false;
	p = api_pending_new(api, req);
	if (!p) {
		api_error(api, req, 500, "internal_error", "out of memory", NULL);
		return true;
	}
	p->route = *r;
	if (raft_node_barrier(api->raft, api_on_barrier, p) < 0) {
		api_pending_take(p);
		free(p);
		api_error(api, req, 503, "unavailable", "cannot reach the log", NULL);
	}
	return true;
}

static const char *api_state_name(int state)
{
	switch (state) {
	case RAFT_LEADER:
		return "leader";
	case RAFT_CANDIDATE:
		return "candidate";
	case RAFT_FOLLOWER:
		return "follower";
	default:
		return "unavailable";
	}
}

static const char *api_role_name(int role)
{
	return role == RAFT_VOTER ? "voter" : role == RAFT_STANDBY ? "standby" : "spare";
}

static void api_cluster_status(struct api *api, struct evhttp_request *req)
{
	struct raft_node_info info;
	uint64_t rev = store_revision(api->store);
	json_t *servers = json_array();

	raft_node_info(api->raft, &info);
	for (size_t i = 0; i < info.n_servers; i++)
		json_array_append_new(
		    servers, json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)info.servers[i].id,
				       "raft_address", info.servers[i].raft_addr, "api_address",
				       info.servers[i].api_addr, "role",
				       api_role_name(info.servers[i].role)));
	api_reply(api, req, 200,
		  json_pack("{s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "id", (json_int_t)info.id,
			    "state", api_state_name(info.state), "term", (json_int_t)info.term,
			    "commit_index", (json_int_t)info.commit, "applied_index",
			    (json_int_t)info.applied, "store_applied_index",
			    (json_int_t)store_applied_index(api->store), "revision",
			    (json_int_t)rev, "leader_id", (json_int_t)info.leader_id, "servers",
			    servers),
		  rev);
}

static void api_on_change(void *arg, int status, const char *msg)
{
	struct api_pending *p = arg;
	struct evhttp_request *req = api_pending_take(p);
	static const struct {
		int err, http;
		const char *code;
	} map[] = {{-ENOENT, 404, "not_found"},
		   {-EBUSY, 409, "change_in_progress"},
		   {-EEXIST, 409, "conflict"},
		   {-ETIMEDOUT, 504, "timeout"}};
	int http = 503;
	const char *code = "unavailable";

	if (!req)
		goto out;
	if (status == -EREMOTE) {
		api_redirect(p->api, req);
		goto out;
	}
	if (status == 0) {
		api_cluster_status(p->api, req);
		goto out;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].err == status) {
			http = map[i].http;
			code = map[i].code;
		}
	api_error(p->api, req, http, code, msg && msg[0] ? msg : "membership change failed", NULL);
out:
	free(p);
}

/* Reads {"id":N[,"address":"RAFT/API"]} from the body. */
static int api_cluster_body(struct evhttp_request *req, uint64_t *id, char *addr, size_t size)
{
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(buf);
	json_t *body, *jid, *jaddr;
	int rc = 0;

	if (len > 4096)
		return -EINVAL;
	body = json_loadb((const char *)evbuffer_pullup(buf, -1), len, 0, NULL);
	jid = json_object_get(body, "id");
	jaddr = json_object_get(body, "address");
	if (!json_is_object(body) || (jid && !json_is_integer(jid)) ||
	    (jid && json_integer_value(jid) < 0) || (jaddr && !json_is_string(jaddr)))
		rc = -EINVAL;
	*id = jid ? (uint64_t)json_integer_value(jid) : 0;
	if (rc == 0 && addr)
		snprintf(addr, size, "%s", jaddr ? json_string_value(jaddr) : "");
	json_decref(body);
	return rc;
}

/* POST /v1/cluster/servers, DELETE /v1/cluster/servers/ID,
 * POST /v1/cluster/transfer. */
static void api_cluster_change(struct api *api, struct evhttp_request *req, const char *sub)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	char addr[RAFT_NODE_ADDR_MAX] = "";
	struct api_pending *p;
	uint64_t id = 0;
	int rc = -EINVAL;

	p = api_pending_new(api, req);
	if (!p)
		return api_error(api, req, 500, "internal_error", "out of memory", NULL);
	if (m == EVHTTP_REQ_POST && strcmp(sub, "servers") == 0) {
		if (api_cluster_body(req, &id, addr, sizeof(addr)) == 0)
			rc = raft_node_add(api->raft, id, addr, api_on_change, p);
	} else if (m == EVHTTP_REQ_DELETE && strncmp(sub, "servers/", 8) == 0) {
		char *end;

		id = strtoull(sub + 8, &end, 10);
		if (!*end && id)
			rc = raft_node_remove(api->raft, id, api_on_change, p);
	} else if (m == EVHTTP_REQ_POST && strcmp(sub, "transfer") == 0) {
		if (api_cluster_body(req, &id, NULL, 0) == 0)
			rc = raft_node_transfer(api->raft, id, api_on_change, p);
	} else {
		api_pending_take(p);
		free(p);
		return api_error(api, req, 404, "not_found", "no such resource", NULL);
	}
	if (rc < 0) {
		api_pending_take(p);
		free(p);
		api_error(api, req, 400, "invalid_request",
			  "want {\"id\":N,\"address\":\"RAFT_ADDR/API_ADDR\"} (add) or {\"id\":N}",
			  NULL);
	}
}

bool api_cluster_route(struct api *api, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	if (!path || strncmp(path, "/v1/cluster", 11) != 0 || (path[11] && path[11] != '/'))
		return false;
	if (!api->raft) {
		api_error(api, req, 404, "not_found", "no cluster", NULL);
		return true;
	}
	if (path[11] == '\0' || strcmp(path + 11, "/") == 0) {
		if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
			api_error(api, req, 405, "method_not_allowed", "GET only", NULL);
		else
			api_cluster_status(api, req);
		return true;
	}
	api_cluster_change(api, req, path + 12);
	return true;
}

/* True for "application/json", optionally with parameters. */
static bool api_is_json(const char *ct)
{
	size_t n = strlen("application/json");

	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Reads the JSON body as compact text into *text (malloc'd); false (error
 * sent) on a wrong content type, a body too large, or bad JSON. */
bool api_body(struct api *api, struct evhttp_request *req, json_t **body)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(buf);
	json_error_t je;
	char msg[256];

	if (!api_is_json(evhttp_find_header(in, "Content-Type"))) {
		api_error(api, req, 415, "unsupported_media_type",
			  "Content-Type must be application/json", NULL);
		return false;
	}
	if (len > API_MAX_BODY) {
		api_error(api, req, 413, "body_too_large", "body larger than 1 MiB", NULL);
		return false;
	}
	*body =
	    json_loadb((const char *)evbuffer_pullup(buf, -1), len, JSON_REJECT_DUPLICATES, &je);
	if (!*body) {
		snprintf(msg, sizeof(msg), "invalid JSON at line %d column %d: %s", je.line,
			 je.column, je.text);
		api_error(api, req, 400, "invalid_json", msg, NULL);
		return false;
	}
	return true;
}

/* A random (version 4) UUID. */
void api_uuid(char out[MODEL_UUID_LEN + 1])
{
	uint8_t b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, MODEL_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/* Proposes the command to the replicated log; the answer comes when it is
 * applied. There is one write path, also on a single node (a one-voter
 * cluster): a write that arrives while the node shuts down (no Raft) is
 * refused, never applied locally. */
void api_apply(struct api *api, struct evhttp_request *req, enum store_op op, enum model_kind kind,
	       const char *id, const char *text, const char *idem)
{
	void *cmd;
	size_t len;

	if (!api->raft)
		return api_error(api, req, 503, "unavailable", "this node is shutting down", NULL);
	if (store_cmd_encode(op, kind, id, text, idem, &cmd, &len) < 0)
		return api_error(api, req, 400, "invalid_request", "cannot encode command", NULL);
	api_propose(api, req, op, kind, id, cmd, len);
	free(cmd);
}
