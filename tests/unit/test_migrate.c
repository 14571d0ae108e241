/* test_migrate.c - the migration state machine: its decisions
 * (migrate_next), its conditional store steps (store_migrate.c: refusals,
 * duplicates refused), and the driver (migrate_driver.h) on a real store with
 * fake agents: standby on the destination's ack, activation once however
 * often it is reported, done after the grace window, rolled back after the
 * timeout, and a drain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <czmq.h>
#include <event2/event.h>

#include "migrate_driver.h"
#include "store.h"

#include "fixture_migrate.h"

#define TENANT "11111111-1111-4111-8111-111111111111"
#define NET    "21111111-1111-4111-8111-111111111111"
#define PORT1  "31111111-1111-4111-8111-111111111111"
#define PORT2  "32222222-2222-4222-8222-222222222222"

struct env {
	char dir[64];
	struct store *store;
	struct event_base *base;
	zcert_t *keys[3];
	struct migrate *mig;
	uint64_t acked;	     /* what every fake agent acked */
	bool dead_h3;	     /* h3 has no session */
	int exports, finals; /* CT_EXPORT sent (final ones) */
	int proposals;	     /* steps proposed */
	int port_lists;	     /* store_list calls for every port */
};

static struct env *E;

/* store_list is wrapped at link time (tests/unit/CMakeLists.txt): the
 * driver's reads of every port are counted. */
int __real_store_list(struct store *s, enum model_kind kind, const json_t *filter, json_t **out);
int __wrap_store_list(struct store *s, enum model_kind kind, const json_t *filter, json_t **out);

int __wrap_store_list(struct store *s, enum model_kind kind, const json_t *filter, json_t **out)
{
	if (E && kind == MODEL_PORT)
		E->port_lists++;
	return __real_store_list(s, kind, filter, out);
}

static int setup(void **state)
{
	(void)state;
	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	E->store = fixture_store_new(E->dir, "migrate");
	E->base = event_base_new();
	assert_non_null(E->base);
	fixture_migrate_world(E->store, TENANT, NET, PORT1, E->keys);
	fixture_apply(E->store, STORE_OP_CREATE, MODEL_PORT, PORT2,
		      "{\"network_id\":\"" NET "\",\"mac_address\":\"02:00:00:00:00:02\"}");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	migrate_destroy(&E->mig);
	for (int i = 0; i < 3; i++)
		zcert_destroy(&E->keys[i]);
	event_base_free(E->base);
	store_destroy(&E->store);
	free(E);
	return 0;
}

/* Applies a step of PORT1; returns the store's code, *err the reason. */
static int step(const char *port, enum topo_mig_phase from, uint32_t gen, enum topo_mig_phase to,
		const char *target, int64_t timeout_ms, int64_t grace_ms, struct model_error *err)
{
	struct store_result res;
	void *cmd;
	size_t len;
	int rc;

	assert_int_equal(migrate_cmd(port, from, gen, to, migrate_now_ms(), NULL, 0, target, false,
				     timeout_ms, grace_ms, &cmd, &len),
			 0);
	rc = store_apply(E->store, cmd, len, &res);
	if (err)
		*err = res.err;
	store_result_release(&res);
	free(cmd);
	return rc;
}

static json_t *port(const char *id)
{
	json_t *o = NULL;

	assert_int_equal(store_get(E->store, MODEL_PORT, id, &o), 0);
	return o;
}

static const char *mig_str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(json_object_get(o, "migration"), k));
}

static const char *bound(json_t *o)
{
	return json_string_value(json_object_get(json_object_get(o, "binding"), "host"));
}

static void test_next(void **state)
{
	struct migrate_state s = {
	    .phase = TOPO_MIG_PENDING, .timeout_ms = 1000, .grace_ms = 500, .requested_at = 10000};
	const char *why;

	(void)state;
	assert_int_equal(migrate_next(&s, 10100, &why), TOPO_MIG_NONE);
	s.target_acked = true;
	assert_int_equal(migrate_next(&s, 10100, &why), TOPO_MIG_STANDBY);
	s.target_acked = false;
	assert_int_equal(migrate_next(&s, 11001, &why), TOPO_MIG_ROLLED_BACK);
	assert_string_equal(why, "destination not ready in time");
	s.phase = TOPO_MIG_STANDBY;
	assert_int_equal(migrate_next(&s, 10500, &why), TOPO_MIG_NONE);
	assert_int_equal(migrate_next(&s, 11001, &why), TOPO_MIG_ROLLED_BACK);
	assert_string_equal(why, "not activated in time");
	s.activated = true; /* an activation wins over a late timer */
	assert_int_equal(migrate_next(&s, 11001, &why), TOPO_MIG_ACTIVE_BOTH);
	s.activated = false;
	s.activate = true;
	assert_int_equal(migrate_next(&s, 10500, &why), TOPO_MIG_ACTIVE_BOTH);
	s.phase = TOPO_MIG_ACTIVE_BOTH;
	s.activated_at = 20000;
	assert_int_equal(migrate_next(&s, 20499, &why), TOPO_MIG_NONE);
	assert_int_equal(migrate_next(&s, 20500, &why), TOPO_MIG_DONE);
	/* once active, never rolled back */
	assert_int_equal(migrate_next(&s, 99999, &why), TOPO_MIG_DONE);
	s.phase = TOPO_MIG_DONE;
	assert_int_equal(migrate_next(&s, 99999, &why), TOPO_MIG_NONE);
	s.phase = TOPO_MIG_ROLLED_BACK;
	assert_int_equal(migrate_next(&s, 99999, &why), TOPO_MIG_NONE);
}

/* The whole way, each step applied once: a duplicate is refused (-EBUSY)
 * and changes nothing. */
static void test_store_steps(void **state)
{
	struct model_error err;
	uint64_t rev;
	json_t *o;

	(void)state;
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h2", 30000, 0, &err), 0);
	o = port(PORT1);
	assert_string_equal(mig_str(o, "phase"), "pending");
	assert_string_equal(mig_str(o, "source_host"), "h1");
	assert_string_equal(mig_str(o, "target_host"), "h2");
	assert_string_equal(bound(o), "h1");
	json_decref(o);
	/* a second start while one is under way */
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 2, TOPO_MIG_PENDING, "h3", 30000, 0, &err),
			 -EBUSY);
	assert_string_equal(err.code, "migration_in_progress");
	assert_int_equal(step(PORT1, TOPO_MIG_PENDING, 1, TOPO_MIG_STANDBY, NULL, 0, 0, NULL), 0);
	rev = store_revision(E->store);
	assert_int_equal(step(PORT1, TOPO_MIG_PENDING, 1, TOPO_MIG_STANDBY, NULL, 0, 0, &err),
			 -EBUSY);
	assert_string_equal(err.code, "phase_changed");
	assert_int_equal(store_revision(E->store), rev);
	/* a step of another generation */
	assert_int_equal(step(PORT1, TOPO_MIG_STANDBY, 2, TOPO_MIG_ACTIVE_BOTH, NULL, 0, 0, NULL),
			 -EBUSY);
	assert_int_equal(step(PORT1, TOPO_MIG_STANDBY, 1, TOPO_MIG_ACTIVE_BOTH, NULL, 0, 0, NULL),
			 0);
	o = port(PORT1);
	assert_string_equal(mig_str(o, "phase"), "active-both");
	assert_string_equal(bound(o), "h2"); /* rebound in the same write */
	json_decref(o);
	assert_int_equal(step(PORT1, TOPO_MIG_STANDBY, 1, TOPO_MIG_ACTIVE_BOTH, NULL, 0, 0, NULL),
			 -EBUSY);
	/* too late to roll back */
	assert_int_equal(
	    step(PORT1, TOPO_MIG_ACTIVE_BOTH, 1, TOPO_MIG_ROLLED_BACK, NULL, 0, 0, NULL), -EINVAL);
	assert_int_equal(step(PORT1, TOPO_MIG_ACTIVE_BOTH, 1, TOPO_MIG_DONE, NULL, 0, 0, NULL), 0);
	assert_int_equal(step(PORT1, TOPO_MIG_ACTIVE_BOTH, 1, TOPO_MIG_DONE, NULL, 0, 0, NULL),
			 -EBUSY);
	o = port(PORT1);
	assert_string_equal(mig_str(o, "phase"), "done");
	assert_non_null(json_object_get(json_object_get(o, "migration"), "done_at"));
	json_decref(o);
	/* the next one must be generation 2 */
	assert_int_equal(step(PORT1, TOPO_MIG_DONE, 1, TOPO_MIG_PENDING, "h1", 30000, 0, NULL),
			 -EBUSY);
	assert_int_equal(step(PORT1, TOPO_MIG_DONE, 2, TOPO_MIG_PENDING, "h1", 30000, 0, NULL), 0);
}

static void test_refusals(void **state)
{
	struct model_error err;
	json_t *d;
	void *cmd;
	size_t len;
	struct store_result res;

	(void)state;
	assert_int_equal(step(PORT2, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h2", 1000, 0, &err),
			 -EINVAL);
	assert_string_equal(err.code, "port_unbound");
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h1", 1000, 0, &err),
			 -EINVAL);
	assert_string_equal(err.code, "same_host");
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "nohost", 1000, 0, &err),
			 -EINVAL);
	assert_string_equal(err.code, "unknown_host");
	/* not a step of the machine */
	assert_int_equal(step(PORT1, TOPO_MIG_PENDING, 0, TOPO_MIG_DONE, NULL, 0, 0, &err),
			 -EINVAL);
	/* a drained host takes no migrations */
	d = json_pack("{s:s}", "state", "draining");
	assert_int_equal(migrate_drain_cmd("h3", d, &cmd, &len), 0);
	assert_int_equal(store_apply(E->store, cmd, len, &res), 0);
	store_result_release(&res);
	free(cmd);
	json_decref(d);
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h3", 1000, 0, &err),
			 -EBUSY);
	assert_string_equal(err.code, "host_drained");
	/* while migrating, the binding is the migration's */
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h2", 1000, 0, NULL), 0);
	assert_int_equal(fixture_try_apply(E->store, STORE_OP_UPDATE, MODEL_PORT, PORT1,
					   "{\"binding\":{\"host\":\"h3\",\"interface\":\"vm1\"}}",
					   &err),
			 -EBUSY);
	assert_string_equal(err.code, "migration_in_progress");
	/* other fields may still change */
	fixture_apply(E->store, STORE_OP_UPDATE, MODEL_PORT, PORT1, "{\"name\":\"web\"}");
	/* nobody writes the migration member by hand */
	assert_int_equal(fixture_try_apply(E->store, STORE_OP_UPDATE, MODEL_PORT, PORT1,
					   "{\"migration\":null}", &err),
			 -EINVAL);
	/* abort: rolled back, still on its source */
	assert_int_equal(step(PORT1, TOPO_MIG_PENDING, 1, TOPO_MIG_ROLLED_BACK, NULL, 0, 0, NULL),
			 0);
	json_t *o = port(PORT1);

	assert_string_equal(mig_str(o, "phase"), "rolled-back");
	assert_string_equal(bound(o), "h1");
	json_decref(o);
}

/* ---- the driver with fake agents ---- */

static bool f_leader(void *arg)
{
	(void)arg;
	return true;
}

static int f_propose(void *arg, const void *cmd, size_t len)
{
	struct store_result res;

	(void)arg;
	E->proposals++;
	store_apply(E->store, cmd, len, &res);
	store_result_release(&res);
	migrate_on_applied(E->mig);
	return 0;
}

static bool f_live(void *arg, const char *host, uint64_t *acked)
{
	(void)arg;
	if (E->dead_h3 && strcmp(host, "h3") == 0)
		return false;
	*acked = E->acked;
	return true;
}

static int f_export(void *arg, const char *host, uint32_t port_key, uint32_t gen, bool final)
{
	(void)arg;
	(void)port_key;
	(void)gen;
	assert_string_equal(host, "h1"); /* the source */
	E->exports++;
	E->finals += final;
	return 0;
}

static void driver_new(void)
{
	static const struct migrate_ops ops = {.is_leader = f_leader,
					       .propose = f_propose,
					       .host_live = f_live,
					       .ct_export = f_export};

	E->mig = migrate_new(E->base, E->store, &ops, NULL);
	assert_non_null(E->mig);
}

/* Runs the loop until PORT1's phase is want (true) or 5 s pass (false). */
static bool run_until(const char *want)
{
	int64_t end = zclock_mono() + 5000;

	while (zclock_mono() < end) {
		json_t *o = port(PORT1);
		bool ok = mig_str(o, "phase") && strcmp(mig_str(o, "phase"), want) == 0;

		json_decref(o);
		if (ok)
			return true;
		event_base_loop(E->base, EVLOOP_ONCE);
	}
	return false;
}

static uint32_t port_key(void)
{
	json_t *o = port(PORT1);
	uint32_t k = (uint32_t)json_integer_value(json_object_get(o, "port_key"));

	json_decref(o);
	return k;
}

static void test_driver_complete(void **state)
{
	json_t *o;

	(void)state;
	driver_new();
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h2", 30000, 50, NULL), 0);
	/* pending until the destination acks the revision with its rows */
	E->acked = 0;
	for (int i = 0; i < 5; i++)
		event_base_loop(E->base, EVLOOP_ONCE);
	o = port(PORT1);
	assert_string_equal(mig_str(o, "phase"), "pending");
	json_decref(o);
	E->acked = store_revision(E->store);
	assert_true(run_until("standby"));
	assert_true(run_until("standby"));
	event_base_loop(E->base, EVLOOP_ONCE);
	assert_int_equal(E->exports, 1);
	/* the wrong host, or the wrong generation, activates nothing */
	migrate_on_event(E->mig, "h3", port_key(), 1, 5);
	migrate_on_event(E->mig, "h2", port_key(), 9, 5);
	for (int i = 0; i < 3; i++)
		event_base_loop(E->base, EVLOOP_ONCE);
	o = port(PORT1);
	assert_string_equal(mig_str(o, "phase"), "standby");
	json_decref(o);
	/* the activation, reported three times (event, STATUS, event) */
	E->proposals = 0;
	migrate_on_event(E->mig, "h2", port_key(), 1, 1234);
	migrate_on_event(E->mig, "h2", port_key(), 1, 1234);
	migrate_on_event(E->mig, "h2", port_key(), 1, 0);
	assert_true(run_until("done"));
	assert_int_equal(E->proposals, 2); /* active-both, done: each once */
	assert_int_equal(E->finals, 1);
	o = port(PORT1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(o, "migration"), "generation")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(o, "migration"), "activated_ns")),
	    1234);
	assert_string_equal(bound(o), "h2");
	json_decref(o);
}

static void test_driver_timeout(void **state)
{
	json_t *o;

	(void)state;
	driver_new();
	E->acked = UINT64_MAX;
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h2", 200, 0, NULL), 0);
	assert_true(run_until("standby"));
	assert_true(run_until("rolled-back"));
	o = port(PORT1);
	assert_string_equal(mig_str(o, "reason"), "not activated in time");
	assert_string_equal(bound(o), "h1");
	json_decref(o);
}

/* A new driver (a new leader) resumes from the stored phase. */
static void test_driver_resume(void **state)
{
	(void)state;
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h2", 30000, 0, NULL), 0);
	assert_int_equal(step(PORT1, TOPO_MIG_PENDING, 1, TOPO_MIG_STANDBY, NULL, 0, 0, NULL), 0);
	driver_new();
	E->acked = UINT64_MAX;
	for (int i = 0; i < 3; i++)
		event_base_loop(E->base, EVLOOP_ONCE);
	migrate_on_event(E->mig, "h2", port_key(), 1, 0);
	assert_true(run_until("done"));
}

/* Runs the loop until the driver's view of PORT1 involving h2 is want, or
 * 5 s pass. */
static bool run_until_involves(bool want)
{
	int64_t end = zclock_mono() + 5000;

	while (zclock_mono() < end) {
		if (migrate_port_involves(E->mig, port_key(), "h2") == want)
			return true;
		event_base_loop(E->base, EVLOOP_ONCE);
	}
	return false;
}

/*
 * After its first read of every port the driver follows the store through
 * its change log: a migration started later is picked up and driven, one
 * that ended is dropped, and no write makes it list every port again (at
 * 10,000 ports each list took the main thread ~100 ms).
 */
static void test_driver_follows_changes(void **state)
{
	(void)state;
	driver_new();
	E->acked = UINT64_MAX;
	event_base_loop(E->base, EVLOOP_ONCE); /* the first tick reads every port */
	assert_int_equal(E->port_lists, 1);
	assert_false(migrate_port_involves(E->mig, port_key(), "h2"));
	assert_int_equal(step(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, "h2", 30000, 0, NULL), 0);
	migrate_on_applied(E->mig);
	assert_true(run_until("standby"));
	assert_true(run_until_involves(true));
	/* other ports' writes come and go */
	fixture_apply(E->store, STORE_OP_UPDATE, MODEL_PORT, PORT2, "{\"name\":\"other\"}");
	migrate_on_applied(E->mig);
	/* aborted (the API's abort): the driver forgets it */
	assert_int_equal(step(PORT1, TOPO_MIG_STANDBY, 1, TOPO_MIG_ROLLED_BACK, NULL, 0, 0, NULL),
			 0);
	migrate_on_applied(E->mig);
	assert_true(run_until_involves(false));
	assert_int_equal(E->port_lists, 1);
}

static void test_drain(void **state)
{
	json_t *d, *h = NULL, *o;
	struct store_result res;
	void *cmd;
	size_t len;
	int64_t end;

	(void)state;
	driver_new();
	E->acked = UINT64_MAX;
	E->dead_h3 = true; /* so the target is h2 */
	d = json_pack("{s:s,s:b,s:I,s:i,s:i,s:i}", "state", "draining", "activate", 1, "started_at",
		      (json_int_t)migrate_now_ms() - 1, "ports_total", 1, "ports_moved", 0,
		      "ports_failed", 0);
	assert_int_equal(migrate_drain_cmd("h1", d, &cmd, &len), 0);
	assert_int_equal(store_apply(E->store, cmd, len, &res), 0);
	store_result_release(&res);
	free(cmd);
	json_decref(d);
	end = zclock_mono() + 8000;
	while (zclock_mono() < end) {
		const char *st;

		json_decref(h);
		h = NULL;
		assert_int_equal(store_get(E->store, MODEL_HOST, "h1", &h), 0);
		st = json_string_value(json_object_get(json_object_get(h, "drain"), "state"));
		if (st && strcmp(st, "drained") == 0)
			break;
		event_base_loop(E->base, EVLOOP_ONCE);
	}
	d = json_object_get(h, "drain");
	assert_string_equal(json_string_value(json_object_get(d, "state")), "drained");
	assert_int_equal(json_integer_value(json_object_get(d, "ports_moved")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "ports_failed")), 0);
	json_decref(h);
	o = port(PORT1);
	assert_string_equal(bound(o), "h2");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_next),
	    cmocka_unit_test_setup_teardown(test_store_steps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_driver_complete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_driver_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_driver_resume, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_driver_follows_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
