/* applier_int.h - the applier's private state, shared by its four files:
 *
 *   applier.c        rows: validation, the tracked rows, snapshot
 *                    reconciliation and deltas, lifecycle
 *   applier_ports.c  ports: the port table (by id and by interface name),
 *                    link resolution, tn_ifindex, derived-field rewrites,
 *                    port_changed notifications
 *   applier_slots.c  counter slots: the tn_port_stats slot of each port
 *   applier_rev.c    the revision state file
 *   applier_batch.c  map writes: runs of rows of one map and op written
 *                    with libbpf's batch calls, single calls as fallback
 *
 * Every update runs as one *batch*: rows are tracked first (in memory),
 * the ports they touch are marked dirty, the dirty ports are resolved and
 * given slots, the rows are written, then only the dirty ports' derived
 * state is rewritten. The cost of a batch is what it names: its rows, the
 * ports they bind and the rows that name those ports. Single threaded, but
 * for a large snapshot's side writer (applier.c): a thread that writes the
 * rows without derived fields while the applier tracks and writes the
 * rest, joined before anything else happens.
 */
#ifndef TENET_AGENT_APPLIER_INT_H
#define TENET_AGENT_APPLIER_INT_H

#include <sys/types.h>

#include <czmq.h>

#include "applier.h"
#include "tenet_abi.h"

/* A compiled row whose value carries derived fields (FLOOD, local FDB),
 * kept to recompute them; allocated with room for its value only (a
 * snapshot keeps one per local port: 10,000 of them). */
struct applier_row {
	uint64_t written;	   /* batch that last wrote it to its map */
	uint8_t map;		   /* TN_MAP_FDB or TN_MAP_FLOOD */
	uint16_t key_len;	   /* the map's key size */
	uint16_t val_len;	   /* the map's value size: bytes in val */
	uint8_t key[WIRE_KEY_MAX]; /* the ABI key */
	uint8_t val[];		   /* the compiled value (unaligned) */
};

/* A port id that an LPORT row binds, a tracked row names or a tn_migrate
 * row names (migrating: its tn_ifindex entry and local FDB rows carry the
 * derived TN_LPORT_F_MIGRATING / TN_FDB_F_MIGRATING). */
struct applier_pstate {
	struct applier_port pub;	  /* id, bound ifname, ifindex, slot */
	bool bound;			  /* an LPORT row exists */
	struct tn_lport lport;		  /* that row's value, when bound */
	struct applier_row **deps;	  /* tracked FDB/FLOOD rows naming it */
	size_t n_deps;			  /* used entries of deps */
	size_t cap_deps;		  /* allocated entries of deps */
	struct applier_pstate *name_next; /* next port bound to pub.ifname */
	uint64_t dirty;			  /* batch it is dirty in, 0 = none */
	bool lport_written;		  /* its LPORT row changed in that batch */
	bool old_bound;			  /* bound before that batch */
	char old_ifname[16];		  /* pub.ifname before that batch */
	uint32_t old_ifindex;		  /* pub.ifindex before that batch */
	uint32_t old_slot;		  /* pub.slot before that batch */
	bool migrating;			  /* a tn_migrate row names it (live migration) */
	bool old_migrating;		  /* migrating before that batch */
};

/* What map writes need on one thread: the applier's own (applier.w) and,
 * while a large snapshot is written, a side writer on a thread of its own
 * (applier.c) for the rows without derived fields. A map is written by one
 * writer at a time, so they share the applier's batch_off. */
struct applier_writer {
	uint8_t *bkeys;		/* APPLIER_BATCH keys of one batch call */
	uint8_t *bvals;		/* APPLIER_BATCH values of one batch call */
	uint64_t *rows_applied; /* counts rows written or deleted */
	uint64_t *write_errors; /* counts failed map writes */
};

struct applier {
	struct applier_maps maps;	      /* borrowed map fds */
	struct applier_ops ops;		      /* callbacks */
	char *rev_path;			      /* revision state file, NULL = none */
	int rev_fd;			      /* rev_path open for writing, or -1 */
	off_t rev_len;			      /* its size while open */
	uint64_t rev;			      /* applied revision */
	char store_id[WIRE_STORE_ID_LEN + 1]; /* controller store rev is from, "" unknown */
	struct applier_row **rows;     /* tracked rows by (map, key), open addressing (owned) */
	size_t rows_cap;	       /* entries of rows: 0 or a power of two */
	size_t n_rows;		       /* used entries of rows */
	struct applier_pstate **ports; /* by port_id, open addressing (owned; NULL: free) */
	size_t ports_cap;	       /* entries of ports: 0 or a power of two */
	size_t n_ports;		       /* used entries of ports */
	zhashx_t *by_name;	       /* ifname -> first struct applier_pstate bound to it */
	uint64_t batch;		       /* current batch number, from 1 */
	struct applier_pstate **dirty; /* ports dirty in the current batch */
	size_t n_dirty;		       /* used entries of dirty */
	size_t cap_dirty;	       /* allocated entries of dirty */
	uint64_t rows_applied;	       /* rows written or deleted */
	uint64_t write_errors;	       /* failed map writes */
	uint64_t rev_save_errors;      /* revision file writes that failed */
	int ncpus;		       /* possible CPUs: tn_port_stats values per slot */
	uint64_t slot_used[TN_MAX_PORT_SLOTS / 64]; /* slots given out, bit per slot */
	struct applier_writer w;		    /* the map writes of the applier's thread */
	size_t side_min;	    /* rows from which a snapshot gets a side writer */
	bool batch_off[TN_MAP_MAX]; /* by map id: map refused a batch call: single calls */
};

/* Rows one batch call writes at most (bounds a writer's two buffers). */
#define APPLIER_BATCH 256

/* Rows from which a snapshot's rows without derived fields are written by
 * a side writer while the applier tracks and writes the others (a 10,000-
 * port host's snapshot is 40,000 rows, 30,000 of them plain). */
#define APPLIER_SIDE_MIN 4096

/* Which rows of a run a writer takes. */
enum applier_pick {
	APPLIER_PICK_ALL,     /* every row */
	APPLIER_PICK_DERIVED, /* rows whose values carry derived fields (FDB, FLOOD) */
	APPLIER_PICK_PLAIN,   /* the others: written as compiled, no port table */
};

/* applier.c */

/* Writes tracked row r to its map, derived fields filled in from the port
 * table. Counts it. Returns 0 or -errno (logged). */
int applier_write_row(struct applier *a, const struct applier_row *r);

/* Fills val (its map's value size, unaligned) with upsert r's value made
 * whole, its derived fields from the port table. */
void applier_row_value(const struct applier *a, const struct wire_rowref *r, uint8_t *val);

/* Collects every key of map fd (key_len bytes each) into a malloc'd array
 * (*out, caller frees). Returns the count, or -errno. */
long applier_map_keys(int fd, size_t key_len, uint8_t **out);

/* applier_rows.c */

/* The tracked row of (map, key) (key_len bytes), NULL if none. */
struct applier_row *applier_rows_find(const struct applier *a, uint8_t map, const uint8_t *key,
				      uint16_t key_len);

/* Adds row r (malloc'd; the table owns it from now on) under its map and
 * key. Returns 0, -EINVAL when r is NULL, its key too long or a row of the
 * same (map, key) is tracked already, or -ENOMEM (r is not added then:
 * the caller frees it). */
int applier_rows_add(struct applier *a, struct applier_row *r);

/* Removes tracked row r and frees it. Takes NULL and rows not in the
 * table (ignored). */
void applier_rows_del(struct applier *a, struct applier_row *r);

/* Number of tracked rows. */
size_t applier_rows_count(const struct applier *a);

/* Frees every tracked row; the table keeps its size for the next ones. */
void applier_rows_purge(struct applier *a);

/* applier_rows_purge, and frees the table itself. */
void applier_rows_free(struct applier *a);

/* applier_ports.c */

/* The state of port_id, NULL if neither bound nor named. */
struct applier_pstate *applier_port_find(const struct applier *a, uint32_t port_id);

/* The state of port_id, created unbound if absent. NULL on ENOMEM. */
struct applier_pstate *applier_port_get(struct applier *a, uint32_t port_id);

/* Starts a batch: nothing is dirty. */
void applier_batch_begin(struct applier *a);

/* Ends the batch without resolving or writing anything (restart: the
 * ports stay unresolved until the first link refresh). */
void applier_batch_end(struct applier *a);

/* Marks p dirty in the current batch, remembering its state before it.
 * Returns 0 or -ENOMEM. */
int applier_port_dirty(struct applier *a, struct applier_pstate *p);

/* Binds p to LPORT value lp (lp NULL: unbinds it), keeping the interface
 * name index. p must be dirty. */
void applier_port_bind(struct applier *a, struct applier_pstate *p, const struct tn_lport *lp);

/* Adds / removes tracked row r to / from the rows naming port_id. Returns
 * 0 or -ENOMEM. */
int applier_dep_add(struct applier *a, uint32_t port_id, struct applier_row *r);
void applier_dep_del(struct applier *a, uint32_t port_id, struct applier_row *r);

/* Resolves every dirty port's interface and gives the resolved ones slots.
 * Memory and at most one map lookup per port that needs a slot. */
void applier_ports_resolve(struct applier *a);

/* After the batch's rows are written: rewrites the tracked rows naming a
 * dirty port whose ifindex or slot changed (unless the batch wrote them),
 * updates the dirty ports' tn_ifindex entries, calls port_changed, and
 * ends the batch. Returns 0 or the first -errno of a map write. */
int applier_ports_finish(struct applier *a);

/* Deletes every tn_ifindex entry that is not a resolved bound port's.
 * O(entries): snapshots and full link refreshes only. */
void applier_ports_prune_ifindex(struct applier *a);

/* Deletes every tn_mig_active entry (when that map is given) of a port
 * without a tn_migrate row. O(entries): snapshots only. */
void applier_ports_prune_mig_active(struct applier *a);

/* Number of port states (bound or named). */
size_t applier_ports_count(const struct applier *a);

/* The port state after index *i in the port table (start with *i = 0),
 * NULL at the end. The table must not change meanwhile. */
struct applier_pstate *applier_ports_next(const struct applier *a, size_t *i);

/* Drops every port state (applier_destroy). */
void applier_ports_free(struct applier *a);

/* applier_slots.c */

/* Takes slot if it is free and in range; returns true if taken. */
bool applier_slot_take(struct applier *a, uint32_t slot);

/* Gives slot back (0 is ignored). */
void applier_slot_put(struct applier *a, uint32_t slot);

/* The slot the tn_ifindex entry at p's interface holds for p (what a
 * restarted agent takes back), 0 if none. One map lookup. */
uint32_t applier_slot_pinned(struct applier *a, const struct applier_pstate *p);

/* Takes the lowest free slot and zeroes its counters. Returns it, or 0
 * when none is free (logged). */
uint32_t applier_slot_fresh(struct applier *a, uint32_t port_id);

/* applier_batch.c */

/* Allocates w's batch buffers; it counts into rows_applied and
 * write_errors. Returns 0 or -ENOMEM. */
int applier_writer_init(struct applier_writer *w, uint64_t *rows_applied, uint64_t *write_errors);

/* Frees them. */
void applier_writer_free(struct applier_writer *w);

/* Writes the rows of rows[0..n) that pick takes, in order, with writer w:
 * each run of rows of one map and op with batch calls (APPLIER_BATCH rows
 * each; a run of one row, or a map whose batch call was refused with
 * EINVAL/ENOTSUPP, with single calls), derived fields filled in from the
 * port table (PLAIN rows have none: such a writer reads no port). Counts
 * them; returns the first -errno (each failure logged) but writes every
 * row. */
int applier_writer_write(struct applier *a, struct applier_writer *w,
			 const struct wire_rowref *rows, size_t n, enum applier_pick pick);

/* applier_writer_write of every row with the applier's own writer. */
int applier_write_batch(struct applier *a, const struct wire_rowref *rows, size_t n);

/* Deletes keys[0..n) (key_len bytes each) from map: the same calls as
 * applier_write_batch; absent keys are no error. Returns 0 or the first
 * -errno. */
int applier_delete_keys(struct applier *a, uint8_t map, const uint8_t *keys, size_t key_len,
			size_t n);

/* applier_rev.c */

/* Records rev (and store_id) in the state file, rewritten in place (not
 * synced: it must outlive the process, not the machine). Returns 0 or
 * -errno (logged with the file and the error name, counted in
 * rev_save_errors; the file is reopened at the next save). a->rev is rev
 * either way. */
int applier_rev_save(struct applier *a, uint64_t rev);

/* Closes the state file's descriptor, if open. */
void applier_rev_close(struct applier *a);

/* Reads "REV[ STORE_ID]\n" from the first line of path into *rev and
 * store_id ("" if the file has none; rev 0 if it is absent or its first
 * line is not a record). */
void applier_rev_load(const char *path, uint64_t *rev, char store_id[WIRE_STORE_ID_LEN + 1]);

#endif
