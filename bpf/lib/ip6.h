/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ip6.h - IPv6 and ICMPv6 Neighbor Discovery parsing: the fixed header, a
 * bounded walk of the extension header chain to the upper layer, the ND
 * message header and its options. Every read goes through
 * bpf_skb_load_bytes (bounded by the packet, linear or not) into the stack,
 * so a truncated packet is an error return, never a read past its end.
 */
#ifndef TN_BPF_IP6_H
#define TN_BPF_IP6_H

#include "parse.h"

#define TN_IP6_HLEN   40
#define TN_IP6_OFF    ETH_HLEN		       /* the IPv6 header, after the Ethernet header */
#define TN_IP6_L4_OFF (ETH_HLEN + TN_IP6_HLEN) /* upper layer, no extension headers */

#define TN_IPPROTO_HOPOPTS  0
#define TN_IPPROTO_ROUTING  43
#define TN_IPPROTO_FRAGMENT 44
#define TN_IPPROTO_ICMPV6   58
#define TN_IPPROTO_NONE	    59
#define TN_IPPROTO_DSTOPTS  60

/*
 * Extension headers walked before the upper layer is known: hop-by-hop,
 * routing, destination options and fragment headers, at most this many
 * (a real packet has one or two: MLD's hop-by-hop router alert, a fragment
 * header). A longer chain is refused: it could hide ND from the checks.
 */
#define TN_IP6_EXT_MAX 4

/* ICMPv6 types (RFC 4443, 4861, 2710, 3810). */
#define TN_ICMP6_ECHO_REQUEST 128
#define TN_ICMP6_MLD_QUERY    130
#define TN_ICMP6_MLD_REPORT   131
#define TN_ICMP6_MLD_DONE     132
#define TN_ND_RS	      133
#define TN_ND_RA	      134
#define TN_ND_NS	      135
#define TN_ND_NA	      136
#define TN_ND_REDIRECT	      137
#define TN_ICMP6_MLD2_REPORT  143

#define TN_ND_OPT_SLL 1 /* source link-layer address */
#define TN_ND_OPT_TLL 2 /* target link-layer address */
/* ND options walked per message; more is refused (real NS/NA/RS carry one
 * or two: a link-layer address, Linux's DAD nonce). */
#define TN_ND_OPT_MAX 8

#define TN_ND_HOP_LIMIT	  255  /* every ND message (RFC 4861 6.1, 7.1) */
#define TN_NA_F_ROUTER	  0x80 /* NA flags, first octet after the checksum */
#define TN_NA_F_SOLICITED 0x40
#define TN_NA_F_OVERRIDE  0x20

/* The fixed IPv6 header (RFC 8200), without bitfields. */
struct tn_ip6hdr {
	__be32 vtc_flow;    /* version 4 bits, traffic class, flow label */
	__be16 payload_len; /* bytes after this header */
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* NS and NA (RFC 4861 4.3, 4.4): ICMPv6 header, flags, target. */
struct tn_nd_msg {
	__u8 type;
	__u8 code;
	__be16 csum;
	__u8 flags; /* NA: TN_NA_F_*; NS: reserved */
	__u8 reserved[3];
	__u8 target[16];
};

/* A link-layer address option for Ethernet (length 1: 8 bytes). */
struct tn_nd_opt_ll {
	__u8 type; /* TN_ND_OPT_SLL or TN_ND_OPT_TLL */
	__u8 len;  /* in units of 8 bytes: 1 */
	__u8 mac[ETH_ALEN];
};

_Static_assert(sizeof(struct tn_ip6hdr) == TN_IP6_HLEN, "ipv6 header");
_Static_assert(sizeof(struct tn_nd_msg) == 24, "nd message");
_Static_assert(sizeof(struct tn_nd_opt_ll) == 8, "nd option");

/* Where an IPv6 packet's upper layer is, as tn_ip6_walk found it. */
struct tn_ip6_l4 {
	__u32 off;	 /* offset of the upper layer header in the frame */
	__u32 end;	 /* end of the IPv6 payload (the frame may carry padding after it) */
	__u8 proto;	 /* its protocol; TN_IPPROTO_NONE when not visible */
	__u8 fragmented; /* a fragment header was passed */
	__u8 frag_proto; /* fragmented: the protocol after the fragment header */
	__u8 frag_more;	 /* fragmented: the M flag (more fragments follow) */
	__u8 frag_id[4]; /* fragmented: the identification, as sent */
};

/* Whether a is the unspecified address ::. */
static __always_inline bool tn_ip6_is_any(const __u8 *a)
{
	__u64 x, y;

	__builtin_memcpy(&x, a, 8);
	__builtin_memcpy(&y, a + 8, 8);
	return (x | y) == 0;
}

static __always_inline bool tn_ip6_eq(const __u8 *a, const __u8 *b)
{
	__u64 a0, a1, b0, b1;

	__builtin_memcpy(&a0, a, 8);
	__builtin_memcpy(&a1, a + 8, 8);
	__builtin_memcpy(&b0, b, 8);
	__builtin_memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* The link-local address a port derives from its MAC (RFC 4291 2.5.1 and
 * appendix A, RFC 4862 5.3: fe80::/64 and the modified EUI-64). */
static __always_inline void tn_ip6_ll_from_mac(__u8 *a, const __u8 *mac)
{
	__builtin_memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = mac[0] ^ 0x02;
	a[9] = mac[1];
	a[10] = mac[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	a[13] = mac[3];
	a[14] = mac[4];
	a[15] = mac[5];
}

/* Whether a is the link-local address of the port with MAC mac. */
static __always_inline bool tn_ip6_is_port_ll(const __u8 *a, const __u8 *mac)
{
	__u8 ll[16];

	tn_ip6_ll_from_mac(ll, mac);
	return tn_ip6_eq(a, ll);
}

/* Whether a is a solicited-node multicast address (ff02::1:ff00:0/104). */
static __always_inline bool tn_ip6_is_solicited_node(const __u8 *a)
{
	return a[0] == 0xff && a[1] == 0x02 && !(a[2] | a[3] | a[4] | a[5] | a[6] | a[7]) &&
	       !(a[8] | a[9] | a[10]) && a[11] == 0x01 && a[12] == 0xff;
}

/* Whether a is a multicast address (ff00::/8). */
static __always_inline bool tn_ip6_is_multicast(const __u8 *a)
{
	return a[0] == 0xff;
}

/* Loads the fixed header of the frame's IPv6 packet into ip. Returns 0, or
 * -1 when the frame is shorter or not version 6. */
static __always_inline int tn_ip6_load(struct __sk_buff *skb, struct tn_ip6hdr *ip)
{
	if (bpf_skb_load_bytes(skb, TN_IP6_OFF, ip, sizeof(*ip)))
		return -1;
	return (bpf_ntohl(ip->vtc_flow) >> 28) == 6 ? 0 : -1;
}

/*
 * Walks the extension headers of the packet whose fixed header is ip, at
 * most TN_IP6_EXT_MAX, to its upper layer, filling l4. Behind a fragment
 * header that is not the first fragment the upper layer is not visible
 * (proto TN_IPPROTO_NONE). Returns 0; -1 when a header is truncated or the
 * payload length overruns the frame (malformed); -2 when the chain is
 * longer than TN_IP6_EXT_MAX.
 */
static __always_inline int tn_ip6_walk(struct __sk_buff *skb, const struct tn_ip6hdr *ip,
				       struct tn_ip6_l4 *l4)
{
	__u32 off = TN_IP6_L4_OFF;
	__u8 nh = ip->nexthdr;
	__u8 b[8];

	l4->end = TN_IP6_L4_OFF + bpf_ntohs(ip->payload_len);
	l4->fragmented = 0;
	l4->frag_proto = 0;
	l4->frag_more = 0;
	__builtin_memset(l4->frag_id, 0, 4);
	if (l4->end > skb->len)
		return -1;
#pragma unroll
	for (int i = 0; i < TN_IP6_EXT_MAX; i++) {
		if (nh != TN_IPPROTO_HOPOPTS && nh != TN_IPPROTO_ROUTING &&
		    nh != TN_IPPROTO_DSTOPTS && nh != TN_IPPROTO_FRAGMENT)
			break;
		if (off + 8 > l4->end || bpf_skb_load_bytes(skb, off, b, 8))
			return -1;
		if (nh == TN_IPPROTO_FRAGMENT) {
			l4->fragmented = 1;
			l4->frag_proto = b[0];
			l4->frag_more = b[3] & 1;
			__builtin_memcpy(l4->frag_id, b + 4, 4);
			off += 8;
			nh = b[0];
			if ((((__u32)b[2] << 8 | b[3]) & 0xfff8) != 0) {
				nh = TN_IPPROTO_NONE; /* a later fragment: no upper header */
				break;
			}
			continue;
		}
		nh = b[0];
		off += ((__u32)b[1] + 1) * 8;
	}
	if (nh == TN_IPPROTO_HOPOPTS || nh == TN_IPPROTO_ROUTING || nh == TN_IPPROTO_DSTOPTS ||
	    nh == TN_IPPROTO_FRAGMENT)
		return -2;
	if (off > l4->end)
		return -1;
	l4->off = off;
	l4->proto = nh;
	return 0;
}

/* True for an IPv6 frame (ethertype checked by the caller) that is a
 * neighbor solicitation right after the fixed header: what the ND responder
 * answers. */
static __always_inline bool tn_ip6_is_ns(struct __sk_buff *skb)
{
	__u8 nh, type;

	if (bpf_skb_load_bytes(skb, TN_IP6_OFF + 6, &nh, 1) || nh != TN_IPPROTO_ICMPV6)
		return false;
	if (bpf_skb_load_bytes(skb, TN_IP6_L4_OFF, &type, 1))
		return false;
	return type == TN_ND_NS;
}

/* The ICMPv6 checksum of len bytes of message msg (checksum field zero)
 * from src to dst (RFC 8200 8.1: the pseudo-header), in network order. The
 * message length is a multiple of 2. */
static __always_inline __u16 tn_icmp6_csum(const __u8 *src, const __u8 *dst, const __u8 *msg,
					   __u32 len)
{
	__u32 sum = len + TN_IPPROTO_ICMPV6;

#pragma unroll
	for (int i = 0; i < 16; i += 2)
		sum += ((__u32)src[i] << 8 | src[i + 1]) + ((__u32)dst[i] << 8 | dst[i + 1]);
#pragma unroll
	for (int i = 0; i < 32; i += 2) {
		if (i >= len)
			break;
		sum += (__u32)msg[i] << 8 | msg[i + 1];
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return bpf_htons((__u16)~sum);
}

#endif /* TN_BPF_IP6_H */
