/* wirebench.c - the southbound codec's decode of one large SNAPSHOT, the
 * direct path (wire_decode_refs, as the agent decodes) against msgpack-c's
 * object tree (wire_decode_tree), alternating, in one process.
 *
 *   wirebench [-p PORTS] [-r RUNS]
 *
 * The snapshot holds, per port, an LPORT, an FDB, an ARP and a DHCP row (the
 * row kinds a host of many ports gets most of; 4 x PORTS rows, default 10,000).
 * Prints JSON lines for bench/report.py: wire.decode_snapshot_tree and
 * wire.decode_snapshot_direct, the median of RUNS runs (default 9) in ms (and _bytes).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/types.h>

#include "tenet_abi.h"
#include "wire.h"

static double wb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int wb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void wb_emit(const char *name, const char *unit, double v)
{
	printf("{\"name\": \"%s\", \"unit\": \"%s\", \"value\": %.4f, \"baseline\": null, "
	       "\"lower_is_better\": true}\n",
	       name, unit, v);
}

/* One decode of buf; exits on a failure (the benchmark's input is valid). */
static double wb_decode(const uint8_t *buf, size_t len, bool direct, size_t want)
{
	struct wire_msg m;
	double t0 = wb_now_ms(), t;
	int rc = direct ? wire_decode_refs(buf, len, &m) : wire_decode_tree(buf, len, &m, true);

	t = wb_now_ms() - t0;
	if (rc || m.type != WIRE_SNAPSHOT || m.update.n_rows != want) {
		fprintf(stderr, "wirebench: decode failed: %s\n", strerror(-rc));
		exit(1);
	}
	wire_msg_release(&m);
	return t;
}

int main(int argc, char **argv)
{
	static const uint8_t maps[] = {TN_MAP_LPORT, TN_MAP_FDB, TN_MAP_ARP, TN_MAP_DHCP};
	const size_t n_maps = sizeof(maps) / sizeof(maps[0]);
	long ports = 10000, runs = 9;
	struct wire_msg m = {.type = WIRE_SNAPSHOT};
	double *tree, *direct;
	uint8_t *buf;
	size_t len, n;
	int c;

	while ((c = getopt(argc, argv, "p:r:")) != -1) {
		if (c == 'p')
			ports = strtol(optarg, NULL, 10);
		else if (c == 'r')
			runs = strtol(optarg, NULL, 10);
		else
			goto usage;
	}
	if (ports <= 0 || ports > 1000000 || runs <= 0 || runs > 1000)
		goto usage;
	n = (size_t)ports * n_maps;
	m.update.to = 1;
	m.update.n_rows = n;
	m.update.rows = calloc(n, sizeof(*m.update.rows));
	tree = calloc((size_t)runs, sizeof(*tree));
	direct = calloc((size_t)runs, sizeof(*direct));
	if (!m.update.rows || !tree || !direct)
		return 1;
	for (size_t i = 0; i < n; i++) {
		struct wire_row *r = &m.update.rows[i];
		uint32_t k = (uint32_t)(i / n_maps);

		r->map = maps[i % n_maps];
		r->op = WIRE_OP_UPSERT;
		wire_map_sizes(r->map, &r->key_len, &r->val_len);
		memcpy(r->key, &k, sizeof(k) < r->key_len ? sizeof(k) : r->key_len);
		for (unsigned int b = 0; b < r->val_len; b++)
			r->val[b] = (uint8_t)(k + b);
	}
	if (wire_encode(&m, &buf, &len)) {
		fprintf(stderr, "wirebench: encode failed\n");
		return 1;
	}
	wb_decode(buf, len, true, n); /* fault the pages in once */
	for (long i = 0; i < runs; i++) {
		tree[i] = wb_decode(buf, len, false, n);
		direct[i] = wb_decode(buf, len, true, n);
	}
	qsort(tree, (size_t)runs, sizeof(*tree), wb_cmp);
	qsort(direct, (size_t)runs, sizeof(*direct), wb_cmp);
	wb_emit("wire.decode_snapshot_tree", "ms", tree[runs / 2]);
	wb_emit("wire.decode_snapshot_direct", "ms", direct[runs / 2]);
	wb_emit("wire.decode_snapshot_bytes", "bytes", (double)len);
	free(buf);
	free(m.update.rows);
	free(tree);
	free(direct);
	return 0;
usage:
	fprintf(stderr, "usage: wirebench [-p PORTS] [-r RUNS]\n");
	return 2;
}
