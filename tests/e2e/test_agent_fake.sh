#!/usr/bin/env bash
# tenet-agent --fake-datapath (the scale benchmarks' agents, agent/fakedp.h):
# three fake agents against a real controller on 127.0.0.1 take their
# snapshot, ack every revision (GET /v1/wait answers) through creates and
# deletes, and leave nothing behind: no pins, no tunnel device. Without
# --fake-datapath, --underlay stays required. Timings are not checked.
# Usage: test_agent_fake.sh BUILD_DIR
set -uo pipefail

BUILD=${1:?usage: test_agent_fake.sh BUILD_DIR}
CTL=$BUILD/controller/tenet-controller
AGENT=$BUILD/agent/tenet-agent
CLI=$BUILD/cli/tenetctl
TMP=$(mktemp -d /tmp/tenet-e2e-fake.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
API=127.0.0.1:$PORT
SB=tcp://127.0.0.1:$((PORT + 1))
TUN=tnfk$$
PIDS=()
CTL_PID=

cleanup() {
	local p
	for p in "${PIDS[@]}" $CTL_PID; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}" $CTL_PID; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "FAIL: $*" >&2
	tail -n 20 "$TMP"/*.log >&2 2>/dev/null
	exit 1
}
ok() { echo "ok - $*"; }

# poll SECONDS CMD...: until CMD succeeds, or fail.
poll() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

tctl() { "$CLI" --api "http://$API" --token-file "$TMP/ctl/admin.token" -o json "$@"; }

# wait_rev: GET /v1/wait for the current revision answers 200 (all acked).
wait_rev() {
	curl -sf -H "Authorization: Bearer $(cat "$TMP/ctl/admin.token")" \
		"http://$API/v1/wait?timeout_ms=10000" | jq -e '.pending == []'
}

connected() {
	[ "$(tctl host list | jq '[.hosts[] | select(.state == "connected")] | length')" = 3 ]
}

for b in "$CTL" "$AGENT" "$CLI"; do [ -x "$b" ] || die "missing $b"; done
"$CTL" --data "$TMP/ctl" --api "$API" --southbound "$SB" >"$TMP/controller.log" 2>&1 &
CTL_PID=$!
poll 20 test -s "$TMP/ctl/admin.token" || die "controller did not start"
poll 20 tctl status || die "controller API does not answer"

"$AGENT" --host x --controller "$SB" --controller-key "$TMP/ctl/server.pub" \
	--key "$TMP/x.key" >/dev/null 2>&1
[ $? = 2 ] || die "an agent without --underlay or --fake-datapath was not refused"
ok "--underlay is required without --fake-datapath"

tid=$(tctl tenant create name=t | jq -er .id) || die "tenant"
net=$(tctl network create tenant_id="$tid" name=n | jq -er .id) || die "network"
sub=$(tctl subnet create network_id="$net" cidr=10.9.0.0/24 | jq -er .id) || die "subnet"
for i in 0 1 2; do
	"$AGENT" --genkey "$TMP/fk$i.key" >/dev/null || die "genkey"
	pub=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$TMP/fk$i.key")
	tctl host create name="fk$i" public_key="$pub" underlay_ip="198.18.9.$((i + 1))" \
		>/dev/null || die "host fk$i"
	tctl port create network_id="$net" fixed_ip="$sub" binding_host="fk$i" \
		binding_interface="fkvif$i" >/dev/null || die "port on fk$i"
done
for i in 0 1 2; do
	"$AGENT" --host "fk$i" --controller "$SB" --controller-key "$TMP/ctl/server.pub" \
		--key "$TMP/fk$i.key" --fake-datapath --tunnel-dev "$TUN" \
		--bpffs "$TMP/bpffs" --state-dir "$TMP/state" >"$TMP/agent-fk$i.log" 2>&1 &
	PIDS+=($!)
done
poll 20 connected || die "fake agents did not connect"
poll 20 wait_rev || die "fake agents did not ack the snapshot"
for i in 0 1 2; do
	grep -q "applied snapshot" "$TMP/agent-fk$i.log" || die "fk$i applied no snapshot"
done
ok "three fake agents connected and acked their snapshots"

pid=$(tctl port create network_id="$net" fixed_ip="$sub" binding_host=fk1 \
	binding_interface=fkvif9 | jq -er .id) || die "port create"
poll 20 wait_rev || die "create not acked by every affected agent"
tctl port delete "$pid" >/dev/null || die "port delete"
poll 20 wait_rev || die "delete not acked by every affected agent"
ok "a port create and delete are acked by every agent"

# a fake datapath has no programs, so no drops to monitor: a clear refusal
out=$(tctl monitor fk1 --seconds 1 2>&1) && die "monitor of a fake datapath succeeded: $out"
printf '%s' "$out" | grep -q 'no datapath to monitor' || die "monitor of a fake datapath: $out"
ok "tenetctl monitor of a fake datapath: $out"

[ ! -e "$TMP/bpffs/tenet" ] || die "a fake agent pinned something"
! ip link show "$TUN" >/dev/null 2>&1 || die "a fake agent created a tunnel device"
ok "no pins, no tunnel device"

for p in "${PIDS[@]}"; do
	kill "$p"
	wait "$p" || die "an agent exited non-zero after SIGTERM"
done
PIDS=()
ok "agents exit cleanly"
