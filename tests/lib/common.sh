# shellcheck shell=bash disable=SC2034 # its variables are for the tests that source it
# common.sh - what every shell test shares: reporting (say, ok, fail, die),
# polling with a deadline (wait_for), a work directory, processes and
# namespaces that are removed on exit, starting a controller and waiting for
# its ready line, a free port, the sanitizer-log check, and the topology of
# scripts/lib/topo.sh (t_topo_init) with, on top of it, a cluster of three
# controllers on the underlay (tc_*).
#
# Sourced by tests/e2e/*.sh and tests/cluster/*.sh (through lib.sh), and by
# scripts/lib/topo.sh. A standalone test:
#   . "$(dirname "$0")/../lib/common.sh"
#   t_init api "$1"                 # BUILD, CTL, AGENT, CLI, TMP, the trap
#   t_spawn "$TMP/ctl.log" "$CTL" --data "$TMP/data" --api 127.0.0.1:0 ...
#   t_ctl_ready "$TMP/ctl.log" "$T_PID" || exit 1   # sets T_API
#   ...; fail "what"                # counted, the test goes on
#   t_finish "e2e api"              # PASS, or exits 1 if anything failed
# On exit, whatever the outcome, t_cleanup stops every process started with
# t_spawn (SIGTERM, SIGKILL after 5 s), deletes the namespaces made with
# t_netns, fails the test if any $TMP/*.log holds a sanitizer report, shows
# the logs' tails on failure and removes $TMP.

# Sourced once (topo.sh sources it too).
[ -n "${T_COMMON_LOADED:-}" ] && return 0
T_COMMON_LOADED=1
# The tests run the python3 scripts/install-deps.sh installs (Debian's,
# /usr/bin/python3), also when a version manager's shim comes first in PATH:
# pyenv's costs ~0.4 s a start, and the tests start python3 hundreds of
# times (in polls too). /usr/bin goes first in PATH then: the packages
# install-deps.sh installs are the tools the tests are written for.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	PATH=/usr/bin:$PATH
fi
T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# What ASan, LSan and UBSan print at the start of a report (grep -e).
T_SAN='ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error'
FAILS=0
T_PIDS=()
T_NETNS=()
TMP=

# say MSG: one line of what is happening, for people ($TOPO_QUIET=1: none).
say() {
	[ "${TOPO_QUIET:-0}" = 1 ] || printf '%s\n' "$*"
}

die() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# fail MSG: a failed check; the test goes on and t_finish fails it.
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	FAILS=$((FAILS + 1))
}

ok() { echo "ok - $*"; }

# wait_for SECONDS DESCRIPTION CMD...: polls CMD (its output discarded)
# every 0.1 s until it succeeds, or the deadline passes: then says
# DESCRIPTION timed out and returns 1.
wait_for() {
	local secs=$1 desc=$2 deadline
	shift 2
	deadline=$(($(date +%s%N) + secs * 1000000000))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s%N)" -gt "$deadline" ]; then
			printf 'timeout after %ss: %s\n' "$secs" "$desc" >&2
			return 1
		fi
		sleep 0.1
	done
}

# wait_or_fail SECONDS DESCRIPTION CMD...: wait_for, and a timeout is a
# failed check (fail) that the test goes on from.
wait_or_fail() {
	wait_for "$@" || { fail "$2: not within the deadline"; return 1; }
}

# t_sanitizer_clean FILE...: true if no FILE holds a sanitizer report;
# names the ones that do.
t_sanitizer_clean() {
	local f dirty=0
	for f in "$@"; do
		[ -f "$f" ] || continue
		if grep -q "$T_SAN" "$f"; then
			printf 'sanitizer report in %s\n' "$f" >&2
			dirty=1
		fi
	done
	return $dirty
}

# t_need PROGRAM...: dies unless each is an executable path or a command.
t_need() {
	local p
	for p in "$@"; do
		case $p in
		*/*) [ -x "$p" ] || die "missing $p (build first)" ;;
		*)
			# system tools (bpftool) may live in sbin, outside a user's PATH
			command -v "$p" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
			command -v "$p" >/dev/null || die "no $p (scripts/install-deps.sh installs it)"
			;;
		esac
	done
}

# t_init NAME BUILD_DIR: BUILD (absolute), the programs CTL, AGENT, CLI,
# the work directory TMP (/tmp/tenet-e2e-NAME.*) and the cleanup trap.
t_init() {
	BUILD=$(cd "${2:?usage: $0 BUILD_DIR}" && pwd) || exit 1
	CTL=$BUILD/controller/tenet-controller
	AGENT=$BUILD/agent/tenet-agent
	CLI=$BUILD/cli/tenetctl
	TMP=$(mktemp -d "/tmp/tenet-e2e-$1.XXXXXX") || exit 1
	trap t_cleanup EXIT
	trap 'exit 1' INT TERM
}

# t_netns NAME: a network namespace with loopback up, deleted on exit.
t_netns() {
	ip netns add "$1" || die "cannot create namespace $1"
	T_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# t_spawn LOG CMD...: starts CMD in the background, stdout and stderr
# appended to LOG; T_PID is its pid (give a simple command, not a function,
# so that it is CMD's own), stopped on exit.
t_spawn() {
	local log=$1
	shift
	"$@" >>"$log" 2>&1 &
	T_PID=$!
	T_PIDS+=("$T_PID")
}

# t_stop PID [SIGNAL]: sends SIGNAL (TERM), waits up to 5 s, then SIGKILL.
# Returns the process's exit status (137 when it had to be killed).
t_stop() {
	local pid=$1 rc
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	return $rc
}

# t_ctl_ready LOG PID [SECONDS]: waits (20 s) for the controller's ready
# line in LOG and sets T_API to the address it serves; fails early if PID
# exits.
t_ctl_ready() {
	local log=$1 pid=$2 deadline=$((SECONDS + ${3:-20}))
	until grep -q ' ready api=' "$log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { fail "controller exited early"; return 1; }
		[ $SECONDS -lt $deadline ] || { fail "controller not ready within ${3:-20} s"; return 1; }
		sleep 0.05
	done
	T_API=$(sed -n 's/.* ready api=\([^ ]*\) .*/\1/p' "$log" | head -1)
}

# t_free_port: a TCP port nobody listens on right now on 127.0.0.1 (of the
# network namespace it runs in).
t_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# t_finish WHAT: "WHAT: PASS", or exits 1 naming how many checks failed (a
# sanitizer report in a log so far counts; the exit trap checks again once
# every process has stopped).
t_finish() {
	[ -z "$TMP" ] || t_sanitizer_clean "$TMP"/*.log || fail "sanitizer report in a log"
	[ "$FAILS" = 0 ] || die "$FAILS check(s) failed"
	echo "$1: PASS"
}

# t_netns_reap NS...: ends every process still inside the namespaces
# (SIGTERM, then SIGKILL for what is left after 2 s).
t_netns_reap() {
	local ns pids i
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	for i in $(seq 20); do
		pids=""
		for ns in "$@"; do pids+=$(ip netns pids "$ns" 2>/dev/null); done
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	done
	return 0
}

t_cleanup() {
	local rc=$? pid ns f
	trap '' INT TERM
	trap - EXIT
	set +eu
	declare -F t_on_cleanup >/dev/null && t_on_cleanup
	for pid in "${T_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${T_PIDS[@]}"; do t_stop "$pid"; done
	wait 2>/dev/null
	t_netns_reap "${T_NETNS[@]}"
	for ns in "${T_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if [ -n "$TMP" ]; then
		[ "$rc" = 0 ] && ! t_sanitizer_clean "$TMP"/*.log && rc=1
		if [ "$rc" != 0 ]; then
			for f in "$TMP"/*.log; do
				[ -f "$f" ] && { echo "--- $f (last 30 lines)"; tail -n 30 "$f"; } >&2
			done
		fi
		rm -rf "$TMP"
	fi
	exit "$rc"
}

# ---- the namespaced topology of scripts/lib/topo.sh ----

# t_topo_init [BUILD_DIR]: sources topo.sh and scenario.sh and runs
# topo_init (BUILD_DIR defaults to the tree's build/); topo_cleanup is then
# the trap, and it too fails the test on a sanitizer report.
t_topo_init() {
	# shellcheck source=../../scripts/lib/topo.sh
	. "$T_TOP/scripts/lib/topo.sh"
	# shellcheck source=../../scripts/lib/scenario.sh
	. "$T_TOP/scripts/lib/scenario.sh"
	topo_init "${1:-$T_TOP/build}"
}

# ---- three controllers on the topology's underlay (after t_topo_init) ----
# Node I (1..3) runs in namespace ${TC_NS[I]} at ${TC_IPS[I]} (node 1 is the
# usual controller namespace and address, so tctl and topo_host work), API
# :8080, Raft :7000, southbound :6641, one cluster key and admin token.

# tc_init: the underlay, the three namespaces, the nodes started; waits
# until every node is ready and one leads.
tc_init() {
	local i
	TC_IPS=("" "$TOPO_CTL_IP" "$TOPO_UL_NET.252" "$TOPO_UL_NET.253")
	TC_NS=("" "$TOPO_P-ctl" "$TOPO_P-c2" "$TOPO_P-c3")
	TC_DIRS=("" "$TOPO_DIR/ctl" "$TOPO_DIR/c2" "$TOPO_DIR/c3")
	TC_PIDS=()
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOPO_DIR/cluster.key"
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOPO_DIR/token"
	TOKEN=$(cat "$TOPO_DIR/token")
	TC_PEERS=""
	for i in 1 2 3; do
		TC_PEERS="$TC_PEERS${TC_PEERS:+,}$i@${TC_IPS[$i]}:7000/${TC_IPS[$i]}:8080"
	done
	topo_underlay
	for i in 1 2 3; do
		topo_ns_add "${TC_NS[$i]}"
		topo_plug "${TC_NS[$i]}" eth0 "${TC_IPS[$i]}"
	done
	for i in 1 2 3; do tc_start "$i"; done
	wait_for 30 "controllers ready" test -s "$TOPO_DIR/ctl/admin.token" || topo_dump_logs || exit 1
	wait_for 30 "a leader" tc_leader_among 1 2 3 || topo_dump_logs || exit 1
}

# tc_start I: starts node I (TC_PIDS[I] its pid, log controller-I.log).
tc_start() {
	local i=$1
	ip netns exec "${TC_NS[$i]}" "$CTL_BIN" --data "${TC_DIRS[$i]}" --api "${TC_IPS[$i]}:8080" \
		--insecure-http --southbound "tcp://${TC_IPS[$i]}:6641" --id "$i" --raft "${TC_IPS[$i]}:7000" \
		--peers "$TC_PEERS" --cluster-key "$TOPO_DIR/cluster.key" \
		--admin-token "$TOPO_DIR/token" >>"$TOPO_DIR/controller-$i.log" 2>&1 &
	TOPO_PIDS+=($!)
	TC_PIDS[$i]=$!
}

# tc_get I PATH: GET on node I's API (from node 1's namespace, on the
# underlay); prints the body.
tc_get() {
	ip netns exec "$TOPO_P-ctl" curl -s --max-time 3 -H "Authorization: Bearer $TOKEN" \
		"http://${TC_IPS[$1]}:8080$2"
}

# tc_state I: node I's Raft state (leader, follower, ...).
tc_state() { tc_get "$1" /v1/cluster | jq -r .state; }

# tc_leader_among IDS...: prints the one of IDS that leads.
tc_leader_among() {
	local i
	for i in "$@"; do [ "$(tc_state "$i")" = leader ] && { echo "$i"; return 0; }; done
	return 1
}

# tc_agents_of FIRST...: an agent's --controller list, nodes in that order.
tc_agents_of() {
	local out="" i
	for i in "$@"; do
		out="$out${out:+,}tcp://${TC_IPS[$i]}:6641@$(cat "${TC_DIRS[$i]}/server.pub")"
	done
	echo "$out"
}
