/* test_publish.c - the publishing layer (controller/publish.c) on its own,
 * without sessions or sockets: a real store (fixture_store.h) and a
 * recording struct publish_ops. Checks what each refresh hands over per
 * host (diff, rows, enrolled), the baseline and dirty revisions, the key
 * and port indexes (a rebound port loses its report), forgetting a
 * removed host, and the waits (acks, timeout, cancel). */
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

#include "compiler.h"
#include "fixture_store.h"
#include "publish.h"
#include "store.h"

#define TENANT "11111111-1111-4111-8111-111111111111"
#define NET    "22222222-2222-4222-8222-222222222222"
#define PORT1  "33333333-3333-4333-8333-333333333331"
#define PORT2  "33333333-3333-4333-8333-333333333332"

#define REC_MAX 8

/* One update handed over, copied. */
struct rec {
	char host[TOPO_HOST_MAX];
	uint64_t rev;
	bool enrolled;
	bool send;
	size_t n_diff;
	size_t n_rows;
};

/* One test's world. */
struct env {
	char dir[64];
	struct store *store;
	struct event_base *base;
	zcert_t *key_h1, *key_h2;
	struct publish *pub;
	struct rec recs[REC_MAX]; /* updates of the last refresh */
	size_t n_recs;
	int wait_calls;	     /* waits completed */
	int wait_status;     /* status of the last */
	size_t wait_pending; /* hosts pending at the last */
};

static struct env *E;

static void rec_host(void *arg, const struct publish_update *u)
{
	struct env *e = arg;
	struct rec *r;

	assert_true(e->n_recs < REC_MAX);
	r = &e->recs[e->n_recs++];
	snprintf(r->host, sizeof(r->host), "%s", u->host);
	r->rev = u->rev;
	r->enrolled = u->enrolled;
	r->send = u->send;
	r->n_diff = u->n_diff;
	assert_non_null(u->rows);
	r->n_rows = u->rows->n;
	assert_true(u->n_diff == 0 || u->diff);
}

/* The update for host in the last refresh; fails the test if none. */
static const struct rec *rec_get(const char *host)
{
	for (size_t i = 0; i < E->n_recs; i++)
		if (strcmp(E->recs[i].host, host) == 0)
			return &E->recs[i];
	fail_msg("no update for host %s", host);
	return NULL;
}

static int refresh(bool send)
{
	E->n_recs = 0;
	return publish_refresh(E->pub, send);
}

static void wait_cb(void *arg, int status, const char *const *pending, size_t n_pending)
{
	struct env *e = arg;

	e->wait_calls++;
	e->wait_status = status;
	e->wait_pending = n_pending;
	for (size_t i = 0; i < n_pending; i++)
		assert_non_null(pending[i]);
}

static uint32_t port_key(const char *id)
{
	json_t *obj = NULL;
	uint32_t key;

	assert_int_equal(store_get(E->store, MODEL_PORT, id, &obj), 0);
	key = (uint32_t)json_integer_value(json_object_get(obj, "port_key"));
	json_decref(obj);
	assert_true(key > 0);
	return key;
}

/* h1 and h2 enrolled, one network with PORT1 on h1, the first refresh
 * done (the baseline). */
static int setup(void **state)
{
	static const struct publish_ops ops = {.host = rec_host};

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	E->store = fixture_store_new(E->dir, "pub");
	E->base = event_base_new();
	E->key_h1 = zcert_new();
	E->key_h2 = zcert_new();
	assert_non_null(E->base);
	fixture_apply(E->store, STORE_OP_CREATE, MODEL_TENANT, TENANT, "{\"name\":\"blue\"}");
	fixture_apply(E->store, STORE_OP_CREATE, MODEL_NETWORK, NET,
		      "{\"tenant_id\":\"" TENANT "\",\"name\":\"n\"}");
	fixture_host_create(E->store, "h1", zcert_public_txt(E->key_h1), "198.18.0.1");
	fixture_host_create(E->store, "h2", zcert_public_txt(E->key_h2), "198.18.0.2");
	fixture_port_create(E->store, NET, PORT1, "02:00:00:00:00:01", "h1", "vm1");
	E->pub = publish_new(E->base, E->store, &ops, E);
	assert_non_null(E->pub);
	assert_int_equal(refresh(false), 0);
	return 0;
}

static int teardown(void **state)
{
	publish_destroy(&E->pub);
	assert_null(E->pub);
	store_destroy(&E->store);
	zcert_destroy(&E->key_h1);
	zcert_destroy(&E->key_h2);
	event_base_free(E->base);
	free(E);
	E = NULL;
	return 0;
}

/* host's rows held by the publisher are the compiler's rows for the
 * store's topology now, byte for byte. */
static void assert_rows_compiled(const char *host)
{
	const struct rowset *set = publish_host_rows(E->pub, host);
	struct topology t = {0};
	struct wire_row *rows, *want;
	size_t n_want;

	assert_non_null(set);
	assert_int_equal(store_load_topology(E->store, &t), 0);
	assert_int_equal(compiler_build_host(&t, host, &want, &n_want), 0);
	assert_int_equal(rowset_rows(set, &rows), 0);
	assert_int_equal(set->n, n_want);
	if (n_want)
		assert_memory_equal(rows, want, n_want * sizeof(*want));
	free(rows);
	free(want);
	topology_release(&t);
}

/* The first refresh hands every host its whole rows (as the compiler
 * builds them) and is the baseline: nobody is dirty. */
static void test_first_refresh(void **state)
{
	const struct rowset *set;
	uint64_t acked, dirty;

	assert_int_equal(E->n_recs, 2);
	assert_int_equal(publish_rev(E->pub), store_revision(E->store));
	assert_non_null(publish_store_id(E->pub)); /* "" : written without Raft, no identity */
	assert_true(rec_get("h1")->enrolled);
	assert_false(rec_get("h1")->send);
	assert_int_equal(rec_get("h1")->rev, publish_rev(E->pub));
	set = publish_host_rows(E->pub, "h1");
	assert_non_null(set);
	assert_int_equal(rec_get("h1")->n_rows, set->n);
	assert_int_equal(rec_get("h1")->n_diff, set->n); /* from nothing */
	assert_rows_compiled("h1");
	assert_true(publish_host_revs(E->pub, "h1", &acked, &dirty));
	assert_int_equal(acked, 0);
	assert_int_equal(dirty, 0);
	assert_null(publish_host_rows(E->pub, "h9"));
	assert_false(publish_enrolled(E->pub, "h9"));
	assert_true(publish_enrolled(E->pub, "h2"));
}

/* Keys name their hosts; ports their binding host. */
static void test_indexes(void **state)
{
	assert_string_equal(publish_key_owner(E->pub, zcert_public_txt(E->key_h1)), "h1");
	assert_string_equal(publish_key_owner(E->pub, zcert_public_txt(E->key_h2)), "h2");
	assert_null(publish_key_owner(E->pub, "nobody"));
	assert_null(publish_key_owner(E->pub, NULL));
	assert_non_null(publish_port(E->pub, port_key(PORT1)));
	assert_string_equal(publish_port(E->pub, port_key(PORT1))->host, "h1");
	assert_null(publish_port(E->pub, 999999));
}

/* A change hands its diff to the hosts it affects, marks them dirty at
 * the new revision, and tells the others the revision (no diff). */
static void test_delta_and_dirty(void **state)
{
	uint64_t rev, acked, dirty;

	fixture_port_create(E->store, NET, PORT2, "02:00:00:00:00:02", "h2", "vm2");
	rev = store_revision(E->store);
	assert_int_equal(refresh(true), 0);
	assert_int_equal(publish_rev(E->pub), rev);
	assert_int_equal(E->n_recs, 2);
	assert_true(rec_get("h2")->send);
	assert_true(rec_get("h2")->n_diff > 0); /* its own port */
	assert_true(rec_get("h1")->n_diff > 0); /* a remote port on its network */
	assert_true(publish_host_revs(E->pub, "h2", &acked, &dirty));
	assert_int_equal(dirty, rev);
	assert_rows_compiled("h1"); /* the changed rows replaced the held ones */
	assert_rows_compiled("h2");
	/* a refresh with nothing new: no diffs, nobody newly dirty */
	assert_int_equal(refresh(true), 0);
	assert_int_equal(rec_get("h1")->n_diff, 0);
	assert_int_equal(rec_get("h2")->n_diff, 0);
	assert_true(publish_host_revs(E->pub, "h2", &acked, &dirty));
	assert_int_equal(dirty, rev);
	/* a change that recompiles both hosts to the same rows: no diffs, the
	 * held rows kept as they were */
	{
		const uint8_t *held = publish_host_rows(E->pub, "h1")->buf;

		fixture_apply(E->store, STORE_OP_UPDATE, MODEL_PORT, PORT2, "{\"name\":\"web\"}");
		assert_int_equal(refresh(true), 0);
		assert_int_equal(E->n_recs, 2);
		assert_int_equal(rec_get("h1")->n_diff, 0);
		assert_int_equal(rec_get("h2")->n_diff, 0);
		assert_ptr_equal(publish_host_rows(E->pub, "h1")->buf, held);
		assert_rows_compiled("h1");
		assert_true(publish_host_revs(E->pub, "h2", &acked, &dirty));
		assert_int_equal(dirty, rev);
	}
}

/* A removed host is handed over not enrolled (with its deletions), its
 * key leaves the index, and it is forgotten once it holds nothing. */
static void test_host_removed(void **state)
{
	fixture_apply(E->store, STORE_OP_DELETE, MODEL_HOST, "h2", NULL);
	assert_int_equal(refresh(true), 0);
	assert_false(rec_get("h2")->enrolled);
	assert_true(rec_get("h2")->n_diff > 0);
	assert_int_equal(rec_get("h2")->n_rows, 0);
	assert_false(publish_enrolled(E->pub, "h2"));
	assert_false(publish_known(E->pub, "h2"));
	assert_null(publish_key_owner(E->pub, zcert_public_txt(E->key_h2)));
	assert_true(publish_known(E->pub, "h1"));
}

/* The report slot stays with the binding: kept across unrelated changes,
 * dropped (freed) when the port is rebound. */
static void test_port_report(void **state)
{
	uint32_t key = port_key(PORT1);
	struct publish_port *p = publish_port(E->pub, key);

	p->report = strdup("report");
	assert_non_null(p->report);
	fixture_port_create(E->store, NET, PORT2, "02:00:00:00:00:02", "h2", "vm2");
	assert_int_equal(refresh(true), 0);
	assert_non_null(publish_port(E->pub, key)->report);
	fixture_apply(E->store, STORE_OP_UPDATE, MODEL_PORT, PORT1,
		      "{\"binding\":{\"host\":\"h2\",\"interface\":\"vm1\"}}");
	assert_int_equal(refresh(true), 0);
	assert_string_equal(publish_port(E->pub, key)->host, "h2");
	assert_null(publish_port(E->pub, key)->report);
}

/* A wait completes when every dirty host acked, at once when none is
 * behind, with the pending hosts at a timeout, and is cancelled by
 * publish_destroy. */
static void test_waits(void **state)
{
	uint64_t rev;

	fixture_port_create(E->store, NET, PORT2, "02:00:00:00:00:02", "h2", "vm2");
	rev = store_revision(E->store);
	assert_int_equal(refresh(true), 0);
	assert_int_equal(publish_wait(E->pub, rev, 0, wait_cb, E), 0);
	assert_int_equal(E->wait_calls, 1);
	assert_int_equal(E->wait_status, -ETIMEDOUT);
	assert_int_equal(E->wait_pending, 2);
	assert_int_equal(publish_wait(E->pub, rev, 60000, wait_cb, E), 0);
	publish_ack(E->pub, "h1", rev);
	assert_int_equal(E->wait_calls, 1);
	publish_ack(E->pub, "h2", rev);
	assert_int_equal(E->wait_calls, 2);
	assert_int_equal(E->wait_status, 0);
	/* done already: at once */
	assert_int_equal(publish_wait(E->pub, rev, 60000, wait_cb, E), 0);
	assert_int_equal(E->wait_calls, 3);
	assert_int_equal(publish_wait(E->pub, rev + 1, 60000, NULL, E), -EINVAL);
	/* pending at destroy: cancelled */
	fixture_port_create(E->store, NET, "33333333-3333-4333-8333-333333333333",
			    "02:00:00:00:00:03", "h1", "vm3");
	assert_int_equal(refresh(true), 0);
	assert_int_equal(publish_wait(E->pub, publish_rev(E->pub), 60000, wait_cb, E), 0);
	assert_int_equal(E->wait_calls, 3);
	publish_destroy(&E->pub);
	assert_int_equal(E->wait_calls, 4);
	assert_int_equal(E->wait_status, -ECANCELED);
}

static void test_bad_arguments(void **state)
{
	static const struct publish_ops ops = {0};

	assert_null(publish_new(NULL, E->store, &ops, NULL));
	assert_null(publish_new(E->base, NULL, &ops, NULL));
	assert_null(publish_new(E->base, E->store, NULL, NULL));
	publish_destroy(NULL);
	assert_int_equal(publish_rev(NULL), 0);
	assert_string_equal(publish_store_id(NULL), "");
	assert_null(publish_port(NULL, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_first_refresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_indexes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delta_and_dirty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_removed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_port_report, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_waits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
