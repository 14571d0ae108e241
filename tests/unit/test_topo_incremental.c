/* test_topo_incremental.c - incremental topology and recompilation
 * (store_update_topology, controller/topo_delta.c): after every write of a
 * random sequence, the topology kept up to date from the change log equals
 * a full store_load_topology, and recompiling only the hosts topo_delta
 * says are affected leaves every host with the rows a full compile gives,
 * security groups, rules, ports' groups and address pairs included; a port
 * joining an identity others hold recompiles its network's hosts only. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>

#include <cmocka.h>

#include "compiler.h"
#include "fixture_store.h"
#include "store.h"
#include "topo_delta.h"

#define T_TEN  "00000000-0000-4000-8000-000000000001"
#define N_HOST 6  /* h0..h5 */
#define N_PORT 12 /* ports 0..11, on network port % N_NET */
#define N_NET  3  /* networks 0 and 1 may be routed with each other (R_ID), 2 is not */
#define R_ID   "00000000-0000-4000-8000-0000000000c0"
#define T_KEY  "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

static const char *nets[N_NET] = {"00000000-0000-4000-8000-0000000000a0",
				  "00000000-0000-4000-8000-0000000000a1",
				  "00000000-0000-4000-8000-0000000000a2"};
static const char *subs[N_NET] = {"00000000-0000-4000-8000-0000000000b0",
				  "00000000-0000-4000-8000-0000000000b1",
				  "00000000-0000-4000-8000-0000000000b2"};
static const char *rifs[2] = {"00000000-0000-4000-8000-0000000000d0",
			      "00000000-0000-4000-8000-0000000000d1"};

/* The store under test, in a temporary directory (removed by teardown). */
static char dir[64];
static struct store *store;

static int teardown(void **state)
{
	char path[128];

	(void)state;
	store_destroy(&store);
	if (dir[0]) {
		snprintf(path, sizeof(path), "%s/data.mdb", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/lock.mdb", dir);
		unlink(path);
		rmdir(dir);
		dir[0] = '\0';
	}
	return 0;
}

/* Applies one command; true if applied (rejections are expected). */
static bool run(enum store_op op, enum model_kind kind, const char *id, const char *body)
{
	return fixture_try_apply(store, op, kind, id, body, NULL) == 0;
}

static void port_id(char *out, int i)
{
	sprintf(out, "00000000-0000-4000-8000-0000000001%02d", i);
}

/* Router R_ID's interface k (0, 1) on subnet k: created or deleted. */
static bool rif_write(int k, bool create)
{
	char body[160];

	if (!create)
		return run(STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, rifs[k], "");
	snprintf(body, sizeof(body), "{\"router_id\":\"" R_ID "\",\"subnet_id\":\"%s\"}", subs[k]);
	return run(STORE_OP_CREATE, MODEL_ROUTER_INTERFACE, rifs[k], body);
}

#define N_SG 3	       /* security groups sg 0..2 */
static int sg_applied; /* security group writes applied in this sequence */
static const char *sgs[N_SG] = {"00000000-0000-4000-8000-0000000000e0",
				"00000000-0000-4000-8000-0000000000e1",
				"00000000-0000-4000-8000-0000000000e2"};

/* A security group write: a group created or deleted, a rule added (of a
 * random kind, perhaps naming another group as remote) or deleted, a
 * port's groups, port security or address pairs changed. */
static bool sg_write(int p)
{
	static const char *const matches[] = {
	    "\"protocol\":\"tcp\",\"port_range_min\":80,\"port_range_max\":80",
	    "\"protocol\":\"udp\",\"port_range_min\":1000,\"port_range_max\":1999",
	    "\"protocol\":\"icmp\",\"port_range_min\":8",
	    "\"protocol\":null",
	    "\"protocol\":\"tcp\",\"remote_ip_prefix\":\"10.0.0.0/8\"",
	    "\"protocol\":\"tcp\",\"remote_ip_prefix\":\"10.0.1.0/24\""};
	int g = rand() % N_SG, r = rand() % 8;
	char id[40], body[512];

	port_id(id, p);
	switch (r) {
	case 0:
		if (rand() % 4 == 0)
			return run(STORE_OP_DELETE, MODEL_SECURITY_GROUP, sgs[g], "");
		snprintf(body, sizeof(body), "{\"tenant_id\":\"" T_TEN "\",\"name\":\"g%d\"}", g);
		return run(STORE_OP_CREATE, MODEL_SECURITY_GROUP, sgs[g], body);
	case 1:
	case 2: {
		int m = rand() % 6, k = rand() % 12;
		char rid[40];

		sprintf(rid, "00000000-0000-4000-8000-0000000002%02d", k);
		if (rand() % 3 == 0)
			return run(STORE_OP_DELETE, MODEL_SECURITY_GROUP_RULE, rid, "");
		snprintf(body, sizeof(body),
			 "{\"security_group_id\":\"%s\",\"direction\":\"%s\",%s}", sgs[g],
			 rand() % 2 ? "ingress" : "egress", matches[m]);
		if (m < 4 && rand() % 2) { /* a remote group instead of any address */
			size_t n = strlen(body) - 1;

			snprintf(body + n, sizeof(body) - n, ",\"remote_group_id\":\"%s\"}",
				 sgs[rand() % N_SG]);
		}
		return run(STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE, rid, body);
	}
	case 3:
	case 4:
		if (rand() % 2)
			snprintf(body, sizeof(body), "{\"security_groups\":[\"%s\"]}", sgs[g]);
		else
			snprintf(body, sizeof(body), "{\"security_groups\":[\"%s\",\"%s\"]}",
				 sgs[g], sgs[(g + 1) % N_SG]);
		return run(STORE_OP_UPDATE, MODEL_PORT, id, body);
	case 5:
		return run(STORE_OP_UPDATE, MODEL_PORT, id,
			   "{\"port_security_enabled\":false,\"security_groups\":[],"
			   "\"allowed_address_pairs\":[]}");
	case 6:
		return run(STORE_OP_UPDATE, MODEL_PORT, id,
			   "{\"port_security_enabled\":true,\"security_groups\":[]}");
	default:
		snprintf(body, sizeof(body),
			 "{\"allowed_address_pairs\":[{\"ip_address\":\"10.0.%d.%d\"},"
			 "{\"ip_address\":\"fd00::%d\",\"mac_address\":\"02:00:00:00:00:%02d\"}]}",
			 p % N_NET, 200 + p % 10, p, p % 5);
		return run(STORE_OP_UPDATE, MODEL_PORT, id, body);
	}
}

/* One random write: port create (bound or not)/rebind/unbind/delete, host
 * create/readdress/delete, a router interface added or removed, a
 * security group write. */
static bool random_write(void)
{
	int r = rand() % 15, p = rand() % N_PORT, h = rand() % N_HOST;
	char id[40], body[512], name[8], key[41];

	port_id(id, p);
	snprintf(name, sizeof(name), "h%d", h);
	snprintf(key, sizeof(key), "%c%s", '0' + h, T_KEY + 1);
	switch (r) {
	case 0:
	case 1:
		snprintf(body, sizeof(body),
			 "{\"network_id\":\"%s\",\"fixed_ips\":[{\"subnet_id\":\"%s\","
			 "\"ip_address\":\"10.0.%d.%d\"}],\"binding\":{\"host\":\"%s\","
			 "\"interface\":\"v%d\"}}",
			 nets[p % N_NET], subs[p % N_NET], p % N_NET, 10 + p, name, p);
		return run(STORE_OP_CREATE, MODEL_PORT, id, body);
	case 2:
	case 3:
		snprintf(body, sizeof(body),
			 "{\"binding\":{\"host\":\"%s\",\"interface\":\"v%d\"}}", name, p);
		return run(STORE_OP_UPDATE, MODEL_PORT, id, body);
	case 4:
		if (rand() % 2)
			return run(STORE_OP_UPDATE, MODEL_PORT, id, "{\"binding\":null}");
		snprintf(body, sizeof(body),
			 "{\"network_id\":\"%s\",\"fixed_ips\":[{\"subnet_id\":\"%s\","
			 "\"ip_address\":\"10.0.%d.%d\"}]}",
			 nets[p % N_NET], subs[p % N_NET], p % N_NET, 10 + p);
		return run(STORE_OP_CREATE, MODEL_PORT, id, body); /* unbound */
	case 5:
		return run(STORE_OP_DELETE, MODEL_PORT, id, "");
	case 6:
	case 7:
		snprintf(body, sizeof(body),
			 "{\"name\":\"%s\",\"public_key\":\"%s\",\"underlay_ip\":\"198.18.0.%d\"}",
			 name, key, 1 + h);
		return run(STORE_OP_CREATE, MODEL_HOST, name, body);
	case 8:
		snprintf(body, sizeof(body), "{\"underlay_ip\":\"198.18.1.%d\"}", 1 + rand() % 50);
		return run(STORE_OP_UPDATE, MODEL_HOST, name, body);
	case 10:
		return rif_write(rand() % 2, rand() % 2);
	case 11:
	case 12:
	case 13:
		if (!sg_write(p))
			return false;
		sg_applied++;
		return true;
	default:
		return run(STORE_OP_DELETE, MODEL_HOST, name, "");
	}
}

static void base(void)
{
	char body[256], cidr[16];

	assert_true(run(STORE_OP_CREATE, MODEL_TENANT, T_TEN, "{\"name\":\"blue\"}"));
	for (int i = 0; i < N_NET; i++) {
		snprintf(body, sizeof(body), "{\"tenant_id\":\"" T_TEN "\",\"name\":\"n%d\"}", i);
		assert_true(run(STORE_OP_CREATE, MODEL_NETWORK, nets[i], body));
		snprintf(cidr, sizeof(cidr), "10.0.%d.0/24", i);
		snprintf(body, sizeof(body), "{\"network_id\":\"%s\",\"cidr\":\"%s\"}", nets[i],
			 cidr);
		assert_true(run(STORE_OP_CREATE, MODEL_SUBNET, subs[i], body));
	}
	assert_true(run(STORE_OP_CREATE, MODEL_ROUTER, R_ID, "{\"tenant_id\":\"" T_TEN "\"}"));
	assert_true(rif_write(0, true));
	assert_true(rif_write(1, true));
}

static void assert_topology_equal(const struct topology *a, const struct topology *b)
{
	assert_int_equal(a->n_networks, b->n_networks);
	assert_int_equal(a->n_ports, b->n_ports);
	assert_int_equal(a->n_hosts, b->n_hosts);
	if (a->n_networks)
		assert_memory_equal(a->networks, b->networks, a->n_networks * sizeof(*a->networks));
	if (a->n_ports)
		assert_memory_equal(a->ports, b->ports, a->n_ports * sizeof(*a->ports));
	if (a->n_hosts)
		assert_memory_equal(a->hosts, b->hosts, a->n_hosts * sizeof(*a->hosts));
	assert_int_equal(a->n_subnets, b->n_subnets);
	assert_int_equal(a->n_routers, b->n_routers);
	assert_int_equal(a->n_rifs, b->n_rifs);
	if (a->n_subnets)
		assert_memory_equal(a->subnets, b->subnets, a->n_subnets * sizeof(*a->subnets));
	if (a->n_routers)
		assert_memory_equal(a->routers, b->routers, a->n_routers * sizeof(*a->routers));
	if (a->n_rifs)
		assert_memory_equal(a->rifs, b->rifs, a->n_rifs * sizeof(*a->rifs));
	assert_int_equal(a->n_sgs, b->n_sgs);
	assert_int_equal(a->n_sg_rules, b->n_sg_rules);
	if (a->n_sgs)
		assert_memory_equal(a->sgs, b->sgs, a->n_sgs * sizeof(*a->sgs));
	if (a->n_sg_rules)
		assert_memory_equal(a->sg_rules, b->sg_rules, a->n_sg_rules * sizeof(*a->sg_rules));
}

/* Each host's rows as kept incrementally. */
struct host_rows {
	struct wire_row *rows; /* last compiled */
	size_t n;	       /* entries */
};

/* Updates topo from the log, recompiles the affected hosts in hr, and
 * checks both against a full load and compile. Returns the number of
 * hosts it did not recompile; *affected (if not NULL) gets a bit for each
 * host it did. */
static int check_step_hosts(struct topology *topo, uint64_t *rev, struct host_rows *hr,
			    bool *was_full, unsigned *affected)
{
	struct topology full = {0};
	struct topo_delta d;
	bool all = false;
	int skipped = 0;

	assert_int_equal(topo_delta_init(&d), 0);
	assert_int_equal(store_update_topology(store, topo, rev, &all, topo_delta_note, &d), 0);
	assert_int_equal(*rev, store_revision(store));
	*was_full = all;
	if (all)
		d.all = true;
	topo_delta_close(&d, topo);
	assert_int_equal(store_load_topology(store, &full), 0);
	assert_topology_equal(topo, &full);
	for (int h = 0; h < N_HOST; h++) {
		struct wire_row *want = NULL, *diff = NULL;
		size_t n_want = 0, n_diff = 0;
		char name[8];

		snprintf(name, sizeof(name), "h%d", h);
		if (topo_delta_affects(&d, name)) {
			if (affected)
				*affected |= 1u << h;
			free(hr[h].rows);
			hr[h].rows = NULL;
			assert_int_equal(compiler_build_host(topo, name, &hr[h].rows, &hr[h].n), 0);
		} else {
			skipped++;
		}
		assert_int_equal(compiler_build_host(&full, name, &want, &n_want), 0);
		assert_int_equal(compiler_diff(hr[h].rows, hr[h].n, want, n_want, &diff, &n_diff),
				 0);
		if (n_diff)
			fail_msg("host %s: %zu rows differ at revision %" PRIu64, name, n_diff,
				 *rev);
		free(want);
		free(diff);
	}
	topo_delta_release(&d);
	topology_release(&full);
	return skipped;
}

static int check_step(struct topology *topo, uint64_t *rev, struct host_rows *hr, bool *was_full)
{
	return check_step_hosts(topo, rev, hr, was_full, NULL);
}

/* Runs steps random writes from seed, checking after every batch of up to
 * batch writes (several changes in one update). */
static void run_sequence(unsigned int seed, size_t window, int steps, int batch)
{
	struct host_rows hr[N_HOST] = {0};
	struct topology topo = {0};
	int applied = 0, skipped = 0, fulls = 0;
	uint64_t rev = 0;
	bool was_full;

	snprintf(dir, sizeof(dir), "/tmp/tenet-topoinc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	store = store_new(dir, window);
	assert_non_null(store);
	srand(seed);
	base();
	for (int i = 0; i < steps; i++) {
		for (int b = 1 + rand() % batch; b > 0; b--)
			applied += random_write();
		skipped += check_step(&topo, &rev, hr, &was_full);
		fulls += was_full;
	}
	print_message("seed %u window %zu: %d writes applied, %d host compiles skipped, "
		      "%d full reloads\n",
		      seed, window, applied, skipped, fulls);
	assert_true(applied > steps / 4);
	assert_true(skipped > 0);	      /* it is incremental */
	assert_true(sg_applied > steps / 20); /* and security groups changed */
	sg_applied = 0;
	for (int h = 0; h < N_HOST; h++)
		free(hr[h].rows);
	topology_release(&topo);
	teardown(NULL);
}

static void test_single_writes(void **state)
{
	(void)state;
	for (unsigned int seed = 1; seed <= 4; seed++)
		run_sequence(seed, STORE_DEFAULT_WINDOW, 300, 1);
}

/* Several writes between updates; a small window also loses entries, so
 * some updates must fall back to a full reload. */
static void test_batches_and_trimmed_log(void **state)
{
	(void)state;
	run_sequence(7, STORE_DEFAULT_WINDOW, 200, 5);
	run_sequence(8, 3, 200, 5);
}

/* A port of network 0 on host hh with groups (a JSON list), created. */
static void port_in_groups(int p, int hh, const char *groups)
{
	char id[40], body[512];

	port_id(id, p);
	snprintf(body, sizeof(body),
		 "{\"network_id\":\"%s\",\"fixed_ips\":[{\"subnet_id\":\"%s\","
		 "\"ip_address\":\"10.0.%d.%d\"}],\"binding\":{\"host\":\"h%d\","
		 "\"interface\":\"v%d\"},\"security_groups\":%s}",
		 nets[p % N_NET], subs[p % N_NET], p % N_NET, 10 + p, hh, p, groups);
	assert_true(run(STORE_OP_CREATE, MODEL_PORT, id, body));
}

/* Group g0 lets in its own members (the default group's rule). A port
 * that joins an identity other ports hold recompiles its network's hosts
 * only; one that brings an identity, or takes the last port of one away,
 * also the hosts whose rules name its groups as remote: h5, alone on the
 * unrouted network 2. Rows equal a full compile's all along. */
static void test_shared_identity(void **state)
{
	struct host_rows hr[N_HOST] = {0};
	struct topology topo = {0};
	char body[256], name[8], key[41], id[40];
	uint64_t rev = 0;
	unsigned hit = 0;
	bool full;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tenet-topoinc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	store = store_new(dir, STORE_DEFAULT_WINDOW);
	assert_non_null(store);
	base();
	for (int h = 0; h < N_HOST; h++) {
		snprintf(name, sizeof(name), "h%d", h);
		snprintf(key, sizeof(key), "%c%s", '0' + h, T_KEY + 1);
		snprintf(body, sizeof(body),
			 "{\"name\":\"%s\",\"public_key\":\"%s\",\"underlay_ip\":\"198.18.0.%d\"}",
			 name, key, 1 + h);
		assert_true(run(STORE_OP_CREATE, MODEL_HOST, name, body));
	}
	for (int g = 0; g < 2; g++) {
		snprintf(body, sizeof(body), "{\"tenant_id\":\"" T_TEN "\",\"name\":\"g%d\"}", g);
		assert_true(run(STORE_OP_CREATE, MODEL_SECURITY_GROUP, sgs[g], body));
	}
	snprintf(body, sizeof(body),
		 "{\"security_group_id\":\"%s\",\"direction\":\"ingress\",\"protocol\":null,"
		 "\"remote_group_id\":\"%s\"}",
		 sgs[0], sgs[0]);
	assert_true(run(STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE,
			"00000000-0000-4000-8000-000000000200", body));
	snprintf(body, sizeof(body), "[\"%s\"]", sgs[0]);
	port_in_groups(2, 5, body); /* network 2, h5 */
	port_in_groups(0, 0, body); /* network 0, h0 */
	check_step(&topo, &rev, hr, &full);

	port_in_groups(3, 1, body); /* network 0, h1: g0's identity, held already */
	check_step_hosts(&topo, &rev, hr, &full, &hit);
	assert_false(full);
	assert_true(hit & (1u << 1));
	assert_false(hit & (1u << 5));

	hit = 0;
	port_id(id, 3);
	snprintf(body, sizeof(body), "{\"security_groups\":[\"%s\",\"%s\"]}", sgs[0], sgs[1]);
	assert_true(run(STORE_OP_UPDATE, MODEL_PORT, id, body)); /* a new identity holding g0 */
	check_step_hosts(&topo, &rev, hr, &full, &hit);
	assert_true(hit & (1u << 5));

	hit = 0;
	assert_true(run(STORE_OP_DELETE, MODEL_PORT, id, "")); /* its last port gone */
	check_step_hosts(&topo, &rev, hr, &full, &hit);
	assert_true(hit & (1u << 5));

	for (int h = 0; h < N_HOST; h++)
		free(hr[h].rows);
	topology_release(&topo);
	teardown(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_single_writes, teardown),
	    cmocka_unit_test_teardown(test_batches_and_trimmed_log, teardown),
	    cmocka_unit_test_teardown(test_shared_identity, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
