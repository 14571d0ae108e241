/* test_sgmaps.c - agent/sgmaps.c on real maps of the ABI's shapes (needs
 * the bpf() syscall, as the agent's other map tests): a port's tracked
 * connections found and deleted by port_id, a slot's group counters
 * cleared, and the largest counters of a slot reported (unit.sgmaps). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "sgmaps.h"

struct fixture {
	int ct;	   /* tn_ct's shape */
	int stats; /* tn_sg_stats' shape */
	int ncpus; /* possible CPUs */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ct = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "t_ct", sizeof(struct tn_ct_key),
			       sizeof(struct tn_ct), 1024, NULL);
	f->stats = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "t_sgst",
				  sizeof(struct tn_sg_stats_key), sizeof(__u64), 1024, NULL);
	f->ncpus = libbpf_num_possible_cpus();
	*state = f;
	return f->ct >= 0 && f->stats >= 0 && f->ncpus > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->ct >= 0)
		close(f->ct);
	if (f->stats >= 0)
		close(f->stats);
	free(f);
	return 0;
}

static void ct_put(int fd, uint32_t port_id, uint16_t sport)
{
	struct tn_ct_key k = {.port_id = port_id, .proto = 6, .family = 4, .sport = sport};
	struct tn_ct v = {.expires_ns = 1, .gen = 1};

	assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
}

static int ct_count(void *arg, const struct tn_ct_key *key, const struct tn_ct *ct)
{
	(void)key;
	(void)ct;
	++*(int *)arg;
	return 0;
}

/* Port 7's entries are found and deleted; port 8's stay. */
static void test_ct_by_port(void **state)
{
	struct fixture *f = *state;
	int n = 0;

	for (uint16_t i = 0; i < 100; i++)
		ct_put(f->ct, i % 2 ? 7 : 8, i);
	assert_int_equal(sgmaps_ct_foreach(f->ct, 7, ct_count, &n), 0);
	assert_int_equal(n, 50);
	assert_int_equal(sgmaps_ct_delete_port(f->ct, 7), 50);
	n = 0;
	assert_int_equal(sgmaps_ct_foreach(f->ct, 7, ct_count, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(sgmaps_ct_foreach(f->ct, 8, ct_count, &n), 0);
	assert_int_equal(n, 50);
	assert_int_equal(sgmaps_ct_delete_port(f->ct, 9), 0);
	assert_int_equal(sgmaps_ct_foreach(-1, 8, ct_count, &n), -EINVAL);
}

static void stats_put(struct fixture *f, uint32_t slot, uint32_t group, uint64_t per_cpu)
{
	struct tn_sg_stats_key k = {.slot = slot, .group = group};
	uint64_t *v = calloc((size_t)f->ncpus, sizeof(*v));

	assert_non_null(v);
	for (int c = 0; c < f->ncpus; c++)
		v[c] = per_cpu;
	assert_int_equal(bpf_map_update_elem(f->stats, &k, v, BPF_ANY), 0);
	free(v);
}

/* A slot's largest counters, summed over CPUs, at most WIRE_PORT_GROUPS;
 * cleared with the slot. */
static void test_flows_by_slot(void **state)
{
	struct fixture *f = *state;
	struct wire_port_status p = {0};
	struct sgmaps_flows *sf;

	for (uint32_t g = 1; g <= WIRE_PORT_GROUPS + 2; g++)
		stats_put(f, 3, 100 + g, g);
	stats_put(f, 4, 500, 1000);
	stats_put(f, 3, 99, 0); /* nothing counted: not reported */
	sf = sgmaps_flows_read(f->stats, f->ncpus);
	assert_non_null(sf);
	sgmaps_flows_port(sf, 3, &p);
	assert_int_equal(p.n_groups, WIRE_PORT_GROUPS);
	assert_int_equal(p.groups[0].group, 100 + WIRE_PORT_GROUPS + 2);
	assert_true(p.groups[0].flows == (uint64_t)(WIRE_PORT_GROUPS + 2) * f->ncpus);
	for (uint32_t i = 1; i < p.n_groups; i++)
		assert_true(p.groups[i].flows < p.groups[i - 1].flows);
	sgmaps_flows_port(sf, 5, &p);
	assert_int_equal(p.n_groups, 0);
	sgmaps_flows_destroy(&sf);
	assert_null(sf);
	assert_int_equal(sgmaps_stats_delete_slot(f->stats, 3), WIRE_PORT_GROUPS + 3);
	sf = sgmaps_flows_read(f->stats, f->ncpus);
	sgmaps_flows_port(sf, 3, &p);
	assert_int_equal(p.n_groups, 0);
	sgmaps_flows_port(sf, 4, &p);
	assert_int_equal(p.n_groups, 1);
	assert_int_equal(p.groups[0].group, 500);
	sgmaps_flows_destroy(&sf);
	sgmaps_flows_port(NULL, 4, &p); /* takes NULL */
	assert_null(sgmaps_flows_read(-1, f->ncpus));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ct_by_port, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flows_by_slot, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
