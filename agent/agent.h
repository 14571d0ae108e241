/* agent.h - one host's agent: ties the loader, link monitor, applier and
 * southbound session together on one libevent loop.
 *
 * Startup: load the datapath (loader), learn the links (linkwatch), rebuild
 * the applier's state from the pinned maps and the revision file, attach
 * the ports that exist, then connect to the controller. Port changes attach
 * or detach the VIF program and send a STATUS at once; a STATUS also goes
 * out every 2 s. Loop thread only.
 */
#ifndef TENET_AGENT_AGENT_H
#define TENET_AGENT_AGENT_H

#include <stdbool.h>

#include <czmq.h>
#include <event2/event.h>

#include "loader.h"

struct agent;

/* Everything the agent needs; strings are borrowed for agent_new only,
 * cert must outlive the agent. */
struct agent_config {
	const char *host;	/* host name (as enrolled) */
	const char *endpoint;	/* controllers: "tcp://IP:PORT[@KEY],..." (sbclient.h) */
	const char *server_key; /* default controller public key, Z85; NULL if
				 * every entry of endpoint names its own */
	zcert_t *cert;		/* own CURVE certificate with secret key */
	const char *underlay;	/* underlay interface */
	const char *tunnel_dev; /* vxlan device name */
	bool encap_bpf;		/* back end (b): VXLAN encap and decap in BPF (loader.h) */
	enum loader_decap decap; /* where (b) decapsulates (loader.h) */
	const char *bpffs;	/* bpffs mount point */
	const char *state_dir;	/* where <host>.rev lives */
	bool fake_datapath;	/* maps only, unpinned: no programs, no tunnel
				 * device, no link monitor (fakedp.h) */
	int status_ms;		/* STATUS period; 0 = 2000 */
	const char *metrics_listen; /* "IP:PORT" for /metrics and /healthz, NULL: none */
	unsigned ra_interval;	    /* unsolicited RA interval, s (rasend.h); 0: default */
};

/* Starts the agent on base. Returns NULL on failure (logged). */
struct agent *agent_new(struct event_base *base, const struct agent_config *cfg);

/* Stops the agent, leaving the datapath in place. Takes NULL; sets *ap to
 * NULL. */
void agent_destroy(struct agent **ap);

#endif
