/* fixture_tenant.h - a tenant with a bit of every kind, for the clone and
 * export tests (unit.store_clone, unit.tenant_export). Include after
 * fixture_store.h. */
#ifndef TENET_FIXTURE_TENANT_H
#define TENET_FIXTURE_TENANT_H

#include <string.h>

#define FT_T	"a0000000-0000-4000-8000-000000000001" /* the source tenant */
#define FT_N1	"a0000000-0000-4000-8000-000000000011"
#define FT_N2	"a0000000-0000-4000-8000-000000000012"
#define FT_S1	"a0000000-0000-4000-8000-000000000021"
#define FT_S2	"a0000000-0000-4000-8000-000000000022"
#define FT_R	"a0000000-0000-4000-8000-000000000031"
#define FT_I1	"a0000000-0000-4000-8000-000000000041"
#define FT_I2	"a0000000-0000-4000-8000-000000000042"
#define FT_G	"a0000000-0000-4000-8000-000000000051" /* group "web" */
#define FT_G2	"a0000000-0000-4000-8000-000000000052" /* group "db" */
#define FT_U1	"a0000000-0000-4000-8000-000000000061"
#define FT_U2	"a0000000-0000-4000-8000-000000000062"
#define FT_U3	"a0000000-0000-4000-8000-000000000063"
#define FT_P1	"a0000000-0000-4000-8000-000000000071"
#define FT_P2	"a0000000-0000-4000-8000-000000000072"
#define FT_P3	"a0000000-0000-4000-8000-000000000073"
#define FT_KEY1 "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define FT_KEY2 "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

/* The source tenant "src": two networks with a subnet each, a router on
 * both with a static route, groups web (a rule naming db as remote, one
 * naming itself) and db, and the default group (one of its rules deleted);
 * three ports on two hosts, one with an address pair, one without port
 * security. */
static inline void fixture_tenant_fill(struct store *s)
{
	struct store *x = s;
	json_t *rules;
	size_t i;
	json_t *r;

	fixture_host_create(x, "h1", FT_KEY1, "198.18.0.1");
	fixture_host_create(x, "h2", FT_KEY2, "198.18.0.2");
	fixture_apply(x, STORE_OP_CREATE, MODEL_TENANT, FT_T,
		      "{\"name\":\"src\",\"description\":\"the source\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_NETWORK, FT_N1,
		      "{\"tenant_id\":\"" FT_T "\",\"name\":\"n1\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_NETWORK, FT_N2,
		      "{\"tenant_id\":\"" FT_T "\",\"name\":\"n2\",\"encapsulation\":\"geneve\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_SUBNET, FT_S1,
		      "{\"network_id\":\"" FT_N1 "\",\"name\":\"s1\",\"cidr\":\"10.0.1.0/24\","
		      "\"dns_nameservers\":[\"10.0.1.53\"]}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_SUBNET, FT_S2,
		      "{\"network_id\":\"" FT_N2 "\",\"name\":\"s2\",\"cidr\":\"10.0.2.0/24\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_ROUTER, FT_R,
		      "{\"tenant_id\":\"" FT_T "\",\"name\":\"r\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_ROUTER_INTERFACE, FT_I1,
		      "{\"router_id\":\"" FT_R "\",\"subnet_id\":\"" FT_S1 "\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_ROUTER_INTERFACE, FT_I2,
		      "{\"router_id\":\"" FT_R "\",\"subnet_id\":\"" FT_S2 "\"}");
	fixture_apply(
	    x, STORE_OP_UPDATE, MODEL_ROUTER, FT_R,
	    "{\"routes\":[{\"destination\":\"192.168.0.0/24\",\"nexthop\":\"10.0.1.5\"}]}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_SECURITY_GROUP, FT_G,
		      "{\"tenant_id\":\"" FT_T "\",\"name\":\"web\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_SECURITY_GROUP, FT_G2,
		      "{\"tenant_id\":\"" FT_T "\",\"name\":\"db\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE, FT_U1,
		      "{\"security_group_id\":\"" FT_G "\",\"direction\":\"ingress\","
		      "\"protocol\":\"tcp\",\"port_range_min\":80,\"port_range_max\":80}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE, FT_U2,
		      "{\"security_group_id\":\"" FT_G "\",\"direction\":\"ingress\","
		      "\"remote_group_id\":\"" FT_G2 "\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_SECURITY_GROUP_RULE, FT_U3,
		      "{\"security_group_id\":\"" FT_G "\",\"direction\":\"ingress\","
		      "\"protocol\":\"icmp\",\"remote_group_id\":\"" FT_G "\"}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_PORT, FT_P1,
		      "{\"network_id\":\"" FT_N1 "\",\"name\":\"vm1\",\"mac_address\":"
		      "\"fa:16:3e:00:00:01\",\"fixed_ips\":[{\"subnet_id\":\"" FT_S1 "\","
		      "\"ip_address\":\"10.0.1.10\"}],\"security_groups\":[\"" FT_G "\"],"
		      "\"allowed_address_pairs\":[{\"ip_address\":\"10.0.1.100\"}],"
		      "\"binding\":{\"host\":\"h1\",\"interface\":\"vif1\"}}");
	/* names none: gets (and makes) the default group */
	fixture_apply(x, STORE_OP_CREATE, MODEL_PORT, FT_P2,
		      "{\"network_id\":\"" FT_N2
		      "\",\"name\":\"vm2\",\"fixed_ips\":[{\"subnet_id\":"
		      "\"" FT_S2 "\",\"ip_address\":\"10.0.2.10\"}],"
		      "\"binding\":{\"host\":\"h2\",\"interface\":\"vif2\"}}");
	fixture_apply(x, STORE_OP_CREATE, MODEL_PORT, FT_P3,
		      "{\"network_id\":\"" FT_N2 "\",\"port_security_enabled\":false}");
	/* the default group loses its IPv6 egress rule */
	assert_int_equal(store_list(x, MODEL_SECURITY_GROUP_RULE, NULL, &rules), 0);
	json_array_foreach(rules, i, r)
	{
		const char *dir = json_string_value(json_object_get(r, "direction"));
		const char *et = json_string_value(json_object_get(r, "ethertype"));

		if (strcmp(dir, "egress") == 0 && strcmp(et, "IPv6") == 0)
			fixture_apply(x, STORE_OP_DELETE, MODEL_SECURITY_GROUP_RULE,
				      json_string_value(json_object_get(r, "id")), "");
	}
	json_decref(rules);
}

/* The objects of kind that belong to tenant (a new reference). */
static inline json_t *fixture_tenant_list(struct store *s, enum model_kind kind, const char *tenant)
{
	json_t *filter = json_pack("{s:s}", "tenant_id", tenant), *out = NULL;

	assert_int_equal(store_list(s, kind, filter, &out), 0);
	json_decref(filter);
	return out;
}

/* Applies a clone or import command; returns its rc, with the result in
 * *res (release it). */
static inline int fixture_tenant_cmd(struct store *s, enum store_op op, const char *id,
				     const json_t *body, struct store_result *res)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	void *cmd;
	size_t len;
	int rc;

	assert_non_null(text);
	assert_int_equal(store_cmd_encode(op, MODEL_TENANT, id, text, NULL, &cmd, &len), 0);
	rc = store_apply(s, cmd, len, res);
	if (rc && getenv("TENET_TEST_DEBUG"))
		fprintf(stderr, "%s: %d %s %s\n", store_op_name(op), rc, res->err.field,
			res->err.message);
	free(cmd);
	free(text);
	return rc;
}

#endif
