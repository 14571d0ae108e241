/* store_check.c - data.mdb against its own meta pages (see store_check.h).
 *
 * The structs below mirror LMDB 0.9's on-disk layout (mdb.c: MDB_page,
 * MDB_meta, MDB_db, MDB_node; MDB_DATA_VERSION 1), which uses the native
 * word size and byte order, as LMDB itself does.
 */
#include "store_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SC_FILE	      "data.mdb"
#define SC_MAGIC      0xBEEFC0DEu /* MDB_MAGIC */
#define SC_VERSION    1		  /* MDB_DATA_VERSION */
#define SC_P_BRANCH   0x01	  /* page flags */
#define SC_P_LEAF     0x02
#define SC_P_OVERFLOW 0x04
#define SC_P_META     0x08
#define SC_P_LEAF2    0x20
#define SC_F_BIGDATA  0x01	   /* node flags: data on overflow pages */
#define SC_F_SUBDATA  0x02	   /* data is a named database's MDB_db */
#define SC_P_INVALID  ((size_t)-1) /* no root: empty tree */
#define SC_DEPTH_MAX  32	   /* tree levels, named databases included */

/* MDB_page's header. */
struct sc_page {
	size_t pgno;	/* the page's own number */
	uint16_t pad;	/* key size on LEAF2 pages */
	uint16_t flags; /* SC_P_* */
	union {
		struct {
			uint16_t lower; /* end of the node offsets */
			uint16_t upper; /* start of the node data */
		} b;
		uint32_t pages; /* overflow pages in this run */
	} u;
	uint16_t ptrs[]; /* node offsets */
};

/* MDB_db: one B-tree. */
struct sc_db {
	uint32_t pad;	 /* page size, in the free DB of a meta */
	uint16_t flags;	 /* database flags */
	uint16_t depth;	 /* tree depth */
	size_t branch;	 /* branch pages */
	size_t leaf;	 /* leaf pages */
	size_t overflow; /* overflow pages */
	size_t entries;	 /* items */
	size_t root;	 /* root page, SC_P_INVALID if empty */
};

/* MDB_meta: follows the header of pages 0 and 1. */
struct sc_meta {
	uint32_t magic;	     /* SC_MAGIC */
	uint32_t version;    /* SC_VERSION */
	void *address;	     /* fixed mapping address (unused) */
	size_t mapsize;	     /* map size */
	struct sc_db dbs[2]; /* free pages, main database */
	size_t last_pg;	     /* last page in use */
	size_t txnid;	     /* transaction that wrote this meta */
};

/* MDB_node: an entry of a branch or leaf page. */
struct sc_node {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint16_t lo, hi; /* data size, or child page number's low 32 bits */
#else
	uint16_t hi, lo;
#endif
	uint16_t flags; /* SC_F_*, or the child page number's high 16 bits */
	uint16_t ksize; /* key bytes that follow */
};

/* The file being checked. */
struct sc_file {
	const char *path; /* for messages */
	int fd;		  /* open read-only */
	size_t size;	  /* bytes */
	size_t psize;	  /* page size from the meta */
	size_t last_pg;	  /* newest meta's last page */
	size_t visited;	  /* pages walked: a healthy tree reaches each once */
	size_t bad_pgno;  /* the page found wanting */
};

/* Reads page pgno (psize bytes) into buf; -ENODATA if it lies past the end
 * of the file, -EUCLEAN if it is past last_pg or does not carry its number. */
static int sc_read_page(struct sc_file *f, size_t pgno, uint8_t *buf)
{
	struct sc_page *p = (struct sc_page *)buf;

	f->bad_pgno = pgno;
	if (pgno > f->last_pg)
		return -EUCLEAN;
	if ((pgno + 1) * f->psize > f->size)
		return -ENODATA;
	if (pread(f->fd, buf, f->psize, (off_t)(pgno * f->psize)) != (ssize_t)f->psize)
		return -EIO;
	return p->pgno == pgno ? 0 : -EUCLEAN;
}

static int sc_walk(struct sc_file *f, size_t pgno, int depth);

/* The overflow run starting at pgno lies wholly inside the file. */
static int sc_overflow(struct sc_file *f, size_t pgno, uint8_t *buf)
{
	const struct sc_page *p = (const struct sc_page *)buf;
	int rc = sc_read_page(f, pgno, buf);

	if (rc < 0)
		return rc;
	if (!(p->flags & SC_P_OVERFLOW) || p->u.pages == 0 || pgno + p->u.pages - 1 > f->last_pg)
		return -EUCLEAN;
	f->bad_pgno = pgno + p->u.pages - 1;
	return (pgno + p->u.pages) * f->psize > f->size ? -ENODATA : 0;
}

/* Follows one leaf node: its overflow pages or its named database. */
static int sc_leaf_node(struct sc_file *f, const uint8_t *node, size_t room, uint8_t *scratch,
			int depth)
{
	const struct sc_node *n = (const struct sc_node *)node;
	const uint8_t *data = node + sizeof(*n) + n->ksize;
	struct sc_db db;
	size_t pg;

	room -= sizeof(*n);
	if (n->flags & SC_F_BIGDATA) {
		if (n->ksize + sizeof(pg) > room)
			return -EUCLEAN;
		memcpy(&pg, data, sizeof(pg));
		return sc_overflow(f, pg, scratch);
	}
	if (n->flags & SC_F_SUBDATA) {
		if (n->ksize + sizeof(db) > room)
			return -EUCLEAN;
		memcpy(&db, data, sizeof(db));
		return db.root == SC_P_INVALID ? 0 : sc_walk(f, db.root, depth + 1);
	}
	return 0;
}

/* Walks the nodes of the branch or leaf page in buf. */
static int sc_walk_nodes(struct sc_file *f, const uint8_t *buf, int depth)
{
	const struct sc_page *p = (const struct sc_page *)buf;
	size_t hdr = offsetof(struct sc_page, ptrs), nkeys;
	uint8_t *scratch = NULL;
	int rc = 0;

	if (p->u.b.lower < hdr || p->u.b.lower > f->psize)
		return -EUCLEAN;
	nkeys = (p->u.b.lower - hdr) / 2;
	for (size_t i = 0; i < nkeys && rc == 0; i++) {
		size_t off = p->ptrs[i];
		const struct sc_node *n = (const struct sc_node *)(buf + off);
		size_t child;

		if (off < hdr || off + sizeof(*n) > f->psize)
			return -EUCLEAN;
		if (p->flags & SC_P_BRANCH) {
			child = (size_t)n->lo | (size_t)n->hi << 16;
			if (sizeof(size_t) > 4)
				child |= (size_t)n->flags << 16 << 16;
			rc = sc_walk(f, child, depth + 1);
			continue;
		}
		if (!scratch) {
			scratch = malloc(f->psize);
			if (!scratch)
				return -ENOMEM;
		}
		rc = sc_leaf_node(f, buf + off, f->psize - off, scratch, depth);
	}
	free(scratch);
	return rc;
}

/* Checks page pgno and every page below it. */
static int sc_walk(struct sc_file *f, size_t pgno, int depth)
{
	const struct sc_page *p;
	uint8_t *buf;
	int rc;

	if (depth > SC_DEPTH_MAX || ++f->visited > f->last_pg + 1) {
		f->bad_pgno = pgno;
		return -EUCLEAN;
	}
	buf = malloc(f->psize);
	if (!buf)
		return -ENOMEM;
	p = (const struct sc_page *)buf;
	rc = sc_read_page(f, pgno, buf);
	if (rc == 0 && (p->flags & SC_P_LEAF2))
		rc = 0; /* fixed-size keys, no nodes to follow */
	else if (rc == 0 && (p->flags & (SC_P_BRANCH | SC_P_LEAF)))
		rc = sc_walk_nodes(f, buf, depth);
	else if (rc == 0)
		rc = -EUCLEAN;
	free(buf);
	return rc;
}

/* Reads the meta of page 0 (at offset 0) or 1 (at offset psize). */
static bool sc_read_meta(struct sc_file *f, size_t off, struct sc_meta *m)
{
	uint8_t buf[offsetof(struct sc_page, ptrs) + sizeof(*m)];
	const struct sc_page *p = (const struct sc_page *)buf;

	if (pread(f->fd, buf, sizeof(buf), (off_t)off) != (ssize_t)sizeof(buf))
		return false;
	memcpy(m, buf + offsetof(struct sc_page, ptrs), sizeof(*m));
	return (p->flags & SC_P_META) && m->magic == SC_MAGIC && m->version == SC_VERSION;
}

/* A page size LMDB could have written: a power of two, 512 .. 64 KiB. */
static bool sc_psize_valid(size_t psize)
{
	return psize >= 512 && psize <= 65536 && (psize & (psize - 1)) == 0;
}

/* Picks the newer of the two metas into f; -EBADMSG if either is bad. */
static int sc_metas(struct sc_file *f, struct sc_meta *newest)
{
	struct sc_meta m0, m1;

	if (!sc_read_meta(f, 0, &m0) || !sc_psize_valid(m0.dbs[0].pad) ||
	    !sc_read_meta(f, m0.dbs[0].pad, &m1) || m1.dbs[0].pad != m0.dbs[0].pad)
		return -EBADMSG;
	*newest = m1.txnid > m0.txnid ? m1 : m0;
	f->psize = m0.dbs[0].pad;
	f->last_pg = newest->last_pg;
	return f->last_pg < 1 ? -EBADMSG : 0;
}

/* Logs what is wrong with the file and what the operator can do. */
static void sc_refuse(const struct sc_file *f, int rc)
{
	static const char *const remedy =
	    "restore it from a backup, or move it and lock.mdb aside to rebuild the store from "
	    "the Raft log (the raft directory, or the cluster's leader)";

	if (rc == -EBADMSG)
		log_err("%s is not an LMDB file (no valid meta page: zeroed or overwritten?) "
			"path=%s size=%zu; %s",
			SC_FILE, f->path, f->size, remedy);
	else if (rc == -ENODATA)
		log_err("%s is truncated path=%s size=%zu need=%zu page=%zu; %s", SC_FILE, f->path,
			f->size, (f->bad_pgno + 1) * f->psize, f->bad_pgno, remedy);
	else if (rc == -EUCLEAN)
		log_err("%s is damaged path=%s page=%zu (not the page its tree names); %s", SC_FILE,
			f->path, f->bad_pgno, remedy);
	else
		log_err("cannot check %s path=%s err=%s", SC_FILE, f->path, log_errname(-rc));
}

int store_check_file(const char *dir)
{
	struct sc_file f = {.fd = -1};
	struct sc_meta meta;
	char path[4096];
	struct stat st;
	int rc;

	if (!dir)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, SC_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f.path = path;
	f.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f.fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = fstat(f.fd, &st) < 0 ? -errno : 0;
	f.size = (size_t)st.st_size;
	if (rc == 0 && f.size > 0) {
		rc = sc_metas(&f, &meta);
		/* The file may end before last_pg when the last pages are free
		 * (LMDB does not write pages freed in the transaction that made
		 * them): walk the trees to tell that from a truncation. */
		if (rc == 0 && (f.last_pg + 1) * f.psize > f.size) {
			rc =
			    meta.dbs[0].root == SC_P_INVALID ? 0 : sc_walk(&f, meta.dbs[0].root, 0);
			if (rc == 0 && meta.dbs[1].root != SC_P_INVALID)
				rc = sc_walk(&f, meta.dbs[1].root, 0);
		}
	}
	if (rc < 0)
		sc_refuse(&f, rc);
	close(f.fd);
	return rc;
}
