/* store_sg.c - the security groups and their rules in the store: the
 * tenant's default group, rule matches, remote groups, a port's groups and
 * the identity of its set of groups. Run inside store_apply's write
 * transaction, like store_kinds.c, whose helpers it shares (store_int.h). */
#include "store_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <sodium.h>

#include "tenet_abi.h"

/* Claims of the security groups, beside the generic ones (refs table):
 *   refs "sgt:<tenant>|<group>"  a tenant's groups (deleted with it)
 *   refs "sgr:<group>|<rule>"    a group's own rules (deleted with it)
 *   refs "<group>|<port>"        ports with the group (409 on delete)
 *   refs "<group>|<rule>"        rules of other groups naming it as remote
 *   uniq "sgdefault:<tenant>"    -> the tenant's default group
 *   uniq "rule:<group>:<match>"  one rule per match in a group
 *   uniq "sgset:<hash>"	  -> identity of a (tenant, set of groups)
 *   uniq "identity:<n>"	  -> "sgset:<hash>" of identity n
 * Identities are never freed: a number names one set for good, so no
 * conntrack entry or row still on a host can take it for another set. */

/* The group id of the default group of tenant, or "" (buf STORE_ID_MAX + 1). */
static void sg_default_id(struct store_txn *t, const char *tenant, char *buf)
{
	char key[KINDS_KEY_MAX];
	MDB_val v;

	buf[0] = '\0';
	snprintf(key, sizeof(key), "sgdefault:%s", tenant);
	if (stx_get(t, t->s->uniq, key, &v) == 0 && v.mv_size <= STORE_ID_MAX) {
		memcpy(buf, v.mv_data, v.mv_size);
		buf[v.mv_size] = '\0';
	}
}

/* A UUID derived from text: the default group's and its rules' ids, the
 * same on every replica. */
static void sg_derived_uuid(const char *text, char out[MODEL_UUID_LEN + 1])
{
	uint8_t h[16];
	char hex[33];

	crypto_generichash(h, sizeof(h), (const uint8_t *)text, strlen(text), NULL, 0);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50); /* version 5 style: name-based */
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, MODEL_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
		 hex + 16, hex + 20);
}

int store_sg_prepare(struct store_txn *t, const char *id, const json_t *old, json_t *obj)
{
	const char *name = kinds_str(obj, "name");
	json_t *tenant;
	uint32_t n;
	int rc;

	if (old && strcmp(kinds_str(old, "name"), STORE_SG_DEFAULT) == 0 &&
	    strcmp(name, STORE_SG_DEFAULT) != 0) {
		model_error_set(t->err, "conflict", "name",
				"the default security group keeps its name");
		return -EEXIST;
	}
	if ((!old || strcmp(kinds_str(old, "name"), STORE_SG_DEFAULT) != 0) &&
	    strcmp(name, STORE_SG_DEFAULT) == 0) {
		model_error_set(t->err, "conflict", "name",
				"name default is the tenant's default security group's");
		return -EEXIST;
	}
	(void)id;
	if (old)
		return 0;
	rc = kinds_ref(t, MODEL_TENANT, kinds_str(obj, "tenant_id"), "tenant_id", &tenant);
	if (rc < 0)
		return rc;
	json_decref(tenant);
	/* the group's number in the datapath (tn_sg_allow.group, counters) */
	rc = kinds_alloc(t, "next_sg_key", UINT32_MAX, "", false, 0, &n);
	if (rc < 0)
		return rc;
	json_object_set_new(obj, "sg_key", json_integer(n));
	kinds_default(obj, "name", json_string(""));
	kinds_default(obj, "description", json_string(""));
	return 0;
}

/* Canonical protocol of a rule: its name for the common ones, else the
 * decimal number; null for any. */
static json_t *sg_rule_proto(int proto)
{
	char buf[8];

	switch (proto) {
	case -1:
		return json_null();
	case 1:
		return json_string("icmp");
	case 6:
		return json_string("tcp");
	case 17:
		return json_string("udp");
	case 58:
		return json_string("icmpv6");
	default:
		snprintf(buf, sizeof(buf), "%d", proto);
		return json_string(buf);
	}
}

/* Canonical remote_ip_prefix text of a rule (valid). */
static void sg_rule_prefix(json_t *obj)
{
	char text[INET6_ADDRSTRLEN + 8];
	struct model_cidr c;

	if (model_cidr_parse(kinds_str(obj, "remote_ip_prefix"), &c) < 0 ||
	    !inet_ntop(c.family, c.addr, text, INET6_ADDRSTRLEN))
		return;
	snprintf(text + strlen(text), 8, "/%u", c.prefix);
	json_object_set_new(obj, "remote_ip_prefix", json_string(text));
}

int store_sg_rule_prepare(struct store_txn *t, const json_t *old, json_t *obj)
{
	const char *rg = json_string_value(json_object_get(obj, "remote_group_id"));
	json_t *group = NULL, *remote = NULL;
	int rc;

	if (old)
		return 0; /* only the description changes */
	rc = kinds_ref(t, MODEL_SECURITY_GROUP, kinds_str(obj, "security_group_id"),
		       "security_group_id", &group);
	if (rc < 0)
		return rc;
	json_object_set_new(obj, "tenant_id", json_string(kinds_str(group, "tenant_id")));
	if (rg && strcmp(rg, kinds_str(obj, "security_group_id")) != 0) {
		rc = kinds_ref(t, MODEL_SECURITY_GROUP, rg, "remote_group_id", &remote);
		if (rc == 0 &&
		    strcmp(kinds_str(remote, "tenant_id"), kinds_str(group, "tenant_id")) != 0)
			rc = model_error_set(t->err, "invalid_value", "remote_group_id",
					     "remote group %.40s belongs to another tenant", rg);
		json_decref(remote);
	}
	json_decref(group);
	if (rc < 0)
		return rc;
	kinds_default(obj, "ethertype", json_string("IPv4"));
	json_object_set_new(obj, "protocol",
			    sg_rule_proto(model_sg_proto(json_object_get(obj, "protocol"))));
	kinds_default(obj, "port_range_min", json_null());
	kinds_default(obj, "port_range_max", json_null());
	kinds_default(obj, "remote_ip_prefix", json_null());
	kinds_default(obj, "remote_group_id", json_null());
	kinds_default(obj, "description", json_string(""));
	sg_rule_prefix(obj);
	return 0;
}

/* Claims (on) or releases what rule obj holds: its match in its group,
 * its place among the group's rules, its remote group. */
int store_sg_rule_index(struct store_txn *t, bool on, const char *id, const json_t *obj)
{
	const char *sg = kinds_str(obj, "security_group_id"), *rg;
	char parent[STORE_ID_MAX + 8], text[32];
	const json_t *pmin = json_object_get(obj, "port_range_min");
	const json_t *pmax = json_object_get(obj, "port_range_max");
	int rc;

	rg = json_string_value(json_object_get(obj, "remote_group_id"));
	snprintf(text, sizeof(text), "%lld:%lld",
		 json_is_integer(pmin) ? (long long)json_integer_value(pmin) : -1LL,
		 json_is_integer(pmax) ? (long long)json_integer_value(pmax) : -1LL);
	rc = kinds_key(t, on, id, "security_group_id", "rule:%s:%s:%s:%s:%s:%s:%s", sg,
		       kinds_str(obj, "direction"), kinds_str(obj, "ethertype"),
		       json_is_string(json_object_get(obj, "protocol")) ? kinds_str(obj, "protocol")
									: "any",
		       text, kinds_str(obj, "remote_ip_prefix"), rg ? rg : "");
	if (rc == -EEXIST)
		model_error_set(t->err, "conflict", "security_group_id",
				"the group already has a rule with this match");
	snprintf(parent, sizeof(parent), "sgr:%s", sg);
	if (rc == 0)
		rc = kinds_ref_set(t, on, parent, id, MODEL_SECURITY_GROUP_RULE);
	/* a rule naming its own group goes with it: no reference to keep */
	if (rc == 0 && rg && strcmp(rg, sg) != 0)
		rc = kinds_ref_set(t, on, rg, id, MODEL_SECURITY_GROUP_RULE);
	return rc;
}

int store_sg_index(struct store_txn *t, bool on, const char *id, const json_t *obj)
{
	char parent[STORE_ID_MAX + 8];
	int rc;

	snprintf(parent, sizeof(parent), "sgt:%s", kinds_str(obj, "tenant_id"));
	rc = kinds_ref_set(t, on, parent, id, MODEL_SECURITY_GROUP);
	if (rc == 0 && strcmp(kinds_str(obj, "name"), STORE_SG_DEFAULT) == 0)
		rc = kinds_key(t, on, id, "name", "sgdefault:%s", kinds_str(obj, "tenant_id"));
	return rc;
}

/* Writes a new object the store makes itself (the default group and its
 * rules): prepared, indexed and stored like a created one. */
static int sg_put_new(struct store_txn *t, enum model_kind kind, const char *id, json_t *obj)
{
	int rc = 0;

	json_object_set_new(obj, "id", json_string(id));
	if (kind == MODEL_SECURITY_GROUP_RULE)
		rc = store_sg_rule_prepare(t, NULL, obj);
	if (rc == 0)
		rc = store_kind_index(t, kind, id, obj);
	if (rc == 0)
		rc = stx_obj_put(t, kind, id, obj);
	return rc;
}

/* Creates the default group of tenant (Neutron's: egress anywhere, ingress
 * from the group's own members, IPv4 and IPv6) unless it has one; its id in
 * out (STORE_ID_MAX + 1). */
int store_sg_default(struct store_txn *t, const char *tenant, char *out)
{
	static const char *const rules[4][2] = {
	    {"egress", "IPv4"}, {"egress", "IPv6"}, {"ingress", "IPv4"}, {"ingress", "IPv6"}};
	char text[MODEL_UUID_LEN + 32], rid[MODEL_UUID_LEN + 1];
	uint32_t n;
	json_t *o;
	int rc;

	sg_default_id(t, tenant, out);
	if (out[0])
		return 0;
	snprintf(text, sizeof(text), "default-sg:%s", tenant);
	sg_derived_uuid(text, out);
	rc = kinds_alloc(t, "next_sg_key", UINT32_MAX, "", false, 0, &n);
	if (rc < 0)
		return rc;
	o = json_pack("{s:s,s:s,s:s,s:I}", "tenant_id", tenant, "name", STORE_SG_DEFAULT,
		      "description", "Default security group", "sg_key", (json_int_t)n);
	rc = o ? sg_put_new(t, MODEL_SECURITY_GROUP, out, o) : -ENOMEM;
	json_decref(o);
	for (int i = 0; i < 4 && rc == 0; i++) {
		snprintf(text, sizeof(text), "default-sg:%s:%d", tenant, i);
		sg_derived_uuid(text, rid);
		o = json_pack("{s:s,s:s,s:s}", "security_group_id", out, "direction", rules[i][0],
			      "ethertype", rules[i][1]);
		if (o && i >= 2)
			json_object_set_new(o, "remote_group_id", json_string(out));
		rc = o ? sg_put_new(t, MODEL_SECURITY_GROUP_RULE, rid, o) : -ENOMEM;
		json_decref(o);
	}
	return rc;
}

static int sg_cmp(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/* Sorts a port's security_groups and drops repeats. */
static void sg_sort(json_t *obj)
{
	json_t *list = json_object_get(obj, "security_groups"), *v[MODEL_MAX_PORT_SGS], *out;
	size_t n = json_array_size(list);

	if (n > MODEL_MAX_PORT_SGS)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	qsort(v, n, sizeof(v[0]), sg_cmp);
	out = json_array();
	for (size_t i = 0; out && i < n; i++)
		if (!i || !json_equal(v[i], v[i - 1]))
			json_array_append(out, v[i]);
	if (out)
		json_object_set_new(obj, "security_groups", out);
}

/* The identity of the set of groups (sorted) of tenant: the one already
 * given to that set, or a new number. */
static int sg_identity(struct store_txn *t, const char *tenant, const json_t *groups, uint32_t *out)
{
	char key[KINDS_KEY_MAX], num[16], hex[33];
	crypto_generichash_state st;
	uint8_t h[16];
	json_t *g;
	size_t i;
	MDB_val v;
	int rc;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)tenant, strlen(tenant) + 1);
	json_array_foreach(groups, i, g) crypto_generichash_update(
	    &st, (const uint8_t *)json_string_value(g), strlen(json_string_value(g)) + 1);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(key, sizeof(key), "sgset:%s", hex);
	rc = stx_get(t, t->s->uniq, key, &v);
	if (rc == 0) {
		snprintf(num, sizeof(num), "%.*s", (int)(v.mv_size < 15 ? v.mv_size : 15),
			 (const char *)v.mv_data);
		*out = (uint32_t)strtoul(num, NULL, 10);
		return *out ? 0 : -EIO;
	}
	if (rc != -ENOENT)
		return rc;
	rc = kinds_alloc(t, "next_identity", TN_MAX_IDENTITY - 1, "identity:", false, 0, out);
	if (rc < 0)
		return rc;
	snprintf(num, sizeof(num), "%u", (unsigned int)*out);
	rc = stx_put(t, t->s->uniq, key, num, strlen(num));
	if (rc == 0) {
		char ikey[32];

		snprintf(ikey, sizeof(ikey), "identity:%s", num);
		rc = stx_put(t, t->s->uniq, ikey, key, strlen(key));
	}
	return rc;
}

/* Checks and canonicalises allowed_address_pairs: a host address (a /32
 * or /128 loses its length), the port's MAC when none is given. */
static void sg_pairs_canon(json_t *obj)
{
	char text[INET6_ADDRSTRLEN + 8], *slash;
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(obj, "allowed_address_pairs"), i, e)
	{
		snprintf(text, sizeof(text), "%s", kinds_str(e, "ip_address"));
		slash = strchr(text, '/');
		if (slash)
			*slash = '\0';
		json_object_set_new(e, "ip_address", json_string(text));
		kinds_canon_ip(e, "ip_address");
		if (!json_object_get(e, "mac_address"))
			json_object_set_new(e, "mac_address",
					    json_string(kinds_str(obj, "mac_address")));
		snprintf(text, sizeof(text), "%s", kinds_str(e, "mac_address"));
		for (char *p = text; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_object_set_new(e, "mac_address", json_string(text));
	}
}

/* A port's security: its groups (the tenant's default group on a new port
 * that names none, with port security on), its address pairs, and the
 * identity of its set of groups (0 with port security off). */
int store_sg_port_security(struct store_txn *t, const json_t *old, json_t *obj)
{
	const char *tenant = kinds_str(obj, "tenant_id");
	bool secure = json_is_true(json_object_get(obj, "port_security_enabled"));
	char field[48], def[STORE_ID_MAX + 1];
	uint32_t identity = 0;
	json_t *g, *group;
	size_t i;
	int rc;

	/* a new port, or one written before security groups, that names none */
	if ((!old || !json_object_get(old, "security_groups")) &&
	    !json_object_get(obj, "security_groups")) {
		json_object_set_new(obj, "security_groups", json_array());
		if (secure) {
			rc = store_sg_default(t, tenant, def);
			if (rc < 0)
				return rc;
			json_array_append_new(json_object_get(obj, "security_groups"),
					      json_string(def));
		}
	}
	kinds_default(obj, "security_groups", json_array());
	kinds_default(obj, "allowed_address_pairs", json_array());
	/* turning port security off without naming the groups drops them
	 * (Neutron would refuse: clients that only flip the flag keep working) */
	if (old && !secure && json_is_true(json_object_get(old, "port_security_enabled")) &&
	    json_equal(json_object_get(old, "security_groups"),
		       json_object_get(obj, "security_groups")))
		json_object_set_new(obj, "security_groups", json_array());
	if (!secure && json_array_size(json_object_get(obj, "security_groups")))
		return model_error_set(t->err, "invalid_value", "security_groups",
				       "security_groups must be empty when "
				       "port_security_enabled is false");
	if (!secure && json_array_size(json_object_get(obj, "allowed_address_pairs")))
		return model_error_set(t->err, "invalid_value", "allowed_address_pairs",
				       "allowed_address_pairs must be empty when "
				       "port_security_enabled is false");
	json_array_foreach(json_object_get(obj, "security_groups"), i, g)
	{
		snprintf(field, sizeof(field), "security_groups[%zu]", i);
		rc = kinds_ref(t, MODEL_SECURITY_GROUP, json_string_value(g), field, &group);
		if (rc < 0)
			return rc;
		rc = strcmp(kinds_str(group, "tenant_id"), tenant) == 0
			 ? 0
			 : model_error_set(t->err, "invalid_value", field,
					   "security group %.40s belongs to another tenant",
					   json_string_value(g));
		json_decref(group);
		if (rc < 0)
			return rc;
	}
	sg_sort(obj);
	sg_pairs_canon(obj);
	if (secure) {
		rc = sg_identity(t, tenant, json_object_get(obj, "security_groups"), &identity);
		if (rc < 0)
			return rc;
	}
	json_object_set_new(obj, "identity", json_integer(identity));
	return 0;
}
