// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_l3.c - the distributed router (bpf/nf/l3_fwd.h) under
 * BPF_PROG_TEST_RUN (ctest bpf.l3), on the topology of dp_harness.h plus a
 * router: key L3_RKEY with interfaces on blue (10.0.0.254, MAC l3_mac_rb)
 * and green (10.1.0.1, MAC l3_mac_rg, VNI L3_VNI_GREEN), where port G
 * (10.1.0.5) is local and port H (10.1.0.7) on host C; static routes
 * 192.168.0.0/16 via H and 192.168.5.0/24 via G. A second router
 * (L3_RKEY2) has a default route, which router L3_RKEY must never use.
 *
 * Tests: routed_local (MACs, TTL, checksum, delivery), routed_remote
 * (tunnel key of the next hop's host), longest_prefix, other_router,
 * ttl_exceeded (ICMP bytes exact), no_route, no_neigh, echo_gateway (both
 * interfaces), udp_to_gateway, not_ipv4, truncated_ip_len, truncated (every
 * length), tunnel_routed (the receiving host's source check), pmtu
 * (fragmentation needed, bridged and routed; no DF through the vxlan device).
 */
#include <stddef.h>

#include "dp_harness.h"

#define L3_RKEY	     5
#define L3_RKEY2     6
#define L3_VNI_GREEN 300
#define L3_IF_G	     11
#define L3_PORT_G    21
#define L3_PORT_H    22
#define L3_GW_BLUE   DP_IP(10, 0, 0, 254)
#define L3_GW_GREEN  DP_IP(10, 1, 0, 1)
#define L3_IP_G	     DP_IP(10, 1, 0, 5)
#define L3_IP_H	     DP_IP(10, 1, 0, 7)

static const __u8 l3_mac_rb[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xb1}; /* router on blue */
static const __u8 l3_mac_rg[6] = {0xfa, 0x16, 0x3e, 0, 0, 0x91}; /* router on green */
static const __u8 l3_mac_g[6] = {0x02, 0, 0, 0, 0, 0x47};
static const __u8 l3_mac_h[6] = {0x02, 0, 0, 0, 0, 0x48};

static void l3_route(struct tenet_bpf *s, __u32 rkey, __be32 dest, __u32 plen, __u32 vni,
		     const __u8 *mac, __be32 nh, __be32 src)
{
	struct tn_route4_key k = {.prefixlen = 32 + plen, .router_key = htonl(rkey), .ip4 = dest};
	struct tn_route4 v = {.vni = vni, .nh_ip4 = nh, .src_ip4 = src};

	memcpy(v.mac, mac, 6);
	v.flags = nh ? 0 : TN_ROUTE_F_CONNECTED;
	dp_put(s->maps.tn_route4, &k, &v);
}

static void l3_rif(struct tenet_bpf *s, __u32 vni, const __u8 *mac, __be32 ip4)
{
	struct tn_fdb_key fk = {.vni = vni};
	struct tn_fdb fv = {.flags = TN_FDB_F_ROUTER, .router_key = L3_RKEY, .ip4 = ip4};
	struct tn_arp_key ak = {.vni = vni, .ip4 = ip4};
	struct tn_arp av = {.flags = TN_ARP_F_ROUTER};

	memcpy(fk.mac, mac, 6);
	dp_put(s->maps.tn_fdb, &fk, &fv);
	memcpy(av.mac, mac, 6);
	dp_put(s->maps.tn_arp, &ak, &av);
}

static void l3_topology(struct tenet_bpf *s)
{
	dp_topology(s);
	l3_rif(s, DP_VNI_BLUE, l3_mac_rb, L3_GW_BLUE);
	l3_rif(s, L3_VNI_GREEN, l3_mac_rg, L3_GW_GREEN);
	dp_fdb_add(s, L3_VNI_GREEN, l3_mac_g, L3_PORT_G, L3_IF_G, 0, L3_IP_G, TN_FDB_F_LOCAL);
	dp_arp_add(s, L3_VNI_GREEN, L3_IP_G, l3_mac_g, L3_PORT_G, 0);
	dp_fdb_add(s, L3_VNI_GREEN, l3_mac_h, L3_PORT_H, 0, DP_HOST_C, L3_IP_H, TN_FDB_F_REMOTE);
	dp_arp_add(s, L3_VNI_GREEN, L3_IP_H, l3_mac_h, L3_PORT_H, DP_HOST_C);
	l3_route(s, L3_RKEY, DP_IP(10, 0, 0, 0), 24, DP_VNI_BLUE, l3_mac_rb, 0, L3_GW_BLUE);
	l3_route(s, L3_RKEY, DP_IP(10, 1, 0, 0), 24, L3_VNI_GREEN, l3_mac_rg, 0, L3_GW_GREEN);
	l3_route(s, L3_RKEY, DP_IP(192, 168, 0, 0), 16, L3_VNI_GREEN, l3_mac_rg, L3_IP_H,
		 L3_GW_GREEN);
	l3_route(s, L3_RKEY, DP_IP(192, 168, 5, 0), 24, L3_VNI_GREEN, l3_mac_rg, L3_IP_G,
		 L3_GW_GREEN);
	l3_route(s, L3_RKEY2, 0, 0, L3_VNI_GREEN, l3_mac_rg, L3_IP_G, L3_GW_GREEN);
	dp_peer_add(s, DP_HOST_C, L3_VNI_GREEN);
}

/* A UDP datagram (ports 4000 -> 5000, 8 bytes of payload) from port A to
 * the blue router MAC for daddr with TTL ttl: 50 bytes. */
static __u32 l3_udp(__u8 *p, __be32 daddr, __u8 ttl)
{
	__u32 len = dp_build_ip4(p, l3_mac_rb, dp_mac_a, DP_IP_A, daddr);

	p[22] = ttl;
	p[34] = 0x0f, p[35] = 0xa0; /* 4000 */
	p[36] = 0x13, p[37] = 0x88; /* 5000 */
	for (int i = 0; i < 8; i++)
		p[42 + i] = (__u8)(0xa0 + i);
	return len;
}

/* Fills the IPv4 header checksum of the frame at p. */
static void l3_ip_csum(__u8 *p)
{
	p[24] = p[25] = 0;
	__u16 c = dp_csum(p + 14, 20);
	p[24] = c >> 8;
	p[25] = c & 0xff;
}

/* Runs the frame from port A; the output frame in out (*out_len). */
static __u32 l3_run(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u8 *out, __u32 *out_len)
{
	__u32 scratch_len = 256;
	__u8 scratch[256];

	if (!out) {
		out = scratch;
		out_len = &scratch_len;
	}
	return dp_vif_run(s, pkt, len, out, out_len);
}

static void test_routed_local(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	l3_topology(s);
	len = l3_udp(pkt, L3_IP_G, 64);
	l3_ip_csum(pkt);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, L3_IF_G);
	assert_int_equal(t.vni, L3_VNI_GREEN);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, l3_mac_g, 6);
	assert_memory_equal(out + 6, l3_mac_rg, 6);
	assert_int_equal(out[22], 63);
	assert_int_equal(dp_csum(out + 14, 20), 0); /* still valid after the decrement */
	assert_memory_equal(out + 23, pkt + 23, 1);
	assert_memory_equal(out + 26, pkt + 26, len - 26); /* addresses and payload unchanged */
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 1);
	assert_int_equal(dp_port_stats(s, L3_IF_G).tx_packets, 1);
}

static void test_routed_remote(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	l3_topology(s);
	len = l3_udp(pkt, L3_IP_H, 9);
	l3_ip_csum(pkt);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	assert_int_equal(t.vni, L3_VNI_GREEN);
	assert_memory_equal(out, l3_mac_h, 6);
	assert_memory_equal(out + 6, l3_mac_rg, 6);
	assert_int_equal(out[22], 8);
	assert_int_equal(dp_csum(out + 14, 20), 0);
	/* the trace: route, then the next hop */
	assert_true(t.n_step >= 4);
	for (__u32 i = 0; i < t.n_step; i++)
		if (t.step[i].stage == TN_STAGE_L3 && t.step[i].key == TN_TKEY_ROUTE) {
			assert_int_equal(t.step[i].port_id, L3_RKEY);
			assert_int_equal(t.step[i].vni, L3_VNI_GREEN);
			assert_true(t.step[i].flags & TN_ROUTE_F_CONNECTED);
		}
}

/* 192.168.5.0/24 (via G, local) beats 192.168.0.0/16 (via H, host C). */
static void test_longest_prefix(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	l3_topology(s);
	len = l3_udp(pkt, DP_IP(192, 168, 5, 9), 64);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.ifindex, L3_IF_G);
	assert_memory_equal(out, l3_mac_g, 6);
	len = l3_udp(pkt, DP_IP(192, 168, 6, 1), 64);
	out_len = sizeof(out);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	assert_memory_equal(out, l3_mac_h, 6);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 2);
}

/* Router L3_RKEY2's default route is not L3_RKEY's: no route. */
static void test_other_router(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	l3_topology(s);
	len = l3_udp(pkt, DP_IP(172, 16, 0, 1), 64);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_stat(s, TN_DROP_NO_ROUTE), 1);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/*
 * The ICMP error sent for pkt (len bytes, from port A) from MAC smac and
 * address src, with the header's last 16 bits rest (the next-hop MTU of
 * "fragmentation needed"): checked byte for byte against what RFC 792, RFC
 * 1191 and RFC 1812 say.
 */
static void l3_icmp_from(const __u8 *pkt, __u32 len, const __u8 *out, __u32 out_len, __u8 type,
			 __u8 code, const __u8 *smac, __be32 src, __u16 rest)
{
	__u32 quote = len - 14 < 40 ? len - 14 : 40;
	__u8 want[128] = {0};

	assert_int_equal(out_len, 14 + 28 + quote);
	memcpy(want, dp_mac_a, 6);
	memcpy(want + 6, smac, 6);
	want[12] = 0x08;
	want[14] = 0x45;
	want[15] = 0xc0;
	want[16] = (__u8)((28 + quote) >> 8);
	want[17] = (__u8)(28 + quote);
	want[22] = 64;
	want[23] = 1;
	memcpy(want + 26, &src, 4);
	memcpy(want + 30, pkt + 26, 4); /* back to the sender */
	want[34] = type;
	want[35] = code;
	want[40] = rest >> 8;
	want[41] = rest & 0xff;
	memcpy(want + 42, pkt + 14, quote);
	/* the checksums, computed here */
	__u16 c = dp_csum(want + 14, 20);
	want[24] = c >> 8;
	want[25] = c & 0xff;
	c = dp_csum(want + 34, 8 + quote);
	want[36] = c >> 8;
	want[37] = c & 0xff;
	assert_memory_equal(out, want, out_len);
}

/* The router's ICMP error for pkt: from its blue interface. */
static void l3_icmp_error_is(const __u8 *pkt, __u32 len, const __u8 *out, __u32 out_len, __u8 type,
			     __u8 code)
{
	l3_icmp_from(pkt, len, out, out_len, type, code, l3_mac_rb, L3_GW_BLUE, 0);
}

static void test_ttl_exceeded(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	l3_topology(s);
	len = l3_udp(pkt, L3_IP_G, 1);
	l3_ip_csum(pkt);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(t.stat, TN_STAT_ICMP_SENT);
	l3_icmp_error_is(pkt, len, out, out_len, 11, 0);
	assert_int_equal(dp_stat(s, TN_DROP_TTL), 1);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 1);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 1);
	/* TTL 0 too; a longer datagram is quoted to 20 bytes past its header */
	len = l3_udp(pkt, L3_IP_G, 0);
	pkt[17] = 36 + 10;
	memset(pkt + 50, 0x5a, 10);
	len += 10;
	l3_ip_csum(pkt);
	out_len = sizeof(out);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	l3_icmp_error_is(pkt, len, out, out_len, 11, 0);
	assert_int_equal(dp_stat(s, TN_DROP_TTL), 2);
}

/* A datagram from port A to daddr is answered with destination
 * unreachable code, counted as reason. */
static void l3_unreachable(struct tenet_bpf *s, __be32 daddr, __u8 code, __u32 reason)
{
	__u8 pkt[64], out[256];
	__u32 len, out_len = sizeof(out);

	l3_topology(s);
	len = l3_udp(pkt, daddr, 64);
	l3_ip_csum(pkt);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	l3_icmp_error_is(pkt, len, out, out_len, 3, code);
	assert_int_equal(dp_stat(s, reason), 1);
}

static void test_no_route(void **state)
{
	l3_unreachable(*state, DP_IP(172, 16, 0, 1), 0, TN_DROP_NO_ROUTE);
}

static void test_no_neigh(void **state)
{
	l3_unreachable(*state, DP_IP(10, 1, 0, 99), 1, TN_DROP_NO_NEIGH);
}

/* An echo request (id 0x1234, seq 1, 8 bytes of data) from port A to the
 * blue router MAC for daddr: 50 bytes. */
static __u32 l3_echo(__u8 *p, __be32 daddr)
{
	__u32 len = l3_udp(p, daddr, 64);

	p[23] = 1;
	memset(p + 34, 0, 8);
	p[34] = 8;
	p[38] = 0x12, p[39] = 0x34, p[41] = 1;
	__u16 c = dp_csum(p + 34, 16);
	p[36] = c >> 8;
	p[37] = c & 0xff;
	l3_ip_csum(p);
	return len;
}

static void test_echo_gateway(void **state)
{
	const __be32 gws[2] = {L3_GW_BLUE, L3_GW_GREEN};
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256];
	__u32 len, out_len;

	l3_topology(s);
	for (int i = 0; i < 2; i++) {
		len = l3_echo(pkt, gws[i]);
		out_len = sizeof(out);
		assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
		assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
		assert_int_equal(out_len, len);
		assert_memory_equal(out, dp_mac_a, 6);
		assert_memory_equal(out + 6, l3_mac_rb, 6);
		assert_memory_equal(out + 26, &gws[i], 4);
		assert_memory_equal(out + 30, pkt + 26, 4);
		assert_int_equal(out[22], 64);
		assert_int_equal(out[34], 0);			   /* echo reply */
		assert_memory_equal(out + 38, pkt + 38, len - 38); /* id, seq, data */
		assert_int_equal(dp_csum(out + 14, 20), 0);
		assert_int_equal(dp_csum(out + 34, 16), 0);
	}
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/* Anything but an echo request to a router address is dropped. */
static void test_udp_to_gateway(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	l3_topology(s);
	len = l3_udp(pkt, L3_GW_GREEN, 64);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_ROUTER_LOCAL), 1);
	len = l3_echo(pkt, L3_GW_BLUE);
	pkt[34] = 13; /* timestamp request */
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_ROUTER_LOCAL), 2);
	len = l3_echo(pkt, L3_GW_BLUE);
	pkt[20] = 0x20; /* a fragment */
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_ROUTER_LOCAL), 3);
}

static void test_not_ipv4(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	l3_topology(s);
	len = dp_build_ip6(pkt, l3_mac_rb, dp_mac_a);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	/* port A has port security, which stops IPv6 first; without it the
	 * router refuses what it does not route */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_L3_PROTO), 1);
}

/* A total length past the frame (or shorter than the header) is malformed. */
static void test_truncated_ip_len(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	l3_topology(s);
	len = l3_udp(pkt, L3_IP_G, 64);
	pkt[17] = 37;
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	pkt[17] = 19;
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_MALFORMED), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/*
 * Every prefix of a routed datagram, an echo request and a TTL-expiring
 * datagram: a counted drop, or (for whole headers) a well-formed answer;
 * never a crash or an answer from bytes past the frame.
 */
static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[3][64], out[256];
	__u32 full[3];

	l3_topology(s);
	full[0] = l3_udp(pkt[0], L3_IP_H, 64);
	full[1] = l3_echo(pkt[1], L3_GW_BLUE);
	full[2] = l3_udp(pkt[2], L3_IP_G, 1);
	for (int k = 0; k < 3; k++)
		for (__u32 len = 0; len < full[k]; len++) {
			__u32 out_len = sizeof(out), ret;
			__u64 before = dp_stat(s, TN_STAT_ICMP_SENT);

			if (dp_run_refuses(pkt[k], len))
				continue;
			ret = l3_run(s, pkt[k], len, out, &out_len);
			/* the IP total length (36) is past every shorter frame */
			assert_int_equal(ret, DP_TC_ACT_SHOT);
			assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), before);
		}
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/* Sets the overlay's MTU in tn_config (and back end (b) when bpf). */
static void l3_mtu(struct tenet_bpf *s, __u32 mtu, bool bpf)
{
	struct tn_config c;
	__u32 k = 0;

	assert_int_equal(bpf_map__lookup_elem(s->maps.tn_config, &k, sizeof(k), &c, sizeof(c), 0),
			 0);
	c.mtu = mtu;
	c.flags = bpf ? TN_CONFIG_F_ENCAP_BPF : 0;
	c.underlay_ifindex = 12;
	dp_put(s->maps.tn_config, &k, &c);
}

/* A 70-byte frame (56 bytes of IPv4) from port A to dst_mac for daddr,
 * with DF when df. */
static __u32 l3_big(__u8 *p, const __u8 *dst_mac, __be32 daddr, bool df)
{
	__u32 len = l3_udp(p, daddr, 64);

	memcpy(p, dst_mac, 6);
	memset(p + 50, 0x77, 20);
	len += 20;
	p[17] = 56;
	p[39] = 36; /* udp length */
	p[20] = df ? 0x40 : 0;
	l3_ip_csum(p);
	return len;
}

/*
 * Path MTU: a datagram with DF too big for the overlay (tn_config.mtu 50)
 * gets "fragmentation needed" with the MTU: bridged, from its destination
 * (and MAC); routed to another host, from the router. Without DF it goes
 * to the vxlan device (back end (a) fragments), also on back end (b). What
 * fits, what stays on the host, and an MTU of 0 are not touched.
 */
static void test_pmtu(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[96], out[256];
	__u32 len, out_len;
	struct tn_trace t;

	l3_topology(s);
	l3_mtu(s, 50, true);
	/* bridged to C on host C */
	len = l3_big(pkt, dp_mac_c, DP_IP_C, true);
	out_len = sizeof(out);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
	l3_icmp_from(pkt, len, out, out_len, 3, 4, dp_mac_c, DP_IP_C, 50);
	assert_int_equal(dp_stat(s, TN_DROP_FRAG_NEEDED), 1);
	/* routed to H on host C */
	len = l3_big(pkt, l3_mac_rb, L3_IP_H, true);
	out_len = sizeof(out);
	assert_int_equal(l3_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	l3_icmp_from(pkt, len, out, out_len, 3, 4, l3_mac_rb, L3_GW_BLUE, 50);
	assert_int_equal(dp_stat(s, TN_DROP_FRAG_NEEDED), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
	/* no DF: to the vxlan device, not encapsulated in BPF */
	len = l3_big(pkt, dp_mac_c, DP_IP_C, false);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	len = l3_big(pkt, l3_mac_rb, L3_IP_H, false);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
	/* routed to G, on this host: no overlay in the way */
	len = l3_big(pkt, l3_mac_rb, L3_IP_G, true);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, L3_IF_G);
	/* fits */
	l3_mtu(s, 56, false);
	len = l3_big(pkt, dp_mac_c, DP_IP_C, true);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
	/* not checked */
	l3_mtu(s, 0, false);
	len = l3_big(pkt, l3_mac_rb, L3_IP_H, true);
	assert_int_equal(l3_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
	assert_int_equal(dp_stat(s, TN_DROP_FRAG_NEEDED), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 2);
}

/*
 * Host C routed a frame into green for G: its source must be a port on C,
 * found the way the router routes back to it.
 */
static void test_tunnel_routed(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	l3_topology(s);
	/* H is on C */
	len = dp_build_ip4(pkt, l3_mac_g, l3_mac_rg, L3_IP_H, L3_IP_G);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, L3_VNI_GREEN), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, L3_IF_G);
	/* behind H (192.168.0.0/16 via H, on C) */
	len = dp_build_ip4(pkt, l3_mac_g, l3_mac_rg, DP_IP(192, 168, 7, 7), L3_IP_G);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, L3_VNI_GREEN), DP_TC_ACT_REDIRECT);
	/* G is ours, B (blue) is ours, 192.168.5.0/24 is behind G, 172.16/12 has
	 * no route, the gateway is the router's: none of them is C's */
	const __be32 forged[] = {L3_IP_G, DP_IP_B, DP_IP(192, 168, 5, 1), DP_IP(172, 16, 0, 1),
				 L3_GW_GREEN};
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		len = dp_build_ip4(pkt, l3_mac_g, l3_mac_rg, forged[i], L3_IP_G);
		assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, L3_VNI_GREEN), DP_TC_ACT_SHOT);
		assert_int_equal(dp_stat(s, TN_DROP_TUN_ROUTED), i + 1);
	}
	/* an ARP from a router MAC never crosses a tunnel */
	len = dp_build_arp(pkt, l3_mac_rg, L3_GW_GREEN, L3_IP_G);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, L3_VNI_GREEN), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_ROUTED), 6);
}

#define L3_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    L3_TEST(test_routed_local),	    L3_TEST(test_routed_remote),
	    L3_TEST(test_longest_prefix),   L3_TEST(test_other_router),
	    L3_TEST(test_ttl_exceeded),	    L3_TEST(test_no_route),
	    L3_TEST(test_no_neigh),	    L3_TEST(test_echo_gateway),
	    L3_TEST(test_udp_to_gateway),   L3_TEST(test_not_ipv4),
	    L3_TEST(test_truncated_ip_len), L3_TEST(test_truncated),
	    L3_TEST(test_tunnel_routed),    L3_TEST(test_pmtu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
