/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * slots.h - tail-call slots. Each entry file owns one program array, filled
 * by libbpf from the array's static initialiser at load time (the agent
 * does nothing); stages jump with bpf_tail_call_static on these constants.
 */
#ifndef TN_BPF_SLOTS_H
#define TN_BPF_SLOTS_H

/* tn_vif_calls, used from tn_vif_ingress (vif.bpf.c) */
enum tn_vif_slot {
	TN_VIF_SLOT_PORT_SEC = 0, /* tn_port_sec: MAC/IP/ARP anti-spoof */
	TN_VIF_SLOT_ARP = 1,	  /* tn_arp_resp: local ARP responder */
	TN_VIF_SLOT_L2 = 2,	  /* tn_l2_fwd: fdb lookup and delivery */
	TN_VIF_SLOT_ENCAP = 3,	  /* tn_encap: VXLAN encap in BPF to a remote host (back end (b)) */
	TN_VIF_SLOT_L3 = 4,	  /* tn_l3_fwd: distributed routing (frames to a router MAC) */
	TN_VIF_SLOT_DHCP = 5,	  /* tn_dhcp4: local DHCPv4 server */
	TN_VIF_SLOT_ND = 6,	  /* tn_nd_resp: local ND responder (NS -> NA) */
	TN_VIF_SLOT_RA = 7,	  /* tn_ra6: router solicitation -> advertisement */
	TN_VIF_SLOT_DHCP6 = 8,	  /* tn_dhcp6_srv: local DHCPv6 server */
	TN_VIF_SLOT_L3_6 = 9,	  /* tn_l3_fwd6: distributed routing, IPv6 */
	TN_VIF_SLOT_FW = 10,	  /* tn_fw: egress security groups and conntrack (nf/fw.h) */
	TN_VIF_SLOT_FW_IN = 11,	  /* tn_fw_in: ingress security groups of a local destination */
	TN_VIF_SLOT_GENEVE = 12,  /* tn_geneve_encap: Geneve encap in BPF to a remote host */
	TN_VIF_SLOT_MIGRATE = 13, /* tn_mig_vif: a migrating port's frames, and frames to one */
	TN_VIF_SLOT_FW_REMOTE = 14, /* tn_fw_remote: after tn_fw, to another host (tn_l2_remote) */
	TN_VIF_SLOT_MAX
};

/* tn_tun_calls, used from tn_tunnel_ingress (tunnel.bpf.c) */
enum tn_tun_slot {
	TN_TUN_SLOT_DELIVER = 0, /* tn_tun_deliver: to the local port(s) */
	TN_TUN_SLOT_SRC = 1,	 /* tn_tun_src: the inner source is a port of the sending host */
	TN_TUN_SLOT_FW = 2,	 /* tn_tun_fw: ingress security groups of the local destination */
	TN_TUN_SLOT_GENEVE = 3,	 /* tn_geneve_decap: Geneve on the underlay, decapsulated */
	TN_TUN_SLOT_MIGRATE = 4, /* tn_mig_tun: a frame for a migrating local port */
	TN_TUN_SLOT_MAX
};

#endif /* TN_BPF_SLOTS_H */
