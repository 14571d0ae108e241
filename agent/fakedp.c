/* fakedp.c - unpinned stand-in maps for --fake-datapath; see fakedp.h. */
#include "fakedp.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "log.h"
#include "tenet_abi.h"

struct fakedp {
	int fd[TN_MAP_MAX]; /* by enum tn_map_id, -1 when absent */
};

/* Shape of one stand-in map. */
struct fakedp_map {
	int id;		   /* enum tn_map_id */
	const char *name;  /* BPF map name (the pin name) */
	__u32 key_size;	   /* sizeof the ABI key */
	__u32 value_size;  /* sizeof the ABI value */
	__u32 max_entries; /* as the datapath's */
};

static const struct fakedp_map fakedp_maps[] = {
    {TN_MAP_LPORT, TN_PIN_LPORT, sizeof(struct tn_lport_key), sizeof(struct tn_lport),
     TN_MAX_PORTS},
    {TN_MAP_FDB, TN_PIN_FDB, sizeof(struct tn_fdb_key), sizeof(struct tn_fdb), TN_MAX_FDB},
    {TN_MAP_ARP, TN_PIN_ARP, sizeof(struct tn_arp_key), sizeof(struct tn_arp), TN_MAX_FDB},
    {TN_MAP_FLOOD, TN_PIN_FLOOD, sizeof(struct tn_flood_key), sizeof(struct tn_flood),
     TN_MAX_FLOOD_ROWS},
    {TN_MAP_PEER, TN_PIN_PEER, sizeof(struct tn_peer_key), sizeof(struct tn_peer), TN_MAX_PEERS},
    {TN_MAP_TUN_ALLOW, TN_PIN_TUN_ALLOW, sizeof(struct tn_tun_allow_key),
     sizeof(struct tn_tun_allow), TN_MAX_FDB},
    {TN_MAP_IFINDEX, TN_PIN_IFINDEX, sizeof(struct tn_ifindex_key), sizeof(struct tn_ifport),
     TN_MAX_PORTS},
};

struct fakedp *fakedp_new(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct fakedp *f = calloc(1, sizeof(*f));
	const struct fakedp_map *m;
	size_t i;

	if (!f)
		return NULL;
	for (i = 0; i < TN_MAP_MAX; i++)
		f->fd[i] = -1;
	for (i = 0; i < sizeof(fakedp_maps) / sizeof(fakedp_maps[0]); i++) {
		m = &fakedp_maps[i];
		f->fd[m->id] = bpf_map_create(BPF_MAP_TYPE_HASH, m->name, m->key_size,
					      m->value_size, m->max_entries, &opts);
		if (f->fd[m->id] < 0) {
			log_err("fake datapath: cannot create map name=%s errno=%d", m->name,
				errno);
			fakedp_destroy(&f);
			return NULL;
		}
	}
	log_info("fake datapath: %zu unpinned maps, no programs, no tunnel device", i);
	return f;
}

void fakedp_map_fds(const struct fakedp *f, struct applier_maps *maps)
{
	size_t i;

	for (i = 0; i < sizeof(maps->fd) / sizeof(maps->fd[0]); i++)
		maps->fd[i] = i < TN_MAP_MAX ? f->fd[i] : -1;
}

void fakedp_destroy(struct fakedp **fp)
{
	size_t i;

	if (!fp || !*fp)
		return;
	for (i = 0; i < TN_MAP_MAX; i++) {
		if ((*fp)->fd[i] >= 0)
			close((*fp)->fd[i]);
	}
	free(*fp);
	*fp = NULL;
}
