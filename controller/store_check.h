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

#endif
