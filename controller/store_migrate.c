/* store_migrate.c - the STORE_OP_MIGRATE command: conditional steps of a
 * port's live migration and of a host's drain (ARCHITECTURE.md, "Live
 * migration").
 *
 * A port step's body is {"from", "generation", "to", "at_ms"} and, on a
 * start ("from" ""), {"target_host", "activate", "timeout_ms", "grace_ms"};
 * "reason" and "activated_ns" are optional. The step applies only when the
 * stored phase is "from" with generation "generation" (a start: no
 * migration under way, and "generation" one past the stored one), so a step
 * proposed twice (a duplicate event, a new leader resuming) is refused the
 * second time and changes nothing. Times come in the command: apply stays
 * deterministic. Going to active-both rebinds the port to the target host
 * (its binding claims move with it).
 *
 * A host step's body is {"drain": object or null}: the host's drain
 * progress, set whole (null: undrained).
 */
#include <errno.h>
#include <string.h>

#include "store_int.h"
#include "topology.h"

static const char *mig_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Whether going from phase a to b is a step of the state machine. */
static bool mig_step_valid(enum topo_mig_phase a, enum topo_mig_phase b)
{
	switch (b) {
	case TOPO_MIG_PENDING:
		return !topo_mig_in_progress(a);
	case TOPO_MIG_STANDBY:
		return a == TOPO_MIG_PENDING;
	case TOPO_MIG_ACTIVE_BOTH:
		return a == TOPO_MIG_PENDING || a == TOPO_MIG_STANDBY;
	case TOPO_MIG_DONE:
		return a == TOPO_MIG_ACTIVE_BOTH;
	case TOPO_MIG_ROLLED_BACK:
		return a == TOPO_MIG_PENDING || a == TOPO_MIG_STANDBY;
	default:
		return false;
	}
}

/* The checks of a start: bound, to another known host that is not
 * drained. Fills the new migration object m. */
static int mig_start(struct store_txn *t, const json_t *port, const json_t *body, json_t *m)
{
	const json_t *b = json_object_get(port, "binding");
	const char *src = mig_str(b, "host"), *dst = mig_str(body, "target_host");
	json_t *host;
	int rc;

	if (!src[0])
		return model_error_set(t->err, "port_unbound", "binding",
				       "the port is not bound to a host: nothing to migrate");
	if (!dst[0])
		return model_error_set(t->err, "invalid_value", "host", "no target host given");
	if (strcmp(src, dst) == 0)
		return model_error_set(t->err, "same_host", "host",
				       "the port is already bound to host %.63s", dst);
	rc = stx_obj_get(t, MODEL_HOST, dst, &host);
	if (rc == -ENOENT)
		return model_error_set(t->err, "unknown_host", "host", "no host %.63s", dst);
	if (rc < 0)
		return rc;
	if (json_is_object(json_object_get(host, "drain"))) {
		json_decref(host);
		model_error_set(t->err, "host_drained", "host",
				"host %.63s is drained: it takes no migrations", dst);
		return -EBUSY;
	}
	json_decref(host);
	json_object_set_new(m, "source_host", json_string(src));
	json_object_set_new(m, "target_host", json_string(dst));
	json_object_set_new(m, "activate",
			    json_boolean(json_is_true(json_object_get(body, "activate"))));
	json_object_set(m, "timeout_ms", json_object_get(body, "timeout_ms"));
	json_object_set(m, "grace_ms", json_object_get(body, "grace_ms"));
	json_object_set(m, "requested_at", json_object_get(body, "at_ms"));
	json_object_del(m, "reason");
	json_object_del(m, "standby_at");
	json_object_del(m, "activated_at");
	json_object_del(m, "activated_ns");
	json_object_del(m, "done_at");
	return 0;
}

/* Rebinds upd (a copy of the port) to host, keeping its interface. */
static void mig_rebind(json_t *upd, const char *host)
{
	json_t *b = json_deep_copy(json_object_get(upd, "binding"));

	if (!b)
		return;
	json_object_set_new(b, "host", json_string(host));
	json_object_set_new(upd, "binding", b);
}

/* Checks the step in body against the stored migration of port and fills
 * upd (a copy of the port) with the result. */
static int mig_port_step(struct store_txn *t, const json_t *port, const json_t *body, json_t *upd)
{
	const json_t *cur = json_object_get(port, "migration");
	enum topo_mig_phase have = topo_mig_phase_parse(mig_str(cur, "phase"));
	enum topo_mig_phase from = topo_mig_phase_parse(mig_str(body, "from"));
	enum topo_mig_phase to = topo_mig_phase_parse(mig_str(body, "to"));
	json_int_t have_gen = json_integer_value(json_object_get(cur, "generation"));
	json_int_t gen = json_integer_value(json_object_get(body, "generation"));
	json_t *at = json_object_get(body, "at_ms");
	json_t *m;
	int rc = 0;

	if (to == TOPO_MIG_NONE || !json_is_integer(at) || !mig_step_valid(from, to))
		return model_error_set(t->err, "invalid_value", "phase",
				       "not a migration step: %.20s -> %.20s",
				       mig_str(body, "from"), mig_str(body, "to"));
	if (to == TOPO_MIG_PENDING ? (topo_mig_in_progress(have) || gen != have_gen + 1)
				   : (have != from || gen != have_gen)) {
		if (topo_mig_in_progress(have) && to == TOPO_MIG_PENDING)
			model_error_set(t->err, "migration_in_progress", "migration",
					"generation %lld is %s", (long long)have_gen,
					topo_mig_phase_name(have));
		else
			model_error_set(t->err, "phase_changed", "migration",
					"the migration is at generation %lld %s, not %lld %.20s",
					(long long)have_gen, topo_mig_phase_name(have),
					(long long)gen, mig_str(body, "from"));
		return -EBUSY;
	}
	m = json_is_object(cur) ? json_deep_copy(cur) : json_object();
	if (!m)
		return -ENOMEM;
	if (to == TOPO_MIG_PENDING)
		rc = mig_start(t, port, body, m);
	if (rc == 0) {
		static const char *const at_name[TOPO_MIG_MAX] = {
		    [TOPO_MIG_STANDBY] = "standby_at",
		    [TOPO_MIG_ACTIVE_BOTH] = "activated_at",
		    [TOPO_MIG_DONE] = "done_at",
		    [TOPO_MIG_ROLLED_BACK] = "done_at",
		};

		json_object_set_new(m, "generation", json_integer(gen));
		json_object_set_new(m, "phase", json_string(topo_mig_phase_name(to)));
		if (at_name[to])
			json_object_set(m, at_name[to], at);
		if (json_is_string(json_object_get(body, "reason")))
			json_object_set(m, "reason", json_object_get(body, "reason"));
		if (json_is_integer(json_object_get(body, "activated_ns")))
			json_object_set_new(m, "activated_ns",
					    json_integer(json_integer_value(
						json_object_get(body, "activated_ns"))));
		if (to == TOPO_MIG_ACTIVE_BOTH)
			mig_rebind(upd, mig_str(m, "target_host"));
		json_object_set_new(upd, "migration", m);
	} else {
		json_decref(m);
	}
	return rc;
}

/* Writes upd over old (kind, id) with its claims moved. */
static int mig_write(struct store_txn *t, enum model_kind kind, const char *id, const json_t *old,
		     json_t *upd)
{
	int rc = store_kind_prepare(t, kind, id, old, upd);

	if (rc == 0)
		rc = store_kind_unindex(t, kind, id, old);
	if (rc == 0)
		rc = store_kind_index(t, kind, id, upd);
	if (rc == 0)
		rc = stx_obj_put(t, kind, id, upd);
	return rc;
}

int store_migrate_apply(struct store_txn *t, const struct store_cmd *c, json_t **obj)
{
	json_t *old = NULL, *body = NULL, *upd = NULL;
	int rc;

	if (c->kind != MODEL_PORT && c->kind != MODEL_HOST)
		return model_error_set(t->err, "invalid_kind", NULL,
				       "only ports migrate and hosts drain");
	rc = stx_obj_get(t, c->kind, c->id, &old);
	if (rc == -ENOENT)
		model_error_set(t->err, "not_found", "id", "%s %.40s not found",
				model_kind_name(c->kind), c->id);
	if (rc < 0)
		return rc;
	rc = store_parse_body(t, c->body, &body);
	if (rc < 0)
		goto out;
	upd = json_deep_copy(old);
	if (!upd || !json_is_object(body)) {
		rc = upd ? model_error_set(t->err, "invalid_json", NULL, "body is not an object")
			 : -ENOMEM;
		goto out;
	}
	if (c->kind == MODEL_PORT) {
		rc = mig_port_step(t, old, body, upd);
	} else if (json_is_object(json_object_get(body, "drain"))) {
		json_object_set(upd, "drain", json_object_get(body, "drain"));
	} else {
		json_object_del(upd, "drain");
	}
	if (rc == 0)
		rc = mig_write(t, c->kind, c->id, old, upd);
out:
	if (rc == 0)
		*obj = json_incref(upd);
	json_decref(upd);
	json_decref(body);
	json_decref(old);
	return rc;
}

int store_migrate_check_update(struct store_txn *t, enum model_kind kind, const json_t *old,
			       const json_t *patch)
{
	const json_t *m = json_object_get(old, "migration");
	const json_t *nb = json_object_get(patch, "binding");

	if (kind != MODEL_PORT || !nb ||
	    !topo_mig_in_progress(topo_mig_phase_parse(mig_str(m, "phase"))))
		return 0;
	if (json_equal(nb, json_object_get(old, "binding")))
		return 0;
	model_error_set(t->err, "migration_in_progress", "binding",
			"the port is migrating (generation %lld): its binding changes with the "
			"migration; abort it first",
			(long long)json_integer_value(json_object_get(m, "generation")));
	return -EBUSY;
}
