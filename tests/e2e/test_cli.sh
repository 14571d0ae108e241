#!/usr/bin/env bash
# test_cli.sh BUILD_DIR - tenetctl against a real tenet-controller on
# 127.0.0.1: create/list/show/update/delete for every kind in both output
# modes, name lookup, --wait, and the exit codes (1 API error, 2 usage,
# 3 wait timeout, 4 unreachable). Needs no root: no namespaces, no agents.
set -euo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init cli "${1:-}"
t_need "$CTL" "$CLI" python3

# jget EXPR: evaluates a Python expression on the JSON document d from stdin.
jget() {
	python3 -c 'import json, sys; d = json.load(sys.stdin); v = eval(sys.argv[1]); print(str(v).lower() if isinstance(v, bool) else v)' "$1"
}

API_PORT=$(t_free_port)
SB_PORT=$(t_free_port)
export TENET_API=http://127.0.0.1:$API_PORT
unset TENET_TOKEN TENET_TOKEN_FILE
t_spawn "$TMP/controller.log" "$CTL" --data "$TMP/data" --api "127.0.0.1:$API_PORT" \
	--southbound "tcp://127.0.0.1:$SB_PORT"
t_ctl_ready "$TMP/controller.log" "$T_PID" || exit 1
export TENET_TOKEN_FILE=$TMP/data/admin.token
wait_for 20 "API answers" "$CLI" status || die "API does not answer"
ok "controller up on $TENET_API"

ctl() { "$CLI" "$@"; }
js() { "$CLI" -o json "$@"; }

# expect_rc RC WHAT CMD...: CMD must exit with RC; its stderr is kept in $TMP/err.
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$TMP/err" >&2; die "$what: exit $rc, want $want"; }
	ok "$what (exit $rc)"
}

# An unreachable API without --timeout is retried for the whole retry window
# (10 s): that call runs beside the checks below, from the start, and is
# checked with the other errors (expect_rc_of).
UNREACHABLE=http://127.0.0.1:$(t_free_port)
(
	rc=0
	ctl --api "$UNREACHABLE" tenant list >"$TMP/unreachable.out" 2>"$TMP/unreachable.err" || rc=$?
	echo "$rc" >"$TMP/unreachable.rc"
) &
UNREACHABLE_PID=$!
T_PIDS+=("$UNREACHABLE_PID")

# expect_rc_of RC WHAT PID NAME: like expect_rc, for a call started in the
# background (PID) that left its exit status in $TMP/NAME.rc and its stderr
# in $TMP/NAME.err (copied to $TMP/err).
expect_rc_of() {
	local want=$1 what=$2 rc
	wait "$3" || true
	rc=$(cat "$TMP/$4.rc" 2>/dev/null) || rc=none
	cp "$TMP/$4.err" "$TMP/err" 2>/dev/null || : >"$TMP/err"
	[ "$rc" = "$want" ] || { cat "$TMP/err" >&2; die "$what: exit $rc, want $want"; }
	ok "$what (exit $rc)"
}

# --- tenants (--wait returns at once while no host exists to wait for)
expect_rc 0 "--wait with no hosts enrolled" ctl --wait --timeout 5 tenant create name=green
blue=$(js tenant create name=blue description="blue team" | jget 'd["id"]')
ctl tenant create name=red >"$TMP/out"
grep -q '^name: *red$' "$TMP/out" || die "table create output lacks 'name: red'"
red=$(js tenant show red | jget 'd["id"]')
[ "$(js tenant list | jget 'len(d["tenants"])')" = 3 ] || die "tenant list: want 3"
ctl tenant list >"$TMP/out"
head -n 1 "$TMP/out" | grep -q '^ID *NAME$' || die "tenant table header"
grep -q "^$blue  *blue$" "$TMP/out" || die "tenant table row for blue"
ctl tenant update blue description=azure >/dev/null
[ "$(js tenant show "$blue" | jget 'd["description"]')" = azure ] || die "tenant update"
ok "tenants: create/list/show/update, both modes, by name and id"

# --- networks (tenant given by name)
bnet=$(js network create tenant_id=blue name=blue-net | jget 'd["id"]')
rnet=$(js network create tenant_id="$red" name=red-net | jget 'd["id"]')
[ "$(js network show blue-net | jget 'd["tenant_id"]')" = "$blue" ] || die "network tenant"
vni=$(js network show "$bnet" | jget 'd["vni"]')
[ "$vni" -gt 0 ] || die "network vni $vni"
[ "$(js network list tenant_id=red | jget '[n["id"] for n in d["networks"]]')" = "['$rnet']" ] ||
	die "network list filtered by tenant name"
ctl network list >"$TMP/out"
grep -Eq "^$bnet  +blue-net  +$blue  +$vni$" "$TMP/out" || die "network table row"
ctl network update blue-net name=blue-net2 >/dev/null
ctl network update blue-net2 name=blue-net >/dev/null
ok "networks: create/list/filter/show/update, tenant by name"

# --- subnets (network given by name)
bsub=$(js subnet create network_id=blue-net name=blue-sub cidr=10.0.0.0/24 \
	gateway_ip=10.0.0.254 | jget 'd["id"]')
js subnet create network_id=red-net name=red-sub cidr=10.0.0.0/24 gateway_ip=10.0.0.254 >/dev/null
[ "$(js subnet show blue-sub | jget 'd["cidr"]')" = 10.0.0.0/24 ] || die "subnet cidr"
[ "$(js subnet list network_id=blue-net | jget 'len(d["subnets"])')" = 1 ] ||
	die "subnet list by network"
ctl subnet list >"$TMP/out"
grep -Eq "^$bsub  +blue-sub  +$bnet  +10.0.0.0/24  +10.0.0.254$" "$TMP/out" || die "subnet row"
ctl subnet update blue-sub name=blue-subnet >/dev/null
[ "$(js subnet show "$bsub" | jget 'd["name"]')" = blue-subnet ] || die "subnet update"
ok "subnets: create/list/filter/show/update"

# --- hosts (id == name); keys from the ZeroMQ CURVE RFC examples
# shellcheck disable=SC2016 # literal Z85 keys
K1='Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID'
K2='rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'
js host create name=h1 public_key="$K1" underlay_ip=198.18.0.1 >/dev/null
ctl host create name=h2 public_key="$K2" underlay_ip=198.18.0.2 >/dev/null
ctl host list >"$TMP/out"
head -n 1 "$TMP/out" | grep -q '^NAME *UNDERLAY *STATE *APPLIED_REVISION$' || die "host header"
grep -Eq '^h2  +198.18.0.2  +disconnected  +' "$TMP/out" || die "host row"
[ "$(js host show h1 | jget 'd["underlay_ip"]')" = 198.18.0.1 ] || die "host show"
ctl host update h2 underlay_ip=198.18.0.3 >/dev/null
[ "$(js host show h2 | jget 'd["underlay_ip"]')" = 198.18.0.3 ] || die "host update"
ok "hosts: create/list/show/update"

# --- ports (network and subnet by name)
js port create network_id=blue-net name=vm1 fixed_ip=blue-subnet,10.0.0.1 \
	binding_host=h1 binding_interface=vm1-h >"$TMP/port.json"
port=$(jget 'd["id"]' <"$TMP/port.json")
mac=$(jget 'd["mac_address"]' <"$TMP/port.json")
case $mac in fa:16:3e:*) ;; *) die "port mac $mac" ;; esac
[ "$(jget 'd["fixed_ips"][0]["subnet_id"]' <"$TMP/port.json")" = "$bsub" ] || die "port subnet"
[ "$(jget 'd["binding"]["host"]' <"$TMP/port.json")" = h1 ] || die "port binding"
ctl port list network_id=blue-net >"$TMP/out"
grep -Eq "^$port  +vm1  +$bnet  +$mac  +10.0.0.1  +h1  +vm1-h  +[A-Z]+$" "$TMP/out" ||
	die "port table row"
ctl port update vm1 port_security_enabled=false >/dev/null
[ "$(js port show vm1 | jget 'd["port_security_enabled"]')" = false ] || die "port update"
js --json '{"network_id":"'"$rnet"'","name":"vm2"}' port create >/dev/null
[ "$(js port list | jget 'len(d["ports"])')" = 2 ] || die "port list"
ok "ports: create (key=value and --json)/list/show/update"

# --- status, wait, --wait
rev=$(js status | jget 'd["revision"]')
[ "$rev" -gt 0 ] || die "status revision $rev"
expect_rc 3 "--wait on a port of a disconnected host times out" \
	ctl --wait --timeout 1 port update vm1 binding_interface=vm1-x
grep -q 'pending hosts:.*h1' "$TMP/err" || die "--wait does not name pending host h1"
expect_rc 0 "wait for revision 0" ctl --timeout 5 wait 0
expect_rc 1 "--wait on a port bound to a host that is not enrolled" \
	ctl --wait --timeout 5 port create network_id=blue-net name=vm9 binding_host=h9 \
	binding_interface=vm9-h
grep -q "host 'h9', which is not enrolled" "$TMP/err" || die "--wait unknown host: $(cat "$TMP/err")"
[ "$(js port show vm9 | jget 'd["status"]')" = BINDING_FAILED ] || die "vm9 status"
[ "$(js port list binding_host=h9 | jget 'len(d["ports"])')" = 1 ] || die "port list binding_host"
expect_rc 1 "delete a host that still has bound ports" ctl host delete h1
grep -q 'in_use' "$TMP/err" || grep -qi 'still used' "$TMP/err" || die "host delete: $(cat "$TMP/err")"
ctl port delete vm9 >/dev/null

# --- errors
expect_rc 1 "invalid field" ctl subnet create network_id=blue-net cidr=10.0.0.0/33
grep -q '(field: cidr)' "$TMP/err" || die "error does not name field cidr: $(cat "$TMP/err")"
expect_rc 1 "unknown object" ctl network show no-such-net
expect_rc 1 "delete a referenced tenant" ctl tenant delete blue
ctl tenant create name=blue >/dev/null
expect_rc 1 "ambiguous name" ctl tenant show blue
grep -q 'matches 2 tenants' "$TMP/err" || die "ambiguous name message"
ctl tenant delete "$(js tenant list | jget '[t["id"] for t in d["tenants"] if t["name"] == "blue" and t["id"] != "'"$blue"'"][0]')" >/dev/null
expect_rc 1 "no token" env -u TENET_TOKEN_FILE "$CLI" tenant list
expect_rc 1 "bad token" ctl --token wrong tenant list
expect_rc_of 4 "unreachable API" "$UNREACHABLE_PID" unreachable
grep -q 'Connection refused' "$TMP/err" || die "unreachable API: no cause named: $(cat "$TMP/err")"
# --timeout bounds the whole call, retries included (the retry window is
# 10 s otherwise): the contract of the option, not a performance figure
t0=$(date +%s%N)
expect_rc 4 "--timeout 2 bounds an unreachable API" \
	ctl --timeout 2 --api "http://127.0.0.1:$(t_free_port)" tenant list
took=$((($(date +%s%N) - t0) / 1000000))
[ "$took" -lt 4000 ] || die "--timeout 2 took ${took} ms"
expect_rc 2 "unknown resource" ctl frobnicate list
expect_rc 2 "unknown verb" ctl network frob
expect_rc 2 "missing id" ctl network show
expect_rc 2 "no fields" ctl network create
expect_rc 2 "bad key=value" ctl network create name
expect_rc 2 "bad output format" ctl -o yaml tenant list
expect_rc 2 "bad --json" ctl network create --json '{oops'
expect_rc 0 "help" ctl --help
expect_rc 0 "resource help" ctl port --help
grep -q binding_interface "$TMP/out" || die "port help lists fields"

# --- deletes, in dependency order, by name and by id, both modes
ctl port delete vm1 >"$TMP/out"
grep -q "^deleted port $port$" "$TMP/out" || die "delete output"
js port delete vm2 >"$TMP/out"
[ ! -s "$TMP/out" ] || die "json delete printed something"
ctl subnet delete blue-subnet >/dev/null
ctl subnet delete red-sub >/dev/null
ctl network delete "$bnet" >/dev/null
ctl network delete red-net >/dev/null
ctl host delete h1 >/dev/null
ctl host delete h2 >/dev/null
for t in blue red green; do ctl tenant delete "$t" >/dev/null; done
for k in tenants networks subnets ports hosts; do
	[ "$(js "$k" list | jget "len(d['$k'])")" = 0 ] || die "$k left after deletes"
done
expect_rc 1 "show deleted port" ctl port show "$port"
ok "deletes: all kinds, by name and id"
echo "PASS: test_cli"
