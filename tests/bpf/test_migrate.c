// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_migrate.c - live migration of a port in the datapath (nf/migrate.h,
 * nf/tun_migrate.h, lib/migration.h) under BPF_PROG_TEST_RUN (ctest
 * bpf.migrate), on the topology of dp_harness.h. The agent's derived marks
 * (TN_LPORT_F_MIGRATING, TN_FDB_F_MIGRATING) are set by hand here.
 *
 * The destination's view: port B in standby (source host C): a local
 * sender's frame goes to host C (tunnel key, and the encap bytes on back
 * end (b)), a frame from the tunnel is dropped (mig_standby) and never
 * sent back; port A's first frame (a gratuitous ARP, a RARP, data) that
 * passes port security activates it (tn_mig_active, one ring event), a
 * spoofed one does not; once active B gets its frames here; a second
 * migration (generation + 1) needs a new activation; frames host C relays
 * from a third host are accepted for the standby port only. The source's
 * view: port B with a source row (destination host E): a copy to host E
 * and the frame into B, from a local sender and from the tunnel; nothing
 * goes back to host E; without B's interface the frame itself goes to E,
 * and one from E is dropped (mig_loop).
 */
#include "dp_harness.h"

#define MG_IF_UL 12 /* the underlay interface (back end (b)) */

/* tn_migrate[port] = {gen, flags, peer}. */
static void mg_row(struct tenet_bpf *s, __u32 port, __u32 gen, __u32 flags, __be32 peer)
{
	struct tn_migrate_key k = {.port_id = port};
	struct tn_migrate v = {.generation = gen, .flags = flags, .peer_ip4 = peer};

	dp_put(s->maps.tn_migrate, &k, &v);
}

/* The generation tn_mig_active holds for port, 0 if none. */
static __u32 mg_active(struct tenet_bpf *s, __u32 port)
{
	struct tn_mig_active_key k = {.port_id = port};
	struct tn_mig_active v;

	if (bpf_map__lookup_elem(s->maps.tn_mig_active, &k, sizeof(k), &v, sizeof(v), 0))
		return 0;
	assert_true(v.activated_ns > 0);
	return v.generation;
}

static void mg_set_active(struct tenet_bpf *s, __u32 port, __u32 gen)
{
	struct tn_mig_active_key k = {.port_id = port};
	struct tn_mig_active v = {.generation = gen, .activated_ns = 1};

	dp_put(s->maps.tn_mig_active, &k, &v);
}

/* Port B migrates here (its local FDB row marked), at ifindex ifindex (0:
 * its interface is not here). */
static void mg_mark_b(struct tenet_bpf *s, __u32 ifindex)
{
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_b, DP_PORT_B, ifindex, 0, DP_IP_B,
		   TN_FDB_F_LOCAL | TN_FDB_F_MIGRATING);
}

/* Port A migrates here (its tn_ifindex entry marked); flags adds to it. */
static void mg_mark_a(struct tenet_bpf *s, __u16 flags)
{
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A,
		    TN_LPORT_F_MIGRATING | flags);
}

/* Activation events read from the ring. */
struct mg_sink {
	struct tn_mig_event ev[16]; /* copies */
	unsigned n;		    /* activation events */
	unsigned other;		    /* records of another size */
};

static int mg_on_event(void *ctx, void *data, size_t size)
{
	struct mg_sink *k = ctx;

	if (size != sizeof(struct tn_mig_event)) {
		k->other++;
		return 0;
	}
	if (k->n < 16)
		memcpy(&k->ev[k->n], data, sizeof(k->ev[0]));
	k->n++;
	return 0;
}

static void mg_read(struct tenet_bpf *s, struct mg_sink *k)
{
	struct ring_buffer *rb;

	memset(k, 0, sizeof(*k));
	rb = ring_buffer__new(bpf_map__fd(s->maps.tn_events), mg_on_event, k, NULL);
	assert_non_null(rb);
	assert_true(ring_buffer__consume(rb) >= 0);
	ring_buffer__free(rb);
}

/* A gratuitous ARP from A (sender = target = A's address). */
static __u32 mg_garp(__u8 *pkt)
{
	return dp_build_arp(pkt, dp_mac_a, DP_IP_A, DP_IP_A);
}

/* A RARP request from A, as QEMU sends after a migration. */
static __u32 mg_rarp(__u8 *pkt)
{
	__u32 len = dp_build_arp(pkt, dp_mac_a, 0, 0);

	pkt[12] = 0x80;
	pkt[13] = 0x35;
	pkt[21] = 3; /* reverse request */
	memcpy(pkt + 32, dp_mac_a, 6);
	return len;
}

/* Standby, not active: a local sender's frame to B goes to the source host
 * (back end (a): tunnel key and the vxlan device), never into B. */
static void test_standby_to_source(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;
	struct tn_trace t;

	dp_topology(s);
	mg_mark_b(s, DP_IF_B);
	mg_row(s, DP_PORT_B, 1, TN_MIG_F_STANDBY, DP_HOST_C);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_C);
	assert_int_equal(t.vni, DP_VNI_BLUE);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_TO_SOURCE), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_TUNNEL), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_LOCAL), 0);
	/* by Geneve when the row says so, on back end (a) still VXLAN */
	mg_row(s, DP_PORT_B, 1, TN_MIG_F_STANDBY | TN_MIG_F_GENEVE, DP_HOST_C);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).remote_ip4, DP_HOST_C);
	/* not marked (the agent has not seen the row): delivered here as before */
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_b, DP_PORT_B, DP_IF_B, 0, DP_IP_B, TN_FDB_F_LOCAL);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
}

/* The same on back end (b): VXLAN pushed in BPF to host C, the inner frame
 * untouched; the interface may be absent (the VM not here yet). */
static void test_standby_to_source_encap(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_config c = {.abi_version = TN_ABI_VERSION,
			      .tunnel_ifindex = DP_IF_TUN,
			      .local_ip4 = DP_HOST_LOCAL,
			      .flags = TN_CONFIG_F_ENCAP_BPF,
			      .underlay_ifindex = MG_IF_UL};
	__u8 pkt[64], out[256], inner[64];
	__u32 len, out_len = sizeof(out), k = 0;

	dp_topology(s);
	dp_put(s->maps.tn_config, &k, &c);
	mg_mark_b(s, 0);
	mg_row(s, DP_PORT_B, 1, TN_MIG_F_STANDBY, DP_HOST_C);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	memcpy(inner, pkt, len);
	assert_int_equal(dp_vif_run(s, pkt, len, out, &out_len), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_NEIGH);
	assert_int_equal(dp_trace(s).ifindex, MG_IF_UL);
	assert_int_equal(out_len, 50 + len);
	assert_int_equal(out[23], 17);				    /* UDP */
	assert_memory_equal(out + 26, &(__be32){DP_HOST_LOCAL}, 4); /* outer source */
	assert_memory_equal(out + 30, &(__be32){DP_HOST_C}, 4);	    /* the source host */
	assert_int_equal(out[36] << 8 | out[37], TN_VXLAN_PORT);
	assert_int_equal(out[46] << 16 | out[47] << 8 | out[48], DP_VNI_BLUE);
	assert_memory_equal(out + 50, inner, len);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_TO_SOURCE), 1);
}

/* Standby, not active: from the tunnel, dropped with its reason and never
 * sent back (no copy, no redirect). */
static void test_standby_tunnel_dropped(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	mg_mark_b(s, DP_IF_B);
	mg_row(s, DP_PORT_B, 1, TN_MIG_F_STANDBY, DP_HOST_C);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_c, DP_IP_C, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_MIG_STANDBY);
	assert_int_equal(dp_trace(s).n_clone, 0);
	assert_int_equal(dp_stat(s, TN_DROP_MIG_STANDBY), 1);
	assert_int_equal(dp_stat(s, TN_STAT_TX_TUNNEL), 0);
	/* active: delivered into B */
	mg_set_active(s, DP_PORT_B, 1);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
}

/* A's first frames: a gratuitous ARP activates (tn_mig_active, one event),
 * later frames do not again; a new generation needs a new activation. */
static void test_activation(void **state)
{
	struct tenet_bpf *s = *state;
	struct mg_sink k;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	mg_mark_a(s, TN_LPORT_F_PORT_SECURITY);
	mg_row(s, DP_PORT_A, 5, TN_MIG_F_STANDBY, DP_HOST_C);
	len = mg_garp(pkt);
	dp_vif_run(s, pkt, len, NULL, NULL);
	assert_int_equal(mg_active(s, DP_PORT_A), 5);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_ACTIVATED), 1);
	mg_read(s, &k);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.other, 0);
	assert_int_equal(k.ev[0].kind, TN_EV_MIG_ACTIVE);
	assert_int_equal(k.ev[0].port_id, DP_PORT_A);
	assert_int_equal(k.ev[0].generation, 5);
	assert_true(k.ev[0].ts_ns > 0);
	/* data goes on as from any port, and activates nothing more */
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_ACTIVATED), 1);
	mg_read(s, &k);
	assert_int_equal(k.n, 0);
	/* the next migration of the port: activated again by data */
	mg_row(s, DP_PORT_A, 6, TN_MIG_F_STANDBY, DP_HOST_E);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(mg_active(s, DP_PORT_A), 6);
	mg_read(s, &k);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.ev[0].generation, 6);
	/* a source row activates nothing */
	mg_row(s, DP_PORT_A, 7, TN_MIG_F_SOURCE, DP_HOST_E);
	dp_vif_run(s, pkt, len, NULL, NULL);
	assert_int_equal(mg_active(s, DP_PORT_A), 6);
}

/* A RARP activates, is counted and taken; a spoofed frame (wrong MAC)
 * fails port security and activates nothing; a port without port
 * security is activated from tn_vif_ingress. */
static void test_activation_rarp_spoof(void **state)
{
	struct tenet_bpf *s = *state;
	struct mg_sink k;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	mg_mark_a(s, TN_LPORT_F_PORT_SECURITY);
	mg_row(s, DP_PORT_A, 2, TN_MIG_F_STANDBY, DP_HOST_C);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_x, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_SPOOF_MAC);
	assert_int_equal(mg_active(s, DP_PORT_A), 0);
	len = mg_rarp(pkt);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_SHOT);
	assert_int_equal(mg_active(s, DP_PORT_A), 2);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_RARP), 1);
	assert_int_equal(dp_trace(s).stat, TN_STAT_MIG_RARP);
	assert_int_equal(dp_trace(s).n_clone, 0); /* not flooded */
	mg_read(s, &k);
	assert_int_equal(k.n, 1);
	/* without port security */
	mg_mark_a(s, 0);
	mg_row(s, DP_PORT_A, 3, TN_MIG_F_STANDBY, DP_HOST_C);
	len = mg_garp(pkt);
	dp_vif_run(s, pkt, len, NULL, NULL);
	assert_int_equal(mg_active(s, DP_PORT_A), 3);
	/* a port that does not migrate: RARP goes on as before (flooded) */
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A, 0);
	len = mg_rarp(pkt);
	dp_vif_run(s, pkt, len, NULL, NULL);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_RARP), 1);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_FLOOD);
}

/* Active: local delivery as usual; a second migration (generation + 1)
 * sends to the source again until activated anew. */
static void test_active_then_next(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	mg_mark_b(s, DP_IF_B);
	mg_row(s, DP_PORT_B, 1, TN_MIG_F_STANDBY, DP_HOST_C);
	mg_set_active(s, DP_PORT_B, 1);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
	mg_row(s, DP_PORT_B, 2, TN_MIG_F_STANDBY, DP_HOST_C);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).verdict, TN_TRACE_REDIRECT);
	assert_int_equal(dp_trace(s).remote_ip4, DP_HOST_C);
	mg_set_active(s, DP_PORT_B, 2);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
}

/* The source: a copy to the destination (host E) and the frame into B,
 * from a local sender and from the tunnel; a frame from host E itself is
 * delivered, never copied back. */
static void test_source_copy(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_peer_add(s, DP_HOST_E, DP_VNI_BLUE);
	mg_mark_b(s, DP_IF_B);
	mg_row(s, DP_PORT_B, 4, TN_MIG_F_SOURCE, DP_HOST_E);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.ifindex, DP_IF_B);
	assert_int_equal(t.n_clone, 1);
	assert_int_equal(t.clone[0].ifindex, DP_IF_TUN);
	assert_int_equal(t.clone[0].remote_ip4, DP_HOST_E);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_COPY), 1);
	/* from host C: copied to E, delivered */
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_c, DP_IP_C, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.n_clone, 1);
	assert_int_equal(t.clone[0].remote_ip4, DP_HOST_E);
	/* from host E (the destination): delivered, no copy back */
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_e, DP_IP_E, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT_PEER);
	assert_int_equal(t.n_clone, 0);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_COPY), 2);
}

/* The source after the VM left (no interface for B): frames for B go to
 * the destination only; one from the destination is dropped (mig_loop). */
static void test_source_gone(void **state)
{
	struct tenet_bpf *s = *state;
	struct tn_trace t;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_peer_add(s, DP_HOST_E, DP_VNI_BLUE);
	mg_mark_b(s, 0);
	mg_row(s, DP_PORT_B, 4, TN_MIG_F_SOURCE, DP_HOST_E);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_a, DP_IP_A, DP_IP_B);
	assert_int_equal(dp_vif_run(s, pkt, len, NULL, NULL), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.ifindex, DP_IF_TUN);
	assert_int_equal(t.remote_ip4, DP_HOST_E);
	assert_int_equal(t.n_clone, 0);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_c, DP_IP_C, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	t = dp_trace(s);
	assert_int_equal(t.verdict, TN_TRACE_REDIRECT);
	assert_int_equal(t.remote_ip4, DP_HOST_E);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_e, DP_IP_E, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_E, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_MIG_LOOP);
	assert_int_equal(dp_trace(s).n_clone, 0);
	assert_int_equal(dp_stat(s, TN_STAT_MIG_COPY), 2);
}

/* The destination accepts what the source host relays from a third host
 * for the standby port (delivered once active), and for no other port. */
static void test_relay_accepted(void **state)
{
	struct tenet_bpf *s = *state;
	__u8 pkt[64];
	__u32 len;

	dp_topology(s);
	dp_peer_add(s, DP_HOST_E, DP_VNI_BLUE);
	mg_mark_b(s, DP_IF_B);
	mg_row(s, DP_PORT_B, 1, TN_MIG_F_STANDBY, DP_HOST_C);
	/* E's frame to B, relayed by host C (B's source) */
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_e, DP_IP_E, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_MIG_STANDBY);
	mg_set_active(s, DP_PORT_B, 1);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_REDIRECT);
	assert_int_equal(dp_trace(s).ifindex, DP_IF_B);
	/* relayed with a source address E may not use: refused as from E */
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_e, DP_IP_C, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_IP);
	/* the same from host C to A (not migrating): E is not C's */
	len = dp_build_ip4(pkt, dp_mac_a, dp_mac_e, DP_IP_E, DP_IP_A);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_C, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_HOST);
	/* relayed by a host that is not B's source */
	dp_peer_add(s, DP_HOST_G, DP_VNI_BLUE);
	len = dp_build_ip4(pkt, dp_mac_b, dp_mac_e, DP_IP_E, DP_IP_B);
	assert_int_equal(dp_tun_run(s, pkt, len, DP_HOST_G, DP_VNI_BLUE), DP_TC_ACT_SHOT);
	assert_int_equal(dp_trace(s).stat, TN_DROP_TUN_SRC_HOST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_standby_to_source, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_standby_to_source_encap, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_standby_tunnel_dropped, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_activation, dp_setup_fresh, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_activation_rarp_spoof, dp_setup_fresh,
					    dp_teardown),
	    cmocka_unit_test_setup_teardown(test_active_then_next, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_source_copy, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_source_gone, dp_setup, dp_teardown),
	    cmocka_unit_test_setup_teardown(test_relay_accepted, dp_setup, dp_teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (dp_shared)
		tenet_bpf__destroy(dp_shared);
	return rc;
}
