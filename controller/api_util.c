/* api_util.c - the bottom of the REST API's files: JSON replies and
 * errors (see api_int.h). Every handler answers through these; they call
 * only the request counters (api_metrics.c) and the store, never a
 * handler. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "log.h"

void api_reply(struct api *api, struct evhttp_request *req, int status, json_t *body, uint64_t rev)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	char revtext[24];
	char *text;

	snprintf(revtext, sizeof(revtext), "%llu", (unsigned long long)rev);
	if (status != 401) /* nothing about the store before authentication */
		evhttp_add_header(out, "X-Tenet-Revision", revtext);
	if (body && status != 204) {
		evhttp_add_header(out, "Content-Type", "application/json");
		text = json_dumps(body, JSON_COMPACT);
		if (text && buf) {
			evbuffer_add(buf, text, strlen(text));
			evbuffer_add(buf, "\n", 1);
		}
		free(text);
	}
	json_decref(body);
	api_metrics_observe(api, req, status);
	evhttp_send_reply(req, status, NULL, buf);
	if (buf)
		evbuffer_free(buf);
}

json_t *api_error_body(const char *code, const char *message, const char *field)
{
	json_t *f = field && field[0] ? json_string(field) : NULL; /* NULL if not UTF-8 */

	return json_pack("{s:{s:s,s:s,s:o}}", "error", "code", code, "message", message, "field",
			 f ? f : json_null());
}

void api_error(struct api *api, struct evhttp_request *req, int status, const char *code,
	       const char *message, const char *field)
{
	log_debug("request refused status=%d code=%s field=%s", status, code, field ? field : "");
	api_reply(api, req, status, api_error_body(code, message, field),
		  store_revision(api->store));
}

const char *api_scheme(const struct api *api)
{
	return api && api->tls ? "https" : "http";
}
