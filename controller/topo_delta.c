/* topo_delta.c - the hosts a set of topology changes affects (see
 * topo_delta.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo_delta.h"

/* An identity some port took or left in the changes noted. */
struct topo_delta_ident {
	uint32_t identity;		     /* the identity */
	long net;			     /* ports that took it minus ports that left it */
	long now;			     /* ports holding it after the changes (close) */
	uint8_t n_sgs;			     /* used entries of sgs */
	char sgs[TOPO_SGS_MAX][TOPO_ID_MAX]; /* the groups it stands for */
};

static void topo_delta_ident_free(void **item)
{
	free(*item);
	*item = NULL;
}

int topo_delta_init(struct topo_delta *d)
{
	*d = (struct topo_delta){0};
	d->nets = zhashx_new();
	d->hosts = zhashx_new();
	d->sgs = zhashx_new();
	d->members = zhashx_new();
	d->idents = zhashx_new();
	if (d->idents)
		zhashx_set_destructor(d->idents, topo_delta_ident_free);
	if (d->nets && d->hosts && d->sgs && d->members && d->idents)
		return 0;
	d->all = true;
	d->lost = true;
	return -ENOMEM;
}

void topo_delta_release(struct topo_delta *d)
{
	zhashx_destroy(&d->nets);
	zhashx_destroy(&d->hosts);
	zhashx_destroy(&d->sgs);
	zhashx_destroy(&d->members);
	zhashx_destroy(&d->idents);
	free(d->hchg);
	free(d->pchg);
	*d = (struct topo_delta){0};
}

/* Room for one more entry of size sz in *arr (*n used, *cap allocated). */
static void *topo_delta_grow(void **arr, size_t *n, size_t *cap, size_t sz)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *a = realloc(*arr, c * sz);

		if (!a)
			return NULL;
		*arr = a;
		*cap = c;
	}
	return (char *)*arr + (*n)++ * sz;
}

/* Records host old -> cur for the key index. */
static void topo_delta_host_change(struct topo_delta *d, const struct topo_host *old,
				   const struct topo_host *cur)
{
	struct topo_delta_host *c;

	if (d->lost)
		return;
	c = topo_delta_grow((void **)&d->hchg, &d->n_hchg, &d->cap_hchg, sizeof(*c));
	if (!c) {
		d->lost = true;
		return;
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", (old ? old : cur)->name);
	if (old)
		snprintf(c->old_key, sizeof(c->old_key), "%s", old->public_key);
	if (cur)
		snprintf(c->key, sizeof(c->key), "%s", cur->public_key);
}

/* Records port old -> cur for the port index. */
static void topo_delta_port_change(struct topo_delta *d, const struct topo_port *old,
				   const struct topo_port *cur)
{
	struct topo_delta_port *c;

	if (d->lost)
		return;
	c = topo_delta_grow((void **)&d->pchg, &d->n_pchg, &d->cap_pchg, sizeof(*c));
	if (!c) {
		d->lost = true;
		return;
	}
	memset(c, 0, sizeof(*c));
	c->port_key = (old ? old : cur)->port_key;
	if (old)
		snprintf(c->old_host, sizeof(c->old_host), "%s", old->host);
	if (cur)
		snprintf(c->host, sizeof(c->host), "%s", cur->host);
}

/* Adds key to set; on failure everything is affected. */
static void topo_delta_add(struct topo_delta *d, zhashx_t *set, const char *key)
{
	if (!key[0] || d->all)
		return;
	if (!set || (!zhashx_lookup(set, key) && zhashx_insert(set, key, d)))
		d->all = true;
}

/* True if ports a and b (either may be NULL) have the same identity and
 * groups. */
static bool topo_delta_same_sgs(const struct topo_port *a, const struct topo_port *b)
{
	if (!a || !b)
		return !a && !b;
	return a->identity == b->identity && a->n_sgs == b->n_sgs &&
	       memcmp(a->sgs, b->sgs, a->n_sgs * sizeof(a->sgs[0])) == 0;
}

/* Adds the groups of port p to d->members. */
static void topo_delta_port_groups(struct topo_delta *d, const struct topo_port *p)
{
	for (size_t k = 0; k < p->n_sgs && k < TOPO_SGS_MAX; k++)
		topo_delta_add(d, d->members, p->sgs[k]);
}

/* Counts port p (holding an identity) in or out (by) of its identity's
 * record; without memory for one its groups count as changed. */
static void topo_delta_ident_note(struct topo_delta *d, const struct topo_port *p, long by)
{
	struct topo_delta_ident *r;
	char key[16];

	snprintf(key, sizeof(key), "%u", p->identity);
	r = d->idents ? zhashx_lookup(d->idents, key) : NULL;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r || !d->idents || zhashx_insert(d->idents, key, r)) {
			free(r);
			topo_delta_port_groups(d, p);
			return;
		}
		r->identity = p->identity;
		r->n_sgs = p->n_sgs < TOPO_SGS_MAX ? p->n_sgs : TOPO_SGS_MAX;
		memcpy(r->sgs, p->sgs, sizeof(r->sgs));
	}
	r->net += by;
}

/* Notes the identities of a port whose identity or groups changed (port
 * security off: identity 0, no policy anywhere names it). */
static void topo_delta_port_sgs(struct topo_delta *d, const struct topo_port *old,
				const struct topo_port *cur)
{
	if (topo_delta_same_sgs(old, cur))
		return;
	if (old && old->identity)
		topo_delta_ident_note(d, old, -1);
	if (cur && cur->identity)
		topo_delta_ident_note(d, cur, 1);
}

static int topo_delta_ident_cmp(const void *a, const void *b)
{
	uint32_t x = (*(const struct topo_delta_ident *const *)a)->identity;
	uint32_t y = (*(const struct topo_delta_ident *const *)b)->identity;

	return x < y ? -1 : x > y;
}

/* bsearch: identity *key against a record. */
static int topo_delta_ident_key_cmp(const void *key, const void *elem)
{
	uint32_t x = *(const uint32_t *)key;
	uint32_t y = (*(const struct topo_delta_ident *const *)elem)->identity;

	return x < y ? -1 : x > y;
}

/* Adds to d->members the groups of the identities noted that came or
 * went: held by no port before and by some after, or the reverse (one pass
 * over t's ports). Without memory, the groups of every identity noted. */
static void topo_delta_idents(struct topo_delta *d, const struct topology *t)
{
	size_t n = d->idents ? zhashx_size(d->idents) : 0, i = 0;
	struct topo_delta_ident **v;

	if (!n || d->all)
		return;
	v = calloc(n, sizeof(*v));
	for (struct topo_delta_ident *r = zhashx_first(d->idents); r; r = zhashx_next(d->idents)) {
		r->now = 0;
		if (v)
			v[i++] = r;
	}
	if (v) {
		qsort(v, n, sizeof(*v), topo_delta_ident_cmp);
		for (size_t k = 0; k < t->n_ports; k++) {
			struct topo_delta_ident **hit;

			if (!t->ports[k].identity)
				continue;
			hit = bsearch(&t->ports[k].identity, v, n, sizeof(*v),
				      topo_delta_ident_key_cmp);
			if (hit)
				(*hit)->now++;
		}
	}
	for (struct topo_delta_ident *r = zhashx_first(d->idents); r; r = zhashx_next(d->idents)) {
		long before = r->now - r->net;

		if (v && (before > 0) == (r->now > 0))
			continue; /* held before and after, or neither */
		for (size_t k = 0; k < r->n_sgs; k++)
			topo_delta_add(d, d->members, r->sgs[k]);
	}
	free(v);
}

void topo_delta_note(void *arg, enum model_kind kind, const void *old, const void *cur)
{
	struct topo_delta *d = arg;
	const struct topo_port *ports[2] = {old, cur};

	switch (kind) {
	case MODEL_NETWORK:
		topo_delta_add(d, d->nets, ((const struct topo_network *)(old ? old : cur))->id);
		break;
	case MODEL_SECURITY_GROUP:
		topo_delta_add(d, d->sgs, ((const struct topo_sg *)(old ? old : cur))->id);
		break;
	case MODEL_PORT:
		topo_delta_port_change(d, old, cur);
		topo_delta_port_sgs(d, old, cur);
		/* an unbound port is realised nowhere: its rows are on no host */
		for (int i = 0; i < 2; i++) {
			if (!ports[i] || !ports[i]->host[0])
				continue;
			topo_delta_add(d, d->nets, ports[i]->network_id);
			topo_delta_add(d, d->hosts, ports[i]->host);
		}
		/* a migrating port has rows on both of its hosts: the
		 * destination may have no other port in the network */
		for (int i = 0; i < 2; i++) {
			if (!ports[i] || ports[i]->mig.phase == TOPO_MIG_NONE)
				continue;
			if (ports[i]->mig.source[0])
				topo_delta_add(d, d->hosts, ports[i]->mig.source);
			if (ports[i]->mig.target[0])
				topo_delta_add(d, d->hosts, ports[i]->mig.target);
		}
		break;
	case MODEL_HOST:
		topo_delta_host_change(d, old, cur);
		d->all = true; /* PEER rows everywhere */
		break;
	default:
		d->all = true; /* PEER rows everywhere (or unknown: be safe) */
		break;
	}
}

/* Adds to d->nets the networks routed with a touched one: those with an
 * interface of a router that has one on a touched network. */
static void topo_delta_routed(struct topo_delta *d, const struct topology *t)
{
	zhashx_t *routers;

	if (!t->n_rifs)
		return;
	routers = zhashx_new();
	if (!routers) {
		d->all = true;
		return;
	}
	for (size_t i = 0; i < t->n_rifs; i++)
		if (zhashx_lookup(d->nets, t->rifs[i].network_id))
			topo_delta_add(d, routers, t->rifs[i].router_id);
	for (size_t i = 0; i < t->n_rifs && zhashx_size(routers); i++)
		if (zhashx_lookup(routers, t->rifs[i].router_id))
			topo_delta_add(d, d->nets, t->rifs[i].network_id);
	zhashx_destroy(&routers);
}

/* Adds the hosts whose policy rows the changed groups (d->sgs) and the
 * changed memberships (d->members) can change: those with a port in a
 * changed group, or in a group with a rule whose remote group's members
 * changed. */
static void topo_delta_sg_hosts(struct topo_delta *d, const struct topology *t)
{
	zhashx_t *hit;

	if (d->all || !d->sgs || !d->members ||
	    (zhashx_size(d->sgs) == 0 && zhashx_size(d->members) == 0))
		return;
	hit = zhashx_new();
	if (!hit) {
		d->all = true;
		return;
	}
	for (char *g = zhashx_first(d->sgs); g; g = zhashx_next(d->sgs))
		topo_delta_add(d, hit, zhashx_cursor(d->sgs));
	for (size_t i = 0; i < t->n_sg_rules; i++) {
		const struct topo_sg_rule *r = &t->sg_rules[i];

		if (r->remote_group[0] && zhashx_lookup(d->members, r->remote_group))
			topo_delta_add(d, hit, r->sg_id);
	}
	for (size_t i = 0; i < t->n_ports && zhashx_size(hit); i++) {
		const struct topo_port *p = &t->ports[i];

		for (size_t k = 0; p->host[0] && k < p->n_sgs; k++)
			if (zhashx_lookup(hit, p->sgs[k])) {
				topo_delta_add(d, d->hosts, p->host);
				break;
			}
	}
	zhashx_destroy(&hit);
}

void topo_delta_close(struct topo_delta *d, const struct topology *t)
{
	topo_delta_idents(d, t);
	topo_delta_sg_hosts(d, t);
	if (d->all || !d->nets || zhashx_size(d->nets) == 0)
		return;
	topo_delta_routed(d, t);
	if (d->all)
		return;
	for (size_t i = 0; i < t->n_ports; i++)
		if (t->ports[i].host[0] && zhashx_lookup(d->nets, t->ports[i].network_id))
			topo_delta_add(d, d->hosts, t->ports[i].host);
}

bool topo_delta_affects(const struct topo_delta *d, const char *host)
{
	return d->all || !d->hosts || zhashx_lookup(d->hosts, host);
}
