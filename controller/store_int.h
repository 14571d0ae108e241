/* store_int.h - private to the store's files (store*.c).
 *
 * Tables (LMDB named databases) of the store:
 *   tenants, networks, subnets, ports, hosts, routers, router_interfaces,
 *   security_groups, security_group_rules
 *            id -> object (compact sorted JSON)
 *   meta     "revision", "next_vni", "next_mac", "next_port_key", "next_host_id",
 *            "next_router_key", "next_sg_key", "next_identity"
 *            (8-byte big-endian), "admin_hash" (32 bytes), "store_id" (32 hex
 *            digits, store_id.c)
 *   uniq     uniqueness claims, e.g. "vni:42", "mac:<net>:<mac>",
 *            "ip:<subnet>:<ip>", "hkey:<z85>", "hip:<ip>",
 *            "bind:<host>:<interface>", "rif:<subnet>" (its router
 *            interface) -> owner id; the security groups' claims are listed in
 *            store_sg.c
 *   refs     "<parent id>|<child id>" -> child kind: what holds a reference
 *   changes  revision (8-byte big-endian) -> command bytes
 *   idem     idempotency key -> "<status> <kind> <id> <fingerprint>" of the
 *            first apply (text); the fingerprint (hex, generichash of op,
 *            kind, id unless create, body) tells a retry from a reuse
 */
#ifndef TENET_STORE_INT_H
#define TENET_STORE_INT_H

#include <lmdb.h>

#include "store.h"

#define STORE_ID_MAX   64  /* longest id (host names are <= 63) */
#define STORE_IDEM_MAX 128 /* longest idempotency key */
#define STORE_FP_HEX   32  /* hex digits of a request's fingerprint (16 bytes) */

/* Meta keys of more than one file (the table above names them all). */
#define STORE_APPLIED_KEY "raft_applied" /* index of the last applied entry */
#define STORE_ADMIN_KEY	  "admin_hash"	 /* node-local, never replicated */
#define STORE_ID_KEY	  "store_id"	 /* the store's identity (hex) */

/* A decoded command. body points into the msgpack buffer's copy. */
struct store_cmd {
	enum store_op op;	       /* what to do */
	enum model_kind kind;	       /* to which kind */
	char id[STORE_ID_MAX + 1];     /* object id */
	char *body;		       /* JSON text (malloc'd, NUL-terminated) */
	char idem[STORE_IDEM_MAX + 1]; /* idempotency key, "" if none */
	uint64_t seed;		       /* allocation seed (creates), 0: sequential */
};

/* "?", "create", "update", "delete", indexed by enum store_op. */
extern const char *const store_op_names[];

struct store {
	MDB_env *env;		      /* the environment in the data directory */
	MDB_dbi objs[MODEL_KIND_MAX]; /* one table per kind */
	MDB_dbi meta;		      /* counters, revision, admin hash */
	MDB_dbi uniq;		      /* uniqueness claims */
	MDB_dbi refs;		      /* reverse references */
	MDB_dbi changes;	      /* the change log */
	MDB_dbi idem;		      /* idempotency keys of commands in the change log */
	size_t window;		      /* change-log entries kept */
	MDB_txn *batch;		      /* open batch of Raft entries (store_raft.c) */
	unsigned batch_n;	      /* entries applied in it */
	bool unsynced;		      /* commits without flushing (store_raft_durability) */
};

/* One write (or read) transaction in progress. */
struct store_txn {
	struct store *s;	 /* the store */
	MDB_txn *txn;		 /* the LMDB transaction */
	struct model_error *err; /* filled on rejection */
	uint64_t seed;		 /* the command's allocation seed, 0: sequential */
};

/* Tables in snapshot (and dump) order: the kinds of the first format
 * (tenant .. host), the five others, then the kinds added since, so a
 * snapshot written before routers existed (STORE_SNAP_TABLES_V1 tables),
 * or before security groups (STORE_SNAP_TABLES_V2), restores into the same
 * tables. */
#define STORE_SNAP_TABLES_V1 (MODEL_ROUTER + 5)
#define STORE_SNAP_TABLES_V2 (MODEL_SECURITY_GROUP + 5) /* before security groups */
#define STORE_N_TABLES	     (MODEL_KIND_MAX + 5)

/* Fills dbis (STORE_N_TABLES) in snapshot order; returns STORE_N_TABLES. */
int store_tables(struct store *s, MDB_dbi dbis[STORE_N_TABLES]);

/* Decodes a command strictly (one map, nothing after it). Returns 0 (free
 * cmd->body) or -EPROTO / -ENOMEM. */
int store_cmd_decode(const void *buf, size_t len, struct store_cmd *cmd);

/* Runs the decoded command c (encoded as buf, len) in the open write
 * transaction t->txn, which it commits (applied) or aborts (rejected or
 * replayed); fills res like store_apply. Returns 0 or -errno. */
int store_run(struct store_txn *t, const void *buf, size_t len, const struct store_cmd *c,
	      struct store_result *res);

/* Opens a read-only transaction into t (err NULL). 0 or -EIO. */
int store_read_begin(struct store *s, struct store_txn *t);

/* Parses a stored object; NULL if corrupt. */
json_t *stx_parse(const MDB_val *v);

/* Under store_raft_durability: flushes every commit (mdb_env_sync) and
 * removes the unflushed-commits marker; a failure is logged and leaves the
 * marker. Called by store_destroy. */
void store_flush_unsynced(struct store *s);

/* Translates an LMDB error into -errno (MDB_NOTFOUND -> -ENOENT, else -EIO). */
int stx_errno(int rc);

/* Raw table access by NUL-terminated key. get: 0, -ENOENT, -EIO. */
int stx_get(struct store_txn *t, MDB_dbi dbi, const char *key, MDB_val *val);
int stx_put(struct store_txn *t, MDB_dbi dbi, const char *key, const void *data, size_t len);
int stx_del(struct store_txn *t, MDB_dbi dbi, const char *key);

/* Objects. get: 0 with *out a new reference, -ENOENT, -EIO. */
int stx_obj_get(struct store_txn *t, enum model_kind kind, const char *id, json_t **out);
int stx_obj_put(struct store_txn *t, enum model_kind kind, const char *id, const json_t *obj);

/* Counters in meta; a missing counter reads as 0. */
int stx_u64_get(struct store_txn *t, const char *key, uint64_t *v);
int stx_u64_put(struct store_txn *t, const char *key, uint64_t v);

/* Claims key for owner: -EEXIST (409, err names field) if anyone holds it. */
int stx_uniq_claim(struct store_txn *t, const char *key, const char *owner, const char *field);
/* True if key is claimed. */
bool stx_uniq_taken(struct store_txn *t, const char *key);
int stx_uniq_release(struct store_txn *t, const char *key);

/* Reverse references parent <- child. */
int stx_ref_add(struct store_txn *t, const char *parent, const char *child, enum model_kind kind);
int stx_ref_del(struct store_txn *t, const char *parent, const char *child);
/* Calls cb for each child of parent (of kind, or any if kind < 0) until cb
 * returns non-zero, which is returned; 0 when all were visited. */
int stx_ref_foreach(struct store_txn *t, const char *parent, int kind,
		    int (*cb)(struct store_txn *t, const char *child, void *arg), void *arg);

/* Creates the store identity in t (store_id.c, store_id_ensure) unless the
 * store has one or has applied a Raft entry; sets *created. 0 or -EIO. */
int stx_id_put(struct store_txn *t, const void *seed, size_t len, bool *created);

/* Per-kind logic (store_kinds.c). prepare: obj is the new object (create
 * body, or old object with the patch merged in; old NULL on create): checks
 * references, fills derived and allocated fields. index/unindex: claim and
 * release uniqueness keys and references of obj. All 0 or -errno with
 * t->err filled. */
int store_kind_prepare(struct store_txn *t, enum model_kind kind, const char *id, const json_t *old,
		       json_t *obj);
/* Deletes what goes with object id of kind being deleted: a tenant's
 * security groups, a group's rules. 0 or -errno. */
int store_kind_cascade(struct store_txn *t, enum model_kind kind, const char *id);

/* Refuses (-EBUSY, t->err says why) the deletion of obj of kind when
 * something that is not a reference still needs it (a route's next hop
 * needs its router interface). 0 or -errno. */
int store_kind_deletable(struct store_txn *t, enum model_kind kind, const json_t *obj);

int store_kind_index(struct store_txn *t, enum model_kind kind, const char *id, const json_t *obj);
int store_kind_unindex(struct store_txn *t, enum model_kind kind, const char *id,
		       const json_t *obj);

/* Writes to buf (size STORE_ID_MAX + 8) the parent key under which the
 * objects that refer to object id of kind are recorded in `refs`: the id
 * itself, or "host:<name>" for a host (the ports bound to it; the prefix
 * keeps a host name from ever reading as another object's id). */
void store_kind_ref_parent(enum model_kind kind, const char *id, char *buf);

/* Creates object id of kind from body (validated by model_validate_create
 * first; the _checked variant skips that, for bodies that carry fields
 * only the store may set, such as an imported network's VNI): prepare,
 * index, write. body gets the derived fields. 0 or -errno, t->err filled. */
int stx_create(struct store_txn *t, enum model_kind kind, const char *id, json_t *body);
int stx_create_checked(struct store_txn *t, enum model_kind kind, const char *id, json_t *body);

/* Applies patch to object id of kind like an update command; *out (may be
 * NULL) the new object. 0 or -errno, t->err filled. */
int stx_update(struct store_txn *t, enum model_kind kind, const char *id, const json_t *patch,
	       json_t **out);

/* Runs a clone or import command (store_tenant.c) in t: *out the result
 * ({"tenant": object, "counts": {section: n}}), *unchanged when an import
 * found the tenant already holding the document (nothing to write). */
int store_tenant_run(struct store_txn *t, const struct store_cmd *c, json_t **out, bool *unchanged);

/* Helpers of store_kinds.c shared with store_sg.c. */
#define KINDS_KEY_MAX 200 /* uniqueness key buffer */

/* obj.field as a string, "" when absent or not a string. */
const char *kinds_str(const json_t *obj, const char *field);
/* Sets obj.field to v (stolen) unless present. */
void kinds_default(json_t *obj, const char *field, json_t *v);
/* Loads a referenced object; -ENOENT (404) naming field when absent. */
int kinds_ref(struct store_txn *t, enum model_kind kind, const char *id, const char *field,
	      json_t **out);
/* Rewrites the IP text at obj.field in canonical form. */
void kinds_canon_ip(json_t *obj, const char *field);
/* Allocates a value in [1, max] whose uniqueness key prefix + value is
 * unclaimed (see store_kinds.c); 0, -ENOSPC (err filled), -EIO. */
int kinds_alloc(struct store_txn *t, const char *name, uint32_t max, const char *prefix, bool mac,
		unsigned int shift, uint32_t *out);
/* Claims (claim) or releases the uniqueness key built from fmt for owner;
 * -EEXIST naming field when taken. */
int kinds_key(struct store_txn *t, bool claim, const char *owner, const char *field,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Adds (add) or deletes the reference parent <- child of kind. */
int kinds_ref_set(struct store_txn *t, bool add, const char *parent, const char *child,
		  enum model_kind kind);

/* Security groups (store_sg.c), called by store_kinds.c's per-kind
 * dispatch. All 0 or -errno with t->err filled. */
#define STORE_SG_DEFAULT "default" /* name of a tenant's default group */

/* prepare of a group / a rule (old NULL on create). */
int store_sg_prepare(struct store_txn *t, const char *id, const json_t *old, json_t *obj);
int store_sg_rule_prepare(struct store_txn *t, const json_t *old, json_t *obj);
/* Claims (on) or releases what group / rule obj holds. */
int store_sg_index(struct store_txn *t, bool on, const char *id, const json_t *obj);
int store_sg_rule_index(struct store_txn *t, bool on, const char *id, const json_t *obj);
/* A port's groups (the tenant's default group, created on first use, on a
 * new port that names none), address pairs and identity. */
int store_sg_port_security(struct store_txn *t, const json_t *old, json_t *obj);
/* The default group of tenant, created (with Neutron's four rules) unless
 * it has one; its id in out (STORE_ID_MAX + 1). */
int store_sg_default(struct store_txn *t, const char *tenant, char *out);

/* Parses a command's JSON body into *out; -EINVAL (err filled) if bad. */
int store_parse_body(struct store_txn *t, const char *text, json_t **out);

/* Applies a STORE_OP_MIGRATE command (store_migrate.c): a conditional
 * migration step of a port, or a drain step of a host. On success *obj is
 * the object as stored. 0 or -errno with t->err filled. */
int store_migrate_apply(struct store_txn *t, const struct store_cmd *c, json_t **obj);

/* Refuses (-EBUSY, 409) an update of old (kind) that rebinds a port while
 * it migrates: the migration owns its binding until it ends. 0 if allowed. */
int store_migrate_check_update(struct store_txn *t, enum model_kind kind, const json_t *old,
			       const json_t *patch);

#endif
