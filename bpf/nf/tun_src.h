/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tun_src.h - network function "tunnel source check" (program tn_tun_src,
 * slot TN_TUN_SLOT_SRC), reached for every frame tn_tunnel_ingress
 * admitted (enrolled host, allowed VNI). A host may only speak for its own
 * ports, within what their port security lets them send:
 *  - the inner source MAC must be a port of the network (tn_fdb), else
 *    TN_DROP_TUN_SRC_UNKNOWN (also for broadcast and unknown unicast);
 *  - that port must live on the sending host (a remote entry with the
 *    outer source as its host), else TN_DROP_TUN_SRC_HOST;
 *  - if the port has port security (TN_FDB_F_PORT_SECURITY), the frame must
 *    pass the same check as at its VIF (src_check.h): an IPv4 source one of
 *    that port's fixed IPv4 (tn_arp names the owner of each) or a DHCP
 *    client's 0.0.0.0, else TN_DROP_TUN_SRC_IP; an IPv6 source that port's
 *    link-local or one of its fixed IPv6 (tn_nd names the owner of each), or
 *    :: for DAD, RS and MLD, else TN_DROP_TUN_IPV6; ND whose link-layer
 *    options or NA target are not that port's, and router advertisements
 *    and redirects, TN_DROP_TUN_ND; extension header chains its port
 *    security refuses TN_DROP_IP6_EXT; malformed ND options TN_DROP_ND; an
 *    ARP sender MAC and IPv4 the port's, else TN_DROP_TUN_ARP; VLAN tags
 *    TN_DROP_TUN_VLAN; truncated headers TN_DROP_MALFORMED;
 *  - without port security the port may send what its VM may (any source,
 *    VLAN tags), but never an address of a port on another host: an IPv4
 *    source (TN_DROP_TUN_SRC_IP), ARP sender IPv4 (TN_DROP_TUN_ARP), IPv6
 *    source (TN_DROP_TUN_IPV6) or NA target (TN_DROP_TUN_ND) that tn_arp /
 *    tn_nd place elsewhere is dropped (an IPv6 extension header chain
 *    longer than TN_IP6_EXT_MAX too: TN_DROP_IP6_EXT); unknown addresses
 *    pass;
 *  - a frame whose source MAC is a router interface's (TN_FDB_F_ROUTER) was
 *    routed on the sending host (distributed routing): it must be IPv4 or
 *    IPv6 and its source a port of that host, found the way the router
 *    would route back to it (tn_route4 / tn_route6: the network, and the
 *    next hop for a static route; tn_arp / tn_nd: that address's port must
 *    live on the sending host), else TN_DROP_TUN_ROUTED.
 * The identity of the port found (tn_fdb; for a routed frame its source's
 * tn_arp row) is the frame's source identity for the ingress security
 * groups: an identity the sender claimed (a Geneve option, ctx.h) must be
 * that one, else TN_DROP_TUN_IDENTITY; without a claim (VXLAN) it is taken.
 * A frame the source host of a migrating port relays to us (the port in
 * standby here names it) is checked as if its source's own host sent it
 * (tn_tun_relayed; a routed one is not: TN_DROP_TUN_ROUTED).
 * Then on to tn_tun_deliver. Included by tunnel.bpf.c after the program
 * array tn_tun_calls.
 */
#ifndef TN_NF_TUN_SRC_H
#define TN_NF_TUN_SRC_H

#include "ctx.h"
#include "fwd.h"
#include "migration.h"
#include "slots.h"
#include "src_check.h"

/* False when ip4 is the address of a port that does not live at remote. */
static __always_inline bool tn_tun_addr_ok(__u32 vni, __be32 ip4, __be32 remote)
{
	struct tn_arp_key key = {.vni = vni, .ip4 = ip4};
	struct tn_arp *ent = bpf_map_lookup_elem(&tn_arp, &key);

	return !ent || ent->remote_ip4 == remote;
}

/* False when ip6 is the address of a port that does not live at remote. */
static __always_inline bool tn_tun_addr6_ok(__u32 vni, const __u8 *ip6, __be32 remote)
{
	struct tn_nd_key key = {.vni = vni};
	struct tn_nd *ent;

	__builtin_memcpy(key.ip6, ip6, 16);
	ent = bpf_map_lookup_elem(&tn_nd, &key);
	return !ent || ent->remote_ip4 == remote;
}

/* The drop reason of an IPv6 frame from a port without port security on
 * host remote, 0 when it passes: its source, and an NA's target, no address
 * of another host's port; an extension header chain too long to see past
 * is TN_DROP_IP6_EXT, as with port security. */
static __always_inline __u32 tn_tun_src_open6(struct __sk_buff *skb, __u32 vni, __be32 remote)
{
	struct tn_ip6hdr ip;
	struct tn_ip6_l4 l4;
	struct tn_nd_msg na;
	int rc;

	if (tn_ip6_load(skb, &ip))
		return TN_DROP_MALFORMED;
	if (!tn_tun_addr6_ok(vni, ip.saddr, remote))
		return TN_DROP_TUN_IPV6;
	rc = tn_ip6_walk(skb, &ip, &l4);
	if (rc)
		return rc == -2 ? TN_DROP_IP6_EXT : TN_DROP_MALFORMED;
	if (l4.proto != TN_IPPROTO_ICMPV6 || l4.off + sizeof(na) > l4.end ||
	    bpf_skb_load_bytes(skb, l4.off, &na, sizeof(na)) || na.type != TN_ND_NA)
		return 0;
	return tn_tun_addr6_ok(vni, na.target, remote) ? 0 : TN_DROP_TUN_ND;
}

/* The drop reason of a frame from a port without port security (first
 * IPv4 first) on host remote, 0 when it passes: no address of another
 * host's port. */
static __always_inline __u32 tn_tun_src_open(struct __sk_buff *skb, __u32 vni, __be32 remote,
					     __be32 first, __be16 proto)
{
	struct tn_arphdr *arp;
	struct iphdr *ip;

	if (proto == bpf_htons(ETH_P_IP)) {
		ip = tn_ip4_hdr(skb);
		if (!ip)
			return TN_DROP_MALFORMED;
		if (ip->saddr == first)
			return 0;
		return tn_tun_addr_ok(vni, ip->saddr, remote) ? 0 : TN_DROP_TUN_SRC_IP;
	}
	if (proto == bpf_htons(ETH_P_ARP)) {
		arp = tn_arp_hdr(skb);
		if (!arp)
			return TN_DROP_MALFORMED;
		if (!tn_arp_is_eth_ip4(arp))
			return 0;
		return tn_tun_addr_ok(vni, tn_ip4_load(arp->spa), remote) ? 0 : TN_DROP_TUN_ARP;
	}
	if (proto == bpf_htons(ETH_P_IPV6))
		return tn_tun_src_open6(skb, vni, remote);
	return 0;
}

/* The drop reason of an IPv6 frame router rkey of host remote routed
 * here, 0 when it passes: as tn_tun_routed, through tn_route6 and tn_nd;
 * *ident: its source port's identity. */
static __always_inline __u32 tn_tun_routed6(struct __sk_buff *skb, __u32 rkey, __be32 remote,
					    __u32 *ident)
{
	struct tn_route6 *rt;
	struct tn_ip6hdr ip;
	struct tn_nd *ent;

	if (tn_ip6_load(skb, &ip))
		return TN_DROP_MALFORMED;
	rt = tn_route6_lookup(rkey, ip.saddr, &ent);
	if (!rt || !ent || ent->remote_ip4 != remote || (ent->flags & TN_ND_F_ROUTER))
		return TN_DROP_TUN_ROUTED;
	*ident = ent->identity;
	return 0;
}

/* The drop reason of a frame router rkey of host remote routed here, 0
 * when it passes (see the header comment); *ident: its source port's
 * identity. */
static __always_inline __u32 tn_tun_routed(struct __sk_buff *skb, __u32 rkey, __be32 remote,
					   __u32 *ident)
{
	struct tn_route4 *rt;
	struct ethhdr *eth;
	struct tn_arp *ent;
	struct iphdr *ip;

	eth = tn_eth(skb);
	if (!eth)
		return TN_DROP_MALFORMED;
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return tn_tun_routed6(skb, rkey, remote, ident);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TN_DROP_TUN_ROUTED;
	ip = tn_ip4_hdr(skb);
	if (!ip)
		return TN_DROP_MALFORMED;
	rt = tn_route_lookup(rkey, ip->saddr, &ent);
	if (!rt || !ent || ent->remote_ip4 != remote || (ent->flags & TN_ARP_F_ROUTER))
		return TN_DROP_TUN_ROUTED;
	*ident = ent->identity;
	return 0;
}

/*
 * True when host remote may relay a frame to dst (in vni) whose source
 * lives on another host: dst is a local port in standby here whose
 * migration names remote as its source host, which copies what its port
 * gets to us (nf/migrate.h). Asked only when the source check failed.
 */
static __always_inline bool tn_tun_relayed(__u32 vni, const __u8 *dst, __be32 remote)
{
	struct tn_fdb *fdb = tn_fdb_lookup(vni, dst);
	struct tn_migrate *mig;

	if (!fdb || (fdb->flags & (TN_FDB_F_LOCAL | TN_FDB_F_MIGRATING)) !=
			(TN_FDB_F_LOCAL | TN_FDB_F_MIGRATING))
		return false;
	mig = tn_mig_get(fdb->port_id);
	return mig && (mig->flags & TN_MIG_F_STANDBY) && mig->peer_ip4 == remote;
}

/* The drop reason of a frame from host remote in vni, 0 when it passes;
 * *ident: the identity of the port it comes from. */
static __always_inline __u32 tn_tun_src_check(struct __sk_buff *skb, __u32 vni, __be32 remote,
					      __u32 *ident)
{
	struct tn_ifport port = {.vni = vni};
	struct ethhdr *eth = tn_eth(skb);
	enum tn_src_fail fail;
	struct tn_fdb *fdb;

	if (!eth)
		return TN_DROP_MALFORMED;
	fdb = tn_fdb_lookup(vni, eth->h_source);
	tn_trace_fdb(TN_STAGE_TUN_SRC, vni, eth->h_source, fdb);
	if (!fdb)
		return TN_DROP_TUN_SRC_UNKNOWN;
	if (fdb->flags & TN_FDB_F_ROUTER)
		return tn_tun_routed(skb, fdb->router_key, remote, ident);
	if (!(fdb->flags & TN_FDB_F_REMOTE) || fdb->remote_ip4 != remote) {
		if (!(fdb->flags & TN_FDB_F_REMOTE) || !tn_tun_relayed(vni, eth->h_dest, remote))
			return tn_ctx_tun_flags(skb) & TN_TUN_F_IDENTITY ? TN_DROP_TUN_IDENTITY
									 : TN_DROP_TUN_SRC_HOST;
		remote = fdb->remote_ip4; /* relayed: checked as from its own host */
	}
	*ident = fdb->identity;
	if (!(fdb->flags & TN_FDB_F_PORT_SECURITY))
		return tn_tun_src_open(skb, vni, remote, fdb->ip4, eth->h_proto);
	port.port_id = fdb->port_id;
	port.ip4 = fdb->ip4;
	tn_mac_copy(port.mac, eth->h_source);
	fail = tn_src_check(skb, &port);
	switch (fail) {
	case TN_SRC_OK:
		return 0;
	case TN_SRC_ARP:
		return TN_DROP_TUN_ARP;
	case TN_SRC_VLAN:
		return TN_DROP_TUN_VLAN;
	case TN_SRC_IP6:
		return TN_DROP_TUN_IPV6;
	case TN_SRC_ND:
	case TN_SRC_RA:
		return TN_DROP_TUN_ND;
	case TN_SRC_IP6_EXT:
		return TN_DROP_IP6_EXT;
	case TN_SRC_ND_BAD:
		return TN_DROP_ND;
	case TN_SRC_MALFORMED:
		return TN_DROP_MALFORMED;
	default:
		return TN_DROP_TUN_SRC_IP; /* TN_SRC_IP; TN_SRC_MAC cannot happen */
	}
}

SEC("tcx/ingress")
int tn_tun_src(struct __sk_buff *skb)
{
	__u32 reason, ident = 0;

	reason = tn_tun_src_check(skb, tn_ctx_vni(skb), tn_ctx_remote(skb), &ident);
	if (!reason && (tn_ctx_tun_flags(skb) & TN_TUN_F_IDENTITY) &&
	    tn_ctx_tun_identity(skb) != ident)
		reason = TN_DROP_TUN_IDENTITY;
	if (reason)
		return tn_drop(skb, reason, 0);
	tn_ctx_set_tun_identity(skb, ident);
	bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_DELIVER);
	return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
}

#endif /* TN_NF_TUN_SRC_H */
