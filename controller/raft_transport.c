/* raft_transport.c - authenticated raft_uv_tcp (see raft_transport.h). */
#include "raft_transport.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

#define RT_NONCE    32		      /* challenge bytes */
#define RT_MAC	    crypto_auth_BYTES /* answer bytes */
#define RT_ACK	    'K'		      /* acceptor's confirmation */
#define RT_ADDR_MAX 256		      /* longest address bound into the MAC */

/* The wrapper's state (t->impl). */
struct rt {
	struct raft_uv_transport *inner;     /* raft_uv_tcp */
	struct raft_uv_transport *outer;     /* the wrapper given to raft_uv */
	uv_loop_t *loop;		     /* the Raft loop */
	uint8_t key[crypto_auth_KEYBYTES];   /* cluster key */
	raft_id id;			     /* own id */
	char addr[RT_ADDR_MAX];		     /* own address */
	raft_uv_accept_cb accept_cb;	     /* libraft's accept callback */
	struct rt_hs *handshakes;	     /* in progress */
	raft_uv_transport_close_cb close_cb; /* libraft's close callback */
};

/* One handshake in progress, on either side. */
struct rt_hs {
	struct rt *rt;			  /* the transport */
	struct rt_hs *next;		  /* in rt->handshakes */
	bool accepting;			  /* acceptor (true) or connector */
	struct uv_stream_s *stream;	  /* the connection */
	uv_timer_t timer;		  /* deadline */
	uv_write_t wr;			  /* first write (nonce or MAC) */
	uv_write_t wr2;			  /* second write (ack) */
	bool done;			  /* finished: late callbacks are ignored */
	uint8_t nonce[RT_NONCE];	  /* challenge */
	uint8_t in[RT_MAC];		  /* bytes read so far */
	size_t want, got;		  /* bytes expected and received */
	uint8_t out[RT_MAC];		  /* bytes written */
	raft_id peer_id;		  /* acceptor: the connector's id */
	char peer_addr[RT_ADDR_MAX];	  /* acceptor: the connector's address */
	struct raft_uv_connect *req;	  /* connector: libraft's request */
	struct raft_uv_connect inner_req; /* connector: request to raft_uv_tcp */
	int pending;			  /* handles still to close before free */
	int writes;			  /* writes whose callback has not run yet */
};

static void rt_mac(const struct rt *rt, const uint8_t nonce[RT_NONCE], raft_id id, const char *addr,
		   uint8_t mac[RT_MAC])
{
	crypto_auth_hmacsha512256_state st;
	uint8_t idb[8];

	for (int i = 7; i >= 0; i--, id >>= 8)
		idb[i] = (uint8_t)id;
	crypto_auth_hmacsha512256_init(&st, rt->key, sizeof(rt->key));
	crypto_auth_hmacsha512256_update(&st, nonce, RT_NONCE);
	crypto_auth_hmacsha512256_update(&st, idb, sizeof(idb));
	crypto_auth_hmacsha512256_update(&st, (const uint8_t *)addr, strlen(addr));
	crypto_auth_hmacsha512256_final(&st, mac);
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
	if (h->accepting && status == 0)
		rt->accept_cb(rt->outer, h->peer_id, h->peer_addr, h->stream);
	else if (h->accepting)
		log_warn("raft peer refused id=%llu addr=%s", (unsigned long long)h->peer_id,
			 h->peer_addr);
	else
		h->req->cb(h->req, status == 0 ? h->stream : NULL,
			   status == 0 ? 0 : RAFT_NOCONNECTION);
	uv_close((uv_handle_t *)&h->timer, rt_on_closed);
}

static void rt_on_timeout(uv_timer_t *timer)
{
	struct rt_hs *h = timer->data;

	/* a stuck peer: give up (an outgoing TCP connect times out on its own) */
	if (h->accepting || h->stream)
		rt_finish(h, RAFT_NOCONNECTION);
}

static void rt_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct rt_hs *h = handle->data;

	*buf = uv_buf_init((char *)h->in + h->got, (unsigned int)(h->want - h->got));
}

static void rt_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

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
	if (status != 0)
		return rt_finish(h, RAFT_NOCONNECTION);
	if (h->accepting && h->want == 0)
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

/* A complete message arrived: the MAC (acceptor) or nonce/ack (connector). */
static int rt_step(struct rt_hs *h)
{
	struct rt *rt = h->rt;
	uint8_t mac[RT_MAC];

	uv_read_stop(h->stream);
	if (h->accepting) {
		rt_mac(rt, h->nonce, h->peer_id, h->peer_addr, mac);
		if (sodium_memcmp(mac, h->in, RT_MAC) != 0)
			return -EACCES;
		h->want = 0;
		h->out[0] = RT_ACK;
		return rt_write(h, &h->wr2, h->out, 1);
	}
	if (h->want == RT_NONCE) {
		memcpy(h->nonce, h->in, RT_NONCE);
		rt_mac(rt, h->nonce, rt->id, rt->addr, h->out);
		if (rt_write(h, &h->wr, h->out, RT_MAC) != 0)
			return -EIO;
		return rt_read(h, 1);
	}
	if (h->in[0] != RT_ACK)
		return -EACCES;
	rt_finish(h, 0);
	return 0;
}

static void rt_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct rt_hs *h = s->data;

	if (h->done)
		return;
	if (n < 0)
		return rt_finish(h, RAFT_NOCONNECTION);
	h->got += (size_t)n;
	if (h->got < h->want)
		return;
	if (rt_step(h) != 0)
		rt_finish(h, RAFT_NOCONNECTION);
}

static struct rt_hs *rt_hs_new(struct rt *rt, bool accepting)
{
	struct rt_hs *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->rt = rt;
	h->accepting = accepting;
	uv_timer_init(rt->loop, &h->timer);
	h->timer.data = h;
	uv_timer_start(&h->timer, rt_on_timeout, RAFT_TRANSPORT_TIMEOUT_MS, 0);
	h->next = rt->handshakes;
	rt->handshakes = h;
	return h;
}

static void rt_on_accept(struct raft_uv_transport *inner, raft_id id, const char *address,
			 struct uv_stream_s *stream)
{
	struct rt *rt = inner->data;
	struct rt_hs *h = rt_hs_new(rt, true);

	if (!h) {
		uv_close((uv_handle_t *)stream, (uv_close_cb)free);
		return;
	}
	h->stream = stream;
	h->peer_id = id;
	snprintf(h->peer_addr, sizeof(h->peer_addr), "%s", address);
	randombytes_buf(h->nonce, RT_NONCE);
	if (rt_write(h, &h->wr, h->nonce, RT_NONCE) != 0 || rt_read(h, RT_MAC) != 0)
		rt_finish(h, RAFT_NOCONNECTION);
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
	if (rt_read(h, RT_NONCE) != 0)
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

static int rt_listen(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
	struct rt *rt = t->impl;

	rt->accept_cb = cb;
	rt->inner->data = rt;
	return rt->inner->listen(rt->inner, rt_on_accept);
}

static int rt_connect(struct raft_uv_transport *t, struct raft_uv_connect *req, raft_id id,
		      const char *address, raft_uv_connect_cb cb)
{
	struct rt *rt = t->impl;
	struct rt_hs *h = rt_hs_new(rt, false);
	char addr[RT_ADDR_MAX];
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

static void rt_on_inner_closed(struct raft_uv_transport *inner)
{
	struct rt *rt = inner->data;

	if (rt->close_cb)
		rt->close_cb(rt->outer);
}

static void rt_close(struct raft_uv_transport *t, raft_uv_transport_close_cb cb)
{
	struct rt *rt = t->impl;

	rt->close_cb = cb;
	rt->inner->data = rt;
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
