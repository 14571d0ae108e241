/* kinds.c - resource kinds: fields, columns, key=value to JSON. */
#include "kinds.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#define KIND_KEY_LEN	  40   /* a Z85 CURVE key */
#define KIND_KEY_FILE_MAX 4096 /* a key file is far smaller */

static const struct kind_field tenant_fields[] = {
    {"name", FIELD_STRING, NULL, "tenant name"},
    {"description", FIELD_STRING, NULL, "free text"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field network_fields[] = {
    {"tenant_id", FIELD_STRING, "tenant", "owning tenant (id or name), create only"},
    {"name", FIELD_STRING, NULL, "network name"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field subnet_fields[] = {
    {"network_id", FIELD_STRING, "network", "network (id or name), create only"},
    {"name", FIELD_STRING, NULL, "subnet name"},
    {"cidr", FIELD_STRING, NULL, "e.g. 10.0.0.0/24 or 2001:db8::/64"},
    {"gateway_ip", FIELD_STRING, NULL, "gateway address inside cidr"},
    {"enable_dhcp", FIELD_BOOL, NULL, "true|false"},
    {"dns_nameservers", FIELD_LIST, NULL, "comma-separated addresses"},
    {"host_route", FIELD_ROUTE, NULL,
     "DESTINATION,NEXTHOP route handed out by DHCP (option 121); repeat for several; the "
     "list replaces the subnet's host_routes (host_routes:=[] clears them)"},
    {"ipv6_ra_mode", FIELD_STRING, NULL,
     "slaac|dhcpv6-stateful|dhcpv6-stateless: the router's RA (IPv6), create only"},
    {"ipv6_address_mode", FIELD_STRING, NULL,
     "slaac|dhcpv6-stateful|dhcpv6-stateless: how ports get addresses (IPv6), create only"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field port_fields[] = {
    {"network_id", FIELD_STRING, "network", "network (id or name), create only"},
    {"name", FIELD_STRING, NULL, "port name"},
    {"mac_address", FIELD_STRING, NULL, "allocated (fa:16:3e:..) when absent"},
    {"fixed_ip", FIELD_FIXED_IP, "subnet", "SUBNET[,IP] (subnet id or name); repeat for several"},
    {"port_security_enabled", FIELD_BOOL, NULL, "true|false (default true)"},
    {"binding_host", FIELD_BINDING, "host", "host the port is bound to"},
    {"binding_interface", FIELD_BINDING, NULL, "interface name on that host"},
    {"security_groups", FIELD_LIST, "security_group",
     "comma-separated security groups (id or name); security_groups:=[] for none"},
    {"allowed_address_pair", FIELD_ADDR_PAIR, NULL,
     "IP[,MAC] another address (and MAC, default the port's) the port may send from; repeat "
     "for several; the list replaces the port's allowed_address_pairs (allowed_address_pairs:=[] "
     "clears them)"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field host_fields[] = {
    {"name", FIELD_STRING, NULL, "host name (also its id)"},
    {"public_key", FIELD_KEY, NULL, "agent's CURVE public key (Z85, 40 chars), or @FILE"},
    {"underlay_ip", FIELD_STRING, NULL, "IPv4 underlay address"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field router_fields[] = {
    {"tenant_id", FIELD_STRING, "tenant", "owning tenant (id or name), create only"},
    {"name", FIELD_STRING, NULL, "router name"},
    {"description", FIELD_STRING, NULL, "free text"},
    {"route", FIELD_ROUTE, NULL,
     "DESTINATION,NEXTHOP static route (v4 or v6); repeat for several; the list replaces "
     "the router's routes (routes:=[] clears them)"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field router_interface_fields[] = {
    {"router_id", FIELD_STRING, "router", "router (id or name), create only"},
    {"subnet_id", FIELD_STRING, "subnet",
     "subnet (id or name): the interface takes its gateway_ip"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field security_group_fields[] = {
    {"tenant_id", FIELD_STRING, "tenant", "owning tenant (id or name), create only"},
    {"name", FIELD_STRING, NULL, "group name (default is the tenant's own group's)"},
    {"description", FIELD_STRING, NULL, "free text"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_field security_group_rule_fields[] = {
    {"security_group_id", FIELD_STRING, "security_group", "its group (id or name)"},
    {"direction", FIELD_STRING, NULL, "ingress|egress"},
    {"ethertype", FIELD_STRING, NULL, "IPv4|IPv6 (default IPv4)"},
    {"protocol", FIELD_STRING, NULL, "tcp, udp, icmp, icmpv6, any, or a number 0-255"},
    {"port_range_min", FIELD_INT, NULL, "first port (ICMP: type)"},
    {"port_range_max", FIELD_INT, NULL, "last port (ICMP: code)"},
    {"remote_ip_prefix", FIELD_STRING, NULL, "remote CIDR, of the ethertype's family"},
    {"remote_group_id", FIELD_STRING, "security_group", "remote group (id or name)"},
    {"description", FIELD_STRING, NULL, "free text"},
    {NULL, 0, NULL, NULL},
};

static const struct kind_column tenant_cols[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {NULL, NULL},
};

static const struct kind_column network_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"TENANT", "tenant_id"}, {"VNI", "vni"}, {NULL, NULL},
};

static const struct kind_column subnet_cols[] = {
    {"ID", "id"},     {"NAME", "name"},		 {"NETWORK", "network_id"},
    {"CIDR", "cidr"}, {"GATEWAY", "gateway_ip"}, {NULL, NULL},
};

static const struct kind_column port_cols[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"NETWORK", "network_id"},
    {"MAC", "mac_address"},
    {"IPS", "fixed_ips"},
    {"HOST", "binding.host"},
    {"INTERFACE", "binding.interface"},
    {"STATUS", "status"},
    {NULL, NULL},
};

static const struct kind_column host_cols[] = {
    {"NAME", "name"},	{"UNDERLAY", "underlay_ip"},
    {"STATE", "state"}, {"APPLIED_REVISION", "applied_revision"},
    {NULL, NULL},
};

static const struct kind_column router_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"TENANT", "tenant_id"}, {"ROUTES", "routes"}, {NULL, NULL},
};

static const struct kind_column router_interface_cols[] = {
    {"ID", "id"},	  {"ROUTER", "router_id"}, {"SUBNET", "subnet_id"},
    {"IP", "ip_address"}, {"MAC", "mac_address"},  {NULL, NULL},
};

static const struct kind_column security_group_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"TENANT", "tenant_id"}, {"SG_KEY", "sg_key"}, {NULL, NULL},
};

static const struct kind_column security_group_rule_cols[] = {
    {"ID", "id"},
    {"GROUP", "security_group_id"},
    {"DIRECTION", "direction"},
    {"ETHERTYPE", "ethertype"},
    {"PROTOCOL", "protocol"},
    {"MIN", "port_range_min"},
    {"MAX", "port_range_max"},
    {"REMOTE_PREFIX", "remote_ip_prefix"},
    {"REMOTE_GROUP", "remote_group_id"},
    {NULL, NULL},
};

static const struct kind kinds[] = {
    {"tenant", "tenants", tenant_fields, tenant_cols, ""},
    {"network", "networks", network_fields, network_cols, "tenant_id"},
    {"subnet", "subnets", subnet_fields, subnet_cols, "tenant_id network_id"},
    {"port", "ports", port_fields, port_cols, "tenant_id network_id"},
    {"host", "hosts", host_fields, host_cols, ""},
    {"router", "routers", router_fields, router_cols, "tenant_id"},
    {"router_interface", "router_interfaces", router_interface_fields, router_interface_cols,
     "tenant_id router_id subnet_id network_id"},
    {"security_group", "security_groups", security_group_fields, security_group_cols,
     "tenant_id"},
    {"security_group_rule", "security_group_rules", security_group_rule_fields,
     security_group_rule_cols, "tenant_id security_group_id remote_group_id"},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct kind *kind_all(void)
{
	return kinds;
}

const struct kind *kind_find(const char *name)
{
	const struct kind *k;

	for (k = kinds; name && k->name; k++)
		if (strcmp(k->name, name) == 0 || strcmp(k->plural, name) == 0)
			return k;
	return NULL;
}

const struct kind_field *kind_field_find(const struct kind *k, const char *key)
{
	const struct kind_field *f;

	for (f = k->fields; f->key; f++)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

bool kind_is_uuid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static int kind_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* "a,b,c" -> ["a","b","c"]; "" -> []. */
static json_t *kind_split_list(const char *v)
{
	json_t *arr = json_array();
	char *copy = strdup(v), *save = NULL, *tok;

	if (!arr || !copy) {
		json_decref(arr);
		free(copy);
		return NULL;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(arr, json_string(tok));
	free(copy);
	return arr;
}

/* Appends item (taken) to body's array list, made when absent. */
static int kind_append(json_t *body, const char *list, json_t *item)
{
	json_t *a = json_object_get(body, list);

	if (!item)
		return -ENOMEM;
	if (!json_is_array(a)) {
		a = json_array();
		if (json_object_set_new(body, list, a) < 0) {
			json_decref(item);
			return -ENOMEM;
		}
	}
	return json_array_append_new(a, item) == 0 ? 0 : -ENOMEM;
}

/* "DESTINATION,NEXTHOP" -> {"destination":..,"nexthop":..} appended to the
 * list named after key plus "s" (routes, host_routes). */
static int kind_add_route(json_t *body, const char *key, const char *v)
{
	char list[160]; /* key (at most 127 bytes) + "s" */
	const char *comma = strchr(v, ',');

	snprintf(list, sizeof(list), "%ss", key); /* route -> routes, host_route -> host_routes */
	if (!comma || comma == v || !comma[1] || strchr(comma + 1, ','))
		return -EINVAL;
	return kind_append(
	    body, list,
	    json_pack("{s:s%,s:s}", "destination", v, (size_t)(comma - v), "nexthop", comma + 1));
}

/* "SUBNET[,IP]" -> {"subnet_id":..,"ip_address":..} appended to fixed_ips. */
static int kind_add_fixed_ip(json_t *body, const char *v)
{
	const char *comma = strchr(v, ',');

	if (comma)
		return kind_append(body, "fixed_ips",
				   json_pack("{s:s%,s:s}", "subnet_id", v, (size_t)(comma - v),
					     "ip_address", comma + 1));
	return kind_append(body, "fixed_ips", json_pack("{s:s}", "subnet_id", v));
}

/* "IP[,MAC]" -> {"ip_address":..[,"mac_address":..]} appended to
 * allowed_address_pairs; the API checks the address and the MAC. */
static int kind_add_addr_pair(json_t *body, const char *v)
{
	const char *comma = strchr(v, ',');

	if (!v[0] || comma == v || (comma && (!comma[1] || strchr(comma + 1, ','))))
		return -EINVAL;
	if (comma)
		return kind_append(body, "allowed_address_pairs",
				   json_pack("{s:s%,s:s}", "ip_address", v, (size_t)(comma - v),
					     "mac_address", comma + 1));
	return kind_append(body, "allowed_address_pairs", json_pack("{s:s}", "ip_address", v));
}

static int kind_set_binding(json_t *body, const char *key, const char *v)
{
	json_t *b = json_object_get(body, "binding");

	if (!json_is_object(b)) {
		b = json_object();
		json_object_set_new(body, "binding", b);
	}
	return json_object_set_new(b, key + strlen("binding_"), json_string(v)) == 0 ? 0 : -ENOMEM;
}

static bool kind_is_key(const char *s, size_t len)
{
	uint8_t raw[32];
	char buf[KIND_KEY_LEN + 1];

	if (len != KIND_KEY_LEN)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return zmq_z85_decode(raw, buf) != NULL;
}

/* Finds the key in a key file's text: all of it (whitespace trimmed), or
 * the value of a czmq certificate's `public-key = "..."` line. */
static const char *kind_key_in(char *text, size_t *len)
{
	char *s = text, *e = text + strlen(text), *line;

	while (*s && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (kind_is_key(s, (size_t)(e - s))) {
		*len = (size_t)(e - s);
		return s;
	}
	for (line = strstr(text, "public-key"); line; line = strstr(line + 1, "public-key")) {
		char *q = strchr(line, '"'), *eol = strchr(line, '\n');

		if (q && (!eol || q < eol) && strnlen(q + 1, KIND_KEY_LEN + 1) > KIND_KEY_LEN &&
		    kind_is_key(q + 1, KIND_KEY_LEN) && q[1 + KIND_KEY_LEN] == '"') {
			*len = KIND_KEY_LEN;
			return q + 1;
		}
	}
	return NULL;
}

/* Reads the public key from path into out[KIND_KEY_LEN + 1]. */
static int kind_read_key(const char *path, char *out, char *err, size_t errlen)
{
	char text[KIND_KEY_FILE_MAX + 1];
	const char *key;
	struct stat st;
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fileno(f), &st) == 0 &&
	    (!S_ISREG(st.st_mode) || st.st_size > KIND_KEY_FILE_MAX)) {
		snprintf(err, errlen, "%s is no key file (%s)", path,
			 S_ISREG(st.st_mode) ? "larger than 4096 bytes" : "not a regular file");
		fclose(f);
		return -EINVAL;
	}
	n = fread(text, 1, KIND_KEY_FILE_MAX, f);
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != n || strstr(text, "secret-key")) {
		snprintf(err, errlen,
			 "%s holds %s: give the public key (FILE.pub from tenet-agent "
			 "--genkey FILE)",
			 path, strlen(text) != n ? "binary data" : "a secret key");
		return -EINVAL;
	}
	key = kind_key_in(text, &n);
	if (!key) {
		snprintf(err, errlen,
			 "no public key in %s (want the 40-character Z85 key, as in "
			 "FILE.pub from tenet-agent --genkey FILE)",
			 path);
		return -EINVAL;
	}
	memcpy(out, key, n);
	out[n] = '\0';
	return 0;
}

/* A FIELD_KEY value: the key itself, or @FILE (see kinds.h). */
static int kind_set_key(json_t *body, const char *key, const char *v, char *err, size_t errlen)
{
	char buf[KIND_KEY_LEN + 1];
	int rc;

	if (v[0] == '@' && !(kind_is_key(v, strlen(v)) && access(v + 1, F_OK) != 0)) {
		rc = kind_read_key(v + 1, buf, err, errlen);
		if (rc < 0)
			return rc;
		v = buf;
	}
	return json_object_set_new(body, key, json_string(v)) == 0 ? 0 : -ENOMEM;
}

/* Applies one typed `key=value` to body. */
static int kind_set_field(json_t *body, const struct kind_field *f, const char *key, const char *v,
			  char *err, size_t errlen)
{
	json_t *j = NULL;
	char *end;
	long long n;
	int b;

	switch (f ? f->type : FIELD_STRING) {
	case FIELD_BOOL:
		if (kind_parse_bool(v, &b) < 0)
			goto out_bad;
		j = json_boolean(b);
		break;
	case FIELD_INT:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end)
			goto out_bad;
		j = json_integer(n);
		break;
	case FIELD_LIST:
		j = kind_split_list(v);
		break;
	case FIELD_FIXED_IP:
		return kind_add_fixed_ip(body, v);
	case FIELD_ROUTE:
		if (kind_add_route(body, key, v) < 0)
			goto out_bad;
		return 0;
	case FIELD_ADDR_PAIR:
		if (kind_add_addr_pair(body, v) < 0)
			goto out_bad;
		return 0;
	case FIELD_BINDING:
		return kind_set_binding(body, key, v);
	case FIELD_KEY:
		return kind_set_key(body, key, v, err, errlen);
	default:
		j = json_string(v);
		break;
	}
	if (!j)
		goto out_bad;
	return json_object_set_new(body, key, j) == 0 ? 0 : -ENOMEM;
out_bad:
	snprintf(err, errlen, "invalid value '%s' for %s", v, key);
	return -EINVAL;
}

/* `key:=JSON` sets a raw JSON value. */
static int kind_set_raw(json_t *body, const char *key, const char *v, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *j = json_loads(v, JSON_DECODE_ANY, &jerr);

	if (!j) {
		snprintf(err, errlen, "invalid JSON for %s: %s", key, jerr.text);
		return -EINVAL;
	}
	return json_object_set_new(body, key, j) == 0 ? 0 : -ENOMEM;
}

int kind_build_body(const struct kind *k, int argc, char **argv, json_t **out, char *err,
		    size_t errlen)
{
	json_t *body = json_object();
	char key[128];
	int i, rc = 0;

	if (!body)
		return -ENOMEM;
	for (i = 0; i < argc && rc == 0; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t klen = eq ? (size_t)(eq - argv[i]) : 0;
		int raw = klen > 0 && argv[i][klen - 1] == ':';

		if (raw)
			klen--;
		if (!eq || klen == 0 || klen >= sizeof(key)) {
			snprintf(err, errlen, "expected key=value, got '%s'", argv[i]);
			rc = -EINVAL;
			break;
		}
		memcpy(key, argv[i], klen);
		key[klen] = '\0';
		if (raw)
			rc = kind_set_raw(body, key, eq + 1, err, errlen);
		else
			rc =
			    kind_set_field(body, kind_field_find(k, key), key, eq + 1, err, errlen);
	}
	if (rc < 0) {
		json_decref(body);
		return rc;
	}
	*out = body;
	return 0;
}
