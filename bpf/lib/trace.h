/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace.h - the test-mode decision trace, shared by the BPF programs and
 * tests/bpf. Includes no kernel headers (user space includes
 * <linux/types.h> first, BPF includes vmlinux.h first).
 *
 * BPF_PROG_TEST_RUN cannot show where a redirect would have gone, so with
 * the rodata knob tn_test_mode set the datapath records its last decision in
 * the array map tn_trace (one struct tn_trace at key 0) and, instead of
 * calling bpf_clone_redirect, records each copy it would have made. The
 * tunnel ingress then also takes its input from skb->cb instead of
 * bpf_skb_get_tunnel_key. With tn_test_mode 0 (production) all of this is
 * constant-folded away at load time.
 */
#ifndef TN_TRACE_H
#define TN_TRACE_H

/* Test-mode inputs of tn_tunnel_ingress, in skb->cb (__sk_buff.cb[]). */
#define TN_CB_TEST_REMOTE 0 /* outer source IPv4, host byte order */
#define TN_CB_TEST_VNI 1 /* VXLAN network identifier */

#define TN_TRACE_MAX_CLONE 64 /* flood copies recorded; later ones are not */

enum tn_trace_verdict {
	TN_TRACE_NONE = 0, /* no decision recorded */
	TN_TRACE_DROP, /* TC_ACT_SHOT, stat says why */
	TN_TRACE_REDIRECT, /* bpf_redirect(ifindex, 0): egress of ifindex */
	TN_TRACE_REDIRECT_PEER, /* bpf_redirect_peer(ifindex, 0) */
	TN_TRACE_FLOOD, /* copies in clone[], original shot */
};

/* One copy made by head-end replication. */
struct tn_trace_clone {
	__u32 ifindex; /* egress device of the copy */
	__be32 remote_ip4; /* tunnel key remote (network order), 0 if local */
};

struct tn_trace {
	__u32 verdict; /* enum tn_trace_verdict */
	__u32 stat; /* enum tn_stat counted for the decision */
	__u32 ifindex; /* redirect target */
	__be32 remote_ip4; /* tunnel key remote, network order; 0 if none */
	__u32 vni; /* tunnel key id / network of the decision */
	__u32 n_clone; /* valid entries in clone[] */
	struct tn_trace_clone clone[TN_TRACE_MAX_CLONE]; /* flood copies */
};

_Static_assert(sizeof(struct tn_trace) == 24 + 8 * TN_TRACE_MAX_CLONE, "trace");

#endif /* TN_TRACE_H */
