/* test_agent_kfeatures.c - the kernel feature check: the running kernel has
 * everything (needs root, like the other agent tests), and the refusal
 * lines a kernel without a feature would produce, through injected paths
 * and probes: missing BTF, no bpf filesystem, no TCX, no bpf_loop, bpf()
 * refused or absent (then nothing else is probed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kfeatures.h"

#define FX_LINES 8

/* Test fixture: injected probe answers, collected report lines. */
struct fx {
	int answer[KFEATURE_COUNT];    /* what the fake probe returns per feature */
	int probed[KFEATURE_COUNT];    /* fake probe calls per feature */
	char lines[FX_LINES][512];     /* reported lines */
	enum kfeature which[FX_LINES]; /* their features */
	int n;			       /* lines reported */
	char dir[64];		       /* scratch directory */
	char fs_with[96];	       /* a filesystems file listing bpf */
	char fs_without[96];	       /* one that does not */
	char btf[96];		       /* an existing "BTF" file */
};

static struct fx *fx_cur; /* the probe has no argument */

static int fx_probe(enum kfeature f)
{
	fx_cur->probed[f]++;
	return fx_cur->answer[f];
}

static void fx_report(void *arg, enum kfeature f, const char *line)
{
	struct fx *x = arg;

	assert_true(x->n < FX_LINES);
	x->which[x->n] = f;
	snprintf(x->lines[x->n++], sizeof(x->lines[0]), "%s", line);
}

static void fx_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int fx_setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_kfeatures.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->fs_with, sizeof(x->fs_with), "%s/fs-with", x->dir);
	snprintf(x->fs_without, sizeof(x->fs_without), "%s/fs-without", x->dir);
	snprintf(x->btf, sizeof(x->btf), "%s/vmlinux", x->dir);
	fx_write(x->fs_with, "nodev\tsysfs\nnodev\tbpf\n\text4\n");
	fx_write(x->fs_without, "nodev\tsysfs\nnodev\tbpfx\n\text4\n");
	fx_write(x->btf, "BTF");
	fx_cur = x;
	*state = x;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *x = *state;

	unlink(x->fs_with);
	unlink(x->fs_without);
	unlink(x->btf);
	rmdir(x->dir);
	free(x);
	return 0;
}

/* A config with every path healthy (the directory is no bpffs, but the
 * filesystems file lists bpf: mountable) and the fake probe. */
static struct kfeatures_config fx_cfg(struct fx *x)
{
	return (struct kfeatures_config){.btf_path = x->btf,
					 .filesystems_path = x->fs_with,
					 .bpffs = x->dir,
					 .release = "5.10.0-test",
					 .probe = fx_probe,
					 .report = fx_report,
					 .arg = x};
}

static void test_real_kernel(void **state)
{
	struct fx *x = *state;
	struct kfeatures_config c = {.report = fx_report, .arg = x};

	assert_int_equal(geteuid(), 0); /* the probes load programs */
	assert_int_equal(kfeatures_check(&c), 0);
	assert_int_equal(x->n, 0);
	for (int f = KFEATURE_BPF; f < KFEATURE_COUNT; f++)
		if (f != KFEATURE_BTF && f != KFEATURE_BPFFS)
			assert_int_equal(kfeatures_probe((enum kfeature)f), 0);
}

static void test_all_present(void **state)
{
	struct fx *x = *state;
	struct kfeatures_config c = fx_cfg(x);

	assert_int_equal(kfeatures_check(&c), 0);
	assert_int_equal(x->n, 0);
	assert_int_equal(x->probed[KFEATURE_BPF], 1);
	assert_int_equal(x->probed[KFEATURE_TCX], 1);
	assert_int_equal(x->probed[KFEATURE_BPF_LOOP], 1);
}

static void test_no_btf(void **state)
{
	struct fx *x = *state;
	struct kfeatures_config c = fx_cfg(x);

	c.btf_path = "/nonexistent/btf/vmlinux";
	assert_int_equal(kfeatures_check(&c), 1);
	assert_int_equal(x->which[0], KFEATURE_BTF);
	assert_non_null(strstr(x->lines[0], "kernel feature missing: kernel BTF"));
	assert_non_null(strstr(x->lines[0], "/nonexistent/btf/vmlinux"));
	assert_non_null(strstr(x->lines[0], "CONFIG_DEBUG_INFO_BTF=y"));
	assert_non_null(strstr(x->lines[0], "kernel=5.10.0-test"));
}

static void test_no_bpffs(void **state)
{
	struct fx *x = *state;
	struct kfeatures_config c = fx_cfg(x);

	c.filesystems_path = x->fs_without; /* "bpfx" is no "bpf" */
	assert_int_equal(kfeatures_check(&c), 1);
	assert_int_equal(x->which[0], KFEATURE_BPFFS);
	assert_non_null(strstr(x->lines[0], "kernel feature missing: a bpf filesystem"));
	assert_non_null(strstr(x->lines[0], x->dir));
	/* an unreadable filesystems file is no evidence of bpf either */
	x->n = 0;
	c.filesystems_path = "/nonexistent/filesystems";
	assert_int_equal(kfeatures_check(&c), 1);
	assert_int_equal(x->which[0], KFEATURE_BPFFS);
}

static void test_old_kernel(void **state)
{
	struct fx *x = *state;
	struct kfeatures_config c = fx_cfg(x);

	x->answer[KFEATURE_TCX] = -EOPNOTSUPP;
	x->answer[KFEATURE_BPF_LOOP] = -EOPNOTSUPP;
	assert_int_equal(kfeatures_check(&c), 2);
	assert_int_equal(x->which[0], KFEATURE_TCX);
	assert_non_null(strstr(x->lines[0], "kernel feature missing: TCX"));
	assert_non_null(strstr(x->lines[0], "Linux 6.6 or later"));
	assert_int_equal(x->which[1], KFEATURE_BPF_LOOP);
	assert_non_null(strstr(x->lines[1], "bpf_loop()"));
	assert_non_null(strstr(x->lines[1], "Linux 5.17 or later"));
	/* a probe that could not tell says so, with its error */
	x->n = 0;
	x->answer[KFEATURE_BPF_LOOP] = 0;
	x->answer[KFEATURE_TCX] = -ENODEV;
	assert_int_equal(kfeatures_check(&c), 1);
	assert_non_null(strstr(x->lines[0], "probe failed err=-19"));
}

static void test_bpf_refused(void **state)
{
	struct fx *x = *state;
	struct kfeatures_config c = fx_cfg(x);

	x->answer[KFEATURE_BPF] = -EPERM;
	x->answer[KFEATURE_TCX] = -EPERM;
	assert_int_equal(kfeatures_check(&c), 1);
	assert_int_equal(x->which[0], KFEATURE_BPF);
	assert_non_null(strstr(x->lines[0], "permission denied"));
	assert_non_null(strstr(x->lines[0], "CAP_BPF"));
	assert_int_equal(x->probed[KFEATURE_TCX], 0); /* would only repeat it */
	assert_int_equal(x->probed[KFEATURE_BPF_LOOP], 0);
	x->n = 0;
	x->answer[KFEATURE_BPF] = -EOPNOTSUPP;
	c.btf_path = "/nonexistent/btf/vmlinux"; /* file checks still run */
	assert_int_equal(kfeatures_check(&c), 2);
	assert_int_equal(x->which[1], KFEATURE_BPF);
	assert_non_null(strstr(x->lines[1], "CONFIG_BPF_SYSCALL=y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_real_kernel, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_all_present, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_no_btf, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_no_bpffs, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_old_kernel, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_refused, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
