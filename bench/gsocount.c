// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gsocount.c - counts GSO skbs at an interface's tc ingress, to show what a
 * benchmark's underlay really does: whether the sender's underlay segments
 * (no skb with more than one segment reaches the wire) and whether the
 * receiver runs GRO (skbs with more than one segment arrive again).
 *
 *   gsocount attach IFNAME   attaches bench_gso_count (bench.bpf.c) first in
 *                            IFNAME's TCX ingress (in the caller's network
 *                            namespace), prints "map_id=N" and waits for
 *                            SIGTERM or SIGINT; exiting detaches it (the
 *                            link is not pinned, so nothing outlives it)
 *   gsocount read MAP_ID     prints "SKBS MULTI SEGS": skbs seen, skbs with
 *                            gso_segs > 1, and segments, summed over CPUs
 *
 * Needs root. Exit status 0, or 1 with a message on stderr.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.skel.h"

#define GSOCOUNT_N 3 /* entries of bench_gso: skbs, multi, segs */

static volatile sig_atomic_t gsocount_stop;

static void gsocount_on_signal(int sig)
{
	(void)sig;
	gsocount_stop = 1;
}

/* Attaches the counter to ifname and waits for a signal. Returns 0 or -errno. */
static int gsocount_attach(const char *ifname)
{
	LIBBPF_OPTS(bpf_tcx_opts, opts, .flags = BPF_F_BEFORE);
	struct bpf_program *prog;
	struct bench_bpf *bb;
	struct bpf_link *link;
	struct sigaction sa = {.sa_handler = gsocount_on_signal};
	unsigned int ifindex = if_nametoindex(ifname);
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	int err;

	if (!ifindex)
		return -ENODEV;
	bb = bench_bpf__open();
	if (!bb)
		return -errno ? -errno : -EINVAL;
	bpf_object__for_each_program(prog, bb->obj)
	    bpf_program__set_autoload(prog, prog == bb->progs.bench_gso_count);
	err = bench_bpf__load(bb);
	if (err)
		goto out_destroy;
	link = bpf_program__attach_tcx(bb->progs.bench_gso_count, (int)ifindex, &opts);
	if (!link) {
		err = -errno;
		goto out_destroy;
	}
	err = bpf_map_get_info_by_fd(bpf_map__fd(bb->maps.bench_gso), &info, &len);
	if (err)
		goto out_link;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("map_id=%u\n", info.id);
	fflush(stdout);
	while (!gsocount_stop)
		pause();
out_link:
	bpf_link__destroy(link);
out_destroy:
	bench_bpf__destroy(bb);
	return err;
}

/* Prints the counters of map id. Returns 0 or -errno. */
static int gsocount_read(__u32 id)
{
	int ncpu = libbpf_num_possible_cpus(), fd, err = 0;
	__u64 sum[GSOCOUNT_N] = {0}, *v;

	if (ncpu <= 0)
		return -EINVAL;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out_close;
	}
	for (__u32 k = 0; k < GSOCOUNT_N; k++) {
		if (bpf_map_lookup_elem(fd, &k, v)) {
			err = -errno;
			goto out_free;
		}
		for (int c = 0; c < ncpu; c++)
			sum[k] += v[c];
	}
	printf("%llu %llu %llu\n", (unsigned long long)sum[0], (unsigned long long)sum[1],
	       (unsigned long long)sum[2]);
out_free:
	free(v);
out_close:
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	int err;

	if (argc == 3 && strcmp(argv[1], "attach") == 0) {
		err = gsocount_attach(argv[2]);
	} else if (argc == 3 && strcmp(argv[1], "read") == 0) {
		err = gsocount_read((__u32)strtoul(argv[2], NULL, 10));
	} else {
		fprintf(stderr, "usage: gsocount attach IFNAME | gsocount read MAP_ID\n");
		return 2;
	}
	if (err) {
		fprintf(stderr, "gsocount %s %s: %s\n", argv[1], argv[2], strerror(-err));
		return 1;
	}
	return 0;
}
