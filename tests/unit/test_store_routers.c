/* test_store_routers.c - routers, their interfaces and static routes in
 * the store: what a router may join, what its routes may name, and what
 * cannot be deleted while something needs it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_store.h"
#include "model.h"
#include "store.h"
#include "topology.h"

#define T1  "11111111-1111-4111-8111-111111111111"
#define T2  "22222222-2222-4222-8222-222222222222"
#define N1  "a1111111-1111-4111-8111-111111111111"
#define N2  "a2222222-2222-4222-8222-222222222222"
#define N3  "a3333333-3333-4333-8333-333333333333"
#define NX  "a4444444-4444-4444-8444-444444444444" /* tenant 2's */
#define S1  "b1111111-1111-4111-8111-111111111111" /* 10.0.1.0/24 on N1 */
#define S2  "b2222222-2222-4222-8222-222222222222" /* 10.0.2.0/24 on N2 */
#define S3  "b3333333-3333-4333-8333-333333333333" /* 10.0.0.0/16 on N3: overlaps */
#define S6  "b6666666-6666-4666-8666-666666666666" /* fd00:1::/64 on N1 */
#define SX  "b4444444-4444-4444-8444-444444444444" /* tenant 2's 10.0.1.0/24 */
#define SNG "b5555555-5555-4555-8555-555555555555" /* no gateway, on N2 */
#define R1  "c1111111-1111-4111-8111-111111111111"
#define R2  "c2222222-2222-4222-8222-222222222222"
#define I1  "d1111111-1111-4111-8111-111111111111"
#define I2  "d2222222-2222-4222-8222-222222222222"
#define I3  "d3333333-3333-4333-8333-333333333333"
#define I6  "d6666666-6666-4666-8666-666666666666"
#define P1  "e1111111-1111-4111-8111-111111111111"

struct fx {
	char dir[64];
	struct store *s;
};

static void net(struct store *s, const char *id, const char *tenant)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"tenant_id\":\"%s\"}", tenant);
	fixture_apply(s, STORE_OP_CREATE, MODEL_NETWORK, id, body);
}

static void subnet(struct store *s, const char *id, const char *network, const char *cidr,
		   const char *extra)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"network_id\":\"%s\",\"cidr\":\"%s\"%s}", network, cidr,
		 extra);
	fixture_apply(s, STORE_OP_CREATE, MODEL_SUBNET, id, body);
}

static int rif(struct store *s, const char *id, const char *router, const char *sub,
	       struct model_error *err)
{
	char body[160];

	snprintf(body, sizeof(body), "{\"router_id\":\"%s\",\"subnet_id\":\"%s\"}", router, sub);
	int rc = fixture_try_apply(s, STORE_OP_CREATE, MODEL_ROUTER_INTERFACE, id, body, err);

	if (getenv("DEBUG_RIF"))
		fprintf(stderr, "rif %s: %d %s %s\n", id, rc, err->field, err->message);
	return rc;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = fixture_store_new(f->dir, "routers");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_TENANT, T1, "{\"name\":\"t1\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_TENANT, T2, "{\"name\":\"t2\"}");
	net(f->s, N1, T1);
	net(f->s, N2, T1);
	net(f->s, N3, T1);
	net(f->s, NX, T2);
	subnet(f->s, S1, N1, "10.0.1.0/24", "");
	subnet(f->s, S2, N2, "10.0.2.0/24", "");
	subnet(f->s, S3, N3, "10.0.0.0/16", "");
	subnet(f->s, S6, N1, "fd00:1::/64", "");
	subnet(f->s, SX, NX, "10.0.1.0/24", "");
	subnet(f->s, SNG, N2, "10.0.3.0/24", ",\"gateway_ip\":null");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_ROUTER, R1,
		      "{\"tenant_id\":\"" T1 "\",\"name\":\"r1\"}");
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

/* An interface takes its subnet's gateway and a MAC of the network; the
 * router shows its defaults. */
static void test_interface_fields(void **state)
{
	struct fx *f = *state;
	struct model_error err;
	json_t *o;

	assert_int_equal(rif(f->s, I1, R1, S1, &err), 0);
	assert_int_equal(store_get(f->s, MODEL_ROUTER_INTERFACE, I1, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "ip_address")), "10.0.1.1");
	assert_string_equal(json_string_value(json_object_get(o, "network_id")), N1);
	assert_string_equal(json_string_value(json_object_get(o, "tenant_id")), T1);
	assert_true(model_mac_valid(json_string_value(json_object_get(o, "mac_address"))));
	json_decref(o);
	assert_int_equal(rif(f->s, I6, R1, S6, &err), 0);
	assert_int_equal(store_get(f->s, MODEL_ROUTER_INTERFACE, I6, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "ip_address")), "fd00:1::1");
	json_decref(o);
	assert_int_equal(store_get(f->s, MODEL_ROUTER, R1, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "name")), "r1");
	assert_int_equal(json_array_size(json_object_get(o, "routes")), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "router_key")), 1);
	json_decref(o);
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_ROUTER, R2, "{\"tenant_id\":\"" T1 "\"}");
	assert_int_equal(store_get(f->s, MODEL_ROUTER, R2, &o), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "router_key")), 2);
	json_decref(o);
	assert_int_equal(
	    fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, R2, "{\"router_key\":7}", &err),
	    -EINVAL);
	assert_string_equal(err.code, "read_only_field");
	/* nothing of an interface changes after creation */
	assert_int_equal(fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER_INTERFACE, I1,
					   "{\"subnet_id\":\"" S2 "\"}", &err),
			 -EINVAL);
	assert_string_equal(err.code, "immutable_field");
}

/* What a router may not join: another tenant's subnet, a subnet without a
 * gateway, one overlapping a subnet it is on, a subnet that has an
 * interface already, a router or subnet that does not exist. */
static void test_interface_refused(void **state)
{
	struct fx *f = *state;
	struct model_error err;

	assert_int_equal(rif(f->s, I1, R1, S1, &err), 0);
	assert_int_equal(rif(f->s, I2, R1, SX, &err), -EINVAL);
	assert_string_equal(err.field, "subnet_id");
	assert_non_null(strstr(err.message, "another tenant"));
	assert_int_equal(rif(f->s, I2, R1, SNG, &err), -EINVAL);
	assert_non_null(strstr(err.message, "no gateway_ip"));
	assert_int_equal(rif(f->s, I2, R1, S3, &err), -EINVAL);
	assert_non_null(strstr(err.message, "overlaps"));
	/* one interface per subnet, whichever router */
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_ROUTER, R2, "{\"tenant_id\":\"" T1 "\"}");
	assert_int_equal(rif(f->s, I2, R2, S1, &err), -EEXIST);
	assert_string_equal(err.field, "subnet_id");
	assert_int_equal(rif(f->s, I2, R1, S1, &err), -EEXIST);
	assert_int_equal(rif(f->s, I2, "c9999999-9999-4999-8999-999999999999", S2, &err), -ENOENT);
	assert_string_equal(err.field, "router_id");
	assert_int_equal(rif(f->s, I2, R1, "b9999999-9999-4999-8999-999999999999", &err), -ENOENT);
	/* the overlapping subnet may join another router of the tenant */
	assert_int_equal(rif(f->s, I3, R2, S3, &err), 0);
	/* and the same tenant's disjoint subnet this one */
	assert_int_equal(rif(f->s, I2, R1, S2, &err), 0);
	/* a router of an unknown tenant */
	assert_int_equal(
	    fixture_try_apply(f->s, STORE_OP_CREATE, MODEL_ROUTER,
			      "c8888888-8888-4888-8888-888888888888",
			      "{\"tenant_id\":\"19999999-9999-4999-8999-999999999999\"}", &err),
	    -ENOENT);
}

/* Routes: well-formed (the model), next hop on one of the router's
 * subnets and not its own address (the store), canonical text. */
/* The compiler's view of test_routes' routers: R1 with its two interfaces
 * and two routes, the subnets with their prefixes and gateways. */
static void topology_check(struct store *s)
{
	struct topology t;

	assert_int_equal(store_load_topology(s, &t), 0);
	assert_int_equal(t.n_routers, 1);
	assert_string_equal(t.routers[0].id, R1);
	assert_string_equal(t.routers[0].tenant_id, T1);
	assert_int_equal(t.routers[0].router_key, 1);
	assert_int_equal(t.routers[0].n_routes, 2);
	assert_int_equal(t.routers[0].routes[0].ip_version, 4);
	assert_int_equal(t.routers[0].routes[0].prefix_len, 16);
	assert_memory_equal(t.routers[0].routes[0].dest, "\xc0\xa8\0\0", 4);
	assert_memory_equal(t.routers[0].routes[0].nexthop, "\x0a\0\x01\x05", 4);
	assert_int_equal(t.routers[0].routes[1].ip_version, 6);
	assert_int_equal(t.routers[0].routes[1].prefix_len, 48);
	assert_int_equal(t.n_rifs, 2);
	assert_string_equal(t.rifs[0].id, I1);
	assert_string_equal(t.rifs[0].router_id, R1);
	assert_string_equal(t.rifs[0].subnet_id, S1);
	assert_string_equal(t.rifs[0].network_id, N1);
	assert_int_equal(t.rifs[0].ip_version, 4);
	assert_memory_equal(t.rifs[0].addr, "\x0a\0\x01\x01", 4);
	assert_int_not_equal(t.rifs[0].mac[0] | t.rifs[0].mac[5], 0);
	assert_int_equal(t.rifs[1].ip_version, 6);
	assert_int_equal(t.n_subnets, 6);
	for (size_t i = 0; i < t.n_subnets; i++) {
		if (strcmp(t.subnets[i].id, SNG) == 0)
			assert_false(t.subnets[i].has_gateway);
		if (strcmp(t.subnets[i].id, S6) == 0) {
			assert_int_equal(t.subnets[i].ip_version, 6);
			assert_int_equal(t.subnets[i].prefix_len, 64);
		}
	}
	topology_release(&t);
}

static void test_routes(void **state)
{
	struct fx *f = *state;
	struct model_error err;
	json_t *o;

	/* no interface yet: no next hop is connected */
	assert_int_equal(fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, R1,
					   "{\"routes\":[{\"destination\":\"192.168.0.0/16\","
					   "\"nexthop\":\"10.0.1.5\"}]}",
					   &err),
			 -EINVAL);
	assert_string_equal(err.field, "routes[0].nexthop");
	assert_int_equal(rif(f->s, I1, R1, S1, &err), 0);
	assert_int_equal(rif(f->s, I6, R1, S6, &err), 0);
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, R1,
		      "{\"routes\":[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.1.5\"},"
		      "{\"destination\":\"fd00:99:0::/48\",\"nexthop\":\"fd00:1:0::5\"}]}");
	assert_int_equal(store_get(f->s, MODEL_ROUTER, R1, &o), 0);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "routes"), 1), "destination")),
			    "fd00:99::/48");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "routes"), 1), "nexthop")),
			    "fd00:1::5");
	json_decref(o);
	static const struct {
		const char *routes;
		const char *field;
	} bad[] = {
	    /* the router's own address */
	    {"[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.1.1\"}]",
	     "routes[0].nexthop"},
	    /* a subnet the router is not on */
	    {"[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.2.5\"}]",
	     "routes[0].nexthop"},
	    /* the subnet's broadcast address */
	    {"[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.1.255\"}]",
	     "routes[0].nexthop"},
	    /* families mixed */
	    {"[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"fd00:1::5\"}]",
	     "routes[0].nexthop"},
	    /* host bits set */
	    {"[{\"destination\":\"192.168.0.1/16\",\"nexthop\":\"10.0.1.5\"}]",
	     "routes[0].destination"},
	    /* a destination twice */
	    {"[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.1.5\"},"
	     "{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.1.6\"}]",
	     "routes[1].destination"},
	    /* unknown member, missing member, not a list */
	    {"[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.1.5\",\"x\":1}]",
	     "routes[0].x"},
	    {"[{\"destination\":\"192.168.0.0/16\"}]", "routes[0].nexthop"},
	    {"{}", "routes"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[512];

		snprintf(body, sizeof(body), "{\"routes\":%s}", bad[i].routes);
		assert_int_equal(
		    fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, R1, body, &err),
		    -EINVAL);
		assert_string_equal(err.field, bad[i].field);
	}
	topology_check(f->s);
}

#define S7  "b7777777-7777-4777-8777-777777777777" /* fd00:1::/48 on N2: overlaps S6 */
#define S8  "b8888888-8888-4888-8888-888888888888" /* fd00:2::/64 on N2 */
#define SX6 "b9999999-9999-4999-8999-999999999999" /* tenant 2's fd00:1::/64 */
#define SLL "baaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" /* fe80::/64 on N3 */
#define I7  "d7777777-7777-4777-8777-777777777777"
#define I8  "d8888888-8888-4888-8888-888888888888"

/* IPv6 interfaces and routes: the same rules as IPv4 (own tenant, no
 * overlap, next hops on an interface's subnet and not the router's own
 * address), no subnet-router anycast next hop, and nothing link-local or
 * multicast routed. */
static void test_routes6(void **state)
{
	struct fx *f = *state;
	struct model_error err;

	subnet(f->s, S7, N2, "fd00:1::/48", "");
	subnet(f->s, S8, N2, "fd00:2::/64", "");
	subnet(f->s, SX6, NX, "fd00:1::/64", "");
	subnet(f->s, SLL, N3, "fe80::/64", "");
	assert_int_equal(rif(f->s, I6, R1, S6, &err), 0);
	assert_int_equal(rif(f->s, I2, R1, SX6, &err), -EINVAL); /* another tenant's */
	assert_string_equal(err.field, "subnet_id");
	assert_int_equal(rif(f->s, I7, R1, S7, &err), -EINVAL); /* overlaps fd00:1::/64 */
	assert_string_equal(err.field, "subnet_id");
	assert_non_null(strstr(err.message, "overlaps"));
	assert_int_equal(rif(f->s, I3, R1, SLL, &err), -EINVAL); /* link-local */
	assert_non_null(strstr(err.message, "link-local"));
	assert_int_equal(rif(f->s, I8, R1, S8, &err), 0);
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, R1,
		      "{\"routes\":[{\"destination\":\"::/0\",\"nexthop\":\"fd00:2::5\"},"
		      "{\"destination\":\"2001:db8::/32\",\"nexthop\":\"fd00:1::ffff\"}]}");
	static const struct {
		const char *routes;
		const char *field;
	} bad[] = {
	    /* the router's own address */
	    {"[{\"destination\":\"2001:db8::/32\",\"nexthop\":\"fd00:1::1\"}]",
	     "routes[0].nexthop"},
	    /* the subnet-router anycast address */
	    {"[{\"destination\":\"2001:db8::/32\",\"nexthop\":\"fd00:1::\"}]", "routes[0].nexthop"},
	    /* a subnet the router is not on, a link-local next hop */
	    {"[{\"destination\":\"2001:db8::/32\",\"nexthop\":\"fd00:3::5\"}]",
	     "routes[0].nexthop"},
	    {"[{\"destination\":\"2001:db8::/32\",\"nexthop\":\"fe80::5\"}]", "routes[0].nexthop"},
	    /* link-local and multicast destinations */
	    {"[{\"destination\":\"fe80::/64\",\"nexthop\":\"fd00:1::5\"}]",
	     "routes[0].destination"},
	    {"[{\"destination\":\"ff02::/16\",\"nexthop\":\"fd00:1::5\"}]",
	     "routes[0].destination"},
	    /* families mixed */
	    {"[{\"destination\":\"2001:db8::/32\",\"nexthop\":\"10.0.1.5\"}]", "routes[0].nexthop"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[512];

		snprintf(body, sizeof(body), "{\"routes\":%s}", bad[i].routes);
		assert_int_equal(
		    fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, R1, body, &err),
		    -EINVAL);
		assert_string_equal(err.field, bad[i].field);
	}
	/* the interface a route needs stays */
	assert_int_equal(
	    fixture_try_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, I8, "", &err), -EBUSY);
	{
		struct topology t;

		assert_int_equal(store_load_topology(f->s, &t), 0);
		assert_int_equal(t.routers[0].n_routes, 2);
		assert_int_equal(t.routers[0].routes[0].ip_version, 6);
		assert_int_equal(t.routers[0].routes[0].prefix_len, 0);
		assert_int_equal(t.routers[0].routes[1].prefix_len, 32);
		assert_int_equal(t.n_rifs, 2); /* I6 and I8 */
		topology_release(&t);
	}
}

/* What stays while something needs it: a router with interfaces, a subnet
 * with an interface, an interface a route goes through, a subnet's gateway
 * an interface holds, a tenant with a router. */
static void test_deletes(void **state)
{
	struct fx *f = *state;
	struct model_error err;
	char body[160];

	assert_int_equal(rif(f->s, I1, R1, S1, &err), 0);
	fixture_apply(
	    f->s, STORE_OP_UPDATE, MODEL_ROUTER, R1,
	    "{\"routes\":[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.1.5\"}]}");
	assert_int_equal(fixture_try_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER, R1, "", &err),
			 -EBUSY);
	assert_int_equal(fixture_try_apply(f->s, STORE_OP_DELETE, MODEL_SUBNET, S1, "", &err),
			 -EBUSY);
	assert_int_equal(fixture_try_apply(f->s, STORE_OP_DELETE, MODEL_TENANT, T1, "", &err),
			 -EBUSY);
	assert_int_equal(
	    fixture_try_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, I1, "", &err), -EBUSY);
	assert_non_null(strstr(err.message, "192.168.0.0/16"));
	assert_int_equal(fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_SUBNET, S1,
					   "{\"gateway_ip\":\"10.0.1.254\"}", &err),
			 -EBUSY);
	assert_string_equal(err.field, "gateway_ip");
	/* the subnet's other fields still change */
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_SUBNET, S1, "{\"name\":\"s1\"}");
	/* the interface's MAC is taken in its network */
	{
		json_t *o;

		assert_int_equal(store_get(f->s, MODEL_ROUTER_INTERFACE, I1, &o), 0);
		snprintf(body, sizeof(body), "{\"network_id\":\"%s\",\"mac_address\":\"%s\"}", N1,
			 json_string_value(json_object_get(o, "mac_address")));
		json_decref(o);
		assert_int_equal(
		    fixture_try_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P1, body, &err), -EEXIST);
		/* and its address is the subnet's gateway: no port takes it */
		snprintf(body, sizeof(body),
			 "{\"network_id\":\"%s\",\"fixed_ips\":[{\"subnet_id\":\"%s\","
			 "\"ip_address\":\"10.0.1.1\"}]}",
			 N1, S1);
		assert_int_equal(
		    fixture_try_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P1, body, &err), -EEXIST);
	}
	/* route gone, then interface, then router, subnet and tenant may go */
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_ROUTER, R1, "{\"routes\":[]}");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, I1, "");
	/* the subnet is free again: a new interface, and the gateway moves */
	assert_int_equal(rif(f->s, I2, R1, S1, &err), 0);
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, I2, "");
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_SUBNET, S1, "{\"gateway_ip\":\"10.0.1.254\"}");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER, R1, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_SUBNET, S1, "");
}

/* A snapshot carries routers and restores into another store; one written
 * with the tables of the format before routers restores too. */
static void test_snapshot(void **state)
{
	struct fx *f = *state;
	struct model_error err;
	char dir[64];
	struct store *b;
	void *snap;
	size_t len;
	uint64_t index;
	json_t *o;

	assert_int_equal(rif(f->s, I1, R1, S1, &err), 0);
	assert_int_equal(store_snapshot(f->s, &snap, &len, &index), 0);
	b = fixture_store_new(dir, "routers-b");
	assert_int_equal(store_restore(b, snap, len, NULL), 0);
	assert_int_equal(store_get(b, MODEL_ROUTER_INTERFACE, I1, &o), 0);
	json_decref(o);
	assert_int_equal(store_get(b, MODEL_ROUTER, R1, &o), 0);
	json_decref(o);
	/* the interface's claims came along: a second one on S1 is refused */
	assert_int_equal(rif(b, I2, R1, S1, &err), -EEXIST);
	free(snap);
	store_destroy(&b);

	/* the format before routers: ten tables (five kinds, five others) */
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER_INTERFACE, I1, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_ROUTER, R1, "");
	assert_int_equal(store_snapshot(f->s, &snap, &len, &index), 0);
	((uint8_t *)snap)[15] = 10; /* big-endian table count at offset 12 */
	b = fixture_store_new(dir, "routers-c");
	assert_int_equal(store_restore(b, snap, len, NULL), 0);
	assert_int_equal(store_get(b, MODEL_SUBNET, S1, &o), 0);
	json_decref(o);
	((uint8_t *)snap)[15] = 11; /* neither format */
	assert_int_equal(store_restore(b, snap, len, NULL), -EPROTO);
	free(snap);
	store_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_interface_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interface_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_routes6, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deletes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
