/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * migrate.h - network function "live migration" on the VIF path (program
 * tn_mig_vif, slot TN_VIF_SLOT_MIGRATE; tenet_abi.h, "Live migration").
 * Only ports with a tn_migrate row reach it (the agent marks them), in two
 * roles:
 *
 *  - from a migrating port (TN_CTX_F_MIGRATING; from tn_vif_ingress, or
 *    from tn_port_sec once the frame passed its checks): a port in standby
 *    here whose generation is not active yet is activated (lib/migration.h:
 *    tn_mig_active and an event for the agent) by whatever frame it sends
 *    first, a gratuitous ARP, a RARP or data; a RARP (what QEMU announces
 *    a migrated guest with) is then counted (TN_STAT_MIG_RARP) and taken;
 *    every other frame goes on as from any port (tn_vif_next).
 *  - to a local port that migrates (TN_CTX_F_MIG_DST; from tn_l2_fwd, or
 *    from tn_fw once the sender's egress rules passed): in standby and not
 *    active, to the source host (tn_l2_remote: back end (a) or (b), VXLAN
 *    or Geneve as the row says; TN_STAT_MIG_TO_SOURCE); active, here; on
 *    the source, a copy to the destination (lib/migration.h) and the frame
 *    here while the port's interface is (else only to the destination).
 *    Delivery here goes through the port's ingress rules when enforced
 *    (tn_fw_in), as tn_l2_fwd would have sent it.
 *
 * Included by vif.bpf.c after nf/port_sec.h, nf/l2_fwd.h and nf/fw.h.
 */
#ifndef TN_NF_MIGRATE_H
#define TN_NF_MIGRATE_H

#include "ctx.h"
#include "fwd.h"
#include "migration.h"
#include "slots.h"

/* A frame from the migrating port of skb->cb. */
static __always_inline int tn_mig_from_port(struct __sk_buff *skb)
{
	__u32 port_id = skb->cb[TN_CB_PORT_ID], in_slot = tn_ctx_in_slot(skb);
	struct tn_migrate *mig = tn_mig_get(port_id);
	struct ethhdr *eth;
	__be16 proto;

	if (mig && (mig->flags & TN_MIG_F_STANDBY) && !tn_mig_is_active(port_id, mig))
		tn_mig_activate(port_id, mig);
	eth = tn_eth(skb);
	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_RARP)) {
		tn_stat_inc(TN_STAT_MIG_RARP);
		tn_trace_set(TN_TRACE_DROP, TN_STAT_MIG_RARP, 0, 0, tn_ctx_vni(skb));
		return TC_ACT_SHOT;
	}
	tn_vif_next(skb, proto);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

/* Into the local port of fdb, through its ingress rules when enforced
 * (ident: the sender's identity, 0 when its groups are not enforced). */
static __always_inline int tn_mig_here(struct __sk_buff *skb, const struct tn_fdb *fdb, __u32 ident,
				       __u32 vni, __u32 in_slot, __be16 proto)
{
	if (!fdb->ifindex)
		return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
	if (fdb->identity && tn_l2_sg_proto(proto)) {
		tn_ctx_set_fw(skb, ident, fdb->ifindex, fdb->slot, true);
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_FW_IN);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	return tn_deliver_local(skb, fdb->ifindex, fdb->slot, vni);
}

/* A frame to a local port that migrates; the sender's egress rules, if
 * enforced, passed (its identity in cb[TN_CB_FW_IDENT], else 0). */
static __always_inline int tn_mig_to_port(struct __sk_buff *skb)
{
	__u32 vni = tn_ctx_vni(skb), in_slot = tn_ctx_in_slot(skb), ident = tn_ctx_fw_ident(skb);
	struct ethhdr *eth = tn_eth(skb);
	struct tn_migrate *mig;
	struct tn_fdb *fdb;
	__be16 proto;
	bool geneve;

	skb->cb[TN_CB_VNI] &= ~TN_CTX_F_MIG_DST;
	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	proto = eth->h_proto;
	fdb = tn_fdb_lookup(vni, eth->h_dest);
	if (!fdb || !(fdb->flags & TN_FDB_F_LOCAL))
		return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
	mig = tn_mig_get(fdb->port_id);
	if (!mig) /* the row went before the agent cleared the mark */
		return tn_mig_here(skb, fdb, ident, vni, in_slot, proto);
	geneve = mig->flags & TN_MIG_F_GENEVE;
	if (mig->flags & TN_MIG_F_STANDBY) {
		if (tn_mig_is_active(fdb->port_id, mig))
			return tn_mig_here(skb, fdb, ident, vni, in_slot, proto);
		tn_stat_inc(TN_STAT_MIG_TO_SOURCE);
		return tn_l2_remote(skb, vni, mig->peer_ip4, in_slot, proto, geneve);
	}
	if (!fdb->ifindex) { /* the source, the port's interface gone: only there */
		tn_stat_inc(TN_STAT_MIG_COPY);
		return tn_l2_remote(skb, vni, mig->peer_ip4, in_slot, proto, geneve);
	}
	tn_mig_copy(skb, vni, mig->peer_ip4);
	return tn_mig_here(skb, fdb, ident, vni, in_slot, proto);
}

SEC("tcx/ingress")
int tn_mig_vif(struct __sk_buff *skb)
{
	if (tn_ctx_flags(skb) & TN_CTX_F_MIG_DST)
		return tn_mig_to_port(skb);
	return tn_mig_from_port(skb);
}

#endif /* TN_NF_MIGRATE_H */
