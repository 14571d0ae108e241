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

/* The last step of t, or NULL before the first. */
static __always_inline struct tn_trace_step *tn_trace_step_last(struct tn_trace *t)
{
	__u32 n = t->n_step;

	if (n == 0 || n > TN_TRACE_MAX_STEP)
		return NULL;
	return &t->step[n - 1];
}

/*
 * Appends the step of stage, which used the entry of kind key (found or
 * not) in network vni. NULL outside test mode (the caller's whole trace
 * block then folds away: one test-mode check per stage) or when full.
 */
static __always_inline struct tn_trace_step *tn_trace_step(__u32 stage, __u32 key, bool found,
							   __u32 vni)
{
	struct tn_trace *t = tn_trace_get();
	struct tn_trace_step *st;
	__u32 n;

	if (!t)
		return NULL;
	n = t->n_step;
	if (n >= TN_TRACE_MAX_STEP)
		return NULL;
	st = &t->step[n];
	__builtin_memset(st, 0, sizeof(*st));
	st->stage = stage;
	st->key = key;
	st->found = found;
	st->vni = vni;
	t->n_step = n + 1;
	return st;
}

/* A step whose entry is a port (tn_ifport; NULL: not found) at ifindex. */
static __always_inline void tn_trace_port(__u32 stage, __u32 key, const struct tn_ifport *port,
					  __u32 ifindex)
{
	struct tn_trace_step *st;

	if (!tn_test_mode) /* first: nothing of the below is computed in production */
		return;
	st = tn_trace_step(stage, key, port != NULL, 0);
	if (!st)
		return;
	st->ifindex = ifindex;
	if (!port)
		return;
	st->vni = port->vni;
	st->port_id = port->port_id;
	st->slot = port->slot;
	st->ip4 = port->ip4;
	st->flags = port->flags;
	__builtin_memcpy(st->mac, port->mac, 6);
}

static __always_inline void tn_trace_set(__u32 verdict, __u32 stat, __u32 ifindex,
					 __be32 remote_ip4, __u32 vni)
{
	struct tn_trace *t = tn_trace_get();
	struct tn_trace_step *st;

	if (!t)
		return;
	st = tn_trace_step_last(t);
	if (st) {
		st->verdict = verdict;
		st->stat = stat;
	}
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

/* The drop monitor (bpf/monitor.bpf.c): offers one drop to it. A global
 * function, verified once on its own, so no drop site inlines it. */
extern int tn_monitor_drop(struct __sk_buff *skb, __u32 reason, __u32 in_slot);

/*
 * Counts the packet as dropped for reason (a TN_DROP_*), globally and
 * against the ingress port's slot in_slot (0: none), and offers it to the
 * drop monitor: for a packet that is not forwarded but answered (the
 * router's ICMP errors), as for one that is dropped.
 */
static __always_inline void tn_drop_note(struct __sk_buff *skb, __u32 reason, __u32 in_slot)
{
	tn_monitor_drop(skb, reason, in_slot);
	tn_stat_inc(reason);
	tn_port_count(in_slot, TN_PORT_DROP, skb->len);
	tn_port_drop_count(in_slot, reason);
	tn_trace_set(TN_TRACE_DROP, reason, 0, 0, 0);
}

/* Drops the packet for reason, counted as tn_drop_note counts it.
 * Returns TC_ACT_SHOT. */
static __always_inline int tn_drop(struct __sk_buff *skb, __u32 reason, __u32 in_slot)
{
	tn_drop_note(skb, reason, in_slot);
	return TC_ACT_SHOT;
}

#endif /* TN_BPF_VERDICT_H */
