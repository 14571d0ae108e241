/* http.c - one-shot blocking HTTP(S) client on libevent's evhttp; TLS
 * through libevent's OpenSSL bufferevents. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct http_client {
	struct event_base *base;	/* private loop, run once per request */
	struct evhttp_connection *conn; /* connection of the last request */
	char *host;			/* host name or address from the URL */
	int port;			/* TCP port from the URL (default 80 / 443) */
	bool tls;			/* the URL in use is https:// */
	char *cacert;			/* --cacert file, or NULL: the system's CAs */
	SSL_CTX *ssl_ctx;		/* made on the first https request */
	long verify_err;		/* first certificate error of the last handshake */
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
	http_line_cb line_cb;	    /* streaming: each line of a 200 answer, or NULL */
	void *line_arg;		    /* its argument */
	bool stopped;		    /* streaming: line_cb or a signal ended it */
	bool interrupted;	    /* streaming: SIGINT or SIGTERM ended it */
	bool streamed;		    /* streaming: a 200 answer began */
	struct evbuffer *held;	    /* streaming: bytes kept between chunks (evhttp
				     * drains the input after each chunk callback) */
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
	if (scheme && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) && host &&
	    *host) {
		free(c->host);
		free(c->prefix);
		c->tls = strcmp(scheme, "https") == 0;
		c->port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri)
			  : c->tls		       ? 443
						       : 80;
		c->prefix = strdup(path ? path : "");
		/* an IPv6 literal comes bracketed: connect to the bare address */
		c->host = host[0] == '[' ? strndup(host + 1, strlen(host) - 2) : strdup(host);
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
				    const char *cacert, const char **err)
{
	struct http_client *c = calloc(1, sizeof(*c));
	int rc = -ENOMEM;

	*err = "out of memory";
	if (!c)
		return NULL;
	c->urls = strdup(base_url ? base_url : "");
	c->token = token ? strdup(token) : NULL;
	c->cacert = cacert ? strdup(cacert) : NULL;
	c->timeout_sec = timeout_sec > 0 ? timeout_sec : 10;
	c->base = event_base_new();
	if (c->urls && (!token || c->token) && (!cacert || c->cacert) && c->base) {
		c->n_urls = 1;
		for (const char *p = c->urls; (p = strchr(p, ',')); p++)
			c->n_urls++;
		/* every URL must parse; the first is used */
		for (size_t i = c->n_urls; i-- > 0 && rc != -EINVAL;)
			rc = http_use_url(c, i);
	}
	if (rc < 0) {
		*err = rc == -EINVAL ? "invalid API URL (want http[s]://HOST:PORT[,http[s]://...])"
				     : "out of memory";
		http_client_destroy(&c);
		return NULL;
	}
	*err = NULL;
	return c;
}

int http_url_origin(const char *url, char *out, size_t size)
{
	struct evhttp_uri *uri = url ? evhttp_uri_parse(url) : NULL;
	const char *scheme = uri ? evhttp_uri_get_scheme(uri) : NULL;
	const char *host = uri ? evhttp_uri_get_host(uri) : NULL;
	int port = uri ? evhttp_uri_get_port(uri) : -1;
	int rc = -EINVAL;

	if (scheme && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) && host &&
	    *host) {
		if (port <= 0)
			port = strcmp(scheme, "https") == 0 ? 443 : 80;
		if (snprintf(out, size, "%s://%s:%d", scheme, host, port) < (int)size)
			rc = 0;
	}
	if (uri)
		evhttp_uri_free(uri);
	return rc;
}

bool http_client_has_origin(const struct http_client *c, const char *origin)
{
	const char *start = c ? c->urls : NULL;
	char one[512], o[512];

	while (start && *start) {
		const char *end = strchr(start, ',');
		size_t n = end ? (size_t)(end - start) : strlen(start);

		if (n < sizeof(one)) {
			memcpy(one, start, n);
			one[n] = '\0';
			if (http_url_origin(one, o, sizeof(o)) == 0 && strcmp(o, origin) == 0)
				return true;
		}
		start = end ? end + 1 : NULL;
	}
	return false;
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

	snprintf(buf, sizeof(buf), "%s://%s%s%s:%d%s", c && c->tls ? "https" : "http",
		 c && strchr(c->host, ':') ? "[" : "", c ? c->host : "?",
		 c && strchr(c->host, ':') ? "]" : "", c ? c->port : 0, c ? c->prefix : "");
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
	free(c->cacert);
	SSL_CTX_free(c->ssl_ctx);
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

/* Why the TLS handshake of c's connection failed, or NULL if it did not
 * (as far as OpenSSL says). The text is in a static buffer. */
static const char *http_tls_failure(struct http_client *c, int *rc)
{
	static char msg[320];
	struct bufferevent *bev = c->conn ? evhttp_connection_get_bufferevent(c->conn) : NULL;
	unsigned long e = bev ? bufferevent_get_openssl_error(bev) : 0;
	char reason[200];

	if (!c->tls)
		return NULL;
	if (c->verify_err != X509_V_OK) {
		*rc = -EPERM;
		snprintf(
		    msg, sizeof(msg),
		    "the API's TLS certificate is not trusted: %s (give its CA with --cacert or TENET_CACERT)",
		    X509_verify_cert_error_string(c->verify_err));
		return msg;
	}
	if (!e)
		return NULL;
	ERR_error_string_n(e, reason, sizeof(reason));
	*rc = -EPROTO;
	snprintf(msg, sizeof(msg), "TLS handshake with the API failed: %s", reason);
	return msg;
}

static void http_on_error(enum evhttp_request_error e, void *arg)
{
	struct http_call *call = arg;
	const char *tls;

	if (call->streamed) { /* a stream cut short, not a failed connect */
		call->rc = e == EVREQ_HTTP_TIMEOUT ? -ETIMEDOUT : -EIO;
		call->err = e == EVREQ_HTTP_TIMEOUT ? "the API's stream went silent"
						    : "the API closed the stream";
	} else if (e == EVREQ_HTTP_TIMEOUT) {
		call->rc = -ETIMEDOUT;
		call->err = "timed out waiting for the API";
	} else if ((tls = http_tls_failure(call->c, &call->rc))) {
		call->err = tls;
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

static void http_on_chunk(struct evhttp_request *req, void *arg);

static void http_on_done(struct evhttp_request *req, void *arg)
{
	struct http_call *call = arg;

	if (call->line_cb && req)
		http_on_chunk(req, call); /* the lines still held */
	if (call->held && req)
		evbuffer_prepend_buffer(evhttp_request_get_input_buffer(req), call->held);

	call->done = 1;
	event_base_loopbreak(call->c->base);
	if (call->rc < 0)
		return;
	if (!req || evhttp_request_get_response_code(req) == 0) {
		call->err = http_tls_failure(call->c, &call->rc);
		if (!call->err) {
			call->rc = -ECONNREFUSED;
			call->err = "cannot connect to the API";
		}
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

	snprintf(hostport, sizeof(hostport), strchr(c->host, ':') ? "[%s]:%d" : "%s:%d", c->host,
		 c->port);
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

/* Certificate check callback: remembers the first error of the chain. */
static int http_tls_on_verify(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct http_client *c = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!ok && c && c->verify_err == X509_V_OK)
		c->verify_err = X509_STORE_CTX_get_error(x);
	return ok;
}

/* The client context: TLS 1.2 or later, the server's certificate verified
 * against --cacert (or the system's CAs). Returns 0 or -EINVAL (*err set). */
static int http_tls_ctx(struct http_client *c, const char **err)
{
	SSL_CTX *ctx;

	if (c->ssl_ctx)
		return 0;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		*err = "cannot set up TLS";
		SSL_CTX_free(ctx);
		return -ENOMEM;
	}
	if (c->cacert ? SSL_CTX_load_verify_locations(ctx, c->cacert, NULL) != 1
		      : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		*err = "cannot read the CA certificates (--cacert, PEM)";
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, http_tls_on_verify);
	c->ssl_ctx = ctx;
	return 0;
}

/* A new connection to the URL in use: plain, or TLS checking that the
 * certificate names the host (an IP address or a DNS name). */
static int http_connect(struct http_client *c, const char **err)
{
	struct bufferevent *bev;
	unsigned char addr[16];
	SSL *ssl;
	int ok, rc;

	if (!c->tls) {
		c->conn = evhttp_connection_base_new(c->base, NULL, c->host, c->port);
		return c->conn ? 0 : -ENOMEM;
	}
	rc = http_tls_ctx(c, err);
	if (rc < 0)
		return rc;
	ssl = SSL_new(c->ssl_ctx);
	if (!ssl)
		return -ENOMEM;
	SSL_set_app_data(ssl, c);
	if (inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), c->host);
	else
		ok = SSL_set1_host(ssl, c->host) && SSL_set_tlsext_host_name(ssl, c->host);
	/* with BEV_OPT_CLOSE_ON_FREE the bufferevent owns ssl */
	bev = ok ? bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
						  BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)
		 : NULL;
	if (!bev) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	c->conn = evhttp_connection_base_bufferevent_new(c->base, NULL, bev, c->host, c->port);
	if (!c->conn) {
		bufferevent_free(bev);
		return -ENOMEM;
	}
	return 0;
}

/* Streaming: hands every complete line of a 200 answer to the callback. */
static void http_on_chunk(struct evhttp_request *req, void *arg)
{
	struct http_call *call = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n;
	char *line;

	if (!call->held)
		call->held = evbuffer_new();
	if (!call->held)
		return;
	evbuffer_prepend_buffer(in, call->held);
	if (call->stopped || evhttp_request_get_response_code(req) != 200) {
		evbuffer_add_buffer(call->held, in); /* an error answer is read whole when done */
		return;
	}
	call->streamed = true;
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF))) {
		int stop = call->line_cb(call->line_arg, line);

		free(line);
		if (stop) {
			call->stopped = true;
			event_base_loopbreak(call->c->base);
			break;
		}
	}
	evbuffer_add_buffer(call->held, in); /* a partial line waits for the rest */
}

/* Streaming: SIGINT or SIGTERM ends the stream. */
static void http_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct http_call *call = arg;

	(void)sig;
	(void)what;
	call->stopped = true;
	call->interrupted = true;
	event_base_loopbreak(call->c->base);
}

static int http_do(struct http_client *c, const char *method, const char *path, const char *body,
		   struct http_response *resp, const char **err, struct http_call *pcall);

int http_client_request(struct http_client *c, const char *method, const char *path,
			const char *body, struct http_response *resp, const char **err)
{
	struct http_call call = {.c = c, .resp = resp};

	return http_do(c, method, path, body, resp, err, &call);
}

int http_client_stream(struct http_client *c, const char *path, http_line_cb cb, void *arg,
		       struct http_response *resp, bool *interrupted, const char **err)
{
	struct http_call call = {.c = c, .resp = resp, .line_cb = cb, .line_arg = arg};
	struct event *sigint, *sigterm;
	int rc;

	*err = "invalid request";
	if (!cb)
		return -EINVAL;
	sigint = evsignal_new(c->base, SIGINT, http_on_signal, &call);
	sigterm = evsignal_new(c->base, SIGTERM, http_on_signal, &call);
	if (!sigint || !sigterm || evsignal_add(sigint, NULL) || evsignal_add(sigterm, NULL)) {
		rc = -ENOMEM;
		*err = "out of memory";
		goto out_free;
	}
	rc = http_do(c, "GET", path, NULL, resp, err, &call);
	if (call.stopped && !call.done) { /* the request is still open: closing cancels it */
		evhttp_connection_free(c->conn);
		c->conn = NULL;
		if (call.streamed) {
			resp->status = 200;
		} else {
			rc = -EINTR;
			*err = "interrupted";
		}
	}
out_free:
	if (call.held)
		evbuffer_free(call.held);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (interrupted)
		*interrupted = call.interrupted;
	return rc;
}

static int http_do(struct http_client *c, const char *method, const char *path, const char *body,
		   struct http_response *resp, const char **err, struct http_call *call)
{
	struct evhttp_request *req;
	enum evhttp_cmd_type type;
	char *uri;
	int rc;

	memset(resp, 0, sizeof(*resp));
	resp->revision = -1;
	*err = "invalid request";
	if (http_method(method, &type) < 0)
		return -EINVAL;
	/* A fresh connection per request: a kept-alive one the server closed
	 * meanwhile would fail the request instead of reconnecting. */
	if (c->conn)
		evhttp_connection_free(c->conn);
	c->conn = NULL;
	c->verify_err = X509_V_OK;
	rc = http_connect(c, err);
	if (rc < 0) {
		if (rc == -ENOMEM)
			*err = "cannot create connection";
		return rc;
	}
	evhttp_connection_set_timeout(c->conn, c->timeout_sec);
	if (asprintf(&uri, "%s%s", c->prefix, path) < 0)
		return -ENOMEM;
	req = evhttp_request_new(http_on_done, call);
	if (!req || http_fill_request(c, req, body, type) < 0) {
		if (req)
			evhttp_request_free(req);
		free(uri);
		*err = "out of memory";
		return -ENOMEM;
	}
	evhttp_request_set_error_cb(req, http_on_error);
	if (call->line_cb)
		evhttp_request_set_chunked_cb(req, http_on_chunk);
	/* evhttp owns req from here on, also when making the request fails. */
	if (evhttp_make_request(c->conn, req, type, uri) < 0) {
		free(uri);
		*err = "cannot send the request";
		return -EIO;
	}
	free(uri);
	while (!call->done && !call->stopped)
		if (event_base_dispatch(c->base) != 0)
			break;
	if (!call->done && !call->stopped) {
		call->rc = -EIO;
		call->err = "event loop failed";
	}
	*err = call->err;
	if (call->rc < 0)
		http_response_clear(resp);
	return call->rc;
}
