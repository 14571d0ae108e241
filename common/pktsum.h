/* pktsum.h - a one-line summary of a packet's headers, from the first bytes
 * of an Ethernet frame (a drop event's snapshot, tenet_abi.h): MACs, VLAN
 * tag, ethertype, ARP operation and addresses, IPv4/IPv6 addresses and
 * protocol, TCP/UDP ports, ICMP type and code.
 *
 * The bytes come from the datapath, so a snapshot may end anywhere: every
 * header is read only when it is wholly there, and a header the frame
 * announces but the bytes lack is reported as truncated, never read. Used
 * by the controller (GET /v1/hosts/NAME/monitor) for the lines tenetctl
 * monitor prints. Plain functions; any thread.
 */
#ifndef TENET_PKTSUM_H
#define TENET_PKTSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum pktsum_l3 {
	PKTSUM_L3_NONE = 0, /* another ethertype, or truncated before it */
	PKTSUM_L3_ARP,	    /* ARP for IPv4 over Ethernet */
	PKTSUM_L3_IPV4,
	PKTSUM_L3_IPV6,
};

/* What the bytes say. Plain data. */
struct pktsum {
	bool has_eth;	    /* the Ethernet header was complete (MACs set) */
	uint8_t dst_mac[6]; /* Ethernet destination */
	uint8_t src_mac[6]; /* Ethernet source */
	bool has_vlan;	    /* an 802.1Q/802.1ad tag followed the MACs */
	uint16_t vlan;	    /* its VLAN id (the outermost tag's) */
	uint16_t ethertype; /* the ethertype after the tags (0: truncated before it) */
	enum pktsum_l3 l3;  /* what follows, when its header is complete */
	uint16_t arp_op;    /* ARP: 1 request, 2 reply */
	uint8_t src_ip[16]; /* IPv4 (first 4 bytes) or IPv6 source; ARP: sender */
	uint8_t dst_ip[16]; /* IPv4 or IPv6 destination; ARP: target */
	uint8_t proto;	    /* IPv4 protocol or IPv6 next header */
	bool fragment;	    /* IPv4: a fragment other than the first (no L4 header) */
	bool has_ports;	    /* TCP or UDP ports below are set */
	uint16_t sport;	    /* TCP/UDP source port */
	uint16_t dport;	    /* TCP/UDP destination port */
	bool has_icmp;	    /* ICMP or ICMPv6 type and code below are set */
	uint8_t icmp_type;  /* ICMP(v6) type */
	uint8_t icmp_code;  /* ICMP(v6) code */
	bool truncated;	    /* the bytes end before a header the frame announces */
};

/* Parses the frame p[0..len) into *out (zeroed first). Returns 0, or
 * -EINVAL (p or out NULL) or -EPROTO (shorter than an Ethernet header;
 * *out then only says truncated). */
int pktsum_parse(const uint8_t *p, size_t len, struct pktsum *out);

/* Writes s as one line, tcpdump-like, e.g.
 *   "02:00:00:00:99:99 > 02:00:00:00:00:02, IPv4 10.0.0.1 > 10.0.0.2: ICMP echo request"
 * into buf (always NUL-terminated when size > 0). Returns the length the
 * full line has (like snprintf). */
int pktsum_format(const struct pktsum *s, char *buf, size_t size);

/* The fields of s as a JSON object (new reference; NULL when out of
 * memory): src_mac, dst_mac, ethertype ("0x0800"), vlan, and when present
 * src_ip, dst_ip, proto (name or number), sport, dport, icmp_type,
 * icmp_code, arp_op; truncated true when it is. */
json_t *pktsum_json(const struct pktsum *s);

#endif
