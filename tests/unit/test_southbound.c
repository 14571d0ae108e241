/* test_southbound.c - the controller's southbound, in process: a real store
 * in a temporary directory, the southbound on a loopback TCP port, and agents
 * played by CURVE DEALER sockets. Every wait polls a condition with a
 * deadline while running the libevent loop. */
#include <arpa/inet.h>
#include <errno.h>
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

#include "test_port.h"
#include <czmq.h>
#include <event2/event.h>
#include <linux/types.h>

#include "compiler.h"
#include "southbound.h"
#include "southbound_int.h"
#include "store.h"
#include "tenet_abi.h"
#include "wire.h"

#define TENANT "11111111-1111-4111-8111-111111111111"
#define NET    "22222222-2222-4222-8222-222222222222"
#define PORT1  "33333333-3333-4333-8333-333333333331"
#define PORT2  "33333333-3333-4333-8333-333333333332"
#define PORT3  "33333333-3333-4333-8333-333333333333"

/* One test's world. */
struct env {
	char dir[64]; /* store directory */
	struct store *store;
	struct event_base *base;
	zcert_t *server;	  /* the controller's key */
	zcert_t *key_h1, *key_h2; /* enrolled host keys */
	int port;		  /* southbound TCP port */
	struct southbound *sb;
};

static struct env *E;

static void apply(enum store_op op, enum model_kind kind, const char *id, const char *body)
{
	struct store_result res;
	void *cmd;
	size_t len;
	int rc;

	assert_int_equal(store_cmd_encode(op, kind, id, body, NULL, &cmd, &len), 0);
	rc = store_apply(E->store, cmd, len, &res);
	if (rc)
		fprintf(stderr, "apply %s: %s %s\n", id, res.err.field, res.err.message);
	assert_int_equal(rc, 0);
	store_result_release(&res);
	free(cmd);
}

static void host_create(const char *name, zcert_t *key, const char *ip)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"name\":\"%s\",\"public_key\":\"%s\",\"underlay_ip\":\"%s\"}", name,
		 zcert_public_txt(key), ip);
	apply(STORE_OP_CREATE, MODEL_HOST, name, body);
}

static void port_create(const char *id, const char *mac, const char *host, const char *ifname)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"network_id\":\"%s\",\"mac_address\":\"%s\",\"binding\":{\"host\":\"%s\","
		 "\"interface\":\"%s\"}}",
		 NET, mac, host, ifname);
	apply(STORE_OP_CREATE, MODEL_PORT, id, body);
}

/* h1 and h2 enrolled; one network with port 1 on h1; the southbound runs
 * when with_sb. */
static void env_new(bool with_sb)
{
	char cmd[128];

	E = calloc(1, sizeof(*E));
	snprintf(E->dir, sizeof(E->dir), "/tmp/tenet-sb-XXXXXX");
	assert_non_null(mkdtemp(E->dir));
	E->store = store_new(E->dir, 64);
	/* LMDB keeps its files open: removing the directory now leaves nothing
	 * behind when setup or a test fails (or the process dies). */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E->dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(E->store);
	E->base = event_base_new();
	E->server = zcert_new();
	E->key_h1 = zcert_new();
	E->key_h2 = zcert_new();
	apply(STORE_OP_CREATE, MODEL_TENANT, TENANT, "{\"name\":\"blue\"}");
	apply(STORE_OP_CREATE, MODEL_NETWORK, NET, "{\"tenant_id\":\"" TENANT "\",\"name\":\"n\"}");
	host_create("h1", E->key_h1, "198.18.0.1");
	host_create("h2", E->key_h2, "198.18.0.2");
	port_create(PORT1, "02:00:00:00:00:01", "h1", "vm1");
	E->port = test_free_port();
	if (with_sb) {
		char ep[64];

		snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", E->port);
		E->sb = southbound_new(E->base, E->store, ep, E->server);
		assert_non_null(E->sb);
	}
}

static int setup(void **state)
{
	env_new(true);
	return 0;
}

static int setup_no_sb(void **state)
{
	env_new(false);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	southbound_destroy(&E->sb);
	assert_null(E->sb);
	store_destroy(&E->store);
	event_base_free(E->base);
	zcert_destroy(&E->server);
	zcert_destroy(&E->key_h1);
	zcert_destroy(&E->key_h2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E->dir);
	assert_int_equal(system(cmd), 0);
	free(E);
	E = NULL;
	return 0;
}

/* Runs the loop until cond(arg) holds or ms pass; returns cond's value. */
static bool pump(bool (*cond)(void *), void *arg, int ms)
{
	int64_t end = zclock_mono() + ms;
	struct timeval tick = {0, 5000};

	while (!cond(arg)) {
		if (zclock_mono() > end)
			return false;
		event_base_loopexit(E->base, &tick);
		event_base_dispatch(E->base);
	}
	return true;
}

/* An agent: a DEALER with key (CURVE unless key is NULL). */
static zsock_t *agent_new(zcert_t *key)
{
	zsock_t *d = zsock_new(ZMQ_DEALER);

	assert_non_null(d);
	if (key) {
		zcert_apply(key, d);
		zsock_set_curve_serverkey(d, zcert_public_txt(E->server));
	}
	zsock_set_rcvtimeo(d, 0);
	zsock_set_linger(d, 0);
	assert_int_equal(zsock_connect(d, "tcp://127.0.0.1:%d", E->port), 0);
	return d;
}

static void agent_send(zsock_t *d, const struct wire_msg *m)
{
	uint8_t *buf;
	size_t len;
	zframe_t *f;

	assert_int_equal(wire_encode(m, &buf, &len), 0);
	f = zframe_new(buf, len);
	free(buf);
	assert_int_equal(zframe_send(&f, d, 0), 0);
}

static void agent_hello(zsock_t *d, const char *host, uint64_t last_rev)
{
	struct wire_msg m = {.type = WIRE_HELLO};

	snprintf(m.hello.host, sizeof(m.hello.host), "%s", host);
	m.hello.last_rev = last_rev;
	agent_send(d, &m);
}

static void agent_ack(zsock_t *d, enum wire_type type, uint64_t rev)
{
	struct wire_msg m = {.type = type};

	m.ack.rev = rev;
	agent_send(d, &m);
}

static bool readable(void *arg)
{
	return zsock_events(arg) & ZMQ_POLLIN;
}

/* Receives and decodes the next message that is not a HEARTBEAT, within ms.
 * Returns false if none came. */
static bool agent_recv(zsock_t *d, struct wire_msg *m, int ms)
{
	int64_t end = zclock_mono() + ms;

	for (;;) {
		zframe_t *f;
		int rc;

		if (!pump(readable, d, (int)(end - zclock_mono())))
			return false;
		f = zframe_recv(d);
		assert_non_null(f);
		rc = wire_decode(zframe_data(f), zframe_size(f), m);
		zframe_destroy(&f);
		assert_int_equal(rc, 0);
		if (m->type != WIRE_HEARTBEAT)
			return true;
		wire_msg_release(m);
	}
}

static struct southbound_stats stats(void)
{
	struct southbound_stats s;

	southbound_get_stats(E->sb, &s);
	return s;
}

static bool unauth_counted(void *arg)
{
	return stats().rx_unauthenticated > *(uint64_t *)arg;
}

static bool msgs_counted(void *arg)
{
	return stats().rx_msgs > *(uint64_t *)arg;
}

static bool unknown_counted(void *arg)
{
	return stats().rx_unknown_type > 0;
}

static bool rejected_counted(void *arg)
{
	return stats().rx_rejected > *(uint64_t *)arg;
}

/* h1 HELLOs with last_rev and gets its SNAPSHOT; returns the agent. */
static zsock_t *agent_session(zcert_t *key, const char *host)
{
	zsock_t *d = agent_new(key);
	struct wire_msg m;

	agent_hello(d, host, 0);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	wire_msg_release(&m);
	return d;
}

/* The expected rows of host, from the store. */
static size_t expected_rows(const char *host)
{
	struct topology t;
	struct wire_row *rows;
	size_t n;

	assert_int_equal(store_load_topology(E->store, &t), 0);
	assert_int_equal(compiler_build_host(&t, host, &rows, &n), 0);
	topology_release(&t);
	free(rows);
	return n;
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
		cli = agent_new(E->key_h1);
		agent_send(cli, &m);
		got = pump(readable, srv, enforce ? 1000 : 5000);
		assert_int_equal(got, !enforce);
		zsock_destroy(&cli);
		zsock_destroy(&srv);
		E->port = test_free_port();
	}
}

static void test_snapshot_after_hello(void **state)
{
	zsock_t *d = agent_new(E->key_h1);
	struct southbound_host_info hi;
	struct wire_msg m;

	assert_false(southbound_host_info(E->sb, "h1", &hi));
	agent_hello(d, "h1", 0);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_true(m.update.to == store_revision(E->store));
	/* LPORT, FDB, FLOOD of port 1 and the PEER row of h2 */
	assert_int_equal(m.update.n_rows, 4);
	assert_int_equal(m.update.n_rows, expected_rows("h1"));
	wire_msg_release(&m);
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_true(hi.connected);
	assert_int_equal(stats().tx_snapshots, 1);
	/* HELLO at the current revision: an empty DELTA */
	agent_hello(d, "h1", store_revision(E->store));
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == m.update.to);
	assert_int_equal(m.update.n_rows, 0);
	wire_msg_release(&m);
	zsock_destroy(&d);
}

static void test_unknown_key_refused(void **state)
{
	zcert_t *stranger = zcert_new();
	zsock_t *d = agent_new(stranger);
	uint64_t before = stats().rx_unauthenticated;
	struct southbound_host_info hi;
	struct wire_msg m;

	agent_hello(d, "h1", 0);
	assert_true(pump(unauth_counted, &before, 5000));
	assert_false(agent_recv(d, &m, 300));
	assert_false(southbound_host_info(E->sb, "h1", &hi));
	assert_int_equal(stats().rx_msgs, 0);
	zsock_destroy(&d);
	zcert_destroy(&stranger);
}

static void test_plain_client_refused(void **state)
{
	zsock_t *d = agent_new(NULL);
	struct wire_msg m;

	agent_hello(d, "h1", 0);
	assert_false(agent_recv(d, &m, 500));
	assert_int_equal(stats().rx_msgs, 0);
	zsock_destroy(&d);
}

static void test_hello_for_another_host(void **state)
{
	zsock_t *d = agent_new(E->key_h1);
	uint64_t before = stats().rx_unauthenticated;
	struct wire_msg m;

	agent_hello(d, "h2", 0);
	assert_true(pump(unauth_counted, &before, 5000));
	assert_false(agent_recv(d, &m, 200));
	assert_int_equal(stats().rx_msgs, 0);
	zsock_destroy(&d);
}

static void test_garbage(void **state)
{
	zsock_t *d = agent_new(E->key_h1);
	uint64_t before = stats().rx_rejected;
	zframe_t *f = zframe_new("\x93\x01\x04garbage", 10);
	zmsg_t *two = zmsg_new();

	assert_int_equal(zframe_send(&f, d, 0), 0);
	assert_true(pump(rejected_counted, &before, 5000));
	/* a message of two frames */
	before = stats().rx_rejected;
	zmsg_addstr(two, "a");
	zmsg_addstr(two, "b");
	assert_int_equal(zmsg_send(&two, d), 0);
	assert_true(pump(rejected_counted, &before, 5000));
	/* a well-formed message of an unknown type */
	f = zframe_new("\x93\x01\x7f\x01", 4); /* type 127 */
	assert_int_equal(zframe_send(&f, d, 0), 0);
	assert_true(pump(unknown_counted, NULL, 5000));
	/* an ACK outside any session */
	before = stats().rx_rejected;
	agent_ack(d, WIRE_ACK, 1);
	assert_true(pump(rejected_counted, &before, 5000));
	assert_int_equal(stats().rx_msgs, 0);
	zsock_destroy(&d);
}

/* A monitor on d reporting its disconnections; read with pump(readable). */
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
	zsock_t *d = agent_session(E->key_h1, "h1"), *mon;
	uint64_t before = stats().rx_rejected, rx;
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
	agent_send(d, &m); /* all foreign ports: rejected once decoded */
	assert_true(pump(rejected_counted, &before, 10000));
	before = stats().rx_rejected;
	rx = stats().rx_msgs;
	mon = disconnect_monitor(d);
	junk[0] = 0x93;
	f = zframe_new(junk, big);
	assert_int_equal(zframe_send(&f, d, 0), 0);
	assert_true(pump(readable, mon, 10000));
	assert_true(stats().rx_rejected == before);
	assert_true(stats().rx_msgs == rx);
	zsock_destroy(&mon);
	zsock_destroy(&d);
	/* the controller is fine: a new session gets its snapshot */
	d = agent_session(E->key_h1, "h1");
	zsock_destroy(&d);
	free(junk);
	free(ps);
}

struct wait_result {
	bool done;			/* callback ran */
	int status;			/* its status */
	char pending[4][WIRE_HOST_MAX]; /* its pending hosts */
	size_t n_pending;		/* their number */
};

static void wait_cb(void *arg, int status, const char *const *pending, size_t n)
{
	struct wait_result *r = arg;

	r->done = true;
	r->status = status;
	r->n_pending = n;
	for (size_t i = 0; i < n && i < 4; i++)
		snprintf(r->pending[i], sizeof(r->pending[i]), "%s", pending[i]);
}

static bool h1_acked(void *arg)
{
	struct southbound_host_info hi;

	return southbound_host_info(E->sb, "h1", &hi) && hi.acked_rev >= *(uint64_t *)arg;
}

static bool wait_done(void *arg)
{
	return ((struct wait_result *)arg)->done;
}

static void test_publish_delta_and_wait(void **state)
{
	zsock_t *d = agent_session(E->key_h1, "h1");
	uint64_t r0 = store_revision(E->store), r1;
	static struct wait_result w; /* outlives a failed test's pending wait */
	struct southbound_host_info hi;
	struct wire_msg m;

	memset(&w, 0, sizeof(w));
	agent_ack(d, WIRE_ACK, r0);
	port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	r1 = store_revision(E->store);
	southbound_publish(E->sb);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == r0);
	assert_true(m.update.to == r1);
	/* LPORT and FDB of port 2, FLOOD changed */
	assert_int_equal(m.update.n_rows, 3);
	assert_int_equal(m.update.rows[0].map, TN_MAP_LPORT);
	assert_int_equal(m.update.rows[1].map, TN_MAP_FDB);
	assert_int_equal(m.update.rows[2].map, TN_MAP_FLOOD);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(m.update.rows[i].op, WIRE_OP_UPSERT);
	wire_msg_release(&m);
	assert_int_equal(southbound_wait(E->sb, r1, 5000, wait_cb, &w), 0);
	assert_false(w.done);
	agent_ack(d, WIRE_ACK, r1);
	assert_true(pump(wait_done, &w, 5000));
	assert_int_equal(w.status, 0);
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_true(hi.acked_rev == r1);
	assert_true(hi.dirty_rev == r1);
	/* deleting port 2: its rows go, the FLOOD row changes back */
	apply(STORE_OP_DELETE, MODEL_PORT, PORT2, "");
	southbound_publish(E->sb);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == r1);
	r1 = m.update.to;
	assert_int_equal(m.update.n_rows, 3);
	assert_int_equal(m.update.rows[0].op, WIRE_OP_DELETE);
	assert_int_equal(m.update.rows[1].op, WIRE_OP_DELETE);
	assert_int_equal(m.update.rows[2].op, WIRE_OP_UPSERT);
	wire_msg_release(&m);
	agent_ack(d, WIRE_ACK, r1);
	assert_true(pump(h1_acked, &r1, 5000));
	/* a revision nobody is affected by completes at once */
	memset(&w, 0, sizeof(w));
	assert_int_equal(southbound_wait(E->sb, r1, 5000, wait_cb, &w), 0);
	assert_true(w.done);
	assert_int_equal(w.status, 0);
	/* a port on h2, which has no agent: the wait times out naming h2 */
	port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	memset(&w, 0, sizeof(w));
	agent_ack(d, WIRE_ACK, store_revision(E->store));
	assert_int_equal(southbound_wait(E->sb, store_revision(E->store), 200, wait_cb, &w), 0);
	assert_true(pump(wait_done, &w, 5000));
	assert_int_equal(w.status, -ETIMEDOUT);
	assert_int_equal(w.n_pending, 1);
	assert_string_equal(w.pending[0], "h2");
	zsock_destroy(&d);
}

/* A DELTA that cannot be encoded ends the session: the agent is sent no
 * later DELTA that would skip its rows, and its next HELLO gets them all
 * in a SNAPSHOT. */
static void test_encode_failure_drops_session(void **state)
{
	zsock_t *d = agent_session(E->key_h1, "h1");
	uint64_t r0 = store_revision(E->store);
	struct southbound_host_info hi;
	struct wire_msg m;

	agent_ack(d, WIRE_ACK, r0);
	assert_true(pump(h1_acked, &r0, 5000));
	port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	E->sb->fail_encodes = 1;
	southbound_publish(E->sb);
	assert_int_equal(E->sb->fail_encodes, 0);
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_false(hi.connected);
	/* a later change to h1's rows is not sent as a DELTA from r0 */
	port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	assert_false(agent_recv(d, &m, 300));
	agent_hello(d, "h1", r0);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_true(m.update.to == store_revision(E->store));
	assert_int_equal(m.update.n_rows, expected_rows("h1"));
	wire_msg_release(&m);
	zsock_destroy(&d);
}

static bool agent_recv_any(zsock_t *d, struct wire_msg *m, int ms);

/* SNAPSHOT, DELTA and HEARTBEAT carry the store's identity once it has
 * one (none before: the element is left out). */
static void test_store_id_sent(void **state)
{
	zsock_t *d = agent_new(E->key_h1);
	char id[STORE_ID_HEX + 1];
	struct wire_msg m;

	agent_hello(d, "h1", 0);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_string_equal(m.store_id, "");
	wire_msg_release(&m);
	assert_int_equal(store_id_ensure(E->store, NULL, 0), 0);
	assert_int_equal(store_id_get(E->store, id), 0);
	port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	southbound_publish(E->sb);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_string_equal(m.store_id, id);
	wire_msg_release(&m);
	agent_hello(d, "h1", 0);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_string_equal(m.store_id, id);
	wire_msg_release(&m);
	assert_true(agent_recv_any(d, &m, 3000));
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_string_equal(m.store_id, id);
	zsock_destroy(&d);
}

/* A second session for h1 replaces the first: the old one's ACKs are
 * refused. */
static void test_latest_session_wins(void **state)
{
	zsock_t *a = agent_session(E->key_h1, "h1"), *b = agent_session(E->key_h1, "h1");
	uint64_t before = stats().rx_rejected, rx = stats().rx_msgs;

	agent_ack(a, WIRE_ACK, store_revision(E->store));
	assert_true(pump(rejected_counted, &before, 5000));
	assert_true(stats().rx_msgs == rx);
	agent_ack(b, WIRE_HEARTBEAT, store_revision(E->store));
	assert_true(pump(msgs_counted, &rx, 5000));
	zsock_destroy(&a);
	zsock_destroy(&b);
}

static bool msgs_at_least(void *arg)
{
	return stats().rx_msgs >= *(uint64_t *)arg;
}

/* More messages than one wake-up handles: all are drained, none lost. */
static void test_burst(void **state)
{
	zsock_t *d = agent_session(E->key_h1, "h1");
	uint64_t want = stats().rx_msgs + 1000;

	for (int i = 0; i < 1000; i++)
		agent_ack(d, WIRE_HEARTBEAT, 1);
	assert_true(pump(msgs_at_least, &want, 10000));
	assert_int_equal(stats().rx_rejected, 0);
	zsock_destroy(&d);
}

/* A host deleted while in session gets its rows deleted, then loses the
 * session; the others lose its PEER row. */
static void test_host_removed(void **state)
{
	zsock_t *a = agent_session(E->key_h1, "h1"), *b = agent_session(E->key_h2, "h2");
	uint64_t before;
	struct wire_msg m;

	apply(STORE_OP_DELETE, MODEL_HOST, "h2", "");
	southbound_publish(E->sb);
	assert_true(agent_recv(b, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_int_equal(m.update.n_rows, 1); /* its PEER row of h1 */
	assert_int_equal(m.update.rows[0].map, TN_MAP_PEER);
	assert_int_equal(m.update.rows[0].op, WIRE_OP_DELETE);
	wire_msg_release(&m);
	assert_true(agent_recv(a, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_int_equal(m.update.n_rows, 1);
	assert_int_equal(m.update.rows[0].map, TN_MAP_PEER);
	assert_int_equal(m.update.rows[0].op, WIRE_OP_DELETE);
	wire_msg_release(&m);
	before = stats().rx_unauthenticated;
	agent_ack(b, WIRE_ACK, store_revision(E->store));
	assert_true(pump(unauth_counted, &before, 5000));
	zsock_destroy(&a);
	zsock_destroy(&b);
}

/* The old key's connection sends HELLO, ACK and STATUS after the host was
 * re-enrolled with another key: each is refused as unauthenticated and
 * none is answered. */
static void expect_old_key_refused(zsock_t *d, const char *host)
{
	struct wire_port_status ps = {.port_id = 1, .up = true};
	struct wire_msg m = {.type = WIRE_STATUS}, r;
	uint64_t before = stats().rx_unauthenticated, rx = stats().rx_msgs;

	agent_hello(d, host, 0);
	assert_true(pump(unauth_counted, &before, 5000));
	before = stats().rx_unauthenticated;
	agent_ack(d, WIRE_ACK, store_revision(E->store));
	assert_true(pump(unauth_counted, &before, 5000));
	before = stats().rx_unauthenticated;
	m.status.ports = &ps;
	m.status.n_ports = 1;
	agent_send(d, &m);
	assert_true(pump(unauth_counted, &before, 5000));
	assert_false(agent_recv(d, &r, 300));
	assert_true(stats().rx_msgs == rx);
}

/* Replacing a host's key (PATCH, or delete and re-create) locks the old
 * key out, also on a connection it opened before; the new key works. */
static void test_key_replaced(void **state)
{
	zsock_t *a = agent_session(E->key_h1, "h1"), *b = agent_session(E->key_h2, "h2");
	zcert_t *k1 = zcert_new(), *k2 = zcert_new();
	struct southbound_host_info hi;
	char body[128];
	uint64_t rx;

	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", zcert_public_txt(k1));
	apply(STORE_OP_UPDATE, MODEL_HOST, "h1", body);
	apply(STORE_OP_DELETE, MODEL_HOST, "h2", "");
	host_create("h2", k2, "198.18.0.2");
	southbound_publish(E->sb);
	/* the sessions opened with the old keys are gone */
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_false(hi.connected);
	expect_old_key_refused(a, "h1");
	expect_old_key_refused(b, "h2");
	zsock_destroy(&a);
	zsock_destroy(&b);
	a = agent_session(k1, "h1");
	b = agent_session(k2, "h2");
	rx = stats().rx_msgs;
	agent_ack(a, WIRE_ACK, store_revision(E->store));
	assert_true(pump(h1_acked, &(uint64_t){store_revision(E->store)}, 5000));
	agent_ack(b, WIRE_HEARTBEAT, store_revision(E->store));
	rx++;
	assert_true(pump(msgs_counted, &rx, 5000));
	zsock_destroy(&a);
	zsock_destroy(&b);
	zcert_destroy(&k1);
	zcert_destroy(&k2);
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

	port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	d = agent_session(E->key_h1, "h1");
	ps[0].port_id = port_key_of("\x01");
	ps[1].port_id = port_key_of("\x03");
	m.status.ports = ps;
	m.status.n_ports = 2;
	before = stats().rx_rejected;
	agent_send(d, &m);
	assert_true(pump(rejected_counted, &before, 5000));
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
	agent_send(d, &m);
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
	a = agent_session(E->key_h1, "h1");
	b = agent_session(E->key_h2, "h2");
	key = port_key_of("\x01");
	status_send(a, key, 1);
	assert_true(pump(port_reported, &key, 5000));
	/* same binding: the report stays */
	apply(STORE_OP_UPDATE, MODEL_PORT, PORT1, "{\"name\":\"renamed\"}");
	southbound_publish(E->sb);
	assert_true(port_reported(&key));
	/* rebound to h2: no report until h2 gives one; h1's is refused */
	snprintf(body, sizeof(body), "{\"binding\":{\"host\":\"h2\",\"interface\":\"vm1\"}}");
	apply(STORE_OP_UPDATE, MODEL_PORT, PORT1, body);
	southbound_publish(E->sb);
	assert_false(port_reported(&key));
	before = stats().rx_rejected;
	status_send(a, key, 2);
	assert_true(pump(rejected_counted, &before, 5000));
	assert_false(port_reported(&key));
	status_send(b, key, 3);
	assert_true(pump(port_reported, &key, 5000));
	/* deleted: gone, and h2 may no longer report on it */
	apply(STORE_OP_DELETE, MODEL_PORT, PORT1, "");
	southbound_publish(E->sb);
	assert_false(port_reported(&key));
	before = stats().rx_rejected;
	status_send(b, key, 4);
	assert_true(pump(rejected_counted, &before, 5000));
	assert_false(port_reported(&key));
	/* h2's key replaced: the old key's session ends, the new key gets in */
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", zcert_public_txt(k2));
	apply(STORE_OP_UPDATE, MODEL_HOST, "h2", body);
	southbound_publish(E->sb);
	assert_true(southbound_host_info(E->sb, "h2", &hi));
	assert_false(hi.connected);
	zsock_destroy(&b);
	b = agent_session(k2, "h2");
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
	d = agent_session(E->key_h1, "h1");
	ps.port_id = port_key_of("\x01");
	m.status.ports = &ps;
	m.status.n_ports = 1;
	m.status.n_host = TN_STAT_MAX;
	m.status.host[TN_DROP_SPOOF_MAC] = 5;
	agent_send(d, &m);
	assert_true(pump(port_reasons_reported, &ps.port_id, 5000));
	assert_true(pump(host_stats_reported, "h1", 5000));
	assert_true(southbound_port_info(E->sb, ps.port_id, &pi));
	assert_true(pi.rx_bytes == 1000 && pi.tx_bytes == 2000 && pi.drops == 7);
	assert_int_equal(pi.reasons[1].reason, TN_DROP_ND);
	assert_true(pi.spoof_mac_ms > 0);
	first = pi.spoof_mac_ms;
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_true(hi.stats[TN_DROP_SPOOF_MAC] == 5);
	/* the same count again: no new growth */
	ps.reasons[1].count = 3;
	agent_send(d, &m);
	assert_true(pump(port_nd_is_3, &ps.port_id, 5000));
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
	zsock_t *d = agent_session(E->key_h1, "h1");
	struct wire_msg m;
	zframe_t *f;

	assert_true(pump(readable, d, 3000));
	f = zframe_recv(d);
	assert_int_equal(wire_decode(zframe_data(f), zframe_size(f), &m), 0);
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_true(m.ack.rev == store_revision(E->store));
	zframe_destroy(&f);
	assert_true(pump(disconnected, "h1", 6000));
	zsock_destroy(&d);
}

static void test_wait_cancelled(void **state)
{
	static struct wait_result w; /* outlives a failed test's pending wait */

	/* port 1's host never connected in this test: h1 is pending */
	port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	southbound_publish(E->sb);
	assert_int_equal(southbound_wait(E->sb, store_revision(E->store), 60000, wait_cb, &w), 0);
	assert_false(w.done);
	southbound_destroy(&E->sb);
	assert_true(w.done);
	assert_int_equal(w.status, -ECANCELED);
}

/* Receives the next message, HEARTBEATs included, within ms. */
static bool agent_recv_any(zsock_t *d, struct wire_msg *m, int ms)
{
	zframe_t *f;
	int rc;

	if (!pump(readable, d, ms))
		return false;
	f = zframe_recv(d);
	assert_non_null(f);
	rc = wire_decode(zframe_data(f), zframe_size(f), m);
	zframe_destroy(&f);
	assert_int_equal(rc, 0);
	return true;
}

/* Waits (up to ms) for a HEARTBEAT carrying rev, failing on any update. */
static void expect_beat_only(zsock_t *d, uint64_t rev, int ms)
{
	int64_t end = zclock_mono() + ms;
	struct wire_msg m;

	for (;;) {
		assert_true(zclock_mono() < end);
		assert_true(agent_recv_any(d, &m, (int)(end - zclock_mono())));
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
	zsock_t *d = agent_new(E->key_h1);
	uint64_t r = store_revision(E->store);
	struct wire_msg m;

	agent_hello(d, "h1", r + 2);
	assert_true(agent_recv_any(d, &m, 5000));
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_true(m.ack.rev == r);
	assert_int_equal(stats().hello_ahead, 1);
	/* one write: still behind the agent, its heartbeats say where we are */
	port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	southbound_publish(E->sb);
	agent_ack(d, WIRE_HEARTBEAT, r + 2);
	expect_beat_only(d, r + 1, 3000);
	/* the second write brings us exactly to the agent's revision */
	agent_ack(d, WIRE_HEARTBEAT, r + 2);
	port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == r + 2 && m.update.to == r + 2);
	assert_int_equal(m.update.n_rows, 0);
	wire_msg_release(&m);
	assert_int_equal(stats().tx_snapshots, 0);
	/* from here on, a normal session: the next write is a DELTA */
	agent_ack(d, WIRE_ACK, r + 2);
	apply(STORE_OP_DELETE, MODEL_PORT, PORT2, "");
	southbound_publish(E->sb);
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == r + 2 && m.update.to == r + 3);
	assert_true(m.update.n_rows > 0);
	wire_msg_release(&m);
	zsock_destroy(&d);
}

/* An agent ahead by one, and this node then applies two writes without
 * publishing (as when they arrive by replication): the heartbeat timer
 * picks them up and, being past the agent's revision, sends a SNAPSHOT. */
static void test_future_agent_gets_snapshot_past_it(void **state)
{
	zsock_t *d = agent_new(E->key_h1);
	uint64_t r = store_revision(E->store);
	struct wire_msg m;

	agent_hello(d, "h1", r + 1);
	assert_true(agent_recv_any(d, &m, 5000));
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_true(m.ack.rev == r);
	port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	assert_true(agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_true(m.update.to == r + 2);
	assert_int_equal(m.update.n_rows, expected_rows("h1"));
	wire_msg_release(&m);
	assert_int_equal(stats().tx_snapshots, 1);
	zsock_destroy(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_zap_enforced_without_handler, setup_no_sb,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_after_hello, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_key_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_client_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hello_for_another_host, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_publish_delta_and_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_latest_session_wins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_removed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_own_ports_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_follows_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_replaced, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_oversized_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_encode_failure_drops_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_id_sent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_drops_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_heartbeat_and_silence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_cancelled, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hello_from_the_future, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_future_agent_gets_snapshot_past_it, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
