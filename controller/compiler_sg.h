/* compiler_sg.h - the security group rows of a host: its ports' identities
 * and their policies (tn_sg_ident, tn_sg_rule, tn_sg_cidr, tn_sg_pset).
 *
 * The identities are those of the topology's ports with port security
 * (identity > 0); an identity's tenant and groups are those of its port
 * with the smallest id (every port of an identity has the same). For each
 * identity of one of its ports a host gets:
 *  - tn_sg_ident: gen, a hash of the identity's other rows (never 0), so a
 *    change of any of them changes it;
 *  - tn_sg_rule: every rule of its groups with a remote group, once per
 *    identity of the same tenant whose groups hold the remote group, keyed
 *    by that (remote) identity;
 *  - tn_sg_cidr and tn_sg_pset: every other rule, by its remote prefix
 *    (none: 0.0.0.0/0 or ::/0). Each distinct (direction and ethertype,
 *    prefix) of the identity has a tn_sg_cidr row naming its port set,
 *    whose tn_sg_pset rows hold the rules of every prefix of the identity
 *    that contains it (itself included), so the longest match of
 *    tn_sg_cidr alone decides. Port sets are numbered by content: prefixes
 *    whose sets hold the same rows share one number (and its rows are
 *    given once); numbers go from 1 in the (direction byte, address,
 *    length) order of the first prefix of each content.
 * A rule matches any protocol (TN_SG_RULE_PLEN_ANY, TN_SG_PSET_PLEN_ANY),
 * one protocol (_PROTO), or one protocol and a port range split into
 * aligned prefix blocks (_PROTO + bits, at most 30 a range); an ICMP rule
 * matches type << 8 | code: type alone _PROTO + 8, type and code _PROTO +
 * 16. The value is the rule's group (sg_key). When two rules give one key
 * the smallest value bytes win (as every map of the compiler). Rules of a
 * group the identity's tenant does not own, and rules of groups missing
 * from the topology, are left out.
 *
 * Pure: no I/O, no globals; one thread at a time.
 */
#ifndef TENET_COMPILER_SG_H
#define TENET_COMPILER_SG_H

#include <stddef.h>
#include <stdint.h>

#include "topology.h"
#include "wire.h"

struct compiler_sg;

/* The indexes of t's identities, groups and rules; each identity's rows
 * are built the first time a host needs them and shared by later hosts. t
 * must outlive it. Returns NULL on no memory. */
struct compiler_sg *compiler_sg_new(const struct topology *t);

/* Frees *sp and sets it to NULL. Takes NULL and a pointer to NULL. */
void compiler_sg_destroy(struct compiler_sg **sp);

/* Appends to *rows (malloc'd, *n_rows used; grown with realloc) the policy
 * rows of identities ids[0 .. n) (any order, repeats, and 0 ignored),
 * sorted with wire_row_cmp among themselves. Returns 0 or -ENOMEM (*rows
 * and *n_rows unchanged but perhaps moved). */
int compiler_sg_host(struct compiler_sg *s, const uint32_t *ids, size_t n, struct wire_row **rows,
		     size_t *n_rows);

#endif
