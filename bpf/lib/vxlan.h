/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vxlan.h - the VXLAN encapsulation of back end (b) (RFC 7348): the outer
 * headers as one block, built on the stack and written with one store, and
 * the checks a received one must pass before it is decapsulated.
 *
 *   outer Ethernet 14 | IPv4 20 | UDP 8 | VXLAN 8 | inner Ethernet 14 | ...
 *
 * The outer IPv4 header has no options, DF set, TTL TN_TUNNEL_TTL, ID 0
 * (RFC 6864: atomic datagrams; GSO numbers the segments of a large frame);
 * the UDP checksum is zero (RFC 7348 5: as the vxlan device sends with
 * BPF_F_ZERO_CSUM_TX); the source port is from the inner flow's hash.
 */
#ifndef TN_BPF_VXLAN_H
#define TN_BPF_VXLAN_H

#include "parse.h"

#define TN_VXLAN_F_VNI	0x08 /* the I flag: the VNI is valid (first octet) */
#define TN_IPPROTO_UDP	17
#define TN_IP_DF	0x4000
#define TN_IP_FRAG_MASK 0x3fff /* MF and fragment offset */

/* VXLAN header: flags (I), 24 reserved bits, VNI << 8. */
struct tn_vxlanhdr {
	__be32 flags; /* TN_VXLAN_F_VNI in the top octet */
	__be32 vni;   /* VNI in the top 24 bits, low octet reserved */
};

/* Everything in front of the inner frame's network header. */
struct tn_vxlan_hdrs {
	struct ethhdr eth; /* outer: next hop <- underlay */
	struct iphdr ip;   /* outer: this host -> remote host */
	struct udphdr udp; /* source from the flow hash -> TN_VXLAN_PORT */
	struct tn_vxlanhdr vx;
	struct ethhdr inner; /* the frame's own Ethernet header */
} __attribute__((packed));

#define TN_VXLAN_HDRS_LEN  64				  /* sizeof(struct tn_vxlan_hdrs) */
#define TN_VXLAN_ROOM	   (TN_VXLAN_HDRS_LEN - ETH_HLEN) /* pushed behind the outer MAC: 50 */
#define TN_VXLAN_INNER_OFF TN_VXLAN_ROOM /* inner Ethernet header in a received packet */

/*
 * bpf_skb_adjust_room flags of the push: the room is an IPv4 + UDP tunnel
 * header carrying an Ethernet frame of ETH_HLEN (the inner L2 length, not 14 +
 * 8 as the kernel's selftest passes: that would count the VXLAN header as
 * L2), and gso_size stays (the VM's MTU already leaves the room).
 */
#define TN_VXLAN_ENCAP_FLAGS                                                                       \
	(BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |   \
	 BPF_F_ADJ_ROOM_ENCAP_L2_ETH |                                                             \
	 ((__u64)(ETH_HLEN & BPF_ADJ_ROOM_ENCAP_L2_MASK) << BPF_ADJ_ROOM_ENCAP_L2_SHIFT))

/* And of the pop: the new network header is IPv4 (the inner frame's, or any
 * other the caller delivers without the peer shortcut), gso_size stays (the
 * aggregated inner segments keep their size). */
#define TN_VXLAN_DECAP_FLAGS (BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_DECAP_L3_IPV4)

/* Outer UDP source port (network order) for a flow hash, as the kernel's
 * udp_flow_src_port() picks it in the default local port range. */
static __always_inline __be16 tn_vxlan_sport(__u32 hash)
{
	hash ^= hash << 16;
	return bpf_htons(
	    (__u16)((((__u64)hash * (TN_SPORT_MAX - TN_SPORT_MIN)) >> 32) + TN_SPORT_MIN));
}

/* The outer headers every tunnel packet tenet sends starts with (VXLAN
 * here, Geneve in geneve.h). */
struct tn_udp4_outer {
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct tn_vxlan_hdrs, vx) == sizeof(struct tn_udp4_outer),
	       "a VXLAN packet starts with the outer headers");

/*
 * Fills the outer headers o of a tunnel packet of len bytes (outer headers
 * included) from local to remote, UDP destination port dport, source port
 * from the flow hash; o->eth.h_dest is the caller's (the next hop, or
 * anything when the kernel fills it in).
 */
static __always_inline void tn_udp4_outer_build(struct tn_udp4_outer *o, __u32 len, __be32 local,
						__be32 remote, const __u8 *src_mac, __u32 hash,
						__u16 dport)
{
	struct iphdr ip = {}; /* aligned here, for the checksum; packed in o */
	__u32 l3 = len - ETH_HLEN, l4 = l3 - sizeof(ip);

	tn_mac_copy(o->eth.h_source, src_mac);
	o->eth.h_proto = bpf_htons(ETH_P_IP);
	ip.version = 4;
	ip.ihl = 5;
	/* a GSO frame's segments get their own lengths; 0xffff caps BIG TCP */
	ip.tot_len = bpf_htons(l3 > 0xffff ? 0xffff : l3);
	ip.frag_off = bpf_htons(TN_IP_DF);
	ip.ttl = TN_TUNNEL_TTL;
	ip.protocol = TN_IPPROTO_UDP;
	ip.saddr = local;
	ip.daddr = remote;
	ip.check = tn_ip4_csum(&ip);
	__builtin_memcpy(&o->ip, &ip, sizeof(ip));
	o->udp.source = tn_vxlan_sport(hash);
	o->udp.dest = bpf_htons(dport);
	o->udp.len = bpf_htons(l4 > 0xffff ? 0xffff : l4);
	o->udp.check = 0;
}

/*
 * Fills h for a frame of len bytes (after the push: outer headers included)
 * of network vni from local to remote over the flow hash; h->inner must
 * already hold the frame's Ethernet header and h->eth.h_dest the next hop
 * (or anything, when the kernel fills it in).
 */
static __always_inline void tn_vxlan_build(struct tn_vxlan_hdrs *h, __u32 len, __u32 vni,
					   __be32 local, __be32 remote, const __u8 *src_mac,
					   __u32 hash)
{
	tn_udp4_outer_build((struct tn_udp4_outer *)h, len, local, remote, src_mac, hash,
			    TN_VXLAN_PORT);
	h->vx.flags = bpf_htonl((__u32)TN_VXLAN_F_VNI << 24);
	h->vx.vni = bpf_htonl(vni << 8);
}

#endif /* TN_BPF_VXLAN_H */
