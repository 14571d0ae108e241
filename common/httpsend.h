/* httpsend.h - one reply helper for the daemons' small evhttp endpoints
 * (/metrics, /healthz, /readyz). Loop thread of the request. */
#ifndef TENET_HTTPSEND_H
#define TENET_HTTPSEND_H

#include <stddef.h>

struct evhttp_request;

/* Answers req with status, a Content-Type of content_type and len bytes of
 * text (copied). Without memory for the body the reply goes out empty. */
void http_send_text(struct evhttp_request *req, int status, const char *content_type,
		    const char *text, size_t len);

#endif
