/* api.h - tenetctl's view of the tenet REST API: JSON calls that report
 * errors the tenetctl way, name-to-id lookup, and the exit codes. Single
 * thread.
 */
#ifndef TENETCTL_API_H
#define TENETCTL_API_H

#include <stdbool.h>

#include <jansson.h>

#include "http.h"
#include "kinds.h"

#define API_RETRY_MS 10000 /* how long failed or leaderless calls are retried (at
			    * most --timeout) */

/* tenetctl's exit codes. */
enum ctl_exit {
	CTL_EXIT_OK = 0,      /* success */
	CTL_EXIT_API = 1,     /* the API refused (4xx/5xx), or not found */
	CTL_EXIT_USAGE = 2,   /* bad command line */
	CTL_EXIT_PENDING = 3, /* --wait / wait: some hosts did not ack in time */
	CTL_EXIT_CONN = 4,    /* no HTTP answer: refused, unreachable, timed out */
};

/* Output modes. */
enum ctl_output {
	CTL_OUT_TABLE, /* human tables and key/value listings */
	CTL_OUT_JSON,  /* the API's JSON */
};

/* Everything a command needs; filled by main.c. */
struct ctl {
	const char *api_url;	  /* base URL(s), e.g. http://127.0.0.1:8080[,http://...] */
	struct http_client *http; /* connected client, owned by main */
	enum ctl_output output;	  /* table or json */
	bool wait;		  /* --wait after writes */
	int timeout_sec;	  /* --timeout: wait and request bound */
	const char *json_body;	  /* --json argument or NULL */
	const char *token;	  /* bearer token or NULL (for other nodes' APIs) */
	const char *cacert;	  /* --cacert / $TENET_CACERT, or NULL: system CAs */
	char idem_base[33];	  /* this invocation's random key, "" until the first write */
	unsigned n_writes;	  /* writes sent so far (each gets its own key) */
	char idem_key[48];	  /* key of the write in progress, "" when none */
};

/* Performs one call. path is below the base URL ("/v1/networks"); body may be
 * NULL. A write (not GET) carries an Idempotency-Key made of a random key
 * drawn once per tenetctl invocation and the write's number. A 307 is
 * followed (up to 3 hops) only to an origin (scheme, host, port) among the
 * --api URLs or the cluster's members (GET /v1/cluster on the node in use),
 * with the same scheme; else the call fails (the token is never sent
 * elsewhere). No answer (connection failure) or a 503
 * no_leader / unknown_outcome is retried with the same key for up to
 * API_RETRY_MS or --timeout, whichever is shorter, backing off from 100 ms, moving on to the next --api URL
 * after a connection failure or no_leader. On an HTTP answer returns
 * CTL_EXIT_OK with *status, *out (parsed body, NULL when empty or not JSON;
 * caller owns) and *revision (X-Tenet-Revision or -1), whatever the status.
 * When no answer came prints "error: ..." and returns CTL_EXIT_CONN. */
int api_request(struct ctl *ctl, const char *method, const char *path, json_t *body, int *status,
		json_t **out, long long *revision);

/* Prints the API error in out (status >= 400) as
 * "error: <message> (field: <field>)" on stderr. */
void api_print_error(int status, json_t *out);

/* api_request, then api_print_error on status >= 400. Returns CTL_EXIT_OK
 * with *out (caller owns; may be NULL) and *revision, or CTL_EXIT_API /
 * CTL_EXIT_CONN. out and revision may be NULL when not wanted. */
int api_call(struct ctl *ctl, const char *method, const char *path, json_t *body, json_t **out,
	     long long *revision);

/* Turns a name or id of kind k into an id: UUIDs and host names are used as
 * they are; otherwise lists k and takes the object whose name matches. A
 * name matching several objects is an error (printed, CTL_EXIT_API); no
 * match leaves the text as is (the API then answers 404). On CTL_EXIT_OK
 * *id is a new string the caller frees. */
int api_resolve(struct ctl *ctl, const struct kind *k, const char *name_or_id, char **id);

/* Replaces names by ids in body's reference fields of kind k (tenant_id,
 * network_id, fixed_ips[].subnet_id). Returns a CTL_EXIT_* code. */
int api_resolve_refs(struct ctl *ctl, const struct kind *k, json_t *body);

/* Waits until every affected host acked revision (GET /v1/wait), at most
 * ctl->timeout_sec. Returns CTL_EXIT_OK, CTL_EXIT_PENDING after printing
 * the pending hosts, or CTL_EXIT_API / CTL_EXIT_CONN. When out is not NULL
 * it receives the answer body (caller owns). */
int api_wait(struct ctl *ctl, long long revision, json_t **out);

#endif
