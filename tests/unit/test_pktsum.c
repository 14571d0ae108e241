/* test_pktsum.c - packet summaries (common/pktsum): each kind of frame is
 * named with its addresses and ports, and every prefix of every frame
 * parses without reading past its end (each is a heap copy of exactly that
 * length, so AddressSanitizer sees any overread), saying truncated when a
 * header it announces is cut. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pktsum.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0x99, 0x99};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};

/* Ethernet header (ethertype type) at p; returns 14. */
static size_t eth(uint8_t *p, uint16_t type)
{
	memcpy(p, mac_b, 6);
	memcpy(p + 6, mac_a, 6);
	p[12] = type >> 8;
	p[13] = type & 0xff;
	return 14;
}

/* Ethernet + IPv4 (10.0.0.1 > 10.0.0.2, proto) + l4 bytes. */
static size_t ip4(uint8_t *p, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	size_t n = eth(p, 0x0800);

	memset(p + n, 0, 20);
	p[n] = 0x45;
	p[n + 8] = 64;
	p[n + 9] = proto;
	p[n + 12] = 10, p[n + 15] = 1;
	p[n + 16] = 10, p[n + 19] = 2;
	memcpy(p + n + 20, l4, l4len);
	return n + 20 + l4len;
}

/* Parses exactly len bytes of p (a heap copy) and formats it. */
static int sum(const uint8_t *p, size_t len, struct pktsum *s, char *text, size_t size)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, p, len);
	rc = pktsum_parse(copy, len, s);
	free(copy);
	pktsum_format(s, text, size);
	return rc;
}

static void test_kinds(void **state)
{
	static const uint8_t tcp[] = {0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 0};
	static const uint8_t icmp[] = {8, 0, 0, 0};
	uint8_t p[128];
	struct pktsum s;
	char text[256];
	size_t n;
	json_t *j;

	(void)state;
	n = ip4(p, 6, tcp, sizeof(tcp));
	assert_int_equal(sum(p, n, &s, text, sizeof(text)), 0);
	assert_string_equal(text, "02:00:00:00:99:99 > 02:00:00:00:00:0b, IPv4 10.0.0.1.1234 > "
				  "10.0.0.2.80: TCP");
	assert_false(s.truncated);
	j = pktsum_json(&s);
	assert_string_equal(json_string_value(json_object_get(j, "src_ip")), "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(j, "proto")), "TCP");
	assert_int_equal(json_integer_value(json_object_get(j, "dport")), 80);
	assert_string_equal(json_string_value(json_object_get(j, "ethertype")), "0x0800");
	assert_string_equal(json_string_value(json_object_get(j, "src_mac")), "02:00:00:00:99:99");
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);

	n = ip4(p, 1, icmp, sizeof(icmp));
	sum(p, n, &s, text, sizeof(text));
	assert_string_equal(text, "02:00:00:00:99:99 > 02:00:00:00:00:0b, IPv4 10.0.0.1 > "
				  "10.0.0.2: ICMP echo request");

	/* a later fragment has no ports */
	n = ip4(p, 17, tcp, sizeof(tcp));
	p[14 + 7] = 0x10;
	sum(p, n, &s, text, sizeof(text));
	assert_true(s.fragment);
	assert_false(s.has_ports);
	assert_non_null(strstr(text, "UDP fragment"));

	/* ARP request, with a VLAN tag */
	n = eth(p, 0x8100);
	p[14] = 0, p[15] = 5, p[16] = 0x08, p[17] = 0x06;
	memset(p + 18, 0, 28);
	p[18 + 1] = 1, p[18 + 2] = 0x08, p[18 + 4] = 6, p[18 + 5] = 4, p[18 + 7] = 1;
	p[18 + 14] = 10, p[18 + 17] = 1;
	p[18 + 24] = 10, p[18 + 27] = 2;
	n = 18 + 28;
	sum(p, n, &s, text, sizeof(text));
	assert_string_equal(text, "02:00:00:00:99:99 > 02:00:00:00:00:0b, vlan 5, ARP who-has "
				  "10.0.0.2 tell 10.0.0.1");

	/* IPv6 neighbor solicitation */
	n = eth(p, 0x86dd);
	memset(p + n, 0, 44);
	p[n] = 0x60, p[n + 6] = 58, p[n + 8] = 0xfe, p[n + 9] = 0x80, p[n + 23] = 1;
	p[n + 24] = 0xff, p[n + 25] = 0x02, p[n + 39] = 1, p[n + 40] = 135;
	n += 44;
	sum(p, n, &s, text, sizeof(text));
	assert_string_equal(text, "02:00:00:00:99:99 > 02:00:00:00:00:0b, IPv6 fe80::1 > ff02::1: "
				  "ICMPv6 neighbor solicitation");

	/* another ethertype */
	n = eth(p, 0x88cc);
	sum(p, n + 10, &s, text, sizeof(text));
	assert_string_equal(text, "02:00:00:00:99:99 > 02:00:00:00:00:0b, ethertype 0x88cc");

	/* a small buffer: cut, NUL-terminated, full length returned */
	n = ip4(p, 6, tcp, sizeof(tcp));
	assert_int_equal(pktsum_parse(p, n, &s), 0);
	assert_int_equal(pktsum_format(&s, text, 10),
			 (int)strlen("02:00:00:00:99:99 > "
				     "02:00:00:00:00:0b, IPv4 "
				     "10.0.0.1.1234 > 10.0.0.2.80: TCP"));
	assert_int_equal(strlen(text), 9);
	assert_int_equal(pktsum_parse(NULL, 4, &s), -EINVAL);
	assert_int_equal(pktsum_parse(p, n, NULL), -EINVAL);
}

/* Every prefix of each frame: no overread, truncated once a header it
 * announces is cut, and always a line. */
static void test_truncated(void **state)
{
	static const uint8_t tcp[] = {0x04, 0xd2, 0x00, 0x50};
	uint8_t frames[3][128];
	size_t lens[3];
	struct pktsum s;
	char text[256];

	(void)state;
	lens[0] = ip4(frames[0], 6, tcp, sizeof(tcp));
	lens[1] = eth(frames[1], 0x86dd);
	memset(frames[1] + 14, 0, 44);
	frames[1][14] = 0x60, frames[1][20] = 58, frames[1][54] = 128;
	lens[1] += 42;			  /* fixed header + ICMPv6 type and code */
	lens[2] = eth(frames[2], 0x88a8); /* QinQ: two tags, then IPv4 */
	frames[2][14] = 0, frames[2][15] = 7, frames[2][16] = 0x81, frames[2][17] = 0;
	frames[2][18] = 0, frames[2][19] = 9, frames[2][20] = 0x08, frames[2][21] = 0;
	memcpy(frames[2] + 22, frames[0] + 14, lens[0] - 14);
	lens[2] = 22 + lens[0] - 14;
	for (int f = 0; f < 3; f++) {
		for (size_t l = 0; l <= lens[f]; l++) {
			int rc = sum(frames[f], l, &s, text, sizeof(text));

			assert_true(strlen(text) > 0);
			if (l < 14) {
				assert_int_equal(rc, -EPROTO);
				assert_true(s.truncated);
				assert_string_equal(text, "(shorter than an Ethernet header)");
				continue;
			}
			assert_int_equal(rc, 0);
			/* complete only at the full length */
			assert_int_equal(s.truncated, l < lens[f]);
			assert_int_equal(strstr(text, "[truncated]") != NULL, l < lens[f]);
		}
	}
	/* the QinQ frame names its outer VLAN and the inner IPv4 */
	sum(frames[2], lens[2], &s, text, sizeof(text));
	assert_true(s.has_vlan);
	assert_int_equal(s.vlan, 7);
	assert_int_equal(s.l3, PKTSUM_L3_IPV4);
	assert_int_equal(s.dport, 80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests_name("unit.pktsum", tests, NULL, NULL);
}
