/*
 * dhcp_opts.h - the DHCPv4 options of a port's answer, encoded once by the
 * controller into the tn_dhcp row (tenet_abi.h) that the datapath copies
 * into every OFFER and ACK (bpf/nf/dhcp.h).
 *
 * Pure: facts about the subnet and the network in, option bytes out. The
 * options are, in this order and each only when it has something to say:
 *   1 subnet mask, 3 router (the gateway), 6 DNS servers, 26 interface MTU,
 *   121 classless static routes (RFC 3442): the host routes, then the
 *   default route via the router, since a client that gets option 121
 *   ignores option 3.
 * No end option (the datapath adds it after its own options). No domain
 * name: tenet has no DNS domain to hand out (docs/ARCHITECTURE.md).
 * The bounds below (those of the model's validation) keep the worst case
 * inside TN_DHCP_OPTS_MAX, checked at build time.
 */
#ifndef TENET_DHCP_OPTS_H
#define TENET_DHCP_OPTS_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_OPTS_MAX_DNS    5	/* DNS servers (MODEL_MAX_DNS) */
#define DHCP_OPTS_MAX_ROUTES 20 /* host routes (MODEL_MAX_HOST_ROUTES) */
#define DHCP_OPTS_MIN_MTU    68 /* RFC 2132 9.1: smaller MTUs are not sent */

/* One classless static route. */
struct dhcp_route {
	uint32_t dst;	  /* destination network, network order, host bits zero */
	uint8_t prefix;	  /* its prefix length, 0 .. 32 */
	uint32_t nexthop; /* next hop, network order; 0.0.0.0: on the link */
};

/* What a port's options say. */
struct dhcp_opts_in {
	uint8_t prefix_len;		 /* the subnet's prefix length, 1 .. 32 */
	uint32_t router;		 /* gateway, network order; 0: none (no 3, no default) */
	const uint32_t *dns;		 /* IPv4 DNS servers, network order */
	size_t n_dns;			 /* entries of dns, <= DHCP_OPTS_MAX_DNS */
	uint16_t mtu;			 /* interface MTU; below DHCP_OPTS_MIN_MTU: not sent */
	const struct dhcp_route *routes; /* host routes */
	size_t n_routes;		 /* entries of routes, <= DHCP_OPTS_MAX_ROUTES */
};

/* The most bytes dhcp_opts_encode writes. */
#define DHCP_OPTS_WORST (6 + 6 + 2 + 4 * DHCP_OPTS_MAX_DNS + 4 + 2 + 9 * DHCP_OPTS_MAX_ROUTES + 5)

/*
 * Encodes the options of in into out (cap bytes) and sets *len. Returns 0;
 * -EINVAL for bad arguments (NULL pointers, a prefix length out of range,
 * more DNS servers or routes than allowed, a route with host bits set);
 * -ENOSPC when cap is too small (out then holds nothing usable).
 * Pure and thread-safe.
 */
int dhcp_opts_encode(const struct dhcp_opts_in *in, uint8_t *out, size_t cap, size_t *len);

#endif
