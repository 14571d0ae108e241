/* test_agent_linkwatch.c - the agent's link monitor in a private network
 * namespace (made here, gone with the test): the initial dump, links that
 * appear, are renamed and disappear. Needs root. */
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <czmq.h>
#include <event2/event.h>

#include "linkwatch.h"

/* Test fixture. */
struct fx {
	struct event_base *base;    /* the loop */
	struct linkwatch *lw;	    /* under test */
	int changes;		    /* callbacks */
	char seen[32][IF_NAMESIZE]; /* names reported since fx_forget */
	size_t n_seen;		    /* used entries of seen */
};

static void fx_changed(void *arg, const char *const *names, size_t n)
{
	struct fx *f = arg;

	f->changes++;
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(names[i], names[j]); /* each once */
		if (f->n_seen < 32)
			snprintf(f->seen[f->n_seen++], IF_NAMESIZE, "%s", names[i]);
	}
}

/* Whether name was reported since the last fx_forget. */
static bool fx_saw(const struct fx *f, const char *name)
{
	for (size_t i = 0; i < f->n_seen; i++)
		if (!strcmp(f->seen[i], name))
			return true;
	return false;
}

static void fx_forget(struct fx *f)
{
	f->n_seen = 0;
}

static int group_setup(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET))
		return -1;
	return system("ip link set lo up && ip link add wa type veth peer name wb") == 0 ? 0 : -1;
}

/* Runs the loop until the monitor's view of name is ifindex, up to 3 s. */
static bool fx_wait(struct fx *f, const char *name, uint32_t ifindex)
{
	int64_t deadline = zclock_mono() + 3000;
	struct timeval tick = {0, 20000};

	while (linkwatch_ifindex(f->lw, name) != ifindex && zclock_mono() < deadline) {
		event_base_loopexit(f->base, &tick); /* bounds one loop pass */
		event_base_dispatch(f->base);
	}
	return linkwatch_ifindex(f->lw, name) == ifindex;
}

static void test_links(void **state)
{
	struct fx f = {0};
	uint32_t wa = if_nametoindex("wa"), wc;

	f.base = event_base_new();
	f.lw = linkwatch_new(f.base, fx_changed, &f);
	assert_non_null(f.lw);
	/* the dump saw what existed */
	assert_int_equal(linkwatch_ifindex(f.lw, "lo"), 1);
	assert_int_equal(linkwatch_ifindex(f.lw, "wa"), wa);
	assert_int_equal(linkwatch_ifindex(f.lw, "nope"), 0);
	assert_int_equal(linkwatch_count(f.lw), 3);

	assert_int_equal(system("ip link add wc type veth peer name wd"), 0);
	wc = if_nametoindex("wc");
	assert_true(fx_wait(&f, "wc", wc));
	assert_true(f.changes > 0);
	assert_true(fx_saw(&f, "wc"));
	assert_false(fx_saw(&f, "wa")); /* only what changed is reported */
	fx_forget(&f);

	/* a rename reports the name given up and the name taken */
	assert_int_equal(system("ip link set wc name we"), 0);
	assert_true(fx_wait(&f, "we", wc));
	assert_int_equal(linkwatch_ifindex(f.lw, "wc"), 0);
	assert_true(fx_saw(&f, "wc"));
	assert_true(fx_saw(&f, "we"));
	assert_false(fx_saw(&f, "wb"));
	fx_forget(&f);

	assert_int_equal(system("ip link del we"), 0); /* takes wd too */
	assert_true(fx_wait(&f, "we", 0));
	assert_true(fx_wait(&f, "wd", 0));
	assert_int_equal(linkwatch_count(f.lw), 3);
	assert_true(fx_saw(&f, "we"));
	assert_true(fx_saw(&f, "wd"));

	linkwatch_destroy(&f.lw);
	assert_null(f.lw);
	event_base_free(f.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_links),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
