/* sbclient.c - southbound DEALER session; see sbclient.h. */
#include "sbclient.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "keyfp.h"
#include "log.h"

#define SB_BACKOFF_MIN_MS 100
#define SB_BACKOFF_MAX_MS 5000

struct sbclient {
	struct event_base *base;       /* the loop */
	struct sbclient_endpoint *eps; /* the controllers, in list order */
	size_t n_eps;		       /* entries in eps (>= 1) */
	size_t cur;		       /* index in eps of the controller in use */
	char *host;		       /* our host name */
	zcert_t *cert;		       /* borrowed own certificate */
	int heartbeat_ms;	       /* heartbeat period */
	int timeout_ms;		       /* silence before moving on */
	uint32_t caps;		       /* HELLO's announcements (sbclient_config) */
	uint32_t overlay_mtu;	       /* ... */
	uint32_t abi;		       /* ... */
	struct sbclient_ops ops;       /* callbacks */
	zsock_t *sock;		       /* DEALER, NULL while backing off */
	struct event *ev_sock;	       /* ZMQ_FD readable, or activated after sends */
	struct event *ev_tick;	       /* heartbeat period */
	struct event *ev_retry;	       /* backoff before reconnecting */
	int64_t last_heard_ms;	       /* zclock_mono() of the last message or connect */
	bool heard;		       /* something arrived on this session */
	bool behind_logged;	       /* "controller behind us" logged this session */
	int backoff_ms;		       /* next backoff */
	struct sbclient_stats stats;   /* counters */
	zsock_t *mon;		       /* PAIR receiving sock's monitor events, or NULL */
	struct event *ev_mon;	       /* mon's ZMQ_FD readable */
	unsigned mon_seq;	       /* makes each monitor endpoint unique */
	bool tcp_up;		       /* TCP connected since the last connect attempt */
	bool ever_connected;	       /* TCP connected at least once on this socket */
	char fp[KEYFP_HEX + 1];	       /* our key's fingerprint, for logs */

	/* per controller (index in eps): what we know of its link, as logged */
	enum sbclient_link link[SBCLIENT_MAX_ENDPOINTS];
};

/* ---- the controller list ---- */

static bool sbclient_key_valid(const char *s, size_t len)
{
	uint8_t raw[32];
	char buf[Z85_KEY_LEN + 1];

	if (len != Z85_KEY_LEN)
		return false;
	memcpy(buf, s, Z85_KEY_LEN);
	buf[Z85_KEY_LEN] = '\0';
	return zmq_z85_decode(raw, buf) != NULL;
}

/* True if s[0..len) is a tcp://, ipc:// or inproc:// endpoint with no
 * space, '@' or ',' in it. */
static bool sbclient_endpoint_valid(const char *s, size_t len)
{
	static const char *const schemes[] = {"tcp://", "ipc://", "inproc://"};
	bool known = false;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t sl = strlen(schemes[i]);

		if (len > sl && strncmp(s, schemes[i], sl) == 0)
			known = true;
	}
	if (!known || len >= SBCLIENT_ENDPOINT_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (isspace((unsigned char)s[i]) || s[i] == '@' || s[i] == ',')
			return false;
	return true;
}

/* Parses one trimmed entry s[0..len), "ENDPOINT" or "ENDPOINT@KEY". */
static int sbclient_parse_entry(const char *s, size_t len, const char *default_key,
				struct sbclient_endpoint *ep)
{
	const char *key = default_key;
	size_t klen = key ? strlen(key) : 0;

	/* Z85 has '@' in its alphabet: the key is exactly the last 40 */
	if (len > 41 && s[len - 41] == '@') {
		key = s + len - 40;
		klen = 40;
		len -= 41;
	}
	if (!key || !sbclient_key_valid(key, klen) || !sbclient_endpoint_valid(s, len))
		return -EINVAL;
	memcpy(ep->endpoint, s, len);
	ep->endpoint[len] = '\0';
	memcpy(ep->server_key, key, Z85_KEY_LEN);
	ep->server_key[Z85_KEY_LEN] = '\0';
	return 0;
}

int sbclient_parse_endpoints(const char *list, const char *default_key,
			     struct sbclient_endpoint **out, size_t *n)
{
	struct sbclient_endpoint *eps;
	const char *p = list;
	size_t cnt = 0;

	if (!list || !out || !n)
		return -EINVAL;
	if (default_key && !sbclient_key_valid(default_key, strlen(default_key)))
		return -EINVAL;
	eps = calloc(SBCLIENT_MAX_ENDPOINTS, sizeof(*eps));
	if (!eps)
		return -ENOMEM;
	for (;;) {
		const char *end = strchr(p, ','), *s = p, *e;

		e = end ? end : p + strlen(p);
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (cnt == SBCLIENT_MAX_ENDPOINTS ||
		    sbclient_parse_entry(s, (size_t)(e - s), default_key, &eps[cnt])) {
			free(eps);
			return -EINVAL;
		}
		cnt++;
		if (!end)
			break;
		p = end + 1;
	}
	*out = eps;
	*n = cnt;
	return 0;
}

/* ---- the session ---- */

static uint64_t sbclient_rev(struct sbclient *sb)
{
	return sb->ops.rev ? sb->ops.rev(sb->ops.arg) : 0;
}

static int sbclient_send(struct sbclient *sb, const struct wire_msg *m)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	if (!sb->sock)
		return -ENOTCONN;
	err = wire_encode(m, &buf, &len);
	if (err) {
		log_err("cannot encode type=%s err=%d", wire_type_name(m->type), err);
		return err;
	}
	if (zmq_send(zsock_resolve(sb->sock), buf, len, ZMQ_DONTWAIT) < 0) {
		err = -errno;
		sb->stats.tx_dropped++;
		log_debug("send failed type=%s err=%d", wire_type_name(m->type), err);
	} else {
		sb->stats.tx_msgs++;
	}
	free(buf);
	/* ZMQ_FD is edge-triggered and a send can consume the edge: drain. */
	event_active(sb->ev_sock, EV_READ, 0);
	return err;
}

static int sbclient_send_rev(struct sbclient *sb, enum wire_type type)
{
	struct wire_msg m = {.type = type};
	uint64_t rev = sbclient_rev(sb);

	if (type == WIRE_HELLO) {
		snprintf(m.hello.host, sizeof(m.hello.host), "%s", sb->host);
		m.hello.last_rev = rev;
		m.hello.caps = sb->caps;
		m.hello.overlay_mtu = sb->overlay_mtu;
		m.hello.abi = sb->abi;
	} else {
		m.ack.rev = rev;
	}
	return sbclient_send(sb, &m);
}

static void sbclient_close(struct sbclient *sb)
{
	if (sb->ev_mon) {
		event_free(sb->ev_mon);
		sb->ev_mon = NULL;
	}
	if (sb->sock && sb->mon)
		zmq_socket_monitor(zsock_resolve(sb->sock), NULL, 0);
	zsock_destroy(&sb->mon);
	if (sb->ev_sock) {
		event_free(sb->ev_sock);
		sb->ev_sock = NULL;
	}
	zsock_destroy(&sb->sock);
}

/* Drops the session and schedules a new one after the backoff, jittered to
 * [backoff/2, backoff). */
static void sbclient_reconnect_later(struct sbclient *sb)
{
	struct timeval tv;
	int ms;

	sbclient_close(sb);
	ms = sb->backoff_ms / 2 + (int)(random() % (sb->backoff_ms / 2 + 1));
	sb->backoff_ms =
	    sb->backoff_ms * 2 > SB_BACKOFF_MAX_MS ? SB_BACKOFF_MAX_MS : sb->backoff_ms * 2;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(sb->ev_retry, &tv);
	log_debug("reconnect scheduled delay_ms=%d endpoint=%s", ms, sb->eps[sb->cur].endpoint);
}

/* Leaves the current controller for the next one in the list. Safe from
 * within the socket's own callback (the drain loop stops on sock == NULL). */
static void sbclient_move_on(struct sbclient *sb)
{
	sb->stats.reconnects++;
	sb->cur = (sb->cur + 1) % sb->n_eps;
	sbclient_reconnect_later(sb);
}

static void sbclient_on_update(struct sbclient *sb, const struct wire_msg *m)
{
	struct wire_msg ack = {.type = WIRE_ACK};
	int err;

	err = sb->ops.update ? sb->ops.update(sb->ops.arg, m) : -ENOTSUP;
	if (err == -ESTALE) {
		sbclient_send_rev(sb, WIRE_HELLO);
		return;
	}
	if (err) {
		log_err("update not applied type=%s to=%" PRIu64 " err=%d", wire_type_name(m->type),
			m->update.to, err);
		return;
	}
	ack.ack.rev = m->update.to;
	sbclient_send(sb, &ack);
}

static void sbclient_heard(struct sbclient *sb)
{
	sb->last_heard_ms = zclock_mono();
	sb->heard = true;
	sb->backoff_ms = SB_BACKOFF_MIN_MS;
}

/* A controller behind us: its updates would take the maps backwards. */
static bool sbclient_refuse_update(struct sbclient *sb, const struct wire_msg *m)
{
	uint64_t rev = sbclient_rev(sb);

	if (m->update.to >= rev)
		return false;
	sb->stats.rx_backwards++;
	log_warn("update below our revision refused, moving on type=%s to=%" PRIu64 " rev=%" PRIu64
		 " endpoint=%s",
		 wire_type_name(m->type), m->update.to, rev, sb->eps[sb->cur].endpoint);
	sbclient_move_on(sb);
	return true;
}

/* True if m names another controller store than the one our revision is
 * from, and we had applied something: our revision is then reset to 0 (the
 * maps stay for the next SNAPSHOT to reconcile). With nothing applied the
 * identity is just adopted. */
static bool sbclient_store_changed(struct sbclient *sb, const struct wire_msg *m)
{
	uint64_t rev = sbclient_rev(sb);
	const char *ours;

	if (!m->store_id[0] || !sb->ops.store_id || !sb->ops.reset)
		return false;
	ours = sb->ops.store_id(sb->ops.arg);
	if (ours && strcmp(ours, m->store_id) == 0)
		return false;
	sb->stats.rx_other_store += rev > 0;
	if (rev > 0)
		log_warn(
		    "controller serves another store, revision reset endpoint=%s store=%s ours=%s rev=%" PRIu64,
		    sb->eps[sb->cur].endpoint, m->store_id, ours && ours[0] ? ours : "-", rev);
	sb->ops.reset(sb->ops.arg, m->store_id);
	return rev > 0;
}

/* A HEARTBEAT: true if it shows the controller at or past our revision. */
static bool sbclient_beat_current(struct sbclient *sb, const struct wire_msg *m)
{
	uint64_t rev = sbclient_rev(sb);

	if (m->ack.rev >= rev)
		return true;
	sb->stats.rx_behind++;
	if (!sb->behind_logged)
		log_info("controller behind us, waiting endpoint=%s its_rev=%" PRIu64
			 " rev=%" PRIu64,
			 sb->eps[sb->cur].endpoint, m->ack.rev, rev);
	sb->behind_logged = true;
	return false;
}

/* Handles one received frame. */
/* Runs a trace request and answers it (TRACE_REPLY, same id). */
static void sbclient_on_trace(struct sbclient *sb, const struct wire_trace_req *req)
{
	struct wire_trace_reply *r = calloc(1, sizeof(*r));
	struct wire_msg m = {.type = WIRE_TRACE_REPLY};

	if (!r)
		return;
	if (sb->ops.trace) {
		sb->ops.trace(sb->ops.arg, req, r);
	} else {
		r->id = req->id;
		r->err = EOPNOTSUPP;
	}
	m.trace_reply = r;
	sbclient_send(sb, &m);
	free(r);
}

/* Applies a MONITOR and answers it (an empty MONITOR_EVENTS, same id). */
static void sbclient_on_monitor_req(struct sbclient *sb, const struct wire_monitor *req)
{
	struct wire_monitor_events *r = calloc(1, sizeof(*r));
	struct wire_msg m = {.type = WIRE_MONITOR_EVENTS};
	int rc = sb->ops.monitor ? sb->ops.monitor(sb->ops.arg, req) : -EOPNOTSUPP;

	if (!r)
		return;
	r->id = req->id;
	r->err = rc < 0 ? (uint32_t)-rc : 0;
	m.events = r;
	sbclient_send(sb, &m);
	free(r);
}

/* Answers a CT_EXPORT (one empty CT_STATE without a handler). */
static void sbclient_on_ct_export(struct sbclient *sb, const struct wire_ct_export *req)
{
	struct wire_msg m = {.type = WIRE_CT_STATE};
	int rc;

	if (sb->ops.ct_export) {
		rc = sb->ops.ct_export(sb->ops.arg, req);
		if (rc)
			log_warn("conntrack export failed port=%u gen=%u err=%d", req->port_id,
				 req->generation, rc);
		return;
	}
	m.ct_state.port_id = req->port_id;
	m.ct_state.generation = req->generation;
	m.ct_state.final = req->final;
	sbclient_send(sb, &m);
}

static void sbclient_on_frame(struct sbclient *sb, const uint8_t *data, size_t len)
{
	struct wire_msg m;
	int err;

	err = wire_decode_refs(data, len, &m); /* rows in place: data outlives m */
	if (err) {
		sb->stats.rx_rejected++;
		log_warn("bad message dropped len=%zu err=%d", len, err);
		return;
	}
	switch (m.type) {
	case WIRE_SNAPSHOT:
	case WIRE_DELTA:
		if (sbclient_store_changed(sb, &m) && m.type == WIRE_DELTA) {
			sb->stats.rx_msgs++;
			sbclient_heard(sb);
			sbclient_send_rev(sb, WIRE_HELLO); /* from 0: a SNAPSHOT */
			break;
		}
		if (sbclient_refuse_update(sb, &m))
			break;
		sb->stats.rx_msgs++;
		sbclient_heard(sb);
		sbclient_on_update(sb, &m);
		break;
	case WIRE_HEARTBEAT:
		sb->stats.rx_msgs++;
		if (sbclient_store_changed(sb, &m)) {
			sbclient_heard(sb);
			sbclient_send_rev(sb, WIRE_HELLO); /* from 0: a SNAPSHOT */
		} else if (sbclient_beat_current(sb, &m)) {
			sbclient_heard(sb);
		}
		break;
	case WIRE_TRACE:
		sb->stats.rx_msgs++;
		sbclient_heard(sb);
		sbclient_on_trace(sb, &m.trace);
		break;
	case WIRE_MONITOR:
		sb->stats.rx_msgs++;
		sbclient_heard(sb);
		sbclient_on_monitor_req(sb, &m.monitor);
		break;
	case WIRE_CT_EXPORT:
		sb->stats.rx_msgs++;
		sbclient_heard(sb);
		sbclient_on_ct_export(sb, &m.ct_export);
		break;
	case WIRE_CT_STATE:
		sbclient_heard(sb);
		if (!sb->ops.ct_import) {
			sb->stats.rx_rejected++;
			log_warn("unexpected message dropped type=%s", wire_type_name(m.type));
			break;
		}
		sb->stats.rx_msgs++;
		err = sb->ops.ct_import(sb->ops.arg, &m.ct_state);
		if (err)
			log_warn("conntrack import failed port=%u gen=%u err=%d",
				 m.ct_state.port_id, m.ct_state.generation, err);
		break;
	default:
		sb->stats.rx_rejected++;
		sbclient_heard(sb);
		log_warn("unexpected message dropped type=%s", wire_type_name(m.type));
		break;
	}
	wire_msg_release(&m);
}

/* Receives every queued message. */
static void sbclient_drain(struct sbclient *sb)
{
	void *handle;
	zmq_msg_t msg;

	while (sb->sock && (zsock_events(sb->sock) & ZMQ_POLLIN)) {
		bool multi = false;

		handle = zsock_resolve(sb->sock);
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, handle, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&msg);
			break;
		}
		while (zmq_msg_more(&msg)) { /* one frame per message: discard the rest */
			multi = true;
			zmq_msg_close(&msg);
			zmq_msg_init(&msg);
			if (zmq_msg_recv(&msg, handle, ZMQ_DONTWAIT) < 0)
				break;
		}
		if (multi) {
			sb->stats.rx_rejected++;
			log_warn("multi-part message dropped");
		} else {
			sbclient_on_frame(sb, zmq_msg_data(&msg), zmq_msg_size(&msg));
		}
		zmq_msg_close(&msg);
	}
}

static void sbclient_on_sock(evutil_socket_t fd, short what, void *arg)
{
	sbclient_drain(arg);
}

/* ---- why a controller cannot be used (monitor events) ---- */

/* Records what we know of the current controller's link, logging it when
 * it changed: once per change, not at every retry. */
static void sbclient_set_link(struct sbclient *sb, enum sbclient_link link, unsigned value)
{
	const struct sbclient_endpoint *ep = &sb->eps[sb->cur];
	char sfp[KEYFP_HEX + 1];

	if (sb->link[sb->cur] == link)
		return;
	sb->link[sb->cur] = link;
	switch (link) {
	case SBCLIENT_LINK_UP:
		log_info("controller accepted this host endpoint=%s host=%s fingerprint=%s",
			 ep->endpoint, sb->host, sb->fp);
		break;
	case SBCLIENT_LINK_UNREACHABLE:
		log_warn("controller unreachable endpoint=%s (no connection: is tenet-controller "
			 "listening there, and is the address right?)",
			 ep->endpoint);
		break;
	case SBCLIENT_LINK_KEY_REFUSED:
		log_err("controller refused this host's key (not enrolled, or replaced) "
			"endpoint=%s host=%s fingerprint=%s public_key=%s (enrol it: tenetctl "
			"host create|update ... public_key=@KEYFILE.pub)",
			ep->endpoint, sb->host, sb->fp, zcert_public_txt(sb->cert));
		break;
	case SBCLIENT_LINK_SERVER_KEY:
		keyfp_z85(ep->server_key, sfp);
		log_err("handshake with controller failed endpoint=%s: wrong server key? (check "
			"--controller-key or the list's @KEY) server_key_fingerprint=%s",
			ep->endpoint, sfp);
		break;
	case SBCLIENT_LINK_HANDSHAKE:
		if (value < 1000) /* a ZAP status code */
			log_err("controller could not check this host's key endpoint=%s "
				"zap_status=%u",
				ep->endpoint, value);
		else
			log_err("handshake with controller failed endpoint=%s protocol_error=0x%x "
				"(not a tenet controller, or no CURVE there?)",
				ep->endpoint, value);
		break;
	default:
		break;
	}
}

/* Classifies one monitor event of the current socket. */
static void sbclient_on_event(struct sbclient *sb, uint16_t event, uint32_t value)
{
	switch (event) {
	case ZMQ_EVENT_CONNECTED:
		sb->tcp_up = true;
		sb->ever_connected = true;
		break;
	case ZMQ_EVENT_CONNECT_RETRIED: /* an attempt ended */
		if (!sb->tcp_up)
			sbclient_set_link(sb, SBCLIENT_LINK_UNREACHABLE, 0);
		sb->tcp_up = false;
		break;
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
		sbclient_set_link(sb, SBCLIENT_LINK_UP, 0);
		break;
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: /* value: the ZAP status code */
		sbclient_set_link(
		    sb, value == 400 ? SBCLIENT_LINK_KEY_REFUSED : SBCLIENT_LINK_HANDSHAKE, value);
		break;
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: /* the peer hung up mid-handshake */
		sbclient_set_link(sb, SBCLIENT_LINK_SERVER_KEY, value);
		break;
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		sbclient_set_link(sb,
				  value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
				      ? SBCLIENT_LINK_SERVER_KEY
				      : SBCLIENT_LINK_HANDSHAKE,
				  value);
		break;
	default:
		break;
	}
}

/* Receives every queued monitor event: a frame of event (16 bits) and
 * value (32 bits), then one with the endpoint. */
static void sbclient_drain_monitor(struct sbclient *sb)
{
	while (sb->mon && (zsock_events(sb->mon) & ZMQ_POLLIN)) {
		zmsg_t *msg = zmsg_recv(sb->mon);
		zframe_t *f = msg ? zmsg_first(msg) : NULL;
		uint16_t event;
		uint32_t value;

		if (!msg)
			break;
		if (f && zframe_size(f) == 6) {
			memcpy(&event, zframe_data(f), 2);
			memcpy(&value, zframe_data(f) + 2, 4);
			sbclient_on_event(sb, event, value);
		}
		zmsg_destroy(&msg);
	}
}

static void sbclient_on_monitor(evutil_socket_t fd, short what, void *arg)
{
	sbclient_drain_monitor(arg);
}

/* Starts monitoring sock (before it connects). A client without a monitor
 * works, it only cannot say why a controller is unusable: failures are
 * logged and ignored. */
static void sbclient_monitor(struct sbclient *sb)
{
	char ep[64];

	snprintf(ep, sizeof(ep), "inproc://tenet-sbclient-%p-%u", (void *)sb, sb->mon_seq++);
	if (zmq_socket_monitor(zsock_resolve(sb->sock), ep,
			       ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED |
				   ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
				   ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
				   ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)) {
		log_warn("no socket monitor err=%s", zmq_strerror(zmq_errno()));
		return;
	}
	sb->mon = zsock_new(ZMQ_PAIR);
	if (sb->mon && zsock_connect(sb->mon, "%s", ep))
		zsock_destroy(&sb->mon);
	if (sb->mon)
		sb->ev_mon = event_new(sb->base, zsock_fd(sb->mon), EV_READ | EV_PERSIST,
				       sbclient_on_monitor, sb);
	if (!sb->mon || !sb->ev_mon || event_add(sb->ev_mon, NULL)) {
		log_warn("no socket monitor endpoint=%s", ep);
		zmq_socket_monitor(zsock_resolve(sb->sock), NULL, 0);
		if (sb->ev_mon)
			event_free(sb->ev_mon);
		sb->ev_mon = NULL;
		zsock_destroy(&sb->mon);
		return;
	}
	event_active(sb->ev_mon, EV_READ, 0);
}

/* Creates the socket to the current controller, connects and says HELLO. */
static int sbclient_open(struct sbclient *sb)
{
	const struct sbclient_endpoint *ep = &sb->eps[sb->cur];

	sb->sock = zsock_new(ZMQ_DEALER);
	if (!sb->sock)
		return -ENOMEM;
	zsock_set_linger(sb->sock, 0);
	zcert_apply(sb->cert, sb->sock);
	zsock_set_curve_serverkey(sb->sock, ep->server_key);
	sb->tcp_up = false;
	sb->ever_connected = false;
	sbclient_monitor(sb);
	if (zsock_connect(sb->sock, "%s", ep->endpoint) < 0) {
		log_err("cannot connect endpoint=%s errno=%d", ep->endpoint, errno);
		goto out_close;
	}
	sb->ev_sock =
	    event_new(sb->base, zsock_fd(sb->sock), EV_READ | EV_PERSIST, sbclient_on_sock, sb);
	if (!sb->ev_sock || event_add(sb->ev_sock, NULL))
		goto out_close;
	sb->last_heard_ms = zclock_mono();
	sb->heard = false;
	sb->behind_logged = false;
	sbclient_send_rev(sb, WIRE_HELLO);
	log_info("connecting endpoint=%s host=%s rev=%" PRIu64, ep->endpoint, sb->host,
		 sbclient_rev(sb));
	if (sb->ops.connected)
		sb->ops.connected(sb->ops.arg);
	return 0;
out_close:
	sbclient_close(sb);
	return -EINVAL;
}

static void sbclient_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct sbclient *sb = arg;

	if (sbclient_open(sb))
		sbclient_move_on(sb);
}

static void sbclient_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sbclient *sb = arg;

	if (!sb->sock)
		return; /* backing off */
	if (zclock_mono() - sb->last_heard_ms > sb->timeout_ms) {
		sbclient_drain_monitor(sb);
		if (!sb->ever_connected) /* nothing answered: no refusal to wait for */
			sbclient_set_link(sb, SBCLIENT_LINK_UNREACHABLE, 0);
		log_warn("controller silent or behind, moving on endpoint=%s silent_ms=%" PRId64,
			 sb->eps[sb->cur].endpoint, zclock_mono() - sb->last_heard_ms);
		sbclient_move_on(sb);
		return;
	}
	sbclient_send_rev(sb, WIRE_HEARTBEAT);
}

struct sbclient *sbclient_new(struct event_base *base, const struct sbclient_config *cfg,
			      const struct sbclient_ops *ops)
{
	struct timeval tv;
	struct sbclient *sb;

	if (!base || !cfg || !cfg->endpoint || !cfg->host || !cfg->cert ||
	    strlen(cfg->host) >= WIRE_HOST_MAX)
		return NULL;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	if (sbclient_parse_endpoints(cfg->endpoint, cfg->server_key, &sb->eps, &sb->n_eps)) {
		log_err("bad controller list or key endpoints=%s", cfg->endpoint);
		goto out_free;
	}
	sb->base = base;
	sb->host = strdup(cfg->host);
	sb->cert = cfg->cert;
	sb->heartbeat_ms = cfg->heartbeat_ms > 0 ? cfg->heartbeat_ms : 1000;
	sb->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 3000;
	sb->caps = cfg->caps;
	sb->overlay_mtu = cfg->overlay_mtu;
	sb->abi = cfg->abi;
	sb->backoff_ms = SB_BACKOFF_MIN_MS;
	if (ops)
		sb->ops = *ops;
	keyfp_raw(zcert_public_key(cfg->cert), sb->fp);
	sb->ev_tick = event_new(base, -1, EV_PERSIST, sbclient_on_tick, sb);
	sb->ev_retry = evtimer_new(base, sbclient_on_retry, sb);
	if (!sb->host || !sb->ev_tick || !sb->ev_retry)
		goto out_free;
	tv.tv_sec = sb->heartbeat_ms / 1000;
	tv.tv_usec = (sb->heartbeat_ms % 1000) * 1000;
	if (event_add(sb->ev_tick, &tv) || sbclient_open(sb))
		goto out_free;
	return sb;
out_free:
	sbclient_destroy(&sb);
	return NULL;
}

void sbclient_destroy(struct sbclient **sbp)
{
	struct sbclient *sb;

	if (!sbp || !*sbp)
		return;
	sb = *sbp;
	sbclient_close(sb);
	if (sb->ev_tick)
		event_free(sb->ev_tick);
	if (sb->ev_retry)
		event_free(sb->ev_retry);
	free(sb->eps);
	free(sb->host);
	free(sb);
	*sbp = NULL;
}

int sbclient_send_status(struct sbclient *sb, const struct wire_port_status *ports, size_t n)
{
	struct wire_msg m = {.type = WIRE_STATUS};

	if (!sb || (n && !ports))
		return -EINVAL;
	m.status.rev = sbclient_rev(sb);
	m.status.ports = (struct wire_port_status *)ports;
	m.status.n_ports = n;
	return sbclient_send(sb, &m);
}

int sbclient_send_status_host(struct sbclient *sb, const struct wire_port_status *ports, size_t n,
			      const uint64_t *host, uint32_t n_host)
{
	struct wire_msg m = {.type = WIRE_STATUS};

	if (!sb || (n && !ports) || n_host > WIRE_HOST_STATS || (n_host && !host))
		return -EINVAL;
	m.status.rev = sbclient_rev(sb);
	m.status.ports = (struct wire_port_status *)ports;
	m.status.n_ports = n;
	if (n_host)
		memcpy(m.status.host, host, n_host * sizeof(*host));
	m.status.n_host = n_host;
	return sbclient_send(sb, &m);
}

int sbclient_send_events(struct sbclient *sb, const struct wire_monitor_events *ev)
{
	struct wire_msg m = {.type = WIRE_MONITOR_EVENTS};

	if (!sb || !ev)
		return -EINVAL;
	m.events = (struct wire_monitor_events *)ev;
	return sbclient_send(sb, &m);
}

int sbclient_send_mig_event(struct sbclient *sb, const struct wire_mig_event *ev)
{
	struct wire_msg m = {.type = WIRE_MIGRATE_EVENT};

	if (!sb || !ev)
		return -EINVAL;
	m.mig_event = *ev;
	return sbclient_send(sb, &m);
}

int sbclient_send_ct_state(struct sbclient *sb, const struct wire_ct_state *st)
{
	struct wire_msg m = {.type = WIRE_CT_STATE};

	if (!sb || !st)
		return -EINVAL;
	m.ct_state = *st;
	return sbclient_send(sb, &m);
}

bool sbclient_connected(const struct sbclient *sb)
{
	return sb && sb->sock && sb->heard && zclock_mono() - sb->last_heard_ms <= sb->timeout_ms;
}

const char *sbclient_endpoint(const struct sbclient *sb)
{
	return sb ? sb->eps[sb->cur].endpoint : NULL;
}

enum sbclient_link sbclient_link(const struct sbclient *sb, size_t i)
{
	return sb && i < sb->n_eps ? sb->link[i] : SBCLIENT_LINK_UNKNOWN;
}

void sbclient_get_stats(const struct sbclient *sb, struct sbclient_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (sb)
		*out = sb->stats;
}
