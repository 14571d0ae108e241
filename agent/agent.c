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
#include <time.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <linux/types.h>

#include "abi_maps.h"
#include "applier.h"
#include "dropstats.h"
#include "fakedp.h"
#include "linkwatch.h"
#include "nhwatch.h"
#include "loader.h"
#include "rasend.h"
#include "trace.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "monitor.h"
#include "reasons.h"
#include "rtnl.h"
#include "sbclient.h"
#include "sgmaps.h"
#include "tenet_abi.h"
#include "tenet_xdp.h"

struct agent {
	struct loader *loader;	 /* the datapath, NULL with a fake one */
	struct fakedp *fake;	 /* --fake-datapath maps, else NULL */
	struct tracer *tracer;	 /* trace copy of the datapath, NULL until asked */
	struct monitor *monitor; /* drop monitor, NULL with a fake datapath */
	struct linkwatch *links; /* interface names -> indexes */
	struct nhwatch *nh;	 /* back end (b)'s next hops, NULL with (a) */
	struct rasend *ra;	 /* unsolicited router advertisements, NULL with a fake datapath */
	struct applier *applier; /* map writer */
	struct sbclient *sb;	 /* controller session, NULL until connected */
	struct event *ev_status; /* STATUS period (also activated on changes) */
	int port_stats_fd;	 /* tn_port_stats */
	int port_drops_fd;	 /* tn_port_drops */
	int stats_fd;		 /* tn_stats */
	int ncpus;		 /* possible CPUs, for percpu values */
	struct applier_maps maps; /* the datapath's maps (fds borrowed) */
	struct metrics *metrics;  /* /metrics listener, NULL when off */
	struct prom_hist apply;	  /* time to apply a snapshot or delta */
	uint64_t apply_errors;	  /* snapshots and deltas that failed */
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
		} else {
			rasend_kick(ag->ra);
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

static void agent_on_links(void *arg, const char *const *names, size_t n)
{
	struct agent *ag = arg;

	applier_links_changed(ag->applier, names, n);
}

static uint64_t agent_rev(void *arg)
{
	struct agent *ag = arg;

	return applier_rev(ag->applier);
}

static int agent_update(void *arg, const struct wire_msg *m)
{
	struct agent *ag = arg;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (m->type == WIRE_SNAPSHOT)
		rc = applier_snapshot_refs(ag->applier, m->update.to, m->update.refs,
					   m->update.n_rows);
	else
		rc = applier_delta_refs(ag->applier, m->update.from, m->update.to, m->update.refs,
					m->update.n_rows);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	prom_hist_observe(&ag->apply, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
						 (t1.tv_nsec - t0.tv_nsec) / 1000));
	ag->apply_errors += rc < 0;
	if (rc == 0 && m->update.n_rows)
		rasend_kick(ag->ra); /* RA rows may have changed */
	return rc;
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
	struct dropstats *drops;	/* drop counters read for this report */
	struct sgmaps_flows *flows;	/* security group counters read for it */
	struct migrate_gens *gens;	/* migration generations activated here */
	struct wire_port_status *ports; /* entries */
	size_t n;			/* used */
	size_t cap;			/* allocated */
	char (*ifnames)[16];		/* ports[i]'s interface (for /metrics) */
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
			p->rx_bytes += v[c].rx_bytes;
			p->tx_bytes += v[c].tx_bytes;
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
		char(*names)[16];

		p = realloc(st->ports, cap * sizeof(*p));
		if (!p)
			return;
		st->ports = p;
		names = realloc(st->ifnames, cap * sizeof(*names));
		if (!names)
			return;
		st->ifnames = names;
		st->cap = cap;
	}
	snprintf(st->ifnames[st->n], sizeof(st->ifnames[st->n]), "%s", port->ifname);
	p = &st->ports[st->n++];
	memset(p, 0, sizeof(*p));
	p->port_id = port->port_id;
	p->up = st->ag->loader && loader_port_attached(st->ag->loader, port->ifname, port->ifindex);
	p->mig_gen = migrate_gens_get(st->gens, port->port_id);
	if (p->up) {
		agent_port_counters(st->ag, port->slot, p);
		dropstats_port(st->drops, port->slot, p);
		sgmaps_flows_port(st->flows, port->slot, p);
	}
}

/* Reads the drop counters and every bound port's state into st, as a
 * STATUS reports them (and /metrics shows them). */
static void agent_status_read(struct agent *ag, struct agent_status *st)
{
	*st = (struct agent_status){.ag = ag};
	st->drops = dropstats_read(ag->port_drops_fd, ag->stats_fd, ag->ncpus);
	st->flows = sgmaps_flows_read(ag->maps.fd[TN_MAP_SG_STATS], ag->ncpus);
	st->gens = migrate_gens_read(ag->maps.fd[TN_MAP_MIG_ACTIVE]);
	applier_port_foreach(ag->applier, agent_status_port, st);
}

static void agent_status_release(struct agent_status *st)
{
	dropstats_destroy(&st->drops);
	sgmaps_flows_destroy(&st->flows);
	migrate_gens_destroy(&st->gens);
	free(st->ports);
	free(st->ifnames);
}

static void agent_on_status(evutil_socket_t fd, short what, void *arg)
{
	struct agent *ag = arg;
	struct agent_status st;
	uint64_t host[WIRE_HOST_STATS];
	uint32_t n_host;

	if (!ag->sb)
		return;
	agent_status_read(ag, &st);
	n_host = dropstats_host(st.drops, host, WIRE_HOST_STATS);
	sbclient_send_status_host(ag->sb, st.ports, st.n, host, n_host);
	agent_status_release(&st);
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
	ag->maps = maps;
	ag->applier = applier_new(&maps, rev_path, false, ops);
	return ag->applier ? 0 : -EIO;
}

/* monitor send: a batch of drop events to the controller. */
static int agent_monitor_send(void *arg, const struct wire_monitor_events *ev)
{
	struct agent *ag = arg;

	return ag->sb ? sbclient_send_events(ag->sb, ev) : -ENOTCONN;
}

/* monitor migrations: the datapath activated a port here; the controller
 * hears it at once (a lost send is made good by STATUS's mig_gen). */
static void agent_mig_event(void *arg, const struct wire_mig_event *ev)
{
	struct agent *ag = arg;
	int err = ag->sb ? sbclient_send_mig_event(ag->sb, ev) : -ENOTCONN;

	log_info("port activated port=%u gen=%u sent=%s", ev->port_id, ev->generation,
		 err ? "no" : "yes");
}

/* The drop monitor over the loaded datapath's maps, also reading the
 * migration activations. */
static int agent_start_monitor(struct agent *ag, struct event_base *base)
{
	int cfg_fd, ring_fd;

	if (loader_monitor_fds(ag->loader, &cfg_fd, &ring_fd))
		return -ENOENT;
	ag->monitor = monitor_new(base, cfg_fd, ring_fd, agent_monitor_send, ag);
	if (!ag->monitor)
		return -EIO;
	return monitor_watch_migrations(ag->monitor, agent_mig_event, ag) ? -EIO : 0;
}

/* Starts the datapath side: loader, link monitor, applier. */
static int agent_start_datapath(struct agent *ag, struct event_base *base,
				const struct agent_config *cfg)
{
	struct loader_config lc = {.host = cfg->host,
				   .bpffs = cfg->bpffs,
				   .tunnel_dev = cfg->tunnel_dev,
				   .underlay = cfg->underlay,
				   .encap_bpf = cfg->encap_bpf,
				   .decap = cfg->decap};
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
	ag->maps = maps;
	ag->port_stats_fd = maps.fd[TN_MAP_PORT_STATS];
	ag->port_drops_fd = maps.fd[TN_MAP_PORT_DROPS];
	ag->stats_fd = maps.fd[TN_MAP_STATS];
	ag->links = linkwatch_new(base, agent_on_links, ag);
	if (!ag->links)
		return -EIO;
	if (cfg->encap_bpf) {
		ag->nh = nhwatch_new(base, maps.fd[TN_MAP_NH], loader_underlay_ifindex(ag->loader));
		if (!ag->nh)
			return -EIO;
	}
	if (agent_start_monitor(ag, base))
		return -EIO;
	ag->ra = rasend_new(base, maps.fd[TN_MAP_IFINDEX], maps.fd[TN_MAP_RA], cfg->ra_interval);
	if (!ag->ra)
		return -EIO;
	ag->applier = applier_new(&maps, rev_path, !loader_fresh(ag->loader), &ops);
	if (!ag->applier)
		return -EIO;
	return applier_refresh_links(ag->applier); /* attaches existing ports */
}

/* Entries in map fd (at most its max_entries), and that maximum. */
static void agent_map_fill(int fd, uint64_t *used, uint64_t *max)
{
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);
	uint8_t key[64], next[64];
	void *prev = NULL;

	*used = *max = 0;
	if (fd < 0 || bpf_map_get_info_by_fd(fd, &info, &len) < 0 || info.key_size > sizeof(key))
		return;
	*max = info.max_entries;
	if (info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		*used = info.max_entries; /* arrays are always full */
		return;
	}
	while (*used < *max && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, info.key_size);
		prev = key;
		(*used)++;
	}
}

/* One port's families. */
static int agent_metrics_port(struct prom *p, const struct wire_port_status *ps,
			      const char *ifname)
{
	char id[16];
	int rc;

	snprintf(id, sizeof(id), "%u", ps->port_id);
	rc = prom_sample(p, "tenet_agent_port_up", ps->up ? 1.0 : 0.0, "port", id, "ifname",
			 ifname, NULL);
	rc = rc ?: prom_sample(p, "tenet_agent_port_packets_total", (double)ps->rx_packets,
			       "port", id, "dir", "from_port", NULL);
	rc = rc ?: prom_sample(p, "tenet_agent_port_packets_total", (double)ps->tx_packets,
			       "port", id, "dir", "to_port", NULL);
	rc = rc ?: prom_sample(p, "tenet_agent_port_bytes_total", (double)ps->rx_bytes, "port",
			       id, "dir", "from_port", NULL);
	rc = rc ?: prom_sample(p, "tenet_agent_port_bytes_total", (double)ps->tx_bytes, "port",
			       id, "dir", "to_port", NULL);
	for (uint32_t i = 0; i < ps->n_reasons && rc == 0; i++)
		rc = prom_sample(p, "tenet_agent_port_drops_total", (double)ps->reasons[i].count,
				 "port", id, "reason", reasons_name(ps->reasons[i].reason) ?: "?",
				 NULL);
	return rc;
}

/* The ports' families, from the same reading a STATUS sends. */
static int agent_metrics_ports(struct agent *ag, struct prom *p, struct agent_status *st)
{
	int rc;

	rc = prom_family(p, "tenet_agent_port_up", "gauge",
			 "1 if the port's interface exists and the datapath is attached");
	rc = rc ?: prom_family(p, "tenet_agent_port_packets_total", "counter",
			       "Packets of each local port (port = port key)");
	rc = rc ?: prom_family(p, "tenet_agent_port_bytes_total", "counter",
			       "Bytes of each local port");
	rc = rc ?: prom_family(p, "tenet_agent_port_drops_total", "counter",
			       "Drops of packets from each local port, by reason (its largest)");
	for (size_t i = 0; i < st->n && rc == 0; i++)
		rc = agent_metrics_port(p, &st->ports[i], st->ifnames[i]);
	return rc;
}

/* The host's counters (tn_stats) by name. */
static int agent_metrics_host(struct prom *p, struct dropstats *ds)
{
	uint64_t host[WIRE_HOST_STATS];
	uint32_t n = dropstats_host(ds, host, WIRE_HOST_STATS);
	int rc;

	rc = prom_family(p, "tenet_agent_packets_total", "counter",
			 "The datapath's packet counters of this host, by what happened");
	for (uint32_t i = 0; i < n && rc == 0; i++)
		if (!reasons_is_drop(i))
			rc = prom_sample(p, "tenet_agent_packets_total", (double)host[i], "counter",
					 reasons_name(i), NULL);
	rc = rc ?: prom_family(p, "tenet_agent_drops_total", "counter",
			       "Packets this host's datapath dropped, by reason");
	for (uint32_t i = 0; i < n && rc == 0; i++)
		if (reasons_is_drop(i))
			rc = prom_sample(p, "tenet_agent_drops_total", (double)host[i], "reason",
					 reasons_name(i), NULL);
	return rc;
}

/* Where back end (b) decapsulates, and the XDP program's verdicts (none
 * with a fake datapath). */
static int agent_metrics_decap(struct agent *ag, struct prom *p)
{
	static const char *const results[TN_XDP_STAT_MAX] = {
	    [TN_XDP_DECAP] = "decap", [TN_XDP_NOT_OURS] = "not_ours", [TN_XDP_TO_TC] = "to_tc"};
	static const enum loader_decap modes[] = {LOADER_DECAP_TC, LOADER_DECAP_XDP,
						  LOADER_DECAP_DEVICE};
	enum loader_decap mode = loader_decap_mode(ag->loader);
	uint64_t xdp[TN_XDP_STAT_MAX];
	int rc;

	if (!ag->loader)
		return 0;
	rc = prom_family(p, "tenet_agent_decap_mode", "gauge",
			 "1 for where this host decapsulates VXLAN: xdp (before GRO, then tc), tc, "
			 "or device (back end a)");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]) && rc == 0; i++)
		rc = prom_sample(p, "tenet_agent_decap_mode", modes[i] == mode ? 1.0 : 0.0, "mode",
				 loader_decap_name(modes[i]), NULL);
	if (rc || loader_xdp_stats(ag->loader, xdp, TN_XDP_STAT_MAX))
		return rc;
	rc = prom_family(p, "tenet_agent_xdp_packets_total", "counter",
			 "Packets the underlay's XDP program saw since the datapath was loaded, by "
			 "verdict");
	for (uint32_t i = 0; i < TN_XDP_STAT_MAX && rc == 0; i++)
		rc = prom_sample(p, "tenet_agent_xdp_packets_total", (double)xdp[i], "result",
				 results[i], NULL);
	return rc;
}

/* The drop monitor's state (all zero with a fake datapath). */
static int agent_metrics_monitor(struct agent *ag, struct prom *p)
{
	struct monitor_stats ms;
	int rc;

	monitor_get_stats(ag->monitor, &ms);
	rc = prom_family(p, "tenet_agent_monitor_on", "gauge",
			 "1 while the drop monitor emits events (tenetctl monitor)");
	rc = rc ?: prom_sample(p, "tenet_agent_monitor_on", ms.on ? 1.0 : 0.0, NULL);
	rc = rc ?: prom_family(p, "tenet_agent_monitor_sessions_total", "counter",
			       "Times the drop monitor was turned on");
	rc = rc ?: prom_sample(p, "tenet_agent_monitor_sessions_total", (double)ms.sessions, NULL);
	rc = rc ?: prom_family(p, "tenet_agent_monitor_events_total", "counter",
			       "Drop events sent to the controller, or lost (rate limits, a full ring, a failed send)");
	rc = rc ?: prom_sample(p, "tenet_agent_monitor_events_total", (double)ms.events_sent,
			       "result", "sent", NULL);
	rc = rc ?: prom_sample(p, "tenet_agent_monitor_events_total", (double)ms.events_lost,
			       "result", "lost", NULL);
	return rc;
}

/* The tables' fill, the applier's state and the apply time. */
static int agent_metrics_state(struct agent *ag, struct prom *p)
{
	uint64_t rows, errors, used, max;
	int rc;

	applier_get_stats(ag->applier, &rows, &errors);
	rc = prom_family(p, "tenet_agent_applied_revision", "gauge",
			 "Last revision this host applied");
	rc = rc ?: prom_sample(p, "tenet_agent_applied_revision",
			       (double)applier_rev(ag->applier), NULL);
	rc = rc ?: prom_family(p, "tenet_agent_rows_applied_total", "counter",
			       "Map rows written from snapshots and deltas");
	rc = rc ?: prom_sample(p, "tenet_agent_rows_applied_total", (double)rows, NULL);
	rc = rc ?: prom_family(p, "tenet_agent_map_write_errors_total", "counter",
			       "Map writes that failed (a map full, or the kernel refused)");
	rc = rc ?: prom_sample(p, "tenet_agent_map_write_errors_total", (double)errors, NULL);
	rc = rc ?: prom_family(p, "tenet_agent_revision_save_errors_total", "counter",
			       "Revision state file writes that failed (applied, not acked)");
	rc = rc ?: prom_sample(p, "tenet_agent_revision_save_errors_total",
			       (double)applier_rev_save_errors(ag->applier), NULL);
	rc = rc ?: prom_family(p, "tenet_agent_apply_duration_seconds", "histogram",
			       "Time to apply one snapshot or delta to the maps");
	rc = rc ?: prom_hist_emit(p, "tenet_agent_apply_duration_seconds", &ag->apply, NULL);
	rc = rc ?: agent_metrics_monitor(ag, p);
	rc = rc ?: agent_metrics_decap(ag, p);
	rc = rc ?: prom_family(p, "tenet_agent_map_entries", "gauge",
			       "Entries in each datapath table");
	rc = rc ?: prom_family(p, "tenet_agent_map_max_entries", "gauge",
			       "Capacity of each datapath table");
	for (unsigned m = TN_MAP_FIRST; m < TN_MAP_MAX && rc == 0; m++) {
		const struct tn_map_desc *d = tn_map_desc(m);

		/* the hash tables: the arrays are always full */
		if (ag->maps.fd[m] < 0 || (d->type != BPF_MAP_TYPE_HASH &&
					   d->type != BPF_MAP_TYPE_PERCPU_HASH))
			continue;
		agent_map_fill(ag->maps.fd[m], &used, &max);
		rc = prom_sample(p, "tenet_agent_map_entries", (double)used, "map", d->name, NULL);
		rc = rc ?: prom_sample(p, "tenet_agent_map_max_entries", (double)max, "map",
				       d->name, NULL);
	}
	return rc;
}

static int agent_metrics_fill(void *arg, struct prom *p)
{
	struct agent *ag = arg;
	struct agent_status st;
	int rc;

	agent_status_read(ag, &st);
	rc = agent_metrics_state(ag, p);
	rc = rc ?: agent_metrics_host(p, st.drops);
	rc = rc ?: agent_metrics_ports(ag, p, &st);
	agent_status_release(&st);
	return rc;
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

/* sbclient monitor: applies a MONITOR (a fake datapath has no events). */
static int agent_monitor(void *arg, const struct wire_monitor *req)
{
	struct agent *ag = arg;

	if (!ag->monitor)
		return -EOPNOTSUPP;
	return monitor_set(ag->monitor, req);
}

/* The datapath's clock (bpf_ktime_get_ns). */
static uint64_t agent_dp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* migrate_ct_export's send: one CT_STATE to the controller. */
static int agent_ct_send(void *arg, const struct wire_ct_state *st)
{
	struct agent *ag = arg;

	return ag->sb ? sbclient_send_ct_state(ag->sb, st) : -ENOTCONN;
}

/* sbclient ct_export: the port's tracked connections (none with a fake
 * datapath, which tracks nothing). */
static int agent_ct_export(void *arg, const struct wire_ct_export *req)
{
	struct agent *ag = arg;
	long n =
	    migrate_ct_export(ag->maps.fd[TN_MAP_CT], req, agent_dp_now_ns(), agent_ct_send, ag);

	if (n < 0)
		return (int)n;
	log_info("conntrack exported port=%u gen=%u final=%d entries=%ld", req->port_id,
		 req->generation, req->final, n);
	return 0;
}

/* sbclient ct_import: a migrating port's connections, relayed by the
 * controller; only for a port this host has (bound, or with a migration
 * row), and only with a datapath. */
static int agent_ct_import(void *arg, const struct wire_ct_state *st)
{
	struct agent *ag = arg;
	uint8_t val[sizeof(struct tn_lport)];
	long n, kept = 0;
	__u32 key = st->port_id;

	if (ag->maps.fd[TN_MAP_CT] < 0)
		return -EOPNOTSUPP;
	if (bpf_map_lookup_elem(ag->maps.fd[TN_MAP_MIGRATE], &key, val) &&
	    bpf_map_lookup_elem(ag->maps.fd[TN_MAP_LPORT], &key, val))
		return -ENOENT;
	n = migrate_ct_import(ag->maps.fd[TN_MAP_CT], st, agent_dp_now_ns(), &kept);
	if (n < 0)
		return (int)n;
	log_info("conntrack imported port=%u gen=%u final=%d more=%d written=%ld kept=%ld",
		 st->port_id, st->generation, st->final, st->more, n, kept);
	return 0;
}

struct agent *agent_new(struct event_base *base, const struct agent_config *cfg)
{
	struct sbclient_config sc = {0};
	struct sbclient_ops so = {.rev = agent_rev,
				  .update = agent_update,
				  .connected = agent_connected,
				  .store_id = agent_store_id,
				  .reset = agent_reset,
				  .trace = agent_trace,
				  .monitor = agent_monitor,
				  .ct_export = agent_ct_export,
				  .ct_import = agent_ct_import};
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
	ag->port_drops_fd = -1;
	ag->stats_fd = -1;
	for (size_t i = 0; i < sizeof(ag->maps.fd) / sizeof(ag->maps.fd[0]); i++)
		ag->maps.fd[i] = -1;
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
	/* every datapath carries both overlays (Geneve always in BPF, VXLAN by
	 * either back end); a fake one has no MTU to tell. The decoder takes
	 * trimmed values. */
	sc.caps = WIRE_CAP_VXLAN | WIRE_CAP_GENEVE | WIRE_CAP_TRIM;
	sc.overlay_mtu = ag->loader ? loader_port_mtu(ag->loader) : 0;
	sc.abi = TN_ABI_VERSION;
	so.arg = ag;
	ag->sb = sbclient_new(base, &sc, &so);
	if (!ag->sb)
		goto out_free;
	/* metrics are for operators: an address in use costs them, not the
	 * datapath (logged) */
	if (cfg->metrics_listen && cfg->metrics_listen[0])
		ag->metrics = metrics_new(base, cfg->metrics_listen, agent_metrics_fill, ag);
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
	metrics_destroy(&ag->metrics);
	sbclient_destroy(&ag->sb);
	applier_destroy(&ag->applier);
	linkwatch_destroy(&ag->links);
	nhwatch_destroy(&ag->nh);
	rasend_destroy(&ag->ra);
	tracer_destroy(&ag->tracer);
	monitor_destroy(&ag->monitor);
	loader_destroy(&ag->loader);
	fakedp_destroy(&ag->fake);
	if (ag->ev_status)
		event_free(ag->ev_status);
	free(ag);
	*ap = NULL;
}
