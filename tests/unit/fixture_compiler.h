/* fixture_compiler.h - compiling one host of a hand-made topology and
 * looking at its rows, for the compiler's unit tests. Test-only; include
 * after cmocka.h. */
#ifndef TENET_FIXTURE_COMPILER_H
#define TENET_FIXTURE_COMPILER_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "wire.h"

/* IPv4 text s, network order. */
static inline uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* Port id on network net with port_key key, MAC 02:00:00:00:00:mac_last,
 * first IPv4 ip4, bound to host at interface ifname. */
static inline void port_set(struct topo_port *p, const char *id, const char *net, uint32_t key,
			    uint8_t mac_last, const char *ip4, const char *host, const char *ifname)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->network_id, sizeof(p->network_id), "%s", net);
	p->port_key = key;
	memcpy(p->mac, (uint8_t[]){2, 0, 0, 0, 0, mac_last}, 6);
	p->ip4 = ip(ip4);
	snprintf(p->host, sizeof(p->host), "%s", host);
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
}

/* One host's rows. */
struct rows {
	struct wire_row *r;
	size_t n;
};

static inline struct rows build(const struct topology *t, const char *host)
{
	struct rows out = {0};

	assert_int_equal(compiler_build_host(t, host, &out.r, &out.n), 0);
	for (size_t i = 0; i < out.n; i++) {
		assert_int_equal(out.r[i].op, WIRE_OP_UPSERT);
		assert_true(wire_row_valid(&out.r[i]));
		if (i)
			assert_true(wire_row_cmp(&out.r[i - 1], &out.r[i]) < 0);
	}
	return out;
}

static inline size_t count(const struct rows *r, uint8_t map)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->r[i].map == map;
	return n;
}

/* The row of map with key, or NULL. */
static inline const struct wire_row *find(const struct rows *r, uint8_t map, const void *key)
{
	struct wire_row k = {.map = map};

	wire_map_sizes(map, &k.key_len, NULL);
	memcpy(k.key, key, k.key_len);
	return bsearch(&k, r->r, r->n, sizeof(*r->r), wire_row_cmp);
}

#endif
