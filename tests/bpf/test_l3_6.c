// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_l3_6.c - the distributed router for IPv6 (bpf/nf/l3_fwd6.h) and
 * ICMPv6 packet too big (bpf/lib/icmp6.h) under BPF_PROG_TEST_RUN (ctest
 * bpf.l3_6), on the topology of dp_harness.h plus a router: key L6_RKEY
 * with IPv6 interfaces on blue (fd00:b::1, MAC l6_mac_rb) and green
 * (fd00:9::1, MAC l6_mac_rg, VNI L6_VNI_GREEN), where port G (fd00:9::5)
 * is local and port H (fd00:9::7) on host C; port A is fd00:b::a, port C
 * (blue, host C) fd00:b::c; static routes fd00:99::/32 via H and
 * fd00:99:5::/64 via G. A second router (L6_RKEY2) has a default route,
 * which router L6_RKEY must never use. ICMPv6 bytes and checksums are
 * computed here independently.
 */
#include <stddef.h>

#include "dp_harness.h"
#include "ra6.h"

#define L6_RKEY	     5
#define L6_RKEY2     6
#define L6_VNI_GREEN 300
#define L6_IF_G	     11
#define L6_PORT_G    21
#define L6_PORT_H    22
#define L6_NH_UDP    17
#define L6_NH_ICMP6  58

static const __u8 l6_mac_rb[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xb6}; /* router on blue */
static const __u8 l6_mac_rg[6] = {0xfa, 0x16, 0x3e, 0, 0, 0x96}; /* router on green */
static const __u8 l6_mac_g[6] = {0x02, 0, 0, 0, 0, 0x47};
static const __u8 l6_mac_h[6] = {0x02, 0, 0, 0, 0, 0x48};
static const __u8 l6_gw_b[16] = {0xfd, 0, 0, 0x0b, [15] = 1};
static const __u8 l6_gw_g[16] = {0xfd, 0, 0, 0x09, [15] = 1};
static const __u8 l6_net_b[16] = {0xfd, 0, 0, 0x0b};
static const __u8 l6_net_g[16] = {0xfd, 0, 0, 0x09};
static const __u8 l6_ip_a[16] = {0xfd, 0, 0, 0x0b, [15] = 0x0a};
static const __u8 l6_ip_c[16] = {0xfd, 0, 0, 0x0b, [15] = 0x0c};
static const __u8 l6_ip_g[16] = {0xfd, 0, 0, 0x09, [15] = 5};
static const __u8 l6_ip_h[16] = {0xfd, 0, 0, 0x09, [15] = 7};
static const __u8 l6_ip_g99[16] = {0xfd, 0, 0, 0x09, [15] = 0x99}; /* green, no port */
static const __u8 l6_net99[16] = {0xfd, 0, 0, 0x99};		   /* /32 via H */
static const __u8 l6_net99_5[16] = {0xfd, 0, 0, 0x99, 0, 5};	   /* /64 via G */
static const __u8 l6_behind_g[16] = {0xfd, 0, 0, 0x99, 0, 5, [15] = 9};
static const __u8 l6_behind_h[16] = {0xfd, 0, 0, 0x99, 0, 6, [15] = 1};
static const __u8 l6_far[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}; /* no route */
static const __u8 l6_any[16];

static void l6_route(struct tenet_bpf *s, __u32 rkey, const __u8 *dest, __u32 plen, __u32 vni,
		     const __u8 *mac, const __u8 *nh, const __u8 *src)
{
	struct tn_route6_key k = {.prefixlen = 32 + plen, .router_key = htonl(rkey)};
	struct tn_route6 v = {.vni = vni, .flags = nh ? 0 : TN_ROUTE_F_CONNECTED};

	memcpy(k.ip6, dest, 16);
	memcpy(v.mac, mac, 6);
	if (nh)
		memcpy(v.nh_ip6, nh, 16);
	memcpy(v.src_ip6, src, 16);
	dp_put(s->maps.tn_route6, &k, &v);
}

static void l6_nd(struct tenet_bpf *s, __u32 vni, const __u8 *ip6, const __u8 *mac, __u32 port_id,
		  __be32 remote, __u16 flags)
{
	struct tn_nd_key k = {.vni = vni};
	struct tn_nd v = {.port_id = port_id, .remote_ip4 = remote, .flags = flags};

	memcpy(k.ip6, ip6, 16);
	memcpy(v.mac, mac, 6);
	dp_put(s->maps.tn_nd, &k, &v);
}

/* A router interface: its MAC in tn_fdb, its address (and link-local
 * address) in tn_nd, both the router's. */
static void l6_rif(struct tenet_bpf *s, __u32 vni, const __u8 *mac, const __u8 *ip6)
{
	struct tn_fdb_key fk = {.vni = vni};
	struct tn_fdb fv = {.flags = TN_FDB_F_ROUTER, .router_key = L6_RKEY};
	__u8 ll[16];

	memcpy(fk.mac, mac, 6);
	dp_put(s->maps.tn_fdb, &fk, &fv);
	l6_nd(s, vni, ip6, mac, 0, 0, TN_ND_F_ROUTER);
	ra6_ll_from_mac(ll, mac);
	l6_nd(s, vni, ll, mac, 0, 0, TN_ND_F_ROUTER);
}

static void l6_topology(struct tenet_bpf *s)
{
	dp_topology(s);
	l6_rif(s, DP_VNI_BLUE, l6_mac_rb, l6_gw_b);
	l6_rif(s, L6_VNI_GREEN, l6_mac_rg, l6_gw_g);
	l6_nd(s, DP_VNI_BLUE, l6_ip_a, dp_mac_a, DP_PORT_A, 0, 0);
	l6_nd(s, DP_VNI_BLUE, l6_ip_c, dp_mac_c, DP_PORT_C, DP_HOST_C, 0);
	dp_fdb_add(s, L6_VNI_GREEN, l6_mac_g, L6_PORT_G, L6_IF_G, 0, 0, TN_FDB_F_LOCAL);
	l6_nd(s, L6_VNI_GREEN, l6_ip_g, l6_mac_g, L6_PORT_G, 0, 0);
	dp_fdb_add(s, L6_VNI_GREEN, l6_mac_h, L6_PORT_H, 0, DP_HOST_C, 0, TN_FDB_F_REMOTE);
	l6_nd(s, L6_VNI_GREEN, l6_ip_h, l6_mac_h, L6_PORT_H, DP_HOST_C, 0);
	l6_route(s, L6_RKEY, l6_net_b, 64, DP_VNI_BLUE, l6_mac_rb, NULL, l6_gw_b);
	l6_route(s, L6_RKEY, l6_net_g, 64, L6_VNI_GREEN, l6_mac_rg, NULL, l6_gw_g);
	l6_route(s, L6_RKEY, l6_net99, 32, L6_VNI_GREEN, l6_mac_rg, l6_ip_h, l6_gw_g);
	l6_route(s, L6_RKEY, l6_net99_5, 64, L6_VNI_GREEN, l6_mac_rg, l6_ip_g, l6_gw_g);
	l6_route(s, L6_RKEY2, l6_any, 0, L6_VNI_GREEN, l6_mac_rg, l6_ip_g, l6_gw_g);
	dp_peer_add(s, DP_HOST_C, L6_VNI_GREEN);
}

/* A UDP datagram (4000 -> 5000, 8 bytes of payload) from port A to the
 * blue router MAC for dst with hop limit hops: 70 bytes. */
static __u32 l6_udp(__u8 *p, const __u8 *dst, __u8 hops)
{
	__u32 len = dp_ip6_hdr(p, l6_mac_rb, dp_mac_a, l6_ip_a, dst, L6_NH_UDP, 16, hops);

	p[54] = 0x0f, p[55] = 0xa0;
	p[56] = 0x13, p[57] = 0x88;
	p[59] = 16;
	for (int i = 0; i < 8; i++)
		p[62 + i] = (__u8)(0xa0 + i);
	return len + 16;
}

/* An echo request (id 0x1234, seq 1, 8 bytes of data) from port A to the
 * blue router MAC for dst: 70 bytes. */
static __u32 l6_echo(__u8 *p, const __u8 *dst)
{
	__u32 len = dp_ip6_hdr(p, l6_mac_rb, dp_mac_a, l6_ip_a, dst, L6_NH_ICMP6, 16, 64);

	memset(p + len, 0, 16);
	p[54] = 128;
	p[58] = 0x12, p[59] = 0x34, p[61] = 1;
	for (int i = 0; i < 8; i++)
		p[62 + i] = (__u8)(0x50 + i);
	dp_icmp6_csum_fix(p);
	return len + 16;
}

/* Runs the frame from port A; the output frame in out (*out_len). */
static __u32 l6_run(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u8 *out, __u32 *out_len)
{
	__u32 scratch_len = 2048;
	static __u8 scratch[2048];

	if (!out) {
		out = scratch;
		out_len = &scratch_len;
	}
	return dp_vif_run(s, pkt, len, out, out_len);
}

/*
 * The ICMPv6 error sent for pkt (len bytes, from port A) from MAC smac and
 * address src, with the header's last four bytes rest: checked byte for
 * byte against RFC 4443 (the offending packet quoted up to 104 bytes).
 */
static void l6_error_from(const __u8 *pkt, __u32 len, const __u8 *out, __u32 out_len, __u8 type,
			  __u8 code, const __u8 *smac, const __u8 *src, __u32 rest)
{
	__u32 quote = len - 14 < 104 ? len - 14 : 104;
	__u8 want[256] = {0};

	assert_int_equal(out_len, 14 + 48 + quote);
	dp_ip6_hdr(want, dp_mac_a, smac, src, pkt + 22, L6_NH_ICMP6, (__u16)(8 + quote), 64);
	want[54] = type;
	want[55] = code;
	want[58] = (__u8)(rest >> 24);
	want[59] = (__u8)(rest >> 16);
	want[60] = (__u8)(rest >> 8);
	want[61] = (__u8)rest;
	memcpy(want + 62, pkt + 14, quote);
	dp_icmp6_csum_fix(want);
	assert_memory_equal(out, want, out_len);
	assert_int_equal(dp_icmp6_csum(out + 14, 8 + quote), 0);
}

/* The router's ICMPv6 error for pkt: from its blue interface. */
static void l6_error_is(const __u8 *pkt, __u32 len, const __u8 *out, __u32 out_len, __u8 type,
			__u8 code)
{
	l6_error_from(pkt, len, out, out_len, type, code, l6_mac_rb, l6_gw_b, 0);
}

static void test_routed_local(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[80], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	l6_topology(s);
	len = l6_udp(pkt, l6_ip_g, 64);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, L6_IF_G);
	assert_int_equal(t.vni, L6_VNI_GREEN);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, l6_mac_g, 6);
	assert_memory_equal(out + 6, l6_mac_rg, 6);
	assert_int_equal(out[21], 63);
	assert_memory_equal(out + 12, pkt + 12, 9);	   /* type, version .. next header */
	assert_memory_equal(out + 22, pkt + 22, len - 22); /* addresses and payload */
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 1);
	assert_int_equal(dp_port_stats(s, L6_IF_G).tx_packets, 1);
}

static void test_routed_remote(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[80], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;
	bool route = false, nd = false;

	l6_topology(s);
	len = l6_udp(pkt, l6_ip_h, 9);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	assert_int_equal(t.vni, L6_VNI_GREEN);
	assert_memory_equal(out, l6_mac_h, 6);
	assert_memory_equal(out + 6, l6_mac_rg, 6);
	assert_int_equal(out[21], 8);
	/* the trace: the route, then the next hop */
	for (__u32 i = 0; i < t.n_step && i < TN_TRACE_MAX_STEP; i++) {
		if (t.step[i].stage != TN_STAGE_L3)
			continue;
		if (t.step[i].key == TN_TKEY_ROUTE) {
			route = true;
			assert_int_equal(t.step[i].port_id, L6_RKEY);
			assert_int_equal(t.step[i].vni, L6_VNI_GREEN);
			assert_true(t.step[i].flags & TN_ROUTE_F_CONNECTED);
		} else if (t.step[i].key == TN_TKEY_ND) {
			nd = true;
			assert_int_equal(t.step[i].port_id, L6_PORT_H);
		}
	}
	assert_true(route && nd);
}

/* fd00:99:5::/64 (via G, local) beats fd00:99::/32 (via H, host C). */
static void test_longest_prefix(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[80], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	l6_topology(s);
	len = l6_udp(pkt, l6_behind_g, 64);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, L6_IF_G);
	assert_memory_equal(out, l6_mac_g, 6);
	len = l6_udp(pkt, l6_behind_h, 64);
	out_len = sizeof(out);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	assert_memory_equal(out, l6_mac_h, 6);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 2);
}

/* Hop limit 1 and 0: time exceeded, from the router's blue address. */
static void test_hop_limit(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[80], out[256];
	__u32 len, out_len;
	struct tn_trace t;

	l6_topology(s);
	for (__u8 hops = 0; hops < 2; hops++) {
		len = l6_udp(pkt, l6_ip_g, hops);
		out_len = sizeof(out);
		assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
		t = dp_trace(s);
		assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
		assert_int_equal(t.ifindex, DP_IF_A);
		assert_int_equal(t.stat, TN_STAT_ICMP_SENT);
		l6_error_is(pkt, len, out, out_len, 3, 0);
	}
	assert_int_equal(dp_stat(s, TN_DROP_TTL), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 2);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 2);
	/* a longer packet is quoted up to 104 bytes */
	{
		__u8 big[254], bout[256];
		__u32 blen = sizeof(bout);

		dp_ip6_hdr(big, l6_mac_rb, dp_mac_a, l6_ip_a, l6_ip_h, L6_NH_UDP, 200, 1);
		for (int i = 54; i < 254; i++)
			big[i] = (__u8)i;
		assert_int_equal(l6_run(s, big, 254, bout, &blen), DP_TC_ACT_REDIRECT);
		l6_error_is(big, 254, bout, blen, 3, 0);
	}
}

/* No route: no route to destination (code 0); router L6_RKEY2's default
 * route is not L6_RKEY's. No port at a connected address: address
 * unreachable (code 3). */
static void test_unreachable(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[80], out[256];
	__u32 len, out_len = sizeof(out);

	l6_topology(s);
	len = l6_udp(pkt, l6_far, 64);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	l6_error_is(pkt, len, out, out_len, 1, 0);
	assert_int_equal(dp_stat(s, TN_DROP_NO_ROUTE), 1);
	len = l6_udp(pkt, l6_ip_g99, 64);
	out_len = sizeof(out);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	l6_error_is(pkt, len, out, out_len, 1, 3);
	assert_int_equal(dp_stat(s, TN_DROP_NO_NEIGH), 1);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/* A sender in no connected subnet (port A without port security) gets the
 * router's errors from the link-local address of its MAC. */
static void test_error_source_ll(void **state)
{
	static const __u8 stranger[16] = {0xfd, 0, 0, 0x42, [15] = 1};
	struct tenet_bpf *s = *state;
	__u8 pkt[80], out[256], ll[16];
	__u32 len, out_len = sizeof(out);

	l6_topology(s);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	len = l6_udp(pkt, l6_far, 64);
	memcpy(pkt + 22, stranger, 16);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	ra6_ll_from_mac(ll, l6_mac_rb);
	l6_error_from(pkt, len, out, out_len, 1, 0, l6_mac_rb, ll, 0);
}

/* An ICMPv6 error is never answered with another (RFC 4443 2.4 (e)). */
static void test_no_error_for_error(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[80];
	__u32 len;

	l6_topology(s);
	len = l6_echo(pkt, l6_ip_g);
	pkt[21] = 1;
	pkt[54] = 1; /* destination unreachable */
	dp_icmp6_csum_fix(pkt);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TTL), 1);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 0);
	/* an informational message is answered */
	pkt[54] = 128;
	dp_icmp6_csum_fix(pkt);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 1);
}

static void test_echo_gateway(void **state)
{
	const __u8 *gws[2] = {l6_gw_b, l6_gw_g};
	struct tenet_bpf *s = *state;
	__u8 pkt[80], out[256];
	__u32 len, out_len;

	l6_topology(s);
	for (int i = 0; i < 2; i++) {
		len = l6_echo(pkt, gws[i]);
		out_len = sizeof(out);
		assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
		assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
		assert_int_equal(out_len, len);
		assert_memory_equal(out, dp_mac_a, 6);
		assert_memory_equal(out + 6, l6_mac_rb, 6);
		assert_memory_equal(out + 12, pkt + 12, 9);
		assert_int_equal(out[21], 64);
		assert_memory_equal(out + 22, gws[i], 16);
		assert_memory_equal(out + 38, l6_ip_a, 16);
		assert_int_equal(out[54], 129); /* echo reply */
		assert_int_equal(out[55], 0);
		assert_memory_equal(out + 58, pkt + 58, len - 58); /* id, seq, data */
		assert_int_equal(dp_icmp6_csum(out + 14, 16), 0);
	}
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/* Anything but an echo request to a router address is dropped. */
static void test_udp_to_gateway(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[80];
	__u32 len;

	l6_topology(s);
	len = l6_udp(pkt, l6_gw_g, 64);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_ROUTER_LOCAL), 1);
	len = l6_echo(pkt, l6_gw_b);
	pkt[55] = 1; /* code 1 */
	dp_icmp6_csum_fix(pkt);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_ROUTER_LOCAL), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 0);
}

/*
 * What a router never routes, hop limit untouched: link-local source or
 * destination, multicast destination, unspecified source, ND to the
 * router's MAC (here an NA, which port security lets A send). Port A
 * without port security, so that the router sees them all.
 */
static void test_not_routed(void **state)
{
	static const __u8 mcast[16] = {0xff, 0x0e, [15] = 1};
	struct tenet_bpf *s = *state;
	__u8 pkt[96], ll_a[16];
	__u32 len, n = 0;

	l6_topology(s);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	ra6_ll_from_mac(ll_a, dp_mac_a);
	len = l6_udp(pkt, l6_ip_g, 64);
	memcpy(pkt + 22, ll_a, 16);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_L3_PROTO), ++n);
	len = l6_udp(pkt, ll_a, 64);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_L3_PROTO), ++n);
	len = l6_udp(pkt, mcast, 64);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_L3_PROTO), ++n);
	len = l6_udp(pkt, l6_ip_g, 64);
	memset(pkt + 22, 0, 16);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_L3_PROTO), ++n);
	/* an NA for A's address, to the router's MAC (port security lets it
	 * through: the claim is A's own) */
	dp_topology(s);
	len = dp_ip6_hdr(pkt, l6_mac_rb, dp_mac_a, l6_ip_a, l6_gw_b, L6_NH_ICMP6, 24, 255);
	memset(pkt + len, 0, 24);
	pkt[54] = 136;
	pkt[58] = 0x20;
	memcpy(pkt + 62, l6_ip_a, 16);
	dp_icmp6_csum_fix(pkt);
	assert_int_equal(l6_run(s, pkt, len + 24, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_L3_PROTO), ++n);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 0);
}

/* A neighbor solicitation for a gateway (multicast, and unicast to the
 * router's MAC as in neighbor unreachability detection), and for the
 * router's link-local address: answered by the ND responder with the
 * router's MAC and the router flag, never routed. */
static void test_ns_gateway(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[96], out[256], ll_r[16], ll_a[16];
	__u8 snm[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1}, snm_mac[6] = {0x33, 0x33};
	__u32 len, out_len;

	l6_topology(s);
	ra6_ll_from_mac(ll_r, l6_mac_rb);
	ra6_ll_from_mac(ll_a, dp_mac_a);
	for (int k = 0; k < 3; k++) {
		const __u8 *target = k == 2 ? ll_r : l6_gw_b;
		const __u8 *src = k == 2 ? ll_a : l6_ip_a;

		if (k == 2)
			memcpy(snm + 13, ll_r + 13, 3);
		memcpy(snm_mac + 2, snm + 12, 4);
		len = dp_ip6_hdr(pkt, k == 1 ? l6_mac_rb : snm_mac, dp_mac_a, src,
				 k == 1 ? l6_gw_b : snm, L6_NH_ICMP6, 32, 255);
		memset(pkt + len, 0, 32);
		pkt[54] = 135;
		memcpy(pkt + 62, target, 16);
		pkt[78] = 1; /* source link-layer address */
		pkt[79] = 1;
		memcpy(pkt + 80, dp_mac_a, 6);
		dp_icmp6_csum_fix(pkt);
		out_len = sizeof(out);
		assert_int_equal(l6_run(s, pkt, len + 32, out, &out_len), DP_TC_ACT_REDIRECT);
		assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
		assert_int_equal(out_len, 86);
		assert_memory_equal(out, dp_mac_a, 6);
		assert_memory_equal(out + 6, l6_mac_rb, 6);
		assert_memory_equal(out + 22, target, 16);
		assert_memory_equal(out + 38, src, 16);
		assert_int_equal(out[21], 255);
		assert_int_equal(out[54], 136);
		assert_int_equal(out[58], 0xe0); /* router, solicited, override */
		assert_memory_equal(out + 62, target, 16);
		assert_int_equal(out[78], 2); /* target link-layer address: the router's */
		assert_memory_equal(out + 80, l6_mac_rb, 6);
		assert_int_equal(dp_icmp6_csum(out + 14, 32), 0);
	}
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 3);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/* Sets the overlay's MTU in tn_config. */
static void l6_mtu(struct tenet_bpf *s, __u32 mtu)
{
	struct tn_config c;
	__u32 k = 0;

	assert_int_equal(bpf_map__lookup_elem(s->maps.tn_config, &k, sizeof(k), &c, sizeof(c), 0),
			 0);
	c.mtu = mtu;
	dp_put(s->maps.tn_config, &k, &c);
}

/* A frame of len bytes (UDP) from port A to dst_mac for dst. */
static __u32 l6_big(__u8 *p, __u32 len, const __u8 *dst_mac, const __u8 *dst)
{
	dp_ip6_hdr(p, dst_mac, dp_mac_a, l6_ip_a, dst, L6_NH_UDP, (__u16)(len - 54), 64);
	for (__u32 i = 54; i < len; i++)
		p[i] = (__u8)i;
	return len;
}

/*
 * Path MTU (issue item 5, IPv6): a packet too big for the overlay
 * (tn_config.mtu 1280) gets packet too big with the MTU: routed to another
 * host, from the router's address; bridged, from its destination (and
 * MAC). What fits, what stays on the host, an MTU below the IPv6 minimum
 * (the vxlan device fragments the outer packet) and an MTU of 0 go on.
 */
static void test_packet_too_big(void **state)
{
	struct tenet_bpf *s = *state;
	static __u8 pkt[1400], out[2048];
	__u32 len, out_len;

	l6_topology(s);
	l6_mtu(s, 1280);
	len = l6_big(pkt, 1400, l6_mac_rb, l6_ip_h);
	out_len = sizeof(out);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
	l6_error_from(pkt, len, out, out_len, 2, 0, l6_mac_rb, l6_gw_b, 1280);
	assert_int_equal(dp_stat(s, TN_DROP_FRAG_NEEDED), 1);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
	/* bridged to C on host C */
	len = l6_big(pkt, 1400, dp_mac_c, l6_ip_c);
	out_len = sizeof(out);
	assert_int_equal(l6_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
	l6_error_from(pkt, len, out, out_len, 2, 0, dp_mac_c, l6_ip_c, 1280);
	assert_int_equal(dp_stat(s, TN_DROP_FRAG_NEEDED), 2);
	/* routed to G, on this host: no overlay in the way */
	len = l6_big(pkt, 1400, l6_mac_rb, l6_ip_g);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, L6_IF_G);
	/* fits: 1280 bytes of IPv6 */
	len = l6_big(pkt, 14 + 1280, l6_mac_rb, l6_ip_h);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
	len = l6_big(pkt, 14 + 1280, dp_mac_c, l6_ip_c);
	assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
	/* below the IPv6 minimum MTU, and not checked */
	for (int k = 0; k < 2; k++) {
		l6_mtu(s, k ? 0 : 1000);
		len = l6_big(pkt, 1400, l6_mac_rb, l6_ip_h);
		assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
		assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
		len = l6_big(pkt, 1400, dp_mac_c, l6_ip_c);
		assert_int_equal(l6_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
		assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
	}
	assert_int_equal(dp_stat(s, TN_DROP_FRAG_NEEDED), 2);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 2);
}

/*
 * Every prefix of a routed packet, an echo request and a packet whose hop
 * limit expires, with and without port security on A: a counted drop,
 * never an answer from bytes past the frame nor a routed packet.
 */
static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[3][80], out[256];
	__u32 full[3];

	l6_topology(s);
	full[0] = l6_udp(pkt[0], l6_ip_h, 64);
	full[1] = l6_echo(pkt[1], l6_gw_b);
	full[2] = l6_udp(pkt[2], l6_ip_g, 1);
	for (int ps = 0; ps < 2; ps++) {
		dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A,
			    ps ? TN_LPORT_F_PORT_SECURITY : 0);
		for (int k = 0; k < 3; k++)
			for (__u32 len = 0; len < full[k]; len++) {
				__u32 out_len = sizeof(out);

				if (dp_run_refuses(pkt[k], len))
					continue;
				/* the payload length (16) is past every shorter frame */
				assert_int_equal(l6_run(s, pkt[k], len, out, &out_len),
						 DP_TC_ACT_SHOT);
			}
	}
	assert_true(dp_stat(s, TN_DROP_MALFORMED) > 0);
	assert_int_equal(dp_stat(s, TN_STAT_ICMP_SENT), 0);
	assert_int_equal(dp_stat(s, TN_STAT_ROUTED), 0);
}

/*
 * Host C routed a frame into green for G: its IPv6 source must be a port
 * on C, found the way the router routes back to it.
 */
static void test_tunnel_routed(void **state)
{
	static const __u8 behind_g[16] = {0xfd, 0, 0, 0x99, 0, 5, [15] = 1};
	struct tenet_bpf *s = *state;
	__u8 pkt[80];
	__u32 len;

	l6_topology(s);
	/* H is on C; and what is behind H (fd00:99::/32 via H) */
	len = dp_ip6_hdr(pkt, l6_mac_g, l6_mac_rg, l6_ip_h, l6_ip_g, 59, 0, 63);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, L6_VNI_GREEN), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, L6_IF_G);
	len = dp_ip6_hdr(pkt, l6_mac_g, l6_mac_rg, l6_behind_h, l6_ip_g, 59, 0, 63);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, L6_VNI_GREEN), DP_TC_ACT_REDIRECT);
	/* G is ours, A (blue) is ours, fd00:99:5::/64 is behind G, 2001:db8::
	 * has no route, the gateway is the router's: none of them is C's */
	const __u8 *forged[] = {l6_ip_g, l6_ip_a, behind_g, l6_far, l6_gw_g};
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		len = dp_ip6_hdr(pkt, l6_mac_g, l6_mac_rg, forged[i], l6_ip_g, 59, 0, 63);
		assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, L6_VNI_GREEN), DP_TC_ACT_SHOT);
		assert_int_equal(dp_stat(s, TN_DROP_TUN_ROUTED), i + 1);
	}
}

#define L6_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    L6_TEST(test_routed_local),	      L6_TEST(test_routed_remote),
	    L6_TEST(test_longest_prefix),     L6_TEST(test_hop_limit),
	    L6_TEST(test_unreachable),	      L6_TEST(test_error_source_ll),
	    L6_TEST(test_no_error_for_error), L6_TEST(test_echo_gateway),
	    L6_TEST(test_udp_to_gateway),     L6_TEST(test_not_routed),
	    L6_TEST(test_ns_gateway),	      L6_TEST(test_packet_too_big),
	    L6_TEST(test_truncated),	      L6_TEST(test_tunnel_routed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
