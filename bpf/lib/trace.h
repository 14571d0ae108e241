/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace.h - the test-mode decision trace, shared by the BPF programs and
 * tests/bpf. Includes no kernel headers (user space includes
 * <linux/types.h> first, BPF includes vmlinux.h first).
 *
 * BPF_PROG_TEST_RUN cannot show where a redirect would have gone, so with
 * the rodata knob tn_test_mode set the datapath records its last decision in
 * the array map tn_trace (one struct tn_trace at key 0) and, instead of
 * calling bpf_clone_redirect, records each copy it would have made. The
 * tunnel ingress then also takes its input from skb->cb instead of
 * bpf_skb_get_tunnel_key. With tn_test_mode 0 (production) all of this is
 * constant-folded away at load time.
 *
 * Each stage a packet passes also appends a step (struct tn_trace_step): the
 * stage, the map entry it used (its key and what it found) and its decision,
 * so `tenetctl trace` can print the path through the real programs. At most
 * TN_TRACE_MAX_STEP steps are kept; a path is at most four stages long.
 */
#ifndef TN_TRACE_H
#define TN_TRACE_H

/* Test-mode inputs of tn_tunnel_ingress, in skb->cb (__sk_buff.cb[]). */
#define TN_CB_TEST_REMOTE 0 /* outer source IPv4, host byte order */
#define TN_CB_TEST_VNI 1 /* VXLAN network identifier */

#define TN_TRACE_MAX_CLONE 64 /* flood copies recorded; later ones are not */

enum tn_trace_verdict {
	TN_TRACE_NONE = 0, /* no decision recorded */
	TN_TRACE_DROP, /* TC_ACT_SHOT, stat says why */
	TN_TRACE_REDIRECT, /* bpf_redirect(ifindex, 0): egress of ifindex */
	TN_TRACE_REDIRECT_PEER, /* bpf_redirect_peer(ifindex, 0) */
	TN_TRACE_FLOOD, /* copies in clone[], original shot */
	TN_TRACE_REDIRECT_NEIGH, /* bpf_redirect_neigh(ifindex): egress, L2 from the kernel */
};

#define TN_TRACE_MAX_STEP 16 /* steps recorded; later ones are not */

/* The stages (programs) a step is recorded by. */
enum tn_trace_stage {
	TN_STAGE_NONE = 0,
	TN_STAGE_VIF,	      /* tn_vif_ingress: ingress ifindex -> port (tn_ifindex) */
	TN_STAGE_PORT_SEC,    /* tn_port_sec: source check against the port */
	TN_STAGE_ARP,	      /* tn_arp_resp: (vni, target IPv4) -> MAC (tn_arp) */
	TN_STAGE_L2,	      /* tn_l2_fwd: (vni, destination MAC) -> port/host (tn_fdb) */
	TN_STAGE_TUNNEL,      /* tn_tunnel_ingress: outer source (tn_peer), VNI (tn_tun_allow) */
	TN_STAGE_TUN_SRC,     /* tn_tun_src: (vni, source MAC) -> sending host (tn_fdb) */
	TN_STAGE_TUN_DELIVER, /* tn_tun_deliver: (vni, destination MAC) -> port (tn_fdb) */
	TN_STAGE_ENCAP,	      /* tn_encap: remote host -> next hop (tn_nh); port_id: flow hash */
	TN_STAGE_UNDERLAY,    /* tn_underlay_ingress: outer source and VNI, as TN_STAGE_TUNNEL */
	TN_STAGE_L3,	      /* tn_l3_fwd: (router, destination) -> route (tn_route4), then
			       * (vni, next hop) -> MAC (tn_arp) */
	TN_STAGE_DHCP,	      /* tn_dhcp4: ingress port -> its DHCP answer (tn_dhcp) */
	TN_STAGE_ND,	      /* tn_nd_resp: (vni, NS target IPv6) -> MAC (tn_nd) */
	TN_STAGE_FW,	      /* tn_fw, tn_fw_in, tn_tun_fw: a port's security groups (tn_ct,
			       * then the policy maps) */
	TN_STAGE_MAX
};

/* Which map entry a step used (struct tn_trace_step.key). */
enum tn_trace_key {
	TN_TKEY_NONE = 0,
	TN_TKEY_IFINDEX, /* tn_ifindex[ifindex]: port_id, vni, mac, ip4, slot */
	TN_TKEY_FDB,	 /* tn_fdb[vni, mac]: port_id, ifindex, slot or ip4 (remote host) */
	TN_TKEY_ARP,	 /* tn_arp[vni, ip4]: mac, port_id */
	TN_TKEY_PEER,	 /* tn_tun_allow[vni, ip4] (found: may send), tn_peer[ip4] on a miss */
	TN_TKEY_PORT,	 /* the ingress port checked against: port_id, mac, ip4 */
	TN_TKEY_NH,	 /* tn_nh[ip4]: mac (the underlay next hop) */
	TN_TKEY_ROUTE,	 /* tn_route4[router (port_id), ip4]: vni, mac, next hop (ifindex
			  * field, network order), flags */
	TN_TKEY_DHCP,	 /* tn_dhcp[port_id]: ip4 (the address answered), mac (server), flags */
	TN_TKEY_ND,	 /* tn_nd[vni, ip6]: mac, port_id (the IPv6 key is not recorded) */
	TN_TKEY_CT,	 /* tn_ct[port_id, flow] (found: tracked), then the policy: port_id,
			  * slot, ifindex (the port's identity), flags (TN_SG_INGRESS or
			  * _EGRESS), ip4 (the other end's identity) */
};

/*
 * One stage's step. verdict TN_TRACE_NONE: the stage passed the packet on
 * (tail call); otherwise the final decision, with stat the TN_STAT_* or
 * TN_DROP_* counted for it.
 */
struct tn_trace_step {
	__u32 stage;   /* enum tn_trace_stage */
	__u32 verdict; /* enum tn_trace_verdict */
	__u32 stat;    /* counter of the decision (drop reason) */
	__u32 pad;     /* zero */
	__u32 key;     /* enum tn_trace_key: the entry looked up */
	__u32 found;   /* 1 if that entry existed */
	__u32 vni;     /* key: network */
	__u32 port_id; /* value: the owning port */
	__u32 ifindex; /* key (TN_TKEY_IFINDEX) or value: local ifindex */
	__u32 slot;    /* value: local port slot */
	__be32 ip4;    /* key (ARP, PEER) or value: port IPv4 / remote host, network order */
	__u8 mac[6];   /* key (FDB) or value (ARP, IFINDEX, PORT) */
	__u16 flags;   /* value: TN_FDB_F_* or TN_LPORT_F_* */
};

/* One copy made by head-end replication. */
struct tn_trace_clone {
	__u32 ifindex; /* egress device of the copy */
	__be32 remote_ip4; /* tunnel key remote (network order), 0 if local */
};

struct tn_trace {
	__u32 verdict; /* enum tn_trace_verdict */
	__u32 stat; /* enum tn_stat counted for the decision */
	__u32 ifindex; /* redirect target */
	__be32 remote_ip4; /* tunnel key remote, network order; 0 if none */
	__u32 vni; /* tunnel key id / network of the decision */
	__u32 n_clone; /* valid entries in clone[] */
	struct tn_trace_clone clone[TN_TRACE_MAX_CLONE]; /* flood copies */
	__u32 n_step;					 /* valid entries in step[] */
	__u32 pad;					 /* zero */
	struct tn_trace_step step[TN_TRACE_MAX_STEP];  /* the stages passed, in order */
};

_Static_assert(sizeof(struct tn_trace_step) == 52, "trace step");
_Static_assert(sizeof(struct tn_trace) == 24 + 8 * TN_TRACE_MAX_CLONE + 8 + 52 * TN_TRACE_MAX_STEP,
	       "trace");

#endif /* TN_TRACE_H */
