/* applier_rev.c - the applier's revision state file; see applier_int.h.
 *
 * <state-dir>/<host>.rev holds "REV[ STORE_ID]\n": the revision whose rows
 * the maps hold and the controller store it is from. It is written to
 * "<path>.tmp", synced and renamed over the file, so a crash leaves the old
 * or the new revision, never a torn one.
 */
#include "applier_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Writes the state file's content to an open tmp file. Returns 0 or -errno;
 * f is closed either way. */
static int applier_rev_write(struct applier *a, FILE *f, uint64_t rev)
{
	int err = 0;

	if (a->store_id[0])
		fprintf(f, "%" PRIu64 " %s\n", rev, a->store_id);
	else
		fprintf(f, "%" PRIu64 "\n", rev);
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int applier_rev_save(struct applier *a, uint64_t rev)
{
	char tmp[4096];
	FILE *f;
	int err;

	a->rev = rev;
	if (!a->rev_path)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", a->rev_path) >= (int)sizeof(tmp)) {
		err = -ENAMETOOLONG;
		goto out_err;
	}
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		goto out_err;
	}
	err = applier_rev_write(a, f, rev);
	if (!err && rename(tmp, a->rev_path))
		err = -errno;
	if (err)
		goto out_unlink;
	return 0;
out_unlink:
	unlink(tmp);
out_err:
	a->rev_save_errors++;
	log_err("cannot record revision path=%s rev=%" PRIu64 " err=%s", a->rev_path, rev,
		log_errname(err));
	return err;
}

void applier_rev_load(const char *path, uint64_t *rev, char store_id[WIRE_STORE_ID_LEN + 1])
{
	char id[WIRE_STORE_ID_LEN + 2] = "";
	FILE *f = fopen(path, "r");

	*rev = 0;
	store_id[0] = '\0';
	if (!f)
		return;
	/* the identity is absent in files from before identities, or when the
	 * controller had none */
	if (fscanf(f, "%" SCNu64 " %33s", rev, id) < 1)
		*rev = 0;
	fclose(f);
	if (wire_store_id_valid(id))
		memcpy(store_id, id, WIRE_STORE_ID_LEN + 1);
}
