# shellcheck shell=bash
# topo.sh - builds and tears down a tenet test topology in network namespaces.
#
# Sourced by scripts/demo.sh and the e2e tests (through tests/lib/common.sh,
# whose say, die and wait_for it uses). Everything lives in namespaces named "$TOPO_P-*" made here: an underlay namespace with a bridge
# (198.18.0.0/24), a controller namespace on it (198.18.0.254), one namespace
# per simulated host (198.18.0.<n>) running a real tenet-agent, and one
# namespace per VM behind a veth whose host side lives in its host's
# namespace. topo_cleanup removes all of it (namespaces, links, pinned maps,
# processes, the work directory); topo_init installs it as the EXIT trap.
#
# Usage: topo_init BUILD_DIR; topo_underlay; topo_controller;
#        topo_host h1 1; topo_vm blue1 h1 "$mac" 10.0.0.1/24; ...

TOPO_UL_NET=198.18.0
TOPO_CTL_IP=$TOPO_UL_NET.254
TOPO_API=http://$TOPO_CTL_IP:8080
TOPO_SB=tcp://$TOPO_CTL_IP:6641
TOPO_UL_MTU=1500
TOPO_VM_MTU=$((TOPO_UL_MTU - 50))
TOPO_QUIET=${TOPO_QUIET:-0}

# say, die, wait_for and the sanitizer-log check: the tests' shared library.
# shellcheck source=/dev/null # (common.sh sources this file: not followed back)
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/lib/common.sh"

topo_init() {
	TOPO_BUILD=$(cd "$1" && pwd)
	TOPO_P=${TOPO_PREFIX:-tn$$}
	TOPO_DIR=$(mktemp -d /tmp/tenet-topo.XXXXXX)
	TOPO_HOSTS=()
	TOPO_NS=()
	TOPO_PIDS=()
	TOPO_CTL_PID=
	# Every run pins into a bpffs of its own, so runs never share pins and
	# never touch a real deployment's /sys/fs/bpf/tenet/<host>.
	TOPO_BPFFS=${TOPO_BPFFS:-$TOPO_DIR/bpffs}
	mkdir -p "$TOPO_BPFFS"
	CTL_BIN=$TOPO_BUILD/controller/tenet-controller
	AGENT_BIN=$TOPO_BUILD/agent/tenet-agent
	CLI_BIN=$TOPO_BUILD/cli/tenetctl
	for b in "$CTL_BIN" "$AGENT_BIN" "$CLI_BIN"; do
		[ -x "$b" ] || die "missing binary $b (build first)"
	done
	[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, bpf)"
	trap topo_cleanup EXIT
	trap 'exit 130' INT TERM
}

topo_ns_add() {
	ip netns add "$1" || die "cannot create namespace $1"
	TOPO_NS+=("$1")
	ip -n "$1" link set lo up
}

# topo_underlay: the underlay namespace with its bridge.
topo_underlay() {
	topo_ns_add "$TOPO_P-ul"
	ip -n "$TOPO_P-ul" link add br0 type bridge
	ip -n "$TOPO_P-ul" link set br0 up
}

# topo_plug NS IFNAME ADDR: a veth from the underlay bridge into NS.
topo_plug() {
	local ns=$1 ifn=$2 addr=$3 peer=u-${1##*-}
	ip link add "$peer" netns "$TOPO_P-ul" type veth peer name "$ifn" netns "$ns" ||
		die "cannot create underlay veth for $ns"
	ip -n "$TOPO_P-ul" link set "$peer" master br0 mtu "$TOPO_UL_MTU" up
	ip -n "$ns" link set "$ifn" mtu "$TOPO_UL_MTU" up
	ip -n "$ns" addr add "$addr/24" dev "$ifn"
}

# topo_controller: starts tenet-controller in its own namespace.
topo_controller() {
	local ns=$TOPO_P-ctl
	topo_ns_add "$ns"
	topo_plug "$ns" eth0 "$TOPO_CTL_IP"
	ip netns exec "$ns" "$CTL_BIN" --data "$TOPO_DIR/ctl" --api "$TOPO_CTL_IP:8080" \
		--insecure-http --southbound "$TOPO_SB" >"$TOPO_DIR/controller.log" 2>&1 &
	TOPO_CTL_PID=$!
	wait_for 20 "controller ready" test -s "$TOPO_DIR/ctl/admin.token" || topo_dump_logs
	wait_for 20 "controller API answers" tctl status || topo_dump_logs
	TOPO_TOKEN_FILE=$TOPO_DIR/ctl/admin.token
	TOPO_CTL_PUB=$TOPO_DIR/ctl/server.pub
}

# tctl ARGS...: tenetctl inside the controller's namespace.
tctl() {
	ip netns exec "$TOPO_P-ctl" "$CLI_BIN" --api "$TOPO_API" \
		--token-file "$TOPO_DIR/ctl/admin.token" "$@"
}

# tjson ARGS...: tenetctl with -o json.
tjson() {
	tctl -o json "$@"
}

# topo_host NAME N: host namespace with underlay address 198.18.0.N, a CURVE
# key enrolled with the controller, and a running agent.
topo_host() {
	topo_host_enrol "$1" "$2"
	topo_agent_start "$1"
}

# topo_hosts NAME:N...: topo_host for each, their agents starting side by
# side: every host is enrolled and its agent started, the first agent alone
# until it has mounted the bpffs they share (two agents mounting it at once
# would stack two mounts), then each is waited for until connected.
topo_hosts() {
	local spec first=1
	for spec in "$@"; do
		topo_host_enrol "${spec%%:*}" "${spec#*:}"
		topo_agent_spawn "${spec%%:*}"
		if [ "$first" = 1 ]; then
			wait_for 20 "bpffs mounted at $TOPO_BPFFS" mountpoint -q "$TOPO_BPFFS" ||
				topo_dump_logs
			first=0
		fi
	done
	for spec in "$@"; do
		wait_for 20 "host ${spec%%:*} connected" topo_host_connected "${spec%%:*}" ||
			topo_dump_logs
	done
}

# topo_host_enrol NAME N: topo_host without the agent.
topo_host_enrol() {
	local name=$1 n=$2 ns=$TOPO_P-$1 key=$TOPO_DIR/$1.key pub
	topo_ns_add "$ns"
	topo_plug "$ns" eth0 "$TOPO_UL_NET.$n"
	TOPO_HOSTS+=("$name")
	# A stale pin directory from an interrupted earlier run would be reused.
	rm -rf "$TOPO_BPFFS/tenet/$name"
	"$AGENT_BIN" --genkey "$key" >/dev/null || die "cannot create key for $name"
	pub=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$key")
	[ -n "$pub" ] || die "no public key in $key"
	tctl host create name="$name" public_key="$pub" underlay_ip="$TOPO_UL_NET.$n" >/dev/null ||
		die "cannot enrol host $name"
}

# topo_agent_start NAME: (re)starts the agent of host NAME. Its --controller
# list is $TOPO_AGENT_CONTROLLERS when set, else $TOPO_SB; its back end is
# $TOPO_ENCAP_<NAME> when set (kernel or bpf: --encap), else the default,
# and where it decapsulates $TOPO_DECAP_<NAME> when set (auto, tc or xdp:
# --decap); $TOPO_AGENT_ARGS (words) are added to every agent's options.
# Waits until the host is connected.
topo_agent_start() {
	topo_agent_spawn "$1"
	wait_for 20 "host $1 connected" topo_host_connected "$1" || topo_dump_logs
}

# topo_agent_spawn NAME: topo_agent_start without the wait.
topo_agent_spawn() {
	local name=$1 ns=$TOPO_P-$1 encap decap extra=()
	# shellcheck disable=SC2206 # words on purpose
	extra=(${TOPO_AGENT_ARGS:-})
	encap=$(eval "echo \${TOPO_ENCAP_${name//[^A-Za-z0-9]/_}:-}")
	[ -n "$encap" ] && extra+=(--encap "$encap")
	decap=$(eval "echo \${TOPO_DECAP_${name//[^A-Za-z0-9]/_}:-}")
	[ -n "$decap" ] && extra+=(--decap "$decap")
	nsenter --net="/run/netns/$ns" "$AGENT_BIN" --host "$name" \
		--controller "${TOPO_AGENT_CONTROLLERS:-$TOPO_SB}" \
		--controller-key "$TOPO_DIR/ctl/server.pub" --key "$TOPO_DIR/$name.key" \
		--underlay eth0 --state-dir "$TOPO_DIR/state" --bpffs "$TOPO_BPFFS" "${extra[@]}" \
		>>"$TOPO_DIR/agent-$name.log" 2>&1 &
	eval "TOPO_AGENT_PID_${name//[^A-Za-z0-9]/_}=$!"
	TOPO_PIDS+=($!)
}

topo_agent_pid() {
	eval "echo \${TOPO_AGENT_PID_${1//[^A-Za-z0-9]/_}}"
}

# topo_agent_kill NAME [SIGNAL]: stops the agent and waits for it to exit.
topo_agent_kill() {
	local pid
	pid=$(topo_agent_pid "$1")
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

topo_host_connected() {
	[ "$(tjson host show "$1" | jq -r .state)" = connected ]
}

# topo_vm NAME HOST MAC CIDR: a VM namespace with eth0 (MAC, address) whose
# host-side veth is named NAME inside HOST's namespace.
topo_vm() {
	local name=$1 host=$2 mac=$3 cidr=$4 ns=$TOPO_P-$1
	topo_ns_add "$ns"
	# IPv4-only VMs: no IPv6 DAD/MLD chatter, so a VM's counters move only
	# with the traffic a test sends.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link add "$name" netns "$TOPO_P-$host" mtu "$TOPO_VM_MTU" type veth \
		peer name eth0 netns "$ns" mtu "$TOPO_VM_MTU" || die "cannot create VM $name"
	ip -n "$ns" link set eth0 address "$mac"
	ip -n "$ns" addr add "$cidr" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$TOPO_P-$host" link set "$name" up
}

# vm_exec VM CMD...: runs CMD inside VM's namespace.
vm_exec() {
	local vm=$1
	shift
	ip netns exec "$TOPO_P-$vm" "$@"
}

# vm_ping VM ADDR [COUNT]: true if COUNT pings (default 3) all get answers.
vm_ping() {
	vm_exec "$1" ping -n -q -c "${3:-3}" -i 0.2 -W 1 "$2" >/dev/null 2>&1
}

# vm_rx_packets VM: packets received on the VM's eth0.
vm_rx_packets() {
	vm_exec "$1" cat /sys/class/net/eth0/statistics/rx_packets 2>/dev/null ||
		ip -n "$TOPO_P-$1" -s -j link show eth0 | jq '.[0].stats64.rx.packets'
}

topo_dump_logs() {
	local f
	for f in "$TOPO_DIR"/*.log; do
		[ -e "$f" ] || continue
		printf '==== %s (last 40 lines)\n' "$f" >&2
		tail -n 40 "$f" >&2
	done
	return 1
}

topo_cleanup() {
	local rc=$? pid ns h rm_pids
	# A second Ctrl-C must not cut the cleanup short.
	trap '' INT TERM
	trap - EXIT
	# Cleanup must finish whatever state the run died in.
	set +eu
	[ "$rc" != 0 ] && [ -n "${TOPO_DIR:-}" ] && [ "${TOPO_NO_LOGS:-0}" != 1 ] && topo_dump_logs
	for pid in "${TOPO_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${TOPO_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# every host's datapath removed side by side (each its own pins and
	# tunnel device; none mounts or unmounts the bpffs)
	rm_pids=()
	for h in "${TOPO_HOSTS[@]}"; do
		if [ -e "/run/netns/$TOPO_P-$h" ]; then
			nsenter --net="/run/netns/$TOPO_P-$h" "$AGENT_BIN" --host "$h" --remove \
				--bpffs "$TOPO_BPFFS" >/dev/null 2>&1 &
			rm_pids+=($!)
		fi
	done
	for pid in "${rm_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for h in "${TOPO_HOSTS[@]}"; do
		rm -rf "$TOPO_BPFFS/tenet/$h"
	done
	if [ -n "$TOPO_CTL_PID" ]; then
		kill "$TOPO_CTL_PID" 2>/dev/null
		wait "$TOPO_CTL_PID" 2>/dev/null
	fi
	# every daemon has exited: a sanitizer report in any log fails the run
	if [ "$rc" = 0 ] && [ -n "${TOPO_DIR:-}" ] && ! t_sanitizer_clean "$TOPO_DIR"/*.log; then
		rc=1
		[ "${TOPO_NO_LOGS:-0}" != 1 ] && topo_dump_logs
	fi
	# whatever a test started inside a namespace and lost track of (a
	# background job whose shell was killed, a daemon) goes with it
	t_netns_reap "${TOPO_NS[@]}"
	for ns in "${TOPO_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rmdir "$TOPO_BPFFS/tenet" 2>/dev/null
	if [ -n "${TOPO_DIR:-}" ]; then
		# The agents mounted a bpffs on our private directory: unmount it
		# before removing the tree (never the system's /sys/fs/bpf).
		mountpoint -q "$TOPO_DIR/bpffs" && umount "$TOPO_DIR/bpffs"
		rm -rf "$TOPO_DIR"
	fi
	exit "$rc"
}

# ---- controller stop/restart under running agents (agent failover tests) ----

# topo_controller_stop [SIGNAL]: stops the controller started by
# topo_controller (SIGTERM by default) and waits for it to exit.
topo_controller_stop() {
	[ -n "$TOPO_CTL_PID" ] || return 0
	kill "-${1:-TERM}" "$TOPO_CTL_PID" 2>/dev/null
	wait "$TOPO_CTL_PID" 2>/dev/null
	TOPO_CTL_PID=
	return 0
}

# topo_controller_restart: starts the controller again in its namespace on
# the same data directory (same state, revision, key and token), as
# topo_controller did, and waits for its API.
topo_controller_restart() {
	ip netns exec "$TOPO_P-ctl" "$CTL_BIN" --data "$TOPO_DIR/ctl" --api "$TOPO_CTL_IP:8080" \
		--insecure-http --southbound "$TOPO_SB" >>"$TOPO_DIR/controller.log" 2>&1 &
	TOPO_CTL_PID=$!
	wait_for 20 "controller API answers after restart" tctl status || topo_dump_logs
}
