/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sg.h - the security group check of one packet for one local port in one
 * direction (tenet_abi.h, "Security groups"): its tracked connection
 * (ct.h) or, for a new flow, the policy maps, which the controller compiles
 * so that a fixed number of lookups decides whatever the number of rules:
 *
 *   tn_sg_rule  (LPM) identity, remote identity, dir, proto, port
 *   tn_sg_cidr  (LPM) identity, dir, remote address -> port set
 *   tn_sg_pset  (LPM) identity, port set, proto, port
 *
 * A tracked connection passes both ways (the other way: a reply) after one
 * tn_sg_ident lookup and one or two tn_ct lookups; when the identity's
 * generation moved since the entry was last allowed, the connection is
 * checked against the current rules again (as it was opened), re-stamped
 * if still allowed, else deleted and the packet dropped
 * (TN_DROP_SG_REVOKED).
 */
#ifndef TN_BPF_SG_H
#define TN_BPF_SG_H

#include "ct.h"
#include "verdict.h"

/* The local port a check is for. */
struct tn_sg_port {
	__u32 port_id;	/* tn_ct's key */
	__u32 identity; /* its identity, != 0 */
	__u32 slot;	/* its counters' slot (tn_sg_stats) */
};

/*
 * Whether a new flow of identity in direction dir (TN_SG_* direction and
 * ethertype bits) is allowed: protocol proto to rport (port, or ICMP type
 * and code), the other end being remote (identity, 0: none) at raddr.
 * *group: the group whose rule allows it.
 */
static __always_inline bool tn_sg_allowed(__u32 identity, __u8 dir, __u8 proto, __be16 rport,
					  __u32 remote, const __u8 *raddr, __u32 *group)
{
	struct tn_sg_rule_key rk = {.prefixlen = TN_SG_RULE_PLEN_PROTO + 16,
				    .identity = bpf_htonl(identity),
				    .remote = bpf_htonl(remote),
				    .dir = dir,
				    .proto = proto,
				    .port = rport};
	struct tn_sg_cidr_key ck = {.identity = bpf_htonl(identity), .dir = dir};
	struct tn_sg_pset_key pk = {.prefixlen = TN_SG_PSET_PLEN_PROTO + 16,
				    .identity = bpf_htonl(identity),
				    .proto = proto,
				    .port = rport};
	struct tn_sg_allow *a;
	struct tn_sg_cidr *c;

	if (remote) {
		a = bpf_map_lookup_elem(&tn_sg_rule, &rk);
		if (a) {
			*group = a->group;
			return true;
		}
	}
	ck.prefixlen = 64 + ((dir & TN_SG_IPV4) ? 32 : 128);
	__builtin_memcpy(ck.addr, raddr, 16);
	c = bpf_map_lookup_elem(&tn_sg_cidr, &ck);
	if (!c)
		return false;
	pk.pset = bpf_htonl(c->pset);
	a = bpf_map_lookup_elem(&tn_sg_pset, &pk);
	if (!a)
		return false;
	*group = a->group;
	return true;
}

/* Counts one flow group's rules let open for the port at slot. */
static __always_inline void tn_sg_count(__u32 slot, __u32 group)
{
	struct tn_sg_stats_key key = {.slot = slot, .group = group};
	__u64 one = 1, *v;

	if (!slot)
		return;
	v = bpf_map_lookup_elem(&tn_sg_stats, &key);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&tn_sg_stats, &key, &one, BPF_NOEXIST);
}

/* The direction byte of a check: direction and the flow's ethertype. */
static __always_inline __u8 tn_sg_dir(__u8 dir, const struct tn_flow *f)
{
	return dir | (f->family == 4 ? TN_SG_IPV4 : TN_SG_IPV6);
}

/* Whether the connection of entry ct (found under key k) is still allowed
 * for the port, checked as it was opened; the other end is remote now. */
static __always_inline bool tn_sg_recheck(const struct tn_sg_port *p, const struct tn_ct_key *k,
					  const struct tn_flow *f, __u32 remote, __u16 ct_flags,
					  __u32 *group)
{
	__u8 dir = (ct_flags & TN_CT_F_INGRESS) ? TN_SG_INGRESS : TN_SG_EGRESS;
	__be16 rport = k->dport;

	if (k->proto == TN_IPPROTO_ICMP)
		rport = bpf_htons(8 << 8); /* an echo request opened it */
	else if (k->proto == TN_IPPROTO_ICMPV6)
		rport = bpf_htons(TN_ICMP6_ECHO_REQUEST << 8);
	return tn_sg_allowed(p->identity, tn_sg_dir(dir, f), k->proto, rport, remote,
			     dir == TN_SG_INGRESS ? k->saddr : k->daddr, group);
}

/* Records the check of port p in direction dir (found: a tracked
 * connection) against remote, in the current trace step. */
static __always_inline void tn_trace_sg(const struct tn_sg_port *p, __u8 dir, bool found,
					__u32 remote)
{
	struct tn_trace_step *st;

	if (!tn_test_mode)
		return;
	st = tn_trace_step(TN_STAGE_FW, TN_TKEY_CT, found, 0);
	if (!st)
		return;
	st->port_id = p->port_id;
	st->slot = p->slot;
	st->ifindex = p->identity;
	st->flags = dir;
	st->ip4 = remote;
}

/* The check of a flow that is not tracked (new, or not trackable): the
 * policy, then (track) a new entry under key k. */
static __always_inline __u32 tn_sg_new(const struct tn_sg_port *p, __u8 dir,
				       const struct tn_flow *f, __u32 remote, __u32 gen,
				       struct tn_ct_key *k, bool track, __u64 now)
{
	const __u8 *raddr = dir == TN_SG_INGRESS ? f->saddr : f->daddr;
	struct tn_ct ct = {};
	__u32 group = 0;

	if (track && f->proto == TN_IPPROTO_TCP && !tn_flow_tcp_opens(f))
		return TN_DROP_CT_INVALID;
	if (!tn_sg_allowed(p->identity, tn_sg_dir(dir, f), f->proto, f->rport, remote, raddr,
			   &group))
		return dir == TN_SG_INGRESS ? TN_DROP_SG_INGRESS : TN_DROP_SG_EGRESS;
	tn_sg_count(p->slot, group);
	if (!track)
		return 0;
	ct.gen = gen;
	ct.remote = remote;
	ct.group = group;
	ct.flags = dir == TN_SG_INGRESS ? TN_CT_F_INGRESS : 0;
	ct.tcp_state = f->proto == TN_IPPROTO_TCP ? TN_CT_TCP_SYN_SENT : 0;
	ct.expires_ns = now + tn_ct_lifetime(f->proto, ct.tcp_state);
	tn_ct_key_fill(k, p->port_id, f, false);
	bpf_map_update_elem(&tn_ct, k, &ct, BPF_ANY); /* full LRU: the oldest goes */
	return 0;
}

/*
 * The check of flow f (parsed, not a later fragment) for port p in
 * direction dir, the other end having identity remote: its tracked
 * connection or the rules (tn_sg_check says what it returns). k is the
 * caller's scratch key.
 */
static __always_inline __u32 tn_sg_judge(const struct tn_sg_port *p, __u8 dir, __u32 remote,
					 const struct tn_flow *f, struct tn_ct_key *k)
{
	struct tn_sg_ident_key ik = {.identity = p->identity};
	struct tn_sg_ident *id;
	struct tn_ct *ct;
	__u32 gen, group = 0;
	__u64 now;
	bool rev;

	if (f->kind == TN_FLOW_EXEMPT)
		return 0;
	id = bpf_map_lookup_elem(&tn_sg_ident, &ik);
	gen = id ? id->gen : 0; /* no row yet: no rules either */
	now = bpf_ktime_get_ns();
	if (f->kind == TN_FLOW_ONCE) {
		tn_trace_sg(p, dir, false, remote);
		return tn_sg_new(p, dir, f, remote, gen, k, false, now);
	}
	ct = tn_ct_find(k, p->port_id, f, now, &rev);
	tn_trace_sg(p, dir, ct != NULL, remote);
	if (f->kind == TN_FLOW_RELATED)
		return ct ? 0 : TN_DROP_CT_INVALID;
	if (!ct)
		return tn_sg_new(p, dir, f, remote, gen, k, f->kind == TN_FLOW_CONN, now);
	if (ct->gen != gen) {
		if (!tn_sg_recheck(p, k, f, remote, ct->flags, &group)) {
			bpf_map_delete_elem(&tn_ct, k);
			return TN_DROP_SG_REVOKED;
		}
		ct->gen = gen;
		ct->group = group;
		ct->remote = remote;
	}
	if (f->proto == TN_IPPROTO_TCP && ct->tcp_state == TN_CT_TCP_CLOSED && tn_flow_tcp_opens(f))
		return tn_sg_new(p, dir, f, remote, gen, k, true, now); /* reopened */
	tn_ct_seen(ct, f, rev, now);
	return 0;
}

/*
 * Fragments. A first fragment that passed leaves an entry of kind
 * TN_CT_KIND_FRAG for the port (its datagram's addresses, protocol and
 * identification; TN_CT_LIFETIME_FRAG), and a later fragment, which
 * carries no layer 4 header, passes only while that entry lives: it
 * follows its first fragment's verdict. An ICMP error's fragments are not
 * remembered (f holds the quoted addresses then; an error never exceeds
 * the minimum MTU). Denied first fragments leave nothing, so traffic the
 * rules refuse never fills tn_ct.
 */
static __always_inline void tn_sg_frag_note(const struct tn_sg_port *p, const struct tn_flow *f,
					    struct tn_ct_key *k)
{
	struct tn_ct v = {};

	v.expires_ns = bpf_ktime_get_ns() + TN_CT_LIFETIME_FRAG * TN_NS_PER_SEC;
	tn_ct_frag_key(k, p->port_id, f);
	bpf_map_update_elem(&tn_ct, k, &v, BPF_ANY);
}

/* Whether the later fragment f of port p follows a first fragment that
 * passed (a live TN_CT_KIND_FRAG entry). */
static __always_inline bool tn_sg_frag_follows(const struct tn_sg_port *p, __u8 dir, __u32 remote,
					       const struct tn_flow *f, struct tn_ct_key *k)
{
	struct tn_ct *e;

	tn_ct_frag_key(k, p->port_id, f);
	e = bpf_map_lookup_elem(&tn_ct, k);
	if (e && e->expires_ns <= bpf_ktime_get_ns())
		e = NULL;
	tn_trace_sg(p, dir, e != NULL, remote);
	return e != NULL;
}

/*
 * The check of the frame (ethertype proto) for port p in direction dir
 * (TN_SG_INGRESS: towards the port, TN_SG_EGRESS: from it), the other end
 * having identity remote (0: none or unknown). Returns 0 when it passes,
 * else the drop reason: TN_DROP_SG_EGRESS / _INGRESS (a new flow no rule
 * allows), TN_DROP_CT_INVALID (TCP that opens nothing without an entry,
 * an ICMP error quoting no tracked flow), TN_DROP_SG_REVOKED,
 * TN_DROP_SG_FRAG (a later fragment whose first one did not pass here), or
 * the parser's (TN_DROP_MALFORMED, TN_DROP_IP6_EXT).
 */
static __always_inline __u32 tn_sg_check(struct __sk_buff *skb, __be16 proto,
					 const struct tn_sg_port *p, __u8 dir, __u32 remote)
{
	struct tn_flow f = {};
	struct tn_ct_key k;
	__u32 reason;

	reason = tn_flow_parse(skb, proto, dir, &f);
	if (reason)
		return reason;
	if (f.frag == TN_FLOW_FRAG_LATER)
		return tn_sg_frag_follows(p, dir, remote, &f, &k) ? 0 : TN_DROP_SG_FRAG;
	reason = tn_sg_judge(p, dir, remote, &f, &k);
	if (!reason && f.frag == TN_FLOW_FRAG_FIRST && f.kind != TN_FLOW_RELATED)
		tn_sg_frag_note(p, &f, &k);
	return reason;
}

#endif /* TN_BPF_SG_H */
