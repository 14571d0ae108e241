/* api_trace.c - POST /v1/hosts/NAME/trace: runs one crafted packet
 * through host NAME's datapath (southbound_trace; agent/trace.h) and
 * answers with every stage's step, translated to names, and the verdict.
 *
 * A packet the first host sends through the tunnel is traced on, as it
 * arrives, at the destination host (a second request with the first host
 * as the tunnel's outer source), so a trace between two VMs on two hosts
 * ends where the packet does. Only the node holding a host's southbound
 * session can ask it: elsewhere 409 host_not_connected (in a cluster,
 * the agent talks to one node at a time; ask that one). Main thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <linux/types.h>

#include "api_int.h"
#include "log.h"
#include "reasons.h"
#include "southbound.h"
#include "tenet_abi.h"
#include "wire.h"
#include "../bpf/lib/trace.h"

#define API_TRACE_TIMEOUT_MS 10000 /* per host asked (the first trace loads the copy) */

/* Why a step dropped: the shared description (common/reasons). */
static const char *api_trace_reason(uint32_t stat, const char *unknown)
{
	const char *d = reasons_is_drop(stat) ? reasons_describe(stat) : NULL;

	return d ? d : unknown;
}

static const char *const api_trace_stages[TN_STAGE_MAX] = {
    [TN_STAGE_VIF] = "port lookup",
    [TN_STAGE_PORT_SEC] = "port security",
    [TN_STAGE_ARP] = "ARP responder",
    [TN_STAGE_L2] = "L2 forwarding",
    [TN_STAGE_TUNNEL] = "tunnel ingress",
    [TN_STAGE_TUN_SRC] = "tunnel source check",
    [TN_STAGE_TUN_DELIVER] = "tunnel delivery",
    [TN_STAGE_ENCAP] = "VXLAN encap (BPF)",
    [TN_STAGE_UNDERLAY] = "underlay ingress (BPF decap)",
    [TN_STAGE_L3] = "router",
    [TN_STAGE_DHCP] = "DHCP server",
    [TN_STAGE_ND] = "ND responder",
    [TN_STAGE_FW] = "security groups",
};

/* One trace request in flight (one or two hosts asked). */
struct api_trace {
	struct api *api;
	struct evhttp_request *req;
	char host[WIRE_HOST_MAX];   /* the host being asked now */
	char first[WIRE_HOST_MAX];  /* the host asked first */
	struct wire_trace_req wreq; /* the request sent */
	__be32 src_ip4;		    /* the packet's source IPv4 */
	json_t *body;		    /* the answer being built */
	json_t *hops;		    /* body.hops */
	struct api_trace *next;	    /* api_traces link */
};

/* Traces waiting for an agent (main thread only). */
static struct api_trace *api_traces;

static void api_trace_link(struct api_trace *t)
{
	t->next = api_traces;
	api_traces = t;
}

/* Unlinks and frees t and its answer. */
static void api_trace_free(struct api_trace *t)
{
	struct api_trace **pp = &api_traces;

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	json_decref(t->body);
	free(t);
}

void api_trace_on_close(struct api *api, struct evhttp_connection *evcon)
{
	for (struct api_trace *t = api_traces; t; t = t->next)
		if (t->api == api && t->req && evhttp_request_get_connection(t->req) == evcon)
			t->req = NULL; /* answered into the void when the agent replies */
}

static void api_trace_mac(char out[18], const uint8_t *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static bool api_trace_mac_zero(const uint8_t *m)
{
	static const uint8_t zero[6];

	return memcmp(m, zero, 6) == 0;
}

static void api_trace_ip(char out[INET_ADDRSTRLEN], __be32 ip)
{
	struct in_addr a = {.s_addr = ip};

	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* The port whose port_key is key (new reference), NULL if none. */
static json_t *api_trace_port_by_key(struct api *api, uint32_t key)
{
	json_t *list = NULL, *p, *found = NULL;
	size_t i;

	if (store_list(api->store, MODEL_PORT, NULL, &list))
		return NULL;
	json_array_foreach(list, i, p)
	{
		if (json_integer_value(json_object_get(p, "port_key")) == (json_int_t)key) {
			found = json_incref(p);
			break;
		}
	}
	json_decref(list);
	return found;
}

/* The host whose underlay IPv4 is ip (name into out), false if none. */
static bool api_trace_host_by_ip(struct api *api, __be32 ip, char *out, size_t size)
{
	json_t *list = NULL, *h;
	char want[INET_ADDRSTRLEN];
	bool ok = false;
	size_t i;

	api_trace_ip(want, ip);
	if (store_list(api->store, MODEL_HOST, NULL, &list))
		return false;
	json_array_foreach(list, i, h)
	{
		const char *u = json_string_value(json_object_get(h, "underlay_ip"));

		if (u && strcmp(u, want) == 0) {
			snprintf(out, size, "%s", json_string_value(json_object_get(h, "name")));
			ok = true;
			break;
		}
	}
	json_decref(list);
	return ok;
}

/* "port NAME" (or its id when unnamed) of port_key, or "port_key N". */
static void api_trace_port_name(struct api *api, uint32_t key, char *out, size_t size)
{
	json_t *p = api_trace_port_by_key(api, key);
	const char *name = p ? json_string_value(json_object_get(p, "name")) : NULL;

	if (name && !*name)
		name = json_string_value(json_object_get(p, "id"));
	if (name)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "port_key %" PRIu32, key);
	json_decref(p);
}

/* One step as JSON, with a one-line text. */
static json_t *api_trace_step(struct api_trace *t, const struct tn_trace_step *st)
{
	const char *stage = st->stage < TN_STAGE_MAX && api_trace_stages[st->stage]
				? api_trace_stages[st->stage]
				: "?";
	char text[512], mac[18], ip[INET_ADDRSTRLEN], name[160], entry[256] = "";
	json_t *o;

	api_trace_mac(mac, st->mac);
	api_trace_ip(ip, st->ip4);
	switch (st->key) {
	case TN_TKEY_IFINDEX:
	case TN_TKEY_PORT:
		if (st->found) {
			api_trace_port_name(t->api, st->port_id, name, sizeof(name));
			snprintf(entry, sizeof(entry),
				 "port %s (ifindex %u, vni %u, mac %s, ip %s)", name, st->ifindex,
				 st->vni, mac, ip);
		} else {
			snprintf(entry, sizeof(entry), "ifindex %u: no port", st->ifindex);
		}
		break;
	case TN_TKEY_FDB:
		if (!st->found) {
			snprintf(entry, sizeof(entry), "fdb (vni %u, %s): no entry", st->vni, mac);
			break;
		}
		api_trace_port_name(t->api, st->port_id, name, sizeof(name));
		if (st->flags & TN_FDB_F_ROUTER)
			snprintf(entry, sizeof(entry), "fdb (vni %u, %s) -> router interface",
				 st->vni, mac);
		else if (st->flags & TN_FDB_F_REMOTE)
			snprintf(entry, sizeof(entry), "fdb (vni %u, %s) -> port %s on host %s",
				 st->vni, mac, name, ip);
		else
			snprintf(entry, sizeof(entry),
				 "fdb (vni %u, %s) -> local port %s (ifindex %u)", st->vni, mac,
				 name, st->ifindex);
		break;
	case TN_TKEY_ARP:
		snprintf(entry, sizeof(entry), "arp (vni %u, %s) -> %s", st->vni, ip,
			 st->found ? mac : "no entry");
		break;
	case TN_TKEY_PEER:
		snprintf(entry, sizeof(entry), "peer %s (vni %u): %s", ip, st->vni,
			 st->found ? "enrolled" : "unknown");
		break;
	case TN_TKEY_ROUTE: {
		char nh[INET_ADDRSTRLEN];

		api_trace_ip(nh, st->ifindex);
		if (!st->found)
			snprintf(entry, sizeof(entry), "route (router %u, %s): none", st->port_id,
				 ip);
		else
			snprintf(entry, sizeof(entry), "route (router %u, %s) -> vni %u via %s",
				 st->port_id, ip, st->vni,
				 (st->flags & TN_ROUTE_F_CONNECTED) ? "connected" : nh);
		break;
	}
	case TN_TKEY_ND:
		snprintf(entry, sizeof(entry), "nd (vni %u, NS target) -> %s", st->vni,
			 st->found ? mac : "no entry");
		break;
	case TN_TKEY_NH:
		snprintf(entry, sizeof(entry), "next hop of %s: %s", ip,
			 st->found ? mac : "none (kernel resolves)");
		break;
	case TN_TKEY_DHCP:
		if (st->found)
			snprintf(entry, sizeof(entry), "dhcp answer %s%s", ip,
				 st->flags & TN_DHCP_F_PASS ? " (DHCP off: to L2)" : "");
		else
			snprintf(entry, sizeof(entry), "no dhcp answer for the port");
		break;
	case TN_TKEY_CT:
		api_trace_port_name(t->api, st->port_id, name, sizeof(name));
		snprintf(entry, sizeof(entry),
			 "%s of port %s (identity %u), other end identity %u: %s",
			 st->flags == TN_SG_INGRESS ? "ingress" : "egress", name, st->ifindex,
			 st->ip4, st->found ? "tracked connection" : "not tracked: the rules");
		break;
	default:
		break;
	}
	if (st->verdict == TN_TRACE_DROP)
		snprintf(text, sizeof(text), "%s: %s: DROP (%s)", stage, entry,
			 api_trace_reason(st->stat, "?"));
	else
		snprintf(text, sizeof(text), "%s: %s", stage, entry);
	o = json_pack("{s:s,s:s,s:b,s:s}", "stage", stage, "entry", entry, "found", st->found != 0,
		      "text", text);
	if (st->verdict == TN_TRACE_DROP)
		json_object_set_new(o, "reason",
				    json_string(api_trace_reason(st->stat, "?")));
	return o;
}

static void api_trace_send(struct api_trace *t);

/* Finishes: the answer with its verdict text (stolen). */
static void api_trace_done(struct api_trace *t, int code, char *verdict)
{
	json_object_set_new(t->body, "verdict", json_string(verdict));
	if (t->req)
		api_reply(t->api, t->req, code, json_incref(t->body),
			  store_revision(t->api->store));
	free(verdict);
	api_trace_free(t);
}

/* Appends text to a malloc'd string. */
static char *api_trace_cat(char *a, const char *b)
{
	size_t n = a ? strlen(a) : 0;
	char *r = realloc(a, n + strlen(b) + 1);

	if (!r)
		return a;
	strcpy(r + n, b);
	return r;
}

/* Why the packet stopped, when a step dropped it. */
static void api_trace_drop_text(struct api_trace *t, const struct tn_trace *tr, char *out,
				size_t size)
{
	const struct tn_trace_step *st = tr->n_step ? &tr->step[tr->n_step - 1] : NULL;
	const char *reason = api_trace_reason(tr->stat, "unknown reason");
	const char *stage = st && st->stage < TN_STAGE_MAX && api_trace_stages[st->stage]
				? api_trace_stages[st->stage]
				: "entry";
	char a[18], b[18], ia[INET_ADDRSTRLEN], ib[INET_ADDRSTRLEN];

	if (st && st->stage == TN_STAGE_PORT_SEC && tr->stat == TN_DROP_SPOOF_MAC) {
		api_trace_mac(a, !api_trace_mac_zero(t->wreq.src_mac) ? t->wreq.src_mac : st->mac);
		api_trace_mac(b, st->mac);
		if (strcmp(a, b) != 0) {
			snprintf(out, size,
				 "dropped at port security: source MAC %s is not the port's (%s)",
				 a, b);
			return;
		}
		api_trace_ip(ia, t->src_ip4 ? t->src_ip4 : st->ip4);
		api_trace_ip(ib, st->ip4);
		snprintf(out, size,
			 "dropped at port security: source IPv4 %s is not the port's (%s)", ia, ib);
		return;
	}
	snprintf(out, size, "dropped at %s: %s", stage, reason);
}

/* southbound_trace callback: one host's answer. */
static void api_trace_on_reply(void *arg, int status, const struct wire_trace_reply *r)
{
	struct api_trace *t = arg;
	struct tn_trace tr;
	char line[512], mac[18], ip[INET_ADDRSTRLEN], name[160], host[WIRE_HOST_MAX];
	json_t *hop, *steps;
	char *verdict;

	verdict = json_string_value(json_object_get(t->body, "verdict"))
		      ? strdup(json_string_value(json_object_get(t->body, "verdict")))
		      : NULL;
	if (status || r->err) {
		if (!verdict) { /* the first host: the whole request failed */
			if (!t->req)
				;
			else if (status == -ETIMEDOUT)
				api_error(t->api, t->req, 504, "timeout",
					  "the agent did not answer in time", NULL);
			else if (status)
				api_error(t->api, t->req, 503, "unavailable",
					  "the host's session ended before it answered", NULL);
			else {
				snprintf(line, sizeof(line),
					 "the agent could not run the trace: %s",
					 strerror((int)r->err));
				api_error(t->api, t->req,
					  r->err == EHOSTUNREACH || r->err == ENOENT ? 422 : 500,
					  "trace_failed", line, NULL);
			}
			api_trace_free(t);
			return;
		}
		snprintf(line, sizeof(line), "; on %s: not traced (%s)", t->host,
			 status == -ETIMEDOUT ? "no answer in time"
			 : status	      ? "session ended"
					      : strerror((int)r->err));
		return api_trace_done(t, 200, api_trace_cat(verdict, line));
	}
	memcpy(&tr, r->trace, sizeof(tr));
	steps = json_array();
	for (uint32_t i = 0; i < tr.n_step && i < TN_TRACE_MAX_STEP; i++)
		json_array_append_new(steps, api_trace_step(t, &tr.step[i]));
	api_trace_mac(mac, r->dst_mac);
	hop = json_pack("{s:s,s:s,s:I,s:o}", "host", t->host, "dst_mac", mac, "usec",
			(json_int_t)r->usec, "steps", steps);
	json_array_append_new(t->hops, hop);
	line[0] = '\0';
	switch (tr.verdict) {
	case TN_TRACE_DROP:
		api_trace_drop_text(t, &tr, line, sizeof(line));
		break;
	case TN_TRACE_REDIRECT_PEER: {
		const struct tn_trace_step *st = tr.n_step ? &tr.step[tr.n_step - 1] : NULL;

		api_trace_port_name(t->api, st ? st->port_id : 0, name, sizeof(name));
		snprintf(line, sizeof(line), "delivered to port %s on %s", name, t->host);
		break;
	}
	case TN_TRACE_REDIRECT_NEIGH: /* back end (b), next hop resolved by the kernel */
	case TN_TRACE_REDIRECT:
		if (tr.stat == TN_STAT_ARP_REPLY) {
			snprintf(line, sizeof(line), "answered by the ARP responder on %s",
				 t->host);
			break;
		}
		api_trace_ip(ip, tr.remote_ip4);
		if (!api_trace_host_by_ip(t->api, tr.remote_ip4, host, sizeof(host)))
			snprintf(host, sizeof(host), "%s", ip);
		snprintf(line, sizeof(line), "sent to host %s (%s) VNI %u", host, ip, tr.vni);
		if (!verdict && strcmp(host, ip) != 0) {
			/* follow it: as it arrives at that host through the tunnel */
			json_t *me = NULL;
			const char *u;

			if (store_get(t->api->store, MODEL_HOST, t->host, &me) == 0 &&
			    (u = json_string_value(json_object_get(me, "underlay_ip"))) &&
			    inet_pton(AF_INET, u, &t->wreq.remote_ip4) == 1) {
				json_decref(me);
				t->wreq.vni = tr.vni;
				t->wreq.port_id = 0;
				if (api_trace_mac_zero(t->wreq.src_mac))
					memcpy(t->wreq.src_mac, tr.step[0].mac, 6);
				if (!t->wreq.src_ip4)
					t->wreq.src_ip4 = tr.step[0].ip4;
				memcpy(t->wreq.dst_mac, r->dst_mac, 6);
				json_object_set_new(t->body, "verdict", json_string(line));
				snprintf(t->host, sizeof(t->host), "%s", host);
				free(verdict);
				api_trace_send(t);
				return;
			}
			json_decref(me);
		}
		break;
	case TN_TRACE_FLOOD:
		snprintf(line, sizeof(line), "flooded on %s: %u copies", t->host, tr.n_clone);
		break;
	default:
		snprintf(line, sizeof(line), "no decision recorded on %s", t->host);
		break;
	}
	if (verdict) {
		verdict = api_trace_cat(verdict, "; on ");
		verdict = api_trace_cat(verdict, t->host);
		verdict = api_trace_cat(verdict, ": ");
	}
	api_trace_done(t, 200, api_trace_cat(verdict, line));
}

/* Asks t->host; answers the request itself when that fails. */
static void api_trace_send(struct api_trace *t)
{
	char msg[256];
	const char *v;
	int rc;

	rc = southbound_trace(t->api->sb, t->host, &t->wreq, API_TRACE_TIMEOUT_MS,
			      api_trace_on_reply, t);
	if (!rc)
		return;
	v = json_string_value(json_object_get(t->body, "verdict"));
	if (v) { /* the second host: say what is known */
		snprintf(msg, sizeof(msg), "; on %s: not traced (no session with this node)",
			 t->host);
		api_trace_done(t, 200, api_trace_cat(strdup(v), msg));
		return;
	}
	snprintf(msg, sizeof(msg), "host %s has no agent session with this controller node%s",
		 t->host,
		 rc == -ENOTCONN ? " (in a cluster: ask the node it is connected to)" : "");
	if (t->req)
		api_error(t->api, t->req, rc == -EBUSY ? 503 : 409, "host_not_connected", msg,
			  NULL);
	api_trace_free(t);
}

/* The port named by id or name (new reference); NULL with *ambiguous. */
static json_t *api_trace_port(struct api *api, const char *key, bool *ambiguous)
{
	json_t *list = NULL, *p, *found = NULL;
	size_t i;

	*ambiguous = false;
	if (store_get(api->store, MODEL_PORT, key, &found) == 0)
		return found;
	found = NULL;
	if (store_list(api->store, MODEL_PORT, NULL, &list))
		return NULL;
	json_array_foreach(list, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));

		if (!n || strcmp(n, key) != 0)
			continue;
		if (found) {
			*ambiguous = true;
			json_decref(found);
			found = NULL;
			break;
		}
		found = json_incref(p);
	}
	json_decref(list);
	return found;
}

/* Fills t->wreq from the body; false after an error reply. */
static bool api_trace_parse(struct api *api, struct evhttp_request *req, struct api_trace *t,
			    const json_t *body)
{
	const char *from = json_string_value(json_object_get(body, "from_port"));
	const char *to_ip = json_string_value(json_object_get(body, "to_ip"));
	const char *to_mac = json_string_value(json_object_get(body, "to_mac"));
	const char *src_mac = json_string_value(json_object_get(body, "src_mac"));
	const char *proto = json_string_value(json_object_get(body, "proto"));
	const char *tunnel = json_string_value(json_object_get(body, "from_tunnel"));
	const json_t *dport = json_object_get(body, "dport");
	const char *bound, *ip, *field = NULL, *msg = NULL;
	json_t *port, *net = NULL, *h = NULL;
	bool ambiguous;
	char text[256];

	if (!json_is_object(body) || !from)
		field = "from_port", msg = "from_port (port id or name) is required";
	else if (!to_ip && !to_mac)
		field = "to_ip", msg = "to_ip or to_mac is required";
	else if (to_ip && inet_pton(AF_INET, to_ip, &t->wreq.dst_ip4) != 1)
		field = "to_ip", msg = "to_ip must be an IPv4 address";
	else if (to_mac && model_mac_parse(to_mac, t->wreq.dst_mac))
		field = "to_mac", msg = "to_mac must be xx:xx:xx:xx:xx:xx";
	else if (src_mac && model_mac_parse(src_mac, t->wreq.src_mac))
		field = "src_mac", msg = "src_mac must be xx:xx:xx:xx:xx:xx";
	else if (dport && (!json_is_integer(dport) || json_integer_value(dport) < 0 ||
			   json_integer_value(dport) > 65535))
		field = "dport", msg = "dport must be 0..65535";
	else if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "icmp"))
		field = "proto", msg = "proto must be tcp, udp or icmp";
	if (msg) {
		api_error(api, req, 400, "invalid_value", msg, field);
		return false;
	}
	t->wreq.proto = !proto			? (dport ? IPPROTO_TCP : IPPROTO_ICMP)
			: !strcmp(proto, "tcp") ? IPPROTO_TCP
			: !strcmp(proto, "udp") ? IPPROTO_UDP
						: IPPROTO_ICMP;
	t->wreq.dport = dport ? (uint16_t)json_integer_value(dport) : 0;
	port = api_trace_port(api, from, &ambiguous);
	if (!port) {
		api_error(api, req, ambiguous ? 400 : 404, ambiguous ? "ambiguous" : "not_found",
			  ambiguous ? "several ports have that name: give its id" : "no such port",
			  "from_port");
		return false;
	}
	bound = json_string_value(json_object_get(json_object_get(port, "binding"), "host"));
	t->wreq.port_id = (uint32_t)json_integer_value(json_object_get(port, "port_key"));
	ip = json_string_value(
	    json_object_get(json_array_get(json_object_get(port, "fixed_ips"), 0), "ip_address"));
	if (ip)
		inet_pton(AF_INET, ip, &t->src_ip4);
	if (!tunnel && (!bound || strcmp(bound, t->host) != 0)) {
		snprintf(text, sizeof(text), "port %s is bound to %s, not to %s", from,
			 bound ? bound : "no host", t->host);
		msg = text;
	} else if (tunnel && (!bound || strcmp(bound, tunnel) != 0)) {
		snprintf(text, sizeof(text), "port %s is not bound to from_tunnel host %s", from,
			 tunnel);
		msg = text;
	} else if (tunnel) {
		const char *u;

		if (store_get(api->store, MODEL_HOST, tunnel, &h) ||
		    !(u = json_string_value(json_object_get(h, "underlay_ip"))) ||
		    inet_pton(AF_INET, u, &t->wreq.remote_ip4) != 1)
			msg = "no such from_tunnel host";
		else if (store_get(api->store, MODEL_NETWORK,
				   json_string_value(json_object_get(port, "network_id")), &net))
			msg = "the port's network is gone";
		else {
			t->wreq.vni = (uint32_t)json_integer_value(json_object_get(net, "vni"));
			t->wreq.port_id = 0;
			if (!src_mac)
				model_mac_parse(
				    json_string_value(json_object_get(port, "mac_address")),
				    t->wreq.src_mac);
			t->wreq.src_ip4 = t->src_ip4;
		}
	}
	json_decref(port);
	json_decref(net);
	json_decref(h);
	if (msg) {
		api_error(api, req, 400, "invalid_value", msg,
			  tunnel ? "from_tunnel" : "from_port");
		return false;
	}
	return true;
}

/* Reads the JSON body; false after an error reply. */
static bool api_trace_body(struct api *api, struct evhttp_request *req, json_t **body)
{
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(buf);
	json_error_t je;

	if (len > API_MAX_BODY) {
		api_error(api, req, 413, "body_too_large", "body larger than 1 MiB", NULL);
		return false;
	}
	*body =
	    json_loadb((const char *)evbuffer_pullup(buf, -1), len, JSON_REJECT_DUPLICATES, &je);
	if (!*body) {
		api_error(api, req, 400, "invalid_json", "the body must be a JSON object", NULL);
		return false;
	}
	return true;
}

bool api_trace_route(struct api *api, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *name, *end;
	struct api_trace *t;
	json_t *body = NULL, *host = NULL;
	size_t n;

	if (!path || strncmp(path, "/v1/hosts/", 10) != 0)
		return false;
	name = path + 10;
	end = strchr(name, '/');
	if (!end || strcmp(end, "/trace") != 0)
		return false;
	n = (size_t)(end - name);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		api_error(api, req, 405, "method_not_allowed",
			  "method not allowed on this resource", NULL);
		return true;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		api_error(api, req, 500, "internal_error", "out of memory", NULL);
		return true;
	}
	t->api = api;
	t->req = req;
	if (n == 0 || n >= sizeof(t->host) ||
	    (memcpy(t->host, name, n), store_get(api->store, MODEL_HOST, t->host, &host))) {
		api_error(api, req, 404, "not_found", "no such host", "id");
		goto out_free;
	}
	json_decref(host);
	snprintf(t->first, sizeof(t->first), "%s", t->host);
	if (!api->sb) {
		api_error(api, req, 503, "unavailable", "no southbound on this node", NULL);
		goto out_free;
	}
	if (!api_trace_body(api, req, &body) || !api_trace_parse(api, req, t, body))
		goto out_free;
	json_decref(body);
	t->body = json_object();
	t->hops = json_array();
	json_object_set_new(t->body, "hops", t->hops);
	api_trace_link(t);
	api_trace_send(t);
	return true;
out_free:
	json_decref(body);
	free(t);
	return true;
}
