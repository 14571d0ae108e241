/* auth.c - admin token creation and checking (see auth.h). */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "store.h"

#define AUTH_FILE    "admin.token"
#define AUTH_HEX_LEN (AUTH_TOKEN_BYTES * 2) /* hex characters in a token */

static void auth_hash(const char *token, size_t len, uint8_t hash[AUTH_HASH_BYTES])
{
	crypto_generichash(hash, AUTH_HASH_BYTES, (const unsigned char *)token, len, NULL, 0);
}

/* Writes text and a newline to path, mode 0600, replacing it atomically. */
static int auth_write_file(const char *path, const char *text)
{
	char tmp[4096];
	ssize_t n;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
		rc = -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int auth_token_init(struct store *s, const char *dir)
{
	uint8_t raw[AUTH_TOKEN_BYTES], hash[AUTH_HASH_BYTES];
	char hex[AUTH_HEX_LEN + 1], path[4096];
	struct stat st;
	int rc;

	if (!s || !dir)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", dir, AUTH_FILE);
	if (store_admin_hash_get(s, hash) == 0 && stat(path, &st) == 0)
		return 0;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	rc = auth_write_file(path, hex);
	if (rc < 0) {
		log_err("cannot write admin token path=%s err=%s", path, strerror(-rc));
		goto out;
	}
	auth_hash(hex, AUTH_HEX_LEN, hash);
	rc = store_admin_hash_set(s, hash);
	if (rc < 0)
		log_err("cannot store admin token hash");
	else
		log_info("admin token created path=%s", path);
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

bool auth_check(const uint8_t hash[AUTH_HASH_BYTES], const char *header)
{
	uint8_t got[AUTH_HASH_BYTES];
	const char *token;
	size_t len;

	if (!hash || !header || strncasecmp(header, "Bearer ", 7) != 0)
		return false;
	token = header + 7;
	while (*token == ' ')
		token++;
	len = strlen(token);
	while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t'))
		len--;
	if (len == 0 || len > 1024)
		return false;
	auth_hash(token, len, got);
	return sodium_memcmp(got, hash, AUTH_HASH_BYTES) == 0;
}
