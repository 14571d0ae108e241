/* fuzz_snapshot.c - libFuzzer target for snapshot restore
 * (controller/store_raft.c, store_restore): the logical dump a follower
 * installs from its leader through raft's FSM restore. Whatever the bytes,
 * restore must not crash or leak, and must either refuse them (nothing
 * changed) or load them; a store it loaded must then be readable the way
 * the controller reads it after a restore (topology reload, change feed,
 * listings), and its own snapshot must restore to the same snapshot again.
 *
 * One LMDB directory per process, made on the first input and removed at
 * exit (run.sh removes it after a crash); every input starts from an empty
 * store (all tables dropped).
 *
 * Built by tests/fuzz/CMakeLists.txt and run by ctest (label fuzz) from the
 * seed corpus in tests/fuzz/corpus/snapshot/ (real snapshots, written by
 * corpus_gen.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "topology.h"

static struct store *store;
static char dir[4096];

/* Closes the store and removes its directory. */
static void fuzz_cleanup(void)
{
	char path[sizeof(dir) + 16];

	store_destroy(&store);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

/* Opens the store in a new directory under $TMPDIR (run.sh points it into
 * its work directory, removed even after a crash) or /tmp. */
static void fuzz_open(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/tenet-fuzz-snapshot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	store = store_new(dir, 16);
	if (!store)
		abort();
	atexit(fuzz_cleanup);
	/* the data is thrown away: no fsync per commit, many more runs */
	if (mdb_env_set_flags(store->env, MDB_NOSYNC, 1) != 0)
		abort();
}

/* Empties every table: each input starts from the same store. */
static void fuzz_reset(void)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(store->env, NULL, 0, &txn);

	for (int i = 0; i < MODEL_KIND_MAX && rc == 0; i++)
		rc = mdb_drop(txn, store->objs[i], 0);
	if (rc == 0)
		rc = mdb_drop(txn, store->meta, 0);
	if (rc == 0)
		rc = mdb_drop(txn, store->uniq, 0);
	if (rc == 0)
		rc = mdb_drop(txn, store->refs, 0);
	if (rc == 0)
		rc = mdb_drop(txn, store->changes, 0);
	if (rc == 0)
		rc = mdb_drop(txn, store->idem, 0);
	if (rc != 0 || mdb_txn_commit(txn) != 0)
		abort();
}

/* Reads the restored store as the controller does after a restore. Any
 * outcome but a crash is fine: the data may be anything. */
static void fuzz_read(void)
{
	struct topology topo = {0};
	uint64_t rev = 0, cur;
	bool full = true;
	json_t *out;

	if (store_load_topology(store, &topo) == 0)
		topology_release(&topo);
	if (store_update_topology(store, &topo, &rev, &full, NULL, NULL) == 0)
		topology_release(&topo);
	if (store_changes_since(store, 0, &out, &cur) == 0)
		json_decref(out);
	for (int k = 0; k < MODEL_KIND_MAX; k++)
		if (store_list(store, k, NULL, &out) == 0)
			json_decref(out);
	store_revision(store);
	store_applied_index(store);
}

/* Snapshot of the store, restored into an empty store: the same snapshot. */
static void fuzz_roundtrip(void)
{
	void *a, *b;
	size_t alen, blen;
	bool skipped = true;

	if (store_snapshot(store, &a, &alen, NULL) != 0)
		abort();
	fuzz_reset();
	if (store_restore(store, a, alen, &skipped) != 0 || skipped)
		abort();
	if (store_snapshot(store, &b, &blen, NULL) != 0)
		abort();
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool skipped = true;

	if (!store)
		fuzz_open();
	fuzz_reset();
	if (store_restore(store, data, size, &skipped) != 0)
		return 0;
	if (skipped) /* an empty store holds no index: nothing is skipped */
		abort();
	fuzz_read();
	fuzz_roundtrip();
	return 0;
}
