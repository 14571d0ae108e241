/* keyfp.h - short fingerprints of CURVE public keys, for logs.
 *
 * A fingerprint is the first 8 bytes of BLAKE2b-128 (libsodium's
 * crypto_generichash, no key) of the 32-byte public key, as 16 lower-case
 * hex digits. The agent logs its own key's fingerprint, the controller that
 * of every client it refuses, and `tenet-agent --genkey` prints it, so an
 * operator can match the three without comparing 40-character keys. Pure
 * functions; any thread.
 */
#ifndef TENET_KEYFP_H
#define TENET_KEYFP_H

#include <stdint.h>

#define KEYFP_HEX 16 /* hex digits in a fingerprint */
#define Z85_KEY_LEN 40 /* a CURVE public key in Z85 text, without the NUL */

/* Writes the fingerprint of the raw 32-byte key to out (NUL-terminated). */
void keyfp_raw(const uint8_t key[32], char out[KEYFP_HEX + 1]);

/* Same for a Z85 key (40 characters). Returns 0, or -EINVAL (out set to
 * "-") if z85 is not a Z85 key. */
int keyfp_z85(const char *z85, char out[KEYFP_HEX + 1]);

#endif
