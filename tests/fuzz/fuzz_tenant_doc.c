/* fuzz_tenant_doc.c - libFuzzer target for the tenant import document
 * (controller/store_tenant.c): the JSON an operator posts to
 * POST /v1/tenants/import. The bytes are parsed as the API parses a body;
 * the document check (store_tenant_doc_check) must not crash or leak, must
 * name a path when it refuses, and a document it accepts is imported by an
 * import command into a store (which may refuse it too, naming a path and
 * writing nothing).
 *
 * Built by tests/fuzz/CMakeLists.txt and run by ctest (label fuzz) from the
 * seed corpus in tests/fuzz/corpus/tenant_doc/ (exports of real tenants).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

/* A store in a directory removed at once (LMDB keeps its files open). */
static struct store *fuzz_store(void)
{
	static struct store *s;
	char dir[] = "/tmp/tenet-fuzz-doc-XXXXXX", path[64];

	if (s)
		return s;
	if (!mkdtemp(dir))
		abort();
	s = store_new(dir, 16);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
	if (!s)
		abort();
	return s;
}

/* Imports doc as a new tenant (a new id each time: the store keeps what
 * earlier inputs imported, so names and VNIs also meet conflicts). */
static void fuzz_import(const json_t *doc)
{
	static unsigned long n;
	struct store *s = fuzz_store();
	json_t *body = json_pack("{s:O,s:b}", "document", doc, "bind_ports", 0);
	struct store_result res;
	uint64_t rev = store_revision(s);
	char *text, id[40];
	void *cmd;
	size_t len;

	snprintf(id, sizeof(id), "f0000000-0000-4000-8000-%012lx", ++n);
	text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (text &&
	    store_cmd_encode(STORE_OP_IMPORT, MODEL_TENANT, id, text, NULL, &cmd, &len) == 0) {
		if (store_apply(s, cmd, len, &res) < 0 &&
		    (store_revision(s) != rev || !res.err.message[0]))
			abort(); /* a refused import wrote something, or said nothing */
		store_result_release(&res);
		free(cmd);
	}
	free(text);
	json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_error err = {0};
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	char hash[65];

	if (!doc)
		return 0;
	if (store_tenant_doc_check(doc, &err) < 0) {
		if (!err.field[0] || !err.message[0])
			abort(); /* a refusal names where and why */
	} else {
		if (store_tenant_hash(doc, hash) < 0 ||
		    strcmp(json_string_value(json_object_get(doc, "sha256")), hash) != 0)
			abort();
		fuzz_import(doc);
	}
	json_decref(doc);
	return 0;
}
