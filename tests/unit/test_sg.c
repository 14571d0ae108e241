/* test_sg.c - security groups: rule validation (common/model.c), the
 * store's groups, default group, identities and refusals
 * (controller/store_sg.c), and the policy rows compiled from them
 * (controller/compiler_sg.c): prefix blocks of port ranges, ICMP, prefixes
 * pushed down into the port sets of the prefixes they contain, remote
 * groups expanded to identities, generations. */
#include <arpa/inet.h>
#include <errno.h>
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
#include "fixture_compiler.h"
#include "fixture_store.h"
#include "model.h"
#include "store.h"
#include "tenet_abi.h"

#define T_BLUE "00000000-0000-4000-8000-000000000001"
#define T_RED  "00000000-0000-4000-8000-000000000002"
#define N_BLUE "00000000-0000-4000-8000-0000000000a1"
#define N_RED  "00000000-0000-4000-8000-0000000000a2"
#define G_WEB  "00000000-0000-4000-8000-0000000000c1"
#define G_DB   "00000000-0000-4000-8000-0000000000c2"
#define G_RED  "00000000-0000-4000-8000-0000000000c3"
#define P1     "00000000-0000-4000-8000-0000000000d1"
#define P2     "00000000-0000-4000-8000-0000000000d2"
#define P3     "00000000-0000-4000-8000-0000000000d3"
#define P4     "00000000-0000-4000-8000-0000000000d4"
#define RULE1  "00000000-0000-4000-8000-0000000000e1"
#define RULE2  "00000000-0000-4000-8000-0000000000e2"

/* ---- validation ---- */

/* Checks that rule body is refused naming field. */
static void rule_bad(const char *body, const char *field)
{
	struct model_error err = {0};
	json_t *j = json_loads(body, 0, NULL);

	assert_non_null(j);
	if (model_validate_create(MODEL_SECURITY_GROUP_RULE, j, &err) != -EINVAL)
		fail_msg("accepted: %s", body);
	if (strcmp(err.field, field) != 0)
		fail_msg("%s: field %s (%s), want %s", body, err.field, err.message, field);
	assert_true(err.message[0] != '\0');
	json_decref(j);
}

static void rule_good(const char *body)
{
	struct model_error err = {0};
	json_t *j = json_loads(body, 0, NULL);

	assert_non_null(j);
	if (model_validate_create(MODEL_SECURITY_GROUP_RULE, j, &err) != 0)
		fail_msg("refused: %s: %s %s", body, err.field, err.message);
	json_decref(j);
}

#define R "{\"security_group_id\":\"" G_WEB "\",\"direction\":\"ingress\""

static void test_rule_validation(void **state)
{
	(void)state;
	rule_good(R "}");
	rule_good(R ",\"protocol\":\"tcp\",\"port_range_min\":1,\"port_range_max\":65535}");
	rule_good(R ",\"protocol\":6,\"port_range_min\":80,\"port_range_max\":80}");
	rule_good(R ",\"protocol\":\"17\"}");
	rule_good(R ",\"protocol\":\"any\"}");
	rule_good(R ",\"protocol\":null,\"remote_ip_prefix\":null,\"remote_group_id\":null}");
	rule_good(R ",\"protocol\":47}");
	rule_good(R ",\"protocol\":\"icmp\",\"port_range_min\":8,\"port_range_max\":0}");
	rule_good(R ",\"protocol\":\"icmp\",\"port_range_min\":3}");
	rule_good(R ",\"ethertype\":\"IPv6\",\"protocol\":\"icmpv6\",\"port_range_min\":135}");
	rule_good(R ",\"ethertype\":\"IPv6\",\"remote_ip_prefix\":\"fd00::/8\"}");
	rule_good(R ",\"remote_group_id\":\"" G_DB "\"}");

	rule_bad(R ",\"protocol\":\"bogus\"}", "protocol");
	rule_bad(R ",\"protocol\":256}", "protocol");
	rule_bad(R ",\"protocol\":-1}", "protocol");
	rule_bad(R ",\"protocol\":\"1000\"}", "protocol");
	rule_bad(R ",\"protocol\":\"\"}", "protocol");
	rule_bad("{\"security_group_id\":\"" G_WEB "\",\"direction\":\"up\"}", "direction");
	rule_bad(R ",\"ethertype\":\"ipv4\"}", "ethertype");
	rule_bad("{\"direction\":\"ingress\"}", "security_group_id");
	rule_bad(R ",\"protocol\":\"tcp\",\"port_range_min\":2000,\"port_range_max\":1999}",
		 "port_range_min");
	rule_bad(R ",\"protocol\":\"tcp\",\"port_range_min\":0,\"port_range_max\":5}",
		 "port_range_min");
	rule_bad(R ",\"protocol\":\"udp\",\"port_range_min\":70000,\"port_range_max\":1}",
		 "port_range_min");
	rule_bad(R ",\"protocol\":\"tcp\",\"port_range_max\":5}", "port_range_min");
	rule_bad(R ",\"protocol\":\"tcp\",\"port_range_min\":5}", "port_range_max");
	rule_bad(R ",\"port_range_min\":5,\"port_range_max\":5}", "port_range_min");
	rule_bad(R ",\"protocol\":47,\"port_range_min\":5,\"port_range_max\":5}", "port_range_min");
	rule_bad(R ",\"protocol\":\"icmp\",\"port_range_max\":0}", "port_range_max");
	rule_bad(R ",\"protocol\":\"icmp\",\"port_range_min\":256}", "port_range_min");
	rule_bad(R ",\"protocol\":\"icmp\",\"port_range_min\":3,\"port_range_max\":256}",
		 "port_range_max");
	rule_bad(R ",\"protocol\":\"icmpv6\"}", "protocol");
	rule_bad(R ",\"ethertype\":\"IPv6\",\"protocol\":\"icmp\"}", "protocol");
	rule_bad(R ",\"ethertype\":\"IPv6\",\"remote_ip_prefix\":\"10.0.0.0/8\"}",
		 "remote_ip_prefix");
	rule_bad(R ",\"remote_ip_prefix\":\"fd00::/8\"}", "remote_ip_prefix");
	rule_bad(R ",\"remote_ip_prefix\":\"10.0.0.1/8\"}", "remote_ip_prefix");
	rule_bad(R ",\"remote_ip_prefix\":\"10.0.0.0/8\",\"remote_group_id\":\"" G_DB "\"}",
		 "remote_group_id");
	rule_bad(R ",\"remote_group_id\":\"db\"}", "remote_group_id");
	rule_bad(R ",\"sg_key\":3}", "sg_key");
}

static void port_bad(const char *body, const char *field)
{
	struct model_error err = {0};
	json_t *j = json_loads(body, 0, NULL);

	assert_non_null(j);
	if (model_validate_update(MODEL_PORT, j, &err) != -EINVAL)
		fail_msg("accepted: %s", body);
	if (strcmp(err.field, field) != 0)
		fail_msg("%s: field %s (%s), want %s", body, err.field, err.message, field);
	json_decref(j);
}

static void test_port_validation(void **state)
{
	(void)state;
	port_bad("{\"security_groups\":\"" G_WEB "\"}", "security_groups");
	port_bad("{\"security_groups\":[\"web\"]}", "security_groups[0]");
	port_bad("{\"security_groups\":[\"" G_WEB "\",\"" G_WEB "\",\"" G_WEB "\",\"" G_WEB
		 "\",\"" G_WEB "\",\"" G_WEB "\",\"" G_WEB "\",\"" G_WEB "\",\"" G_WEB "\"]}",
		 "security_groups");
	port_bad("{\"allowed_address_pairs\":[{}]}", "allowed_address_pairs[0].ip_address");
	port_bad("{\"allowed_address_pairs\":[{\"ip_address\":\"10.0.0.0/24\"}]}",
		 "allowed_address_pairs[0].ip_address");
	port_bad("{\"allowed_address_pairs\":[{\"ip_address\":\"10.0.0.1\",\"x\":1}]}",
		 "allowed_address_pairs[0].x");
	port_bad("{\"allowed_address_pairs\":[{\"ip_address\":\"10.0.0.1\","
		 "\"mac_address\":\"ff:ff:ff:ff:ff:ff\"}]}",
		 "allowed_address_pairs[0].mac_address");
	port_bad("{\"identity\":3}", "identity");
}

/* ---- the store ---- */

struct fx {
	char dir[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = fixture_store_new(f->dir, "sg");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_TENANT, T_BLUE, "{\"name\":\"blue\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_TENANT, T_RED, "{\"name\":\"red\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_NETWORK, N_BLUE,
		      "{\"tenant_id\":\"" T_BLUE "\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_NETWORK, N_RED, "{\"tenant_id\":\"" T_RED "\"}");
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

static json_t *get(struct store *s, enum model_kind kind, const char *id)
{
	json_t *o = NULL;

	assert_int_equal(store_get(s, kind, id, &o), 0);
	return o;
}

static long long identity(struct store *s, const char *port)
{
	json_t *o = get(s, MODEL_PORT, port);
	long long v = json_integer_value(json_object_get(o, "identity"));

	json_decref(o);
	return v;
}

static void expect_refusal(struct store *s, enum store_op op, enum model_kind kind, const char *id,
			   const char *body, int rc, const char *field)
{
	struct model_error err = {0};
	uint64_t rev = store_revision(s);

	assert_int_equal(fixture_try_apply(s, op, kind, id, body, &err), rc);
	if (field && strcmp(err.field, field) != 0)
		fail_msg("%s: field %s (%s), want %s", body, err.field, err.message, field);
	assert_int_equal(store_revision(s), rev);
}

static void test_default_group(void **state)
{
	struct fx *f = *state;
	json_t *p, *list, *filter;
	const char *def;

	fixture_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P1, "{\"network_id\":\"" N_BLUE "\"}");
	p = get(f->s, MODEL_PORT, P1);
	assert_int_equal(json_array_size(json_object_get(p, "security_groups")), 1);
	def = json_string_value(json_array_get(json_object_get(p, "security_groups"), 0));
	filter = json_pack("{s:s}", "security_group_id", def);
	assert_int_equal(store_list(f->s, MODEL_SECURITY_GROUP_RULE, filter, &list), 0);
	assert_int_equal(json_array_size(list), 4); /* egress v4, v6; ingress from itself v4, v6 */
	json_decref(list);
	json_decref(filter);
	assert_true(identity(f->s, P1) > 0 && identity(f->s, P1) < TN_MAX_IDENTITY);
	/* the next port of the tenant gets the same group, and identity */
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P2, "{\"network_id\":\"" N_BLUE "\"}");
	assert_int_equal(identity(f->s, P2), identity(f->s, P1));
	/* the default group stays while its tenant does */
	expect_refusal(f->s, STORE_OP_DELETE, MODEL_SECURITY_GROUP, def, "", -EBUSY, NULL);
	expect_refusal(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP, G_WEB,
		       "{\"tenant_id\":\"" T_BLUE "\",\"name\":\"default\"}", -EEXIST, "name");
	/* without port security: no group, identity 0 */
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P3,
		      "{\"network_id\":\"" N_BLUE "\",\"port_security_enabled\":false}");
	assert_int_equal(identity(f->s, P3), 0);
	json_decref(p);
}

static void test_identities(void **state)
{
	struct fx *f = *state;
	long long def_id, web_id;

	fixture_apply(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP, G_WEB,
		      "{\"tenant_id\":\"" T_BLUE "\",\"name\":\"web\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP, G_DB,
		      "{\"tenant_id\":\"" T_BLUE "\",\"name\":\"db\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P1, "{\"network_id\":\"" N_BLUE "\"}");
	def_id = identity(f->s, P1);
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P2,
		      "{\"network_id\":\"" N_BLUE "\",\"security_groups\":[\"" G_WEB "\",\"" G_DB
		      "\"]}");
	web_id = identity(f->s, P2);
	assert_true(web_id > 0 && web_id != def_id);
	/* the same set in another order, repeated: the same identity */
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_PORT, P1,
		      "{\"security_groups\":[\"" G_DB "\",\"" G_WEB "\",\"" G_DB "\"]}");
	assert_int_equal(identity(f->s, P1), web_id);
	/* the empty set with port security is an identity too */
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_PORT, P1, "{\"security_groups\":[]}");
	assert_true(identity(f->s, P1) > 0);
	assert_true(identity(f->s, P1) != def_id && identity(f->s, P1) != web_id);
	/* identities are kept: the first set gets its number back */
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_PORT, P1,
		      "{\"security_groups\":[\"" G_WEB "\",\"" G_DB "\"]}");
	assert_int_equal(identity(f->s, P1), web_id);
	/* port security off: no groups (dropped when the patch names none),
	 * no pairs */
	expect_refusal(f->s, STORE_OP_UPDATE, MODEL_PORT, P1,
		       "{\"port_security_enabled\":false,\"security_groups\":[\"" G_WEB "\"]}",
		       -EINVAL, "security_groups");
	fixture_apply(f->s, STORE_OP_UPDATE, MODEL_PORT, P1, "{\"port_security_enabled\":false}");
	{
		json_t *o = get(f->s, MODEL_PORT, P1);

		assert_int_equal(json_array_size(json_object_get(o, "security_groups")), 0);
		json_decref(o);
	}
	assert_int_equal(identity(f->s, P1), 0);
	expect_refusal(f->s, STORE_OP_UPDATE, MODEL_PORT, P1,
		       "{\"allowed_address_pairs\":[{\"ip_address\":\"10.0.0.9\"}]}", -EINVAL,
		       "allowed_address_pairs");
	/* another tenant's group, a missing one */
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP, G_RED,
		      "{\"tenant_id\":\"" T_RED "\",\"name\":\"web\"}");
	expect_refusal(f->s, STORE_OP_UPDATE, MODEL_PORT, P2,
		       "{\"security_groups\":[\"" G_RED "\"]}", -EINVAL, "security_groups[0]");
	expect_refusal(f->s, STORE_OP_UPDATE, MODEL_PORT, P2,
		       "{\"security_groups\":[\"" G_WEB "\",\"" P4 "\"]}", -ENOENT,
		       "security_groups[1]");
	/* a red port with red's group has an identity of red's own */
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P3,
		      "{\"network_id\":\"" N_RED "\",\"security_groups\":[\"" G_RED "\"]}");
	assert_true(identity(f->s, P3) > 0 && identity(f->s, P3) != web_id);
}

static void test_rules_and_refusals(void **state)
{
	struct fx *f = *state;
	json_t *r, *o;

	fixture_apply(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP, G_WEB,
		      "{\"tenant_id\":\"" T_BLUE "\",\"name\":\"web\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP, G_DB,
		      "{\"tenant_id\":\"" T_BLUE "\",\"name\":\"db\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP, G_RED,
		      "{\"tenant_id\":\"" T_RED "\",\"name\":\"red\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE, RULE1,
		      "{\"security_group_id\":\"" G_DB "\",\"direction\":\"ingress\","
		      "\"protocol\":\"6\",\"port_range_min\":5432,\"port_range_max\":5432,"
		      "\"remote_group_id\":\"" G_WEB "\"}");
	r = get(f->s, MODEL_SECURITY_GROUP_RULE, RULE1);
	assert_string_equal(json_string_value(json_object_get(r, "protocol")), "tcp");
	assert_string_equal(json_string_value(json_object_get(r, "ethertype")), "IPv4");
	assert_string_equal(json_string_value(json_object_get(r, "tenant_id")), T_BLUE);
	json_decref(r);
	/* the same match again; a remote group of another tenant */
	expect_refusal(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE, RULE2,
		       "{\"security_group_id\":\"" G_DB "\",\"direction\":\"ingress\","
		       "\"protocol\":\"tcp\",\"port_range_min\":5432,\"port_range_max\":5432,"
		       "\"remote_group_id\":\"" G_WEB "\"}",
		       -EEXIST, "security_group_id");
	expect_refusal(f->s, STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE, RULE2,
		       "{\"security_group_id\":\"" G_DB "\",\"direction\":\"ingress\","
		       "\"remote_group_id\":\"" G_RED "\"}",
		       -EINVAL, "remote_group_id");
	expect_refusal(f->s, STORE_OP_UPDATE, MODEL_SECURITY_GROUP_RULE, RULE1,
		       "{\"direction\":\"egress\"}", -EINVAL, "direction");
	/* 409: a group a rule names as remote, a group of a port */
	expect_refusal(f->s, STORE_OP_DELETE, MODEL_SECURITY_GROUP, G_WEB, "", -EBUSY, "id");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_PORT, P1,
		      "{\"network_id\":\"" N_BLUE "\",\"security_groups\":[\"" G_DB "\"]}");
	expect_refusal(f->s, STORE_OP_DELETE, MODEL_SECURITY_GROUP, G_DB, "", -EBUSY, "id");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_PORT, P1, "");
	/* a group goes with its rules; then the remote group is free */
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_SECURITY_GROUP, G_DB, "");
	assert_int_equal(store_get(f->s, MODEL_SECURITY_GROUP_RULE, RULE1, &o), -ENOENT);
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_SECURITY_GROUP, G_WEB, "");
	/* a tenant goes with its groups */
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_NETWORK, N_RED, "");
	fixture_apply(f->s, STORE_OP_DELETE, MODEL_TENANT, T_RED, "");
	assert_int_equal(store_get(f->s, MODEL_SECURITY_GROUP, G_RED, &o), -ENOENT);
}

/* ---- compiled rows ---- */

static struct topo_network c_nets[1];
static struct topo_host c_hosts[2];
static struct topo_port c_ports[4];
static struct topo_sg c_sgs[3];
static struct topo_sg_rule c_rules[8];

/* A topology: host h1 with ports 0 (identity 10: web) and 1 (identity 20:
 * web, db); host h2 with port 2 (identity 30: db); port 3 unbound
 * (identity 40: app); rules as the test sets them. */
static struct topology c_topo(size_t n_rules)
{
	static const char *const names[] = {"web", "db", "app"};

	memset(c_nets, 0, sizeof(c_nets));
	memset(c_hosts, 0, sizeof(c_hosts));
	memset(c_ports, 0, sizeof(c_ports));
	memset(c_sgs, 0, sizeof(c_sgs));
	snprintf(c_nets[0].id, TOPO_ID_MAX, "net");
	snprintf(c_nets[0].tenant_id, TOPO_ID_MAX, "blue");
	c_nets[0].vni = 100;
	for (int i = 0; i < 2; i++) {
		snprintf(c_hosts[i].name, TOPO_HOST_MAX, "h%d", i + 1);
		c_hosts[i].host_id = (uint32_t)i + 1;
		c_hosts[i].ip4 = htonl(0xc6120001u + (uint32_t)i);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(c_sgs[i].id, TOPO_ID_MAX, "%s", names[i]);
		snprintf(c_sgs[i].tenant_id, TOPO_ID_MAX, "blue");
		c_sgs[i].sg_key = 100 + (uint32_t)i;
	}
	for (int i = 0; i < 4; i++) {
		struct topo_port *p = &c_ports[i];

		port_set(p, (const char *[]){"p0", "p1", "p2", "p3"}[i], "net", (uint32_t)i + 1,
			 (uint8_t)(i + 1),
			 (const char *[]){"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}[i],
			 (const char *[]){"h1", "h1", "h2", ""}[i], "vif");
		p->port_security = true;
		p->identity = (uint32_t)(i + 1) * 10;
	}
	snprintf(c_ports[0].sgs[c_ports[0].n_sgs++], TOPO_ID_MAX, "web");
	snprintf(c_ports[1].sgs[c_ports[1].n_sgs++], TOPO_ID_MAX, "db");
	snprintf(c_ports[1].sgs[c_ports[1].n_sgs++], TOPO_ID_MAX, "web");
	snprintf(c_ports[2].sgs[c_ports[2].n_sgs++], TOPO_ID_MAX, "db");
	snprintf(c_ports[3].sgs[c_ports[3].n_sgs++], TOPO_ID_MAX, "app");
	return (struct topology){.networks = c_nets,
				 .n_networks = 1,
				 .hosts = c_hosts,
				 .n_hosts = 2,
				 .ports = c_ports,
				 .n_ports = 4,
				 .sgs = c_sgs,
				 .n_sgs = 3,
				 .sg_rules = c_rules,
				 .n_sg_rules = n_rules};
}

/* Rule i of group sg: proto (-1 any), ports (-1 none), prefix "" or a v4 CIDR. */
static void c_rule(int i, const char *sg, bool ingress, int proto, int min, int max,
		   const char *prefix, const char *remote_group)
{
	struct topo_sg_rule *r = &c_rules[i];
	struct model_cidr c;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, TOPO_ID_MAX, "rule%d", i);
	snprintf(r->sg_id, TOPO_ID_MAX, "%s", sg);
	snprintf(r->remote_group, TOPO_ID_MAX, "%s", remote_group ? remote_group : "");
	r->ingress = ingress;
	r->ip_version = 4;
	r->proto = (int16_t)proto;
	r->port_min = min;
	r->port_max = max;
	if (prefix && prefix[0]) {
		assert_int_equal(model_cidr_parse(prefix, &c), 0);
		r->has_prefix = true;
		r->prefix_len = (uint8_t)c.prefix;
		memcpy(r->addr, c.addr, 16);
	}
}

/* The rows of map with identity id (policy keys carry it big-endian after
 * prefixlen; tn_sg_ident's in host order). */
static size_t c_count(const struct rows *r, uint8_t map, uint32_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		uint32_t k;

		if (r->r[i].map != map)
			continue;
		memcpy(&k, r->r[i].key + (map == TN_MAP_SG_IDENT ? 0 : 4), 4);
		n += (map == TN_MAP_SG_IDENT ? k : ntohl(k)) == id;
	}
	return n;
}

/* The tn_sg_pset rows of identity id, port set pset: (prefixlen, port). */
static size_t c_psets(const struct rows *r, uint32_t id, uint32_t pset, uint32_t *plen,
		      uint16_t *port, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct tn_sg_pset_key k;

		if (r->r[i].map != TN_MAP_SG_PSET)
			continue;
		memcpy(&k, r->r[i].key, sizeof(k));
		if (ntohl(k.identity) != id || ntohl(k.pset) != pset || n == max)
			continue;
		plen[n] = k.prefixlen;
		port[n++] = ntohs(k.port);
	}
	return n;
}

static uint32_t c_gen(const struct rows *r, uint32_t id)
{
	struct tn_sg_ident_key k = {.identity = id};
	const struct wire_row *w = find(r, TN_MAP_SG_IDENT, &k);
	struct tn_sg_ident v;

	assert_non_null(w);
	memcpy(&v, w->val, sizeof(v));
	assert_int_not_equal(v.gen, 0);
	return v.gen;
}

static void test_port_ranges(void **state)
{
	struct topology t;
	struct rows r;
	uint32_t plen[64];
	uint16_t port[64];
	size_t n;

	(void)state;
	c_rule(0, "web", true, 6, 1, 65535, "", NULL);
	t = c_topo(1);
	r = build(&t, "h1");
	/* 1-65535: 1, 2-3, 4-7, ..., 32768-65535 */
	n = c_psets(&r, 10, 1, plen, port, 64);
	assert_int_equal(n, 16);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(port[i] & (port[i] - 1), 0); /* a power of two */
		assert_int_equal(plen[i], TN_SG_PSET_PLEN_PROTO + 16 - __builtin_ctz(port[i]));
	}
	assert_int_equal(c_count(&r, TN_MAP_SG_CIDR, 10), 1); /* 0.0.0.0/0, ingress */
	assert_int_equal(c_count(&r, TN_MAP_SG_IDENT, 10), 1);
	assert_int_equal(c_count(&r, TN_MAP_SG_IDENT, 20), 1);
	assert_int_equal(c_count(&r, TN_MAP_SG_IDENT, 30), 0); /* on h2 */
	free(r.r);

	c_rule(0, "web", true, 6, 80, 80, "", NULL);
	r = build(&t, "h1");
	assert_int_equal(c_psets(&r, 10, 1, plen, port, 64), 1);
	assert_int_equal(plen[0], TN_SG_PSET_PLEN_PROTO + 16);
	assert_int_equal(port[0], 80);
	free(r.r);

	/* 1000-1999: 1000-1007, 1008-1023, 1024-1535, 1536-1791, 1792-1919,
	 * 1920-1983, 1984-1999 */
	c_rule(0, "web", true, 17, 1000, 1999, "", NULL);
	r = build(&t, "h1");
	n = c_psets(&r, 10, 1, plen, port, 64);
	{
		static const uint16_t want_port[] = {1000, 1008, 1024, 1536, 1792, 1920, 1984};
		static const uint32_t want_bits[] = {13, 12, 7, 8, 9, 10, 12};

		assert_int_equal(n, 7);
		for (size_t i = 0; i < 7; i++) { /* rows sort by prefixlen first */
			size_t k = 0;

			while (k < n && port[k] != want_port[i])
				k++;
			assert_true(k < n);
			assert_int_equal(plen[k], TN_SG_PSET_PLEN_PROTO + want_bits[i]);
		}
	}
	free(r.r);

	/* ICMP: type and code, type alone; any protocol */
	c_rule(0, "web", true, 1, 8, 0, "", NULL);
	c_rule(1, "db", false, 1, 3, -1, "", NULL);
	c_rule(2, "db", true, -1, -1, -1, "", NULL);
	t = c_topo(3);
	r = build(&t, "h1");
	n = c_psets(&r, 10, 1, plen, port, 64);
	assert_int_equal(n, 1);
	assert_int_equal(plen[0], TN_SG_PSET_PLEN_PROTO + 16);
	assert_int_equal(port[0], 8 << 8);
	/* identity 20: ingress (pset 1: any, and ICMP 8/0), egress (pset 2: type 3) */
	n = c_psets(&r, 20, 1, plen, port, 64);
	assert_int_equal(n, 2);
	assert_int_equal(c_psets(&r, 20, 2, plen, port, 64), 1);
	assert_int_equal(plen[0], TN_SG_PSET_PLEN_PROTO + 8);
	assert_int_equal(port[0], 3 << 8);
	free(r.r);
}

static void test_pushdown(void **state)
{
	struct topology t;
	struct rows r;
	uint32_t plen[64];
	uint16_t port[64];
	struct tn_sg_cidr_key ck = {.identity = htonl(10), .dir = TN_SG_INGRESS | TN_SG_IPV4};
	const struct wire_row *w;
	struct tn_sg_cidr cv;

	(void)state;
	/* 10.0.0.0/8 tcp 22, 10.1.0.0/16 tcp 80, 0.0.0.0/0 tcp 443 */
	c_rule(0, "web", true, 6, 22, 22, "10.0.0.0/8", NULL);
	c_rule(1, "web", true, 6, 80, 80, "10.1.0.0/16", NULL);
	c_rule(2, "web", true, 6, 443, 443, "", NULL);
	t = c_topo(3);
	r = build(&t, "h1");
	assert_int_equal(c_count(&r, TN_MAP_SG_CIDR, 10), 3);
	/* three contents, numbered in (dir, address, length) order of their
	 * first prefix: /0 = 1, /8 = 2, /16 = 3 */
	ck.prefixlen = 64 + 16;
	ck.addr[0] = 10;
	ck.addr[1] = 1;
	w = find(&r, TN_MAP_SG_CIDR, &ck);
	assert_non_null(w);
	memcpy(&cv, w->val, sizeof(cv));
	assert_int_equal(cv.pset, 3);
	/* the /16 holds its own rule and those of the /8 and the /0 */
	assert_int_equal(c_psets(&r, 10, 3, plen, port, 64), 3);
	assert_int_equal(c_psets(&r, 10, 2, plen, port, 64), 2); /* /8: 22, 443 */
	assert_int_equal(c_psets(&r, 10, 1, plen, port, 64), 1); /* /0: 443 */
	assert_int_equal(port[0], 443);
	free(r.r);
}

/* The port set of identity id's v4 prefix a.b.c.0/24 in direction dir. */
static uint32_t c_pset_of(const struct rows *r, uint32_t id, uint8_t dir, uint8_t b, uint8_t c)
{
	struct tn_sg_cidr_key ck = {.prefixlen = 64 + 24,
				    .identity = htonl(id),
				    .dir = (uint8_t)(dir | TN_SG_IPV4),
				    .addr = {10, b, c}};
	const struct wire_row *w = find(r, TN_MAP_SG_CIDR, &ck);
	struct tn_sg_cidr cv;

	assert_non_null(w);
	memcpy(&cv, w->val, sizeof(cv));
	assert_int_not_equal(cv.pset, 0);
	return cv.pset;
}

static void test_pset_by_content(void **state)
{
	struct topology t;
	struct rows r;
	uint32_t plen[64];
	uint16_t port[64];

	(void)state;
	/* web: UDP from 10.1.0.0/24 and 10.2.0.0/24 (the same port set), TCP
	 * 22 from 10.3.0.0/24 (another), UDP to 10.4.0.0/24 (egress: the same
	 * rows as the first, and port sets are the identity's) */
	c_rule(0, "web", true, 17, -1, -1, "10.1.0.0/24", NULL);
	c_rule(1, "web", true, 17, -1, -1, "10.2.0.0/24", NULL);
	c_rule(2, "web", true, 6, 22, 22, "10.3.0.0/24", NULL);
	c_rule(3, "web", false, 17, -1, -1, "10.4.0.0/24", NULL);
	/* db: UDP from 10.5.0.0/24, the same block but another group */
	c_rule(4, "db", true, 17, -1, -1, "10.5.0.0/24", NULL);
	t = c_topo(5);
	r = build(&t, "h1");
	/* identity 10 (web): four prefixes, two port sets, two pset rows */
	assert_int_equal(c_count(&r, TN_MAP_SG_CIDR, 10), 4);
	assert_int_equal(c_pset_of(&r, 10, TN_SG_INGRESS, 1, 0), 1);
	assert_int_equal(c_pset_of(&r, 10, TN_SG_INGRESS, 2, 0), 1);
	assert_int_equal(c_pset_of(&r, 10, TN_SG_INGRESS, 3, 0), 2);
	assert_int_equal(c_pset_of(&r, 10, TN_SG_EGRESS, 4, 0), 1);
	assert_int_equal(c_count(&r, TN_MAP_SG_PSET, 10), 2);
	assert_int_equal(c_psets(&r, 10, 1, plen, port, 64), 1);
	assert_int_equal(plen[0], TN_SG_PSET_PLEN_PROTO);
	assert_int_equal(c_psets(&r, 10, 2, plen, port, 64), 1);
	assert_int_equal(plen[0], TN_SG_PSET_PLEN_PROTO + 16);
	assert_int_equal(port[0], 22);
	/* identity 20 (web, db): db's UDP names db, so a third port set */
	assert_int_equal(c_count(&r, TN_MAP_SG_CIDR, 20), 5);
	assert_int_equal(c_pset_of(&r, 20, TN_SG_INGRESS, 1, 0), 1);
	assert_int_equal(c_pset_of(&r, 20, TN_SG_INGRESS, 2, 0), 1);
	assert_int_equal(c_pset_of(&r, 20, TN_SG_INGRESS, 3, 0), 2);
	assert_int_equal(c_pset_of(&r, 20, TN_SG_INGRESS, 5, 0), 3);
	assert_int_equal(c_pset_of(&r, 20, TN_SG_EGRESS, 4, 0), 1);
	assert_int_equal(c_count(&r, TN_MAP_SG_PSET, 20), 3);
	free(r.r);

	/* the same rule in another order (rule ids too) numbers the same */
	c_rule(0, "web", false, 17, -1, -1, "10.4.0.0/24", NULL);
	c_rule(1, "web", true, 6, 22, 22, "10.3.0.0/24", NULL);
	c_rule(2, "db", true, 17, -1, -1, "10.5.0.0/24", NULL);
	c_rule(3, "web", true, 17, -1, -1, "10.2.0.0/24", NULL);
	c_rule(4, "web", true, 17, -1, -1, "10.1.0.0/24", NULL);
	t = c_topo(5);
	r = build(&t, "h1");
	assert_int_equal(c_pset_of(&r, 10, TN_SG_INGRESS, 1, 0), 1);
	assert_int_equal(c_pset_of(&r, 10, TN_SG_INGRESS, 3, 0), 2);
	assert_int_equal(c_pset_of(&r, 20, TN_SG_INGRESS, 5, 0), 3);
	assert_int_equal(c_pset_of(&r, 20, TN_SG_EGRESS, 4, 0), 1);
	assert_int_equal(c_count(&r, TN_MAP_SG_PSET, 10), 2);
	assert_int_equal(c_count(&r, TN_MAP_SG_PSET, 20), 3);
	free(r.r);
}

static void test_remote_groups_and_gen(void **state)
{
	struct topology t;
	struct rows r, r2, r3;
	uint32_t gen10, gen20;

	(void)state;
	/* web admits tcp 8080 from db: expanded to every identity with db */
	c_rule(0, "web", true, 6, 8080, 8080, "", "db");
	c_rule(1, "db", false, -1, -1, -1, "", NULL);
	t = c_topo(2);
	r = build(&t, "h1");
	/* identity 10 (web): from 20 (web, db) and 30 (db), not 40 (app) */
	assert_int_equal(c_count(&r, TN_MAP_SG_RULE, 10), 2);
	{
		struct tn_sg_rule_key k = {.prefixlen = TN_SG_RULE_PLEN_PROTO + 16,
					   .identity = htonl(10),
					   .remote = htonl(30),
					   .dir = TN_SG_INGRESS | TN_SG_IPV4,
					   .proto = 6,
					   .port = htons(8080)};
		const struct wire_row *w = find(&r, TN_MAP_SG_RULE, &k);
		struct tn_sg_allow v;

		assert_non_null(w);
		memcpy(&v, w->val, sizeof(v));
		assert_int_equal(v.group, 100); /* web's sg_key */
	}
	gen10 = c_gen(&r, 10);
	gen20 = c_gen(&r, 20);
	/* identities on the port rows */
	{
		struct tn_lport_key lk = {.port_id = 1};
		const struct wire_row *w = find(&r, TN_MAP_LPORT, &lk);
		struct tn_lport lv;

		assert_non_null(w);
		memcpy(&lv, w->val, sizeof(lv));
		assert_int_equal(lv.identity, 10);
	}
	/* the unbound port joins db: identity 40 now holds db, web's rows
	 * change (and its gen), not those of identity 20's egress */
	snprintf(c_ports[3].sgs[c_ports[3].n_sgs++], TOPO_ID_MAX, "db");
	r2 = build(&t, "h1");
	assert_int_equal(c_count(&r2, TN_MAP_SG_RULE, 10), 3);
	assert_int_not_equal(c_gen(&r2, 10), gen10);
	/* a rule change changes the gen of the identities that have it */
	c_rule(1, "db", false, 17, -1, -1, "", NULL);
	r3 = build(&t, "h1");
	assert_int_not_equal(c_gen(&r3, 20), gen20);
	assert_int_equal(c_gen(&r3, 10), c_gen(&r2, 10));
	free(r.r);
	free(r2.r);
	free(r3.r);
}

/* Allowed address pairs: ARP rows naming the port with the pair's MAC, an
 * FDB row for a MAC that is not the port's, ND for IPv6. */
static void test_pairs(void **state)
{
	struct topology t;
	struct rows r;
	struct tn_arp_key ak = {.vni = 100, .ip4 = ip("10.0.0.200")};
	struct tn_fdb_key fk = {.vni = 100, .mac = {2, 0, 0, 0, 0, 0x77}};
	const struct wire_row *w;
	struct tn_arp av;
	struct tn_fdb fv;

	(void)state;
	t = c_topo(0);
	c_ports[0].n_pairs = 2;
	c_ports[0].pairs[0].ip_version = 4;
	memcpy(c_ports[0].pairs[0].addr, &ak.ip4, 4);
	memcpy(c_ports[0].pairs[0].mac, fk.mac, 6);
	c_ports[0].pairs[1].ip_version = 6;
	c_ports[0].pairs[1].addr[0] = 0xfd;
	c_ports[0].pairs[1].addr[15] = 0x50;
	memcpy(c_ports[0].pairs[1].mac, c_ports[0].mac, 6);
	for (int h = 1; h <= 2; h++) {
		r = build(&t, h == 1 ? "h1" : "h2");
		w = find(&r, TN_MAP_ARP, &ak);
		assert_non_null(w);
		memcpy(&av, w->val, sizeof(av));
		assert_int_equal(av.port_id, 1);
		assert_int_equal(av.identity, 10);
		assert_memory_equal(av.mac, fk.mac, 6);
		w = find(&r, TN_MAP_FDB, &fk);
		assert_non_null(w);
		memcpy(&fv, w->val, sizeof(fv));
		assert_int_equal(fv.port_id, 1);
		assert_int_equal(fv.flags & (h == 1 ? TN_FDB_F_LOCAL : TN_FDB_F_REMOTE),
				 h == 1 ? TN_FDB_F_LOCAL : TN_FDB_F_REMOTE);
		assert_int_equal(count(&r, TN_MAP_ND), 1);
		free(r.r);
	}
	c_ports[0].n_pairs = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_validation),
	    cmocka_unit_test(test_port_validation),
	    cmocka_unit_test_setup_teardown(test_default_group, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identities, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rules_and_refusals, setup, teardown),
	    cmocka_unit_test(test_port_ranges),
	    cmocka_unit_test(test_pushdown),
	    cmocka_unit_test(test_pset_by_content),
	    cmocka_unit_test(test_remote_groups_and_gen),
	    cmocka_unit_test(test_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
