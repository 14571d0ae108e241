/* kinds.h - the API's resource kinds as tenetctl sees them: their writable
 * fields (and how `key=value` arguments become JSON), their table columns
 * and their list filters. Static tables; no I/O.
 */
#ifndef TENETCTL_KINDS_H
#define TENETCTL_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* How a `key=value` argument becomes JSON. */
enum field_type {
	FIELD_STRING,	 /* "value" */
	FIELD_BOOL,	 /* true/false, yes/no, 1/0, on/off */
	FIELD_INT,	 /* integer */
	FIELD_LIST,	 /* "a,b,c" -> ["a","b","c"] */
	FIELD_FIXED_IP,	 /* "SUBNET[,IP]" appended to fixed_ips[] */
	FIELD_BINDING,	 /* binding_<member> -> binding.<member> */
	FIELD_KEY,	 /* a CURVE public key (Z85), or @FILE holding it */
	FIELD_ROUTE,	 /* "DESTINATION,NEXTHOP" appended to routes[] (host_routes[]) */
	FIELD_ADDR_PAIR, /* "IP[,MAC]" appended to allowed_address_pairs[] */
};

/* One writable field of a kind. */
struct kind_field {
	const char *key;      /* argument key, e.g. "tenant_id" */
	enum field_type type; /* conversion */
	const char *ref;      /* kind a name may stand for (id lookup), or NULL */
	const char *help;     /* one line for per-resource help */
};

/* One column of the list table. */
struct kind_column {
	const char *header; /* column title */
	const char *path;   /* dotted JSON path; "fixed_ips" lists IPs */
};

/* One resource kind. */
struct kind {
	const char *name;		   /* singular, as typed: "network" */
	const char *plural;		   /* URL segment and list key: "networks" */
	const struct kind_field *fields;   /* writable fields, NULL-key ended */
	const struct kind_column *columns; /* list columns, NULL-header ended */
	const char *filters;		   /* list filters for help, e.g. "tenant_id" */
};

/* Finds a kind by singular or plural name. Returns NULL when unknown. */
const struct kind *kind_find(const char *name);

/* The NULL-name-ended table of all kinds. */
const struct kind *kind_all(void);

/* Converts `key=value` / `key:=JSON` arguments into a new JSON object for a
 * create or update body. Unknown keys pass through as strings (the API names
 * them in its error). A FIELD_KEY value `@FILE` is read from FILE (at most
 * 4 KiB): the bare Z85 key (FILE.pub from `tenet-agent --genkey`) or a czmq
 * certificate's public-key line; a file with a secret key is refused. A
 * value that is itself a Z85 key is taken as one, even if it starts with
 * '@', unless a file of that name exists. Returns 0 and *out (caller
 * owns), or -EINVAL with a message in err. */
int kind_build_body(const struct kind *k, int argc, char **argv, json_t **out, char *err,
		    size_t errlen);

/* Looks up the field description for key, or NULL. */
const struct kind_field *kind_field_find(const struct kind *k, const char *key);

/* True when s looks like a UUID (8-4-4-4-12 hex), i.e. needs no lookup. */
bool kind_is_uuid(const char *s);

#endif
