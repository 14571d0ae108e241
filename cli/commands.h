/* commands.h - tenetctl's verbs. Each takes the parsed context and the
 * arguments after the verb, prints its result on stdout (errors on stderr)
 * and returns a CTL_EXIT_* code. Single thread.
 */
#ifndef TENETCTL_COMMANDS_H
#define TENETCTL_COMMANDS_H

#include "api.h"
#include "kinds.h"

/* The value of verb option opt at argv[*i] ("--opt V", *i then moves to
 * V, or "--opt=V"); NULL when argv[*i] is another argument, or is opt
 * without its value: then *bad (when given) is set. */
const char *cmd_opt(int argc, char **argv, int *i, const char *opt, int *bad);

/* list [key=value filters] -> GET /v1/<kinds>?... */
int cmd_list(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* show NAME|ID -> GET /v1/<kinds>/<id> */
int cmd_show(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* create key=value... (or --json) -> POST /v1/<kinds> */
int cmd_create(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* update NAME|ID key=value... (or --json) -> PATCH /v1/<kinds>/<id> */
int cmd_update(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* delete NAME|ID -> DELETE /v1/<kinds>/<id> */
int cmd_delete(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* tenetctl router add-interface|remove-interface ROUTER SUBNET. */
int cmd_router_add_interface(struct ctl *ctl, const struct kind *k, int argc, char **argv);
int cmd_router_remove_interface(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* port migrate PORT --to HOST [--activate] [--timeout MS] [--grace MS],
 * port migrate-activate|migrate-abort PORT, host drain HOST [--activate],
 * host undrain HOST (migrate.c); --wait polls until the migration ends
 * (the drain is done). */
int cmd_port_migrate(struct ctl *ctl, const struct kind *k, int argc, char **argv);
int cmd_port_migrate_activate(struct ctl *ctl, const struct kind *k, int argc, char **argv);
int cmd_port_migrate_abort(struct ctl *ctl, const struct kind *k, int argc, char **argv);
int cmd_host_drain(struct ctl *ctl, const struct kind *k, int argc, char **argv);
int cmd_host_undrain(struct ctl *ctl, const struct kind *k, int argc, char **argv);

/* status -> GET /v1/status */
int cmd_status(struct ctl *ctl, int argc, char **argv);

/* wait REVISION -> GET /v1/wait */
int cmd_wait(struct ctl *ctl, int argc, char **argv);

/* cluster status|add ID ADDR|remove ID|transfer [ID] -> /v1/cluster
 * (cluster.c); membership changes are sent to the leader. */
int cmd_cluster(struct ctl *ctl, int argc, char **argv);

/* trace HOST --from PORT --to IP|MAC [...] -> POST /v1/hosts/HOST/trace
 * (trace.c) */
int cmd_trace(struct ctl *ctl, int argc, char **argv);

/* monitor HOST [--port PORT] [--seconds N] -> GET /v1/hosts/HOST/monitor,
 * streamed until the seconds pass or Ctrl-C (monitor.c) */
int cmd_monitor(struct ctl *ctl, int argc, char **argv);

/* tenant clone SRC NEW [--bind old=new,...] [--bind-ports],
 * tenant export TENANT [-o FILE], tenant import FILE [--tenant NAME]
 * [--name-prefix P] [--vni-map old=new,...|auto] [--host-map old=new,...]
 * [--no-bind] (tenant.c). Return a CTL_EXIT_* code. */
int cmd_tenant_clone(struct ctl *ctl, const struct kind *k, int argc, char **argv);
int cmd_tenant_export(struct ctl *ctl, const struct kind *k, int argc, char **argv);
int cmd_tenant_import(struct ctl *ctl, const struct kind *k, int argc, char **argv);

#endif
