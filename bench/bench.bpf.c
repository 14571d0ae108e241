// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench.bpf.c - bench-only BPF programs (never loaded by the agent).
 *
 * bench_trivial is the baseline every datapath figure is divided by: the
 * cheapest tc program there is. The two wrappers put a packet into the state
 * the real attach point would see, then tail-call the program under test
 * (slot 0 of bench_calls, filled by dpbench with a tenet program, or with
 * bench_trivial to measure the wrapper alone):
 *
 *   bench_tun_wrap  sets a tunnel key (remote = bench_remote, id = bench_vni)
 *                   as the collect_md vxlan device does on receive, so the
 *                   production tn_tunnel_ingress finds one;
 *   bench_arp_wrap  rewrites the first 42 bytes back into bench_arp_req,
 *                   because the ARP responder turns the request into the
 *                   reply in place and BPF_PROG_TEST_RUN repeats on the
 *                   same skb;
 *   bench_dhcp_wrap  does the same for a DHCP request (the reply is written
 *                   in place, at another length): length and bytes back to
 *                   bench_dhcp_req;
 *   bench_pkt_wrap  does the same for a frame of any length up to
 *                   BENCH_PKT_MAX (bench_pkt_len bytes of bench_pkt: a
 *                   router solicitation, a DHCPv6 request);
 *   bench_hdr_wrap  rewrites the first 42 bytes (Ethernet, IPv4, UDP) back
 *                   into bench_hdr, for a routed frame: the router rewrites
 *                   its MACs and decrements its TTL in place;
 *   bench_flow_wrap makes every repetition a new flow for conntrack: it
 *                   writes a counter into the IPv4 UDP datagram's source
 *                   port (low 16 bits) and the last byte of its source
 *                   address (the next 8).
 *
 * The bench_op_* programs each do one of the datapath's building blocks
 * once, to price them: a hash lookup with the FDB's key shape, a per-CPU
 * hash lookup + counter update like tn_port_count, and a tail call.
 *
 * bench_gso_count is not a datapath figure: bench/gsocount attaches it to a
 * live interface's tc ingress (overlay.sh: where a wire-like underlay must
 * segment, and where GRO must aggregate) and it counts the skbs that pass,
 * those carrying more than one segment, and all their segments (from
 * gso_size where a decapsulation left gso_segs 0 for the stack to recount).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define BENCH_TC_ACT_OK	  0
#define BENCH_TC_ACT_SHOT 2
#define BENCH_ARP_LEN	  42
#define BENCH_DHCP_LEN	  342 /* Ethernet + IPv4 + UDP + a 300-byte BOOTP message */

const volatile __u32 bench_remote = 0; /* outer source, host byte order */
const volatile __u32 bench_vni = 0;    /* VXLAN network identifier */
__u8 bench_arp_req[BENCH_ARP_LEN];     /* the ARP request (.bss: never folded) */
__u8 bench_dhcp_req[BENCH_DHCP_LEN];   /* the DHCP request (.bss) */
__u8 bench_hdr[BENCH_ARP_LEN];	       /* a routed frame's headers (.bss) */
#define BENCH_PKT_MAX 256
__u8 bench_pkt[BENCH_PKT_MAX]; /* bench_pkt_wrap's frame (.bss) */
__u32 bench_pkt_len;	       /* its length, 14 .. BENCH_PKT_MAX (.bss) */
__u32 bench_flow_seq;	       /* bench_flow_wrap's flow counter (.bss) */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} bench_calls SEC(".maps");

/* Same key and value sizes as tn_fdb (tenet_abi.h). */
struct bench_fdb_key {
	__u32 vni;
	__u8 mac[6];
	__u16 pad;
};

struct bench_fdb {
	__u32 v[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct bench_fdb_key);
	__type(value, struct bench_fdb);
} bench_hash SEC(".maps");

/* Same shape as tn_port_stats. */
struct bench_counters {
	__u64 v[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct bench_counters);
} bench_pcpu_hash SEC(".maps");

SEC("tcx/ingress")
int bench_trivial(struct __sk_buff *skb)
{
	return BENCH_TC_ACT_OK;
}

SEC("tcx/ingress")
int bench_tun_wrap(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key = {};

	/* on receive, get_tunnel_key reports the outer source as remote_ipv4,
	 * and that is the key's local (source) address */
	key.local_ipv4 = bench_remote;
	key.remote_ipv4 = 0xc6120002; /* 198.18.0.2: us */
	key.tunnel_id = bench_vni;
	key.tunnel_ttl = 64;
	if (bpf_skb_set_tunnel_key(skb, &key, sizeof(key), 0))
		return BENCH_TC_ACT_SHOT;
	bpf_tail_call_static(skb, &bench_calls, 0);
	return BENCH_TC_ACT_SHOT;
}

SEC("tcx/ingress")
int bench_arp_wrap(struct __sk_buff *skb)
{
	if (bpf_skb_store_bytes(skb, 0, bench_arp_req, BENCH_ARP_LEN, 0))
		return BENCH_TC_ACT_SHOT;
	bpf_tail_call_static(skb, &bench_calls, 0);
	return BENCH_TC_ACT_SHOT;
}

SEC("tcx/ingress")
int bench_dhcp_wrap(struct __sk_buff *skb)
{
	if (skb->len != BENCH_DHCP_LEN && bpf_skb_change_tail(skb, BENCH_DHCP_LEN, 0))
		return BENCH_TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, 0, bench_dhcp_req, BENCH_DHCP_LEN, 0))
		return BENCH_TC_ACT_SHOT;
	bpf_tail_call_static(skb, &bench_calls, 0);
	return BENCH_TC_ACT_SHOT;
}

SEC("tcx/ingress")
int bench_pkt_wrap(struct __sk_buff *skb)
{
	__u32 len = bench_pkt_len;

	if (len < 14 || len > BENCH_PKT_MAX)
		return BENCH_TC_ACT_SHOT;
	if (skb->len != len && bpf_skb_change_tail(skb, len, 0))
		return BENCH_TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, 0, bench_pkt, len, 0))
		return BENCH_TC_ACT_SHOT;
	bpf_tail_call_static(skb, &bench_calls, 0);
	return BENCH_TC_ACT_SHOT;
}

SEC("tcx/ingress")
int bench_hdr_wrap(struct __sk_buff *skb)
{
	if (bpf_skb_store_bytes(skb, 0, bench_hdr, BENCH_ARP_LEN, 0))
		return BENCH_TC_ACT_SHOT;
	bpf_tail_call_static(skb, &bench_calls, 0);
	return BENCH_TC_ACT_SHOT;
}

SEC("tcx/ingress")
int bench_flow_wrap(struct __sk_buff *skb)
{
	__u32 seq = bench_flow_seq++;
	__u8 port[2] = {(__u8)(seq >> 8), (__u8)seq}, last = (__u8)(seq >> 16);

	/* Ethernet 14 + IPv4 20: the UDP source port at 34; the source
	 * address's last byte at 29 (checksums are not looked at) */
	if (bpf_skb_store_bytes(skb, 34, port, 2, 0) || bpf_skb_store_bytes(skb, 29, &last, 1, 0))
		return BENCH_TC_ACT_SHOT;
	bpf_tail_call_static(skb, &bench_calls, 0);
	return BENCH_TC_ACT_SHOT;
}

SEC("tcx/ingress")
int bench_op_hash(struct __sk_buff *skb)
{
	struct bench_fdb_key key = {.vni = 100, .mac = {2, 0, 0, 0, 0, 0x0b}};

	return bpf_map_lookup_elem(&bench_hash, &key) ? BENCH_TC_ACT_OK : BENCH_TC_ACT_SHOT;
}

SEC("tcx/ingress")
int bench_op_pcpu_count(struct __sk_buff *skb)
{
	__u32 key = 7;
	struct bench_counters *c = bpf_map_lookup_elem(&bench_pcpu_hash, &key);

	if (!c)
		return BENCH_TC_ACT_SHOT;
	c->v[0]++;
	c->v[1] += skb->len;
	return BENCH_TC_ACT_OK;
}

SEC("tcx/ingress")
int bench_op_tail(struct __sk_buff *skb)
{
	bpf_tail_call_static(skb, &bench_calls, 0);
	return BENCH_TC_ACT_SHOT;
}

/* bench_gso[]: skbs seen, skbs with gso_segs > 1, segments (gso_segs, or
 * 1 for an skb without GSO). Per CPU: bench/gsocount sums them. */
enum bench_gso_idx { BENCH_GSO_SKBS, BENCH_GSO_MULTI, BENCH_GSO_SEGS, BENCH_GSO_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_GSO_MAX);
	__type(key, __u32);
	__type(value, __u64);
} bench_gso SEC(".maps");

static __always_inline void bench_gso_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&bench_gso, &idx);

	if (v)
		*v += n;
}

/*
 * Segments of skb: gso_segs, or for a GSO skb whose count was reset (a
 * bpf_skb_adjust_room leaves gso_segs 0 for the stack to recount) its
 * length over gso_size, or 1 for an skb without GSO.
 */
static __always_inline __u32 bench_gso_segs(const struct __sk_buff *skb)
{
	__u32 size = skb->gso_size;

	if (skb->gso_segs)
		return skb->gso_segs;
	return size ? (skb->len - 1) / size : 1;
}

SEC("tcx/ingress")
int bench_gso_count(struct __sk_buff *skb)
{
	__u32 segs = bench_gso_segs(skb);

	bench_gso_add(BENCH_GSO_SKBS, 1);
	if (segs > 1 || (skb->gso_size && !skb->gso_segs)) /* GSO: two segments at least */
		bench_gso_add(BENCH_GSO_MULTI, 1);
	bench_gso_add(BENCH_GSO_SEGS, segs);
	return TCX_NEXT; /* whatever comes after decides */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
