/* compiler.h - topology in, per-host datapath rows out.
 *
 * A pure function in the OVN northd sense: no I/O, no globals. The store
 * loads a struct topology from one read transaction; the southbound makes one
 * compiler of it per revision, compiles each affected host's rows with it and
 * diffs them against what the host last got.
 *
 * What a host gets (and nothing else):
 *  - PEER rows for every enrolled host with an underlay address but itself;
 *  - for each of its bound ports: LPORT, and the port's FDB (local), ARP and ND,
 *    and its DHCP row when its first IPv4 is in a subnet (compiler_dhcp.h);
 *  - for each network that has one of its ports: FDB (remote), ARP and ND rows for
 *    the network's ports bound on other hosts, TUN_ALLOW for each of those
 *    hosts, and its FLOOD rows (remote hosts + local port ids, paged:
 *    pages 0, 1, ... dense, at most TN_MAX_FLOOD_PAGES).
 * A port's ARP rows are one per fixed IPv4 (ip4 and ip4_more), each naming the
 * port and, for a port on another host, that host's underlay address; its ND
 * rows likewise, one per fixed IPv6 (flags 0: ports are not routers); its FDB
 * row carries its first IPv4 and TN_FDB_F_PORT_SECURITY when it
 * has port security, so the receiving host can check the frames it sends.
 * Routing (every host routes for its own ports): for each router with an
 * interface on a network of the host's ports, its ROUTE4 rows (a connected
 * route per IPv4 interface subnet, and each IPv4 static route through the
 * interface whose subnet holds its next hop); for every network with a
 * router interface that the host sees, the interface's FDB row
 * (TN_FDB_F_ROUTER, the router's key and address) and ARP row (the gateway,
 * TN_ARP_F_ROUTER); the networks on the other interfaces of those routers
 * (routed networks) get their remote FDB and ARP rows but no FLOOD and no
 * TUN_ALLOW; and TUN_ALLOW of a network of the host's ports also lists the
 * hosts of the networks routed with it (they send routed frames into it).
 * Security groups (ABI 9): LPORT, FDB, ARP and ND rows carry their port's
 * identity; a port's allowed address pairs get ARP (IPv4) or ND (IPv6)
 * rows naming the port with the pair's MAC, and an FDB row like the port's
 * for each pair MAC that is not its own, wherever the port's own rows go;
 * and a host gets the policy rows of its ports' identities
 * (compiler_sg.h), after every other map.
 * Ports without a binding host, or bound to a host that is not enrolled, are
 * not realised anywhere. Networks with no port on the host, and not routed
 * with one that has, are not sent.
 */
#ifndef TENET_COMPILER_H
#define TENET_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"
#include "wire.h"

/* A compiler for one topology: its indexes (networks by id, hosts by name,
 * realised ports by network and by host) are built once, and the rows of a
 * network that are the same for every host that sees it (remote FDB and ARP
 * of its ports, TUN_ALLOW, its flood members) and the PEER rows are built
 * the first time a host needs them and shared by every later host. Each
 * host's rows are then its networks' shared rows (its own ports taking the
 * local flavour) merged with its local rows, already in order. Pure: no I/O,
 * no globals; one thread at a time. */
struct compiler;

/* A compiler for t, which must stay valid and unchanged until
 * compiler_destroy. Returns NULL on bad arguments or no memory. */
struct compiler *compiler_new(const struct topology *t);

/* Frees *cp and sets it to NULL. Takes NULL and a pointer to NULL. */
void compiler_destroy(struct compiler **cp);

/* Compiles the rows of host `host`. On success *rows (malloc'd, caller
 * frees; NULL when *n_rows is 0) holds *n_rows UPSERT rows sorted with
 * wire_row_cmp, unique by (map, key), and 0 is returned. A host absent from
 * the topology gets no rows. Returns -EINVAL on bad arguments, -ENOMEM (the
 * compiler stays usable). */
int compiler_host(struct compiler *c, const char *host, struct wire_row **rows, size_t *n_rows);

/* compiler_host on a compiler of t made for this one call: the same rows,
 * for callers that compile one host. Returns as compiler_host. */
int compiler_build_host(const struct topology *t, const char *host, struct wire_row **rows,
			size_t *n_rows);

/* Computes the DELTA rows that turn sorted row set `from` into sorted `to`:
 * UPSERT for new or changed rows, DELETE for rows gone. Result sorted, in
 * *out (malloc'd, caller frees; NULL when empty). Returns 0, -ENOMEM. */
int compiler_diff(const struct wire_row *from, size_t n_from, const struct wire_row *to,
		  size_t n_to, struct wire_row **out, size_t *n_out);

#endif
