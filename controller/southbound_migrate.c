/* southbound_migrate.c - the session layer's part in live migration:
 * telling the driver (migrate.h) what agents report, sending CT_EXPORT and
 * relaying CT_STATE from a migration's source to its destination, through
 * another controller node when the destination's session is there. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

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

/* Entries in one CT_STATE handed to another node: the API takes bodies up
 * to API_HARD_BODY (2 MiB), and an entry encodes in 73 bytes. */
#define SB_CT_FORWARD_ENTRIES (WIRE_CT_MAX_ENTRIES / 2)

/* Hands cs (a CT_STATE for host to, whose session is not here) on to the
 * node that holds it, in pieces the peers' API accepts; every piece but the
 * last says more. 0 or -errno. */
static int sb_ct_forward(struct southbound *sb, const char *to, const struct wire_ct_state *cs)
{
	uint32_t off = 0;
	int rc = 0;

	do {
		struct wire_msg part = {.type = WIRE_CT_STATE, .ct_state = *cs};
		uint32_t n =
		    cs->n - off > SB_CT_FORWARD_ENTRIES ? SB_CT_FORWARD_ENTRIES : cs->n - off;
		uint8_t *buf;
		size_t len;

		part.ct_state.entries = cs->entries ? cs->entries + off : NULL;
		part.ct_state.n = n;
		part.ct_state.more = off + n < cs->n ? true : cs->more;
		rc = wire_encode(&part, &buf, &len);
		if (rc == 0) {
			rc = migrate_ct_forward(sb->mig, to, buf, len);
			free(buf);
		}
		off += n;
	} while (rc == 0 && off < cs->n);
	return rc;
}

int southbound_ct_deliver(struct southbound *sb, const char *host, const void *msg, size_t len)
{
	struct wire_msg m;
	struct sb_host *h;
	int rc;

	if (!sb || !host || !msg)
		return -EINVAL;
	rc = wire_decode(msg, len, &m);
	if (rc == 0 && m.type != WIRE_CT_STATE)
		rc = -EPROTO;
	if (rc == 0) {
		h = zhashx_lookup(sb->hosts, host);
		rc = !h ? -ENOENT : !h->rid ? -ENOTCONN : sb_send(sb, h, &m);
		log_info("ct state relayed from=peer to=%s port_id=%" PRIu32 " generation=%" PRIu32
			 " entries=%" PRIu32 " final=%d more=%d rc=%d",
			 host, m.ct_state.port_id, m.ct_state.generation, m.ct_state.n,
			 m.ct_state.final, m.ct_state.more, rc);
	}
	wire_msg_release(&m); /* decoded or zeroed */
	return rc == -E2BIG || rc == -ENOTSUP ? -EPROTO : rc;
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
	if (dst && dst->rid)
		rc = sb_send(sb, dst, m);
	else
		rc = sb_ct_forward(sb, to, cs); /* its session is on another node */
	log_info("ct state relayed from=%s to=%s%s port_id=%" PRIu32 " generation=%" PRIu32
		 " entries=%" PRIu32 " final=%d more=%d rc=%d",
		 h->name, to, dst && dst->rid ? "" : " via=peers", cs->port_id, cs->generation,
		 cs->n, cs->final, cs->more, rc);
}
