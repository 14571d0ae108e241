/* linkwatch.c - rtnetlink link monitor; see linkwatch.h. */
#include "linkwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "log.h"

/* One interface. */
struct linkwatch_link {
	uint32_t ifindex;	/* kernel index */
	char name[IF_NAMESIZE]; /* current name */
};

/* A name -> index table. */
struct linkwatch_table {
	struct linkwatch_link *links; /* entries */
	size_t n;		      /* used entries */
	size_t cap;		      /* allocated entries */
};

struct linkwatch {
	int fd;			     /* NETLINK_ROUTE socket, RTMGRP_LINK */
	struct event *ev;	     /* read event on fd */
	linkwatch_cb cb;	     /* change callback */
	void *arg;		     /* for cb */
	struct linkwatch_table cur;  /* what exists */
	struct linkwatch_table next; /* being filled by a dump */
	uint32_t dump_seq;	     /* sequence of the dump in progress, 0 = none */
	uint32_t seq;		     /* last sequence used */
};

static void linkwatch_del(struct linkwatch_table *t, uint32_t ifindex, const char *name)
{
	for (size_t i = 0; i < t->n;) {
		if (t->links[i].ifindex == ifindex || (name && !strcmp(t->links[i].name, name)))
			t->links[i] = t->links[--t->n];
		else
			i++;
	}
}

/* Sets ifindex's name; returns true if the table changed. */
static bool linkwatch_set(struct linkwatch_table *t, uint32_t ifindex, const char *name)
{
	struct linkwatch_link *l;

	for (size_t i = 0; i < t->n; i++)
		if (t->links[i].ifindex == ifindex && !strcmp(t->links[i].name, name))
			return false;
	linkwatch_del(t, ifindex, name);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		l = realloc(t->links, cap * sizeof(*l));
		if (!l)
			return false; /* the next dump retries */
		t->links = l;
		t->cap = cap;
	}
	l = &t->links[t->n++];
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	return true;
}

static int linkwatch_request_dump(struct linkwatch *lw)
{
	struct {
		struct nlmsghdr nlh;
		struct ifinfomsg ifi;
	} req = {0};
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nlh.nlmsg_type = RTM_GETLINK;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = ++lw->seq;
	req.ifi.ifi_family = AF_UNSPEC;
	if (sendto(lw->fd, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	lw->dump_seq = req.nlh.nlmsg_seq;
	lw->next.n = 0;
	return 0;
}

/* Handles one message; returns true if the current table changed. */
static bool linkwatch_msg(struct linkwatch *lw, struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);
	const char *name = NULL;
	bool changed = false;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return false;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || ifi->ifi_index <= 0)
		return false;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) > 0 &&
		    strnlen(RTA_DATA(a), RTA_PAYLOAD(a)) < RTA_PAYLOAD(a) &&
		    strlen(RTA_DATA(a)) < IF_NAMESIZE)
			name = RTA_DATA(a);
	if (h->nlmsg_type == RTM_DELLINK) {
		size_t before = lw->cur.n;

		linkwatch_del(&lw->cur, (uint32_t)ifi->ifi_index, NULL);
		linkwatch_del(&lw->next, (uint32_t)ifi->ifi_index, NULL);
		return lw->cur.n != before;
	}
	if (!name)
		return false;
	if (lw->dump_seq && h->nlmsg_seq == lw->dump_seq) {
		linkwatch_set(&lw->next, (uint32_t)ifi->ifi_index, name);
		return false;
	}
	changed = linkwatch_set(&lw->cur, (uint32_t)ifi->ifi_index, name);
	if (lw->dump_seq)
		linkwatch_set(&lw->next, (uint32_t)ifi->ifi_index, name);
	return changed;
}

/* Installs the dumped table; returns true if it differs from the current. */
static bool linkwatch_dump_done(struct linkwatch *lw)
{
	struct linkwatch_table t = lw->cur;
	bool changed = t.n != lw->next.n;

	for (size_t i = 0; i < lw->next.n && !changed; i++) {
		bool found = false;

		for (size_t j = 0; j < t.n && !found; j++)
			found = t.links[j].ifindex == lw->next.links[i].ifindex &&
				!strcmp(t.links[j].name, lw->next.links[i].name);
		changed = !found;
	}
	lw->cur = lw->next;
	lw->next = t;
	lw->next.n = 0;
	lw->dump_seq = 0;
	return changed;
}

/* Reads what is queued on the socket (one datagram when blocking). Returns
 * true if the table changed, via *changed; 0, -EAGAIN or -errno. */
static int linkwatch_read(struct linkwatch *lw, bool *changed)
{
	char buf[32768];
	ssize_t n;

	n = recv(lw->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno == ENOBUFS) {
			log_warn("link events overflowed, dumping again");
			return linkwatch_request_dump(lw);
		}
		return -errno;
	}
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_DONE && lw->dump_seq && h->nlmsg_seq == lw->dump_seq)
			*changed |= linkwatch_dump_done(lw);
		else if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == lw->dump_seq)
			lw->dump_seq = 0; /* dump refused: keep what we have */
		else
			*changed |= linkwatch_msg(lw, h);
	}
	return 0;
}

static void linkwatch_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct linkwatch *lw = arg;
	bool changed = false;
	int err;

	while ((err = linkwatch_read(lw, &changed)) == 0)
		;
	if (err != -EAGAIN)
		log_warn("link monitor read failed err=%d", err);
	if (changed && lw->cb)
		lw->cb(lw->arg);
}

struct linkwatch *linkwatch_new(struct event_base *base, linkwatch_cb cb, void *arg)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	struct linkwatch *lw;
	int rcvbuf = 1 << 20;
	bool changed = false;
	int err;

	lw = calloc(1, sizeof(*lw));
	if (!lw)
		return NULL;
	lw->cb = cb;
	lw->arg = arg;
	lw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (lw->fd < 0 || bind(lw->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out_err;
	/* bursts of link events (many ports at once) should not overflow */
	setsockopt(lw->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	err = linkwatch_request_dump(lw);
	while (!err && lw->dump_seq)
		err = linkwatch_read(lw, &changed); /* blocking until NLMSG_DONE */
	if (err || fcntl(lw->fd, F_SETFL, O_NONBLOCK) < 0)
		goto out_err;
	lw->ev = event_new(base, lw->fd, EV_READ | EV_PERSIST, linkwatch_on_read, lw);
	if (!lw->ev || event_add(lw->ev, NULL))
		goto out_err;
	log_info("link monitor ready links=%zu", lw->cur.n);
	return lw;
out_err:
	log_err("cannot start link monitor errno=%d", errno);
	linkwatch_destroy(&lw);
	return NULL;
}

void linkwatch_destroy(struct linkwatch **lwp)
{
	struct linkwatch *lw;

	if (!lwp || !*lwp)
		return;
	lw = *lwp;
	if (lw->ev)
		event_free(lw->ev);
	if (lw->fd >= 0)
		close(lw->fd);
	free(lw->cur.links);
	free(lw->next.links);
	free(lw);
	*lwp = NULL;
}

uint32_t linkwatch_ifindex(const struct linkwatch *lw, const char *name)
{
	if (!lw || !name)
		return 0;
	for (size_t i = 0; i < lw->cur.n; i++)
		if (!strcmp(lw->cur.links[i].name, name))
			return lw->cur.links[i].ifindex;
	return 0;
}

size_t linkwatch_count(const struct linkwatch *lw)
{
	return lw ? lw->cur.n : 0;
}
