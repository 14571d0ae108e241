/* api.c - REST server: listening, limits, auth, routing (see api.h): the
 * top of the API's files (api_int.h). The resource handlers are in
 * api_handlers.c, replies in api_util.c. */
#include "api_int.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/keyvalq_struct.h>

#include "auth.h"
#include "log.h"

/* Splits the path into a route; false if it names nothing. */
static bool api_route_parse(struct evhttp_request *req, struct api_route *r)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *seg, *slash;
	char name[32];
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!path || strncmp(path, "/v1/", 4) != 0)
		return false;
	seg = path + 4;
	slash = strchr(seg, '/');
	n = slash ? (size_t)(slash - seg) : strlen(seg);
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, seg, n);
	name[n] = '\0';
	if (!slash || slash[1] == '\0') {
		r->type = strcmp(name, "status") == 0	 ? API_R_STATUS
			  : strcmp(name, "wait") == 0	 ? API_R_WAIT
			  : strcmp(name, "changes") == 0 ? API_R_CHANGES
							 : API_R_COLLECTION;
	} else {
		const char *act = strchr(slash + 1, '/');
		size_t idlen = act ? (size_t)(act - slash - 1) : strlen(slash + 1);

		if (idlen == 0 || idlen >= sizeof(r->id))
			return false;
		memcpy(r->id, slash + 1, idlen);
		r->id[idlen] = '\0';
		r->type = API_R_ITEM;
		if (act) {
			if (!act[1] ||
			    (strchr(act + 1, '/') && strncmp(act + 1, "migrate/", 8) != 0) ||
			    strlen(act + 1) >= sizeof(r->action))
				return false;
			snprintf(r->action, sizeof(r->action), "%s", act + 1);
			r->type = API_R_ACTION;
		}
	}
	if (r->type != API_R_COLLECTION && r->type != API_R_ITEM && r->type != API_R_ACTION)
		return true;
	r->kind = model_kind_parse(name);
	/* only plural names route */
	return (int)r->kind >= 0 && strcmp(name, model_kind_plural(r->kind)) == 0;
}

static void api_method_not_allowed(struct api *api, struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	api_error(api, req, 405, "method_not_allowed", "method not allowed on this resource", NULL);
}

/* A connection closed (api_conn.c's hook): the handlers forget the
 * requests waiting on it. */
static void api_on_close(struct api *api, struct evhttp_connection *evcon)
{
	api_cluster_on_close(api, evcon);
	api_peers_on_close(api, evcon);
	api_trace_on_close(api, evcon);
	api_monitor_on_close(api, evcon);
}

/* Routes a request to its handler; also api->dispatch, for the handlers
 * that resume a request after a barrier. */
static void api_dispatch(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);

	if (api_peers_read(api, req, r))
		return;
	switch (r->type) {
	case API_R_COLLECTION:
		if (m == EVHTTP_REQ_GET)
			return api_list(api, req, r);
		if (m == EVHTTP_REQ_POST)
			return api_write(api, req, STORE_OP_CREATE, r);
		return api_method_not_allowed(api, req, "GET, POST");
	case API_R_ITEM:
		if (r->kind == MODEL_TENANT && strcmp(r->id, "import") == 0) {
			if (m != EVHTTP_REQ_POST)
				return api_method_not_allowed(api, req, "POST");
			return api_tenant_import(api, req);
		}
		if (m == EVHTTP_REQ_GET)
			return api_show(api, req, r);
		if (m == EVHTTP_REQ_PATCH || m == EVHTTP_REQ_PUT)
			return api_write(api, req, STORE_OP_UPDATE, r);
		if (m == EVHTTP_REQ_DELETE)
			return api_write(api, req, STORE_OP_DELETE, r);
		return api_method_not_allowed(api, req, "GET, PATCH, PUT, DELETE");
	case API_R_ACTION:
		if (r->kind == MODEL_TENANT && strcmp(r->action, "clone") == 0) {
			if (m != EVHTTP_REQ_POST)
				return api_method_not_allowed(api, req, "POST");
			return api_tenant_clone(api, req, r);
		}
		if (r->kind == MODEL_TENANT && strcmp(r->action, "export") == 0) {
			if (m != EVHTTP_REQ_GET)
				return api_method_not_allowed(api, req, "GET");
			return api_tenant_export(api, req, r);
		}
		if (r->kind == MODEL_PORT || r->kind == MODEL_HOST) {
			if (m != EVHTTP_REQ_POST)
				return api_method_not_allowed(api, req, "POST");
			return api_migrate_action(api, req, r);
		}
		if (m != EVHTTP_REQ_PUT)
			return api_method_not_allowed(api, req, "PUT");
		return api_router_action(api, req, r);
	default:
		if (m != EVHTTP_REQ_GET)
			return api_method_not_allowed(api, req, "GET");
		if (r->type == API_R_STATUS)
			return api_status(api, req);
		if (r->type == API_R_WAIT)
			return api_wait(api, req);
		return api_changes(api, req);
	}
}

static void api_on_request(struct evhttp_request *req, void *arg)
{
	struct api *api = arg;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct api_route r;
	const char *path;

	if (!api_conn_request(api, req)) {
		api_error(api, req, 503, "too_many_connections",
			  "connection limit reached: retry later", NULL);
		return;
	}
	if (api_metrics_health(api, req)) /* no token: they tell nothing of the store */
		return;
	if (!api->has_hash) /* written after the API started listening */
		api->has_hash = store_admin_hash_get(api->store, api->token_hash) == 0;
	if (!api->has_hash ||
	    !auth_check(api->token_hash, evhttp_find_header(in, "Authorization"))) {
		char *peer = NULL;
		ev_uint16_t port = 0;

		evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &port);
		log_warn("api request refused status=401 peer=%s port=%u reason=%s",
			 peer ? peer : "-", (unsigned)port,
			 evhttp_find_header(in, "Authorization") ? "wrong_token" : "no_token");
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer");
		api_error(api, req, 401, "unauthorized", "missing or wrong bearer token", NULL);
		return;
	}
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (strcmp(path ?: "", "/metrics") == 0) {
		if (api_metrics_serve(api, req) < 0)
			api_error(api, req, 500, "internal_error", "cannot build the metrics",
				  NULL);
		return;
	}
	if (api_cluster_route(api, req) || api_peers_route(api, req) ||
	    api_observe_route(api, req) || api_trace_route(api, req) || api_monitor_route(api, req))
		return;
	if (!api_route_parse(req, &r)) {
		api_error(api, req, 404, "not_found", "no such resource", NULL);
		return;
	}
	if (api_consistent(api, req, &r))
		return;
	api_dispatch(api, req, &r);
}

/* Parses "ADDR:PORT" or "[V6]:PORT". */
static int api_listen_parse(const char *listen, char *addr, size_t size, uint16_t *port)
{
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	const char *a = listen;
	size_t n;
	char *end;
	unsigned long p;

	if (!colon || colon == listen)
		return -EINVAL;
	n = (size_t)(colon - listen);
	if (listen[0] == '[') {
		if (n < 3 || colon[-1] != ']')
			return -EINVAL;
		a++;
		n -= 2;
	}
	if (n >= size)
		return -EINVAL;
	memcpy(addr, a, n);
	addr[n] = '\0';
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

/* Reads the port actually bound. */
static uint16_t api_bound_port(struct evhttp_bound_socket *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	evutil_socket_t fd = evhttp_bound_socket_get_fd(bound);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* True if addr (as api_listen_parse leaves it) is a loopback address. */
static bool api_is_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcmp(addr, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Checks the transport settings and loads the TLS ones. */
static int api_transport_setup(struct api *api, const struct api_config *cfg, const char *addr)
{
	if (!cfg->tls_cert != !cfg->tls_key) {
		log_err("--tls-cert and --tls-key go together");
		return -EINVAL;
	}
	if (!cfg->tls_cert && cfg->tls_ca) {
		log_err("--tls-ca needs --tls-cert and --tls-key");
		return -EINVAL;
	}
	if (!cfg->tls_cert && !cfg->insecure_http && !api_is_loopback(addr)) {
		log_err(
		    "plain HTTP refused on a non-loopback address api=%s (use --tls-cert/--tls-key, or --insecure-http)",
		    cfg->listen);
		return -EPERM;
	}
	if (!cfg->tls_cert)
		return 0;
	api->tls = api_tls_new(cfg->tls_cert, cfg->tls_key, cfg->tls_ca);
	return api->tls ? 0 : -EINVAL;
}

static int api_http_setup(struct api *api, const struct api_config *cfg)
{
	char addr[64];
	uint16_t port;
	int rc;

	if (api_listen_parse(cfg->listen, addr, sizeof(addr), &port) < 0) {
		log_err("bad API address listen=%s", cfg->listen ? cfg->listen : "(null)");
		return -EINVAL;
	}
	rc = api_transport_setup(api, cfg, addr);
	if (rc < 0)
		return rc;
	api->http = evhttp_new(api->base);
	if (!api->http)
		return -ENOMEM;
	evhttp_set_max_body_size(api->http, API_HARD_BODY);
	evhttp_set_max_headers_size(api->http, API_MAX_HEADERS);
	evhttp_set_timeout(api->http, API_TIMEOUT_S);
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						  EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						  EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						  EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(api->http, api_on_request, api);
	rc = api_conn_setup(api, api_on_close);
	if (rc < 0)
		return rc;
	api->bound = evhttp_bind_socket_with_handle(api->http, addr, port);
	if (!api->bound) {
		log_err("cannot listen api=%s", cfg->listen);
		return -EADDRINUSE;
	}
	api->port = api_bound_port(api->bound);
	return 0;
}

struct api *api_new(struct event_base *base, struct store *store, struct southbound *sb,
		    const struct api_config *cfg)
{
	struct api *api;

	if (!base || !store || !cfg)
		return NULL;
	api = calloc(1, sizeof(*api));
	if (!api)
		return NULL;
	api->base = base;
	api->store = store;
	api->sb = sb;
	api->dispatch = api_dispatch;
	api->metrics = api_metrics_new();
	if (!api->metrics || api_http_setup(api, cfg) < 0) {
		api_destroy(&api);
		return NULL;
	}
	return api;
}

void api_set_raft(struct api *api, struct raft_node *raft)
{
	if (api)
		api->raft = raft;
}

void api_set_migrate(struct api *api, struct migrate *mig)
{
	if (api)
		api->mig = mig;
}

void api_set_peer_token(struct api *api, const char *hex)
{
	if (api && hex)
		snprintf(api->peer_auth, sizeof(api->peer_auth), "Bearer %s", hex);
}

uint16_t api_port(const struct api *api)
{
	return api ? api->port : 0;
}

void api_quiesce(struct api *api)
{
	if (!api)
		return;
	if (api->bound)
		evhttp_del_accept_socket(api->http, api->bound);
	api->bound = NULL;
	api_monitor_abort(api);
	api->sb = NULL;
	api->mig = NULL;
}

void api_destroy(struct api **ap)
{
	struct api *api;

	if (!ap || !*ap)
		return;
	api = *ap;
	api_monitor_abort(api);
	api_cluster_abort(api);
	api_peers_abort(api);
	if (api->http)
		evhttp_free(api->http);
	api_conn_teardown(api); /* after evhttp_free: it closes the connections */
	api_tls_destroy(&api->tls);
	api_metrics_destroy(&api->metrics);
	free(api);
	*ap = NULL;
}
