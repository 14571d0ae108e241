/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * icmp6.h - the ICMPv6 errors the datapath sends back to a port (RFC 4443):
 * the router's time exceeded and destination unreachables
 * (nf/l3_fwd6.h), and "packet too big" for a packet too big for the
 * overlay (path MTU discovery inside tenants, RFC 8201: nf/l2_fwd.h,
 * nf/l3_fwd6.h). The IPv6 half of icmp.h.
 */
#ifndef TN_BPF_ICMP6_H
#define TN_BPF_ICMP6_H

#include "ctx.h"
#include "icmp.h"
#include "ip6.h"
#include "parse.h"
#include "verdict.h"

#define TN_ICMP6_DEST_UNREACH  1
#define TN_ICMP6_NO_ROUTE      0 /* destination unreachable: no route to destination */
#define TN_ICMP6_ADDR_UNREACH  3 /* destination unreachable: address unreachable */
#define TN_ICMP6_PKT_TOO_BIG   2
#define TN_ICMP6_TIME_EXCEEDED 3
#define TN_ICMP6_HOPS_EXCEEDED 0 /* time exceeded: hop limit exceeded in transit */
#define TN_ICMP6_ECHO_REPLY    129
#define TN_ICMP6_ERR_MAX       127  /* types up to this are errors (RFC 4443 2.1) */
#define TN_IP6_MIN_MTU	       1280 /* RFC 8200 5: no packet too big below it */
/* Bytes of the offending packet quoted: its fixed header, and enough after
 * it for the sender's stack to find the flow (a TCP header with options,
 * or an extension header and a transport header's ports). A multiple of 4
 * (bpf_csum_diff). RFC 4443 allows up to the minimum MTU. */
#define TN_ICMP6_QUOTE_MAX (TN_IP6_HLEN + 64)
#define TN_ICMP6_ROOM	   (TN_IP6_HLEN + 8) /* pushed in front of the quote: 48 */

_Static_assert(TN_ICMP6_QUOTE_MAX % 4 == 0, "quote is summed in words");

/* What an ICMPv6 error puts in front of the quote. */
struct tn_icmp6_err_hdrs {
	struct ethhdr eth;
	struct tn_ip6hdr ip;
	struct tn_icmphdr icmp;
} __attribute__((packed));

/* The pseudo-header of the ICMPv6 checksum (RFC 8200 8.1). */
struct tn_ip6_pseudo {
	__u8 saddr[16];
	__u8 daddr[16];
	__be32 len;	/* upper-layer packet length */
	__be32 nexthdr; /* TN_IPPROTO_ICMPV6 in the last byte */
};

/*
 * Turns the IPv6 packet in skb (dlen bytes from its fixed header) into
 * ICMPv6 type/code (rest: the header's last four bytes, network order) from
 * address src with the frame's destination MAC, back to its sender, and
 * sends it out of the ingress port. An ICMPv6 error is never answered with
 * another (RFC 4443 2.4 (e)): it is only dropped. Reads the packet through
 * helpers only: callers' packet pointers may be stale. Returns the verdict.
 */
static __always_inline int tn_icmp6_error(struct __sk_buff *skb, __u32 dlen, const __u8 *src,
					  __u8 type, __u8 code, __be32 rest, __u32 in_slot)
{
	__u8 quote[TN_ICMP6_QUOTE_MAX] = {};
	struct tn_icmp6_err_hdrs h = {};
	struct tn_icmphdr icmp = {}; /* aligned here, for the checksum; packed in h */
	struct tn_ip6_pseudo ph = {};
	struct ethhdr eth;
	__u32 qlen;
	__s64 sum;

	qlen = tn_icmp_quote(skb, &eth, quote, sizeof(quote), sizeof(quote), dlen, TN_IP6_HLEN);
	if (!qlen)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	/* an ICMPv6 error right after the header is not answered */
	if (quote[6] == TN_IPPROTO_ICMPV6 && qlen > TN_IP6_HLEN &&
	    quote[TN_IP6_HLEN] <= TN_ICMP6_ERR_MAX)
		return TC_ACT_SHOT;
	tn_mac_copy(h.eth.h_dest, eth.h_source);
	tn_mac_copy(h.eth.h_source, eth.h_dest);
	h.eth.h_proto = bpf_htons(ETH_P_IPV6);
	h.ip.vtc_flow = bpf_htonl(6u << 28);
	h.ip.payload_len = bpf_htons(8 + qlen);
	h.ip.nexthdr = TN_IPPROTO_ICMPV6;
	h.ip.hop_limit = TN_ICMP_TTL;
	__builtin_memcpy(ph.saddr, src, 16);
	__builtin_memcpy(ph.daddr, quote + 8, 16); /* the offending packet's source */
	__builtin_memcpy(h.ip.saddr, ph.saddr, 16);
	__builtin_memcpy(h.ip.daddr, ph.daddr, 16);
	ph.len = bpf_htonl(8 + qlen);
	ph.nexthdr = bpf_htonl(TN_IPPROTO_ICMPV6);
	icmp.type = type;
	icmp.code = code;
	__builtin_memcpy(&icmp.id, &rest, 4);
	/* the quote is zero past qlen: summing all of it adds nothing (an odd
	 * length is padded with a zero byte, RFC 8200 8.1) */
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
	if (sum >= 0)
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&icmp, sizeof(icmp), (__u32)sum);
	if (sum >= 0)
		sum = bpf_csum_diff(NULL, 0, (__be32 *)quote, sizeof(quote), (__u32)sum);
	if (sum < 0)
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	icmp.check = tn_csum_fold((__u32)sum);
	__builtin_memcpy(&h.icmp, &icmp, sizeof(icmp));
	return tn_icmp_emit(skb, &h, sizeof(h), TN_ICMP6_ROOM, qlen, in_slot);
}

/* What the packet too big for an IPv6 packet needs of it. */
struct tn_pmtu6_info {
	__u32 dlen;	/* its length from the fixed header */
	__u8 daddr[16]; /* its destination */
};

/*
 * Whether the frame, an IPv6 packet to another host, fits the overlay's
 * MTU mtu (0: not checked). A GSO frame is checked by the segments it will
 * become (gso_size plus the fixed header and a TCP or UDP header). IPv6 is
 * never fragmented on the way (RFC 8200 5): a packet that does not fit is
 * TN_PMTU_BIG_DF, answered with packet too big, unless mtu is below the
 * IPv6 minimum (no sender may go below it): then TN_PMTU_BIG, and the
 * vxlan device fragments the outer packet. Fills *pi for the error.
 */
static __always_inline enum tn_pmtu tn_pmtu6_check(struct __sk_buff *skb, __u32 mtu,
						   struct tn_pmtu6_info *pi)
{
	__u32 seg, l4 = 8, gso_size = tn_gso_size(skb);
	struct tn_ip6hdr ip;
	__u8 doff;

	if (!mtu || (skb->len - ETH_HLEN <= mtu && !gso_size))
		return TN_PMTU_FITS;
	if (tn_ip6_load(skb, &ip))
		return TN_PMTU_FITS; /* not ours to judge: forwarded as it is */
	pi->dlen = TN_IP6_HLEN + bpf_ntohs(ip.payload_len);
	if (!ip.payload_len || pi->dlen > skb->len - ETH_HLEN)
		pi->dlen = skb->len - ETH_HLEN;
	__builtin_memcpy(pi->daddr, ip.daddr, 16);
	seg = skb->len - ETH_HLEN;
	if (gso_size) {
		if (ip.nexthdr == TN_IPPROTO_TCP &&
		    !bpf_skb_load_bytes(skb, TN_IP6_L4_OFF + 12, &doff, 1))
			l4 = (__u32)(doff >> 4) * 4;
		seg = gso_size + TN_IP6_HLEN + l4;
	}
	if (seg <= mtu)
		return TN_PMTU_FITS;
	return mtu >= TN_IP6_MIN_MTU ? TN_PMTU_BIG_DF : TN_PMTU_BIG;
}

/* Answers a packet (pi) too big for the overlay's MTU mtu with ICMPv6
 * packet too big from src, counted as a TN_DROP_FRAG_NEEDED drop. */
static __always_inline int tn_pmtu6_error(struct __sk_buff *skb, const struct tn_pmtu6_info *pi,
					  const __u8 *src, __u32 mtu, __u32 in_slot)
{
	tn_drop_note(skb, TN_DROP_FRAG_NEEDED, in_slot);
	return tn_icmp6_error(skb, pi->dlen, src, TN_ICMP6_PKT_TOO_BIG, 0, bpf_htonl(mtu), in_slot);
}

#endif /* TN_BPF_ICMP6_H */
