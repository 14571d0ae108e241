/* southbound_monitor.c - the drop monitor's southbound side: MONITOR to an
 * agent (southbound_monitor), MONITOR_EVENTS from it to the one receiver
 * (the API's monitor streams, api_monitor.c). Main thread only. */
#include <errno.h>

#include "log.h"
#include "southbound.h"
#include "southbound_int.h"

void southbound_set_monitor_cb(struct southbound *sb, southbound_monitor_cb cb, void *arg)
{
	if (!sb)
		return;
	sb->monitor_cb = cb;
	sb->monitor_arg = arg;
}

int southbound_monitor(struct southbound *sb, const char *host, const struct wire_monitor *req)
{
	struct wire_msg m = {.type = WIRE_MONITOR};
	struct sb_host *h;
	int rc = sb_host_session(sb, host, &h);

	if (rc == -ENOENT)
		return rc;
	if (!req)
		return -EINVAL;
	if (rc)
		return rc;
	m.monitor = *req;
	rc = sb_send(sb, h, &m);
	sb_kick(sb);
	return rc;
}

void sb_monitor_events(struct southbound *sb, struct sb_host *h,
		       const struct wire_monitor_events *ev)
{
	if (!sb->monitor_cb) {
		log_debug("drop events without a receiver host=%s id=%u n=%u", h->name, ev->id,
			  ev->n);
		return;
	}
	sb->monitor_cb(sb->monitor_arg, h->name, ev);
}
