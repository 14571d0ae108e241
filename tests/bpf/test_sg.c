// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_sg.c - security groups and conntrack in the datapath (bpf/lib/sg.h,
 * ct.h, nf/fw.h, nf/tun_fw.h) under BPF_PROG_TEST_RUN (ctest bpf.sg), on
 * the topology of dp_harness.h with identities: port A (local, ifindex 1)
 * SG_ID_A, port B (local) SG_ID_B, port C (host C) SG_ID_C. The policy rows
 * are written here as the controller's compiler would write them.
 *
 * Tests: remote_group, any_and_proto, port_range, icmp_type, cidr_v4,
 * cidr_v6, reply, related_icmp, related_icmp6, tcp_invalid, tcp_close,
 * tcp_rst, expired, gen_restamp, gen_revoke, tun_claim, tun_vxlan,
 * identity_zero, local_pair, flood, flood_in, flood_in_tun, exempt,
 * other_ethertypes, truncated, frag4, frag6.
 */
#include <stddef.h>
#include <time.h>

#include "dp_harness.h"

#define SG_ID_A		  100
#define SG_ID_B		  200
#define SG_ID_C		  300
#define SG_GROUP_1	  7001
#define SG_GROUP_2	  7002
#define SG_TUN_F_IDENTITY 0x2 /* bpf/lib/ctx.h: a claimed identity in cb[2] */

#define SG_E  TN_SG_EGRESS
#define SG_I  TN_SG_INGRESS
#define SG_V4 TN_SG_IPV4
#define SG_V6 TN_SG_IPV6

#define SG_TCP_SYN 0x02
#define SG_TCP_ACK 0x10
#define SG_TCP_FIN 0x01
#define SG_TCP_RST 0x04

static const __u8 ip6_a[16] = {0xfd, [15] = 0x0a};
static const __u8 ip6_b[16] = {0xfd, [15] = 0x0b};
static const __u8 ip6_c[16] = {0xfd, [15] = 0x0c};

/* ---- map rows ---- */

static void sg_ident(struct tenet_bpf *s, __u32 identity, __u32 gen)
{
	struct tn_sg_ident_key k = {.identity = identity};
	struct tn_sg_ident v = {.gen = gen};

	dp_put(s->maps.tn_sg_ident, &k, &v);
}

/* A remote-group rule: bits of the port matched (-1: any protocol). */
static void sg_rule(struct tenet_bpf *s, __u32 identity, __u32 remote, __u8 dir, __u8 proto,
		    __u16 port, int bits, __u32 group)
{
	struct tn_sg_rule_key k = {.identity = htonl(identity),
				   .remote = htonl(remote),
				   .dir = dir,
				   .proto = proto,
				   .port = htons(port)};
	struct tn_sg_allow v = {.group = group};

	k.prefixlen = bits < 0 ? TN_SG_RULE_PLEN_ANY : TN_SG_RULE_PLEN_PROTO + bits;
	if (bits < 0)
		k.proto = 0, k.port = 0;
	dp_put(s->maps.tn_sg_rule, &k, &v);
}

static void sg_rule_del(struct tenet_bpf *s, __u32 identity, __u32 remote, __u8 dir, __u8 proto,
			__u16 port, int bits)
{
	struct tn_sg_rule_key k = {.identity = htonl(identity),
				   .remote = htonl(remote),
				   .dir = dir,
				   .proto = proto,
				   .port = htons(port)};

	k.prefixlen = bits < 0 ? TN_SG_RULE_PLEN_ANY : TN_SG_RULE_PLEN_PROTO + bits;
	assert_int_equal(bpf_map__delete_elem(s->maps.tn_sg_rule, &k, sizeof(k), 0), 0);
}

/* A remote prefix (addr: 4 or 16 bytes, plen bits) of identity -> pset. */
static void sg_cidr(struct tenet_bpf *s, __u32 identity, __u8 dir, const void *addr, __u32 alen,
		    __u32 plen, __u32 pset)
{
	struct tn_sg_cidr_key k = {.prefixlen = 64 + plen, .identity = htonl(identity), .dir = dir};
	struct tn_sg_cidr v = {.pset = pset};

	memcpy(k.addr, addr, alen);
	dp_put(s->maps.tn_sg_cidr, &k, &v);
}

/* A port set's entry: bits of the port matched (-1: any protocol). */
static void sg_pset(struct tenet_bpf *s, __u32 identity, __u32 pset, __u8 proto, __u16 port,
		    int bits, __u32 group)
{
	struct tn_sg_pset_key k = {
	    .identity = htonl(identity), .pset = htonl(pset), .proto = proto, .port = htons(port)};
	struct tn_sg_allow v = {.group = group};

	k.prefixlen = bits < 0 ? TN_SG_PSET_PLEN_ANY : TN_SG_PSET_PLEN_PROTO + bits;
	if (bits < 0)
		k.proto = 0, k.port = 0;
	dp_put(s->maps.tn_sg_pset, &k, &v);
}

static void sg_ifport_ident(struct tenet_bpf *s, __u32 ifindex, __u32 identity)
{
	struct tn_ifindex_key k = {.ifindex = ifindex};
	struct tn_ifport v;

	assert_int_equal(bpf_map__lookup_elem(s->maps.tn_ifindex, &k, sizeof(k), &v, sizeof(v), 0),
			 0);
	v.identity = identity;
	dp_put(s->maps.tn_ifindex, &k, &v);
}

static void sg_fdb_ident(struct tenet_bpf *s, const __u8 *mac, __u32 identity)
{
	struct tn_fdb_key k = {.vni = DP_VNI_BLUE};
	struct tn_fdb v;

	memcpy(k.mac, mac, 6);
	assert_int_equal(bpf_map__lookup_elem(s->maps.tn_fdb, &k, sizeof(k), &v, sizeof(v), 0), 0);
	v.identity = identity;
	dp_put(s->maps.tn_fdb, &k, &v);
}

static void sg_nd_add(struct tenet_bpf *s, const __u8 *ip6, const __u8 *mac, __u32 port_id,
		      __be32 remote, __u32 identity)
{
	struct tn_nd_key k = {.vni = DP_VNI_BLUE};
	struct tn_nd v = {.port_id = port_id, .remote_ip4 = remote, .identity = identity};

	memcpy(k.ip6, ip6, 16);
	memcpy(v.mac, mac, 6);
	dp_put(s->maps.tn_nd, &k, &v);
}

/* dp_topology with identities on A, B (local, ifindex DP_IF_B) and C. */
static void sg_topology(struct tenet_bpf *s)
{
	dp_topology(s);
	dp_port_add(s, DP_IF_B, DP_PORT_B, DP_VNI_BLUE, dp_mac_b, DP_IP_B, 0);
	sg_ifport_ident(s, DP_IF_A, SG_ID_A);
	sg_ifport_ident(s, DP_IF_B, SG_ID_B);
	sg_fdb_ident(s, dp_mac_a, SG_ID_A);
	sg_fdb_ident(s, dp_mac_b, SG_ID_B);
	sg_fdb_ident(s, dp_mac_c, SG_ID_C);
	sg_ident(s, SG_ID_A, 1);
	sg_ident(s, SG_ID_B, 1);
	sg_nd_add(s, ip6_a, dp_mac_a, DP_PORT_A, 0, SG_ID_A);
	sg_nd_add(s, ip6_b, dp_mac_b, DP_PORT_B, 0, SG_ID_B);
	sg_nd_add(s, ip6_c, dp_mac_c, DP_PORT_C, DP_HOST_C, SG_ID_C);
}

/* ---- frames ---- */

/* Ethernet + IPv4 + TCP (20 bytes, flags) or another protocol with ports
 * (8 bytes). Returns the length. */
static __u32 sg_ip4(__u8 *p, const __u8 *dmac, const __u8 *smac, __be32 saddr, __be32 daddr,
		    __u8 proto, __u16 sport, __u16 dport, __u8 tcp_flags)
{
	__u32 l4 = proto == 6 ? 20 : 8;

	memset(p, 0, 14 + 20 + l4);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (__u8)((20 + l4) >> 8);
	p[17] = (__u8)(20 + l4);
	p[22] = 64;
	p[23] = proto;
	memcpy(p + 26, &saddr, 4);
	memcpy(p + 30, &daddr, 4);
	p[34] = sport >> 8, p[35] = sport & 0xff;
	p[36] = dport >> 8, p[37] = dport & 0xff;
	if (proto == 6) {
		p[46] = 0x50; /* data offset 5 */
		p[47] = tcp_flags;
	} else {
		p[39] = 8;
	}
	return 14 + 20 + l4;
}

/* An ICMP message type/code (identifier id) from saddr to daddr. */
static __u32 sg_icmp4(__u8 *p, const __u8 *dmac, const __u8 *smac, __be32 saddr, __be32 daddr,
		      __u8 type, __u8 code, __u16 id)
{
	__u32 len = sg_ip4(p, dmac, smac, saddr, daddr, 1, 0, 0, 0);

	p[34] = type;
	p[35] = code;
	p[38] = id >> 8, p[39] = id & 0xff;
	return len;
}

/* An ICMP error type/code quoting the first 28 bytes of the IPv4 packet
 * (after its Ethernet header) in q. */
static __u32 sg_icmp4_err(__u8 *p, const __u8 *dmac, const __u8 *smac, __be32 saddr, __be32 daddr,
			  __u8 type, __u8 code, const __u8 *q)
{
	sg_icmp4(p, dmac, smac, saddr, daddr, type, code, 0);
	memcpy(p + 42, q + 14, 28);
	p[16] = 0, p[17] = 20 + 8 + 28;
	return 14 + 20 + 8 + 28;
}

/* Ethernet + IPv6 + TCP (20) / UDP (8) / ICMPv6 (8: type, code, id). */
static __u32 sg_ip6(__u8 *p, const __u8 *dmac, const __u8 *smac, const __u8 *saddr,
		    const __u8 *daddr, __u8 proto, __u16 sport, __u16 dport, __u8 tcp_flags)
{
	__u32 l4 = proto == 6 ? 20 : 8;

	memset(p, 0, 14 + 40 + l4);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p[12] = 0x86, p[13] = 0xdd;
	p[14] = 0x60;
	p[19] = (__u8)l4;
	p[20] = proto;
	p[21] = 64;
	memcpy(p + 22, saddr, 16);
	memcpy(p + 38, daddr, 16);
	if (proto == 58) {
		p[54] = (__u8)(sport >> 8);		  /* type */
		p[55] = (__u8)sport;			  /* code */
		p[58] = dport >> 8, p[59] = dport & 0xff; /* identifier */
		return 14 + 40 + l4;
	}
	p[54] = sport >> 8, p[55] = sport & 0xff;
	p[56] = dport >> 8, p[57] = dport & 0xff;
	if (proto == 6) {
		p[66] = 0x50;
		p[67] = tcp_flags;
	}
	return 14 + 40 + l4;
}

/* ---- runs and counters ---- */

/* From port A; returns the verdict. */
static __u32 sg_vif(struct tenet_bpf *s, const __u8 *pkt, __u32 len)
{
	__u8 out[256];
	__u32 out_len = sizeof(out);

	return dp_vif_run(s, pkt, len, out, &out_len);
}

/* From host C in blue through tn_tunnel_ingress (no claim). */
static __u32 sg_tun(struct tenet_bpf *s, const __u8 *pkt, __u32 len)
{
	return dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE);
}

/* Through tn_tun_src straight, as a Geneve decapsulation would hand it on:
 * from host, claiming identity claim when claimed. */
static __u32 sg_tun_claim(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __be32 host, __u32 claim,
			  bool claimed)
{
	struct __sk_buff ctx = {.ifindex = DP_IF_A};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	dp_trace_reset(s);
	ctx.cb[0] = DP_VNI_BLUE;
	ctx.cb[2] = (claimed ? SG_TUN_F_IDENTITY : 0) | claim << 8;
	ctx.cb[3] = host;
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(s->progs.tn_tun_src), &opts), 0);
	return opts.retval;
}

static __u64 sg_percpu_sum(struct bpf_map *map, const void *key, __u32 key_size)
{
	int n = libbpf_num_possible_cpus();
	__u64 *v, sum = 0;

	assert_true(n > 0);
	v = calloc(n, sizeof(*v));
	assert_non_null(v);
	if (!bpf_map__lookup_elem(map, key, key_size, v, n * sizeof(*v), 0))
		for (int i = 0; i < n; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* Drops of the port at ifindex for reason (tn_port_drops). */
static __u64 sg_drops(struct tenet_bpf *s, __u32 ifindex, __u32 reason)
{
	struct tn_port_drop_key k = {.slot = DP_SLOT(ifindex), .reason = reason};

	return sg_percpu_sum(s->maps.tn_port_drops, &k, sizeof(k));
}

/* Flows group let open for the port at ifindex (tn_sg_stats). */
static __u64 sg_flows(struct tenet_bpf *s, __u32 ifindex, __u32 group)
{
	struct tn_sg_stats_key k = {.slot = DP_SLOT(ifindex), .group = group};

	return sg_percpu_sum(s->maps.tn_sg_stats, &k, sizeof(k));
}

/* The number of tn_ct entries of port_id. */
static int sg_ct_count(struct tenet_bpf *s, __u32 port_id)
{
	struct tn_ct_key k, next;
	int n = 0, fd = bpf_map__fd(s->maps.tn_ct);
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (next.port_id == port_id)
			n++;
		k = next;
		prev = &k;
	}
	return n;
}

/* The IPv4 entry of port_id opened by saddr:sport to daddr:dport; false if
 * none. */
static bool sg_ct_get4(struct tenet_bpf *s, __u32 port_id, __u8 proto, __be32 saddr, __u16 sport,
		       __be32 daddr, __u16 dport, struct tn_ct *ct)
{
	struct tn_ct_key k = {.port_id = port_id,
			      .proto = proto,
			      .family = 4,
			      .sport = htons(sport),
			      .dport = htons(dport)};

	memcpy(k.saddr, &saddr, 4);
	memcpy(k.daddr, &daddr, 4);
	return !bpf_map__lookup_elem(s->maps.tn_ct, &k, sizeof(k), ct, sizeof(*ct), 0);
}

static void sg_ct_put4(struct tenet_bpf *s, __u32 port_id, __u8 proto, __be32 saddr, __u16 sport,
		       __be32 daddr, __u16 dport, const struct tn_ct *ct)
{
	struct tn_ct_key k = {.port_id = port_id,
			      .proto = proto,
			      .family = 4,
			      .sport = htons(sport),
			      .dport = htons(dport)};

	memcpy(k.saddr, &saddr, 4);
	memcpy(k.daddr, &daddr, 4);
	dp_put(s->maps.tn_ct, &k, ct);
}

static __u64 sg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns's clock */
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Verdicts: to host C through the vxlan device, into port A. */
static void sg_sent_to_c(struct tenet_bpf *s, __u32 ret)
{
	assert_int_equal(ret, DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
}

static void sg_into_a(struct tenet_bpf *s, __u32 ret)
{
	assert_int_equal(ret, DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
}

static void sg_dropped(struct tenet_bpf *s, __u32 ret, __u32 reason)
{
	assert_int_equal(ret, DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, reason);
}

/* sg_topology and one remote group rule of A's for C's identity (group
 * SG_GROUP_1): direction dir, protocol proto, the first bits of port. */
static void sg_topology_rule(struct tenet_bpf *s, __u8 dir, __u8 proto, __u16 port, int bits)
{
	sg_topology(s);
	sg_rule(s, SG_ID_A, SG_ID_C, dir, proto, port, bits, SG_GROUP_1);
}

/* IPv4 from A to C (sg_ip4's protocol, ports and TCP flags) sent by port
 * A; returns the verdict. */
static __u32 sg_a2c(struct tenet_bpf *s, __u8 proto, __u16 sport, __u16 dport, __u8 tcp_flags)
{
	__u8 pkt[128];
	__u32 len =
	    sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, proto, sport, dport, tcp_flags);

	return sg_vif(s, pkt, len);
}

/* IPv4 from C to A arriving from host C over the tunnel; the verdict. */
static __u32 sg_c2a(struct tenet_bpf *s, __u8 proto, __u16 sport, __u16 dport, __u8 tcp_flags)
{
	__u8 pkt[128];
	__u32 len =
	    sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, proto, sport, dport, tcp_flags);

	return sg_tun(s, pkt, len);
}

/* ---- tests ---- */

/* A rule with a remote group: TCP 80 from A to members of C's identity. */
static void test_remote_group(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace_step st;
	struct tn_trace t;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 40000, 80, SG_TCP_SYN);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_EGRESS), 1);
	t = dp_trace(s);
	assert_true(t.n_step > 0 && t.n_step <= TN_TRACE_MAX_STEP);
	st = t.step[t.n_step - 1];
	assert_int_equal(st.stage, TN_STAGE_FW);
	assert_int_equal(st.key, TN_TKEY_CT);
	assert_int_equal(st.found, 0);
	assert_int_equal(st.port_id, DP_PORT_A);
	assert_int_equal(st.ifindex, SG_ID_A);
	assert_int_equal(st.ip4, SG_ID_C);
	assert_int_equal(st.flags, SG_E);
	assert_int_equal(st.verdict, TN_TRACE_DROP);
	sg_rule(s, SG_ID_A, SG_ID_C, SG_E | SG_V4, 6, 80, 16, SG_GROUP_1);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 1);
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 1);
	/* another port, another remote identity, another direction: denied */
	sg_dropped(s, sg_a2c(s, 6, 40001, 81, SG_TCP_SYN), TN_DROP_SG_EGRESS);
	sg_fdb_ident(s, dp_mac_c, SG_ID_B);
	sg_dropped(s, sg_a2c(s, 6, 40002, 80, SG_TCP_SYN), TN_DROP_SG_EGRESS);
	sg_fdb_ident(s, dp_mac_c, SG_ID_C);
	sg_dropped(s, sg_c2a(s, 6, 40003, 80, SG_TCP_SYN), TN_DROP_SG_INGRESS);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_EGRESS), 3);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 1);
	assert_int_equal(dp_stat(s, TN_DROP_SG_EGRESS), 3);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 1);
}

/* Any protocol (prefix 72) and one protocol, any port (80). */
static void test_any_and_proto(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_E | SG_V4, 17, 0, 0);
	sg_sent_to_c(s, sg_a2c(s, 17, 5000, 9999, 0));
	sg_dropped(s, sg_a2c(s, 6, 5000, 9999, SG_TCP_SYN), TN_DROP_SG_EGRESS);
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 47, 0, 0, 0); /* GRE */
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	sg_rule(s, SG_ID_A, SG_ID_C, SG_E | SG_V4, 0, 0, -1, SG_GROUP_2);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	sg_sent_to_c(s, sg_a2c(s, 6, 5000, 9999, SG_TCP_SYN));
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 1);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_2), 2);
}

/* A port range as prefix blocks: 1024-2047 is one block of 6 bits. */
static void test_port_range(void **state)
{
	const __u16 in[] = {1024, 1500, 2047}, out[] = {1023, 2048, 80};
	struct tenet_bpf *s = *state;

	sg_topology_rule(s, SG_E | SG_V4, 17, 1024, 6);
	for (int i = 0; i < 3; i++) {
		sg_sent_to_c(s, sg_a2c(s, 17, 777, in[i], 0));
		sg_dropped(s, sg_a2c(s, 17, 777, out[i], 0), TN_DROP_SG_EGRESS);
	}
}

/* ICMP by type (prefix 88) and by type and code (96). */
static void test_icmp_type(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_E | SG_V4, 1, 8 << 8, 8);
	sg_rule(s, SG_ID_A, SG_ID_C, SG_E | SG_V4, 1, 13 << 8 | 1, 16, SG_GROUP_2);
	len = sg_icmp4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 8, 0, 0x1234);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 1); /* echo is tracked */
	len = sg_icmp4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 13, 1, 0);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	len = sg_icmp4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 13, 0, 0);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 1); /* timestamps are not */
	/* the echo reply comes back without an ingress rule */
	len = sg_icmp4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 0, 0, 0x1234);
	sg_into_a(s, sg_tun(s, pkt, len));
	len = sg_icmp4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 0, 0, 0x4321);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_INGRESS);
}

/* Remote CIDRs: the longest prefix's port set alone decides. */
static void test_cidr_v4(void **state)
{
	const __be32 net8 = DP_IP(10, 0, 0, 0), net24 = DP_IP(10, 0, 0, 0);
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	sg_cidr(s, SG_ID_A, SG_E | SG_V4, &net8, 4, 8, 1);
	sg_pset(s, SG_ID_A, 1, 6, 0, 0, SG_GROUP_1); /* TCP any port */
	sg_cidr(s, SG_ID_A, SG_E | SG_V4, &net24, 4, 24, 2);
	sg_pset(s, SG_ID_A, 2, 17, 53, 16, SG_GROUP_2); /* UDP 53 (and TCP: not here) */
	/* 10.0.0.3 (C) is in the /24: UDP 53 only */
	sg_sent_to_c(s, sg_a2c(s, 17, 999, 53, 0));
	sg_dropped(s, sg_a2c(s, 6, 999, 22, SG_TCP_SYN), TN_DROP_SG_EGRESS);
	/* 10.9.9.9 (behind C) only in the /8: TCP */
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP(10, 9, 9, 9), 6, 999, 22, SG_TCP_SYN);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP(10, 9, 9, 9), 17, 999, 53, 0);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	/* outside both */
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP(11, 0, 0, 1), 6, 999, 22, SG_TCP_SYN);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	/* the IPv4 rows say nothing to IPv6, the egress rows nothing to ingress */
	sg_dropped(s, sg_c2a(s, 17, 999, 53, 0), TN_DROP_SG_INGRESS);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 1);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_2), 1);
}

static void test_cidr_v6(void **state)
{
	const __u8 net8[16] = {0xfd}, net64[16] = {0xfd};
	const __u8 far[16] = {0xfd, 0, 0, 0, 0, 0, 0, 9, [15] = 9};
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	sg_cidr(s, SG_ID_A, SG_E | SG_V6, net8, 16, 8, 1);
	sg_pset(s, SG_ID_A, 1, 6, 0, 0, SG_GROUP_1);
	sg_cidr(s, SG_ID_A, SG_E | SG_V6, net64, 16, 64, 2);
	sg_pset(s, SG_ID_A, 2, 17, 53, 16, SG_GROUP_2);
	len = sg_ip6(pkt, dp_mac_c, dp_mac_a, ip6_a, ip6_c, 17, 999, 53, 0);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	len = sg_ip6(pkt, dp_mac_c, dp_mac_a, ip6_a, ip6_c, 6, 999, 22, SG_TCP_SYN);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	len = sg_ip6(pkt, dp_mac_c, dp_mac_a, ip6_a, far, 6, 999, 22, SG_TCP_SYN);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	len = sg_ip6(pkt, dp_mac_c, dp_mac_a, ip6_a, far, 17, 999, 53, 0);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	/* the answer to the UDP flow comes back over the tunnel */
	len = sg_ip6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 17, 53, 999, 0);
	sg_into_a(s, sg_tun(s, pkt, len));
	/* IPv4 to the same addresses' family: nothing */
	sg_dropped(s, sg_a2c(s, 17, 999, 53, 0), TN_DROP_SG_EGRESS);
}

/* A reply passes without an ingress rule; an unsolicited packet does not. */
static void test_reply(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_ct ct;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_E | SG_V4, 17, 0, 0);
	sg_sent_to_c(s, sg_a2c(s, 17, 5000, 53, 0));
	assert_true(sg_ct_get4(s, DP_PORT_A, 17, DP_IP_A, 5000, DP_IP_C, 53, &ct));
	assert_int_equal(ct.flags, 0);
	assert_int_equal(ct.remote, SG_ID_C);
	assert_int_equal(ct.group, SG_GROUP_1);
	assert_int_equal(ct.gen, 1);
	sg_into_a(s, sg_c2a(s, 17, 53, 5000, 0));
	assert_true(sg_ct_get4(s, DP_PORT_A, 17, DP_IP_A, 5000, DP_IP_C, 53, &ct));
	assert_true(ct.flags & TN_CT_F_REPLY);
	sg_dropped(s, sg_c2a(s, 17, 53, 5001, 0), TN_DROP_SG_INGRESS);
	/* an ingress-opened flow: its reply leaves without an egress rule */
	sg_rule(s, SG_ID_A, SG_ID_C, SG_I | SG_V4, 6, 22, 16, SG_GROUP_2);
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 6, 6000, 22, SG_TCP_SYN);
	sg_into_a(s, sg_tun(s, pkt, len));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_C, 6000, DP_IP_A, 22, &ct));
	assert_int_equal(ct.flags, TN_CT_F_INGRESS);
	len =
	    sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 22, 6000, SG_TCP_SYN | SG_TCP_ACK);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_2), 1);
}

/* ICMP errors: related to a tracked flow pass, unrelated ones do not. */
static void test_related_icmp(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128], orig[128];
	__u32 len;

	sg_topology_rule(s, SG_E | SG_V4, 17, 0, 0);
	sg_ip4(orig, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 17, 5000, 53, 0);
	sg_sent_to_c(s, sg_vif(s, orig, 42));
	len = sg_icmp4_err(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 3, 3, orig);
	sg_into_a(s, sg_tun(s, pkt, len));
	/* quoting a flow never opened */
	sg_ip4(orig, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 17, 5000, 54, 0);
	len = sg_icmp4_err(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 3, 3, orig);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_CT_INVALID);
	/* even with a rule that allows ICMP in */
	sg_rule(s, SG_ID_A, SG_ID_C, SG_I | SG_V4, 1, 0, 0, SG_GROUP_2);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_CT_INVALID);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_CT_INVALID), 2);
	/* an error about an ingress-opened flow, sent by A: related too */
	sg_rule(s, SG_ID_A, SG_ID_C, SG_I | SG_V4, 17, 0, 0, SG_GROUP_2);
	sg_ip4(orig, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 7000, 161, 0);
	sg_into_a(s, sg_tun(s, orig, 42));
	len = sg_icmp4_err(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 3, 3, orig);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
}

static void test_related_icmp6(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[192], orig[128];
	__u32 len;

	sg_topology_rule(s, SG_E | SG_V6, 17, 0, 0);
	sg_ip6(orig, dp_mac_c, dp_mac_a, ip6_a, ip6_c, 17, 5000, 53, 0);
	sg_sent_to_c(s, sg_vif(s, orig, 62));
	/* destination unreachable (1/4) quoting the IPv6 header and 8 bytes */
	len = sg_ip6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 58, 1 << 8 | 4, 0, 0);
	memcpy(pkt + 62, orig + 14, 48);
	pkt[19] = 8 + 48;
	len += 48;
	sg_into_a(s, sg_tun(s, pkt, len));
	orig[14 + 40 + 3] = 54; /* another port */
	memcpy(pkt + 62, orig + 14, 48);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_CT_INVALID);
}

/* TCP without SYN and without an entry is invalid. */
static void test_tcp_invalid(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_E | SG_V4, 6, 0, 0);
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 5000, 80, SG_TCP_ACK);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_CT_INVALID);
	len =
	    sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 5000, 80, SG_TCP_SYN | SG_TCP_ACK);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_CT_INVALID);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_CT_INVALID), 2);
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 0);
	sg_sent_to_c(s, sg_a2c(s, 6, 5000, 80, SG_TCP_SYN));
	sg_sent_to_c(s, sg_a2c(s, 6, 5000, 80, SG_TCP_ACK));
}

/* Opens A:5000 -> C:80 and has C answer; returns the entry. */
static struct tn_ct sg_tcp_open(struct tenet_bpf *s)
{
	struct tn_ct ct;
	__u8 pkt[128];
	__u32 len;

	sg_rule(s, SG_ID_A, SG_ID_C, SG_E | SG_V4, 6, 80, 16, SG_GROUP_1);
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 5000, 80, SG_TCP_SYN);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(ct.tcp_state, TN_CT_TCP_SYN_SENT);
	assert_true(ct.expires_ns <= sg_now() + TN_CT_LIFETIME_SYN * 1000000000ull);
	len =
	    sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 6, 80, 5000, SG_TCP_SYN | SG_TCP_ACK);
	sg_into_a(s, sg_tun(s, pkt, len));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(ct.tcp_state, TN_CT_TCP_ESTABLISHED);
	assert_true(ct.expires_ns > sg_now() + (TN_CT_LIFETIME_TCP - 60) * 1000000000ull);
	return ct;
}

/* FIN both ways closes: the entry expires within TN_CT_LIFETIME_CLOSE, and
 * a new SYN opens the connection again. */
static void test_tcp_close(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_ct ct;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	sg_tcp_open(s);
	len =
	    sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 5000, 80, SG_TCP_FIN | SG_TCP_ACK);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(ct.tcp_state, TN_CT_TCP_ESTABLISHED);
	assert_true(ct.flags & TN_CT_F_FIN_ORIG);
	len =
	    sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 6, 80, 5000, SG_TCP_FIN | SG_TCP_ACK);
	sg_into_a(s, sg_tun(s, pkt, len));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(ct.tcp_state, TN_CT_TCP_CLOSED);
	assert_true(ct.expires_ns <= sg_now() + TN_CT_LIFETIME_CLOSE * 1000000000ull);
	/* the last ACK still passes; a new SYN reopens */
	sg_sent_to_c(s, sg_a2c(s, 6, 5000, 80, SG_TCP_ACK));
	sg_sent_to_c(s, sg_a2c(s, 6, 5000, 80, SG_TCP_SYN));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(ct.tcp_state, TN_CT_TCP_SYN_SENT);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 2);
}

static void test_tcp_rst(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_ct ct;

	sg_topology(s);
	sg_tcp_open(s);
	sg_into_a(s, sg_c2a(s, 6, 80, 5000, SG_TCP_RST));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(ct.tcp_state, TN_CT_TCP_CLOSED);
	assert_true(ct.expires_ns <= sg_now() + TN_CT_LIFETIME_CLOSE * 1000000000ull);
}

/* An expired entry is no entry: the reply is a new flow, denied. */
static void test_expired(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_ct ct;

	sg_topology_rule(s, SG_E | SG_V4, 17, 0, 0);
	sg_sent_to_c(s, sg_a2c(s, 17, 5000, 53, 0));
	assert_true(sg_ct_get4(s, DP_PORT_A, 17, DP_IP_A, 5000, DP_IP_C, 53, &ct));
	ct.expires_ns = sg_now() - 1;
	sg_ct_put4(s, DP_PORT_A, 17, DP_IP_A, 5000, DP_IP_C, 53, &ct);
	sg_dropped(s, sg_c2a(s, 17, 53, 5000, 0), TN_DROP_SG_INGRESS);
	/* and the egress packet opens it afresh */
	sg_sent_to_c(s, sg_a2c(s, 17, 5000, 53, 0));
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 2);
	assert_true(sg_ct_get4(s, DP_PORT_A, 17, DP_IP_A, 5000, DP_IP_C, 53, &ct));
	assert_true(ct.expires_ns > sg_now());
}

/* A new generation with the flow still allowed: re-stamped, passes. */
static void test_gen_restamp(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_ct ct;

	sg_topology(s);
	sg_tcp_open(s);
	sg_ident(s, SG_ID_A, 2);
	sg_rule(s, SG_ID_A, SG_ID_C, SG_E | SG_V4, 6, 0, 0, SG_GROUP_2); /* broader, other group */
	sg_rule_del(s, SG_ID_A, SG_ID_C, SG_E | SG_V4, 6, 80, 16);
	/* the reply direction is checked as the connection was opened */
	sg_into_a(s, sg_c2a(s, 6, 80, 5000, SG_TCP_ACK));
	assert_true(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(ct.gen, 2);
	assert_int_equal(ct.group, SG_GROUP_2);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_2), 0); /* no new flow */
}

/* A new generation without the rule: the connection is cut. */
static void test_gen_revoke(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_ct ct;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	sg_tcp_open(s);
	sg_rule_del(s, SG_ID_A, SG_ID_C, SG_E | SG_V4, 6, 80, 16);
	/* same generation: the controller has not said the rules changed */
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 5000, 80, SG_TCP_ACK);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	sg_ident(s, SG_ID_A, 2);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_REVOKED);
	assert_false(sg_ct_get4(s, DP_PORT_A, 6, DP_IP_A, 5000, DP_IP_C, 80, &ct));
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_REVOKED), 1);
	/* and what follows is invalid TCP */
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_CT_INVALID);
}

/* A claimed identity must be the source port's; the verified one is what
 * the ingress rules see. */
static void test_tun_claim(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_I | SG_V4, 17, 0, 0);
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 5000, 53, 0);
	sg_into_a(s, sg_tun_claim(s, pkt, len, DP_HOST_C, SG_ID_C, true));
	/* B's identity, which the rules would not allow either way */
	sg_dropped(s, sg_tun_claim(s, pkt, len, DP_HOST_C, SG_ID_B, true), TN_DROP_TUN_IDENTITY);
	/* an identity a rule allows, claimed for a port that does not have it */
	sg_rule(s, SG_ID_A, SG_ID_B, SG_I | SG_V4, 17, 0, 0, SG_GROUP_2);
	sg_dropped(s, sg_tun_claim(s, pkt, len, DP_HOST_C, SG_ID_B, true), TN_DROP_TUN_IDENTITY);
	sg_dropped(s, sg_tun_claim(s, pkt, len, DP_HOST_C, 0, true), TN_DROP_TUN_IDENTITY);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_IDENTITY), 3);
	/* the right identity from the wrong host: a claim for a port that
	 * lives elsewhere is a forged identity too (the ABI's reason) */
	dp_peer_add(s, DP_HOST_E, DP_VNI_BLUE);
	sg_dropped(s, sg_tun_claim(s, pkt, len, DP_HOST_E, SG_ID_C, true), TN_DROP_TUN_IDENTITY);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_2), 0);
}

/* VXLAN carries no identity: the source port's row gives it. */
static void test_tun_vxlan(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_I | SG_V4, 17, 0, 0);
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 5000, 53, 0);
	sg_into_a(s, sg_tun(s, pkt, len));
	sg_into_a(s, sg_tun_claim(s, pkt, len, DP_HOST_C, 0, false));
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 1); /* one flow */
	/* C's row says another identity: the rule keyed by C's no longer applies */
	sg_fdb_ident(s, dp_mac_c, SG_ID_B);
	sg_dropped(s, sg_c2a(s, 17, 5001, 53, 0), TN_DROP_SG_INGRESS);
}

/* Identity 0: nothing checked, nothing tracked. */
static void test_identity_zero(void **state)
{
	struct tenet_bpf *s = *state;

	sg_topology(s);
	sg_ifport_ident(s, DP_IF_A, 0);
	sg_fdb_ident(s, dp_mac_a, 0);
	sg_sent_to_c(s, sg_a2c(s, 6, 5000, 80, SG_TCP_ACK));
	sg_into_a(s, sg_c2a(s, 6, 80, 5000, SG_TCP_ACK));
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 0);
	assert_int_equal(dp_stat(s, TN_DROP_SG_EGRESS) + dp_stat(s, TN_DROP_SG_INGRESS), 0);
}

/* Two ports of one host: A's egress, then B's ingress; one entry each. */
static void test_local_pair(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	sg_rule(s, SG_ID_A, SG_ID_B, SG_E | SG_V4, 6, 443, 16, SG_GROUP_1);
	len = sg_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B, 6, 5000, 443, SG_TCP_SYN);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_INGRESS);
	assert_int_equal(sg_drops(s, DP_IF_B, TN_DROP_SG_INGRESS), 1); /* B's policy */
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 0);
	sg_rule(s, SG_ID_B, SG_ID_A, SG_I | SG_V4, 6, 443, 16, SG_GROUP_2);
	len = sg_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B, 6, 5001, 443, SG_TCP_SYN);
	assert_int_equal(sg_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, DP_IF_B);
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 2); /* 5000 and 5001 */
	assert_int_equal(sg_ct_count(s, DP_PORT_B), 1);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 2);
	assert_int_equal(sg_flows(s, DP_IF_B, SG_GROUP_2), 1);
	/* a port without identity sends to B: B's ingress, remote identity 0 */
	sg_ifport_ident(s, DP_IF_A, 0);
	len = sg_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B, 6, 5002, 443, SG_TCP_SYN);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_INGRESS);
	sg_cidr(s, SG_ID_B, SG_I | SG_V4, &(__be32){DP_IP_A}, 4, 32, 5);
	sg_pset(s, SG_ID_B, 5, 6, 443, 16, SG_GROUP_1);
	assert_int_equal(sg_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
}

/* Broadcast and multicast IP from a port: its egress rules, remote
 * identity 0 (CIDR rules), then flooded; ARP is not subject. */
static void test_flood(void **state)
{
	const __be32 any = 0;
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	len = sg_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255), 17, 5000, 5000, 0);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_EGRESS);
	sg_cidr(s, SG_ID_A, SG_E | SG_V4, &any, 4, 0, 1);
	sg_pset(s, SG_ID_A, 1, 0, 0, -1, SG_GROUP_1);
	assert_int_equal(sg_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_true(dp_trace(s).n_clone > 0);
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 77));
	sg_vif(s, pkt, len);
	assert_int_equal(dp_stat(s, TN_DROP_SG_EGRESS), 1);
}

/* DHCP and ND are the earlier stages' business. */
static void test_exempt(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	/* a DHCP server's answer to A from C (a tenant's own server) */
	sg_into_a(s, sg_c2a(s, 17, 67, 68, 0));
	/* but not the other way round */
	sg_dropped(s, sg_c2a(s, 17, 68, 67, 0), TN_DROP_SG_INGRESS);
	/* a neighbor advertisement from C */
	len = sg_ip6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 58, 136 << 8, 0, 0);
	pkt[19] = 24;
	memset(pkt + 62, 0, 16);
	memcpy(pkt + 62, ip6_c, 16);
	len += 16;
	sg_into_a(s, sg_tun(s, pkt, len));
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 0);
}

/* No rule allows an ethertype but IPv4 and IPv6 (ARP apart): a VLAN tag
 * from a port without port security does not carry IP past A's rules. */
static void test_other_ethertypes(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology(s);
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_c, DP_PORT_C, 0, DP_HOST_C, DP_IP_C, TN_FDB_F_REMOTE);
	sg_rule(s, SG_ID_A, 0, SG_I | SG_V4, 0, 0, -1, SG_GROUP_1);
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 5000, 53, 0);
	memmove(pkt + 16, pkt + 12, len - 12);
	pkt[12] = 0x81, pkt[13] = 0x00, pkt[14] = 0, pkt[15] = 5; /* VLAN 5 */
	len += 4;
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_INGRESS);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 1);
	/* ARP passes */
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C, DP_IP_A);
	memcpy(pkt, dp_mac_a, 6);
	assert_int_equal(sg_tun(s, pkt, len), DP_TC_ACT_REDIRECT);
}

/*
 * Every prefix of a TCP segment, a UDP datagram, an ICMP error and an
 * ICMPv6 error from port A: a frame too short for the headers the parser
 * reads is TN_DROP_MALFORMED, never a verdict from bytes past its end.
 */
static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[4][192], orig[128];
	__u32 full[4], need[4];

	sg_topology_rule(s, SG_E | SG_V4, 0, 0, -1);
	sg_rule(s, SG_ID_A, SG_ID_C, SG_E | SG_V6, 0, 0, -1, SG_GROUP_1);
	full[0] = sg_ip4(pkt[0], dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 6, 1, 2, SG_TCP_SYN);
	need[0] = 14 + 20 + 14;
	full[1] = sg_ip4(pkt[1], dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 17, 1, 2, 0);
	need[1] = 14 + 20 + 4;
	sg_ip4(orig, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 3, 4, 0);
	full[2] = sg_icmp4_err(pkt[2], dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 3, 3, orig);
	need[2] = full[2];
	sg_ip6(orig, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 17, 3, 4, 0);
	full[3] = sg_ip6(pkt[3], dp_mac_c, dp_mac_a, ip6_a, ip6_c, 58, 1 << 8, 0, 0);
	memcpy(pkt[3] + 62, orig + 14, 48);
	pkt[3][19] = 8 + 48;
	full[3] += 48;
	need[3] = full[3]; /* the payload length covers it all */
	for (int k = 0; k < 4; k++)
		for (__u32 len = 0; len <= full[k]; len++) {
			__u64 before = dp_stat(s, TN_DROP_MALFORMED);
			__u32 ret;

			if (dp_run_refuses(pkt[k], len))
				continue;
			ret = sg_vif(s, pkt[k], len);
			if (len < need[k]) {
				assert_int_equal(ret, DP_TC_ACT_SHOT);
				assert_int_equal(dp_stat(s, TN_DROP_MALFORMED), before + 1);
			} else {
				assert_int_equal(dp_stat(s, TN_DROP_MALFORMED), before);
			}
		}
	/* the errors quote flows never opened: whole, they are invalid */
	assert_true(dp_stat(s, TN_DROP_CT_INVALID) >= 2);
}

/* ---- flooded copies (nf/flood_in.h) ---- */

#define SG_TCX_NEXT ((__u32)-1)

/*
 * Runs prog on pkt arriving on (or, for tn_vif_egress, leaving through)
 * ifindex DP_IF_A with skb->cb set from cb[5]; cb receives skb->cb as the
 * program left it, which is what every copy it cloned carries. Returns the
 * verdict.
 */
static __u32 sg_run_cb(struct tenet_bpf *s, struct bpf_program *prog, const __u8 *pkt, __u32 len,
		       __u32 *cb)
{
	struct __sk_buff ctx = {.ifindex = DP_IF_A}, out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &out, .ctx_size_out = sizeof(out),
		    .repeat = 1);

	memcpy(ctx.cb, cb, sizeof(ctx.cb));
	dp_trace_reset(s);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0);
	memcpy(cb, out.cb, sizeof(out.cb));
	return opts.retval;
}

/* Floods pkt from port A; cb receives what its copies carry. */
static void sg_flood_from_a(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u32 *cb)
{
	memset(cb, 0, 5 * sizeof(*cb));
	assert_int_equal(sg_run_cb(s, s->progs.tn_vif_ingress, pkt, len, cb), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_true(dp_trace(s).n_clone > 0);
}

/* A copy with cb leaving through the interface at DP_IF_A (tn_vif_egress),
 * whichever port's tn_ifindex row it has. */
static __u32 sg_copy_out(struct tenet_bpf *s, const __u8 *pkt, __u32 len, const __u32 *cb)
{
	__u32 c[5];

	memcpy(c, cb, sizeof(c));
	return sg_run_cb(s, s->progs.tn_vif_egress, pkt, len, c);
}

/* Gives the interface at DP_IF_A the row of port B (identity B): the
 * receiving end of A's flooded copies (test_run takes only ifindex 1). */
static void sg_if_a_is_b(struct tenet_bpf *s)
{
	dp_port_add(s, DP_IF_A, DP_PORT_B, DP_VNI_BLUE, dp_mac_b, DP_IP_B, 0);
	sg_ifport_ident(s, DP_IF_A, SG_ID_B);
}

/*
 * A broadcast from A passes A's egress rules, and each copy meets the
 * receiving port's ingress rules (here B's) at its interface's egress:
 * denied and counted against B, then allowed (a remote group rule naming
 * A's identity, which the copy carries) and tracked for B. ARP copies are
 * not subject; frames without the flood mark go by untouched.
 */
static void test_flood_in(void **state)
{
	const __be32 any = 0;
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 cb[5], len;

	sg_topology(s);
	sg_cidr(s, SG_ID_A, SG_E | SG_V4, &any, 4, 0, 1);
	sg_pset(s, SG_ID_A, 1, 0, 0, -1, SG_GROUP_1);
	len = sg_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255), 17, 5000, 5000, 0);
	sg_flood_from_a(s, pkt, len, cb);
	assert_int_equal(cb[2], SG_ID_A);
	sg_if_a_is_b(s);
	assert_int_equal(sg_copy_out(s, pkt, len, cb), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SG_INGRESS);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 1); /* B's slot: ifindex 1's */
	assert_int_equal(sg_ct_count(s, DP_PORT_B), 0);
	sg_rule(s, SG_ID_B, SG_ID_A, SG_I | SG_V4, 17, 5000, 16, SG_GROUP_2);
	assert_int_equal(sg_copy_out(s, pkt, len, cb), SG_TCX_NEXT);
	assert_int_equal(sg_ct_count(s, DP_PORT_B), 1);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_2), 1);
	/* a rule for another sender's identity does not admit A's copies */
	sg_rule_del(s, SG_ID_B, SG_ID_A, SG_I | SG_V4, 17, 5000, 16);
	sg_rule(s, SG_ID_B, SG_ID_C, SG_I | SG_V4, 17, 5000, 16, SG_GROUP_2);
	len = sg_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255), 17, 5001, 5000, 0);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A,
		    TN_LPORT_F_PORT_SECURITY);
	sg_ifport_ident(s, DP_IF_A, SG_ID_A);
	sg_flood_from_a(s, pkt, len, cb);
	sg_if_a_is_b(s);
	assert_int_equal(sg_copy_out(s, pkt, len, cb), DP_TC_ACT_SHOT);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 2);
	/* ARP is not subject to groups: its copies pass */
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 77));
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A,
		    TN_LPORT_F_PORT_SECURITY);
	sg_ifport_ident(s, DP_IF_A, SG_ID_A);
	sg_flood_from_a(s, pkt, len, cb);
	sg_if_a_is_b(s);
	assert_int_equal(sg_copy_out(s, pkt, len, cb), SG_TCX_NEXT);
	/* no mark (a frame delivered through the veth, a responder's answer):
	 * untouched, whatever the rules */
	len = sg_ip4(pkt, dp_mac_b, dp_mac_c, DP_IP_C, DP_IP_B, 17, 1, 2, 0);
	memset(cb, 0, sizeof(cb));
	assert_int_equal(sg_copy_out(s, pkt, len, cb), SG_TCX_NEXT);
	cb[0] = DP_VNI_BLUE | 1u << 30; /* the flag without the tag */
	assert_int_equal(sg_copy_out(s, pkt, len, cb), SG_TCX_NEXT);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 2);
	/* a receiving port without identity takes every copy */
	sg_ifport_ident(s, DP_IF_A, 0);
	len = sg_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255), 17, 5001, 5000, 0);
	cb[0] = DP_VNI_BLUE | 1u << 30, cb[2] = SG_ID_A, cb[3] = 0x746e666c;
	assert_int_equal(sg_copy_out(s, pkt, len, cb), SG_TCX_NEXT);
	assert_int_equal(dp_stat(s, TN_DROP_SG_INGRESS), 2);
}

/*
 * From the tunnel: a broadcast from C flooded to the local ports carries
 * C's verified identity; A's ingress rules judge A's copy.
 */
static void test_flood_in_tun(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 cb[5], len;

	sg_topology(s);
	len = sg_ip4(pkt, dp_mac_bcast, dp_mac_c, DP_IP_C, DP_IP(10, 0, 0, 255), 17, 6000, 6000, 0);
	memset(cb, 0, sizeof(cb));
	cb[0] = ntohl(DP_HOST_C), cb[1] = DP_VNI_BLUE;
	assert_int_equal(sg_run_cb(s, s->progs.tn_tunnel_ingress, pkt, len, cb), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(cb[2], SG_ID_C);
	assert_int_equal(sg_copy_out(s, pkt, len, cb), DP_TC_ACT_SHOT);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 1);
	sg_rule(s, SG_ID_A, SG_ID_C, SG_I | SG_V4, 17, 6000, 16, SG_GROUP_1);
	assert_int_equal(sg_copy_out(s, pkt, len, cb), SG_TCX_NEXT);
	assert_int_equal(sg_flows(s, DP_IF_A, SG_GROUP_1), 1);
	assert_int_equal(sg_ct_count(s, DP_PORT_A), 1);
}

/* ---- fragments ---- */

/* Makes the IPv4 packet in p (built by sg_ip4) a fragment of datagram id:
 * offset in 8-byte units, more fragments following or not. A later
 * fragment's bytes after the IP header are payload, not ports. */
static void sg_frag4(__u8 *p, __u16 id, __u16 offset, bool more)
{
	__u16 fo = offset | (more ? 0x2000 : 0);

	p[18] = id >> 8, p[19] = id & 0xff;
	p[20] = fo >> 8, p[21] = fo & 0xff;
	if (offset)
		memset(p + 34, 0xee, 8); /* no layer 4 header */
}

/* Ethernet + IPv6 + fragment header (offset in 8-byte units, M flag,
 * identification id) + 8 bytes: a UDP header in the first fragment,
 * payload in a later one. */
static __u32 sg_frag6(__u8 *p, const __u8 *dmac, const __u8 *smac, const __u8 *saddr,
		      const __u8 *daddr, __u16 sport, __u16 dport, __u32 id, __u16 offset,
		      bool more)
{
	__u16 fo = (__u16)(offset << 3) | (more ? 1 : 0);

	sg_ip6(p, dmac, smac, saddr, daddr, 17, 0, 0, 0);
	p[19] = 16;
	p[20] = 44; /* fragment header */
	p[54] = 17, p[55] = 0;
	p[56] = fo >> 8, p[57] = fo & 0xff;
	p[58] = id >> 24, p[59] = (id >> 16) & 0xff, p[60] = (id >> 8) & 0xff, p[61] = id & 0xff;
	memset(p + 62, 0xee, 8);
	if (!offset) {
		p[62] = sport >> 8, p[63] = sport & 0xff;
		p[64] = dport >> 8, p[65] = dport & 0xff;
		p[66] = 0, p[67] = 8;
	}
	return 14 + 40 + 16;
}

/* The fragment entry of port_id for an IPv4 datagram id from saddr to
 * daddr; false if none. */
static bool sg_ct_frag4(struct tenet_bpf *s, __u32 port_id, __be32 saddr, __be32 daddr, __u16 id,
			struct tn_ct *ct)
{
	struct tn_ct_key k = {.port_id = port_id,
			      .proto = 17,
			      .family = 4,
			      .kind = TN_CT_KIND_FRAG,
			      .sport = htons(id)};

	memcpy(k.saddr, &saddr, 4);
	memcpy(k.daddr, &daddr, 4);
	return !bpf_map__lookup_elem(s->maps.tn_ct, &k, sizeof(k), ct, sizeof(*ct), 0);
}

/*
 * IPv4 fragments: the first fragment is judged by the rules (or its
 * connection) and, passed, leaves its datagram's identification, so the
 * middle and last ones pass; a denied first fragment leaves nothing, and a
 * later fragment without a live first one (denied, out of order, expired,
 * forged) is dropped as sg_frag, whatever the rules say.
 */
static void test_frag4(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_ct ct;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_I | SG_V4, 17, 5000, 16);
	/* first, middle, last fragment of an allowed datagram from C */
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 40000, 5000, 0);
	sg_frag4(pkt, 0x1234, 0, true);
	sg_into_a(s, sg_tun(s, pkt, len));
	assert_true(sg_ct_frag4(s, DP_PORT_A, DP_IP_C, DP_IP_A, 0x1234, &ct));
	assert_true(ct.expires_ns <= sg_now() + TN_CT_LIFETIME_FRAG * 1000000000ull);
	assert_true(ct.expires_ns > sg_now());
	sg_frag4(pkt, 0x1234, 185, true);
	sg_into_a(s, sg_tun(s, pkt, len));
	sg_frag4(pkt, 0x1234, 370, false);
	sg_into_a(s, sg_tun(s, pkt, len));
	/* A's fragmented reply: no egress rule, the connection carries it */
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 17, 5000, 40000, 0);
	sg_frag4(pkt, 0x4321, 0, true);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	sg_frag4(pkt, 0x4321, 185, false);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 0);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_EGRESS), 0);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_FRAG), 0);
	/* a denied datagram: its first fragment by the rules, then sg_frag */
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 40000, 6000, 0);
	sg_frag4(pkt, 0x9999, 0, true);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_INGRESS);
	assert_false(sg_ct_frag4(s, DP_PORT_A, DP_IP_C, DP_IP_A, 0x9999, &ct));
	sg_frag4(pkt, 0x9999, 185, false);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_FRAG);
	/* out of order: a last fragment before its first; even a rule of any
	 * protocol does not admit it */
	sg_rule(s, SG_ID_A, SG_ID_C, SG_I | SG_V4, 0, 0, -1, SG_GROUP_2);
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 40000, 5000, 0);
	sg_frag4(pkt, 0x5678, 185, false);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_FRAG);
	/* an expired first fragment's entry is no entry */
	assert_true(sg_ct_frag4(s, DP_PORT_A, DP_IP_C, DP_IP_A, 0x1234, &ct));
	ct.expires_ns = sg_now() - 1;
	{
		struct tn_ct_key k = {.port_id = DP_PORT_A,
				      .proto = 17,
				      .family = 4,
				      .kind = TN_CT_KIND_FRAG,
				      .sport = htons(0x1234)};
		__be32 a = DP_IP_C, b = DP_IP_A;

		memcpy(k.saddr, &a, 4);
		memcpy(k.daddr, &b, 4);
		dp_put(s->maps.tn_ct, &k, &ct);
	}
	len = sg_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A, 17, 40000, 5000, 0);
	sg_frag4(pkt, 0x1234, 370, false);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_FRAG);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 1);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_FRAG), 3);
	assert_int_equal(dp_stat(s, TN_DROP_SG_FRAG), 3);
	/* egress: a later fragment from A whose first one never left */
	len = sg_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C, 17, 5000, 40000, 0);
	sg_frag4(pkt, 0x4444, 185, false);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_FRAG);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_FRAG), 4);
}

/* IPv6 fragments (fragment header): as IPv4's. */
static void test_frag6(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	sg_topology_rule(s, SG_I | SG_V6, 17, 5000, 16);
	len = sg_frag6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 40000, 5000, 0xabcdef01, 0, true);
	sg_into_a(s, sg_tun(s, pkt, len));
	len = sg_frag6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 0, 0, 0xabcdef01, 181, true);
	sg_into_a(s, sg_tun(s, pkt, len));
	len = sg_frag6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 0, 0, 0xabcdef01, 362, false);
	sg_into_a(s, sg_tun(s, pkt, len));
	/* the reply, fragmented */
	len = sg_frag6(pkt, dp_mac_c, dp_mac_a, ip6_a, ip6_c, 5000, 40000, 7, 0, true);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	len = sg_frag6(pkt, dp_mac_c, dp_mac_a, ip6_a, ip6_c, 0, 0, 7, 181, false);
	sg_sent_to_c(s, sg_vif(s, pkt, len));
	/* another identification is another datagram */
	len = sg_frag6(pkt, dp_mac_c, dp_mac_a, ip6_a, ip6_c, 0, 0, 8, 181, false);
	sg_dropped(s, sg_vif(s, pkt, len), TN_DROP_SG_FRAG);
	/* denied first fragment, then its later one; a later one out of order */
	len = sg_frag6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 40000, 6000, 8, 0, true);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_INGRESS);
	len = sg_frag6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 0, 0, 8, 181, false);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_FRAG);
	len = sg_frag6(pkt, dp_mac_a, dp_mac_c, ip6_c, ip6_a, 0, 0, 9, 181, false);
	sg_dropped(s, sg_tun(s, pkt, len), TN_DROP_SG_FRAG);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_INGRESS), 1);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_FRAG), 3);
	assert_int_equal(sg_drops(s, DP_IF_A, TN_DROP_SG_EGRESS), 0);
}

#define SG_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SG_TEST(test_remote_group),	 SG_TEST(test_any_and_proto),
	    SG_TEST(test_port_range),	 SG_TEST(test_icmp_type),
	    SG_TEST(test_cidr_v4),	 SG_TEST(test_cidr_v6),
	    SG_TEST(test_reply),	 SG_TEST(test_related_icmp),
	    SG_TEST(test_related_icmp6), SG_TEST(test_tcp_invalid),
	    SG_TEST(test_tcp_close),	 SG_TEST(test_tcp_rst),
	    SG_TEST(test_expired),	 SG_TEST(test_gen_restamp),
	    SG_TEST(test_gen_revoke),	 SG_TEST(test_tun_claim),
	    SG_TEST(test_tun_vxlan),	 SG_TEST(test_identity_zero),
	    SG_TEST(test_local_pair),	 SG_TEST(test_flood),
	    SG_TEST(test_exempt),	 SG_TEST(test_other_ethertypes),
	    SG_TEST(test_truncated),	 SG_TEST(test_flood_in),
	    SG_TEST(test_flood_in_tun),	 SG_TEST(test_frag4),
	    SG_TEST(test_frag6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
