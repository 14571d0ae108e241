/* store_unsynced.c - the marker of a store that commits without flushing
 * (see store_check.h and docs/ARCHITECTURE.md, "Durability").
 *
 * A commit under MDB_NOSYNC is in the page cache when it returns: the
 * kernel writes it back later, in no particular order. Only a restart of
 * the kernel (a power loss, a panic, a reboot) loses the page cache, and a
 * restarted kernel has a new boot id. So the marker holds the boot id of the
 * kernel whose page cache has the store's unflushed commits; a store opened
 * under another boot id may be damaged and is set aside.
 */
#include "store_check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"

#define SU_BOOT_ID   "/proc/sys/kernel/random/boot_id"
#define SU_ID_LEN    36 /* a UUID's text */
#define SU_DATA	     "data.mdb"
#define SU_SET_ASIDE "data.mdb.unsynced"

/* Reads SU_ID_LEN characters of path into id (NUL-terminated). 0, -ENOENT
 * (no such file), -EBADMSG (too short) or -errno. */
static int su_read_id(const char *path, char id[SU_ID_LEN + 1])
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, id, SU_ID_LEN);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n < 0)
		return (int)n;
	if (n != SU_ID_LEN)
		return -EBADMSG;
	id[SU_ID_LEN] = '\0';
	return 0;
}

static int su_path(const char *dir, const char *name, char out[PATH_MAX])
{
	return snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int store_unsynced_check(const char *dir)
{
	char marker[PATH_MAX], data[PATH_MAX], aside[PATH_MAX];
	char was[SU_ID_LEN + 1], now[SU_ID_LEN + 1];
	int rc = su_path(dir, STORE_UNSYNCED_FILE, marker);

	if (rc == 0)
		rc = su_path(dir, SU_DATA, data);
	if (rc == 0)
		rc = su_path(dir, SU_SET_ASIDE, aside);
	if (rc < 0)
		return rc;
	rc = su_read_id(marker, was);
	if (rc == -ENOENT)
		return 0; /* flushed at its last close, or never unsynced */
	if (rc < 0 && rc != -EBADMSG) {
		log_err("cannot read the marker of unflushed commits path=%s err=%s", marker,
			log_errname(-rc));
		return rc;
	}
	if (rc == 0 && su_read_id(SU_BOOT_ID, now) == 0 && strcmp(was, now) == 0)
		return 0; /* same kernel: its page cache holds every commit */
	/* another kernel, a damaged marker or one a failed flush left: the
	 * unflushed commits may be lost and the file damaged in ways LMDB
	 * cannot see. The rename is made durable before the marker goes. */
	if (rename(data, aside) < 0 && errno != ENOENT) {
		rc = -errno;
		log_err("cannot set aside a store with unflushed commits from=%s to=%s err=%s",
			data, aside, log_errname(-rc));
		return rc;
	}
	log_warn("store had unflushed commits when its kernel stopped: set aside, rebuilt from "
		 "the Raft log file=%s marker_boot_id=%s",
		 aside, rc == 0 ? was : "unreadable");
	rc = fs_sync_dir(aside);
	if (rc == 0 && unlink(marker) < 0 && errno != ENOENT)
		rc = -errno;
	if (rc < 0)
		log_err("cannot remove the marker of unflushed commits path=%s err=%s", marker,
			log_errname(-rc));
	return rc;
}

/* Writes the marker in dir with boot id id (SU_ID_LEN characters). */
static int su_write(const char *dir, const char *id)
{
	char marker[PATH_MAX], line[SU_ID_LEN + 1];
	int rc = su_path(dir, STORE_UNSYNCED_FILE, marker);

	if (rc < 0)
		return rc;
	memcpy(line, id, SU_ID_LEN);
	line[SU_ID_LEN] = '\n';
	return fs_write_atomic(marker, line, sizeof(line), 0600);
}

int store_unsynced_mark(const char *dir)
{
	char now[SU_ID_LEN + 1];
	int rc = su_read_id(SU_BOOT_ID, now);

	return rc ? rc : su_write(dir, now);
}

int store_unsynced_poison(const char *dir)
{
	return su_write(dir, "00000000-0000-0000-0000-000000000000");
}

int store_unsynced_clear(const char *dir)
{
	char marker[PATH_MAX];
	int rc = su_path(dir, STORE_UNSYNCED_FILE, marker);

	if (rc == 0 && unlink(marker) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}
