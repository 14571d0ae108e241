/* raft_transport.c - authenticated raft_uv_tcp (see raft_transport.h). */
#include "raft_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "raft_handshake.h"

#define RT_PEER_MAX (INET6_ADDRSTRLEN + 8) /* "IP:PORT" of a peer */

/* The wrapper's state (t->impl). */
struct rt {
	struct raft_uv_transport *inner;     /* raft_uv_tcp (connects) */
	struct raft_uv_transport *outer;     /* the wrapper given to raft_uv */
	uv_loop_t *loop;		     /* the Raft loop */
	uint8_t key[RAFT_HANDSHAKE_KEY];     /* cluster key */
	raft_id id;			     /* own id */
	char addr[RAFT_HANDSHAKE_ADDR_MAX];  /* own address (Raft part) */
	uv_tcp_t listener;		     /* accepts peers (if listening) */
	bool listening;			     /* listener initialised */
	raft_uv_accept_cb accept_cb;	     /* libraft's accept callback */
	struct rt_hs *handshakes;	     /* in progress */
	raft_uv_transport_close_cb close_cb; /* libraft's close callback */
	int closing;			     /* closes still to complete */
	uint64_t log_since;		     /* start of the refusal log window */
	unsigned log_count;		     /* refusals logged in the window */
	unsigned log_suppressed;	     /* refusals not logged since the last line */
};

/* Where a handshake is. */
enum rt_phase {
	RT_HELLO,     /* acceptor: reading the peer's preamble */
	RT_ANSWER,    /* acceptor: challenge sent, reading the MAC */
	RT_CHALLENGE, /* connector: reading the challenge */
	RT_CONFIRM,   /* acceptor: sending the ack; connector: reading it */
};

/* One handshake in progress, on either side. */
struct rt_hs {
	struct rt *rt;			      /* the transport */
	struct rt_hs *next;		      /* in rt->handshakes */
	bool accepting;			      /* acceptor (true) or connector */
	enum rt_phase phase;		      /* what is awaited */
	struct uv_stream_s *stream;	      /* the connection */
	uv_timer_t timer;		      /* deadline */
	uv_write_t wr;			      /* first write (nonce or MAC) */
	uv_write_t wr2;			      /* second write (ack) */
	bool done;			      /* finished: late callbacks are ignored */
	uint8_t nonce[RAFT_HANDSHAKE_NONCE];  /* acceptor: challenge sent */
	uint8_t in[RAFT_HANDSHAKE_HELLO_MAX]; /* bytes read so far */
	size_t want, got;		      /* bytes expected and received in in */
	uint8_t out[RAFT_HANDSHAKE_MAC];      /* bytes written */
	struct raft_handshake_hello hello;    /* acceptor: the peer's id and address */
	char peer[RT_PEER_MAX];		      /* acceptor: the peer's IP:PORT */
	char peer_ip[INET6_ADDRSTRLEN];	      /* acceptor: the peer's IP */
	const char *reason;		      /* acceptor: why it was refused */
	struct raft_uv_connect *req;	      /* connector: libraft's request */
	struct raft_uv_connect inner_req;     /* connector: request to raft_uv_tcp */
	int pending;			      /* handles still to close before free */
	int writes;			      /* writes whose callback has not run yet */
};

/* Logs one refused connection, at most RAFT_TRANSPORT_LOG_BURST a window. */
static void rt_log_refusal(struct rt *rt, raft_id id, const char *addr, const char *peer,
			   const char *reason)
{
	uint64_t now = uv_now(rt->loop);

	if (now - rt->log_since >= RAFT_TRANSPORT_LOG_WINDOW_MS) {
		rt->log_since = now;
		rt->log_count = 0;
	}
	if (rt->log_count >= RAFT_TRANSPORT_LOG_BURST) {
		rt->log_suppressed++;
		return;
	}
	rt->log_count++;
	log_warn("raft peer refused id=%llu addr=%s peer=%s reason=%s suppressed=%u",
		 (unsigned long long)id, addr && addr[0] ? addr : "-", peer, reason,
		 rt->log_suppressed);
	rt->log_suppressed = 0;
}

static void rt_unlink(struct rt_hs *h)
{
	for (struct rt_hs **p = &h->rt->handshakes; *p; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			return;
		}
	}
}

/* Frees h once no handle close and no write callback can still reach it. */
static void rt_maybe_free(struct rt_hs *h)
{
	if (h->pending == 0 && h->writes == 0)
		free(h);
}

static void rt_on_closed(uv_handle_t *handle)
{
	struct rt_hs *h = handle->data;

	if (handle != (uv_handle_t *)&h->timer)
		free(handle);
	h->pending--;
	rt_maybe_free(h);
}

static void rt_free_handle(uv_handle_t *handle)
{
	free(handle);
}

/* Turns Nagle's algorithm off on an authenticated stream before libraft
 * gets it (raft_uv_tcp leaves it on). Under load the leader has several
 * AppendEntries in flight to a follower, and the follower several answers
 * back: with Nagle each small message after the first waits for the
 * previous one's ACK, i.e. for the peer's next message or its delayed-ACK
 * timer, and replication goes one message a round trip. */
static void rt_nodelay(struct uv_stream_s *stream)
{
	int rv;

	if (stream->type != UV_TCP)
		return;
	rv = uv_tcp_nodelay((uv_tcp_t *)stream, 1);
	if (rv != 0)
		log_warn("raft TCP_NODELAY not set err=%s", uv_err_name(rv));
}

/* Ends a handshake: on success the stream goes to libraft, else it is
 * closed (and a connector's request fails with status). */
static void rt_finish(struct rt_hs *h, int status)
{
	struct rt *rt = h->rt;

	if (h->done)
		return;
	h->done = true;
	rt_unlink(h);
	uv_timer_stop(&h->timer);
	h->pending = 1;
	if (h->stream) {
		uv_read_stop(h->stream);
		if (status != 0) {
			h->stream->data = h;
			h->pending++;
			uv_close((uv_handle_t *)h->stream, rt_on_closed);
			h->stream = NULL;
		}
	}
	if (status == 0 && h->stream)
		rt_nodelay(h->stream);
	if (h->accepting && status == 0)
		rt->accept_cb(rt->outer, h->hello.id, h->hello.addr, h->stream);
	else if (h->accepting && status != RAFT_CANCELED)
		rt_log_refusal(rt, h->hello.id, h->hello.addr, h->peer,
			       h->reason ? h->reason : "error");
	else if (!h->accepting)
		h->req->cb(h->req, status == 0 ? h->stream : NULL,
			   status == 0 ? 0 : RAFT_NOCONNECTION);
	uv_close((uv_handle_t *)&h->timer, rt_on_closed);
}

static void rt_on_timeout(uv_timer_t *timer)
{
	struct rt_hs *h = timer->data;

	/* a stuck peer: give up (an outgoing TCP connect times out on its own) */
	if (h->accepting || h->stream) {
		h->reason = "timeout";
		rt_finish(h, RAFT_NOCONNECTION);
	}
}

static void rt_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct rt_hs *h = handle->data;

	(void)suggested;
	*buf = uv_buf_init((char *)h->in + h->got, (unsigned int)(h->want - h->got));
}

static void rt_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

/* Reads the next want bytes (at most sizeof(h->in)) into h->in. */
static int rt_read(struct rt_hs *h, size_t want)
{
	h->want = want;
	h->got = 0;
	h->stream->data = h;
	return uv_read_start(h->stream, rt_alloc, rt_on_read);
}

static void rt_on_written(uv_write_t *wr, int status)
{
	struct rt_hs *h = wr->data;

	h->writes--;
	if (h->done)
		return rt_maybe_free(h);
	if (status != 0) {
		h->reason = "write_error";
		return rt_finish(h, RAFT_NOCONNECTION);
	}
	if (h->accepting && h->phase == RT_CONFIRM)
		return rt_finish(h, 0); /* ack sent */
}

/* Writes len bytes of data (which must stay valid: a member of h) with wr. */
static int rt_write(struct rt_hs *h, uv_write_t *wr, const void *data, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)data, (unsigned int)len);
	int rc;

	wr->data = h;
	rc = uv_write(wr, h->stream, &b, 1, rt_on_written);
	if (rc == 0)
		h->writes++;
	return rc;
}

static const char *rt_parse_reason(int rc)
{
	switch (rc) {
	case -EPROTO:
		return "bad_preamble";
	case -EMSGSIZE:
		return "bad_address_length";
	default:
		return "bad_address";
	}
}

/* Acceptor: h->want bytes arrived (the hello so far, or the MAC). */
static int rt_accept_step(struct rt_hs *h)
{
	struct rt *rt = h->rt;
	size_t need;
	int rc;

	if (h->phase == RT_HELLO) {
		rc = raft_handshake_parse(h->in, h->got, &h->hello, &need);
		if (rc == -EAGAIN) {
			h->want = need; /* the address; bounded by sizeof(h->in) */
			return 0;
		}
		if (rc != 0) {
			h->reason = rt_parse_reason(rc);
			return rc;
		}
		h->phase = RT_ANSWER;
		h->want = RAFT_HANDSHAKE_MAC;
		h->got = 0;
		randombytes_buf(h->nonce, sizeof(h->nonce));
		return rt_write(h, &h->wr, h->nonce, sizeof(h->nonce));
	}
	uv_read_stop(h->stream);
	if (!raft_handshake_verify(rt->key, h->nonce, h->hello.id, h->hello.addr, h->in)) {
		h->reason = "bad_mac";
		return -EACCES;
	}
	h->phase = RT_CONFIRM;
	h->out[0] = RAFT_HANDSHAKE_ACK;
	return rt_write(h, &h->wr2, h->out, 1);
}

/* Connector: the challenge or the ack arrived. */
static int rt_connect_step(struct rt_hs *h)
{
	struct rt *rt = h->rt;

	uv_read_stop(h->stream);
	if (h->phase == RT_CHALLENGE) {
		raft_handshake_mac(rt->key, h->in, rt->id, rt->addr, h->out);
		if (rt_write(h, &h->wr, h->out, RAFT_HANDSHAKE_MAC) != 0)
			return -EIO;
		h->phase = RT_CONFIRM;
		return rt_read(h, 1);
	}
	if (h->in[0] != RAFT_HANDSHAKE_ACK)
		return -EACCES;
	rt_finish(h, 0);
	return 0;
}

static void rt_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct rt_hs *h = s->data;
	int rc;

	(void)buf;
	if (h->done)
		return;
	if (n < 0) {
		h->reason = n == UV_EOF ? "closed" : "read_error";
		return rt_finish(h, RAFT_NOCONNECTION);
	}
	h->got += (size_t)n;
	if (h->got < h->want)
		return;
	rc = h->accepting ? rt_accept_step(h) : rt_connect_step(h);
	if (rc != 0)
		rt_finish(h, RAFT_NOCONNECTION);
}

/* A new handshake whose deadline starts now. */
static struct rt_hs *rt_hs_new(struct rt *rt, bool accepting)
{
	struct rt_hs *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->rt = rt;
	h->accepting = accepting;
	h->phase = accepting ? RT_HELLO : RT_CHALLENGE;
	uv_timer_init(rt->loop, &h->timer);
	h->timer.data = h;
	uv_timer_start(&h->timer, rt_on_timeout, RAFT_TRANSPORT_TIMEOUT_MS, 0);
	h->next = rt->handshakes;
	rt->handshakes = h;
	return h;
}

/* Writes the peer's "IP:PORT" to peer and its IP to ip. */
static void rt_peer_name(uv_tcp_t *tcp, char *peer, size_t psize, char *ip, size_t isize)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	unsigned port = 0;

	snprintf(ip, isize, "?");
	if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) == 0 &&
	    uv_ip_name((struct sockaddr *)&ss, ip, isize) == 0)
		port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port);
	snprintf(peer, psize, "%s:%u", ip, port);
}

/* Why a new connection from ip must be refused before its handshake
 * starts, or NULL if it may go on. */
static const char *rt_over_cap(const struct rt *rt, const char *ip)
{
	unsigned total = 0, same = 0;

	for (const struct rt_hs *h = rt->handshakes; h; h = h->next) {
		if (!h->accepting)
			continue;
		total++;
		same += strcmp(h->peer_ip, ip) == 0;
	}
	if (total >= RAFT_TRANSPORT_PENDING_MAX)
		return "too_many_pending";
	if (same >= RAFT_TRANSPORT_PENDING_PER_SOURCE)
		return "too_many_pending_from_source";
	return NULL;
}

/* At the total cap, the handshake that gives way to a new connection: the
 * oldest of the source with the most handshakes in progress. A cluster
 * peer's handshake takes milliseconds, so it is a flood's connection that
 * goes, and a flood from many sources cannot keep peers out for the whole
 * deadline. NULL if there is none to evict. */
static struct rt_hs *rt_victim(struct rt *rt)
{
	struct rt_hs *victim = NULL;
	unsigned most = 0;

	for (struct rt_hs *h = rt->handshakes; h; h = h->next) {
		unsigned same = 0;

		if (!h->accepting || h->done)
			continue;
		for (const struct rt_hs *o = rt->handshakes; o; o = o->next)
			same += o->accepting && strcmp(o->peer_ip, h->peer_ip) == 0;
		/* the list is newest first: ">=" ends on the source's oldest */
		if (same >= most) {
			most = same;
			victim = h;
		}
	}
	return victim;
}

/* The listener has a connection: accept it (always, so that the listen
 * queue drains) and start its handshake, or close it if over a cap; at the
 * total cap an older handshake gives way (rt_victim). */
static void rt_on_connection(uv_stream_t *server, int status)
{
	struct rt *rt = server->data;
	char peer[RT_PEER_MAX], ip[INET6_ADDRSTRLEN];
	const char *reason;
	struct rt_hs *h;
	uv_tcp_t *tcp;

	if (status < 0) {
		log_warn("raft accept failed err=%s", uv_err_name(status));
		return;
	}
	tcp = malloc(sizeof(*tcp));
	if (!tcp) {
		log_err("raft accept failed err=%s", log_errname(ENOMEM));
		return;
	}
	uv_tcp_init(rt->loop, tcp);
	if (uv_accept(server, (uv_stream_t *)tcp) != 0) {
		uv_close((uv_handle_t *)tcp, rt_free_handle);
		return;
	}
	rt_peer_name(tcp, peer, sizeof(peer), ip, sizeof(ip));
	reason = rt_over_cap(rt, ip);
	if (reason && strcmp(reason, "too_many_pending") == 0) {
		struct rt_hs *victim = rt_victim(rt);

		if (victim) {
			victim->reason = "evicted";
			rt_finish(victim, RAFT_NOCONNECTION);
			reason = NULL;
		}
	}
	h = reason ? NULL : rt_hs_new(rt, true);
	if (!h) {
		rt_log_refusal(rt, 0, NULL, peer, reason ? reason : "no_memory");
		uv_close((uv_handle_t *)tcp, rt_free_handle);
		return;
	}
	h->stream = (struct uv_stream_s *)tcp;
	snprintf(h->peer, sizeof(h->peer), "%s", peer);
	snprintf(h->peer_ip, sizeof(h->peer_ip), "%s", ip);
	if (rt_read(h, RAFT_HANDSHAKE_PREAMBLE) != 0) {
		h->reason = "read_error";
		rt_finish(h, RAFT_NOCONNECTION);
	}
}

static void rt_on_connect(struct raft_uv_connect *req, struct uv_stream_s *stream, int status)
{
	struct rt_hs *h = req->data;

	if (status != 0) {
		rt_unlink(h);
		uv_timer_stop(&h->timer);
		h->pending = 1;
		h->req->cb(h->req, NULL, status);
		uv_close((uv_handle_t *)&h->timer, rt_on_closed);
		return;
	}
	h->stream = stream;
	if (rt_read(h, RAFT_HANDSHAKE_NONCE) != 0)
		rt_finish(h, RAFT_NOCONNECTION);
}

/* The transport part of a configuration address "RAFT/API". */
static void rt_strip(const char *address, char *out, size_t size)
{
	const char *slash = strchr(address, '/');

	snprintf(out, size, "%.*s", slash ? (int)(slash - address) : (int)strlen(address), address);
}

static int rt_init(struct raft_uv_transport *t, raft_id id, const char *address)
{
	struct rt *rt = t->impl;

	rt->id = id;
	rt_strip(address, rt->addr, sizeof(rt->addr));
	return rt->inner->init(rt->inner, id, rt->addr);
}

/* Binds and listens on rt->addr ("HOST:PORT", IPv4, as raft_uv_tcp
 * resolves it). Returns 0 or RAFT_IOERR (logged). */
static int rt_bind(struct rt *rt)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				 .ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM};
	const char *colon = strchr(rt->addr, ':');
	char host[NI_MAXHOST];
	struct addrinfo *ai = NULL;
	int rc;

	snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - rt->addr) : 0, rt->addr);
	if (!colon || !colon[1]) {
		log_err("raft listen failed addr=%s err=\"no port\"", rt->addr);
		return RAFT_IOERR;
	}
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
	if (rc != 0) {
		log_err("raft listen failed addr=%s err=\"%s\"", rt->addr, gai_strerror(rc));
		return RAFT_IOERR;
	}
	uv_tcp_init(rt->loop, &rt->listener);
	rt->listener.data = rt;
	rt->listening = true;
	rc = uv_tcp_bind(&rt->listener, ai->ai_addr, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&rt->listener, RAFT_TRANSPORT_BACKLOG,
			       rt_on_connection);
	freeaddrinfo(ai);
	if (rc != 0) {
		log_err("raft listen failed addr=%s err=%s", rt->addr, uv_err_name(rc));
		return RAFT_IOERR;
	}
	return 0;
}

static int rt_listen(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
	struct rt *rt = t->impl;

	if (rt->listening)
		return RAFT_INVALID;
	rt->accept_cb = cb;
	return rt_bind(rt);
}

static int rt_connect(struct raft_uv_transport *t, struct raft_uv_connect *req, raft_id id,
		      const char *address, raft_uv_connect_cb cb)
{
	struct rt *rt = t->impl;
	struct rt_hs *h = rt_hs_new(rt, false);
	char addr[RAFT_HANDSHAKE_ADDR_MAX];
	int rv;

	if (!h)
		return RAFT_NOMEM;
	rt_strip(address, addr, sizeof(addr));
	req->cb = cb;
	h->req = req;
	h->inner_req.data = h;
	rv = rt->inner->connect(rt->inner, &h->inner_req, id, addr, rt_on_connect);
	if (rv != 0) {
		rt_unlink(h);
		uv_timer_stop(&h->timer);
		h->pending = 1;
		uv_close((uv_handle_t *)&h->timer, rt_on_closed);
	}
	return rv;
}

/* One of the closes rt_close started completed. */
static void rt_close_step(struct rt *rt)
{
	if (--rt->closing == 0 && rt->close_cb)
		rt->close_cb(rt->outer);
}

static void rt_on_inner_closed(struct raft_uv_transport *inner)
{
	rt_close_step(inner->data);
}

static void rt_on_listener_closed(uv_handle_t *handle)
{
	rt_close_step(handle->data);
}

static void rt_close(struct raft_uv_transport *t, raft_uv_transport_close_cb cb)
{
	struct rt *rt = t->impl;

	rt->close_cb = cb;
	rt->inner->data = rt;
	rt->closing = 1 + rt->listening;
	if (rt->listening)
		uv_close((uv_handle_t *)&rt->listener, rt_on_listener_closed);
	while (rt->handshakes) {
		struct rt_hs *h = rt->handshakes;

		if (!h->stream && !h->accepting) {
			rt_unlink(h); /* the inner close cancels its connect */
			continue;
		}
		rt_finish(h, RAFT_CANCELED);
	}
	rt->inner->close(rt->inner, rt_on_inner_closed);
}

int raft_transport_init(struct raft_uv_transport *t, struct raft_uv_transport *inner,
			uv_loop_t *loop, const uint8_t key[32])
{
	struct rt *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return -ENOMEM;
	rt->inner = inner;
	rt->outer = t;
	rt->loop = loop;
	memcpy(rt->key, key, sizeof(rt->key));
	memset(t, 0, sizeof(*t));
	t->version = 1;
	t->impl = rt;
	t->init = rt_init;
	t->listen = rt_listen;
	t->connect = rt_connect;
	t->close = rt_close;
	return 0;
}

void raft_transport_close(struct raft_uv_transport *t)
{
	struct rt *rt = t ? t->impl : NULL;

	if (!rt)
		return;
	sodium_memzero(rt->key, sizeof(rt->key));
	free(rt);
	t->impl = NULL;
}
