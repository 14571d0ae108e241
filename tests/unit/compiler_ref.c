/* compiler_ref.c - the per-host compiler as it was before the shared-row
 * compiler (controller/compiler.c): every call re-indexes the whole topology
 * and sorts whole rows. Kept as the reference the new compiler must agree
 * with, row for row (test_compiler.c includes it). */
#include "compiler.h"
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "dhcp_opts.h"
#include "model.h"
#include "tenet_abi.h"

/* The flood list of one network with a port on self, being collected. */
struct cc_flood {
	uint32_t vni;	   /* the network */
	uint32_t *remote;  /* underlay ip4 of other hosts, unsorted, repeats */
	size_t n_remote;   /* used entries of remote */
	size_t cap_remote; /* allocated entries of remote */
	uint32_t *local;   /* port keys bound on self */
	size_t n_local;	   /* used entries of local */
	size_t cap_local;  /* allocated entries of local */
};

/* The working state of one compiler_build_host call. */
struct cc {
	const struct topology *t;	  /* input */
	const struct topo_host *self;	  /* the host compiled for */
	const struct topo_network **nets; /* t->networks by id */
	const struct topo_host **hosts;	  /* t->hosts by name */
	int *flood_slot;		  /* per network index: slot in floods + 1, 0 = not here */
	bool *routed;			  /* per network index: routed with a network here */
	struct cc_flood *floods;	  /* one per network with a port on self */
	size_t n_floods;		  /* used entries of floods */
	struct wire_row *rows;		  /* output being built */
	size_t n_rows;			  /* used rows */
	size_t cap_rows;		  /* allocated rows */
};

static int cc_cmp_net(const void *a, const void *b)
{
	const struct topo_network *const *x = a, *const *y = b;

	return strncmp((*x)->id, (*y)->id, TOPO_ID_MAX);
}

static int cc_cmp_host(const void *a, const void *b)
{
	const struct topo_host *const *x = a, *const *y = b;

	return strncmp((*x)->name, (*y)->name, WIRE_HOST_MAX);
}

static const struct topo_network *cc_net(const struct cc *c, const char *id)
{
	struct topo_network key, *kp = &key;
	const struct topo_network **hit;

	snprintf(key.id, sizeof(key.id), "%s", id);
	hit = bsearch(&kp, c->nets, c->t->n_networks, sizeof(*c->nets), cc_cmp_net);
	return hit ? *hit : NULL;
}

static const struct topo_host *cc_host(const struct cc *c, const char *name)
{
	struct topo_host key, *kp = &key;
	const struct topo_host **hit;

	if (name[0] == '\0')
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	hit = bsearch(&kp, c->hosts, c->t->n_hosts, sizeof(*c->hosts), cc_cmp_host);
	return hit ? *hit : NULL;
}

/* Appends an UPSERT row of map with key and value. */
static int cc_add(struct cc *c, uint8_t map, const void *key, const void *val)
{
	struct wire_row *r;

	if (c->n_rows == c->cap_rows) {
		size_t cap = c->cap_rows ? c->cap_rows * 2 : 64;
		struct wire_row *n = realloc(c->rows, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->rows = n;
		c->cap_rows = cap;
	}
	r = &c->rows[c->n_rows++];
	memset(r, 0, sizeof(*r));
	r->map = map;
	r->op = WIRE_OP_UPSERT;
	wire_map_sizes(map, &r->key_len, &r->val_len);
	memcpy(r->key, key, r->key_len);
	memcpy(r->val, val, r->val_len);
	return 0;
}

/* Appends v to the growing array *arr of *n used, *cap allocated. */
static int cc_push_u32(uint32_t **arr, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		uint32_t *a = realloc(*arr, c * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*cap = c;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

static int cc_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts arr[0..n) and drops repeats; returns the new count, at most cap
 * (the smallest values are kept). */
static size_t cc_sort_unique_u32(uint32_t *arr, size_t n, size_t cap)
{
	size_t w = 0;

	if (!n)
		return 0;
	qsort(arr, n, sizeof(*arr), cc_cmp_u32);
	for (size_t r = 1; r < n; r++)
		if (arr[r] != arr[w])
			arr[++w] = arr[r];
	return w + 1 < cap ? w + 1 : cap;
}

/* FDB rows like fv for the MACs of p's allowed address pairs that are not
 * its own (key fk's network). */
static int ref_pair_fdbs(struct cc *c, const struct topo_port *p, struct tn_fdb_key *fk,
			 const struct tn_fdb *fv)
{
	for (size_t i = 0; i < p->n_pairs && i < TOPO_PAIRS_MAX; i++) {
		if (memcmp(p->pairs[i].mac, p->mac, 6) == 0)
			continue;
		memcpy(fk->mac, p->pairs[i].mac, 6);
		if (cc_add(c, TN_MAP_FDB, fk, fv)) /* a repeated MAC: the same row */
			return -ENOMEM;
	}
	return 0;
}

/* LPORT and local FDB for port p bound on self. */
static int cc_local_port(struct cc *c, const struct topo_port *p, uint32_t vni)
{
	struct tn_lport_key lk = {.port_id = p->port_key};
	struct tn_lport lv = {.vni = vni, .ip4 = p->ip4, .identity = p->identity};
	struct tn_fdb_key fk = {.vni = vni};
	struct tn_fdb fv = {.port_id = p->port_key,
			    .flags = TN_FDB_F_LOCAL,
			    .ip4 = p->ip4,
			    .identity = p->identity};

	memcpy(lv.mac, p->mac, 6);
	lv.flags = p->port_security ? TN_LPORT_F_PORT_SECURITY : 0;
	memcpy(lv.ifname, p->ifname, strnlen(p->ifname, TOPO_IFNAME_MAX - 1));
	memcpy(fk.mac, p->mac, 6);
	if (p->port_security)
		fv.flags |= TN_FDB_F_PORT_SECURITY;
	if (cc_add(c, TN_MAP_LPORT, &lk, &lv) || cc_add(c, TN_MAP_FDB, &fk, &fv))
		return -ENOMEM;
	return ref_pair_fdbs(c, p, &fk, &fv);
}

/* Remote FDB and TUN_ALLOW for port p bound on host h (not self). */
static int cc_remote_port(struct cc *c, const struct topo_port *p, const struct topo_network *n,
			  const struct topo_host *h)
{
	uint32_t vni = n->vni;
	struct tn_fdb_key fk = {.vni = vni};
	struct tn_fdb fv = {.port_id = p->port_key,
			    .remote_ip4 = h->ip4,
			    .flags = TN_FDB_F_REMOTE,
			    .ip4 = p->ip4,
			    .identity = p->identity};
	struct tn_tun_allow_key tk = {.vni = vni, .remote_ip4 = h->ip4};
	struct tn_tun_allow tv = {0};

	memcpy(fk.mac, p->mac, 6);
	if (p->port_security)
		fv.flags |= TN_FDB_F_PORT_SECURITY;
	if (n->encap == TOPO_ENCAP_GENEVE ||
	    (n->encap == TOPO_ENCAP_DEFAULT && c->t->geneve_default))
		fv.flags |= TN_FDB_F_GENEVE;
	if (cc_add(c, TN_MAP_FDB, &fk, &fv) || ref_pair_fdbs(c, p, &fk, &fv) ||
	    cc_add(c, TN_MAP_TUN_ALLOW, &tk, &tv))
		return -ENOMEM;
	return 0;
}

/* Marks every network with a realised port on self and gives it a flood
 * list slot. */
static int cc_find_local_nets(struct cc *c)
{
	const struct topology *t = c->t;

	for (size_t i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];
		const struct topo_network *n;
		size_t ni;

		if (strncmp(p->host, c->self->name, WIRE_HOST_MAX) != 0)
			continue;
		n = cc_net(c, p->network_id);
		if (!n)
			continue;
		ni = (size_t)(n - t->networks);
		if (!c->flood_slot[ni]) {
			c->floods[c->n_floods].vni = n->vni;
			c->flood_slot[ni] = (int)++c->n_floods;
		}
	}
	return 0;
}

/* ARP rows of port p in network vni, bound on host h: one per fixed IPv4,
 * naming p and (unless h is self) h's underlay address; with nd, ND rows
 * likewise, one per fixed IPv6 (not for routed networks: IPv6 is not
 * routed yet). */
static int cc_port_addrs(struct cc *c, const struct topo_port *p, uint32_t vni,
			 const struct topo_host *h, bool nd)
{
	struct tn_arp_key ak = {.vni = vni, .ip4 = p->ip4};
	struct tn_arp av = {.port_id = p->port_key,
			    .remote_ip4 = h == c->self ? 0 : h->ip4,
			    .identity = p->identity};
	size_t n_more = p->n_ip4_more < TOPO_IP4_MORE_MAX ? p->n_ip4_more : TOPO_IP4_MORE_MAX;

	struct tn_nd_key nk = {.vni = vni};
	struct tn_nd nv = {
	    .port_id = p->port_key, .remote_ip4 = av.remote_ip4, .identity = p->identity};

	for (size_t i = 0; i < p->n_pairs && i < TOPO_PAIRS_MAX; i++) {
		const struct topo_pair *pr = &p->pairs[i];

		if (pr->ip_version == 4) {
			memcpy(&ak.ip4, pr->addr, 4);
			memcpy(av.mac, pr->mac, 6);
			if (cc_add(c, TN_MAP_ARP, &ak, &av))
				return -ENOMEM;
		} else if (nd) {
			memcpy(nk.ip6, pr->addr, 16);
			memcpy(nv.mac, pr->mac, 6);
			if (cc_add(c, TN_MAP_ND, &nk, &nv))
				return -ENOMEM;
		}
	}
	ak.ip4 = p->ip4;
	memcpy(nv.mac, p->mac, 6);
	for (size_t i = 0; nd && i < p->n_ip6 && i < TOPO_IP6_MAX; i++) {
		memcpy(nk.ip6, p->ip6[i], 16);
		if (cc_add(c, TN_MAP_ND, &nk, &nv))
			return -ENOMEM;
	}
	if (!p->ip4)
		return 0;
	memcpy(av.mac, p->mac, 6);
	if (cc_add(c, TN_MAP_ARP, &ak, &av))
		return -ENOMEM;
	for (size_t i = 0; i < n_more; i++) {
		ak.ip4 = p->ip4_more[i];
		if (ak.ip4 && cc_add(c, TN_MAP_ARP, &ak, &av))
			return -ENOMEM;
	}
	return 0;
}

/* Rows of one realised port in a network that has a port on self. */
static int cc_port(struct cc *c, const struct topo_port *p, const struct topo_network *n,
		   const struct topo_host *h)
{
	struct cc_flood *f = &c->floods[c->flood_slot[n - c->t->networks] - 1];
	int rc;

	if (h == c->self) {
		rc = cc_local_port(c, p, n->vni);
		if (!rc)
			rc = cc_push_u32(&f->local, &f->n_local, &f->cap_local, p->port_key);
	} else {
		rc = cc_remote_port(c, p, n, h);
		if (!rc)
			rc = cc_push_u32(&f->remote, &f->n_remote, &f->cap_remote, h->ip4);
	}
	return rc ? rc : cc_port_addrs(c, p, n->vni, h, true);
}

/* FLOOD pages 0, 1, ... of f: its sorted members, TN_MAX_FLOOD_REMOTE
 * hosts and TN_MAX_FLOOD_LOCAL ports a page. */
static int cc_flood_pages(struct cc *c, struct cc_flood *f)
{
	size_t nr, nl, pages;

	nr = cc_sort_unique_u32(f->remote, f->n_remote, TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE);
	nl = cc_sort_unique_u32(f->local, f->n_local, TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_LOCAL);
	pages = (nr + TN_MAX_FLOOD_REMOTE - 1) / TN_MAX_FLOOD_REMOTE;
	if (pages < (nl + TN_MAX_FLOOD_LOCAL - 1) / TN_MAX_FLOOD_LOCAL)
		pages = (nl + TN_MAX_FLOOD_LOCAL - 1) / TN_MAX_FLOOD_LOCAL;
	if (!pages)
		pages = 1;
	for (size_t pg = 0; pg < pages; pg++) {
		struct tn_flood_key fk = {.vni = f->vni, .page = (uint32_t)pg};
		struct tn_flood v = {0};
		size_t r0 = pg * TN_MAX_FLOOD_REMOTE, l0 = pg * TN_MAX_FLOOD_LOCAL;

		for (; r0 + v.n_remote < nr && v.n_remote < TN_MAX_FLOOD_REMOTE; v.n_remote++)
			v.remote_ip4[v.n_remote] = f->remote[r0 + v.n_remote];
		for (; l0 + v.n_local < nl && v.n_local < TN_MAX_FLOOD_LOCAL; v.n_local++)
			v.local_port[v.n_local] = f->local[l0 + v.n_local];
		if (cc_add(c, TN_MAP_FLOOD, &fk, &v))
			return -ENOMEM;
	}
	return 0;
}

/* ---- routing, written the slow and obvious way ---- */

static const struct topo_router *ref_router(const struct topology *t, const char *id)
{
	for (size_t i = 0; i < t->n_routers; i++)
		if (strncmp(t->routers[i].id, id, TOPO_ID_MAX) == 0)
			return &t->routers[i];
	return NULL;
}

static const struct topo_subnet *ref_subnet(const struct topology *t, const char *id)
{
	for (size_t i = 0; i < t->n_subnets; i++)
		if (strncmp(t->subnets[i].id, id, TOPO_ID_MAX) == 0)
			return &t->subnets[i];
	return NULL;
}

/* The network of interface f if its network, router and subnet exist. */
static const struct topo_network *ref_rif_net(const struct cc *c, const struct topo_rif *f)
{
	if (!ref_router(c->t, f->router_id) || !ref_subnet(c->t, f->subnet_id))
		return NULL;
	return cc_net(c, f->network_id);
}

/* True if router id has a valid interface on a network of self's ports. */
static bool ref_router_here(const struct cc *c, const char *id)
{
	for (size_t i = 0; i < c->t->n_rifs; i++) {
		const struct topo_rif *f = &c->t->rifs[i];
		const struct topo_network *n = ref_rif_net(c, f);

		if (n && strncmp(f->router_id, id, TOPO_ID_MAX) == 0 &&
		    c->flood_slot[n - c->t->networks])
			return true;
	}
	return false;
}

static uint32_t ref_ip4(const uint8_t a[16])
{
	uint32_t v;

	memcpy(&v, a, 4);
	return v;
}

static uint32_t ref_mask(uint8_t plen)
{
	return plen ? htonl(plen >= 32 ? ~0u : ~0u << (32 - plen)) : 0;
}

/* The DHCP row of port p, the slow way (compiler_dhcp.h): its IPv4
 * subnet and the subnet's router interface by scans (the smallest id of
 * several). */
static int ref_dhcp(struct cc *c, const struct topo_port *p)
{
	const struct topology *t = c->t;
	const struct topo_subnet *sn = NULL;
	const struct topo_rif *rif = NULL;
	struct dhcp_route routes[TOPO_HOST_ROUTES_MAX];
	struct dhcp_opts_in in = {0};
	struct tn_dhcp_key k = {.port_id = p->port_key};
	struct tn_dhcp v = {0};
	size_t len = 0;

	for (size_t i = 0; p->ip4 && i < t->n_subnets; i++) {
		const struct topo_subnet *s = &t->subnets[i];

		if (s->ip_version == 4 && !strcmp(s->network_id, p->network_id) &&
		    (p->ip4 & ref_mask(s->prefix_len)) == ref_ip4(s->addr) &&
		    (!sn || strcmp(s->id, sn->id) < 0))
			sn = s;
	}
	if (!sn)
		return 0;
	if (!sn->enable_dhcp) {
		v.flags = TN_DHCP_F_PASS;
		return cc_add(c, TN_MAP_DHCP, &k, &v);
	}
	for (size_t i = 0; i < t->n_rifs; i++)
		if (t->rifs[i].ip_version == 4 && !strcmp(t->rifs[i].subnet_id, sn->id) &&
		    (!rif || strcmp(t->rifs[i].id, rif->id) < 0))
			rif = &t->rifs[i];
	v.yiaddr = p->ip4;
	v.lease_time = htonl(86400);
	v.server_id = sn->has_gateway ? ref_ip4(sn->gateway)
				      : (ref_ip4(sn->addr) | ~ref_mask(sn->prefix_len)) ^ htonl(1);
	if (rif) {
		memcpy(v.server_mac, rif->mac, 6);
	} else {
		v.server_mac[0] = 0x0a;
		v.server_mac[1] = 0x58;
		memcpy(&v.server_mac[2], &v.server_id, 4);
	}
	in.prefix_len = sn->prefix_len;
	in.router = sn->has_gateway ? ref_ip4(sn->gateway) : 0;
	in.dns = sn->dns4;
	in.n_dns = sn->n_dns4;
	in.mtu = cc_net(c, p->network_id)->mtu;
	in.routes = routes;
	for (size_t i = 0; i < sn->n_host_routes; i++) {
		if (sn->host_routes[i].ip_version != 4)
			continue;
		routes[in.n_routes].dst = ref_ip4(sn->host_routes[i].dest);
		routes[in.n_routes].prefix = sn->host_routes[i].prefix_len;
		routes[in.n_routes++].nexthop = ref_ip4(sn->host_routes[i].nexthop);
	}
	if (dhcp_opts_encode(&in, v.opts, sizeof(v.opts), &len))
		return 0;
	v.opts_len = (uint16_t)len;
	return cc_add(c, TN_MAP_DHCP, &k, &v);
}

/* Marks the networks routed with self's (not self's own). */
static void ref_mark_routed(struct cc *c)
{
	const struct topology *t = c->t;

	for (size_t i = 0; i < t->n_rifs; i++) {
		const struct topo_network *n = ref_rif_net(c, &t->rifs[i]);

		if (n && !c->flood_slot[n - t->networks] &&
		    ref_router_here(c, t->rifs[i].router_id))
			c->routed[n - t->networks] = true;
	}
}

/* The ND rows of IPv6 interface f in network vni: its address and the
 * link-local address of its MAC, both the router's. */
static int ref_rif_nd(struct cc *c, const struct topo_rif *f, uint32_t vni)
{
	struct tn_nd_key k = {.vni = vni};
	struct tn_nd v = {.flags = TN_ND_F_ROUTER};
	const uint8_t *m = f->mac;
	const uint8_t ll[16] = {0xfe,	  0x80, 0,    0,    0,	  0,	0,    0,
				m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]};

	memcpy(v.mac, f->mac, 6);
	memcpy(k.ip6, f->addr, 16);
	if (cc_add(c, TN_MAP_ND, &k, &v))
		return -ENOMEM;
	memcpy(k.ip6, ll, 16);
	return cc_add(c, TN_MAP_ND, &k, &v);
}

/* FDB and ARP (ND) rows of every router interface on a network self sees. */
static int ref_rif_rows(struct cc *c)
{
	const struct topology *t = c->t;

	for (size_t i = 0; i < t->n_rifs; i++) {
		const struct topo_rif *f = &t->rifs[i];
		const struct topo_network *n = ref_rif_net(c, f);
		struct tn_fdb_key fk = {0};
		struct tn_fdb fv = {.flags = TN_FDB_F_ROUTER};
		struct tn_arp_key ak = {0};
		struct tn_arp av = {.flags = TN_ARP_F_ROUTER};

		if (!n || (!c->flood_slot[n - t->networks] && !c->routed[n - t->networks]))
			continue;
		fk.vni = ak.vni = n->vni;
		memcpy(fk.mac, f->mac, 6);
		fv.router_key = ref_router(t, f->router_id)->router_key;
		if (f->ip_version == 4)
			fv.ip4 = ak.ip4 = ref_ip4(f->addr);
		memcpy(av.mac, f->mac, 6);
		if (cc_add(c, TN_MAP_FDB, &fk, &fv))
			return -ENOMEM;
		if (f->ip_version == 4 && cc_add(c, TN_MAP_ARP, &ak, &av))
			return -ENOMEM;
		if (f->ip_version == 6 && ref_rif_nd(c, f, n->vni))
			return -ENOMEM;
	}
	return 0;
}

/* TUN_ALLOW in each network of self's ports for the hosts of the ports of
 * every network sharing a router with it. */
static int ref_routed_allow(struct cc *c)
{
	const struct topology *t = c->t;

	for (size_t i = 0; i < t->n_rifs; i++) {
		const struct topo_network *n = ref_rif_net(c, &t->rifs[i]);

		if (!n || !c->flood_slot[n - t->networks])
			continue;
		for (size_t j = 0; j < t->n_rifs; j++) {
			const struct topo_network *m = ref_rif_net(c, &t->rifs[j]);

			if (!m || m == n ||
			    strncmp(t->rifs[i].router_id, t->rifs[j].router_id, TOPO_ID_MAX))
				continue;
			for (size_t k = 0; k < t->n_ports; k++) {
				const struct topo_host *h = cc_host(c, t->ports[k].host);
				struct tn_tun_allow_key tk = {.vni = n->vni};
				struct tn_tun_allow tv = {0};

				if (!h || h == c->self || !h->ip4 ||
				    cc_net(c, t->ports[k].network_id) != m)
					continue;
				tk.remote_ip4 = h->ip4;
				if (cc_add(c, TN_MAP_TUN_ALLOW, &tk, &tv))
					return -ENOMEM;
			}
		}
	}
	return 0;
}

/* The ROUTE4 row of router r for dest/plen through interface f. */
static int ref_route(struct cc *c, const struct topo_router *r, uint32_t dest, uint8_t plen,
		     const struct topo_rif *f, uint32_t nh)
{
	struct tn_route4_key k = {.prefixlen = 32u + plen, .router_key = htonl(r->router_key)};
	struct tn_route4 v = {.vni = cc_net(c, f->network_id)->vni,
			      .nh_ip4 = nh,
			      .src_ip4 = ref_ip4(f->addr),
			      .flags = nh ? 0 : TN_ROUTE_F_CONNECTED};

	k.ip4 = dest & ref_mask(plen);
	memcpy(v.mac, f->mac, 6);
	return cc_add(c, TN_MAP_ROUTE4, &k, &v);
}

/* Bit i of IPv6 address a (0: the most significant). */
static int ref_bit6(const uint8_t a[16], unsigned int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* True if IPv6 a and b agree in their first plen bits. */
static bool ref_same6(const uint8_t a[16], const uint8_t b[16], unsigned int plen)
{
	for (unsigned int i = 0; i < plen; i++)
		if (ref_bit6(a, i) != ref_bit6(b, i))
			return false;
	return true;
}

/* The ROUTE6 row of router r for dest/plen through interface f (nh NULL:
 * connected). */
static int ref_route6(struct cc *c, const struct topo_router *r, const uint8_t dest[16],
		      uint8_t plen, const struct topo_rif *f, const uint8_t *nh)
{
	struct tn_route6_key k = {.prefixlen = 32u + plen, .router_key = htonl(r->router_key)};
	struct tn_route6 v = {.vni = cc_net(c, f->network_id)->vni,
			      .flags = nh ? 0 : TN_ROUTE_F_CONNECTED};

	for (unsigned int i = 0; i < plen; i++)
		k.ip6[i / 8] |= (uint8_t)(ref_bit6(dest, i) << (7 - i % 8));
	memcpy(v.mac, f->mac, 6);
	if (nh)
		memcpy(v.nh_ip6, nh, 16);
	memcpy(v.src_ip6, f->addr, 16);
	return cc_add(c, TN_MAP_ROUTE6, &k, &v);
}

/* The IPv6 static routes of router r (self has it): through the first
 * interface (in t->rifs) whose IPv6 subnet holds the next hop, unless an
 * IPv6 interface's subnet is the destination. */
static int ref_routes6(struct cc *c, const struct topo_router *r)
{
	const struct topology *t = c->t;
	static const uint8_t zero[16];

	for (size_t k = 0; k < r->n_routes; k++) {
		const struct topo_route *ro = &r->routes[k];
		const struct topo_rif *via = NULL;
		bool connected = false;

		if (ro->ip_version != 6 || !memcmp(ro->nexthop, zero, 16))
			continue;
		for (size_t i = 0; i < t->n_rifs; i++) {
			const struct topo_rif *f = &t->rifs[i];
			const struct topo_subnet *sn;

			if (!ref_rif_net(c, f) || strncmp(f->router_id, r->id, TOPO_ID_MAX))
				continue;
			sn = ref_subnet(t, f->subnet_id);
			if (sn->ip_version != 6)
				continue;
			if (!via && ref_same6(ro->nexthop, sn->addr, sn->prefix_len))
				via = f;
			if (f->ip_version == 6 && sn->prefix_len == ro->prefix_len &&
			    ref_same6(sn->addr, ro->dest, sn->prefix_len))
				connected = true;
		}
		if (via && !connected &&
		    ref_route6(c, r, ro->dest, ro->prefix_len, via, ro->nexthop))
			return -ENOMEM;
	}
	return 0;
}

/* True if interface f (valid, v4) of a router has a subnet holding nh. */
static bool ref_rif_holds(const struct cc *c, const struct topo_rif *f, uint32_t nh)
{
	const struct topo_subnet *sn = ref_subnet(c->t, f->subnet_id);

	return sn->ip_version == 4 && ((nh ^ ref_ip4(sn->addr)) & ref_mask(sn->prefix_len)) == 0;
}

/* The routes of every router here: connected, then static (a static route
 * to a connected prefix is left out). */
static int ref_routes(struct cc *c)
{
	const struct topology *t = c->t;

	for (size_t ri = 0; ri < t->n_routers; ri++) {
		const struct topo_router *r = &t->routers[ri];

		if (ref_router(t, r->id) != r || !ref_router_here(c, r->id))
			continue;
		for (size_t i = 0; i < t->n_rifs; i++) {
			const struct topo_rif *f = &t->rifs[i];
			const struct topo_subnet *sn;

			if (!ref_rif_net(c, f) || strncmp(f->router_id, r->id, TOPO_ID_MAX))
				continue;
			sn = ref_subnet(t, f->subnet_id);
			if (f->ip_version == 4 && sn->ip_version == 4 &&
			    ref_route(c, r, ref_ip4(sn->addr), sn->prefix_len, f, 0))
				return -ENOMEM;
			if (f->ip_version == 6 && sn->ip_version == 6 &&
			    ref_route6(c, r, sn->addr, sn->prefix_len, f, NULL))
				return -ENOMEM;
		}
		if (ref_routes6(c, r))
			return -ENOMEM;
		for (size_t k = 0; k < r->n_routes; k++) {
			const struct topo_route *ro = &r->routes[k];
			uint32_t nh = ref_ip4(ro->nexthop), dest = ref_ip4(ro->dest);
			const struct topo_rif *via = NULL;
			bool connected = false;

			if (ro->ip_version != 4 || !nh)
				continue;
			for (size_t i = 0; i < t->n_rifs; i++) {
				const struct topo_rif *f = &t->rifs[i];
				const struct topo_subnet *sn;

				if (!ref_rif_net(c, f) || strncmp(f->router_id, r->id, TOPO_ID_MAX))
					continue;
				sn = ref_subnet(t, f->subnet_id);
				if (!via && ref_rif_holds(c, f, nh))
					via = f;
				if (f->ip_version == 4 && sn->ip_version == 4 &&
				    sn->prefix_len == ro->prefix_len &&
				    ((ref_ip4(sn->addr) ^ dest) & ref_mask(sn->prefix_len)) == 0)
					connected = true;
			}
			if (via && !connected && ref_route(c, r, dest, ro->prefix_len, via, nh))
				return -ENOMEM;
		}
	}
	return 0;
}

static int ref_sg(struct cc *c);

/* Port, FLOOD, PEER, routing and policy rows. */
static int cc_rows(struct cc *c)
{
	const struct topology *t = c->t;

	ref_mark_routed(c);
	for (size_t i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];
		const struct topo_network *n = cc_net(c, p->network_id);
		const struct topo_host *h = cc_host(c, p->host);

		if (!n || !h || h == c->self || !h->ip4 || !c->routed[n - t->networks])
			continue;
		/* a routed network: its ports' FDB, ARP and ND rows only */
		if (cc_remote_port(c, p, n, h))
			return -ENOMEM;
		c->n_rows--; /* not the TUN_ALLOW cc_remote_port adds last */
		if (cc_port_addrs(c, p, n->vni, h, true))
			return -ENOMEM;
	}
	if (ref_rif_rows(c) || ref_routed_allow(c) || ref_routes(c))
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];
		const struct topo_network *n = cc_net(c, p->network_id);
		const struct topo_host *h = cc_host(c, p->host);

		if (!n || !h || !c->flood_slot[n - t->networks])
			continue;
		if (h != c->self && !h->ip4)
			continue;
		if (cc_port(c, p, n, h))
			return -ENOMEM;
		if (h == c->self && ref_dhcp(c, p))
			return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_floods; i++)
		if (cc_flood_pages(c, &c->floods[i]))
			return -ENOMEM;
	if (ref_sg(c))
		return -ENOMEM;
	for (size_t i = 0; i < t->n_hosts; i++) {
		const struct topo_host *h = &t->hosts[i];
		struct tn_peer_key pk = {.ip4 = h->ip4};
		struct tn_peer pv = {.host_id = h->host_id};

		if (h == c->self || !h->ip4)
			continue;
		if (cc_add(c, TN_MAP_PEER, &pk, &pv))
			return -ENOMEM;
	}
	return 0;
}

/* Orders by (map, key), then value bytes, so duplicates resolve alike. */
static int cc_cmp_row_val(const void *a, const void *b);

/* Sorts rows[from ..) and removes duplicate keys there, keeping the first. */
static void ref_sort_unique_from(struct cc *c, size_t from);

/* The port of identity id (a network, identity > 0) with the smallest id,
 * or NULL. */
static const struct topo_port *ref_ident_port(const struct cc *c, uint32_t id)
{
	const struct topo_port *best = NULL;

	for (size_t i = 0; id && i < c->t->n_ports; i++) {
		const struct topo_port *p = &c->t->ports[i];

		if (p->identity == id && cc_net(c, p->network_id) &&
		    (!best || strncmp(p->id, best->id, TOPO_ID_MAX) < 0))
			best = p;
	}
	return best;
}

static const char *ref_tenant(const struct cc *c, const struct topo_port *p)
{
	return cc_net(c, p->network_id)->tenant_id;
}

/* The matches of rule r: (bits, proto, port), bits -1 for any protocol.
 * A port range is covered by the aligned blocks inside it whose parent
 * block is not: found by looking at every block of every size. */
static size_t ref_blocks(const struct topo_sg_rule *r, int *bits, int *proto, int *port)
{
	size_t n = 0;

	*proto = r->proto;
	if (r->proto < 0) {
		bits[0] = -1;
		port[0] = 0;
		return 1;
	}
	if ((r->proto == 1 || r->proto == 58) && r->port_min >= 0) {
		bits[0] = r->port_max >= 0 ? 16 : 8;
		port[0] = r->port_min * 256 + (r->port_max >= 0 ? r->port_max : 0);
		return 1;
	}
	if (!model_sg_proto_ports(r->proto) || r->port_min < 0 || r->port_max < r->port_min) {
		bits[0] = 0;
		port[0] = 0;
		return 1;
	}
	for (int b = 0; b <= 16; b++) {
		long size = 1L << (16 - b);

		for (long lo = 0; lo < 65536; lo += size) {
			long plo = lo & ~(2 * size - 1);
			bool inside = lo >= r->port_min && lo + size - 1 <= r->port_max;
			bool parent =
			    b > 0 && plo >= r->port_min && plo + 2 * size - 1 <= r->port_max;

			if (inside && !parent) {
				bits[n] = b;
				port[n++] = (int)lo;
			}
		}
	}
	return n;
}

/* True if port p (of an identity) has group id. */
static bool ref_has_group(const struct topo_port *p, const char *id)
{
	for (size_t k = 0; k < p->n_sgs; k++)
		if (strncmp(p->sgs[k], id, TOPO_ID_MAX) == 0)
			return true;
	return false;
}

static const struct topo_sg *ref_group(const struct topology *t, const char *id)
{
	for (size_t i = 0; i < t->n_sgs; i++)
		if (strncmp(t->sgs[i].id, id, TOPO_ID_MAX) == 0)
			return &t->sgs[i];
	return NULL;
}

static uint8_t ref_dir(const struct topo_sg_rule *r)
{
	return (uint8_t)((r->ingress ? TN_SG_INGRESS : TN_SG_EGRESS) |
			 (r->ip_version == 6 ? TN_SG_IPV6 : TN_SG_IPV4));
}

/* The prefix of rule r: its remote prefix, or everything. */
static void ref_prefix(const struct topo_sg_rule *r, uint8_t *plen, uint8_t addr[16])
{
	memset(addr, 0, 16);
	*plen = r->has_prefix ? r->prefix_len : 0;
	if (r->has_prefix)
		memcpy(addr, r->addr, 16);
}

/* True if prefix (ql, qa) holds (pl, pa). */
static bool ref_holds(uint8_t ql, const uint8_t *qa, uint8_t pl, const uint8_t *pa)
{
	if (ql > pl)
		return false;
	for (int i = 0; i < ql; i++)
		if (((qa[i / 8] ^ pa[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

/* The rules of identity id's groups (rp its port): each rule of a group of
 * its tenant calls fn. */
static int ref_rules(struct cc *c, const struct topo_port *rp,
		     int (*fn)(struct cc *c, const struct topo_port *rp, const struct topo_sg *g,
			       const struct topo_sg_rule *r, void *arg),
		     void *arg)
{
	const struct topology *t = c->t;

	for (size_t k = 0; k < rp->n_sgs; k++) {
		const struct topo_sg *g = ref_group(t, rp->sgs[k]);

		if (!g || strncmp(g->tenant_id, ref_tenant(c, rp), TOPO_ID_MAX) != 0)
			continue;
		for (size_t i = 0; i < t->n_sg_rules; i++)
			if (strncmp(t->sg_rules[i].sg_id, g->id, TOPO_ID_MAX) == 0 &&
			    fn(c, rp, g, &t->sg_rules[i], arg))
				return -ENOMEM;
	}
	return 0;
}

/* tn_sg_rule rows of a remote-group rule: every port of an identity of
 * the tenant with the remote group stands for its identity. */
static int ref_remote_rule(struct cc *c, const struct topo_port *rp, const struct topo_sg *g,
			   const struct topo_sg_rule *r, void *arg)
{
	int bits[40], proto, port[40];
	size_t nb = ref_blocks(r, bits, &proto, port);

	(void)arg;
	if (!r->remote_group[0])
		return 0;
	for (size_t i = 0; i < c->t->n_ports; i++) {
		const struct topo_port *q = ref_ident_port(c, c->t->ports[i].identity);

		if (!q || strcmp(ref_tenant(c, q), ref_tenant(c, rp)) != 0 ||
		    !ref_has_group(q, r->remote_group))
			continue;
		for (size_t b = 0; b < nb; b++) {
			struct tn_sg_rule_key k = {.identity = htonl(rp->identity),
						   .remote = htonl(q->identity),
						   .dir = ref_dir(r),
						   .proto = (uint8_t)(proto < 0 ? 0 : proto),
						   .port = htons((uint16_t)port[b])};
			struct tn_sg_allow v = {.group = g->sg_key};

			k.prefixlen = bits[b] < 0 ? 72u : 80u + (uint32_t)bits[b];
			if (cc_add(c, TN_MAP_SG_RULE, &k, &v))
				return -ENOMEM;
		}
	}
	return 0;
}

/* The distinct prefixes of an identity, being collected. */
struct ref_pfxs {
	uint8_t dir[512], plen[512], addr[512][16];
	size_t n;
};

static int ref_collect_pfx(struct cc *c, const struct topo_port *rp, const struct topo_sg *g,
			   const struct topo_sg_rule *r, void *arg)
{
	struct ref_pfxs *ps = arg;
	uint8_t plen, addr[16];

	(void)c;
	(void)rp;
	(void)g;
	if (r->remote_group[0])
		return 0;
	ref_prefix(r, &plen, addr);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->dir[i] == ref_dir(r) && ps->plen[i] == plen &&
		    !memcmp(ps->addr[i], addr, 16))
			return 0;
	if (ps->n == 512)
		return -ENOMEM;
	ps->dir[ps->n] = ref_dir(r);
	ps->plen[ps->n] = plen;
	memcpy(ps->addr[ps->n++], addr, 16);
	return 0;
}

/* The port set being filled: prefix i of ps. */
struct ref_pset {
	const struct ref_pfxs *ps;
	size_t i;     /* the prefix */
	uint32_t num; /* its port set number */
};

static int ref_pset_rule(struct cc *c, const struct topo_port *rp, const struct topo_sg *g,
			 const struct topo_sg_rule *r, void *arg)
{
	struct ref_pset *s = arg;
	int bits[40], proto, port[40];
	uint8_t plen, addr[16];
	size_t nb;

	ref_prefix(r, &plen, addr);
	if (r->remote_group[0] || ref_dir(r) != s->ps->dir[s->i] ||
	    !ref_holds(plen, addr, s->ps->plen[s->i], s->ps->addr[s->i]))
		return 0;
	nb = ref_blocks(r, bits, &proto, port);
	for (size_t b = 0; b < nb; b++) {
		struct tn_sg_pset_key k = {.identity = htonl(rp->identity),
					   .pset = htonl(s->num),
					   .proto = (uint8_t)(proto < 0 ? 0 : proto),
					   .port = htons((uint16_t)port[b])};
		struct tn_sg_allow v = {.group = g->sg_key};

		k.prefixlen = bits[b] < 0 ? 64u : 80u + (uint32_t)bits[b];
		if (cc_add(c, TN_MAP_SG_PSET, &k, &v))
			return -ENOMEM;
	}
	return 0;
}

/* The rank of prefix i among the distinct ones, in (direction byte,
 * address, length) order, from 0. */
static size_t ref_pfx_rank(const struct ref_pfxs *ps, size_t i)
{
	size_t rank = 0;

	for (size_t j = 0; j < ps->n; j++) {
		int c = memcmp(ps->addr[j], ps->addr[i], 16);

		if (ps->dir[j] < ps->dir[i] ||
		    (ps->dir[j] == ps->dir[i] && (c < 0 || (c == 0 && ps->plen[j] < ps->plen[i]))))
			rank++;
	}
	return rank;
}

/* The port set rows of every prefix of ps, numbered 0: ps->n arrays
 * (rows[i], n[i] entries), sorted, one row a key (the smallest value). */
static int ref_pset_contents(struct cc *c, const struct topo_port *rp, const struct ref_pfxs *ps,
			     struct wire_row **rows, size_t *n)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct ref_pset s = {.ps = ps, .i = i, .num = 0};
		size_t from = c->n_rows;
		int rc = ref_rules(c, rp, ref_pset_rule, &s);

		if (rc)
			return rc;
		ref_sort_unique_from(c, from);
		n[i] = c->n_rows - from;
		rows[i] = calloc(n[i] + 1, sizeof(**rows));
		if (!rows[i])
			return -ENOMEM;
		memcpy(rows[i], &c->rows[from], n[i] * sizeof(**rows));
		c->n_rows = from;
	}
	return 0;
}

static bool ref_same_rows(const struct wire_row *a, size_t na, const struct wire_row *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (wire_row_cmp(&a[i], &b[i]) != 0 ||
		    memcmp(a[i].val, b[i].val, a[i].val_len) != 0)
			return false;
	return true;
}

/* Port sets are numbered by content: prefix i gets the number of the
 * prefix of lowest rank with the same rows, and those prefixes that are
 * the lowest-ranked of their content are numbered from 1 by rank. */
static uint32_t ref_pset_num(const struct ref_pfxs *ps, const size_t *rank, struct wire_row **rows,
			     const size_t *n, size_t i)
{
	size_t lead = i;
	uint32_t num = 0;

	for (size_t j = 0; j < ps->n; j++)
		if (ref_same_rows(rows[j], n[j], rows[i], n[i]) && rank[j] < rank[lead])
			lead = j;
	for (size_t j = 0; j < ps->n; j++) {
		bool leads = rank[j] <= rank[lead];

		for (size_t k = 0; k < ps->n && leads; k++)
			if (rank[k] < rank[j] && ref_same_rows(rows[k], n[k], rows[j], n[j]))
				leads = false;
		num += leads;
	}
	return num;
}

/* The rows of identity id (its port rp), with its tn_sg_ident row. */
static int ref_sg_ident(struct cc *c, const struct topo_port *rp)
{
	struct ref_pfxs *ps = calloc(1, sizeof(*ps));
	struct wire_row **prow = calloc(512, sizeof(*prow));
	size_t *pn = calloc(512, sizeof(*pn)), *rank = calloc(512, sizeof(*rank));
	struct tn_sg_ident_key ik = {.identity = rp->identity};
	struct tn_sg_ident iv = {0};
	size_t from = c->n_rows;
	uint32_t h = 2166136261u;
	int rc = ps && prow && pn && rank ? 0 : -ENOMEM;

	if (!rc)
		rc = ref_rules(c, rp, ref_remote_rule, NULL);
	if (!rc)
		rc = ref_rules(c, rp, ref_collect_pfx, ps);
	if (!rc)
		rc = ref_pset_contents(c, rp, ps, prow, pn);
	for (size_t i = 0; !rc && i < ps->n; i++)
		rank[i] = ref_pfx_rank(ps, i);
	for (size_t i = 0; !rc && i < ps->n; i++) {
		struct ref_pset s = {.ps = ps, .i = i, .num = ref_pset_num(ps, rank, prow, pn, i)};
		struct tn_sg_cidr_key k = {.prefixlen = 64u + ps->plen[i],
					   .identity = htonl(rp->identity),
					   .dir = ps->dir[i]};
		struct tn_sg_cidr v = {.pset = s.num};

		memcpy(k.addr, ps->addr[i], 16);
		rc = cc_add(c, TN_MAP_SG_CIDR, &k, &v);
		/* a shared port set's rows come again, the same: kept once */
		if (!rc)
			rc = ref_rules(c, rp, ref_pset_rule, &s);
	}
	for (size_t i = 0; prow && i < 512; i++)
		free(prow[i]);
	free(prow);
	free(pn);
	free(rank);
	free(ps);
	if (rc)
		return rc;
	ref_sort_unique_from(c, from);
	for (size_t r = from; r < c->n_rows; r++) {
		const struct wire_row *x = &c->rows[r];

		h = (h ^ x->map) * 16777619u;
		for (size_t i = 0; i < x->key_len; i++)
			h = (h ^ x->key[i]) * 16777619u;
		for (size_t i = 0; i < x->val_len; i++)
			h = (h ^ x->val[i]) * 16777619u;
	}
	iv.gen = h ? h : 1;
	return cc_add(c, TN_MAP_SG_IDENT, &ik, &iv);
}

/* The policy rows of every identity of self's ports. */
static int ref_sg(struct cc *c)
{
	const struct topology *t = c->t;

	for (size_t i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];
		bool seen = false;

		if (!p->identity || !cc_net(c, p->network_id) ||
		    strncmp(p->host, c->self->name, WIRE_HOST_MAX) != 0)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = t->ports[j].identity == p->identity &&
			       cc_net(c, t->ports[j].network_id) &&
			       strncmp(t->ports[j].host, c->self->name, WIRE_HOST_MAX) == 0;
		if (!seen && ref_sg_ident(c, ref_ident_port(c, p->identity)))
			return -ENOMEM;
	}
	return 0;
}

/* Orders by (map, key), then value bytes, so duplicates resolve alike. */
static int cc_cmp_row_val(const void *a, const void *b)
{
	const struct wire_row *x = a, *y = b;
	int c = wire_row_cmp(a, b);

	if (c)
		return c;
	return memcmp(x->val, y->val, x->val_len);
}

/* Sorts and removes duplicate keys, keeping the first. */
static void cc_sort_unique(struct cc *c)
{
	size_t w = 0;

	if (!c->n_rows)
		return;
	qsort(c->rows, c->n_rows, sizeof(*c->rows), cc_cmp_row_val);
	for (size_t r = 1; r < c->n_rows; r++)
		if (wire_row_cmp(&c->rows[w], &c->rows[r]) != 0)
			c->rows[++w] = c->rows[r];
	c->n_rows = w + 1;
}

static void ref_sort_unique_from(struct cc *c, size_t from)
{
	size_t w = from;

	if (c->n_rows <= from)
		return;
	qsort(&c->rows[from], c->n_rows - from, sizeof(*c->rows), cc_cmp_row_val);
	for (size_t r = from + 1; r < c->n_rows; r++)
		if (wire_row_cmp(&c->rows[w], &c->rows[r]) != 0)
			c->rows[++w] = c->rows[r];
	c->n_rows = w + 1;
}

/* Allocates the indexes of c for c->t. */
static int cc_init(struct cc *c)
{
	const struct topology *t = c->t;

	c->nets = calloc(t->n_networks + 1, sizeof(*c->nets));
	c->hosts = calloc(t->n_hosts + 1, sizeof(*c->hosts));
	c->flood_slot = calloc(t->n_networks + 1, sizeof(*c->flood_slot));
	c->routed = calloc(t->n_networks + 1, sizeof(*c->routed));
	c->floods = calloc(t->n_networks + 1, sizeof(*c->floods));
	if (!c->nets || !c->hosts || !c->flood_slot || !c->routed || !c->floods)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_networks; i++)
		c->nets[i] = &t->networks[i];
	for (size_t i = 0; i < t->n_hosts; i++)
		c->hosts[i] = &t->hosts[i];
	qsort(c->nets, t->n_networks, sizeof(*c->nets), cc_cmp_net);
	qsort(c->hosts, t->n_hosts, sizeof(*c->hosts), cc_cmp_host);
	return 0;
}

static void cc_fini(struct cc *c)
{
	free(c->nets);
	free(c->hosts);
	free(c->flood_slot);
	free(c->routed);
	for (size_t i = 0; c->floods && i < c->n_floods; i++) {
		free(c->floods[i].remote);
		free(c->floods[i].local);
	}
	free(c->floods);
	free(c->rows);
}

static int compiler_ref_build_host(const struct topology *t, const char *host,
				   struct wire_row **rows, size_t *n_rows)
{
	struct cc c = {.t = t};
	int rc;

	if (!t || !host || !rows || !n_rows || (t->n_networks && !t->networks) ||
	    (t->n_ports && !t->ports) || (t->n_hosts && !t->hosts))
		return -EINVAL;
	*rows = NULL;
	*n_rows = 0;
	rc = cc_init(&c);
	if (rc)
		goto out;
	c.self = cc_host(&c, host);
	if (!c.self)
		goto out;
	rc = cc_find_local_nets(&c);
	if (!rc)
		rc = cc_rows(&c);
	if (rc)
		goto out;
	cc_sort_unique(&c);
	if (c.n_rows) {
		*rows = c.rows;
		*n_rows = c.n_rows;
		c.rows = NULL;
	}
out:
	cc_fini(&c);
	return rc;
}
