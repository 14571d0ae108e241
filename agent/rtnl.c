/* rtnl.c - raw rtnetlink requests; see rtnl.h. */
#include "rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define RTNL_BUF 8192

/* A request under construction. */
struct rtnl_req {
	struct nlmsghdr *nlh; /* header at the start of buf */
	char buf[1024];	      /* the message */
};

static struct ifinfomsg *rtnl_req_init(struct rtnl_req *r, uint16_t type, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->nlh = (struct nlmsghdr *)r->buf;
	r->nlh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->nlh->nlmsg_type = type;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nlh->nlmsg_seq = 1;
	return NLMSG_DATA(r->nlh);
}

static struct rtattr *rtnl_put(struct rtnl_req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->nlh->nlmsg_len);
	struct rtattr *rta = (struct rtattr *)(r->buf + off);

	if (off + RTA_SPACE(len) > sizeof(r->buf))
		return NULL; /* only static requests here: caught by tests */
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nlh->nlmsg_len = off + RTA_SPACE(len);
	return rta;
}

static void rtnl_nest_end(struct rtnl_req *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(r->buf + r->nlh->nlmsg_len - (char *)nest);
}

/* Sends r and reads replies until the ACK; copies a RTM_NEWLINK reply into
 * reply[size] if reply is non-NULL. Returns 0 or -errno from the kernel. */
static int rtnl_talk(struct rtnl_req *r, void *reply, size_t size)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[RTNL_BUF];
	int fd, err = -EPROTO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, r->buf, r->nlh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out_close;
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			err = -errno;
			goto out_close;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				err = e->error;
				goto out_close;
			}
			if (h->nlmsg_type == RTM_NEWLINK && reply)
				memcpy(reply, h, h->nlmsg_len < size ? h->nlmsg_len : size);
		}
	}
out_close:
	close(fd);
	return err;
}

int rtnl_vxlan_create(const char *name, uint16_t dstport, uint32_t mtu)
{
	struct rtattr *linkinfo, *data;
	uint16_t port = htons(dstport);
	uint8_t one = 1, zero = 0;
	struct rtnl_req r;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	rtnl_req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	rtnl_put(&r, IFLA_MTU, &mtu, sizeof(mtu));
	linkinfo = rtnl_put(&r, IFLA_LINKINFO, NULL, 0);
	rtnl_put(&r, IFLA_INFO_KIND, "vxlan", sizeof("vxlan"));
	data = rtnl_put(&r, IFLA_INFO_DATA, NULL, 0);
	rtnl_put(&r, IFLA_VXLAN_COLLECT_METADATA, &one, sizeof(one));
	rtnl_put(&r, IFLA_VXLAN_LEARNING, &zero, sizeof(zero));
	rtnl_put(&r, IFLA_VXLAN_PORT, &port, sizeof(port));
	rtnl_nest_end(&r, data);
	rtnl_nest_end(&r, linkinfo);
	return rtnl_talk(&r, NULL, 0);
}

int rtnl_link_set(uint32_t ifindex, uint32_t mtu, bool up)
{
	struct ifinfomsg *ifi;
	struct rtnl_req r;

	ifi = rtnl_req_init(&r, RTM_NEWLINK, 0);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		rtnl_put(&r, IFLA_MTU, &mtu, sizeof(mtu));
	return rtnl_talk(&r, NULL, 0);
}

int rtnl_link_delete(const char *name)
{
	struct rtnl_req r;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	rtnl_req_init(&r, RTM_DELLINK, 0);
	rtnl_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	return rtnl_talk(&r, NULL, 0);
}

/* Fetches name's RTM_NEWLINK message into buf[size]. */
static int rtnl_link_get(const char *name, char *buf, size_t size)
{
	struct rtnl_req r;
	int err;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	memset(buf, 0, size);
	rtnl_req_init(&r, RTM_GETLINK, 0);
	rtnl_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	err = rtnl_talk(&r, buf, size);
	if (err)
		return err;
	return ((struct nlmsghdr *)buf)->nlmsg_type == RTM_NEWLINK ? 0 : -ENODEV;
}

/* Finds attribute type among the attributes in [rta, rta+len). */
static struct rtattr *rtnl_find(struct rtattr *rta, int len, unsigned short type)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == type)
			return rta;
	return NULL;
}

int rtnl_link_mtu(const char *name, uint32_t *mtu)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct rtattr *a;
	int err;

	err = rtnl_link_get(name, buf, sizeof(buf));
	if (err)
		return err;
	a = rtnl_find(IFLA_RTA(NLMSG_DATA(h)), (int)IFLA_PAYLOAD(h), IFLA_MTU);
	if (!a || RTA_PAYLOAD(a) < sizeof(*mtu))
		return -EPROTO;
	memcpy(mtu, RTA_DATA(a), sizeof(*mtu));
	return 0;
}

int rtnl_link_kind(const char *name, char *kind, size_t size)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct rtattr *info, *k;
	int err;

	if (!kind || !size)
		return -EINVAL;
	kind[0] = '\0';
	err = rtnl_link_get(name, buf, sizeof(buf));
	if (err)
		return err;
	info = rtnl_find(IFLA_RTA(NLMSG_DATA(h)), (int)IFLA_PAYLOAD(h), IFLA_LINKINFO);
	if (!info)
		return 0;
	k = rtnl_find(RTA_DATA(info), (int)RTA_PAYLOAD(info), IFLA_INFO_KIND);
	if (k)
		snprintf(kind, size, "%.*s", (int)RTA_PAYLOAD(k), (const char *)RTA_DATA(k));
	return 0;
}

int rtnl_link_ip4(const char *name, uint32_t *ip4)
{
	struct ifreq ifr = {0};
	int fd, err = 0;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFADDR, &ifr) < 0)
		err = -errno;
	else
		*ip4 = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	close(fd);
	return err;
}

int rtnl_link_disable_ipv6(const char *name)
{
	char path[96];
	int fd, err = 0;

	if (!name || !name[0] || strlen(name) >= IFNAMSIZ || strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (write(fd, "1\n", 2) != 2)
		err = -errno;
	close(fd);
	return err;
}
