/* kfeatures.c - kernel feature probes; see kfeatures.h. */
#include "kfeatures.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/magic.h>

#include "log.h"

#define KF_BTF_PATH	    "/sys/kernel/btf/vmlinux"
#define KF_FILESYSTEMS_PATH "/proc/filesystems"
#define KF_BPFFS	    "/sys/fs/bpf"
#define KF_PRIVS                                                                                   \
	"run tenet-agent as root, or with CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON and CAP_SYS_ADMIN"

/* What each feature is and what brings it, for the refusal line. */
static const struct {
	const char *name; /* short name */
	const char *what; /* the feature, in words */
	const char *need; /* what brings it */
} kf_info[KFEATURE_COUNT] = {
    [KFEATURE_BPF] = {"bpf", "the bpf() system call",
		      "needs a kernel built with CONFIG_BPF_SYSCALL=y"},
    [KFEATURE_BTF] = {"btf", "kernel BTF",
		      "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y, Linux 5.4 or later"},
    [KFEATURE_BPFFS] = {"bpffs", "a bpf filesystem",
			"needs a kernel built with CONFIG_BPF_SYSCALL=y"},
    [KFEATURE_TCX] = {"tcx", "TCX attachment (BPF_TCX_INGRESS)", "needs Linux 6.6 or later"},
    [KFEATURE_BPF_LOOP] = {"bpf_loop", "the bpf_loop() helper", "needs Linux 5.17 or later"},
};

const char *kfeatures_name(enum kfeature f)
{
	return (unsigned)f < KFEATURE_COUNT ? kf_info[f].name : "?";
}

/* Loads "r0 = 0; exit" as a tc program: can we load programs at all? */
static int kf_probe_bpf(void)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", insns, 2, NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	fd = -errno;
	if (fd == -ENOSYS)
		return -EOPNOTSUPP;
	return fd == -EACCES ? -EPERM : fd;
}

/* Queries the TCX ingress programs of "lo" (read only): a kernel without
 * TCX refuses the attach type with EINVAL. */
static int kf_probe_tcx(void)
{
	LIBBPF_OPTS(bpf_prog_query_opts, opts);
	unsigned int lo = if_nametoindex("lo");
	int err;

	if (!lo)
		return -ENODEV;
	err = bpf_prog_query_opts((int)lo, BPF_TCX_INGRESS, &opts);
	if (err == -EINVAL)
		return -EOPNOTSUPP;
	return err;
}

static int kf_probe_loop(void)
{
	int ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_loop, NULL);

	if (ret > 0)
		return 0;
	return ret == 0 ? -EOPNOTSUPP : ret;
}

int kfeatures_probe(enum kfeature f)
{
	switch (f) {
	case KFEATURE_BPF:
		return kf_probe_bpf();
	case KFEATURE_TCX:
		return kf_probe_tcx();
	case KFEATURE_BPF_LOOP:
		return kf_probe_loop();
	default:
		return -EINVAL;
	}
}

/* True if the filesystems file lists "bpf" (a type the kernel can mount). */
static bool kf_bpffs_known(const char *path)
{
	char line[256];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *type = strrchr(line, '\t');

		type = type ? type + 1 : line;
		type[strcspn(type, "\n")] = '\0';
		found = strcmp(type, "bpf") == 0;
	}
	fclose(f);
	return found;
}

/* State of one check run. */
struct kf_run {
	const struct kfeatures_config *cfg; /* the caller's, may be NULL */
	const char *release;		    /* kernel release for messages */
	int missing;			    /* features reported */
};

/* Reports f as missing; detail (may be NULL) says what was seen, err the
 * probe's answer (0 for a file check). */
static void kf_report(struct kf_run *r, enum kfeature f, const char *detail, int err)
{
	char line[512];

	if (err == -EPERM)
		snprintf(line, sizeof(line),
			 "kernel feature not usable: %s, permission denied (%s) kernel=%s",
			 kf_info[f].what, KF_PRIVS, r->release);
	else if (err && err != -EOPNOTSUPP)
		snprintf(line, sizeof(line),
			 "kernel feature not usable: %s, probe failed err=%d (%s) kernel=%s",
			 kf_info[f].what, err, kf_info[f].need, r->release);
	else
		snprintf(line, sizeof(line), "kernel feature missing: %s%s%s (%s) kernel=%s",
			 kf_info[f].what, detail ? ": " : "", detail ? detail : "", kf_info[f].need,
			 r->release);
	r->missing++;
	if (r->cfg && r->cfg->report)
		r->cfg->report(r->cfg->arg, f, line);
	else
		log_err("%s", line);
}

static void kf_check_files(struct kf_run *r)
{
	const struct kfeatures_config *c = r->cfg;
	const char *btf = c && c->btf_path ? c->btf_path : KF_BTF_PATH;
	const char *fs = c && c->filesystems_path ? c->filesystems_path : KF_FILESYSTEMS_PATH;
	const char *bpffs = c && c->bpffs ? c->bpffs : KF_BPFFS;
	char detail[PATH_MAX + 64];
	struct statfs st;

	if (access(btf, R_OK) != 0) {
		snprintf(detail, sizeof(detail), "no %s", btf);
		kf_report(r, KFEATURE_BTF, detail, 0);
	}
	if (!(statfs(bpffs, &st) == 0 && st.f_type == BPF_FS_MAGIC) && !kf_bpffs_known(fs)) {
		snprintf(detail, sizeof(detail), "none at %s and no \"bpf\" in %s", bpffs, fs);
		kf_report(r, KFEATURE_BPFFS, detail, 0);
	}
}

int kfeatures_check(const struct kfeatures_config *cfg)
{
	int (*probe)(enum kfeature) = cfg && cfg->probe ? cfg->probe : kfeatures_probe;
	struct kf_run r = {.cfg = cfg, .release = cfg ? cfg->release : NULL};
	struct utsname u;
	int err;

	if (!r.release)
		r.release = uname(&u) == 0 ? u.release : "unknown";
	kf_check_files(&r);
	err = probe(KFEATURE_BPF);
	if (err) {
		kf_report(&r, KFEATURE_BPF, NULL, err);
		return r.missing; /* the other probes need bpf() */
	}
	err = probe(KFEATURE_TCX);
	if (err)
		kf_report(&r, KFEATURE_TCX, NULL, err);
	err = probe(KFEATURE_BPF_LOOP);
	if (err)
		kf_report(&r, KFEATURE_BPF_LOOP, NULL, err);
	return r.missing;
}
