/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * geneve_decap.h - network function "Geneve decapsulation in BPF" (program
 * tn_geneve_decap, slot TN_TUN_SLOT_GENEVE), reached from
 * tn_underlay_ingress for IPv4 without options or fragmentation, UDP to
 * TN_GENEVE_PORT at this host's underlay address (tn_geneve_ours), whatever
 * the host's back end: every host receives Geneve and VXLAN. The packet
 * must be well-formed (geneve.h, tn_geneve_rx_check: each malformation its
 * own counted reason), then the same admission as VXLAN (tn_tun_admit:
 * enrolled host, allowed VNI); the outer headers and options are popped,
 * the inner Ethernet header written back, and the identity of the tenet
 * option, if any, goes into skb->cb for tn_tun_src, which checks it against
 * the source port (tn_ctx_set_tun_identity). A non-IPv4 inner frame is
 * marked TN_TUN_F_NO_PEER, as after a VXLAN decap (ctx.h). Included by
 * tunnel.bpf.c after the program array tn_tun_calls.
 */
#ifndef TN_NF_GENEVE_DECAP_H
#define TN_NF_GENEVE_DECAP_H

#include "ctx.h"
#include "fwd.h"
#include "geneve.h"
#include "decap.h"

SEC("tcx/ingress")
int tn_geneve_decap(struct __sk_buff *skb)
{
	struct tn_genevehdr *gn;
	struct tn_geneve_rx rx;
	struct ethhdr inner, *inner_p;
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 vni, reason, flags = 0;
	__be32 remote;

	/* what tenet sends is read in place (tn_geneve_rx_fast) */
	if (tn_linear(skb, TN_GENEVE_HDRS_LEN) && tn_linear(skb, TN_GENEVE_OPT_OFF))
		return tn_drop(skb, TN_DROP_GENEVE_HDR, 0);
	ip = tn_hdr(skb, ETH_HLEN, sizeof(*ip));
	udp = tn_hdr(skb, ETH_HLEN + sizeof(*ip), sizeof(*udp));
	gn = tn_hdr(skb, TN_VXLAN_UDP_END, sizeof(*gn));
	if (!ip || !udp || !gn)
		return tn_drop(skb, TN_DROP_GENEVE_HDR, 0);
	reason = tn_geneve_rx_check(skb, ip, udp, gn, skb->len, &rx);
	if (reason)
		return tn_drop(skb, reason, 0);
	/* packet pointers are stale after the option loads: reload */
	ip = tn_hdr(skb, ETH_HLEN, sizeof(*ip));
	gn = tn_hdr(skb, TN_VXLAN_UDP_END, sizeof(*gn));
	inner_p = tn_hdr(skb, TN_GENEVE_HDRS_LEN - ETH_HLEN, sizeof(inner));
	if (rx.opt_end == TN_GENEVE_HDRS_LEN - ETH_HLEN && inner_p)
		__builtin_memcpy(&inner, inner_p, sizeof(inner));
	else if (bpf_skb_load_bytes(skb, rx.opt_end, &inner, sizeof(inner)))
		return tn_drop(skb, TN_DROP_GENEVE_HDR, 0);
	if (!ip || !gn)
		return tn_drop(skb, TN_DROP_GENEVE_HDR, 0);
	vni = bpf_ntohl(gn->vni) >> 8;
	remote = ip->saddr;
	if (inner.h_proto != bpf_htons(ETH_P_IP))
		flags |= TN_TUN_F_NO_PEER;
	reason = tn_tun_admit(vni, remote, TN_STAGE_UNDERLAY);
	if (reason)
		return tn_drop(skb, reason, 0);
	/* the room behind the outer MAC header: up to the inner Ethernet
	 * header's end, which then goes over the outer one */
	if (bpf_skb_adjust_room(skb, -(__s32)rx.opt_end, BPF_ADJ_ROOM_MAC, TN_GENEVE_DECAP_FLAGS) ||
	    bpf_skb_store_bytes(skb, 0, &inner, sizeof(inner), 0))
		return tn_drop(skb, TN_DROP_MALFORMED, 0);
	if (rx.has_identity)
		flags |= TN_TUN_F_IDENTITY;
	tn_ctx_set_tunnel(skb, vni, remote, flags);
	if (rx.has_identity)
		tn_ctx_set_tun_identity(skb, rx.identity);
	bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_SRC);
	return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
}

#endif /* TN_NF_GENEVE_DECAP_H */
