// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_geneve.c - Geneve encap and decap in BPF with the tenet identity
 * option, under BPF_PROG_TEST_RUN (ctest bpf.geneve), on the topology of
 * dp_harness.h with back end (b) on and host C's port flagged
 * TN_FDB_F_GENEVE.
 *
 * Tests: encap_bytes (outer headers, Geneve header and option with port
 * A's identity, byte for byte), encap_vxlan_rows (a row without the flag
 * still goes by VXLAN), encap_pmtu (a DF datagram that fits VXLAN but not
 * Geneve: fragmentation needed with the Geneve MTU), decap (delivered to A,
 * exact bytes), decap_no_option, decap_backend_a (a host on back end (a)
 * decapsulates Geneve, and leaves VXLAN to the kernel), truncated (every
 * length, with the outer lengths as sent and as cut), opt_len (every value),
 * opt_length (every length of the tenet option and of an unknown one),
 * too_many_options, critical, header (version, O bit, protocol),
 * forged_identity (another identity; another host's port), spoofed_source
 * (inner MAC and IPv4 of another host's port), admission (unknown host,
 * VNI not allowed).
 */
#include "dp_harness.h"

#define GN_IF_UL    12		/* the underlay interface */
#define GN_TCX_NEXT 0xffffffffu /* TCX_NEXT (-1) as test_run returns it */
#define GN_ID_A	    0x123456	/* port A's identity */
#define GN_ID_C	    0x000777	/* port C's */
#define GN_ID_E	    0x000eee	/* port E's */
#define GN_OUTER    50		/* outer Ethernet, IPv4, UDP, Geneve base header */

static const __u8 gn_mac_ul[6] = {0x02, 0xee, 0, 0, 0, 0x02}; /* our underlay */
static const __u8 gn_mac_nh[6] = {0x02, 0xee, 0, 0, 0, 0x03}; /* host C's */

/* The tenet option claiming identity id (8 bytes). */
#define GN_OPT(id) 0xff, 0x74, 0x01, 0x01, 0x00, ((id) >> 16) & 0xff, ((id) >> 8) & 0xff, (id)&0xff

/* The topology with back end (b) (or (a): bpf false), identities, C's row
 * flagged Geneve, host E enrolled too (to tell identity from admission). */
/* Port A's security groups let every IPv4 flow out (0.0.0.0/0, any
 * protocol): the frames these tests send pass the egress check. */
static void gn_allow_egress(struct tenet_bpf *s, __u32 identity)
{
	struct tn_sg_ident_key ik = {.identity = identity};
	struct tn_sg_ident iv = {.gen = 1};
	struct tn_sg_cidr_key ck = {
	    .prefixlen = 64, .identity = htonl(identity), .dir = TN_SG_EGRESS | TN_SG_IPV4};
	struct tn_sg_cidr cv = {.pset = 1};
	struct tn_sg_pset_key pk = {
	    .prefixlen = TN_SG_PSET_PLEN_ANY, .identity = htonl(identity), .pset = htonl(1)};
	struct tn_sg_allow av = {.group = 1};

	dp_put(s->maps.tn_sg_ident, &ik, &iv);
	dp_put(s->maps.tn_sg_cidr, &ck, &cv);
	dp_put(s->maps.tn_sg_pset, &pk, &av);
}

static void gn_topology(struct tenet_bpf *s, bool bpf)
{
	struct tn_config c = {.abi_version = TN_ABI_VERSION,
			      .tunnel_ifindex = DP_IF_TUN,
			      .local_ip4 = DP_HOST_LOCAL,
			      .flags = bpf ? TN_CONFIG_F_ENCAP_BPF : 0,
			      .underlay_ifindex = GN_IF_UL,
			      .mtu = 1450};
	struct tn_ifindex_key ik = {.ifindex = DP_IF_A};
	struct tn_ifport ip = {.port_id = DP_PORT_A,
			       .vni = DP_VNI_BLUE,
			       .flags = TN_LPORT_F_PORT_SECURITY,
			       .ip4 = DP_IP_A,
			       .slot = DP_SLOT(DP_IF_A),
			       .identity = GN_ID_A};
	struct tn_fdb_key fk = {.vni = DP_VNI_BLUE};
	struct tn_fdb fv = {.port_id = DP_PORT_C,
			    .remote_ip4 = DP_HOST_C,
			    .flags = TN_FDB_F_REMOTE | TN_FDB_F_PORT_SECURITY | TN_FDB_F_GENEVE,
			    .ip4 = DP_IP_C,
			    .identity = GN_ID_C};
	struct tn_nh_key nk = {.ip4 = DP_HOST_C};
	struct tn_nh nv = {};
	__u32 k = 0;

	dp_topology(s);
	memcpy(c.underlay_mac, gn_mac_ul, 6);
	dp_put(s->maps.tn_config, &k, &c);
	memcpy(ip.mac, dp_mac_a, 6);
	dp_put(s->maps.tn_ifindex, &ik, &ip);
	memcpy(fk.mac, dp_mac_c, 6);
	dp_put(s->maps.tn_fdb, &fk, &fv);
	memcpy(fk.mac, dp_mac_e, 6);
	fv.port_id = DP_PORT_E;
	fv.remote_ip4 = DP_HOST_E;
	fv.ip4 = DP_IP_E;
	fv.identity = GN_ID_E;
	dp_put(s->maps.tn_fdb, &fk, &fv);
	dp_peer_add(s, DP_HOST_E, DP_VNI_BLUE);
	memcpy(nv.mac, gn_mac_nh, 6);
	dp_put(s->maps.tn_nh, &nk, &nv);
	gn_allow_egress(s, GN_ID_A);
}

static void gn_put16(__u8 *p, __u32 v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

/* Sets the outer IPv4 and UDP lengths of pkt for l3 bytes of datagram. */
static void gn_lengths(__u8 *p, __u32 l3)
{
	__u16 ck;

	gn_put16(p + 16, l3);
	p[24] = p[25] = 0;
	ck = dp_csum(p + 14, 20);
	gn_put16(p + 24, ck);
	gn_put16(p + 38, l3 - 20);
}

/*
 * A Geneve packet to us from outer source src in vni: opt_len words of
 * options (opts, nopt bytes: the caller may make them disagree), then the
 * ilen-byte inner frame. Returns the length.
 */
static __u32 gn_packet(__u8 *p, __be32 src, __u32 vni, __u32 opt_len, const __u8 *opts, __u32 nopt,
		       const __u8 *inner, __u32 ilen)
{
	__u32 len = GN_OUTER + nopt + ilen;

	memset(p, 0, GN_OUTER);
	memcpy(p, gn_mac_ul, 6);
	memcpy(p + 6, gn_mac_nh, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[20] = 0x40; /* DF */
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &src, 4);
	memcpy(p + 30, &(__be32){DP_HOST_LOCAL}, 4);
	gn_put16(p + 34, 49153);
	gn_put16(p + 36, 6081);
	p[42] = opt_len & 0x3f;
	gn_put16(p + 44, 0x6558);
	p[46] = vni >> 16;
	p[47] = vni >> 8;
	p[48] = vni;
	if (nopt)
		memcpy(p + GN_OUTER, opts, nopt);
	memcpy(p + GN_OUTER + nopt, inner, ilen);
	gn_lengths(p, len - 14);
	return len;
}

/* A well-formed packet from host C, port C to A, claiming identity id. */
static __u32 gn_from_c(__u8 *p, __u8 *inner, __u32 *ilen, __u32 id)
{
	const __u8 opt[] = {GN_OPT(id)};

	*ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	return gn_packet(p, DP_HOST_C, DP_VNI_BLUE, 2, opt, sizeof(opt), inner, *ilen);
}

static __u32 gn_run(struct tenet_bpf *s, struct bpf_program *prog, const __u8 *pkt, __u32 len,
		    __u8 *out, __u32 *out_len)
{
	__u32 ret = 0;

	dp_trace_reset(s);
	assert_int_equal(dp_run(prog, pkt, len, 0, 0, &ret, out, out_len), 0);
	return ret;
}

/* Runs pkt into the underlay; expects a drop for reason. */
static void gn_expect_drop(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u32 reason)
{
	__u64 tx = dp_stat(s, TN_STAT_TX_LOCAL);
	__u32 ret = gn_run(s, s->progs.tn_underlay_ingress, pkt, len, NULL, NULL);

	if (ret != DP_TC_ACT_SHOT || dp_trace(s).stat != reason)
		fail_msg("len %u: verdict %u reason %u, want drop %u", len, ret, dp_trace(s).stat,
			 reason);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), tx);
}

/* Runs pkt into the underlay; expects it delivered to A as inner. */
static void gn_expect_delivered(struct tenet_bpf *s, const __u8 *pkt, __u32 len, const __u8 *inner,
				__u32 ilen)
{
	__u8 out[512];
	__u32 out_len = sizeof(out);
	struct tn_trace t;

	assert_int_equal(gn_run(s, s->progs.tn_underlay_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(out_len, ilen);
	assert_memory_equal(out, inner, ilen);
}

static void test_encap_bytes(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256], want[58 + 50];
	__u32 len, out_len = sizeof(out), l3 = sizeof(want) - 14;
	struct tn_trace t;
	__u32 hash = 0;
	__u16 sport;

	gn_topology(s, true);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(gn_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, GN_IF_UL);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	for (__u32 i = 0; i < t.n_step && i < TN_TRACE_MAX_STEP; i++)
		if (t.step[i].stage == TN_STAGE_ENCAP)
			hash = t.step[i].port_id;
	assert_int_equal(out_len, sizeof(want));

	hash ^= hash << 16;
	sport = (__u16)((((__u64)hash * (TN_SPORT_MAX - TN_SPORT_MIN)) >> 32) + TN_SPORT_MIN);
	memset(want, 0, sizeof(want));
	memcpy(want, gn_mac_nh, 6); /* outer Ethernet: next hop <- underlay */
	memcpy(want + 6, gn_mac_ul, 6);
	want[12] = 0x08;
	want[14] = 0x45; /* IPv4, no options, DF, TTL 64, UDP */
	gn_put16(want + 16, l3);
	want[20] = 0x40;
	want[22] = 64;
	want[23] = 17;
	memcpy(want + 26, &(__be32){DP_HOST_LOCAL}, 4);
	memcpy(want + 30, &(__be32){DP_HOST_C}, 4);
	gn_put16(want + 24, dp_csum(want + 14, 20));
	gn_put16(want + 34, sport); /* UDP: flow port -> 6081, no checksum */
	gn_put16(want + 36, 6081);
	gn_put16(want + 38, l3 - 20);
	want[42] = 2;		     /* Geneve: version 0, opt_len 2 words */
	want[43] = 0;		     /* no O, no C */
	gn_put16(want + 44, 0x6558); /* Ethernet follows */
	want[46] = DP_VNI_BLUE >> 16;
	want[47] = (DP_VNI_BLUE >> 8) & 0xff;
	want[48] = DP_VNI_BLUE & 0xff;
	gn_put16(want + 50, 0xff74); /* option class */
	want[52] = 0x01;	     /* type: identity, critical bit clear */
	want[53] = 0x01;	     /* one 4-byte word */
	want[54] = 0;
	want[55] = GN_ID_A >> 16;
	want[56] = (GN_ID_A >> 8) & 0xff;
	want[57] = GN_ID_A & 0xff;
	memcpy(want + 58, pkt, len); /* the frame as the VM sent it */
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(dp_stat(s, TN_STAT_TX_TUNNEL), 1);
}

/* Without TN_FDB_F_GENEVE the same host gets VXLAN; without back end (b)
 * the Geneve row goes by the vxlan device. */
static void test_encap_vxlan_rows(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[256];
	__u32 len, out_len = sizeof(out);
	struct tn_fdb_key fk = {.vni = DP_VNI_BLUE};
	struct tn_fdb fv = {.port_id = DP_PORT_C,
			    .remote_ip4 = DP_HOST_C,
			    .flags = TN_FDB_F_REMOTE | TN_FDB_F_PORT_SECURITY,
			    .ip4 = DP_IP_C};

	gn_topology(s, true);
	memcpy(fk.mac, dp_mac_c, 6);
	dp_put(s->maps.tn_fdb, &fk, &fv);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(gn_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, 50 + len);
	assert_int_equal(out[36] << 8 | out[37], 4789);

	gn_topology(s, false);
	out_len = sizeof(out);
	assert_int_equal(gn_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_TUN);
	assert_int_equal(out_len, len);
}

/* A DF datagram that fits VXLAN's MTU but not Geneve's (8 bytes less) is
 * answered with fragmentation needed, MTU 1442. */
static void test_encap_pmtu(void **state)
{
	struct tenet_bpf *s = *state;
	static __u8 pkt[1600], out[1600];
	__u32 len = 14 + 1446, out_len = sizeof(out);

	gn_topology(s, true);
	dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	gn_put16(pkt + 16, len - 14);
	pkt[20] = 0x40; /* DF */
	gn_put16(pkt + 24, dp_csum(pkt + 14, 20));
	gn_put16(pkt + 38, len - 34);
	assert_int_equal(gn_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_stat(s, TN_DROP_FRAG_NEEDED), 1);
	assert_int_equal(out[23], 1);			    /* ICMP */
	assert_int_equal(out[34], 3);			    /* destination unreachable */
	assert_int_equal(out[35], 4);			    /* fragmentation needed */
	assert_int_equal(out[40] << 8 | out[41], 1450 - 8); /* next-hop MTU */
	/* the same datagram to a VXLAN row fits */
	len = 14 + 1446;
	{
		struct tn_fdb_key fk = {.vni = DP_VNI_BLUE};
		struct tn_fdb fv = {.port_id = DP_PORT_C,
				    .remote_ip4 = DP_HOST_C,
				    .flags = TN_FDB_F_REMOTE | TN_FDB_F_PORT_SECURITY,
				    .ip4 = DP_IP_C};

		memcpy(fk.mac, dp_mac_c, 6);
		dp_put(s->maps.tn_fdb, &fk, &fv);
	}
	out_len = sizeof(out);
	assert_int_equal(gn_run(s, s->progs.tn_vif_ingress, pkt, len, out, &out_len),
			 DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, 50 + len);
}

static void test_decap(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	gn_topology(s, true);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_C);
	gn_expect_delivered(s, pkt, len, inner, ilen);
	assert_int_equal(dp_trace(s).step[0].stage, TN_STAGE_UNDERLAY);
	assert_int_equal(dp_stat(s, TN_STAT_RX_TUNNEL), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 1);
}

/* No option: nothing claimed, the inner checks alone decide. */
static void test_decap_no_option(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	gn_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 0, NULL, 0, inner, ilen);
	gn_expect_delivered(s, pkt, len, inner, ilen);
	/* an unknown option without the critical bit is skipped */
	{
		const __u8 opts[] = {0x01, 0x01, 0x05, 0x01, 1, 2, 3, 4, GN_OPT(GN_ID_C)};

		len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 4, opts, sizeof(opts), inner, ilen);
		gn_expect_delivered(s, pkt, len, inner, ilen);
	}
}

/* A host on back end (a) decapsulates Geneve (nobody else would) and
 * leaves VXLAN to its vxlan device. */
static void test_decap_backend_a(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256], out[256];
	__u32 ilen, len, out_len = sizeof(out);

	gn_topology(s, false);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_C);
	gn_expect_delivered(s, pkt, len, inner, ilen);
	gn_put16(pkt + 36, 4789); /* the same bytes to the VXLAN port */
	pkt[42] = 0x08;
	assert_int_equal(gn_run(s, s->progs.tn_underlay_ingress, pkt, len, out, &out_len),
			 GN_TCX_NEXT);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, pkt, len);
}

/* A reason of the Geneve parser. */
static bool gn_geneve_reason(__u32 r)
{
	return r == TN_DROP_GENEVE_HDR || r == TN_DROP_GENEVE_OPT_LEN;
}

/* Cut at every length: below the UDP header's end not ours (the kernel's);
 * after it dropped by a Geneve reason while the outer lengths claim more
 * than arrived; with the lengths cut too, dropped while the Geneve header,
 * its option (Geneve reasons) or the inner Ethernet or IPv4 header (the
 * source check's) is incomplete. */
static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256], cut[256];
	__u32 ilen, len, ret, r;

	gn_topology(s, true);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_C);
	for (__u32 l = 14; l < len; l++) {
		if (dp_run_refuses(pkt, l))
			continue;
		memcpy(cut, pkt, l);
		ret = gn_run(s, s->progs.tn_underlay_ingress, cut, l, NULL, NULL);
		r = dp_trace(s).stat;
		if (l < 42) {
			assert_int_equal(ret, GN_TCX_NEXT);
			continue;
		}
		if (ret != DP_TC_ACT_SHOT || !gn_geneve_reason(r))
			fail_msg("cut at %u: verdict %u reason %u", l, ret, r);
		if (l < 50)
			continue;
		gn_lengths(cut, l - 14); /* the outer lengths agree with the cut */
		ret = gn_run(s, s->progs.tn_underlay_ingress, cut, l, NULL, NULL);
		r = dp_trace(s).stat;
		if (l < 58 + 14 + 20 && ret != DP_TC_ACT_SHOT)
			fail_msg("cut with lengths at %u: verdict %u reason %u", l, ret, r);
		if (l < 58 + 14 && !gn_geneve_reason(r))
			fail_msg("cut with lengths at %u: reason %u", l, r);
	}
}

/* opt_len at every value but the right one (2): dropped, never delivered;
 * one that runs past the datagram by the options' reason. */
static void test_opt_len(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len, ret;

	gn_topology(s, true);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_C);
	for (__u32 o = 0; o < 64; o++) {
		if (o == 2)
			continue;
		pkt[42] = o;
		ret = gn_run(s, s->progs.tn_underlay_ingress, pkt, len, NULL, NULL);
		if (ret != DP_TC_ACT_SHOT)
			fail_msg("opt_len %u: verdict %u", o, ret);
		if (50 + o * 4 + 14 > len)
			assert_int_equal(dp_trace(s).stat, TN_DROP_GENEVE_OPT_LEN);
	}
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
	pkt[42] = 2;
	gn_expect_delivered(s, pkt, len, inner, ilen);
}

/* Every option length field but the right one: the tenet option's must be
 * 1, an unknown option's must stay within opt_len; the identity must fit
 * 24 bits; the option may appear once. */
static void test_opt_length(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	gn_topology(s, true);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_C);
	for (__u32 l = 0; l < 32; l++) {
		if (l == 1)
			continue;
		pkt[53] = l;
		gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_OPT_LEN);
		pkt[53] = 0xe0 | l; /* reserved bits do not count */
		gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_OPT_LEN);
	}
	/* an unknown, non-critical option of 4 bytes of data in the same place */
	gn_put16(pkt + 50, 0x0101);
	for (__u32 l = 0; l < 32; l++) {
		pkt[53] = l;
		if (l == 1) {
			gn_expect_delivered(s, pkt, len, inner, ilen);
			continue;
		}
		gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_OPT_LEN);
	}
	/* an identity of more than 24 bits */
	len = gn_from_c(pkt, inner, &ilen, GN_ID_C);
	pkt[54] = 0x01;
	gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_OPT_LEN);
	/* the tenet option twice */
	{
		const __u8 opts[] = {GN_OPT(GN_ID_C), GN_OPT(GN_ID_C)};

		len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 4, opts, sizeof(opts), inner, ilen);
		gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_OPT_LEN);
	}
}

/* At most TN_GENEVE_OPTS_MAX options are walked: eight pass, nine do not. */
static void test_too_many_options(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[512], opts[64] = {GN_OPT(GN_ID_C)};
	__u32 ilen, len;

	gn_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	for (__u32 i = 0; i < TN_GENEVE_OPTS_MAX; i++) /* empty unknown options after ours */
		gn_put16(opts + 8 + 4 * i, 0x0101);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 2 + TN_GENEVE_OPTS_MAX - 1, opts,
			8 + 4 * (TN_GENEVE_OPTS_MAX - 1), inner, ilen);
	gn_expect_delivered(s, pkt, len, inner, ilen);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 2 + TN_GENEVE_OPTS_MAX, opts,
			8 + 4 * TN_GENEVE_OPTS_MAX, inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_OPT_LEN);
	/* the largest opt_len, one option of 124 bytes of data and ours */
	memset(opts, 0, sizeof(opts));
	{
		static __u8 big[252];

		gn_put16(big, 0x0101);
		big[3] = 31;
		memcpy(big + 128, (const __u8[]){GN_OPT(GN_ID_C)}, 8);
		gn_put16(big + 136, 0x0101);
		big[139] = 28; /* fills opt_len 63 exactly */
		len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 63, big, sizeof(big), inner, 0);
		memcpy(pkt + len, inner, ilen);
		len += ilen;
		gn_lengths(pkt, len - 14);
		assert_true(len <= sizeof(pkt));
		gn_expect_delivered(s, pkt, len, inner, ilen);
	}
}

/* An option tenet does not know with the critical bit set is dropped,
 * ours with the bit set too (a type tenet does not know). */
static void test_critical(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	const __u8 unknown[] = {GN_OPT(GN_ID_C), 0x01, 0x01, 0x80, 0x00};
	const __u8 ours[] = {0xff, 0x74, 0x81, 0x01, 0, 0, 0x07, 0x77};

	gn_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 3, unknown, sizeof(unknown), inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_CRITICAL);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 2, ours, sizeof(ours), inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_CRITICAL);
	assert_int_equal(dp_stat(s, TN_DROP_GENEVE_CRITICAL), 2);
}

/* Version not 0, a control (O) packet, a payload not Ethernet. */
static void test_header(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;

	gn_topology(s, true);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_C);
	for (__u32 v = 1; v < 4; v++) {
		pkt[42] = v << 6 | 2;
		gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_HDR);
	}
	pkt[42] = 2;
	pkt[43] = 0x80;
	gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_HDR);
	pkt[43] = 0;
	gn_put16(pkt + 44, 0x0800);
	gn_expect_drop(s, pkt, len, TN_DROP_GENEVE_HDR);
	gn_put16(pkt + 44, 0x6558);
	gn_expect_delivered(s, pkt, len, inner, ilen);
}

/* Host C claims an identity that is not its port's, or speaks for host E's
 * port with that port's identity: TN_DROP_TUN_IDENTITY. */
static void test_forged_identity(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	const __u8 opt_e[] = {GN_OPT(GN_ID_E)};

	gn_topology(s, true);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_A);
	gn_expect_drop(s, pkt, len, TN_DROP_TUN_IDENTITY);
	len = gn_from_c(pkt, inner, &ilen, 0);
	gn_expect_drop(s, pkt, len, TN_DROP_TUN_IDENTITY);
	len = gn_from_c(pkt, inner, &ilen, GN_ID_E);
	gn_expect_drop(s, pkt, len, TN_DROP_TUN_IDENTITY);
	/* E's port and identity from host C */
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_e, DP_IP_E, DP_IP_A);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 2, opt_e, sizeof(opt_e), inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_TUN_IDENTITY);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_IDENTITY), 4);
	/* the same from host E is E's own */
	len = gn_packet(pkt, DP_HOST_E, DP_VNI_BLUE, 2, opt_e, sizeof(opt_e), inner, ilen);
	gn_expect_delivered(s, pkt, len, inner, ilen);
}

/* Inner sources of another host's port, without a claim: as for VXLAN. */
static void test_spoofed_source(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	const __u8 opt_c[] = {GN_OPT(GN_ID_C)};

	gn_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_e, DP_IP_E, DP_IP_A);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 0, NULL, 0, inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_TUN_SRC_HOST);
	/* C's MAC and identity, E's address */
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_E, DP_IP_A);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 2, opt_c, sizeof(opt_c), inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_TUN_SRC_IP);
	/* a MAC of no port */
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_x, DP_IP_C, DP_IP_A);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_BLUE, 2, opt_c, sizeof(opt_c), inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_TUN_SRC_UNKNOWN);
}

static void test_admission(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 inner[64], pkt[256];
	__u32 ilen, len;
	const __u8 opt_c[] = {GN_OPT(GN_ID_C)};

	gn_topology(s, true);
	ilen = dp_build_ip4(inner, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	len = gn_packet(pkt, DP_HOST_X, DP_VNI_BLUE, 2, opt_c, sizeof(opt_c), inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_UNKNOWN_PEER);
	len = gn_packet(pkt, DP_HOST_C, DP_VNI_RED, 2, opt_c, sizeof(opt_c), inner, ilen);
	gn_expect_drop(s, pkt, len, TN_DROP_BAD_VNI);
}

#define GN_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    GN_TEST(test_encap_bytes),	   GN_TEST(test_encap_vxlan_rows),
	    GN_TEST(test_encap_pmtu),	   GN_TEST(test_decap),
	    GN_TEST(test_decap_no_option), GN_TEST(test_decap_backend_a),
	    GN_TEST(test_truncated),	   GN_TEST(test_opt_len),
	    GN_TEST(test_opt_length),	   GN_TEST(test_too_many_options),
	    GN_TEST(test_critical),	   GN_TEST(test_header),
	    GN_TEST(test_forged_identity), GN_TEST(test_spoofed_source),
	    GN_TEST(test_admission),
	};

	return cmocka_run_group_tests_name("bpf.geneve", tests, NULL, NULL);
}
