/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l3_fwd6.h - network function "distributed router", IPv6 (program
 * tn_l3_fwd6, slot TN_VIF_SLOT_L3_6): what tn_l3_fwd is for IPv4, reached
 * from tn_l2_fwd for an IPv6 frame from a port to the MAC of a router
 * interface, with the router in skb->cb. Its own program so that neither
 * half of the router carries the other's instructions through the verifier.
 *
 *  - Only global unicast is routed: a packet with an unspecified,
 *    loopback, link-local or multicast source or destination, and any ND
 *    message (RS, RA, NS, NA, redirect: link-local by definition; the ND
 *    responder answered an NS for a gateway before L2), is
 *    TN_DROP_L3_PROTO, its hop limit untouched.
 *  - The route is the longest prefix of (router, destination) in
 *    tn_route6; none: ICMPv6 destination unreachable, no route (code 0),
 *    TN_DROP_NO_ROUTE.
 *  - The next hop (a static route's, or the destination in a connected
 *    subnet) must be an address in tn_nd of the route's network. An address
 *    of the router itself (TN_ND_F_ROUTER) is the packet's destination: an
 *    ICMPv6 echo request to it is answered (echo reply, TN_STAT_ICMP_SENT),
 *    anything else is TN_DROP_ROUTER_LOCAL. No address: ICMPv6 destination
 *    unreachable, address unreachable (code 3), TN_DROP_NO_NEIGH.
 *  - A packet to forward with a hop limit of 1 or 0 gets ICMPv6 time
 *    exceeded (code 0), TN_DROP_TTL.
 *  - To another host, a packet too big for the overlay (tn_config.mtu)
 *    gets ICMPv6 packet too big with that MTU, TN_DROP_FRAG_NEEDED.
 *  - Otherwise the hop limit is decremented (IPv6 has no header checksum),
 *    the MACs rewritten as for IPv4, and the frame goes back to tn_l2_fwd
 *    in the route's network (TN_STAT_ROUTED).
 *
 * The router's ICMPv6 errors (RFC 4443) go back out of the ingress port
 * with the router's MAC on the ingress network as source, from the
 * router's address in the sender's connected subnet (its route back to the
 * sender), or, for a sender in no connected subnet, from the link-local
 * address of that MAC. They quote the offending packet up to
 * TN_ICMP6_QUOTE_MAX bytes and are never sent for an ICMPv6 error. The
 * packet that caused one is counted as dropped for its reason. Included
 * by vif.bpf.c after the program array tn_vif_calls.
 */
#ifndef TN_NF_L3_FWD6_H
#define TN_NF_L3_FWD6_H

#include "ctx.h"
#include "fwd.h"
#include "icmp6.h"
#include "ip6.h"
#include "slots.h"

/* Whether a, a packet's source or destination, is one a router forwards:
 * not ::, ::1, link-local (fe80::/10) or multicast (ff00::/8). */
static __always_inline bool tn_ip6_routable(const __u8 *a)
{
	__u64 hi, lo;

	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return false;
	__builtin_memcpy(&hi, a, 8);
	__builtin_memcpy(&lo, a + 8, 8);
	return hi || (lo && lo != bpf_cpu_to_be64(1));
}

/* Records the route lookup of dst for router rkey and what it found (the
 * step's ip4 holds the destination's last four bytes), then the next hop's
 * lookup in tn_nd of the route's network. */
static __always_inline void tn_trace_route6(__u32 rkey, const __u8 *dst, const struct tn_route6 *rt,
					    const struct tn_nd *nb)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_L3, TN_TKEY_ROUTE, rt != NULL, rt ? rt->vni : 0);
	if (!st)
		return;
	st->port_id = rkey;
	__builtin_memcpy(&st->ip4, dst + 12, 4);
	if (!rt)
		return;
	st->flags = rt->flags;
	tn_mac_copy(st->mac, rt->mac);
	st = tn_trace_step(TN_STAGE_L3, TN_TKEY_ND, nb != NULL, rt->vni);
	if (!st || !nb)
		return;
	st->port_id = nb->port_id;
	st->flags = nb->flags;
	tn_mac_copy(st->mac, nb->mac);
}

/* The source of the router rkey's ICMPv6 errors to saddr (see the header
 * comment), into src. */
static __always_inline void tn_l3_src6(struct __sk_buff *skb, __u32 rkey, const __u8 *saddr,
				       __u8 *src)
{
	struct tn_route6_key rk = {.prefixlen = 32 + 128, .router_key = bpf_htonl(rkey)};
	struct tn_route6 *rt;
	__u8 mac[ETH_ALEN] = {};

	__builtin_memcpy(rk.ip6, saddr, 16);
	rt = bpf_map_lookup_elem(&tn_route6, &rk);
	if (rt && (rt->flags & TN_ROUTE_F_CONNECTED)) {
		__builtin_memcpy(src, rt->src_ip6, 16);
		return;
	}
	bpf_skb_load_bytes(skb, 0, mac, ETH_ALEN); /* the router's MAC: the frame's destination */
	tn_ip6_ll_from_mac(src, mac);
}

/* Counts the packet (fixed header ip, dlen bytes) as dropped for reason
 * and answers it with ICMPv6 type/code from router rkey. */
static __always_inline int tn_l3_error6(struct __sk_buff *skb, const struct tn_ip6hdr *ip,
					__u32 rkey, __u32 dlen, __u32 reason, __u8 type, __u8 code,
					__u32 in_slot)
{
	__u8 src[16];

	tn_drop_note(skb, reason, in_slot);
	tn_l3_src6(skb, rkey, ip->saddr, src);
	return tn_icmp6_error(skb, dlen, src, type, code, 0, in_slot);
}

/*
 * Answers an ICMPv6 echo request to the router's address (the packet's
 * destination) in place: addresses and MACs swapped, type echo reply
 * (checksum updated incrementally: the pseudo-header's sum does not change
 * with the swap), hop limit TN_ICMP_TTL; out of the ingress port.
 */
static __always_inline int tn_l3_echo6(struct __sk_buff *skb, const struct tn_ip6hdr *ip,
				       __u32 dlen, __u32 in_slot)
{
	__u32 ifindex = skb->ifindex;
	__u8 macs[12], sw[12], addrs[32], hdr[2], hl = TN_ICMP_TTL, type = TN_ICMP6_ECHO_REPLY;

	if (ip->nexthdr != TN_IPPROTO_ICMPV6)
		return tn_drop(skb, TN_DROP_ROUTER_LOCAL, in_slot);
	if (dlen < TN_IP6_HLEN + 8 || bpf_skb_load_bytes(skb, TN_IP6_L4_OFF, hdr, 2) ||
	    bpf_skb_load_bytes(skb, 0, macs, 12))
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	if (hdr[0] != TN_ICMP6_ECHO_REQUEST || hdr[1] != 0)
		return tn_drop(skb, TN_DROP_ROUTER_LOCAL, in_slot);
	__builtin_memcpy(sw, macs + 6, 6);
	__builtin_memcpy(sw + 6, macs, 6);
	__builtin_memcpy(addrs, ip->daddr, 16); /* the reply's source: the router's address */
	__builtin_memcpy(addrs + 16, ip->saddr, 16);
	if (bpf_skb_store_bytes(skb, 0, sw, sizeof(sw), 0) ||
	    bpf_skb_store_bytes(skb, TN_IP6_OFF + 7, &hl, 1, 0) ||
	    bpf_skb_store_bytes(skb, TN_IP6_OFF + 8, addrs, sizeof(addrs), 0) ||
	    bpf_l4_csum_replace(skb, TN_IP6_L4_OFF + 2, bpf_htons(TN_ICMP6_ECHO_REQUEST << 8),
				bpf_htons(TN_ICMP6_ECHO_REPLY << 8), 2) ||
	    bpf_skb_store_bytes(skb, TN_IP6_L4_OFF, &type, 1, 0))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_ICMP_SENT);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_ICMP_SENT, ifindex, 0, tn_ctx_vni(skb));
	return bpf_redirect(ifindex, 0);
}

/* True for an ND message right after the fixed header ip. */
static __always_inline bool tn_l3_is_nd6(struct __sk_buff *skb, const struct tn_ip6hdr *ip)
{
	__u8 type;

	if (ip->nexthdr != TN_IPPROTO_ICMPV6 || bpf_skb_load_bytes(skb, TN_IP6_L4_OFF, &type, 1))
		return false;
	return type >= TN_ND_RS && type <= TN_ND_REDIRECT;
}

SEC("tcx/ingress")
int tn_l3_fwd6(struct __sk_buff *skb)
{
	__u32 in_slot = tn_ctx_in_slot(skb), rkey = tn_ctx_router(skb), dlen, vni;
	struct tn_pmtu6_info pi = {};
	struct tn_config *cfg;
	struct tn_route6 *rt;
	struct tn_ip6hdr ip;
	struct tn_nd *nb;
	__u8 macs[12], nh[16], src[16], hl;

	if (tn_ip6_load(skb, &ip))
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	/* the packet must be whole: its payload length within the frame (0
	 * only for a GSO frame past 64 KiB, BIG TCP) */
	dlen = TN_IP6_HLEN + bpf_ntohs(ip.payload_len);
	if (!ip.payload_len && tn_gso_size(skb))
		dlen = skb->len - ETH_HLEN;
	if (dlen > skb->len - ETH_HLEN)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	if (!tn_ip6_routable(ip.saddr) || !tn_ip6_routable(ip.daddr) || tn_l3_is_nd6(skb, &ip))
		return tn_drop(skb, TN_DROP_L3_PROTO, in_slot);
	rt = tn_route6_lookup(rkey, ip.daddr, &nb);
	tn_trace_route6(rkey, ip.daddr, rt, nb);
	if (!rt)
		return tn_l3_error6(skb, &ip, rkey, dlen, TN_DROP_NO_ROUTE, TN_ICMP6_DEST_UNREACH,
				    TN_ICMP6_NO_ROUTE, in_slot);
	__builtin_memcpy(nh, rt->nh_ip6, 16);
	if (nb && (nb->flags & TN_ND_F_ROUTER) && tn_ip6_is_any(nh))
		return tn_l3_echo6(skb, &ip, dlen, in_slot);
	if (ip.hop_limit <= 1)
		return tn_l3_error6(skb, &ip, rkey, dlen, TN_DROP_TTL, TN_ICMP6_TIME_EXCEEDED,
				    TN_ICMP6_HOPS_EXCEEDED, in_slot);
	if (!nb || (nb->flags & TN_ND_F_ROUTER))
		return tn_l3_error6(skb, &ip, rkey, dlen, TN_DROP_NO_NEIGH, TN_ICMP6_DEST_UNREACH,
				    TN_ICMP6_ADDR_UNREACH, in_slot);
	tn_mac_copy(macs, nb->mac);
	tn_mac_copy(macs + 6, rt->mac);
	vni = rt->vni;
	hl = ip.hop_limit - 1;
	/* to another host: the overlay's MTU is the next hop's (RFC 8201) */
	cfg = nb->remote_ip4 ? tn_config_get() : NULL;
	if (cfg && tn_pmtu6_check(skb, cfg->mtu, &pi) == TN_PMTU_BIG_DF) {
		tn_l3_src6(skb, rkey, ip.saddr, src);
		return tn_pmtu6_error(skb, &pi, src, cfg->mtu, in_slot);
	}
	tn_ctx_set_vni(skb, vni);
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0) ||
	    bpf_skb_store_bytes(skb, TN_IP6_OFF + 7, &hl, 1, 0))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_ROUTED);
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

#endif /* TN_NF_L3_FWD6_H */
