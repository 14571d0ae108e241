/* topo_delta.h - which hosts a set of topology changes can affect, for the
 * publishing layer's incremental recompiling (publish.c).
 *
 * store_update_topology reports each topology entry it reloaded, before
 * and after (topo_delta_note is its callback). A host's rows (compiler.h)
 * depend on: every enrolled host (PEER rows), the ports of the networks it
 * has ports in and of the networks routed with those, and the subnets and
 * routers of all of them. So a host change affects every host; a port or
 * network change affects the hosts with ports in that network or in a
 * network routed with it (before or after the change, so with the port's
 * old and new binding hosts) if it is bound before or after (an unbound
 * port is realised nowhere); a subnet, router or router interface change
 * affects every host (they change rarely, and one can join or split
 * routing domains). Security groups (topo_sg, reported when a group or
 * one of its rules changed): a host's policy rows depend on the groups of
 * its ports' identities, on their rules and, through remote-group rules,
 * on which identities hold the remote group; so a changed group affects
 * the hosts with a port in it, and an identity that comes or goes (its
 * first port takes it, or its last leaves it; bound or not: identities of
 * unbound ports are expanded too) affects the hosts with a port in a group
 * that has a rule naming one of its groups as remote group. A port taking
 * or leaving an identity other ports hold changes no other host's policy
 * rows (an identity stands for its tenant's set of groups, whichever ports
 * hold it): a new port in the default group touches its network's hosts,
 * not the tenant's. Every other host would compile to the same rows. Main
 * thread only.
 */
#ifndef TENET_TOPO_DELTA_H
#define TENET_TOPO_DELTA_H

#include <stdbool.h>

#include <czmq.h>

#include "topology.h"
#include "model.h"

/* A host reloaded: its key before and after ("" when absent then). */
struct topo_delta_host {
	char name[TOPO_HOST_MAX]; /* host name */
	char old_key[41];	  /* Z85 public key before, "" if it did not exist */
	char key[41];		  /* Z85 public key after, "" if it is gone */
};

/* A port reloaded: its binding host before and after ("" when unbound or
 * absent then). */
struct topo_delta_port {
	uint32_t port_key;	      /* the port's number */
	char old_host[TOPO_HOST_MAX]; /* binding host before */
	char host[TOPO_HOST_MAX];     /* binding host after */
};

struct topo_delta {
	zhashx_t *nets;		      /* ids of the networks touched (value unused) */
	zhashx_t *hosts;	      /* names of the hosts affected (value unused) */
	zhashx_t *sgs;		      /* ids of the security groups changed */
	zhashx_t *members;	      /* ids of the groups some identity came or went with */
	zhashx_t *idents;	      /* identities some port took or left: decimal
				       * identity -> struct topo_delta_ident */
	bool all;		      /* every host is affected */
	bool lost;		      /* the changes below are incomplete (a whole
				       * reload, or no memory): rebuild from t */
	struct topo_delta_host *hchg; /* hosts reloaded, in log order */
	size_t n_hchg, cap_hchg;      /* used and allocated entries of hchg */
	struct topo_delta_port *pchg; /* ports reloaded, in log order */
	size_t n_pchg, cap_pchg;      /* used and allocated entries of pchg */
};

/* Empties *d, ready for topo_delta_note. Returns 0; -ENOMEM (then d->all
 * and d->lost are set, which is still correct: everything is affected). */
int topo_delta_init(struct topo_delta *d);

/* Frees what d holds. */
void topo_delta_release(struct topo_delta *d);

/* store_topo_cb (store.h): notes one reloaded entry (arg is the delta),
 * and for hosts and ports what the southbound's key and port indexes need.
 * Running out of memory sets all and lost. */
void topo_delta_note(void *arg, enum model_kind kind, const void *old, const void *cur);

/* Adds the hosts with ports in the touched networks of t (the topology
 * after the changes), and in the networks routed with them (a router of t
 * has interfaces on both: such hosts get the touched network's rows to
 * route into it); call once after the last note. */
void topo_delta_close(struct topo_delta *d, const struct topology *t);

/* True if host's rows may have changed. */
bool topo_delta_affects(const struct topo_delta *d, const char *host);

#endif
