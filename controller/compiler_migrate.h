/* compiler_migrate.h - the rows of ports that migrate (ARCHITECTURE.md,
 * "Live migration"), for compiler.c.
 *
 * While a port migrates from host S to host D (struct topo_migration):
 *  - pending, standby: S keeps its rows and gets a TN_MAP_MIGRATE row with
 *    TN_MIG_F_SOURCE (peer: D's underlay address); D compiles as if the
 *    port were bound there (LPORT, local FDB, ARP, ND, DHCP, policy rows)
 *    and gets a TN_MAP_MIGRATE row with TN_MIG_F_STANDBY (peer: S); every
 *    other host still sees the port on S;
 *  - active-both: the port is bound to D (every other host sees it there);
 *    S compiles as if it were still bound there too and keeps its SOURCE
 *    row until the grace window ends; D has no MIGRATE row;
 *  - done, rolled-back: nothing special (the binding says where it is).
 * TN_MIG_F_GENEVE is set when the port's network goes by Geneve. Rows carry
 * the migration's generation. Pure, like the compiler.
 */
#ifndef TENET_COMPILER_MIGRATE_H
#define TENET_COMPILER_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include "tenet_abi.h"
#include "topology.h"
#include "wire.h"

#if TN_ABI_VERSION < 10
/* ABI 10 (bpf/include/tenet_abi.h defines these from then on) */
#define TN_MAP_MIGRATE 25
struct tn_migrate_key {
	__u32 port_id; /* the port's port_key */
};
struct tn_migrate {
	__u32 generation; /* the migration's generation */
	__u32 flags;	  /* TN_MIG_F_* */
	__be32 peer_ip4;  /* the other host's underlay address */
	__u32 pad;
};
#define TN_MIG_F_STANDBY 0x1
#define TN_MIG_F_SOURCE	 0x2
#define TN_MIG_F_GENEVE	 0x4
#endif

/* True when host compiles with a view of t (compiler_migrate_view): a port
 * migrates to it (pending, standby) or away from it (active-both). */
bool compiler_migrate_view_needed(const struct topology *t, const char *host);

/* Fills *view with t as host sees it: a shallow copy whose ports array is
 * its own (release with compiler_migrate_view_release), where the ports
 * host must realise locally are bound to host and show no migration.
 * Returns 0, -ENOMEM. */
int compiler_migrate_view(const struct topology *t, const char *host, struct topology *view);

/* Frees what compiler_migrate_view allocated. Takes NULL. */
void compiler_migrate_view_release(struct topology *view);

/* Appends host's TN_MAP_MIGRATE rows to the sorted set *rows / *n_rows
 * (realloc'd; kept sorted with wire_row_cmp). Returns 0, -ENOMEM (rows
 * unchanged). */
int compiler_migrate_rows(const struct topology *t, const char *host, struct wire_row **rows,
			  size_t *n_rows);

#endif
