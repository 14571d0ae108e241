/* test_dhcp_opts.c - the DHCPv4 option encoder (common/dhcp_opts.c): exact
 * bytes, the options left out, and bounds (the worst case fits a tn_dhcp
 * row, too many servers or routes are refused, a short buffer is never
 * overrun). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <linux/types.h>

#include "dhcp_opts.h"
#include "tenet_abi.h"

#define IP(a, b, c, d) htonl(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static void test_full(void **state)
{
	static const uint8_t want[] = {
	    1,	 4,   255,  255,  240, 0,		  /* /20 */
	    3,	 4,   10,   1,	  0,   1,		  /* router */
	    6,	 8,   8,    8,	  8,   8,  10, 1, 0,  53, /* DNS */
	    26,	 2,   0x05, 0xaa,			  /* MTU 1450 */
	    121, 22,  24,   192,  168, 7,  10, 1, 0,  9,  /* 192.168.7.0/24 via 10.1.0.9 */
	    32,	 172, 16,   0,	  1,   10, 1,  0, 10,	  /* 172.16.0.1/32 via 10.1.0.10 */
	    0,	 10,  1,    0,	  1,			  /* default via the router */
	};
	const uint32_t dns[] = {IP(8, 8, 8, 8), IP(10, 1, 0, 53)};
	const struct dhcp_route routes[] = {
	    {.dst = IP(192, 168, 7, 0), .prefix = 24, .nexthop = IP(10, 1, 0, 9)},
	    {.dst = IP(172, 16, 0, 1), .prefix = 32, .nexthop = IP(10, 1, 0, 10)},
	};
	struct dhcp_opts_in in = {.prefix_len = 20,
				  .router = IP(10, 1, 0, 1),
				  .dns = dns,
				  .n_dns = 2,
				  .mtu = 1450,
				  .routes = routes,
				  .n_routes = 2};
	uint8_t out[TN_DHCP_OPTS_MAX];
	size_t len = 0;

	(void)state;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

/* No gateway, no DNS, no routes, MTU too small: the mask alone. */
static void test_minimal(void **state)
{
	static const uint8_t want[] = {1, 4, 255, 255, 255, 252};
	struct dhcp_opts_in in = {.prefix_len = 30, .mtu = 67};
	uint8_t out[TN_DHCP_OPTS_MAX];
	size_t len = 0;

	(void)state;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

/* Routes without a router: no default route is made up; a host route that
 * is the default already is not repeated. */
static void test_routes_default(void **state)
{
	static const uint8_t want_nogw[] = {1, 4, 255, 255, 255, 0, 121, 7, 16, 10, 2, 0, 0, 0, 0};
	static const uint8_t want_dflt[] = {1,	4, 255, 255, 255, 0, 3, 4,  10, 0, 0, 1, 121,
					    11, 0, 10,	0,   0,	  7, 8, 10, 0,	0, 0, 0};
	const struct dhcp_route r1[] = {{.dst = IP(10, 2, 0, 0), .prefix = 16, .nexthop = 0}};
	const struct dhcp_route r2[] = {
	    {.dst = 0, .prefix = 0, .nexthop = IP(10, 0, 0, 7)},
	    {.dst = IP(10, 0, 0, 0), .prefix = 8, .nexthop = 0},
	};
	struct dhcp_opts_in in = {.prefix_len = 24, .routes = r1, .n_routes = 1};
	uint8_t out[TN_DHCP_OPTS_MAX];
	size_t len = 0;

	(void)state;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(want_nogw));
	assert_memory_equal(out, want_nogw, sizeof(want_nogw));
	in.router = IP(10, 0, 0, 1);
	in.routes = r2;
	in.n_routes = 2;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(want_dflt));
	assert_memory_equal(out, want_dflt, sizeof(want_dflt));
}

/* The largest input the model allows: exactly DHCP_OPTS_WORST bytes, which
 * fit a row; one DNS server or route more is refused. */
static void test_worst_case(void **state)
{
	uint32_t dns[DHCP_OPTS_MAX_DNS + 1];
	struct dhcp_route routes[DHCP_OPTS_MAX_ROUTES + 1];
	struct dhcp_opts_in in = {.prefix_len = 8,
				  .router = IP(10, 0, 0, 1),
				  .dns = dns,
				  .n_dns = DHCP_OPTS_MAX_DNS,
				  .mtu = 9000,
				  .routes = routes,
				  .n_routes = DHCP_OPTS_MAX_ROUTES};
	uint8_t out[TN_DHCP_OPTS_MAX];
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i <= DHCP_OPTS_MAX_DNS; i++)
		dns[i] = IP(10, 0, 0, 100 + i);
	for (size_t i = 0; i <= DHCP_OPTS_MAX_ROUTES; i++)
		routes[i] = (struct dhcp_route){
		    .dst = IP(172, 16, 0, i), .prefix = 32, .nexthop = IP(10, 0, 0, 2)};
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), 0);
	assert_int_equal(len, DHCP_OPTS_WORST);
	assert_true(len <= TN_DHCP_OPTS_MAX);
	assert_int_equal(out[len - 9 * DHCP_OPTS_MAX_ROUTES - 5 - 1], 9 * DHCP_OPTS_MAX_ROUTES + 5);
	in.n_dns = DHCP_OPTS_MAX_DNS + 1;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
	in.n_dns = DHCP_OPTS_MAX_DNS;
	in.n_routes = DHCP_OPTS_MAX_ROUTES + 1;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
}

/* Every buffer shorter than the options: -ENOSPC, nothing written past it. */
static void test_short_buffer(void **state)
{
	const uint32_t dns[] = {IP(10, 0, 0, 53)};
	const struct dhcp_route routes[] = {
	    {.dst = IP(192, 168, 0, 0), .prefix = 17, .nexthop = IP(10, 0, 0, 9)}};
	struct dhcp_opts_in in = {.prefix_len = 24,
				  .router = IP(10, 0, 0, 1),
				  .dns = dns,
				  .n_dns = 1,
				  .mtu = 1450,
				  .routes = routes,
				  .n_routes = 1};
	uint8_t out[TN_DHCP_OPTS_MAX + 1];
	size_t need = 0, len;

	(void)state;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &need), 0);
	for (size_t cap = 0; cap < need; cap++) {
		memset(out, 0xa5, sizeof(out));
		len = 12345;
		assert_int_equal(dhcp_opts_encode(&in, out, cap, &len), -ENOSPC);
		assert_int_equal(len, 12345);
		for (size_t i = cap; i < sizeof(out); i++)
			assert_int_equal(out[i], 0xa5);
	}
}

static void test_bad_args(void **state)
{
	const struct dhcp_route host_bits[] = {{.dst = IP(10, 0, 0, 1), .prefix = 24}};
	const struct dhcp_route wide[] = {{.dst = 0, .prefix = 33}};
	struct dhcp_opts_in in = {.prefix_len = 24};
	uint8_t out[TN_DHCP_OPTS_MAX];
	size_t len;

	(void)state;
	assert_int_equal(dhcp_opts_encode(NULL, out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dhcp_opts_encode(&in, NULL, sizeof(out), &len), -EINVAL);
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), NULL), -EINVAL);
	in.prefix_len = 0;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
	in.prefix_len = 33;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
	in.prefix_len = 24;
	in.routes = host_bits;
	in.n_routes = 1;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
	in.routes = wide;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
	in.routes = NULL;
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
	in.n_routes = 0;
	in.n_dns = 1; /* dns NULL */
	assert_int_equal(dhcp_opts_encode(&in, out, sizeof(out), &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),	   cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_routes_default), cmocka_unit_test(test_worst_case),
	    cmocka_unit_test(test_short_buffer),   cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests_name("unit.dhcp_opts", tests, NULL, NULL);
}
