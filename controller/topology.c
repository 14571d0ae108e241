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

static const char *const topo_mig_names[TOPO_MIG_MAX] = {
    "", "pending", "standby", "active-both", "done", "rolled-back",
};

const char *topo_mig_phase_name(enum topo_mig_phase p)
{
	return (unsigned)p < TOPO_MIG_MAX ? topo_mig_names[p] : "";
}

enum topo_mig_phase topo_mig_phase_parse(const char *s)
{
	if (!s || !s[0])
		return TOPO_MIG_NONE;
	for (int i = 1; i < TOPO_MIG_MAX; i++)
		if (strcmp(s, topo_mig_names[i]) == 0)
			return i;
	return TOPO_MIG_NONE;
}

bool topo_mig_in_progress(enum topo_mig_phase p)
{
	return p == TOPO_MIG_PENDING || p == TOPO_MIG_STANDBY || p == TOPO_MIG_ACTIVE_BOTH;
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
