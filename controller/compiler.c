/* compiler.c - topology in, per-host datapath rows out (see compiler.h).
 *
 * Pure: no I/O, no globals, no logging. Decisions the header leaves open:
 *  - a port whose network is missing from the topology, or whose binding host
 *    is enrolled without an underlay address (ip4 0), is not realised on
 *    other hosts (nothing could tunnel to it);
 *  - a network's flood list is paged: its remote hosts and its local ports
 *    are each sorted numerically (so the rows do not depend on the order of
 *    the topology's arrays) and cut into FLOOD pages 0, 1, ... of
 *    TN_MAX_FLOOD_REMOTE hosts and TN_MAX_FLOOD_LOCAL ports, as many pages
 *    as the longer list needs (at least one). A list past TN_MAX_FLOOD_PAGES
 *    pages keeps its numerically smallest members; the store refuses a port
 *    binding that would need more (409, binding.host: see kinds_flood_check
 *    in store_kinds.c), so only a store written before that check can hold
 *    such a network. A member joining shifts the later ones: the diff then
 *    upserts the pages that changed and deletes trailing pages that went;
 *  - when two rows collide on (map, key) (two ports claiming one MAC or one
 *    IPv4 in a network), the one with the smallest value bytes is kept, so
 *    the result is deterministic;
 *  - a port lists its first fixed IPv4 in ip4 and the others in ip4_more; a
 *    port without ip4 gets no ARP row (ip4_more is then empty);
 *  - a port's ND rows, one per fixed IPv6, are made alongside its ARP rows
 *    (same hosts, same collisions rule) and emitted after the DHCP rows;
 *  - a router interface on an IPv6 subnet has two ND rows with
 *    TN_ND_F_ROUTER in its network: its address (the subnet's gateway) and
 *    the link-local address of its MAC (RFC 4291 appendix A), the one a
 *    router advertises; routes are made per family (ROUTE4, ROUTE6) by the
 *    same rules, and ROUTE6 rows come last (the highest map number).
 */
#include "compiler.h"
#include "compiler_migrate.h"
#include "compiler_dhcp.h"
#include "compiler_sg.h"
#include "compiler_ra.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "tenet_abi.h"

/* A row in compact form: what the compiler sorts and shares instead of
 * whole wire rows (534 bytes, nearly all of it a FLOOD-sized value). Every
 * map but FLOOD has a value that fits in CC_VAL_MAX. */
#define CC_VAL_MAX 48

_Static_assert(TOPO_HOST_MAX == WIRE_HOST_MAX, "a topology host name fits a wire host name");

struct cc_rec {
	uint8_t map;		   /* enum tn_map_id */
	uint8_t key_len;	   /* bytes used in key */
	uint8_t val_len;	   /* bytes used in val */
	int32_t src;		   /* index in t->hosts of the host the row is about */
	uint8_t key[WIRE_KEY_MAX]; /* the ABI key; unused bytes zero */
	uint8_t val[CC_VAL_MAX];   /* the ABI value; unused bytes zero */
};

_Static_assert(sizeof(struct tn_lport) <= CC_VAL_MAX, "LPORT value fits a record");
_Static_assert(sizeof(struct tn_fdb) <= CC_VAL_MAX, "FDB value fits a record");
_Static_assert(sizeof(struct tn_arp) <= CC_VAL_MAX, "ARP value fits a record");
_Static_assert(sizeof(struct tn_peer) <= CC_VAL_MAX, "PEER value fits a record");
_Static_assert(sizeof(struct tn_tun_allow) <= CC_VAL_MAX, "TUN_ALLOW value fits a record");
_Static_assert(sizeof(struct tn_route4) <= CC_VAL_MAX, "ROUTE4 value fits a record");
_Static_assert(sizeof(struct tn_nd) <= CC_VAL_MAX, "ND value fits a record");
_Static_assert(sizeof(struct tn_route6) <= CC_VAL_MAX, "ROUTE6 value fits a record");

/* A host with ports in a network: a candidate for its flood list. */
struct cc_member {
	uint32_t ip4; /* the host's underlay address, network order */
	int32_t src;  /* its index in t->hosts */
};

/* The rows of one network that are the same for every host that sees it,
 * built the first time a host needs them. */
struct cc_shared {
	bool built;		   /* recs and members are filled in */
	struct cc_rec *recs;	   /* remote FDB, remote ARP and TUN_ALLOW rows of every
				    * realised port on a host with an underlay address,
				    * sorted by (map, key, value); src is the port's host;
				    * the FDB and ARP rows of its router interfaces (src
				    * -1); TUN_ALLOW of the hosts of the networks routed
				    * with it (src the host) */
	size_t n_recs;		   /* entries of recs */
	struct cc_member *members; /* those ports' hosts, sorted by ip4, repeats */
	size_t n_members;	   /* entries of members */
};

struct compiler {
	const struct topology *t;	  /* input (borrowed) */
	const struct topo_network **nets; /* t->networks by id */
	const struct topo_host **hosts;	  /* t->hosts by name */
	size_t *net_off;		  /* n_networks + 1 offsets into net_ports */
	uint32_t *net_ports;		  /* realised ports (index in t->ports), by network */
	size_t *host_off;		  /* n_hosts + 1 offsets into host_ports */
	uint32_t *host_ports;		  /* the same ports by host, each host's by network */
	int32_t *port_net;		  /* per port: index of its network, -1 if none */
	int32_t *port_host;		  /* per port: index of its host, -1 if not enrolled */
	struct cc_shared *shared;	  /* per network */
	struct cc_rec *peers;		  /* PEER rows of every host with an underlay
					   * address, sorted; NULL until first needed */
	size_t n_peers;			  /* entries of peers */
	bool peers_built;		  /* peers is filled in */
	const struct topo_router **routers; /* t->routers by id */
	const struct topo_subnet **subnets; /* t->subnets by id */
	int32_t *rif_net;		    /* per interface: index of its network, or -1 */
	int32_t *rif_router;		    /* per interface: index of its router, or -1 */
	int32_t *rif_subnet;		    /* per interface: index of its subnet, or -1 */
	size_t *nrif_off;		    /* n_networks + 1 offsets into nrifs */
	uint32_t *nrifs;		    /* valid interfaces (index in t->rifs) by network */
	size_t *rrif_off;		    /* n_routers + 1 offsets into rrifs */
	uint32_t *rrifs;		    /* the same interfaces by router */
	struct cc_rec **routes;		    /* per router: ROUTE4, ROUTE6 rows, sorted; built
					     * the first time a host needs them */
	size_t *n_routes;		    /* per router: entries of routes */
	struct compiler_dhcp *dhcp;	    /* subnets indexed for the DHCP rows */
	struct compiler_sg *sg;		    /* identities and groups for the policy rows */
	struct compiler_ra *ra;		    /* IPv6 subnets indexed for the RA and DHCPv6 rows */
};

/* One network of the host being compiled: one of its ports' (local), or
 * one routed with those (routed: only its FDB and ARP rows, to route into
 * it; no flood list, no TUN_ALLOW). */
struct cc_hnet {
	int32_t ni;    /* index in t->networks */
	uint32_t vni;  /* its VNI */
	bool routed;   /* no port of the host is on it */
	size_t p0, p1; /* its ports on the host: host_ports[p0 .. p1) */
	size_t l0, l1; /* its local FDB and ARP records: loc[l0 .. l1) */
};

/* The rows being built for one host. */
struct cc_out {
	struct wire_row *rows;	   /* room for the bound computed up front */
	size_t n;		   /* used rows */
	bool in_order;		   /* records come in (map, key, value) order: a
				    * key repeating its predecessor's is dropped */
	const struct cc_rec *last; /* the record of the last row, NULL after a
				    * row made without one */
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

/* Index in t->networks of network id, or -1. */
static int32_t cc_net(const struct compiler *c, const char *id)
{
	struct topo_network key, *kp = &key;
	const struct topo_network **hit;

	snprintf(key.id, sizeof(key.id), "%s", id);
	hit = bsearch(&kp, c->nets, c->t->n_networks, sizeof(*c->nets), cc_cmp_net);
	return hit ? (int32_t)(*hit - c->t->networks) : -1;
}

/* Index in t->hosts of host name, or -1. */
static int32_t cc_host(const struct compiler *c, const char *name)
{
	struct topo_host key, *kp = &key;
	const struct topo_host **hit;

	if (name[0] == '\0')
		return -1;
	snprintf(key.name, sizeof(key.name), "%s", name);
	hit = bsearch(&kp, c->hosts, c->t->n_hosts, sizeof(*c->hosts), cc_cmp_host);
	return hit ? (int32_t)(*hit - c->t->hosts) : -1;
}

static int cc_cmp_router(const void *a, const void *b)
{
	const struct topo_router *const *x = a, *const *y = b;

	return strncmp((*x)->id, (*y)->id, TOPO_ID_MAX);
}

static int cc_cmp_subnet(const void *a, const void *b)
{
	const struct topo_subnet *const *x = a, *const *y = b;

	return strncmp((*x)->id, (*y)->id, TOPO_ID_MAX);
}

/* bsearch comparators of an id (the key) with a router or a subnet. */
static int cc_cmp_router_id(const void *key, const void *elem)
{
	return strncmp(key, (*(const struct topo_router *const *)elem)->id, TOPO_ID_MAX);
}

static int cc_cmp_subnet_id(const void *key, const void *elem)
{
	return strncmp(key, (*(const struct topo_subnet *const *)elem)->id, TOPO_ID_MAX);
}

/* Index in t->routers of router id, or -1. */
static int32_t cc_router(const struct compiler *c, const char *id)
{
	const struct topo_router **hit =
	    bsearch(id, c->routers, c->t->n_routers, sizeof(*c->routers), cc_cmp_router_id);

	return hit ? (int32_t)(*hit - c->t->routers) : -1;
}

/* Index in t->subnets of subnet id, or -1. */
static int32_t cc_subnet(const struct compiler *c, const char *id)
{
	const struct topo_subnet **hit =
	    bsearch(id, c->subnets, c->t->n_subnets, sizeof(*c->subnets), cc_cmp_subnet_id);

	return hit ? (int32_t)(*hit - c->t->subnets) : -1;
}

/* The IPv4 address in the first 4 bytes of a (network order). */
static uint32_t cc_ip4(const uint8_t a[16])
{
	uint32_t v;

	memcpy(&v, a, 4);
	return v;
}

/* True if IPv4 addr is inside net/plen (all network order). */
static bool cc_in_prefix4(uint32_t addr, uint32_t net, uint8_t plen)
{
	uint32_t mask = plen ? htonl(plen >= 32 ? ~0u : ~0u << (32 - plen)) : 0;

	return (addr & mask) == (net & mask);
}

/* True if IPv6 addr is inside net/plen. */
static bool cc_in_prefix6(const uint8_t addr[16], const uint8_t net[16], uint8_t plen)
{
	for (unsigned int i = 0; i < plen && i < 128; i++) {
		uint8_t bit = 0x80 >> (i % 8);

		if ((addr[i / 8] & bit) != (net[i / 8] & bit))
			return false;
	}
	return true;
}

/* The link-local address of MAC mac (fe80::/64 and the modified EUI-64,
 * RFC 4291 appendix A), into a. */
static void cc_ip6_ll(uint8_t a[16], const uint8_t mac[6])
{
	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = mac[0] ^ 0x02;
	a[9] = mac[1];
	a[10] = mac[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	memcpy(&a[13], &mac[3], 3);
}

/* Orders records by (map, key, value): the order of the rows they become,
 * with colliding keys' smallest value first. */
static int cc_cmp_rec(const void *a, const void *b)
{
	const struct cc_rec *x = a, *y = b;
	int c;

	if (x->map != y->map)
		return x->map < y->map ? -1 : 1;
	c = memcmp(x->key, y->key, x->key_len);
	return c ? c : memcmp(x->val, y->val, x->val_len);
}

static int cc_cmp_member(const void *a, const void *b)
{
	const struct cc_member *x = a, *y = b;

	return x->ip4 < y->ip4 ? -1 : x->ip4 > y->ip4;
}

static int cc_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Networks in the order of their rows: by the VNI's bytes, which lead
 * every per-network key. */
static int cc_cmp_hnet(const void *a, const void *b)
{
	const struct cc_hnet *x = a, *y = b;

	return memcmp(&x->vni, &y->vni, sizeof(x->vni));
}

/* Fills r as a row of map about host src. */
static void cc_rec_set(struct cc_rec *r, uint8_t map, int32_t src, const void *key, const void *val)
{
	uint16_t kl, vl;

	memset(r, 0, sizeof(*r));
	wire_map_sizes(map, &kl, &vl);
	r->map = map;
	r->key_len = (uint8_t)kl;
	r->val_len = (uint8_t)vl;
	r->src = src;
	memcpy(r->key, key, kl);
	memcpy(r->val, val, vl);
}

/* Fixed IPv4 of p after the first that get an ARP row (none without ip4). */
static size_t cc_n_more(const struct topo_port *p)
{
	return p->ip4 ? (p->n_ip4_more < TOPO_IP4_MORE_MAX ? p->n_ip4_more : TOPO_IP4_MORE_MAX) : 0;
}

/* Fixed IPv6 of p that get an ND row. */
static size_t cc_n_ip6(const struct topo_port *p)
{
	return p->n_ip6 < TOPO_IP6_MAX ? p->n_ip6 : TOPO_IP6_MAX;
}

/* Allowed address pairs of p that get rows. */
static size_t cc_n_pairs(const struct topo_port *p)
{
	return p->n_pairs < TOPO_PAIRS_MAX ? p->n_pairs : TOPO_PAIRS_MAX;
}

/* Upper bound of the FDB, ARP and ND records of one port. */
static size_t cc_port_recs(const struct topo_port *p)
{
	return 1 + (p->ip4 ? 1 + cc_n_more(p) : 0) + cc_n_ip6(p) + 2 * cc_n_pairs(p);
}

/* ARP records of port p (its host hi at underlay remote, 0 when local) in
 * network vni, appended at *r; returns how many. */
static size_t cc_arp_recs(struct cc_rec *r, const struct topo_port *p, int32_t hi, uint32_t vni,
			  uint32_t remote)
{
	struct tn_arp_key ak = {.vni = vni, .ip4 = p->ip4};
	struct tn_arp av = {.port_id = p->port_key, .remote_ip4 = remote, .identity = p->identity};
	size_t n = 0, more = cc_n_more(p);

	if (!p->ip4)
		return 0;
	memcpy(av.mac, p->mac, 6);
	cc_rec_set(&r[n++], TN_MAP_ARP, hi, &ak, &av);
	for (size_t i = 0; i < more; i++) {
		ak.ip4 = p->ip4_more[i];
		if (ak.ip4)
			cc_rec_set(&r[n++], TN_MAP_ARP, hi, &ak, &av);
	}
	return n;
}

/* ND records of port p (its host hi at underlay remote, 0 when local) in
 * network vni, one per fixed IPv6, appended at *r; returns how many. */
static size_t cc_nd_recs(struct cc_rec *r, const struct topo_port *p, int32_t hi, uint32_t vni,
			 uint32_t remote)
{
	struct tn_nd_key nk = {.vni = vni};
	struct tn_nd nv = {.port_id = p->port_key, .remote_ip4 = remote, .identity = p->identity};
	size_t n = cc_n_ip6(p);

	memcpy(nv.mac, p->mac, 6);
	for (size_t i = 0; i < n; i++) {
		memcpy(nk.ip6, p->ip6[i], 16);
		cc_rec_set(&r[i], TN_MAP_ND, hi, &nk, &nv);
	}
	return n;
}

/* FDB record of port p in network vni: local (remote 0) or on the host at
 * underlay address remote; flags: more TN_FDB_F_* (TN_FDB_F_GENEVE). */
static void cc_fdb_rec(struct cc_rec *r, const struct topo_port *p, int32_t hi, uint32_t vni,
		       uint32_t remote, uint32_t flags)
{
	struct tn_fdb_key fk = {.vni = vni};
	struct tn_fdb fv = {.port_id = p->port_key, .ip4 = p->ip4, .identity = p->identity};

	memcpy(fk.mac, p->mac, 6);
	fv.remote_ip4 = remote;
	fv.flags = (remote ? TN_FDB_F_REMOTE : TN_FDB_F_LOCAL) | flags;
	if (p->port_security)
		fv.flags |= TN_FDB_F_PORT_SECURITY;
	cc_rec_set(r, TN_MAP_FDB, hi, &fk, &fv);
}

/* The records of port p's allowed address pairs in network vni (its host
 * hi at underlay remote, 0 when local), appended at *r: an ARP (IPv4) or
 * ND (IPv6) row naming the port for each pair's address, with the pair's
 * MAC, and an FDB row like the port's for each pair MAC that is not the
 * port's own (once per MAC), with more TN_FDB_F_* flags (as the port's
 * own row); returns how many. */
static size_t cc_pair_recs(struct cc_rec *r, const struct topo_port *p, int32_t hi, uint32_t vni,
			   uint32_t remote, uint32_t flags)
{
	size_t n = 0, np = cc_n_pairs(p);

	for (size_t i = 0; i < np; i++) {
		const struct topo_pair *pr = &p->pairs[i];
		bool seen = memcmp(pr->mac, p->mac, 6) == 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = memcmp(p->pairs[j].mac, pr->mac, 6) == 0;
		if (!seen) {
			cc_fdb_rec(&r[n], p, hi, vni, remote, flags);
			memcpy(((struct tn_fdb_key *)r[n].key)->mac, pr->mac, 6);
			n++;
		}
		if (pr->ip_version == 4) {
			struct tn_arp_key ak = {.vni = vni, .ip4 = cc_ip4(pr->addr)};
			struct tn_arp av = {
			    .port_id = p->port_key, .remote_ip4 = remote, .identity = p->identity};

			memcpy(av.mac, pr->mac, 6);
			cc_rec_set(&r[n++], TN_MAP_ARP, hi, &ak, &av);
		} else {
			struct tn_nd_key nk = {.vni = vni};
			struct tn_nd nv = {
			    .port_id = p->port_key, .remote_ip4 = remote, .identity = p->identity};

			memcpy(nk.ip6, pr->addr, 16);
			memcpy(nv.mac, pr->mac, 6);
			cc_rec_set(&r[n++], TN_MAP_ND, hi, &nk, &nv);
		}
	}
	return n;
}

/* The FDB and ARP (IPv4) or ND (IPv6: address and link-local) records of
 * router interface f in network vni, appended at *r; returns how many (at
 * most CC_RIF_RECS). */
#define CC_RIF_RECS 3

static size_t cc_rif_recs(struct cc_rec *r, const struct topo_rif *f, const struct topo_router *rt,
			  uint32_t vni)
{
	struct tn_fdb_key fk = {.vni = vni};
	struct tn_fdb fv = {.flags = TN_FDB_F_ROUTER, .router_key = rt->router_key};
	struct tn_arp_key ak = {.vni = vni, .ip4 = cc_ip4(f->addr)};
	struct tn_arp av = {.flags = TN_ARP_F_ROUTER};

	memcpy(fk.mac, f->mac, 6);
	if (f->ip_version == 4)
		fv.ip4 = ak.ip4;
	cc_rec_set(&r[0], TN_MAP_FDB, -1, &fk, &fv);
	if (f->ip_version == 6) {
		struct tn_nd_key nk = {.vni = vni};
		struct tn_nd nv = {.flags = TN_ND_F_ROUTER};

		memcpy(nv.mac, f->mac, 6);
		memcpy(nk.ip6, f->addr, 16);
		cc_rec_set(&r[1], TN_MAP_ND, -1, &nk, &nv);
		cc_ip6_ll(nk.ip6, f->mac);
		cc_rec_set(&r[2], TN_MAP_ND, -1, &nk, &nv);
		return 3;
	}
	if (f->ip_version != 4)
		return 1;
	memcpy(av.mac, f->mac, 6);
	cc_rec_set(&r[1], TN_MAP_ARP, -1, &ak, &av);
	return 2;
}

/* Calls fn(c, ni, arg, nj) for each network nj != ni with an interface of
 * a router that has one on network ni (repeats possible). */
static void cc_routed_nets(const struct compiler *c, int32_t ni, void *arg,
			   void (*fn)(const struct compiler *c, int32_t ni, void *arg, int32_t nj))
{
	for (size_t k = c->nrif_off[ni]; k < c->nrif_off[ni + 1]; k++) {
		int32_t ri = c->rif_router[c->nrifs[k]];

		for (size_t j = c->rrif_off[ri]; j < c->rrif_off[ri + 1]; j++)
			if (c->rif_net[c->rrifs[j]] != ni)
				fn(c, ni, arg, c->rif_net[c->rrifs[j]]);
	}
}

/* cc_routed_nets callback: counts nj's ports into *(size_t *)arg. */
static void cc_routed_count(const struct compiler *c, int32_t ni, void *arg, int32_t nj)
{
	(void)ni;
	*(size_t *)arg += c->net_off[nj + 1] - c->net_off[nj];
}

/* cc_routed_nets callback: TUN_ALLOW in network ni for the hosts of nj's
 * ports, appended to shared ni's records (arg). */
static void cc_routed_allow(const struct compiler *c, int32_t ni, void *arg, int32_t nj)
{
	const struct topology *t = c->t;
	struct cc_shared *s = arg;

	for (size_t k = c->net_off[nj]; k < c->net_off[nj + 1]; k++) {
		int32_t hi = c->port_host[c->net_ports[k]];
		struct tn_tun_allow_key tk = {.vni = t->networks[ni].vni,
					      .remote_ip4 = t->hosts[hi].ip4};
		struct tn_tun_allow tv = {0};

		if (tk.remote_ip4)
			cc_rec_set(&s->recs[s->n_recs++], TN_MAP_TUN_ALLOW, hi, &tk, &tv);
	}
}

/* Builds the shared rows of network ni (once). */
static int cc_shared_build(struct compiler *c, int32_t ni)
{
	const struct topology *t = c->t;
	struct cc_shared *s = &c->shared[ni];
	uint32_t vni = t->networks[ni].vni;
	uint32_t geneve = topo_network_geneve(t, &t->networks[ni]) ? TN_FDB_F_GENEVE : 0;
	size_t cap = 0, np = c->net_off[ni + 1] - c->net_off[ni];

	if (s->built)
		return 0;
	for (size_t k = c->net_off[ni]; k < c->net_off[ni + 1]; k++)
		cap += cc_port_recs(&t->ports[c->net_ports[k]]) + 1;
	cap += CC_RIF_RECS * (c->nrif_off[ni + 1] - c->nrif_off[ni]);
	cc_routed_nets(c, ni, &cap, cc_routed_count);
	s->recs = malloc((cap ? cap : 1) * sizeof(*s->recs));
	s->members = malloc((np ? np : 1) * sizeof(*s->members));
	if (!s->recs || !s->members)
		return -ENOMEM;
	for (size_t k = c->net_off[ni]; k < c->net_off[ni + 1]; k++) {
		const struct topo_port *p = &t->ports[c->net_ports[k]];
		int32_t hi = c->port_host[c->net_ports[k]];
		const struct topo_host *h = &t->hosts[hi];
		struct tn_tun_allow_key tk = {.vni = vni, .remote_ip4 = h->ip4};
		struct tn_tun_allow tv = {0};

		if (!h->ip4)
			continue; /* nothing could tunnel to it */
		cc_fdb_rec(&s->recs[s->n_recs++], p, hi, vni, h->ip4, geneve);
		cc_rec_set(&s->recs[s->n_recs++], TN_MAP_TUN_ALLOW, hi, &tk, &tv);
		s->n_recs += cc_arp_recs(&s->recs[s->n_recs], p, hi, vni, h->ip4);
		s->n_recs += cc_nd_recs(&s->recs[s->n_recs], p, hi, vni, h->ip4);
		s->n_recs += cc_pair_recs(&s->recs[s->n_recs], p, hi, vni, h->ip4, geneve);
		s->members[s->n_members++] = (struct cc_member){.ip4 = h->ip4, .src = hi};
	}
	for (size_t k = c->nrif_off[ni]; k < c->nrif_off[ni + 1]; k++) {
		const struct topo_rif *f = &t->rifs[c->nrifs[k]];

		s->n_recs += cc_rif_recs(&s->recs[s->n_recs], f,
					 &t->routers[c->rif_router[c->nrifs[k]]], vni);
	}
	cc_routed_nets(c, ni, s, cc_routed_allow);
	qsort(s->recs, s->n_recs, sizeof(*s->recs), cc_cmp_rec);
	qsort(s->members, s->n_members, sizeof(*s->members), cc_cmp_member);
	s->built = true;
	return 0;
}

/* Builds the PEER rows (once). */
static int cc_peers_build(struct compiler *c)
{
	const struct topology *t = c->t;

	if (c->peers_built)
		return 0;
	c->peers = malloc((t->n_hosts ? t->n_hosts : 1) * sizeof(*c->peers));
	if (!c->peers)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct tn_peer_key pk = {.ip4 = t->hosts[i].ip4};
		struct tn_peer pv = {.host_id = t->hosts[i].host_id};

		if (pk.ip4)
			cc_rec_set(&c->peers[c->n_peers++], TN_MAP_PEER, (int32_t)i, &pk, &pv);
	}
	qsort(c->peers, c->n_peers, sizeof(*c->peers), cc_cmp_rec);
	c->peers_built = true;
	return 0;
}

/* ROUTE4 record of router rt: dest/plen through interface f (network vni)
 * to next hop nh (0: connected). */
static void cc_route4_rec(struct cc_rec *r, const struct topo_router *rt, uint32_t dest,
			  uint8_t plen, uint32_t vni, const struct topo_rif *f, uint32_t nh)
{
	struct tn_route4_key k = {.prefixlen = 32u + plen, .router_key = htonl(rt->router_key)};
	struct tn_route4 v = {.vni = vni, .nh_ip4 = nh, .src_ip4 = cc_ip4(f->addr)};
	uint32_t mask = plen ? htonl(plen >= 32 ? ~0u : ~0u << (32 - plen)) : 0;

	k.ip4 = dest & mask;
	memcpy(v.mac, f->mac, 6);
	v.flags = nh ? 0 : TN_ROUTE_F_CONNECTED;
	cc_rec_set(r, TN_MAP_ROUTE4, -1, &k, &v);
}

/* ROUTE6 record of router rt: dest/plen through interface f (network vni)
 * to next hop nh (NULL: connected). */
static void cc_route6_rec(struct cc_rec *r, const struct topo_router *rt, const uint8_t dest[16],
			  uint8_t plen, uint32_t vni, const struct topo_rif *f, const uint8_t *nh)
{
	struct tn_route6_key k = {.prefixlen = 32u + plen, .router_key = htonl(rt->router_key)};
	struct tn_route6 v = {.vni = vni, .flags = nh ? 0 : TN_ROUTE_F_CONNECTED};

	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = plen > i * 8 ? plen - i * 8 : 0;

		k.ip6[i] = dest[i] & (bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits));
	}
	memcpy(v.mac, f->mac, 6);
	if (nh)
		memcpy(v.nh_ip6, nh, 16);
	memcpy(v.src_ip6, f->addr, 16);
	cc_rec_set(r, TN_MAP_ROUTE6, -1, &k, &v);
}

/* The interface of router ri whose IPv6 subnet holds nh, or -1; as
 * cc_rif_for4. */
static int32_t cc_rif_for6(const struct compiler *c, int32_t ri, const uint8_t nh[16])
{
	int32_t best = -1;

	for (size_t k = c->rrif_off[ri]; k < c->rrif_off[ri + 1]; k++) {
		const struct topo_subnet *sn = &c->t->subnets[c->rif_subnet[c->rrifs[k]]];

		if (sn->ip_version == 6 && cc_in_prefix6(nh, sn->addr, sn->prefix_len) &&
		    (best < 0 || c->rrifs[k] < (uint32_t)best))
			best = (int32_t)c->rrifs[k];
	}
	return best;
}

/* The interface of router ri (its index in t->rifs) whose IPv4 subnet holds
 * nh, or -1; of several (the store refuses overlapping interfaces), the
 * first in t->rifs. */
static int32_t cc_rif_for4(const struct compiler *c, int32_t ri, uint32_t nh)
{
	int32_t best = -1;

	for (size_t k = c->rrif_off[ri]; k < c->rrif_off[ri + 1]; k++) {
		const struct topo_subnet *sn = &c->t->subnets[c->rif_subnet[c->rrifs[k]]];

		if (sn->ip_version == 4 && cc_in_prefix4(nh, cc_ip4(sn->addr), sn->prefix_len) &&
		    (best < 0 || c->rrifs[k] < (uint32_t)best))
			best = (int32_t)c->rrifs[k];
	}
	return best;
}

/* Appends the route record of static route ro of router ri at *r, through
 * the interface whose subnet holds its next hop. Returns 1, or 0 when no
 * interface does (or the route is not one: no next hop). */
static size_t cc_static_rec(const struct compiler *c, int32_t ri, const struct topo_route *ro,
			    struct cc_rec *r)
{
	const struct topology *t = c->t;
	static const uint8_t zero[16];
	int32_t fi;

	if (ro->ip_version == 4 && cc_ip4(ro->nexthop)) {
		fi = cc_rif_for4(c, ri, cc_ip4(ro->nexthop));
		if (fi < 0)
			return 0;
		cc_route4_rec(r, &t->routers[ri], cc_ip4(ro->dest), ro->prefix_len,
			      t->networks[c->rif_net[fi]].vni, &t->rifs[fi], cc_ip4(ro->nexthop));
		return 1;
	}
	if (ro->ip_version != 6 || memcmp(ro->nexthop, zero, 16) == 0)
		return 0;
	fi = cc_rif_for6(c, ri, ro->nexthop);
	if (fi < 0)
		return 0;
	cc_route6_rec(r, &t->routers[ri], ro->dest, ro->prefix_len, t->networks[c->rif_net[fi]].vni,
		      &t->rifs[fi], ro->nexthop);
	return 1;
}

/*
 * Builds the ROUTE4 and ROUTE6 rows of router ri (once): a connected route
 * for the subnet of each of its interfaces, and each static route whose
 * next hop lies in one of those subnets of its family (the store refuses
 * others, and a route whose interface went is left out), through that
 * interface. A static route to a connected subnet's prefix yields to the
 * subnet.
 */
static int cc_routes_build(struct compiler *c, int32_t ri)
{
	const struct topology *t = c->t;
	const struct topo_router *rt = &t->routers[ri];
	size_t r0 = c->rrif_off[ri], r1 = c->rrif_off[ri + 1], n = 0, n_conn;
	struct cc_rec *recs;

	if (c->routes[ri])
		return 0;
	recs = malloc((r1 - r0 + rt->n_routes + 1) * sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	for (size_t k = r0; k < r1; k++) {
		const struct topo_rif *f = &t->rifs[c->rrifs[k]];
		const struct topo_subnet *sn = &t->subnets[c->rif_subnet[c->rrifs[k]]];
		uint32_t vni = t->networks[c->rif_net[c->rrifs[k]]].vni;

		if (f->ip_version == 4 && sn->ip_version == 4)
			cc_route4_rec(&recs[n++], rt, cc_ip4(sn->addr), sn->prefix_len, vni, f, 0);
		else if (f->ip_version == 6 && sn->ip_version == 6)
			cc_route6_rec(&recs[n++], rt, sn->addr, sn->prefix_len, vni, f, NULL);
	}
	n_conn = n;
	for (size_t i = 0; i < rt->n_routes; i++) {
		bool dup = false;

		if (!cc_static_rec(c, ri, &rt->routes[i], &recs[n]))
			continue;
		for (size_t j = 0; j < n_conn && !dup; j++)
			dup = recs[j].map == recs[n].map &&
			      memcmp(recs[j].key, recs[n].key, recs[n].key_len) == 0;
		if (!dup)
			n++;
	}
	qsort(recs, n, sizeof(*recs), cc_cmp_rec);
	c->routes[ri] = recs;
	c->n_routes[ri] = n;
	return 0;
}

/* Sorts the interfaces whose network, router and subnet exist into nrifs
 * (by network) and rrifs (by router), like cc_group. */
static void cc_group_rifs(struct compiler *c, size_t *pos)
{
	const struct topology *t = c->t;
	size_t n;

	for (size_t i = 0; i < t->n_rifs; i++) {
		c->rif_net[i] = cc_net(c, t->rifs[i].network_id);
		c->rif_router[i] = cc_router(c, t->rifs[i].router_id);
		c->rif_subnet[i] = cc_subnet(c, t->rifs[i].subnet_id);
		if (c->rif_net[i] < 0 || c->rif_router[i] < 0 || c->rif_subnet[i] < 0)
			c->rif_net[i] = -1;
		else {
			c->nrif_off[c->rif_net[i] + 1]++;
			c->rrif_off[c->rif_router[i] + 1]++;
		}
	}
	for (size_t i = 0; i < t->n_networks; i++)
		c->nrif_off[i + 1] += c->nrif_off[i];
	for (size_t i = 0; i < t->n_routers; i++)
		c->rrif_off[i + 1] += c->rrif_off[i];
	memcpy(pos, c->nrif_off, t->n_networks * sizeof(*pos));
	for (size_t i = 0; i < t->n_rifs; i++)
		if (c->rif_net[i] >= 0)
			c->nrifs[pos[c->rif_net[i]]++] = (uint32_t)i;
	n = c->nrif_off[t->n_networks];
	memcpy(pos, c->rrif_off, t->n_routers * sizeof(*pos));
	for (size_t k = 0; k < n; k++)
		c->rrifs[pos[c->rif_router[c->nrifs[k]]]++] = c->nrifs[k];
}

/* Sorts the realised ports into net_ports (by network) and host_ports (by
 * host, then network): two stable counting sorts. */
static void cc_group(struct compiler *c, size_t *pos)
{
	const struct topology *t = c->t;
	size_t n = 0;

	for (size_t i = 0; i < t->n_ports; i++)
		if (c->port_net[i] >= 0 && c->port_host[i] >= 0) {
			c->net_off[c->port_net[i] + 1]++;
			c->host_off[c->port_host[i] + 1]++;
		}
	for (size_t i = 0; i < t->n_networks; i++)
		c->net_off[i + 1] += c->net_off[i];
	for (size_t i = 0; i < t->n_hosts; i++)
		c->host_off[i + 1] += c->host_off[i];
	memcpy(pos, c->net_off, t->n_networks * sizeof(*pos));
	for (size_t i = 0; i < t->n_ports; i++)
		if (c->port_net[i] >= 0 && c->port_host[i] >= 0)
			c->net_ports[pos[c->port_net[i]]++] = (uint32_t)i;
	n = c->net_off[t->n_networks];
	memcpy(pos, c->host_off, t->n_hosts * sizeof(*pos));
	for (size_t k = 0; k < n; k++)
		c->host_ports[pos[c->port_host[c->net_ports[k]]]++] = c->net_ports[k];
}

static bool cc_topology_valid(const struct topology *t)
{
	return t && (!t->n_networks || t->networks) && (!t->n_ports || t->ports) &&
	       (!t->n_hosts || t->hosts) && (!t->n_subnets || t->subnets) &&
	       (!t->n_routers || t->routers) && (!t->n_rifs || t->rifs) && (!t->n_sgs || t->sgs) &&
	       (!t->n_sg_rules || t->sg_rules);
}

/* Allocates and fills the router indexes of c. Returns 0, -ENOMEM. */
static int cc_index_routers(struct compiler *c)
{
	const struct topology *t = c->t;
	size_t nr = t->n_routers + 1, nf = t->n_rifs + 1, nn = t->n_networks + 1;
	size_t *pos;

	c->routers = calloc(nr, sizeof(*c->routers));
	c->subnets = calloc(t->n_subnets + 1, sizeof(*c->subnets));
	c->rif_net = calloc(nf, sizeof(*c->rif_net));
	c->rif_router = calloc(nf, sizeof(*c->rif_router));
	c->rif_subnet = calloc(nf, sizeof(*c->rif_subnet));
	c->nrif_off = calloc(nn, sizeof(*c->nrif_off));
	c->nrifs = calloc(nf, sizeof(*c->nrifs));
	c->rrif_off = calloc(nr, sizeof(*c->rrif_off));
	c->rrifs = calloc(nf, sizeof(*c->rrifs));
	c->routes = calloc(nr, sizeof(*c->routes));
	c->n_routes = calloc(nr, sizeof(*c->n_routes));
	pos = calloc(nn > nr ? nn : nr, sizeof(*pos));
	if (!c->routers || !c->subnets || !c->rif_net || !c->rif_router || !c->rif_subnet ||
	    !c->nrif_off || !c->nrifs || !c->rrif_off || !c->rrifs || !c->routes || !c->n_routes ||
	    !pos) {
		free(pos);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n_routers; i++)
		c->routers[i] = &t->routers[i];
	for (size_t i = 0; i < t->n_subnets; i++)
		c->subnets[i] = &t->subnets[i];
	qsort(c->routers, t->n_routers, sizeof(*c->routers), cc_cmp_router);
	qsort(c->subnets, t->n_subnets, sizeof(*c->subnets), cc_cmp_subnet);
	cc_group_rifs(c, pos);
	free(pos);
	return 0;
}

struct compiler *compiler_new(const struct topology *t)
{
	struct compiler *c;
	size_t nn, nh, np, *pos;

	if (!cc_topology_valid(t))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->t = t;
	nn = t->n_networks + 1;
	nh = t->n_hosts + 1;
	np = t->n_ports + 1;
	c->nets = calloc(nn, sizeof(*c->nets));
	c->hosts = calloc(nh, sizeof(*c->hosts));
	c->net_off = calloc(nn, sizeof(*c->net_off));
	c->host_off = calloc(nh, sizeof(*c->host_off));
	c->net_ports = calloc(np, sizeof(*c->net_ports));
	c->host_ports = calloc(np, sizeof(*c->host_ports));
	c->port_net = calloc(np, sizeof(*c->port_net));
	c->port_host = calloc(np, sizeof(*c->port_host));
	c->shared = calloc(nn, sizeof(*c->shared));
	pos = calloc(nn > nh ? nn : nh, sizeof(*pos));
	if (!c->nets || !c->hosts || !c->net_off || !c->host_off || !c->net_ports ||
	    !c->host_ports || !c->port_net || !c->port_host || !c->shared || !pos) {
		free(pos);
		compiler_destroy(&c);
		return NULL;
	}
	for (size_t i = 0; i < t->n_networks; i++)
		c->nets[i] = &t->networks[i];
	for (size_t i = 0; i < t->n_hosts; i++)
		c->hosts[i] = &t->hosts[i];
	qsort(c->nets, t->n_networks, sizeof(*c->nets), cc_cmp_net);
	qsort(c->hosts, t->n_hosts, sizeof(*c->hosts), cc_cmp_host);
	for (size_t i = 0; i < t->n_ports; i++) {
		c->port_net[i] = cc_net(c, t->ports[i].network_id);
		c->port_host[i] = cc_host(c, t->ports[i].host);
	}
	cc_group(c, pos);
	free(pos);
	c->dhcp = compiler_dhcp_new(t);
	c->sg = compiler_sg_new(t);
	c->ra = compiler_ra_new(t);
	if (!c->dhcp || !c->sg || !c->ra || cc_index_routers(c))
		compiler_destroy(&c);
	return c;
}

void compiler_destroy(struct compiler **cp)
{
	struct compiler *c;

	if (!cp || !*cp)
		return;
	c = *cp;
	for (size_t i = 0; c->shared && i < c->t->n_networks; i++) {
		free(c->shared[i].recs);
		free(c->shared[i].members);
	}
	free(c->shared);
	for (size_t i = 0; c->routes && i < c->t->n_routers; i++)
		free(c->routes[i]);
	free(c->routes);
	free(c->n_routes);
	free(c->routers);
	free(c->subnets);
	free(c->rif_net);
	free(c->rif_router);
	free(c->rif_subnet);
	free(c->nrif_off);
	free(c->nrifs);
	free(c->rrif_off);
	free(c->rrifs);
	free(c->peers);
	free(c->nets);
	free(c->hosts);
	free(c->net_off);
	free(c->host_off);
	free(c->net_ports);
	free(c->host_ports);
	free(c->port_net);
	free(c->port_host);
	compiler_dhcp_destroy(&c->dhcp);
	compiler_sg_destroy(&c->sg);
	compiler_ra_destroy(&c->ra);
	free(c);
	*cp = NULL;
}

/* Appends the row of record r, unless it repeats the last row's key: in
 * order, the first of a key has its smallest value, which is kept. */
static void cc_emit(struct cc_out *o, const struct cc_rec *r)
{
	struct wire_row *w;

	if (o->in_order && o->last && o->last->map == r->map &&
	    memcmp(o->last->key, r->key, r->key_len) == 0)
		return;
	o->last = r;
	w = &o->rows[o->n++];
	memset(w, 0, sizeof(*w));
	w->map = r->map;
	w->op = WIRE_OP_UPSERT;
	w->key_len = r->key_len;
	w->val_len = r->val_len;
	memcpy(w->key, r->key, sizeof(r->key));
	memcpy(w->val, r->val, sizeof(r->val));
}

/* [*lo, *hi): the records of map in sorted recs[0 .. n). */
static void cc_map_range(const struct cc_rec *recs, size_t n, uint8_t map, size_t *lo, size_t *hi)
{
	size_t a = 0;

	while (a < n && recs[a].map < map)
		a++;
	*lo = a;
	while (a < n && recs[a].map == map)
		a++;
	*hi = a;
}

/* Emits map's records of shared a (but those about host skip) merged with
 * map's records of local b, in (key, value) order. */
static void cc_merge(struct cc_out *o, uint8_t map, const struct cc_rec *a, size_t na,
		     const struct cc_rec *b, size_t nb, int32_t skip)
{
	size_t i, ie, j, je;

	cc_map_range(a, na, map, &i, &ie);
	cc_map_range(b, nb, map, &j, &je);
	for (;;) {
		while (i < ie && a[i].src == skip)
			i++;
		if (i == ie && j == je)
			break;
		if (j == je || (i < ie && cc_cmp_rec(&a[i], &b[j]) <= 0))
			cc_emit(o, &a[i++]);
		else
			cc_emit(o, &b[j++]);
	}
}

/* Sorts v[0 .. n) and drops repeats; returns the new count, at most cap
 * (the smallest values are kept). */
static size_t cc_sort_unique_u32(uint32_t *v, size_t n, size_t cap)
{
	size_t w = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cc_cmp_u32);
	for (size_t r = 1; r < n; r++)
		if (v[r] != v[w])
			v[++w] = v[r];
	return w + 1 < cap ? w + 1 : cap;
}

/* Emits the FLOOD pages of network hn on host self: the other hosts of
 * its members and self's ports, each sorted, TN_MAX_FLOOD_REMOTE hosts and
 * TN_MAX_FLOOD_LOCAL ports a page. scratch has room for both lists. */
static void cc_flood(struct cc_out *o, const struct compiler *c, const struct cc_hnet *hn,
		     int32_t self, uint32_t *scratch)
{
	const struct cc_shared *s = &c->shared[hn->ni];
	uint32_t *remote = scratch, *local = scratch + s->n_members;
	size_t nr = 0, nl = hn->p1 - hn->p0, pages;

	for (size_t i = 0; i < s->n_members; i++)
		if (s->members[i].src != self && (!nr || remote[nr - 1] != s->members[i].ip4))
			remote[nr++] = s->members[i].ip4;
	if (nr > TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE)
		nr = TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE;
	for (size_t k = 0; k < nl; k++)
		local[k] = c->t->ports[c->host_ports[hn->p0 + k]].port_key;
	nl = cc_sort_unique_u32(local, nl, TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_LOCAL);
	pages = (nr + TN_MAX_FLOOD_REMOTE - 1) / TN_MAX_FLOOD_REMOTE;
	if (pages < (nl + TN_MAX_FLOOD_LOCAL - 1) / TN_MAX_FLOOD_LOCAL)
		pages = (nl + TN_MAX_FLOOD_LOCAL - 1) / TN_MAX_FLOOD_LOCAL;
	if (!pages)
		pages = 1;
	for (size_t pg = 0; pg < pages; pg++) {
		struct wire_row *w = &o->rows[o->n++];
		struct tn_flood_key fk = {.vni = hn->vni, .page = (uint32_t)pg};
		struct tn_flood v = {0};
		size_t r0 = pg * TN_MAX_FLOOD_REMOTE, l0 = pg * TN_MAX_FLOOD_LOCAL;

		for (; r0 + v.n_remote < nr && v.n_remote < TN_MAX_FLOOD_REMOTE; v.n_remote++)
			v.remote_ip4[v.n_remote] = remote[r0 + v.n_remote];
		for (; l0 + v.n_local < nl && v.n_local < TN_MAX_FLOOD_LOCAL; v.n_local++)
			v.local_port[v.n_local] = local[l0 + v.n_local];
		memset(w, 0, sizeof(*w));
		w->map = TN_MAP_FLOOD;
		w->op = WIRE_OP_UPSERT;
		wire_map_sizes(TN_MAP_FLOOD, &w->key_len, &w->val_len);
		memcpy(w->key, &fk, sizeof(fk));
		memcpy(w->val, &v, sizeof(v));
	}
}

/* The working state of one compiler_host call. */
struct cc_host {
	struct compiler *c;    /* the compiler */
	int32_t self;	       /* index of the host compiled for */
	struct cc_hnet *hn;    /* its networks */
	size_t n_hn;	       /* entries of hn */
	struct cc_rec *lport;  /* LPORT records of its ports, sorted */
	size_t n_lport;	       /* entries of lport */
	struct cc_rec *loc;    /* local FDB and ARP records, each network's sorted */
	size_t n_loc;	       /* entries of loc */
	uint32_t *scratch;     /* flood lists of one network */
	size_t n_scratch;      /* entries scratch has room for */
	int32_t *rtr;	       /* the routers on its ports' networks (index in t->routers) */
	size_t n_rtr;	       /* entries of rtr */
	struct cc_rec *routes; /* their ROUTE4, then ROUTE6 records, sorted */
	size_t n_routes;       /* entries of routes */
	struct cc_out out;     /* the rows */
};

/* True if network ni is one of h's. */
static bool cc_host_has_net(const struct cc_host *h, int32_t ni)
{
	for (size_t i = 0; i < h->n_hn; i++)
		if (h->hn[i].ni == ni)
			return true;
	return false;
}

/* Collects the routers with an interface on a network of self's ports, the
 * networks of their other interfaces (routed: self routes into them) and
 * the routers' ROUTE4 records. */
static int cc_host_routers(struct cc_host *h)
{
	struct compiler *c = h->c;
	const struct topology *t = c->t;
	size_t n_local = h->n_hn, n_routed = 0, n_routes = 0;

	if (!t->n_rifs)
		return 0;
	h->rtr = calloc(t->n_rifs + 1, sizeof(*h->rtr));
	if (!h->rtr)
		return -ENOMEM;
	for (size_t i = 0; i < n_local; i++)
		for (size_t k = c->nrif_off[h->hn[i].ni]; k < c->nrif_off[h->hn[i].ni + 1]; k++) {
			int32_t ri = c->rif_router[c->nrifs[k]];
			size_t j = 0;

			while (j < h->n_rtr && h->rtr[j] != ri)
				j++;
			if (j == h->n_rtr)
				h->rtr[h->n_rtr++] = ri;
		}
	for (size_t j = 0; j < h->n_rtr; j++) {
		if (cc_routes_build(c, h->rtr[j]))
			return -ENOMEM;
		n_routes += c->n_routes[h->rtr[j]];
		n_routed += c->rrif_off[h->rtr[j] + 1] - c->rrif_off[h->rtr[j]];
	}
	if (n_routed) {
		struct cc_hnet *hn = realloc(h->hn, (h->n_hn + n_routed + 1) * sizeof(*hn));

		if (!hn)
			return -ENOMEM;
		h->hn = hn;
	}
	for (size_t j = 0; j < h->n_rtr; j++)
		for (size_t k = c->rrif_off[h->rtr[j]]; k < c->rrif_off[h->rtr[j] + 1]; k++) {
			int32_t ni = c->rif_net[c->rrifs[k]];

			if (cc_host_has_net(h, ni))
				continue;
			if (cc_shared_build(c, ni))
				return -ENOMEM;
			h->hn[h->n_hn++] =
			    (struct cc_hnet){.ni = ni, .vni = t->networks[ni].vni, .routed = true};
		}
	h->routes = malloc((n_routes + 1) * sizeof(*h->routes));
	if (!h->routes)
		return -ENOMEM;
	for (size_t j = 0; j < h->n_rtr; j++) {
		memcpy(&h->routes[h->n_routes], c->routes[h->rtr[j]],
		       c->n_routes[h->rtr[j]] * sizeof(*h->routes));
		h->n_routes += c->n_routes[h->rtr[j]];
	}
	qsort(h->routes, h->n_routes, sizeof(*h->routes), cc_cmp_rec);
	return 0;
}

/* Collects self's networks, their shared rows and its local records. */
static int cc_host_collect(struct cc_host *h)
{
	struct compiler *c = h->c;
	const struct topology *t = c->t;
	size_t p0 = c->host_off[h->self], p1 = c->host_off[h->self + 1], n_loc = 0;

	h->hn = calloc(p1 - p0 + 1, sizeof(*h->hn));
	h->lport = calloc(p1 - p0 + 1, sizeof(*h->lport));
	if (!h->hn || !h->lport)
		return -ENOMEM;
	for (size_t k = p0; k < p1; k++) {
		int32_t ni = c->port_net[c->host_ports[k]];

		n_loc += cc_port_recs(&t->ports[c->host_ports[k]]);
		if (h->n_hn && h->hn[h->n_hn - 1].ni == ni) {
			h->hn[h->n_hn - 1].p1 = k + 1;
			continue;
		}
		h->hn[h->n_hn++] =
		    (struct cc_hnet){.ni = ni, .vni = t->networks[ni].vni, .p0 = k, .p1 = k + 1};
		if (cc_shared_build(c, ni))
			return -ENOMEM;
		if (c->shared[ni].n_members + (p1 - p0) > h->n_scratch)
			h->n_scratch = c->shared[ni].n_members + (p1 - p0);
	}
	h->loc = calloc(n_loc + 1, sizeof(*h->loc));
	h->scratch = calloc(h->n_scratch + 1, sizeof(*h->scratch));
	if (!h->loc || !h->scratch)
		return -ENOMEM;
	if (cc_host_routers(h))
		return -ENOMEM;
	return cc_peers_build(c);
}

/* Fills self's LPORT records and each network's local FDB, ARP and ND
 * records. */
static void cc_host_local(struct cc_host *h)
{
	const struct compiler *c = h->c;
	const struct topology *t = c->t;

	for (size_t i = 0; i < h->n_hn; i++) {
		struct cc_hnet *hn = &h->hn[i];

		hn->l0 = h->n_loc;
		for (size_t k = hn->p0; k < hn->p1; k++) {
			const struct topo_port *p = &t->ports[c->host_ports[k]];
			struct tn_lport_key lk = {.port_id = p->port_key};
			struct tn_lport lv = {
			    .vni = hn->vni, .ip4 = p->ip4, .identity = p->identity};

			memcpy(lv.mac, p->mac, 6);
			lv.flags = p->port_security ? TN_LPORT_F_PORT_SECURITY : 0;
			memcpy(lv.ifname, p->ifname, strnlen(p->ifname, TOPO_IFNAME_MAX - 1));
			cc_rec_set(&h->lport[h->n_lport++], TN_MAP_LPORT, h->self, &lk, &lv);
			cc_fdb_rec(&h->loc[h->n_loc++], p, h->self, hn->vni, 0, 0);
			h->n_loc += cc_arp_recs(&h->loc[h->n_loc], p, h->self, hn->vni, 0);
			h->n_loc += cc_nd_recs(&h->loc[h->n_loc], p, h->self, hn->vni, 0);
			h->n_loc += cc_pair_recs(&h->loc[h->n_loc], p, h->self, hn->vni, 0, 0);
		}
		hn->l1 = h->n_loc;
		qsort(&h->loc[hn->l0], hn->l1 - hn->l0, sizeof(*h->loc), cc_cmp_rec);
	}
	qsort(h->lport, h->n_lport, sizeof(*h->lport), cc_cmp_rec);
}

/* The most rows self can get: room for h->out. */
static size_t cc_host_bound(const struct cc_host *h)
{
	size_t n = h->n_lport + h->c->n_peers + h->n_routes;

	for (size_t i = 0; i < h->n_hn; i++) {
		const struct cc_shared *s = &h->c->shared[h->hn[i].ni];

		n += s->n_recs + (h->hn[i].l1 - h->hn[i].l0) + 1;
		n += (s->n_members + TN_MAX_FLOOD_REMOTE - 1) / TN_MAX_FLOOD_REMOTE;
		n += (h->hn[i].p1 - h->hn[i].p0 + TN_MAX_FLOOD_LOCAL - 1) / TN_MAX_FLOOD_LOCAL;
	}
	return n;
}

/* Emits every row of self in (map, key, value) order: maps in number
 * order, and within a map networks in the order of their VNI bytes. */
static void cc_host_emit(struct cc_host *h)
{
	const struct compiler *c = h->c;
	static const uint8_t per_net[] = {TN_MAP_FDB, TN_MAP_ARP};

	for (size_t i = 0; i < h->n_lport; i++)
		cc_emit(&h->out, &h->lport[i]);
	for (size_t m = 0; m < sizeof(per_net); m++)
		for (size_t i = 0; i < h->n_hn; i++) {
			const struct cc_hnet *hn = &h->hn[i];
			const struct cc_shared *s = &c->shared[hn->ni];

			cc_merge(&h->out, per_net[m], s->recs, s->n_recs, &h->loc[hn->l0],
				 hn->l1 - hn->l0, h->self);
		}
	for (size_t i = 0; i < h->n_hn; i++)
		if (!h->hn[i].routed)
			cc_flood(&h->out, c, &h->hn[i], h->self, h->scratch);
	h->out.last = NULL;
	for (size_t i = 0; i < c->n_peers; i++)
		if (c->peers[i].src != h->self)
			cc_emit(&h->out, &c->peers[i]);
	for (size_t i = 0; i < h->n_hn; i++) {
		const struct cc_shared *s = &c->shared[h->hn[i].ni];

		if (!h->hn[i].routed)
			cc_merge(&h->out, TN_MAP_TUN_ALLOW, s->recs, s->n_recs, NULL, 0, h->self);
	}
	for (size_t i = 0; i < h->n_routes && h->routes[i].map == TN_MAP_ROUTE4; i++)
		cc_emit(&h->out, &h->routes[i]);
}

/* Emits self's ND rows (TN_MAP_ND, the last map), after its DHCP rows. */
static void cc_host_nd(struct cc_host *h)
{
	const struct compiler *c = h->c;

	h->out.last = NULL;
	for (size_t i = 0; i < h->n_hn; i++) {
		const struct cc_hnet *hn = &h->hn[i];
		const struct cc_shared *s = &c->shared[hn->ni];

		cc_merge(&h->out, TN_MAP_ND, s->recs, s->n_recs, &h->loc[hn->l0], hn->l1 - hn->l0,
			 h->self);
	}
}

/* Emits self's ROUTE6 rows, after its ND rows. */
static void cc_host_route6(struct cc_host *h)
{
	size_t lo, hi;

	cc_map_range(h->routes, h->n_routes, TN_MAP_ROUTE6, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		cc_emit(&h->out, &h->routes[i]);
}

/* Orders by (map, key), then value bytes, so duplicates resolve alike. */
static int cc_cmp_row_val(const void *a, const void *b)
{
	const struct wire_row *x = a, *y = b;
	int c = wire_row_cmp(a, b);

	return c ? c : memcmp(x->val, y->val, x->val_len);
}

/* Sorts the rows and removes duplicate keys, keeping each key's smallest
 * value: for hosts two of whose networks share a VNI (the store refuses
 * that), whose rows do not come out in order. */
static void cc_host_sort_unique(struct cc_out *o)
{
	size_t w = 0;

	if (!o->n)
		return;
	qsort(o->rows, o->n, sizeof(*o->rows), cc_cmp_row_val);
	for (size_t r = 1; r < o->n; r++)
		if (wire_row_cmp(&o->rows[w], &o->rows[r]) != 0 && ++w != r)
			o->rows[w] = o->rows[r];
	o->n = w + 1;
}

/* Emits the DHCP rows of self's ports (TN_MAP_DHCP, after ROUTE4), sorted
 * by key; of two ports with one key (the store refuses that) the smaller
 * value is kept, as for every other map. */
static void cc_host_dhcp(struct cc_host *h)
{
	const struct compiler *c = h->c;
	size_t p0 = c->host_off[h->self], p1 = c->host_off[h->self + 1], first = h->out.n, w;

	for (size_t k = p0; k < p1; k++) {
		uint32_t pi = c->host_ports[k];

		if (compiler_dhcp_row(c->dhcp, &c->t->ports[pi], &c->t->networks[c->port_net[pi]],
				      &h->out.rows[h->out.n]))
			h->out.n++;
	}
	if (h->out.n - first < 2)
		return;
	qsort(&h->out.rows[first], h->out.n - first, sizeof(*h->out.rows), cc_cmp_row_val);
	for (size_t r = w = first + 1; r < h->out.n; r++)
		if (wire_row_cmp(&h->out.rows[w - 1], &h->out.rows[r]) != 0)
			h->out.rows[w++] = h->out.rows[r];
	h->out.n = w;
}

/* Sorts rows [first, n) of h by (map, key), keeping each key's smallest value. */
static void cc_host_sort_from(struct cc_host *h, size_t first)
{
	size_t w;

	if (h->out.n - first < 2)
		return;
	qsort(&h->out.rows[first], h->out.n - first, sizeof(*h->out.rows), cc_cmp_row_val);
	for (size_t r = w = first + 1; r < h->out.n; r++)
		if (wire_row_cmp(&h->out.rows[w - 1], &h->out.rows[r]) != 0)
			h->out.rows[w++] = h->out.rows[r];
	h->out.n = w;
}

/* Emits the RA rows of self's networks (TN_MAP_RA, after ND), then the
 * DHCPv6 rows of its ports (TN_MAP_DHCP6): compiler_ra.h. */
static void cc_host_ra6(struct cc_host *h)
{
	const struct compiler *c = h->c;
	size_t p0 = c->host_off[h->self], p1 = c->host_off[h->self + 1], first = h->out.n;

	for (size_t i = 0; i < h->n_hn; i++)
		if (!h->hn[i].routed &&
		    compiler_ra_row(c->ra, &c->t->networks[h->hn[i].ni], &h->out.rows[h->out.n]))
			h->out.n++;
	cc_host_sort_from(h, first);
	first = h->out.n;
	for (size_t k = p0; k < p1; k++) {
		uint32_t pi = c->host_ports[k];

		if (compiler_ra_dhcp6_row(c->ra, &c->t->ports[pi], &c->t->networks[c->port_net[pi]],
					  &h->out.rows[h->out.n]))
			h->out.n++;
	}
	cc_host_sort_from(h, first);
}

/* Appends the security group rows of the identities of self's ports
 * (compiler_sg.h: maps above every other). 0 or -ENOMEM. */
static int cc_host_sg(struct cc_host *h)
{
	const struct compiler *c = h->c;
	size_t p0 = c->host_off[h->self], p1 = c->host_off[h->self + 1];
	uint32_t *ids = calloc(p1 - p0 + 1, sizeof(*ids));
	int rc;

	if (!ids)
		return -ENOMEM;
	for (size_t k = p0; k < p1; k++)
		ids[k - p0] = c->t->ports[c->host_ports[k]].identity;
	rc = compiler_sg_host(c->sg, ids, p1 - p0, &h->out.rows, &h->out.n);
	free(ids);
	return rc;
}

/* True if no two of the (sorted) networks of h share a VNI. */
static bool cc_host_vnis_unique(const struct cc_host *h)
{
	for (size_t i = 1; i < h->n_hn; i++)
		if (h->hn[i].vni == h->hn[i - 1].vni)
			return false;
	return true;
}

static void cc_host_fini(struct cc_host *h)
{
	free(h->hn);
	free(h->lport);
	free(h->loc);
	free(h->scratch);
	free(h->rtr);
	free(h->routes);
	free(h->out.rows);
}

/* compiler_host without what migrations add. */
static int cc_compile_host(struct compiler *c, const char *host, struct wire_row **rows,
			   size_t *n_rows)
{
	struct cc_host h = {.c = c};
	int rc;

	*rows = NULL;
	*n_rows = 0;
	h.self = cc_host(c, host);
	if (h.self < 0)
		return 0;
	rc = cc_host_collect(&h);
	if (rc)
		goto out;
	cc_host_local(&h);
	/* + a DHCP, an RA (one per network: no more than ports) and a DHCPv6 row per port */
	h.out.rows =
	    malloc((cc_host_bound(&h) + 3 * (c->host_off[h.self + 1] - c->host_off[h.self]) + 1) *
		   sizeof(*h.out.rows));
	if (!h.out.rows) {
		rc = -ENOMEM;
		goto out;
	}
	qsort(h.hn, h.n_hn, sizeof(*h.hn), cc_cmp_hnet);
	h.out.in_order = cc_host_vnis_unique(&h);
	cc_host_emit(&h);
	cc_host_dhcp(&h);
	cc_host_nd(&h);
	cc_host_route6(&h);
	cc_host_ra6(&h);
	rc = cc_host_sg(&h);
	if (rc)
		goto out;
	if (!h.out.in_order)
		cc_host_sort_unique(&h.out);
	if (h.out.n) {
		*rows = h.out.rows;
		*n_rows = h.out.n;
		h.out.rows = NULL;
	}
out:
	cc_host_fini(&h);
	return rc;
}

/* The rows of host in t's view as host sees it while ports migrate to or
 * from it (compiler_migrate.h), by a compiler of that view. */
static int cc_compile_view(const struct topology *t, const char *host, struct wire_row **rows,
			   size_t *n_rows)
{
	struct topology view;
	struct compiler *c;
	int rc;

	rc = compiler_migrate_view(t, host, &view);
	if (rc < 0)
		return rc;
	c = compiler_new(&view);
	if (c)
		rc = cc_compile_host(c, host, rows, n_rows);
	else
		rc = -ENOMEM;
	compiler_destroy(&c);
	compiler_migrate_view_release(&view);
	return rc;
}

int compiler_host(struct compiler *c, const char *host, struct wire_row **rows, size_t *n_rows)
{
	int rc;

	if (!c || !host || !rows || !n_rows)
		return -EINVAL;
	if (compiler_migrate_view_needed(c->t, host))
		rc = cc_compile_view(c->t, host, rows, n_rows);
	else
		rc = cc_compile_host(c, host, rows, n_rows);
	if (rc == 0 && *n_rows) {
		rc = compiler_migrate_rows(c->t, host, rows, n_rows);
		if (rc < 0) {
			free(*rows);
			*rows = NULL;
			*n_rows = 0;
		}
	}
	return rc;
}

int compiler_build_host(const struct topology *t, const char *host, struct wire_row **rows,
			size_t *n_rows)
{
	struct compiler *c;
	int rc;

	if (!cc_topology_valid(t) || !host || !rows || !n_rows)
		return -EINVAL;
	c = compiler_new(t);
	if (!c)
		return -ENOMEM;
	rc = compiler_host(c, host, rows, n_rows);
	compiler_destroy(&c);
	return rc;
}

/* Appends to out a copy of r, or its DELETE when del. */
static void cc_emit_diff(struct wire_row *out, size_t *n, const struct wire_row *r, bool del)
{
	struct wire_row *o = &out[(*n)++];

	*o = *r;
	if (del) {
		o->op = WIRE_OP_DELETE;
		o->val_len = 0;
		memset(o->val, 0, sizeof(o->val));
	}
}

/* Orders from[i] against to[j] (an exhausted side sorts last); *same is
 * set when they are equal keys with equal values. */
static int cc_diff_step(const struct wire_row *from, size_t n_from, size_t i,
			const struct wire_row *to, size_t n_to, size_t j, bool *same)
{
	int c = i == n_from ? 1 : j == n_to ? -1 : wire_row_cmp(&from[i], &to[j]);

	*same = !c && from[i].op == to[j].op && from[i].val_len == to[j].val_len &&
		memcmp(from[i].val, to[j].val, to[j].val_len) == 0;
	return c;
}

int compiler_diff(const struct wire_row *from, size_t n_from, const struct wire_row *to,
		  size_t n_to, struct wire_row **out, size_t *n_out)
{
	struct wire_row *d;
	size_t i = 0, j = 0, n = 0, want = 0;
	bool same;

	*out = NULL;
	*n_out = 0;
	/* count first: most diffs are a few rows of large row sets */
	while (i < n_from || j < n_to) {
		int c = cc_diff_step(from, n_from, i, to, n_to, j, &same);

		want += !same;
		i += c <= 0;
		j += c >= 0;
	}
	if (!want)
		return 0;
	d = malloc(want * sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0, j = 0; i < n_from || j < n_to;) {
		int c = cc_diff_step(from, n_from, i, to, n_to, j, &same);

		if (c < 0)
			cc_emit_diff(d, &n, &from[i], true);
		else if (!same)
			cc_emit_diff(d, &n, &to[j], false);
		i += c <= 0;
		j += c >= 0;
	}
	*out = d;
	*n_out = n;
	return 0;
}
