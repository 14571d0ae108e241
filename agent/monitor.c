/* monitor.c - the drop monitor's ring buffer reader; see monitor.h. */
#include "monitor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "log.h"
#include "migrate.h"
#include "tenet_abi.h"

struct monitor {
	struct event_base *base;	  /* the agent's loop (borrowed) */
	int config_fd;			  /* tn_monitor (borrowed) */
	int ring_fd;			  /* tn_events (borrowed) */
	monitor_send_fn send;		  /* where batches go */
	void *arg;			  /* send's argument */
	struct ring_buffer *rb;		  /* reader of tn_events, NULL until first on */
	struct event *ev_ring;		  /* rb's epoll fd, added while on */
	struct event *ev_timeout;	  /* turns it off when not renewed */
	bool on;			  /* emission on */
	bool discard;			  /* consuming only to empty the ring */
	uint32_t id;			  /* the MONITOR whose events these are */
	int64_t rt_offset;		  /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	uint64_t second;		  /* CLOCK_MONOTONIC second of the rate cap */
	uint32_t in_second;		  /* events sent in it */
	uint64_t lost;			  /* lost since the last event sent */
	struct wire_monitor_events batch; /* being filled */
	monitor_mig_fn mig;		  /* activations go here, NULL: not watched */
	void *mig_arg;			  /* mig's argument */
	struct monitor_stats stats;	  /* counters */
};

static int64_t monitor_clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writes tn_monitor: on with port_id, or off. */
static int monitor_write(struct monitor *m, bool on, uint32_t port_id)
{
	struct tn_monitor cfg = {
	    .on = on, .port_id = on ? port_id : 0, .sample = 1, .burst = TN_MON_BURST};
	__u32 key = 0;

	if (bpf_map_update_elem(m->config_fd, &key, &cfg, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Sends the batch being filled, if it holds events. */
static void monitor_flush(struct monitor *m)
{
	uint32_t n = m->batch.n;

	if (!n)
		return;
	m->batch.id = m->id;
	m->batch.err = 0;
	if (m->send(m->arg, &m->batch) == 0) {
		m->stats.events_sent += n;
	} else {
		m->stats.events_lost += n;
		m->lost += n;
	}
	m->batch.n = 0;
}

/* ring_buffer__consume callback: one event into the batch. */
static int monitor_on_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	struct tn_drop_event ev;
	struct wire_mig_event mev;
	uint64_t sec;

	if (size == sizeof(struct tn_mig_event)) {
		if (m->mig && migrate_event_decode(data, size, m->rt_offset, &mev) == 0)
			m->mig(m->mig_arg, &mev);
		return 0;
	}
	if (m->discard || !m->on || size != sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	m->stats.events_lost += ev.lost;
	m->lost += ev.lost;
	sec = (uint64_t)monitor_clock_ns(CLOCK_MONOTONIC) / 1000000000;
	if (sec != m->second) {
		m->second = sec;
		m->in_second = 0;
	}
	if (m->in_second >= MONITOR_MAX_PER_S) {
		m->stats.events_lost++;
		m->lost++;
		return 0;
	}
	m->in_second++;
	ev.ts_ns = (__u64)((int64_t)ev.ts_ns + m->rt_offset);
	ev.lost = m->lost > UINT32_MAX ? UINT32_MAX : (uint32_t)m->lost;
	m->lost = 0;
	memcpy(m->batch.ev[m->batch.n++], &ev, sizeof(ev));
	if (m->batch.n == WIRE_MONITOR_BATCH)
		monitor_flush(m);
	return 0;
}

static void monitor_on_ring(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	(void)fd;
	(void)what;
	m->rt_offset = monitor_clock_ns(CLOCK_REALTIME) - monitor_clock_ns(CLOCK_MONOTONIC);
	if (ring_buffer__consume(m->rb) < 0)
		log_warn("drop monitor ring read failed errno=%d", errno);
	monitor_flush(m);
}

/* Turns emission off, stops watching and empties the ring. */
static void monitor_off(struct monitor *m, const char *why)
{
	int err = monitor_write(m, false, 0);

	if (err)
		log_err("drop monitor cannot be turned off err=%d", err);
	evtimer_del(m->ev_timeout);
	if (m->ev_ring && !m->mig)
		event_del(m->ev_ring);
	if (m->rb) {
		m->discard = true;
		ring_buffer__consume(m->rb);
		m->discard = false;
	}
	m->batch.n = 0;
	m->lost = 0;
	if (m->on)
		log_info("drop monitor off id=%u reason=%s", m->id, why);
	m->on = false;
}

static void monitor_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	monitor_off(arg, "timeout");
}

/* Creates the ring buffer reader and its event (first time on). */
static int monitor_ring_open(struct monitor *m)
{
	if (m->rb)
		return 0;
	m->rb = ring_buffer__new(m->ring_fd, monitor_on_event, m, NULL);
	if (!m->rb)
		return -errno ? -errno : -EIO;
	m->ev_ring = event_new(m->base, ring_buffer__epoll_fd(m->rb), EV_READ | EV_PERSIST,
			       monitor_on_ring, m);
	if (!m->ev_ring) {
		ring_buffer__free(m->rb);
		m->rb = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Turns emission on (or renews it) for req. */
static int monitor_on(struct monitor *m, const struct wire_monitor *req)
{
	struct timeval tv = {.tv_sec = req->timeout_s};
	bool was_on = m->on;
	int err;

	err = monitor_ring_open(m);
	if (err) {
		log_err("drop monitor cannot read its ring buffer err=%d", err);
		return err;
	}
	if (!was_on) { /* drop events of an earlier session are stale */
		m->rt_offset = monitor_clock_ns(CLOCK_REALTIME) - monitor_clock_ns(CLOCK_MONOTONIC);
		m->discard = true;
		ring_buffer__consume(m->rb);
		m->discard = false;
	}
	if (event_add(m->ev_ring, NULL) || evtimer_add(m->ev_timeout, &tv)) {
		monitor_off(m, "error");
		return -ENOMEM;
	}
	if (req->id != m->id)
		monitor_flush(m); /* what was read belongs to the earlier id */
	m->id = req->id;
	err = monitor_write(m, true, req->port_id);
	if (err) {
		log_err("drop monitor cannot be turned on err=%d", err);
		monitor_off(m, "error");
		return err;
	}
	m->on = true;
	if (!was_on) {
		m->stats.sessions++;
		log_info("drop monitor on id=%u port=%u timeout_s=%u", req->id, req->port_id,
			 req->timeout_s);
	}
	return 0;
}

int monitor_set(struct monitor *m, const struct wire_monitor *req)
{
	if (!m || !req)
		return -EINVAL;
	if (!req->on) {
		monitor_off(m, "asked");
		return 0;
	}
	if (req->timeout_s < 1 || req->timeout_s > WIRE_MONITOR_MAX_S)
		return -EINVAL;
	return monitor_on(m, req);
}

struct monitor *monitor_new(struct event_base *base, int config_fd, int ring_fd,
			    monitor_send_fn send, void *arg)
{
	struct monitor *m;

	if (!base || config_fd < 0 || ring_fd < 0 || !send)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->base = base;
	m->config_fd = config_fd;
	m->ring_fd = ring_fd;
	m->send = send;
	m->arg = arg;
	m->ev_timeout = evtimer_new(base, monitor_on_timeout, m);
	if (!m->ev_timeout || monitor_write(m, false, 0)) {
		log_err("drop monitor setup failed");
		monitor_destroy(&m);
		return NULL;
	}
	return m;
}

void monitor_destroy(struct monitor **mp)
{
	struct monitor *m;

	if (!mp || !*mp)
		return;
	m = *mp;
	if (m->ev_timeout)
		monitor_off(m, "agent stopping");
	if (m->ev_ring)
		event_free(m->ev_ring);
	if (m->ev_timeout)
		event_free(m->ev_timeout);
	ring_buffer__free(m->rb);
	free(m);
	*mp = NULL;
}

int monitor_watch_migrations(struct monitor *m, monitor_mig_fn fn, void *arg)
{
	int err;

	if (!m || !fn)
		return -EINVAL;
	err = monitor_ring_open(m);
	if (err) {
		log_err("migration events cannot be read err=%d", err);
		return err;
	}
	m->mig = fn;
	m->mig_arg = arg;
	m->rt_offset = monitor_clock_ns(CLOCK_REALTIME) - monitor_clock_ns(CLOCK_MONOTONIC);
	return event_add(m->ev_ring, NULL) ? -ENOMEM : 0;
}

void monitor_get_stats(const struct monitor *m, struct monitor_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	*out = m->stats;
	out->on = m->on;
}
