/* dropstats.h - the datapath's drop counters as the agent reports them:
 * the host's tn_stats and each port's drops by reason (tn_port_drops),
 * summed over CPUs. A snapshot is read once per STATUS; main thread only.
 */
#ifndef TENET_AGENT_DROPSTATS_H
#define TENET_AGENT_DROPSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Reason pairs one STATUS carries in all, at most: with WIRE_MAX_PORTS
 * ports at the widest integers a STATUS stays below the controller's 4 MiB
 * receive cap. Ports past the budget report their total drops only. */
#define DROPSTATS_STATUS_REASONS 16384

struct dropstats;

/* Reads tn_port_drops (port_drops_fd) and tn_stats (stats_fd) now; either
 * fd may be -1 (nothing read from it). ncpus: possible CPUs. Returns NULL
 * on allocation failure; a map that cannot be read is logged and left
 * out. */
struct dropstats *dropstats_read(int port_drops_fd, int stats_fd, int ncpus);

/* Fills p->reasons with the port at slot's largest per-reason drop counts
 * (at most WIRE_PORT_REASONS, and only while the snapshot's budget of
 * DROPSTATS_STATUS_REASONS lasts). Takes NULL (fills nothing). */
void dropstats_port(struct dropstats *ds, uint32_t slot, struct wire_port_status *p);

/* Copies the host's counters (enum tn_stat order) into host[0..cap) and
 * returns how many were copied (0 if none were read). */
uint32_t dropstats_host(const struct dropstats *ds, uint64_t *host, uint32_t cap);

void dropstats_destroy(struct dropstats **dsp);

#endif
