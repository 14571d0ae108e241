/* southbound_zap.c - the southbound's ZAP handler (see southbound.c): it
 * admits exactly the CURVE keys of enrolled hosts, names the session with
 * User-Id = host name and X-Key = its Z85 key, and logs every client it
 * refuses with its address and key fingerprint - once per (address, key)
 * per SB_REFUSAL_REPEAT_MS, the next line counting the repeats, and at most
 * SB_REFUSAL_BURST lines per SB_WARN_MS altogether, so a flood of new keys
 * cannot fill the log. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "keyfp.h"
#include "log.h"
#include "publish.h"
#include "southbound_int.h"

#define SB_REFUSAL_REPEAT_MS 60000 /* one line per (address, key) per this */
#define SB_REFUSAL_BURST     10	   /* refusal lines per SB_WARN_MS, at most */
#define SB_REFUSAL_TABLE     1024  /* (address, key) pairs remembered */

/* When a refused (address, key) was last logged. */
struct sb_refusal {
	int64_t last_ms;  /* zclock_mono() of its last line */
	unsigned repeats; /* refusals since, not logged */
};

/* True if a refusal line may go out now (SB_REFUSAL_BURST per SB_WARN_MS);
 * otherwise counts it as suppressed. */
static bool sb_refusal_burst_ok(struct southbound *sb, int64_t now)
{
	if (now - sb->refusal_since >= SB_WARN_MS) {
		sb->refusal_since = now;
		sb->refusal_lines = 0;
	}
	if (sb->refusal_lines >= SB_REFUSAL_BURST) {
		sb->refusal_suppressed++;
		return false;
	}
	sb->refusal_lines++;
	return true;
}

/* Remembers that (id) was logged now; forgets stale pairs when the table
 * is full, and does without when it stays full (the burst limit holds). */
static void sb_refusal_note(struct southbound *sb, const char *id, int64_t now)
{
	struct sb_refusal *r;

	if (zhashx_size(sb->refusals) >= SB_REFUSAL_TABLE) {
		zlistx_t *keys = zhashx_keys(sb->refusals);

		for (const char *k = keys ? zlistx_first(keys) : NULL; k; k = zlistx_next(keys)) {
			r = zhashx_lookup(sb->refusals, k);
			if (now - r->last_ms >= SB_REFUSAL_REPEAT_MS)
				zhashx_delete(sb->refusals, k);
		}
		zlistx_destroy(&keys);
		if (zhashx_size(sb->refusals) >= SB_REFUSAL_TABLE)
			return;
	}
	r = calloc(1, sizeof(*r));
	if (!r || zhashx_insert(sb->refusals, id, r)) {
		free(r);
		return;
	}
	r->last_ms = now;
}

/* Logs a client ZAP refused (address: its IP; key: its raw key or NULL),
 * rate-limited as the top of this file says. */
static void sb_log_refusal(struct southbound *sb, zframe_t *address, zframe_t *key, const char *why)
{
	char addr[64], fp[KEYFP_HEX + 1] = "-", id[sizeof(addr) + sizeof(fp) + 1];
	int64_t now = zclock_mono();
	struct sb_refusal *r;
	unsigned repeats = 0;
	size_t n = address ? zframe_size(address) : 0;

	n = n < sizeof(addr) ? n : sizeof(addr) - 1;
	for (size_t i = 0; i < n; i++) { /* libzmq's text, but keep the line one line */
		char c = (char)zframe_data(address)[i];

		addr[i] = c > ' ' && c < 127 ? c : '?';
	}
	addr[n] = '\0';
	if (key && zframe_size(key) == 32)
		keyfp_raw(zframe_data(key), fp);
	snprintf(id, sizeof(id), "%s %s", n ? addr : "-", fp);
	r = zhashx_lookup(sb->refusals, id);
	if (r && now - r->last_ms < SB_REFUSAL_REPEAT_MS) {
		r->repeats++;
		return;
	}
	if (!sb_refusal_burst_ok(sb, now))
		return;
	if (r) {
		repeats = r->repeats;
		r->repeats = 0;
		r->last_ms = now;
	} else {
		sb_refusal_note(sb, id, now);
	}
	log_warn("southbound client refused addr=%s fingerprint=%s reason=%s repeats=%u "
		 "suppressed=%u (rx_unauthenticated=%" PRIu64 ")",
		 n ? addr : "-", fp, why, repeats, sb->refusal_suppressed,
		 sb->stats.rx_unauthenticated);
	sb->refusal_suppressed = 0;
}

/* Decides one ZAP request; returns the status code and sets *user, *why
 * (when refused) and, when admitted, z85 (the client's key). */
static const char *sb_zap_decide(struct southbound *sb, zframe_t *f[7], const char **user,
				 const char **why, char z85[Z85_KEY_LEN + 1])
{
	const char *name;

	*user = "";
	*why = "bad_zap_request";
	if (!zframe_streq(f[0], "1.0"))
		return "500";
	*why = "wrong_domain_or_mechanism";
	if (!zframe_streq(f[2], SB_ZAP_DOMAIN) || !zframe_streq(f[5], "CURVE") ||
	    zframe_size(f[6]) != 32 || !zmq_z85_encode(z85, zframe_data(f[6]), 32))
		return "400";
	*why = "key_not_enrolled";
	name = publish_key_owner(sb->pub, z85);
	if (!name)
		return "400";
	*user = name;
	return "200";
}

/* Appends the ZAP reply's metadata frame: the property SB_KEY_PROP = key
 * (ZMTP metadata: name length, name, 4-byte big-endian value length, value)
 * when admitted, nothing otherwise. */
static void sb_zap_metadata(zmsg_t *rep, const char *key)
{
	uint8_t md[1 + sizeof(SB_KEY_PROP) + 4 + 40];
	size_t nl = strlen(SB_KEY_PROP), off = 0;

	if (!key) {
		zmsg_addmem(rep, NULL, 0);
		return;
	}
	md[off++] = (uint8_t)nl;
	memcpy(md + off, SB_KEY_PROP, nl);
	off += nl;
	md[off++] = 0;
	md[off++] = 0;
	md[off++] = 0;
	md[off++] = 40;
	memcpy(md + off, key, Z85_KEY_LEN);
	zmsg_addmem(rep, md, off + 40);
}

static void sb_zap_handle(struct southbound *sb, zmsg_t *req)
{
	const char *user = "", *status = "500", *why = "bad_zap_request";
	zframe_t *f[7] = {0};
	zmsg_t *rep = zmsg_new();
	char key[Z85_KEY_LEN + 1] = "";

	/* version, request id, domain, address, identity, mechanism, key */
	f[0] = zmsg_first(req);
	for (int i = 1; i < 7 && f[i - 1]; i++)
		f[i] = zmsg_next(req);
	if (f[6])
		status = sb_zap_decide(sb, f, &user, &why, key);
	if (!rep)
		return;
	zmsg_addstr(rep, "1.0");
	zmsg_addmem(rep, f[1] ? zframe_data(f[1]) : NULL, f[1] ? zframe_size(f[1]) : 0);
	zmsg_addstr(rep, status);
	zmsg_addstr(rep, status[0] == '2' ? "OK" : "denied");
	zmsg_addstr(rep, user);
	sb_zap_metadata(rep, status[0] == '2' ? key : NULL);
	if (zmsg_send(&rep, sb->zap))
		zmsg_destroy(&rep);
	if (status[0] == '2') {
		log_debug("zap admitted host=%s", user);
		return;
	}
	sb->stats.rx_unauthenticated++;
	sb_log_refusal(sb, f[3], f[5] && zframe_streq(f[5], "CURVE") ? f[6] : NULL, why);
}

void sb_on_zap(evutil_socket_t fd, short what, void *arg)
{
	struct southbound *sb = arg;

	for (int i = 0; i < SB_BATCH && (zsock_events(sb->zap) & ZMQ_POLLIN); i++) {
		zmsg_t *req = zmsg_recv(sb->zap);

		if (!req)
			break;
		sb_zap_handle(sb, req);
		zmsg_destroy(&req);
	}
	sb_kick(sb);
}
