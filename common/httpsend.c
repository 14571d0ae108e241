/* httpsend.c - see httpsend.h. */
#include "httpsend.h"

#include <event2/buffer.h>
#include <event2/http.h>

void http_send_text(struct evhttp_request *req, int status, const char *content_type,
		    const char *text, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
	if (buf && text)
		evbuffer_add(buf, text, len);
	evhttp_send_reply(req, status, NULL, buf);
	if (buf)
		evbuffer_free(buf);
}
