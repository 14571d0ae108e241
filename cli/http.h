/* http.h - one-shot blocking HTTP/1.1 client for tenetctl, on libevent's
 * evhttp, with TLS (https://) through OpenSSL: TLS 1.2 or later, the
 * server's certificate verified against a CA file or the system's CAs and
 * checked to name the URL's host (IP address or DNS name). One request at a
 * time, one connection per request; single thread.
 */
#ifndef TENETCTL_HTTP_H
#define TENETCTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_client;

/* The answer to one request. Plain data; free with http_response_clear(). */
struct http_response {
	int status;	    /* HTTP status code (200, 404, ...) */
	char *body;	    /* NUL-terminated body, owned; "" when empty */
	size_t body_len;    /* bytes in body, without the NUL */
	long long revision; /* X-Tenet-Revision header, -1 when absent */
	char *location;	    /* Location header of a 3xx answer (owned), else NULL */
};

/* Parses base_url ("http[s]://host[:port][/prefix]", or several such URLs
 * separated by commas: the nodes of a cluster; the first is used until
 * http_client_next) and prepares a client.
 * token may be NULL (no Authorization header). timeout_sec bounds each
 * request (connect + response). cacert (copied; NULL: the system's CAs) is
 * the PEM file https:// servers are verified with. Returns NULL on a bad
 * URL or no memory; *err then points at a static message. */
struct http_client *http_client_new(const char *base_url, const char *token, int timeout_sec,
				    const char *cacert, const char **err);

/* Writes url's origin, "scheme://host:port" (default port filled in), to
 * out. Returns 0, or -EINVAL when url is not an http(s) URL or out is too
 * small. */
int http_url_origin(const char *url, char *out, size_t size);

/* True if one of c's base URLs has origin (as http_url_origin writes it). */
bool http_client_has_origin(const struct http_client *c, const char *origin);

/* Moves on to the next URL of the list (wrapping around). Returns false
 * when there is only one (nothing changes). */
bool http_client_next(struct http_client *c);

/* The URL in use, "http[s]://HOST:PORT[/prefix]" (a static buffer). */
const char *http_client_url(const struct http_client *c);

/* Sends key (copied; NULL for none) as Idempotency-Key with every later
 * request that is not a GET. Returns 0 or -ENOMEM. */
int http_client_set_idempotency_key(struct http_client *c, const char *key);

/* Frees the client and sets *cp to NULL. Accepts NULL. */
void http_client_destroy(struct http_client **cp);

/* Changes the per-request timeout (seconds) for later requests. */
void http_client_set_timeout(struct http_client *c, int timeout_sec);

/* Sends method ("GET", "POST", "PATCH", "PUT", "DELETE") to base prefix + path
 * with an optional JSON body (NULL for none) and waits for the answer.
 * Returns 0 with *resp filled (any HTTP status), -ECONNREFUSED / -ETIMEDOUT /
 * -EIO when no HTTP answer came (then *err says why), -EPERM when the
 * server's TLS certificate is not trusted, -EPROTO when the TLS handshake
 * failed otherwise, -EINVAL on a bad method or an unreadable CA file,
 * -ENOMEM. *err may point at a static buffer overwritten by the next call.
 * The caller owns resp's contents on success. */
int http_client_request(struct http_client *c, const char *method, const char *path,
			const char *body, struct http_response *resp, const char **err);

/* One line of a streamed answer (NUL-terminated, without its newline).
 * Return nonzero to end the stream. */
typedef int (*http_line_cb)(void *arg, const char *line);

/* GETs path and hands each line of a 200 answer to cb as it arrives, until
 * the server ends it, cb returns nonzero, or SIGINT or SIGTERM comes (the
 * signals are caught only meanwhile; *interrupted, if given, says so).
 * Returns 0 with resp->status (200 also when the client ended it; any
 * other status with the whole answer in resp->body), or as
 * http_client_request; -EINTR when a signal came before any answer. */
int http_client_stream(struct http_client *c, const char *path, http_line_cb cb, void *arg,
		       struct http_response *resp, bool *interrupted, const char **err);

/* Frees resp's contents; resp itself is the caller's. */
void http_response_clear(struct http_response *resp);

#endif
