/* fixture_southbound.h - the world of the southbound unit tests, shared by
 * test_southbound.c and test_southbound_publish.c: a real store in a
 * temporary directory (fixture_store.h) with tenant TENANT, network NET,
 * hosts h1 and h2 and port PORT1 on h1; the controller's southbound on a
 * loopback TCP port on its own libevent loop (sb_env_*); and agents played
 * by CURVE DEALER sockets (fake_agent_*). Every wait polls a condition with
 * a deadline while running the loop (sb_env_pump). One world per test, in
 * E, made by the cmocka setup sb_env_setup (or sb_env_setup_no_sb: no
 * southbound) and removed by sb_env_teardown. Include after <cmocka.h>. */
#ifndef TENET_FIXTURE_SOUTHBOUND_H
#define TENET_FIXTURE_SOUTHBOUND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <czmq.h>
#include <event2/event.h>

#include "compiler.h"
#include "fixture_store.h"
#include "southbound.h"
#include "store.h"
#include "test_port.h"
#include "wire.h"

#define TENANT "11111111-1111-4111-8111-111111111111"
#define NET    "22222222-2222-4222-8222-222222222222"
#define PORT1  "33333333-3333-4333-8333-333333333331"
#define PORT2  "33333333-3333-4333-8333-333333333332"
#define PORT3  "33333333-3333-4333-8333-333333333333"

/* One test's world. */
struct sb_env {
	char dir[64];		  /* store directory (removed once open) */
	struct store *store;	  /* the controller's state */
	struct event_base *base;  /* the loop the southbound runs on */
	zcert_t *server;	  /* the controller's key */
	zcert_t *key_h1, *key_h2; /* enrolled host keys */
	int port;		  /* southbound TCP port */
	struct southbound *sb;	  /* under test; NULL without one */
};

static struct sb_env *E;

/* Applies a command to the world's store; it must succeed. */
static inline void sb_env_apply(enum store_op op, enum model_kind kind, const char *id,
				const char *body)
{
	fixture_apply(E->store, op, kind, id, body);
}

/* Enrols host name with key's public key. */
static inline void sb_env_host_create(const char *name, zcert_t *key, const char *ip)
{
	fixture_host_create(E->store, name, zcert_public_txt(key), ip);
}

/* A port on the network NET bound to host's interface ifname. */
static inline void sb_env_port_create(const char *id, const char *mac, const char *host,
				      const char *ifname)
{
	fixture_port_create(E->store, NET, id, mac, host, ifname);
}

/* h1 and h2 enrolled; one network with port 1 on h1; the southbound runs
 * when with_sb. */
static inline void sb_env_new(bool with_sb)
{
	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	E->store = fixture_store_new(E->dir, "sb");
	E->base = event_base_new();
	E->server = zcert_new();
	E->key_h1 = zcert_new();
	E->key_h2 = zcert_new();
	sb_env_apply(STORE_OP_CREATE, MODEL_TENANT, TENANT, "{\"name\":\"blue\"}");
	sb_env_apply(STORE_OP_CREATE, MODEL_NETWORK, NET,
		     "{\"tenant_id\":\"" TENANT "\",\"name\":\"n\"}");
	sb_env_host_create("h1", E->key_h1, "198.18.0.1");
	sb_env_host_create("h2", E->key_h2, "198.18.0.2");
	sb_env_port_create(PORT1, "02:00:00:00:00:01", "h1", "vm1");
	E->port = test_free_port();
	if (with_sb) {
		char ep[64];

		snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", E->port);
		E->sb = southbound_new(E->base, E->store, ep, E->server);
		assert_non_null(E->sb);
	}
}

static inline int sb_env_setup(void **state)
{
	sb_env_new(true);
	return 0;
}

static inline int sb_env_setup_no_sb(void **state)
{
	sb_env_new(false);
	return 0;
}

static inline int sb_env_teardown(void **state)
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
static inline bool sb_env_pump(bool (*cond)(void *), void *arg, int ms)
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
static inline zsock_t *fake_agent_new(zcert_t *key)
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

static inline void fake_agent_send(zsock_t *d, const struct wire_msg *m)
{
	uint8_t *buf;
	size_t len;
	zframe_t *f;

	assert_int_equal(wire_encode(m, &buf, &len), 0);
	f = zframe_new(buf, len);
	free(buf);
	assert_int_equal(zframe_send(&f, d, 0), 0);
}

static inline void fake_agent_hello(zsock_t *d, const char *host, uint64_t last_rev)
{
	struct wire_msg m = {.type = WIRE_HELLO};

	snprintf(m.hello.host, sizeof(m.hello.host), "%s", host);
	m.hello.last_rev = last_rev;
	fake_agent_send(d, &m);
}

static inline void fake_agent_ack(zsock_t *d, enum wire_type type, uint64_t rev)
{
	struct wire_msg m = {.type = type};

	m.ack.rev = rev;
	fake_agent_send(d, &m);
}

static inline bool sb_env_readable(void *arg)
{
	return zsock_events(arg) & ZMQ_POLLIN;
}

/* Receives and decodes the next message that is not a HEARTBEAT, within ms.
 * Returns false if none came. */
static inline bool fake_agent_recv(zsock_t *d, struct wire_msg *m, int ms)
{
	int64_t end = zclock_mono() + ms;

	for (;;) {
		zframe_t *f;
		int rc;

		if (!sb_env_pump(sb_env_readable, d, (int)(end - zclock_mono())))
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

static inline struct southbound_stats sb_env_stats(void)
{
	struct southbound_stats s;

	southbound_get_stats(E->sb, &s);
	return s;
}

static inline bool sb_env_unauth_counted(void *arg)
{
	return sb_env_stats().rx_unauthenticated > *(uint64_t *)arg;
}

static inline bool sb_env_msgs_counted(void *arg)
{
	return sb_env_stats().rx_msgs > *(uint64_t *)arg;
}

static inline bool sb_env_rejected_counted(void *arg)
{
	return sb_env_stats().rx_rejected > *(uint64_t *)arg;
}

/* h1 HELLOs with last_rev and gets its SNAPSHOT; returns the agent. */
static inline zsock_t *fake_agent_session(zcert_t *key, const char *host)
{
	zsock_t *d = fake_agent_new(key);
	struct wire_msg m;

	fake_agent_hello(d, host, 0);
	assert_true(fake_agent_recv(d, &m, 5000));
	assert_int_equal(m.type, WIRE_SNAPSHOT);
	wire_msg_release(&m);
	return d;
}

/* The expected rows of host, from the store. */
static inline size_t sb_env_expected_rows(const char *host)
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

static inline bool sb_env_h1_acked(void *arg)
{
	struct southbound_host_info hi;

	return southbound_host_info(E->sb, "h1", &hi) && hi.acked_rev >= *(uint64_t *)arg;
}

/* Receives the next message, HEARTBEATs included, within ms. */
static inline bool fake_agent_recv_any(zsock_t *d, struct wire_msg *m, int ms)
{
	zframe_t *f;
	int rc;

	if (!sb_env_pump(sb_env_readable, d, ms))
		return false;
	f = zframe_recv(d);
	assert_non_null(f);
	rc = wire_decode(zframe_data(f), zframe_size(f), m);
	zframe_destroy(&f);
	assert_int_equal(rc, 0);
	return true;
}

#endif
