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

#include <czmq.h>
#include <sodium.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "log.h"

/* One interface. */
struct linkwatch_link {
	uint32_t ifindex;	/* kernel index */
	char name[IF_NAMESIZE]; /* current name */
};

/* A name <-> index table. */
struct linkwatch_table {
	zhashx_t *by_name;  /* name -> struct linkwatch_link (owned) */
	zhashx_t *by_index; /* uint32_t ifindex -> the same link (borrowed) */
};

struct linkwatch {
	int fd;			     /* NETLINK_ROUTE socket, RTMGRP_LINK */
	struct event *ev;	     /* read event on fd */
	linkwatch_cb cb;	     /* change callback */
	void *arg;		     /* for cb */
	struct linkwatch_table cur;  /* what exists */
	struct linkwatch_table next; /* being filled by a dump */
	zhashx_t *changed;	     /* names changed in cur since the last callback */
	uint32_t dump_seq;	     /* sequence of the dump in progress, 0 = none */
	uint32_t seq;		     /* last sequence used */
};

/* Hash of an ifindex key (SipHash with a fixed key: indexes come from the
 * kernel). */
static size_t linkwatch_index_hash(const void *key)
{
	static const unsigned char k[crypto_shorthash_KEYBYTES];
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, key, sizeof(uint32_t), k);
	return (size_t)h;
}

static int linkwatch_index_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(uint32_t));
}

static void *linkwatch_index_dup(const void *key)
{
	void *k = malloc(sizeof(uint32_t));

	return k ? memcpy(k, key, sizeof(uint32_t)) : NULL;
}

static void linkwatch_free(void **p)
{
	free(*p);
	*p = NULL;
}

static int linkwatch_table_init(struct linkwatch_table *t)
{
	t->by_name = zhashx_new();
	t->by_index = zhashx_new();
	if (!t->by_name || !t->by_index)
		return -ENOMEM;
	zhashx_set_destructor(t->by_name, linkwatch_free);
	zhashx_set_key_hasher(t->by_index, linkwatch_index_hash);
	zhashx_set_key_comparator(t->by_index, linkwatch_index_cmp);
	zhashx_set_key_duplicator(t->by_index, linkwatch_index_dup);
	zhashx_set_key_destructor(t->by_index, linkwatch_free);
	return 0;
}

static void linkwatch_table_fini(struct linkwatch_table *t)
{
	zhashx_destroy(&t->by_index); /* borrows the links: first */
	zhashx_destroy(&t->by_name);
}

static void linkwatch_table_clear(struct linkwatch_table *t)
{
	zhashx_purge(t->by_index);
	zhashx_purge(t->by_name);
}

/* Records name as changed (when changed is not NULL). */
static void linkwatch_mark(zhashx_t *changed, const char *name)
{
	if (changed)
		zhashx_insert(changed, name, (void *)1); /* -1 when known: fine */
}

/* Removes link l from t, marking its name. */
static void linkwatch_remove(struct linkwatch_table *t, struct linkwatch_link *l, zhashx_t *changed)
{
	char name[IF_NAMESIZE];

	memcpy(name, l->name, sizeof(name));
	zhashx_delete(t->by_index, &l->ifindex);
	zhashx_delete(t->by_name, name); /* frees l */
	linkwatch_mark(changed, name);
}

static void linkwatch_del(struct linkwatch_table *t, uint32_t ifindex, zhashx_t *changed)
{
	struct linkwatch_link *l = zhashx_lookup(t->by_index, &ifindex);

	if (l)
		linkwatch_remove(t, l, changed);
}

/* Sets ifindex's name, marking the names that changed; returns true if the
 * table changed. */
static bool linkwatch_set(struct linkwatch_table *t, uint32_t ifindex, const char *name,
			  zhashx_t *changed)
{
	struct linkwatch_link *l = zhashx_lookup(t->by_index, &ifindex);

	if (l && !strcmp(l->name, name))
		return false;
	if (l)
		linkwatch_remove(t, l, changed); /* renamed */
	l = zhashx_lookup(t->by_name, name);
	if (l)
		linkwatch_remove(t, l, changed); /* the name's old index is gone */
	l = calloc(1, sizeof(*l));
	if (!l)
		return false; /* the next dump retries */
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	zhashx_insert(t->by_name, l->name, l);
	zhashx_insert(t->by_index, &l->ifindex, l);
	linkwatch_mark(changed, name);
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
	linkwatch_table_clear(&lw->next);
	return 0;
}

/* mnl_attr_parse callback: the link's name, when it is a NUL-terminated
 * string that fits an interface name. */
static int linkwatch_name_cb(const struct nlattr *a, void *arg)
{
	if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	    mnl_attr_get_payload_len(a) > 1 && mnl_attr_get_payload_len(a) <= IF_NAMESIZE)
		*(const char **)arg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* Handles one message; returns true if the current table changed. */
static bool linkwatch_msg(struct linkwatch *lw, struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const char *name = NULL;
	bool changed = false;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return false;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || ifi->ifi_index <= 0)
		return false;
	mnl_attr_parse(h, sizeof(*ifi), linkwatch_name_cb, &name);
	if (h->nlmsg_type == RTM_DELLINK) {
		size_t before = zhashx_size(lw->cur.by_name);

		linkwatch_del(&lw->cur, (uint32_t)ifi->ifi_index, lw->changed);
		linkwatch_del(&lw->next, (uint32_t)ifi->ifi_index, NULL);
		return zhashx_size(lw->cur.by_name) != before;
	}
	if (!name)
		return false;
	if (lw->dump_seq && h->nlmsg_seq == lw->dump_seq) {
		linkwatch_set(&lw->next, (uint32_t)ifi->ifi_index, name, NULL);
		return false;
	}
	changed = linkwatch_set(&lw->cur, (uint32_t)ifi->ifi_index, name, lw->changed);
	if (lw->dump_seq)
		linkwatch_set(&lw->next, (uint32_t)ifi->ifi_index, name, NULL);
	return changed;
}

/* Installs the dumped table, marking the names that differ from the
 * current one; returns true if any does. */
static bool linkwatch_dump_done(struct linkwatch *lw)
{
	struct linkwatch_table t = lw->cur;
	size_t before = zhashx_size(lw->changed);
	struct linkwatch_link *l, *o;

	for (l = zhashx_first(lw->next.by_name); l; l = zhashx_next(lw->next.by_name)) {
		o = zhashx_lookup(t.by_name, l->name);
		if (!o || o->ifindex != l->ifindex)
			linkwatch_mark(lw->changed, l->name);
	}
	for (l = zhashx_first(t.by_name); l; l = zhashx_next(t.by_name))
		if (!zhashx_lookup(lw->next.by_name, l->name))
			linkwatch_mark(lw->changed, l->name);
	lw->cur = lw->next;
	lw->next = t;
	linkwatch_table_clear(&lw->next);
	lw->dump_seq = 0;
	return zhashx_size(lw->changed) != before;
}

/* Reads what is queued on the socket (one datagram when blocking). Returns
 * true if the table changed, via *changed; 0, -EAGAIN or -errno. */
static int linkwatch_read(struct linkwatch *lw, bool *changed)
{
	char buf[32768];
	ssize_t n;
	int len;

	n = recv(lw->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno == ENOBUFS) {
			log_warn("link events overflowed, dumping again");
			return linkwatch_request_dump(lw);
		}
		return -errno;
	}
	len = (int)n;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		if (h->nlmsg_type == NLMSG_DONE && lw->dump_seq && h->nlmsg_seq == lw->dump_seq)
			*changed |= linkwatch_dump_done(lw);
		else if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == lw->dump_seq)
			lw->dump_seq = 0; /* dump refused: keep what we have */
		else
			*changed |= linkwatch_msg(lw, h);
	}
	return 0;
}

/* Calls back with the names changed since the last call, then forgets
 * them. */
static void linkwatch_report(struct linkwatch *lw)
{
	size_t n = zhashx_size(lw->changed), i = 0;
	const char **names;

	if (!n)
		return;
	names = malloc(n * sizeof(*names));
	if (names && lw->cb) {
		for (void *it = zhashx_first(lw->changed); it && i < n;
		     it = zhashx_next(lw->changed))
			names[i++] = zhashx_cursor(lw->changed);
		lw->cb(lw->arg, names, i);
	} else if (lw->cb) {
		log_err("link changes lost err=%s", log_errname(ENOMEM));
	}
	free(names);
	zhashx_purge(lw->changed);
}

static void linkwatch_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct linkwatch *lw = arg;
	bool changed = false;
	int err;

	while ((err = linkwatch_read(lw, &changed)) == 0)
		;
	if (err != -EAGAIN)
		log_warn("link monitor read failed err=%s", log_errname(err));
	linkwatch_report(lw);
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
	lw->fd = -1;
	lw->cb = cb;
	lw->arg = arg;
	if (linkwatch_table_init(&lw->cur) || linkwatch_table_init(&lw->next))
		goto out_err;
	lw->changed = zhashx_new();
	if (!lw->changed)
		goto out_err;
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
	zhashx_purge(lw->changed); /* the caller resolves everything at start */
	lw->ev = event_new(base, lw->fd, EV_READ | EV_PERSIST, linkwatch_on_read, lw);
	if (!lw->ev || event_add(lw->ev, NULL))
		goto out_err;
	log_info("link monitor ready links=%zu", zhashx_size(lw->cur.by_name));
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
	linkwatch_table_fini(&lw->cur);
	linkwatch_table_fini(&lw->next);
	zhashx_destroy(&lw->changed);
	free(lw);
	*lwp = NULL;
}

uint32_t linkwatch_ifindex(const struct linkwatch *lw, const char *name)
{
	const struct linkwatch_link *l;

	if (!lw || !name)
		return 0;
	l = zhashx_lookup(lw->cur.by_name, name);
	return l ? l->ifindex : 0;
}

size_t linkwatch_count(const struct linkwatch *lw)
{
	return lw ? zhashx_size(lw->cur.by_name) : 0;
}
