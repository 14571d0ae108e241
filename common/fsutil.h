/* fsutil.h - small file system helpers both daemons use: mkdir -p and an
 * atomic, durable replacement of a small file. Any thread. */
#ifndef TENET_FSUTIL_H
#define TENET_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Creates dir and its missing parents with mode (existing ones are left as
 * they are). Returns 0, -ENAMETOOLONG, or -errno of the mkdir that failed. */
int fs_mkdir_p(const char *dir, mode_t mode);

/* Creates the missing directories above file (its dirname) with mode.
 * Returns 0 (also when file has no directory part) or as fs_mkdir_p. */
int fs_mkdir_parent(const char *file, mode_t mode);

/* Replaces path with len bytes of data, atomically and durably: written to
 * path.tmp (mode, created anew), fsynced, renamed over path, and the
 * directory fsynced. Readers see the old or the new file, never a part.
 * Returns 0 or -errno (path.tmp removed). */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* fsyncs the directory that holds path (a rename or unlink in it made
 * durable). 0 or -errno. */
int fs_sync_dir(const char *path);

/* Makes tmp, a complete file already written, durable and renames it to
 * path (then fsyncs the directory). Returns 0 or -errno (tmp removed). */
int fs_commit(const char *tmp, const char *path);

#endif
