/* southbound.c - the controller's side of the agent protocol (see
 * southbound.h).
 *
 * Two ZeroMQ sockets on the caller's libevent loop, both through ZMQ_FD and
 * drained (ZMQ_EVENTS) after every wake-up and after every send, since the
 * descriptor is edge-triggered:
 *  - the ROUTER the agents connect to (CURVE server, ZAP domain "tenet",
 *    ZMQ_ZAP_ENFORCE_DOMAIN=1, so without our ZAP handler nobody gets in);
 *  - our ZAP handler, a REP socket on inproc://zeromq.zap.01 in czmq's
 *    context, that admits exactly the CURVE keys of enrolled hosts and names
 *    the session with User-Id = host name and X-Key = its Z85 key.
 *
 * Per host the publisher (publish.h) keeps the rows last compiled for it.
 * While the host has a session those are also the rows it was sent, so a
 * publish sends exactly their diff. A host's session is replaced by its
 * latest HELLO; one silent for SB_DEAD_MS loses its session and has to
 * HELLO again.
 *
 * Decisions the header leaves open:
 *  - the first compile (at southbound_new) is the baseline: a host is dirty
 *    only from row changes after it, so a host that never connects blocks
 *    waits only for revisions that changed its rows;
 *  - an ACK above the revision last sent, a STATUS naming ports bound
 *    elsewhere (those entries only) and any message but HELLO outside the
 *    host's current session are counted in rx_rejected; a HELLO naming
 *    another host than its User-Id in rx_unauthenticated;
 *  - messages above SB_MAX_RX are refused by libzmq itself
 *    (ZMQ_MAXMSGSIZE closes the connection), before anything is allocated;
 *  - every client ZAP refuses is logged with its address (the ZAP request's,
 *    the peer's IP) and its key's fingerprint (keyfp.h), so that the
 *    operator can match it with the agent's own line: once per (address,
 *    key) per SB_REFUSAL_REPEAT_MS, the next line counting the repeats,
 *    and at most SB_REFUSAL_BURST lines per SB_WARN_MS altogether
 *    (southbound_zap.c), so a
 *    flood of new keys cannot fill the log. A client with a wrong server
 *    key never reaches ZAP (we cannot decrypt its HELLO): its agent says so.
 *
 * Revisions across the nodes of a cluster: every node applies the same log
 * and bumps the revision once per applied command, so a revision names the
 * same state (and, the compiler being pure, the same rows) on every node.
 * An agent may come from a node further along than this one: its HELLO's
 * last_rev is above our revision. A SNAPSHOT would take it backwards, so it
 * gets a HEARTBEAT carrying our revision (it tells the agent we are behind;
 * the agent waits or moves on) and no update until we reach its revision:
 * then an empty DELTA if we are exactly there, else a SNAPSHOT. Our
 * heartbeats to it carry our revision meanwhile. Writes applied but not yet
 * published (southbound_publish) are picked up by the heartbeat timer, so a
 * node whose writes arrive by replication catches up within a second even
 * if nobody publishes.
 *
 * Heartbeats: a session is sent one when nothing else went to it for
 * SB_HEARTBEAT_MS (any message shows the agent we are alive; an update
 * also carries our revision). The timer runs every SB_BEAT_TICK_MS, so each
 * session keeps the phase of its own last message: the agents are not all
 * woken in the same instant every second, which on hosts of few cores (and
 * at 1,000 sessions, for this loop) was a burst every write could meet.
 *
 * A host's key can change (PATCH, or delete and re-create) while a
 * connection made with the old key is open: ZAP ran at connect time only.
 * So the ZAP reply also carries the client's key (metadata property
 * X-Key), and every message's key must still be the enrolled key of its
 * User-Id host; otherwise it is dropped (rx_unauthenticated) and, if that
 * connection holds the host's session, the session ends. A publish ends a
 * session whose key is no longer the host's before sending it anything.
 *
 * This file holds the sessions: sockets, messages from agents, heartbeats
 * and the lifecycle; southbound_zap.c the ZAP handler and its refusal log. What each host should
 * hold (its rows, the enrolled keys, port bindings, waits) is the publishing layer's (publish.h),
 * which it calls one way: a refresh hands each host's update back through sb_on_update. Shared
 * session state is in southbound_int.h.
 */
#include "southbound.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/types.h>

#include "keyfp.h"
#include "log.h"
#include "migrate_driver.h"
#include "publish.h"
#include "southbound_int.h"
#include "store.h"
#include "tenet_abi.h"
#include "wire.h"

#define SB_HEARTBEAT_MS	      1000	 /* silence after which a heartbeat goes, both ways */
#define SB_BEAT_TICK_MS	      100	 /* the heartbeat timer's period */
#define SB_DEAD_MS	      3000	 /* silence after which a session is dropped */
/* Largest message an agent may send. Agents send only HELLO, ACK, HEARTBEAT
 * and STATUS, the largest a STATUS of WIRE_MAX_PORTS entries (~2.3 MB at
 * the widest integers). msgpack-c builds an object tree ~24x its input, so
 * this cap also bounds what one message from a hostile enrolled host can
 * make us allocate (~100 MB here, ~400 MB at 16 MiB). */
#define SB_MAX_RX	      (4 << 20)
#define SB_ZAP_ENDPOINT	      "inproc://zeromq.zap.01"
#define SB_ZAP_ENFORCE_DOMAIN 93 /* ZMQ_ZAP_ENFORCE_DOMAIN, draft in zmq.h */

/* Counts a dropped message in stats.ctr and logs it, as a warning at most
 * once per SB_WARN_MS and at debug level otherwise. */
#define sb_drop(sb, ctr, fmt, ...)                                                                 \
	do {                                                                                       \
		(sb)->stats.ctr++;                                                                 \
		if (sb_warn_due(sb))                                                               \
			log_warn(fmt " (" #ctr "=%" PRIu64 ")", ##__VA_ARGS__, (sb)->stats.ctr);   \
		else                                                                               \
			log_debug(fmt, ##__VA_ARGS__);                                             \
	} while (0)

static bool sb_warn_due(struct southbound *sb)
{
	int64_t now = zclock_mono();

	if (now - sb->last_warn_ms < SB_WARN_MS)
		return false;
	sb->last_warn_ms = now;
	return true;
}

static void sb_host_free(void **p)
{
	struct sb_host *h = *p;

	if (!h)
		return;
	zframe_destroy(&h->rid);
	free(h);
	*p = NULL;
}

static void sb_free(void **p)
{
	free(*p);
	*p = NULL;
}

static zhashx_t *sb_hash_new(zhashx_destructor_fn *destructor)
{
	zhashx_t *h = zhashx_new();

	if (h)
		zhashx_set_destructor(h, destructor);
	return h;
}

/* Re-arms the socket events if messages are waiting: ZMQ_FD is
 * edge-triggered and a send may consume the edge. */
void sb_kick(struct southbound *sb)
{
	if (zsock_events(sb->router) & ZMQ_POLLIN)
		event_active(sb->ev_router, EV_READ, 0);
	if (zsock_events(sb->zap) & ZMQ_POLLIN)
		event_active(sb->ev_zap, EV_READ, 0);
}

static void sb_heard(struct sb_host *h)
{
	h->last_seen_ms = zclock_time();
	h->last_heard_mono = zclock_mono();
}

/* now: zclock_mono() */
static bool sb_host_connected(const struct sb_host *h, int64_t now)
{
	return h->rid && now - h->last_heard_mono <= SB_DEAD_MS;
}

void sb_disconnect(struct sb_host *h, const char *why)
{
	if (!h->rid)
		return;
	log_info("session closed host=%s reason=\"%s\"", h->name, why);
	zframe_destroy(&h->rid);
}

/* Sends m (SNAPSHOT, DELTA or HEARTBEAT, which carry our store's identity)
 * to h's session. A failed encode or send (peer gone, or its
 * queue full) drops the session: the agent will HELLO again and get a
 * SNAPSHOT, where a later DELTA would skip what this one carried. */
int sb_send(struct southbound *sb, struct sb_host *h, const struct wire_msg *m)
{
	zframe_t *rid, *payload;
	uint8_t *buf;
	size_t len;
	int rc;

	if (!h->rid)
		return -ENOTCONN;
	if (sb->fail_encodes > 0) {
		sb->fail_encodes--;
		rc = -ENOMEM;
	} else {
		struct wire_msg out = *m; /* shallow: with our store's identity */

		/* only the updates and heartbeats carry it (a relayed CT_STATE,
		 * a CT_EXPORT, a TRACE or a MONITOR does not) */
		if (wire_has_store(m->type))
			snprintf(out.store_id, sizeof(out.store_id), "%s",
				 publish_store_id(sb->pub));
		else
			out.store_id[0] = '\0';
		rc = wire_encode(&out, &buf, &len);
	}
	if (rc) {
		log_err("encode failed host=%s type=%s err=%d", h->name, wire_type_name(m->type),
			rc);
		sb_disconnect(h, "encode failed");
		return rc;
	}
	payload = zframe_new(buf, len);
	free(buf);
	rid = zframe_dup(h->rid);
	if (!payload || !rid) {
		zframe_destroy(&payload);
		zframe_destroy(&rid);
		return -ENOMEM;
	}
	if (zframe_send(&rid, sb->router, ZFRAME_MORE | ZFRAME_DONTWAIT) ||
	    zframe_send(&payload, sb->router, ZFRAME_DONTWAIT)) {
		rc = -zmq_errno();
		zframe_destroy(&rid);
		zframe_destroy(&payload);
		log_warn("send failed host=%s type=%s err=%s", h->name, wire_type_name(m->type),
			 zmq_strerror(-rc));
		sb_disconnect(h, "send failed");
		return rc;
	}
	h->last_sent_mono = zclock_mono();
	return 0;
}

/* Sends m, a SNAPSHOT (from 0) or DELTA (from h->sent_rev) with its rows
 * set, bringing h to the published revision; on success h->sent_rev is
 * that revision. A failed send drops the session. */
static void sb_send_rows(struct southbound *sb, struct sb_host *h, struct wire_msg *m)
{
	m->update.from = m->type == WIRE_DELTA ? h->sent_rev : 0;
	m->update.to = publish_rev(sb->pub);
	m->update.trim = h->trim;
	if (sb_send(sb, h, m))
		return;
	if (m->type == WIRE_SNAPSHOT)
		sb->stats.tx_snapshots++;
	else
		sb->stats.tx_deltas++;
	log_debug("sent %s host=%s from=%" PRIu64 " to=%" PRIu64 " rows=%zu",
		  wire_type_name(m->type), h->name, m->update.from, m->update.to, m->update.n_rows);
	h->sent_rev = m->update.to;
}

/* Sends a DELTA of rows[0 .. n_rows) (sb_send_rows). */
static void sb_send_delta(struct southbound *sb, struct sb_host *h, const struct wire_row *rows,
			  size_t n_rows)
{
	struct wire_msg m = {.type = WIRE_DELTA};

	m.update.rows = (struct wire_row *)rows;
	m.update.n_rows = n_rows;
	sb_send_rows(sb, h, &m);
}

/* Sends a SNAPSHOT of the host's whole rows (sb_send_rows), referenced in
 * place. No memory for the references drops the session. */
static void sb_send_snapshot(struct southbound *sb, struct sb_host *h, const struct rowset *rows)
{
	struct wire_msg m = {.type = WIRE_SNAPSHOT};

	if (rows && rowset_refs(rows, &m.update.refs)) {
		log_err("cannot reference a snapshot's rows host=%s err=%d", h->name, -ENOMEM);
		sb_disconnect(h, "no memory for a snapshot");
		return;
	}
	m.update.n_rows = rows ? rows->n : 0;
	sb_send_rows(sb, h, &m);
	free(m.update.refs);
}

/* ---- sessions and the publisher ---- */

static struct sb_host *sb_host_get(struct southbound *sb, const char *name)
{
	struct sb_host *h = zhashx_lookup(sb->hosts, name);

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->name, sizeof(h->name), "%s", name);
	if (zhashx_insert(sb->hosts, h->name, h)) {
		free(h);
		return NULL;
	}
	return h;
}

int sb_host_session(struct southbound *sb, const char *host, struct sb_host **hp)
{
	struct sb_host *h;

	*hp = NULL;
	if (!sb || !host || !publish_enrolled(sb->pub, host))
		return -ENOENT;
	h = zhashx_lookup(sb->hosts, host);
	if (!h || !h->rid)
		return -ENOTCONN;
	*hp = h;
	return 0;
}

/* True if h's session was opened with a key still enrolled for h. */
static bool sb_key_current(struct southbound *sb, const struct sb_host *h)
{
	const char *owner = publish_key_owner(sb->pub, h->key);

	return owner && strcmp(owner, h->name) == 0;
}

/* Serves h's agent, which was ahead of us, once we reached its revision:
 * rows are its rows at u->rev, so at exactly its revision they are the
 * rows it holds (an empty DELTA), past it they go as a SNAPSHOT. */
static void sb_serve_caught_up(struct southbound *sb, struct sb_host *h,
			       const struct publish_update *u)
{
	if (!h->rid || !h->ahead_rev || u->rev < h->ahead_rev)
		return;
	log_info("caught up with the agent host=%s agent_rev=%" PRIu64 " rev=%" PRIu64, h->name,
		 h->ahead_rev, u->rev);
	if (u->rev == h->ahead_rev) {
		h->sent_rev = u->rev;
		sb_send_delta(sb, h, NULL, 0);
	} else {
		sb_send_snapshot(sb, h, u->rows);
	}
	h->ahead_rev = 0;
}

/* The publisher's update for one host (publish_ops.host): ends a session
 * whose key is no longer the host's before sending it anything, pushes the
 * diff (an empty DELTA if none, so its acked revision keeps up), ends the
 * session of a host no longer enrolled (it was still sent its deletions)
 * and serves an agent that was ahead once we reached it. */
static void sb_on_update(void *arg, const struct publish_update *u)
{
	struct southbound *sb = arg;
	struct sb_host *h = zhashx_lookup(sb->hosts, u->host);

	if (!h)
		return;
	if (h->rid && u->enrolled && !sb_key_current(sb, h))
		sb_disconnect(h, "key no longer enrolled");
	if (u->send && h->rid && !h->ahead_rev && (u->n_diff || h->sent_rev != u->rev))
		sb_send_delta(sb, h, u->diff, u->n_diff);
	if (!u->enrolled)
		sb_disconnect(h, "host no longer enrolled");
	else if (u->send)
		sb_serve_caught_up(sb, h, u);
}

/* Forgets the session state of hosts the publisher forgot. */
static void sb_prune(struct southbound *sb)
{
	zlist_t *gone = zlist_new();

	if (!gone)
		return;
	zlist_autofree(gone); /* copies the names: deleting a host frees its own */
	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts))
		if (!h->rid && !publish_known(sb->pub, h->name))
			zlist_append(gone, h->name);
	for (char *name = zlist_first(gone); name; name = zlist_next(gone))
		zhashx_delete(sb->hosts, name);
	zlist_destroy(&gone);
}

/* Publishes the store's revision (send: push to the sessions), then
 * forgets what the publisher forgot. Returns as publish_refresh. */
static int sb_refresh(struct southbound *sb, bool send)
{
	int rc = publish_refresh(sb->pub, send);

	sb_prune(sb);
	sb_kick(sb);
	return rc;
}

/* ---- messages from agents ---- */

/* The agent is ahead of us: tell it our revision, send nothing else until
 * we reach its own (sb_serve_caught_up). */
static void sb_hello_ahead(struct southbound *sb, struct sb_host *h, uint64_t agent_rev)
{
	struct wire_msg m = {.type = WIRE_HEARTBEAT};

	sb->stats.hello_ahead++;
	h->ahead_rev = agent_rev;
	log_info("agent ahead of this node, held back host=%s agent_rev=%" PRIu64 " rev=%" PRIu64,
		 h->name, agent_rev, publish_rev(sb->pub));
	m.ack.rev = publish_rev(sb->pub);
	sb_send(sb, h, &m);
}

static void sb_on_hello(struct southbound *sb, struct sb_host *h, zframe_t *rid, const char *key,
			const struct wire_msg *m)
{
	uint64_t rev;
	zframe_t *nrid;

	if (store_revision(sb->store) != publish_rev(sb->pub)) {
		/* a write was not published yet: catch up first (may drop h) */
		sb_refresh(sb, true);
		h = zhashx_lookup(sb->hosts, m->hello.host);
		if (!h || !publish_enrolled(sb->pub, h->name))
			return;
	}
	rev = publish_rev(sb->pub);
	nrid = zframe_dup(rid);
	if (!nrid)
		return;
	zframe_destroy(&h->rid);
	h->rid = nrid;
	snprintf(h->key, sizeof(h->key), "%s", key);
	h->seen = true;
	h->trim = m->hello.caps & WIRE_CAP_TRIM;
	h->caps = (struct southbound_caps){.encaps = m->hello.caps & WIRE_CAP_KNOWN,
					   .overlay_mtu = m->hello.overlay_mtu,
					   .abi = m->hello.abi};
	log_info("session open host=%s last_rev=%" PRIu64 " rev=%" PRIu64
		 " caps=0x%x overlay_mtu=%u abi=%u",
		 h->name, m->hello.last_rev, rev, m->hello.caps, m->hello.overlay_mtu,
		 m->hello.abi);
	h->ahead_rev = 0;
	if (m->hello.last_rev > rev) {
		sb_hello_ahead(sb, h, m->hello.last_rev);
	} else if (m->hello.last_rev == rev) {
		h->sent_rev = rev;
		sb_send_delta(sb, h, NULL, 0);
	} else {
		sb_send_snapshot(sb, h, publish_host_rows(sb->pub, h->name));
	}
}

static void sb_on_ack(struct southbound *sb, struct sb_host *h, const struct wire_msg *m)
{
	if (m->ack.rev > h->sent_rev) {
		sb_drop(sb, rx_rejected, "ack beyond what was sent host=%s rev=%" PRIu64, h->name,
			m->ack.rev);
		return;
	}
	publish_ack(sb->pub, h->name, m->ack.rev);
	migrate_on_ack(sb->mig, h->name, m->ack.rev);
}

/* The count of reason in a port report, 0 if absent. */
static uint64_t sb_reason_count(const struct wire_port_drop *r, uint32_t n, uint32_t reason)
{
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].reason == reason)
			return r[i].count;
	}
	return 0;
}

/* Keeps ps as p's last report (a struct southbound_port_info in its
 * report slot); notes when its spoof_mac drops grew (the first report
 * counts as growth when there are any). */
static void sb_port_report(struct publish_port *p, const struct wire_port_status *ps)
{
	struct southbound_port_info *info = p->report;
	uint64_t was =
	    info ? sb_reason_count(info->reasons, info->n_reasons, TN_DROP_SPOOF_MAC) : 0;
	uint64_t now = sb_reason_count(ps->reasons, ps->n_reasons, TN_DROP_SPOOF_MAC);
	int64_t spoof_ms = info ? info->spoof_mac_ms : 0;

	if (!info) {
		info = calloc(1, sizeof(*info));
		if (!info)
			return; /* not kept: the next report tries again */
		p->report = info;
	}
	if (now > was || (now && now < was)) /* grew, or counters restarted */
		spoof_ms = zclock_time();
	*info = (struct southbound_port_info){.up = ps->up,
					      .rx_packets = ps->rx_packets,
					      .tx_packets = ps->tx_packets,
					      .drops = ps->drops,
					      .rx_bytes = ps->rx_bytes,
					      .tx_bytes = ps->tx_bytes,
					      .n_reasons = ps->n_reasons,
					      .n_groups = ps->n_groups,
					      .spoof_mac_ms = spoof_ms};
	memcpy(info->reasons, ps->reasons, sizeof(info->reasons));
	memcpy(info->groups, ps->groups, sizeof(info->groups));
}

/* Keeps reports for h's own ports; reports on other ports are dropped. */
static void sb_on_status(struct southbound *sb, struct sb_host *h, const struct wire_msg *m)
{
	size_t foreign = 0;

	for (size_t i = 0; i < m->status.n_ports; i++) {
		const struct wire_port_status *ps = &m->status.ports[i];
		struct publish_port *p = publish_port(sb->pub, ps->port_id);

		if (ps->mig_gen)
			migrate_on_event(sb->mig, h->name, ps->port_id, ps->mig_gen, 0);
		if (!p || strcmp(p->host, h->name) != 0) {
			/* the other end of a migration reports it too */
			foreign += !migrate_port_involves(sb->mig, ps->port_id, h->name);
			continue;
		}
		sb_port_report(p, ps);
	}
	if (m->status.n_host) {
		h->n_stats = m->status.n_host;
		memcpy(h->stats, m->status.host, sizeof(h->stats));
	}
	if (foreign)
		sb_drop(sb, rx_rejected, "status on ports not bound here host=%s ports=%zu",
			h->name, foreign);
}

/* Dispatches a decoded message from the host named by User-Id, sent with
 * key (its enrolled key, checked by sb_handle). */
static void sb_dispatch(struct southbound *sb, struct sb_host *h, zframe_t *rid, const char *key,
			const struct wire_msg *m)
{
	if (m->type == WIRE_HELLO) {
		if (strcmp(m->hello.host, h->name) != 0) {
			char claimed[WIRE_HOST_MAX];

			/* the claim is the peer's bytes: keep the log line one line */
			for (size_t i = 0; i < sizeof(claimed); i++) {
				char c = m->hello.host[i];

				claimed[i] = c && (c < 0x21 || c > 0x7e) ? '?' : c;
				if (!c)
					break;
			}
			sb_drop(sb, rx_unauthenticated, "hello names another host user=%s host=%s",
				h->name, claimed);
			return;
		}
		sb->stats.rx_msgs++;
		sb_heard(h);
		sb_on_hello(sb, h, rid, key, m);
		return;
	}
	if (!h->rid || !zframe_eq(h->rid, rid)) {
		sb_drop(sb, rx_rejected, "%s outside a session host=%s", wire_type_name(m->type),
			h->name);
		return;
	}
	sb->stats.rx_msgs++;
	sb_heard(h);
	if (m->type == WIRE_ACK)
		sb_on_ack(sb, h, m);
	else if (m->type == WIRE_STATUS)
		sb_on_status(sb, h, m);
	else if (m->type == WIRE_TRACE_REPLY)
		sb_trace_reply(sb, h, m->trace_reply);
	else if (m->type == WIRE_MONITOR_EVENTS)
		sb_monitor_events(sb, h, m->events);
	else if (m->type == WIRE_MIGRATE_EVENT || m->type == WIRE_CT_STATE)
		sb_migrate_msg(sb, h, m);
	else if (m->type != WIRE_HEARTBEAT)
		sb_drop(sb, rx_rejected, "unexpected %s host=%s", wire_type_name(m->type), h->name);
}

/* Handles one [routing id][payload] message from the router. */
static void sb_handle(struct southbound *sb, zmsg_t *msg)
{
	zframe_t *rid = zmsg_first(msg), *payload = zmsg_next(msg);
	const char *user, *key, *owner;
	struct sb_host *h;
	struct wire_msg m;
	int rc;

	if (zmsg_size(msg) != 2 || !payload) {
		sb_drop(sb, rx_rejected, "bad frame count frames=%zu", zmsg_size(msg));
		return;
	}
	user = zframe_meta(payload, "User-Id");
	h = user && publish_enrolled(sb->pub, user) ? sb_host_get(sb, user) : NULL;
	if (!h) {
		sb_drop(sb, rx_unauthenticated, "message from no enrolled host user=%s",
			user ? user : "-");
		return;
	}
	/* ZAP ran at connect time: the key must still be this host's now */
	key = zframe_meta(payload, SB_KEY_PROP);
	owner = publish_key_owner(sb->pub, key);
	if (!owner || strcmp(owner, h->name) != 0) {
		sb_drop(sb, rx_unauthenticated, "key no longer enrolled for the host host=%s",
			h->name);
		if (h->rid && zframe_eq(h->rid, rid))
			sb_disconnect(h, "key no longer enrolled");
		return;
	}
	if (zframe_size(payload) > SB_MAX_RX) {
		sb_drop(sb, rx_rejected, "oversized message host=%s bytes=%zu", h->name,
			zframe_size(payload));
		return;
	}
	rc = wire_decode(zframe_data(payload), zframe_size(payload), &m);
	if (rc == -ENOTSUP) {
		sb_drop(sb, rx_unknown_type, "unknown message type host=%s", h->name);
		return;
	}
	if (rc) {
		sb_drop(sb, rx_rejected, "undecodable message host=%s err=%d", h->name, rc);
		return;
	}
	sb_dispatch(sb, h, rid, key, &m);
	wire_msg_release(&m);
}

static void sb_on_router(evutil_socket_t fd, short what, void *arg)
{
	struct southbound *sb = arg;

	for (int i = 0; i < SB_BATCH && (zsock_events(sb->router) & ZMQ_POLLIN); i++) {
		zmsg_t *msg = zmsg_recv(sb->router);

		if (!msg)
			break;
		sb_handle(sb, msg);
		zmsg_destroy(&msg);
	}
	sb_kick(sb);
}

/* ---- heartbeats ---- */

static void sb_on_beat(evutil_socket_t fd, short what, void *arg)
{
	struct southbound *sb = arg;
	int64_t now = zclock_mono();

	/* applied here (by replication) but not published: once a period, so a
	 * refresh that keeps failing is not retried (and logged) every tick */
	if (store_revision(sb->store) != publish_rev(sb->pub) &&
	    now - sb->catchup_mono >= SB_HEARTBEAT_MS) {
		sb->catchup_mono = now;
		sb_refresh(sb, true);
	}
	for (struct sb_host *h = zhashx_first(sb->hosts); h; h = zhashx_next(sb->hosts)) {
		struct wire_msg m = {.type = WIRE_HEARTBEAT};

		if (!h->rid)
			continue;
		if (!sb_host_connected(h, now)) {
			sb_disconnect(h, "silent");
			continue;
		}
		if (now - h->last_sent_mono < SB_HEARTBEAT_MS)
			continue; /* it heard from us within the period */
		m.ack.rev = h->ahead_rev ? publish_rev(sb->pub) : h->sent_rev;
		sb_send(sb, h, &m);
	}
	sb_kick(sb);
}

/* ---- lifecycle ---- */

/* Creates the sockets: the ZAP handler first, so that no connection can
 * arrive before it. */
static int sb_sockets(struct southbound *sb, const char *endpoint, zcert_t *cert)
{
	int one = 1;

	sb->zap = zsock_new(ZMQ_REP);
	if (!sb->zap || zsock_bind(sb->zap, SB_ZAP_ENDPOINT) != 0) {
		log_err("cannot bind the ZAP handler endpoint=%s err=%s", SB_ZAP_ENDPOINT,
			zmq_strerror(zmq_errno()));
		return -EADDRINUSE;
	}
	zsock_set_rcvtimeo(sb->zap, 0);
	sb->router = zsock_new(ZMQ_ROUTER);
	if (!sb->router)
		return -ENOMEM;
	zcert_apply(cert, sb->router);
	zsock_set_curve_server(sb->router, 1);
	zsock_set_zap_domain(sb->router, SB_ZAP_DOMAIN);
	if (zmq_setsockopt(zsock_resolve(sb->router), SB_ZAP_ENFORCE_DOMAIN, &one, sizeof(one))) {
		log_err("ZMQ_ZAP_ENFORCE_DOMAIN unsupported err=%s", zmq_strerror(zmq_errno()));
		return -ENOTSUP;
	}
	zsock_set_router_mandatory(sb->router, 1);
	zsock_set_maxmsgsize(sb->router, SB_MAX_RX);
	zsock_set_rcvtimeo(sb->router, 0);
	zsock_set_sndtimeo(sb->router, 0);
	if (zsock_bind(sb->router, "%s", endpoint) < 0) {
		log_err("cannot bind southbound endpoint=%s err=%s", endpoint,
			zmq_strerror(zmq_errno()));
		return -EADDRNOTAVAIL;
	}
	return 0;
}

static int sb_events(struct southbound *sb)
{
	struct timeval beat = {SB_BEAT_TICK_MS / 1000, (SB_BEAT_TICK_MS % 1000) * 1000};

	sb->ev_router =
	    event_new(sb->base, zsock_fd(sb->router), EV_READ | EV_PERSIST, sb_on_router, sb);
	sb->ev_zap = event_new(sb->base, zsock_fd(sb->zap), EV_READ | EV_PERSIST, sb_on_zap, sb);
	sb->ev_beat = event_new(sb->base, -1, EV_PERSIST, sb_on_beat, sb);
	if (!sb->ev_router || !sb->ev_zap || !sb->ev_beat)
		return -ENOMEM;
	if (event_add(sb->ev_router, NULL) || event_add(sb->ev_zap, NULL) ||
	    event_add(sb->ev_beat, &beat))
		return -ENOMEM;
	sb_kick(sb);
	return 0;
}

struct southbound *southbound_new(struct event_base *base, struct store *store,
				  const char *endpoint, zcert_t *cert)
{
	static const struct publish_ops ops = {.host = sb_on_update};
	struct southbound *sb;

	if (!base || !store || !endpoint || !cert)
		return NULL;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	sb->base = base;
	sb->store = store;
	sb->pub = publish_new(base, store, &ops, sb);
	sb->hosts = sb_hash_new(sb_host_free);
	sb->refusals = sb_hash_new(sb_free);
	if (!sb->pub || !sb->hosts || !sb->refusals)
		goto out_destroy;
	if (sb_sockets(sb, endpoint, cert) || sb_events(sb))
		goto out_destroy;
	if (sb_refresh(sb, false))
		goto out_destroy;
	log_info("southbound listening endpoint=%s rev=%" PRIu64, endpoint, publish_rev(sb->pub));
	return sb;
out_destroy:
	southbound_destroy(&sb);
	return NULL;
}

void southbound_set_geneve_default(struct southbound *sb, bool geneve)
{
	if (!sb)
		return;
	sb->geneve_default = geneve;
	publish_set_geneve_default(sb->pub, geneve);
}

bool southbound_geneve_default(const struct southbound *sb)
{
	return sb && sb->geneve_default;
}

void southbound_destroy(struct southbound **sbp)
{
	struct southbound *sb = sbp ? *sbp : NULL;

	if (!sb)
		return;
	publish_destroy(&sb->pub); /* completes the waits with -ECANCELED */
	sb_trace_abort(sb);
	if (sb->ev_router)
		event_free(sb->ev_router);
	if (sb->ev_zap)
		event_free(sb->ev_zap);
	if (sb->ev_beat)
		event_free(sb->ev_beat);
	zsock_destroy(&sb->router);
	/* closing is asynchronous; unbinding frees the ZAP endpoint now, so a
	 * new southbound can bind it at once */
	if (sb->zap)
		zsock_unbind(sb->zap, SB_ZAP_ENDPOINT);
	zsock_destroy(&sb->zap);
	zhashx_destroy(&sb->hosts);
	zhashx_destroy(&sb->refusals);
	free(sb);
	*sbp = NULL;
}

bool southbound_host_info(struct southbound *sb, const char *name, struct southbound_host_info *out)
{
	struct sb_host *h = sb && name ? zhashx_lookup(sb->hosts, name) : NULL;
	uint64_t acked_rev = 0, dirty_rev = 0;

	if (!h || !h->seen || !out)
		return false;
	publish_host_revs(sb->pub, name, &acked_rev, &dirty_rev);
	*out = (struct southbound_host_info){.connected = sb_host_connected(h, zclock_mono()),
					     .acked_rev = acked_rev,
					     .dirty_rev = dirty_rev,
					     .last_seen_ms = h->last_seen_ms,
					     .n_stats = h->n_stats,
					     .caps = h->caps};
	memcpy(out->stats, h->stats, sizeof(out->stats));
	return true;
}

bool southbound_port_info(struct southbound *sb, uint32_t port_key,
			  struct southbound_port_info *out)
{
	struct publish_port *p;

	if (!sb || !out)
		return false;
	p = publish_port(sb->pub, port_key);
	if (!p || !p->report)
		return false;
	*out = *(const struct southbound_port_info *)p->report;
	return true;
}

void southbound_get_stats(struct southbound *sb, struct southbound_stats *out)
{
	if (sb && out)
		*out = sb->stats;
}

int southbound_wait(struct southbound *sb, uint64_t rev, int timeout_ms, southbound_wait_cb cb,
		    void *arg)
{
	if (!sb)
		return -EINVAL;
	return publish_wait(sb->pub, rev, timeout_ms, cb, arg);
}

void southbound_publish(struct southbound *sb)
{
	struct timespec t0, t1;

	if (!sb)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sb_refresh(sb, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	prom_hist_observe(&sb->stats.publish, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
							 (t1.tv_nsec - t0.tv_nsec) / 1000));
}
