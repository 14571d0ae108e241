/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_monitor.c - the drop monitor (bpf/monitor.bpf.c): off, a drop writes
 * no event; on, a drop writes one into tn_events with its reason, port,
 * network, length and the packet's first bytes; the port filter, the
 * sampler (one of every N drops) and the per-CPU rate limit (at most
 * `burst` events per millisecond, the rest counted as lost) bound them.
 */
#include <time.h>

#include "dp_harness.h"

#include "reasons.h"

/* Events read from the ring buffer by one ring_buffer__consume. */
struct mon_sink {
	struct tn_drop_event ev[2048]; /* copies */
	unsigned n;		       /* events read */
	__u64 lost;		       /* sum of their lost fields */
};

static int mon_on_event(void *ctx, void *data, size_t size)
{
	struct mon_sink *k = ctx;

	assert_int_equal(size, sizeof(struct tn_drop_event));
	if (k->n < sizeof(k->ev) / sizeof(k->ev[0]))
		memcpy(&k->ev[k->n], data, sizeof(k->ev[0]));
	k->lost += ((struct tn_drop_event *)data)->lost;
	k->n++;
	return 0;
}

/* Drains the ring buffer into a fresh *k. */
static void mon_read(struct tenet_bpf *s, struct mon_sink *k)
{
	struct ring_buffer *rb;

	memset(k, 0, sizeof(*k));
	rb = ring_buffer__new(bpf_map__fd(s->maps.tn_events), mon_on_event, k, NULL);
	assert_non_null(rb);
	assert_true(ring_buffer__consume(rb) >= 0);
	ring_buffer__free(rb);
}

static void mon_set(struct tenet_bpf *s, __u32 on, __u32 port_id, __u32 sample, __u32 burst)
{
	struct tn_monitor m = {.on = on, .port_id = port_id, .sample = sample, .burst = burst};
	__u32 k = 0;

	dp_put(s->maps.tn_monitor, &k, &m);
}

/* Sum over CPUs of the sampler's lost count. */
static __u64 mon_cpu_lost(struct tenet_bpf *s)
{
	int i, n = libbpf_num_possible_cpus();
	struct tn_monitor_cpu *v;
	__u32 k = 0;
	__u64 sum = 0;

	assert_true(n > 0);
	v = calloc(n, sizeof(*v));
	assert_non_null(v);
	assert_int_equal(
	    bpf_map__lookup_elem(s->maps.tn_monitor_cpu, &k, sizeof(k), v, n * sizeof(*v), 0), 0);
	for (i = 0; i < n; i++)
		sum += v[i].lost;
	free(v);
	return sum;
}

/* Runs the VIF program repeat times on pkt (port A); returns the verdict. */
static __u32 vif_run_n(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u32 repeat)
{
	struct __sk_buff ctx = {.ifindex = DP_IF_A};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(s->progs.tn_vif_ingress), &opts),
			 0);
	return opts.retval;
}

/* A frame from port A with a MAC that is not A's: a spoof_mac drop. */
static __u32 wrong_mac(__u8 *pkt)
{
	return dp_build_ip4(pkt, dp_mac_b, dp_mac_x, DP_IP_A, DP_IP_B);
}

/* Off (as loaded): drops are counted, no event is written. */
static void test_off_no_event(void **state)
{
	struct tenet_bpf *s = *state;
	struct mon_sink *k = calloc(1, sizeof(*k));
	__u8 pkt[128];
	__u32 len;

	assert_non_null(k);
	dp_topology(s);
	len = wrong_mac(pkt);
	assert_int_equal(vif_run_n(s, pkt, len, 3), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_MAC), 3);
	mon_read(s, k);
	assert_int_equal(k->n, 0);
	free(k);
}

/* On: one event with the drop's reason, port, network, length and bytes. */
static void test_event_fields(void **state)
{
	struct tenet_bpf *s = *state;
	struct mon_sink *k = calloc(1, sizeof(*k));
	struct tn_drop_event *ev;
	__u8 pkt[128];
	__u32 len;

	assert_non_null(k);
	dp_topology(s);
	mon_set(s, 1, 0, 0, 0);
	len = wrong_mac(pkt);
	assert_int_equal(vif_run_n(s, pkt, len, 1), DP_TC_ACT_SHOT);
	mon_read(s, k);
	assert_int_equal(k->n, 1);
	ev = &k->ev[0];
	assert_int_equal(ev->reason, TN_DROP_SPOOF_MAC);
	assert_string_equal(reasons_name(ev->reason), "spoof_mac");
	assert_int_equal(ev->port_id, DP_PORT_A);
	assert_int_equal(ev->vni, DP_VNI_BLUE);
	assert_int_equal(ev->ifindex, DP_IF_A);
	assert_int_equal(ev->flags, TN_DROP_EV_F_PORT);
	assert_int_equal(ev->len, len);
	assert_int_equal(ev->snap_len, len); /* 50 bytes: all of it */
	assert_memory_equal(ev->data, pkt, len);
	assert_int_equal(ev->lost, 0);
	assert_true(ev->ts_ns > 0);
	/* a frame longer than the snapshot: its first TN_MON_SNAP_LEN bytes */
	len = dp_build_ip6(pkt, dp_mac_b, dp_mac_a); /* IPv6 from ::, secured port */
	memset(pkt + len, 0xab, sizeof(pkt) - len);
	assert_int_equal(vif_run_n(s, pkt, sizeof(pkt), 1), DP_TC_ACT_SHOT);
	mon_read(s, k);
	assert_int_equal(k->n, 1);
	assert_int_equal(k->ev[0].reason, TN_DROP_SPOOF_IP6);
	assert_int_equal(k->ev[0].len, sizeof(pkt));
	assert_int_equal(k->ev[0].snap_len, TN_MON_SNAP_LEN);
	assert_memory_equal(k->ev[0].data, pkt, TN_MON_SNAP_LEN);
	/* a drop before any port is known (no port at that ifindex) */
	assert_int_equal(bpf_map__delete_elem(s->maps.tn_ifindex,
					      &(struct tn_ifindex_key){.ifindex = DP_IF_A},
					      sizeof(struct tn_ifindex_key), 0),
			 0);
	len = wrong_mac(pkt);
	assert_int_equal(vif_run_n(s, pkt, len, 1), DP_TC_ACT_SHOT);
	mon_read(s, k);
	assert_int_equal(k->n, 1);
	assert_int_equal(k->ev[0].reason, TN_DROP_NO_PORT);
	assert_int_equal(k->ev[0].port_id, 0);
	assert_int_equal(k->ev[0].flags, 0);
	/* off again: nothing */
	mon_set(s, 0, 0, 0, 0);
	assert_int_equal(vif_run_n(s, pkt, len, 1), DP_TC_ACT_SHOT);
	mon_read(s, k);
	assert_int_equal(k->n, 0);
	free(k);
}

/* The port filter keeps other ports' drops out. */
static void test_port_filter(void **state)
{
	struct tenet_bpf *s = *state;
	struct mon_sink *k = calloc(1, sizeof(*k));
	__u8 pkt[128];
	__u32 len;

	assert_non_null(k);
	dp_topology(s);
	len = wrong_mac(pkt);
	mon_set(s, 1, DP_PORT_B, 0, 0);
	assert_int_equal(vif_run_n(s, pkt, len, 2), DP_TC_ACT_SHOT);
	mon_read(s, k);
	assert_int_equal(k->n, 0);
	mon_set(s, 1, DP_PORT_A, 0, 0);
	assert_int_equal(vif_run_n(s, pkt, len, 2), DP_TC_ACT_SHOT);
	mon_read(s, k);
	assert_int_equal(k->n, 2);
	assert_int_equal(k->ev[1].port_id, DP_PORT_A);
	free(k);
}

/* Sampling 1/4: 40 drops (within the rate limit) give 10 events. */
static void test_sampling(void **state)
{
	struct tenet_bpf *s = *state;
	struct mon_sink *k = calloc(1, sizeof(*k));
	__u8 pkt[128];
	__u32 len;

	assert_non_null(k);
	dp_topology(s);
	len = wrong_mac(pkt);
	mon_set(s, 1, 0, 4, 1000000); /* a burst no run reaches: sampling alone */
	assert_int_equal(vif_run_n(s, pkt, len, 40), DP_TC_ACT_SHOT);
	mon_read(s, k);
	assert_int_equal(k->n, 10);
	assert_int_equal(k->lost, 0);
	assert_int_equal(mon_cpu_lost(s), 0);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_MAC), 40); /* every drop still counted */
	free(k);
}

static __u64 mon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/*
 * The rate limit: burst 2 per CPU per ms. Over 1000 drops the events are
 * at most 2 per elapsed millisecond (plus the window open at the start),
 * and every drop left out is counted: events + lost == drops.
 */
static void test_rate_limit(void **state)
{
	const __u32 drops = 1000, burst = 2;
	struct tenet_bpf *s = *state;
	struct mon_sink *k = calloc(1, sizeof(*k));
	__u64 t0, elapsed_ms;
	__u8 pkt[128];
	__u32 len;

	assert_non_null(k);
	dp_topology(s);
	len = wrong_mac(pkt);
	mon_set(s, 1, 0, 1, burst);
	t0 = mon_now_ns();
	assert_int_equal(vif_run_n(s, pkt, len, drops), DP_TC_ACT_SHOT);
	elapsed_ms = (mon_now_ns() - t0) / 1000000;
	mon_read(s, k);
	print_message("rate limit: %u drops in %llu ms -> %u events, %llu lost\n", drops,
		      (unsigned long long)elapsed_ms, k->n,
		      (unsigned long long)(k->lost + mon_cpu_lost(s)));
	assert_true(k->n >= 1);
	assert_true(k->n <= (elapsed_ms + 2) * burst);
	assert_int_equal(k->n + k->lost + mon_cpu_lost(s), drops);
	free(k);
}

#define DP_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup_fresh, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DP_TEST(test_off_no_event), DP_TEST(test_event_fields), DP_TEST(test_port_filter),
	    DP_TEST(test_sampling),	DP_TEST(test_rate_limit),
	};

	return cmocka_run_group_tests_name("bpf.monitor", tests, NULL, NULL);
}
