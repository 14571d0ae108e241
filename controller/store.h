/* store.h - the desired state in LMDB, changed only by commands.
 *
 * One LMDB environment in the data directory. Every write is a command
 * (msgpack map {"op","kind","id","body","idem"}, see store_cmd_encode)
 * applied by store_apply() inside ONE write transaction that validates the
 * body (model.h), checks references, conflicts and uniqueness, allocates
 * (VNI, MAC, port_key, host_id), writes the object, bumps the global revision
 * and appends the command to a change log bounded to a window of revisions.
 * Apply is deterministic from (state, command): ids are in the command, never
 * generated here, and allocations come from counters kept in the store, so a
 * replicated log replays to the same bytes. A rejected command changes
 * nothing.
 *
 * Objects are stored as compact JSON with sorted keys. Controller-internal
 * numbers (port_key, host_id) are stored and shown read-only; runtime state
 * (port status, host state) is not stored here.
 *
 * Threads: the writers (store_apply, store_apply_entry, store_batch_*,
 * store_restore) are called from one thread at a time, and a batch is
 * applied and committed by the thread that opened it (with Raft: the apply
 * pipeline's thread, raft_pipe.h; a restore runs on the Raft thread while
 * the pipeline is idle, a snapshot's dump on a thread of its own); readers
 * may run on other threads (the main thread) at the same time, each call in
 * its own LMDB read transaction (MVCC). LMDB read transactions never span
 * calls.
 */
#ifndef TENET_STORE_H
#define TENET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model.h"
#include "topology.h"

#define STORE_DEFAULT_WINDOW 1024 /* change-log entries kept by default */
#define STORE_NETWORK_MTU    1450 /* informational MTU shown on networks */
#define STORE_ID_HEX	     32	  /* hex digits of the store identity */

struct store;

enum store_op {
	STORE_OP_CREATE = 1,
	STORE_OP_UPDATE,
	STORE_OP_DELETE,
	STORE_OP_CLONE,	  /* kind tenant, id the new tenant's: copy a tenant (store_tenant.c) */
	STORE_OP_IMPORT,  /* kind tenant, id the new tenant's: materialise an export */
	STORE_OP_MIGRATE, /* a migration or drain step (store_migrate.c): conditional */
};

/* Outcome of store_apply. Release with store_result_release. */
struct store_result {
	int rc;			/* 0 applied (or replayed), or -errno with err saying why:
				 * a rejection (store_rc_rejected) or a store failure */
	uint64_t revision;	/* revision after the call (new on success, unchanged else) */
	json_t *object;		/* stored object (owned) on create/update, NULL otherwise */
	bool replayed;		/* idempotency key seen before: nothing was applied again */
	bool skipped;		/* store_apply_entry: index already applied, nothing done */
	struct model_error err; /* why, when rc < 0 */
};

/* True when rc (< 0) rejects the command in the store's current state -
 * -EINVAL / -EPROTO (malformed or invalid), -ENOENT (no such object),
 * -EEXIST (a uniqueness conflict), -EBUSY (still referenced), -ENOSPC (an
 * allocator or a flood list is full), -EKEYREJECTED (the idempotency key was
 * used for another request) - and false for a failure of the store itself
 * (-EIO, -ENOMEM: the command may succeed when tried again). The API maps
 * the codes to HTTP; the store speaks no HTTP. */
bool store_rc_rejected(int rc);

/* Opens (creating if needed) the LMDB environment in directory dir, which
 * must exist, keeping the last changelog_window (>= 1) change-log entries.
 * A data file that is damaged (store_check.h: truncated, zeroed) is refused
 * before LMDB maps it. Returns NULL on failure (logged). */
struct store *store_new(const char *dir, size_t changelog_window);

/* Closes the environment. Takes NULL; sets *sp to NULL. */
void store_destroy(struct store **sp);

/* Encodes a command. kind is a model kind; id is the object's id (a UUID the
 * caller generated on create; a host's name for hosts); body is JSON text
 * ("" for delete); idem an idempotency key or "" / NULL. On success *buf
 * (malloc'd, caller frees) and *len are set and 0 is returned; -EINVAL on
 * bad arguments, -ENOMEM. */
int store_cmd_encode(enum store_op op, enum model_kind kind, const char *id, const char *body,
		     const char *idem, void **buf, size_t *len);

/* Like store_cmd_encode with the allocation seed given. A create carries a
 * seed: the first VNI or MAC tried for the new object is drawn from it, so
 * identifiers that travel on the underlay cannot be guessed from the order
 * of creation, while every replica still allocates the same values. The
 * seed is part of the replicated command; store_cmd_encode draws it from
 * libsodium's generator. Seed 0 (or a command without one, as written by
 * earlier versions) allocates sequentially from the stored counters. */
int store_cmd_encode_seeded(enum store_op op, enum model_kind kind, const char *id,
			    const char *body, const char *idem, uint64_t seed, void **buf,
			    size_t *len);

/* Applies one command in one write transaction. Returns 0 when applied (or
 * replayed by idempotency key), with res->revision the new revision and
 * res->object the stored object. Returns -EINVAL (malformed command or
 * invalid body), -ENOENT, -EEXIST (conflict), -EBUSY (still referenced),
 * -ENOSPC (allocator full), -EKEYREJECTED (the idempotency key was used for
 * a request with another op, kind, target id or body), -EIO (LMDB failure);
 * then nothing changed and res->err says why. res->rc is the same code. res must be released by the
 * caller with store_result_release in every case. */
int store_apply(struct store *s, const void *cmd, size_t len, struct store_result *res);

/* "create", "update", "delete", "clone", "import"; "?" for anything else. */
const char *store_op_name(enum store_op op);

/* Frees what res owns and zeroes it. Takes NULL. */
void store_result_release(struct store_result *res);

/* The current global revision (0 for an empty store). */
uint64_t store_revision(struct store *s);

/* Looks up one object. On success *out is a new reference and 0 is returned;
 * -ENOENT if absent, -EINVAL, -EIO. */
int store_get(struct store *s, enum model_kind kind, const char *id, json_t **out);

/* Lists the objects of kind, in id order, keeping only those that match
 * every member of filter (a JSON object of strings, NULL or empty for all)
 * by model_filter_match. On success *out is a new JSON array and 0 is
 * returned; -EINVAL, -ENOMEM, -EIO. */
int store_list(struct store *s, enum model_kind kind, const json_t *filter, json_t **out);

/* Fills *out (release with topology_release) from one read transaction:
 * networks with VNI, ports with port_key, MAC, first IPv4, binding and port
 * security, hosts with host_id, underlay IPv4 and public key, subnets,
 * routers with their routes and router interfaces, security groups and
 * their rules. Returns 0, -ENOMEM, -EIO. */
int store_load_topology(struct store *s, struct topology *out);

/* Called by store_update_topology for each topology entry a change touched,
 * with its entry before and after (struct topo_network, topo_port,
 * topo_host, topo_subnet, topo_router, topo_rif or topo_sg by kind; NULL
 * when absent), valid during the call only. Rules are reported as their
 * group (its rules_digest changes); groups are reported after the other
 * entries of the refresh. */
typedef void store_topo_cb(void *arg, enum model_kind kind, const void *old, const void *cur);

/* Brings topo, which holds the topology at revision *rev (an empty one at
 * 0), to the current revision in one read transaction: reloads only the
 * topology entries the change log names after *rev, calling cb
 * (may be NULL) for each. When *full is true on entry, or the log does not
 * reach back to *rev (trimmed, or the revision went back: a restore), or
 * a log entry cannot be read, reloads topo whole instead (no callbacks)
 * and sets *full. Entries stay in key order, so topo equals what
 * store_load_topology gives. Returns 0 with *rev the revision topo now
 * holds; -EINVAL, -ENOMEM, -EIO with topo released (empty) and *rev 0. */
int store_update_topology(struct store *s, struct topology *topo, uint64_t *rev, bool *full,
			  store_topo_cb *cb, void *arg);

/* The changes after revision since, oldest first, as a new JSON array of
 * {"revision","op","kind","id"} in *out, with *current the current revision.
 * Returns 0; -ESTALE when since is older than the kept window (HTTP 410);
 * -ENOMEM, -EIO. */
int store_changes_since(struct store *s, uint64_t since, json_t **out, uint64_t *current);

/* The admin token's hash (32 bytes, crypto_generichash). Returns 0, -ENOENT
 * if none was set, -EIO. Kept in the store's meta table, outside the command
 * log: it is local to this controller's data directory. */
int store_admin_hash_get(struct store *s, uint8_t hash[32]);

/* Sets the admin token's hash. Returns 0 or -EIO. */
int store_admin_hash_set(struct store *s, const uint8_t hash[32]);

/* The store's identity (store_id.c): 16 bytes as STORE_ID_HEX lowercase
 * hex digits, in the replicated meta table, so the same on every node of a
 * cluster (snapshots carry it). A store that starts from scratch (data
 * reset, new cluster) gets a new one, which tells agents that revisions
 * from before mean nothing here (see wire.h). It is created with the first
 * write: raft_fsm.c gives store_batch_apply the bytes of each log entry,
 * which creates it in that entry's own transaction, so the first entry
 * decides; that entry carries its proposer's random 64-bit tag, so every
 * replica derives the same id and a cluster started from scratch a new
 * one. store_apply (no Raft: tests, bench) creates none: call
 * store_id_ensure(s, NULL, 0) for a random one.
 *
 * Fills out and returns 0; -ENOENT (out "") while the store has none (no
 * write yet, or a store from before identities: it keeps none), -EIO. */
int store_id_get(struct store *s, char out[STORE_ID_HEX + 1]);

/* Creates the identity unless the store has one or has applied a Raft
 * entry: generichash of seed[0..len), or random bytes if seed is NULL.
 * Idempotent and deterministic for a given seed. Returns 0, -EINVAL, -EIO.
 * Writer thread (like store_apply). */
int store_id_ensure(struct store *s, const void *seed, size_t len);

/* Raft state machine support (store_raft.c).
 *
 * Applies the command cmd carried by Raft log entry index inside the open
 * batch (one LMDB write transaction held across entries; opened by the
 * first entry), in the entry's own nested transaction that also creates
 * the store identity from seed (the entry's bytes, see store_id_ensure;
 * NULL: none) and records index as the applied index; an index at or below
 * the recorded one is skipped (res->skipped, nothing done) so that a replay
 * after a restart changes nothing. A rejected command (bad bytes, invalid
 * body, conflict...) is a normal outcome: res->rc < 0 (store_rc_rejected)
 * and res->err say why, the state is unchanged but the index is recorded, and 0 is
 * returned. Returns -EINVAL (bad arguments) or -EIO (LMDB failure: this
 * entry left no trace, the entries before it in the batch are intact, the
 * entry must be applied again). Release res in every case. Nothing of the
 * batch is visible to readers (nor durable) before store_batch_commit. */
int store_batch_apply(struct store *s, uint64_t index, const void *seed, size_t seed_len,
		      const void *cmd, size_t len, struct store_result *res);

/* Entries applied in the open batch (0: none open). */
unsigned store_batch_size(struct store *s);

/* Commits the open batch (0 if none is open). On -EIO every entry of the
 * batch is lost to the store although store_batch_apply accepted it: the
 * caller must re-apply them (the Raft FSM stops the process, and the
 * restart replays the log). */
int store_batch_commit(struct store *s);

/* store_batch_apply of one entry (no identity seed) and its commit. */
int store_apply_entry(struct store *s, uint64_t index, const void *cmd, size_t len,
		      struct store_result *res);

/* Store under a Raft log (raft_node_new): commits stop flushing
 * (MDB_NOSYNC), the durable Raft log being the record. First the marker of
 * unflushed commits is written with this kernel's boot id: a process crash
 * loses nothing (the commits are in the page cache), and a store opened
 * after the kernel restarted is set aside and rebuilt from the Raft
 * snapshot and log (store_unsynced_check; docs/ARCHITECTURE.md,
 * "Durability"). Without a boot id it keeps flushing data pages
 * (MDB_NOMETASYNC). store_destroy flushes and removes the marker. 0 or
 * -EIO. */
int store_raft_durability(struct store *s);

/* The index of the last applied Raft entry (0 if none). */
uint64_t store_applied_index(struct store *s);

/* A logical dump of every replicated table (all but the node-local admin
 * hash) from one read transaction, with the applied index in its header.
 * On success *buf (malloc'd, caller frees), *len and, if not NULL, *index
 * (the applied index it holds) are set and 0 is returned; -ENOMEM, -EIO,
 * -EBUSY (a batch is open: commit it first). */
int store_snapshot(struct store *s, void **buf, size_t *len, uint64_t *index);

/* store_snapshot from a thread of its own while the store's writer goes on
 * (a batch may be open on another thread): the dump holds the state of the
 * moment its read transaction began, with that state's applied index. Not
 * from a thread with a write transaction of this store. */
int store_snapshot_read(struct store *s, void **buf, size_t *len, uint64_t *index);

/* Appends to a growing buffer (*buf of *cap bytes, *len used; malloc'd,
 * the caller frees it) a tail record: Raft entry index, its bytes
 * entry[0..len) and the command in them at cmd_off, cmd_len bytes (as
 * store_batch_apply takes them). A snapshot is a dump followed by the tail
 * records of entries applied after its read transaction began, in index
 * order: store_restore loads the dump, then applies the tail. 0, -ENOMEM,
 * -EOVERFLOW. */
int store_snapshot_tail_put(uint8_t **buf, size_t *len, size_t *cap, uint64_t index,
			    const void *entry, size_t entry_len, size_t cmd_off, size_t cmd_len);

/* Replaces the whole replicated state with a store_snapshot dump, in one
 * write transaction (all or nothing); the admin hash is kept. Then the
 * snapshot's tail records, if any, are applied as a batch (entries the dump
 * holds already are skipped). A snapshot whose last index (its tail's, or
 * the dump's) is not newer than the store's applied index is not loaded
 * (*skipped true if skipped is not NULL): the store already holds a later
 * state of the same log. Returns 0, -EPROTO (malformed: nothing changed),
 * -EIO (the tail could not be applied: the dump is loaded), -EBUSY (a
 * batch is open: commit it first). */
int store_restore(struct store *s, const void *buf, size_t len, bool *skipped);

/* Tenant documents (store_tenant.c).
 *
 * Exports tenant id as a "tenet.tenant/v1" document (docs/tenant-export.
 * schema.json): id-free, references by name, sections sorted, with the
 * SHA-256 of its canonical text (store_tenant_hash). On success *doc is a
 * new reference and 0 is returned; -ENOENT (no such tenant), -EEXIST (two
 * objects of a kind share a name: err names them), -ENOMEM, -EIO. */
int store_tenant_export(struct store *s, const char *tenant, json_t **doc, struct model_error *err);

/* Checks an import document without the store: format, members, hash,
 * unique names, references. 0, or -EINVAL with err->field the path in the
 * document ("subnets[2].network"). The FSM checks again, with the store. */
int store_tenant_doc_check(const json_t *doc, struct model_error *err);

/* The hex SHA-256 (out: 65 bytes) of doc's compact sorted-key JSON text
 * without its "sha256" member. 0 or -ENOMEM. */
int store_tenant_hash(const json_t *doc, char out[65]);

/* The document section of kind, NULL for a kind that belongs to no tenant
 * (*global then true). Every kind has an entry: the clone/export guard. */
const char *store_tenant_section(enum model_kind kind, bool *global);

/* Writes every key and value of every table, in order, to fp as hex lines;
 * for tests comparing two stores byte for byte. Returns 0 or -EIO. */
int store_dump(struct store *s, FILE *fp);

#endif
