/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l3_fwd.h - network function "distributed router" (program tn_l3_fwd, slot
 * TN_VIF_SLOT_L3), reached from tn_l2_fwd for a frame from a port to the
 * MAC of a router interface (TN_FDB_F_ROUTER), with the router and its
 * address on the ingress network in skb->cb. Every host routes for its own
 * ports: the frame is routed here, on the host it entered, and goes
 * straight to the destination's host in the destination network.
 *
 *  - IPv4 only: anything else to a router MAC is TN_DROP_L3_PROTO (IPv6
 *    routing comes with IPv6 subnets on routers).
 *  - The route is the longest prefix of (router, destination) in tn_route4;
 *    none: ICMP destination unreachable (network), TN_DROP_NO_ROUTE.
 *  - The next hop (a static route's, or the destination in a connected
 *    subnet) must be an address in tn_arp of the route's network; none:
 *    ICMP destination unreachable (host), TN_DROP_NO_NEIGH. An address of
 *    the router itself (TN_ARP_F_ROUTER) is the packet's destination: an
 *    ICMP echo request to it is answered (echo reply, TN_STAT_ICMP_SENT),
 *    anything else is TN_DROP_ROUTER_LOCAL.
 *  - A packet to forward with a TTL of 1 or 0 gets ICMP time exceeded,
 *    TN_DROP_TTL.
 *  - Otherwise the TTL is decremented (header checksum updated
 *    incrementally), the source MAC becomes the router's on the route's
 *    network and the destination the next hop's, and the frame goes back
 *    to tn_l2_fwd in that network (TN_STAT_ROUTED), which delivers it
 *    locally or tunnels it to the next hop's host.
 *
 * ICMP errors (RFC 792, RFC 1812 4.3.2) go back out of the ingress port
 * from the router's address on the ingress network, with the router's MAC
 * on it; they quote the offending datagram's IP header and up to
 * TN_ICMP_QUOTE_L4 bytes after it (RFC 1812 allows more than RFC 792's 8,
 * and the quote then keeps the checksum field of a TCP or UDP header whose
 * checksum is left to the NIC, which the kernel will not cut). The packet
 * that caused an error is counted as dropped for its reason, so the drop
 * monitor and the port's drop counters show it. Included by vif.bpf.c
 * after the program array tn_vif_calls.
 */
#ifndef TN_NF_L3_FWD_H
#define TN_NF_L3_FWD_H

#include "ctx.h"
#include "fwd.h"
#include "icmp.h"
#include "slots.h"

/* Records the route lookup of dst for router rkey and what it found. */
static __always_inline void tn_trace_route(__u32 rkey, __be32 dst, const struct tn_route4 *rt)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_L3, TN_TKEY_ROUTE, rt != NULL, rt ? rt->vni : 0);
	if (!st)
		return;
	st->port_id = rkey;
	st->ip4 = dst;
	if (!rt)
		return;
	st->ifindex = rt->nh_ip4;
	st->flags = rt->flags;
	tn_mac_copy(st->mac, rt->mac);
}

/* Records the next hop's lookup in tn_arp of vni and what it found. */
static __always_inline void tn_trace_neigh(__u32 vni, __be32 nh, const struct tn_arp *ent)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_L3, TN_TKEY_ARP, ent != NULL, vni);
	if (!st)
		return;
	st->ip4 = nh;
	if (!ent)
		return;
	st->port_id = ent->port_id;
	st->flags = ent->flags;
	tn_mac_copy(st->mac, ent->mac);
}

/* Counts the datagram as dropped for reason and answers it with an ICMP
 * error (see tn_icmp_error). */
static __always_inline int tn_l3_error(struct __sk_buff *skb, __u32 dlen, __u32 ihl_len,
				       __u32 reason, __u8 type, __u8 code, __u32 in_slot)
{
	tn_drop_note(skb, reason, in_slot);
	return tn_icmp_error(skb, dlen, ihl_len, tn_ctx_router_ip4(skb), type, code, 0, in_slot);
}

/*
 * Answers an ICMP echo request to the router's address dst in place: the
 * addresses and MACs swapped, type echo reply (checksum updated
 * incrementally), TTL TN_ICMP_TTL; out of the ingress port.
 */
static __always_inline int tn_l3_echo(struct __sk_buff *skb, const struct iphdr *ip,
				      const struct ethhdr *eth, __u32 in_slot)
{
	__u32 ihl_len = ((__u32)ip->ihl & 0xf) * 4, ifindex = skb->ifindex;
	__u16 old_ttl = bpf_htons((__u16)ip->ttl << 8), new_ttl = bpf_htons(TN_ICMP_TTL << 8);
	struct tn_icmphdr icmp;
	struct ethhdr e;
	__be32 a[2];

	if (ip->protocol != TN_IPPROTO_ICMP || (ip->frag_off & bpf_htons(TN_IP_FRAG_MASK)))
		return tn_drop(skb, TN_DROP_ROUTER_LOCAL, in_slot);
	if (bpf_skb_load_bytes(skb, ETH_HLEN + ihl_len, &icmp, sizeof(icmp)))
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	if (icmp.type != TN_ICMP_ECHO || icmp.code != 0)
		return tn_drop(skb, TN_DROP_ROUTER_LOCAL, in_slot);
	a[0] = ip->daddr; /* the reply's source: the router's address */
	a[1] = ip->saddr;
	tn_mac_copy(e.h_dest, eth->h_source);
	tn_mac_copy(e.h_source, eth->h_dest);
	e.h_proto = eth->h_proto;
	icmp.type = TN_ICMP_ECHO_REPLY;
	/* the pointers die here: every write below goes through helpers */
	if (bpf_skb_store_bytes(skb, 0, &e, sizeof(e), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, saddr), a, sizeof(a), 0) ||
	    bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old_ttl, new_ttl,
				2) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, ttl), &new_ttl, 1, 0) ||
	    bpf_l4_csum_replace(skb, ETH_HLEN + ihl_len + offsetof(struct tn_icmphdr, check),
				bpf_htons(TN_ICMP_ECHO << 8), bpf_htons(TN_ICMP_ECHO_REPLY << 8),
				2) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + ihl_len, &icmp.type, 1, 0))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_ICMP_SENT);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_ICMP_SENT, ifindex, 0, tn_ctx_vni(skb));
	return bpf_redirect(ifindex, 0);
}

SEC("tcx/ingress")
int tn_l3_fwd(struct __sk_buff *skb)
{
	__u32 in_slot = tn_ctx_in_slot(skb), rkey = tn_ctx_router(skb), ihl_len, dlen, vni;
	struct tn_route4 *rt;
	struct tn_arp *nb;
	struct ethhdr *eth;
	struct iphdr *ip;
	struct tn_pmtu_info pi = {};
	struct tn_config *cfg;
	__u8 macs[12], ttl;
	__u16 old_ttl, new_ttl;

	eth = tn_eth(skb);
	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return tn_drop(skb, TN_DROP_L3_PROTO, in_slot);
	ip = tn_ip4_hdr(skb);
	eth = tn_eth(skb); /* tn_ip4_hdr may have pulled */
	if (!ip || !eth || ip->version != 4 || ip->ihl < 5)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	ihl_len = ((__u32)ip->ihl & 0xf) * 4;
	/* the datagram must be whole: its total length within the frame (0
	 * only for a GSO frame past 64 KiB, BIG TCP) */
	dlen = bpf_ntohs(ip->tot_len);
	if (!dlen && tn_gso_size(skb))
		dlen = skb->len - ETH_HLEN;
	if (dlen > skb->len - ETH_HLEN || dlen < ihl_len)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	rt = tn_route_lookup(rkey, ip->daddr, &nb);
	tn_trace_route(rkey, ip->daddr, rt);
	if (!rt)
		return tn_l3_error(skb, dlen, ihl_len, TN_DROP_NO_ROUTE, TN_ICMP_DEST_UNREACH,
				   TN_ICMP_NET_UNREACH, in_slot);
	tn_trace_neigh(rt->vni, rt->nh_ip4 ? rt->nh_ip4 : ip->daddr, nb);
	if (nb && (nb->flags & TN_ARP_F_ROUTER) && !rt->nh_ip4)
		return tn_l3_echo(skb, ip, eth, in_slot);
	if (ip->ttl <= 1)
		return tn_l3_error(skb, dlen, ihl_len, TN_DROP_TTL, TN_ICMP_TIME_EXCEEDED,
				   TN_ICMP_TTL_EXCEEDED, in_slot);
	if (!nb || (nb->flags & TN_ARP_F_ROUTER))
		return tn_l3_error(skb, dlen, ihl_len, TN_DROP_NO_NEIGH, TN_ICMP_DEST_UNREACH,
				   TN_ICMP_HOST_UNREACH, in_slot);
	tn_mac_copy(macs, nb->mac);
	tn_mac_copy(macs + 6, rt->mac);
	ttl = ip->ttl;
	vni = rt->vni;
	/* to another host: the overlay's MTU is the next hop's (RFC 1191) */
	cfg = nb->remote_ip4 ? tn_config_get() : NULL;
	if (cfg && tn_pmtu_check(skb, cfg->mtu, &pi) == TN_PMTU_BIG_DF)
		return tn_pmtu_error(skb, &pi, tn_ctx_router_ip4(skb), cfg->mtu, in_slot);
	tn_ctx_set_vni(skb, vni);
	old_ttl = bpf_htons((__u16)ttl << 8);
	new_ttl = bpf_htons((__u16)(ttl - 1) << 8);
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0) ||
	    bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old_ttl, new_ttl,
				2) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, ttl), &new_ttl, 1, 0))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_ROUTED);
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

#endif /* TN_NF_L3_FWD_H */
