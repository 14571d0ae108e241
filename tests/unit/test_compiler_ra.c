/* test_compiler_ra.c - IPv6 configuration: the router advertisement rows
 * (tn_ra) and DHCPv6 rows (tn_dhcp6) the compiler emits
 * (controller/compiler_ra.c), the RA encoder and frame (common/ra6.c) and
 * the validation of ipv6_ra_mode / ipv6_address_mode (common/model.c). */
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
#include <jansson.h>
#include <linux/types.h>

#include "compiler.h"
#include "model.h"
#include "ra6.h"
#include "tenet_abi.h"
#include "wire.h"

#include "fixture_compiler.h"

#define VNI_A 100 /* slaac, router r1 */
#define VNI_B 200 /* dhcpv6-stateful, router r1 */
#define VNI_C 300 /* IPv6 without modes */

static const uint8_t mac_ra[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xa1};
static const uint8_t mac_rb[6] = {0xfa, 0x16, 0x3e, 0, 0, 0xb1};

static struct topo_network nets[3];
static struct topo_subnet subnets[3];
static struct topo_router routers[1];
static struct topo_rif rifs[2];
static struct topo_host hosts[2];
static struct topo_port ports[3];

static void ip6(uint8_t dst[16], const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, dst), 1);
}

static void subnet6(struct topo_subnet *sn, const char *id, const char *net, const char *addr,
		    uint8_t mode)
{
	memset(sn, 0, sizeof(*sn));
	snprintf(sn->id, sizeof(sn->id), "%s", id);
	snprintf(sn->network_id, sizeof(sn->network_id), "%s", net);
	sn->ip_version = 6;
	sn->prefix_len = 64;
	sn->enable_dhcp = true;
	ip6(sn->addr, addr);
	memcpy(sn->gateway, sn->addr, 16);
	sn->gateway[15] = 1;
	sn->has_gateway = true;
	sn->ra_mode = sn->address_mode = mode;
	sn->n_dns6 = 1;
	ip6(sn->dns6[0], "2001:db8::53");
}

static void rif6(struct topo_rif *f, const char *id, const struct topo_subnet *sn,
		 const uint8_t *mac)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->router_id, sizeof(f->router_id), "r1");
	snprintf(f->subnet_id, sizeof(f->subnet_id), "%s", sn->id);
	snprintf(f->network_id, sizeof(f->network_id), "%s", sn->network_id);
	memcpy(f->mac, mac, 6);
	f->ip_version = 6;
	memcpy(f->addr, sn->gateway, 16);
}

/* pa (net-a, EUI-64 address), pb (net-b, 2001:db8:2::20) and pc (net-c)
 * on h1; h2 has no port. */
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
			     .n_hosts = 2,
			     .ports = ports,
			     .n_ports = 3};

	nets[0] =
	    (struct topo_network){.id = "net-a", .tenant_id = "t1", .vni = VNI_A, .mtu = 1450};
	nets[1] =
	    (struct topo_network){.id = "net-b", .tenant_id = "t1", .vni = VNI_B, .mtu = 1450};
	nets[2] =
	    (struct topo_network){.id = "net-c", .tenant_id = "t1", .vni = VNI_C, .mtu = 1450};
	subnet6(&subnets[0], "sub-a", "net-a", "2001:db8:1::", MODEL_IPV6_SLAAC);
	subnet6(&subnets[1], "sub-b", "net-b", "2001:db8:2::", MODEL_IPV6_DHCP_STATEFUL);
	subnet6(&subnets[2], "sub-c", "net-c", "2001:db8:3::", 0);
	memset(routers, 0, sizeof(routers));
	snprintf(routers[0].id, sizeof(routers[0].id), "r1");
	snprintf(routers[0].tenant_id, sizeof(routers[0].tenant_id), "t1");
	routers[0].router_key = 7;
	rif6(&rifs[0], "rif-a", &subnets[0], mac_ra);
	rif6(&rifs[1], "rif-b", &subnets[1], mac_rb);
	memset(hosts, 0, sizeof(hosts));
	snprintf(hosts[0].name, sizeof(hosts[0].name), "h1");
	hosts[0].host_id = 1;
	hosts[0].ip4 = ip("198.18.0.1");
	snprintf(hosts[1].name, sizeof(hosts[1].name), "h2");
	hosts[1].host_id = 2;
	hosts[1].ip4 = ip("198.18.0.2");
	port_set(&ports[0], "pa", "net-a", 1, 0x0a, "0.0.0.0", "h1", "vpa");
	port_set(&ports[1], "pb", "net-b", 2, 0x0b, "0.0.0.0", "h1", "vpb");
	port_set(&ports[2], "pc", "net-c", 3, 0x0c, "0.0.0.0", "h1", "vpc");
	ports[0].n_ip6 = ports[1].n_ip6 = ports[2].n_ip6 = 1;
	ip6(ports[0].ip6[0], "2001:db8:1::ff:fe00:a");
	ip6(ports[1].ip6[0], "2001:db8:2::20");
	ip6(ports[2].ip6[0], "2001:db8:3::30");
	return t;
}

static const struct tn_ra *ra_of(const struct rows *r, uint32_t vni)
{
	static struct tn_ra v;
	struct tn_ra_key k = {.vni = vni};
	const struct wire_row *w = find(r, TN_MAP_RA, &k);

	if (!w)
		return NULL;
	assert_int_equal(w->val_len, sizeof(v));
	memcpy(&v, w->val, sizeof(v));
	return &v;
}

static const struct tn_dhcp6 *dhcp6_of(const struct rows *r, uint32_t port_key)
{
	static struct tn_dhcp6 v;
	struct tn_dhcp6_key k = {.port_id = port_key};
	const struct wire_row *w = find(r, TN_MAP_DHCP6, &k);

	if (!w)
		return NULL;
	assert_int_equal(w->val_len, sizeof(v));
	memcpy(&v, w->val, sizeof(v));
	return &v;
}

/* The RA row of net is ra6_encode's for (mac, M, O, prefix of sn, A). */
static void ra_is(const struct tn_ra *got, const uint8_t *mac, bool m, bool o,
		  const struct topo_subnet *sn, bool autonomous)
{
	struct ra6_prefix p = {.len = 64, .autonomous = autonomous};
	struct ra6_in in = {.managed = m,
			    .other = o,
			    .mtu = 1450,
			    .prefixes = &p,
			    .n_prefixes = 1,
			    .dns = (const uint8_t(*)[16])sn->dns6,
			    .n_dns = 1};
	struct tn_ra want;

	memcpy(p.addr, sn->addr, 16);
	memcpy(in.mac, mac, 6);
	assert_int_equal(ra6_encode(&in, &want), 0);
	assert_non_null(got);
	assert_memory_equal(got, &want, sizeof(want));
	assert_int_equal(got->msg[5], (m ? 0x80 : 0) | (o ? 0x40 : 0));
}

static void test_ra_rows(void **state)
{
	struct topology t = topo();
	struct rows r;

	(void)state;
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_RA), 2);
	ra_is(ra_of(&r, VNI_A), mac_ra, false, false, &subnets[0], true);
	ra_is(ra_of(&r, VNI_B), mac_rb, true, false, &subnets[1], false);
	assert_null(ra_of(&r, VNI_C)); /* no ra mode */
	free(r.r);
	/* no router interface: no RA; stateless: O and autonomous */
	t.n_rifs = 1;
	subnets[0].ra_mode = subnets[0].address_mode = MODEL_IPV6_DHCP_STATELESS;
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_RA), 1);
	ra_is(ra_of(&r, VNI_A), mac_ra, false, true, &subnets[0], true);
	free(r.r);
	/* a host without ports gets none */
	r = build(&t, "h2");
	assert_int_equal(count(&r, TN_MAP_RA) + count(&r, TN_MAP_DHCP6), 0);
	free(r.r);
}

static void test_dhcp6_rows(void **state)
{
	struct topology t = topo();
	const struct tn_dhcp6 *d;
	uint8_t want_addr[16];
	struct rows r;

	(void)state;
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_DHCP6), 1);
	assert_null(dhcp6_of(&r, 1)); /* slaac: nothing to answer */
	assert_null(dhcp6_of(&r, 3)); /* no modes */
	d = dhcp6_of(&r, 2);
	assert_non_null(d);
	assert_int_equal(d->flags, TN_DHCP6_F_STATEFUL);
	ip6(want_addr, "2001:db8:2::20");
	assert_memory_equal(d->addr, want_addr, 16);
	assert_memory_equal(d->server_mac, mac_rb, 6);
	assert_int_equal(ntohl(d->valid), 86400);
	assert_int_equal(ntohl(d->preferred), 86400);
	assert_int_equal(ntohl(d->t1), 43200);
	assert_int_equal(ntohl(d->t2), 69120);
	assert_int_equal(d->opts_len, 20);
	assert_memory_equal(d->opts, ((uint8_t[]){0, 23, 0, 16}), 4);
	assert_memory_equal(d->opts + 4, subnets[1].dns6[0], 16);
	free(r.r);
	/* stateless: configuration only; DHCP off: on to L2; no router
	 * interface: a server MAC from the gateway */
	subnets[0].ra_mode = subnets[0].address_mode = MODEL_IPV6_DHCP_STATELESS;
	subnets[2].enable_dhcp = false;
	t.n_rifs = 1;
	r = build(&t, "h1");
	assert_int_equal(count(&r, TN_MAP_DHCP6), 3);
	d = dhcp6_of(&r, 1);
	assert_int_equal(d->flags, 0);
	assert_memory_equal(d->addr, (uint8_t[16]){0}, 16);
	assert_memory_equal(d->server_mac, mac_ra, 6);
	assert_int_equal(d->opts_len, 20);
	d = dhcp6_of(&r, 2);
	assert_int_equal(d->flags, TN_DHCP6_F_STATEFUL);
	assert_memory_equal(d->server_mac, ((uint8_t[]){0x0a, 0x58, 0, 0, 0, 1}), 6);
	d = dhcp6_of(&r, 3);
	assert_int_equal(d->flags, TN_DHCP6_F_PASS);
	free(r.r);
}

static void test_ra6_encode(void **state)
{
	struct ra6_prefix p[RA6_MAX_PREFIXES + 1] = {{.len = 64}};
	struct ra6_in in = {.prefixes = p, .n_prefixes = RA6_MAX_PREFIXES + 1};
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	uint8_t frame[512];
	struct tn_ra row;
	size_t len;

	(void)state;
	assert_int_equal(ra6_encode(&in, &row), -EINVAL);
	in.n_prefixes = 1;
	p[0].len = 0;
	assert_int_equal(ra6_encode(&in, &row), -EINVAL);
	p[0].len = 64;
	in.mtu = 1279; /* below IPv6's minimum: no MTU option */
	assert_int_equal(ra6_encode(&in, &row), 0);
	assert_int_equal(row.msg_len, 16 + 8 + 32);
	assert_int_equal(ra6_encode(NULL, &row), -EINVAL);
	assert_int_equal(ra6_frame(&row, mac, p[0].addr, frame, 16, &len), -ENOSPC);
	assert_int_equal(ra6_frame(&row, mac, p[0].addr, frame, sizeof(frame), &len), 0);
	assert_int_equal(len, 54 + row.msg_len);
	row.msg_len = 20;
	assert_int_equal(ra6_frame(&row, mac, p[0].addr, frame, sizeof(frame), &len), -EINVAL);
}

/* Validates subnet body json; returns the error field ("" when valid). */
static const char *subnet_err(const char *json)
{
	static struct model_error err;
	json_t *body = json_loads(json, 0, NULL);
	int rc;

	assert_non_null(body);
	memset(&err, 0, sizeof(err));
	rc = model_validate_create(MODEL_SUBNET, body, &err);
	json_decref(body);
	return rc ? err.field : "";
}

#define NET "\"network_id\": \"6e5c1a9e-6a3b-4c1e-9b6a-1f2e3d4c5b6a\""

static void test_modes_validated(void **state)
{
	(void)state;
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_ra_mode\": \"slaac\", \"ipv6_address_mode\": "
				       "\"slaac\"}"),
			    "");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_ra_mode\": \"dhcpv6-stateful\"}"),
			    "");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_address_mode\": \"dhcpv6-stateless\"}"),
			    "");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_ra_mode\": null}"),
			    "");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_ra_mode\": \"radvd\"}"),
			    "ipv6_ra_mode");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_ra_mode\": 6}"),
			    "ipv6_ra_mode");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"10.0.0.0/24\", "
				       "\"ipv6_address_mode\": \"slaac\"}"),
			    "ipv6_address_mode");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_ra_mode\": \"slaac\", \"ipv6_address_mode\": "
				       "\"dhcpv6-stateful\"}"),
			    "ipv6_address_mode");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/64\", "
				       "\"ipv6_ra_mode\": \"slaac\", \"enable_dhcp\": false}"),
			    "enable_dhcp");
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/80\", "
				       "\"ipv6_address_mode\": \"slaac\"}"),
			    "cidr");
	/* stateful takes any prefix */
	assert_string_equal(subnet_err("{" NET ", \"cidr\": \"2001:db8::/80\", "
				       "\"ipv6_address_mode\": \"dhcpv6-stateful\"}"),
			    "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ra_rows),
	    cmocka_unit_test(test_dhcp6_rows),
	    cmocka_unit_test(test_ra6_encode),
	    cmocka_unit_test(test_modes_validated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
