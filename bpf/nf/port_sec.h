/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * port_sec.h - network function "port security" (program tn_port_sec,
 * slot TN_VIF_SLOT_PORT_SEC), reached only for ports with
 * TN_LPORT_F_PORT_SECURITY. The source MAC must be the port's; an IPv4
 * source and an ARP sender must be the port's address or 0.0.0.0 (DHCP,
 * ARP probes) when the port has one. Every violation is TN_DROP_SPOOF_MAC
 * (the ABI has one anti-spoof reason). VLAN-tagged frames, which would
 * carry their IP and ARP past these checks, are TN_DROP_MALFORMED (as OVN's
 * port security drops them). IPv6 frames are dropped as TN_DROP_SPOOF_MAC:
 * there is no IPv6 source or ND (NA target / SLLA) check yet, so an IPv6
 * frame's source cannot be verified and must not pass; the reason is the
 * anti-spoof one (the frame is well formed, its source is unproven), no new
 * ABI reason. Ports without port security are not affected. Included by
 * vif.bpf.c after the program array tn_vif_calls.
 */
#ifndef TN_NF_PORT_SEC_H
#define TN_NF_PORT_SEC_H

#include "ctx.h"
#include "fwd.h"
#include "slots.h"

/* True when src may be sent by port: its address, 0.0.0.0, or any if none. */
static __always_inline bool tn_port_ip4_ok(const struct tn_ifport *port, __be32 src)
{
	return !port->ip4 || !src || src == port->ip4;
}

/* 0 when the frame passes, else the TN_DROP_* reason. */
static __always_inline __u32 tn_port_sec_check(struct __sk_buff *skb,
					       const struct tn_ifport *port)
{
	struct ethhdr *eth = tn_eth(skb);
	struct tn_arphdr *arp;
	struct iphdr *ip;
	__be16 proto;

	if (!eth)
		return TN_DROP_MALFORMED;
	if (!tn_mac_eq(eth->h_source, port->mac))
		return TN_DROP_SPOOF_MAC;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_IP)) {
		ip = tn_ip4_hdr(skb);
		if (!ip)
			return TN_DROP_MALFORMED;
		if (!tn_port_ip4_ok(port, ip->saddr))
			return TN_DROP_SPOOF_MAC;
	} else if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		return TN_DROP_MALFORMED;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		return TN_DROP_SPOOF_MAC; /* no IPv6/ND source check yet */
	} else if (proto == bpf_htons(ETH_P_ARP)) {
		arp = tn_arp_hdr(skb);
		if (!arp || !tn_arp_is_eth_ip4(arp))
			return TN_DROP_MALFORMED;
		if (!tn_mac_eq(arp->sha, port->mac) ||
		    !tn_port_ip4_ok(port, tn_ip4_load(arp->spa)))
			return TN_DROP_SPOOF_MAC;
	}
	return 0;
}

SEC("tcx/ingress")
int tn_port_sec(struct __sk_buff *skb)
{
	__u32 in_slot = tn_ctx_in_slot(skb), reason;
	struct tn_ifport port;
	struct ethhdr *eth;

	tn_ctx_port(skb, &port); /* tn_vif_ingress found it */
	reason = tn_port_sec_check(skb, &port);
	if (reason)
		return tn_drop(skb, reason, in_slot);
	eth = tn_eth(skb);
	if (eth && eth->h_proto == bpf_htons(ETH_P_ARP))
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_ARP);
	else
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

#endif /* TN_NF_PORT_SEC_H */
