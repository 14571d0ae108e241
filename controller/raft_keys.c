/* raft_keys.c - the cluster key (see raft_keys.h). */
#include "raft_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"

#define RK_LINE_MAX 1024 /* longest line read from a secret file */

/* Reads the first line of path into buf (newline stripped). */
static int rk_read_line(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return -errno;
	if (!fgets(buf, (int)size, fp))
		buf[0] = '\0';
	fclose(fp);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

/* Writes text and a newline to path with mode 0600 (new file only). */
static int rk_write_new(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0)
		rc = -EIO;
	close(fd);
	return rc;
}

int raft_keys_load(const char *dir, const char *file, bool create, uint8_t key[RAFT_NODE_KEY_BYTES])
{
	char path[4096], hex[RK_LINE_MAX];
	size_t bin_len = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/cluster.key", dir);
	if (file)
		snprintf(path, sizeof(path), "%s", file);
	rc = rk_read_line(path, hex, sizeof(hex));
	if (rc == -ENOENT && !file && create) {
		randombytes_buf(key, RAFT_NODE_KEY_BYTES);
		sodium_bin2hex(hex, sizeof(hex), key, RAFT_NODE_KEY_BYTES);
		rc = rk_write_new(path, hex);
		sodium_memzero(hex, sizeof(hex));
		if (rc == 0)
			log_info("cluster key created path=%s", path);
		return rc;
	}
	if (rc < 0)
		return rc;
	if (strlen(hex) != 2 * RAFT_NODE_KEY_BYTES ||
	    sodium_hex2bin(key, RAFT_NODE_KEY_BYTES, hex, strlen(hex), NULL, &bin_len, NULL) != 0 ||
	    bin_len != RAFT_NODE_KEY_BYTES)
		rc = -EINVAL;
	sodium_memzero(hex, sizeof(hex));
	if (rc < 0)
		log_err("malformed cluster key path=%s (want 64 hex characters)", path);
	return rc;
}
