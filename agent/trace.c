/* trace.c - datapath trace through a test-mode copy; see trace.h. */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "tenet.skel.h"
#include "tenet_abi.h"
#include "../bpf/lib/trace.h"

_Static_assert(sizeof(struct tn_trace) == WIRE_TRACE_LEN, "wire trace length");

#define TRACE_ETH_HLEN 14
#define TRACE_PKT_MAX  128
#define TRACE_TTL      64

/*
 * The live tables the copy reuses; everything else is its own. The
 * security group policy is live; conntrack is not (a trace must not open
 * a flow in the live table), so a trace judges every packet as a new flow
 * by the rules.
 */
static const char *const tracer_live[] = {
    TN_PIN_LPORT,     TN_PIN_FDB,     TN_PIN_ARP,     TN_PIN_FLOOD,  TN_PIN_PEER,
    TN_PIN_TUN_ALLOW, TN_PIN_IFINDEX, TN_PIN_CONFIG,  TN_PIN_DHCP,   TN_PIN_RA,
    TN_PIN_DHCP6,     TN_PIN_ND,      TN_PIN_ROUTE4,  TN_PIN_ROUTE6, TN_PIN_SG_IDENT,
    TN_PIN_SG_RULE,   TN_PIN_SG_CIDR, TN_PIN_SG_PSET,
};
#define TRACER_N_LIVE (sizeof(tracer_live) / sizeof(tracer_live[0]))

struct tracer {
	char pin_dir[PATH_MAX];	      /* <bpffs>/tenet/<host> */
	struct tenet_bpf *skel;	      /* the test-mode copy, NULL until loaded */
	__u32 live_id[TRACER_N_LIVE]; /* ids of the live maps it reused */
};

struct tracer *tracer_new(const char *pin_dir)
{
	struct tracer *t;

	if (!pin_dir || strlen(pin_dir) >= PATH_MAX)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t)
		snprintf(t->pin_dir, sizeof(t->pin_dir), "%s", pin_dir);
	return t;
}

void tracer_destroy(struct tracer **tp)
{
	if (!tp || !*tp)
		return;
	tenet_bpf__destroy((*tp)->skel);
	free(*tp);
	*tp = NULL;
}

/* The id of the map pinned as name, 0 if none. */
static __u32 tracer_pin_id(const struct tracer *t, const char *name, int *fd_out)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_map_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	if (fd_out && info.id)
		*fd_out = fd;
	else
		close(fd);
	return info.id;
}

/* True while every live map the copy reuses is still the pinned one. */
static bool tracer_current(const struct tracer *t)
{
	if (!t->skel)
		return false;
	for (size_t i = 0; i < TRACER_N_LIVE; i++)
		if (tracer_pin_id(t, tracer_live[i], NULL) != t->live_id[i])
			return false;
	return true;
}

/* Opens the copy: test mode, nothing pinned, the live tables by fd. */
static int tracer_load(struct tracer *t)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err = 0, fd;

	tenet_bpf__destroy(t->skel);
	t->skel = tenet_bpf__open();
	if (!t->skel)
		return -errno ? -errno : -EINVAL;
	t->skel->rodata->tn_test_mode = 1;
	bpf_object__for_each_program(prog, t->skel->obj)
	{
		if (bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS)
			bpf_program__set_expected_attach_type(prog, BPF_TCX_INGRESS);
	}
	bpf_object__for_each_map(map, t->skel->obj)
	{
		err = bpf_map__set_pin_path(map, NULL); /* never pin, never reuse by path */
		if (err)
			goto out;
	}
	for (size_t i = 0; i < TRACER_N_LIVE; i++) {
		map = bpf_object__find_map_by_name(t->skel->obj, tracer_live[i]);
		fd = -1;
		t->live_id[i] = tracer_pin_id(t, tracer_live[i], &fd);
		if (!map || fd < 0) {
			err = -ENOENT;
			log_err("trace: live map missing name=%s pin_dir=%s", tracer_live[i],
				t->pin_dir);
			goto out;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err)
			goto out;
	}
	err = tenet_bpf__load(t->skel);
out:
	if (err) {
		log_err("trace: cannot load the test-mode datapath err=%d", err);
		tenet_bpf__destroy(t->skel);
		t->skel = NULL;
		return err;
	}
	log_info("trace: test-mode datapath loaded pin_dir=%s", t->pin_dir);
	return 0;
}

/* The port with id port_id in the live tn_ifindex: its ifindex and value. */
static int tracer_find_port(struct tracer *t, __u32 port_id, __u32 *ifindex, struct tn_ifport *port)
{
	int fd = bpf_map__fd(t->skel->maps.tn_ifindex);
	struct tn_ifindex_key key, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, port) == 0 && port->port_id == port_id) {
			*ifindex = key.ifindex;
			return 0;
		}
	}
	return -ENOENT;
}

static __u16 tracer_csum(const void *p, size_t n)
{
	const __u8 *b = p;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (__u32)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

/* Ethernet + IPv4 + TCP SYN / UDP / ICMP echo request. Returns the length. */
static __u32 tracer_build(__u8 *pkt, const __u8 *dst, const __u8 *src, __be32 saddr, __be32 daddr,
			  __u8 proto, __u16 dport)
{
	__u32 l4 = proto == IPPROTO_TCP ? 20 : 8, len = TRACE_ETH_HLEN + 20 + l4;
	__u8 *ip = pkt + TRACE_ETH_HLEN, *th = ip + 20;
	__u16 tot = htons((__u16)(20 + l4)), sport = htons(40000), dp = htons(dport);

	memset(pkt, 0, len);
	memcpy(pkt, dst, 6);
	memcpy(pkt + 6, src, 6);
	pkt[12] = 0x08;
	ip[0] = 0x45;
	memcpy(ip + 2, &tot, 2);
	ip[8] = TRACE_TTL;
	ip[9] = proto;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	{
		__u16 c = tracer_csum(ip, 20);

		memcpy(ip + 10, &c, 2);
	}
	if (proto == IPPROTO_ICMP) {
		th[0] = 8; /* echo request */
		__u16 c = tracer_csum(th, 8);

		memcpy(th + 2, &c, 2);
		return len;
	}
	memcpy(th, &sport, 2);
	memcpy(th + 2, &dp, 2);
	if (proto == IPPROTO_TCP) {
		th[12] = 5 << 4;
		th[13] = 0x02; /* SYN */
	} else {
		__u16 ulen = htons(8);

		memcpy(th + 4, &ulen, 2);
	}
	return len;
}

static bool tracer_mac_zero(const __u8 *mac)
{
	static const __u8 zero[6];

	return memcmp(mac, zero, 6) == 0;
}

static int tracer_do(struct tracer *t, const struct wire_trace_req *req,
		     struct wire_trace_reply *out)
{
	struct __sk_buff ctx = {0};
	struct tn_trace trace = {0};
	struct tn_ifport port = {0};
	struct tn_arp_key ak = {0};
	struct tn_arp arp;
	struct tn_config cfg;
	__u8 pkt[TRACE_PKT_MAX], src[6];
	__be32 saddr = req->src_ip4;
	__u32 len, zero = 0, vni = req->vni;
	struct bpf_program *prog;
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);

	if (req->proto != IPPROTO_TCP && req->proto != IPPROTO_UDP && req->proto != IPPROTO_ICMP)
		return -EINVAL;
	if (!tracer_current(t)) {
		err = tracer_load(t);
		if (err)
			return err;
	}
	memcpy(src, req->src_mac, 6);
	if (req->port_id) {
		err = tracer_find_port(t, req->port_id, &ctx.ifindex, &port);
		if (err)
			return err;
		vni = port.vni;
		if (tracer_mac_zero(src))
			memcpy(src, port.mac, 6);
		if (!saddr)
			saddr = port.ip4;
		prog = t->skel->progs.tn_vif_ingress;
	} else {
		if (!req->remote_ip4 || tracer_mac_zero(src))
			return -EINVAL;
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.tn_config), &zero, &cfg))
			return -errno;
		ctx.ifindex = cfg.tunnel_ifindex;
		ctx.cb[TN_CB_TEST_REMOTE] = ntohl(req->remote_ip4);
		ctx.cb[TN_CB_TEST_VNI] = vni;
		prog = t->skel->progs.tn_tunnel_ingress;
	}
	memcpy(out->dst_mac, req->dst_mac, 6);
	if (tracer_mac_zero(out->dst_mac)) {
		ak.vni = vni;
		ak.ip4 = req->dst_ip4;
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.tn_arp), &ak, &arp))
			return -EHOSTUNREACH;
		memcpy(out->dst_mac, arp.mac, 6);
	}
	len = tracer_build(pkt, out->dst_mac, src, saddr, req->dst_ip4, req->proto, req->dport);
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.tn_trace), &zero, &trace, BPF_ANY))
		return -errno;
	opts.data_in = pkt;
	opts.data_size_in = len;
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.tn_trace), &zero, &trace))
		return -errno;
	memcpy(out->trace, &trace, sizeof(trace));
	out->trace_len = sizeof(trace);
	return 0;
}

int tracer_run(struct tracer *t, const struct wire_trace_req *req, struct wire_trace_reply *out)
{
	struct timespec a, b;
	int err;

	memset(out, 0, sizeof(*out));
	out->id = req ? req->id : 0;
	if (!t || !req)
		err = -EINVAL;
	else {
		clock_gettime(CLOCK_MONOTONIC, &a);
		err = tracer_do(t, req, out);
		clock_gettime(CLOCK_MONOTONIC, &b);
		out->usec =
		    (uint64_t)((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	}
	if (err) {
		out->err = (uint32_t)-err;
		out->trace_len = 0;
		memset(out->trace, 0, sizeof(out->trace));
	}
	log_info("trace id=%u port_id=%u remote=%08x err=%d usec=%" PRIu64, out->id,
		 req ? req->port_id : 0, req ? ntohl(req->remote_ip4) : 0, err, out->usec);
	return err;
}
