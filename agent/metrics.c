/* metrics.c - see metrics.h. */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "httpsend.h"
#include "log.h"

#define METRICS_TIMEOUT	 5  /* seconds a connection may take */
#define METRICS_BODY_MAX 1024

struct metrics {
	struct evhttp *http;		   /* the server */
	struct evhttp_bound_socket *bound; /* its socket */
	unsigned port;			   /* port bound */
	metrics_fill_fn fill;		   /* the agent's families */
	void *arg;			   /* fill's argument */
};

static void metrics_on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct prom *p;
	const char *text;
	size_t len;
	int rc;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
		return http_send_text(req, 405, "text/plain", "GET only\n", 9);
	if (path && strcmp(path, "/healthz") == 0)
		return http_send_text(req, 200, "text/plain", "ok\n", 3);
	if (!path || strcmp(path, "/metrics") != 0)
		return http_send_text(req, 404, "text/plain", "/metrics or /healthz\n", 20);
	p = prom_new();
	rc = p ? m->fill(m->arg, p) : -ENOMEM;
	if (rc < 0) {
		log_warn("metrics scrape failed err=%s", strerror(-rc));
		http_send_text(req, 500, "text/plain", "cannot build the metrics\n", 25);
	} else {
		text = prom_text(p, &len);
		http_send_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	}
	prom_destroy(&p);
}

/* Splits "IP:PORT". */
static int metrics_parse(const char *listen, char *ip, size_t size, unsigned *port)
{
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	unsigned char buf[16];
	char *end;
	unsigned long v;

	if (!colon || (size_t)(colon - listen) >= size)
		return -EINVAL;
	memcpy(ip, listen, (size_t)(colon - listen));
	ip[colon - listen] = '\0';
	v = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || v > 65535 || inet_pton(AF_INET, ip, buf) != 1)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

bool metrics_listen_valid(const char *listen)
{
	char ip[INET_ADDRSTRLEN];
	unsigned port;

	return metrics_parse(listen, ip, sizeof(ip), &port) == 0;
}

struct metrics *metrics_new(struct event_base *base, const char *listen, metrics_fill_fn fill,
			    void *arg)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct metrics *m;
	char ip[INET_ADDRSTRLEN];
	unsigned port;

	if (!base || !fill || metrics_parse(listen, ip, sizeof(ip), &port) < 0) {
		log_err("bad metrics address listen=%s (IPv4:PORT)", listen ? listen : "(null)");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->fill = fill;
	m->arg = arg;
	m->http = evhttp_new(base);
	if (!m->http)
		goto out_free;
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, METRICS_BODY_MAX);
	evhttp_set_timeout(m->http, METRICS_TIMEOUT);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(m->http, metrics_on_request, m);
	m->bound = evhttp_bind_socket_with_handle(m->http, ip, (ev_uint16_t)port);
	if (!m->bound) {
		log_warn("cannot listen for metrics listen=%s", listen);
		goto out_free;
	}
	if (getsockname(evhttp_bound_socket_get_fd(m->bound), (struct sockaddr *)&sa, &len) == 0)
		m->port = ntohs(sa.sin_port);
	log_info("metrics listening listen=%s:%u", ip, m->port);
	return m;
out_free:
	if (m->http)
		evhttp_free(m->http);
	free(m);
	return NULL;
}

unsigned metrics_port(const struct metrics *m)
{
	return m ? m->port : 0;
}

void metrics_destroy(struct metrics **mp)
{
	if (!mp || !*mp)
		return;
	evhttp_free((*mp)->http);
	free(*mp);
	*mp = NULL;
}
