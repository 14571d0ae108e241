// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dpbench.c - per-packet cost of the production datapath under
 * BPF_PROG_TEST_RUN (tn_test_mode 0: no trace, real redirects and tunnel
 * helpers; a redirect just returns TC_ACT_REDIRECT under test_run).
 *
 *   dpbench [--runs N] [--repeat R] [--only NAME] [--list] [--insns]
 *
 * Every figure is measured N times, variants interleaved (run 1 of every
 * figure, then run 2, ...); one run is one BPF_PROG_TEST_RUN with repeat R
 * whose kernel-measured mean duration (ns per repetition) is the value.
 * --only NAME measures that figure and its baseline; --only 'PREFIX*' every
 * figure whose name starts with PREFIX (e.g. 'datapath.fw.*').
 * Output: one JSON line per run on stdout, {"name", "unit", "value",
 * "baseline"}, for bench/report.py. --insns prints each loaded program's
 * size instead (translated BPF instructions, JITed bytes) as JSON lines. Needs root; bpf_stats
 * should be off (kernel.bpf_stats_enabled=0: it adds two clock reads per program run).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tenet_abi.h"
#include "ra6.h"
#include "tenet.skel.h"
#include "bench.skel.h"

#define DPB_VNI		   100
#define DPB_IF_A	   1 /* the port under test: loopback, test_run takes it */
#define DPB_IF_B	   7 /* local port B */
#define DPB_IF_TUN	   9 /* the vxlan device */
#define DPB_IP(a, b, c, d) htonl(((__u32)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define DPB_HOST_LOCAL	   DPB_IP(198, 18, 0, 2)
#define DPB_HOST_C	   DPB_IP(198, 18, 0, 3)
#define DPB_IP_A	   DPB_IP(10, 0, 0, 1)
#define DPB_IP_B	   DPB_IP(10, 0, 0, 2)
#define DPB_IP_C	   DPB_IP(10, 0, 0, 3)
#define DPB_PKT_LEN	   64  /* Ethernet + IPv4 + UDP + 22 bytes */
#define DPB_DHCP_LEN	   342 /* a DHCP request: Ethernet + IPv4 + UDP + 300-byte BOOTP */
#define DPB_SRV_IP	   DPB_IP(10, 0, 0, 254)
#define DPB_RS_LEN	   70  /* Ethernet + IPv6 + RS with its link-layer option */
#define DPB_DHCP6_LEN	   116 /* Ethernet + IPv6 + UDP + a Request (client/server id, IA_NA) */

static const __u8 dpb_mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const __u8 dpb_mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const __u8 dpb_mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};

/* The loaded programs and what a figure's setup needs. */
struct dpb {
	struct tenet_bpf *tn;	       /* production datapath, unpinned */
	struct bench_bpf *bb;	       /* baseline and wrappers */
	__u8 ip_ab[DPB_PKT_LEN];       /* A -> B, local */
	__u8 ip_ac[DPB_PKT_LEN];       /* A -> C, remote */
	__u8 ip_ca[DPB_PKT_LEN];       /* C -> A, from the tunnel */
	__u8 arp_req[42];	       /* A asks for B's address */
	__u8 ip_rl[DPB_PKT_LEN];       /* A -> B2 (10.1.0.2, local) through the router */
	__u8 ip_rr[DPB_PKT_LEN];       /* A -> C2 (10.1.0.3, host C) through the router */
	__u8 dhcp_req[DPB_DHCP_LEN];   /* A's DHCP client: REQUEST for its address */
	__u8 ip6_ab[DPB_PKT_LEN];      /* A -> B over IPv6 (fixed address), local */
	__u8 rs[DPB_RS_LEN];	       /* A's router solicitation (from its link-local) */
	__u8 dhcp6_req[DPB_DHCP6_LEN]; /* A's DHCPv6 Request for its address */
	__u8 vx_ca[50 + DPB_PKT_LEN];  /* ip_ca in VXLAN from host C (back end (b)) */
	__u8 gn_ca[58 + DPB_PKT_LEN];  /* ip_ca in Geneve from host C, identity option */
	__u8 ip6_rl[DPB_PKT_LEN];      /* A -> B2 (fd00:1::2, local) through the router, IPv6 */
	__u8 ip6_rr[DPB_PKT_LEN];      /* A -> C2 (fd00:1::3, host C) through the router, IPv6 */
	__u8 ip_ac_once[DPB_PKT_LEN];  /* ip_ac as an ICMP timestamp request (untracked) */
	__u32 repeat;		       /* test_run repetitions per run */
	__u32 fw_rules;		       /* rules of the firewall figures' policy now */
};

/* One figure: which program runs on which frame, after which setup. */
struct dpb_fig {
	const char *name;		       /* figure name in benchmarks.json */
	const char *baseline;		       /* figure it is divided by, NULL for none */
	const char *what;		       /* what exactly is timed */
	int (*run)(struct dpb *d, double *ns); /* one run: mean ns/packet */
};

static int dpb_put(struct bpf_map *map, const void *key, const void *val)
{
	return bpf_map__update_elem(map, key, bpf_map__key_size(map), val, bpf_map__value_size(map),
				    BPF_ANY);
}

static int dpb_port_set(struct dpb *d, __u16 flags)
{
	struct tn_ifindex_key k = {.ifindex = DPB_IF_A};
	struct tn_ifport v = {
	    .port_id = 11, .vni = DPB_VNI, .flags = flags, .ip4 = DPB_IP_A, .slot = 1};

	memcpy(v.mac, dpb_mac_a, 6);
	return dpb_put(d->tn->maps.tn_ifindex, &k, &v);
}

/* FDB entry of port port_id with first IPv4 ip4, local at ifindex or on
 * host remote. */
static int dpb_fdb_add(struct dpb *d, const __u8 *mac, __u32 port_id, __u32 ifindex, __be32 remote,
		       __be32 ip4, __u32 flags)
{
	struct tn_fdb_key k = {.vni = DPB_VNI};
	struct tn_fdb v = {.port_id = port_id,
			   .ifindex = ifindex,
			   .remote_ip4 = remote,
			   .flags = flags,
			   .slot = ifindex == DPB_IF_A	 ? 1
				   : ifindex == DPB_IF_B ? 2
							 : 0,
			   .ip4 = ip4};

	memcpy(k.mac, mac, 6);
	return dpb_put(d->tn->maps.tn_fdb, &k, &v);
}

static int dpb_arp_add(struct dpb *d, __be32 ip4, const __u8 *mac, __u32 port_id, __be32 remote)
{
	struct tn_arp_key k = {.vni = DPB_VNI, .ip4 = ip4};
	struct tn_arp v = {.port_id = port_id, .remote_ip4 = remote};

	memcpy(v.mac, mac, 6);
	return dpb_put(d->tn->maps.tn_arp, &k, &v);
}

/* The entries the bench_op_* programs look up. */
static int dpb_ops_fill(struct dpb *d)
{
	struct tn_fdb_key k = {.vni = DPB_VNI};
	struct tn_fdb v = {.port_id = 1, .ifindex = DPB_IF_B, .flags = TN_FDB_F_LOCAL};
	int n = libbpf_num_possible_cpus(), err;
	struct tn_port_stats *zero;
	__u32 key = 7;

	memcpy(k.mac, dpb_mac_b, 6);
	if (dpb_put(d->bb->maps.bench_hash, &k, &v))
		return -EIO;
	zero = calloc(n > 0 ? n : 1, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	err = bpf_map__update_elem(d->bb->maps.bench_pcpu_hash, &key, sizeof(key), zero,
				   n * sizeof(*zero), BPF_ANY);
	free(zero);
	return err;
}

/* Port A's DHCP answer: the options of a typical subnet (mask, router, one
 * DNS server, MTU, one host route and the default in option 121). */
static int dpb_dhcp_row(struct dpb *d)
{
	static const __u8 opts[] = {1,	 4,  255, 255, 255, 0,	 3, 4,	10,  0,	  0,  254, 6,
				    4,	 10, 0,	  0,   53,  26,	 2, 5,	170, 121, 13, 24,  192,
				    168, 5,  10,  0,   0,   254, 0, 10, 0,   0,	  254};
	struct tn_dhcp_key k = {.port_id = 11};
	struct tn_dhcp v = {.yiaddr = DPB_IP_A,
			    .server_id = DPB_SRV_IP,
			    .lease_time = htonl(86400),
			    .opts_len = sizeof(opts),
			    .server_mac = {0x0a, 0x58, 10, 0, 0, 254}};

	memcpy(v.opts, opts, sizeof(opts));
	return dpb_put(d->tn->maps.tn_dhcp, &k, &v);
}

#define DPB_VNI2  200 /* the network routed with DPB_VNI */
#define DPB_RKEY  5
#define DPB_IP_B2 DPB_IP(10, 1, 0, 2)
#define DPB_IP_C2 DPB_IP(10, 1, 0, 3)
static const __u8 dpb_mac_r1[6] = {0xfa, 0x16, 0x3e, 0, 0, 0x01}; /* router, on DPB_VNI */
static const __u8 dpb_mac_r2[6] = {0xfa, 0x16, 0x3e, 0, 0, 0x02}; /* router, on DPB_VNI2 */
static const __u8 dpb_mac_b2[6] = {0x02, 0, 0, 0, 0, 0xb2};
static const __u8 dpb_mac_c2[6] = {0x02, 0, 0, 0, 0, 0xc2};

/* Router DPB_RKEY between DPB_VNI (10.0.0.0/24) and DPB_VNI2 (10.1.0.0/24),
 * where B2 is local (B's interface) and C2 on host C. */
static int dpb_router(struct dpb *d)
{
	struct tn_fdb_key rk = {.vni = DPB_VNI}, bk = {.vni = DPB_VNI2}, ck = {.vni = DPB_VNI2};
	struct tn_fdb rv = {.flags = TN_FDB_F_ROUTER, .router_key = DPB_RKEY, .ip4 = DPB_SRV_IP};
	struct tn_fdb bv = {.port_id = 22,
			    .ifindex = DPB_IF_B,
			    .flags = TN_FDB_F_LOCAL,
			    .slot = 2,
			    .ip4 = DPB_IP_B2};
	struct tn_fdb cv = {
	    .port_id = 23, .remote_ip4 = DPB_HOST_C, .flags = TN_FDB_F_REMOTE, .ip4 = DPB_IP_C2};
	struct tn_arp_key bak = {.vni = DPB_VNI2, .ip4 = DPB_IP_B2},
			  cak = {.vni = DPB_VNI2, .ip4 = DPB_IP_C2};
	struct tn_arp bav = {.port_id = 22}, cav = {.port_id = 23, .remote_ip4 = DPB_HOST_C};
	struct tn_route4_key tk = {
	    .prefixlen = 32 + 24, .router_key = htonl(DPB_RKEY), .ip4 = DPB_IP(10, 1, 0, 0)};
	struct tn_route4 tv = {
	    .vni = DPB_VNI2, .flags = TN_ROUTE_F_CONNECTED, .src_ip4 = DPB_IP(10, 1, 0, 1)};

	memcpy(rk.mac, dpb_mac_r1, 6);
	memcpy(bk.mac, dpb_mac_b2, 6);
	memcpy(ck.mac, dpb_mac_c2, 6);
	memcpy(bav.mac, dpb_mac_b2, 6);
	memcpy(cav.mac, dpb_mac_c2, 6);
	memcpy(tv.mac, dpb_mac_r2, 6);
	return dpb_put(d->tn->maps.tn_fdb, &rk, &rv) || dpb_put(d->tn->maps.tn_fdb, &bk, &bv) ||
	       dpb_put(d->tn->maps.tn_fdb, &ck, &cv) || dpb_put(d->tn->maps.tn_arp, &bak, &bav) ||
	       dpb_put(d->tn->maps.tn_arp, &cak, &cav) || dpb_put(d->tn->maps.tn_route4, &tk, &tv);
}

/* A (port security on) and B local, C (port security on: the tunnel source
 * check runs in full) on host C; host C enrolled. */
static int dpb_topology(struct dpb *d)
{
	struct tn_config cfg = {.abi_version = TN_ABI_VERSION,
				.tunnel_ifindex = DPB_IF_TUN,
				.local_ip4 = DPB_HOST_LOCAL};
	struct tn_peer_key pk = {.ip4 = DPB_HOST_C};
	struct tn_peer pv = {.host_id = 3};
	struct tn_tun_allow_key ak = {.vni = DPB_VNI, .remote_ip4 = DPB_HOST_C};
	struct tn_tun_allow av = {};
	__u32 zero = 0;

	return dpb_put(d->tn->maps.tn_config, &zero, &cfg) ||
	       dpb_port_set(d, TN_LPORT_F_PORT_SECURITY) ||
	       dpb_fdb_add(d, dpb_mac_a, 11, DPB_IF_A, 0, DPB_IP_A,
			   TN_FDB_F_LOCAL | TN_FDB_F_PORT_SECURITY) ||
	       dpb_fdb_add(d, dpb_mac_b, 12, DPB_IF_B, 0, DPB_IP_B, TN_FDB_F_LOCAL) ||
	       dpb_fdb_add(d, dpb_mac_c, 13, 0, DPB_HOST_C, DPB_IP_C,
			   TN_FDB_F_REMOTE | TN_FDB_F_PORT_SECURITY) ||
	       dpb_arp_add(d, DPB_IP_A, dpb_mac_a, 11, 0) ||
	       dpb_arp_add(d, DPB_IP_B, dpb_mac_b, 12, 0) ||
	       dpb_arp_add(d, DPB_IP_C, dpb_mac_c, 13, DPB_HOST_C) ||
	       dpb_put(d->tn->maps.tn_peer, &pk, &pv) ||
	       dpb_put(d->tn->maps.tn_tun_allow, &ak, &av) || dpb_dhcp_row(d) || dpb_router(d);
}

/* Ethernet + IPv4 + UDP, DPB_PKT_LEN bytes. */
static void dpb_build_ip4(__u8 *p, const __u8 *dst, const __u8 *src, __be32 saddr, __be32 daddr)
{
	memset(p, 0, DPB_PKT_LEN);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[17] = DPB_PKT_LEN - 14;
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &saddr, 4);
	memcpy(p + 30, &daddr, 4);
	p[35] = 0x39; /* sport 12345 */
	p[34] = 0x30;
	p[36] = 0x13; /* dport 5001 */
	p[37] = 0x89;
	p[39] = DPB_PKT_LEN - 34;
}

/* A DHCPREQUEST from A (SELECTING: broadcast, options 53, 50, 54, 55). */
static void dpb_build_dhcp(__u8 *p)
{
	static const __u8 opts[] = {0x63, 0x82, 0x53, 0x63, 53, 1,   3,	 50, 4, 10, 0, 0,  1,
				    54,	  4,	10,   0,    0,	254, 55, 4,  1, 3,  6, 26, 255};
	__u32 ulen = DPB_DHCP_LEN - 34;

	memset(p, 0, DPB_DHCP_LEN);
	memset(p, 0xff, 6);
	memcpy(p + 6, dpb_mac_a, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (ulen + 20) >> 8;
	p[17] = (ulen + 20) & 0xff;
	p[22] = 64;
	p[23] = 17;
	memset(p + 30, 0xff, 4);
	p[35] = 68;
	p[37] = 67;
	p[38] = ulen >> 8;
	p[39] = ulen & 0xff;
	p[42] = 1;
	p[43] = 1;
	p[44] = 6;
	p[46] = 0x12; /* xid */
	memcpy(p + 70, dpb_mac_a, 6);
	memcpy(p + 278, opts, sizeof(opts));
}

/* A's and B's fixed IPv6 (fd00::a, fd00::b) (tn_nd rows: dpb_nd_add). */
static const __u8 dpb_ip6_a[16] = {0xfd, [15] = 0x0a};
static const __u8 dpb_ip6_b[16] = {0xfd, [15] = 0x0b};

/* The router's MAC on A's network (RA source, DHCPv6 server). */
static const __u8 dpb_mac_r[6] = {0x02, 0, 0, 0, 0, 0xfe};

/* Ethernet and IPv6 headers from A's link-local address to dst / dmac,
 * next header nh, hop limit hl, payload of n bytes. */
static void dpb_ip6_head(__u8 *p, const __u8 *dmac, const __u8 *dst, __u8 nh, __u8 hl, __u32 n)
{
	memset(p, 0, 54);
	memcpy(p, dmac, 6);
	memcpy(p + 6, dpb_mac_a, 6);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	p[18] = n >> 8;
	p[19] = n & 0xff;
	p[20] = nh;
	p[21] = hl;
	ra6_ll_from_mac(p + 22, dpb_mac_a);
	memcpy(p + 38, dst, 16);
}

/* A's router solicitation to all-routers, with its link-layer option. */
static void dpb_build_rs(__u8 *p)
{
	static const __u8 mac[6] = {0x33, 0x33, 0, 0, 0, 2}, dst[16] = {0xff, 2, [15] = 2};

	dpb_ip6_head(p, mac, dst, 58, 255, DPB_RS_LEN - 54);
	memset(p + 54, 0, DPB_RS_LEN - 54);
	p[54] = 133;
	p[62] = 1;
	p[63] = 1;
	memcpy(p + 64, dpb_mac_a, 6);
}

/* A's DHCPv6 Request: client id (DUID-LL), IA_NA, server id (the router's). */
static void dpb_build_dhcp6(__u8 *p)
{
	static const __u8 mac[6] = {0x33, 0x33, 0, 1, 0, 2},
			  dst[16] = {0xff, 2, [13] = 1, [15] = 2};
	static const __u8 msg[] = {
	    3, 0x12, 0x34, 0x56, 0, 1, 0, 10, 0, 3, 0, 1, 2, 0,	   0, 0, 0, 0x0a, /* client id */
	    0, 3,    0,	   12,	 0, 0, 0, 1,  0, 0, 0, 0, 0, 0,	   0, 0,	  /* IA_NA */
	    0, 2,    0,	   10,	 0, 3, 0, 1,  2, 0, 0, 0, 0, 0xfe,		  /* server id */
	    0, 8,    0,	   2,	 0, 0,						  /* elapsed */
	};
	__u32 n = 8 + sizeof(msg);

	_Static_assert(54 + 8 + sizeof(msg) == DPB_DHCP6_LEN, "DHCPv6 request length");
	dpb_ip6_head(p, mac, dst, 17, 1, n);
	memset(p + 54, 0, 8);
	p[55] = 0x22; /* 546 */
	p[54] = 0x02;
	p[56] = 0x02; /* 547 */
	p[57] = 0x23;
	p[58] = n >> 8;
	p[59] = n & 0xff;
	memcpy(p + 62, msg, sizeof(msg));
}

/* The network's RA and A's DHCPv6 row (stateful, one DNS server). */
static int dpb_ra6_rows(struct dpb *d)
{
	static const __u8 dns[16] = {0xfd, [15] = 0x53};
	struct ra6_prefix pfx = {.addr = {0xfd}, .len = 64, .autonomous = true};
	struct ra6_in in = {
	    .mtu = 1450, .prefixes = &pfx, .n_prefixes = 1, .dns = &dns, .n_dns = 1};
	struct tn_ra_key rk = {.vni = DPB_VNI};
	struct tn_dhcp6_key dk = {.port_id = 11};
	struct tn_dhcp6 dv = {.flags = TN_DHCP6_F_STATEFUL,
			      .preferred = htonl(86400),
			      .valid = htonl(86400),
			      .t1 = htonl(43200),
			      .t2 = htonl(69120),
			      .opts_len = 20,
			      .opts = {0, 23, 0, 16, 0xfd, [19] = 0x53}};
	struct tn_ra rv;

	memcpy(in.mac, dpb_mac_r, 6);
	memcpy(dv.server_mac, dpb_mac_r, 6);
	memcpy(dv.addr, dpb_ip6_a, 16);
	if (ra6_encode(&in, &rv))
		return -EINVAL;
	return dpb_put(d->tn->maps.tn_ra, &rk, &rv) ?: dpb_put(d->tn->maps.tn_dhcp6, &dk, &dv);
}

static void dpb_build_arp(__u8 *p, const __u8 *sha, __be32 spa, __be32 tpa)
{
	static const __u8 hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};

	memset(p, 0, 42);
	memset(p, 0xff, 6);
	memcpy(p + 6, sha, 6);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(p + 14, hdr, 8);
	memcpy(p + 22, sha, 6);
	memcpy(p + 28, &spa, 4);
	memcpy(p + 38, &tpa, 4);
}

/* Their tn_nd rows. */

static int dpb_nd_add(struct dpb *d, const __u8 *ip6, const __u8 *mac, __u32 port_id)
{
	struct tn_nd_key k = {.vni = DPB_VNI};
	struct tn_nd v = {.port_id = port_id};

	memcpy(k.ip6, ip6, 16);
	memcpy(v.mac, mac, 6);
	return dpb_put(d->tn->maps.tn_nd, &k, &v);
}

/* Ethernet + IPv6 + UDP, DPB_PKT_LEN bytes. */
static void dpb_build_ip6(__u8 *p, const __u8 *dst, const __u8 *src, const __u8 *saddr,
			  const __u8 *daddr)
{
	memset(p, 0, DPB_PKT_LEN);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	p[19] = DPB_PKT_LEN - 54; /* payload length */
	p[20] = 17;
	p[21] = 64;
	memcpy(p + 22, saddr, 16);
	memcpy(p + 38, daddr, 16);
	p[55] = 0x39; /* sport 12345 */
	p[54] = 0x30;
	p[56] = 0x13; /* dport 5001 */
	p[57] = 0x89;
	p[59] = DPB_PKT_LEN - 54;
}

/* The router's IPv6 half: fd00:1::/64 connected on DPB_VNI2, where B2
 * has fd00:1::2 (local) and C2 fd00:1::3 (host C). */
static const __u8 dpb_ip6_b2[16] = {0xfd, 0, 0, 1, [15] = 2};
static const __u8 dpb_ip6_c2[16] = {0xfd, 0, 0, 1, [15] = 3};

static int dpb_router6(struct dpb *d)
{
	struct tn_route6_key tk = {
	    .prefixlen = 32 + 64, .router_key = htonl(DPB_RKEY), .ip6 = {0xfd, 0, 0, 1}};
	struct tn_route6 tv = {
	    .vni = DPB_VNI2, .flags = TN_ROUTE_F_CONNECTED, .src_ip6 = {0xfd, 0, 0, 1, [15] = 1}};
	struct tn_nd_key bk = {.vni = DPB_VNI2}, ck = {.vni = DPB_VNI2};
	struct tn_nd bv = {.port_id = 22}, cv = {.port_id = 23, .remote_ip4 = DPB_HOST_C};

	memcpy(tv.mac, dpb_mac_r2, 6);
	memcpy(bk.ip6, dpb_ip6_b2, 16);
	memcpy(ck.ip6, dpb_ip6_c2, 16);
	memcpy(bv.mac, dpb_mac_b2, 6);
	memcpy(cv.mac, dpb_mac_c2, 6);
	return dpb_put(d->tn->maps.tn_route6, &tk, &tv) || dpb_put(d->tn->maps.tn_nd, &bk, &bv) ||
	       dpb_put(d->tn->maps.tn_nd, &ck, &cv);
}

/* One BPF_PROG_TEST_RUN of prog, repeat times, on pkt with cb[0] = vni and
 * cb[3] = remote. Fails unless the verdict is want. */
static int dpb_run(struct dpb *d, struct bpf_program *prog, const void *pkt, __u32 len, __u32 vni,
		   __u32 remote, int want, double *ns)
{
	struct __sk_buff ctx = {.ifindex = DPB_IF_A};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = d->repeat);
	int err;

	ctx.cb[0] = vni;
	ctx.cb[3] = remote;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		fprintf(stderr, "dpbench: test_run %s: %s\n", bpf_program__name(prog),
			strerror(-err));
		return err;
	}
	if ((int)opts.retval != want) {
		fprintf(stderr, "dpbench: %s returned %u, expected %d\n", bpf_program__name(prog),
			opts.retval, want);
		return -EPROTO;
	}
	*ns = opts.duration;
	return 0;
}

/* Points the wrappers' tail-call slot at target. */
static int dpb_slot(struct dpb *d, struct bpf_program *target)
{
	__u32 k = 0;
	int fd = bpf_program__fd(target);

	return bpf_map__update_elem(d->bb->maps.bench_calls, &k, sizeof(k), &fd, sizeof(fd),
				    BPF_ANY);
}

#define TC_OK	    0
#define TC_SHOT	    2
#define TC_REDIRECT 7

/*
 * The firewall figures: port A (identity DPB_ID_A) sends a UDP datagram to
 * C (identity DPB_ID_C) on host C; tn_fw, the egress stage, runs alone
 * with the context tn_l2_fwd leaves (bpf/lib/ctx.h). A's policy holds N
 * rules, half with a remote group (tn_sg_rule), half with a remote prefix
 * (tn_sg_cidr and a port set in tn_sg_pset); the datagram's flow matches
 * none of the group rules (a miss in tn_sg_rule: every lookup a new flow
 * makes) and rule 0, 10.0.0.0/24 -> UDP (and ICMP): port set 1. The other
 * prefix rules (11.x.y.0/24 -> UDP) all allow the same, so they share port
 * set 2, as the controller's compiler numbers port sets by content.
 */
#define DPB_ID_A	 100
#define DPB_ID_C	 300
#define DPB_CTX_F_SG_SRC (1u << 24) /* bpf/lib/ctx.h TN_CTX_F_SG_SRC */

/* Adds or deletes rule i (>= 1) of A's policy. */
static int dpb_fw_rule(struct dpb *d, __u32 i, bool add)
{
	struct tn_sg_rule_key rk = {.prefixlen = TN_SG_RULE_PLEN_PROTO + 16,
				    .identity = htonl(DPB_ID_A),
				    .remote = htonl(1000 + i),
				    .dir = TN_SG_EGRESS | TN_SG_IPV4,
				    .proto = 17,
				    .port = htons((__u16)(2000 + i))};
	struct tn_sg_cidr_key ck = {
	    .prefixlen = 64 + 24, .identity = htonl(DPB_ID_A), .dir = TN_SG_EGRESS | TN_SG_IPV4};
	struct tn_sg_pset_key pk = {.prefixlen = TN_SG_PSET_PLEN_PROTO,
				    .identity = htonl(DPB_ID_A),
				    .pset = htonl(2),
				    .proto = 17};
	struct tn_sg_allow av = {.group = 1};
	struct tn_sg_cidr cv = {.pset = 2};
	__u8 net[4] = {11, (__u8)(i >> 8), (__u8)i, 0};

	memcpy(ck.addr, net, 4);
	if (i % 2 == 0)
		return add ? dpb_put(d->tn->maps.tn_sg_rule, &rk, &av)
			   : bpf_map__delete_elem(d->tn->maps.tn_sg_rule, &rk, sizeof(rk), 0);
	/* rule 1 is the first prefix rule added and the last deleted: it
	 * brings and takes the shared port set's row */
	if (add)
		return dpb_put(d->tn->maps.tn_sg_cidr, &ck, &cv)
			   ?: (i == 1 ? dpb_put(d->tn->maps.tn_sg_pset, &pk, &av) : 0);
	return bpf_map__delete_elem(d->tn->maps.tn_sg_cidr, &ck, sizeof(ck), 0)
		   ?: (i == 1 ? bpf_map__delete_elem(d->tn->maps.tn_sg_pset, &pk, sizeof(pk), 0)
			      : 0);
}

/* Gives A's policy n rules (n >= 1) and A its identity (the other
 * figures run with identity 0: dpb_port_set). */
static int dpb_fw_rules(struct dpb *d, __u32 n)
{
	struct tn_ifindex_key k = {.ifindex = DPB_IF_A};
	struct tn_sg_ident_key ik = {.identity = DPB_ID_A};
	struct tn_sg_ident iv = {.gen = 1};
	struct tn_ifport v;
	int err = 0;

	if (!d->fw_rules) {
		struct tn_sg_cidr_key ck = {.prefixlen = 64 + 24,
					    .identity = htonl(DPB_ID_A),
					    .dir = TN_SG_EGRESS | TN_SG_IPV4};
		struct tn_sg_pset_key pk = {.prefixlen = TN_SG_PSET_PLEN_PROTO,
					    .identity = htonl(DPB_ID_A),
					    .pset = htonl(1),
					    .proto = 17};
		struct tn_sg_pset_key ik1 = pk; /* and ICMP (the policy_N figures) */
		struct tn_sg_allow av = {.group = 1};
		struct tn_sg_cidr cv = {.pset = 1};

		ik1.proto = 1;
		memcpy(ck.addr, &(__be32){DPB_IP(10, 0, 0, 0)}, 4);
		err = dpb_put(d->tn->maps.tn_sg_ident, &ik, &iv) ?:
		      dpb_put(d->tn->maps.tn_sg_cidr, &ck, &cv) ?:
		      dpb_put(d->tn->maps.tn_sg_pset, &pk, &av) ?:
		      dpb_put(d->tn->maps.tn_sg_pset, &ik1, &av);
		d->fw_rules = 1;
	}
	for (; !err && d->fw_rules < n; d->fw_rules++)
		err = dpb_fw_rule(d, d->fw_rules, true);
	for (; !err && d->fw_rules > n; d->fw_rules--)
		err = dpb_fw_rule(d, d->fw_rules - 1, false);
	if (err || bpf_map__lookup_elem(d->tn->maps.tn_ifindex, &k, sizeof(k), &v, sizeof(v), 0))
		return err ?: -ENOENT;
	v.identity = DPB_ID_A;
	return dpb_put(d->tn->maps.tn_ifindex, &k, &v);
}

/* One run of prog (tn_fw, or a wrapper in front of it) on A's datagram pkt
 * to C, with tn_l2_fwd's context: A's groups enforced, C's identity, host
 * C. */
static int dpb_run_fw(struct dpb *d, struct bpf_program *prog, const __u8 *pkt, double *ns)
{
	struct __sk_buff ctx = {.ifindex = DPB_IF_A};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = DPB_PKT_LEN,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = d->repeat);
	int err;

	ctx.cb[0] = DPB_VNI | DPB_CTX_F_SG_SRC;
	ctx.cb[2] = DPB_ID_C;
	ctx.cb[3] = DPB_HOST_C;
	ctx.cb[4] = 1 << 16; /* A's slot */
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (!err && opts.retval != TC_REDIRECT) {
		fprintf(stderr, "dpbench: %s returned %u\n", bpf_program__name(prog), opts.retval);
		err = -EPROTO;
	}
	*ns = opts.duration;
	return err ?: dpb_port_set(d, TN_LPORT_F_PORT_SECURITY);
}

/* A new flow every repetition (bench_flow_wrap) at n rules. */
static int dpb_fw_new(struct dpb *d, __u32 n, double *ns)
{
	return dpb_fw_rules(d, n) ?: dpb_slot(d, d->tn->progs.tn_fw)
		   ?: dpb_run_fw(d, d->bb->progs.bench_flow_wrap, d->ip_ac, ns);
}

static int f_fw_new_10(struct dpb *d, double *ns)
{
	return dpb_fw_new(d, 10, ns);
}

static int f_fw_new_100(struct dpb *d, double *ns)
{
	return dpb_fw_new(d, 100, ns);
}

static int f_fw_new_1000(struct dpb *d, double *ns)
{
	return dpb_fw_new(d, 1000, ns);
}

static int f_fw_new_10000(struct dpb *d, double *ns)
{
	return dpb_fw_new(d, 10000, ns);
}

/* One flow, tracked after its first repetition: a tn_ct hit. */
static int f_fw_ct_hit_10(struct dpb *d, double *ns)
{
	return dpb_fw_rules(d, 10) ?: dpb_run_fw(d, d->tn->progs.tn_fw, d->ip_ac, ns);
}

static int f_fw_ct_hit_10000(struct dpb *d, double *ns)
{
	return dpb_fw_rules(d, 10000) ?: dpb_run_fw(d, d->tn->progs.tn_fw, d->ip_ac, ns);
}

/* The policy alone (no conntrack: an ICMP timestamp request is checked by
 * itself; a later fragment, which was, now follows its first fragment). */
static int f_fw_policy_10(struct dpb *d, double *ns)
{
	return dpb_fw_rules(d, 10) ?: dpb_run_fw(d, d->tn->progs.tn_fw, d->ip_ac_once, ns);
}

static int f_fw_policy_10000(struct dpb *d, double *ns)
{
	return dpb_fw_rules(d, 10000) ?: dpb_run_fw(d, d->tn->progs.tn_fw, d->ip_ac_once, ns);
}

static int f_flow_wrap(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->bb->progs.bench_trivial)
		   ?: dpb_run(d, d->bb->progs.bench_flow_wrap, d->ip_ac, DPB_PKT_LEN, 0, 0, TC_OK,
			      ns);
}

static int f_trivial(struct dpb *d, double *ns)
{
	return dpb_run(d, d->bb->progs.bench_trivial, d->ip_ab, DPB_PKT_LEN, 0, 0, TC_OK, ns);
}

static int f_l2_local(struct dpb *d, double *ns)
{
	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY)
		   ?: dpb_run(d, d->tn->progs.tn_vif_ingress, d->ip_ab, DPB_PKT_LEN, 0, 0,
			      TC_REDIRECT, ns);
}

static int f_l2_local_ip6(struct dpb *d, double *ns)
{
	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY)
		   ?: dpb_run(d, d->tn->progs.tn_vif_ingress, d->ip6_ab, DPB_PKT_LEN, 0, 0,
			      TC_REDIRECT, ns);
}

static int f_l2_local_nosec(struct dpb *d, double *ns)
{
	int err = dpb_port_set(d, 0)
		      ?: dpb_run(d, d->tn->progs.tn_vif_ingress, d->ip_ab, DPB_PKT_LEN, 0, 0,
				 TC_REDIRECT, ns);

	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY) ?: err;
}

/* B migrates here (its FDB row marked, a standby row of generation 1 from
 * host C): active, or not yet (to the source host). Put back after. */
static int dpb_mig_b(struct dpb *d, bool active, double *ns)
{
	struct tn_migrate_key mk = {.port_id = 12};
	struct tn_migrate mv = {.generation = 1, .flags = TN_MIG_F_STANDBY, .peer_ip4 = DPB_HOST_C};
	struct tn_mig_active_key ak = {.port_id = 12};
	struct tn_mig_active av = {.generation = 1, .activated_ns = 1};
	int err;

	err = dpb_port_set(d, TN_LPORT_F_PORT_SECURITY) ?: dpb_put(d->tn->maps.tn_migrate, &mk, &mv)
		  ?: dpb_fdb_add(d, dpb_mac_b, 12, DPB_IF_B, 0, DPB_IP_B,
				 TN_FDB_F_LOCAL | TN_FDB_F_MIGRATING);
	if (!err && active)
		err = dpb_put(d->tn->maps.tn_mig_active, &ak, &av);
	if (!err)
		err = dpb_run(d, d->tn->progs.tn_vif_ingress, d->ip_ab, DPB_PKT_LEN, 0, 0,
			      TC_REDIRECT, ns);
	bpf_map__delete_elem(d->tn->maps.tn_mig_active, &ak, sizeof(ak), 0);
	bpf_map__delete_elem(d->tn->maps.tn_migrate, &mk, sizeof(mk), 0);
	return dpb_fdb_add(d, dpb_mac_b, 12, DPB_IF_B, 0, DPB_IP_B, TN_FDB_F_LOCAL) ?: err;
}

static int f_l2_mig_active(struct dpb *d, double *ns)
{
	return dpb_mig_b(d, true, ns);
}

static int f_l2_mig_standby(struct dpb *d, double *ns)
{
	return dpb_mig_b(d, false, ns);
}

static int f_l2_remote(struct dpb *d, double *ns)
{
	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY)
		   ?: dpb_run(d, d->tn->progs.tn_vif_ingress, d->ip_ac, DPB_PKT_LEN, 0, 0,
			      TC_REDIRECT, ns);
}

static int f_arp_reply(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->tn->progs.tn_vif_ingress)
		   ?: dpb_run(d, d->bb->progs.bench_arp_wrap, d->arp_req, 42, 0, 0, TC_REDIRECT,
			      ns);
}

/* Routed from A by the router: the wrapper restores the headers it rewrote. */
static int dpb_routed(struct dpb *d, const __u8 *pkt, double *ns)
{
	memcpy(d->bb->bss->bench_hdr, pkt, 42);
	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY) ?: dpb_slot(d, d->tn->progs.tn_vif_ingress)
		   ?: dpb_run(d, d->bb->progs.bench_hdr_wrap, pkt, DPB_PKT_LEN, 0, 0, TC_REDIRECT,
			      ns);
}

static int f_l3_local(struct dpb *d, double *ns)
{
	return dpb_routed(d, d->ip_rl, ns);
}

static int f_l3_remote(struct dpb *d, double *ns)
{
	return dpb_routed(d, d->ip_rr, ns);
}

static int f_l3_local6(struct dpb *d, double *ns)
{
	return dpb_routed(d, d->ip6_rl, ns);
}

static int f_l3_remote6(struct dpb *d, double *ns)
{
	return dpb_routed(d, d->ip6_rr, ns);
}

static int f_hdr_wrap(struct dpb *d, double *ns)
{
	memcpy(d->bb->bss->bench_hdr, d->ip_rl, 42);
	return dpb_slot(d, d->bb->progs.bench_trivial)
		   ?: dpb_run(d, d->bb->progs.bench_hdr_wrap, d->ip_rl, DPB_PKT_LEN, 0, 0, TC_OK,
			      ns);
}

static int f_arp_wrap(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->bb->progs.bench_trivial)
		   ?: dpb_run(d, d->bb->progs.bench_arp_wrap, d->arp_req, 42, 0, 0, TC_OK, ns);
}

static int f_decap_deliver(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->tn->progs.tn_tunnel_ingress)
		   ?: dpb_run(d, d->bb->progs.bench_tun_wrap, d->ip_ca, DPB_PKT_LEN, 0, 0,
			      TC_REDIRECT, ns);
}

static int f_tun_wrap(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->bb->progs.bench_trivial)
		   ?: dpb_run(d, d->bb->progs.bench_tun_wrap, d->ip_ca, DPB_PKT_LEN, 0, 0, TC_OK,
			      ns);
}

static int f_stage_l2_local(struct dpb *d, double *ns)
{
	return dpb_run(d, d->tn->progs.tn_l2_fwd, d->ip_ab, DPB_PKT_LEN, DPB_VNI, 0, TC_REDIRECT,
		       ns);
}

static int f_stage_l2_remote(struct dpb *d, double *ns)
{
	return dpb_run(d, d->tn->progs.tn_l2_fwd, d->ip_ac, DPB_PKT_LEN, DPB_VNI, 0, TC_REDIRECT,
		       ns);
}

static int f_stage_tun_deliver(struct dpb *d, double *ns)
{
	return dpb_run(d, d->tn->progs.tn_tun_deliver, d->ip_ca, DPB_PKT_LEN, DPB_VNI, DPB_HOST_C,
		       TC_REDIRECT, ns);
}

static int f_stage_arp_resp(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->tn->progs.tn_arp_resp)
		   ?: dpb_run(d, d->bb->progs.bench_arp_wrap, d->arp_req, 42, DPB_VNI, 0,
			      TC_REDIRECT, ns);
}

static int f_dhcp_reply(struct dpb *d, double *ns)
{
	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY) ?: dpb_slot(d, d->tn->progs.tn_vif_ingress)
		   ?: dpb_run(d, d->bb->progs.bench_dhcp_wrap, d->dhcp_req, DPB_DHCP_LEN, 0, 0,
			      TC_REDIRECT, ns);
}

/* Runs pkt (len bytes, restored by bench_pkt_wrap before every run of
 * next) expecting verdict want. */
static int dpb_run_pkt(struct dpb *d, struct bpf_program *next, const __u8 *pkt, __u32 len,
		       int want, double *ns)
{
	memcpy(d->bb->bss->bench_pkt, pkt, len);
	d->bb->bss->bench_pkt_len = len;
	return dpb_slot(d, next)
		   ?: dpb_run(d, d->bb->progs.bench_pkt_wrap, pkt, len, 0, 0, want, ns);
}

static int f_ra_reply(struct dpb *d, double *ns)
{
	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY)
		   ?: dpb_run_pkt(d, d->tn->progs.tn_vif_ingress, d->rs, DPB_RS_LEN, TC_REDIRECT,
				  ns);
}

static int f_rs_wrap(struct dpb *d, double *ns)
{
	return dpb_run_pkt(d, d->bb->progs.bench_trivial, d->rs, DPB_RS_LEN, TC_OK, ns);
}

static int f_dhcp6_reply(struct dpb *d, double *ns)
{
	return dpb_port_set(d, TN_LPORT_F_PORT_SECURITY)
		   ?: dpb_run_pkt(d, d->tn->progs.tn_vif_ingress, d->dhcp6_req, DPB_DHCP6_LEN,
				  TC_REDIRECT, ns);
}

static int f_dhcp6_wrap(struct dpb *d, double *ns)
{
	return dpb_run_pkt(d, d->bb->progs.bench_trivial, d->dhcp6_req, DPB_DHCP6_LEN, TC_OK, ns);
}

static int f_dhcp_wrap(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->bb->progs.bench_trivial)
		   ?: dpb_run(d, d->bb->progs.bench_dhcp_wrap, d->dhcp_req, DPB_DHCP_LEN, 0, 0,
			      TC_OK, ns);
}

/* Sets the drop monitor: on (every drop offered, default rate limit) or off. */
static int dpb_monitor(struct dpb *d, bool on)
{
	struct tn_monitor m = {.on = on, .sample = 1, .burst = TN_MON_BURST};
	__u32 k = 0;

	return dpb_put(d->tn->maps.tn_monitor, &k, &m);
}

/* A frame from port A with a source MAC that is not A's: a spoof_mac drop
 * at port security, with the drop monitor on or off. */
static int dpb_drop(struct dpb *d, bool monitor, double *ns)
{
	__u8 pkt[DPB_PKT_LEN];
	int rc;

	memcpy(pkt, d->ip_ab, sizeof(pkt));
	pkt[11] ^= 0x5a; /* the source MAC's last octet */
	rc = dpb_port_set(d, TN_LPORT_F_PORT_SECURITY) ?: dpb_monitor(d, monitor);
	rc = rc ?: dpb_run(d, d->tn->progs.tn_vif_ingress, pkt, DPB_PKT_LEN, 0, 0, TC_SHOT, ns);
	dpb_monitor(d, false);
	return rc;
}

static int f_drop(struct dpb *d, double *ns)
{
	return dpb_drop(d, false, ns);
}

static int f_drop_monitor(struct dpb *d, double *ns)
{
	return dpb_drop(d, true, ns);
}

/*
 * Runs prog on pkt once per BPF_PROG_TEST_RUN, calls times: for a program
 * that changes the packet's length for good (an encapsulation: test_run
 * repeats on one skb, and a second push onto an skb already marked
 * encapsulated is refused), each call gets a fresh skb. *ns: the mean of
 * the kernel-measured durations, which at repeat 1 include the timer's own
 * cost; compare with datapath.trivial_tc_once, measured the same way.
 */
static int dpb_run_once(struct dpb *d, struct bpf_program *prog, const void *pkt, __u32 len,
			int want, double *ns)
{
	struct __sk_buff ctx = {.ifindex = DPB_IF_A};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	__u32 calls = d->repeat / 10 ? d->repeat / 10 : 1;
	double sum = 0;
	int err;

	for (__u32 i = 0; i < calls; i++) {
		err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
		if (err || (int)opts.retval != want) {
			fprintf(stderr, "dpbench: %s: err %d, returned %u, expected %d\n",
				bpf_program__name(prog), err, opts.retval, want);
			return err ? err : -EPROTO;
		}
		sum += opts.duration;
	}
	*ns = sum / calls;
	return 0;
}

static int f_trivial_once(struct dpb *d, double *ns)
{
	return dpb_run_once(d, d->bb->progs.bench_trivial, d->ip_ab, DPB_PKT_LEN, TC_OK, ns);
}

/*
 * Back end (b) from A to C, by VXLAN or (geneve) Geneve, one packet per
 * test_run. tn_config names the underlay (ifindex 1, test_run's) and tn_nh
 * C's next hop, so both end in bpf_redirect.
 */
static int dpb_encap(struct dpb *d, bool geneve, double *ns)
{
	struct tn_config c = {.abi_version = TN_ABI_VERSION,
			      .tunnel_ifindex = DPB_IF_TUN,
			      .local_ip4 = DPB_HOST_LOCAL,
			      .flags = TN_CONFIG_F_ENCAP_BPF,
			      .underlay_ifindex = 1};
	struct tn_nh_key nk = {.ip4 = DPB_HOST_C};
	struct tn_nh nv = {.mac = {0x02, 0xee, 0, 0, 0, 3}};
	__u32 k = 0, flags = TN_FDB_F_REMOTE | TN_FDB_F_PORT_SECURITY;
	int err;

	err = dpb_put(d->tn->maps.tn_config, &k, &c) ?: dpb_put(d->tn->maps.tn_nh, &nk, &nv)
	    ?: dpb_fdb_add(d, dpb_mac_c, 13, 0, DPB_HOST_C, DPB_IP_C,
			   flags | (geneve ? TN_FDB_F_GENEVE : 0))
	    ?: dpb_port_set(d, TN_LPORT_F_PORT_SECURITY)
	    ?: dpb_run_once(d, d->tn->progs.tn_vif_ingress, d->ip_ac, DPB_PKT_LEN, TC_REDIRECT, ns);
	/* back to back end (a) and a VXLAN row for the other figures */
	c.flags = 0;
	c.underlay_ifindex = 0;
	return dpb_put(d->tn->maps.tn_config, &k, &c)
		   ?: dpb_fdb_add(d, dpb_mac_c, 13, 0, DPB_HOST_C, DPB_IP_C, flags) ?: err;
}

/* ip_ca from host C to us in VXLAN or (geneve) Geneve with the identity
 * option, at p (50 or 58 + DPB_PKT_LEN bytes). */
static void dpb_build_tunnel(__u8 *p, const __u8 *inner, bool geneve)
{
	__u32 room = geneve ? 58 : 50, l3 = room - 14 + DPB_PKT_LEN;

	memset(p, 0, room);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = l3 >> 8;
	p[17] = l3 & 0xff;
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, &(__be32){DPB_HOST_C}, 4);
	memcpy(p + 30, &(__be32){DPB_HOST_LOCAL}, 4);
	p[34] = 0xc0;
	p[35] = 0x01;
	p[36] = geneve ? 6081 >> 8 : 4789 >> 8;
	p[37] = geneve ? 6081 & 0xff : 4789 & 0xff;
	p[38] = (l3 - 20) >> 8;
	p[39] = (l3 - 20) & 0xff;
	if (geneve) {
		p[42] = 2;    /* opt_len: the identity option */
		p[44] = 0x65; /* Ethernet follows */
		p[45] = 0x58;
		p[50] = TN_GENEVE_OPT_CLASS >> 8;
		p[51] = TN_GENEVE_OPT_CLASS & 0xff;
		p[52] = TN_GENEVE_OPT_IDENTITY;
		p[53] = 1; /* identity 0: the FDB row's */
	} else {
		p[42] = 0x08; /* I flag */
	}
	p[46] = DPB_VNI >> 16;
	p[47] = (DPB_VNI >> 8) & 0xff;
	p[48] = DPB_VNI & 0xff;
	memcpy(p + room, inner, DPB_PKT_LEN);
}

/* From host C by VXLAN or (geneve) Geneve, decapsulated at the underlay's
 * tc ingress (back end (b)), checked and delivered into A, one packet per
 * test_run (the decap shrinks the skb for good). */
static int dpb_decap(struct dpb *d, bool geneve, double *ns)
{
	struct tn_config c = {.abi_version = TN_ABI_VERSION,
			      .tunnel_ifindex = DPB_IF_TUN,
			      .local_ip4 = DPB_HOST_LOCAL,
			      .flags = TN_CONFIG_F_ENCAP_BPF,
			      .underlay_ifindex = 1};
	__u32 k = 0;
	int err;

	err = dpb_put(d->tn->maps.tn_config, &k, &c)
		  ?: dpb_run_once(d, d->tn->progs.tn_underlay_ingress, geneve ? d->gn_ca : d->vx_ca,
				  (geneve ? 58 : 50) + DPB_PKT_LEN, TC_REDIRECT, ns);
	c.flags = 0;
	c.underlay_ifindex = 0;
	return dpb_put(d->tn->maps.tn_config, &k, &c) ?: err;
}

static int f_decap_vxlan(struct dpb *d, double *ns)
{
	return dpb_decap(d, false, ns);
}

static int f_decap_geneve(struct dpb *d, double *ns)
{
	return dpb_decap(d, true, ns);
}

static int f_encap_vxlan(struct dpb *d, double *ns)
{
	return dpb_encap(d, false, ns);
}

static int f_encap_geneve(struct dpb *d, double *ns)
{
	return dpb_encap(d, true, ns);
}

static int f_op_hash(struct dpb *d, double *ns)
{
	return dpb_run(d, d->bb->progs.bench_op_hash, d->ip_ab, DPB_PKT_LEN, 0, 0, TC_OK, ns);
}

static int f_op_pcpu(struct dpb *d, double *ns)
{
	return dpb_run(d, d->bb->progs.bench_op_pcpu_count, d->ip_ab, DPB_PKT_LEN, 0, 0, TC_OK, ns);
}

static int f_op_tail(struct dpb *d, double *ns)
{
	return dpb_slot(d, d->bb->progs.bench_trivial)
		   ?: dpb_run(d, d->bb->progs.bench_op_tail, d->ip_ab, DPB_PKT_LEN, 0, 0, TC_OK,
			      ns);
}

#define TRIV "datapath.trivial_tc"
static const struct dpb_fig dpb_figs[] = {
    {TRIV, NULL, "bench_trivial: return TC_ACT_OK (the baseline)", f_trivial},
    {"datapath.l2_local", TRIV,
     "tn_vif_ingress -> tn_port_sec -> tn_l2_fwd -> redirect_peer (port security on)", f_l2_local},
    {"datapath.l2_local_ip6", TRIV,
     "tn_vif_ingress -> tn_port_sec (IPv6 source: a tn_nd lookup) -> tn_l2_fwd -> redirect_peer",
     f_l2_local_ip6},
    {"datapath.l2_local_nosec", TRIV, "tn_vif_ingress -> tn_l2_fwd -> redirect_peer",
     f_l2_local_nosec},
    {"datapath.l2_remote_encap", TRIV,
     "tn_vif_ingress -> tn_port_sec -> tn_l2_fwd -> set_tunnel_key + redirect to vxlan",
     f_l2_remote},
    {"datapath.l2_local_mig_active", "datapath.l2_local",
     "as l2_local, to a port that migrated here and is active: tn_l2_fwd -> tn_mig_vif "
     "(tn_fdb, tn_migrate, tn_mig_active) -> redirect_peer",
     f_l2_mig_active},
    {"datapath.l2_mig_to_source", "datapath.l2_remote_encap",
     "as l2_local, to a port in standby here: tn_l2_fwd -> tn_mig_vif -> set_tunnel_key + "
     "redirect to vxlan (the source host)",
     f_l2_mig_standby},
    {"datapath.trivial_tc_once", NULL,
     "bench_trivial, one packet per test_run (repeat 1; the baseline of the encap_* figures)",
     f_trivial_once},
    {"datapath.encap_vxlan", "datapath.trivial_tc_once",
     "one packet per test_run: tn_vif_ingress -> tn_port_sec -> tn_l2_fwd -> tn_encap (back "
     "end (b): VXLAN pushed in BPF, next hop from tn_nh) -> redirect",
     f_encap_vxlan},
    {"datapath.encap_geneve", "datapath.encap_vxlan",
     "the same to a row flagged Geneve: -> tn_geneve_encap (Geneve and the identity option, "
     "the port's identity looked up in tn_ifindex) -> redirect",
     f_encap_geneve},
    {"datapath.decap_vxlan", "datapath.trivial_tc_once",
     "one packet per test_run: tn_underlay_ingress (back end (b): VXLAN checked, admitted, "
     "popped) -> tn_tun_src -> tn_tun_deliver -> redirect_peer",
     f_decap_vxlan},
    {"datapath.decap_geneve", "datapath.decap_vxlan",
     "the same in Geneve with the identity option: tn_underlay_ingress -> tn_geneve_decap "
     "(header, option walk) -> tn_tun_src (and the identity check) -> tn_tun_deliver",
     f_decap_geneve},
    {"datapath.decap_deliver", TRIV,
     "bench_tun_wrap (set_tunnel_key as the vxlan device would) -> tn_tunnel_ingress "
     "(get_tunnel_key, peer, VNI) -> tn_tun_src (source MAC/IPv4 of a port-secured port on "
     "that host) -> tn_tun_deliver -> redirect_peer",
     f_decap_deliver},
    {"datapath.arp_reply", TRIV,
     "bench_arp_wrap (restores the request) -> tn_vif_ingress -> tn_port_sec -> "
     "tn_arp_resp -> reply, redirect",
     f_arp_reply},
    {"datapath.dhcp_reply", TRIV,
     "bench_dhcp_wrap (restores the request) -> tn_vif_ingress -> tn_port_sec -> tn_dhcp4 "
     "(REQUEST -> ACK, 37 option bytes from the row) -> redirect",
     f_dhcp_reply},
    {"datapath.ra_reply", TRIV,
     "bench_pkt_wrap (restores the solicitation) -> tn_vif_ingress -> tn_port_sec -> tn_ra6 "
     "(RS -> RA: 88 message bytes from the row, checksum) -> redirect",
     f_ra_reply},
    {"datapath.dhcp6_reply", TRIV,
     "bench_pkt_wrap (restores the request) -> tn_vif_ingress -> tn_port_sec -> tn_dhcp6_srv "
     "(Request -> Reply with IA_NA and DNS, UDP checksum) -> redirect",
     f_dhcp6_reply},
    {"datapath.l3_routed_local", TRIV,
     "bench_hdr_wrap (restores MACs and TTL) -> tn_vif_ingress -> tn_port_sec -> tn_l2_fwd "
     "(router MAC) -> tn_l3_fwd (LPM route, next hop in tn_arp, TTL, MACs) -> tn_l2_fwd -> "
     "redirect_peer",
     f_l3_local},
    {"datapath.l3_routed_remote", TRIV,
     "the same, to a port on another host: -> tn_l2_fwd -> tunnel key + redirect to vxlan",
     f_l3_remote},
    {"datapath.l3_routed6_local", TRIV,
     "bench_hdr_wrap (restores MACs and hop limit) -> tn_vif_ingress -> tn_port_sec (IPv6 "
     "source) -> tn_l2_fwd (router MAC) -> tn_l3_fwd6 (LPM route in tn_route6, next hop in "
     "tn_nd, hop limit, MACs) -> tn_l2_fwd -> redirect_peer",
     f_l3_local6},
    {"datapath.l3_routed6_remote", TRIV,
     "the same, to a port on another host: -> tn_l2_fwd -> tunnel key + redirect to vxlan",
     f_l3_remote6},
    {"datapath.wrap.hdr_restore", TRIV,
     "bench_hdr_wrap -> bench_trivial (part of l3_routed_*, l3_routed6_*)", f_hdr_wrap},
    {"datapath.wrap.dhcp_restore", TRIV, "bench_dhcp_wrap -> bench_trivial (part of dhcp_reply)",
     f_dhcp_wrap},
    {"datapath.wrap.rs_restore", TRIV, "bench_pkt_wrap -> bench_trivial (part of ra_reply)",
     f_rs_wrap},
    {"datapath.wrap.dhcp6_restore", TRIV, "bench_pkt_wrap -> bench_trivial (part of dhcp6_reply)",
     f_dhcp6_wrap},
    {"datapath.drop_spoof", TRIV,
     "tn_vif_ingress -> tn_port_sec -> spoof_mac drop, drop monitor off (one array lookup)",
     f_drop},
    {"datapath.drop_spoof_monitor", "datapath.drop_spoof",
     "the same drop with the drop monitor on: sampled into the ring buffer, then (a flood) "
     "left out by the per-CPU rate limit of 8 events a millisecond",
     f_drop_monitor},
    {"datapath.wrap.tun_key", TRIV, "bench_tun_wrap -> bench_trivial (part of decap_deliver)",
     f_tun_wrap},
    {"datapath.wrap.arp_restore", TRIV, "bench_arp_wrap -> bench_trivial (part of arp_reply)",
     f_arp_wrap},
    {"datapath.fw.new_flow_10", TRIV,
     "bench_flow_wrap -> tn_fw, 10 rules: a new UDP flow (tn_sg_ident, 2 tn_ct misses, "
     "tn_sg_rule miss, tn_sg_cidr, tn_sg_pset, tn_ct insert, tn_sg_stats) -> tunnel key + "
     "redirect",
     f_fw_new_10},
    {"datapath.fw.new_flow_100", TRIV, "as datapath.fw.new_flow_10, 100 rules", f_fw_new_100},
    {"datapath.fw.new_flow_1000", TRIV, "as datapath.fw.new_flow_10, 1,000 rules", f_fw_new_1000},
    {"datapath.fw.new_flow_10000", TRIV, "as datapath.fw.new_flow_10, 10,000 rules",
     f_fw_new_10000},
    {"datapath.fw.ct_hit_10", TRIV,
     "tn_fw, 10 rules, a tracked flow (tn_ifindex, tn_sg_ident, 1 tn_ct hit) -> tunnel key + "
     "redirect",
     f_fw_ct_hit_10},
    {"datapath.fw.ct_hit_10000", TRIV, "as datapath.fw.ct_hit_10, 10,000 rules", f_fw_ct_hit_10000},
    {"datapath.fw.policy_10", TRIV,
     "tn_fw, 10 rules, an ICMP timestamp request (checked by itself, untracked: tn_sg_ident, "
     "tn_sg_rule miss, tn_sg_cidr, tn_sg_pset, tn_sg_stats) -> tunnel key + redirect",
     f_fw_policy_10},
    {"datapath.fw.policy_10000", TRIV, "as datapath.fw.policy_10, 10,000 rules", f_fw_policy_10000},
    {"datapath.wrap.flow", TRIV, "bench_flow_wrap -> bench_trivial (part of fw.new_flow_*)",
     f_flow_wrap},
    {"datapath.stage.l2_fwd_local", TRIV, "tn_l2_fwd alone, local delivery", f_stage_l2_local},
    {"datapath.stage.l2_fwd_remote", TRIV, "tn_l2_fwd alone, tunnel key + redirect",
     f_stage_l2_remote},
    {"datapath.stage.tun_deliver", TRIV, "tn_tun_deliver alone (context in skb->cb)",
     f_stage_tun_deliver},
    {"datapath.stage.arp_resp", TRIV, "bench_arp_wrap -> tn_arp_resp (includes the wrapper)",
     f_stage_arp_resp},
    {"datapath.op.hash_lookup", TRIV,
     "bench_op_hash: one hash lookup, tn_fdb's key/value shape, 1 entry", f_op_hash},
    {"datapath.op.percpu_count", TRIV,
     "bench_op_pcpu_count: percpu hash lookup + two counter updates, like tn_port_count",
     f_op_pcpu},
    {"datapath.op.tail_call", TRIV, "bench_op_tail: one constant-index tail call to bench_trivial",
     f_op_tail},
};
#define DPB_NFIGS (sizeof(dpb_figs) / sizeof(dpb_figs[0]))

static int dpb_load(struct dpb *d)
{
	struct bpf_map *map;

	d->tn = tenet_bpf__open();
	if (!d->tn)
		return -errno;
	d->tn->rodata->tn_test_mode = 0;
	bpf_object__for_each_map(map, d->tn->obj)
	{
		if (bpf_map__set_pin_path(map, NULL))
			return -EINVAL;
	}
	if (tenet_bpf__load(d->tn))
		return -EIO;
	d->bb = bench_bpf__open();
	if (!d->bb)
		return -errno;
	d->bb->rodata->bench_remote = ntohl(DPB_HOST_C);
	d->bb->rodata->bench_vni = DPB_VNI;
	if (bench_bpf__load(d->bb))
		return -EIO;
	memcpy(d->bb->bss->bench_arp_req, d->arp_req, 42);
	memcpy(d->bb->bss->bench_dhcp_req, d->dhcp_req, DPB_DHCP_LEN);
	if (dpb_ops_fill(d))
		return -EIO;
	return dpb_topology(d) || dpb_nd_add(d, dpb_ip6_a, dpb_mac_a, 11) ||
	       dpb_nd_add(d, dpb_ip6_b, dpb_mac_b, 12) || dpb_router6(d) || dpb_ra6_rows(d);
}

static void dpb_emit(const struct dpb_fig *f, double ns)
{
	printf("{\"name\": \"%s\", \"unit\": \"ns/packet\", \"value\": %.2f, \"baseline\": %s%s%s, "
	       "\"lower_is_better\": true, \"what\": \"%s\"}\n",
	       f->name, ns, f->baseline ? "\"" : "", f->baseline ? f->baseline : "null",
	       f->baseline ? "\"" : "", f->what);
	fflush(stdout);
}

/* The baseline of the figure named name, NULL when it has none or there is
 * no such figure. */
static const char *dpb_baseline_of(const char *name)
{
	for (size_t i = 0; i < DPB_NFIGS; i++)
		if (!strcmp(dpb_figs[i].name, name))
			return dpb_figs[i].baseline;
	return NULL;
}

/* True when figure f is selected by only (NULL: all; "PREFIX*": every
 * figure whose name starts with PREFIX, interleaved run by run); the
 * baseline of a selected figure is always measured too. */
static bool dpb_selected(const struct dpb_fig *f, const char *only)
{
	size_t n = only ? strlen(only) : 0;

	if (!only || !strcmp(f->name, only) || !strcmp(f->name, TRIV))
		return true;
	if (n && only[n - 1] == '*' && !strncmp(f->name, only, n - 1))
		return true;
	/* the figure's baseline, its baseline's, ... */
	for (const char *b = dpb_baseline_of(only); b; b = dpb_baseline_of(b))
		if (!strcmp(b, f->name))
			return true;
	return false;
}

/* Prints the non-zero datapath counters (after a failed run: why). */
static void dpb_dump_stats(struct dpb *d)
{
	int n = libbpf_num_possible_cpus(), c;
	__u64 v[256], sum;
	__u32 k;

	if (n <= 0 || n > 256)
		return;
	for (k = 0; k < TN_STAT_MAX; k++) {
		if (bpf_map__lookup_elem(d->tn->maps.tn_stats, &k, sizeof(k), v, n * sizeof(v[0]),
					 0))
			continue;
		for (sum = 0, c = 0; c < n; c++)
			sum += v[c];
		if (sum)
			fprintf(stderr, "dpbench: tn_stats[%u] = %llu\n", k,
				(unsigned long long)sum);
	}
}

/* One JSON line of program sizes per program of obj. */
static void dpb_insns_obj(struct bpf_object *obj)
{
	struct bpf_prog_info info;
	struct bpf_program *prog;
	__u32 len;

	bpf_object__for_each_program(prog, obj)
	{
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		printf("{\"program\": \"%s\", \"xlated_insns\": %u, \"jited_bytes\": %u}\n",
		       bpf_program__name(prog), info.xlated_prog_len / 8, info.jited_prog_len);
	}
}

static int dpb_main(struct dpb *d, int runs, const char *only)
{
	double ns;
	size_t i;
	int r, err;

	for (r = 0; r < runs; r++) {
		for (i = 0; i < DPB_NFIGS; i++) {
			if (!dpb_selected(&dpb_figs[i], only))
				continue;
			err = dpb_figs[i].run(d, &ns);
			if (err) {
				fprintf(stderr, "dpbench: %s failed\n", dpb_figs[i].name);
				dpb_dump_stats(d);
				return err;
			}
			dpb_emit(&dpb_figs[i], ns);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"runs", required_argument, NULL, 'n'}, {"repeat", required_argument, NULL, 'r'},
	    {"only", required_argument, NULL, 'o'}, {"list", no_argument, NULL, 'l'},
	    {"insns", no_argument, NULL, 'i'},	    {0},
	};
	struct dpb d = {.repeat = 10000000};
	const char *only = NULL;
	int runs = 5, c, err;
	bool insns = false;
	size_t i;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'n')
			runs = atoi(optarg);
		else if (c == 'r')
			d.repeat = (__u32)strtoul(optarg, NULL, 0);
		else if (c == 'o')
			only = optarg;
		else if (c == 'i')
			insns = true;
		else if (c == 'l') {
			for (i = 0; i < DPB_NFIGS; i++)
				printf("%s\t%s\n", dpb_figs[i].name, dpb_figs[i].what);
			return 0;
		} else {
			fprintf(stderr, "usage: dpbench [--runs N] [--repeat R] [--only NAME]\n");
			return 2;
		}
	}
	if (runs < 1 || !d.repeat)
		return 2;
	dpb_build_ip4(d.ip_ab, dpb_mac_b, dpb_mac_a, DPB_IP_A, DPB_IP_B);
	dpb_build_ip4(d.ip_ac, dpb_mac_c, dpb_mac_a, DPB_IP_A, DPB_IP_C);
	memcpy(d.ip_ac_once, d.ip_ac, DPB_PKT_LEN);
	d.ip_ac_once[23] = 1;  /* ICMP */
	d.ip_ac_once[34] = 13; /* timestamp request, code 0 */
	d.ip_ac_once[35] = 0;
	dpb_build_ip6(d.ip6_ab, dpb_mac_b, dpb_mac_a, dpb_ip6_a, dpb_ip6_b);
	dpb_build_ip4(d.ip_ca, dpb_mac_a, dpb_mac_c, DPB_IP_C, DPB_IP_A);
	dpb_build_tunnel(d.vx_ca, d.ip_ca, false);
	dpb_build_tunnel(d.gn_ca, d.ip_ca, true);
	dpb_build_ip4(d.ip_rl, dpb_mac_r1, dpb_mac_a, DPB_IP_A, DPB_IP_B2);
	dpb_build_ip4(d.ip_rr, dpb_mac_r1, dpb_mac_a, DPB_IP_A, DPB_IP_C2);
	dpb_build_ip6(d.ip6_rl, dpb_mac_r1, dpb_mac_a, dpb_ip6_a, dpb_ip6_b2);
	dpb_build_ip6(d.ip6_rr, dpb_mac_r1, dpb_mac_a, dpb_ip6_a, dpb_ip6_c2);
	dpb_build_arp(d.arp_req, dpb_mac_a, DPB_IP_A, DPB_IP_B);
	dpb_build_dhcp(d.dhcp_req);
	dpb_build_rs(d.rs);
	dpb_build_dhcp6(d.dhcp6_req);
	err = dpb_load(&d);
	if (err)
		fprintf(stderr, "dpbench: cannot load the datapath (%d; root?)\n", err);
	else if (insns) {
		dpb_insns_obj(d.tn->obj);
		dpb_insns_obj(d.bb->obj);
	} else
		err = dpb_main(&d, runs, only);
	bench_bpf__destroy(d.bb);
	tenet_bpf__destroy(d.tn);
	return err ? 1 : 0;
}
