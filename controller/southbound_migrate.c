/* southbound_migrate.c - the session layer's part in live migration:
 * telling the driver (migrate.h) what agents report, sending CT_EXPORT and
 * relaying CT_STATE from a migration's source to its destination. */
#include <errno.h>
#include <inttypes.h>

#include "log.h"
#include "migrate_driver.h"
#include "southbound.h"
#include "southbound_int.h"

void southbound_set_migrate(struct southbound *sb, struct migrate *mig)
{
	if (sb)
		sb->mig = mig;
}

int southbound_ct_export(struct southbound *sb, const char *host, uint32_t port_key,
			 uint32_t generation, bool final)
{
	struct wire_msg m = {.type = WIRE_CT_EXPORT};
	struct sb_host *h;

	if (!sb || !host || !port_key || !generation)
		return -EINVAL;
	h = zhashx_lookup(sb->hosts, host);
	if (!h)
		return -ENOENT;
	if (!h->rid)
		return -ENOTCONN;
	m.ct_export.port_id = port_key;
	m.ct_export.generation = generation;
	m.ct_export.final = final;
	log_info("ct export host=%s port_id=%" PRIu32 " generation=%" PRIu32 " final=%d", host,
		 port_key, generation, final);
	return sb_send(sb, h, &m);
}

void sb_migrate_msg(struct southbound *sb, struct sb_host *h, const struct wire_msg *m)
{
	const struct wire_ct_state *cs = &m->ct_state;
	char to[TOPO_HOST_MAX];
	struct sb_host *dst;
	int rc;

	if (m->type == WIRE_MIGRATE_EVENT) {
		if (m->mig_event.event == WIRE_MIG_ACTIVE)
			migrate_on_event(sb->mig, h->name, m->mig_event.port_id,
					 m->mig_event.generation, m->mig_event.activated_ns);
		return;
	}
	if (!migrate_ct_relay(sb->mig, h->name, cs->port_id, cs->generation, to)) {
		log_warn("ct state not relayed (no such migration from here) host=%s "
			 "port_id=%" PRIu32 " generation=%" PRIu32,
			 h->name, cs->port_id, cs->generation);
		return;
	}
	dst = zhashx_lookup(sb->hosts, to);
	rc = dst && dst->rid ? sb_send(sb, dst, m) : -ENOTCONN;
	log_info("ct state relayed from=%s to=%s port_id=%" PRIu32 " generation=%" PRIu32
		 " entries=%" PRIu32 " final=%d more=%d rc=%d",
		 h->name, to, cs->port_id, cs->generation, cs->n, cs->final, cs->more, rc);
}
