/* dhcp_opts.c - DHCPv4 options of a port's answer (see dhcp_opts.h). */
#include "dhcp_opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <linux/types.h>

#include "tenet_abi.h"

_Static_assert(DHCP_OPTS_WORST <= TN_DHCP_OPTS_MAX, "the largest options fit a tn_dhcp row");
_Static_assert(2 + 9 * DHCP_OPTS_MAX_ROUTES + 5 <= 2 + 255, "option 121 fits one option");

/* The output and how far it is written. */
struct dhcp_buf {
	uint8_t *p;   /* output */
	size_t cap;   /* its size */
	size_t n;     /* bytes written */
	bool overrun; /* something did not fit */
};

static void dhcp_put(struct dhcp_buf *b, const void *src, size_t n)
{
	if (b->overrun || n > b->cap - b->n) {
		b->overrun = true;
		return;
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void dhcp_put_u8(struct dhcp_buf *b, uint8_t v)
{
	dhcp_put(b, &v, 1);
}

/* Option code with one 4-byte address. */
static void dhcp_put_addr(struct dhcp_buf *b, uint8_t code, uint32_t addr)
{
	dhcp_put_u8(b, code);
	dhcp_put_u8(b, 4);
	dhcp_put(b, &addr, 4);
}

/* The mask of a prefix length, network order. */
static uint32_t dhcp_mask(unsigned prefix)
{
	return prefix ? htonl(0xffffffffu << (32 - prefix)) : 0;
}

/* One RFC 3442 route: width, significant octets of the destination, router. */
static void dhcp_put_route(struct dhcp_buf *b, uint32_t dst, uint8_t prefix, uint32_t nexthop)
{
	dhcp_put_u8(b, prefix);
	dhcp_put(b, &dst, (prefix + 7u) / 8);
	dhcp_put(b, &nexthop, 4);
}

static bool dhcp_opts_valid(const struct dhcp_opts_in *in)
{
	if (in->prefix_len < 1 || in->prefix_len > 32 || in->n_dns > DHCP_OPTS_MAX_DNS ||
	    in->n_routes > DHCP_OPTS_MAX_ROUTES || (in->n_dns && !in->dns) ||
	    (in->n_routes && !in->routes))
		return false;
	for (size_t i = 0; i < in->n_routes; i++) {
		const struct dhcp_route *r = &in->routes[i];

		if (r->prefix > 32 || (r->dst & ~dhcp_mask(r->prefix)))
			return false;
	}
	return true;
}

/* True if a host route is a default route already. */
static bool dhcp_has_default(const struct dhcp_opts_in *in)
{
	for (size_t i = 0; i < in->n_routes; i++)
		if (in->routes[i].prefix == 0)
			return true;
	return false;
}

int dhcp_opts_encode(const struct dhcp_opts_in *in, uint8_t *out, size_t cap, size_t *len)
{
	struct dhcp_buf b = {.p = out, .cap = cap};
	uint16_t mtu;

	if (!in || !out || !len || !dhcp_opts_valid(in))
		return -EINVAL;
	dhcp_put_addr(&b, 1, dhcp_mask(in->prefix_len));
	if (in->router)
		dhcp_put_addr(&b, 3, in->router);
	if (in->n_dns) {
		dhcp_put_u8(&b, 6);
		dhcp_put_u8(&b, (uint8_t)(4 * in->n_dns));
		dhcp_put(&b, in->dns, 4 * in->n_dns);
	}
	if (in->mtu >= DHCP_OPTS_MIN_MTU) {
		mtu = htons(in->mtu);
		dhcp_put_u8(&b, 26);
		dhcp_put_u8(&b, 2);
		dhcp_put(&b, &mtu, 2);
	}
	if (in->n_routes) {
		size_t at = b.n + 1;

		dhcp_put_u8(&b, 121);
		dhcp_put_u8(&b, 0); /* length, set below */
		for (size_t i = 0; i < in->n_routes; i++)
			dhcp_put_route(&b, in->routes[i].dst, in->routes[i].prefix,
				       in->routes[i].nexthop);
		if (in->router && !dhcp_has_default(in))
			dhcp_put_route(&b, 0, 0, in->router);
		if (!b.overrun)
			out[at] = (uint8_t)(b.n - at - 1);
	}
	if (b.overrun)
		return -ENOSPC;
	*len = b.n;
	return 0;
}
