/* auth.c - admin token creation and checking (see auth.h). */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
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
	char line[AUTH_HEX_LEN + 2];
	int n = snprintf(line, sizeof(line), "%s\n", text);

	if (n < 0 || n >= (int)sizeof(line))
		return -EINVAL;
	return fs_write_atomic(path, line, (size_t)n, 0600);
}

/* Reads the token in path into hex: exactly AUTH_HEX_LEN hex characters,
 * optionally followed by a newline ("\n" or "\r\n"), nothing else. Returns
 * 0, -ENOENT (no file), -EINVAL (logged: anything else is in it), -errno. */
static int auth_read_file(const char *path, char hex[AUTH_HEX_LEN + 1])
{
	char buf[AUTH_HEX_LEN + 4];
	ssize_t n;
	size_t len;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		goto out;
	len = (size_t)n;
	if (len > AUTH_HEX_LEN && buf[len - 1] == '\n')
		len--;
	if (len > AUTH_HEX_LEN && buf[len - 1] == '\r')
		len--;
	rc = len == AUTH_HEX_LEN ? 0 : -EINVAL;
	for (size_t i = 0; i < AUTH_HEX_LEN && rc == 0; i++)
		if (!isxdigit((unsigned char)buf[i]))
			rc = -EINVAL;
	if (rc == 0) {
		memcpy(hex, buf, AUTH_HEX_LEN);
		hex[AUTH_HEX_LEN] = '\0';
	} else {
		log_err("malformed admin token path=%s size=%zd (want %d hex characters and a "
			"newline): restore the file, or delete it to make a new token",
			path, n, AUTH_HEX_LEN);
	}
out:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* Stores the hash of hex unless the store has it already. */
static int auth_store_hash(struct store *s, const char *hex, bool *changed)
{
	uint8_t hash[AUTH_HASH_BYTES], old[AUTH_HASH_BYTES];
	int rc = 0;

	auth_hash(hex, AUTH_HEX_LEN, hash);
	*changed = store_admin_hash_get(s, old) < 0 || sodium_memcmp(old, hash, sizeof(hash)) != 0;
	if (*changed)
		rc = store_admin_hash_set(s, hash);
	if (rc < 0)
		log_err("cannot store admin token hash");
	return rc;
}

/* No token file: a new token (first start, or the operator deleted it). */
static void auth_token_new(struct store *s, const char *path, struct auth_token *t)
{
	uint8_t raw[AUTH_TOKEN_BYTES], old[AUTH_HASH_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(t->hex, sizeof(t->hex), raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	t->write = true;
	if (store_admin_hash_get(s, old) == 0)
		log_warn("admin token file was missing: a new token replaces the old one path=%s",
			 path);
}

int auth_token_load(struct store *s, const char *dir, const char *import, struct auth_token *t)
{
	char path[4096];
	bool changed = false;
	int rc;

	if (!s || !dir || !t)
		return -EINVAL;
	*t = (struct auth_token){0};
	if (snprintf(path, sizeof(path), "%s/%s", dir, AUTH_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	rc = auth_read_file(import ? import : path, t->hex);
	if (rc == -ENOENT && !import) {
		auth_token_new(s, path, t);
		rc = 0;
	} else if (rc < 0 && rc != -EINVAL) {
		log_err("cannot read admin token path=%s err=%s", import ? import : path,
			log_errname(-rc));
	}
	if (import)
		t->write = true; /* copied to dir/admin.token */
	if (rc == 0)
		rc = auth_store_hash(s, t->hex, &changed);
	if (rc == 0 && changed && !t->write)
		log_info("admin token hash restored from path=%s", path);
	if (rc < 0)
		sodium_memzero(t, sizeof(*t));
	return rc;
}

int auth_token_publish(const char *dir, struct auth_token *t)
{
	char path[4096];
	int rc = 0;

	if (!dir || !t)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, AUTH_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (t->write)
		rc = auth_write_file(path, t->hex);
	if (rc < 0)
		log_err("cannot write admin token path=%s err=%s", path, log_errname(-rc));
	else if (t->write)
		log_info("admin token written path=%s", path);
	sodium_memzero(t, sizeof(*t));
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
