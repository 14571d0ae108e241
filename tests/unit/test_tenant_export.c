/* test_tenant_export.c - tenant export and import (controller/
 * store_tenant.c): a deterministic, id-free document with a content hash;
 * export -> import -> export gives the same document; a second import
 * changes nothing; malformed or conflicting documents are refused with the
 * path in the document, and nothing is written. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_store.h"
#include "fixture_tenant.h"

#define NEW  "b0000000-0000-4000-8000-000000000001"
#define NEW2 "b0000000-0000-4000-8000-000000000002"

struct fx {
	struct fixture_stores *st; /* [0] the source, [1] the target */
	json_t *doc;		   /* the source tenant's export */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct model_error err = {0};

	assert_non_null(f);
	f->st = fixture_stores_new("export");
	assert_non_null(f->st);
	fixture_tenant_fill(f->st->s[0]);
	assert_int_equal(store_tenant_export(f->st->s[0], FT_T, &f->doc, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	json_decref(f->doc);
	fixture_stores_free(f->st);
	free(f);
	return 0;
}

static char *text(const json_t *doc)
{
	char *t = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(t);
	return t;
}

/* Imports doc (with extra members of the body, a JSON object text) into s. */
static int import(struct store *s, const char *id, const json_t *doc, const char *extra,
		  struct store_result *res)
{
	json_t *body = json_loads(extra ? extra : "{}", 0, NULL);
	int rc;

	assert_non_null(body);
	json_object_set(body, "document", (json_t *)doc);
	rc = fixture_tenant_cmd(s, STORE_OP_IMPORT, id, body, res);
	json_decref(body);
	return rc;
}

/* Sets doc's hash to match its content. */
static void rehash(json_t *doc)
{
	char h[65];

	assert_int_equal(store_tenant_hash(doc, h), 0);
	json_object_set_new(doc, "sha256", json_string(h));
}

/* The same tenant exports to the same bytes; no id of the store is in
 * them; the hash covers the content. */
static void test_deterministic(void **state)
{
	struct fx *f = *state;
	struct model_error err = {0};
	json_t *again = NULL;
	char *a = text(f->doc), *b, h[65];

	assert_int_equal(store_tenant_export(f->st->s[0], FT_T, &again, &err), 0);
	b = text(again);
	assert_string_equal(a, b);
	assert_string_equal(json_string_value(json_object_get(f->doc, "format")),
			    "tenet.tenant/v1");
	assert_int_equal(store_tenant_hash(f->doc, h), 0);
	assert_string_equal(h, json_string_value(json_object_get(f->doc, "sha256")));
	assert_int_equal(strlen(h), 64);
	assert_null(strstr(a, "a0000000-")); /* ids */
	assert_null(strstr(a, "port_key"));
	assert_null(strstr(a, "\"identity\""));
	assert_non_null(strstr(a, "\"network\":\"n1\""));
	assert_int_equal(json_array_size(json_object_get(f->doc, "ports")), 3);
	assert_int_equal(json_array_size(json_object_get(f->doc, "security_groups")), 3);
	free(a);
	free(b);
	json_decref(again);
	assert_int_equal(store_tenant_export(f->st->s[0], NEW, &again, &err), -ENOENT);
}

/* export -> import (another store) -> export: the same document; the
 * second import changes nothing. */
static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct store *s = f->st->s[1];
	struct store_result res;
	struct model_error err = {0};
	json_t *back = NULL;
	char *a, *b;
	uint64_t rev;

	fixture_host_create(s, "h1", FT_KEY1, "198.18.0.1");
	fixture_host_create(s, "h2", FT_KEY2, "198.18.0.2");
	assert_int_equal(import(s, NEW, f->doc, NULL, &res), 0);
	assert_false(res.replayed);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(res.object, "counts"), "ports")), 3);
	store_result_release(&res);
	assert_int_equal(store_tenant_export(s, NEW, &back, &err), 0);
	a = text(f->doc);
	b = text(back);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(back);
	rev = store_revision(s);
	assert_int_equal(import(s, NEW2, f->doc, NULL, &res), 0);
	assert_true(res.replayed);
	assert_true(json_is_true(json_object_get(res.object, "unchanged")));
	store_result_release(&res);
	assert_int_equal(store_revision(s), rev);
}

/* Imported beside its source with a new name, auto VNIs, no bindings. */
static void test_rebind(void **state)
{
	struct fx *f = *state;
	struct store *s = f->st->s[0];
	struct store_result res;
	json_t *nets;

	assert_int_equal(import(s, NEW, f->doc,
				"{\"rebind\":{\"vni\":\"auto\",\"name_prefix\":\"copy-\"},"
				"\"bind_ports\":false}",
				&res),
			 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(res.object, "tenant"), "name")),
	    "copy-src");
	store_result_release(&res);
	nets = fixture_tenant_list(s, MODEL_NETWORK, NEW);
	assert_int_equal(json_array_size(nets), 2);
	json_decref(nets);
	/* the same again: unchanged */
	assert_int_equal(import(s, NEW2, f->doc,
				"{\"rebind\":{\"vni\":\"auto\",\"name_prefix\":\"copy-\"},"
				"\"bind_ports\":false}",
				&res),
			 0);
	assert_true(res.replayed);
	store_result_release(&res);
}

/* Expects doc (imported into the target store) to be refused with rc and
 * field, nothing written. */
static void refused(struct fx *f, struct store *s, const json_t *doc, const char *extra, int rc,
		    const char *field)
{
	struct store_result res;
	uint64_t rev = store_revision(s);

	assert_int_equal(import(s, NEW, doc, extra, &res), rc);
	if (strncmp(res.err.field, field, strlen(field)) != 0)
		fail_msg("field %s, expected %s (%s)", res.err.field, field, res.err.message);
	store_result_release(&res);
	assert_int_equal(store_revision(s), rev);
	assert_int_equal(store_get(s, MODEL_TENANT, NEW, &(json_t *){NULL}), -ENOENT);
	(void)f;
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	struct store *s = f->st->s[1];
	json_t *d;
	char *t;

	fixture_host_create(s, "h1", FT_KEY1, "198.18.0.1");
	fixture_host_create(s, "h2", FT_KEY2, "198.18.0.2");
	/* truncated JSON: the body is no document */
	t = text(f->doc);
	t[strlen(t) / 2] = '\0';
	d = json_loads(t, 0, NULL);
	assert_null(d);
	free(t);
	refused(f, s, json_null(), NULL, -EINVAL, "document");
	/* wrong version */
	d = json_deep_copy(f->doc);
	json_object_set_new(d, "format", json_string("tenet.tenant/v2"));
	rehash(d);
	refused(f, s, d, NULL, -EINVAL, "format");
	json_decref(d);
	/* bad hash */
	d = json_deep_copy(f->doc);
	json_object_set_new(json_object_get(d, "tenant"), "description", json_string("x"));
	refused(f, s, d, NULL, -EINVAL, "sha256");
	json_decref(d);
	/* dangling reference */
	d = json_deep_copy(f->doc);
	json_object_set_new(json_array_get(json_object_get(d, "subnets"), 1), "network",
			    json_string("nope"));
	rehash(d);
	refused(f, s, d, NULL, -EINVAL, "subnets[1].network");
	json_decref(d);
	/* duplicate names */
	d = json_deep_copy(f->doc);
	json_object_set(json_array_get(json_object_get(d, "networks"), 1), "name",
			json_object_get(json_array_get(json_object_get(d, "networks"), 0), "name"));
	rehash(d);
	refused(f, s, d, NULL, -EINVAL, "networks[1].name");
	json_decref(d);
	/* an invalid object deep inside: refused by the store, nothing written */
	d = json_deep_copy(f->doc);
	json_object_set_new(json_array_get(json_object_get(d, "subnets"), 0), "cidr",
			    json_string("10.0.1.0/33"));
	rehash(d);
	refused(f, s, d, NULL, -EINVAL, "subnets[0].cidr");
	json_decref(d);
	/* a VNI in use (the source's own, in its store) */
	refused(f, f->st->s[0], f->doc, "{\"tenant\":\"other\"}", -EEXIST, "networks[0].vni");
	/* the name taken by a tenant with other content */
	d = json_deep_copy(f->doc);
	json_object_set_new(json_object_get(d, "tenant"), "description", json_string("other"));
	rehash(d);
	refused(f, f->st->s[0], d, "{\"rebind\":{\"vni\":\"auto\"}}", -EEXIST, "tenant");
	json_decref(d);
}

/* A tenant whose objects share a name cannot be exported: the reason names
 * the duplicate. */
static void test_duplicate_export(void **state)
{
	struct fx *f = *state;
	struct model_error err = {0};
	json_t *doc = NULL;

	fixture_apply(f->st->s[0], STORE_OP_CREATE, MODEL_NETWORK,
		      "a0000000-0000-4000-8000-000000000019",
		      "{\"tenant_id\":\"" FT_T "\",\"name\":\"n1\"}");
	assert_int_equal(store_tenant_export(f->st->s[0], FT_T, &doc, &err), -EEXIST);
	assert_string_equal(err.field, "networks");
	assert_non_null(strstr(err.message, "n1"));
	assert_null(doc);
}

/* Large documents go through whole: 400 more ports. */
static void test_large(void **state)
{
	struct fx *f = *state;
	struct store_result res;
	json_t *d = json_deep_copy(f->doc), *ports = json_object_get(d, "ports");

	for (int i = 0; i < 400; i++) {
		char ip[32], mac[32];

		snprintf(ip, sizeof(ip), "10.0.1.%d", 20 + i % 200);
		snprintf(mac, sizeof(mac), "fa:16:3e:10:%02x:%02x", i >> 8, i & 0xff);
		if (i >= 200)
			snprintf(ip, sizeof(ip), "10.0.2.%d", 20 + (i - 200) % 200);
		json_array_append_new(
		    ports,
		    json_pack("{s:s,s:s,s:[{s:s,s:s}],s:b,s:[],s:[],s:n}", "network",
			      i < 200 ? "n1" : "n2", "mac_address", mac, "fixed_ips", "subnet",
			      i < 200 ? "s1" : "s2", "ip_address", ip, "port_security_enabled", 0,
			      "security_groups", "allowed_address_pairs", "binding"));
	}
	rehash(d);
	fixture_host_create(f->st->s[1], "h1", FT_KEY1, "198.18.0.1");
	fixture_host_create(f->st->s[1], "h2", FT_KEY2, "198.18.0.2");
	assert_int_equal(import(f->st->s[1], NEW, d, NULL, &res), 0);
	store_result_release(&res);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rebind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_export, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
