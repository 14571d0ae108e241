/* fuzz_store_cmd.c - libFuzzer target for the store's command decoder
 * (controller/store.c, store_cmd_decode): the bytes of a replicated Raft
 * entry, which every replica decodes before it applies them. Whatever the
 * bytes, the decoder must not crash or leak; a command it accepts must have
 * a known op and kind, NUL-terminated id and idempotency key within their
 * limits, and must encode back (store_cmd_encode_seeded, "seed" and "idem"
 * included) to bytes that decode to the same command and encode again to
 * the same bytes.
 *
 * Built by tests/fuzz/CMakeLists.txt and run by ctest (label fuzz) from the
 * seed corpus in tests/fuzz/corpus/store_cmd/ (real commands, written by
 * corpus_gen.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Aborts unless a and b are the same command. */
static void fuzz_same(const struct store_cmd *a, const struct store_cmd *b)
{
	if (a->op != b->op || a->kind != b->kind || a->seed != b->seed ||
	    strcmp(a->id, b->id) != 0 || strcmp(a->idem, b->idem) != 0 ||
	    strcmp(a->body, b->body) != 0)
		abort();
}

/* Aborts unless c is a command the store can run. */
static void fuzz_check(const struct store_cmd *c)
{
	if (c->op < STORE_OP_CREATE || c->op > STORE_OP_MIGRATE ||
	    (unsigned int)c->kind >= MODEL_KIND_MAX)
		abort();
	if (strnlen(c->id, sizeof(c->id)) > STORE_ID_MAX ||
	    strnlen(c->idem, sizeof(c->idem)) > STORE_IDEM_MAX || !c->body)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_cmd c, again;
	void *buf, *buf2;
	size_t len, len2;

	if (store_cmd_decode(data, size, &c) != 0) {
		if (c.body) /* a refused command owns nothing */
			abort();
		return 0;
	}
	fuzz_check(&c);
	if (store_cmd_encode_seeded(c.op, c.kind, c.id, c.body, c.idem, c.seed, &buf, &len) != 0)
		abort();
	if (store_cmd_decode(buf, len, &again) != 0)
		abort();
	fuzz_same(&c, &again);
	if (store_cmd_encode_seeded(again.op, again.kind, again.id, again.body, again.idem,
				    again.seed, &buf2, &len2) != 0 ||
	    len2 != len || memcmp(buf, buf2, len) != 0)
		abort();
	free(buf);
	free(buf2);
	free(again.body);
	free(c.body);
	return 0;
}
