/* test_raft_pipe.c - the apply pipeline (controller/raft_pipe.c): entries
 * pushed in order are applied and committed by the pipe's thread, each
 * result is filled before its commit counts as done, replays are skipped
 * without a result, a snapshot is dumped on a thread of its own and holds
 * every entry pushed before it and while it ran (the tail), a restore
 * applies the tail and moves the applied index, a malformed tail is refused, destroy commits what
 * is still queued, the commit notification runs until it is cleared, and bad arguments get -EINVAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixture_store.h"
#include "raft_pipe.h"
#include "store.h"

#define PREFIX 8 /* bytes before the command in a test entry */
#define N      300

static int setup(void **state)
{
	*state = fixture_stores_new("rpipe");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	fixture_stores_free(*state);
	return 0;
}

/* A tenant create as an entry: PREFIX bytes naming index, then the command. */
static void *entry_new(uint64_t index, size_t *len)
{
	char id[40], body[64];
	uint8_t *e;
	void *cmd;
	size_t clen;

	snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012llu", (unsigned long long)index);
	snprintf(body, sizeof(body), "{\"name\":\"t%llu\"}", (unsigned long long)index);
	assert_int_equal(store_cmd_encode(STORE_OP_CREATE, MODEL_TENANT, id, body, "", &cmd, &clen),
			 0);
	e = malloc(PREFIX + clen);
	assert_non_null(e);
	snprintf((char *)e, PREFIX, "E%06llu", (unsigned long long)index % 1000000);
	memcpy(e + PREFIX, cmd, clen);
	free(cmd);
	*len = PREFIX + clen;
	return e;
}

/* Pushes entry index with a result slot. */
static void push(struct raft_pipe *p, uint64_t index, struct store_result *res, bool *has_res)
{
	size_t len;
	void *e = entry_new(index, &len);

	assert_int_equal(raft_pipe_push(p, index, e, len, PREFIX, len - PREFIX, res, has_res), 0);
	free(e); /* the pipe copied it */
}

static atomic_int notified;
static _Atomic uint64_t notified_done, notified_applied; /* the last call's counters */

static void on_notify(void *arg, uint64_t done, uint64_t applied)
{
	(void)arg;
	atomic_store(&notified_done, done);
	atomic_store(&notified_applied, applied);
	atomic_fetch_add(&notified, 1);
}

static void test_pipe_applies_in_order(void **state)
{
	struct fixture_stores *f = *state;
	struct raft_pipe *p = raft_pipe_new(f->s[0]);
	static struct store_result res[N + 1];
	static bool has[N + 1];

	assert_non_null(p);
	atomic_store(&notified, 0);
	raft_pipe_set_notify(p, on_notify, NULL);
	for (uint64_t i = 1; i <= N; i++)
		push(p, i, &res[i], &has[i]);
	assert_int_equal(raft_pipe_pushed(p), N);
	assert_int_equal(raft_pipe_drain(p), 0);
	assert_int_equal(raft_pipe_done(p), N);
	assert_int_equal(raft_pipe_applied(p), N);
	assert_true(atomic_load(&notified) >= 1);
	/* the last call saw the last commit's counters */
	assert_int_equal(atomic_load(&notified_done), N);
	assert_int_equal(atomic_load(&notified_applied), N);
	for (uint64_t i = 1; i <= N; i++) {
		assert_true(has[i]);
		assert_int_equal(res[i].rc, 0);
		assert_int_equal(res[i].revision, i); /* one revision each, in order */
		store_result_release(&res[i]);
	}
	/* committed: another reader sees it all */
	assert_int_equal(store_applied_index(f->s[0]), N);
	assert_int_equal(store_revision(f->s[0]), N);
	raft_pipe_set_notify(p, NULL, NULL);
	atomic_store(&notified, 0);
	push(p, N + 1, NULL, NULL);
	assert_int_equal(raft_pipe_drain(p), 0);
	assert_int_equal(atomic_load(&notified), 0);
	raft_pipe_destroy(&p);
	assert_null(p);
	raft_pipe_destroy(&p); /* takes a pointer to NULL */
	raft_pipe_destroy(NULL);
}

static void test_pipe_skips_replays(void **state)
{
	struct fixture_stores *f = *state;
	struct raft_pipe *p = raft_pipe_new(f->s[0]);
	struct store_result res;
	bool has = true;

	for (uint64_t i = 1; i <= 3; i++)
		push(p, i, NULL, NULL);
	assert_int_equal(raft_pipe_drain(p), 0);
	raft_pipe_destroy(&p);
	/* a restart: the applied index comes from the store, and libraft
	 * replays entries the store already has */
	p = raft_pipe_new(f->s[0]);
	assert_int_equal(raft_pipe_applied(p), 3);
	push(p, 2, &res, &has);
	assert_false(has); /* reset by the push */
	assert_int_equal(raft_pipe_drain(p), 0);
	assert_false(has); /* skipped: no result */
	assert_int_equal(raft_pipe_done(p), 1);
	assert_int_equal(raft_pipe_applied(p), 3);
	assert_int_equal(store_revision(f->s[0]), 3);
	raft_pipe_destroy(&p);
}

static void test_pipe_destroy_commits_queue(void **state)
{
	struct fixture_stores *f = *state;
	struct raft_pipe *p = raft_pipe_new(f->s[0]);

	for (uint64_t i = 1; i <= N; i++)
		push(p, i, NULL, NULL);
	raft_pipe_destroy(&p); /* no drain */
	assert_int_equal(store_applied_index(f->s[0]), N);
	assert_int_equal(store_revision(f->s[0]), N);
}

/* raft_pipe_snapshot until it hands out a snapshot (5 s at most), which is
 * returned as one buffer, dump then tail, as libraft stores it. */
static void *snapshot_wait(struct raft_pipe *p, struct raft_pipe_snap *snap, size_t *len)
{
	struct timespec pause = {0, 1000000};
	uint8_t *buf;
	int rc = -EBUSY;

	for (int i = 0; i < 5000 && rc == -EBUSY; i++) {
		rc = raft_pipe_snapshot(p, snap);
		if (rc == -EBUSY)
			nanosleep(&pause, NULL);
	}
	assert_int_equal(rc, 0);
	*len = snap->dump_len + snap->tail_len;
	buf = malloc(*len);
	assert_non_null(buf);
	memcpy(buf, snap->dump, snap->dump_len);
	if (snap->tail_len)
		memcpy(buf + snap->dump_len, snap->tail, snap->tail_len);
	free(snap->dump);
	free(snap->tail);
	return buf;
}

#define TAIL 50 /* entries pushed while the dump runs */

static void test_pipe_snapshot_restore(void **state)
{
	struct fixture_stores *f = *state;
	struct raft_pipe *a = raft_pipe_new(f->s[0]), *b = raft_pipe_new(f->s[1]);
	struct raft_pipe_snap snap;
	bool skipped = true;
	uint8_t *buf;
	size_t len;

	for (uint64_t i = 1; i <= N; i++)
		push(a, i, NULL, NULL);
	/* no drain: the dump waits for every entry pushed before it began, on
	 * a thread of its own; the caller is not held up */
	assert_int_equal(raft_pipe_snapshot(a, &snap), -EBUSY);
	for (uint64_t i = N + 1; i <= N + TAIL; i++)
		push(a, i, NULL, NULL);
	buf = snapshot_wait(a, &snap, &len);
	/* the dump holds some state at or after N, the tail every entry after
	 * N: together the store as of the last push */
	assert_int_equal(snap.index, N + TAIL);
	assert_int_equal(snap.tail_n, TAIL);
	assert_int_equal(raft_pipe_restore(b, buf, len, &skipped), 0);
	assert_false(skipped);
	assert_int_equal(raft_pipe_applied(b), N + TAIL);
	assert_int_equal(store_revision(f->s[1]), N + TAIL);
	/* the same snapshot again: b holds it already */
	assert_int_equal(raft_pipe_restore(b, buf, len, &skipped), 0);
	assert_true(skipped);
	/* a table record after the tail is malformed: nothing changes */
	buf = realloc(buf, len + 10);
	assert_non_null(buf);
	memcpy(buf + len, "\0\0\0\0\1\0\0\0\0x", 10);
	assert_int_equal(raft_pipe_restore(b, buf, len + 10, &skipped), -EPROTO);
	assert_int_equal(store_revision(f->s[1]), N + TAIL);
	free(buf);
	/* the pipe goes on after both, and a second snapshot starts afresh */
	push(a, N + TAIL + 1, NULL, NULL);
	push(b, N + TAIL + 1, NULL, NULL);
	assert_int_equal(raft_pipe_drain(a), 0);
	assert_int_equal(raft_pipe_drain(b), 0);
	assert_int_equal(raft_pipe_applied(b), N + TAIL + 1);
	assert_int_equal(store_revision(f->s[0]), store_revision(f->s[1]));
	assert_int_equal(raft_pipe_snapshot(a, &snap), -EBUSY);
	free(snapshot_wait(a, &snap, &len));
	assert_int_equal(snap.index, N + TAIL + 1);
	assert_int_equal(snap.tail_n, 0);
	/* a snapshot under way when the pipe is destroyed is dropped */
	assert_int_equal(raft_pipe_snapshot(a, &snap), -EBUSY);
	raft_pipe_destroy(&a);
	raft_pipe_destroy(&b);
}

/* Applies entry index to s in a batch of its own. */
static void apply_entry(struct store *s, uint64_t index)
{
	struct store_result res;
	size_t len;
	void *e = entry_new(index, &len);

	assert_int_equal(
	    store_batch_apply(s, index, e, len, (uint8_t *)e + PREFIX, len - PREFIX, &res), 0);
	store_result_release(&res);
	assert_int_equal(store_batch_commit(s), 0);
	free(e);
}

/* Appends entry index as a tail record. */
static void tail_put(uint8_t **tail, size_t *len, size_t *cap, uint64_t index)
{
	size_t elen;
	void *e = entry_new(index, &elen);

	assert_int_equal(
	    store_snapshot_tail_put(tail, len, cap, index, e, elen, PREFIX, elen - PREFIX), 0);
	free(e);
}

/* dump + tail as one buffer. */
static uint8_t *joined(const void *dump, size_t dlen, const uint8_t *tail, size_t tlen)
{
	uint8_t *b = malloc(dlen + tlen);

	assert_non_null(b);
	memcpy(b, dump, dlen);
	memcpy(b + dlen, tail, tlen);
	return b;
}

/* The tail's format without the pipe's timing: a dump at N and tail records
 * from N - 1 (entries the dump holds: skipped) to N + TAIL restore to the
 * state of N + TAIL, in one transaction; a tail record with a key of
 * another length, a command past its bytes, or indexes that do not rise is
 * refused before anything changes. */
static void test_snapshot_tail_records(void **state)
{
	struct fixture_stores *f = *state;
	uint8_t *tail = NULL, *bad = NULL, *buf;
	size_t tlen = 0, tcap = 0, blen = 0, bcap = 0, dlen;
	uint64_t index;
	bool skipped = true;
	void *dump;

	for (uint64_t i = 1; i <= N; i++)
		apply_entry(f->s[0], i);
	assert_int_equal(store_snapshot(f->s[0], &dump, &dlen, &index), 0);
	assert_int_equal(index, N);
	for (uint64_t i = N - 1; i <= N + TAIL; i++) {
		tail_put(&tail, &tlen, &tcap, i);
		if (i > N)
			apply_entry(f->s[0], i);
	}
	buf = joined(dump, dlen, tail, tlen);
	assert_int_equal(store_restore(f->s[1], buf, dlen + tlen, &skipped), 0);
	assert_false(skipped);
	assert_int_equal(store_applied_index(f->s[1]), N + TAIL);
	assert_int_equal(store_revision(f->s[1]), N + TAIL);
	assert_int_equal(store_revision(f->s[0]), N + TAIL);
	free(buf);
	/* a key of 15 bytes */
	buf = joined(dump, dlen, tail, tlen);
	buf[dlen + 4] = 15;
	assert_int_equal(store_restore(f->s[1], buf, dlen + tlen, NULL), -EPROTO);
	free(buf);
	/* the command's offset past the entry's bytes */
	buf = joined(dump, dlen, tail, tlen);
	memset(buf + dlen + 9 + 8, 0xff, 4);
	assert_int_equal(store_restore(f->s[1], buf, dlen + tlen, NULL), -EPROTO);
	free(buf);
	/* indexes that do not rise */
	tail_put(&bad, &blen, &bcap, N + TAIL + 2);
	tail_put(&bad, &blen, &bcap, N + TAIL + 1);
	buf = joined(dump, dlen, bad, blen);
	assert_int_equal(store_restore(f->s[1], buf, dlen + blen, NULL), -EPROTO);
	assert_int_equal(store_revision(f->s[1]), N + TAIL);
	free(buf);
	free(bad);
	free(tail);
	free(dump);
}

static void test_pipe_bad_args(void **state)
{
	struct fixture_stores *f = *state;
	struct raft_pipe *p = raft_pipe_new(f->s[0]);
	struct store_result res;
	bool has;
	char e[16] = "0123456789abcde";
	struct raft_pipe_snap snap;

	assert_null(raft_pipe_new(NULL));
	assert_int_equal(raft_pipe_push(NULL, 1, e, 16, 0, 16, NULL, NULL), -EINVAL);
	assert_int_equal(raft_pipe_push(p, 0, e, 16, 0, 16, NULL, NULL), -EINVAL);
	assert_int_equal(raft_pipe_push(p, 1, NULL, 16, 0, 16, NULL, NULL), -EINVAL);
	assert_int_equal(raft_pipe_push(p, 1, e, 16, 17, 0, NULL, NULL), -EINVAL);
	assert_int_equal(raft_pipe_push(p, 1, e, 16, 8, 9, NULL, NULL), -EINVAL);
	assert_int_equal(raft_pipe_push(p, 1, e, 16, 0, 16, &res, NULL), -EINVAL);
	assert_int_equal(raft_pipe_push(p, 1, e, 16, 0, 16, NULL, &has), -EINVAL);
	assert_int_equal(raft_pipe_drain(NULL), -EINVAL);
	assert_int_equal(raft_pipe_snapshot(NULL, &snap), -EINVAL);
	assert_int_equal(raft_pipe_snapshot(p, NULL), -EINVAL);
	assert_int_equal(raft_pipe_restore(p, NULL, 0, NULL), -EINVAL);
	assert_int_equal(raft_pipe_pushed(p), 0);
	assert_int_equal(raft_pipe_done(NULL), 0);
	/* malformed bytes are a rejected command, applied as such */
	assert_int_equal(raft_pipe_push(p, 1, e, 16, 0, 16, &res, &has), 0);
	assert_int_equal(raft_pipe_drain(p), 0);
	assert_true(has);
	assert_true(res.rc < 0);
	store_result_release(&res);
	assert_int_equal(raft_pipe_applied(p), 1);
	raft_pipe_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pipe_applies_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipe_skips_replays, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipe_destroy_commits_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipe_snapshot_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_tail_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipe_bad_args, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
