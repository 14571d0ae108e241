/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tenet_xdp.h - decapsulation before GRO (bpf/xdp.bpf.c): the metadata the
 * XDP program hands to the underlay's tc program, and its counters, which
 * the agent reads. Like tenet_abi.h it includes no kernel headers. Nothing
 * here is pinned or compiled by the controller: the metadata lives in one
 * packet's headroom, the counters in an unpinned map of each load, so this
 * is no part of TN_ABI_VERSION.
 */
#ifndef TENET_XDP_H
#define TENET_XDP_H

/*
 * XDP metadata (bpf_xdp_adjust_meta) in front of a frame tn_xdp_decap
 * decapsulated and admitted; the tc program finds it at skb->data_meta. GRO
 * merges only skbs whose metadata are equal, so every field is the same for
 * all packets of one inner flow. The magic tells it from no metadata and
 * from another program's.
 */
#define TN_XDP_META_MAGIC 0x746e7864 /* "tnxd" */

struct tn_xdp_meta {
	__u32 magic;   /* TN_XDP_META_MAGIC */
	__u32 vni;     /* the VNI of the outer VXLAN header */
	__be32 remote; /* the outer IPv4 source: the sending host */
	__u32 flags;   /* TN_TUN_F_* for the tunnel stages (bpf/lib/ctx.h); 0 so far */
};

_Static_assert(sizeof(struct tn_xdp_meta) == 16, "xdp meta");

/* tn_xdp_stats: per-CPU array indexed by these. */
enum tn_xdp_stat {
	TN_XDP_DECAP = 0, /* decapsulated, admitted: handed on with metadata */
	TN_XDP_NOT_OURS,  /* not VXLAN to this host (or a fragment): passed unchanged */
	TN_XDP_TO_TC,	  /* ours, but malformed or not admitted: passed unchanged, tc
			   * decides and counts the drop */
	TN_XDP_STAT_MAX
};

#endif /* TENET_XDP_H */
