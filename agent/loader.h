/* loader.h - loads and attaches the eBPF datapath of one host.
 *
 * The maps are pinned under <bpffs>/tenet/<host>/ (reused across agent
 * restarts), the programs are attached with TCX links pinned under
 * <bpffs>/tenet/<host>/links/<ifname> (ports' ingress),
 * <bpffs>/tenet/<host>/egress/<ifname> (ports' egress) and .../tunnel/link (and, with
 * back end (b), .../underlay/link and the XDP link .../underlay/xdp), so the
 * datapath keeps forwarding when the agent exits; only loader_remove undoes
 * it. The tunnel device is a collect_md VXLAN device created here.
 * Everything acts in the caller's network namespace. Single threaded: call
 * from the agent's loop thread.
 */
#ifndef TENET_AGENT_LOADER_H
#define TENET_AGENT_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "applier.h"

struct loader;

/* Where back end (b) decapsulates (tenet-agent --decap). */
enum loader_decap {
	LOADER_DECAP_AUTO = 0, /* asked: XDP on a real NIC, else tc */
	LOADER_DECAP_TC,       /* tc ingress of the underlay only (tn_underlay_ingress) */
	LOADER_DECAP_XDP,      /* XDP before GRO (tn_xdp_decap, native mode), then tc */
	LOADER_DECAP_DEVICE,   /* chosen with back end (a): the vxlan device decapsulates */
};

/* What to load and where. All strings are borrowed for loader_new only. */
struct loader_config {
	const char *host;	 /* host name: names the pin directory */
	const char *bpffs;	 /* bpffs mount point, e.g. /sys/fs/bpf */
	const char *tunnel_dev;	 /* collect_md vxlan device name, e.g. tenet0 */
	const char *underlay;	 /* underlay interface: MTU and local IPv4 */
	bool encap_bpf;		 /* back end (b): encap and decap in BPF (else (a)) */
	enum loader_decap decap; /* with encap_bpf: AUTO, TC or XDP */
};

/* Mounts bpffs if needed, loads the datapath (reusing pinned maps), creates
 * and configures the tunnel device, fills tn_config and attaches the tunnel
 * program and the underlay program (its link pinned at .../underlay/link),
 * which decapsulates Geneve on either back end and VXLAN with encap_bpf
 * (tn_config's TN_CONFIG_F_ENCAP_BPF): the back end follows the flag on
 * every start, the pinned maps stay. With encap_bpf the XDP program is attached
 * too (and GRO turned on) when decap is XDP, or AUTO and the underlay is a
 * real NIC (no link kind, a bus address); an XDP link left by an earlier
 * start is updated, or removed when this start decapsulates at tc only. XDP
 * is attached in native (driver) mode only: generic XDP runs after GRO and
 * would gain nothing. A forced XDP that cannot be attached fails the load;
 * AUTO falls back to tc (logged). Returns NULL on failure (logged); whatever
 * was pinned or created stays (loader_remove cleans up). A host name that
 * is empty, holds '/' or starts with '.' (".", "..") is refused: NULL with
 * errno EINVAL. */
struct loader *loader_new(const struct loader_config *cfg);

/* Closes the loader's handles; pins, links and devices stay in place. Takes
 * NULL; sets *lp to NULL. */
void loader_destroy(struct loader **lp);

/* True if the maps were created by this load (no pins existed before, or a
 * pinned map of another definition was replaced): the datapath holds no
 * rows, or not all of them, so the applied revision is 0. */
bool loader_fresh(const struct loader *l);

/* The pin directory <bpffs>/tenet/<host> (owned by the loader). */
const char *loader_pin_dir(const struct loader *l);

/* Fills maps->fd[] with the datapath's map fds (owned by the loader). */
void loader_map_fds(const struct loader *l, struct applier_maps *maps);

/* The drop monitor's maps (tn_monitor, tn_events; owned by the loader,
 * not pinned): 0, or -ENOENT when the datapath lacks them. */
int loader_monitor_fds(const struct loader *l, int *config_fd, int *ring_fd);

/* Attaches the VIF programs to interface ifname (ifindex): tn_vif_egress at
 * its tc egress (the ingress rules of flooded copies), then tn_vif_ingress at
 * its tc ingress; sets its MTU to
 * the underlay MTU - TN_OVERHEAD and disables IPv6 on it (the host has no
 * business talking on a VM's port). Idempotent: an existing pinned link on the
 * same interface is updated to this load's program. Returns 0 or -errno:
 * -EPERM (logged, nothing touched) for lo, the underlay and the tunnel
 * device, which are never ports. */
int loader_attach_port(struct loader *l, const char *ifname, uint32_t ifindex);

/* Detaches the VIF programs from ifname (unpins both links; a missing
 * egress link, as an agent before ABI 11 left it, is no error). Returns 0,
 * -ENOENT if it was not attached, or -errno. */
int loader_detach_port(struct loader *l, const char *ifname);

/* True if ifname is attached, by this loader, at ifindex. */
bool loader_port_attached(const struct loader *l, const char *ifname, uint32_t ifindex);

/* The underlay interface's index (0 without a loader). */
uint32_t loader_underlay_ifindex(const struct loader *l);

/* Where this load decapsulates: LOADER_DECAP_XDP, _TC or _DEVICE (never
 * AUTO); LOADER_DECAP_DEVICE without a loader. */
enum loader_decap loader_decap_mode(const struct loader *l);

/* "auto", "tc", "xdp" or "device" for mode; "?" if out of range. */
const char *loader_decap_name(enum loader_decap mode);

/* Sums tn_xdp_stats over CPUs into out[0 .. n-1] (enum tn_xdp_stat,
 * tenet_xdp.h; zeros where the map has fewer). Returns 0, -EINVAL, or
 * -errno of the map read. Counts from this load only (the map is not pinned). */
int loader_xdp_stats(const struct loader *l, uint64_t *out, size_t n);

/* Underlay MTU - TN_OVERHEAD: the MTU of the tunnel device and the ports. */
uint32_t loader_port_mtu(const struct loader *l);

/* Undoes a host's datapath: unpins every link (ports, tunnel and underlay,
 * tc and XDP: detaching the programs),
 * removes the pinned maps and the pin directory, and deletes the tunnel
 * device if it is a vxlan device (tunnel_dev NULL: no device is touched).
 * Missing pieces are skipped. Returns 0 or
 * the first -errno; -EINVAL for a host name loader_new refuses. */
int loader_remove(const char *bpffs, const char *host, const char *tunnel_dev);

#endif
