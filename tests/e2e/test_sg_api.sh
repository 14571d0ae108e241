#!/usr/bin/env bash
# test_sg_api.sh BUILD_DIR - security groups through the REST API and
# tenetctl on a real tenet-controller on 127.0.0.1: the tenant's default
# group given to new ports, groups and rules (Neutron's model), identities
# shared by ports with the same groups, port security and allowed address
# pairs; bad rules refused with the field and why (revision unchanged);
# what cannot be deleted while it is used (409). Needs no root.
set -uo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init sg_api "${1:-}"
t_need "$CTL" "$CLI" jq curl

. "$(dirname "$0")/../lib/api.sh"
t_api_controller || exit 1

made blue POST /tenants '{"name":"blue"}'
made red POST /tenants '{"name":"red"}'
made bnet POST /networks "{\"tenant_id\":\"$blue\",\"name\":\"b1\"}"
made rnet POST /networks "{\"tenant_id\":\"$red\",\"name\":\"r1\"}"
made bsub POST /subnets "{\"network_id\":\"$bnet\",\"cidr\":\"10.0.1.0/24\"}"

echo "# the default group"
made p1 POST /ports "{\"network_id\":\"$bnet\",\"name\":\"p1\"}"
def=$(jget '.security_groups[0]')
id1=$(jget .identity)
[ "$(jget '.security_groups | length')" = 1 ] && [ "$id1" -gt 0 ] ||
	fail "a new port has the default group and an identity: $BODY"
call GET "/security_groups/$def"
expect 200 "the default group exists"
[ "$(jget .name)" = default ] && [ "$(jget .tenant_id)" = "$blue" ] && [ "$(jget .sg_key)" -gt 0 ] ||
	fail "default group: $BODY"
call GET "/security_group_rules?security_group_id=$def"
[ "$(jget '[.security_group_rules[] | select(.direction == "egress" and .remote_group_id == null)] | length')" = 2 ] ||
	fail "default egress rules: $BODY"
[ "$(jget "[.security_group_rules[] | select(.direction == \"ingress\" and .remote_group_id == \"$def\")] | length")" = 2 ] ||
	fail "default ingress rules: $BODY"
made p2 POST /ports "{\"network_id\":\"$bnet\",\"name\":\"p2\"}"
[ "$(jget .identity)" = "$id1" ] || fail "same groups, same identity: $BODY"
bad POST /security_groups "{\"tenant_id\":\"$blue\",\"name\":\"default\"}" 409 conflict name \
	"a second group named default"
bad PUT "/security_groups/$def" '{"name":"other"}' 409 conflict name "renaming the default group"
bad PUT /ports/$p1 '{"identity":5}' 400 read_only_field identity "identity is read-only"

echo "# groups and rules"
made web POST /security_groups "{\"tenant_id\":\"$blue\",\"name\":\"web\"}"
made rweb POST /security_groups "{\"tenant_id\":\"$red\",\"name\":\"rweb\"}"
made r80 POST /security_group_rules "{\"security_group_id\":\"$web\",\"direction\":\"ingress\",\"protocol\":\"tcp\",\"port_range_min\":80,\"port_range_max\":80,\"remote_ip_prefix\":\"0.0.0.0/0\"}"
[ "$(jget .ethertype)" = IPv4 ] && [ "$(jget .tenant_id)" = "$blue" ] || fail "rule defaults: $BODY"
made r6 POST /security_group_rules "{\"security_group_id\":\"$web\",\"direction\":\"ingress\",\"ethertype\":\"IPv6\",\"protocol\":\"58\",\"port_range_min\":128}"
[ "$(jget .protocol)" = icmpv6 ] || fail "protocol number 58 is icmpv6: $BODY"
"$CLI" security_group_rule create security_group_id=web direction=ingress protocol=udp \
	port_range_min=1000 port_range_max=1999 remote_ip_prefix=10.0.0.0/8 >/dev/null ||
	fail "tenetctl security_group_rule create"
"$CLI" security_group create tenant_id=blue name=db >/dev/null || fail "tenetctl security_group create"
"$CLI" security_group_rule create security_group_id=db direction=ingress protocol=tcp \
	port_range_min=5432 port_range_max=5432 remote_group_id=web >/dev/null ||
	fail "tenetctl rule with a remote group"
[ "$("$CLI" -o json security_group_rule list security_group_id=web |
	jq '.security_group_rules | length')" = 3 ] || fail "tenetctl security_group_rule list"
db=$("$CLI" -o json security_group show db | jq -r .id)

R="{\"security_group_id\":\"$web\",\"direction\":\"ingress\""
bad POST /security_group_rules "$R,\"protocol\":\"bogus\"}" 400 invalid_value protocol \
	"unknown protocol"
bad POST /security_group_rules "$R,\"protocol\":256}" 400 invalid_value protocol \
	"protocol number past 255"
bad POST /security_group_rules "{\"security_group_id\":\"$web\",\"direction\":\"sideways\"}" \
	400 invalid_value direction "bad direction"
bad POST /security_group_rules "$R,\"protocol\":\"tcp\",\"port_range_min\":2000,\"port_range_max\":1000}" \
	400 invalid_value port_range_min "range upside down"
bad POST /security_group_rules "$R,\"protocol\":\"tcp\",\"port_range_min\":0,\"port_range_max\":10}" \
	400 invalid_value port_range_min "port 0"
bad POST /security_group_rules "$R,\"protocol\":\"tcp\",\"port_range_min\":70000,\"port_range_max\":65535}" \
	400 invalid_value port_range_min "port past 65535"
bad POST /security_group_rules "$R,\"protocol\":\"tcp\",\"port_range_min\":22}" \
	400 missing_field port_range_max "a range without its end"
bad POST /security_group_rules "$R,\"port_range_min\":22,\"port_range_max\":22}" \
	400 invalid_value port_range_min "ports without a protocol"
bad POST /security_group_rules "$R,\"protocol\":\"icmp\",\"port_range_max\":0}" \
	400 invalid_value port_range_max "ICMP code without a type"
bad POST /security_group_rules "$R,\"protocol\":\"icmp\",\"port_range_min\":300}" \
	400 invalid_value port_range_min "ICMP type past 255"
bad POST /security_group_rules "$R,\"protocol\":\"icmpv6\"}" 400 invalid_value protocol \
	"icmpv6 with IPv4"
bad POST /security_group_rules "$R,\"ethertype\":\"IPv6\",\"protocol\":\"icmp\"}" 400 \
	invalid_value protocol "icmp with IPv6"
bad POST /security_group_rules "$R,\"ethertype\":\"IPv6\",\"remote_ip_prefix\":\"10.0.0.0/8\"}" \
	400 invalid_value remote_ip_prefix "IPv4 prefix on an IPv6 rule"
bad POST /security_group_rules "$R,\"remote_ip_prefix\":\"10.0.0.1/8\"}" 400 invalid_value \
	remote_ip_prefix "prefix with host bits"
bad POST /security_group_rules "$R,\"remote_ip_prefix\":\"10.0.0.0/8\",\"remote_group_id\":\"$def\"}" \
	400 invalid_value remote_group_id "both remote kinds"
bad POST /security_group_rules "$R,\"remote_group_id\":\"$rweb\"}" 400 invalid_value \
	remote_group_id "another tenant's remote group"
bad POST /security_group_rules "$R,\"remote_group_id\":\"00000000-0000-4000-8000-000000000000\"}" \
	404 not_found remote_group_id "unknown remote group"
bad POST /security_group_rules '{"direction":"ingress"}' 400 missing_field security_group_id \
	"rule without its group"
bad POST /security_group_rules "$R,\"protocol\":\"tcp\",\"port_range_min\":80,\"port_range_max\":80,\"remote_ip_prefix\":\"0.0.0.0/0\"}" \
	409 conflict security_group_id "the same rule twice"
bad PUT "/security_group_rules/$r80" '{"port_range_max":81}' 400 immutable_field port_range_max \
	"rules do not change"
if "$CLI" security_group_rule create security_group_id=web direction=egress protocol=udp \
	port_range_min=9 port_range_max=1 2>"$TMP/err" >/dev/null; then
	fail "tenetctl accepted a range upside down"
fi
grep -q port_range_min "$TMP/err" || fail "tenetctl's error names the field: $(cat "$TMP/err")"
ok "tenetctl refuses a bad rule with the field"

echo "# ports: groups, identities, port security, address pairs"
call PUT "/ports/$p1" "{\"security_groups\":[\"$web\",\"$def\"]}"
expect 200 "port in two groups"
id2=$(jget .identity)
[ "$id2" -gt 0 ] && [ "$id2" != "$id1" ] || fail "a new set, a new identity: $BODY"
call PUT "/ports/$p2" "{\"security_groups\":[\"$def\",\"$web\",\"$web\"]}"
expect 200 "the same set, in another order, repeated"
[ "$(jget .identity)" = "$id2" ] && [ "$(jget '.security_groups | length')" = 2 ] ||
	fail "the same set shares the identity: $BODY"
bad PUT "/ports/$p1" "{\"security_groups\":[\"$rweb\"]}" 400 invalid_value 'security_groups[0]' \
	"another tenant's group"
bad PUT "/ports/$p1" '{"security_groups":["nope"]}' 400 invalid_value 'security_groups[0]' \
	"group not a UUID"
bad PUT "/ports/$p1" "{\"port_security_enabled\":false,\"security_groups\":[\"$web\"]}" 400 \
	invalid_value security_groups "port security off with groups"
bad POST /ports "{\"network_id\":\"$bnet\",\"security_groups\":[\"$web\"],\"port_security_enabled\":false}" \
	400 invalid_value security_groups "a new port without port security but with groups"
made p3 POST /ports "{\"network_id\":\"$bnet\",\"port_security_enabled\":false}"
[ "$(jget .identity)" = 0 ] && [ "$(jget '.security_groups | length')" = 0 ] ||
	fail "no port security: no groups, identity 0: $BODY"
bad PUT "/ports/$p3" '{"allowed_address_pairs":[{"ip_address":"10.0.1.50"}]}' 400 \
	invalid_value allowed_address_pairs "pairs without port security"
made p4 POST /ports "{\"network_id\":\"$bnet\",\"security_groups\":[]}"
[ "$(jget .identity)" -gt 0 ] && [ "$(jget .identity)" != "$id1" ] ||
	fail "no groups with port security is an identity of its own: $BODY"
call PUT "/ports/$p1" '{"allowed_address_pairs":[{"ip_address":"10.0.1.50"},{"ip_address":"fd00::50/128","mac_address":"02:AA:00:00:00:01"}]}'
expect 200 "allowed address pairs"
[ "$(jget '.allowed_address_pairs[0].mac_address')" = "$(jget .mac_address)" ] &&
	[ "$(jget '.allowed_address_pairs[1].ip_address')" = fd00::50 ] &&
	[ "$(jget '.allowed_address_pairs[1].mac_address')" = 02:aa:00:00:00:01 ] ||
	fail "pairs canonical, MAC defaulted to the port's: $BODY"
"$CLI" port update "$p1" allowed_address_pair=10.0.1.51 \
	allowed_address_pair=10.0.1.52,02:aa:00:00:00:02 >/dev/null ||
	fail "tenetctl port update allowed_address_pair"
call GET "/ports/$p1"
[ "$(jget '.allowed_address_pairs | length')" = 2 ] &&
	[ "$(jget '.allowed_address_pairs[0].ip_address')" = 10.0.1.51 ] &&
	[ "$(jget '.allowed_address_pairs[0].mac_address')" = "$(jget .mac_address)" ] &&
	[ "$(jget '.allowed_address_pairs[1].mac_address')" = 02:aa:00:00:00:02 ] ||
	fail "tenetctl's pairs replace the list: $BODY"
bad PUT "/ports/$p1" '{"allowed_address_pairs":[{"ip_address":"10.0.1.0/24"}]}' 400 \
	invalid_value 'allowed_address_pairs[0].ip_address' "a pair wider than one address"
bad PUT "/ports/$p1" '{"allowed_address_pairs":[{"ip_address":"10.0.1.9","mac_address":"01:00:00:00:00:01"}]}' \
	400 invalid_value 'allowed_address_pairs[0].mac_address' "a multicast pair MAC"

echo "# what stays while it is used"
bad DELETE "/security_groups/$web" "" 409 in_use id "group of a port"
bad DELETE "/security_groups/$def" "" 409 in_use id "the default group"
call PUT "/ports/$p1" "{\"security_groups\":[\"$def\"]}"
expect 200 "port leaves web"
call PUT "/ports/$p2" "{\"security_groups\":[\"$def\"]}"
expect 200 "port leaves web"
[ "$(jget .identity)" = "$id1" ] || fail "back to the default set, back to its identity: $BODY"
bad DELETE "/security_groups/$web" "" 409 in_use id "group a rule of db names as remote"
"$CLI" security_group delete db >/dev/null || fail "tenetctl security_group delete"
call DELETE "/security_groups/$web"
expect 204 "delete web and its rules"
call GET "/security_group_rules/$r80"
expect 404 "web's rules went with it"

echo "# a tenant takes its default group along"
for p in "$p1" "$p2" "$p3" "$p4"; do
	call DELETE "/ports/$p"
	expect 204 "delete port"
done
call DELETE "/security_groups/$rweb"
expect 204 "delete red's group"
call DELETE "/subnets/$bsub"
expect 204 "delete subnet"
call DELETE "/networks/$bnet"
expect 204 "delete network"
call DELETE "/tenants/$blue"
expect 204 "delete tenant"
call GET "/security_groups/$def"
expect 404 "the default group went with its tenant"
t_finish sg_api
