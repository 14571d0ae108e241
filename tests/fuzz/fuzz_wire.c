/* fuzz_wire.c - libFuzzer target for the southbound codec: wire_decode must
 * never crash, whatever it accepts must encode back and decode to the same
 * bytes, and wire_decode_refs must accept exactly what it accepts, with the
 * same rows in place; both must agree with msgpack-c's object tree
 * (wire_decode_tree): the same result, the same message. A SNAPSHOT or
 * DELTA encoded with its values trimmed must decode to the same rows. Inputs starting with 0xff
 *also fill a TRACE, a TRACE_REPLY, a MONITOR, a MONITOR_EVENTS, a MIGRATE_EVENT, a CT_EXPORT and a
 *CT_STATE field by field from the bytes that follow (their arrays are long enough that mutation
 *alone rarely reaches them): each must round-trip exactly.
 *
 * Built by tests/fuzz/CMakeLists.txt and run by ctest (label fuzz). By hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	-Icommon -Ibpf/include tests/fuzz/fuzz_wire.c common/wire.c common/reasons.c \
 *	$(pkg-config --cflags --libs msgpack) -o /tmp/fuzz_wire
 *   /tmp/fuzz_wire -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "tenet_abi.h"
#include "wire.h"

/* Encodes m, decodes it and checks the result is byte-identical. */
static void fuzz_roundtrip(const struct wire_msg *m)
{
	struct wire_msg d;
	uint8_t *buf, *buf2;
	size_t len, len2;

	if (wire_encode(m, &buf, &len) != 0)
		return; /* refused: must be an invalid message, nothing to check */
	if (wire_decode(buf, len, &d) != 0)
		abort();
	if (wire_encode(&d, &buf2, &len2) != 0 || len2 != len || memcmp(buf, buf2, len))
		abort();
	free(buf);
	free(buf2);
	wire_msg_release(&d);
}

/* TRACE and TRACE_REPLY with fields taken from data. */
static void fuzz_trace(const uint8_t *data, size_t size)
{
	static struct wire_trace_reply r;
	struct wire_msg m = {.type = WIRE_TRACE};
	size_t n = size < sizeof(m.trace) ? size : sizeof(m.trace);

	memcpy(&m.trace, data, n);
	fuzz_roundtrip(&m);
	memset(&r, 0, sizeof(r));
	n = size < sizeof(r) ? size : sizeof(r);
	memcpy(&r, data, n);
	r.trace_len = r.err ? 0 : WIRE_TRACE_LEN;
	m = (struct wire_msg){.type = WIRE_TRACE_REPLY, .trace_reply = &r};
	fuzz_roundtrip(&m);
}

/* MONITOR and MONITOR_EVENTS with fields taken from data; the events' drop
 * reasons made valid so most batches encode. */
static void fuzz_monitor(const uint8_t *data, size_t size)
{
	static struct wire_monitor_events e;
	struct wire_msg m = {.type = WIRE_MONITOR};
	uint32_t f[4] = {0};
	size_t n = size < sizeof(f) ? size : sizeof(f);

	memcpy(f, data, n);
	m.monitor.id = f[0];
	m.monitor.on = f[1] & 1;
	m.monitor.port_id = f[2];
	m.monitor.timeout_s = f[3];
	fuzz_roundtrip(&m);
	memset(&e, 0, sizeof(e));
	n = size < sizeof(e) ? size : sizeof(e);
	memcpy(&e, data, n);
	e.n %= WIRE_MONITOR_BATCH + 1;
	for (uint32_t i = 0; i < e.n; i++) {
		struct tn_drop_event ev;

		memcpy(&ev, e.ev[i], sizeof(ev));
		ev.reason = TN_DROP_FIRST + ev.reason % (TN_STAT_MAX - TN_DROP_FIRST);
		memcpy(e.ev[i], &ev, sizeof(ev));
	}
	m = (struct wire_msg){.type = WIRE_MONITOR_EVENTS, .events = &e};
	fuzz_roundtrip(&m);
}

/* MIGRATE_EVENT, CT_EXPORT and CT_STATE with fields taken from data; the
 * entries' keys made to name the message's port and their values mostly
 * valid, so many states encode (and those that do must round-trip). */
static void fuzz_migrate(const uint8_t *data, size_t size)
{
	static struct wire_ct_entry ents[8];
	struct wire_msg m = {.type = WIRE_MIGRATE_EVENT};
	uint32_t f[6] = {0};
	size_t n = size < sizeof(f) ? size : sizeof(f);

	memcpy(f, data, n);
	m.mig_event.port_id = f[0];
	m.mig_event.generation = f[1];
	m.mig_event.activated_ns = (uint64_t)f[2] << 32 | f[3];
	m.mig_event.event = f[4] % 3;
	fuzz_roundtrip(&m);
	m = (struct wire_msg){.type = WIRE_CT_EXPORT};
	m.ct_export.port_id = f[0];
	m.ct_export.generation = f[1];
	m.ct_export.final = f[2] & 1;
	fuzz_roundtrip(&m);
	memset(ents, 0, sizeof(ents));
	if (size > sizeof(f))
		memcpy(ents, data + sizeof(f),
		       size - sizeof(f) < sizeof(ents) ? size - sizeof(f) : sizeof(ents));
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		struct tn_ct_key k;
		struct tn_ct v;

		memcpy(&k, ents[i].key, sizeof(k));
		memcpy(&v, ents[i].val, sizeof(v));
		k.port_id = f[0];
		if (f[5] & 2)
			k.family = k.family & 1 ? 6 : 4;
		if (f[5] & 4)
			v.expires_ns %= WIRE_CT_MAX_REMAINING_MS + 1;
		memcpy(ents[i].key, &k, sizeof(k));
		memcpy(ents[i].val, &v, sizeof(v));
	}
	m = (struct wire_msg){.type = WIRE_CT_STATE};
	m.ct_state.port_id = f[0];
	m.ct_state.generation = f[1];
	m.ct_state.final = f[2] & 1;
	m.ct_state.more = f[2] & 2;
	m.ct_state.n = f[5] >> 8 & 7;
	m.ct_state.entries = ents;
	fuzz_roundtrip(&m);
}

/* wire_decode_refs accepts data as wire_decode did (m) with the same
 * rows, in place. */
static void fuzz_refs(const uint8_t *data, size_t size, const struct wire_msg *m)
{
	struct wire_msg r;

	if (wire_decode_refs(data, size, &r) != 0 || r.type != m->type)
		abort();
	if (m->type == WIRE_SNAPSHOT || m->type == WIRE_DELTA) {
		if (r.update.rows || r.update.n_rows != m->update.n_rows)
			abort();
		for (size_t i = 0; i < m->update.n_rows; i++) {
			const struct wire_rowref *f = &r.update.refs[i];
			const struct wire_row *w = &m->update.rows[i];
			uint8_t whole[WIRE_VAL_MAX];

			/* the value as sent (maybe trimmed), whole through
			 * wire_rowref_value */
			if (f->map != w->map || f->op != w->op || f->key_len != w->key_len ||
			    f->val_len > w->val_len || memcmp(f->key, w->key, w->key_len) ||
			    wire_rowref_value(f, whole) != w->val_len ||
			    (w->val_len && memcmp(whole, w->val, w->val_len)) || f->key < data ||
			    f->key + f->key_len > data + size ||
			    (f->val_len && (f->val < data || f->val + f->val_len > data + size)))
				abort();
		}
	}
	wire_msg_release(&r);
}

/* m (a SNAPSHOT or DELTA) encoded with trimmed values decodes, in both
 * forms, to rows that encode whole as want (len bytes). */
static void fuzz_trimmed(const struct wire_msg *m, const uint8_t *want, size_t len)
{
	struct wire_msg t = *m, d;
	uint8_t *buf, *buf2;
	size_t n, n2;

	t.update.trim = true;
	if (wire_encode(&t, &buf, &n) != 0 || n > len || wire_decode(buf, n, &d) != 0)
		abort();
	if (wire_encode(&d, &buf2, &n2) != 0 || n2 != len || memcmp(buf2, want, len))
		abort();
	fuzz_refs(buf, n, &d);
	free(buf);
	free(buf2);
	wire_msg_release(&d);
}

/* wire_decode_tree (refs as given) returns rc on data too and, on success,
 * a message that encodes to the same bytes as want (len bytes). */
static void fuzz_tree(const uint8_t *data, size_t size, bool refs, int rc, const uint8_t *want,
		      size_t len)
{
	struct wire_msg t;
	uint8_t *buf;
	size_t n;

	if (wire_decode_tree(data, size, &t, refs) != rc)
		abort();
	if (rc)
		return;
	if (refs && (t.type == WIRE_SNAPSHOT || t.type == WIRE_DELTA)) {
		/* rows in place: fuzz_refs compares those of wire_decode_refs */
		wire_msg_release(&t);
		return;
	}
	if (wire_encode(&t, &buf, &n) != 0 || n != len || memcmp(buf, want, len))
		abort();
	free(buf);
	wire_msg_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m, again;
	uint8_t *buf, *buf2;
	size_t len, len2;
	int rc;

	if (size && data[0] == 0xff)
		fuzz_trace(data + 1, size - 1), fuzz_monitor(data + 1, size - 1),
		    fuzz_migrate(data + 1, size - 1);
	rc = wire_decode(data, size, &m);
	if (rc != 0) {
		if (wire_decode_refs(data, size, &again) == 0)
			abort(); /* in place must refuse what a copy refuses */
		fuzz_tree(data, size, false, rc, NULL, 0);
		fuzz_tree(data, size, true, rc, NULL, 0);
		return 0;
	}
	fuzz_refs(data, size, &m);
	if (wire_encode(&m, &buf, &len) != 0)
		abort();
	fuzz_tree(data, size, false, 0, buf, len);
	fuzz_tree(data, size, true, 0, buf, len);
	if (m.type == WIRE_SNAPSHOT || m.type == WIRE_DELTA)
		fuzz_trimmed(&m, buf, len);
	if (wire_decode(buf, len, &again) != 0)
		abort();
	if (wire_encode(&again, &buf2, &len2) != 0 || len2 != len || memcmp(buf, buf2, len))
		abort();
	free(buf);
	free(buf2);
	wire_msg_release(&again);
	wire_msg_release(&m);
	return 0;
}
