/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flood_in.h - network function "ingress rules of flooded copies" (program
 * tn_vif_egress, tc egress of every port's host-side interface: the way
 * into the VM). Head-end replication (fwd.h, tn_flood_frame) makes a copy
 * for each local port with bpf_clone_redirect to that interface's egress,
 * which runs this hook; the copy carries the flood mark and the sender's
 * identity in skb->cb (ctx.h). Here the receiving port's ingress rules and
 * conntrack (lib/sg.h) judge it, as tn_fw_in and tn_tun_fw judge a unicast
 * frame, the sender being the other end. Anything else leaving through the
 * interface (a unicast frame delivered through the veth, what the
 * responders send back to the port) carries no mark and goes on untouched:
 * unicast frames delivered with bpf_redirect_peer never pass here. Drops
 * count against the receiving port. Included by vif.bpf.c after nf/fw.h.
 */
#ifndef TN_NF_FLOOD_IN_H
#define TN_NF_FLOOD_IN_H

#include "ctx.h"
#include "sg.h"

/* The ingress check of the flooded copy skb on the port of its interface.
 * Returns TCX_NEXT (deliver) or TC_ACT_SHOT (dropped, counted). */
static __always_inline int tn_flood_in(struct __sk_buff *skb)
{
	struct tn_ifindex_key key = {.ifindex = skb->ifindex};
	__u32 remote = skb->cb[TN_CB_FLOOD_IDENT], reason;
	struct tn_ifport *port;
	struct tn_sg_port p;

	tn_ctx_clear_flood(skb);
	port = bpf_map_lookup_elem(&tn_ifindex, &key);
	if (!port) /* a flood list naming an interface that is no port (any more) */
		return tn_drop(skb, TN_DROP_NO_PORT, 0);
	if (!port->identity)
		return TCX_NEXT;
	p.port_id = port->port_id;
	p.identity = port->identity;
	p.slot = port->slot;
	reason = tn_sg_check(skb, tn_fw_proto(skb), &p, TN_SG_INGRESS, remote);
	if (reason) {
		skb->cb[TN_CB_PORT_ID] = p.port_id; /* the drop monitor's port */
		return tn_drop(skb, reason, p.slot);
	}
	return TCX_NEXT;
}

#endif /* TN_NF_FLOOD_IN_H */
