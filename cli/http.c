/* http.c - one-shot blocking HTTP client on libevent's evhttp. */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

struct http_client {
	struct event_base *base;	/* private loop, run once per request */
	struct evhttp_connection *conn; /* connection of the last request */
	char *host;			/* host name or address from the URL */
	int port;			/* TCP port from the URL (default 80) */
	char *prefix;			/* URL path prefix without trailing '/' */
	char *token;			/* bearer token or NULL */
	int timeout_sec;		/* per-request timeout */
	char *urls;			/* the comma-separated base URLs given */
	size_t n_urls;			/* URLs in urls */
	size_t cur;			/* index of the URL in use (host, port, prefix) */
	char *idem;			/* Idempotency-Key sent with writes, or NULL */
};

/* State shared between http_client_request and its callbacks. */
struct http_call {
	struct http_client *c;	    /* the client */
	struct http_response *resp; /* filled on an HTTP answer */
	int rc;			    /* 0, or -errno when no answer */
	const char *err;	    /* static reason when rc < 0 */
	int done;		    /* callback has run */
};

/* Makes the i-th URL of c->urls the one in use (host, port, prefix).
 * Returns 0, -EINVAL (bad URL), -ENOMEM. */
static int http_use_url(struct http_client *c, size_t i)
{
	const char *start = c->urls, *end, *host, *scheme, *path;
	struct evhttp_uri *uri;
	char *one;
	size_t plen;
	int rc = -EINVAL;

	for (size_t k = i; k > 0 && start; k--)
		start = strchr(start, ',') ? strchr(start, ',') + 1 : NULL;
	if (!start)
		return -EINVAL;
	end = strchr(start, ',');
	one = strndup(start, end ? (size_t)(end - start) : strlen(start));
	uri = one ? evhttp_uri_parse(one) : NULL;
	free(one);
	if (!uri)
		return one ? -EINVAL : -ENOMEM;
	scheme = evhttp_uri_get_scheme(uri);
	host = evhttp_uri_get_host(uri);
	path = evhttp_uri_get_path(uri);
	if (scheme && strcmp(scheme, "http") == 0 && host && *host) {
		free(c->host);
		free(c->prefix);
		c->port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
		c->prefix = strdup(path ? path : "");
		c->host = strdup(host);
		rc = c->prefix && c->host ? 0 : -ENOMEM;
	}
	evhttp_uri_free(uri);
	if (rc < 0)
		return rc;
	plen = strlen(c->prefix);
	while (plen > 0 && c->prefix[plen - 1] == '/')
		c->prefix[--plen] = '\0';
	c->cur = i;
	return 0;
}

struct http_client *http_client_new(const char *base_url, const char *token, int timeout_sec,
				    const char **err)
{
	struct http_client *c = calloc(1, sizeof(*c));
	int rc = -ENOMEM;

	*err = "out of memory";
	if (!c)
		return NULL;
	c->urls = strdup(base_url ? base_url : "");
	c->token = token ? strdup(token) : NULL;
	c->timeout_sec = timeout_sec > 0 ? timeout_sec : 10;
	c->base = event_base_new();
	if (c->urls && (!token || c->token) && c->base) {
		c->n_urls = 1;
		for (const char *p = c->urls; (p = strchr(p, ',')); p++)
			c->n_urls++;
		/* every URL must parse; the first is used */
		for (size_t i = c->n_urls; i-- > 0 && rc != -EINVAL;)
			rc = http_use_url(c, i);
	}
	if (rc < 0) {
		*err = rc == -EINVAL ? "invalid API URL (want http://HOST:PORT[,http://...])"
				     : "out of memory";
		http_client_destroy(&c);
		return NULL;
	}
	*err = NULL;
	return c;
}

bool http_client_next(struct http_client *c)
{
	if (!c || c->n_urls < 2)
		return false;
	return http_use_url(c, (c->cur + 1) % c->n_urls) == 0;
}

const char *http_client_url(const struct http_client *c)
{
	static char buf[320];

	snprintf(buf, sizeof(buf), "http://%s:%d%s", c ? c->host : "?", c ? c->port : 0,
		 c ? c->prefix : "");
	return buf;
}

int http_client_set_idempotency_key(struct http_client *c, const char *key)
{
	char *k = key ? strdup(key) : NULL;

	if (!c || (key && !k)) {
		free(k);
		return -ENOMEM;
	}
	free(c->idem);
	c->idem = k;
	return 0;
}

void http_client_destroy(struct http_client **cp)
{
	struct http_client *c;

	if (!cp || !*cp)
		return;
	c = *cp;
	if (c->conn)
		evhttp_connection_free(c->conn);
	if (c->base)
		event_base_free(c->base);
	free(c->host);
	free(c->prefix);
	free(c->token);
	free(c->urls);
	free(c->idem);
	free(c);
	*cp = NULL;
}

void http_client_set_timeout(struct http_client *c, int timeout_sec)
{
	if (!c || timeout_sec <= 0)
		return;
	c->timeout_sec = timeout_sec;
	if (c->conn)
		evhttp_connection_set_timeout(c->conn, timeout_sec);
}

void http_response_clear(struct http_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	free(resp->location);
	memset(resp, 0, sizeof(*resp));
	resp->revision = -1;
}

static void http_on_error(enum evhttp_request_error e, void *arg)
{
	struct http_call *call = arg;

	if (e == EVREQ_HTTP_TIMEOUT) {
		call->rc = -ETIMEDOUT;
		call->err = "timed out waiting for the API";
	} else {
		call->rc = -ECONNREFUSED;
		call->err = "cannot connect to the API";
	}
}

static int http_copy_response(struct evhttp_request *req, struct http_response *resp)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *rev, *loc;
	size_t len = in ? evbuffer_get_length(in) : 0;

	resp->status = evhttp_request_get_response_code(req);
	resp->body = malloc(len + 1);
	if (!resp->body)
		return -ENOMEM;
	if (len > 0)
		evbuffer_remove(in, resp->body, len);
	resp->body[len] = '\0';
	resp->body_len = len;
	rev = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Tenet-Revision");
	resp->revision = rev ? strtoll(rev, NULL, 10) : -1;
	loc = evhttp_find_header(evhttp_request_get_input_headers(req), "Location");
	if (loc && resp->status >= 300 && resp->status < 400) {
		resp->location = strdup(loc);
		if (!resp->location)
			return -ENOMEM;
	}
	return 0;
}

static void http_on_done(struct evhttp_request *req, void *arg)
{
	struct http_call *call = arg;

	call->done = 1;
	event_base_loopbreak(call->c->base);
	if (call->rc < 0)
		return;
	if (!req || evhttp_request_get_response_code(req) == 0) {
		call->rc = -ECONNREFUSED;
		call->err = "cannot connect to the API";
		return;
	}
	call->rc = http_copy_response(req, call->resp);
	if (call->rc < 0)
		call->err = "out of memory";
}

static int http_method(const char *m, enum evhttp_cmd_type *type)
{
	static const struct {
		const char *name;
		enum evhttp_cmd_type type;
	} tab[] = {
	    {"GET", EVHTTP_REQ_GET}, {"POST", EVHTTP_REQ_POST},	    {"PATCH", EVHTTP_REQ_PATCH},
	    {"PUT", EVHTTP_REQ_PUT}, {"DELETE", EVHTTP_REQ_DELETE},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(tab[i].name, m) == 0) {
			*type = tab[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

/* Builds the request's headers and body. Returns 0 or -ENOMEM. */
static int http_fill_request(struct http_client *c, struct evhttp_request *req, const char *body,
			     enum evhttp_cmd_type type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char hostport[300], auth[1100], len[32];
	int rc = 0;

	snprintf(hostport, sizeof(hostport), "%s:%d", c->host, c->port);
	rc |= evhttp_add_header(h, "Host", hostport);
	rc |= evhttp_add_header(h, "Accept", "application/json");
	if (c->token && *c->token) {
		snprintf(auth, sizeof(auth), "Bearer %s", c->token);
		rc |= evhttp_add_header(h, "Authorization", auth);
	}
	if (c->idem && type != EVHTTP_REQ_GET)
		rc |= evhttp_add_header(h, "Idempotency-Key", c->idem);
	if (body) {
		/* evhttp adds Content-Length for POST and PUT only, not PATCH. */
		snprintf(len, sizeof(len), "%zu", strlen(body));
		rc |= evhttp_add_header(h, "Content-Length", len);
		rc |= evhttp_add_header(h, "Content-Type", "application/json");
		rc |= evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	}
	return rc ? -ENOMEM : 0;
}

int http_client_request(struct http_client *c, const char *method, const char *path,
			const char *body, struct http_response *resp, const char **err)
{
	struct http_call call = {.c = c, .resp = resp};
	struct evhttp_request *req;
	enum evhttp_cmd_type type;
	char *uri;

	memset(resp, 0, sizeof(*resp));
	resp->revision = -1;
	*err = "invalid request";
	if (http_method(method, &type) < 0)
		return -EINVAL;
	/* A fresh connection per request: a kept-alive one the server closed
	 * meanwhile would fail the request instead of reconnecting. */
	if (c->conn)
		evhttp_connection_free(c->conn);
	c->conn = evhttp_connection_base_new(c->base, NULL, c->host, c->port);
	if (!c->conn) {
		*err = "cannot create connection";
		return -ENOMEM;
	}
	evhttp_connection_set_timeout(c->conn, c->timeout_sec);
	if (asprintf(&uri, "%s%s", c->prefix, path) < 0)
		return -ENOMEM;
	req = evhttp_request_new(http_on_done, &call);
	if (!req || http_fill_request(c, req, body, type) < 0) {
		if (req)
			evhttp_request_free(req);
		free(uri);
		*err = "out of memory";
		return -ENOMEM;
	}
	evhttp_request_set_error_cb(req, http_on_error);
	/* evhttp owns req from here on, also when making the request fails. */
	if (evhttp_make_request(c->conn, req, type, uri) < 0) {
		free(uri);
		*err = "cannot send the request";
		return -EIO;
	}
	free(uri);
	while (!call.done)
		if (event_base_dispatch(c->base) != 0)
			break;
	if (!call.done) {
		call.rc = -EIO;
		call.err = "event loop failed";
	}
	*err = call.err;
	if (call.rc < 0)
		http_response_clear(resp);
	return call.rc;
}
