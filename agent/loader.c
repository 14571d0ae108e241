/* loader.c - datapath loading and attachment; see loader.h.
 *
 * Attachment choice: TCX (kernel >= 6.6) links, each pinned at
 * <bpffs>/tenet/<host>/links/<ifname> (a port's ingress: tn_vif_ingress)
 * and, since ABI 11, <bpffs>/tenet/<host>/egress/<ifname> (its egress:
 * tn_vif_egress, the ingress rules of flooded copies); the tunnel device's link at
 * <bpffs>/tenet/<host>/tunnel/link and, with back end (b), the underlay's at
 * <bpffs>/tenet/<host>/underlay/link, paths no port name can reach (interface
 * names hold no '/'). A pinned link keeps the program
 * attached after the agent exits; a restarted agent reopens the pin and
 * bpf_link__update_program()s it to its freshly loaded program (the maps
 * are the same pinned ones, so nothing is lost). A pin whose interface is
 * gone (the link is defunct, or on another ifindex) is replaced. Removal
 * unpins the link, which detaches the program. The underlay's XDP program
 * (decapsulation before GRO) is kept the same way: an XDP link pinned at
 * <bpffs>/tenet/<host>/underlay/xdp.
 *
 * Maps are pinned by libbpf (LIBBPF_PIN_BY_NAME under pin_root_path) and
 * reused when the pins exist; a pin whose definition differs (an agent
 * upgraded across an ABI change) is replaced by a new, empty map and the
 * load counts as fresh (see loader_replace_stale_pins). The prog arrays
 * for tail calls are filled by libbpf from their static initialisers and pinned by the loader (see
 * loader_pin_prog_arrays): the kernel empties an unpinned prog array when
 * the agent exits, which would turn every tail call into a drop.
 */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include "abi_maps.h"
#include "fsutil.h"
#include "log.h"
#include "rtnl.h"
#include "tenet.skel.h"
#include "tenet_abi.h"
#include "tenet_xdp.h"

#define LOADER_LOOPBACK_IFINDEX 1 /* lo's index in every network namespace */

/* One interface this loader attached the VIF program to. */
struct loader_att {
	char ifname[IF_NAMESIZE]; /* interface name */
	uint32_t ifindex;	  /* its index when attached */
};

struct loader {
	struct tenet_bpf *skel;	  /* the loaded datapath */
	char pin_dir[PATH_MAX];	  /* <bpffs>/tenet/<host> */
	char links_dir[PATH_MAX]; /* <pin_dir>/links */
	char egress_dir[PATH_MAX]; /* <pin_dir>/egress: the ports' egress links */
	char tunnel_pin[PATH_MAX]; /* <pin_dir>/tunnel/link: the tunnel's link */
	char underlay_pin[PATH_MAX];  /* <pin_dir>/underlay/link: back end (b)'s */
	char xdp_pin[PATH_MAX];	      /* <pin_dir>/underlay/xdp: its XDP decap */
	char tunnel_dev[IF_NAMESIZE]; /* the tunnel device: never a port */
	char underlay[IF_NAMESIZE];   /* the underlay interface: never a port */
	uint32_t tunnel_ifindex;      /* the tunnel device's index */
	uint32_t underlay_ifindex;    /* the underlay's index */
	enum loader_decap decap;      /* where this load decapsulates (never AUTO) */
	bool fresh;		  /* maps created by this load */
	uint32_t port_mtu;	  /* underlay MTU - TN_OVERHEAD */
	struct loader_att *att;	  /* attached ports */
	size_t n_att;		  /* entries of att */
};

/* Mounts a bpffs at path unless one is there. */
static int loader_mount_bpffs(const char *path)
{
	struct statfs st;
	int err;

	if (statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	err = fs_mkdir_p(path, 0700);
	if (err)
		return err;
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		return -errno;
	log_info("mounted bpffs path=%s", path);
	return 0;
}

/* The kernel empties a prog array when its last user reference goes, so
 * with the agent gone every tail call would miss: the prog arrays are pinned
 * too (<pin_dir>/<map name>). A restarted agent reuses the pinned array and
 * libbpf rewrites its slots with the new programs, one atomic update each,
 * so the old programs keep working until their links are updated. */
static int loader_pin_prog_arrays(struct loader *l)
{
	char path[PATH_MAX + 64];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, l->skel->obj)
	{
		if (bpf_map__type(map) != BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		snprintf(path, sizeof(path), "%s/%s", l->pin_dir, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* True if the map pinned at path has map's definition, so libbpf will
 * reuse it; false if it differs or cannot be read. */
static bool loader_pin_compatible(const char *path, const struct bpf_map *map)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	bool ok;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return false;
	ok = bpf_map_get_info_by_fd(fd, &info, &len) == 0 &&
	     info.type == (__u32)bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
	     info.value_size == bpf_map__value_size(map) &&
	     info.max_entries == bpf_map__max_entries(map) &&
	     info.map_flags == bpf_map__map_flags(map);
	close(fd);
	return ok;
}

/* libbpf refuses to load when a pinned map's definition differs from the
 * object's (an upgrade that changed a key, as ABI 2 did to tn_flood): such
 * pins are removed, so libbpf creates and pins new maps. The running
 * programs keep the old maps until their links are updated. Sets l->fresh
 * when one was replaced: the new map is empty, the agent resynchronises. */
static int loader_replace_stale_pins(struct loader *l)
{
	struct bpf_map *map;
	const char *path;

	bpf_object__for_each_map(map, l->skel->obj)
	{
		path = bpf_map__pin_path(map);
		if (!path || access(path, F_OK) != 0 || loader_pin_compatible(path, map))
			continue;
		if (unlink(path)) {
			int err = -errno;

			log_err("cannot remove incompatible pinned map path=%s err=%d", path, err);
			return err;
		}
		log_warn("replaced incompatible pinned map name=%s path=%s", bpf_map__name(map),
			 path);
		l->fresh = true;
	}
	return 0;
}

/* Checks every ABI map of the object against the table of abi_maps.c, so
 * the BPF definitions and what user space assumes of them cannot drift
 * apart. Returns 0, or -EPROTO naming the first difference. */
static int loader_check_maps(const struct loader *l)
{
	for (unsigned m = TN_MAP_FIRST; m < TN_MAP_MAX; m++) {
		const struct tn_map_desc *d = tn_map_desc(m);
		struct bpf_map *map;

		if (!d)
			continue; /* an id no map has (yet) */
		map = bpf_object__find_map_by_name(l->skel->obj, d->pin);
		if (!map) {
			log_err("datapath lacks map name=%s", d->pin);
			return -ENOENT;
		}
		if ((uint32_t)bpf_map__type(map) != d->type || bpf_map__key_size(map) != d->key_size ||
		    bpf_map__value_size(map) != d->value_size ||
		    bpf_map__max_entries(map) != d->max_entries || bpf_map__map_flags(map) != d->flags) {
			log_err("datapath map differs from the ABI table name=%s type=%u/%u key=%u/%u "
				"value=%u/%u max=%u/%u flags=%u/%u",
				d->pin, bpf_map__type(map), d->type, bpf_map__key_size(map),
				d->key_size, bpf_map__value_size(map), d->value_size,
				bpf_map__max_entries(map), d->max_entries, bpf_map__map_flags(map),
				d->flags);
			return -EPROTO;
		}
	}
	return 0;
}

/* Opens the skeleton with maps pinned in l->pin_dir and loads it. */
static int loader_load(struct loader *l)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = l->pin_dir);
	char probe[PATH_MAX + 32];
	struct bpf_program *prog;
	int err;

	snprintf(probe, sizeof(probe), "%s/%s", l->pin_dir, TN_PIN_CONFIG);
	l->fresh = access(probe, F_OK) != 0;
	l->skel = tenet_bpf__open_opts(&opts);
	if (!l->skel)
		return -errno ? -errno : -EINVAL;
	/* SEC("tc") leaves expected_attach_type 0, which libbpf passes to the
	 * TCX link: every tc program (the tail-call stages too, so the prog
	 * arrays stay compatible) is loaded as a tcx/ingress program, but the
	 * ports' egress program (it tail-calls nothing). */
	bpf_object__for_each_program(prog, l->skel->obj)
	{
		if (bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS)
			bpf_program__set_expected_attach_type(prog, BPF_TCX_INGRESS);
	}
	bpf_program__set_expected_attach_type(l->skel->progs.tn_vif_egress, BPF_TCX_EGRESS);
	err = loader_check_maps(l);
	if (!err)
		err = loader_pin_prog_arrays(l);
	if (!err)
		err = loader_replace_stale_pins(l);
	if (err)
		return err;
	err = tenet_bpf__load(l->skel);
	if (err) {
		log_err("cannot load datapath pin_dir=%s err=%d (stale pins from another ABI? "
			"run --remove)",
			l->pin_dir, err);
		return err;
	}
	log_info("datapath loaded pin_dir=%s maps=%s", l->pin_dir, l->fresh ? "new" : "reused");
	return 0;
}

static int loader_map_fd(const struct loader *l, int map)
{
	const struct tn_map_desc *d = tn_map_desc((unsigned)map);
	struct bpf_map *m = d ? bpf_object__find_map_by_name(l->skel->obj, d->pin) : NULL;

	return m ? bpf_map__fd(m) : -1;
}

const char *loader_pin_dir(const struct loader *l)
{
	return l ? l->pin_dir : NULL;
}

void loader_map_fds(const struct loader *l, struct applier_maps *maps)
{
	for (size_t i = 0; i < sizeof(maps->fd) / sizeof(maps->fd[0]); i++)
		maps->fd[i] = -1;
	if (!l)
		return;
	for (int m = TN_MAP_FIRST; m < TN_MAP_MAX; m++)
		maps->fd[m] = loader_map_fd(l, m);
}

int loader_monitor_fds(const struct loader *l, int *config_fd, int *ring_fd)
{
	if (!l || !config_fd || !ring_fd)
		return -EINVAL;
	*config_fd = bpf_map__fd(l->skel->maps.tn_monitor);
	*ring_fd = bpf_map__fd(l->skel->maps.tn_events);
	return *config_fd >= 0 && *ring_fd >= 0 ? 0 : -ENOENT;
}

/* Detaches the link pinned at path now (an unpinned link is only released
 * once the kernel drops its last reference, later) and removes the pin.
 * Returns 0 or -errno of the unlink. */
static int loader_unpin(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd >= 0) {
		bpf_link_detach(fd); /* -ENOLINK if the interface is gone */
		close(fd);
	}
	return unlink(path) ? -errno : 0;
}

/* True if the pinned link at fd is a TCX link on ifindex of prog's attach
 * type (ingress, or egress). */
static bool loader_link_matches(int fd, uint32_t ifindex, const struct bpf_program *prog)
{
	struct bpf_link_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_link_get_info_by_fd(fd, &info, &len))
		return false;
	return info.type == BPF_LINK_TYPE_TCX && info.tcx.ifindex == ifindex &&
	       info.tcx.attach_type == bpf_program__expected_attach_type(prog);
}

/* Attaches prog at the tc ingress (or, for a tcx/egress program, egress) of
 * ifname (ifindex) through the link pinned at path, reusing a live pin. */
static int loader_link(struct bpf_program *prog, const char *path, const char *ifname,
		       uint32_t ifindex)
{
	struct bpf_link *link;
	int err;

	link = access(path, F_OK) == 0 ? bpf_link__open(path) : NULL;
	if (link) {
		if (loader_link_matches(bpf_link__fd(link), ifindex, prog) &&
		    bpf_link__update_program(link, prog) == 0) {
			bpf_link__destroy(link); /* closes our fd; the pin stays */
			log_debug("link updated ifname=%s ifindex=%u", ifname, ifindex);
			return 0;
		}
		bpf_link__destroy(link); /* stale: the interface went away */
		loader_unpin(path);
	}
	link = bpf_program__attach_tcx(prog, (int)ifindex, NULL);
	if (!link) {
		err = -errno;
		log_err("tcx attach failed ifname=%s ifindex=%u err=%d", ifname, ifindex, err);
		return err;
	}
	err = bpf_link__pin(link, path);
	if (err)
		log_err("cannot pin link path=%s err=%d", path, err);
	bpf_link__destroy(link); /* detaches now if the pin failed */
	return err;
}

/* Creates or adopts the tunnel device, sets its MTU, brings it up and
 * attaches the tunnel program. Fills *cfg's tunnel fields. */
static int loader_tunnel(struct loader *l, const char *dev, struct tn_config *cfg)
{
	char kind[32], legacy[PATH_MAX + IF_NAMESIZE + 1];
	uint32_t ifindex;
	int err;

	err = rtnl_vxlan_create(dev, TN_VXLAN_PORT, l->port_mtu);
	if (err && err != -EEXIST) {
		log_err("cannot create tunnel device dev=%s err=%d", dev, err);
		return err;
	}
	err = rtnl_link_kind(dev, kind, sizeof(kind));
	if (err || strcmp(kind, "vxlan") != 0) {
		log_err("tunnel device is not vxlan dev=%s kind=%s err=%d", dev, kind, err);
		return err ? err : -EEXIST;
	}
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return -ENODEV;
	err = rtnl_link_set(ifindex, l->port_mtu, true);
	if (err) {
		log_err("cannot set up tunnel device dev=%s err=%d", dev, err);
		return err;
	}
	cfg->tunnel_ifindex = ifindex;
	l->tunnel_ifindex = ifindex;
	/* earlier versions pinned it among the ports, at links/<dev> */
	snprintf(legacy, sizeof(legacy), "%s/%s", l->links_dir, dev);
	if (access(legacy, F_OK) == 0)
		loader_unpin(legacy);
	err = loader_link(l->skel->progs.tn_tunnel_ingress, l->tunnel_pin, dev, ifindex);
	if (!err)
		log_info("tunnel ready dev=%s ifindex=%u mtu=%u", dev, ifindex, l->port_mtu);
	return err;
}

/* True if the pinned link at fd is the XDP link on ifindex. */
static bool loader_xdp_link_matches(int fd, uint32_t ifindex)
{
	struct bpf_link_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_link_get_info_by_fd(fd, &info, &len))
		return false;
	return info.type == BPF_LINK_TYPE_XDP && info.xdp.ifindex == ifindex;
}

/* Attaches prog as ifindex's XDP program in native (driver) mode through
 * the link pinned at path, reusing a live pin. Returns 0 or -errno. */
static int loader_xdp_link(struct bpf_program *prog, const char *path, uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
	struct bpf_link *link;
	int fd, err = 0;

	link = access(path, F_OK) == 0 ? bpf_link__open(path) : NULL;
	if (link) {
		if (loader_xdp_link_matches(bpf_link__fd(link), ifindex) &&
		    bpf_link__update_program(link, prog) == 0) {
			bpf_link__destroy(link); /* closes our fd; the pin stays */
			return 0;
		}
		bpf_link__destroy(link); /* stale: the interface went away */
		loader_unpin(path);
	}
	fd = bpf_link_create(bpf_program__fd(prog), (int)ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return fd; /* libbpf: -errno */
	if (bpf_obj_pin(fd, path))
		err = -errno;
	close(fd); /* detaches now if the pin failed */
	return err;
}

/* The decapsulation AUTO picks on the underlay: XDP on a real NIC (no
 * link kind, as every virtual device has, and a bus address), where the
 * driver runs it on its receive buffer before any skb or GRO; tc elsewhere.
 * On a veth XDP loses, measured (docs/BENCHMARKS.md): the veth copies every
 * skb it runs XDP on into a page, and takes software GSO from its peer.
 * (Not /sys/class/net: sysfs shows the namespace it was mounted in.) */
static enum loader_decap loader_decap_auto(const struct loader *l, const char **why)
{
	char kind[32], bus[64];

	if (rtnl_link_kind(l->underlay, kind, sizeof(kind)) == 0 && !kind[0] &&
	    rtnl_link_bus(l->underlay, bus, sizeof(bus)) == 0 && bus[0] &&
	    strcmp(bus, "N/A") != 0) {
		*why = "nic";
		return LOADER_DECAP_XDP;
	}
	*why = "virtual";
	return LOADER_DECAP_TC;
}

/* With back end (b): the XDP decapsulation as cfg->decap asks (after the tc
 * program, which takes over what it decapsulated); else, or when tc alone
 * decapsulates, an XDP link left by an earlier start is removed. */
static int loader_underlay_xdp(struct loader *l, const struct loader_config *cfg)
{
	enum loader_decap want = cfg->decap;
	const char *why = "forced";
	int err;

	if (!cfg->encap_bpf) {
		want = LOADER_DECAP_DEVICE;
		why = "encap-kernel";
	} else if (want == LOADER_DECAP_AUTO) {
		want = loader_decap_auto(l, &why);
	}
	if (want == LOADER_DECAP_XDP) {
		/* the point of decapsulating in XDP: GRO then sees the inner flow
		 * (a veth keeps GRO off with an XDP program unless asked) */
		err = rtnl_link_set_gro(l->underlay, true);
		if (err)
			log_warn("cannot turn gro on dev=%s err=%d", l->underlay, err);
		err = loader_xdp_link(l->skel->progs.tn_xdp_decap, l->xdp_pin, l->underlay_ifindex);
		if (err && cfg->decap == LOADER_DECAP_XDP) {
			log_err("xdp attach failed dev=%s ifindex=%u err=%d mode=native",
				l->underlay, l->underlay_ifindex, err);
			return err;
		}
		if (err) {
			log_warn("xdp attach failed dev=%s err=%d: decapsulating at tc",
				 l->underlay, err);
			want = LOADER_DECAP_TC;
			why = "xdp-failed";
		}
	}
	if (want != LOADER_DECAP_XDP && access(l->xdp_pin, F_OK) == 0)
		loader_unpin(l->xdp_pin);
	l->decap = want;
	log_info("decap mode=%s dev=%s ifindex=%u why=%s asked=%s", loader_decap_name(want),
		 l->underlay, l->underlay_ifindex, why, loader_decap_name(cfg->decap));
	return 0;
}

/* Attaches the decap program at the underlay's ingress on either back end:
 * every host decapsulates Geneve there, and with back end (b) VXLAN too
 * (and in XDP, loader_underlay_xdp; with (a) an XDP link left by a start
 * with (b) is removed, and the vxlan device decapsulates VXLAN). */
static int loader_underlay(struct loader *l, const struct loader_config *cfg)
{
	int err;

	if (!cfg->encap_bpf)
		loader_underlay_xdp(l, cfg); /* first: no XDP decap without the tc program */
	err = loader_link(l->skel->progs.tn_underlay_ingress, l->underlay_pin, l->underlay,
			  l->underlay_ifindex);
	if (err)
		return err;
	log_info("underlay program attached dev=%s ifindex=%u decap=%s", l->underlay,
		 l->underlay_ifindex, cfg->encap_bpf ? "vxlan,geneve" : "geneve");
	return cfg->encap_bpf ? loader_underlay_xdp(l, cfg) : 0;
}

/* Reads the underlay's MTU and address, sets up the tunnel, fills tn_config. */
static int loader_configure(struct loader *l, const struct loader_config *cfg)
{
	struct tn_config c = {.abi_version = TN_ABI_VERSION};
	uint32_t mtu = 0, zero = 0;
	int err;

	err = rtnl_link_mtu(cfg->underlay, &mtu);
	if (!err)
		err = rtnl_link_ip4(cfg->underlay, &c.local_ip4);
	if (!err)
		err = rtnl_link_mac(cfg->underlay, c.underlay_mac);
	l->underlay_ifindex = if_nametoindex(cfg->underlay);
	if (err || mtu <= TN_OVERHEAD + 68 || !l->underlay_ifindex) {
		log_err("bad underlay iface=%s mtu=%u err=%d", cfg->underlay, mtu, err);
		return err ? err : -EINVAL;
	}
	c.underlay_ifindex = l->underlay_ifindex;
	c.flags = cfg->encap_bpf ? TN_CONFIG_F_ENCAP_BPF : 0;
	l->port_mtu = mtu - TN_OVERHEAD;
	c.mtu = l->port_mtu;
	err = loader_tunnel(l, cfg->tunnel_dev, &c);
	if (!err)
		err = loader_underlay(l, cfg);
	if (err)
		return err;
	if (bpf_map_update_elem(loader_map_fd(l, TN_MAP_CONFIG), &zero, &c, BPF_ANY)) {
		err = -errno;
		log_err("cannot write tn_config err=%d", err);
	}
	return err;
}

/* A host name fit to name a directory under <bpffs>/tenet: not empty, no
 * '/', not ".", ".." or hidden (".x"), which would escape or alias it. */
static bool loader_host_valid(const char *host)
{
	return host[0] && host[0] != '.' && !strchr(host, '/');
}

struct loader *loader_new(const struct loader_config *cfg)
{
	struct loader *l;
	int err;

	if (!cfg || !cfg->host || !cfg->bpffs || !cfg->tunnel_dev || !cfg->underlay ||
	    !loader_host_valid(cfg->host) || strlen(cfg->tunnel_dev) >= IF_NAMESIZE) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	if (snprintf(l->pin_dir, sizeof(l->pin_dir), "%s/tenet/%s", cfg->bpffs, cfg->host) >=
		(int)sizeof(l->pin_dir) ||
	    snprintf(l->links_dir, sizeof(l->links_dir), "%s/links", l->pin_dir) >=
		(int)sizeof(l->links_dir) ||
	    snprintf(l->egress_dir, sizeof(l->egress_dir), "%s/egress", l->pin_dir) >=
		(int)sizeof(l->egress_dir) ||
	    snprintf(l->tunnel_pin, sizeof(l->tunnel_pin), "%s/tunnel/link", l->pin_dir) >=
		(int)sizeof(l->tunnel_pin) ||
	    snprintf(l->underlay_pin, sizeof(l->underlay_pin), "%s/underlay/link", l->pin_dir) >=
		(int)sizeof(l->underlay_pin) ||
	    snprintf(l->xdp_pin, sizeof(l->xdp_pin), "%s/underlay/xdp", l->pin_dir) >=
		(int)sizeof(l->xdp_pin)) {
		err = -ENAMETOOLONG;
		goto out_free;
	}
	snprintf(l->tunnel_dev, sizeof(l->tunnel_dev), "%s", cfg->tunnel_dev);
	snprintf(l->underlay, sizeof(l->underlay), "%.*s", IF_NAMESIZE - 1, cfg->underlay);
	err = loader_mount_bpffs(cfg->bpffs);
	if (!err)
		err = fs_mkdir_p(l->links_dir, 0700);
	if (!err)
		err = fs_mkdir_p(l->egress_dir, 0700);
	if (!err)
		err = fs_mkdir_parent(l->tunnel_pin, 0700);
	if (!err)
		err = fs_mkdir_parent(l->underlay_pin, 0700);
	if (err) {
		log_err("cannot prepare bpffs path=%s err=%d", l->links_dir, err);
		goto out_free;
	}
	err = loader_load(l);
	if (!err)
		err = loader_configure(l, cfg);
	if (err)
		goto out_free;
	return l;
out_free:
	loader_destroy(&l);
	return NULL;
}

void loader_destroy(struct loader **lp)
{
	struct loader *l;

	if (!lp || !*lp)
		return;
	l = *lp;
	tenet_bpf__destroy(l->skel); /* pins and pinned links stay */
	free(l->att);
	free(l);
	*lp = NULL;
}

bool loader_fresh(const struct loader *l)
{
	return l && l->fresh;
}

uint32_t loader_underlay_ifindex(const struct loader *l)
{
	return l ? l->underlay_ifindex : 0;
}

enum loader_decap loader_decap_mode(const struct loader *l)
{
	return l ? l->decap : LOADER_DECAP_DEVICE;
}

const char *loader_decap_name(enum loader_decap mode)
{
	static const char *const names[] = {[LOADER_DECAP_AUTO] = "auto",
					    [LOADER_DECAP_TC] = "tc",
					    [LOADER_DECAP_XDP] = "xdp",
					    [LOADER_DECAP_DEVICE] = "device"};

	return (unsigned)mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

int loader_xdp_stats(const struct loader *l, uint64_t *out, size_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;
	int err = 0;

	if (!l || !out || ncpu <= 0)
		return -EINVAL;
	memset(out, 0, n * sizeof(*out));
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < n && k < TN_XDP_STAT_MAX && !err; k++) {
		err = bpf_map__lookup_elem(l->skel->maps.tn_xdp_stats, &k, sizeof(k), v,
					   (size_t)ncpu * sizeof(*v), 0); /* libbpf: -errno */
		if (err)
			break;
		for (int c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	free(v);
	return err;
}

uint32_t loader_port_mtu(const struct loader *l)
{
	return l ? l->port_mtu : 0;
}

static struct loader_att *loader_att_find(const struct loader *l, const char *ifname)
{
	for (size_t i = 0; i < l->n_att; i++)
		if (strcmp(l->att[i].ifname, ifname) == 0)
			return &l->att[i];
	return NULL;
}

/* True if ifname (ifindex) is the host's own plumbing: loopback, the
 * underlay or the tunnel device. A VIF program there would cut the host off
 * or loop the overlay into itself. */
static bool loader_is_infra(const struct loader *l, const char *ifname, uint32_t ifindex)
{
	return ifindex == LOADER_LOOPBACK_IFINDEX || ifindex == l->tunnel_ifindex ||
	       ifindex == if_nametoindex(l->underlay) || strcmp(ifname, "lo") == 0 ||
	       strcmp(ifname, l->tunnel_dev) == 0 || strcmp(ifname, l->underlay) == 0;
}

int loader_attach_port(struct loader *l, const char *ifname, uint32_t ifindex)
{
	char path[PATH_MAX + IF_NAMESIZE + 1];
	struct loader_att *a;
	int err;

	if (!l || !ifname || !ifname[0] || strlen(ifname) >= IF_NAMESIZE || strchr(ifname, '/') ||
	    !ifindex)
		return -EINVAL;
	if (loader_is_infra(l, ifname, ifindex)) {
		log_err("refusing to attach a port to host interface ifname=%s ifindex=%u",
			ifname, ifindex);
		return -EPERM;
	}
	err = rtnl_link_set(ifindex, l->port_mtu, false);
	if (err)
		log_warn("cannot set port mtu ifname=%s mtu=%u err=%d", ifname, l->port_mtu, err);
	err = rtnl_link_disable_ipv6(ifname);
	if (err)
		log_warn("cannot disable ipv6 on port ifname=%s err=%d", ifname, err);
	/* the egress first: no frame of the port is forwarded before its
	 * flooded copies can be checked */
	snprintf(path, sizeof(path), "%s/%s", l->egress_dir, ifname);
	err = loader_link(l->skel->progs.tn_vif_egress, path, ifname, ifindex);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", l->links_dir, ifname);
	err = loader_link(l->skel->progs.tn_vif_ingress, path, ifname, ifindex);
	if (err)
		return err;
	a = loader_att_find(l, ifname);
	if (!a) {
		a = realloc(l->att, (l->n_att + 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		l->att = a;
		a = &l->att[l->n_att++];
		snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	}
	a->ifindex = ifindex;
	log_info("port attached ifname=%s ifindex=%u mtu=%u", ifname, ifindex, l->port_mtu);
	return 0;
}

int loader_detach_port(struct loader *l, const char *ifname)
{
	char path[PATH_MAX + IF_NAMESIZE + 1];
	struct loader_att *a;
	int err, e;

	if (!l || !ifname || !ifname[0] || strchr(ifname, '/'))
		return -EINVAL;
	a = loader_att_find(l, ifname);
	if (a)
		*a = l->att[--l->n_att];
	snprintf(path, sizeof(path), "%s/%s", l->links_dir, ifname);
	err = loader_unpin(path);
	snprintf(path, sizeof(path), "%s/%s", l->egress_dir, ifname);
	e = loader_unpin(path); /* none before ABI 11 */
	if (e && e != -ENOENT && !err)
		err = e;
	if (err)
		return err;
	log_info("port detached ifname=%s", ifname);
	return 0;
}

bool loader_port_attached(const struct loader *l, const char *ifname, uint32_t ifindex)
{
	const struct loader_att *a;

	if (!l || !ifname)
		return false;
	a = loader_att_find(l, ifname);
	return a && ifindex && a->ifindex == ifindex;
}

/* Unpins every entry of dir (not recursive) and removes dir. */
static int loader_rm_dir(const char *dir)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	int err = 0, e_err;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type == DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		e_err = loader_unpin(path); /* maps: the detach is a no-op */
		if (e_err && e_err != -ENOENT && !err)
			err = e_err;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

int loader_remove(const char *bpffs, const char *host, const char *tunnel_dev)
{
	char dir[PATH_MAX], links[PATH_MAX + 16], kind[32];
	int err, e, e2;

	if (!bpffs || !host || !loader_host_valid(host))
		return -EINVAL;
	if (snprintf(dir, sizeof(dir), "%s/tenet/%s", bpffs, host) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(links, sizeof(links), "%s/links", dir);
	err = loader_rm_dir(links); /* unpinning a link detaches it */
	snprintf(links, sizeof(links), "%s/egress", dir);
	e = loader_rm_dir(links);
	err = err ? err : e;
	snprintf(links, sizeof(links), "%s/tunnel", dir);
	e2 = loader_rm_dir(links);
	snprintf(links, sizeof(links), "%s/underlay", dir);
	e = loader_rm_dir(links);
	e2 = e2 ? e2 : e;
	e = loader_rm_dir(dir);
	err = err ? err : e2 ? e2 : e;
	snprintf(dir, sizeof(dir), "%s/tenet", bpffs);
	rmdir(dir); /* only if no other host is left */
	if (tunnel_dev && rtnl_link_kind(tunnel_dev, kind, sizeof(kind)) == 0 &&
	    strcmp(kind, "vxlan") == 0) {
		e = rtnl_link_delete(tunnel_dev);
		err = err ? err : e;
	}
	if (err)
		log_err("remove incomplete host=%s err=%d", host, err);
	else
		log_info("datapath removed host=%s tunnel=%s", host, tunnel_dev ? tunnel_dev : "-");
	return err;
}
