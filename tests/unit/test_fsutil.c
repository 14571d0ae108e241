/* test_fsutil.c - mkdir -p and the atomic file replacement. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"

static char root[64];

static int fs_setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/tenet-fsutil.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int fs_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_mkdir_p(void **state)
{
	char path[256], file[256];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", root);
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(fs_mkdir_p(path, 0700), 0); /* exists: fine */
	snprintf(file, sizeof(file), "%s/x/y/key", root);
	assert_int_equal(fs_mkdir_parent(file, 0700), 0);
	snprintf(path, sizeof(path), "%s/x/y", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(fs_mkdir_parent("key", 0700), 0); /* no directory part */
	/* a file in the way */
	snprintf(file, sizeof(file), "%s/plain", root);
	assert_int_equal(fs_write_atomic(file, "x", 1, 0600), 0);
	snprintf(path, sizeof(path), "%s/plain/sub", root);
	assert_int_equal(fs_mkdir_p(path, 0700), -ENOTDIR);
	assert_int_equal(fs_mkdir_p("", 0700), -EINVAL);
}

static void test_write_atomic(void **state)
{
	char path[256], tmp[272], buf[64] = "";
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/token", root);
	assert_int_equal(fs_write_atomic(path, "first\n", 6, 0600), 0);
	assert_int_equal(fs_write_atomic(path, "second\n", 7, 0600), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "second\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1); /* no temporary left */
	/* a directory that does not exist: an error, nothing left behind */
	snprintf(path, sizeof(path), "%s/missing/token", root);
	assert_int_equal(fs_write_atomic(path, "x", 1, 0600), -ENOENT);
	assert_int_equal(fs_write_atomic(NULL, "x", 1, 0600), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mkdir_p),
	    cmocka_unit_test(test_write_atomic),
	};

	return cmocka_run_group_tests(tests, fs_setup, fs_teardown);
}
