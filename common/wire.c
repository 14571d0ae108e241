/* wire.c - the southbound msgpack codec (see wire.h).
 *
 * Encoding packs with msgpack-c's sbuffer/packer. Decoding first walks the
 * bytes once without allocating (wire_scan) to bound what msgpack-c will
 * allocate: msgpack-c reserves a container's element array from its header
 * before reading the elements, so a 5-byte header claiming 2^32 elements
 * would otherwise make it try to allocate ~100 GB. After the scan every
 * container count is at most the bytes that remain, and at most
 * WIRE_MAX_ROWS; only then does msgpack_unpack_next build the object tree,
 * which is checked field by field against the schema of wire.h. SNAPSHOT and
 * DELTA, most of the bytes an agent decodes, are first tried without the
 * tree (wire_decode_direct): one bounds-checked pass that accepts only what
 * the tree path accepts, leaving everything else to it.
 */
#include "wire.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <msgpack.h>

#include "abi_maps.h"
#include "bytes.h"
#include "reasons.h"
#include "tenet_abi.h"

/* Element counts of each message type's top-level array (without the
 * optional trailing store identity). */
static const unsigned int wire_counts[WIRE_TYPE_MAX] = {
    [WIRE_HELLO] = 5,	      [WIRE_SNAPSHOT] = 4,
    [WIRE_DELTA] = 5,	      [WIRE_ACK] = 3,
    [WIRE_STATUS] = 4,	      [WIRE_HEARTBEAT] = 3,
    [WIRE_TRACE] = 12,	      [WIRE_TRACE_REPLY] = 7,
    [WIRE_MONITOR] = 6,	      [WIRE_MONITOR_EVENTS] = 5,
    [WIRE_MIGRATE_EVENT] = 6, [WIRE_CT_EXPORT] = 5,
    [WIRE_CT_STATE] = 7,
};

_Static_assert(WIRE_CT_KEY_LEN == sizeof(struct tn_ct_key), "ct key size");
_Static_assert(WIRE_CT_VAL_LEN == sizeof(struct tn_ct), "ct value size");
_Static_assert(WIRE_CT_MAX_REMAINING_MS == TN_CT_LIFETIME_TCP * 1000u, "ct lifetime");

const char *wire_mig_kind_name(uint32_t event)
{
	return event == WIRE_MIG_ACTIVE ? "active" : NULL;
}

bool wire_ct_entry_valid(const struct wire_ct_entry *e, uint32_t port_id)
{
	static const uint8_t zero[12];
	struct tn_ct_key k;
	struct tn_ct v;

	if (!e || !port_id)
		return false;
	memcpy(&k, e->key, sizeof(k));
	memcpy(&v, e->val, sizeof(v));
	if (k.port_id != port_id || k.kind != TN_CT_KIND_CONN || (k.family != 4 && k.family != 6))
		return false;
	if (k.family == 4 && (memcmp(k.saddr + 4, zero, 12) || memcmp(k.daddr + 4, zero, 12)))
		return false;
	if (v.expires_ns == 0 || v.expires_ns > WIRE_CT_MAX_REMAINING_MS)
		return false;
	if (v.flags & ~(TN_CT_F_INGRESS | TN_CT_F_REPLY | TN_CT_F_FIN_ORIG | TN_CT_F_FIN_REPLY))
		return false;
	return v.tcp_state <= TN_CT_TCP_CLOSED && v.pad == 0;
}

_Static_assert(WIRE_DROP_EVENT_LEN == sizeof(struct tn_drop_event), "drop event size");

bool wire_drop_event_valid(const uint8_t *p)
{
	struct tn_drop_event ev;

	if (!p)
		return false;
	memcpy(&ev, p, sizeof(ev));
	return reasons_is_drop(ev.reason) && ev.snap_len <= TN_MON_SNAP_LEN &&
	       ev.snap_len <= ev.len && (ev.flags & ~TN_DROP_EV_F_PORT) == 0 && ev.pad == 0;
}

/* True for the types that may end with a store identity. */
bool wire_has_store(int type)
{
	return type == WIRE_SNAPSHOT || type == WIRE_DELTA || type == WIRE_HEARTBEAT;
}

bool wire_store_id_valid(const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; i < WIRE_STORE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[WIRE_STORE_ID_LEN] == '\0';
}

bool wire_map_sizes(uint8_t map, uint16_t *key_len, uint16_t *val_len)
{
	const struct tn_map_desc *d = tn_map_desc(map);

	if (!d || !tn_map_compiled(map))
		return false;
	if (key_len)
		*key_len = (uint16_t)d->key_size;
	if (val_len)
		*val_len = (uint16_t)d->value_size;
	return true;
}

_Static_assert(TN_STAT_MAX <= WIRE_HOST_STATS, "a STATUS carries every host counter");
_Static_assert(sizeof(struct tn_lport_key) <= WIRE_KEY_MAX, "key");
_Static_assert(sizeof(struct tn_fdb_key) <= WIRE_KEY_MAX, "key");
_Static_assert(sizeof(struct tn_flood_key) <= WIRE_KEY_MAX, "key");
_Static_assert(sizeof(struct tn_nd_key) <= WIRE_KEY_MAX, "key");
_Static_assert(sizeof(struct tn_route6_key) <= WIRE_KEY_MAX, "key");
_Static_assert(sizeof(struct tn_sg_cidr_key) <= WIRE_KEY_MAX, "key");
_Static_assert(sizeof(struct tn_flood) <= WIRE_VAL_MAX, "val");
_Static_assert(sizeof(struct tn_lport) <= WIRE_VAL_MAX, "val");

bool wire_row_valid(const struct wire_row *row)
{
	uint16_t k, v;

	if (!row || !wire_map_sizes(row->map, &k, &v))
		return false;
	if (row->key_len != k)
		return false;
	if (row->op == WIRE_OP_UPSERT)
		return row->val_len == v;
	if (row->op == WIRE_OP_DELETE)
		return row->val_len == 0;
	return false;
}

void wire_row_from_ref(struct wire_row *r, const struct wire_rowref *ref)
{
	r->map = ref->map;
	r->op = ref->op;
	r->key_len = ref->key_len;
	memcpy(r->key, ref->key, ref->key_len);
	r->val_len = wire_rowref_value(ref, r->val);
}

const char *wire_type_name(int type)
{
	static const char *const names[WIRE_TYPE_MAX] = {
	    [WIRE_HELLO] = "HELLO",
	    [WIRE_SNAPSHOT] = "SNAPSHOT",
	    [WIRE_DELTA] = "DELTA",
	    [WIRE_ACK] = "ACK",
	    [WIRE_STATUS] = "STATUS",
	    [WIRE_HEARTBEAT] = "HEARTBEAT",
	    [WIRE_TRACE] = "TRACE",
	    [WIRE_TRACE_REPLY] = "TRACE_REPLY",
	    [WIRE_MONITOR] = "MONITOR",
	    [WIRE_MONITOR_EVENTS] = "MONITOR_EVENTS",
	    [WIRE_MIGRATE_EVENT] = "MIGRATE_EVENT",
	    [WIRE_CT_EXPORT] = "CT_EXPORT",
	    [WIRE_CT_STATE] = "CT_STATE",
	};

	if (type <= 0 || type >= WIRE_TYPE_MAX)
		return "?";
	return names[type];
}

/* The order of rows by (map, key bytes, key length). */
static int wire_key_cmp(uint8_t xmap, const uint8_t *xkey, uint16_t xlen, uint8_t ymap,
			const uint8_t *ykey, uint16_t ylen)
{
	size_t n = xlen < ylen ? xlen : ylen;
	int c;

	if (xmap != ymap)
		return xmap < ymap ? -1 : 1;
	if (n > WIRE_KEY_MAX)
		n = WIRE_KEY_MAX;
	c = memcmp(xkey, ykey, n);
	if (c)
		return c < 0 ? -1 : 1;
	if (xlen != ylen)
		return xlen < ylen ? -1 : 1;
	return 0;
}

int wire_row_cmp(const void *a, const void *b)
{
	const struct wire_row *x = a, *y = b;

	return wire_key_cmp(x->map, x->key, x->key_len, y->map, y->key, y->key_len);
}

int wire_rowref_cmp_row(const struct wire_rowref *x, const struct wire_row *y)
{
	return wire_key_cmp(x->map, x->key, x->key_len, y->map, y->key, y->key_len);
}

/* ---- encoding ---- */

static int wire_pack_row(msgpack_packer *pk, const struct wire_rowref *r, bool trim)
{
	uint16_t v = r->val_len;
	int rc = 0;

	rc |= msgpack_pack_array(pk, 4);
	rc |= msgpack_pack_uint8(pk, r->map);
	rc |= msgpack_pack_uint8(pk, r->op);
	rc |= msgpack_pack_bin(pk, r->key_len);
	rc |= msgpack_pack_bin_body(pk, r->key, r->key_len);
	if (r->op == WIRE_OP_DELETE) {
		rc |= msgpack_pack_nil(pk);
	} else {
		while (trim && v && !r->val[v - 1])
			v--;
		rc |= msgpack_pack_bin(pk, v);
		rc |= msgpack_pack_bin_body(pk, r->val, v);
	}
	return rc ? -ENOMEM : 0;
}

/* True if ref may be sent: what wire_row_valid asks of a row (a whole
 * value on UPSERT), and its bytes present. */
static bool wire_ref_sendable(const struct wire_rowref *ref)
{
	uint16_t k, v;

	if (!wire_map_sizes(ref->map, &k, &v) || ref->key_len != k || !ref->key)
		return false;
	if (ref->op == WIRE_OP_UPSERT)
		return ref->val_len == v && ref->val;
	return ref->op == WIRE_OP_DELETE && ref->val_len == 0;
}

/* Packs the update's rows: rows, or refs when rows is NULL. */
static int wire_pack_rows(msgpack_packer *pk, const struct wire_msg *m)
{
	const struct wire_row *rows = m->update.rows;
	const struct wire_rowref *refs = rows ? NULL : m->update.refs;
	size_t n = m->update.n_rows;
	struct wire_rowref ref;

	if (n > WIRE_MAX_ROWS || (n && !rows && !refs))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (rows ? !wire_row_valid(&rows[i]) : !wire_ref_sendable(&refs[i]))
			return -EINVAL;
	if (msgpack_pack_array(pk, (uint32_t)n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (rows)
			wire_row_ref(&rows[i], &ref);
		rc = wire_pack_row(pk, rows ? &ref : &refs[i], m->update.trim);
		if (rc)
			return rc;
	}
	return 0;
}

static int wire_pack_port(msgpack_packer *pk, const struct wire_port_status *p)
{
	int rc = 0;

	if (p->n_reasons > WIRE_PORT_REASONS || p->n_groups > WIRE_PORT_GROUPS)
		return -EINVAL;
	rc |= msgpack_pack_array(pk, 10);
	rc |= msgpack_pack_uint32(pk, p->port_id);
	rc |= p->up ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	rc |= msgpack_pack_uint64(pk, p->rx_packets);
	rc |= msgpack_pack_uint64(pk, p->tx_packets);
	rc |= msgpack_pack_uint64(pk, p->drops);
	rc |= msgpack_pack_uint64(pk, p->rx_bytes);
	rc |= msgpack_pack_uint64(pk, p->tx_bytes);
	rc |= msgpack_pack_array(pk, p->n_reasons);
	for (uint32_t r = 0; r < p->n_reasons && !rc; r++) {
		if (!reasons_is_drop(p->reasons[r].reason))
			return -EINVAL;
		rc |= msgpack_pack_array(pk, 2);
		rc |= msgpack_pack_uint32(pk, p->reasons[r].reason);
		rc |= msgpack_pack_uint64(pk, p->reasons[r].count);
	}
	rc |= msgpack_pack_array(pk, p->n_groups);
	for (uint32_t g = 0; g < p->n_groups && !rc; g++) {
		rc |= msgpack_pack_array(pk, 2);
		rc |= msgpack_pack_uint32(pk, p->groups[g].group);
		rc |= msgpack_pack_uint64(pk, p->groups[g].flows);
	}
	rc |= msgpack_pack_uint32(pk, p->mig_gen);
	return rc ? -ENOMEM : 0;
}

static int wire_pack_ports(msgpack_packer *pk, const struct wire_port_status *p, size_t n)
{
	int rc = 0;

	if (n > WIRE_MAX_PORTS || (n && !p))
		return -EINVAL;
	if (msgpack_pack_array(pk, (uint32_t)n))
		return -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++)
		rc = wire_pack_port(pk, &p[i]);
	return rc;
}

/* The trailing host counters of a STATUS (only when n_host > 0). */
static int wire_pack_host(msgpack_packer *pk, const struct wire_msg *m)
{
	int rc = 0;

	if (m->status.n_host > WIRE_HOST_STATS)
		return -EINVAL;
	if (!m->status.n_host)
		return 0;
	rc |= msgpack_pack_array(pk, m->status.n_host);
	for (uint32_t i = 0; i < m->status.n_host; i++)
		rc |= msgpack_pack_uint64(pk, m->status.host[i]);
	return rc ? -ENOMEM : 0;
}

/* True when m, a HELLO, carries the trailing overlay_mtu and abi. */
static bool wire_hello_long(const struct wire_msg *m)
{
	return m->hello.overlay_mtu || m->hello.abi;
}

static int wire_pack_hello(msgpack_packer *pk, const struct wire_msg *m)
{
	size_t n = strnlen(m->hello.host, WIRE_HOST_MAX);
	int rc = 0;

	if (n == 0 || n >= WIRE_HOST_MAX)
		return -EINVAL;
	rc |= msgpack_pack_str(pk, n);
	rc |= msgpack_pack_str_body(pk, m->hello.host, n);
	rc |= msgpack_pack_uint64(pk, m->hello.last_rev);
	rc |= msgpack_pack_uint32(pk, m->hello.caps);
	if (wire_hello_long(m)) {
		rc |= msgpack_pack_uint32(pk, m->hello.overlay_mtu);
		rc |= msgpack_pack_uint32(pk, m->hello.abi);
	}
	return rc ? -ENOMEM : 0;
}

static int wire_pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
	return msgpack_pack_bin(pk, n) || msgpack_pack_bin_body(pk, p, n);
}

static int wire_pack_trace(msgpack_packer *pk, const struct wire_trace_req *t)
{
	int rc = 0;

	rc |= msgpack_pack_uint32(pk, t->id);
	rc |= msgpack_pack_uint32(pk, t->port_id);
	rc |= msgpack_pack_uint32(pk, t->remote_ip4);
	rc |= msgpack_pack_uint32(pk, t->vni);
	rc |= wire_pack_bin(pk, t->src_mac, 6);
	rc |= wire_pack_bin(pk, t->dst_mac, 6);
	rc |= msgpack_pack_uint32(pk, t->src_ip4);
	rc |= msgpack_pack_uint32(pk, t->dst_ip4);
	rc |= msgpack_pack_uint8(pk, t->proto);
	rc |= msgpack_pack_uint16(pk, t->dport);
	return rc ? -ENOMEM : 0;
}

static int wire_pack_trace_reply(msgpack_packer *pk, const struct wire_trace_reply *r)
{
	int rc = 0;

	if (!r || r->trace_len != (r->err ? 0 : WIRE_TRACE_LEN) || r->err > INT32_MAX)
		return -EINVAL;
	rc |= msgpack_pack_uint32(pk, r->id);
	rc |= msgpack_pack_uint32(pk, r->err);
	rc |= msgpack_pack_uint64(pk, r->usec);
	rc |= wire_pack_bin(pk, r->dst_mac, 6);
	rc |= wire_pack_bin(pk, r->trace, r->trace_len);
	return rc ? -ENOMEM : 0;
}

static bool wire_monitor_valid(const struct wire_monitor *mo)
{
	if (mo->on)
		return mo->timeout_s >= 1 && mo->timeout_s <= WIRE_MONITOR_MAX_S;
	return mo->port_id == 0 && mo->timeout_s == 0;
}

static int wire_pack_monitor(msgpack_packer *pk, const struct wire_monitor *mo)
{
	int rc = 0;

	if (!wire_monitor_valid(mo))
		return -EINVAL;
	rc |= msgpack_pack_uint32(pk, mo->id);
	rc |= mo->on ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	rc |= msgpack_pack_uint32(pk, mo->port_id);
	rc |= msgpack_pack_uint32(pk, mo->timeout_s);
	return rc ? -ENOMEM : 0;
}

static int wire_pack_events(msgpack_packer *pk, const struct wire_monitor_events *e)
{
	int rc = 0;

	if (!e || e->n > WIRE_MONITOR_BATCH || e->err > INT32_MAX || (e->err && e->n))
		return -EINVAL;
	for (uint32_t i = 0; i < e->n; i++)
		if (!wire_drop_event_valid(e->ev[i]))
			return -EINVAL;
	rc |= msgpack_pack_uint32(pk, e->id);
	rc |= msgpack_pack_uint32(pk, e->err);
	rc |= msgpack_pack_array(pk, e->n);
	for (uint32_t i = 0; i < e->n; i++)
		rc |= wire_pack_bin(pk, e->ev[i], WIRE_DROP_EVENT_LEN);
	return rc ? -ENOMEM : 0;
}

static int wire_pack_bool(msgpack_packer *pk, bool b)
{
	return b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
}

static int wire_pack_mig_event(msgpack_packer *pk, const struct wire_mig_event *e)
{
	const char *name = wire_mig_kind_name(e->event);
	int rc = 0;

	if (!e->port_id || !e->generation || !name)
		return -EINVAL;
	rc |= msgpack_pack_uint32(pk, e->port_id);
	rc |= msgpack_pack_uint32(pk, e->generation);
	rc |= msgpack_pack_uint64(pk, e->activated_ns);
	rc |= msgpack_pack_str(pk, strlen(name));
	rc |= msgpack_pack_str_body(pk, name, strlen(name));
	return rc ? -ENOMEM : 0;
}

static int wire_pack_ct_export(msgpack_packer *pk, const struct wire_ct_export *x)
{
	int rc = 0;

	if (!x->port_id || !x->generation)
		return -EINVAL;
	rc |= msgpack_pack_uint32(pk, x->port_id);
	rc |= msgpack_pack_uint32(pk, x->generation);
	rc |= wire_pack_bool(pk, x->final);
	return rc ? -ENOMEM : 0;
}

static int wire_pack_ct_state(msgpack_packer *pk, const struct wire_ct_state *st)
{
	int rc = 0;

	if (!st->port_id || !st->generation || st->n > WIRE_CT_MAX_ENTRIES ||
	    (st->n && !st->entries))
		return -EINVAL;
	for (uint32_t i = 0; i < st->n; i++)
		if (!wire_ct_entry_valid(&st->entries[i], st->port_id))
			return -EINVAL;
	rc |= msgpack_pack_uint32(pk, st->port_id);
	rc |= msgpack_pack_uint32(pk, st->generation);
	rc |= wire_pack_bool(pk, st->final);
	rc |= wire_pack_bool(pk, st->more);
	rc |= msgpack_pack_array(pk, st->n);
	for (uint32_t i = 0; i < st->n && !rc; i++) {
		rc |= msgpack_pack_array(pk, 2);
		rc |= wire_pack_bin(pk, st->entries[i].key, WIRE_CT_KEY_LEN);
		rc |= wire_pack_bin(pk, st->entries[i].val, WIRE_CT_VAL_LEN);
	}
	return rc ? -ENOMEM : 0;
}

/* Packs the fields after [version, type]. */
static int wire_pack_body(msgpack_packer *pk, const struct wire_msg *m)
{
	int rc;

	switch (m->type) {
	case WIRE_HELLO:
		return wire_pack_hello(pk, m);
	case WIRE_SNAPSHOT:
		if (msgpack_pack_uint64(pk, m->update.to))
			return -ENOMEM;
		return wire_pack_rows(pk, m);
	case WIRE_DELTA:
		if (msgpack_pack_uint64(pk, m->update.from) ||
		    msgpack_pack_uint64(pk, m->update.to))
			return -ENOMEM;
		return wire_pack_rows(pk, m);
	case WIRE_ACK:
	case WIRE_HEARTBEAT:
		return msgpack_pack_uint64(pk, m->ack.rev) ? -ENOMEM : 0;
	case WIRE_STATUS:
		if (msgpack_pack_uint64(pk, m->status.rev))
			return -ENOMEM;
		rc = wire_pack_ports(pk, m->status.ports, m->status.n_ports);
		return rc ? rc : wire_pack_host(pk, m);
	case WIRE_TRACE:
		return wire_pack_trace(pk, &m->trace);
	case WIRE_TRACE_REPLY:
		return wire_pack_trace_reply(pk, m->trace_reply);
	case WIRE_MONITOR:
		return wire_pack_monitor(pk, &m->monitor);
	case WIRE_MONITOR_EVENTS:
		return wire_pack_events(pk, m->events);
	case WIRE_MIGRATE_EVENT:
		return wire_pack_mig_event(pk, &m->mig_event);
	case WIRE_CT_EXPORT:
		return wire_pack_ct_export(pk, &m->ct_export);
	case WIRE_CT_STATE:
		return wire_pack_ct_state(pk, &m->ct_state);
	default:
		return -EINVAL;
	}
}

/* A message too large for WIRE_MAX_MSG is invalid (-EINVAL): the peer would
 * reject it. */
int wire_encode(const struct wire_msg *m, uint8_t **buf, size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int rc;

	bool store;

	if (!m || !buf || !len || m->type <= 0 || m->type >= WIRE_TYPE_MAX)
		return -EINVAL;
	store = m->store_id[0] != '\0';
	if (store && (!wire_has_store(m->type) || !wire_store_id_valid(m->store_id)))
		return -EINVAL;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_array(&pk, wire_counts[m->type] + store +
					(m->type == WIRE_STATUS && m->status.n_host ? 1 : 0) +
					(m->type == WIRE_HELLO && wire_hello_long(m) ? 2 : 0)) ||
	    msgpack_pack_uint8(&pk, WIRE_VERSION) || msgpack_pack_uint8(&pk, (uint8_t)m->type)) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = wire_pack_body(&pk, m);
	if (!rc && store &&
	    (msgpack_pack_str(&pk, WIRE_STORE_ID_LEN) ||
	     msgpack_pack_str_body(&pk, m->store_id, WIRE_STORE_ID_LEN)))
		rc = -ENOMEM;
	if (rc)
		goto out_free;
	if (sb.size > WIRE_MAX_MSG) {
		rc = -EINVAL;
		goto out_free;
	}
	*len = sb.size;
	*buf = (uint8_t *)msgpack_sbuffer_release(&sb);
	return 0;
out_free:
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* ---- decoding ---- */

/* Big-endian integer of n (1, 2, 4 or 8) bytes at p. */
static uint64_t wire_be(const uint8_t *p, unsigned int n)
{
	switch (n) {
	case 1:
		return p[0];
	case 2:
		return bytes_get_be16(p);
	case 4:
		return bytes_get_be32(p);
	default:
		return bytes_get_be64(p);
	}
}

/* Reads the header of the object at p (avail bytes). Sets *hdr to the header
 * size, *payload to the bytes that follow it and *children to the objects it
 * contains. Returns 0, -EPROTO (truncated, or a type the protocol never
 * uses: map, ext, float, 0xc1) or -E2BIG (container above WIRE_MAX_ROWS). */
static int wire_scan_one(const uint8_t *p, size_t avail, size_t *hdr, uint64_t *payload,
			 uint64_t *children)
{
	uint8_t b = p[0];
	unsigned int w = 0; /* width of a length/count field */

	*hdr = 1;
	*payload = 0;
	*children = 0;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	if (b >= 0x90 && b <= 0x9f) {
		*children = b & 0x0f;
		return 0;
	}
	if (b >= 0xa0 && b <= 0xbf) {
		*payload = b & 0x1f;
		return 0;
	}
	if (b >= 0xcc && b <= 0xcf) /* uint 8..64 */
		*payload = 1u << (b - 0xcc);
	else if (b >= 0xd0 && b <= 0xd3) /* int 8..64 */
		*payload = 1u << (b - 0xd0);
	if (*payload)
		return 0;
	if (b >= 0xc4 && b <= 0xc6) /* bin 8..32 */
		w = 1u << (b - 0xc4);
	else if (b >= 0xd9 && b <= 0xdb) /* str 8..32 */
		w = 1u << (b - 0xd9);
	else if (b == 0xdc || b == 0xdd) /* array 16, 32 */
		w = b == 0xdc ? 2 : 4;
	else
		return -EPROTO;
	if (avail < 1 + (size_t)w)
		return -EPROTO;
	*hdr = 1 + w;
	if (b == 0xdc || b == 0xdd) {
		*children = wire_be(p + 1, w);
		return *children > WIRE_MAX_ROWS ? -E2BIG : 0;
	}
	*payload = wire_be(p + 1, w);
	return 0;
}

/* Walks one msgpack object at buf[0..len) without recursion. Returns 0 when
 * it ends exactly at len, -EPROTO when truncated, followed by trailing bytes
 * or containing a type never used, -E2BIG for an oversized container. */
static int wire_scan(const uint8_t *buf, size_t len)
{
	uint64_t pending = 1; /* objects still to read */
	size_t off = 0;

	while (pending) {
		size_t hdr;
		uint64_t payload, children;
		int rc;

		if (off >= len)
			return -EPROTO;
		rc = wire_scan_one(buf + off, len - off, &hdr, &payload, &children);
		if (rc)
			return rc;
		off += hdr;
		if (payload > len - off)
			return -EPROTO;
		off += payload;
		pending = pending - 1 + children;
		/* every pending object needs at least one byte */
		if (pending > len - off)
			return -EPROTO;
	}
	return off == len ? 0 : -EPROTO;
}

static bool wire_get_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return false;
	*out = o->via.u64;
	return true;
}

/* Checks row o and sets *r to it in place (key and val point into the
 * buffer msgpack-c unpacked from: it references bins, never copies them). */
static int wire_decode_ref(const msgpack_object *o, struct wire_rowref *r)
{
	const msgpack_object *e;
	uint64_t map, op;
	uint16_t k, v;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4)
		return -EPROTO;
	e = o->via.array.ptr;
	if (!wire_get_uint(&e[0], UINT8_MAX, &map) || !wire_map_sizes((uint8_t)map, &k, &v))
		return -EPROTO;
	if (!wire_get_uint(&e[1], UINT8_MAX, &op))
		return -EPROTO;
	if (e[2].type != MSGPACK_OBJECT_BIN || e[2].via.bin.size != k)
		return -EPROTO;
	r->map = (uint8_t)map;
	r->op = (uint8_t)op;
	r->key_len = k;
	r->key = (const uint8_t *)e[2].via.bin.ptr;
	if (op == WIRE_OP_DELETE) {
		if (e[3].type != MSGPACK_OBJECT_NIL)
			return -EPROTO;
		r->val_len = 0;
		r->val = NULL;
		return 0;
	}
	if (op != WIRE_OP_UPSERT || e[3].type != MSGPACK_OBJECT_BIN || e[3].via.bin.size > v)
		return -EPROTO;
	r->val_len = (uint16_t)e[3].via.bin.size; /* < v: trimmed */
	r->val = (const uint8_t *)e[3].via.bin.ptr;
	return 0;
}

static int wire_decode_row(const msgpack_object *o, struct wire_row *r)
{
	struct wire_rowref ref;
	int rc = wire_decode_ref(o, &ref);

	if (rc)
		return rc;
	wire_row_from_ref(r, &ref);
	return 0;
}

/* The rows of a SNAPSHOT or DELTA: copied into m->update.rows, or in place
 * into m->update.refs (refs). */
static int wire_decode_rows(const msgpack_object *o, struct wire_msg *m, bool refs)
{
	uint32_t n;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	n = o->via.array.size;
	if (n > WIRE_MAX_ROWS)
		return -E2BIG;
	if (n == 0)
		return 0;
	if (refs)
		m->update.refs = calloc(n, sizeof(*m->update.refs));
	else
		m->update.rows = calloc(n, sizeof(*m->update.rows));
	if (!m->update.refs && !m->update.rows)
		return -ENOMEM;
	m->update.n_rows = n;
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *r = &o->via.array.ptr[i];
		int rc = refs ? wire_decode_ref(r, &m->update.refs[i])
			      : wire_decode_row(r, &m->update.rows[i]);

		if (rc)
			return rc;
	}
	return 0;
}

/* A port's drops by reason: distinct drop reasons, at most
 * WIRE_PORT_REASONS. */
static int wire_decode_reasons(const msgpack_object *o, struct wire_port_status *p)
{
	uint32_t n;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	n = o->via.array.size;
	if (n > WIRE_PORT_REASONS)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *r = &o->via.array.ptr[i];
		uint64_t reason;

		if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size != 2 ||
		    !wire_get_uint(&r->via.array.ptr[0], UINT32_MAX, &reason) ||
		    !reasons_is_drop((uint32_t)reason) ||
		    !wire_get_uint(&r->via.array.ptr[1], UINT64_MAX, &p->reasons[i].count))
			return -EPROTO;
		for (uint32_t j = 0; j < i; j++) {
			if (p->reasons[j].reason == reason)
				return -EPROTO;
		}
		p->reasons[i].reason = (uint32_t)reason;
	}
	p->n_reasons = n;
	return 0;
}

/* A port's flows by security group: distinct groups, at most
 * WIRE_PORT_GROUPS. */
static int wire_decode_groups(const msgpack_object *o, struct wire_port_status *p)
{
	uint32_t n;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	n = o->via.array.size;
	if (n > WIRE_PORT_GROUPS)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *r = &o->via.array.ptr[i];
		uint64_t group;

		if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size != 2 ||
		    !wire_get_uint(&r->via.array.ptr[0], UINT32_MAX, &group) ||
		    !wire_get_uint(&r->via.array.ptr[1], UINT64_MAX, &p->groups[i].flows))
			return -EPROTO;
		for (uint32_t j = 0; j < i; j++) {
			if (p->groups[j].group == group)
				return -EPROTO;
		}
		p->groups[i].group = (uint32_t)group;
	}
	p->n_groups = n;
	return 0;
}

static int wire_decode_port(const msgpack_object *o, struct wire_port_status *p)
{
	const msgpack_object *e;
	uint64_t id;
	int rc;

	if (o->type != MSGPACK_OBJECT_ARRAY || (o->via.array.size != 5 && o->via.array.size != 8 &&
						o->via.array.size != 9 && o->via.array.size != 10))
		return -EPROTO;
	e = o->via.array.ptr;
	if (!wire_get_uint(&e[0], UINT32_MAX, &id) || e[1].type != MSGPACK_OBJECT_BOOLEAN)
		return -EPROTO;
	p->port_id = (uint32_t)id;
	p->up = e[1].via.boolean;
	if (!wire_get_uint(&e[2], UINT64_MAX, &p->rx_packets) ||
	    !wire_get_uint(&e[3], UINT64_MAX, &p->tx_packets) ||
	    !wire_get_uint(&e[4], UINT64_MAX, &p->drops))
		return -EPROTO;
	if (o->via.array.size == 5)
		return 0;
	if (!wire_get_uint(&e[5], UINT64_MAX, &p->rx_bytes) ||
	    !wire_get_uint(&e[6], UINT64_MAX, &p->tx_bytes))
		return -EPROTO;
	rc = wire_decode_reasons(&e[7], p);
	if (rc || o->via.array.size == 8)
		return rc;
	rc = wire_decode_groups(&e[8], p);
	if (rc || o->via.array.size == 9)
		return rc;
	if (!wire_get_uint(&e[9], UINT32_MAX, &id))
		return -EPROTO;
	p->mig_gen = (uint32_t)id;
	return 0;
}

/* STATUS's trailing host counters: at least one, at most WIRE_HOST_STATS. */
static int wire_decode_host(const msgpack_object *o, struct wire_msg *m)
{
	uint32_t n;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
		return -EPROTO;
	n = o->via.array.size;
	if (n > WIRE_HOST_STATS)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		if (!wire_get_uint(&o->via.array.ptr[i], UINT64_MAX, &m->status.host[i]))
			return -EPROTO;
	}
	m->status.n_host = n;
	return 0;
}

static int wire_decode_ports(const msgpack_object *o, struct wire_msg *m)
{
	uint32_t n;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	n = o->via.array.size;
	if (n > WIRE_MAX_PORTS)
		return -E2BIG;
	if (n == 0)
		return 0;
	m->status.ports = calloc(n, sizeof(*m->status.ports));
	if (!m->status.ports)
		return -ENOMEM;
	m->status.n_ports = n;
	for (uint32_t i = 0; i < n; i++) {
		int rc = wire_decode_port(&o->via.array.ptr[i], &m->status.ports[i]);

		if (rc)
			return rc;
	}
	return 0;
}

static int wire_decode_hello(const msgpack_object *e, struct wire_msg *m)
{
	uint64_t caps;
	uint32_t n;

	if (e[2].type != MSGPACK_OBJECT_STR)
		return -EPROTO;
	n = e[2].via.str.size;
	if (n == 0 || n >= WIRE_HOST_MAX || memchr(e[2].via.str.ptr, '\0', n))
		return -EPROTO;
	memcpy(m->hello.host, e[2].via.str.ptr, n);
	m->hello.host[n] = '\0';
	if (!wire_get_uint(&e[3], UINT64_MAX, &m->hello.last_rev) ||
	    !wire_get_uint(&e[4], UINT32_MAX, &caps))
		return -EPROTO;
	m->hello.caps = (uint32_t)caps;
	return 0;
}

/* HELLO's trailing overlay_mtu and abi. */
static int wire_decode_hello_caps(const msgpack_object *e, struct wire_msg *m)
{
	uint64_t mtu, abi;

	if (!wire_get_uint(&e[0], UINT32_MAX, &mtu) || !wire_get_uint(&e[1], UINT32_MAX, &abi))
		return -EPROTO;
	m->hello.overlay_mtu = (uint32_t)mtu;
	m->hello.abi = (uint32_t)abi;
	return 0;
}

/* A bin into out: exactly n bytes (len NULL) or at most n (*len its size). */
static bool wire_get_bin(const msgpack_object *o, void *out, uint32_t n, uint32_t *len)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > n || (!len && o->via.bin.size != n))
		return false;
	if (o->via.bin.size)
		memcpy(out, o->via.bin.ptr, o->via.bin.size);
	if (len)
		*len = o->via.bin.size;
	return true;
}

static int wire_decode_trace(const msgpack_object *e, struct wire_trace_req *t)
{
	uint64_t v[6], proto, dport;

	for (int i = 0; i < 4; i++)
		if (!wire_get_uint(&e[2 + i], UINT32_MAX, &v[i]))
			return -EPROTO;
	if (!wire_get_bin(&e[6], t->src_mac, 6, NULL) ||
	    !wire_get_bin(&e[7], t->dst_mac, 6, NULL) || !wire_get_uint(&e[8], UINT32_MAX, &v[4]) ||
	    !wire_get_uint(&e[9], UINT32_MAX, &v[5]) || !wire_get_uint(&e[10], UINT8_MAX, &proto) ||
	    !wire_get_uint(&e[11], UINT16_MAX, &dport))
		return -EPROTO;
	t->id = (uint32_t)v[0];
	t->port_id = (uint32_t)v[1];
	t->remote_ip4 = (uint32_t)v[2];
	t->vni = (uint32_t)v[3];
	t->src_ip4 = (uint32_t)v[4];
	t->dst_ip4 = (uint32_t)v[5];
	t->proto = (uint8_t)proto;
	t->dport = (uint16_t)dport;
	return 0;
}

static int wire_decode_trace_reply(const msgpack_object *e, struct wire_msg *m)
{
	struct wire_trace_reply *r = calloc(1, sizeof(*r));
	uint64_t id, err;
	uint32_t len;

	if (!r)
		return -ENOMEM;
	m->trace_reply = r;
	if (!wire_get_uint(&e[2], UINT32_MAX, &id) || !wire_get_uint(&e[3], INT32_MAX, &err) ||
	    !wire_get_uint(&e[4], UINT64_MAX, &r->usec) ||
	    !wire_get_bin(&e[5], r->dst_mac, 6, NULL) ||
	    !wire_get_bin(&e[6], r->trace, WIRE_TRACE_LEN, &len) ||
	    len != (err ? 0 : WIRE_TRACE_LEN))
		return -EPROTO;
	r->id = (uint32_t)id;
	r->err = (uint32_t)err;
	r->trace_len = (uint16_t)len;
	return 0;
}

static int wire_decode_monitor(const msgpack_object *e, struct wire_monitor *mo)
{
	uint64_t id, port, timeout;

	if (!wire_get_uint(&e[2], UINT32_MAX, &id) || e[3].type != MSGPACK_OBJECT_BOOLEAN ||
	    !wire_get_uint(&e[4], UINT32_MAX, &port) ||
	    !wire_get_uint(&e[5], WIRE_MONITOR_MAX_S, &timeout))
		return -EPROTO;
	mo->id = (uint32_t)id;
	mo->on = e[3].via.boolean;
	mo->port_id = (uint32_t)port;
	mo->timeout_s = (uint32_t)timeout;
	return wire_monitor_valid(mo) ? 0 : -EPROTO;
}

static int wire_decode_events(const msgpack_object *e, struct wire_msg *m)
{
	struct wire_monitor_events *ev = calloc(1, sizeof(*ev));
	uint64_t id, err;
	uint32_t n;

	if (!ev)
		return -ENOMEM;
	m->events = ev;
	if (!wire_get_uint(&e[2], UINT32_MAX, &id) || !wire_get_uint(&e[3], INT32_MAX, &err) ||
	    e[4].type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	n = e[4].via.array.size;
	if (n > WIRE_MONITOR_BATCH)
		return -E2BIG;
	if (err && n)
		return -EPROTO;
	for (uint32_t i = 0; i < n; i++) {
		if (!wire_get_bin(&e[4].via.array.ptr[i], ev->ev[i], WIRE_DROP_EVENT_LEN, NULL) ||
		    !wire_drop_event_valid(ev->ev[i]))
			return -EPROTO;
	}
	ev->id = (uint32_t)id;
	ev->err = (uint32_t)err;
	ev->n = n;
	return 0;
}

static int wire_decode_mig_event(const msgpack_object *e, struct wire_mig_event *ev)
{
	uint64_t port, gen;

	if (!wire_get_uint(&e[2], UINT32_MAX, &port) || !port ||
	    !wire_get_uint(&e[3], UINT32_MAX, &gen) || !gen ||
	    !wire_get_uint(&e[4], UINT64_MAX, &ev->activated_ns) ||
	    e[5].type != MSGPACK_OBJECT_STR || e[5].via.str.size > WIRE_MIG_EVENT_MAX)
		return -EPROTO;
	if (e[5].via.str.size != strlen("active") ||
	    memcmp(e[5].via.str.ptr, "active", e[5].via.str.size))
		return -EPROTO; /* the only kind */
	ev->port_id = (uint32_t)port;
	ev->generation = (uint32_t)gen;
	ev->event = WIRE_MIG_ACTIVE;
	return 0;
}

static int wire_decode_ct_export(const msgpack_object *e, struct wire_ct_export *x)
{
	uint64_t port, gen;

	if (!wire_get_uint(&e[2], UINT32_MAX, &port) || !port ||
	    !wire_get_uint(&e[3], UINT32_MAX, &gen) || !gen || e[4].type != MSGPACK_OBJECT_BOOLEAN)
		return -EPROTO;
	x->port_id = (uint32_t)port;
	x->generation = (uint32_t)gen;
	x->final = e[4].via.boolean;
	return 0;
}

static int wire_decode_ct_state(const msgpack_object *e, struct wire_ct_state *st)
{
	uint64_t port, gen;
	uint32_t n;

	if (!wire_get_uint(&e[2], UINT32_MAX, &port) || !port ||
	    !wire_get_uint(&e[3], UINT32_MAX, &gen) || !gen ||
	    e[4].type != MSGPACK_OBJECT_BOOLEAN || e[5].type != MSGPACK_OBJECT_BOOLEAN ||
	    e[6].type != MSGPACK_OBJECT_ARRAY)
		return -EPROTO;
	st->port_id = (uint32_t)port;
	st->generation = (uint32_t)gen;
	st->final = e[4].via.boolean;
	st->more = e[5].via.boolean;
	n = e[6].via.array.size;
	if (n > WIRE_CT_MAX_ENTRIES)
		return -E2BIG;
	if (!n)
		return 0;
	st->entries = calloc(n, sizeof(*st->entries));
	if (!st->entries)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *o = &e[6].via.array.ptr[i];

		if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
		    !wire_get_bin(&o->via.array.ptr[0], st->entries[i].key, WIRE_CT_KEY_LEN,
				  NULL) ||
		    !wire_get_bin(&o->via.array.ptr[1], st->entries[i].val, WIRE_CT_VAL_LEN,
				  NULL) ||
		    !wire_ct_entry_valid(&st->entries[i], st->port_id))
			return -EPROTO;
	}
	st->n = n;
	return 0;
}

/* Decodes the fields after [version, type]; e has wire_counts[type] items.
 * refs: rows in place (wire_decode_refs). */
static int wire_decode_body(const msgpack_object *e, struct wire_msg *m, bool refs)
{
	switch (m->type) {
	case WIRE_HELLO:
		return wire_decode_hello(e, m);
	case WIRE_SNAPSHOT:
		if (!wire_get_uint(&e[2], UINT64_MAX, &m->update.to))
			return -EPROTO;
		return wire_decode_rows(&e[3], m, refs);
	case WIRE_DELTA:
		if (!wire_get_uint(&e[2], UINT64_MAX, &m->update.from) ||
		    !wire_get_uint(&e[3], UINT64_MAX, &m->update.to))
			return -EPROTO;
		return wire_decode_rows(&e[4], m, refs);
	case WIRE_ACK:
	case WIRE_HEARTBEAT:
		return wire_get_uint(&e[2], UINT64_MAX, &m->ack.rev) ? 0 : -EPROTO;
	case WIRE_STATUS:
		if (!wire_get_uint(&e[2], UINT64_MAX, &m->status.rev))
			return -EPROTO;
		return wire_decode_ports(&e[3], m);
	case WIRE_TRACE:
		return wire_decode_trace(e, &m->trace);
	case WIRE_TRACE_REPLY:
		return wire_decode_trace_reply(e, m);
	case WIRE_MONITOR:
		return wire_decode_monitor(e, &m->monitor);
	case WIRE_MONITOR_EVENTS:
		return wire_decode_events(e, m);
	case WIRE_MIGRATE_EVENT:
		return wire_decode_mig_event(e, &m->mig_event);
	case WIRE_CT_EXPORT:
		return wire_decode_ct_export(e, &m->ct_export);
	case WIRE_CT_STATE:
		return wire_decode_ct_state(e, &m->ct_state);
	default:
		return -ENOTSUP;
	}
}

/* The trailing store identity: a string of WIRE_STORE_ID_LEN hex digits. */
static int wire_decode_store(const msgpack_object *o, struct wire_msg *m)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size != WIRE_STORE_ID_LEN)
		return -EPROTO;
	memcpy(m->store_id, o->via.str.ptr, WIRE_STORE_ID_LEN);
	m->store_id[WIRE_STORE_ID_LEN] = '\0';
	return wire_store_id_valid(m->store_id) ? 0 : -EPROTO;
}

/* Checks [version, type, ...] and decodes the rest. */
static int wire_decode_root(const msgpack_object *root, struct wire_msg *m, bool refs)
{
	const msgpack_object *e;
	uint64_t ver, type;
	int rc;

	if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size < 2)
		return -EPROTO;
	e = root->via.array.ptr;
	if (!wire_get_uint(&e[0], UINT64_MAX, &ver) || ver != WIRE_VERSION)
		return -EPROTO;
	if (!wire_get_uint(&e[1], UINT64_MAX, &type))
		return -EPROTO;
	if (type == 0 || type >= WIRE_TYPE_MAX)
		return -ENOTSUP;
	if (root->via.array.size != wire_counts[type] &&
	    !((wire_has_store((int)type) || type == WIRE_STATUS) &&
	      root->via.array.size == wire_counts[type] + 1) &&
	    !(type == WIRE_HELLO && root->via.array.size == wire_counts[type] + 2))
		return -EPROTO;
	m->type = (enum wire_type)type;
	rc = wire_decode_body(e, m, refs);
	if (rc || root->via.array.size == wire_counts[type])
		return rc;
	if (type == WIRE_HELLO)
		return wire_decode_hello_caps(&e[wire_counts[type]], m);
	if (type == WIRE_STATUS)
		return wire_decode_host(&e[wire_counts[type]], m);
	return wire_decode_store(&e[wire_counts[type]], m);
}

/* ---- SNAPSHOT and DELTA straight from the bytes ----
 *
 * The rows of a snapshot are most of what an agent decodes (40,000 rows,
 * 4.4 MB for a host of 10,000 ports): building msgpack-c's object tree for
 * them costs a zone allocation per container and a pass over the tree after
 * the one over the bytes. wire_decode_direct reads a SNAPSHOT or DELTA in one
 * pass, bounds-checked at every read, and accepts only what the general path
 * (wire_scan, msgpack_unpack_next, wire_decode_root) accepts, with the same
 * result; anything else it leaves to the general path, which then gives the
 * same error as it always did. */

struct wire_rd {
	const uint8_t *p;
	size_t left;
};

/* A length or count field of w bytes after a 1-byte header. */
static bool wire_rd_len(struct wire_rd *r, unsigned int w, uint64_t *n)
{
	if (r->left < 1 + (size_t)w)
		return false;
	*n = wire_be(r->p + 1, w);
	r->p += 1 + w;
	r->left -= 1 + w;
	return true;
}

static bool wire_rd_array(struct wire_rd *r, uint64_t *n)
{
	uint8_t b;

	if (!r->left)
		return false;
	b = r->p[0];
	if (b >= 0x90 && b <= 0x9f) {
		*n = b & 0x0f;
		r->p++;
		r->left--;
		return true;
	}
	if (b == 0xdc || b == 0xdd)
		return wire_rd_len(r, b == 0xdc ? 2 : 4, n);
	return false;
}

/* A non-negative integer in any of its encodings: msgpack-c makes a
 * non-negative int 8..64 a positive integer too (wire_get_uint's view). */
static bool wire_rd_uint(struct wire_rd *r, uint64_t max, uint64_t *v)
{
	uint8_t b;
	unsigned int w;

	if (!r->left)
		return false;
	b = r->p[0];
	if (b <= 0x7f) {
		*v = b;
		r->p++;
		r->left--;
		return *v <= max;
	}
	if (b >= 0xcc && b <= 0xcf)
		w = 1u << (b - 0xcc);
	else if (b >= 0xd0 && b <= 0xd3)
		w = 1u << (b - 0xd0);
	else
		return false;
	if (!wire_rd_len(r, w, v))
		return false;
	if (b >= 0xd0 && (*v >> (8 * w - 1)) & 1)
		return false; /* negative */
	return *v <= max;
}

/* A bin (want_str false) or str of at most max bytes: *p points at them,
 * *n is their count. */
static bool wire_rd_upto(struct wire_rd *r, bool want_str, uint64_t max, const uint8_t **p,
			 uint64_t *n)
{
	uint8_t b;
	uint64_t got;

	if (!r->left)
		return false;
	b = r->p[0];
	if (want_str && b >= 0xa0 && b <= 0xbf) {
		got = b & 0x1f;
		r->p++;
		r->left--;
	} else if (want_str && b >= 0xd9 && b <= 0xdb) {
		if (!wire_rd_len(r, 1u << (b - 0xd9), &got))
			return false;
	} else if (!want_str && b >= 0xc4 && b <= 0xc6) {
		if (!wire_rd_len(r, 1u << (b - 0xc4), &got))
			return false;
	} else {
		return false;
	}
	if (got > max || got > r->left)
		return false;
	*p = r->p;
	*n = got;
	r->p += got;
	r->left -= got;
	return true;
}

/* A bin (want_str false) or str of exactly n bytes; *p points at them. */
static bool wire_rd_raw(struct wire_rd *r, bool want_str, uint64_t n, const uint8_t **p)
{
	uint64_t got;

	return wire_rd_upto(r, want_str, n, p, &got) && got == n;
}

/* A bin of at most max (<= UINT16_MAX) bytes. */
static bool wire_rd_bin_upto(struct wire_rd *r, uint16_t max, const uint8_t **p, uint16_t *n)
{
	uint64_t got;

	if (!wire_rd_upto(r, false, max, p, &got))
		return false;
	*n = (uint16_t)got;
	return true;
}

/* One row, as wire_decode_ref checks it. */
static bool wire_rd_row(struct wire_rd *r, struct wire_rowref *ref)
{
	uint64_t n, map, op;
	uint16_t k, v;

	if (!wire_rd_array(r, &n) || n != 4)
		return false;
	if (!wire_rd_uint(r, UINT8_MAX, &map) || !wire_map_sizes((uint8_t)map, &k, &v))
		return false;
	if (!wire_rd_uint(r, UINT8_MAX, &op) || !wire_rd_raw(r, false, k, &ref->key))
		return false;
	ref->map = (uint8_t)map;
	ref->op = (uint8_t)op;
	ref->key_len = k;
	if (op == WIRE_OP_DELETE) {
		if (!r->left || r->p[0] != 0xc0)
			return false;
		r->p++;
		r->left--;
		ref->val_len = 0;
		ref->val = NULL;
		return true;
	}
	/* up to v bytes: fewer were trimmed */
	return op == WIRE_OP_UPSERT && wire_rd_bin_upto(r, v, &ref->val, &ref->val_len);
}

/* m zeroed. Returns 0 with m decoded, or nonzero (m to be released) when buf
 * is not a SNAPSHOT or DELTA the general path would accept. */
static int wire_decode_direct(const uint8_t *buf, size_t len, struct wire_msg *m, bool refs)
{
	struct wire_rd r = {buf, len};
	uint64_t n, ver, type, rows;
	const uint8_t *id;

	if (!wire_rd_array(&r, &n) || !wire_rd_uint(&r, UINT64_MAX, &ver) || ver != WIRE_VERSION ||
	    !wire_rd_uint(&r, UINT64_MAX, &type))
		return -EPROTO;
	if ((type != WIRE_SNAPSHOT && type != WIRE_DELTA) ||
	    (n != wire_counts[type] && n != wire_counts[type] + 1))
		return -EPROTO;
	m->type = (enum wire_type)type;
	if (type == WIRE_DELTA && !wire_rd_uint(&r, UINT64_MAX, &m->update.from))
		return -EPROTO;
	if (!wire_rd_uint(&r, UINT64_MAX, &m->update.to) || !wire_rd_array(&r, &rows))
		return -EPROTO;
	/* every row takes at least 6 bytes: a bound before allocating */
	if (rows > WIRE_MAX_ROWS || rows > r.left / 6)
		return -EPROTO;
	if (rows) {
		if (refs)
			m->update.refs = calloc(rows, sizeof(*m->update.refs));
		else
			m->update.rows = calloc(rows, sizeof(*m->update.rows));
		if (!m->update.refs && !m->update.rows)
			return -ENOMEM;
		m->update.n_rows = rows;
	}
	for (uint64_t i = 0; i < rows; i++) {
		struct wire_rowref ref, *f = refs ? &m->update.refs[i] : &ref;

		if (!wire_rd_row(&r, f))
			return -EPROTO;
		if (!refs)
			wire_row_from_ref(&m->update.rows[i], f);
	}
	if (n != wire_counts[type]) {
		if (!wire_rd_raw(&r, true, WIRE_STORE_ID_LEN, &id))
			return -EPROTO;
		memcpy(m->store_id, id, WIRE_STORE_ID_LEN);
		m->store_id[WIRE_STORE_ID_LEN] = '\0';
		if (!wire_store_id_valid(m->store_id))
			return -EPROTO;
	}
	return r.left ? -EPROTO : 0;
}

static int wire_decode_any(const uint8_t *buf, size_t len, struct wire_msg *m, bool refs,
			   bool direct)
{
	msgpack_unpacked u;
	size_t off = 0;
	int rc;

	if (!m)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	if (!buf && len)
		return -EINVAL;
	if (len > WIRE_MAX_MSG)
		return -E2BIG;
	if (len == 0)
		return -EPROTO;
	if (direct) {
		if (wire_decode_direct(buf, len, m, refs) == 0)
			return 0;
		wire_msg_release(m);
	}
	rc = wire_scan(buf, len);
	if (rc)
		return rc;
	msgpack_unpacked_init(&u);
	switch (msgpack_unpack_next(&u, (const char *)buf, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		rc = off == len ? wire_decode_root(&u.data, m, refs) : -EPROTO;
		break;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		rc = -ENOMEM;
		break;
	default:
		rc = -EPROTO;
		break;
	}
	msgpack_unpacked_destroy(&u);
	if (rc)
		wire_msg_release(m);
	return rc;
}

int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *m)
{
	return wire_decode_any(buf, len, m, false, true);
}

int wire_decode_refs(const uint8_t *buf, size_t len, struct wire_msg *m)
{
	return wire_decode_any(buf, len, m, true, true);
}

int wire_decode_tree(const uint8_t *buf, size_t len, struct wire_msg *m, bool refs)
{
	return wire_decode_any(buf, len, m, refs, false);
}

void wire_row_ref(const struct wire_row *row, struct wire_rowref *ref)
{
	ref->map = row->map;
	ref->op = row->op;
	ref->key_len = row->key_len;
	ref->val_len = row->val_len;
	ref->key = row->key;
	ref->val = row->op == WIRE_OP_DELETE ? NULL : row->val;
}

bool wire_rowref_valid(const struct wire_rowref *ref)
{
	uint16_t k, v;

	if (!ref || !wire_map_sizes(ref->map, &k, &v) || ref->key_len != k || !ref->key)
		return false;
	if (ref->op == WIRE_OP_UPSERT)
		return ref->val_len <= v && (ref->val || !ref->val_len);
	if (ref->op == WIRE_OP_DELETE)
		return ref->val_len == 0;
	return false;
}

uint16_t wire_rowref_value(const struct wire_rowref *ref, void *out)
{
	uint16_t v = 0;

	if (ref->op != WIRE_OP_UPSERT || !wire_map_sizes(ref->map, NULL, &v))
		return 0;
	if (ref->val_len)
		memcpy(out, ref->val, ref->val_len);
	memset((uint8_t *)out + ref->val_len, 0, (size_t)(v - ref->val_len));
	return v;
}

void wire_msg_release(struct wire_msg *m)
{
	if (!m)
		return;
	switch (m->type) {
	case WIRE_SNAPSHOT:
	case WIRE_DELTA:
		free(m->update.rows);
		free(m->update.refs);
		break;
	case WIRE_STATUS:
		free(m->status.ports);
		break;
	case WIRE_TRACE_REPLY:
		free(m->trace_reply);
		break;
	case WIRE_MONITOR_EVENTS:
		free(m->events);
		break;
	case WIRE_CT_STATE:
		free(m->ct_state.entries);
		break;
	default:
		break;
	}
	memset(m, 0, sizeof(*m));
}
