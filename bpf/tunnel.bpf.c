// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tunnel.bpf.c - attach points "tunnel ingress": tc ingress of the agent's
 * collect_md vxlan device (decapsulated packets with their tunnel key: back
 * end (a), and the fallback of (b)) and, with back end (b), tc ingress of
 * the underlay interface (VXLAN decapsulated in BPF, nf/decap.h). Both
 * admit a packet only from an enrolled host (tn_peer) and for a network
 * that host has ports in (tn_tun_allow), then chain through tn_tun_calls
 * (one program array: the two entries share their stages):
 *
 *   tn_tunnel_ingress -> tn_tun_src -> tn_tun_deliver [-> tn_tun_fw: ingress security groups]
 *                                                      [-> tn_mig_tun: a migrating port]
 *   tn_underlay_ingress ->
 *   tn_underlay_ingress -> tn_geneve_decap ->   (Geneve, UDP 6081)
 *
 * (tn_underlay_ingress takes over what tn_xdp_decap, xdp.bpf.c, may already
 * have decapsulated before GRO.)
 *
 * (tn_tun_src: the inner source is a port on the sending host, within its
 * port security.)
 *
 * In test mode the outer source and VNI come from skb->cb (trace.h).
 */
#include "common.h"
#include "ctx.h"
#include "maps.h"
#include "slots.h"
#include "verdict.h"

int tn_tun_src(struct __sk_buff *skb);
int tn_tun_deliver(struct __sk_buff *skb);
int tn_geneve_decap(struct __sk_buff *skb);
int tn_tun_fw(struct __sk_buff *skb);
int tn_mig_tun(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, TN_TUN_SLOT_MAX);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} tn_tun_calls SEC(".maps") = {
    .values =
	{
	    [TN_TUN_SLOT_DELIVER] = (void *)&tn_tun_deliver,
	    [TN_TUN_SLOT_SRC] = (void *)&tn_tun_src,
	    [TN_TUN_SLOT_GENEVE] = (void *)&tn_geneve_decap,
	    [TN_TUN_SLOT_FW] = (void *)&tn_tun_fw,
	    [TN_TUN_SLOT_MIGRATE] = (void *)&tn_mig_tun,
	},
};

#include "nf/tun_src.h"
#include "nf/tun_deliver.h"
#include "nf/tun_fw.h"
#include "nf/tun_migrate.h"
#include "nf/decap.h"
#include "nf/geneve_decap.h"

/* Outer source (network order) and VNI of the packet. Returns 0 or <0. */
static __always_inline int tn_tunnel_key_get(struct __sk_buff *skb, __be32 *remote, __u32 *vni)
{
	struct bpf_tunnel_key key = {};

	if (tn_test_mode) {
		key.remote_ipv4 = skb->cb[TN_CB_TEST_REMOTE];
		key.tunnel_id = skb->cb[TN_CB_TEST_VNI];
	} else if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0) < 0) {
		return -1;
	}
	*remote = bpf_htonl(key.remote_ipv4);
	*vni = key.tunnel_id & TN_VNI_MASK;
	return 0;
}

/* Back end (a), and (b)'s fallback: the vxlan device's decapsulated frames. */
SEC("tcx/ingress")
int tn_tunnel_ingress(struct __sk_buff *skb)
{
	__be32 remote;
	__u32 vni, reason;

	tn_stat_inc(TN_STAT_RX_TUNNEL);
	if (tn_tunnel_key_get(skb, &remote, &vni))
		return tn_drop(skb, TN_DROP_NO_TUNNEL_KEY, 0);
	reason = tn_tun_admit(vni, remote, TN_STAGE_TUNNEL);
	if (reason)
		return tn_drop(skb, reason, 0);
	tn_ctx_set_tunnel(skb, vni, remote, 0);
	bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_SRC);
	return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
}

/*
 * Back end (b): VXLAN on the underlay's tc ingress, decapsulated here
 * (decap.h) and chained like the vxlan device's frames. What is not ours
 * goes on to the kernel (TCX_NEXT), and so does VXLAN whose inner frame is
 * IPv6: decapsulated here it would keep the outer IPv4 skb->protocol, and a
 * GSO packet (a TCP stream's) is then segmented as IPv4 on the way to the
 * port and lost; the collect_md vxlan device (back end (a)) receives it. A
 * frame the underlay's XDP program (xdp.bpf.c) already decapsulated and
 * admitted before GRO (IPv6 too: its skb is built from the inner frame, so
 * its protocol is right) carries its VNI and outer source as XDP metadata
 * and is only chained on. Geneve (UDP 6081) goes to tn_geneve_decap, on
 * back end (a) too; VXLAN is decapsulated here only with back end (b).
 */
SEC("tcx/ingress")
int tn_underlay_ingress(struct __sk_buff *skb)
{
	struct tn_vxlanhdr *vx;
	struct tn_config *cfg;
	struct ethhdr *inner_p;
	struct ethhdr inner;
	struct udphdr *udp;
	struct iphdr *ip;
	struct tn_xdp_meta meta;
	__u32 vni, reason, flags = 0;
	__be32 remote;

	if (tn_xdp_meta_get(skb, &meta)) {
		tn_stat_inc(TN_STAT_RX_TUNNEL);
		tn_ctx_set_tunnel(skb, meta.vni, meta.remote, meta.flags);
		bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_SRC);
		return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
	}
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TCX_NEXT;
	cfg = tn_config_get();
	if (!cfg || tn_linear(skb, TN_VXLAN_UDP_END))
		return TCX_NEXT;
	ip = tn_hdr(skb, ETH_HLEN, sizeof(*ip));
	udp = tn_hdr(skb, ETH_HLEN + sizeof(*ip), sizeof(*udp));
	if (!ip || !udp)
		return TCX_NEXT;
	if (tn_geneve_ours(ip, udp, cfg->local_ip4)) {
		tn_stat_inc(TN_STAT_RX_TUNNEL);
		bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_GENEVE);
		return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
	}
	if (!(cfg->flags & TN_CONFIG_F_ENCAP_BPF) || !tn_vxlan_ours(ip, udp, cfg->local_ip4))
		return TCX_NEXT;
	if (tn_linear(skb, TN_VXLAN_HDRS_LEN)) {
		tn_stat_inc(TN_STAT_RX_TUNNEL);
		return tn_drop(skb, TN_DROP_MALFORMED, 0);
	}
	ip = tn_hdr(skb, ETH_HLEN, sizeof(*ip)); /* the pull moved the data */
	udp = tn_hdr(skb, ETH_HLEN + sizeof(*ip), sizeof(*udp));
	vx = tn_hdr(skb, TN_VXLAN_UDP_END, sizeof(*vx));
	inner_p = tn_hdr(skb, TN_VXLAN_INNER_OFF, sizeof(*inner_p));
	if (inner_p && inner_p->h_proto == bpf_htons(ETH_P_IPV6))
		return TCX_NEXT; /* to the vxlan device: see above */
	tn_stat_inc(TN_STAT_RX_TUNNEL);
	if (!ip || !udp || !vx || !inner_p)
		return tn_drop(skb, TN_DROP_MALFORMED, 0);
	reason = tn_vxlan_rx_check(ip, udp, vx, skb->len);
	if (reason)
		return tn_drop(skb, reason, 0);
	vni = bpf_ntohl(vx->vni) >> 8;
	remote = ip->saddr;
	__builtin_memcpy(&inner, inner_p, sizeof(inner));
	if (inner.h_proto != bpf_htons(ETH_P_IP))
		flags |= TN_TUN_F_NO_PEER;
	reason = tn_tun_admit(vni, remote, TN_STAGE_UNDERLAY);
	if (reason)
		return tn_drop(skb, reason, 0);
	if (tn_vxlan_pop(skb, &inner))
		return tn_drop(skb, TN_DROP_MALFORMED, 0);
	tn_ctx_set_tunnel(skb, vni, remote, flags);
	bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_SRC);
	return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
