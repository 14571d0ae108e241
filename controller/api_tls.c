/* api_tls.c - TLS for the REST API (OpenSSL through libevent's OpenSSL
 * bufferevents): the server side of the API, and the client side the node
 * uses towards its peers' APIs. Main thread only. */
#include "api_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"

/* TLS 1.2 suites: forward secret AEAD only (TLS 1.3 keeps OpenSSL's). */
#define API_TLS12_CIPHERS                                                                          \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

struct api_tls {
	SSL_CTX *server; /* the API's certificate and key */
	SSL_CTX *peers;	 /* verifies other nodes against the CA */
};

/* Logs OpenSSL's queued errors after what failed. */
static void api_tls_log(const char *what, const char *path)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	log_err("tls: %s path=%s err=%s", what, path ? path : "-", e ? buf : "unknown");
	ERR_clear_error();
}

/* Settings both sides share: TLS >= 1.2, no compression or renegotiation. */
static int api_tls_common(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, API_TLS12_CIPHERS) != 1)
		return -EINVAL;
	return 0;
}

static SSL_CTX *api_tls_server_ctx(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx || api_tls_common(ctx) < 0) {
		api_tls_log("cannot set up the server context", NULL);
		goto out_free;
	}
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		api_tls_log("cannot load the certificate (PEM chain)", cert);
		goto out_free;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		api_tls_log("cannot load the private key (PEM)", key);
		goto out_free;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		api_tls_log("the key does not match the certificate", key);
		goto out_free;
	}
	return ctx;
out_free:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Peers are verified against ca: a CA bundle, or the node's own chain
 * file (then a chain that includes the CA, or one certificate every node
 * shares: partial chains are accepted). */
static SSL_CTX *api_tls_peer_ctx(const char *ca)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx || api_tls_common(ctx) < 0) {
		api_tls_log("cannot set up the peer context", NULL);
		goto out_free;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		api_tls_log("cannot load the CA certificates (PEM)", ca);
		goto out_free;
	}
	X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), X509_V_FLAG_PARTIAL_CHAIN);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
out_free:
	SSL_CTX_free(ctx);
	return NULL;
}

struct api_tls *api_tls_new(const char *cert, const char *key, const char *ca)
{
	struct api_tls *t;

	if (!cert || !key)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->server = api_tls_server_ctx(cert, key);
	t->peers = t->server ? api_tls_peer_ctx(ca ? ca : cert) : NULL;
	if (!t->peers) {
		api_tls_destroy(&t);
		return NULL;
	}
	return t;
}

void api_tls_destroy(struct api_tls **tp)
{
	if (!tp || !*tp)
		return;
	SSL_CTX_free((*tp)->server);
	SSL_CTX_free((*tp)->peers);
	free(*tp);
	*tp = NULL;
}

struct bufferevent *api_tls_server_bev(struct api_tls *t, struct event_base *base)
{
	SSL *ssl = SSL_new(t->server);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	/* with BEV_OPT_CLOSE_ON_FREE the bufferevent frees ssl (and the fd) */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

struct evhttp_connection *api_tls_peer_conn(struct api_tls *t, struct event_base *base,
					    const char *host, uint16_t port)
{
	SSL *ssl = SSL_new(t->peers);
	struct evhttp_connection *conn;
	struct bufferevent *bev;
	struct in6_addr a6;
	struct in_addr a4;
	int ok;

	if (!ssl)
		return NULL;
	/* API addresses are IP literals; a name is checked as a DNS name */
	if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	else
		ok = SSL_set1_host(ssl, host) && SSL_set_tlsext_host_name(ssl, host);
	bev = ok ? bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
						  BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)
		 : NULL;
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	conn = evhttp_connection_base_bufferevent_new(base, NULL, bev, host, port);
	if (!conn)
		bufferevent_free(bev);
	return conn;
}
