/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ctx.h - the per-packet context carried between tail-called stages in
 * skb->cb[] (five __u32, writable from tc programs, kept across tail calls).
 */
#ifndef TN_BPF_CTX_H
#define TN_BPF_CTX_H

#include "common.h"

enum tn_cb_slot {
	TN_CB_VNI = 0,	       /* network of the packet */
	TN_CB_PORT_ID = 1,     /* ingress port id, 0 from the tunnel */
	TN_CB_PORT_MAC_HI = 2, /* ingress port MAC octets 0-3 (memory order), 0 from the tunnel */
	TN_CB_ROUTER = 2,      /* from a port, after tn_l2_fwd: the router (tn_l3_fwd) */
	TN_CB_TUN_FLAGS = 2,   /* from the tunnel: TN_TUN_F_*, shares PORT_MAC_HI's slot */
	TN_CB_REMOTE = 3,      /* from the tunnel: outer source IPv4, network order; from a port
				* after tn_l2_fwd: the remote host for tn_encap */
	TN_CB_PORT_IP4 = 3, /* from a port: the port's IPv4 (network order), shares REMOTE's slot */
	TN_CB_ROUTER_IP4 = 3,  /* from a port, after tn_l2_fwd: the router's address on the
				* ingress network (tn_l3_fwd's ICMP source) */
	TN_CB_PORT_MAC_LO = 4, /* ingress port MAC octet 4 | octet 5 << 8, 0 from the tunnel */
	TN_CB_PORT_SLOT = 4,   /* ingress port slot in the high 16 bits, 0 from the tunnel */
};

/*
 * From a port: the port tn_vif_ingress looked up, so the stages after it
 * need no second tn_ifindex lookup. The ingress ifindex is skb->ifindex.
 */
static __always_inline void tn_ctx_set_port(struct __sk_buff *skb, const struct tn_ifport *port)
{
	__u32 hi, lo = port->mac[4] | (__u32)port->mac[5] << 8 | (port->slot & 0xffff) << 16;

	__builtin_memcpy(&hi, port->mac, 4);
	skb->cb[TN_CB_VNI] = port->vni;
	skb->cb[TN_CB_PORT_ID] = port->port_id;
	skb->cb[TN_CB_PORT_MAC_HI] = hi;
	skb->cb[TN_CB_PORT_IP4] = port->ip4;
	skb->cb[TN_CB_PORT_MAC_LO] = lo;
}

/* The fields tn_ctx_set_port stored (flags are not carried: zero). */
static __always_inline void tn_ctx_port(const struct __sk_buff *skb, struct tn_ifport *port)
{
	__u32 hi = skb->cb[TN_CB_PORT_MAC_HI], lo = skb->cb[TN_CB_PORT_MAC_LO];

	__builtin_memset(port, 0, sizeof(*port));
	port->vni = skb->cb[TN_CB_VNI];
	port->port_id = skb->cb[TN_CB_PORT_ID];
	__builtin_memcpy(port->mac, &hi, 4);
	port->mac[4] = lo & 0xff;
	port->mac[5] = (lo >> 8) & 0xff;
	port->ip4 = skb->cb[TN_CB_PORT_IP4];
	port->slot = lo >> 16;
}

/* The ingress port's slot for its counters (0: from the tunnel, none). */
static __always_inline __u32 tn_ctx_in_slot(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_PORT_SLOT] >> 16;
}

/*
 * From the tunnel, decapsulated in BPF (back end (b)), a frame that is not
 * IPv4: skb->protocol still says IPv4 (the outer header's), which
 * bpf_redirect_peer would hand to the VM's stack as is, so it is delivered
 * through the port's veth instead (its transmit sets the protocol again).
 */
#define TN_TUN_F_NO_PEER 0x1
/* From the tunnel: the sender claimed the source port's identity (Geneve's
 * tenet option); tn_ctx_tun_identity holds it, tn_tun_src checks it. */
#define TN_TUN_F_IDENTITY 0x2
#define TN_TUN_F_MASK	  0xff /* flags: the low 8 bits of TN_CB_TUN_FLAGS */

/* From the tunnel: network vni from host remote, flags TN_TUN_F_*, no
 * ingress port. */
static __always_inline void tn_ctx_set_tunnel(struct __sk_buff *skb, __u32 vni, __be32 remote,
					      __u32 flags)
{
	skb->cb[TN_CB_VNI] = vni;
	skb->cb[TN_CB_PORT_ID] = 0;
	skb->cb[TN_CB_TUN_FLAGS] = flags;
	skb->cb[TN_CB_REMOTE] = remote;
	skb->cb[TN_CB_PORT_MAC_LO] = 0;
}

/* From the tunnel: its TN_TUN_F_* flags. */
static __always_inline __u32 tn_ctx_tun_flags(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_TUN_FLAGS] & TN_TUN_F_MASK;
}

/* From the tunnel: the identity the sender claimed for the frame's source
 * port (< 2^24), kept in the high 24 bits of TN_CB_TUN_FLAGS beside the
 * flags; sets TN_TUN_F_IDENTITY. */
static __always_inline void tn_ctx_set_tun_identity(struct __sk_buff *skb, __u32 identity)
{
	skb->cb[TN_CB_TUN_FLAGS] =
	    (skb->cb[TN_CB_TUN_FLAGS] & TN_TUN_F_MASK) | TN_TUN_F_IDENTITY | identity << 8;
}

/* From the tunnel: the claimed identity (TN_TUN_F_IDENTITY), else 0. */
static __always_inline __u32 tn_ctx_tun_identity(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_TUN_FLAGS] >> 8;
}

/* From a port, after tn_l2_fwd: the frame goes to host remote through
 * tn_encap (the port's IPv4 is not needed any more). */
static __always_inline void tn_ctx_set_encap(struct __sk_buff *skb, __be32 remote)
{
	skb->cb[TN_CB_REMOTE] = remote;
}

/* From a port, after tn_l2_fwd: the frame goes to the L3 stage of router
 * router_key, whose address on the frame's network is ip4 (the port's
 * MAC and IPv4 are not needed any more). */
static __always_inline void tn_ctx_set_router(struct __sk_buff *skb, __u32 router_key, __be32 ip4)
{
	skb->cb[TN_CB_ROUTER] = router_key;
	skb->cb[TN_CB_ROUTER_IP4] = ip4;
}

static __always_inline __u32 tn_ctx_router(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_ROUTER];
}

static __always_inline __be32 tn_ctx_router_ip4(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_ROUTER_IP4];
}

/* From a port, after tn_l3_fwd: the frame continues in network vni. */
static __always_inline void tn_ctx_set_vni(struct __sk_buff *skb, __u32 vni)
{
	skb->cb[TN_CB_VNI] = vni;
}

static __always_inline __be32 tn_ctx_remote(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_REMOTE];
}

static __always_inline __u32 tn_ctx_vni(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_VNI];
}

#endif /* TN_BPF_CTX_H */
