// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_xdp_decap.c - back end (b)'s decapsulation before GRO, tn_xdp_decap
 * (bpf/xdp.bpf.c), under BPF_PROG_TEST_RUN (ctest bpf.xdp_decap), on the
 * topology of dp_harness.h (host C enrolled in blue; X not enrolled).
 *
 * Tests: decap (the exact inner frame after the metadata, and the metadata:
 * magic, VNI, outer source), decap_arp (a non-IPv4 inner frame too),
 * not_ours (another port, destination, protocol, a fragment, IPv4 options,
 * IPv6, ARP: unchanged, no metadata), rejected (unknown source, VNI the
 * source may not use, no I flag, no configuration: unchanged, left to tc),
 * truncated (a packet cut at every length, and one whose lengths agree with
 * the cut: unchanged unless whole headers and a consistent length make it a
 * good packet, then decapsulated exactly), counted (every run is counted
 * under exactly one verdict).
 */
#include "dp_harness.h"
#include "tenet_xdp.h"

#define XD_META_LEN ((__u32)sizeof(struct tn_xdp_meta))

static const __u8 xd_mac_ul[6] = {0x02, 0xee, 0, 0, 0, 0x02}; /* our underlay */
static const __u8 xd_mac_nh[6] = {0x02, 0xee, 0, 0, 0, 0x03}; /* the sender's */

/* One run's result: verdict, metadata length, output (metadata first). */
struct xd_result {
	__u32 verdict;
	__u32 meta_len;
	__u32 len; /* bytes of out: metadata and frame */
	__u8 out[512];
};

static __u16 xd_csum(const __u8 *p, size_t n)
{
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Sets the outer IPv4 and UDP lengths of the VXLAN packet p for a packet of
 * len bytes, and the IPv4 header checksum. */
static void xd_lengths(__u8 *p, __u32 len)
{
	__u32 l3 = len - 14, l4 = l3 - 20;
	__u16 ck;

	p[16] = l3 >> 8;
	p[17] = l3 & 0xff;
	p[38] = l4 >> 8;
	p[39] = l4 & 0xff;
	p[24] = p[25] = 0;
	ck = xd_csum(p + 14, 20);
	p[24] = ck >> 8;
	p[25] = ck & 0xff;
}

/* A VXLAN packet to us from src for vni (UDP dport, IPv4 fragment field
 * frag) around the len-byte inner frame. Returns its length. */
static __u32 xd_vxlan(__u8 *p, __be32 src, __u16 dport, __u32 vni, __u16 frag, const __u8 *inner,
		      __u32 len)
{
	memset(p, 0, 50);
	memcpy(p, xd_mac_ul, 6);
	memcpy(p + 6, xd_mac_nh, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[20] = frag >> 8;
	p[21] = frag & 0xff;
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &src, 4);
	memcpy(p + 30, &(__be32){DP_HOST_LOCAL}, 4);
	p[34] = 0xc0; /* source port 49153 */
	p[35] = 0x01;
	p[36] = dport >> 8;
	p[37] = dport & 0xff;
	p[42] = 0x08; /* I flag */
	p[46] = vni >> 16;
	p[47] = vni >> 8;
	p[48] = vni;
	memcpy(p + 50, inner, len);
	xd_lengths(p, 50 + len);
	return 50 + len;
}

/* Runs tn_xdp_decap on len bytes of pkt. */
static struct xd_result xd_run(struct tenet_bpf *s, const __u8 *pkt, __u32 len)
{
	struct xd_result r = {0};
	struct xdp_md ctx_in = {.data_end = len}, ctx_out = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .data_out = r.out,
		    .data_size_out = sizeof(r.out), .ctx_in = &ctx_in,
		    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);

	dp_trace_reset(s);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(s->progs.tn_xdp_decap), &opts), 0);
	r.verdict = opts.retval;
	r.len = opts.data_size_out;
	r.meta_len = ctx_out.data; /* test_run reports data - data_meta */
	return r;
}

/* Sum over CPUs of counter stat of tn_xdp_stats. */
static __u64 xd_stat(struct tenet_bpf *s, __u32 stat)
{
	int n = libbpf_num_possible_cpus();
	__u64 *v, sum = 0;

	assert_true(n > 0);
	v = calloc(n, sizeof(*v));
	assert_non_null(v);
	assert_int_equal(
	    bpf_map__lookup_elem(s->maps.tn_xdp_stats, &stat, sizeof(stat), v, n * sizeof(*v), 0),
	    0);
	for (int i = 0; i < n; i++)
		sum += v[i];
	free(v);
	return sum;
}

/* pkt (len bytes) went on unchanged, without metadata. */
static void xd_expect_unchanged(const struct xd_result *r, const __u8 *pkt, __u32 len)
{
	assert_int_equal(r->verdict, XDP_PASS);
	assert_int_equal(r->meta_len, 0);
	assert_int_equal(r->len, len);
	assert_memory_equal(r->out, pkt, len);
}

/* The VXLAN packet pkt (len bytes, from remote in vni) left as its inner
 * frame behind our metadata. */
static void xd_expect_decap(const struct xd_result *r, const __u8 *pkt, __u32 len, __u32 vni,
			    __be32 remote)
{
	struct tn_xdp_meta m;

	assert_int_equal(r->verdict, XDP_PASS);
	assert_int_equal(r->meta_len, XD_META_LEN);
	assert_int_equal(r->len, XD_META_LEN + len - 50);
	memcpy(&m, r->out, sizeof(m));
	assert_int_equal(m.magic, TN_XDP_META_MAGIC);
	assert_int_equal(m.vni, vni);
	assert_int_equal(m.remote, remote);
	assert_int_equal(m.flags, 0);
	assert_memory_equal(r->out + XD_META_LEN, pkt + 50, len - 50);
}

static void test_decap(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	struct xd_result r;

	dp_topology(s);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_decap(&r, pkt, len, DP_VNI_BLUE, DP_HOST_C);
	assert_memory_equal(r.out + XD_META_LEN, inner, ilen); /* the inner frame, byte for byte */
	assert_int_equal(xd_stat(s, TN_XDP_DECAP), 1);
	assert_int_equal(xd_stat(s, TN_XDP_NOT_OURS), 0);
	assert_int_equal(xd_stat(s, TN_XDP_TO_TC), 0);
	assert_int_equal(dp_trace(s).step[0].stage, TN_STAGE_UNDERLAY);
	/* XDP never counts a packet as the tunnel's: tc does, once per skb */
	assert_int_equal(dp_stat(s, TN_STAT_RX_TUNNEL), 0);
}

static void test_decap_arp(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	struct xd_result r;

	dp_topology(s);
	ilen = dp_build_arp(inner, dp_mac_c, DP_IP_C, DP_IP_A);
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_decap(&r, pkt, len, DP_VNI_BLUE, DP_HOST_C);
	assert_int_equal(xd_stat(s, TN_XDP_DECAP), 1);
}

/* Not ours: passed unchanged and counted as such. */
static void test_not_ours(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256], v6[64];
	__u32 ilen, len, n = 0;
	struct xd_result r;

	dp_topology(s);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	/* another UDP port */
	len = xd_vxlan(pkt, DP_HOST_C, 4790, DP_VNI_BLUE, 0, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	/* another destination */
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	pkt[33] ^= 1;
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	/* fragments: the first (MF) and a later one (offset) */
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0x2000, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0x0010, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	/* TCP, not UDP */
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	pkt[23] = 6;
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	/* IPv4 options (ihl 6) */
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	pkt[14] = 0x46;
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	/* IPv6 and ARP on the underlay */
	len = dp_build_ip6(v6, xd_mac_ul, xd_mac_nh);
	r = xd_run(s, v6, len);
	xd_expect_unchanged(&r, v6, len), n++;
	len = dp_build_arp(pkt, xd_mac_nh, DP_HOST_C, DP_HOST_LOCAL);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	/* plain IPv4 UDP to this host (the host's own traffic) */
	len = dp_build_ip4(pkt, xd_mac_ul, xd_mac_nh, DP_HOST_C, DP_HOST_LOCAL);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len), n++;
	assert_int_equal(xd_stat(s, TN_XDP_NOT_OURS), n);
	assert_int_equal(xd_stat(s, TN_XDP_DECAP), 0);
	assert_int_equal(xd_stat(s, TN_XDP_TO_TC), 0);
}

/* Ours but not to be decapsulated here: unchanged, left to tc, which
 * decides and counts the drop with its reason (bpf.backend_b). */
static void test_rejected(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	struct tn_config zero = {0};
	struct xd_result r;
	__u32 k = 0;

	dp_topology(s);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	/* an unknown source */
	len = xd_vxlan(pkt, DP_HOST_X, 4789, DP_VNI_BLUE, 0, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len);
	/* a VNI host C may not send in */
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_RED, 0, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len);
	/* no I flag */
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	pkt[42] = 0;
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len);
	/* the UDP length shorter than the headers */
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	pkt[38] = 0;
	pkt[39] = 8;
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len);
	assert_int_equal(xd_stat(s, TN_XDP_TO_TC), 4);
	assert_int_equal(xd_stat(s, TN_XDP_DECAP), 0);
	/* without a configuration (no local address) nothing is ours */
	dp_put(s->maps.tn_config, &k, &zero);
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	r = xd_run(s, pkt, len);
	xd_expect_unchanged(&r, pkt, len);
	assert_int_equal(xd_stat(s, TN_XDP_NOT_OURS), 1);
}

/*
 * Truncated at every length from an Ethernet header up (test_run takes no
 * less): cut short, the outer IPv4 length claims more than arrived, so the
 * packet goes on unchanged. With its lengths rewritten to agree with the
 * cut, it is decapsulated exactly when the VXLAN and inner Ethernet headers
 * are whole, and else goes on unchanged. Never a decap of anything else,
 * and every run counted once.
 */
static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256], cut[256];
	__u32 ilen, len, runs = 0, decaps = 0;
	struct xd_result r;

	dp_topology(s);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = xd_vxlan(pkt, DP_HOST_C, 4789, DP_VNI_BLUE, 0, inner, ilen);
	for (__u32 l = 14; l < len; l++) {
		r = xd_run(s, pkt, l);
		xd_expect_unchanged(&r, pkt, l);
		runs++;
		memcpy(cut, pkt, l);
		if (l >= 34 + 8)
			xd_lengths(cut, l);
		r = xd_run(s, cut, l);
		runs++;
		if (l >= 64) {
			xd_expect_decap(&r, cut, l, DP_VNI_BLUE, DP_HOST_C);
			decaps++;
		} else {
			xd_expect_unchanged(&r, cut, l);
		}
	}
	assert_int_equal(xd_stat(s, TN_XDP_DECAP), decaps);
	assert_int_equal(xd_stat(s, TN_XDP_DECAP) + xd_stat(s, TN_XDP_NOT_OURS) +
			     xd_stat(s, TN_XDP_TO_TC),
			 runs);
	/* whole UDP header, cut inside VXLAN or the inner Ethernet header */
	assert_true(xd_stat(s, TN_XDP_TO_TC) >= 2 * (64 - 42));
}

#define XD_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    XD_TEST(test_decap),    XD_TEST(test_decap_arp), XD_TEST(test_not_ours),
	    XD_TEST(test_rejected), XD_TEST(test_truncated),
	};

	return cmocka_run_group_tests_name("bpf.xdp_decap", tests, NULL, NULL);
}
