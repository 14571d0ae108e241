/* applier_slots.c - the ports' counter slots; see applier_int.h.
 *
 * A resolved port counts into its own slot of tn_port_stats (and
 * tn_port_drops, tn_sg_stats), 1 .. TN_MAX_PORT_SLOTS - 1, written into its tn_ifindex
 * entry, its local FDB rows and the FLOOD pages that list it. A bitmap says
 * which slots are given out. A slot given afresh has its counters zeroed;
 * one taken back from the pinned tn_ifindex (a restarted agent) keeps them.
 */
#include "applier_int.h"

#include <errno.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "log.h"
#include "sgmaps.h"

bool applier_slot_take(struct applier *a, uint32_t slot)
{
	uint64_t bit = 1ULL << (slot % 64);

	if (!slot || slot >= TN_MAX_PORT_SLOTS || (a->slot_used[slot / 64] & bit))
		return false;
	a->slot_used[slot / 64] |= bit;
	return true;
}

void applier_slot_put(struct applier *a, uint32_t slot)
{
	if (slot && slot < TN_MAX_PORT_SLOTS)
		a->slot_used[slot / 64] &= ~(1ULL << (slot % 64));
}

uint32_t applier_slot_pinned(struct applier *a, const struct applier_pstate *p)
{
	struct tn_ifport v;

	if (!p->pub.ifindex ||
	    bpf_map_lookup_elem(a->maps.fd[TN_MAP_IFINDEX], &p->pub.ifindex, &v) ||
	    v.port_id != p->pub.port_id)
		return 0;
	return v.slot;
}

/* Zeroes the counters at slot (given to a port afresh). */
static void applier_slot_zero(struct applier *a, uint32_t slot)
{
	int fd = a->maps.fd[TN_MAP_PORT_STATS];
	struct tn_port_stats *zero;

	if (fd >= 0 && a->ncpus > 0) {
		zero = calloc((size_t)a->ncpus, sizeof(*zero));
		if (!zero || bpf_map_update_elem(fd, &slot, zero, BPF_ANY)) {
			a->write_errors++;
			log_err("cannot zero port counters slot=%u err=%s", slot,
				log_errname(zero ? errno : ENOMEM));
		}
		free(zero);
	}
	fd = a->maps.fd[TN_MAP_PORT_DROPS];
	for (uint32_t r = TN_DROP_FIRST; fd >= 0 && r < TN_STAT_MAX; r++) {
		struct tn_port_drop_key k = {.slot = slot, .reason = r};

		bpf_map_delete_elem(fd, &k); /* -ENOENT for most: nothing counted */
	}
	fd = a->maps.fd[TN_MAP_SG_STATS];
	if (fd >= 0 && sgmaps_stats_delete_slot(fd, slot) < 0) {
		a->write_errors++;
		log_err("cannot clear group counters slot=%u err=%s", slot, log_errname(-ENOMEM));
	}
}

uint32_t applier_slot_fresh(struct applier *a, uint32_t port_id)
{
	/* words with a free bit first: 1024 compares at most */
	for (uint32_t w = 0; w < TN_MAX_PORT_SLOTS / 64; w++) {
		uint64_t free_bits = ~a->slot_used[w];
		uint32_t slot;

		if (w == 0)
			free_bits &= ~1ULL; /* slot 0 is "none" */
		if (!free_bits)
			continue;
		slot = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
		applier_slot_take(a, slot);
		applier_slot_zero(a, slot);
		return slot;
	}
	log_warn("no free counter slot port=%u", port_id);
	return 0;
}
