/* main.c - tenet-agent: command line, keys, signals; the work is in agent.c.
 *
 *   tenet-agent --host NAME --controller LIST [--controller-key Z85|FILE]
 *               --key FILE --underlay IFACE [--tunnel-dev tenet0]
 *               [--encap kernel|bpf] [--decap auto|tc|xdp]
 *               [--bpffs /sys/fs/bpf] [--state-dir /run/tenet] [--log-level info]
 *   tenet-agent ... --fake-datapath: no datapath, rows go to private maps
 *               (scale benchmarks; --underlay not needed; see fakedp.h)
 *   tenet-agent --genkey FILE [--force]
 *   tenet-agent --host NAME --remove [--tunnel-dev tenet0] [--bpffs ...] [--state-dir ...]
 *
 * LIST names the controllers (the nodes of one cluster), comma-separated:
 * tcp://IP:PORT[@KEY],... where KEY is that node's own public key (Z85);
 * entries without one use --controller-key, which is then required. The
 * agent talks to one node at a time and moves on, round-robin, when it is
 * silent for 3 s or behind the agent's revision (see sbclient.h).
 *
 * The agent's memory comes in transparent huge pages: before anything else
 * it runs itself again (same pid and arguments) with glibc's malloc
 * tunable glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES, so malloc asks
 * the kernel for huge pages for its heap (THP's "madvise" mode, the
 * default, is enough). A snapshot touches megabytes of fresh memory (the
 * message, its rows, a state per port) and every 4 KiB page of it costs a
 * page fault: on a virtual machine that shadows page tables, 11 us each,
 * 12 of a 10,000-port snapshot's 67 ms (docs/BENCHMARKS.md). A
 * GLIBC_TUNABLES that names the tunable already is left alone
 * (glibc.malloc.hugetlb=0 keeps 4 KiB pages); if the second exec fails the
 * agent goes on as it is.
 *
 * Start-up checks every argument before anything is loaded, mounted or
 * pinned: the controller list and key, the host's key (FILE and
 * FILE_secret, made by --genkey; never generated on the fly), the kernel's
 * features (kfeatures.h: one line for each missing one), then (agent.c)
 * the underlay interface. Any failure exits 1 with a message.
 *
 * --genkey FILE creates FILE's directory (0700) if missing, refuses to
 * replace an existing key (FILE, FILE_secret or FILE.pub) unless --force,
 * and writes FILE (czmq certificate, public), FILE_secret (mode 0600) and
 * FILE.pub (the bare Z85 public key and a newline, for `tenetctl host
 * create ... public_key=@FILE.pub`). It prints public_key='KEY' on stdout
 * (single quotes: Z85 has $, &, <, #, ... in its alphabet) and how to enrol
 * it on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <event2/event.h>
#include <sodium.h>

#include "agent.h"
#include "keyfp.h"
#include "kfeatures.h"
#include "loader.h"
#include "fsutil.h"
#include "log.h"
#include "metrics.h"
#include "rasend.h"
#include "sbclient.h"
#include "version.h"

#define MAIN_ZERO_KEY "0000000000000000000000000000000000000000"

/* Parsed command line. */
struct main_opts {
	const char *host;	    /* --host */
	const char *controller;	    /* --controller */
	const char *controller_key; /* --controller-key: Z85 or file */
	const char *key;	    /* --key: own certificate file */
	const char *underlay;	    /* --underlay */
	const char *tunnel_dev;	    /* --tunnel-dev */
	const char *bpffs;	    /* --bpffs */
	const char *state_dir;	    /* --state-dir */
	const char *genkey;	    /* --genkey FILE */
	const char *metrics;	    /* --metrics IP:PORT or "off"; NULL: the default */
	const char *encap;	    /* --encap kernel|bpf */
	const char *decap;	    /* --decap auto|tc|xdp */
	const char *ra_interval;    /* --ra-interval SECONDS */
	int log_level;		    /* --log-level */
	bool remove;		    /* --remove */
	bool fake_datapath;	    /* --fake-datapath (benchmarks) */
	bool force;		    /* --force: --genkey may replace a key */
};

static void main_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: tenet-agent --host NAME --controller LIST [--controller-key Z85|FILE]\n"
	    "                   --key FILE --underlay IFACE [--tunnel-dev tenet0]\n"
	    "                   [--encap kernel|bpf] [--decap auto|tc|xdp]\n"
	    "                   [--bpffs /sys/fs/bpf] [--state-dir /run/tenet] [--log-level info]\n"
	    "                   [--metrics " METRICS_DEFAULT_LISTEN "|IP:PORT|off]\n"
	    "                   [--ra-interval SECONDS]\n"
	    "       tenet-agent --genkey FILE [--force]\n"
	    "       tenet-agent --version\n"
	    "       tenet-agent --host NAME --remove [--tunnel-dev tenet0] [--bpffs DIR]\n"
	    "                   [--state-dir DIR]\n"
	    "  FILE: the host's key, made by --genkey FILE (writes FILE, FILE_secret and\n"
	    "        FILE.pub; never replaces a key unless --force)\n"
	    "  LIST: the controllers, comma-separated, each tcp://IP:PORT or\n"
	    "        tcp://IP:PORT@KEY (KEY: that node's public key, Z85); entries\n"
	    "        without @KEY use --controller-key. One node at a time; the next\n"
	    "        one (round-robin) when it is silent for 3 s or behind the agent.\n"
	    "  --encap: the VXLAN back end. bpf (default): the datapath encapsulates\n"
	    "        unicast IPv4 and decapsulates at the underlay's tc ingress (b), the\n"
	    "        vxlan device taking the rest; kernel: the collect_md vxlan device\n"
	    "        encapsulates (a). Hosts on either interoperate; a restart may switch.\n"
	    "  --decap: where (b) decapsulates. auto (default): also in XDP, before GRO,\n"
	    "        on a real NIC, else at tc only; xdp: in XDP (native mode) or fail;\n"
	    "        tc: at tc only.\n"
	    "  --ra-interval: seconds between unsolicited router advertisements (at\n"
	    "        random from a third of it to it, as radvd), %d .. %d, default %d.\n",
	    RASEND_INTERVAL_MIN, RASEND_INTERVAL_MAX, RASEND_INTERVAL_DEFAULT);
}

/* Options taking a string, by getopt value (1..): where it goes. */
static const size_t main_str_opts[] = {
    0, /* unused: getopt value 0 */
    offsetof(struct main_opts, host),
    offsetof(struct main_opts, controller),
    offsetof(struct main_opts, controller_key),
    offsetof(struct main_opts, key),
    offsetof(struct main_opts, underlay),
    offsetof(struct main_opts, tunnel_dev),
    offsetof(struct main_opts, bpffs),
    offsetof(struct main_opts, state_dir),
    offsetof(struct main_opts, genkey),
    offsetof(struct main_opts, metrics),
    offsetof(struct main_opts, encap),
    offsetof(struct main_opts, decap),
    offsetof(struct main_opts, ra_interval),
};

/* The --ra-interval value s in seconds, 0 when it is no number in range. */
static unsigned main_ra_interval(const char *s)
{
	char *end;
	unsigned long v;

	if (!s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < RASEND_INTERVAL_MIN || v > RASEND_INTERVAL_MAX)
		return 0;
	return (unsigned)v;
}

static int main_parse(int argc, char **argv, struct main_opts *o)
{
	static const struct option longopts[] = {
	    {"host", required_argument, NULL, 1},
	    {"controller", required_argument, NULL, 2},
	    {"controller-key", required_argument, NULL, 3},
	    {"key", required_argument, NULL, 4},
	    {"underlay", required_argument, NULL, 5},
	    {"tunnel-dev", required_argument, NULL, 6},
	    {"bpffs", required_argument, NULL, 7},
	    {"state-dir", required_argument, NULL, 8},
	    {"genkey", required_argument, NULL, 9},
	    {"metrics", required_argument, NULL, 10},
	    {"encap", required_argument, NULL, 11},
	    {"decap", required_argument, NULL, 12},
	    {"ra-interval", required_argument, NULL, 13},
	    {"log-level", required_argument, NULL, 'l'},
	    {"remove", no_argument, NULL, 'r'},
	    {"fake-datapath", no_argument, NULL, 'f'},
	    {"force", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	int c;

	*o = (struct main_opts){.tunnel_dev = "tenet0",
				.bpffs = "/sys/fs/bpf",
				.state_dir = "/run/tenet",
				.log_level = LOG_LVL_INFO};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c > 0 && c < (int)(sizeof(main_str_opts) / sizeof(main_str_opts[0]))) {
			*(const char **)((char *)o + main_str_opts[c]) = optarg;
		} else if (c == 'r') {
			o->remove = true;
		} else if (c == 'f') {
			o->fake_datapath = true;
		} else if (c == 'F') {
			o->force = true;
		} else if (c == 'l') {
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "tenet-agent: bad --log-level %s\n", optarg);
				return -EINVAL;
			}
		} else if (c == 'h') {
			main_usage(stdout);
			exit(0);
		} else if (c == 'V') {
			printf("tenet-agent %s\n", TENET_VERSION_FULL);
			exit(0);
		} else {
			return -EINVAL; /* getopt said why */
		}
	}
	if (o->ra_interval && main_ra_interval(o->ra_interval) == 0) {
		fprintf(stderr, "tenet-agent: bad --ra-interval %s (%d .. %d)\n", o->ra_interval,
			RASEND_INTERVAL_MIN, RASEND_INTERVAL_MAX);
		return -EINVAL;
	}
	if (o->force && !o->genkey) {
		fprintf(stderr, "tenet-agent: --force goes with --genkey only\n");
		return -EINVAL;
	}
	if (o->metrics && strcmp(o->metrics, "off") != 0 && !metrics_listen_valid(o->metrics)) {
		fprintf(stderr, "tenet-agent: bad --metrics %s (IPv4:PORT or off)\n", o->metrics);
		return -EINVAL;
	}
	if (o->encap && strcmp(o->encap, "kernel") != 0 && strcmp(o->encap, "bpf") != 0) {
		fprintf(stderr, "tenet-agent: bad --encap %s (kernel or bpf)\n", o->encap);
		return -EINVAL;
	}
	if (o->decap && strcmp(o->decap, "auto") != 0 && strcmp(o->decap, "tc") != 0 &&
	    strcmp(o->decap, "xdp") != 0) {
		fprintf(stderr, "tenet-agent: bad --decap %s (auto, tc or xdp)\n", o->decap);
		return -EINVAL;
	}
	if (o->decap && strcmp(o->decap, "xdp") == 0 && o->encap &&
	    strcmp(o->encap, "kernel") == 0) {
		fprintf(stderr, "tenet-agent: --decap xdp needs --encap bpf\n");
		return -EINVAL;
	}
	if (optind != argc || o->genkey)
		return optind != argc ? -EINVAL : 0;
	if (!o->host ||
	    (!o->remove && (!o->controller || !o->key || (!o->underlay && !o->fake_datapath)))) {
		fprintf(stderr, "tenet-agent: missing required option\n");
		return -EINVAL;
	}
	return 0;
}

/* The three files of a key at path: FILE, FILE_secret, FILE.pub. */
struct main_key_paths {
	char path[3][PATH_MAX]; /* public certificate, secret, bare Z85 */
};

static int main_key_paths(const char *path, struct main_key_paths *kp)
{
	static const char *const suffix[3] = {"", "_secret", ".pub"};

	for (int i = 0; i < 3; i++)
		if (snprintf(kp->path[i], PATH_MAX, "%s%s", path, suffix[i]) >= PATH_MAX)
			return -ENAMETOOLONG;
	return 0;
}

/* Refuses to replace a key (any of its files), unless force: then removes
 * them, so the new files get fresh modes. Returns 0 or -EEXIST/-errno. */
static int main_genkey_clear(const struct main_key_paths *kp, bool force)
{
	struct stat st;

	for (int i = 0; i < 3; i++) {
		if (lstat(kp->path[i], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr,
				"tenet-agent: %s is a directory: give the key a file name\n",
				kp->path[i]);
			return -EISDIR;
		}
		if (!force) {
			fprintf(stderr,
				"tenet-agent: refusing to replace the existing key %s (the host "
				"may be enrolled with it; --force replaces it)\n",
				kp->path[i]);
			return -EEXIST;
		}
		if (unlink(kp->path[i])) {
			fprintf(stderr, "tenet-agent: cannot remove %s: %s\n", kp->path[i],
				strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* Writes the bare Z85 key and a newline to path. */
static int main_write_pub(const char *path, const char *z85)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s\n", z85);

	if (n < 0 || n >= (int)sizeof(line))
		return -EINVAL;
	return fs_write_atomic(path, line, (size_t)n, 0644);
}

/* Writes a new key pair at path (see the top of this file) and prints its
 * public key. Returns 0 or -errno (printed). */
static int main_genkey(const char *path, bool force)
{
	struct main_key_paths kp;
	char fp[KEYFP_HEX + 1];
	zcert_t *cert = NULL;
	int err;

	err = main_key_paths(path, &kp);
	if (err) {
		fprintf(stderr, "tenet-agent: key path too long: %s\n", path);
		return err;
	}
	err = main_genkey_clear(&kp, force);
	if (!err) {
		err = fs_mkdir_parent(path, 0700); /* the key's directory holds a secret */
		if (err)
			fprintf(stderr, "tenet-agent: cannot create the directory of %s: %s\n",
				path, strerror(-err));
	}
	if (err)
		return err;
	cert = zcert_new();
	if (!cert)
		return -ENOMEM;
	if (zcert_save(cert, path) || chmod(kp.path[1], 0600) ||
	    main_write_pub(kp.path[2], zcert_public_txt(cert))) {
		fprintf(stderr, "tenet-agent: cannot write the key %s: %s\n", path,
			strerror(errno ? errno : EIO));
		err = -EIO;
		goto out_cert;
	}
	keyfp_raw(zcert_public_key(cert), fp);
	printf("public_key='%s'\n", zcert_public_txt(cert));
	fprintf(stderr,
		"tenet-agent: wrote %s, %s (secret, mode 0600) and %s; fingerprint=%s\n"
		"tenet-agent: enrol it: tenetctl host create name=HOST underlay_ip=ADDR "
		"public_key=@%s (or paste the line above)\n",
		kp.path[0], kp.path[1], kp.path[2], fp, kp.path[2]);
out_cert:
	zcert_destroy(&cert);
	return err;
}

/* Loads the certificate at path: path_secret must exist and hold a key
 * pair whose public key (crypto_scalarmult_base of the secret) is its own.
 * No key is ever generated here: a wrong --key would otherwise start the
 * agent under a new, unenrolled identity (--genkey makes one). */
static zcert_t *main_load_cert(const char *path)
{
	uint8_t derived[32];
	char secret[PATH_MAX];
	zcert_t *cert = NULL;

	if (snprintf(secret, sizeof(secret), "%s_secret", path) >= (int)sizeof(secret)) {
		log_err("key path too long path=%s", path);
		return NULL;
	}
	if (access(secret, F_OK) != 0) {
		log_err("no key path=%s (missing %s): give the key made with tenet-agent --genkey "
			"%s and enrolled for this host",
			path, secret, path);
		return NULL;
	}
	cert = zcert_load(path);
	if (!cert || strcmp(zcert_secret_txt(cert), MAIN_ZERO_KEY) == 0 ||
	    crypto_scalarmult_base(derived, zcert_secret_key(cert)) != 0 ||
	    sodium_memcmp(derived, zcert_public_key(cert), sizeof(derived)) != 0) {
		log_err("cannot load key path=%s (%s damaged: no key pair in it)", path, secret);
		zcert_destroy(&cert);
	} else {
		char fp[KEYFP_HEX + 1];

		keyfp_raw(zcert_public_key(cert), fp);
		log_info("host key path=%s fingerprint=%s", path, fp);
	}
	return cert;
}

static bool main_is_z85_key(const char *s)
{
	uint8_t raw[32];

	return strlen(s) == Z85_KEY_LEN && zmq_z85_decode(raw, s) != NULL;
}

/* Reads the controller key: a Z85 string, a file holding one, or a czmq
 * certificate file. Fills out[Z85_KEY_LEN + 1]. */
static int main_server_key(const char *arg, char out[Z85_KEY_LEN + 1])
{
	char buf[4096], *s, *e;
	zcert_t *cert;
	size_t n;
	FILE *f;

	if (main_is_z85_key(arg)) {
		memcpy(out, arg, Z85_KEY_LEN + 1);
		return 0;
	}
	f = fopen(arg, "r");
	if (!f) {
		log_err("controller key is neither Z85 nor a readable file arg=%s", arg);
		return -ENOENT;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (s = buf; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r'); e--)
		*(e - 1) = '\0';
	if (main_is_z85_key(s)) {
		memcpy(out, s, Z85_KEY_LEN + 1);
		return 0;
	}
	cert = zcert_load(arg);
	if (cert && strcmp(zcert_public_txt(cert), MAIN_ZERO_KEY) != 0) {
		memcpy(out, zcert_public_txt(cert), Z85_KEY_LEN + 1);
		zcert_destroy(&cert);
		return 0;
	}
	zcert_destroy(&cert);
	log_err("no controller key in file path=%s", arg);
	return -EINVAL;
}

/* Checks the --controller list up front, to say what is wrong with it. */
static int main_check_controllers(const char *list, const char *default_key)
{
	struct sbclient_endpoint *eps;
	size_t n;

	if (sbclient_parse_endpoints(list, default_key, &eps, &n)) {
		fprintf(stderr,
			"tenet-agent: bad --controller list (want tcp://IP:PORT[@KEY],...; entries "
			"without @KEY need --controller-key): %s\n",
			list);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		log_info("controller %zu of %zu endpoint=%s", i + 1, n, eps[i].endpoint);
	free(eps);
	return 0;
}

/* Checks the kernel's features before anything is loaded (kfeatures.h). */
static int main_check_kernel(const char *bpffs)
{
	struct kfeatures_config kc = {.bpffs = bpffs};
	int missing = kfeatures_check(&kc);

	if (missing) {
		log_err("this kernel cannot run the tenet datapath missing=%d (see above); nothing "
			"was loaded",
			missing);
		return -EOPNOTSUPP;
	}
	log_debug("kernel features present: bpf btf bpffs tcx bpf_loop");
	return 0;
}

static int main_remove(const struct main_opts *o)
{
	char rev[PATH_MAX];
	int err;

	err = loader_remove(o->bpffs, o->host, o->tunnel_dev);
	snprintf(rev, sizeof(rev), "%s/%s.rev", o->state_dir, o->host);
	if (unlink(rev) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

static void main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d: exiting, datapath stays in place", (int)sig);
	event_base_loopbreak(arg);
}

/* --decap's value (checked by main_parse; NULL: auto). */
static enum loader_decap main_decap(const char *decap)
{
	if (decap && strcmp(decap, "xdp") == 0)
		return LOADER_DECAP_XDP;
	if (decap && strcmp(decap, "tc") == 0)
		return LOADER_DECAP_TC;
	return LOADER_DECAP_AUTO;
}

static int main_run(const struct main_opts *o)
{
	struct agent_config cfg = {.host = o->host,
				   .endpoint = o->controller,
				   .underlay = o->underlay,
				   .tunnel_dev = o->tunnel_dev,
				   .encap_bpf = !o->encap || strcmp(o->encap, "bpf") == 0,
				   .decap = main_decap(o->decap),
				   .bpffs = o->bpffs,
				   .state_dir = o->state_dir,
				   .fake_datapath = o->fake_datapath,
				   .ra_interval = main_ra_interval(o->ra_interval),
				   /* on by default; a fake datapath (benchmarks run
				    * many in one namespace) only when asked */
				   .metrics_listen = o->metrics && strcmp(o->metrics, "off") == 0
							 ? NULL
						     : o->metrics	? o->metrics
						     : o->fake_datapath ? NULL
									: METRICS_DEFAULT_LISTEN};
	struct event *ev_term = NULL, *ev_int = NULL;
	struct event_base *base;
	struct agent *ag = NULL;
	char server_key[Z85_KEY_LEN + 1];
	int err = -EINVAL;

	if (o->controller_key) {
		if (main_server_key(o->controller_key, server_key))
			return -EINVAL;
		cfg.server_key = server_key;
	}
	if (main_check_controllers(o->controller, cfg.server_key))
		return -EINVAL;
	cfg.cert = main_load_cert(o->key);
	if (!cfg.cert)
		return -EINVAL;
	if (!o->fake_datapath && main_check_kernel(o->bpffs))
		goto out_cert;
	base = event_base_new();
	if (!base)
		goto out_cert;
	ev_term = evsignal_new(base, SIGTERM, main_on_signal, base);
	ev_int = evsignal_new(base, SIGINT, main_on_signal, base);
	if (!ev_term || !ev_int || event_add(ev_term, NULL) || event_add(ev_int, NULL))
		goto out_base;
	ag = agent_new(base, &cfg);
	if (!ag)
		goto out_base;
	err = event_base_dispatch(base) < 0 ? -EIO : 0;
	agent_destroy(&ag);
out_base:
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	event_base_free(base);
out_cert:
	zcert_destroy(&cfg.cert);
	return err;
}

/* The glibc tunable that backs malloc's heap with huge pages. */
#define MAIN_THP_TUNABLE "glibc.malloc.hugetlb"

/* Runs the agent again with MAIN_THP_TUNABLE=1 added to GLIBC_TUNABLES
 * (see the top of this file), unless it names the tunable already. Returns
 * only when it did not. */
static void main_thp_heap(char **argv)
{
	const char *was = getenv("GLIBC_TUNABLES");
	char val[1024], exe[PATH_MAX];
	ssize_t len;
	int n;

	if (was && strstr(was, MAIN_THP_TUNABLE))
		return; /* the operator's choice, or this is the second run */
	/* the binary by its path, not /proc/self/exe: the process keeps its
	 * name (comm, what ps and pkill see) */
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0 || len >= (ssize_t)sizeof(exe) - 1)
		return;
	exe[len] = '\0';
	n = snprintf(val, sizeof(val), "%s%s%s=1", was ? was : "", was && was[0] ? ":" : "",
		     MAIN_THP_TUNABLE);
	if (n < 0 || n >= (int)sizeof(val) || setenv("GLIBC_TUNABLES", val, 1))
		return;
	execv(exe, argv);
	/* still here: this run's allocator stays; the variable says nothing */
	if (was)
		setenv("GLIBC_TUNABLES", was, 1);
	else
		unsetenv("GLIBC_TUNABLES");
}

/* Says which pages malloc was asked for. */
static void main_log_heap(void)
{
	const char *t = getenv("GLIBC_TUNABLES");

	log_info("malloc in %s GLIBC_TUNABLES=%s",
		 t && strstr(t, MAIN_THP_TUNABLE "=1") ? "huge pages" : "4 KiB pages",
		 t ? t : "(unset)");
}

int main(int argc, char **argv)
{
	struct main_opts o;
	int err;

	main_thp_heap(argv);
	if (main_parse(argc, argv, &o)) {
		main_usage(stderr);
		return 2;
	}
	log_init("agent", (enum log_level)o.log_level);
	log_handle_signals();
	main_log_heap();
	if (o.genkey)
		return main_genkey(o.genkey, o.force) ? 1 : 0;
	if (o.remove)
		return main_remove(&o) ? 1 : 0;
	if (sodium_init() < 0) {
		log_err("sodium_init failed");
		return 1;
	}
	zsys_handler_set(NULL); /* signals are the event loop's */
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned int)(time(NULL) ^ getpid()));
	err = main_run(&o);
	zsys_shutdown();
	return err ? 1 : 0;
}
