/* observe.h - tenetctl's observability commands: `port stats PORT` and
 * `host drops HOST` (docs/CLI.md). */
#ifndef TENET_CLI_OBSERVE_H
#define TENET_CLI_OBSERVE_H

#include "api.h"
#include "kinds.h"

/* `port stats NAME|ID`: the port's counters and drops by reason; k must be
 * the port kind (else a usage error). Returns a CTL_EXIT_* code. */
int cmd_port_stats(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* `host drops NAME`: the host's datapath counters and drops by reason; k
 * must be the host kind. Returns a CTL_EXIT_* code. */
int cmd_host_drops(struct ctl *ctl, const struct kind *k, int argc, char **argv);

#endif
