/* raft_transport.h - libraft's TCP transport with peer authentication.
 *
 * Wraps raft_uv_tcp. Outgoing connections go through raft_uv_tcp's connect
 * (which sends libraft's preamble: protocol, server id, address); incoming
 * ones are accepted by this wrapper itself, which reads that preamble with
 * strict bounds (raft_handshake.h), sends a 32-byte random challenge and
 * expects crypto_auth (HMAC-SHA-512-256) under the 32-byte cluster key of
 * (challenge || id || address); only then is the stream given to libraft,
 * and the acceptor confirms with one byte. Every read is sized to the bytes
 * expected, so no Raft byte is consumed by the handshake. Wire-compatible
 * with nodes that let raft_uv_tcp accept.
 *
 * Limits on the accepting side, before a peer is authenticated: the whole
 * handshake must finish within RAFT_TRANSPORT_TIMEOUT_MS of accept; at most
 * RAFT_TRANSPORT_PENDING_MAX connections are in the handshake at once, and
 * RAFT_TRANSPORT_PENDING_PER_SOURCE from one source IP (more are accepted
 * and closed at once; at the total cap the oldest handshake of the source
 * with the most in progress is closed to make room); the address a peer claims is at most
 * RAFT_HANDSHAKE_ADDR_MAX bytes, so a peer makes the node allocate nothing.
 * Refusals are logged with the peer's address, at most
 * RAFT_TRANSPORT_LOG_BURST lines per RAFT_TRANSPORT_LOG_WINDOW_MS (the next
 * line says how many were suppressed).
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

#define RAFT_TRANSPORT_TIMEOUT_MS	  5000	/* handshake deadline, from accept/connect */
#define RAFT_TRANSPORT_PENDING_MAX	  64	/* unauthenticated connections, in total */
#define RAFT_TRANSPORT_PENDING_PER_SOURCE 8	/* unauthenticated connections per source IP */
#define RAFT_TRANSPORT_BACKLOG		  128	/* listen(2) backlog */
#define RAFT_TRANSPORT_LOG_BURST	  10	/* refusals logged per window */
#define RAFT_TRANSPORT_LOG_WINDOW_MS	  10000 /* refusal log window */

/* Initialises t as an authenticating wrapper of the already initialised
 * raft_uv_tcp transport inner, with the 32-byte key (copied). Returns 0 or
 * -ENOMEM. t's listen binds the part before '/' of the address given to
 * init (IPv4 HOST:PORT, the first address HOST resolves to) and fails with
 * RAFT_IOERR if it cannot. Release with raft_transport_close after libraft
 * closed it. */
int raft_transport_init(struct raft_uv_transport *t, struct raft_uv_transport *inner,
			uv_loop_t *loop, const uint8_t key[32]);

/* Frees what raft_transport_init allocated. */
void raft_transport_close(struct raft_uv_transport *t);

#endif
