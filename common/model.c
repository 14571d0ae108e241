/* model.c - northbound object validation (see model.h). */
#include "model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

/* What a field holds. */
enum model_ftype {
	FT_NAME,    /* string <= MODEL_NAME_MAX */
	FT_DESC,    /* string <= MODEL_DESC_MAX */
	FT_UUID,    /* reference to another object */
	FT_CIDR,    /* subnet prefix */
	FT_IPVER,   /* 4 or 6 */
	FT_GATEWAY, /* IP address or null */
	FT_BOOL,
	FT_DNS,		/* array of IP addresses */
	FT_MAC,		/* unicast MAC */
	FT_FIXED_IPS,	/* array of {subnet_id, ip_address} */
	FT_BINDING,	/* {host, interface} or null */
	FT_HOSTNAME,	/* host name charset */
	FT_Z85,		/* CURVE public key */
	FT_IPV4,	/* IPv4 address */
	FT_ROUTES,	/* array of {destination, nexthop} */
	FT_HOST_ROUTES, /* a subnet's routes for DHCP: array of {destination, nexthop} */
	FT_SG_LIST,	/* a port's security_groups: array of UUIDs */
	FT_PAIRS,	/* allowed_address_pairs: array of {ip_address, mac_address} */
	FT_DIRECTION,	/* "ingress" or "egress" */
	FT_ETHERTYPE,	/* "IPv4" or "IPv6" */
	FT_PROTOCOL,	/* a protocol name or number, or null (any) */
	FT_PORT,	/* integer 0..65535 or null */
	FT_PREFIX,	/* a CIDR or null */
	FT_UUID_NULL,	/* a UUID or null */
	FT_IPV6_MODE,	/* "slaac", "dhcpv6-stateful", "dhcpv6-stateless" or null */
	FT_ENCAP,	/* "vxlan", "geneve" or null (the deployment's default) */
	FT_ANY,		/* read-only: never accepted */
};

/* When a field may be given. */
enum model_fmode {
	FM_RW,	   /* on create and update */
	FM_CREATE, /* on create only: immutable afterwards */
	FM_RO,	   /* never: set by the controller */
};

/* One field of a kind. */
struct model_field {
	const char *name;      /* JSON member name */
	enum model_ftype type; /* what it holds */
	enum model_fmode mode; /* when it may be given */
	bool required;	       /* must be present on create */
};

static const struct model_field tenant_fields[] = {
    {"id", FT_ANY, FM_RO, false},
    {"name", FT_NAME, FM_RW, true},
    {"description", FT_DESC, FM_RW, false},
    {NULL, FT_ANY, FM_RO, false},
};

static const struct model_field network_fields[] = {
    {"id", FT_ANY, FM_RO, false},    {"tenant_id", FT_UUID, FM_CREATE, true},
    {"name", FT_NAME, FM_RW, false}, {"vni", FT_ANY, FM_RO, false},
    {"mtu", FT_ANY, FM_RO, false},   {"encapsulation", FT_ENCAP, FM_RW, false},
    {NULL, FT_ANY, FM_RO, false},
};

static const struct model_field subnet_fields[] = {
    {"id", FT_ANY, FM_RO, false},
    {"network_id", FT_UUID, FM_CREATE, true},
    {"tenant_id", FT_ANY, FM_RO, false},
    {"name", FT_NAME, FM_RW, false},
    {"cidr", FT_CIDR, FM_CREATE, true},
    {"ip_version", FT_IPVER, FM_CREATE, false},
    {"gateway_ip", FT_GATEWAY, FM_RW, false},
    {"enable_dhcp", FT_BOOL, FM_RW, false},
    {"dns_nameservers", FT_DNS, FM_RW, false},
    {"host_routes", FT_HOST_ROUTES, FM_RW, false},
    {"ipv6_ra_mode", FT_IPV6_MODE, FM_CREATE, false},
    {"ipv6_address_mode", FT_IPV6_MODE, FM_CREATE, false},
    {NULL, FT_ANY, FM_RO, false},
};

static const struct model_field port_fields[] = {
    {"id", FT_ANY, FM_RO, false},
    {"network_id", FT_UUID, FM_CREATE, true},
    {"tenant_id", FT_ANY, FM_RO, false},
    {"name", FT_NAME, FM_RW, false},
    {"mac_address", FT_MAC, FM_RW, false},
    {"fixed_ips", FT_FIXED_IPS, FM_RW, false},
    {"port_security_enabled", FT_BOOL, FM_RW, false},
    {"binding", FT_BINDING, FM_RW, false},
    {"status", FT_ANY, FM_RO, false},
    {"port_key", FT_ANY, FM_RO, false},
    {"security_groups", FT_SG_LIST, FM_RW, false},
    {"allowed_address_pairs", FT_PAIRS, FM_RW, false},
    {"identity", FT_ANY, FM_RO, false},
    {"migration", FT_ANY, FM_RO, false},
    {NULL, FT_ANY, FM_RO, false},
};

static const struct model_field host_fields[] = {
    {"id", FT_ANY, FM_RO, false},	 {"name", FT_HOSTNAME, FM_CREATE, true},
    {"public_key", FT_Z85, FM_RW, true}, {"underlay_ip", FT_IPV4, FM_RW, true},
    {"state", FT_ANY, FM_RO, false},	 {"applied_revision", FT_ANY, FM_RO, false},
    {"host_id", FT_ANY, FM_RO, false},	 {"drain", FT_ANY, FM_RO, false},
    {NULL, FT_ANY, FM_RO, false},
};

/* Neutron's router without its gateway (no external networks yet): the
 * interfaces are objects of their own (router_interface), so adding one is
 * a create that the store checks and replicates like any other. */
static const struct model_field router_fields[] = {
    {"id", FT_ANY, FM_RO, false},	 {"tenant_id", FT_UUID, FM_CREATE, true},
    {"name", FT_NAME, FM_RW, false},	 {"description", FT_DESC, FM_RW, false},
    {"routes", FT_ROUTES, FM_RW, false}, {"router_key", FT_ANY, FM_RO, false},
    {NULL, FT_ANY, FM_RO, false},
};

/* The address is the subnet's gateway_ip, the MAC allocated in the
 * subnet's network; nothing changes after creation. */
static const struct model_field router_interface_fields[] = {
    {"id", FT_ANY, FM_RO, false},
    {"router_id", FT_UUID, FM_CREATE, true},
    {"subnet_id", FT_UUID, FM_CREATE, true},
    {"tenant_id", FT_ANY, FM_RO, false},
    {"network_id", FT_ANY, FM_RO, false},
    {"ip_address", FT_ANY, FM_RO, false},
    {"mac_address", FT_ANY, FM_RO, false},
    {NULL, FT_ANY, FM_RO, false},
};

/* Neutron's security group; its rules are objects of their own, like a
 * router's interfaces (Neutron: /security-group-rules). */
static const struct model_field security_group_fields[] = {
    {"id", FT_ANY, FM_RO, false},     {"tenant_id", FT_UUID, FM_CREATE, true},
    {"name", FT_NAME, FM_RW, false},  {"description", FT_DESC, FM_RW, false},
    {"sg_key", FT_ANY, FM_RO, false}, {NULL, FT_ANY, FM_RO, false},
};

/* A rule never changes after creation but for its description (Neutron). */
static const struct model_field security_group_rule_fields[] = {
    {"id", FT_ANY, FM_RO, false},
    {"security_group_id", FT_UUID, FM_CREATE, true},
    {"tenant_id", FT_ANY, FM_RO, false},
    {"direction", FT_DIRECTION, FM_CREATE, true},
    {"ethertype", FT_ETHERTYPE, FM_CREATE, false},
    {"protocol", FT_PROTOCOL, FM_CREATE, false},
    {"port_range_min", FT_PORT, FM_CREATE, false},
    {"port_range_max", FT_PORT, FM_CREATE, false},
    {"remote_ip_prefix", FT_PREFIX, FM_CREATE, false},
    {"remote_group_id", FT_UUID_NULL, FM_CREATE, false},
    {"description", FT_DESC, FM_RW, false},
    {NULL, FT_ANY, FM_RO, false},
};

static const char *const kind_names[MODEL_KIND_MAX] = {"tenant",
						       "network",
						       "subnet",
						       "port",
						       "host",
						       "router",
						       "router_interface",
						       "security_group",
						       "security_group_rule"};
static const char *const kind_plurals[MODEL_KIND_MAX] = {"tenants",
							 "networks",
							 "subnets",
							 "ports",
							 "hosts",
							 "routers",
							 "router_interfaces",
							 "security_groups",
							 "security_group_rules"};

static const struct model_field *const kind_fields[MODEL_KIND_MAX] = {
    tenant_fields,
    network_fields,
    subnet_fields,
    port_fields,
    host_fields,
    router_fields,
    router_interface_fields,
    security_group_fields,
    security_group_rule_fields,
};

enum model_encap model_encap_parse(const char *s)
{
	if (s && strcmp(s, "vxlan") == 0)
		return MODEL_ENCAP_VXLAN;
	if (s && strcmp(s, "geneve") == 0)
		return MODEL_ENCAP_GENEVE;
	return MODEL_ENCAP_DEFAULT;
}

bool model_field_known(enum model_kind kind, const char *name)
{
	if ((unsigned int)kind >= MODEL_KIND_MAX || !name)
		return false;
	for (const struct model_field *f = kind_fields[kind]; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return true;
	return false;
}

bool model_field_writable(enum model_kind kind, const char *name)
{
	if ((unsigned int)kind >= MODEL_KIND_MAX || !name)
		return false;
	for (const struct model_field *f = kind_fields[kind]; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f->mode != FM_RO;
	return false;
}

/* Port filters that look inside a field: name -> (field, member); a
 * fixed_ips member matches when any element does. */
static const struct {
	const char *name;   /* query parameter */
	const char *field;  /* the port's field */
	const char *member; /* member of the field (of each element of a list) */
} model_port_filters[] = {
    {"binding_host", "binding", "host"},
    {"binding_interface", "binding", "interface"},
    {"ip_address", "fixed_ips", "ip_address"},
    {"subnet_id", "fixed_ips", "subnet_id"},
};

#define MODEL_PORT_FILTERS (sizeof(model_port_filters) / sizeof(model_port_filters[0]))

bool model_filter_known(enum model_kind kind, const char *name)
{
	if ((unsigned int)kind >= MODEL_KIND_MAX || !name)
		return false;
	for (const struct model_field *f = kind_fields[kind]; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f->type != FT_DNS && f->type != FT_FIXED_IPS &&
			       f->type != FT_BINDING && f->type != FT_ROUTES &&
			       f->type != FT_HOST_ROUTES && f->type != FT_SG_LIST &&
			       f->type != FT_PAIRS;
	for (size_t i = 0; kind == MODEL_PORT && i < MODEL_PORT_FILTERS; i++)
		if (strcmp(model_port_filters[i].name, name) == 0)
			return true;
	return false;
}

/* True if the scalar v reads as text want. */
static bool model_value_equals(const json_t *v, const char *want)
{
	char buf[32];

	if (!v || !want)
		return false;
	if (json_is_string(v))
		return strcmp(json_string_value(v), want) == 0;
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strcmp(buf, want) == 0;
	}
	if (json_is_boolean(v))
		return strcmp(json_is_true(v) ? "true" : "false", want) == 0;
	return false;
}

bool model_filter_match(enum model_kind kind, const json_t *obj, const char *name, const char *want)
{
	const json_t *v, *el;
	size_t i, j;

	for (i = 0; kind == MODEL_PORT && i < MODEL_PORT_FILTERS; i++) {
		if (strcmp(model_port_filters[i].name, name) != 0)
			continue;
		v = json_object_get(obj, model_port_filters[i].field);
		if (json_is_object(v))
			return model_value_equals(json_object_get(v, model_port_filters[i].member),
						  want);
		json_array_foreach(
		    v, j,
		    el) if (model_value_equals(json_object_get(el, model_port_filters[i].member),
					       want)) return true;
		return false;
	}
	return model_value_equals(json_object_get(obj, name), want);
}

int model_error_set(struct model_error *err, const char *code, const char *field, const char *fmt,
		    ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	snprintf(err->code, sizeof(err->code), "%s", code);
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int model_kind_parse(const char *name)
{
	for (int i = 0; name && i < MODEL_KIND_MAX; i++)
		if (strcmp(name, kind_names[i]) == 0 || strcmp(name, kind_plurals[i]) == 0)
			return i;
	return -1;
}

const char *model_kind_name(enum model_kind kind)
{
	return (unsigned int)kind < MODEL_KIND_MAX ? kind_names[kind] : "?";
}

const char *model_kind_plural(enum model_kind kind)
{
	return (unsigned int)kind < MODEL_KIND_MAX ? kind_plurals[kind] : "?";
}

bool model_uuid_valid(const char *s)
{
	if (!s || strlen(s) != MODEL_UUID_LEN)
		return false;
	for (int i = 0; i < MODEL_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

int model_ip_parse(const char *s, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (!s || strlen(s) > INET6_ADDRSTRLEN)
		return -EINVAL;
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	return -EINVAL;
}

/* True if the bits of addr after prefix are all zero (ones if want_ones). */
static bool model_host_bits_are(const uint8_t *addr, unsigned int bits, unsigned int prefix,
				bool want_ones)
{
	for (unsigned int i = prefix; i < bits; i++) {
		bool one = addr[i / 8] & (0x80 >> (i % 8));

		if (one != want_ones)
			return false;
	}
	return true;
}

int model_cidr_parse(const char *s, struct model_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	char *end;
	unsigned long prefix;
	int fam;

	if (!s || !out || strlen(s) >= sizeof(buf))
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash || !isdigit((unsigned char)slash[1]) || strlen(slash + 1) > 3)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	prefix = strtoul(slash + 1, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	fam = model_ip_parse(buf, out->addr);
	if (fam < 0 || prefix > (fam == AF_INET ? 32u : 128u))
		return -EINVAL;
	if (!model_host_bits_are(out->addr, fam == AF_INET ? 32 : 128, (unsigned int)prefix, false))
		return -EINVAL;
	out->family = fam;
	out->prefix = (unsigned int)prefix;
	return 0;
}

bool model_cidr_contains(const struct model_cidr *c, const char *ip)
{
	uint8_t addr[16];
	int fam = model_ip_parse(ip, addr);

	if (!c || fam != c->family)
		return false;
	for (unsigned int i = 0; i < c->prefix; i++) {
		uint8_t bit = 0x80 >> (i % 8);

		if ((addr[i / 8] & bit) != (c->addr[i / 8] & bit))
			return false;
	}
	return true;
}

bool model_cidr_host_valid(const struct model_cidr *c, const char *ip)
{
	uint8_t addr[16];
	unsigned int bits;

	if (!model_cidr_contains(c, ip))
		return false;
	model_ip_parse(ip, addr);
	bits = c->family == AF_INET ? 32 : 128;
	if (c->family == AF_INET && c->prefix >= 31)
		return true;
	if (c->prefix >= bits)
		return true;
	if (model_host_bits_are(addr, bits, c->prefix, false))
		return false; /* network (v4) / subnet-router anycast (v6) */
	if (c->family == AF_INET && model_host_bits_are(addr, bits, c->prefix, true))
		return false; /* broadcast */
	return true;
}

int model_mac_parse(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -EINVAL;
		if (i < 5 && p[2] != ':')
			return -EINVAL;
		mac[i] = (uint8_t)strtoul((char[]){p[0], p[1], '\0'}, NULL, 16);
	}
	return 0;
}

bool model_mac_valid(const char *s)
{
	static const uint8_t zero[6];
	uint8_t mac[6];

	if (model_mac_parse(s, mac) < 0)
		return false;
	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

bool model_host_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > MODEL_HOST_NAME_MAX || s[0] == '.')
		return false; /* ".", ".." and hidden names: it names a directory */
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool model_z85_key_valid(const char *s)
{
	uint8_t key[32];

	if (!s || strlen(s) != MODEL_Z85_KEY_LEN)
		return false;
	return zmq_z85_decode(key, s) != NULL;
}

bool model_ifname_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > MODEL_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

/* A JSON string without embedded NULs, or NULL. */
static const char *model_json_str(const json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

/* Checks a string of at most max bytes. */
static int model_check_string(const json_t *v, size_t max, const char *field,
			      struct model_error *err)
{
	const char *s = model_json_str(v);

	if (!s)
		return model_error_set(err, "invalid_type", field, "%s must be a string", field);
	if (strlen(s) > max)
		return model_error_set(err, "too_long", field, "%s is longer than %zu bytes", field,
				       max);
	return 0;
}

/* Checks an IP address of family fam (0: either). */
static int model_check_ip(const json_t *v, int fam, const char *field, struct model_error *err)
{
	const char *s = model_json_str(v);
	uint8_t addr[16];
	int got;

	if (!s)
		return model_error_set(err, "invalid_type", field, "%s must be a string", field);
	got = model_ip_parse(s, addr);
	if (got < 0 || (fam && got != fam))
		return model_error_set(err, "invalid_value", field,
				       "%s is not a valid IPv%s address", field,
				       fam == AF_INET	 ? "4"
				       : fam == AF_INET6 ? "6"
							 : "4/v6");
	return 0;
}

/* Checks one fixed_ips entry; idx names it in errors. */
static int model_check_fixed_ip(const json_t *v, size_t idx, struct model_error *err)
{
	char field[96];
	const char *key;
	json_t *val;

	snprintf(field, sizeof(field), "fixed_ips[%zu]", idx);
	if (!json_is_object(v))
		return model_error_set(err, "invalid_type", field, "%s must be an object", field);
	json_object_foreach((json_t *)v, key, val)
	{
		if (strcmp(key, "subnet_id") != 0 && strcmp(key, "ip_address") != 0) {
			snprintf(field, sizeof(field), "fixed_ips[%zu].%.20s", idx, key);
			return model_error_set(err, "unknown_field", field, "unknown field %s",
					       field);
		}
	}
	snprintf(field, sizeof(field), "fixed_ips[%zu].subnet_id", idx);
	if (!model_uuid_valid(model_json_str(json_object_get(v, "subnet_id"))))
		return model_error_set(err, "invalid_value", field, "%s must be a UUID", field);
	snprintf(field, sizeof(field), "fixed_ips[%zu].ip_address", idx);
	if (!json_object_get(v, "ip_address"))
		return 0; /* allocated by the store */
	return model_check_ip(json_object_get(v, "ip_address"), 0, field, err);
}

static int model_check_fixed_ips(const json_t *v, struct model_error *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return model_error_set(err, "invalid_type", "fixed_ips",
				       "fixed_ips must be an array");
	if (json_array_size(v) > MODEL_MAX_FIXED_IPS)
		return model_error_set(err, "too_long", "fixed_ips", "at most %d fixed_ips",
				       MODEL_MAX_FIXED_IPS);
	json_array_foreach(v, i, e)
	{
		if (model_check_fixed_ip(e, i, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int model_check_binding(const json_t *v, struct model_error *err)
{
	const json_t *host, *ifname;
	const char *key;
	json_t *val;

	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return model_error_set(err, "invalid_type", "binding", "binding must be an object");
	json_object_foreach((json_t *)v, key, val)
	{
		if (strcmp(key, "host") != 0 && strcmp(key, "interface") != 0)
			return model_error_set(err, "unknown_field", "binding",
					       "unknown field binding.%.40s", key);
	}
	host = json_object_get(v, "host");
	ifname = json_object_get(v, "interface");
	if (!host != !ifname)
		return model_error_set(err, "missing_field",
				       host ? "binding.interface" : "binding.host",
				       "binding needs both host and interface");
	if (host && !model_host_name_valid(model_json_str(host)))
		return model_error_set(
		    err, "invalid_value", "binding.host",
		    "binding.host must match [A-Za-z0-9._-]{1,63}, not starting with '.'");
	if (ifname && !model_ifname_valid(model_json_str(ifname)))
		return model_error_set(err, "invalid_value", "binding.interface",
				       "binding.interface is not a valid interface name");
	return 0;
}

static int model_check_dns(const json_t *v, struct model_error *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return model_error_set(err, "invalid_type", "dns_nameservers",
				       "dns_nameservers must be an array");
	if (json_array_size(v) > MODEL_MAX_DNS)
		return model_error_set(err, "too_long", "dns_nameservers",
				       "at most %d dns_nameservers", MODEL_MAX_DNS);
	json_array_foreach(v, i, e)
	{
		if (model_check_ip(e, 0, "dns_nameservers", err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Checks one entry of routes list `name`: {destination: CIDR, nexthop: IP
 * of its family}. */
static int model_check_route(const json_t *v, const char *name, size_t idx, struct model_cidr *dst,
			     struct model_error *err)
{
	char field[96];
	const char *key;
	json_t *val;
	uint8_t addr[16];

	snprintf(field, sizeof(field), "%s[%zu]", name, idx);
	if (!json_is_object(v))
		return model_error_set(err, "invalid_type", field, "%s must be an object", field);
	json_object_foreach((json_t *)v, key, val)
	{
		if (strcmp(key, "destination") != 0 && strcmp(key, "nexthop") != 0) {
			snprintf(field, sizeof(field), "%s[%zu].%.20s", name, idx, key);
			return model_error_set(err, "unknown_field", field, "unknown field %s",
					       field);
		}
	}
	snprintf(field, sizeof(field), "%s[%zu].destination", name, idx);
	if (model_cidr_parse(model_json_str(json_object_get(v, "destination")), dst) < 0)
		return model_error_set(err, "invalid_value", field,
				       "%s must be a CIDR with zero host bits", field);
	snprintf(field, sizeof(field), "%s[%zu].nexthop", name, idx);
	if (model_ip_parse(model_json_str(json_object_get(v, "nexthop")), addr) != dst->family)
		return model_error_set(err, "invalid_value", field,
				       "%s must be an IPv%d address like the destination", field,
				       dst->family == AF_INET ? 4 : 6);
	return 0;
}

/* Checks a routes list `name` (a router's routes, a subnet's host_routes)
 * of at most max entries: well-formed entries, each destination once. */
static int model_check_routes(const json_t *v, const char *name, size_t max,
			      struct model_error *err)
{
	struct model_cidr dst[MODEL_MAX_ROUTES];
	char field[48];
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return model_error_set(err, "invalid_type", name, "%s must be an array", name);
	if (json_array_size(v) > max)
		return model_error_set(err, "too_long", name, "at most %zu %s", max, name);
	json_array_foreach(v, i, e)
	{
		if (model_check_route(e, name, i, &dst[i], err) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++) {
			if (dst[j].family == dst[i].family && dst[j].prefix == dst[i].prefix &&
			    memcmp(dst[j].addr, dst[i].addr, 16) == 0) {
				snprintf(field, sizeof(field), "%s[%zu].destination", name, i);
				return model_error_set(err, "conflict", field, "%s repeats %s[%zu]",
						       field, name, j);
			}
		}
	}
	return 0;
}

_Static_assert(MODEL_MAX_HOST_ROUTES <= MODEL_MAX_ROUTES, "host_routes fit the check's array");

/* A port's security_groups: at most MODEL_MAX_PORT_SGS UUIDs. */
static int model_check_sg_list(const json_t *v, struct model_error *err)
{
	char field[48];
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return model_error_set(err, "invalid_type", "security_groups",
				       "security_groups must be an array of security group ids");
	if (json_array_size(v) > MODEL_MAX_PORT_SGS)
		return model_error_set(err, "too_long", "security_groups",
				       "at most %d security_groups", MODEL_MAX_PORT_SGS);
	json_array_foreach(v, i, e)
	{
		snprintf(field, sizeof(field), "security_groups[%zu]", i);
		if (!model_uuid_valid(model_json_str(e)))
			return model_error_set(err, "invalid_value", field, "%s must be a UUID",
					       field);
	}
	return 0;
}

/* One allowed address pair: {ip_address: a host address, mac_address:
 * optional unicast MAC}. The datapath matches addresses exactly (tn_arp,
 * tn_nd), so a prefix is accepted only as a host prefix (/32, /128). */
static int model_check_pair(const json_t *v, size_t idx, struct model_error *err)
{
	char field[96];
	const char *key, *ip;
	json_t *val;
	struct model_cidr c;
	uint8_t addr[16];

	snprintf(field, sizeof(field), "allowed_address_pairs[%zu]", idx);
	if (!json_is_object(v))
		return model_error_set(err, "invalid_type", field, "%s must be an object", field);
	json_object_foreach((json_t *)v, key, val)
	{
		if (strcmp(key, "ip_address") != 0 && strcmp(key, "mac_address") != 0) {
			snprintf(field, sizeof(field), "allowed_address_pairs[%zu].%.20s", idx,
				 key);
			return model_error_set(err, "unknown_field", field, "unknown field %s",
					       field);
		}
	}
	snprintf(field, sizeof(field), "allowed_address_pairs[%zu].ip_address", idx);
	ip = model_json_str(json_object_get(v, "ip_address"));
	if (!ip)
		return model_error_set(err, "missing_field", field, "%s is required", field);
	if (model_ip_parse(ip, addr) < 0 &&
	    (model_cidr_parse(ip, &c) < 0 || c.prefix != (c.family == AF_INET ? 32u : 128u)))
		return model_error_set(err, "invalid_value", field,
				       "%s must be an IP address (a host prefix /32 or /128 at "
				       "most: the datapath matches addresses exactly)",
				       field);
	val = json_object_get(v, "mac_address");
	snprintf(field, sizeof(field), "allowed_address_pairs[%zu].mac_address", idx);
	if (val && !model_mac_valid(model_json_str(val)))
		return model_error_set(err, "invalid_value", field,
				       "%s is not a valid unicast non-zero MAC", field);
	return 0;
}

static int model_check_pairs(const json_t *v, struct model_error *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return model_error_set(err, "invalid_type", "allowed_address_pairs",
				       "allowed_address_pairs must be an array");
	if (json_array_size(v) > MODEL_MAX_PAIRS)
		return model_error_set(err, "too_long", "allowed_address_pairs",
				       "at most %d allowed_address_pairs", MODEL_MAX_PAIRS);
	json_array_foreach(v, i, e)
	{
		if (model_check_pair(e, i, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Protocol names a rule takes, with their numbers. */
static const struct {
	const char *name;
	int number;
} model_sg_protos[] = {
    {"any", -1},    {"icmp", 1},       {"tcp", 6},    {"udp", 17},	{"dccp", 33},
    {"icmpv6", 58}, {"ipv6-icmp", 58}, {"sctp", 132}, {"udplite", 136},
};

int model_sg_proto(const json_t *v)
{
	const char *s;
	char *end;
	long n;

	if (!v || json_is_null(v))
		return -1;
	if (json_is_integer(v)) {
		n = (long)json_integer_value(v);
		return n >= 0 && n <= 255 ? (int)n : -EINVAL;
	}
	s = model_json_str(v);
	if (!s || !s[0])
		return -EINVAL;
	for (size_t i = 0; i < sizeof(model_sg_protos) / sizeof(model_sg_protos[0]); i++)
		if (strcmp(s, model_sg_protos[i].name) == 0)
			return model_sg_protos[i].number;
	if (strlen(s) > 3 || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	n = strtol(s, &end, 10);
	return *end == '\0' && n >= 0 && n <= 255 ? (int)n : -EINVAL;
}

bool model_sg_proto_ports(int proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136;
}

static bool model_sg_proto_icmp(int proto)
{
	return proto == 1 || proto == 58;
}

/* Checks the simple rule field types. */
static int model_check_sg_value(const struct model_field *f, const json_t *v,
				struct model_error *err)
{
	const char *s = model_json_str(v);
	struct model_cidr c;

	switch (f->type) {
	case FT_DIRECTION:
		if (!s || (strcmp(s, "ingress") != 0 && strcmp(s, "egress") != 0))
			return model_error_set(err, "invalid_value", f->name,
					       "%s must be \"ingress\" or \"egress\"", f->name);
		return 0;
	case FT_ETHERTYPE:
		if (!s || (strcmp(s, "IPv4") != 0 && strcmp(s, "IPv6") != 0))
			return model_error_set(err, "invalid_value", f->name,
					       "%s must be \"IPv4\" or \"IPv6\"", f->name);
		return 0;
	case FT_PROTOCOL:
		if (model_sg_proto(v) < -1)
			return model_error_set(
			    err, "invalid_value", f->name,
			    "%s must be tcp, udp, icmp, icmpv6, any (or null), another protocol "
			    "name of Neutron's, or a number 0 to 255",
			    f->name);
		return 0;
	case FT_PORT:
		if (json_is_null(v))
			return 0;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 65535)
			return model_error_set(err, "invalid_value", f->name,
					       "%s must be an integer 0 to 65535, or null",
					       f->name);
		return 0;
	case FT_PREFIX:
		if (json_is_null(v))
			return 0;
		if (!s || model_cidr_parse(s, &c) < 0)
			return model_error_set(err, "invalid_value", f->name,
					       "%s must be a CIDR with zero host bits, or null",
					       f->name);
		return 0;
	default: /* FT_UUID_NULL */
		if (json_is_null(v) || model_uuid_valid(s))
			return 0;
		return model_error_set(err, "invalid_value", f->name,
				       "%s must be a security group id (UUID), or null", f->name);
	}
}

/* Checks the simple string-format types. */
static int model_check_format(const struct model_field *f, const json_t *v, struct model_error *err)
{
	const char *s = model_json_str(v);
	struct model_cidr c;
	bool ok;

	if (!s)
		return model_error_set(err, "invalid_type", f->name, "%s must be a string",
				       f->name);
	switch (f->type) {
	case FT_UUID:
		ok = model_uuid_valid(s);
		break;
	case FT_CIDR:
		ok = model_cidr_parse(s, &c) == 0;
		break;
	case FT_MAC:
		ok = model_mac_valid(s);
		break;
	case FT_HOSTNAME:
		ok = model_host_name_valid(s);
		break;
	case FT_Z85:
		ok = model_z85_key_valid(s);
		break;
	default:
		ok = false;
	}
	if (ok)
		return 0;
	return model_error_set(err, "invalid_value", f->name, "%s is not a valid %s", f->name,
			       f->type == FT_UUID   ? "UUID"
			       : f->type == FT_CIDR ? "CIDR with zero host bits"
			       : f->type == FT_MAC  ? "unicast non-zero MAC"
			       : f->type == FT_HOSTNAME
				   ? "host name ([A-Za-z0-9._-]{1,63}, not starting with '.')"
				   : "Z85 CURVE public key (40 chars)");
}

/* Checks the value of one field against its type. */
static int model_check_value(const struct model_field *f, const json_t *v, struct model_error *err)
{
	json_int_t n;

	switch (f->type) {
	case FT_NAME:
		return model_check_string(v, MODEL_NAME_MAX, f->name, err);
	case FT_DESC:
		return model_check_string(v, MODEL_DESC_MAX, f->name, err);
	case FT_IPVER:
		n = json_is_integer(v) ? json_integer_value(v) : 0;
		if (n != 4 && n != 6)
			return model_error_set(err, "invalid_value", f->name, "%s must be 4 or 6",
					       f->name);
		return 0;
	case FT_GATEWAY:
		return json_is_null(v) ? 0 : model_check_ip(v, 0, f->name, err);
	case FT_BOOL:
		if (!json_is_boolean(v))
			return model_error_set(err, "invalid_type", f->name,
					       "%s must be true or false", f->name);
		return 0;
	case FT_DNS:
		return model_check_dns(v, err);
	case FT_FIXED_IPS:
		return model_check_fixed_ips(v, err);
	case FT_BINDING:
		return model_check_binding(v, err);
	case FT_IPV4:
		return model_check_ip(v, AF_INET, f->name, err);
	case FT_ROUTES:
		return model_check_routes(v, f->name, MODEL_MAX_ROUTES, err);
	case FT_HOST_ROUTES:
		return model_check_routes(v, f->name, MODEL_MAX_HOST_ROUTES, err);
	case FT_SG_LIST:
		return model_check_sg_list(v, err);
	case FT_PAIRS:
		return model_check_pairs(v, err);
	case FT_DIRECTION:
	case FT_ETHERTYPE:
	case FT_PROTOCOL:
	case FT_PORT:
	case FT_PREFIX:
	case FT_UUID_NULL:
		return model_check_sg_value(f, v, err);
	case FT_IPV6_MODE:
		if (json_is_null(v) || model_ipv6_mode_parse(json_string_value(v)) > 0)
			return 0;
		return model_error_set(
		    err, "invalid_value", f->name,
		    "%s must be slaac, dhcpv6-stateful, dhcpv6-stateless or null", f->name);
	case FT_ENCAP:
		if (json_is_null(v) ||
		    model_encap_parse(json_string_value(v)) != MODEL_ENCAP_DEFAULT)
			return 0;
		return model_error_set(err, "invalid_value", f->name,
				       "%s must be \"vxlan\", \"geneve\" or null", f->name);
	case FT_ANY:
		return model_error_set(err, "read_only_field", f->name, "%s is read-only", f->name);
	default:
		return model_check_format(f, v, err);
	}
}

/* Generic part: object, no unknown/read-only/immutable fields, values
 * well-formed, required fields present (create). */
static int model_check_fields(const struct model_field *fields, const json_t *body, bool create,
			      struct model_error *err)
{
	const char *key;
	json_t *val;

	if (!json_is_object(body))
		return model_error_set(err, "invalid_body", NULL, "body must be a JSON object");
	if (!create && json_object_size(body) == 0)
		return model_error_set(err, "invalid_body", NULL, "nothing to update");
	json_object_foreach((json_t *)body, key, val)
	{
		const struct model_field *f = fields;

		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name)
			return model_error_set(err, "unknown_field", key, "unknown field %.60s",
					       key);
		if (f->mode == FM_RO)
			return model_error_set(err, "read_only_field", key, "%s is read-only", key);
		if (!create && f->mode == FM_CREATE)
			return model_error_set(err, "immutable_field", key,
					       "%s cannot be changed after creation", key);
		if (model_check_value(f, val, err) < 0)
			return -EINVAL;
	}
	for (const struct model_field *f = fields; create && f->name; f++)
		if (f->required && !json_object_get(body, f->name))
			return model_error_set(err, "missing_field", f->name, "%s is required",
					       f->name);
	return 0;
}

int model_tenant_validate_create(const json_t *body, struct model_error *err)
{
	return model_check_fields(tenant_fields, body, true, err);
}

int model_tenant_validate_update(const json_t *body, struct model_error *err)
{
	return model_check_fields(tenant_fields, body, false, err);
}

int model_network_validate_create(const json_t *body, struct model_error *err)
{
	return model_check_fields(network_fields, body, true, err);
}

int model_network_validate_update(const json_t *body, struct model_error *err)
{
	return model_check_fields(network_fields, body, false, err);
}

int model_subnet_validate_create(const json_t *body, struct model_error *err)
{
	struct model_cidr c;
	const json_t *gw, *ver;

	if (model_check_fields(subnet_fields, body, true, err) < 0)
		return -EINVAL;
	model_cidr_parse(json_string_value(json_object_get(body, "cidr")), &c);
	if (c.prefix == 0 || c.prefix > (c.family == AF_INET ? 30u : 127u))
		return model_error_set(err, "invalid_value", "cidr",
				       "cidr prefix must leave room for hosts (/1 to /%d)",
				       c.family == AF_INET ? 30 : 127);
	ver = json_object_get(body, "ip_version");
	if (ver && json_integer_value(ver) != (c.family == AF_INET ? 4 : 6))
		return model_error_set(err, "invalid_value", "ip_version",
				       "ip_version does not match cidr");
	gw = json_object_get(body, "gateway_ip");
	if (gw && !json_is_null(gw) && !model_cidr_host_valid(&c, json_string_value(gw)))
		return model_error_set(err, "invalid_value", "gateway_ip",
				       "gateway_ip must be a host address inside cidr");
	if (model_subnet_check_routes(json_object_get(body, "host_routes"), c.family, err) < 0)
		return -EINVAL;
	return model_subnet_check_ipv6_modes(body, &c, err);
}

int model_ipv6_mode_parse(const char *s)
{
	if (!s)
		return MODEL_IPV6_MODE_NONE;
	if (strcmp(s, "slaac") == 0)
		return MODEL_IPV6_SLAAC;
	if (strcmp(s, "dhcpv6-stateful") == 0)
		return MODEL_IPV6_DHCP_STATEFUL;
	if (strcmp(s, "dhcpv6-stateless") == 0)
		return MODEL_IPV6_DHCP_STATELESS;
	return -EINVAL;
}

const char *model_ipv6_mode_name(int mode)
{
	switch (mode) {
	case MODEL_IPV6_SLAAC:
		return "slaac";
	case MODEL_IPV6_DHCP_STATEFUL:
		return "dhcpv6-stateful";
	case MODEL_IPV6_DHCP_STATELESS:
		return "dhcpv6-stateless";
	default:
		return NULL;
	}
}

int model_subnet_check_ipv6_modes(const json_t *obj, const struct model_cidr *c,
				  struct model_error *err)
{
	int ra = model_ipv6_mode_parse(json_string_value(json_object_get(obj, "ipv6_ra_mode")));
	int am =
	    model_ipv6_mode_parse(json_string_value(json_object_get(obj, "ipv6_address_mode")));
	const json_t *dhcp = json_object_get(obj, "enable_dhcp");
	const char *field = ra > 0 ? "ipv6_ra_mode" : "ipv6_address_mode";

	if (ra < 0 || am < 0)
		return model_error_set(
		    err, "invalid_value", ra < 0 ? "ipv6_ra_mode" : "ipv6_address_mode",
		    "IPv6 mode must be slaac, dhcpv6-stateful or dhcpv6-stateless");
	if (!ra && !am)
		return 0;
	if (c->family != AF_INET6)
		return model_error_set(err, "invalid_value", field,
				       "%s is only valid for IPv6 subnets", field);
	if (ra && am && ra != am)
		return model_error_set(err, "invalid_value", "ipv6_address_mode",
				       "ipv6_ra_mode and ipv6_address_mode must be equal when "
				       "both are set");
	if (json_is_false(dhcp))
		return model_error_set(err, "invalid_value", "enable_dhcp",
				       "%s cannot be set when enable_dhcp is false", field);
	if ((am == MODEL_IPV6_SLAAC || am == MODEL_IPV6_DHCP_STATELESS) && c->prefix != 64)
		return model_error_set(err, "invalid_value", "cidr",
				       "ipv6_address_mode %s needs a /64 prefix (EUI-64 "
				       "addresses)",
				       model_ipv6_mode_name(am));
	return 0;
}

int model_subnet_check_routes(const json_t *routes, int family, struct model_error *err)
{
	char field[48];
	size_t i;
	json_t *e;
	struct model_cidr dst;

	json_array_foreach(routes, i, e)
	{
		if (model_cidr_parse(model_json_str(json_object_get(e, "destination")), &dst) < 0 ||
		    dst.family == family)
			continue;
		snprintf(field, sizeof(field), "host_routes[%zu].destination", i);
		return model_error_set(err, "invalid_value", field,
				       "%s must be an IPv%d prefix like the subnet's cidr", field,
				       family == AF_INET ? 4 : 6);
	}
	return 0;
}

int model_subnet_validate_update(const json_t *body, struct model_error *err)
{
	return model_check_fields(subnet_fields, body, false, err);
}

/* An integer field of a rule, -1 when absent or null. */
static int model_rule_int(const json_t *rule, const char *field)
{
	const json_t *v = json_object_get(rule, field);

	return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

/* The port range of a rule of protocol proto (min, max: -1 when absent). */
static int model_rule_check_ports(int proto, int min, int max, struct model_error *err)
{
	if (min < 0 && max < 0)
		return 0;
	if (model_sg_proto_icmp(proto)) {
		if (min < 0)
			return model_error_set(err, "invalid_value", "port_range_max",
					       "an ICMP code (port_range_max) needs an ICMP type "
					       "(port_range_min)");
		if (min > 255 || max > 255)
			return model_error_set(
			    err, "invalid_value", min > 255 ? "port_range_min" : "port_range_max",
			    "ICMP type (port_range_min) and code (port_range_max) "
			    "are 0 to 255");
		return 0;
	}
	if (!model_sg_proto_ports(proto))
		return model_error_set(err, "invalid_value",
				       min >= 0 ? "port_range_min" : "port_range_max",
				       "port ranges need protocol tcp, udp, udplite, dccp or sctp "
				       "(or icmp/icmpv6: type and code)");
	if (min < 0 || max < 0)
		return model_error_set(err, "missing_field",
				       min < 0 ? "port_range_min" : "port_range_max",
				       "port_range_min and port_range_max go together");
	if (min == 0)
		return model_error_set(err, "invalid_value", "port_range_min",
				       "port_range_min must be 1 to 65535");
	if (min > max)
		return model_error_set(err, "invalid_value", "port_range_min",
				       "port_range_min %d is above port_range_max %d", min, max);
	return 0;
}

/* The checks across a rule's fields (they are each well-formed). */
static int model_rule_check(const json_t *body, struct model_error *err)
{
	const json_t *et = json_object_get(body, "ethertype");
	const json_t *pfx = json_object_get(body, "remote_ip_prefix");
	const json_t *grp = json_object_get(body, "remote_group_id");
	int family = et && strcmp(json_string_value(et), "IPv6") == 0 ? AF_INET6 : AF_INET;
	int proto = model_sg_proto(json_object_get(body, "protocol"));
	struct model_cidr c;

	if (proto == 1 && family == AF_INET6)
		return model_error_set(err, "invalid_value", "protocol",
				       "protocol icmp is IPv4's: use icmpv6 with ethertype IPv6");
	if (proto == 58 && family == AF_INET)
		return model_error_set(err, "invalid_value", "protocol",
				       "protocol icmpv6 needs ethertype IPv6");
	if (model_rule_check_ports(proto, model_rule_int(body, "port_range_min"),
				   model_rule_int(body, "port_range_max"), err) < 0)
		return -EINVAL;
	if (pfx && !json_is_null(pfx) && grp && !json_is_null(grp))
		return model_error_set(err, "invalid_value", "remote_group_id",
				       "give remote_ip_prefix or remote_group_id, not both");
	if (pfx && !json_is_null(pfx) && model_cidr_parse(json_string_value(pfx), &c) == 0 &&
	    c.family != family)
		return model_error_set(err, "invalid_value", "remote_ip_prefix",
				       "remote_ip_prefix must be an %s prefix like the ethertype",
				       family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

int model_sg_rule_parse(const json_t *rule, struct model_sg_rule *out)
{
	const char *dir = json_string_value(json_object_get(rule, "direction"));
	const char *et = json_string_value(json_object_get(rule, "ethertype"));
	const json_t *pfx = json_object_get(rule, "remote_ip_prefix");
	const json_t *grp = json_object_get(rule, "remote_group_id");

	memset(out, 0, sizeof(*out));
	if (!dir)
		return -EINVAL;
	out->ingress = strcmp(dir, "ingress") == 0;
	out->family = et && strcmp(et, "IPv6") == 0 ? AF_INET6 : AF_INET;
	out->proto = model_sg_proto(json_object_get(rule, "protocol"));
	if (out->proto < -1)
		return -EINVAL;
	out->port_min = model_rule_int(rule, "port_range_min");
	out->port_max = model_rule_int(rule, "port_range_max");
	if (json_is_string(pfx)) {
		if (model_cidr_parse(json_string_value(pfx), &out->prefix) < 0)
			return -EINVAL;
		out->has_prefix = true;
	}
	out->has_group = json_is_string(grp);
	return 0;
}

int model_port_validate_create(const json_t *body, struct model_error *err)
{
	return model_check_fields(port_fields, body, true, err);
}

int model_port_validate_update(const json_t *body, struct model_error *err)
{
	return model_check_fields(port_fields, body, false, err);
}

int model_host_validate_create(const json_t *body, struct model_error *err)
{
	return model_check_fields(host_fields, body, true, err);
}

int model_host_validate_update(const json_t *body, struct model_error *err)
{
	return model_check_fields(host_fields, body, false, err);
}

int model_validate_create(enum model_kind kind, const json_t *body, struct model_error *err)
{
	switch (kind) {
	case MODEL_TENANT:
		return model_tenant_validate_create(body, err);
	case MODEL_NETWORK:
		return model_network_validate_create(body, err);
	case MODEL_SUBNET:
		return model_subnet_validate_create(body, err);
	case MODEL_PORT:
		return model_port_validate_create(body, err);
	case MODEL_HOST:
		return model_host_validate_create(body, err);
	case MODEL_ROUTER:
		return model_check_fields(router_fields, body, true, err);
	case MODEL_ROUTER_INTERFACE:
		return model_check_fields(router_interface_fields, body, true, err);
	case MODEL_SECURITY_GROUP:
		return model_check_fields(security_group_fields, body, true, err);
	case MODEL_SECURITY_GROUP_RULE:
		if (model_check_fields(security_group_rule_fields, body, true, err) < 0)
			return -EINVAL;
		return model_rule_check(body, err);
	default:
		return model_error_set(err, "invalid_kind", NULL, "unknown kind");
	}
}

int model_validate_update(enum model_kind kind, const json_t *body, struct model_error *err)
{
	switch (kind) {
	case MODEL_TENANT:
		return model_tenant_validate_update(body, err);
	case MODEL_NETWORK:
		return model_network_validate_update(body, err);
	case MODEL_SUBNET:
		return model_subnet_validate_update(body, err);
	case MODEL_PORT:
		return model_port_validate_update(body, err);
	case MODEL_HOST:
		return model_host_validate_update(body, err);
	case MODEL_ROUTER:
		return model_check_fields(router_fields, body, false, err);
	case MODEL_ROUTER_INTERFACE:
		return model_check_fields(router_interface_fields, body, false, err);
	case MODEL_SECURITY_GROUP:
		return model_check_fields(security_group_fields, body, false, err);
	case MODEL_SECURITY_GROUP_RULE:
		return model_check_fields(security_group_rule_fields, body, false, err);
	default:
		return model_error_set(err, "invalid_kind", NULL, "unknown kind");
	}
}
