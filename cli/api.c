/* api.c - JSON calls, error reporting and name lookup for tenetctl. */
#include "api.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define API_MAX_REDIRECTS 3 /* 307s followed (a follower to its leader) */

/* True if origin ("scheme://host:port") is a member of the cluster as the
 * node in use (one of the --api URLs) reports it in GET /v1/cluster, with
 * that node's scheme. */
static bool api_cluster_has(struct ctl *ctl, const char *origin)
{
	const char *url = http_client_url(ctl->http), *err;
	const char *scheme = strncmp(url, "https:", 6) == 0 ? "https" : "http";
	struct http_response r;
	json_t *st = NULL, *s;
	bool found = false;
	char one[300], o[300];
	size_t i;

	if (http_client_request(ctl->http, "GET", "/v1/cluster", NULL, &r, &err) < 0)
		return false;
	if (r.status == 200)
		st = json_loadb(r.body, r.body_len, 0, NULL);
	http_response_clear(&r);
	json_array_foreach(json_object_get(st, "servers"), i, s)
	{
		const char *api = json_string_value(json_object_get(s, "api_address"));

		if (api && snprintf(one, sizeof(one), "%s://%s", scheme, api) < (int)sizeof(one) &&
		    http_url_origin(one, o, sizeof(o)) == 0 && strcmp(o, origin) == 0)
			found = true;
	}
	json_decref(st);
	return found;
}

/* Whether a 307 to location may be followed: its origin must be one of the
 * --api URLs, or a member of the cluster (api_cluster_has), and its scheme
 * the one in use. Writes location's origin to origin. Returns 0, or -EPERM
 * with *err set (the request is not sent, nor the token). */
static int api_redirect_allowed(struct ctl *ctl, const char *location, char *origin, size_t size,
				const char **err)
{
	static char msg[512];
	char cur[300];
	size_t n;

	if (http_url_origin(location, origin, size) < 0 ||
	    http_url_origin(http_client_url(ctl->http), cur, sizeof(cur)) < 0) {
		snprintf(msg, sizeof(msg),
			 "refusing to follow a redirect to '%.300s': not an http(s) URL", location);
		*err = msg;
		return -EPERM;
	}
	n = strcspn(cur, ":");
	if (strncmp(origin, cur, n + 1) == 0 &&
	    (http_client_has_origin(ctl->http, origin) || api_cluster_has(ctl, origin)))
		return 0;
	snprintf(
	    msg, sizeof(msg),
	    "refusing to follow a redirect to %s: not a node of the cluster given with --api, or another scheme (the token is not sent there)",
	    origin);
	*err = msg;
	return -EPERM;
}

/* After a 307 from a cluster follower: sends the same request to the
 * leader named by resp->location ("http[s]://IP:PORT/path"), replacing
 * resp, if api_redirect_allowed. Returns 0 (resp is the new answer) or
 * -errno (resp left as it was). */
static int api_follow(struct ctl *ctl, const char *method, const char *path, const char *text,
		      struct http_response *resp, const char **err)
{
	struct http_response next;
	struct http_client *c;
	char base[300];
	int rc;

	rc = api_redirect_allowed(ctl, resp->location, base, sizeof(base), err);
	if (rc < 0)
		return rc;
	c = http_client_new(base, ctl->token, ctl->timeout_sec, ctl->cacert, err);
	if (!c)
		return -EINVAL;
	if (ctl->idem_key[0] && http_client_set_idempotency_key(c, ctl->idem_key) < 0) {
		http_client_destroy(&c);
		return -ENOMEM;
	}
	rc = http_client_request(c, method, path, text, &next, err);
	http_client_destroy(&c);
	if (rc < 0)
		return rc;
	http_response_clear(resp);
	*resp = next;
	return 0;
}

/* Sends once, following 307s. */
static int api_send(struct ctl *ctl, const char *method, const char *path, const char *text,
		    struct http_response *resp, const char **err)
{
	int rc = http_client_request(ctl->http, method, path, text, resp, err);

	for (int hop = 0;
	     rc == 0 && resp->status == 307 && resp->location && hop < API_MAX_REDIRECTS; hop++) {
		rc = api_follow(ctl, method, path, text, resp, err);
		if (rc < 0)
			http_response_clear(resp);
	}
	return rc;
}

/* The error code of a 503 answer that asks for a retry, else NULL. */
static const char *api_retry_code(const struct http_response *resp)
{
	static const char *const codes[] = {"no_leader", "unknown_outcome"};
	json_t *body;
	const char *code;

	if (resp->status != 503 || !resp->body_len)
		return NULL;
	body = json_loadb(resp->body, resp->body_len, 0, NULL);
	code = json_string_value(json_object_get(json_object_get(body, "error"), "code"));
	for (size_t i = 0; code && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0) {
			json_decref(body);
			return codes[i];
		}
	json_decref(body);
	return NULL;
}

static long long api_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Chooses the next write's Idempotency-Key (random part drawn once). */
static int api_idem_next(struct ctl *ctl)
{
	uint8_t b[16];

	if (!ctl->idem_base[0]) {
		if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
			return -EIO;
		for (size_t i = 0; i < sizeof(b); i++)
			snprintf(ctl->idem_base + 2 * i, 3, "%02x", b[i]);
	}
	snprintf(ctl->idem_key, sizeof(ctl->idem_key), "%s-%u", ctl->idem_base, ++ctl->n_writes);
	return http_client_set_idempotency_key(ctl->http, ctl->idem_key);
}

/* Sends with retries (see api.h); resp is the last answer. */
static int api_send_retry(struct ctl *ctl, const char *method, const char *path, const char *text,
			  struct http_response *resp, const char **err)
{
	long long start = api_now_ms(), delay = 100;
	/* --timeout bounds the retries too (each attempt is bounded by the
	 * client's own timeout, --timeout or the wait's) */
	long long window = (long long)ctl->timeout_sec * 1000 < API_RETRY_MS
			       ? (long long)ctl->timeout_sec * 1000
			       : API_RETRY_MS;
	const char *code = NULL;
	int rc;

	for (;;) {
		rc = api_send(ctl, method, path, text, resp, err);
		code = rc == 0 ? api_retry_code(resp) : NULL;
		if ((rc == 0 && !code) || rc == -EINVAL || rc == -ENOMEM || rc == -EPERM ||
		    rc == -EPROTO || api_now_ms() + delay - start > window)
			break;
		if (rc < 0 || strcmp(code, "no_leader") == 0)
			http_client_next(ctl->http);
		if (rc == 0)
			http_response_clear(resp);
		usleep((useconds_t)delay * 1000);
		delay = delay * 2 > 2000 ? 2000 : delay * 2;
	}
	return rc;
}

int api_request(struct ctl *ctl, const char *method, const char *path, json_t *body, int *status,
		json_t **out, long long *revision)
{
	struct http_response resp;
	char *text = NULL;
	const char *err = NULL;
	int rc = 0;

	*out = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!text) {
			fprintf(stderr, "error: out of memory\n");
			return CTL_EXIT_API;
		}
	}
	if (strcmp(method, "GET") != 0)
		rc = api_idem_next(ctl);
	if (rc == 0)
		rc = api_send_retry(ctl, method, path, text, &resp, &err);
	ctl->idem_key[0] = '\0';
	http_client_set_idempotency_key(ctl->http, NULL);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "error: %s at %s (%s)\n", err ? err : "request failed",
			http_client_url(ctl->http), strerror(-rc));
		return CTL_EXIT_CONN;
	}
	*status = resp.status;
	*revision = resp.revision;
	if (resp.body_len > 0)
		*out = json_loadb(resp.body, resp.body_len, JSON_DECODE_ANY, NULL);
	http_response_clear(&resp);
	return CTL_EXIT_OK;
}

void api_print_error(int status, json_t *out)
{
	json_t *e = json_object_get(out, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *field = json_string_value(json_object_get(e, "field"));
	const char *code = json_string_value(json_object_get(e, "code"));

	if (!msg && json_is_string(e))
		msg = json_string_value(e);
	if (!msg)
		msg = code;
	if (msg && field)
		fprintf(stderr, "error: %s (field: %s)\n", msg, field);
	else if (msg)
		fprintf(stderr, "error: %s\n", msg);
	else
		fprintf(stderr, "error: HTTP %d from the API\n", status);
	if (status == 401)
		fprintf(
		    stderr,
		    "hint: give a token with --token, --token-file, $TENET_TOKEN or $TENET_TOKEN_FILE\n");
}

int api_call(struct ctl *ctl, const char *method, const char *path, json_t *body, json_t **out,
	     long long *revision)
{
	json_t *resp = NULL;
	long long rev = -1;
	int status = 0, rc;

	rc = api_request(ctl, method, path, body, &status, &resp, &rev);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (status >= 400) {
		api_print_error(status, resp);
		json_decref(resp);
		return CTL_EXIT_API;
	}
	if (out)
		*out = resp;
	else
		json_decref(resp);
	if (revision)
		*revision = rev;
	return CTL_EXIT_OK;
}

/* Finds the one object of list whose name is name; counts matches. */
static const char *api_match_name(json_t *list, const char *name, size_t *matches)
{
	const char *id = NULL;
	json_t *obj;
	size_t i;

	*matches = 0;
	json_array_foreach(list, i, obj)
	{
		const char *oid = json_string_value(json_object_get(obj, "id"));
		const char *oname = json_string_value(json_object_get(obj, "name"));

		if (oid && strcmp(oid, name) == 0) {
			*matches = 1;
			return oid;
		}
		if (oid && oname && strcmp(oname, name) == 0) {
			(*matches)++;
			id = oid;
		}
	}
	return id;
}

int api_resolve(struct ctl *ctl, const struct kind *k, const char *name_or_id, char **id)
{
	const char *found;
	json_t *resp = NULL;
	char path[64];
	size_t matches;
	int rc;

	*id = NULL;
	if (kind_is_uuid(name_or_id) || strcmp(k->name, "host") == 0)
		goto out_as_is;
	snprintf(path, sizeof(path), "/v1/%s", k->plural);
	rc = api_call(ctl, "GET", path, NULL, &resp, NULL);
	if (rc != CTL_EXIT_OK)
		return rc;
	found = api_match_name(json_object_get(resp, k->plural), name_or_id, &matches);
	if (matches > 1) {
		fprintf(stderr, "error: name '%s' matches %zu %s; use the id (field: name)\n",
			name_or_id, matches, k->plural);
		json_decref(resp);
		return CTL_EXIT_API;
	}
	if (found)
		*id = strdup(found);
	json_decref(resp);
	if (found)
		return *id ? CTL_EXIT_OK : CTL_EXIT_API;
out_as_is:
	*id = strdup(name_or_id);
	return *id ? CTL_EXIT_OK : CTL_EXIT_API;
}

/* Replaces obj[key] (a name) by the id of an object of kind ref. */
static int api_resolve_member(struct ctl *ctl, json_t *obj, const char *key, const char *ref)
{
	const char *v = json_string_value(json_object_get(obj, key));
	char *id = NULL;
	int rc;

	if (!v || kind_is_uuid(v) || !ref || !kind_find(ref))
		return CTL_EXIT_OK;
	rc = api_resolve(ctl, kind_find(ref), v, &id);
	if (rc == CTL_EXIT_OK)
		json_object_set_new(obj, key, json_string(id));
	free(id);
	return rc;
}

/* Resolves every name in list (a port's security_groups) to an id. */
static int api_resolve_list(struct ctl *ctl, json_t *list, const char *ref)
{
	json_t *e, *tmp;
	size_t i;
	int rc = CTL_EXIT_OK;

	json_array_foreach(list, i, e)
	{
		tmp = json_pack("{s:O}", "v", e);
		if (!tmp)
			return CTL_EXIT_USAGE;
		rc = api_resolve_member(ctl, tmp, "v", ref);
		if (rc == CTL_EXIT_OK)
			json_array_set(list, i, json_object_get(tmp, "v"));
		json_decref(tmp);
		if (rc != CTL_EXIT_OK)
			break;
	}
	return rc;
}

int api_resolve_refs(struct ctl *ctl, const struct kind *k, json_t *body)
{
	const struct kind_field *f;
	json_t *ip;
	size_t i;
	int rc = CTL_EXIT_OK;

	for (f = k->fields; f->key && rc == CTL_EXIT_OK; f++) {
		if (!f->ref || strcmp(f->ref, "host") == 0)
			continue;
		if (f->type == FIELD_FIXED_IP) {
			json_array_foreach(json_object_get(body, "fixed_ips"), i, ip)
			{
				rc = api_resolve_member(ctl, ip, "subnet_id", f->ref);
				if (rc != CTL_EXIT_OK)
					break;
			}
		} else if (f->type == FIELD_LIST) {
			rc = api_resolve_list(ctl, json_object_get(body, f->key), f->ref);
		} else {
			rc = api_resolve_member(ctl, body, f->key, f->ref);
		}
	}
	return rc;
}

/* Prints the hosts still pending from a wait answer. */
static void api_print_pending(long long revision, json_t *resp)
{
	json_t *pending = json_object_get(resp, "pending"), *h;
	size_t i;

	if (!json_is_array(pending)) {
		api_print_error(504, resp);
		pending = json_object_get(json_object_get(resp, "error"), "pending");
	}
	fprintf(stderr, "error: revision %lld not realised in time; pending hosts:", revision);
	json_array_foreach(pending, i, h)
	    fprintf(stderr, " %s", json_is_string(h) ? json_string_value(h) : "?");
	fprintf(stderr, "\n");
}

int api_wait(struct ctl *ctl, long long revision, json_t **out)
{
	json_t *resp = NULL;
	long long rev;
	char path[96];
	int status = 0, rc;

	snprintf(path, sizeof(path), "/v1/wait?revision=%lld&timeout_ms=%lld", revision,
		 (long long)ctl->timeout_sec * 1000);
	http_client_set_timeout(ctl->http, ctl->timeout_sec + 5);
	rc = api_request(ctl, "GET", path, NULL, &status, &resp, &rev);
	http_client_set_timeout(ctl->http, ctl->timeout_sec);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (status == 504) {
		api_print_pending(revision, resp);
		rc = CTL_EXIT_PENDING;
	} else if (status >= 400) {
		api_print_error(status, resp);
		rc = CTL_EXIT_API;
	}
	if (out && rc == CTL_EXIT_OK)
		*out = resp;
	else
		json_decref(resp);
	return rc;
}
