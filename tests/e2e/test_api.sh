#!/usr/bin/env bash
# REST API end to end: a real tenet-controller on 127.0.0.1 (ports picked by
# the kernel / ZeroMQ), driven with curl. CRUD of every kind with the right
# codes; auth; every kind of bad request gets the right 4xx with an error
# body (and "field" where one is to blame) and leaves the revision unchanged.
# Usage: test_api.sh BUILD_DIR
set -uo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init api "${1:-}"
t_need "$CTL"

t_spawn "$TMP/ctl.log" "$CTL" --data "$TMP/data" --api 127.0.0.1:0 \
	--southbound 'tcp://127.0.0.1:*' --log-level info
PID=$T_PID
t_ctl_ready "$TMP/ctl.log" "$PID" || exit 1
ADDR=$T_API
BASE="http://$ADDR/v1"
TOKEN=$(cat "$TMP/data/admin.token")
[ ${#TOKEN} -eq 64 ] || die "admin token is not 64 hex characters"
[ "$(stat -c %a "$TMP/data/admin.token")" = 600 ] || fail "admin.token mode is not 0600"
[ -s "$TMP/data/server.pub" ] && [ "$(head -c 40 "$TMP/data/server.pub" | wc -c)" -eq 40 ] ||
	fail "server.pub missing or short"
ok "controller ready at $ADDR"

. "$(dirname "$0")/../lib/api.sh"

KEY1='rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'

echo "# authentication"
AUTH='X-None: 1' call GET /tenants
expect 401 "GET without token"
[ "$(jget .error.code)" = unauthorized ] || fail "401 without error body: $BODY"
[ -z "$REV" ] || fail "401 tells the revision ($REV) before authentication"
AUTH="Authorization: Bearer 00$TOKEN" call GET /tenants
expect 401 "GET with wrong token"
[ -z "$REV" ] || fail "401 tells the revision ($REV) before authentication"
AUTH="Authorization: Bearer ${TOKEN:0:63}x" call POST /tenants '{"name":"evil"}'
expect 401 "POST with wrong token"
AUTH="Authorization: Basic $TOKEN" call POST /tenants '{"name":"evil"}'
expect 401 "POST with Basic scheme"
[ "$(revision)" = 0 ] || fail "revision moved after refused writes"
call GET /tenants
[ "$(jget '.tenants | length')" = 0 ] || fail "refused writes created tenants: $BODY"

echo "# CRUD happy path"
call POST /tenants '{"name":"blue","description":"blue team"}'
expect 201 "create tenant"
TEN=$(jget .id)
[ "$REV" = 1 ] || fail "create tenant: X-Tenet-Revision $REV, want 1"
call GET "/tenants/$TEN"
expect 200 "show tenant"
[ "$(jget .name)" = blue ] || fail "tenant name: $BODY"
call PATCH "/tenants/$TEN" '{"description":"the blue team"}'
expect 200 "patch tenant"
[ "$(jget .description)" = "the blue team" ] || fail "patch not applied: $BODY"
[ "$REV" = 2 ] || fail "patch tenant: X-Tenet-Revision $REV, want 2"

call POST /networks "{\"tenant_id\":\"$TEN\",\"name\":\"net1\"}"
expect 201 "create network"
NET=$(jget .id)
[ "$(jget .vni)" -gt 0 ] 2>/dev/null || fail "network without vni: $BODY"
call PUT "/networks/$NET" '{"name":"net-1"}'
expect 200 "put network"
call GET "/networks?vni=$(jget .vni)&name=net-1"
[ "$(jget '.networks | length')" = 1 ] || fail "filter by vni and name: $BODY"
call GET "/networks?name=other"
[ "$(jget '.networks | length')" = 0 ] || fail "filter by other name: $BODY"
call GET "/networks?tenant_id=$TEN"
expect 200 "list networks by tenant"
[ "$(jget '.networks | length')" = 1 ] || fail "network list: $BODY"

call POST /subnets "{\"network_id\":\"$NET\",\"cidr\":\"10.0.0.0/24\",\"name\":\"sub1\"}"
expect 201 "create subnet"
SUB=$(jget .id)
[ "$(jget .gateway_ip)" = 10.0.0.1 ] || fail "default gateway: $BODY"
[ "$(jget .tenant_id)" = "$TEN" ] || fail "derived tenant_id: $BODY"
[ "$(jget .ip_version)" = 4 ] || fail "derived ip_version: $BODY"

PORT_BODY="{\"network_id\":\"$NET\",\"name\":\"vm1\",\"fixed_ips\":[{\"subnet_id\":\"$SUB\",\"ip_address\":\"10.0.0.5\"}],\"binding\":{\"host\":\"h1\",\"interface\":\"veth-vm1\"}}"
call POST /ports "$PORT_BODY"
expect 201 "create port"
PORT=$(jget .id)
[[ "$(jget .mac_address)" =~ ^fa:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$ ]] ||
	fail "allocated MAC: $BODY"
# bound to h1, which is not enrolled yet: nothing can realise it
[ "$(jget .status)" = BINDING_FAILED ] || fail "port status: $BODY"
[ "$(jget .port_security_enabled)" = true ] || fail "port security default: $BODY"
call PATCH "/ports/$PORT" '{"port_security_enabled":false}'
expect 200 "patch port"
call POST /ports "{\"network_id\":\"$NET\",\"fixed_ips\":[{\"subnet_id\":\"$SUB\"}]}"
expect 201 "create port with an allocated IP"
[ "$(jget '.fixed_ips[0].ip_address')" = 10.0.0.2 ] || fail "allocated IP: $BODY"
PORT2=$(jget .id)
call GET "/ports?network_id=$NET"
[ "$(jget '.ports | length')" = 2 ] || fail "port list: $BODY"
call GET "/ports?binding_host=h1"
[ "$(jget '.ports | length')" = 1 ] && [ "$(jget '.ports[0].id')" = "$PORT" ] ||
	fail "filter by binding_host: $BODY"
call GET "/ports?binding_host=h1&binding_interface=veth-vm1&ip_address=10.0.0.5&subnet_id=$SUB"
[ "$(jget '.ports | length')" = 1 ] || fail "filter by binding and fixed IP: $BODY"
call GET "/ports?ip_address=10.0.0.2"
[ "$(jget '.ports[0].id')" = "$PORT2" ] || fail "filter by ip_address: $BODY"
call GET "/ports?status=BINDING_FAILED"
[ "$(jget '.ports | length')" = 1 ] || fail "filter by status (decorated): $BODY"

call POST /hosts "{\"name\":\"h1\",\"public_key\":\"$KEY1\",\"underlay_ip\":\"198.18.0.1\"}"
expect 201 "create host"
[ "$(jget .id)" = h1 ] || fail "host id is not its name: $BODY"
[ "$(jget .state)" = disconnected ] || fail "host state: $BODY"
call GET /hosts/h1
expect 200 "show host"
call PATCH /hosts/h1 '{"underlay_ip":"198.18.0.11"}'
expect 200 "patch host"
bad DELETE /hosts/h1 "" 409 in_use id "delete a host with a bound port"
call GET "/ports?status=DOWN"
[ "$(jget '.ports | length')" = 2 ] || fail "h1 enrolled: its port is DOWN, not BINDING_FAILED: $BODY"

call GET /status
expect 200 "status"
[ "$(jget .revision)" = "$REV" ] || fail "status revision $(jget .revision) != header $REV"
jq -e '.southbound.tx_snapshots != null' <<<"$BODY" >/dev/null || fail "status counters: $BODY"
jq -e '.southbound.hello_ahead == 0' <<<"$BODY" >/dev/null || fail "status hello_ahead: $BODY"
call GET "/changes?since=0"
expect 200 "changes since 0"
[ "$(jget '.changes | length')" = "$(revision)" ] || fail "changes: $BODY"
call GET "/wait?revision=$(revision)&timeout_ms=300"
[ "$CODE" = 200 ] || [ "$CODE" = 504 ] || fail "wait: $CODE $BODY"
jq -e '.pending | type == "array"' <<<"$BODY" >/dev/null || fail "wait without pending: $BODY"
ok "wait -> $CODE"

echo "# bad requests change nothing"
bad POST /tenants '{"name":' 400 invalid_json "" "malformed JSON"
bad POST /tenants '{"name":5}' 400 invalid_type name "wrong type"
bad POST /tenants '{"name":"x","color":"red"}' 400 unknown_field color "unknown field"
call GET /cluster
log_before=$(jget .commit_index)
bad POST /networks "{\"tenant_id\":\"$TEN\",\"vni\":7}" 400 read_only_field vni "read-only field"
bad PATCH "/ports/$PORT" '{"mac_address":"01:00:5e:00:00:01"}' 400 "" mac_address "multicast MAC"
call GET /cluster
[ "$(jget .commit_index)" = "$log_before" ] ||
	fail "an invalid body was replicated: commit index $log_before -> $(jget .commit_index)"
bad POST /networks '{"tenant_id":"nope"}' 400 invalid_value tenant_id "bad reference format"
bad POST /networks '{"tenant_id":"00000000-0000-4000-8000-000000000000"}' 404 not_found \
	tenant_id "missing tenant"
bad POST /subnets "{\"network_id\":\"$NET\",\"cidr\":\"10.1.0.1/24\"}" 400 invalid_value cidr \
	"bad CIDR (host bits)"
bad POST /subnets "{\"network_id\":\"$NET\",\"cidr\":\"10.1.0.0/33\"}" 400 invalid_value cidr \
	"bad CIDR (prefix)"
bad POST /subnets "{\"network_id\":\"$NET\",\"cidr\":\"10.0.0.0/16\"}" 409 conflict cidr \
	"overlapping CIDR"
bad POST /ports "{\"network_id\":\"$NET\",\"fixed_ips\":[{\"subnet_id\":\"$SUB\",\"ip_address\":\"10.9.0.5\"}]}" \
	400 invalid_value "fixed_ips[0].ip_address" "IP outside subnet"
bad POST /ports "{\"network_id\":\"$NET\",\"fixed_ips\":[{\"subnet_id\":\"$SUB\",\"ip_address\":\"10.0.0.5\"}]}" \
	409 conflict "fixed_ips[0].ip_address" "duplicate IP"
bad POST /ports "{\"network_id\":\"$NET\",\"mac_address\":\"01:00:5e:00:00:01\"}" 400 \
	invalid_value mac_address "multicast MAC"
bad POST /hosts "{\"name\":\"h2\",\"public_key\":\"$KEY1\",\"underlay_ip\":\"198.18.0.2\"}" 409 \
	conflict public_key "duplicate host key"
bad POST /hosts "{\"name\":\"h 2\",\"public_key\":\"$KEY1\",\"underlay_ip\":\"198.18.0.2\"}" 400 \
	invalid_value name "bad host name"
bad PATCH "/networks/$NET" "{\"tenant_id\":\"$TEN\"}" 400 immutable_field tenant_id \
	"immutable field"
head -c $((1536 * 1024)) /dev/zero | tr '\0' 'a' | sed 's/^/{"name":"/; s/$/"}/' >"$TMP/big.json"
bad POST /tenants "@$TMP/big.json" 413 body_too_large "" "oversized body"
bad POST /tenants '{"name":"x"}' 415 unsupported_media_type "" "wrong content type" text/plain
bad GET /gateways "" 404 not_found "" "unknown resource"
bad GET /tenants/00000000-0000-4000-8000-000000000000 "" 404 not_found id "unknown object"
bad PATCH /tenants/00000000-0000-4000-8000-000000000000 '{"name":"x"}' 404 not_found id \
	"patch unknown object"
bad DELETE /tenants "" 405 method_not_allowed "" "DELETE on a collection"
bad POST "/tenants/$TEN" '{"name":"x"}' 405 method_not_allowed "" "POST on an item"
bad DELETE "/networks/$NET" "" 409 in_use id "delete referenced network"
bad DELETE "/subnets/$SUB" "" 409 in_use id "delete referenced subnet"
bad DELETE "/tenants/$TEN" "" 409 in_use id "delete referenced tenant"
bad GET "/changes?since=x" "" 400 invalid_query since "bad since"
bad GET "/networks?color=red" "" 400 invalid_query color "unknown filter"
bad GET "/ports?fixed_ips=10.0.0.5" "" 400 invalid_query fixed_ips "list field as a filter"
bad GET "/ports?binding=h1" "" 400 invalid_query binding "object field as a filter"
bad GET "/subnets?dns_nameservers=10.0.0.2" "" 400 invalid_query dns_nameservers "list filter"
bad GET "/networks?name=%ff%fe" "" 400 invalid_query "" "filter value not UTF-8"

echo "# health, readiness and metrics"
H=$(curl -s -o "$TMP/body" -w '%{http_code}' "http://$ADDR/healthz")
[ "$H" = 200 ] && grep -qx ok "$TMP/body" || fail "/healthz without a token: $H $(cat "$TMP/body")"
H=$(curl -s -o "$TMP/body" -w '%{http_code}' "http://$ADDR/readyz")
[ "$H" = 200 ] && grep -qx ready "$TMP/body" || fail "/readyz: $H $(cat "$TMP/body")"
H=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$ADDR/healthz")
[ "$H" = 405 ] || fail "POST /healthz: $H, want 405"
H=$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/metrics")
[ "$H" = 401 ] || fail "/metrics without a token: $H, want 401"
H=$(curl -s -o "$TMP/metrics" -D "$TMP/hdr" -w '%{http_code}' \
	-H "Authorization: Bearer $TOKEN" "http://$ADDR/metrics")
[ "$H" = 200 ] || fail "/metrics: $H"
grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/hdr" || fail "/metrics content type"
m() { grep -E "^$1 " "$TMP/metrics" | awk '{ print $NF }'; }
[ "$(m tenet_revision)" = "$(revision)" ] || fail "tenet_revision $(m tenet_revision) != $(revision)"
[ "$(m 'tenet_raft_role\{role="leader"\}')" = 1 ] || fail "tenet_raft_role: not leader"
[ "$(m tenet_raft_apply_lag)" = 0 ] || fail "tenet_raft_apply_lag $(m tenet_raft_apply_lag)"
n=$(m 'tenet_api_requests_total\{route="/v1/ports",code="201"\}')
[ "${n:-0}" -ge 2 ] || fail "tenet_api_requests_total for POST /v1/ports: ${n:-none}"
[ -n "$(m 'tenet_api_request_duration_seconds_count\{route="/v1/ports",code="201"\}')" ] ||
	fail "no latency histogram for /v1/ports"
[ -n "$(m 'tenet_host_applied_revision\{host="h1"\}')" ] || fail "no applied revision for host h1"
grep -q '^tenet_publish_duration_seconds_count ' "$TMP/metrics" || fail "no publish histogram"
n=$(m 'tenet_api_requests_total\{route="/v1/tenants/\{id\}",code="404"\}')
[ "${n:-0}" -ge 1 ] || fail "404s of /v1/tenants/{id} not counted: ${n:-none}"
ok "healthz, readyz, metrics"

echo "# idempotency key"
before=$(revision)
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-H 'Idempotency-Key: k-1' -d '{"name":"red"}' "$BASE/tenants"
curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' -H 'Idempotency-Key: k-1' -d '{"name":"red"}' \
	"$BASE/tenants" >"$TMP/code"
[ "$(revision)" = $((before + 1)) ] || fail "idempotent retry applied twice"
[ "$(cat "$TMP/code")" = 201 ] || fail "idempotent retry: $(cat "$TMP/code")"
RED=$(jq -r .id "$TMP/body")
ok "retried create applied once"

echo "# deletes"
for path in "/ports/$PORT" "/ports/$PORT2" "/subnets/$SUB" "/networks/$NET" "/tenants/$TEN" "/tenants/$RED" \
	/hosts/h1; do
	call DELETE "$path"
	expect 204 "delete $path"
	[ -z "$BODY" ] || fail "204 with a body: $BODY"
done
call GET "/tenants/$TEN"
expect 404 "deleted tenant is gone"
for kind in tenants networks subnets ports hosts; do
	call GET "/$kind"
	[ "$(jget ".$kind | length")" = 0 ] || fail "$kind left over: $BODY"
done

# Connection limits, deadlines and eviction: test_api_slowloris.sh.

echo "# shutdown answers a pending wait"
KEY2='Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID'
call POST /hosts "{\"name\":\"hx\",\"public_key\":\"$KEY1\",\"underlay_ip\":\"198.18.0.21\"}"
call POST /hosts "{\"name\":\"hy\",\"public_key\":\"$KEY2\",\"underlay_ip\":\"198.18.0.22\"}"
curl -s -o "$TMP/wait.body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	"$BASE/wait?timeout_ms=60000" >"$TMP/wait.code" &
WAITER=$!
# the wait is pending once both hosts show up as behind in a short wait
deadline=$((SECONDS + 10))
until call GET "/wait?timeout_ms=50" && [ "$CODE" = 504 ] && [ "$(jget '.pending | length')" = 2 ]; do
	[ $SECONDS -lt $deadline ] || { fail "hosts hx, hy never pending: $CODE $BODY"; break; }
done

kill -TERM "$PID"
deadline=$((SECONDS + 10))
while kill -0 "$PID" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || die "controller did not stop on SIGTERM"
	sleep 0.05
done
wait "$PID"
rc=$?
PID=
[ $rc = 0 ] || fail "controller exit status $rc"
wait "$WAITER"
[ "$(cat "$TMP/wait.code")" = 503 ] && [ "$(jq -r .error.code "$TMP/wait.body")" = unavailable ] &&
	ok "pending wait answered 503 at shutdown" ||
	fail "pending wait at shutdown: $(cat "$TMP/wait.code") $(cat "$TMP/wait.body")"
t_sanitizer_clean "$TMP/ctl.log" || fail "sanitizer report in log"

echo "# restart on the same data directory keeps state, token and key"
last_rev=$REV
pub=$(cat "$TMP/data/server.pub")
: >"$TMP/ctl.log"
t_spawn "$TMP/ctl.log" "$CTL" --data "$TMP/data" --api 127.0.0.1:0 \
	--southbound 'tcp://127.0.0.1:*'
PID=$T_PID
t_ctl_ready "$TMP/ctl.log" "$PID" || die "controller did not restart"
grep -q "revision=$last_rev\$" "$TMP/ctl.log" || fail "restart: ready line lacks revision=$last_rev"
ADDR=$T_API
BASE="http://$ADDR/v1"
[ "$(cat "$TMP/data/admin.token")" = "$TOKEN" ] || fail "restart replaced the admin token"
[ "$(cat "$TMP/data/server.pub")" = "$pub" ] || fail "restart replaced the server key"
call GET /hosts/hx
expect 200 "host survives a restart"
[ "$REV" = "$last_rev" ] || fail "restart: revision $REV, want $last_rev"

t_finish "e2e api"
