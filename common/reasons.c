/* reasons.c - the names of the datapath's counters and drop reasons; see
 * reasons.h. */
#include "reasons.h"

#include <errno.h>
#include <string.h>

#include <linux/types.h>

#include "tenet_abi.h"

/* One counter or drop reason. */
struct reasons_entry {
	const char *name; /* API name */
	const char *text; /* one-line description */
};

static const struct reasons_entry reasons_table[] = {
    [TN_STAT_RX_VIF] = {"rx_vif", "packets from local ports"},
    [TN_STAT_RX_TUNNEL] = {"rx_tunnel", "packets from the tunnel"},
    [TN_STAT_TX_LOCAL] = {"tx_local", "delivered to a local port"},
    [TN_STAT_TX_TUNNEL] = {"tx_tunnel", "sent to a remote host"},
    [TN_STAT_ARP_REPLY] = {"arp_reply",
			   "ARP requests and IPv6 neighbor solicitations answered locally"},
    [TN_STAT_FLOOD] = {"flood", "broadcast or unknown unicast replicated"},
    [TN_STAT_ROUTED] = {"routed", "IPv4 and IPv6 packets routed"},
    [TN_STAT_ICMP_SENT] = {"icmp_sent",
			   "ICMP and ICMPv6 answers of routers (echo replies, errors)"},
    [TN_STAT_DHCP_REPLY] = {"dhcp_reply", "DHCP requests answered locally"},
    [TN_STAT_DHCP_RELEASE] = {"dhcp_release", "DHCP releases and declines taken locally"},
    [TN_STAT_RA_SENT] = {"ra_sent", "router solicitations answered with a router advertisement"},
    [TN_STAT_DHCP6_REPLY] = {"dhcp6_reply", "DHCPv6 requests answered locally"},
    [TN_STAT_MIG_ACTIVATED] = {"mig_activated",
			       "migrating ports activated here by their first packet"},
    [TN_STAT_MIG_TO_SOURCE] = {"mig_to_source",
			       "frames for a port in standby here sent to its source host"},
    [TN_STAT_MIG_COPY] = {"mig_copy", "frames for a migrating port copied to its destination host"},
    [TN_STAT_MIG_RARP] = {"mig_rarp", "RARP announcements of migrating ports taken"},
    [TN_DROP_MALFORMED] = {"malformed", "truncated or bad headers"},
    [TN_DROP_NO_PORT] = {"no_port", "interface is not a known port"},
    [TN_DROP_SPOOF_MAC] = {"spoof_mac", "source MAC is not the port's"},
    [TN_DROP_NO_FDB] = {"no_fdb", "no destination and no flood list in the network"},
    [TN_DROP_UNKNOWN_PEER] = {"unknown_peer", "tunnel packet from a host that is not enrolled"},
    [TN_DROP_BAD_VNI] = {"bad_vni", "tunnel packet in a network its host has no port in"},
    [TN_DROP_NO_TUNNEL_KEY] = {"no_tunnel_key", "tunnel packet without tunnel metadata"},
    [TN_DROP_TAIL_CALL] = {"tail_call", "datapath stage missing (tail call failed)"},
    [TN_DROP_REDIRECT] = {"redirect", "redirect or clone to the destination failed"},
    [TN_DROP_CONFIG] = {"config", "datapath not configured (no tunnel device)"},
    [TN_DROP_TUN_SRC_UNKNOWN] = {"tun_src_unknown",
				 "tunnel: inner source MAC is no port of the network"},
    [TN_DROP_TUN_SRC_HOST] = {"tun_src_host", "tunnel: inner source MAC is a port of another host"},
    [TN_DROP_TUN_SRC_IP] = {"tun_src_ip", "tunnel: IPv4 source the sending port may not use"},
    [TN_DROP_TUN_ARP] = {"tun_arp", "tunnel: ARP sender the sending port may not claim"},
    [TN_DROP_SPOOF_IP] = {"spoof_ip", "IPv4 source is not one of the port's addresses"},
    [TN_DROP_SPOOF_ARP] = {"spoof_arp", "ARP sender MAC or IPv4 is not the port's"},
    [TN_DROP_IPV6] = {"ipv6", "IPv6 from a port with port security and no IPv6 check (ABI 5-7)"},
    [TN_DROP_ND] = {"nd", "neighbor discovery options malformed (length 0, too long, too many)"},
    [TN_DROP_VLAN] = {"vlan", "VLAN-tagged frame from a port with port security"},
    [TN_DROP_TUN_IPV6] = {"tun_ipv6", "tunnel: IPv6 source the sending port may not use"},
    [TN_DROP_TUN_VLAN] = {"tun_vlan", "tunnel: VLAN-tagged frame from a port with port security"},
    [TN_DROP_ENCAP] = {"encap", "back end (b): the frame could not be encapsulated"},
    [TN_DROP_TTL] = {"ttl", "TTL or hop limit expired in routing (time exceeded sent)"},
    [TN_DROP_NO_ROUTE] = {"no_route", "no route to the destination (ICMP unreachable sent)"},
    [TN_DROP_NO_NEIGH] = {"no_neigh",
			  "destination in a connected subnet is no port (ICMP unreachable sent)"},
    [TN_DROP_L3_PROTO] = {"l3_proto", "to a router: not routable (not IPv4/IPv6, link-local, ND)"},
    [TN_DROP_ROUTER_LOCAL] = {"router_local", "to a router's own address, not an echo request"},
    [TN_DROP_FRAG_NEEDED] =
	{"frag_needed", "IPv4 with DF, or IPv6, too big for the overlay (frag. needed, PTB sent)"},
    [TN_DROP_TUN_ROUTED] = {"tun_routed",
			    "tunnel: routed frame whose source is no port of the sending host"},
    [TN_DROP_DHCP_NO_LEASE] = {"dhcp_no_lease", "DHCP request from a port with no DHCP answer"},
    [TN_DROP_DHCP_BAD] = {"dhcp_bad", "malformed DHCP request"},
    [TN_DROP_DHCP_IGNORED] = {"dhcp_ignored",
			      "DHCP message no server answers (request for another server)"},
    [TN_DROP_SPOOF_IP6] = {"spoof_ip6", "IPv6 source is not one of the port's addresses"},
    [TN_DROP_SPOOF_ND] = {"spoof_nd", "neighbor discovery claims an address or MAC not the port's"},
    [TN_DROP_RA_GUARD] = {"ra_guard", "router advertisement or redirect from a port"},
    [TN_DROP_IP6_EXT] = {"ip6_ext",
			 "IPv6 extension headers not accepted (too many or fragmented ND)"},
    [TN_DROP_TUN_ND] = {"tun_nd", "tunnel: neighbor discovery the sending port may not send"},
    [TN_DROP_SG_EGRESS] = {"sg_egress", "new flow from a port that no rule of its groups allows"},
    [TN_DROP_SG_INGRESS] = {"sg_ingress", "new flow to a port that no rule of its groups allows"},
    [TN_DROP_CT_INVALID] = {"ct_invalid",
			    "TCP opening no connection, or ICMP error, with no tracked connection"},
    [TN_DROP_SG_REVOKED] = {"sg_revoked",
			    "tracked connection no longer allowed after a rule change"},
    [TN_DROP_TUN_IDENTITY] = {"tun_identity",
			      "tunnel: identity not the source port's or not of the sending host"},
    [TN_DROP_RS_BAD] = {"rs_bad", "invalid router solicitation (hop limit, code, length, options)"},
    [TN_DROP_DHCP6_NO_LEASE] = {"dhcp6_no_lease",
				"DHCPv6 request from a port with no DHCPv6 answer"},
    [TN_DROP_DHCP6_BAD] = {"dhcp6_bad", "malformed DHCPv6 request"},
    [TN_DROP_DHCP6_IGNORED] = {"dhcp6_ignored",
			       "DHCPv6 message no server answers (for another server)"},
    [TN_DROP_GENEVE_HDR] = {"geneve_hdr",
			    "Geneve truncated, lengths past the packet, wrong version or protocol"},
    [TN_DROP_GENEVE_OPT_LEN] =
	{"geneve_opt_len",
	 "Geneve opt_len or an option past its bounds, too many, bad tenet option"},
    [TN_DROP_GENEVE_CRITICAL] = {"geneve_critical",
				 "Geneve option unknown to tenet marked critical"},
    [TN_DROP_MIG_STANDBY] = {"mig_standby",
			     "tunnel: frame for a port in standby here, not activated yet"},
    [TN_DROP_MIG_LOOP] =
	{"mig_loop", "tunnel: frame for a migrating port that would go back where it came from"},
    [TN_DROP_SG_FRAG] = {"sg_frag",
			 "IP fragment whose first fragment was not seen or not let through"},
};

_Static_assert(sizeof(reasons_table) / sizeof(reasons_table[0]) == TN_STAT_MAX,
	       "every enum tn_stat needs a name in reasons_table");

bool reasons_is_drop(uint32_t stat)
{
	return stat >= TN_DROP_FIRST && stat < TN_STAT_MAX;
}

const char *reasons_name(uint32_t stat)
{
	return stat < TN_STAT_MAX ? reasons_table[stat].name : NULL;
}

const char *reasons_describe(uint32_t stat)
{
	return stat < TN_STAT_MAX ? reasons_table[stat].text : NULL;
}

int reasons_lookup(const char *name, uint32_t *stat)
{
	if (!name || !stat)
		return -EINVAL;
	for (uint32_t i = 0; i < TN_STAT_MAX; i++) {
		if (reasons_table[i].name && strcmp(reasons_table[i].name, name) == 0) {
			*stat = i;
			return 0;
		}
	}
	return -ENOENT;
}

uint32_t reasons_count(void)
{
	return TN_STAT_MAX;
}
