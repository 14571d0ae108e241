/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l2_fwd.h - network function "L2 forwarding" from a port (program
 * tn_l2_fwd, slot TN_VIF_SLOT_L2): (network, destination MAC) in tn_fdb
 * decides local port or remote host; broadcast, multicast and unknown
 * unicast are replicated to the network's flood list. A unicast IPv4
 * frame for another host goes to tn_encap when the host runs back end (b)
 * (TN_CONFIG_F_ENCAP_BPF), everything else for another host through the
 * vxlan device (back end (a)). A frame to a router interface's MAC
 * (TN_FDB_F_ROUTER) goes to the L3 stage of that router (tn_l3_fwd), which
 * comes back here in the destination network. Included by vif.bpf.c after
 * the program array tn_vif_calls.
 */
#ifndef TN_NF_L2_FWD_H
#define TN_NF_L2_FWD_H

#include "ctx.h"
#include "fwd.h"

/* To host remote: back end (b) for unicast IPv4 when configured, else (a). */
static __always_inline int tn_l2_remote(struct __sk_buff *skb, __u32 vni, __be32 remote,
					__u32 in_slot, __be16 proto)
{
	struct tn_config *cfg = tn_config_get();

	if (cfg && (cfg->flags & TN_CONFIG_F_ENCAP_BPF) && proto == bpf_htons(ETH_P_IP) && remote) {
		tn_ctx_set_encap(skb, remote);
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_ENCAP);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	return tn_deliver_remote(skb, vni, remote, in_slot);
}

SEC("tcx/ingress")
int tn_l2_fwd(struct __sk_buff *skb)
{
	__u32 vni = tn_ctx_vni(skb), ifindex = skb->ifindex, in_slot = tn_ctx_in_slot(skb);
	struct ethhdr *eth = tn_eth(skb);
	struct tn_fdb *fdb;

	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	/* one flood call site: each is verified with its bpf_loop callbacks */
	fdb = tn_mac_is_multicast(eth->h_dest) ? NULL : tn_fdb_lookup(vni, eth->h_dest);
	tn_trace_fdb(TN_STAGE_L2, vni, eth->h_dest, fdb);
	if (!fdb)
		return tn_flood_frame(skb, vni, ifindex, in_slot);
	if (fdb->flags & TN_FDB_F_LOCAL) {
		if (!fdb->ifindex)
			return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
		return tn_deliver_local(skb, fdb->ifindex, fdb->slot, vni);
	}
	if (fdb->flags & TN_FDB_F_REMOTE)
		return tn_l2_remote(skb, vni, fdb->remote_ip4, in_slot, eth->h_proto);
	if (fdb->flags & TN_FDB_F_ROUTER) {
		tn_ctx_set_router(skb, fdb->router_key, fdb->ip4);
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L3);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
}

#endif /* TN_NF_L2_FWD_H */
