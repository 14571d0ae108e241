/* api.h - the northbound REST API (libevent evhttp + jansson).
 *
 * Serves /v1/<kinds>[/<id>], /v1/status, /v1/wait, /v1/changes, the
 * cluster, observability and trace endpoints and /metrics as documented in
 * docs/API.md. Every request needs the admin bearer token (auth.h) but
 * /healthz and /readyz. Writes are validated, become store commands and are
 * proposed to the Raft log (raft_node.h; there is no other write path);
 * after each applied write southbound_publish() is called. Every response
 * but a 401 carries X-Tenet-Revision.
 *
 * Limits: bodies over API_MAX_BODY get 413 (JSON error); evhttp itself cuts
 * bodies over API_HARD_BODY and headers over API_MAX_HEADERS; a stalled
 * read or write times out after API_TIMEOUT_S.
 *
 * Connections (api_conn.c; libevent 2.1.12 has no connection limit of its
 * own) are counted from their accept, never by pausing the listener:
 *  - a new connection must send its request line within API_FIRST_LINE_MS,
 *    the rest of a request within API_REQUEST_MS, and a kept-alive one its
 *    next request line within API_KEEPALIVE_MS; else it is closed;
 *  - at API_MAX_CONNS_PER_SOURCE connections from one peer address, that
 *    address's oldest connection serving no request is closed to make
 *    room; at API_MAX_CONNS in all, the oldest such connection of any
 *    address (waiting ones before those part-way through a request);
 *  - when every connection under the limit is serving a request, the new
 *    one is taken as overflow (at most API_MAX_OVERFLOW): its request gets
 *    503 too_many_connections with Retry-After: 1 and Connection: close.
 *    Past that it is closed at once.
 * So idle or slow connections can neither block the API nor hold it for
 * long; GET /v1/status reports the counters.
 *
 * TLS: with a certificate and key the API speaks only HTTPS (OpenSSL
 * through libevent's bufferevents, TLS 1.2 or later), redirects name
 * https://, and requests to peer nodes use HTTPS verified against the CA.
 * Without TLS the API listens only on a loopback address unless
 * insecure_http is set: the bearer token would cross the network in clear.
 *
 * Everything here runs on the main thread's event loop.
 */
#ifndef TENET_API_H
#define TENET_API_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

struct store;
struct southbound;
struct api;

#define API_MAX_BODY		 (1 << 20)  /* largest accepted body: 1 MiB */
#define API_HARD_BODY		 (2 << 20)  /* evhttp's own cut-off */
#define API_MAX_HEADERS		 (16 << 10) /* header bytes */
#define API_TIMEOUT_S		 30	    /* per-connection read/write timeout */
#define API_MAX_CONNS		 128	    /* concurrent connections served */
#define API_MAX_CONNS_PER_SOURCE 32	    /* of those, from one peer address */
#define API_MAX_OVERFLOW	 16	    /* more, answered 503 and closed */
#define API_FIRST_LINE_MS	 3000	    /* accept to first request line */
#define API_REQUEST_MS		 30000	    /* request line to whole request */
#define API_KEEPALIVE_MS	 15000	    /* reply to next request line */
#define API_WAIT_DEFAULT_MS	 10000	    /* GET /v1/wait default timeout */
#define API_WAIT_MAX_MS		 120000	    /* GET /v1/wait largest timeout */

/* How the API listens. Plain data; strings borrowed for api_new's call. */
struct api_config {
	const char *listen;   /* "ADDR:PORT" (IPv4) or "[V6]:PORT"; port 0 picks one */
	const char *tls_cert; /* PEM certificate chain, or NULL: plain HTTP */
	const char *tls_key;  /* PEM private key (with tls_cert) */
	const char *tls_ca;   /* PEM CA bundle peers are verified with; NULL: tls_cert */
	bool insecure_http;   /* allow plain HTTP on a non-loopback address */
};

/* Listens on cfg->listen on base, serving store and publishing to sb (may
 * be NULL: no southbound). Refuses (NULL) plain HTTP on an address other
 * than a loopback one (127.0.0.0/8, ::1, "localhost") without
 * cfg->insecure_http, and a certificate without a key or the reverse.
 * The admin token hash is read from the store on the first request that
 * finds it there (so main can create the token file after the socket listens:
 * the file's existence then means the API accepts connections); until then
 * every request gets 401.
 * store and sb are borrowed and must outlive the api. Returns NULL on
 * failure (logged). */
struct api *api_new(struct event_base *base, struct store *store, struct southbound *sb,
		    const struct api_config *cfg);

/* "https" or "http": the scheme this API (and its peers) speak. */
const char *api_scheme(const struct api *api);

struct raft_node;

/* Sends every write through raft (raft_node_propose) and serves the
 * /v1/cluster endpoints and consistent reads; raft is borrowed and must
 * outlive the api (or be unset with NULL first). */
void api_set_raft(struct api *api, struct raft_node *raft);

struct migrate;

/* The migration driver (migrate_driver.h; borrowed, NULL: none) that the
 * other nodes' migration reports go to. */
void api_set_migrate(struct api *api, struct migrate *mig);

/* The admin token (hex, copied) this node presents on its own calls to its
 * peers (the nodes of a cluster share it, --admin-token). */
void api_set_peer_token(struct api *api, const char *hex);

/* POSTs body (len bytes of content type ctype, borrowed) to path on the
 * Raft leader (leader true) or on every other server of the configuration,
 * with the peer token, without waiting for the answers (logged at debug
 * level). Returns the number of requests sent, -ENOTCONN (no leader or peer
 * known), -EPERM (no peer token), -ENOMEM. Main thread. */
int api_peer_post(struct api *api, bool leader, const char *path, const char *ctype,
		  const void *body, size_t len);

/* The port actually bound (useful with port 0). */
uint16_t api_port(const struct api *api);

/* Shutdown, step one: stops accepting connections and forgets the
 * southbound (requests on open connections are then served without it).
 * Call before southbound_destroy. Takes NULL. */
void api_quiesce(struct api *api);

/* Stops listening, closes every connection and frees the api. Pending
 * /v1/wait requests must have been completed first (southbound_destroy
 * cancels them). Takes NULL; sets *ap to NULL. */
void api_destroy(struct api **ap);

#endif
