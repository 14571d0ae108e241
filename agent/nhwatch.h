/* nhwatch.h - keeps back end (b)'s next hops (tn_nh) current from the
 * kernel's neighbour table.
 *
 * An RTMGRP_NEIGH netlink socket on the agent's libevent loop, primed with
 * a dump of the IPv4 neighbours: every neighbour on the underlay interface
 * with a link-layer address in a usable state (reachable, stale, delay,
 * probe, permanent) is written to tn_nh by its IPv4 address; one that fails,
 * becomes incomplete or is deleted is removed, so the datapath falls back to
 * bpf_redirect_neigh (the kernel resolves it again, and the new entry comes
 * back here). At start the map is emptied and refilled from the dump; on a
 * receive overflow (ENOBUFS) it dumps again. Single threaded: the loop
 * thread only.
 */
#ifndef TENET_AGENT_NHWATCH_H
#define TENET_AGENT_NHWATCH_H

#include <stdint.h>

#include <event2/event.h>

struct nhwatch;

/* Opens the socket, empties the map at nh_fd (tn_nh, borrowed: it must
 * outlive the watcher) and fills it from a dump of underlay_ifindex's
 * neighbours (blocking, before returning), then registers on base.
 * Returns NULL on failure (logged). */
struct nhwatch *nhwatch_new(struct event_base *base, int nh_fd, uint32_t underlay_ifindex);

/* Closes the socket; the map keeps its entries. Takes NULL; sets *nwp to
 * NULL. */
void nhwatch_destroy(struct nhwatch **nwp);

/* Entries written to tn_nh so far (upserts), for tests and logs. */
uint64_t nhwatch_updates(const struct nhwatch *nw);

#endif
