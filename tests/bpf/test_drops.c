/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_drops.c - every drop cause of port security has its own reason
 * (IPv6 and ND spoofing, RA guard, VLAN, IPv4 and ARP spoofing apart from a
 * wrong MAC), and each
 * drop is counted against the port by reason in tn_port_drops.
 */
#include "dp_harness.h"

#include "reasons.h"

/* Sum over CPUs of port ifindex's drops for reason (0 when no row). */
static __u64 port_drops(struct tenet_bpf *s, __u32 ifindex, __u32 reason)
{
	struct tn_port_drop_key k = {.slot = DP_SLOT(ifindex), .reason = reason};
	int i, n = libbpf_num_possible_cpus();
	__u64 *v, sum = 0;

	assert_true(n > 0);
	v = calloc(n, sizeof(*v));
	assert_non_null(v);
	if (!bpf_map__lookup_elem(s->maps.tn_port_drops, &k, sizeof(k), v, n * sizeof(*v), 0)) {
		for (i = 0; i < n; i++)
			sum += v[i];
	}
	free(v);
	return sum;
}

/* An ICMPv6 ND frame of the given type (Ethernet + IPv6 + 8 bytes). */
static __u32 build_nd(__u8 *p, const __u8 *src, __u8 type)
{
	__u32 len = dp_build_ip6(p, dp_mac_bcast, src);

	p[18] = 0;
	p[19] = 8;  /* payload length */
	p[20] = 58; /* ICMPv6 */
	memset(p + len, 0, 8);
	p[len] = type;
	return len + 8;
}

/* IPv6 from a port with port security from an address not its own (here
 * ::, which only DAD, RS and MLD may use) is "spoof_ip6", not a wrong MAC. */
static void test_ipv6_own_reason(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip6(pkt, dp_mac_b, dp_mac_a);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP6);
	assert_string_equal(reasons_name(dp_trace(s).stat), "spoof_ip6");
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_MAC), 0);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_SPOOF_IP6), 1);
	/* ICMPv6 that is not ND (echo request, 128) from :: too */
	len = build_nd(pkt, dp_mac_a, 128);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP6);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_SPOOF_IP6), 2);
}

/* Router advertisements and redirects are "ra_guard"; a router
 * solicitation from :: without options passes. */
static void test_nd_own_reason(void **state)
{
	static const __u8 types[] = {134, 137};
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len, i;

	dp_topology(s);
	for (i = 0; i < sizeof(types); i++) {
		len = build_nd(pkt, dp_mac_a, types[i]);
		assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
		assert_int_equal(dp_trace(s).stat, TN_DROP_RA_GUARD);
	}
	assert_int_equal(dp_stat(s, TN_DROP_RA_GUARD), 2);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_RA_GUARD), 2);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP6), 0);
	len = build_nd(pkt, dp_mac_a, 133);
	pkt[21] = 255; /* a valid solicitation (RFC 4861 6.1.1), not "rs_bad" */
	dp_vif(s, pkt, len);
	assert_int_not_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	/* truncated before the ICMPv6 type: malformed, never read past the end */
	len = build_nd(pkt, dp_mac_a, 134);
	assert_int_equal(dp_vif(s, pkt, len - 8), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_MALFORMED);
	/* without port security an RA is forwarded like any frame */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	dp_vif(s, pkt, len);
	assert_int_not_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	assert_int_equal(dp_stat(s, TN_DROP_RA_GUARD), 2);
}

/* Each cause is counted against the port under its own reason, and the
 * port's total drops are their sum. */
static void test_port_drops_by_reason(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[128];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_x, DP_IP_A, DP_IP_B); /* wrong MAC */
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_C, DP_IP_B); /* wrong IPv4 */
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP);
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_C, DP_IP_B); /* wrong ARP sender */
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_ARP);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	pkt[12] = 0x88; /* 802.1ad */
	pkt[13] = 0xa8;
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_VLAN);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_SPOOF_MAC), 2);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_SPOOF_IP), 1);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_SPOOF_ARP), 1);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_VLAN), 1);
	assert_int_equal(port_drops(s, DP_IF_A, TN_DROP_SPOOF_IP6), 0);
	assert_int_equal(port_drops(s, DP_IF_B, TN_DROP_SPOOF_MAC), 0);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 5);
	/* a forwarded frame adds nothing */
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 5);
}

#define DP_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DP_TEST(test_ipv6_own_reason),
	    DP_TEST(test_nd_own_reason),
	    DP_TEST(test_port_drops_by_reason),
	};

	return cmocka_run_group_tests_name("bpf.drops", tests, NULL, NULL);
}
