/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l2_fwd.h - network function "L2 forwarding" from a port (program
 * tn_l2_fwd, slot TN_VIF_SLOT_L2): (network, destination MAC) in tn_fdb
 * decides local port or remote host; broadcast, multicast and unknown
 * unicast are replicated to the network's flood list. A unicast IPv4
 * frame for another host goes to tn_encap when the host runs back end (b)
 * (TN_CONFIG_F_ENCAP_BPF), everything else for another host through the
 * vxlan device (back end (a)); a remote row flagged TN_FDB_F_GENEVE sends
 * unicast IPv4 by Geneve (tn_geneve_encap) instead. A frame to a router
 * interface's MAC (TN_FDB_F_ROUTER) goes to the L3 stage of that router
 * (tn_l3_fwd, for IPv6 tn_l3_fwd6), which comes back here in the
 * destination network. A frame but ARP from a port whose security groups
 * are enforced, or to a local one, goes to the security group stages
 * (nf/fw.h) with its destination once it is known. A frame to a local port
 * that migrates goes to the migration stage (nf/migrate.h). Included by
 * vif.bpf.c after the program array tn_vif_calls.
 */
#ifndef TN_NF_L2_FWD_H
#define TN_NF_L2_FWD_H

#include "ctx.h"
#include "fwd.h"
#include "icmp.h"
#include "icmp6.h"

/*
 * To host remote: back end (b) for unicast IPv4 when configured, else (a);
 * by Geneve instead of VXLAN when the row says so (geneve), whose headers
 * take TN_GENEVE_OVERHEAD - TN_OVERHEAD more of the underlay's MTU.
 * An IPv4 datagram too big for the overlay (tn_config.mtu) is answered with
 * ICMP fragmentation needed when it has DF (from its destination's address:
 * in a network no router answers for the path), and otherwise goes by (a),
 * whose vxlan device fragments the outer packet. An IPv6 packet too big
 * is answered with ICMPv6 packet too big the same way (IPv6 is never
 * fragmented on the way; below the IPv6 minimum MTU it goes by (a)).
 */
static __always_inline int tn_l2_remote(struct __sk_buff *skb, __u32 vni, __be32 remote,
					__u32 in_slot, __be16 proto, bool geneve)
{
	struct tn_config *cfg = tn_config_get();
	struct tn_pmtu6_info pi6 = {};
	struct tn_pmtu_info pi = {};
	enum tn_pmtu pm = TN_PMTU_FITS;
	bool bpf_encap;
	__u32 mtu;

	bpf_encap =
	    cfg && (cfg->flags & TN_CONFIG_F_ENCAP_BPF) && proto == bpf_htons(ETH_P_IP) && remote;
	geneve = geneve && bpf_encap;
	mtu = cfg ? cfg->mtu : 0;
	if (geneve && mtu)
		mtu -= TN_GENEVE_OVERHEAD - TN_OVERHEAD;
	if (cfg && proto == bpf_htons(ETH_P_IP))
		pm = tn_pmtu_check(skb, mtu, &pi);
	if (pm == TN_PMTU_BIG_DF && cfg)
		return tn_pmtu_error(skb, &pi, pi.daddr, mtu, in_slot);
	if (cfg && proto == bpf_htons(ETH_P_IPV6) &&
	    tn_pmtu6_check(skb, cfg->mtu, &pi6) == TN_PMTU_BIG_DF)
		return tn_pmtu6_error(skb, &pi6, pi6.daddr, cfg->mtu, in_slot);
	if (bpf_encap && pm == TN_PMTU_FITS) {
		tn_ctx_set_encap(skb, remote);
		if (geneve)
			bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_GENEVE);
		else
			bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_ENCAP);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	return tn_deliver_remote(skb, vni, remote, in_slot);
}

/*
 * To the security group stage for the destination dst (ctx.h): tn_fw, the
 * egress check (then, for a local port with identity ident, tn_fw_in), or
 * straight tn_fw_in for a local port when the sender's groups are not
 * enforced (ident is then the sender's: 0). Returns only when the tail
 * call missed.
 */
static __always_inline int tn_l2_fw(struct __sk_buff *skb, __u32 in_slot, __u32 ident, __u32 dst,
				    __u32 dst_slot, bool local, bool egress)
{
	tn_ctx_set_fw(skb, ident, dst, dst_slot, local);
	if (egress)
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_FW);
	else
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_FW_IN);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

/* True for the ethertypes security groups look at: all but ARP (IPv4 and
 * IPv6 by their rules; no rule allows the others, VLAN tags included). */
static __always_inline bool tn_l2_sg_proto(__be16 proto)
{
	return proto != bpf_htons(ETH_P_ARP);
}

/*
 * To a local port that migrates (TN_FDB_F_MIGRATING; its ifindex may be 0:
 * not here yet, or gone): through the sender's egress check first when it
 * is enforced (sg; tn_fw then hands it on), then to the migration stage
 * (nf/migrate.h), which decides between the port here and the peer host.
 * Returns only when a tail call missed.
 */
static __always_inline int tn_l2_migrating(struct __sk_buff *skb, const struct tn_fdb *fdb,
					   __u32 in_slot, bool sg)
{
	tn_ctx_set_flag(skb, TN_CTX_F_MIG_DST);
	if (sg)
		return tn_l2_fw(skb, in_slot, fdb->identity, fdb->ifindex, fdb->slot, true, true);
	tn_ctx_set_fw(skb, 0, fdb->ifindex, fdb->slot, true);
	bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_MIGRATE);
	return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
}

SEC("tcx/ingress")
int tn_l2_fwd(struct __sk_buff *skb)
{
	__u32 vni = tn_ctx_vni(skb), ifindex = skb->ifindex, in_slot = tn_ctx_in_slot(skb);
	struct ethhdr *eth = tn_eth(skb);
	struct tn_fdb *fdb;
	bool subject, sg;
	__be16 proto;

	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, in_slot);
	proto = eth->h_proto;
	subject = tn_l2_sg_proto(proto);
	sg = subject &&
	     (tn_ctx_flags(skb) & (TN_CTX_F_SG_SRC | TN_CTX_F_FW_DONE)) == TN_CTX_F_SG_SRC;
	/* one flood call site: each is verified with its bpf_loop callbacks */
	fdb = tn_mac_is_multicast(eth->h_dest) ? NULL : tn_fdb_lookup(vni, eth->h_dest);
	tn_trace_fdb(TN_STAGE_L2, vni, eth->h_dest, fdb);
	if (!fdb && sg)
		return tn_l2_fw(skb, in_slot, 0, 0, 0, false, true);
	if (!fdb) /* after tn_fw (TN_CTX_F_FW_DONE) cb holds the sender's identity */
		return tn_flood_frame(skb, vni, ifindex, in_slot,
				      tn_ctx_flags(skb) & TN_CTX_F_FW_DONE ? tn_ctx_fw_ident(skb)
									   : 0);
	if (fdb->flags & TN_FDB_F_LOCAL) {
		if (fdb->flags & TN_FDB_F_MIGRATING)
			return tn_l2_migrating(skb, fdb, in_slot, sg);
		if (!fdb->ifindex)
			return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
		if (sg || (subject && fdb->identity))
			return tn_l2_fw(skb, in_slot, sg ? fdb->identity : 0, fdb->ifindex,
					fdb->slot, true, sg);
		return tn_deliver_local(skb, fdb->ifindex, fdb->slot, vni);
	}
	if ((fdb->flags & TN_FDB_F_REMOTE) && sg) {
		if (fdb->flags & TN_FDB_F_GENEVE)
			tn_ctx_set_flag(skb, TN_CTX_F_GENEVE);
		return tn_l2_fw(skb, in_slot, fdb->identity, fdb->remote_ip4, 0, false, true);
	}
	if (fdb->flags & TN_FDB_F_REMOTE)
		return tn_l2_remote(skb, vni, fdb->remote_ip4, in_slot, proto,
				    fdb->flags & TN_FDB_F_GENEVE);
	if (fdb->flags & TN_FDB_F_ROUTER) {
		tn_ctx_set_router(skb, fdb->router_key, fdb->ip4);
		if (proto == bpf_htons(ETH_P_IPV6))
			bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L3_6);
		else
			bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L3);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	return tn_drop(skb, TN_DROP_NO_FDB, in_slot);
}

#endif /* TN_NF_L2_FWD_H */
