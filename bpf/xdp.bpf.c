// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp.bpf.c - attach point "underlay XDP": back end (b)'s decapsulation
 * before GRO, in native XDP on the underlay (tenet-agent --decap: by default
 * on a real NIC only; docs/ARCHITECTURE.md says why).
 *
 * GRO runs before tc, so tn_underlay_ingress (tunnel.bpf.c) sees what GRO
 * made of the outer UDP datagrams. Here, in the driver's receive path before
 * GRO, a VXLAN packet for this host that passes the checks of nf/decap.h
 * (ours, well-formed, an enrolled source allowed in its VNI) loses its outer
 * headers (bpf_xdp_adjust_head) and gets its VNI and outer source as XDP
 * metadata (struct tn_xdp_meta, tenet_xdp.h); then XDP_PASS, so GRO sees the
 * inner frame and aggregates the inner TCP flow, and tn_underlay_ingress
 * reads the metadata and chains on as for a frame it decapsulated itself.
 *
 * Everything else passes unchanged (never XDP_DROP): not ours, fragments,
 * and what is ours but malformed or not admitted, which tn_underlay_ingress
 * then handles as without XDP, counting the drop with its reason. Every
 * verdict is counted in tn_xdp_stats (enum tn_xdp_stat), which the agent
 * shows in /metrics.
 */
#include "common.h"
#include "maps.h"
#include "verdict.h"
#include "tenet_xdp.h"

#include "nf/decap.h"

/* Not pinned: a fresh set of counters with each load of the datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TN_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tn_xdp_stats SEC(".maps");

/* Counts one packet under stat and lets it go on. Returns XDP_PASS. */
static __always_inline int tn_xdp_pass(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&tn_xdp_stats, &stat);

	if (v)
		*v += 1;
	return XDP_PASS;
}

/*
 * Pops the TN_VXLAN_ROOM outer bytes (Ethernet, IPv4, UDP, VXLAN: the inner
 * Ethernet header follows them) and puts meta in front of the inner frame.
 * Returns 0, or <0 with the packet as it was.
 */
static __always_inline int tn_xdp_pop(struct xdp_md *ctx, const struct tn_xdp_meta *meta)
{
	struct tn_xdp_meta *m;
	void *data;

	if (bpf_xdp_adjust_head(ctx, (int)TN_VXLAN_ROOM))
		return -1;
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		goto out_restore; /* the driver keeps no metadata */
	m = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(m + 1) > data)
		goto out_restore; /* cannot happen: adjust_meta made the room */
	__builtin_memcpy(m, meta, sizeof(*m));
	return 0;
out_restore:
	bpf_xdp_adjust_head(ctx, -(int)TN_VXLAN_ROOM); /* the bytes are still there */
	return -1;
}

SEC("xdp")
int tn_xdp_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tn_xdp_meta meta = {.magic = TN_XDP_META_MAGIC};
	struct ethhdr *eth = data;
	struct iphdr *ip = data + ETH_HLEN;
	struct udphdr *udp = data + ETH_HLEN + sizeof(*ip);
	struct tn_vxlanhdr *vx = data + TN_VXLAN_UDP_END;
	struct tn_config *cfg;

	/* IPv4 and UDP headers whole, else it cannot be ours */
	if ((void *)(udp + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return tn_xdp_pass(TN_XDP_NOT_OURS);
	cfg = tn_config_get();
	if (!cfg || !tn_vxlan_ours(ip, udp, cfg->local_ip4))
		return tn_xdp_pass(TN_XDP_NOT_OURS);
	/* the VXLAN header and the inner Ethernet header whole */
	if (data + TN_VXLAN_HDRS_LEN > data_end ||
	    tn_vxlan_rx_check(ip, udp, vx, (__u32)(data_end - data)))
		return tn_xdp_pass(TN_XDP_TO_TC);
	meta.vni = bpf_ntohl(vx->vni) >> 8;
	meta.remote = ip->saddr;
	if (tn_tun_admit(meta.vni, meta.remote, TN_STAGE_UNDERLAY) || tn_xdp_pop(ctx, &meta))
		return tn_xdp_pass(TN_XDP_TO_TC);
	return tn_xdp_pass(TN_XDP_DECAP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
