// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * storefill.c - bench setup: writes COUNT bound ports straight into a
 * stopped controller's store, through store_apply (the same validation,
 * allocation and change log as an API write), without compiling or pushing
 * anything per port. bench/control.sh uses it to build the 10,000-port state
 * of control.snapshot_10k_ports in seconds: through the API every write
 * recompiles every host, so 10,000 writes take many minutes.
 *
 *   storefill DATA_DIR TENANT_ID HOST COUNT PER_NET
 *
 * The ports go PER_NET to a network (a host may have at most
 * TN_MAX_FLOOD_LOCAL ports in one network): ceil(COUNT / PER_NET) new
 * networks of tenant TENANT_ID, each with a /24 subnet from 10.128.0.0/10.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model.h"
#include "store.h"

/* A random (version 4) UUID, as the API makes them. */
static void sf_uuid(char out[MODEL_UUID_LEN + 1])
{
	uint8_t b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, MODEL_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/* Creates a kind object from body under a new id (out). Returns 0 or
 * -errno (printed). */
static int sf_create(struct store *s, enum model_kind kind, const char *body,
		     char id[MODEL_UUID_LEN + 1])
{
	struct store_result res;
	void *cmd;
	size_t len;
	int rc;

	sf_uuid(id);
	if (store_cmd_encode(STORE_OP_CREATE, kind, id, body, NULL, &cmd, &len) < 0)
		return -EINVAL;
	rc = store_apply(s, cmd, len, &res);
	free(cmd);
	if (rc < 0)
		fprintf(stderr, "storefill: %s: %d %s\n", body, res.rc, res.err.message);
	store_result_release(&res);
	return rc;
}

/* Network i of tenant with its subnet; fills net and sub. */
static int sf_network(struct store *s, const char *tenant, long i, char *net, char *sub)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"tenant_id\": \"%s\", \"name\": \"sf%ld\"}", tenant, i);
	if (sf_create(s, MODEL_NETWORK, body, net))
		return -EIO;
	snprintf(body, sizeof(body), "{\"network_id\": \"%s\", \"cidr\": \"10.%ld.%ld.0/24\"}", net,
		 128 + i / 256, i % 256);
	return sf_create(s, MODEL_SUBNET, body, sub);
}

/* Port k in net/sub, bound to host. */
static int sf_port(struct store *s, const char *net, const char *sub, const char *host, long k)
{
	char id[MODEL_UUID_LEN + 1], body[512];

	snprintf(body, sizeof(body),
		 "{\"network_id\": \"%s\", \"fixed_ips\": [{\"subnet_id\": \"%s\"}], "
		 "\"binding\": {\"host\": \"%s\", \"interface\": \"sf%ld\"}}",
		 net, sub, host, k);
	return sf_create(s, MODEL_PORT, body, id);
}

int main(int argc, char **argv)
{
	char net[MODEL_UUID_LEN + 1], sub[MODEL_UUID_LEN + 1];
	struct store *s;
	long k, n, per;
	int err = 0;

	if (argc != 6 || (n = atol(argv[4])) < 0 || (per = atol(argv[5])) < 1) {
		fprintf(stderr, "usage: storefill DATA_DIR TENANT_ID HOST COUNT PER_NET\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	s = store_new(argv[1], 1024);
	if (!s)
		return 1;
	for (k = 0; k < n && !err; k++) {
		if (k % per == 0)
			err = sf_network(s, argv[2], k / per, net, sub);
		if (!err)
			err = sf_port(s, net, sub, argv[3], k);
	}
	store_destroy(&s);
	return err ? 1 : 0;
}
