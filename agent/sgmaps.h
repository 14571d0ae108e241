/* sgmaps.h - the security group maps the datapath writes: conntrack
 * (tn_ct, one entry per connection per local port, port_id first in the
 * key) and the flows each group let open per port (tn_sg_stats, by port
 * slot and group). The agent finds a port's connections by port_id (to
 * delete them when the port leaves the host; to carry them when it
 * migrates), clears a slot's flow counters when it gives the slot out
 * afresh, and reports them in STATUS. Main thread only.
 */
#ifndef TENET_AGENT_SGMAPS_H
#define TENET_AGENT_SGMAPS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "tenet_abi.h"
#include "wire.h"

/* Group counters one STATUS carries in all, at most (as
 * DROPSTATS_STATUS_REASONS for drop reasons): ports past the budget report
 * none. */
#define SGMAPS_STATUS_GROUPS 16384

/* Calls fn for every tn_ct entry (ct_fd) of port port_id; fn returns 0 to
 * go on, anything else stops the walk and is returned. Returns 0, fn's
 * value, or -errno (-ENOMEM). */
int sgmaps_ct_foreach(int ct_fd, uint32_t port_id,
		      int (*fn)(void *arg, const struct tn_ct_key *key, const struct tn_ct *ct),
		      void *arg);

/* Deletes every tn_ct entry of port port_id. Returns how many it deleted,
 * or -errno. */
int sgmaps_ct_delete_port(int ct_fd, uint32_t port_id);

/* Deletes every tn_sg_stats row (stats_fd) of the port slot slot. Returns
 * how many it deleted, or -errno. */
int sgmaps_stats_delete_slot(int stats_fd, uint32_t slot);

struct sgmaps_flows;

/* Reads tn_sg_stats (stats_fd, per-CPU values of ncpus possible CPUs)
 * now. Returns NULL on allocation failure or a bad argument. */
struct sgmaps_flows *sgmaps_flows_read(int stats_fd, int ncpus);

/* Fills p->groups with the port at slot's largest per-group flow counts
 * (at most WIRE_PORT_GROUPS, while the snapshot's budget of
 * SGMAPS_STATUS_GROUPS lasts). Takes NULL (fills nothing). */
void sgmaps_flows_port(struct sgmaps_flows *sf, uint32_t slot, struct wire_port_status *p);

void sgmaps_flows_destroy(struct sgmaps_flows **sfp);

#endif
