/* main.c - tenet-controller.
 *
 *   tenet-controller --data DIR [--api 127.0.0.1:8080]
 *                    [--southbound tcp://127.0.0.1:6641] [--log-level info]
 *
 * Threads and loops: ONE thread running ONE libevent loop. evhttp serves the
 * REST API; the southbound's ZeroMQ ROUTER socket is driven from the same loop
 * through its ZMQ_FD (drained via ZMQ_EVENTS after every wake-up); SIGINT and
 * SIGTERM arrive as evsignal events (czmq's own signal handling is switched
 * off so that it does not compete). Every LMDB write transaction therefore
 * happens on this thread, between two callbacks, and nothing needs a lock.
 * When Raft arrives it gets its own libuv thread that hands committed
 * commands back through a queue plus an eventfd (DESIGN.md).
 *
 * First start in DIR: creates DIR (0700), the LMDB store, the server CURVE
 * certificate (DIR/server.cert, DIR/server.cert_secret via zcert_save, and
 * DIR/server.pub holding the Z85 public key and a newline) and, once the API
 * socket listens, the admin token (DIR/admin.token, 0600; only its hash is
 * stored), so that scripts may wait for the token file.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>
#include <event2/event.h>
#include <sodium.h>

#include "api.h"
#include "auth.h"
#include "log.h"
#include "southbound.h"
#include "store.h"

/* Command-line options. */
struct ctl_opts {
	const char *data;	/* data directory */
	const char *api;	/* REST listen address */
	const char *southbound; /* ZeroMQ endpoint */
	int log_level;		/* enum log_level */
};

static void ctl_usage(FILE *fp)
{
	fprintf(fp, "usage: tenet-controller --data DIR [--api ADDR:PORT] "
		    "[--southbound tcp://ADDR:PORT] [--log-level err|warn|info|debug]\n");
}

static int ctl_parse(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longopts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"api", required_argument, NULL, 'a'},
	    {"southbound", required_argument, NULL, 's'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct ctl_opts){NULL, "127.0.0.1:8080", "tcp://127.0.0.1:6641", LOG_LVL_INFO};
	while ((c = getopt_long(argc, argv, "d:a:s:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->data = optarg;
			break;
		case 'a':
			o->api = optarg;
			break;
		case 's':
			o->southbound = optarg;
			break;
		case 'l':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0)
				return -EINVAL;
			break;
		case 'h':
			ctl_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return o->data && optind == argc ? 0 : -EINVAL;
}

/* mkdir -p with mode 0700 for the directories created. */
static int ctl_mkdirs(const char *dir)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Loads DIR/server.cert (with its secret) or creates it; writes server.pub. */
static zcert_t *ctl_cert(const char *dir)
{
	char path[4096], pub[4096];
	zcert_t *cert = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/server.cert", dir);
	snprintf(pub, sizeof(pub), "%s/server.pub", dir);
	if (zsys_file_exists(path))
		cert = zcert_load(path);
	if (!cert) {
		cert = zcert_new();
		if (!cert || zcert_save(cert, path) < 0) {
			log_err("cannot create the server certificate path=%s", path);
			zcert_destroy(&cert);
			return NULL;
		}
		snprintf(pub, sizeof(pub), "%s/server.cert_secret", dir);
		chmod(pub, 0600);
		snprintf(pub, sizeof(pub), "%s/server.pub", dir);
		log_info("server certificate created path=%s", path);
	}
	fp = fopen(pub, "w");
	if (!fp || fprintf(fp, "%s\n", zcert_public_txt(cert)) < 0 || fclose(fp) != 0) {
		log_err("cannot write path=%s", pub);
		zcert_destroy(&cert);
		return NULL;
	}
	return cert;
}

static void ctl_on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal=%d: shutting down", (int)sig);
	event_base_loopbreak(arg);
}

/* Everything the daemon holds. */
struct ctl {
	struct store *store;		/* desired state */
	zcert_t *cert;			/* server CURVE certificate */
	struct event_base *base;	/* the one loop */
	struct southbound *sb;		/* agent side */
	struct api *api;		/* REST */
	struct event *sigint, *sigterm; /* shutdown signals */
};

static void ctl_teardown(struct ctl *c)
{
	api_quiesce(c->api);	    /* no new connections, no more use of the southbound */
	southbound_destroy(&c->sb); /* answers pending waits (503) before the API goes */
	for (int i = 0; c->base && c->api && i < 10; i++)
		event_base_loop(c->base, EVLOOP_NONBLOCK); /* flush those answers */
	api_destroy(&c->api);
	if (c->sigint)
		event_free(c->sigint);
	if (c->sigterm)
		event_free(c->sigterm);
	if (c->base)
		event_base_free(c->base);
	zcert_destroy(&c->cert);
	store_destroy(&c->store);
}

static int ctl_setup(struct ctl *c, const struct ctl_opts *o)
{
	int rc = ctl_mkdirs(o->data);

	if (rc < 0) {
		log_err("cannot create data dir=%s err=%s", o->data, strerror(-rc));
		return rc;
	}
	c->store = store_new(o->data, STORE_DEFAULT_WINDOW);
	if (!c->store)
		return -EIO;
	c->cert = ctl_cert(o->data);
	c->base = event_base_new();
	if (!c->cert || !c->base)
		return -EIO;
	c->sb = southbound_new(c->base, c->store, o->southbound, c->cert);
	if (!c->sb)
		return -EIO;
	c->api = api_new(c->base, c->store, c->sb, o->api);
	if (!c->api)
		return -EIO;
	/* after listen(): a token file on disk means the API takes connections */
	if (auth_token_init(c->store, o->data) < 0)
		return -EIO;
	c->sigint = evsignal_new(c->base, SIGINT, ctl_on_signal, c->base);
	c->sigterm = evsignal_new(c->base, SIGTERM, ctl_on_signal, c->base);
	if (!c->sigint || !c->sigterm || event_add(c->sigint, NULL) < 0 ||
	    event_add(c->sigterm, NULL) < 0)
		return -EIO;
	return 0;
}

/* The address actually listened on, with the real port. */
static void ctl_api_addr(const char *listen, uint16_t port, char *out, size_t size)
{
	const char *colon = strrchr(listen, ':');
	int n = colon ? (int)(colon - listen) : (int)strlen(listen);

	snprintf(out, size, "%.*s:%u", n, listen, (unsigned int)port);
}

int main(int argc, char **argv)
{
	struct ctl c = {0};
	struct ctl_opts o;
	char addr[128];
	int rc;

	if (ctl_parse(argc, argv, &o) < 0) {
		ctl_usage(stderr);
		return 2;
	}
	log_init("tenet-controller", (enum log_level)o.log_level);
	zsys_handler_set(NULL); /* signals are the event loop's */
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		log_err("sodium_init failed");
		return 1;
	}
	rc = ctl_setup(&c, &o);
	if (rc == 0) {
		ctl_api_addr(o.api, api_port(c.api), addr, sizeof(addr));
		log_info("ready api=%s southbound=%s revision=%llu", addr, o.southbound,
			 (unsigned long long)store_revision(c.store));
		rc = event_base_dispatch(c.base) < 0 ? -EIO : 0;
	}
	ctl_teardown(&c);
	if (rc == 0)
		log_info("stopped");
	return rc == 0 ? 0 : 1;
}
