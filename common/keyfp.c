/* keyfp.c - key fingerprints; see keyfp.h. */
#include "keyfp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

void keyfp_raw(const uint8_t key[32], char out[KEYFP_HEX + 1])
{
	uint8_t h[crypto_generichash_BYTES_MIN]; /* 16: the shortest BLAKE2b allows */

	crypto_generichash(h, sizeof(h), key, 32, NULL, 0);
	sodium_bin2hex(out, KEYFP_HEX + 1, h, KEYFP_HEX / 2);
}

int keyfp_z85(const char *z85, char out[KEYFP_HEX + 1])
{
	uint8_t raw[32];

	if (!z85 || strlen(z85) != Z85_KEY_LEN || !zmq_z85_decode(raw, z85)) {
		snprintf(out, KEYFP_HEX + 1, "-");
		return -EINVAL;
	}
	keyfp_raw(raw, out);
	return 0;
}
