/* test_model.c - validation of every field of every kind (common/model.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

#define T_UUID	"0b6b1c5e-8a53-4bd2-9d5e-2f1f0a1b2c3d"
#define T_UUID2 "1c7c2d6f-9b64-4ce3-8e6f-3a2a1b2c3d4e"
#define T_KEY	"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

/* One validation case. */
struct model_case {
	enum model_kind kind; /* which kind */
	bool update;	      /* update (patch) or create */
	const char *json;     /* body */
	const char *field;    /* NULL: must pass; else the field the error names */
	const char *code;     /* expected error code, or NULL to skip the check */
};

static const struct model_case cases[] = {
    /* tenant */
    {MODEL_TENANT, false, "{\"name\":\"blue\"}", NULL, NULL},
    {MODEL_TENANT, false, "{\"name\":\"blue\",\"description\":\"d\"}", NULL, NULL},
    {MODEL_TENANT, false, "{}", "name", "missing_field"},
    {MODEL_TENANT, false, "[]", "", "invalid_body"},
    {MODEL_TENANT, false, "{\"name\":5}", "name", "invalid_type"},
    {MODEL_TENANT, false, "{\"name\":\"a\\u0000b\"}", "name", "invalid_type"},
    {MODEL_TENANT, false, "{\"name\":\"x\",\"id\":\"" T_UUID "\"}", "id", "read_only_field"},
    {MODEL_TENANT, false, "{\"name\":\"x\",\"color\":1}", "color", "unknown_field"},
    {MODEL_TENANT, false, "{\"name\":\"x\",\"description\":null}", "description", "invalid_type"},
    {MODEL_TENANT, true, "{\"name\":\"red\"}", NULL, NULL},
    {MODEL_TENANT, true, "{}", "", "invalid_body"},
    /* network */
    {MODEL_NETWORK, false, "{\"tenant_id\":\"" T_UUID "\",\"name\":\"n\"}", NULL, NULL},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"" T_UUID "\"}", NULL, NULL},
    {MODEL_NETWORK, false, "{\"name\":\"n\"}", "tenant_id", "missing_field"},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"not-a-uuid\"}", "tenant_id", "invalid_value"},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"0b6b1c5e-8a53-4bd2-9d5e-2f1f0a1b2c3z\"}", "tenant_id",
     "invalid_value"},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"" T_UUID "\",\"vni\":5}", "vni", "read_only_field"},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"" T_UUID "\",\"mtu\":1500}", "mtu", "read_only_field"},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"" T_UUID "\",\"name\":[]}", "name", "invalid_type"},
    {MODEL_NETWORK, false, "{\"tenant_id\":5}", "tenant_id", "invalid_type"},
    {MODEL_NETWORK, true, "{\"name\":\"m\"}", NULL, NULL},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"" T_UUID "\",\"encapsulation\":\"geneve\"}", NULL,
     NULL},
    {MODEL_NETWORK, false, "{\"tenant_id\":\"" T_UUID "\",\"encapsulation\":\"vxlan\"}", NULL,
     NULL},
    {MODEL_NETWORK, true, "{\"encapsulation\":null}", NULL, NULL},
    {MODEL_NETWORK, true, "{\"encapsulation\":\"gre\"}", "encapsulation", "invalid_value"},
    {MODEL_NETWORK, true, "{\"encapsulation\":\"Geneve\"}", "encapsulation", "invalid_value"},
    {MODEL_NETWORK, true, "{\"encapsulation\":6081}", "encapsulation", "invalid_value"},
    {MODEL_NETWORK, true, "{\"tenant_id\":\"" T_UUID "\"}", "tenant_id", "immutable_field"},
    /* subnet */
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\"}", NULL, NULL},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"10.0.0.1\","
     "\"enable_dhcp\":false,\"dns_nameservers\":[\"8.8.8.8\",\"2001:db8::1\"],"
     "\"ip_version\":4,\"name\":\"s\"}",
     NULL, NULL},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"2001:db8::/64\"}", NULL, NULL},
    /* subnet host_routes (DHCP option 121) */
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":"
     "[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.0.9\"}]}",
     NULL, NULL},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":[]}", NULL, NULL},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":{}}", "host_routes",
     "invalid_type"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":"
     "[{\"destination\":\"192.168.0.1/16\",\"nexthop\":\"10.0.0.9\"}]}",
     "host_routes[0].destination", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":"
     "[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"2001:db8::1\"}]}",
     "host_routes[0].nexthop", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":"
     "[{\"destination\":\"192.168.0.0/16\"}]}",
     "host_routes[0].nexthop", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":"
     "[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.0.9\",\"metric\":1}]}",
     "host_routes[0].metric", "unknown_field"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":"
     "[{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.0.9\"},"
     "{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.0.0.8\"}]}",
     "host_routes[1].destination", "conflict"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"host_routes\":"
     "[{\"destination\":\"2001:db8::/32\",\"nexthop\":\"2001:db8::1\"}]}",
     "host_routes[0].destination", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"2001:db8::/64\",\"host_routes\":"
     "[{\"destination\":\"2001:db9::/32\",\"nexthop\":\"2001:db8::1\"}]}",
     NULL, NULL},
    {MODEL_SUBNET, true,
     "{\"host_routes\":[{\"destination\":\"0.0.0.0/0\",\"nexthop\":\"10.0.0.9\"}]}", NULL, NULL},
    {MODEL_SUBNET, true, "{\"host_routes\":[5]}", "host_routes[0]", "invalid_type"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":null}", NULL, NULL},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.1/24\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/33\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/2x\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"300.0.0.0/8\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/31\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"2001:db8::1/64\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":24}", "cidr", "invalid_type"},
    {MODEL_SUBNET, false, "{\"cidr\":\"10.0.0.0/24\"}", "network_id", "missing_field"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\"}", "cidr", "missing_field"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"10.0.1.1\"}",
     "gateway_ip", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"10.0.0.0\"}",
     "gateway_ip", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"10.0.0.255\"}",
     "gateway_ip", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"fe80::1\"}",
     "gateway_ip", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"bogus\"}",
     "gateway_ip", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"ip_version\":6}", "ip_version",
     "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"ip_version\":5}", "ip_version",
     "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"enable_dhcp\":1}", "enable_dhcp",
     "invalid_type"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"dns_nameservers\":\"8.8.8.8\"}",
     "dns_nameservers", "invalid_type"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"dns_nameservers\":[\"x\"]}",
     "dns_nameservers", "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"tenant_id\":\"" T_UUID "\"}",
     "tenant_id", "read_only_field"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":1}", "gateway_ip",
     "invalid_type"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"name\":false}",
     "name", "invalid_type"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/24\",\"dns_nameservers\":"
     "[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\",\"1.1.1.4\",\"1.1.1.5\",\"1.1.1.6\"]}",
     "dns_nameservers", "too_long"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"10.0.0.0/0\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false, "{\"network_id\":\"" T_UUID "\",\"cidr\":\"::/0\"}", "cidr",
     "invalid_value"},
    {MODEL_SUBNET, false,
     "{\"network_id\":\"" T_UUID "\",\"cidr\":\"2001:db8::/64\",\"gateway_ip\":"
     "\"2001:db8::1\",\"ip_version\":6}",
     NULL, NULL},
    {MODEL_SUBNET, true, "{\"gateway_ip\":\"10.0.0.254\",\"enable_dhcp\":true}", NULL, NULL},
    {MODEL_SUBNET, true, "{\"gateway_ip\":null,\"dns_nameservers\":[]}", NULL, NULL},
    {MODEL_SUBNET, true, "{\"ip_version\":6}", "ip_version", "immutable_field"},
    {MODEL_SUBNET, true, "{\"cidr\":\"10.1.0.0/24\"}", "cidr", "immutable_field"},
    {MODEL_SUBNET, true, "{\"network_id\":\"" T_UUID "\"}", "network_id", "immutable_field"},
    /* port */
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\"}", NULL, NULL},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"name\":\"vm1\",\"mac_address\":\"FA:16:3E:00:00:01\","
     "\"fixed_ips\":[{\"subnet_id\":\"" T_UUID2 "\",\"ip_address\":\"10.0.0.5\"}],"
     "\"port_security_enabled\":false,\"binding\":{\"host\":\"h1\",\"interface\":\"veth-a\"}}",
     NULL, NULL},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"binding\":null}", NULL, NULL},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"binding\":{}}", NULL, NULL},
    {MODEL_PORT, false, "{}", "network_id", "missing_field"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"mac_address\":\"01:00:5e:00:00:01\"}",
     "mac_address", "invalid_value"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"mac_address\":\"00:00:00:00:00:00\"}",
     "mac_address", "invalid_value"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"mac_address\":\"fa:16:3e:00:00\"}",
     "mac_address", "invalid_value"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"mac_address\":\"fa-16-3e-00-00-01\"}",
     "mac_address", "invalid_value"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":{}}", "fixed_ips",
     "invalid_type"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":[5]}", "fixed_ips[0]",
     "invalid_type"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":[{\"subnet_id\":\"x\",\"ip_address\":"
     "\"10.0.0.5\"}]}",
     "fixed_ips[0].subnet_id", "invalid_value"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":[{\"subnet_id\":\"" T_UUID2 "\"}]}", NULL,
     NULL}, /* ip_address allocated by the store */
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":[{\"subnet_id\":\"" T_UUID2
     "\",\"ip_address\":\"10.0.0.256\"}]}",
     "fixed_ips[0].ip_address", "invalid_value"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":[{\"subnet_id\":\"" T_UUID2
     "\",\"ip_address\":\"10.0.0.5\",\"x\":1}]}",
     "fixed_ips[0].x", "unknown_field"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"port_security_enabled\":\"yes\"}",
     "port_security_enabled", "invalid_type"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"binding\":{\"host\":\"h1\"}}",
     "binding.interface", "missing_field"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"binding\":{\"host\":\"h 1\",\"interface\":\"e\"}}",
     "binding.host", "invalid_value"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"binding\":{\"host\":\"h1\",\"interface\":"
     "\"a-very-long-ifname\"}}",
     "binding.interface", "invalid_value"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"binding\":{\"host\":\"h1\",\"interface\":\"a/b\"}}",
     "binding.interface", "invalid_value"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"binding\":{\"host\":\"h1\",\"interface\":\"e\","
     "\"vnic\":1}}",
     "binding", "unknown_field"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"binding\":\"h1\"}", "binding",
     "invalid_type"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"status\":\"ACTIVE\"}", "status",
     "read_only_field"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"tenant_id\":\"" T_UUID "\"}", "tenant_id",
     "read_only_field"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"name\":1}", "name", "invalid_type"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"mac_address\":5}", "mac_address",
     "invalid_type"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":[{\"subnet_id\":\"" T_UUID2
     "\",\"ip_address\":\"2001:db8::5\"}]}",
     NULL, NULL},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"fixed_ips\":[{},{},{},{},{},{},{},{},{},{},{},{},{},"
     "{},{},{},{}]}",
     "fixed_ips", "too_long"},
    {MODEL_PORT, false,
     "{\"network_id\":\"" T_UUID "\",\"binding\":{\"host\":\"h1\",\"interface\":\"..\"}}",
     "binding.interface", "invalid_value"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"binding\":{\"interface\":\"eth0\"}}",
     "binding.host", "missing_field"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"port_key\":3}", "port_key",
     "read_only_field"},
    {MODEL_PORT, false, "{\"network_id\":\"" T_UUID "\",\"id\":\"" T_UUID "\"}", "id",
     "read_only_field"},
    {MODEL_PORT, true, "{\"binding\":{\"host\":\"h2\",\"interface\":\"eth0\"}}", NULL, NULL},
    {MODEL_PORT, true, "{\"binding\":null,\"mac_address\":\"fa:16:3e:aa:bb:cc\"}", NULL, NULL},
    {MODEL_PORT, true, "{\"fixed_ips\":[]}", NULL, NULL},
    {MODEL_PORT, true, "{\"network_id\":\"" T_UUID "\"}", "network_id", "immutable_field"},
    /* host */
    {MODEL_HOST, false,
     "{\"name\":\"h1.example_a-b\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"198.18.0.1\"}",
     NULL, NULL},
    {MODEL_HOST, false, "{\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"198.18.0.1\"}", "name",
     "missing_field"},
    {MODEL_HOST, false,
     "{\"name\":\"h/1\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"198.18.0.1\"}", "name",
     "invalid_value"},
    {MODEL_HOST, false,
     "{\"name\":\"0123456789012345678901234567890123456789012345678901234567890123\","
     "\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"198.18.0.1\"}",
     "name", "invalid_value"},
    {MODEL_HOST, false, "{\"name\":\"h1\",\"public_key\":\"short\",\"underlay_ip\":\"1.2.3.4\"}",
     "public_key", "invalid_value"},
    {MODEL_HOST, false,
     "{\"name\":\"h1\",\"public_key\":\"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\\\"\","
     "\"underlay_ip\":\"1.2.3.4\"}",
     "public_key", "invalid_value"},
    {MODEL_HOST, false, "{\"name\":\"h1\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"::1\"}",
     "underlay_ip", "invalid_value"},
    {MODEL_HOST, false, "{\"name\":\"h1\",\"public_key\":\"" T_KEY "\"}", "underlay_ip",
     "missing_field"},
    {MODEL_HOST, false,
     "{\"name\":\"h1\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"1.2.3.4\",\"state\":"
     "\"connected\"}",
     "state", "read_only_field"},
    {MODEL_HOST, false,
     "{\"name\":\"h1\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"1.2.3.4\","
     "\"applied_revision\":3}",
     "applied_revision", "read_only_field"},
    {MODEL_HOST, false, "{\"name\":\"\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"1.2.3.4\"}",
     "name", "invalid_value"},
    {MODEL_HOST, false, "{\"name\":\"h1\",\"public_key\":7,\"underlay_ip\":\"1.2.3.4\"}",
     "public_key", "invalid_type"},
    {MODEL_HOST, false,
     "{\"name\":\"h1\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"198.18.0\"}", "underlay_ip",
     "invalid_value"},
    {MODEL_HOST, false,
     "{\"name\":\"h1\",\"public_key\":\"" T_KEY "\",\"underlay_ip\":\"1.2.3.4\","
     "\"host_id\":1}",
     "host_id", "read_only_field"},
    {MODEL_HOST, false, "{\"name\":\"h1\",\"underlay_ip\":\"1.2.3.4\"}", "public_key",
     "missing_field"},
    {MODEL_HOST, true, "{\"underlay_ip\":\"198.18.0.9\"}", NULL, NULL},
    {MODEL_HOST, true, "{\"public_key\":\"" T_KEY "\"}", NULL, NULL},
    {MODEL_HOST, true, "{\"id\":\"h1\"}", "id", "read_only_field"},
    {MODEL_HOST, true, "{\"name\":\"h2\"}", "name", "immutable_field"},
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct model_case *c = &cases[i];
		json_t *body = json_loads(c->json, JSON_ALLOW_NUL, NULL);
		struct model_error err;
		int rc;

		memset(&err, 0, sizeof(err));
		if (!body)
			fail_msg("case %zu: bad JSON in test", i);
		rc = c->update ? model_validate_update(c->kind, body, &err)
			       : model_validate_create(c->kind, body, &err);
		if (!c->field && rc != 0)
			fail_msg("case %zu (%s) rejected: %s %s %s", i, c->json, err.code,
				 err.field, err.message);
		if (c->field && rc != -EINVAL)
			fail_msg("case %zu (%s) accepted", i, c->json);
		if (c->field && strcmp(err.field, c->field) != 0)
			fail_msg("case %zu: field %s, want %s (%s)", i, err.field, c->field,
				 err.message);
		if (c->code && strcmp(err.code, c->code) != 0)
			fail_msg("case %zu: code %s, want %s", i, err.code, c->code);
		json_decref(body);
	}
}

/* host_routes is bounded: MODEL_MAX_HOST_ROUTES entries pass, one more is
 * refused (so a port's DHCP options always fit its row). */
static void test_host_routes_bound(void **state)
{
	json_t *body = json_pack("{s:s,s:s,s:[]}", "network_id", T_UUID, "cidr", "10.0.0.0/16",
				 "host_routes");
	json_t *routes = json_object_get(body, "host_routes");
	struct model_error err;
	char dst[32];

	(void)state;
	for (int i = 0; i <= MODEL_MAX_HOST_ROUTES; i++) {
		snprintf(dst, sizeof(dst), "172.16.%d.0/24", i);
		json_array_append_new(routes, json_pack("{s:s,s:s}", "destination", dst,
							"nexthop", "10.0.0.9"));
		assert_int_equal(model_validate_create(MODEL_SUBNET, body, &err),
				 i < MODEL_MAX_HOST_ROUTES ? 0 : -EINVAL);
	}
	assert_string_equal(err.field, "host_routes");
	assert_string_equal(err.code, "too_long");
	json_decref(body);
}

static void test_long_name(void **state)
{
	char name[300];
	struct model_error err;
	json_t *body;

	memset(name, 'a', 255);
	name[255] = '\0';
	body = json_pack("{s:s}", "name", name);
	assert_int_equal(model_validate_create(MODEL_TENANT, body, &err), 0);
	json_decref(body);
	name[255] = 'a';
	name[256] = '\0';
	body = json_pack("{s:s}", "name", name);
	assert_int_equal(model_validate_create(MODEL_TENANT, body, &err), -EINVAL);
	assert_string_equal(err.field, "name");
	assert_string_equal(err.code, "too_long");
	json_decref(body);
}

static void test_helpers(void **state)
{
	struct model_cidr c;
	uint8_t mac[6];

	assert_true(model_uuid_valid(T_UUID));
	assert_false(model_uuid_valid("0b6b1c5e8a534bd29d5e2f1f0a1b2c3d"));
	assert_false(model_uuid_valid(NULL));
	assert_int_equal(model_cidr_parse("10.0.0.0/24", &c), 0);
	assert_int_equal(c.prefix, 24);
	assert_true(model_cidr_contains(&c, "10.0.0.9"));
	assert_false(model_cidr_contains(&c, "10.0.1.9"));
	assert_false(model_cidr_contains(&c, "::1"));
	assert_true(model_cidr_host_valid(&c, "10.0.0.1"));
	assert_false(model_cidr_host_valid(&c, "10.0.0.0"));
	assert_false(model_cidr_host_valid(&c, "10.0.0.255"));
	assert_int_equal(model_cidr_parse("2001:db8::/32", &c), 0);
	assert_true(model_cidr_host_valid(&c, "2001:db8::5"));
	assert_int_equal(model_cidr_parse("10.0.0.0/", &c), -EINVAL);
	assert_int_equal(model_cidr_parse("/24", &c), -EINVAL);
	assert_int_equal(model_cidr_parse("10.0.0.0/024x", &c), -EINVAL);
	assert_int_equal(model_mac_parse("Fa:16:3e:0a:0B:0c", mac), 0);
	assert_int_equal(mac[0], 0xfa);
	assert_int_equal(mac[5], 0x0c);
	assert_false(model_mac_valid("ff:ff:ff:ff:ff:ff"));
	assert_true(model_host_name_valid("a"));
	assert_false(model_host_name_valid(""));
	assert_true(model_host_name_valid("h.1"));
	assert_false(model_host_name_valid("."));
	assert_false(model_host_name_valid(".."));
	assert_false(model_host_name_valid(".h1"));
	assert_true(model_ifname_valid("eth0.100"));
	assert_false(model_ifname_valid(".."));
	assert_false(model_ifname_valid("a b"));
	assert_false(model_ifname_valid("a:b"));
	assert_true(model_z85_key_valid(T_KEY));
	assert_false(model_z85_key_valid("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7x"));
	assert_int_equal(model_kind_parse("networks"), MODEL_NETWORK);
	assert_int_equal(model_kind_parse("host"), MODEL_HOST);
	assert_int_equal(model_kind_parse("routers"), MODEL_ROUTER);
	assert_int_equal(model_kind_parse("router_interface"), MODEL_ROUTER_INTERFACE);
	assert_int_equal(model_kind_parse("gateways"), -1);
	assert_int_equal(model_kind_parse("router_interfaces_"), -1);
	assert_string_equal(model_kind_plural(MODEL_SUBNET), "subnets");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_long_name),
	    cmocka_unit_test(test_host_routes_bound),
	    cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
