/* test_raft_handshake.c - the Raft transport's handshake bytes: libraft's
 * preamble as raft_uv_tcp sends it parses, everything else is refused
 * without reading past the limits, and the challenge answer binds key,
 * nonce, id and address. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "raft_handshake.h"

/* A preamble: protocol, id, address length (little-endian u64s). */
static void preamble(uint8_t *b, uint64_t proto, uint64_t id, uint64_t alen)
{
	uint64_t v[3] = {proto, id, alen};

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 8; j++)
			b[i * 8 + j] = (uint8_t)(v[i] >> (8 * j));
}

static void test_libraft_hello(void **state)
{
	/* what raft_uv_tcp's uvTcpEncodeHandshake sends for id 2 */
	const char *addr = "198.18.100.2:7000"; /* 17 bytes + NUL -> 24 */
	uint8_t b[RAFT_HANDSHAKE_HELLO_MAX] = {0}, enc[RAFT_HANDSHAKE_HELLO_MAX];
	struct raft_handshake_hello h;
	size_t need = 0;

	(void)state;
	preamble(b, 1, 2, 24);
	memcpy(b + 24, addr, strlen(addr));
	assert_int_equal(raft_handshake_parse(b, 10, &h, &need), -EAGAIN);
	assert_int_equal(need, RAFT_HANDSHAKE_PREAMBLE);
	assert_int_equal(raft_handshake_parse(b, 24, &h, &need), -EAGAIN);
	assert_int_equal(need, 48);
	assert_int_equal(raft_handshake_parse(b, 47, &h, &need), -EAGAIN);
	assert_int_equal(raft_handshake_parse(b, 48, &h, &need), 0);
	assert_int_equal(h.id, 2);
	assert_int_equal(h.len, 48);
	assert_string_equal(h.addr, addr);
	assert_int_equal(raft_handshake_encode(2, addr, enc, sizeof(enc)), 48);
	assert_memory_equal(enc, b, 48);
	/* trailing bytes (the next message) are not looked at */
	b[48] = 0xff;
	assert_int_equal(raft_handshake_parse(b, 60, &h, &need), 0);
	assert_int_equal(h.len, 48);
}

static void test_refused(void **state)
{
	uint8_t b[RAFT_HANDSHAKE_HELLO_MAX + 64] = {0};
	struct raft_handshake_hello h;
	size_t need = 0;

	(void)state;
	preamble(b, 2, 2, 8); /* another protocol */
	assert_int_equal(raft_handshake_parse(b, 24, &h, &need), -EPROTO);
	preamble(b, 1, 0, 8); /* server id 0 */
	assert_int_equal(raft_handshake_parse(b, 24, &h, &need), -EPROTO);
	preamble(b, 1, 2, 0); /* no address */
	assert_int_equal(raft_handshake_parse(b, 24, &h, &need), -EMSGSIZE);
	preamble(b, 1, 2, UINT64_MAX - 7); /* a huge claim: no allocation, no read */
	assert_int_equal(raft_handshake_parse(b, 24, &h, &need), -EMSGSIZE);
	preamble(b, 1, 2, RAFT_HANDSHAKE_ADDR_MAX + 8);
	assert_int_equal(raft_handshake_parse(b, 24, &h, &need), -EMSGSIZE);
	preamble(b, 1, 2, 12); /* not padded to 8 */
	assert_int_equal(raft_handshake_parse(b, 24, &h, &need), -EMSGSIZE);

	preamble(b, 1, 2, 8); /* 8 bytes, no NUL */
	memcpy(b + 24, "AAAAAAAA", 8);
	assert_int_equal(raft_handshake_parse(b, 32, &h, &need), -EINVAL);
	memcpy(b + 24, "\0AAAAAAA", 8); /* empty */
	assert_int_equal(raft_handshake_parse(b, 32, &h, &need), -EINVAL);
	memcpy(b + 24, "A\0A\0\0\0\0\0", 8); /* garbage in the padding */
	assert_int_equal(raft_handshake_parse(b, 32, &h, &need), -EINVAL);
	memcpy(b + 24, "a b\0\0\0\0\0", 8); /* not printable */
	assert_int_equal(raft_handshake_parse(b, 32, &h, &need), -EINVAL);
	preamble(b, 1, 2, 16); /* more padding than alignment needs */
	memcpy(b + 24, "abc\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(raft_handshake_parse(b, 40, &h, &need), -EINVAL);

	/* the longest address fits, one more byte does not */
	preamble(b, 1, 2, RAFT_HANDSHAKE_ADDR_MAX);
	memset(b + 24, 'x', RAFT_HANDSHAKE_ADDR_MAX - 1);
	b[24 + RAFT_HANDSHAKE_ADDR_MAX - 1] = 0;
	assert_int_equal(raft_handshake_parse(b, RAFT_HANDSHAKE_HELLO_MAX, &h, &need), 0);
	assert_int_equal(strlen(h.addr), RAFT_HANDSHAKE_ADDR_MAX - 1);
	b[24 + RAFT_HANDSHAKE_ADDR_MAX - 1] = 'x';
	assert_int_equal(raft_handshake_parse(b, RAFT_HANDSHAKE_HELLO_MAX, &h, &need), -EINVAL);
	memset(b + 24, 'x', RAFT_HANDSHAKE_ADDR_MAX);
	b[24 + RAFT_HANDSHAKE_ADDR_MAX] = 0;
	assert_int_equal(raft_handshake_encode(2, (char *)b + 24, b, sizeof(b)), -EMSGSIZE);
	assert_int_equal(raft_handshake_encode(2, "", b, sizeof(b)), -EMSGSIZE);
	assert_int_equal(raft_handshake_encode(2, "a:1", b, 31), -EMSGSIZE);
}

static void test_mac(void **state)
{
	uint8_t key[RAFT_HANDSHAKE_KEY], other[RAFT_HANDSHAKE_KEY];
	uint8_t nonce[RAFT_HANDSHAKE_NONCE], mac[RAFT_HANDSHAKE_MAC];

	(void)state;
	assert_true(sodium_init() >= 0);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(other, sizeof(other));
	randombytes_buf(nonce, sizeof(nonce));
	raft_handshake_mac(key, nonce, 3, "10.0.0.3:7000", mac);
	assert_true(raft_handshake_verify(key, nonce, 3, "10.0.0.3:7000", mac));
	assert_false(raft_handshake_verify(other, nonce, 3, "10.0.0.3:7000", mac));
	assert_false(raft_handshake_verify(key, nonce, 4, "10.0.0.3:7000", mac));
	assert_false(raft_handshake_verify(key, nonce, 3, "10.0.0.4:7000", mac));
	nonce[0] ^= 1;
	assert_false(raft_handshake_verify(key, nonce, 3, "10.0.0.3:7000", mac));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_libraft_hello),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
