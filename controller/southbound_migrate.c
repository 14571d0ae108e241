/* southbound_migrate.c - the session layer's part in live migration:
 * telling the driver (migrate.h) what agents report, sending CT_EXPORT and
 * relaying CT_STATE from a migration's source to its destination. */
#include <errno.h>

#include "migrate.h"
#include "southbound.h"
#include "southbound_int.h"

void southbound_set_migrate(struct southbound *sb, struct migrate *mig)
{
	if (sb)
		sb->mig = mig;
}

int southbound_ct_export(struct southbound *sb, const char *host, uint32_t port_key,
			 uint32_t generation, bool final)
{
	(void)port_key;
	(void)generation;
	(void) final;
	if (!sb || !host)
		return -EINVAL;
	return -ENOTSUP; /* until the wire protocol has CT_EXPORT */
}
