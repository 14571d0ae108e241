/* compiler_ra.c - the compiler's RA and DHCPv6 rows (see compiler_ra.h). */
#include "compiler_ra.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "compiler_dhcp.h"
#include "model.h"
#include "ra6.h"
#include "tenet_abi.h"

#define CR_OPT_DNS 23 /* RFC 3646: DNS recursive name servers */

_Static_assert(TOPO_DNS_MAX <= RA6_MAX_DNS, "DNS servers fit the RA");
_Static_assert(4 + 16 * TOPO_DNS_MAX <= TN_DHCP6_OPTS_MAX, "DNS servers fit the DHCPv6 row");
_Static_assert(sizeof(struct tn_ra) <= WIRE_VAL_MAX, "an RA row fits a wire row");
_Static_assert(sizeof(struct tn_dhcp6) <= WIRE_VAL_MAX, "a DHCPv6 row fits a wire row");

struct compiler_ra {
	const struct topo_subnet **subnets; /* the IPv6 subnets, by (network_id, id) */
	size_t n_subnets;		    /* entries of subnets */
	const struct topo_rif **rifs;	    /* the IPv6 router interfaces, by subnet_id */
	size_t n_rifs;			    /* entries of rifs */
};

static int cr_cmp_subnet(const void *a, const void *b)
{
	const struct topo_subnet *const *x = a, *const *y = b;
	int c = strncmp((*x)->network_id, (*y)->network_id, TOPO_ID_MAX);

	return c ? c : strncmp((*x)->id, (*y)->id, TOPO_ID_MAX);
}

static int cr_cmp_rif(const void *a, const void *b)
{
	const struct topo_rif *const *x = a, *const *y = b;
	int c = strncmp((*x)->subnet_id, (*y)->subnet_id, TOPO_ID_MAX);

	return c ? c : strncmp((*x)->id, (*y)->id, TOPO_ID_MAX);
}

struct compiler_ra *compiler_ra_new(const struct topology *t)
{
	struct compiler_ra *r;

	if (!t || (t->n_subnets && !t->subnets) || (t->n_rifs && !t->rifs))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->subnets = calloc(t->n_subnets + 1, sizeof(*r->subnets));
	r->rifs = calloc(t->n_rifs + 1, sizeof(*r->rifs));
	if (!r->subnets || !r->rifs) {
		compiler_ra_destroy(&r);
		return NULL;
	}
	for (size_t i = 0; i < t->n_subnets; i++)
		if (t->subnets[i].ip_version == 6)
			r->subnets[r->n_subnets++] = &t->subnets[i];
	for (size_t i = 0; i < t->n_rifs; i++)
		if (t->rifs[i].ip_version == 6)
			r->rifs[r->n_rifs++] = &t->rifs[i];
	qsort(r->subnets, r->n_subnets, sizeof(*r->subnets), cr_cmp_subnet);
	qsort(r->rifs, r->n_rifs, sizeof(*r->rifs), cr_cmp_rif);
	return r;
}

void compiler_ra_destroy(struct compiler_ra **rp)
{
	if (!rp || !*rp)
		return;
	free((*rp)->subnets);
	free((*rp)->rifs);
	free(*rp);
	*rp = NULL;
}

/* The index of the first IPv6 subnet of network net_id (or n_subnets). */
static size_t cr_first(const struct compiler_ra *r, const char *net_id)
{
	size_t lo = 0, hi = r->n_subnets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(r->subnets[mid]->network_id, net_id, TOPO_ID_MAX) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool cr_of_net(const struct compiler_ra *r, size_t i, const char *net_id)
{
	return i < r->n_subnets && !strncmp(r->subnets[i]->network_id, net_id, TOPO_ID_MAX);
}

/* The router interface on subnet sn, or NULL. */
static const struct topo_rif *cr_rif(const struct compiler_ra *r, const struct topo_subnet *sn)
{
	size_t lo = 0, hi = r->n_rifs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(r->rifs[mid]->subnet_id, sn->id, TOPO_ID_MAX) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n_rifs && !strncmp(r->rifs[lo]->subnet_id, sn->id, TOPO_ID_MAX) ? r->rifs[lo]
										       : NULL;
}

/* Whether IPv6 address a lies in subnet sn. */
static bool cr_contains(const struct topo_subnet *sn, const uint8_t *a)
{
	unsigned full = sn->prefix_len / 8, rest = sn->prefix_len % 8;

	if (sn->prefix_len > 128 || memcmp(a, sn->addr, full) != 0)
		return false;
	return !rest || ((a[full] ^ sn->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static void cr_row(struct wire_row *row, uint8_t map, const void *k, const void *v)
{
	memset(row, 0, sizeof(*row));
	row->map = map;
	row->op = WIRE_OP_UPSERT;
	wire_map_sizes(map, &row->key_len, &row->val_len);
	memcpy(row->key, k, row->key_len);
	memcpy(row->val, v, row->val_len);
}

bool compiler_ra_row(const struct compiler_ra *r, const struct topo_network *net,
		     struct wire_row *row)
{
	struct ra6_prefix pfx[RA6_MAX_PREFIXES];
	struct ra6_in in = {.mtu = 0, .prefixes = pfx};
	const struct topo_rif *first = NULL;
	struct tn_ra_key k;
	struct tn_ra v;

	if (!r || !net || !row)
		return false;
	for (size_t i = cr_first(r, net->id); cr_of_net(r, i, net->id); i++) {
		const struct topo_subnet *sn = r->subnets[i];
		const struct topo_rif *rif = sn->ra_mode ? cr_rif(r, sn) : NULL;

		if (!rif || (first && strncmp(rif->router_id, first->router_id, TOPO_ID_MAX)))
			continue;
		if (!first) {
			first = rif;
			memcpy(in.mac, rif->mac, 6);
			in.dns = (const uint8_t(*)[16])sn->dns6;
			in.n_dns = sn->n_dns6;
		}
		in.managed |= sn->ra_mode == MODEL_IPV6_DHCP_STATEFUL;
		in.other |= sn->ra_mode == MODEL_IPV6_DHCP_STATELESS;
		if (in.n_prefixes == RA6_MAX_PREFIXES)
			continue;
		memcpy(pfx[in.n_prefixes].addr, sn->addr, 16);
		pfx[in.n_prefixes].len = sn->prefix_len;
		pfx[in.n_prefixes].autonomous =
		    sn->ra_mode == MODEL_IPV6_SLAAC || sn->ra_mode == MODEL_IPV6_DHCP_STATELESS;
		in.n_prefixes++;
	}
	if (!first)
		return false;
	in.mtu = net->mtu;
	if (ra6_encode(&in, &v))
		return false;
	k.vni = net->vni;
	cr_row(row, TN_MAP_RA, &k, &v);
	return true;
}

/* The server MAC of subnet sn's DHCPv6 answers into mac. */
static void cr_server_mac(const struct compiler_ra *r, const struct topo_subnet *sn, uint8_t *mac)
{
	const struct topo_rif *rif = cr_rif(r, sn);
	uint8_t a[16];

	if (rif) {
		memcpy(mac, rif->mac, 6);
		return;
	}
	memcpy(a, sn->has_gateway ? sn->gateway : sn->addr, 16);
	if (!sn->has_gateway)
		a[15] |= 1;
	mac[0] = 0x0a;
	mac[1] = 0x58;
	memcpy(&mac[2], &a[12], 4);
}

/* The subnet of network net_id holding a, or NULL. */
static const struct topo_subnet *cr_subnet_of(const struct compiler_ra *r, const char *net_id,
					      const uint8_t *a)
{
	for (size_t i = cr_first(r, net_id); cr_of_net(r, i, net_id); i++)
		if (cr_contains(r->subnets[i], a))
			return r->subnets[i];
	return NULL;
}

bool compiler_ra_dhcp6_row(const struct compiler_ra *r, const struct topo_port *p,
			   const struct topo_network *net, struct wire_row *row)
{
	const struct topo_subnet *sn = NULL, *stateless = NULL;
	const uint8_t *addr = NULL;
	bool pass = false;
	struct tn_dhcp6_key k;
	struct tn_dhcp6 v;

	if (!r || !p || !net || !row)
		return false;
	for (size_t i = 0; i < p->n_ip6 && i < TOPO_IP6_MAX && !sn; i++) {
		const struct topo_subnet *s = cr_subnet_of(r, p->network_id, p->ip6[i]);

		if (!s)
			continue;
		if (s->address_mode == MODEL_IPV6_DHCP_STATEFUL) {
			sn = s;
			addr = p->ip6[i];
		} else if (s->address_mode == MODEL_IPV6_DHCP_STATELESS && !stateless) {
			stateless = s;
		}
		pass |= !s->enable_dhcp;
	}
	if (!sn)
		sn = stateless;
	if (!sn && !pass)
		return false;
	memset(&v, 0, sizeof(v));
	if (!sn) {
		v.flags = TN_DHCP6_F_PASS;
	} else {
		cr_server_mac(r, sn, v.server_mac);
		if (addr) {
			v.flags = TN_DHCP6_F_STATEFUL;
			memcpy(v.addr, addr, 16);
			v.preferred = htonl(COMPILER_DHCP_LEASE);
			v.valid = htonl(COMPILER_DHCP_LEASE);
			v.t1 = htonl(COMPILER_DHCP_LEASE / 2);
			v.t2 = htonl(COMPILER_DHCP_LEASE / 5 * 4);
		}
		if (sn->n_dns6) {
			v.opts[1] = CR_OPT_DNS;
			v.opts[3] = (uint8_t)(16 * sn->n_dns6);
			for (size_t i = 0; i < sn->n_dns6 && i < TOPO_DNS_MAX; i++)
				memcpy(&v.opts[4 + 16 * i], sn->dns6[i], 16);
			v.opts_len = (uint16_t)(4 + 16 * sn->n_dns6);
		}
	}
	k.port_id = p->port_key;
	cr_row(row, TN_MAP_DHCP6, &k, &v);
	return true;
}
