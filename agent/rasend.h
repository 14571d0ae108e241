/* rasend.h - unsolicited router advertisements (RFC 4861 6.2.4): the agent
 * sends every local port whose network has a tn_ra row that row's RA, to
 * all-nodes (ff02::1), written to the port's host-side interface so that
 * it reaches the VM. The RA is the row's bytes (common/ra6.h): the same
 * the datapath answers a router solicitation with (bpf/nf/ra.h). Sent at
 * a random interval in [interval / 3, interval] (radvd's
 * MinRtrAdvInterval = 0.33 MaxRtrAdvInterval), and within a second of
 * rasend_kick (a port appeared, the rows changed). With the agent down
 * the datapath still answers solicitations. Loop thread only.
 */
#ifndef TENET_AGENT_RASEND_H
#define TENET_AGENT_RASEND_H

#include <event2/event.h>

#define RASEND_INTERVAL_DEFAULT 100  /* s: Neutron's max_rtr_adv_interval */
#define RASEND_INTERVAL_MIN	4    /* s: RFC 4861 MaxRtrAdvInterval's least */
#define RASEND_INTERVAL_MAX	1800 /* s: RFC 4861 MaxRtrAdvInterval's most */

struct rasend;

/* Starts advertising on base from the maps tn_ifindex (ifindex_fd) and
 * tn_ra (ra_fd), borrowed; interval in seconds (0: the default). Returns
 * NULL on failure (logged). */
struct rasend *rasend_new(struct event_base *base, int ifindex_fd, int ra_fd, unsigned interval);

/* Stops it. Takes NULL; sets *rp to NULL. */
void rasend_destroy(struct rasend **rp);

/* Advertises within a second (coalesced). Takes NULL. */
void rasend_kick(struct rasend *r);

/* Sends the RA of every local port now. Returns the RAs sent, or -errno
 * when the maps cannot be read. */
int rasend_all(struct rasend *r);

#endif
