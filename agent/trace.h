/* trace.h - `tenetctl trace` on the agent: one crafted packet through the
 * host's real datapath programs, in test mode, against the live maps.
 *
 * A tracer holds a second copy of the datapath object, loaded with the
 * rodata knob tn_test_mode = 1 (bpf/lib/trace.h): it records every stage's
 * step in its tn_trace map and never redirects or clones. Every table the
 * compiler fills (tn_lport, tn_fdb, tn_arp, tn_flood, tn_peer,
 * tn_tun_allow, tn_ifindex, tn_config) is the live pinned map, reused by
 * fd, so the trace sees exactly what the live datapath sees; the counters
 * (tn_stats, tn_port_stats), tn_trace and the tail-call program arrays are
 * the copy's own, so a trace counts nothing in the live counters and the
 * live programs' tail calls are never touched. The copy is loaded on the
 * first trace and kept; it is rebuilt when a live map's pin names another
 * map than the one it reused (the agent replaced a stale pin). Loop thread
 * only.
 */
#ifndef TENET_AGENT_TRACE_H
#define TENET_AGENT_TRACE_H

#include "wire.h"

struct tracer;

/* A tracer for the datapath pinned under pin_dir (<bpffs>/tenet/<host>);
 * loads nothing yet. NULL on allocation failure. */
struct tracer *tracer_new(const char *pin_dir);

/* Frees the copy; the live datapath is not touched. Takes NULL. */
void tracer_destroy(struct tracer **tp);

/*
 * Crafts req's packet and runs it through the test-mode copy: from port
 * req->port_id (tn_vif_ingress on its host-side interface; source MAC and
 * IPv4 default to the port's), or with port_id 0 from the tunnel
 * (tn_tunnel_ingress, outer source req->remote_ip4 and VNI req->vni in
 * skb->cb). A zero destination MAC is resolved through the live tn_arp.
 * Fills *out (id, usec, dst_mac, trace). Returns 0, or -errno, also set
 * in out->err: -ENOENT (no such port here), -EHOSTUNREACH (destination
 * IPv4 unknown in the network), -EINVAL (bad request), or the load's or
 * the run's error.
 */
int tracer_run(struct tracer *t, const struct wire_trace_req *req, struct wire_trace_reply *out);

#endif
