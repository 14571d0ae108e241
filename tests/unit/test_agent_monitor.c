/* test_agent_monitor.c - the agent's drop monitor (agent/monitor.c) over a
 * real, unpinned datapath: MONITOR on sets tn_monitor, drops run through
 * the VIF program arrive in MONITOR_EVENTS batches of the request's id with
 * CLOCK_REALTIME times and every drop accounted (sent or lost), the monitor
 * turns itself off when its timeout passes without renewal, off is off, and
 * bad requests are refused. Needs root (bpf()). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <event2/event.h>
#include <linux/types.h>

#include "monitor.h"
#include "tenet.skel.h"
#include "tenet_abi.h"

/* What the monitor sent. */
struct sink {
	unsigned batches;	    /* MONITOR_EVENTS sent */
	unsigned events;	    /* events in them */
	uint64_t lost;		    /* sum of their lost fields */
	uint32_t id;		    /* id of the last batch */
	struct tn_drop_event first; /* the first event */
	int fail;		    /* fail this many sends */
};

struct fixture {
	struct event_base *base;
	struct tenet_bpf *skel;
	struct monitor *mon;
	struct sink sink;
};

static int sink_send(void *arg, const struct wire_monitor_events *ev)
{
	struct sink *k = arg;

	if (k->fail > 0) {
		k->fail--;
		return -EAGAIN;
	}
	assert_true(ev->n >= 1 && ev->n <= WIRE_MONITOR_BATCH);
	assert_int_equal(ev->err, 0);
	for (uint32_t i = 0; i < ev->n; i++) {
		struct tn_drop_event e;

		assert_true(wire_drop_event_valid(ev->ev[i]));
		memcpy(&e, ev->ev[i], sizeof(e));
		if (k->events == 0 && i == 0)
			k->first = e;
		k->lost += e.lost;
	}
	k->batches++;
	k->events += ev->n;
	k->id = ev->id;
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct bpf_map *map;

	if (!f)
		return -1;
	f->base = event_base_new();
	f->skel = tenet_bpf__open();
	if (!f->base || !f->skel)
		return -1;
	bpf_object__for_each_map(map, f->skel->obj)
	{
		if (bpf_map__set_pin_path(map, NULL))
			return -1;
	}
	if (tenet_bpf__load(f->skel))
		return -1;
	f->mon = monitor_new(f->base, bpf_map__fd(f->skel->maps.tn_monitor),
			     bpf_map__fd(f->skel->maps.tn_events), sink_send, &f->sink);
	if (!f->mon)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	monitor_destroy(&f->mon);
	tenet_bpf__destroy(f->skel);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* tn_monitor as the datapath sees it. */
static struct tn_monitor cfg(struct fixture *f)
{
	struct tn_monitor m;
	__u32 k = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.tn_monitor), &k, &m), 0);
	return m;
}

/* n drops: frames on an ifindex that is no port (TN_DROP_NO_PORT). */
static void drops(struct fixture *f, __u32 n)
{
	static __u8 pkt[60] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45};
	struct __sk_buff ctx = {.ifindex = 1};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = n);

	assert_int_equal(
	    bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.tn_vif_ingress), &opts), 0);
	assert_int_equal(opts.retval, 2); /* TC_ACT_SHOT */
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs the loop until cond(f) or ms pass; returns cond(f). */
static bool loop_until(struct fixture *f, bool (*cond)(struct fixture *), int ms)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;
	struct timeval tick = {0, 20000};

	while (!cond(f) && now_ns(CLOCK_MONOTONIC) < end) {
		event_base_loopexit(f->base, &tick);
		event_base_dispatch(f->base);
	}
	return cond(f);
}

static __u64 cpu_lost(struct fixture *f)
{
	int n = libbpf_num_possible_cpus();
	struct tn_monitor_cpu *v = calloc(n, sizeof(*v));
	__u32 k = 0;
	__u64 sum = 0;

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.tn_monitor_cpu), &k, v), 0);
	for (int i = 0; i < n; i++)
		sum += v[i].lost;
	free(v);
	return sum;
}

static struct fixture *g_f;
static __u32 g_want;

/* Every drop accounted: sent, reported lost, or still counted per CPU. */
static bool all_accounted(struct fixture *f)
{
	return f->sink.events + f->sink.lost + cpu_lost(f) >= g_want;
}

static bool is_off(struct fixture *f)
{
	struct monitor_stats st;

	monitor_get_stats(f->mon, &st);
	return !st.on;
}

static void test_events_and_timeout(void **state)
{
	struct fixture *f = *state;
	struct wire_monitor on = {.id = 7, .on = true, .timeout_s = 1};
	struct monitor_stats st;
	int64_t t0 = now_ns(CLOCK_REALTIME);

	g_f = f;
	assert_int_equal(cfg(f).on, 0); /* off as created */
	drops(f, 5);			/* off: nothing */
	assert_int_equal(monitor_set(f->mon, &on), 0);
	assert_int_equal(cfg(f).on, 1);
	assert_int_equal(cfg(f).port_id, 0);
	g_want = 300;
	drops(f, g_want);
	assert_true(loop_until(f, all_accounted, 3000));
	assert_int_equal(f->sink.events + f->sink.lost + cpu_lost(f), g_want);
	assert_true(f->sink.events >= 1);
	assert_int_equal(f->sink.id, 7);
	assert_int_equal(f->sink.first.reason, TN_DROP_NO_PORT);
	assert_int_equal(f->sink.first.ifindex, 1);
	assert_int_equal(f->sink.first.len, 60);
	/* its time is wall-clock time now, not time since boot */
	assert_true((int64_t)f->sink.first.ts_ns >= t0 - 1000000000);
	assert_true((int64_t)f->sink.first.ts_ns <= now_ns(CLOCK_REALTIME) + 1000000000);
	monitor_get_stats(f->mon, &st);
	assert_true(st.on);
	assert_int_equal(st.sessions, 1);
	assert_int_equal(st.events_sent, f->sink.events);
	/* nobody renews: off by itself after its timeout */
	assert_true(loop_until(f, is_off, 3000));
	assert_int_equal(cfg(f).on, 0);
}

static void test_renew_filter_off(void **state)
{
	struct fixture *f = *state;
	struct wire_monitor on = {.id = 8, .on = true, .port_id = 42, .timeout_s = 600};
	struct wire_monitor off = {.id = 8};
	struct monitor_stats st;

	assert_int_equal(monitor_set(f->mon, &on), 0);
	assert_int_equal(cfg(f).port_id, 42);
	on.port_id = 0;
	assert_int_equal(monitor_set(f->mon, &on), 0); /* a renewal, new filter */
	assert_int_equal(cfg(f).port_id, 0);
	monitor_get_stats(f->mon, &st);
	assert_int_equal(st.sessions, 1);
	assert_int_equal(monitor_set(f->mon, &off), 0);
	assert_int_equal(cfg(f).on, 0);
	monitor_get_stats(f->mon, &st);
	assert_false(st.on);
	/* refused: a timeout of 0 or above the maximum, NULL */
	on.timeout_s = 0;
	assert_int_equal(monitor_set(f->mon, &on), -EINVAL);
	on.timeout_s = WIRE_MONITOR_MAX_S + 1;
	assert_int_equal(monitor_set(f->mon, &on), -EINVAL);
	assert_int_equal(monitor_set(f->mon, NULL), -EINVAL);
	assert_int_equal(monitor_set(NULL, &off), -EINVAL);
	assert_int_equal(cfg(f).on, 0);
}

/* A batch that cannot be sent is counted as lost and reported with the
 * next event sent. */
static void test_failed_send_counted(void **state)
{
	struct fixture *f = *state;
	struct wire_monitor on = {.id = 9, .on = true, .timeout_s = 600};
	struct monitor_stats st;

	assert_int_equal(monitor_set(f->mon, &on), 0);
	f->sink.fail = 1;
	g_want = 1;
	drops(f, 1);
	/* the failed send leaves nothing in the sink: wait for the loss */
	for (int i = 0; i < 100; i++) {
		monitor_get_stats(f->mon, &st);
		if (st.events_lost >= 1)
			break;
		loop_until(f, all_accounted, 20);
	}
	monitor_get_stats(f->mon, &st);
	assert_int_equal(st.events_lost, 1);
	assert_int_equal(f->sink.events, 0);
	/* the next drop that is sent says one was lost before it (8 per ms per
	 * CPU get through: 1 drop always does once the window moved on) */
	g_want = 1;
	for (int i = 0; i < 40 && !f->sink.events; i++) {
		drops(f, 1);
		loop_until(f, all_accounted, 50);
	}
	assert_true(f->sink.events >= 1);
	assert_true(f->sink.lost >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_events_and_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_renew_filter_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_send_counted, setup, teardown),
	};

	return cmocka_run_group_tests_name("unit.agent_monitor", tests, NULL, NULL);
}
