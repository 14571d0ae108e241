#!/usr/bin/env bash
# Tenant export and import between two separate controllers (each its own
# data directory, on 127.0.0.1): tenant blue (two networks and subnets, a
# router with interfaces and a static route, a group with rules naming
# another, ports with fixed IPs, groups and bindings) is exported from A with
# `tenetctl tenant export` and imported into B with `tenetctl tenant
# import`; B's export of it is byte for byte A's (so its hash too).
# Importing again changes nothing (200, revision unchanged). A truncated
# document, one whose hash does not match, one with a dangling reference,
# one that conflicts with B's tenant of the same name and one over the body
# limit are refused with the reason and the path, and nothing is written
# (B's export and revision unchanged).
# Usage: test_export_import.sh BUILD_DIR
set -uo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init export_import "${1:-}"
t_need "$CTL"
t_need "$CLI"

# start NAME: a controller with data directory $TMP/NAME; sets URL_NAME
# and TOKEN_NAME.
start() {
	t_spawn "$TMP/$1.log" "$CTL" --data "$TMP/$1" --api 127.0.0.1:0 \
		--southbound 'tcp://127.0.0.1:*' --log-level info
	t_ctl_ready "$TMP/$1.log" "$T_PID" || exit 1
	eval "URL_$1=http://$T_API TOKEN_$1=$(cat "$TMP/$1/admin.token")"
}
mkdir -p "$TMP/a" "$TMP/b"
start a
start b
# shellcheck disable=SC2154 # set by start
ca() { "$CLI" --api "$URL_a" --token "$TOKEN_a" "$@"; }
# shellcheck disable=SC2154
cb() { "$CLI" --api "$URL_b" --token "$TOKEN_b" "$@"; }
rev_b() { cb -o json status | jq -r .revision; }
KEY1='rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'
KEY2='Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID'

for c in ca cb; do
	$c host create name=h1 public_key="$KEY1" underlay_ip=198.18.0.1 >/dev/null ||
		die "no host h1"
	$c host create name=h2 public_key="$KEY2" underlay_ip=198.18.0.2 >/dev/null ||
		die "no host h2"
done
ca tenant create name=blue description="the blue team" >/dev/null || die "no tenant"
ca network create tenant_id=blue name=front >/dev/null || die "no network front"
ca network create tenant_id=blue name=back encapsulation=geneve >/dev/null ||
	die "no network back"
ca subnet create network_id=front name=front-sub cidr=10.1.0.0/24 gateway_ip=10.1.0.1 \
	dns_nameservers:='["10.1.0.53"]' >/dev/null || die "no subnet front-sub"
ca subnet create network_id=back name=back-sub cidr=10.2.0.0/24 gateway_ip=10.2.0.1 \
	>/dev/null || die "no subnet back-sub"
ca router create tenant_id=blue name=r >/dev/null || die "no router"
ca router add-interface r front-sub >/dev/null || die "no interface on front"
ca router add-interface r back-sub >/dev/null || die "no interface on back"
ca router update r route=192.168.50.0/24,10.2.0.50 >/dev/null || die "no route"
web=$(ca -o json security_group create tenant_id=blue name=web | jq -er .id) || die "no web"
db=$(ca -o json security_group create tenant_id=blue name=db | jq -er .id) || die "no db"
ca security_group_rule create security_group_id="$web" direction=ingress protocol=tcp \
	port_range_min=443 port_range_max=443 >/dev/null || die "no rule"
ca security_group_rule create security_group_id="$db" direction=ingress protocol=tcp \
	port_range_min=5432 port_range_max=5432 remote_group_id="$web" >/dev/null ||
	die "no rule naming web"
ca port create network_id=front name=vm1 fixed_ip=front-sub,10.1.0.10 \
	security_groups:="[\"$web\"]" binding_host=h1 binding_interface=vm1 >/dev/null ||
	die "no port vm1"
ca port create network_id=back name=vm2 fixed_ip=back-sub,10.2.0.20 \
	binding_host=h2 binding_interface=vm2 >/dev/null || die "no port vm2"
ca port create network_id=back name=gw port_security_enabled=false \
	fixed_ip=back-sub,10.2.0.50 >/dev/null || die "no port gw"
ok "tenant blue built on controller A"

echo "# export from A, import into B"
ca tenant export blue -o "$TMP/blue.json" || die "export from A failed"
jq -e '.format == "tenet.tenant/v1" and (.sha256 | length) == 64' "$TMP/blue.json" >/dev/null ||
	die "not a tenet.tenant/v1 document: $(head -c 300 "$TMP/blue.json")"
! grep -Eq '[0-9a-f]{8}-[0-9a-f]{4}-' "$TMP/blue.json" || fail "the export holds ids"
ca tenant export blue -o "$TMP/blue2.json" || die "second export failed"
cmp -s "$TMP/blue.json" "$TMP/blue2.json" || fail "two exports of one tenant differ"
out=$(cb tenant import "$TMP/blue.json") || die "import into B failed: $out"
ok "imported: $out"
cb tenant export blue -o "$TMP/blue-b.json" || die "export from B failed"
cmp -s "$TMP/blue.json" "$TMP/blue-b.json" ||
	fail "B's export differs from A's: $(diff "$TMP/blue.json" "$TMP/blue-b.json" | head -20)"
ok "B's export is A's byte for byte (sha256 $(jq -r .sha256 "$TMP/blue-b.json"))"

echo "# importing again changes nothing"
before=$(rev_b)
out=$(cb tenant import "$TMP/blue.json") || die "second import failed: $out"
grep -q "nothing changed" <<<"$out" || fail "second import did not say so: $out"
[ "$(rev_b)" = "$before" ] || fail "second import moved B's revision $before -> $(rev_b)"
ok "second import: $out"

# refused BODY_FILE CODE FIELD DESCRIPTION: POST /v1/tenants/import with the
# file as body is refused with CODE naming FIELD; B unchanged.
refused() {
	local before code body
	before=$(rev_b)
	code=$(curl -s -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_b" \
		-H 'Content-Type: application/json' --data-binary "@$1" "$URL_b/v1/tenants/import")
	body=$(cat "$TMP/resp")
	[ "$code" = "$2" ] || fail "$4: HTTP $code, want $2: $body"
	if [ -n "$3" ] && [ "$(jq -r .error.field <<<"$body")" != "$3" ]; then
		fail "$4: field $(jq -r .error.field <<<"$body"), want $3: $body"
	fi
	[ "$(rev_b)" = "$before" ] || fail "$4: B's revision moved"
	cb tenant export blue -o "$TMP/after.json" && cmp -s "$TMP/blue.json" "$TMP/after.json" ||
		fail "$4: B's tenant changed"
	ok "$4 -> $code $(jq -c .error <<<"$body")"
}

# body DOC [extra jq on the body]: an import body of DOC.
body() { jq -c "{document: .} ${2:-}" "$1"; }

# rehash: the document on stdin with its sha256 recomputed (canonical text:
# compact, keys sorted, without sha256).
rehash() {
	python3 -c 'import hashlib, json, sys
d = json.load(sys.stdin); d.pop("sha256", None)
t = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
d["sha256"] = hashlib.sha256(t.encode()).hexdigest(); print(json.dumps(d))'
}

echo "# malformed and conflicting documents"
body "$TMP/blue.json" | head -c 700 >"$TMP/trunc.json"
refused "$TMP/trunc.json" 400 "" "truncated JSON"
jq '.tenant.description = "edited"' "$TMP/blue.json" >"$TMP/badhash.doc"
body "$TMP/badhash.doc" >"$TMP/badhash.json"
refused "$TMP/badhash.json" 400 document.sha256 "content changed, hash not"
jq '.format = "tenet.tenant/v2"' "$TMP/blue.json" | rehash >"$TMP/v2.doc"
body "$TMP/v2.doc" >"$TMP/v2.json"
refused "$TMP/v2.json" 400 document.format "another format version"
jq '.subnets[0].network = "nowhere"' "$TMP/blue.json" | rehash >"$TMP/dangling.doc"
body "$TMP/dangling.doc" >"$TMP/dangling.json"
refused "$TMP/dangling.json" 400 "document.subnets[0].network" "dangling reference"
jq '.tenant.description = "someone else"' "$TMP/blue.json" | rehash >"$TMP/other.doc"
body "$TMP/other.doc" >"$TMP/other.json"
refused "$TMP/other.json" 409 tenant "tenant blue exists with other content"
body "$TMP/blue.json" '+ {tenant: "green"}' >"$TMP/vni.json"
refused "$TMP/vni.json" 409 "networks[0].vni" "VNIs already used by blue"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["pad"] = "x" * (3 << 19); print(json.dumps(d))' \
	"$TMP/blue.json" >"$TMP/big.json"
refused "$TMP/big.json" 413 "" "document over the body limit"
out=$(cb tenant import "$TMP/other.doc" 2>&1) && fail "tenetctl imported a conflicting document"
grep -q "tenant" <<<"$out" || fail "tenetctl did not say why: $out"
ok "tenetctl refuses it: $out"

echo "# imported beside, with new VNIs and no bindings"
out=$(cb -o json tenant import "$TMP/blue.json" --tenant green --vni-map auto --no-bind) ||
	die "import as green failed: $out"
[ "$(jq -r .counts.ports <<<"$out")" = 3 ] || fail "green counts: $out"
ok "imported as green: $(jq -c .counts <<<"$out")"

t_finish "e2e export_import"
