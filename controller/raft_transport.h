/* raft_transport.h - libraft's TCP transport with peer authentication.
 *
 * Wraps raft_uv_tcp: after raft_uv_tcp's own handshake (which tells the
 * accepting side the connecting server's id and address), the acceptor
 * sends a 32-byte random challenge and the connector answers with
 * crypto_auth (HMAC-SHA-512-256) under the 32-byte cluster key of
 * (challenge || id || address); only then is the stream given to libraft,
 * and the acceptor confirms with one byte. A connection that fails or takes
 * longer than RAFT_TRANSPORT_TIMEOUT_MS is closed. Every read is sized to
 * the bytes expected, so no Raft byte is consumed by the handshake.
 *
 * Protects: who may join the Raft traffic of the cluster (only holders of
 * the key can send Raft messages to a node, so nobody else can vote, append
 * entries or install snapshots), and the claimed id/address (bound into the
 * MAC). Does not protect: confidentiality (Raft traffic is cleartext TCP),
 * integrity after the handshake against an on-path attacker who can inject
 * into the TCP stream, and the connector does not authenticate the acceptor
 * (an impostor at a peer's address could read the entries sent to it).
 * Run the cluster on a private network or a tunnel for those.
 *
 * Raft thread only (the libuv loop given to raft_transport_init).
 */
#ifndef TENET_RAFT_TRANSPORT_H
#define TENET_RAFT_TRANSPORT_H

#include <stdint.h>

#include <raft.h>
#include <raft/uv.h>

#define RAFT_TRANSPORT_TIMEOUT_MS 5000 /* handshake deadline */

/* Initialises t as an authenticating wrapper of the already initialised
 * raft_uv_tcp transport inner, with the 32-byte key (copied). Returns 0 or
 * -ENOMEM. Release with raft_transport_close after libraft closed it. */
int raft_transport_init(struct raft_uv_transport *t, struct raft_uv_transport *inner,
			uv_loop_t *loop, const uint8_t key[32]);

/* Frees what raft_transport_init allocated. */
void raft_transport_close(struct raft_uv_transport *t);

#endif
