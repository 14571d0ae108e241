/*
 * ra6.h - the router advertisement of a network (RFC 4861 4.2), encoded
 * once by the controller into a tn_ra row (tenet_abi.h), and the frame
 * that carries a row to a port, the same bytes the datapath writes when it
 * answers a router solicitation (bpf/nf/ra.h) and that the agent sends
 * unsolicited (agent/rasend.c).
 *
 * The message: cur hop limit 64, the M and O flags, the router lifetime,
 * reachable time and retransmit timer unspecified; then a source
 * link-layer address option (the router's MAC), an MTU option (when
 * given), one prefix information option per prefix (on-link; autonomous
 * when SLAAC may use it; infinite lifetimes: addresses are the
 * controller's, fixed) and a recursive DNS server option (RFC 8106) when
 * there are DNS servers. Pure and thread-safe.
 */
#ifndef TENET_RA6_H
#define TENET_RA6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "tenet_abi.h"

#define RA6_MAX_PREFIXES 4    /* prefixes one RA carries (the rest fit no row) */
#define RA6_MAX_DNS	 5    /* DNS servers one RA carries (MODEL_MAX_DNS) */
#define RA6_LIFETIME	 9000 /* router lifetime, s: RFC 4861's largest */
#define RA6_MIN_MTU	 1280 /* RFC 8200: smaller MTUs are not advertised */
#define RA6_HEAD	 54   /* Ethernet and IPv6 headers before the message */

/* One prefix of an RA. */
struct ra6_prefix {
	uint8_t addr[16]; /* the prefix, host bits zero */
	uint8_t len;	  /* its length, 1 .. 128 */
	bool autonomous;  /* SLAAC may form addresses from it (A flag) */
};

/* What a network's RA says. */
struct ra6_in {
	uint8_t mac[6];			   /* the router's MAC: source, link-layer option */
	bool managed;			   /* M: addresses by DHCPv6 */
	bool other;			   /* O: other configuration by DHCPv6 */
	uint32_t mtu;			   /* link MTU; below RA6_MIN_MTU: no MTU option */
	const struct ra6_prefix *prefixes; /* prefix information */
	size_t n_prefixes;		   /* entries of prefixes, <= RA6_MAX_PREFIXES */
	const uint8_t (*dns)[16];	   /* recursive DNS servers */
	size_t n_dns;			   /* entries of dns, <= RA6_MAX_DNS */
};

/* The link-local address (fe80::/64, modified EUI-64) of MAC mac. */
void ra6_ll_from_mac(uint8_t ip6[16], const uint8_t mac[6]);

/*
 * Encodes the RA of in into row (every field: source MAC and link-local
 * address, message, its length and word sum). Returns 0; -EINVAL for bad
 * arguments (NULL pointers, too many prefixes or DNS servers, a prefix
 * length out of range).
 */
int ra6_encode(const struct ra6_in *in, struct tn_ra *row);

/*
 * Writes the frame carrying row's RA to dst_mac / dst_ip6 into out (cap
 * bytes) and sets *len: Ethernet and IPv6 headers (hop limit 255), the
 * message, its checksum. Returns 0; -EINVAL for bad arguments or a row
 * whose length is out of range; -ENOSPC when cap is too small.
 */
int ra6_frame(const struct tn_ra *row, const uint8_t dst_mac[6], const uint8_t dst_ip6[16],
	      uint8_t *out, size_t cap, size_t *len);

#endif
