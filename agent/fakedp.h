/* fakedp.h - the agent's datapath stand-in for scale tests (--fake-datapath).
 *
 * Like ovn-heater's fake nodes: the agent applies every row exactly as it
 * would, but into private, unpinned BPF hash maps (BPF_F_NO_PREALLOC, so an
 * idle map costs almost nothing) with the ABI's key and value sizes. No
 * program is loaded or attached, no tunnel device is created, nothing is
 * pinned; everything disappears with the process. One machine can so host a
 * hundred agents. Single threaded: call from the agent's loop thread.
 */
#ifndef TENET_AGENT_FAKEDP_H
#define TENET_AGENT_FAKEDP_H

#include "applier.h"

struct fakedp;

/* Creates the compiled maps and tn_ifindex. Returns NULL on failure
 * (logged; needs CAP_BPF or root). */
struct fakedp *fakedp_new(void);

/* Fills maps->fd[] (owned by f; -1 for maps it does not have). */
void fakedp_map_fds(const struct fakedp *f, struct applier_maps *maps);

/* Closes the maps. Takes NULL; sets *fp to NULL. */
void fakedp_destroy(struct fakedp **fp);

#endif
