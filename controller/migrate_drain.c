/* migrate_drain.c - migrating every port away from a drained host
 * (migrate_drain.h). */
#include "migrate_drain.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

static const char *dr_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int64_t dr_int(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *dr_bound(const json_t *port)
{
	return dr_str(json_object_get(port, "binding"), "host");
}

/* The live, undrained host but `not` with the fewest ports bound (counting
 * extra[i] started this pass), NULL if none. */
static const char *dr_target(const json_t *hosts, const json_t *ports, const char * not,
			     const struct migrate_ops *ops, void *arg, size_t *extra)
{
	const char *best = NULL;
	size_t best_n = SIZE_MAX, i, j;
	json_t *h, *p;

	json_array_foreach(hosts, i, h)
	{
		const char *name = dr_str(h, "name");
		uint64_t acked;
		size_t n = extra[i];

		if (strcmp(name, not ) == 0 || json_is_object(json_object_get(h, "drain")) ||
		    !ops->host_live(arg, name, &acked))
			continue;
		json_array_foreach(ports, j, p) n += strcmp(dr_bound(p), name) == 0;
		if (n < best_n) {
			best_n = n;
			best = name;
		}
	}
	return best;
}

static size_t dr_index(const json_t *hosts, const char *name)
{
	size_t i;
	json_t *h;

	json_array_foreach(hosts, i, h) if (strcmp(dr_str(h, "name"), name) == 0) return i;
	return 0;
}

/* Starts a migration of port to target; 0 or -errno. */
static int dr_start(const json_t *port, const char *target, bool activate,
		    const struct migrate_ops *ops, void *arg)
{
	const json_t *mj = json_object_get(port, "migration");
	void *cmd;
	size_t len;
	int rc;

	rc = migrate_cmd(dr_str(port, "id"), topo_mig_phase_parse(dr_str(mj, "phase")),
			 (uint32_t)dr_int(mj, "generation") + 1, TOPO_MIG_PENDING, migrate_now_ms(),
			 NULL, 0, target, activate, MIGRATE_TIMEOUT_MS, MIGRATE_GRACE_MS, &cmd,
			 &len);
	if (rc == 0) {
		rc = ops->propose(arg, cmd, len);
		free(cmd);
	}
	return rc;
}

/* One pass over draining host h (index hi of hosts). */
static void dr_host(const json_t *hosts, size_t hi, const json_t *ports,
		    const struct migrate_ops *ops, void *arg, size_t *extra)
{
	const json_t *h = json_array_get(hosts, hi), *d = json_object_get(h, "drain");
	const char *name = dr_str(h, "name"), *reason = NULL;
	int64_t started = dr_int(d, "started_at");
	size_t moved = 0, failed = 0, inflight = 0, left = 0, i;
	bool activate = json_is_true(json_object_get(d, "activate"));
	json_t *p, *nd;

	json_array_foreach(ports, i, p)
	{
		const json_t *mj = json_object_get(p, "migration");
		enum topo_mig_phase ph = topo_mig_phase_parse(dr_str(mj, "phase"));
		bool ours = strcmp(dr_str(mj, "source_host"), name) == 0 &&
			    dr_int(mj, "requested_at") >= started;

		if (ours && ph == TOPO_MIG_DONE)
			moved++;
		else if (ours && ph == TOPO_MIG_ROLLED_BACK)
			failed++;
		else if (topo_mig_in_progress(ph) && strcmp(dr_str(mj, "source_host"), name) == 0)
			inflight++;
		else if (strcmp(dr_bound(p), name) == 0)
			left++;
	}
	json_array_foreach(ports, i, p)
	{
		const json_t *mj = json_object_get(p, "migration");
		enum topo_mig_phase ph = topo_mig_phase_parse(dr_str(mj, "phase"));
		const char *target;

		if (inflight >= MIGRATE_DRAIN_INFLIGHT)
			break;
		if (strcmp(dr_bound(p), name) != 0 || topo_mig_in_progress(ph) ||
		    (strcmp(dr_str(mj, "source_host"), name) == 0 &&
		     dr_int(mj, "requested_at") >= started))
			continue;
		target = dr_target(hosts, ports, name, ops, arg, extra);
		if (!target) {
			reason = "no live undrained host to take its ports";
			break;
		}
		if (dr_start(p, target, activate, ops, arg) == 0) {
			extra[dr_index(hosts, target)]++;
			inflight++;
			log_info("drain host=%s port=%s target=%s", name, dr_str(p, "id"), target);
		}
	}
	nd = json_deep_copy(d);
	if (!nd)
		return;
	json_object_set_new(nd, "ports_moved", json_integer((json_int_t)moved));
	json_object_set_new(nd, "ports_failed", json_integer((json_int_t)failed));
	json_object_set_new(nd, "state",
			    json_string(inflight == 0 && left == 0 ? "drained" : "draining"));
	if (reason)
		json_object_set_new(nd, "reason", json_string(reason));
	else
		json_object_del(nd, "reason");
	if (!json_equal(nd, d)) {
		void *cmd;
		size_t len;

		if (migrate_drain_cmd(name, nd, &cmd, &len) == 0) {
			ops->propose(arg, cmd, len);
			free(cmd);
		}
	}
	json_decref(nd);
}

void migrate_drain_pass(struct store *store, const struct migrate_ops *ops, void *arg)
{
	json_t *hosts = NULL, *ports = NULL, *h;
	size_t *extra = NULL, i;
	bool any = false;

	if (store_list(store, MODEL_HOST, NULL, &hosts) < 0)
		return;
	json_array_foreach(hosts, i, h) any |=
	    strcmp(dr_str(json_object_get(h, "drain"), "state"), "draining") == 0;
	if (!any || store_list(store, MODEL_PORT, NULL, &ports) < 0)
		goto out;
	extra = calloc(json_array_size(hosts) + 1, sizeof(*extra));
	if (!extra)
		goto out;
	json_array_foreach(hosts, i, h)
	{
		if (strcmp(dr_str(json_object_get(h, "drain"), "state"), "draining") == 0)
			dr_host(hosts, i, ports, ops, arg, extra);
	}
out:
	free(extra);
	json_decref(ports);
	json_decref(hosts);
}
