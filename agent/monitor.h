/* monitor.h - the agent's side of the drop monitor (`tenetctl monitor`).
 *
 * The datapath offers every drop to tn_monitor_drop (bpf/monitor.bpf.c),
 * which writes sampled, rate-limited events into the ring buffer tn_events
 * while the array tn_monitor says on. A MONITOR from the controller
 * (wire.h) turns it on for timeout_s seconds (renewed by the next MONITOR)
 * or off; when the timeout passes without renewal the agent turns it off by
 * itself, so a controller that goes away never leaves it on. While on, the
 * ring buffer's fd is watched on the agent's loop and the events are sent
 * in MONITOR_EVENTS batches of at most WIRE_MONITOR_BATCH, their times
 * turned into CLOCK_REALTIME; at most MONITOR_MAX_PER_S events a second
 * leave the agent, the rest are counted as lost and reported in the next
 * event's lost field (as the datapath reports its own). Off, nothing is
 * watched and the datapath pays one array lookup per drop.
 *
 * One monitor session at a time: the latest MONITOR sets the port filter
 * and the id the events carry (the controller merges its clients' wishes).
 *
 * The ring also carries the datapath's live migration activations (struct
 * tn_mig_event, told apart from drop events by size): once a handler is
 * set (monitor_watch_migrations) the ring is watched whether the drop
 * monitor is on or off, and each activation goes to the handler at once.
 * Loop thread only.
 */
#ifndef TENET_AGENT_MONITOR_H
#define TENET_AGENT_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "wire.h"

#define MONITOR_MAX_PER_S 2000 /* events a second the agent sends at most */

struct monitor;

/* Sends one batch (its id, err 0, 1..WIRE_MONITOR_BATCH events). Returns
 * 0 or -errno; a failed send counts the batch's events as lost. */
typedef int (*monitor_send_fn)(void *arg, const struct wire_monitor_events *ev);

/* Gets one activation (migrate.h), its time in CLOCK_REALTIME ns. */
typedef void (*monitor_mig_fn)(void *arg, const struct wire_mig_event *ev);

/* Counters for /metrics. Plain data. */
struct monitor_stats {
	bool on;	      /* emission is on now */
	uint64_t sessions;    /* times it was turned on (renewals not counted) */
	uint64_t events_sent; /* events sent to the controller */
	uint64_t events_lost; /* events left out: by the datapath (rate limit,
			       * ring full), the agent's rate cap or a failed send */
};

/* A monitor over the datapath's tn_monitor (config_fd) and tn_events
 * (ring_fd) maps, both borrowed; send(arg, ...) gets the batches. Turns
 * emission off (a datapath reused from pins may have been left on).
 * Returns NULL on failure (logged). */
struct monitor *monitor_new(struct event_base *base, int config_fd, int ring_fd,
			    monitor_send_fn send, void *arg);

/* Turns emission off and frees. Takes NULL; sets *mp to NULL. */
void monitor_destroy(struct monitor **mp);

/* Applies a MONITOR: on (or renewed, with its port filter and timeout) or
 * off. Returns 0, -EINVAL for a request wire.h would refuse, or -errno of
 * the map write (emission then stays off). */
int monitor_set(struct monitor *m, const struct wire_monitor *req);

/* Watches the ring from now on, whatever the drop monitor's state, and
 * hands every activation to fn(arg, ...). Returns 0 or -errno (the ring
 * cannot be read: logged). */
int monitor_watch_migrations(struct monitor *m, monitor_mig_fn fn, void *arg);

/* Copies the counters. */
void monitor_get_stats(const struct monitor *m, struct monitor_stats *out);

#endif
