/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_ipv6.c - IPv6 on tenant networks: port security for IPv6 (source
 * address, ND claims, RA guard, extension headers), the ND responder (NS
 * answered with NA, bytes exact, checksum computed here independently) and
 * the tunnel side's IPv6 source check, through BPF_PROG_TEST_RUN. Every
 * parser is fed the frames truncated at every offset.
 */
#include "dp_harness.h"
#include "ra6.h"

/* The standard topology (dp_harness.h) with IPv6: A fd00::a, fd00:1::a;
 * B fd00::b; C fd00::c on host C; E fd00::e on host E; a router address
 * fd00::1 (TN_ND_F_ROUTER, no port). */
static const __u8 ip6_a[16] = {0xfd, [15] = 0x0a};
static const __u8 ip6_a2[16] = {0xfd, 0, 0, 1, [15] = 0x0a};
static const __u8 ip6_b[16] = {0xfd, [15] = 0x0b};
static const __u8 ip6_c[16] = {0xfd, [15] = 0x0c};
static const __u8 ip6_e[16] = {0xfd, [15] = 0x0e};
static const __u8 ip6_gw[16] = {0xfd, [15] = 0x01};
static const __u8 ip6_unknown[16] = {0xfd, [15] = 0x99};
static const __u8 ip6_any[16];
static const __u8 ip6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};
static const __u8 ip6_all_routers[16] = {0xff, 0x02, [15] = 0x02};
static const __u8 ip6_mld2[16] = {0xff, 0x02, [15] = 0x16};
static const __u8 mac_gw[6] = {0x02, 0, 0, 0, 0, 0x01};
static const __u8 mac_all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};

#define NH_HOPOPTS 0
#define NH_UDP	   17
#define NH_FRAG	   44
#define NH_ICMP6   58
#define NS_LEN	   86 /* NS with a source link-layer option, as NA: 14 + 40 + 24 + 8 */

static void nd_add(struct tenet_bpf *s, const __u8 *ip6, const __u8 *mac, __u32 port_id,
		   __be32 remote, __u16 flags)
{
	struct tn_nd_key k = {.vni = DP_VNI_BLUE};
	struct tn_nd v = {.port_id = port_id, .remote_ip4 = remote, .flags = flags};

	memcpy(k.ip6, ip6, 16);
	memcpy(v.mac, mac, 6);
	dp_put(s->maps.tn_nd, &k, &v);
}

static void v6_topology(struct tenet_bpf *s)
{
	dp_topology(s);
	nd_add(s, ip6_a, dp_mac_a, DP_PORT_A, 0, 0);
	nd_add(s, ip6_a2, dp_mac_a, DP_PORT_A, 0, 0);
	nd_add(s, ip6_b, dp_mac_b, DP_PORT_B, 0, 0);
	nd_add(s, ip6_c, dp_mac_c, DP_PORT_C, DP_HOST_C, 0);
	nd_add(s, ip6_e, dp_mac_e, DP_PORT_E, DP_HOST_E, 0);
	nd_add(s, ip6_gw, mac_gw, 0, 0, TN_ND_F_ROUTER);
}

/* The solicited-node group of a, and its MAC. */
static void snm_of(__u8 *g, __u8 *mac, const __u8 *a)
{
	memset(g, 0, 16);
	g[0] = 0xff;
	g[1] = 0x02;
	g[11] = 1;
	g[12] = 0xff;
	memcpy(g + 13, a + 13, 3);
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, g + 12, 4);
}

/* An NS or NA (type) from smac/src to dst for target, with a link-layer
 * option carrying ll (NULL: none), and flags (NA). Returns the length. */
static __u32 build_nd(__u8 *p, __u8 type, const __u8 *dmac, const __u8 *smac, const __u8 *src,
		      const __u8 *dst, const __u8 *target, const __u8 *ll, __u8 flags)
{
	__u16 plen = 24 + (ll ? 8 : 0);
	__u32 len = dp_ip6_hdr(p, dmac, smac, src, dst, NH_ICMP6, plen, 255);

	memset(p + len, 0, plen);
	p[len] = type;
	p[len + 4] = flags;
	memcpy(p + len + 8, target, 16);
	if (ll) {
		p[len + 24] = type == 135 ? 1 : 2;
		p[len + 25] = 1;
		memcpy(p + len + 26, ll, 6);
	}
	dp_icmp6_csum_fix(p);
	return len + plen;
}

/* An NS from port A (its MAC, source src) for target, to its
 * solicited-node group, with an SLL option carrying ll (NULL: none). */
static __u32 build_ns(__u8 *p, const __u8 *src, const __u8 *target, const __u8 *ll)
{
	__u8 g[16], gmac[6];

	snm_of(g, gmac, target);
	return build_nd(p, 135, gmac, dp_mac_a, src, g, target, ll, 0);
}

/* A UDP datagram (8 bytes) from smac/src to B. */
static __u32 build_udp6(__u8 *p, const __u8 *smac, const __u8 *src)
{
	__u32 len = dp_ip6_hdr(p, dp_mac_b, smac, src, ip6_b, NH_UDP, 8, 64);

	memset(p + len, 0, 8);
	p[len + 5] = 8;
	return len + 8;
}

/* The NA the responder must send for target (owner mac, R flag router) to
 * the asker at amac/asrc (asrc :: : to all-nodes, not solicited). */
static __u32 expect_na(__u8 *p, const __u8 *amac, const __u8 *asrc, const __u8 *target,
		       const __u8 *mac, bool router)
{
	bool dad = memcmp(asrc, ip6_any, 16) == 0;
	__u8 flags = 0x20 | (dad ? 0 : 0x40) | (router ? 0x80 : 0);

	return build_nd(p, 136, dad ? mac_all_nodes : amac, mac, target, dad ? ip6_all_nodes : asrc,
			target, mac, flags);
}

static __u32 tun_run(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __be32 host)
{
	return dp_tun_run(s, pkt, len, host, DP_VNI_BLUE);
}

/* Runs pkt from port A; asserts it is dropped for reason. */
static void vif_drops(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u32 reason)
{
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	assert_int_equal(dp_trace(s).stat, reason);
}

/* Runs pkt from port A; asserts it passed port security (not dropped). */
static void vif_passes(struct tenet_bpf *s, const __u8 *pkt, __u32 len)
{
	dp_vif_run(s, pkt, len, NULL, NULL);
	assert_int_not_equal(dp_trace(s).verdict, TN_TRACE_DROP);
}

/* Runs an NS from port A; asserts it is answered with exactly want. */
static void ns_answered(struct tenet_bpf *s, const __u8 *ns, __u32 len, const __u8 *want,
			__u32 want_len)
{
	__u8 out[256];
	__u32 out_len = sizeof(out);
	struct tn_trace t;

	assert_int_equal(dp_vif_run(s, ns, len, out, &out_len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.stat, TN_STAT_ARP_REPLY);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(t.step[t.n_step - 1].stage, TN_STAGE_ND);
	assert_int_equal(out_len, want_len);
	assert_memory_equal(out, want, want_len);
}

/* NS for another port's address (local, remote) and a router's: answered
 * with the NA, bytes exact (checksum computed independently here). */
static void test_ns_answered(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 ns[128], na[128], ll[16];
	__u32 len, nlen;

	v6_topology(s);
	ra6_ll_from_mac(ll, dp_mac_a);
	len = build_ns(ns, ll, ip6_b, dp_mac_a);
	assert_int_equal(len, NS_LEN);
	nlen = expect_na(na, dp_mac_a, ll, ip6_b, dp_mac_b, false);
	assert_int_equal(nlen, 86);
	ns_answered(s, ns, len, na, nlen);
	/* from a global address, for a port on another host */
	len = build_ns(ns, ip6_a, ip6_c, NULL);
	nlen = expect_na(na, dp_mac_a, ip6_a, ip6_c, dp_mac_c, false);
	ns_answered(s, ns, len, na, nlen);
	/* a router's address: the R flag */
	len = build_ns(ns, ip6_a, ip6_gw, NULL);
	nlen = expect_na(na, dp_mac_a, ip6_a, ip6_gw, mac_gw, true);
	ns_answered(s, ns, len, na, nlen);
	/* a unicast NS (neighbor unreachability detection), no SLL option:
	 * the frame grows to the NA */
	len = build_nd(ns, 135, dp_mac_b, dp_mac_a, ip6_a, ip6_b, ip6_b, NULL, 0);
	assert_int_equal(len, 78);
	nlen = expect_na(na, dp_mac_a, ip6_a, ip6_b, dp_mac_b, false);
	ns_answered(s, ns, len, na, nlen);
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 4);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 4);
	/* the same for a port without port security */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	len = build_ns(ns, ll, ip6_b, dp_mac_a);
	nlen = expect_na(na, dp_mac_a, ll, ip6_b, dp_mac_b, false);
	ns_answered(s, ns, len, na, nlen);
}

/* Not answered, on to L2: unknown targets, the asker's own address, a
 * hop limit other than 255, a multicast target. */
static void test_ns_not_answered(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 ns[128];
	__u32 len;

	v6_topology(s);
	len = build_ns(ns, ip6_a, ip6_unknown, dp_mac_a);
	vif_passes(s, ns, len);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	len = build_ns(ns, ip6_a, ip6_a2, dp_mac_a);
	vif_passes(s, ns, len);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	len = build_ns(ns, ip6_a, ip6_b, dp_mac_a);
	ns[21] = 64; /* hop limit: not from a neighbor */
	dp_icmp6_csum_fix(ns);
	vif_passes(s, ns, len);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	len = build_ns(ns, ip6_a, ip6_all_nodes, dp_mac_a);
	vif_passes(s, ns, len);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 0);
}

/* DAD: a probe (source ::, solicited-node group, no SLL option) for
 * another port's address is answered to all-nodes without the solicited
 * flag; for its own address it goes on to L2; a probe with an SLL option,
 * or to a unicast address, is dropped. */
static void test_dad(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 ns[128], na[128];
	__u32 len, nlen;

	v6_topology(s);
	len = build_ns(ns, ip6_any, ip6_b, NULL);
	nlen = expect_na(na, dp_mac_a, ip6_any, ip6_b, dp_mac_b, false);
	assert_memory_equal(na, mac_all_nodes, 6);
	assert_int_equal(na[58], 0x20); /* override only */
	ns_answered(s, ns, len, na, nlen);
	len = build_ns(ns, ip6_any, ip6_a, NULL);
	vif_passes(s, ns, len);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	len = build_ns(ns, ip6_any, ip6_a, dp_mac_a);
	vif_drops(s, ns, len, TN_DROP_SPOOF_ND);
	len = build_nd(ns, 135, dp_mac_b, dp_mac_a, ip6_any, ip6_b, ip6_b, NULL, 0);
	vif_drops(s, ns, len, TN_DROP_SPOOF_IP6);
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 1);
}

/* The source of IPv6 from a port with port security: its fixed IPv6 and its
 * EUI-64 link-local pass; another port's address (local or remote), an
 * unknown one, another MAC's link-local, a multicast source do not. */
static void test_spoofed_source(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128], ll[16];

	v6_topology(s);
	vif_passes(s, pkt, build_udp6(pkt, dp_mac_a, ip6_a));
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
	vif_passes(s, pkt, build_udp6(pkt, dp_mac_a, ip6_a2));
	ra6_ll_from_mac(ll, dp_mac_a);
	vif_passes(s, pkt, build_udp6(pkt, dp_mac_a, ll));
	vif_drops(s, pkt, build_udp6(pkt, dp_mac_a, ip6_b), TN_DROP_SPOOF_IP6);
	vif_drops(s, pkt, build_udp6(pkt, dp_mac_a, ip6_c), TN_DROP_SPOOF_IP6);
	vif_drops(s, pkt, build_udp6(pkt, dp_mac_a, ip6_unknown), TN_DROP_SPOOF_IP6);
	vif_drops(s, pkt, build_udp6(pkt, dp_mac_a, ip6_gw), TN_DROP_SPOOF_IP6);
	vif_drops(s, pkt, build_udp6(pkt, dp_mac_a, ip6_all_nodes), TN_DROP_SPOOF_IP6);
	ra6_ll_from_mac(ll, dp_mac_b);
	vif_drops(s, pkt, build_udp6(pkt, dp_mac_a, ll), TN_DROP_SPOOF_IP6);
	/* the MAC check comes first */
	vif_drops(s, pkt, build_udp6(pkt, dp_mac_b, ip6_b), TN_DROP_SPOOF_MAC);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP6), 6);
	/* a port without port security sends what it likes */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	vif_passes(s, pkt, build_udp6(pkt, dp_mac_a, ip6_b));
}

/* ND claims: an NS's SLL option, an NA's target and TLL option must be the
 * port's own. */
static void test_spoofed_nd(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128], ll[16];

	v6_topology(s);
	ra6_ll_from_mac(ll, dp_mac_a);
	vif_drops(s, pkt, build_ns(pkt, ip6_a, ip6_unknown, dp_mac_b), TN_DROP_SPOOF_ND);
	/* an NA for another port's address, from A's own source */
	vif_drops(s, pkt,
		  build_nd(pkt, 136, mac_all_nodes, dp_mac_a, ip6_a, ip6_all_nodes, ip6_b, dp_mac_a,
			   0x20),
		  TN_DROP_SPOOF_ND);
	vif_drops(s, pkt,
		  build_nd(pkt, 136, mac_all_nodes, dp_mac_a, ll, ip6_all_nodes, ip6_c, NULL, 0x20),
		  TN_DROP_SPOOF_ND);
	/* its own target with another MAC in the TLL option */
	vif_drops(s, pkt,
		  build_nd(pkt, 136, mac_all_nodes, dp_mac_a, ip6_a, ip6_all_nodes, ip6_a, dp_mac_b,
			   0x20),
		  TN_DROP_SPOOF_ND);
	/* an NA from another port's source */
	vif_drops(s, pkt,
		  build_nd(pkt, 136, mac_all_nodes, dp_mac_a, ip6_b, ip6_all_nodes, ip6_b, dp_mac_a,
			   0x20),
		  TN_DROP_SPOOF_IP6);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_ND), 4);
	/* what is its own passes: target fixed or link-local, TLL its MAC */
	vif_passes(s, pkt,
		   build_nd(pkt, 136, mac_all_nodes, dp_mac_a, ip6_a, ip6_all_nodes, ip6_a,
			    dp_mac_a, 0x20));
	vif_passes(s, pkt, build_nd(pkt, 136, dp_mac_b, dp_mac_a, ll, ip6_b, ll, dp_mac_a, 0x60));
	vif_passes(s, pkt, build_ns(pkt, ip6_a, ip6_unknown, dp_mac_a));
}

/* RA guard: router advertisements and redirects never leave a port with
 * port security, whatever their source; a router solicitation does. */
static void test_ra_guard(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128], ll[16];
	__u32 len;

	v6_topology(s);
	ra6_ll_from_mac(ll, dp_mac_a);
	len = dp_ip6_hdr(pkt, mac_all_nodes, dp_mac_a, ll, ip6_all_nodes, NH_ICMP6, 16, 255);
	memset(pkt + len, 0, 16);
	pkt[len] = 134;
	vif_drops(s, pkt, len + 16, TN_DROP_RA_GUARD);
	pkt[len] = 137;
	vif_drops(s, pkt, len + 16, TN_DROP_RA_GUARD);
	len = dp_ip6_hdr(pkt, dp_mac_b, dp_mac_a, ll, ip6_all_routers, NH_ICMP6, 16, 255);
	memset(pkt + len, 0, 16);
	pkt[len] = 133;
	pkt[len + 8] = 1; /* SLL option: its own MAC */
	pkt[len + 9] = 1;
	memcpy(pkt + len + 10, dp_mac_a, 6);
	vif_passes(s, pkt, len + 16);
	memcpy(pkt + len + 10, dp_mac_b, 6);
	vif_drops(s, pkt, len + 16, TN_DROP_SPOOF_ND);
	assert_int_equal(dp_stat(s, TN_DROP_RA_GUARD), 2);
}

/* An MLDv2 report (hop-by-hop router alert first) passes from :: and from
 * the port's link-local. */
static void test_mld(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128], ll[16];
	__u32 len;

	v6_topology(s);
	ra6_ll_from_mac(ll, dp_mac_a);
	for (int i = 0; i < 2; i++) {
		len = dp_ip6_hdr(pkt, dp_mac_b, dp_mac_a, i ? ll : ip6_any, ip6_mld2, NH_HOPOPTS,
				 16, 1);
		memset(pkt + len, 0, 16);
		pkt[len] = NH_ICMP6; /* hop-by-hop: next header, length 0 */
		pkt[len + 2] = 5;    /* router alert */
		pkt[len + 3] = 2;
		pkt[len + 8] = 143;
		vif_passes(s, pkt, len + 16);
	}
	/* an echo request from :: is not MLD */
	pkt[len + 8] = 128;
	memcpy(pkt + 22, ip6_any, 16);
	vif_drops(s, pkt, len + 16, TN_DROP_SPOOF_IP6);
}

/* Extension headers: at most TN_IP6_EXT_MAX walked, more is dropped; ND in
 * a fragment is dropped (RFC 6980); a later fragment passes on its source;
 * a header running past the payload is malformed. */
static void test_ext_headers(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[160];
	__u32 len, n;

	v6_topology(s);
	for (n = 1; n <= 5; n++) {
		len = dp_ip6_hdr(pkt, dp_mac_b, dp_mac_a, ip6_a, ip6_b, NH_HOPOPTS, n * 8 + 8, 64);
		memset(pkt + len, 0, n * 8 + 8);
		for (__u32 i = 0; i < n; i++)
			pkt[len + i * 8] = i + 1 < n ? 60 : NH_UDP; /* then destination options */
		if (n <= 4)
			vif_passes(s, pkt, len + n * 8 + 8);
		else
			vif_drops(s, pkt, len + n * 8 + 8, TN_DROP_IP6_EXT);
	}
	/* an NA behind a fragment header (first fragment) */
	len = dp_ip6_hdr(pkt, mac_all_nodes, dp_mac_a, ip6_a, ip6_all_nodes, NH_FRAG, 8 + 32, 255);
	memset(pkt + len, 0, 40);
	pkt[len] = NH_ICMP6;
	pkt[len + 3] = 1; /* more fragments */
	pkt[len + 8] = 136;
	memcpy(pkt + len + 16, ip6_a, 16);
	vif_drops(s, pkt, len + 40, TN_DROP_IP6_EXT);
	/* a later fragment: no upper header, its source is checked */
	pkt[len + 2] = 0;
	pkt[len + 3] = 8; /* offset 8 */
	vif_passes(s, pkt, len + 40);
	memcpy(pkt + 22, ip6_b, 16);
	vif_drops(s, pkt, len + 40, TN_DROP_SPOOF_IP6);
	/* an extension header longer than the payload */
	len = dp_ip6_hdr(pkt, dp_mac_b, dp_mac_a, ip6_a, ip6_b, NH_HOPOPTS, 16, 64);
	memset(pkt + len, 0, 16);
	pkt[len] = NH_UDP;
	pkt[len + 1] = 2; /* 24 bytes */
	vif_drops(s, pkt, len + 16, TN_DROP_MALFORMED);
	/* ND options: length 0, past the end */
	len = build_ns(pkt, ip6_a, ip6_unknown, dp_mac_a);
	pkt[len - 7] = 0;
	vif_drops(s, pkt, len, TN_DROP_ND);
	pkt[len - 7] = 2;
	vif_drops(s, pkt, len, TN_DROP_ND);
}

/*
 * From the tunnel: an IPv6 source of the sending port (fixed, link-local)
 * passes; another port's address (on this host, on a third host) from host
 * C's port is dropped, an NA for another port's address and an RA too.
 */
static void test_tunnel(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128], ll[16];
	__u32 len;

	v6_topology(s);
	len = dp_ip6_hdr(pkt, dp_mac_b, dp_mac_c, ip6_c, ip6_b, NH_UDP, 8, 64);
	memset(pkt + len, 0, 8);
	len += 8;
	tun_run(s, pkt, len, DP_HOST_C);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
	ra6_ll_from_mac(ll, dp_mac_c);
	memcpy(pkt + 22, ll, 16);
	tun_run(s, pkt, len, DP_HOST_C);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_PEER);
	memcpy(pkt + 22, ip6_a, 16);
	assert_int_equal(tun_run(s, pkt, len, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_IPV6);
	memcpy(pkt + 22, ip6_e, 16); /* port E's, which lives on host E */
	assert_int_equal(tun_run(s, pkt, len, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_IPV6);
	/* E's MAC and address, from host C: not E's host */
	memcpy(pkt + 6, dp_mac_e, 6);
	assert_int_equal(tun_run(s, pkt, len, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_HOST);
	/* ND from C claiming A's address, and an RA */
	len = build_nd(pkt, 136, mac_all_nodes, dp_mac_c, ip6_c, ip6_all_nodes, ip6_a, dp_mac_c,
		       0x20);
	assert_int_equal(tun_run(s, pkt, len, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_ND);
	len = build_nd(pkt, 136, mac_all_nodes, dp_mac_c, ip6_c, ip6_all_nodes, ip6_c, dp_mac_c,
		       0x20);
	tun_run(s, pkt, len, DP_HOST_C);
	assert_int_not_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	pkt[54] = 134;
	assert_int_equal(tun_run(s, pkt, len, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_ND);
	/* without port security: any source but another host's port's */
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_c, DP_PORT_C, 0, DP_HOST_C, DP_IP_C, TN_FDB_F_REMOTE);
	len = dp_ip6_hdr(pkt, dp_mac_b, dp_mac_c, ip6_unknown, ip6_b, NH_UDP, 8, 64);
	memset(pkt + len, 0, 8);
	len += 8;
	tun_run(s, pkt, len, DP_HOST_C);
	assert_int_not_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	memcpy(pkt + 22, ip6_a, 16);
	assert_int_equal(tun_run(s, pkt, len, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_IPV6);
	len = build_nd(pkt, 136, mac_all_nodes, dp_mac_c, ip6_c, ip6_all_nodes, ip6_e, NULL, 0x20);
	assert_int_equal(tun_run(s, pkt, len, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_ND);
	/* the same NA behind a destination options header */
	len = dp_ip6_hdr(pkt, mac_all_nodes, dp_mac_c, ip6_c, ip6_all_nodes, 60, 8 + 24, 255);
	memset(pkt + len, 0, 32);
	pkt[len] = NH_ICMP6;
	pkt[len + 8] = 136;
	memcpy(pkt + len + 16, ip6_e, 16);
	assert_int_equal(tun_run(s, pkt, len + 32, DP_HOST_C), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_ND);
	memcpy(pkt + len + 16, ip6_c, 16);
	tun_run(s, pkt, len + 32, DP_HOST_C);
	assert_int_not_equal(dp_trace(s).verdict, TN_TRACE_DROP);
}

/* The frames every parser is fed truncated. */
static __u32 sample(__u8 *p, int i)
{
	__u8 ll[16];
	__u32 len;

	ra6_ll_from_mac(ll, dp_mac_a);
	switch (i) {
	case 0: /* NS with SLL, answered whole */
		return build_ns(p, ll, ip6_b, dp_mac_a);
	case 1: /* NA with TLL */
		return build_nd(p, 136, mac_all_nodes, dp_mac_a, ip6_a, ip6_all_nodes, ip6_a,
				dp_mac_a, 0x20);
	case 2: /* UDP */
		return build_udp6(p, dp_mac_a, ip6_a);
	default: /* MLDv2 report behind a hop-by-hop header */
		len = dp_ip6_hdr(p, dp_mac_b, dp_mac_a, ll, ip6_mld2, NH_HOPOPTS, 16, 1);
		memset(p + len, 0, 16);
		p[len] = NH_ICMP6;
		p[len + 8] = 143;
		return len + 16;
	}
}

/*
 * Every frame cut at every offset, its payload length left as it was
 * (longer than what is there): a counted drop from a port with port
 * security and from the tunnel, and never an answer from the responder
 * (port security off). With the payload length cut to match, ND option
 * lists end early: dropped, or (options cut whole) answered correctly.
 */
static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128], cut[128], out[256], na[128], ll[16];
	__u32 len, n, out_len, nalen;

	v6_topology(s);
	ra6_ll_from_mac(ll, dp_mac_a);
	nalen = expect_na(na, dp_mac_a, ll, ip6_b, dp_mac_b, false);
	for (int i = 0; i < 4; i++) {
		len = sample(pkt, i);
		vif_passes(s, pkt, len); /* whole: fine */
		for (n = 14; n < len; n++) {
			if (dp_run_refuses(pkt, n))
				continue;
			memcpy(cut, pkt, n);
			dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A,
				    TN_LPORT_F_PORT_SECURITY);
			vif_drops(s, cut, n, TN_DROP_MALFORMED);
			memcpy(cut + 6, dp_mac_c, 6); /* as port C from host C */
			assert_int_equal(tun_run(s, cut, n, DP_HOST_C), DP_TC_ACT_SHOT);
			assert_int_equal(dp_trace(s).stat, TN_DROP_MALFORMED);
			memcpy(cut + 6, dp_mac_a, 6);
			dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
			out_len = sizeof(out);
			dp_vif_run(s, cut, n, out, &out_len);
			assert_int_not_equal(dp_trace(s).stat, TN_STAT_ARP_REPLY);
		}
	}
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 1); /* the whole NS */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A,
		    TN_LPORT_F_PORT_SECURITY);
	len = sample(pkt, 0);
	for (n = 54 + 24; n <= len; n++) {
		memcpy(cut, pkt, n);
		cut[18] = 0;
		cut[19] = (__u8)(n - 54);
		dp_icmp6_csum_fix(cut);
		out_len = sizeof(out);
		if (dp_vif_run(s, cut, n, out, &out_len) == DP_TC_ACT_SHOT) {
			assert_true(n > 78 && n < len);
			assert_int_equal(dp_trace(s).stat, TN_DROP_ND);
			continue;
		}
		assert_true(n == 78 || n == len);
		assert_int_equal(out_len, nalen);
		assert_memory_equal(out, na, nalen);
	}
}

#define DP_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DP_TEST(test_ns_answered), DP_TEST(test_ns_not_answered),
	    DP_TEST(test_dad),	       DP_TEST(test_spoofed_source),
	    DP_TEST(test_spoofed_nd),  DP_TEST(test_ra_guard),
	    DP_TEST(test_mld),	       DP_TEST(test_ext_headers),
	    DP_TEST(test_tunnel),      DP_TEST(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
