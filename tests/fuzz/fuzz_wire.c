/* fuzz_wire.c - libFuzzer target for the southbound codec: wire_decode must
 * never crash, and whatever it accepts must encode back and decode to the
 * same bytes.
 *
 * Built by tests/fuzz/CMakeLists.txt and run by ctest (label fuzz). By hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	-Icommon -Ibpf/include tests/fuzz/fuzz_wire.c common/wire.c common/reasons.c \
 *	$(pkg-config --cflags --libs msgpack) -o /tmp/fuzz_wire
 *   /tmp/fuzz_wire -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m, again;
	uint8_t *buf, *buf2;
	size_t len, len2;

	if (wire_decode(data, size, &m) != 0)
		return 0;
	if (wire_encode(&m, &buf, &len) != 0)
		abort();
	if (wire_decode(buf, len, &again) != 0)
		abort();
	if (wire_encode(&again, &buf2, &len2) != 0 || len2 != len || memcmp(buf, buf2, len))
		abort();
	free(buf);
	free(buf2);
	wire_msg_release(&again);
	wire_msg_release(&m);
	return 0;
}
