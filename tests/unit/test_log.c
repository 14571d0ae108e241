/* test_log.c - the logger: line format (UTC timestamp, level, program,
 * file:line), levels, the run-time level (log_set_level, SIGUSR1/SIGUSR2)
 * and its one-time announcement. */
#include <regex.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* stderr goes to a temporary file while a test runs; read_log returns what
 * was written since the last call (static buffer). */
static FILE *log_file;
static int saved_stderr = -1;

static int capture_setup(void **state)
{
	(void)state;
	log_file = tmpfile();
	assert_non_null(log_file);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(log_file), STDERR_FILENO) >= 0);
	unsetenv("TENET_LOG_LEVEL");
	log_init("test", LOG_LVL_INFO);
	return 0;
}

static int capture_teardown(void **state)
{
	(void)state;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fclose(log_file);
	return 0;
}

static const char *read_log(void)
{
	static char buf[8192];
	static long done;
	size_t n;

	fflush(stderr);
	fseek(log_file, done, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, log_file);
	buf[n] = '\0';
	done += (long)n;
	return buf;
}

static bool matches(const char *text, const char *pattern)
{
	regex_t re;
	bool ok;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_NEWLINE), 0);
	ok = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void test_format_and_levels(void **state)
{
	const char *out;

	(void)state;
	log_info("hello host=%s rev=%d", "h1", 42);
	log_debug("not shown");
	out = read_log();
	assert_true(matches(out, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
				 "\\.[0-9]{3}Z INFO test test_log\\.c:[0-9]+ hello host=h1 rev=42$"));
	assert_null(strstr(out, "not shown"));
	assert_int_equal(log_level_parse("debug"), LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("verbose"), -1);
	assert_int_equal(log_level_parse(NULL), -1);
}

static void test_errname(void **state)
{
	(void)state;
	assert_string_equal(log_errname(-ENOENT), "ENOENT");
	assert_string_equal(log_errname(EAGAIN), "EAGAIN");
	assert_string_equal(log_errname(0), "0");
	assert_string_equal(log_errname(-4000), "E4000");
}

static void test_runtime_level(void **state)
{
	const char *out;

	(void)state;
	assert_int_equal(log_set_level((enum log_level)7), -1);
	assert_int_equal(log_get_level(), LOG_LVL_INFO);
	assert_int_equal(log_set_level(LOG_LVL_ERR), 0);
	log_warn("hidden warning");
	log_err("shown error");
	out = read_log();
	assert_null(strstr(out, "hidden warning"));
	assert_true(matches(out, "WARN test log\\.c:[0-9]+ log level=err "));
	assert_true(matches(out, "ERR test test_log\\.c:[0-9]+ shown error$"));
	/* announced once, not on every line */
	log_err("second error");
	assert_null(strstr(read_log(), "log level="));
}

static void test_signals(void **state)
{
	const char *out;

	(void)state;
	assert_int_equal(log_handle_signals(), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(log_get_level(), LOG_LVL_DEBUG);
	log_debug("debug now");
	out = read_log();
	assert_true(matches(out, "log level=debug \\(SIGUSR1: debug, SIGUSR2: back to info\\)"));
	assert_true(matches(out, "DEBUG test test_log\\.c:[0-9]+ debug now$"));
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(log_get_level(), LOG_LVL_INFO);
	log_debug("debug again");
	assert_null(strstr(read_log(), "debug again"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_and_levels),
	    cmocka_unit_test(test_errname),
	    cmocka_unit_test(test_runtime_level),
	    cmocka_unit_test(test_signals),
	};

	return cmocka_run_group_tests(tests, capture_setup, capture_teardown);
}
