// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_datapath.c - the L2 overlay datapath under BPF_PROG_TEST_RUN (ctest
 * bpf.datapath). Each test loads its own skeleton in test mode, builds the
 * topology of dp_harness.h, runs crafted frames and checks the verdict, the
 * decision trace (redirect target, tunnel key) and the counters.
 *
 * Tests: local_forward, remote_tunnel_key, remote_no_config,
 * tunnel_receive, arp_reply, arp_probe_not_answered, tunnel_unknown_peer,
 * tunnel_bad_vni, tunnel_spoofed_source, tunnel_spoofed_ip,
 * tunnel_spoofed_arp, tunnel_port_security_off, spoof_mac, spoof_ip,
 * second_fixed_ip, no_ipv4_port, vlan_tag_dropped, ipv6_dropped, dhcp_allowed, flood_vif, flood_tunnel,
 * flood_pages_vif, flood_pages_tunnel, flood_pages_full, flood_no_page0, no_port, no_fdb,
 * tail_calls_filled, tail_call_miss, truncated, trace_steps, production_load.
 */
#include "dp_harness.h"
#include "slots.h"

static void test_local_forward(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, DP_IF_B);
	assert_int_equal(t.remote_ip4, 0);
	assert_int_equal(dp_stat(s, TN_STAT_RX_VIF), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).rx_packets, 1);
	assert_int_equal(dp_port_stats(s, DP_IF_B).tx_packets, 1);
}

static void test_remote_tunnel_key(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	assert_int_equal(t.vni, DP_VNI_BLUE);
	assert_int_equal(dp_stat(s, TN_STAT_TX_TUNNEL), 1);
}

static void test_remote_no_config(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_config zero = {}, cfg = {};
	__u8 pkt[64];
	__u32 len, k = 0;

	dp_topology(s);
	dp_put(s->maps.tn_config, &k, &zero);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_CONFIG);
	assert_int_equal(dp_stat(s, TN_DROP_CONFIG), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 1);
	/* a configuration written for another ABI is no configuration */
	cfg.abi_version = TN_ABI_VERSION + 1;
	cfg.tunnel_ifindex = DP_IF_TUN;
	dp_put(s->maps.tn_config, &k, &cfg);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_CONFIG), 2);
}

static void test_tunnel_receive(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(dp_stat(s, TN_STAT_RX_TUNNEL), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 1);

	/* a MAC that lives elsewhere is not sent back out */
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_c, DP_IP_C, DP_IP_C);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_NO_FDB), 1);
}

static void test_arp_reply(void **state)
{
	static const __u8 want[42] = {
		0x02, 0, 0, 0, 0, 0x0a, /* eth dst: the asker */
		0x02, 0, 0, 0, 0, 0x0b, /* eth src: the answer */
		0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2, /* ARP reply */
		0x02, 0, 0, 0, 0, 0x0b, 10, 0, 0, 2, /* sha, spa */
		0x02, 0, 0, 0, 0, 0x0a, 10, 0, 0, 1, /* tha, tpa */
	};
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[128];
	__u32 len, out_len = sizeof(out), ret = 0;
	struct tn_trace t;

	dp_topology(s);
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP_B);
	dp_trace_reset(s);
	assert_int_equal(dp_run(s->progs.tn_vif_ingress, pkt, len, 0, 0, &ret, out, &out_len), 0);
	assert_int_equal(ret, DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_A);
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 1);
}

static void test_arp_probe_not_answered(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	/* duplicate address probe for its own address: flooded, not answered */
	len = dp_build_arp(pkt, dp_mac_a, 0, DP_IP_A);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 0);
	/* unknown address: flooded */
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 77));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 2);
}

static void test_tunnel_unknown_peer(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_X, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_UNKNOWN_PEER);
	assert_int_equal(dp_stat(s, TN_DROP_UNKNOWN_PEER), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
}

static void test_tunnel_bad_vni(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_peer_add(s, DP_HOST_E, DP_VNI_RED);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	/* C may send on blue only, E on red only */
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_RED), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_BAD_VNI);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_BAD_VNI), 2);
	assert_int_equal(dp_stat(s, TN_DROP_UNKNOWN_PEER), 0);
}

static void test_tunnel_spoofed_source(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_peer_add(s, DP_HOST_E, DP_VNI_BLUE);
	/* E speaks for C's port, then for our own port A */
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_HOST);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_SRC_HOST), 2);
	/* a MAC that is no port of the network: unicast, broadcast, ARP */
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_x, DP_IP_E, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_UNKNOWN);
	len = dp_build_ip4(pkt, dp_mac_bcast, dp_mac_x, DP_IP_E, DP_IP(10, 0, 0, 255));
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	assert_int_equal(dp_trace(s).n_clone, 0);
	len = dp_build_arp(pkt, dp_mac_x, DP_IP_E, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_SRC_UNKNOWN), 3);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
	/* E's own port is delivered */
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_e, DP_IP_E, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
}

/*
 * An enrolled host sends frames from its own port C with the IPv4 source of
 * a port on another host (E), of one of ours (B), of nobody, or from
 * 0.0.0.0 that is no DHCP: all dropped and counted, nothing delivered. C's
 * own addresses, both of them, and DHCP are delivered.
 */
static void test_tunnel_spoofed_ip(void **state)
{
	const __be32 bad[] = { DP_IP_E, DP_IP_B, DP_IP(10, 0, 0, 77) };
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len, i;

	dp_topology(s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, bad[i], DP_IP_A);
		assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
		assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_IP);
	}
	len = dp_build_dhcp_ports(pkt, dp_mac_a, dp_mac_c, 0, DP_IP_A); /* 0.0.0.0, unicast */
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_SRC_IP), 4);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
	assert_int_equal(dp_port_stats(s, DP_IF_A).tx_packets, 0);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C2, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_A);
	len = dp_build_dhcp_ports(pkt, dp_mac_bcast, dp_mac_c, 0, DP_IP(255, 255, 255, 255));
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 2);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_SRC_IP), 4);
}

/*
 * A broadcast ARP from C's port claiming E's address (on another host) or
 * ours, or naming another sender MAC, never reaches a VM; C's own
 * addresses and a probe are flooded as usual.
 */
static void test_tunnel_spoofed_arp(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_E, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_ARP);
	assert_int_equal(dp_trace(s).n_clone, 0);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_ARP);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C, DP_IP_A);
	memcpy(pkt + 22, dp_mac_e, 6); /* sender MAC: not the frame's source */
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_ARP), 3);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C2, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	len = dp_build_arp(pkt, dp_mac_c, 0, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 2);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_ARP), 3);
}

/*
 * A remote port without port security may send any IP source from its
 * host but another host's port's address (as a VM may without port
 * security); with port security an IPv6 source not its own (here ::) is
 * dropped there (its host's port security would have dropped it), VLAN
 * tags are malformed.
 */
static void test_tunnel_port_security_off(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip6(pkt, dp_mac_a, dp_mac_c);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_IPV6);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	pkt[12] = 0x81; /* an 802.1Q tag would hide the inner source */
	pkt[13] = 0x00;
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_VLAN);
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_c, DP_PORT_C, 0, DP_HOST_C, DP_IP_C, TN_FDB_F_REMOTE);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP(192, 168, 9, 9), DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C2, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	len = dp_build_ip6(pkt, dp_mac_a, dp_mac_c);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 3);
	/* but not the address of a port on E, or on this host */
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_E, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_IP);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_B, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TUN_SRC_IP), 2);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_E, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_ARP);
	assert_int_equal(dp_trace(s).n_clone, 0);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP(192, 168, 9, 9), DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 3);
	/* still only from its own host */
	dp_peer_add(s, DP_HOST_E, DP_VNI_BLUE);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_HOST);
}

static void test_spoof_mac(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_x, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_MAC);
	len = dp_build_arp(pkt, dp_mac_x, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_MAC), 2);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 2);
	/* without port security the same frame is forwarded */
	dp_port_add(s, DP_IF_A, 11, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_x, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
}

static void test_spoof_ip(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_C, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP);
	/* ARP claiming another address */
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_C, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP), 1);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_ARP), 1);
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 0);
}

/*
 * Every fixed IPv4 counts: A's second address is a valid source and ARP
 * sender, and B's second address is answered by the ARP responder.
 */
static void test_second_fixed_ip(void **state)
{
	const __be32 ip_a2 = DP_IP(10, 0, 0, 11), ip_b2 = DP_IP(10, 0, 0, 12);
	static const __u8 want_sha[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	struct tenet_bpf *s = *state;
	__u8 pkt[64], out[128];
	__u32 len, out_len = sizeof(out), ret = 0;

	dp_topology(s);
	dp_arp_add(s, DP_VNI_BLUE, ip_a2, dp_mac_a, DP_PORT_A, 0);
	dp_arp_add(s, DP_VNI_BLUE, ip_b2, dp_mac_b, DP_PORT_B, 0);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, ip_a2, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
	len = dp_build_arp(pkt, dp_mac_a, ip_a2, ip_b2);
	dp_trace_reset(s);
	assert_int_equal(dp_run(s->progs.tn_vif_ingress, pkt, len, 0, 0, &ret, out, &out_len), 0);
	assert_int_equal(ret, DP_TC_ACT_REDIRECT);
	assert_int_equal(out_len, 42);
	assert_int_equal(out[21], 2); /* ARP reply */
	assert_memory_equal(out + 22, want_sha, 6);
	assert_memory_equal(out + 28, &ip_b2, 4);
	assert_memory_equal(out + 38, &ip_a2, 4);
	assert_int_equal(dp_stat(s, TN_STAT_ARP_REPLY), 1);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_MAC), 0);
	/* B's second address is B's, not A's */
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, ip_b2, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP);
}

/*
 * A port with port security and no IPv4 address sends no IPv4 but a DHCP
 * client's (0.0.0.0:68 -> 255.255.255.255:67), and ARP only as a probe.
 */
static void test_no_ipv4_port(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, 0, TN_LPORT_F_PORT_SECURITY);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP(10, 0, 0, 50), DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_B, DP_IP_B); /* another port's */
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	len = dp_build_arp(pkt, dp_mac_a, DP_IP(10, 0, 0, 50), DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP), 2);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_ARP), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
	/* a DHCP client's request goes to the DHCP server (no row here) */
	len = dp_build_dhcp_ports(pkt, dp_mac_bcast, dp_mac_a, 0, DP_IP(255, 255, 255, 255));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_DHCP_NO_LEASE);
	len = dp_build_arp(pkt, dp_mac_a, 0, DP_IP_B); /* probe: answered */
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP) + dp_stat(s, TN_DROP_SPOOF_ARP), 3);
}

static void test_vlan_tag_dropped(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_C, DP_IP_B);
	pkt[12] = 0x81; /* an 802.1Q tag would hide the spoofed source */
	pkt[13] = 0x00;
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_VLAN);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
}

/* IPv6 from :: that is neither DAD, RS nor MLD: dropped from a port with
 * port security (spoof_ip6), forwarded without it. */
static void test_ipv6_dropped(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip6(pkt, dp_mac_b, dp_mac_a);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP6);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP6), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
	dp_port_add(s, DP_IF_A, 11, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
}

static void test_dhcp_allowed(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	/* from 0.0.0.0 it passes port security; the DHCP server (nf/dhcp.h,
	 * bpf.dhcp) drops it since the port has no DHCP answer here: never
	 * flooded */
	len = dp_build_dhcp_ports(pkt, dp_mac_bcast, dp_mac_a, 0, DP_IP(255, 255, 255, 255));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_DHCP_NO_LEASE);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP), 0);
	/* 0.0.0.0 is for a DHCP client only: not unicast, not to another port */
	len = dp_build_dhcp_ports(pkt, dp_mac_b, dp_mac_a, 0, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_IP);
	len = dp_build_dhcp_ports(pkt, dp_mac_bcast, dp_mac_a, 0, DP_IP(255, 255, 255, 255));
	pkt[37] = 53; /* to port 53, not 67 */
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP), 2);
	len = dp_build_dhcp_ports(pkt, dp_mac_bcast, dp_mac_a, 0, DP_IP(255, 255, 255, 255));
	pkt[20] = 0x20; /* more fragments: the next one has no UDP header */
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_SPOOF_IP), 3);
}

static void test_flood_vif(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_FLOOD);
	/* not back to A, not to the unresolved slot, not to ourselves */
	assert_int_equal(t.n_clone, 4);
	assert_int_equal(t.clone[0].ifindex, DP_IF_B);
	assert_int_equal(t.clone[0].remote_ip4, 0);
	assert_int_equal(t.clone[1].ifindex, DP_IF_D);
	assert_int_equal(t.clone[2].ifindex, DP_IF_TUN);
	assert_int_equal(t.clone[2].remote_ip4, DP_HOST_C);
	assert_int_equal(t.clone[3].ifindex, DP_IF_TUN);
	assert_int_equal(t.clone[3].remote_ip4, DP_HOST_E);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_B).tx_packets, 1);
	/* unknown unicast floods too */
	len = dp_build_ip4(pkt, dp_mac_x, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 9));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).n_clone, 4);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 2);
}

static void test_flood_tunnel(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_FLOOD);
	/* every local port, no copy back into the overlay */
	assert_int_equal(t.n_clone, 3);
	assert_int_equal(t.clone[0].ifindex, DP_IF_A);
	assert_int_equal(t.clone[1].ifindex, DP_IF_B);
	assert_int_equal(t.clone[2].ifindex, DP_IF_D);
	assert_int_equal(t.clone[2].remote_ip4, 0);
}

/* Two pages from a port: the local copies of every page, then the remote
 * ones; a page past a gap is not reached. */
static void test_flood_pages_vif(void **state)
{
	struct tenet_bpf *s = *state;
	const __u32 gap_if[] = { 42 };
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_flood_blue_page1(s);
	dp_flood_page(s, DP_VNI_BLUE, 3, 1, gap_if, 0, NULL);
	len = dp_build_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_FLOOD);
	assert_int_equal(t.n_clone, 6);
	assert_int_equal(t.clone[0].ifindex, DP_IF_B);
	assert_int_equal(t.clone[1].ifindex, DP_IF_D);
	assert_int_equal(t.clone[2].ifindex, DP_IF_F); /* not A: the ingress */
	assert_int_equal(t.clone[2].remote_ip4, 0);
	assert_int_equal(t.clone[3].remote_ip4, DP_HOST_C);
	assert_int_equal(t.clone[4].remote_ip4, DP_HOST_E);
	assert_int_equal(t.clone[5].ifindex, DP_IF_TUN);
	assert_int_equal(t.clone[5].remote_ip4, DP_HOST_G);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_F).tx_packets, 1);
	assert_int_equal(dp_port_stats(s, 42).tx_packets, 0);
}

/* Two pages from the tunnel: every local port of both, no remote copy. */
static void test_flood_pages_tunnel(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_flood_blue_page1(s);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_FLOOD);
	assert_int_equal(t.n_clone, 5);
	assert_int_equal(t.clone[0].ifindex, DP_IF_A);
	assert_int_equal(t.clone[1].ifindex, DP_IF_B);
	assert_int_equal(t.clone[2].ifindex, DP_IF_D);
	assert_int_equal(t.clone[3].ifindex, DP_IF_A);
	assert_int_equal(t.clone[4].ifindex, DP_IF_F);
	assert_int_equal(t.clone[4].remote_ip4, 0);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 1);
}

/* A full page of hosts and one more on the next: 33 tunnel copies. */
static void test_flood_pages_full(void **state)
{
	struct tenet_bpf *s = *state;
	__be32 hosts[TN_MAX_FLOOD_REMOTE + 1];
	const __u32 none[] = { 0 };
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_config_set(s);
	dp_port_add(s, DP_IF_A, 11, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	for (__u32 i = 0; i <= TN_MAX_FLOOD_REMOTE; i++)
		hosts[i] = DP_IP(198, 19, 0, i + 1);
	dp_flood_page(s, DP_VNI_BLUE, 0, 0, none, TN_MAX_FLOOD_REMOTE, hosts);
	dp_flood_page(s, DP_VNI_BLUE, 1, 0, none, 1, &hosts[TN_MAX_FLOOD_REMOTE]);
	len = dp_build_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_FLOOD);
	assert_int_equal(t.n_clone, TN_MAX_FLOOD_REMOTE + 1);
	for (__u32 i = 0; i <= TN_MAX_FLOOD_REMOTE; i++)
		assert_int_equal(t.clone[i].remote_ip4, hosts[i]);
}

/* Pages are dense from 0: without page 0 nothing floods, page 1 or not. */
static void test_flood_no_page0(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_flood_key fk = { .vni = DP_VNI_BLUE, .page = 0 };
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_flood_blue_page1(s);
	assert_int_equal(bpf_map__delete_elem(s->maps.tn_flood, &fk, sizeof(fk), 0), 0);
	len = dp_build_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP(10, 0, 0, 255));
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_DROP);
	assert_int_equal(dp_trace(s).stat, TN_DROP_NO_FDB);
	assert_int_equal(dp_trace(s).n_clone, 0);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).n_clone, 0);
	assert_int_equal(dp_stat(s, TN_DROP_NO_FDB), 2);
	assert_int_equal(dp_stat(s, TN_STAT_FLOOD), 0);
	assert_int_equal(dp_port_stats(s, DP_IF_F).tx_packets, 0);
}

static void test_no_port(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_config_set(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_NO_PORT);
	assert_int_equal(dp_stat(s, TN_DROP_NO_PORT), 1);
}

static void test_no_fdb(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_flood_key fk = { .vni = DP_VNI_BLUE };
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	/* local MAC whose interface the agent has not resolved yet */
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_b, DP_PORT_B, 0, 0, DP_IP_B, TN_FDB_F_LOCAL);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_NO_FDB);
	/* unknown unicast in a network without a flood list */
	assert_int_equal(bpf_map__delete_elem(s->maps.tn_flood, &fk, sizeof(fk), 0), 0);
	len = dp_build_ip4(pkt, dp_mac_x, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_NO_FDB), 2);
}

/* Every slot of both program arrays holds its stage: no number is left
 * empty (bpf/lib/slots.h), so a tail call never misses by omission. */
static void test_tail_calls_filled(void **state)
{
	struct tenet_bpf *s = *state;
	__u32 slot, id;

	assert_int_equal(bpf_map__max_entries(s->maps.tn_vif_calls), TN_VIF_SLOT_MAX);
	assert_int_equal(bpf_map__max_entries(s->maps.tn_tun_calls), TN_TUN_SLOT_MAX);
	for (slot = 0; slot < TN_VIF_SLOT_MAX; slot++)
		assert_int_equal(bpf_map__lookup_elem(s->maps.tn_vif_calls, &slot, sizeof(slot),
						      &id, sizeof(id), 0),
				 0);
	for (slot = 0; slot < TN_TUN_SLOT_MAX; slot++)
		assert_int_equal(bpf_map__lookup_elem(s->maps.tn_tun_calls, &slot, sizeof(slot),
						      &id, sizeof(id), 0),
				 0);
}

/* An empty slot is a counted drop, never a pass. */
static void test_tail_call_miss(void **state)
{
	struct tenet_bpf *s = *state;
	__u32 slot = 2; /* TN_VIF_SLOT_L2 (bpf/lib/slots.h) */
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	assert_int_equal(bpf_map__delete_elem(s->maps.tn_vif_calls, &slot, sizeof(slot), 0), 0);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TAIL_CALL);
	assert_int_equal(dp_stat(s, TN_DROP_TAIL_CALL), 1);
	assert_int_equal(dp_port_stats(s, DP_IF_A).drops, 1);
	slot = 0; /* TN_TUN_SLOT_DELIVER */
	assert_int_equal(bpf_map__delete_elem(s->maps.tn_tun_calls, &slot, sizeof(slot), 0), 0);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_TAIL_CALL), 2);
}

/* Sum of every counter that ends a packet: drops, floods, transmissions. */
static __u64 verdict_total(struct tenet_bpf *s)
{
	__u64 sum = 0;
	__u32 i;

	for (i = TN_STAT_TX_LOCAL; i < TN_STAT_MAX; i++)
		sum += dp_stat(s, i);
	return sum;
}

/*
 * Every prefix of pkt: those test_run refuses (dp_run_refuses) must fail
 * with EINVAL; otherwise a counted drop or a legitimate redirect, never a pass.
 */
static void truncate_all(struct tenet_bpf *s, struct bpf_program *prog, const __u8 *pkt,
			 __u32 full, __u32 cb0, __u32 cb1)
{
	__u32 len, ret;
	__u64 before;
	struct tn_trace t;
	int err;

	for (len = 0; len <= full; len++) {
		dp_trace_reset(s);
		before = verdict_total(s);
		ret = ~0u;
		err = dp_run(prog, pkt, len, cb0, cb1, &ret, NULL, NULL);
		if (dp_run_refuses(pkt, len)) {
			assert_int_equal(err, -EINVAL);
			continue;
		}
		assert_int_equal(err, 0);
		t = dp_trace(s);
		assert_int_not_equal(t.verdict, TN_TRACE_NONE);
		assert_int_equal(verdict_total(s), before + 1);
		if (ret == DP_TC_ACT_SHOT)
			assert_true(t.verdict == TN_TRACE_DROP || t.verdict == TN_TRACE_FLOOD);
		else
			assert_int_equal(ret, DP_TC_ACT_REDIRECT);
	}
}

static void test_truncated(void **state)
{
	struct tenet_bpf *s = *state;
	struct bpf_program *vif = s->progs.tn_vif_ingress, *tun = s->progs.tn_tunnel_ingress;
	__u8 pkt[64];
	__u32 len, c = ntohl(DP_HOST_C);

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	truncate_all(s, vif, pkt, len, 0, 0);
	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	truncate_all(s, vif, pkt, len, 0, 0);
	len = dp_build_ip4(pkt, dp_mac_bcast, dp_mac_a, DP_IP_A, DP_IP_B);
	truncate_all(s, vif, pkt, len, 0, 0);
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP_B);
	truncate_all(s, vif, pkt, len, 0, 0);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	truncate_all(s, tun, pkt, len, c, DP_VNI_BLUE);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C, DP_IP_A);
	truncate_all(s, tun, pkt, len, c, DP_VNI_BLUE);
	/* truncated ARP and IPv4 headers are malformed, not forwarded */
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len - 1), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_MALFORMED);
	/* (IPv4 frames shorter than 34 bytes never reach a program via test_run) */
	/* from a remote port without port security (its own source checks) */
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_c, DP_PORT_C, 0, DP_HOST_C, DP_IP_C, TN_FDB_F_REMOTE);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C2, DP_IP_A);
	truncate_all(s, tun, pkt, len, c, DP_VNI_BLUE);
	len = dp_build_arp(pkt, dp_mac_c, DP_IP_C2, DP_IP_A);
	truncate_all(s, tun, pkt, len, c, DP_VNI_BLUE);
	/* the same without port security: the ARP stage still refuses */
	dp_port_add(s, DP_IF_A, 11, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP_B);
	truncate_all(s, vif, pkt, len, 0, 0);
	assert_int_equal(dp_vif(s, pkt, 30), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_MALFORMED);
}

/* Checks step i of t: stage, entry kind, found, verdict and counter. */
static void step_check(const struct tn_trace *t, __u32 i, __u32 stage, __u32 key, __u32 found,
		       __u32 verdict, __u32 stat)
{
	assert_true(i < t->n_step);
	assert_int_equal(t->step[i].stage, stage);
	assert_int_equal(t->step[i].key, key);
	assert_int_equal(t->step[i].found, found);
	assert_int_equal(t->step[i].verdict, verdict);
	assert_int_equal(t->step[i].stat, stat);
}

/*
 * Every stage a packet passes appends a step with the entry it used: a
 * local delivery (port, port security, FDB -> local port), a remote one
 * (FDB -> host), a port security drop (the port's MAC to compare with), an
 * ARP reply and a tunnel delivery (peer, source, destination).
 */
static void test_trace_steps(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.n_step, 3);
	step_check(&t, 0, TN_STAGE_VIF, TN_TKEY_IFINDEX, 1, TN_TRACE_NONE, 0);
	assert_int_equal(t.step[0].ifindex, DP_IF_A);
	assert_int_equal(t.step[0].slot, DP_SLOT(DP_IF_A));
	assert_memory_equal(t.step[0].mac, dp_mac_a, 6);
	step_check(&t, 1, TN_STAGE_PORT_SEC, TN_TKEY_PORT, 1, TN_TRACE_NONE, 0);
	step_check(&t, 2, TN_STAGE_L2, TN_TKEY_FDB, 1, TN_TRACE_REDIRECT_PEER, TN_STAT_TX_LOCAL);
	assert_int_equal(t.step[2].vni, DP_VNI_BLUE);
	assert_memory_equal(t.step[2].mac, dp_mac_b, 6);
	assert_int_equal(t.step[2].ifindex, DP_IF_B);
	assert_int_equal(t.step[2].slot, DP_SLOT(DP_IF_B));

	len = dp_build_ip4(pkt, dp_mac_c, dp_mac_a, DP_IP_A, DP_IP_C);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.n_step, 3);
	step_check(&t, 2, TN_STAGE_L2, TN_TKEY_FDB, 1, TN_TRACE_REDIRECT, TN_STAT_TX_TUNNEL);
	assert_int_equal(t.step[2].ip4, DP_HOST_C);
	assert_int_equal(t.step[2].flags & TN_FDB_F_REMOTE, TN_FDB_F_REMOTE);

	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_x, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.n_step, 2);
	step_check(&t, 1, TN_STAGE_PORT_SEC, TN_TKEY_PORT, 1, TN_TRACE_DROP, TN_DROP_SPOOF_MAC);
	assert_memory_equal(t.step[1].mac, dp_mac_a, 6);
	assert_int_equal(t.step[1].ip4, DP_IP_A);

	len = dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif(s, pkt, len), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.n_step, 3);
	step_check(&t, 2, TN_STAGE_ARP, TN_TKEY_ARP, 1, TN_TRACE_REDIRECT, TN_STAT_ARP_REPLY);
	assert_int_equal(t.step[2].ip4, DP_IP_B);
	assert_memory_equal(t.step[2].mac, dp_mac_b, 6);

	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.n_step, 3);
	step_check(&t, 0, TN_STAGE_TUNNEL, TN_TKEY_PEER, 1, TN_TRACE_NONE, 0);
	assert_int_equal(t.step[0].ip4, DP_HOST_C);
	step_check(&t, 1, TN_STAGE_TUN_SRC, TN_TKEY_FDB, 1, TN_TRACE_NONE, 0);
	step_check(&t, 2, TN_STAGE_TUN_DELIVER, TN_TKEY_FDB, 1, TN_TRACE_REDIRECT_PEER,
		   TN_STAT_TX_LOCAL);
	assert_int_equal(t.step[2].ifindex, DP_IF_A);

	/* an unknown peer stops at the first step */
	assert_int_equal(dp_tun_run(s, pkt, len, DP_IP(198, 18, 0, 99), DP_VNI_BLUE),
			 DP_TC_ACT_SHOT);
	t = dp_trace(s);
	assert_int_equal(t.n_step, 1);
	step_check(&t, 0, TN_STAGE_TUNNEL, TN_TKEY_PEER, 0, TN_TRACE_DROP, TN_DROP_UNKNOWN_PEER);
}

/*
 * Instructions of prog after the verifier (xlated) and the instructions the
 * verifier processed, for the report. Both come from bpf_prog_info, never
 * from the verifier's log: its size differs between kernel builds, and a log
 * buffer that is too small fails the load with -ENOSPC.
 */
static void prog_insns(struct bpf_program *prog, __u32 *xlated, __u32 *verified)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	assert_int_equal(bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len), 0);
	*xlated = info.xlated_prog_len / 8;
	*verified = info.verified_insns;
}

/*
 * The production object (test mode off) passes the verifier; the tunnel
 * ingress then reads the real tunnel key, which a test_run skb lacks.
 */
static void test_production_load(void **state)
{
	struct tenet_bpf *s = tenet_bpf__open();
	struct bpf_program *prog;
	struct bpf_map *map;
	__u32 xlated, verified;
	__u8 pkt[64];
	__u32 len, ret = 0;

	(void)state;
	assert_non_null(s);
	bpf_object__for_each_map(map, s->obj)
		assert_int_equal(bpf_map__set_pin_path(map, NULL), 0);
	assert_int_equal(tenet_bpf__load(s), 0);
	bpf_object__for_each_program(prog, s->obj)
	{
		prog_insns(prog, &xlated, &verified);
		print_message("prog %s xlated_insns=%u verified_insns=%u\n",
			      bpf_program__name(prog), xlated, verified);
	}
	dp_topology(s);
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_c, DP_IP_C, DP_IP_A);
	assert_int_equal(dp_run(s->progs.tn_tunnel_ingress, pkt, len, 0, 0, &ret, NULL, NULL), 0);
	assert_int_equal(ret, DP_TC_ACT_SHOT);
	assert_int_equal(dp_stat(s, TN_DROP_NO_TUNNEL_KEY), 1);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_run(s->progs.tn_vif_ingress, pkt, len, 0, 0, &ret, NULL, NULL), 0);
	assert_int_equal(ret, DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 1);
	tenet_bpf__destroy(s);
}

#define DP_TEST(f) cmocka_unit_test_setup_teardown(f, dp_setup, dp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DP_TEST(test_local_forward),
		DP_TEST(test_remote_tunnel_key),
		DP_TEST(test_remote_no_config),
		DP_TEST(test_tunnel_receive),
		DP_TEST(test_arp_reply),
		DP_TEST(test_arp_probe_not_answered),
		DP_TEST(test_tunnel_unknown_peer),
		DP_TEST(test_tunnel_bad_vni),
		DP_TEST(test_tunnel_spoofed_source),
		DP_TEST(test_tunnel_spoofed_ip),
		DP_TEST(test_tunnel_spoofed_arp),
		DP_TEST(test_tunnel_port_security_off),
		DP_TEST(test_spoof_mac),
		DP_TEST(test_spoof_ip),
		DP_TEST(test_second_fixed_ip),
		DP_TEST(test_no_ipv4_port),
		DP_TEST(test_vlan_tag_dropped),
		DP_TEST(test_ipv6_dropped),
		DP_TEST(test_dhcp_allowed),
		DP_TEST(test_flood_vif),
		DP_TEST(test_flood_tunnel),
		DP_TEST(test_flood_pages_vif),
		DP_TEST(test_flood_pages_tunnel),
		DP_TEST(test_flood_pages_full),
		DP_TEST(test_flood_no_page0),
		DP_TEST(test_no_port),
		DP_TEST(test_no_fdb),
		DP_TEST(test_tail_calls_filled),
		DP_TEST(test_tail_call_miss),
		DP_TEST(test_truncated),
		DP_TEST(test_trace_steps),
		cmocka_unit_test(test_production_load),
	};

	return cmocka_run_group_tests_name("bpf.datapath", tests, NULL, NULL);
}
