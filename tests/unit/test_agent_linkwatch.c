/* test_agent_linkwatch.c - the agent's link monitor in a private network
 * namespace (made here, gone with the test): the initial dump, links that
 * appear, are renamed and disappear. Needs root. */
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <czmq.h>
#include <event2/event.h>

#include "linkwatch.h"

/* Test fixture. */
struct fx {
	struct event_base *base; /* the loop */
	struct linkwatch *lw;	 /* under test */
	int changes;		 /* callbacks */
};

static void fx_changed(void *arg)
{
	((struct fx *)arg)->changes++;
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

	assert_int_equal(system("ip link set wc name we"), 0);
	assert_true(fx_wait(&f, "we", wc));
	assert_int_equal(linkwatch_ifindex(f.lw, "wc"), 0);

	assert_int_equal(system("ip link del we"), 0); /* takes wd too */
	assert_true(fx_wait(&f, "we", 0));
	assert_true(fx_wait(&f, "wd", 0));
	assert_int_equal(linkwatch_count(f.lw), 3);

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
