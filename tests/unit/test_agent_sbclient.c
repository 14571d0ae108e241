/* test_agent_sbclient.c - the agent's southbound session against an
 * in-process CURVE ROUTER on 127.0.0.1: HELLO, SNAPSHOT -> ACK, a gap ->
 * HELLO, a malformed message counted and dropped, heartbeats, STATUS, and
 * reconnection after silence. With a list of controllers (two ROUTERs, each
 * with its own key): list parsing, failover past a dead one, refusal of an
 * update that would take the revision backwards, and waiting for a
 * controller that is behind, then moving on. Why a controller is unusable:
 * unreachable (then up once it listens), our key refused by its ZAP
 * handler, a wrong server key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_controller.h"
#include "test_port.h"
#include <czmq.h>
#include <event2/event.h>

#include "sbclient.h"
#include "wire.h"

/* Test fixture. */
struct fx {
	struct event_base *base;	      /* the client's loop */
	zcert_t *server_cert;		      /* ROUTER's key pair */
	zcert_t *client_cert;		      /* DEALER's key pair */
	zsock_t *router;		      /* the fake controller */
	zcert_t *server2_cert;		      /* second ROUTER's key pair (list tests) */
	zsock_t *router2;		      /* a second controller, NULL unless fx_setup_two */
	zframe_t *rid;			      /* last routing id seen */
	struct sbclient *sb;		      /* under test */
	uint64_t rev;			      /* what ops.rev returns */
	int update_rc;			      /* what ops.update returns */
	int updates;			      /* ops.update calls */
	int connects;			      /* ops.connected calls */
	char store_id[WIRE_STORE_ID_LEN + 1]; /* what ops.store_id returns */
	int resets;			      /* ops.reset calls */
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

static const char *fx_store_id(void *arg)
{
	return ((struct fx *)arg)->store_id;
}

static void fx_reset(void *arg, const char *store_id)
{
	struct fx *f = arg;

	f->resets++;
	f->rev = 0;
	snprintf(f->store_id, sizeof(f->store_id), "%s", store_id);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sbclient_config cfg = {.host = "h1", .heartbeat_ms = 100, .timeout_ms = 400};
	struct sbclient_ops ops = {.rev = fx_rev,
				   .update = fx_update,
				   .connected = fx_connected,
				   .store_id = fx_store_id,
				   .reset = fx_reset};

	assert_non_null(f);
	zsys_handler_set(NULL);
	f->base = event_base_new();
	f->server_cert = zcert_new();
	f->client_cert = zcert_new();
	f->router = fake_controller_new(f->server_cert);
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
	zsock_destroy(&f->router2);
	zcert_destroy(&f->server_cert);
	zcert_destroy(&f->server2_cert);
	zcert_destroy(&f->client_cert);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Runs the client's loop and waits for a message of type at router,
 * skipping others (heartbeats), up to timeout_ms. Fills *m (release) and
 * f->rid (the sender). */
static bool fx_expect_on(struct fx *f, zsock_t *router, enum wire_type type, struct wire_msg *m,
			 int timeout_ms)
{
	return fake_controller_expect(f->base, router, &f->rid, type, NULL, m, timeout_ms);
}

static bool fx_expect(struct fx *f, enum wire_type type, struct wire_msg *m, int timeout_ms)
{
	return fx_expect_on(f, f->router, type, m, timeout_ms);
}

static void fx_send_raw(struct fx *f, const void *data, size_t len)
{
	fake_controller_send_raw(f->router, f->rid, data, len);
}

static void fx_send(struct fx *f, const struct wire_msg *m)
{
	fake_controller_send(f->router, f->rid, m);
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

/* ---- a list of controllers ---- */

/* Two controllers, each with its own key; no client yet (fx_client). */
static int fx_setup_two(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	zsys_handler_set(NULL);
	f->base = event_base_new();
	f->server_cert = zcert_new();
	f->server2_cert = zcert_new();
	f->client_cert = zcert_new();
	f->router = fake_controller_new(f->server_cert);
	f->router2 = fake_controller_new(f->server2_cert);
	*state = f;
	return 0;
}

/* Starts the client on list (default key: key, may be NULL). */
static void fx_client(struct fx *f, const char *list, const char *key)
{
	struct sbclient_config cfg = {.endpoint = list,
				      .host = "h1",
				      .cert = f->client_cert,
				      .server_key = key,
				      .heartbeat_ms = 100,
				      .timeout_ms = 400};
	struct sbclient_ops ops = {
	    .rev = fx_rev, .update = fx_update, .connected = fx_connected, .arg = f};

	f->sb = sbclient_new(f->base, &cfg, &ops);
	assert_non_null(f->sb);
}

/* "A@keyA,B@keyB": both controllers with their own keys. */
static void fx_list_both(struct fx *f, char *list, size_t size)
{
	snprintf(list, size, "%s@%s,%s@%s", zsock_endpoint(f->router),
		 zcert_public_txt(f->server_cert), zsock_endpoint(f->router2),
		 zcert_public_txt(f->server2_cert));
}

static void expect_parse_fails(const char *list, const char *key)
{
	struct sbclient_endpoint *eps = NULL;
	size_t n = 0;

	if (sbclient_parse_endpoints(list, key, &eps, &n) != -EINVAL)
		fail_msg("list accepted: \"%s\"", list ? list : "(null)");
	assert_null(eps);
}

static void test_parse_endpoints(void **state)
{
	zcert_t *k1 = zcert_new(), *k2 = zcert_new();
	const char *d = zcert_public_txt(k1), *o = zcert_public_txt(k2);
	static const char *const bad[] = {
	    "",		 " ",	   "tcp://a:1,",  ",tcp://a:1", "tcp://a:1,,tcp://b:2",
	    "bogus://x", "tcp://", "tcp://a b:1", "a:1",	"tcp://a:1@short"};
	struct sbclient_endpoint *eps;
	char at_key[41], list[2048];
	size_t n;

	assert_int_equal(sbclient_parse_endpoints("tcp://10.0.0.1:6641", d, &eps, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(eps[0].endpoint, "tcp://10.0.0.1:6641");
	assert_string_equal(eps[0].server_key, d);
	free(eps);
	/* spaces around entries; one entry with its own key */
	snprintf(list, sizeof(list), " tcp://a:1 ,tcp://b:2@%s,  ipc:///tmp/c ", o);
	assert_int_equal(sbclient_parse_endpoints(list, d, &eps, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(eps[0].endpoint, "tcp://a:1");
	assert_string_equal(eps[0].server_key, d);
	assert_string_equal(eps[1].endpoint, "tcp://b:2");
	assert_string_equal(eps[1].server_key, o);
	assert_string_equal(eps[2].endpoint, "ipc:///tmp/c");
	assert_string_equal(eps[2].server_key, d);
	free(eps);
	/* '@' is a Z85 character: a key may begin with one */
	memset(at_key, '0', 40);
	at_key[0] = '@';
	at_key[40] = '\0';
	snprintf(list, sizeof(list), "tcp://a:1@%s", at_key);
	assert_int_equal(sbclient_parse_endpoints(list, NULL, &eps, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(eps[0].endpoint, "tcp://a:1");
	assert_string_equal(eps[0].server_key, at_key);
	free(eps);
	/* every entry with its own key: no default needed */
	snprintf(list, sizeof(list), "tcp://a:1@%s,tcp://b:2@%s", d, o);
	assert_int_equal(sbclient_parse_endpoints(list, NULL, &eps, &n), 0);
	assert_int_equal(n, 2);
	free(eps);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_parse_fails(bad[i], d);
	expect_parse_fails(NULL, d);
	expect_parse_fails("tcp://a:1", NULL); /* no key at all */
	expect_parse_fails(list, "short");     /* a bad default, even unused */
	memset(at_key, '~', 40);	       /* not Z85 */
	snprintf(list, sizeof(list), "tcp://a:1@%s", at_key);
	expect_parse_fails(list, d);
	/* at most SBCLIENT_MAX_ENDPOINTS entries */
	list[0] = '\0';
	for (int i = 0; i < SBCLIENT_MAX_ENDPOINTS; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%stcp://a:%d",
			 i ? "," : "", i + 1);
	assert_int_equal(sbclient_parse_endpoints(list, d, &eps, &n), 0);
	assert_int_equal(n, SBCLIENT_MAX_ENDPOINTS);
	free(eps);
	strcat(list, ",tcp://a:99");
	expect_parse_fails(list, d);
	zcert_destroy(&k1);
	zcert_destroy(&k2);
}

/* The first controller of the list is dead: the client moves on to the
 * second (its own key) and is served there. */
static void test_failover_past_dead(void **state)
{
	struct fx *f = *state;
	struct wire_msg m, out;
	struct sbclient_stats st;
	char list[512], dead[64];

	snprintf(dead, sizeof(dead), "tcp://127.0.0.1:%d", test_free_port());
	snprintf(list, sizeof(list), "%s,%s@%s", dead, zsock_endpoint(f->router2),
		 zcert_public_txt(f->server2_cert));
	fx_client(f, list, zcert_public_txt(f->server_cert));
	assert_string_equal(sbclient_endpoint(f->sb), dead);
	assert_true(fx_expect_on(f, f->router2, WIRE_HELLO, &m, 5000));
	assert_int_equal(m.hello.last_rev, 0);
	wire_msg_release(&m);
	assert_string_equal(sbclient_endpoint(f->sb), zsock_endpoint(f->router2));
	sbclient_get_stats(f->sb, &st);
	assert_true(st.reconnects >= 1);
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 3}};
	fake_controller_send(f->router2, f->rid, &out);
	assert_true(fx_expect_on(f, f->router2, WIRE_ACK, &m, 3000));
	assert_int_equal(m.ack.rev, 3);
	wire_msg_release(&m);
	assert_true(sbclient_connected(f->sb));
}

/* A SNAPSHOT or DELTA below the applied revision is refused (never
 * applied) and the client moves on, round-robin. */
static void test_refuses_backwards(void **state)
{
	struct fx *f = *state;
	struct wire_msg m, out;
	struct sbclient_stats st;
	char list[512];
	int updates;

	fx_list_both(f, list, sizeof(list));
	fx_client(f, list, NULL);
	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	wire_msg_release(&m);
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 10}};
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	assert_int_equal(m.ack.rev, 10);
	wire_msg_release(&m);
	updates = f->updates;
	/* a DELTA ending below 10: refused; the client goes to B */
	out = (struct wire_msg){.type = WIRE_DELTA, .update = {.from = 4, .to = 6}};
	fx_send(f, &out);
	assert_true(fx_expect_on(f, f->router2, WIRE_HELLO, &m, 5000));
	assert_int_equal(m.hello.last_rev, 10);
	wire_msg_release(&m);
	sbclient_get_stats(f->sb, &st);
	assert_int_equal(st.rx_backwards, 1);
	assert_int_equal(f->updates, updates);
	assert_int_equal(f->rev, 10);
	/* B offers a SNAPSHOT of revision 9: refused; back to A (wrapping) */
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 9}};
	fake_controller_send(f->router2, f->rid, &out);
	assert_true(fx_expect(f, WIRE_HELLO, &m, 5000));
	assert_int_equal(m.hello.last_rev, 10);
	wire_msg_release(&m);
	sbclient_get_stats(f->sb, &st);
	assert_int_equal(st.rx_backwards, 2);
	assert_int_equal(f->updates, updates);
	/* an update to the same revision is accepted */
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 10}};
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	assert_int_equal(m.ack.rev, 10);
	wire_msg_release(&m);
	assert_int_equal(f->updates, updates + 1);
	assert_true(sbclient_connected(f->sb));
}

static bool fx_behind_seen(struct fx *f)
{
	struct sbclient_stats st;

	sbclient_get_stats(f->sb, &st);
	return st.rx_behind > 0;
}

/* A controller behind us (its HEARTBEAT carries a lower revision) is waited
 * for: when it catches up its update is applied. One that stays behind is
 * left for the next, though it keeps talking. */
static void test_waits_for_behind(void **state)
{
	struct fx *f = *state;
	struct wire_msg m, out, beat = {.type = WIRE_HEARTBEAT, .ack = {.rev = 7}};
	int64_t deadline;
	zframe_t *rid_a;
	char list[512];
	bool moved = false;

	f->rev = 10;
	fx_list_both(f, list, sizeof(list));
	fx_client(f, list, NULL);
	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	assert_int_equal(m.hello.last_rev, 10);
	wire_msg_release(&m);
	fx_send(f, &beat);
	PUMP_UNTIL(f, fx_behind_seen(f), 3000);
	assert_true(fx_behind_seen(f));
	assert_false(sbclient_connected(f->sb));
	/* A catches up within the timeout */
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 12}};
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	assert_int_equal(m.ack.rev, 12);
	wire_msg_release(&m);
	assert_true(sbclient_connected(f->sb));
	/* A falls behind for good and keeps saying so: the client moves on */
	rid_a = zframe_dup(f->rid);
	deadline = zclock_mono() + 5000;
	while (!moved && zclock_mono() < deadline) {
		fake_controller_send(f->router, rid_a, &beat);
		moved = fx_expect_on(f, f->router2, WIRE_HELLO, &m, 50);
	}
	zframe_destroy(&rid_a);
	assert_true(moved);
	assert_int_equal(m.hello.last_rev, 12);
	wire_msg_release(&m);
	assert_int_equal(f->rev, 12);
}

#define STORE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define STORE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define STORE_C "cccccccccccccccccccccccccccccccc"

/* A controller serving another store than the one our revision is from
 * (its data was reset) is not "behind us" whatever its revision: its
 * HEARTBEAT or DELTA resets our revision and gets a HELLO(0); its SNAPSHOT
 * is applied. A fresh agent just adopts the identity. */
static void test_other_store(void **state)
{
	struct fx *f = *state;
	struct wire_msg m, out = {.type = WIRE_SNAPSHOT, .update = {.to = 2}};
	struct sbclient_stats st;

	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	wire_msg_release(&m);
	/* fresh: adopted, applied, not counted */
	strcpy(out.store_id, STORE_A);
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	wire_msg_release(&m);
	assert_string_equal(f->store_id, STORE_A);
	assert_int_equal(f->resets, 1);
	f->rev = 10;
	/* a reset controller, at revision 3: a HEARTBEAT from store B */
	out = (struct wire_msg){.type = WIRE_HEARTBEAT, .ack = {.rev = 3}};
	strcpy(out.store_id, STORE_B);
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	assert_int_equal(m.hello.last_rev, 0);
	wire_msg_release(&m);
	assert_string_equal(f->store_id, STORE_B);
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 3}};
	strcpy(out.store_id, STORE_B);
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	assert_int_equal(m.ack.rev, 3);
	wire_msg_release(&m);
	assert_int_equal(f->updates, 2);
	/* store C reached our revision: its empty DELTA is not applied */
	out = (struct wire_msg){.type = WIRE_DELTA, .update = {.from = 3, .to = 3}};
	strcpy(out.store_id, STORE_C);
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_HELLO, &m, 3000));
	assert_int_equal(m.hello.last_rev, 0);
	wire_msg_release(&m);
	assert_int_equal(f->updates, 2);
	assert_string_equal(f->store_id, STORE_C);
	/* the same store, or none named: revisions as usual */
	out = (struct wire_msg){.type = WIRE_SNAPSHOT, .update = {.to = 4}};
	strcpy(out.store_id, STORE_C);
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	wire_msg_release(&m);
	out = (struct wire_msg){.type = WIRE_DELTA, .update = {.from = 4, .to = 5}};
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, &m, 3000));
	assert_int_equal(m.ack.rev, 5);
	wire_msg_release(&m);
	assert_int_equal(f->resets, 3);
	sbclient_get_stats(f->sb, &st);
	assert_int_equal(st.rx_other_store, 2);
	assert_int_equal(st.rx_backwards, 0);
	assert_int_equal(st.reconnects, 0);
}

/* ---- why a controller is unusable ---- */

/* Nothing listens: unreachable; once a controller listens there, up. */
static void test_link_unreachable(void **state)
{
	struct fx *f = *state;
	char ep[64];
	zsock_t *late;

	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", test_free_port());
	fx_client(f, ep, zcert_public_txt(f->server_cert));
	PUMP_UNTIL(f, sbclient_link(f->sb, 0) != SBCLIENT_LINK_UNKNOWN, 3000);
	assert_int_equal(sbclient_link(f->sb, 0), SBCLIENT_LINK_UNREACHABLE);
	late = zsock_new(ZMQ_ROUTER);
	assert_non_null(late);
	zcert_apply(f->server_cert, late);
	zsock_set_curve_server(late, 1);
	zsock_set_linger(late, 0);
	assert_true(zsock_bind(late, "%s", ep) > 0);
	PUMP_UNTIL(f, sbclient_link(f->sb, 0) == SBCLIENT_LINK_UP, 10000);
	assert_int_equal(sbclient_link(f->sb, 0), SBCLIENT_LINK_UP);
	sbclient_destroy(&f->sb);
	zsock_destroy(&late);
}

/* A controller whose key is not the one we were given breaks the
 * handshake off: wrong server key. The right key gets through. */
static void test_link_server_key(void **state)
{
	struct fx *f = *state;
	char list[512];

	/* router's endpoint, router2's key; then router2 with its own */
	snprintf(list, sizeof(list), "%s@%s,%s@%s", zsock_endpoint(f->router),
		 zcert_public_txt(f->server2_cert), zsock_endpoint(f->router2),
		 zcert_public_txt(f->server2_cert));
	fx_client(f, list, NULL);
	PUMP_UNTIL(f, sbclient_link(f->sb, 0) != SBCLIENT_LINK_UNKNOWN, 3000);
	assert_int_equal(sbclient_link(f->sb, 0), SBCLIENT_LINK_SERVER_KEY);
	PUMP_UNTIL(f, sbclient_link(f->sb, 1) != SBCLIENT_LINK_UNKNOWN, 5000);
	assert_int_equal(sbclient_link(f->sb, 1), SBCLIENT_LINK_UP);
}

/* A ZAP handler that admits nobody (zauth with an empty key directory):
 * our key is refused, told apart from the wrong server key. */
static void test_link_key_refused(void **state)
{
	struct fx *f = *state;
	zactor_t *auth = zactor_new(zauth, NULL);

	assert_non_null(auth);
	assert_int_equal(zstr_sendx(auth, "CURVE", "/nonexistent/tenet-test-keys", NULL), 0);
	zsock_wait(auth);
	fx_client(f, zsock_endpoint(f->router), zcert_public_txt(f->server_cert));
	PUMP_UNTIL(f, sbclient_link(f->sb, 0) != SBCLIENT_LINK_UNKNOWN, 3000);
	assert_int_equal(sbclient_link(f->sb, 0), SBCLIENT_LINK_KEY_REFUSED);
	sbclient_destroy(&f->sb);
	zactor_destroy(&auth); /* the next tests run without ZAP */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_session, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reconnects_after_silence, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rejects_bad_config, fx_setup, fx_teardown),
	    cmocka_unit_test(test_parse_endpoints),
	    cmocka_unit_test_setup_teardown(test_failover_past_dead, fx_setup_two, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_backwards, fx_setup_two, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_waits_for_behind, fx_setup_two, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_other_store, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_link_unreachable, fx_setup_two, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_link_server_key, fx_setup_two, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_link_key_refused, fx_setup_two, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
