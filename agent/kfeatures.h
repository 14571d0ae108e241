/* kfeatures.h - what the datapath needs from the running kernel, checked
 * before anything is loaded, so that an unfit host refuses with a line per
 * missing feature naming what brings it, instead of failing deep inside
 * libbpf.
 *
 * Features: the bpf() system call with the right to load programs, kernel
 * BTF (/sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF), a bpf filesystem at
 * the pin root or one the kernel can mount, TCX attachment (Linux 6.6) and
 * the bpf_loop() helper (Linux 5.17). The probes load two tiny programs
 * (freed at once) and query the TCX programs on "lo": nothing is attached,
 * no interface is touched. The paths and the probes of the running kernel
 * are injectable, so tests can check the refusals a real kernel would not
 * produce. Any thread.
 */
#ifndef TENET_AGENT_KFEATURES_H
#define TENET_AGENT_KFEATURES_H

#include <stddef.h>

/* One feature the datapath needs. */
enum kfeature {
	KFEATURE_BPF,	   /* bpf(): loading a program (CONFIG_BPF_SYSCALL, privileges) */
	KFEATURE_BTF,	   /* kernel BTF, for CO-RE relocations */
	KFEATURE_BPFFS,	   /* a bpf filesystem for the pins */
	KFEATURE_TCX,	   /* TCX links (BPF_TCX_INGRESS) */
	KFEATURE_BPF_LOOP, /* the bpf_loop() helper (flood pages) */
	KFEATURE_COUNT,
};

/* Where to look and whom to tell; every member may be NULL/0. */
struct kfeatures_config {
	const char *btf_path;	      /* kernel BTF; NULL: /sys/kernel/btf/vmlinux */
	const char *filesystems_path; /* NULL: /proc/filesystems */
	const char *bpffs;	      /* the pin root (--bpffs); NULL: /sys/fs/bpf */
	const char *release;	      /* kernel release in messages; NULL: uname's */
	/* Probes the running kernel for KFEATURE_BPF, _TCX or _BPF_LOOP:
	 * returns 0 (present), -EOPNOTSUPP (absent), -EPERM (not allowed) or
	 * another -errno (could not tell). NULL: kfeatures_probe. */
	int (*probe)(enum kfeature f);
	/* Gets one line per missing feature (line is valid during the call
	 * only). NULL: each line is logged as an error. */
	void (*report)(void *arg, enum kfeature f, const char *line);
	void *arg; /* passed to report */
};

/* Checks every feature; reports each missing one as "kernel feature
 * missing: WHAT (WHAT BRINGS IT) kernel=RELEASE". When bpf() itself is
 * missing or refused, the probes that need it are not run (they would only
 * repeat it). Returns the number of features missing: 0 when the kernel has
 * everything. cfg may be NULL. */
int kfeatures_check(const struct kfeatures_config *cfg);

/* The probe of the running kernel used by default; see probe above. */
int kfeatures_probe(enum kfeature f);

/* Short name of f ("tcx", "btf", ...), for logs; "?" if out of range. */
const char *kfeatures_name(enum kfeature f);

#endif
