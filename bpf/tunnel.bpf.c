// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tunnel.bpf.c - attach point "tunnel ingress": tc ingress of the agent's
 * collect_md vxlan device (decapsulated packets with their tunnel key).
 * tn_tunnel_ingress admits a packet only from an enrolled host (tn_peer)
 * and for a network that host has ports in (tn_tun_allow), then chains
 * through tn_tun_calls:
 *
 *   tn_tunnel_ingress -> tn_tun_src -> tn_tun_deliver
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

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, TN_TUN_SLOT_MAX);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} tn_tun_calls SEC(".maps") = {
	.values = {
		[TN_TUN_SLOT_DELIVER] = (void *)&tn_tun_deliver,
		[TN_TUN_SLOT_SRC] = (void *)&tn_tun_src,
	},
};

#include "nf/tun_src.h"
#include "nf/tun_deliver.h"

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

SEC("tcx/ingress")
int tn_tunnel_ingress(struct __sk_buff *skb)
{
	struct tn_tun_allow_key allow = {};
	struct tn_peer_key peer = {};
	__be32 remote;
	bool found;
	__u32 vni;

	tn_stat_inc(TN_STAT_RX_TUNNEL);
	if (tn_tunnel_key_get(skb, &remote, &vni))
		return tn_drop(skb, TN_DROP_NO_TUNNEL_KEY, 0);
	peer.ip4 = remote;
	found = bpf_map_lookup_elem(&tn_peer, &peer) != NULL;
	tn_trace_peer(vni, remote, found);
	if (!found)
		return tn_drop(skb, TN_DROP_UNKNOWN_PEER, 0);
	allow.vni = vni;
	allow.remote_ip4 = remote;
	if (!bpf_map_lookup_elem(&tn_tun_allow, &allow))
		return tn_drop(skb, TN_DROP_BAD_VNI, 0);
	tn_ctx_set_tunnel(skb, vni, remote);
	bpf_tail_call_static(skb, &tn_tun_calls, TN_TUN_SLOT_SRC);
	return tn_drop(skb, TN_DROP_TAIL_CALL, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
