/* test_southbound_failover.c - the agent's session (sbclient) against real
 * controller southbounds on two stores that applied the same commands, as two
 * nodes of a cluster do, node A two commands further along than node B. The
 * agent syncs from A; A goes away; the agent moves to B, which is behind it:
 * B sends no SNAPSHOT (that would take the agent backwards) but its revision;
 * once B has applied the same two commands it serves the agent with an empty
 * DELTA (same revision, same rows) and then normal DELTAs. The agent's
 * revision never goes backwards. Each node has its own server key, given in
 * the agent's list as endpoint@key. */
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

#include "fixture_store.h"
#include "test_port.h"
#include <czmq.h>
#include <event2/event.h>

#include "compiler.h"
#include "sbclient.h"
#include "southbound.h"
#include "store.h"
#include "wire.h"

#define TENANT "11111111-1111-4111-8111-111111111111"
#define NET    "22222222-2222-4222-8222-222222222222"
#define PORT1  "33333333-3333-4333-8333-333333333331"
#define PORT2  "33333333-3333-4333-8333-333333333332"
#define PORT3  "33333333-3333-4333-8333-333333333333"
#define PORT4  "33333333-3333-4333-8333-333333333334"

/* One controller node: its store, key, port and (while up) southbound. */
struct node {
	char dir[64];	       /* store directory (removed once open) */
	struct store *store;   /* its state */
	zcert_t *cert;	       /* its own server key */
	int port;	       /* southbound TCP port on 127.0.0.1 */
	struct southbound *sb; /* NULL while down */
};

/* The agent as the session sees it. */
struct fake_agent {
	uint64_t rev;		  /* applied revision */
	int updates;		  /* updates applied */
	enum wire_type last_type; /* type of the last applied update */
	size_t last_rows;	  /* its rows */
	bool went_back;		  /* an update below rev reached ops.update */
};

/* One test's world. */
struct env {
	struct node a, b;	 /* A further along than B */
	struct event_base *base; /* everybody's loop */
	zcert_t *key_h1, *key_h2;
	struct fake_agent ag; /* what sbclient drives */
	struct sbclient *sc;  /* the agent's session */
};

static struct env *E;

static void host_create(struct node *n, const char *name, zcert_t *key, const char *ip)
{
	fixture_host_create(n->store, name, zcert_public_txt(key), ip);
}

/* A port on NET bound to host's interface vm<last character of id>. */
static void port_create(struct node *n, const char *id, const char *mac, const char *host)
{
	char ifname[8];

	snprintf(ifname, sizeof(ifname), "vm%c", id[strlen(id) - 1]);
	fixture_port_create(n->store, NET, id, mac, host, ifname);
}

/* The commands both nodes applied, in the same order. */
static void node_common(struct node *n)
{
	n->store = fixture_store_new(n->dir, "sbfo");
	n->cert = zcert_new();
	n->port = test_free_port();
	fixture_apply(n->store, STORE_OP_CREATE, MODEL_TENANT, TENANT, "{\"name\":\"blue\"}");
	fixture_apply(n->store, STORE_OP_CREATE, MODEL_NETWORK, NET,
		      "{\"tenant_id\":\"" TENANT "\",\"name\":\"n\"}");
	host_create(n, "h1", E->key_h1, "198.18.0.1");
	host_create(n, "h2", E->key_h2, "198.18.0.2");
	port_create(n, PORT1, "02:00:00:00:00:01", "h1");
}

/* The two commands A applied and B not yet. */
static void node_extra(struct node *n, bool publish)
{
	port_create(n, PORT2, "02:00:00:00:00:02", "h1");
	if (publish && n->sb)
		southbound_publish(n->sb);
	port_create(n, PORT3, "02:00:00:00:00:03", "h2");
	if (publish && n->sb)
		southbound_publish(n->sb);
}

static void node_up(struct node *n)
{
	char ep[64];

	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", n->port);
	n->sb = southbound_new(E->base, n->store, ep, n->cert);
	assert_non_null(n->sb);
}

static void node_free(struct node *n)
{
	southbound_destroy(&n->sb);
	store_destroy(&n->store);
	zcert_destroy(&n->cert);
}

static uint64_t ag_rev(void *arg)
{
	return ((struct fake_agent *)arg)->rev;
}

static int ag_update(void *arg, const struct wire_msg *m)
{
	struct fake_agent *ag = arg;

	if (m->update.to < ag->rev)
		ag->went_back = true;
	if (m->type == WIRE_DELTA && m->update.from != ag->rev)
		return -ESTALE;
	ag->rev = m->update.to;
	ag->updates++;
	ag->last_type = m->type;
	ag->last_rows = m->update.n_rows;
	return 0;
}

static int setup(void **state)
{
	struct sbclient_ops ops = {.rev = ag_rev, .update = ag_update};
	struct sbclient_config cfg = {.host = "h1", .heartbeat_ms = 100, .timeout_ms = 400};
	char list[512];

	zsys_handler_set(NULL);
	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	E->base = event_base_new();
	E->key_h1 = zcert_new();
	E->key_h2 = zcert_new();
	node_common(&E->a);
	node_common(&E->b);
	node_extra(&E->a, false);
	assert_true(store_revision(E->a.store) == store_revision(E->b.store) + 2);
	node_up(&E->a);
	snprintf(list, sizeof(list), "tcp://127.0.0.1:%d@%s,tcp://127.0.0.1:%d@%s", E->a.port,
		 zcert_public_txt(E->a.cert), E->b.port, zcert_public_txt(E->b.cert));
	cfg.endpoint = list;
	cfg.cert = E->key_h1;
	ops.arg = &E->ag;
	E->sc = sbclient_new(E->base, &cfg, &ops);
	assert_non_null(E->sc);
	*state = E;
	return 0;
}

static int teardown(void **state)
{
	sbclient_destroy(&E->sc);
	node_free(&E->a);
	node_free(&E->b);
	zcert_destroy(&E->key_h1);
	zcert_destroy(&E->key_h2);
	event_base_free(E->base);
	free(E);
	E = NULL;
	return 0;
}

/* Runs the loop until cond() holds or ms pass; returns cond(). */
static bool pump(bool (*cond)(void), int ms)
{
	int64_t end = zclock_mono() + ms;
	struct timeval tick = {0, 5000};

	while (!cond()) {
		if (zclock_mono() > end)
			return false;
		event_base_loopexit(E->base, &tick);
		event_base_dispatch(E->base);
	}
	return true;
}

static uint64_t want_rev;

static bool agent_at_want(void)
{
	return E->ag.rev == want_rev && sbclient_connected(E->sc);
}

static bool b_held_back(void)
{
	struct southbound_stats st;
	struct sbclient_stats cs;

	southbound_get_stats(E->b.sb, &st);
	sbclient_get_stats(E->sc, &cs);
	return st.hello_ahead > 0 && cs.rx_behind > 0;
}

static bool b_has_ack(void)
{
	struct southbound_host_info hi;

	return southbound_host_info(E->b.sb, "h1", &hi) && hi.acked_rev == want_rev;
}

static size_t expected_rows(struct store *s, const char *host)
{
	struct topology t;
	struct wire_row *rows;
	size_t n;

	assert_int_equal(store_load_topology(s, &t), 0);
	assert_int_equal(compiler_build_host(&t, host, &rows, &n), 0);
	topology_release(&t);
	free(rows);
	return n;
}

static void test_switch_to_a_node_behind(void **state)
{
	uint64_t rev_a = store_revision(E->a.store);
	struct southbound_stats st;
	char ep_b[64];
	int updates;

	/* the agent syncs from A */
	want_rev = rev_a;
	assert_true(pump(agent_at_want, 5000));
	assert_int_equal(E->ag.last_type, WIRE_SNAPSHOT);
	assert_int_equal(E->ag.last_rows, expected_rows(E->a.store, "h1"));
	updates = E->ag.updates;
	/* A goes away, B (two commands behind) comes up: the agent moves to
	 * B and is held back there, nothing applied */
	southbound_destroy(&E->a.sb);
	node_up(&E->b);
	assert_true(pump(b_held_back, 10000));
	southbound_get_stats(E->b.sb, &st);
	assert_int_equal(st.tx_snapshots, 0);
	assert_int_equal(E->ag.updates, updates);
	assert_true(E->ag.rev == rev_a);
	/* B applies the same two commands (published one by one, as the
	 * apply path does): at the agent's revision it serves the agent with
	 * an empty DELTA, the rows being the same */
	node_extra(&E->b, true);
	assert_true(store_revision(E->b.store) == rev_a);
	assert_true(pump(b_has_ack, 10000));
	assert_int_equal(E->ag.last_type, WIRE_DELTA);
	assert_int_equal(E->ag.last_rows, 0);
	southbound_get_stats(E->b.sb, &st);
	assert_int_equal(st.tx_snapshots, 0);
	assert_true(sbclient_connected(E->sc));
	snprintf(ep_b, sizeof(ep_b), "tcp://127.0.0.1:%d", E->b.port);
	assert_string_equal(sbclient_endpoint(E->sc), ep_b);
	/* and from there on, normal DELTAs from B */
	port_create(&E->b, PORT4, "02:00:00:00:00:04", "h1");
	southbound_publish(E->b.sb);
	want_rev = store_revision(E->b.store);
	assert_true(pump(b_has_ack, 5000));
	assert_int_equal(E->ag.last_type, WIRE_DELTA);
	assert_true(E->ag.last_rows > 0);
	assert_false(E->ag.went_back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_switch_to_a_node_behind, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
