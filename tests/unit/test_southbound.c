/* test_southbound.c - the controller's southbound sessions
 * (controller/southbound.c), in process: ZAP admits only enrolled keys, a
 * HELLO gets its SNAPSHOT (or, from an agent ahead of this node, only our
 * revision), garbage and oversized frames are refused and counted, the
 * latest session of a host wins, STATUS is kept per host for its own
 * ports, heartbeats go out and silent sessions end, a DELTA that cannot be
 * encoded ends the session, updates carry the store identity. The world
 * and the agents are fixture_southbound.h's. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <czmq.h>
#include <event2/event.h>
#include <linux/types.h>

#include "compiler.h"
#include "fixture_southbound.h"
#include "southbound.h"
#include "southbound_int.h"
#include "store.h"
#include "tenet_abi.h"
#include "wire.h"

static bool unknown_counted(void *arg)
{
	return sb_env_stats().rx_unknown_type > 0;
}

/* A server whose ZAP handler is absent refuses CURVE clients when
 * ZMQ_ZAP_ENFORCE_DOMAIN is set (and, as a control, admits them when not). */
static void test_zap_enforced_without_handler(void **state)
{
	for (int enforce = 1; enforce >= 0; enforce--) {
		zsock_t *srv = zsock_new(ZMQ_ROUTER), *cli;
		struct wire_msg m = {.type = WIRE_HEARTBEAT};
		bool got;

		zcert_apply(E->server, srv);
		zsock_set_curve_server(srv, 1);
		zsock_set_zap_domain(srv, "tenet");
		assert_int_equal(zmq_setsockopt(zsock_resolve(srv), 93, &enforce, sizeof(enforce)),
				 0);
		assert_true(zsock_bind(srv, "tcp://127.0.0.1:%d", E->port) > 0);
		cli = fake_agent_new(E->key_h1);
		fake_agent_send(cli, &m);
		got = sb_env_pump(sb_env_readable, srv, enforce ? 1000 : 5000);
		assert_int_equal(got, !enforce);
		zsock_destroy(&cli);
		zsock_destroy(&srv);
		E->port = test_free_port();
	}
}

static void test_snapshot_after_hello(void **state)
{
	zsock_t *d = fake_agent_new(E->key_h1);
	struct southbound_host_info hi;
	struct wire_msg m;

	assert_false(southbound_host_info(E->sb, "h1", &hi));
	fake_agent_hello(d, "h1", 0);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_true(m.update.to == store_revision(E->store));
	/* LPORT, FDB, FLOOD of port 1 and the PEER row of h2; the policy of
	 * port 1's identity (the default group): tn_sg_ident, egress
	 * anywhere (tn_sg_cidr IPv4 and IPv6, both naming one tn_sg_pset
	 * row: their port sets have the same content), ingress from the
	 * group (tn_sg_rule, IPv4 and IPv6) */
	assert_int_equal(m.update.n_rows, 4 + 6);
	assert_int_equal(m.update.n_rows, sb_env_expected_rows("h1"));
	wire_msg_release(&m);
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_true(hi.connected);
	assert_int_equal(sb_env_stats().tx_snapshots, 1);
	/* HELLO at the current revision: an empty DELTA */
	fake_agent_hello(d, "h1", store_revision(E->store));
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == m.update.to);
	assert_int_equal(m.update.n_rows, 0);
	wire_msg_release(&m);
	zsock_destroy(&d);
}

static void test_unknown_key_refused(void **state)
{
	zcert_t *stranger = zcert_new();
	zsock_t *d = fake_agent_new(stranger);
	uint64_t before = sb_env_stats().rx_unauthenticated;
	struct southbound_host_info hi;
	struct wire_msg m;

	fake_agent_hello(d, "h1", 0);
	assert_true(sb_env_pump(sb_env_unauth_counted, &before, 5000));
	assert_false(fake_agent_recv(d, &m, 300));
	assert_false(southbound_host_info(E->sb, "h1", &hi));
	assert_int_equal(sb_env_stats().rx_msgs, 0);
	zsock_destroy(&d);
	zcert_destroy(&stranger);
}

static void test_plain_client_refused(void **state)
{
	zsock_t *d = fake_agent_new(NULL);
	struct wire_msg m;

	fake_agent_hello(d, "h1", 0);
	assert_false(fake_agent_recv(d, &m, 500));
	assert_int_equal(sb_env_stats().rx_msgs, 0);
	zsock_destroy(&d);
}

static void test_hello_for_another_host(void **state)
{
	zsock_t *d = fake_agent_new(E->key_h1);
	uint64_t before = sb_env_stats().rx_unauthenticated;
	struct wire_msg m;

	fake_agent_hello(d, "h2", 0);
	assert_true(sb_env_pump(sb_env_unauth_counted, &before, 5000));
	assert_false(fake_agent_recv(d, &m, 200));
	assert_int_equal(sb_env_stats().rx_msgs, 0);
	zsock_destroy(&d);
}

static void test_garbage(void **state)
{
	zsock_t *d = fake_agent_new(E->key_h1);
	uint64_t before = sb_env_stats().rx_rejected;
	zframe_t *f = zframe_new("\x93\x01\x04garbage", 10);
	zmsg_t *two = zmsg_new();

	assert_int_equal(zframe_send(&f, d, 0), 0);
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 5000));
	/* a message of two frames */
	before = sb_env_stats().rx_rejected;
	zmsg_addstr(two, "a");
	zmsg_addstr(two, "b");
	assert_int_equal(zmsg_send(&two, d), 0);
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 5000));
	/* a well-formed message of an unknown type */
	f = zframe_new("\x93\x01\x7f\x01", 4); /* type 127 */
	assert_int_equal(zframe_send(&f, d, 0), 0);
	assert_true(sb_env_pump(unknown_counted, NULL, 5000));
	/* an ACK outside any session */
	before = sb_env_stats().rx_rejected;
	fake_agent_ack(d, WIRE_ACK, 1);
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 5000));
	assert_int_equal(sb_env_stats().rx_msgs, 0);
	zsock_destroy(&d);
}

/* A monitor on d reporting its disconnections; read with sb_env_pump(sb_env_readable). */
static zsock_t *disconnect_monitor(zsock_t *d)
{
	static int seq;
	char ep[64];
	zsock_t *mon;

	snprintf(ep, sizeof(ep), "inproc://sb-test-monitor-%d", seq++);
	assert_int_equal(zmq_socket_monitor(zsock_resolve(d), ep, ZMQ_EVENT_DISCONNECTED), 0);
	mon = zsock_new_pair(ep);
	assert_non_null(mon);
	return mon;
}

/* The largest STATUS an agent can send is accepted (and checked); a 5 MiB
 * message is refused by the socket before anything is decoded (the
 * controller drops that connection), and the controller serves on. */
static void test_oversized_refused(void **state)
{
	struct wire_port_status *ps = calloc(WIRE_MAX_PORTS, sizeof(*ps));
	struct wire_msg m = {.type = WIRE_STATUS};
	zsock_t *d = fake_agent_session(E->key_h1, "h1"), *mon;
	uint64_t before = sb_env_stats().rx_rejected, rx;
	size_t big = 5u << 20;
	uint8_t *junk = calloc(1, big);
	zframe_t *f;

	assert_non_null(ps);
	assert_non_null(junk);
	for (size_t i = 0; i < WIRE_MAX_PORTS; i++)
		ps[i] = (struct wire_port_status){.port_id = UINT32_MAX - (uint32_t)i,
						  .rx_packets = UINT64_MAX,
						  .tx_packets = UINT64_MAX,
						  .drops = UINT64_MAX};
	m.status.ports = ps;
	m.status.n_ports = WIRE_MAX_PORTS;
	fake_agent_send(d, &m); /* all foreign ports: rejected once decoded */
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 10000));
	before = sb_env_stats().rx_rejected;
	rx = sb_env_stats().rx_msgs;
	mon = disconnect_monitor(d);
	junk[0] = 0x93;
	f = zframe_new(junk, big);
	assert_int_equal(zframe_send(&f, d, 0), 0);
	assert_true(sb_env_pump(sb_env_readable, mon, 10000));
	assert_true(sb_env_stats().rx_rejected == before);
	assert_true(sb_env_stats().rx_msgs == rx);
	zsock_destroy(&mon);
	zsock_destroy(&d);
	/* the controller is fine: a new session gets its snapshot */
	d = fake_agent_session(E->key_h1, "h1");
	zsock_destroy(&d);
	free(junk);
	free(ps);
}

/* A DELTA that cannot be encoded ends the session: the agent is sent no
 * later DELTA that would skip its rows, and its next HELLO gets them all
 * in a SNAPSHOT. */
static void test_encode_failure_drops_session(void **state)
{
	zsock_t *d = fake_agent_session(E->key_h1, "h1");
	uint64_t r0 = store_revision(E->store);
	struct southbound_host_info hi;
	struct wire_msg m;

	fake_agent_ack(d, WIRE_ACK, r0);
	assert_true(sb_env_pump(sb_env_h1_acked, &r0, 5000));
	sb_env_port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	E->sb->fail_encodes = 1;
	southbound_publish(E->sb);
	assert_int_equal(E->sb->fail_encodes, 0);
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_false(hi.connected);
	/* a later change to h1's rows is not sent as a DELTA from r0 */
	sb_env_port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	assert_false(fake_agent_recv(d, &m, 300));
	fake_agent_hello(d, "h1", r0);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_true(m.update.to == store_revision(E->store));
	assert_int_equal(m.update.n_rows, sb_env_expected_rows("h1"));
	wire_msg_release(&m);
	zsock_destroy(&d);
}

/* SNAPSHOT, DELTA and HEARTBEAT carry the store's identity once it has
 * one (none before: the element is left out). */
static void test_store_id_sent(void **state)
{
	zsock_t *d = fake_agent_new(E->key_h1);
	char id[STORE_ID_HEX + 1];
	struct wire_msg m;

	fake_agent_hello(d, "h1", 0);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_string_equal(m.store_id, "");
	wire_msg_release(&m);
	assert_int_equal(store_id_ensure(E->store, NULL, 0), 0);
	assert_int_equal(store_id_get(E->store, id), 0);
	sb_env_port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	southbound_publish(E->sb);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_string_equal(m.store_id, id);
	wire_msg_release(&m);
	fake_agent_hello(d, "h1", 0);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_string_equal(m.store_id, id);
	wire_msg_release(&m);
	assert_true(fake_agent_recv_any(d, &m, 3000));
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_string_equal(m.store_id, id);
	zsock_destroy(&d);
}

/* A CT_EXPORT goes out without the store identity (only updates and
 * heartbeats carry it), also once the store has one, and the session
 * stays up. */
static void test_ct_export_sent(void **state)
{
	zsock_t *d;
	struct wire_msg m;

	d = fake_agent_session(E->key_h1, "h1");
	assert_int_equal(store_id_ensure(E->store, NULL, 0), 0);
	sb_env_port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	southbound_publish(E->sb);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_string_not_equal(m.store_id, ""); /* the publisher has the identity now */
	wire_msg_release(&m);
	assert_int_equal(southbound_ct_export(E->sb, "h1", 7, 3, true), 0);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_CT_EXPORT);
	assert_int_equal(m.ct_export.port_id, 7);
	assert_int_equal(m.ct_export.generation, 3);
	assert_true(m.ct_export.final);
	assert_string_equal(m.store_id, "");
	wire_msg_release(&m);
	assert_int_equal(southbound_ct_export(E->sb, "h1", 7, 3, false), 0);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_CT_EXPORT);
	wire_msg_release(&m);
	assert_int_equal(southbound_ct_export(E->sb, "nosuch", 7, 3, false), -ENOENT);
	zsock_destroy(&d);
}

/* A second session for h1 replaces the first: the old one's ACKs are
 * refused. */
static void test_latest_session_wins(void **state)
{
	zsock_t *a = fake_agent_session(E->key_h1, "h1"), *b = fake_agent_session(E->key_h1, "h1");
	uint64_t before = sb_env_stats().rx_rejected, rx = sb_env_stats().rx_msgs;

	fake_agent_ack(a, WIRE_ACK, store_revision(E->store));
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 5000));
	assert_true(sb_env_stats().rx_msgs == rx);
	fake_agent_ack(b, WIRE_HEARTBEAT, store_revision(E->store));
	assert_true(sb_env_pump(sb_env_msgs_counted, &rx, 5000));
	zsock_destroy(&a);
	zsock_destroy(&b);
}

static bool msgs_at_least(void *arg)
{
	return sb_env_stats().rx_msgs >= *(uint64_t *)arg;
}

/* More messages than one wake-up handles: all are drained, none lost. */
static void test_burst(void **state)
{
	zsock_t *d = fake_agent_session(E->key_h1, "h1");
	uint64_t want = sb_env_stats().rx_msgs + 1000;

	for (int i = 0; i < 1000; i++)
		fake_agent_ack(d, WIRE_HEARTBEAT, 1);
	assert_true(sb_env_pump(msgs_at_least, &want, 10000));
	assert_int_equal(sb_env_stats().rx_rejected, 0);
	zsock_destroy(&d);
}

static uint32_t port_key_of(const char *mac_last)
{
	struct topology t;
	uint32_t key = 0;

	assert_int_equal(store_load_topology(E->store, &t), 0);
	for (size_t i = 0; i < t.n_ports; i++)
		if (t.ports[i].mac[5] == (uint8_t)mac_last[0])
			key = t.ports[i].port_key;
	topology_release(&t);
	assert_true(key > 0);
	return key;
}

static void test_status_own_ports_only(void **state)
{
	zsock_t *d;
	struct wire_port_status ps[2] = {{.up = true, .rx_packets = 5, .tx_packets = 6},
					 {.up = true, .drops = 9}};
	struct wire_msg m = {.type = WIRE_STATUS};
	struct southbound_port_info pi;
	uint64_t before;

	sb_env_port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	d = fake_agent_session(E->key_h1, "h1");
	ps[0].port_id = port_key_of("\x01");
	ps[1].port_id = port_key_of("\x03");
	m.status.ports = ps;
	m.status.n_ports = 2;
	before = sb_env_stats().rx_rejected;
	fake_agent_send(d, &m);
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 5000));
	assert_true(southbound_port_info(E->sb, ps[0].port_id, &pi));
	assert_true(pi.up);
	assert_true(pi.rx_packets == 5 && pi.tx_packets == 6);
	assert_false(southbound_port_info(E->sb, ps[1].port_id, &pi));
	zsock_destroy(&d);
}

static bool port_reported(void *arg)
{
	struct southbound_port_info pi;

	return southbound_port_info(E->sb, *(uint32_t *)arg, &pi);
}

/* Sends h's STATUS of one port (up, rx_packets rx). */
static void status_send(zsock_t *d, uint32_t port_key, uint64_t rx)
{
	struct wire_port_status ps = {.port_id = port_key, .up = true, .rx_packets = rx};
	struct wire_msg m = {.type = WIRE_STATUS};

	m.status.ports = &ps;
	m.status.n_ports = 1;
	fake_agent_send(d, &m);
}

/* The port and key indexes follow each publish's changes (not rebuilt):
 * a port rewritten with the same binding keeps its report; rebound, it
 * starts without one and only its new host may report on it; deleted, it
 * is gone; a host's new key is admitted and the old one refused. */
static void test_index_follows_changes(void **state)
{
	zsock_t *a, *b;
	zcert_t *k2 = zcert_new();
	struct southbound_host_info hi;
	uint32_t key;
	uint64_t before;
	char body[256];

	southbound_publish(E->sb);
	a = fake_agent_session(E->key_h1, "h1");
	b = fake_agent_session(E->key_h2, "h2");
	key = port_key_of("\x01");
	status_send(a, key, 1);
	assert_true(sb_env_pump(port_reported, &key, 5000));
	/* same binding: the report stays */
	sb_env_apply(STORE_OP_UPDATE, MODEL_PORT, PORT1, "{\"name\":\"renamed\"}");
	southbound_publish(E->sb);
	assert_true(port_reported(&key));
	/* rebound to h2: no report until h2 gives one; h1's is refused */
	snprintf(body, sizeof(body), "{\"binding\":{\"host\":\"h2\",\"interface\":\"vm1\"}}");
	sb_env_apply(STORE_OP_UPDATE, MODEL_PORT, PORT1, body);
	southbound_publish(E->sb);
	assert_false(port_reported(&key));
	before = sb_env_stats().rx_rejected;
	status_send(a, key, 2);
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 5000));
	assert_false(port_reported(&key));
	status_send(b, key, 3);
	assert_true(sb_env_pump(port_reported, &key, 5000));
	/* deleted: gone, and h2 may no longer report on it */
	sb_env_apply(STORE_OP_DELETE, MODEL_PORT, PORT1, "");
	southbound_publish(E->sb);
	assert_false(port_reported(&key));
	before = sb_env_stats().rx_rejected;
	status_send(b, key, 4);
	assert_true(sb_env_pump(sb_env_rejected_counted, &before, 5000));
	assert_false(port_reported(&key));
	/* h2's key replaced: the old key's session ends, the new key gets in */
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", zcert_public_txt(k2));
	sb_env_apply(STORE_OP_UPDATE, MODEL_HOST, "h2", body);
	southbound_publish(E->sb);
	assert_true(southbound_host_info(E->sb, "h2", &hi));
	assert_false(hi.connected);
	zsock_destroy(&b);
	b = fake_agent_session(k2, "h2");
	assert_true(southbound_host_info(E->sb, "h2", &hi));
	assert_true(hi.connected);
	zsock_destroy(&a);
	zsock_destroy(&b);
	zcert_destroy(&k2);
}

static bool port_nd_is_3(void *arg)
{
	struct southbound_port_info pi;

	return southbound_port_info(E->sb, *(uint32_t *)arg, &pi) && pi.n_reasons == 2 &&
	       pi.reasons[1].count == 3;
}
static bool port_reasons_reported(void *arg)
{
	struct southbound_port_info pi;

	return southbound_port_info(E->sb, *(uint32_t *)arg, &pi) && pi.n_reasons == 2;
}

static bool host_stats_reported(void *arg)
{
	struct southbound_host_info hi;

	return southbound_host_info(E->sb, arg, &hi) && hi.n_stats == TN_STAT_MAX;
}

/* A STATUS's bytes, drops by reason and host counters are kept; the time
 * of the last spoof_mac growth is noted, and kept while it does not grow. */
static void test_status_drops_kept(void **state)
{
	struct wire_port_status ps = {.up = true,
				      .rx_bytes = 1000,
				      .tx_bytes = 2000,
				      .drops = 7,
				      .n_reasons = 2,
				      .reasons = {{TN_DROP_SPOOF_MAC, 5}, {TN_DROP_ND, 2}}};
	struct wire_msg m = {.type = WIRE_STATUS};
	struct southbound_port_info pi;
	struct southbound_host_info hi;
	int64_t first;
	zsock_t *d;

	(void)state;
	d = fake_agent_session(E->key_h1, "h1");
	ps.port_id = port_key_of("\x01");
	m.status.ports = &ps;
	m.status.n_ports = 1;
	m.status.n_host = TN_STAT_MAX;
	m.status.host[TN_DROP_SPOOF_MAC] = 5;
	fake_agent_send(d, &m);
	assert_true(sb_env_pump(port_reasons_reported, &ps.port_id, 5000));
	assert_true(sb_env_pump(host_stats_reported, "h1", 5000));
	assert_true(southbound_port_info(E->sb, ps.port_id, &pi));
	assert_true(pi.rx_bytes == 1000 && pi.tx_bytes == 2000 && pi.drops == 7);
	assert_int_equal(pi.reasons[1].reason, TN_DROP_ND);
	assert_true(pi.spoof_mac_ms > 0);
	first = pi.spoof_mac_ms;
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_true(hi.stats[TN_DROP_SPOOF_MAC] == 5);
	/* the same count again: no new growth */
	ps.reasons[1].count = 3;
	fake_agent_send(d, &m);
	assert_true(sb_env_pump(port_nd_is_3, &ps.port_id, 5000));
	assert_true(southbound_port_info(E->sb, ps.port_id, &pi));
	assert_true(pi.spoof_mac_ms == first);
	zsock_destroy(&d);
}

static bool disconnected(void *arg)
{
	struct southbound_host_info hi;

	return southbound_host_info(E->sb, arg, &hi) && !hi.connected;
}

/* The controller heartbeats; a silent agent loses its session. */
static void test_heartbeat_and_silence(void **state)
{
	zsock_t *d = fake_agent_session(E->key_h1, "h1");
	struct wire_msg m;
	zframe_t *f;

	assert_true(sb_env_pump(sb_env_readable, d, 3000));
	f = zframe_recv(d);
	assert_int_equal(wire_decode(zframe_data(f), zframe_size(f), &m), 0);
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_true(m.ack.rev == store_revision(E->store));
	zframe_destroy(&f);
	assert_true(sb_env_pump(disconnected, "h1", 6000));
	zsock_destroy(&d);
}

/* A session is sent a heartbeat only once nothing else went to it for a
 * second: none while updates come every 300 ms (each heartbeat must
 * follow the message before it by at least 800 ms, leaving room for
 * delivery), then one after a quiet second. */
static void test_heartbeat_only_when_idle(void **state)
{
	zsock_t *d = fake_agent_session(E->key_h1, "h1");
	int64_t last = zclock_mono(), next = last;
	struct wire_msg m;
	int writes = 0;

	while (writes < 8 || zclock_mono() < next) {
		if (writes < 8 && zclock_mono() >= next) {
			char id[40], mac[20], ifname[8];

			snprintf(id, sizeof(id), "44444444-4444-4444-8444-4444444444%02d", writes);
			snprintf(mac, sizeof(mac), "02:00:00:00:04:%02x", writes);
			snprintf(ifname, sizeof(ifname), "vm9%02d", writes);
			sb_env_port_create(id, mac, "h2", ifname); /* h1 gets its remote rows */
			southbound_publish(E->sb);
			writes++;
			next = zclock_mono() + 300;
		}
		if (!fake_agent_recv_any(d, &m,
					 (int)(next > zclock_mono() ? next - zclock_mono() : 1)))
			continue;
		if (m.type == WIRE_HEARTBEAT)
			fail_msg("a heartbeat %" PRId64 " ms after the last message",
				 zclock_mono() - last);
		assert_int_equal(m.type, WIRE_DELTA);
		fake_agent_ack(d, WIRE_ACK, m.update.to); /* the agent stays alive */
		wire_msg_release(&m);
		last = zclock_mono();
	}
	assert_true(fake_agent_recv_any(d, &m, 3000));
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_true(zclock_mono() - last >= 800);
	wire_msg_release(&m);
	zsock_destroy(&d);
}

/* Waits (up to ms) for a HEARTBEAT carrying rev, failing on any update. */
static void expect_beat_only(zsock_t *d, uint64_t rev, int ms)
{
	int64_t end = zclock_mono() + ms;
	struct wire_msg m;

	for (;;) {
		assert_true(zclock_mono() < end);
		assert_true(fake_agent_recv_any(d, &m, (int)(end - zclock_mono())));
		if (m.type != WIRE_HEARTBEAT)
			fail_msg("got %s, want only HEARTBEATs", wire_type_name(m.type));
		if (m.ack.rev == rev)
			return;
		assert_true(m.ack.rev < rev);
	}
}

/* An agent from the future (its revision is past this node's, as after
 * switching from a node further along): no SNAPSHOT that would take it
 * backwards, but a HEARTBEAT with our revision, and nothing else until we
 * reach its revision; exactly there it gets an empty DELTA. */
static void test_hello_from_the_future(void **state)
{
	zsock_t *d = fake_agent_new(E->key_h1);
	uint64_t r = store_revision(E->store);
	struct wire_msg m;

	fake_agent_hello(d, "h1", r + 2);
	assert_true(fake_agent_recv_any(d, &m, 5000));
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_true(m.ack.rev == r);
	assert_int_equal(sb_env_stats().hello_ahead, 1);
	/* one write: still behind the agent, its heartbeats say where we are */
	sb_env_port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	southbound_publish(E->sb);
	fake_agent_ack(d, WIRE_HEARTBEAT, r + 2);
	expect_beat_only(d, r + 1, 3000);
	/* the second write brings us exactly to the agent's revision */
	fake_agent_ack(d, WIRE_HEARTBEAT, r + 2);
	sb_env_port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == r + 2 && m.update.to == r + 2);
	assert_int_equal(m.update.n_rows, 0);
	wire_msg_release(&m);
	assert_int_equal(sb_env_stats().tx_snapshots, 0);
	/* from here on, a normal session: the next write is a DELTA */
	fake_agent_ack(d, WIRE_ACK, r + 2);
	sb_env_apply(STORE_OP_DELETE, MODEL_PORT, PORT2, "");
	southbound_publish(E->sb);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == r + 2 && m.update.to == r + 3);
	assert_true(m.update.n_rows > 0);
	wire_msg_release(&m);
	zsock_destroy(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_zap_enforced_without_handler, sb_env_setup_no_sb,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_after_hello, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_key_refused, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_plain_client_refused, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_hello_for_another_host, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_garbage, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_latest_session_wins, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_burst, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_status_own_ports_only, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_index_follows_changes, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_oversized_refused, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_encode_failure_drops_session, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_store_id_sent, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_status_drops_kept, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_heartbeat_only_when_idle, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_heartbeat_and_silence, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_ct_export_sent, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_hello_from_the_future, sb_env_setup,
					    sb_env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
