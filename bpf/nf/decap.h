/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * decap.h - "VXLAN decapsulation in BPF" (back end (b)), for the underlay's
 * tc ingress (tn_underlay_ingress, tunnel.bpf.c), and the admission check
 * both tunnel entries share.
 *
 * A packet is ours when it is IPv4 without options or fragmentation, UDP to
 * TN_VXLAN_PORT at this host's underlay address; everything else goes on
 * to the kernel untouched (TCX_NEXT): the host's own traffic, and the
 * fragments and optioned packets the collect_md vxlan device (back end (a))
 * takes as the fallback. Ours and truncated, or without the VXLAN I flag:
 * TN_DROP_MALFORMED. Then the same admission as back end (a): the outer
 * source must be an enrolled host that may send in the VNI. The underlay's
 * XDP program (xdp.bpf.c) makes the same checks before GRO and hands what it
 * decapsulated on in XDP metadata (tn_xdp_meta_get).
 */
#ifndef TN_NF_DECAP_H
#define TN_NF_DECAP_H

#include "ctx.h"
#include "fwd.h"
#include "vxlan.h"
#include "tenet_xdp.h"

#define TN_VXLAN_UDP_END (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr)) /* 42 */

/*
 * 0 when host remote may send in network vni, else the drop reason. One
 * lookup for an admitted packet: the controller compiles tn_tun_allow rows
 * only for enrolled hosts, so tn_peer is asked only on a miss, to tell an
 * unknown host (TN_DROP_UNKNOWN_PEER) from a VNI it may not use
 * (TN_DROP_BAD_VNI). stage: the trace stage that asks.
 */
static __always_inline __u32 tn_tun_admit(__u32 vni, __be32 remote, __u32 stage)
{
	struct tn_tun_allow_key allow = {.vni = vni, .remote_ip4 = remote};
	struct tn_peer_key peer = {.ip4 = remote};
	bool found;

	if (bpf_map_lookup_elem(&tn_tun_allow, &allow)) {
		tn_trace_peer(stage, vni, remote, true);
		return 0;
	}
	found = bpf_map_lookup_elem(&tn_peer, &peer) != NULL;
	tn_trace_peer(stage, vni, remote, found);
	return found ? TN_DROP_BAD_VNI : TN_DROP_UNKNOWN_PEER;
}

/* True if the IPv4/UDP packet ip/udp is VXLAN for local that back end (b)
 * decapsulates (no options, not a fragment). */
static __always_inline bool tn_vxlan_ours(const struct iphdr *ip, const struct udphdr *udp,
					  __be32 local)
{
	return ip->version == 4 && ip->ihl == 5 && ip->protocol == TN_IPPROTO_UDP &&
	       ip->daddr == local && !(ip->frag_off & bpf_htons(TN_IP_FRAG_MASK)) &&
	       udp->dest == bpf_htons(TN_VXLAN_PORT);
}

/* The drop reason of a VXLAN packet for us (ip, udp, vx its headers, len
 * bytes long with the inner Ethernet header present), 0 when well-formed. */
static __always_inline __u32 tn_vxlan_rx_check(const struct iphdr *ip, const struct udphdr *udp,
					       const struct tn_vxlanhdr *vx, __u32 len)
{
	__u32 l3 = bpf_ntohs(ip->tot_len), l4 = bpf_ntohs(udp->len);

	if (l3 > len - ETH_HLEN || l3 < TN_VXLAN_HDRS_LEN - ETH_HLEN)
		return TN_DROP_MALFORMED;
	if (l4 < TN_VXLAN_HDRS_LEN - ETH_HLEN - sizeof(struct iphdr))
		return TN_DROP_MALFORMED;
	if (!(vx->flags & bpf_htonl((__u32)TN_VXLAN_F_VNI << 24)))
		return TN_DROP_MALFORMED;
	return 0;
}

/*
 * Pops the outer headers of a checked packet whose inner Ethernet header is
 * inner: the room behind the outer MAC header goes (outer IPv4, UDP, VXLAN
 * and the inner Ethernet header), then the inner Ethernet header is written
 * over the outer one. Returns 0 or <0.
 */
static __always_inline int tn_vxlan_pop(struct __sk_buff *skb, const struct ethhdr *inner)
{
	if (bpf_skb_adjust_room(skb, -(__s32)TN_VXLAN_ROOM, BPF_ADJ_ROOM_MAC, TN_VXLAN_DECAP_FLAGS))
		return -1;
	return bpf_skb_store_bytes(skb, 0, inner, sizeof(*inner), 0) ? -1 : 0;
}

/*
 * True, with *out filled, when tn_xdp_decap (xdp.bpf.c) decapsulated and
 * admitted the frame before GRO: its metadata (skb->data_meta, loaded
 * straight from the context as tn_data does) carry TN_XDP_META_MAGIC. Only
 * an XDP program can write metadata, and only ours runs on the underlay.
 */
static __always_inline bool tn_xdp_meta_get(const struct __sk_buff *skb, struct tn_xdp_meta *out)
{
	const struct tn_xdp_meta *m;
	void *meta, *data = tn_data(skb);

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(meta)
		     : "r"(skb), "i"(offsetof(struct __sk_buff, data_meta)));
	m = meta;
	if ((void *)(m + 1) > data || m->magic != TN_XDP_META_MAGIC)
		return false;
	__builtin_memcpy(out, m, sizeof(*out));
	return true;
}

#endif /* TN_NF_DECAP_H */
