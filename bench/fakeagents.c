// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fakeagents.c - many fake agents in one process, for control-plane figures
 * with more hosts than agent processes fit on the machine (bench/control.sh:
 * control.converge_1000_agents).
 *
 *   fakeagents genkeys --count N --prefix P --out FILE
 *       writes N CURVE key pairs, one line each: "P<i> PUBLIC SECRET" (Z85).
 *   fakeagents run --controller ENDPOINT --controller-key Z85|FILE --keys FILE
 *                  [--heartbeat-ms MS]
 *       one CURVE DEALER session per line of FILE, each speaking the
 *       southbound protocol as its host (common/wire.h): HELLO, SNAPSHOT and
 *       DELTA applied to an in-memory row set, ACK, HEARTBEAT every MS
 *       (default 1000, as tenet-agent), HELLO again after 3 s of silence or
 *       a DELTA that does not start at its revision. Runs until SIGINT or
 *       SIGTERM, then prints per-session totals to stderr.
 *
 * What a session keeps of a row is its (map, key) and a 64-bit hash of its
 * value: enough to apply deltas and count rows, small enough for 1,000
 * hosts. It never touches a BPF map: unlike tenet-agent --fake-datapath
 * (private BPF maps, one process per host) it measures the controller and
 * the protocol, not the agent's applier.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <czmq.h>

#include "wire.h"

#define FA_SILENCE_MS 3000

/* A row as a session keeps it. */
struct fa_row {
	uint8_t map;		   /* enum tn_map_id */
	uint8_t key[WIRE_KEY_MAX]; /* ABI key, unused bytes zero */
	uint64_t val_hash;	   /* FNV-1a of the value bytes */
};

/* One fake host. */
struct fa_session {
	char name[WIRE_HOST_MAX]; /* host name */
	char pub[41];		  /* its public key, Z85 */
	char sec[41];		  /* its secret key, Z85 */
	void *sock;		  /* its DEALER */
	uint64_t rev;		  /* revision its rows are at */
	struct fa_row *rows;	  /* sorted by (map, key) */
	size_t n_rows;		  /* used entries of rows */
	size_t cap_rows;	  /* allocated entries of rows */
	int64_t last_heard;	  /* zclock_mono() of the last message */
	int64_t next_beat;	  /* zclock_mono() of the next HEARTBEAT */
	uint64_t n_updates;	  /* SNAPSHOTs and DELTAs applied */
};

static volatile sig_atomic_t fa_stop;

static void fa_on_signal(int sig)
{
	(void)sig;
	fa_stop = 1;
}

static uint64_t fa_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int fa_cmp_row(const void *a, const void *b)
{
	const struct fa_row *x = a, *y = b;

	if (x->map != y->map)
		return x->map < y->map ? -1 : 1;
	return memcmp(x->key, y->key, sizeof(x->key));
}

static void fa_row_of(struct fa_row *r, const struct wire_row *w)
{
	memset(r, 0, sizeof(*r));
	r->map = w->map;
	memcpy(r->key, w->key, w->key_len < WIRE_KEY_MAX ? w->key_len : WIRE_KEY_MAX);
	r->val_hash = fa_hash(w->val, w->val_len);
}

static int fa_reserve(struct fa_session *s, size_t n)
{
	struct fa_row *r;

	if (n <= s->cap_rows)
		return 0;
	r = realloc(s->rows, n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->rows = r;
	s->cap_rows = n;
	return 0;
}

/* Upserts or deletes one row. */
static int fa_apply_row(struct fa_session *s, const struct wire_row *w)
{
	struct fa_row k;
	size_t lo = 0, hi = s->n_rows;

	fa_row_of(&k, w);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (fa_cmp_row(&s->rows[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n_rows && fa_cmp_row(&s->rows[lo], &k) == 0) {
		if (w->op == WIRE_OP_DELETE) {
			memmove(&s->rows[lo], &s->rows[lo + 1],
				(s->n_rows - lo - 1) * sizeof(*s->rows));
			s->n_rows--;
		} else {
			s->rows[lo] = k;
		}
		return 0;
	}
	if (w->op == WIRE_OP_DELETE)
		return 0;
	if (fa_reserve(s, s->n_rows ? s->n_rows * 2 : 64))
		return -ENOMEM;
	memmove(&s->rows[lo + 1], &s->rows[lo], (s->n_rows - lo) * sizeof(*s->rows));
	s->rows[lo] = k;
	s->n_rows++;
	return 0;
}

static void fa_send(struct fa_session *s, const struct wire_msg *m)
{
	uint8_t *buf;
	size_t len;

	if (wire_encode(m, &buf, &len))
		return;
	zmq_send(s->sock, buf, len, ZMQ_DONTWAIT);
	free(buf);
}

static void fa_send_rev(struct fa_session *s, enum wire_type type, uint64_t rev)
{
	struct wire_msg m = {.type = type};

	if (type == WIRE_HELLO) {
		snprintf(m.hello.host, sizeof(m.hello.host), "%s", s->name);
		m.hello.last_rev = rev;
		m.hello.caps = WIRE_CAP_TRIM; /* as tenet-agent's decoder */
	} else {
		m.ack.rev = rev;
	}
	fa_send(s, &m);
}

/* Applies a SNAPSHOT or DELTA; returns false when it must be refused. */
static bool fa_apply(struct fa_session *s, const struct wire_msg *m)
{
	if (m->type == WIRE_SNAPSHOT) {
		if (fa_reserve(s, m->update.n_rows + 1))
			return false;
		for (size_t i = 0; i < m->update.n_rows; i++)
			fa_row_of(&s->rows[i], &m->update.rows[i]);
		s->n_rows = m->update.n_rows;
		qsort(s->rows, s->n_rows, sizeof(*s->rows), fa_cmp_row);
	} else {
		if (m->update.from != s->rev)
			return false;
		for (size_t i = 0; i < m->update.n_rows; i++)
			if (fa_apply_row(s, &m->update.rows[i]))
				return false;
	}
	s->rev = m->update.to;
	s->n_updates++;
	return true;
}

/* Handles one message from the controller. */
static void fa_on_frame(struct fa_session *s, const uint8_t *data, size_t len)
{
	struct wire_msg m;

	if (wire_decode(data, len, &m))
		return;
	s->last_heard = zclock_mono();
	if (m.type == WIRE_SNAPSHOT || m.type == WIRE_DELTA) {
		if (m.update.to < s->rev)
			; /* a controller behind us: ignore, as the agent does */
		else if (fa_apply(s, &m))
			fa_send_rev(s, WIRE_ACK, m.update.to);
		else
			fa_send_rev(s, WIRE_HELLO, s->rev); /* a gap: ask for a SNAPSHOT */
	}
	wire_msg_release(&m);
}

static void fa_drain(struct fa_session *s)
{
	for (;;) {
		zmq_msg_t msg;

		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, s->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&msg);
			return;
		}
		fa_on_frame(s, zmq_msg_data(&msg), zmq_msg_size(&msg));
		zmq_msg_close(&msg);
	}
}

/* Heartbeats, and a new HELLO after silence. */
static void fa_tick(struct fa_session *s, int64_t now, int heartbeat_ms)
{
	if (now - s->last_heard > FA_SILENCE_MS) {
		s->last_heard = now;
		fa_send_rev(s, WIRE_HELLO, s->rev);
	}
	if (now >= s->next_beat) {
		s->next_beat = now + heartbeat_ms;
		fa_send_rev(s, WIRE_HEARTBEAT, s->rev);
	}
}

static int fa_genkeys(int count, const char *prefix, const char *out)
{
	FILE *f = fopen(out, "w");

	if (!f)
		return -errno;
	for (int i = 0; i < count; i++) {
		zcert_t *cert = zcert_new();

		if (!cert) {
			fclose(f);
			return -ENOMEM;
		}
		fprintf(f, "%s%d %s %s\n", prefix, i, zcert_public_txt(cert),
			zcert_secret_txt(cert));
		zcert_destroy(&cert);
	}
	return fclose(f) ? -errno : 0;
}

/* The server key: Z85 itself, or the first 40 characters of a file. */
static int fa_server_key(const char *arg, char key[41])
{
	FILE *f;

	if (strlen(arg) == 40 && !strchr(arg, '/')) {
		memcpy(key, arg, 41);
		return 0;
	}
	f = fopen(arg, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%40s", key) != 1 || strlen(key) != 40) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	return 0;
}

static int fa_load(const char *path, struct fa_session **out, size_t *n_out)
{
	struct fa_session *s = NULL;
	size_t n = 0, cap = 0;
	char name[WIRE_HOST_MAX], pub[41], sec[41];
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %40s %40s", name, pub, sec) == 3) {
		if (n == cap) {
			struct fa_session *ns;

			cap = cap ? cap * 2 : 256;
			ns = realloc(s, cap * sizeof(*s));
			if (!ns)
				break;
			s = ns;
		}
		memset(&s[n], 0, sizeof(s[n]));
		snprintf(s[n].name, sizeof(s[n].name), "%s", name);
		memcpy(s[n].pub, pub, sizeof(pub));
		memcpy(s[n].sec, sec, sizeof(sec));
		n++;
	}
	fclose(f);
	*out = s;
	*n_out = n;
	return n ? 0 : -EINVAL;
}

/* Opens every session's DEALER and says HELLO. */
static int fa_open(void *ctx, struct fa_session *s, size_t n, const char *ep,
		   const char *server_key, int heartbeat_ms)
{
	int64_t now = zclock_mono();

	for (size_t i = 0; i < n; i++) {
		int zero = 0;

		s[i].sock = zmq_socket(ctx, ZMQ_DEALER);
		if (!s[i].sock)
			return -errno;
		zmq_setsockopt(s[i].sock, ZMQ_LINGER, &zero, sizeof(zero));
		zmq_setsockopt(s[i].sock, ZMQ_CURVE_SERVERKEY, server_key, 40);
		zmq_setsockopt(s[i].sock, ZMQ_CURVE_PUBLICKEY, s[i].pub, 40);
		zmq_setsockopt(s[i].sock, ZMQ_CURVE_SECRETKEY, s[i].sec, 40);
		if (zmq_connect(s[i].sock, ep))
			return -errno;
		s[i].last_heard = now;
		/* spread the heartbeats over the period */
		s[i].next_beat = now + (int64_t)(i * (size_t)heartbeat_ms / n);
		fa_send_rev(&s[i], WIRE_HELLO, 0);
	}
	return 0;
}

static int fa_run(const char *ep, const char *key_arg, const char *keys, int heartbeat_ms)
{
	struct fa_session *s = NULL;
	zmq_pollitem_t *items = NULL;
	struct rlimit rl = {65536, 65536};
	char server_key[41];
	size_t n = 0;
	void *ctx;
	int err;

	err = fa_server_key(key_arg, server_key);
	if (!err)
		err = fa_load(keys, &s, &n);
	if (err)
		return err;
	setrlimit(RLIMIT_NOFILE, &rl); /* two descriptors a session */
	ctx = zmq_ctx_new();
	items = calloc(n, sizeof(*items));
	if (!ctx || !items)
		return -ENOMEM;
	zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)n + 64);
	err = fa_open(ctx, s, n, ep, server_key, heartbeat_ms);
	for (size_t i = 0; i < n; i++)
		items[i] = (zmq_pollitem_t){.socket = s[i].sock, .events = ZMQ_POLLIN};
	while (!err && !fa_stop) {
		int64_t now;

		if (zmq_poll(items, (int)n, 100) < 0 && errno != EINTR)
			err = -errno;
		for (size_t i = 0; i < n; i++)
			if (items[i].revents & ZMQ_POLLIN)
				fa_drain(&s[i]);
		now = zclock_mono();
		for (size_t i = 0; i < n; i++)
			fa_tick(&s[i], now, heartbeat_ms);
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr,
			"fakeagents: host=%s rev=%" PRIu64 " rows=%zu updates=%" PRIu64 "\n",
			s[i].name, s[i].rev, s[i].n_rows, s[i].n_updates);
		if (s[i].sock)
			zmq_close(s[i].sock);
		free(s[i].rows);
	}
	zmq_ctx_term(ctx);
	free(items);
	free(s);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'n'},
	    {"prefix", required_argument, NULL, 'p'},
	    {"out", required_argument, NULL, 'o'},
	    {"controller", required_argument, NULL, 'c'},
	    {"controller-key", required_argument, NULL, 'k'},
	    {"keys", required_argument, NULL, 'K'},
	    {"heartbeat-ms", required_argument, NULL, 'b'},
	    {0},
	};
	const char *prefix = "f", *out = NULL, *ep = NULL, *key = NULL, *keys = NULL;
	int count = 0, beat = 1000, c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			count = atoi(optarg);
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			ep = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'K':
			keys = optarg;
			break;
		case 'b':
			beat = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	signal(SIGINT, fa_on_signal);
	signal(SIGTERM, fa_on_signal);
	if (!strcmp(argv[optind], "genkeys") && count > 0 && out)
		err = fa_genkeys(count, prefix, out);
	else if (!strcmp(argv[optind], "run") && ep && key && keys && beat > 0)
		err = fa_run(ep, key, keys, beat);
	else
		goto usage;
	if (err)
		fprintf(stderr, "fakeagents %s: failed (%s)\n", argv[optind], strerror(-err));
	return err ? 1 : 0;
usage:
	fprintf(stderr, "usage: fakeagents genkeys --count N [--prefix P] --out FILE\n"
			"       fakeagents run --controller EP --controller-key Z85|FILE "
			"--keys FILE [--heartbeat-ms MS]\n");
	return 2;
}
