/* agent.c - the agent's composition; see agent.h. */
#include "agent.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <linux/types.h>

#include "applier.h"
#include "fakedp.h"
#include "linkwatch.h"
#include "loader.h"
#include "trace.h"
#include "log.h"
#include "rtnl.h"
#include "sbclient.h"
#include "tenet_abi.h"

struct agent {
	struct loader *loader;	 /* the datapath, NULL with a fake one */
	struct fakedp *fake;	 /* --fake-datapath maps, else NULL */
	struct tracer *tracer;	 /* trace copy of the datapath, NULL until asked */
	struct linkwatch *links; /* interface names -> indexes */
	struct applier *applier; /* map writer */
	struct sbclient *sb;	 /* controller session, NULL until connected */
	struct event *ev_status; /* STATUS period (also activated on changes) */
	int port_stats_fd;	 /* tn_port_stats */
	int ncpus;		 /* possible CPUs, for percpu values */
};

static uint32_t agent_resolve(void *arg, const char *ifname)
{
	struct agent *ag = arg;

	if (!ag->links)
		return 0; /* fake datapath: no interfaces */
	return linkwatch_ifindex(ag->links, ifname);
}

static void agent_port_changed(void *arg, uint32_t port_id, const char *ifname, uint32_t ifindex)
{
	struct agent *ag = arg;
	int err;

	if (!ag->loader) {
		/* fake datapath: nothing to attach */
	} else if (ifindex) {
		/* refused for lo, the underlay and the tunnel (-EPERM): the port
		 * stays down in STATUS, which reads loader_port_attached */
		err = loader_attach_port(ag->loader, ifname, ifindex);
		if (err) {
			log_err("port attach failed port=%u ifname=%s err=%d", port_id, ifname,
				err);
			ifindex = 0; /* logged as down below */
		}
	} else if (ifname[0]) {
		err = loader_detach_port(ag->loader, ifname);
		if (err && err != -ENOENT)
			log_warn("port detach failed port=%u ifname=%s err=%d", port_id, ifname,
				 err);
	}
	log_info("port %s port=%u ifname=%s ifindex=%u", ifindex ? "up" : "down", port_id, ifname,
		 ifindex);
	event_active(ag->ev_status, EV_TIMEOUT, 0);
}

static void agent_on_links(void *arg)
{
	struct agent *ag = arg;

	applier_refresh_links(ag->applier);
}

static uint64_t agent_rev(void *arg)
{
	struct agent *ag = arg;

	return applier_rev(ag->applier);
}

static int agent_update(void *arg, const struct wire_msg *m)
{
	struct agent *ag = arg;

	if (m->type == WIRE_SNAPSHOT)
		return applier_snapshot(ag->applier, m->update.to, m->update.rows,
					m->update.n_rows);
	return applier_delta(ag->applier, m->update.from, m->update.to, m->update.rows,
			     m->update.n_rows);
}

static const char *agent_store_id(void *arg)
{
	struct agent *ag = arg;

	return applier_store_id(ag->applier);
}

static void agent_reset(void *arg, const char *store_id)
{
	struct agent *ag = arg;

	applier_reset(ag->applier, store_id);
}

static void agent_connected(void *arg)
{
	struct agent *ag = arg;

	event_active(ag->ev_status, EV_TIMEOUT, 0);
}

/* Status being assembled. */
struct agent_status {
	struct agent *ag;		/* the agent */
	struct wire_port_status *ports; /* entries */
	size_t n;			/* used */
	size_t cap;			/* allocated */
};

/* Sums the per-CPU counters at port slot slot into *p. */
static void agent_port_counters(struct agent *ag, uint32_t slot, struct wire_port_status *p)
{
	struct tn_port_stats *v;

	if (!slot || ag->port_stats_fd < 0 || ag->ncpus <= 0)
		return;
	v = calloc((size_t)ag->ncpus, sizeof(*v));
	if (!v)
		return;
	if (bpf_map_lookup_elem(ag->port_stats_fd, &slot, v) == 0) {
		for (int c = 0; c < ag->ncpus; c++) {
			p->rx_packets += v[c].rx_packets;
			p->tx_packets += v[c].tx_packets;
			p->drops += v[c].drops;
		}
	}
	free(v);
}

static void agent_status_port(void *arg, const struct applier_port *port)
{
	struct agent_status *st = arg;
	struct wire_port_status *p;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;

		p = realloc(st->ports, cap * sizeof(*p));
		if (!p)
			return;
		st->ports = p;
		st->cap = cap;
	}
	p = &st->ports[st->n++];
	memset(p, 0, sizeof(*p));
	p->port_id = port->port_id;
	p->up = st->ag->loader && loader_port_attached(st->ag->loader, port->ifname, port->ifindex);
	if (p->up)
		agent_port_counters(st->ag, port->slot, p);
}

static void agent_on_status(evutil_socket_t fd, short what, void *arg)
{
	struct agent_status st = {.ag = arg};

	if (!st.ag->sb)
		return;
	applier_port_foreach(st.ag->applier, agent_status_port, &st);
	sbclient_send_status(st.ag->sb, st.ports, st.n);
	free(st.ports);
}

/* What existed before this start, so that a failed start removes only
 * what it made. */
struct agent_before {
	bool bpffs_dir;	    /* the bpffs mount point existed */
	bool bpffs_mounted; /* a bpffs was mounted there */
	bool pins;	    /* <bpffs>/tenet/<host> existed (a restart) */
	bool tunnel;	    /* an interface named tunnel_dev existed */
	bool state_dir;	    /* the state directory existed */
};

static bool agent_is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static void agent_note_before(const struct agent_config *cfg, struct agent_before *b)
{
	char pins[PATH_MAX];

	snprintf(pins, sizeof(pins), "%s/tenet/%s", cfg->bpffs ? cfg->bpffs : "", cfg->host);
	*b = (struct agent_before){
	    .bpffs_dir = cfg->bpffs && access(cfg->bpffs, F_OK) == 0,
	    .bpffs_mounted = cfg->bpffs && agent_is_bpffs(cfg->bpffs),
	    .pins = access(pins, F_OK) == 0,
	    .tunnel = cfg->tunnel_dev && if_nametoindex(cfg->tunnel_dev) != 0,
	    .state_dir = access(cfg->state_dir, F_OK) == 0,
	};
}

/* Undoes a failed start: the pins and tunnel device it made, the bpffs it
 * mounted, the directories it created. A restart's datapath (pins that
 * existed) stays, forwarding as before. */
static void agent_undo(const struct agent_config *cfg, const struct agent_before *b)
{
	if (!cfg->fake_datapath && !b->pins)
		loader_remove(cfg->bpffs, cfg->host, b->tunnel ? NULL : cfg->tunnel_dev);
	if (!cfg->fake_datapath && !b->bpffs_mounted && agent_is_bpffs(cfg->bpffs)) {
		if (umount(cfg->bpffs))
			log_warn("cannot unmount bpffs path=%s errno=%d", cfg->bpffs, errno);
		else
			log_info("unmounted bpffs path=%s", cfg->bpffs);
	}
	if (!cfg->fake_datapath && !b->bpffs_dir)
		rmdir(cfg->bpffs);
	if (!b->state_dir)
		rmdir(cfg->state_dir); /* only if empty */
}

/* Checks the underlay before anything is loaded: it must exist, carry an
 * IPv4 address (the tunnels' source) and an MTU with room for the overlay. */
static int agent_check_underlay(const char *iface)
{
	uint32_t mtu = 0, ip4;
	int err;

	err = rtnl_link_mtu(iface, &mtu);
	if (err) {
		log_err("no underlay interface iface=%s err=%d (give --underlay the host's "
			"interface on the underlay network)",
			iface, err);
		return err;
	}
	if (mtu <= TN_OVERHEAD + 68) {
		log_err("underlay MTU too small iface=%s mtu=%u (need more than %u)", iface, mtu,
			TN_OVERHEAD + 68);
		return -EINVAL;
	}
	err = rtnl_link_ip4(iface, &ip4);
	if (err)
		log_err("underlay has no IPv4 address iface=%s err=%d", iface, err);
	return err;
}

/* --fake-datapath: private maps and the applier, nothing else. */
static int agent_start_fake(struct agent *ag, const char *rev_path, const struct applier_ops *ops)
{
	struct applier_maps maps;

	ag->fake = fakedp_new();
	if (!ag->fake)
		return -EIO;
	fakedp_map_fds(ag->fake, &maps);
	ag->applier = applier_new(&maps, rev_path, false, ops);
	return ag->applier ? 0 : -EIO;
}

/* Starts the datapath side: loader, link monitor, applier. */
static int agent_start_datapath(struct agent *ag, struct event_base *base,
				const struct agent_config *cfg)
{
	struct loader_config lc = {.host = cfg->host,
				   .bpffs = cfg->bpffs,
				   .tunnel_dev = cfg->tunnel_dev,
				   .underlay = cfg->underlay};
	struct applier_ops ops = {
	    .resolve = agent_resolve, .port_changed = agent_port_changed, .arg = ag};
	struct applier_maps maps;
	char rev_path[PATH_MAX];

	if (snprintf(rev_path, sizeof(rev_path), "%s/%s.rev", cfg->state_dir, cfg->host) >=
	    (int)sizeof(rev_path))
		return -ENAMETOOLONG;
	if (!cfg->fake_datapath && agent_check_underlay(cfg->underlay))
		return -EINVAL;
	if (mkdir(cfg->state_dir, 0700) && errno != EEXIST) {
		log_err("cannot create state dir path=%s errno=%d", cfg->state_dir, errno);
		return -errno;
	}
	if (cfg->fake_datapath)
		return agent_start_fake(ag, rev_path, &ops);
	if (!cfg->bpffs || !cfg->tunnel_dev || !cfg->underlay)
		return -EINVAL;
	ag->loader = loader_new(&lc);
	if (!ag->loader)
		return -EIO;
	loader_map_fds(ag->loader, &maps);
	ag->port_stats_fd = maps.fd[TN_MAP_PORT_STATS];
	ag->links = linkwatch_new(base, agent_on_links, ag);
	if (!ag->links)
		return -EIO;
	ag->applier = applier_new(&maps, rev_path, !loader_fresh(ag->loader), &ops);
	if (!ag->applier)
		return -EIO;
	return applier_refresh_links(ag->applier); /* attaches existing ports */
}

/* sbclient trace: runs the request through the tracer (created on the
 * first request; a fake datapath has no programs to trace). */
static int agent_trace(void *arg, const struct wire_trace_req *req, struct wire_trace_reply *out)
{
	struct agent *ag = arg;

	if (!ag->loader) {
		memset(out, 0, sizeof(*out));
		out->id = req->id;
		out->err = EOPNOTSUPP;
		return -EOPNOTSUPP;
	}
	if (!ag->tracer)
		ag->tracer = tracer_new(loader_pin_dir(ag->loader));
	return tracer_run(ag->tracer, req, out);
}

struct agent *agent_new(struct event_base *base, const struct agent_config *cfg)
{
	struct sbclient_config sc = {0};
	struct sbclient_ops so = {.rev = agent_rev,
				  .update = agent_update,
				  .connected = agent_connected,
				  .store_id = agent_store_id,
				  .reset = agent_reset,
				  .trace = agent_trace};
	int ms = cfg && cfg->status_ms > 0 ? cfg->status_ms : 2000;
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	struct agent_before before;
	struct agent *ag;

	if (!base || !cfg || !cfg->host || !cfg->state_dir)
		return NULL;
	agent_note_before(cfg, &before);
	ag = calloc(1, sizeof(*ag));
	if (!ag)
		return NULL;
	ag->port_stats_fd = -1;
	ag->ncpus = libbpf_num_possible_cpus();
	ag->ev_status = event_new(base, -1, EV_PERSIST, agent_on_status, ag);
	if (!ag->ev_status || event_add(ag->ev_status, &tv))
		goto out_free;
	if (agent_start_datapath(ag, base, cfg))
		goto out_free;
	sc.endpoint = cfg->endpoint;
	sc.host = cfg->host;
	sc.cert = cfg->cert;
	sc.server_key = cfg->server_key;
	so.arg = ag;
	ag->sb = sbclient_new(base, &sc, &so);
	if (!ag->sb)
		goto out_free;
	log_info("agent started host=%s rev=%" PRIu64, cfg->host, applier_rev(ag->applier));
	return ag;
out_free:
	log_err("agent start failed host=%s", cfg->host);
	agent_destroy(&ag);
	agent_undo(cfg, &before);
	return NULL;
}

void agent_destroy(struct agent **ap)
{
	struct agent *ag;

	if (!ap || !*ap)
		return;
	ag = *ap;
	sbclient_destroy(&ag->sb);
	applier_destroy(&ag->applier);
	linkwatch_destroy(&ag->links);
	tracer_destroy(&ag->tracer);
	loader_destroy(&ag->loader);
	fakedp_destroy(&ag->fake);
	if (ag->ev_status)
		event_free(ag->ev_status);
	free(ag);
	*ap = NULL;
}
