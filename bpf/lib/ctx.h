/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ctx.h - the per-packet context carried between tail-called stages in
 * skb->cb[] (five __u32, writable from tc programs, kept across tail calls).
 */
#ifndef TN_BPF_CTX_H
#define TN_BPF_CTX_H

#include "common.h"

enum tn_cb_slot {
	TN_CB_VNI = 0, /* network of the packet */
	TN_CB_PORT_ID = 1, /* ingress port id, 0 from the tunnel */
	TN_CB_IN_IFINDEX = 2, /* ingress port ifindex, 0 from the tunnel */
	TN_CB_REMOTE = 3, /* from the tunnel: outer source IPv4, network order */
};

static __always_inline void tn_ctx_set(struct __sk_buff *skb, __u32 vni, __u32 port_id,
				       __u32 in_ifindex)
{
	skb->cb[TN_CB_VNI] = vni;
	skb->cb[TN_CB_PORT_ID] = port_id;
	skb->cb[TN_CB_IN_IFINDEX] = in_ifindex;
}

static __always_inline void tn_ctx_set_remote(struct __sk_buff *skb, __be32 remote)
{
	skb->cb[TN_CB_REMOTE] = remote;
}

static __always_inline __be32 tn_ctx_remote(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_REMOTE];
}

static __always_inline __u32 tn_ctx_vni(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_VNI];
}

static __always_inline __u32 tn_ctx_in_ifindex(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_IN_IFINDEX];
}

#endif /* TN_BPF_CTX_H */
