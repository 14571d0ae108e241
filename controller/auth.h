/* auth.h - the admin bearer token.
 *
 * At first start a token of 32 random bytes is made, written in hex to
 * <datadir>/admin.token (mode 0600) and only its hash (crypto_generichash
 * of the 64 hex characters, 32 bytes) is kept, in the store's meta table.
 * Requests present the token as "Authorization: Bearer <hex>"; it is hashed
 * and compared with sodium_memcmp. Main thread only; sodium_init() must have been called.
 */
#ifndef TENET_AUTH_H
#define TENET_AUTH_H

#include <stdbool.h>
#include <stdint.h>

struct store;

#define AUTH_TOKEN_BYTES 32 /* random bytes in a token */
#define AUTH_HASH_BYTES	 32 /* crypto_generichash output kept */

/* The admin token between auth_token_load and auth_token_publish. */
struct auth_token {
	char hex[AUTH_TOKEN_BYTES * 2 + 1]; /* the token, NUL-terminated */
	bool write;			    /* dir/admin.token must be (re)written */
};

/* Start-up, before the API listens. The token FILE is the truth; the store
 * keeps its hash (node-local, not replicated) and is given it from the file
 * on every start, so a store rebuilt from the Raft log keeps the token.
 * The token is read from import (--admin-token FILE) if not NULL, else from
 * dir/admin.token; when neither is given nor exists a new token is made:
 * the first start, or a deliberate rotation (the operator deleted the
 * file; a warning when the store had a hash). A token file must hold 64
 * hex characters, optionally followed by a newline: anything else (empty,
 * truncated, other characters) is refused with -EINVAL, logged naming the
 * file. Stores the hash and fills *t. Returns 0, -EINVAL, -EIO, -errno. */
int auth_token_load(struct store *s, const char *dir, const char *import, struct auth_token *t);

/* Start-up, once the API listens (scripts wait for the file): writes a new
 * or imported token to dir/admin.token (0600, atomically) and wipes *t.
 * Returns 0 or -errno (logged). */
int auth_token_publish(const char *dir, struct auth_token *t);

/* True if header (the Authorization header value, may be NULL) is
 * "Bearer <token>" whose hash equals hash. Constant time in the token. */
bool auth_check(const uint8_t hash[AUTH_HASH_BYTES], const char *header);

#endif
