/* test_store_ipv6_modes.c - a subnet's ipv6_ra_mode / ipv6_address_mode in
 * the store: SLAAC and dhcpv6-stateless ports get the EUI-64 address of
 * their MAC (and no other), dhcpv6-stateful ports any, and enable_dhcp
 * cannot be turned off under a mode; the modes reach the topology. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_store.h"
#include "model.h"
#include "store.h"
#include "topology.h"

#define T1 "11111111-1111-4111-8111-111111111111"
#define N1 "a1111111-1111-4111-8111-111111111111"
#define SS "b1111111-1111-4111-8111-111111111111" /* 2001:db8:1::/64 slaac */
#define SD "b2222222-2222-4222-8222-222222222222" /* 2001:db8:2::/64 dhcpv6-stateful */
#define SL "b3333333-3333-4333-8333-333333333333" /* 2001:db8:3::/64 dhcpv6-stateless */
#define P1 "e1111111-1111-4111-8111-111111111111"
#define P2 "e2222222-2222-4222-8222-222222222222"
#define P3 "e3333333-3333-4333-8333-333333333333"

struct fx {
	char dir[64];
	struct store *s;
};

static void subnet(struct store *s, const char *id, const char *cidr, const char *mode)
{
	char body[320];

	snprintf(body, sizeof(body),
		 "{\"network_id\":\"" N1 "\",\"cidr\":\"%s\",\"ipv6_ra_mode\":\"%s\","
		 "\"ipv6_address_mode\":\"%s\"}",
		 cidr, mode, mode);
	fixture_apply(s, STORE_OP_CREATE, MODEL_SUBNET, id, body);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = fixture_store_new(f->dir, "ipv6modes");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_TENANT, T1, "{\"name\":\"t1\"}");
	fixture_apply(f->s, STORE_OP_CREATE, MODEL_NETWORK, N1, "{\"tenant_id\":\"" T1 "\"}");
	subnet(f->s, SS, "2001:db8:1::/64", "slaac");
	subnet(f->s, SD, "2001:db8:2::/64", "dhcpv6-stateful");
	subnet(f->s, SL, "2001:db8:3::/64", "dhcpv6-stateless");
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

/* Creates port id with MAC fa:16:3e:00:00:NN (NN: id's last digit) and one
 * fixed IP on subnet sub (address ip, or allocated when NULL). Returns the
 * store's result. */
static int port(struct store *s, const char *id, const char *sub, const char *ip,
		struct model_error *err)
{
	char last = id[strlen(id) - 1];
	char body[320], addr[80] = "";

	if (ip)
		snprintf(addr, sizeof(addr), ",\"ip_address\":\"%s\"", ip);
	snprintf(body, sizeof(body),
		 "{\"network_id\":\"" N1 "\",\"mac_address\":\"fa:16:3e:00:00:0%c\","
		 "\"fixed_ips\":[{\"subnet_id\":\"%s\"%s}]}",
		 last, sub, addr);
	return fixture_try_apply(s, STORE_OP_CREATE, MODEL_PORT, id, body, err);
}

/* The address of port id's first fixed IP. */
static const char *port_ip(struct store *s, const char *id)
{
	static char ip[64];
	json_t *obj;

	assert_int_equal(store_get(s, MODEL_PORT, id, &obj), 0);
	snprintf(ip, sizeof(ip), "%s",
		 json_string_value(json_object_get(
		     json_array_get(json_object_get(obj, "fixed_ips"), 0), "ip_address")));
	json_decref(obj);
	return ip;
}

static void test_eui64(void **state)
{
	struct fx *f = *state;
	struct model_error err;

	assert_int_equal(port(f->s, P1, SS, NULL, &err), 0);
	assert_string_equal(port_ip(f->s, P1), "2001:db8:1:0:f816:3eff:fe00:1");
	assert_int_equal(port(f->s, P2, SL, "2001:db8:3::f816:3eff:fe00:2", &err), 0);
	assert_string_equal(port_ip(f->s, P2), "2001:db8:3:0:f816:3eff:fe00:2");
	assert_int_equal(port(f->s, P3, SS, "2001:db8:1::99", &err), -EINVAL);
	assert_string_equal(err.field, "fixed_ips[0].ip_address");
	assert_non_null(strstr(err.message, "EUI-64"));
	/* stateful: allocated from the lowest, or chosen */
	assert_int_equal(port(f->s, P3, SD, "2001:db8:2::99", &err), 0);
	assert_string_equal(port_ip(f->s, P3), "2001:db8:2::99");
}

static void test_dhcp_off_refused(void **state)
{
	struct fx *f = *state;
	struct model_error err;

	assert_int_equal(fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_SUBNET, SS,
					   "{\"enable_dhcp\":false}", &err),
			 -EINVAL);
	assert_string_equal(err.field, "enable_dhcp");
	/* the modes are immutable */
	assert_int_not_equal(fixture_try_apply(f->s, STORE_OP_UPDATE, MODEL_SUBNET, SS,
					       "{\"ipv6_ra_mode\":null}", &err),
			     0);
}

static void test_topology(void **state)
{
	struct fx *f = *state;
	struct topology t = {0};
	int seen = 0;

	assert_int_equal(store_load_topology(f->s, &t), 0);
	for (size_t i = 0; i < t.n_subnets; i++) {
		const struct topo_subnet *sn = &t.subnets[i];
		uint8_t want = !strcmp(sn->id, SS)   ? MODEL_IPV6_SLAAC
			       : !strcmp(sn->id, SD) ? MODEL_IPV6_DHCP_STATEFUL
						     : MODEL_IPV6_DHCP_STATELESS;

		assert_int_equal(sn->ra_mode, want);
		assert_int_equal(sn->address_mode, want);
		seen++;
	}
	assert_int_equal(seen, 3);
	topology_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_eui64, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dhcp_off_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topology, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
