/* test_compiler.c - per-host rows of a known topology, tenant isolation,
 * diffs, and the shared-row compiler against the per-host reference
 * (compiler_ref.c) on random topologies. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/types.h>

#include "compiler.h"
#include "tenet_abi.h"
#include "wire.h"

#include "compiler_ref.c"
#include "fixture_compiler.h"

#define VNI_BLUE 100
#define VNI_RED	 200

static struct topo_network nets[] = {
    {.id = "net-blue", .tenant_id = "blue", .vni = VNI_BLUE},
    {.id = "net-red", .tenant_id = "red", .vni = VNI_RED},
};

static struct topo_host hosts[3];
static struct topo_port ports[6];

/* blue and red share 10.0.0.0/24. pb1, pr1, pr2 on h1; pb2 on h2; pu is
 * unbound; pg is bound to a host that is not enrolled; h3 has no ports. */
static struct topology topo(void)
{
	struct topology t = {.networks = nets,
			     .n_networks = 2,
			     .ports = ports,
			     .n_ports = 6,
			     .hosts = hosts,
			     .n_hosts = 3};

	memset(hosts, 0, sizeof(hosts));
	for (int i = 0; i < 3; i++) {
		char addr[32];

		snprintf(hosts[i].name, sizeof(hosts[i].name), "h%d", i + 1);
		hosts[i].host_id = (uint32_t)i + 1;
		snprintf(addr, sizeof(addr), "198.18.0.%d", i + 1);
		hosts[i].ip4 = ip(addr);
	}
	port_set(&ports[0], "pb1", "net-blue", 1, 0x11, "10.0.0.1", "h1", "vb1");
	ports[0].port_security = true;
	port_set(&ports[1], "pb2", "net-blue", 2, 0x12, "10.0.0.2", "h2", "vb2");
	port_set(&ports[2], "pr1", "net-red", 3, 0x21, "10.0.0.1", "h1", "vr1");
	port_set(&ports[3], "pr2", "net-red", 4, 0x22, "10.0.0.2", "h1", "vr2");
	port_set(&ports[4], "pu", "net-blue", 5, 0x13, "10.0.0.3", "", "");
	port_set(&ports[5], "pg", "net-blue", 6, 0x14, "10.0.0.4", "ghost", "vg");
	return t;
}

static void test_h1_rows(void **state)
{
	struct topology t = topo();
	struct rows r = build(&t, "h1");
	struct tn_lport_key lk = {.port_id = 1};
	struct tn_lport lv = {.vni = VNI_BLUE,
			      .mac = {2, 0, 0, 0, 0, 0x11},
			      .flags = TN_LPORT_F_PORT_SECURITY,
			      .ip4 = ip("10.0.0.1"),
			      .ifname = "vb1"};
	struct tn_fdb_key fk = {.vni = VNI_BLUE, .mac = {2, 0, 0, 0, 0, 0x12}};
	struct tn_fdb fv = {.port_id = 2,
			    .remote_ip4 = hosts[1].ip4,
			    .flags = TN_FDB_F_REMOTE,
			    .ip4 = ip("10.0.0.2")};
	struct tn_fdb_key flk = {.vni = VNI_BLUE, .mac = {2, 0, 0, 0, 0, 0x11}};
	struct tn_fdb flv = {
	    .port_id = 1, .flags = TN_FDB_F_LOCAL | TN_FDB_F_PORT_SECURITY, .ip4 = ip("10.0.0.1")};
	struct tn_arp_key ak = {.vni = VNI_RED, .ip4 = ip("10.0.0.2")};
	struct tn_arp av = {.mac = {2, 0, 0, 0, 0, 0x22}, .port_id = 4}; /* local */
	struct tn_flood_key bk = {.vni = VNI_BLUE}, rk = {.vni = VNI_RED};
	struct tn_flood bv = {.n_remote = 1, .n_local = 1}, rv = {.n_local = 2};
	struct tn_tun_allow_key tk = {.vni = VNI_BLUE, .remote_ip4 = hosts[1].ip4};
	struct tn_peer_key pk = {.ip4 = hosts[2].ip4};
	struct tn_peer pv = {.host_id = 3};
	const struct wire_row *w;

	assert_int_equal(r.n, 16);
	assert_int_equal(count(&r, TN_MAP_PEER), 2);
	assert_int_equal(count(&r, TN_MAP_LPORT), 3);
	assert_int_equal(count(&r, TN_MAP_FDB), 4);
	assert_int_equal(count(&r, TN_MAP_ARP), 4);
	assert_int_equal(count(&r, TN_MAP_FLOOD), 2);
	assert_int_equal(count(&r, TN_MAP_TUN_ALLOW), 1);
	assert_non_null(w = find(&r, TN_MAP_LPORT, &lk));
	assert_memory_equal(w->val, &lv, sizeof(lv));
	assert_non_null(w = find(&r, TN_MAP_FDB, &fk));
	assert_memory_equal(w->val, &fv, sizeof(fv));
	assert_non_null(w = find(&r, TN_MAP_FDB, &flk));
	assert_memory_equal(w->val, &flv, sizeof(flv));
	assert_non_null(w = find(&r, TN_MAP_ARP, &ak));
	assert_memory_equal(w->val, &av, sizeof(av));
	bv.remote_ip4[0] = hosts[1].ip4;
	bv.local_port[0] = 1;
	assert_non_null(w = find(&r, TN_MAP_FLOOD, &bk));
	assert_memory_equal(w->val, &bv, sizeof(bv));
	rv.local_port[0] = 3;
	rv.local_port[1] = 4;
	assert_non_null(w = find(&r, TN_MAP_FLOOD, &rk));
	assert_memory_equal(w->val, &rv, sizeof(rv));
	assert_non_null(find(&r, TN_MAP_TUN_ALLOW, &tk));
	assert_non_null(w = find(&r, TN_MAP_PEER, &pk));
	assert_memory_equal(w->val, &pv, sizeof(pv));
	pk.ip4 = hosts[0].ip4; /* not itself */
	assert_null(find(&r, TN_MAP_PEER, &pk));
	/* the unbound port and the one on a non-enrolled host are nowhere */
	fk.mac[5] = 0x13;
	assert_null(find(&r, TN_MAP_FDB, &fk));
	fk.mac[5] = 0x14;
	assert_null(find(&r, TN_MAP_FDB, &fk));
	ak.vni = VNI_BLUE;
	ak.ip4 = ip("10.0.0.3");
	assert_null(find(&r, TN_MAP_ARP, &ak));
	free(r.r);
}

/* The FDB row of mac in vni on host h of t (a copy). */
static struct tn_fdb fdb_of(const struct topology *t, const char *h, uint32_t vni, uint8_t mac5)
{
	struct rows r = build(t, h);
	struct tn_fdb_key fk = {.vni = vni, .mac = {2, 0, 0, 0, 0, mac5}};
	const struct wire_row *w = find(&r, TN_MAP_FDB, &fk);
	struct tn_fdb fv = {0};

	assert_non_null(w);
	memcpy(&fv, w->val, sizeof(fv));
	free(r.r);
	return fv;
}

/*
 * A network's encapsulation, or the deployment's default for a network
 * without one, flags the remote FDB rows of its ports TN_FDB_F_GENEVE;
 * local rows never are, other networks keep VXLAN.
 */
static void test_geneve_rows(void **state)
{
	struct topology t = topo();

	(void)state;
	assert_int_equal(fdb_of(&t, "h1", VNI_BLUE, 0x12).flags & TN_FDB_F_GENEVE, 0);
	t.networks[0].encap = TOPO_ENCAP_GENEVE; /* blue */
	assert_true(strcmp(t.networks[0].id, "net-blue") == 0);
	assert_int_equal(fdb_of(&t, "h1", VNI_BLUE, 0x12).flags, TN_FDB_F_REMOTE | TN_FDB_F_GENEVE);
	assert_int_equal(fdb_of(&t, "h2", VNI_BLUE, 0x11).flags,
			 TN_FDB_F_REMOTE | TN_FDB_F_PORT_SECURITY | TN_FDB_F_GENEVE);
	assert_int_equal(fdb_of(&t, "h1", VNI_BLUE, 0x11).flags & TN_FDB_F_GENEVE, 0);
	assert_int_equal(fdb_of(&t, "h1", VNI_RED, 0x22).flags & TN_FDB_F_GENEVE, 0);
	/* the deployment's default: for networks without their own */
	t.geneve_default = true;
	t.networks[0].encap = TOPO_ENCAP_VXLAN;
	assert_int_equal(fdb_of(&t, "h1", VNI_BLUE, 0x12).flags & TN_FDB_F_GENEVE, 0);
	t.networks[0].encap = TOPO_ENCAP_DEFAULT;
	assert_int_equal(fdb_of(&t, "h1", VNI_BLUE, 0x12).flags & TN_FDB_F_GENEVE, TN_FDB_F_GENEVE);
}

/*
 * Every fixed IPv4 of a port is an ARP row naming the port, on its own host
 * and on the others of its network; its FDB row carries the first address
 * and port security. A port without IPv4 has no ARP row.
 */
static void test_fixed_ips(void **state)
{
	static const char *const more[] = {"10.0.0.20", "10.0.0.21"};
	struct topology t = topo();
	struct tn_fdb_key fk = {.vni = VNI_BLUE, .mac = {2, 0, 0, 0, 0, 0x12}};
	struct tn_fdb fv = {.port_id = 2,
			    .remote_ip4 = hosts[1].ip4,
			    .flags = TN_FDB_F_REMOTE | TN_FDB_F_PORT_SECURITY,
			    .ip4 = ip("10.0.0.2")};
	struct tn_arp_key ak = {.vni = VNI_BLUE};
	struct tn_arp av = {.mac = {2, 0, 0, 0, 0, 0x12}, .port_id = 2, .remote_ip4 = hosts[1].ip4};
	const struct wire_row *w;
	struct rows r;

	ports[1].port_security = true;
	for (size_t i = 0; i < 2; i++)
		ports[1].ip4_more[i] = ip(more[i]);
	ports[1].n_ip4_more = 2;
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_ARP), 6);
	assert_non_null(w = find(&r, TN_MAP_FDB, &fk));
	assert_memory_equal(w->val, &fv, sizeof(fv));
	for (size_t i = 0; i < 2; i++) {
		ak.ip4 = ip(more[i]);
		assert_non_null(w = find(&r, TN_MAP_ARP, &ak));
		assert_memory_equal(w->val, &av, sizeof(av));
	}
	free(r.r);
	r = build(&t, "h2"); /* its own host too, where it is local */
	assert_int_equal(count(&r, TN_MAP_ARP), 4);
	av.remote_ip4 = 0;
	assert_non_null(w = find(&r, TN_MAP_ARP, &ak));
	assert_memory_equal(w->val, &av, sizeof(av));
	free(r.r);
	/* no IPv4 at all: no ARP row; the FDB row says so (ip4 0) */
	ports[1].ip4 = 0;
	ports[1].n_ip4_more = 0;
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_ARP), 3);
	fv.ip4 = 0;
	assert_non_null(w = find(&r, TN_MAP_FDB, &fk));
	assert_memory_equal(w->val, &fv, sizeof(fv));
	free(r.r);
}

static void ip6(uint8_t out[16], const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/*
 * Every fixed IPv6 of a port is an ND row naming the port (flags 0), on its
 * own host (local: remote_ip4 0) and on the other hosts of its network
 * (remote: its host's underlay address), also for a port without IPv4; a
 * host without a port in the network gets none.
 */
static void test_nd_rows(void **state)
{
	struct topology t = topo();
	struct tn_nd_key nk = {.vni = VNI_BLUE};
	struct tn_nd nv = {.mac = {2, 0, 0, 0, 0, 0x12}, .port_id = 2, .remote_ip4 = hosts[1].ip4};
	const struct wire_row *w;
	struct rows r;

	ip6(ports[0].ip6[0], "fd00::11");
	ports[0].n_ip6 = 1;
	ip6(ports[1].ip6[0], "fd00::12");
	ip6(ports[1].ip6[1], "fd00:1::12");
	ports[1].n_ip6 = 2;
	ports[1].ip4 = 0;		  /* IPv6 only */
	ip6(ports[2].ip6[0], "fd00::21"); /* red */
	ports[2].n_ip6 = 1;
	ip6(ports[4].ip6[0], "fd00::13"); /* unbound: nowhere */
	ports[4].n_ip6 = 1;
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_ND), 4);
	ip6(nk.ip6, "fd00:1::12");
	assert_non_null(w = find(&r, TN_MAP_ND, &nk));
	assert_memory_equal(w->val, &nv, sizeof(nv));
	ip6(nk.ip6, "fd00::12");
	assert_non_null(w = find(&r, TN_MAP_ND, &nk));
	assert_memory_equal(w->val, &nv, sizeof(nv));
	ip6(nk.ip6, "fd00::11");
	nv = (struct tn_nd){.mac = {2, 0, 0, 0, 0, 0x11}, .port_id = 1}; /* local */
	assert_non_null(w = find(&r, TN_MAP_ND, &nk));
	assert_memory_equal(w->val, &nv, sizeof(nv));
	nk.vni = VNI_RED;
	ip6(nk.ip6, "fd00::21");
	assert_non_null(find(&r, TN_MAP_ND, &nk));
	nk.vni = VNI_BLUE;
	ip6(nk.ip6, "fd00::13");
	assert_null(find(&r, TN_MAP_ND, &nk));
	free(r.r);
	r = build(&t, "h2"); /* blue only: its own port local, pb1 remote */
	assert_int_equal(count(&r, TN_MAP_ND), 3);
	ip6(nk.ip6, "fd00::12");
	nv = (struct tn_nd){.mac = {2, 0, 0, 0, 0, 0x12}, .port_id = 2};
	assert_non_null(w = find(&r, TN_MAP_ND, &nk));
	assert_memory_equal(w->val, &nv, sizeof(nv));
	ip6(nk.ip6, "fd00::11");
	nv = (struct tn_nd){.mac = {2, 0, 0, 0, 0, 0x11}, .port_id = 1, .remote_ip4 = hosts[0].ip4};
	assert_non_null(w = find(&r, TN_MAP_ND, &nk));
	assert_memory_equal(w->val, &nv, sizeof(nv));
	free(r.r);
	r = build(&t, "h3");
	assert_int_equal(count(&r, TN_MAP_ND), 0);
	free(r.r);
}

/* h2 has only a blue port: nothing of red reaches it. */
static void test_isolation(void **state)
{
	struct topology t = topo();
	struct rows r = build(&t, "h2");

	assert_int_equal(r.n, 9);
	assert_int_equal(count(&r, TN_MAP_LPORT), 1);
	assert_int_equal(count(&r, TN_MAP_FDB), 2);
	assert_int_equal(count(&r, TN_MAP_ARP), 2);
	assert_int_equal(count(&r, TN_MAP_FLOOD), 1);
	assert_int_equal(count(&r, TN_MAP_TUN_ALLOW), 1);
	for (size_t i = 0; i < r.n; i++) {
		uint32_t vni;

		if (r.r[i].map == TN_MAP_PEER)
			continue;
		if (r.r[i].map == TN_MAP_LPORT) /* vni is in the value */
			memcpy(&vni, r.r[i].val, 4);
		else
			memcpy(&vni, r.r[i].key, 4);
		assert_int_equal(vni, VNI_BLUE);
	}
	free(r.r);
}

static void test_empty_hosts(void **state)
{
	struct topology t = topo(), none = {0};
	struct rows r = build(&t, "h3");
	struct wire_row *rows = (void *)1;
	size_t n = 1;

	assert_int_equal(r.n, 2);
	assert_int_equal(count(&r, TN_MAP_PEER), 2);
	free(r.r);
	assert_int_equal(compiler_build_host(&t, "nope", &rows, &n), 0);
	assert_null(rows);
	assert_int_equal(n, 0);
	assert_int_equal(compiler_build_host(&t, "", &rows, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(compiler_build_host(&none, "h1", &rows, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(compiler_build_host(NULL, "h1", &rows, &n), -EINVAL);
	assert_int_equal(compiler_build_host(&t, NULL, &rows, &n), -EINVAL);
	none.n_ports = 1;
	assert_int_equal(compiler_build_host(&none, "h1", &rows, &n), -EINVAL);
}

/* The order of the topology's arrays does not change the rows. */
static void test_deterministic(void **state)
{
	struct topology t = topo();
	struct rows a = build(&t, "h1"), b;
	struct topo_port rev[6];
	struct topo_host hrev[3];

	for (int i = 0; i < 6; i++)
		rev[i] = ports[5 - i];
	for (int i = 0; i < 3; i++)
		hrev[i] = hosts[2 - i];
	t.ports = rev;
	t.hosts = hrev;
	b = build(&t, "h1");
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.r, b.r, a.n * sizeof(*a.r));
	free(a.r);
	free(b.r);
}

static const struct wire_row *find_op(const struct wire_row *d, size_t n, uint8_t map,
				      const void *key, uint8_t op);

/* A big blue network: hosts h0 (self) .. h<nh-1>, listed in reverse; one
 * port on each other host, nl ports on h0. Host i has underlay ip4 i + 1 and
 * port keys run from 1. Arrays are malloc'd: big_free. */
static struct topology big(int nh, int nl)
{
	struct topology t = {.networks = nets, .n_networks = 1};
	struct topo_host *hs = calloc((size_t)nh, sizeof(*hs));
	struct topo_port *ps = calloc((size_t)(nh - 1 + nl), sizeof(*ps));
	uint32_t key = 1;

	assert_non_null(hs);
	assert_non_null(ps);
	for (int i = 0; i < nh; i++) {
		char name[16];

		snprintf(hs[nh - 1 - i].name, sizeof(hs[i].name), "h%d", i);
		hs[nh - 1 - i].host_id = (uint32_t)i + 1;
		hs[nh - 1 - i].ip4 = (uint32_t)i + 1;
		snprintf(name, sizeof(name), "h%d", i);
		for (int j = 0; j < (i ? 1 : nl); j++, key++) {
			struct topo_port *p = &ps[t.n_ports++];

			port_set(p, "p", "net-blue", key, (uint8_t)key, "10.0.1.1", name, "v");
			p->mac[4] = (uint8_t)(key >> 8);
			p->ip4 = htonl(0x0a000000u + key);
		}
	}
	t.hosts = hs;
	t.n_hosts = (size_t)nh;
	t.ports = ps;
	return t;
}

static void big_free(struct topology *t)
{
	free(t->hosts);
	free(t->ports);
}

/* FLOOD page `page` of blue in r, or fails. */
static struct tn_flood flood_page(const struct rows *r, uint32_t page)
{
	struct tn_flood_key fk = {.vni = VNI_BLUE, .page = page};
	const struct wire_row *w = find(r, TN_MAP_FLOOD, &fk);
	struct tn_flood fl;

	assert_non_null(w);
	memcpy(&fl, w->val, sizeof(fl)); /* val is not aligned */
	return fl;
}

/* 68 other hosts and 35 local ports: three pages, members sorted and
 * dense; the page count follows the longer list. */
static void test_flood_pages(void **state)
{
	struct topology t = big(69, 35);
	struct rows r = build(&t, "h0");
	struct tn_flood f;

	assert_int_equal(count(&r, TN_MAP_FLOOD), 3);
	f = flood_page(&r, 0);
	assert_int_equal(f.n_remote, TN_MAX_FLOOD_REMOTE);
	assert_int_equal(f.n_local, TN_MAX_FLOOD_LOCAL);
	for (uint32_t i = 0; i < TN_MAX_FLOOD_REMOTE; i++) {
		assert_int_equal(f.remote_ip4[i], i + 2); /* h1.. sorted */
		assert_int_equal(f.local_port[i], i + 1);
	}
	f = flood_page(&r, 1);
	assert_int_equal(f.n_remote, TN_MAX_FLOOD_REMOTE);
	assert_int_equal(f.remote_ip4[0], TN_MAX_FLOOD_REMOTE + 2);
	assert_int_equal(f.n_local, 3);
	assert_int_equal(f.local_port[2], 35);
	f = flood_page(&r, 2);
	assert_int_equal(f.n_remote, 4);
	assert_int_equal(f.remote_ip4[3], 69);
	assert_int_equal(f.n_local, 0);
	assert_int_equal(count(&r, TN_MAP_TUN_ALLOW), 68);
	free(r.r);
	big_free(&t);
}

/* Past TN_MAX_FLOOD_PAGES pages the numerically smallest members stay. */
static void test_flood_cap(void **state)
{
	enum { N = TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE + 8 };
	struct topology t = big(N, 1);
	struct rows r = build(&t, "h0");
	struct tn_flood f;

	assert_int_equal(count(&r, TN_MAP_FLOOD), TN_MAX_FLOOD_PAGES);
	f = flood_page(&r, TN_MAX_FLOOD_PAGES - 1);
	assert_int_equal(f.n_remote, TN_MAX_FLOOD_REMOTE);
	assert_int_equal(f.remote_ip4[TN_MAX_FLOOD_REMOTE - 1],
			 TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE + 1);
	assert_int_equal(f.n_local, 0);
	assert_int_equal(flood_page(&r, 0).n_local, 1);
	assert_int_equal(count(&r, TN_MAP_TUN_ALLOW), N - 1);
	free(r.r);
	big_free(&t);
}

/* The network shrinks from three pages to one: the diff upserts the pages
 * that changed and deletes the trailing ones; growing back adds them. */
static void test_flood_pages_shrink(void **state)
{
	struct tn_flood_key k1 = {.vni = VNI_BLUE, .page = 1};
	struct tn_flood_key k2 = {.vni = VNI_BLUE, .page = 2};
	struct topology ta = big(69, 35), tb = big(11, 1);
	struct rows a = build(&ta, "h0"), b = build(&tb, "h0");
	struct wire_row *d;
	size_t n, n_flood = 0;

	assert_int_equal(count(&b, TN_MAP_FLOOD), 1);
	assert_int_equal(compiler_diff(a.r, a.n, b.r, b.n, &d, &n), 0);
	assert_non_null(find_op(d, n, TN_MAP_FLOOD, &k1, WIRE_OP_DELETE));
	assert_non_null(find_op(d, n, TN_MAP_FLOOD, &k2, WIRE_OP_DELETE));
	for (size_t i = 0; i < n; i++)
		n_flood += d[i].map == TN_MAP_FLOOD;
	assert_int_equal(n_flood, 3); /* page 0 changed, 1 and 2 gone */
	free(d);
	assert_int_equal(compiler_diff(b.r, b.n, a.r, a.n, &d, &n), 0);
	assert_non_null(find_op(d, n, TN_MAP_FLOOD, &k1, WIRE_OP_UPSERT));
	assert_non_null(find_op(d, n, TN_MAP_FLOOD, &k2, WIRE_OP_UPSERT));
	free(d);
	/* unchanged: no FLOOD rows at all */
	assert_int_equal(compiler_diff(a.r, a.n, a.r, a.n, &d, &n), 0);
	assert_int_equal(n, 0);
	free(a.r);
	free(b.r);
	big_free(&ta);
	big_free(&tb);
}

static const struct wire_row *find_op(const struct wire_row *d, size_t n, uint8_t map,
				      const void *key, uint8_t op)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t kl;

		wire_map_sizes(map, &kl, NULL);
		if (d[i].map == map && d[i].op == op && !memcmp(d[i].key, key, kl))
			return &d[i];
	}
	return NULL;
}

/* pb2 moves from h2 to h3. */
static void test_diff_move(void **state)
{
	struct topology t = topo();
	struct rows h1a = build(&t, "h1"), h2a = build(&t, "h2"), h3a = build(&t, "h3");
	struct rows h1b, h2b, h3b;
	struct tn_fdb_key fk = {.vni = VNI_BLUE, .mac = {2, 0, 0, 0, 0, 0x12}};
	struct tn_tun_allow_key old = {.vni = VNI_BLUE, .remote_ip4 = hosts[1].ip4};
	struct tn_tun_allow_key new = {.vni = VNI_BLUE, .remote_ip4 = hosts[2].ip4};
	struct tn_flood_key flk = {.vni = VNI_BLUE};
	struct tn_arp_key ak = {.vni = VNI_BLUE, .ip4 = ip("10.0.0.2")};
	const struct wire_row *w;
	struct wire_row *d;
	struct tn_arp av;
	struct tn_fdb fv;
	size_t n;

	snprintf(ports[1].host, sizeof(ports[1].host), "h3");
	h1b = build(&t, "h1");
	h2b = build(&t, "h2");
	h3b = build(&t, "h3");
	assert_int_equal(compiler_diff(h1a.r, h1a.n, h1b.r, h1b.n, &d, &n), 0);
	assert_int_equal(n, 5);
	assert_non_null(w = find_op(d, n, TN_MAP_FDB, &fk, WIRE_OP_UPSERT));
	memcpy(&fv, w->val, sizeof(fv)); /* val is not aligned */
	assert_int_equal(fv.remote_ip4, hosts[2].ip4);
	/* its address now lives on h3 too */
	assert_non_null(w = find_op(d, n, TN_MAP_ARP, &ak, WIRE_OP_UPSERT));
	memcpy(&av, w->val, sizeof(av));
	assert_int_equal(av.remote_ip4, hosts[2].ip4);
	assert_non_null(w = find_op(d, n, TN_MAP_TUN_ALLOW, &old, WIRE_OP_DELETE));
	assert_int_equal(w->val_len, 0);
	assert_true(wire_row_valid(w));
	assert_non_null(find_op(d, n, TN_MAP_TUN_ALLOW, &new, WIRE_OP_UPSERT));
	assert_non_null(find_op(d, n, TN_MAP_FLOOD, &flk, WIRE_OP_UPSERT));
	for (size_t i = 1; i < n; i++)
		assert_true(wire_row_cmp(&d[i - 1], &d[i]) < 0);
	free(d);
	/* h2 loses all but its PEER rows, h3 gains the same number */
	assert_int_equal(compiler_diff(h2a.r, h2a.n, h2b.r, h2b.n, &d, &n), 0);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(d[i].op, WIRE_OP_DELETE);
	free(d);
	assert_int_equal(compiler_diff(h3a.r, h3a.n, h3b.r, h3b.n, &d, &n), 0);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(d[i].op, WIRE_OP_UPSERT);
	free(d);
	free(h1a.r), free(h2a.r), free(h3a.r), free(h1b.r), free(h2b.r), free(h3b.r);
}

static void test_diff_edges(void **state)
{
	struct topology t = topo();
	struct rows a = build(&t, "h1");
	struct wire_row *d = (void *)1;
	size_t n = 1;

	assert_int_equal(compiler_diff(a.r, a.n, a.r, a.n, &d, &n), 0);
	assert_null(d);
	assert_int_equal(n, 0);
	assert_int_equal(compiler_diff(NULL, 0, NULL, 0, &d, &n), 0);
	assert_null(d);
	assert_int_equal(compiler_diff(NULL, 0, a.r, a.n, &d, &n), 0);
	assert_int_equal(n, a.n);
	assert_memory_equal(d, a.r, n * sizeof(*d));
	free(d);
	assert_int_equal(compiler_diff(a.r, a.n, NULL, 0, &d, &n), 0);
	assert_int_equal(n, a.n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d[i].op, WIRE_OP_DELETE);
		assert_true(wire_row_valid(&d[i]));
		assert_memory_equal(d[i].key, a.r[i].key, WIRE_KEY_MAX);
	}
	free(d);
	free(a.r);
}

/* 10.J.0.K, network order. */
static void random_ip(uint8_t a[16], unsigned j, unsigned k)
{
	uint32_t v = htonl(0x0a000000u | (j & 0xff) << 16 | (k & 0xff));

	memset(a, 0, 16);
	memcpy(a, &v, 4);
}

/* An IPv6 static route: to fdJJ::/48 or /64 (the v6 subnet's prefix when
 * J is its index and the length 64), via fdXX::5..7 (on the v6 subnet when
 * X is its index). */
static void random_ip6_route(struct topo_route *ro, unsigned j, unsigned x, unsigned *seed)
{
	memset(ro->dest, 0, 16);
	memset(ro->nexthop, 0, 16);
	ro->prefix_len = rand_r(seed) % 2 ? 48 : 64;
	ro->dest[0] = 0xfd, ro->dest[1] = (uint8_t)j;
	ro->nexthop[0] = 0xfd, ro->nexthop[1] = (uint8_t)x;
	ro->nexthop[15] = (uint8_t)(5 + rand_r(seed) % 3);
}

/* Subnets 10.J.0.0/16 (J < the network count, gateway 10.J.0.1; one v6,
 * fdJJ::/64 with interfaces at fdJJ::1),
 * routers with distinct keys and static routes whose next hops may or may
 * not be on their subnets (some to a connected prefix), and interfaces on
 * random networks and subnets, some naming a router, subnet or network
 * that does not exist, some at a port's address. */
static void random_routers(struct topology *t, unsigned *seed)
{
	size_t nn = t->n_networks, ns = nn + 1, nr = rand_r(seed) % 4, nf = rand_r(seed) % 9;

	t->subnets = calloc(ns, sizeof(*t->subnets));
	t->routers = calloc(nr + 1, sizeof(*t->routers));
	t->rifs = calloc(nf + 1, sizeof(*t->rifs));
	assert_non_null(t->subnets);
	assert_non_null(t->routers);
	assert_non_null(t->rifs);
	t->n_subnets = ns;
	t->n_routers = nr;
	t->n_rifs = nf;
	for (size_t i = 0; i < ns; i++) {
		struct topo_subnet *sn = &t->subnets[i];

		snprintf(sn->id, TOPO_ID_MAX, "sub-%zu", i);
		snprintf(sn->network_id, TOPO_ID_MAX, "net-%zu", i % nn);
		sn->ip_version = i == nn ? 6 : 4;
		sn->prefix_len = i == nn ? 64 : 16;
		random_ip(sn->addr, (unsigned)i, 0);
		if (i == nn)
			sn->addr[0] = 0xfd;
		random_ip(sn->gateway, (unsigned)i, 1);
		sn->has_gateway = true;
		/* DHCP rows (compiler_dhcp.c): on or off, with or without a
		 * gateway, DNS servers, host routes */
		sn->enable_dhcp = rand_r(seed) % 3 != 0;
		sn->has_gateway = rand_r(seed) % 4 != 0;
		if (!sn->has_gateway)
			memset(sn->gateway, 0, 16);
		sn->n_dns4 = (uint8_t)(rand_r(seed) % 3);
		for (size_t k = 0; k < sn->n_dns4; k++)
			sn->dns4[k] = htonl(0x08080800u + (uint32_t)k);
		sn->n_host_routes = i == nn ? 0 : (uint8_t)(rand_r(seed) % 3);
		for (size_t k = 0; k < sn->n_host_routes; k++) {
			struct topo_route *hr = &sn->host_routes[k];

			hr->ip_version = 4;
			hr->prefix_len = 24;
			hr->dest[0] = 172, hr->dest[1] = 16, hr->dest[2] = (uint8_t)k;
			random_ip(hr->nexthop, (unsigned)i, 9);
		}
	}
	for (size_t i = 0; i < nr; i++) {
		struct topo_router *r = &t->routers[i];

		snprintf(r->id, TOPO_ID_MAX, "rtr-%zu", i);
		r->router_key = 50 + (uint32_t)i * 3;
		r->n_routes = (uint16_t)(rand_r(seed) % 4);
		for (size_t k = 0; k < r->n_routes; k++) {
			struct topo_route *ro = &r->routes[k];
			unsigned j = rand_r(seed) % (unsigned)(nn + 1);

			ro->ip_version = rand_r(seed) % 6 ? 4 : 6;
			if (rand_r(seed) % 3) {
				ro->prefix_len = 24;
				random_ip(ro->dest, 168, (unsigned)k);
				ro->dest[0] = 192, ro->dest[1] = 168, ro->dest[2] = (uint8_t)k;
			} else {
				ro->prefix_len = 16;
				random_ip(ro->dest, j, 0);
			}
			random_ip(ro->nexthop, rand_r(seed) % (unsigned)(nn + 1),
				  5 + rand_r(seed) % 3);
			if (ro->ip_version == 6)
				random_ip6_route(ro, j, rand_r(seed) % 2 ? (unsigned)nn : j, seed);
		}
	}
	for (size_t i = 0; i < nf; i++) {
		struct topo_rif *f = &t->rifs[i];
		unsigned sub = rand_r(seed) % (unsigned)(ns + 1); /* ns: no such subnet */

		snprintf(f->id, TOPO_ID_MAX, "rif-%zu", i);
		snprintf(f->router_id, TOPO_ID_MAX, "rtr-%u", rand_r(seed) % (unsigned)(nr + 1));
		snprintf(f->subnet_id, TOPO_ID_MAX, "sub-%u", sub);
		snprintf(f->network_id, TOPO_ID_MAX, "net-%u", rand_r(seed) % (unsigned)(nn + 1));
		memcpy(f->mac, (uint8_t[]){0xfa, 0x16, 0x3e, 0, 0, (uint8_t)i}, 6);
		f->ip_version = sub == nn ? 6 : 4;
		if (rand_r(seed) % 4)
			random_ip(f->addr, sub, 1);
		else
			random_ip(f->addr, 0, rand_r(seed) % 60); /* a port's address, maybe */
		if (f->ip_version == 6) {
			memset(f->addr, 0, 16);
			f->addr[0] = 0xfd, f->addr[1] = (uint8_t)sub, f->addr[15] = 1;
		}
	}
}

/* Random security groups of two tenants (some rules naming a group that
 * does not exist, or another tenant's), rules of every kind, identities
 * (each a fixed set of groups) on the ports with port security, and
 * address pairs. */
static void random_sgs(struct topology *t, unsigned *seed)
{
	static const int protos[] = {-1, 6, 17, 1, 58, 47, 132};
	static const uint8_t plens4[] = {0, 8, 16, 24, 32}, plens6[] = {0, 8, 48, 64, 128};
	size_t ng = rand_r(seed) % 5, nr = ng ? rand_r(seed) % 16 : 0;

	for (size_t i = 0; i < t->n_networks; i++)
		snprintf(t->networks[i].tenant_id, TOPO_ID_MAX, "ten-%zu", i % 2);
	t->sgs = calloc(ng + 1, sizeof(*t->sgs));
	t->sg_rules = calloc(nr + 1, sizeof(*t->sg_rules));
	assert_non_null(t->sgs);
	assert_non_null(t->sg_rules);
	t->n_sgs = ng;
	t->n_sg_rules = nr;
	for (size_t i = 0; i < ng; i++) {
		snprintf(t->sgs[i].id, TOPO_ID_MAX, "sg-%zu", (i * 5) % ng);
		snprintf(t->sgs[i].tenant_id, TOPO_ID_MAX, "ten-%u", rand_r(seed) % 3 ? 0 : 1);
		t->sgs[i].sg_key = 1 + (uint32_t)rand_r(seed) % 7;
	}
	for (size_t i = 0; i < nr; i++) {
		struct topo_sg_rule *r = &t->sg_rules[i];
		unsigned pick = rand_r(seed) % 3;

		snprintf(r->id, TOPO_ID_MAX, "rule-%zu", nr - i);
		snprintf(r->sg_id, TOPO_ID_MAX, "sg-%u", rand_r(seed) % (unsigned)(ng + 1));
		r->ingress = rand_r(seed) % 2;
		r->ip_version = rand_r(seed) % 3 ? 4 : 6;
		r->proto = (int16_t)protos[rand_r(seed) % 7];
		r->port_min = r->port_max = -1;
		if ((r->proto == 6 || r->proto == 17 || r->proto == 132) && rand_r(seed) % 3) {
			r->port_min = rand_r(seed) % 2 ? 1 + rand_r(seed) % 2000 : 1;
			r->port_max = r->port_min == 1 && rand_r(seed) % 2
					  ? 65535
					  : r->port_min + rand_r(seed) % 3000;
		} else if ((r->proto == 1 || r->proto == 58) && rand_r(seed) % 3) {
			r->port_min = rand_r(seed) % 256;
			r->port_max = rand_r(seed) % 2 ? rand_r(seed) % 256 : -1;
		}
		if (pick == 0) {
			snprintf(r->remote_group, TOPO_ID_MAX, "sg-%u",
				 rand_r(seed) % (unsigned)(ng + 1));
		} else if (pick == 1) {
			r->has_prefix = true;
			r->prefix_len = r->ip_version == 4 ? plens4[rand_r(seed) % 5]
							   : plens6[rand_r(seed) % 5];
			r->addr[0] = r->ip_version == 4 ? 10 : 0xfd;
			if (r->prefix_len > 8)
				r->addr[1] = (uint8_t)(rand_r(seed) % 2);
			if (r->prefix_len == 0)
				r->addr[0] = 0;
		}
	}
	for (size_t i = 0; i < t->n_ports; i++) {
		struct topo_port *p = &t->ports[i];
		unsigned k = 1 + rand_r(seed) % 4;

		if (!p->port_security || !ng)
			continue;
		p->identity = k;
		snprintf(p->sgs[p->n_sgs++], TOPO_ID_MAX, "sg-%u", k % (unsigned)(ng + 1));
		if (k % 2)
			snprintf(p->sgs[p->n_sgs++], TOPO_ID_MAX, "sg-%u",
				 (k + 2) % (unsigned)(ng + 1));
		if (rand_r(seed) % 4 == 0) {
			p->n_pairs = (uint8_t)(1 + rand_r(seed) % 2);
			for (size_t j = 0; j < p->n_pairs; j++) {
				struct topo_pair *pr = &p->pairs[j];

				pr->ip_version = rand_r(seed) % 2 ? 4 : 6;
				pr->addr[0] = pr->ip_version == 4 ? 10 : 0xfd;
				pr->addr[pr->ip_version == 4 ? 3 : 15] =
				    (uint8_t)(rand_r(seed) % 60);
				memcpy(pr->mac,
				       rand_r(seed) % 2 ? p->mac
							: (uint8_t[]){2, 0, 0, 1, 0,
								      (uint8_t)(rand_r(seed) % 9)},
				       6);
			}
		}
	}
}

/* A random topology of seed's shape: few MACs, addresses and port keys so
 * rows collide; hosts without an underlay address or sharing one; ports
 * unbound, bound to hosts not enrolled or on networks that do not exist;
 * with dup_vni, networks sharing a VNI (the store refuses that, the
 * compiler must still agree with the reference). */
static void random_topo(struct topology *t, unsigned seed, bool dup_vni)
{
	size_t nn = 1 + rand_r(&seed) % 6, nh = 1 + rand_r(&seed) % 8, np = rand_r(&seed) % 120;

	t->networks = calloc(nn, sizeof(*t->networks));
	t->hosts = calloc(nh, sizeof(*t->hosts));
	t->ports = calloc(np + 1, sizeof(*t->ports));
	assert_non_null(t->networks);
	assert_non_null(t->hosts);
	assert_non_null(t->ports);
	t->n_networks = nn;
	t->n_hosts = nh;
	t->n_ports = np;
	for (size_t i = 0; i < nn; i++) {
		snprintf(t->networks[i].id, TOPO_ID_MAX, "net-%zu", (i * 7) % nn);
		t->networks[i].vni =
		    dup_vni ? 1u + (uint32_t)(rand_r(&seed) % 3) : 100u + (uint32_t)i * 257u;
		t->networks[i].mtu = i % 2 ? 1450 : 0; /* DHCP option 26, or none */
	}
	for (size_t i = 0; i < nh; i++) {
		snprintf(t->hosts[i].name, WIRE_HOST_MAX, "host-%zu", nh - i);
		t->hosts[i].host_id = (uint32_t)i + 1;
		t->hosts[i].ip4 =
		    rand_r(&seed) % 5 ? htonl(0xc6120000u + (uint32_t)(rand_r(&seed) % 6)) : 0u;
	}
	for (size_t i = 0; i < np; i++) {
		struct topo_port *p = &t->ports[i];

		snprintf(p->id, TOPO_ID_MAX, "port-%zu", i);
		snprintf(p->network_id, TOPO_ID_MAX, "net-%u", rand_r(&seed) % (unsigned)(nn + 1));
		p->port_key = 1 + (uint32_t)(rand_r(&seed) % (np + 8));
		memcpy(p->mac, (uint8_t[]){2, 0, 0, 0, 0, (uint8_t)(rand_r(&seed) % 40)}, 6);
		p->ip4 =
		    rand_r(&seed) % 4 ? htonl(0x0a000000u + (uint32_t)(rand_r(&seed) % 60)) : 0u;
		p->n_ip4_more = p->ip4 ? (uint8_t)(rand_r(&seed) % 3) : 0;
		for (size_t k = 0; k < p->n_ip4_more; k++)
			p->ip4_more[k] = htonl(0x0a000000u + (uint32_t)(rand_r(&seed) % 60));
		p->port_security = rand_r(&seed) % 2;
		p->n_ip6 = (uint8_t)(rand_r(&seed) % 3);
		for (size_t k = 0; k < p->n_ip6; k++) {
			p->ip6[k][0] = 0xfd;
			p->ip6[k][15] = (uint8_t)(rand_r(&seed) % 40); /* collisions too */
		}
		if (rand_r(&seed) % 8)
			snprintf(p->host, WIRE_HOST_MAX, "host-%u",
				 rand_r(&seed) % (unsigned)(nh + 1)); /* host-0: not enrolled */
		snprintf(p->ifname, TOPO_IFNAME_MAX, "vif%u", (unsigned)(i % 1000));
	}
	random_routers(t, &seed);
	random_sgs(t, &seed);
}

/* One compiler serves every host of a random topology, and each host's
 * rows are byte for byte those of the per-host reference compile. */
static void test_matches_reference(void **state)
{
	size_t n_route4 = 0, n_router_fdb = 0, n_dhcp = 0, n_pass = 0, n_geneve = 0;
	size_t n_route6 = 0, n_static6 = 0, n_router_nd = 0, n_sg = 0, n_pset = 0;

	for (unsigned seed = 1; seed <= 300; seed++) {
		struct topology t = {0};
		struct compiler *c;

		random_topo(&t, seed, seed % 5 == 0);
		t.geneve_default = seed % 2;
		for (size_t i = 0; i < t.n_networks; i++)
			t.networks[i].encap = (seed + i) % 3; /* TOPO_ENCAP_* */
		c = compiler_new(&t);
		assert_non_null(c);
		for (unsigned i = 0; i <= t.n_hosts; i++) {
			char name[WIRE_HOST_MAX];
			struct wire_row *a = NULL, *b = NULL;
			size_t na = 0, nb = 0;

			snprintf(name, sizeof(name), "host-%u", i);
			assert_int_equal(compiler_ref_build_host(&t, name, &a, &na), 0);
			assert_int_equal(compiler_host(c, name, &b, &nb), 0);
			if (na != nb) {
				for (uint8_t m = 1; m < TN_MAP_MAX; m++)
					print_message("map %u: %zu reference %zu\n", m,
						      count(&(struct rows){b, nb}, m),
						      count(&(struct rows){a, na}, m));
				fail_msg("seed=%u host=%s rows %zu != reference %zu", seed, name,
					 nb, na);
			}
			for (size_t k = 0; k < na; k++)
				if (memcmp(&a[k], &b[k], sizeof(*a)) != 0)
					fail_msg("seed=%u host=%s row %zu (map %u / reference map "
						 "%u) differs from the reference",
						 seed, name, k, b[k].map, a[k].map);
			for (size_t k = 0; k < na; k++) {
				struct tn_fdb fv;

				memcpy(&fv, a[k].val, sizeof(fv));
				n_route4 += a[k].map == TN_MAP_ROUTE4;
				n_sg += a[k].map == TN_MAP_SG_RULE;
				n_pset += a[k].map == TN_MAP_SG_PSET;
				if (a[k].map == TN_MAP_ROUTE6) {
					struct tn_route6 r6;

					memcpy(&r6, a[k].val, sizeof(r6));
					n_route6++;
					n_static6 += !(r6.flags & TN_ROUTE_F_CONNECTED);
				}
				if (a[k].map == TN_MAP_ND) {
					struct tn_nd nd;

					memcpy(&nd, a[k].val, sizeof(nd));
					n_router_nd += !!(nd.flags & TN_ND_F_ROUTER);
				}
				n_router_fdb +=
				    a[k].map == TN_MAP_FDB && (fv.flags & TN_FDB_F_ROUTER);
				n_geneve += a[k].map == TN_MAP_FDB && (fv.flags & TN_FDB_F_GENEVE);
				if (a[k].map == TN_MAP_DHCP) { /* answers, and passes (DHCP off) */
					struct tn_dhcp d;

					memcpy(&d, a[k].val, sizeof(d));
					n_pass += d.flags == TN_DHCP_F_PASS;
					n_dhcp += d.flags == 0;
				}
			}
			free(a);
			free(b);
		}
		compiler_destroy(&c);
		assert_null(c);
		topology_release(&t);
	}
	/* the topologies route: both compilers agreed on many routes */
	assert_true(n_route4 > 200);
	assert_true(n_route6 > 50 && n_static6 > 10 && n_router_nd > 50); /* IPv6 routes too */
	assert_true(n_router_fdb > 200);
	assert_true(n_geneve > 200);		  /* and on which rows go by Geneve */
	assert_true(n_dhcp > 100 && n_pass > 50); /* and on many DHCP rows */
	assert_true(n_sg > 200 && n_pset > 200);  /* and on many policy rows */
	compiler_destroy(NULL);
	assert_null(compiler_new(NULL));
}

/* The subnet 10.0.0.0/24 of net with DHCP on or off. */
static void subnet_set(struct topo_subnet *sn, const char *id, const char *net, bool dhcp)
{
	uint32_t a = ip("10.0.0.0");

	memset(sn, 0, sizeof(*sn));
	snprintf(sn->id, sizeof(sn->id), "%s", id);
	snprintf(sn->network_id, sizeof(sn->network_id), "%s", net);
	sn->ip_version = 4;
	sn->prefix_len = 24;
	sn->enable_dhcp = dhcp;
	memcpy(sn->addr, &a, 4);
}

/* The DHCP row of port_key (a copy: row values are unaligned), or NULL. */
static const struct tn_dhcp *dhcp_row(const struct rows *r, uint32_t port_key)
{
	static struct tn_dhcp v;
	struct tn_dhcp_key k = {.port_id = port_key};
	const struct wire_row *w = find(r, TN_MAP_DHCP, &k);

	if (!w)
		return NULL;
	memcpy(&v, w->val, sizeof(v));
	return &v;
}

/*
 * DHCP rows: blue's subnet has DHCP, a gateway with a router interface,
 * a DNS server and a host route; red's has DHCP without a gateway, then
 * DHCP off; a port whose address is in no subnet gets no row.
 */
static void test_dhcp_rows(void **state)
{
	static const uint8_t blue_opts[] = {
	    1,	 4,  255,  255,	 255, 0,			      /* mask */
	    3,	 4,  10,   0,	 0,   254,			      /* router */
	    6,	 4,  10,   0,	 0,   53,			      /* DNS */
	    26,	 2,  0x05, 0xaa,				      /* MTU 1450 */
	    121, 12, 16,   192,	 168, 10,  0, 0, 9, 0, 10, 0, 0, 254, /* 121 */
	};
	static const uint8_t red_opts[] = {1, 4, 255, 255, 255, 0};
	static const uint8_t rif_mac[6] = {0xfa, 0x16, 0x3e, 0, 0, 0x99};
	struct topo_subnet subnets[2];
	struct topo_rif rif = {.id = "rif-1",
			       .router_id = "r-none",
			       .subnet_id = "sub-blue",
			       .network_id = "net-blue",
			       .ip_version = 4};
	struct topology t = topo();
	const struct tn_dhcp *d;
	uint32_t gw = ip("10.0.0.254"), dns = ip("10.0.0.53"), v;
	struct rows r;

	(void)state;
	memcpy(rif.mac, rif_mac, 6);
	memcpy(rif.addr, &gw, 4);
	subnet_set(&subnets[0], "sub-blue", "net-blue", true);
	subnets[0].has_gateway = true;
	memcpy(subnets[0].gateway, &gw, 4);
	subnets[0].n_dns4 = 1;
	subnets[0].dns4[0] = dns;
	subnets[0].n_host_routes = 1;
	subnets[0].host_routes[0] = (struct topo_route){.ip_version = 4, .prefix_len = 16};
	v = ip("192.168.0.0");
	memcpy(subnets[0].host_routes[0].dest, &v, 4);
	v = ip("10.0.0.9");
	memcpy(subnets[0].host_routes[0].nexthop, &v, 4);
	subnet_set(&subnets[1], "sub-red", "net-red", true);
	nets[0].mtu = 1450;
	t.subnets = subnets;
	t.n_subnets = 2;
	t.rifs = &rif;
	t.n_rifs = 1;

	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_DHCP), 3); /* pb1, pr1, pr2 */
	d = dhcp_row(&r, 1);
	assert_non_null(d);
	assert_int_equal(d->yiaddr, ip("10.0.0.1"));
	assert_int_equal(d->server_id, gw);
	assert_memory_equal(d->server_mac, rif_mac, 6);
	assert_int_equal(d->lease_time, htonl(86400));
	assert_int_equal(d->flags, 0);
	assert_int_equal(d->opts_len, sizeof(blue_opts));
	assert_memory_equal(d->opts, blue_opts, sizeof(blue_opts));
	d = dhcp_row(&r, 4); /* red: no gateway, the last host address serves */
	assert_non_null(d);
	assert_int_equal(d->yiaddr, ip("10.0.0.2"));
	assert_int_equal(d->server_id, ip("10.0.0.254"));
	assert_memory_equal(d->server_mac, ((uint8_t[]){0x0a, 0x58, 10, 0, 0, 254}), 6);
	assert_int_equal(d->opts_len, sizeof(red_opts));
	assert_memory_equal(d->opts, red_opts, sizeof(red_opts));
	free(r.r);

	subnets[1].enable_dhcp = false; /* red: DHCP off, requests go on to L2 */
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_DHCP), 3);
	d = dhcp_row(&r, 3);
	assert_non_null(d);
	assert_int_equal(d->flags, TN_DHCP_F_PASS);
	assert_int_equal(d->yiaddr, 0);
	free(r.r);

	ports[1].ip4 = ip("10.9.9.9"); /* pb2 on h2: in no subnet */
	r = build(&t, "h2");
	assert_int_equal(count(&r, TN_MAP_DHCP), 0);
	free(r.r);
	nets[0].mtu = 0;
}

/* Releasing frees the arrays and zeroes the struct. */
static void test_release(void **state)
{
	struct topology t = {.networks = calloc(1, sizeof(struct topo_network)),
			     .n_networks = 1,
			     .ports = calloc(2, sizeof(struct topo_port)),
			     .n_ports = 2};

	topology_release(&t);
	assert_null(t.networks);
	assert_null(t.ports);
	assert_int_equal(t.n_ports, 0);
	topology_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_h1_rows),	  cmocka_unit_test(test_geneve_rows),
	    cmocka_unit_test(test_fixed_ips),	  cmocka_unit_test(test_nd_rows),
	    cmocka_unit_test(test_isolation),	  cmocka_unit_test(test_empty_hosts),
	    cmocka_unit_test(test_deterministic), cmocka_unit_test(test_flood_cap),
	    cmocka_unit_test(test_flood_pages),	  cmocka_unit_test(test_flood_pages_shrink),
	    cmocka_unit_test(test_diff_move),	  cmocka_unit_test(test_diff_edges),
	    cmocka_unit_test(test_release),	  cmocka_unit_test(test_matches_reference),
	    cmocka_unit_test(test_dhcp_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
