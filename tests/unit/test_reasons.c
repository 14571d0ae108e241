/* test_reasons.c - the table of counter and drop-reason names
 * (common/reasons.h): every stat of the ABI has a unique, non-empty,
 * snake_case name and a description, and names map back to their stat. */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/types.h>

#include "reasons.h"
#include "tenet_abi.h"

static void every_stat_named_once(void **state)
{
	(void)state;
	assert_int_equal(reasons_count(), TN_STAT_MAX);
	for (uint32_t i = 0; i < TN_STAT_MAX; i++) {
		const char *n = reasons_name(i), *d = reasons_describe(i);
		uint32_t back = UINT32_MAX;

		assert_non_null(n);
		assert_non_null(d);
		assert_true(n[0] != '\0');
		assert_true(d[0] != '\0');
		for (const char *c = n; *c; c++)
			assert_true(islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
				    *c == '_');
		for (uint32_t j = 0; j < i; j++)
			assert_string_not_equal(n, reasons_name(j));
		assert_int_equal(reasons_lookup(n, &back), 0);
		assert_int_equal(back, i);
	}
}

static void drops_are_the_reasons(void **state)
{
	(void)state;
	assert_false(reasons_is_drop(TN_STAT_RX_VIF));
	assert_false(reasons_is_drop(TN_STAT_FLOOD));
	assert_true(reasons_is_drop(TN_DROP_MALFORMED));
	assert_true(reasons_is_drop(TN_DROP_TUN_VLAN));
	assert_false(reasons_is_drop(TN_STAT_MAX));
	/* counters appended after the drops are not drops */
	assert_false(reasons_is_drop(TN_STAT_DHCP_REPLY));
	assert_false(reasons_is_drop(TN_STAT_DHCP_RELEASE));
	assert_true(reasons_is_drop(TN_DROP_DHCP_NO_LEASE));
	assert_true(reasons_is_drop(TN_DROP_DHCP_BAD));
	/* IPv6 and ND are not "source MAC is not the port's" */
	assert_string_equal(reasons_name(TN_DROP_SPOOF_MAC), "spoof_mac");
	assert_string_equal(reasons_name(TN_DROP_IPV6), "ipv6");
	assert_string_equal(reasons_name(TN_DROP_ND), "nd");
}

static void out_of_range_and_unknown(void **state)
{
	uint32_t s = 7;

	(void)state;
	assert_null(reasons_name(TN_STAT_MAX));
	assert_null(reasons_describe(UINT32_MAX));
	assert_int_equal(reasons_lookup("no_such_reason", &s), -ENOENT);
	assert_int_equal(reasons_lookup("", &s), -ENOENT);
	assert_int_equal(reasons_lookup(NULL, &s), -EINVAL);
	assert_int_equal(reasons_lookup("spoof_mac", NULL), -EINVAL);
	assert_int_equal(s, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_stat_named_once),
	    cmocka_unit_test(drops_are_the_reasons),
	    cmocka_unit_test(out_of_range_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
