/* metrics.h - the agent's own HTTP listener for Prometheus (GET /metrics)
 * and health (GET /healthz), on the agent's libevent loop. Loopback by
 * default: the counters name ports and addresses of the host. What the text
 * holds comes from a fill callback (agent.c). Loop thread only.
 */
#ifndef TENET_AGENT_METRICS_H
#define TENET_AGENT_METRICS_H

#include <stdbool.h>

#include <event2/event.h>

#include "prom.h"

/* Default listen address of the agent's metrics. */
#define METRICS_DEFAULT_LISTEN "127.0.0.1:9464"

/* Adds the agent's families to p; 0 or -errno (the scrape answers 500). */
typedef int (*metrics_fill_fn)(void *arg, struct prom *p);

struct metrics;

/* True if listen is "IPv4:PORT". */
bool metrics_listen_valid(const char *listen);

/* Listens on "IP:PORT" on base and serves fill's text. Returns NULL (logged)
 * on a bad address or when the address cannot be bound. */
struct metrics *metrics_new(struct event_base *base, const char *listen, metrics_fill_fn fill,
			    void *arg);

/* The port bound (useful with port 0). */
unsigned metrics_port(const struct metrics *m);

/* Stops listening. Takes NULL; sets *mp to NULL. */
void metrics_destroy(struct metrics **mp);

#endif
