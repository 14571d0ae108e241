/* applier_rev.c - the applier's revision state file; see applier_int.h.
 *
 * <state-dir>/<host>.rev holds "REV[ STORE_ID]\n": the revision whose rows
 * the maps hold and the controller store it is from. It is rewritten in
 * place after every update: one pwrite of the record at offset 0 through a
 * descriptor kept open, then a truncation when the record got shorter. No
 * new file, no rename and no fsync: the file describes pinned maps, which
 * live in the kernel's memory, so it has to survive the agent process, not
 * the machine (docs/ARCHITECTURE.md, "Agent"). A write that completed is
 * seen by every later process, whatever happens to this one; a process that
 * dies between the write and the truncation leaves the new record followed
 * by the end of the old one, which the loader does not read (it takes the
 * first line).
 */
#include "applier_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "log.h"

/* Opens the state file for writing if it is not open yet (created if
 * absent, content kept). Returns 0 or -errno. */
static int applier_rev_open(struct applier *a)
{
	struct stat st;
	int err;

	if (a->rev_fd >= 0)
		return 0;
	a->rev_fd = open(a->rev_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (a->rev_fd < 0)
		return -errno;
	if (fstat(a->rev_fd, &st)) {
		err = -errno;
		applier_rev_close(a);
		return err;
	}
	a->rev_len = st.st_size;
	return 0;
}

/* Replaces the file's record with rec[0..len). Returns 0 or -errno. */
static int applier_rev_write(struct applier *a, const char *rec, size_t len)
{
	ssize_t n;
	int err;

	err = applier_rev_open(a);
	if (err)
		return err;
	n = pwrite(a->rev_fd, rec, len, 0);
	if (n != (ssize_t)len) {
		err = n < 0 ? -errno : -EIO;
		/* a record cut short (disk full while the file grows) could
		 * read as another revision: leave none (rev 0, a SNAPSHOT) */
		if (n > 0 && ftruncate(a->rev_fd, 0) == 0)
			a->rev_len = 0;
		return err;
	}
	if ((off_t)len < a->rev_len && ftruncate(a->rev_fd, (off_t)len))
		return -errno;
	a->rev_len = (off_t)len;
	return 0;
}

int applier_rev_save(struct applier *a, uint64_t rev)
{
	char rec[64];
	int len, err;

	a->rev = rev;
	if (!a->rev_path)
		return 0;
	if (a->store_id[0])
		len = snprintf(rec, sizeof(rec), "%" PRIu64 " %s\n", rev, a->store_id);
	else
		len = snprintf(rec, sizeof(rec), "%" PRIu64 "\n", rev);
	err = applier_rev_write(a, rec, (size_t)len);
	if (!err)
		return 0;
	/* reopened next time: the path may name another file by then */
	applier_rev_close(a);
	a->rev_save_errors++;
	log_err("cannot record revision path=%s rev=%" PRIu64 " err=%s", a->rev_path, rev,
		log_errname(err));
	return err;
}

void applier_rev_close(struct applier *a)
{
	if (a->rev_fd >= 0)
		close(a->rev_fd);
	a->rev_fd = -1;
	a->rev_len = 0;
}

void applier_rev_load(const char *path, uint64_t *rev, char store_id[WIRE_STORE_ID_LEN + 1])
{
	char line[128], id[WIRE_STORE_ID_LEN + 2] = "";
	FILE *f = fopen(path, "r");

	*rev = 0;
	store_id[0] = '\0';
	if (!f)
		return;
	/* the first line only: what follows it is a longer record's end */
	if (!fgets(line, sizeof(line), f) || !strchr(line, '\n') ||
	    sscanf(line, "%" SCNu64 " %33s", rev, id) < 1) {
		*rev = 0;
		id[0] = '\0';
	}
	fclose(f);
	/* the identity is absent in files from before identities, or when the
	 * controller had none */
	if (wire_store_id_valid(id))
		memcpy(store_id, id, WIRE_STORE_ID_LEN + 1);
}
