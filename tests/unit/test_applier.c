/* test_applier.c - the agent's applier on plain (unpinned) BPF maps of the
 * ABI sizes: snapshot, delta, gap refusal, link changes filling derived
 * fields, reconciling snapshot, restart from the maps, port counter slots,
 * ports swapping interfaces.
 * Needs root (bpf()). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "fixture_applier.h"
#include <linux/types.h>

#include "abi_maps.h"
#include "applier.h"
#include "tenet_abi.h"
#include "wire.h"

#define VNI 100

/* Fake interfaces the resolver knows. */
struct fake_link {
	const char *name; /* interface name */
	uint32_t ifindex; /* its index */
};

/* One port_changed call. */
struct change {
	uint32_t port_id; /* the port */
	uint32_t ifindex; /* new index */
};

/* Test fixture. */
struct fx {
	struct applier_maps maps;  /* the maps */
	char dir[64];		   /* temp dir */
	char rev_path[128];	   /* revision file */
	struct fake_link links[8]; /* interfaces present */
	size_t n_links;		   /* used entries of links */
	struct change changes[16]; /* port_changed calls */
	size_t n_changes;	   /* used entries of changes */
	struct applier *a;	   /* under test */
	struct applier_ops ops;	   /* callbacks to fx */
};

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};

static uint32_t fx_resolve(void *arg, const char *name)
{
	struct fx *f = arg;

	for (size_t i = 0; i < f->n_links; i++)
		if (!strcmp(f->links[i].name, name))
			return f->links[i].ifindex;
	return 0;
}

static void fx_changed(void *arg, uint32_t port_id, const char *ifname, uint32_t ifindex)
{
	struct fx *f = arg;

	assert_true(f->n_changes < 16);
	f->changes[f->n_changes++] = (struct change){port_id, ifindex};
}

static int map_new(enum bpf_map_type type, uint32_t k, uint32_t v, uint32_t max, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	int fd = bpf_map_create(type, NULL, k, v, max, &opts);

	assert_true(fd >= 0);
	return fd;
}

static int fx_teardown(void **state);

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	for (unsigned m = 0; m < TN_MAP_MAX; m++) {
		const struct tn_map_desc *d = tn_map_desc(m);

		f->maps.fd[m] = -1;
		if (tn_map_applied(m))
			f->maps.fd[m] = map_new(d->type, d->key_size, d->value_size, 64, d->flags);
	}
	f->maps.fd[TN_MAP_PORT_STATS] =
	    map_new(BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct tn_port_stats), 64, 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_applier.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->rev_path, sizeof(f->rev_path), "%s/h1.rev", f->dir);
	f->links[f->n_links++] = (struct fake_link){"vm1", 11};
	f->ops = (struct applier_ops){.resolve = fx_resolve, .port_changed = fx_changed, .arg = f};
	f->a = applier_new(&f->maps, f->rev_path, true, &f->ops);
	*state = f;
	if (!f->a || applier_refresh_links(f->a) != 0) {
		fx_teardown(state); /* cmocka runs no teardown after a failed setup */
		return -1;
	}
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char tmp[160];

	applier_destroy(&f->a);
	for (int i = 0; i < TN_MAP_MAX; i++)
		if (f->maps.fd[i] >= 0)
			close(f->maps.fd[i]);
	unlink(f->rev_path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->rev_path);
	unlink(tmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct wire_row lport_row(uint32_t port_id, const char *ifname, const uint8_t *mac)
{
	struct wire_row r = fixture_row(TN_MAP_LPORT, WIRE_OP_UPSERT);
	struct tn_lport v = {.vni = VNI, .flags = TN_LPORT_F_PORT_SECURITY};

	memcpy(r.key, &port_id, 4);
	memcpy(v.mac, mac, 6);
	strncpy(v.ifname, ifname, TN_IFNAMSIZ - 1);
	memcpy(r.val, &v, sizeof(v)); /* wire_row.val is not aligned */
	return r;
}

static struct wire_row fdb_row(uint8_t op, const uint8_t *mac, uint32_t port_id, uint32_t remote)
{
	struct wire_row r = fixture_row(TN_MAP_FDB, op);
	struct tn_fdb_key k = {.vni = VNI};
	struct tn_fdb v = {.port_id = port_id, .remote_ip4 = remote};

	memcpy(k.mac, mac, 6);
	memcpy(r.key, &k, sizeof(k));
	if (op == WIRE_OP_DELETE)
		return r;
	v.flags = (remote ? TN_FDB_F_REMOTE : TN_FDB_F_LOCAL) | TN_FDB_F_PORT_SECURITY;
	v.ip4 = htonl(0x0a000000 | port_id); /* kept as compiled */
	v.ifindex = 777;		     /* garbage the applier must overwrite */
	memcpy(r.val, &v, sizeof(v));
	return r;
}

/* FLOOD page `page`: n_local ports, one remote host. */
static struct wire_row flood_page_row(uint32_t page, uint32_t n_local, const uint32_t *ports,
				      uint32_t remote)
{
	struct wire_row r = fixture_row(TN_MAP_FLOOD, WIRE_OP_UPSERT);
	struct tn_flood v = {.n_local = n_local, .n_remote = 1};
	struct tn_flood_key k = {.vni = VNI, .page = page};

	memcpy(r.key, &k, sizeof(k));
	for (uint32_t i = 0; i < n_local; i++)
		v.local_port[i] = ports[i];
	v.remote_ip4[0] = remote;
	memcpy(r.val, &v, sizeof(v));
	return r;
}

static struct wire_row flood_row(uint32_t n_local, const uint32_t *ports, uint32_t remote)
{
	return flood_page_row(0, n_local, ports, remote);
}

static struct wire_row arp_row(uint8_t op, uint32_t ip4, const uint8_t *mac)
{
	struct wire_row r = fixture_row(TN_MAP_ARP, op);
	struct tn_arp_key k = {.vni = VNI, .ip4 = ip4};

	memcpy(r.key, &k, sizeof(k));
	if (op == WIRE_OP_UPSERT)
		memcpy(r.val, mac, 6);
	return r;
}

static struct wire_row peer_row(uint32_t ip4)
{
	struct wire_row r = fixture_row(TN_MAP_PEER, WIRE_OP_UPSERT);
	struct tn_peer v = {.host_id = 2};

	memcpy(r.key, &ip4, 4);
	memcpy(r.val, &v, sizeof(v));
	return r;
}

static struct wire_row allow_row(uint32_t ip4)
{
	struct wire_row r = fixture_row(TN_MAP_TUN_ALLOW, WIRE_OP_UPSERT);
	struct tn_tun_allow_key k = {.vni = VNI, .remote_ip4 = ip4};

	memcpy(r.key, &k, sizeof(k));
	return r;
}

static size_t map_count(int fd, size_t key_len)
{
	uint8_t cur[16], next[16];
	void *prev = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		n++;
		memcpy(cur, next, key_len);
		prev = cur;
	}
	return n;
}

static struct tn_fdb fdb_get(struct fx *f, const uint8_t *mac)
{
	struct tn_fdb_key k = {.vni = VNI};
	struct tn_fdb v;

	memcpy(k.mac, mac, 6);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_FDB], &k, &v), 0);
	return v;
}

static struct tn_flood flood_page_get(struct fx *f, uint32_t page)
{
	struct tn_flood_key k = {.vni = VNI, .page = page};
	struct tn_flood v;

	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_FLOOD], &k, &v), 0);
	return v;
}

static struct tn_flood flood_get(struct fx *f)
{
	return flood_page_get(f, 0);
}

static uint64_t rev_file(struct fx *f)
{
	return fixture_rev_file(f->rev_path);
}

/* The base topology: port 1 (vm1, present), port 2 (vm2, absent), a remote
 * MAC, flooding, ARP, one peer. */
static size_t base_rows(struct wire_row *rows)
{
	static const uint32_t ports[] = {1, 2};
	uint32_t peer = htonl(0xc6120002); /* 198.18.0.2 */
	size_t n = 0;

	rows[n++] = lport_row(1, "vm1", mac_a);
	rows[n++] = lport_row(2, "vm2", mac_b);
	rows[n++] = fdb_row(WIRE_OP_UPSERT, mac_a, 1, 0);
	rows[n++] = fdb_row(WIRE_OP_UPSERT, mac_b, 2, 0);
	rows[n++] = fdb_row(WIRE_OP_UPSERT, mac_c, 3, peer);
	rows[n++] = flood_row(2, ports, peer);
	rows[n++] = arp_row(WIRE_OP_UPSERT, htonl(0x0a000001), mac_a);
	rows[n++] = arp_row(WIRE_OP_UPSERT, htonl(0x0a000003), mac_c);
	rows[n++] = peer_row(peer);
	rows[n++] = allow_row(peer);
	return n;
}

static void test_snapshot_fills_derived(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);
	struct tn_ifport ifp;
	struct tn_flood fl;
	uint32_t ifindex = 11;

	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	assert_int_equal(applier_rev(f->a), 5);
	assert_int_equal(rev_file(f), 5);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 11);
	assert_int_equal(fdb_get(f, mac_b).ifindex, 0); /* vm2 absent */
	assert_int_equal(fdb_get(f, mac_c).ifindex, 0); /* remote */
	/* what the agent does not derive stays as compiled */
	assert_int_equal(fdb_get(f, mac_a).flags, TN_FDB_F_LOCAL | TN_FDB_F_PORT_SECURITY);
	assert_int_equal(fdb_get(f, mac_a).ip4, htonl(0x0a000001));
	assert_int_equal(fdb_get(f, mac_c).ip4, htonl(0x0a000003));
	fl = flood_get(f);
	assert_int_equal(fl.local_ifindex[0], 11);
	assert_int_equal(fl.local_ifindex[1], 0);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifindex, &ifp), 0);
	assert_int_equal(ifp.port_id, 1);
	assert_int_equal(ifp.vni, VNI);
	assert_memory_equal(ifp.mac, mac_a, 6);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_IFINDEX], 4), 1);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_ARP], 8), 2);
	/* port 1 came up at 11, port 2 was announced absent */
	assert_int_equal(f->n_changes, 2);
	assert_int_equal(f->changes[0].port_id, 1);
	assert_int_equal(f->changes[0].ifindex, 11);
	assert_int_equal(f->changes[1].ifindex, 0);
}

/* Every row's value as its map holds it, rows' values replaced. */
static void maps_read(struct fx *f, struct wire_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
		    bpf_map_lookup_elem(f->maps.fd[rows[i].map], rows[i].key, rows[i].val), 0);
}

/* A snapshot sent trimmed (WIRE_CAP_TRIM) and decoded in place, its values
 * shorter than their maps': the maps hold what the whole rows give, the
 * left-out bytes zero even over stale ones, derived fields filled in. */
static void test_snapshot_trimmed(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16], want[16], got[16];
	size_t n = base_rows(rows), len, trimmed = 0;
	struct wire_msg m = {.type = WIRE_SNAPSHOT,
			     .update = {.to = 6, .rows = rows, .trim = true}};
	struct wire_msg d;
	uint8_t *buf, junk[WIRE_VAL_MAX];

	m.update.n_rows = n;
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	memcpy(want, rows, sizeof(want));
	maps_read(f, want, n);
	/* stale bytes where the trimmed values leave theirs out */
	memset(junk, 0xee, sizeof(junk));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
		    bpf_map_update_elem(f->maps.fd[rows[i].map], rows[i].key, junk, BPF_ANY), 0);
	assert_int_equal(wire_encode(&m, &buf, &len), 0);
	assert_int_equal(wire_decode_refs(buf, len, &d), 0);
	for (size_t i = 0; i < n; i++)
		trimmed += d.update.refs[i].val_len < rows[i].val_len;
	assert_true(trimmed >= 4); /* FDB and ARP rows end in zeros at least */
	assert_int_equal(applier_snapshot_refs(f->a, 6, d.update.refs, d.update.n_rows), 0);
	wire_msg_release(&d);
	free(buf);
	memcpy(got, rows, sizeof(got));
	maps_read(f, got, n);
	for (size_t i = 0; i < n; i++)
		assert_memory_equal(got[i].val, want[i].val, rows[i].val_len);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 11); /* derived, as before */
	assert_int_equal(flood_get(f).local_ifindex[0], 11);
}

/* A snapshot or delta of APPLIER_SIDE_MIN rows or more: the rows without
 * derived fields are written by the side writer's thread meanwhile. Every
 * row lands, derived fields as before, and the side writer's counts reach
 * the applier's: a snapshot larger than a map fails there, counted. */
static void test_snapshot_side_writer(void **state)
{
	enum { N_ARP = 5000, N_BIG = 8300 };
	struct fx *f = *state;
	struct wire_row *rows = calloc(N_BIG + 16, sizeof(*rows));
	uint64_t applied, errors;
	size_t n;

	assert_non_null(rows);
	/* room for the many ARP rows: a new map and an applier over it */
	applier_destroy(&f->a);
	close(f->maps.fd[TN_MAP_ARP]);
	f->maps.fd[TN_MAP_ARP] = map_new(BPF_MAP_TYPE_HASH, sizeof(struct tn_arp_key),
					 sizeof(struct tn_arp), 8192, BPF_F_NO_PREALLOC);
	f->a = applier_new(&f->maps, f->rev_path, false, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_refresh_links(f->a), 0);
	n = base_rows(rows);
	for (uint32_t i = 0; i < N_ARP; i++)
		rows[n++] = arp_row(WIRE_OP_UPSERT, htonl(0x0a010000 + i), mac_b);
	assert_true(n >= 4096);
	applier_get_stats(f->a, &applied, &errors);
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_ARP], 8), N_ARP + 2);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_LPORT], 4), 2);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_PEER], 4), 1);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 11);
	assert_int_equal(flood_get(f).local_ifindex[0], 11);
	applier_get_stats(f->a, &applied, &errors);
	assert_true(applied >= n); /* its rows and the ports' tn_ifindex entries */
	assert_int_equal(errors, 0);

	/* a delta as large: the ARP rows deleted by the side writer, an FDB
	 * row moved to the absent port by the applier's thread */
	n = 0;
	rows[n++] = fdb_row(WIRE_OP_UPSERT, mac_a, 2, 0);
	for (uint32_t i = 0; i < N_ARP; i++)
		rows[n++] = arp_row(WIRE_OP_DELETE, htonl(0x0a010000 + i), NULL);
	assert_int_equal(applier_delta(f->a, 5, 6, rows, n), 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_ARP], 8), 2);
	assert_int_equal(fdb_get(f, mac_a).port_id, 2);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 0); /* vm2 absent */

	/* more ARP rows than the map holds: the side writer's failures */
	n = base_rows(rows);
	for (uint32_t i = 0; i < N_BIG; i++)
		rows[n++] = arp_row(WIRE_OP_UPSERT, htonl(0x0a020000 + i), mac_b);
	assert_int_not_equal(applier_snapshot(f->a, 7, rows, n), 0);
	applier_get_stats(f->a, &applied, &errors);
	assert_true(errors >= N_BIG + 2 - 8192);
	assert_int_equal(applier_rev(f->a), 6);
	free(rows);
}

static void test_delta_and_gap(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16], d[4];
	size_t n = base_rows(rows);
	struct tn_arp_key ak = {.vni = VNI, .ip4 = htonl(0x0a000009)};
	struct tn_arp av;

	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	d[0] = arp_row(WIRE_OP_UPSERT, ak.ip4, mac_b);
	d[1] = fdb_row(WIRE_OP_DELETE, mac_c, 0, 0);
	d[2] = fdb_row(WIRE_OP_DELETE, mac_c, 0, 0); /* idempotent */
	assert_int_equal(applier_delta(f->a, 5, 6, d, 3), 0);
	assert_int_equal(applier_rev(f->a), 6);
	assert_int_equal(rev_file(f), 6);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_ARP], &ak, &av), 0);
	assert_memory_equal(av.mac, mac_b, 6);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_FDB], 12), 2);

	/* a gap is refused and writes nothing */
	d[0] = arp_row(WIRE_OP_DELETE, ak.ip4, NULL);
	assert_int_equal(applier_delta(f->a, 4, 7, d, 1), -ESTALE);
	assert_int_equal(applier_delta(f->a, 7, 8, d, 1), -ESTALE);
	assert_int_equal(applier_rev(f->a), 6);
	assert_int_equal(rev_file(f), 6);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_ARP], &ak, &av), 0);

	/* an empty delta only moves the revision */
	assert_int_equal(applier_delta(f->a, 6, 9, NULL, 0), 0);
	assert_int_equal(rev_file(f), 9);
}

static void test_links_fill_ifindex(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);
	struct tn_ifport ifp;
	uint32_t ifindex = 12;
	struct tn_flood fl;

	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	f->n_changes = 0;
	f->links[f->n_links++] = (struct fake_link){"vm2", 12};
	assert_int_equal(applier_refresh_links(f->a), 0);
	assert_int_equal(f->n_changes, 1);
	assert_int_equal(f->changes[0].port_id, 2);
	assert_int_equal(f->changes[0].ifindex, 12);
	assert_int_equal(fdb_get(f, mac_b).ifindex, 12);
	assert_int_equal(fdb_get(f, mac_b).ip4, htonl(0x0a000002));
	fl = flood_get(f);
	assert_int_equal(fl.local_ifindex[0], 11);
	assert_int_equal(fl.local_ifindex[1], 12);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifindex, &ifp), 0);
	assert_int_equal(ifp.port_id, 2);

	/* nothing changed: no notification, no churn */
	f->n_changes = 0;
	assert_int_equal(applier_refresh_links(f->a), 0);
	assert_int_equal(f->n_changes, 0);

	/* port 1 is rebound to another interface: old one released first */
	f->links[f->n_links++] = (struct fake_link){"vm9", 19};
	rows[0] = lport_row(1, "vm9", mac_a);
	assert_int_equal(applier_delta(f->a, 5, 6, rows, 1), 0);
	assert_int_equal(f->n_changes, 2);
	assert_int_equal(f->changes[0].ifindex, 0);
	assert_int_equal(f->changes[1].ifindex, 19);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 19);
	rows[0] = lport_row(1, "vm1", mac_a);
	assert_int_equal(applier_delta(f->a, 6, 7, rows, 1), 0);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 11);
	f->n_changes = 0;

	/* vm1 goes away */
	f->links[0] = f->links[--f->n_links];
	assert_int_equal(applier_refresh_links(f->a), 0);
	assert_int_equal(f->n_changes, 1);
	assert_int_equal(f->changes[0].port_id, 1);
	assert_int_equal(f->changes[0].ifindex, 0);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 0);
	assert_int_equal(flood_get(f).local_ifindex[0], 0);
	ifindex = 11;
	assert_int_not_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifindex, &ifp), 0);
}

static void test_snapshot_reconciles(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);
	static const uint32_t ports1[] = {1};

	f->links[f->n_links++] = (struct fake_link){"vm2", 12};
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	/* port 2, its MAC and an ARP entry are gone */
	n = 0;
	rows[n++] = lport_row(1, "vm1", mac_a);
	rows[n++] = fdb_row(WIRE_OP_UPSERT, mac_a, 1, 0);
	rows[n++] = fdb_row(WIRE_OP_UPSERT, mac_c, 3, htonl(0xc6120002));
	rows[n++] = flood_row(1, ports1, htonl(0xc6120002));
	rows[n++] = arp_row(WIRE_OP_UPSERT, htonl(0x0a000001), mac_a);
	rows[n++] = peer_row(htonl(0xc6120002));
	rows[n++] = allow_row(htonl(0xc6120002));
	f->n_changes = 0;
	assert_int_equal(applier_snapshot(f->a, 7, rows, n), 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_LPORT], 4), 1);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_FDB], 12), 2);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_ARP], 8), 1);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_IFINDEX], 4), 1);
	assert_int_equal(flood_get(f).n_local, 1);
	assert_int_equal(f->n_changes, 1);
	assert_int_equal(f->changes[0].port_id, 2);
	assert_int_equal(f->changes[0].ifindex, 0);
	assert_int_equal(rev_file(f), 7);

	/* a row for a derived map is refused, nothing written */
	rows[0] = fixture_row(TN_MAP_LPORT, WIRE_OP_UPSERT);
	rows[0].map = TN_MAP_IFINDEX;
	assert_int_equal(applier_snapshot(f->a, 8, rows, 1), -EINVAL);
	assert_int_equal(applier_rev(f->a), 7);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_LPORT], 4), 1);
}

/* Every FLOOD page of a network gets its local ifindexes; a page that
 * goes away (delta or snapshot) leaves the map. */
static void test_flood_pages(void **state)
{
	static const uint32_t ports2[] = {2, 7};
	struct fx *f = *state;
	struct wire_row rows[16], d[1];
	size_t n = base_rows(rows);
	struct tn_flood_key k1 = {.vni = VNI, .page = 1};
	struct tn_flood fl;

	rows[n++] = flood_page_row(1, 2, ports2, htonl(0xc6120009));
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_FLOOD], sizeof(k1)), 2);
	fl = flood_page_get(f, 1);
	assert_int_equal(fl.n_local, 2);
	assert_int_equal(fl.local_ifindex[0], 0); /* vm2 absent */
	assert_int_equal(fl.remote_ip4[0], htonl(0xc6120009));
	f->links[f->n_links++] = (struct fake_link){"vm2", 12};
	assert_int_equal(applier_refresh_links(f->a), 0);
	fl = flood_page_get(f, 1);
	assert_int_equal(fl.local_ifindex[0], 12);
	assert_int_equal(fl.local_ifindex[1], 0); /* port 7 is not bound here */
	assert_int_equal(flood_get(f).local_ifindex[1], 12);

	/* the trailing page is deleted by a delta */
	d[0] = fixture_row(TN_MAP_FLOOD, WIRE_OP_DELETE);
	memcpy(d[0].key, &k1, sizeof(k1));
	assert_int_equal(applier_delta(f->a, 5, 6, d, 1), 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_FLOOD], sizeof(k1)), 1);
	assert_int_equal(flood_get(f).local_ifindex[1], 12);

	/* back, then gone from a snapshot */
	rows[n - 1] = flood_page_row(1, 2, ports2, htonl(0xc6120009));
	assert_int_equal(applier_snapshot(f->a, 7, rows, n), 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_FLOOD], sizeof(k1)), 2);
	assert_int_equal(applier_snapshot(f->a, 8, rows, n - 1), 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_FLOOD], sizeof(k1)), 1);
	assert_int_equal(flood_get(f).n_local, 2);
}

/* Sum over CPUs of rx_packets at slot; with set, first writes rx to CPU 0. */
static uint64_t slot_rx(struct fx *f, uint32_t slot, bool set, uint64_t rx)
{
	struct tn_port_stats st[512];
	uint64_t sum = 0;
	int n = libbpf_num_possible_cpus();

	assert_true(n > 0 && n <= 512);
	memset(st, 0, sizeof(st));
	if (set) {
		st[0].rx_packets = rx;
		assert_int_equal(bpf_map_update_elem(f->maps.fd[TN_MAP_PORT_STATS], &slot, st, 0),
				 0);
	}
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_PORT_STATS], &slot, st), 0);
	for (int c = 0; c < n; c++)
		sum += st[c].rx_packets;
	return sum;
}

static uint32_t ifport_slot(struct fx *f, uint32_t ifindex)
{
	struct tn_ifport v;

	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifindex, &v), 0);
	return v.slot;
}

/* Each resolved port gets its own slot, written wherever it is counted; the
 * slot is freed with the interface, given out again with zeroed counters,
 * and taken back from the pinned tn_ifindex after a restart. */
static void test_port_slots(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);
	uint32_t s1, s2;

	f->links[f->n_links++] = (struct fake_link){"vm2", 12};
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	s1 = ifport_slot(f, 11);
	s2 = ifport_slot(f, 12);
	assert_true(s1 > 0 && s2 > 0 && s1 != s2);
	assert_int_equal(fdb_get(f, mac_a).slot, s1);
	assert_int_equal(fdb_get(f, mac_b).slot, s2);
	assert_int_equal(fdb_get(f, mac_c).slot, 0); /* remote */
	assert_int_equal(flood_get(f).local_slot[0], s1);
	assert_int_equal(flood_get(f).local_slot[1], s2);
	assert_int_equal(flood_get(f).local_slot[2], 0);
	/* vm2 goes: its slot is freed */
	assert_int_equal(slot_rx(f, s2, true, 5), 5);
	f->links[--f->n_links] = (struct fake_link){0};
	assert_int_equal(applier_refresh_links(f->a), 0);
	assert_int_equal(fdb_get(f, mac_b).slot, 0);
	assert_int_equal(flood_get(f).local_slot[1], 0);
	assert_int_equal(ifport_slot(f, 11), s1);
	/* vm2 is back (another ifindex): a slot with zeroed counters */
	f->links[f->n_links++] = (struct fake_link){"vm2", 13};
	assert_int_equal(applier_refresh_links(f->a), 0);
	s2 = ifport_slot(f, 13);
	assert_true(s2 > 0 && s2 != s1);
	assert_int_equal(fdb_get(f, mac_b).slot, s2);
	assert_int_equal(slot_rx(f, s2, false, 0), 0);
	/* a restarted agent keeps the slots and their counters */
	assert_int_equal(slot_rx(f, s1, true, 7), 7);
	applier_destroy(&f->a);
	f->a = applier_new(&f->maps, f->rev_path, true, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_refresh_links(f->a), 0);
	assert_int_equal(ifport_slot(f, 11), s1);
	assert_int_equal(ifport_slot(f, 13), s2);
	assert_int_equal(fdb_get(f, mac_a).slot, s1);
	assert_int_equal(slot_rx(f, s1, false, 0), 7);
}

static void test_restart_rebuilds(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);

	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	applier_destroy(&f->a);
	assert_null(f->a);
	f->n_changes = 0;
	f->a = applier_new(&f->maps, f->rev_path, true, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_rev(f->a), 5);
	assert_int_equal(applier_refresh_links(f->a), 0);
	assert_int_equal(f->n_changes, 1); /* vm1 announced; vm2 still absent */
	assert_int_equal(f->changes[0].ifindex, 11);
	/* derived fields still recomputed from the rebuilt rows */
	f->links[f->n_links++] = (struct fake_link){"vm2", 12};
	assert_int_equal(applier_refresh_links(f->a), 0);
	assert_int_equal(fdb_get(f, mac_b).ifindex, 12);
	assert_int_equal(flood_get(f).local_ifindex[1], 12);
	/* a fresh datapath does not trust the revision file */
	applier_destroy(&f->a);
	f->a = applier_new(&f->maps, f->rev_path, false, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_rev(f->a), 0);
}

/* Two ports swap interfaces in one delta: each tn_ifindex entry ends up
 * with its new owner (entries given up are deleted before any is written),
 * and FDB entries follow. Then one interface is renamed to a name no port
 * binds: only the port bound to it goes down. */
static void test_ports_swap(void **state)
{
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);
	const char *names[] = {"vm1", "vm1x"};
	struct tn_ifport v;
	uint32_t ifx = 11;

	f->links[f->n_links++] = (struct fake_link){"vm2", 12};
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	rows[0] = lport_row(1, "vm2", mac_a);
	rows[1] = lport_row(2, "vm1", mac_b);
	f->n_changes = 0;
	assert_int_equal(applier_delta(f->a, 5, 6, rows, 2), 0);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 12);
	assert_int_equal(fdb_get(f, mac_b).ifindex, 11);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifx, &v), 0);
	assert_int_equal(v.port_id, 2);
	assert_true(v.slot > 0);
	ifx = 12;
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifx, &v), 0);
	assert_int_equal(v.port_id, 1);
	assert_true(v.slot > 0);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_IFINDEX], 4), 2);
	assert_int_equal(f->n_changes, 4); /* each released, each attached anew */

	/* vm1 (port 2's, index 11) is renamed vm1x */
	f->links[0].name = "vm1x";
	f->n_changes = 0;
	assert_int_equal(applier_links_changed(f->a, names, 2), 0);
	assert_int_equal(f->n_changes, 1);
	assert_int_equal(f->changes[0].port_id, 2);
	assert_int_equal(f->changes[0].ifindex, 0);
	assert_int_equal(fdb_get(f, mac_b).ifindex, 0);
	assert_int_equal(fdb_get(f, mac_a).ifindex, 12);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_IFINDEX], 4), 1);
}

/* The state file keeps the controller store's identity with the revision;
 * a reset for another store zeroes the revision but keeps the maps; a file
 * from before identities still loads. */
static void test_store_id_kept(void **state)
{
	static const char id[] = "00112233445566778899aabbccddeeff";
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);
	char line[128] = "";
	FILE *fp;

	assert_string_equal(applier_store_id(f->a), "");
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	assert_int_equal(applier_reset(f->a, "0011"), -EINVAL);
	assert_int_equal(applier_reset(f->a, id), 0);
	assert_int_equal(applier_rev(f->a), 0);
	assert_string_equal(applier_store_id(f->a), id);
	assert_int_equal(map_count(f->maps.fd[TN_MAP_LPORT], 4), 2); /* maps kept */
	assert_int_equal(applier_snapshot(f->a, 3, rows, n), 0);
	fp = fopen(f->rev_path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_string_equal(line, "3 00112233445566778899aabbccddeeff\n");
	applier_destroy(&f->a);
	f->a = applier_new(&f->maps, f->rev_path, true, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_rev(f->a), 3);
	assert_string_equal(applier_store_id(f->a), id);
	/* a file from before identities */
	applier_destroy(&f->a);
	fp = fopen(f->rev_path, "w");
	assert_non_null(fp);
	fputs("7\n", fp);
	fclose(fp);
	f->a = applier_new(&f->maps, f->rev_path, true, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_rev(f->a), 7);
	assert_string_equal(applier_store_id(f->a), "");
}

/* The content of f's state file, whole (at most size - 1 bytes). */
static const char *rev_content(struct fx *f, char *buf, size_t size)
{
	FILE *fp = fopen(f->rev_path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static ino_t rev_inode(struct fx *f)
{
	struct stat st;

	assert_int_equal(stat(f->rev_path, &st), 0);
	return st.st_ino;
}

/* The state file is one file rewritten in place (no new file per update):
 * a shorter record leaves nothing of the longer one, and the loader reads
 * the first line only (what a process that died between the write and the
 * truncation leaves after it) and nothing that is not a whole line. */
static void test_rev_file_in_place(void **state)
{
	static const char id1[] = "00112233445566778899aabbccddeeff";
	static const char id2[] = "ffeeddccbbaa99887766554433221100";
	struct fx *f = *state;
	struct wire_row rows[16];
	size_t n = base_rows(rows);
	char buf[256];
	ino_t ino;
	FILE *fp;

	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	assert_string_equal(rev_content(f, buf, sizeof(buf)), "5\n");
	ino = rev_inode(f);
	assert_int_equal(applier_reset(f->a, id1), 0);
	assert_int_equal(applier_snapshot(f->a, 1234567, rows, n), 0);
	assert_string_equal(rev_content(f, buf, sizeof(buf)),
			    "1234567 00112233445566778899aabbccddeeff\n");
	assert_int_equal(applier_reset(f->a, id2), 0);
	assert_string_equal(rev_content(f, buf, sizeof(buf)),
			    "0 ffeeddccbbaa99887766554433221100\n");
	assert_int_equal(applier_delta(f->a, 0, 1, NULL, 0), 0);
	assert_string_equal(rev_content(f, buf, sizeof(buf)),
			    "1 ffeeddccbbaa99887766554433221100\n");
	assert_true(rev_inode(f) == ino); /* the same file throughout */
	applier_destroy(&f->a);

	/* a record followed by the end of a longer one */
	fp = fopen(f->rev_path, "w");
	assert_non_null(fp);
	fputs("42 00112233445566778899aabbccddeeff\n3 ffeeddccbbaa99887766554433221100\n", fp);
	fclose(fp);
	f->a = applier_new(&f->maps, f->rev_path, true, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_rev(f->a), 42);
	assert_string_equal(applier_store_id(f->a), id1);
	applier_destroy(&f->a);

	/* no whole line: no revision */
	fp = fopen(f->rev_path, "w");
	assert_non_null(fp);
	fputs("12", fp);
	fclose(fp);
	f->a = applier_new(&f->maps, f->rev_path, true, &f->ops);
	assert_non_null(f->a);
	assert_int_equal(applier_rev(f->a), 0);
	assert_string_equal(applier_store_id(f->a), "");
	/* the next record replaces it whole */
	assert_int_equal(applier_snapshot(f->a, 7, rows, n), 0);
	assert_string_equal(rev_content(f, buf, sizeof(buf)), "7\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_snapshot_fills_derived, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_trimmed, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_side_writer, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_delta_and_gap, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_links_fill_ifindex, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_reconciles, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flood_pages, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_restart_rebuilds, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_port_slots, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_store_id_kept, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_ports_swap, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rev_file_in_place, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
