// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * monitor.bpf.c - the drop monitor: tn_monitor_drop, which every drop
 * (tn_drop, verdict.h) calls. A global function, so the verifier checks it
 * once on its own and each drop site costs a call, not a copy of this code.
 *
 * Off (tn_monitor.on == 0, the state of every load): one array lookup.
 * On: the drop passes the port filter, then the per-CPU sampler (one of
 * every `sample` drops), then the per-CPU rate limit (at most `burst` events
 * in each 1 ms window), and is written to the ring buffer tn_events with
 * the packet's first TN_MON_SNAP_LEN bytes. Events the rate limit or a
 * full ring leave out are counted and reported with the CPU's next event,
 * so a flood of drops costs a bounded amount of work and never blocks.
 */
#include "common.h"
#include "ctx.h"
#include "maps.h"

/* The per-CPU rate limit: true if one more event fits in this CPU's
 * current 1 ms window (opening a new window when the last one is over). */
static __always_inline bool tn_monitor_admit(struct tn_monitor_cpu *c, __u32 burst)
{
	__u64 now = bpf_ktime_get_ns();

	if (now - c->window_ns >= 1000000) {
		c->window_ns = now;
		c->n_window = 0;
	}
	if (c->n_window >= (burst ? burst : TN_MON_BURST))
		return false;
	c->n_window++;
	return true;
}

/* Fills ev for the drop of skb for reason; in_slot != 0: from a port. */
static __always_inline void tn_monitor_fill(struct tn_drop_event *ev, struct __sk_buff *skb,
					    __u32 reason, __u32 in_slot)
{
	__u32 n = skb->len;

	ev->ts_ns = bpf_ktime_get_ns();
	ev->ifindex = skb->ifindex;
	ev->reason = reason;
	ev->len = n;
	ev->flags = 0;
	ev->port_id = 0;
	ev->vni = 0;
	ev->pad = 0;
	if (in_slot) {
		ev->flags = TN_DROP_EV_F_PORT;
		ev->port_id = skb->cb[TN_CB_PORT_ID];
		ev->vni = skb->cb[TN_CB_VNI] & TN_VNI_MASK; /* flags above (ctx.h) */
	}
	if (n > TN_MON_SNAP_LEN)
		n = TN_MON_SNAP_LEN;
	if (n == 0 || bpf_skb_load_bytes(skb, 0, ev->data, n) < 0)
		n = 0;
	ev->snap_len = n;
}

__noinline int tn_monitor_drop(struct __sk_buff *skb, __u32 reason, __u32 in_slot)
{
	struct tn_monitor_cpu *c;
	struct tn_drop_event *ev;
	struct tn_monitor *m;
	__u32 key = 0;

	if (!skb)
		return 0;
	m = bpf_map_lookup_elem(&tn_monitor, &key);
	if (!m || !m->on)
		return 0;
	if (m->port_id && (!in_slot || skb->cb[TN_CB_PORT_ID] != m->port_id))
		return 0;
	c = bpf_map_lookup_elem(&tn_monitor_cpu, &key);
	if (!c)
		return 0;
	c->seen++;
	if (m->sample > 1 && c->seen % m->sample)
		return 0;
	if (!tn_monitor_admit(c, m->burst)) {
		c->lost++;
		return 0;
	}
	ev = bpf_ringbuf_reserve(&tn_events, sizeof(*ev), 0);
	if (!ev) {
		c->lost++;
		return 0;
	}
	tn_monitor_fill(ev, skb, reason, in_slot);
	ev->lost = c->lost;
	c->lost = 0;
	bpf_ringbuf_submit(ev, 0);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
