/* main.c - tenetctl: command-line client of the tenet REST API.
 *
 * tenetctl [options] <resource> <verb> [args...] | status | wait REVISION
 * Options may appear anywhere before "--". Exit codes: see api.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "commands.h"
#include "observe.h"
#include "http.h"
#include "kinds.h"
#include "version.h"

#define CTL_DEFAULT_API	    "http://127.0.0.1:8080"
#define CTL_DEFAULT_TIMEOUT 30
#define CTL_MAX_ARGS	    256

/* The command line after option parsing. */
struct ctl_args {
	const char *api;	 /* --api or NULL */
	const char *token;	 /* --token or NULL */
	const char *token_file;	 /* --token-file or NULL */
	const char *cacert;	 /* --cacert or NULL */
	const char *output;	 /* -o value or NULL */
	const char *timeout;	 /* --timeout value or NULL */
	const char *json;	 /* --json value or NULL */
	int wait;		 /* --wait given */
	int help;		 /* -h/--help given */
	int version;		 /* --version given */
	int npos;		 /* positional arguments in pos[] */
	char *pos[CTL_MAX_ARGS]; /* positional arguments, in order */
};

static const char ctl_usage_text[] =
    "usage: tenetctl [options] <resource> <verb> [args...]\n"
    "       tenetctl [options] status\n"
    "       tenetctl [options] wait REVISION\n"
    "       tenetctl [options] trace HOST --from PORT --to IP|MAC [--proto tcp|udp|icmp]\n"
    "                [--dport N] [--src-mac MAC] [--from-tunnel HOST]\n"
    "       tenetctl [options] monitor HOST [--port PORT] [--seconds N]\n"
    "       tenetctl [options] cluster status|add ID RAFT/API|remove ID|transfer [ID]\n"
    "\n"
    "resources: tenant, network, subnet, port, host, router, router_interface,\n"
    "           security_group, security_group_rule\n"
    "verbs:\n"
    "  list [tenant_id=X] [network_id=X]   list objects (filters take names or ids)\n"
    "  show NAME|ID                        show one object\n"
    "  create key=value... [--json BODY]   create an object\n"
    "  update NAME|ID key=value...         change fields of an object\n"
    "  delete NAME|ID                      delete an object\n"
    "  stats NAME|ID                       port: packets, bytes, drops by reason\n"
    "  drops NAME                          host: datapath counters, drops by reason\n"
    "  add-interface ROUTER SUBNET         router: join a subnet at its gateway_ip\n"
    "  remove-interface ROUTER SUBNET      router: leave it\n"
    "  clone SRC NEW [--bind old=new,...] [--bind-ports]\n"
    "                                      tenant: copy the whole topology in one write\n"
    "  export TENANT [-o FILE]             tenant: its topology as a tenet.tenant/v1 document\n"
    "  import FILE [--tenant NAME] [--name-prefix P] [--vni-map old=new,...|auto]\n"
    "         [--host-map old=new,...] [--no-bind]\n"
    "                                      tenant: create one from an export\n"
    "  migrate PORT --to HOST [--activate] [--timeout MS] [--grace MS]\n"
    "                                      port: live-migrate to HOST (--wait: until done)\n"
    "  migrate-activate PORT               port: activate a migration in standby\n"
    "  migrate-abort PORT                  port: roll back a migration not yet active\n"
    "  drain HOST [--activate]             host: migrate every port away (--wait: progress)\n"
    "  undrain HOST                        host: take migrations again\n"
    "\n"
    "options:\n"
    "  --api URL[,URL..]  API base URL(s), one per cluster node (default $TENET_API, else\n"
    "                     " CTL_DEFAULT_API "); writes are retried for 10 s on the next\n"
    "                     URL (same Idempotency-Key) when a node fails or has no leader\n"
    "  --token TOKEN      bearer token (default $TENET_TOKEN)\n"
    "  --token-file FILE  read the token from FILE (default $TENET_TOKEN_FILE)\n"
    "  --cacert FILE      CA certificates (PEM) an https:// API is verified with\n"
    "                     (default $TENET_CACERT, else the system's CAs)\n"
    "  -o, --output FMT   table (default) or json\n"
    "  --wait             after a write, wait until every affected host applied it\n"
    "  --timeout SEC      bound for requests and --wait (default 30)\n"
    "  --json BODY        raw JSON body for create/update: '{...}', @file or @-\n"
    "  -h, --help         this help; `tenetctl <resource> --help` for its fields\n"
    "  --version          print the version and exit\n"
    "\n"
    "values: key=value sets a string (booleans and lists where the field is one);\n"
    "        key:=JSON sets any JSON value, e.g. dns_nameservers:='[\"10.0.0.2\"]'\n"
    "exit codes: 0 ok, 1 API error, 2 usage error, 3 --wait timed out,\n"
    "            4 cannot reach the API\n";

static void ctl_help_kind(FILE *out, const struct kind *k)
{
	const struct kind_field *f;

	fprintf(out, "usage: tenetctl [options] %s list%s%s\n", k->name, *k->filters ? " [" : "",
		*k->filters ? "FILTER=NAME|ID ...]" : "");
	fprintf(out, "       tenetctl [options] %s show|delete NAME|ID\n", k->name);
	fprintf(out, "       tenetctl [options] %s create key=value... [--json BODY]\n", k->name);
	fprintf(out, "       tenetctl [options] %s update NAME|ID key=value...\n", k->name);
	if (*k->filters)
		fprintf(out, "\nlist filters: %s\n", k->filters);
	fprintf(out, "\nfields:\n");
	for (f = k->fields; f->key; f++)
		fprintf(out, "  %-22s %s\n", f->key, f->help);
	fprintf(out, "\nSee tenetctl --help for the options.\n");
}

/* Takes the value of option argv[*i] ("--opt=v" or "--opt v"). */
static const char *ctl_opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(name, "-o") == 0 && argv[*i][2] != '\0')
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Matches option arg against a long and optional short name. */
static int ctl_is_opt(const char *arg, const char *lng, const char *shrt)
{
	size_t n = strlen(lng);

	if (strncmp(arg, lng, n) == 0 && (arg[n] == '\0' || arg[n] == '='))
		return 1;
	return shrt && strncmp(arg, shrt, strlen(shrt)) == 0;
}

/* True for an option of tenant clone, export or import (given after the
 * verb): --bind, --bind-ports; -o FILE; --tenant, --name-prefix,
 * --vni-map, --host-map, --no-bind. */
static bool ctl_tenant_own(const struct ctl_args *a, const char *arg)
{
	static const char *const own[] = {"--bind",    "--bind-ports", "--tenant",  "--name-prefix",
					  "--vni-map", "--host-map",   "--no-bind", NULL};
	const char *verb = a->npos >= 2 ? a->pos[1] : "";

	if (a->npos < 2 || strcmp(a->pos[0], "tenant") != 0 || a->npos >= CTL_MAX_ARGS - 1)
		return false;
	if (strcmp(verb, "export") == 0)
		return strcmp(arg, "-o") == 0 || strncmp(arg, "--output", 8) == 0;
	if (strcmp(verb, "clone") != 0 && strcmp(verb, "import") != 0)
		return false;
	for (int i = 0; own[i]; i++)
		if (ctl_is_opt(arg, own[i], NULL))
			return true;
	return false;
}

static int ctl_parse(int argc, char **argv, struct ctl_args *a)
{
	static const struct {
		const char *lng, *shrt;
		size_t off;
	} opts[] = {
	    {"--api", NULL, offsetof(struct ctl_args, api)},
	    {"--token-file", NULL, offsetof(struct ctl_args, token_file)},
	    {"--token", NULL, offsetof(struct ctl_args, token)},
	    {"--cacert", NULL, offsetof(struct ctl_args, cacert)},
	    {"--output", "-o", offsetof(struct ctl_args, output)},
	    {"--timeout", NULL, offsetof(struct ctl_args, timeout)},
	    {"--json", NULL, offsetof(struct ctl_args, json)},
	};
	int i, only_pos = 0;
	size_t o;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (a->npos >= CTL_MAX_ARGS)
				return -E2BIG;
			a->pos[a->npos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = 1;
		} else if (strcmp(arg, "--wait") == 0) {
			a->wait = 1;
		} else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			a->help = 1;
		} else if (strcmp(arg, "--version") == 0) {
			a->version = 1;
		} else if (ctl_tenant_own(a, arg)) {
			a->pos[a->npos++] = argv[i]; /* tenant clone/export/import's own options */
			if (!strchr(arg, '=') && strcmp(arg, "--bind-ports") != 0 &&
			    strcmp(arg, "--no-bind") != 0 && i + 1 < argc && a->npos < CTL_MAX_ARGS)
				a->pos[a->npos++] = argv[++i];
		} else {
			for (o = 0; o < sizeof(opts) / sizeof(opts[0]); o++)
				if (ctl_is_opt(arg, opts[o].lng, opts[o].shrt))
					break;
			if ((o == sizeof(opts) / sizeof(opts[0]) || strcmp(arg, "--timeout") == 0 ||
			     strncmp(arg, "--timeout=", 10) == 0) &&
			    a->npos >= 2 && strcmp(a->pos[0], "port") == 0 &&
			    strcmp(a->pos[1], "migrate") == 0 && a->npos < CTL_MAX_ARGS) {
				a->pos[a->npos++] = argv[i]; /* migrate's own options */
				continue;
			}
			if (o == sizeof(opts) / sizeof(opts[0]) && a->npos >= 2 &&
			    strcmp(a->pos[0], "host") == 0 && strcmp(a->pos[1], "drain") == 0 &&
			    strcmp(arg, "--activate") == 0 && a->npos < CTL_MAX_ARGS) {
				a->pos[a->npos++] = argv[i];
				continue;
			}
			if (o == sizeof(opts) / sizeof(opts[0]) && a->npos &&
			    (strcmp(a->pos[0], "trace") == 0 ||
			     strcmp(a->pos[0], "monitor") == 0) &&
			    a->npos < CTL_MAX_ARGS) {
				a->pos[a->npos++] = argv[i]; /* trace's and monitor's own options */
				continue;
			}
			if (o == sizeof(opts) / sizeof(opts[0])) {
				fprintf(stderr, "error: unknown option '%s'\n", arg);
				return -EINVAL;
			}
			*(const char **)((char *)a + opts[o].off) = ctl_opt_value(
			    argc, argv, &i, opts[o].shrt ? opts[o].shrt : opts[o].lng);
			if (!*(const char **)((char *)a + opts[o].off)) {
				fprintf(stderr, "error: option '%s' needs a value\n", arg);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Reads the first line of path into a new string, trailing space cut. */
static char *ctl_read_token(const char *path)
{
	char buf[1024];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "error: cannot read token file %s: %s\n", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
			 buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return strdup(buf);
}

/* Token precedence: --token, $TENET_TOKEN, --token-file, $TENET_TOKEN_FILE.
 * Returns 0 with *token (caller frees; NULL when none) or -errno. */
static int ctl_token(const struct ctl_args *a, char **token)
{
	const char *file = a->token_file ? a->token_file : getenv("TENET_TOKEN_FILE");

	*token = NULL;
	if (a->token)
		*token = strdup(a->token);
	else if (getenv("TENET_TOKEN") && *getenv("TENET_TOKEN"))
		*token = strdup(getenv("TENET_TOKEN"));
	else if (file && *file)
		return (*token = ctl_read_token(file)) ? 0 : -EIO;
	return 0;
}

static int ctl_settings(const struct ctl_args *a, struct ctl *ctl)
{
	char *end;
	long t;

	ctl->cacert = a->cacert ? a->cacert : getenv("TENET_CACERT");
	if (ctl->cacert && !*ctl->cacert)
		ctl->cacert = NULL;
	ctl->api_url = a->api ? a->api : getenv("TENET_API");
	if (!ctl->api_url || !*ctl->api_url)
		ctl->api_url = CTL_DEFAULT_API;
	ctl->output = CTL_OUT_TABLE;
	if (a->output && strcmp(a->output, "json") == 0) {
		ctl->output = CTL_OUT_JSON;
	} else if (a->output && strcmp(a->output, "table") != 0) {
		fprintf(stderr, "error: unknown output format '%s' (table or json)\n", a->output);
		return -EINVAL;
	}
	ctl->timeout_sec = CTL_DEFAULT_TIMEOUT;
	if (a->timeout) {
		errno = 0;
		t = strtol(a->timeout, &end, 10);
		if (errno || end == a->timeout || *end || t <= 0 || t > 86400) {
			fprintf(stderr, "error: invalid --timeout '%s' (seconds, 1..86400)\n",
				a->timeout);
			return -EINVAL;
		}
		ctl->timeout_sec = (int)t;
	}
	ctl->wait = a->wait;
	ctl->json_body = a->json;
	return 0;
}

/* Runs the resource verb in a->pos[1] for kind k. */
static int ctl_run_kind(struct ctl *ctl, const struct kind *k, struct ctl_args *a)
{
	static const struct {
		const char *verb;
		int (*fn)(struct ctl *, const struct kind *, int, char **);
	} verbs[] = {
	    {"list", cmd_list},
	    {"ls", cmd_list},
	    {"show", cmd_show},
	    {"get", cmd_show},
	    {"create", cmd_create},
	    {"update", cmd_update},
	    {"set", cmd_update},
	    {"delete", cmd_delete},
	    {"rm", cmd_delete},
	    {"stats", cmd_port_stats},
	    {"drops", cmd_host_drops},
	    {"add-interface", cmd_router_add_interface},
	    {"remove-interface", cmd_router_remove_interface},
	    {"clone", cmd_tenant_clone},
	    {"export", cmd_tenant_export},
	    {"import", cmd_tenant_import},
	    {"migrate", cmd_port_migrate},
	    {"migrate-activate", cmd_port_migrate_activate},
	    {"migrate-abort", cmd_port_migrate_abort},
	    {"drain", cmd_host_drain},
	    {"undrain", cmd_host_undrain},
	};
	static const char *const port_only[] = {"migrate", "migrate-activate", "migrate-abort"};
	size_t v;

	for (v = 0; v < sizeof(port_only) / sizeof(port_only[0]); v++)
		if (strcmp(port_only[v], a->pos[1]) == 0 && strcmp(k->name, "port") != 0)
			goto unknown;
	if ((strcmp(a->pos[1], "drain") == 0 || strcmp(a->pos[1], "undrain") == 0) &&
	    strcmp(k->name, "host") != 0)
		goto unknown;
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(verbs[v].verb, a->pos[1]) == 0 &&
		    (strcmp(k->name, "tenant") == 0 ||
		     (verbs[v].fn != cmd_tenant_clone && verbs[v].fn != cmd_tenant_export &&
		      verbs[v].fn != cmd_tenant_import)))
			return verbs[v].fn(ctl, k, a->npos - 2, a->pos + 2);
unknown:
	fprintf(stderr, "error: unknown verb '%s' for %s\n\n", a->pos[1], k->name);
	ctl_help_kind(stderr, k);
	return CTL_EXIT_USAGE;
}

/* Help and usage errors decided before any connection. Returns -1 to go on. */
static int ctl_early(struct ctl_args *a, const struct kind **k)
{
	const char *first = a->npos > 0 ? a->pos[0] : NULL;

	if (a->version) {
		printf("tenetctl %s\n", TENET_VERSION_FULL);
		return CTL_EXIT_OK;
	}
	if (first && strcmp(first, "help") == 0) {
		a->help = 1;
		first = a->npos > 1 ? a->pos[1] : NULL;
	}
	*k = kind_find(first);
	if (a->help && *k) {
		ctl_help_kind(stdout, *k);
		return CTL_EXIT_OK;
	}
	if (a->help) {
		fputs(ctl_usage_text, stdout);
		return CTL_EXIT_OK;
	}
	if (!first) {
		fputs(ctl_usage_text, stderr);
		return CTL_EXIT_USAGE;
	}
	if (*k && a->npos < 2) {
		fprintf(stderr, "error: missing verb for %s\n\n", (*k)->name);
		ctl_help_kind(stderr, *k);
		return CTL_EXIT_USAGE;
	}
	if (!*k && strcmp(first, "status") != 0 && strcmp(first, "wait") != 0 &&
	    strcmp(first, "cluster") != 0 && strcmp(first, "trace") != 0 &&
	    strcmp(first, "monitor") != 0) {
		fprintf(stderr, "error: unknown resource or command '%s'\n\n%s", first,
			ctl_usage_text);
		return CTL_EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct ctl_args a = {0};
	struct ctl ctl = {0};
	const struct kind *k;
	char *token = NULL;
	const char *err;
	int rc;

	signal(SIGPIPE, SIG_IGN); /* a server closing mid-write is an error, not a signal */
	if (ctl_parse(argc, argv, &a) < 0)
		return CTL_EXIT_USAGE;
	rc = ctl_early(&a, &k);
	if (rc >= 0)
		return rc;
	if (ctl_settings(&a, &ctl) < 0 || ctl_token(&a, &token) < 0)
		return CTL_EXIT_USAGE;
	ctl.http = http_client_new(ctl.api_url, token, ctl.timeout_sec, ctl.cacert, &err);
	ctl.token = token;
	if (!ctl.http) {
		fprintf(stderr, "error: %s: '%s'\n", err, ctl.api_url);
		free(token);
		return CTL_EXIT_USAGE;
	}
	if (k)
		rc = ctl_run_kind(&ctl, k, &a);
	else if (strcmp(a.pos[0], "status") == 0)
		rc = cmd_status(&ctl, a.npos - 1, a.pos + 1);
	else if (strcmp(a.pos[0], "cluster") == 0)
		rc = cmd_cluster(&ctl, a.npos - 1, a.pos + 1);
	else if (strcmp(a.pos[0], "trace") == 0)
		rc = cmd_trace(&ctl, a.npos - 1, a.pos + 1);
	else if (strcmp(a.pos[0], "monitor") == 0)
		rc = cmd_monitor(&ctl, a.npos - 1, a.pos + 1);
	else
		rc = cmd_wait(&ctl, a.npos - 1, a.pos + 1);
	http_client_destroy(&ctl.http);
	free(token);
	return rc;
}
