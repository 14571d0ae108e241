/* test_store_clone.c - tenant clone in the store (controller/store_tenant.c):
 * one command copies every object of a tenant with new ids and VNIs, the
 * same addresses and remapped references; ports unbound unless asked;
 * the clone outlives its source; a rejected clone writes nothing; and every
 * model kind has clone and export support. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_store.h"
#include "fixture_tenant.h"

#define NEW  "b0000000-0000-4000-8000-000000000001"
#define NEW2 "b0000000-0000-4000-8000-000000000002"

struct fx {
	char dir[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = fixture_store_new(f->dir, "clone");
	fixture_tenant_fill(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_destroy(&f->s);
	free(f);
	return 0;
}

static int clone(struct store *s, const char *id, const char *body, struct store_result *res)
{
	json_t *b = json_loads(body, 0, NULL);
	int rc;

	assert_non_null(b);
	rc = fixture_tenant_cmd(s, STORE_OP_CLONE, id, b, res);
	json_decref(b);
	return rc;
}

static const char *str(const json_t *o, const char *f)
{
	const char *s = json_string_value(json_object_get(o, f));

	return s ? s : "";
}

/* The object of arr whose field is value, or NULL. */
static json_t *find(const json_t *arr, const char *field, const char *value)
{
	json_t *o;
	size_t i;

	json_array_foreach(arr, i, o) if (strcmp(str(o, field), value) == 0) return o;
	return NULL;
}

/* True if id is the id of an object of kind of tenant. */
static bool owned(struct store *s, enum model_kind kind, const char *id, const char *tenant)
{
	json_t *o = NULL;
	bool yes = store_get(s, kind, id, &o) == 0 && strcmp(str(o, "tenant_id"), tenant) == 0;

	json_decref(o);
	return yes;
}

/* Every kind has an entry in the clone/export table: a section in the
 * document, or marked as no tenant's (hosts). The build stops when the
 * table is shorter than the kinds (_Static_assert in store_tenant.c); this
 * catches an entry added empty. */
static void test_every_kind(void **state)
{
	(void)state;
	for (int k = 0; k < MODEL_KIND_MAX; k++) {
		bool global = false;
		const char *sec = store_tenant_section(k, &global);

		if (!sec && !global)
			fail_msg("kind %s has no clone and export support", model_kind_name(k));
		assert_true(sec || k == MODEL_HOST);
	}
	assert_null(store_tenant_section(MODEL_KIND_MAX, NULL));
}

/* Every kind of the tenant is copied, as many objects of each; ids new. */
static void test_counts(void **state)
{
	struct fx *f = *state;
	struct store_result res;
	uint64_t rev = store_revision(f->s);

	assert_int_equal(clone(f->s, NEW, "{\"source\":\"" FT_T "\",\"name\":\"copy\"}", &res), 0);
	assert_int_equal(res.revision, rev + 1); /* one write */
	assert_string_equal(str(json_object_get(res.object, "tenant"), "name"), "copy");
	assert_string_equal(str(json_object_get(res.object, "tenant"), "description"),
			    "the source");
	store_result_release(&res);
	for (int k = 0; k < MODEL_KIND_MAX; k++) {
		bool global;
		json_t *a, *b, *o;
		size_t i;

		if (!store_tenant_section(k, &global) || k == MODEL_TENANT)
			continue;
		a = fixture_tenant_list(f->s, k, FT_T);
		b = fixture_tenant_list(f->s, k, NEW);
		if (json_array_size(a) != json_array_size(b))
			fail_msg("kind %s: %zu objects in the source, %zu in the clone",
				 model_kind_name(k), json_array_size(a), json_array_size(b));
		assert_true(json_array_size(a) > 0);
		json_array_foreach(b, i, o) assert_null(find(a, "id", str(o, "id")));
		json_decref(a);
		json_decref(b);
	}
}

/* Same addressing and names, new VNIs and keys, references into the clone. */
static void test_remapped(void **state)
{
	struct fx *f = *state;
	struct store_result res;
	json_t *nets, *snets, *subs, *ports, *sports, *rifs, *rules, *groups, *o, *x, *src, *g;
	size_t i, j;

	assert_int_equal(clone(f->s, NEW, "{\"source\":\"" FT_T "\",\"name\":\"copy\"}", &res), 0);
	store_result_release(&res);
	nets = fixture_tenant_list(f->s, MODEL_NETWORK, NEW);
	snets = fixture_tenant_list(f->s, MODEL_NETWORK, FT_T);
	json_array_foreach(nets, i, o)
	{
		src = find(snets, "name", str(o, "name"));
		assert_non_null(src);
		assert_int_not_equal(json_integer_value(json_object_get(o, "vni")),
				     json_integer_value(json_object_get(src, "vni")));
		assert_string_equal(str(o, "encapsulation"), str(src, "encapsulation"));
	}
	subs = fixture_tenant_list(f->s, MODEL_SUBNET, NEW);
	json_array_foreach(subs, i, o)
	{
		assert_true(owned(f->s, MODEL_NETWORK, str(o, "network_id"), NEW));
		assert_non_null(find(nets, "id", str(o, "network_id")));
	}
	assert_string_equal(str(find(subs, "name", "s1"), "cidr"), "10.0.1.0/24");
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(find(subs, "name", "s1"), "dns_nameservers"), 0)),
			    "10.0.1.53");
	ports = fixture_tenant_list(f->s, MODEL_PORT, NEW);
	sports = fixture_tenant_list(f->s, MODEL_PORT, FT_T);
	json_array_foreach(ports, i, o)
	{
		src = find(sports, "mac_address", str(o, "mac_address"));
		assert_non_null(src); /* the MAC is kept */
		assert_true(json_is_null(json_object_get(o, "binding")));
		assert_int_not_equal(json_integer_value(json_object_get(o, "port_key")),
				     json_integer_value(json_object_get(src, "port_key")));
		assert_string_equal(str(o, "name"), str(src, "name"));
		json_array_foreach(json_object_get(o, "fixed_ips"), j, x)
		{
			assert_true(owned(f->s, MODEL_SUBNET, str(x, "subnet_id"), NEW));
			assert_string_equal(
			    str(x, "ip_address"),
			    str(json_array_get(json_object_get(src, "fixed_ips"), j),
				"ip_address"));
		}
		assert_int_equal(json_array_size(json_object_get(o, "security_groups")),
				 json_array_size(json_object_get(src, "security_groups")));
		json_array_foreach(json_object_get(o, "security_groups"), j, g)
		    assert_true(owned(f->s, MODEL_SECURITY_GROUP, json_string_value(g), NEW));
		assert_true(json_equal(json_object_get(o, "allowed_address_pairs"),
				       json_object_get(src, "allowed_address_pairs")));
		assert_true(json_equal(json_object_get(o, "port_security_enabled"),
				       json_object_get(src, "port_security_enabled")));
	}
	rifs = fixture_tenant_list(f->s, MODEL_ROUTER_INTERFACE, NEW);
	json_array_foreach(rifs, i, o)
	{
		assert_true(owned(f->s, MODEL_ROUTER, str(o, "router_id"), NEW));
		assert_true(owned(f->s, MODEL_SUBNET, str(o, "subnet_id"), NEW));
	}
	x = fixture_tenant_list(f->s, MODEL_ROUTER, NEW);
	assert_int_equal(json_array_size(json_object_get(json_array_get(x, 0), "routes")), 1);
	json_decref(x);
	groups = fixture_tenant_list(f->s, MODEL_SECURITY_GROUP, NEW);
	assert_non_null(find(groups, "name", "default"));
	rules = fixture_tenant_list(f->s, MODEL_SECURITY_GROUP_RULE, NEW);
	json_array_foreach(rules, i, o)
	{
		const char *rg = json_string_value(json_object_get(o, "remote_group_id"));

		assert_true(owned(f->s, MODEL_SECURITY_GROUP, str(o, "security_group_id"), NEW));
		if (rg)
			assert_true(owned(f->s, MODEL_SECURITY_GROUP, rg, NEW));
	}
	/* the default group's rules are the source's (three: one deleted) */
	x = find(groups, "name", "default");
	j = 0;
	json_array_foreach(rules, i, o) j += strcmp(str(o, "security_group_id"), str(x, "id")) == 0;
	assert_int_equal(j, 3);
	json_decref(nets);
	json_decref(snets);
	json_decref(subs);
	json_decref(ports);
	json_decref(sports);
	json_decref(rifs);
	json_decref(groups);
	json_decref(rules);
}

/* bind_ports binds the copies to the mapped hosts; a binding that collides
 * with the source's (same host and interface) is refused, nothing written. */
static void test_bind(void **state)
{
	struct fx *f = *state;
	struct store_result res;
	uint64_t rev = store_revision(f->s);
	json_t *ports, *o;
	size_t i;

	assert_int_equal(clone(f->s, NEW,
			       "{\"source\":\"" FT_T "\",\"name\":\"copy\",\"bind_ports\":true}",
			       &res),
			 -EEXIST);
	assert_string_equal(res.err.code, "conflict");
	assert_non_null(strstr(res.err.field, "ports["));
	store_result_release(&res);
	assert_int_equal(store_revision(f->s), rev);
	ports = fixture_tenant_list(f->s, MODEL_PORT, NEW);
	assert_int_equal(json_array_size(ports), 0);
	json_decref(ports);
	fixture_host_create(f->s, "h3", "6=4P585:Cl9uDpBaTecRb{<#/djM&0eInXgf!$Kw", "198.18.0.3");
	fixture_host_create(f->s, "h4", "9337xar.{NbQB=+c[cR@eg&FcfFLssg=mfIi5%2Y", "198.18.0.4");
	assert_int_equal(clone(f->s, NEW,
			       "{\"source\":\"" FT_T "\",\"name\":\"copy\",\"bind_ports\":true,"
			       "\"hosts\":{\"h1\":\"h3\",\"h2\":\"h4\"}}",
			       &res),
			 0);
	store_result_release(&res);
	ports = fixture_tenant_list(f->s, MODEL_PORT, NEW);
	json_array_foreach(ports, i, o)
	{
		const char *h = str(json_object_get(o, "binding"), "host");

		if (strcmp(str(o, "name"), "vm1") == 0)
			assert_string_equal(h, "h3");
		if (strcmp(str(o, "name"), "vm2") == 0)
			assert_string_equal(h, "h4");
	}
	json_decref(ports);
}

/* Deleting the source leaves the clone whole. */
static void test_source_deleted(void **state)
{
	struct fx *f = *state;
	struct store_result res;
	const char *order[] = {FT_P1, FT_P2, FT_P3};
	struct topology topo = {0};
	json_t *a;

	assert_int_equal(clone(f->s, NEW, "{\"source\":\"" FT_T "\",\"name\":\"copy\"}", &res), 0);
	store_result_release(&res);
	a = fixture_tenant_list(f->s, MODEL_PORT, NEW);
	for (size_t i = 0; i < 3; i++)
		fixture_apply(f->s, STORE_OP_DELETE, MODEL_PORT, order[i], "");
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, FT_R, "{\"routes\":[]}");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, FT_I1, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, FT_I2, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER, FT_R, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_SUBNET, FT_S1, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_SUBNET, FT_S2, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_NETWORK, FT_N1, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_NETWORK, FT_N2, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_TENANT, FT_T, "");
	for (int k = 0; k < MODEL_KIND_MAX; k++) {
		json_t *l;

		if (!store_tenant_section(k, NULL) || k == MODEL_TENANT)
			continue;
		l = fixture_tenant_list(f->s, k, FT_T);
		assert_int_equal(json_array_size(l), 0);
		json_decref(l);
		l = fixture_tenant_list(f->s, k, NEW);
		assert_true(json_array_size(l) > 0);
		json_decref(l);
	}
	json_decref(a);
	assert_int_equal(store_load_topology(f->s, &topo), 0);
	assert_int_equal(topo.n_ports, 3);
	topology_release(&topo);
	/* and the clone can be cloned again, and exported */
	assert_int_equal(clone(f->s, NEW2, "{\"source\":\"" NEW "\",\"name\":\"copy2\"}", &res), 0);
	store_result_release(&res);
}

/* A rejected clone writes nothing: a taken name, an unknown source. */
static void test_refused(void **state)
{
	struct fx *f = *state;
	struct store_result res;
	uint64_t rev = store_revision(f->s);

	assert_int_equal(clone(f->s, NEW, "{\"source\":\"" FT_T "\",\"name\":\"src\"}", &res),
			 -EEXIST);
	assert_string_equal(res.err.field, "name");
	store_result_release(&res);
	assert_int_equal(clone(f->s, NEW, "{\"source\":\"" NEW2 "\",\"name\":\"x\"}", &res),
			 -ENOENT);
	assert_string_equal(res.err.field, "source");
	store_result_release(&res);
	assert_int_equal(store_revision(f->s), rev);
	assert_int_equal(store_get(f->s, MODEL_TENANT, NEW, &(json_t *){NULL}), -ENOENT);
}

/* The topology, updated from the change log across a clone, equals one
 * loaded whole: the clone's entry names every object it made. */
static void test_topology_delta(void **state)
{
	struct fx *f = *state;
	struct topology inc = {0}, whole = {0};
	struct store_result res;
	uint64_t rev = 0;
	bool full = false;

	assert_int_equal(store_update_topology(f->s, &inc, &rev, &full, NULL, NULL), 0);
	full = false;
	assert_int_equal(clone(f->s, NEW, "{\"source\":\"" FT_T "\",\"name\":\"copy\"}", &res), 0);
	store_result_release(&res);
	assert_int_equal(store_update_topology(f->s, &inc, &rev, &full, NULL, NULL), 0);
	assert_false(full);
	assert_int_equal(store_load_topology(f->s, &whole), 0);
	assert_int_equal(inc.n_ports, whole.n_ports);
	assert_int_equal(inc.n_networks, whole.n_networks);
	assert_int_equal(inc.n_subnets, whole.n_subnets);
	assert_int_equal(inc.n_rifs, whole.n_rifs);
	assert_int_equal(inc.n_sgs, whole.n_sgs);
	assert_int_equal(inc.n_ports, 6);
	topology_release(&inc);
	topology_release(&whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_kind),
	    cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_source_deleted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topology_delta, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
