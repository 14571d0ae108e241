/* auth.h - the admin bearer token.
 *
 * At first start a token of 32 random bytes is made, written in hex to
 * <datadir>/admin.token (mode 0600) and only its hash (crypto_generichash,
 * 32 bytes) is kept, in the store's meta table. Requests present the token as
 * "Authorization: Bearer <hex>"; it is hashed and compared with
 * sodium_memcmp. Main thread only; sodium_init() must have been called.
 */
#ifndef TENET_AUTH_H
#define TENET_AUTH_H

#include <stdbool.h>
#include <stdint.h>

struct store;

#define AUTH_TOKEN_BYTES 32 /* random bytes in a token */
#define AUTH_HASH_BYTES	 32 /* crypto_generichash output kept */

/* Makes sure an admin token exists: if the store has no hash, or the token
 * file is missing, a new token is generated, written to dir/admin.token
 * (0600, replacing any old file) and its hash stored. Returns 0, -EIO
 * (logged), -errno from the file system. */
int auth_token_init(struct store *s, const char *dir);

/* True if header (the Authorization header value, may be NULL) is
 * "Bearer <token>" whose hash equals hash. Constant time in the token. */
bool auth_check(const uint8_t hash[AUTH_HASH_BYTES], const char *header);

#endif
