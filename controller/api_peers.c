/* api_peers.c - the southbound seen from the whole cluster (docs/API.md,
 * docs/ARCHITECTURE.md "Realisation across the cluster").
 *
 * An agent keeps one session, with one node; its acks, liveness and port
 * reports live only there. GET /v1/internal/southbound serves this node's
 * share; a node answering /v1/wait, or a GET of hosts or ports, asks every
 * other server of the Raft configuration for theirs (forwarding the
 * client's bearer token: nodes share it with --admin-token), with a short
 * timeout, and merges. A peer that does not answer in time (down,
 * partitioned, another token) is left out of the merge. A node serving
 * HTTPS asks its peers over HTTPS, verified against its CA (api_tls.c).
 * Main thread only. */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "migrate_driver.h"
#include "migrate_req.h"
#include "raft_node.h"
#include "southbound.h"

#define API_PEERS_TIMEOUT_MS 500       /* per peer request */
#define API_PEERS_POLL_MS    100       /* a wait re-asks this often */
#define API_PEERS_BODY_MAX   (4 << 20) /* largest peer answer read */
#define API_POST_TIMEOUT_S   2	       /* a call of this node's own to a peer */

struct api_gather;

/* One call of this node's own to a peer (api_peer_post), in flight. */
struct api_post {
	struct api *api;		/* owner */
	struct evhttp_connection *conn; /* freed by evhttp when the call ends */
	struct api_post *next;		/* in api->posts */
	bool in_make;			/* inside evhttp_make_request: the caller frees */
	bool done;			/* its callback ran */
	char what[64];			/* path, for the log */
};

/* One request to one peer. */
struct api_peer_call {
	struct api_gather *g;		/* owner */
	struct evhttp_connection *conn; /* to the peer; freed with g */
	bool done;			/* its callback ran */
};

/* A client request waiting for the peers' answers. */
struct api_gather {
	struct api *api;				   /* the server */
	struct evhttp_request *req;			   /* NULL once its connection closed */
	struct evhttp_connection *client;		   /* req's connection */
	struct api_gather *next;			   /* in api->gathers */
	struct api_route route;				   /* reads: what to serve */
	uint64_t rev;					   /* waits: revision waited for */
	int64_t deadline_ms;				   /* waits: event_base clock limit */
	json_t *pending;				   /* waits: hosts pending here (array) */
	json_t *reports;				   /* answers gathered (array) */
	struct event *ev;				   /* poll timer / all-answered wake-up */
	char auth[256];					   /* Authorization header forwarded */
	struct api_peer_call calls[RAFT_NODE_MAX_SERVERS]; /* requests of this round */
	size_t n_calls;					   /* entries used in calls */
	size_t n_out;					   /* calls not yet answered */
};

static int64_t api_peers_now(struct api *api)
{
	struct timeval tv;

	event_base_gettimeofday_cached(api->base, &tv);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* {"connected","acked_rev","dirty_rev","last_seen_ms"} per host this node
 * has had a session with, keyed by name. */
static json_t *api_peers_local_hosts(struct api *api, json_t *hosts)
{
	struct southbound_host_info hi;
	json_t *out = json_object(), *h;
	size_t i;

	json_array_foreach(hosts, i, h)
	{
		const char *name = json_string_value(json_object_get(h, "name"));

		if (!name || !api->sb || !southbound_host_info(api->sb, name, &hi))
			continue;
		json_t *o =
		    json_pack("{s:b,s:I,s:I,s:I}", "connected", hi.connected, "acked_rev",
			      (json_int_t)hi.acked_rev, "dirty_rev", (json_int_t)hi.dirty_rev,
			      "last_seen_ms", (json_int_t)hi.last_seen_ms);
		struct migrate_caps c = {hi.caps.encaps, hi.caps.overlay_mtu, hi.caps.abi};
		json_t *caps = migrate_caps_json(&c);

		if (o && caps)
			json_object_set_new(o, "capabilities", caps);
		else
			json_decref(caps);
		json_object_set_new(out, name, o);
	}
	return out;
}

/* Per port reported to this node, keyed by decimal port_key: its status
 * and seen_ms, the last time this node heard from the binding host. */
static json_t *api_peers_local_ports(struct api *api, json_t *ports)
{
	struct southbound_port_info pi;
	struct southbound_host_info hi;
	json_t *out = json_object(), *p;
	char key[16];
	size_t i;

	json_array_foreach(ports, i, p)
	{
		uint32_t pk = (uint32_t)json_integer_value(json_object_get(p, "port_key"));
		const char *host =
		    json_string_value(json_object_get(json_object_get(p, "binding"), "host"));

		if (!api->sb || !southbound_port_info(api->sb, pk, &pi))
			continue;
		if (!host || !southbound_host_info(api->sb, host, &hi))
			hi.last_seen_ms = 0;
		snprintf(key, sizeof(key), "%u", pk);
		json_object_set_new(out, key,
				    json_pack("{s:b,s:I,s:I,s:I,s:I}", "up", pi.up, "rx_packets",
					      (json_int_t)pi.rx_packets, "tx_packets",
					      (json_int_t)pi.tx_packets, "drops",
					      (json_int_t)pi.drops, "seen_ms",
					      (json_int_t)hi.last_seen_ms));
	}
	return out;
}

/* This node's share: {"revision","hosts":{...},"ports":{...}}. */
static json_t *api_peers_local(struct api *api)
{
	json_t *hosts = NULL, *ports = NULL, *out;

	if (store_list(api->store, MODEL_HOST, NULL, &hosts) < 0)
		hosts = NULL;
	if (store_list(api->store, MODEL_PORT, NULL, &ports) < 0)
		ports = NULL;
	out = json_pack("{s:I,s:o,s:o}", "revision", (json_int_t)store_revision(api->store),
			"hosts", api_peers_local_hosts(api, hosts), "ports",
			api_peers_local_ports(api, ports));
	json_decref(hosts);
	json_decref(ports);
	return out;
}

/* POST /v1/internal/migrate/report: a follower's fact about a migration's
 * destination, for this node's driver (the leader's). 202 taken, 409 not
 * (no such migration here yet, or this node does not lead: the follower
 * repeats it), 400 malformed. */
static void api_peers_mig_report(struct api *api, struct evhttp_request *req)
{
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(buf);
	struct migrate_report r;
	json_t *j = len ? json_loadb((const char *)evbuffer_pullup(buf, -1), len, 0, NULL) : NULL;
	int rc = migrate_report_parse(j, &r);

	json_decref(j);
	if (rc < 0)
		return api_error(api, req, 400, "invalid_report", "not a migration report", NULL);
	rc = migrate_on_report(api->mig, &r);
	if (rc == 0)
		api_reply(api, req, 202, json_pack("{s:b}", "accepted", 1),
			  store_revision(api->store));
	else
		api_error(api, req, 409, rc == -EREMOTE ? "not_leader" : "no_migration",
			  rc == -EREMOTE ? "this node does not lead"
					 : "no such migration under way here",
			  NULL);
}

/* POST /v1/internal/migrate/ct?host=H: a CT_STATE (wire-encoded) for H's
 * session, if it is on this node. 200 sent, 404 not here, 400 malformed. */
static void api_peers_mig_ct(struct api *api, struct evhttp_request *req)
{
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(buf);
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q = {0};
	const char *host;
	int rc = -EINVAL;

	if (query && evhttp_parse_query_str(query, &q) == 0 &&
	    (host = evhttp_find_header(&q, "host")) != NULL && api->sb)
		rc = southbound_ct_deliver(api->sb, host, evbuffer_pullup(buf, -1), len);
	evhttp_clear_headers(&q);
	if (rc == 0)
		api_reply(api, req, 200, json_pack("{s:b}", "sent", 1), store_revision(api->store));
	else if (rc == -ENOENT || rc == -ENOTCONN)
		api_error(api, req, 404, "not_here", "the host has no session with this node",
			  "host");
	else
		api_error(api, req, 400, "invalid_ct_state", "not a CT_STATE for a host", NULL);
}

bool api_peers_route(struct api *api, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	bool post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;

	if (!path)
		return false;
	if (strcmp(path, "/v1/internal/migrate/report") == 0 ||
	    strcmp(path, "/v1/internal/migrate/ct") == 0) {
		if (!post)
			api_error(api, req, 405, "method_not_allowed", "POST only", NULL);
		else if (path[21] == 'r')
			api_peers_mig_report(api, req);
		else
			api_peers_mig_ct(api, req);
		return true;
	}
	if (strcmp(path, "/v1/internal/southbound") != 0)
		return false;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
		api_error(api, req, 405, "method_not_allowed", "GET only", NULL);
	else
		api_reply(api, req, 200, api_peers_local(api), store_revision(api->store));
	return true;
}

/* ---- merging ---- */

/* Folds report's host name into the merged m: connected if any node has a
 * fresh session, the highest acked revision. */
static void api_peers_merge_host(json_t *m, const json_t *h)
{
	json_int_t acked = json_integer_value(json_object_get(h, "acked_rev"));
	json_int_t seen = json_integer_value(json_object_get(h, "last_seen_ms"));
	json_t *caps = json_object_get(h, "capabilities");

	if (json_is_true(json_object_get(h, "connected")))
		json_object_set_new(m, "connected", json_true());
	if (acked > json_integer_value(json_object_get(m, "acked_rev")))
		json_object_set_new(m, "acked_rev", json_integer(acked));
	/* what the host announced last: from the node that heard from it last */
	if (caps && (!json_object_get(m, "capabilities") ||
		     seen > json_integer_value(json_object_get(m, "caps_seen_ms")))) {
		json_object_set(m, "capabilities", caps);
		json_object_set_new(m, "caps_seen_ms", json_integer(seen));
	}
}

/* The merged view of reports: {"hosts":{name:{connected,acked_rev}},
 * "ports":{key:{up,seen_ms}}}; a port's status comes from the node that
 * heard from its host last. */
static json_t *api_peers_merge(const json_t *reports)
{
	json_t *view = json_pack("{s:{},s:{}}", "hosts", "ports");
	json_t *hosts = json_object_get(view, "hosts"), *ports = json_object_get(view, "ports");
	const json_t *r, *v;
	const char *k;
	size_t i;

	json_array_foreach(reports, i, r)
	{
		json_object_foreach(json_object_get(r, "hosts"), k, v)
		{
			json_t *m = json_object_get(hosts, k);

			if (!m) {
				m = json_pack("{s:b,s:I}", "connected", 0, "acked_rev", 0);
				json_object_set_new(hosts, k, m);
			}
			api_peers_merge_host(m, v);
		}
		json_object_foreach(json_object_get(r, "ports"), k, v)
		{
			json_t *m = json_object_get(ports, k);

			if (!m || json_integer_value(json_object_get(v, "seen_ms")) >
				      json_integer_value(json_object_get(m, "seen_ms")))
				json_object_set(ports, k, (json_t *)v);
		}
	}
	return view;
}

void api_peers_decorate(struct api *api, enum model_kind kind, json_t *obj)
{
	json_t *v;
	char key[24];

	if (!api->peer_view)
		return;
	if (kind == MODEL_PORT) {
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(obj, "port_key")));
		v = json_object_get(json_object_get(api->peer_view, "ports"), key);
		if (v) {
			bool up = json_is_true(json_object_get(v, "up"));

			json_object_set_new(obj, "status", json_string(up ? "ACTIVE" : "DOWN"));
			api_observe_merge_reason(obj, up);
		}
	} else if (kind == MODEL_HOST) {
		v = json_object_get(json_object_get(api->peer_view, "hosts"),
				    json_string_value(json_object_get(obj, "name")));
		if (!v)
			return;
		json_object_set_new(obj, "state",
				    json_string(json_is_true(json_object_get(v, "connected"))
						    ? "connected"
						    : "disconnected"));
		json_object_set(obj, "applied_revision", json_object_get(v, "acked_rev"));
		if (json_object_get(v, "capabilities"))
			json_object_set(obj, "capabilities", json_object_get(v, "capabilities"));
	}
}

/* True if host name, pending on this node for rev, is done in the cluster:
 * some node saw it ack rev, or it acked at least the last revision that
 * changed its rows, as known by nodes that applied rev themselves. */
static bool api_peers_host_done(const json_t *reports, const char *name, uint64_t rev)
{
	uint64_t acked = 0, dirty = 0;
	bool known = false;
	const json_t *r;
	size_t i;

	json_array_foreach(reports, i, r)
	{
		const json_t *h = json_object_get(json_object_get(r, "hosts"), name);
		uint64_t a = (uint64_t)json_integer_value(json_object_get(h, "acked_rev"));
		uint64_t d = (uint64_t)json_integer_value(json_object_get(h, "dirty_rev"));

		if (!h)
			continue;
		acked = a > acked ? a : acked;
		if ((uint64_t)json_integer_value(json_object_get(r, "revision")) < rev)
			continue;
		known = true;
		dirty = d > dirty ? d : dirty;
	}
	return acked >= rev || (known && acked >= dirty);
}

/* ---- gathering ---- */

static void api_gather_free(struct api_gather *g)
{
	for (struct api_gather **pp = &g->api->gathers; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	for (size_t i = 0; i < g->n_calls; i++)
		if (g->calls[i].conn)
			evhttp_connection_free(g->calls[i].conn);
	if (g->ev)
		event_free(g->ev);
	json_decref(g->pending);
	json_decref(g->reports);
	free(g);
}

/* Frees the previous round's connections (outside their callbacks). */
static void api_gather_reset(struct api_gather *g)
{
	for (size_t i = 0; i < g->n_calls; i++)
		if (g->calls[i].conn)
			evhttp_connection_free(g->calls[i].conn);
	memset(g->calls, 0, sizeof(g->calls));
	g->n_calls = 0;
	g->n_out = 0;
	json_array_clear(g->reports);
}

static void api_peers_on_reply(struct evhttp_request *preq, void *arg)
{
	struct api_peer_call *c = arg;
	struct api_gather *g = c->g;
	struct evbuffer *buf = preq ? evhttp_request_get_input_buffer(preq) : NULL;
	size_t len = buf ? evbuffer_get_length(buf) : 0;
	json_t *body = NULL;

	if (c->done)
		return;
	c->done = true;
	if (preq && evhttp_request_get_response_code(preq) == 200 && len < API_PEERS_BODY_MAX)
		body = json_loadb((const char *)evbuffer_pullup(buf, -1), len, 0, NULL);
	if (json_is_object(body))
		json_array_append(g->reports, body);
	else
		log_debug("peer southbound view unavailable status=%d",
			  preq ? evhttp_request_get_response_code(preq) : 0);
	json_decref(body);
	if (g->n_out > 0 && --g->n_out == 0)
		event_active(g->ev, EV_READ, 0); /* finish outside libevent's callback */
}

/* Splits "IP:PORT" or "[V6]:PORT". */
static int api_peers_addr(const char *addr, char *host, size_t size, uint16_t *port)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t n;

	if (!colon || colon == addr || !colon[1])
		return -EINVAL;
	n = (size_t)(colon - addr);
	if (addr[0] == '[' && n >= 2 && colon[-1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= size)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)strtoul(colon + 1, NULL, 10);
	return *port ? 0 : -EINVAL;
}

/* Sends GET /v1/internal/southbound to the peer at api_addr. */
static void api_peers_call(struct api_gather *g, const char *api_addr)
{
	struct timeval tv = {0, API_PEERS_TIMEOUT_MS * 1000};
	struct api_peer_call *c = &g->calls[g->n_calls];
	struct evhttp_request *preq;
	char host[RAFT_NODE_ADDR_MAX];
	uint16_t port;

	if (api_peers_addr(api_addr, host, sizeof(host), &port) < 0)
		return;
	c->g = g;
	c->conn = g->api->tls ? api_tls_peer_conn(g->api->tls, g->api->base, host, port)
			      : evhttp_connection_base_new(g->api->base, NULL, host, port);
	if (!c->conn)
		return;
	g->n_calls++;
	evhttp_connection_set_timeout_tv(c->conn, &tv);
	preq = evhttp_request_new(api_peers_on_reply, c);
	if (!preq)
		return;
	evhttp_add_header(evhttp_request_get_output_headers(preq), "Host", host);
	evhttp_add_header(evhttp_request_get_output_headers(preq), "Authorization", g->auth);
	g->n_out++;
	if (evhttp_make_request(c->conn, preq, EVHTTP_REQ_GET, "/v1/internal/southbound") < 0 &&
	    !c->done) {
		c->done = true; /* evhttp freed preq */
		g->n_out--;
	}
}

/* Starts a round: asks every other server. Returns the number asked. */
static size_t api_gather_start(struct api_gather *g)
{
	struct raft_node_info info;

	api_gather_reset(g);
	raft_node_info(g->api->raft, &info);
	for (size_t i = 0; i < info.n_servers && g->n_calls < RAFT_NODE_MAX_SERVERS; i++)
		if (info.servers[i].id != info.id && info.servers[i].api_addr[0])
			api_peers_call(g, info.servers[i].api_addr);
	return g->n_out;
}

/* Number of servers in the configuration other than this one. */
static size_t api_peers_count(struct api *api)
{
	struct raft_node_info info;
	size_t n = 0;

	if (!api->raft)
		return 0;
	raft_node_info(api->raft, &info);
	for (size_t i = 0; i < info.n_servers; i++)
		n += info.servers[i].id != info.id && info.servers[i].api_addr[0];
	return n;
}

static struct api_gather *api_gather_new(struct api *api, struct evhttp_request *req,
					 event_callback_fn cb)
{
	const char *auth =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	struct api_gather *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->api = api;
	g->req = req;
	g->client = evhttp_request_get_connection(req);
	snprintf(g->auth, sizeof(g->auth), "%s", auth ? auth : "");
	g->reports = json_array();
	g->ev = event_new(api->base, -1, 0, cb, g);
	if (!g->reports || !g->ev) {
		api_gather_free(g);
		return NULL;
	}
	g->next = api->gathers;
	api->gathers = g;
	return g;
}

/* ---- reads ---- */

/* All peers answered (or failed): serves the read with the merged view. */
static void api_read_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct api_gather *g = arg;
	struct api *api = g->api;

	if (g->req) {
		json_array_append_new(g->reports, api_peers_local(api));
		api->peer_view = api_peers_merge(g->reports);
		api->dispatch(api, g->req, &g->route);
		json_decref(api->peer_view);
		api->peer_view = NULL;
	}
	api_gather_free(g);
}

bool api_peers_read(struct api *api, struct evhttp_request *req, const struct api_route *r)
{
	struct api_gather *g;

	bool migrate = evhttp_request_get_command(req) == EVHTTP_REQ_POST &&
		       r->type == API_R_ACTION && r->kind == MODEL_PORT &&
		       strcmp(r->action, "migrate") == 0;

	if (api->peer_view || api_peers_count(api) == 0 ||
	    (!migrate && (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
			  (r->type != API_R_ITEM && r->type != API_R_COLLECTION) ||
			  (r->kind != MODEL_HOST && r->kind != MODEL_PORT))))
		return false;
	g = api_gather_new(api, req, api_read_on_done);
	if (!g)
		return false; /* served with this node's view only */
	g->route = *r;
	if (api_gather_start(g) == 0)
		event_active(g->ev, EV_READ, 0);
	return true;
}

/* ---- waits ---- */

/* southbound_wait callback with timeout 0: copies the pending names. */
static void api_wait_collect(void *arg, int status, const char *const *pending, size_t n)
{
	json_t *names = arg;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(names, json_string(pending[i]));
}

/* Answers the wait: 200, or 504 with the hosts still pending. */
static void api_wait_answer(struct api_gather *g, int code, json_t *pending)
{
	struct api *api = g->api;
	json_t *body;

	if (code == 200) {
		body = json_pack("{s:I,s:O}", "revision", (json_int_t)g->rev, "pending", pending);
	} else {
		body = api_error_body(
		    code == 504 ? "timeout" : "unavailable",
		    code == 504 ? "hosts did not ack in time" : "southbound shutting down", NULL);
		json_object_set(body, "pending", pending);
	}
	api_reply(api, g->req, code, body, store_revision(api->store));
	g->req = NULL;
}

/* The hosts of g->pending still behind in the merged reports. */
static json_t *api_wait_filter(struct api_gather *g)
{
	json_t *left = json_array(), *n;
	size_t i;

	json_array_append_new(g->reports, api_peers_local(g->api));
	json_array_foreach(g->pending, i,
			   n) if (!api_peers_host_done(g->reports, json_string_value(n), g->rev))
	    json_array_append(left, n);
	return left;
}

/* One round: this node's own view first; when hosts are pending here, the
 * peers' (a round's answers come back to api_wait_on_event). */
static void api_wait_poll(struct api_gather *g)
{
	struct api *api = g->api;

	json_array_clear(g->pending);
	if (!api->sb)
		return api_wait_answer(g, 503, g->pending);
	if (southbound_wait(api->sb, g->rev, 0, api_wait_collect, g->pending) == 0 &&
	    store_revision(api->store) >= g->rev && json_array_size(g->pending) == 0)
		return api_wait_answer(g, 200, g->pending);
	if (api_gather_start(g) == 0)
		event_active(g->ev, EV_READ, 0);
}

/* Timer (EV_TIMEOUT): next round; EV_READ: every peer answered. */
static void api_wait_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct api_gather *g = arg;
	struct timeval tv = {0, API_PEERS_POLL_MS * 1000};
	json_t *left;

	if (g->req && (what & EV_TIMEOUT)) {
		api_wait_poll(g);
	} else if (g->req) {
		left = api_wait_filter(g);
		/* this node behind rev: not done, whatever the hosts say */
		if (store_revision(g->api->store) >= g->rev && json_array_size(left) == 0)
			api_wait_answer(g, 200, left);
		else if (api_peers_now(g->api) >= g->deadline_ms)
			api_wait_answer(g, 504, left);
		json_decref(left);
		if (g->req)
			evtimer_add(g->ev, &tv);
	}
	if (!g->req)
		api_gather_free(g);
}

bool api_peers_wait(struct api *api, struct evhttp_request *req, uint64_t rev, uint64_t timeout_ms)
{
	struct api_gather *g;

	if (!api->sb || api_peers_count(api) == 0)
		return false;
	g = api_gather_new(api, req, api_wait_on_event);
	if (!g)
		return false; /* this node's view only */
	g->rev = rev;
	g->deadline_ms = api_peers_now(api) + (int64_t)timeout_ms;
	g->pending = json_array();
	api_wait_poll(g);
	if (!g->req)
		api_gather_free(g);
	return true;
}

void api_peers_on_close(struct api *api, struct evhttp_connection *evcon)
{
	for (struct api_gather *g = api->gathers; g; g = g->next)
		if (g->client == evcon)
			g->req = NULL; /* freed at its next event */
}

/* ---- this node's own calls ---- */

static void api_post_unlink(struct api_post *p)
{
	for (struct api_post **pp = &p->api->posts; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
}

static void api_post_on_reply(struct evhttp_request *preq, void *arg)
{
	struct api_post *p = arg;
	int code = preq ? evhttp_request_get_response_code(preq) : 0;

	api_post_unlink(p);
	p->done = true;
	if (code < 200 || code > 299)
		log_debug("peer call answered path=%s status=%d", p->what, code);
	if (!p->in_make)
		free(p); /* evhttp frees the connection after this callback */
}

/* POSTs body to the node at api_addr. 0 or -errno. */
static int api_post_one(struct api *api, const char *api_addr, const char *path, const char *ctype,
			const void *body, size_t len)
{
	struct evhttp_request *preq;
	char host[RAFT_NODE_ADDR_MAX];
	struct api_post *p;
	uint16_t port;

	if (api_peers_addr(api_addr, host, sizeof(host), &port) < 0)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->api = api;
	snprintf(p->what, sizeof(p->what), "%s", path);
	p->conn = api->tls ? api_tls_peer_conn(api->tls, api->base, host, port)
			   : evhttp_connection_base_new(api->base, NULL, host, port);
	preq = p->conn ? evhttp_request_new(api_post_on_reply, p) : NULL;
	if (!preq) {
		if (p->conn)
			evhttp_connection_free(p->conn);
		free(p);
		return -ENOMEM;
	}
	evhttp_connection_set_timeout(p->conn, API_POST_TIMEOUT_S);
	evhttp_add_header(evhttp_request_get_output_headers(preq), "Host", host);
	evhttp_add_header(evhttp_request_get_output_headers(preq), "Authorization", api->peer_auth);
	evhttp_add_header(evhttp_request_get_output_headers(preq), "Content-Type", ctype);
	/* one connection per call: closed after the answer, so that
	 * evhttp_connection_free_on_completion frees it then (a kept-alive
	 * connection would linger untracked, and leak at shutdown) */
	evhttp_add_header(evhttp_request_get_output_headers(preq), "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(preq), body, len);
	p->next = api->posts;
	api->posts = p;
	p->in_make = true;
	if (evhttp_make_request(p->conn, preq, EVHTTP_REQ_POST, path) < 0) {
		/* evhttp freed preq (perhaps after calling back); the
		 * connection is still ours */
		p->in_make = false;
		api_post_unlink(p);
		evhttp_connection_free(p->conn);
		free(p);
		return -EIO;
	}
	p->in_make = false;
	evhttp_connection_free_on_completion(p->conn);
	return 0;
}

int api_peer_post(struct api *api, bool leader, const char *path, const char *ctype,
		  const void *body, size_t len)
{
	struct raft_node_info info;
	int n = 0;

	if (!api || !path || !ctype || (!body && len))
		return -EINVAL;
	if (!api->peer_auth[0])
		return -EPERM;
	if (!api->raft)
		return -ENOTCONN;
	raft_node_info(api->raft, &info);
	if (leader)
		return info.leader_api[0] &&
			       api_post_one(api, info.leader_api, path, ctype, body, len) == 0
			   ? 1
			   : -ENOTCONN;
	for (size_t i = 0; i < info.n_servers; i++)
		if (info.servers[i].id != info.id && info.servers[i].api_addr[0] &&
		    api_post_one(api, info.servers[i].api_addr, path, ctype, body, len) == 0)
			n++;
	return n ? n : -ENOTCONN;
}

void api_peers_abort(struct api *api)
{
	while (api->posts) {
		struct api_post *p = api->posts;

		api->posts = p->next;
		evhttp_connection_free(p->conn); /* does not call the callback */
		free(p);
	}
	while (api->gathers) {
		struct api_gather *g = api->gathers;

		if (g->req)
			api_error(api, g->req, 503, "unavailable", "shutting down", NULL);
		api_gather_free(g);
	}
}
