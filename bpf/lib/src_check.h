/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src_check.h - source address validation of one frame against the port
 * it claims to come from: the port's MAC, its fixed IPv4 addresses (tn_arp
 * names the owning port of every one; the first is compared without a
 * lookup) and DHCP's 0.0.0.0; its fixed IPv6 addresses (tn_nd names the
 * owning port of every one), its link-local address and, for duplicate
 * address detection, ::, with the claims Neighbor Discovery makes checked
 * too. Used by port security on a VIF (the port is
 * the ingress port) and by the tunnel source check (the port is the one
 * tn_fdb places on the sending host).
 */
#ifndef TN_BPF_SRC_CHECK_H
#define TN_BPF_SRC_CHECK_H

#include "parse.h"
#include "ip6.h"
#include "maps.h"

/* What a frame failed; each caller maps it to its own drop reason. */
enum tn_src_fail {
	TN_SRC_OK = 0,
	TN_SRC_MALFORMED, /* truncated headers */
	TN_SRC_MAC,	  /* Ethernet source is not the port's MAC */
	TN_SRC_IP,	  /* IPv4 source not the port's */
	TN_SRC_ARP,	  /* ARP sender MAC or IPv4 not the port's */
	TN_SRC_VLAN,	  /* VLAN-tagged (would hide IP/ARP from these checks) */
	TN_SRC_IP6,	  /* IPv6 source not the port's (nor its link-local, nor :: for DAD) */
	TN_SRC_ND,	  /* ND: SLL/TLL option or NA target not the port's */
	TN_SRC_RA,	  /* router advertisement or redirect (RA guard) */
	TN_SRC_IP6_EXT,	  /* extension header chain too long, or fragmented ND */
	TN_SRC_ND_BAD,	  /* ND malformed: option of length 0, truncated, too many */
};

#define TN_IPPROTO_UDP	    17
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

/* True when ip6 is a fixed IPv6 of the port port_id in network vni. */
static __always_inline bool tn_src_ip6_owned(__u32 vni, __u32 port_id, const __u8 *ip6)
{
	struct tn_nd_key key = {.vni = vni};
	struct tn_nd *ent;

	__builtin_memcpy(key.ip6, ip6, 16);
	ent = bpf_map_lookup_elem(&tn_nd, &key);
	return ent && ent->port_id == port_id;
}

/* True when the port may use ip6 as its own: its link-local address
 * (derived from its MAC) or one of its fixed IPv6 (tn_nd). */
static __always_inline bool tn_src_ip6_mine(const struct tn_ifport *port, const __u8 *ip6)
{
	return tn_ip6_is_port_ll(ip6, port->mac) || tn_src_ip6_owned(port->vni, port->port_id, ip6);
}

/*
 * Walks the options of an ND message, [off, end), at most TN_ND_OPT_MAX:
 * every source or target link-layer address option must be of Ethernet
 * length and carry mac; *n_ll counts them. Returns TN_SRC_OK, TN_SRC_ND
 * (another MAC) or TN_SRC_ND_BAD (an option of length 0, one past the
 * message, a link-layer option not 8 bytes long, more options).
 */
static __always_inline enum tn_src_fail tn_src_nd_opts(struct __sk_buff *skb, __u32 off, __u32 end,
						       const __u8 *mac, __u32 *n_ll)
{
	struct tn_nd_opt_ll o;

#pragma unroll
	for (int i = 0; i < TN_ND_OPT_MAX; i++) {
		if (off >= end)
			return TN_SRC_OK;
		if (off + 2 > end || bpf_skb_load_bytes(skb, off, &o, 2))
			return TN_SRC_ND_BAD;
		if (!o.len || off + (__u32)o.len * 8 > end)
			return TN_SRC_ND_BAD;
		if (o.type == TN_ND_OPT_SLL || o.type == TN_ND_OPT_TLL) {
			if (o.len != 1 || bpf_skb_load_bytes(skb, off, &o, sizeof(o)))
				return TN_SRC_ND_BAD;
			if (!tn_mac_eq(o.mac, mac))
				return TN_SRC_ND;
			*n_ll += 1;
		}
		off += (__u32)o.len * 8;
	}
	return off >= end ? TN_SRC_OK : TN_SRC_ND_BAD;
}

/* True for what may come from :: (RFC 4861 7.2.2, 6.3.7; RFC 3810 5.2.13):
 * a duplicate address probe (NS to a solicited-node group), a router
 * solicitation, an MLD report. */
static __always_inline bool tn_src_ip6_any_ok(__u8 type, const __u8 *daddr)
{
	if (type == TN_ND_NS)
		return tn_ip6_is_solicited_node(daddr);
	return type == TN_ND_RS || type == TN_ICMP6_MLD_REPORT || type == TN_ICMP6_MLD2_REPORT;
}

/*
 * The check of an IPv6 frame from port (vni, port_id, mac used):
 *  - the extension header chain is walked (tn_ip6_walk, at most
 *    TN_IP6_EXT_MAX headers, else TN_SRC_IP6_EXT);
 *  - the source must be the port's link-local or a fixed IPv6 of the port,
 *    or :: for a DAD probe, a router solicitation or an MLD report
 *    (TN_SRC_IP6);
 *  - router advertisements and redirects fail (TN_SRC_RA), fragmented ND
 *    too (TN_SRC_IP6_EXT: RFC 6980);
 *  - NS, NA and RS: every link-layer address option must carry the port's
 *    MAC, and none may come from :: (TN_SRC_ND); an NA's target must be the
 *    port's own (TN_SRC_ND). Option errors are TN_SRC_ND_BAD.
 * Truncated headers are TN_SRC_MALFORMED.
 */
static __always_inline enum tn_src_fail tn_src_check_ip6(struct __sk_buff *skb,
							 const struct tn_ifport *port)
{
	enum tn_src_fail fail;
	struct tn_ip6hdr ip;
	struct tn_ip6_l4 l4;
	struct tn_nd_msg nd;
	__u32 n_ll = 0, opts;
	bool any;
	int rc;

	if (tn_ip6_load(skb, &ip))
		return TN_SRC_MALFORMED;
	rc = tn_ip6_walk(skb, &ip, &l4);
	if (rc)
		return rc == -2 ? TN_SRC_IP6_EXT : TN_SRC_MALFORMED;
	any = tn_ip6_is_any(ip.saddr);
	if (l4.proto != TN_IPPROTO_ICMPV6)
		return !any && tn_src_ip6_mine(port, ip.saddr) ? TN_SRC_OK : TN_SRC_IP6;
	if (l4.off + 4 > l4.end || bpf_skb_load_bytes(skb, l4.off, &nd, 4))
		return TN_SRC_MALFORMED;
	if (nd.type == TN_ND_RA || nd.type == TN_ND_REDIRECT)
		return TN_SRC_RA;
	if (nd.type >= TN_ND_RS && nd.type <= TN_ND_NA && l4.fragmented)
		return TN_SRC_IP6_EXT;
	if (any ? !tn_src_ip6_any_ok(nd.type, ip.daddr) : !tn_src_ip6_mine(port, ip.saddr))
		return TN_SRC_IP6;
	if (nd.type == TN_ND_RS) {
		opts = l4.off + 8;
	} else if (nd.type == TN_ND_NS || nd.type == TN_ND_NA) {
		opts = l4.off + sizeof(nd);
		if (bpf_skb_load_bytes(skb, l4.off, &nd, sizeof(nd)))
			return TN_SRC_MALFORMED;
	} else {
		return TN_SRC_OK;
	}
	if (opts > l4.end)
		return TN_SRC_MALFORMED;
	fail = tn_src_nd_opts(skb, opts, l4.end, port->mac, &n_ll);
	if (fail)
		return fail;
	if (any && n_ll)
		return TN_SRC_ND;
	if (nd.type == TN_ND_NA && !tn_src_ip6_mine(port, nd.target))
		return TN_SRC_ND;
	return TN_SRC_OK;
}

/*
 * Whether the frame may come from port (vni, port_id, mac, first IPv4 ip4
 * are used): its Ethernet source must be the port's MAC; an IPv4 source and
 * an ARP sender must be addresses of the port (any of its fixed IPv4, per
 * tn_arp), or 0.0.0.0 for a DHCP client or an ARP probe; a port without
 * IPv4 addresses sends no other IPv4. IPv6 must pass tn_src_check_ip6
 * (source, ND claims, RA guard); VLAN tags fail. Other ethertypes pass.
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
		return tn_src_check_ip6(skb, port);
	return TN_SRC_OK;
}

#endif /* TN_BPF_SRC_CHECK_H */
