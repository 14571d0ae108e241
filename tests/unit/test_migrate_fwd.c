/* test_migrate_fwd.c - migrations whose agents talk to a follower
 * (migrate_driver.h): a follower's driver passes the destination's
 * readiness and activation to the leader's, repeats them until its store
 * shows the step, and a leader change in between neither loses nor repeats
 * a step; the report's JSON form; and what a destination must announce to
 * take a port (migrate_req.h). */
#include <errno.h>
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
#include "migrate_req.h"
#include "store.h"
#include "wire.h"

#include "fixture_migrate.h"

#define TENANT "11111111-1111-4111-8111-111111111111"
#define NET    "21111111-1111-4111-8111-111111111111"
#define PORT1  "31111111-1111-4111-8111-111111111111"

struct env {
	char dir[64];
	struct store *store;
	struct event_base *base;
	zcert_t *keys[3];
	struct migrate *leader;	       /* the leader's driver (no session of h1, h2) */
	struct migrate *follower;      /* a follower's (the sessions of h1 and h2) */
	uint64_t acked;		       /* what h2 acked on the follower */
	bool deliver;		       /* the follower's reports reach the leader */
	int proposals;		       /* steps proposed (by the leader) */
	int reports;		       /* reports the follower sent */
	struct migrate_report last;    /* the last of them */
	int delivered_rc;	       /* the leader's answer to it */
	int leader_exports, f_exports; /* CT_EXPORT sent by each */
};

static struct env *E;

#define LEADER	 ((void *)1)
#define FOLLOWER ((void *)2)

static int setup(void **state)
{
	(void)state;
	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	E->store = fixture_store_new(E->dir, "migfwd");
	E->base = event_base_new();
	assert_non_null(E->base);
	fixture_migrate_world(E->store, TENANT, NET, PORT1, E->keys);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	migrate_destroy(&E->leader);
	migrate_destroy(&E->follower);
	for (int i = 0; i < 3; i++)
		zcert_destroy(&E->keys[i]);
	event_base_free(E->base);
	store_destroy(&E->store);
	free(E);
	return 0;
}

static bool f_is_leader(void *arg)
{
	return arg == LEADER;
}

/* Both nodes apply every step (one store stands for the replicated one). */
static int f_propose(void *arg, const void *cmd, size_t len)
{
	struct store_result res;

	assert_ptr_equal(arg, LEADER); /* a follower never proposes */
	E->proposals++;
	store_apply(E->store, cmd, len, &res);
	store_result_release(&res);
	migrate_on_applied(E->leader);
	migrate_on_applied(E->follower);
	return 0;
}

/* h1 and h2 hold their sessions with the follower. */
static bool f_live(void *arg, const char *host, uint64_t *acked)
{
	if (arg != FOLLOWER || strcmp(host, "h3") == 0)
		return false;
	*acked = E->acked;
	return true;
}

static int f_export(void *arg, const char *host, uint32_t port_key, uint32_t gen, bool final)
{
	(void)port_key;
	(void)gen;
	(void) final;
	assert_string_equal(host, "h1");
	if (arg != FOLLOWER)
		return -ENOTCONN; /* the source's session is not on the leader */
	E->f_exports++;
	return 0;
}

/* The follower's HTTP call to the leader, through the JSON form. */
static int f_report(void *arg, const struct migrate_report *r)
{
	json_t *j = migrate_report_json(r);
	struct migrate_report back;

	assert_ptr_equal(arg, FOLLOWER);
	assert_non_null(j);
	assert_int_equal(migrate_report_parse(j, &back), 0);
	json_decref(j);
	E->reports++;
	E->last = back;
	if (E->deliver)
		E->delivered_rc = migrate_on_report(E->leader, &back);
	return 0;
}

static const struct migrate_ops ops = {.is_leader = f_is_leader,
				       .propose = f_propose,
				       .host_live = f_live,
				       .ct_export = f_export,
				       .report = f_report};

static const char *phase(void)
{
	static char out[32];
	json_t *o = NULL;
	const char *s;

	assert_int_equal(store_get(E->store, MODEL_PORT, PORT1, &o), 0);
	s = json_string_value(json_object_get(json_object_get(o, "migration"), "phase"));
	snprintf(out, sizeof(out), "%s", s ? s : "");
	json_decref(o);
	return out;
}

/* Runs the loop until *n reaches want (true) or 5 s pass. */
static bool run_count(const int *n, int want)
{
	int64_t end = zclock_mono() + 5000;

	while (zclock_mono() < end && *n < want)
		event_base_loop(E->base, EVLOOP_ONCE);
	return *n >= want;
}

/* Runs the loop for about ms milliseconds. */
static void run_for(int ms)
{
	int64_t end = zclock_mono() + ms;

	while (zclock_mono() < end)
		event_base_loop(E->base, EVLOOP_ONCE);
}

/* Runs the loop until PORT1's phase is want (true) or 5 s pass. */
static bool run_until(const char *want)
{
	int64_t end = zclock_mono() + 5000;

	while (zclock_mono() < end) {
		if (strcmp(phase(), want) == 0)
			return true;
		event_base_loop(E->base, EVLOOP_ONCE);
	}
	return false;
}

static uint32_t port_key(void)
{
	json_t *o = NULL;
	uint32_t k;

	assert_int_equal(store_get(E->store, MODEL_PORT, PORT1, &o), 0);
	k = (uint32_t)json_integer_value(json_object_get(o, "port_key"));
	json_decref(o);
	return k;
}

static void start(void)
{
	void *cmd;
	size_t len;
	struct store_result res;

	assert_int_equal(migrate_cmd(PORT1, TOPO_MIG_NONE, 1, TOPO_MIG_PENDING, migrate_now_ms(),
				     NULL, 0, "h2", false, 30000, 300, &cmd, &len),
			 0);
	assert_int_equal(store_apply(E->store, cmd, len, &res), 0);
	store_result_release(&res);
	free(cmd);
	migrate_on_applied(E->leader);
	migrate_on_applied(E->follower);
}

/* The whole way with both agents on the follower, the activation report
 * lost with a leader that goes away: every step once. */
static void test_follower_reports(void **state)
{
	struct migrate_report r;

	(void)state;
	E->leader = migrate_new(E->base, E->store, &ops, LEADER);
	E->follower = migrate_new(E->base, E->store, &ops, FOLLOWER);
	assert_non_null(E->leader);
	assert_non_null(E->follower);
	start();
	/* h2 has not acked its standby rows: nothing to report */
	run_for(300);
	assert_int_equal(E->reports, 0);
	assert_string_equal(phase(), "pending");
	/* it acks on the follower; the report does not arrive: still pending */
	E->acked = store_revision(E->store);
	assert_true(run_count(&E->reports, 1));
	assert_int_equal(E->last.fact, MIGRATE_FACT_READY);
	assert_string_equal(E->last.port, PORT1);
	assert_string_equal(E->last.host, "h2");
	assert_int_equal(E->last.generation, 1);
	assert_string_equal(phase(), "pending");
	/* the follower repeats it; once it arrives the leader steps, once */
	E->deliver = true;
	assert_true(run_until("standby"));
	assert_int_equal(E->delivered_rc, 0);
	assert_int_equal(E->proposals, 1);
	/* the source's session is the follower's: it sends CT_EXPORT */
	assert_true(run_count(&E->f_exports, 1));
	/* a late duplicate of the readiness changes nothing */
	r = E->last;
	assert_int_equal(migrate_on_report(E->leader, &r), 0);
	run_for(60);
	assert_int_equal(E->proposals, 1);
	/* the activation on the follower is passed at once, and lost with
	 * the leader, which goes away */
	E->deliver = false;
	migrate_on_event(E->follower, "h2", port_key(), 1, 777);
	assert_int_equal(E->last.fact, MIGRATE_FACT_ACTIVE);
	assert_true(E->last.activated_ns == 777);
	migrate_destroy(&E->leader);
	E->leader = migrate_new(E->base, E->store, &ops, LEADER);
	assert_non_null(E->leader);
	run_for(100);
	assert_string_equal(phase(), "standby");
	/* the new leader hears it from the follower's repeat */
	E->deliver = true;
	assert_true(run_until("done"));
	assert_int_equal(E->proposals, 3); /* standby, active-both, done */
	assert_int_equal(E->f_exports, 2); /* the bulk, then the final delta */
	/* nothing more to report on a migration that is over */
	E->reports = 0;
	run_for(MIGRATE_REPORT_MS + 100);
	assert_int_equal(E->reports, 0);
}

/* What the leader refuses: reports to a follower, of another generation
 * or destination, or malformed. */
static void test_report_refusals(void **state)
{
	struct migrate_report r = {
	    .port = PORT1, .generation = 1, .host = "h2", .fact = MIGRATE_FACT_READY};
	json_t *j;

	(void)state;
	E->leader = migrate_new(E->base, E->store, &ops, LEADER);
	E->follower = migrate_new(E->base, E->store, &ops, FOLLOWER);
	start();
	run_for(60);
	assert_int_equal(migrate_on_report(E->follower, &r), -EREMOTE);
	r.generation = 2;
	assert_int_equal(migrate_on_report(E->leader, &r), -ENOENT);
	r.generation = 1;
	snprintf(r.host, sizeof(r.host), "h3");
	assert_int_equal(migrate_on_report(E->leader, &r), -ENOENT);
	r.fact = 0;
	assert_int_equal(migrate_on_report(E->leader, &r), -EINVAL);
	run_for(60);
	assert_string_equal(phase(), "pending");
	assert_int_equal(E->proposals, 0);

	j = json_pack("{s:s,s:i,s:s,s:s}", "port", PORT1, "generation", 1, "host", "h2", "fact",
		      "moved");
	assert_int_equal(migrate_report_parse(j, &r), -EINVAL);
	json_object_set_new(j, "fact", json_string("active"));
	assert_int_equal(migrate_report_parse(j, &r), 0);
	assert_true(r.activated_ns == 0);
	json_object_set_new(j, "generation", json_integer(0));
	assert_int_equal(migrate_report_parse(j, &r), -EINVAL);
	json_object_set_new(j, "generation", json_integer(1));
	json_object_set_new(j, "host", json_string(""));
	assert_int_equal(migrate_report_parse(j, &r), -EINVAL);
	json_decref(j);
	assert_int_equal(migrate_report_parse(NULL, &r), -EINVAL);
}

/* A migration's requirements on its destination. */
static void test_requirements(void **state)
{
	struct migrate_caps src = {WIRE_CAP_VXLAN | WIRE_CAP_GENEVE, 1450, 10};
	struct migrate_caps dst = src, none = {0}, back;
	const char *field = NULL;
	char why[240];
	json_t *j;

	(void)state;
	assert_int_equal(migrate_req_check(&src, &dst, false, "h2", &field, why, sizeof(why)), 0);
	assert_int_equal(migrate_req_check(&src, &dst, true, "h2", &field, why, sizeof(why)), 0);
	/* an unknown source: its MTU is not compared */
	dst.overlay_mtu = 1400;
	assert_int_equal(migrate_req_check(&none, &dst, false, "h2", &field, why, sizeof(why)), 0);
	assert_int_equal(migrate_req_check(NULL, &dst, false, "h2", &field, why, sizeof(why)), 0);
	/* a smaller overlay MTU than the source's */
	assert_int_equal(migrate_req_check(&src, &dst, false, "h2", &field, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_string_equal(field, "overlay_mtu");
	assert_non_null(strstr(why, "1400"));
	assert_non_null(strstr(why, "1450"));
	dst.overlay_mtu = 9000; /* larger is fine */
	assert_int_equal(migrate_req_check(&src, &dst, false, "h2", &field, why, sizeof(why)), 0);
	/* the network's encapsulation */
	dst.encaps = WIRE_CAP_VXLAN;
	assert_int_equal(migrate_req_check(&src, &dst, false, "h2", &field, why, sizeof(why)), 0);
	assert_int_equal(migrate_req_check(&src, &dst, true, "h2", &field, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_string_equal(field, "encapsulations");
	assert_non_null(strstr(why, "geneve"));
	dst.encaps = WIRE_CAP_GENEVE;
	assert_int_equal(migrate_req_check(&src, &dst, false, "h2", &field, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(why, "vxlan"));
	/* an older datapath */
	dst = src;
	dst.abi = MIGRATE_ABI_MIN - 1;
	assert_int_equal(migrate_req_check(&src, &dst, false, "h2", &field, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_string_equal(field, "abi_version");
	/* an agent that announced nothing (older than the announcements) */
	assert_int_equal(migrate_req_check(&src, &none, false, "h2", &field, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_string_equal(field, "capabilities");
	assert_non_null(strstr(why, "h2"));

	/* the API's form round-trips; nothing known shows as nothing */
	assert_null(migrate_caps_json(&none));
	j = migrate_caps_json(&src);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "encapsulations")), 2);
	migrate_caps_parse(j, &back);
	assert_memory_equal(&back, &src, sizeof(src));
	json_decref(j);
	migrate_caps_parse(NULL, &back);
	assert_false(migrate_caps_known(&back));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_follower_reports, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_report_refusals, setup, teardown),
	    cmocka_unit_test(test_requirements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
