/* southbound_trace.c - trace requests to agents (southbound_trace): each
 * waits in sb->traces for its TRACE_REPLY, matched by host and id, or for
 * its timer. Main thread only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "southbound.h"
#include "southbound_int.h"

#define SB_TRACE_MAX 64 /* traces waiting at once */

struct sb_trace {
	uint32_t id;		  /* the request's id */
	char host[WIRE_HOST_MAX]; /* the host asked */
	southbound_trace_cb cb;
	void *arg;
	struct event *timer;   /* timeout */
	struct southbound *sb; /* owner, for the timer */
	struct sb_trace *next;
};

/* Unlinks and frees t, then calls its callback. */
static void sb_trace_finish(struct southbound *sb, struct sb_trace *t, int status,
			    const struct wire_trace_reply *r)
{
	struct sb_trace **pp = &sb->traces;
	southbound_trace_cb cb = t->cb;
	void *arg = t->arg;

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	event_free(t->timer);
	free(t);
	cb(arg, status, r);
}

static void sb_trace_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sb_trace *t = arg;

	(void)fd;
	(void)what;
	log_warn("trace timed out host=%s id=%u", t->host, t->id);
	sb_trace_finish(t->sb, t, -ETIMEDOUT, NULL);
}

int southbound_trace(struct southbound *sb, const char *host, struct wire_trace_req *req,
		     int timeout_ms, southbound_trace_cb cb, void *arg)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	struct wire_msg m = {.type = WIRE_TRACE};
	struct sb_host *h;
	struct sb_trace *t;
	size_t n = 0;
	int rc;

	rc = sb_host_session(sb, host, &h);
	if (rc)
		return rc;
	for (t = sb->traces; t; t = t->next)
		n++;
	if (n >= SB_TRACE_MAX)
		return -EBUSY;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->timer = event_new(sb->base, -1, 0, sb_trace_on_timeout, t);
	if (!t->timer) {
		free(t);
		return -ENOMEM;
	}
	req->id = ++sb->trace_id;
	t->id = req->id;
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->cb = cb;
	t->arg = arg;
	t->sb = sb;
	m.trace = *req;
	rc = sb_send(sb, h, &m);
	sb_kick(sb);
	if (rc || event_add(t->timer, &tv)) {
		event_free(t->timer);
		free(t);
		return rc ? rc : -ENOMEM;
	}
	t->next = sb->traces;
	sb->traces = t;
	return 0;
}

void sb_trace_reply(struct southbound *sb, struct sb_host *h, const struct wire_trace_reply *r)
{
	struct sb_trace *t;

	for (t = sb->traces; t; t = t->next) {
		if (t->id == r->id && strcmp(t->host, h->name) == 0) {
			sb_trace_finish(sb, t, 0, r);
			return;
		}
	}
	sb->stats.rx_rejected++;
	log_warn("unexpected trace reply host=%s id=%u", h->name, r->id);
}

void sb_trace_abort(struct southbound *sb)
{
	while (sb->traces)
		sb_trace_finish(sb, sb->traces, -ECANCELED, NULL);
}
