/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src_check.h - source address validation of one frame against the port
 * it claims to come from: the port's MAC, its fixed IPv4 addresses (tn_arp
 * names the owning port of every one; the first is compared without a
 * lookup) and DHCP's 0.0.0.0. Used by port security on a VIF (the port is
 * the ingress port) and by the tunnel source check (the port is the one
 * tn_fdb places on the sending host).
 */
#ifndef TN_BPF_SRC_CHECK_H
#define TN_BPF_SRC_CHECK_H

#include "parse.h"
#include "maps.h"

/* What a frame failed; each caller maps it to its own drop reason. */
enum tn_src_fail {
	TN_SRC_OK = 0,
	TN_SRC_MALFORMED, /* truncated headers */
	TN_SRC_MAC,	  /* Ethernet source is not the port's MAC */
	TN_SRC_IP,	  /* IPv4 source not the port's */
	TN_SRC_ARP,	  /* ARP sender MAC or IPv4 not the port's */
	TN_SRC_VLAN,	  /* VLAN-tagged (would hide IP/ARP from these checks) */
	TN_SRC_IPV6,	  /* IPv6 (no IPv6 source check yet) */
	TN_SRC_ND,	  /* IPv6 Neighbor Discovery (no NA target / SLLA check yet) */
};

#define TN_IPPROTO_UDP	    17
#define TN_IPPROTO_ICMPV6   58
#define TN_IP6_HLEN	    40
#define TN_ND_FIRST	    133 /* ICMPv6 router solicitation */
#define TN_ND_LAST	    137 /* ICMPv6 redirect */
#define TN_DHCP_SERVER_PORT 67
#define TN_DHCP_CLIENT_PORT 68

/* True when ip4 (non-zero) is a fixed IPv4 of the port port_id, whose first
 * address is first, in network vni. */
static __always_inline bool tn_src_ip4_owned(__u32 vni, __u32 port_id, __be32 first, __be32 ip4)
{
	struct tn_arp_key key = { .vni = vni, .ip4 = ip4 };
	struct tn_arp *ent;

	if (ip4 == first)
		return true;
	ent = bpf_map_lookup_elem(&tn_arp, &key);
	return ent && ent->port_id == port_id;
}

/*
 * True for what a DHCP client sends before it has an address (RFC 2131
 * 4.1: DISCOVER and REQUEST are broadcast from 0.0.0.0): UDP 68 -> 67 to
 * 255.255.255.255, first fragment only. ip is the frame's IPv4 header.
 */
static __always_inline bool tn_src_dhcp_client(struct __sk_buff *skb, const struct iphdr *ip)
{
	__u32 off = ETH_HLEN + ((__u32)ip->ihl & 0xf) * 4;
	struct udphdr *udp;

	if (ip->daddr != bpf_htonl(0xffffffff) || ip->protocol != TN_IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(0x3fff)) || ip->ihl < 5)
		return false;
	if (tn_linear(skb, off + sizeof(*udp)))
		return false;
	udp = tn_hdr(skb, off, sizeof(*udp));
	return udp && udp->source == bpf_htons(TN_DHCP_CLIENT_PORT) &&
	       udp->dest == bpf_htons(TN_DHCP_SERVER_PORT);
}

/* The check of an IPv4 frame: source one of the port's addresses, or a
 * DHCP client's 0.0.0.0. */
static __always_inline enum tn_src_fail tn_src_check_ip4(struct __sk_buff *skb,
							 const struct tn_ifport *port)
{
	struct iphdr *ip = tn_ip4_hdr(skb);
	__be32 src;

	if (!ip)
		return TN_SRC_MALFORMED;
	src = ip->saddr;
	if (src)
		return tn_src_ip4_owned(port->vni, port->port_id, port->ip4, src) ? TN_SRC_OK
										  : TN_SRC_IP;
	return tn_src_dhcp_client(skb, ip) ? TN_SRC_OK : TN_SRC_IP;
}

/* The check of an ARP frame: sender MAC the port's, sender IPv4 one of the
 * port's addresses or 0.0.0.0 (RFC 5227 probe). */
static __always_inline enum tn_src_fail tn_src_check_arp(struct __sk_buff *skb,
							 const struct tn_ifport *port)
{
	struct tn_arphdr *arp = tn_arp_hdr(skb);
	__be32 spa;

	if (!arp || !tn_arp_is_eth_ip4(arp))
		return TN_SRC_MALFORMED;
	if (!tn_mac_eq(arp->sha, port->mac))
		return TN_SRC_ARP;
	spa = tn_ip4_load(arp->spa);
	if (spa && !tn_src_ip4_owned(port->vni, port->port_id, port->ip4, spa))
		return TN_SRC_ARP;
	return TN_SRC_OK;
}

/*
 * An IPv6 frame: TN_SRC_ND when it is Neighbor Discovery (ICMPv6 types
 * 133-137 right after the fixed header; behind extension headers it counts
 * as plain IPv6), else TN_SRC_IPV6. Both fail: there is no IPv6 check yet.
 */
static __always_inline enum tn_src_fail tn_src_check_ip6(struct __sk_buff *skb)
{
	__u8 *nh, *icmp;

	if (tn_linear(skb, ETH_HLEN + TN_IP6_HLEN + 1))
		return TN_SRC_IPV6;
	nh = tn_hdr(skb, ETH_HLEN + 6, 1); /* next header */
	icmp = tn_hdr(skb, ETH_HLEN + TN_IP6_HLEN, 1); /* ICMPv6 type */
	if (nh && icmp && *nh == TN_IPPROTO_ICMPV6 && *icmp >= TN_ND_FIRST && *icmp <= TN_ND_LAST)
		return TN_SRC_ND;
	return TN_SRC_IPV6;
}

/*
 * Whether the frame may come from port (vni, port_id, mac, first IPv4 ip4
 * are used): its Ethernet source must be the port's MAC; an IPv4 source and
 * an ARP sender must be addresses of the port (any of its fixed IPv4, per
 * tn_arp), or 0.0.0.0 for a DHCP client or an ARP probe; a port without
 * IPv4 addresses sends no other IPv4. IPv6 fails, ND apart (no IPv6 source
 * or ND check yet, so its source cannot be proven); VLAN tags fail. Other
 * ethertypes pass.
 */
static __always_inline enum tn_src_fail tn_src_check(struct __sk_buff *skb,
						     const struct tn_ifport *port)
{
	struct ethhdr *eth = tn_eth(skb);
	__be16 proto;

	if (!eth)
		return TN_SRC_MALFORMED;
	if (!tn_mac_eq(eth->h_source, port->mac))
		return TN_SRC_MAC;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_IP))
		return tn_src_check_ip4(skb, port);
	if (proto == bpf_htons(ETH_P_ARP))
		return tn_src_check_arp(skb, port);
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return TN_SRC_VLAN;
	if (proto == bpf_htons(ETH_P_IPV6))
		return tn_src_check_ip6(skb);
	return TN_SRC_OK;
}

#endif /* TN_BPF_SRC_CHECK_H */
