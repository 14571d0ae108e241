/* api_int.h - private to api.c and api_handlers.c. Main thread only. */
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

struct api {
	struct event_base *base;			/* the main loop */
	struct store *store;				/* desired state (borrowed) */
	struct southbound *sb;				/* agent side (borrowed, may be NULL) */
	struct evhttp *http;				/* the server */
	struct evhttp_bound_socket *bound;		/* the listening socket */
	uint16_t port;					/* port bound */
	bool has_hash;					/* token_hash is set */
	uint8_t token_hash[AUTH_HASH_BYTES];		/* admin token hash */
	struct evhttp_connection *conns[API_MAX_CONNS]; /* connections counted */
	size_t n_conns;					/* entries used in conns */
	struct bufferevent *accepted[API_MAX_CONNS];	/* accepted, evcon not yet known
							 * (one reference held each) */
	size_t n_accepted;				/* entries used in accepted */
	struct event *ev_accepted;			/* resolves accepted[] next */
	bool paused;					/* listener disabled at the cap */
	struct raft_node *raft;				/* replicated log (borrowed, may be NULL) */
	struct api_pending *pending;			/* requests waiting for Raft */
	struct api_gather *gathers;			/* requests waiting for peers */
	json_t *peer_view;				/* merged cluster view while a
							 * gathered read is served, else NULL */
};

/* What a path names. */
enum api_route_type {
	API_R_COLLECTION, /* /v1/<kinds> */
	API_R_ITEM,	  /* /v1/<kinds>/<id> */
	API_R_STATUS,	  /* /v1/status */
	API_R_WAIT,	  /* /v1/wait */
	API_R_CHANGES,	  /* /v1/changes */
};

struct api_route {
	enum api_route_type type; /* which endpoint */
	enum model_kind kind;	  /* for collections and items */
	char id[128];		  /* for items, as given in the path */
};

/* Sends status with body (stolen; NULL for none) and X-Tenet-Revision rev. */
void api_reply(struct api *api, struct evhttp_request *req, int status, json_t *body, uint64_t rev);

/* {"error":{"code","message","field"}}; field NULL or "" gives null. */
json_t *api_error_body(const char *code, const char *message, const char *field);

/* Sends an error reply with the current revision. */
void api_error(struct api *api, struct evhttp_request *req, int status, const char *code,
	       const char *message, const char *field);

/* Adds runtime state (port status, host session) to obj; returns obj. */
json_t *api_decorate(struct api *api, enum model_kind kind, json_t *obj);

/* Handlers (api_handlers.c); each sends exactly one reply (or defers it). */
void api_list(struct api *api, struct evhttp_request *req, const struct api_route *r);
void api_show(struct api *api, struct evhttp_request *req, const struct api_route *r);
void api_write(struct api *api, struct evhttp_request *req, enum store_op op,
	       const struct api_route *r);
void api_status(struct api *api, struct evhttp_request *req);
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

/* True if the request names /v1/internal/southbound; then it was answered
 * with this node's sessions, acks and port reports. */
bool api_peers_route(struct api *api, struct evhttp_request *req);

/* True if r (a GET of hosts or ports) is deferred until the other nodes'
 * views are gathered; it is then dispatched again with api->peer_view set.
 * False (serve it now) without peers, or when already gathered. */
bool api_peers_read(struct api *api, struct evhttp_request *req, const struct api_route *r);

/* Overrides obj's runtime state with api->peer_view, if set. */
void api_peers_decorate(struct api *api, enum model_kind kind, json_t *obj);

/* True if the wait for rev was taken over by the cluster-wide barrier (it
 * answers later, at most about timeout_ms on); false without peers or
 * southbound (the caller then serves it from this node alone). */
bool api_peers_wait(struct api *api, struct evhttp_request *req, uint64_t rev,
		    uint64_t timeout_ms);

/* A connection closed: forgets the requests waiting on it. */
void api_peers_on_close(struct api *api, struct evhttp_connection *evcon);

/* Answers every request waiting for peers (503) and frees them; shutdown. */
void api_peers_abort(struct api *api);

/* True if the request names /v1/hosts/NAME/trace; then it was answered
 * or deferred until the agent answers (api_trace.c). */
bool api_trace_route(struct api *api, struct evhttp_request *req);

/* A connection closed: its traces still waiting will answer nobody. For
 * api.c's connection close callback. */
void api_trace_on_close(struct api *api, struct evhttp_connection *evcon);

/* Routes a request (api.c); used again after a barrier. */
void api_dispatch(struct api *api, struct evhttp_request *req, const struct api_route *r);

#endif
