#!/usr/bin/env bash
# test_routers_api.sh BUILD_DIR - routers through the REST API and tenetctl
# on a real tenet-controller on 127.0.0.1: create, interfaces the Neutron way
# (PUT /v1/routers/ID/add_router_interface) and as objects, static routes v4
# and v6, what is refused (another tenant's subnet, overlapping subnets, a
# second interface on a subnet, a next hop on no interface, malformed action
# bodies) with the revision unchanged, and what cannot be deleted while it is
# needed (409). Needs no root.
set -uo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init routers_api "${1:-}"
t_need "$CTL" "$CLI" jq curl

. "$(dirname "$0")/../lib/api.sh"
t_api_controller || exit 1

made blue POST /tenants '{"name":"blue"}'
made red POST /tenants '{"name":"red"}'
made bnet1 POST /networks "{\"tenant_id\":\"$blue\",\"name\":\"b1\"}"
made bnet2 POST /networks "{\"tenant_id\":\"$blue\",\"name\":\"b2\"}"
made bnet3 POST /networks "{\"tenant_id\":\"$blue\",\"name\":\"b3\"}"
made rnet POST /networks "{\"tenant_id\":\"$red\",\"name\":\"r1\"}"
made bsub1 POST /subnets "{\"network_id\":\"$bnet1\",\"name\":\"b1-v4\",\"cidr\":\"10.0.1.0/24\"}"
made bsub6 POST /subnets "{\"network_id\":\"$bnet1\",\"name\":\"b1-v6\",\"cidr\":\"fd00:1::/64\"}"
made bsub2 POST /subnets "{\"network_id\":\"$bnet2\",\"name\":\"b2-v4\",\"cidr\":\"10.0.2.0/24\"}"
made bover POST /subnets "{\"network_id\":\"$bnet3\",\"name\":\"b3-wide\",\"cidr\":\"10.0.0.0/16\"}"
made rsub POST /subnets "{\"network_id\":\"$rnet\",\"name\":\"r1-v4\",\"cidr\":\"10.0.1.0/24\"}"

echo "# routers"
made r1 POST /routers "{\"tenant_id\":\"$blue\",\"name\":\"edge\"}"
[ "$(jget '.routes | length')" = 0 ] || fail "a new router has routes: $BODY"
bad POST /routers '{"name":"x"}' 400 missing_field tenant_id "router without tenant"
bad POST /routers "{\"tenant_id\":\"$blue\",\"vni\":5}" 400 unknown_field vni "router with vni"
bad POST /routers "{\"tenant_id\":\"$blue\",\"routes\":{}}" 400 invalid_type routes \
	"routes not a list"
bad POST /routers "{\"tenant_id\":\"00000000-0000-4000-8000-000000000000\"}" 404 not_found \
	tenant_id "router of an unknown tenant"

echo "# interfaces, the Neutron way"
call PUT "/routers/$r1/add_router_interface" "{\"subnet_id\":\"$bsub1\"}"
expect 201 "add_router_interface v4"
[ "$(jget .ip_address)" = 10.0.1.1 ] || fail "interface address $(jget .ip_address)"
[ "$(jget .router_id)" = "$r1" ] && [ "$(jget .network_id)" = "$bnet1" ] ||
	fail "interface fields: $BODY"
rif1=$(jget .id)
bad PUT "/routers/$r1/add_router_interface" "{\"subnet_id\":\"$rsub\"}" 400 invalid_value \
	subnet_id "another tenant's subnet"
bad PUT "/routers/$r1/add_router_interface" "{\"subnet_id\":\"$bover\"}" 400 invalid_value \
	subnet_id "a subnet overlapping one the router is on"
bad PUT "/routers/$r1/add_router_interface" "{\"subnet_id\":\"$bsub1\"}" 409 conflict \
	subnet_id "a second interface on the subnet"
bad PUT "/routers/$r1/add_router_interface" '{"subnet_id":"nope"}' 400 invalid_body subnet_id \
	"subnet_id not a UUID"
bad PUT "/routers/$r1/add_router_interface" "{\"subnet_id\":\"$bsub2\",\"x\":1}" 400 \
	invalid_body subnet_id "extra member"
bad PUT "/routers/$r1/add_router_interface" '[1]' 400 invalid_body subnet_id "body not an object"
bad PUT "/routers/$r1/add_router_interface" '{' 400 invalid_json "" "body not JSON"
bad PUT "/routers/$r1/bogus_action" "{\"subnet_id\":\"$bsub2\"}" 404 not_found "" \
	"unknown action"
bad PUT "/networks/$bnet1/add_router_interface" "{\"subnet_id\":\"$bsub2\"}" 404 not_found "" \
	"action on another kind"
bad POST "/routers/$r1/add_router_interface" "{\"subnet_id\":\"$bsub2\"}" 405 \
	method_not_allowed "" "POST on an action"
bad PUT "/routers/00000000-0000-4000-8000-000000000000/add_router_interface" \
	"{\"subnet_id\":\"$bsub2\"}" 404 not_found router_id "unknown router"
call PUT "/routers/$r1/add_router_interface" "{\"subnet_id\":\"$bsub6\"}"
expect 201 "add_router_interface v6"
[ "$(jget .ip_address)" = fd00:1::1 ] || fail "v6 interface address $(jget .ip_address)"

echo "# interfaces as objects, and with tenetctl"
call GET "/router_interfaces?router_id=$r1"
expect 200 "list a router's interfaces"
[ "$(jget '.router_interfaces | length')" = 2 ] || fail "interfaces listed: $BODY"
"$CLI" router add-interface edge b2-v4 >"$TMP/out" || fail "tenetctl router add-interface"
grep -q '^ip_address: *10.0.2.1$' "$TMP/out" || fail "add-interface output: $(cat "$TMP/out")"
[ "$("$CLI" -o json router_interface list router_id="$r1" | jq '.router_interfaces | length')" = 3 ] ||
	fail "tenetctl router_interface list"

echo "# routes"
call PUT "/routers/$r1" '{"routes":[{"destination":"192.168.0.0/16","nexthop":"10.0.1.5"},{"destination":"fd00:99:0::/48","nexthop":"fd00:1::5"}]}'
expect 200 "routes v4 and v6"
[ "$(jget '.routes[1].destination')" = fd00:99::/48 ] || fail "route not canonical: $BODY"
bad PUT "/routers/$r1" '{"routes":[{"destination":"172.16.0.0/12","nexthop":"10.9.0.1"}]}' \
	400 invalid_value 'routes[0].nexthop' "next hop on no interface"
bad PUT "/routers/$r1" '{"routes":[{"destination":"172.16.0.0/12","nexthop":"10.0.1.1"}]}' \
	400 invalid_value 'routes[0].nexthop' "next hop the router itself"
bad PUT "/routers/$r1" '{"routes":[{"destination":"172.16.0.1/12","nexthop":"10.0.1.5"}]}' \
	400 invalid_value 'routes[0].destination' "destination with host bits"
"$CLI" router update edge route=172.16.0.0/12,10.0.2.7 route=fd00:98::/48,fd00:1::7 \
	>/dev/null || fail "tenetctl router update route=..."
[ "$("$CLI" -o json router show edge | jq -r '.routes | map(.nexthop) | join(" ")')" = \
	"10.0.2.7 fd00:1::7" ] || fail "routes set by tenetctl"

echo "# what stays while needed"
bad DELETE "/routers/$r1" "" 409 in_use id "router with interfaces"
bad DELETE "/subnets/$bsub1" "" 409 in_use id "subnet with an interface"
bad DELETE "/tenants/$blue" "" 409 in_use id "tenant with a router"
bad PUT "/routers/$r1/remove_router_interface" "{\"subnet_id\":\"$bsub2\"}" 409 in_use id \
	"interface a route goes through"
bad PATCH "/subnets/$bsub1" '{"gateway_ip":"10.0.1.254"}' 409 in_use gateway_ip \
	"gateway of an interface"
bad PUT "/routers/$r1/remove_router_interface" "{\"subnet_id\":\"$rsub\"}" 404 not_found \
	subnet_id "remove from a subnet the router is not on"

echo "# and goes when it is not"
"$CLI" router update edge 'routes:=[]' >/dev/null || fail "clear routes"
"$CLI" router remove-interface edge b2-v4 >/dev/null || fail "tenetctl router remove-interface"
call PUT "/routers/$r1/remove_router_interface" "{\"subnet_id\":\"$bsub1\"}"
expect 204 "remove_router_interface v4"
call DELETE "/router_interfaces/$rif1"
expect 404 "the removed interface is gone"
call GET "/router_interfaces?router_id=$r1"
rif6=$(jget '.router_interfaces[0].id')
call DELETE "/router_interfaces/$rif6"
expect 204 "delete an interface as an object"
call DELETE "/routers/$r1"
expect 204 "delete the router"
call DELETE "/subnets/$bsub1"
expect 204 "the subnet is free"
t_finish routers_api
