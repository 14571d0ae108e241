#!/bin/bash
# lib.sh - helpers for the cluster tests: N controllers on loopback ports,
# one shared cluster key and admin token, polling with deadlines.
# Sourced by tests/cluster/test_*.sh with BUILD set to the build directory.
# Every node started is killed and its directory removed by cl_cleanup
# (installed as the EXIT trap by cl_init).

# The test runs in a network namespace of its own (loopback up, nothing
# else), so its loopback ports cannot collide with anything listening on
# the machine; namespaces it makes with cl_netns_init hang off the same
# mount namespace as usual. The script is re-executed there once.
if [ -z "${CL_PRIVATE_NET:-}" ]; then
	export CL_PRIVATE_NET=1
	exec unshare --net -- bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$@"
fi

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

CTL="$BUILD/controller/tenet-controller"
CL_BASE=$((21000 + ($$ % 400) * 20)) # this run's port block
CL_DIR=""
declare -A CL_PID

cl_log() { echo "[$(date +%H:%M:%S.%3N)] $*"; }
cl_fail() { cl_log "FAIL: $*"; exit 1; }

# With CL_NETNS set (cl_netns_init), node ID lives in network namespace
# ${CL_NETNS}ID at 198.18.100.ID, all nodes on one bridge; else on loopback.
CL_NETNS=""
cl_api_port() { [ -n "$CL_NETNS" ] && echo 8080 || echo $((CL_BASE + $1)); }
cl_raft_port() { [ -n "$CL_NETNS" ] && echo 7000 || echo $((CL_BASE + 6 + $1)); }
cl_sb_port() { [ -n "$CL_NETNS" ] && echo 6641 || echo $((CL_BASE + 12 + $1)); }
cl_ip() { [ -n "$CL_NETNS" ] && echo "198.18.100.$1" || echo 127.0.0.1; }
cl_api() { echo "$(cl_ip "$1"):$(cl_api_port "$1")"; }
cl_addr() { echo "$(cl_ip "$1"):$(cl_raft_port "$1")/$(cl_api "$1")"; }
# cl_in ID CMD...: runs CMD where node ID's addresses are reachable.
cl_in() {
	local id=$1
	shift
	if [ -n "$CL_NETNS" ]; then ip netns exec "$CL_NETNS$id" "$@"; else "$@"; fi
}

# cl_netns_init N: namespaces for nodes 1..N plus a bridge namespace.
cl_netns_init() {
	local i
	CL_NETNS="tcl$$n"
	ip netns add "${CL_NETNS}b" || cl_fail "cannot create namespaces"
	ip -n "${CL_NETNS}b" link add br0 type bridge
	ip -n "${CL_NETNS}b" link set br0 up
	for i in $(seq 1 "$1"); do
		ip netns add "$CL_NETNS$i"
		ip link add eth0 netns "$CL_NETNS$i" type veth peer name "p$i" netns "${CL_NETNS}b"
		ip -n "${CL_NETNS}b" link set "p$i" master br0 up
		ip -n "$CL_NETNS$i" addr add "198.18.100.$i/24" dev eth0
		ip -n "$CL_NETNS$i" link set eth0 up
		ip -n "$CL_NETNS$i" link set lo up
	done
}

# cl_cut ID / cl_heal ID: takes node ID's link off the bridge (carrier
# down: nothing in or out, its own address still answers inside its
# namespace) and puts it back.
cl_cut() { ip -n "${CL_NETNS}b" link set "p$1" down; }
cl_heal() { ip -n "${CL_NETNS}b" link set "p$1" up; }

cl_cleanup() {
	local rc=$?
	for id in "${!CL_PID[@]}"; do
		kill -CONT "${CL_PID[$id]}" 2>/dev/null
		kill -KILL "${CL_PID[$id]}" 2>/dev/null
	done
	[ -n "${WPID:-}" ] && kill "$WPID" 2>/dev/null # writers.py, when a test failed
	wait 2>/dev/null
	# a sanitizer report in any node's log fails the test
	if [ $rc -eq 0 ] && [ -n "$CL_DIR" ] && ! t_sanitizer_clean "$CL_DIR"/n*.log; then
		cl_log "FAIL: sanitizer report in a node's log"
		rc=1
	fi
	if [ $rc -ne 0 ] && [ -n "$CL_DIR" ]; then
		for f in "$CL_DIR"/n*.log; do
			[ -f "$f" ] && { echo "--- $f (tail)"; tail -n 80 "$f"; }
		done
	fi
	[ -n "$CL_DIR" ] && rm -rf "$CL_DIR"
	if [ -n "$CL_NETNS" ]; then
		for ns in $(ip netns list | awk '{print $1}' | grep "^$CL_NETNS"); do
			ip netns del "$ns"
		done
	fi
	exit $rc
}

# cl_init: work dir, key and token, trap.
cl_init() {
	[ -x "$CTL" ] || { echo "no $CTL"; exit 1; }
	CL_DIR=$(mktemp -d /tmp/tenet-cluster.XXXXXX)
	trap cl_cleanup EXIT
	trap 'exit 1' INT TERM
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CL_DIR/cluster.key"
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CL_DIR/token"
	TOKEN=$(cat "$CL_DIR/token")
}

# cl_peers N: the bootstrap list of nodes 1..N.
cl_peers() {
	local n=$1 out="" i
	for i in $(seq 1 "$n"); do out="$out${out:+,}$i@$(cl_addr "$i")"; done
	echo "$out"
}

# cl_start ID [extra args...]: starts node ID (data in $CL_DIR/nID).
cl_start() {
	local id=$1
	shift
	local pre=() plain=()
	# plain HTTP on the namespaces' addresses: a network of the test's own
	[ -n "$CL_NETNS" ] && pre=(ip netns exec "$CL_NETNS$id") && plain=(--insecure-http)
	# a simple command, so that $! is the controller itself
	"${pre[@]}" "$CTL" --data "$CL_DIR/n$id" --api "$(cl_api "$id")" \
		--southbound "tcp://127.0.0.1:$(cl_sb_port "$id")" --id "$id" \
		--raft "$(cl_ip "$id"):$(cl_raft_port "$id")" --cluster-key "$CL_DIR/cluster.key" \
		--admin-token "$CL_DIR/token" "${plain[@]}" "$@" >>"$CL_DIR/n$id.log" 2>&1 &
	CL_PID[$id]=$!
}

# cl_cluster3 [extra args...]: nodes 1..3 bootstrapped together (P is their
# --peers list), each started with the extra args; waits (30 s) for a leader
# and sets L to it.
cl_cluster3() {
	local i
	P=$(cl_peers 3)
	for i in 1 2 3; do cl_start "$i" --peers "$P" "$@"; done
	cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader"
	# shellcheck disable=SC2034 # for the test
	L=$(cl_leader_of 1 2 3)
}

cl_kill() { kill -KILL "${CL_PID[$1]}" 2>/dev/null; wait "${CL_PID[$1]}" 2>/dev/null; unset "CL_PID[$1]"; }
# cl_stop ID: SIGTERM to node ID, which must exit within 30 s (a clean stop
# flushes its store); a node that hangs is killed and the test fails.
cl_gone() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
cl_stop() {
	local pid=${CL_PID[$1]}
	kill -TERM "$pid" 2>/dev/null
	if ! wait_for 30 "node $1 exits after SIGTERM" cl_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "CL_PID[$1]"
		cl_fail "node $1 did not stop within 30 s of SIGTERM"
	fi
	wait "$pid" 2>/dev/null
	unset "CL_PID[$1]"
}

# cl_curl ID ARGS...: request to node ID's API (path first), prints body.
cl_curl() {
	local id=$1 path=$2
	shift 2
	cl_in "$id" curl -s --max-time 5 -H "Authorization: Bearer $TOKEN" "$@" \
		"http://$(cl_api "$id")$path"
}

# cl_status ID FIELD: one field of GET /v1/cluster on node ID.
cl_status() {
	cl_curl "$1" /v1/cluster | python3 -c "import sys,json; print(json.load(sys.stdin)['$2'])" 2>/dev/null
}

# cl_wait SECONDS CMD...: wait_for (common.sh) described by CMD itself.
cl_wait() {
	local secs=$1
	shift
	wait_for "$secs" "$*" "$@"
}

# cl_leader_of IDS...: prints the id of the node among IDS that is leader.
cl_leader_of() {
	local id
	for id in "$@"; do
		[ "$(cl_status "$id" state)" = leader ] && { echo "$id"; return 0; }
	done
	return 1
}
cl_has_leader() { cl_leader_of "$@" >/dev/null; }

# cl_create ID NAME KEY: creates tenant NAME with Idempotency-Key KEY on
# node ID (following a 307); prints the HTTP status.
cl_create() {
	cl_in "$1" curl -s --location-trusted --max-time 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: $3" \
		-d "{\"name\":\"$2\"}" "http://$(cl_api "$1")/v1/tenants"
}

# cl_names ID: the sorted tenant names on node ID (local read).
cl_names() {
	cl_curl "$1" /v1/tenants | python3 -c \
		"import sys,json; print('\n'.join(sorted(t['name'] for t in json.load(sys.stdin)['tenants'])))"
}

# cl_revision ID: node ID's revision.
cl_revision() { cl_status "$1" revision; }

# cl_caught_up REF IDS...: every node in IDS has REF's revision.
cl_caught_up() {
	local ref=$1 r id
	shift
	r=$(cl_revision "$ref") || return 1
	[ -n "$r" ] || return 1
	for id in "$@"; do [ "$(cl_revision "$id")" = "$r" ] || return 1; done
}

# The crash tests' writers (writers.py): cl_writers_start N starts N of them
# against nodes 1..3 (WPID), cl_acked counts acknowledged writes so far,
# cl_acked_over N waits for more than N, cl_batched ID is true once node ID
# has committed a batch of more than one entry.
cl_writers_start() {
	: >"$CL_DIR/acked"
	python3 "$(dirname "${BASH_SOURCE[0]}")/writers.py" "$CL_DIR" "$TOKEN" "$1" \
		"$(cl_api 1)" "$(cl_api 2)" "$(cl_api 3)" &
	WPID=$!
}
cl_acked() { wc -l <"$CL_DIR/acked"; }
cl_acked_over() { [ "$(cl_acked)" -ge "$1" ]; }
cl_batched() {
	grep -o "raft batch largest so far entries=[0-9]*" "$CL_DIR/n$1.log" |
		awk -F= '$2 > 1 { ok = 1 } END { exit !ok }'
}

# cl_writers_check: stops the writers, then every acknowledged write must be
# on each of nodes 1..3 exactly once, with the id it was acknowledged with,
# and the nodes must agree.
cl_writers_check() {
	local nl dups missing i
	touch "$CL_DIR/stop"
	wait "$WPID"
	[ -s "$CL_DIR/errors" ] && { head "$CL_DIR/errors"; cl_fail "writes never acknowledged"; }
	cl_log "writers done: $(cl_acked) acked"
	cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader at the end"
	nl=$(cl_leader_of 1 2 3) || nl=1
	cl_wait 60 cl_caught_up "$nl" 1 2 3 || cl_fail "nodes did not converge"
	sort "$CL_DIR/acked" >"$CL_DIR/acked.sorted"
	dups=$(cut -d' ' -f2 "$CL_DIR/acked.sorted" | sort | uniq -d | head -3)
	[ -z "$dups" ] || cl_fail "a write was acknowledged with two ids: $dups"
	for i in 1 2 3; do
		cl_curl "$i" /v1/tenants | python3 -c \
			"import sys,json; print('\n'.join(sorted('%s %s' % (t['id'], t['name']) for t in json.load(sys.stdin)['tenants'])))" \
			>"$CL_DIR/objs.$i"
		[ -s "$CL_DIR/objs.$i" ] || cl_fail "node $i: no tenant list"
		dups=$(cut -d' ' -f2 "$CL_DIR/objs.$i" | sort | uniq -d | head -3)
		[ -z "$dups" ] || cl_fail "node $i has a write twice: $dups"
		missing=$(comm -23 "$CL_DIR/acked.sorted" "$CL_DIR/objs.$i" | head -5)
		[ -z "$missing" ] || cl_fail "node $i lost acknowledged writes: $missing"
		cl_log "node $i: $(wc -l <"$CL_DIR/objs.$i") tenants, revision $(cl_revision "$i")"
	done
	if ! cmp -s "$CL_DIR/objs.1" "$CL_DIR/objs.2" || ! cmp -s "$CL_DIR/objs.1" "$CL_DIR/objs.3"; then
		cl_fail "nodes differ"
	fi
}
