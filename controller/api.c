/* api.c - REST server: listening, limits, auth, routing, replies (see api.h).
 * The resource handlers are in api_handlers.c. */
#include "api_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "auth.h"
#include "log.h"

void api_reply(struct api *api, struct evhttp_request *req, int status, json_t *body, uint64_t rev)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	char revtext[24];
	char *text;

	snprintf(revtext, sizeof(revtext), "%llu", (unsigned long long)rev);
	if (status != 401) /* nothing about the store before authentication */
		evhttp_add_header(out, "X-Tenet-Revision", revtext);
	if (body && status != 204) {
		evhttp_add_header(out, "Content-Type", "application/json");
		text = json_dumps(body, JSON_COMPACT);
		if (text && buf) {
			evbuffer_add(buf, text, strlen(text));
			evbuffer_add(buf, "\n", 1);
		}
		free(text);
	}
	json_decref(body);
	evhttp_send_reply(req, status, NULL, buf);
	if (buf)
		evbuffer_free(buf);
}

json_t *api_error_body(const char *code, const char *message, const char *field)
{
	json_t *f = field && field[0] ? json_string(field) : NULL; /* NULL if not UTF-8 */

	return json_pack("{s:{s:s,s:s,s:o}}", "error", "code", code, "message", message, "field",
			 f ? f : json_null());
}

void api_error(struct api *api, struct evhttp_request *req, int status, const char *code,
	       const char *message, const char *field)
{
	log_debug("request refused status=%d code=%s field=%s", status, code, field ? field : "");
	api_reply(api, req, status, api_error_body(code, message, field),
		  store_revision(api->store));
}

/* Disables the listener while API_MAX_CONNS connections are open (the
 * next ones wait in the kernel's backlog), enables it again below. */
static void api_listener_update(struct api *api)
{
	struct evconnlistener *lev = api->bound ? evhttp_bound_socket_get_listener(api->bound) : NULL;
	bool full = api->n_conns + api->n_accepted >= API_MAX_CONNS;

	if (!lev || full == api->paused)
		return;
	api->paused = full;
	if (full)
		evconnlistener_disable(lev);
	else
		evconnlistener_enable(lev);
	log_debug("api connections=%zu accepting=%d", api->n_conns + api->n_accepted, !full);
}

/* Forgets a closed connection. */
static void api_on_close(struct evhttp_connection *evcon, void *arg)
{
	struct api *api = arg;

	api_cluster_on_close(api, evcon);
	api_peers_on_close(api, evcon);
	for (size_t i = 0; i < api->n_conns; i++) {
		if (api->conns[i] == evcon) {
			api->conns[i] = api->conns[--api->n_conns];
			break;
		}
	}
	api_listener_update(api);
}

/* Counts evcon; false if it is over the cap (the caller refuses it). */
static bool api_conn_track(struct api *api, struct evhttp_connection *evcon)
{
	for (size_t i = 0; i < api->n_conns; i++)
		if (api->conns[i] == evcon)
			return true;
	if (api->n_conns >= API_MAX_CONNS)
		return false;
	api->conns[api->n_conns++] = evcon;
	evhttp_connection_set_closecb(evcon, api_on_close, api);
	return true;
}

/* evhttp's bufferevent callback: runs once per accepted connection, before
 * its evhttp_connection exists. The connection is counted from here; the
 * bufferevent is kept (referenced) until api_on_accepted learns its
 * connection. Reaching the cap disables the listener at once, which also
 * stops libevent's accept loop. */
static struct bufferevent *api_on_accept(struct event_base *base, void *arg)
{
	struct api *api = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

	if (bev && api->n_accepted < API_MAX_CONNS) {
		bufferevent_incref(bev);
		api->accepted[api->n_accepted++] = bev;
		event_active(api->ev_accepted, EV_TIMEOUT, 0);
		api_listener_update(api);
	}
	return bev;
}

/* After the accept: each accepted bufferevent's callback argument is its
 * evhttp_connection (libevent 2.1 sets it when it creates the connection,
 * and bufferevent_free clears it: NULL means already closed). Tracks the
 * connection with a close callback, or frees it if over the cap. */
static void api_on_accepted(evutil_socket_t fd, short what, void *arg)
{
	struct api *api = arg;

	while (api->n_accepted > 0) {
		struct bufferevent *bev = api->accepted[--api->n_accepted];
		void *evcon = NULL;

		bufferevent_getcb(bev, NULL, NULL, NULL, &evcon);
		if (evcon && !api_conn_track(api, evcon))
			evhttp_connection_free(evcon);
		bufferevent_decref(bev);
	}
	api_listener_update(api);
}

/* Counts req's connection if the accept path has not yet (a request read
 * before api_on_accepted ran); false (503 sent) when over API_MAX_CONNS. */
static bool api_conn_admit(struct api *api, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	if (!evcon || api_conn_track(api, evcon))
		return true;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
	api_error(api, req, 503, "too_many_connections", "connection limit reached", NULL);
	return false;
}

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
		if (strchr(slash + 1, '/') || strlen(slash + 1) >= sizeof(r->id))
			return false;
		snprintf(r->id, sizeof(r->id), "%s", slash + 1);
		r->type = API_R_ITEM;
	}
	if (r->type != API_R_COLLECTION && r->type != API_R_ITEM)
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

void api_dispatch(struct api *api, struct evhttp_request *req, const struct api_route *r)
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
		if (m == EVHTTP_REQ_GET)
			return api_show(api, req, r);
		if (m == EVHTTP_REQ_PATCH || m == EVHTTP_REQ_PUT)
			return api_write(api, req, STORE_OP_UPDATE, r);
		if (m == EVHTTP_REQ_DELETE)
			return api_write(api, req, STORE_OP_DELETE, r);
		return api_method_not_allowed(api, req, "GET, PATCH, PUT, DELETE");
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

	if (!api_conn_admit(api, req))
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
	if (api_cluster_route(api, req) || api_peers_route(api, req) || api_trace_route(api, req))
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

static int api_http_setup(struct api *api, const char *listen)
{
	char addr[64];
	uint16_t port;

	if (api_listen_parse(listen, addr, sizeof(addr), &port) < 0) {
		log_err("bad API address listen=%s", listen ? listen : "(null)");
		return -EINVAL;
	}
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
	api->ev_accepted = event_new(api->base, -1, 0, api_on_accepted, api);
	if (!api->ev_accepted)
		return -ENOMEM;
	evhttp_set_bevcb(api->http, api_on_accept, api);
	api->bound = evhttp_bind_socket_with_handle(api->http, addr, port);
	if (!api->bound) {
		log_err("cannot listen api=%s", listen);
		return -EADDRINUSE;
	}
	api->port = api_bound_port(api->bound);
	return 0;
}

struct api *api_new(struct event_base *base, struct store *store, struct southbound *sb,
		    const char *listen)
{
	struct api *api;

	if (!base || !store)
		return NULL;
	api = calloc(1, sizeof(*api));
	if (!api)
		return NULL;
	api->base = base;
	api->store = store;
	api->sb = sb;
	if (api_http_setup(api, listen) < 0) {
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
	api->sb = NULL;
}

void api_destroy(struct api **ap)
{
	struct api *api;

	if (!ap || !*ap)
		return;
	api = *ap;
	api_cluster_abort(api);
	api_peers_abort(api);
	if (api->ev_accepted)
		event_free(api->ev_accepted);
	if (api->http)
		evhttp_free(api->http);
	while (api->n_accepted > 0) /* after evhttp_free: the last references */
		bufferevent_decref(api->accepted[--api->n_accepted]);
	free(api);
	*ap = NULL;
}
