/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common.h - what every tenet BPF source includes first: kernel types from
 * the generated vmlinux.h, libbpf's helpers, the datapath ABI and the few
 * uapi constants vmlinux.h cannot carry (they are macros).
 */
#ifndef TN_BPF_COMMON_H
#define TN_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tenet_abi.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_RARP   0x8035 /* what QEMU announces a migrated guest with */

#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

#define BPF_F_ZERO_CSUM_TX (1ULL << 1)

#define TN_TUNNEL_TTL 64 /* outer TTL of every VXLAN packet we send */
#define TN_VNI_MASK 0xffffff /* VNIs are 24 bits */

#endif /* TN_BPF_COMMON_H */
