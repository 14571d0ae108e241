/* raft_handshake.h - the bytes of the Raft transport's handshake.
 *
 * A connecting node first sends libraft's raft_uv_tcp preamble ("hello"):
 *
 *   u64 protocol (1) | u64 server id | u64 address length L | L bytes address
 *
 * all integers little-endian; the address is NUL-terminated and zero-padded
 * to a multiple of 8 bytes (that is what raft_uv_tcp's connect sends, and
 * nothing else is accepted). The accepting node answers a 32-byte random
 * challenge, the connecting node HMAC-SHA-512-256 (crypto_auth) under the
 * cluster key of (challenge || id as u64 big-endian || address), and the
 * acceptor confirms with one byte, RAFT_HANDSHAKE_ACK.
 *
 * Pure functions (no I/O, no allocation, no globals besides libsodium), so the
 * parser can be fuzzed; any thread.
 */
#ifndef TENET_RAFT_HANDSHAKE_H
#define TENET_RAFT_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAFT_HANDSHAKE_PROTOCOL	 1   /* raft_uv_tcp's handshake version */
#define RAFT_HANDSHAKE_PREAMBLE	 24  /* protocol, id, address length */
#define RAFT_HANDSHAKE_ADDR_MAX	 256 /* longest address field (NUL, padding included) */
#define RAFT_HANDSHAKE_HELLO_MAX (RAFT_HANDSHAKE_PREAMBLE + RAFT_HANDSHAKE_ADDR_MAX)
#define RAFT_HANDSHAKE_NONCE	 32  /* challenge bytes */
#define RAFT_HANDSHAKE_MAC	 32  /* answer bytes (crypto_auth_BYTES) */
#define RAFT_HANDSHAKE_KEY	 32  /* cluster key bytes (crypto_auth_KEYBYTES) */
#define RAFT_HANDSHAKE_ACK	 'K' /* acceptor's confirmation */

/* A parsed hello. */
struct raft_handshake_hello {
	uint64_t id;			    /* the connecting server's id, not 0 */
	size_t len;			    /* bytes of the hello on the wire */
	char addr[RAFT_HANDSHAKE_ADDR_MAX]; /* its address: printable, NUL-terminated */
};

/* Parses the first len bytes a connecting peer sent (len may be short).
 * Returns 0 with *out filled when buf holds a whole valid hello (out->len
 * bytes of it; bytes after it are not looked at); -EAGAIN when more bytes
 * are needed, with *need set to the total to read before calling again
 * (never more than RAFT_HANDSHAKE_HELLO_MAX); -EPROTO for another protocol
 * version or server id 0; -EMSGSIZE for an address length that is 0, above
 * RAFT_HANDSHAKE_ADDR_MAX or not a multiple of 8; -EINVAL for an address
 * without NUL, with a byte that is not printable ASCII, empty, or with
 * padding that is not zeros or is longer than 8-byte alignment needs. out and need may not be NULL.
 */
int raft_handshake_parse(const uint8_t *buf, size_t len, struct raft_handshake_hello *out,
			 size_t *need);

/* Writes the hello raft_uv_tcp sends for (id, addr) into buf (size bytes).
 * Returns its length, or -EMSGSIZE if addr does not fit the limits or buf
 * is too small. */
int raft_handshake_encode(uint64_t id, const char *addr, uint8_t *buf, size_t size);

/* The answer to a challenge: HMAC-SHA-512-256 under key of (nonce, id,
 * addr). */
void raft_handshake_mac(const uint8_t key[RAFT_HANDSHAKE_KEY],
			const uint8_t nonce[RAFT_HANDSHAKE_NONCE], uint64_t id, const char *addr,
			uint8_t mac[RAFT_HANDSHAKE_MAC]);

/* True if mac answers nonce for (id, addr) under key (constant time). */
bool raft_handshake_verify(const uint8_t key[RAFT_HANDSHAKE_KEY],
			   const uint8_t nonce[RAFT_HANDSHAKE_NONCE], uint64_t id, const char *addr,
			   const uint8_t mac[RAFT_HANDSHAKE_MAC]);

#endif
