/* main.c - tenet-controller.
 *
 *   tenet-controller --data DIR [--api 127.0.0.1:8080]
 *                    [--southbound tcp://127.0.0.1:6641] [--log-level info]
 *                    [--tls-cert FILE --tls-key FILE [--tls-ca FILE]] [--insecure-http]
 *                    [--encapsulation vxlan|geneve]
 *                    [--id N --raft IP:PORT [--peers ID@RAFT/API,...] [--join]
 *                     [--cluster-key FILE] [--admin-token FILE]
 *                     [--snapshot-threshold N]]
 *
 * Every write goes through the Raft log (raft_node.h), also on a single
 * node: without --raft the node is a one-voter cluster (id 1) whose Raft
 * transport listens on 127.0.0.1 with a kernel-chosen port (DIR/raft holds
 * the log). --peers bootstraps a cluster on first start (every node is given
 * the same list); --join starts empty and waits for `tenetctl cluster add`.
 * The cluster key (32 bytes as 64 hex characters) authenticates Raft peers:
 * every node needs the same one (--cluster-key, else DIR/cluster.key, which
 * a single node creates). --admin-token imports a shared admin token so that
 * one token works on every node (and across 307 redirects).
 * --encapsulation is the overlay of networks whose own encapsulation field
 * is not set (default vxlan); every node of a cluster must be given the
 * same, as the compiled rows must not depend on the node.
 * --tls-cert/--tls-key serve the API over HTTPS only (and peers are asked
 * over HTTPS, verified against --tls-ca, default the --tls-cert file);
 * without them the API listens in plain HTTP on a loopback address only,
 * unless --insecure-http (api.h).
 *
 * Threads and loops: two. The main thread runs one libevent loop: evhttp
 * serves the REST API; the southbound's ZeroMQ ROUTER socket is driven from
 * the same loop through its ZMQ_FD (drained via ZMQ_EVENTS after every
 * wake-up); SIGINT and SIGTERM arrive as evsignal events (czmq's own signal
 * handling is switched off so that it does not compete). Raft runs its own
 * libuv loop in a second thread (raft_node.h), the only one that writes the
 * replicated state: it applies committed entries to the store and hands
 * results back through a queue plus an eventfd watched by the main loop.
 * The main thread only reads LMDB (MVCC read transactions) and writes the
 * node-local admin hash at start-up, before Raft runs.
 *
 * First start in DIR: creates DIR (0700), the LMDB store, the server CURVE
 * certificate (DIR/server.cert, DIR/server.cert_secret, DIR/server.pub; see
 * server_cert.h: a damaged one is refused, never replaced) and, once the API
 * socket listens, the admin token (DIR/admin.token, 0600; only its hash is
 * stored), so that scripts may wait for the token file.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>
#include <raft.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sodium.h>

#include "api.h"
#include "auth.h"
#include "fsutil.h"
#include "log.h"
#include "migrate_driver.h"
#include "raft_keys.h"
#include "raft_node.h"
#include "server_cert.h"
#include "southbound.h"
#include "store.h"
#include "version.h"

/* Command-line options. */
struct ctl_opts {
	const char *data;	/* data directory */
	const char *api;	/* REST listen address */
	const char *southbound; /* ZeroMQ endpoint */
	int log_level;		/* enum log_level */
	unsigned long long id;	/* Raft server id */
	const char *raft;	/* Raft listen address, NULL: 127.0.0.1, any port */
	const char *peers;	/* "ID@RAFT/API,..." or NULL */
	bool join;		/* wait to be added instead of bootstrapping */
	const char *key_file;	/* cluster key file or NULL (DIR/cluster.key) */
	const char *token_file; /* admin token to import, or NULL */
	unsigned snap_threshold; /* entries between snapshots, 0: default */
	bool geneve;		 /* --encapsulation geneve: the networks' default */
	struct api_config api_cfg; /* --api, TLS files, --insecure-http */
};

static void ctl_usage(FILE *fp)
{
	fprintf(fp, "usage: tenet-controller --data DIR [--api ADDR:PORT] "
		    "[--southbound tcp://ADDR:PORT] [--log-level err|warn|info|debug]\n"
		    "       [--id N] [--raft IP:PORT] [--peers ID@RAFT_IP:PORT/API_IP:PORT,...] "
		    "[--join]\n"
		    "       [--cluster-key FILE] [--admin-token FILE] [--snapshot-threshold N]\n"
		    "       [--tls-cert FILE --tls-key FILE [--tls-ca FILE]] [--insecure-http]\n"
		    "       [--encapsulation vxlan|geneve]\n"
		    "       tenet-controller --version\n");
}

/* The cluster and transport options; -ENOENT if c is not one of them. */
static int ctl_parse_cluster(int c, const char *arg, struct ctl_opts *o)
{
	char *end;

	switch (c) {
	case 'i':
		o->id = strtoull(arg, &end, 10);
		return *end || o->id == 0 ? -EINVAL : 0;
	case 'r':
		o->raft = arg;
		return 0;
	case 'p':
		o->peers = arg;
		return 0;
	case 'j':
		o->join = true;
		return 0;
	case 'k':
		o->key_file = arg;
		return 0;
	case 't':
		o->token_file = arg;
		return 0;
	case 'S':
		o->snap_threshold = (unsigned)strtoul(arg, &end, 10);
		return *end || o->snap_threshold < 2 ? -EINVAL : 0;
	case 'C':
		o->api_cfg.tls_cert = arg;
		return 0;
	case 'K':
		o->api_cfg.tls_key = arg;
		return 0;
	case 'A':
		o->api_cfg.tls_ca = arg;
		return 0;
	case 'I':
		o->api_cfg.insecure_http = true;
		return 0;
	case 'E':
		o->geneve = strcmp(arg, "geneve") == 0;
		return o->geneve || strcmp(arg, "vxlan") == 0 ? 0 : -EINVAL;
	default:
		return -ENOENT;
	}
}

static int ctl_parse(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longopts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"api", required_argument, NULL, 'a'},
	    {"southbound", required_argument, NULL, 's'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"id", required_argument, NULL, 'i'},
	    {"raft", required_argument, NULL, 'r'},
	    {"peers", required_argument, NULL, 'p'},
	    {"join", no_argument, NULL, 'j'},
	    {"cluster-key", required_argument, NULL, 'k'},
	    {"admin-token", required_argument, NULL, 't'},
	    {"snapshot-threshold", required_argument, NULL, 'S'},
	    {"tls-cert", required_argument, NULL, 'C'},
	    {"tls-key", required_argument, NULL, 'K'},
	    {"tls-ca", required_argument, NULL, 'A'},
	    {"insecure-http", no_argument, NULL, 'I'},
	    {"encapsulation", required_argument, NULL, 'E'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct ctl_opts){.api = "127.0.0.1:8080", .southbound = "tcp://127.0.0.1:6641",
			       .log_level = LOG_LVL_INFO, .id = 1};
	while ((c = getopt_long(argc, argv, "d:a:s:l:h", longopts, NULL)) != -1) {
		if (c != 'h' && c != 'V' && ctl_parse_cluster(c, optarg, o) == 0)
			continue;
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
		case 'V':
			printf("tenet-controller %s\n", TENET_VERSION_FULL);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	o->api_cfg.listen = o->api;
	return o->data && optind == argc ? 0 : -EINVAL;
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
	struct raft_node *raft;		/* replicated log */
	struct migrate *mig;		/* migration and drain driver (leader) */
	struct auth_token token;	/* admin token until published */
	struct event *sigint, *sigterm; /* shutdown signals */
};

static void ctl_teardown(struct ctl *c)
{
	api_quiesce(c->api);	     /* no new connections, no more use of the southbound */
	southbound_set_migrate(c->sb, NULL);
	migrate_destroy(&c->mig);
	raft_node_destroy(&c->raft); /* answers writes in flight, publishes the last applies */
	api_set_raft(c->api, NULL);
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
	sodium_memzero(&c->token, sizeof(c->token));
	store_destroy(&c->store);
}

static void ctl_api_addr(const char *listen, uint16_t port, char *out, size_t size);

/* Main thread, after entries were applied (on every node). */
static void ctl_on_applied(void *arg)
{
	struct ctl *c = arg;

	if (c->sb)
		southbound_publish(c->sb);
	migrate_on_applied(c->mig);
}

/* ---- the migration driver's services (migrate_driver.h) ---- */

static bool ctl_mig_is_leader(void *arg)
{
	struct ctl *c = arg;
	struct raft_node_info info;

	if (!c->raft)
		return false;
	raft_node_info(c->raft, &info);
	return info.state == RAFT_LEADER;
}

/* The outcome shows in the store: a refused step is a step someone else
 * (an earlier leader, a duplicate event) already took. */
static void ctl_mig_applied(void *arg, int status, struct store_result *res)
{
	(void)arg;
	if (status == 0 && res->rc < 0)
		log_debug("migration step refused code=%s msg=%s", res->err.code, res->err.message);
}

static int ctl_mig_propose(void *arg, const void *cmd, size_t len)
{
	struct ctl *c = arg;

	return c->raft ? raft_node_propose(c->raft, cmd, len, ctl_mig_applied, NULL) : -ENOTCONN;
}

static bool ctl_mig_host_live(void *arg, const char *host, uint64_t *acked)
{
	struct ctl *c = arg;
	struct southbound_host_info hi;

	if (!southbound_host_info(c->sb, host, &hi) || !hi.connected)
		return false;
	*acked = hi.acked_rev;
	return true;
}

static int ctl_mig_ct_export(void *arg, const char *host, uint32_t port_key, uint32_t gen,
			     bool final)
{
	struct ctl *c = arg;

	return southbound_ct_export(c->sb, host, port_key, gen, final);
}

/* A follower's fact goes to the leader's API (POST
 * /v1/internal/migrate/report, the nodes' shared admin token). */
static int ctl_mig_report(void *arg, const struct migrate_report *r)
{
	struct ctl *c = arg;
	json_t *j = migrate_report_json(r);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = text ? api_peer_post(c->api, true, "/v1/internal/migrate/report",
				      "application/json", text, strlen(text))
		      : -ENOMEM;

	free(text);
	json_decref(j);
	return rc < 0 ? rc : 0;
}

/* CT_STATE for a destination whose session is elsewhere: every other node
 * is offered it; the one holding the session sends it on (the others
 * answer 404). */
static int ctl_mig_ct_forward(void *arg, const char *to, const void *msg, size_t len)
{
	struct ctl *c = arg;
	char *host = evhttp_uriencode(to, -1, 0);
	char path[256];
	int rc;

	if (!host)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/v1/internal/migrate/ct?host=%s", host);
	free(host);
	rc = api_peer_post(c->api, false, path, "application/octet-stream", msg, len);
	return rc < 0 ? rc : 0;
}

static int ctl_mig_start(struct ctl *c)
{
	static const struct migrate_ops ops = {.is_leader = ctl_mig_is_leader,
					       .propose = ctl_mig_propose,
					       .host_live = ctl_mig_host_live,
					       .ct_export = ctl_mig_ct_export,
					       .report = ctl_mig_report,
					       .ct_forward = ctl_mig_ct_forward};

	c->mig = migrate_new(c->base, c->store, &ops, c);
	if (!c->mig)
		return -ENOMEM;
	southbound_set_migrate(c->sb, c->mig);
	api_set_migrate(c->api, c->mig);
	return 0;
}

/* A one-voter cluster elects itself at once; wait for it so that the first
 * write (right after the token file appears) finds a leader. */
static void ctl_raft_wait_leader(struct ctl *c)
{
	struct raft_node_info info;

	for (int i = 0; i < 500; i++) {
		raft_node_info(c->raft, &info);
		if (info.state == RAFT_LEADER)
			return;
		usleep(10 * 1000);
	}
	log_warn("raft: no leader yet");
}

/* Starts the Raft node in DIR/raft, advertising the API's real address. */
static int ctl_raft_start(struct ctl *c, const struct ctl_opts *o)
{
	uint8_t key[RAFT_NODE_KEY_BYTES];
	char dir[4096], api[128];
	struct raft_node_config rc = {0};
	bool single = !o->peers && !o->join;
	int rv;

	snprintf(dir, sizeof(dir), "%s/raft", o->data);
	rv = fs_mkdir_p(dir, 0700);
	if (rv == 0)
		rv = raft_keys_load(o->data, o->key_file, single, key);
	if (rv < 0) {
		log_err("no usable cluster key (give every node the same --cluster-key) err=%s",
			log_errname(-rv));
		return rv;
	}
	ctl_api_addr(o->api, api_port(c->api), api, sizeof(api));
	rc = (struct raft_node_config){.id = o->id,
				       .dir = dir,
				       .raft_addr = o->raft ? o->raft : "127.0.0.1:0",
				       .api_addr = api,
				       .peers = o->peers,
				       .join = o->join,
				       .key = key,
				       .snapshot_threshold = o->snap_threshold,
				       .snapshot_trailing = o->snap_threshold / 2};
	c->raft = raft_node_new(c->base, c->store, &rc);
	sodium_memzero(key, sizeof(key));
	if (!c->raft)
		return -EIO;
	raft_node_set_on_applied(c->raft, ctl_on_applied, c);
	api_set_raft(c->api, c->raft);
	if (single)
		ctl_raft_wait_leader(c);
	return 0;
}

static int ctl_setup(struct ctl *c, const struct ctl_opts *o)
{
	int rc = fs_mkdir_p(o->data, 0700);

	if (rc < 0) {
		log_err("cannot create data dir=%s err=%s", o->data, log_errname(-rc));
		return rc;
	}
	c->store = store_new(o->data, STORE_DEFAULT_WINDOW);
	if (!c->store)
		return -EIO;
	rc = auth_token_load(c->store, o->data, o->token_file, &c->token);
	if (rc < 0)
		return rc;
	c->cert = server_cert_load(o->data);
	c->base = event_base_new();
	if (!c->cert || !c->base)
		return -EIO;
	c->sb = southbound_new(c->base, c->store, o->southbound, c->cert);
	if (!c->sb)
		return -EIO;
	southbound_set_geneve_default(c->sb, o->geneve);
	c->api = api_new(c->base, c->store, c->sb, &o->api_cfg);
	if (!c->api)
		return -EIO;
	rc = ctl_raft_start(c, o);
	if (rc == 0)
		rc = ctl_mig_start(c);
	if (rc < 0)
		return rc;
	/* this node's own calls to its peers (migration reports) present the
	 * token every node of the cluster shares */
	api_set_peer_token(c->api, c->token.hex);
	/* after listen(): a token file on disk means the API takes connections */
	rc = auth_token_publish(o->data, &c->token);
	if (rc < 0)
		return rc;
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

/* Raises the open-file limit's soft value to the hard one: API connections,
 * agents' sockets and LMDB all take descriptors, and the default soft 1024
 * is easily reached. A failure is logged, not fatal. */
static void ctl_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("cannot raise open file limit errno=%d", errno);
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
	log_handle_signals();
	zsys_handler_set(NULL); /* signals are the event loop's */
	signal(SIGPIPE, SIG_IGN);
	ctl_raise_nofile();
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
