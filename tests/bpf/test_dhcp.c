// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_dhcp.c - the DHCPv4 server of the datapath (bpf/nf/dhcp.h) under
 * BPF_PROG_TEST_RUN (ctest bpf.dhcp). Port A of dp_harness.h's topology
 * gets a tn_dhcp row whose options are written here byte by byte; requests
 * enter at tn_vif_ingress like a VM's and every reply is compared whole,
 * byte for byte, with one built here from RFC 2131's layout.
 *
 * Tests: offer_bytes, offer_broadcast_flag, ack_bytes, ack_renew, nak,
 * request_other_server, inform, release_decline, no_row, dhcp_off_passes,
 * no_port_security, truncated, truncated_consistent, overflow, pads.
 */
#include "dp_harness.h"

#define SRV_IP	  DP_IP(10, 0, 0, 254)
#define OTHER_IP  DP_IP(10, 0, 0, 77)
#define LEASE	  86400
#define XID	  0x12345678
#define REQ_LEN	  (14 + 20 + 8 + 300) /* a request padded to BOOTP's 300 bytes */
#define BOOTP_OFF 42
#define OPT_OFF	  (BOOTP_OFF + 240)

static const __u8 srv_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};

/* The row's options: mask /24, router, two DNS servers, MTU 1450, and
 * classless routes 192.168.5.0/24 via the router and the default route. */
static const __u8 row_opts[] = {
    1,	 4,  255,  255,	 255, 0,				    /* subnet mask */
    3,	 4,  10,   0,	 0,   254,				    /* router */
    6,	 8,  10,   0,	 0,   53,  10, 0, 0, 54,		    /* DNS */
    26,	 2,  0x05, 0xaa,					    /* interface MTU 1450 */
    121, 13, 24,   192,	 168, 5,   10, 0, 0, 254, 0, 10, 0, 0, 254, /* RFC 3442 */
};

/* Port A's row; flags TN_DHCP_F_*. */
static void row_add(struct tenet_bpf *s, __u32 port_id, __be32 ip, __u32 flags)
{
	struct tn_dhcp_key k = {.port_id = port_id};
	struct tn_dhcp v = {.yiaddr = ip,
			    .server_id = SRV_IP,
			    .lease_time = htonl(LEASE),
			    .opts_len = sizeof(row_opts),
			    .flags = flags};

	memcpy(v.server_mac, srv_mac, 6);
	memcpy(v.opts, row_opts, sizeof(row_opts));
	dp_put(s->maps.tn_dhcp, &k, &v);
}

static void setup_a(struct tenet_bpf *s)
{
	dp_topology(s);
	row_add(s, DP_PORT_A, DP_IP_A, 0);
}

/* What a request carries. */
struct req {
	__u8 type;     /* option 53; 0: none */
	__be32 ciaddr; /* also the IPv4 source (0.0.0.0 when 0) */
	__be32 daddr;  /* IPv4 destination; 0: broadcast */
	__u16 flags;   /* BOOTP flags */
	__be32 req_ip; /* option 50; 0: none */
	__be32 sid;    /* option 54; 0: none */
};

/* Writes r as a DHCP client would (option 55 asks for 1, 3, 6, 26, 121),
 * padded to REQ_LEN; the UDP and IPv4 lengths agree with len_total.
 * Returns the length. */
static __u32 req_build(__u8 *p, const struct req *r, __u32 len_total)
{
	__be32 daddr = r->daddr ? r->daddr : DP_IP(255, 255, 255, 255);
	__u32 o = OPT_OFF, ulen = len_total - 34;

	memset(p, 0, len_total);
	memcpy(p, r->daddr ? srv_mac : dp_mac_bcast, 6);
	memcpy(p + 6, dp_mac_a, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (ulen + 20) >> 8;
	p[17] = (ulen + 20) & 0xff;
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &r->ciaddr, 4);
	memcpy(p + 30, &daddr, 4);
	p[35] = 68;
	p[37] = 67;
	p[38] = ulen >> 8;
	p[39] = ulen & 0xff;
	p[42] = 1; /* BOOTREQUEST */
	p[43] = 1;
	p[44] = 6;
	p[46] = XID >> 24;
	p[47] = (XID >> 16) & 0xff;
	p[48] = (XID >> 8) & 0xff;
	p[49] = XID & 0xff;
	p[52] = r->flags >> 8;
	p[53] = r->flags & 0xff;
	memcpy(p + 54, &r->ciaddr, 4);
	memcpy(p + 70, dp_mac_a, 6); /* chaddr */
	p[278] = 0x63;
	p[279] = 0x82;
	p[280] = 0x53;
	p[281] = 0x63;
	if (r->type) {
		p[o++] = 53;
		p[o++] = 1;
		p[o++] = r->type;
	}
	if (r->req_ip) {
		p[o++] = 50;
		p[o++] = 4;
		memcpy(p + o, &r->req_ip, 4);
		o += 4;
	}
	if (r->sid) {
		p[o++] = 54;
		p[o++] = 4;
		memcpy(p + o, &r->sid, 4);
		o += 4;
	}
	p[o++] = 55;
	p[o++] = 5;
	p[o++] = 1;
	p[o++] = 3;
	p[o++] = 6;
	p[o++] = 26;
	p[o++] = 121;
	p[o++] = 255;
	return len_total;
}

/* What a reply must be. */
struct rep {
	__u8 type;	       /* 2 OFFER, 5 ACK, 6 NAK */
	bool bcast;	       /* to ff:ff:ff:ff:ff:ff, 255.255.255.255 */
	__be32 daddr;	       /* else: the IPv4 destination (MAC: port A's) */
	__be32 ciaddr, yiaddr; /* BOOTP fields */
	__u16 flags;	       /* BOOTP flags, echoed */
	bool lease;	       /* option 51 */
	bool opts;	       /* the row's options */
};

/* Writes the reply r from RFC 2131's layout. Returns its length. */
static __u32 rep_build(__u8 *p, const struct rep *r)
{
	__be32 daddr = r->bcast ? DP_IP(255, 255, 255, 255) : r->daddr, sid = SRV_IP;
	__be32 lease = htonl(LEASE);
	__u32 o = OPT_OFF, bootp, ulen;

	memset(p, 0, 1024);
	memcpy(p, r->bcast ? dp_mac_bcast : dp_mac_a, 6);
	memcpy(p + 6, srv_mac, 6);
	p[12] = 0x08;
	p[42] = 2; /* BOOTREPLY */
	p[43] = 1;
	p[44] = 6;
	p[46] = XID >> 24;
	p[47] = (XID >> 16) & 0xff;
	p[48] = (XID >> 8) & 0xff;
	p[49] = XID & 0xff;
	p[52] = r->flags >> 8;
	p[53] = r->flags & 0xff;
	memcpy(p + 54, &r->ciaddr, 4);
	memcpy(p + 58, &r->yiaddr, 4);
	memcpy(p + 70, dp_mac_a, 6);
	p[278] = 0x63;
	p[279] = 0x82;
	p[280] = 0x53;
	p[281] = 0x63;
	p[o++] = 53;
	p[o++] = 1;
	p[o++] = r->type;
	p[o++] = 54;
	p[o++] = 4;
	memcpy(p + o, &sid, 4);
	o += 4;
	if (r->lease) {
		p[o++] = 51;
		p[o++] = 4;
		memcpy(p + o, &lease, 4);
		o += 4;
	}
	if (r->opts) {
		memcpy(p + o, row_opts, sizeof(row_opts));
		o += sizeof(row_opts);
	}
	p[o++] = 255;
	bootp = o - BOOTP_OFF < 300 ? 300 : o - BOOTP_OFF;
	ulen = 8 + bootp;
	p[14] = 0x45;
	p[16] = (ulen + 20) >> 8;
	p[17] = (ulen + 20) & 0xff;
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &sid, 4);
	memcpy(p + 30, &daddr, 4);
	p[24] = dp_csum(p + 14, 20) >> 8;
	p[25] = dp_csum(p + 14, 20) & 0xff;
	p[35] = 67;
	p[37] = 68;
	p[38] = ulen >> 8;
	p[39] = ulen & 0xff;
	return BOOTP_OFF + bootp;
}

/* Runs pkt from port A; *out_len in: room, out: the resulting frame. */
static __u32 run(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u8 *out, __u32 *out_len)
{
	__u32 ret = 0;

	dp_trace_reset(s);
	assert_int_equal(dp_run(s->progs.tn_vif_ingress, pkt, len, 0, 0, &ret, out, out_len), 0);
	return ret;
}

/* Sends request q and checks that the reply is r, whole. */
static void exchange(struct tenet_bpf *s, const struct req *q, const struct rep *r)
{
	__u8 pkt[REQ_LEN], out[2048], want[1024];
	__u32 out_len = sizeof(out), n = rep_build(want, r);
	__u64 replies = dp_stat(s, TN_STAT_DHCP_REPLY);
	struct tn_trace t;

	req_build(pkt, q, REQ_LEN);
	assert_int_equal(run(s, pkt, REQ_LEN, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, n);
	assert_memory_equal(out, want, n);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(t.stat, TN_STAT_DHCP_REPLY);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_REPLY), replies + 1);
}

/* Sends request q (len bytes, from pkt when given) and checks it is shot for stat. */
static void dropped(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u32 stat)
{
	__u64 before = dp_stat(s, stat);

	assert_int_equal(run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, stat);
	assert_int_equal(dp_stat(s, stat), before + 1);
}

static void test_offer_bytes(void **state)
{
	/* the options of an OFFER written out, independent of rep_build */
	static const __u8 opts[] = {
	    0x63, 0x82, 0x53, 0x63, 53, 1,   2,	  54,  4,  10, 0, 0,	254,  51,  4,	0,
	    1,	  0x51, 0x80, 1,    4,	255, 255, 255, 0,  3,  4, 10,	0,    0,   254, 6,
	    8,	  10,	0,    0,    53, 10,  0,	  0,   54, 26, 2, 0x05, 0xaa, 121, 13,	24,
	    192,  168,	5,    10,   0,	0,   254, 0,   10, 0,  0, 254,	255,
	};
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1};
	struct rep r = {
	    .type = 2, .daddr = DP_IP_A, .yiaddr = DP_IP_A, .lease = true, .opts = true};
	__u8 pkt[REQ_LEN], out[2048];
	__u32 out_len = sizeof(out);

	setup_a(s);
	exchange(s, &q, &r);
	req_build(pkt, &q, REQ_LEN);
	assert_int_equal(run(s, pkt, REQ_LEN, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, 42 + 300);
	assert_memory_equal(out + 278, opts, sizeof(opts));
	for (__u32 i = 278 + sizeof(opts); i < out_len; i++)
		assert_int_equal(out[i], 0); /* padding */
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 2);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

static void test_offer_broadcast_flag(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1, .flags = 0x8000};
	struct rep r = {.type = 2,
			.bcast = true,
			.yiaddr = DP_IP_A,
			.flags = 0x8000,
			.lease = true,
			.opts = true};

	setup_a(s);
	exchange(s, &q, &r);
}

static void test_ack_bytes(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .req_ip = DP_IP_A, .sid = SRV_IP};
	struct rep r = {
	    .type = 5, .daddr = DP_IP_A, .yiaddr = DP_IP_A, .lease = true, .opts = true};

	setup_a(s);
	exchange(s, &q, &r);
	/* INIT-REBOOT: no server identifier */
	q.sid = 0;
	exchange(s, &q, &r);
	q.flags = r.flags = 0x8000;
	r.bcast = true;
	exchange(s, &q, &r);
}

/* RENEWING: from ciaddr, unicast to the server, no option 50. */
static void test_ack_renew(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .ciaddr = DP_IP_A, .daddr = SRV_IP};
	struct rep r = {.type = 5,
			.daddr = DP_IP_A,
			.ciaddr = DP_IP_A,
			.yiaddr = DP_IP_A,
			.lease = true,
			.opts = true};

	setup_a(s);
	exchange(s, &q, &r);
	/* REBINDING: broadcast, the flag ignored since the client has ciaddr */
	q.daddr = 0;
	q.flags = r.flags = 0x8000;
	exchange(s, &q, &r);
}

static void test_nak(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .req_ip = OTHER_IP, .sid = SRV_IP};
	struct rep r = {.type = 6, .bcast = true};

	setup_a(s);
	exchange(s, &q, &r);	     /* another address */
	q = (struct req){.type = 3}; /* no address at all */
	exchange(s, &q, &r);
	/* renewing an address that is not the port's (port security off:
	 * port security would drop the source) */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	q = (struct req){.type = 3, .ciaddr = OTHER_IP, .daddr = SRV_IP};
	exchange(s, &q, &r);
}

static void test_request_other_server(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .req_ip = DP_IP_A, .sid = OTHER_IP};
	__u8 pkt[REQ_LEN];

	setup_a(s);
	req_build(pkt, &q, REQ_LEN);
	dropped(s, pkt, REQ_LEN, TN_DROP_DHCP_IGNORED);
	/* a server's message from a client */
	q = (struct req){.type = 2};
	req_build(pkt, &q, REQ_LEN);
	dropped(s, pkt, REQ_LEN, TN_DROP_DHCP_IGNORED);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_REPLY), 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

/* INFORM: ACK to ciaddr, without yiaddr and lease time (RFC 2131 3.4). */
static void test_inform(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 8, .ciaddr = DP_IP_A, .daddr = SRV_IP};
	struct rep r = {.type = 5, .daddr = DP_IP_A, .ciaddr = DP_IP_A, .opts = true};

	setup_a(s);
	exchange(s, &q, &r);
}

static void test_release_decline(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 7, .ciaddr = DP_IP_A, .daddr = SRV_IP, .sid = SRV_IP};
	__u8 pkt[REQ_LEN];

	setup_a(s);
	req_build(pkt, &q, REQ_LEN);
	assert_int_equal(run(s, pkt, REQ_LEN, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_RELEASE), 1);
	q = (struct req){.type = 4, .req_ip = DP_IP_A, .sid = SRV_IP};
	req_build(pkt, &q, REQ_LEN);
	assert_int_equal(run(s, pkt, REQ_LEN, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_RELEASE), 2);
	assert_int_equal(dp_trace(s).stat, TN_STAT_DHCP_RELEASE);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_REPLY), 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
	assert_int_equal(dp_stat(s, TN_STAT_TX_TUNNEL), 0);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 0); /* taken, not a drop */
}

/* A port without a row: its requests never leave the host. */
static void test_no_row(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1};
	__u8 pkt[REQ_LEN];
	struct tn_trace t;

	dp_topology(s);
	req_build(pkt, &q, REQ_LEN);
	dropped(s, pkt, REQ_LEN, TN_DROP_DHCP_NO_LEASE);
	t = dp_trace(s);
	assert_int_equal(t.step[t.n_step - 1].stage, TN_STAGE_DHCP);
	assert_int_equal(t.step[t.n_step - 1].found, 0);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 1);
	/* another port's row is not this port's */
	row_add(s, DP_PORT_B, DP_IP_B, 0);
	dropped(s, pkt, REQ_LEN, TN_DROP_DHCP_NO_LEASE);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

/* DHCP disabled on the subnet (TN_DHCP_F_PASS): on to L2, unanswered. */
static void test_dhcp_off_passes(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1};
	__u8 pkt[REQ_LEN];

	dp_topology(s);
	row_add(s, DP_PORT_A, DP_IP_A, TN_DHCP_F_PASS);
	req_build(pkt, &q, REQ_LEN);
	assert_int_equal(run(s, pkt, REQ_LEN, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_REPLY), 0);
}

/* Without port security the entry program sends the request to the
 * server; an Ethernet source that is not the port's is not answered. */
static void test_no_port_security(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 1};
	struct rep r = {
	    .type = 2, .daddr = DP_IP_A, .yiaddr = DP_IP_A, .lease = true, .opts = true};
	__u8 pkt[REQ_LEN];

	setup_a(s);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	exchange(s, &q, &r);
	req_build(pkt, &q, REQ_LEN);
	pkt[11] = 0x77; /* Ethernet source */
	dropped(s, pkt, REQ_LEN, TN_DROP_DHCP_IGNORED);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

/*
 * Runs every prefix of pkt[0 .. len) and checks that none is answered: a
 * counted drop, or (too short to be a DHCP client's) passed on to L2.
 */
static void truncate_all(struct tenet_bpf *s, const __u8 *pkt, __u32 len, bool fix_lengths)
{
	__u8 buf[REQ_LEN + 64], out[2048];

	for (__u32 n = 0; n < len; n++) {
		__u32 out_len = sizeof(out), ret;
		struct tn_trace t;

		memcpy(buf, pkt, n);
		if (fix_lengths && n >= 42) { /* IPv4 and UDP lengths agree with n */
			buf[16] = (n - 14) >> 8;
			buf[17] = (n - 14) & 0xff;
			buf[38] = (n - 34) >> 8;
			buf[39] = (n - 34) & 0xff;
		}
		if (dp_run_refuses(buf, n))
			continue;
		ret = run(s, buf, n, out, &out_len);
		t = dp_trace(s);
		assert_int_equal(ret, DP_TC_ACT_SHOT);
		assert_int_not_equal(t.stat, TN_STAT_DHCP_REPLY);
		if (t.verdict == TN_TRACE_DROP)
			assert_true(t.stat >= TN_DROP_FIRST && t.stat < TN_STAT_MAX);
		else
			assert_int_equal(t.verdict, TN_TRACE_FLOOD); /* no UDP header: L2 */
		if (n >= 42)
			assert_int_equal(t.verdict, TN_TRACE_DROP);
	}
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_REPLY), 0);
}

static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .req_ip = DP_IP_A, .sid = SRV_IP};
	__u8 pkt[REQ_LEN];

	setup_a(s);
	req_build(pkt, &q, REQ_LEN);
	truncate_all(s, pkt, REQ_LEN, false);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	truncate_all(s, pkt, REQ_LEN, false);
	/* the whole request is answered: what failed above was the length */
	assert_int_equal(run(s, pkt, REQ_LEN, NULL, NULL), DP_TC_ACT_REDIRECT);
}

/* Cut short with lengths that agree: the option walk meets the end of the
 * message before the end option. */
static void test_truncated_consistent(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q = {.type = 3, .req_ip = DP_IP_A, .sid = SRV_IP};
	__u8 pkt[REQ_LEN];

	setup_a(s);
	req_build(pkt, &q, REQ_LEN);
	truncate_all(s, pkt, OPT_OFF + 3 + 6 + 6 + 7 + 1, true); /* up to the end option */
	assert_true(dp_stat(s, TN_DROP_DHCP_BAD) > 0);
}

/* Sends pkt after f changed it and checks TN_DROP_DHCP_BAD. */
static void bad_one(struct tenet_bpf *s, void (*f)(__u8 *p))
{
	struct req q = {.type = 1};
	__u8 pkt[REQ_LEN];

	req_build(pkt, &q, REQ_LEN);
	f(pkt);
	dropped(s, pkt, REQ_LEN, TN_DROP_DHCP_BAD);
}

static void huge_option(__u8 *p)
{
	p[OPT_OFF + 3] = 12; /* host name, 255 bytes: past the message */
	p[OPT_OFF + 4] = 255;
}

static void no_end(__u8 *p)
{
	memset(p + OPT_OFF + 3, 12, REQ_LEN - OPT_OFF - 3); /* options to the last byte */
	for (__u32 o = OPT_OFF + 3; o + 2 <= REQ_LEN; o += 2)
		p[o + 1] = 0;
}

static void pads_no_end(__u8 *p)
{
	memset(p + OPT_OFF + 3, 0, REQ_LEN - OPT_OFF - 3);
}

static void type_len(__u8 *p)
{
	p[OPT_OFF + 1] = 2;
}

static void req_ip_len(__u8 *p)
{
	p[OPT_OFF + 3] = 50;
	p[OPT_OFF + 4] = 3;
}

static void no_type(__u8 *p)
{
	p[OPT_OFF] = 12; /* host name "x" instead of the message type */
	p[OPT_OFF + 2] = 'x';
}

static void bootreply(__u8 *p)
{
	p[42] = 2;
}

static void hlen16(__u8 *p)
{
	p[44] = 16;
}

static void no_magic(__u8 *p)
{
	p[281] = 0x64;
}

static void udp_len_long(__u8 *p)
{
	p[38] = 0x10; /* UDP length past the frame */
}

static void udp_len_short(__u8 *p)
{
	p[38] = 0;
	p[39] = 200; /* shorter than a BOOTP message */
}

static void test_overflow(void **state)
{
	struct tenet_bpf *s = *state;
	struct req q;
	__u8 pkt[REQ_LEN + 4];

	setup_a(s);
	bad_one(s, huge_option);
	bad_one(s, no_end);
	bad_one(s, pads_no_end);
	bad_one(s, type_len);
	bad_one(s, req_ip_len);
	bad_one(s, no_type);
	bad_one(s, bootreply);
	bad_one(s, hlen16);
	bad_one(s, no_magic);
	bad_one(s, udp_len_long);
	bad_one(s, udp_len_short);
	/* an IPv4 header with options (four NOPs) before the UDP header */
	q = (struct req){.type = 1};
	req_build(pkt + 4, &q, REQ_LEN);
	memmove(pkt, pkt + 4, 34);
	memset(pkt + 34, 1, 4);
	pkt[14] = 0x46;
	pkt[17] += 4;
	dropped(s, pkt, REQ_LEN + 4, TN_DROP_DHCP_BAD);
	assert_int_equal(dp_stat(s, TN_DROP_DHCP_BAD), 12);
	assert_int_equal(dp_stat(s, TN_STAT_DHCP_REPLY), 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
}

/* A long request whose options start with pads is still answered. */
static void test_pads(void **state)
{
	struct tenet_bpf *s = *state;
	static __u8 pkt[1400], out[2048];
	struct req q = {.type = 1};
	__u32 out_len = sizeof(out);

	setup_a(s);
	req_build(pkt, &q, sizeof(pkt));
	memmove(pkt + OPT_OFF + 1000, pkt + OPT_OFF, 20);
	memset(pkt + OPT_OFF, 0, 1000);
	assert_int_equal(run(s, pkt, sizeof(pkt), out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, 42 + 300);
	assert_int_equal(out[OPT_OFF + 2], 2); /* OFFER */
}

#define DP_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DP_TEST(test_offer_bytes),
	    DP_TEST(test_offer_broadcast_flag),
	    DP_TEST(test_ack_bytes),
	    DP_TEST(test_ack_renew),
	    DP_TEST(test_nak),
	    DP_TEST(test_request_other_server),
	    DP_TEST(test_inform),
	    DP_TEST(test_release_decline),
	    DP_TEST(test_no_row),
	    DP_TEST(test_dhcp_off_passes),
	    DP_TEST(test_no_port_security),
	    DP_TEST(test_truncated),
	    DP_TEST(test_truncated_consistent),
	    DP_TEST(test_overflow),
	    DP_TEST(test_pads),
	};

	return cmocka_run_group_tests_name("bpf.dhcp", tests, NULL, NULL);
}
