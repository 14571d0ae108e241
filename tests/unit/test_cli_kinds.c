/* test_cli_kinds.c - tenetctl's `key=value` arguments to JSON bodies
 * (cli/kinds.c): the repeatable list fields (fixed_ip, route,
 * allowed_address_pair) and their refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "kinds.h"

/* The body tenetctl builds for kind from argv, as compact sorted JSON
 * (caller frees), or NULL with the error in err. */
static char *body_of(const char *kind, int argc, char **argv, char *err, size_t errlen)
{
	const struct kind *k = kind_find(kind);
	json_t *body = NULL;
	char *s;

	assert_non_null(k);
	err[0] = '\0';
	if (kind_build_body(k, argc, argv, &body, err, errlen) < 0)
		return NULL;
	s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	return s;
}

static void expect_body(const char *kind, int argc, char **argv, const char *want)
{
	char err[256], *got = body_of(kind, argc, argv, err, sizeof(err));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_addr_pairs(void **state)
{
	char *one[] = {"allowed_address_pair=10.0.0.50"};
	char *two[] = {"allowed_address_pair=10.0.0.50",
		       "allowed_address_pair=2001:db8::50,02:00:00:00:00:50"};
	char *clear[] = {"allowed_address_pairs:=[]"};

	(void)state;
	expect_body("port", 1, one, "{\"allowed_address_pairs\":[{\"ip_address\":\"10.0.0.50\"}]}");
	expect_body("port", 2, two,
		    "{\"allowed_address_pairs\":[{\"ip_address\":\"10.0.0.50\"},"
		    "{\"ip_address\":\"2001:db8::50\",\"mac_address\":\"02:00:00:00:00:50\"}]}");
	expect_body("port", 1, clear, "{\"allowed_address_pairs\":[]}");
}

static void test_addr_pair_refused(void **state)
{
	static const char *const bad[] = {
	    "allowed_address_pair=",
	    "allowed_address_pair=,02:00:00:00:00:50",
	    "allowed_address_pair=10.0.0.50,",
	    "allowed_address_pair=10.0.0.50,02:00:00:00:00:50,x",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = {(char *)bad[i]};

		assert_null(body_of("port", 1, argv, err, sizeof(err)));
		assert_non_null(strstr(err, "allowed_address_pair"));
	}
}

/* The other repeatable fields keep their shape. */
static void test_fixed_ips_and_routes(void **state)
{
	char *port[] = {"fixed_ip=sub-a", "fixed_ip=sub-b,10.0.2.7"};
	char *router[] = {"route=10.9.0.0/16,10.0.2.50", "route=0.0.0.0/0,10.0.2.1"};
	char *bad_route[] = {"route=10.9.0.0/16"};
	char err[256];

	(void)state;
	expect_body("port", 2, port,
		    "{\"fixed_ips\":[{\"subnet_id\":\"sub-a\"},"
		    "{\"ip_address\":\"10.0.2.7\",\"subnet_id\":\"sub-b\"}]}");
	expect_body("router", 2, router,
		    "{\"routes\":[{\"destination\":\"10.9.0.0/16\",\"nexthop\":\"10.0.2.50\"},"
		    "{\"destination\":\"0.0.0.0/0\",\"nexthop\":\"10.0.2.1\"}]}");
	assert_null(body_of("router", 1, bad_route, err, sizeof(err)));
	assert_non_null(strstr(err, "route"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_pairs),
	    cmocka_unit_test(test_addr_pair_refused),
	    cmocka_unit_test(test_fixed_ips_and_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
