/* test_wire.c - the southbound msgpack codec: round trips and strict
 * rejection of everything else. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/types.h>
#include <msgpack.h>

#include "abi_maps.h"
#include "tenet_abi.h"
#include "wire.h"

/* A row of map with key/value bytes filled from seed. */
static struct wire_row row_make(uint8_t map, uint8_t op, uint8_t seed)
{
	struct wire_row r;

	memset(&r, 0, sizeof(r));
	r.map = map;
	r.op = op;
	assert_true(wire_map_sizes(map, &r.key_len, &r.val_len));
	if (op == WIRE_OP_DELETE)
		r.val_len = 0;
	for (unsigned int i = 0; i < r.key_len; i++)
		r.key[i] = (uint8_t)(seed + i);
	for (unsigned int i = 0; i < r.val_len; i++)
		r.val[i] = (uint8_t)(seed * 7 + i);
	return r;
}

/* Encodes m, asserting success. */
static uint8_t *enc(const struct wire_msg *m, size_t *len)
{
	uint8_t *buf = NULL;

	assert_int_equal(wire_encode(m, &buf, len), 0);
	assert_non_null(buf);
	return buf;
}

static void assert_rows_equal(const struct wire_row *a, const struct wire_row *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(a[i].map, b[i].map);
		assert_int_equal(a[i].op, b[i].op);
		assert_int_equal(a[i].key_len, b[i].key_len);
		assert_int_equal(a[i].val_len, b[i].val_len);
		assert_memory_equal(a[i].key, b[i].key, WIRE_KEY_MAX);
		assert_memory_equal(a[i].val, b[i].val, WIRE_VAL_MAX);
	}
}

/* A set of valid messages of every type. */
#define N_SAMPLES 19
#define STORE_ID  "0123456789abcdef0123456789abcdef"
static struct wire_row sample_rows[12];
static struct wire_port_status sample_ports[3];
static struct wire_trace_reply sample_reply;
static struct wire_monitor_events sample_events;

/* A valid drop event at ev (WIRE_DROP_EVENT_LEN bytes) from seed. */
static void event_make(uint8_t *ev, uint32_t seed)
{
	struct tn_drop_event e = {.ts_ns = 1700000000000000000ull + seed,
				  .port_id = seed,
				  .ifindex = seed + 1,
				  .reason = TN_DROP_FIRST + seed % (TN_STAT_MAX - TN_DROP_FIRST),
				  .vni = seed & 0xffffff,
				  .len = 60 + seed,
				  .snap_len =
				      TN_MON_SNAP_LEN < 60 + seed ? TN_MON_SNAP_LEN : 60 + seed,
				  .flags = seed & 1 ? TN_DROP_EV_F_PORT : 0,
				  .lost = seed * 3};

	for (int b = 0; b < e.snap_len; b++)
		e.data[b] = (uint8_t)(seed + b);
	memcpy(ev, &e, sizeof(e));
}

static void assert_msg_equal(const struct wire_msg *a, const struct wire_msg *b);

static struct wire_msg sample(int i)
{
	struct wire_msg m;
	int k = 0;

	memset(&m, 0, sizeof(m));
	for (uint8_t map = TN_MAP_LPORT; map <= TN_MAP_TUN_ALLOW; map++) {
		sample_rows[k] = row_make(map, WIRE_OP_UPSERT, (uint8_t)(map * 3));
		k++;
		sample_rows[k] = row_make(map, WIRE_OP_DELETE, (uint8_t)(map * 5));
		k++;
	}
	for (int p = 0; p < 3; p++)
		sample_ports[p] = (struct wire_port_status){.port_id = p ? 0xffffffffu : 1,
							    .up = p & 1,
							    .rx_packets = UINT64_MAX - p,
							    .tx_packets = 7,
							    .drops = (uint64_t)p << 40};
	switch (i) {
	case 0:
		m.type = WIRE_HELLO;
		strcpy(m.hello.host, "h1.example");
		m.hello.last_rev = UINT64_MAX;
		m.hello.caps = 0xffffffffu;
		m.hello.overlay_mtu = 1450;
		m.hello.abi = 10;
		break;
	case 1:
		m.type = WIRE_SNAPSHOT;
		m.update.to = 42;
		m.update.rows = sample_rows;
		m.update.n_rows = 6;
		break;
	case 2:
		m.type = WIRE_SNAPSHOT;
		m.update.to = 1;
		break;
	case 3:
		m.type = WIRE_DELTA;
		m.update.from = 41;
		m.update.to = 1ull << 40;
		m.update.rows = sample_rows;
		m.update.n_rows = 12;
		break;
	case 4:
		m.type = WIRE_ACK;
		m.ack.rev = 1ull << 33;
		break;
	case 5:
		m.type = WIRE_STATUS;
		m.status.rev = 9;
		m.status.ports = sample_ports;
		m.status.n_ports = 3;
		break;
	case 6:
		m.type = WIRE_HEARTBEAT;
		m.ack.rev = 0;
		break;
	case 7:
		m.type = WIRE_DELTA;
		m.update.from = 3;
		m.update.to = 3;
		break;
	case 8:
		m.type = WIRE_SNAPSHOT;
		m.update.to = 42;
		m.update.rows = sample_rows;
		m.update.n_rows = 2;
		strcpy(m.store_id, STORE_ID);
		break;
	case 9:
		m.type = WIRE_DELTA;
		m.update.from = 3;
		m.update.to = 4;
		m.update.rows = sample_rows + 4;
		m.update.n_rows = 3;
		strcpy(m.store_id, "ffffffffffffffffffffffffffffffff");
		break;
	case 10:
		m.type = WIRE_TRACE;
		m.trace = (struct wire_trace_req){.id = 0xffffffffu,
						  .port_id = 7,
						  .src_mac = {0xfa, 0x16, 0x3e, 1, 2, 3},
						  .dst_ip4 = 0x0200000a,
						  .proto = 6,
						  .dport = 65535};
		break;
	case 11:
		m.type = WIRE_TRACE;
		m.trace = (struct wire_trace_req){.id = 1,
						  .remote_ip4 = 0x010012c6,
						  .vni = 1u << 23,
						  .dst_mac = {2, 0, 0, 0, 0, 0xb},
						  .proto = 17};
		break;
	case 12:
		m.type = WIRE_TRACE_REPLY;
		memset(&sample_reply, 0, sizeof(sample_reply));
		sample_reply.id = 3;
		sample_reply.usec = UINT64_MAX;
		sample_reply.dst_mac[5] = 0xb;
		sample_reply.trace_len = WIRE_TRACE_LEN;
		for (int b = 0; b < WIRE_TRACE_LEN; b++)
			sample_reply.trace[b] = (uint8_t)(b * 7);
		m.trace_reply = &sample_reply;
		break;
	case 13:
		m.type = WIRE_TRACE_REPLY;
		memset(&sample_reply, 0, sizeof(sample_reply));
		sample_reply.id = 4;
		sample_reply.err = ENOENT;
		m.trace_reply = &sample_reply;
		break;
	case 15:
		m.type = WIRE_MONITOR;
		m.monitor = (struct wire_monitor){
		    .id = 0xffffffffu, .on = true, .port_id = 7, .timeout_s = WIRE_MONITOR_MAX_S};
		break;
	case 16:
		m.type = WIRE_MONITOR;
		m.monitor = (struct wire_monitor){.id = 2};
		break;
	case 17:
		m.type = WIRE_MONITOR_EVENTS;
		memset(&sample_events, 0, sizeof(sample_events));
		sample_events.id = 9;
		sample_events.n = WIRE_MONITOR_BATCH;
		for (uint32_t e = 0; e < WIRE_MONITOR_BATCH; e++)
			event_make(sample_events.ev[e], e);
		m.events = &sample_events;
		break;
	case 18:
		m.type = WIRE_MONITOR_EVENTS;
		memset(&sample_events, 0, sizeof(sample_events));
		sample_events.id = 10;
		sample_events.err = EOPNOTSUPP;
		m.events = &sample_events;
		break;
	default:
		m.type = WIRE_HEARTBEAT;
		m.ack.rev = 77;
		strcpy(m.store_id, STORE_ID);
		break;
	}
	return m;
}

static void test_roundtrip(void **state)
{
	for (int i = 0; i < N_SAMPLES; i++) {
		struct wire_msg m = sample(i), d;
		size_t len;
		uint8_t *buf = enc(&m, &len);

		assert_int_equal(wire_decode(buf, len, &d), 0);
		assert_int_equal(d.type, m.type);
		assert_string_equal(d.store_id, m.store_id);
		switch (m.type) {
		case WIRE_HELLO:
			assert_string_equal(d.hello.host, m.hello.host);
			assert_true(d.hello.last_rev == m.hello.last_rev);
			assert_int_equal(d.hello.caps, m.hello.caps);
			assert_int_equal(d.hello.overlay_mtu, m.hello.overlay_mtu);
			assert_int_equal(d.hello.abi, m.hello.abi);
			break;
		case WIRE_SNAPSHOT:
		case WIRE_DELTA:
			assert_true(d.update.from == m.update.from);
			assert_true(d.update.to == m.update.to);
			assert_int_equal(d.update.n_rows, m.update.n_rows);
			assert_rows_equal(d.update.rows, m.update.rows, m.update.n_rows);
			break;
		case WIRE_ACK:
		case WIRE_HEARTBEAT:
			assert_true(d.ack.rev == m.ack.rev);
			break;
		case WIRE_STATUS:
			assert_true(d.status.rev == m.status.rev);
			assert_int_equal(d.status.n_ports, 3);
			for (int p = 0; p < 3; p++) {
				assert_int_equal(d.status.ports[p].port_id,
						 sample_ports[p].port_id);
				assert_int_equal(d.status.ports[p].up, sample_ports[p].up);
				assert_true(d.status.ports[p].rx_packets ==
					    sample_ports[p].rx_packets);
				assert_true(d.status.ports[p].tx_packets == 7);
				assert_true(d.status.ports[p].drops == sample_ports[p].drops);
			}
			break;
		case WIRE_TRACE:
		case WIRE_TRACE_REPLY:
		case WIRE_MONITOR:
		case WIRE_MONITOR_EVENTS:
			assert_msg_equal(&d, &m);
			break;
		default:
			fail();
		}
		wire_msg_release(&d);
		assert_int_equal(d.type, 0);
		free(buf);
	}
}

/* Every prefix of every valid message is rejected, and so is the message
 * with one trailing byte. */
static void test_truncation_and_trailing(void **state)
{
	for (int i = 0; i < N_SAMPLES; i++) {
		struct wire_msg m = sample(i), d;
		size_t len;
		uint8_t *buf = enc(&m, &len), *longer;

		for (size_t l = 0; l < len; l++) {
			uint8_t *copy = malloc(l ? l : 1);

			memcpy(copy, buf, l);
			assert_int_equal(wire_decode(copy, l, &d), -EPROTO);
			free(copy);
		}
		longer = malloc(len + 1);
		memcpy(longer, buf, len);
		longer[len] = 0xc0;
		assert_int_equal(wire_decode(longer, len + 1, &d), -EPROTO);
		free(longer);
		free(buf);
	}
}

/* ---- hand-built messages ---- */

struct pk {
	msgpack_sbuffer sb;
	msgpack_packer p;
};

static void pk_init(struct pk *k)
{
	msgpack_sbuffer_init(&k->sb);
	msgpack_packer_init(&k->p, &k->sb, msgpack_sbuffer_write);
}

static int pk_decode(struct pk *k)
{
	struct wire_msg d;
	int rc = wire_decode((const uint8_t *)k->sb.data, k->sb.size, &d);

	if (rc == 0)
		wire_msg_release(&d);
	msgpack_sbuffer_destroy(&k->sb);
	return rc;
}

/* Packs the header [1, type] of an n-element message. */
static void pk_head(struct pk *k, unsigned int n, int type)
{
	pk_init(k);
	msgpack_pack_array(&k->p, n);
	msgpack_pack_uint8(&k->p, WIRE_VERSION);
	msgpack_pack_int(&k->p, type);
}

/* A DELTA [1,3,1,2,[row]] whose only row is [map, op, key bin of klen,
 * value: bin of vlen, or nil when vlen < 0]. */
static int delta_row(uint64_t map, uint64_t op, size_t klen, int vlen)
{
	static const uint8_t zero[WIRE_VAL_MAX + 8];
	struct pk k;

	pk_head(&k, 5, WIRE_DELTA);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_uint64(&k.p, 2);
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 4);
	msgpack_pack_uint64(&k.p, map);
	msgpack_pack_uint64(&k.p, op);
	msgpack_pack_bin(&k.p, klen);
	msgpack_pack_bin_body(&k.p, zero, klen);
	if (vlen < 0) {
		msgpack_pack_nil(&k.p);
	} else {
		msgpack_pack_bin(&k.p, (size_t)vlen);
		msgpack_pack_bin_body(&k.p, zero, (size_t)vlen);
	}
	return pk_decode(&k);
}

static void test_rows_strict(void **state)
{
	for (uint8_t map = TN_MAP_LPORT; map <= TN_MAP_TUN_ALLOW; map++) {
		uint16_t kl, vl;

		assert_true(wire_map_sizes(map, &kl, &vl));
		assert_int_equal(delta_row(map, WIRE_OP_UPSERT, kl, vl), 0);
		assert_int_equal(delta_row(map, WIRE_OP_DELETE, kl, -1), 0);
		/* wrong key or value sizes (a shorter value is one sent
		 * trimmed: test_rows_trimmed) */
		assert_int_equal(delta_row(map, WIRE_OP_UPSERT, kl - 1, vl), -EPROTO);
		assert_int_equal(delta_row(map, WIRE_OP_UPSERT, kl + 1, vl), -EPROTO);
		assert_int_equal(delta_row(map, WIRE_OP_UPSERT, kl, vl + 1), -EPROTO);
		assert_int_equal(delta_row(map, WIRE_OP_UPSERT, kl, WIRE_VAL_MAX + 1), -EPROTO);
		/* value must be nil exactly on delete */
		assert_int_equal(delta_row(map, WIRE_OP_UPSERT, kl, -1), -EPROTO);
		assert_int_equal(delta_row(map, WIRE_OP_DELETE, kl, vl), -EPROTO);
		assert_int_equal(delta_row(map, WIRE_OP_DELETE, kl, 0), -EPROTO);
		/* bad ops */
		assert_int_equal(delta_row(map, 0, kl, vl), -EPROTO);
		assert_int_equal(delta_row(map, 3, kl, vl), -EPROTO);
		assert_int_equal(delta_row(map, 0x101, kl, vl), -EPROTO);
	}
	/* unknown maps, and maps the controller never sends */
	assert_int_equal(delta_row(0, WIRE_OP_UPSERT, 4, 4), -EPROTO);
	for (uint64_t map = TN_MAP_IFINDEX; map <= TN_MAP_MAX; map++)
		if (!wire_map_sizes((uint8_t)map, NULL, NULL)) /* TN_MAP_ND is sent */
			assert_int_equal(delta_row(map, WIRE_OP_UPSERT, 4, 20), -EPROTO);
	assert_int_equal(delta_row(0x101, WIRE_OP_UPSERT, 4, 32), -EPROTO);
	assert_int_equal(delta_row(UINT64_MAX, WIRE_OP_DELETE, 4, -1), -EPROTO);
	assert_false(wire_map_sizes(TN_MAP_CONFIG, NULL, NULL));
}

/* FLOOD rows are keyed by (vni, page) since ABI 2: the old 4-byte key is
 * refused, pages of one network are distinct rows, a page fits a row. */
static void test_flood_paged(void **state)
{
	struct tn_flood_key k0 = {.vni = 7, .page = 0}, k1 = {.vni = 7, .page = 1};
	struct wire_row a, b;
	uint16_t kl, vl;

	assert_true(wire_map_sizes(TN_MAP_FLOOD, &kl, &vl));
	assert_int_equal(kl, 8);
	assert_int_equal(vl, sizeof(struct tn_flood));
	assert_true(vl <= WIRE_VAL_MAX);
	assert_int_equal(delta_row(TN_MAP_FLOOD, WIRE_OP_UPSERT, 4, vl), -EPROTO);
	assert_int_equal(delta_row(TN_MAP_FLOOD, WIRE_OP_DELETE, 4, -1), -EPROTO);
	a = row_make(TN_MAP_FLOOD, WIRE_OP_UPSERT, 0);
	b = a;
	memcpy(a.key, &k0, sizeof(k0));
	memcpy(b.key, &k1, sizeof(k1));
	assert_true(wire_row_valid(&a) && wire_row_valid(&b));
	assert_int_not_equal(wire_row_cmp(&a, &b), 0);
}

static int hello_with(const char *host, size_t n, bool as_bin)
{
	struct pk k;

	pk_head(&k, 5, WIRE_HELLO);
	if (as_bin) {
		msgpack_pack_bin(&k.p, n);
		msgpack_pack_bin_body(&k.p, host, n);
	} else {
		msgpack_pack_str(&k.p, n);
		msgpack_pack_str_body(&k.p, host, n);
	}
	msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_uint64(&k.p, 0);
	return pk_decode(&k);
}

/* An older agent's HELLO (five elements, caps 0) decodes with nothing
 * announced; a new one's announcements round-trip; the encoder writes the
 * short form when there is nothing to announce. */
static void test_hello_forms(void)
{
	struct wire_msg m = {.type = WIRE_HELLO}, d;
	uint8_t *buf = NULL;
	size_t len;
	struct pk k;

	pk_head(&k, 5, WIRE_HELLO);
	msgpack_pack_str_with_body(&k.p, "old", 3);
	msgpack_pack_uint64(&k.p, 7);
	msgpack_pack_uint64(&k.p, 0);
	assert_int_equal(wire_decode((const uint8_t *)k.sb.data, k.sb.size, &d), 0);
	assert_int_equal(d.hello.caps, 0);
	assert_int_equal(d.hello.overlay_mtu, 0);
	assert_int_equal(d.hello.abi, 0);
	wire_msg_release(&d);
	msgpack_sbuffer_destroy(&k.sb);

	strcpy(m.hello.host, "h1");
	m.hello.caps = WIRE_CAP_VXLAN | WIRE_CAP_GENEVE;
	m.hello.overlay_mtu = 8950;
	m.hello.abi = 10;
	assert_int_equal(wire_encode(&m, &buf, &len), 0);
	assert_int_equal(buf[0], 0x97); /* fixarray of 7 */
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.hello.caps, WIRE_CAP_VXLAN | WIRE_CAP_GENEVE);
	assert_int_equal(d.hello.overlay_mtu, 8950);
	assert_int_equal(d.hello.abi, 10);
	wire_msg_release(&d);
	free(buf);
	m.hello.overlay_mtu = 0;
	m.hello.abi = 0;
	assert_int_equal(wire_encode(&m, &buf, &len), 0);
	assert_int_equal(buf[0], 0x95); /* the form older controllers decode */
	free(buf);
}

static void test_hello_strict(void **state)
{
	char name[WIRE_HOST_MAX + 1];
	struct wire_msg m = {.type = WIRE_HELLO};
	uint8_t *buf = NULL;
	size_t len;
	struct pk k;

	memset(name, 'a', sizeof(name));
	assert_int_equal(hello_with(name, WIRE_HOST_MAX - 1, false), 0);
	assert_int_equal(hello_with(name, WIRE_HOST_MAX, false), -EPROTO);
	assert_int_equal(hello_with(name, 0, false), -EPROTO);
	assert_int_equal(hello_with("h\0x", 3, false), -EPROTO);
	assert_int_equal(hello_with("h1", 2, true), -EPROTO);
	/* caps must fit 32 bits, revisions must be unsigned */
	pk_head(&k, 5, WIRE_HELLO);
	msgpack_pack_str_with_body(&k.p, "h1", 2);
	msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_uint64(&k.p, 1ull << 32);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 5, WIRE_HELLO);
	msgpack_pack_str_with_body(&k.p, "h1", 2);
	msgpack_pack_int64(&k.p, -1);
	msgpack_pack_uint64(&k.p, 0);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* the announcements: a pair of 32-bit numbers after caps, or nothing */
	pk_head(&k, 7, WIRE_HELLO);
	msgpack_pack_str_with_body(&k.p, "h1", 2);
	msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_uint64(&k.p, 1ull << 32);
	msgpack_pack_uint64(&k.p, 10);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 6, WIRE_HELLO);
	msgpack_pack_str_with_body(&k.p, "h1", 2);
	msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_uint64(&k.p, 0);
	msgpack_pack_uint64(&k.p, 1450);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 8, WIRE_HELLO);
	msgpack_pack_str_with_body(&k.p, "h1", 2);
	for (int i = 0; i < 5; i++)
		msgpack_pack_uint64(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	test_hello_forms();
	/* the encoder refuses what the decoder would */
	memset(m.hello.host, 'a', sizeof(m.hello.host));
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.hello.host[0] = '\0';
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
}

/* TRACE and TRACE_REPLY: exact element counts, 6-byte MACs, bounded
 * fields, and a trace of exactly WIRE_TRACE_LEN bytes unless err is set. */
static void test_trace_strict(void **state)
{
	static uint8_t trace[WIRE_TRACE_LEN + 1];
	struct wire_trace_reply r = {.trace_len = WIRE_TRACE_LEN};
	struct wire_msg m = {.type = WIRE_TRACE_REPLY, .trace_reply = &r};
	uint8_t mac[6] = {0};
	struct pk k;
	size_t len;
	uint8_t *buf;

	(void)state;
	/* request: a 5-byte MAC, a proto above 255, a dport above 65535 */
	for (int bad = 0; bad < 4; bad++) {
		pk_head(&k, 12, WIRE_TRACE);
		for (int i = 0; i < 4; i++)
			msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_bin_with_body(&k.p, mac, bad == 0 ? 5 : 6);
		msgpack_pack_bin_with_body(&k.p, mac, 6);
		msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_uint32(&k.p, bad == 1 ? 256 : 6);
		msgpack_pack_uint32(&k.p, bad == 2 ? 65536 : 80);
		assert_int_equal(pk_decode(&k), bad == 3 ? 0 : -EPROTO);
	}
	pk_head(&k, 11, WIRE_TRACE);
	for (int i = 0; i < 9; i++)
		msgpack_pack_uint32(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* reply: trace one byte short or long, a trace with an error */
	for (int bad = 0; bad < 4; bad++) {
		uint32_t n = bad == 0	? WIRE_TRACE_LEN - 1
			     : bad == 1 ? WIRE_TRACE_LEN + 1
					: WIRE_TRACE_LEN;

		pk_head(&k, 7, WIRE_TRACE_REPLY);
		msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_uint32(&k.p, bad == 2 ? ENOENT : 0);
		msgpack_pack_uint64(&k.p, 5);
		msgpack_pack_bin_with_body(&k.p, mac, 6);
		msgpack_pack_bin_with_body(&k.p, trace, n);
		assert_int_equal(pk_decode(&k), bad == 3 ? 0 : -EPROTO);
	}
	/* the encoder refuses what the decoder would */
	r.trace_len = WIRE_TRACE_LEN - 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	r.trace_len = WIRE_TRACE_LEN;
	r.err = EIO;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.trace_reply = NULL;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
}

/* Packs a MONITOR_EVENTS of id 1 and err with n events from ev. */
static int events_decode(uint32_t err, const uint8_t (*ev)[WIRE_DROP_EVENT_LEN], uint32_t n,
			 uint32_t bin_len)
{
	struct pk k;

	pk_head(&k, 5, WIRE_MONITOR_EVENTS);
	msgpack_pack_uint32(&k.p, 1);
	msgpack_pack_uint32(&k.p, err);
	msgpack_pack_array(&k.p, n);
	for (uint32_t i = 0; i < n; i++)
		msgpack_pack_bin_with_body(&k.p, ev[i % 2], bin_len);
	return pk_decode(&k);
}

/* MONITOR and MONITOR_EVENTS: a timeout within 1..WIRE_MONITOR_MAX_S when
 * on and nothing but the id when off; at most WIRE_MONITOR_BATCH events,
 * each exactly WIRE_DROP_EVENT_LEN bytes of a valid drop event, none with
 * an error. */
static void test_monitor_strict(void **state)
{
	static uint8_t ev[2][WIRE_DROP_EVENT_LEN];
	static struct wire_monitor_events e;
	struct wire_msg m = {.type = WIRE_MONITOR};
	struct tn_drop_event bad;
	struct pk k;
	size_t len;
	uint8_t *buf;

	(void)state;
	/* MONITOR: on with timeouts 0, 1, max, max + 1; off with a port or timeout */
	for (int t = 0; t < 4; t++) {
		static const uint32_t timeout[] = {0, 1, WIRE_MONITOR_MAX_S,
						   WIRE_MONITOR_MAX_S + 1};

		pk_head(&k, 6, WIRE_MONITOR);
		msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_true(&k.p);
		msgpack_pack_uint32(&k.p, 5);
		msgpack_pack_uint32(&k.p, timeout[t]);
		assert_int_equal(pk_decode(&k), t == 1 || t == 2 ? 0 : -EPROTO);
	}
	for (int t = 0; t < 3; t++) {
		pk_head(&k, 6, WIRE_MONITOR);
		msgpack_pack_uint32(&k.p, 1);
		msgpack_pack_false(&k.p);
		msgpack_pack_uint32(&k.p, t == 0 ? 5 : 0);
		msgpack_pack_uint32(&k.p, t == 1 ? 5 : 0);
		assert_int_equal(pk_decode(&k), t == 2 ? 0 : -EPROTO);
	}
	pk_head(&k, 6, WIRE_MONITOR); /* on is not a bool */
	for (int i = 0; i < 4; i++)
		msgpack_pack_uint32(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 5, WIRE_MONITOR); /* one element short */
	msgpack_pack_uint32(&k.p, 1);
	msgpack_pack_true(&k.p);
	msgpack_pack_uint32(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	m.monitor = (struct wire_monitor){.on = true};
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.monitor = (struct wire_monitor){.port_id = 3};
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);

	/* MONITOR_EVENTS */
	event_make(ev[0], 1);
	event_make(ev[1], 2);
	assert_int_equal(events_decode(0, ev, 2, WIRE_DROP_EVENT_LEN), 0);
	assert_int_equal(events_decode(0, ev, WIRE_MONITOR_BATCH, WIRE_DROP_EVENT_LEN), 0);
	assert_int_equal(events_decode(0, ev, WIRE_MONITOR_BATCH + 1, WIRE_DROP_EVENT_LEN), -E2BIG);
	assert_int_equal(events_decode(0, ev, 1, WIRE_DROP_EVENT_LEN - 1), -EPROTO);
	assert_int_equal(events_decode(0, ev, 1, WIRE_DROP_EVENT_LEN + 1), -EPROTO);
	assert_int_equal(events_decode(EOPNOTSUPP, ev, 1, WIRE_DROP_EVENT_LEN), -EPROTO);
	assert_int_equal(events_decode(EOPNOTSUPP, ev, 0, WIRE_DROP_EVENT_LEN), 0);
	assert_int_equal(events_decode(0x80000000u, ev, 0, WIRE_DROP_EVENT_LEN), -EPROTO);
	/* each field of an event checked: a counter that is no drop, a
	 * snapshot longer than the packet or TN_MON_SNAP_LEN, unknown flags,
	 * padding */
	for (int f = 0; f < 6; f++) {
		memcpy(&bad, ev[0], sizeof(bad));
		if (f == 0)
			bad.reason = TN_STAT_RX_VIF;
		else if (f == 1)
			bad.reason = TN_STAT_MAX;
		else if (f == 2)
			bad.snap_len = (uint16_t)(bad.len + 1);
		else if (f == 3)
			bad.len = 1000, bad.snap_len = TN_MON_SNAP_LEN + 1;
		else if (f == 4)
			bad.flags = 2;
		else
			bad.pad = 1;
		memcpy(ev[1], &bad, sizeof(bad));
		assert_false(wire_drop_event_valid(ev[1]));
		assert_int_equal(events_decode(0, ev, 2, WIRE_DROP_EVENT_LEN), -EPROTO);
		/* the encoder refuses it too */
		memset(&e, 0, sizeof(e));
		e.n = 1;
		memcpy(e.ev[0], &bad, sizeof(bad));
		m = (struct wire_msg){.type = WIRE_MONITOR_EVENTS, .events = &e};
		assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	}
	assert_false(wire_drop_event_valid(NULL));
	memset(&e, 0, sizeof(e));
	e.err = EIO;
	e.n = 1;
	event_make(e.ev[0], 3);
	m = (struct wire_msg){.type = WIRE_MONITOR_EVENTS, .events = &e};
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL); /* events with an error */
	e.err = 0;
	e.n = WIRE_MONITOR_BATCH + 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.events = NULL;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
}

static void test_header_strict(void **state)
{
	struct pk k;

	/* unknown types */
	for (int t = 0; t < 260; t += (t < 10 ? 1 : 50)) {
		if (t >= WIRE_HELLO && t < WIRE_TYPE_MAX)
			continue;
		pk_head(&k, 3, t);
		msgpack_pack_uint64(&k.p, 1);
		assert_int_equal(pk_decode(&k), -ENOTSUP);
	}
	pk_head(&k, 2, 99);
	assert_int_equal(pk_decode(&k), -ENOTSUP);
	/* negative type */
	pk_head(&k, 3, -1);
	msgpack_pack_uint64(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* bad version, version as string */
	pk_init(&k);
	msgpack_pack_array(&k.p, 3);
	msgpack_pack_uint8(&k.p, 2);
	msgpack_pack_uint8(&k.p, WIRE_ACK);
	msgpack_pack_uint8(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_init(&k);
	msgpack_pack_array(&k.p, 3);
	msgpack_pack_str_with_body(&k.p, "1", 1);
	msgpack_pack_uint8(&k.p, WIRE_ACK);
	msgpack_pack_uint8(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* wrong element counts */
	pk_head(&k, 4, WIRE_ACK);
	msgpack_pack_uint8(&k.p, 1);
	msgpack_pack_uint8(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 2, WIRE_HEARTBEAT);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_init(&k);
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_uint8(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* not an array at all; a map; a float */
	pk_init(&k);
	msgpack_pack_uint8(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_init(&k);
	msgpack_pack_map(&k.p, 1);
	msgpack_pack_uint8(&k.p, 1);
	msgpack_pack_uint8(&k.p, 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 3, WIRE_ACK);
	msgpack_pack_double(&k.p, 1.0);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* rev as string, rev negative */
	pk_head(&k, 3, WIRE_ACK);
	msgpack_pack_str_with_body(&k.p, "1", 1);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 3, WIRE_ACK);
	msgpack_pack_int8(&k.p, -3);
	assert_int_equal(pk_decode(&k), -EPROTO);
	/* a signed encoding of a non-negative value is an unsigned integer */
	pk_head(&k, 3, WIRE_ACK);
	msgpack_pack_int64(&k.p, 5);
	assert_int_equal(pk_decode(&k), 0);
}

static int status_port(uint64_t port_id, bool up_as_int, int n_fields)
{
	struct pk k;

	pk_head(&k, 4, WIRE_STATUS);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, (size_t)n_fields);
	msgpack_pack_uint64(&k.p, port_id);
	if (up_as_int)
		msgpack_pack_uint8(&k.p, 1);
	else
		msgpack_pack_true(&k.p);
	for (int i = 2; i < n_fields; i++)
		msgpack_pack_uint64(&k.p, 1);
	return pk_decode(&k);
}

static void test_status_strict(void **state)
{
	assert_int_equal(status_port(1, false, 5), 0);
	assert_int_equal(status_port(1ull << 32, false, 5), -EPROTO);
	assert_int_equal(status_port(1, true, 5), -EPROTO);
	assert_int_equal(status_port(1, false, 4), -EPROTO);
	assert_int_equal(status_port(1, false, 6), -EPROTO);
}

/* A STATUS whose one port (8 fields) carries the reasons array written by
 * pack, then (if n_host >= 0) a host array of n_host counters. */
static int status_reasons(void (*pack)(msgpack_packer *p), int n_host)
{
	struct pk k;

	pk_head(&k, n_host >= 0 ? 5 : 4, WIRE_STATUS);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 8);
	msgpack_pack_uint32(&k.p, 3);
	msgpack_pack_true(&k.p);
	for (int i = 2; i < 7; i++)
		msgpack_pack_uint64(&k.p, 1);
	pack(&k.p);
	for (int i = 0; i < n_host; i++)
		msgpack_pack_uint64(&k.p, (uint64_t)i);
	if (n_host >= 0) {
		/* the array header goes before its elements: rebuild */
		msgpack_sbuffer_destroy(&k.sb);
		pk_head(&k, 5, WIRE_STATUS);
		msgpack_pack_uint64(&k.p, 1);
		msgpack_pack_array(&k.p, 0);
		msgpack_pack_array(&k.p, (size_t)n_host);
		for (int i = 0; i < n_host; i++)
			msgpack_pack_uint64(&k.p, (uint64_t)i);
	}
	return pk_decode(&k);
}

static void pack_pair(msgpack_packer *p, uint64_t reason, uint64_t count)
{
	msgpack_pack_array(p, 2);
	msgpack_pack_uint64(p, reason);
	msgpack_pack_uint64(p, count);
}

static void reasons_none(msgpack_packer *p)
{
	msgpack_pack_array(p, 0);
}

static void reasons_two(msgpack_packer *p)
{
	msgpack_pack_array(p, 2);
	pack_pair(p, TN_DROP_SPOOF_MAC, 5);
	pack_pair(p, TN_DROP_ND, UINT64_MAX);
}

static void reasons_too_many(msgpack_packer *p)
{
	msgpack_pack_array(p, WIRE_PORT_REASONS + 1);
	for (int i = 0; i <= WIRE_PORT_REASONS; i++)
		pack_pair(p, TN_DROP_FIRST + i, 1);
}

static void reasons_not_a_drop(msgpack_packer *p)
{
	msgpack_pack_array(p, 1);
	pack_pair(p, TN_STAT_RX_VIF, 1);
}

static void reasons_past_table(msgpack_packer *p)
{
	msgpack_pack_array(p, 1);
	pack_pair(p, TN_STAT_MAX, 1);
}

static void reasons_twice(msgpack_packer *p)
{
	msgpack_pack_array(p, 2);
	pack_pair(p, TN_DROP_IPV6, 1);
	pack_pair(p, TN_DROP_IPV6, 2);
}

static void reasons_short_pair(msgpack_packer *p)
{
	msgpack_pack_array(p, 1);
	msgpack_pack_array(p, 1);
	msgpack_pack_uint64(p, TN_DROP_IPV6);
}

static void reasons_not_array(msgpack_packer *p)
{
	msgpack_pack_uint64(p, TN_DROP_IPV6);
}

static void reasons_negative(msgpack_packer *p)
{
	msgpack_pack_array(p, 1);
	msgpack_pack_array(p, 2);
	msgpack_pack_uint64(p, TN_DROP_IPV6);
	msgpack_pack_int8(p, -1);
}

/* STATUS with flows by security group: round trip; a group twice or too
 * many groups refused. */
static void test_status_groups(void **state)
{
	struct wire_port_status port = {.port_id = 9,
					.up = true,
					.n_reasons = 1,
					.reasons = {{TN_DROP_SG_INGRESS, 4}},
					.n_groups = 2,
					.groups = {{12, 31}, {UINT32_MAX, UINT64_MAX}}};
	struct wire_msg m = {.type = WIRE_STATUS}, d;
	uint8_t *buf;
	size_t len;

	(void)state;
	m.status.rev = 4;
	m.status.ports = &port;
	m.status.n_ports = 1;
	assert_int_equal(wire_encode(&m, &buf, &len), 0);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	free(buf);
	assert_int_equal(d.status.ports[0].n_reasons, 1);
	assert_int_equal(d.status.ports[0].reasons[0].reason, TN_DROP_SG_INGRESS);
	assert_int_equal(d.status.ports[0].n_groups, 2);
	assert_int_equal(d.status.ports[0].groups[0].group, 12);
	assert_true(d.status.ports[0].groups[0].flows == 31);
	assert_int_equal(d.status.ports[0].groups[1].group, UINT32_MAX);
	assert_true(d.status.ports[0].groups[1].flows == UINT64_MAX);
	wire_msg_release(&d);
	port.groups[1].group = 12; /* the encoder does not look: the decoder does */
	assert_int_equal(wire_encode(&m, &buf, &len), 0);
	assert_int_equal(wire_decode(buf, len, &d), -EPROTO);
	free(buf);
	port.n_groups = WIRE_PORT_GROUPS + 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
}

/* STATUS with bytes, drops by reason and host counters: round trip, and
 * every hostile form refused. */
static void test_status_drops(void **state)
{
	struct wire_port_status port = {.port_id = 9,
					.up = true,
					.rx_packets = 1,
					.tx_packets = 2,
					.drops = 7,
					.rx_bytes = 100,
					.tx_bytes = UINT64_MAX,
					.n_reasons = 2,
					.reasons = {{TN_DROP_SPOOF_MAC, 4}, {TN_DROP_IPV6, 3}}};
	struct wire_msg m = {.type = WIRE_STATUS}, d;
	uint8_t *buf;
	size_t len;

	(void)state;
	m.status.rev = 4;
	m.status.ports = &port;
	m.status.n_ports = 1;
	m.status.n_host = TN_STAT_MAX;
	m.status.host[TN_DROP_ND] = 11;
	assert_int_equal(wire_encode(&m, &buf, &len), 0);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	free(buf);
	assert_int_equal(d.status.n_ports, 1);
	assert_true(d.status.ports[0].rx_bytes == 100);
	assert_true(d.status.ports[0].tx_bytes == UINT64_MAX);
	assert_int_equal(d.status.ports[0].n_reasons, 2);
	assert_int_equal(d.status.ports[0].reasons[1].reason, TN_DROP_IPV6);
	assert_true(d.status.ports[0].reasons[1].count == 3);
	assert_int_equal(d.status.n_host, TN_STAT_MAX);
	assert_true(d.status.host[TN_DROP_ND] == 11);
	wire_msg_release(&d);
	/* no host counters: the array is left out */
	m.status.n_host = 0;
	assert_int_equal(wire_encode(&m, &buf, &len), 0);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_int_equal(d.status.n_host, 0);
	wire_msg_release(&d);
	/* every truncation of it is refused */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_not_equal(wire_decode(buf, cut, &d), 0);
	free(buf);
	/* what the encoder refuses */
	port.n_reasons = WIRE_PORT_REASONS + 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	port.n_reasons = 1;
	port.reasons[0].reason = TN_STAT_RX_VIF;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	port.reasons[0].reason = TN_DROP_IPV6;
	m.status.n_host = WIRE_HOST_STATS + 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	/* what the decoder refuses */
	assert_int_equal(status_reasons(reasons_none, -1), 0);
	assert_int_equal(status_reasons(reasons_two, -1), 0);
	assert_int_equal(status_reasons(reasons_too_many, -1), -E2BIG);
	assert_int_equal(status_reasons(reasons_not_a_drop, -1), -EPROTO);
	assert_int_equal(status_reasons(reasons_past_table, -1), -EPROTO);
	assert_int_equal(status_reasons(reasons_twice, -1), -EPROTO);
	assert_int_equal(status_reasons(reasons_short_pair, -1), -EPROTO);
	assert_int_equal(status_reasons(reasons_not_array, -1), -EPROTO);
	assert_int_equal(status_reasons(reasons_negative, -1), -EPROTO);
	assert_int_equal(status_reasons(reasons_none, 1), 0);
	assert_int_equal(status_reasons(reasons_none, WIRE_HOST_STATS), 0);
	assert_int_equal(status_reasons(reasons_none, 0), -EPROTO);
	assert_int_equal(status_reasons(reasons_none, WIRE_HOST_STATS + 1), -E2BIG);
}

static void test_limits(void **state)
{
	/* DELTA [1,3,1,2, array32 header claiming WIRE_MAX_ROWS + 1 rows] */
	uint8_t big[] = {0x95, 1, 3, 1, 2, 0xdd, 0, 0x40, 0, 1};
	uint8_t huge[] = {0x95, 1, 3, 1, 2, 0xdd, 0xff, 0xff, 0xff, 0xff};
	uint8_t liar[] = {0x95, 1, 3, 1, 2, 0xdd, 0, 0, 0x10, 0};
	struct wire_msg d, m = {.type = WIRE_DELTA};
	uint8_t *buf = NULL;
	size_t len;
	struct pk k;

	assert_int_equal(wire_decode(big, sizeof(big), &d), -E2BIG);
	assert_int_equal(wire_decode(huge, sizeof(huge), &d), -E2BIG);
	/* a count the remaining bytes cannot hold is a truncation */
	assert_int_equal(wire_decode(liar, sizeof(liar), &d), -EPROTO);
	/* length above WIRE_MAX_MSG is refused before reading */
	assert_int_equal(wire_decode(big, (size_t)WIRE_MAX_MSG + 1, &d), -E2BIG);
	/* STATUS with WIRE_MAX_PORTS + 1 (nil) ports */
	pk_head(&k, 4, WIRE_STATUS);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_array(&k.p, WIRE_MAX_PORTS + 1);
	for (unsigned int i = 0; i < WIRE_MAX_PORTS + 1; i++)
		msgpack_pack_nil(&k.p);
	assert_int_equal(pk_decode(&k), -E2BIG);
	/* the encoder refuses too many rows without reading them */
	m.update.rows = sample_rows;
	m.update.n_rows = (size_t)WIRE_MAX_ROWS + 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.type = 0;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.type = WIRE_TYPE_MAX;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	/* invalid rows are not encoded */
	sample_rows[0] = row_make(TN_MAP_FDB, WIRE_OP_UPSERT, 1);
	sample_rows[0].key_len--;
	m.type = WIRE_SNAPSHOT;
	m.update.n_rows = 1;
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	assert_int_equal(wire_decode(NULL, 0, &d), -EPROTO);
	assert_int_equal(wire_decode(big, sizeof(big), NULL), -EINVAL);
}

static void test_deep_nesting(void **state)
{
	uint8_t buf[4096];
	struct wire_msg d;

	memset(buf, 0x91, sizeof(buf));
	buf[sizeof(buf) - 1] = 0x01;
	assert_int_not_equal(wire_decode(buf, sizeof(buf), &d), 0);
}

/* Random bytes, and valid messages with random bytes changed: never a crash
 * (ASan/UBSan watch), and a success always yields a releasable message. */
/* a and b carry the same message. */
static void assert_msg_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->store_id, b->store_id);
	switch (a->type) {
	case WIRE_HELLO:
		assert_string_equal(a->hello.host, b->hello.host);
		assert_true(a->hello.last_rev == b->hello.last_rev);
		assert_int_equal(a->hello.caps, b->hello.caps);
		assert_int_equal(a->hello.overlay_mtu, b->hello.overlay_mtu);
		assert_int_equal(a->hello.abi, b->hello.abi);
		break;
	case WIRE_SNAPSHOT:
	case WIRE_DELTA:
		assert_true(a->update.from == b->update.from);
		assert_true(a->update.to == b->update.to);
		assert_int_equal(a->update.n_rows, b->update.n_rows);
		assert_rows_equal(a->update.rows, b->update.rows, a->update.n_rows);
		break;
	case WIRE_ACK:
	case WIRE_HEARTBEAT:
		assert_true(a->ack.rev == b->ack.rev);
		break;
	case WIRE_STATUS:
		assert_true(a->status.rev == b->status.rev);
		assert_int_equal(a->status.n_ports, b->status.n_ports);
		for (size_t p = 0; p < a->status.n_ports; p++) {
			assert_int_equal(a->status.ports[p].port_id, b->status.ports[p].port_id);
			assert_int_equal(a->status.ports[p].up, b->status.ports[p].up);
			assert_true(a->status.ports[p].rx_packets == b->status.ports[p].rx_packets);
			assert_true(a->status.ports[p].tx_packets == b->status.ports[p].tx_packets);
			assert_true(a->status.ports[p].drops == b->status.ports[p].drops);
		}
		break;
	case WIRE_TRACE:
		assert_memory_equal(&a->trace, &b->trace, sizeof(a->trace));
		break;
	case WIRE_TRACE_REPLY:
		assert_memory_equal(a->trace_reply, b->trace_reply, sizeof(*a->trace_reply));
		break;
	case WIRE_MONITOR:
		assert_int_equal(a->monitor.id, b->monitor.id);
		assert_int_equal(a->monitor.on, b->monitor.on);
		assert_int_equal(a->monitor.port_id, b->monitor.port_id);
		assert_int_equal(a->monitor.timeout_s, b->monitor.timeout_s);
		break;
	case WIRE_MONITOR_EVENTS:
		assert_int_equal(a->events->id, b->events->id);
		assert_int_equal(a->events->err, b->events->err);
		assert_int_equal(a->events->n, b->events->n);
		assert_memory_equal(a->events->ev, b->events->ev,
				    (size_t)a->events->n * WIRE_DROP_EVENT_LEN);
		break;
	default:
		fail_msg("decoded unknown type %d", a->type);
	}
}

/* Whatever decodes is a valid message: it encodes, and that decodes back
 * to the same message. Releases d. */
static void assert_reencodes(struct wire_msg *d)
{
	struct wire_msg d2;
	size_t len;
	uint8_t *buf = enc(d, &len);

	assert_int_equal(wire_decode(buf, len, &d2), 0);
	assert_msg_equal(d, &d2);
	wire_msg_release(&d2);
	wire_msg_release(d);
	free(buf);
}

static void test_random(void **state)
{
	uint8_t buf[512];
	struct wire_msg d;
	unsigned int seed = 12345;
	int decoded = 0;

	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		if (len && i % 2)
			buf[0] = (uint8_t)(0x90 | (rand_r(&seed) % 6));
		if (wire_decode(buf, len, &d) == 0)
			assert_reencodes(&d);
	}
	for (int s = 0; s < N_SAMPLES; s++) {
		struct wire_msg m = sample(s);
		size_t len;
		uint8_t *valid = enc(&m, &len);

		for (int i = 0; i < 5000; i++) {
			uint8_t *copy = malloc(len);

			memcpy(copy, valid, len);
			for (int f = 0; f < 1 + i % 3; f++)
				copy[rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
			if (wire_decode(copy, len, &d) == 0) {
				assert_reencodes(&d);
				decoded++;
			}
			free(copy);
		}
		free(valid);
	}
	assert_true(decoded > 0); /* the round trip was exercised */
}

/* Row views a and b of one message buf[0..len) are the same row: key and
 * value pointing to the same bytes of buf (a value sent trimmed as it was
 * sent, an empty one anywhere). */
static void assert_refs_same(const struct wire_rowref *a, const struct wire_rowref *b)
{
	assert_int_equal(a->map, b->map);
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->key_len, b->key_len);
	assert_int_equal(a->val_len, b->val_len);
	assert_ptr_equal(a->key, b->key);
	if (b->val_len)
		assert_ptr_equal(a->val, b->val);
}

/* wire_decode_tree agrees with wire_decode (refs false) or wire_decode_refs
 * (refs true), d, on buf[0..len): the same result (rc), the same message. */
static void assert_tree_agrees(const uint8_t *buf, size_t len, bool refs, int rc,
			       const struct wire_msg *d)
{
	struct wire_msg t;

	assert_int_equal(wire_decode_tree(buf, len, &t, refs), rc);
	if (rc)
		return;
	assert_int_equal(t.type, d->type);
	if (d->type == WIRE_SNAPSHOT || d->type == WIRE_DELTA) {
		assert_true(t.update.to == d->update.to && t.update.from == d->update.from);
		assert_string_equal(t.store_id, d->store_id);
		assert_int_equal(t.update.n_rows, d->update.n_rows);
		if (!refs)
			assert_rows_equal(t.update.rows, d->update.rows, d->update.n_rows);
		for (size_t i = 0; refs && i < d->update.n_rows; i++)
			assert_refs_same(&t.update.refs[i], &d->update.refs[i]);
	}
	wire_msg_release(&t);
}

/* wire_decode_refs agrees with wire_decode on buf[0..len): the same
 * result, and the same rows, in place (pointing into buf); both agree with
 * msgpack-c's object tree (wire_decode_tree). Returns the result. */
static int assert_refs_agree(const uint8_t *buf, size_t len)
{
	struct wire_msg d, r;
	int rc = wire_decode(buf, len, &d);

	assert_int_equal(wire_decode_refs(buf, len, &r), rc);
	assert_tree_agrees(buf, len, false, rc, &d);
	assert_tree_agrees(buf, len, true, rc, &r);
	if (rc)
		return rc;
	assert_int_equal(r.type, d.type);
	if (d.type != WIRE_SNAPSHOT && d.type != WIRE_DELTA) {
		wire_msg_release(&d);
		wire_msg_release(&r);
		return 0;
	}
	assert_null(r.update.rows);
	assert_int_equal(r.update.n_rows, d.update.n_rows);
	assert_true(r.update.to == d.update.to && r.update.from == d.update.from);
	assert_string_equal(r.store_id, d.store_id);
	for (size_t i = 0; i < d.update.n_rows; i++) {
		const struct wire_rowref *f = &r.update.refs[i];
		const struct wire_row *w = &d.update.rows[i];

		uint8_t whole[WIRE_VAL_MAX];

		assert_true(wire_rowref_valid(f));
		assert_int_equal(f->map, w->map);
		assert_int_equal(f->op, w->op);
		assert_int_equal(f->key_len, w->key_len);
		assert_true(f->val_len <= w->val_len); /* as sent: maybe trimmed */
		assert_true(f->key >= buf && f->key + f->key_len <= buf + len);
		assert_memory_equal(f->key, w->key, w->key_len);
		if (f->val_len) /* in place */
			assert_true(f->val >= buf && f->val + f->val_len <= buf + len);
		if (w->op == WIRE_OP_DELETE)
			assert_null(f->val);
		memset(whole, 0xa5, sizeof(whole));
		assert_int_equal(wire_rowref_value(f, whole), w->val_len);
		if (w->val_len) /* the left-out bytes zero */
			assert_memory_equal(whole, w->val, w->val_len);
		else
			assert_int_equal(whole[0], 0xa5); /* a delete: nothing written */
	}
	wire_msg_release(&d);
	wire_msg_release(&r);
	return 0;
}

/* Rows decoded in place: the same checks, results and rows as copied
 * ones, for every sample and for mutations of them. */
/* Values sent trimmed (WIRE_CAP_TRIM): the encoder leaves out trailing
 * zero bytes only when asked; wire_decode hands on whole values (the
 * left-out bytes zero), wire_decode_refs the values as sent, in place,
 * which wire_rowref_value makes whole: nothing is copied, so however large
 * the values are whole, a message costs what it took on the wire. */
static void test_rows_trimmed(void **state)
{
	struct wire_row rows[4];
	struct wire_msg m = {.type = WIRE_SNAPSHOT, .update = {.to = 9, .rows = rows, .n_rows = 4}};
	struct wire_msg d, r;
	size_t whole_len, len, n_big;
	uint8_t *whole, *buf, val[WIRE_VAL_MAX];
	uint16_t vl;
	struct pk k;

	rows[0] = row_make(TN_MAP_DHCP, WIRE_OP_UPSERT, 1);
	memset(rows[0].val + 40, 0, rows[0].val_len - 40);   /* 240 zero bytes at the end */
	rows[1] = row_make(TN_MAP_LPORT, WIRE_OP_UPSERT, 2); /* no zero at the end */
	rows[1].val[rows[1].val_len - 1] = 0xff;
	rows[2] = row_make(TN_MAP_FDB, WIRE_OP_UPSERT, 3);
	memset(rows[2].val, 0, rows[2].val_len); /* all zero: an empty bin */
	rows[3] = row_make(TN_MAP_ARP, WIRE_OP_DELETE, 4);
	whole = enc(&m, &whole_len);
	m.update.trim = true;
	buf = enc(&m, &len);
	/* DHCP's 240 bytes (and a byte of its bin's length: 280 takes two, 40
	 * one), all of the FDB row's, none of LPORT's */
	assert_int_equal(whole_len - len, 240 + 1 + rows[2].val_len);
	assert_int_equal(assert_refs_agree(buf, len), 0);
	assert_int_equal(wire_decode(buf, len, &d), 0);
	assert_rows_equal(d.update.rows, rows, 4);
	assert_int_equal(wire_decode_refs(buf, len, &r), 0);
	assert_int_equal(r.update.refs[0].val_len, 40); /* as sent */
	assert_int_equal(r.update.refs[1].val_len, rows[1].val_len);
	assert_int_equal(r.update.refs[2].val_len, 0);
	for (int i = 0; i < 4; i++) {
		const struct wire_rowref *f = &r.update.refs[i];

		assert_true(wire_rowref_valid(f));
		if (f->val_len)
			assert_true(f->val > buf && f->val + f->val_len <= buf + len);
		if (rows[i].op == WIRE_OP_DELETE)
			continue;
		memset(val, 0xa5, sizeof(val));
		assert_int_equal(wire_rowref_value(f, val), rows[i].val_len);
		assert_memory_equal(val, rows[i].val, rows[i].val_len);
	}
	wire_msg_release(&r);
	wire_msg_release(&d);
	/* whole values decode as before, whole, in place */
	assert_int_equal(wire_decode_refs(whole, whole_len, &r), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r.update.refs[i].val_len, rows[i].val_len);
	wire_msg_release(&r);
	free(whole);
	free(buf);
	/* DHCP rows of empty values, more than WIRE_MAX_MSG bytes whole:
	 * decoded in place, each made whole only where it is read */
	assert_true(wire_map_sizes(TN_MAP_DHCP, NULL, &vl));
	n_big = WIRE_MAX_MSG / vl + 1;
	pk_head(&k, 4, WIRE_SNAPSHOT);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_array(&k.p, (uint32_t)n_big);
	for (size_t i = 0; i < n_big; i++) {
		uint32_t key = (uint32_t)i + 1;

		msgpack_pack_array(&k.p, 4);
		msgpack_pack_uint8(&k.p, TN_MAP_DHCP);
		msgpack_pack_uint8(&k.p, WIRE_OP_UPSERT);
		msgpack_pack_bin(&k.p, sizeof(key));
		msgpack_pack_bin_body(&k.p, &key, sizeof(key));
		msgpack_pack_bin(&k.p, 0);
	}
	assert_int_equal(wire_decode_refs((const uint8_t *)k.sb.data, k.sb.size, &r), 0);
	assert_int_equal(r.update.n_rows, n_big);
	assert_int_equal(r.update.refs[n_big - 1].val_len, 0);
	memset(val, 0xa5, sizeof(val));
	assert_int_equal(wire_rowref_value(&r.update.refs[n_big - 1], val), vl);
	assert_true(val[0] == 0 && val[vl - 1] == 0);
	wire_msg_release(&r);
	msgpack_sbuffer_destroy(&k.sb);
}

static void test_decode_refs(void **state)
{
	unsigned int seed = 777;
	int decoded = 0;

	for (int s = 0; s < 2 * N_SAMPLES; s++) {
		struct wire_msg m = sample(s % N_SAMPLES);
		size_t len;
		uint8_t *valid;

		/* the second time round, the updates' values go trimmed */
		m.update.trim = s >= N_SAMPLES && (m.type == WIRE_SNAPSHOT || m.type == WIRE_DELTA);
		valid = enc(&m, &len);
		assert_int_equal(assert_refs_agree(valid, len), 0);
		for (int i = 0; i < 2000; i++) {
			uint8_t *copy = malloc(len);

			memcpy(copy, valid, len);
			for (int f = 0; f < 1 + i % 3; f++)
				copy[rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
			decoded += assert_refs_agree(copy, len) == 0;
			free(copy);
		}
		free(valid);
	}
	assert_true(decoded > 0);
}

/* A message in raw bytes, for the encodings msgpack-c's packer never
 * chooses (wider integers and lengths than needed). */
struct raw {
	uint8_t b[1024];
	size_t n;
};

static void raw_put(struct raw *r, const void *p, size_t n)
{
	assert_true(r->n + n <= sizeof(r->b));
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void raw_byte(struct raw *r, uint8_t b)
{
	raw_put(r, &b, 1);
}

/* Header byte h, then v big-endian in w bytes. */
static void raw_be(struct raw *r, uint8_t h, uint64_t v, unsigned int w)
{
	raw_byte(r, h);
	for (unsigned int i = w; i-- > 0;)
		raw_byte(r, (uint8_t)(v >> (8 * i)));
}

/* A DELTA of one LPORT upsert, every field in a wider encoding than needed:
 * what may change per form (form): 0 valid, 1 a negative int8 revision,
 * 2 the key as a str, 3 the store identity as a bin, 4 a trailing byte,
 * 5 the row array one element short, 6 a negative int16 op. */
static void raw_delta(struct raw *r, int form)
{
	static const char id[] = STORE_ID;
	uint16_t kl, vl;

	memset(r, 0, sizeof(*r));
	assert_true(wire_map_sizes(TN_MAP_LPORT, &kl, &vl));
	raw_byte(r, 0x96);		  /* 6 elements: with the store id */
	raw_be(r, 0xd0, WIRE_VERSION, 1); /* int8 */
	raw_be(r, 0xcf, WIRE_DELTA, 8);	  /* uint64 */
	if (form == 1)
		raw_be(r, 0xd0, 0xff, 1); /* int8 -1 */
	else
		raw_be(r, 0xd3, 41, 8); /* int64 */
	raw_be(r, 0xce, 42, 4);		/* uint32 */
	raw_be(r, 0xdc, 1, 2);		/* array16 of one row */
	raw_byte(r, form == 5 ? 0x93 : 0x94);
	raw_be(r, 0xcc, TN_MAP_LPORT, 1);
	raw_be(r, 0xd1, form == 6 ? 0xffff : WIRE_OP_UPSERT, 2); /* int16 */
	raw_be(r, form == 2 ? 0xda : 0xc5, kl, 2);		 /* str16 / bin16 */
	for (uint16_t i = 0; i < kl; i++)
		raw_byte(r, (uint8_t)(i + 1));
	if (form != 5) {
		raw_be(r, 0xc6, vl, 4); /* bin32 */
		for (uint16_t i = 0; i < vl; i++)
			raw_byte(r, (uint8_t)(i * 3));
	}
	raw_be(r, form == 3 ? 0xc4 : 0xd9, WIRE_STORE_ID_LEN, 1); /* bin8 / str8 */
	raw_put(r, id, WIRE_STORE_ID_LEN);
	if (form == 4)
		raw_byte(r, 0xc0);
}

/* SNAPSHOT and DELTA are decoded without msgpack-c's object tree: every
 * encoding the tree accepts is accepted, with the same result, and what it
 * refuses is refused with its error. */
static void test_direct_forms(void **state)
{
	struct wire_msg d;
	struct raw r;

	raw_delta(&r, 0);
	assert_int_equal(assert_refs_agree(r.b, r.n), 0);
	assert_int_equal(wire_decode(r.b, r.n, &d), 0);
	assert_int_equal(d.type, WIRE_DELTA);
	assert_true(d.update.from == 41 && d.update.to == 42 && d.update.n_rows == 1);
	assert_int_equal(d.update.rows[0].map, TN_MAP_LPORT);
	assert_int_equal(d.update.rows[0].key[0], 1);
	assert_string_equal(d.store_id, STORE_ID);
	wire_msg_release(&d);
	for (int form = 1; form <= 6; form++) {
		raw_delta(&r, form);
		assert_int_equal(assert_refs_agree(r.b, r.n), -EPROTO);
	}
}

/* The store identity: optional, only on SNAPSHOT, DELTA and HEARTBEAT,
 * exactly WIRE_STORE_ID_LEN lowercase hex digits as a string. */
static void test_store_id_strict(void **state)
{
	static const char *const bad[] = {
	    "0123456789ABCDEF0123456789abcdef", "0123456789abcdef0123456789abcde",
	    "0123456789abcdef0123456789abcdef0", "0123456789abcdef0123456789abcdeg"};
	struct wire_msg m = {.type = WIRE_ACK};
	uint8_t *buf = NULL;
	struct pk k;
	size_t len;

	/* encoding */
	strcpy(m.store_id, STORE_ID);
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL); /* not on ACK */
	m.type = WIRE_HELLO;
	strcpy(m.hello.host, "h1");
	assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	m.type = WIRE_HEARTBEAT;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(m.store_id, sizeof(m.store_id), "%s", bad[i]);
		if (strlen(bad[i]) <= WIRE_STORE_ID_LEN)
			assert_int_equal(wire_encode(&m, &buf, &len), -EINVAL);
	}
	assert_null(buf);
	/* decoding: a bad identity, a bin, or one on a type without it */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pk_head(&k, 4, WIRE_HEARTBEAT);
		msgpack_pack_uint64(&k.p, 1);
		msgpack_pack_str(&k.p, strlen(bad[i]));
		msgpack_pack_str_body(&k.p, bad[i], strlen(bad[i]));
		assert_int_equal(pk_decode(&k), -EPROTO);
	}
	pk_head(&k, 4, WIRE_HEARTBEAT);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_bin(&k.p, WIRE_STORE_ID_LEN);
	msgpack_pack_bin_body(&k.p, STORE_ID, WIRE_STORE_ID_LEN);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 4, WIRE_ACK);
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_str(&k.p, WIRE_STORE_ID_LEN);
	msgpack_pack_str_body(&k.p, STORE_ID, WIRE_STORE_ID_LEN);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 5, WIRE_HEARTBEAT); /* two trailing elements */
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_str(&k.p, WIRE_STORE_ID_LEN);
	msgpack_pack_str_body(&k.p, STORE_ID, WIRE_STORE_ID_LEN);
	msgpack_pack_nil(&k.p);
	assert_int_equal(pk_decode(&k), -EPROTO);
	pk_head(&k, 4, WIRE_HEARTBEAT); /* the valid form */
	msgpack_pack_uint64(&k.p, 1);
	msgpack_pack_str(&k.p, WIRE_STORE_ID_LEN);
	msgpack_pack_str_body(&k.p, STORE_ID, WIRE_STORE_ID_LEN);
	assert_int_equal(pk_decode(&k), 0);
}

static void test_row_cmp(void **state)
{
	struct wire_row a = row_make(TN_MAP_FDB, WIRE_OP_UPSERT, 1);
	struct wire_row b = row_make(TN_MAP_FDB, WIRE_OP_UPSERT, 2);
	struct wire_row c = row_make(TN_MAP_ARP, WIRE_OP_UPSERT, 9);
	struct wire_row a2 = a;

	assert_true(wire_row_cmp(&a, &b) < 0);
	assert_true(wire_row_cmp(&b, &a) > 0);
	assert_true(wire_row_cmp(&c, &a) > 0);
	a2.val[0] ^= 0xff; /* values are not part of the order */
	assert_int_equal(wire_row_cmp(&a, &a2), 0);
	assert_true(wire_row_valid(&a));
	a2.op = 3;
	assert_false(wire_row_valid(&a2));
	assert_false(wire_row_valid(NULL));
	assert_string_equal(wire_type_name(WIRE_STATUS), "STATUS");
	assert_string_equal(wire_type_name(0), "?");
	assert_string_equal(wire_type_name(WIRE_TYPE_MAX), "?");
	wire_msg_release(NULL);
}

/* The map table (common/abi_maps.c) describes every map id, carries rows
 * only for compiled maps, and every compiled row fits the codec's bounds. */
static void test_map_table(void **state)
{
	unsigned compiled = 0, applied = 0;

	(void)state;
	assert_null(tn_map_desc(0));
	assert_null(tn_map_desc(TN_MAP_MAX));
	assert_false(wire_map_sizes(0, NULL, NULL));
	assert_false(wire_map_sizes(TN_MAP_MAX, NULL, NULL));
	for (unsigned m = TN_MAP_FIRST; m < TN_MAP_MAX; m++) {
		const struct tn_map_desc *d = tn_map_desc(m);
		uint16_t k = 0, v = 0;

		assert_non_null(d); /* a new enum value needs its line in the table */
		assert_non_null(d->pin);
		assert_non_null(d->name);
		assert_true(d->key_size > 0 && d->value_size > 0 && d->max_entries > 0);
		assert_int_equal(wire_map_sizes((uint8_t)m, &k, &v), tn_map_compiled(m));
		if (tn_map_compiled(m)) {
			compiled++;
			assert_int_equal(k, d->key_size);
			assert_int_equal(v, d->value_size);
			assert_true(k <= WIRE_KEY_MAX && v <= WIRE_VAL_MAX);
		}
		applied += tn_map_applied(m);
		for (unsigned o = TN_MAP_FIRST; o < m; o++) {
			if (!tn_map_desc(o))
				continue;
			assert_string_not_equal(tn_map_desc(o)->pin, d->pin);
			assert_string_not_equal(tn_map_desc(o)->name, d->name);
		}
	}
	/* ROUTE4, DHCP, ND since ABI 8; ROUTE6, SG_*, RA, DHCP6 since 9; MIGRATE
	 * since 10 */
	assert_int_equal(compiled, 17);
	assert_int_equal(applied, 18); /* and tn_ifindex */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),	    cmocka_unit_test(test_truncation_and_trailing),
	    cmocka_unit_test(test_rows_strict),	    cmocka_unit_test(test_hello_strict),
	    cmocka_unit_test(test_header_strict),   cmocka_unit_test(test_status_strict),
	    cmocka_unit_test(test_limits),	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_random),	    cmocka_unit_test(test_row_cmp),
	    cmocka_unit_test(test_store_id_strict), cmocka_unit_test(test_flood_paged),
	    cmocka_unit_test(test_status_drops),    cmocka_unit_test(test_status_groups),
	    cmocka_unit_test(test_trace_strict),    cmocka_unit_test(test_monitor_strict),
	    cmocka_unit_test(test_decode_refs),	    cmocka_unit_test(test_rows_trimmed),
	    cmocka_unit_test(test_direct_forms),    cmocka_unit_test(test_map_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
