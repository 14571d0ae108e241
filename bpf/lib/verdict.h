/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * verdict.h - counting and tracing of every decision. Global counters go to
 * tn_stats (enum tn_stat), per-port ones to tn_port_stats; in test mode the
 * decision is also written to tn_trace (see trace.h).
 */
#ifndef TN_BPF_VERDICT_H
#define TN_BPF_VERDICT_H

#include "maps.h"

enum tn_port_dir {
	TN_PORT_RX, /* from the port */
	TN_PORT_TX, /* delivered to the port */
	TN_PORT_DROP, /* from the port, dropped */
};

static __always_inline void tn_stat_inc(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&tn_stats, &stat);

	if (v)
		*v += 1;
}

/* Counts one packet of len bytes for the port at slot (0: no port). */
static __always_inline void tn_port_count(__u32 slot, enum tn_port_dir dir, __u32 len)
{
	struct tn_port_stats *ps;

	if (!slot)
		return;
	ps = bpf_map_lookup_elem(&tn_port_stats, &slot); /* NULL past the array */
	if (!ps)
		return;
	if (dir == TN_PORT_RX) {
		ps->rx_packets++;
		ps->rx_bytes += len;
	} else if (dir == TN_PORT_TX) {
		ps->tx_packets++;
		ps->tx_bytes += len;
	} else {
		ps->drops++;
	}
}

/* Counts one drop for reason against the port at slot (0: no port) in
 * tn_port_drops. Only the drop path pays for it: a hash lookup, and an
 * insert at the port's first drop of that reason (a full map loses the
 * reason, not the drop: tn_port_stats.drops still counts it). */
static __always_inline void tn_port_drop_count(__u32 slot, __u32 reason)
{
	struct tn_port_drop_key key = { .slot = slot, .reason = reason };
	__u64 one = 1, *v;

	if (!slot)
		return;
	v = bpf_map_lookup_elem(&tn_port_drops, &key);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&tn_port_drops, &key, &one, BPF_NOEXIST);
}

/* The trace record, or NULL outside test mode (folded away at load). */
static __always_inline struct tn_trace *tn_trace_get(void)
{
	__u32 key = 0;

	if (!tn_test_mode)
		return NULL;
	return bpf_map_lookup_elem(&tn_trace, &key);
}

static __always_inline void tn_trace_set(__u32 verdict, __u32 stat, __u32 ifindex,
					 __be32 remote_ip4, __u32 vni)
{
	struct tn_trace *t = tn_trace_get();

	if (!t)
		return;
	t->verdict = verdict;
	t->stat = stat;
	t->ifindex = ifindex;
	t->remote_ip4 = remote_ip4;
	t->vni = vni;
}

static __always_inline void tn_trace_clone(__u32 ifindex, __be32 remote_ip4)
{
	struct tn_trace *t = tn_trace_get();
	__u32 n;

	if (!t)
		return;
	n = t->n_clone;
	if (n >= TN_TRACE_MAX_CLONE)
		return;
	t->clone[n].ifindex = ifindex;
	t->clone[n].remote_ip4 = remote_ip4;
	t->n_clone = n + 1;
}

/*
 * Drops the packet for reason (a TN_DROP_*), counted globally and against
 * the ingress port's slot in_slot (0: none). Returns TC_ACT_SHOT.
 */
static __always_inline int tn_drop(struct __sk_buff *skb, __u32 reason, __u32 in_slot)
{
	tn_stat_inc(reason);
	tn_port_count(in_slot, TN_PORT_DROP, skb->len);
	tn_port_drop_count(in_slot, reason);
	tn_trace_set(TN_TRACE_DROP, reason, 0, 0, 0);
	return TC_ACT_SHOT;
}

#endif /* TN_BPF_VERDICT_H */
