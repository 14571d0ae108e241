/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * migration.h - live migration of a port (tenet_abi.h, "Live migration"):
 * the lookups of tn_migrate and tn_mig_active, the activation (one write
 * and one ring buffer event) and the copy to the peer host. Used by the
 * migration stages of both attach points (nf/migrate.h, nf/tun_migrate.h),
 * which only ports with a tn_migrate row reach: the agent marks them
 * (TN_LPORT_F_MIGRATING in tn_ifport, TN_FDB_F_MIGRATING in local tn_fdb
 * rows), so a port that does not migrate costs no lookup here.
 */
#ifndef TN_BPF_MIGRATION_H
#define TN_BPF_MIGRATION_H

#include "fwd.h"
#include "maps.h"
#include "verdict.h"

/* The migration row of port_id, NULL when none or malformed (neither or
 * both of STANDBY and SOURCE, no peer). */
static __always_inline struct tn_migrate *tn_mig_get(__u32 port_id)
{
	struct tn_migrate_key k = {.port_id = port_id};
	struct tn_migrate *mig = bpf_map_lookup_elem(&tn_migrate, &k);
	__u32 role;

	if (!mig || !mig->peer_ip4)
		return NULL;
	role = mig->flags & (TN_MIG_F_STANDBY | TN_MIG_F_SOURCE);
	if (role != TN_MIG_F_STANDBY && role != TN_MIG_F_SOURCE)
		return NULL;
	return mig;
}

/* True when the migration mig of port_id has been activated on this host
 * (its generation is the one tn_mig_active holds). */
static __always_inline bool tn_mig_is_active(__u32 port_id, const struct tn_migrate *mig)
{
	struct tn_mig_active_key k = {.port_id = port_id};
	struct tn_mig_active *a = bpf_map_lookup_elem(&tn_mig_active, &k);

	return a && a->generation == mig->generation;
}

/*
 * Activates the standby migration mig of port_id here: tn_mig_active
 * takes its generation and the time, and an event goes to the agent
 * through tn_events. A full ring loses the event, not the activation: the
 * agent also reports tn_mig_active in STATUS. Two CPUs activating at once
 * both write the same generation (and both send an event).
 */
static __always_inline void tn_mig_activate(__u32 port_id, const struct tn_migrate *mig)
{
	struct tn_mig_active_key k = {.port_id = port_id};
	struct tn_mig_active v = {.generation = mig->generation};
	struct tn_mig_event *ev;

	v.activated_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&tn_mig_active, &k, &v, BPF_ANY))
		return; /* cannot be recorded: the next frame tries again */
	tn_stat_inc(TN_STAT_MIG_ACTIVATED);
	ev = bpf_ringbuf_reserve(&tn_events, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->ts_ns = v.activated_ns;
	ev->kind = TN_EV_MIG_ACTIVE;
	ev->port_id = port_id;
	ev->generation = mig->generation;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * A copy of the frame to host peer (network order) in vni, through the
 * vxlan device (back end (a), configured on every host, as flood copies
 * go): the original goes on. Counted as TN_STAT_MIG_COPY; a copy that
 * cannot be made counts its reason, as a flood copy does.
 */
static __always_inline void tn_mig_copy(struct __sk_buff *skb, __u32 vni, __be32 peer)
{
	struct tn_config *cfg = tn_config_get();

	if (!cfg) {
		tn_stat_inc(TN_DROP_CONFIG);
		return;
	}
	if (tn_tunnel_key_set(skb, vni, peer) < 0) {
		tn_stat_inc(TN_DROP_REDIRECT);
		return;
	}
	tn_stat_inc(TN_STAT_MIG_COPY);
	tn_clone(skb, cfg->tunnel_ifindex, peer);
}

#endif /* TN_BPF_MIGRATION_H */
