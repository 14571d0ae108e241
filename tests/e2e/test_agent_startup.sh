#!/usr/bin/env bash
# tenet-agent start-up errors are exact: every argument is checked before
# anything is loaded, mounted or pinned, and a failure after that undoes
# what the failed start made. In a host namespace of its own (underlay eth0
# 198.18.0.1/24, a second veth end eth1 without an address), with a private
# bpffs directory:
#   --key naming no key file        -> exit 1, no key file created
#   --key whose _secret is missing   -> exit 1
#   --underlay absent / no IPv4      -> exit 1, nothing mounted or pinned
#   --tunnel-dev an existing veth    -> fails after the load; the pins and
#                                       the bpffs mount are undone, the veth
#                                       is left alone
#   a correct start                  -> runs and pins its maps
# No controller is needed: the agent connects asynchronously.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
NS=$TOPO_P-h1

topo_ns_add "$NS"
TOPO_HOSTS+=(h1) # topo_cleanup removes whatever an agent left for h1
ip -n "$NS" link add eth0 type veth peer name eth1 || die "cannot create veth"
ip -n "$NS" link set eth0 mtu 1500 up
ip -n "$NS" link set eth1 up
ip -n "$NS" addr add 198.18.0.1/24 dev eth0
"$AGENT_BIN" --genkey "$TOPO_DIR/h1.key" >/dev/null || die "genkey"
"$AGENT_BIN" --genkey "$TOPO_DIR/ctl.key" >/dev/null || die "genkey"
CTL_PUB=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$TOPO_DIR/ctl.key")
[ ${#CTL_PUB} = 40 ] || die "no public key in $TOPO_DIR/ctl.key"

# bpf_mounts: bpffs mounts below this run's own directory (mountinfo's
# field 5 is the mount point); other tests may mount bpffs meanwhile.
bpf_mounts() {
	awk -v d="$TOPO_DIR" 'index($5, d) == 1 && / - bpf /' /proc/self/mountinfo | wc -l
}

# agent ARGS...: the agent in h1's namespace with the usual options (ARGS
# override or add), at most 20 s; sets RC, output in $TOPO_DIR/case.log.
agent() {
	timeout -s KILL 20 nsenter --net="/run/netns/$NS" "$AGENT_BIN" --host h1 \
		--controller tcp://198.18.0.254:6641 --controller-key "$CTL_PUB" \
		--state-dir "$TOPO_DIR/state" --bpffs "$TOPO_BPFFS" "$@" >"$TOPO_DIR/case.log" 2>&1
	RC=$?
}

# refused NAME PATTERN ARGS...: exit 1 with a line matching PATTERN, no
# sanitizer report, no bpffs mounted that was not there, nothing pinned, no
# tunnel device made.
refused() {
	local name=$1 pattern=$2 mounts
	shift 2
	mounts=$(bpf_mounts)
	agent "$@"
	if [ "$RC" != 1 ]; then
		fail "$name: exit status $RC, want 1 (137: still running after 20 s)"
	elif ! t_sanitizer_clean "$TOPO_DIR/case.log"; then
		fail "$name: sanitizer report"
	elif [ "$(bpf_mounts)" != "$mounts" ] || mountpoint -q "$TOPO_BPFFS"; then
		fail "$name: a bpffs stayed mounted"
	elif [ -n "$(find "$TOPO_BPFFS" -mindepth 1 2>/dev/null | head -1)" ]; then
		fail "$name: left $(find "$TOPO_BPFFS" -mindepth 1 | head -3 | tr '\n' ' ')"
	elif ip -n "$NS" link show tenet0 >/dev/null 2>&1; then
		fail "$name: tunnel device tenet0 was created"
	elif ! grep -q -- "$pattern" "$TOPO_DIR/case.log"; then
		fail "$name: no message matching '$pattern'"
	else
		ok "$name: refused ($(grep -o -m1 -- "$pattern" "$TOPO_DIR/case.log"))"
		return 0
	fi
	sed 's/^/    /' "$TOPO_DIR/case.log" | tail -5 >&2
	# what the failed start left must not leak into the next case
	nsenter --net="/run/netns/$NS" "$AGENT_BIN" --host h1 --remove --bpffs "$TOPO_BPFFS" \
		--state-dir "$TOPO_DIR/state" >/dev/null 2>&1
	mountpoint -q "$TOPO_BPFFS" && umount "$TOPO_BPFFS"
	return 1
}

refused "--key naming no file" "no key path=$TOPO_DIR/nokey" \
	--key "$TOPO_DIR/nokey" --underlay eth0
[ -e "$TOPO_DIR/nokey" ] || [ -e "$TOPO_DIR/nokey_secret" ] &&
	fail "--key naming no file: a key was generated"

cp "$TOPO_DIR/h1.key" "$TOPO_DIR/pubonly.key"
refused "--key without its _secret file" "no key path=$TOPO_DIR/pubonly.key" \
	--key "$TOPO_DIR/pubonly.key" --underlay eth0

refused "--underlay naming no interface" "no underlay interface iface=nosuch0" \
	--key "$TOPO_DIR/h1.key" --underlay nosuch0

refused "--underlay without an IPv4 address" "underlay has no IPv4 address iface=eth1" \
	--key "$TOPO_DIR/h1.key" --underlay eth1

refused "--tunnel-dev naming a veth (fails after the load)" "tunnel device is not vxlan" \
	--key "$TOPO_DIR/h1.key" --underlay eth0 --tunnel-dev eth1
ip -n "$NS" link show eth1 >/dev/null 2>&1 || fail "the failed start deleted eth1, which it did not make"

# A correct start still works (the checks refuse nothing valid).
nsenter --net="/run/netns/$NS" "$AGENT_BIN" --host h1 --controller tcp://198.18.0.254:6641 \
	--controller-key "$CTL_PUB" --key "$TOPO_DIR/h1.key" --underlay eth0 \
	--state-dir "$TOPO_DIR/state" --bpffs "$TOPO_BPFFS" >"$TOPO_DIR/agent-h1.log" 2>&1 &
pid=$!
TOPO_PIDS+=("$pid")
if wait_for 20 "agent started" grep -q "agent started host=h1" "$TOPO_DIR/agent-h1.log"; then
	if [ -n "$(ls -A "$TOPO_BPFFS/tenet/h1" 2>/dev/null)" ]; then
		ok "a correct start runs and pins its datapath"
	else
		fail "correct start: nothing pinned"
	fi
else
	fail "a correct start did not start"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
t_sanitizer_clean "$TOPO_DIR/agent-h1.log" || fail "correct start: sanitizer report"

t_finish "e2e agent startup"
