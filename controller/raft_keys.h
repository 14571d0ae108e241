/* raft_keys.h - the Raft cluster key every node of a cluster shares (the
 * shared admin token is auth.h's). Main thread, at start-up; sodium_init()
 * must have run. */
#ifndef TENET_RAFT_KEYS_H
#define TENET_RAFT_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "raft_node.h"

/* Reads the cluster key (64 hex characters, optional newline) from file, or
 * when file is NULL from dir/cluster.key, creating that one (0600) with a
 * random key if create is true. Returns 0 with key filled, -ENOENT (no key
 * and create false), -EINVAL (malformed), -errno. */
int raft_keys_load(const char *dir, const char *file, bool create,
		   uint8_t key[RAFT_NODE_KEY_BYTES]);

#endif
