/* compiler_sg.c - the security group rows of a host (see compiler_sg.h). */
#include "compiler_sg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "model.h"
#include "tenet_abi.h"

#define SG_BLOCKS_MAX 32 /* prefix blocks of one rule (a port range needs <= 30) */

/* One identity: its port with the smallest id, and its rows once built. */
struct sg_ident {
	uint32_t identity;     /* the number, > 0 */
	int32_t port;	       /* index in t->ports of its port with the smallest id */
	const char *port_id;   /* that port's id */
	const char *tenant;    /* its tenant (the port's network's) */
	bool built;	       /* rows is filled in */
	struct wire_row *rows; /* its rows, sorted (tn_sg_ident first) */
	size_t n_rows;	       /* entries of rows */
};

struct compiler_sg {
	const struct topology *t;	  /* input (borrowed) */
	const struct topo_network **nets; /* t->networks by id */
	const struct topo_sg **sgs;	  /* t->sgs by id */
	size_t *grp_off;		  /* n_sgs + 1 offsets into grp_rules */
	uint32_t *grp_rules;		  /* rules (index in t->sg_rules) by group, in id order */
	struct sg_ident *idents;	  /* by identity */
	size_t n_idents;		  /* entries of idents */
};

/* One match of a rule: any protocol (bits -1), or a protocol and the
 * first bits of the port. */
struct sg_block {
	int8_t bits;   /* -1: any protocol; 0..16: port bits matched */
	uint8_t proto; /* IP protocol */
	uint16_t port; /* port (ICMP: type << 8 | code), host order */
};

/* A rule with a remote prefix, on its way to tn_sg_cidr and tn_sg_pset. */
struct sg_pfx {
	uint8_t dir;	  /* TN_SG_* direction | ethertype */
	uint8_t plen;	  /* prefix length */
	uint8_t addr[16]; /* prefix, network order */
	uint32_t rule;	  /* index in t->sg_rules */
	uint32_t group;	  /* the rule's group's sg_key */
};

/* Rows being built. */
struct sg_rows {
	struct wire_row *r; /* the rows */
	size_t n, cap;	    /* used and allocated entries */
};

static int sg_cmp_net(const void *a, const void *b)
{
	return strncmp((*(const struct topo_network *const *)a)->id,
		       (*(const struct topo_network *const *)b)->id, TOPO_ID_MAX);
}

static int sg_cmp_net_id(const void *key, const void *elem)
{
	return strncmp(key, (*(const struct topo_network *const *)elem)->id, TOPO_ID_MAX);
}

static int sg_cmp_sg(const void *a, const void *b)
{
	return strncmp((*(const struct topo_sg *const *)a)->id,
		       (*(const struct topo_sg *const *)b)->id, TOPO_ID_MAX);
}

static int sg_cmp_sg_id(const void *key, const void *elem)
{
	return strncmp(key, (*(const struct topo_sg *const *)elem)->id, TOPO_ID_MAX);
}

/* Index in s->sgs of group id, or -1. */
static int32_t sg_group(const struct compiler_sg *s, const char *id)
{
	const struct topo_sg **hit =
	    bsearch(id, s->sgs, s->t->n_sgs, sizeof(*s->sgs), sg_cmp_sg_id);

	return hit ? (int32_t)(hit - s->sgs) : -1;
}

/* Identities by number, then by their port's id. */
static int sg_cmp_ident(const void *a, const void *b)
{
	const struct sg_ident *x = a, *y = b;

	if (x->identity != y->identity)
		return x->identity < y->identity ? -1 : 1;
	return strncmp(x->port_id, y->port_id, TOPO_ID_MAX);
}

static int sg_cmp_ident_key(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, v = ((const struct sg_ident *)elem)->identity;

	return k < v ? -1 : k > v;
}

/* Orders by (map, key), then value bytes. */
static int sg_cmp_row(const void *a, const void *b)
{
	const struct wire_row *x = a, *y = b;
	int c = wire_row_cmp(a, b);

	return c ? c : memcmp(x->val, y->val, x->val_len);
}

/* Groups rules by group (rules whose group is missing are left out). */
static int sg_index_rules(struct compiler_sg *s)
{
	const struct topology *t = s->t;
	int32_t *grp = calloc(t->n_sg_rules + 1, sizeof(*grp));
	size_t *pos = calloc(t->n_sgs + 1, sizeof(*pos));
	int rc = -ENOMEM;

	s->grp_off = calloc(t->n_sgs + 2, sizeof(*s->grp_off));
	s->grp_rules = calloc(t->n_sg_rules + 1, sizeof(*s->grp_rules));
	if (!grp || !pos || !s->grp_off || !s->grp_rules)
		goto out;
	for (size_t i = 0; i < t->n_sg_rules; i++) {
		grp[i] = sg_group(s, t->sg_rules[i].sg_id);
		if (grp[i] >= 0)
			s->grp_off[grp[i] + 1]++;
	}
	for (size_t g = 0; g < t->n_sgs; g++)
		s->grp_off[g + 1] += s->grp_off[g];
	memcpy(pos, s->grp_off, t->n_sgs * sizeof(*pos));
	/* t->sg_rules is in id order (the store's): each group's rules too */
	for (size_t i = 0; i < t->n_sg_rules; i++)
		if (grp[i] >= 0)
			s->grp_rules[pos[grp[i]]++] = (uint32_t)i;
	rc = 0;
out:
	free(grp);
	free(pos);
	return rc;
}

/* Collects the identities of t's ports (those with a network). */
static int sg_index_idents(struct compiler_sg *s)
{
	const struct topology *t = s->t;
	size_t w = 0;

	s->idents = calloc(t->n_ports + 1, sizeof(*s->idents));
	if (!s->idents)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ports; i++) {
		const struct topo_port *p = &t->ports[i];
		const struct topo_network **n;

		if (!p->identity)
			continue;
		n = bsearch(p->network_id, s->nets, t->n_networks, sizeof(*s->nets), sg_cmp_net_id);
		if (!n)
			continue;
		s->idents[s->n_idents++] = (struct sg_ident){.identity = p->identity,
							     .port = (int32_t)i,
							     .port_id = p->id,
							     .tenant = (*n)->tenant_id};
	}
	qsort(s->idents, s->n_idents, sizeof(*s->idents), sg_cmp_ident);
	for (size_t r = 0; r < s->n_idents; r++)
		if (!w || s->idents[w - 1].identity != s->idents[r].identity)
			s->idents[w++] = s->idents[r];
	s->n_idents = w;
	return 0;
}

struct compiler_sg *compiler_sg_new(const struct topology *t)
{
	struct compiler_sg *s;

	if (!t)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->t = t;
	s->nets = calloc(t->n_networks + 1, sizeof(*s->nets));
	s->sgs = calloc(t->n_sgs + 1, sizeof(*s->sgs));
	if (!s->nets || !s->sgs)
		goto out_free;
	for (size_t i = 0; i < t->n_networks; i++)
		s->nets[i] = &t->networks[i];
	for (size_t i = 0; i < t->n_sgs; i++)
		s->sgs[i] = &t->sgs[i];
	qsort(s->nets, t->n_networks, sizeof(*s->nets), sg_cmp_net);
	qsort(s->sgs, t->n_sgs, sizeof(*s->sgs), sg_cmp_sg);
	if (sg_index_rules(s) || sg_index_idents(s))
		goto out_free;
	return s;
out_free:
	compiler_sg_destroy(&s);
	return NULL;
}

void compiler_sg_destroy(struct compiler_sg **sp)
{
	struct compiler_sg *s = sp ? *sp : NULL;

	if (!s)
		return;
	for (size_t i = 0; s->idents && i < s->n_idents; i++)
		free(s->idents[i].rows);
	free(s->idents);
	free(s->nets);
	free(s->sgs);
	free(s->grp_off);
	free(s->grp_rules);
	free(s);
	*sp = NULL;
}

/* The matches of rule r in b (SG_BLOCKS_MAX entries); returns how many. */
static size_t sg_blocks(const struct topo_sg_rule *r, struct sg_block *b)
{
	uint32_t lo, hi;
	size_t n = 0;

	if (r->proto < 0) {
		b[0] = (struct sg_block){.bits = -1};
		return 1;
	}
	b[0] = (struct sg_block){.bits = 0, .proto = (uint8_t)r->proto};
	if ((r->proto == 1 || r->proto == 58) && r->port_min >= 0) {
		b[0].bits = r->port_max >= 0 ? 16 : 8;
		b[0].port = (uint16_t)(r->port_min << 8 | (r->port_max >= 0 ? r->port_max : 0));
		return 1;
	}
	if (!model_sg_proto_ports(r->proto) || r->port_min < 0 || r->port_max < r->port_min)
		return 1;
	lo = (uint32_t)r->port_min;
	hi = (uint32_t)r->port_max > 65535 ? 65535 : (uint32_t)r->port_max;
	while (lo <= hi && n < SG_BLOCKS_MAX) {
		uint32_t size = 1;
		int bits = 16;

		/* the largest aligned block at lo that stays inside the range */
		while (bits > 0 && (lo & (size * 2 - 1)) == 0 && lo + size * 2 - 1 <= hi) {
			size *= 2;
			bits--;
		}
		b[n++] = (struct sg_block){
		    .bits = (int8_t)bits, .proto = (uint8_t)r->proto, .port = (uint16_t)lo};
		lo += size;
	}
	return n;
}

/* Appends an UPSERT row of map. */
static int sg_push(struct sg_rows *o, uint8_t map, const void *key, const void *val)
{
	struct wire_row *w;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		void *p = realloc(o->r, cap * sizeof(*o->r));

		if (!p)
			return -ENOMEM;
		o->r = p;
		o->cap = cap;
	}
	w = &o->r[o->n++];
	memset(w, 0, sizeof(*w));
	w->map = map;
	w->op = WIRE_OP_UPSERT;
	wire_map_sizes(map, &w->key_len, &w->val_len);
	memcpy(w->key, key, w->key_len);
	memcpy(w->val, val, w->val_len);
	return 0;
}

static uint8_t sg_dir(const struct topo_sg_rule *r)
{
	return (uint8_t)((r->ingress ? TN_SG_INGRESS : TN_SG_EGRESS) |
			 (r->ip_version == 6 ? TN_SG_IPV6 : TN_SG_IPV4));
}

/* True if identity j's groups hold group id. */
static bool sg_holds(const struct compiler_sg *s, const struct sg_ident *j, const char *id)
{
	const struct topo_port *p = &s->t->ports[j->port];

	for (size_t k = 0; k < p->n_sgs && k < TOPO_SGS_MAX; k++)
		if (strncmp(p->sgs[k], id, TOPO_ID_MAX) == 0)
			return true;
	return false;
}

/* tn_sg_rule rows of rule r (group key gk) of identity id: one per block
 * per identity of the tenant holding the remote group. */
static int sg_rule_rows(const struct compiler_sg *s, const struct sg_ident *id,
			const struct topo_sg_rule *r, uint32_t gk, struct sg_rows *o)
{
	struct sg_block b[SG_BLOCKS_MAX];
	size_t nb = sg_blocks(r, b);
	struct tn_sg_allow v = {.group = gk};

	for (size_t j = 0; j < s->n_idents; j++) {
		const struct sg_ident *rj = &s->idents[j];

		if (strncmp(rj->tenant, id->tenant, TOPO_ID_MAX) != 0 ||
		    !sg_holds(s, rj, r->remote_group))
			continue;
		for (size_t k = 0; k < nb; k++) {
			struct tn_sg_rule_key key = {.identity = htonl(id->identity),
						     .remote = htonl(rj->identity),
						     .dir = sg_dir(r)};

			key.prefixlen = b[k].bits < 0 ? TN_SG_RULE_PLEN_ANY
						      : TN_SG_RULE_PLEN_PROTO + (uint32_t)b[k].bits;
			key.proto = b[k].proto;
			key.port = htons(b[k].port);
			if (sg_push(o, TN_MAP_SG_RULE, &key, &v))
				return -ENOMEM;
		}
	}
	return 0;
}

static int sg_cmp_pfx(const void *a, const void *b)
{
	const struct sg_pfx *x = a, *y = b;
	int c;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

/* True if prefix q holds prefix p (same direction byte). */
static bool sg_pfx_holds(const struct sg_pfx *q, const struct sg_pfx *p)
{
	if (q->dir != p->dir || q->plen > p->plen)
		return false;
	for (unsigned int i = 0; i < q->plen; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		if ((q->addr[i / 8] & bit) != (p->addr[i / 8] & bit))
			return false;
	}
	return true;
}

/* One tn_sg_pset row of a port set, its number left 0. */
struct sg_pent {
	struct tn_sg_pset_key k;
	struct tn_sg_allow v;
};

/* The contents of a distinct prefix's port set: its rows, sorted by key
 * with one row a key (the smallest value bytes, as sg_finish keeps). */
struct sg_pcont {
	struct sg_pent *e; /* the rows */
	size_t n;	   /* entries of e */
	size_t at;	   /* the prefix: rank among the distinct ones */
};

static int sg_cmp_pent(const struct sg_pent *x, const struct sg_pent *y)
{
	int c = memcmp(&x->k, &y->k, sizeof(x->k));

	return c ? c : memcmp(&x->v, &y->v, sizeof(x->v));
}

static int sg_cmp_pent_q(const void *a, const void *b)
{
	return sg_cmp_pent(a, b);
}

/* Orders contents by their rows (a total order), then by prefix rank. */
static int sg_cmp_pcont(const void *a, const void *b)
{
	const struct sg_pcont *x = a, *y = b;

	for (size_t i = 0; i < x->n && i < y->n; i++) {
		int c = sg_cmp_pent(&x->e[i], &y->e[i]);

		if (c)
			return c;
	}
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static bool sg_same_pcont(const struct sg_pcont *x, const struct sg_pcont *y)
{
	return x->n == y->n && (!x->n || memcmp(x->e, y->e, x->n * sizeof(*x->e)) == 0);
}

/* Fills c with the port set rows of prefix p of pf[0 .. n) (identity id):
 * the blocks of every rule whose prefix holds p. */
static int sg_pcont_fill(const struct compiler_sg *s, const struct sg_ident *id,
			 const struct sg_pfx *pf, size_t n, const struct sg_pfx *p,
			 struct sg_pcont *c)
{
	size_t cap = 0, w = 0;

	for (size_t q = 0; q < n; q++) {
		struct sg_block b[SG_BLOCKS_MAX];
		size_t nb;

		if (!sg_pfx_holds(&pf[q], p))
			continue;
		nb = sg_blocks(&s->t->sg_rules[pf[q].rule], b);
		if (c->n + nb > cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *e;

			while (nc < c->n + nb)
				nc *= 2;
			e = realloc(c->e, nc * sizeof(*c->e));
			if (!e)
				return -ENOMEM;
			c->e = e;
			cap = nc;
		}
		for (size_t k = 0; k < nb; k++) {
			struct sg_pent *x = &c->e[c->n++];

			memset(x, 0, sizeof(*x)); /* keys are compared whole */
			x->k.prefixlen = b[k].bits < 0
					     ? TN_SG_PSET_PLEN_ANY
					     : TN_SG_PSET_PLEN_PROTO + (uint32_t)b[k].bits;
			x->k.identity = htonl(id->identity);
			x->k.proto = b[k].proto;
			x->k.port = htons(b[k].port);
			x->v.group = pf[q].group;
		}
	}
	if (!c->n)
		return 0;
	qsort(c->e, c->n, sizeof(*c->e), sg_cmp_pent_q);
	for (size_t r = 1; r < c->n; r++)
		if (memcmp(&c->e[w].k, &c->e[r].k, sizeof(c->e[r].k)) != 0 && ++w != r)
			c->e[w] = c->e[r];
	c->n = w + 1;
	return 0;
}

/* tn_sg_cidr and tn_sg_pset rows of identity id from its prefix rules
 * pf[0 .. n) (sorted here). Prefixes whose port sets hold the same rows
 * share one number: numbers go from 1 in the order of the first prefix
 * (in (direction byte, address, length) order) of each content, and each
 * port set's rows are pushed once. */
static int sg_cidr_rows(const struct compiler_sg *s, const struct sg_ident *id, struct sg_pfx *pf,
			size_t n, struct sg_rows *o)
{
	struct sg_pcont *c = calloc(n + 1, sizeof(*c)), *byc = calloc(n + 1, sizeof(*byc));
	size_t *first = calloc(n + 1, sizeof(*first)), *d = calloc(n + 1, sizeof(*d));
	uint32_t *num = calloc(n + 1, sizeof(*num));
	uint32_t pset = 0;
	size_t nd = 0;
	int rc = -ENOMEM;

	if (!c || !byc || !first || !d || !num)
		goto out;
	if (n)
		qsort(pf, n, sizeof(*pf), sg_cmp_pfx);
	for (size_t i = 0; i < n; i++)
		if (!i || sg_cmp_pfx(&pf[i - 1], &pf[i]) != 0)
			d[nd++] = i; /* the distinct prefixes, in rank order */
	for (size_t m = 0; m < nd; m++) {
		c[m].at = m;
		if (sg_pcont_fill(s, id, pf, n, &pf[d[m]], &c[m]))
			goto out;
	}
	/* equal contents side by side, each run led by its lowest rank */
	memcpy(byc, c, nd * sizeof(*c));
	qsort(byc, nd, sizeof(*byc), sg_cmp_pcont);
	for (size_t k = 0; k < nd; k++)
		first[byc[k].at] =
		    k && sg_same_pcont(&byc[k - 1], &byc[k]) ? first[byc[k - 1].at] : byc[k].at;
	rc = 0;
	for (size_t m = 0; m < nd && rc == 0; m++) {
		struct tn_sg_cidr_key ck = {.prefixlen = 64u + pf[d[m]].plen,
					    .identity = htonl(id->identity),
					    .dir = pf[d[m]].dir};
		struct tn_sg_cidr cv = {0};

		num[m] = first[m] == m ? ++pset : num[first[m]];
		cv.pset = num[m];
		memcpy(ck.addr, pf[d[m]].addr, 16);
		rc = sg_push(o, TN_MAP_SG_CIDR, &ck, &cv);
		for (size_t k = 0; first[m] == m && k < c[m].n && rc == 0; k++) {
			c[m].e[k].k.pset = htonl(num[m]);
			rc = sg_push(o, TN_MAP_SG_PSET, &c[m].e[k].k, &c[m].e[k].v);
		}
	}
out:
	for (size_t m = 0; c && m < nd; m++)
		free(c[m].e);
	free(c);
	free(byc);
	free(first);
	free(d);
	free(num);
	return rc;
}

/* A prefix rule's entry: its remote prefix, or the whole address space. */
static void sg_pfx_set(struct sg_pfx *e, const struct topo_sg_rule *r, uint32_t rule, uint32_t gk)
{
	memset(e, 0, sizeof(*e));
	e->dir = sg_dir(r);
	e->rule = rule;
	e->group = gk;
	if (!r->has_prefix)
		return;
	e->plen = r->prefix_len;
	memcpy(e->addr, r->addr, r->ip_version == 4 ? 4 : 16);
}

/* Sorts o, drops repeated keys (the smallest value stays) and puts the
 * tn_sg_ident row first, gen a hash of the others. */
static int sg_finish(const struct sg_ident *id, struct sg_rows *o)
{
	struct tn_sg_ident_key k = {.identity = id->identity};
	struct tn_sg_ident v = {0};
	uint32_t h = 2166136261u;
	size_t w = 0;

	if (o->n) {
		qsort(o->r, o->n, sizeof(*o->r), sg_cmp_row);
		for (size_t r = 1; r < o->n; r++)
			if (wire_row_cmp(&o->r[w], &o->r[r]) != 0 && ++w != r)
				o->r[w] = o->r[r];
		o->n = w + 1;
	}
	for (size_t r = 0; r < o->n; r++) {
		const struct wire_row *x = &o->r[r];
		const uint8_t *parts[3] = {&x->map, x->key, x->val};
		const size_t lens[3] = {1, x->key_len, x->val_len};

		for (int p = 0; p < 3; p++)
			for (size_t i = 0; i < lens[p]; i++)
				h = (h ^ parts[p][i]) * 16777619u;
	}
	v.gen = h ? h : 1;
	if (sg_push(o, TN_MAP_SG_IDENT, &k, &v))
		return -ENOMEM;
	memmove(&o->r[1], &o->r[0], (o->n - 1) * sizeof(*o->r));
	memset(&o->r[0], 0, sizeof(o->r[0]));
	o->r[0].map = TN_MAP_SG_IDENT;
	o->r[0].op = WIRE_OP_UPSERT;
	wire_map_sizes(TN_MAP_SG_IDENT, &o->r[0].key_len, &o->r[0].val_len);
	memcpy(o->r[0].key, &k, sizeof(k));
	memcpy(o->r[0].val, &v, sizeof(v));
	return 0;
}

/* Builds the rows of identity id (once). */
static int sg_build(const struct compiler_sg *s, struct sg_ident *id)
{
	const struct topology *t = s->t;
	const struct topo_port *p = &t->ports[id->port];
	struct sg_rows o = {0};
	struct sg_pfx *pf = NULL;
	size_t n_pf = 0, cap = 0;
	int rc = 0;

	if (id->built)
		return 0;
	for (size_t k = 0; k < p->n_sgs && k < TOPO_SGS_MAX && rc == 0; k++) {
		int32_t g = sg_group(s, p->sgs[k]);

		if (g < 0 || strncmp(s->sgs[g]->tenant_id, id->tenant, TOPO_ID_MAX) != 0)
			continue;
		for (size_t x = s->grp_off[g]; x < s->grp_off[g + 1] && rc == 0; x++) {
			const struct topo_sg_rule *r = &t->sg_rules[s->grp_rules[x]];

			if (r->remote_group[0]) {
				rc = sg_rule_rows(s, id, r, s->sgs[g]->sg_key, &o);
				continue;
			}
			if (n_pf == cap) {
				void *q = realloc(pf, (cap ? cap * 2 : 16) * sizeof(*pf));

				if (!q) {
					rc = -ENOMEM;
					break;
				}
				pf = q;
				cap = cap ? cap * 2 : 16;
			}
			sg_pfx_set(&pf[n_pf++], r, s->grp_rules[x], s->sgs[g]->sg_key);
		}
	}
	if (rc == 0)
		rc = sg_cidr_rows(s, id, pf, n_pf, &o);
	if (rc == 0)
		rc = sg_finish(id, &o);
	free(pf);
	if (rc) {
		free(o.r);
		return rc;
	}
	id->rows = o.r;
	id->n_rows = o.n;
	id->built = true;
	return 0;
}

static int sg_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int compiler_sg_host(struct compiler_sg *s, const uint32_t *ids, size_t n, struct wire_row **rows,
		     size_t *n_rows)
{
	uint32_t *u = calloc(n + 1, sizeof(*u));
	struct sg_ident **hit = calloc(n + 1, sizeof(*hit));
	size_t nu = 0, total = 0, at = *n_rows;
	struct wire_row *out;
	int rc = -ENOMEM;

	if (!u || !hit)
		goto out;
	memcpy(u, ids, n * sizeof(*u));
	qsort(u, n, sizeof(*u), sg_cmp_u32);
	for (size_t i = 0; i < n; i++) {
		struct sg_ident *id;

		if (!u[i] || (i && u[i] == u[i - 1]))
			continue;
		id = bsearch(&u[i], s->idents, s->n_idents, sizeof(*s->idents), sg_cmp_ident_key);
		if (!id)
			continue;
		if (sg_build(s, id))
			goto out;
		hit[nu++] = id;
		total += id->n_rows;
	}
	rc = 0;
	if (!total)
		goto out;
	out = realloc(*rows, (at + total) * sizeof(*out));
	if (!out) {
		rc = -ENOMEM;
		goto out;
	}
	*rows = out;
	for (size_t i = 0; i < nu; i++) {
		memcpy(&out[*n_rows], hit[i]->rows, hit[i]->n_rows * sizeof(*out));
		*n_rows += hit[i]->n_rows;
	}
	/* identities lead tn_sg_ident keys, but follow the prefix length in
	 * the LPM keys: the identities' rows interleave */
	qsort(&out[at], total, sizeof(*out), sg_cmp_row);
out:
	free(u);
	free(hit);
	return rc;
}
