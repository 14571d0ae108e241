/* test_agent_loader.c - the agent's datapath loader, for real: in a private
 * network and mount namespace (created here, gone when the test exits) with
 * a veth underlay and a veth port, on a private bpffs. Load, tunnel device,
 * tn_config, TCX links pinned and reused across a restart, a port that is
 * recreated, and removal. Needs root. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>
#include <linux/types.h>

#include "abi_maps.h"
#include "loader.h"
#include "rtnl.h"
#include "tenet_abi.h"

static char bpffs[64] = "/tmp/test_agent_loader.XXXXXX";

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
	if (geteuid() != 0)
		return -1;
	if (unshare(CLONE_NEWNET | CLONE_NEWNS))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (!mkdtemp(bpffs))
		return -1;
	if (sh("ip link set lo up && ip link add ul0 type veth peer name ul1 && "
	       "ip addr add 198.18.5.1/24 dev ul0 && ip link set ul0 mtu 1500 up && "
	       "ip link add vm1h type veth peer name vm1p && ip link set vm1h mtu 1500 up")) {
		rmdir(bpffs); /* no group teardown after a failed setup */
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	return 0;
}

static struct loader *load(void)
{
	struct loader_config cfg = {
	    .host = "t1", .bpffs = bpffs, .tunnel_dev = "tnl0", .underlay = "ul0"};

	return loader_new(&cfg);
}

/* The link pinned at <pin dir>/sub is a TCX link of attach type at on
 * ifindex. */
static void assert_pin_at(const char *sub, uint32_t ifindex, enum bpf_attach_type at)
{
	char path[PATH_MAX];
	struct bpf_link_info info = {0};
	__u32 len = sizeof(info);
	int fd;

	snprintf(path, sizeof(path), "%s/tenet/t1/%s", bpffs, sub);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_link_get_info_by_fd(fd, &info, &len), 0);
	assert_int_equal(info.type, BPF_LINK_TYPE_TCX);
	assert_int_equal(info.tcx.ifindex, ifindex);
	assert_int_equal(info.tcx.attach_type, at);
	close(fd);
}

/* The link pinned at <pin dir>/sub is a TCX ingress link on ifindex. */
static void assert_pin(const char *sub, uint32_t ifindex)
{
	assert_pin_at(sub, ifindex, BPF_TCX_INGRESS);
}

/* The pinned links of port ifname: links/<ifname> a TCX ingress link and
 * egress/<ifname> a TCX egress link, on ifindex. */
static void assert_link(const char *ifname, uint32_t ifindex)
{
	char sub[64];

	snprintf(sub, sizeof(sub), "links/%s", ifname);
	assert_pin(sub, ifindex);
	snprintf(sub, sizeof(sub), "egress/%s", ifname);
	assert_pin_at(sub, ifindex, BPF_TCX_EGRESS);
}

/* True if links/<ifname> (or egress/<ifname>) exists. */
static bool link_pinned(const char *ifname)
{
	char path[PATH_MAX], epath[PATH_MAX];

	snprintf(path, sizeof(path), "%s/tenet/t1/links/%s", bpffs, ifname);
	snprintf(epath, sizeof(epath), "%s/tenet/t1/egress/%s", bpffs, ifname);
	return access(path, F_OK) == 0 || access(epath, F_OK) == 0;
}

/* Key and value sizes of the map at fd. */
static void map_sizes(int fd, __u32 *key, __u32 *val)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	assert_int_equal(bpf_map_get_info_by_fd(fd, &info, &len), 0);
	*key = info.key_size;
	*val = info.value_size;
}

/* An agent upgraded across an ABI change finds tn_flood pinned with the
 * ABI 1 key (4 bytes): the pin is replaced, the load counts as fresh, the
 * other maps and the port's link are kept. */
static void upgrade_replaces_stale_pin(uint32_t ifindex)
{
	char path[PATH_MAX];
	struct applier_maps maps;
	struct loader *l;
	__u32 k, v, zero = 0;
	__u64 mark = 0x5eed;
	int fd;

	snprintf(path, sizeof(path), "%s/tenet/t1/%s", bpffs, TN_PIN_FLOOD);
	assert_int_equal(unlink(path), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, TN_PIN_FLOOD, 4, sizeof(struct tn_flood), 64, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	/* a row in a compatible map survives */
	snprintf(path, sizeof(path), "%s/tenet/t1/%s", bpffs, TN_PIN_STATS);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	{
		int ncpu = libbpf_num_possible_cpus();
		__u64 *vals = calloc((size_t)ncpu, sizeof(*vals));

		assert_non_null(vals);
		vals[0] = mark;
		assert_int_equal(bpf_map_update_elem(fd, &zero, vals, BPF_ANY), 0);
		free(vals);
	}

	l = load();
	assert_non_null(l);
	assert_true(loader_fresh(l));
	loader_map_fds(l, &maps);
	map_sizes(maps.fd[TN_MAP_FLOOD], &k, &v);
	assert_int_equal(k, sizeof(struct tn_flood_key));
	assert_int_equal(v, sizeof(struct tn_flood));
	{
		int ncpu = libbpf_num_possible_cpus();
		__u64 *vals = calloc((size_t)ncpu, sizeof(*vals));

		assert_non_null(vals);
		assert_int_equal(bpf_map_lookup_elem(maps.fd[TN_MAP_STATS], &zero, vals), 0);
		assert_int_equal(vals[0], mark);
		free(vals);
	}
	close(fd);
	assert_int_equal(loader_attach_port(l, "vm1h", ifindex), 0);
	assert_link("vm1h", ifindex);
	loader_destroy(&l);
	/* and the next start reuses everything */
	l = load();
	assert_non_null(l);
	assert_false(loader_fresh(l));
	loader_destroy(&l);
}

static void test_load_attach_restart_remove(void **state)
{
	struct tn_config c = {0};
	struct applier_maps maps;
	uint32_t zero = 0, mtu = 0, idx, idx2;
	char kind[16];
	struct loader *l;

	l = load();
	assert_non_null(l);
	assert_true(loader_fresh(l));
	assert_int_equal(loader_port_mtu(l), 1450);
	assert_int_equal(rtnl_link_kind("tnl0", kind, sizeof(kind)), 0);
	assert_string_equal(kind, "vxlan");
	assert_int_equal(rtnl_link_mtu("tnl0", &mtu), 0);
	assert_int_equal(mtu, 1450);
	loader_map_fds(l, &maps);
	for (int m = TN_MAP_LPORT; m < TN_MAP_MAX; m++)
		assert_true(maps.fd[m] >= 0 || !tn_map_desc((unsigned)m)); /* ids no map has */
	assert_int_equal(bpf_map_lookup_elem(maps.fd[TN_MAP_CONFIG], &zero, &c), 0);
	assert_int_equal(c.abi_version, TN_ABI_VERSION);
	assert_int_equal(c.tunnel_ifindex, if_nametoindex("tnl0"));
	assert_int_equal(c.local_ip4, htonl(0xc6120501));
	/* the tunnel's link lives where no port name reaches */
	assert_pin("tunnel/link", if_nametoindex("tnl0"));
	assert_false(link_pinned("tnl0"));
	/* lo, the underlay and the tunnel are never ports */
	assert_int_equal(loader_attach_port(l, "tnl0", if_nametoindex("tnl0")), -EPERM);
	assert_int_equal(loader_attach_port(l, "ul0", if_nametoindex("ul0")), -EPERM);
	assert_int_equal(loader_attach_port(l, "lo", if_nametoindex("lo")), -EPERM);
	assert_false(link_pinned("tnl0") || link_pinned("ul0") || link_pinned("lo"));
	assert_false(loader_port_attached(l, "ul0", if_nametoindex("ul0")));
	assert_pin("tunnel/link", if_nametoindex("tnl0"));

	idx = if_nametoindex("vm1h");
	assert_int_equal(loader_attach_port(l, "vm1h", idx), 0);
	assert_true(loader_port_attached(l, "vm1h", idx));
	assert_int_equal(rtnl_link_mtu("vm1h", &mtu), 0);
	assert_int_equal(mtu, 1450);
	assert_link("vm1h", idx);
	loader_destroy(&l);
	assert_null(l);
	assert_link("vm1h", idx); /* outlives the loader */

	/* restart: maps reused, links updated in place */
	l = load();
	assert_non_null(l);
	assert_false(loader_fresh(l));
	assert_false(loader_port_attached(l, "vm1h", idx));
	assert_int_equal(loader_attach_port(l, "vm1h", idx), 0);
	assert_link("vm1h", idx);

	/* the port is recreated with a new ifindex: stale pin replaced */
	assert_int_equal(sh("ip link del vm1h && ip link add vm1h type veth peer name vm1p"), 0);
	idx2 = if_nametoindex("vm1h");
	assert_int_not_equal(idx, idx2);
	assert_int_equal(loader_attach_port(l, "vm1h", idx2), 0);
	assert_link("vm1h", idx2);
	assert_int_equal(loader_detach_port(l, "vm1h"), 0);
	assert_false(link_pinned("vm1h"));
	assert_false(loader_port_attached(l, "vm1h", idx2));
	assert_int_equal(loader_detach_port(l, "vm1h"), -ENOENT);
	/* a port an agent before ABI 11 attached has no egress link: it
	 * detaches all the same. The link is detached before its pin goes:
	 * a pinned link that is only unlinked is released by a work item of
	 * the kernel's, after the re-attach below may have run (EEXIST) */
	assert_int_equal(loader_attach_port(l, "vm1h", idx2), 0);
	{
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "%s/tenet/t1/egress/vm1h", bpffs);
		fd = bpf_obj_get(path);
		assert_true(fd >= 0);
		assert_int_equal(bpf_link_detach(fd), 0);
		close(fd);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(loader_detach_port(l, "vm1h"), 0);
	assert_false(link_pinned("vm1h"));
	assert_int_equal(loader_attach_port(l, "vm1h", idx2), 0);
	assert_link("vm1h", idx2);
	loader_destroy(&l);

	upgrade_replaces_stale_pin(idx2);
	assert_int_equal(loader_remove(bpffs, "t1", "tnl0"), 0);
	assert_int_equal(if_nametoindex("tnl0"), 0);
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/tenet/t1", bpffs);
		assert_int_not_equal(access(path, F_OK), 0);
	}
	/* a second removal finds nothing and succeeds */
	assert_int_equal(loader_remove(bpffs, "t1", "tnl0"), 0);
}

/* ".", ".." or any name starting with '.' would put the pins outside
 * <bpffs>/tenet/<host> or alias another directory: refused. */
static void test_dot_host_names(void **state)
{
	static const char *const bad[] = {".", "..", ".hidden", "", "a/b"};
	struct loader_config cfg = {.bpffs = bpffs, .tunnel_dev = "tnl9", .underlay = "ul0"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.host = bad[i];
		errno = 0;
		assert_null(loader_new(&cfg));
		assert_int_equal(errno, EINVAL);
		assert_int_equal(loader_remove(bpffs, bad[i], "tnl9"), -EINVAL);
	}
	assert_int_equal(if_nametoindex("tnl9"), 0); /* nothing was created */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_attach_restart_remove),
	    cmocka_unit_test(test_dot_host_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
