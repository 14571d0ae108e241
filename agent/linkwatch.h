/* linkwatch.h - learns interface names and indexes from rtnetlink.
 *
 * An RTMGRP_LINK netlink socket on the agent's libevent loop, primed with a
 * full link dump: keeps a name -> ifindex table of the interfaces in the
 * current network namespace and calls back when an interface appears,
 * disappears or is renamed. On a receive overflow (ENOBUFS) it dumps again.
 * Single threaded: the loop thread only.
 */
#ifndef TENET_AGENT_LINKWATCH_H
#define TENET_AGENT_LINKWATCH_H

#include <stdint.h>

#include <event2/event.h>

struct linkwatch;

/* Called after a batch of link messages changed the table. */
typedef void (*linkwatch_cb)(void *arg);

/* Opens the socket, dumps the current links (blocking, before returning)
 * and registers on base. cb (may be NULL) gets arg. Returns NULL on failure
 * (logged). */
struct linkwatch *linkwatch_new(struct event_base *base, linkwatch_cb cb, void *arg);

/* Closes the socket. Takes NULL; sets *lwp to NULL. */
void linkwatch_destroy(struct linkwatch **lwp);

/* Index of interface name, 0 if not present. */
uint32_t linkwatch_ifindex(const struct linkwatch *lw, const char *name);

/* Number of interfaces known. */
size_t linkwatch_count(const struct linkwatch *lw);

#endif
