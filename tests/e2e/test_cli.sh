#!/usr/bin/env bash
# test_cli.sh BUILD_DIR - tenetctl against a real tenet-controller on
# 127.0.0.1: create/list/show/update/delete for every kind in both output
# modes, name lookup, --wait, and the exit codes (1 API error, 2 usage,
# 3 wait timeout, 4 unreachable). Needs no root: no namespaces, no agents.
set -euo pipefail

BUILD=$(cd "${1:?usage: test_cli.sh BUILD_DIR}" && pwd)
CTL_BIN=$BUILD/controller/tenet-controller
CLI_BIN=$BUILD/cli/tenetctl
for b in "$CTL_BIN" "$CLI_BIN"; do
	[ -x "$b" ] || { echo "FAIL: missing binary $b (build first)" >&2; exit 1; }
done

DIR=$(mktemp -d /tmp/tenet-cli.XXXXXX)
CTL_PID=
cleanup() {
	local rc=$?
	if [ -n "$CTL_PID" ]; then
		kill "$CTL_PID" 2>/dev/null || true
		wait "$CTL_PID" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ] && [ -s "$DIR/controller.log" ]; then
		echo "--- controller log (last 30 lines)" >&2
		tail -n 30 "$DIR/controller.log" >&2
	fi
	rm -rf "$DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# free_port: a TCP port nobody listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECS DESC CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
	local secs=$1 desc=$2 deadline
	shift 2
	deadline=$(($(date +%s%N) + secs * 1000000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || fail "timeout after ${secs}s: $desc"
		kill -0 "$CTL_PID" 2>/dev/null || fail "controller exited while waiting: $desc"
		sleep 0.1
	done
}

# jget EXPR: evaluates a Python expression on the JSON document d from stdin.
jget() {
	python3 -c 'import json, sys; d = json.load(sys.stdin); v = eval(sys.argv[1]); print(str(v).lower() if isinstance(v, bool) else v)' "$1"
}

API_PORT=$(free_port)
SB_PORT=$(free_port)
export TENET_API=http://127.0.0.1:$API_PORT
unset TENET_TOKEN TENET_TOKEN_FILE
"$CTL_BIN" --data "$DIR/data" --api "127.0.0.1:$API_PORT" \
	--southbound "tcp://127.0.0.1:$SB_PORT" >"$DIR/controller.log" 2>&1 &
CTL_PID=$!
wait_for 20 "admin token written" test -s "$DIR/data/admin.token"
export TENET_TOKEN_FILE=$DIR/data/admin.token
wait_for 20 "API answers" "$CLI_BIN" status
ok "controller up on $TENET_API"

ctl() { "$CLI_BIN" "$@"; }
js() { "$CLI_BIN" -o json "$@"; }

# expect_rc RC WHAT CMD...: CMD must exit with RC; its stderr is kept in $DIR/err.
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$DIR/out" 2>"$DIR/err" || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$DIR/err" >&2; fail "$what: exit $rc, want $want"; }
	ok "$what (exit $rc)"
}

# --- tenants (--wait returns at once while no host exists to wait for)
expect_rc 0 "--wait with no hosts enrolled" ctl --wait --timeout 5 tenant create name=green
blue=$(js tenant create name=blue description="blue team" | jget 'd["id"]')
ctl tenant create name=red >"$DIR/out"
grep -q '^name: *red$' "$DIR/out" || fail "table create output lacks 'name: red'"
red=$(js tenant show red | jget 'd["id"]')
[ "$(js tenant list | jget 'len(d["tenants"])')" = 3 ] || fail "tenant list: want 3"
ctl tenant list >"$DIR/out"
head -n 1 "$DIR/out" | grep -q '^ID *NAME$' || fail "tenant table header"
grep -q "^$blue  *blue$" "$DIR/out" || fail "tenant table row for blue"
ctl tenant update blue description=azure >/dev/null
[ "$(js tenant show "$blue" | jget 'd["description"]')" = azure ] || fail "tenant update"
ok "tenants: create/list/show/update, both modes, by name and id"

# --- networks (tenant given by name)
bnet=$(js network create tenant_id=blue name=blue-net | jget 'd["id"]')
rnet=$(js network create tenant_id="$red" name=red-net | jget 'd["id"]')
[ "$(js network show blue-net | jget 'd["tenant_id"]')" = "$blue" ] || fail "network tenant"
vni=$(js network show "$bnet" | jget 'd["vni"]')
[ "$vni" -gt 0 ] || fail "network vni $vni"
[ "$(js network list tenant_id=red | jget '[n["id"] for n in d["networks"]]')" = "['$rnet']" ] ||
	fail "network list filtered by tenant name"
ctl network list >"$DIR/out"
grep -Eq "^$bnet  +blue-net  +$blue  +$vni$" "$DIR/out" || fail "network table row"
ctl network update blue-net name=blue-net2 >/dev/null
ctl network update blue-net2 name=blue-net >/dev/null
ok "networks: create/list/filter/show/update, tenant by name"

# --- subnets (network given by name)
bsub=$(js subnet create network_id=blue-net name=blue-sub cidr=10.0.0.0/24 \
	gateway_ip=10.0.0.254 | jget 'd["id"]')
js subnet create network_id=red-net name=red-sub cidr=10.0.0.0/24 gateway_ip=10.0.0.254 >/dev/null
[ "$(js subnet show blue-sub | jget 'd["cidr"]')" = 10.0.0.0/24 ] || fail "subnet cidr"
[ "$(js subnet list network_id=blue-net | jget 'len(d["subnets"])')" = 1 ] ||
	fail "subnet list by network"
ctl subnet list >"$DIR/out"
grep -Eq "^$bsub  +blue-sub  +$bnet  +10.0.0.0/24  +10.0.0.254$" "$DIR/out" || fail "subnet row"
ctl subnet update blue-sub name=blue-subnet >/dev/null
[ "$(js subnet show "$bsub" | jget 'd["name"]')" = blue-subnet ] || fail "subnet update"
ok "subnets: create/list/filter/show/update"

# --- hosts (id == name); keys from the ZeroMQ CURVE RFC examples
# shellcheck disable=SC2016 # literal Z85 keys
K1='Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID'
K2='rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'
js host create name=h1 public_key="$K1" underlay_ip=198.18.0.1 >/dev/null
ctl host create name=h2 public_key="$K2" underlay_ip=198.18.0.2 >/dev/null
ctl host list >"$DIR/out"
head -n 1 "$DIR/out" | grep -q '^NAME *UNDERLAY *STATE *APPLIED_REVISION$' || fail "host header"
grep -Eq '^h2  +198.18.0.2  +disconnected  +' "$DIR/out" || fail "host row"
[ "$(js host show h1 | jget 'd["underlay_ip"]')" = 198.18.0.1 ] || fail "host show"
ctl host update h2 underlay_ip=198.18.0.3 >/dev/null
[ "$(js host show h2 | jget 'd["underlay_ip"]')" = 198.18.0.3 ] || fail "host update"
ok "hosts: create/list/show/update"

# --- ports (network and subnet by name)
js port create network_id=blue-net name=vm1 fixed_ip=blue-subnet,10.0.0.1 \
	binding_host=h1 binding_interface=vm1-h >"$DIR/port.json"
port=$(jget 'd["id"]' <"$DIR/port.json")
mac=$(jget 'd["mac_address"]' <"$DIR/port.json")
case $mac in fa:16:3e:*) ;; *) fail "port mac $mac" ;; esac
[ "$(jget 'd["fixed_ips"][0]["subnet_id"]' <"$DIR/port.json")" = "$bsub" ] || fail "port subnet"
[ "$(jget 'd["binding"]["host"]' <"$DIR/port.json")" = h1 ] || fail "port binding"
ctl port list network_id=blue-net >"$DIR/out"
grep -Eq "^$port  +vm1  +$bnet  +$mac  +10.0.0.1  +h1  +vm1-h  +[A-Z]+$" "$DIR/out" ||
	fail "port table row"
ctl port update vm1 port_security_enabled=false >/dev/null
[ "$(js port show vm1 | jget 'd["port_security_enabled"]')" = false ] || fail "port update"
js --json '{"network_id":"'"$rnet"'","name":"vm2"}' port create >/dev/null
[ "$(js port list | jget 'len(d["ports"])')" = 2 ] || fail "port list"
ok "ports: create (key=value and --json)/list/show/update"

# --- status, wait, --wait
rev=$(js status | jget 'd["revision"]')
[ "$rev" -gt 0 ] || fail "status revision $rev"
expect_rc 3 "--wait on a port of a disconnected host times out" \
	ctl --wait --timeout 1 port update vm1 binding_interface=vm1-x
grep -q 'pending hosts:.*h1' "$DIR/err" || fail "--wait does not name pending host h1"
expect_rc 0 "wait for revision 0" ctl --timeout 5 wait 0
expect_rc 1 "--wait on a port bound to a host that is not enrolled" \
	ctl --wait --timeout 5 port create network_id=blue-net name=vm9 binding_host=h9 \
	binding_interface=vm9-h
grep -q "host 'h9', which is not enrolled" "$DIR/err" || fail "--wait unknown host: $(cat "$DIR/err")"
[ "$(js port show vm9 | jget 'd["status"]')" = BINDING_FAILED ] || fail "vm9 status"
[ "$(js port list binding_host=h9 | jget 'len(d["ports"])')" = 1 ] || fail "port list binding_host"
expect_rc 1 "delete a host that still has bound ports" ctl host delete h1
grep -q 'in_use' "$DIR/err" || grep -qi 'still used' "$DIR/err" || fail "host delete: $(cat "$DIR/err")"
ctl port delete vm9 >/dev/null

# --- errors
expect_rc 1 "invalid field" ctl subnet create network_id=blue-net cidr=10.0.0.0/33
grep -q '(field: cidr)' "$DIR/err" || fail "error does not name field cidr: $(cat "$DIR/err")"
expect_rc 1 "unknown object" ctl network show no-such-net
expect_rc 1 "delete a referenced tenant" ctl tenant delete blue
ctl tenant create name=blue >/dev/null
expect_rc 1 "ambiguous name" ctl tenant show blue
grep -q 'matches 2 tenants' "$DIR/err" || fail "ambiguous name message"
ctl tenant delete "$(js tenant list | jget '[t["id"] for t in d["tenants"] if t["name"] == "blue" and t["id"] != "'"$blue"'"][0]')" >/dev/null
expect_rc 1 "no token" env -u TENET_TOKEN_FILE "$CLI_BIN" tenant list
expect_rc 1 "bad token" ctl --token wrong tenant list
expect_rc 4 "unreachable API" ctl --api "http://127.0.0.1:$(free_port)" tenant list
grep -q 'Connection refused' "$DIR/err" || fail "unreachable API: no cause named: $(cat "$DIR/err")"
# --timeout bounds the whole call, retries included (the retry window is
# 10 s otherwise): the contract of the option, not a performance figure
t0=$(date +%s%N)
expect_rc 4 "--timeout 2 bounds an unreachable API" \
	ctl --timeout 2 --api "http://127.0.0.1:$(free_port)" tenant list
took=$((($(date +%s%N) - t0) / 1000000))
[ "$took" -lt 4000 ] || fail "--timeout 2 took ${took} ms"
expect_rc 2 "unknown resource" ctl frobnicate list
expect_rc 2 "unknown verb" ctl network frob
expect_rc 2 "missing id" ctl network show
expect_rc 2 "no fields" ctl network create
expect_rc 2 "bad key=value" ctl network create name
expect_rc 2 "bad output format" ctl -o yaml tenant list
expect_rc 2 "bad --json" ctl network create --json '{oops'
expect_rc 0 "help" ctl --help
expect_rc 0 "resource help" ctl port --help
grep -q binding_interface "$DIR/out" || fail "port help lists fields"

# --- deletes, in dependency order, by name and by id, both modes
ctl port delete vm1 >"$DIR/out"
grep -q "^deleted port $port$" "$DIR/out" || fail "delete output"
js port delete vm2 >"$DIR/out"
[ ! -s "$DIR/out" ] || fail "json delete printed something"
ctl subnet delete blue-subnet >/dev/null
ctl subnet delete red-sub >/dev/null
ctl network delete "$bnet" >/dev/null
ctl network delete red-net >/dev/null
ctl host delete h1 >/dev/null
ctl host delete h2 >/dev/null
for t in blue red green; do ctl tenant delete "$t" >/dev/null; done
for k in tenants networks subnets ports hosts; do
	[ "$(js "$k" list | jget "len(d['$k'])")" = 0 ] || fail "$k left after deletes"
done
expect_rc 1 "show deleted port" ctl port show "$port"
ok "deletes: all kinds, by name and id"
echo "PASS: test_cli"
