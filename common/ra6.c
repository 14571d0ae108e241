/* ra6.c - router advertisements: the message and its frame (see ra6.h). */
#include "ra6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define RA6_ICMP_RA    134
#define RA6_HOP_LIMIT  64 /* the hop limit hosts should use */
#define RA6_F_MANAGED  0x80
#define RA6_F_OTHER    0x40
#define RA6_OPT_SLL    1
#define RA6_OPT_PREFIX 3
#define RA6_OPT_MTU    5
#define RA6_OPT_RDNSS  25
#define RA6_PI_ONLINK  0x80
#define RA6_PI_AUTO    0x40
#define RA6_INFINITE   0xffffffffu

_Static_assert(16 + 8 + 8 + 32 * RA6_MAX_PREFIXES + 8 + 16 * RA6_MAX_DNS <= TN_RA_MSG_MAX,
	       "the largest RA fits a row");

void ra6_ll_from_mac(uint8_t ip6[16], const uint8_t mac[6])
{
	memset(ip6, 0, 16);
	ip6[0] = 0xfe;
	ip6[1] = 0x80;
	ip6[8] = mac[0] ^ 0x02;
	ip6[9] = mac[1];
	ip6[10] = mac[2];
	ip6[11] = 0xff;
	ip6[12] = 0xfe;
	ip6[13] = mac[3];
	ip6[14] = mac[4];
	ip6[15] = mac[5];
}

static void ra6_put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/* The sum of the 16-bit big-endian words of p[0 .. n), n even, unfolded. */
static uint32_t ra6_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	return sum;
}

static uint32_t ra6_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

int ra6_encode(const struct ra6_in *in, struct tn_ra *row)
{
	uint8_t *m;
	size_t o = 16;

	if (!in || !row || in->n_prefixes > RA6_MAX_PREFIXES || in->n_dns > RA6_MAX_DNS ||
	    (in->n_prefixes && !in->prefixes) || (in->n_dns && !in->dns))
		return -EINVAL;
	for (size_t i = 0; i < in->n_prefixes; i++)
		if (!in->prefixes[i].len || in->prefixes[i].len > 128)
			return -EINVAL;
	memset(row, 0, sizeof(*row));
	memcpy(row->src_mac, in->mac, 6);
	ra6_ll_from_mac(row->src_ip6, in->mac);
	m = row->msg;
	m[0] = RA6_ICMP_RA;
	m[4] = RA6_HOP_LIMIT;
	m[5] = (in->managed ? RA6_F_MANAGED : 0) | (in->other ? RA6_F_OTHER : 0);
	m[6] = RA6_LIFETIME >> 8;
	m[7] = RA6_LIFETIME & 0xff;
	m[o] = RA6_OPT_SLL; /* 8 .. 15: reachable time and retransmit timer, 0 */
	m[o + 1] = 1;
	memcpy(&m[o + 2], in->mac, 6);
	o += 8;
	if (in->mtu >= RA6_MIN_MTU) {
		m[o] = RA6_OPT_MTU;
		m[o + 1] = 1;
		ra6_put32(&m[o + 4], in->mtu);
		o += 8;
	}
	for (size_t i = 0; i < in->n_prefixes; i++) {
		const struct ra6_prefix *p = &in->prefixes[i];

		m[o] = RA6_OPT_PREFIX;
		m[o + 1] = 4;
		m[o + 2] = p->len;
		m[o + 3] = RA6_PI_ONLINK | (p->autonomous ? RA6_PI_AUTO : 0);
		ra6_put32(&m[o + 4], RA6_INFINITE);
		ra6_put32(&m[o + 8], RA6_INFINITE);
		memcpy(&m[o + 16], p->addr, 16);
		o += 32;
	}
	if (in->n_dns) {
		m[o] = RA6_OPT_RDNSS;
		m[o + 1] = (uint8_t)(1 + 2 * in->n_dns);
		ra6_put32(&m[o + 4], RA6_INFINITE);
		for (size_t i = 0; i < in->n_dns; i++)
			memcpy(&m[o + 8 + 16 * i], in->dns[i], 16);
		o += 8 + 16 * in->n_dns;
	}
	row->msg_len = (uint16_t)o;
	row->msg_sum = ra6_fold(ra6_sum(m, o));
	return 0;
}

int ra6_frame(const struct tn_ra *row, const uint8_t dst_mac[6], const uint8_t dst_ip6[16],
	      uint8_t *out, size_t cap, size_t *len)
{
	uint32_t sum;
	uint16_t n;

	if (!row || !dst_mac || !dst_ip6 || !out || !len)
		return -EINVAL;
	n = row->msg_len;
	if (n < 16 || n > TN_RA_MSG_MAX || n % 8)
		return -EINVAL;
	if (cap < RA6_HEAD + (size_t)n)
		return -ENOSPC;
	memset(out, 0, RA6_HEAD);
	memcpy(out, dst_mac, 6);
	memcpy(out + 6, row->src_mac, 6);
	out[12] = 0x86;
	out[13] = 0xdd;
	out[14] = 0x60;
	out[18] = n >> 8;
	out[19] = n & 0xff;
	out[20] = 58; /* ICMPv6 */
	out[21] = 255;
	memcpy(out + 22, row->src_ip6, 16);
	memcpy(out + 38, dst_ip6, 16);
	memcpy(out + RA6_HEAD, row->msg, n);
	sum = row->msg_sum + n + 58 + ra6_sum(out + 22, 32);
	sum = (uint16_t)~ra6_fold(sum);
	out[RA6_HEAD + 2] = sum >> 8;
	out[RA6_HEAD + 3] = sum & 0xff;
	*len = RA6_HEAD + n;
	return 0;
}
