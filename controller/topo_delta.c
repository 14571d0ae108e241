/* topo_delta.c - the hosts a set of topology changes affects (see
 * topo_delta.h). */
#include <errno.h>
#include <string.h>

#include "topo_delta.h"

int topo_delta_init(struct topo_delta *d)
{
	*d = (struct topo_delta){0};
	d->nets = zhashx_new();
	d->hosts = zhashx_new();
	if (d->nets && d->hosts)
		return 0;
	d->all = true;
	return -ENOMEM;
}

void topo_delta_release(struct topo_delta *d)
{
	zhashx_destroy(&d->nets);
	zhashx_destroy(&d->hosts);
	d->all = false;
}

/* Adds key to set; on failure everything is affected. */
static void topo_delta_add(struct topo_delta *d, zhashx_t *set, const char *key)
{
	if (!key[0] || d->all)
		return;
	if (!set || (!zhashx_lookup(set, key) && zhashx_insert(set, key, d)))
		d->all = true;
}

void topo_delta_note(void *arg, enum model_kind kind, const void *old, const void *cur)
{
	struct topo_delta *d = arg;
	const struct topo_port *ports[2] = {old, cur};

	switch (kind) {
	case MODEL_NETWORK:
		topo_delta_add(d, d->nets, ((const struct topo_network *)(old ? old : cur))->id);
		break;
	case MODEL_PORT:
		/* an unbound port is realised nowhere: its rows are on no host */
		for (int i = 0; i < 2; i++) {
			if (!ports[i] || !ports[i]->host[0])
				continue;
			topo_delta_add(d, d->nets, ports[i]->network_id);
			topo_delta_add(d, d->hosts, ports[i]->host);
		}
		break;
	case MODEL_HOST:
	default:
		d->all = true; /* PEER rows everywhere (or unknown: be safe) */
		break;
	}
}

void topo_delta_close(struct topo_delta *d, const struct topology *t)
{
	if (d->all || !d->nets || zhashx_size(d->nets) == 0)
		return;
	for (size_t i = 0; i < t->n_ports; i++)
		if (t->ports[i].host[0] && zhashx_lookup(d->nets, t->ports[i].network_id))
			topo_delta_add(d, d->hosts, t->ports[i].host);
}

bool topo_delta_affects(const struct topo_delta *d, const char *host)
{
	return d->all || !d->hosts || zhashx_lookup(d->hosts, host);
}
