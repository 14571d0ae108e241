/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dp_harness.h - helpers for the datapath tests: load the skeleton in test
 * mode with pinning disabled, fill the ABI maps, build frames, run a
 * program through BPF_PROG_TEST_RUN and read counters and the decision
 * trace (bpf/lib/trace.h). Test-only; every helper fails the test (cmocka
 * assert) on a bpf() error.
 *
 * BPF_PROG_TEST_RUN only accepts a __sk_buff ifindex of an existing device
 * (or 0/1 for loopback), so the port under test is loopback: DP_IF_A = 1.
 */
#ifndef TN_DP_HARNESS_H
#define TN_DP_HARNESS_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tenet_abi.h"
#include "trace.h"
#include "tenet.skel.h"

#define DP_TC_ACT_OK 0
#define DP_TC_ACT_SHOT 2
#define DP_TC_ACT_REDIRECT 7

#define DP_VNI_BLUE 100
#define DP_VNI_RED 200
#define DP_IF_A 1 /* port A (loopback: the only ifindex test_run takes as is) */
#define DP_IF_B 7 /* port B, local, same network */
#define DP_IF_D 8 /* port D, local, same network */
#define DP_IF_TUN 9 /* the vxlan device */
#define DP_IF_F 10 /* port F, local, blue, on flood page 1 */
/* The counter slot the tests give the port at ifindex (not the ifindex
 * itself, so counting by ifindex would show). */
#define DP_SLOT(ifindex) ((ifindex) ? (ifindex) + 100 : 0)
#define DP_IP(a, b, c, d) htonl(((__u32)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define DP_HOST_LOCAL DP_IP(198, 18, 0, 2)
#define DP_HOST_C DP_IP(198, 18, 0, 3) /* remote host with port C */
#define DP_HOST_E DP_IP(198, 18, 0, 4) /* remote host, blue only */
#define DP_HOST_X DP_IP(198, 18, 0, 99) /* not enrolled */
#define DP_HOST_G DP_IP(198, 18, 0, 5) /* remote host, blue, on flood page 1 */

static const __u8 dp_mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 dp_mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const __u8 dp_mac_c[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const __u8 dp_mac_e[6] = { 0x02, 0, 0, 0, 0, 0x0e };
static const __u8 dp_mac_x[6] = { 0x02, 0, 0, 0, 0, 0x99 };
static const __u8 dp_mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define DP_IP_A DP_IP(10, 0, 0, 1)
#define DP_IP_B DP_IP(10, 0, 0, 2)
#define DP_IP_C DP_IP(10, 0, 0, 3)
#define DP_IP_C2 DP_IP(10, 0, 0, 33) /* C's second fixed IPv4 */
#define DP_IP_E DP_IP(10, 0, 0, 4) /* port E, on host E */
#define DP_PORT_A 11
#define DP_PORT_B 12
#define DP_PORT_C 13
#define DP_PORT_E 14

/* Opens and loads the skeleton, test mode on, nothing pinned. */
/* A datapath loaded afresh: every program verified, every map empty. */
static inline struct tenet_bpf *dp_load(void)
{
	struct tenet_bpf *skel = tenet_bpf__open();
	struct bpf_map *map;

	if (!skel)
		return NULL;
	skel->rodata->tn_test_mode = 1;
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__set_pin_path(map, NULL))
			goto out_destroy;
	}
	if (tenet_bpf__load(skel))
		goto out_destroy;
	return skel;
out_destroy:
	tenet_bpf__destroy(skel);
	return NULL;
}

/* Empties map fd of type type (max entries max, values of vsize bytes per
 * CPU): arrays zeroed, every other kind's keys deleted. Returns 0, or -1
 * when it cannot (the caller then loads afresh). */
static inline int dp_map_clear(int fd, enum bpf_map_type type, __u32 max, __u32 ksize, __u32 vsize)
{
	int ncpu = libbpf_num_possible_cpus();
	__u8 key[256], next[256];

	if (ncpu < 1 || ksize > sizeof(key))
		return -1;
	if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		size_t vlen = (size_t)vsize * (type == BPF_MAP_TYPE_PERCPU_ARRAY ? ncpu : 1);
		__u32 *keys = malloc((size_t)max * sizeof(*keys)), count = max;
		void *zero = calloc(max, vlen);
		int rc;

		if (!keys || !zero) {
			free(keys);
			free(zero);
			return -1;
		}
		for (__u32 k = 0; k < max; k++)
			keys[k] = k;
		rc = bpf_map_update_batch(fd, keys, zero, &count, NULL);
		for (__u32 k = 0; rc && k < max; k++) /* no batch: one by one */
			if (bpf_map_update_elem(fd, &k, (__u8 *)zero + (size_t)k * vlen, BPF_ANY))
				break;
			else if (k == max - 1)
				rc = 0;
		free(keys);
		free(zero);
		return rc ? -1 : 0;
	}
	while (bpf_map_get_next_key(fd, NULL, next) == 0) {
		memcpy(key, next, ksize);
		if (bpf_map_delete_elem(fd, key))
			return -1;
	}
	return 0;
}

/*
 * Puts the shared datapath back as a fresh load leaves it: every map
 * emptied (the internal .bss/.data zeroed), the program arrays untouched,
 * the ring buffer left as it is. Returns -1 when it cannot (a program
 * array lost a stage):
 * the caller loads afresh. Loading verifies every program, which costs
 * over a second a test; emptying the maps costs milliseconds.
 */
static inline int dp_reset(struct tenet_bpf *skel)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj)
	{
		enum bpf_map_type type = bpf_map__type(map);
		int fd = bpf_map__fd(map);
		__u32 id;

		if (fd < 0)
			return -1;
		if (type == BPF_MAP_TYPE_PROG_ARRAY) {
			for (__u32 k = 0; k < bpf_map__max_entries(map); k++)
				if (bpf_map_lookup_elem(fd, &k, &id))
					return -1;
			continue;
		}
		if (type == BPF_MAP_TYPE_RINGBUF)
			continue; /* what was written stays: dp_setup_fresh for a reader */
		if (bpf_map__is_internal(map) && strstr(bpf_map__name(map), ".rodata"))
			continue; /* frozen: tn_test_mode */
		if (dp_map_clear(fd, type, bpf_map__max_entries(map), bpf_map__key_size(map),
				 bpf_map__value_size(map)))
			return -1;
	}
	return 0;
}

/* The datapath of one test binary, kept between its tests. */
static struct tenet_bpf *dp_shared;

/* cmocka setup: the shared datapath, emptied (loaded the first time, and
 * again whenever it cannot be emptied). */
static inline int dp_setup(void **state)
{
	if (dp_shared && dp_reset(dp_shared)) {
		tenet_bpf__destroy(dp_shared);
		dp_shared = NULL;
	}
	if (!dp_shared)
		dp_shared = dp_load();
	*state = dp_shared;
	return dp_shared ? 0 : -1;
}

/* cmocka setup of a test that needs a datapath of its own (ring buffer). */
static inline int dp_setup_fresh(void **state)
{
	*state = dp_load();
	return *state ? 0 : -1;
}

/* cmocka teardown of either: the shared datapath stays for the next test. */
static inline int dp_teardown(void **state)
{
	if (*state != dp_shared)
		tenet_bpf__destroy(*state);
	*state = NULL;
	return 0;
}

static inline void dp_put(struct bpf_map *map, const void *key, const void *val)
{
	assert_int_equal(bpf_map__update_elem(map, key, bpf_map__key_size(map), val,
					      bpf_map__value_size(map), BPF_ANY),
			 0);
}

static inline void dp_port_add(struct tenet_bpf *s, __u32 ifindex, __u32 port_id, __u32 vni,
			       const __u8 *mac, __be32 ip4, __u16 flags)
{
	struct tn_ifindex_key k = { .ifindex = ifindex };
	struct tn_ifport v = { .port_id = port_id, .vni = vni, .flags = flags, .ip4 = ip4,
			       .slot = DP_SLOT(ifindex) };

	memcpy(v.mac, mac, 6);
	dp_put(s->maps.tn_ifindex, &k, &v);
}

/* FDB entry of port port_id (first IPv4 ip4) at local ifindex or on host
 * remote; flags TN_FDB_F_*. */
static inline void dp_fdb_add(struct tenet_bpf *s, __u32 vni, const __u8 *mac, __u32 port_id,
			      __u32 ifindex, __be32 remote, __be32 ip4, __u32 flags)
{
	struct tn_fdb_key k = { .vni = vni };
	struct tn_fdb v = { .port_id = port_id, .ifindex = ifindex, .remote_ip4 = remote,
			    .flags = flags, .slot = DP_SLOT(ifindex), .ip4 = ip4 };

	memcpy(k.mac, mac, 6);
	dp_put(s->maps.tn_fdb, &k, &v);
}

/* Address ip4 of port port_id (MAC mac) in vni, on host remote (0: ours). */
static inline void dp_arp_add(struct tenet_bpf *s, __u32 vni, __be32 ip4, const __u8 *mac,
			      __u32 port_id, __be32 remote)
{
	struct tn_arp_key k = { .vni = vni, .ip4 = ip4 };
	struct tn_arp v = { .port_id = port_id, .remote_ip4 = remote };

	memcpy(v.mac, mac, 6);
	dp_put(s->maps.tn_arp, &k, &v);
}

static inline void dp_config_set(struct tenet_bpf *s)
{
	__u32 k = 0;
	struct tn_config v = { .abi_version = TN_ABI_VERSION, .tunnel_ifindex = DP_IF_TUN,
			       .local_ip4 = DP_HOST_LOCAL };

	dp_put(s->maps.tn_config, &k, &v);
}

/* Enrols host and allows it to send in vni. */
static inline void dp_peer_add(struct tenet_bpf *s, __be32 host, __u32 vni)
{
	struct tn_peer_key pk = { .ip4 = host };
	struct tn_peer pv = { .host_id = 3 };
	struct tn_tun_allow_key ak = { .vni = vni, .remote_ip4 = host };
	struct tn_tun_allow av = {};

	dp_put(s->maps.tn_peer, &pk, &pv);
	dp_put(s->maps.tn_tun_allow, &ak, &av);
}

/* Blue's flood list: local A, B, an unresolved slot, D; hosts C, E, us. */
static inline void dp_flood_blue(struct tenet_bpf *s)
{
	struct tn_flood_key k = { .vni = DP_VNI_BLUE };
	struct tn_flood v = { .n_local = 4, .n_remote = 3 };

	v.local_ifindex[0] = DP_IF_A;
	v.local_ifindex[1] = DP_IF_B;
	v.local_ifindex[2] = 0;
	v.local_ifindex[3] = DP_IF_D;
	for (int i = 0; i < 4; i++)
		v.local_slot[i] = DP_SLOT(v.local_ifindex[i]);
	v.remote_ip4[0] = DP_HOST_C;
	v.remote_ip4[1] = DP_HOST_LOCAL;
	v.remote_ip4[2] = DP_HOST_E;
	dp_put(s->maps.tn_flood, &k, &v);
}

/* Writes flood page `page` of vni: n_local ports (ifindexes), n_remote hosts. */
static inline void dp_flood_page(struct tenet_bpf *s, __u32 vni, __u32 page, __u32 n_local,
				 const __u32 *ifindex, __u32 n_remote, const __be32 *remote)
{
	struct tn_flood_key k = { .vni = vni, .page = page };
	struct tn_flood v = { .n_local = n_local, .n_remote = n_remote };

	if (n_local)
		memcpy(v.local_ifindex, ifindex, n_local * sizeof(*ifindex));
	for (__u32 i = 0; i < n_local; i++)
		v.local_slot[i] = DP_SLOT(ifindex[i]);
	if (n_remote)
		memcpy(v.remote_ip4, remote, n_remote * sizeof(*remote));
	dp_put(s->maps.tn_flood, &k, &v);
}

/* Blue's flood page 1 (page 0 is dp_flood_blue's): local A (the usual
 * sender), F; host G. */
static inline void dp_flood_blue_page1(struct tenet_bpf *s)
{
	const __u32 ifs[] = { DP_IF_A, DP_IF_F };
	const __be32 hosts[] = { DP_HOST_G };

	dp_flood_page(s, DP_VNI_BLUE, 1, 2, ifs, 1, hosts);
}

/*
 * The standard topology: A (port security) and B local on blue; C (port
 * security, addresses C and C2) on host C, enrolled; E (port security) on
 * host E, which is not enrolled (dp_peer_add it to let E send).
 */
static inline void dp_topology(struct tenet_bpf *s)
{
	const __u32 ps = TN_FDB_F_PORT_SECURITY;

	dp_config_set(s);
	dp_port_add(s, DP_IF_A, DP_PORT_A, DP_VNI_BLUE, dp_mac_a, DP_IP_A,
		    TN_LPORT_F_PORT_SECURITY);
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_a, DP_PORT_A, DP_IF_A, 0, DP_IP_A, TN_FDB_F_LOCAL | ps);
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_b, DP_PORT_B, DP_IF_B, 0, DP_IP_B, TN_FDB_F_LOCAL);
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_c, DP_PORT_C, 0, DP_HOST_C, DP_IP_C,
		   TN_FDB_F_REMOTE | ps);
	dp_fdb_add(s, DP_VNI_BLUE, dp_mac_e, DP_PORT_E, 0, DP_HOST_E, DP_IP_E,
		   TN_FDB_F_REMOTE | ps);
	dp_arp_add(s, DP_VNI_BLUE, DP_IP_A, dp_mac_a, DP_PORT_A, 0);
	dp_arp_add(s, DP_VNI_BLUE, DP_IP_B, dp_mac_b, DP_PORT_B, 0);
	dp_arp_add(s, DP_VNI_BLUE, DP_IP_C, dp_mac_c, DP_PORT_C, DP_HOST_C);
	dp_arp_add(s, DP_VNI_BLUE, DP_IP_C2, dp_mac_c, DP_PORT_C, DP_HOST_C);
	dp_arp_add(s, DP_VNI_BLUE, DP_IP_E, dp_mac_e, DP_PORT_E, DP_HOST_E);
	dp_peer_add(s, DP_HOST_C, DP_VNI_BLUE);
	dp_flood_blue(s);
}

/* Ethernet + IPv4 + UDP 4000 -> 4001 + 8 bytes payload (50 bytes).
 * Returns the length. */
static inline __u32 dp_build_ip4(__u8 *p, const __u8 *dst, const __u8 *src, __be32 saddr,
				 __be32 daddr)
{
	memset(p, 0, 50);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x08;
	p[14] = 0x45; /* v4, ihl 5 */
	p[17] = 36; /* total length */
	p[22] = 64; /* ttl */
	p[23] = 17; /* udp */
	memcpy(p + 26, &saddr, 4);
	memcpy(p + 30, &daddr, 4);
	p[34] = 4000 >> 8; /* sport */
	p[35] = 4000 & 0xff;
	p[36] = 4001 >> 8; /* dport */
	p[37] = 4001 & 0xff;
	p[39] = 16; /* udp length */
	return 50;
}

/* dp_build_ip4 from the DHCP client port to the server's, 68 -> 67 (too
 * short for a BOOTP message). Returns the length. */
static inline __u32 dp_build_dhcp_ports(__u8 *p, const __u8 *dst, const __u8 *src,
					__be32 saddr, __be32 daddr)
{
	__u32 len = dp_build_ip4(p, dst, src, saddr, daddr);

	p[34] = 0;
	p[35] = 68;
	p[36] = 0;
	p[37] = 67;
	return len;
}

/* An IPv6 frame (Ethernet + 40-byte header, no next header). Returns the
 * length. */
static inline __u32 dp_build_ip6(__u8 *p, const __u8 *dst, const __u8 *src)
{
	memset(p, 0, 14 + 40);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x86; /* ETH_P_IPV6 */
	p[13] = 0xdd;
	p[14] = 0x60; /* version 6 */
	p[20] = 59; /* no next header */
	p[21] = 64; /* hop limit */
	return 14 + 40;
}

/* An IPv6 frame: Ethernet from smac to dmac, the fixed header from src to
 * dst with next header nh, payload length plen and hop limit hops; the
 * payload is the caller's. Returns 54, where the payload starts. */
static inline __u32 dp_ip6_hdr(__u8 *p, const __u8 *dmac, const __u8 *smac, const __u8 *src,
			       const __u8 *dst, __u8 nh, __u16 plen, __u8 hops)
{
	memset(p, 0, 54);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	p[18] = plen >> 8;
	p[19] = plen & 0xff;
	p[20] = nh;
	p[21] = hops;
	memcpy(p + 22, src, 16);
	memcpy(p + 38, dst, 16);
	return 54;
}

/* The Internet checksum (RFC 1071) of n bytes at p, an odd last byte
 * padded with zero: 0 over data that carries a valid one. */
static inline __u16 dp_csum(const __u8 *p, size_t n)
{
	__u32 sum = 0;

	for (size_t i = 0; i < n; i += 2)
		sum += (__u32)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* The ICMPv6 checksum of the plen-byte message after the IPv6 header ip,
 * with its pseudo-header (RFC 8200 8.1). */
static inline __u16 dp_icmp6_csum(const __u8 *ip, __u32 plen)
{
	__u32 sum = plen + 58;
	const __u8 *msg = ip + 40;

	for (int i = 8; i < 40; i += 2)
		sum += (__u32)ip[i] << 8 | ip[i + 1];
	for (__u32 i = 0; i < plen; i += 2)
		sum += (__u32)msg[i] << 8 | (i + 1 < plen ? msg[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Sets the checksum of the ICMPv6 message right after the IPv6 header of
 * the frame p (dp_ip6_hdr). */
static inline void dp_icmp6_csum_fix(__u8 *p)
{
	__u16 plen = (__u16)(p[18] << 8 | p[19]), c;

	p[56] = p[57] = 0;
	c = dp_icmp6_csum(p + 14, plen);
	p[56] = c >> 8;
	p[57] = c & 0xff;
}

/* Broadcast ARP request (42 bytes). Returns the length. */
static inline __u32 dp_build_arp(__u8 *p, const __u8 *sha, __be32 spa, __be32 tpa)
{
	static const __u8 hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(p, 0, 42);
	memcpy(p, dp_mac_bcast, 6);
	memcpy(p + 6, sha, 6);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(p + 14, hdr, 8);
	memcpy(p + 22, sha, 6);
	memcpy(p + 28, &spa, 4);
	memcpy(p + 38, &tpa, 4);
	return 42;
}

/*
 * True when BPF_PROG_TEST_RUN (6.18) refuses the first len bytes of pkt
 * with EINVAL before any program runs: shorter than an Ethernet header, or
 * an IPv4 (IPv6) frame without a whole IPv4 (IPv6) header.
 */
static inline bool dp_run_refuses(const __u8 *pkt, __u32 len)
{
	if (len < 14)
		return true;
	if (pkt[12] == 0x86 && pkt[13] == 0xdd)
		return len < 14 + 40;
	return pkt[12] == 0x08 && pkt[13] == 0x00 && len < 14 + 20;
}

/*
 * Runs prog on len bytes of pkt arriving on ifindex with cb[0..1] set.
 * Returns bpf_prog_test_run_opts's result; *retval is the program's
 * verdict; out (optional, *out_len bytes) receives the resulting frame.
 */
static inline int dp_run(struct bpf_program *prog, const void *pkt, __u32 len, __u32 cb0,
			 __u32 cb1, __u32 *retval, void *out, __u32 *out_len)
{
	struct __sk_buff ctx = { .ifindex = DP_IF_A };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	ctx.cb[0] = cb0;
	ctx.cb[1] = cb1;
	if (out) {
		opts.data_out = out;
		opts.data_size_out = *out_len;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	*retval = opts.retval;
	if (out)
		*out_len = opts.data_size_out;
	return err;
}

static inline void dp_trace_reset(struct tenet_bpf *s);

/* Runs a frame from port A through tn_vif_ingress (trace cleared first);
 * out (optional, *out_len bytes) receives the resulting frame. Returns the
 * verdict. */
static inline __u32 dp_vif_run(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __u8 *out,
			       __u32 *out_len)
{
	__u32 ret = 0;

	dp_trace_reset(s);
	assert_int_equal(dp_run(s->progs.tn_vif_ingress, pkt, len, 0, 0, &ret, out, out_len), 0);
	return ret;
}

/* dp_vif_run without the resulting frame: the verdict alone. */
static inline __u32 dp_vif(struct tenet_bpf *s, const __u8 *pkt, __u32 len)
{
	return dp_vif_run(s, pkt, len, NULL, NULL);
}

/* Runs a decapsulated frame from host (network order) in vni through
 * tn_tunnel_ingress (trace cleared first). Returns the verdict. */
static inline __u32 dp_tun_run(struct tenet_bpf *s, const __u8 *pkt, __u32 len, __be32 host,
			       __u32 vni)
{
	__u32 ret = 0;

	dp_trace_reset(s);
	assert_int_equal(
	    dp_run(s->progs.tn_tunnel_ingress, pkt, len, ntohl(host), vni, &ret, NULL, NULL), 0);
	return ret;
}

/* Clears the decision trace before a run. */
static inline void dp_trace_reset(struct tenet_bpf *s)
{
	struct tn_trace t = {};
	__u32 k = 0;

	dp_put(s->maps.tn_trace, &k, &t);
}

static inline struct tn_trace dp_trace(struct tenet_bpf *s)
{
	struct tn_trace t;
	__u32 k = 0;

	assert_int_equal(bpf_map__lookup_elem(s->maps.tn_trace, &k, sizeof(k), &t, sizeof(t), 0),
			 0);
	return t;
}

/* Sum over CPUs of counter stat of tn_stats. */
static inline __u64 dp_stat(struct tenet_bpf *s, __u32 stat)
{
	int i, n = libbpf_num_possible_cpus();
	__u64 *v, sum = 0;

	assert_true(n > 0);
	v = calloc(n, sizeof(*v));
	assert_non_null(v);
	assert_int_equal(bpf_map__lookup_elem(s->maps.tn_stats, &stat, sizeof(stat), v,
					      n * sizeof(*v), 0),
			 0);
	for (i = 0; i < n; i++)
		sum += v[i];
	free(v);
	return sum;
}

/* Sum over CPUs of the port counters of the port at ifindex, read at its
 * slot DP_SLOT(ifindex) (zeros if none yet). */
static inline struct tn_port_stats dp_port_stats(struct tenet_bpf *s, __u32 ifindex)
{
	int i, n = libbpf_num_possible_cpus();
	__u32 k = DP_SLOT(ifindex);
	struct tn_port_stats sum = {}, *v;

	assert_true(n > 0);
	v = calloc(n, sizeof(*v));
	assert_non_null(v);
	if (!bpf_map__lookup_elem(s->maps.tn_port_stats, &k, sizeof(k), v, n * sizeof(*v), 0)) {
		for (i = 0; i < n; i++) {
			sum.rx_packets += v[i].rx_packets;
			sum.tx_packets += v[i].tx_packets;
			sum.drops += v[i].drops;
		}
	}
	free(v);
	return sum;
}

#endif /* TN_DP_HARNESS_H */
