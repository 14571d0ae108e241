// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_ra6.c - router advertisements (bpf/nf/ra.h) and the DHCPv6 server
 * (bpf/nf/dhcp6.h) of the datapath under BPF_PROG_TEST_RUN (ctest
 * bpf.ra6). Port A of dp_harness.h's topology is on blue, whose tn_ra row
 * common/ra6.c encodes (its message bytes are also written out here), and
 * gets a tn_dhcp6 row; solicitations and DHCPv6 requests enter at
 * tn_vif_ingress like a VM's and every answer is compared whole, byte for
 * byte, with one built here from RFC 4861's and RFC 8415's layouts.
 *
 * Tests: ra_message_bytes, rs_unicast, rs_from_any, rs_no_row, rs_invalid,
 * rs_truncated, solicit_advertise, solicit_rapid, request_renew_rebind,
 * info_request, release_confirm, stateless, other_server, malformed,
 * no_row, pass, dhcp6_truncated, dhcp6_truncated_consistent.
 */
#include "dp_harness.h"

#include "ra6.h"

#define XID 0xabcdef

static const __u8 rtr_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};
static const __u8 prefix1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
static const __u8 prefix2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2};
static const __u8 dns1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x53};
static const __u8 addr_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x0a};
static const __u8 all_nodes[16] = {0xff, 0x02, [15] = 1};
static const __u8 mac_all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
static const __u8 mac_dhcp6[6] = {0x33, 0x33, 0, 1, 0, 2};
static const __u8 all_dhcp[16] = {0xff, 0x02, [13] = 1, [15] = 2};
static const __u8 duid_a[14] = {0, 1, 0, 1, 0x2a, 0x2b, 0x2c, 0x2d, 2, 0, 0, 0, 0, 0x0a};

/* Blue's RA: MTU 1450, prefix1 SLAAC, prefix2 on-link only, one DNS server. */
static struct tn_ra ra_row(void)
{
	struct ra6_prefix p[2] = {{.len = 64, .autonomous = true}, {.len = 64}};
	struct ra6_in in = {
	    .other = true, .mtu = 1450, .prefixes = p, .n_prefixes = 2, .dns = &dns1, .n_dns = 1};
	struct tn_ra row;

	memcpy(p[0].addr, prefix1, 16);
	memcpy(p[1].addr, prefix2, 16);
	memcpy(in.mac, rtr_mac, 6);
	assert_int_equal(ra6_encode(&in, &row), 0);
	return row;
}

static void ra_add(struct tenet_bpf *s)
{
	struct tn_ra_key k = {.vni = DP_VNI_BLUE};
	struct tn_ra v = ra_row();

	dp_put(s->maps.tn_ra, &k, &v);
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u32 sum16(const __u8 *p, __u32 n)
{
	__u32 sum = 0;

	for (__u32 i = 0; i < n; i += 2)
		sum += (__u32)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return sum;
}

/* The checksum of the upper layer at p + 54 of frame p (next header nh),
 * with its checksum field read as zero: 0 when it is right. */
static __u16 l4_csum_check(const __u8 *p, __u32 len, __u8 nh)
{
	__u32 n = len - 54;

	return csum_fold(sum16(p + 22, 32) + n + nh + sum16(p + 54, n));
}

/* An IPv6 frame from port A (src :: when any) to dst / dmac with next
 * header nh and payload pl of n bytes, hop limit hl. Returns its length. */
static __u32 ip6_build(__u8 *p, bool any, const __u8 *dmac, const __u8 *dst, __u8 nh, __u8 hl,
		       const __u8 *pl, __u32 n)
{
	__u32 len = dp_build_ip6(p, dmac, dp_mac_a);

	if (!any)
		ra6_ll_from_mac(p + 22, dp_mac_a);
	memcpy(p + 38, dst, 16);
	p[18] = n >> 8;
	p[19] = n & 0xff;
	p[20] = nh;
	p[21] = hl;
	memcpy(p + len, pl, n);
	return len + n;
}

/* A router solicitation from A (with its SLL option unless from ::). */
static __u32 rs_build(__u8 *p, bool any)
{
	__u8 rs[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1};
	__u32 n = any ? 8 : 16;

	memcpy(rs + 10, dp_mac_a, 6);
	return ip6_build(p, any, mac_all_nodes, (const __u8[16]){0xff, 2, [15] = 2}, 58, 255, rs,
			 n);
}

static __u32 run(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u8 *out, __u32 *out_len)
{
	return dp_vif_run(s, pkt, len, out, out_len);
}

/* Runs pkt and checks it is shot for stat. */
static void dropped(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u32 stat)
{
	__u64 before = dp_stat(s, stat);

	assert_int_equal(run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	assert_int_equal(dp_trace(s).stat, stat);
	assert_int_equal(dp_stat(s, stat), before + 1);
}

/* The RA message common/ra6.c encodes for ra_row, written out. */
static void test_ra_message_bytes(void **state)
{
	static const __u8 want[] = {
	    134,  0,	0,    0,    64,	  0x40, 0x23, 0x28, 0,	  0,	0,    0,    0,
	    0,	  0,	0,				    /* RA, O, 9000 s */
	    1,	  1,	0x02, 0,    0,	  0,	0,    0xfe, /* SLL */
	    5,	  1,	0,    0,    0,	  0,	0x05, 0xaa, /* MTU 1450 */
	    3,	  4,	64,   0xc0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
	    0,	  0,	0, /* L A */
	    0x20, 0x01, 0x0d, 0xb8, 0,	  1,	0,    0,    0,	  0,	0,    0,    0,
	    0,	  0,	0,    3,    4,	  64,	0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0,    0,    0,	  0, /* L */
	    0x20, 0x01, 0x0d, 0xb8, 0,	  2,	0,    0,    0,	  0,	0,    0,    0,
	    0,	  0,	0,    25,   3,	  0,	0,    0xff, 0xff, 0xff, 0xff, /* RDNSS, infinite */
	    0x20, 0x01, 0x0d, 0xb8, 0,	  1,	0,    0,    0,	  0,	0,    0,    0,
	    0,	  0,	0x53,
	};
	struct tn_ra row = ra_row();
	__u8 src[16];

	(void)state;
	assert_int_equal(row.msg_len, sizeof(want));
	assert_memory_equal(row.msg, want, sizeof(want));
	assert_int_equal(row.msg_sum, csum_fold(sum16(want, sizeof(want))) ^ 0xffff);
	ra6_ll_from_mac(src, rtr_mac);
	assert_memory_equal(row.src_ip6, src, 16);
	assert_memory_equal(row.src_mac, rtr_mac, 6);
}

/* Sends RS (from :: when any) and checks the answer is the RA to
 * dmac / dst, whole. */
static void rs_answered(struct tenet_bpf *s, bool any, const __u8 *dmac, const __u8 *dst)
{
	struct tn_ra row = ra_row();
	__u8 pkt[128], out[1024], want[1024], src[16];
	__u32 out_len = sizeof(out), len = rs_build(pkt, any);
	__u64 sent = dp_stat(s, TN_STAT_RA_SENT);
	size_t n;

	assert_int_equal(ra6_frame(&row, dmac, dst, want, sizeof(want), &n), 0);
	assert_int_equal(run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, n);
	assert_memory_equal(out, want, n);
	/* independently of ra6_frame: headers, message, checksum */
	ra6_ll_from_mac(src, rtr_mac);
	assert_memory_equal(out, dmac, 6);
	assert_memory_equal(out + 6, rtr_mac, 6);
	assert_int_equal(out[20], 58);
	assert_int_equal(out[21], 255);
	assert_int_equal(out[18] << 8 | out[19], row.msg_len);
	assert_memory_equal(out + 22, src, 16);
	assert_memory_equal(out + 38, dst, 16);
	assert_memory_equal(out + 54, row.msg, 2);
	assert_memory_equal(out + 58, row.msg + 4, row.msg_len - 4);
	assert_int_equal(l4_csum_check(out, out_len, 58), 0);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
	assert_int_equal(dp_stat(s, TN_STAT_RA_SENT), sent + 1);
}

static void test_rs_unicast(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 a[16];

	dp_topology(s);
	ra_add(s);
	ra6_ll_from_mac(a, dp_mac_a);
	rs_answered(s, false, dp_mac_a, a);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	rs_answered(s, false, dp_mac_a, a);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 2);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

static void test_rs_from_any(void **state)
{
	struct tenet_bpf *s = *state;

	dp_topology(s);
	ra_add(s);
	rs_answered(s, true, mac_all_nodes, all_nodes);
}

/* No RA on the network: on to L2 (a router of the tenant's may answer). */
static void test_rs_no_row(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	dp_topology(s);
	len = rs_build(pkt, false);
	assert_int_equal(run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_RA_SENT), 0);
}

static void test_rs_invalid(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	dp_topology(s);
	ra_add(s);
	len = rs_build(pkt, false);
	pkt[21] = 64; /* hop limit */
	dropped(s, pkt, len, TN_DROP_RS_BAD);
	len = rs_build(pkt, false);
	pkt[55] = 1; /* code */
	dropped(s, pkt, len, TN_DROP_RS_BAD);
	/* an option of length 0 and one past the end, port security off
	 * (port security refuses these itself) */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	len = rs_build(pkt, false);
	pkt[63] = 0;
	dropped(s, pkt, len, TN_DROP_RS_BAD);
	len = rs_build(pkt, false);
	pkt[63] = 2;
	dropped(s, pkt, len, TN_DROP_RS_BAD);
	/* a payload length past the frame */
	len = rs_build(pkt, false);
	pkt[19] = 24;
	dropped(s, pkt, len, TN_DROP_RS_BAD);
	/* a source link-layer option from :: */
	len = rs_build(pkt, false);
	memset(pkt + 22, 0, 16);
	dropped(s, pkt, len, TN_DROP_RS_BAD);
	assert_int_equal(dp_stat(s, TN_STAT_RA_SENT), 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

/*
 * Runs every prefix of pkt[0 .. len) and checks that none is answered: a
 * counted drop, or (too short to be seen as what it is) passed on to L2;
 * from first on, a drop.
 */
static void truncate_all(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u32 first,
			 bool fix_lengths, __u32 answer)
{
	__u8 buf[512], out[2048];

	for (__u32 n = 0; n < len; n++) {
		__u32 out_len = sizeof(out), ret;
		struct tn_trace t;

		memcpy(buf, pkt, n);
		if (fix_lengths && n >= 62) { /* IPv6 and UDP lengths agree with n */
			buf[18] = (n - 54) >> 8;
			buf[19] = (n - 54) & 0xff;
			buf[58] = (n - 54) >> 8;
			buf[59] = (n - 54) & 0xff;
		}
		if (dp_run_refuses(buf, n))
			continue;
		ret = run(s, buf, n, out, &out_len);
		t = dp_trace(s);
		assert_int_equal(ret, DP_TC_ACT_SHOT);
		assert_int_not_equal(t.stat, answer);
		if (t.verdict == TN_TRACE_DROP)
			assert_true(t.stat >= TN_DROP_FIRST && t.stat < TN_STAT_MAX);
		else
			assert_int_equal(t.verdict, TN_TRACE_FLOOD);
		if (n >= first)
			assert_int_equal(t.verdict, TN_TRACE_DROP);
	}
	assert_int_equal(dp_stat(s, answer), 0);
}

static void test_rs_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	dp_topology(s);
	ra_add(s);
	len = rs_build(pkt, false);
	truncate_all(s, pkt, len, 55, false, TN_STAT_RA_SENT);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	truncate_all(s, pkt, len, 55, false, TN_STAT_RA_SENT);
	len = rs_build(pkt, true);
	truncate_all(s, pkt, len, 55, false, TN_STAT_RA_SENT);
	assert_true(dp_stat(s, TN_DROP_RS_BAD) > 0);
	assert_int_equal(run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
}

/* ---- DHCPv6 ---- */

#define T_PREF 86400
#define T1     43200
#define T2     69120

static const __u8 srv_duid[10] = {0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0xfe};
static const __u8 row_opts[] = {0, 23, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 1,
				0, 0,  0, 0,  0,    0,	  0,	0,    0, 0x53};

static void dhcp6_add(struct tenet_bpf *s, __u32 port_id, __u32 flags)
{
	struct tn_dhcp6_key k = {.port_id = port_id};
	struct tn_dhcp6 v = {.opts_len = sizeof(row_opts),
			     .flags = flags,
			     .preferred = htonl(T_PREF),
			     .valid = htonl(T_PREF),
			     .t1 = htonl(T1),
			     .t2 = htonl(T2)};

	if (flags & TN_DHCP6_F_STATEFUL)
		memcpy(v.addr, addr_a, 16);
	memcpy(v.server_mac, rtr_mac, 6);
	memcpy(v.opts, row_opts, sizeof(row_opts));
	dp_put(s->maps.tn_dhcp6, &k, &v);
}

/* What a request carries. */
struct req {
	__u8 type;
	bool cid;   /* client identifier duid_a */
	int sid;    /* 0 none, 1 ours, 2 another */
	bool ia;    /* IA_NA, IAID 0x01020304 */
	bool rapid; /* rapid commit */
};

static __u32 put_opt(__u8 *p, __u16 code, const void *data, __u16 len)
{
	p[0] = code >> 8;
	p[1] = code & 0xff;
	p[2] = len >> 8;
	p[3] = len & 0xff;
	if (len)
		memcpy(p + 4, data, len);
	return 4 + len;
}

/* Writes request q from A as a DHCPv6 client would (with an option
 * request option and elapsed time): client id, IA_NA, rapid commit,
 * option request, elapsed time, server id. Returns its length. */
static __u32 req_build(__u8 *p, const struct req *q)
{
	static const __u8 other[10] = {0, 3, 0, 1, 2, 0, 0, 0, 0, 0x77};
	static const __u8 ia[12] = {1, 2, 3, 4};
	static const __u8 oro[4] = {0, 23, 0, 24};
	static const __u8 elapsed[2];
	__u8 u[256];
	__u32 n = 8;

	memset(u, 0, sizeof(u));
	u[0] = 546 >> 8;
	u[1] = 546 & 0xff;
	u[2] = 547 >> 8;
	u[3] = 547 & 0xff;
	u[n++] = q->type;
	u[n++] = XID >> 16;
	u[n++] = (XID >> 8) & 0xff;
	u[n++] = XID & 0xff;
	if (q->cid)
		n += put_opt(u + n, 1, duid_a, sizeof(duid_a));
	if (q->ia)
		n += put_opt(u + n, 3, ia, sizeof(ia));
	if (q->rapid)
		n += put_opt(u + n, 14, NULL, 0);
	n += put_opt(u + n, 6, oro, sizeof(oro));
	n += put_opt(u + n, 8, elapsed, sizeof(elapsed));
	if (q->sid) /* last: no proper prefix of a Request is one */
		n += put_opt(u + n, 2, q->sid == 1 ? srv_duid : other, 10);
	u[4] = n >> 8;
	u[5] = n & 0xff;
	return ip6_build(p, false, mac_dhcp6, all_dhcp, 17, 1, u, n);
}

/* What a reply must be. */
struct rep {
	__u8 type;  /* 2 Advertise, 7 Reply */
	bool ia;    /* IA_NA with addr_a */
	int status; /* -1 none, else the status code */
	bool rapid; /* rapid commit */
	bool opts;  /* the row's options */
	bool cid;   /* client identifier echoed */
};

/* Writes reply r from RFC 8415's layout, in tn_dhcp6's option order.
 * Returns its length. */
static __u32 rep_build(__u8 *p, const struct rep *r)
{
	__u8 u[512], iaaddr[24], ia[40], st[2] = {0, (__u8)r->status};
	__u32 n = 8, t;
	__be32 v;

	memset(u, 0, sizeof(u));
	u[0] = 547 >> 8;
	u[1] = 547 & 0xff;
	u[2] = 546 >> 8;
	u[3] = 546 & 0xff;
	u[n++] = r->type;
	u[n++] = XID >> 16;
	u[n++] = (XID >> 8) & 0xff;
	u[n++] = XID & 0xff;
	n += put_opt(u + n, 2, srv_duid, 10);
	if (r->ia) {
		memcpy(iaaddr, addr_a, 16);
		v = htonl(T_PREF);
		memcpy(iaaddr + 16, &v, 4);
		memcpy(iaaddr + 20, &v, 4);
		memcpy(ia, (const __u8[4]){1, 2, 3, 4}, 4);
		v = htonl(T1);
		memcpy(ia + 4, &v, 4);
		v = htonl(T2);
		memcpy(ia + 8, &v, 4);
		put_opt(ia + 12, 5, iaaddr, 24);
		n += put_opt(u + n, 3, ia, 40);
	}
	if (r->status >= 0)
		n += put_opt(u + n, 13, st, 2);
	if (r->rapid)
		n += put_opt(u + n, 14, NULL, 0);
	if (r->opts) {
		memcpy(u + n, row_opts, sizeof(row_opts));
		n += sizeof(row_opts);
	}
	if (r->cid)
		n += put_opt(u + n, 1, duid_a, sizeof(duid_a));
	u[4] = n >> 8;
	u[5] = n & 0xff;
	memset(p, 0, 54);
	memcpy(p, dp_mac_a, 6);
	memcpy(p + 6, rtr_mac, 6);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	p[18] = n >> 8;
	p[19] = n & 0xff;
	p[20] = 17;
	p[21] = 64;
	ra6_ll_from_mac(p + 22, rtr_mac);
	ra6_ll_from_mac(p + 38, dp_mac_a);
	memcpy(p + 54, u, n);
	t = csum_fold(sum16(p + 22, 32) + n + 17 + sum16(u, n));
	p[60] = (t ? t : 0xffff) >> 8;
	p[61] = (t ? t : 0xffff) & 0xff;
	return 54 + n;
}

/* Sends request q and checks that the reply is r, whole. */
static void exchange(struct tenet_bpf *s, const struct req *q, const struct rep *r)
{
	__u8 pkt[512], out[2048], want[1024];
	__u32 out_len = sizeof(out), n = rep_build(want, r), len = req_build(pkt, q);
	__u64 replies = dp_stat(s, TN_STAT_DHCP6_REPLY);
	struct tn_trace t;

	assert_int_equal(run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, n);
	assert_memory_equal(out, want, n);
	assert_int_equal(l4_csum_check(out, out_len, 17), 0);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(t.stat, TN_STAT_DHCP6_REPLY);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP6_REPLY), replies + 1);
}

static void setup6(struct tenet_bpf *s, __u32 flags)
{
	dp_topology(s);
	dhcp6_add(s, DP_PORT_A, flags);
}

static void test_solicit_advertise(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1, .cid = true, .ia = true};
	struct rep r = {.type = 2, .ia = true, .status = -1, .opts = true, .cid = true};

	setup6(s, TN_DHCP6_F_STATEFUL);
	exchange(s, &q, &r);
	/* without an IA_NA: configuration only */
	q.ia = r.ia = false;
	exchange(s, &q, &r);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 2);
}

static void test_solicit_rapid(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1, .cid = true, .ia = true, .rapid = true};
	struct rep r = {
	    .type = 7, .ia = true, .status = -1, .rapid = true, .opts = true, .cid = true};

	setup6(s, TN_DHCP6_F_STATEFUL);
	exchange(s, &q, &r);
}

static void test_request_renew_rebind(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .cid = true, .sid = 1, .ia = true};
	struct rep r = {.type = 7, .ia = true, .status = -1, .opts = true, .cid = true};

	setup6(s, TN_DHCP6_F_STATEFUL);
	exchange(s, &q, &r);
	q.type = 5; /* Renew */
	exchange(s, &q, &r);
	q.type = 6; /* Rebind: no server identifier */
	q.sid = 0;
	exchange(s, &q, &r);
}

static void test_info_request(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 11, .cid = true};
	struct rep r = {.type = 7, .status = -1, .opts = true, .cid = true};

	setup6(s, 0);
	exchange(s, &q, &r);
	q.cid = r.cid = false; /* the client identifier is optional here */
	exchange(s, &q, &r);
	q.sid = 1;
	exchange(s, &q, &r);
	setup6(s, TN_DHCP6_F_STATEFUL);
	exchange(s, &q, &r);
}

static void test_release_confirm(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 8, .cid = true, .sid = 1, .ia = true};
	struct rep r = {.type = 7, .status = 0, .cid = true};

	setup6(s, TN_DHCP6_F_STATEFUL);
	exchange(s, &q, &r);
	q.type = 9; /* Decline */
	exchange(s, &q, &r);
	q.type = 4; /* Confirm: no server identifier */
	q.sid = 0;
	exchange(s, &q, &r);
}

/* dhcpv6-stateless: no addresses (NoAddrsAvail), configuration only. */
static void test_stateless(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1, .cid = true, .ia = true, .rapid = true};
	struct rep r = {.type = 2, .status = 2, .opts = true, .cid = true};

	setup6(s, 0);
	exchange(s, &q, &r);
	q = (struct req){.type = 3, .cid = true, .sid = 1, .ia = true};
	r.type = 7;
	exchange(s, &q, &r);
}

static void test_other_server(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .cid = true, .sid = 2, .ia = true};
	__u8 pkt[512];
	__u32 len;

	setup6(s, TN_DHCP6_F_STATEFUL);
	len = req_build(pkt, &q);
	dropped(s, pkt, len, TN_DROP_DHCP6_IGNORED);
	q = (struct req){.type = 2, .cid = true, .sid = 1}; /* Advertise from a client */
	len = req_build(pkt, &q);
	dropped(s, pkt, len, TN_DROP_DHCP6_IGNORED);
	q = (struct req){.type = 12, .cid = true}; /* Relay-forward */
	len = req_build(pkt, &q);
	dropped(s, pkt, len, TN_DROP_DHCP6_IGNORED);
	/* not the port's Ethernet source (port security off) */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	q = (struct req){.type = 1, .cid = true};
	len = req_build(pkt, &q);
	pkt[11] = 0x77;
	dropped(s, pkt, len, TN_DROP_DHCP6_IGNORED);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP6_REPLY), 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

static void test_malformed(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1, .cid = true, .ia = true};
	__u8 pkt[512];
	__u32 len;

	setup6(s, TN_DHCP6_F_STATEFUL);
	/* missing client identifier */
	q.cid = false;
	len = req_build(pkt, &q);
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	/* a server identifier in a Solicit, none in a Request */
	q = (struct req){.type = 1, .cid = true, .sid = 1};
	len = req_build(pkt, &q);
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	q = (struct req){.type = 3, .cid = true};
	len = req_build(pkt, &q);
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	/* the client identifier running past the message */
	q = (struct req){.type = 1, .cid = true};
	len = req_build(pkt, &q);
	pkt[66 + 3] = 200;
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	/* a client identifier of length 1 */
	len = req_build(pkt, &q);
	pkt[66 + 3] = 1;
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	/* a repeated client identifier */
	len = req_build(pkt, &q);
	pkt[66 + 4 + 14 + 1] = 1; /* the option request option becomes a client id */
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	/* IA_NA too short; rapid commit with data */
	q = (struct req){.type = 1, .cid = true, .ia = true};
	len = req_build(pkt, &q);
	pkt[66 + 18 + 3] = 4;
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	q = (struct req){.type = 1, .cid = true, .rapid = true};
	len = req_build(pkt, &q);
	pkt[66 + 18 + 3] = 4;
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	/* UDP length disagreeing with IPv6's */
	q = (struct req){.type = 1, .cid = true};
	len = req_build(pkt, &q);
	pkt[59] += 2;
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	/* a source that is not link-local (port security off) */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	len = req_build(pkt, &q);
	memcpy(pkt + 22, addr_a, 16);
	dropped(s, pkt, len, TN_DROP_DHCP6_BAD);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP6_REPLY), 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

/* A port without a row: its requests never leave the host. */
static void test_no_row(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1, .cid = true, .ia = true};
	__u8 pkt[512];
	__u32 len;

	dp_topology(s);
	len = req_build(pkt, &q);
	dropped(s, pkt, len, TN_DROP_DHCP6_NO_LEASE);
	dhcp6_add(s, DP_PORT_B, TN_DHCP6_F_STATEFUL);
	dropped(s, pkt, len, TN_DROP_DHCP6_NO_LEASE);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 2);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

/* DHCP disabled on the subnet (TN_DHCP6_F_PASS): on to L2, unanswered. */
static void test_pass(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1, .cid = true, .ia = true};
	__u8 pkt[512];
	__u32 len;

	setup6(s, TN_DHCP6_F_PASS);
	len = req_build(pkt, &q);
	assert_int_equal(run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP6_REPLY), 0);
}

static void test_dhcp6_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .cid = true, .sid = 1, .ia = true, .rapid = true};
	__u8 pkt[512];
	__u32 len;

	setup6(s, TN_DHCP6_F_STATEFUL);
	len = req_build(pkt, &q);
	truncate_all(s, pkt, len, 58, false, TN_STAT_DHCP6_REPLY);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	truncate_all(s, pkt, len, 58, false, TN_STAT_DHCP6_REPLY);
	assert_true(dp_stat(s, TN_DROP_DHCP6_BAD) > 0);
	assert_int_equal(run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
}

/* Cut short with lengths that agree: the option walk meets the end of the
 * message inside an option. */
static void test_dhcp6_truncated_consistent(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .cid = true, .sid = 1, .ia = true, .rapid = true};
	__u8 pkt[512];
	__u32 len;

	setup6(s, TN_DHCP6_F_STATEFUL);
	len = req_build(pkt, &q);
	truncate_all(s, pkt, len, 58, true, TN_STAT_DHCP6_REPLY);
	assert_true(dp_stat(s, TN_DROP_DHCP6_BAD) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ra_message_bytes),
	    cmocka_unit_test_setup_teardown(test_rs_unicast, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_rs_from_any, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_rs_no_row, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_rs_invalid, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_rs_truncated, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_solicit_advertise, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_solicit_rapid, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_request_renew_rebind, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_info_request, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_release_confirm, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_stateless, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_other_server, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_no_row, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_pass, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_dhcp6_truncated, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_dhcp6_truncated_consistent, dp_setup, dp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
