/* topology.c - releasing a struct topology (see topology.h). */
#include "topology.h"

#include <stdlib.h>
#include <string.h>

bool topo_network_geneve(const struct topology *t, const struct topo_network *n)
{
	if (!t || !n)
		return false;
	return n->encap == TOPO_ENCAP_GENEVE ||
	       (n->encap == TOPO_ENCAP_DEFAULT && t->geneve_default);
}

void topology_release(struct topology *t)
{
	if (!t)
		return;
	free(t->networks);
	free(t->ports);
	free(t->hosts);
	free(t->subnets);
	free(t->routers);
	free(t->rifs);
	free(t->sgs);
	free(t->sg_rules);
	memset(t, 0, sizeof(*t));
}
