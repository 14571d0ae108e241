/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tun_migrate.h - network function "live migration" on the tunnel path
 * (program tn_mig_tun, slot TN_TUN_SLOT_MIGRATE; tenet_abi.h, "Live
 * migration"). tn_tun_deliver hands it a frame for a local port that
 * migrates (TN_FDB_F_MIGRATING):
 *  - in standby here, not active yet: dropped (TN_DROP_MIG_STANDBY; its
 *    source host delivers it, and never gets it back from here);
 *  - active here (the generation tn_mig_active holds): delivered;
 *  - the source: a copy to the destination (lib/migration.h) unless the frame
 *    came from there, and the frame into the port while its interface is
 *    here; without the interface the frame itself goes to the destination
 *    (back end (a)), or, when it came from there, is dropped
 *    (TN_DROP_MIG_LOOP): nothing goes back where it came from.
 * Delivery goes through the port's ingress rules when enforced, as from
 * tn_tun_deliver. Included by tunnel.bpf.c after nf/tun_deliver.h.
 */
#ifndef TN_NF_TUN_MIGRATE_H
#define TN_NF_TUN_MIGRATE_H

#include "ctx.h"
#include "fwd.h"
#include "migration.h"

SEC("tcx/ingress")
int tn_mig_tun(struct __sk_buff *skb)
{
	__u32 vni = tn_ctx_vni(skb);
	__be32 remote = tn_ctx_remote(skb);
	struct ethhdr *eth = tn_eth(skb);
	struct tn_migrate *mig;
	struct tn_fdb *fdb;
	__be16 proto;

	if (!eth)
		return tn_drop(skb, TN_DROP_MALFORMED, 0);
	proto = eth->h_proto; /* the copy invalidates packet pointers */
	fdb = tn_fdb_lookup(vni, eth->h_dest);
	if (!fdb || !(fdb->flags & TN_FDB_F_LOCAL))
		return tn_drop(skb, TN_DROP_NO_FDB, 0);
	mig = tn_mig_get(fdb->port_id);
	if (mig && (mig->flags & TN_MIG_F_STANDBY) && !tn_mig_is_active(fdb->port_id, mig))
		return tn_drop(skb, TN_DROP_MIG_STANDBY, 0);
	if (mig && (mig->flags & TN_MIG_F_SOURCE)) {
		if (mig->peer_ip4 == remote && !fdb->ifindex)
			return tn_drop(skb, TN_DROP_MIG_LOOP, 0);
		if (mig->peer_ip4 != remote && !fdb->ifindex) {
			tn_stat_inc(TN_STAT_MIG_COPY);
			return tn_deliver_remote(skb, vni, mig->peer_ip4, 0);
		}
		if (mig->peer_ip4 != remote)
			tn_mig_copy(skb, vni, mig->peer_ip4);
	}
	return tn_tun_to_port(skb, fdb, vni, proto);
}

#endif /* TN_NF_TUN_MIGRATE_H */
