/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * geneve.h - the Geneve encapsulation (RFC 8926) tenet sends and receives
 * in BPF: the outer headers as one block, built on the stack and written
 * with one store, and the walk of a received packet's options.
 *
 *   outer Ethernet 14 | IPv4 20 | UDP 8 | Geneve 8 | tenet option 8 |
 *   inner Ethernet 14 | ...
 *
 * The outer IPv4 and UDP headers are those of back end (b)'s VXLAN
 * (vxlan.h: no options, DF, ID 0, TTL 64, UDP checksum zero, source port
 * from the inner flow's hash); the Geneve header has version 0, no O or C
 * flag, protocol 0x6558 (an Ethernet frame follows) and opt_len 2 (the one
 * 8-byte tenet identity option, tenet_abi.h).
 */
#ifndef TN_BPF_GENEVE_H
#define TN_BPF_GENEVE_H

#include "vxlan.h"

#define TN_ETH_P_TEB	   0x6558 /* Transparent Ethernet Bridging */
#define TN_GENEVE_F_OAM	   0x80	  /* flags octet: O, a control packet */
#define TN_GENEVE_F_CRIT   0x40	  /* flags octet: C, critical options present */
#define TN_GENEVE_OPT_CRIT 0x80	  /* option type: critical bit */
#define TN_GENEVE_OPT_LEN  0x1f	  /* option length octet: data length in 4-byte words */

/* Geneve base header. */
struct tn_genevehdr {
	__u8 ver_opt; /* version (2 bits, 0) << 6 | opt_len (6 bits, 4-byte words) */
	__u8 flags;   /* TN_GENEVE_F_* (the low 6 bits reserved) */
	__be16 proto; /* protocol of the payload: TN_ETH_P_TEB */
	__be32 vni;   /* VNI in the top 24 bits, low octet reserved */
};

/* One option's header; length * 4 bytes of data follow. */
struct tn_geneve_opt {
	__be16 opt_class; /* TN_GENEVE_OPT_CLASS for tenet's */
	__u8 type;	  /* TN_GENEVE_OPT_CRIT | type */
	__u8 length;	  /* 3 reserved bits, TN_GENEVE_OPT_LEN */
};

/* Everything in front of the inner frame's network header, as sent. */
struct tn_geneve_hdrs {
	struct ethhdr eth; /* outer: next hop <- underlay */
	struct iphdr ip;   /* outer: this host -> remote host */
	struct udphdr udp; /* source from the flow hash -> TN_GENEVE_PORT */
	struct tn_genevehdr gn;
	struct tn_geneve_opt opt; /* the tenet identity option */
	__be32 identity;	  /* its data: the sending port's identity */
	struct ethhdr inner;	  /* the frame's own Ethernet header */
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct tn_geneve_hdrs, gn) == sizeof(struct tn_udp4_outer),
	       "a Geneve packet starts with the outer headers");

#define TN_GENEVE_HDRS_LEN 72				   /* sizeof(struct tn_geneve_hdrs) */
#define TN_GENEVE_ROOM	   (TN_GENEVE_HDRS_LEN - ETH_HLEN) /* pushed: 58 = TN_GENEVE_OVERHEAD */
#define TN_GENEVE_OPT_OFF  (ETH_HLEN + 20 + 8 + 8) /* first option of a received packet: 50 */
/* the shortest Geneve packet decapsulated: no options, an inner Ethernet header */
#define TN_GENEVE_MIN_LEN (TN_GENEVE_OPT_OFF + ETH_HLEN)

_Static_assert(TN_GENEVE_ROOM == TN_GENEVE_OVERHEAD, "geneve overhead");

/* The push's flags are VXLAN's: an IPv4 + UDP tunnel header of any length
 * carrying an Ethernet frame (vxlan.h); so are the pop's. */
#define TN_GENEVE_ENCAP_FLAGS TN_VXLAN_ENCAP_FLAGS
#define TN_GENEVE_DECAP_FLAGS TN_VXLAN_DECAP_FLAGS

/*
 * Fills h for a frame of len bytes (after the push: outer headers included)
 * of network vni from local to remote over the flow hash, claiming identity
 * for its source port; h->inner must already hold the frame's Ethernet
 * header and h->eth.h_dest the next hop (or anything, when the kernel fills
 * it in).
 */
static __always_inline void tn_geneve_build(struct tn_geneve_hdrs *h, __u32 len, __u32 vni,
					    __be32 local, __be32 remote, const __u8 *src_mac,
					    __u32 hash, __u32 identity)
{
	tn_udp4_outer_build((struct tn_udp4_outer *)h, len, local, remote, src_mac, hash,
			    TN_GENEVE_PORT);
	h->gn.ver_opt = (sizeof(h->opt) + sizeof(h->identity)) / 4;
	h->gn.flags = 0;
	h->gn.proto = bpf_htons(TN_ETH_P_TEB);
	h->gn.vni = bpf_htonl(vni << 8);
	h->opt.opt_class = bpf_htons(TN_GENEVE_OPT_CLASS);
	h->opt.type = TN_GENEVE_OPT_IDENTITY;
	h->opt.length = sizeof(h->identity) / 4;
	h->identity = bpf_htonl(identity);
}

/* True if the IPv4/UDP packet ip/udp is Geneve for local that tenet
 * decapsulates (no IPv4 options, not a fragment). */
static __always_inline bool tn_geneve_ours(const struct iphdr *ip, const struct udphdr *udp,
					   __be32 local)
{
	return ip->version == 4 && ip->ihl == 5 && ip->protocol == TN_IPPROTO_UDP &&
	       ip->daddr == local && !(ip->frag_off & bpf_htons(TN_IP_FRAG_MASK)) &&
	       udp->dest == bpf_htons(TN_GENEVE_PORT);
}

/* What the walk of a received packet's options found. */
struct tn_geneve_rx {
	__u32 opt_end;	/* offset of the inner Ethernet header */
	__u32 identity; /* the tenet option's, when has_identity */
	bool has_identity;
};

/*
 * What tenet sends, read in place: opt_len 2 holding only the tenet option,
 * already linear (the caller pulled TN_GENEVE_HDRS_LEN bytes when the packet
 * has them). True, with the identity in *rx, when it is that; false when
 * the options must be walked.
 */
static __always_inline bool tn_geneve_rx_fast(struct __sk_buff *skb, __u32 end,
					      struct tn_geneve_rx *rx)
{
	const struct tn_geneve_opt *o;
	__be32 id;

	if (end != TN_GENEVE_OPT_OFF + sizeof(*o) + 4)
		return false;
	o = tn_hdr(skb, TN_GENEVE_OPT_OFF, sizeof(*o) + 4);
	if (!o || o->opt_class != bpf_htons(TN_GENEVE_OPT_CLASS) ||
	    o->type != TN_GENEVE_OPT_IDENTITY || (o->length & TN_GENEVE_OPT_LEN) != 1)
		return false;
	__builtin_memcpy(&id, o + 1, 4);
	if (bpf_ntohl(id) > TN_VNI_MASK)
		return false; /* the walk says why */
	rx->identity = bpf_ntohl(id);
	rx->has_identity = true;
	return true;
}

/*
 * The drop reason of a Geneve packet for us, ip/udp/gn its headers, len
 * bytes long; 0 when well-formed, with *rx filled. The IPv4 and UDP
 * lengths must lie within the packet and leave room for the Geneve header
 * and its options and an inner Ethernet header (TN_DROP_GENEVE_HDR, as
 * version not 0, an O packet or another protocol than Ethernet); every
 * option's header and data must lie within opt_len, at most
 * TN_GENEVE_OPTS_MAX of them, and the tenet option must have 4 bytes of
 * data and appear once (TN_DROP_GENEVE_OPT_LEN); an option tenet does not
 * know with the critical bit set is TN_DROP_GENEVE_CRITICAL.
 */
static __always_inline __u32 tn_geneve_rx_check(struct __sk_buff *skb, const struct iphdr *ip,
						const struct udphdr *udp,
						const struct tn_genevehdr *gn, __u32 len,
						struct tn_geneve_rx *rx)
{
	__u32 l3 = bpf_ntohs(ip->tot_len), l4 = bpf_ntohs(udp->len);
	__u32 off = TN_GENEVE_OPT_OFF, end, i;
	struct tn_geneve_opt opt;
	__be32 id;

	if (l3 > len - ETH_HLEN || l3 < TN_GENEVE_MIN_LEN - ETH_HLEN || l4 > l3 - sizeof(*ip) ||
	    l4 < TN_GENEVE_MIN_LEN - ETH_HLEN - sizeof(*ip))
		return TN_DROP_GENEVE_HDR;
	if ((gn->ver_opt >> 6) || (gn->flags & TN_GENEVE_F_OAM) ||
	    gn->proto != bpf_htons(TN_ETH_P_TEB))
		return TN_DROP_GENEVE_HDR;
	end = TN_GENEVE_OPT_OFF + (__u32)(gn->ver_opt & 0x3f) * 4;
	if (end + ETH_HLEN > ETH_HLEN + sizeof(*ip) + l4)
		return TN_DROP_GENEVE_OPT_LEN; /* opt_len past the datagram */
	rx->opt_end = end;
	rx->has_identity = false;
	rx->identity = 0;
	if (tn_geneve_rx_fast(skb, end, rx))
		return 0;
	for (i = 0; i < TN_GENEVE_OPTS_MAX && off < end; i++) {
		if (off + sizeof(opt) > end || bpf_skb_load_bytes(skb, off, &opt, sizeof(opt)))
			return TN_DROP_GENEVE_OPT_LEN;
		off += sizeof(opt);
		if (opt.opt_class == bpf_htons(TN_GENEVE_OPT_CLASS) &&
		    opt.type == TN_GENEVE_OPT_IDENTITY) {
			if ((opt.length & TN_GENEVE_OPT_LEN) != 1 || rx->has_identity ||
			    off + 4 > end || bpf_skb_load_bytes(skb, off, &id, 4) ||
			    bpf_ntohl(id) > TN_VNI_MASK)
				return TN_DROP_GENEVE_OPT_LEN;
			rx->identity = bpf_ntohl(id);
			rx->has_identity = true;
		} else if (opt.type & TN_GENEVE_OPT_CRIT) {
			return TN_DROP_GENEVE_CRITICAL;
		}
		off += (__u32)(opt.length & TN_GENEVE_OPT_LEN) * 4;
	}
	if (off != end)
		return TN_DROP_GENEVE_OPT_LEN; /* too many options, or the last one past opt_len */
	return 0;
}

#endif /* TN_BPF_GENEVE_H */
