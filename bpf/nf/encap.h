/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * encap.h - network function "VXLAN encapsulation in BPF" (program
 * tn_encap, slot TN_VIF_SLOT_ENCAP; back end (b)). tn_l2_fwd sends a unicast
 * IPv4 frame for a port on another host here (the remote host in skb->cb),
 * when tn_config has TN_CONFIG_F_ENCAP_BPF. It pushes the outer
 * Ethernet/IPv4/UDP/VXLAN headers with bpf_skb_adjust_room (vxlan.h: GSO
 * frames stay GSO frames, segmented by the underlay or its NIC), takes the
 * outer destination MAC from tn_nh and redirects to the underlay's egress;
 * without a tn_nh entry bpf_redirect_neigh lets the kernel route and resolve
 * it. A frame that cannot be encapsulated is TN_DROP_ENCAP. Included by
 * vif.bpf.c after the program array tn_vif_calls.
 *
 * The push is refused (-EALREADY) for an skb the kernel still marks as
 * encapsulated: a frame a port forwards (a router or any network function
 * in a VM) after this host's tc or a kernel tunnel decapsulated it — a
 * BPF decapsulation cannot clear the mark or the aggregate's tunnel GSO
 * type before Linux gains BPF_F_ADJ_ROOM_DECAP_L4_UDP. Such a frame goes
 * out of the collect_md device (back end (a), tn_deliver_remote), which
 * keeps the marks' inner offsets: they name the frame's own headers.
 */
#ifndef TN_NF_ENCAP_H
#define TN_NF_ENCAP_H

#include "ctx.h"
#include "fwd.h"
#include "vxlan.h"

/* Records the next-hop lookup of remote, what it found and the flow hash. */
static __always_inline void tn_trace_nh(__be32 remote, const struct tn_nh *nh, __u32 vni,
					__u32 hash)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_ENCAP, TN_TKEY_NH, nh != NULL, vni);
	if (!st)
		return;
	st->ip4 = remote;
	st->port_id = hash;
	if (nh)
		tn_mac_copy(st->mac, nh->mac);
}

/*
 * The underlay's next hop toward remote (NULL: the kernel's neighbour
 * table resolves it) and, in *hash, the inner flow's hash (as
 * udp_flow_src_port: the outer UDP source port); both traced.
 */
static __always_inline struct tn_nh *tn_encap_nh(struct __sk_buff *skb, __be32 remote, __u32 vni,
						 __u32 *hash)
{
	struct tn_nh_key nk = {.ip4 = remote};
	struct tn_nh *nh;

	*hash = bpf_get_hash_recalc(skb);
	nh = bpf_map_lookup_elem(&tn_nh, &nk);
	tn_trace_nh(remote, nh, vni, *hash);
	return nh;
}

/*
 * Counts the encapsulated frame and sends it out of the underlay device
 * oif: as it is when the next hop's MAC was known (have_nh), else through
 * the kernel's route and neighbour resolution. Returns the verdict.
 */
static __always_inline int tn_encap_xmit(bool have_nh, __u32 oif, __be32 remote, __u32 vni)
{
	tn_stat_inc(TN_STAT_TX_TUNNEL);
	if (have_nh) {
		tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_TX_TUNNEL, oif, remote, vni);
		return bpf_redirect(oif, 0);
	}
	tn_trace_set(TN_TRACE_REDIRECT_NEIGH, TN_STAT_TX_TUNNEL, oif, remote, vni);
	return bpf_redirect_neigh(oif, NULL, 0, 0);
}

SEC("tcx/ingress")
int tn_encap(struct __sk_buff *skb)
{
	__u32 vni = tn_ctx_vni(skb), in_slot = tn_ctx_in_slot(skb), hash, oif;
	__be32 remote = tn_ctx_remote(skb);
	struct tn_vxlan_hdrs h = {};
	struct tn_config *cfg;
	struct tn_nh *nh;

	cfg = tn_config_get();
	if (!cfg || !cfg->underlay_ifindex)
		return tn_drop(skb, TN_DROP_CONFIG, in_slot);
	oif = cfg->underlay_ifindex;
	if (bpf_skb_load_bytes(skb, 0, &h.inner, sizeof(h.inner)))
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	nh = tn_encap_nh(skb, remote, vni, &hash);
	if (nh)
		tn_mac_copy(h.eth.h_dest, nh->mac);
	if (bpf_skb_adjust_room(skb, TN_VXLAN_ROOM, BPF_ADJ_ROOM_MAC, TN_VXLAN_ENCAP_FLAGS))
		return tn_deliver_remote(skb, vni, remote, in_slot); /* marked: see above */
	tn_vxlan_build(&h, skb->len, vni, cfg->local_ip4, remote, cfg->underlay_mac, hash);
	if (bpf_skb_store_bytes(skb, 0, &h, sizeof(h), 0))
		return tn_drop(skb, TN_DROP_ENCAP, in_slot);
	return tn_encap_xmit(nh != NULL, oif, remote, vni);
}

#endif /* TN_NF_ENCAP_H */
