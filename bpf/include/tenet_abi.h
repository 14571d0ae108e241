/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tenet_abi.h - the datapath ABI shared by the BPF programs, the agent and
 * the controller's compiler.
 *
 * Every struct here is a key or value of a pinned map (or of a compiled row
 * the controller sends). Sizes are fixed with explicit padding and checked by
 * _Static_assert; bump TN_ABI_VERSION on any change. This header includes no
 * kernel headers: BPF code includes vmlinux.h first, user space includes
 * <linux/types.h> first.
 */
#ifndef TENET_ABI_H
#define TENET_ABI_H

/*
 * 2: FLOOD keyed by (vni, page); 3: port counters by slot; 4: ARP rows name
 * their port (every fixed IPv4; source checks), FDB carries the port's first
 * IPv4 and port security, tunnel source drop reasons; 5: every drop cause
 * its own reason (IPv6, ND, VLAN, IPv4 and ARP spoofing apart from MAC), port
 * drops by reason (tn_port_drops); 6: the drop monitor (tn_monitor,
 * tn_monitor_cpu, tn_events: sampled drop events in a ring buffer); 7: back
 * end (b), VXLAN encap and decap in BPF (tn_config names the underlay and
 * the back end, tn_nh holds the underlay next hops, TN_DROP_ENCAP); 8:
 * distributed routing (tn_route4: per-router LPM routes; router interface
 * MACs in tn_fdb with TN_FDB_F_ROUTER and router_key, their addresses in
 * tn_arp with TN_ARP_F_ROUTER; the L3 stage's counters and drop reasons;
 * tn_config.mtu and TN_DROP_FRAG_NEEDED: path MTU discovery in tenants;
 * DHCPv4 answered in BPF: tn_dhcp, TN_STAT_DHCP_*, TN_DROP_DHCP_*; IPv6 on
 * tenant networks: tn_nd (every fixed IPv6, for the ND responder and the
 * IPv6 source checks), IPv6 port security and its drop reasons); 9: security
 * groups (identities in tn_lport, tn_ifport, tn_fdb, tn_arp and tn_nd; the
 * policy maps tn_sg_ident, tn_sg_rule, tn_sg_cidr, tn_sg_pset; conntrack in
 * tn_ct; per port and group counters in tn_sg_stats); router advertisements
 * and DHCPv6 answered in BPF (tn_ra: a network's RA, pre-encoded; tn_dhcp6:
 * a port's DHCPv6 answer; TN_STAT_RA_SENT, TN_STAT_DHCP6_REPLY and their
 * drop reasons); IPv6 routing (tn_route6: per-router IPv6 LPM routes;
 * gateway addresses in tn_nd with TN_ND_F_ROUTER; the L3 stage's reasons
 * also count IPv6, TN_DROP_FRAG_NEEDED also ICMPv6 packet too big); Geneve
 * in BPF (TN_GENEVE_*, TN_FDB_F_GENEVE, the TN_DROP_GENEVE_* reasons);
 * 10: live migration of ports (tn_migrate: compiled standby and source
 * rows; tn_mig_active: the generation the datapath activated; the
 * agent-derived TN_LPORT_F_MIGRATING and TN_FDB_F_MIGRATING; struct
 * tn_mig_event in tn_events; TN_STAT_MIG_* and TN_DROP_MIG_*); 11: security
 * groups on flooded copies (a second attach point, tc egress of every port's
 * host-side interface: tn_vif_egress checks the receiving port's ingress
 * rules on the copies head-end replication makes) and on IP fragments
 * (tn_ct_key.kind, once zero padding: TN_CT_KIND_FRAG entries remember a
 * first fragment that passed; TN_DROP_SG_FRAG).
 */
#define TN_ABI_VERSION 11

#define TN_IFNAMSIZ 16
#define TN_MAX_FLOOD_REMOTE 32 /* remote hosts one FLOOD page lists */
#define TN_MAX_FLOOD_LOCAL 32 /* local ports one FLOOD page lists */
#define TN_MAX_FLOOD_PAGES 32 /* FLOOD pages of one network on one host */
#define TN_VXLAN_PORT 4789
#define TN_OVERHEAD 50 /* outer eth 14 + ip 20 + udp 8 + vxlan 8 */
/*
 * ABI 9: Geneve (RFC 8926), encapsulated and decapsulated in BPF on the
 * underlay (no kernel geneve module needed). What tenet sends: UDP to
 * TN_GENEVE_PORT, version 0, protocol 0x6558 (Transparent Ethernet
 * Bridging), the VNI, and exactly one option, the tenet identity option:
 * class TN_GENEVE_OPT_CLASS, type TN_GENEVE_OPT_IDENTITY, 4 bytes of data
 * holding the sending port's security identity (big-endian, < 2^24, 0:
 * none). The class is 0xff74 ('t' after the 0xff prefix), from IANA's
 * "Experimental Use" range 0xff00-0xffff of the Geneve Option Class
 * registry (0x0000-0x00ff is IETF Review, 0x0100-0xfeff First Come First
 * Served and mostly assigned to vendors): the option never leaves a tenet
 * underlay, so no registered class is needed; a deployment whose underlay
 * already carries another experiment in 0xff74 changes the class here and
 * in no other place. The type's critical bit (0x80) is clear: a receiver
 * that does not know the option loses nothing it needs, since a tenet
 * receiver checks the claim against the source port's own identity row
 * (tn_fdb / tn_arp / tn_nd) and could derive it from there, and a critical
 * option would make receivers that cannot parse it (a kernel geneve
 * device, middleboxes, NIC parsers) drop or punt every packet. Receivers
 * drop any *other* option with the critical bit set, as RFC 8926 3.5
 * requires.
 */
#define TN_GENEVE_PORT	       6081
#define TN_GENEVE_OPT_CLASS    0xff74 /* experimental use range (IANA) */
#define TN_GENEVE_OPT_IDENTITY 0x01   /* type: critical bit (0x80) clear */
#define TN_GENEVE_OPTS_MAX     8      /* options a receiver walks, at most */
/* outer eth 14 + ip 20 + udp 8 + geneve 8 + identity option 8 */
#define TN_GENEVE_OVERHEAD 58
/*
 * Outer UDP source ports of back end (b): the inner flow's hash mapped onto
 * [TN_SPORT_MIN, TN_SPORT_MAX) as the kernel's udp_flow_src_port() maps it
 * onto the default ip_local_port_range, so receivers spread flows over
 * queues (RSS) and GRO keeps each flow together, as for the vxlan device.
 */
#define TN_SPORT_MIN 32768
#define TN_SPORT_MAX 60999

/*
 * Map identifiers, as carried in southbound rows. The controller compiles
 * rows for the maps marked "compiled"; the agent derives the others. Their
 * shapes are described for user space once, in common/abi_maps.c.
 */
enum tn_map_id {
	TN_MAP_LPORT = 1,     /* compiled: port_id -> local port (ifname etc.) */
	TN_MAP_FDB = 2,	      /* compiled: (vni, mac) -> where the MAC lives */
	TN_MAP_ARP = 3,	      /* compiled: (vni, ipv4) -> owning port: ARP answers, source checks */
	TN_MAP_FLOOD = 4,     /* compiled: (vni, page) -> head-end replication list */
	TN_MAP_PEER = 5,      /* compiled: underlay ipv4 -> enrolled host */
	TN_MAP_TUN_ALLOW = 6, /* compiled: (vni, remote ipv4) may send to us */
	TN_MAP_IFINDEX = 7,   /* derived by agent: ifindex -> port */
	TN_MAP_CONFIG = 8,    /* agent: array[1] of struct tn_config */
	TN_MAP_STATS = 9,     /* BPF: percpu array of counters (enum tn_stat) */
	TN_MAP_PORT_STATS = 10, /* BPF: percpu array port slot -> tn_port_stats */
	TN_MAP_PORT_DROPS = 11, /* BPF: percpu hash (slot, reason) -> drops */
	TN_MAP_NH = 12,		/* agent: underlay ipv4 -> next-hop MAC (back end (b)) */
	TN_MAP_ROUTE4 = 13,	/* compiled: (router, IPv4 prefix) -> where to route (LPM) */
	TN_MAP_DHCP = 14,	/* compiled: port_id -> its DHCPv4 lease and options */
	TN_MAP_ND = 15,	    /* compiled: (vni, ipv6) -> owning port: ND answers, source checks */
	TN_MAP_ROUTE6 = 16, /* compiled: (router, IPv6 prefix) -> where to route (LPM) */
	TN_MAP_RA = 17,	    /* compiled: vni -> the network's router advertisement */
	TN_MAP_DHCP6 = 18,  /* compiled: port_id -> its DHCPv6 answer */
	/* ABI 9: security groups */
	TN_MAP_SG_IDENT = 19, /* compiled: identity -> its policy's generation */
	TN_MAP_SG_RULE = 20,  /* compiled: LPM (identity, remote identity, dir, proto, port) */
	TN_MAP_SG_CIDR = 21,  /* compiled: LPM (identity, dir, remote prefix) -> port set */
	TN_MAP_SG_PSET = 22,  /* compiled: LPM (identity, port set, proto, port) */
	TN_MAP_CT = 23,	      /* BPF: LRU connection tracking, per local port */
	TN_MAP_SG_STATS = 24, /* BPF: percpu hash (port slot, group) -> flows allowed */
	/* ABI 10: live migration */
	TN_MAP_MIGRATE = 25,	/* compiled: port_id -> its migration (standby or source) */
	TN_MAP_MIG_ACTIVE = 26, /* BPF: port_id -> the migration generation activated here */
	TN_MAP_MAX
};

/* Pinned map names under /sys/fs/bpf/tenet/<host>/ (same as BPF names). */
#define TN_PIN_LPORT "tn_lport"
#define TN_PIN_FDB "tn_fdb"
#define TN_PIN_ARP "tn_arp"
#define TN_PIN_FLOOD "tn_flood"
#define TN_PIN_PEER "tn_peer"
#define TN_PIN_TUN_ALLOW "tn_tun_allow"
#define TN_PIN_IFINDEX "tn_ifindex"
#define TN_PIN_CONFIG "tn_config"
#define TN_PIN_STATS "tn_stats"
#define TN_PIN_PORT_STATS "tn_port_stats"
#define TN_PIN_PORT_DROPS "tn_port_drops"
#define TN_PIN_NH "tn_nh"
#define TN_PIN_ROUTE4	  "tn_route4"
#define TN_PIN_DHCP	  "tn_dhcp"
#define TN_PIN_ND	  "tn_nd"
#define TN_PIN_ROUTE6	  "tn_route6"
#define TN_PIN_RA	  "tn_ra"
#define TN_PIN_DHCP6	  "tn_dhcp6"
#define TN_PIN_SG_IDENT	  "tn_sg_ident"
#define TN_PIN_SG_RULE	  "tn_sg_rule"
#define TN_PIN_SG_CIDR	  "tn_sg_cidr"
#define TN_PIN_SG_PSET	  "tn_sg_pset"
#define TN_PIN_CT	  "tn_ct"
#define TN_PIN_SG_STATS	  "tn_sg_stats"
#define TN_PIN_MIGRATE	  "tn_migrate"
#define TN_PIN_MIG_ACTIVE "tn_mig_active"

#define TN_MAX_PORTS 65536
/*
 * Port slots: the agent gives every local port whose interface exists a
 * dense slot 1 .. TN_MAX_PORT_SLOTS - 1 (0 = none, not counted), carried in
 * tn_ifport, local tn_fdb values and tn_flood.local_slot[]; the datapath
 * counts the port at tn_port_stats[slot]. Slots fit 16 bits.
 */
#define TN_MAX_PORT_SLOTS 65536
#define TN_MAX_FDB 262144
#define TN_MAX_NETS 16384
#define TN_MAX_PEERS 4096
#define TN_MAX_FLOOD_ROWS (2 * TN_MAX_NETS) /* FLOOD pages, all networks */
/* (slot, reason) pairs in tn_port_drops; when full a drop still counts in
 * tn_port_stats.drops and tn_stats, only its per-port reason is lost. */
#define TN_MAX_PORT_DROP_ROWS 65536
#define TN_MAX_ROUTES4	      65536 /* IPv4 routes, all routers a host needs */
#define TN_MAX_ROUTES6	      65536 /* IPv6 routes, all routers a host needs */

/* TN_MAP_LPORT: a port bound to this host. */
struct tn_lport_key {
	__u32 port_id; /* controller-allocated port tunnel key, > 0 */
};

struct tn_lport {
	__u32 vni; /* network the port is on */
	__u8 mac[6]; /* the port's MAC */
	__u16 flags; /* TN_LPORT_F_* */
	__be32 ip4; /* first fixed IPv4, 0 if none */
	char ifname[TN_IFNAMSIZ]; /* host-side interface name, NUL padded */
	__u32 identity;		  /* ABI 9: its security identity; 0: groups not enforced */
};

#define TN_LPORT_F_PORT_SECURITY 0x1 /* enforce source MAC/IP */
/* ABI 10, agent-derived (tn_ifport only; the controller never sets it):
 * the port has a tn_migrate row on this host, so its frames go through
 * the migration stage (activation, RARP). */
#define TN_LPORT_F_MIGRATING 0x2

/* TN_MAP_FDB */
struct tn_fdb_key {
	__u32 vni;
	__u8 mac[6];
	__u16 pad; /* zero */
};

struct tn_fdb {
	__u32 port_id; /* the port that owns the MAC */
	__u32 ifindex; /* local: host-side ifindex (agent fills in); remote: 0 */
	__be32 remote_ip4; /* remote: underlay IPv4 of its host; local: 0 */
	__u32 flags; /* TN_FDB_F_* */
	__u32 slot; /* local: port slot (agent fills in, 0 = none); remote: 0 */
	__be32 ip4; /* the port's first fixed IPv4, 0 if none (source check fast path);
		     * a router interface: its IPv4 (the subnet's gateway) */
	__u32 router_key; /* TN_FDB_F_ROUTER: the router (tn_route4's key), else 0 */
	__u32 identity;	  /* ABI 9: the port's security identity, 0 if none */
};

#define TN_FDB_F_LOCAL 0x1
#define TN_FDB_F_REMOTE 0x2
#define TN_FDB_F_PORT_SECURITY 0x4 /* the port has port security: check its sources */
/*
 * The MAC of a router interface on this network (port_id 0, no ifindex,
 * no host): frames to it go to the L3 stage of router router_key, on the
 * host they enter. Every host routes for its own ports (distributed
 * routing), so a routed frame reaches its destination host in the
 * destination network, with this MAC as source, from the host of the port
 * that sent it (tn_tun_src checks that host against the inner source).
 */
#define TN_FDB_F_ROUTER 0x8
/*
 * ABI 9: a remote port whose network goes by Geneve (its encapsulation, or
 * the deployment's default): a host on back end (b) sends it unicast IPv4
 * as Geneve carrying the sending port's identity. Every host receives
 * VXLAN and Geneve whatever its rows say, so hosts interoperate while a
 * network moves from one to the other. Broadcast and what (b) leaves to
 * back end (a) (ARP, IPv6, frames too big without DF) stay on VXLAN.
 */
#define TN_FDB_F_GENEVE 0x10
/*
 * ABI 10, agent-derived on local rows (the controller never sets it, as it
 * leaves ifindex and slot zero): the port has a tn_migrate row on this
 * host, so frames to it go through the migration stage (standby: to the
 * source host until activated; source: a copy to the destination). Ports
 * that do not migrate pay nothing but this bit test.
 */
#define TN_FDB_F_MIGRATING 0x20

/*
 * TN_MAP_ARP: every fixed IPv4 of every port in the networks of this host's
 * ports, with the port that owns it and where that port lives. The ARP
 * responder answers from it; port security (from a port) and the tunnel
 * source check (from a remote host) accept an IPv4 source or ARP sender of a
 * port-secured port only if its entry names that port (or it is the port's
 * first address, which tn_ifport and tn_fdb carry); no host may send another
 * host's port's address, port security or not.
 */
struct tn_arp_key {
	__u32 vni;
	__be32 ip4;
};

struct tn_arp {
	__u8 mac[6]; /* the owning port's MAC */
	__u16 flags; /* TN_ARP_F_* */
	__u32 port_id;	   /* the owning port; 0 for a router's address */
	__be32 remote_ip4; /* underlay IPv4 of the owning port's host; 0: this host */
	__u32 identity;	   /* ABI 9: the owning port's security identity, 0 if none */
};

/* A router interface's address (the subnet's gateway): answered with the
 * router's MAC on every host; no port owns it, so no port may send it. */
#define TN_ARP_F_ROUTER 0x1

/*
 * TN_MAP_ROUTE4: a longest-prefix-match trie of the IPv4 routes of every
 * router attached to a network of this host's ports. The key's first 32
 * bits after prefixlen are the router, always matched whole: prefixlen is
 * 32 + the route's prefix length.
 */
struct tn_route4_key {
	__u32 prefixlen;   /* 32 + prefix length (LPM trie convention) */
	__be32 router_key; /* the router, big-endian (the trie matches bytes) */
	__be32 ip4;	   /* destination prefix */
};

/*
 * Where a routed packet goes: into network vni with the router's MAC on it
 * as source, to the port owning nh_ip4 (a static route's next hop) or, for
 * a connected subnet (TN_ROUTE_F_CONNECTED, nh_ip4 0), the destination
 * itself, both looked up in tn_arp of vni.
 */
struct tn_route4 {
	__u32 vni;	/* the network the packet leaves in */
	__u8 mac[6];	/* the router's MAC on it (the new source MAC) */
	__u16 flags;	/* TN_ROUTE_F_* */
	__be32 nh_ip4;	/* next hop; 0 for a connected subnet */
	__be32 src_ip4; /* the router's address on it */
};

#define TN_ROUTE_F_CONNECTED 0x1 /* a subnet of one of the router's interfaces */

/*
 * TN_MAP_ROUTE6: the IPv6 analogue of tn_route4 (same routers, same
 * rules): the key's first 32 bits after prefixlen are the router, always
 * matched whole, so prefixlen is 32 + the route's prefix length.
 */
struct tn_route6_key {
	__u32 prefixlen;   /* 32 + prefix length (LPM trie convention) */
	__be32 router_key; /* the router, big-endian (the trie matches bytes) */
	__u8 ip6[16];	   /* destination prefix, network order */
};

/*
 * Where a routed IPv6 packet goes: into network vni with the router's MAC
 * on it as source, to the port owning nh_ip6 (a static route's next hop)
 * or, for a connected subnet (TN_ROUTE_F_CONNECTED, nh_ip6 ::), the
 * destination itself, both looked up in tn_nd of vni. src_ip6 is the
 * router's address on vni: the source of the router's ICMPv6 errors to a
 * sender in a connected subnet.
 */
struct tn_route6 {
	__u32 vni;	  /* the network the packet leaves in */
	__u8 mac[6];	  /* the router's MAC on it (the new source MAC) */
	__u16 flags;	  /* TN_ROUTE_F_* */
	__u8 nh_ip6[16];  /* next hop; :: for a connected subnet */
	__u8 src_ip6[16]; /* the router's address on it (the subnet's gateway) */
};

/*
 * TN_MAP_FLOOD: broadcast / unknown unicast in one network. The list is
 * paged: pages 0, 1, ... are dense (the datapath stops at the first missing
 * one), at most TN_MAX_FLOOD_PAGES; each holds up to TN_MAX_FLOOD_REMOTE
 * hosts and TN_MAX_FLOOD_LOCAL ports, so one network reaches
 * TN_MAX_FLOOD_PAGES * TN_MAX_FLOOD_REMOTE hosts and as many local ports.
 */
struct tn_flood_key {
	__u32 vni;
	__u32 page; /* 0 .. TN_MAX_FLOOD_PAGES - 1 */
};

struct tn_flood {
	__u32 n_remote; /* valid entries in remote_ip4 (this page) */
	__u32 n_local; /* valid entries in local_port / local_ifindex */
	__be32 remote_ip4[TN_MAX_FLOOD_REMOTE]; /* other hosts in the network */
	__u32 local_port[TN_MAX_FLOOD_LOCAL]; /* local port ids */
	__u32 local_ifindex[TN_MAX_FLOOD_LOCAL]; /* agent fills in; 0 = absent */
	__u16 local_slot[TN_MAX_FLOOD_LOCAL]; /* agent fills in: port slots; 0 = none */
};

/* TN_MAP_PEER: enrolled hosts by underlay address. */
struct tn_peer_key {
	__be32 ip4;
};

struct tn_peer {
	__u32 host_id; /* controller-allocated host number */
	__u32 flags; /* reserved, zero */
};

/* TN_MAP_TUN_ALLOW: host at remote_ip4 has ports in network vni. */
struct tn_tun_allow_key {
	__u32 vni;
	__be32 remote_ip4;
};

struct tn_tun_allow {
	__u32 flags; /* reserved, zero */
};

/* TN_MAP_IFINDEX: agent-derived from LPORT once the interface exists. */
struct tn_ifindex_key {
	__u32 ifindex;
};

struct tn_ifport {
	__u32 port_id;
	__u32 vni;
	__u8 mac[6];
	__u16 flags; /* TN_LPORT_F_* */
	__be32 ip4;
	__u32 slot; /* the port's slot in tn_port_stats, 1 .. TN_MAX_PORT_SLOTS - 1 */
	__u32 identity; /* ABI 9: tn_lport.identity */
};

/* TN_MAP_CONFIG: array with one element, written by the agent. */
struct tn_config {
	__u32 abi_version; /* TN_ABI_VERSION */
	__u32 tunnel_ifindex; /* the collect_md vxlan device (back end (a), and (b)'s fallback) */
	__be32 local_ip4; /* this host's underlay address */
	__u32 flags; /* TN_CONFIG_F_* */
	__u32 underlay_ifindex; /* the underlay interface: where (b) sends */
	__u8 underlay_mac[6]; /* its MAC: the outer source of (b) */
	__u16 pad; /* zero */
	__u32 mtu; /* largest IPv4 datagram the overlay carries to another host (underlay
		    * MTU - TN_OVERHEAD); 0: not checked */
};

/*
 * Back end (b): unicast IPv4 frames to another host are encapsulated in BPF
 * and sent out of the underlay (tn_encap); without the flag, and for what (b)
 * leaves to it (ARP and other non-IPv4 frames, flood copies), back end (a):
 * the tunnel key and the collect_md vxlan device.
 */
#define TN_CONFIG_F_ENCAP_BPF 0x1

/*
 * TN_MAP_NH: the underlay next hop of a remote host, kept by the agent from
 * the kernel's neighbour table (the underlay's entries with a link-layer
 * address, by their IPv4). Back end (b) writes its MAC as the outer
 * destination; a host without an entry (not resolved yet, or behind a
 * router) goes through bpf_redirect_neigh, which resolves it in the kernel.
 */
struct tn_nh_key {
	__be32 ip4; /* the remote host's underlay IPv4 */
};

struct tn_nh {
	__u8 mac[6]; /* its link-layer address on the underlay */
	__u16 pad; /* zero */
};

/*
 * TN_MAP_DHCP: the DHCPv4 answer of a port bound to this host (nf/dhcp.h).
 * The controller encodes every option that does not depend on the request
 * (subnet mask, router, DNS servers, interface MTU, classless static
 * routes) into opts, so the datapath copies bytes instead of composing
 * options; it adds message type, server identifier and (but to INFORM)
 * lease time itself. A port without a row is not answered (its requests
 * are dropped, TN_DROP_DHCP_NO_LEASE); a row with TN_DHCP_F_PASS (a subnet
 * without enable_dhcp) lets the port's requests go on to L2 unanswered, for
 * a DHCP server of the tenant's own.
 */
#define TN_DHCP_OPTS_MAX 256 /* bytes of pre-encoded options a row holds */

struct tn_dhcp_key {
	__u32 port_id; /* the port's port_key, as tn_ifport.port_id */
};

struct tn_dhcp {
	__be32 yiaddr; /* the port's address: its first fixed IPv4 */
	__be32 server_id; /* server identifier and the replies' IPv4 source */
	__be32 lease_time; /* seconds, network order (option 51) */
	__u8 server_mac[6]; /* the replies' Ethernet source */
	__u16 opts_len; /* bytes used in opts, <= TN_DHCP_OPTS_MAX */
	__u32 flags; /* TN_DHCP_F_* */
	__u8 opts[TN_DHCP_OPTS_MAX]; /* encoded options (code, length, data)..., no end option */
};

#define TN_DHCP_F_PASS 0x1 /* DHCP disabled on the port's subnet: requests go on to L2 */

/*
 * TN_MAP_ND: every fixed IPv6 of every port in the networks of this host's
 * ports, the IPv6 analogue of tn_arp. The ND responder answers a neighbor
 * solicitation for one of them; port security (from a port) and the tunnel
 * source check (from a remote host) accept an IPv6 source, an NA target or
 * a DAD probe's target of a port-secured port only if its entry names that
 * port (link-local addresses are derived from the port's MAC instead, and
 * have no entry). Rows of ports carry no flags; TN_ND_F_ROUTER is for a
 * router interface's address (a gateway): answered with the NA's router
 * flag set.
 */
struct tn_nd_key {
	__u32 vni;
	__u8 ip6[16]; /* the address, network order */
};

struct tn_nd {
	__u8 mac[6];	   /* the owning port's MAC */
	__u16 flags;	   /* TN_ND_F_* */
	__u32 port_id;	   /* the owning port (0: not a port, e.g. a router interface) */
	__be32 remote_ip4; /* underlay IPv4 of the owning port's host; 0: this host */
	__u32 identity;	   /* ABI 9: the owning port's security identity, 0 if none */
};

#define TN_ND_F_ROUTER 0x1 /* the address is a router's: NA with the R flag */

/*
 * Security groups (ABI 9). Neutron's model: a port has several groups; a
 * group's rules allow (there is no deny) traffic in one direction, of one
 * ethertype, protocol and destination port range, from or to a remote CIDR
 * or the members of a remote group. Everything not allowed is dropped,
 * except replies of tracked connections (tn_ct), ARP, ND and DHCP, which
 * the earlier stages already vetted.
 *
 * Identity: the store gives every distinct set of groups one number (an
 * identity, > 0, never shared between tenants); every port with port
 * security on has the identity of its set of groups (the empty set is an
 * identity too: nothing allowed). Identity 0 is a port without port
 * security: never enforced, and matched by CIDR rules only. Ports with the
 * same groups share their policy rows. A tunnelled frame carries its
 * source's identity (Geneve option), checked against the source port's
 * tn_fdb / tn_arp / tn_nd identity and host; VXLAN takes it from there.
 *
 * A new flow is checked by the local port's identity, in this order:
 *  1. tn_sg_rule (LPM): rules with a remote group, expanded by the compiler
 *     to every identity whose set holds that group, keyed by the remote
 *     end's identity;
 *  2. tn_sg_cidr (LPM) on the remote address, then tn_sg_pset (LPM) on the
 *     protocol and port: rules with a remote CIDR (no remote: 0.0.0.0/0 or
 *     ::/0). The compiler gives every distinct prefix of an identity a port
 *     set holding the rules of every prefix that contains it, so the
 *     longest match alone decides.
 * Port ranges are split into prefix blocks (at most 30 per range), so
 * every lookup costs the same whatever the number of rules.
 */
#define TN_MAX_SG_RULES	     262144 /* tn_sg_rule rows (and tn_sg_pset's) on one host */
#define TN_MAX_SG_CIDRS	     65536  /* tn_sg_cidr rows on one host */
#define TN_MAX_SG_IDENTS     65536  /* identities with a port on one host */
#define TN_MAX_CT	     65536  /* tracked connections on one host (LRU) */
#define TN_MAX_SG_STATS_ROWS 65536
/* Identities are < 2^24: they ride in 24 bits of skb->cb on the tunnel path. */
#define TN_MAX_IDENTITY 0xffffff

/* The direction byte of the policy keys: one direction, one ethertype. */
#define TN_SG_INGRESS 0x01 /* towards the local port */
#define TN_SG_EGRESS  0x02 /* from the local port */
#define TN_SG_IPV4    0x10
#define TN_SG_IPV6    0x20

/* Prefix lengths of tn_sg_rule_key (the LPM trie counts key bits after
 * prefixlen): any protocol, one protocol and any port, one protocol and
 * the first n bits of the port (n <= 16). ICMP and ICMPv6 rules match
 * port = type << 8 | code: a type alone is TN_SG_RULE_PLEN_PROTO + 8. */
#define TN_SG_RULE_PLEN_ANY   72
#define TN_SG_RULE_PLEN_PROTO 80

/* TN_MAP_SG_IDENT: an identity a port of this host has. */
struct tn_sg_ident_key {
	__u32 identity;
};

struct tn_sg_ident {
	__u32 gen;   /* changes whenever the identity's rows change: tracked
		      * connections opened under another gen are checked again */
	__u32 flags; /* reserved, zero */
};

/* TN_MAP_SG_RULE */
struct tn_sg_rule_key {
	__u32 prefixlen; /* TN_SG_RULE_PLEN_ANY, _PROTO, or _PROTO + port bits */
	__be32 identity; /* the local port's, big-endian (the trie matches bytes) */
	__be32 remote;	 /* the remote end's identity, big-endian */
	__u8 dir;	 /* TN_SG_INGRESS or TN_SG_EGRESS | TN_SG_IPV4 or TN_SG_IPV6 */
	__u8 proto;	 /* IP protocol (ICMPv6: 58) */
	__be16 port;	 /* destination port; ICMP: type << 8 | code */
};

/* What an allowing row says (tn_sg_rule and tn_sg_pset values). */
struct tn_sg_allow {
	__u32 group; /* the group whose rule allows (its sg_key): counted in tn_sg_stats */
	__u32 flags; /* reserved, zero */
};

/* TN_MAP_SG_CIDR: prefixlen is 64 + the prefix length; IPv4 addresses
 * fill addr[0..3], the rest zero. */
struct tn_sg_cidr_key {
	__u32 prefixlen;
	__be32 identity;
	__u8 dir;    /* as tn_sg_rule_key.dir */
	__u8 pad[3]; /* zero (matched) */
	__u8 addr[16];
};

struct tn_sg_cidr {
	__u32 pset;  /* its port set, > 0; equal sets of an identity share one */
	__u32 flags; /* reserved, zero */
};

/* TN_MAP_SG_PSET: prefixlen 64 (any protocol), 80 (a protocol, any port),
 * 80 + n (the first n bits of the port). */
#define TN_SG_PSET_PLEN_ANY   64
#define TN_SG_PSET_PLEN_PROTO 80

struct tn_sg_pset_key {
	__u32 prefixlen;
	__be32 identity;
	__be32 pset;
	__u8 proto;
	__u8 zero;   /* zero (matched) */
	__be16 port; /* as tn_sg_rule_key.port */
};

/*
 * TN_MAP_CT: one entry per connection per local port it concerns (a
 * connection between two ports of one host has two), keyed as the
 * connection was opened (saddr/sport its initiator); a packet is looked up
 * as it is and, on a miss, reversed. port_id first, so a port's entries can
 * be found, exported and imported (migration). ICMP echo: sport = dport =
 * the echo identifier. IPv4 addresses fill the first 4 bytes.
 *
 * ABI 11: kind TN_CT_KIND_FRAG is a fragmented datagram whose first
 * fragment passed the port's check, so its later fragments (which carry no
 * ports) pass too: keyed by the datagram's addresses, protocol (IPv6: the
 * one after the fragment header) and identification as sent (IPv4: its 2
 * bytes in sport, dport 0; IPv6: its 4 bytes over sport and dport); only
 * expires_ns of the value is used (TN_CT_LIFETIME_FRAG), the rest zero.
 * Such entries are never exported (they live seconds).
 */
#define TN_CT_KIND_CONN 0 /* a connection */
#define TN_CT_KIND_FRAG 1 /* a fragmented datagram's first fragment passed */

struct tn_ct_key {
	__u32 port_id; /* the local port (tn_ifport.port_id) */
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u16 kind;  /* TN_CT_KIND_* (before ABI 11: zero padding) */
	__be16 sport;
	__be16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct tn_ct {
	__u64 expires_ns; /* bpf_ktime_get_ns() after which the entry is dead */
	__u32 gen;	  /* tn_sg_ident.gen it was last allowed under */
	__u32 remote;	  /* the remote end's identity (0: none or unknown) */
	__u16 flags;	  /* TN_CT_F_* */
	__u8 tcp_state;	  /* TN_CT_TCP_* */
	__u8 pad;	  /* zero */
	__u32 group;	  /* the group that allowed it (tn_sg_allow.group) */
};

#define TN_CT_F_INGRESS	  0x1 /* opened towards the port (else from it) */
#define TN_CT_F_REPLY	  0x2 /* a reply was seen */
#define TN_CT_F_FIN_ORIG  0x4 /* TCP: the opener sent a FIN */
#define TN_CT_F_FIN_REPLY 0x8 /* TCP: the other end sent a FIN */

/* TCP states of a tracked connection (tn_ct.tcp_state; 0 for other
 * protocols): opened by a SYN; a reply seen; closed by a FIN each way or
 * a RST (then it lives TN_CT_LIFETIME_CLOSE, and a new SYN reopens it). */
#define TN_CT_TCP_SYN_SENT    1
#define TN_CT_TCP_ESTABLISHED 2
#define TN_CT_TCP_CLOSED      3

/* Lifetimes (seconds): as Cilium's defaults. */
#define TN_CT_LIFETIME_TCP    21600
#define TN_CT_LIFETIME_NONTCP 60
#define TN_CT_LIFETIME_SYN    60
#define TN_CT_LIFETIME_CLOSE  10
#define TN_CT_LIFETIME_FRAG   30 /* a first fragment's entry: Linux's ipfrag_time */

/* TN_MAP_SG_STATS: connections a group's rules let open for one port; the
 * value is a per-CPU __u64. Denials count as drops (tn_port_drops) by
 * reason: no rule denies, so no group is to blame. */
struct tn_sg_stats_key {
	__u32 slot;  /* port slot */
	__u32 group; /* sg_key */
};

/*
 * TN_MAP_RA (ABI 9): the router advertisement of a network of this host's
 * ports that has a router interface on an IPv6 subnet with ipv6_ra_mode
 * (nf/ra.h). The controller encodes the whole ICMPv6 message into msg
 * (RFC 4861 4.2: header with M/O flags and router lifetime, then source
 * link-layer address, MTU, prefix information and RDNSS options), with the
 * checksum field zero and msg_sum the one's complement sum of its 16-bit
 * words; whoever sends it (the datapath answering a router solicitation,
 * the agent advertising periodically) only adds the Ethernet and IPv6
 * headers and folds the pseudo-header into msg_sum. Source: the router's
 * MAC and its link-local address (EUI-64 of the MAC).
 */
#define TN_RA_MSG_MAX 256 /* bytes of encoded RA message a row holds */

struct tn_ra_key {
	__u32 vni; /* the network */
};

struct tn_ra {
	__u8 src_mac[6];	 /* the router's MAC on the network: Ethernet source */
	__u16 msg_len;		 /* bytes used in msg, 16 .. TN_RA_MSG_MAX, a multiple of 8 */
	__u8 src_ip6[16];	 /* the router's link-local address: IPv6 source */
	__u32 msg_sum;		 /* sum of msg's 16-bit big-endian words, folded to 16 bits */
	__u32 flags;		 /* reserved, zero */
	__u8 msg[TN_RA_MSG_MAX]; /* the ICMPv6 RA with its options, checksum zero */
};

/*
 * TN_MAP_DHCP6 (ABI 9): the DHCPv6 answer of a port bound to this host
 * (nf/dhcp6.h), the IPv6 analogue of tn_dhcp. With TN_DHCP6_F_STATEFUL
 * (dhcpv6-stateful) an IA_NA gets addr; without it (dhcpv6-stateless) only
 * configuration is given. The server's DUID is DUID-LL of server_mac, its
 * address the link-local address of server_mac. opts holds the encoded
 * options that do not depend on the request (DNS servers, RFC 3646). A
 * port without a row is not answered (TN_DROP_DHCP6_NO_LEASE); a row with
 * TN_DHCP6_F_PASS (enable_dhcp off) lets its requests go on to L2.
 */
#define TN_DHCP6_OPTS_MAX 128 /* bytes of pre-encoded options a row holds */

struct tn_dhcp6_key {
	__u32 port_id; /* the port's port_key, as tn_ifport.port_id */
};

struct tn_dhcp6 {
	__u8 addr[16];		      /* stateful: the port's fixed IPv6 on the subnet; else zero */
	__u8 server_mac[6];	      /* replies' Ethernet source, DUID-LL and link-local source */
	__u16 opts_len;		      /* bytes used in opts, <= TN_DHCP6_OPTS_MAX */
	__u32 flags;		      /* TN_DHCP6_F_* */
	__be32 preferred;	      /* IA address preferred lifetime, seconds */
	__be32 valid;		      /* IA address valid lifetime, seconds */
	__be32 t1;		      /* IA_NA T1 (renew), seconds */
	__be32 t2;		      /* IA_NA T2 (rebind), seconds */
	__u8 opts[TN_DHCP6_OPTS_MAX]; /* encoded options (code, length, data)... */
};

#define TN_DHCP6_F_STATEFUL 0x1 /* dhcpv6-stateful: IA_NA answered with addr */
#define TN_DHCP6_F_PASS	    0x2 /* DHCP disabled on the subnet: requests go on to L2 */

/*
 * Live migration of a port (ABI 10). The controller moves a port from a
 * source host to a destination host make-before-break: it compiles the
 * port's local rows (tn_lport, local tn_fdb, tn_arp / tn_nd, tn_dhcp,
 * identity) on the destination as if the port were bound there, with a
 * tn_migrate row flagged TN_MIG_F_STANDBY naming the source, and gives the
 * source, which keeps its own local rows, a row flagged TN_MIG_F_SOURCE
 * naming the destination. Each migration of a port has a new generation.
 *
 * Datapath (nf/migrate.h): on the destination, the first frame from the
 * port (a gratuitous ARP, a RARP, data) that passes port security
 * activates it: tn_mig_active[port] = {generation, now}, and a struct
 * tn_mig_event goes into tn_events for the agent, which tells the
 * controller (no round trip is needed to activate). Until then frames from
 * local senders to the port go to the source host, and frames from the
 * tunnel to it are dropped (TN_DROP_MIG_STANDBY); once active it is
 * delivered locally. On the source, a frame to the port is copied to the
 * destination (through the vxlan device, as flood copies) and delivered
 * locally while its interface is there; a frame that came from the
 * destination is never sent back (TN_DROP_MIG_LOOP when it cannot be
 * delivered locally). The destination accepts such relayed frames from the
 * source host (tn_tun_src) although their inner source lives elsewhere.
 */
struct tn_migrate_key {
	__u32 port_id; /* the migrating port (tn_lport_key.port_id) */
};

struct tn_migrate {
	__u32 generation; /* this migration of the port, > 0, new for each */
	__u32 flags;	  /* TN_MIG_F_*: exactly one of STANDBY and SOURCE */
	__be32 peer_ip4;  /* STANDBY: the source host's underlay IPv4; SOURCE: the
			   * destination's */
	__u32 pad;	  /* zero */
};

#define TN_MIG_F_STANDBY 0x1 /* this host is the destination, the port not active yet */
#define TN_MIG_F_SOURCE	 0x2 /* this host is the source */
#define TN_MIG_F_GENEVE	 0x4 /* reach the peer by Geneve (as TN_FDB_F_GENEVE) */

/* TN_MAP_MIG_ACTIVE: written by the datapath at activation, read and
 * cleaned by the agent (never compiled, like tn_ct). */
struct tn_mig_active_key {
	__u32 port_id;
};

struct tn_mig_active {
	__u32 generation;   /* the tn_migrate generation activated */
	__u32 pad;	    /* zero */
	__u64 activated_ns; /* bpf_ktime_get_ns() of the activating frame */
};

#define TN_MAX_MIGRATIONS TN_MAX_PORTS /* tn_migrate / tn_mig_active rows (a drain) */

/*
 * An activation, as tn_events carries it beside the drop events (struct
 * tn_drop_event). Ring records are told apart by their size (asserted
 * different below) and kind.
 */
#define TN_EV_MIG_ACTIVE 1 /* struct tn_mig_event.kind: a standby port activated */

struct tn_mig_event {
	__u64 ts_ns;	  /* bpf_ktime_get_ns() of the activation */
	__u32 kind;	  /* TN_EV_MIG_* */
	__u32 port_id;	  /* the port */
	__u32 generation; /* the migration generation activated */
	__u32 pad;	  /* zero */
};

/* TN_MAP_STATS: percpu array indexed by enum tn_stat. */
enum tn_stat {
	TN_STAT_RX_VIF = 0,   /* packets from local ports */
	TN_STAT_RX_TUNNEL,    /* packets from the tunnel */
	TN_STAT_TX_LOCAL,     /* delivered to a local port */
	TN_STAT_TX_TUNNEL,    /* sent to a remote host */
	TN_STAT_ARP_REPLY,    /* ARP requests (and, ABI 8, neighbor solicitations) answered */
	TN_STAT_FLOOD,	      /* broadcast / unknown unicast replicated */
	TN_STAT_ROUTED,	      /* ABI 8: IPv4 (ABI 9: and IPv6) packets routed by the L3 stage */
	TN_STAT_ICMP_SENT,    /* ICMP and ICMPv6 answers of routers (echo replies, errors) */
	TN_STAT_DHCP_REPLY,   /* DHCP OFFER, ACK and NAK sent to local ports */
	TN_STAT_DHCP_RELEASE, /* DHCP RELEASE and DECLINE taken (never answered) */
	TN_STAT_RA_SENT,      /* ABI 9: router solicitations answered with an RA */
	TN_STAT_DHCP6_REPLY,  /* ABI 9: DHCPv6 Advertise and Reply sent to local ports */
	/* ABI 10: live migration */
	TN_STAT_MIG_ACTIVATED, /* a standby port activated here (its first packet) */
	TN_STAT_MIG_TO_SOURCE, /* frames for a standby port sent to the source host */
	TN_STAT_MIG_COPY,      /* frames for a source port copied to the destination host */
	TN_STAT_MIG_RARP,      /* RARP announcements of migrating ports taken (not forwarded) */
	/* drop reasons */
	TN_DROP_FIRST,
	TN_DROP_MALFORMED = TN_DROP_FIRST, /* truncated or bad headers */
	TN_DROP_NO_PORT,		   /* ingress ifindex is not a known port */
	TN_DROP_SPOOF_MAC,		   /* source MAC is not the port's */
	TN_DROP_NO_FDB,			   /* unicast with no destination and no flood list */
	TN_DROP_UNKNOWN_PEER,		   /* tunnel packet from a non-enrolled host */
	TN_DROP_BAD_VNI,		   /* tunnel packet with a VNI the peer may not send */
	TN_DROP_NO_TUNNEL_KEY,		   /* bpf_skb_get_tunnel_key failed */
	TN_DROP_TAIL_CALL,		   /* a tail call missed */
	TN_DROP_REDIRECT,		   /* redirect or clone failed */
	TN_DROP_CONFIG,			   /* datapath not configured */
	TN_DROP_TUN_SRC_UNKNOWN,	   /* tunnel: inner source MAC is no port of the network */
	TN_DROP_TUN_SRC_HOST, /* tunnel: inner source MAC is a port not on the sending host */
	TN_DROP_TUN_SRC_IP,   /* tunnel: inner IPv4 (or IPv6) source the sending port may not use */
	TN_DROP_TUN_ARP,      /* tunnel: ARP sender MAC/IPv4 the sending port may not claim */
	/* ABI 5: causes that used to share a reason above */
	TN_DROP_SPOOF_IP,  /* IPv4 source is not one of the port's addresses */
	TN_DROP_SPOOF_ARP, /* ARP sender MAC or IPv4 is not the port's */
	TN_DROP_IPV6,	   /* ABI 5-7: IPv6 from a port with port security; not counted since 8 */
	TN_DROP_ND,	   /* ABI 8: ND options malformed (length 0, too long, too many); ABI
			    * 5-7: any ND from a port with port security */
	TN_DROP_VLAN,	   /* VLAN-tagged frame from a port with port security */
	TN_DROP_TUN_IPV6,  /* tunnel: IPv6 source the sending port may not use (ABI 5-7: any
			    * IPv6 or ND from a remote port with port security) */
	TN_DROP_TUN_VLAN,  /* tunnel: VLAN-tagged frame from a remote port with port security */
	/* ABI 7 */
	TN_DROP_ENCAP, /* back end (b): the frame could not be encapsulated */
	/* ABI 8: the L3 stage; the ICMP error it sends back is TN_STAT_ICMP_SENT */
	TN_DROP_TTL,	      /* IPv4 TTL or IPv6 hop limit expired in routing (ICMP or ICMPv6
			       * time exceeded sent) */
	TN_DROP_NO_ROUTE,     /* no route to the destination (ICMP net unreachable, ICMPv6 no
			       * route, sent) */
	TN_DROP_NO_NEIGH,     /* destination in a connected subnet is no port (ICMP host
			       * unreachable, ICMPv6 address unreachable, sent) */
	TN_DROP_L3_PROTO,     /* to a router: not IPv4 or IPv6, or a packet it does not route
			       * (IPv6: link-local, multicast or unspecified addresses, ND) */
	TN_DROP_ROUTER_LOCAL, /* to a router's own address, not an echo request (IPv4 or IPv6) */
	TN_DROP_TUN_ROUTED,   /* tunnel: routed frame whose source is no port of the sending host */
	TN_DROP_FRAG_NEEDED,  /* IPv4 with DF, or IPv6, too big for the overlay (ICMP
			       * fragmentation needed, ICMPv6 packet too big, sent) */
	/* the DHCP server */
	TN_DROP_DHCP_NO_LEASE, /* DHCP request from a port without a tn_dhcp row */
	TN_DROP_DHCP_BAD,      /* malformed DHCP request (BOOTP header, options, message type) */
	TN_DROP_DHCP_IGNORED,  /* DHCP message a server does not answer (REQUEST for another server)
				*/
	/* IPv6 port security and the ND responder */
	TN_DROP_SPOOF_IP6, /* IPv6 source is not the port's (fixed, link-local, or :: for DAD) */
	TN_DROP_SPOOF_ND,  /* NS source link-layer option, NA target or target link-layer
			    * option not the port's */
	TN_DROP_RA_GUARD,  /* router advertisement or redirect from a port */
	TN_DROP_IP6_EXT,   /* IPv6 extension header chain too long or not accepted */
	TN_DROP_TUN_ND,	   /* tunnel: ND from a remote port claiming what is not its own */
	/* ABI 9: security groups */
	TN_DROP_SG_EGRESS,    /* new flow from a port no rule of its groups allows */
	TN_DROP_SG_INGRESS,   /* new flow to a port no rule of its groups allows */
	TN_DROP_CT_INVALID,   /* TCP not opening a connection (no SYN) with no tracked one; an
			       * ICMP error quoting no tracked flow */
	TN_DROP_SG_REVOKED,   /* tracked connection no longer allowed after a rule change */
	TN_DROP_TUN_IDENTITY, /* tunnel: claimed identity not the source port's, or that
			       * port not on the sending host */
	/* ABI 9: router advertisements and DHCPv6 */
	TN_DROP_RS_BAD,		/* invalid router solicitation (RFC 4861 6.1.1) */
	TN_DROP_DHCP6_NO_LEASE, /* DHCPv6 request from a port without a tn_dhcp6 row */
	TN_DROP_DHCP6_BAD,	/* malformed DHCPv6 request (headers, options, DUID) */
	TN_DROP_DHCP6_IGNORED,	/* DHCPv6 message no server answers (another server's,
				 * a server's message type) */
	/* ABI 9: Geneve */
	TN_DROP_GENEVE_HDR,	 /* Geneve truncated, IPv4/UDP lengths past the packet, version
				  * not 0, an O (control) packet, protocol not Ethernet */
	TN_DROP_GENEVE_OPT_LEN,	 /* Geneve opt_len past the datagram, an option past opt_len,
				  * more than TN_GENEVE_OPTS_MAX options, a bad tenet option */
	TN_DROP_GENEVE_CRITICAL, /* Geneve option with the critical bit that tenet does not know */
	/* ABI 10: live migration */
	TN_DROP_MIG_STANDBY, /* tunnel: frame for a port in standby here, not activated yet */
	TN_DROP_MIG_LOOP,    /* tunnel: frame for a source port from its destination host and
			      * no local interface (never sent back) */
	/* ABI 11 */
	TN_DROP_SG_FRAG, /* IP fragment but the first, to or from a port whose groups are
			  * enforced, whose first fragment was not seen or not let through */
	TN_STAT_MAX
};

/* TN_MAP_PORT_STATS value, per CPU, at the port's slot (zeroed on reuse). */
struct tn_port_stats {
	__u64 rx_packets; /* from the port */
	__u64 rx_bytes;
	__u64 tx_packets; /* delivered to the port */
	__u64 tx_bytes;
	__u64 drops; /* dropped from the port */
};

/* TN_MAP_PORT_DROPS key: drops from the port at slot for one reason; the
 * value is a per-CPU __u64. The agent deletes a slot's rows when it gives
 * the slot out afresh. */
struct tn_port_drop_key {
	__u32 slot; /* port slot, 1 .. TN_MAX_PORT_SLOTS - 1 */
	__u32 reason; /* a TN_DROP_* */
};

/*
 * The drop monitor (`tenetctl monitor`). tn_monitor, an array of one
 * element the agent writes, turns it on; while on, every drop is offered to
 * tn_monitor_drop (bpf/monitor.bpf.c), which keeps one of every `sample`
 * drops per CPU, at most `burst` events per CPU per millisecond, and writes
 * a struct tn_drop_event into the ring buffer tn_events. None of these maps
 * is pinned: a restarted agent starts with the monitor off.
 */
#define TN_MON_SNAP_LEN 96 /* packet bytes an event carries (headers) */
#define TN_MON_RING_SIZE (256 * 1024) /* bytes of tn_events */
#define TN_MON_BURST 8 /* default events per CPU per millisecond */

struct tn_monitor {
	__u32 on; /* 1: drops emit events; 0: off (one array lookup per drop) */
	__u32 port_id; /* only drops from this port (port_id of tn_ifport); 0: all */
	__u32 sample; /* one event for every `sample` drops per CPU; 0 and 1: every drop */
	__u32 burst; /* at most this many events per CPU per ms; 0: TN_MON_BURST */
};

/* Per-CPU state of the sampler and rate limit (percpu array of one). */
struct tn_monitor_cpu {
	__u64 window_ns; /* start of the current 1 ms window (bpf_ktime_get_ns) */
	__u32 n_window; /* events written in that window */
	__u32 seen; /* drops offered (sampling counter) */
	__u32 lost; /* events left out by the rate limit or a full ring since the
		     * last event written on this CPU */
	__u32 pad; /* zero */
};

#define TN_DROP_EV_F_PORT 0x1 /* from a local port: port_id and vni are set */

/* One drop, as the ring buffer carries it (and MONITOR_EVENTS, wire.h). */
struct tn_drop_event {
	__u64 ts_ns; /* bpf_ktime_get_ns(); on the wire: CLOCK_REALTIME ns */
	__u32 port_id; /* ingress port (TN_DROP_EV_F_PORT), else 0 */
	__u32 ifindex; /* interface the packet arrived on (skb->ifindex) */
	__u32 reason; /* a TN_DROP_* */
	__u32 vni; /* network of the ingress port (TN_DROP_EV_F_PORT), else 0 */
	__u32 len; /* packet length */
	__u16 snap_len; /* bytes valid in data: min(len, TN_MON_SNAP_LEN) */
	__u16 flags; /* TN_DROP_EV_F_* */
	__u32 lost; /* events this CPU left out before this one (rate, ring full) */
	__u32 pad; /* zero */
	__u8 data[TN_MON_SNAP_LEN]; /* the packet's first bytes, from the Ethernet header */
};

_Static_assert(sizeof(struct tn_lport_key) == 4, "abi");
_Static_assert(sizeof(struct tn_lport) == 36, "abi");
_Static_assert(sizeof(struct tn_fdb_key) == 12, "abi");
_Static_assert(sizeof(struct tn_fdb) == 32, "abi");
_Static_assert(sizeof(struct tn_arp_key) == 8, "abi");
_Static_assert(sizeof(struct tn_arp) == 20, "abi");
_Static_assert(sizeof(struct tn_flood_key) == 8, "abi");
_Static_assert(sizeof(struct tn_flood) ==
		       8 + 4 * TN_MAX_FLOOD_REMOTE + 10 * TN_MAX_FLOOD_LOCAL,
	       "abi");
_Static_assert(sizeof(struct tn_peer_key) == 4, "abi");
_Static_assert(sizeof(struct tn_peer) == 8, "abi");
_Static_assert(sizeof(struct tn_tun_allow_key) == 8, "abi");
_Static_assert(sizeof(struct tn_tun_allow) == 4, "abi");
_Static_assert(sizeof(struct tn_ifindex_key) == 4, "abi");
_Static_assert(sizeof(struct tn_ifport) == 28, "abi");
_Static_assert(sizeof(struct tn_config) == 32, "abi");
_Static_assert(sizeof(struct tn_nh_key) == 4, "abi");
_Static_assert(sizeof(struct tn_nh) == 8, "abi");
_Static_assert(sizeof(struct tn_route4_key) == 12, "abi");
_Static_assert(sizeof(struct tn_route4) == 20, "abi");
_Static_assert(sizeof(struct tn_dhcp_key) == 4, "abi");
_Static_assert(sizeof(struct tn_dhcp) == 24 + TN_DHCP_OPTS_MAX, "abi");
_Static_assert(sizeof(struct tn_nd_key) == 20, "abi");
_Static_assert(sizeof(struct tn_nd) == 20, "abi");
_Static_assert(sizeof(struct tn_sg_ident_key) == 4, "abi");
_Static_assert(sizeof(struct tn_sg_ident) == 8, "abi");
_Static_assert(sizeof(struct tn_sg_rule_key) == 16, "abi");
_Static_assert(sizeof(struct tn_sg_allow) == 8, "abi");
_Static_assert(sizeof(struct tn_sg_cidr_key) == 28, "abi");
_Static_assert(sizeof(struct tn_sg_cidr) == 8, "abi");
_Static_assert(sizeof(struct tn_sg_pset_key) == 16, "abi");
_Static_assert(sizeof(struct tn_ct_key) == 44, "abi");
_Static_assert(sizeof(struct tn_ct) == 24, "abi");
_Static_assert(sizeof(struct tn_sg_stats_key) == 8, "abi");
_Static_assert(sizeof(struct tn_ra_key) == 4, "abi");
_Static_assert(sizeof(struct tn_ra) == 32 + TN_RA_MSG_MAX, "abi");
_Static_assert(sizeof(struct tn_dhcp6_key) == 4, "abi");
_Static_assert(sizeof(struct tn_dhcp6) == 44 + TN_DHCP6_OPTS_MAX, "abi");
_Static_assert(sizeof(struct tn_route6_key) == 24, "abi");
_Static_assert(sizeof(struct tn_route6) == 44, "abi");
_Static_assert(sizeof(struct tn_port_stats) == 40, "abi");
_Static_assert(sizeof(struct tn_port_drop_key) == 8, "abi");
_Static_assert(sizeof(struct tn_monitor) == 16, "abi");
_Static_assert(sizeof(struct tn_monitor_cpu) == 24, "abi");
_Static_assert(sizeof(struct tn_drop_event) == 40 + TN_MON_SNAP_LEN, "abi");
_Static_assert(sizeof(struct tn_migrate_key) == 4, "abi");
_Static_assert(sizeof(struct tn_migrate) == 16, "abi");
_Static_assert(sizeof(struct tn_mig_active_key) == 4, "abi");
_Static_assert(sizeof(struct tn_mig_active) == 16, "abi");
_Static_assert(sizeof(struct tn_mig_event) == 24, "abi");
_Static_assert(sizeof(struct tn_mig_event) != sizeof(struct tn_drop_event), "ring kinds");

#endif /* TENET_ABI_H */
