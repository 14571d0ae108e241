/* linkwatch.h - learns interface names and indexes from rtnetlink.
 *
 * An RTMGRP_LINK netlink socket on the agent's libevent loop, primed with a
 * full link dump: keeps a name -> ifindex table of the interfaces in the
 * current network namespace (hashed by name and by index: a lookup costs
 * the same with 10 or 10,000 interfaces) and calls back with the names
 * that changed when an interface appears, disappears or is renamed. On a
 * receive overflow (ENOBUFS) it dumps again and reports the difference.
 * Single threaded: the loop thread only.
 */
#ifndef TENET_AGENT_LINKWATCH_H
#define TENET_AGENT_LINKWATCH_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct linkwatch;

/* Called after a batch of link messages changed the table, with the names
 * whose index changed (appeared, disappeared, renamed from or to, or a new
 * index), each once; names[] is valid during the call only. */
typedef void (*linkwatch_cb)(void *arg, const char *const *names, size_t n);

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
