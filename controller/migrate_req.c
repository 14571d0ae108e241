/* migrate_req.c - a migration's requirements on its destination
 * (migrate_req.h). */
#include "migrate_req.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

bool migrate_caps_known(const struct migrate_caps *c)
{
	return c && (c->encaps || c->overlay_mtu || c->abi);
}

json_t *migrate_caps_json(const struct migrate_caps *c)
{
	json_t *enc;

	if (!migrate_caps_known(c))
		return NULL;
	enc = json_array();
	if (c->encaps & WIRE_CAP_VXLAN)
		json_array_append_new(enc, json_string("vxlan"));
	if (c->encaps & WIRE_CAP_GENEVE)
		json_array_append_new(enc, json_string("geneve"));
	return json_pack("{s:o,s:I,s:I}", "encapsulations", enc, "overlay_mtu",
			 (json_int_t)c->overlay_mtu, "abi_version", (json_int_t)c->abi);
}

/* An unsigned 32-bit member k of j, 0 when absent or out of range. */
static uint32_t mr_u32(const json_t *j, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(j, k));

	return v > 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

void migrate_caps_parse(const json_t *j, struct migrate_caps *c)
{
	const json_t *e;
	size_t i;

	*c = (struct migrate_caps){0};
	if (!json_is_object(j))
		return;
	json_array_foreach(json_object_get(j, "encapsulations"), i, e)
	{
		const char *s = json_string_value(e);

		if (s && strcmp(s, "vxlan") == 0)
			c->encaps |= WIRE_CAP_VXLAN;
		else if (s && strcmp(s, "geneve") == 0)
			c->encaps |= WIRE_CAP_GENEVE;
	}
	c->overlay_mtu = mr_u32(j, "overlay_mtu");
	c->abi = mr_u32(j, "abi_version");
}

int migrate_req_check(const struct migrate_caps *src, const struct migrate_caps *dst, bool geneve,
		      const char *dst_name, const char **field, char *why, size_t size)
{
	uint32_t need = geneve ? WIRE_CAP_GENEVE : WIRE_CAP_VXLAN;
	const char *name = dst_name ? dst_name : "?";

	if (!migrate_caps_known(dst)) {
		*field = "capabilities";
		snprintf(why, size,
			 "host %.63s announced no capabilities (its agent predates them): "
			 "upgrade it to migrate ports to it",
			 name);
	} else if (dst->abi < MIGRATE_ABI_MIN) {
		*field = "abi_version";
		snprintf(why, size,
			 "host %.63s runs datapath ABI %u; a migration needs %u or newer", name,
			 dst->abi, MIGRATE_ABI_MIN);
	} else if (!(dst->encaps & need)) {
		*field = "encapsulations";
		snprintf(why, size, "host %.63s does not support %s, the network's encapsulation",
			 name, geneve ? "geneve" : "vxlan");
	} else if (migrate_caps_known(src) && src->overlay_mtu &&
		   dst->overlay_mtu < src->overlay_mtu) {
		*field = "overlay_mtu";
		snprintf(why, size,
			 "host %.63s has overlay MTU %u, smaller than the source's %u for this "
			 "network",
			 name, dst->overlay_mtu, src->overlay_mtu);
	} else {
		return 0;
	}
	return -EOPNOTSUPP;
}
