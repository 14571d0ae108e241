/* store_read.c - read-side of the store: lists, topology, change log, dump
 * (see store.h). */
#include "store_int.h"

#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

/* Opens a read transaction into t. */
int store_read_begin(struct store *s, struct store_txn *t)
{
	t->s = s;
	t->err = NULL;
	return stx_errno(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn));
}

uint64_t store_revision(struct store *s)
{
	struct store_txn t;
	uint64_t rev = 0;

	if (!s || store_read_begin(s, &t) < 0)
		return 0;
	stx_u64_get(&t, "revision", &rev);
	mdb_txn_abort(t.txn);
	return rev;
}

int store_get(struct store *s, enum model_kind kind, const char *id, json_t **out)
{
	struct store_txn t;
	int rc;

	if (!s || (unsigned int)kind >= MODEL_KIND_MAX || !id || !out || !id[0] ||
	    strlen(id) > STORE_ID_MAX)
		return -EINVAL;
	rc = store_read_begin(s, &t);
	if (rc < 0)
		return rc;
	rc = stx_obj_get(&t, kind, id, out);
	mdb_txn_abort(t.txn);
	return rc;
}

/* Calls cb with each object of kind (parsed) until cb returns non-zero. */
static int store_foreach(struct store_txn *t, enum model_kind kind,
			 int (*cb)(json_t *obj, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0;

	rc = mdb_cursor_open(t->txn, t->s->objs[kind], &cur);
	if (rc)
		return stx_errno(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && ret == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		json_t *obj = stx_parse(&v);

		ret = obj ? cb(obj, arg) : -EIO;
		json_decref(obj);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && rc != MDB_NOTFOUND)
		return stx_errno(rc);
	return ret;
}

/* What store_list collects. */
struct store_list_ctx {
	enum model_kind kind; /* of the objects listed */
	const json_t *filter; /* members that must match, or NULL */
	json_t *out;	      /* the array being filled */
};

static int store_list_one(json_t *obj, void *arg)
{
	struct store_list_ctx *ctx = arg;
	const char *key;
	json_t *want;

	json_object_foreach((json_t *)ctx->filter, key, want)
	{
		if (!model_filter_match(ctx->kind, obj, key, json_string_value(want)))
			return 0;
	}
	return json_array_append(ctx->out, obj) < 0 ? -ENOMEM : 0;
}

int store_list(struct store *s, enum model_kind kind, const json_t *filter, json_t **out)
{
	struct store_list_ctx ctx = {.kind = kind, .filter = filter};
	struct store_txn t;
	int rc;

	if (!s || (unsigned int)kind >= MODEL_KIND_MAX || !out ||
	    (filter && !json_is_object(filter)))
		return -EINVAL;
	ctx.out = json_array();
	if (!ctx.out)
		return -ENOMEM;
	rc = store_read_begin(s, &t);
	if (rc == 0) {
		rc = store_foreach(&t, kind, store_list_one, &ctx);
		mdb_txn_abort(t.txn);
	}
	if (rc < 0) {
		json_decref(ctx.out);
		return rc;
	}
	*out = ctx.out;
	return 0;
}

/* Grows an array of n elements of size sz by one; NULL on failure. */
static void *store_grow(void **arr, size_t *n, size_t sz)
{
	void *p = realloc(*arr, (*n + 1) * sz);

	if (!p)
		return NULL;
	*arr = p;
	memset((char *)p + *n * sz, 0, sz);
	return (char *)p + (*n)++ * sz;
}

static void store_copy(char *dst, size_t size, const json_t *v)
{
	snprintf(dst, size, "%s", json_string_value(v) ? json_string_value(v) : "");
}

_Static_assert((int)TOPO_ENCAP_DEFAULT == (int)MODEL_ENCAP_DEFAULT &&
		   (int)TOPO_ENCAP_VXLAN == (int)MODEL_ENCAP_VXLAN &&
		   (int)TOPO_ENCAP_GENEVE == (int)MODEL_ENCAP_GENEVE,
	       "encapsulations");

static void store_topo_network_fill(const json_t *obj, void *elem)
{
	struct topo_network *n = elem;

	store_copy(n->id, sizeof(n->id), json_object_get(obj, "id"));
	store_copy(n->tenant_id, sizeof(n->tenant_id), json_object_get(obj, "tenant_id"));
	n->vni = (uint32_t)json_integer_value(json_object_get(obj, "vni"));
	n->mtu = (uint16_t)json_integer_value(json_object_get(obj, "mtu"));
	n->encap = model_encap_parse(json_string_value(json_object_get(obj, "encapsulation")));
}

_Static_assert(TOPO_IP4_MORE_MAX + 1 >= MODEL_MAX_FIXED_IPS, "every fixed IPv4 fits a topo_port");
_Static_assert(TOPO_IP6_MAX >= MODEL_MAX_FIXED_IPS, "every fixed IPv6 fits a topo_port");

/* A port's fixed IP addresses, network order, in fixed_ips order: the
 * first IPv4 in p->ip4, the others in p->ip4_more (at most
 * TOPO_IP4_MORE_MAX); the IPv6 ones in p->ip6 (at most TOPO_IP6_MAX). */
static void store_port_ip4s(const json_t *fixed_ips, struct topo_port *p)
{
	uint8_t addr[16];
	uint32_t ip4;
	size_t i;
	json_t *e;

	json_array_foreach(fixed_ips, i, e)
	{
		const char *ip = json_string_value(json_object_get(e, "ip_address"));

		int fam = model_ip_parse(ip, addr);

		if (fam == AF_INET6 && p->n_ip6 < TOPO_IP6_MAX)
			memcpy(p->ip6[p->n_ip6++], addr, 16);
		if (fam != AF_INET)
			continue;
		memcpy(&ip4, addr, 4);
		if (!p->ip4)
			p->ip4 = ip4;
		else if (p->n_ip4_more < TOPO_IP4_MORE_MAX)
			p->ip4_more[p->n_ip4_more++] = ip4;
	}
}

static uint8_t store_addr(const json_t *s, uint8_t addr[16]);

_Static_assert(TOPO_SGS_MAX >= MODEL_MAX_PORT_SGS, "every group of a port fits a topo_port");
_Static_assert(TOPO_PAIRS_MAX >= MODEL_MAX_PAIRS, "every address pair fits a topo_port");

/* A port's identity, groups and allowed address pairs. */
static void store_topo_port_sec(const json_t *obj, struct topo_port *p)
{
	size_t i;
	json_t *e;

	p->identity = (uint32_t)json_integer_value(json_object_get(obj, "identity"));
	json_array_foreach(json_object_get(obj, "security_groups"), i, e)
	{
		if (p->n_sgs < TOPO_SGS_MAX)
			store_copy(p->sgs[p->n_sgs++], TOPO_ID_MAX, e);
	}
	json_array_foreach(json_object_get(obj, "allowed_address_pairs"), i, e)
	{
		struct topo_pair *pr = &p->pairs[p->n_pairs];

		if (p->n_pairs >= TOPO_PAIRS_MAX)
			break;
		pr->ip_version = store_addr(json_object_get(e, "ip_address"), pr->addr);
		if (pr->ip_version &&
		    model_mac_parse(json_string_value(json_object_get(e, "mac_address")),
				    pr->mac) == 0)
			p->n_pairs++;
		else
			memset(pr, 0, sizeof(*pr));
	}
}

/* The port's migration member (absent or null: none). */
static void store_topo_port_mig(const json_t *m, struct topo_port *p)
{
	if (!json_is_object(m))
		return;
	p->mig.phase = topo_mig_phase_parse(json_string_value(json_object_get(m, "phase")));
	p->mig.generation = (uint32_t)json_integer_value(json_object_get(m, "generation"));
	store_copy(p->mig.source, sizeof(p->mig.source), json_object_get(m, "source_host"));
	store_copy(p->mig.target, sizeof(p->mig.target), json_object_get(m, "target_host"));
}

static void store_topo_port_fill(const json_t *obj, void *elem)
{
	struct topo_port *p = elem;
	const json_t *binding = json_object_get(obj, "binding");

	store_copy(p->id, sizeof(p->id), json_object_get(obj, "id"));
	store_copy(p->network_id, sizeof(p->network_id), json_object_get(obj, "network_id"));
	p->port_key = (uint32_t)json_integer_value(json_object_get(obj, "port_key"));
	model_mac_parse(json_string_value(json_object_get(obj, "mac_address")), p->mac);
	store_port_ip4s(json_object_get(obj, "fixed_ips"), p);
	p->port_security = json_is_true(json_object_get(obj, "port_security_enabled"));
	store_copy(p->host, sizeof(p->host), json_object_get(binding, "host"));
	store_copy(p->ifname, sizeof(p->ifname), json_object_get(binding, "interface"));
	store_topo_port_sec(obj, p);
	store_topo_port_mig(json_object_get(obj, "migration"), p);
}

static void store_topo_host_fill(const json_t *obj, void *elem)
{
	struct topo_host *h = elem;
	uint8_t addr[16];

	store_copy(h->name, sizeof(h->name), json_object_get(obj, "name"));
	h->host_id = (uint32_t)json_integer_value(json_object_get(obj, "host_id"));
	if (model_ip_parse(json_string_value(json_object_get(obj, "underlay_ip")), addr) == AF_INET)
		memcpy(&h->ip4, addr, 4);
	store_copy(h->public_key, sizeof(h->public_key), json_object_get(obj, "public_key"));
}

_Static_assert(TOPO_DNS_MAX >= MODEL_MAX_DNS, "every DNS server fits a topo_subnet");
_Static_assert(TOPO_ROUTES_MAX >= MODEL_MAX_ROUTES, "every route fits a topo_router");
_Static_assert(TOPO_HOST_ROUTES_MAX >= MODEL_MAX_HOST_ROUTES,
	       "every host route fits a topo_subnet");

/* Address text s into addr (16 bytes); its version (4, 6), or 0 when it is
 * not an address. */
static uint8_t store_addr(const json_t *s, uint8_t addr[16])
{
	int af = model_ip_parse(json_string_value(s), addr);

	return af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0;
}

/* Reads the routes list `routes` ({destination, nexthop}, as validated)
 * into rts, at most max; returns how many were read. */
static size_t store_topo_routes(const json_t *routes, struct topo_route *rts, size_t max)
{
	struct model_cidr c;
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(routes, i, e)
	{
		struct topo_route *rt = &rts[n];

		if (n >= max ||
		    model_cidr_parse(json_string_value(json_object_get(e, "destination")), &c) < 0)
			continue;
		rt->ip_version = c.family == AF_INET ? 4 : 6;
		rt->prefix_len = (uint8_t)c.prefix;
		memcpy(rt->dest, c.addr, 16);
		if (store_addr(json_object_get(e, "nexthop"), rt->nexthop) == rt->ip_version)
			n++;
	}
	return n;
}

static void store_topo_subnet_fill(const json_t *obj, void *elem)
{
	struct topo_subnet *sn = elem;
	struct model_cidr c;
	uint8_t addr[16];
	size_t i;
	int mode;
	json_t *e;

	store_copy(sn->id, sizeof(sn->id), json_object_get(obj, "id"));
	store_copy(sn->network_id, sizeof(sn->network_id), json_object_get(obj, "network_id"));
	if (model_cidr_parse(json_string_value(json_object_get(obj, "cidr")), &c) == 0) {
		sn->ip_version = c.family == AF_INET ? 4 : 6;
		sn->prefix_len = (uint8_t)c.prefix;
		memcpy(sn->addr, c.addr, 16);
	}
	sn->enable_dhcp = json_is_true(json_object_get(obj, "enable_dhcp"));
	mode = model_ipv6_mode_parse(json_string_value(json_object_get(obj, "ipv6_ra_mode")));
	sn->ra_mode = mode > 0 ? (uint8_t)mode : 0;
	mode = model_ipv6_mode_parse(json_string_value(json_object_get(obj, "ipv6_address_mode")));
	sn->address_mode = mode > 0 ? (uint8_t)mode : 0;
	sn->has_gateway = store_addr(json_object_get(obj, "gateway_ip"), sn->gateway) != 0;
	json_array_foreach(json_object_get(obj, "dns_nameservers"), i, e)
	{
		uint8_t v = store_addr(e, addr);

		if (v == 4 && sn->n_dns4 < TOPO_DNS_MAX)
			memcpy(&sn->dns4[sn->n_dns4++], addr, 4);
		else if (v == 6 && sn->n_dns6 < TOPO_DNS_MAX)
			memcpy(sn->dns6[sn->n_dns6++], addr, 16);
	}
	sn->n_host_routes = (uint8_t)store_topo_routes(json_object_get(obj, "host_routes"),
						       sn->host_routes, TOPO_HOST_ROUTES_MAX);
}

static void store_topo_router_fill(const json_t *obj, void *elem)
{
	struct topo_router *r = elem;

	store_copy(r->id, sizeof(r->id), json_object_get(obj, "id"));
	store_copy(r->tenant_id, sizeof(r->tenant_id), json_object_get(obj, "tenant_id"));
	r->router_key = (uint32_t)json_integer_value(json_object_get(obj, "router_key"));
	r->n_routes =
	    (uint16_t)store_topo_routes(json_object_get(obj, "routes"), r->routes, TOPO_ROUTES_MAX);
}

static void store_topo_rif_fill(const json_t *obj, void *elem)
{
	struct topo_rif *f = elem;

	store_copy(f->id, sizeof(f->id), json_object_get(obj, "id"));
	store_copy(f->router_id, sizeof(f->router_id), json_object_get(obj, "router_id"));
	store_copy(f->subnet_id, sizeof(f->subnet_id), json_object_get(obj, "subnet_id"));
	store_copy(f->network_id, sizeof(f->network_id), json_object_get(obj, "network_id"));
	model_mac_parse(json_string_value(json_object_get(obj, "mac_address")), f->mac);
	f->ip_version = store_addr(json_object_get(obj, "ip_address"), f->addr);
}

static void store_topo_sg_fill(const json_t *obj, void *elem)
{
	struct topo_sg *g = elem;

	store_copy(g->id, sizeof(g->id), json_object_get(obj, "id"));
	store_copy(g->tenant_id, sizeof(g->tenant_id), json_object_get(obj, "tenant_id"));
	g->sg_key = (uint32_t)json_integer_value(json_object_get(obj, "sg_key"));
}

static void store_topo_sg_rule_fill(const json_t *obj, void *elem)
{
	struct topo_sg_rule *r = elem;
	struct model_sg_rule m;

	store_copy(r->id, sizeof(r->id), json_object_get(obj, "id"));
	store_copy(r->sg_id, sizeof(r->sg_id), json_object_get(obj, "security_group_id"));
	store_copy(r->remote_group, sizeof(r->remote_group),
		   json_object_get(obj, "remote_group_id"));
	if (model_sg_rule_parse(obj, &m) < 0) {
		r->sg_id[0] = '\0'; /* matches no group: compiled nowhere */
		return;
	}
	r->ingress = m.ingress;
	r->ip_version = m.family == AF_INET ? 4 : 6;
	r->proto = (int16_t)m.proto;
	r->port_min = m.port_min;
	r->port_max = m.port_max;
	r->has_prefix = m.has_prefix;
	if (m.has_prefix) {
		r->prefix_len = (uint8_t)m.prefix.prefix;
		memcpy(r->addr, m.prefix.addr, 16);
	}
}

/* FNV-1a over n bytes of p, from h. */
static uint64_t store_fnv(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
	return h;
}

/* Sets every group's rules_digest from the rules of t (in id order). */
static void store_topo_sg_digests(struct topology *t)
{
	for (size_t i = 0; i < t->n_sgs; i++)
		t->sgs[i].rules_digest = 0xcbf29ce484222325ull;
	for (size_t k = 0; k < t->n_sg_rules; k++) {
		const struct topo_sg_rule *r = &t->sg_rules[k];
		size_t lo = 0, hi = t->n_sgs; /* groups are in id order */

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(t->sgs[mid].id, r->sg_id);

			if (c == 0) {
				t->sgs[mid].rules_digest =
				    store_fnv(t->sgs[mid].rules_digest, r, sizeof(*r));
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
}

/* One array of a topology, seen generically: every entry starts with its
 * key (id, or a host's name), which is also its key in the store. */
struct store_topo_arr {
	void **arr;				     /* the array */
	size_t *n;				     /* its length */
	size_t sz;				     /* entry size */
	void (*fill)(const json_t *obj, void *elem); /* entry from object */
};

/* The array of t holding kind; false for kinds not in a topology. */
static bool store_topo_arr(struct topology *t, enum model_kind kind, struct store_topo_arr *a)
{
	switch (kind) {
	case MODEL_NETWORK:
		*a = (struct store_topo_arr){(void **)&t->networks, &t->n_networks,
					     sizeof(*t->networks), store_topo_network_fill};
		return true;
	case MODEL_PORT:
		*a = (struct store_topo_arr){(void **)&t->ports, &t->n_ports, sizeof(*t->ports),
					     store_topo_port_fill};
		return true;
	case MODEL_HOST:
		*a = (struct store_topo_arr){(void **)&t->hosts, &t->n_hosts, sizeof(*t->hosts),
					     store_topo_host_fill};
		return true;
	case MODEL_SUBNET:
		*a = (struct store_topo_arr){(void **)&t->subnets, &t->n_subnets,
					     sizeof(*t->subnets), store_topo_subnet_fill};
		return true;
	case MODEL_ROUTER:
		*a = (struct store_topo_arr){(void **)&t->routers, &t->n_routers,
					     sizeof(*t->routers), store_topo_router_fill};
		return true;
	case MODEL_ROUTER_INTERFACE:
		*a = (struct store_topo_arr){(void **)&t->rifs, &t->n_rifs, sizeof(*t->rifs),
					     store_topo_rif_fill};
		return true;
	case MODEL_SECURITY_GROUP:
		*a = (struct store_topo_arr){(void **)&t->sgs, &t->n_sgs, sizeof(*t->sgs),
					     store_topo_sg_fill};
		return true;
	case MODEL_SECURITY_GROUP_RULE:
		*a = (struct store_topo_arr){(void **)&t->sg_rules, &t->n_sg_rules,
					     sizeof(*t->sg_rules), store_topo_sg_rule_fill};
		return true;
	default:
		return false;
	}
}

/* store_foreach callback: appends the object to the array (arg). */
static int store_topo_append(json_t *obj, void *arg)
{
	struct store_topo_arr *a = arg;
	void *e = store_grow(a->arr, a->n, a->sz);

	if (!e)
		return -ENOMEM;
	a->fill(obj, e);
	return 0;
}

/* Loads the security groups and rules of t into out (whose arrays of them
 * are empty), with the groups' digests. */
static int store_topo_sg_load(struct store_txn *t, struct topology *out)
{
	struct store_topo_arr a = {0};
	int rc;

	store_topo_arr(out, MODEL_SECURITY_GROUP, &a);
	rc = store_foreach(t, MODEL_SECURITY_GROUP, store_topo_append, &a);
	store_topo_arr(out, MODEL_SECURITY_GROUP_RULE, &a);
	if (rc == 0)
		rc = store_foreach(t, MODEL_SECURITY_GROUP_RULE, store_topo_append, &a);
	if (rc == 0)
		store_topo_sg_digests(out);
	return rc;
}

/* Loads the whole topology into the zeroed *out from t. */
static int store_topo_load(struct store_txn *t, struct topology *out)
{
	static const enum model_kind kinds[] = {MODEL_NETWORK, MODEL_PORT,
						MODEL_HOST,    MODEL_SUBNET,
						MODEL_ROUTER,  MODEL_ROUTER_INTERFACE};
	struct store_topo_arr a = {0};
	int rc = 0;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && rc == 0; i++) {
		store_topo_arr(out, kinds[i], &a);
		rc = store_foreach(t, kinds[i], store_topo_append, &a);
	}
	if (rc == 0)
		rc = store_topo_sg_load(t, out);
	if (rc < 0)
		topology_release(out);
	return rc;
}

int store_load_topology(struct store *s, struct topology *out)
{
	struct store_txn t;
	int rc;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	rc = store_read_begin(s, &t);
	if (rc < 0)
		return rc;
	rc = store_topo_load(&t, out);
	mdb_txn_abort(t.txn);
	return rc;
}

/* The revision a change-log key names (8 bytes, big-endian: the keys sort
 * in revision order). */
static uint64_t store_be64_get(const MDB_val *k)
{
	return k->mv_size == 8 ? bytes_get_be64(k->mv_data) : 0;
}

/* Appends the change-log entries from revision `from` on to out. */
static int store_changes_collect(struct store_txn *t, uint64_t from, json_t *out)
{
	uint8_t key[8];
	MDB_val k = {.mv_size = 8, .mv_data = key}, v;
	MDB_cursor *cur;
	int rc;

	bytes_put_be64(key, from);
	rc = mdb_cursor_open(t->txn, t->s->changes, &cur);
	if (rc)
		return stx_errno(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct store_cmd c;

		if (store_cmd_decode(v.mv_data, v.mv_size, &c) < 0)
			continue;
		free(c.body);
		json_array_append_new(out, json_pack("{s:I,s:s,s:s,s:s}", "revision",
						     (json_int_t)store_be64_get(&k), "op",
						     store_op_names[c.op], "kind",
						     model_kind_name(c.kind), "id", c.id));
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : stx_errno(rc);
}

/* The oldest revision in the change log, 0 if it is empty. */
static int store_changes_oldest(struct store_txn *t, uint64_t *oldest)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	*oldest = 0;
	rc = mdb_cursor_open(t->txn, t->s->changes, &cur);
	if (rc)
		return stx_errno(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc == 0)
		*oldest = store_be64_get(&k);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : stx_errno(rc);
}

int store_changes_since(struct store *s, uint64_t since, json_t **out, uint64_t *current)
{
	struct store_txn t;
	uint64_t oldest;
	int rc;

	if (!s || !out || !current)
		return -EINVAL;
	*out = json_array();
	if (!*out)
		return -ENOMEM;
	rc = store_read_begin(s, &t);
	if (rc < 0)
		goto out;
	rc = stx_u64_get(&t, "revision", current);
	if (rc == 0 && since < *current)
		rc = store_changes_oldest(&t, &oldest);
	if (rc == 0 && since < *current && (oldest == 0 || oldest > since + 1))
		rc = -ESTALE;
	if (rc == 0 && since < *current)
		rc = store_changes_collect(&t, since + 1, *out);
	mdb_txn_abort(t.txn);
out:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int store_admin_hash_get(struct store *s, uint8_t hash[32])
{
	struct store_txn t;
	MDB_val v;
	int rc;

	if (!s || !hash)
		return -EINVAL;
	rc = store_read_begin(s, &t);
	if (rc < 0)
		return rc;
	rc = stx_get(&t, s->meta, STORE_ADMIN_KEY, &v);
	if (rc == 0 && v.mv_size != 32)
		rc = -EIO;
	if (rc == 0)
		memcpy(hash, v.mv_data, 32);
	mdb_txn_abort(t.txn);
	return rc;
}

int store_admin_hash_set(struct store *s, const uint8_t hash[32])
{
	struct store_txn t = {.s = s};
	int rc;

	if (!s || !hash)
		return -EINVAL;
	rc = stx_errno(mdb_txn_begin(s->env, NULL, 0, &t.txn));
	if (rc < 0)
		return rc;
	rc = stx_put(&t, s->meta, STORE_ADMIN_KEY, hash, 32);
	if (rc == 0)
		return stx_errno(mdb_txn_commit(t.txn));
	mdb_txn_abort(t.txn);
	return rc;
}

static void store_dump_hex(FILE *fp, const MDB_val *v)
{
	for (size_t i = 0; i < v->mv_size; i++)
		fprintf(fp, "%02x", ((const uint8_t *)v->mv_data)[i]);
}

int store_dump(struct store *s, FILE *fp)
{
	MDB_dbi dbis[STORE_N_TABLES];
	struct store_txn t;
	int rc, n;

	if (!s || !fp)
		return -EINVAL;
	n = store_tables(s, dbis);
	rc = store_read_begin(s, &t);
	for (int i = 0; i < n && rc == 0; i++) {
		MDB_cursor *cur;
		MDB_val k, v;

		rc = stx_errno(mdb_cursor_open(t.txn, dbis[i], &cur));
		if (rc < 0)
			break;
		fprintf(fp, "table %d\n", i);
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			store_dump_hex(fp, &k);
			fputc('=', fp);
			store_dump_hex(fp, &v);
			fputc('\n', fp);
		}
		mdb_cursor_close(cur);
	}
	if (rc == 0)
		mdb_txn_abort(t.txn);
	return rc;
}

/* The index of key in a's entries (sorted by key): *found says whether it
 * is there; if not, the index is where it goes. */
static size_t store_topo_find(const struct store_topo_arr *a, const char *key, bool *found)
{
	size_t lo = 0, hi = *a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp((const char *)*a->arr + mid * a->sz, key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Any topology entry (a callback's before and after copies). */
union store_topo_entry {
	struct topo_network network; /* MODEL_NETWORK */
	struct topo_port port;	     /* MODEL_PORT */
	struct topo_host host;	     /* MODEL_HOST */
	struct topo_subnet subnet;   /* MODEL_SUBNET */
	struct topo_router router;   /* MODEL_ROUTER */
	struct topo_rif rif;	     /* MODEL_ROUTER_INTERFACE */
	struct topo_sg sg;	     /* MODEL_SECURITY_GROUP */
};

/* Puts entry e (have) at index i of a, replacing it (found), or removes
 * the entry there (found, !have). */
static int store_topo_put(struct store_topo_arr *a, size_t i, bool found, bool have, const void *e)
{
	char *base = *a->arr;

	if (found && have) {
		memcpy(base + i * a->sz, e, a->sz);
	} else if (found) {
		memmove(base + i * a->sz, base + (i + 1) * a->sz, (*a->n - i - 1) * a->sz);
		(*a->n)--;
	} else if (have) {
		base = realloc(base, (*a->n + 1) * a->sz);
		if (!base)
			return -ENOMEM;
		*a->arr = base;
		memmove(base + (i + 1) * a->sz, base + i * a->sz, (*a->n - i) * a->sz);
		memcpy(base + i * a->sz, e, a->sz);
		(*a->n)++;
	}
	return 0;
}

/* True if every group of port p is in topo. */
static bool store_topo_sgs_known(const struct topology *topo, const struct topo_port *p)
{
	for (size_t k = 0; k < p->n_sgs; k++) {
		size_t lo = 0, hi = topo->n_sgs;
		bool found = false;

		while (lo < hi && !found) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(topo->sgs[mid].id, p->sgs[k]);

			found = c == 0;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!found)
			return false;
	}
	return true;
}

/* Reloads object (kind, id) of topo from t, calling cb with it before and
 * after. Kinds not in a topology are ignored; those of the security groups
 * set *sg_dirty. */
static int store_topo_reload_one(struct store_txn *t, struct topology *topo, enum model_kind kind,
				 const char *id, store_topo_cb *cb, void *arg, bool *sg_dirty)
{
	union store_topo_entry old, cur;
	struct store_topo_arr a = {0};
	json_t *obj = NULL;
	bool found, have;
	size_t i;
	int rc;

	/* groups and rules are reloaded together, once, after the log: a
	 * group's delete takes its rules, a tenant's its groups, and a port's
	 * create may make its tenant's default group */
	if (kind == MODEL_TENANT || kind == MODEL_SECURITY_GROUP ||
	    kind == MODEL_SECURITY_GROUP_RULE) {
		*sg_dirty = true;
		return 0;
	}
	if (!store_topo_arr(topo, kind, &a))
		return 0;
	rc = stx_obj_get(t, kind, id, &obj);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	have = rc == 0;
	memset(&cur, 0, sizeof(cur));
	if (have) {
		a.fill(obj, &cur);
		json_decref(obj);
	}
	i = store_topo_find(&a, id, &found);
	if (found)
		memcpy(&old, (char *)*a.arr + i * a.sz, a.sz);
	rc = store_topo_put(&a, i, found, have, &cur);
	if (rc == 0 && (found || have) && cb)
		cb(arg, kind, found ? &old : NULL, have ? &cur : NULL);
	if (have && kind == MODEL_PORT && !store_topo_sgs_known(topo, &cur.port))
		*sg_dirty = true;
	return rc;
}

/* Reloads every object of tenant (a clone or an import made them all in
 * one command). */
static int store_topo_reload_tenant(struct store_txn *t, struct topology *topo, const char *tenant,
				    store_topo_cb *cb, void *arg, bool *sg_dirty)
{
	static const enum model_kind kinds[] = {MODEL_NETWORK, MODEL_SUBNET, MODEL_ROUTER,
						MODEL_ROUTER_INTERFACE, MODEL_PORT};
	int rc = 0;

	*sg_dirty = true;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && rc == 0; i++) {
		MDB_cursor *cur;
		MDB_val k, v;
		json_t *ids = json_array(), *id;
		size_t j;

		rc = ids ? stx_errno(mdb_cursor_open(t->txn, t->s->objs[kinds[i]], &cur)) : -ENOMEM;
		if (rc < 0) {
			json_decref(ids);
			break;
		}
		for (int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0;
		     r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			json_t *o = stx_parse(&v);
			const char *tid = json_string_value(json_object_get(o, "tenant_id"));

			if (tid && strcmp(tid, tenant) == 0)
				json_array_append(ids, json_object_get(o, "id"));
			json_decref(o);
		}
		mdb_cursor_close(cur);
		json_array_foreach(ids, j, id) if (rc == 0) rc = store_topo_reload_one(
		    t, topo, kinds[i], json_string_value(id), cb, arg, sg_dirty);
		json_decref(ids);
	}
	return rc;
}

/* Reloads the groups and rules of topo whole, calling cb for each group
 * that changed (itself or its rules). */
static int store_topo_sg_reload(struct store_txn *t, struct topology *topo, store_topo_cb *cb,
				void *arg)
{
	struct topology old = {.sgs = topo->sgs,
			       .n_sgs = topo->n_sgs,
			       .sg_rules = topo->sg_rules,
			       .n_sg_rules = topo->n_sg_rules};
	size_t i = 0, j = 0;
	int rc;

	topo->sgs = NULL;
	topo->sg_rules = NULL;
	topo->n_sgs = topo->n_sg_rules = 0;
	rc = store_topo_sg_load(t, topo);
	while (rc == 0 && cb && (i < old.n_sgs || j < topo->n_sgs)) {
		int c = i == old.n_sgs	   ? 1
			: j == topo->n_sgs ? -1
					   : strcmp(old.sgs[i].id, topo->sgs[j].id);

		if (c < 0)
			cb(arg, MODEL_SECURITY_GROUP, &old.sgs[i], NULL);
		else if (c > 0)
			cb(arg, MODEL_SECURITY_GROUP, NULL, &topo->sgs[j]);
		else if (memcmp(&old.sgs[i], &topo->sgs[j], sizeof(old.sgs[i])) != 0)
			cb(arg, MODEL_SECURITY_GROUP, &old.sgs[i], &topo->sgs[j]);
		i += c <= 0;
		j += c >= 0;
	}
	topology_release(&old);
	return rc;
}

/* Reloads the objects the change log names from revision from on. */
static int store_topo_replay(struct store_txn *t, struct topology *topo, uint64_t from,
			     store_topo_cb *cb, void *arg)
{
	uint8_t key[8];
	MDB_val k = {.mv_size = 8, .mv_data = key}, v;
	MDB_cursor *cur;
	bool sg_dirty = false;
	int rc, ret = 0;

	bytes_put_be64(key, from);
	rc = mdb_cursor_open(t->txn, t->s->changes, &cur);
	if (rc)
		return stx_errno(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && ret == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct store_cmd c;

		if (store_cmd_decode(v.mv_data, v.mv_size, &c) < 0) {
			ret = -EIO; /* cannot tell what changed */
			break;
		}
		free(c.body);
		if (c.op == STORE_OP_CLONE || c.op == STORE_OP_IMPORT)
			ret = store_topo_reload_tenant(t, topo, c.id, cb, arg, &sg_dirty);
		else
			ret = store_topo_reload_one(t, topo, c.kind, c.id, cb, arg, &sg_dirty);
	}
	mdb_cursor_close(cur);
	if (ret)
		return ret;
	if (rc != MDB_NOTFOUND)
		return stx_errno(rc);
	return sg_dirty ? store_topo_sg_reload(t, topo, cb, arg) : 0;
}

int store_update_topology(struct store *s, struct topology *topo, uint64_t *rev, bool *full,
			  store_topo_cb *cb, void *arg)
{
	struct store_txn t;
	uint64_t cur = 0, oldest = 0;
	int rc;

	if (!s || !topo || !rev || !full)
		return -EINVAL;
	rc = store_read_begin(s, &t);
	if (rc < 0)
		return rc;
	rc = stx_u64_get(&t, "revision", &cur);
	if (rc == 0 && *rev < cur)
		rc = store_changes_oldest(&t, &oldest);
	if (rc == 0 && (cur < *rev || (*rev < cur && (oldest == 0 || oldest > *rev + 1))))
		*full = true;
	if (rc == 0 && !*full && *rev < cur) {
		rc = store_topo_replay(&t, topo, *rev + 1, cb, arg);
		if (rc < 0 && rc != -ENOMEM) {
			*full = true; /* unsure what changed: reload it all */
			rc = 0;
		}
	}
	if (rc == 0 && *full) {
		topology_release(topo);
		rc = store_topo_load(&t, topo);
	}
	mdb_txn_abort(t.txn);
	if (rc < 0) {
		topology_release(topo);
		*rev = 0;
		return rc;
	}
	*rev = cur;
	return 0;
}
