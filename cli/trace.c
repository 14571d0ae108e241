/* trace.c - tenetctl trace HOST --from PORT --to IP|MAC [--proto tcp|udp|icmp]
 * [--dport N] [--src-mac MAC] [--from-tunnel HOST] -> POST
 * /v1/hosts/HOST/trace; prints every stage of every host the packet
 * passed and the verdict (the last line). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"
#include "output.h"

#define TRACE_USAGE                                                                                \
	"usage: tenetctl trace HOST --from PORT --to IP|MAC [--proto tcp|udp|icmp] [--dport N]\n"  \
	"                      [--src-mac MAC] [--from-tunnel HOST]"

static void trace_print(json_t *out)
{
	json_t *hop, *step;
	size_t h, s;

	json_array_foreach(json_object_get(out, "hops"), h, hop)
	{
		printf("on %s (dst_mac %s, %lld us):\n",
		       json_string_value(json_object_get(hop, "host")),
		       json_string_value(json_object_get(hop, "dst_mac")),
		       (long long)json_integer_value(json_object_get(hop, "usec")));
		json_array_foreach(json_object_get(hop, "steps"), s, step)
		    printf("  %zu. %s\n", s + 1, json_string_value(json_object_get(step, "text")));
	}
	printf("verdict: %s\n", json_string_value(json_object_get(out, "verdict")));
}

int cmd_trace(struct ctl *ctl, int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *proto = NULL, *dport = NULL, *tunnel = NULL,
		   *src_mac = NULL, *v;
	json_t *body, *out = NULL;
	char path[256], *end;
	int i, bad = 0, rc;
	long port;

	if (argc < 1 || argv[0][0] == '-')
		return output_usage_error("%s", TRACE_USAGE);
	for (i = 1; i < argc && !bad; i++) {
		if ((v = cmd_opt(argc, argv, &i, "--from-tunnel", &bad)))
			tunnel = v;
		else if ((v = cmd_opt(argc, argv, &i, "--from", &bad)))
			from = v;
		else if ((v = cmd_opt(argc, argv, &i, "--to", &bad)))
			to = v;
		else if ((v = cmd_opt(argc, argv, &i, "--proto", &bad)))
			proto = v;
		else if ((v = cmd_opt(argc, argv, &i, "--dport", &bad)))
			dport = v;
		else if ((v = cmd_opt(argc, argv, &i, "--src-mac", &bad)))
			src_mac = v;
		else if (!bad)
			return output_usage_error("unknown trace argument '%s'\n%s", argv[i], TRACE_USAGE);
	}
	if (bad || !from || !to)
		return output_usage_error("%s", TRACE_USAGE);
	body = json_pack("{s:s}", "from_port", from);
	json_object_set_new(body, strchr(to, ':') ? "to_mac" : "to_ip", json_string(to));
	if (proto)
		json_object_set_new(body, "proto", json_string(proto));
	if (src_mac)
		json_object_set_new(body, "src_mac", json_string(src_mac));
	if (tunnel)
		json_object_set_new(body, "from_tunnel", json_string(tunnel));
	if (dport) {
		errno = 0;
		port = strtol(dport, &end, 10);
		if (errno || end == dport || *end || port < 0 || port > 65535) {
			json_decref(body);
			return output_usage_error("invalid --dport '%s' (0..65535)", dport);
		}
		json_object_set_new(body, "dport", json_integer(port));
	}
	if (snprintf(path, sizeof(path), "/v1/hosts/%s/trace", argv[0]) >= (int)sizeof(path) ||
	    strchr(argv[0], '/') || strchr(argv[0], '?')) {
		json_decref(body);
		return output_usage_error("invalid host name '%s'", argv[0]);
	}
	rc = api_call(ctl, "POST", path, body, &out, NULL);
	json_decref(body);
	if (rc == CTL_EXIT_OK && ctl->output == CTL_OUT_JSON)
		output_json(stdout, out ? out : json_null());
	else if (rc == CTL_EXIT_OK && out)
		trace_print(out);
	json_decref(out);
	return rc;
}
