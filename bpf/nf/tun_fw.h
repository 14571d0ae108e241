/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tun_fw.h - network function "security groups" on the tunnel path
 * (program tn_tun_fw, slot TN_TUN_SLOT_FW): tn_tun_deliver hands it a
 * frame (but ARP) for a local port whose groups are enforced (its
 * ifindex in cb[TN_CB_TUN_DST]); the port's ingress rules are checked
 * with the source identity tn_tun_src verified (ctx.h), then the frame is
 * delivered as tn_tun_deliver would have. Drops count against the
 * receiving port. Included by tunnel.bpf.c after the program array
 * tn_tun_calls.
 */
#ifndef TN_NF_TUN_FW_H
#define TN_NF_TUN_FW_H

#include "ctx.h"
#include "fwd.h"
#include "sg.h"

SEC("tcx/ingress")
int tn_tun_fw(struct __sk_buff *skb)
{
	__u32 ifindex = skb->cb[TN_CB_TUN_DST], remote = tn_ctx_tun_identity(skb);
	__u32 vni = tn_ctx_vni(skb), reason;
	struct tn_ifindex_key key = {.ifindex = ifindex};
	struct tn_ifport *port;
	struct tn_sg_port p;
	__be16 proto = 0;

	skb->cb[TN_CB_TUN_DST] = 0;
	port = bpf_map_lookup_elem(&tn_ifindex, &key);
	if (!port)
		return tn_drop(skb, TN_DROP_NO_FDB, 0);
	p.port_id = port->port_id;
	p.identity = port->identity;
	p.slot = port->slot;
	bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto));
	if (p.identity) {
		reason = tn_sg_check(skb, proto, &p, TN_SG_INGRESS, remote);
		if (reason) {
			skb->cb[TN_CB_TUN_DST] = p.port_id; /* the drop monitor's port */
			return tn_drop(skb, reason, p.slot);
		}
	}
	if (tn_ctx_tun_flags(skb) & TN_TUN_F_NO_PEER)
		return tn_deliver_local_xmit(skb, ifindex, p.slot, vni);
	return tn_deliver_local(skb, ifindex, p.slot, vni);
}

#endif /* TN_NF_TUN_FW_H */
