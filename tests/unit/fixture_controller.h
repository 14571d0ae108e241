/* fixture_controller.h - the controller as the agent's tests play it: a
 * CURVE ROUTER on a loopback port that receives the agent's messages and
 * sends it wire messages (or raw bytes), shared by test_agent_agent.c and
 * test_agent_sbclient.c. The agent under test runs on the caller's libevent
 * loop, which fake_controller_expect runs while it waits. Include after
 * <cmocka.h> (it asserts with cmocka). */
#ifndef TENET_FIXTURE_CONTROLLER_H
#define TENET_FIXTURE_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <czmq.h>
#include <event2/event.h>

#include "wire.h"

/* A CURVE server ROUTER with key cert bound to tcp://127.0.0.1:* (its
 * endpoint: zsock_endpoint). Never NULL (asserts). */
static inline zsock_t *fake_controller_new(zcert_t *cert)
{
	zsock_t *router = zsock_new(ZMQ_ROUTER);

	assert_non_null(router);
	zcert_apply(cert, router);
	zsock_set_curve_server(router, 1);
	zsock_set_linger(router, 0);
	assert_true(zsock_bind(router, "tcp://127.0.0.1:*") > 0);
	return router;
}

/* Runs base's loop until router gets a message of type for which ok(m)
 * holds (ok NULL: any), up to timeout_ms; other messages are dropped.
 * Fills *m (release) and *rid (the sender's routing id, replacing the one
 * there). Returns false if none came. */
static inline bool fake_controller_expect(struct event_base *base, zsock_t *router, zframe_t **rid,
					  enum wire_type type, bool (*ok)(const struct wire_msg *),
					  struct wire_msg *m, int timeout_ms)
{
	int64_t deadline = zclock_mono() + timeout_ms;
	zpoller_t *p = zpoller_new(router, NULL);
	bool found = false;

	while (!found && zclock_mono() < deadline) {
		zmsg_t *msg;
		zframe_t *payload;

		event_base_loop(base, EVLOOP_NONBLOCK);
		if (!zpoller_wait(p, 5))
			continue;
		msg = zmsg_recv(router);
		assert_non_null(msg);
		assert_int_equal(zmsg_size(msg), 2);
		zframe_destroy(rid);
		*rid = zmsg_pop(msg);
		payload = zmsg_first(msg);
		assert_int_equal(wire_decode(zframe_data(payload), zframe_size(payload), m), 0);
		found = m->type == type && (!ok || ok(m));
		if (!found)
			wire_msg_release(m);
		zmsg_destroy(&msg);
	}
	zpoller_destroy(&p);
	return found;
}

/* Sends len bytes from router to the session rid. */
static inline void fake_controller_send_raw(zsock_t *router, zframe_t *rid, const void *data,
					    size_t len)
{
	zmsg_t *msg = zmsg_new();

	zmsg_append(msg, &(zframe_t *){zframe_dup(rid)});
	zmsg_addmem(msg, data, len);
	assert_int_equal(zmsg_send(&msg, router), 0);
}

/* Sends m, encoded, from router to the session rid. */
static inline void fake_controller_send(zsock_t *router, zframe_t *rid, const struct wire_msg *m)
{
	uint8_t *buf;
	size_t len;

	assert_int_equal(wire_encode(m, &buf, &len), 0);
	fake_controller_send_raw(router, rid, buf, len);
	free(buf);
}

#endif
