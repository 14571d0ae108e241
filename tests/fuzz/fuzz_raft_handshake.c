/* fuzz_raft_handshake.c - libFuzzer target for the accepting side of the
 * Raft transport's handshake (controller/raft_handshake.c): whatever bytes a
 * peer sends, raft_handshake_parse must not crash, must never ask for more
 * than RAFT_HANDSHAKE_HELLO_MAX bytes, must give the same answer fed whole or
 * as the transport feeds it (preamble, then exactly what it asks for), and a
 * hello it accepts must be canonical (encodes back to the same bytes) with a
 * printable, NUL-terminated address. A MAC after the hello is accepted only
 * if it is the right one.
 *
 * Built by tests/fuzz/CMakeLists.txt and run by ctest (label fuzz). By hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	-Icontroller tests/fuzz/fuzz_raft_handshake.c controller/raft_handshake.c \
 *	-lsodium -o /tmp/fuzz_raft_handshake
 *   /tmp/fuzz_raft_handshake -max_total_time=60
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "raft_handshake.h"

static const uint8_t key[RAFT_HANDSHAKE_KEY] = {1, 2, 3, 4};
static const uint8_t nonce[RAFT_HANDSHAKE_NONCE] = {5, 6, 7, 8};

/* Feeds data as the transport reads it: the preamble, then the size the
 * parser asks for, never more. */
static int feed_stepwise(const uint8_t *data, size_t size, struct raft_handshake_hello *out)
{
	size_t want = RAFT_HANDSHAKE_PREAMBLE, need;
	int rc;

	for (;;) {
		if (want > size)
			return -EAGAIN;
		rc = raft_handshake_parse(data, want, out, &need);
		if (rc != -EAGAIN)
			return rc;
		if (need <= want || need > RAFT_HANDSHAKE_HELLO_MAX)
			abort(); /* no progress, or an unbounded read */
		want = need;
	}
}

static void check_hello(const uint8_t *data, size_t size, const struct raft_handshake_hello *h)
{
	uint8_t buf[RAFT_HANDSHAKE_HELLO_MAX], mac[RAFT_HANDSHAKE_MAC];
	size_t n = strnlen(h->addr, sizeof(h->addr));
	int len;

	if (n == 0 || n >= sizeof(h->addr) || h->id == 0 || h->len > size ||
	    h->len > RAFT_HANDSHAKE_HELLO_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (h->addr[i] < 0x21 || h->addr[i] > 0x7e)
			abort();
	len = raft_handshake_encode(h->id, h->addr, buf, sizeof(buf));
	if (len < 0 || (size_t)len != h->len || memcmp(buf, data, h->len) != 0)
		abort(); /* not canonical */
	raft_handshake_mac(key, nonce, h->id, h->addr, mac);
	if (!raft_handshake_verify(key, nonce, h->id, h->addr, mac))
		abort();
	if (size - h->len >= RAFT_HANDSHAKE_MAC &&
	    raft_handshake_verify(key, nonce, h->id, h->addr, data + h->len) !=
		(memcmp(mac, data + h->len, RAFT_HANDSHAKE_MAC) == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct raft_handshake_hello whole, step;
	size_t need = 0;
	int rc, rc2;

	if (sodium_init() < 0)
		abort();
	memset(&whole, 0xa5, sizeof(whole));
	rc = raft_handshake_parse(data, size, &whole, &need);
	if (rc == -EAGAIN && (need <= size || need > RAFT_HANDSHAKE_HELLO_MAX))
		abort();
	if (rc != 0 && rc != -EAGAIN && rc != -EPROTO && rc != -EMSGSIZE && rc != -EINVAL)
		abort();
	rc2 = feed_stepwise(data, size, &step);
	if (rc2 != rc)
		abort();
	if (rc != 0)
		return 0;
	if (step.id != whole.id || step.len != whole.len || strcmp(step.addr, whole.addr) != 0)
		abort();
	check_hello(data, size, &whole);
	return 0;
}
