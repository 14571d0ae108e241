// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vif.bpf.c - attach point "VIF ingress": tc ingress of the host-side veth
 * of a VM port (packets from the VM). The entry program tn_vif_ingress finds
 * the port by ifindex, stores the packet context and the port in skb->cb
 * (ctx.h: the later stages look nothing up again) and
 * chains the network functions through tn_vif_calls:
 *
 *   tn_vif_ingress -> [tn_port_sec] -> [tn_arp_resp if ARP] -> tn_l2_fwd
 *                                   [tn_nd_resp if NS]     -> [tn_encap: back end (b)]
 *                                                             [tn_geneve_encap: Geneve rows]
 *                                 [to a router MAC: tn_l2_fwd -> tn_l3_fwd (IPv6:
 *                                  tn_l3_fwd6) -> tn_l2_fwd of the destination network]
 *             [a DHCP client's request: (tn_port_sec ->) tn_dhcp4, answered to the port]
 *             [IPv6: a router solicitation -> tn_ra6, a DHCPv6 request -> tn_dhcp6_srv,
 *              answered to the port]
 *   [IPv4/IPv6 with security groups: tn_l2_fwd -> tn_fw (egress) -> tn_fw_in (ingress of a
 *    local port), tn_fw_remote (another host) or back to tn_l2_fwd (flooded) (nf/fw.h)]
 *   [a migrating port (nf/migrate.h): tn_vif_ingress or tn_port_sec -> tn_mig_vif
 *    (activation) -> ...; to one: tn_l2_fwd [-> tn_fw] -> tn_mig_vif -> the local port,
 *    the source host, or both]
 *
 * tn_vif_egress, on the tc egress of the same interfaces, checks the
 * receiving port's ingress rules on the copies flooding makes
 * (nf/flood_in.h).
 *
 * tn_vif_calls is filled by libbpf from its initialiser at load time.
 */
#include "common.h"
#include "ctx.h"
#include "maps.h"
#include "slots.h"
#include "verdict.h"

int tn_port_sec(struct __sk_buff *skb);
int tn_arp_resp(struct __sk_buff *skb);
int tn_l2_fwd(struct __sk_buff *skb);
int tn_encap(struct __sk_buff *skb);
int tn_l3_fwd(struct __sk_buff *skb);
int tn_dhcp4(struct __sk_buff *skb);
int tn_nd_resp(struct __sk_buff *skb);
int tn_ra6(struct __sk_buff *skb);
int tn_dhcp6_srv(struct __sk_buff *skb);
int tn_geneve_encap(struct __sk_buff *skb);
int tn_l3_fwd6(struct __sk_buff *skb);
int tn_fw(struct __sk_buff *skb);
int tn_fw_in(struct __sk_buff *skb);
int tn_mig_vif(struct __sk_buff *skb);
int tn_fw_remote(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, TN_VIF_SLOT_MAX);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} tn_vif_calls SEC(".maps") = {
    .values =
	{
	    [TN_VIF_SLOT_PORT_SEC] = (void *)&tn_port_sec,
	    [TN_VIF_SLOT_ARP] = (void *)&tn_arp_resp,
	    [TN_VIF_SLOT_L2] = (void *)&tn_l2_fwd,
	    [TN_VIF_SLOT_ENCAP] = (void *)&tn_encap,
	    [TN_VIF_SLOT_L3] = (void *)&tn_l3_fwd,
	    [TN_VIF_SLOT_DHCP] = (void *)&tn_dhcp4,
	    [TN_VIF_SLOT_ND] = (void *)&tn_nd_resp,
	    [TN_VIF_SLOT_RA] = (void *)&tn_ra6,
	    [TN_VIF_SLOT_DHCP6] = (void *)&tn_dhcp6_srv,
	    [TN_VIF_SLOT_GENEVE] = (void *)&tn_geneve_encap,
	    [TN_VIF_SLOT_L3_6] = (void *)&tn_l3_fwd6,
	    [TN_VIF_SLOT_FW] = (void *)&tn_fw,
	    [TN_VIF_SLOT_FW_IN] = (void *)&tn_fw_in,
	    [TN_VIF_SLOT_MIGRATE] = (void *)&tn_mig_vif,
	    [TN_VIF_SLOT_FW_REMOTE] = (void *)&tn_fw_remote,
	},
};

#include "nf/dhcp.h"
#include "nf/dhcp6.h"
#include "nf/port_sec.h"
#include "nf/arp_resp.h"
#include "nf/l2_fwd.h"
#include "nf/encap.h"
#include "nf/geneve_encap.h"
#include "nf/l3_fwd.h"
#include "nf/nd_resp.h"
#include "nf/ra.h"
#include "nf/l3_fwd6.h"
#include "nf/fw.h"
#include "nf/migrate.h"
#include "nf/flood_in.h"

SEC("tcx/ingress")
int tn_vif_ingress(struct __sk_buff *skb)
{
	struct tn_ifindex_key key = {.ifindex = skb->ifindex};
	struct tn_ifport *port;
	struct ethhdr *eth;
	__be16 proto;
	__u32 slot;

	tn_stat_inc(TN_STAT_RX_VIF);
	eth = tn_eth(skb);
	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, 0);
	port = bpf_map_lookup_elem(&tn_ifindex, &key);
	tn_trace_port(TN_STAGE_VIF, TN_TKEY_IFINDEX, port, key.ifindex);
	if (!port)
		return tn_drop(skb, TN_DROP_NO_PORT, 0);
	tn_port_count(port->slot, TN_PORT_RX, skb->len);
	tn_ctx_set_port(skb, port);
	proto = eth->h_proto;
	slot = port->slot;
	if (port->flags & TN_LPORT_F_PORT_SECURITY)
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_PORT_SEC);
	else if (port->flags & TN_LPORT_F_MIGRATING)
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_MIGRATE);
	else
		tn_vif_next(skb, proto);
	return tn_drop(skb, TN_DROP_TAIL_CALL, slot);
}

/*
 * Attach point "VIF egress": tc egress of the same interface (towards the
 * VM). Only flooded copies are looked at (nf/flood_in.h): the receiving
 * port's ingress rules; the rest costs the test of the mark.
 */
SEC("tcx/egress")
int tn_vif_egress(struct __sk_buff *skb)
{
	if (!tn_ctx_is_flood(skb))
		return TCX_NEXT;
	return tn_flood_in(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
