/* store_tenant.c - a tenant's whole topology as one document: export, and
 * clone and import, each applied as ONE command in one write transaction
 * (all or nothing; see store.h, STORE_OP_CLONE and STORE_OP_IMPORT).
 *
 * A clone is an export of the source, referencing objects by their source
 * ids, materialised at once under the new tenant; an import materialises a
 * document that references objects by name. Materialising creates every
 * object through the same prepare/index path as a create command, so the
 * store checks each one as it would a request; the new ids are derived from
 * the new tenant's id and the object's place in the (sorted) document, so
 * every replica derives the same ones. */
#include "store_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define TENANT_FORMAT "tenet.tenant/v1"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* How each kind travels in a document: the section holding it, or NULL for
 * a kind that belongs to no tenant (hosts). Indexed by kind: a kind added
 * to the model without an entry here stops the build; a unit test walks
 * every kind against it (unit.store_clone). */
struct tenant_kind {
	const char *section; /* document member, NULL: not a tenant's */
	bool global;	     /* shared by every tenant: never copied */
};

static const struct tenant_kind tenant_kinds[] = {
    [MODEL_TENANT] = {"tenant", false},
    [MODEL_NETWORK] = {"networks", false},
    [MODEL_SUBNET] = {"subnets", false},
    [MODEL_PORT] = {"ports", false},
    [MODEL_HOST] = {NULL, true},
    [MODEL_ROUTER] = {"routers", false},
    [MODEL_ROUTER_INTERFACE] = {"router_interfaces", false},
    [MODEL_SECURITY_GROUP] = {"security_groups", false},
    [MODEL_SECURITY_GROUP_RULE] = {"rules", false}, /* inside their group */
};

_Static_assert(ARRAY_SIZE(tenant_kinds) == MODEL_KIND_MAX,
	       "every model kind needs clone and export support in store_tenant.c");

const char *store_tenant_section(enum model_kind kind, bool *global)
{
	if ((unsigned int)kind >= MODEL_KIND_MAX)
		return NULL;
	if (global)
		*global = tenant_kinds[kind].global;
	return tenant_kinds[kind].section;
}

static const char *ten_str(const json_t *o, const char *f)
{
	const char *s = json_string_value(json_object_get(o, f));

	return s ? s : "";
}

/* ---- export ---- */

/* Objects of kind whose tenant_id is tenant, in id order, appended to out. */
static int ten_collect(struct store_txn *t, enum model_kind kind, const char *tenant, json_t *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(t->txn, t->s->objs[kind], &cur);
	if (rc)
		return stx_errno(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		json_t *o = stx_parse(&v);

		if (!o) {
			mdb_cursor_close(cur);
			return -EIO;
		}
		if (strcmp(ten_str(o, "tenant_id"), tenant) == 0)
			json_array_append(out, o);
		json_decref(o);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : stx_errno(rc);
}

/* The writable fields of obj (what a create may give), less tenant_id and
 * the references (rewritten by the caller). */
static json_t *ten_fields(enum model_kind kind, const json_t *obj)
{
	json_t *out = json_object(), *v;
	const char *f;

	json_object_foreach((json_t *)obj, f, v)
	{
		if (!model_field_writable(kind, f) || strcmp(f, "tenant_id") == 0 ||
		    strcmp(f, "network_id") == 0 || strcmp(f, "subnet_id") == 0 ||
		    strcmp(f, "router_id") == 0 || strcmp(f, "security_group_id") == 0 ||
		    strcmp(f, "remote_group_id") == 0 || strcmp(f, "security_groups") == 0)
			continue;
		json_object_set(out, f, v);
	}
	return out;
}

/* Maps id -> reference key of one kind's objects (name, or the id itself
 * when by_id); -EEXIST naming the duplicate when two share a name. */
static int ten_keys(struct store_txn *t, const json_t *objs, const char *section, bool by_id,
		    json_t *map)
{
	json_t *seen = json_object(), *o;
	size_t i;
	int rc = 0;

	json_array_foreach(objs, i, o)
	{
		const char *key = by_id ? ten_str(o, "id") : ten_str(o, "name");

		if (!by_id && json_object_get(seen, key)) {
			model_error_set(t->err, "duplicate_name", section,
					"%s: two objects are named \"%.60s\": names must be "
					"unique in a tenant to export it",
					section, key);
			rc = -EEXIST;
			break;
		}
		json_object_set_new(seen, key, json_true());
		json_object_set_new(map, ten_str(o, "id"), json_string(key));
	}
	json_decref(seen);
	return rc;
}

static json_t *ten_ref(const json_t *map, const char *id)
{
	json_t *v = json_object_get(map, id);

	return v ? json_incref(v) : json_null();
}

static int ten_cmp_dump(const void *a, const void *b)
{
	char *x = json_dumps(*(json_t *const *)a, JSON_COMPACT | JSON_SORT_KEYS);
	char *y = json_dumps(*(json_t *const *)b, JSON_COMPACT | JSON_SORT_KEYS);
	int c = strcmp(x ? x : "", y ? y : "");

	free(x);
	free(y);
	return c;
}

/* Sorts arr by its elements' canonical text (names come first in sorted
 * keys only by chance: the whole text decides, which is total). */
static void ten_sort(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), ten_cmp_dump);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

/* The export entry of a port. */
static json_t *ten_port(const json_t *o, const json_t *nets, const json_t *subs, const json_t *sgs)
{
	json_t *e = ten_fields(MODEL_PORT, o), *fips = json_array(), *groups = json_array(), *x;
	size_t i;

	json_object_set_new(e, "network", ten_ref(nets, ten_str(o, "network_id")));
	json_array_foreach(json_object_get(o, "fixed_ips"), i, x) json_array_append_new(
	    fips, json_pack("{s:o,s:s}", "subnet", ten_ref(subs, ten_str(x, "subnet_id")),
			    "ip_address", ten_str(x, "ip_address")));
	json_object_set_new(e, "fixed_ips", fips);
	json_array_foreach(json_object_get(o, "security_groups"), i, x)
	    json_array_append_new(groups, ten_ref(sgs, json_string_value(x)));
	ten_sort(groups);
	json_object_set_new(e, "security_groups", groups);
	return e;
}

/* The export entry of a group with its rules (of rules, by group id). */
static json_t *ten_group(const json_t *o, const json_t *rules, const json_t *sgs)
{
	json_t *e = ten_fields(MODEL_SECURITY_GROUP, o), *list = json_array(), *r;
	size_t i;

	json_array_foreach(rules, i, r)
	{
		json_t *re;
		const char *rg;

		if (strcmp(ten_str(r, "security_group_id"), ten_str(o, "id")) != 0)
			continue;
		re = ten_fields(MODEL_SECURITY_GROUP_RULE, r);
		rg = json_string_value(json_object_get(r, "remote_group_id"));
		json_object_set_new(re, "remote_group", rg ? ten_ref(sgs, rg) : json_null());
		json_array_append_new(list, re);
	}
	ten_sort(list);
	json_object_set_new(e, "rules", list);
	return e;
}

/* Fills doc's sections from the tenant's objects (objs, by kind). */
static int ten_build(struct store_txn *t, json_t *objs[MODEL_KIND_MAX], bool by_id, json_t *doc)
{
	json_t *map[MODEL_KIND_MAX] = {0}, *sec[MODEL_KIND_MAX] = {0}, *o;
	const enum model_kind named[] = {MODEL_NETWORK, MODEL_SUBNET, MODEL_ROUTER,
					 MODEL_SECURITY_GROUP};
	size_t i;
	int rc = 0;

	for (size_t k = 0; k < MODEL_KIND_MAX; k++) {
		map[k] = json_object();
		sec[k] = json_array();
	}
	for (size_t j = 0; j < ARRAY_SIZE(named) && rc == 0; j++)
		rc = ten_keys(t, objs[named[j]], tenant_kinds[named[j]].section, by_id,
			      map[named[j]]);
	json_array_foreach(objs[MODEL_NETWORK], i, o)
	{
		json_t *e = ten_fields(MODEL_NETWORK, o);

		json_object_set(e, "vni", json_object_get(o, "vni"));
		json_array_append_new(sec[MODEL_NETWORK], e);
	}
	json_array_foreach(objs[MODEL_SUBNET], i, o)
	{
		json_t *e = ten_fields(MODEL_SUBNET, o);

		json_object_set_new(e, "network",
				    ten_ref(map[MODEL_NETWORK], ten_str(o, "network_id")));
		json_array_append_new(sec[MODEL_SUBNET], e);
	}
	json_array_foreach(objs[MODEL_ROUTER], i, o)
	    json_array_append_new(sec[MODEL_ROUTER], ten_fields(MODEL_ROUTER, o));
	json_array_foreach(objs[MODEL_ROUTER_INTERFACE], i, o) json_array_append_new(
	    sec[MODEL_ROUTER_INTERFACE],
	    json_pack("{s:o,s:o}", "router", ten_ref(map[MODEL_ROUTER], ten_str(o, "router_id")),
		      "subnet", ten_ref(map[MODEL_SUBNET], ten_str(o, "subnet_id"))));
	json_array_foreach(objs[MODEL_SECURITY_GROUP], i, o) json_array_append_new(
	    sec[MODEL_SECURITY_GROUP],
	    ten_group(o, objs[MODEL_SECURITY_GROUP_RULE], map[MODEL_SECURITY_GROUP]));
	json_array_foreach(objs[MODEL_PORT], i, o) json_array_append_new(
	    sec[MODEL_PORT],
	    ten_port(o, map[MODEL_NETWORK], map[MODEL_SUBNET], map[MODEL_SECURITY_GROUP]));
	for (size_t k = MODEL_NETWORK; k < MODEL_KIND_MAX; k++) {
		if (!tenant_kinds[k].section || k == MODEL_SECURITY_GROUP_RULE)
			continue;
		if (by_id) /* the source ids are the references */
			json_array_foreach(sec[k], i, o) json_object_set(
			    o, "id", json_object_get(json_array_get(objs[k], i), "id"));
		ten_sort(sec[k]);
		json_object_set(doc, tenant_kinds[k].section, sec[k]);
	}
	for (size_t k = 0; k < MODEL_KIND_MAX; k++) {
		json_decref(map[k]);
		json_decref(sec[k]);
	}
	return rc;
}

/* The content hash of doc: SHA-256 of its compact sorted-key JSON text
 * without the "sha256" member, in hex. out: 65 bytes. 0 or -ENOMEM. */
int store_tenant_hash(const json_t *doc, char out[65])
{
	json_t *c = json_copy((json_t *)doc);
	uint8_t h[crypto_hash_sha256_BYTES];
	char *text;

	if (!c)
		return -ENOMEM;
	json_object_del(c, "sha256");
	text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(c);
	if (!text)
		return -ENOMEM;
	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	free(text);
	sodium_bin2hex(out, 65, h, sizeof(h));
	return 0;
}

/* Exports tenant in t into *doc; by_id: references by source id (clone). */
static int ten_export(struct store_txn *t, const char *tenant, bool by_id, json_t **doc)
{
	json_t *objs[MODEL_KIND_MAX] = {0}, *ten = NULL;
	char hash[65];
	int rc;

	*doc = NULL;
	rc = stx_obj_get(t, MODEL_TENANT, tenant, &ten);
	if (rc == -ENOENT)
		model_error_set(t->err, "not_found", "id", "tenant %.40s not found", tenant);
	if (rc < 0)
		return rc;
	for (int k = MODEL_NETWORK; k < MODEL_KIND_MAX && rc == 0; k++) {
		objs[k] = json_array();
		if (tenant_kinds[k].section)
			rc = ten_collect(t, k, tenant, objs[k]);
	}
	if (rc == 0) {
		*doc = json_pack("{s:s,s:{s:s,s:s}}", "format", TENANT_FORMAT, "tenant", "name",
				 ten_str(ten, "name"), "description", ten_str(ten, "description"));
		rc = *doc ? ten_build(t, objs, by_id, *doc) : -ENOMEM;
	}
	if (rc == 0)
		rc = store_tenant_hash(*doc, hash);
	if (rc == 0)
		json_object_set_new(*doc, "sha256", json_string(hash));
	if (rc < 0) {
		json_decref(*doc);
		*doc = NULL;
	}
	for (int k = 0; k < MODEL_KIND_MAX; k++)
		json_decref(objs[k]);
	json_decref(ten);
	return rc;
}

int store_tenant_export(struct store *s, const char *tenant, json_t **doc, struct model_error *err)
{
	struct store_txn t = {.s = s, .err = err};
	int rc;

	if (!s || !tenant || !doc)
		return -EINVAL;
	if (strlen(tenant) > STORE_ID_MAX) {
		model_error_set(err, "not_found", "id", "no such tenant");
		return -ENOENT;
	}
	rc = store_read_begin(s, &t);
	if (rc < 0)
		return rc;
	t.err = err; /* store_read_begin leaves none */
	rc = ten_export(&t, tenant, false, doc);
	mdb_txn_abort(t.txn);
	return rc;
}

/* ---- document checks (no store) ---- */

/* Sets err with the document path "<section>[i].<field>" (i < 0: the
 * section alone) and the printf-style message; returns rc. */
static int ten_bad(struct model_error *err, int rc, const char *section, long i, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int ten_bad(struct model_error *err, int rc, const char *section, long i, const char *field,
		   const char *fmt, ...)
{
	char path[96], msg[sizeof(err->message)];
	va_list ap;

	if (i >= 0)
		snprintf(path, sizeof(path), "%s[%ld]%s%s", section, i, field[0] ? "." : "", field);
	else
		snprintf(path, sizeof(path), "%s", section);
	path[sizeof(err->field) - 1] = '\0';
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	model_error_set(err, rc == -EINVAL ? "invalid_document" : "conflict", path, "%s", msg);
	return rc;
}

/* Checks that every name/key entry of section is a unique string: fills
 * keys (key -> index). */
static int ten_check_keys(const json_t *doc, const char *section, bool by_id, json_t *keys,
			  struct model_error *err)
{
	const json_t *arr = json_object_get(doc, section), *e;
	size_t i;

	if (!json_is_array(arr))
		return ten_bad(err, -EINVAL, section, -1, "", "%s must be an array", section);
	json_array_foreach(arr, i, e)
	{
		const json_t *k = json_object_get(e, by_id ? "id" : "name");

		if (!json_is_object(e))
			return ten_bad(err, -EINVAL, section, (long)i, "", "%s must be an object",
				       "an entry");
		if (!json_is_string(k) && tenant_kinds[MODEL_ROUTER_INTERFACE].section != section &&
		    strcmp(section, "ports") != 0)
			return ten_bad(err, -EINVAL, section, (long)i, by_id ? "id" : "name",
				       "%s must be a string", by_id ? "id" : "name");
		if (!json_is_string(k) || strcmp(section, "ports") == 0 ||
		    strcmp(section, "router_interfaces") == 0)
			continue;
		if (json_object_get(keys, json_string_value(k)))
			return ten_bad(err, -EINVAL, section, (long)i, "name",
				       "duplicate name \"%.60s\"", json_string_value(k));
		json_object_set_new(keys, json_string_value(k), json_integer((json_int_t)i));
	}
	return 0;
}

/* Checks that e.field (a string, or null when nullable) names an entry of
 * keys. */
static int ten_check_ref(const json_t *e, const char *field, const json_t *keys, bool nullable,
			 const char *section, size_t i, struct model_error *err)
{
	const json_t *v = json_object_get(e, field);

	if (nullable && (!v || json_is_null(v)))
		return 0;
	if (!json_is_string(v))
		return ten_bad(err, -EINVAL, section, (long)i, field, "%s must be a name", field);
	if (!json_object_get(keys, json_string_value(v)))
		return ten_bad(err, -EINVAL, section, (long)i, field,
			       "dangling reference: no object named \"%.60s\"",
			       json_string_value(v));
	return 0;
}

static int ten_check_refs(const json_t *doc, json_t *const keys[MODEL_KIND_MAX],
			  struct model_error *err)
{
	const json_t *e, *x;
	size_t i, j;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "subnets"), i, e) if (rc == 0) rc =
	    ten_check_ref(e, "network", keys[MODEL_NETWORK], false, "subnets", i, err);
	json_array_foreach(json_object_get(doc, "router_interfaces"), i, e)
	{
		if (rc == 0)
			rc = ten_check_ref(e, "router", keys[MODEL_ROUTER], false,
					   "router_interfaces", i, err);
		if (rc == 0)
			rc = ten_check_ref(e, "subnet", keys[MODEL_SUBNET], false,
					   "router_interfaces", i, err);
	}
	json_array_foreach(json_object_get(doc, "security_groups"), i, e)
	{
		if (rc == 0 && !json_is_array(json_object_get(e, "rules")))
			rc = ten_bad(err, -EINVAL, "security_groups", (long)i, "rules",
				     "%s must be an array", "rules");
		json_array_foreach(json_object_get(e, "rules"), j, x) if (rc == 0) rc =
		    ten_check_ref(x, "remote_group", keys[MODEL_SECURITY_GROUP], true,
				  "security_groups", i, err);
	}
	json_array_foreach(json_object_get(doc, "ports"), i, e)
	{
		if (rc == 0)
			rc = ten_check_ref(e, "network", keys[MODEL_NETWORK], false, "ports", i,
					   err);
		json_array_foreach(json_object_get(e, "fixed_ips"), j, x) if (rc == 0) rc =
		    ten_check_ref(x, "subnet", keys[MODEL_SUBNET], false, "ports", i, err);
		json_array_foreach(json_object_get(e, "security_groups"), j,
				   x) if (rc == 0 && !json_object_get(keys[MODEL_SECURITY_GROUP],
								      json_string_value(x))) rc =
		    ten_bad(err, -EINVAL, "ports", (long)i, "security_groups",
			    "dangling reference: no group named \"%.60s\"",
			    json_is_string(x) ? json_string_value(x) : "?");
	}
	return rc;
}

/* Checks doc (by_id: references by id) and fills keys[kind] with its
 * reference keys. */
static int ten_check(const json_t *doc, bool by_id, json_t *keys[MODEL_KIND_MAX],
		     struct model_error *err)
{
	static const char *const known[] = {"format",	       "tenant",  "networks",
					    "subnets",	       "routers", "router_interfaces",
					    "security_groups", "ports",	  "sha256"};
	char hash[65];
	const char *f;
	json_t *v;
	int rc = 0;

	if (!json_is_object(doc))
		return ten_bad(err, -EINVAL, "document", -1, "", "%s must be an object",
			       "the document");
	if (strcmp(ten_str(doc, "format"), TENANT_FORMAT) != 0)
		return ten_bad(err, -EINVAL, "format", -1, "", "format must be \"%s\"",
			       TENANT_FORMAT);
	json_object_foreach((json_t *)doc, f, v)
	{
		size_t j = 0;

		while (j < ARRAY_SIZE(known) && strcmp(f, known[j]) != 0)
			j++;
		if (j == ARRAY_SIZE(known))
			return ten_bad(err, -EINVAL, "document", -1, "", "unknown member %.60s", f);
	}
	if (!by_id) {
		if (store_tenant_hash(doc, hash) < 0)
			return -ENOMEM;
		if (strcmp(ten_str(doc, "sha256"), hash) != 0)
			return ten_bad(err, -EINVAL, "sha256", -1, "", "%s",
				       "sha256 does not match the content");
	}
	if (!json_is_object(json_object_get(doc, "tenant")) ||
	    !json_is_string(json_object_get(json_object_get(doc, "tenant"), "name")))
		return ten_bad(err, -EINVAL, "tenant", -1, "", "%s",
			       "tenant must be an object with a name");
	for (int k = MODEL_NETWORK; k < MODEL_KIND_MAX && rc == 0; k++)
		if (tenant_kinds[k].section && k != MODEL_SECURITY_GROUP_RULE)
			rc = ten_check_keys(doc, tenant_kinds[k].section, by_id, keys[k], err);
	return rc ? rc : ten_check_refs(doc, keys, err);
}

int store_tenant_doc_check(const json_t *doc, struct model_error *err)
{
	json_t *keys[MODEL_KIND_MAX];
	int rc;

	for (int k = 0; k < MODEL_KIND_MAX; k++)
		keys[k] = json_object();
	rc = ten_check(doc, false, keys, err);
	for (int k = 0; k < MODEL_KIND_MAX; k++)
		json_decref(keys[k]);
	return rc;
}

/* ---- materialise ---- */

/* What a clone or import asks for. */
struct ten_opts {
	const char *tenant;	     /* the new tenant's id */
	const char *name;	     /* its name */
	bool by_id;		     /* references are source ids (clone) */
	const json_t *vni;	     /* "auto", or {"old": new} (import); NULL: auto */
	const json_t *hosts;	     /* {"old host": "new host"} or NULL */
	bool bind_ports;	     /* keep (mapped) bindings */
	json_t *ids[MODEL_KIND_MAX]; /* reference key -> new id, by kind */
	json_t *counts;		     /* section -> objects created */
};

/* The id of the n-th object of section in the new tenant. */
static void ten_new_id(const struct ten_opts *o, const char *section, size_t n, size_t m,
		       char out[MODEL_UUID_LEN + 1])
{
	char text[MODEL_UUID_LEN + 80], hex[33];
	uint8_t h[16];

	snprintf(text, sizeof(text), "tenant:%s:%s:%zu:%zu", o->tenant, section, n, m);
	crypto_generichash(h, sizeof(h), (const uint8_t *)text, strlen(text), NULL, 0);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, MODEL_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
		 hex + 16, hex + 20);
}

static const char *ten_key(const struct ten_opts *o, const json_t *e)
{
	return ten_str(e, o->by_id ? "id" : "name");
}

static const char *ten_id(const struct ten_opts *o, enum model_kind k, const json_t *e,
			  const char *field)
{
	return json_string_value(json_object_get(o->ids[k], ten_str(e, field)));
}

/* A copy of entry e for a create body: less the document-only members. */
static json_t *ten_body(const json_t *e)
{
	json_t *b = json_deep_copy(e);

	if (b) {
		static const char *const drop[] = {"id",    "network", "subnet",      "router",
						   "rules", "vni",     "remote_group"};

		for (size_t i = 0; i < ARRAY_SIZE(drop); i++)
			json_object_del(b, drop[i]);
	}
	return b;
}

/* Prefixes t->err's field with the entry's document path. */
static int ten_at(struct store_txn *t, int rc, const char *section, size_t i)
{
	char f[128];
	size_t n;

	if (rc < 0 && t->err) {
		snprintf(f, sizeof(f), "%s[%zu]%s%s", section, i, t->err->field[0] ? "." : "",
			 t->err->field);
		n = strnlen(f, sizeof(t->err->field) - 1);
		memcpy(t->err->field, f, n);
		t->err->field[n] = '\0';
	}
	return rc;
}

/* Creates kind from body as the n-th of section; records key -> id. */
static int ten_create(struct store_txn *t, struct ten_opts *o, enum model_kind k, size_t n,
		      size_t m, const char *key, json_t *body, bool checked)
{
	const char *section = tenant_kinds[k].section;
	char id[MODEL_UUID_LEN + 1];
	int rc;

	ten_new_id(o, section, n, m, id);
	if (!body)
		return -ENOMEM;
	rc = checked ? stx_create_checked(t, k, id, body) : stx_create(t, k, id, body);
	json_decref(body);
	if (rc == 0 && key)
		json_object_set_new(o->ids[k], key, json_string(id));
	if (rc == 0)
		json_object_set_new(
		    o->counts, section,
		    json_integer(json_integer_value(json_object_get(o->counts, section)) + 1));
	return ten_at(t, rc, section, n);
}

static int ten_networks(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "networks"), i, e)
	{
		json_t *b = ten_body(e);
		struct model_error *err = t->err;
		const json_t *vni = json_object_get(e, "vni");
		char old[24];

		if (!b)
			return -ENOMEM;
		json_object_set_new(b, "tenant_id", json_string(o->tenant));
		rc = model_validate_create(MODEL_NETWORK, b, err);
		snprintf(old, sizeof(old), "%lld", (long long)json_integer_value(vni));
		/* mapped, or the document's own unless "auto" (new ones) */
		if (rc == 0 && json_is_object(o->vni) && json_object_get(o->vni, old))
			json_object_set(b, "vni", json_object_get(o->vni, old));
		else if (rc == 0 && !json_is_string(o->vni) && json_is_integer(vni))
			json_object_set(b, "vni", (json_t *)vni);
		if (rc < 0) {
			json_decref(b);
			return ten_at(t, rc, "networks", i);
		}
		rc = ten_create(t, o, MODEL_NETWORK, i, 0, ten_key(o, e), b, true);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int ten_subnets(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "subnets"), i, e)
	{
		json_t *b = ten_body(e);

		if (b)
			json_object_set_new(b, "network_id",
					    json_string(ten_id(o, MODEL_NETWORK, e, "network")));
		rc = ten_create(t, o, MODEL_SUBNET, i, 0, ten_key(o, e), b, false);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Routers without their routes: a route's next hop needs the interfaces,
 * which need the router; the routes follow in ten_routes. */
static int ten_routers(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "routers"), i, e)
	{
		json_t *b = ten_body(e);

		if (b) {
			json_object_del(b, "routes");
			json_object_set_new(b, "tenant_id", json_string(o->tenant));
		}
		rc = ten_create(t, o, MODEL_ROUTER, i, 0, ten_key(o, e), b, false);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int ten_routes(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "routers"), i, e)
	{
		const json_t *routes = json_object_get(e, "routes");
		json_t *patch;

		if (!json_array_size(routes))
			continue;
		patch = json_pack("{s:O}", "routes", routes);
		rc = patch ? stx_update(t, MODEL_ROUTER,
					ten_id(o, MODEL_ROUTER, e, o->by_id ? "id" : "name"), patch,
					NULL)
			   : -ENOMEM;
		json_decref(patch);
		if (rc < 0)
			return ten_at(t, rc, "routers", i);
	}
	return 0;
}

static int ten_rifs(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "router_interfaces"), i, e)
	{
		json_t *b =
		    json_pack("{s:s?,s:s?}", "router_id", ten_id(o, MODEL_ROUTER, e, "router"),
			      "subnet_id", ten_id(o, MODEL_SUBNET, e, "subnet"));

		rc = ten_create(t, o, MODEL_ROUTER_INTERFACE, i, 0, NULL, b, false);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Groups first (rules name their remote groups), the default group being
 * the tenant's own, emptied of the rules the store gave it. */
static int ten_groups(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "security_groups"), i, e)
	{
		char def[STORE_ID_MAX + 1];
		json_t *b;

		if (strcmp(ten_str(e, "name"), STORE_SG_DEFAULT) != 0) {
			b = ten_body(e);
			if (b)
				json_object_set_new(b, "tenant_id", json_string(o->tenant));
			rc = ten_create(t, o, MODEL_SECURITY_GROUP, i, 0, ten_key(o, e), b, false);
			if (rc < 0)
				return rc;
			continue;
		}
		rc = store_sg_default(t, o->tenant, def);
		if (rc == 0)
			rc = store_kind_cascade(t, MODEL_SECURITY_GROUP, def);
		b = json_pack("{s:s}", "description", ten_str(e, "description"));
		if (rc == 0 && json_object_get(e, "description"))
			rc = b ? stx_update(t, MODEL_SECURITY_GROUP, def, b, NULL) : -ENOMEM;
		json_decref(b);
		if (rc < 0)
			return ten_at(t, rc, "security_groups", i);
		json_object_set_new(o->ids[MODEL_SECURITY_GROUP], ten_key(o, e), json_string(def));
		json_object_set_new(
		    o->counts, "security_groups",
		    json_integer(json_integer_value(json_object_get(o->counts, "security_groups")) +
				 1));
	}
	return 0;
}

static int ten_rules(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e, *r;
	size_t i, j;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "security_groups"), i, e)
	{
		const char *gid = ten_id(o, MODEL_SECURITY_GROUP, e, o->by_id ? "id" : "name");

		json_array_foreach(json_object_get(e, "rules"), j, r)
		{
			json_t *b = ten_body(r);
			const char *rg = json_string_value(json_object_get(r, "remote_group"));

			if (b) {
				json_object_set_new(b, "security_group_id", json_string(gid));
				if (rg)
					json_object_set_new(
					    b, "remote_group_id",
					    json_string(ten_id(o, MODEL_SECURITY_GROUP, r,
							       "remote_group")));
			}
			rc = ten_create(t, o, MODEL_SECURITY_GROUP_RULE, i, j + 1, NULL, b, false);
			if (rc < 0)
				return ten_at(t, rc, "security_groups", i);
		}
	}
	return 0;
}

/* A port's binding in the new tenant: none unless bindings are kept, the
 * host mapped through the host map. */
static void ten_binding(const struct ten_opts *o, json_t *b)
{
	json_t *bind = json_object_get(b, "binding"), *to;

	if (!o->bind_ports || !json_is_object(bind)) {
		json_object_set_new(b, "binding", json_null());
		return;
	}
	to = json_object_get(o->hosts, ten_str(bind, "host"));
	if (json_is_string(to))
		json_object_set(bind, "host", to);
}

static int ten_ports(struct store_txn *t, struct ten_opts *o, const json_t *doc)
{
	const json_t *e, *x;
	size_t i, j;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "ports"), i, e)
	{
		json_t *b = ten_body(e), *fips = json_array(), *sgs = json_array();

		if (!b || !fips || !sgs) {
			json_decref(b);
			json_decref(fips);
			json_decref(sgs);
			return -ENOMEM;
		}
		json_object_set_new(b, "network_id",
				    json_string(ten_id(o, MODEL_NETWORK, e, "network")));
		json_array_foreach(json_object_get(e, "fixed_ips"), j, x) json_array_append_new(
		    fips, json_pack("{s:s?,s:s}", "subnet_id", ten_id(o, MODEL_SUBNET, x, "subnet"),
				    "ip_address", ten_str(x, "ip_address")));
		json_array_foreach(json_object_get(e, "security_groups"), j, x)
		    json_array_append_new(
			sgs, json_string(json_string_value(json_object_get(
				 o->ids[MODEL_SECURITY_GROUP], json_string_value(x)))));
		json_object_set_new(b, "fixed_ips", fips);
		json_object_set_new(b, "security_groups", sgs);
		ten_binding(o, b);
		rc = ten_create(t, o, MODEL_PORT, i, 0, NULL, b, false);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Materialises doc (checked) as the new tenant o->tenant. */
static int ten_materialise(struct store_txn *t, struct ten_opts *o, const json_t *doc, json_t **out)
{
	const json_t *ten = json_object_get(doc, "tenant");
	json_t *body, *tobj = NULL;
	int rc;

	body = json_pack("{s:s,s:s}", "name", o->name, "description", ten_str(ten, "description"));
	if (!body)
		return -ENOMEM;
	rc = stx_create(t, MODEL_TENANT, o->tenant, body);
	tobj = body;
	if (rc == 0)
		rc = ten_networks(t, o, doc);
	if (rc == 0)
		rc = ten_subnets(t, o, doc);
	if (rc == 0)
		rc = ten_routers(t, o, doc);
	if (rc == 0)
		rc = ten_groups(t, o, doc);
	if (rc == 0)
		rc = ten_rules(t, o, doc);
	if (rc == 0)
		rc = ten_rifs(t, o, doc);
	if (rc == 0)
		rc = ten_routes(t, o, doc);
	if (rc == 0)
		rc = ten_ports(t, o, doc);
	if (rc == 0) {
		*out = json_pack("{s:O,s:O}", "tenant", tobj, "counts", o->counts);
		rc = *out ? 0 : -ENOMEM;
	}
	json_decref(tobj);
	return rc;
}

/* The id of the tenant named name, "" if none; -EEXIST if several. */
static int ten_by_name(struct store_txn *t, const char *name, char id[STORE_ID_MAX + 1])
{
	json_t *all = json_array(), *o;
	size_t i, n = 0;
	int rc;

	id[0] = '\0';
	if (!all)
		return -ENOMEM;
	{
		MDB_cursor *cur;
		MDB_val k, v;

		rc = mdb_cursor_open(t->txn, t->s->objs[MODEL_TENANT], &cur);
		if (rc) {
			json_decref(all);
			return stx_errno(rc);
		}
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			o = stx_parse(&v);
			if (o && strcmp(ten_str(o, "name"), name) == 0)
				json_array_append(all, o);
			json_decref(o);
		}
		mdb_cursor_close(cur);
	}
	json_array_foreach(all, i, o) if (n++ == 0)
	    snprintf(id, STORE_ID_MAX + 1, "%s", ten_str(o, "id"));
	json_decref(all);
	if (n > 1) {
		model_error_set(t->err, "conflict", "tenant", "%zu tenants are named %.60s", n,
				name);
		return -EEXIST;
	}
	return 0;
}

/* Document doc as it would read once imported with o: VNIs mapped (or
 * dropped when auto), hosts mapped, the tenant renamed. */
static json_t *ten_expected(const struct ten_opts *o, const json_t *doc, bool drop_vni)
{
	json_t *d = json_deep_copy(doc), *e;
	size_t i;

	if (!d)
		return NULL;
	json_object_del(d, "sha256");
	json_object_set_new(json_object_get(d, "tenant"), "name", json_string(o->name));
	json_array_foreach(json_object_get(d, "networks"), i, e)
	{
		char old[24];

		snprintf(old, sizeof(old), "%lld",
			 (long long)json_integer_value(json_object_get(e, "vni")));
		if (drop_vni)
			json_object_del(e, "vni");
		else if (json_is_object(o->vni) && json_object_get(o->vni, old))
			json_object_set(e, "vni", json_object_get(o->vni, old));
	}
	json_array_foreach(json_object_get(d, "ports"), i, e) ten_binding(o, e);
	return d;
}

/* True when tenant id already holds what importing doc with o gives. */
static int ten_same(struct store_txn *t, const struct ten_opts *o, const char *id,
		    const json_t *doc, bool *same)
{
	bool drop = json_is_string(o->vni);
	json_t *have = NULL, *want = NULL, *cur = NULL;
	int rc;

	rc = ten_export(t, id, false, &have);
	if (rc < 0)
		return rc;
	want = ten_expected(o, doc, drop);
	cur = ten_expected(o, have, drop);
	*same = want && cur && json_equal(want, cur);
	json_decref(want);
	json_decref(cur);
	json_decref(have);
	return 0;
}

static int ten_import(struct store_txn *t, const json_t *body, struct ten_opts *o, json_t **out,
		      bool *unchanged)
{
	const json_t *doc = json_object_get(body, "document");
	const json_t *rebind = json_object_get(body, "rebind");
	char name[MODEL_NAME_MAX + 1], have[STORE_ID_MAX + 1];
	bool same = false;
	int rc;

	rc = ten_check(doc, false, o->ids, t->err);
	if (rc < 0)
		return rc;
	for (int k = 0; k < MODEL_KIND_MAX; k++)
		json_object_clear(o->ids[k]); /* filled again with the new ids */
	o->vni = json_object_get(rebind, "vni");
	o->hosts = json_object_get(rebind, "hosts");
	o->bind_ports = !json_is_false(json_object_get(body, "bind_ports"));
	if (json_is_string(json_object_get(body, "tenant")))
		snprintf(name, sizeof(name), "%s", ten_str(body, "tenant"));
	else
		snprintf(name, sizeof(name), "%s%s", ten_str(rebind, "name_prefix"),
			 ten_str(json_object_get(doc, "tenant"), "name"));
	o->name = name;
	rc = ten_by_name(t, name, have);
	if (rc == 0 && have[0])
		rc = ten_same(t, o, have, doc, &same);
	if (rc < 0)
		return rc;
	if (have[0] && same) {
		*unchanged = true;
		*out = json_pack("{s:s,s:s,s:b}", "tenant_id", have, "name", name, "unchanged", 1);
		return *out ? 0 : -ENOMEM;
	}
	if (have[0]) {
		model_error_set(t->err, "conflict", "tenant",
				"tenant %.60s exists with a different content", name);
		return -EEXIST;
	}
	return ten_materialise(t, o, doc, out);
}

static int ten_clone(struct store_txn *t, const json_t *body, struct ten_opts *o, json_t **out)
{
	json_t *auto_vni = json_string("auto");
	const char *src = ten_str(body, "source");
	json_t *doc = NULL;
	char have[STORE_ID_MAX + 1];
	int rc;

	if (!auto_vni)
		return -ENOMEM;
	o->by_id = true;
	o->vni = auto_vni; /* new VNIs: the source keeps its own */
	o->name = ten_str(body, "name");
	o->hosts = json_object_get(body, "hosts");
	o->bind_ports = json_is_true(json_object_get(body, "bind_ports"));
	rc = ten_by_name(t, o->name, have);
	if (rc == 0 && have[0]) {
		model_error_set(t->err, "conflict", "name", "a tenant is already named %.60s",
				o->name);
		rc = -EEXIST;
	}
	if (rc == 0)
		rc = ten_export(t, src, true, &doc);
	if (rc == -ENOENT)
		snprintf(t->err->field, sizeof(t->err->field), "source");
	if (rc == 0)
		rc = ten_check(doc, true, o->ids, t->err);
	if (rc == 0)
		rc = ten_materialise(t, o, doc, out);
	json_decref(doc);
	json_decref(auto_vni);
	return rc;
}

int store_tenant_run(struct store_txn *t, const struct store_cmd *c, json_t **out, bool *unchanged)
{
	struct ten_opts o = {.tenant = c->id};
	json_error_t je;
	json_t *body;
	int rc = 0;

	*unchanged = false;
	*out = NULL;
	if (c->kind != MODEL_TENANT || !model_uuid_valid(c->id))
		return model_error_set(t->err, "invalid_command", "id",
				       "clone and import make a tenant");
	body = json_loads(c->body, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(body)) {
		json_decref(body);
		return model_error_set(t->err, "invalid_json", NULL, "invalid JSON: %s", je.text);
	}
	o.counts = json_object();
	for (int k = 0; k < MODEL_KIND_MAX; k++) {
		o.ids[k] = json_object();
		if (!o.ids[k])
			rc = -ENOMEM;
	}
	if (rc == 0 && o.counts)
		rc = c->op == STORE_OP_CLONE ? ten_clone(t, body, &o, out)
					     : ten_import(t, body, &o, out, unchanged);
	else
		rc = -ENOMEM;
	for (int k = 0; k < MODEL_KIND_MAX; k++)
		json_decref(o.ids[k]);
	json_decref(o.counts);
	json_decref(body);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
