/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nd_resp.h - network function "ND responder" (program tn_nd_resp, slot
 * TN_VIF_SLOT_ND), the IPv6 analogue of the ARP responder, reached for an
 * ICMPv6 neighbor solicitation right after the fixed IPv6 header (after port
 * security, for ports that have it). A valid solicitation (RFC 4861 7.1.1:
 * hop limit 255, code 0, a target that is not multicast; from :: only to a
 * solicited-node group) for an address in tn_nd of the port's network is
 * answered in BPF with a neighbor advertisement sent back out of the port
 * (RFC 4861 7.2.4): from the target address and its owner's MAC, with the
 * override flag, the router flag when the row says so (TN_ND_F_ROUTER) and
 * a target link-layer address option. To a unicast asker it goes back to
 * its address and MAC with the solicited flag; a duplicate address probe
 * (source ::) for an address another port owns is answered to all-nodes
 * (ff02::1, 33:33:00:00:00:01) without the solicited flag, as the owner
 * itself would defend it, so the prober gives the address up. The frame
 * is rewritten to exactly the 86-byte NA. Anything else goes on to L2:
 * solicitations for unknown addresses, for the asker's own address (its
 * own DAD probe, or its check of itself), invalid ones, and solicitations
 * behind extension headers. Counted in TN_STAT_ARP_REPLY. Included by
 * vif.bpf.c after the program array tn_vif_calls.
 */
#ifndef TN_NF_ND_RESP_H
#define TN_NF_ND_RESP_H

#include "ctx.h"
#include "fwd.h"
#include "ip6.h"
#include "slots.h"

/* The advertisement, as it goes on the wire. */
struct tn_na_frame {
	struct ethhdr eth;
	struct tn_ip6hdr ip;
	struct tn_nd_msg na;
	struct tn_nd_opt_ll tll;
} __attribute__((packed));

#define TN_NA_LEN     86 /* 14 + 40 + 24 + 8 */
#define TN_NA_PAYLOAD 32 /* the ICMPv6 message with its option */

_Static_assert(sizeof(struct tn_na_frame) == TN_NA_LEN, "na frame");

/* Records the ND step: the row of the NS target, found or not. */
static __always_inline void tn_trace_nd(__u32 vni, const struct tn_nd *ent)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_ND, TN_TKEY_ND, ent != NULL, vni);
	if (!st || !ent)
		return;
	st->port_id = ent->port_id;
	__builtin_memcpy(st->mac, ent->mac, 6);
}

/* True for a solicitation RFC 4861 7.1.1 lets a node answer. */
static __always_inline bool tn_ns_valid(const struct tn_ip6hdr *ip, const struct tn_nd_msg *ns)
{
	if (ip->hop_limit != TN_ND_HOP_LIMIT || ns->code != 0 ||
	    bpf_ntohs(ip->payload_len) < sizeof(*ns) || tn_ip6_is_multicast(ns->target))
		return false;
	return !tn_ip6_is_any(ip->saddr) || tn_ip6_is_solicited_node(ip->daddr);
}

/* Fills f with the NA for ent answering ns from ip (asker's MAC asker). */
static __always_inline void tn_na_build(struct tn_na_frame *f, const struct tn_ip6hdr *ip,
					const struct tn_nd_msg *ns, const __u8 *asker,
					const struct tn_nd *ent)
{
	bool dad = tn_ip6_is_any(ip->saddr);

	__builtin_memset(f, 0, sizeof(*f));
	if (dad) {
		f->eth.h_dest[0] = 0x33;
		f->eth.h_dest[1] = 0x33;
		f->eth.h_dest[5] = 0x01;
		f->ip.daddr[0] = 0xff;
		f->ip.daddr[1] = 0x02;
		f->ip.daddr[15] = 0x01;
	} else {
		tn_mac_copy(f->eth.h_dest, asker);
		__builtin_memcpy(f->ip.daddr, ip->saddr, 16);
	}
	tn_mac_copy(f->eth.h_source, ent->mac);
	f->eth.h_proto = bpf_htons(ETH_P_IPV6);
	f->ip.vtc_flow = bpf_htonl(6u << 28);
	f->ip.payload_len = bpf_htons(TN_NA_PAYLOAD);
	f->ip.nexthdr = TN_IPPROTO_ICMPV6;
	f->ip.hop_limit = TN_ND_HOP_LIMIT;
	__builtin_memcpy(f->ip.saddr, ns->target, 16);
	f->na.type = TN_ND_NA;
	f->na.flags = TN_NA_F_OVERRIDE | (dad ? 0 : TN_NA_F_SOLICITED) |
		      (ent->flags & TN_ND_F_ROUTER ? TN_NA_F_ROUTER : 0);
	__builtin_memcpy(f->na.target, ns->target, 16);
	f->tll.type = TN_ND_OPT_TLL;
	f->tll.len = 1;
	tn_mac_copy(f->tll.mac, ent->mac);
	f->na.csum = tn_icmp6_csum(f->ip.saddr, f->ip.daddr, (const __u8 *)&f->na, TN_NA_PAYLOAD);
}

SEC("tcx/ingress")
int tn_nd_resp(struct __sk_buff *skb)
{
	struct tn_nd_key key = {.vni = tn_ctx_vni(skb)};
	__u32 ifindex = skb->ifindex, in_slot = tn_ctx_in_slot(skb);
	struct tn_na_frame f;
	struct tn_ip6hdr ip;
	struct tn_nd_msg ns;
	struct tn_nd *ent;
	__u8 asker[ETH_ALEN];

	if (tn_ip6_load(skb, &ip) || bpf_skb_load_bytes(skb, TN_IP6_L4_OFF, &ns, sizeof(ns)) ||
	    bpf_skb_load_bytes(skb, ETH_ALEN, asker, ETH_ALEN) ||
	    TN_IP6_L4_OFF + bpf_ntohs(ip.payload_len) > skb->len)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	if (!tn_ns_valid(&ip, &ns))
		goto out_l2;
	__builtin_memcpy(key.ip6, ns.target, 16);
	ent = bpf_map_lookup_elem(&tn_nd, &key);
	tn_trace_nd(key.vni, ent);
	if (!ent || tn_mac_eq(ent->mac, asker))
		goto out_l2;
	tn_na_build(&f, &ip, &ns, asker, ent);
	if (bpf_skb_change_tail(skb, TN_NA_LEN, 0) || bpf_skb_store_bytes(skb, 0, &f, TN_NA_LEN, 0))
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	tn_stat_inc(TN_STAT_ARP_REPLY);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_ARP_REPLY, ifindex, 0, key.vni);
	return bpf_redirect(ifindex, 0);
out_l2:
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

#endif /* TN_NF_ND_RESP_H */
