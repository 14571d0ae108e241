/* test_southbound_publish.c - the southbound's publishing side
 * (controller/publish.c, through southbound.c), in process: publish sends each host
 * the DELTA of its rows and southbound_wait waits for the hosts' ACKs (and
 * is cancelled when the southbound goes), a removed host or a replaced key
 * loses its session, an agent that was ahead of this node is served once
 * the node gets past it. The world and the agents are
 * fixture_southbound.h's. */
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

static bool wait_done(void *arg)
{
	return ((struct wait_result *)arg)->done;
}

static void test_publish_delta_and_wait(void **state)
{
	zsock_t *d = fake_agent_session(E->key_h1, "h1");
	uint64_t r0 = store_revision(E->store), r1;
	static struct wait_result w; /* outlives a failed test's pending wait */
	struct southbound_host_info hi;
	struct wire_msg m;

	memset(&w, 0, sizeof(w));
	fake_agent_ack(d, WIRE_ACK, r0);
	sb_env_port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	r1 = store_revision(E->store);
	southbound_publish(E->sb);
	assert_true(fake_agent_recv(d, &m, 5000));
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
	fake_agent_ack(d, WIRE_ACK, r1);
	assert_true(sb_env_pump(wait_done, &w, 5000));
	assert_int_equal(w.status, 0);
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_true(hi.acked_rev == r1);
	assert_true(hi.dirty_rev == r1);
	/* deleting port 2: its rows go, the FLOOD row changes back */
	sb_env_apply(STORE_OP_DELETE, MODEL_PORT, PORT2, "");
	southbound_publish(E->sb);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_true(m.update.from == r1);
	r1 = m.update.to;
	assert_int_equal(m.update.n_rows, 3);
	assert_int_equal(m.update.rows[0].op, WIRE_OP_DELETE);
	assert_int_equal(m.update.rows[1].op, WIRE_OP_DELETE);
	assert_int_equal(m.update.rows[2].op, WIRE_OP_UPSERT);
	wire_msg_release(&m);
	fake_agent_ack(d, WIRE_ACK, r1);
	assert_true(sb_env_pump(sb_env_h1_acked, &r1, 5000));
	/* a revision nobody is affected by completes at once */
	memset(&w, 0, sizeof(w));
	assert_int_equal(southbound_wait(E->sb, r1, 5000, wait_cb, &w), 0);
	assert_true(w.done);
	assert_int_equal(w.status, 0);
	/* a port on h2, which has no agent: the wait times out naming h2 */
	sb_env_port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	southbound_publish(E->sb);
	memset(&w, 0, sizeof(w));
	fake_agent_ack(d, WIRE_ACK, store_revision(E->store));
	assert_int_equal(southbound_wait(E->sb, store_revision(E->store), 200, wait_cb, &w), 0);
	assert_true(sb_env_pump(wait_done, &w, 5000));
	assert_int_equal(w.status, -ETIMEDOUT);
	assert_int_equal(w.n_pending, 1);
	assert_string_equal(w.pending[0], "h2");
	zsock_destroy(&d);
}

/* A host deleted while in session gets its rows deleted, then loses the
 * session; the others lose its PEER row. */
static void test_host_removed(void **state)
{
	zsock_t *a = fake_agent_session(E->key_h1, "h1"), *b = fake_agent_session(E->key_h2, "h2");
	uint64_t before;
	struct wire_msg m;

	sb_env_apply(STORE_OP_DELETE, MODEL_HOST, "h2", "");
	southbound_publish(E->sb);
	assert_true(fake_agent_recv(b, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_int_equal(m.update.n_rows, 1); /* its PEER row of h1 */
	assert_int_equal(m.update.rows[0].map, TN_MAP_PEER);
	assert_int_equal(m.update.rows[0].op, WIRE_OP_DELETE);
	wire_msg_release(&m);
	assert_true(fake_agent_recv(a, &m, 5000));
	assert_int_equal(m.type, WIRE_DELTA);
	assert_int_equal(m.update.n_rows, 1);
	assert_int_equal(m.update.rows[0].map, TN_MAP_PEER);
	assert_int_equal(m.update.rows[0].op, WIRE_OP_DELETE);
	wire_msg_release(&m);
	before = sb_env_stats().rx_unauthenticated;
	fake_agent_ack(b, WIRE_ACK, store_revision(E->store));
	assert_true(sb_env_pump(sb_env_unauth_counted, &before, 5000));
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
	uint64_t before = sb_env_stats().rx_unauthenticated, rx = sb_env_stats().rx_msgs;

	fake_agent_hello(d, host, 0);
	assert_true(sb_env_pump(sb_env_unauth_counted, &before, 5000));
	before = sb_env_stats().rx_unauthenticated;
	fake_agent_ack(d, WIRE_ACK, store_revision(E->store));
	assert_true(sb_env_pump(sb_env_unauth_counted, &before, 5000));
	before = sb_env_stats().rx_unauthenticated;
	m.status.ports = &ps;
	m.status.n_ports = 1;
	fake_agent_send(d, &m);
	assert_true(sb_env_pump(sb_env_unauth_counted, &before, 5000));
	assert_false(fake_agent_recv(d, &r, 300));
	assert_true(sb_env_stats().rx_msgs == rx);
}

/* Replacing a host's key (PATCH, or delete and re-create) locks the old
 * key out, also on a connection it opened before; the new key works. */
static void test_key_replaced(void **state)
{
	zsock_t *a = fake_agent_session(E->key_h1, "h1"), *b = fake_agent_session(E->key_h2, "h2");
	zcert_t *k1 = zcert_new(), *k2 = zcert_new();
	struct southbound_host_info hi;
	char body[128];
	uint64_t rx;

	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", zcert_public_txt(k1));
	sb_env_apply(STORE_OP_UPDATE, MODEL_HOST, "h1", body);
	sb_env_apply(STORE_OP_DELETE, MODEL_HOST, "h2", "");
	sb_env_host_create("h2", k2, "198.18.0.2");
	southbound_publish(E->sb);
	/* the sessions opened with the old keys are gone */
	assert_true(southbound_host_info(E->sb, "h1", &hi));
	assert_false(hi.connected);
	expect_old_key_refused(a, "h1");
	expect_old_key_refused(b, "h2");
	zsock_destroy(&a);
	zsock_destroy(&b);
	a = fake_agent_session(k1, "h1");
	b = fake_agent_session(k2, "h2");
	rx = sb_env_stats().rx_msgs;
	fake_agent_ack(a, WIRE_ACK, store_revision(E->store));
	assert_true(sb_env_pump(sb_env_h1_acked, &(uint64_t){store_revision(E->store)}, 5000));
	fake_agent_ack(b, WIRE_HEARTBEAT, store_revision(E->store));
	rx++;
	assert_true(sb_env_pump(sb_env_msgs_counted, &rx, 5000));
	zsock_destroy(&a);
	zsock_destroy(&b);
	zcert_destroy(&k1);
	zcert_destroy(&k2);
}

static void test_wait_cancelled(void **state)
{
	static struct wait_result w; /* outlives a failed test's pending wait */

	/* port 1's host never connected in this test: h1 is pending */
	sb_env_port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	southbound_publish(E->sb);
	assert_int_equal(southbound_wait(E->sb, store_revision(E->store), 60000, wait_cb, &w), 0);
	assert_false(w.done);
	southbound_destroy(&E->sb);
	assert_true(w.done);
	assert_int_equal(w.status, -ECANCELED);
}

/* An agent ahead by one, and this node then applies two writes without
 * publishing (as when they arrive by replication): the heartbeat timer
 * picks them up and, being past the agent's revision, sends a SNAPSHOT. */
static void test_future_agent_gets_snapshot_past_it(void **state)
{
	zsock_t *d = fake_agent_new(E->key_h1);
	uint64_t r = store_revision(E->store);
	struct wire_msg m;

	fake_agent_hello(d, "h1", r + 1);
	assert_true(fake_agent_recv_any(d, &m, 5000));
	assert_int_equal(m.type, WIRE_HEARTBEAT);
	assert_true(m.ack.rev == r);
	sb_env_port_create(PORT2, "02:00:00:00:00:02", "h1", "vm2");
	sb_env_port_create(PORT3, "02:00:00:00:00:03", "h2", "vm3");
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	assert_true(m.update.to == r + 2);
	assert_int_equal(m.update.n_rows, sb_env_expected_rows("h1"));
	wire_msg_release(&m);
	assert_int_equal(sb_env_stats().tx_snapshots, 1);
	zsock_destroy(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_publish_delta_and_wait, sb_env_setup,
					    sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_host_removed, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_key_replaced, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_wait_cancelled, sb_env_setup, sb_env_teardown),
	    cmocka_unit_test_setup_teardown(test_future_agent_gets_snapshot_past_it, sb_env_setup,
					    sb_env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
