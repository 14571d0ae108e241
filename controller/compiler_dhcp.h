/* compiler_dhcp.h - the compiler's DHCPv4 rows (tn_dhcp, tenet_abi.h): the
 * answer the datapath gives a port's DHCP client (bpf/nf/dhcp.h).
 *
 * Part of the compiler layer, used by compiler.c only. Pure: no I/O, no
 * globals. A port gets a row when its first fixed IPv4 lies in an IPv4
 * subnet of its network:
 *  - enable_dhcp: its address, the server identity and the options of
 *    common/dhcp_opts.h (mask, gateway as router, the subnet's IPv4 DNS
 *    servers, the network's MTU, host_routes as classless routes), lease
 *    COMPILER_DHCP_LEASE seconds;
 *  - DHCP off: a row with TN_DHCP_F_PASS (its requests go on to L2).
 * Any other port (no IPv4 address, or one in no subnet) gets none: its
 * requests are dropped on its host.
 * The server identifier is the subnet's gateway_ip, or without one the
 * subnet's last host address; the server MAC is the MAC of the router
 * interface on the subnet, or without one 0a:58 followed by the server
 * identifier (locally administered, as other IP-derived MACs).
 */
#ifndef TENET_COMPILER_DHCP_H
#define TENET_COMPILER_DHCP_H

#include <stdbool.h>

#include "topology.h"
#include "wire.h"

#define COMPILER_DHCP_LEASE 86400 /* seconds: Neutron's default dhcp_lease_duration */

/* Subnets and router interfaces of one topology indexed for the rows. */
struct compiler_dhcp;

/* The index of t, which must outlive it. NULL on bad arguments or no
 * memory. */
struct compiler_dhcp *compiler_dhcp_new(const struct topology *t);

/* Frees *dp and sets it to NULL. Takes NULL and a pointer to NULL. */
void compiler_dhcp_destroy(struct compiler_dhcp **dp);

/* The tn_dhcp row (an UPSERT) of port p of network net into *row: true,
 * or false when the port gets none (*row is then untouched). */
bool compiler_dhcp_row(const struct compiler_dhcp *d, const struct topo_port *p,
		       const struct topo_network *net, struct wire_row *row);

#endif
