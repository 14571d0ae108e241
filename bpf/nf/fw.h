/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fw.h - network function "security groups" on the VIF path (lib/sg.h):
 *
 *  - tn_fw (slot TN_VIF_SLOT_FW): the egress rules of the sending port.
 *    tn_l2_fwd hands it a frame (but ARP) from a port whose groups are
 *    enforced (TN_CTX_F_SG_SRC) once it knows where the frame goes (ctx.h:
 *    the destination and its identity). Passed, the frame goes on where
 *    tn_l2_fwd would have sent it: to tn_fw_in for a local port whose
 *    groups are enforced, into another local port, to another host
 *    (tn_fw_remote, slot TN_VIF_SLOT_FW_REMOTE: tn_l2_remote), or,
 *    broadcast / multicast / unknown unicast (checked with remote identity
 *    0), back to tn_l2_fwd to be flooded with the sender's identity in
 *    skb->cb (each copy meets its receiver's ingress rules in
 *    tn_vif_egress, nf/flood_in.h); a local port that migrates
 *    (TN_CTX_F_MIG_DST) to the migration stage (nf/migrate.h).
 *  - tn_fw_in (slot TN_VIF_SLOT_FW_IN): the ingress rules of a local
 *    destination whose groups are enforced, the other end being the
 *    sending port (its identity in ctx.h), then delivery. A connection
 *    between two ports of this host has an entry for each.
 *
 * Egress drops count against the sending port, ingress drops against the
 * receiving one. Included by vif.bpf.c after nf/l2_fwd.h.
 */
#ifndef TN_NF_FW_H
#define TN_NF_FW_H

#include "ctx.h"
#include "fwd.h"
#include "sg.h"
#include "slots.h"

/* The frame's ethertype (0 when too short: nothing to check). */
static __always_inline __be16 tn_fw_proto(struct __sk_buff *skb)
{
	__be16 proto = 0;

	bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto));
	return proto;
}

/*
 * The ingress check of the local port at ifindex for a frame whose sender
 * has identity remote, then its delivery (through the veth's transmit when
 * xmit). Drops count against that port (also in the drop monitor: its
 * port_id goes to cb[TN_CB_PORT_ID]).
 */
static __always_inline int tn_fw_deliver_in(struct __sk_buff *skb, __u32 ifindex, __u32 remote,
					    __u32 vni, bool xmit)
{
	struct tn_ifindex_key key = {.ifindex = ifindex};
	struct tn_sg_port p;
	struct tn_ifport *port;
	__u32 reason;

	port = bpf_map_lookup_elem(&tn_ifindex, &key);
	if (!port)
		return tn_drop(skb, TN_DROP_NO_FDB, tn_ctx_in_slot(skb));
	p.port_id = port->port_id;
	p.identity = port->identity;
	p.slot = port->slot;
	if (p.identity) {
		reason = tn_sg_check(skb, tn_fw_proto(skb), &p, TN_SG_INGRESS, remote);
		if (reason) {
			skb->cb[TN_CB_PORT_ID] = p.port_id;
			return tn_drop(skb, reason, p.slot);
		}
	}
	if (xmit)
		return tn_deliver_local_xmit(skb, ifindex, p.slot, vni);
	return tn_deliver_local(skb, ifindex, p.slot, vni);
}

SEC("tcx/ingress")
int tn_fw(struct __sk_buff *skb)
{
	__u32 in_slot = tn_ctx_in_slot(skb), remote = tn_ctx_fw_ident(skb),
	      dst = tn_ctx_fw_dst(skb);
	__u32 vni = tn_ctx_vni(skb), reason;
	struct tn_ifindex_key key = {.ifindex = skb->ifindex};
	struct tn_ifport *port;
	struct tn_sg_port p;

	port = bpf_map_lookup_elem(&tn_ifindex, &key);
	if (!port)
		return tn_drop(skb, TN_DROP_NO_PORT, in_slot);
	p.port_id = port->port_id;
	p.identity = port->identity;
	p.slot = port->slot;
	if (p.identity) {
		reason = tn_sg_check(skb, tn_fw_proto(skb), &p, TN_SG_EGRESS, remote);
		if (reason)
			return tn_drop(skb, reason, in_slot);
	}
	if (tn_ctx_flags(skb) & TN_CTX_F_DST_LOCAL) {
		if (tn_ctx_flags(skb) & TN_CTX_F_MIG_DST) { /* nf/migrate.h decides */
			tn_ctx_set_fw(skb, p.identity, dst, tn_ctx_fw_dst_slot(skb), true);
			bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_MIGRATE);
			return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
		}
		if (!remote)
			return tn_deliver_local(skb, dst, tn_ctx_fw_dst_slot(skb), vni);
		tn_ctx_set_fw(skb, p.identity, dst, 0, true);
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_FW_IN);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	if (!dst) { /* flooded: the copies carry the sender's identity (fwd.h) */
		tn_ctx_set_fw(skb, p.identity, 0, 0, false);
		tn_ctx_set_flag(skb, TN_CTX_F_FW_DONE);
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	/* tn_l2_remote (its MTU checks and ICMP errors) in a program of its
	 * own: with the check above it is over the verifier's 512 bytes of
	 * stack */
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_FW_REMOTE);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

SEC("tcx/ingress")
int tn_fw_remote(struct __sk_buff *skb)
{
	return tn_l2_remote(skb, tn_ctx_vni(skb), tn_ctx_fw_dst(skb), tn_ctx_in_slot(skb),
			    tn_fw_proto(skb), tn_ctx_flags(skb) & TN_CTX_F_GENEVE);
}

SEC("tcx/ingress")
int tn_fw_in(struct __sk_buff *skb)
{
	return tn_fw_deliver_in(skb, tn_ctx_fw_dst(skb), tn_ctx_fw_ident(skb), tn_ctx_vni(skb),
				false);
}

#endif /* TN_NF_FW_H */
