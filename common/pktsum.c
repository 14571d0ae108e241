/* pktsum.c - packet header summaries; see pktsum.h. */
#include "pktsum.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PKTSUM_ETH_HLEN 14

static uint16_t pktsum_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* TCP/UDP ports or ICMP type/code at p[0..len) for protocol proto. */
static void pktsum_l4(struct pktsum *s, const uint8_t *p, size_t len)
{
	switch (s->proto) {
	case 6:	 /* TCP */
	case 17: /* UDP */
		if (len < 4) {
			s->truncated = true;
			return;
		}
		s->has_ports = true;
		s->sport = pktsum_be16(p);
		s->dport = pktsum_be16(p + 2);
		return;
	case 1:	 /* ICMP */
	case 58: /* ICMPv6 */
		if (len < 2) {
			s->truncated = true;
			return;
		}
		s->has_icmp = true;
		s->icmp_type = p[0];
		s->icmp_code = p[1];
		return;
	default:
		return;
	}
}

static void pktsum_ipv4(struct pktsum *s, const uint8_t *p, size_t len)
{
	size_t ihl;

	if (len < 20) {
		s->truncated = true;
		return;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20)
		return; /* not an IPv4 header: say the ethertype only */
	s->l3 = PKTSUM_L3_IPV4;
	s->proto = p[9];
	memcpy(s->src_ip, p + 12, 4);
	memcpy(s->dst_ip, p + 16, 4);
	s->fragment = (pktsum_be16(p + 6) & 0x1fff) != 0;
	if (s->fragment)
		return;
	if (len < ihl) {
		s->truncated = true;
		return;
	}
	pktsum_l4(s, p + ihl, len - ihl);
}

static void pktsum_ipv6(struct pktsum *s, const uint8_t *p, size_t len)
{
	if (len < 40) {
		s->truncated = true;
		return;
	}
	if ((p[0] >> 4) != 6)
		return;
	s->l3 = PKTSUM_L3_IPV6;
	s->proto = p[6];
	memcpy(s->src_ip, p + 8, 16);
	memcpy(s->dst_ip, p + 24, 16);
	pktsum_l4(s, p + 40, len - 40); /* extension headers: proto says which */
}

static void pktsum_arp(struct pktsum *s, const uint8_t *p, size_t len)
{
	if (len < 28) {
		s->truncated = true;
		return;
	}
	/* Ethernet (1), IPv4 (0x0800), hlen 6, plen 4: anything else is named
	 * by its ethertype only */
	if (pktsum_be16(p) != 1 || pktsum_be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4)
		return;
	s->l3 = PKTSUM_L3_ARP;
	s->arp_op = pktsum_be16(p + 6);
	memcpy(s->src_ip, p + 14, 4);
	memcpy(s->dst_ip, p + 24, 4);
}

int pktsum_parse(const uint8_t *p, size_t len, struct pktsum *out)
{
	size_t off = 12;
	uint16_t type;

	if (!out || (!p && len))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (len < PKTSUM_ETH_HLEN) {
		out->truncated = true;
		return -EPROTO;
	}
	out->has_eth = true;
	memcpy(out->dst_mac, p, 6);
	memcpy(out->src_mac, p + 6, 6);
	type = pktsum_be16(p + off);
	/* at most two tags (802.1ad outer, 802.1Q inner) */
	for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
		if (len < off + 6) {
			out->truncated = true;
			return 0;
		}
		if (!out->has_vlan)
			out->vlan = pktsum_be16(p + off + 2) & 0x0fff;
		out->has_vlan = true;
		off += 4;
		type = pktsum_be16(p + off);
	}
	out->ethertype = type;
	off += 2;
	if (type == 0x0800)
		pktsum_ipv4(out, p + off, len - off);
	else if (type == 0x86dd)
		pktsum_ipv6(out, p + off, len - off);
	else if (type == 0x0806)
		pktsum_arp(out, p + off, len - off);
	return 0;
}

static const char *pktsum_proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "ICMP";
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 58:
		return "ICMPv6";
	default:
		return NULL;
	}
}

static void pktsum_mac(char out[18], const uint8_t *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void pktsum_ip(char out[INET6_ADDRSTRLEN], const struct pktsum *s, const uint8_t *ip)
{
	if (!inet_ntop(s->l3 == PKTSUM_L3_IPV6 ? AF_INET6 : AF_INET, ip, out, INET6_ADDRSTRLEN))
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

/* Appends to buf at *off (snprintf-like accounting). */
__attribute__((format(printf, 4, 5))) static void pktsum_cat(char *buf, size_t size, int *off,
							     const char *fmt, ...)
{
	size_t at = *off < 0 ? 0 : (size_t)*off;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(at < size ? buf + at : NULL, at < size ? size - at : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += n;
}

/* The ICMP part: "ICMP echo request" or "ICMP type 3 code 1". */
static void pktsum_cat_icmp(const struct pktsum *s, char *buf, size_t size, int *off)
{
	const char *what = NULL;

	if (s->proto == 1)
		what = s->icmp_type == 8 ? "echo request" : s->icmp_type == 0 ? "echo reply" : NULL;
	else
		what = s->icmp_type == 128   ? "echo request"
		       : s->icmp_type == 129 ? "echo reply"
		       : s->icmp_type == 135 ? "neighbor solicitation"
		       : s->icmp_type == 136 ? "neighbor advertisement"
		       : s->icmp_type == 133 ? "router solicitation"
		       : s->icmp_type == 134 ? "router advertisement"
					     : NULL;
	if (what)
		pktsum_cat(buf, size, off, " %s", what);
	else
		pktsum_cat(buf, size, off, " type %u code %u", s->icmp_type, s->icmp_code);
}

/* The IP part: "IPv4 A[.sport] > B[.dport]: PROTO ..." */
static void pktsum_cat_ip(const struct pktsum *s, char *buf, size_t size, int *off)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const char *name = pktsum_proto_name(s->proto);

	pktsum_ip(src, s, s->src_ip);
	pktsum_ip(dst, s, s->dst_ip);
	pktsum_cat(buf, size, off, "%s ", s->l3 == PKTSUM_L3_IPV6 ? "IPv6" : "IPv4");
	if (s->has_ports)
		pktsum_cat(buf, size, off, "%s.%u > %s.%u: ", src, s->sport, dst, s->dport);
	else
		pktsum_cat(buf, size, off, "%s > %s: ", src, dst);
	if (name)
		pktsum_cat(buf, size, off, "%s", name);
	else
		pktsum_cat(buf, size, off, "proto %u", s->proto);
	if (s->has_icmp)
		pktsum_cat_icmp(s, buf, size, off);
	if (s->fragment)
		pktsum_cat(buf, size, off, " fragment");
}

int pktsum_format(const struct pktsum *s, char *buf, size_t size)
{
	char a[18], b[18], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int off = 0;

	if (size)
		buf[0] = '\0';
	if (!s)
		return 0;
	if (!s->has_eth) {
		pktsum_cat(buf, size, &off, "(shorter than an Ethernet header)");
		return off;
	}
	pktsum_mac(a, s->src_mac);
	pktsum_mac(b, s->dst_mac);
	pktsum_cat(buf, size, &off, "%s > %s, ", a, b);
	if (s->has_vlan)
		pktsum_cat(buf, size, &off, "vlan %u, ", s->vlan);
	switch (s->l3) {
	case PKTSUM_L3_IPV4:
	case PKTSUM_L3_IPV6:
		pktsum_cat_ip(s, buf, size, &off);
		break;
	case PKTSUM_L3_ARP:
		pktsum_ip(src, s, s->src_ip);
		pktsum_ip(dst, s, s->dst_ip);
		if (s->arp_op == 1)
			pktsum_cat(buf, size, &off, "ARP who-has %s tell %s", dst, src);
		else if (s->arp_op == 2)
			pktsum_cat(buf, size, &off, "ARP reply %s is-at %s", src, a);
		else
			pktsum_cat(buf, size, &off, "ARP op %u %s > %s", s->arp_op, src, dst);
		break;
	default:
		pktsum_cat(buf, size, &off, "ethertype 0x%04x", s->ethertype);
		break;
	}
	if (s->truncated)
		pktsum_cat(buf, size, &off, " [truncated]");
	return off;
}

json_t *pktsum_json(const struct pktsum *s)
{
	char mac[18], ip[INET6_ADDRSTRLEN], type[8];
	json_t *o = json_object();
	const char *name;

	if (!o || !s)
		return o;
	pktsum_mac(mac, s->src_mac);
	json_object_set_new(o, "src_mac", json_string(mac));
	pktsum_mac(mac, s->dst_mac);
	json_object_set_new(o, "dst_mac", json_string(mac));
	snprintf(type, sizeof(type), "0x%04x", s->ethertype);
	json_object_set_new(o, "ethertype", json_string(type));
	if (s->has_vlan)
		json_object_set_new(o, "vlan", json_integer(s->vlan));
	if (s->l3 != PKTSUM_L3_NONE) {
		pktsum_ip(ip, s, s->src_ip);
		json_object_set_new(o, "src_ip", json_string(ip));
		pktsum_ip(ip, s, s->dst_ip);
		json_object_set_new(o, "dst_ip", json_string(ip));
	}
	if (s->l3 == PKTSUM_L3_ARP)
		json_object_set_new(o, "arp_op", json_integer(s->arp_op));
	if (s->l3 == PKTSUM_L3_IPV4 || s->l3 == PKTSUM_L3_IPV6) {
		name = pktsum_proto_name(s->proto);
		json_object_set_new(o, "proto", name ? json_string(name) : json_integer(s->proto));
	}
	if (s->has_ports) {
		json_object_set_new(o, "sport", json_integer(s->sport));
		json_object_set_new(o, "dport", json_integer(s->dport));
	}
	if (s->has_icmp) {
		json_object_set_new(o, "icmp_type", json_integer(s->icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(s->icmp_code));
	}
	if (s->truncated)
		json_object_set_new(o, "truncated", json_true());
	return o;
}
