/* bytes.h - fixed-width integers in a byte buffer, in a stated byte order
 * (<endian.h> underneath; memcpy, so any alignment). The store's keys and
 * values, the Raft entries' headers and libraft's preamble use them. */
#ifndef TENET_BYTES_H
#define TENET_BYTES_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t bytes_get_be32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline void bytes_put_be32(void *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint64_t bytes_get_be64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static inline void bytes_put_be64(void *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint64_t bytes_get_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void bytes_put_le64(void *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

#endif
