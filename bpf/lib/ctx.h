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
	/* the security group stages (nf/fw.h), once forwarding found the destination */
	TN_CB_FW_IDENT = 2, /* from a port: the other end's identity (egress: the
			     * destination's; ingress: the source port's) */
	TN_CB_FW_DST = 3,   /* from a port: the destination, a local ifindex
			     * (TN_CTX_F_DST_LOCAL) or a remote host (as TN_CB_REMOTE);
			     * a local destination's slot in the low 16 bits of cb[4] */
	TN_CB_TUN_DST = 1,  /* from the tunnel: the local destination's ifindex, then its
			     * port_id (drops are the receiving port's) */
	/* a flooded copy (fwd.h, tn_flood_frame), read by tn_vif_egress on the
	 * receiving port's interface (bpf_clone_redirect keeps skb->cb) */
	TN_CB_FLOOD_IDENT = 2, /* the sender's identity (verified from the tunnel; 0: none) */
	TN_CB_FLOOD_TAG = 3,   /* TN_FLOOD_TAG, with TN_CTX_F_FLOOD: a flooded copy */
};

/*
 * Flags in the high byte of cb[TN_CB_VNI] (VNIs are 24 bits; tn_ctx_vni
 * masks them off, tn_ctx_set_vni keeps them).
 */
#define TN_CTX_F_SG_SRC	   (1u << 24) /* the ingress port's groups are enforced (identity != 0) */
#define TN_CTX_F_DST_LOCAL (1u << 25) /* cb[TN_CB_FW_DST] is a local ifindex */
#define TN_CTX_F_FW_DONE   (1u << 26) /* the egress check passed (a flooded frame back in L2) */
#define TN_CTX_F_GENEVE	   (1u << 27) /* to a remote host by Geneve (its row's TN_FDB_F_GENEVE) */
#define TN_CTX_F_MIGRATING (1u << 28) /* the ingress port migrates (TN_LPORT_F_MIGRATING) */
#define TN_CTX_F_MIG_DST                                                                           \
	(1u << 29) /* the local destination migrates (TN_FDB_F_MIGRATING):                         \
		    * the migration stage decides where it goes */
#define TN_CTX_F_FLOOD                                                                             \
	(1u << 30) /* a flooded copy (with TN_CB_FLOOD_TAG), from a port or the                    \
		    * tunnel: tn_vif_egress checks the receiving port's rules */
#define TN_CTX_F_MASK 0xff000000u

/* cb[TN_CB_FLOOD_TAG] of a flooded copy: with the flag, 32 more bits no
 * other sender into a port's interface (the host's own stack) sets by
 * chance. */
#define TN_FLOOD_TAG 0x746e666cu /* "tnfl" */

/*
 * From a port: the port tn_vif_ingress looked up, so the stages after it
 * need no second tn_ifindex lookup. The ingress ifindex is skb->ifindex.
 */
static __always_inline void tn_ctx_set_port(struct __sk_buff *skb, const struct tn_ifport *port)
{
	__u32 hi, lo = port->mac[4] | (__u32)port->mac[5] << 8 | (port->slot & 0xffff) << 16;

	__builtin_memcpy(&hi, port->mac, 4);
	skb->cb[TN_CB_VNI] = (port->vni & TN_VNI_MASK) | (port->identity ? TN_CTX_F_SG_SRC : 0) |
			     (port->flags & TN_LPORT_F_MIGRATING ? TN_CTX_F_MIGRATING : 0);
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
	port->vni = skb->cb[TN_CB_VNI] & TN_VNI_MASK;
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
/*
 * From the tunnel: the high 24 bits of cb[TN_CB_TUN_FLAGS] carry an identity
 * claimed by the sender (a Geneve option: the decapsulating stage sets them
 * with tn_ctx_set_tun_identity and this flag). tn_tun_src checks a claim
 * against the source port's row (TN_DROP_TUN_IDENTITY) and, claim or not
 * (VXLAN), leaves the verified identity there: the source port's, 0 for
 * none. The low 8 bits stay TN_TUN_F_* flags.
 */
#define TN_TUN_F_IDENTITY 0x2
#define TN_TUN_FLAGS_MASK 0xff

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
	return skb->cb[TN_CB_TUN_FLAGS] & TN_TUN_FLAGS_MASK;
}

/* From the tunnel: the source's identity (< 2^24): claimed before
 * tn_tun_src (TN_TUN_F_IDENTITY), verified after it. */
static __always_inline __u32 tn_ctx_tun_identity(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_TUN_FLAGS] >> 8;
}

/* From the tunnel: sets the source's identity, keeping the flags. */
static __always_inline void tn_ctx_set_tun_identity(struct __sk_buff *skb, __u32 identity)
{
	skb->cb[TN_CB_TUN_FLAGS] = (skb->cb[TN_CB_TUN_FLAGS] & TN_TUN_FLAGS_MASK) | identity << 8;
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
	skb->cb[TN_CB_VNI] = (skb->cb[TN_CB_VNI] & TN_CTX_F_MASK) | (vni & TN_VNI_MASK);
}

/* The TN_CTX_F_* flags of the packet. */
static __always_inline __u32 tn_ctx_flags(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_VNI] & TN_CTX_F_MASK;
}

static __always_inline void tn_ctx_set_flag(struct __sk_buff *skb, __u32 flag)
{
	skb->cb[TN_CB_VNI] |= flag;
}

/*
 * From a port, after forwarding found the destination, for the security
 * group stages: the other end's identity ident, and the destination dst,
 * a local port's ifindex with its slot dst_slot (local) or a remote host.
 */
static __always_inline void tn_ctx_set_fw(struct __sk_buff *skb, __u32 ident, __u32 dst,
					  __u32 dst_slot, bool local)
{
	skb->cb[TN_CB_FW_IDENT] = ident;
	skb->cb[TN_CB_FW_DST] = dst;
	skb->cb[TN_CB_PORT_SLOT] = (skb->cb[TN_CB_PORT_SLOT] & 0xffff0000u) | (dst_slot & 0xffff);
	if (local)
		skb->cb[TN_CB_VNI] |= TN_CTX_F_DST_LOCAL;
	else
		skb->cb[TN_CB_VNI] &= ~TN_CTX_F_DST_LOCAL;
}

static __always_inline __u32 tn_ctx_fw_ident(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_FW_IDENT];
}

static __always_inline __u32 tn_ctx_fw_dst(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_FW_DST];
}

static __always_inline __u32 tn_ctx_fw_dst_slot(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_PORT_SLOT] & 0xffff;
}

/*
 * Marks the frame as a flooded copy of a sender with identity ident (0:
 * none, not enforced, or unknown), for tn_vif_egress on each receiving
 * port: set once before the copies (they keep skb->cb).
 */
static __always_inline void tn_ctx_set_flood(struct __sk_buff *skb, __u32 ident)
{
	skb->cb[TN_CB_FLOOD_IDENT] = ident;
	skb->cb[TN_CB_FLOOD_TAG] = TN_FLOOD_TAG;
	skb->cb[TN_CB_VNI] |= TN_CTX_F_FLOOD;
}

/* True for a flooded copy (tn_ctx_set_flood). */
static __always_inline bool tn_ctx_is_flood(const struct __sk_buff *skb)
{
	return (skb->cb[TN_CB_VNI] & TN_CTX_F_FLOOD) && skb->cb[TN_CB_FLOOD_TAG] == TN_FLOOD_TAG;
}

/* Takes the flood mark off (the copy is being judged: nothing after
 * tn_vif_egress sees it). */
static __always_inline void tn_ctx_clear_flood(struct __sk_buff *skb)
{
	skb->cb[TN_CB_VNI] &= ~TN_CTX_F_FLOOD;
	skb->cb[TN_CB_FLOOD_TAG] = 0;
}

static __always_inline __be32 tn_ctx_remote(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_REMOTE];
}

static __always_inline __u32 tn_ctx_vni(const struct __sk_buff *skb)
{
	return skb->cb[TN_CB_VNI] & TN_VNI_MASK;
}

#endif /* TN_BPF_CTX_H */
