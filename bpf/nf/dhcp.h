/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dhcp.h - network function "DHCPv4 server" (program tn_dhcp4, slot
 * TN_VIF_SLOT_DHCP), reached for every IPv4 UDP datagram from port 68 to
 * port 67 from a port (tn_dhcp_is_client; after port security when the port
 * has it). The port's row in tn_dhcp (tenet_abi.h) holds its address, the
 * server identity and the options the controller encoded; the request is
 * turned into the reply in place and sent back out of the port, so a VM
 * gets its lease from its own host, also while the agent and every
 * controller are down. RFC 2131:
 *   DISCOVER -> OFFER; REQUEST -> ACK when the requested address (option
 *   50, else ciaddr) is the port's, NAK otherwise, nothing when option 54
 *   names another server; INFORM -> ACK without yiaddr and lease time;
 *   RELEASE and DECLINE are counted (TN_STAT_DHCP_RELEASE), not answered.
 * Replies go (4.1, no relay here) to ciaddr when the client has one (and
 * not a NAK), else broadcast when the client set the broadcast flag or for
 * a NAK, else unicast to yiaddr at the port's MAC. Every reply has message
 * type, server identifier, lease time (not to INFORM), the row's options
 * (not in a NAK) and the end option, padded to BOOTP's 300 bytes; UDP
 * checksum 0 (allowed for IPv4), IPv4 checksum computed. Every byte of the
 * reply is written (the grown tail is zeroed first).
 * No request leaves the host: a port without a row drops it
 * (TN_DROP_DHCP_NO_LEASE), a malformed one (not BOOTREQUEST/Ethernet, IP
 * options, lengths that disagree, no magic cookie, an option running past
 * the message, no end option, no message type) is TN_DROP_DHCP_BAD, and
 * what no server answers (another server chosen, an Ethernet source that
 * is not the port's, a server's message type) TN_DROP_DHCP_IGNORED. Only a
 * row with TN_DHCP_F_PASS (DHCP disabled on the port's subnet) sends the
 * request on to L2, for a DHCP server the tenant runs itself. Included by
 * vif.bpf.c after the program array tn_vif_calls.
 */
#ifndef TN_NF_DHCP_H
#define TN_NF_DHCP_H

#include "ctx.h"
#include "fwd.h"
#include "slots.h"
#include "src_check.h"

#define TN_DHCP_UDP_OFF	   (ETH_HLEN + 20)	     /* 34: no IPv4 options */
#define TN_DHCP_BOOTP_OFF  (TN_DHCP_UDP_OFF + 8)     /* 42 */
#define TN_DHCP_MAGIC_OFF  (TN_DHCP_BOOTP_OFF + 236) /* 278: after the fixed fields */
#define TN_DHCP_OPT_OFF	   (TN_DHCP_MAGIC_OFF + 4)   /* 282: the options */
#define TN_DHCP_HEAD_LEN   (TN_DHCP_BOOTP_OFF + 44)  /* 86: frame start to chaddr end */
#define TN_DHCP_MAGIC	   0x63825363		     /* RFC 2131 3 */
#define TN_DHCP_BOOTP_MIN  300			     /* RFC 1542 2.1 */
#define TN_DHCP_OPT_STEPS  1536			     /* options parsed at most (pads count) */
#define TN_DHCP_FIXED_OPTS 19			     /* magic + 53 + 54 + 51 */
/* bytes zeroed after the head: the largest reply's rest */
#define TN_DHCP_ZERO_LEN                                                                           \
	(TN_DHCP_MAGIC_OFF - TN_DHCP_HEAD_LEN + TN_DHCP_FIXED_OPTS + TN_DHCP_OPTS_MAX + 1)

enum tn_dhcp_msg {
	TN_DHCP_DISCOVER = 1,
	TN_DHCP_OFFER = 2,
	TN_DHCP_REQUEST = 3,
	TN_DHCP_DECLINE = 4,
	TN_DHCP_ACK = 5,
	TN_DHCP_NAK = 6,
	TN_DHCP_RELEASE = 7,
	TN_DHCP_INFORM = 8,
};

enum tn_dhcp_opt {
	TN_DHCP_OPT_PAD = 0,
	TN_DHCP_OPT_REQ_IP = 50,
	TN_DHCP_OPT_LEASE = 51,
	TN_DHCP_OPT_MSG_TYPE = 53,
	TN_DHCP_OPT_SERVER_ID = 54,
	TN_DHCP_OPT_END = 255,
};

#define TN_DHCP_FLAG_BROADCAST 0x8000 /* BOOTP flags: reply by broadcast */

/* The frame from its start to the end of chaddr, as read and as written;
 * pad keeps the IPv4 header 4-byte aligned. */
struct tn_dhcp_head {
	__u16 pad;
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__be16 proto;
	struct iphdr ip;
	struct udphdr udp;
	__u8 op;    /* 1 BOOTREQUEST, 2 BOOTREPLY */
	__u8 htype; /* 1 Ethernet */
	__u8 hlen;  /* 6 */
	__u8 hops;
	__be32 xid;
	__be16 secs;
	__be16 flags; /* TN_DHCP_FLAG_BROADCAST */
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 siaddr;
	__be32 giaddr;
	__u8 chaddr[16];
};

_Static_assert(sizeof(struct tn_dhcp_head) == 2 + TN_DHCP_HEAD_LEN, "dhcp head");

/* Magic cookie and the options the program adds itself, in order. */
struct tn_dhcp_fixed {
	__be32 magic;
	__u8 type[3];  /* 53, 1, type */
	__u8 sid[6];   /* 54, 4, server identifier */
	__u8 lease[6]; /* 51, 4, lease time (not to INFORM, not in a NAK) */
} __attribute__((packed));

_Static_assert(sizeof(struct tn_dhcp_fixed) == TN_DHCP_FIXED_OPTS, "dhcp fixed options");

/* Written from: zeros the grown tail of every reply. */
static const __u8 tn_dhcp_zero[TN_DHCP_ZERO_LEN];

/* What the option walk found; lives on tn_dhcp4's stack. */
struct tn_dhcp_parse {
	struct __sk_buff *skb; /* the request */
	__u32 off;	       /* next option */
	__u32 end;	       /* end of the UDP payload */
	__u32 done;	       /* 1: end option seen; 2: malformed */
	__u32 type;	       /* option 53, 0 if absent */
	__be32 req_ip;	       /* option 50, 0 if absent */
	__be32 server_id;      /* option 54, 0 if absent */
};

/*
 * True for an IPv4 frame from a DHCP client: UDP 68 -> 67, not a later
 * fragment. Header lengths are checked by the caller's parse
 * (tn_ip4_hdr); a frame too short for them is no DHCP client's.
 */
static __always_inline bool tn_dhcp_is_client(struct __sk_buff *skb)
{
	struct iphdr *ip = tn_ip4_hdr(skb);
	struct udphdr *udp;
	__u32 off;

	if (!ip || ip->protocol != TN_IPPROTO_UDP || (ip->frag_off & bpf_htons(0x1fff)) ||
	    ip->ihl < 5)
		return false;
	off = ETH_HLEN + ((__u32)ip->ihl & 0xf) * 4;
	if (tn_linear(skb, off + sizeof(*udp)))
		return false;
	udp = tn_hdr(skb, off, sizeof(*udp));
	return udp && udp->source == bpf_htons(TN_DHCP_CLIENT_PORT) &&
	       udp->dest == bpf_htons(TN_DHCP_SERVER_PORT);
}

/* Stops the walk: 1 for bpf_loop. */
static __always_inline long tn_dhcp_opt_stop(struct tn_dhcp_parse *pc, __u32 done)
{
	pc->done = done;
	return 1;
}

/* bpf_loop callback: one option at pc->off. Options 53, 50 and 54 are kept;
 * a wrong length for them, an option running past the message or no end
 * option before it ends is malformed. */
static long tn_dhcp_opt_one(__u64 i, void *arg)
{
	struct tn_dhcp_parse *pc = arg;
	__u32 off = pc->off, len;
	__u8 b[2];
	__be32 v;

	if (off >= pc->end || bpf_skb_load_bytes(pc->skb, off, b, 1))
		return tn_dhcp_opt_stop(pc, 2); /* no end option */
	if (b[0] == TN_DHCP_OPT_PAD) {
		pc->off = off + 1;
		return 0;
	}
	if (b[0] == TN_DHCP_OPT_END)
		return tn_dhcp_opt_stop(pc, 1);
	if (off + 2 > pc->end || bpf_skb_load_bytes(pc->skb, off, b, 2))
		return tn_dhcp_opt_stop(pc, 2);
	len = b[1];
	if (off + 2 + len > pc->end)
		return tn_dhcp_opt_stop(pc, 2);
	if (b[0] == TN_DHCP_OPT_MSG_TYPE) {
		if (len != 1 || bpf_skb_load_bytes(pc->skb, off + 2, b, 1))
			return tn_dhcp_opt_stop(pc, 2);
		pc->type = b[0];
	} else if (b[0] == TN_DHCP_OPT_REQ_IP || b[0] == TN_DHCP_OPT_SERVER_ID) {
		if (len != 4 || bpf_skb_load_bytes(pc->skb, off + 2, &v, 4))
			return tn_dhcp_opt_stop(pc, 2);
		if (b[0] == TN_DHCP_OPT_REQ_IP)
			pc->req_ip = v;
		else
			pc->server_id = v;
	}
	pc->off = off + 2 + len;
	return 0;
}

/*
 * Reads and checks the request's head and options into h and pc. Returns
 * 0, or the TN_DROP_* reason.
 */
static __always_inline __u32 tn_dhcp_parse(struct __sk_buff *skb, struct tn_dhcp_head *h,
					   struct tn_dhcp_parse *pc)
{
	__u32 ulen, magic;

	if (skb->len < TN_DHCP_OPT_OFF + 1 ||
	    bpf_skb_load_bytes(skb, 0, &h->dst, TN_DHCP_HEAD_LEN) ||
	    bpf_skb_load_bytes(skb, TN_DHCP_MAGIC_OFF, &magic, 4))
		return TN_DROP_DHCP_BAD;
	ulen = bpf_ntohs(h->udp.len);
	if (h->ip.ihl != 5 || ulen < TN_DHCP_OPT_OFF + 1 - TN_DHCP_UDP_OFF ||
	    TN_DHCP_UDP_OFF + ulen > skb->len || bpf_ntohs(h->ip.tot_len) < 20 + ulen ||
	    h->op != 1 || h->htype != ARPHRD_ETHER || h->hlen != ETH_ALEN ||
	    magic != bpf_htonl(TN_DHCP_MAGIC))
		return TN_DROP_DHCP_BAD;
	pc->skb = skb;
	pc->off = TN_DHCP_OPT_OFF;
	pc->end = TN_DHCP_UDP_OFF + ulen;
	bpf_loop(TN_DHCP_OPT_STEPS, tn_dhcp_opt_one, pc, 0);
	if (pc->done != 1 || !pc->type)
		return TN_DROP_DHCP_BAD; /* malformed, or out of steps before the end */
	return 0;
}

/*
 * The answer to the request: TN_DHCP_OFFER, _ACK or _NAK, or 0 with
 * *stat the counter or drop reason of a message not answered.
 */
static __always_inline __u32 tn_dhcp_answer(const struct tn_dhcp *row, const struct tn_dhcp_head *h,
					    const struct tn_dhcp_parse *pc, __u32 *stat)
{
	__be32 want;

	switch (pc->type) {
	case TN_DHCP_DISCOVER:
		return TN_DHCP_OFFER;
	case TN_DHCP_REQUEST:
		if (pc->server_id && pc->server_id != row->server_id) {
			*stat = TN_DROP_DHCP_IGNORED; /* the client chose another server */
			return 0;
		}
		want = pc->req_ip ? pc->req_ip : h->ciaddr;
		return want == row->yiaddr ? TN_DHCP_ACK : TN_DHCP_NAK;
	case TN_DHCP_INFORM:
		return TN_DHCP_ACK;
	case TN_DHCP_RELEASE:
	case TN_DHCP_DECLINE:
		*stat = TN_STAT_DHCP_RELEASE;
		return 0;
	default:
		*stat = TN_DROP_DHCP_IGNORED; /* a server's message, or unknown */
		return 0;
	}
}

/* 16-bit one's complement of the IPv4 header. */
static __always_inline __u16 tn_dhcp_ip_csum(struct iphdr *ip)
{
	__u32 sum = (__u32)bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Turns head h of the request into the reply's head: msg (OFFER, ACK, NAK)
 * for a request of type req, bootp_len bytes of BOOTP message.
 */
static __always_inline void tn_dhcp_head_build(struct tn_dhcp_head *h, const struct tn_dhcp *row,
					       __u32 req, __u32 msg, __u32 bootp_len)
{
	bool inform = req == TN_DHCP_INFORM, nak = msg == TN_DHCP_NAK;
	__be32 ciaddr = nak || msg == TN_DHCP_OFFER ? 0 : h->ciaddr;
	__be32 yiaddr = nak || inform ? 0 : row->yiaddr, daddr;
	bool bcast;

	bcast = nak || (!ciaddr && (h->flags & bpf_htons(TN_DHCP_FLAG_BROADCAST)));
	daddr = bcast ? bpf_htonl(0xffffffff) : ciaddr ? ciaddr : yiaddr;
	if (!daddr) { /* an INFORM without ciaddr */
		bcast = true;
		daddr = bpf_htonl(0xffffffff);
	}
	if (bcast)
		__builtin_memset(h->dst, 0xff, ETH_ALEN);
	else
		tn_mac_copy(h->dst, h->src); /* the port's MAC: checked by the caller */
	tn_mac_copy(h->src, row->server_mac);
	__builtin_memset(&h->ip, 0, sizeof(h->ip));
	h->ip.version = 4;
	h->ip.ihl = 5;
	h->ip.tot_len = bpf_htons(20 + 8 + bootp_len);
	h->ip.ttl = 64;
	h->ip.protocol = TN_IPPROTO_UDP;
	h->ip.saddr = row->server_id;
	h->ip.daddr = daddr;
	h->ip.check = tn_dhcp_ip_csum(&h->ip);
	h->udp.source = bpf_htons(TN_DHCP_SERVER_PORT);
	h->udp.dest = bpf_htons(TN_DHCP_CLIENT_PORT);
	h->udp.len = bpf_htons(8 + bootp_len);
	h->udp.check = 0;
	h->op = 2;
	h->hops = 0;
	h->secs = 0;
	h->ciaddr = ciaddr;
	h->yiaddr = yiaddr;
	h->siaddr = 0;
}

/*
 * Rewrites the request (head h, type req) into the reply msg from row in
 * place. Returns 0, or -1 when the packet could not be resized or written.
 */
static __always_inline int tn_dhcp_write(struct __sk_buff *skb, struct tn_dhcp_head *h,
					 const struct tn_dhcp *row, __u32 req, __u32 msg)
{
	bool lease = msg != TN_DHCP_NAK && req != TN_DHCP_INFORM;
	__u32 nopts = msg == TN_DHCP_NAK ? 0 : row->opts_len;
	__u32 nfixed = lease ? TN_DHCP_FIXED_OPTS : TN_DHCP_FIXED_OPTS - 6;
	struct tn_dhcp_fixed fx = {
	    .magic = bpf_htonl(TN_DHCP_MAGIC),
	    .type = {TN_DHCP_OPT_MSG_TYPE, 1, (__u8)msg},
	    .sid = {TN_DHCP_OPT_SERVER_ID, 4},
	    .lease = {TN_DHCP_OPT_LEASE, 4},
	};
	__u32 bootp_len, len, zlen;
	__u8 end = TN_DHCP_OPT_END;

	if (nopts > TN_DHCP_OPTS_MAX)
		return -1;
	__builtin_memcpy(&fx.sid[2], &row->server_id, 4);
	__builtin_memcpy(&fx.lease[2], &row->lease_time, 4);
	bootp_len = TN_DHCP_OPT_OFF - TN_DHCP_BOOTP_OFF + nfixed - 4 + nopts + 1;
	if (bootp_len < TN_DHCP_BOOTP_MIN)
		bootp_len = TN_DHCP_BOOTP_MIN;
	len = TN_DHCP_BOOTP_OFF + bootp_len;
	zlen = len - TN_DHCP_HEAD_LEN;
	if (zlen > TN_DHCP_ZERO_LEN)
		return -1;
	tn_dhcp_head_build(h, row, req, msg, bootp_len);
	if (bpf_skb_change_tail(skb, len, 0) ||
	    bpf_skb_store_bytes(skb, TN_DHCP_HEAD_LEN, tn_dhcp_zero, zlen, 0) ||
	    bpf_skb_store_bytes(skb, 0, &h->dst, TN_DHCP_HEAD_LEN, 0) ||
	    bpf_skb_store_bytes(skb, TN_DHCP_MAGIC_OFF, &fx, nfixed, 0))
		return -1;
	if (nopts && bpf_skb_store_bytes(skb, TN_DHCP_MAGIC_OFF + nfixed, row->opts, nopts, 0))
		return -1;
	return bpf_skb_store_bytes(skb, TN_DHCP_MAGIC_OFF + nfixed + nopts, &end, 1, 0) ? -1 : 0;
}

/* Records the lookup of the port's row (test mode only). */
static __always_inline void tn_trace_dhcp(__u32 port_id, __u32 vni, const struct tn_dhcp *row)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_DHCP, TN_TKEY_DHCP, row != NULL, vni);
	if (!st || !row)
		return;
	st->port_id = port_id;
	st->ip4 = row->yiaddr;
	st->flags = (__u16)row->flags;
	__builtin_memcpy(st->mac, row->server_mac, 6);
}

SEC("tcx/ingress")
int tn_dhcp4(struct __sk_buff *skb)
{
	struct tn_dhcp_parse pc = {};
	struct tn_dhcp_head h = {};
	struct tn_dhcp_key key;
	struct tn_ifport port;
	struct tn_dhcp *row;
	__u32 in_slot, msg, stat = 0, ifindex = skb->ifindex;

	tn_ctx_port(skb, &port); /* tn_vif_ingress found it */
	in_slot = port.slot;
	key.port_id = port.port_id;
	row = bpf_map_lookup_elem(&tn_dhcp, &key);
	tn_trace_dhcp(port.port_id, port.vni, row);
	if (!row)
		return tn_drop(skb, TN_DROP_DHCP_NO_LEASE, in_slot);
	if (row->flags & TN_DHCP_F_PASS) {
		bpf_tail_call_static(skb, &tn_vif_calls, TN_VIF_SLOT_L2);
		return tn_drop(skb, TN_DROP_TAIL_CALL, in_slot);
	}
	stat = tn_dhcp_parse(skb, &h, &pc);
	if (stat)
		return tn_drop(skb, stat, in_slot);
	if (!tn_mac_eq(h.src, port.mac))
		return tn_drop(skb, TN_DROP_DHCP_IGNORED, in_slot); /* not the port's client */
	msg = tn_dhcp_answer(row, &h, &pc, &stat);
	if (!msg) {
		if (stat != TN_STAT_DHCP_RELEASE)
			return tn_drop(skb, stat, in_slot);
		tn_stat_inc(stat);
		tn_trace_set(TN_TRACE_DROP, stat, 0, 0, port.vni);
		return TC_ACT_SHOT;
	}
	if (tn_dhcp_write(skb, &h, row, pc.type, msg))
		return tn_drop(skb, TN_DROP_REDIRECT, in_slot);
	tn_stat_inc(TN_STAT_DHCP_REPLY);
	tn_port_count(in_slot, TN_PORT_TX, skb->len);
	tn_trace_set(TN_TRACE_REDIRECT, TN_STAT_DHCP_REPLY, ifindex, 0, port.vni);
	return bpf_redirect(ifindex, 0);
}

#endif /* TN_NF_DHCP_H */
