/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * arp_resp.h - network function "ARP responder" (program tn_arp_resp, slot
 * TN_VIF_SLOT_ARP), reached for every ARP frame from a port. A request for
 * an address in tn_arp of the port's network is turned into the reply in
 * place and sent back out of the port; anything else goes on to L2. A
 * request whose answer would be the asker's own MAC (duplicate address
 * probe, gratuitous ARP) is not answered. Included by vif.bpf.c after the
 * program array tn_vif_calls.
 */
#ifndef TN_NF_ARP_RESP_H
#define TN_NF_ARP_RESP_H

#include "ctx.h"
#include "fwd.h"
#include "slots.h"

/* Rewrites the request into the reply from mac (RFC 826). */
static __always_inline void tn_arp_reply_build(struct ethhdr *eth, struct tn_arphdr *arp,
					       const __u8 *mac)
{
	__u8 tpa[4];

	tn_mac_copy(eth->h_dest, eth->h_source);
	tn_mac_copy(eth->h_source, mac);
	arp->op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(tpa, arp->tpa, 4);
	tn_mac_copy(arp->tha, arp->sha);
	__builtin_memcpy(arp->tpa, arp->spa, 4);
	tn_mac_copy(arp->sha, mac);
	__builtin_memcpy(arp->spa, tpa, 4);
}

SEC("tcx/ingress")
int tn_arp_resp(struct __sk_buff *skb)
{
	struct tn_arp_key key = { .vni = tn_ctx_vni(skb) };
	__u32 ifindex = skb->ifindex, in_slot = tn_ctx_in_slot(skb);
	struct tn_arphdr *arp;
	struct ethhdr *eth;
	struct tn_arp *ent;

	arp = tn_arp_hdr(skb);
	eth = tn_eth(skb);
	if (!arp || !eth)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	if (!tn_arp_is_eth_ip4(arp) || arp->op != bpf_htons(ARPOP_REQUEST))
		goto out_l2;
	key.ip4 = tn_ip4_load(arp->tpa);
	ent = bpf_map_lookup_elem(&tn_arp, &key);
	tn_trace_arp(&key, ent);
	if (!ent || tn_mac_eq(ent->mac, arp->sha))
		goto out_l2;
	tn_arp_reply_build(eth, arp, ent->mac);
	tn_stat_inc(TN_STAT_ARP_REPLY);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_ARP_REPLY, ifindex, 0, key.vni);
	return bpf_redirect(ifindex, 0);
out_l2:
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

#endif /* TN_NF_ARP_RESP_H */
