/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * port_sec.h - network function "port security" (program tn_port_sec,
 * slot TN_VIF_SLOT_PORT_SEC), reached only for ports with
 * TN_LPORT_F_PORT_SECURITY. The frame must pass tn_src_check (src_check.h)
 * for the ingress port: source MAC the port's; an IPv4 source and an ARP
 * sender one of the port's fixed IPv4 addresses (the first is compared
 * directly, the others are found in tn_arp, which names each address's
 * port), or 0.0.0.0 for a DHCP client (UDP 68 -> 67, broadcast) and an ARP
 * probe; a port without IPv4 addresses sends no other IPv4. Each violation
 * has its own reason: TN_DROP_SPOOF_MAC (Ethernet source), TN_DROP_SPOOF_IP
 * (IPv4 source), TN_DROP_SPOOF_ARP (ARP sender). VLAN-tagged frames, which
 * would carry their IP and ARP past these checks, are TN_DROP_VLAN (as OVN's
 * port security drops them). IPv6 (tn_src_check_ip6): the source must be
 * the port's link-local address (EUI-64 from its MAC) or one of its fixed
 * IPv6 (tn_nd), or :: for a DAD probe to a solicited-node group, a router
 * solicitation or an MLD report, else TN_DROP_SPOOF_IP6; an NS, NA or RS
 * whose link-layer address option is not the port's MAC (or that carries
 * one from ::), or an NA whose target is not the port's, is
 * TN_DROP_SPOOF_ND; router advertisements and redirects are
 * TN_DROP_RA_GUARD; an extension header chain longer than TN_IP6_EXT_MAX or
 * a fragmented ND message is TN_DROP_IP6_EXT; a malformed ND option list is
 * TN_DROP_ND. Truncated headers are TN_DROP_MALFORMED. Ports without port
 * security are not affected. Then ARP goes to the ARP responder, a DHCP
 * client's request to the DHCP server (nf/dhcp.h), a neighbor solicitation
 * to the ND responder, a router solicitation to the RA responder (nf/ra.h),
 * a DHCPv6 request to the DHCPv6 server (nf/dhcp6.h), the rest to L2.
 * A migrating port's frame that passes goes to the migration stage first
 * (nf/migrate.h: activation; a RARP, which passes as any other ethertype,
 * is taken there). Included by vif.bpf.c after the program array
 * tn_vif_calls, nf/dhcp.h and nf/dhcp6.h.
 */
#ifndef TN_NF_PORT_SEC_H
#define TN_NF_PORT_SEC_H

#include "ctx.h"
#include "fwd.h"
#include "slots.h"
#include "src_check.h"

/*
 * The stage after port security for an IPv6 frame: right after the fixed
 * header, a neighbor solicitation to the ND responder, a router
 * solicitation to the RA responder (nf/ra.h), UDP to port 547 to the
 * DHCPv6 server (nf/dhcp6.h); the rest (and anything behind extension
 * headers) to L2. One load of the next header decides for everything but
 * ICMPv6 and UDP. Tail-calls: returns only when the call missed.
 */
static __always_inline void tn_vif_next6(struct __sk_buff *skb)
{
	__u8 nh, b[2];

	if (bpf_skb_load_bytes(skb, TN_IP6_OFF + 6, &nh, 1))
		nh = TN_IPPROTO_NONE;
	if (nh == TN_IPPROTO_ICMPV6 && !bpf_skb_load_bytes(skb, TN_IP6_L4_OFF, b, 1)) {
		if (b[0] == TN_ND_NS)
			bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_ND);
		else if (b[0] == TN_ND_RS)
			bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_RA);
	} else if (nh == TN_IPPROTO_UDP && !bpf_skb_load_bytes(skb, TN_IP6_L4_OFF + 2, b, 2) &&
		   b[0] == (TN_DHCP6_SERVER_PORT >> 8) && b[1] == (TN_DHCP6_SERVER_PORT & 0xff)) {
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_DHCP6);
	}
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
}

/*
 * The stage after port security (or for a port without it) for a frame of
 * ethertype proto: ARP to the ARP responder, a DHCP client's request to the
 * DHCP server, IPv6 to tn_vif_next6, the rest to L2. Tail-calls: returns
 * only when the call missed.
 */
static __always_inline void tn_vif_next(struct __sk_buff *skb, __be16 proto)
{
	if (proto == bpf_htons(ETH_P_ARP))
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_ARP);
	else if (proto == bpf_htons(ETH_P_IP) && tn_dhcp_is_client(skb))
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_DHCP);
	else if (proto == bpf_htons(ETH_P_IPV6))
		tn_vif_next6(skb);
	else
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
}

/* 0 when the frame passes, else the TN_DROP_* reason. */
static __always_inline __u32 tn_port_sec_check(struct __sk_buff *skb,
					       const struct tn_ifport *port)
{
	switch (tn_src_check(skb, port)) {
	case TN_SRC_OK:
		return 0;
	case TN_SRC_MAC:
		return TN_DROP_SPOOF_MAC;
	case TN_SRC_IP:
		return TN_DROP_SPOOF_IP;
	case TN_SRC_ARP:
		return TN_DROP_SPOOF_ARP;
	case TN_SRC_VLAN:
		return TN_DROP_VLAN;
	case TN_SRC_IP6:
		return TN_DROP_SPOOF_IP6;
	case TN_SRC_ND:
		return TN_DROP_SPOOF_ND;
	case TN_SRC_RA:
		return TN_DROP_RA_GUARD;
	case TN_SRC_IP6_EXT:
		return TN_DROP_IP6_EXT;
	case TN_SRC_ND_BAD:
		return TN_DROP_ND;
	default:
		return TN_DROP_MALFORMED;
	}
}

SEC("tcx/ingress")
int tn_port_sec(struct __sk_buff *skb)
{
	__u32 in_slot = tn_ctx_in_slot(skb), reason;
	struct tn_ifport port;
	struct ethhdr *eth;

	tn_ctx_port(skb, &port); /* tn_vif_ingress found it */
	tn_trace_port(TN_STAGE_PORT_SEC, TN_TKEY_PORT, &port, skb->ifindex);
	reason = tn_port_sec_check(skb, &port);
	if (reason)
		return tn_drop(skb, reason, in_slot);
	if (tn_ctx_flags(skb) & TN_CTX_F_MIGRATING) /* activation, RARP: nf/migrate.h */
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_MIGRATE);
	eth = tn_eth(skb);
	tn_vif_next(skb, eth ? eth->h_proto : 0);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

#endif /* TN_NF_PORT_SEC_H */
