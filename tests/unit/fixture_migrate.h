/* fixture_migrate.h - the store the migration tests (unit.migrate,
 * unit.migrate_fwd) start from. Include after <cmocka.h>. */
#ifndef TENET_FIXTURE_MIGRATE_H
#define TENET_FIXTURE_MIGRATE_H

#include <czmq.h>

#include "fixture_store.h"

/* The migration tests' world: tenant (named blue) with network net (n),
 * hosts h1..h3 at 198.18.0.1..3 enrolled with new CURVE keys (keys[], the
 * caller destroys them) and port bound to h1's vm1. */
static inline void fixture_migrate_world(struct store *s, const char *tenant, const char *net,
					 const char *port, zcert_t *keys[3])
{
	char body[128];

	fixture_apply(s, STORE_OP_CREATE, MODEL_TENANT, tenant, "{\"name\":\"blue\"}");
	snprintf(body, sizeof(body), "{\"tenant_id\":\"%s\",\"name\":\"n\"}", tenant);
	fixture_apply(s, STORE_OP_CREATE, MODEL_NETWORK, net, body);
	for (int i = 0; i < 3; i++) {
		char name[8], addr[32];

		keys[i] = zcert_new();
		assert_non_null(keys[i]);
		snprintf(name, sizeof(name), "h%d", i + 1);
		snprintf(addr, sizeof(addr), "198.18.0.%d", i + 1);
		fixture_host_create(s, name, zcert_public_txt(keys[i]), addr);
	}
	fixture_port_create(s, net, port, "02:00:00:00:00:01", "h1", "vm1");
}

#endif
