/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h - every map of the datapath, defined once here.
 *
 * Each attach point (vif.bpf.c, tunnel.bpf.c) is its own object file and
 * both include this header, so the definitions are __weak: `bpftool gen
 * object` merges them into one map each in tenet.bpf.o. The ABI maps are
 * pinned by name (TN_PIN_*) under the agent's pin_root_path so they survive
 * an agent restart; tn_trace (tests only), the drop monitor's maps and the
 * tail-call program arrays (defined by each entry file) are not pinned.
 */
#ifndef TN_BPF_MAPS_H
#define TN_BPF_MAPS_H

#include "common.h"
#include "trace.h"

/* Set between __open() and __load(); 1 only in tests/bpf (see trace.h). */
const volatile __u32 tn_test_mode __weak = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_PORTS);
	__type(key, struct tn_lport_key);
	__type(value, struct tn_lport);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_lport SEC(".maps") __weak; /* agent only: kept to be pinned */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_FDB);
	__type(key, struct tn_fdb_key);
	__type(value, struct tn_fdb);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_fdb SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_FDB);
	__type(key, struct tn_arp_key);
	__type(value, struct tn_arp);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_arp SEC(".maps") __weak;

/* The IPv6 analogue of tn_arp (tenet_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_FDB);
	__type(key, struct tn_nd_key);
	__type(value, struct tn_nd);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_nd SEC(".maps") __weak;

/* Security groups (tenet_abi.h): the policy maps the compiler fills, and
 * the conntrack and counters the datapath keeps. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_SG_IDENTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_sg_ident_key);
	__type(value, struct tn_sg_ident);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_sg_ident SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TN_MAX_SG_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* LPM tries must not preallocate */
	__type(key, struct tn_sg_rule_key);
	__type(value, struct tn_sg_allow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_sg_rule SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TN_MAX_SG_CIDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_sg_cidr_key);
	__type(value, struct tn_sg_cidr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_sg_cidr SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TN_MAX_SG_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_sg_pset_key);
	__type(value, struct tn_sg_allow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_sg_pset SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TN_MAX_CT);
	__type(key, struct tn_ct_key);
	__type(value, struct tn_ct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_ct SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TN_MAX_SG_STATS_ROWS);
	__type(key, struct tn_sg_stats_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_sg_stats SEC(".maps") __weak;

/* Live migration (tenet_abi.h): the compiled rows and the activations. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_MIGRATIONS);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* few ports migrate at once */
	__type(key, struct tn_migrate_key);
	__type(value, struct tn_migrate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_migrate SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_MIGRATIONS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_mig_active_key);
	__type(value, struct tn_mig_active);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_mig_active SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_FLOOD_ROWS);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* most networks use one page */
	__type(key, struct tn_flood_key);
	__type(value, struct tn_flood);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_flood SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_PEERS);
	__type(key, struct tn_peer_key);
	__type(value, struct tn_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_peer SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_FDB); /* (network, peer) pairs */
	__type(key, struct tn_tun_allow_key);
	__type(value, struct tn_tun_allow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_tun_allow SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_PORTS);
	__type(key, struct tn_ifindex_key);
	__type(value, struct tn_ifport);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_ifindex SEC(".maps") __weak;

/* Underlay next hops of back end (b), kept by the agent (tenet_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_PEERS);
	__type(key, struct tn_nh_key);
	__type(value, struct tn_nh);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_nh SEC(".maps") __weak;

/* Routes of the routers this host routes for (tenet_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TN_MAX_ROUTES4);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* LPM tries must not preallocate */
	__type(key, struct tn_route4_key);
	__type(value, struct tn_route4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_route4 SEC(".maps") __weak;

/* Their IPv6 routes (tenet_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TN_MAX_ROUTES6);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_route6_key);
	__type(value, struct tn_route6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_route6 SEC(".maps") __weak;

/* DHCPv4 answers by port (tenet_abi.h, nf/dhcp.h); rows are large and
 * most hosts have few ports: allocated as written. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_PORTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_dhcp_key);
	__type(value, struct tn_dhcp);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_dhcp SEC(".maps") __weak;

/* Router advertisements by network (tenet_abi.h, nf/ra.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_NETS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_ra_key);
	__type(value, struct tn_ra);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_ra SEC(".maps") __weak;

/* DHCPv6 answers by port (tenet_abi.h, nf/dhcp6.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TN_MAX_PORTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tn_dhcp6_key);
	__type(value, struct tn_dhcp6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_dhcp6 SEC(".maps") __weak;

/* nf/dhcp6.h builds a reply's UDP payload here (one per CPU, not pinned):
 * too large for the stack, and checksummed in one piece. */
struct tn_dhcp6_scratch {
	__u8 buf[1024];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tn_dhcp6_scratch);
} tn_dhcp6_buf SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tn_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_config SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TN_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_stats SEC(".maps") __weak;

/* Indexed by port slot (0: none); the agent zeroes a slot it gives out. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TN_MAX_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct tn_port_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_port_stats SEC(".maps") __weak;

/* Drops by (port slot, reason); rows appear at a port's first drop of a
 * reason, the agent deletes a slot's rows when it gives the slot out. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TN_MAX_PORT_DROP_ROWS);
	__type(key, struct tn_port_drop_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tn_port_drops SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tn_trace);
} tn_trace SEC(".maps") __weak;

/* The drop monitor (tenet_abi.h): its switch, written by the agent, the
 * per-CPU sampler state and the events. Not pinned: every load starts with
 * the monitor off. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tn_monitor);
} tn_monitor SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tn_monitor_cpu);
} tn_monitor_cpu SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TN_MON_RING_SIZE);
} tn_events SEC(".maps") __weak;

#endif /* TN_BPF_MAPS_H */
