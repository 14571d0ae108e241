/* compiler_migrate.c - the rows of migrating ports (compiler_migrate.h). */
#include "compiler_migrate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether host realises p locally because of its migration although it is
 * not (pending, standby: destination) or no longer (active-both: source)
 * the binding host. */
static bool cm_local(const struct topo_port *p, const char *host)
{
	switch (p->mig.phase) {
	case TOPO_MIG_PENDING:
	case TOPO_MIG_STANDBY:
		return strcmp(p->mig.target, host) == 0 && strcmp(p->host, host) != 0;
	case TOPO_MIG_ACTIVE_BOTH:
		return strcmp(p->mig.source, host) == 0 && strcmp(p->host, host) != 0;
	default:
		return false;
	}
}

bool compiler_migrate_view_needed(const struct topology *t, const char *host)
{
	if (!t || !host)
		return false;
	for (size_t i = 0; i < t->n_ports; i++)
		if (cm_local(&t->ports[i], host))
			return true;
	return false;
}

int compiler_migrate_view(const struct topology *t, const char *host, struct topology *view)
{
	*view = *t;
	view->ports = NULL;
	if (t->n_ports == 0)
		return 0;
	view->ports = malloc(t->n_ports * sizeof(*t->ports));
	if (!view->ports)
		return -ENOMEM;
	memcpy(view->ports, t->ports, t->n_ports * sizeof(*t->ports));
	for (size_t i = 0; i < t->n_ports; i++) {
		struct topo_port *p = &view->ports[i];

		if (!cm_local(p, host))
			continue;
		snprintf(p->host, sizeof(p->host), "%s", host);
		memset(&p->mig, 0, sizeof(p->mig));
	}
	return 0;
}

void compiler_migrate_view_release(struct topology *view)
{
	if (!view)
		return;
	free(view->ports);
	view->ports = NULL;
}

static const struct topo_host *cm_host(const struct topology *t, const char *name)
{
	for (size_t i = 0; i < t->n_hosts; i++)
		if (strcmp(t->hosts[i].name, name) == 0)
			return &t->hosts[i];
	return NULL;
}

static bool cm_geneve(const struct topology *t, const struct topo_port *p)
{
	for (size_t i = 0; i < t->n_networks; i++)
		if (strcmp(t->networks[i].id, p->network_id) == 0)
			return topo_network_geneve(t, &t->networks[i]);
	return false;
}

/* The MIGRATE row of p on host, if it gets one: true with *v filled. */
static bool cm_row(const struct topology *t, const struct topo_port *p, const char *host,
		   struct tn_migrate *v)
{
	const struct topo_host *peer;
	const char *other;
	uint32_t flags;

	memset(v, 0, sizeof(*v));
	if ((p->mig.phase == TOPO_MIG_PENDING || p->mig.phase == TOPO_MIG_STANDBY) &&
	    strcmp(p->mig.target, host) == 0) {
		flags = TN_MIG_F_STANDBY;
		other = p->mig.source;
	} else if (topo_mig_in_progress(p->mig.phase) && strcmp(p->mig.source, host) == 0) {
		flags = TN_MIG_F_SOURCE;
		other = p->mig.target;
	} else {
		return false;
	}
	peer = cm_host(t, other);
	if (!peer || !peer->ip4 || !cm_host(t, host))
		return false; /* the other end is not enrolled: nothing to reach */
	if (cm_geneve(t, p))
		flags |= TN_MIG_F_GENEVE;
	v->generation = p->mig.generation;
	v->flags = flags;
	v->peer_ip4 = peer->ip4;
	return true;
}

int compiler_migrate_rows(const struct topology *t, const char *host, struct wire_row **rows,
			  size_t *n_rows)
{
	size_t n = 0, k = *n_rows;
	struct tn_migrate v;
	struct wire_row *out;

	for (size_t i = 0; i < t->n_ports; i++)
		n += cm_row(t, &t->ports[i], host, &v);
	if (n == 0)
		return 0;
	out = realloc(*rows, (k + n) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ports; i++) {
		struct tn_migrate_key key = {.port_id = t->ports[i].port_key};
		struct wire_row *r = &out[k];

		if (!cm_row(t, &t->ports[i], host, &v))
			continue;
		memset(r, 0, sizeof(*r));
		r->map = TN_MAP_MIGRATE;
		r->op = WIRE_OP_UPSERT;
		r->key_len = sizeof(key);
		r->val_len = sizeof(v);
		memcpy(r->key, &key, sizeof(key));
		memcpy(r->val, &v, sizeof(v));
		k++;
	}
	qsort(out, k, sizeof(*out), wire_row_cmp);
	*rows = out;
	*n_rows = k;
	return 0;
}
