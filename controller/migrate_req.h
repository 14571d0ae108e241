/* migrate_req.h - what a host must offer to take a migrating port: its
 * announced capabilities (wire.h HELLO) against the port's network and
 * source (docs/ARCHITECTURE.md, "Live migration (control plane)").
 *
 * Pure functions: no I/O, no globals; any thread.
 */
#ifndef TENET_MIGRATE_REQ_H
#define TENET_MIGRATE_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The datapath ABI that brought live migration (TN_MAP_MIGRATE, CT import):
 * a destination must run at least this one. */
#define MIGRATE_ABI_MIN 10

/* What a host announced; all 0: nothing (an agent older than the
 * announcements, or a host never heard from). */
struct migrate_caps {
	uint32_t encaps;      /* WIRE_CAP_* bits */
	uint32_t overlay_mtu; /* its ports' overlay MTU, 0 = unknown */
	uint32_t abi;	      /* its datapath's TN_ABI_VERSION, 0 = unknown */
};

/* True when c announced anything. */
bool migrate_caps_known(const struct migrate_caps *c);

/* c as shown by the API: {"encapsulations":["vxlan","geneve"],
 * "overlay_mtu":N,"abi_version":N}, or NULL when nothing is known (or no
 * memory). New reference. */
json_t *migrate_caps_json(const struct migrate_caps *c);

/* Reads migrate_caps_json's form (NULL or not an object: all 0). */
void migrate_caps_parse(const json_t *j, struct migrate_caps *c);

/* Whether host dst (named dst_name) can carry a port of a network that goes
 * by Geneve (geneve) or VXLAN, moving from a host that announced src (NULL
 * or all 0: unknown, its MTU is not compared). Returns 0 when it can; else
 * -EOPNOTSUPP with *field the requirement ("capabilities", "abi_version",
 * "encapsulations", "overlay_mtu") and why (size bytes) a sentence naming
 * it. A destination that announced nothing is refused: it cannot show it
 * runs a datapath that imports a migration. */
int migrate_req_check(const struct migrate_caps *src, const struct migrate_caps *dst, bool geneve,
		      const char *dst_name, const char **field, char *why, size_t size);

#endif
