/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ra.h - network function "router advertisement" (program tn_ra6, slot
 * TN_VIF_SLOT_RA), reached for an ICMPv6 router solicitation right after
 * the fixed IPv6 header from a port (after port security, for ports that
 * have it). A valid solicitation (RFC 4861 6.1.1: hop limit 255, code 0,
 * ICMP length at least 8, every option of non-zero length inside the
 * message, no source link-layer option from ::) is answered from the
 * network's row in tn_ra with the row's advertisement, sent back out of
 * the port: unicast to the asker's address and MAC, or, from ::, to
 * all-nodes (ff02::1, 33:33:00:00:00:01), as RFC 4861 6.2.6 allows. The
 * message itself is the controller's (tenet_abi.h: struct tn_ra); the
 * program writes the Ethernet and IPv6 headers (source: the router's MAC
 * and link-local address, hop limit 255) and the checksum, and the frame
 * becomes exactly the advertisement. The agent sends the same row
 * unsolicited (agent/rasend.c, common/ra6.h builds the same bytes).
 * A network without a row sends the solicitation on to L2 (a router of the
 * tenant's own may answer); an invalid one is TN_DROP_RS_BAD. Answers are
 * counted in TN_STAT_RA_SENT. The ICMPv6 checksum of the solicitation is
 * not checked (the answer depends on nothing in it but its addresses).
 * Included by vif.bpf.c after the program array tn_vif_calls.
 */
#ifndef TN_NF_RA_H
#define TN_NF_RA_H

#include "ctx.h"
#include "fwd.h"
#include "ip6.h"
#include "slots.h"

#define TN_RS_LEN     8	 /* type, code, checksum, reserved */
#define TN_RA_HEAD    54 /* Ethernet and IPv6 headers before the message */
#define TN_RA_MSG_MIN 16 /* the RA's fixed part */

/* The headers of the advertisement, as they go on the wire. */
struct tn_ra_head {
	struct ethhdr eth;
	struct tn_ip6hdr ip;
} __attribute__((packed));

_Static_assert(sizeof(struct tn_ra_head) == TN_RA_HEAD, "ra head");

/* What the option walk of a solicitation found. */
struct tn_rs_walk {
	__u32 off;  /* next option */
	__u32 end;  /* end of the ICMPv6 message */
	__u32 sll;  /* source link-layer options seen */
	__u32 done; /* 1: reached the end */
};

/* One option of the solicitation at w->off. Returns 0 to go on, 1 when
 * done, -1 when malformed. */
static __always_inline int tn_rs_opt(struct __sk_buff *skb, struct tn_rs_walk *w)
{
	__u8 o[2];

	if (w->off == w->end) {
		w->done = 1;
		return 1;
	}
	if (w->off + 2 > w->end || bpf_skb_load_bytes(skb, w->off, o, 2) || !o[1])
		return -1;
	if (o[0] == TN_ND_OPT_SLL)
		w->sll++;
	w->off += (__u32)o[1] * 8;
	return w->off > w->end ? -1 : 0;
}

/* True for a solicitation RFC 4861 6.1.1 lets a router answer (ip its
 * fixed header, rs its first 8 bytes). */
static __always_inline bool tn_rs_valid(struct __sk_buff *skb, const struct tn_ip6hdr *ip,
					const __u8 *rs)
{
	struct tn_rs_walk w = {.off = TN_IP6_L4_OFF + TN_RS_LEN};
	__u32 plen = bpf_ntohs(ip->payload_len);

	if (ip->hop_limit != TN_ND_HOP_LIMIT || rs[1] != 0 || plen < TN_RS_LEN ||
	    TN_IP6_L4_OFF + plen > skb->len)
		return false;
	w.end = TN_IP6_L4_OFF + plen;
#pragma unroll
	for (int i = 0; i < TN_ND_OPT_MAX; i++) {
		int r = tn_rs_opt(skb, &w);

		if (r < 0)
			return false;
		if (r > 0)
			break;
	}
	return w.done && !(w.sll && tn_ip6_is_any(ip->saddr));
}

/* The ICMPv6 checksum of an RA of len bytes whose words sum to msg_sum,
 * from src to dst, in network order (RFC 8200 8.1). */
static __always_inline __u16 tn_ra_csum(__u32 msg_sum, const __u8 *src, const __u8 *dst, __u32 len)
{
	__u32 sum = msg_sum + len + TN_IPPROTO_ICMPV6;

#pragma unroll
	for (int i = 0; i < 16; i += 2)
		sum += ((__u32)src[i] << 8 | src[i + 1]) + ((__u32)dst[i] << 8 | dst[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return bpf_htons((__u16)~sum);
}

/* Fills h with the headers of row's advertisement answering a solicitation
 * from ip (asker's MAC asker). */
static __always_inline void tn_ra_head_build(struct tn_ra_head *h, const struct tn_ip6hdr *ip,
					     const __u8 *asker, const struct tn_ra *row)
{
	__builtin_memset(h, 0, sizeof(*h));
	if (tn_ip6_is_any(ip->saddr)) {
		h->eth.h_dest[0] = 0x33;
		h->eth.h_dest[1] = 0x33;
		h->eth.h_dest[5] = 0x01;
		h->ip.daddr[0] = 0xff;
		h->ip.daddr[1] = 0x02;
		h->ip.daddr[15] = 0x01;
	} else {
		tn_mac_copy(h->eth.h_dest, asker);
		__builtin_memcpy(h->ip.daddr, ip->saddr, 16);
	}
	tn_mac_copy(h->eth.h_source, row->src_mac);
	h->eth.h_proto = bpf_htons(ETH_P_IPV6);
	h->ip.vtc_flow = bpf_htonl(6u << 28);
	h->ip.nexthdr = TN_IPPROTO_ICMPV6;
	h->ip.hop_limit = TN_ND_HOP_LIMIT;
	__builtin_memcpy(h->ip.saddr, row->src_ip6, 16);
}

SEC("tcx/ingress")
int tn_ra6(struct __sk_buff *skb)
{
	struct tn_ra_key key = {.vni = tn_ctx_vni(skb)};
	__u32 ifindex = skb->ifindex, in_slot = tn_ctx_in_slot(skb), len;
	struct tn_ra_head h;
	struct tn_ip6hdr ip;
	struct tn_ra *row;
	__u8 rs[TN_RS_LEN], asker[ETH_ALEN];
	__u16 csum;

	if (tn_ip6_load(skb, &ip) || bpf_skb_load_bytes(skb, TN_IP6_L4_OFF, rs, sizeof(rs)) ||
	    bpf_skb_load_bytes(skb, ETH_ALEN, asker, ETH_ALEN) || !tn_rs_valid(skb, &ip, rs))
		return tn_drop(skb, TN_DROP_RS_BAD, in_slot);
	row = bpf_map_lookup_elem(&tn_ra, &key);
	if (!row)
		goto out_l2;
	len = row->msg_len;
	if (len < TN_RA_MSG_MIN || len > TN_RA_MSG_MAX)
		return tn_drop(skb, TN_DROP_CONFIG, in_slot); /* never written so */
	tn_ra_head_build(&h, &ip, asker, row);
	h.ip.payload_len = bpf_htons(len);
	csum = tn_ra_csum(row->msg_sum, h.ip.saddr, h.ip.daddr, len);
	if (bpf_skb_change_tail(skb, TN_RA_HEAD + len, 0) ||
	    bpf_skb_store_bytes(skb, 0, &h, TN_RA_HEAD, 0) ||
	    bpf_skb_store_bytes(skb, TN_RA_HEAD, row->msg, len, 0) ||
	    bpf_skb_store_bytes(skb, TN_RA_HEAD + 2, &csum, 2, 0))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_RA_SENT);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_RA_SENT, ifindex, 0, key.vni);
	return bpf_redirect(ifindex, 0);
out_l2:
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

#endif /* TN_NF_RA_H */
