/* reasons.h - the names of the datapath's counters and drop reasons.
 *
 * One table, indexed by enum tn_stat (tenet_abi.h), names every counter of
 * tn_stats and every drop reason (TN_DROP_*) once, with a one-line
 * description. The agent, the controller's API and tenetctl use these names;
 * they are part of the API (stable, lowercase, snake_case). A reason added to
 * the ABI without a name here fails to compile (reasons.c).
 */
#ifndef TENET_REASONS_H
#define TENET_REASONS_H

#include <stdbool.h>
#include <stdint.h>

/* True if stat is a drop reason (TN_DROP_FIRST <= stat < TN_STAT_MAX). */
bool reasons_is_drop(uint32_t stat);

/* The name of stat ("spoof_mac"), or NULL if stat >= TN_STAT_MAX. Static. */
const char *reasons_name(uint32_t stat);

/* The one-line description of stat, or NULL if stat >= TN_STAT_MAX. Static. */
const char *reasons_describe(uint32_t stat);

/* The stat named name; 0 and *stat set, or -ENOENT if no stat has that
 * name, -EINVAL for NULL arguments. */
int reasons_lookup(const char *name, uint32_t *stat);

/* The number of stats (TN_STAT_MAX). */
uint32_t reasons_count(void);

#endif
