/* migrate.h - the agent's side of live migration of a port (tenet_abi.h,
 * "Live migration"; wire.h: MIGRATE_EVENT, CT_EXPORT, CT_STATE).
 *
 * The datapath activates a port in standby by itself (its first packet)
 * and says so in tn_mig_active and with a struct tn_mig_event in tn_events
 * (read by monitor.c, turned into a MIGRATE_EVENT here). The port's
 * tracked connections (tn_ct entries whose key names it) move with it: the
 * source's agent exports them on CT_EXPORT with their expiry as the
 * milliseconds left (hosts' clocks differ), the destination's imports the
 * CT_STATE the controller relays, re-basing the expiry on its own clock.
 * Clocks here are the datapath's: CLOCK_MONOTONIC nanoseconds
 * (bpf_ktime_get_ns). Loop thread only; the functions on maps take
 * borrowed descriptors.
 */
#ifndef TENET_AGENT_MIGRATE_H
#define TENET_AGENT_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Sends one CT_STATE. Returns 0 or -errno. */
typedef int (*migrate_ct_send_fn)(void *arg, const struct wire_ct_state *st);

/*
 * Answers a CT_EXPORT: every tn_ct entry (ct_fd; -1: no datapath, nothing
 * tracked) of req->port_id that has not expired at now_ns goes out as
 * CT_STATEs of at most WIRE_CT_MAX_ENTRIES entries (more set on all but
 * the last; one empty CT_STATE when there is none), its expiry as the
 * milliseconds left (at least 1, at most WIRE_CT_MAX_REMAINING_MS). The
 * map is read with batch lookups (one call per 1024 entries), or entry by
 * entry where the kernel refuses them. Returns the entries sent, or
 * -errno: -EINVAL (bad request), -ENOMEM, or a send's error.
 */
long migrate_ct_export(int ct_fd, const struct wire_ct_export *req, uint64_t now_ns,
		       migrate_ct_send_fn send, void *arg);

/*
 * Imports a CT_STATE into tn_ct (ct_fd), each entry's expiry re-based on
 * now_ns: written unless the map already holds the same connection with a
 * later expiry (the newer state wins: what this host saw since is kept).
 * Returns the entries written; *skipped (may be NULL) counts those kept
 * back. -EINVAL for a bad state (an entry wire.h would refuse: nothing is
 * written then), -errno of the first write that failed (the others are
 * still tried).
 */
long migrate_ct_import(int ct_fd, const struct wire_ct_state *st, uint64_t now_ns, long *skipped);

/*
 * A record of tn_events (data, size bytes) as a MIGRATE_EVENT: 0 and *out
 * filled for a struct tn_mig_event of a known kind, its time moved by
 * rt_offset_ns (CLOCK_REALTIME - CLOCK_MONOTONIC); -EINVAL for anything
 * else (a drop event, a malformed record).
 */
int migrate_event_decode(const void *data, size_t size, int64_t rt_offset_ns,
			 struct wire_mig_event *out);

struct migrate_gens;

/* The generations tn_mig_active (active_fd; -1: none) holds now, read
 * once for a STATUS. Returns NULL on allocation failure or a bad fd (every
 * port then reports 0). */
struct migrate_gens *migrate_gens_read(int active_fd);

/* The generation activated for port_id, 0 if none. Takes NULL. */
uint32_t migrate_gens_get(const struct migrate_gens *g, uint32_t port_id);

/* Frees. Takes NULL; sets *gp to NULL. */
void migrate_gens_destroy(struct migrate_gens **gp);

#endif
