/* test_agent_sbclient.c - the agent's southbound session against an
 * in-process CURVE ROUTER on 127.0.0.1: HELLO, SNAPSHOT -> ACK, a gap ->
 * HELLO, a malformed message counted and dropped, heartbeats, STATUS, and
 * reconnection after silence. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <czmq.h>
#include <event2/event.h>

#include "sbclient.h"
#include "wire.h"

/* Test fixture. */
struct fx {
	struct event_base *base; /* the client's loop */
	zcert_t *server_cert;	 /* ROUTER's key pair */
	zcert_t *client_cert;	 /* DEALER's key pair */
	zsock_t *router;	 /* the fake controller */
	zframe_t *rid;		 /* last routing id seen */
	struct sbclient *sb;	 /* under test */
	uint64_t rev;		 /* what ops.rev returns */
	int update_rc;		 /* what ops.update returns */
	int updates;		 /* ops.update calls */
	int connects;		 /* ops.connected calls */
};

static uint64_t fx_rev(void *arg)
{
	return ((struct fx *)arg)->rev;
}

static int fx_update(void *arg, const struct wire_msg *m)
{
	struct fx *f = arg;

	f->updates++;
	if (f->update_rc == 0)
		f->rev = m->update.to;
	return f->update_rc;
}

static void fx_connected(void *arg)
{
	((struct fx *)arg)->connects++;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sbclient_config cfg = {.host = "h1", .heartbeat_ms = 100, .timeout_ms = 400};
	struct sbclient_ops ops = {.rev = fx_rev, .update = fx_update, .connected = fx_connected};

	assert_non_null(f);
	zsys_handler_set(NULL);
	f->base = event_base_new();
	f->server_cert = zcert_new();
	f->client_cert = zcert_new();
	f->router = zsock_new(ZMQ_ROUTER);
	assert_non_null(f->router);
	zcert_apply(f->server_cert, f->router);
	zsock_set_curve_server(f->router, 1);
	zsock_set_linger(f->router, 0);
	assert_true(zsock_bind(f->router, "tcp://127.0.0.1:*") > 0);
	cfg.endpoint = zsock_endpoint(f->router);
	cfg.cert = f->client_cert;
	cfg.server_key = zcert_public_txt(f->server_cert);
	ops.arg = f;
	f->sb = sbclient_new(f->base, &cfg, &ops);
	assert_non_null(f->sb);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	sbclient_destroy(&f->sb);
	zframe_destroy(&f->rid);
	zsock_destroy(&f->router);
	zcert_destroy(&f->server_cert);
	zcert_destroy(&f->client_cert);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Runs the client's loop and waits for a message of type at the router,
 * skipping others (heartbeats), up to timeout_ms. Fills *m (release). */
static bool fx_expect(struct fx *f, enum wire_type type, struct wire_msg *m, int timeout_ms)
{
	int64_t deadline = zclock_mono() + timeout_ms;
	zpoller_t *p = zpoller_new(f->router, NULL);
	bool found = false;

	while (!found && zclock_mono() < deadline) {
		zmsg_t *msg;
		zframe_t *payload;

		event_base_loop(f->base, EVLOOP_NONBLOCK);
		if (!zpoller_wait(p, 5))
			continue;
		msg = zmsg_recv(f->router);
		assert_non_null(msg);
		assert_int_equal(zmsg_size(msg), 2);
		zframe_destroy(&f->rid);
		f->rid = zmsg_pop(msg);
		payload = zmsg_first(msg);
		assert_int_equal(wire_decode(zframe_data(payload), zframe_size(payload), m), 0);
		if (m->type == type)
			found = true;
		else
			wire_msg_release(m);
		zmsg_destroy(&msg);
	}
	zpoller_destroy(&p);
	return found;
}

static void fx_send_raw(struct fx *f, const void *data, size_t len)
{
	zmsg_t *msg = zmsg_new();

	zmsg_append(msg, &(zframe_t *){zframe_dup(f->rid)});
	zmsg_addmem(msg, data, len);
	assert_int_equal(zmsg_send(&msg, f->router), 0);
}

static void fx_send(struct fx *f, const struct wire_msg *m)
{
	uint8_t *buf;
	size_t len;

	assert_int_equal(wire_encode(m, &buf, &len), 0);
	fx_send_raw(f, buf, len);
	free(buf);
}

/* Runs the loop until cond holds or timeout_ms passes. */
#define PUMP_UNTIL(f, cond, timeout_ms)                                                            \
	do {                                                                                       \
		int64_t dl_ = zclock_mono() + (timeout_ms);                                        \
		while (!(cond) && zclock_mono() < dl_) {                                           \
			event_base_loop((f)->base, EVLOOP_ONCE); /* <= 1 heartbeat */              \
		}                                                                                  \
	} while (0)

static void test_session(void **state)
{
	struct fx *f = *state;
	struct wire_msg m, out;
	struct wire_port_status ports[2] = {{.port_id = 7, .up = true, .rx_packets = 3},
					    {.port_id = 9}};
	struct sbclient_stats st;

	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	assert_string_equal(m.hello.host, "h1");
	assert_int_equal(m.hello.last_rev, 0);
	wire_msg_release(&m);
	assert_int_equal(f->connects, 1);

	/* SNAPSHOT -> applied -> ACK(rev) */
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 5}};
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	assert_int_equal(m.ack.rev, 5);
	assert_int_equal(f->updates, 1);
	wire_msg_release(&m);
	assert_true(sbclient_connected(f->sb));

	/* a gap -> HELLO with the current revision, no ACK */
	f->update_rc = -ESTALE;
	out = (struct wire_msg){.type = WIRE_DELTA, .update = {.from = 3, .to = 6}};
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	assert_int_equal(m.hello.last_rev, 5);
	wire_msg_release(&m);
	f->update_rc = 0;

	/* garbage and unexpected types are counted and dropped */
	fx_send_raw(f, "\x93\x01\x63\x00", 4);
	out = (struct wire_msg){.type = WIRE_ACK, .ack = {.rev = 1}};
	fx_send(f, &out);
	PUMP_UNTIL(f, (sbclient_get_stats(f->sb, &st), st.rx_rejected >= 2), 3000);
	assert_int_equal(st.rx_rejected, 2);

	/* heartbeats carry the revision */
	assert_true(fx_expect(f, WIRE_HEARTBEAT, &m, 3000));
	assert_int_equal(m.ack.rev, 5);
	wire_msg_release(&m);

	/* STATUS */
	assert_int_equal(sbclient_send_status(f->sb, ports, 2), 0);
	assert_true(fx_expect(f, WIRE_STATUS, &m, 3000));
	assert_int_equal(m.status.rev, 5);
	assert_int_equal(m.status.n_ports, 2);
	assert_int_equal(m.status.ports[0].port_id, 7);
	assert_true(m.status.ports[0].up);
	assert_int_equal(m.status.ports[0].rx_packets, 3);
	assert_false(m.status.ports[1].up);
	wire_msg_release(&m);
}

static void test_reconnects_after_silence(void **state)
{
	struct fx *f = *state;
	struct sbclient_stats st;
	struct wire_msg m;

	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	wire_msg_release(&m);
	f->rev = 42;
	/* the fake controller says nothing: after 400 ms the client starts a
	 * new session (new socket), which says HELLO again */
	assert_true(fx_expect(f, WIRE_HELLO, &m, 5000));
	assert_int_equal(m.hello.last_rev, 42);
	wire_msg_release(&m);
	sbclient_get_stats(f->sb, &st);
	assert_true(st.reconnects >= 1);
	assert_true(f->connects >= 2);
	/* a reply resets the silence timer */
	assert_false(sbclient_connected(f->sb));
	m = (struct wire_msg){.type = WIRE_HEARTBEAT, .ack = {.rev = 42}};
	fx_send(f, &m);
	PUMP_UNTIL(f, sbclient_connected(f->sb), 3000);
	assert_true(sbclient_connected(f->sb));
}

static void test_rejects_bad_config(void **state)
{
	struct fx *f = *state;
	struct sbclient_config cfg = {.endpoint = "tcp://127.0.0.1:1",
				      .host = "h1",
				      .cert = f->client_cert,
				      .server_key = "short"};

	assert_null(sbclient_new(f->base, &cfg, NULL));
	cfg.server_key = zcert_public_txt(f->server_cert);
	cfg.endpoint = "bogus://x";
	assert_null(sbclient_new(f->base, &cfg, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_session, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reconnects_after_silence, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rejects_bad_config, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
