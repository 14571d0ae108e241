/* test_prom.c - the Prometheus text builder: families, samples with
 * escaped labels, number formats, histograms, bad names. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "prom.h"

static void test_samples(void **state)
{
	struct prom *p = prom_new();
	const char *t;
	size_t len;

	(void)state;
	assert_non_null(p);
	assert_int_equal(prom_family(p, "tenet_api_requests_total", "counter",
				     "API requests by route and status"),
			 0);
	assert_int_equal(prom_sample(p, "tenet_api_requests_total", 42.0, "route", "/v1/ports",
				     "code", "200", NULL),
			 0);
	assert_int_equal(prom_sample(p, "tenet_revision", 7.0, NULL), 0);
	assert_int_equal(prom_sample(p, "tenet_x", 0.25, "v", "a\"b\\c\nd", NULL), 0);
	assert_int_equal(prom_sample(p, "tenet_inf", INFINITY, NULL), 0);
	t = prom_text(p, &len);
	assert_int_equal(len, strlen(t));
	assert_string_equal(t, "# HELP tenet_api_requests_total API requests by route and status\n"
			       "# TYPE tenet_api_requests_total counter\n"
			       "tenet_api_requests_total{route=\"/v1/ports\",code=\"200\"} 42\n"
			       "tenet_revision 7\n"
			       "tenet_x{v=\"a\\\"b\\\\c\\nd\"} 0.25\n"
			       "tenet_inf +Inf\n");
	prom_destroy(&p);
	assert_null(p);
	prom_destroy(&p);
}

static void test_bad_names(void **state)
{
	struct prom *p = prom_new();

	(void)state;
	assert_int_equal(prom_family(p, "9lives", "counter", "x"), -EINVAL);
	assert_int_equal(prom_family(p, "a-b", "counter", "x"), -EINVAL);
	assert_int_equal(prom_sample(p, "ok", 1.0, "bad-key", "v", NULL), -EINVAL);
	assert_int_equal(prom_sample(p, "", 1.0, NULL), -EINVAL);
	assert_int_equal(prom_sample(NULL, "ok", 1.0, NULL), -EINVAL);
	prom_destroy(&p);
}

static void test_histogram_and_growth(void **state)
{
	struct prom_hist h = {0};
	struct prom *p = prom_new();
	const char *t;

	(void)state;
	prom_hist_observe(&h, 50);	 /* <= 100 us */
	prom_hist_observe(&h, 1000);	 /* <= 1 ms */
	prom_hist_observe(&h, 20000000); /* > 10 s */
	assert_int_equal(prom_family(p, "tenet_lat_seconds", "histogram", "latency"), 0);
	assert_int_equal(prom_hist_emit(p, "tenet_lat_seconds", &h, "route", "r", NULL), 0);
	t = prom_text(p, NULL);
	assert_non_null(strstr(t, "tenet_lat_seconds_bucket{route=\"r\",le=\"0.0001\"} 1\n"));
	assert_non_null(strstr(t, "tenet_lat_seconds_bucket{route=\"r\",le=\"0.001\"} 2\n"));
	assert_non_null(strstr(t, "tenet_lat_seconds_bucket{route=\"r\",le=\"10\"} 2\n"));
	assert_non_null(strstr(t, "tenet_lat_seconds_bucket{route=\"r\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(t, "tenet_lat_seconds_sum{route=\"r\"} 20.00105\n"));
	assert_non_null(strstr(t, "tenet_lat_seconds_count{route=\"r\"} 3\n"));
	/* the buffer grows past its first 4 KiB */
	for (int i = 0; i < 2000; i++)
		assert_int_equal(prom_sample(p, "tenet_port_packets_total", (double)i, "port",
					     "00000000-0000-4000-8000-000000000001", NULL),
				 0);
	assert_true(strlen(prom_text(p, NULL)) > 100000);
	prom_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_histogram_and_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
