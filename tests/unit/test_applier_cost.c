/* test_applier_cost.c - an update costs the agent what it names: the map
 * calls (bpf() syscalls) of a one-port delta or a one-interface link event
 * are counted, at link time (--wrap, tests/unit/CMakeLists.txt), with 20
 * and with 200 ports bound on the fake datapath (agent/fakedp.c), and must
 * be the same small number. Also: a snapshot still prunes what it lacks,
 * and a revision file that cannot be written is reported, not acked; a
 * large snapshot is written with batch calls, and lands the same when
 * they are refused (the wrappers can refuse them).
 * Needs root (bpf()). */
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "fixture_applier.h"
#include <linux/types.h>

#include "applier.h"
#include "fakedp.h"
#include "tenet_abi.h"
#include "wire.h"

#define VNI	  100
#define MAX_PORTS 200
#define IFX_BASE  1000 /* port i's interface p<i> has index IFX_BASE + i */
#define IFX_MOVED 5000 /* q<i> has index IFX_MOVED + i */
#define BOUND	  8    /* map calls one port may cost, at most */

/* Map calls made through libbpf, by kind. */
struct calls {
	unsigned update;       /* bpf_map_update_elem */
	unsigned del;	       /* bpf_map_delete_elem */
	unsigned lookup;       /* bpf_map_lookup_elem */
	unsigned next;	       /* bpf_map_get_next_key */
	unsigned update_batch; /* bpf_map_update_batch */
	unsigned del_batch;    /* bpf_map_delete_batch */
	unsigned batch_elems;  /* elements the batch calls were given */
};

static struct calls calls;

/* Nonzero: the batch calls fail with this errno, doing nothing (a kernel
 * or map without them). */
static int batch_refuse;

int __real_bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags);
int __real_bpf_map_delete_elem(int fd, const void *key);
int __real_bpf_map_lookup_elem(int fd, const void *key, void *value);
int __real_bpf_map_get_next_key(int fd, const void *key, void *next_key);

int __wrap_bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	calls.update++;
	return __real_bpf_map_update_elem(fd, key, value, flags);
}

int __wrap_bpf_map_delete_elem(int fd, const void *key)
{
	calls.del++;
	return __real_bpf_map_delete_elem(fd, key);
}

int __wrap_bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	calls.lookup++;
	return __real_bpf_map_lookup_elem(fd, key, value);
}

int __wrap_bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	calls.next++;
	return __real_bpf_map_get_next_key(fd, key, next_key);
}

int __real_bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
				const struct bpf_map_batch_opts *opts);
int __real_bpf_map_delete_batch(int fd, const void *keys, __u32 *count,
				const struct bpf_map_batch_opts *opts);

int __wrap_bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
				const struct bpf_map_batch_opts *opts)
{
	calls.update_batch++;
	calls.batch_elems += *count;
	if (batch_refuse) {
		*count = 0;
		errno = batch_refuse;
		return -batch_refuse;
	}
	return __real_bpf_map_update_batch(fd, keys, values, count, opts);
}

int __wrap_bpf_map_delete_batch(int fd, const void *keys, __u32 *count,
				const struct bpf_map_batch_opts *opts)
{
	calls.del_batch++;
	calls.batch_elems += *count;
	if (batch_refuse) {
		*count = 0;
		errno = batch_refuse;
		return -batch_refuse;
	}
	return __real_bpf_map_delete_batch(fd, keys, count, opts);
}

static unsigned calls_total(void)
{
	return calls.update + calls.del + calls.lookup + calls.next + calls.update_batch +
	       calls.del_batch;
}

static void calls_reset(void)
{
	memset(&calls, 0, sizeof(calls));
}

/* Test fixture: n ports bound to p1..pn on the fake datapath. */
struct fx {
	struct fakedp *dp;			  /* the maps */
	struct applier_maps maps;		  /* their fds, plus port_stats */
	int port_stats_fd;			  /* tn_port_stats stand-in */
	char dir[64];				  /* temp dir */
	char rev_path[128];			  /* revision file */
	uint32_t n;				  /* ports */
	bool up[MAX_PORTS + 1];			  /* p<i> exists */
	bool moved_up[MAX_PORTS + 1];		  /* q<i> exists */
	unsigned changes;			  /* port_changed calls */
	uint32_t last_port;			  /* port of the last one */
	uint32_t last_ifindex;			  /* its ifindex */
	struct applier *a;			  /* under test */
	struct wire_row rows[4 * MAX_PORTS + 16]; /* the snapshot */
	size_t n_rows;				  /* used entries of rows */
	uint64_t rev;				  /* applied revision */
};

static uint32_t fx_resolve(void *arg, const char *name)
{
	struct fx *f = arg;
	unsigned i;

	if (sscanf(name, "p%u", &i) == 1 && i >= 1 && i <= f->n && f->up[i])
		return IFX_BASE + i;
	if (sscanf(name, "q%u", &i) == 1 && i >= 1 && i <= f->n && f->moved_up[i])
		return IFX_MOVED + i;
	return 0;
}

static void fx_changed(void *arg, uint32_t port_id, const char *ifname, uint32_t ifindex)
{
	struct fx *f = arg;

	f->changes++;
	f->last_port = port_id;
	f->last_ifindex = ifindex;
}

static void port_mac(uint32_t port_id, uint8_t gen, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = gen;
	mac[2] = 0;
	mac[3] = 0;
	mac[4] = (uint8_t)(port_id >> 8);
	mac[5] = (uint8_t)port_id;
}

static struct wire_row lport_row(uint32_t port_id, const char *ifname, uint8_t gen)
{
	struct wire_row r = fixture_row(TN_MAP_LPORT, WIRE_OP_UPSERT);
	struct tn_lport v = {.vni = VNI, .flags = TN_LPORT_F_PORT_SECURITY};

	memcpy(r.key, &port_id, 4);
	port_mac(port_id, gen, v.mac);
	v.ip4 = htonl(0x0a000000 | port_id);
	snprintf(v.ifname, sizeof(v.ifname), "%s", ifname);
	memcpy(r.val, &v, sizeof(v)); /* wire_row.val is not aligned */
	return r;
}

static struct wire_row fdb_row(uint8_t op, uint32_t port_id, uint8_t gen)
{
	struct wire_row r = fixture_row(TN_MAP_FDB, op);
	struct tn_fdb_key k = {.vni = VNI};
	struct tn_fdb v = {.port_id = port_id};

	port_mac(port_id, gen, k.mac);
	memcpy(r.key, &k, sizeof(k));
	if (op == WIRE_OP_DELETE)
		return r;
	v.flags = TN_FDB_F_LOCAL | TN_FDB_F_PORT_SECURITY;
	v.ip4 = htonl(0x0a000000 | port_id);
	memcpy(r.val, &v, sizeof(v));
	return r;
}

/* FLOOD page `page`: ports page * 32 + 1 .. up to n. */
static struct wire_row flood_row(uint32_t page, uint32_t n)
{
	struct wire_row r = fixture_row(TN_MAP_FLOOD, WIRE_OP_UPSERT);
	struct tn_flood_key k = {.vni = VNI, .page = page};
	struct tn_flood v = {.n_remote = 1, .remote_ip4 = {htonl(0xc6120002)}};

	for (uint32_t p = page * TN_MAX_FLOOD_LOCAL + 1; p <= n && v.n_local < TN_MAX_FLOOD_LOCAL;
	     p++)
		v.local_port[v.n_local++] = p;
	memcpy(r.key, &k, sizeof(k));
	memcpy(r.val, &v, sizeof(v));
	return r;
}

static struct wire_row arp_row(uint32_t port_id)
{
	struct wire_row r = fixture_row(TN_MAP_ARP, WIRE_OP_UPSERT);
	struct tn_arp_key k = {.vni = VNI, .ip4 = htonl(0x0a000000 | port_id)};

	memcpy(r.key, &k, sizeof(k));
	port_mac(port_id, 0, r.val);
	return r;
}

static void fx_teardown(struct fx *f);

/* Fixtures alive, so that a failed test still removes what it made. */
static struct fx *live[2];

static void live_add(struct fx *f)
{
	for (size_t i = 0; i < 2; i++) {
		if (!live[i]) {
			live[i] = f;
			return;
		}
	}
	fail_msg("too many fixtures");
}

static int live_cleanup(void **state)
{
	batch_refuse = 0;
	for (size_t i = 0; i < 2; i++)
		if (live[i])
			fx_teardown(live[i]);
	return 0;
}

/* n ports, all with their interface up, applied by a snapshot at rev 1. */
static struct fx *fx_new(uint32_t n)
{
	struct applier_ops ops = {.resolve = fx_resolve, .port_changed = fx_changed};
	struct fx *f = calloc(1, sizeof(*f));
	char name[16];

	assert_non_null(f);
	live_add(f);
	f->n = n;
	f->port_stats_fd = -1;
	f->dp = fakedp_new();
	assert_non_null(f->dp);
	fakedp_map_fds(f->dp, &f->maps);
	f->port_stats_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, NULL, 4,
					  sizeof(struct tn_port_stats), 1024, NULL);
	assert_true(f->port_stats_fd >= 0);
	f->maps.fd[TN_MAP_PORT_STATS] = f->port_stats_fd;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_applier_cost.XXXXXX");
	if (!mkdtemp(f->dir))
		f->dir[0] = '\0';
	assert_true(f->dir[0]);
	snprintf(f->rev_path, sizeof(f->rev_path), "%s/h1.rev", f->dir);
	for (uint32_t i = 1; i <= n; i++) {
		f->up[i] = true;
		snprintf(name, sizeof(name), "p%u", i);
		f->rows[f->n_rows++] = lport_row(i, name, 0);
		f->rows[f->n_rows++] = fdb_row(WIRE_OP_UPSERT, i, 0);
		f->rows[f->n_rows++] = arp_row(i);
	}
	for (uint32_t page = 0; page * TN_MAX_FLOOD_LOCAL < n; page++)
		f->rows[f->n_rows++] = flood_row(page, n);
	ops.arg = f;
	f->a = applier_new(&f->maps, f->rev_path, true, &ops);
	assert_non_null(f->a);
	assert_int_equal(applier_refresh_links(f->a), 0);
	f->rev = 1;
	assert_int_equal(applier_snapshot(f->a, f->rev, f->rows, f->n_rows), 0);
	assert_int_equal(f->changes, n);
	f->changes = 0;
	return f;
}

static void fx_teardown(struct fx *f)
{
	char tmp[160];

	for (size_t i = 0; i < 2; i++)
		if (live[i] == f)
			live[i] = NULL;
	applier_destroy(&f->a);
	fakedp_destroy(&f->dp);
	if (f->port_stats_fd >= 0)
		close(f->port_stats_fd);
	unlink(f->rev_path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->rev_path);
	rmdir(tmp); /* the save-failure test's obstacle, if it failed */
	unlink(tmp);
	if (f->dir[0])
		rmdir(f->dir);
	free(f);
}

/* Applies d[0..n) as the next delta; returns its map calls. */
static unsigned fx_delta(struct fx *f, const struct wire_row *d, size_t n)
{
	calls_reset();
	assert_int_equal(applier_delta(f->a, f->rev, f->rev + 1, d, n), 0);
	f->rev++;
	return calls_total();
}

/* Interface name changed; returns the map calls of handling it. */
static unsigned fx_link(struct fx *f, const char *name)
{
	const char *names[] = {name};

	calls_reset();
	assert_int_equal(applier_links_changed(f->a, names, 1), 0);
	return calls_total();
}

static struct tn_ifport ifport_get(struct fx *f, uint32_t ifindex)
{
	struct tn_ifport v;

	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifindex, &v), 0);
	return v;
}

static bool ifport_present(struct fx *f, uint32_t ifindex)
{
	struct tn_ifport v;

	return bpf_map_lookup_elem(f->maps.fd[TN_MAP_IFINDEX], &ifindex, &v) == 0;
}

static struct tn_fdb fdb_get(struct fx *f, uint32_t port_id, uint8_t gen)
{
	struct tn_fdb_key k = {.vni = VNI};
	struct tn_fdb v;

	port_mac(port_id, gen, k.mac);
	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_FDB], &k, &v), 0);
	return v;
}

static struct tn_flood flood_get(struct fx *f, uint32_t page)
{
	struct tn_flood_key k = {.vni = VNI, .page = page};
	struct tn_flood v;

	assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_FLOOD], &k, &v), 0);
	return v;
}

/* A port gets a new MAC: its LPORT row, its FDB entry (old key deleted,
 * new one written) and its tn_ifindex entry; nothing else. */
static unsigned cost_mac_change(uint32_t n, uint32_t port)
{
	struct fx *f = fx_new(n);
	struct wire_row d[3];
	struct tn_ifport other = ifport_get(f, IFX_BASE + 1), after;
	uint8_t mac[6];
	char name[16];
	unsigned cost;

	snprintf(name, sizeof(name), "p%u", port);
	d[0] = lport_row(port, name, 1);
	d[1] = fdb_row(WIRE_OP_DELETE, port, 0);
	d[2] = fdb_row(WIRE_OP_UPSERT, port, 1);
	cost = fx_delta(f, d, 3);
	assert_int_equal(calls.update, 3);
	assert_int_equal(calls.del, 1);
	assert_int_equal(calls.next, 0); /* no map walked */
	port_mac(port, 1, mac);
	assert_memory_equal(ifport_get(f, IFX_BASE + port).mac, mac, 6);
	assert_int_equal(fdb_get(f, port, 1).ifindex, IFX_BASE + port);
	assert_int_equal(fdb_get(f, port, 1).slot, ifport_get(f, IFX_BASE + port).slot);
	after = ifport_get(f, IFX_BASE + 1);
	assert_memory_equal(&other, &after, sizeof(other));
	assert_int_equal(f->changes, 0); /* same interface: no reattach */
	fx_teardown(f);
	return cost;
}

/* A port is bound to another interface: its LPORT row, its slot (the
 * pinned one looked up, a fresh one zeroed), its old tn_ifindex entry
 * deleted and the new one written, and the rows naming it (its FDB entry,
 * its FLOOD page) rewritten. */
static unsigned cost_rebind(uint32_t n, uint32_t port)
{
	struct fx *f = fx_new(n);
	struct wire_row d[1];
	uint32_t page = (port - 1) / TN_MAX_FLOOD_LOCAL, at = (port - 1) % TN_MAX_FLOOD_LOCAL;
	char name[16];
	unsigned cost;

	snprintf(name, sizeof(name), "q%u", port);
	f->moved_up[port] = true;
	d[0] = lport_row(port, name, 0);
	cost = fx_delta(f, d, 1);
	assert_int_equal(calls.next, 0);
	assert_false(ifport_present(f, IFX_BASE + port));
	assert_int_equal(ifport_get(f, IFX_MOVED + port).port_id, port);
	assert_int_equal(fdb_get(f, port, 0).ifindex, IFX_MOVED + port);
	assert_int_equal(flood_get(f, page).local_ifindex[at], IFX_MOVED + port);
	assert_int_equal(flood_get(f, page).local_slot[at], ifport_get(f, IFX_MOVED + port).slot);
	/* released, then attached at the new interface */
	assert_int_equal(f->changes, 2);
	assert_int_equal(f->last_port, port);
	assert_int_equal(f->last_ifindex, IFX_MOVED + port);
	fx_teardown(f);
	return cost;
}

/* One port's interface goes, then comes back: only that port's FDB entry,
 * FLOOD page and tn_ifindex entry (and its slot) are touched. */
static void cost_link(uint32_t n, uint32_t port, unsigned *down, unsigned *up)
{
	struct fx *f = fx_new(n);
	uint32_t page = (port - 1) / TN_MAX_FLOOD_LOCAL, at = (port - 1) % TN_MAX_FLOOD_LOCAL;
	char name[16];

	snprintf(name, sizeof(name), "p%u", port);
	f->up[port] = false;
	*down = fx_link(f, name);
	assert_int_equal(calls.next, 0);
	assert_int_equal(f->changes, 1);
	assert_int_equal(f->last_ifindex, 0);
	assert_false(ifport_present(f, IFX_BASE + port));
	assert_int_equal(fdb_get(f, port, 0).ifindex, 0);
	assert_int_equal(fdb_get(f, port, 0).slot, 0);
	assert_int_equal(flood_get(f, page).local_ifindex[at], 0);
	assert_int_equal(fdb_get(f, 1, 0).ifindex, IFX_BASE + 1); /* others stay */

	f->up[port] = true;
	*up = fx_link(f, name);
	assert_int_equal(calls.next, 0);
	assert_int_equal(f->changes, 2);
	assert_int_equal(f->last_ifindex, IFX_BASE + port);
	assert_int_equal(ifport_get(f, IFX_BASE + port).port_id, port);
	assert_int_equal(fdb_get(f, port, 0).ifindex, IFX_BASE + port);
	assert_int_equal(flood_get(f, page).local_ifindex[at], IFX_BASE + port);

	/* a name no port is bound to costs nothing */
	assert_int_equal(fx_link(f, "eth9"), 0);
	assert_int_equal(f->changes, 2);
	fx_teardown(f);
}

static void test_delta_cost(void **state)
{
	unsigned small = cost_mac_change(20, 7), large = cost_mac_change(MAX_PORTS, 7);

	print_message("one-port MAC change: %u map calls with 20 ports, %u with %u\n", small, large,
		      MAX_PORTS);
	assert_int_equal(small, large);
	assert_true(large <= BOUND);
}

static void test_rebind_cost(void **state)
{
	unsigned small = cost_rebind(20, 7), large = cost_rebind(MAX_PORTS, 7);

	print_message("one-port rebind: %u map calls with 20 ports, %u with %u\n", small, large,
		      MAX_PORTS);
	assert_int_equal(small, large);
	assert_true(large <= BOUND);
}

static void test_link_cost(void **state)
{
	unsigned down20, up20, down200, up200;

	cost_link(20, 7, &down20, &up20);
	cost_link(MAX_PORTS, 7, &down200, &up200);
	print_message("one link down/up: %u/%u map calls with 20 ports, %u/%u with %u\n", down20,
		      up20, down200, up200, MAX_PORTS);
	assert_int_equal(down20, down200);
	assert_int_equal(up20, up200);
	assert_true(down200 <= BOUND && up200 <= BOUND);
}

/* An empty delta (a new revision for other hosts) touches no map. */
static void test_empty_delta_cost(void **state)
{
	struct fx *f = fx_new(MAX_PORTS);

	assert_int_equal(fx_delta(f, NULL, 0), 0);
	fx_teardown(f);
}

/* A snapshot still reconciles: a tn_ifindex entry no port owns, an ARP
 * entry and a port it lacks are deleted. */
static void test_snapshot_prunes(void **state)
{
	struct fx *f = fx_new(20);
	struct tn_ifport stray = {.port_id = 999};
	struct tn_arp_key ak = {.vni = VNI, .ip4 = htonl(0x0b000001)};
	struct tn_arp av;
	uint32_t ifx = 4242;

	memset(&av, 0, sizeof(av));
	assert_int_equal(bpf_map_update_elem(f->maps.fd[TN_MAP_IFINDEX], &ifx, &stray, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(f->maps.fd[TN_MAP_ARP], &ak, &av, BPF_ANY), 0);
	/* port 20 left the host: its three rows go, its FLOOD page shrinks */
	f->n_rows = 3 * 19;
	f->rows[f->n_rows++] = flood_row(0, 19);
	assert_int_equal(applier_snapshot(f->a, 2, f->rows, f->n_rows), 0);
	assert_false(ifport_present(f, ifx));
	assert_false(ifport_present(f, IFX_BASE + 20));
	assert_true(ifport_present(f, IFX_BASE + 19));
	assert_int_not_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_ARP], &ak, &av), 0);
	assert_int_equal(f->changes, 1);
	assert_int_equal(f->last_port, 20);
	assert_int_equal(f->last_ifindex, 0);
	fx_teardown(f);
}

static uint64_t rev_file(struct fx *f)
{
	return fixture_rev_file(f->rev_path);
}

/* Makes every write to a regular file fail with EFBIG (on) or lifts that
 * again (off): a write error on the state file, also as root. */
static void writes_fail(bool on)
{
	static struct rlimit saved;
	struct rlimit none = {0, 0};

	if (on) {
		assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
		none.rlim_max = saved.rlim_max;
		signal(SIGXFSZ, SIG_IGN);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &none), 0);
	} else {
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	}
}

/* A revision that cannot be recorded is applied but reported: the delta
 * returns the error (the agent does not ack it), the file keeps the last
 * recorded revision, the failure is counted; the next delta records and
 * returns 0 once the file can be written again. */
static void test_rev_save_failure(void **state)
{
	struct fx *f = fx_new(20);
	struct wire_row d[1];
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->rev_path);
	writes_fail(true);
	d[0] = lport_row(7, "p7", 1);
	assert_int_equal(applier_delta(f->a, 1, 2, d, 1), -EFBIG);
	assert_int_equal(applier_rev(f->a), 2); /* applied: the maps hold it */
	assert_int_equal(rev_file(f), 1);	/* but not recorded */
	assert_int_equal(applier_rev_save_errors(f->a), 1);
	assert_int_equal(ifport_get(f, IFX_BASE + 7).mac[1], 1);
	/* a snapshot is held to the same rule */
	assert_int_equal(applier_snapshot(f->a, 3, f->rows, f->n_rows), -EFBIG);
	assert_int_equal(applier_rev(f->a), 3);
	assert_int_equal(applier_rev_save_errors(f->a), 2);
	writes_fail(false);
	assert_int_equal(applier_delta(f->a, 3, 4, NULL, 0), 0);
	assert_int_equal(rev_file(f), 4);
	assert_int_equal(applier_rev_save_errors(f->a), 2);
	assert_int_equal(access(tmp, F_OK), -1); /* nothing left behind */
	fx_teardown(f);
}

#define BIG_PORTS 600 /* a batched snapshot's ports: runs longer than a batch call */

/* Port id of big_snapshot's i-th port: the fixture's 1..n, then ids
 * scattered over 0x8000..0xffff (distinct, and distinct MACs), so that the
 * port table sees collisions. */
static uint32_t big_id(uint32_t i)
{
	return i <= MAX_PORTS ? i : 0x8000 | ((i * 40503u) & 0x7fff);
}

/* A snapshot sorted by map, as the controller sends it: the LPORT, FDB
 * and ARP rows of ports 1..BIG_PORTS (only the fixture's first n have an
 * interface) and the FLOOD page of the first TN_MAX_FLOOD_LOCAL. Returns
 * the rows (caller frees) and their count in *n_rows. */
static struct wire_row *big_snapshot(size_t *n_rows)
{
	struct wire_row *rows = calloc(3 * BIG_PORTS + 1, sizeof(*rows));
	char name[16];
	size_t n = 0;

	assert_non_null(rows);
	for (uint32_t i = 1; i <= BIG_PORTS; i++) {
		snprintf(name, sizeof(name), "p%u", i);
		rows[n++] = lport_row(big_id(i), name, 0);
	}
	for (uint32_t i = 1; i <= BIG_PORTS; i++)
		rows[n++] = fdb_row(WIRE_OP_UPSERT, big_id(i), 0);
	for (uint32_t i = 1; i <= BIG_PORTS; i++)
		rows[n++] = arp_row(big_id(i));
	rows[n++] = flood_row(0, TN_MAX_FLOOD_LOCAL);
	*n_rows = n;
	return rows;
}

/* Every row of big_snapshot is in the maps, derived fields filled in for
 * the fixture's ports with an interface, and nothing else is. */
static void big_check(struct fx *f)
{
	long counts[] = {[TN_MAP_LPORT] = BIG_PORTS,
			 [TN_MAP_FDB] = BIG_PORTS,
			 [TN_MAP_ARP] = BIG_PORTS,
			 [TN_MAP_FLOOD] = 1};
	struct tn_flood fl = flood_get(f, 0);

	for (uint32_t i = 1; i <= BIG_PORTS; i++) {
		uint32_t id = big_id(i);
		struct tn_arp_key ak = {.vni = VNI, .ip4 = htonl(0x0a000000 | id)};
		uint32_t ifindex = i <= f->n ? IFX_BASE + i : 0;
		struct tn_lport lp;
		struct tn_arp av;
		struct tn_fdb fdb = fdb_get(f, id, 0);

		assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_LPORT], &id, &lp), 0);
		assert_int_equal(lp.ip4, htonl(0x0a000000 | id));
		assert_int_equal(fdb.port_id, id);
		assert_int_equal(fdb.ifindex, ifindex);
		assert_int_equal(fdb.slot, ifindex ? ifport_get(f, ifindex).slot : 0);
		assert_int_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_ARP], &ak, &av), 0);
	}
	assert_int_equal(fl.n_local, TN_MAX_FLOOD_LOCAL);
	for (uint32_t i = 0; i < TN_MAX_FLOOD_LOCAL; i++)
		assert_int_equal(fl.local_ifindex[i], i + 1 <= f->n ? IFX_BASE + i + 1 : 0);
	for (uint8_t m = TN_MAP_LPORT; m <= TN_MAP_FLOOD; m++) {
		uint8_t key[WIRE_KEY_MAX];
		const void *prev = NULL;
		long nk = 0;

		while (bpf_map_get_next_key(f->maps.fd[m], prev, key) == 0) {
			nk++;
			prev = key;
		}
		assert_int_equal(nk, counts[m]);
	}
}

/* Times port_seen saw each port id. */
static unsigned seen[0x10000];

/* Every third port's LPORT row. */
static struct wire_row sparse[BIG_PORTS];
static size_t n_sparse;

static void port_seen(void *arg, const struct applier_port *port)
{
	if (port->port_id < 0x10000)
		seen[port->port_id]++;
}

/* A large snapshot (runs of 600 rows of one map) is written with batch
 * calls, a few hundred rows each, and lands completely: its cost is not a
 * call per row. */
static void test_snapshot_batched(void **state)
{
	struct fx *f = fx_new(20);
	size_t n;
	struct wire_row *rows = big_snapshot(&n);

	calls_reset();
	assert_int_equal(applier_snapshot(f->a, 2, rows, n), 0);
	print_message("snapshot of %zu rows: %u map calls (%u batch calls of %u rows)\n", n,
		      calls_total(), calls.update_batch + calls.del_batch, calls.batch_elems);
	assert_true(calls.update_batch >= 3 * 3); /* 600 rows: 3 calls a map at least */
	assert_int_equal(calls.batch_elems, 3 * BIG_PORTS);
	assert_true(calls_total() < n / 10);
	big_check(f);
	/* applied again: the same rows, nothing stale, still batched */
	calls_reset();
	assert_int_equal(applier_snapshot(f->a, 3, rows, n), 0);
	assert_int_equal(calls.del + calls.del_batch, 0);
	assert_int_equal(calls.batch_elems, 3 * BIG_PORTS);
	big_check(f);
	/* back to the fixture's rows: the other 580 ports' rows go, batched */
	calls_reset();
	assert_int_equal(applier_snapshot(f->a, 4, f->rows, f->n_rows), 0);
	assert_true(calls.del_batch >= 3);
	assert_true(calls.del < 10);
	for (uint32_t i = f->n + 1; i <= BIG_PORTS; i++) {
		uint32_t id = big_id(i);
		struct tn_lport lp;

		assert_int_not_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_LPORT], &id, &lp), 0);
	}
	/* the port table dropped 580 ports: the 20 left are each found once */
	memset(seen, 0, sizeof(seen));
	applier_port_foreach(f->a, port_seen, NULL);
	for (uint32_t i = 1; i <= BIG_PORTS; i++)
		assert_int_equal(seen[big_id(i)], i <= f->n ? 1 : 0);
	/* and the large snapshot lands again on top */
	assert_int_equal(applier_snapshot(f->a, 5, rows, n), 0);
	big_check(f);
	/* every third port stays, the others leave; each is then found again
	 * by the next snapshot, not bound twice */
	for (size_t i = 0, j = 0; i < n; i++) {
		uint32_t id;

		memcpy(&id, rows[i].key, sizeof(id));
		if (rows[i].map == TN_MAP_LPORT && id % 3 == 0)
			sparse[j++] = rows[i];
		n_sparse = j;
	}
	assert_int_equal(applier_snapshot(f->a, 6, sparse, n_sparse), 0);
	assert_int_equal(applier_snapshot(f->a, 7, rows, n), 0);
	big_check(f);
	memset(seen, 0, sizeof(seen));
	applier_port_foreach(f->a, port_seen, NULL);
	for (uint32_t i = 1; i <= BIG_PORTS; i++)
		assert_int_equal(seen[big_id(i)], 1);
	free(rows);
	fx_teardown(f);
}

/* Batch calls refused (ENOTSUPP: a map type without them; EINVAL: a
 * kernel before them): one refused call a map, then single calls, and the
 * snapshot lands just the same. */
static void refused(int err)
{
	struct fx *f = fx_new(20);
	size_t n;
	struct wire_row *rows = big_snapshot(&n);

	batch_refuse = err;
	calls_reset();
	assert_int_equal(applier_snapshot(f->a, 2, rows, n), 0);
	assert_int_equal(calls.update_batch, 3); /* LPORT, FDB, ARP: once each */
	assert_true(calls.update >= 3 * BIG_PORTS);
	big_check(f);
	/* the maps stay on single calls: deletes too */
	calls_reset();
	assert_int_equal(applier_snapshot(f->a, 3, f->rows, f->n_rows), 0);
	assert_int_equal(calls.update_batch + calls.del_batch, 0);
	assert_int_equal(calls.del, 3 * (BIG_PORTS - f->n));
	batch_refuse = 0;
	free(rows);
	fx_teardown(f);
}

static void test_snapshot_batch_refused(void **state)
{
	refused(524); /* the kernel's ENOTSUPP */
	refused(EINVAL);
}

/* A run of deletes whose first key is absent: the batch call stops there
 * (ENOENT), which is no error; the rest of the run is deleted. */
static void test_batch_delete_absent(void **state)
{
	struct fx *f = fx_new(20);
	struct wire_row d[3];

	d[0] = fdb_row(WIRE_OP_DELETE, 7, 9); /* never written */
	d[1] = fdb_row(WIRE_OP_DELETE, 8, 0);
	d[2] = fdb_row(WIRE_OP_DELETE, 9, 0);
	fx_delta(f, d, 3);
	assert_int_equal(calls.del_batch, 2); /* stopped at the first, then the rest */
	for (uint32_t i = 8; i <= 9; i++) {
		struct tn_fdb_key k = {.vni = VNI};
		struct tn_fdb v;

		port_mac(i, 0, k.mac);
		assert_int_not_equal(bpf_map_lookup_elem(f->maps.fd[TN_MAP_FDB], &k, &v), 0);
	}
	assert_int_equal(fdb_get(f, 7, 0).port_id, 7);
	fx_teardown(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_delta_cost, live_cleanup),
	    cmocka_unit_test_teardown(test_rebind_cost, live_cleanup),
	    cmocka_unit_test_teardown(test_link_cost, live_cleanup),
	    cmocka_unit_test_teardown(test_empty_delta_cost, live_cleanup),
	    cmocka_unit_test_teardown(test_snapshot_prunes, live_cleanup),
	    cmocka_unit_test_teardown(test_rev_save_failure, live_cleanup),
	    cmocka_unit_test_teardown(test_snapshot_batched, live_cleanup),
	    cmocka_unit_test_teardown(test_snapshot_batch_refused, live_cleanup),
	    cmocka_unit_test_teardown(test_batch_delete_absent, live_cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
