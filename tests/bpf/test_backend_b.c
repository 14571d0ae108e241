// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_backend_b.c - back end (b), VXLAN encap and decap in BPF, under
 * BPF_PROG_TEST_RUN (ctest bpf.backend_b), on the topology of dp_harness.h
 * with tn_config's TN_CONFIG_F_ENCAP_BPF set.
 *
 * Tests: encap_bytes (outer headers byte for byte, source port from the
 * flow hash, VNI), encap_flows (ports in range, one per flow), encap_no_nh
 * (bpf_redirect_neigh without a next hop), encap_arp_fallback (ARP goes by
 * back end (a)), decap (a well-formed packet, delivered into the port),
 * decap_arp (non-IPv4 inner frame: through the port's veth), decap_truncated,
 * decap_fragment, decap_wrong_port, decap_not_ours, decap_no_vni_flag,
 * decap_bad_vni, decap_unknown_peer, decap_inner_spoof, backend_a_unchanged.
 */
#include "dp_harness.h"

#define BB_IF_UL    12		/* the underlay interface */
#define BB_TCX_NEXT 0xffffffffu /* TCX_NEXT (-1) as test_run returns it */
#define BB_VX_LEN   (50 + 50)	/* outer headers + dp_build_ip4's frame */

static const __u8 bb_mac_ul[6] = {0x02, 0xee, 0, 0, 0, 0x02}; /* our underlay */
static const __u8 bb_mac_nh[6] = {0x02, 0xee, 0, 0, 0, 0x03}; /* host C's */

/* The topology, back end (b) on, host C's next hop known. */
static void bb_topology(struct tenet_bpf *s, bool nh)
{
	struct tn_config c = {.abi_version = TN_ABI_VERSION,
			      .tunnel_ifindex = DP_IF_TUN,
			      .local_ip4 = DP_HOST_LOCAL,
			      .flags = TN_CONFIG_F_ENCAP_BPF,
			      .underlay_ifindex = BB_IF_UL};
	struct tn_nh_key nk = {.ip4 = DP_HOST_C};
	struct tn_nh nv = {};
	__u32 k = 0;

	dp_topology(s);
	memcpy(c.underlay_mac, bb_mac_ul, 6);
	dp_put(s->maps.tn_config, &k, &c);
	if (nh) {
		memcpy(nv.mac, bb_mac_nh, 6);
		dp_put(s->maps.tn_nh, &nk, &nv);
	}
}

/* udp_flow_src_port()'s mapping, as the datapath must do it. */
static __u16 bb_sport(__u32 hash)
{
	hash ^= hash << 16;
	return (__u16)((((__u64)hash * (TN_SPORT_MAX - TN_SPORT_MIN)) >> 32) + TN_SPORT_MIN);
}

/*
 * A VXLAN packet to us from outer source src: outer headers for dport and
 * vni (frag: the IPv4 fragment field) around the len-byte inner frame.
 * Returns the length.
 */
static __u32 bb_vxlan(__u8 *p, __be32 src, __u16 dport, __u32 vni, __u16 frag, const __u8 *inner,
		      __u32 len)
{
	__u32 l3 = 20 + 8 + 8 + len;
	__u16 ck;

	memset(p, 0, 50);
	memcpy(p, bb_mac_ul, 6);
	memcpy(p + 6, bb_mac_nh, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = l3 >> 8;
	p[17] = l3 & 0xff;
	p[20] = frag >> 8;
	p[21] = frag & 0xff;
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &src, 4);
	memcpy(p + 30, &(__be32){DP_HOST_LOCAL}, 4);
	ck = dp_csum(p + 14, 20);
	p[24] = ck >> 8;
	p[25] = ck & 0xff;
	p[34] = 0xc0; /* source port 49153 */
	p[35] = 0x01;
	p[36] = dport >> 8;
	p[37] = dport & 0xff;
	p[38] = (l3 - 20) >> 8;
	p[39] = (l3 - 20) & 0xff;
	p[42] = 0x08; /* I flag */
	p[46] = vni >> 16;
	p[47] = vni >> 8;
	p[48] = vni;
	memcpy(p + 50, inner, len);
	return 50 + len;
}

/* Runs prog on pkt; out (optional) gets the result. Returns the verdict. */
static __u32 bb_run(struct tenet_bpf *s, struct bpf_program *prog, const __u8 *pkt, __u32 len,
		    __u8 *out, __u32 *out_len)
{
	__u32 ret = 0;

	dp_trace_reset(s);
	assert_int_equal(dp_run(prog, pkt, len, 0, 0, &ret, out, out_len), 0);
	return ret;
}

/* The encap step of the last run (the flow hash in port_id). */
static struct tn_trace_step bb_encap_step(struct tenet_bpf *s)
{
	struct tn_trace t = dp_trace(s);

	for (__u32 i = 0; i < t.n_step && i < TN_TRACE_MAX_STEP; i++)
		if (t.step[i].stage == TN_STAGE_ENCAP)
			return t.step[i];
	fail_msg("no encap step");
	return t.step[0];
}

static void test_encap_bytes(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256], want[BB_VX_LEN];
	__u32 len, out_len = sizeof(out), l3 = BB_VX_LEN - 14;
	struct tn_trace_step st;
	struct tn_trace t;
	__u16 sport, ck;

	bb_topology(s, true);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(bb_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, BB_IF_UL);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	st = bb_encap_step(s);
	assert_int_equal(st.key, TN_TKEY_NH);
	assert_int_equal(st.found, 1);
	assert_int_equal(out_len, BB_VX_LEN);

	sport = bb_sport(st.port_id);
	memset(want, 0, sizeof(want));
	memcpy(want, bb_mac_nh, 6); /* outer Ethernet: next hop <- underlay */
	memcpy(want + 6, bb_mac_ul, 6);
	want[12] = 0x08;
	want[14] = 0x45; /* IPv4, no options, DF, TTL 64, UDP */
	want[16] = l3 >> 8;
	want[17] = l3 & 0xff;
	want[20] = 0x40;
	want[22] = 64;
	want[23] = 17;
	memcpy(want + 26, &(__be32){DP_HOST_LOCAL}, 4);
	memcpy(want + 30, &(__be32){DP_HOST_C}, 4);
	ck = dp_csum(want + 14, 20);
	want[24] = ck >> 8;
	want[25] = ck & 0xff;
	want[34] = sport >> 8; /* UDP: flow port -> 4789, no checksum */
	want[35] = sport & 0xff;
	want[36] = 4789 >> 8;
	want[37] = 4789 & 0xff;
	want[38] = (l3 - 20) >> 8;
	want[39] = (l3 - 20) & 0xff;
	want[42] = 0x08; /* VXLAN: I flag, VNI */
	want[46] = DP_VNI_BLUE >> 16;
	want[47] = (DP_VNI_BLUE >> 8) & 0xff;
	want[48] = DP_VNI_BLUE & 0xff;
	memcpy(want + 50, pkt, len); /* the frame as the VM sent it */
	assert_memory_equal(out, want, BB_VX_LEN);
	assert_int_equal(dp_stat(s, TN_STAT_TX_TUNNEL), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).rx_packets, 1);
}

static void test_encap_flows(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256];
	__u32 len, out_len, hash0 = 0;
	__u16 port, first = 0;
	bool differ = false;

	bb_topology(s, true);
	for (int i = 0; i < 16; i++) {
		len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
		pkt[35] = (__u8)(100 + i); /* another UDP source port: another flow */
		out_len = sizeof(out);
		assert_int_equal(bb_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
				 DP_TC_ACT_REDIRECT);
		port = (__u16)(out[34] << 8 | out[35]);
		assert_true(port >= TN_SPORT_MIN && port < TN_SPORT_MAX);
		assert_int_equal(port, bb_sport(bb_encap_step(s).port_id));
		if (i == 0) {
			first = port;
			hash0 = bb_encap_step(s).port_id;
		} else if (port != first) {
			differ = true;
		}
	}
	assert_true(differ);
	/* one flow, one port */
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	pkt[35] = 100;
	out_len = sizeof(out);
	bb_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len);
	assert_int_equal(bb_encap_step(s).port_id, hash0);
	assert_int_equal((__u16)(out[34] << 8 | out[35]), first);
}

static void test_encap_no_nh(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256], zero[6] = {};
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	bb_topology(s, false);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(bb_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_NEIGH);
	assert_int_equal(t.ifindex, BB_IF_UL);
	assert_int_equal(bb_encap_step(s).found, 0);
	assert_int_equal(out_len, BB_VX_LEN);
	assert_memory_equal(out, zero, 6); /* the kernel writes the next hop */
	assert_memory_equal(out + 50, pkt, len);
}

/* ARP to a port on another host goes by back end (a): tunnel key, vxlan
 * device, the frame unchanged. */
static void test_encap_arp_fallback(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[128];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	bb_topology(s, true);
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP_C);
	memcpy(pkt, dp_mac_c, 6); /* a unicast reply to C */
	pkt[21] = 2;
	memcpy(pkt + 32, dp_mac_c, 6);
	assert_int_equal(bb_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, pkt, len);
	assert_int_equal(dp_stat(s, TN_STAT_TX_TUNNEL), 1);
}

static void test_decap(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256], out[256];
	__u32 ilen, len, out_len = sizeof(out);
	struct tn_trace t;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(t.step[0].stage, TN_STAGE_UNDERLAY);
	assert_int_equal(t.step[0].found, 1);
	assert_int_equal(out_len, ilen);
	assert_memory_equal(out, inner, ilen);
	assert_int_equal(dp_stat(s, TN_STAT_RX_TUNNEL), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 1);
}

/* A decapsulated ARP frame keeps the outer skb->protocol: it goes through
 * the port's veth, not into its peer. */
static void test_decap_arp(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256], out[256];
	__u32 ilen, len, out_len = sizeof(out);
	struct tn_trace t;

	bb_topology(s, true);
	ilen = dp_build_arp(inner, dp_mac_c, DP_IP_C, DP_IP_A);
	memcpy(inner, dp_mac_a, 6); /* unicast reply to A */
	inner[21] = 2;
	memcpy(inner + 32, dp_mac_a, 6);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(out_len, ilen);
	assert_memory_equal(out, inner, ilen);
}

/* A VXLAN packet for us cut short: a counted drop, never decapsulated. */
static void test_decap_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	/* headers end inside the VXLAN header */
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, 46, NULL, NULL),
			 DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_MALFORMED);
	/* whole headers, but the IPv4 length claims more than arrived */
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len - 10, NULL, NULL),
			 DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_MALFORMED), 2);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
}

/* What is not for (b) goes on to the kernel unchanged (TCX_NEXT): a
 * fragment (the vxlan device reassembles it: back end (a)), another UDP
 * port, another destination. */
static void bb_expect_next(struct tenet_bpf *s, const __u8 *pkt, __u32 len)
{
	__u8 out[256];
	__u32 out_len = sizeof(out);

	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, out, &out_len),
			 BB_TCX_NEXT);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, pkt, len);
	assert_int_equal(dp_stat(s, TN_STAT_RX_TUNNEL), 0);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
}

static void test_decap_fragment(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0x2000, inner, ilen); /* MF */
	bb_expect_next(s, pkt, len);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0x0010, inner, ilen); /* offset */
	bb_expect_next(s, pkt, len);
}

/* VXLAN carrying IPv6 goes to the vxlan device (back end (a)): decapsulated
 * in BPF it would keep the outer IPv4 skb->protocol, and a GSO packet would
 * be segmented as IPv4 and lost. */
static void test_decap_ipv6_to_kernel(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	bb_topology(s, true);
	ilen = dp_build_ip6(inner, dp_mac_a, dp_mac_c);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	bb_expect_next(s, pkt, len);
}

static void test_decap_wrong_port(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4790, DP_VNI_BLUE, 0, inner, ilen);
	bb_expect_next(s, pkt, len);
}

static void test_decap_not_ours(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	__u16 ck;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	memcpy(pkt + 30, &(__be32){DP_HOST_E}, 4); /* to another host */
	pkt[24] = pkt[25] = 0;
	ck = dp_csum(pkt + 14, 20);
	pkt[24] = ck >> 8;
	pkt[25] = ck & 0xff;
	bb_expect_next(s, pkt, len);
	/* plain UDP on the underlay (the inner frame alone) */
	bb_expect_next(s, inner, ilen);
}

static void test_decap_no_vni_flag(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	pkt[42] = 0;
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, NULL, NULL),
			 DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_MALFORMED), 1);
}

static void test_decap_bad_vni(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	struct tn_trace t;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_RED, 0, inner, ilen);
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, NULL, NULL),
			 DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.stat, TN_DROP_BAD_VNI);
	assert_int_equal(t.step[0].found, 1); /* enrolled, but not in red */
	assert_int_equal(dp_stat(s, TN_DROP_BAD_VNI), 1);
}

static void test_decap_unknown_peer(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_X, 4789, DP_VNI_BLUE, 0, inner, ilen);
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, NULL, NULL),
			 DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_UNKNOWN_PEER);
	assert_int_equal(dp_stat(s, TN_DROP_UNKNOWN_PEER), 1);
}

/* The inner checks of back end (a) apply: host C may not speak for E. */
static void test_decap_inner_spoof(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	bb_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_e, DP_IP_E, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, NULL, NULL),
			 DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_SRC_HOST), 1);
	/* and C may not use C's MAC with E's address */
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_E, DP_IP_A);
	len = bb_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	assert_int_equal(bb_run(s, s->progs.tn_underlay_ingress, pkt, len, NULL, NULL),
			 DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_SRC_IP), 1);
}

/* Without TN_CONFIG_F_ENCAP_BPF, IPv4 to another host still goes by (a). */
static void test_backend_a_unchanged(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[128];
	__u32 len, out_len = sizeof(out);
	struct tn_trace t;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(bb_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, pkt, len);
}

#define BB_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BB_TEST(test_encap_bytes),
	    BB_TEST(test_encap_flows),
	    BB_TEST(test_encap_no_nh),
	    BB_TEST(test_encap_arp_fallback),
	    BB_TEST(test_decap),
	    BB_TEST(test_decap_arp),
	    BB_TEST(test_decap_truncated),
	    BB_TEST(test_decap_fragment),
	    BB_TEST(test_decap_wrong_port),
	    BB_TEST(test_decap_ipv6_to_kernel),
	    BB_TEST(test_decap_not_ours),
	    BB_TEST(test_decap_no_vni_flag),
	    BB_TEST(test_decap_bad_vni),
	    BB_TEST(test_decap_unknown_peer),
	    BB_TEST(test_decap_inner_spoof),
	    BB_TEST(test_backend_a_unchanged),
	};

	return cmocka_run_group_tests_name("bpf.backend_b", tests, NULL, NULL);
}
