/* api_monitor.c - GET /v1/hosts/NAME/monitor[?port=ID|NAME][&seconds=N]:
 * streams host NAME's drop events (agent/monitor.h) as they happen, one
 * JSON object a line (NDJSON) in a chunked response.
 *
 * The first stream of a host sends the agent MONITOR on (timeout
 * API_MON_AGENT_S) and answers once the agent has: 200 and the stream, or
 * an error (501 when the agent cannot monitor, 504 when it does not
 * answer). While streams are open the MONITOR is renewed every
 * API_MON_RENEW_S, which also writes a keepalive line to each stream (so a
 * client that went away is noticed at the next write); when the last one
 * ends (the client closed, its seconds passed, the host's session ended),
 * MONITOR off is sent, and should that be lost the agent's timeout turns it
 * off anyway. Streams of one host share the agent's session: with
 * different port filters the agent is asked for every port and each stream
 * keeps its own.
 *
 * Lines: {"type":"start",...} once, {"type":"drop",...} per event,
 * {"type":"keepalive"} every API_MON_RENEW_S, {"type":"lost","count":N}
 * after events were left out because the client read too slowly (more
 * than API_MON_MAX_BUF bytes waiting: nothing is buffered beyond), and
 * {"type":"end","reason":...} last. At most API_MON_PER_HOST streams per
 * host and API_MON_TOTAL in all (429 beyond). Only the node holding the
 * host's southbound session can serve it (409 elsewhere, as for trace).
 * Main thread only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <linux/types.h>

#include "api_int.h"
#include "log.h"
#include "pktsum.h"
#include "reasons.h"
#include "southbound.h"
#include "tenet_abi.h"
#include "wire.h"

#define API_MON_PER_HOST    4		 /* streams of one host */
#define API_MON_TOTAL	    16		 /* streams in all */
#define API_MON_RENEW_S	    2		 /* MONITOR renewal and keepalive period */
#define API_MON_AGENT_S	    10		 /* the agent's timeout in each MONITOR */
#define API_MON_ACK_MS	    5000	 /* wait for the agent's answer */
#define API_MON_MAX_BUF	    (256 * 1024) /* bytes waiting for a client, at most */
#define API_MON_MAX_SECONDS 86400	 /* longest ?seconds= */
#define API_MON_NAMES	    32		 /* port names remembered per host */

struct api_mon_host;

/* One client's stream. */
struct api_mon_stream {
	struct api_mon_host *mh;	 /* its host */
	struct evhttp_request *req;	 /* the request; NULL once answered */
	struct evhttp_connection *evcon; /* its connection */
	uint32_t port_key;		 /* only this port's drops; 0: every port */
	char port_name[128];		 /* as asked, for the start line */
	bool started;			 /* 200 and the start line were sent */
	struct event *ev_end;		 /* ?seconds= passed; NULL without */
	uint64_t lost;			 /* events left out since the last lost line */
	struct api_mon_stream *next;	 /* mh->streams link */
};

/* A port name the host's events named. */
struct api_mon_name {
	uint32_t key;	/* port_key; 0: unused */
	char name[128]; /* its name, or id when unnamed */
};

/* One host being monitored. */
struct api_mon_host {
	struct api *api;			  /* the server */
	char name[WIRE_HOST_MAX];		  /* the host */
	uint32_t id;				  /* id of the MONITOR on in force */
	uint32_t port_key;			  /* the filter sent with it */
	bool acked;				  /* the agent answered it */
	struct event *ev_renew;			  /* renewal and keepalive */
	struct event *ev_ack;			  /* the agent's answer is late */
	struct api_mon_stream *streams;		  /* its clients */
	uint64_t names_rev;			  /* store revision names are of */
	struct api_mon_name names[API_MON_NAMES]; /* port names (a small cache) */
	unsigned names_next;			  /* next slot to replace */
	struct api_mon_host *next;		  /* api_mon_hosts link */
};

/* Hosts being monitored (main thread only). */
static struct api_mon_host *api_mon_hosts;
static uint32_t api_mon_id;	     /* id of the last MONITOR sent */
static struct api *api_mon_receiver; /* the api registered with its southbound */

static size_t api_mon_count(const struct api_mon_host *only)
{
	size_t n = 0;

	for (const struct api_mon_host *h = api_mon_hosts; h; h = h->next)
		if (!only || h == only)
			for (const struct api_mon_stream *s = h->streams; s; s = s->next)
				n++;
	return n;
}

/* Writes one JSON line (obj stolen) to s. */
static void api_mon_write(struct api_mon_stream *s, json_t *obj)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (buf && text && s->req) {
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
		evhttp_send_reply_chunk(s->req, buf);
	}
	free(text);
	if (buf)
		evbuffer_free(buf);
}

/* Bytes waiting to go out on s's connection. */
static size_t api_mon_pending(const struct api_mon_stream *s)
{
	struct evhttp_connection *evcon = s->req ? evhttp_request_get_connection(s->req) : NULL;
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;

	return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* A "lost" line for the events left out, once the client caught up. */
static void api_mon_report_lost(struct api_mon_stream *s)
{
	if (!s->lost || api_mon_pending(s) >= API_MON_MAX_BUF / 2)
		return;
	api_mon_write(s, json_pack("{s:s,s:I,s:s}", "type", "lost", "count", (json_int_t)s->lost,
				   "reason", "slow_client"));
	s->lost = 0;
}

static void api_mon_host_check(struct api_mon_host *mh);

/*
 * Ends s: an error reply (status != 0, before the stream started), or the
 * "end" line with why and the end of the chunked reply; nothing when the
 * client is gone. Unlinks and frees s, then lets its host go on or stop.
 */
static void api_mon_stream_end(struct api_mon_stream *s, int status, const char *code,
			       const char *why)
{
	struct api_mon_host *mh = s->mh;
	struct api_mon_stream **pp = &mh->streams;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	if (s->req && !s->started) {
		api_error(mh->api, s->req, status ? status : 503, code ? code : "unavailable", why,
			  NULL);
	} else if (s->req) {
		api_mon_report_lost(s);
		api_mon_write(s, json_pack("{s:s,s:s}", "type", "end", "reason", why));
		evhttp_send_reply_end(s->req);
	}
	if (s->ev_end)
		event_free(s->ev_end);
	free(s);
	api_mon_host_check(mh);
}

/* Ends every stream of mh (each end may free mh when it is the last). */
static void api_mon_host_end(struct api_mon_host *mh, int status, const char *code, const char *why)
{
	while (mh->streams) {
		bool last = mh->streams->next == NULL;

		api_mon_stream_end(mh->streams, status, code, why);
		if (last)
			return; /* mh is gone */
	}
}

/* Unlinks and frees mh (no streams left), turning the agent's monitor off. */
static void api_mon_host_free(struct api_mon_host *mh)
{
	struct api_mon_host **pp = &api_mon_hosts;
	struct wire_monitor off = {.id = mh->id};

	while (*pp && *pp != mh)
		pp = &(*pp)->next;
	if (*pp)
		*pp = mh->next;
	if (mh->api->sb && southbound_monitor(mh->api->sb, mh->name, &off) == 0)
		log_info("drop monitor off host=%s id=%u", mh->name, mh->id);
	if (mh->ev_renew)
		event_free(mh->ev_renew);
	if (mh->ev_ack)
		event_free(mh->ev_ack);
	free(mh);
}

/* The port filter the agent needs: the streams' one, or 0 when they
 * differ (each stream then filters its own). */
static uint32_t api_mon_host_filter(const struct api_mon_host *mh)
{
	uint32_t key = mh->streams ? mh->streams->port_key : 0;

	for (const struct api_mon_stream *s = mh->streams; s; s = s->next)
		if (s->port_key != key)
			return 0;
	return key;
}

/* Sends MONITOR on for mh's streams (a new id when the filter changed). */
static int api_mon_host_send(struct api_mon_host *mh)
{
	struct wire_monitor on = {.on = true, .timeout_s = API_MON_AGENT_S};
	struct timeval ack = {API_MON_ACK_MS / 1000, (API_MON_ACK_MS % 1000) * 1000};
	uint32_t key = api_mon_host_filter(mh);
	int rc;

	if (!mh->api->sb)
		return -ENOTCONN;
	if (!mh->id || key != mh->port_key) {
		mh->id = ++api_mon_id ? api_mon_id : ++api_mon_id;
		mh->port_key = key;
		mh->acked = false;
	}
	on.id = mh->id;
	on.port_id = mh->port_key;
	rc = southbound_monitor(mh->api->sb, mh->name, &on);
	if (!rc && !mh->acked && !evtimer_pending(mh->ev_ack, NULL))
		evtimer_add(mh->ev_ack, &ack);
	return rc;
}

/* After a stream ended: stop when none is left, else narrow the filter. */
static void api_mon_host_check(struct api_mon_host *mh)
{
	if (!mh->streams) {
		api_mon_host_free(mh);
		return;
	}
	if (api_mon_host_filter(mh) != mh->port_key)
		api_mon_host_send(mh);
}

static void api_mon_host_lost_session(struct api_mon_host *mh, int rc)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "host %s has no agent session with this controller node%s",
		 mh->name,
		 rc == -ENOTCONN ? " (in a cluster: ask the node it is connected to)" : "");
	api_mon_host_end(mh, 409, "host_not_connected", msg);
}

/* Renewal: MONITOR on again, a keepalive line to each started stream. */
static void api_mon_on_renew(evutil_socket_t fd, short what, void *arg)
{
	struct api_mon_host *mh = arg;
	int rc;

	(void)fd;
	(void)what;
	rc = api_mon_host_send(mh);
	if (rc) {
		log_warn("drop monitor renewal failed host=%s err=%d", mh->name, rc);
		if (mh->acked) {
			api_mon_host_end(mh, 0, NULL, "host_disconnected");
			return;
		}
		api_mon_host_lost_session(mh, rc);
		return;
	}
	for (struct api_mon_stream *s = mh->streams; s; s = s->next) {
		if (!s->started)
			continue;
		api_mon_report_lost(s);
		if (api_mon_pending(s) < API_MON_MAX_BUF)
			api_mon_write(s, json_pack("{s:s}", "type", "keepalive"));
	}
}

static void api_mon_on_ack_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct api_mon_host *mh = arg;

	(void)fd;
	(void)what;
	log_warn("drop monitor: the agent did not answer host=%s id=%u", mh->name, mh->id);
	api_mon_host_end(mh, 504, "agent_timeout",
			 "the host's agent did not answer the monitor request");
}

/* Starts s: 200, NDJSON, and the start line. */
static void api_mon_stream_start(struct api_mon_stream *s)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(s->req);

	evhttp_add_header(out, "Content-Type", "application/x-ndjson");
	evhttp_add_header(out, "Cache-Control", "no-store");
	api_metrics_observe(s->mh->api, s->req, 200);
	evhttp_send_reply_start(s->req, 200, "OK");
	s->started = true;
	api_mon_write(s, json_pack("{s:s,s:s,s:o}", "type", "start", "host", s->mh->name, "port",
				   s->port_key ? json_string(s->port_name) : json_null()));
}

/* The name of port key (or its id when unnamed; "port_key N" when
 * unknown), from mh's cache, refreshed when the store changed. */
static const char *api_mon_port_name(struct api_mon_host *mh, uint32_t key)
{
	uint64_t rev = store_revision(mh->api->store);
	struct api_mon_name *slot;
	json_t *list = NULL, *p;
	size_t i;

	if (rev != mh->names_rev) {
		memset(mh->names, 0, sizeof(mh->names));
		mh->names_rev = rev;
	}
	for (i = 0; i < API_MON_NAMES; i++)
		if (mh->names[i].key == key)
			return mh->names[i].name;
	slot = &mh->names[mh->names_next++ % API_MON_NAMES];
	slot->key = key;
	snprintf(slot->name, sizeof(slot->name), "port_key %" PRIu32, key);
	if (store_list(mh->api->store, MODEL_PORT, NULL, &list))
		return slot->name;
	json_array_foreach(list, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));

		if (json_integer_value(json_object_get(p, "port_key")) != (json_int_t)key)
			continue;
		if (!n || !*n)
			n = json_string_value(json_object_get(p, "id"));
		if (n)
			snprintf(slot->name, sizeof(slot->name), "%s", n);
		break;
	}
	json_decref(list);
	return slot->name;
}

/* "2026-12-06T16:40:01.123456Z" of CLOCK_REALTIME nanoseconds ns. */
static void api_mon_time(char out[40], uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	char day[24];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%06uZ", day, (unsigned)(ns % 1000000000 / 1000));
}

/* One event as its line (new reference). */
static json_t *api_mon_event_json(struct api_mon_host *mh, const struct tn_drop_event *ev)
{
	char when[40], text[256];
	struct pktsum sum;
	json_t *o;

	api_mon_time(when, ev->ts_ns);
	pktsum_parse(ev->data, ev->snap_len, &sum);
	pktsum_format(&sum, text, sizeof(text));
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:o}", "type", "drop", "time", when, "host",
		      mh->name, "reason", reasons_name(ev->reason) ?: "?", "description",
		      reasons_describe(ev->reason) ?: "", "ifindex", (json_int_t)ev->ifindex, "len",
		      (json_int_t)ev->len, "summary", text, "packet", pktsum_json(&sum));
	if (!o)
		return NULL;
	if (ev->flags & TN_DROP_EV_F_PORT) {
		json_object_set_new(o, "port", json_string(api_mon_port_name(mh, ev->port_id)));
		json_object_set_new(o, "port_key", json_integer(ev->port_id));
		json_object_set_new(o, "vni", json_integer(ev->vni));
	} else {
		json_object_set_new(o, "port", json_null());
	}
	if (ev->lost)
		json_object_set_new(o, "lost_before", json_integer(ev->lost));
	return o;
}

/* The events of one batch to every started stream that wants them. */
static void api_mon_deliver(struct api_mon_host *mh, const struct wire_monitor_events *b)
{
	for (uint32_t i = 0; i < b->n; i++) {
		struct tn_drop_event ev;
		json_t *line = NULL;

		memcpy(&ev, b->ev[i], sizeof(ev));
		for (struct api_mon_stream *s = mh->streams; s; s = s->next) {
			if (!s->started || (s->port_key && (!(ev.flags & TN_DROP_EV_F_PORT) ||
							    ev.port_id != s->port_key)))
				continue;
			if (api_mon_pending(s) >= API_MON_MAX_BUF) {
				s->lost++;
				continue;
			}
			api_mon_report_lost(s);
			if (!line)
				line = api_mon_event_json(mh, &ev);
			if (line)
				api_mon_write(s, json_incref(line));
		}
		json_decref(line);
	}
}

/* southbound monitor receiver: the agent's answer or a batch. */
static void api_mon_on_events(void *arg, const char *host, const struct wire_monitor_events *b)
{
	struct api_mon_host *mh;
	char msg[256];

	(void)arg;
	for (mh = api_mon_hosts; mh && strcmp(mh->name, host) != 0; mh = mh->next)
		;
	if (!mh)
		return; /* no stream (any more): the agent is told off at once */
	if (b->err && b->id == mh->id) {
		snprintf(msg, sizeof(msg), "host %s cannot monitor drops: %s", host,
			 b->err == EOPNOTSUPP
			     ? "its agent has no datapath to monitor (fake datapath)"
			     : strerror((int)b->err));
		log_warn("drop monitor refused host=%s err=%u", host, b->err);
		api_mon_host_end(mh, 501, "not_supported", msg);
		return;
	}
	if (b->n == 0 && b->id == mh->id && !mh->acked) {
		mh->acked = true;
		evtimer_del(mh->ev_ack);
		for (struct api_mon_stream *s = mh->streams; s; s = s->next)
			if (!s->started && s->req)
				api_mon_stream_start(s);
		return;
	}
	api_mon_deliver(mh, b);
}

void api_monitor_on_close(struct api *api, struct evhttp_connection *evcon)
{
	for (struct api_mon_host *mh = api_mon_hosts; mh; mh = mh->next) {
		for (struct api_mon_stream *s = mh->streams; s; s = s->next) {
			if (mh->api != api || s->evcon != evcon)
				continue;
			/* a request evhttp detached from the dying connection is
			 * ours to free (send_reply_end does); one still attached
			 * goes with the connection */
			if (s->req && !evhttp_request_get_connection(s->req))
				evhttp_send_reply_end(s->req);
			s->req = NULL;
			api_mon_stream_end(s, 0, NULL, "client_closed");
			return;
		}
	}
}

void api_monitor_abort(struct api *api)
{
	struct api_mon_host *mh = api_mon_hosts, *next;

	for (; mh; mh = next) {
		next = mh->next;
		if (mh->api == api)
			api_mon_host_end(mh, 503, "unavailable", "controller_stopping");
	}
	if (api_mon_receiver == api && api->sb)
		southbound_set_monitor_cb(api->sb, NULL, NULL);
	if (api_mon_receiver == api)
		api_mon_receiver = NULL;
}

static void api_mon_on_seconds(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	api_mon_stream_end(arg, 0, NULL, "seconds");
}

/* The port named by id or name, bound to host: its port_key into *key and
 * name into s; false after an error reply. */
static bool api_mon_port(struct api *api, struct evhttp_request *req, const char *host,
			 const char *want, struct api_mon_stream *s)
{
	json_t *list = NULL, *p, *found = NULL;
	const char *bound, *msg = NULL;
	bool ambiguous = false;
	char text[256];
	size_t i;

	if (store_get(api->store, MODEL_PORT, want, &found) != 0) {
		found = NULL;
		if (!store_list(api->store, MODEL_PORT, NULL, &list)) {
			json_array_foreach(list, i, p)
			{
				const char *n = json_string_value(json_object_get(p, "name"));

				if (!n || strcmp(n, want) != 0)
					continue;
				ambiguous = found != NULL;
				if (ambiguous)
					break;
				found = json_incref(p);
			}
			json_decref(list);
		}
	}
	if (ambiguous || !found) {
		json_decref(found);
		api_error(api, req, ambiguous ? 400 : 404, ambiguous ? "ambiguous" : "not_found",
			  ambiguous ? "several ports have that name: give its id" : "no such port",
			  "port");
		return false;
	}
	bound = json_string_value(json_object_get(json_object_get(found, "binding"), "host"));
	if (!bound || strcmp(bound, host) != 0) {
		snprintf(text, sizeof(text), "port %s is bound to %s, not to %s", want,
			 bound ? bound : "no host", host);
		msg = text;
	}
	s->port_key = (uint32_t)json_integer_value(json_object_get(found, "port_key"));
	snprintf(s->port_name, sizeof(s->port_name), "%s", want);
	json_decref(found);
	if (msg) {
		api_error(api, req, 400, "invalid_value", msg, "port");
		return false;
	}
	return true;
}

/* Reads ?port= and ?seconds= into s and *seconds; false after an error. */
static bool api_mon_query(struct api *api, struct evhttp_request *req, const char *host,
			  struct api_mon_stream *s, long *seconds)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq params = {0};
	const char *port, *sec;
	bool ok = true;
	char *end;

	*seconds = 0;
	if (q && evhttp_parse_query_str(q, &params)) {
		api_error(api, req, 400, "invalid_value", "malformed query string", NULL);
		return false;
	}
	port = evhttp_find_header(&params, "port");
	sec = evhttp_find_header(&params, "seconds");
	if (sec) {
		*seconds = strtol(sec, &end, 10);
		if (!*sec || *end || *seconds < 1 || *seconds > API_MON_MAX_SECONDS) {
			api_error(api, req, 400, "invalid_value", "seconds must be 1..86400",
				  "seconds");
			ok = false;
		}
	}
	if (ok && port && *port)
		ok = api_mon_port(api, req, host, port, s);
	evhttp_clear_headers(&params);
	return ok;
}

/* The host entry of name, created (with its timers) when absent. */
static struct api_mon_host *api_mon_host_get(struct api *api, const char *name)
{
	struct timeval renew = {API_MON_RENEW_S, 0};
	struct api_mon_host *mh;

	for (mh = api_mon_hosts; mh; mh = mh->next)
		if (mh->api == api && strcmp(mh->name, name) == 0)
			return mh;
	mh = calloc(1, sizeof(*mh));
	if (!mh)
		return NULL;
	mh->api = api;
	snprintf(mh->name, sizeof(mh->name), "%s", name);
	mh->ev_renew = event_new(api->base, -1, EV_PERSIST, api_mon_on_renew, mh);
	mh->ev_ack = evtimer_new(api->base, api_mon_on_ack_timeout, mh);
	if (!mh->ev_renew || !mh->ev_ack || event_add(mh->ev_renew, &renew)) {
		if (mh->ev_renew)
			event_free(mh->ev_renew);
		if (mh->ev_ack)
			event_free(mh->ev_ack);
		free(mh);
		return NULL;
	}
	mh->next = api_mon_hosts;
	api_mon_hosts = mh;
	southbound_set_monitor_cb(api->sb, api_mon_on_events, NULL);
	api_mon_receiver = api;
	return mh;
}

/* Checks the request; the host's name into name. False after a reply. */
static bool api_mon_check(struct api *api, struct evhttp_request *req, const char *name, size_t n,
			  char *host)
{
	json_t *obj = NULL;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		api_error(api, req, 405, "method_not_allowed",
			  "method not allowed on this resource", NULL);
		return false;
	}
	if (n == 0 || n >= WIRE_HOST_MAX ||
	    (memcpy(host, name, n), host[n] = '\0',
	     store_get(api->store, MODEL_HOST, host, &obj))) {
		api_error(api, req, 404, "not_found", "no such host", "id");
		return false;
	}
	json_decref(obj);
	if (!api->sb) {
		api_error(api, req, 503, "unavailable", "no southbound on this node", NULL);
		return false;
	}
	return true;
}

/* Starts a stream for req once it passed every check. */
static void api_mon_open(struct api *api, struct evhttp_request *req, const char *host,
			 struct api_mon_stream *s, long seconds)
{
	struct timeval tv = {seconds, 0};
	struct api_mon_host *mh;
	int rc;

	mh = api_mon_host_get(api, host);
	if (!mh || (seconds && !(s->ev_end = evtimer_new(api->base, api_mon_on_seconds, s)))) {
		api_error(api, req, 500, "internal_error", "out of memory", NULL);
		free(s);
		if (mh && !mh->streams)
			api_mon_host_free(mh);
		return;
	}
	s->mh = mh;
	s->req = req;
	s->evcon = evhttp_request_get_connection(req);
	s->next = mh->streams;
	mh->streams = s;
	if (s->ev_end)
		evtimer_add(s->ev_end, &tv);
	log_info("drop monitor stream host=%s port=%u seconds=%ld streams=%zu", host, s->port_key,
		 seconds, api_mon_count(mh));
	if (mh->acked && api_mon_host_filter(mh) == mh->port_key) {
		api_mon_stream_start(s);
		return;
	}
	rc = api_mon_host_send(mh);
	if (rc)
		api_mon_host_lost_session(mh, rc);
}

bool api_monitor_route(struct api *api, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char host[WIRE_HOST_MAX];
	struct api_mon_stream *s;
	const char *name, *end;
	struct api_mon_host *mh;
	long seconds;

	if (!path || strncmp(path, "/v1/hosts/", 10) != 0)
		return false;
	name = path + 10;
	end = strchr(name, '/');
	if (!end || strcmp(end, "/monitor") != 0)
		return false;
	if (!api_mon_check(api, req, name, (size_t)(end - name), host))
		return true;
	s = calloc(1, sizeof(*s));
	if (!s) {
		api_error(api, req, 500, "internal_error", "out of memory", NULL);
		return true;
	}
	if (!api_mon_query(api, req, host, s, &seconds)) {
		free(s);
		return true;
	}
	for (mh = api_mon_hosts; mh && strcmp(mh->name, host) != 0; mh = mh->next)
		;
	if (api_mon_count(NULL) >= API_MON_TOTAL || (mh && api_mon_count(mh) >= API_MON_PER_HOST)) {
		free(s);
		api_error(api, req, 429, "too_many_monitors",
			  "too many drop monitor streams (at most 4 per host, 16 in all)", NULL);
		return true;
	}
	api_mon_open(api, req, host, s, seconds);
	return true;
}
