/* fixture_store.h - a store in a temporary directory and commands applied
 * to it, shared by the unit tests that need a populated store (southbound,
 * southbound failover, incremental topology) or two of them (the Raft
 * state machine's tests: store_raft, store_batch). Include after <cmocka.h> (it asserts with
 * cmocka). */
#ifndef TENET_FIXTURE_STORE_H
#define TENET_FIXTURE_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store.h"

/* Opens a store (change-log window 64) in a new directory /tmp/tenet-<tag>-*,
 * whose name is written to dir, and removes the directory at once: LMDB
 * keeps its files open, so nothing is left behind when a test fails or the
 * process dies. Never NULL (asserts). */
static inline struct store *fixture_store_new(char dir[64], const char *tag)
{
	struct store *s;
	char cmd[128];

	snprintf(dir, 64, "/tmp/tenet-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(dir));
	s = store_new(dir, 64);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(s);
	return s;
}

/* Two stores (change-log window 64) in directories /tmp/tenet-<tag>.*,
 * which stay while the stores are open (for the tests that reopen them). */
struct fixture_stores {
	char dir[2][64];    /* mkdtemp directories */
	struct store *s[2]; /* the stores */
};

/* Closes the stores and removes their directories. Takes NULL. */
static inline void fixture_stores_free(struct fixture_stores *f)
{
	char path[128];

	for (int i = 0; f && i < 2; i++) {
		store_destroy(&f->s[i]);
		if (!f->dir[i][0])
			continue;
		snprintf(path, sizeof(path), "%s/data.mdb", f->dir[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/lock.mdb", f->dir[i]);
		unlink(path);
		rmdir(f->dir[i]);
	}
	free(f);
}

/* Opens the two stores; NULL on failure (nothing left behind). */
static inline struct fixture_stores *fixture_stores_new(const char *tag)
{
	struct fixture_stores *f = calloc(1, sizeof(*f));

	for (int i = 0; f && i < 2; i++) {
		snprintf(f->dir[i], sizeof(f->dir[i]), "/tmp/tenet-%s.XXXXXX", tag);
		if (!mkdtemp(f->dir[i]))
			f->dir[i][0] = '\0';
		f->s[i] = f->dir[i][0] ? store_new(f->dir[i], 64) : NULL;
		if (!f->s[i]) {
			fixture_stores_free(f);
			return NULL;
		}
	}
	return f;
}

/* Applies one command (no idempotency key). Returns store_apply's result
 * (0, or -errno when the store rejected it), with the reason in *err if err
 * is not NULL. */
static inline int fixture_try_apply(struct store *s, enum store_op op, enum model_kind kind,
				    const char *id, const char *body, struct model_error *err)
{
	struct store_result res;
	void *cmd;
	size_t len;
	int rc;

	assert_int_equal(store_cmd_encode(op, kind, id, body, NULL, &cmd, &len), 0);
	rc = store_apply(s, cmd, len, &res);
	if (err)
		*err = res.err;
	store_result_release(&res);
	free(cmd);
	return rc;
}

/* Applies one command (no idempotency key); it must succeed. */
static inline void fixture_apply(struct store *s, enum store_op op, enum model_kind kind,
				 const char *id, const char *body)
{
	struct model_error err;
	int rc = fixture_try_apply(s, op, kind, id, body, &err);

	if (rc)
		fprintf(stderr, "apply %s: %s %s\n", id, err.field, err.message);
	assert_int_equal(rc, 0);
}

/* Enrols host name with its CURVE public key (Z85) and underlay address. */
static inline void fixture_host_create(struct store *s, const char *name, const char *key,
				       const char *ip)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"name\":\"%s\",\"public_key\":\"%s\",\"underlay_ip\":\"%s\"}", name, key, ip);
	fixture_apply(s, STORE_OP_CREATE, MODEL_HOST, name, body);
}

/* Creates port id with mac on network net, bound to host's interface. */
static inline void fixture_port_create(struct store *s, const char *net, const char *id,
				       const char *mac, const char *host, const char *ifname)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"network_id\":\"%s\",\"mac_address\":\"%s\",\"binding\":{\"host\":\"%s\","
		 "\"interface\":\"%s\"}}",
		 net, mac, host, ifname);
	fixture_apply(s, STORE_OP_CREATE, MODEL_PORT, id, body);
}

#endif
