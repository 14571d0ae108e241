/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * icmp.h - the ICMP errors the datapath sends back to a port (RFC 792, RFC
 * 1812 4.3.2): the router's time exceeded and unreachables (nf/l3_fwd.h)
 * and "fragmentation needed" for a datagram too big for the overlay (path
 * MTU discovery inside tenants: nf/l2_fwd.h, nf/l3_fwd.h).
 */
#ifndef TN_BPF_ICMP_H
#define TN_BPF_ICMP_H

#include "ctx.h"
#include "parse.h"
#include "verdict.h"
#include "vxlan.h"

#define TN_IPPROTO_TCP	      6
#define TN_IPPROTO_ICMP	      1
#define TN_ICMP_ECHO_REPLY    0
#define TN_ICMP_DEST_UNREACH  3
#define TN_ICMP_NET_UNREACH   0
#define TN_ICMP_HOST_UNREACH  1
#define TN_ICMP_FRAG_NEEDED   4
#define TN_ICMP_ECHO	      8
#define TN_ICMP_TIME_EXCEEDED 11
#define TN_ICMP_TTL_EXCEEDED  0
#define TN_ICMP_TTL	      64 /* TTL of the router's own ICMP */
#define TN_ICMP_QUOTE_L4      20 /* bytes of the offending datagram quoted after its IP header */
#define TN_ICMP_QUOTE_MAX     (60 + TN_ICMP_QUOTE_L4) /* largest IP header and that */
#define TN_ICMP_ROOM	      (sizeof(struct iphdr) + sizeof(struct tn_icmphdr)) /* pushed: 28 */

struct tn_icmphdr {
	__u8 type;
	__u8 code;
	__u16 check;
	__be16 id;  /* echo: identifier; errors: unused */
	__be16 seq; /* echo: sequence; errors: unused, or the next-hop MTU (frag. needed) */
};

/* What an ICMP error puts in front of the quote. */
struct tn_icmp_err_hdrs {
	struct ethhdr eth;
	struct iphdr ip;
	struct tn_icmphdr icmp;
} __attribute__((packed));

/*
 * The common tail of an ICMP or ICMPv6 error: cuts the frame to its
 * Ethernet header and the qlen bytes quoted, makes room bytes in front of
 * the quote, writes the hlen bytes of headers h over the frame's start and
 * sends it back out of the ingress port. Returns the verdict.
 */
static __always_inline int tn_icmp_emit(struct __sk_buff *skb, const void *h, __u32 hlen,
					__u32 room, __u32 qlen, __u32 in_slot)
{
	__u32 ifindex = skb->ifindex;

	if (skb->len > ETH_HLEN + qlen && bpf_skb_change_tail(skb, ETH_HLEN + qlen, 0))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	if (bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_store_bytes(skb, 0, h, hlen, 0))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_ICMP_SENT);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_ICMP_SENT, ifindex, 0, tn_ctx_vni(skb));
	return bpf_redirect(ifindex, 0);
}

/*
 * Loads the frame's Ethernet header into *eth and the start of the packet
 * after it into quote (max bytes): no more than dlen (the packet's own
 * length, not the frame's padding) nor limit. Reads through helpers only.
 * Returns the bytes quoted, or 0 when fewer than min are there or the frame
 * cannot be read (the caller drops it as malformed).
 */
static __always_inline __u32 tn_icmp_quote(struct __sk_buff *skb, struct ethhdr *eth, __u8 *quote,
					   __u32 max, __u32 limit, __u32 dlen, __u32 min)
{
	__u32 qlen;

	if (skb->len <= ETH_HLEN || bpf_skb_load_bytes(skb, 0, eth, sizeof(*eth)))
		return 0;
	qlen = skb->len - ETH_HLEN;
	if (qlen > dlen)
		qlen = dlen;
	if (qlen > limit)
		qlen = limit;
	if (qlen < min || qlen < 1 || qlen > max)
		return 0;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, quote, qlen))
		return 0;
	return qlen;
}

/*
 * Turns the IPv4 datagram in skb (dlen bytes, IP header length ihl_len)
 * into ICMP type/code (rest: the header's last four bytes, network order)
 * from the router's address src on the ingress network, back to its
 * sender, and sends it out of the ingress port. Reads the packet through
 * helpers only: callers' packet pointers may be stale. Returns the verdict.
 */
static __always_inline int tn_icmp_error(struct __sk_buff *skb, __u32 dlen, __u32 ihl_len,
					 __be32 src, __u8 type, __u8 code, __be32 rest,
					 __u32 in_slot)
{
	__u8 quote[TN_ICMP_QUOTE_MAX] = {};
	struct tn_icmp_err_hdrs h = {};
	struct tn_icmphdr icmp = {}; /* aligned here, for the checksum; packed in h */
	struct iphdr ip = {};
	struct ethhdr eth;
	__u32 qlen;
	__s64 sum;

	qlen = tn_icmp_quote(skb, &eth, quote, sizeof(quote), ihl_len + TN_ICMP_QUOTE_L4, dlen, 1);
	if (!qlen)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	tn_mac_copy(h.eth.h_dest, eth.h_source);
	tn_mac_copy(h.eth.h_source, eth.h_dest);
	h.eth.h_proto = bpf_htons(ETH_P_IP);
	ip.version = 4;
	ip.ihl = 5;
	ip.tos = 0xc0; /* internetwork control, as Linux sends its ICMP errors */
	ip.tot_len = bpf_htons(TN_ICMP_ROOM + qlen);
	ip.ttl = TN_ICMP_TTL;
	ip.protocol = TN_IPPROTO_ICMP;
	ip.saddr = src;
	__builtin_memcpy(&ip.daddr, quote + 12, 4); /* the offending datagram's source */
	ip.check = tn_ip4_csum(&ip);
	__builtin_memcpy(&h.ip, &ip, sizeof(ip));
	icmp.type = type;
	icmp.code = code;
	__builtin_memcpy(&icmp.id, &rest, 4);
	/* the quote is zero past qlen: summing all of it adds nothing */
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&icmp, sizeof(icmp), 0);
	if (sum >= 0)
		sum = bpf_csum_diff(NULL, 0, (__be32 *)quote, sizeof(quote), (__u32)sum);
	if (sum < 0)
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	icmp.check = tn_csum_fold((__u32)sum);
	__builtin_memcpy(&h.icmp, &icmp, sizeof(icmp));
	return tn_icmp_emit(skb, &h, sizeof(h), TN_ICMP_ROOM, qlen, in_slot);
}

/* What tn_pmtu_check finds. */
enum tn_pmtu {
	TN_PMTU_FITS = 0, /* not IPv4, or every segment fits */
	TN_PMTU_BIG_DF,	  /* IPv4 with DF that does not fit: answer "fragmentation needed" */
	TN_PMTU_BIG,	  /* IPv4 without DF that does not fit: the vxlan device fragments it */
};

/* What the ICMP error for a datagram needs of it. */
struct tn_pmtu_info {
	__u32 ihl_len; /* its IP header's length */
	__u32 dlen;    /* its length */
	__be32 daddr;  /* its destination */
};

/*
 * Whether the frame, an IPv4 datagram to another host, fits the overlay's
 * MTU mtu (0: not checked). A GSO frame is checked by the segments it will
 * become (gso_size plus its IPv4 and TCP or UDP headers). Fills *pi for the
 * ICMP error. Invalidates packet pointers (may pull the headers).
 */
static __always_inline enum tn_pmtu tn_pmtu_check(struct __sk_buff *skb, __u32 mtu,
						  struct tn_pmtu_info *pi)
{
	__u32 seg, l4 = 8, df;
	struct iphdr *ip;
	__u8 *doff;

	__u32 gso_size = tn_gso_size(skb);

	if (!mtu || (skb->len - ETH_HLEN <= mtu && !gso_size))
		return TN_PMTU_FITS;
	ip = tn_ip4_hdr(skb);
	if (!ip || ip->version != 4 || ip->ihl < 5)
		return TN_PMTU_FITS; /* not ours to judge: forwarded as it is */
	pi->ihl_len = ((__u32)ip->ihl & 0xf) * 4;
	pi->dlen = bpf_ntohs(ip->tot_len);
	if (!pi->dlen || pi->dlen > skb->len - ETH_HLEN)
		pi->dlen = skb->len - ETH_HLEN;
	pi->daddr = ip->daddr;
	df = ip->frag_off & bpf_htons(TN_IP_DF);
	seg = skb->len - ETH_HLEN;
	if (gso_size) {
		if (ip->protocol == TN_IPPROTO_TCP) {
			if (tn_linear(skb, ETH_HLEN + pi->ihl_len + 13))
				return TN_PMTU_FITS;
			doff = tn_hdr(skb, ETH_HLEN + pi->ihl_len + 12, 1);
			if (!doff)
				return TN_PMTU_FITS;
			l4 = (__u32)(*doff >> 4) * 4;
		}
		seg = gso_size + pi->ihl_len + l4;
	}
	if (seg <= mtu)
		return TN_PMTU_FITS;
	return df ? TN_PMTU_BIG_DF : TN_PMTU_BIG;
}

/* Answers a datagram (pi) too big for the overlay's MTU mtu with ICMP
 * fragmentation needed from src, counted as a TN_DROP_FRAG_NEEDED drop. */
static __always_inline int tn_pmtu_error(struct __sk_buff *skb, const struct tn_pmtu_info *pi,
					 __be32 src, __u32 mtu, __u32 in_slot)
{
	tn_drop_note(skb, TN_DROP_FRAG_NEEDED, in_slot);
	return tn_icmp_error(skb, pi->dlen, pi->ihl_len, src, TN_ICMP_DEST_UNREACH,
			     TN_ICMP_FRAG_NEEDED, bpf_htonl(mtu & 0xffff), in_slot);
}

#endif /* TN_BPF_ICMP_H */
