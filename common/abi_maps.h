/*
 * abi_maps.h - the datapath's pinned maps, described once.
 *
 * bpf/lib/maps.h defines the maps for the BPF programs; this table says the
 * same for user space: pin name, type, key and value sizes, capacity, flags
 * and who writes each map. The wire codec takes row sizes from it, the
 * loader checks every loaded map against it (a datapath object that differs
 * is refused), the fake datapath creates its stand-ins from it and the
 * applier walks the maps it owns with it. A new map is one enum value in
 * tenet_abi.h, one definition in maps.h and one line in abi_maps.c.
 */
#ifndef TENET_ABI_MAPS_H
#define TENET_ABI_MAPS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/types.h>

#include "tenet_abi.h"

/* Who writes a map. */
enum tn_map_role {
	TN_MAP_ROLE_COMPILED = 1, /* rows compiled by the controller, written by the applier */
	TN_MAP_ROLE_DERIVED,	  /* written by the applier from compiled rows and links */
	TN_MAP_ROLE_AGENT,	  /* written by the agent itself (configuration) */
	TN_MAP_ROLE_DATAPATH,	  /* written by the BPF programs (counters) */
};

struct tn_map_desc {
	const char *pin;      /* TN_PIN_*: BPF map name and pin file name */
	const char *name;     /* short name: metrics, logs */
	uint32_t type;	      /* enum bpf_map_type */
	uint32_t key_size;    /* sizeof the ABI key */
	uint32_t value_size;  /* sizeof the ABI value (per CPU for per-CPU maps) */
	uint32_t max_entries; /* capacity */
	uint32_t flags;	      /* map_flags (BPF_F_NO_PREALLOC ...) */
	enum tn_map_role role;
};

/* The description of map id (enum tn_map_id), NULL when id names none. */
const struct tn_map_desc *tn_map_desc(unsigned id);

/* Whether the controller compiles rows for map id. */
bool tn_map_compiled(unsigned id);

/* Whether the applier writes map id (compiled or derived): the maps an
 * applier needs and a fake datapath provides. */
bool tn_map_applied(unsigned id);

/* Every map id, in order: for (unsigned m = TN_MAP_FIRST; m < TN_MAP_MAX; m++). */
#define TN_MAP_FIRST TN_MAP_LPORT

#endif
