/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * geneve_encap.h - network function "Geneve encapsulation in BPF" (program
 * tn_geneve_encap, slot TN_VIF_SLOT_GENEVE). tn_l2_fwd sends a unicast IPv4
 * frame here instead of to tn_encap when the destination's FDB row says
 * TN_FDB_F_GENEVE (and the host runs back end (b)). As tn_encap, with the
 * Geneve header (geneve.h) in place of VXLAN's and one option carrying the
 * identity of the port the frame came from: tn_ifindex of the ingress
 * interface (skb->ifindex: still the sending VM's port after routing, so a
 * routed frame claims its original sender's identity). A frame that cannot
 * be encapsulated is TN_DROP_ENCAP. Included by vif.bpf.c after encap.h.
 *
 * A frame the kernel still marks as encapsulated (encap.h: a frame a port
 * forwards after a decapsulation) cannot be pushed, and no kernel device
 * speaks Geneve here: it goes by VXLAN out of the collect_md device, as an
 * IPv6 frame does, and the receiving host takes the sender's identity from
 * its FDB row instead of the option.
 */
#ifndef TN_NF_GENEVE_ENCAP_H
#define TN_NF_GENEVE_ENCAP_H

#include "ctx.h"
#include "encap.h"
#include "fwd.h"
#include "geneve.h"

/* The identity of the port at ifindex, 0 when none. */
static __always_inline __u32 tn_geneve_identity(__u32 ifindex)
{
	struct tn_ifindex_key key = {.ifindex = ifindex};
	struct tn_ifport *port = bpf_map_lookup_elem(&tn_ifindex, &key);

	return port ? port->identity & TN_VNI_MASK : 0;
}

SEC("tcx/ingress")
int tn_geneve_encap(struct __sk_buff *skb)
{
	__u32 vni = tn_ctx_vni(skb), in_slot = tn_ctx_in_slot(skb), hash, oif, identity;
	__be32 remote = tn_ctx_remote(skb);
	struct tn_geneve_hdrs h = {};
	struct tn_config *cfg;
	struct tn_nh *nh;

	cfg = tn_config_get();
	if (!cfg || !cfg->underlay_ifindex)
		return tn_drop(skb, TN_DROP_CONFIG, in_slot);
	oif = cfg->underlay_ifindex;
	if (bpf_skb_load_bytes(skb, 0, &h.inner, sizeof(h.inner)))
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	identity = tn_geneve_identity(skb->ifindex);
	nh = tn_encap_nh(skb, remote, vni, &hash);
	if (nh)
		tn_mac_copy(h.eth.h_dest, nh->mac);
	if (bpf_skb_adjust_room(skb, TN_GENEVE_ROOM, BPF_ADJ_ROOM_MAC, TN_GENEVE_ENCAP_FLAGS))
		return tn_deliver_remote(skb, vni, remote, in_slot); /* marked: see above */
	tn_geneve_build(&h, skb->len, vni, cfg->local_ip4, remote, cfg->underlay_mac, hash,
			identity);
	if (bpf_skb_store_bytes(skb, 0, &h, sizeof(h), 0))
		return tn_drop(skb, TN_DROP_ENCAP, in_slot);
	return tn_encap_xmit(nh != NULL, oif, remote, vni);
}

#endif /* TN_NF_GENEVE_ENCAP_H */
