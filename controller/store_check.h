/* store_check.h - checks the LMDB data file before LMDB maps it.
 *
 * LMDB maps data.mdb and trusts it: a page its meta names that lies past
 * the end of a truncated file is read through the mapping and the process
 * dies of SIGBUS (in mdb_dbi_open, at the first read). So before
 * mdb_env_open the store reads the file's two meta pages (LMDB 0.9 layout,
 * MDB_DATA_VERSION 1, written by this machine's word size) and checks that
 * every page reachable from the newer one lies inside the file. Main
 * thread, before the environment is opened.
 */
#ifndef TENET_STORE_CHECK_H
#define TENET_STORE_CHECK_H

/* Checks dir/data.mdb. A missing or empty file is fine (LMDB creates a new
 * store; with an existing Raft log the node rebuilds it by replay).
 * Returns 0, -EBADMSG (no valid meta page: not an LMDB file, zeroed or
 * overwritten), -ENODATA (truncated: a reachable page lies past the end),
 * -EUCLEAN (a reachable page does not carry its own number), -errno from
 * reading; every refusal is logged with the file and what to do. */
int store_check_file(const char *dir);

/* The marker of a store that commits without flushing (MDB_NOSYNC, under a
 * Raft log): its first line is the boot id of the kernel whose page cache
 * holds the unflushed commits (store_unsynced.c). */
#define STORE_UNSYNCED_FILE "store.unsynced"

/* Before store_check_file: if dir has the marker and the kernel has
 * restarted since it was written (another boot id, or a damaged marker:
 * too short), the page cache that held the store's last commits is gone and
 * data.mdb may be damaged without LMDB noticing: it is renamed
 * data.mdb.unsynced (replacing an older one), logged, and the marker
 * removed, so the node starts with an empty store that the Raft snapshot
 * and log rebuild. Returns 0 or -errno (a marker that cannot be read for
 * another reason, a rename or removal that fails: logged). */
int store_unsynced_check(const char *dir);

/* Writes the marker with this kernel's boot id, durably (fs_write_atomic),
 * before the first unflushed commit. 0 or -errno (-ENOENT: the kernel
 * gives no boot id, so the store must keep flushing). */
int store_unsynced_mark(const char *dir);

/* Rewrites the marker with a boot id no kernel has (all zeros), durably:
 * after a failed flush the kernel may have dropped pages it could not
 * write, so the next open sets the store aside even under this kernel.
 * 0 or -errno. */
int store_unsynced_poison(const char *dir);

/* Removes the marker once everything committed is flushed (mdb_env_sync).
 * 0 or -errno. */
int store_unsynced_clear(const char *dir);

#endif
