/* migrate_driver.c - the leader's migration and drain driver (migrate_driver.h). */
#include "migrate_driver.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>

#include "log.h"
#include "migrate_drain.h"
#include "store.h"

#define MIG_SCAN_MS  1000 /* drain pass at least this often */
#define MIG_FAST_MS  20	  /* tick while migrations are under way */
#define MIG_RETRY_MS 1000 /* re-propose a step not seen applied after this */

/* A migration under way, as last read from the store. */
struct mig_track {
	char id[TOPO_ID_MAX];	      /* port id */
	uint32_t port_key;	      /* its number */
	uint32_t gen;		      /* the migration's generation */
	char source[TOPO_HOST_MAX];   /* the host it leaves */
	char target[TOPO_HOST_MAX];   /* the host it goes to */
	struct migrate_state st;      /* what the next step depends on */
	uint64_t need_rev;	      /* the target must ack this revision (pending) */
	uint64_t event_ns;	      /* the activation's time on the target, 0 unknown */
	enum topo_mig_phase asked;    /* step proposed and not yet seen applied */
	int64_t asked_at;	      /* when */
	enum topo_mig_phase exported; /* CT_EXPORT sent in this phase (standby: first,
				       * active-both: final) */
	enum migrate_fact reported;   /* follower: the fact last reported, 0 none */
	int64_t reported_at;	      /* follower: zclock_mono() of that report */
};

struct migrate {
	struct event_base *base; /* the main loop (borrowed) */
	struct store *store;	 /* the desired state (borrowed) */
	struct migrate_ops ops;	 /* the controller's services */
	void *arg;		 /* their argument */
	struct event *timer;	 /* tick */
	zhashx_t *tracks;	 /* port id -> struct mig_track */
	bool dirty;		 /* the store changed since the last scan */
	bool scanned;		 /* tracks were read whole once (scanned_rev is valid) */
	uint64_t scanned_rev;	 /* the store revision tracks reflect */
	int64_t drain_at;	 /* zclock_mono() of the last drain pass */
};

int64_t migrate_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum topo_mig_phase migrate_next(const struct migrate_state *s, int64_t now_ms, const char **reason)
{
	bool late = s->timeout_ms > 0 && now_ms - s->requested_at > s->timeout_ms;

	if (reason)
		*reason = NULL;
	switch (s->phase) {
	case TOPO_MIG_PENDING:
		if (s->target_acked)
			return TOPO_MIG_STANDBY;
		break;
	case TOPO_MIG_STANDBY:
		if (s->activated || s->activate)
			return TOPO_MIG_ACTIVE_BOTH;
		break;
	case TOPO_MIG_ACTIVE_BOTH:
		return now_ms - s->activated_at >= s->grace_ms ? TOPO_MIG_DONE : TOPO_MIG_NONE;
	default:
		return TOPO_MIG_NONE;
	}
	if (!late)
		return TOPO_MIG_NONE;
	if (reason)
		*reason = s->phase == TOPO_MIG_PENDING ? "destination not ready in time"
						       : "not activated in time";
	return TOPO_MIG_ROLLED_BACK;
}

int migrate_cmd(const char *id, enum topo_mig_phase from, uint32_t gen, enum topo_mig_phase to,
		int64_t at_ms, const char *reason, uint64_t activated_ns, const char *target,
		bool activate, int64_t timeout_ms, int64_t grace_ms, void **buf, size_t *len)
{
	json_t *b = json_object();
	char *text;
	int rc;

	if (!b)
		return -ENOMEM;
	json_object_set_new(b, "from", json_string(topo_mig_phase_name(from)));
	json_object_set_new(b, "generation", json_integer(gen));
	json_object_set_new(b, "to", json_string(topo_mig_phase_name(to)));
	json_object_set_new(b, "at_ms", json_integer(at_ms));
	if (reason)
		json_object_set_new(b, "reason", json_string(reason));
	if (activated_ns)
		json_object_set_new(b, "activated_ns", json_integer((json_int_t)activated_ns));
	if (to == TOPO_MIG_PENDING) {
		json_object_set_new(b, "target_host", json_string(target ? target : ""));
		json_object_set_new(b, "activate", json_boolean(activate));
		json_object_set_new(b, "timeout_ms", json_integer(timeout_ms));
		json_object_set_new(b, "grace_ms", json_integer(grace_ms));
	}
	text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(b);
	if (!text)
		return -ENOMEM;
	rc = store_cmd_encode(STORE_OP_MIGRATE, MODEL_PORT, id, text, NULL, buf, len);
	free(text);
	return rc;
}

int migrate_drain_cmd(const char *host, const json_t *drain, void **buf, size_t *len)
{
	json_t *b = json_object();
	char *text;
	int rc;

	if (!b)
		return -ENOMEM;
	json_object_set_new(b, "drain", drain ? json_deep_copy(drain) : json_null());
	text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(b);
	if (!text)
		return -ENOMEM;
	rc = store_cmd_encode(STORE_OP_MIGRATE, MODEL_HOST, host, text, NULL, buf, len);
	free(text);
	return rc;
}

static void mig_track_free(void **p)
{
	free(*p);
	*p = NULL;
}

static const char *mig_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int64_t mig_int(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

/* The track of port obj's migration, keeping what m's old track of the
 * same generation knows that the store does not hold; NULL when no
 * migration of it is under way (or out of memory). */
static struct mig_track *mig_track_of(struct migrate *m, const json_t *obj)
{
	const json_t *mj = json_object_get(obj, "migration");
	enum topo_mig_phase ph = topo_mig_phase_parse(mig_str(mj, "phase"));
	const char *id = mig_str(obj, "id");
	struct mig_track *t, *old;

	if (!topo_mig_in_progress(ph))
		return NULL;
	old = zhashx_lookup(m->tracks, id);
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (old && old->gen == (uint32_t)mig_int(mj, "generation"))
		*t = *old; /* keeps what the store does not hold */
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->port_key = (uint32_t)mig_int(obj, "port_key");
	t->gen = (uint32_t)mig_int(mj, "generation");
	snprintf(t->source, sizeof(t->source), "%s", mig_str(mj, "source_host"));
	snprintf(t->target, sizeof(t->target), "%s", mig_str(mj, "target_host"));
	if (t->st.phase != ph)
		t->asked = TOPO_MIG_NONE; /* the step it asked for (or another) happened */
	t->st.phase = ph;
	t->st.activate = json_is_true(json_object_get(mj, "activate"));
	t->st.timeout_ms = mig_int(mj, "timeout_ms");
	t->st.grace_ms = mig_int(mj, "grace_ms");
	t->st.requested_at = mig_int(mj, "requested_at");
	t->st.activated_at = mig_int(mj, "activated_at");
	/* a new leader (or a new migration): the current revision carries the
	 * standby rows, whatever revision the pending write had */
	if (!t->need_rev)
		t->need_rev = store_revision(m->store);
	return t;
}

/* Rereads every port's migration from the store (at start, or when the
 * change log no longer reaches back to what the tracks reflect). */
static void mig_scan_all(struct migrate *m, uint64_t rev)
{
	zhashx_t *next = zhashx_new();
	json_t *ports = NULL, *p;
	size_t i;

	if (!next)
		return;
	zhashx_set_destructor(next, mig_track_free);
	if (store_list(m->store, MODEL_PORT, NULL, &ports) < 0) {
		zhashx_destroy(&next);
		return;
	}
	json_array_foreach(ports, i, p)
	{
		struct mig_track *t = mig_track_of(m, p);

		if (t && zhashx_insert(next, t->id, t) != 0)
			free(t);
	}
	json_decref(ports);
	zhashx_destroy(&m->tracks);
	m->tracks = next;
	m->scanned = true;
	m->scanned_rev = rev;
	m->dirty = false;
}

/* Rereads port id's migration into the tracks: dropped when the port is
 * gone or its migration ended. */
static void mig_reread(struct migrate *m, const char *id)
{
	struct mig_track *t = NULL;
	char key[TOPO_ID_MAX];
	json_t *obj = NULL;

	snprintf(key, sizeof(key), "%s", id); /* id may be the old track's own */
	if (store_get(m->store, MODEL_PORT, key, &obj) == 0) {
		t = mig_track_of(m, obj);
		json_decref(obj);
	}
	if (t)
		zhashx_update(m->tracks, t->id, t);
	else
		zhashx_delete(m->tracks, key);
}

/*
 * Brings the tracks up to the store's revision. Only a migration step
 * starts a migration, and only a step or the port's removal ends one, so
 * the ports the change log names since the last scan and the ports already
 * tracked are all that can differ: rereading them costs what was written,
 * not what the store holds (a full scan of 10,000 ports after every
 * applied batch took the main thread ~100 ms). A change log that does not
 * reach back, or a revision that went back (a snapshot restored), reads
 * everything again.
 */
static void mig_scan(struct migrate *m)
{
	json_t *changes = NULL, *c;
	uint64_t cur = 0;
	zlist_t *ids;
	size_t i;

	if (!m->scanned || store_changes_since(m->store, m->scanned_rev, &changes, &cur) < 0 ||
	    cur < m->scanned_rev) {
		json_decref(changes);
		mig_scan_all(m, store_revision(m->store));
		return;
	}
	json_array_foreach(changes, i, c)
	{
		if (strcmp(mig_str(c, "kind"), model_kind_name(MODEL_PORT)) == 0)
			mig_reread(m, mig_str(c, "id"));
	}
	json_decref(changes);
	ids = zlist_new();
	if (!ids)
		return; /* still dirty: tried again at the next tick */
	zlist_autofree(ids);
	for (struct mig_track *t = zhashx_first(m->tracks); t; t = zhashx_next(m->tracks))
		zlist_append(ids, t->id);
	for (char *id = zlist_first(ids); id; id = zlist_next(ids))
		mig_reread(m, id);
	zlist_destroy(&ids);
	m->scanned_rev = cur;
	m->dirty = false;
}

/* Proposes t's step to `to`. */
static void mig_propose(struct migrate *m, struct mig_track *t, enum topo_mig_phase to,
			const char *reason)
{
	int64_t now = zclock_mono();
	void *cmd;
	size_t len;

	if (t->asked == to && now - t->asked_at < MIG_RETRY_MS)
		return; /* in flight */
	if (migrate_cmd(t->id, t->st.phase, t->gen, to, migrate_now_ms(), reason,
			to == TOPO_MIG_ACTIVE_BOTH ? t->event_ns : 0, NULL, false, 0, 0, &cmd,
			&len) < 0)
		return;
	if (m->ops.propose(m->arg, cmd, len) == 0) {
		t->asked = to;
		t->asked_at = now;
		log_info("migration step port=%s generation=%" PRIu32 " from=%s to=%s%s%s", t->id,
			 t->gen, topo_mig_phase_name(t->st.phase), topo_mig_phase_name(to),
			 reason ? " reason=" : "", reason ? reason : "");
	}
	free(cmd);
}

/* Asks the source for the port's conntrack once per phase (standby: the
 * bulk, active-both: the final delta). */
static void mig_export(struct migrate *m, struct mig_track *t)
{
	if (!m->ops.ct_export || t->exported == t->st.phase ||
	    (t->st.phase != TOPO_MIG_STANDBY && t->st.phase != TOPO_MIG_ACTIVE_BOTH))
		return;
	if (m->ops.ct_export(m->arg, t->source, t->port_key, t->gen,
			     t->st.phase == TOPO_MIG_ACTIVE_BOTH) == 0)
		t->exported = t->st.phase;
}

/* Notes the destination's ack of its standby rows when its session is
 * here. */
static void mig_local_ack(struct migrate *m, struct mig_track *t)
{
	uint64_t acked = 0;

	if (t->st.phase == TOPO_MIG_PENDING && !t->st.target_acked &&
	    m->ops.host_live(m->arg, t->target, &acked) && acked >= t->need_rev)
		t->st.target_acked = true;
}

/* Follower: passes what this node's sessions saw of t's destination to the
 * leader, again every MIGRATE_REPORT_MS while the phase waits for it. */
static void mig_report(struct migrate *m, struct mig_track *t)
{
	int64_t now = zclock_mono();
	struct migrate_report r = {.generation = t->gen};
	enum migrate_fact f = 0;

	if (t->st.activated && t->st.phase != TOPO_MIG_ACTIVE_BOTH)
		f = MIGRATE_FACT_ACTIVE;
	else if (t->st.target_acked && t->st.phase == TOPO_MIG_PENDING)
		f = MIGRATE_FACT_READY;
	if (!f || !m->ops.report || (f == t->reported && now - t->reported_at < MIGRATE_REPORT_MS))
		return;
	snprintf(r.port, sizeof(r.port), "%s", t->id);
	snprintf(r.host, sizeof(r.host), "%s", t->target);
	r.fact = f;
	r.activated_ns = t->event_ns;
	if (m->ops.report(m->arg, &r) == 0 && f != t->reported)
		log_info("migration fact passed to the leader port=%s generation=%" PRIu32
			 " host=%s fact=%s",
			 t->id, t->gen, t->target, f == MIGRATE_FACT_ACTIVE ? "active" : "ready");
	t->reported = f;
	t->reported_at = now;
}

/* Follower: what this node's sessions see of every migration under way. */
static void mig_observe(struct migrate *m)
{
	for (struct mig_track *t = zhashx_first(m->tracks); t; t = zhashx_next(m->tracks)) {
		mig_local_ack(m, t);
		mig_export(m, t);
		mig_report(m, t);
	}
}

/* Decides and proposes the next step of every migration under way. */
static void mig_drive(struct migrate *m)
{
	int64_t now = migrate_now_ms();

	for (struct mig_track *t = zhashx_first(m->tracks); t; t = zhashx_next(m->tracks)) {
		const char *reason;
		enum topo_mig_phase to;

		mig_local_ack(m, t);
		mig_export(m, t);
		to = migrate_next(&t->st, now, &reason);
		if (to != TOPO_MIG_NONE)
			mig_propose(m, t, to, reason);
	}
}

static void mig_tick(evutil_socket_t fd, short what, void *arg)
{
	struct migrate *m = arg;
	struct timeval tv;
	int64_t now = zclock_mono();

	(void)fd;
	(void)what;
	/* every node follows the migrations: its sessions may be the ones
	 * that report on them */
	if (m->dirty)
		mig_scan(m);
	if (m->ops.is_leader(m->arg)) {
		mig_drive(m);
		if (now - m->drain_at >= MIG_SCAN_MS) {
			m->drain_at = now;
			migrate_drain_pass(m->store, &m->ops, m->arg);
		}
	} else {
		mig_observe(m);
	}
	tv.tv_sec = 0;
	tv.tv_usec = (zhashx_size(m->tracks) ? MIG_FAST_MS : 200) * 1000;
	evtimer_add(m->timer, &tv);
}

struct migrate *migrate_new(struct event_base *base, struct store *store,
			    const struct migrate_ops *ops, void *arg)
{
	struct migrate *m;
	struct timeval tv = {0, 0};

	if (!base || !store || !ops || !ops->is_leader || !ops->propose || !ops->host_live)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->base = base;
	m->store = store;
	m->ops = *ops;
	m->arg = arg;
	m->dirty = true;
	m->tracks = zhashx_new();
	m->timer = evtimer_new(base, mig_tick, m);
	if (!m->tracks || !m->timer) {
		migrate_destroy(&m);
		return NULL;
	}
	zhashx_set_destructor(m->tracks, mig_track_free);
	evtimer_add(m->timer, &tv);
	return m;
}

void migrate_destroy(struct migrate **mp)
{
	struct migrate *m;

	if (!mp || !*mp)
		return;
	m = *mp;
	if (m->timer)
		event_free(m->timer);
	zhashx_destroy(&m->tracks);
	free(m);
	*mp = NULL;
}

void migrate_on_applied(struct migrate *m)
{
	if (m)
		m->dirty = true;
}

void migrate_on_ack(struct migrate *m, const char *host, uint64_t rev)
{
	if (!m || !host)
		return;
	for (struct mig_track *t = zhashx_first(m->tracks); t; t = zhashx_next(m->tracks))
		if (t->st.phase == TOPO_MIG_PENDING && rev >= t->need_rev &&
		    strcmp(t->target, host) == 0)
			t->st.target_acked = true;
}

static struct mig_track *mig_by_key(struct migrate *m, uint32_t port_key)
{
	for (struct mig_track *t = zhashx_first(m->tracks); t; t = zhashx_next(m->tracks))
		if (t->port_key == port_key)
			return t;
	return NULL;
}

void migrate_on_event(struct migrate *m, const char *host, uint32_t port_key, uint32_t gen,
		      uint64_t activated_ns)
{
	struct mig_track *t;

	if (!m || !host)
		return;
	t = mig_by_key(m, port_key);
	if (!t || t->gen != gen || strcmp(t->target, host) != 0 || t->st.activated)
		return;
	t->st.activated = true;
	t->st.target_acked = true; /* it could only activate with its standby rows */
	t->event_ns = activated_ns;
	log_info("migration activated port=%s generation=%" PRIu32 " host=%s", t->id, gen, host);
	if (m->ops.is_leader(m->arg))
		mig_drive(m);
	else
		mig_report(m, t);
}

int migrate_on_report(struct migrate *m, const struct migrate_report *r)
{
	struct mig_track *t;

	if (!m || !r || (r->fact != MIGRATE_FACT_READY && r->fact != MIGRATE_FACT_ACTIVE))
		return -EINVAL;
	if (!m->ops.is_leader(m->arg))
		return -EREMOTE;
	if (m->dirty)
		mig_scan(m); /* the step the report is about may have just been applied */
	t = zhashx_lookup(m->tracks, r->port);
	if (!t || t->gen != r->generation || strcmp(t->target, r->host) != 0)
		return -ENOENT;
	if (r->fact == MIGRATE_FACT_ACTIVE && !t->st.activated) {
		t->st.activated = true;
		t->st.target_acked = true;
		t->event_ns = r->activated_ns;
		log_info("migration activated port=%s generation=%" PRIu32 " host=%s via=peer",
			 t->id, t->gen, r->host);
	} else if (r->fact == MIGRATE_FACT_READY && t->st.phase == TOPO_MIG_PENDING &&
		   !t->st.target_acked) {
		t->st.target_acked = true;
		log_info("migration destination ready port=%s generation=%" PRIu32
			 " host=%s via=peer",
			 t->id, t->gen, r->host);
	}
	mig_drive(m);
	return 0;
}

json_t *migrate_report_json(const struct migrate_report *r)
{
	return json_pack("{s:s,s:I,s:s,s:s,s:I}", "port", r->port, "generation",
			 (json_int_t)r->generation, "host", r->host, "fact",
			 r->fact == MIGRATE_FACT_ACTIVE ? "active" : "ready", "activated_ns",
			 (json_int_t)r->activated_ns);
}

/* Copies string member k of j into out (size bytes): false when missing,
 * empty or too long. */
static bool mig_json_str(const json_t *j, const char *k, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(j, k));

	if (!s || !s[0] || strlen(s) >= size)
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

int migrate_report_parse(const json_t *j, struct migrate_report *r)
{
	const json_t *gen = json_object_get(j, "generation");
	const json_t *ns = json_object_get(j, "activated_ns");
	const char *fact = json_string_value(json_object_get(j, "fact"));

	memset(r, 0, sizeof(*r));
	if (!json_is_object(j) || !mig_json_str(j, "port", r->port, sizeof(r->port)) ||
	    !mig_json_str(j, "host", r->host, sizeof(r->host)) || !json_is_integer(gen) ||
	    json_integer_value(gen) <= 0 || json_integer_value(gen) > UINT32_MAX || !fact ||
	    (ns && (!json_is_integer(ns) || json_integer_value(ns) < 0)))
		return -EINVAL;
	if (strcmp(fact, "ready") == 0)
		r->fact = MIGRATE_FACT_READY;
	else if (strcmp(fact, "active") == 0)
		r->fact = MIGRATE_FACT_ACTIVE;
	else
		return -EINVAL;
	r->generation = (uint32_t)json_integer_value(gen);
	r->activated_ns = ns ? (uint64_t)json_integer_value(ns) : 0;
	return 0;
}

int migrate_ct_forward(struct migrate *m, const char *to, const void *msg, size_t len)
{
	if (!m || !to || !msg || !len)
		return -EINVAL;
	if (!m->ops.ct_forward)
		return -ENOTSUP;
	return m->ops.ct_forward(m->arg, to, msg, len);
}

bool migrate_ct_relay(struct migrate *m, const char *host, uint32_t port_key, uint32_t gen,
		      char *to)
{
	struct mig_track *t = m && host ? mig_by_key(m, port_key) : NULL;

	/* tracks hold migrations under way only; CT_EXPORT went out at standby,
	 * but this node's store may not show it yet */
	if (!t || t->gen != gen || strcmp(t->source, host) != 0)
		return false;
	snprintf(to, TOPO_HOST_MAX, "%s", t->target);
	return true;
}

bool migrate_port_involves(struct migrate *m, uint32_t port_key, const char *host)
{
	struct mig_track *t = m && host ? mig_by_key(m, port_key) : NULL;

	return t && (strcmp(t->source, host) == 0 || strcmp(t->target, host) == 0);
}
