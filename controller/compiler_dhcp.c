/* compiler_dhcp.c - the compiler's DHCPv4 rows (see compiler_dhcp.h). */
#include "compiler_dhcp.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "dhcp_opts.h"
#include "tenet_abi.h"

_Static_assert(TOPO_HOST_ROUTES_MAX <= DHCP_OPTS_MAX_ROUTES, "host routes fit the options");
_Static_assert(TOPO_DNS_MAX <= DHCP_OPTS_MAX_DNS, "DNS servers fit the options");
_Static_assert(sizeof(struct tn_dhcp) <= WIRE_VAL_MAX, "a DHCP row fits a wire row");

struct compiler_dhcp {
	const struct topology *t;	    /* input (borrowed) */
	const struct topo_subnet **subnets; /* its IPv4 subnets, by network_id */
	size_t n_subnets;		    /* entries of subnets */
	const struct topo_rif **rifs;	    /* its IPv4 router interfaces, by subnet_id */
	size_t n_rifs;			    /* entries of rifs */
};

static int cd_cmp_subnet(const void *a, const void *b)
{
	const struct topo_subnet *const *x = a, *const *y = b;
	int c = strncmp((*x)->network_id, (*y)->network_id, TOPO_ID_MAX);

	return c ? c : strncmp((*x)->id, (*y)->id, TOPO_ID_MAX);
}

static int cd_cmp_rif(const void *a, const void *b)
{
	const struct topo_rif *const *x = a, *const *y = b;
	int c = strncmp((*x)->subnet_id, (*y)->subnet_id, TOPO_ID_MAX);

	return c ? c : strncmp((*x)->id, (*y)->id, TOPO_ID_MAX);
}

struct compiler_dhcp *compiler_dhcp_new(const struct topology *t)
{
	struct compiler_dhcp *d;

	if (!t || (t->n_subnets && !t->subnets) || (t->n_rifs && !t->rifs))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->t = t;
	d->subnets = calloc(t->n_subnets + 1, sizeof(*d->subnets));
	d->rifs = calloc(t->n_rifs + 1, sizeof(*d->rifs));
	if (!d->subnets || !d->rifs) {
		compiler_dhcp_destroy(&d);
		return NULL;
	}
	for (size_t i = 0; i < t->n_subnets; i++)
		if (t->subnets[i].ip_version == 4)
			d->subnets[d->n_subnets++] = &t->subnets[i];
	for (size_t i = 0; i < t->n_rifs; i++)
		if (t->rifs[i].ip_version == 4)
			d->rifs[d->n_rifs++] = &t->rifs[i];
	qsort(d->subnets, d->n_subnets, sizeof(*d->subnets), cd_cmp_subnet);
	qsort(d->rifs, d->n_rifs, sizeof(*d->rifs), cd_cmp_rif);
	return d;
}

void compiler_dhcp_destroy(struct compiler_dhcp **dp)
{
	if (!dp || !*dp)
		return;
	free((*dp)->subnets);
	free((*dp)->rifs);
	free(*dp);
	*dp = NULL;
}

/* The mask of an IPv4 prefix length, network order. */
static uint32_t cd_mask(unsigned plen)
{
	return plen ? htonl(0xffffffffu << (32 - plen)) : 0;
}

/* The IPv4 subnet of network net_id that holds ip (network order), or NULL. */
static const struct topo_subnet *cd_subnet(const struct compiler_dhcp *d, const char *net_id,
					   uint32_t ip)
{
	size_t lo = 0, hi = d->n_subnets;

	while (lo < hi) { /* the first subnet of net_id */
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(d->subnets[mid]->network_id, net_id, TOPO_ID_MAX) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->n_subnets && !strncmp(d->subnets[lo]->network_id, net_id, TOPO_ID_MAX);
	     lo++) {
		const struct topo_subnet *sn = d->subnets[lo];
		uint32_t net;

		memcpy(&net, sn->addr, 4);
		if (sn->prefix_len <= 32 && (ip & cd_mask(sn->prefix_len)) == net)
			return sn;
	}
	return NULL;
}

/* The router interface on subnet sn, or NULL. */
static const struct topo_rif *cd_rif(const struct compiler_dhcp *d, const struct topo_subnet *sn)
{
	size_t lo = 0, hi = d->n_rifs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(d->rifs[mid]->subnet_id, sn->id, TOPO_ID_MAX) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->n_rifs && !strncmp(d->rifs[lo]->subnet_id, sn->id, TOPO_ID_MAX) ? d->rifs[lo]
										       : NULL;
}

/* Server identifier and MAC of subnet sn's answers into v. */
static void cd_server(const struct compiler_dhcp *d, const struct topo_subnet *sn,
		      struct tn_dhcp *v)
{
	const struct topo_rif *rif = cd_rif(d, sn);
	uint32_t net;

	if (sn->has_gateway) {
		memcpy(&v->server_id, sn->gateway, 4);
	} else { /* the last host address: allocation takes the lowest first */
		memcpy(&net, sn->addr, 4);
		v->server_id = (net | ~cd_mask(sn->prefix_len)) ^ htonl(1);
	}
	if (rif) {
		memcpy(v->server_mac, rif->mac, 6);
	} else {
		v->server_mac[0] = 0x0a;
		v->server_mac[1] = 0x58;
		memcpy(&v->server_mac[2], &v->server_id, 4);
	}
}

/* Encodes the options of subnet sn on network net into v. False when they
 * do not fit (validation bounds the model so that they always do). */
static bool cd_opts(const struct topo_subnet *sn, const struct topo_network *net, struct tn_dhcp *v)
{
	struct dhcp_route routes[TOPO_HOST_ROUTES_MAX];
	struct dhcp_opts_in in = {.prefix_len = sn->prefix_len,
				  .dns = sn->dns4,
				  .n_dns = sn->n_dns4,
				  .mtu = net->mtu,
				  .routes = routes};
	size_t len = 0;

	if (sn->has_gateway)
		memcpy(&in.router, sn->gateway, 4);
	for (size_t i = 0; i < sn->n_host_routes && i < TOPO_HOST_ROUTES_MAX; i++) {
		const struct topo_route *r = &sn->host_routes[i];

		if (r->ip_version != 4)
			continue;
		routes[in.n_routes].prefix = r->prefix_len;
		memcpy(&routes[in.n_routes].dst, r->dest, 4);
		memcpy(&routes[in.n_routes].nexthop, r->nexthop, 4);
		in.n_routes++;
	}
	if (dhcp_opts_encode(&in, v->opts, sizeof(v->opts), &len))
		return false;
	v->opts_len = (uint16_t)len;
	return true;
}

bool compiler_dhcp_row(const struct compiler_dhcp *d, const struct topo_port *p,
		       const struct topo_network *net, struct wire_row *row)
{
	const struct topo_subnet *sn;
	struct tn_dhcp_key k = {.port_id = p ? p->port_key : 0};
	struct tn_dhcp v;

	if (!d || !p || !net || !row || !p->ip4)
		return false;
	sn = cd_subnet(d, p->network_id, p->ip4);
	if (!sn)
		return false;
	memset(&v, 0, sizeof(v));
	if (!sn->enable_dhcp) {
		v.flags = TN_DHCP_F_PASS;
	} else {
		v.yiaddr = p->ip4;
		v.lease_time = htonl(COMPILER_DHCP_LEASE);
		cd_server(d, sn, &v);
		if (!cd_opts(sn, net, &v))
			return false;
	}
	memset(row, 0, sizeof(*row));
	row->map = TN_MAP_DHCP;
	row->op = WIRE_OP_UPSERT;
	wire_map_sizes(TN_MAP_DHCP, &row->key_len, &row->val_len);
	memcpy(row->key, &k, sizeof(k));
	memcpy(row->val, &v, sizeof(v));
	return true;
}
