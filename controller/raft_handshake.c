/* raft_handshake.c - the Raft transport's handshake bytes (see
 * raft_handshake.h). */
#include "raft_handshake.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "bytes.h"

_Static_assert(RAFT_HANDSHAKE_MAC == crypto_auth_hmacsha512256_BYTES, "MAC size");
_Static_assert(RAFT_HANDSHAKE_KEY == crypto_auth_hmacsha512256_KEYBYTES, "key size");
_Static_assert(RAFT_HANDSHAKE_ADDR_MAX % 8 == 0, "address field is padded to 8 bytes");

/* Checks the address field f (n bytes) and copies the address to out. */
static int rh_parse_addr(const uint8_t *f, size_t n, char *out)
{
	size_t len = 0;

	while (len < n && f[len] != 0) {
		if (f[len] < 0x21 || f[len] > 0x7e)
			return -EINVAL; /* not printable: no address of ours */
		len++;
	}
	if (len == 0 || len == n || n - (len + 1) >= 8)
		return -EINVAL; /* empty, no NUL, or more padding than 8-byte alignment needs */
	for (size_t i = len; i < n; i++)
		if (f[i] != 0)
			return -EINVAL; /* padding is zeros */
	memcpy(out, f, len);
	out[len] = '\0';
	return 0;
}

int raft_handshake_parse(const uint8_t *buf, size_t len, struct raft_handshake_hello *out,
			 size_t *need)
{
	uint64_t alen;

	if (len < RAFT_HANDSHAKE_PREAMBLE) {
		*need = RAFT_HANDSHAKE_PREAMBLE;
		return -EAGAIN;
	}
	if (bytes_get_le64(buf) != RAFT_HANDSHAKE_PROTOCOL)
		return -EPROTO;
	out->id = bytes_get_le64(buf + 8);
	if (out->id == 0)
		return -EPROTO;
	alen = bytes_get_le64(buf + 16);
	if (alen == 0 || alen > RAFT_HANDSHAKE_ADDR_MAX || alen % 8 != 0)
		return -EMSGSIZE;
	*need = RAFT_HANDSHAKE_PREAMBLE + (size_t)alen;
	if (len < *need)
		return -EAGAIN;
	out->len = *need;
	return rh_parse_addr(buf + RAFT_HANDSHAKE_PREAMBLE, (size_t)alen, out->addr);
}

int raft_handshake_encode(uint64_t id, const char *addr, uint8_t *buf, size_t size)
{
	size_t n = addr ? strlen(addr) : 0;
	size_t field = (n + 1 + 7) / 8 * 8;

	if (n == 0 || field > RAFT_HANDSHAKE_ADDR_MAX || RAFT_HANDSHAKE_PREAMBLE + field > size)
		return -EMSGSIZE;
	bytes_put_le64(buf, RAFT_HANDSHAKE_PROTOCOL);
	bytes_put_le64(buf + 8, id);
	bytes_put_le64(buf + 16, field);
	memset(buf + RAFT_HANDSHAKE_PREAMBLE, 0, field);
	memcpy(buf + RAFT_HANDSHAKE_PREAMBLE, addr, n);
	return (int)(RAFT_HANDSHAKE_PREAMBLE + field);
}

void raft_handshake_mac(const uint8_t key[RAFT_HANDSHAKE_KEY],
			const uint8_t nonce[RAFT_HANDSHAKE_NONCE], uint64_t id, const char *addr,
			uint8_t mac[RAFT_HANDSHAKE_MAC])
{
	crypto_auth_hmacsha512256_state st;
	uint8_t idb[8];

	for (int i = 7; i >= 0; i--, id >>= 8)
		idb[i] = (uint8_t)id;
	crypto_auth_hmacsha512256_init(&st, key, RAFT_HANDSHAKE_KEY);
	crypto_auth_hmacsha512256_update(&st, nonce, RAFT_HANDSHAKE_NONCE);
	crypto_auth_hmacsha512256_update(&st, idb, sizeof(idb));
	crypto_auth_hmacsha512256_update(&st, (const uint8_t *)addr, strlen(addr));
	crypto_auth_hmacsha512256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

bool raft_handshake_verify(const uint8_t key[RAFT_HANDSHAKE_KEY],
			   const uint8_t nonce[RAFT_HANDSHAKE_NONCE], uint64_t id, const char *addr,
			   const uint8_t mac[RAFT_HANDSHAKE_MAC])
{
	uint8_t want[RAFT_HANDSHAKE_MAC];
	bool ok;

	raft_handshake_mac(key, nonce, id, addr, want);
	ok = sodium_memcmp(want, mac, RAFT_HANDSHAKE_MAC) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}
