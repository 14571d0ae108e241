/* abi_maps.c - the table of the datapath's pinned maps; see abi_maps.h. */
#include "abi_maps.h"

#include <stddef.h>

#include <linux/bpf.h>

#define TN_MAP(id_, pin_, name_, type_, key_, val_, max_, flags_, role_)                           \
	[id_] = {.pin = (pin_),                                                                    \
		 .name = (name_),                                                                  \
		 .type = (type_),                                                                  \
		 .key_size = sizeof(key_),                                                         \
		 .value_size = sizeof(val_),                                                       \
		 .max_entries = (max_),                                                            \
		 .flags = (flags_),                                                                \
		 .role = (role_)}

/* Must say what bpf/lib/maps.h defines: the loader refuses a difference. */
static const struct tn_map_desc tn_maps[TN_MAP_MAX] = {
    TN_MAP(TN_MAP_LPORT, TN_PIN_LPORT, "lport", BPF_MAP_TYPE_HASH, struct tn_lport_key,
	   struct tn_lport, TN_MAX_PORTS, 0, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_FDB, TN_PIN_FDB, "fdb", BPF_MAP_TYPE_HASH, struct tn_fdb_key, struct tn_fdb,
	   TN_MAX_FDB, 0, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_ARP, TN_PIN_ARP, "arp", BPF_MAP_TYPE_HASH, struct tn_arp_key, struct tn_arp,
	   TN_MAX_FDB, 0, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_FLOOD, TN_PIN_FLOOD, "flood", BPF_MAP_TYPE_HASH, struct tn_flood_key,
	   struct tn_flood, TN_MAX_FLOOD_ROWS, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_PEER, TN_PIN_PEER, "peer", BPF_MAP_TYPE_HASH, struct tn_peer_key, struct tn_peer,
	   TN_MAX_PEERS, 0, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_TUN_ALLOW, TN_PIN_TUN_ALLOW, "tun_allow", BPF_MAP_TYPE_HASH,
	   struct tn_tun_allow_key, struct tn_tun_allow, TN_MAX_FDB, 0, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_IFINDEX, TN_PIN_IFINDEX, "ifindex", BPF_MAP_TYPE_HASH, struct tn_ifindex_key,
	   struct tn_ifport, TN_MAX_PORTS, 0, TN_MAP_ROLE_DERIVED),
    TN_MAP(TN_MAP_CONFIG, TN_PIN_CONFIG, "config", BPF_MAP_TYPE_ARRAY, __u32, struct tn_config, 1,
	   0, TN_MAP_ROLE_AGENT),
    TN_MAP(TN_MAP_STATS, TN_PIN_STATS, "stats", BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64,
	   TN_STAT_MAX, 0, TN_MAP_ROLE_DATAPATH),
    TN_MAP(TN_MAP_PORT_STATS, TN_PIN_PORT_STATS, "port_stats", BPF_MAP_TYPE_PERCPU_ARRAY, __u32,
	   struct tn_port_stats, TN_MAX_PORT_SLOTS, 0, TN_MAP_ROLE_DATAPATH),
    TN_MAP(TN_MAP_PORT_DROPS, TN_PIN_PORT_DROPS, "port_drops", BPF_MAP_TYPE_PERCPU_HASH,
	   struct tn_port_drop_key, __u64, TN_MAX_PORT_DROP_ROWS, 0, TN_MAP_ROLE_DATAPATH),
    TN_MAP(TN_MAP_NH, TN_PIN_NH, "nh", BPF_MAP_TYPE_HASH, struct tn_nh_key, struct tn_nh,
	   TN_MAX_PEERS, 0, TN_MAP_ROLE_AGENT),
    TN_MAP(TN_MAP_ROUTE4, TN_PIN_ROUTE4, "route4", BPF_MAP_TYPE_LPM_TRIE, struct tn_route4_key,
	   struct tn_route4, TN_MAX_ROUTES4, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_DHCP, TN_PIN_DHCP, "dhcp", BPF_MAP_TYPE_HASH, struct tn_dhcp_key, struct tn_dhcp,
	   TN_MAX_PORTS, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_ND, TN_PIN_ND, "nd", BPF_MAP_TYPE_HASH, struct tn_nd_key, struct tn_nd,
	   TN_MAX_FDB, 0, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_ROUTE6, TN_PIN_ROUTE6, "route6", BPF_MAP_TYPE_LPM_TRIE, struct tn_route6_key,
	   struct tn_route6, TN_MAX_ROUTES6, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_RA, TN_PIN_RA, "ra", BPF_MAP_TYPE_HASH, struct tn_ra_key, struct tn_ra,
	   TN_MAX_NETS, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_DHCP6, TN_PIN_DHCP6, "dhcp6", BPF_MAP_TYPE_HASH, struct tn_dhcp6_key,
	   struct tn_dhcp6, TN_MAX_PORTS, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_SG_IDENT, TN_PIN_SG_IDENT, "sg_ident", BPF_MAP_TYPE_HASH, struct tn_sg_ident_key,
	   struct tn_sg_ident, TN_MAX_SG_IDENTS, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_SG_RULE, TN_PIN_SG_RULE, "sg_rule", BPF_MAP_TYPE_LPM_TRIE, struct tn_sg_rule_key,
	   struct tn_sg_allow, TN_MAX_SG_RULES, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_SG_CIDR, TN_PIN_SG_CIDR, "sg_cidr", BPF_MAP_TYPE_LPM_TRIE, struct tn_sg_cidr_key,
	   struct tn_sg_cidr, TN_MAX_SG_CIDRS, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_SG_PSET, TN_PIN_SG_PSET, "sg_pset", BPF_MAP_TYPE_LPM_TRIE, struct tn_sg_pset_key,
	   struct tn_sg_allow, TN_MAX_SG_RULES, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_CT, TN_PIN_CT, "ct", BPF_MAP_TYPE_LRU_HASH, struct tn_ct_key, struct tn_ct,
	   TN_MAX_CT, 0, TN_MAP_ROLE_DATAPATH),
    TN_MAP(TN_MAP_SG_STATS, TN_PIN_SG_STATS, "sg_stats", BPF_MAP_TYPE_PERCPU_HASH,
	   struct tn_sg_stats_key, __u64, TN_MAX_SG_STATS_ROWS, 0, TN_MAP_ROLE_DATAPATH),
    TN_MAP(TN_MAP_MIGRATE, TN_PIN_MIGRATE, "migrate", BPF_MAP_TYPE_HASH, struct tn_migrate_key,
	   struct tn_migrate, TN_MAX_MIGRATIONS, BPF_F_NO_PREALLOC, TN_MAP_ROLE_COMPILED),
    TN_MAP(TN_MAP_MIG_ACTIVE, TN_PIN_MIG_ACTIVE, "mig_active", BPF_MAP_TYPE_HASH,
	   struct tn_mig_active_key, struct tn_mig_active, TN_MAX_MIGRATIONS, BPF_F_NO_PREALLOC,
	   TN_MAP_ROLE_DATAPATH),
};

const struct tn_map_desc *tn_map_desc(unsigned id)
{
	if (id < TN_MAP_FIRST || id >= TN_MAP_MAX || !tn_maps[id].pin)
		return NULL;
	return &tn_maps[id];
}

bool tn_map_compiled(unsigned id)
{
	const struct tn_map_desc *d = tn_map_desc(id);

	return d && d->role == TN_MAP_ROLE_COMPILED;
}

bool tn_map_applied(unsigned id)
{
	const struct tn_map_desc *d = tn_map_desc(id);

	return d && (d->role == TN_MAP_ROLE_COMPILED || d->role == TN_MAP_ROLE_DERIVED);
}
