/* api.h - the northbound REST API (libevent evhttp + jansson).
 *
 * Serves /v1/<kinds>[/<id>], /v1/status, /v1/wait and /v1/changes as
 * documented in docs/API.md. Every request needs the admin bearer token
 * (auth.h). Writes become store commands (store_apply); after each committed
 * write southbound_publish() is called. Every response but a 401 carries
 * X-Tenet-Revision.
 *
 * Limits: bodies over API_MAX_BODY get 413 (JSON error); evhttp itself cuts
 * bodies over API_HARD_BODY and headers over API_MAX_HEADERS; idle or slow
 * connections time out after API_TIMEOUT_S. libevent 2.1.12 has no
 * evhttp_set_max_connections (it arrived in 2.2), so the API counts every
 * connection from its accept (evhttp_set_bevcb, then closecb accounting)
 * and, while API_MAX_CONNS are open, disables its listener: further
 * connections wait in the kernel's listen backlog until one closes (idle
 * ones are reaped by the timeout). A request on a connection that is
 * somehow over the cap gets 503 with "Connection: close".
 *
 * Everything here runs on the main thread's event loop.
 */
#ifndef TENET_API_H
#define TENET_API_H

#include <stdint.h>

#include <event2/event.h>

struct store;
struct southbound;
struct api;

#define API_MAX_BODY	    (1 << 20)  /* largest accepted body: 1 MiB */
#define API_HARD_BODY	    (2 << 20)  /* evhttp's own cut-off */
#define API_MAX_HEADERS	    (16 << 10) /* header bytes */
#define API_TIMEOUT_S	    30	       /* per-connection read/write timeout */
#define API_MAX_CONNS	    128	       /* concurrent connections served */
#define API_WAIT_DEFAULT_MS 10000      /* GET /v1/wait default timeout */
#define API_WAIT_MAX_MS	    120000     /* GET /v1/wait largest timeout */

/* Listens on listen ("ADDR:PORT", IPv4, or "[v6]:PORT"; port 0 picks one)
 * on base, serving store and publishing to sb (may be NULL: no southbound).
 * The admin token hash is read from the store on the first request that
 * finds it there (so main can create the token file after the socket listens:
 * the file's existence then means the API accepts connections); until then
 * every request gets 401.
 * store and sb are borrowed and must outlive the api. Returns NULL on
 * failure (logged). */
struct api *api_new(struct event_base *base, struct store *store, struct southbound *sb,
		    const char *listen);

struct raft_node;

/* Sends every write through raft (raft_node_propose) and serves the
 * /v1/cluster endpoints and consistent reads; raft is borrowed and must
 * outlive the api (or be unset with NULL first). */
void api_set_raft(struct api *api, struct raft_node *raft);

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
