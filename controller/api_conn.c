/* api_conn.c - the API's connections: accounting from accept, deadlines,
 * eviction and the 503 overflow (api.h has the policy, api_int.h the
 * functions). Main thread only.
 *
 * libevent 2.1 keeps evhttp's accept path private (evhttp_get_request is
 * static), so connections are learnt through the bufferevent callback
 * (evhttp_set_bevcb): it creates each connection's bufferevent (TLS or plain)
 * and keeps a reference to it. The evhttp_connection built on it is the
 * bufferevent's callback argument once evhttp_get_request_connection
 * returns: the next bevcb, or an event activated from the first one (it runs
 * before the loop polls again, so before any byte of the connection is
 * read), resolves it and admits the connection here.
 *
 * A connection's life: ACCEPTED (waiting for the first request line) ->
 * LINE (a line came: the rest of the request is being read) -> BUSY (a
 * request is being served) -> IDLE (keep-alive, waiting for the next
 * request line) -> LINE ... Each waiting state has a deadline; the
 * connection is closed when it passes. A request line is noticed through a
 * callback on the bufferevent's input buffer (plain text there, also under
 * TLS), which runs before evhttp parses and drains it. */
#include "api_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"

#define API_CONN_SLOTS	 (API_MAX_CONNS + API_MAX_OVERFLOW)
#define API_CONN_PENDING 8 /* accepted bufferevents not yet resolved */

enum api_conn_state {
	API_CONN_FREE = 0, /* slot unused */
	API_CONN_ACCEPTED, /* no request line yet (API_FIRST_LINE_MS) */
	API_CONN_LINE,	   /* reading a request (API_REQUEST_MS) */
	API_CONN_BUSY,	   /* a request is being served: no deadline here */
	API_CONN_IDLE,	   /* keep-alive, between requests (API_KEEPALIVE_MS) */
};

/* One connection. */
struct api_conn {
	struct api_conns *set;		 /* owner */
	struct evhttp_connection *evcon; /* the connection */
	struct evbuffer *input;		 /* its bufferevent's input */
	struct evbuffer_cb_entry *watch; /* request-line watch on input */
	struct event *timer;		 /* the state's deadline */
	enum api_conn_state state;	 /* where it is */
	bool overflow;			 /* over a limit: answered 503, closed */
	struct in6_addr source;		 /* peer address (IPv4 mapped) */
	int64_t since_ms;		 /* entered its waiting state */
	int64_t busy_us;		 /* the request being served started (monotonic) */
};

/* An accepted bufferevent whose connection is not known yet. */
struct api_accepted {
	struct bufferevent *bev; /* one reference held */
	bool usable;		 /* false: not the kind asked for (TLS failed) */
};

struct api_conns {
	struct api *api;			       /* the server */
	struct api_conn slots[API_CONN_SLOTS];	       /* connections */
	struct api_accepted pending[API_CONN_PENDING]; /* awaiting resolution */
	size_t n_pending;			       /* entries used in pending */
	struct event *ev_resolve;		       /* resolves pending[] */
	struct api_conn_stats stats;		       /* counters */
	api_conn_close_fn *on_close;		       /* the handlers' close hook, or NULL */
};

static int64_t api_conn_now(struct api_conns *s)
{
	struct timeval tv;

	event_base_gettimeofday_cached(s->api->base, &tv);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Enters state st and (re)arms its deadline; BUSY has none. */
static void api_conn_enter(struct api_conn *c, enum api_conn_state st)
{
	int ms = st == API_CONN_ACCEPTED ? API_FIRST_LINE_MS
		 : st == API_CONN_LINE	 ? API_REQUEST_MS
		 : st == API_CONN_IDLE	 ? API_KEEPALIVE_MS
					 : 0;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	c->state = st;
	c->since_ms = api_conn_now(c->set);
	if (ms)
		evtimer_add(c->timer, &tv);
	else
		evtimer_del(c->timer);
}

/* True if a whole line is in c's input: the request line came. */
static bool api_conn_has_line(struct api_conn *c)
{
	struct evbuffer_ptr p = evbuffer_search(c->input, "\n", 1, NULL);

	return p.pos >= 0;
}

/* Input buffer callback: a waiting connection that got a line moves on. */
static void api_conn_on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct api_conn *c = arg;

	if (info->n_added == 0 || (c->state != API_CONN_ACCEPTED && c->state != API_CONN_IDLE))
		return;
	if (api_conn_has_line(c))
		api_conn_enter(c, API_CONN_LINE);
}

/* Deadline passed: closes the connection (its close callback frees c). */
static void api_conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct api_conn *c = arg;

	if (c->state == API_CONN_FREE || c->state == API_CONN_BUSY)
		return;
	c->set->stats.timed_out++;
	log_debug("api connection closed state=%d reason=deadline", (int)c->state);
	evhttp_connection_free(c->evcon);
}

static struct api_conn *api_conn_find(struct api_conns *s, const struct evhttp_connection *evcon)
{
	for (size_t i = 0; evcon && i < API_CONN_SLOTS; i++)
		if (s->slots[i].state != API_CONN_FREE && s->slots[i].evcon == evcon)
			return &s->slots[i];
	return NULL;
}

/* evhttp close callback: forgets c, and the requests waiting on it. */
static void api_conn_on_close(struct evhttp_connection *evcon, void *arg)
{
	struct api_conn *c = arg;
	struct api *api = c->set->api;

	if (c->evcon != evcon) /* not this slot's connection (cannot happen) */
		return;
	if (c->set->on_close)
		c->set->on_close(api, evcon);
	evtimer_del(c->timer);
	if (c->watch)
		evbuffer_remove_cb_entry(c->input, c->watch);
	c->watch = NULL;
	c->input = NULL;
	c->evcon = NULL;
	c->state = API_CONN_FREE;
	if (c->overflow)
		c->set->stats.overflow--;
	else
		c->set->stats.open--;
	c->overflow = false;
}

/* The oldest connection (of source, if not NULL) serving no request:
 * waiting ones before those part-way through a request. NULL if none. */
static struct api_conn *api_conn_victim(struct api_conns *s, const struct in6_addr *source)
{
	struct api_conn *best = NULL;

	for (size_t i = 0; i < API_CONN_SLOTS; i++) {
		struct api_conn *c = &s->slots[i];
		bool waiting = c->state == API_CONN_ACCEPTED || c->state == API_CONN_IDLE;
		bool best_waiting;

		if (c->state == API_CONN_FREE || c->state == API_CONN_BUSY || c->overflow ||
		    (source && memcmp(&c->source, source, sizeof(*source)) != 0))
			continue;
		best_waiting =
		    best && (best->state == API_CONN_ACCEPTED || best->state == API_CONN_IDLE);
		if (!best || (waiting && !best_waiting) ||
		    (waiting == best_waiting && c->since_ms < best->since_ms))
			best = c;
	}
	return best;
}

static size_t api_conn_count_source(struct api_conns *s, const struct in6_addr *source)
{
	size_t n = 0;

	for (size_t i = 0; i < API_CONN_SLOTS; i++)
		n += s->slots[i].state != API_CONN_FREE && !s->slots[i].overflow &&
		     memcmp(&s->slots[i].source, source, sizeof(*source)) == 0;
	return n;
}

/* Makes room for a connection from source: evicts the source's oldest
 * idle connection at API_MAX_CONNS_PER_SOURCE, else the oldest idle one at
 * API_MAX_CONNS. False if the limit is reached and every connection under
 * it is serving a request. */
static bool api_conn_room(struct api_conns *s, const struct in6_addr *source)
{
	struct api_conn *victim = NULL;

	if (api_conn_count_source(s, source) >= API_MAX_CONNS_PER_SOURCE)
		victim = api_conn_victim(s, source);
	else if (s->stats.open >= API_MAX_CONNS)
		victim = api_conn_victim(s, NULL);
	else
		return true;
	if (!victim)
		return false;
	s->stats.evicted++;
	log_debug("api connection evicted state=%d", (int)victim->state);
	evhttp_connection_free(victim->evcon);
	return true;
}

static struct api_conn *api_conn_slot(struct api_conns *s)
{
	for (size_t i = 0; i < API_CONN_SLOTS; i++)
		if (s->slots[i].state == API_CONN_FREE)
			return &s->slots[i];
	return NULL;
}

/* The peer address of fd, IPv4 as v4-mapped IPv6. */
static void api_conn_source(evutil_socket_t fd, struct in6_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(out, 0, sizeof(*out));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET6) {
		*out = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	} else if (ss.ss_family == AF_INET) {
		out->s6_addr[10] = 0xff;
		out->s6_addr[11] = 0xff;
		memcpy(&out->s6_addr[12], &((struct sockaddr_in *)&ss)->sin_addr, 4);
	}
}

/* Takes a new connection in: counted, or an overflow one (answered 503),
 * or closed at once when even the overflow is full. */
static void api_conn_admit(struct api_conns *s, struct evhttp_connection *evcon,
			   struct bufferevent *bev)
{
	struct in6_addr source;
	struct api_conn *c;
	bool overflow;

	api_conn_source(bufferevent_getfd(bev), &source);
	overflow = !api_conn_room(s, &source);
	c = overflow && s->stats.overflow >= API_MAX_OVERFLOW ? NULL : api_conn_slot(s);
	if (!c) {
		s->stats.refused++;
		evhttp_connection_free(evcon);
		return;
	}
	c->evcon = evcon;
	c->source = source;
	c->overflow = overflow;
	c->input = bufferevent_get_input(bev);
	c->watch = evbuffer_add_cb(c->input, api_conn_on_input, c);
	if (overflow)
		s->stats.overflow++;
	else
		s->stats.open++;
	s->stats.accepted++;
	evhttp_connection_set_closecb(evcon, api_conn_on_close, c);
	api_conn_enter(c, API_CONN_ACCEPTED);
}

/* Admits every connection accepted since the last call. */
static void api_conn_resolve(struct api_conns *s)
{
	while (s->n_pending > 0) {
		struct api_accepted a = s->pending[--s->n_pending];
		void *evcon = NULL;

		bufferevent_getcb(a.bev, NULL, NULL, NULL, &evcon);
		if (evcon && !a.usable) {
			s->stats.refused++;
			evhttp_connection_free(evcon);
		} else if (evcon) {
			api_conn_admit(s, evcon, a.bev);
		}
		bufferevent_decref(a.bev);
	}
}

static void api_conn_on_complete(struct evhttp_request *req, void *arg);

static void api_conn_on_resolve(evutil_socket_t fd, short what, void *arg)
{
	api_conn_resolve(arg);
}

/* evhttp's bufferevent callback, once per accepted connection. */
static struct bufferevent *api_conn_on_accept(struct event_base *base, void *arg)
{
	struct api_conns *s = arg;
	struct bufferevent *bev = NULL;
	bool usable = true;

	api_conn_resolve(s); /* the previous one's connection exists now */
	if (s->n_pending == API_CONN_PENDING)
		return NULL; /* cannot happen: resolved above */
	if (s->api->tls)
		bev = api_tls_server_bev(s->api->tls, base);
	if (!bev) {
		/* a plain one evhttp can close; never served on a TLS port */
		usable = !s->api->tls;
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	if (bev) {
		bufferevent_incref(bev);
		s->pending[s->n_pending++] = (struct api_accepted){bev, usable};
		event_active(s->ev_resolve, EV_TIMEOUT, 0);
	}
	return bev;
}

bool api_conn_request(struct api *api, struct evhttp_request *req)
{
	struct api_conn *c = api_conn_find(api->conns, evhttp_request_get_connection(req));
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	if (c) {
		api_conn_enter(c, API_CONN_BUSY); /* overflow: closed after the 503 */
		c->busy_us = api_conn_now_us();
	}
	if (c && !c->overflow) {
		evhttp_request_set_on_complete_cb(req, api_conn_on_complete, c);
		return true;
	}
	api->conns->stats.rejected++;
	evhttp_add_header(out, "Connection", "close");
	evhttp_add_header(out, "Retry-After", "1");
	return false;
}

/* The reply went out: the connection waits for its next request. */
static void api_conn_on_complete(struct evhttp_request *req, void *arg)
{
	struct api_conn *c = arg;

	if (c->state != API_CONN_BUSY)
		return;
	api_conn_enter(c, API_CONN_IDLE);
	if (api_conn_has_line(c)) /* the next request is here already */
		api_conn_enter(c, API_CONN_LINE);
}

int64_t api_conn_started_us(const struct api *api, struct evhttp_request *req)
{
	struct api_conn *c = api->conns
				 ? api_conn_find(api->conns, evhttp_request_get_connection(req))
				 : NULL;

	return c && c->state == API_CONN_BUSY ? c->busy_us : -1;
}

void api_conn_get_stats(const struct api *api, struct api_conn_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!api || !api->conns)
		return;
	*st = api->conns->stats;
	for (size_t i = 0; i < API_CONN_SLOTS; i++)
		st->busy +=
		    api->conns->slots[i].state == API_CONN_BUSY && !api->conns->slots[i].overflow;
}

int64_t api_conn_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int api_conn_setup(struct api *api, api_conn_close_fn *on_close)
{
	struct api_conns *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	api->conns = s;
	s->api = api;
	s->on_close = on_close;
	s->ev_resolve = event_new(api->base, -1, 0, api_conn_on_resolve, s);
	if (!s->ev_resolve)
		return -ENOMEM;
	for (size_t i = 0; i < API_CONN_SLOTS; i++) {
		s->slots[i].set = s;
		s->slots[i].timer = evtimer_new(api->base, api_conn_on_timer, &s->slots[i]);
		if (!s->slots[i].timer)
			return -ENOMEM;
	}
	evhttp_set_bevcb(api->http, api_conn_on_accept, s);
	return 0;
}

void api_conn_teardown(struct api *api)
{
	struct api_conns *s = api ? api->conns : NULL;

	if (!s)
		return;
	while (s->n_pending > 0) /* after evhttp_free: the last references */
		bufferevent_decref(s->pending[--s->n_pending].bev);
	if (s->ev_resolve)
		event_free(s->ev_resolve);
	for (size_t i = 0; i < API_CONN_SLOTS; i++)
		if (s->slots[i].timer)
			event_free(s->slots[i].timer);
	free(s);
	api->conns = NULL;
}
