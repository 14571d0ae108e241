/* corpus_gen.c - writes the seed corpora of fuzz.store_cmd and
 * fuzz.snapshot from real commands and snapshots: it applies a small
 * topology (tenant, networks, subnet, hosts, ports with bindings, updates,
 * a delete; with and without idempotency keys and allocation seeds) to a
 * store in a temporary directory, writing every command to
 * DIR/store_cmd/NN and a snapshot after each step to DIR/snapshot/NN.
 *
 * The files are checked in under tests/fuzz/corpus/; run this again (the
 * target corpus_gen) when the command or snapshot format changes:
 *   build/tests/fuzz/corpus_gen tests/fuzz/corpus
 * The UUIDs, keys and seeds are fixed, so the output is the same each run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#define C_TEN  "00000000-0000-4000-8000-000000000001"
#define C_NET  "00000000-0000-4000-8000-000000000002"
#define C_NET2 "00000000-0000-4000-8000-000000000003"
#define C_SUB  "00000000-0000-4000-8000-000000000004"
#define C_P1   "00000000-0000-4000-8000-000000000005"
#define C_P2   "00000000-0000-4000-8000-000000000006"
#define C_KEY1 "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define C_KEY2 "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

/* One command of the sequence. */
struct corpus_cmd {
	enum store_op op;     /* what */
	enum model_kind kind; /* on which kind */
	const char *id;	      /* target */
	const char *body;     /* JSON */
	const char *idem;     /* idempotency key, "" for none */
	uint64_t seed;	      /* allocation seed, 0: sequential */
};

static const struct corpus_cmd cmds[] = {
    {STORE_OP_CREATE, MODEL_TENANT, C_TEN, "{\"name\":\"blue\"}", "k-tenant", 0},
    {STORE_OP_CREATE, MODEL_NETWORK, C_NET, "{\"tenant_id\":\"" C_TEN "\",\"name\":\"n1\"}", "",
     0x1234567890abcdefULL},
    {STORE_OP_CREATE, MODEL_NETWORK, C_NET2, "{\"tenant_id\":\"" C_TEN "\",\"name\":\"n2\"}",
     "k-net2", 7},
    {STORE_OP_CREATE, MODEL_SUBNET, C_SUB,
     "{\"network_id\":\"" C_NET "\",\"cidr\":\"10.0.0.0/24\",\"gateway_ip\":\"10.0.0.254\"}", "",
     0},
    {STORE_OP_CREATE, MODEL_HOST, "h1",
     "{\"name\":\"h1\",\"public_key\":\"" C_KEY1 "\",\"underlay_ip\":\"198.18.0.1\"}", "", 0},
    {STORE_OP_CREATE, MODEL_HOST, "h2",
     "{\"name\":\"h2\",\"public_key\":\"" C_KEY2 "\",\"underlay_ip\":\"198.18.0.2\"}", "k-h2", 0},
    {STORE_OP_CREATE, MODEL_PORT, C_P1,
     "{\"network_id\":\"" C_NET "\",\"name\":\"vm1\",\"fixed_ips\":[{\"subnet_id\":\"" C_SUB
     "\",\"ip_address\":\"10.0.0.1\"}],\"binding\":{\"host\":\"h1\",\"interface\":\"vm1\"}}",
     "k-p1", 99},
    {STORE_OP_CREATE, MODEL_PORT, C_P2,
     "{\"network_id\":\"" C_NET "\",\"name\":\"vm2\",\"fixed_ips\":[{\"subnet_id\":\"" C_SUB
     "\",\"ip_address\":\"10.0.0.2\"}],\"binding\":{\"host\":\"h2\",\"interface\":\"vm2\"}}",
     "", 0},
    {STORE_OP_UPDATE, MODEL_PORT, C_P2, "{\"port_security_enabled\":false}", "k-upd", 0},
    {STORE_OP_UPDATE, MODEL_HOST, "h1", "{\"underlay_ip\":\"198.18.0.3\"}", "", 0},
    {STORE_OP_DELETE, MODEL_NETWORK, C_NET2, "", "k-del", 0},
    {STORE_OP_CREATE, MODEL_TENANT, C_TEN, "{\"name\":\"again\"}", "", 0}, /* rejected: 409 */
};

static int corpus_write(const char *dir, const char *sub, int n, const void *buf, size_t len)
{
	char path[4096];
	FILE *fp;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s/%02d", dir, sub, n);
	fp = fopen(path, "wb");
	if (!fp)
		return -errno;
	if (fwrite(buf, 1, len, fp) != len)
		rc = -EIO;
	if (fclose(fp) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

/* Applies every command as Raft entry i + 1, writing it and the snapshot
 * after it. Returns 0 or -errno. */
static int corpus_run(struct store *s, const char *out)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && rc == 0; i++) {
		const struct corpus_cmd *c = &cmds[i];
		struct store_result res;
		void *buf, *snap;
		size_t len, snap_len;

		rc = store_cmd_encode_seeded(c->op, c->kind, c->id, c->body, c->idem, c->seed, &buf,
					     &len);
		if (rc < 0)
			break;
		rc = corpus_write(out, "store_cmd", (int)i, buf, len);
		if (rc == 0)
			rc = store_apply_entry(s, i + 1, buf, len, &res);
		if (rc == 0 && res.rc < 0 && i + 1 < sizeof(cmds) / sizeof(cmds[0])) {
			fprintf(stderr, "command %zu rejected: %d %s\n", i, res.rc,
				res.err.message);
			rc = -EINVAL;
		}
		store_result_release(&res);
		free(buf);
		if (rc == 0)
			rc = store_snapshot(s, &snap, &snap_len, NULL);
		if (rc == 0) {
			rc = corpus_write(out, "snapshot", (int)i, snap, snap_len);
			free(snap);
		}
	}
	return rc;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/tenet-fuzz-corpus.XXXXXX", path[sizeof(dir) + 16];
	struct store *s;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(dir))
		return 1;
	s = store_new(dir, 64);
	rc = s ? corpus_run(s, argv[1]) : -EIO;
	store_destroy(&s);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
	if (rc < 0)
		fprintf(stderr, "corpus_gen: %s\n", strerror(-rc));
	return rc < 0;
}
