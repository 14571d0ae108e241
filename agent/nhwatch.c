/* nhwatch.c - rtnetlink neighbour monitor for tn_nh; see nhwatch.h. */
#include "nhwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "tenet_abi.h"

/* States whose link-layer address may be used (NUD_VALID). */
#define NHWATCH_USABLE                                                                             \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

struct nhwatch {
	int fd;		   /* NETLINK_ROUTE socket, RTMGRP_NEIGH */
	struct event *ev;  /* read event on fd */
	int nh_fd;	   /* tn_nh (borrowed) */
	uint32_t ifindex;  /* the underlay interface */
	uint32_t seq;	   /* last sequence used */
	uint32_t dump_seq; /* sequence of the dump in progress, 0 = none */
	uint64_t updates;  /* entries written */
};

/* What one neighbour message says. */
struct nhwatch_attrs {
	const uint8_t *ip4; /* NDA_DST, 4 bytes */
	const uint8_t *mac; /* NDA_LLADDR, 6 bytes */
};

static int nhwatch_attr_cb(const struct nlattr *a, void *arg)
{
	struct nhwatch_attrs *at = arg;
	uint16_t type = mnl_attr_get_type(a), len = mnl_attr_get_payload_len(a);

	if (type == NDA_DST && len == 4)
		at->ip4 = mnl_attr_get_payload(a);
	else if (type == NDA_LLADDR && len == 6)
		at->mac = mnl_attr_get_payload(a);
	return MNL_CB_OK;
}

/* Writes or removes the next hop one RTM_NEWNEIGH / RTM_DELNEIGH names. */
static void nhwatch_msg(struct nhwatch *nw, const struct nlmsghdr *h)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(h);
	struct nhwatch_attrs at = {0};
	struct tn_nh_key k = {0};
	struct tn_nh v = {0};

	if ((h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH) ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)) || nd->ndm_family != AF_INET ||
	    (uint32_t)nd->ndm_ifindex != nw->ifindex)
		return;
	mnl_attr_parse(h, sizeof(*nd), nhwatch_attr_cb, &at);
	if (!at.ip4)
		return;
	memcpy(&k.ip4, at.ip4, 4);
	if (h->nlmsg_type == RTM_NEWNEIGH && at.mac && (nd->ndm_state & NHWATCH_USABLE)) {
		memcpy(v.mac, at.mac, 6);
		if (bpf_map_update_elem(nw->nh_fd, &k, &v, BPF_ANY) == 0)
			nw->updates++;
		else
			log_warn("cannot write next hop err=%s", log_errname(errno));
		return;
	}
	bpf_map_delete_elem(nw->nh_fd, &k); /* ENOENT: was not there */
}

static int nhwatch_request_dump(struct nhwatch *nw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct ndmsg *nd;

	h->nlmsg_type = RTM_GETNEIGH;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = ++nw->seq;
	nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));
	nd->ndm_family = AF_INET;
	if (sendto(nw->fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	nw->dump_seq = h->nlmsg_seq;
	return 0;
}

/* Reads what is queued on the socket (one datagram when blocking).
 * Returns 0, -EAGAIN or -errno. */
static int nhwatch_read(struct nhwatch *nw)
{
	char buf[32768];
	ssize_t n;
	int len;

	n = recv(nw->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno == ENOBUFS) {
			log_warn("neighbour events overflowed, dumping again");
			return nhwatch_request_dump(nw);
		}
		return -errno;
	}
	len = (int)n;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		if ((h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) && nw->dump_seq &&
		    h->nlmsg_seq == nw->dump_seq)
			nw->dump_seq = 0;
		else
			nhwatch_msg(nw, h);
	}
	return 0;
}

static void nhwatch_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct nhwatch *nw = arg;
	int err;

	(void)fd;
	(void)what;
	while ((err = nhwatch_read(nw)) == 0)
		;
	if (err != -EAGAIN)
		log_warn("neighbour monitor read failed err=%s", log_errname(err));
}

/* Deletes every entry of tn_nh (a restart refills it from the dump). */
static void nhwatch_clear(int fd)
{
	struct tn_nh_key k, next;

	while (bpf_map_get_next_key(fd, NULL, &next) == 0) {
		k = next;
		if (bpf_map_delete_elem(fd, &k))
			break;
	}
}

struct nhwatch *nhwatch_new(struct event_base *base, int nh_fd, uint32_t underlay_ifindex)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_NEIGH};
	struct nhwatch *nw;
	int err = 0;

	if (!base || nh_fd < 0 || !underlay_ifindex) {
		errno = EINVAL;
		return NULL;
	}
	nw = calloc(1, sizeof(*nw));
	if (!nw)
		return NULL;
	nw->nh_fd = nh_fd;
	nw->ifindex = underlay_ifindex;
	nw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nw->fd < 0 || bind(nw->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out_err;
	nhwatch_clear(nh_fd);
	err = nhwatch_request_dump(nw);
	while (!err && nw->dump_seq)
		err = nhwatch_read(nw); /* blocking until NLMSG_DONE */
	if (err || fcntl(nw->fd, F_SETFL, O_NONBLOCK) < 0)
		goto out_err;
	nw->ev = event_new(base, nw->fd, EV_READ | EV_PERSIST, nhwatch_on_read, nw);
	if (!nw->ev || event_add(nw->ev, NULL))
		goto out_err;
	log_info("next-hop monitor ready ifindex=%u entries=%llu", underlay_ifindex,
		 (unsigned long long)nw->updates);
	return nw;
out_err:
	log_err("cannot start next-hop monitor err=%s", log_errname(err ? err : errno));
	nhwatch_destroy(&nw);
	return NULL;
}

void nhwatch_destroy(struct nhwatch **nwp)
{
	struct nhwatch *nw;

	if (!nwp || !*nwp)
		return;
	nw = *nwp;
	if (nw->ev)
		event_free(nw->ev);
	if (nw->fd >= 0)
		close(nw->fd);
	free(nw);
	*nwp = NULL;
}

uint64_t nhwatch_updates(const struct nhwatch *nw)
{
	return nw ? nw->updates : 0;
}
