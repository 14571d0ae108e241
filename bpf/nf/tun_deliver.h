/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tun_deliver.h - network function "tunnel delivery" (program
 * tn_tun_deliver, slot TN_TUN_SLOT_DELIVER): an inner frame of an admitted
 * VXLAN packet goes to the local port owning its destination MAC, or, if
 * broadcast/multicast, to every local port of the network (each copy
 * through that port's ingress rules, in tn_vif_egress). Frames for MACs
 * that are not local here are dropped (no re-replication to other hosts).
 * A non-IPv4 frame decapsulated in BPF (TN_TUN_F_NO_PEER) goes through the
 * port's veth rather than straight into its peer (ctx.h). A frame but ARP
 * for a port whose security groups are enforced goes through their ingress
 * check first (tn_tun_fw, nf/tun_fw.h). A frame for a local port that
 * migrates goes to tn_mig_tun (nf/tun_migrate.h).
 * Reached only after tn_tun_src accepted the inner source. Included by
 * tunnel.bpf.c.
 */
#ifndef TN_NF_TUN_DELIVER_H
#define TN_NF_TUN_DELIVER_H

#include "ctx.h"
#include "fwd.h"

/* Into the local port of fdb (a local row) in vni, for a frame of ethertype
 * proto: through its ingress groups first when enforced (but ARP). */
static __always_inline int tn_tun_to_port(struct __sk_buff *skb, const struct tn_fdb *fdb,
					  __u32 vni, __be16 proto)
{
	if (!fdb->ifindex)
		return tn_drop(skb, TN_DROP_NO_FDB, 0);
	if (fdb->identity && proto != bpf_htons(ETH_P_ARP)) {
		skb->cb[TN_CB_TUN_DST] = fdb->ifindex;
		bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_FW);
		return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
	}
	if (tn_ctx_tun_flags(skb) & TN_TUN_F_NO_PEER)
		return tn_deliver_local_xmit(skb, fdb->ifindex, fdb->slot, vni);
	return tn_deliver_local(skb, fdb->ifindex, fdb->slot, vni);
}

SEC("tcx/ingress")
int tn_tun_deliver(struct __sk_buff *skb)
{
	__u32 vni = tn_ctx_vni(skb);
	struct ethhdr *eth = tn_eth(skb);
	struct tn_fdb *fdb;

	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, 0);
	if (tn_mac_is_multicast(eth->h_dest))
		return tn_flood_frame(skb, vni, 0, 0, tn_ctx_tun_identity(skb));
	fdb = tn_fdb_lookup(vni, eth->h_dest);
	tn_trace_fdb(TN_STAGE_TUN_DELIVER, vni, eth->h_dest, fdb);
	if (!fdb || !(fdb->flags & TN_FDB_F_LOCAL))
		return tn_drop(skb, TN_DROP_NO_FDB, 0);
	if (fdb->flags & TN_FDB_F_MIGRATING) { /* nf/tun_migrate.h */
		bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_MIGRATE);
		return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
	}
	return tn_tun_to_port(skb, fdb, vni, eth->h_proto);
}

#endif /* TN_NF_TUN_DELIVER_H */
