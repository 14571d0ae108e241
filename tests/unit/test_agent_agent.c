/* test_agent_agent.c - the whole agent (loader, link monitor, applier,
 * southbound session) in a private network and mount namespace made here,
 * against an in-process CURVE ROUTER playing the controller: SNAPSHOT ->
 * ACK, derived maps filled for a port that exists, STATUS up/down as its
 * interface goes and comes back, and a restart that says its revision.
 * Needs root. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>
#include <czmq.h>
#include <event2/event.h>
#include <linux/types.h>

#include "agent.h"
#include "fixture_controller.h"
#include "loader.h"
#include "tenet_abi.h"
#include "wire.h"

static char dir[64] = "/tmp/test_agent_agent.XXXXXX";
static char bpffs[128], state[128];

/* Test fixture. */
struct fx {
	struct event_base *base; /* the agent's loop */
	zcert_t *server_cert;	 /* fake controller's key pair */
	zcert_t *client_cert;	 /* agent's key pair */
	zsock_t *router;	 /* the fake controller */
	zframe_t *rid;		 /* agent's routing id */
	struct agent *ag;	 /* under test */
};

static int sh(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

static int group_setup(void **state_)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) || !mkdtemp(dir))
		return -1;
	snprintf(bpffs, sizeof(bpffs), "%s/bpf", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	zsys_handler_set(NULL);
	if (sh("ip link set lo up && ip link add ul0 type veth peer name ul1 && "
	       "ip addr add 198.18.6.1/24 dev ul0 && ip link set ul0 up && "
	       "ip link add vm1h type veth peer name vm1p && ip link set vm1h up")) {
		rmdir(dir); /* no group teardown after a failed setup */
		return -1;
	}
	return 0;
}

static int group_teardown(void **state_)
{
	char cmd[256];

	loader_remove(bpffs, "t2", "tnl0");
	umount2(bpffs, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return sh(cmd);
}

static void fx_start_agent(struct fx *f)
{
	struct agent_config cfg = {.host = "t2",
				   .endpoint = zsock_endpoint(f->router),
				   .server_key = zcert_public_txt(f->server_cert),
				   .cert = f->client_cert,
				   .underlay = "ul0",
				   .tunnel_dev = "tnl0",
				   .bpffs = bpffs,
				   .state_dir = state,
				   .status_ms = 200};

	f->ag = agent_new(f->base, &cfg);
	assert_non_null(f->ag);
}

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->base = event_base_new();
	f->server_cert = zcert_new();
	f->client_cert = zcert_new();
	f->router = fake_controller_new(f->server_cert);
	fx_start_agent(f);
	return f;
}

static void fx_free(struct fx *f)
{
	agent_destroy(&f->ag);
	zframe_destroy(&f->rid);
	zsock_destroy(&f->router);
	zcert_destroy(&f->server_cert);
	zcert_destroy(&f->client_cert);
	event_base_free(f->base);
	free(f);
}

/* Runs the agent's loop until the router gets a message of type for which
 * ok(m) holds (NULL: any), up to timeout_ms. Fills *m (release). */
static bool fx_expect(struct fx *f, enum wire_type type, bool (*ok)(const struct wire_msg *),
		      struct wire_msg *m, int timeout_ms)
{
	return fake_controller_expect(f->base, f->router, &f->rid, type, ok, m, timeout_ms);
}

static void fx_send(struct fx *f, const struct wire_msg *m)
{
	fake_controller_send(f->router, f->rid, m);
}

static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 0x71};

static void rows_make(struct wire_row *rows)
{
	struct tn_lport lp = {.vni = 100};
	struct tn_fdb_key fk = {.vni = 100};
	struct tn_fdb fv = {.port_id = 7, .flags = TN_FDB_F_LOCAL};
	uint32_t port = 7;

	memcpy(lp.mac, mac1, 6);
	strcpy(lp.ifname, "vm1h");
	memcpy(fk.mac, mac1, 6);
	memset(rows, 0, 2 * sizeof(*rows));
	rows[0].map = TN_MAP_LPORT;
	rows[0].op = WIRE_OP_UPSERT;
	wire_map_sizes(TN_MAP_LPORT, &rows[0].key_len, &rows[0].val_len);
	memcpy(rows[0].key, &port, 4);
	memcpy(rows[0].val, &lp, sizeof(lp));
	rows[1].map = TN_MAP_FDB;
	rows[1].op = WIRE_OP_UPSERT;
	wire_map_sizes(TN_MAP_FDB, &rows[1].key_len, &rows[1].val_len);
	memcpy(rows[1].key, &fk, sizeof(fk));
	memcpy(rows[1].val, &fv, sizeof(fv));
}

static bool port_up(const struct wire_msg *m)
{
	return m->status.n_ports == 1 && m->status.ports[0].port_id == 7 && m->status.ports[0].up;
}

static bool port_down(const struct wire_msg *m)
{
	return m->status.n_ports == 1 && !m->status.ports[0].up;
}

static int pinned(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/tenet/t2/%s", bpffs, name);
	return bpf_obj_get(path);
}

static uint64_t rev_file(void)
{
	char path[PATH_MAX];
	unsigned long long rev = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/t2.rev", state);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	if (fscanf(fp, "%llu", &rev) != 1)
		rev = 0;
	fclose(fp);
	return rev;
}

static void test_agent_end_to_end(void **state_)
{
	struct fx *f = fx_new();
	struct wire_row rows[2];
	struct wire_msg m, out;
	struct tn_ifport ifp;
	struct tn_fdb fdb;
	struct tn_fdb_key fk = {.vni = 100};
	uint32_t idx = if_nametoindex("vm1h");
	int fd;

	assert_true(fx_expect(f, WIRE_HELLO, NULL, &m, 5000));
	assert_string_equal(m.hello.host, "t2");
	assert_int_equal(m.hello.last_rev, 0);
	wire_msg_release(&m);

	rows_make(rows);
	out = (struct wire_msg){.type = WIRE_SNAPSHOT,
				.update = {.to = 3, .rows = rows, .n_rows = 2}};
	strcpy(out.store_id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, NULL, &m, 5000));
	assert_int_equal(m.ack.rev, 3);
	wire_msg_release(&m);
	assert_int_equal(rev_file(), 3);
	assert_true(fx_expect(f, WIRE_STATUS, port_up, &m, 5000));
	wire_msg_release(&m);

	fd = pinned(TN_PIN_IFINDEX);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &idx, &ifp), 0);
	assert_int_equal(ifp.port_id, 7);
	close(fd);
	fd = pinned(TN_PIN_FDB);
	memcpy(fk.mac, mac1, 6);
	assert_int_equal(bpf_map_lookup_elem(fd, &fk, &fdb), 0);
	assert_int_equal(fdb.ifindex, idx);

	/* the interface goes: port down, derived fields cleared */
	assert_int_equal(sh("ip link del vm1h"), 0);
	assert_true(fx_expect(f, WIRE_STATUS, port_down, &m, 5000));
	wire_msg_release(&m);
	assert_int_equal(bpf_map_lookup_elem(fd, &fk, &fdb), 0);
	assert_int_equal(fdb.ifindex, 0);

	/* and comes back with a new index: up again, attached */
	assert_int_equal(sh("ip link add vm1h type veth peer name vm1p"), 0);
	idx = if_nametoindex("vm1h");
	assert_true(fx_expect(f, WIRE_STATUS, port_up, &m, 5000));
	wire_msg_release(&m);
	assert_int_equal(bpf_map_lookup_elem(fd, &fk, &fdb), 0);
	assert_int_equal(fdb.ifindex, idx);
	close(fd);

	/* restart: the agent says the revision its maps hold */
	agent_destroy(&f->ag);
	fx_start_agent(f);
	assert_true(fx_expect(f, WIRE_HELLO, NULL, &m, 5000));
	assert_int_equal(m.hello.last_rev, 3);
	wire_msg_release(&m);
	assert_true(fx_expect(f, WIRE_STATUS, port_up, &m, 5000));
	wire_msg_release(&m);

	/* the controller's data was reset: another store, at revision 1. Not
	 * "behind us": the revision is reset and a SNAPSHOT asked for */
	out = (struct wire_msg){.type = WIRE_HEARTBEAT, .ack = {.rev = 1}};
	strcpy(out.store_id, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_HELLO, NULL, &m, 5000));
	assert_int_equal(m.hello.last_rev, 0);
	wire_msg_release(&m);
	assert_int_equal(rev_file(), 0);
	out = (struct wire_msg){.type = WIRE_SNAPSHOT,
				.update = {.to = 1, .rows = rows, .n_rows = 2}};
	strcpy(out.store_id, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	fx_send(f, &out);
	assert_true(fx_expect(f, WIRE_ACK, NULL, &m, 5000));
	assert_int_equal(m.ack.rev, 1);
	wire_msg_release(&m);
	assert_int_equal(rev_file(), 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agent_end_to_end),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
