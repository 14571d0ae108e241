#!/usr/bin/env bash
# tenet-agent --fake-datapath (the scale benchmarks' agents, agent/fakedp.h):
# three fake agents against a real controller on 127.0.0.1 take their
# snapshot, ack every revision (GET /v1/wait answers) through creates and
# deletes, and leave nothing behind: no pins, no tunnel device. Without
# --fake-datapath, --underlay stays required. An agent runs itself again
# with glibc's malloc in huge pages unless GLIBC_TUNABLES names that
# tunable. Timings are not checked.
# Usage: test_agent_fake.sh BUILD_DIR
set -uo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init fake "${1:-}"
API=127.0.0.1:$(t_free_port)
SB=tcp://127.0.0.1:$(t_free_port)
TUN=tnfk$$

tctl() { "$CLI" --api "http://$API" --token-file "$TMP/ctl/admin.token" -o json "$@"; }

# wait_rev: GET /v1/wait for the current revision answers 200 (all acked).
wait_rev() {
	curl -sf -H "Authorization: Bearer $(cat "$TMP/ctl/admin.token")" \
		"http://$API/v1/wait?timeout_ms=10000" | jq -e '.pending == []'
}

connected() {
	[ "$(tctl host list | jq '[.hosts[] | select(.state == "connected")] | length')" = 3 ]
}

t_need "$CTL" "$AGENT" "$CLI"
t_spawn "$TMP/controller.log" "$CTL" --data "$TMP/ctl" --api "$API" --southbound "$SB"
wait_for 20 "controller token" test -s "$TMP/ctl/admin.token" || die "controller did not start"
wait_for 20 "controller API" tctl status || die "controller API does not answer"

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
AGENTS=()
for i in 0 1 2; do
	# fk2's operator keeps 4 KiB pages (agent/main.c: the tunable named)
	tun=glibc.mem.tagging=0
	[ "$i" = 2 ] && tun=glibc.malloc.hugetlb=0
	GLIBC_TUNABLES=$tun "$AGENT" --host "fk$i" --controller "$SB" \
		--controller-key "$TMP/ctl/server.pub" \
		--key "$TMP/fk$i.key" --fake-datapath --tunnel-dev "$TUN" \
		--bpffs "$TMP/bpffs" --state-dir "$TMP/state" >"$TMP/agent-fk$i.log" 2>&1 &
	AGENTS+=($!)
	T_PIDS+=($!)
done
wait_for 20 "fake agents connected" connected || die "fake agents did not connect"
# the agent ran itself again with malloc in huge pages, keeping its pid,
# its name and the operator's other tunables; fk2's choice left alone
# (/proc/PID/environ shows what glibc left of the variable: the log says it)
grep -q 'malloc in huge pages GLIBC_TUNABLES=glibc.mem.tagging=0:glibc.malloc.hugetlb=1$' \
	"$TMP/agent-fk0.log" || die "agent fk0: $(grep 'malloc in' "$TMP/agent-fk0.log")"
[ "$(cat "/proc/${AGENTS[0]}/comm")" = tenet-agent ] ||
	die "agent fk0 is named $(cat "/proc/${AGENTS[0]}/comm")"
grep -q 'malloc in 4 KiB pages GLIBC_TUNABLES=glibc.malloc.hugetlb=0$' "$TMP/agent-fk2.log" ||
	die "agent fk2: $(grep 'malloc in' "$TMP/agent-fk2.log")"
ok "agents run with malloc in huge pages unless the operator's GLIBC_TUNABLES says otherwise"
wait_for 20 "snapshot acked" wait_rev || die "fake agents did not ack the snapshot"
for i in 0 1 2; do
	grep -q "applied snapshot" "$TMP/agent-fk$i.log" || die "fk$i applied no snapshot"
done
ok "three fake agents connected and acked their snapshots"

pid=$(tctl port create network_id="$net" fixed_ip="$sub" binding_host=fk1 \
	binding_interface=fkvif9 | jq -er .id) || die "port create"
wait_for 20 "create acked" wait_rev || die "create not acked by every affected agent"
tctl port delete "$pid" >/dev/null || die "port delete"
wait_for 20 "delete acked" wait_rev || die "delete not acked by every affected agent"
ok "a port create and delete are acked by every agent"

# a fake datapath has no programs, so no drops to monitor: a clear refusal
out=$(tctl monitor fk1 --seconds 1 2>&1) && die "monitor of a fake datapath succeeded: $out"
printf '%s' "$out" | grep -q 'no datapath to monitor' || die "monitor of a fake datapath: $out"
ok "tenetctl monitor of a fake datapath: $out"

[ ! -e "$TMP/bpffs/tenet" ] || die "a fake agent pinned something"
! ip link show "$TUN" >/dev/null 2>&1 || die "a fake agent created a tunnel device"
ok "no pins, no tunnel device"

for p in "${AGENTS[@]}"; do
	kill "$p"
	wait "$p" || die "an agent exited non-zero after SIGTERM"
done
ok "agents exit cleanly"
t_finish "e2e agent fake"
