/* rtnl.c - rtnetlink requests through libmnl; see rtnl.h. */
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

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

/* A request under construction (all requests here are small and fixed). */
struct rtnl_req {
	char buf[1024];	      /* the message */
	struct nlmsghdr *nlh; /* mnl's header at the start of buf */
};

static struct ifinfomsg *rtnl_req_init(struct rtnl_req *r, uint16_t type, uint16_t flags)
{
	struct ifinfomsg *ifi;

	r->nlh = mnl_nlmsg_put_header(r->buf);
	r->nlh->nlmsg_type = type;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nlh->nlmsg_seq = 1;
	ifi = mnl_nlmsg_put_extra_header(r->nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

/* What a reply callback is given: where to copy an RTM_NEWLINK reply. */
struct rtnl_reply {
	void *buf;   /* NULL: replies are not wanted */
	size_t size; /* bytes of buf */
	bool got;    /* an RTM_NEWLINK was copied */
};

static int rtnl_reply_cb(const struct nlmsghdr *h, void *arg)
{
	struct rtnl_reply *rep = arg;

	if (h->nlmsg_type == RTM_NEWLINK && rep->buf && !rep->got) {
		memcpy(rep->buf, h, h->nlmsg_len < rep->size ? h->nlmsg_len : rep->size);
		rep->got = true;
	}
	return MNL_CB_OK;
}

/* Sends r and reads replies until the ACK (or an error); an RTM_NEWLINK
 * reply goes to rep. Returns 0 or -errno (the kernel's). */
static int rtnl_talk(struct rtnl_req *r, struct rtnl_reply *rep)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned int portid;
	int ret = 0;
	ssize_t n;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, r->nlh, r->nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		/* MNL_CB_STOP at the ACK; -1 with errno set from an NLMSG_ERROR */
		ret = mnl_cb_run(buf, (size_t)n, r->nlh->nlmsg_seq, portid, rtnl_reply_cb, rep);
	} while (ret == MNL_CB_OK);
	ret = ret < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

static bool rtnl_name_ok(const char *name)
{
	return name && name[0] && strlen(name) < IFNAMSIZ;
}

int rtnl_vxlan_create(const char *name, uint16_t dstport, uint32_t mtu)
{
	struct nlattr *linkinfo, *data;
	struct rtnl_req r;

	if (!rtnl_name_ok(name))
		return -EINVAL;
	rtnl_req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	mnl_attr_put_strz(r.nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(r.nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(r.nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(r.nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(r.nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(r.nlh, IFLA_VXLAN_COLLECT_METADATA, 1);
	mnl_attr_put_u8(r.nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_put_u16(r.nlh, IFLA_VXLAN_PORT, htons(dstport));
	mnl_attr_nest_end(r.nlh, data);
	mnl_attr_nest_end(r.nlh, linkinfo);
	return rtnl_talk(&r, NULL);
}

int rtnl_link_set(uint32_t ifindex, uint32_t mtu, bool up)
{
	struct ifinfomsg *ifi;
	struct rtnl_req r;

	ifi = rtnl_req_init(&r, RTM_NEWLINK, 0);
	ifi->ifi_index = (int)ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		mnl_attr_put_u32(r.nlh, IFLA_MTU, mtu);
	return rtnl_talk(&r, NULL);
}

int rtnl_link_delete(const char *name)
{
	struct rtnl_req r;

	if (!rtnl_name_ok(name))
		return -EINVAL;
	rtnl_req_init(&r, RTM_DELLINK, 0);
	mnl_attr_put_strz(r.nlh, IFLA_IFNAME, name);
	return rtnl_talk(&r, NULL);
}

/* Fetches name's RTM_NEWLINK message into buf[size]. */
static int rtnl_link_get(const char *name, char *buf, size_t size)
{
	struct rtnl_reply rep = {.buf = buf, .size = size};
	struct rtnl_req r;
	int err;

	if (!rtnl_name_ok(name))
		return -EINVAL;
	memset(buf, 0, size);
	rtnl_req_init(&r, RTM_GETLINK, 0);
	mnl_attr_put_strz(r.nlh, IFLA_IFNAME, name);
	err = rtnl_talk(&r, &rep);
	if (err)
		return err;
	return rep.got ? 0 : -ENODEV;
}

/* The attributes of a link message (or of a nest) by type, validated. */
struct rtnl_attrs {
	const struct nlattr *tb[IFLA_MAX + 1];
	int max; /* highest type kept */
};

static int rtnl_attr_cb(const struct nlattr *a, void *arg)
{
	struct rtnl_attrs *t = arg;
	int type = mnl_attr_get_type(a);

	if (type <= t->max && mnl_attr_type_valid(a, (uint16_t)t->max) > 0)
		t->tb[type] = a;
	return MNL_CB_OK;
}

int rtnl_link_mtu(const char *name, uint32_t *mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_attrs t = {.max = IFLA_MAX};
	int err;

	err = rtnl_link_get(name, buf, sizeof(buf));
	if (err)
		return err;
	mnl_attr_parse((struct nlmsghdr *)buf, sizeof(struct ifinfomsg), rtnl_attr_cb, &t);
	if (!t.tb[IFLA_MTU] || mnl_attr_validate(t.tb[IFLA_MTU], MNL_TYPE_U32) < 0)
		return -EPROTO;
	*mtu = mnl_attr_get_u32(t.tb[IFLA_MTU]);
	return 0;
}

int rtnl_link_kind(const char *name, char *kind, size_t size)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_attrs t = {.max = IFLA_MAX}, info = {.max = IFLA_INFO_MAX};
	int err;

	if (!kind || !size)
		return -EINVAL;
	kind[0] = '\0';
	err = rtnl_link_get(name, buf, sizeof(buf));
	if (err)
		return err;
	mnl_attr_parse((struct nlmsghdr *)buf, sizeof(struct ifinfomsg), rtnl_attr_cb, &t);
	if (!t.tb[IFLA_LINKINFO])
		return 0;
	mnl_attr_parse_nested(t.tb[IFLA_LINKINFO], rtnl_attr_cb, &info);
	if (info.tb[IFLA_INFO_KIND] &&
	    mnl_attr_validate(info.tb[IFLA_INFO_KIND], MNL_TYPE_STRING) == 0)
		snprintf(kind, size, "%.*s", (int)mnl_attr_get_payload_len(info.tb[IFLA_INFO_KIND]),
			 mnl_attr_get_str(info.tb[IFLA_INFO_KIND]));
	return 0;
}

/* Runs the interface ioctl req (SIOCGIF*) for name into *ifr. 0 or -errno. */
static int rtnl_ifreq(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd, err = 0;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, req, ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

int rtnl_link_ip4(const char *name, uint32_t *ip4)
{
	struct ifreq ifr;
	int err = rtnl_ifreq(name, SIOCGIFADDR, &ifr);

	if (!err)
		*ip4 = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	return err;
}

int rtnl_link_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr;
	int err = rtnl_ifreq(name, SIOCGIFHWADDR, &ifr);

	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

/* Runs the ethtool command at ev (ETHTOOL_SGRO, _GDRVINFO) on name. 0 or
 * -errno. */
static int rtnl_ethtool(const char *name, void *ev)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

int rtnl_link_set_gro(const char *name, bool on)
{
	struct ethtool_value ev = {.cmd = ETHTOOL_SGRO, .data = on};

	return rtnl_ethtool(name, &ev);
}

int rtnl_link_bus(const char *name, char *bus, size_t size)
{
	struct ethtool_drvinfo di = {.cmd = ETHTOOL_GDRVINFO};
	int err;

	if (!bus || !size)
		return -EINVAL;
	bus[0] = '\0';
	err = rtnl_ethtool(name, &di);
	if (!err)
		snprintf(bus, size, "%.*s", (int)sizeof(di.bus_info), di.bus_info);
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
