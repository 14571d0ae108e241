/* compiler_ra.h - the compiler's IPv6 configuration rows: router
 * advertisements (tn_ra) and DHCPv6 answers (tn_dhcp6), tenet_abi.h; the
 * datapath answers from them (bpf/nf/ra.h, bpf/nf/dhcp6.h).
 *
 * Part of the compiler layer, used by compiler.c only. Pure: no I/O, no
 * globals.
 *  - RA: a network gets a row when one of its IPv6 subnets has an
 *    ipv6_ra_mode and a router interface. The first such subnet (by id)
 *    names the router: the RA comes from its interface's MAC and link-local
 *    address and lists the prefixes (at most RA6_MAX_PREFIXES) of that
 *    router's subnets with an ra mode on the network: on-link, autonomous
 *    for slaac and dhcpv6-stateless; M for a dhcpv6-stateful one, O for a
 *    dhcpv6-stateless one; the first subnet's IPv6 DNS servers as RDNSS;
 *    the network's MTU.
 *  - DHCPv6: a port gets a row for the first of its fixed IPv6 whose subnet
 *    has ipv6_address_mode dhcpv6-stateful (that address in IA_NA, lifetime
 *    COMPILER_DHCP_LEASE) or, failing that, dhcpv6-stateless (configuration
 *    only); with neither, a port with an address in an IPv6 subnet without
 *    enable_dhcp gets a TN_DHCP6_F_PASS row, any other none (its DHCPv6 is
 *    dropped on its host). Options: the subnet's IPv6 DNS servers (RFC
 *    3646). The server MAC is the router interface's on the subnet, or
 *    without one 0a:58 followed by the last four bytes of the subnet's
 *    gateway (or of its first address).
 */
#ifndef TENET_COMPILER_RA_H
#define TENET_COMPILER_RA_H

#include <stdbool.h>

#include "topology.h"
#include "wire.h"

/* IPv6 subnets and router interfaces of one topology indexed for the rows. */
struct compiler_ra;

/* Indexes t (borrowed: it must outlive the result). Returns NULL on a bad
 * argument or no memory. */
struct compiler_ra *compiler_ra_new(const struct topology *t);

/* Takes NULL; sets *rp to NULL. */
void compiler_ra_destroy(struct compiler_ra **rp);

/* Fills row with network net's TN_MAP_RA row. Returns false when it has
 * none (or for a bad argument). */
bool compiler_ra_row(const struct compiler_ra *r, const struct topo_network *net,
		     struct wire_row *row);

/* Fills row with port p's TN_MAP_DHCP6 row (p on network net). Returns
 * false when it has none (or for a bad argument). */
bool compiler_ra_dhcp6_row(const struct compiler_ra *r, const struct topo_port *p,
			   const struct topo_network *net, struct wire_row *row);

#endif
