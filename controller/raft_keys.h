/* raft_keys.h - the secrets a cluster shares: the Raft cluster key and the
 * admin token. Main thread, at start-up; sodium_init() must have run. */
#ifndef TENET_RAFT_KEYS_H
#define TENET_RAFT_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "raft_node.h"

struct store;

/* Reads the cluster key (64 hex characters, optional newline) from file, or
 * when file is NULL from dir/cluster.key, creating that one (0600) with a
 * random key if create is true. Returns 0 with key filled, -ENOENT (no key
 * and create false), -EINVAL (malformed), -errno. */
int raft_keys_load(const char *dir, const char *file, bool create,
		   uint8_t key[RAFT_NODE_KEY_BYTES]);

/* Imports the admin token in file (its first line): stores its hash and
 * writes it to dir/admin.token (0600), so auth_token_init keeps it. Every
 * node given the same file accepts the same token. Returns 0, -EINVAL
 * (empty or too long), -errno, -EIO. */
int raft_keys_import_token(struct store *s, const char *dir, const char *file);

#endif
