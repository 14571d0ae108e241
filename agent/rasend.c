/* rasend.c - unsolicited router advertisements; see rasend.h. */
#include "rasend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "log.h"
#include "ra6.h"
#include "tenet_abi.h"

struct rasend {
	struct event *ev;  /* the next advertisement */
	int ifindex_fd;	   /* tn_ifindex (borrowed) */
	int ra_fd;	   /* tn_ra (borrowed) */
	int sock;	   /* AF_PACKET, send only */
	unsigned interval; /* MaxRtrAdvInterval, s */
	bool kicked;	   /* a kick is pending */
};

static const uint8_t rasend_all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
static const uint8_t rasend_all_ip6[16] = {0xff, 0x02, [15] = 1};

/* A random delay in [lo_ms, hi_ms]. */
static struct timeval rasend_delay(unsigned lo_ms, unsigned hi_ms)
{
	uint32_t r = 0;
	unsigned ms;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)rand();
	ms = lo_ms + (hi_ms > lo_ms ? r % (hi_ms - lo_ms + 1) : 0);
	return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

static void rasend_arm(struct rasend *r)
{
	struct timeval tv = rasend_delay(r->interval * 1000 / 3, r->interval * 1000);

	event_add(r->ev, &tv);
}

/* Sends row's RA out of ifindex. Returns 0 or -errno. */
static int rasend_one(struct rasend *r, uint32_t ifindex, const struct tn_ra *row)
{
	struct sockaddr_ll to = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(ETH_P_IPV6),
				 .sll_ifindex = (int)ifindex,
				 .sll_halen = 6};
	uint8_t frame[RA6_HEAD + TN_RA_MSG_MAX];
	size_t len;
	int err;

	err = ra6_frame(row, rasend_all_mac, rasend_all_ip6, frame, sizeof(frame), &len);
	if (err)
		return err;
	memcpy(to.sll_addr, rasend_all_mac, 6);
	if (sendto(r->sock, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int rasend_all(struct rasend *r)
{
	struct tn_ifindex_key key, next;
	struct tn_ifport port;
	struct tn_ra_key rk;
	struct tn_ra row;
	void *prev = NULL;
	int sent = 0, err;

	if (!r)
		return -EINVAL;
	while (bpf_map_get_next_key(r->ifindex_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(r->ifindex_fd, &key, &port))
			continue; /* deleted meanwhile */
		rk.vni = port.vni;
		if (bpf_map_lookup_elem(r->ra_fd, &rk, &row))
			continue; /* no RA on its network */
		err = rasend_one(r, key.ifindex, &row);
		if (err)
			log_debug("router advertisement not sent ifindex=%u vni=%u err=%d",
				  key.ifindex, port.vni, err);
		else
			sent++;
	}
	return sent;
}

static void rasend_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct rasend *r = arg;
	int n;

	(void)fd;
	(void)what;
	r->kicked = false;
	n = rasend_all(r);
	if (n > 0)
		log_debug("router advertisements sent count=%d", n);
	rasend_arm(r);
}

struct rasend *rasend_new(struct event_base *base, int ifindex_fd, int ra_fd, unsigned interval)
{
	struct rasend *r;

	if (!base || ifindex_fd < 0 || ra_fd < 0)
		return NULL;
	if (!interval)
		interval = RASEND_INTERVAL_DEFAULT;
	if (interval < RASEND_INTERVAL_MIN || interval > RASEND_INTERVAL_MAX)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->ifindex_fd = ifindex_fd;
	r->ra_fd = ra_fd;
	r->interval = interval;
	r->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: receives nothing */
	if (r->sock < 0) {
		log_err("router advertisements: no packet socket errno=%d", errno);
		goto out_free;
	}
	r->ev = event_new(base, -1, 0, rasend_on_timer, r);
	if (!r->ev)
		goto out_sock;
	rasend_kick(r);
	return r;
out_sock:
	close(r->sock);
out_free:
	free(r);
	return NULL;
}

void rasend_kick(struct rasend *r)
{
	struct timeval tv;

	if (!r || r->kicked)
		return;
	r->kicked = true;
	tv = rasend_delay(100, 1000);
	event_del(r->ev);
	event_add(r->ev, &tv);
}

void rasend_destroy(struct rasend **rp)
{
	struct rasend *r;

	if (!rp || !*rp)
		return;
	r = *rp;
	if (r->ev)
		event_free(r->ev);
	if (r->sock >= 0)
		close(r->sock);
	free(r);
	*rp = NULL;
}
