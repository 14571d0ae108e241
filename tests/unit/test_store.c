/* test_store.c - store_apply, revisions, change log, uniqueness, determinism,
 * topology loading (controller/store.c). */
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
#include <msgpack.h>

#include <linux/types.h>

#include "store.h"
#include "tenet_abi.h"

#define T_TEN	"00000000-0000-4000-8000-000000000001"
#define T_NET	"00000000-0000-4000-8000-000000000002"
#define T_NET2	"00000000-0000-4000-8000-000000000003"
#define T_SUB	"00000000-0000-4000-8000-000000000004"
#define T_PORT1 "00000000-0000-4000-8000-000000000005"
#define T_PORT2 "00000000-0000-4000-8000-000000000006"
#define T_NET3	"00000000-0000-4000-8000-000000000007"
#define T_NET4	"00000000-0000-4000-8000-000000000008"
#define T_SUB6	"00000000-0000-4000-8000-000000000009"
#define T_KEY1	"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define T_KEY2	"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

/* A store in a fresh temporary directory. */
struct fixture {
	char dir[64];	 /* mkdtemp directory */
	struct store *s; /* the store */
};

/* Fixtures open in the running test, copied here so that the teardown can
 * remove them when a failed assert leaves the test early. */
#define FIXTURE_MAX 2
static struct fixture open_fixtures[FIXTURE_MAX];

/* Closes the store and removes its directory. */
static void fixture_remove(struct fixture *f)
{
	char path[128];

	store_destroy(&f->s);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	unlink(path);
	rmdir(f->dir);
	f->dir[0] = '\0';
}

static struct store *fixture_open(struct fixture *f, size_t window)
{
	struct fixture *slot = NULL;

	for (int i = 0; i < FIXTURE_MAX && !slot; i++)
		if (!open_fixtures[i].dir[0])
			slot = &open_fixtures[i];
	assert_non_null(slot);
	snprintf(f->dir, sizeof(f->dir), "/tmp/tenet-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*slot = *f;
	f->s = store_new(f->dir, window);
	slot->s = f->s;
	assert_non_null(f->s);
	return f->s;
}

static void fixture_close(struct fixture *f)
{
	for (int i = 0; i < FIXTURE_MAX; i++)
		if (strcmp(open_fixtures[i].dir, f->dir) == 0)
			fixture_remove(&open_fixtures[i]);
	f->s = NULL;
}

/* cmocka teardown: removes what a test left open (it failed). */
static int fixture_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < FIXTURE_MAX; i++)
		if (open_fixtures[i].dir[0])
			fixture_remove(&open_fixtures[i]);
	return 0;
}

/* Allocation seed of the commands run() builds: 0 (sequential allocation)
 * unless a test sets it, so the expected VNIs and MACs are known. */
static uint64_t run_seed;

/* Applies one command; returns store_apply's code, res released unless out. */
static int run(struct store *s, enum store_op op, enum model_kind kind, const char *id,
	       const char *body, const char *idem, struct store_result *out)
{
	struct store_result res;
	void *buf;
	size_t len;
	int rc;

	assert_int_equal(store_cmd_encode_seeded(op, kind, id, body, idem,
						 op == STORE_OP_CREATE ? run_seed : 0, &buf, &len),
			 0);
	rc = store_apply(s, buf, len, &res);
	free(buf);
	if (out)
		*out = res;
	else
		store_result_release(&res);
	return rc;
}

/* Expects rejection with rc (-errno) and field; the revision must not
 * move. */
static void reject(struct store *s, enum store_op op, enum model_kind kind, const char *id,
		   const char *body, int want, const char *field)
{
	uint64_t before = store_revision(s);
	struct store_result res;

	assert_true(run(s, op, kind, id, body, "", &res) < 0);
	if (res.rc != want || (field && strcmp(res.err.field, field) != 0))
		fail_msg("%s: rc %d field '%s' (%s), want %d '%s'", body ? body : id, res.rc,
			 res.err.field, res.err.message, want, field ? field : "");
	assert_null(res.object);
	assert_int_equal(res.revision, before);
	assert_int_equal(store_revision(s), before);
	store_result_release(&res);
}

/* Creates tenant, network, subnet 10.0.0.0/24. */
static void base(struct store *s)
{
	assert_int_equal(
	    run(s, STORE_OP_CREATE, MODEL_TENANT, T_TEN, "{\"name\":\"blue\"}", "", NULL), 0);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET,
			     "{\"tenant_id\":\"" T_TEN "\",\"name\":\"n\"}", "", NULL),
			 0);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_SUBNET, T_SUB,
			     "{\"network_id\":\"" T_NET "\",\"cidr\":\"10.0.0.0/24\"}", "", NULL),
			 0);
}

static const char *port_body(const char *net, const char *ip, const char *host)
{
	static char buf[512];

	snprintf(
	    buf, sizeof(buf),
	    "{\"network_id\":\"%s\",\"fixed_ips\":[{\"subnet_id\":\"" T_SUB
	    "\",\"ip_address\":\"%s\"}],\"binding\":{\"host\":\"%s\",\"interface\":\"veth0\"}}",
	    net, ip, host);
	return buf;
}

static void test_apply_and_revision(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	struct store_result res;
	json_t *obj;

	assert_int_equal(store_revision(s), 0);
	base(s);
	assert_int_equal(store_revision(s), 3);
	assert_int_equal(store_get(s, MODEL_NETWORK, T_NET, &obj), 0);
	assert_int_equal(json_integer_value(json_object_get(obj, "vni")), 1);
	assert_int_equal(json_integer_value(json_object_get(obj, "mtu")), STORE_NETWORK_MTU);
	json_decref(obj);
	assert_int_equal(store_get(s, MODEL_SUBNET, T_SUB, &obj), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "gateway_ip")), "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(obj, "tenant_id")), T_TEN);
	assert_int_equal(json_integer_value(json_object_get(obj, "ip_version")), 4);
	json_decref(obj);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1,
			     port_body(T_NET, "10.0.0.5", "h1"), "", &res),
			 0);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.revision, 4);
	assert_string_equal(json_string_value(json_object_get(res.object, "mac_address")),
			    "fa:16:3e:00:00:01");
	assert_int_equal(json_integer_value(json_object_get(res.object, "port_key")), 1);
	assert_true(json_is_true(json_object_get(res.object, "port_security_enabled")));
	store_result_release(&res);
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1, "{\"name\":\"vm1\"}", "", &res), 0);
	assert_int_equal(res.rc, 0);
	assert_string_equal(json_string_value(json_object_get(res.object, "name")), "vm1");
	assert_string_equal(json_string_value(json_object_get(res.object, "mac_address")),
			    "fa:16:3e:00:00:01");
	store_result_release(&res);
	/* references */
	reject(s, STORE_OP_DELETE, MODEL_NETWORK, T_NET, NULL, -EBUSY, "id");
	reject(s, STORE_OP_DELETE, MODEL_SUBNET, T_SUB, NULL, -EBUSY, "id");
	reject(s, STORE_OP_DELETE, MODEL_TENANT, T_TEN, NULL, -EBUSY, "id");
	assert_int_equal(run(s, STORE_OP_DELETE, MODEL_PORT, T_PORT1, "", "", &res), 0);
	assert_int_equal(res.rc, 0);
	store_result_release(&res);
	assert_int_equal(run(s, STORE_OP_DELETE, MODEL_SUBNET, T_SUB, "", "", NULL), 0);
	assert_int_equal(run(s, STORE_OP_DELETE, MODEL_NETWORK, T_NET, "", "", NULL), 0);
	assert_int_equal(run(s, STORE_OP_DELETE, MODEL_TENANT, T_TEN, "", "", NULL), 0);
	assert_int_equal(store_get(s, MODEL_TENANT, T_TEN, &obj), -ENOENT);
	assert_int_equal(store_revision(s), 9);
	fixture_close(&f);
}

static void test_rejections(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	struct store_result res;

	base(s);
	reject(s, STORE_OP_CREATE, MODEL_TENANT, T_TEN, "{\"name\":\"again\"}", -EEXIST, "id");
	reject(s, STORE_OP_CREATE, MODEL_TENANT, T_NET2, "{\"name\":", -EINVAL, NULL);
	reject(s, STORE_OP_CREATE, MODEL_TENANT, T_NET2, "{\"name\":1,\"name\":2}", -EINVAL, NULL);
	reject(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET2, "{\"tenant_id\":\"" T_NET2 "\"}", -ENOENT,
	       "tenant_id");
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1, port_body(T_NET, "10.0.1.5", "h1"), -EINVAL,
	       "fixed_ips[0].ip_address");
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1, port_body(T_NET, "10.0.0.255", "h1"), -EINVAL,
	       "fixed_ips[0].ip_address");
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1, port_body(T_NET, "10.0.0.1", "h1"), -EEXIST,
	       "fixed_ips[0].ip_address");
	reject(s, STORE_OP_CREATE, MODEL_SUBNET, T_NET2,
	       "{\"network_id\":\"" T_NET "\",\"cidr\":\"10.0.0.128/25\"}", -EEXIST, "cidr");
	reject(s, STORE_OP_UPDATE, MODEL_SUBNET, T_SUB, "{\"gateway_ip\":\"10.9.0.1\"}", -EINVAL,
	       "gateway_ip");
	reject(s, STORE_OP_UPDATE, MODEL_TENANT, T_NET2, "{\"name\":\"x\"}", -ENOENT, "id");
	reject(s, STORE_OP_DELETE, MODEL_TENANT, T_NET2, NULL, -ENOENT, "id");
	/* a subnet of another network */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET2,
			     "{\"tenant_id\":\"" T_TEN "\"}", "", NULL),
			 0);
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1, port_body(T_NET2, "10.0.0.5", "h1"), -EINVAL,
	       "fixed_ips[0].subnet_id");
	/* malformed command */
	{
		uint64_t before = store_revision(s);

		assert_int_equal(store_apply(s, "\x81\xa2op", 4, &res), -EINVAL);
		assert_int_equal(res.rc, -EINVAL);
		assert_int_equal(store_revision(s), before);
		store_result_release(&res);
	}
	fixture_close(&f);
}

static void test_uniqueness(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	const char *h1 =
	    "{\"name\":\"h1\",\"public_key\":\"" T_KEY1 "\",\"underlay_ip\":\"198.18.0.1\"}";
	json_t *obj;

	base(s);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET2,
			     "{\"tenant_id\":\"" T_TEN "\"}", "", NULL),
			 0);
	assert_int_equal(store_get(s, MODEL_NETWORK, T_NET2, &obj), 0);
	assert_int_equal(json_integer_value(json_object_get(obj, "vni")), 2);
	json_decref(obj);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1,
			     port_body(T_NET, "10.0.0.5", "h1"), "", NULL),
			 0);
	/* same IP in the subnet */
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2, port_body(T_NET, "10.0.0.5", "h1"), -EEXIST,
	       "fixed_ips[0].ip_address");
	/* same MAC in the network, given explicitly */
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2,
	       "{\"network_id\":\"" T_NET "\",\"mac_address\":\"FA:16:3E:00:00:01\"}", -EEXIST,
	       "mac_address");
	/* same IP twice in one port */
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2,
	       "{\"network_id\":\"" T_NET "\",\"fixed_ips\":[{\"subnet_id\":\"" T_SUB
	       "\",\"ip_address\":\"10.0.0.9\"},{\"subnet_id\":\"" T_SUB
	       "\",\"ip_address\":\"10.0.0.9\"}]}",
	       -EEXIST, "fixed_ips[1].ip_address");
	/* the port may keep its own IP on update */
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1,
			     "{\"fixed_ips\":[{\"subnet_id\":\"" T_SUB
			     "\",\"ip_address\":\"10.0.0.5\"}]}",
			     "", NULL),
			 0);
	/* one port per (host, interface), whatever its network or tenant */
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2, port_body(T_NET, "10.0.0.6", "h1"), -EEXIST,
	       "binding");
	reject(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2,
	       "{\"network_id\":\"" T_NET2 "\",\"binding\":{\"host\":\"h1\",\"interface\":"
	       "\"veth0\"}}",
	       -EEXIST, "binding");
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2,
			     port_body(T_NET, "10.0.0.6", "h2"), "", NULL),
			 0);
	reject(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT2,
	       "{\"binding\":{\"host\":\"h1\",\"interface\":\"veth0\"}}", -EEXIST, "binding");
	/* a rebind or a delete frees the interface */
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1,
			     "{\"binding\":{\"host\":\"h1\",\"interface\":\"veth1\"}}", "", NULL),
			 0);
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT2,
			     "{\"binding\":{\"host\":\"h1\",\"interface\":\"veth0\"}}", "", NULL),
			 0);
	reject(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1,
	       "{\"binding\":{\"host\":\"h1\",\"interface\":\"veth0\"}}", -EEXIST, "binding");
	assert_int_equal(run(s, STORE_OP_DELETE, MODEL_PORT, T_PORT2, "", "", NULL), 0);
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1,
			     "{\"binding\":{\"host\":\"h1\",\"interface\":\"veth0\"}}", "", NULL),
			 0);
	/* hosts: name and key unique */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_HOST, "h1", h1, "", NULL), 0);
	reject(s, STORE_OP_CREATE, MODEL_HOST, "h1", h1, -EEXIST, "id");
	reject(s, STORE_OP_CREATE, MODEL_HOST, "h2",
	       "{\"name\":\"h2\",\"public_key\":\"" T_KEY1 "\",\"underlay_ip\":\"198.18.0.2\"}",
	       -EEXIST, "public_key");
	reject(s, STORE_OP_CREATE, MODEL_HOST, "h2",
	       "{\"name\":\"h2\",\"public_key\":\"" T_KEY2 "\",\"underlay_ip\":\"198.18.0.1\"}",
	       -EEXIST, "underlay_ip");
	reject(s, STORE_OP_CREATE, MODEL_HOST, "h3",
	       "{\"name\":\"h2\",\"public_key\":\"" T_KEY2 "\",\"underlay_ip\":\"198.18.0.2\"}",
	       -EINVAL, "name");
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_HOST, "h2",
			     "{\"name\":\"h2\",\"public_key\":\"" T_KEY2
			     "\",\"underlay_ip\":\"198.18.0.2\"}",
			     "", NULL),
			 0);
	/* a key freed by an update can be taken again */
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_HOST, "h1", "{\"underlay_ip\":\"198.18.0.3\"}", "", NULL),
	    0);
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_HOST, "h2", "{\"underlay_ip\":\"198.18.0.1\"}", "", NULL),
	    0);
	fixture_close(&f);
}

static void test_idempotency(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	struct store_result res;

	assert_int_equal(
	    run(s, STORE_OP_CREATE, MODEL_TENANT, T_TEN, "{\"name\":\"blue\"}", "k1", NULL), 0);
	/* a retried create carries a fresh id: the first object is returned */
	assert_int_equal(
	    run(s, STORE_OP_CREATE, MODEL_TENANT, T_NET2, "{\"name\":\"blue\"}", "k1", &res), 0);
	assert_true(res.replayed);
	assert_string_equal(json_string_value(json_object_get(res.object, "id")), T_TEN);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.revision, 1);
	assert_string_equal(json_string_value(json_object_get(res.object, "name")), "blue");
	store_result_release(&res);
	assert_int_equal(store_revision(s), 1);
	/* the same key for another request: another body, op, or target */
	assert_int_equal(
	    run(s, STORE_OP_CREATE, MODEL_TENANT, T_NET2, "{\"name\":\"red\"}", "k1", &res),
	    -EKEYREJECTED);
	assert_int_equal(res.rc, -EKEYREJECTED);
	assert_string_equal(res.err.code, "idempotency_key_reused");
	assert_null(res.object);
	store_result_release(&res);
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_TENANT, T_TEN, "{\"name\":\"blue\"}", "k1", &res),
	    -EKEYREJECTED);
	assert_int_equal(res.rc, -EKEYREJECTED);
	store_result_release(&res);
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_TENANT, T_TEN, "{\"name\":\"x\"}", "k2", NULL), 0);
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_TENANT, T_NET2, "{\"name\":\"x\"}", "k2", &res),
	    -EKEYREJECTED);
	store_result_release(&res);
	/* a retried update (same target and body) still replays */
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_TENANT, T_TEN, "{\"name\":\"x\"}", "k2", &res), 0);
	assert_true(res.replayed);
	assert_int_equal(res.rc, 0);
	store_result_release(&res);
	assert_int_equal(store_revision(s), 2);
	fixture_close(&f);
}

static void test_changelog_window(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 3);
	json_t *changes, *c;
	uint64_t cur;

	assert_int_equal(
	    run(s, STORE_OP_CREATE, MODEL_TENANT, T_TEN, "{\"name\":\"a\"}", "idem-1", NULL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(
		    run(s, STORE_OP_UPDATE, MODEL_TENANT, T_TEN, "{\"name\":\"b\"}", "", NULL), 0);
	assert_int_equal(store_revision(s), 5);
	/* kept: 3, 4, 5 */
	assert_int_equal(store_changes_since(s, 2, &changes, &cur), 0);
	assert_int_equal(cur, 5);
	assert_int_equal(json_array_size(changes), 3);
	c = json_array_get(changes, 0);
	assert_int_equal(json_integer_value(json_object_get(c, "revision")), 3);
	assert_string_equal(json_string_value(json_object_get(c, "op")), "update");
	assert_string_equal(json_string_value(json_object_get(c, "kind")), "tenant");
	assert_string_equal(json_string_value(json_object_get(c, "id")), T_TEN);
	json_decref(changes);
	assert_int_equal(store_changes_since(s, 1, &changes, &cur), -ESTALE);
	assert_null(changes);
	assert_int_equal(store_changes_since(s, 5, &changes, &cur), 0);
	assert_int_equal(json_array_size(changes), 0);
	json_decref(changes);
	/* the trimmed entry's idempotency key is gone: the same key applies anew */
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_TENANT, T_TEN, "{\"name\":\"c\"}", "idem-1", NULL), 0);
	assert_int_equal(store_revision(s), 6);
	fixture_close(&f);
}

/* Applies the same command sequence (with some rejected) to s. */
static void script(struct store *s)
{
	base(s);
	run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1, port_body(T_NET, "10.0.0.5", "h1"), "a", NULL);
	run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2, port_body(T_NET, "10.0.0.5", "h1"), "", NULL);
	run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2, port_body(T_NET, "10.0.0.6", "h2"), "", NULL);
	run(s, STORE_OP_CREATE, MODEL_HOST, "h1",
	    "{\"name\":\"h1\",\"public_key\":\"" T_KEY1 "\",\"underlay_ip\":\"198.18.0.1\"}", "",
	    NULL);
	run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT2, "{\"port_security_enabled\":false}", "", NULL);
	run(s, STORE_OP_DELETE, MODEL_NETWORK, T_NET, "", "", NULL);
}

static char *dump(struct store *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	assert_int_equal(store_dump(s, fp), 0);
	fclose(fp);
	return text;
}

static void test_determinism(void **state)
{
	struct fixture a, b;
	char *da, *db;

	script(fixture_open(&a, 4));
	script(fixture_open(&b, 4));
	da = dump(a.s);
	db = dump(b.s);
	assert_true(strlen(da) > 100);
	assert_string_equal(da, db);
	free(da);
	free(db);
	fixture_close(&a);
	fixture_close(&b);
}

static void test_topology(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	struct store_result res;
	struct topology t;
	uint32_t ip;

	script(s);
	/* host_routes (DHCP): of the subnet's family only, also on update */
	reject(s, STORE_OP_UPDATE, MODEL_SUBNET, T_SUB,
	       "{\"host_routes\":[{\"destination\":\"2001:db8::/64\",\"nexthop\":\"2001:db8::1\"}]}",
	       -EINVAL, "host_routes[0].destination");
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_SUBNET, T_SUB,
			     "{\"host_routes\":[{\"destination\":\"192.168.0.0/16\",\"nexthop\":"
			     "\"10.0.0.9\"}]}",
			     "", &res),
			 0);
	store_result_release(&res);
	assert_int_equal(store_load_topology(s, &t), 0);
	assert_int_equal(t.networks[0].mtu, 1450);
	assert_int_equal(t.subnets[0].n_host_routes, 1);
	assert_int_equal(t.subnets[0].host_routes[0].ip_version, 4);
	assert_int_equal(t.subnets[0].host_routes[0].prefix_len, 16);
	assert_memory_equal(t.subnets[0].host_routes[0].dest, "\xc0\xa8\x00\x00", 4);
	assert_memory_equal(t.subnets[0].host_routes[0].nexthop, "\x0a\x00\x00\x09", 4);
	topology_release(&t);
	assert_int_equal(store_load_topology(s, &t), 0);
	assert_int_equal(t.n_networks, 1);
	assert_string_equal(t.networks[0].id, T_NET);
	assert_string_equal(t.networks[0].tenant_id, T_TEN);
	assert_int_equal(t.networks[0].vni, 1);
	assert_int_equal(t.n_ports, 2);
	assert_string_equal(t.ports[0].id, T_PORT1);
	assert_string_equal(t.ports[0].network_id, T_NET);
	assert_int_equal(t.ports[0].port_key, 1);
	assert_memory_equal(t.ports[0].mac, "\xfa\x16\x3e\x00\x00\x01", 6);
	inet_pton(AF_INET, "10.0.0.5", &ip);
	assert_int_equal(t.ports[0].ip4, ip);
	assert_true(t.ports[0].port_security);
	assert_string_equal(t.ports[0].host, "h1");
	assert_string_equal(t.ports[0].ifname, "veth0");
	assert_int_equal(t.ports[1].port_key, 2);
	assert_false(t.ports[1].port_security);
	assert_string_equal(t.ports[1].host, "h2");
	assert_int_equal(t.n_hosts, 1);
	assert_string_equal(t.hosts[0].name, "h1");
	assert_int_equal(t.hosts[0].host_id, 1);
	inet_pton(AF_INET, "198.18.0.1", &ip);
	assert_int_equal(t.hosts[0].ip4, ip);
	assert_string_equal(t.hosts[0].public_key, T_KEY1);
	assert_int_equal(t.n_subnets, 1);
	assert_string_equal(t.subnets[0].id, T_SUB);
	assert_string_equal(t.subnets[0].network_id, T_NET);
	assert_int_equal(t.subnets[0].ip_version, 4);
	assert_int_equal(t.subnets[0].prefix_len, 24);
	assert_memory_equal(t.subnets[0].addr, "\x0a\x00\x00\x00", 4);
	assert_true(t.subnets[0].has_gateway); /* the first host address by default */
	assert_memory_equal(t.subnets[0].gateway, "\x0a\x00\x00\x01", 4);
	assert_true(t.subnets[0].enable_dhcp);
	assert_int_equal(t.n_routers, 0);
	assert_int_equal(t.n_rifs, 0);
	topology_release(&t);
	fixture_close(&f);
}

/* A host with bound ports cannot be deleted (-EBUSY naming the port), also when
 * the host's name reads like another object's id; once the port moves away
 * or is unbound, it can. */
static void test_host_in_use(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	const char *host =
	    "{\"name\":\"h1\",\"public_key\":\"" T_KEY1 "\",\"underlay_ip\":\"198.18.0.1\"}";
	struct store_result res;

	base(s);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_HOST, "h1", host, "", NULL), 0);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1,
			     port_body(T_NET, "10.0.0.5", "h1"), "", NULL),
			 0);
	assert_true(run(s, STORE_OP_DELETE, MODEL_HOST, "h1", NULL, "", &res) < 0);
	assert_int_equal(res.rc, -EBUSY);
	assert_string_equal(res.err.code, "in_use");
	assert_non_null(strstr(res.err.message, T_PORT1));
	store_result_release(&res);
	/* the network is still deletable only without its port: refs apart */
	reject(s, STORE_OP_DELETE, MODEL_NETWORK, T_NET, NULL, -EBUSY, "id");
	/* bound elsewhere: h1 is free */
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1,
			     "{\"binding\":{\"host\":\"h2\",\"interface\":\"veth0\"}}", "", NULL),
			 0);
	assert_int_equal(run(s, STORE_OP_DELETE, MODEL_HOST, "h1", NULL, "", NULL), 0);
	/* unbound: h2 was never a host; re-create h1, bind, unbind, delete */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_HOST, "h1", host, "", NULL), 0);
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1,
			     "{\"binding\":{\"host\":\"h1\",\"interface\":\"veth0\"}}", "", NULL),
			 0);
	reject(s, STORE_OP_DELETE, MODEL_HOST, "h1", NULL, -EBUSY, "id");
	assert_int_equal(
	    run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1, "{\"binding\":null}", "", NULL), 0);
	assert_int_equal(run(s, STORE_OP_DELETE, MODEL_HOST, "h1", NULL, "", NULL), 0);
	fixture_close(&f);
}

/* A seeded create draws its VNI and MAC from the seed (the same seed gives the
 * same values on every replica), probes past claimed values and leaves the
 * sequential counters alone; store_cmd_encode draws a fresh seed per create. */
static void test_seeded_allocation(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	struct store_result res;
	uint64_t seed = 0x00123456789abc00ull | 0x41;
	void *buf1, *buf2;
	size_t len1, len2;
	json_t *obj;
	char mac[18];

	base(s); /* sequential: VNI 1 */
	run_seed = seed;
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET2,
			     "{\"tenant_id\":\"" T_TEN "\"}", "", NULL),
			 0);
	assert_int_equal(store_get(s, MODEL_NETWORK, T_NET2, &obj), 0);
	assert_int_equal(json_integer_value(json_object_get(obj, "vni")),
			 (seed & 0xffffff) % 0xffffff + 1);
	json_decref(obj);
	/* the same seed again: that VNI is claimed, the next one is taken */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET3,
			     "{\"tenant_id\":\"" T_TEN "\"}", "", NULL),
			 0);
	assert_int_equal(store_get(s, MODEL_NETWORK, T_NET3, &obj), 0);
	assert_int_equal(json_integer_value(json_object_get(obj, "vni")),
			 (seed & 0xffffff) % 0xffffff + 2);
	json_decref(obj);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1,
			     port_body(T_NET, "10.0.0.5", "h1"), "", &res),
			 0);
	snprintf(mac, sizeof(mac), "fa:16:3e:%02x:%02x:%02x",
		 (unsigned int)((((seed >> 24) & 0xffffff) % 0xffffff + 1) >> 16) & 0xff,
		 (unsigned int)((((seed >> 24) & 0xffffff) % 0xffffff + 1) >> 8) & 0xff,
		 (unsigned int)(((seed >> 24) & 0xffffff) % 0xffffff + 1) & 0xff);
	assert_string_equal(json_string_value(json_object_get(res.object, "mac_address")), mac);
	store_result_release(&res);
	/* the sequential counter did not move: an unseeded create gets VNI 2 */
	run_seed = 0;
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET4,
			     "{\"tenant_id\":\"" T_TEN "\"}", "", NULL),
			 0);
	assert_int_equal(store_get(s, MODEL_NETWORK, T_NET4, &obj), 0);
	assert_int_equal(json_integer_value(json_object_get(obj, "vni")), 2);
	json_decref(obj);
	/* store_cmd_encode: a fresh seed per create, none on update/delete */
	assert_int_equal(
	    store_cmd_encode(STORE_OP_CREATE, MODEL_NETWORK, T_NET2, "{}", "", &buf1, &len1), 0);
	assert_int_equal(
	    store_cmd_encode(STORE_OP_CREATE, MODEL_NETWORK, T_NET2, "{}", "", &buf2, &len2), 0);
	assert_int_equal(len1, len2);
	assert_memory_not_equal(buf1, buf2, len1);
	free(buf1);
	free(buf2);
	assert_int_equal(
	    store_cmd_encode(STORE_OP_DELETE, MODEL_NETWORK, T_NET2, "", "", &buf1, &len1), 0);
	assert_int_equal(store_cmd_encode_seeded(STORE_OP_DELETE, MODEL_NETWORK, T_NET2, "", "", 0,
						 &buf2, &len2),
			 0);
	assert_int_equal(len1, len2);
	assert_memory_equal(buf1, buf2, len1);
	free(buf1);
	free(buf2);
	fixture_close(&f);
}

/* Packs a map of n string pairs kv[2n]; trailing adds a stray byte. */
static void pack_cmd(const char *const *kv, size_t n, bool trailing, msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n);
	for (size_t i = 0; i < 2 * n; i++) {
		msgpack_pack_str(&pk, strlen(kv[i]));
		msgpack_pack_str_body(&pk, kv[i], strlen(kv[i]));
	}
	if (trailing)
		msgpack_pack_nil(&pk);
}

static void test_command_decoding(void **state)
{
	static const char *const good[] = {
	    "op", "create", "kind", "tenant", "id", T_TEN, "body", "{\"name\":\"a\"}", "idem", ""};
	static const char *const plural[] = {
	    "op", "create", "kind", "tenants", "id", T_TEN, "body", "{\"name\":\"a\"}", "idem", ""};
	static const char *const repeated[] = {
	    "op", "create", "op", "create", "id", T_TEN, "body", "{\"name\":\"a\"}", "idem", ""};
	static const char *const unknown[] = {
	    "op", "create", "kind", "tenant", "id", T_TEN, "body", "{\"name\":\"a\"}", "xdem", ""};
	static const char *const strseed[] = {"op",   "create", "kind", "tenant",
					      "id",   T_TEN,	"body", "{\"name\":\"a\"}",
					      "idem", "",	"seed", "1"};
	static const char *const badop[] = {
	    "op", "upsert", "kind", "tenant", "id", T_TEN, "body", "{\"name\":\"a\"}", "idem", ""};
	const struct {
		const char *const *kv; /* pairs */
		size_t n;	       /* pair count */
		bool trailing;	       /* stray byte after the map */
		int want;	       /* store_apply result */
	} cases[] = {
	    {good, 5, true, -EINVAL},	  {good, 4, false, -EINVAL},
	    {plural, 5, false, -EINVAL},  {repeated, 5, false, -EINVAL},
	    {unknown, 5, false, -EINVAL}, {badop, 5, false, -EINVAL},
	    {strseed, 6, false, -EINVAL}, {good, 5, false, 0},
	};
	struct fixture f;
	struct store *s = fixture_open(&f, 100);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_result res;
		msgpack_sbuffer sb;

		pack_cmd(cases[i].kv, cases[i].n, cases[i].trailing, &sb);
		if (store_apply(s, sb.data, sb.size, &res) != cases[i].want)
			fail_msg("command case %zu: rc %d", i, res.rc);
		assert_int_equal(store_revision(s), cases[i].want == 0 ? 1 : 0);
		store_result_release(&res);
		msgpack_sbuffer_destroy(&sb);
	}
	fixture_close(&f);
}

/* Inputs fuzz.store_cmd found: each is refused (-EINVAL) without a huge
 * allocation or undefined behaviour, and changes nothing. */
static void test_command_fuzz_findings(void **state)
{
	/* an array header claiming 0xdddddd85 elements: msgpack-c reserved
	 * them all (~128 GB) before reading any */
	static const uint8_t huge_array[] = {0xdd, 0xdd, 0xdd, 0xdd, 0x85};
	/* the same inside a map value */
	static const uint8_t huge_value[] = {0x85, 0xa2, 'o', 'p', 0xdd, 0xff, 0xff, 0xff, 0xff};
	/* a map of five, first key the empty string: msgpack-c leaves its
	 * pointer NULL, which went to memchr */
	static const uint8_t empty_key[] = {0x85, 0xa0, 0xa3, 0xa3, 0, 0, 0,
					    0,	  0,	0,    0x30, 0, 0, 0};
	const struct {
		const uint8_t *buf; /* the command bytes */
		size_t len;	    /* their length */
	} cases[] = {
	    {huge_array, sizeof(huge_array)},
	    {huge_value, sizeof(huge_value)},
	    {empty_key, sizeof(empty_key)},
	};
	struct fixture f;
	struct store *s = fixture_open(&f, 100);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_result res;

		if (store_apply(s, cases[i].buf, cases[i].len, &res) != -EINVAL ||
		    res.rc != -EINVAL)
			fail_msg("fuzz case %zu: rc %d", i, res.rc);
		store_result_release(&res);
	}
	assert_int_equal(store_revision(s), 0);
	fixture_close(&f);
}

static const char *fip_ip(const json_t *port, size_t i)
{
	return json_string_value(
	    json_object_get(json_array_get(json_object_get(port, "fixed_ips"), i), "ip_address"));
}

static void test_ip_allocation(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	struct store_result res;

	base(s); /* 10.0.0.0/24, gateway 10.0.0.1 */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1,
			     port_body(T_NET, "10.0.0.3", "h1"), "", NULL),
			 0);
	/* skips the gateway (.1) and takes .2, then .4 (.3 is taken) in one request */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT2,
			     "{\"network_id\":\"" T_NET "\",\"fixed_ips\":[{\"subnet_id\":\"" T_SUB
			     "\"},{\"subnet_id\":\"" T_SUB "\"}]}",
			     "", &res),
			 0);
	assert_string_equal(fip_ip(res.object, 0), "10.0.0.2");
	assert_string_equal(fip_ip(res.object, 1), "10.0.0.4");
	store_result_release(&res);
	/* an explicit address later in the list is not handed out twice */
	assert_int_equal(run(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1,
			     "{\"fixed_ips\":[{\"subnet_id\":\"" T_SUB "\"},{\"subnet_id\":\"" T_SUB
			     "\",\"ip_address\":\"10.0.0.5\"}]}",
			     "", &res),
			 0);
	assert_string_equal(fip_ip(res.object, 0), "10.0.0.6");
	assert_string_equal(fip_ip(res.object, 1), "10.0.0.5");
	store_result_release(&res);
	fixture_close(&f);
}

/* A v6 subnet hands out addresses like a v4 one (the gateway ::1 skipped),
 * and the topology carries every fixed IPv6 of a port beside its IPv4. */
static void test_ip6_topology(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	struct store_result res;
	struct topology t;
	uint8_t a6[16];

	base(s);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_SUBNET, T_SUB6,
			     "{\"network_id\":\"" T_NET "\",\"cidr\":\"fd00:0:0:1::/64\"}", "",
			     NULL),
			 0);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1,
			     "{\"network_id\":\"" T_NET "\",\"fixed_ips\":[{\"subnet_id\":\"" T_SUB6
			     "\"},{\"subnet_id\":\"" T_SUB "\"},{\"subnet_id\":\"" T_SUB6
			     "\",\"ip_address\":\"FD00:0:0:1:0:0:0:10\"}],"
			     "\"binding\":{\"host\":\"h1\",\"interface\":\"veth0\"}}",
			     "", &res),
			 0);
	assert_string_equal(fip_ip(res.object, 0), "fd00:0:0:1::2");
	assert_string_equal(fip_ip(res.object, 1), "10.0.0.2");
	assert_string_equal(fip_ip(res.object, 2), "fd00:0:0:1::10");
	store_result_release(&res);
	assert_int_equal(store_load_topology(s, &t), 0);
	assert_int_equal(t.n_ports, 1);
	assert_int_equal(t.ports[0].n_ip6, 2);
	inet_pton(AF_INET6, "fd00:0:0:1::2", a6);
	assert_memory_equal(t.ports[0].ip6[0], a6, 16);
	inet_pton(AF_INET6, "fd00:0:0:1::10", a6);
	assert_memory_equal(t.ports[0].ip6[1], a6, 16);
	assert_int_equal(t.ports[0].n_ip4_more, 0);
	assert_true(t.ports[0].ip4 != 0);
	topology_release(&t);
	fixture_close(&f);
}

static void test_list_filter(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	json_t *list, *filter;

	base(s);
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET2,
			     "{\"tenant_id\":\"" T_TEN "\"}", "", NULL),
			 0);
	assert_int_equal(store_list(s, MODEL_NETWORK, NULL, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	filter = json_pack("{s:s}", "tenant_id", T_TEN);
	assert_int_equal(store_list(s, MODEL_NETWORK, filter, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	json_decref(filter);
	filter = json_pack("{s:s}", "tenant_id", T_NET);
	assert_int_equal(store_list(s, MODEL_NETWORK, filter, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	json_decref(filter);
	fixture_close(&f);
}

/* Creates port number n of network net bound to host h<host> interface
 * v<n>; want is the rc expected (0 or -errno). */
static void flood_port(struct store *s, const char *net, int n, int host, int want)
{
	char id[64], body[256];
	struct store_result res;

	snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", 100 + n);
	snprintf(body, sizeof(body),
		 "{\"network_id\":\"%s\",\"binding\":{\"host\":\"h%d\","
		 "\"interface\":\"v%d\"}}",
		 net, host, n);
	run(s, STORE_OP_CREATE, MODEL_PORT, id, body, "", &res);
	if (res.rc != want)
		fail_msg("port %d on h%d: rc %d (%s), want %d", n, host, res.rc, res.err.message,
			 want);
	if (want == -EEXIST)
		assert_string_equal(res.err.field, "binding.host");
	store_result_release(&res);
}

static void test_flood_limits(void **state)
{
	enum {
		H = TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE + 1,
		L = TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_LOCAL
	};
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	char body[128];
	int n = 0;

	base(s);
	/* the FLOOD pages reach TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE other hosts */
	for (int h = 0; h < H; h++)
		flood_port(s, T_NET, n++, h, 0);
	flood_port(s, T_NET, n++, H, -EEXIST);
	/* an unbound port moved onto one host more is refused too */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_PORT, T_PORT1,
			     "{\"network_id\":\"" T_NET "\"}", "", NULL),
			 0);
	snprintf(body, sizeof(body), "{\"binding\":{\"host\":\"h%d\",\"interface\":\"x\"}}", H);
	reject(s, STORE_OP_UPDATE, MODEL_PORT, T_PORT1, body, -EEXIST, "binding.host");
	/* and TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_LOCAL ports on one host (in
	 * another network: each binding reads the network's ports) */
	assert_int_equal(run(s, STORE_OP_CREATE, MODEL_NETWORK, T_NET2,
			     "{\"tenant_id\":\"" T_TEN "\",\"name\":\"n2\"}", "", NULL),
			 0);
	for (int i = 0; i < L; i++)
		flood_port(s, T_NET2, n++, 0, 0);
	flood_port(s, T_NET2, n++, 0, -EEXIST);
	flood_port(s, T_NET2, n++, 1, 0);
	fixture_close(&f);
}

static void test_admin_hash(void **state)
{
	struct fixture f;
	struct store *s = fixture_open(&f, 100);
	uint8_t h[32], g[32];

	assert_int_equal(store_admin_hash_get(s, g), -ENOENT);
	memset(h, 0xab, sizeof(h));
	assert_int_equal(store_admin_hash_set(s, h), 0);
	assert_int_equal(store_admin_hash_get(s, g), 0);
	assert_memory_equal(h, g, 32);
	fixture_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_apply_and_revision, fixture_teardown),
	    cmocka_unit_test_teardown(test_rejections, fixture_teardown),
	    cmocka_unit_test_teardown(test_uniqueness, fixture_teardown),
	    cmocka_unit_test_teardown(test_idempotency, fixture_teardown),
	    cmocka_unit_test_teardown(test_changelog_window, fixture_teardown),
	    cmocka_unit_test_teardown(test_determinism, fixture_teardown),
	    cmocka_unit_test_teardown(test_topology, fixture_teardown),
	    cmocka_unit_test_teardown(test_list_filter, fixture_teardown),
	    cmocka_unit_test_teardown(test_admin_hash, fixture_teardown),
	    cmocka_unit_test_teardown(test_flood_limits, fixture_teardown),
	    cmocka_unit_test_teardown(test_ip_allocation, fixture_teardown),
	    cmocka_unit_test_teardown(test_ip6_topology, fixture_teardown),
	    cmocka_unit_test_teardown(test_command_decoding, fixture_teardown),
	    cmocka_unit_test_teardown(test_command_fuzz_findings, fixture_teardown),
	    cmocka_unit_test_teardown(test_seeded_allocation, fixture_teardown),
	    cmocka_unit_test_teardown(test_host_in_use, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
