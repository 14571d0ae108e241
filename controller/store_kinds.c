/* store_kinds.c - per-kind references, derived fields, allocations and
 * uniqueness claims, run inside store_apply's write transaction. The
 * security groups and their rules are in store_sg.c. */
#include "store_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <sodium.h>

#include "tenet_abi.h"

#define KINDS_VNI_MAX  0xffffffu /* 24-bit VNI space */
#define KINDS_MAC_MAX  0xffffffu /* fa:16:3e:xx:xx:xx space */
#define KINDS_IP_TRIES 65536	 /* addresses tried when allocating a fixed IP */
#define KINDS_RIF_MAX  64	 /* interfaces of one router */

const char *kinds_str(const json_t *obj, const char *field)
{
	const char *s = json_string_value(json_object_get(obj, field));

	return s ? s : "";
}

/* Sets obj.field to v unless present. */
void kinds_default(json_t *obj, const char *field, json_t *v)
{
	if (!json_object_get(obj, field))
		json_object_set_new(obj, field, v);
	else
		json_decref(v);
}

/* Loads a referenced object; -ENOENT (404) naming field when absent. */
int kinds_ref(struct store_txn *t, enum model_kind kind, const char *id, const char *field,
	      json_t **out)
{
	int rc = stx_obj_get(t, kind, id, out);

	if (rc == -ENOENT)
		model_error_set(t->err, "not_found", field, "%s %.40s not found",
				model_kind_name(kind), id);
	return rc;
}

/* Rewrites the IP text at obj.field in canonical form. */
void kinds_canon_ip(json_t *obj, const char *field)
{
	char text[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	int fam = model_ip_parse(kinds_str(obj, field), addr);

	if (fam > 0 && inet_ntop(fam, addr, text, sizeof(text)))
		json_object_set_new(obj, field, json_string(text));
}

/* Takes a value in [1, max] for which the uniqueness key prefix + value
 * (decimal, or fa:16:3e:xx:xx:xx for MACs) is unclaimed. With a command seed
 * (and a prefix: a claimed kind of value) the search starts at a point drawn
 * from the seed's bits [shift, shift + 24) and the counter is left alone;
 * without one it starts at counter `name`, which moves past the value. */
int kinds_alloc(struct store_txn *t, const char *name, uint32_t max, const char *prefix, bool mac,
		unsigned int shift, uint32_t *out)
{
	char key[KINDS_KEY_MAX];
	bool seeded = t->seed && prefix[0];
	uint64_t next;
	int rc = seeded ? 0 : stx_u64_get(t, name, &next);

	if (rc < 0)
		return rc;
	if (seeded)
		next = ((t->seed >> shift) & 0xffffff) % max + 1;
	for (uint32_t tries = 0; tries < max; tries++) {
		if (next < 1 || next > max)
			next = 1;
		if (mac)
			snprintf(key, sizeof(key), "%sfa:16:3e:%02x:%02x:%02x", prefix,
				 (unsigned int)(next >> 16) & 0xff,
				 (unsigned int)(next >> 8) & 0xff, (unsigned int)next & 0xff);
		else
			snprintf(key, sizeof(key), "%s%u", prefix, (unsigned int)next);
		if (!prefix[0] || !stx_uniq_taken(t, key)) {
			*out = (uint32_t)next;
			return seeded ? 0 : stx_u64_put(t, name, next + 1);
		}
		next++;
	}
	model_error_set(t->err, "exhausted", NULL, "no free value left for %s", name);
	return -ENOSPC;
}

/* The VNI of a new network: the one obj already holds (only an import
 * sets it: the API refuses the read-only field) if free, else a new one. */
static int kinds_network_vni(struct store_txn *t, const json_t *obj, uint32_t *vni)
{
	const json_t *want = json_object_get(obj, "vni");
	char key[32];

	if (!want)
		return kinds_alloc(t, "next_vni", KINDS_VNI_MAX, "vni:", false, 0, vni);
	if (!json_is_integer(want) || json_integer_value(want) < 1 ||
	    json_integer_value(want) > KINDS_VNI_MAX)
		return model_error_set(t->err, "invalid_value", "vni", "vni must be 1..16777215");
	*vni = (uint32_t)json_integer_value(want);
	snprintf(key, sizeof(key), "vni:%u", (unsigned int)*vni);
	if (stx_uniq_taken(t, key)) {
		model_error_set(t->err, "conflict", "vni", "vni %u is in use", (unsigned int)*vni);
		return -EEXIST;
	}
	return 0;
}

static int kinds_network_prepare(struct store_txn *t, const json_t *old, json_t *obj)
{
	uint32_t vni;
	json_t *tenant;
	int rc;

	if (old)
		return 0;
	rc = kinds_ref(t, MODEL_TENANT, kinds_str(obj, "tenant_id"), "tenant_id", &tenant);
	if (rc < 0)
		return rc;
	json_decref(tenant);
	rc = kinds_network_vni(t, obj, &vni);
	if (rc < 0)
		return rc;
	json_object_set_new(obj, "vni", json_integer(vni));
	json_object_set_new(obj, "mtu", json_integer(STORE_NETWORK_MTU));
	kinds_default(obj, "name", json_string(""));
	return 0;
}

/* What the subnet overlap check needs. */
struct kinds_overlap {
	const char *self;		/* the subnet being written */
	struct model_cidr cidr;		/* its prefix */
	char other[MODEL_UUID_LEN + 1]; /* the overlapping subnet found */
};

/* True if prefixes a and b share an address: the shorter holds the other's. */
static bool kinds_cidr_overlap(const struct model_cidr *a, const struct model_cidr *b)
{
	const struct model_cidr *shorter = a->prefix <= b->prefix ? a : b;
	char ip[INET6_ADDRSTRLEN];

	if (a->family != b->family)
		return false;
	inet_ntop(a->family, (shorter == a ? b->addr : a->addr), ip, sizeof(ip));
	return model_cidr_contains(shorter, ip);
}

/* The prefix of subnet id; -ENOENT, -EIO (a stored subnet that does not
 * parse), -errno. */
static int kinds_subnet_cidr(struct store_txn *t, const char *id, struct model_cidr *c,
			     json_t **sub_out)
{
	json_t *sub;
	int rc = stx_obj_get(t, MODEL_SUBNET, id, &sub);

	if (rc < 0)
		return rc;
	if (model_cidr_parse(kinds_str(sub, "cidr"), c) < 0)
		rc = -EIO;
	if (sub_out && rc == 0)
		*sub_out = sub;
	else
		json_decref(sub);
	return rc;
}

static int kinds_overlap_one(struct store_txn *t, const char *child, void *arg)
{
	struct kinds_overlap *ov = arg;
	struct model_cidr c;

	if (strcmp(child, ov->self) == 0 || kinds_subnet_cidr(t, child, &c, NULL) < 0 ||
	    !kinds_cidr_overlap(&c, &ov->cidr))
		return 0;
	snprintf(ov->other, sizeof(ov->other), "%s", child);
	return 1;
}

static int kinds_subnet_create(struct store_txn *t, const char *id, json_t *obj,
			       struct model_cidr *c)
{
	struct kinds_overlap ov = {.self = id, .cidr = *c};
	char text[INET6_ADDRSTRLEN + 8], gw[INET6_ADDRSTRLEN];
	uint8_t first[16];
	json_t *net;
	int rc;

	rc = kinds_ref(t, MODEL_NETWORK, kinds_str(obj, "network_id"), "network_id", &net);
	if (rc < 0)
		return rc;
	json_object_set_new(obj, "tenant_id", json_string(kinds_str(net, "tenant_id")));
	json_decref(net);
	inet_ntop(c->family, c->addr, text, INET6_ADDRSTRLEN);
	snprintf(text + strlen(text), 8, "/%u", c->prefix);
	json_object_set_new(obj, "cidr", json_string(text));
	json_object_set_new(obj, "ip_version", json_integer(c->family == AF_INET ? 4 : 6));
	memcpy(first, c->addr, 16);
	first[c->family == AF_INET ? 3 : 15] |= 1;
	inet_ntop(c->family, first, gw, sizeof(gw));
	kinds_default(obj, "gateway_ip", json_string(gw));
	kinds_default(obj, "enable_dhcp", json_true());
	kinds_default(obj, "dns_nameservers", json_array());
	kinds_default(obj, "host_routes", json_array());
	kinds_default(obj, "name", json_string(""));
	rc = stx_ref_foreach(t, kinds_str(obj, "network_id"), MODEL_SUBNET, kinds_overlap_one, &ov);
	if (rc > 0) {
		model_error_set(t->err, "conflict", "cidr", "cidr overlaps subnet %s", ov.other);
		return -EEXIST;
	}
	return rc;
}

static int kinds_subnet_prepare(struct store_txn *t, const char *id, const json_t *old, json_t *obj)
{
	const json_t *gw = json_object_get(obj, "gateway_ip");
	struct model_cidr c;

	if (model_cidr_parse(kinds_str(obj, "cidr"), &c) < 0)
		return model_error_set(t->err, "invalid_value", "cidr", "cidr is invalid");
	if (gw && !json_is_null(gw) && !model_cidr_host_valid(&c, json_string_value(gw)))
		return model_error_set(t->err, "invalid_value", "gateway_ip",
				       "gateway_ip must be a host address inside cidr");
	if (gw && !json_is_null(gw))
		kinds_canon_ip(obj, "gateway_ip");
	if (model_subnet_check_routes(json_object_get(obj, "host_routes"), c.family, t->err) < 0 ||
	    model_subnet_check_ipv6_modes(obj, &c, t->err) < 0)
		return -EINVAL;
	if (old &&
	    !json_equal(json_object_get(old, "gateway_ip"), json_object_get(obj, "gateway_ip"))) {
		char key[KINDS_KEY_MAX];

		snprintf(key, sizeof(key), "rif:%s", id);
		if (stx_uniq_taken(t, key)) {
			model_error_set(t->err, "in_use", "gateway_ip",
					"gateway_ip is the address of a router interface: remove "
					"the interface first");
			return -EBUSY;
		}
	}
	return old ? 0 : kinds_subnet_create(t, id, obj, &c);
}

/* True if an entry of fixed_ips other than self holds address addr in
 * subnet sub_id. */
static bool kinds_ip_listed(const json_t *fixed_ips, const json_t *self, const char *sub_id,
			    const uint8_t addr[16])
{
	uint8_t other[16];
	json_t *e;
	size_t i;

	json_array_foreach(fixed_ips, i, e)
	{
		if (e != self && strcmp(kinds_str(e, "subnet_id"), sub_id) == 0 &&
		    model_ip_parse(kinds_str(e, "ip_address"), other) > 0 &&
		    memcmp(other, addr, 16) == 0)
			return true;
	}
	return false;
}

/* Sets fip.ip_address to the lowest free host address of subnet sub_id
 * (prefix c): not claimed in the store (the gateway is) and not listed in
 * fixed_ips. Tries at most KINDS_IP_TRIES addresses. */
static int kinds_alloc_ip(struct store_txn *t, const char *sub_id, const struct model_cidr *c,
			  const json_t *fixed_ips, json_t *fip, const char *field)
{
	char text[INET6_ADDRSTRLEN], key[KINDS_KEY_MAX];
	int len = c->family == AF_INET ? 4 : 16;
	uint8_t addr[16];

	memcpy(addr, c->addr, sizeof(addr));
	for (unsigned int n = 0; n < KINDS_IP_TRIES; n++) {
		for (int b = len - 1; b >= 0 && ++addr[b] == 0; b--)
			; /* next address */
		inet_ntop(c->family, addr, text, sizeof(text));
		if (!model_cidr_contains(c, text))
			break;
		if (!model_cidr_host_valid(c, text))
			continue;
		snprintf(key, sizeof(key), "ip:%s:%s", sub_id, text);
		if (stx_uniq_taken(t, key) || kinds_ip_listed(fixed_ips, fip, sub_id, addr))
			continue;
		json_object_set_new(fip, "ip_address", json_string(text));
		return 0;
	}
	model_error_set(t->err, "exhausted", field, "no free address in subnet %s", sub_id);
	return -ENOSPC;
}

/*
 * On a subnet sub whose ipv6_address_mode is slaac or dhcpv6-stateless a
 * port's address is the one SLAAC forms (as Neutron assigns it): the /64
 * prefix and the modified EUI-64 of the port's MAC mac. Sets fip's address
 * to it when absent; refuses another. Returns 0 (also for other subnets)
 * or -EINVAL.
 */
static int kinds_port_eui64(struct store_txn *t, const json_t *sub, const struct model_cidr *c,
			    const char *mac, json_t *fip, const char *field)
{
	int am =
	    model_ipv6_mode_parse(json_string_value(json_object_get(sub, "ipv6_address_mode")));
	char text[INET6_ADDRSTRLEN];
	uint8_t addr[16], m[6], given[16];
	const char *ip;

	if (c->family != AF_INET6 || (am != MODEL_IPV6_SLAAC && am != MODEL_IPV6_DHCP_STATELESS))
		return 0;
	if (model_mac_parse(mac, m) < 0)
		return model_error_set(t->err, "invalid_value", "mac_address",
				       "mac_address is invalid");
	memcpy(addr, c->addr, 8);
	addr[8] = m[0] ^ 0x02;
	addr[9] = m[1];
	addr[10] = m[2];
	addr[11] = 0xff;
	addr[12] = 0xfe;
	addr[13] = m[3];
	addr[14] = m[4];
	addr[15] = m[5];
	inet_ntop(AF_INET6, addr, text, sizeof(text));
	ip = kinds_str(fip, "ip_address");
	if (!ip[0]) {
		json_object_set_new(fip, "ip_address", json_string(text));
		return 0;
	}
	if (model_ip_parse(ip, given) == AF_INET6 && memcmp(given, addr, 16) == 0)
		return 0;
	return model_error_set(t->err, "invalid_value", field,
			       "%s must be %s, the port's EUI-64 address: subnet %s has "
			       "ipv6_address_mode %s",
			       field, text, kinds_str(fip, "subnet_id"), model_ipv6_mode_name(am));
}

/* Checks and canonicalises fixed_ips[i] of a port with MAC mac on network
 * net_id, allocating its address when absent. */
static int kinds_port_fixed_ip(struct store_txn *t, const char *net_id, const char *mac,
			       const json_t *fixed_ips, json_t *fip, size_t i)
{
	char field[48];
	struct model_cidr c;
	json_t *sub;
	int rc;

	snprintf(field, sizeof(field), "fixed_ips[%zu].subnet_id", i);
	rc = kinds_ref(t, MODEL_SUBNET, kinds_str(fip, "subnet_id"), field, &sub);
	if (rc < 0)
		return rc;
	if (strcmp(kinds_str(sub, "network_id"), net_id) != 0)
		rc = model_error_set(t->err, "invalid_value", field,
				     "%s is not a subnet of the port's network", field);
	snprintf(field, sizeof(field), "fixed_ips[%zu].ip_address", i);
	if (rc == 0 && model_cidr_parse(kinds_str(sub, "cidr"), &c) < 0)
		rc = -EIO;
	if (rc == 0)
		rc = kinds_port_eui64(t, sub, &c, mac, fip, field);
	if (rc == 0 && !json_object_get(fip, "ip_address"))
		rc = kinds_alloc_ip(t, kinds_str(fip, "subnet_id"), &c, fixed_ips, fip, field);
	if (rc == 0 && !model_cidr_host_valid(&c, kinds_str(fip, "ip_address")))
		rc = model_error_set(t->err, "invalid_value", field,
				     "%s is not a host address of subnet %s", field,
				     kinds_str(sub, "cidr"));
	json_decref(sub);
	if (rc == 0)
		kinds_canon_ip(fip, "ip_address");
	return rc;
}

/* The binding of port obj: true with host and ifname set when bound. */
static bool kinds_binding(const json_t *obj, const char **host, const char **ifname)
{
	const json_t *b = json_object_get(obj, "binding");

	*host = kinds_str(b, "host");
	*ifname = kinds_str(b, "interface");
	return (*host)[0] && (*ifname)[0];
}

/* The most hosts one network may span (the sender's and those its FLOOD
 * pages reach) and ports it may have on one host. */
#define KINDS_FLOOD_HOSTS (TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE + 1)
#define KINDS_FLOOD_LOCAL (TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_LOCAL)

/* What the broadcast limit check counts over a network's other ports. */
struct kinds_flood {
	const char *self;			/* the port being written */
	const char *host;			/* its binding host */
	char (*hosts)[MODEL_HOST_NAME_MAX + 1]; /* other ports' hosts but host, repeats */
	size_t n_hosts;				/* used entries of hosts */
	size_t cap_hosts;			/* allocated entries of hosts */
	size_t n_local;				/* other ports on host */
	size_t n_others;			/* other ports of the network */
	int err;				/* -ENOMEM while collecting */
};

/* Appends host to fl->hosts. 0 or -ENOMEM. */
static int kinds_flood_push(struct kinds_flood *fl, const char *host)
{
	if (fl->n_hosts == fl->cap_hosts) {
		size_t cap = fl->cap_hosts ? fl->cap_hosts * 2 : 64;
		void *h = realloc(fl->hosts, cap * sizeof(*fl->hosts));

		if (!h)
			return -ENOMEM;
		fl->hosts = h;
		fl->cap_hosts = cap;
	}
	snprintf(fl->hosts[fl->n_hosts++], MODEL_HOST_NAME_MAX + 1, "%s", host);
	return 0;
}

/* stx_ref_foreach callback: counts one port; 1 (stop) past the local limit
 * or on failure (fl->err). */
static int kinds_flood_one(struct store_txn *t, const char *child, void *arg)
{
	struct kinds_flood *fl = arg;
	const char *host, *ifname;
	json_t *port;
	int over = 0;

	if (strcmp(child, fl->self) == 0 || stx_obj_get(t, MODEL_PORT, child, &port) < 0)
		return 0;
	if (kinds_binding(port, &host, &ifname)) {
		if (strcmp(host, fl->host) == 0)
			over = ++fl->n_local >= KINDS_FLOOD_LOCAL;
		else if ((fl->err = kinds_flood_push(fl, host)))
			over = 1;
	}
	json_decref(port);
	return over;
}

/* stx_ref_foreach callback: counts the ports but fl->self, reading none. */
static int kinds_flood_count(struct store_txn *t, const char *child, void *arg)
{
	struct kinds_flood *fl = arg;

	(void)t;
	fl->n_others += strcmp(child, fl->self) != 0;
	return 0;
}

static int kinds_flood_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Distinct entries of fl->hosts (sorts them). */
static size_t kinds_flood_distinct(struct kinds_flood *fl)
{
	size_t n = 0;

	if (!fl->n_hosts)
		return 0;
	qsort(fl->hosts, fl->n_hosts, sizeof(*fl->hosts), kinds_flood_cmp);
	for (size_t i = 0; i < fl->n_hosts; i++)
		n += !i || strcmp(fl->hosts[i - 1], fl->hosts[i]) != 0;
	return n;
}

/* Refuses (409, binding.host) a binding that would take the port's network
 * past what its FLOOD pages hold: KINDS_FLOOD_HOSTS hosts, KINDS_FLOOD_LOCAL
 * ports on one host. Broadcast would silently miss the rest. Checked when
 * the port gets a new binding host. */
static int kinds_flood_check(struct store_txn *t, const json_t *old, const json_t *obj)
{
	struct kinds_flood fl = {.self = kinds_str(obj, "id")};
	const char *old_host, *ifname;
	int rc;

	if (!kinds_binding(obj, &fl.host, &ifname) ||
	    (old && kinds_binding(old, &old_host, &ifname) && strcmp(old_host, fl.host) == 0))
		return 0;
	/* a network with fewer ports than either limit cannot reach it: only
	 * big networks pay for reading their ports */
	rc = stx_ref_foreach(t, kinds_str(obj, "network_id"), MODEL_PORT, kinds_flood_count, &fl);
	if (rc || (fl.n_others < KINDS_FLOOD_LOCAL && fl.n_others < KINDS_FLOOD_HOSTS - 1))
		return rc;
	rc = stx_ref_foreach(t, kinds_str(obj, "network_id"), MODEL_PORT, kinds_flood_one, &fl);
	if (rc < 0 || fl.err) {
		rc = rc < 0 ? rc : fl.err;
	} else if (fl.n_local >= KINDS_FLOOD_LOCAL) {
		model_error_set(
		    t->err, "limit_exceeded", "binding.host",
		    "network already has %d ports on host %s, the most broadcast reaches",
		    KINDS_FLOOD_LOCAL, fl.host);
		rc = -EEXIST;
	} else if (kinds_flood_distinct(&fl) + 1 > KINDS_FLOOD_HOSTS) {
		model_error_set(t->err, "limit_exceeded", "binding.host",
				"network already has ports on %d hosts, the most broadcast reaches",
				KINDS_FLOOD_HOSTS);
		rc = -EEXIST;
	}
	free(fl.hosts);
	return rc;
}

static int kinds_port_prepare(struct store_txn *t, const json_t *old, json_t *obj)
{
	const char *net_id = kinds_str(obj, "network_id");
	char mac[18];
	uint32_t n;
	json_t *net, *fip;
	size_t i;
	int rc;

	if (!old) {
		rc = kinds_ref(t, MODEL_NETWORK, net_id, "network_id", &net);
		if (rc < 0)
			return rc;
		json_object_set_new(obj, "tenant_id", json_string(kinds_str(net, "tenant_id")));
		json_decref(net);
		rc = kinds_alloc(t, "next_port_key", UINT32_MAX, "", false, 0, &n);
		if (rc < 0)
			return rc;
		json_object_set_new(obj, "port_key", json_integer(n));
		kinds_default(obj, "fixed_ips", json_array());
		kinds_default(obj, "port_security_enabled", json_true());
		kinds_default(obj, "binding", json_null());
		kinds_default(obj, "name", json_string(""));
	}
	if (!json_object_get(obj, "mac_address")) {
		char prefix[MODEL_UUID_LEN + 8];

		snprintf(prefix, sizeof(prefix), "mac:%s:", net_id);
		rc = kinds_alloc(t, "next_mac", KINDS_MAC_MAX, prefix, true, 24, &n);
		if (rc < 0)
			return rc;
		snprintf(mac, sizeof(mac), "fa:16:3e:%02x:%02x:%02x", (n >> 16) & 0xff,
			 (n >> 8) & 0xff, n & 0xff);
		json_object_set_new(obj, "mac_address", json_string(mac));
	}
	snprintf(mac, sizeof(mac), "%s", kinds_str(obj, "mac_address"));
	for (char *p = mac; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	json_object_set_new(obj, "mac_address", json_string(mac));
	json_array_foreach(json_object_get(obj, "fixed_ips"), i, fip)
	{
		rc = kinds_port_fixed_ip(t, net_id, mac, json_object_get(obj, "fixed_ips"), fip, i);
		if (rc < 0)
			return rc;
	}
	rc = store_sg_port_security(t, old, obj);
	if (rc < 0)
		return rc;
	return kinds_flood_check(t, old, obj);
}

static int kinds_host_prepare(struct store_txn *t, const char *id, const json_t *old, json_t *obj)
{
	uint32_t n;
	int rc;

	kinds_canon_ip(obj, "underlay_ip");
	if (old)
		return 0;
	if (strcmp(id, kinds_str(obj, "name")) != 0)
		return model_error_set(t->err, "invalid_value", "name",
				       "a host's id must equal its name");
	rc = kinds_alloc(t, "next_host_id", UINT32_MAX, "", false, 0, &n);
	if (rc == 0)
		json_object_set_new(obj, "host_id", json_integer(n));
	return rc;
}

/* A router's interfaces, as the route and overlap checks need them. */
struct kinds_rifs {
	const char *self;			     /* interface being written, or NULL */
	struct model_cidr cidr[KINDS_RIF_MAX];	     /* their subnets' prefixes */
	char gw[KINDS_RIF_MAX][INET6_ADDRSTRLEN];    /* their addresses */
	char sub[KINDS_RIF_MAX][MODEL_UUID_LEN + 1]; /* their subnets */
	size_t n;				     /* entries used */
	int err;				     /* a failure while reading */
};

/* stx_ref_foreach callback: collects one interface of the router. */
static int kinds_rifs_one(struct store_txn *t, const char *child, void *arg)
{
	struct kinds_rifs *r = arg;
	json_t *rif;

	if ((r->self && strcmp(child, r->self) == 0))
		return 0;
	if (r->n == KINDS_RIF_MAX) {
		r->err = -ENOSPC;
		return 1;
	}
	r->err = stx_obj_get(t, MODEL_ROUTER_INTERFACE, child, &rif);
	if (r->err == 0) {
		snprintf(r->gw[r->n], sizeof(r->gw[0]), "%s", kinds_str(rif, "ip_address"));
		snprintf(r->sub[r->n], sizeof(r->sub[0]), "%s", kinds_str(rif, "subnet_id"));
		r->err = kinds_subnet_cidr(t, r->sub[r->n], &r->cidr[r->n], NULL);
		json_decref(rif);
	}
	if (r->err)
		return 1;
	r->n++;
	return 0;
}

/* Collects router id's interfaces but self into r. 0 or -errno. */
static int kinds_rifs_load(struct store_txn *t, const char *id, const char *self,
			   struct kinds_rifs *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->self = self;
	rc = stx_ref_foreach(t, id, MODEL_ROUTER_INTERFACE, kinds_rifs_one, r);
	return rc < 0 ? rc : r->err;
}

/* Index of the interface in r whose subnet holds host address ip, or -1. */
static int kinds_rifs_holding(const struct kinds_rifs *r, const char *ip)
{
	for (size_t i = 0; i < r->n; i++)
		if (model_cidr_host_valid(&r->cidr[i], ip))
			return (int)i;
	return -1;
}

/* True for an IPv6 prefix inside link-local (fe80::/10) or multicast
 * (ff00::/8) space: a router never forwards those (RFC 4291 2.5.6). */
static bool kinds_cidr_link_scoped(const struct model_cidr *c)
{
	if (c->family != AF_INET6)
		return false;
	return (c->prefix >= 8 && c->addr[0] == 0xff) ||
	       (c->prefix >= 10 && c->addr[0] == 0xfe && (c->addr[1] & 0xc0) == 0x80);
}

/* Checks a router's routes against its interfaces (r): each next hop is a
 * host address of a subnet the router is on, and not the router's own
 * address there (Neutron: "nexthop is not connected with router"), no
 * destination is link-local or multicast, and rewrites the addresses in
 * canonical form. */
static int kinds_routes_check(struct store_txn *t, json_t *routes, const struct kinds_rifs *r)
{
	char field[48], text[INET6_ADDRSTRLEN + 8];
	struct model_cidr dst;
	json_t *e;
	size_t i;
	int at;

	json_array_foreach(routes, i, e)
	{
		const char *hop;

		snprintf(field, sizeof(field), "routes[%zu].nexthop", i);
		kinds_canon_ip(e, "nexthop");
		hop = kinds_str(e, "nexthop");
		at = kinds_rifs_holding(r, hop);
		if (at < 0)
			return model_error_set(t->err, "invalid_value", field,
					       "%s %s is on no subnet of the router's interfaces",
					       field, hop);
		if (strcmp(r->gw[at], hop) == 0)
			return model_error_set(t->err, "invalid_value", field,
					       "%s %s is the router's own address", field, hop);
		if (model_cidr_parse(kinds_str(e, "destination"), &dst) == 0 &&
		    kinds_cidr_link_scoped(&dst)) {
			snprintf(field, sizeof(field), "routes[%zu].destination", i);
			return model_error_set(t->err, "invalid_value", field,
					       "%s %s is link-local or multicast: never routed",
					       field, kinds_str(e, "destination"));
		}
		if (model_cidr_parse(kinds_str(e, "destination"), &dst) == 0 &&
		    inet_ntop(dst.family, dst.addr, text, INET6_ADDRSTRLEN)) {
			snprintf(text + strlen(text), 8, "/%u", dst.prefix);
			json_object_set_new(e, "destination", json_string(text));
		}
	}
	return 0;
}

static int kinds_router_prepare(struct store_txn *t, const char *id, const json_t *old, json_t *obj)
{
	struct kinds_rifs *r;
	json_t *tenant;
	uint32_t n;
	int rc;

	if (!old) {
		rc = kinds_ref(t, MODEL_TENANT, kinds_str(obj, "tenant_id"), "tenant_id", &tenant);
		if (rc < 0)
			return rc;
		json_decref(tenant);
		/* the router's number in the datapath, like a port's port_key */
		rc = kinds_alloc(t, "next_router_key", UINT32_MAX, "", false, 0, &n);
		if (rc < 0)
			return rc;
		json_object_set_new(obj, "router_key", json_integer(n));
		kinds_default(obj, "name", json_string(""));
		kinds_default(obj, "description", json_string(""));
		kinds_default(obj, "routes", json_array());
	}
	if (json_array_size(json_object_get(obj, "routes")) == 0)
		return 0;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = kinds_rifs_load(t, id, NULL, r);
	if (rc == 0)
		rc = kinds_routes_check(t, json_object_get(obj, "routes"), r);
	free(r);
	return rc;
}

/* A router interface: on a subnet of the router's own tenant that has a
 * gateway address, whose prefix overlaps none of the router's other
 * subnets (a router could not tell them apart); it takes the gateway
 * address and a MAC from the network's MAC space. */
static int kinds_rif_prepare(struct store_txn *t, const char *id, const json_t *old, json_t *obj)
{
	const char *sub_id = kinds_str(obj, "subnet_id");
	char prefix[MODEL_UUID_LEN + 8], mac[18]; /* prefix: "rif:", then "mac:" keys */
	struct model_cidr c;
	struct kinds_rifs *r = NULL;
	json_t *router = NULL, *sub = NULL;
	uint32_t n;
	int rc;

	if (old)
		return 0;
	rc = kinds_ref(t, MODEL_ROUTER, kinds_str(obj, "router_id"), "router_id", &router);
	if (rc == 0)
		rc = kinds_ref(t, MODEL_SUBNET, sub_id, "subnet_id", &sub);
	snprintf(prefix, sizeof(prefix), "rif:%s", sub_id);
	if (rc == 0 && stx_uniq_taken(t, prefix)) {
		model_error_set(t->err, "conflict", "subnet_id",
				"subnet %.40s already has a router interface", sub_id);
		rc = -EEXIST;
	}
	if (rc == 0 && strcmp(kinds_str(router, "tenant_id"), kinds_str(sub, "tenant_id")) != 0)
		rc = model_error_set(t->err, "invalid_value", "subnet_id",
				     "subnet %.40s belongs to another tenant than the router",
				     sub_id);
	if (rc == 0 && !json_is_string(json_object_get(sub, "gateway_ip")))
		rc = model_error_set(t->err, "invalid_value", "subnet_id",
				     "subnet %.40s has no gateway_ip for the interface", sub_id);
	if (rc == 0 && model_cidr_parse(kinds_str(sub, "cidr"), &c) < 0)
		rc = -EIO;
	if (rc == 0 && kinds_cidr_link_scoped(&c))
		rc = model_error_set(t->err, "invalid_value", "subnet_id",
				     "subnet %.40s is link-local or multicast: not routed", sub_id);
	r = rc == 0 ? malloc(sizeof(*r)) : NULL;
	if (rc == 0 && !r)
		rc = -ENOMEM;
	if (rc == 0)
		rc = kinds_rifs_load(t, kinds_str(obj, "router_id"), id, r);
	if (rc == -ENOSPC)
		model_error_set(t->err, "limit_exceeded", "router_id",
				"a router has at most %d interfaces", KINDS_RIF_MAX);
	for (size_t i = 0; rc == 0 && r && i < r->n; i++) {
		if (kinds_cidr_overlap(&r->cidr[i], &c)) {
			rc = model_error_set(t->err, "invalid_value", "subnet_id",
					     "cidr %s overlaps subnet %s on the router",
					     kinds_str(sub, "cidr"), r->sub[i]);
		}
	}
	if (rc == 0) {
		json_object_set_new(obj, "tenant_id", json_string(kinds_str(sub, "tenant_id")));
		json_object_set_new(obj, "network_id", json_string(kinds_str(sub, "network_id")));
		json_object_set_new(obj, "ip_address", json_string(kinds_str(sub, "gateway_ip")));
		snprintf(prefix, sizeof(prefix), "mac:%s:", kinds_str(sub, "network_id"));
		rc = kinds_alloc(t, "next_mac", KINDS_MAC_MAX, prefix, true, 24, &n);
	}
	if (rc == 0) {
		snprintf(mac, sizeof(mac), "fa:16:3e:%02x:%02x:%02x", (n >> 16) & 0xff,
			 (n >> 8) & 0xff, n & 0xff);
		json_object_set_new(obj, "mac_address", json_string(mac));
	}
	free(r);
	json_decref(router);
	json_decref(sub);
	return rc;
}

static int kinds_index(struct store_txn *t, bool on, enum model_kind kind, const char *id,
		       const json_t *obj);

/* Ids of the children of parent of kind, collected first: deleting them
 * while the cursor walks the refs table would move it. */
struct kinds_ids {
	char (*ids)[STORE_ID_MAX + 1]; /* the ids */
	size_t n, cap;		       /* used and allocated entries */
	int err;		       /* -ENOMEM while collecting */
};

static int kinds_ids_one(struct store_txn *t, const char *child, void *arg)
{
	struct kinds_ids *c = arg;

	(void)t;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *p = realloc(c->ids, cap * sizeof(*c->ids));

		if (!p) {
			c->err = -ENOMEM;
			return 1;
		}
		c->ids = p;
		c->cap = cap;
	}
	snprintf(c->ids[c->n++], STORE_ID_MAX + 1, "%s", child);
	return 0;
}

/* Deletes object (kind, id) with its claims, without any check. */
static int kinds_delete_obj(struct store_txn *t, enum model_kind kind, const char *id)
{
	json_t *obj;
	int rc = stx_obj_get(t, kind, id, &obj);

	if (rc == -ENOENT)
		return 0;
	if (rc == 0)
		rc = kinds_index(t, false, kind, id, obj);
	if (rc == 0)
		rc = stx_del(t, t->s->objs[kind], id);
	json_decref(obj);
	return rc;
}

/* Deletes the children of "<prefix><id>" of kind (their own children
 * first: a group's rules). */
static int kinds_delete_children(struct store_txn *t, const char *prefix, const char *id,
				 enum model_kind kind)
{
	char parent[STORE_ID_MAX + 8];
	struct kinds_ids c = {0};
	int rc;

	snprintf(parent, sizeof(parent), "%s%s", prefix, id);
	rc = stx_ref_foreach(t, parent, kind, kinds_ids_one, &c);
	rc = rc < 0 ? rc : c.err;
	for (size_t i = 0; rc == 0 && i < c.n; i++) {
		if (kind == MODEL_SECURITY_GROUP)
			rc = kinds_delete_children(t, "sgr:", c.ids[i], MODEL_SECURITY_GROUP_RULE);
		if (rc == 0)
			rc = kinds_delete_obj(t, kind, c.ids[i]);
	}
	free(c.ids);
	return rc;
}

int store_kind_cascade(struct store_txn *t, enum model_kind kind, const char *id)
{
	switch (kind) {
	case MODEL_TENANT: /* its groups: nothing else of it is left */
		return kinds_delete_children(t, "sgt:", id, MODEL_SECURITY_GROUP);
	case MODEL_SECURITY_GROUP: /* its rules */
		return kinds_delete_children(t, "sgr:", id, MODEL_SECURITY_GROUP_RULE);
	default:
		return 0;
	}
}

int store_kind_prepare(struct store_txn *t, enum model_kind kind, const char *id, const json_t *old,
		       json_t *obj)
{
	switch (kind) {
	case MODEL_TENANT:
		kinds_default(obj, "description", json_string(""));
		return 0;
	case MODEL_NETWORK:
		return kinds_network_prepare(t, old, obj);
	case MODEL_SUBNET:
		return kinds_subnet_prepare(t, id, old, obj);
	case MODEL_PORT:
		return kinds_port_prepare(t, old, obj);
	case MODEL_HOST:
		return kinds_host_prepare(t, id, old, obj);
	case MODEL_ROUTER:
		return kinds_router_prepare(t, id, old, obj);
	case MODEL_ROUTER_INTERFACE:
		return kinds_rif_prepare(t, id, old, obj);
	case MODEL_SECURITY_GROUP:
		return store_sg_prepare(t, id, old, obj);
	case MODEL_SECURITY_GROUP_RULE:
		return store_sg_rule_prepare(t, old, obj);
	default:
		return -EINVAL;
	}
}

int kinds_key(struct store_txn *t, bool claim, const char *owner, const char *field,
	      const char *fmt, ...)
{
	char key[KINDS_KEY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	return claim ? stx_uniq_claim(t, key, owner, field) : stx_uniq_release(t, key);
}

int kinds_ref_set(struct store_txn *t, bool add, const char *parent, const char *child,
		  enum model_kind kind)
{
	return add ? stx_ref_add(t, parent, child, kind) : stx_ref_del(t, parent, child);
}

static int kinds_port_index(struct store_txn *t, bool on, const char *id, const json_t *obj)
{
	const char *net = kinds_str(obj, "network_id"), *host, *ifname;
	char field[48];
	json_t *fip;
	size_t i;
	int rc;

	rc = kinds_ref_set(t, on, net, id, MODEL_PORT);
	if (rc == 0)
		rc = kinds_key(t, on, id, "mac_address", "mac:%s:%s", net,
			       kinds_str(obj, "mac_address"));
	json_array_foreach(json_object_get(obj, "fixed_ips"), i, fip)
	{
		const char *sub = kinds_str(fip, "subnet_id");

		if (rc < 0)
			break;
		snprintf(field, sizeof(field), "fixed_ips[%zu].ip_address", i);
		rc = kinds_ref_set(t, on, sub, id, MODEL_PORT);
		if (rc == 0)
			rc = kinds_key(t, on, id, field, "ip:%s:%s", sub,
				       kinds_str(fip, "ip_address"));
	}
	json_array_foreach(json_object_get(obj, "security_groups"), i, fip)
	{
		if (rc < 0)
			break;
		rc = kinds_ref_set(t, on, json_string_value(fip), id, MODEL_PORT);
	}
	/* one port per (host, interface): two would join their networks or
	 * tenants on one wire (host names hold no ':'); the host knows its
	 * bound ports, so it cannot be deleted under them */
	if (rc == 0 && kinds_binding(obj, &host, &ifname)) {
		char parent[STORE_ID_MAX + 8];

		rc = kinds_key(t, on, id, "binding", "bind:%s:%s", host, ifname);
		store_kind_ref_parent(MODEL_HOST, host, parent);
		if (rc == 0)
			rc = kinds_ref_set(t, on, parent, id, MODEL_PORT);
	}
	return rc;
}

void store_kind_ref_parent(enum model_kind kind, const char *id, char *buf)
{
	snprintf(buf, STORE_ID_MAX + 8, "%s%.*s", kind == MODEL_HOST ? "host:" : "", STORE_ID_MAX,
		 id);
}

/* Claims (on) or releases (!on) what obj holds. */
static int kinds_index(struct store_txn *t, bool on, enum model_kind kind, const char *id,
		       const json_t *obj)
{
	const json_t *gw;
	int rc;

	switch (kind) {
	case MODEL_NETWORK:
		rc = kinds_ref_set(t, on, kinds_str(obj, "tenant_id"), id, kind);
		if (rc == 0)
			rc = kinds_key(
			    t, on, id, "vni", "vni:%u",
			    (unsigned int)json_integer_value(json_object_get(obj, "vni")));
		return rc;
	case MODEL_SUBNET:
		rc = kinds_ref_set(t, on, kinds_str(obj, "network_id"), id, kind);
		gw = json_object_get(obj, "gateway_ip");
		if (rc == 0 && json_is_string(gw))
			rc = kinds_key(t, on, id, "gateway_ip", "ip:%s:%s", id,
				       json_string_value(gw));
		return rc;
	case MODEL_PORT:
		return kinds_port_index(t, on, id, obj);
	case MODEL_ROUTER:
		return kinds_ref_set(t, on, kinds_str(obj, "tenant_id"), id, kind);
	case MODEL_ROUTER_INTERFACE:
		/* the router and the subnet cannot go while it exists; one
		 * interface per subnet; its MAC is taken in the network */
		rc = kinds_ref_set(t, on, kinds_str(obj, "router_id"), id, kind);
		if (rc == 0)
			rc = kinds_ref_set(t, on, kinds_str(obj, "subnet_id"), id, kind);
		if (rc == 0)
			rc = kinds_key(t, on, id, "subnet_id", "rif:%s",
				       kinds_str(obj, "subnet_id"));
		if (rc == 0)
			rc = kinds_key(t, on, id, "mac_address", "mac:%s:%s",
				       kinds_str(obj, "network_id"), kinds_str(obj, "mac_address"));
		return rc;
	case MODEL_SECURITY_GROUP:
		return store_sg_index(t, on, id, obj);
	case MODEL_SECURITY_GROUP_RULE:
		return store_sg_rule_index(t, on, id, obj);
	case MODEL_HOST:
		rc = kinds_key(t, on, id, "public_key", "hkey:%s", kinds_str(obj, "public_key"));
		if (rc == 0)
			rc = kinds_key(t, on, id, "underlay_ip", "hip:%s",
				       kinds_str(obj, "underlay_ip"));
		return rc;
	default:
		return 0;
	}
}

int store_kind_index(struct store_txn *t, enum model_kind kind, const char *id, const json_t *obj)
{
	return kinds_index(t, true, kind, id, obj);
}

int store_kind_unindex(struct store_txn *t, enum model_kind kind, const char *id, const json_t *obj)
{
	return kinds_index(t, false, kind, id, obj);
}

/* A router interface whose subnet holds the next hop of one of its
 * router's routes stays (Neutron: RouterInterfaceInUseByRoute). */
static int kinds_rif_deletable(struct store_txn *t, const json_t *rif)
{
	struct model_cidr c;
	json_t *router, *e;
	size_t i;
	int rc;

	rc = kinds_subnet_cidr(t, kinds_str(rif, "subnet_id"), &c, NULL);
	if (rc == -ENOENT)
		return 0;
	if (rc == 0)
		rc = stx_obj_get(t, MODEL_ROUTER, kinds_str(rif, "router_id"), &router);
	if (rc < 0)
		return rc == -ENOENT ? 0 : rc;
	json_array_foreach(json_object_get(router, "routes"), i, e)
	{
		if (model_cidr_contains(&c, kinds_str(e, "nexthop"))) {
			model_error_set(t->err, "in_use", "id",
					"router route %s via %s needs this interface: remove "
					"the route first",
					kinds_str(e, "destination"), kinds_str(e, "nexthop"));
			rc = -EBUSY;
			break;
		}
	}
	json_decref(router);
	return rc;
}

int store_kind_deletable(struct store_txn *t, enum model_kind kind, const json_t *obj)
{
	if (kind == MODEL_SECURITY_GROUP && strcmp(kinds_str(obj, "name"), STORE_SG_DEFAULT) == 0) {
		model_error_set(t->err, "in_use", "id",
				"the default security group goes with its tenant");
		return -EBUSY;
	}
	return kind == MODEL_ROUTER_INTERFACE ? kinds_rif_deletable(t, obj) : 0;
}
