/* api_int.h - private to the REST API's files (api*.c). Main thread only.
 *
 * The files are layered, each calling only the ones below it (see
 * docs/ARCHITECTURE.md, "Controller layers"):
 *   api.c                    server, authentication, routing, dispatch
 *   api_handlers.c           resources, status, wait, changes
 *   api_cluster.c            writes through Raft, forwarding, consistent reads
 *   api_view.c               an object as shown (runtime state added)
 *   api_peers.c              cluster-wide views gathered from peers
 *   api_observe.c, api_trace.c, api_monitor.c   observation routes
 *   api_util.c               replies and errors
 *   api_metrics.c            request counters, /metrics, health
 *   api_conn.c, api_tls.c    connection accounting, HTTPS
 * A lower file resumes a request in api.c only through api->dispatch, and
 * api_conn.c tells the handlers of closed connections only through the hook
 * api.c gives api_conn_setup. */
#ifndef TENET_API_INT_H
#define TENET_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "auth.h"
#include "model.h"
#include "store.h"

struct api_route;
struct southbound_port_info;

struct api {
	struct event_base *base;	     /* the main loop */
	struct store *store;		     /* desired state (borrowed) */
	struct southbound *sb;		     /* agent side (borrowed, may be NULL) */
	struct evhttp *http;		     /* the server */
	struct evhttp_bound_socket *bound;   /* the listening socket */
	uint16_t port;			     /* port bound */
	bool has_hash;			     /* token_hash is set */
	uint8_t token_hash[AUTH_HASH_BYTES]; /* admin token hash */
	struct api_conns *conns;	     /* connection accounting (api_conn.c) */
	struct api_metrics *metrics;	     /* request counters (api_metrics.c) */
	struct api_tls *tls;		     /* HTTPS, or NULL for plain HTTP */
	struct raft_node *raft;		     /* replicated log (borrowed, may be NULL) */
	struct api_pending *pending;	     /* requests waiting for Raft */
	struct api_gather *gathers;	     /* requests waiting for peers */
	struct api_post *posts;		     /* this node's calls to peers in flight */
	json_t *peer_view;		     /* merged cluster view while a
					      * gathered read is served, else NULL */
	struct migrate *mig;		     /* migration driver (borrowed, may be NULL) */
	char peer_auth[96];		     /* "Bearer <admin token>" for this node's
					      * own calls to its peers, "" = none */
	/* api.c's router: runs the handler of route r for req, for the files
	 * below that resume a request (after Raft, forwarding or gathering) */
	void (*dispatch)(struct api *api, struct evhttp_request *req, const struct api_route *r);
};

/* What a path names. */
enum api_route_type {
	API_R_COLLECTION, /* /v1/<kinds> */
	API_R_ITEM,	  /* /v1/<kinds>/<id> */
	API_R_STATUS,	  /* /v1/status */
	API_R_WAIT,	  /* /v1/wait */
	API_R_CHANGES,	  /* /v1/changes */
	API_R_ACTION,	  /* /v1/<kinds>/<id>/<action> (routers: add/remove_router_interface) */
};

struct api_route {
	enum api_route_type type; /* which endpoint */
	enum model_kind kind;	  /* for collections and items */
	char id[128];		  /* for items, as given in the path */
	char action[32];	  /* for actions */
};

/* Replies (api_util.c). */

/* Sends status with body (stolen; NULL for none) and X-Tenet-Revision rev. */
void api_reply(struct api *api, struct evhttp_request *req, int status, json_t *body, uint64_t rev);

/* {"error":{"code","message","field"}}; field NULL or "" gives null. */
json_t *api_error_body(const char *code, const char *message, const char *field);

/* Sends an error reply with the current revision. */
void api_error(struct api *api, struct evhttp_request *req, int status, const char *code,
	       const char *message, const char *field);

/* Adds runtime state (port status, host session) to obj; returns obj
 * (api_view.c). */
json_t *api_decorate(struct api *api, enum model_kind kind, json_t *obj);

/* Handlers (api_handlers.c); each sends exactly one reply (or defers it). */
void api_list(struct api *api, struct evhttp_request *req, const struct api_route *r);
void api_show(struct api *api, struct evhttp_request *req, const struct api_route *r);
void api_write(struct api *api, struct evhttp_request *req, enum store_op op,
	       const struct api_route *r);
void api_status(struct api *api, struct evhttp_request *req);
/* PUT /v1/routers/ID/{add,remove}_router_interface {"subnet_id": ...}:
 * Neutron's calls, a create or delete of the router_interface. */
/* Reads the request's JSON body into *body (new reference); false (error
 * sent) on a wrong content type, a body too large, or bad JSON. */
bool api_body(struct api *api, struct evhttp_request *req, json_t **body);

/* Encodes op on (kind, id) with body text and proposes it (api_propose). */
void api_apply(struct api *api, struct evhttp_request *req, enum store_op op, enum model_kind kind,
	       const char *id, const char *text, const char *idem);

/* POST /v1/ports/{id}/migrate[/activate|/abort] and /v1/hosts/{id}/drain,
 * /undrain (api_migrate.c). */
void api_migrate_action(struct api *api, struct evhttp_request *req, const struct api_route *r);

void api_router_action(struct api *api, struct evhttp_request *req, const struct api_route *r);

#define API_IDEM_MAX 128 /* longest Idempotency-Key header */

/* Reads a JSON body (application/json, at most API_MAX_BODY) into *body
 * (new reference); false with the error sent. */
bool api_body(struct api *api, struct evhttp_request *req, json_t **body);
/* A random (version 4) UUID. */
void api_uuid(char out[MODEL_UUID_LEN + 1]);
/* Encodes and proposes command (op, kind, id, body text, idempotency key);
 * answers the request when applied. */
void api_apply(struct api *api, struct evhttp_request *req, enum store_op op, enum model_kind kind,
	       const char *id, const char *text, const char *idem);

/* Tenant documents (api_tenant.c): POST /v1/tenants/ID/clone,
 * GET /v1/tenants/ID/export, POST /v1/tenants/import. */
void api_tenant_clone(struct api *api, struct evhttp_request *req, const struct api_route *r);
void api_tenant_export(struct api *api, struct evhttp_request *req, const struct api_route *r);
void api_tenant_import(struct api *api, struct evhttp_request *req);

/* HTTP status of a store outcome (rc 0 or -errno, store.h) for op. */
int api_store_status(int rc, enum store_op op);
void api_wait(struct api *api, struct evhttp_request *req);
void api_changes(struct api *api, struct evhttp_request *req);

/* Cluster side (api_cluster.c). */

/* Proposes the encoded command cmd (borrowed) through Raft and answers when
 * it is committed and applied here (or 307 to the leader, or 503). */
void api_propose(struct api *api, struct evhttp_request *req, enum store_op op,
		 enum model_kind kind, const char *id, const void *cmd, size_t len);

/* True if the request names /v1/cluster...; then it was answered. */
bool api_cluster_route(struct api *api, struct evhttp_request *req);

/* True if the GET carries consistent=1; then the request is served after a
 * barrier on the leader (or redirected) and r is copied. */
bool api_consistent(struct api *api, struct evhttp_request *req, const struct api_route *r);

/* A connection closed: forgets the requests waiting on it. */
void api_cluster_on_close(struct api *api, struct evhttp_connection *evcon);

/* Answers every request still waiting (503); for shutdown. */
void api_cluster_abort(struct api *api);

/* Cluster view of the southbound (api_peers.c). */

/* True if the request names /v1/internal/southbound (then it was answered
 * with this node's sessions, acks and port reports) or one of the
 * migration's internal calls between nodes (POST /v1/internal/migrate/report:
 * a follower's fact for the leader's driver; POST
 * /v1/internal/migrate/ct?host=H: a CT_STATE for H's session here). */
bool api_peers_route(struct api *api, struct evhttp_request *req);

/* Serves GET /v1/ports/ID/stats and /v1/hosts/NAME/drops (api_observe.c);
 * false if the path is neither. */
bool api_observe_route(struct api *api, struct evhttp_request *req);

/* Sets the decorated port obj's "status_reason" (api_observe.c): why the
 * port bound to host (NULL: unbound) does not forward, or null when nothing
 * is known to be wrong. pi is its host's last report, NULL if none. Its
 * "status" must be set already. */
void api_observe_port_reason(struct api *api, json_t *obj, const char *host,
			     const struct southbound_port_info *pi);

/* Fixes a decorated port's "status_reason" after the cluster merge said
 * whether its interface is up (the node that heard from its host last):
 * reasons that only meant "no report here" give way to no_link or null. */
void api_observe_merge_reason(json_t *obj, bool up);

/* True if r (a GET of hosts or ports, or a POST of a port's migration,
 * whose destination is checked against the cluster's view) is deferred
 * until the other nodes' views are gathered; it is then dispatched again with api->peer_view set.
 * False (serve it now) without peers, or when already gathered. */
bool api_peers_read(struct api *api, struct evhttp_request *req, const struct api_route *r);

/* Overrides obj's runtime state with api->peer_view, if set. */
void api_peers_decorate(struct api *api, enum model_kind kind, json_t *obj);

/* True if the wait for rev was taken over by the cluster-wide barrier (it
 * answers later, at most about timeout_ms on); false without peers or
 * southbound (the caller then serves it from this node alone). */
bool api_peers_wait(struct api *api, struct evhttp_request *req, uint64_t rev, uint64_t timeout_ms);

/* A connection closed: forgets the requests waiting on it. */
void api_peers_on_close(struct api *api, struct evhttp_connection *evcon);

/* Answers every request waiting for peers (503) and frees them; shutdown. */
void api_peers_abort(struct api *api);

/* Connections (api_conn.c). */

/* Counters of the API's connections; plain data. */
struct api_conn_stats {
	uint64_t accepted;  /* connections taken in */
	uint64_t evicted;   /* idle ones closed to make room */
	uint64_t timed_out; /* closed at a deadline (request line, request, keep-alive) */
	uint64_t refused;   /* closed at accept: every limit full */
	uint64_t rejected;  /* requests answered 503 too_many_connections */
	size_t open;	    /* connections counted now */
	size_t overflow;    /* connections over the limits now (get 503) */
	size_t busy;	    /* connections serving a request now */
};

/* Called when a connection closes, for the handlers to forget the
 * requests waiting on it. */
typedef void api_conn_close_fn(struct api *api, struct evhttp_connection *evcon);

/* Hooks the accounting into api->http (evhttp_set_bevcb); api->tls must be
 * set before; on_close (may be NULL) is called for every closed
 * connection. Returns 0 or -ENOMEM (the caller then destroys the api). */
int api_conn_setup(struct api *api, api_conn_close_fn *on_close);

/* Frees the accounting; after evhttp_free (which closes every connection).
 * Takes a NULL api->conns. */
void api_conn_teardown(struct api *api);

/* Called first for every request: true if it may be served (its
 * connection is then busy until the reply is sent); false when it is over
 * the limits: Retry-After and Connection: close are then set, and the
 * caller answers 503 too_many_connections. */
bool api_conn_request(struct api *api, struct evhttp_request *req);

/* Copies the counters. */
void api_conn_get_stats(const struct api *api, struct api_conn_stats *st);

/* Monotonic clock, microseconds. */
int64_t api_conn_now_us(void);

/* When the request being served on req's connection started
 * (api_conn_now_us), or -1 if unknown. */
int64_t api_conn_started_us(const struct api *api, struct evhttp_request *req);

/* Metrics and health (api_metrics.c). */

/* A new, empty set of request counters; NULL when out of memory. */
struct api_metrics *api_metrics_new(void);

/* Takes NULL; sets *mp to NULL. */
void api_metrics_destroy(struct api_metrics **mp);

/* Counts the reply with status to req (route from its URI, latency from
 * its connection's start); called by api_reply. */
void api_metrics_observe(struct api *api, struct evhttp_request *req, int status);

/* Answers GET /metrics: Prometheus text of this node (requests, Raft,
 * revision, hosts' applied revisions, sessions, publish time). After
 * authentication. Returns 0, or -ENOMEM with nothing sent (logged; the
 * caller answers 500). */
int api_metrics_serve(struct api *api, struct evhttp_request *req);

/* Answers /healthz (the process serves requests) and /readyz (a Raft
 * leader is known and the log is applied; 503 naming why not) and returns
 * true; false for any other path. Before authentication: they say nothing
 * about the store. */
bool api_metrics_health(struct api *api, struct evhttp_request *req);

/* TLS (api_tls.c). */

struct bufferevent;

/* Loads the server certificate chain (cert, PEM) and key, and the CA
 * bundle peers are verified with (ca, or cert itself when NULL). TLS 1.2
 * at least. Returns NULL on failure (logged with OpenSSL's reason). */
struct api_tls *api_tls_new(const char *cert, const char *key, const char *ca);

/* Takes NULL; sets *tp to NULL. */
void api_tls_destroy(struct api_tls **tp);

/* A server-side TLS bufferevent without a socket yet (evhttp sets it), or
 * NULL. Freeing it frees its SSL and closes its socket. */
struct bufferevent *api_tls_server_bev(struct api_tls *t, struct event_base *base);

/* An outgoing HTTPS connection to a peer's API at host:port, verifying
 * its certificate against the CA and its address (an IP literal) or name.
 * NULL on failure; free with evhttp_connection_free. */
struct evhttp_connection *api_tls_peer_conn(struct api_tls *t, struct event_base *base,
					    const char *host, uint16_t port);

/* True if the request names /v1/hosts/NAME/trace; then it was answered
 * or deferred until the agent answers (api_trace.c). */
bool api_trace_route(struct api *api, struct evhttp_request *req);

/* A connection closed: its traces still waiting will answer nobody. For
 * api.c's connection close callback. */
void api_trace_on_close(struct api *api, struct evhttp_connection *evcon);

/* True if the request names /v1/hosts/NAME/monitor; then it was answered,
 * or its stream of drop events started or deferred until the agent
 * answers (api_monitor.c). */
bool api_monitor_route(struct api *api, struct evhttp_request *req);

/* A connection closed: ends the drop monitor stream on it (the agent's
 * monitor goes off with the host's last stream). For api_conn.c. */
void api_monitor_on_close(struct api *api, struct evhttp_connection *evcon);

/* Ends every drop monitor stream (503 or an "end" line) and stops
 * receiving events; for shutdown, while api->sb is still set. */
void api_monitor_abort(struct api *api);

#endif
