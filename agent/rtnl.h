/* rtnl.h - the few rtnetlink and interface operations the agent needs.
 *
 * Raw NETLINK_ROUTE requests (no extra library): create the collect_md VXLAN
 * tunnel device, set an interface's MTU and state, delete an interface, and
 * read an interface's index, MTU and IPv4 address. Everything acts in the
 * caller's network namespace. All functions are blocking, any thread.
 */
#ifndef TENET_AGENT_RTNL_H
#define TENET_AGENT_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Creates a VXLAN device name in external (collect_md) mode on UDP port
 * dstport, learning off, with the given MTU. Returns 0, -EEXIST if a device
 * of that name exists, or another -errno from the kernel. */
int rtnl_vxlan_create(const char *name, uint16_t dstport, uint32_t mtu);

/* Sets ifindex's MTU (when mtu > 0) and brings it up (when up). Returns 0 or
 * -errno. */
int rtnl_link_set(uint32_t ifindex, uint32_t mtu, bool up);

/* Deletes interface name. Returns 0, -ENODEV if it does not exist, or
 * -errno. */
int rtnl_link_delete(const char *name);

/* Disables IPv6 on interface name (net.ipv6.conf.<name>.disable_ipv6 of the
 * caller's namespace), so the host never speaks (router solicitations, MLD)
 * on a VM's port. Returns 0 (also when IPv6 is absent) or -errno. */
int rtnl_link_disable_ipv6(const char *name);

/* Reads name's MTU into *mtu. Returns 0 or -errno (-ENODEV if absent). */
int rtnl_link_mtu(const char *name, uint32_t *mtu);

/* Reads name's primary IPv4 address (network order) into *ip4. Returns 0,
 * -EADDRNOTAVAIL if it has none, or -errno. */
int rtnl_link_ip4(const char *name, uint32_t *ip4);

/* Reads name's link-layer (Ethernet) address into mac[6]. Returns 0 or
 * -errno (-ENODEV if absent). */
int rtnl_link_mac(const char *name, uint8_t mac[6]);

/* Reads the kind ("vxlan", "veth", ...) of interface name into kind[size].
 * Returns 0 (kind is "" for a device without one), -ENODEV, or -errno. */
int rtnl_link_kind(const char *name, char *kind, size_t size);

/* Turns generic receive offload of interface name on or off (ethtool -K
 * name gro on|off). Returns 0 or -errno. */
int rtnl_link_set_gro(const char *name, bool on);

/* Copies interface name's bus address (ethtool -i's bus-info: "0000:03:00.0"
 * for a PCI NIC; empty for most virtual devices) into bus (size bytes,
 * NUL-terminated). Returns 0 or -errno. */
int rtnl_link_bus(const char *name, char *bus, size_t size);

#endif
