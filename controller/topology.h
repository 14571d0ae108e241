/* topology.h - the intent the compiler reads: networks, ports and hosts.
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
#define TOPO_IP6_MAX	  16 /* fixed IPv6 of a port (MODEL_MAX_FIXED_IPS) */

struct topo_network {
	char id[TOPO_ID_MAX];	     /* network UUID */
	char tenant_id[TOPO_ID_MAX]; /* owning tenant */
	uint32_t vni;		     /* 24-bit VNI, unique, > 0 */
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
};

struct topo_host {
	char name[TOPO_HOST_MAX]; /* unique host name */
	uint32_t host_id;	  /* controller-allocated number, > 0 */
	uint32_t ip4;		  /* underlay IPv4, network byte order */
	char public_key[41];	  /* CURVE public key, Z85; the compiler ignores it */
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
};

/* Frees the arrays of t and zeroes it. Takes NULL. */
void topology_release(struct topology *t);

#endif
