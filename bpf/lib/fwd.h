/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fwd.h - the ways out of the datapath: a local port (redirect into the
 * peer of its host-side veth), a remote host (tunnel key + redirect to the
 * collect_md vxlan device), or head-end replication of one frame over
 * the pages of its network's flood list (bpf_loop, one callback per page).
 */
#ifndef TN_BPF_FWD_H
#define TN_BPF_FWD_H

#include "ctx.h"
#include "ip6.h"
#include "parse.h"
#include "verdict.h"

/* This host's configuration, or NULL when the agent has not written it. */
static __always_inline struct tn_config *tn_config_get(void)
{
	__u32 key = 0;
	struct tn_config *cfg = bpf_map_lookup_elem(&tn_config, &key);

	if (!cfg || cfg->abi_version != TN_ABI_VERSION || !cfg->tunnel_ifindex)
		return NULL;
	return cfg;
}

/* Sets the VXLAN tunnel key for remote (network order). Returns 0 or <0. */
static __always_inline int tn_tunnel_key_set(struct __sk_buff *skb, __u32 vni, __be32 remote)
{
	struct bpf_tunnel_key key = {};

	key.remote_ipv4 = bpf_ntohl(remote);
	key.tunnel_id = vni;
	key.tunnel_ttl = TN_TUNNEL_TTL;
	return bpf_skb_set_tunnel_key(skb, &key, sizeof(key), BPF_F_ZERO_CSUM_TX);
}

/* Into the VM behind the host-side veth ifindex (ingress of its peer),
 * counted against the port's slot. */
static __always_inline int tn_deliver_local(struct __sk_buff *skb, __u32 ifindex, __u32 slot,
					    __u32 vni)
{
	tn_stat_inc(TN_STAT_TX_LOCAL);
	tn_port_count(slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT_PEER, TN_STAT_TX_LOCAL, ifindex, 0, vni);
	return bpf_redirect_peer(ifindex, 0);
}

/* Into the VM behind the host-side veth ifindex through the veth's
 * transmit (which sets skb->protocol from the frame), counted against the
 * port's slot: for frames whose skb->protocol is not their own. */
static __always_inline int tn_deliver_local_xmit(struct __sk_buff *skb, __u32 ifindex, __u32 slot,
						 __u32 vni)
{
	tn_stat_inc(TN_STAT_TX_LOCAL);
	tn_port_count(slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_TX_LOCAL, ifindex, 0, vni);
	return bpf_redirect(ifindex, 0);
}

/* To the host at remote (network order) through the tunnel device; drops
 * are counted against the ingress port's slot in_slot. */
static __always_inline int tn_deliver_remote(struct __sk_buff *skb, __u32 vni, __be32 remote,
					     __u32 in_slot)
{
	struct tn_config *cfg = tn_config_get();
	__u32 tun_ifindex;

	if (!cfg)
		return tn_drop(skb, TN_DROP_CONFIG, in_slot);
	tun_ifindex = cfg->tunnel_ifindex;
	if (!remote)
		return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
	if (tn_tunnel_key_set(skb, vni, remote) < 0)
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_TX_TUNNEL);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_TX_TUNNEL, tun_ifindex, remote, vni);
	return bpf_redirect(tun_ifindex, 0);
}

/* One copy out of ifindex's egress; in test mode only recorded. */
static __always_inline void tn_clone(struct __sk_buff *skb, __u32 ifindex, __be32 remote)
{
	if (tn_test_mode) {
		tn_trace_clone(ifindex, remote);
		return;
	}
	if (bpf_clone_redirect(skb, ifindex, 0))
		tn_stat_inc(TN_DROP_REDIRECT);
}

/* What the flood page callback needs; lives on tn_flood_frame's stack. */
struct tn_flood_ctx {
	struct __sk_buff *skb; /* the frame being replicated */
	__u32 vni;	       /* its network */
	__u32 in_ifindex;      /* ingress port, 0 from the tunnel */
	__u32 tun_ifindex;     /* tunnel device for remote copies, 0: none */
	__be32 local_ip4;      /* our underlay address, never a copy target */
	__u32 remote_pass;     /* 0: local copies, 1: remote copies */
	__u32 config_counted;  /* TN_DROP_CONFIG already counted */
};

/* Copies to the page's local ports except in_ifindex. */
static __always_inline void tn_flood_local(struct __sk_buff *skb, const struct tn_flood *fl,
					   __u32 in_ifindex)
{
	__u32 i, n = fl->n_local, oif;

	for (i = 0; i < TN_MAX_FLOOD_LOCAL; i++) {
		if (i >= n)
			break;
		oif = fl->local_ifindex[i];
		if (!oif || oif == in_ifindex)
			continue;
		tn_port_count(fl->local_slot[i], TN_PORT_TX, skb->len);
		tn_clone(skb, oif, 0);
	}
}

/*
 * Copies to the page's hosts but ours. Runs after every local copy: the
 * tunnel key it sets stays on the skb.
 */
static __always_inline void tn_flood_remote(struct tn_flood_ctx *fc, const struct tn_flood *fl)
{
	struct __sk_buff *skb = fc->skb;
	__u32 i, n = fl->n_remote;
	__be32 remote;

	if (!n)
		return;
	if (!fc->tun_ifindex) {
		if (!fc->config_counted)
			tn_stat_inc(TN_DROP_CONFIG);
		fc->config_counted = 1;
		return;
	}
	for (i = 0; i < TN_MAX_FLOOD_REMOTE; i++) {
		if (i >= n)
			break;
		remote = fl->remote_ip4[i];
		if (!remote || remote == fc->local_ip4)
			continue;
		if (tn_tunnel_key_set(skb, fc->vni, remote) < 0) {
			tn_stat_inc(TN_DROP_REDIRECT);
			continue;
		}
		tn_clone(skb, fc->tun_ifindex, remote);
	}
}

/* bpf_loop callback: the copies of flood page `page`; 1 (stop) when the
 * page is missing, pages being dense from 0. */
static long tn_flood_page(__u64 page, void *arg)
{
	struct tn_flood_ctx *fc = arg;
	struct tn_flood_key key = {.vni = fc->vni, .page = (__u32)page};
	struct tn_flood *fl = bpf_map_lookup_elem(&tn_flood, &key);

	if (!fl)
		return 1;
	if (fc->remote_pass)
		tn_flood_remote(fc, fl);
	else
		tn_flood_local(fc->skb, fl, fc->in_ifindex);
	return 0;
}

/*
 * Head-end replication of a broadcast, multicast or unknown-unicast frame
 * of network vni from in_ifindex with slot in_slot (0, 0: from the tunnel,
 * no remote copies), sent by a port of identity ident (0: none or not
 * enforced): one pass over the pages for the local copies, one for the
 * remote ones. The local copies carry the flood mark and ident in skb->cb
 * (ctx.h), so tn_vif_egress on each receiving port's interface checks
 * that port's ingress rules. The original is always shot: TN_STAT_FLOOD,
 * or TN_DROP_NO_FDB when the network has no flood list (no page 0).
 */
static __always_inline int tn_flood_frame(struct __sk_buff *skb, __u32 vni, __u32 in_ifindex,
					  __u32 in_slot, __u32 ident)
{
	struct tn_flood_ctx fc = {.skb = skb, .vni = vni, .in_ifindex = in_ifindex};
	struct tn_config *cfg;

	tn_ctx_set_flood(skb, ident);

	/* returns the calls made: 1 when page 0 is missing (it stops there) */
	if (bpf_loop(TN_MAX_FLOOD_PAGES, tn_flood_page, &fc, 0) <= 1)
		return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
	if (in_ifindex) {
		cfg = tn_config_get();
		if (cfg) {
			fc.tun_ifindex = cfg->tunnel_ifindex;
			fc.local_ip4 = cfg->local_ip4;
		}
		fc.remote_pass = 1;
		bpf_loop(TN_MAX_FLOOD_PAGES, tn_flood_page, &fc, 0);
	}
	tn_stat_inc(TN_STAT_FLOOD);
	tn_trace_set(TN_TRACE_FLOOD, TN_STAT_FLOOD, 0, 0, vni);
	return TC_ACT_SHOT;
}

/* Records an FDB lookup of (vni, mac) and what it found in the current
 * trace step (test mode only). */
static __always_inline void tn_trace_fdb(__u32 stage, __u32 vni, const __u8 *mac,
					 const struct tn_fdb *fdb)
{
	struct tn_trace_step *st;

	if (!tn_test_mode) /* first: nothing of the below is computed in production */
		return;
	st = tn_trace_step(stage, TN_TKEY_FDB, fdb != NULL, vni);
	if (!st)
		return;
	__builtin_memcpy(st->mac, mac, 6);
	if (!fdb)
		return;
	st->port_id = fdb->port_id;
	st->ifindex = fdb->ifindex;
	st->slot = fdb->slot;
	st->ip4 = fdb->remote_ip4;
	st->flags = fdb->flags;
}

/* Records the ARP responder's lookup of key and what it found. */
static __always_inline void tn_trace_arp(const struct tn_arp_key *key, const struct tn_arp *ent)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_ARP, TN_TKEY_ARP, ent != NULL, key->vni);
	if (!st)
		return;
	st->ip4 = key->ip4;
	if (!ent)
		return;
	st->port_id = ent->port_id;
	__builtin_memcpy(st->mac, ent->mac, 6);
}

/* Records a tunnel entry's (stage's) admission of remote for vni: found
 * when it may send there, else whether it is enrolled (tn_peer). */
static __always_inline void tn_trace_peer(__u32 stage, __u32 vni, __be32 remote, bool found)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(stage, TN_TKEY_PEER, found, vni);
	if (st)
		st->ip4 = remote;
}

/*
 * The route of router rkey to ip4 (NULL: none) and, in *nb, the tn_arp
 * entry of where it leads: a static route's next hop, or ip4 itself in a
 * connected subnet (NULL: no such address). The router's forwarding
 * (nf/l3_fwd.h) and the receiving host's check of a routed source
 * (nf/tun_src.h) look the same way.
 */
static __always_inline struct tn_route4 *tn_route_lookup(__u32 rkey, __be32 ip4, struct tn_arp **nb)
{
	struct tn_route4_key rk = {.prefixlen = 64, .router_key = bpf_htonl(rkey), .ip4 = ip4};
	struct tn_arp_key ak = {};
	struct tn_route4 *rt = bpf_map_lookup_elem(&tn_route4, &rk);

	*nb = NULL;
	if (!rt)
		return NULL;
	ak.vni = rt->vni;
	ak.ip4 = rt->nh_ip4 ? rt->nh_ip4 : ip4;
	*nb = bpf_map_lookup_elem(&tn_arp, &ak);
	return rt;
}

/*
 * The IPv6 route of router rkey to ip6 (NULL: none) and, in *nb, the tn_nd
 * entry of where it leads: a static route's next hop, or ip6 itself in a
 * connected subnet (NULL: no such address). As tn_route_lookup, for the
 * router (nf/l3_fwd6.h) and the receiving host's check (nf/tun_src.h).
 */
static __always_inline struct tn_route6 *tn_route6_lookup(__u32 rkey, const __u8 *ip6,
							  struct tn_nd **nb)
{
	struct tn_route6_key rk = {.prefixlen = 32 + 128, .router_key = bpf_htonl(rkey)};
	struct tn_nd_key nk = {};
	struct tn_route6 *rt;
	__u8 nh[16];

	__builtin_memcpy(rk.ip6, ip6, 16);
	*nb = NULL;
	rt = bpf_map_lookup_elem(&tn_route6, &rk);
	if (!rt)
		return NULL;
	__builtin_memcpy(nh, rt->nh_ip6, 16);
	nk.vni = rt->vni;
	__builtin_memcpy(nk.ip6, tn_ip6_is_any(nh) ? ip6 : nh, 16);
	*nb = bpf_map_lookup_elem(&tn_nd, &nk);
	return rt;
}

/* Unicast lookup of (vni, dst). NULL when unknown. */
static __always_inline struct tn_fdb *tn_fdb_lookup(__u32 vni, const __u8 *dst)
{
	struct tn_fdb_key key = {.vni = vni};

	tn_mac_copy(key.mac, dst);
	return bpf_map_lookup_elem(&tn_fdb, &key);
}

#endif /* TN_BPF_FWD_H */
