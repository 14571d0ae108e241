/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse.h - bounds-checked header access. Every accessor returns NULL when
 * the packet is shorter than the header, never reads past data_end.
 */
#ifndef TN_BPF_PARSE_H
#define TN_BPF_PARSE_H

#include "common.h"

/* ARP for Ethernet/IPv4 (RFC 826), after the Ethernet header. */
struct tn_arphdr {
	__be16 htype; /* ARPHRD_ETHER */
	__be16 ptype; /* ETH_P_IP */
	__u8 hlen; /* 6 */
	__u8 plen; /* 4 */
	__be16 op; /* ARPOP_* */
	__u8 sha[ETH_ALEN]; /* sender MAC */
	__u8 spa[4]; /* sender IPv4 (unaligned in the frame) */
	__u8 tha[ETH_ALEN]; /* target MAC */
	__u8 tpa[4]; /* target IPv4 */
} __attribute__((packed));

#define TN_ARP_LEN (ETH_HLEN + sizeof(struct tn_arphdr)) /* 42 */
#define TN_IP4_LEN (ETH_HLEN + sizeof(struct iphdr)) /* 34 */

/*
 * skb->data and skb->data_end, loaded by one instruction straight from the
 * context register: clang otherwise may hoist "ctx + offset" out of two
 * branches and the verifier refuses a load through a modified ctx pointer.
 */
static __always_inline void *tn_data(const struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(p)
		     : "r"(skb), "i"(offsetof(struct __sk_buff, data)));
	return p;
}

static __always_inline void *tn_data_end(const struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(p)
		     : "r"(skb), "i"(offsetof(struct __sk_buff, data_end)));
	return p;
}

/*
 * Makes the first len bytes directly accessible (pulls non-linear data if
 * the packet has them). Returns 0, or -1 when the packet is shorter.
 * Invalidates every packet pointer: reload them afterwards.
 */
static __always_inline int tn_linear(struct __sk_buff *skb, __u32 len)
{
	if (tn_data(skb) + len <= tn_data_end(skb))
		return 0;
	if (skb->len < len)
		return -1;
	return bpf_skb_pull_data(skb, len) ? -1 : 0;
}

/* Pointer to len bytes at off, or NULL if the packet is shorter. */
static __always_inline void *tn_hdr(struct __sk_buff *skb, __u32 off, __u32 len)
{
	void *data = tn_data(skb);
	void *data_end = tn_data_end(skb);

	if (data + off + len > data_end)
		return NULL;
	return data + off;
}

static __always_inline struct ethhdr *tn_eth(struct __sk_buff *skb)
{
	return tn_hdr(skb, 0, sizeof(struct ethhdr));
}

static __always_inline struct tn_arphdr *tn_arp_hdr(struct __sk_buff *skb)
{
	if (tn_linear(skb, TN_ARP_LEN))
		return NULL;
	return tn_hdr(skb, ETH_HLEN, sizeof(struct tn_arphdr));
}

static __always_inline struct iphdr *tn_ip4_hdr(struct __sk_buff *skb)
{
	if (tn_linear(skb, TN_IP4_LEN))
		return NULL;
	return tn_hdr(skb, ETH_HLEN, sizeof(struct iphdr));
}

/* True for an ARP packet of Ethernet/IPv4 shape. */
static __always_inline bool tn_arp_is_eth_ip4(const struct tn_arphdr *arp)
{
	return arp->htype == bpf_htons(ARPHRD_ETHER) && arp->ptype == bpf_htons(ETH_P_IP) &&
	       arp->hlen == ETH_ALEN && arp->plen == 4;
}

static __always_inline bool tn_mac_eq(const __u8 *a, const __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
		(a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

/* Broadcast is multicast too: the group bit of the first octet. */
static __always_inline bool tn_mac_is_multicast(const __u8 *m)
{
	return m[0] & 1;
}

static __always_inline void tn_mac_copy(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, ETH_ALEN);
}

/* Folds a 32-bit one's complement sum into the 16-bit checksum field. */
static __always_inline __u16 tn_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* The IPv4 header checksum of ip (its check field zero, no options). */
static __always_inline __u16 tn_ip4_csum(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;

	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += w[i];
	return tn_csum_fold(sum);
}

static __always_inline __be32 tn_ip4_load(const __u8 *p)
{
	__be32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

#endif /* TN_BPF_PARSE_H */
