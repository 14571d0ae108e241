/* test_store_check.c - data.mdb checked against its own meta pages before
 * LMDB maps it (controller/store_check.c): healthy files pass, also when
 * they end before last_pg (free tail pages, found by walking the trees);
 * truncated and zeroed files are refused, and store_new refuses them
 * instead of dying of SIGBUS; a store whose marker of unflushed commits
 * names another kernel (controller/store_unsynced.c) is set aside. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "store.h"
#include "store_check.h"

#define PSIZE_AT   (16 + 4 + 4 + 8 + 8)		 /* mm_dbs[0].md_pad: the page size, LP64 */
#define LAST_PG_AT (16 + 4 + 4 + 8 + 8 + 2 * 48) /* MDB_meta.mm_last_pg in a meta page, LP64 */

/* A temporary directory with a data.mdb of several named databases, small
 * values and overflow values, updated over many transactions. */
struct fix {
	char dir[64];  /* the directory */
	char path[96]; /* dir/data.mdb */
	size_t size;   /* healthy file size */
	size_t psize;  /* its page size */
	uint8_t *copy; /* the healthy file */
};

static void fill(const char *dir)
{
	static char big[12288];
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi d[4];
	char k[32];

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1u << 28), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	for (int r = 0; r < 40; r++) {
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
		for (int i = 0; i < 4; i++) {
			snprintf(k, sizeof(k), "db%d", i);
			assert_int_equal(mdb_dbi_open(t, k, MDB_CREATE, &d[i]), 0);
		}
		for (int i = 0; i < 50; i++) {
			int n = (r * 50 + i) * 7919 % 1000;
			MDB_val kv, vv = {.mv_size = n % 5 ? 40 : sizeof(big), .mv_data = big};

			snprintf(k, sizeof(k), "key%06d", n);
			kv = (MDB_val){.mv_size = strlen(k), .mv_data = k};
			if (n % 11 == 0)
				mdb_del(t, d[n % 4], &kv, NULL);
			else
				assert_int_equal(mdb_put(t, d[n % 4], &kv, &vv, 0), 0);
		}
		assert_int_equal(mdb_txn_commit(t), 0);
	}
	mdb_env_close(env);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	uint32_t psize32;
	struct stat st;
	int fd;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/tenet-scheck.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/data.mdb", f->dir);
	fill(f->dir);
	assert_int_equal(stat(f->path, &st), 0);
	f->size = (size_t)st.st_size;
	f->copy = malloc(f->size);
	assert_non_null(f->copy);
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, f->copy, f->size), (ssize_t)f->size);
	close(fd);
	memcpy(&psize32, f->copy + PSIZE_AT, sizeof(psize32));
	f->psize = psize32;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f->copy);
	free(f);
	return 0;
}

/* Writes the first len bytes of buf as data.mdb. */
static void put_file(struct fix *f, const uint8_t *buf, size_t len)
{
	int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void test_healthy(void **state)
{
	struct fix *f = *state;
	struct store *s;

	assert_int_equal(store_check_file(f->dir), 0);
	assert_true(f->size > 8 * f->psize);
	s = store_new(f->dir, 16);
	assert_non_null(s);
	store_destroy(&s);
}

static void test_missing_or_empty(void **state)
{
	struct fix *f = *state;

	unlink(f->path);
	assert_int_equal(store_check_file(f->dir), 0);
	put_file(f, f->copy, 0);
	assert_int_equal(store_check_file(f->dir), 0);
}

/* A file ending before last_pg whose reachable pages are all there (what
 * LMDB leaves when the last pages are free) passes: the trees are walked. */
static void test_free_tail_passes(void **state)
{
	struct fix *f = *state;
	size_t last;

	if (sizeof(size_t) != 8)
		skip();
	for (int m = 0; m < 2; m++) {
		memcpy(&last, f->copy + m * f->psize + LAST_PG_AT, sizeof(last));
		assert_true(last >= 2 && (last + 1) * f->psize <= f->size);
		last += 50;
		memcpy(f->copy + m * f->psize + LAST_PG_AT, &last, sizeof(last));
	}
	put_file(f, f->copy, f->size);
	assert_int_equal(store_check_file(f->dir), 0);
}

/* Opens the file with LMDB and reads every value of every table: dies of
 * SIGBUS if a page it needs is missing. */
static void read_all(const char *dir)
{
	MDB_env *env;
	MDB_txn *t;
	MDB_cursor *c;
	MDB_val k, v;
	MDB_dbi d;
	char name[8];
	unsigned sum = 0;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &t), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "db%d", i);
		assert_int_equal(mdb_dbi_open(t, name, 0, &d), 0);
		assert_int_equal(mdb_cursor_open(t, d, &c), 0);
		while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
			for (size_t j = 0; j < v.mv_size; j++)
				sum += ((const uint8_t *)v.mv_data)[j];
		mdb_cursor_close(c);
	}
	mdb_txn_abort(t);
	mdb_env_close(env);
	assert_int_equal(sum, 0); /* the values are zero bytes */
}

/* Every cut at a page boundary is refused, unless the pages cut off are all
 * free: then LMDB reads every value without them. */
static void test_truncated(void **state)
{
	struct fix *f = *state;
	struct store *s;
	int refused = 0, rc;

	put_file(f, f->copy, 2 * f->psize); /* the meta pages alone */
	assert_int_equal(store_check_file(f->dir), -ENODATA);
	s = store_new(f->dir, 16); /* used to die of SIGBUS in mdb_dbi_open */
	assert_null(s);
	for (size_t cut = f->size - f->psize; cut > 2 * f->psize; cut -= 5 * f->psize) {
		put_file(f, f->copy, cut);
		rc = store_check_file(f->dir);
		if (rc == 0)
			read_all(f->dir);
		else
			assert_int_equal(rc, -ENODATA);
		refused += rc != 0;
	}
	assert_true(refused > 0);
}

static void test_zeroed(void **state)
{
	struct fix *f = *state;
	uint8_t *zero = calloc(1, f->size);

	assert_non_null(zero);
	put_file(f, zero, f->size);
	assert_int_equal(store_check_file(f->dir), -EBADMSG);
	assert_null(store_new(f->dir, 16));
	put_file(f, f->copy, f->psize / 2); /* not even one meta page */
	assert_int_equal(store_check_file(f->dir), -EBADMSG);
	memcpy(zero, f->copy, f->size);
	memset(zero + f->psize, 0, f->psize); /* the second meta page */
	put_file(f, zero, f->size);
	assert_int_equal(store_check_file(f->dir), -EBADMSG);
	free(zero);
}

/* Writes text as dir/name. */
static void put_text(const struct fix *f, const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static bool exists(const struct fix *f, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	return access(path, F_OK) == 0;
}

/* The marker of unflushed commits (store_unsynced.c): written with this
 * kernel's boot id, a store under it is kept; under another boot id, or a
 * marker that cannot be read, data.mdb is set aside and the marker goes;
 * cleared, nothing happens; poisoned after a failed flush, it is set aside
 * under this kernel too. */
static void test_unsynced_marker(void **state)
{
	struct fix *f = *state;

	/* no marker: nothing to do */
	assert_int_equal(store_unsynced_check(f->dir), 0);
	assert_true(exists(f, "data.mdb"));
	/* this kernel's: the page cache holds every commit */
	assert_int_equal(store_unsynced_mark(f->dir), 0);
	assert_true(exists(f, STORE_UNSYNCED_FILE));
	assert_int_equal(store_unsynced_check(f->dir), 0);
	assert_true(exists(f, "data.mdb"));
	assert_false(exists(f, "data.mdb.unsynced"));
	/* poisoned (a flush that failed): set aside even under this kernel */
	assert_int_equal(store_unsynced_poison(f->dir), 0);
	assert_int_equal(store_unsynced_check(f->dir), 0);
	assert_false(exists(f, "data.mdb"));
	assert_true(exists(f, "data.mdb.unsynced"));
	assert_false(exists(f, STORE_UNSYNCED_FILE));
	put_file(f, f->copy, f->size);
	assert_int_equal(store_unsynced_mark(f->dir), 0);
	/* cleared (a flushed store): nothing to do either */
	assert_int_equal(store_unsynced_clear(f->dir), 0);
	assert_false(exists(f, STORE_UNSYNCED_FILE));
	assert_int_equal(store_unsynced_clear(f->dir), 0);
	/* another kernel's: set aside, marker removed */
	put_text(f, STORE_UNSYNCED_FILE, "00000000-0000-4000-8000-000000000000\n");
	assert_int_equal(store_unsynced_check(f->dir), 0);
	assert_false(exists(f, "data.mdb"));
	assert_true(exists(f, "data.mdb.unsynced"));
	assert_false(exists(f, STORE_UNSYNCED_FILE));
	/* a damaged marker counts as another kernel's; no data file is fine */
	put_file(f, f->copy, f->size);
	put_text(f, STORE_UNSYNCED_FILE, "0123");
	assert_int_equal(store_unsynced_check(f->dir), 0);
	assert_false(exists(f, "data.mdb"));
	put_text(f, STORE_UNSYNCED_FILE, "");
	assert_int_equal(store_unsynced_check(f->dir), 0);
	assert_false(exists(f, STORE_UNSYNCED_FILE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_healthy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsynced_marker, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_or_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_tail_passes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zeroed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
