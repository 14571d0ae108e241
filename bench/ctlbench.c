// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ctlbench.c - control-plane load and timing client (bench/control.sh).
 * Plain blocking HTTP/1.1 with keep-alive, one connection per thread, so the
 * client adds as little as possible to what it measures.
 *
 *   ctlbench --api IP:PORT --token-file F MODE [options]
 *   MODE writes   --network ID --clients N --seconds S --name FIG
 *                 POST /v1/ports {"network_id"} as fast as N clients can;
 *                 prints one value: committed writes per second.
 *   MODE reads    --clients N --seconds S --name FIG: GET /v1/status rate.
 *   MODE rtt      --count K --name FIG: K times GET /v1/status, ms each.
 *   MODE converge --network ID --hosts PREFIX --n-hosts N --count K --name FIG
 *                 K times: POST a port bound to host PREFIX<k % N> (with
 *                 --n-hosts 0: to host PREFIX itself), then
 *                 GET /v1/wait?revision=<its revision>; prints each
 *                 POST-to-wait-answer time in ms (every affected agent acked),
 *                 and as FIG_post the POST's own round trip. Each sample's
 *                 port is deleted again (untimed, also waited for).
 *   MODE create   --network ID --hosts NAME --count K: K ports bound to
 *                 host NAME (setup, no figure).
 *   MODE snapshot --host NAME --name FIG [--sb-port P] -- AGENT ARGV...
 *                 creates a tenant (a revision the disconnected host has
 *                 not acked), starts the agent, polls GET /v1/hosts/NAME
 *                 every 1 ms until applied_revision reaches that revision; prints the
 *                 time from exec to that in ms, then stops the agent. Also
 *                 FIG_session: from the first poll that shows the host
 *                 connected (its HELLO handled: the SNAPSHOT encoded and
 *                 queued) to that, in ms; the agent's process start and
 *                 datapath maps are before it. Before starting the agent it
 *                 waits until the host shows no session (a previous run's
 *                 ends when the controller finds it silent). With
 *                 --sb-port, also FIG_bytes: bytes the controller's southbound
 *                 socket sent on that session (ss bytes_acked: the encrypted
 *                 ZMTP stream, handshake included).
 *   --subnet ID   ports also get an address from that subnet.
 * Output: JSON lines {"name", "unit", "value", "baseline"} for report.py.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CB_BUF 65536

/* Command line. */
struct cb_opts {
	const char *mode;     /* writes, reads, rtt, converge, snapshot */
	const char *api;      /* IP:PORT */
	char token[128];      /* admin token */
	const char *network;  /* network id */
	const char *subnet;   /* subnet id for fixed_ips, or NULL */
	int sb_port;	      /* controller southbound TCP port (snapshot) */
	const char *hosts;    /* host name prefix (converge) */
	const char *host;     /* host name (snapshot) */
	const char *name;     /* figure name */
	const char *baseline; /* baseline figure name or NULL */
	int clients;	      /* concurrent connections */
	int seconds;	      /* duration of a rate run */
	int count;	      /* samples */
	int n_hosts;	      /* hosts named PREFIX0..PREFIX<n-1>; 0: PREFIX */
	char **agent_argv;    /* snapshot: the agent to start */
};

/* One keep-alive connection. */
struct cb_conn {
	int fd;		  /* socket, -1 when closed */
	char buf[CB_BUF]; /* response (headers + body, NUL-terminated) */
	int status;	  /* HTTP status of the last response */
	uint64_t rev;	  /* its X-Tenet-Revision */
	char *body;	  /* into buf */
};

static const struct cb_opts *cb_o;

static double cb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cb_connect(struct cb_conn *c)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(cb_o->api, ':');
	int one = 1;

	if (!colon || (size_t)(colon - cb_o->api) >= sizeof(host))
		return -EINVAL;
	memcpy(host, cb_o->api, colon - cb_o->api);
	host[colon - cb_o->api] = '\0';
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(c->fd);
		c->fd = -1;
		return -errno;
	}
	return 0;
}

static int cb_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one response into c->buf (Content-Length framing; 204 without). */
static int cb_read_response(struct cb_conn *c)
{
	size_t have = 0, need = 0;
	char *eoh = NULL, *cl;
	ssize_t r;

	for (;;) {
		if (have >= CB_BUF - 1)
			return -E2BIG;
		r = read(c->fd, c->buf + have, CB_BUF - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		have += (size_t)r;
		c->buf[have] = '\0';
		if (!eoh) {
			eoh = strstr(c->buf, "\r\n\r\n");
			if (!eoh)
				continue;
			cl = strcasestr(c->buf, "\r\nContent-Length:");
			if (atoi(c->buf + 9) == 204) /* no body, maybe no length */
				need = (size_t)(eoh + 4 - c->buf);
			else if (!cl || cl > eoh)
				return -EPROTO;
			else
				need = (size_t)(eoh + 4 - c->buf) + strtoul(cl + 17, NULL, 10);
		}
		if (have >= need)
			break;
	}
	c->status = atoi(c->buf + 9);
	cl = strcasestr(c->buf, "\r\nX-Tenet-Revision:");
	c->rev = cl && cl < eoh ? strtoull(cl + 19, NULL, 10) : 0;
	c->body = eoh + 4;
	return 0;
}

/* Sends method path (body may be NULL) and reads the answer; reconnects
 * once if the server closed the idle connection. Returns 0 or -errno. */
static int cb_request(struct cb_conn *c, const char *method, const char *path, const char *body)
{
	char req[2048];
	int n, tries;

	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     method, path, cb_o->token, body ? strlen(body) : 0, body ? body : "");
	if (n < 0 || n >= (int)sizeof(req))
		return -E2BIG;
	for (tries = 0; tries < 2; tries++) {
		if (c->fd < 0 && cb_connect(c))
			return -ECONNREFUSED;
		if (!cb_write_all(c->fd, req, (size_t)n) && !cb_read_response(c))
			return 0;
		close(c->fd);
		c->fd = -1;
	}
	return -EIO;
}

static void cb_emit(const char *unit, double v, bool lower_better)
{
	printf("{\"name\": \"%s\", \"unit\": \"%s\", \"value\": %.4f, \"baseline\": %s%s%s, "
	       "\"lower_is_better\": %s}\n",
	       cb_o->name, unit, v, cb_o->baseline ? "\"" : "",
	       cb_o->baseline ? cb_o->baseline : "null", cb_o->baseline ? "\"" : "",
	       lower_better ? "true" : "false");
	fflush(stdout);
}

/* JSON body of a port create, bound to host (NULL: unbound) as k. */
static void cb_port_body(char *buf, size_t size, const char *host, int k)
{
	char ips[160] = "", bind[160] = "";

	if (cb_o->subnet)
		snprintf(ips, sizeof(ips), ", \"fixed_ips\": [{\"subnet_id\": \"%s\"}]",
			 cb_o->subnet);
	if (host)
		snprintf(bind, sizeof(bind),
			 ", \"binding\": {\"host\": \"%s\", \"interface\": \"cb%x-%d\"}", host,
			 (unsigned int)getpid() & 0xfff, k);
	snprintf(buf, size, "{\"network_id\": \"%s\"%s%s}", cb_o->network ? cb_o->network : "", ips,
		 bind);
}

/* Per-thread state of a rate run. */
struct cb_worker {
	pthread_t tid;	 /* the thread */
	double deadline; /* cb_now_ms() to stop at */
	bool write;	 /* POST ports, else GET status */
	uint64_t ok;	 /* successful requests */
	uint64_t failed; /* errors and non-2xx */
};

static void *cb_worker_main(void *arg)
{
	struct cb_worker *w = arg;
	struct cb_conn *c = calloc(1, sizeof(*c));
	char body[256];

	if (!c)
		return NULL;
	c->fd = -1;
	cb_port_body(body, sizeof(body), NULL, 0);
	while (cb_now_ms() < w->deadline) {
		int err = w->write ? cb_request(c, "POST", "/v1/ports", body)
				   : cb_request(c, "GET", "/v1/status", NULL);

		if (!err && c->status / 100 == 2)
			w->ok++;
		else
			w->failed++;
		if (err)
			break;
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

static int cb_rate(bool write)
{
	struct cb_worker *w = calloc((size_t)cb_o->clients, sizeof(*w));
	double t0, t1;
	uint64_t ok = 0, failed = 0;
	int i;

	if (!w)
		return -ENOMEM;
	t0 = cb_now_ms();
	for (i = 0; i < cb_o->clients; i++) {
		w[i].deadline = t0 + cb_o->seconds * 1e3;
		w[i].write = write;
		pthread_create(&w[i].tid, NULL, cb_worker_main, &w[i]);
	}
	for (i = 0; i < cb_o->clients; i++) {
		pthread_join(w[i].tid, NULL);
		ok += w[i].ok;
		failed += w[i].failed;
	}
	t1 = cb_now_ms();
	free(w);
	if (failed)
		fprintf(stderr, "ctlbench: %" PRIu64 " requests failed\n", failed);
	if (!ok)
		return -EIO;
	cb_emit(write ? "writes/s" : "requests/s", ok / ((t1 - t0) / 1e3), false);
	return 0;
}

static int cb_rtt(struct cb_conn *c)
{
	double t0;
	int i;

	for (i = 0; i < cb_o->count; i++) {
		t0 = cb_now_ms();
		if (cb_request(c, "GET", "/v1/status", NULL) || c->status != 200)
			return -EIO;
		cb_emit("ms", cb_now_ms() - t0, true);
	}
	return 0;
}

/* One converge sample: create a bound port, wait for every ack. *ms is
 * the whole time, *post_ms the POST's round trip alone. */
/* GET /v1/wait for revision rev. Returns 0 when every affected host acked. */
static int cb_wait(struct cb_conn *c, uint64_t rev)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/wait?revision=%" PRIu64 "&timeout_ms=30000", rev);
	if (cb_request(c, "GET", path, NULL) || c->status != 200) {
		fprintf(stderr, "ctlbench: wait: %d %s\n", c->status, c->body ? c->body : "");
		return -EIO;
	}
	return 0;
}

/* Copies the "id" of the JSON object in body into id. Returns 0 or -1. */
static int cb_body_id(const char *body, char *id, size_t size)
{
	const char *p = strstr(body, "\"id\"");
	size_t n;

	if (!p || !(p = strchr(p + 4, '"')))
		return -1;
	n = strcspn(++p, "\"");
	if (!n || n >= size)
		return -1;
	memcpy(id, p, n);
	id[n] = '\0';
	return 0;
}

/* Deletes port id and waits until every affected host acked (untimed: the
 * store and each host's port count stay the same from sample to sample). */
static int cb_undo(struct cb_conn *c, const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/ports/%s", id);
	if (cb_request(c, "DELETE", path, NULL) || c->status / 100 != 2) {
		fprintf(stderr, "ctlbench: port delete: %d\n", c->status);
		return -EIO;
	}
	return cb_wait(c, c->rev);
}

static int cb_converge_one(struct cb_conn *c, int k, double *ms, double *post_ms)
{
	char body[512], host[80], id[64];
	double t0 = cb_now_ms();

	if (cb_o->n_hosts)
		snprintf(host, sizeof(host), "%s%d", cb_o->hosts, k % cb_o->n_hosts);
	else
		snprintf(host, sizeof(host), "%s", cb_o->hosts);
	cb_port_body(body, sizeof(body), host, k);
	if (cb_request(c, "POST", "/v1/ports", body) || c->status != 201) {
		fprintf(stderr, "ctlbench: port create: %d %s\n", c->status,
			c->body ? c->body : "");
		return -EIO;
	}
	*post_ms = cb_now_ms() - t0;
	if (cb_body_id(c->body, id, sizeof(id))) {
		fprintf(stderr, "ctlbench: no id in %s\n", c->body);
		return -EIO;
	}
	if (cb_wait(c, c->rev))
		return -EIO;
	*ms = cb_now_ms() - t0;
	return cb_undo(c, id);
}

static int cb_converge(struct cb_conn *c)
{
	struct cb_opts *o = (struct cb_opts *)cb_o;
	const char *name = o->name, *base = o->baseline;
	double ms, post_ms;
	char pname[128];
	int k;

	snprintf(pname, sizeof(pname), "%s_post", name);
	for (k = 0; k < cb_o->count; k++) {
		if (cb_converge_one(c, k, &ms, &post_ms))
			return -EIO;
		cb_emit("ms", ms, true);
		o->name = pname; /* the write alone, also against the API round trip */
		cb_emit("ms", post_ms, true);
		o->name = name;
		o->baseline = base;
	}
	return 0;
}

static int cb_create(struct cb_conn *c)
{
	char body[512];
	int k;

	for (k = 0; k < cb_o->count; k++) {
		cb_port_body(body, sizeof(body), cb_o->hosts, k);
		if (cb_request(c, "POST", "/v1/ports", body) || c->status != 201) {
			fprintf(stderr, "ctlbench: port create: %d %s\n", c->status,
				c->body ? c->body : "");
			return -EIO;
		}
	}
	return 0;
}

/* Bytes the controller sent on its one southbound session, or -1. */
static long long cb_sb_bytes(void)
{
	char cmd[160], line[4096];
	long long v = -1;
	const char *p;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ss -tinH state established '( sport = :%d )' 2>/dev/null",
		 cb_o->sb_port);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "bytes_acked:");
		if (p)
			v = strtoll(p + 12, NULL, 10);
	}
	pclose(f);
	return v;
}

/* Applied revision of host, or -1; *connected: it has a session. */
static int64_t cb_host_rev(struct cb_conn *c, const char *host, bool *connected)
{
	char path[256];
	const char *p;

	*connected = false;
	snprintf(path, sizeof(path), "/v1/hosts/%s", host);
	if (cb_request(c, "GET", path, NULL) || c->status != 200)
		return -1;
	*connected = strstr(c->body, "\"connected\"") != NULL;
	p = strstr(c->body, "\"applied_revision\"");
	if (!p || !(p = strchr(p, ':')))
		return -1;
	return strtoll(p + 1, NULL, 10);
}

/* Waits (up to 10 s) until host shows no session. Returns 0 or -ETIMEDOUT. */
static int cb_host_gone(struct cb_conn *c, const char *host)
{
	double deadline = cb_now_ms() + 10e3;
	bool connected = true;

	while (cb_now_ms() < deadline) {
		if (cb_host_rev(c, host, &connected) >= 0 && !connected)
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

static int cb_snapshot(struct cb_conn *c)
{
	double t0, t_hello = -1, deadline;
	bool connected;
	uint64_t want;
	int64_t rev = -1;
	pid_t pid;

	char body[96];

	if (cb_host_gone(c, cb_o->host)) {
		fprintf(stderr, "ctlbench: %s keeps a session\n", cb_o->host);
		return -ETIMEDOUT;
	}

	/* a fresh revision the host has not acked yet (it is disconnected:
	 * its last ack stays in applied_revision) */
	snprintf(body, sizeof(body), "{\"name\": \"snap-%d-%ld\"}", (int)getpid(),
		 (long)cb_now_ms());
	if (cb_request(c, "POST", "/v1/tenants", body) || c->status != 201)
		return -EIO;
	want = c->rev;
	t0 = cb_now_ms();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(cb_o->agent_argv[0], cb_o->agent_argv);
		_exit(127);
	}
	deadline = t0 + 60e3;
	while (cb_now_ms() < deadline) {
		rev = cb_host_rev(c, cb_o->host, &connected);
		if (connected && t_hello < 0)
			t_hello = cb_now_ms();
		if (rev >= (int64_t)want)
			break;
		usleep(1000);
	}
	if (rev >= (int64_t)want) {
		long long bytes;
		const char *name = cb_o->name;
		char bname[128];
		double now = cb_now_ms();

		cb_emit("ms", now - t0, true);
		snprintf(bname, sizeof(bname), "%s_session", name);
		((struct cb_opts *)cb_o)->name = bname;
		cb_emit("ms", now - (t_hello < 0 ? t0 : t_hello), true);
		((struct cb_opts *)cb_o)->name = name;
		bytes = cb_o->sb_port ? cb_sb_bytes() : -1;
		if (bytes > 0) {
			snprintf(bname, sizeof(bname), "%s_bytes", name);
			((struct cb_opts *)cb_o)->name = bname;
			cb_emit("bytes", (double)bytes, true);
			((struct cb_opts *)cb_o)->name = name;
		}
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return rev >= (int64_t)want ? 0 : -ETIMEDOUT;
}

static int cb_token(struct cb_opts *o, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(o->token, 1, sizeof(o->token) - 1, f);
	fclose(f);
	while (n && (o->token[n - 1] == '\n' || o->token[n - 1] == '\r'))
		n--;
	o->token[n] = '\0';
	return n ? 0 : -EINVAL;
}

static int cb_parse(int argc, char **argv, struct cb_opts *o)
{
	static const struct option longopts[] = {
	    {"api", required_argument, NULL, 'a'},
	    {"token-file", required_argument, NULL, 't'},
	    {"network", required_argument, NULL, 'N'},
	    {"hosts", required_argument, NULL, 'H'},
	    {"host", required_argument, NULL, 'h'},
	    {"name", required_argument, NULL, 'n'},
	    {"baseline", required_argument, NULL, 'b'},
	    {"clients", required_argument, NULL, 'c'},
	    {"seconds", required_argument, NULL, 's'},
	    {"count", required_argument, NULL, 'k'},
	    {"n-hosts", required_argument, NULL, 'm'},
	    {"subnet", required_argument, NULL, 'S'},
	    {"sb-port", required_argument, NULL, 'P'},
	    {0},
	};
	int c;

	*o = (struct cb_opts){.clients = 1, .seconds = 3, .count = 20, .n_hosts = 1};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->api = optarg;
			break;
		case 't':
			if (cb_token(o, optarg))
				return -EINVAL;
			break;
		case 'N':
			o->network = optarg;
			break;
		case 'H':
			o->hosts = optarg;
			break;
		case 'h':
			o->host = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'b':
			o->baseline = optarg;
			break;
		case 'c':
			o->clients = atoi(optarg);
			break;
		case 's':
			o->seconds = atoi(optarg);
			break;
		case 'k':
			o->count = atoi(optarg);
			break;
		case 'm':
			o->n_hosts = atoi(optarg);
			break;
		case 'S':
			o->subnet = optarg;
			break;
		case 'P':
			o->sb_port = atoi(optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind >= argc || !o->api || !o->token[0] || !o->name || o->clients < 1 ||
	    o->n_hosts < 0)
		return -EINVAL;
	o->mode = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	o->agent_argv = optind < argc ? &argv[optind] : NULL;
	return 0;
}

int main(int argc, char **argv)
{
	static struct cb_conn conn = {.fd = -1};
	struct cb_opts o;
	int err;

	signal(SIGPIPE, SIG_IGN);
	if (cb_parse(argc, argv, &o)) {
		fprintf(stderr, "usage: ctlbench --api IP:PORT --token-file F --name FIG "
				"writes|reads|rtt|converge|snapshot [options] (see ctlbench.c)\n");
		return 2;
	}
	cb_o = &o;
	if (!strcmp(o.mode, "writes") && o.network)
		err = cb_rate(true);
	else if (!strcmp(o.mode, "reads"))
		err = cb_rate(false);
	else if (!strcmp(o.mode, "rtt"))
		err = cb_rtt(&conn);
	else if (!strcmp(o.mode, "converge") && o.network && o.hosts)
		err = cb_converge(&conn);
	else if (!strcmp(o.mode, "create") && o.network && o.hosts)
		err = cb_create(&conn);
	else if (!strcmp(o.mode, "snapshot") && o.host && o.agent_argv)
		err = cb_snapshot(&conn);
	else
		err = -EINVAL;
	if (conn.fd >= 0)
		close(conn.fd);
	if (err)
		fprintf(stderr, "ctlbench %s: failed (%d)\n", o.mode, err);
	return err ? 1 : 0;
}
