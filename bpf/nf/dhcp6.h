/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dhcp6.h - network function "DHCPv6 server" (program tn_dhcp6_srv, slot
 * TN_VIF_SLOT_DHCP6), reached for every UDP datagram to port 547 right
 * after the fixed IPv6 header from a port (after port security, for ports
 * that have it). The port's row in tn_dhcp6 (tenet_abi.h) holds its
 * address (dhcpv6-stateful), the server's MAC and the options the
 * controller encoded; the request becomes the reply in place and goes back
 * out of the port. RFC 8415:
 *   Solicit -> Advertise (Reply with Rapid Commit when the client asked for
 *   it and the row is stateful); Request, Renew, Rebind -> Reply;
 *   Information-request -> Reply (configuration only); Confirm, Release,
 *   Decline -> Reply with status Success (the port's address is fixed:
 *   nothing to confirm, free or give up).
 * Every reply carries the server identifier (DUID-LL of server_mac), the
 * client identifier echoed (when the request had one) and, but to Confirm,
 * Release and Decline, the row's options. Stateful: an IA_NA in the
 * request (its IAID echoed) gets the row's address with its lifetimes and
 * T1/T2. Stateless: a Solicit, Request, Renew or Rebind gets status
 * NoAddrsAvail instead. Replies go from the link-local address of
 * server_mac to the client's (link-local) source, UDP 547 -> 546, UDP
 * checksum computed. The reply's UDP payload is built in the per-CPU
 * scratch tn_dhcp6_buf behind its pseudo-header, checksummed in one
 * bpf_csum_diff and written in one store.
 * No request leaves the host: a port without a row drops it
 * (TN_DROP_DHCP6_NO_LEASE); a malformed one (lengths that disagree, an
 * option running past the message, a client identifier that is missing
 * where required, repeated, shorter than 2 or longer than
 * TN_DHCP6_DUID_MAX, an IA_NA shorter than 12, a rapid commit option with
 * data, a server identifier where none belongs or missing where one must
 * be, a source that is not link-local, too many options) is
 * TN_DROP_DHCP6_BAD; what no server answers (another server's identifier,
 * a server's or relay's message type, an Ethernet source not the port's)
 * TN_DROP_DHCP6_IGNORED. Only a row with TN_DHCP6_F_PASS (DHCP disabled on
 * the port's subnet) sends the request on to L2. Included by vif.bpf.c
 * after the program array tn_vif_calls.
 */
#ifndef TN_NF_DHCP6_H
#define TN_NF_DHCP6_H

#include "ctx.h"
#include "fwd.h"
#include "ip6.h"
#include "slots.h"
#include "src_check.h"

#define TN_DHCP6_CLIENT_PORT 546
#define TN_DHCP6_SERVER_PORT 547
#define TN_DHCP6_UDP_OFF     TN_IP6_L4_OFF	    /* 54 */
#define TN_DHCP6_MSG_OFF     (TN_DHCP6_UDP_OFF + 8) /* 62 */
#define TN_DHCP6_OPT_OFF     (TN_DHCP6_MSG_OFF + 4) /* 66: after type and xid */
#define TN_DHCP6_DUID_MAX    130		    /* DUID: 2-byte type + at most 128 */
#define TN_DHCP6_OPT_STEPS   64			    /* options walked at most */
#define TN_DHCP6_PSEUDO	     40			    /* pseudo-header before the UDP header */
#define TN_DHCP6_SID_LEN     14			    /* server id option: 4 + DUID-LL 10 */
#define TN_DHCP6_IA_LEN	     44			    /* IA_NA with one IA address */
#define TN_DHCP6_STATUS_LEN  6			    /* status code option, no message */

enum tn_dhcp6_msg {
	TN_DHCP6_SOLICIT = 1,
	TN_DHCP6_ADVERTISE = 2,
	TN_DHCP6_REQUEST = 3,
	TN_DHCP6_CONFIRM = 4,
	TN_DHCP6_RENEW = 5,
	TN_DHCP6_REBIND = 6,
	TN_DHCP6_REPLY = 7,
	TN_DHCP6_RELEASE = 8,
	TN_DHCP6_DECLINE = 9,
	TN_DHCP6_INFO_REQ = 11,
};

enum tn_dhcp6_opt {
	TN_DHCP6_OPT_CLIENTID = 1,
	TN_DHCP6_OPT_SERVERID = 2,
	TN_DHCP6_OPT_IA_NA = 3,
	TN_DHCP6_OPT_IAADDR = 5,
	TN_DHCP6_OPT_STATUS = 13,
	TN_DHCP6_OPT_RAPID = 14,
};

#define TN_DHCP6_ST_SUCCESS	 0
#define TN_DHCP6_ST_NOADDRSAVAIL 2

/* What the option walk found; lives on tn_dhcp6_srv's stack. */
struct tn_dhcp6_parse {
	struct __sk_buff *skb; /* the request */
	__u32 off;	       /* next option */
	__u32 end;	       /* end of the UDP payload */
	__u32 done;	       /* 1: reached the end; 2: malformed */
	__u32 cid_off;	       /* client identifier's DUID */
	__u32 cid_len;	       /* its length; 0: absent */
	__u32 sid;	       /* server identifier: 0 absent, 1 ours, 2 another's */
	__u32 ia;	       /* an IA_NA was seen */
	__u32 rapid;	       /* rapid commit was asked for */
	__u8 iaid[4];	       /* the first IA_NA's IAID */
	__u8 duid[10];	       /* our DUID-LL, compared with a server identifier */
	__u16 pad;
};

/* Stops the walk: 1 for bpf_loop. */
static __always_inline long tn_dhcp6_stop(struct tn_dhcp6_parse *pc, __u32 done)
{
	pc->done = done;
	return 1;
}

/* Whether the server identifier of length len at off is ours. */
static __always_inline bool tn_dhcp6_sid_ours(struct tn_dhcp6_parse *pc, __u32 off, __u32 len)
{
	__u8 v[10];
	__u32 diff = 0;

	if (len != sizeof(v) || bpf_skb_load_bytes(pc->skb, off, v, sizeof(v)))
		return false;
#pragma unroll
	for (int i = 0; i < 10; i++)
		diff |= v[i] ^ pc->duid[i];
	return diff == 0;
}

/* bpf_loop callback: one option at pc->off. */
static long tn_dhcp6_opt_one(__u64 i, void *arg)
{
	struct tn_dhcp6_parse *pc = arg;
	__u32 off = pc->off, code, len;
	__u8 h[4];

	if (off == pc->end)
		return tn_dhcp6_stop(pc, 1);
	if (off + 4 > pc->end || bpf_skb_load_bytes(pc->skb, off, h, 4))
		return tn_dhcp6_stop(pc, 2);
	code = (__u32)h[0] << 8 | h[1];
	len = (__u32)h[2] << 8 | h[3];
	if (off + 4 + len > pc->end)
		return tn_dhcp6_stop(pc, 2);
	switch (code) {
	case TN_DHCP6_OPT_CLIENTID:
		if (pc->cid_len || len < 2 || len > TN_DHCP6_DUID_MAX)
			return tn_dhcp6_stop(pc, 2);
		pc->cid_off = off + 4;
		pc->cid_len = len;
		break;
	case TN_DHCP6_OPT_SERVERID:
		if (pc->sid)
			return tn_dhcp6_stop(pc, 2);
		pc->sid = tn_dhcp6_sid_ours(pc, off + 4, len) ? 1 : 2;
		break;
	case TN_DHCP6_OPT_IA_NA:
		if (len < 12)
			return tn_dhcp6_stop(pc, 2);
		if (!pc->ia && bpf_skb_load_bytes(pc->skb, off + 4, pc->iaid, 4))
			return tn_dhcp6_stop(pc, 2);
		pc->ia = 1;
		break;
	case TN_DHCP6_OPT_RAPID:
		if (len)
			return tn_dhcp6_stop(pc, 2);
		pc->rapid = 1;
		break;
	}
	pc->off = off + 4 + len;
	return 0;
}

/*
 * Reads and checks the request: its IPv6 header into ip, its message type
 * and transaction id into msg, its options into pc. Returns 0, or the
 * TN_DROP_* reason.
 */
static __always_inline __u32 tn_dhcp6_parse(struct __sk_buff *skb, struct tn_ip6hdr *ip, __u8 *msg,
					    struct tn_dhcp6_parse *pc)
{
	__u32 plen;
	__u8 udp[8];

	if (tn_ip6_load(skb, ip) || ip->nexthdr != TN_IPPROTO_UDP ||
	    bpf_skb_load_bytes(skb, TN_DHCP6_UDP_OFF, udp, sizeof(udp)) ||
	    bpf_skb_load_bytes(skb, TN_DHCP6_MSG_OFF, msg, 4))
		return TN_DROP_DHCP6_BAD;
	plen = bpf_ntohs(ip->payload_len);
	if (TN_IP6_L4_OFF + plen > skb->len || ((__u32)udp[4] << 8 | udp[5]) != plen || plen < 12 ||
	    ip->saddr[0] != 0xfe || (ip->saddr[1] & 0xc0) != 0x80)
		return TN_DROP_DHCP6_BAD;
	pc->skb = skb;
	pc->off = TN_DHCP6_OPT_OFF;
	pc->end = TN_IP6_L4_OFF + plen;
	bpf_loop(TN_DHCP6_OPT_STEPS, tn_dhcp6_opt_one, pc, 0);
	return pc->done == 1 ? 0 : TN_DROP_DHCP6_BAD;
}

/* What the reply to a request holds. */
struct tn_dhcp6_ans {
	__u8 type;   /* TN_DHCP6_ADVERTISE or TN_DHCP6_REPLY; 0: no answer */
	__u8 ia;     /* an IA_NA with the row's address */
	__u8 status; /* 1 + the status code to send; 0: none */
	__u8 rapid;  /* the rapid commit option */
	__u8 opts;   /* the row's options */
};

/*
 * The answer to message type t with options pc from row; *drop is the
 * reason when there is none (a->type 0).
 */
static __always_inline void tn_dhcp6_answer(const struct tn_dhcp6 *row, __u8 t,
					    const struct tn_dhcp6_parse *pc, struct tn_dhcp6_ans *a,
					    __u32 *drop)
{
	bool stateful = row->flags & TN_DHCP6_F_STATEFUL;
	bool sid_none = t == TN_DHCP6_SOLICIT || t == TN_DHCP6_CONFIRM || t == TN_DHCP6_REBIND;
	bool sid_must = t == TN_DHCP6_REQUEST || t == TN_DHCP6_RENEW || t == TN_DHCP6_RELEASE ||
			t == TN_DHCP6_DECLINE;

	__builtin_memset(a, 0, sizeof(*a));
	*drop = TN_DROP_DHCP6_IGNORED;
	if (!sid_none && !sid_must && t != TN_DHCP6_INFO_REQ)
		return; /* a server's or relay's message, or unknown */
	*drop = TN_DROP_DHCP6_BAD;
	if ((!pc->cid_len && t != TN_DHCP6_INFO_REQ) || (sid_none && pc->sid) ||
	    (sid_must && !pc->sid))
		return;
	*drop = TN_DROP_DHCP6_IGNORED;
	if (pc->sid == 2)
		return; /* for another server */
	a->type = TN_DHCP6_REPLY;
	if (t == TN_DHCP6_CONFIRM || t == TN_DHCP6_RELEASE || t == TN_DHCP6_DECLINE) {
		a->status = 1 + TN_DHCP6_ST_SUCCESS;
		return;
	}
	a->opts = 1;
	if (t == TN_DHCP6_INFO_REQ)
		return;
	if (t == TN_DHCP6_SOLICIT) {
		a->rapid = pc->rapid && stateful;
		if (!a->rapid)
			a->type = TN_DHCP6_ADVERTISE;
	}
	if (!stateful)
		a->status = 1 + TN_DHCP6_ST_NOADDRSAVAIL;
	else
		a->ia = pc->ia;
}

/* Writes the IA_NA of row (IAID iaid) at p. */
static __always_inline void tn_dhcp6_put_ia(__u8 *p, const struct tn_dhcp6 *row, const __u8 *iaid)
{
	p[0] = 0;
	p[1] = TN_DHCP6_OPT_IA_NA;
	p[2] = 0;
	p[3] = TN_DHCP6_IA_LEN - 4;
	__builtin_memcpy(p + 4, iaid, 4);
	__builtin_memcpy(p + 8, &row->t1, 4);
	__builtin_memcpy(p + 12, &row->t2, 4);
	p[16] = 0;
	p[17] = TN_DHCP6_OPT_IAADDR;
	p[18] = 0;
	p[19] = 24;
	__builtin_memcpy(p + 20, row->addr, 16);
	__builtin_memcpy(p + 36, &row->preferred, 4);
	__builtin_memcpy(p + 40, &row->valid, 4);
}

/*
 * Builds the reply's pseudo-header and UDP datagram in u (the scratch) for
 * the request from ip with message head msg. Returns the UDP length, or 0
 * when it cannot be built.
 */
static __always_inline __u32 tn_dhcp6_build(__u8 *u, struct __sk_buff *skb,
					    const struct tn_ip6hdr *ip, const __u8 *msg,
					    const struct tn_dhcp6 *row,
					    const struct tn_dhcp6_parse *pc,
					    const struct tn_dhcp6_ans *a)
{
	__u8 *d = u + TN_DHCP6_PSEUDO;
	__u32 pos = 12 + TN_DHCP6_SID_LEN, n, cl = pc->cid_len;

	/* UDP header (length and checksum below), type, xid, server id */
	__builtin_memset(d, 0, 8);
	d[0] = TN_DHCP6_SERVER_PORT >> 8;
	d[1] = TN_DHCP6_SERVER_PORT & 0xff;
	d[2] = TN_DHCP6_CLIENT_PORT >> 8;
	d[3] = TN_DHCP6_CLIENT_PORT & 0xff;
	d[8] = a->type;
	d[9] = msg[1];
	d[10] = msg[2];
	d[11] = msg[3];
	d[12] = 0;
	d[13] = TN_DHCP6_OPT_SERVERID;
	d[14] = 0;
	d[15] = 10;
	__builtin_memcpy(d + 16, pc->duid, 10);
	if (a->ia) {
		tn_dhcp6_put_ia(d + pos, row, pc->iaid);
		pos += TN_DHCP6_IA_LEN;
	}
	if (a->status) {
		d[pos] = 0;
		d[pos + 1] = TN_DHCP6_OPT_STATUS;
		d[pos + 2] = 0;
		d[pos + 3] = 2;
		d[pos + 4] = 0;
		d[pos + 5] = a->status - 1;
		pos += TN_DHCP6_STATUS_LEN;
	}
	if (a->rapid) {
		d[pos] = 0;
		d[pos + 1] = TN_DHCP6_OPT_RAPID;
		d[pos + 2] = 0;
		d[pos + 3] = 0;
		pos += 4;
	}
	n = row->opts_len;
	if (a->opts && n) {
		if (n > TN_DHCP6_OPTS_MAX)
			return 0;
		__builtin_memcpy(d + pos, row->opts, TN_DHCP6_OPTS_MAX); /* the rest overwritten */
		pos += n;
	}
	if (cl) {
		if (cl > TN_DHCP6_DUID_MAX || pos > 8 + 4 + TN_DHCP6_SID_LEN + TN_DHCP6_IA_LEN +
							TN_DHCP6_STATUS_LEN + 4 + TN_DHCP6_OPTS_MAX)
			return 0;
		d[pos] = 0;
		d[pos + 1] = TN_DHCP6_OPT_CLIENTID;
		d[pos + 2] = 0;
		d[pos + 3] = cl;
		if (bpf_skb_load_bytes(skb, pc->cid_off, d + pos + 4, cl))
			return 0;
		pos += 4 + cl;
	}
	if (pos > 8 + 4 + TN_DHCP6_SID_LEN + TN_DHCP6_IA_LEN + TN_DHCP6_STATUS_LEN + 4 +
		      TN_DHCP6_OPTS_MAX + 4 + TN_DHCP6_DUID_MAX)
		return 0;
	__builtin_memset(d + pos, 0, 4); /* the checksum's padding */
	d[4] = pos >> 8;
	d[5] = pos & 0xff;
	/* pseudo-header: source, destination, length, next header */
	tn_ip6_ll_from_mac(u, row->server_mac);
	__builtin_memcpy(u + 16, ip->saddr, 16);
	__builtin_memset(u + 32, 0, 8);
	u[34] = pos >> 8;
	u[35] = pos & 0xff;
	u[39] = TN_IPPROTO_UDP;
	return pos;
}

/* Folds the checksum of the pseudo-header and datagram of len bytes in u
 * into the UDP header. Returns 0 or -1. */
static __always_inline int tn_dhcp6_csum(__u8 *u, __u32 len)
{
	__u32 n = (TN_DHCP6_PSEUDO + len + 3) & ~3u;
	__s64 s;
	__u32 sum;
	__u16 c;

	if (n > 512)
		return -1;
	s = bpf_csum_diff(NULL, 0, (__be32 *)u, n, 0);
	if (s < 0)
		return -1;
	sum = (__u32)s;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	c = (__u16)~sum;
	if (!c)
		c = 0xffff; /* RFC 8200 8.1: zero is sent as all ones */
	__builtin_memcpy(u + TN_DHCP6_PSEUDO + 6, &c, 2);
	return 0;
}

/* Rewrites the request into the reply: from server MAC server to the
 * client's MAC client, addresses from the pseudo-header and the datagram of
 * len bytes from the scratch u. */
static __always_inline int tn_dhcp6_write(struct __sk_buff *skb, const __u8 *u, __u32 len,
					  const __u8 *client, const __u8 *server)
{
	struct {
		struct ethhdr eth;
		struct tn_ip6hdr ip;
	} __attribute__((packed)) h;

	if (len > 480)
		return -1;
	tn_mac_copy(h.eth.h_dest, client);
	tn_mac_copy(h.eth.h_source, server);
	h.eth.h_proto = bpf_htons(ETH_P_IPV6);
	h.ip.vtc_flow = bpf_htonl(6u << 28);
	h.ip.payload_len = bpf_htons(len);
	h.ip.nexthdr = TN_IPPROTO_UDP;
	h.ip.hop_limit = 64;
	__builtin_memcpy(h.ip.saddr, u, 16);
	__builtin_memcpy(h.ip.daddr, u + 16, 16);
	if (bpf_skb_change_tail(skb, sizeof(h) + len, 0) ||
	    bpf_skb_store_bytes(skb, 0, &h, sizeof(h), 0) ||
	    bpf_skb_store_bytes(skb, sizeof(h), u + TN_DHCP6_PSEUDO, len, 0))
		return -1;
	return 0;
}

SEC("tcx/ingress")
int tn_dhcp6_srv(struct __sk_buff *skb)
{
	__u32 in_slot = tn_ctx_in_slot(skb), ifindex = skb->ifindex, drop, len, zero = 0;
	struct tn_dhcp6_parse pc = {};
	struct tn_dhcp6_key key;
	struct tn_dhcp6_scratch *buf;
	struct tn_dhcp6_ans a;
	struct tn_ifport port;
	struct tn_ip6hdr ip;
	struct tn_dhcp6 *row;
	__u8 msg[4], src[ETH_ALEN];

	tn_ctx_port(skb, &port); /* tn_vif_ingress found it */
	key.port_id = port.port_id;
	row = bpf_map_lookup_elem(&tn_dhcp6, &key);
	if (!row)
		return tn_drop(skb, TN_DROP_DHCP6_NO_LEASE, in_slot);
	if (row->flags & TN_DHCP6_F_PASS) {
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	pc.duid[1] = 3; /* DUID-LL, hardware type 1 (Ethernet) */
	pc.duid[3] = 1;
	tn_mac_copy(&pc.duid[4], row->server_mac);
	drop = tn_dhcp6_parse(skb, &ip, msg, &pc);
	if (drop)
		return tn_drop(skb, drop, in_slot);
	if (bpf_skb_load_bytes(skb, ETH_ALEN, src, ETH_ALEN) || !tn_mac_eq(src, port.mac))
		return tn_drop(skb, TN_DROP_DHCP6_IGNORED, in_slot); /* not the port's client */
	tn_dhcp6_answer(row, msg[0], &pc, &a, &drop);
	if (!a.type)
		return tn_drop(skb, drop, in_slot);
	buf = bpf_map_lookup_elem(&tn_dhcp6_buf, &zero);
	if (!buf)
		return tn_drop(skb, TN_DROP_CONFIG, in_slot);
	len = tn_dhcp6_build(buf->buf, skb, &ip, msg, row, &pc, &a);
	if (!len || tn_dhcp6_csum(buf->buf, len) ||
	    tn_dhcp6_write(skb, buf->buf, len, src, row->server_mac))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_DHCP6_REPLY);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_DHCP6_REPLY, ifindex, 0, port.vni);
	return bpf_redirect(ifindex, 0);
}

#endif /* TN_NF_DHCP6_H */
