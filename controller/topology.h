/* topology.h - the intent the compiler reads: networks, subnets, ports,
 * hosts, routers and their interfaces, security groups and their rules.
 *
 * Plain data, shared by the store (which loads it from one read
 * transaction, or brings it up to date from the change log), the compiler
 * (which turns it into per-host rows) and the publisher (which keeps the
 * latest one). It includes no wire or compiler header, so the store does
 * not depend on either: the lengths it needs are defined here, and
 * compiler.c checks at build time that they match the wire protocol's.
 */
#ifndef TENET_TOPOLOGY_H
#define TENET_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_ID_MAX	  37 /* UUID string + NUL */
#define TOPO_IFNAME_MAX	  16 /* IFNAMSIZ */
#define TOPO_HOST_MAX	  64 /* host name, including NUL; equals WIRE_HOST_MAX */
#define TOPO_IP4_MORE_MAX 15 /* fixed IPv4 after the first (MODEL_MAX_FIXED_IPS - 1) */
#define TOPO_DNS_MAX	  5   /* DNS servers of a subnet, per family (MODEL_MAX_DNS) */
#define TOPO_ROUTES_MAX	  128 /* static routes of a router (MODEL_MAX_ROUTES) */
#define TOPO_HOST_ROUTES_MAX 20 /* host routes of a subnet (MODEL_MAX_HOST_ROUTES) */
#define TOPO_IP6_MAX	     16 /* fixed IPv6 of a port (MODEL_MAX_FIXED_IPS) */
#define TOPO_SGS_MAX	     8	 /* security groups of a port (MODEL_MAX_PORT_SGS) */
#define TOPO_PAIRS_MAX	     10	 /* allowed address pairs of a port (MODEL_MAX_PAIRS) */

/* An allowed address pair of a port: it may also send from addr with mac. */
struct topo_pair {
	uint8_t ip_version; /* 4 or 6 */
	uint8_t mac[6];	    /* the pair's MAC (the port's own when none was given) */
	uint8_t addr[16];   /* the address, network order; IPv4 fills the first 4 */
};

struct topo_network {
	char id[TOPO_ID_MAX];	     /* network UUID */
	char tenant_id[TOPO_ID_MAX]; /* owning tenant */
	uint32_t vni;		     /* 24-bit VNI, unique, > 0 */
	uint16_t mtu;		     /* the network's MTU (its mtu field), 0 if unknown */
	uint8_t encap;		     /* its encapsulation field: TOPO_ENCAP_* */
};

/* A network's encapsulation: its own, or the deployment's default. */
enum topo_encap {
	TOPO_ENCAP_DEFAULT = 0, /* not set: the deployment's (struct topology) */
	TOPO_ENCAP_VXLAN = 1,
	TOPO_ENCAP_GENEVE = 2,
};

/* The phase of a port's migration (its "migration" member; ARCHITECTURE.md,
 * "Live migration"). NONE: none ever, or the object carries none. */
enum topo_mig_phase {
	TOPO_MIG_NONE = 0,
	TOPO_MIG_PENDING,     /* requested: the destination is being programmed */
	TOPO_MIG_STANDBY,     /* the destination acked its standby rows */
	TOPO_MIG_ACTIVE_BOTH, /* bound to the destination; the source forwards to it */
	TOPO_MIG_DONE,	      /* the source is cleaned */
	TOPO_MIG_ROLLED_BACK, /* abandoned (timeout, abort): the destination is cleaned */
	TOPO_MIG_MAX
};

/* The name of phase p ("pending", ..., "" for NONE or out of range). */
const char *topo_mig_phase_name(enum topo_mig_phase p);

/* The phase named s; TOPO_MIG_NONE for NULL, "" or an unknown name. */
enum topo_mig_phase topo_mig_phase_parse(const char *s);

/* True while the migration is under way (pending, standby, active-both). */
bool topo_mig_in_progress(enum topo_mig_phase p);

/* A port's migration, as the compiler needs it. */
struct topo_migration {
	uint8_t phase;		    /* enum topo_mig_phase */
	uint32_t generation;	    /* per port, increasing; 0 with NONE */
	char source[TOPO_HOST_MAX]; /* the host it leaves */
	char target[TOPO_HOST_MAX]; /* the host it goes to */
};

struct topo_port {
	char id[TOPO_ID_MAX];	      /* port UUID */
	char network_id[TOPO_ID_MAX]; /* the network it is on */
	uint32_t port_key;	      /* controller-allocated number, > 0, unique */
	uint8_t mac[6];
	uint32_t ip4;			      /* first fixed IPv4, network byte order; 0 if none */
	uint32_t ip4_more[TOPO_IP4_MORE_MAX]; /* its other fixed IPv4, network order */
	uint8_t n_ip4_more;		      /* used entries of ip4_more (0 when ip4 is 0) */
	bool port_security;		      /* enforce source MAC/IP */
	uint8_t n_ip6;			      /* used entries of ip6 */
	uint8_t ip6[TOPO_IP6_MAX][16];	      /* its fixed IPv6, network order, in
					       * fixed_ips order */
	char host[TOPO_HOST_MAX];	      /* binding host name, "" if unbound */
	char ifname[TOPO_IFNAME_MAX];	      /* binding interface on that host */
	uint32_t identity;		      /* security identity of its set of groups;
					       * 0: port security off */
	uint8_t n_sgs;			      /* used entries of sgs */
	uint8_t n_pairs;		      /* used entries of pairs */
	char sgs[TOPO_SGS_MAX][TOPO_ID_MAX];  /* its security groups, sorted */
	struct topo_pair pairs[TOPO_PAIRS_MAX]; /* its allowed address pairs */
	struct topo_migration mig;		/* its migration (phase NONE: none) */
};

struct topo_host {
	char name[TOPO_HOST_MAX]; /* unique host name */
	uint32_t host_id;	  /* controller-allocated number, > 0 */
	uint32_t ip4;		  /* underlay IPv4, network byte order */
	char public_key[41];	  /* CURVE public key, Z85; the compiler ignores it */
};

/* A static route (of a router, or a subnet's host route): destination
 * prefix -> next hop. */
struct topo_route {
	uint8_t ip_version;  /* 4 or 6 (destination and next hop agree) */
	uint8_t prefix_len;  /* of destination */
	uint8_t dest[16];    /* destination network address */
	uint8_t nexthop[16]; /* next hop address */
};

/* A subnet: what routing (connected routes) and DHCP need of it. Addresses
 * are 16 bytes in network order; an IPv4 one fills the first 4. */
struct topo_subnet {
	char id[TOPO_ID_MAX];	      /* subnet UUID */
	char network_id[TOPO_ID_MAX]; /* the network it is on */
	uint8_t ip_version;	      /* 4 or 6 */
	uint8_t prefix_len;	      /* of cidr */
	bool enable_dhcp;	      /* DHCP (v4) / DHCPv6 answers for its ports */
	bool has_gateway;	      /* gateway_ip is set */
	uint8_t ra_mode;	      /* ipv6_ra_mode: enum model_ipv6_mode, 0 none */
	uint8_t address_mode;	      /* ipv6_address_mode: enum model_ipv6_mode, 0 none */
	uint8_t addr[16];	      /* cidr's network address */
	uint8_t gateway[16];	      /* gateway_ip; zero when !has_gateway */
	uint8_t n_dns4;		      /* used entries of dns4 */
	uint8_t n_dns6;		      /* used entries of dns6 */
	uint32_t dns4[TOPO_DNS_MAX];  /* IPv4 dns_nameservers, network order, in order */
	uint8_t dns6[TOPO_DNS_MAX][16]; /* IPv6 dns_nameservers, in order */
	uint8_t n_host_routes;		/* used entries of host_routes */
	struct topo_route host_routes[TOPO_HOST_ROUTES_MAX]; /* host_routes, in order (DHCP) */
};

/* A router: its number in the datapath and its static routes. */
struct topo_router {
	char id[TOPO_ID_MAX];	     /* router UUID */
	char tenant_id[TOPO_ID_MAX]; /* owning tenant */
	uint32_t router_key;	     /* controller-allocated number, > 0, unique */
	uint16_t n_routes;	     /* used entries of routes */
	struct topo_route routes[TOPO_ROUTES_MAX];
};

/* A router interface: the router's leg on one subnet, at its gateway. */
struct topo_rif {
	char id[TOPO_ID_MAX];	      /* interface UUID */
	char router_id[TOPO_ID_MAX];  /* the router */
	char subnet_id[TOPO_ID_MAX];  /* the subnet */
	char network_id[TOPO_ID_MAX]; /* the subnet's network */
	uint8_t mac[6];		      /* the router's MAC on that network */
	uint8_t ip_version;	      /* 4 or 6 */
	uint8_t addr[16];	      /* its address: the subnet's gateway_ip */
};

/* A security group. */
struct topo_sg {
	char id[TOPO_ID_MAX];	     /* group UUID */
	char tenant_id[TOPO_ID_MAX]; /* owning tenant */
	uint32_t sg_key;	     /* controller-allocated number, > 0 (tn_sg_allow.group) */
	uint64_t rules_digest;	     /* hash of its rules (in id order): changes with them */
};

/* A rule of a security group (model_sg_rule, flattened). */
struct topo_sg_rule {
	char id[TOPO_ID_MAX];		/* rule UUID */
	char sg_id[TOPO_ID_MAX];	/* its group */
	char remote_group[TOPO_ID_MAX]; /* remote_group_id, "" if none */
	bool ingress;			/* towards the port, else from it */
	uint8_t ip_version;		/* ethertype: 4 or 6 */
	bool has_prefix;		/* remote_ip_prefix given */
	uint8_t prefix_len;		/* of addr */
	int16_t proto;			/* IP protocol, -1 for any */
	int32_t port_min;		/* first port (ICMP: type), -1 if none */
	int32_t port_max;		/* last port (ICMP: code), -1 if none */
	uint8_t addr[16];		/* remote_ip_prefix's network address */
};

/* A whole topology. Arrays are owned by whoever built it (store_load_topology
 * allocates them; topology_release frees). */
struct topology {
	struct topo_network *networks;
	size_t n_networks;
	struct topo_port *ports;
	size_t n_ports;
	struct topo_host *hosts;
	size_t n_hosts;
	struct topo_subnet *subnets; /* every array is sorted by its first field */
	size_t n_subnets;
	struct topo_router *routers;
	size_t n_routers;
	struct topo_rif *rifs;
	size_t n_rifs;
	struct topo_sg *sgs;
	size_t n_sgs;
	struct topo_sg_rule *sg_rules;
	size_t n_sg_rules;
	bool geneve_default; /* networks without an encapsulation go by Geneve (else
			      * VXLAN): the controller's --encapsulation, not stored */
};

/* True when network n of t goes by Geneve: its encapsulation says so, or
 * it says nothing and the deployment's default is Geneve. */
bool topo_network_geneve(const struct topology *t, const struct topo_network *n);

/* Frees the arrays of t and zeroes it. Takes NULL. */
void topology_release(struct topology *t);

#endif
