/* test_wire_migrate.c - the live migration messages of the southbound
 * codec (wire.h): MIGRATE_EVENT, CT_EXPORT, CT_STATE and STATUS's mig_gen
 * round-trip; hostile input (truncated, wrong counts and types, entries of
 * another port or size, too many entries, unknown event names, expiries out
 * of range) is refused with a clear error (unit.wire_migrate). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <linux/types.h>
#include <msgpack.h>

#include "tenet_abi.h"
#include "wire.h"

/* Encodes m, asserting success. */
static uint8_t *enc(const struct wire_msg *m, size_t *len)
{
	uint8_t *buf = NULL;

	assert_int_equal(wire_encode(m, &buf, len), 0);
	assert_non_null(buf);
	return buf;
}

/* A valid entry of port_id: a TCP connection from sport, 5 s left. */
static struct wire_ct_entry ct_entry(uint32_t port_id, uint16_t sport)
{
	struct tn_ct_key k = {.port_id = port_id, .proto = 6, .family = 4};
	struct tn_ct v = {.expires_ns = 5000,
			  .gen = 3,
			  .remote = 7,
			  .flags = TN_CT_F_REPLY,
			  .tcp_state = TN_CT_TCP_ESTABLISHED,
			  .group = 9};
	struct wire_ct_entry e;

	k.sport = htons(sport);
	k.dport = htons(80);
	k.saddr[0] = 10;
	k.saddr[3] = 1;
	k.daddr[0] = 10;
	k.daddr[3] = 2;
	memcpy(e.key, &k, sizeof(k));
	memcpy(e.val, &v, sizeof(v));
	return e;
}

static void test_mig_event_roundtrip(void **state)
{
	struct wire_msg m = {.type = WIRE_MIGRATE_EVENT}, d;
	uint8_t *buf;
	size_t len;

	(void)state;
	m.mig_event = (struct wire_mig_event){.port_id = 42,
					      .generation = 7,
					      .activated_ns = 1765000000123456789ull,
					      .event = WIRE_MIG_ACTIVE};
	buf = enc(&m, &len);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.type, WIRE_MIGRATE_EVENT);
	assert_int_equal(d.mig_event.port_id, 42);
	assert_int_equal(d.mig_event.generation, 7);
	assert_true(d.mig_event.activated_ns == 1765000000123456789ull);
	assert_int_equal(d.mig_event.event, WIRE_MIG_ACTIVE);
	assert_string_equal(wire_type_name(WIRE_MIGRATE_EVENT), "MIGRATE_EVENT");
	wire_msg_release(&d);
	free(buf);
	/* invalid: no port, no generation, unknown kind */
	m.mig_event.port_id = 0;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.mig_event.port_id = 42;
	m.mig_event.generation = 0;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.mig_event.generation = 7;
	m.mig_event.event = 2;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
}

static void test_ct_export_roundtrip(void **state)
{
	struct wire_msg m = {.type = WIRE_CT_EXPORT}, d;
	uint8_t *buf;
	size_t len;

	(void)state;
	m.ct_export = (struct wire_ct_export){.port_id = 5, .generation = 2, .final = true};
	buf = enc(&m, &len);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.type, WIRE_CT_EXPORT);
	assert_int_equal(d.ct_export.port_id, 5);
	assert_int_equal(d.ct_export.generation, 2);
	assert_true(d.ct_export.final);
	wire_msg_release(&d);
	free(buf);
	m.ct_export.port_id = 0;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
}

static void test_ct_state_roundtrip(void **state)
{
	struct wire_ct_entry e[3] = {ct_entry(5, 1000), ct_entry(5, 1001), ct_entry(5, 1002)};
	struct wire_msg m = {.type = WIRE_CT_STATE}, d;
	uint8_t *buf, *buf2;
	size_t len, len2;

	(void)state;
	m.ct_state = (struct wire_ct_state){
	    .port_id = 5, .generation = 2, .final = false, .more = true, .n = 3, .entries = e};
	buf = enc(&m, &len);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.type, WIRE_CT_STATE);
	assert_int_equal(d.ct_state.port_id, 5);
	assert_int_equal(d.ct_state.generation, 2);
	assert_false(d.ct_state.final);
	assert_true(d.ct_state.more);
	assert_int_equal(d.ct_state.n, 3);
	assert_memory_equal(d.ct_state.entries, e, sizeof(e));
	buf2 = enc(&d, &len2); /* what an agent gets relayed */
	assert_int_equal(len2, len);
	assert_memory_equal(buf2, buf, len);
	wire_msg_release(&d);
	free(buf);
	free(buf2);
	/* empty: the answer for a port without connections */
	m.ct_state.n = 0;
	m.ct_state.entries = NULL;
	m.ct_state.more = false;
	buf = enc(&m, &len);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.ct_state.n, 0);
	assert_null(d.ct_state.entries);
	wire_msg_release(&d);
	free(buf);
}

/* Entries the encoder refuses, as the decoder does. */
static void test_ct_entry_invalid(void **state)
{
	struct wire_ct_entry e = ct_entry(5, 1);
	struct wire_msg m = {.type = WIRE_CT_STATE};
	struct tn_ct_key k;
	struct tn_ct v;
	uint8_t *buf;
	size_t len;

	(void)state;
	m.ct_state = (struct wire_ct_state){.port_id = 5, .generation = 1, .n = 1, .entries = &e};
	assert_true(wire_ct_entry_valid(&e, 5));
	assert_false(wire_ct_entry_valid(&e, 6)); /* another port's */
	assert_false(wire_ct_entry_valid(&e, 0));
#define BAD_KEY(field, value)                                                                      \
	do {                                                                                       \
		e = ct_entry(5, 1);                                                                \
		memcpy(&k, e.key, sizeof(k));                                                      \
		k.field = value;                                                                   \
		memcpy(e.key, &k, sizeof(k));                                                      \
		assert_false(wire_ct_entry_valid(&e, 5));                                          \
		assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);                            \
	} while (0)
#define BAD_VAL(field, value)                                                                      \
	do {                                                                                       \
		e = ct_entry(5, 1);                                                                \
		memcpy(&v, e.val, sizeof(v));                                                      \
		v.field = value;                                                                   \
		memcpy(e.val, &v, sizeof(v));                                                      \
		assert_false(wire_ct_entry_valid(&e, 5));                                          \
		assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);                            \
	} while (0)
	BAD_KEY(port_id, 6);
	BAD_KEY(family, 5);
	BAD_KEY(kind, TN_CT_KIND_FRAG); /* a fragment entry: never carried */
	BAD_KEY(saddr[4], 1); /* IPv4 with bytes past the fourth */
	BAD_KEY(daddr[15], 1);
	BAD_VAL(expires_ns, 0);
	BAD_VAL(expires_ns, WIRE_CT_MAX_REMAINING_MS + 1ull);
	BAD_VAL(flags, 0x10);
	BAD_VAL(tcp_state, TN_CT_TCP_CLOSED + 1);
	BAD_VAL(pad, 1);
	e = ct_entry(5, 1);
	memcpy(&k, e.key, sizeof(k));
	k.family = 6;
	k.saddr[15] = 1; /* IPv6 uses all 16 bytes */
	memcpy(e.key, &k, sizeof(k));
	assert_true(wire_ct_entry_valid(&e, 5));
	memcpy(&v, e.val, sizeof(v));
	v.expires_ns = WIRE_CT_MAX_REMAINING_MS;
	memcpy(e.val, &v, sizeof(v));
	assert_true(wire_ct_entry_valid(&e, 5));
	m.ct_state.n = WIRE_CT_MAX_ENTRIES + 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
#undef BAD_KEY
#undef BAD_VAL
}

/* A hand-packed message. */
struct pk {
	msgpack_sbuffer sb;
	msgpack_packer p;
};

static void pk_init(struct pk *k, uint32_t n, int type)
{
	msgpack_sbuffer_init(&k->sb);
	msgpack_packer_init(&k->p, &k->sb, msgpack_sbuffer_write);
	msgpack_pack_array(&k->p, n);
	msgpack_pack_uint8(&k->p, WIRE_VERSION);
	msgpack_pack_int(&k->p, type);
}

static int pk_decode(struct pk *k)
{
	struct wire_msg m;
	int rc = wire_decode((const uint8_t *)k->sb.data, k->sb.size, &m);

	if (rc == 0)
		wire_msg_release(&m);
	msgpack_sbuffer_destroy(&k->sb);
	return rc;
}

static void pk_bin(struct pk *k, const void *p, size_t n)
{
	msgpack_pack_bin(&k->p, n);
	msgpack_pack_bin_body(&k->p, p, n);
}

/* CT_STATE of port 5 with n entries, each [key of klen, val of vlen]
 * (entry i's key naming port key_port). */
static int ct_state_pk(uint32_t n, size_t klen, size_t vlen, uint32_t key_port)
{
	struct wire_ct_entry e = ct_entry(key_port, 1);
	uint8_t big[64] = {0};
	struct pk k;

	pk_init(&k, 7, WIRE_CT_STATE);
	msgpack_pack_uint32(&k.p, 5);
	msgpack_pack_uint32(&k.p, 1);
	msgpack_pack_true(&k.p);
	msgpack_pack_false(&k.p);
	msgpack_pack_array(&k.p, n);
	for (uint32_t i = 0; i < n; i++) {
		msgpack_pack_array(&k.p, 2);
		memcpy(big, e.key, sizeof(e.key));
		pk_bin(&k, big, klen);
		memcpy(big, e.val, sizeof(e.val));
		pk_bin(&k, big, vlen);
		memset(big, 0, sizeof(big));
	}
	return pk_decode(&k);
}

/*
 * Starts a CT_STATE of n fields for port with generation 1: final (a bool,
 * or the integer 1 when final_bool is false) and more false; the entries'
 * array is the caller's.
 */
static void ct_state_head(struct pk *k, uint32_t n, uint32_t port, bool final_bool)
{
	pk_init(k, n, WIRE_CT_STATE);
	msgpack_pack_uint32(&k->p, port);
	msgpack_pack_uint32(&k->p, 1);
	if (final_bool)
		msgpack_pack_true(&k->p);
	else
		msgpack_pack_uint32(&k->p, 1);
	msgpack_pack_false(&k->p);
}

static void test_ct_state_hostile(void **state)
{
	struct wire_ct_entry e = ct_entry(5, 1);
	struct pk k;

	(void)state;
	assert_int_equal(ct_state_pk(2, WIRE_CT_KEY_LEN, WIRE_CT_VAL_LEN, 5), 0);
	assert_int_equal(ct_state_pk(1, WIRE_CT_KEY_LEN - 1, WIRE_CT_VAL_LEN, 5), -EPROTO);
	assert_int_equal(ct_state_pk(1, WIRE_CT_KEY_LEN + 1, WIRE_CT_VAL_LEN, 5), -EPROTO);
	assert_int_equal(ct_state_pk(1, WIRE_CT_KEY_LEN, WIRE_CT_VAL_LEN + 4, 5), -EPROTO);
	assert_int_equal(ct_state_pk(1, WIRE_CT_KEY_LEN, 0, 5), -EPROTO);
	assert_int_equal(ct_state_pk(1, WIRE_CT_KEY_LEN, WIRE_CT_VAL_LEN, 6), -EPROTO);
	assert_int_equal(ct_state_pk(WIRE_CT_MAX_ENTRIES + 1, WIRE_CT_KEY_LEN, WIRE_CT_VAL_LEN, 5),
			 -E2BIG);
	/* an entry that is not a pair */
	ct_state_head(&k, 7, 5, true);
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 3);
	pk_bin(&k, e.key, sizeof(e.key));
	pk_bin(&k, e.val, sizeof(e.val));
	msgpack_pack_nil(&k.p);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* a count claiming more entries than the bytes hold */
	ct_state_head(&k, 7, 5, true);
	msgpack_pack_array(&k.p, 1000);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* port 0; final not a bool; one element short */
	ct_state_head(&k, 7, 0, true);
	msgpack_pack_array(&k.p, 0);
	assert_int_equal(pk_decode(&k), -EPROTO);
	ct_state_head(&k, 7, 5, false);
	msgpack_pack_array(&k.p, 0);
	assert_int_equal(pk_decode(&k), -EPROTO);
	ct_state_head(&k, 6, 5, true);
	assert_int_equal(pk_decode(&k), -EPROTO);
}

static void test_mig_event_hostile(void **state)
{
	static const char *const names[] = {"activ", "actives", "ACTIVE", "", "rollback"};
	struct pk k;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pk_init(&k, 6, WIRE_MIGRATE_EVENT);
		msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_uint64(&k.p, 1);
		msgpack_pack_str(&k.p, strlen(names[i]));
		msgpack_pack_str_body(&k.p, names[i], strlen(names[i]));
		assert_int_equal(pk_decode(&k), -EPROTO);
	}
	pk_init(&k, 6, WIRE_MIGRATE_EVENT); /* the event as a bin, not a str */
	msgpack_pack_uint32(&k.p, 1);
	msgpack_pack_uint32(&k.p, 1);
	msgpack_pack_uint64(&k.p, 1);
	pk_bin(&k, "active", 6);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_init(&k, 6, WIRE_MIGRATE_EVENT); /* a port id past 32 bits */
	msgpack_pack_uint64(&k.p, 1ull << 32);
	msgpack_pack_uint32(&k.p, 1);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_str(&k.p, 6);
	msgpack_pack_str_body(&k.p, "active", 6);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_init(&k, 5, WIRE_CT_EXPORT); /* generation 0 */
	msgpack_pack_uint32(&k.p, 1);
	msgpack_pack_uint32(&k.p, 0);
	msgpack_pack_true(&k.p);
	assert_int_equal(pk_decode(&k), -EPROTO);
}

/* Every strict prefix of each message is refused. */
static void test_truncated(void **state)
{
	struct wire_ct_entry e[2] = {ct_entry(5, 1), ct_entry(5, 2)};
	struct wire_msg ms[3] = {
	    {.type = WIRE_MIGRATE_EVENT}, {.type = WIRE_CT_EXPORT}, {.type = WIRE_CT_STATE}};
	struct wire_msg d;

	(void)state;
	ms[0].mig_event = (struct wire_mig_event){
	    .port_id = 1, .generation = 1, .activated_ns = 99, .event = WIRE_MIG_ACTIVE};
	ms[1].ct_export = (struct wire_ct_export){.port_id = 1, .generation = 1};
	ms[2].ct_state =
	    (struct wire_ct_state){.port_id = 5, .generation = 1, .n = 2, .entries = e};
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		uint8_t *buf = enc(&ms[i], &len);

		for (size_t n = 0; n < len; n++)
			assert_int_not_equal(wire_decode(buf, n, &d), 0);
		assert_int_equal(wire_decode(buf, len, &d), 0);
		wire_msg_release(&d);
		free(buf);
	}
}

/* STATUS carries mig_gen; the older port forms (5, 8, 9 elements) still
 * decode, with mig_gen 0. */
static void test_status_mig_gen(void **state)
{
	struct wire_port_status p = {.port_id = 3, .up = true, .mig_gen = 12};
	struct wire_msg m = {.type = WIRE_STATUS}, d;
	uint8_t *buf;
	size_t len;
	struct pk k;

	(void)state;
	m.status.rev = 4;
	m.status.ports = &p;
	m.status.n_ports = 1;
	buf = enc(&m, &len);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.status.n_ports, 1);
	assert_int_equal(d.status.ports[0].mig_gen, 12);
	wire_msg_release(&d);
	free(buf);
	pk_init(&k, 4, WIRE_STATUS); /* the 9-element form */
	msgpack_pack_uint64(&k.p, 4);
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 9);
	msgpack_pack_uint32(&k.p, 3);
	msgpack_pack_true(&k.p);
	for (int i = 0; i < 5; i++)
		msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_array(&k.p, 0);
	msgpack_pack_array(&k.p, 0);
	assert_int_equal(pk_decode(&k), 0);
	pk_init(&k, 4, WIRE_STATUS); /* mig_gen past 32 bits */
	msgpack_pack_uint64(&k.p, 4);
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 10);
	msgpack_pack_uint32(&k.p, 3);
	msgpack_pack_true(&k.p);
	for (int i = 0; i < 5; i++)
		msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_array(&k.p, 0);
	msgpack_pack_array(&k.p, 0);
	msgpack_pack_uint64(&k.p, 1ull << 32);
	assert_int_equal(pk_decode(&k), -EPROTO);
}

/* The largest CT_STATE stays below the 4 MiB a controller takes from an
 * agent. */
static void test_ct_state_max_size(void **state)
{
	struct wire_ct_entry *e = calloc(WIRE_CT_MAX_ENTRIES, sizeof(*e));
	struct wire_msg m = {.type = WIRE_CT_STATE}, d;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(e);
	for (uint32_t i = 0; i < WIRE_CT_MAX_ENTRIES; i++)
		e[i] = ct_entry(0xffffffffu, (uint16_t)i);
	m.ct_state = (struct wire_ct_state){.port_id = 0xffffffffu,
					    .generation = 0xffffffffu,
					    .n = WIRE_CT_MAX_ENTRIES,
					    .entries = e};
	buf = enc(&m, &len);
	assert_true(len < (4u << 20));
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.ct_state.n, WIRE_CT_MAX_ENTRIES);
	wire_msg_release(&d);
	free(buf);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mig_event_roundtrip), cmocka_unit_test(test_ct_export_roundtrip),
	    cmocka_unit_test(test_ct_state_roundtrip),	cmocka_unit_test(test_ct_entry_invalid),
	    cmocka_unit_test(test_ct_state_hostile),	cmocka_unit_test(test_mig_event_hostile),
	    cmocka_unit_test(test_truncated),		cmocka_unit_test(test_status_mig_gen),
	    cmocka_unit_test(test_ct_state_max_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
