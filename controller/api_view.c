/* api_view.c - how an object is shown: the store's object with the runtime
 * state the store does not hold (see api_int.h). Called by the resource
 * handlers and by replies to forwarded writes; calls only the cluster view
 * (api_peers.c), the drop reasons (api_observe.c), the southbound and the
 * store. */
#include "api_int.h"

#include <errno.h>

#include "migrate_req.h"
#include "southbound.h"

/* Adds runtime state the store does not hold: a port's status, a host's
 * session state, applied revision and what its agent announced
 * ("capabilities", absent when nothing is known). Returns obj. */
json_t *api_decorate(struct api *api, enum model_kind kind, json_t *obj)
{
	struct southbound_port_info pi;
	struct southbound_host_info hi;
	bool known;

	if (kind == MODEL_PORT) {
		uint32_t key = (uint32_t)json_integer_value(json_object_get(obj, "port_key"));
		const char *host =
		    json_string_value(json_object_get(json_object_get(obj, "binding"), "host"));
		json_t *h = NULL;

		known = api->sb && southbound_port_info(api->sb, key, &pi);
		/* bound to a host that is not enrolled: nothing can realise it
		 * (Neutron's binding_failed) */
		if (host && host[0] && store_get(api->store, MODEL_HOST, host, &h) == -ENOENT) {
			json_object_set_new(obj, "status", json_string("BINDING_FAILED"));
			known = false;
		} else {
			json_object_set_new(obj, "status",
					    json_string(known && pi.up ? "ACTIVE" : "DOWN"));
		}
		json_decref(h);
		api_observe_port_reason(api, obj, host, known ? &pi : NULL);
	} else if (kind == MODEL_HOST) {
		const char *name = json_string_value(json_object_get(obj, "name"));

		known = api->sb && name && southbound_host_info(api->sb, name, &hi);
		json_object_set_new(
		    obj, "state",
		    json_string(known && hi.connected ? "connected" : "disconnected"));
		json_object_set_new(obj, "applied_revision",
				    json_integer(known ? (json_int_t)hi.acked_rev : 0));
		if (known) {
			struct migrate_caps c = {hi.caps.encaps, hi.caps.overlay_mtu, hi.caps.abi};
			json_t *caps = migrate_caps_json(&c);

			if (caps)
				json_object_set_new(obj, "capabilities", caps);
		}
	}
	api_peers_decorate(api, kind, obj);
	return obj;
}
