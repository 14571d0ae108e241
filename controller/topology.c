/* topology.c - releasing a struct topology (see topology.h). */
#include "topology.h"

#include <stdlib.h>
#include <string.h>

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
