/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ct.h - connection tracking for the security groups (tenet_abi.h: tn_ct):
 * what a packet is as a flow (its 5-tuple, or the tuple an ICMP error
 * quotes), the lookup of its entry as it is and reversed, and TCP state.
 *
 * One entry per connection per local port it concerns, keyed as the
 * connection was opened (saddr/sport: its initiator), with port_id first so
 * a port's entries can be found (migration, the agent's cleanup). Every
 * read of the packet goes through bpf_skb_load_bytes into the stack: a
 * truncated header is TN_DROP_MALFORMED, never a read past the end, and no
 * packet pointer is kept across the helpers.
 */
#ifndef TN_BPF_CT_H
#define TN_BPF_CT_H

#include "ip6.h"
#include "maps.h"

/* as icmp.h and src_check.h have them (identical redefinitions) */
#define TN_IPPROTO_ICMP	   1
#define TN_IPPROTO_TCP	   6
#define TN_IPPROTO_UDP	   17
#define TN_IPPROTO_DCCP	   33
#define TN_IPPROTO_SCTP	   132
#define TN_IPPROTO_UDPLITE 136

#define TN_TCP_FIN 0x01
#define TN_TCP_SYN 0x02
#define TN_TCP_RST 0x04
#define TN_TCP_ACK 0x10

#define TN_NS_PER_SEC 1000000000ull
/* An entry's expiry is written again only when it moves by more than
 * this: one write a second per connection, not one per packet. */
#define TN_CT_REFRESH_NS TN_NS_PER_SEC

/* What a packet is to the security groups. */
enum tn_flow_kind {
	TN_FLOW_EXEMPT = 0, /* not subject: not IP, ND and MLD, DHCP (earlier stages vetted it) */
	TN_FLOW_CONN,	    /* tracked: a new one is checked and opens an entry */
	TN_FLOW_REPLY,	    /* an echo reply: passes as a tracked echo's reply, else as _ONCE */
	TN_FLOW_ONCE,	    /* checked by itself, never tracked: other ICMP (later fragments,
			     * TN_FLOW_FRAG_LATER, follow their first one instead) */
	TN_FLOW_RELATED,    /* an ICMP error: passes only if the flow it quotes is tracked */
};

/* A packet as a flow; for TN_FLOW_RELATED the quoted packet's tuple. */
struct tn_flow {
	__u8 saddr[16]; /* IPv4: the first 4 bytes, the rest zero */
	__u8 daddr[16];
	__be16 sport; /* ports; ICMP echo: the identifier (both) */
	__be16 dport;
	__be16 rport; /* what rules match: the destination port, ICMP type << 8 | code */
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u8 tcp_flags;
	__u8 kind; /* enum tn_flow_kind */
	__u8 frag; /* TN_FLOW_FRAG_*: a fragment of a larger datagram, 0: whole */
	__u8 pad;
	__u8 frag_id[4]; /* a fragment's datagram identification as sent (IPv4: 2 bytes, 0) */
};

/* tn_flow.frag */
#define TN_FLOW_FRAG_FIRST 1 /* the first fragment: its layer 4 header is here */
#define TN_FLOW_FRAG_LATER 2 /* a later one: no layer 4 header */

/* True for the protocols whose first 4 bytes are source and destination
 * port. */
static __always_inline bool tn_flow_has_ports(__u8 proto)
{
	return proto == TN_IPPROTO_TCP || proto == TN_IPPROTO_UDP || proto == TN_IPPROTO_SCTP ||
	       proto == TN_IPPROTO_UDPLITE || proto == TN_IPPROTO_DCCP;
}

/* Reads the ports (and TCP flags) of proto at off into f. Returns 0 or
 * TN_DROP_MALFORMED. */
static __always_inline __u32 tn_flow_ports(struct __sk_buff *skb, __u32 off, struct tn_flow *f)
{
	__u8 b[14];

	if (f->proto == TN_IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off, b, 14))
			return TN_DROP_MALFORMED;
		f->tcp_flags = b[13];
	} else if (bpf_skb_load_bytes(skb, off, b, 4)) {
		return TN_DROP_MALFORMED;
	}
	__builtin_memcpy(&f->sport, b, 2);
	__builtin_memcpy(&f->dport, b + 2, 2);
	f->rport = f->dport;
	return 0;
}

/*
 * The tuple of the packet an ICMP error quotes at off (its IP header, then
 * at least the 8 bytes RFC 792 and RFC 4443 promise): ports for TCP, UDP
 * and the like, the identifier of an echo. Returns 0 or TN_DROP_MALFORMED.
 */
static __always_inline __u32 tn_flow_quoted(struct __sk_buff *skb, __u32 off, struct tn_flow *f)
{
	__u8 b[8], ihl;
	__u32 l4;

	if (f->family == 4) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)))
			return TN_DROP_MALFORMED;
		ihl = ip.ihl;
		if (ip.version != 4 || ihl < 5)
			return TN_DROP_MALFORMED;
		__builtin_memcpy(f->saddr, &ip.saddr, 4);
		__builtin_memcpy(f->daddr, &ip.daddr, 4);
		f->proto = ip.protocol;
		l4 = off + (__u32)ihl * 4;
	} else {
		struct tn_ip6hdr ip6;

		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)))
			return TN_DROP_MALFORMED;
		__builtin_memcpy(f->saddr, ip6.saddr, 16);
		__builtin_memcpy(f->daddr, ip6.daddr, 16);
		f->proto = ip6.nexthdr; /* a quoted extension header: matches no entry */
		l4 = off + TN_IP6_HLEN;
	}
	f->tcp_flags = 0;
	if (tn_flow_has_ports(f->proto) || f->proto == TN_IPPROTO_ICMP ||
	    f->proto == TN_IPPROTO_ICMPV6) {
		if (bpf_skb_load_bytes(skb, l4, b, 8))
			return TN_DROP_MALFORMED;
		if (tn_flow_has_ports(f->proto)) {
			__builtin_memcpy(&f->sport, b, 2);
			__builtin_memcpy(&f->dport, b + 2, 2);
		} else {
			__builtin_memcpy(&f->sport, b + 4, 2); /* the echo identifier */
			f->dport = f->sport;
		}
	}
	return 0;
}

/* True for the ICMP (family 4) or ICMPv6 type of an error message. */
static __always_inline bool tn_icmp_is_error(__u8 family, __u8 type)
{
	if (family == 4)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/*
 * ICMP and ICMPv6 at off: echo requests are tracked by their identifier,
 * echo replies pass as replies, errors as related to what they quote; ND
 * and MLD (ICMPv6 130-137, 143) are exempt; the rest is checked by itself.
 */
static __always_inline __u32 tn_flow_icmp(struct __sk_buff *skb, __u32 off, struct tn_flow *f)
{
	__u8 b[8], echo = f->family == 4 ? 8 : TN_ICMP6_ECHO_REQUEST;

	if (bpf_skb_load_bytes(skb, off, b, 8))
		return TN_DROP_MALFORMED;
	f->rport = bpf_htons((__u16)b[0] << 8 | b[1]);
	if (f->family == 6 && ((b[0] >= TN_ICMP6_MLD_QUERY && b[0] <= TN_ND_REDIRECT) ||
			       b[0] == TN_ICMP6_MLD2_REPORT)) {
		f->kind = TN_FLOW_EXEMPT;
		return 0;
	}
	if (tn_icmp_is_error(f->family, b[0])) {
		f->kind = TN_FLOW_RELATED;
		return tn_flow_quoted(skb, off + 8, f);
	}
	if (b[0] == echo || b[0] == (f->family == 4 ? 0 : echo + 1)) {
		__builtin_memcpy(&f->sport, b + 4, 2);
		f->dport = f->sport;
		f->kind = b[0] == echo ? TN_FLOW_CONN : TN_FLOW_REPLY;
		return 0;
	}
	f->kind = TN_FLOW_ONCE;
	return 0;
}

/* True for what a DHCP (v4 or v6) client sends, or its server answers, as
 * seen in direction dir (TN_SG_EGRESS: from the local port): answered or
 * vetted by the DHCP stages, not subject to groups. */
static __always_inline bool tn_flow_is_dhcp(const struct tn_flow *f, __u8 dir)
{
	__u16 c = f->family == 4 ? 68 : 546, s = f->family == 4 ? 67 : 547;

	if (f->proto != TN_IPPROTO_UDP)
		return false;
	if (dir == TN_SG_EGRESS)
		return f->sport == bpf_htons(c) && f->dport == bpf_htons(s);
	return f->sport == bpf_htons(s) && f->dport == bpf_htons(c);
}

/* The layer 4 of f (protocol in f->proto) at off: ports, ICMP. */
static __always_inline __u32 tn_flow_l4(struct __sk_buff *skb, __u32 off, __u8 dir,
					struct tn_flow *f)
{
	__u32 rc;

	if (f->proto == (f->family == 4 ? TN_IPPROTO_ICMP : TN_IPPROTO_ICMPV6))
		return tn_flow_icmp(skb, off, f);
	f->kind = TN_FLOW_CONN;
	if (!tn_flow_has_ports(f->proto))
		return 0; /* GRE, ESP, ...: tracked by addresses and protocol */
	rc = tn_flow_ports(skb, off, f);
	if (!rc && tn_flow_is_dhcp(f, dir))
		f->kind = TN_FLOW_EXEMPT;
	return rc;
}

/* The flow of an IPv4 frame. A later fragment has no ports: it follows
 * its first fragment (tn_sg_frag_follows), so only its addresses, protocol
 * and identification are read. */
static __always_inline __u32 tn_flow_parse4(struct __sk_buff *skb, __u8 dir, struct tn_flow *f)
{
	struct iphdr ip;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.version != 4 || ip.ihl < 5)
		return TN_DROP_MALFORMED;
	f->family = 4;
	f->proto = ip.protocol;
	__builtin_memcpy(f->saddr, &ip.saddr, 4);
	__builtin_memcpy(f->daddr, &ip.daddr, 4);
	__builtin_memcpy(f->frag_id, &ip.id, 2);
	if (ip.frag_off & bpf_htons(0x1fff)) {
		f->kind = TN_FLOW_ONCE;
		f->frag = TN_FLOW_FRAG_LATER;
		return 0;
	}
	if (ip.frag_off & bpf_htons(0x2000)) /* MF */
		f->frag = TN_FLOW_FRAG_FIRST;
	return tn_flow_l4(skb, ETH_HLEN + ((__u32)ip.ihl & 0xf) * 4, dir, f);
}

/* The flow of an IPv6 frame, past at most TN_IP6_EXT_MAX extension
 * headers (a longer chain is TN_DROP_IP6_EXT, as port security has it). */
static __always_inline __u32 tn_flow_parse6(struct __sk_buff *skb, __u8 dir, struct tn_flow *f)
{
	struct tn_ip6hdr ip;
	struct tn_ip6_l4 l4;
	int rc;

	if (tn_ip6_load(skb, &ip))
		return TN_DROP_MALFORMED;
	rc = tn_ip6_walk(skb, &ip, &l4);
	if (rc)
		return rc == -2 ? TN_DROP_IP6_EXT : TN_DROP_MALFORMED;
	f->family = 6;
	f->proto = l4.proto;
	__builtin_memcpy(f->saddr, ip.saddr, 16);
	__builtin_memcpy(f->daddr, ip.daddr, 16);
	__builtin_memcpy(f->frag_id, l4.frag_id, 4);
	if (l4.proto == TN_IPPROTO_NONE) {
		f->kind = TN_FLOW_ONCE; /* a later fragment, or no upper layer */
		if (l4.fragmented) {
			f->proto = l4.frag_proto;
			f->frag = TN_FLOW_FRAG_LATER;
		}
		return 0;
	}
	if (l4.fragmented && l4.frag_more)
		f->frag = TN_FLOW_FRAG_FIRST;
	return tn_flow_l4(skb, l4.off, dir, f);
}

/* The flow of the frame seen in direction dir. Returns 0 (f->kind says
 * what it is) or the drop reason. ARP is exempt; any other ethertype (a
 * VLAN tag, which would carry IP past the rules) no rule allows, as with
 * Neutron's firewall, whose rules are IPv4 and IPv6 only. */
static __always_inline __u32 tn_flow_parse(struct __sk_buff *skb, __be16 proto, __u8 dir,
					   struct tn_flow *f)
{
	if (proto == bpf_htons(ETH_P_IP))
		return tn_flow_parse4(skb, dir, f);
	if (proto == bpf_htons(ETH_P_IPV6))
		return tn_flow_parse6(skb, dir, f);
	if (proto == bpf_htons(ETH_P_ARP)) {
		f->kind = TN_FLOW_EXEMPT;
		return 0;
	}
	return dir == TN_SG_INGRESS ? TN_DROP_SG_INGRESS : TN_DROP_SG_EGRESS;
}

/* The key of f for port_id, as it is or reversed. */
static __always_inline void tn_ct_key_fill(struct tn_ct_key *k, __u32 port_id,
					   const struct tn_flow *f, bool rev)
{
	k->port_id = port_id;
	k->proto = f->proto;
	k->family = f->family;
	k->kind = TN_CT_KIND_CONN;
	if (!rev) {
		k->sport = f->sport;
		k->dport = f->dport;
		__builtin_memcpy(k->saddr, f->saddr, 16);
		__builtin_memcpy(k->daddr, f->daddr, 16);
	} else {
		k->sport = f->dport;
		k->dport = f->sport;
		__builtin_memcpy(k->saddr, f->daddr, 16);
		__builtin_memcpy(k->daddr, f->saddr, 16);
	}
}

/*
 * The live entry of f for port_id: looked up as it is, then reversed (*rev
 * says which found it: then the packet goes the other way than the
 * opener's). k holds the key it was found under. NULL: none, or expired.
 */
static __always_inline struct tn_ct *tn_ct_find(struct tn_ct_key *k, __u32 port_id,
						const struct tn_flow *f, __u64 now, bool *rev)
{
	struct tn_ct *ct;

	tn_ct_key_fill(k, port_id, f, false);
	ct = bpf_map_lookup_elem(&tn_ct, k);
	*rev = false;
	if (ct && ct->expires_ns > now)
		return ct;
	tn_ct_key_fill(k, port_id, f, true);
	ct = bpf_map_lookup_elem(&tn_ct, k);
	*rev = true;
	if (ct && ct->expires_ns > now)
		return ct;
	return NULL;
}

/* The lifetime (ns) of an entry in TCP state state (0: not TCP). */
static __always_inline __u64 tn_ct_lifetime(__u8 proto, __u8 state)
{
	if (proto != TN_IPPROTO_TCP)
		return TN_CT_LIFETIME_NONTCP * TN_NS_PER_SEC;
	if (state == TN_CT_TCP_CLOSED)
		return TN_CT_LIFETIME_CLOSE * TN_NS_PER_SEC;
	if (state == TN_CT_TCP_ESTABLISHED)
		return TN_CT_LIFETIME_TCP * TN_NS_PER_SEC;
	return TN_CT_LIFETIME_SYN * TN_NS_PER_SEC;
}

/*
 * A packet of the live entry ct went by, as its opener sent it (rev false)
 * or the other way: a reply is noted, TCP's FIN each way or RST close the
 * connection, and the expiry moves on by the state's lifetime (written
 * only when it changes by more than TN_CT_REFRESH_NS, or the state does).
 */
static __always_inline void tn_ct_seen(struct tn_ct *ct, const struct tn_flow *f, bool rev,
				       __u64 now)
{
	__u16 flags = ct->flags, fins = TN_CT_F_FIN_ORIG | TN_CT_F_FIN_REPLY;
	__u8 state = ct->tcp_state;
	__u64 exp;

	if (rev)
		flags |= TN_CT_F_REPLY;
	if (f->proto == TN_IPPROTO_TCP) {
		if (f->tcp_flags & TN_TCP_FIN)
			flags |= rev ? TN_CT_F_FIN_REPLY : TN_CT_F_FIN_ORIG;
		if ((f->tcp_flags & TN_TCP_RST) || (flags & fins) == fins)
			state = TN_CT_TCP_CLOSED;
		else if (rev && state == TN_CT_TCP_SYN_SENT)
			state = TN_CT_TCP_ESTABLISHED;
	}
	exp = now + tn_ct_lifetime(f->proto, state);
	if (flags == ct->flags && state == ct->tcp_state && exp < ct->expires_ns + TN_CT_REFRESH_NS)
		return;
	ct->flags = flags;
	ct->tcp_state = state;
	ct->expires_ns = exp;
}

/*
 * The key of the fragmented datagram of f (TN_CT_KIND_FRAG) for port_id:
 * its addresses, protocol and identification. Only meaningful while f
 * holds the packet's own addresses (not an ICMP error's quoted ones).
 */
static __always_inline void tn_ct_frag_key(struct tn_ct_key *k, __u32 port_id,
					   const struct tn_flow *f)
{
	k->port_id = port_id;
	k->proto = f->proto;
	k->family = f->family;
	k->kind = TN_CT_KIND_FRAG;
	__builtin_memcpy(&k->sport, f->frag_id, 2);
	__builtin_memcpy(&k->dport, f->frag_id + 2, 2);
	__builtin_memcpy(k->saddr, f->saddr, 16);
	__builtin_memcpy(k->daddr, f->daddr, 16);
}

/* True for a TCP segment that opens a connection: SYN without ACK. */
static __always_inline bool tn_flow_tcp_opens(const struct tn_flow *f)
{
	return (f->tcp_flags & (TN_TCP_SYN | TN_TCP_ACK | TN_TCP_RST)) == TN_TCP_SYN;
}

#endif /* TN_BPF_CT_H */
