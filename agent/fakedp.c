/* fakedp.c - unpinned stand-in maps for --fake-datapath; see fakedp.h. */
#include "fakedp.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "abi_maps.h"
#include "log.h"
#include "tenet_abi.h"

struct fakedp {
	int fd[TN_MAP_MAX]; /* by enum tn_map_id, -1 when absent */
};

struct fakedp *fakedp_new(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct fakedp *f = calloc(1, sizeof(*f));
	unsigned n = 0;

	if (!f)
		return NULL;
	for (unsigned i = 0; i < TN_MAP_MAX; i++)
		f->fd[i] = -1;
	/* the maps the applier writes, shaped as the datapath's (abi_maps.c)
	 * but never preallocated: a stand-in is created at every start */
	for (unsigned m = TN_MAP_FIRST; m < TN_MAP_MAX; m++) {
		const struct tn_map_desc *d = tn_map_desc(m);

		if (!tn_map_applied(m))
			continue;
		f->fd[m] = bpf_map_create(d->type, d->pin, d->key_size, d->value_size,
					  d->max_entries, &opts);
		if (f->fd[m] < 0) {
			log_err("fake datapath: cannot create map name=%s err=%s", d->pin,
				log_errname(errno));
			fakedp_destroy(&f);
			return NULL;
		}
		n++;
	}
	log_info("fake datapath: %u unpinned maps, no programs, no tunnel device", n);
	return f;
}

void fakedp_map_fds(const struct fakedp *f, struct applier_maps *maps)
{
	size_t i;

	for (i = 0; i < TN_MAP_MAX; i++)
		maps->fd[i] = f->fd[i];
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
