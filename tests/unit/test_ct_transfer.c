/* test_ct_transfer.c - conntrack moving with a migrating port (agent/migrate.c
 * and the applier), on real maps of the ABI's shapes (needs the bpf()
 * syscall, as the agent's other map tests): an export holds the port's
 * live entries only, with the milliseconds they have left, chunked at
 * WIRE_CT_MAX_ENTRIES; an import re-bases the expiry on this host's clock
 * and never replaces an entry that lives longer here; a port with a
 * tn_migrate row keeps its entries when it is unbound or new here, and its
 * activation and entries go when the migration ends; the derived
 * migration marks follow the row (unit.ct_transfer). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "abi_maps.h"
#include "applier.h"
#include "migrate.h"
#include "tenet_abi.h"
#include "wire.h"

#define NOW   1000000000000ull /* the exporting host's clock, ns */
#define NOW_B 5000000000ull    /* the importing host's clock, ns */
#define SEC   1000000000ull

static int ct_map(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "t_ct", sizeof(struct tn_ct_key),
				sizeof(struct tn_ct), TN_MAX_CT, NULL);

	assert_true(fd >= 0);
	return fd;
}

static struct tn_ct_key ct_key(uint32_t port_id, uint32_t n)
{
	struct tn_ct_key k = {.port_id = port_id, .proto = 6, .family = 4};

	k.sport = htons((uint16_t)n);
	k.dport = htons(443);
	memcpy(k.saddr, &n, 4);
	k.daddr[0] = 10;
	return k;
}

static void ct_put(int fd, uint32_t port_id, uint32_t n, uint64_t expires_ns)
{
	struct tn_ct_key k = ct_key(port_id, n);
	struct tn_ct v = {.expires_ns = expires_ns,
			  .gen = 4,
			  .tcp_state = TN_CT_TCP_ESTABLISHED,
			  .flags = TN_CT_F_REPLY,
			  .group = 2};

	assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
}

/* What an export sent. */
struct sink {
	struct wire_ct_state st[4]; /* the CT_STATEs, entries copied */
	int n;			    /* CT_STATEs sent */
	int fail_at;		    /* send number that fails (-EIO), 0: none */
};

static int sink_send(void *arg, const struct wire_ct_state *st)
{
	struct sink *s = arg;
	struct wire_ct_state *c;

	if (s->fail_at && s->n + 1 == s->fail_at)
		return -EIO;
	assert_true(s->n < 4);
	c = &s->st[s->n++];
	*c = *st;
	if (st->n) {
		c->entries = malloc(st->n * sizeof(*st->entries));
		assert_non_null(c->entries);
		memcpy(c->entries, st->entries, st->n * sizeof(*st->entries));
	}
	return 0;
}

static void sink_free(struct sink *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->st[i].entries);
	memset(s, 0, sizeof(*s));
}

/* Only port 7's live entries, with their remaining time in ms (rounded
 * up), in one CT_STATE echoing the request. */
static void test_export_port_only(void **state)
{
	struct wire_ct_export req = {.port_id = 7, .generation = 3, .final = true};
	struct sink s = {0};
	int fd = ct_map();

	(void)state;
	ct_put(fd, 7, 1, NOW + 10 * SEC);
	ct_put(fd, 7, 2, NOW + 1500000); /* 1.5 ms: 2 ms */
	ct_put(fd, 7, 3, NOW - 1);	 /* expired: not carried */
	ct_put(fd, 8, 1, NOW + 10 * SEC);
	ct_put(fd, 9, 1, NOW + 10 * SEC);
	assert_int_equal(migrate_ct_export(fd, &req, NOW, sink_send, &s), 2);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.st[0].port_id, 7);
	assert_int_equal(s.st[0].generation, 3);
	assert_true(s.st[0].final);
	assert_false(s.st[0].more);
	assert_int_equal(s.st[0].n, 2);
	for (uint32_t i = 0; i < 2; i++) {
		struct tn_ct_key k;
		struct tn_ct v;

		memcpy(&k, s.st[0].entries[i].key, sizeof(k));
		memcpy(&v, s.st[0].entries[i].val, sizeof(v));
		assert_int_equal(k.port_id, 7);
		assert_true(wire_ct_entry_valid(&s.st[0].entries[i], 7));
		if (ntohs(k.sport) == 1)
			assert_true(v.expires_ns == 10000);
		else
			assert_true(v.expires_ns == 2);
		assert_int_equal(v.gen, 4);
		assert_int_equal(v.tcp_state, TN_CT_TCP_ESTABLISHED);
	}
	sink_free(&s);
	/* a port without entries, and no datapath at all: one empty answer */
	req.port_id = 10;
	assert_int_equal(migrate_ct_export(fd, &req, NOW, sink_send, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.st[0].n, 0);
	assert_false(s.st[0].more);
	sink_free(&s);
	assert_int_equal(migrate_ct_export(-1, &req, NOW, sink_send, &s), 0);
	assert_int_equal(s.n, 1);
	sink_free(&s);
	/* bad requests; a failing send is the export's error */
	req.port_id = 0;
	assert_int_equal(migrate_ct_export(fd, &req, NOW, sink_send, &s), -EINVAL);
	req.port_id = 7;
	s.fail_at = 1;
	assert_int_equal(migrate_ct_export(fd, &req, NOW, sink_send, &s), -EIO);
	close(fd);
}

/* More than one CT_STATE holds: chunks of WIRE_CT_MAX_ENTRIES, more on all
 * but the last, every entry once. */
static void test_export_chunks(void **state)
{
	struct wire_ct_export req = {.port_id = 7, .generation = 1};
	uint32_t total = WIRE_CT_MAX_ENTRIES + 100;
	struct sink s = {0};
	int fd = ct_map();
	uint8_t *seen;

	(void)state;
	for (uint32_t i = 0; i < total; i++)
		ct_put(fd, 7, i, NOW + SEC);
	for (uint32_t i = 0; i < 50; i++)
		ct_put(fd, 8, i, NOW + SEC);
	assert_int_equal(migrate_ct_export(fd, &req, NOW, sink_send, &s), total);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.st[0].n, WIRE_CT_MAX_ENTRIES);
	assert_true(s.st[0].more);
	assert_int_equal(s.st[1].n, 100);
	assert_false(s.st[1].more);
	seen = calloc(total, 1);
	assert_non_null(seen);
	for (int c = 0; c < 2; c++) {
		for (uint32_t i = 0; i < s.st[c].n; i++) {
			struct tn_ct_key k;
			uint32_t n;

			memcpy(&k, s.st[c].entries[i].key, sizeof(k));
			memcpy(&n, k.saddr, 4);
			assert_int_equal(k.port_id, 7);
			assert_true(n < total);
			assert_int_equal(seen[n], 0);
			seen[n] = 1;
		}
	}
	free(seen);
	sink_free(&s);
	close(fd);
}

/* Import: expiry re-based on the importing host's clock; an entry living
 * longer here is kept, a shorter one replaced; another port's entry
 * refuses the whole state. */
static void test_import(void **state)
{
	struct wire_ct_export req = {.port_id = 7, .generation = 2, .final = true};
	struct sink s = {0};
	int src = ct_map(), dst = ct_map();
	struct tn_ct_key k;
	struct tn_ct v;
	long kept = -1;

	(void)state;
	ct_put(src, 7, 1, NOW + 30 * SEC);
	ct_put(src, 7, 2, NOW + 30 * SEC);
	ct_put(src, 7, 3, NOW + 30 * SEC);
	assert_int_equal(migrate_ct_export(src, &req, NOW, sink_send, &s), 3);
	ct_put(dst, 7, 2, NOW_B + 60 * SEC); /* seen here since: lives longer */
	ct_put(dst, 7, 3, NOW_B + 1 * SEC);  /* older here: replaced */
	assert_int_equal(migrate_ct_import(dst, &s.st[0], NOW_B, &kept), 2);
	assert_int_equal(kept, 1);
	k = ct_key(7, 1);
	assert_int_equal(bpf_map_lookup_elem(dst, &k, &v), 0);
	assert_true(v.expires_ns == NOW_B + 30 * SEC);
	assert_int_equal(v.gen, 4);
	assert_int_equal(v.flags, TN_CT_F_REPLY);
	k = ct_key(7, 2);
	assert_int_equal(bpf_map_lookup_elem(dst, &k, &v), 0);
	assert_true(v.expires_ns == NOW_B + 60 * SEC);
	k = ct_key(7, 3);
	assert_int_equal(bpf_map_lookup_elem(dst, &k, &v), 0);
	assert_true(v.expires_ns == NOW_B + 30 * SEC);
	/* the final delta again changes nothing it should not */
	assert_int_equal(migrate_ct_import(dst, &s.st[0], NOW_B, &kept), 2);
	/* hostile: an entry of another port; nothing written */
	k = ct_key(8, 1);
	memcpy(s.st[0].entries[2].key, &k, sizeof(k));
	bpf_map_delete_elem(dst, &k);
	assert_int_equal(migrate_ct_import(dst, &s.st[0], NOW_B, &kept), -EINVAL);
	assert_int_not_equal(bpf_map_lookup_elem(dst, &k, &v), 0);
	assert_int_equal(migrate_ct_import(-1, &s.st[0], NOW_B, NULL), -EINVAL);
	sink_free(&s);
	close(src);
	close(dst);
}

/* Ring records: an activation decodes (time moved to the wall clock), a
 * drop event or a bad record does not. */
static void test_event_decode(void **state)
{
	struct tn_mig_event ev = {
	    .ts_ns = 100, .kind = TN_EV_MIG_ACTIVE, .port_id = 7, .generation = 3};
	struct tn_drop_event drop = {0};
	struct wire_mig_event out;

	(void)state;
	assert_int_equal(migrate_event_decode(&ev, sizeof(ev), 1000, &out), 0);
	assert_int_equal(out.port_id, 7);
	assert_int_equal(out.generation, 3);
	assert_true(out.activated_ns == 1100);
	assert_int_equal(out.event, WIRE_MIG_ACTIVE);
	assert_int_equal(migrate_event_decode(&drop, sizeof(drop), 0, &out), -EINVAL);
	ev.kind = 2;
	assert_int_equal(migrate_event_decode(&ev, sizeof(ev), 0, &out), -EINVAL);
	ev.kind = TN_EV_MIG_ACTIVE;
	ev.generation = 0;
	assert_int_equal(migrate_event_decode(&ev, sizeof(ev), 0, &out), -EINVAL);
}

/* ---- the applier: no flush of a migrating port ---- */

#define VNI 100
static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};

struct fx {
	struct applier_maps maps; /* applied maps, tn_ct and tn_mig_active */
	struct applier *a;	  /* under test, no revision file */
	uint64_t rev;		  /* applied revision */
};

static uint32_t fx_resolve(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "vm1") == 0 ? 11 : 0;
}

static int fx_setup(void **state)
{
	struct applier_ops ops = {.resolve = fx_resolve};
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	for (unsigned m = 0; m < TN_MAP_MAX; m++) {
		const struct tn_map_desc *d = tn_map_desc(m);
		LIBBPF_OPTS(bpf_map_create_opts, opts);

		f->maps.fd[m] = -1;
		if (!tn_map_applied(m) && m != TN_MAP_CT && m != TN_MAP_MIG_ACTIVE)
			continue;
		opts.map_flags = d->flags;
		f->maps.fd[m] = bpf_map_create(d->type, NULL, d->key_size, d->value_size,
					       m == TN_MAP_CT ? 1024 : 64, &opts);
		if (f->maps.fd[m] < 0)
			return -1;
	}
	f->a = applier_new(&f->maps, NULL, false, &ops);
	*state = f;
	return f->a ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	applier_destroy(&f->a);
	for (unsigned m = 0; m < TN_MAP_MAX; m++)
		if (f->maps.fd[m] >= 0)
			close(f->maps.fd[m]);
	free(f);
	return 0;
}

static struct wire_row row(uint8_t map, uint8_t op)
{
	struct wire_row r;

	memset(&r, 0, sizeof(r));
	r.map = map;
	r.op = op;
	assert_true(wire_map_sizes(map, &r.key_len, &r.val_len));
	if (op == WIRE_OP_DELETE)
		r.val_len = 0;
	return r;
}

static struct wire_row lport_row(uint8_t op, uint32_t port_id)
{
	struct wire_row r = row(TN_MAP_LPORT, op);
	struct tn_lport v = {.vni = VNI};

	memcpy(r.key, &port_id, 4);
	memcpy(v.mac, mac_a, 6);
	strcpy(v.ifname, "vm1");
	if (op == WIRE_OP_UPSERT)
		memcpy(r.val, &v, sizeof(v));
	return r;
}

static struct wire_row fdb_row(uint32_t port_id)
{
	struct wire_row r = row(TN_MAP_FDB, WIRE_OP_UPSERT);
	struct tn_fdb_key k = {.vni = VNI};
	struct tn_fdb v = {.port_id = port_id, .flags = TN_FDB_F_LOCAL};

	memcpy(k.mac, mac_a, 6);
	memcpy(r.key, &k, sizeof(k));
	memcpy(r.val, &v, sizeof(v));
	return r;
}

static struct wire_row mig_row(uint8_t op, uint32_t port_id, uint32_t gen)
{
	struct wire_row r = row(TN_MAP_MIGRATE, op);
	struct tn_migrate v = {
	    .generation = gen, .flags = TN_MIG_F_STANDBY, .peer_ip4 = htonl(0xc6120003)};

	memcpy(r.key, &port_id, 4);
	if (op == WIRE_OP_UPSERT)
		memcpy(r.val, &v, sizeof(v));
	return r;
}

static void fx_delta(struct fx *f, const struct wire_row *rows, size_t n)
{
	assert_int_equal(applier_delta(f->a, f->rev, f->rev + 1, rows, n), 0);
	f->rev++;
}

static int ct_count(struct fx *f, uint32_t port_id)
{
	struct tn_ct_key k, next;
	void *prev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(f->maps.fd[TN_MAP_CT], prev, &next) == 0) {
		k = next;
		prev = &k;
		n += k.port_id == port_id;
	}
	return n;
}

static uint32_t fdb_flags(struct fx *f)
{
	struct tn_fdb_key k = {.vni = VNI};
	struct tn_fdb v;

	memcpy(k.mac, mac_a, 6);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_FDB], &k, &v), 0);
	return v.flags;
}

static uint32_t ifport_flags(struct fx *f)
{
	__u32 ifindex = 11;
	struct tn_ifport v;

	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifindex, &v), 0);
	return v.flags;
}

static void mig_active_put(struct fx *f, uint32_t port_id, uint32_t gen)
{
	struct tn_mig_active v = {.generation = gen, .activated_ns = 1};

	assert_int_equal(bpf_map_update_elem(f->maps.fd[TN_MAP_MIG_ACTIVE], &port_id, &v, BPF_ANY),
			 0);
}

static bool mig_active_has(struct fx *f, uint32_t port_id)
{
	struct tn_mig_active v;

	return bpf_map_lookup_elem(f->maps.fd[TN_MAP_MIG_ACTIVE], &port_id, &v) == 0;
}

/* The marks follow the row; the port's entries survive its standby and an
 * unbinding while it migrates; its activation and entries go with the
 * row when nothing binds it any more. */
static void test_no_flush_while_migrating(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[3];

	/* the destination: rows in standby, entries imported before the VM */
	rows[0] = mig_row(WIRE_OP_UPSERT, 5, 1);
	rows[1] = lport_row(WIRE_OP_UPSERT, 5);
	rows[2] = fdb_row(5);
	fx_delta(f, rows, 3);
	assert_true(fdb_flags(f) & TN_FDB_F_MIGRATING);
	assert_true(ifport_flags(f) & TN_LPORT_F_MIGRATING);
	for (uint32_t i = 0; i < 10; i++)
		ct_put(f->maps.fd[TN_MAP_CT], 5, i, NOW);
	ct_put(f->maps.fd[TN_MAP_CT], 6, 1, NOW);
	mig_active_put(f, 5, 1);
	/* unbound while the migration lasts (a rollback's first half, or a
	 * source whose binding goes first): entries kept */
	rows[0] = lport_row(WIRE_OP_DELETE, 5);
	fx_delta(f, rows, 1);
	assert_int_equal(ct_count(f, 5), 10);
	assert_true(mig_active_has(f, 5));
	/* bound again, then the migration done here: the row goes, the marks
	 * go, the activation goes, the entries stay (the port lives here) */
	rows[0] = lport_row(WIRE_OP_UPSERT, 5);
	fx_delta(f, rows, 1);
	rows[0] = mig_row(WIRE_OP_DELETE, 5, 1);
	fx_delta(f, rows, 1);
	assert_false(fdb_flags(f) & TN_FDB_F_MIGRATING);
	assert_false(ifport_flags(f) & TN_LPORT_F_MIGRATING);
	assert_false(mig_active_has(f, 5));
	assert_int_equal(ct_count(f, 5), 10);
	/* a port that leaves without migrating loses its entries, as before */
	rows[0] = lport_row(WIRE_OP_DELETE, 5);
	fx_delta(f, rows, 1);
	assert_int_equal(ct_count(f, 5), 0);
	assert_int_equal(ct_count(f, 6), 1);
}

/* A migration rolled back on the destination: binding and row go in one
 * revision, and with them the entries and the activation. */
static void test_rollback_releases(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[3];

	rows[0] = mig_row(WIRE_OP_UPSERT, 5, 2);
	rows[1] = lport_row(WIRE_OP_UPSERT, 5);
	rows[2] = fdb_row(5);
	fx_delta(f, rows, 3);
	for (uint32_t i = 0; i < 4; i++)
		ct_put(f->maps.fd[TN_MAP_CT], 5, i, NOW);
	mig_active_put(f, 5, 2);
	rows[0] = mig_row(WIRE_OP_DELETE, 5, 2);
	rows[1] = lport_row(WIRE_OP_DELETE, 5);
	fx_delta(f, rows, 2);
	assert_int_equal(ct_count(f, 5), 0);
	assert_false(mig_active_has(f, 5));
}

/* A snapshot reconciles: it keeps the marks of the ports it still
 * migrates and drops the activations of the others. */
static void test_snapshot_marks(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[3];

	rows[0] = mig_row(WIRE_OP_UPSERT, 5, 3);
	rows[1] = lport_row(WIRE_OP_UPSERT, 5);
	rows[2] = fdb_row(5);
	assert_int_equal(applier_snapshot(f->a, 10, rows, 3), 0);
	assert_true(fdb_flags(f) & TN_FDB_F_MIGRATING);
	mig_active_put(f, 5, 3);
	mig_active_put(f, 9, 1); /* a port this host no longer migrates */
	assert_int_equal(applier_snapshot(f->a, 11, rows, 3), 0);
	assert_true(mig_active_has(f, 5));
	assert_false(mig_active_has(f, 9));
	assert_true(ifport_flags(f) & TN_LPORT_F_MIGRATING);
	assert_int_equal(applier_snapshot(f->a, 12, rows + 1, 2), 0);
	assert_false(fdb_flags(f) & TN_FDB_F_MIGRATING);
	assert_false(ifport_flags(f) & TN_LPORT_F_MIGRATING);
	assert_false(mig_active_has(f, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_export_port_only),
	    cmocka_unit_test(test_export_chunks),
	    cmocka_unit_test(test_import),
	    cmocka_unit_test(test_event_decode),
	    cmocka_unit_test_setup_teardown(test_no_flush_while_migrating, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_releases, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_marks, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
