/* test_compiler_routes.c - the compiler's rows for routed topologies: a
 * host routes for its own ports, so it gets the routes of the routers on
 * their networks, the router interfaces' FDB and ARP rows, and the rows of
 * the networks routed with its own (to route into them) without their
 * flood lists; the hosts of those networks may tunnel to it. IPv4 and
 * IPv6. */
#include <arpa/inet.h>
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

#include "fixture_compiler.h"

#define VNI_A 100
#define VNI_B 200
#define VNI_C 300 /* another tenant's, same addresses as A */
#define RKEY  7

static const uint8_t mac_ra[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xa1};
static const uint8_t mac_rb[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xb1};

static struct topo_network nets[3];
static struct topo_subnet subnets[3];
static struct topo_router routers[1];
static struct topo_rif rifs[2];
static struct topo_host hosts[3];
static struct topo_port ports[3];

static void ip16(uint8_t dst[16], const char *s)
{
	uint32_t v = ip(s);

	memset(dst, 0, 16);
	memcpy(dst, &v, 4);
}

static void subnet_set(struct topo_subnet *sn, const char *id, const char *net, const char *addr,
		       const char *gw)
{
	memset(sn, 0, sizeof(*sn));
	snprintf(sn->id, sizeof(sn->id), "%s", id);
	snprintf(sn->network_id, sizeof(sn->network_id), "%s", net);
	sn->ip_version = 4;
	sn->prefix_len = 24;
	ip16(sn->addr, addr);
	ip16(sn->gateway, gw);
	sn->has_gateway = true;
}

static void rif_set(struct topo_rif *f, const char *id, const char *sub, const char *net,
		    const uint8_t *mac, const char *addr)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->router_id, sizeof(f->router_id), "r1");
	snprintf(f->subnet_id, sizeof(f->subnet_id), "%s", sub);
	snprintf(f->network_id, sizeof(f->network_id), "%s", net);
	memcpy(f->mac, mac, 6);
	f->ip_version = 4;
	ip16(f->addr, addr);
}

/*
 * Tenant t1: networks A (10.0.1.0/24) and B (10.0.2.0/24) on router r1
 * (key RKEY), which also routes 192.168.0.0/16 via 10.0.2.50 (on B) and
 * 10.9.0.0/16 via 10.7.7.7 (on none of its subnets: left out). pa on h1 in
 * A, pb on h2 in B. Tenant t2: network C with A's addresses, pc on h3.
 */
static struct topology topo(void)
{
	struct topology t = {.networks = nets,
			     .n_networks = 3,
			     .subnets = subnets,
			     .n_subnets = 3,
			     .routers = routers,
			     .n_routers = 1,
			     .rifs = rifs,
			     .n_rifs = 2,
			     .hosts = hosts,
			     .n_hosts = 3,
			     .ports = ports,
			     .n_ports = 3};

	nets[0] = (struct topo_network){.id = "net-a", .tenant_id = "t1", .vni = VNI_A};
	nets[1] = (struct topo_network){.id = "net-b", .tenant_id = "t1", .vni = VNI_B};
	nets[2] = (struct topo_network){.id = "net-c", .tenant_id = "t2", .vni = VNI_C};
	subnet_set(&subnets[0], "sub-a", "net-a", "10.0.1.0", "10.0.1.1");
	subnet_set(&subnets[1], "sub-b", "net-b", "10.0.2.0", "10.0.2.1");
	subnet_set(&subnets[2], "sub-c", "net-c", "10.0.1.0", "10.0.1.1");
	memset(routers, 0, sizeof(routers));
	snprintf(routers[0].id, sizeof(routers[0].id), "r1");
	snprintf(routers[0].tenant_id, sizeof(routers[0].tenant_id), "t1");
	routers[0].router_key = RKEY;
	routers[0].n_routes = 2;
	routers[0].routes[0] = (struct topo_route){.ip_version = 4, .prefix_len = 16};
	ip16(routers[0].routes[0].dest, "192.168.0.0");
	ip16(routers[0].routes[0].nexthop, "10.0.2.50");
	routers[0].routes[1] = (struct topo_route){.ip_version = 4, .prefix_len = 16};
	ip16(routers[0].routes[1].dest, "10.9.0.0");
	ip16(routers[0].routes[1].nexthop, "10.7.7.7");
	rif_set(&rifs[0], "rif-a", "sub-a", "net-a", mac_ra, "10.0.1.1");
	rif_set(&rifs[1], "rif-b", "sub-b", "net-b", mac_rb, "10.0.2.1");
	memset(hosts, 0, sizeof(hosts));
	for (int i = 0; i < 3; i++) {
		char addr[32];

		snprintf(hosts[i].name, sizeof(hosts[i].name), "h%d", i + 1);
		hosts[i].host_id = (uint32_t)i + 1;
		snprintf(addr, sizeof(addr), "198.18.0.%d", i + 1);
		hosts[i].ip4 = ip(addr);
	}
	port_set(&ports[0], "pa", "net-a", 1, 0x0a, "10.0.1.10", "h1", "vpa");
	port_set(&ports[1], "pb", "net-b", 2, 0x0b, "10.0.2.20", "h2", "vpb");
	port_set(&ports[2], "pc", "net-c", 3, 0x0c, "10.0.1.10", "h3", "vpc");
	return t;
}

/* The ROUTE4 row of (RKEY, dest/plen) on r equals want. */
static void route_is(const struct rows *r, const char *dest, uint32_t plen,
		     const struct tn_route4 *want)
{
	struct tn_route4_key k = {
	    .prefixlen = 32 + plen, .router_key = htonl(RKEY), .ip4 = ip(dest)};
	const struct wire_row *w = find(r, TN_MAP_ROUTE4, &k);

	assert_non_null(w);
	assert_int_equal(w->val_len, sizeof(*want));
	assert_memory_equal(w->val, want, sizeof(*want));
}

static void test_routed_host(void **state)
{
	struct topology t = topo();
	struct rows r = build(&t, "h1");
	struct tn_route4 ca = {
	    .vni = VNI_A, .flags = TN_ROUTE_F_CONNECTED, .src_ip4 = ip("10.0.1.1")};
	struct tn_route4 cb = {
	    .vni = VNI_B, .flags = TN_ROUTE_F_CONNECTED, .src_ip4 = ip("10.0.2.1")};
	struct tn_route4 st = {.vni = VNI_B, .nh_ip4 = ip("10.0.2.50"), .src_ip4 = ip("10.0.2.1")};
	struct tn_fdb_key fk = {.vni = VNI_B};
	struct tn_fdb rfv = {.flags = TN_FDB_F_ROUTER, .router_key = RKEY, .ip4 = ip("10.0.2.1")};
	struct tn_fdb pbv = {.port_id = 2,
			     .remote_ip4 = hosts[1].ip4,
			     .flags = TN_FDB_F_REMOTE,
			     .ip4 = ip("10.0.2.20")};
	struct tn_arp_key ak = {.vni = VNI_A, .ip4 = ip("10.0.1.1")};
	struct tn_arp rav = {.flags = TN_ARP_F_ROUTER};
	struct tn_tun_allow_key tk = {.vni = VNI_A, .remote_ip4 = hosts[1].ip4};
	struct tn_flood_key flk = {.vni = VNI_B};
	const struct wire_row *w;

	memcpy(ca.mac, mac_ra, 6);
	memcpy(cb.mac, mac_rb, 6);
	memcpy(st.mac, mac_rb, 6);
	assert_int_equal(count(&r, TN_MAP_ROUTE4), 3); /* 10.9.0.0/16 has no interface */
	route_is(&r, "10.0.1.0", 24, &ca);
	route_is(&r, "10.0.2.0", 24, &cb);
	route_is(&r, "192.168.0.0", 16, &st);
	/* pa local, A's router MAC, pb remote, B's router MAC */
	assert_int_equal(count(&r, TN_MAP_FDB), 4);
	memcpy(fk.mac, mac_rb, 6);
	assert_non_null(w = find(&r, TN_MAP_FDB, &fk));
	assert_memory_equal(w->val, &rfv, sizeof(rfv));
	fk.mac[0] = 2, fk.mac[3] = 0, fk.mac[4] = 0, fk.mac[5] = 0x0b;
	fk.mac[1] = fk.mac[2] = 0;
	assert_non_null(w = find(&r, TN_MAP_FDB, &fk));
	assert_memory_equal(w->val, &pbv, sizeof(pbv));
	/* the gateways answer with the router's MACs */
	assert_int_equal(count(&r, TN_MAP_ARP), 4);
	memcpy(rav.mac, mac_ra, 6);
	assert_non_null(w = find(&r, TN_MAP_ARP, &ak));
	assert_memory_equal(w->val, &rav, sizeof(rav));
	/* h1 floods in A only, and accepts A from h2, which routes into it */
	assert_int_equal(count(&r, TN_MAP_FLOOD), 1);
	assert_null(find(&r, TN_MAP_FLOOD, &flk));
	assert_int_equal(count(&r, TN_MAP_TUN_ALLOW), 1);
	assert_non_null(find(&r, TN_MAP_TUN_ALLOW, &tk));
	/* nothing of tenant t2 */
	ak.vni = VNI_C;
	assert_null(find(&r, TN_MAP_ARP, &ak));
	free(r.r);
}

/* The other tenant's host sees no router; a router without ports on a
 * host's networks is not on that host. */
static void test_isolated_host(void **state)
{
	struct topology t = topo();
	struct rows r = build(&t, "h3");
	struct tn_arp_key ak = {.vni = VNI_C, .ip4 = ip("10.0.1.1")};

	assert_int_equal(count(&r, TN_MAP_ROUTE4), 0);
	assert_int_equal(count(&r, TN_MAP_FDB), 1);
	assert_int_equal(count(&r, TN_MAP_ARP), 1);
	assert_null(find(&r, TN_MAP_ARP, &ak)); /* C's gateway has no router */
	assert_int_equal(count(&r, TN_MAP_TUN_ALLOW), 0);
	free(r.r);
}

/* Symmetric: h2 routes back into A, and h1 may tunnel into B on h2. */
static void test_routed_back(void **state)
{
	struct topology t = topo();
	struct rows r = build(&t, "h2");
	struct tn_tun_allow_key tk = {.vni = VNI_B, .remote_ip4 = hosts[0].ip4};
	struct tn_fdb_key fk = {.vni = VNI_A, .mac = {2, 0, 0, 0, 0, 0x0a}};
	const struct wire_row *w;

	assert_int_equal(count(&r, TN_MAP_ROUTE4), 3);
	assert_non_null(find(&r, TN_MAP_TUN_ALLOW, &tk));
	assert_non_null(w = find(&r, TN_MAP_FDB, &fk));
	assert_int_equal(((const struct tn_fdb *)w->val)->remote_ip4, hosts[0].ip4);
	free(r.r);
}

/* An interface removed: its network is no longer routed with the other,
 * its routes and the static route through it go. */
static void test_interface_gone(void **state)
{
	struct topology t = topo();
	struct rows r;

	t.n_rifs = 1; /* rif-a only */
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_ROUTE4), 1);
	assert_int_equal(count(&r, TN_MAP_FDB), 2); /* pa, A's router MAC */
	assert_int_equal(count(&r, TN_MAP_TUN_ALLOW), 0);
	free(r.r);
	/* a dangling interface (unknown router) is ignored */
	t.n_rifs = 2;
	snprintf(rifs[1].router_id, sizeof(rifs[1].router_id), "r-gone");
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_ROUTE4), 1);
	free(r.r);
}

/* IPv6 address text s into dst (network order). */
static void ip6(uint8_t dst[16], const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, dst), 1);
}

static const uint8_t mac_ra6[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xa6};
static const uint8_t mac_rb6[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xb6};
static struct topo_subnet subnets6[5];
static struct topo_rif rifs6[4];

/* An IPv6 subnet prefix/64 on net, gateway gw. */
static void subnet6_set(struct topo_subnet *sn, const char *id, const char *net, const char *prefix,
			const char *gw)
{
	memset(sn, 0, sizeof(*sn));
	snprintf(sn->id, sizeof(sn->id), "%s", id);
	snprintf(sn->network_id, sizeof(sn->network_id), "%s", net);
	sn->ip_version = 6;
	sn->prefix_len = 64;
	ip6(sn->addr, prefix);
	ip6(sn->gateway, gw);
	sn->has_gateway = true;
}

/* An IPv6 static route of r1: dest/plen via nh. */
static void route6_add(const char *dest, uint8_t plen, const char *nh)
{
	struct topo_route *ro = &routers[0].routes[routers[0].n_routes++];

	*ro = (struct topo_route){.ip_version = 6, .prefix_len = plen};
	ip6(ro->dest, dest);
	ip6(ro->nexthop, nh);
}

/*
 * topo() with IPv6 as well: A also has fd00:a::/64, B fd00:b::/64, each
 * with its own interface of r1 (MACs mac_ra6, mac_rb6) at ::1; pa has
 * fd00:a::10, pb fd00:b::20, pc (tenant t2) fd00:a::10 too. r1 also routes
 * fd00:99::/48 via fd00:b::50 (on B), fd00:77::/48 via fd00:c::1 (on no
 * subnet of r1: left out) and fd00:a::/64 via fd00:b::50 (a connected
 * prefix: the subnet wins).
 */
static struct topology topo6(void)
{
	struct topology t = topo();

	subnets6[0] = subnets[0];
	subnet6_set(&subnets6[1], "sub-a6", "net-a", "fd00:a::", "fd00:a::1");
	subnets6[2] = subnets[1];
	subnet6_set(&subnets6[3], "sub-b6", "net-b", "fd00:b::", "fd00:b::1");
	subnets6[4] = subnets[2];
	t.subnets = subnets6;
	t.n_subnets = 5;
	rifs6[0] = rifs[0];
	rif_set(&rifs6[1], "rif-a6", "sub-a6", "net-a", mac_ra6, "10.0.0.0");
	rifs6[1].ip_version = 6;
	ip6(rifs6[1].addr, "fd00:a::1");
	rifs6[2] = rifs[1];
	rif_set(&rifs6[3], "rif-b6", "sub-b6", "net-b", mac_rb6, "10.0.0.0");
	rifs6[3].ip_version = 6;
	ip6(rifs6[3].addr, "fd00:b::1");
	t.rifs = rifs6;
	t.n_rifs = 4;
	route6_add("fd00:99::", 48, "fd00:b::50");
	route6_add("fd00:77::", 48, "fd00:c::1");
	route6_add("fd00:a::", 64, "fd00:b::50");
	ip6(ports[0].ip6[0], "fd00:a::10");
	ip6(ports[1].ip6[0], "fd00:b::20");
	ip6(ports[2].ip6[0], "fd00:a::10");
	for (int i = 0; i < 3; i++)
		ports[i].n_ip6 = 1;
	return t;
}

/* The ROUTE6 row of (RKEY, dest/plen) on r equals want. */
static void route6_is(const struct rows *r, const char *dest, uint32_t plen,
		      const struct tn_route6 *want)
{
	struct tn_route6_key k = {.prefixlen = 32 + plen, .router_key = htonl(RKEY)};
	const struct wire_row *w;

	ip6(k.ip6, dest);
	w = find(r, TN_MAP_ROUTE6, &k);
	assert_non_null(w);
	assert_int_equal(w->key_len, sizeof(k));
	assert_int_equal(w->val_len, sizeof(*want));
	assert_memory_equal(w->val, want, sizeof(*want));
}

/* The ND row of (vni, addr) on r equals want. */
static void nd_is(const struct rows *r, uint32_t vni, const char *addr, const struct tn_nd *want)
{
	struct tn_nd_key k = {.vni = vni};
	const struct wire_row *w;

	ip6(k.ip6, addr);
	w = find(r, TN_MAP_ND, &k);
	assert_non_null(w);
	assert_memory_equal(w->val, want, sizeof(*want));
}

/*
 * IPv6 routing on h1: r1's connected IPv6 routes and the static route
 * whose next hop is on B, from the interfaces' addresses; the gateways
 * and the interfaces' link-local addresses as router ND rows; B's port's
 * ND row, to route to it; rows in map order (build() checks it).
 */
static void test_routed_host6(void **state)
{
	struct topology t = topo6();
	struct rows r = build(&t, "h1");
	struct tn_route6 ca = {.vni = VNI_A, .flags = TN_ROUTE_F_CONNECTED};
	struct tn_route6 cb = {.vni = VNI_B, .flags = TN_ROUTE_F_CONNECTED};
	struct tn_route6 st = {.vni = VNI_B};
	struct tn_nd gw_a = {.flags = TN_ND_F_ROUTER}, gw_b = {.flags = TN_ND_F_ROUTER};
	struct tn_nd pa = {.port_id = 1, .mac = {2, 0, 0, 0, 0, 0x0a}};
	struct tn_nd pb = {.port_id = 2, .mac = {2, 0, 0, 0, 0, 0x0b}, .remote_ip4 = hosts[1].ip4};
	struct tn_fdb_key fk = {.vni = VNI_B};
	struct tn_fdb rfv = {.flags = TN_FDB_F_ROUTER, .router_key = RKEY};
	const struct wire_row *w;

	(void)state;
	memcpy(ca.mac, mac_ra6, 6);
	ip6(ca.src_ip6, "fd00:a::1");
	memcpy(cb.mac, mac_rb6, 6);
	ip6(cb.src_ip6, "fd00:b::1");
	memcpy(st.mac, mac_rb6, 6);
	ip6(st.nh_ip6, "fd00:b::50");
	ip6(st.src_ip6, "fd00:b::1");
	assert_int_equal(count(&r, TN_MAP_ROUTE6), 3);
	route6_is(&r, "fd00:a::", 64, &ca);
	route6_is(&r, "fd00:b::", 64, &cb);
	route6_is(&r, "fd00:99::", 48, &st);
	assert_int_equal(count(&r, TN_MAP_ROUTE4), 3); /* IPv4 as before */
	memcpy(gw_a.mac, mac_ra6, 6);
	memcpy(gw_b.mac, mac_rb6, 6);
	assert_int_equal(count(&r, TN_MAP_ND), 6);
	nd_is(&r, VNI_A, "fd00:a::1", &gw_a);
	nd_is(&r, VNI_A, "fe80::f816:3eff:fe00:a6", &gw_a);
	nd_is(&r, VNI_B, "fd00:b::1", &gw_b);
	nd_is(&r, VNI_B, "fe80::f816:3eff:fe00:b6", &gw_b);
	nd_is(&r, VNI_A, "fd00:a::10", &pa);
	nd_is(&r, VNI_B, "fd00:b::20", &pb);
	/* the IPv6 interface's MAC leads to the router too (no IPv4 on it) */
	memcpy(fk.mac, mac_rb6, 6);
	assert_non_null(w = find(&r, TN_MAP_FDB, &fk));
	assert_memory_equal(w->val, &rfv, sizeof(rfv));
	free(r.r);
}

/* The other tenant's host, with the same IPv6 addresses, gets no route
 * and no router's ND row. */
static void test_isolated_host6(void **state)
{
	struct topology t = topo6();
	struct rows r = build(&t, "h3");
	struct tn_nd_key k = {.vni = VNI_C};

	(void)state;
	assert_int_equal(count(&r, TN_MAP_ROUTE6), 0);
	assert_int_equal(count(&r, TN_MAP_ND), 1); /* pc's own address */
	ip6(k.ip6, "fd00:a::1");
	assert_null(find(&r, TN_MAP_ND, &k));
	free(r.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routed_host),	 cmocka_unit_test(test_isolated_host),
	    cmocka_unit_test(test_routed_back),	 cmocka_unit_test(test_interface_gone),
	    cmocka_unit_test(test_routed_host6), cmocka_unit_test(test_isolated_host6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
