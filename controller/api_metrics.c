/* api_metrics.c - GET /metrics (Prometheus text), /healthz and /readyz, and
 * the per-route request counters and latency histograms behind them (see
 * api_int.h). */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <raft.h>

#include "httpsend.h"
#include "log.h"
#include "prom.h"
#include "raft_node.h"
#include "southbound.h"

#define API_METRICS_SERIES 256 /* (route, code) pairs kept; more count as "other" */
#define API_METRICS_ROUTE  64  /* longest route label */

/* Requests of one route answered with one status. */
struct api_series {
	char route[API_METRICS_ROUTE]; /* e.g. "/v1/ports/{id}" */
	int code;		       /* HTTP status */
	uint64_t n;		       /* requests */
	struct prom_hist latency;      /* accept of the request to its reply */
};

struct api_metrics {
	struct api_series series[API_METRICS_SERIES]; /* in order of first use */
	size_t n_series;			      /* entries used */
};

/* The kinds a route label may name (anything else is "other"), so that the
 * label's values stay few whatever clients send. */
static const char *const api_route_words[] = {
    "tenants", "networks", "subnets", "ports", "hosts", "status",
    "wait",    "changes",  "cluster", "internal",
};

/* The route label of uri: /v1/<word>, /v1/<word>/{id}, /v1/<word>/{id}/<sub>
 * (sub among the words too), /metrics, /healthz, /readyz, or "other". */
static void api_metrics_route(const char *uri, char *out, size_t size)
{
	char path[256], *save = NULL, *seg[4] = {NULL};
	size_t n = 0, i;
	bool known = false;

	snprintf(path, sizeof(path), "%s", uri ? uri : "");
	path[strcspn(path, "?#")] = '\0';
	if (strcmp(path, "/metrics") == 0 || strcmp(path, "/healthz") == 0 ||
	    strcmp(path, "/readyz") == 0) {
		snprintf(out, size, "%.16s", path);
		return;
	}
	for (char *s = strtok_r(path, "/", &save); s && n < 4; s = strtok_r(NULL, "/", &save))
		seg[n++] = s;
	if (n < 2 || n > 4 || strcmp(seg[0], "v1") != 0 || strtok_r(NULL, "/", &save)) {
		snprintf(out, size, "other");
		return;
	}
	for (i = 0; i < sizeof(api_route_words) / sizeof(api_route_words[0]); i++)
		known |= strcmp(seg[1], api_route_words[i]) == 0;
	if (n == 4) {
		bool sub = false;

		for (i = 0; i < sizeof(api_route_words) / sizeof(api_route_words[0]); i++)
			sub |= strcmp(seg[3], api_route_words[i]) == 0;
		/* trace, stats, drops, monitor: fixed words of their own */
		sub |= strcmp(seg[3], "stats") == 0 || strcmp(seg[3], "drops") == 0 ||
		       strcmp(seg[3], "monitor") == 0 || strcmp(seg[3], "trace") == 0;
		if (!sub)
			known = false;
	}
	if (!known)
		snprintf(out, size, "other");
	else if (n == 2)
		snprintf(out, size, "/v1/%.16s", seg[1]);
	else if (n == 3)
		snprintf(out, size, "/v1/%.16s/{id}", seg[1]);
	else
		snprintf(out, size, "/v1/%.16s/{id}/%.16s", seg[1], seg[3]);
}

struct api_metrics *api_metrics_new(void)
{
	return calloc(1, sizeof(struct api_metrics));
}

void api_metrics_destroy(struct api_metrics **mp)
{
	if (!mp || !*mp)
		return;
	free(*mp);
	*mp = NULL;
}

void api_metrics_observe(struct api *api, struct evhttp_request *req, int status)
{
	struct api_metrics *m = api->metrics;
	int64_t start = api_conn_started_us(api, req);
	char route[API_METRICS_ROUTE];
	struct api_series *s = NULL;

	if (!m)
		return;
	api_metrics_route(evhttp_request_get_uri(req), route, sizeof(route));
	for (size_t i = 0; i < m->n_series && !s; i++)
		if (m->series[i].code == status && strcmp(m->series[i].route, route) == 0)
			s = &m->series[i];
	if (!s && m->n_series < API_METRICS_SERIES) {
		s = &m->series[m->n_series++];
		snprintf(s->route, sizeof(s->route), "%s", route);
		s->code = status;
	}
	if (!s) /* full: the last series takes the rest */
		s = &m->series[API_METRICS_SERIES - 1];
	s->n++;
	if (start > 0)
		prom_hist_observe(&s->latency, (uint64_t)(api_conn_now_us() - start));
}

static const char *api_raft_role(int state)
{
	switch (state) {
	case RAFT_FOLLOWER:
		return "follower";
	case RAFT_CANDIDATE:
		return "candidate";
	case RAFT_LEADER:
		return "leader";
	default:
		return "unavailable";
	}
}

/* The request families. */
static int api_metrics_requests(struct api *api, struct prom *p)
{
	struct api_metrics *m = api->metrics;
	char code[8];
	int rc;

	rc = prom_family(p, "tenet_api_requests_total", "counter",
			 "API requests answered, by route and HTTP status");
	for (size_t i = 0; m && i < m->n_series && rc == 0; i++) {
		snprintf(code, sizeof(code), "%d", m->series[i].code);
		rc = prom_sample(p, "tenet_api_requests_total", (double)m->series[i].n, "route",
				 m->series[i].route, "code", code, NULL);
	}
	rc = rc ?: prom_family(p, "tenet_api_request_duration_seconds", "histogram",
			       "From the request to its reply (Raft commit and apply included)");
	for (size_t i = 0; m && i < m->n_series && rc == 0; i++) {
		snprintf(code, sizeof(code), "%d", m->series[i].code);
		rc = prom_hist_emit(p, "tenet_api_request_duration_seconds", &m->series[i].latency,
				    "route", m->series[i].route, "code", code, NULL);
	}
	return rc;
}

/* The replication families. */
static int api_metrics_raft(struct api *api, struct prom *p)
{
	struct raft_node_info info;
	int rc;

	if (!api->raft)
		return 0;
	raft_node_info(api->raft, &info);
	rc = prom_family(p, "tenet_raft_term", "gauge", "Current Raft term");
	rc = rc ?: prom_sample(p, "tenet_raft_term", (double)info.term, NULL);
	rc = rc ?: prom_family(p, "tenet_raft_role", "gauge",
			       "1 for this node's Raft role (follower, candidate, leader)");
	rc = rc ?: prom_sample(p, "tenet_raft_role", 1.0, "role", api_raft_role(info.state), NULL);
	rc = rc ?: prom_family(p, "tenet_raft_commit_index", "gauge", "Raft commit index");
	rc = rc ?: prom_sample(p, "tenet_raft_commit_index", (double)info.commit, NULL);
	rc = rc ?: prom_family(p, "tenet_raft_applied_index", "gauge",
			       "Last Raft entry applied to the store");
	rc = rc ?: prom_sample(p, "tenet_raft_applied_index", (double)info.applied, NULL);
	rc = rc ?: prom_family(p, "tenet_raft_apply_lag", "gauge",
			       "Committed entries not applied yet");
	rc = rc ?: prom_sample(p, "tenet_raft_apply_lag",
			       info.commit > info.applied ? (double)(info.commit - info.applied) : 0,
			       NULL);
	rc = rc ?: prom_family(p, "tenet_raft_leader_known", "gauge",
			       "1 if this node knows a leader");
	return rc ?: prom_sample(p, "tenet_raft_leader_known", info.leader_id ? 1.0 : 0.0, NULL);
}

/* The southbound families: sessions, publish time, hosts' applied revision. */
static int api_metrics_southbound(struct api *api, struct prom *p, uint64_t rev)
{
	struct southbound_host_info hi;
	struct southbound_stats st;
	json_t *hosts = NULL, *h;
	unsigned connected = 0;
	size_t i;
	int rc;

	if (!api->sb)
		return 0;
	southbound_get_stats(api->sb, &st);
	if (store_list(api->store, MODEL_HOST, NULL, &hosts) < 0)
		hosts = json_array();
	rc = prom_family(p, "tenet_host_applied_revision", "gauge",
			 "Last revision each host acknowledged");
	json_array_foreach(hosts, i, h)
	{
		const char *name = json_string_value(json_object_get(h, "name"));

		if (rc || !name)
			continue;
		if (!southbound_host_info(api->sb, name, &hi)) /* never heard of */
			memset(&hi, 0, sizeof(hi));
		connected += hi.connected;
		rc = prom_sample(p, "tenet_host_applied_revision", (double)hi.acked_rev, "host",
				 name, NULL);
	}
	rc = rc ?: prom_family(p, "tenet_host_revision_lag", "gauge",
			       "Revisions a host is behind, counted from its rows' last change");
	json_array_foreach(hosts, i, h)
	{
		const char *name = json_string_value(json_object_get(h, "name"));

		if (rc || !name)
			continue;
		if (!southbound_host_info(api->sb, name, &hi))
			memset(&hi, 0, sizeof(hi));
		rc = prom_sample(p, "tenet_host_revision_lag",
				 hi.dirty_rev > hi.acked_rev ? (double)(rev - hi.acked_rev) : 0,
				 "host", name, NULL);
	}
	json_decref(hosts);
	rc = rc ?: prom_family(p, "tenet_southbound_sessions", "gauge",
			       "Hosts with a live southbound session on this node");
	rc = rc ?: prom_sample(p, "tenet_southbound_sessions", (double)connected, NULL);
	rc = rc ?: prom_family(p, "tenet_southbound_messages_total", "counter",
			       "Southbound messages by direction and kind");
	rc = rc ?: prom_sample(p, "tenet_southbound_messages_total", (double)st.rx_msgs, "dir",
			       "rx", "kind", "handled", NULL);
	rc = rc ?: prom_sample(p, "tenet_southbound_messages_total", (double)st.rx_rejected,
			       "dir", "rx", "kind", "rejected", NULL);
	rc = rc ?: prom_sample(p, "tenet_southbound_messages_total",
			       (double)st.rx_unauthenticated, "dir", "rx", "kind",
			       "unauthenticated", NULL);
	rc = rc ?: prom_sample(p, "tenet_southbound_messages_total", (double)st.tx_snapshots,
			       "dir", "tx", "kind", "snapshot", NULL);
	rc = rc ?: prom_sample(p, "tenet_southbound_messages_total", (double)st.tx_deltas, "dir",
			       "tx", "kind", "delta", NULL);
	rc = rc ?: prom_family(p, "tenet_publish_duration_seconds", "histogram",
			       "Time to recompile the affected hosts and push their deltas");
	return rc ?: prom_hist_emit(p, "tenet_publish_duration_seconds", &st.publish, NULL);
}

/* The connection families. */
static int api_metrics_conns(struct api *api, struct prom *p)
{
	struct api_conn_stats st;
	int rc;

	api_conn_get_stats(api, &st);
	rc = prom_family(p, "tenet_api_connections", "gauge", "API connections open now");
	rc = rc ?: prom_sample(p, "tenet_api_connections", (double)st.open, NULL);
	rc = rc ?: prom_family(p, "tenet_api_connections_closed_total", "counter",
			       "API connections closed by the server, by why");
	rc = rc ?: prom_sample(p, "tenet_api_connections_closed_total", (double)st.evicted,
			       "why", "evicted", NULL);
	rc = rc ?: prom_sample(p, "tenet_api_connections_closed_total", (double)st.timed_out,
			       "why", "deadline", NULL);
	rc = rc ?: prom_sample(p, "tenet_api_connections_closed_total", (double)st.refused,
			       "why", "refused", NULL);
	return rc;
}

int api_metrics_serve(struct api *api, struct evhttp_request *req)
{
	uint64_t rev = store_revision(api->store);
	struct prom *p = prom_new();
	const char *text;
	size_t len;
	int rc = p ? 0 : -ENOMEM;

	rc = rc ?: prom_family(p, "tenet_revision", "gauge", "Revision of this node's store");
	rc = rc ?: prom_sample(p, "tenet_revision", (double)rev, NULL);
	rc = rc ?: api_metrics_raft(api, p);
	rc = rc ?: api_metrics_southbound(api, p, rev);
	rc = rc ?: api_metrics_conns(api, p);
	rc = rc ?: api_metrics_requests(api, p);
	if (rc < 0) {
		log_err("cannot build /metrics err=%s", strerror(-rc));
	} else {
		api_metrics_observe(api, req, 200);
		text = prom_text(p, &len);
		http_send_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	}
	prom_destroy(&p);
	return rc < 0 ? rc : 0;
}

bool api_metrics_health(struct api *api, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct raft_node_info info;
	const char *why = NULL;
	char body[160];

	if (!path || (strcmp(path, "/healthz") != 0 && strcmp(path, "/readyz") != 0))
		return false;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		http_send_text(req, 405, "text/plain", "GET only\n", 9);
		return true;
	}
	if (strcmp(path, "/healthz") == 0) {
		/* the loop answers: the process is alive and not stuck */
		api_metrics_observe(api, req, 200);
		http_send_text(req, 200, "text/plain", "ok\n", 3);
		return true;
	}
	/* ready: serving writes is possible (a leader is known) and reads are
	 * current (everything committed is applied, give or take a batch) */
	if (api->raft)
		raft_node_info(api->raft, &info);
	if (!api->raft)
		why = "replication is not running";
	else if (!info.leader_id)
		why = "no Raft leader known";
	else if (info.commit > info.applied + 64)
		why = "applying the Raft log";
	if (why)
		snprintf(body, sizeof(body), "not ready: %s\n", why);
	else
		snprintf(body, sizeof(body), "ready\n");
	api_metrics_observe(api, req, why ? 503 : 200);
	http_send_text(req, why ? 503 : 200, "text/plain", body, strlen(body));
	return true;
}
