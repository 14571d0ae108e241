/* model.h - the northbound object model and its validation.
 *
 * Neutron-like resources (tenant, network, subnet, port, host, router,
 * router_interface, security_group, security_group_rule) as jansson objects. Validation of client
 * input happens here, once: each kind has a create check (a full body) and an update check (a patch
 * body). Both reject unknown fields, read-only fields (id, vni, mtu, derived tenant_id, status,
 * state, applied_revision, port_key, host_id) and immutable fields on update, and check types,
 * lengths and formats. Checks that need other objects (references, uniqueness, an IP inside its
 * subnet) are the store's, using the helpers below.
 *
 * Every rejection fills a struct model_error saying which field and why.
 * All functions are pure and thread-safe.
 */
#ifndef TENET_MODEL_H
#define TENET_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MODEL_NAME_MAX	    255	 /* names, in bytes */
#define MODEL_DESC_MAX	    1024 /* descriptions, in bytes */
#define MODEL_UUID_LEN	    36	 /* canonical UUID text, without NUL */
#define MODEL_HOST_NAME_MAX 63	 /* host names, in bytes */
#define MODEL_IFNAME_MAX    15	 /* Linux interface names (IFNAMSIZ - 1) */
#define MODEL_Z85_KEY_LEN   40	 /* CURVE public key in Z85 */
#define MODEL_MAX_FIXED_IPS 16	 /* fixed_ips entries per port */
#define MODEL_MAX_DNS	    5	 /* dns_nameservers entries per subnet */
#define MODEL_MAX_ROUTES    128	 /* static routes per router */
#define MODEL_MAX_HOST_ROUTES 20 /* host_routes per subnet (Neutron's default limit) */
#define MODEL_MAX_PORT_SGS    8	   /* security_groups per port */
#define MODEL_MAX_PAIRS	      10   /* allowed_address_pairs per port (Neutron's default) */

/* Why a body was rejected. All strings NUL-terminated; field is "" when the
 * error is about the whole body. */
struct model_error {
	char code[32];	   /* short snake_case code, e.g. "invalid_field" */
	char message[160]; /* human text */
	char field[48];	   /* offending field, e.g. "fixed_ips[1].ip_address" */
};

enum model_kind {
	MODEL_TENANT = 0,
	MODEL_NETWORK,
	MODEL_SUBNET,
	MODEL_PORT,
	MODEL_HOST,
	MODEL_ROUTER,		/* a tenant's distributed router: static routes */
	MODEL_ROUTER_INTERFACE, /* a router's leg on one subnet, at its gateway IP */
	MODEL_SECURITY_GROUP,	   /* a tenant's named set of allow rules */
	MODEL_SECURITY_GROUP_RULE, /* one rule of a security group */
	MODEL_KIND_MAX
};

/* A parsed IP prefix. */
struct model_cidr {
	int family;	     /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network address, network byte order (4 used for v4) */
	unsigned int prefix; /* prefix length */
};

/* Fills err (code, field, printf-style message). Returns -EINVAL, so that
 * callers can `return model_error_set(...)`. err may be NULL. */
int model_error_set(struct model_error *err, const char *code, const char *field, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

/* Kind from its plural ("networks") or singular ("network") name; -1 if none. */
int model_kind_parse(const char *name);

/* Singular ("network") and plural ("networks") names; "?" if out of range. */
const char *model_kind_name(enum model_kind kind);
const char *model_kind_plural(enum model_kind kind);

/* Validates a create body of kind. Returns 0 or -EINVAL with err filled. */
int model_validate_create(enum model_kind kind, const json_t *body, struct model_error *err);

/* Validates an update (patch) body of kind: only mutable fields, at least
 * one. Returns 0 or -EINVAL with err filled. */
int model_validate_update(enum model_kind kind, const json_t *body, struct model_error *err);

/* Per-kind validators behind the two functions above; same contract. */
int model_tenant_validate_create(const json_t *body, struct model_error *err);
int model_tenant_validate_update(const json_t *body, struct model_error *err);
int model_network_validate_create(const json_t *body, struct model_error *err);
int model_network_validate_update(const json_t *body, struct model_error *err);
int model_subnet_validate_create(const json_t *body, struct model_error *err);
int model_subnet_validate_update(const json_t *body, struct model_error *err);
int model_port_validate_create(const json_t *body, struct model_error *err);
int model_port_validate_update(const json_t *body, struct model_error *err);
int model_host_validate_create(const json_t *body, struct model_error *err);
int model_host_validate_update(const json_t *body, struct model_error *err);

/* A security group rule's match, parsed from a stored (valid) rule. */
struct model_sg_rule {
	bool ingress;		  /* direction: ingress (towards the port), else egress */
	int family;		  /* ethertype: AF_INET (IPv4) or AF_INET6 (IPv6) */
	int proto;		  /* IP protocol 0..255, -1 for any */
	int port_min;		  /* TCP/UDP/SCTP/...: first port; ICMP: type; -1 if none */
	int port_max;		  /* last port; ICMP: code; -1 if none */
	bool has_prefix;	  /* remote_ip_prefix given */
	struct model_cidr prefix; /* remote_ip_prefix when has_prefix */
	bool has_group;		  /* remote_group_id given */
};

/* Protocol number of a rule's protocol value: a name (tcp, udp, icmp,
 * icmpv6, ipv6-icmp, any), a decimal string or an integer 0..255; null is
 * any. Returns 0..255, -1 for any, or -EINVAL (-2 and below). */
int model_sg_proto(const json_t *v);

/* True for protocols whose rules take a port range (TCP, UDP, UDP-Lite,
 * DCCP, SCTP). */
bool model_sg_proto_ports(int proto);

/* Parses a stored security group rule (valid, as the store keeps it).
 * Returns 0 or -EINVAL. */
int model_sg_rule_parse(const json_t *rule, struct model_sg_rule *out);

/* Checks that every entry of a subnet's host_routes (already well-formed,
 * or NULL) is of the subnet's address family (AF_INET, AF_INET6): what
 * only the whole subnet can tell. Returns 0 or -EINVAL with err filled. */
int model_subnet_check_routes(const json_t *routes, int family, struct model_error *err);

/* A v6 subnet's ipv6_ra_mode / ipv6_address_mode (Neutron's values). */
enum model_ipv6_mode {
	MODEL_IPV6_MODE_NONE = 0,      /* null: not tenet's business */
	MODEL_IPV6_SLAAC = 1,	       /* "slaac": addresses from the RA's prefix */
	MODEL_IPV6_DHCP_STATEFUL = 2,  /* "dhcpv6-stateful": addresses by DHCPv6 */
	MODEL_IPV6_DHCP_STATELESS = 3, /* "dhcpv6-stateless": SLAAC, options by DHCPv6 */
};

/* The enum model_ipv6_mode of s (NULL: none). Returns it, or -EINVAL for
 * any other string. */
int model_ipv6_mode_parse(const char *s);

/* The API name of mode, NULL for none or out of range. */
const char *model_ipv6_mode_name(int mode);

/* Checks the IPv6 modes of subnet obj (a whole subnet, or a create body)
 * of prefix c as Neutron does: only on IPv6 subnets, equal when both are
 * set, not with enable_dhcp false, and SLAAC and dhcpv6-stateless address
 * modes only on a /64. Returns 0 or -EINVAL with err filled. */
int model_subnet_check_ipv6_modes(const json_t *obj, const struct model_cidr *c,
				  struct model_error *err);
/* A network's encapsulation field: "vxlan", "geneve", or absent / null
 * (the deployment's default, tenet-controller --encapsulation). */
enum model_encap {
	MODEL_ENCAP_DEFAULT = 0,
	MODEL_ENCAP_VXLAN = 1,
	MODEL_ENCAP_GENEVE = 2,
};

/* The encapsulation named s ("vxlan" or "geneve"); MODEL_ENCAP_DEFAULT for
 * NULL and anything else. */
enum model_encap model_encap_parse(const char *s);

/* True for a canonical UUID string (8-4-4-4-12 hex digits). */
bool model_uuid_valid(const char *s);

/* Parses "a.b.c.d/n" or "v6/n" with host bits zero. Returns 0 or -EINVAL. */
int model_cidr_parse(const char *s, struct model_cidr *out);

/* Parses an IPv4 or IPv6 address into addr (16 bytes, network order).
 * Returns AF_INET or AF_INET6, or -EINVAL. */
int model_ip_parse(const char *s, uint8_t addr[16]);

/* True if address text ip is of c's family and inside c. */
bool model_cidr_contains(const struct model_cidr *c, const char *ip);

/* True if name is a field of kind's objects (writable or read-only). */
bool model_field_known(enum model_kind kind, const char *name);

/* True if field name of kind may be given on create (not read-only: ids,
 * derived and allocated fields, state). What a tenant export keeps. */
bool model_field_writable(enum model_kind kind, const char *name);

/* True if a list of kind can be filtered by name (GET /v1/<kind>s?name=v):
 * a field holding one value (lists and objects cannot be compared with a
 * query value), or one of the port filters binding_host,
 * binding_interface, ip_address and subnet_id (any of its fixed IPs). */
bool model_filter_known(enum model_kind kind, const char *name);

/* True if obj of kind matches filter name = want, name being one that
 * model_filter_known accepts: strings compare as text, integers in
 * decimal, booleans as true/false. False for anything else. */
bool model_filter_match(enum model_kind kind, const json_t *obj, const char *name,
			const char *want);

/* True if ip is a usable host address of c: inside it, and for IPv4 with a
 * prefix < 31 neither the network nor the broadcast address. */
bool model_cidr_host_valid(const struct model_cidr *c, const char *ip);

/* Parses "aa:bb:cc:dd:ee:ff" (hex, either case). Returns 0 or -EINVAL.
 * Does not check unicast; see model_mac_valid. */
int model_mac_parse(const char *s, uint8_t mac[6]);

/* True for a parseable, unicast, non-zero MAC. */
bool model_mac_valid(const char *s);

/* True for [A-Za-z0-9._-]{1,63} not starting with '.' (a host name names
 * the agent's pin directory: ".", ".." and hidden names are refused). */
bool model_host_name_valid(const char *s);

/* True for 40 Z85 characters decoding to 32 bytes. */
bool model_z85_key_valid(const char *s);

/* True for a valid Linux interface name: 1..15 bytes, not "." or "..", no
 * '/', ':', whitespace or control characters. */
bool model_ifname_valid(const char *s);

#endif
