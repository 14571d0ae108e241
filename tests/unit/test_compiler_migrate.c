/* test_compiler_migrate.c - the rows of a migrating port in each phase, on
 * its source (h2), its destination (h3) and a third host (h1)
 * (compiler_migrate.h). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/types.h>

#include "compiler.h"
#include "compiler_migrate.h"
#include "tenet_abi.h"
#include "wire.h"

#include "fixture_compiler.h"

#define VNI 100

static struct topo_network nets[] = {{.id = "net", .tenant_id = "t", .vni = VNI}};
static struct topo_host hosts[3];
static struct topo_port ports[2];

/* pa on h1; pb (port_key 2) on h2, migrating to h3 in phase ph (its
 * binding on h3 from active-both on, as the store writes it). */
static struct topology topo(enum topo_mig_phase ph)
{
	struct topology t = {.networks = nets,
			     .n_networks = 1,
			     .ports = ports,
			     .n_ports = 2,
			     .hosts = hosts,
			     .n_hosts = 3};
	bool moved = ph == TOPO_MIG_ACTIVE_BOTH || ph == TOPO_MIG_DONE;

	for (int i = 0; i < 3; i++) {
		char addr[32];

		memset(&hosts[i], 0, sizeof(hosts[i]));
		snprintf(hosts[i].name, sizeof(hosts[i].name), "h%d", i + 1);
		hosts[i].host_id = (uint32_t)i + 1;
		snprintf(addr, sizeof(addr), "198.18.0.%d", i + 1);
		hosts[i].ip4 = ip(addr);
	}
	port_set(&ports[0], "pa", "net", 1, 0x11, "10.0.0.1", "h1", "va");
	port_set(&ports[1], "pb", "net", 2, 0x12, "10.0.0.2", moved ? "h3" : "h2", "vb");
	ports[1].mig.phase = ph;
	ports[1].mig.generation = 7;
	snprintf(ports[1].mig.source, sizeof(ports[1].mig.source), "h2");
	snprintf(ports[1].mig.target, sizeof(ports[1].mig.target), "h3");
	return t;
}

/* compiler_build_host, rows checked sorted and unique. */
static struct rows rows_of(const struct topology *t, const char *host)
{
	struct rows out = {0};

	assert_int_equal(compiler_build_host(t, host, &out.r, &out.n), 0);
	for (size_t i = 1; i < out.n; i++)
		assert_true(wire_row_cmp(&out.r[i - 1], &out.r[i]) < 0);
	return out;
}

/* The row of map whose key starts with the 4 bytes of port_id/vni k, or
 * NULL. */
static const struct wire_row *row_of(const struct rows *r, uint8_t map, const void *key,
				     size_t key_len)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->r[i].map == map && memcmp(r->r[i].key, key, key_len) == 0)
			return &r->r[i];
	return NULL;
}

static bool has_lport(const struct rows *r, uint32_t key)
{
	struct tn_lport_key k = {.port_id = key};

	return row_of(r, TN_MAP_LPORT, &k, sizeof(k)) != NULL;
}

/* The MIGRATE row of port_key 2 (copied: rows are not aligned), NULL if
 * none. */
static const struct tn_migrate *mig_of(const struct rows *r)
{
	static struct tn_migrate v;
	uint32_t key = 2;
	const struct wire_row *w = row_of(r, TN_MAP_MIGRATE, &key, sizeof(key));

	if (!w)
		return NULL;
	memcpy(&v, w->val, sizeof(v));
	return &v;
}

/* Where h1's FDB row of pb points (underlay address), 0 if local/none. */
static uint32_t fdb_remote(const struct rows *r)
{
	struct tn_fdb_key k = {.vni = VNI, .mac = {2, 0, 0, 0, 0, 0x12}};
	const struct wire_row *w = row_of(r, TN_MAP_FDB, &k, sizeof(k));

	struct tn_fdb v;

	assert_non_null(w);
	memcpy(&v, w->val, sizeof(v));
	return v.remote_ip4;
}

static void rows_free(struct rows *a, struct rows *b, struct rows *c)
{
	free(a->r);
	free(b->r);
	free(c->r);
}

static void test_standby(void **state)
{
	(void)state;
	for (enum topo_mig_phase ph = TOPO_MIG_PENDING; ph <= TOPO_MIG_STANDBY; ph++) {
		struct topology t = topo(ph);
		struct rows h1 = rows_of(&t, "h1"), h2 = rows_of(&t, "h2"), h3 = rows_of(&t, "h3");
		const struct tn_migrate *m;

		/* the destination has the port's whole local set and a STANDBY row */
		assert_true(has_lport(&h3, 2));
		m = mig_of(&h3);
		assert_non_null(m);
		assert_int_equal(m->flags, TN_MIG_F_STANDBY);
		assert_int_equal(m->generation, 7);
		assert_int_equal(m->peer_ip4, hosts[1].ip4);
		/* the source keeps its rows and gets a SOURCE row */
		assert_true(has_lport(&h2, 2));
		m = mig_of(&h2);
		assert_non_null(m);
		assert_int_equal(m->flags, TN_MIG_F_SOURCE);
		assert_int_equal(m->peer_ip4, hosts[2].ip4);
		/* everyone else still sees it on the source */
		assert_false(has_lport(&h1, 2));
		assert_null(mig_of(&h1));
		assert_int_equal(fdb_remote(&h1), hosts[1].ip4);
		rows_free(&h1, &h2, &h3);
	}
}

static void test_active_both(void **state)
{
	struct topology t = topo(TOPO_MIG_ACTIVE_BOTH);
	struct rows h1 = rows_of(&t, "h1"), h2 = rows_of(&t, "h2"), h3 = rows_of(&t, "h3");
	const struct tn_migrate *m;

	(void)state;
	/* bound to the destination: no STANDBY row there */
	assert_true(has_lport(&h3, 2));
	assert_null(mig_of(&h3));
	/* the source keeps the port and its SOURCE row for the grace window */
	assert_true(has_lport(&h2, 2));
	m = mig_of(&h2);
	assert_non_null(m);
	assert_int_equal(m->flags, TN_MIG_F_SOURCE);
	assert_int_equal(m->peer_ip4, hosts[2].ip4);
	/* every other host learns the new location */
	assert_int_equal(fdb_remote(&h1), hosts[2].ip4);
	assert_null(mig_of(&h1));
	rows_free(&h1, &h2, &h3);
}

static void test_done(void **state)
{
	struct topology t = topo(TOPO_MIG_DONE);
	struct rows h1 = rows_of(&t, "h1"), h2 = rows_of(&t, "h2"), h3 = rows_of(&t, "h3");

	(void)state;
	assert_true(has_lport(&h3, 2));
	assert_false(has_lport(&h2, 2)); /* the source is cleaned */
	assert_null(mig_of(&h2));
	assert_null(mig_of(&h3));
	assert_int_equal(fdb_remote(&h1), hosts[2].ip4);
	rows_free(&h1, &h2, &h3);
}

static void test_rolled_back(void **state)
{
	struct topology t = topo(TOPO_MIG_ROLLED_BACK);
	struct rows h1 = rows_of(&t, "h1"), h2 = rows_of(&t, "h2"), h3 = rows_of(&t, "h3");
	struct topology none = topo(TOPO_MIG_NONE);
	struct rows n2 = rows_of(&none, "h2");

	(void)state;
	assert_false(has_lport(&h3, 2)); /* the destination is cleaned */
	assert_null(mig_of(&h3));
	assert_true(has_lport(&h2, 2));
	assert_null(mig_of(&h2));
	assert_int_equal(fdb_remote(&h1), hosts[1].ip4);
	/* the source's rows are as before the migration */
	assert_int_equal(h2.n, n2.n);
	assert_memory_equal(h2.r, n2.r, h2.n * sizeof(*h2.r));
	free(n2.r);
	rows_free(&h1, &h2, &h3);
}

static void test_geneve_flag(void **state)
{
	struct topology t = topo(TOPO_MIG_STANDBY);
	struct rows h3;

	(void)state;
	t.geneve_default = true;
	h3 = rows_of(&t, "h3");
	assert_non_null(mig_of(&h3));
	assert_int_equal(mig_of(&h3)->flags, TN_MIG_F_STANDBY | TN_MIG_F_GENEVE);
	free(h3.r);
}

/* A destination that is not enrolled gets nothing, and the source no
 * SOURCE row (there is nowhere to send copies). */
static void test_unknown_target(void **state)
{
	struct topology t = topo(TOPO_MIG_STANDBY);
	struct rows h2;

	(void)state;
	snprintf(ports[1].mig.target, sizeof(ports[1].mig.target), "ghost");
	h2 = rows_of(&t, "h2");
	assert_true(has_lport(&h2, 2));
	assert_null(mig_of(&h2));
	free(h2.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_standby),	cmocka_unit_test(test_active_both),
	    cmocka_unit_test(test_done),	cmocka_unit_test(test_rolled_back),
	    cmocka_unit_test(test_geneve_flag), cmocka_unit_test(test_unknown_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
