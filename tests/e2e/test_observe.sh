#!/usr/bin/env bash
# e2e.observe - why was my packet dropped. A VM whose MAC is not its port's
# cannot talk; tenetctl names the reason: `port stats` counts spoof_mac
# drops on its port, `host drops` counts them on its host, `port show` says
# status_reason wrong_mac_seen, `trace` from that port stops at port
# security saying why, and the agent's /metrics shows the same counter.
# `tenetctl monitor h1 --port vm` shows the drop event live (reason, port,
# the wrong source MAC), ends when its seconds pass, and the agent then
# turns emission off (its /metrics says tenet_agent_monitor_on 0).
# With its own MAC back it talks again, and its trace ends in "delivered to
# port peer on h2".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/topo.sh"
. "$top/scripts/lib/scenario.sh"
TOPO_QUIET=${TOPO_QUIET:-0}

topo_init "${1:-$top/build}"

# spoof_count PORT: the port's spoof_mac drops as the API reports them.
spoof_count() {
	tjson port stats "$1" | jq -er '.drops_by_reason.spoof_mac // 0'
}
spoof_above() { [ "$(spoof_count "$1")" -gt "$2" ]; }
host_spoof_above() {
	[ "$(tjson host drops "$1" | jq -er '.drops_by_reason.spoof_mac')" -gt "$2" ]
}
reason_is() {
	[ "$(tjson port show "$1" | jq -r .status_reason)" = "$2" ]
}

scenario_hosts
scenario_tenant blue
scenario_vm vm blue h1 10.0.0.1
scenario_vm peer blue h2 10.0.0.2 --wait
expect_ping vm 10.0.0.2
wait_for 15 "port vm reports its counters" sh -c "tctl -o json port stats vm | jq -e '.rx_packets > 0 and .rx_bytes > 0'" ||
	die "port stats of vm never showed traffic"
reason_is vm null || die "a forwarding port has status_reason $(tjson port show vm | jq -c .status_reason)"
before=$(spoof_count vm) || die "no port stats for vm"
hbefore=$(tjson host drops h1 | jq -er '.drops_by_reason.spoof_mac') || die "no host drops for h1"

say "* vm takes a MAC that is not its port's:"
mac=$SC_MAC_vm
vm_exec vm ip link set eth0 address 02:00:00:00:99:99 || die "cannot change vm's MAC"
expect_no_ping vm 10.0.0.2
wait_for 15 "port vm counts spoof_mac drops" spoof_above vm "$before" ||
	die "port stats of vm never counted spoof_mac (still $(spoof_count vm))"
tctl port stats vm | grep -q '^spoof_mac .*source MAC is not the port' ||
	die "port stats table does not name the reason: $(tctl port stats vm)"
say "  tenetctl port stats vm: $(tctl port stats vm | grep '^spoof_mac')"
wait_for 15 "host h1 counts spoof_mac drops" host_spoof_above h1 "$hbefore" ||
	die "host drops of h1 never counted spoof_mac"
tctl host drops h1 | grep -q '^spoof_mac ' || die "host drops table lacks spoof_mac"
say "  tenetctl host drops h1: $(tctl host drops h1 | grep '^spoof_mac')"
wait_for 15 "port show vm says wrong_mac_seen" reason_is vm wrong_mac_seen ||
	die "port show vm: status_reason $(tjson port show vm | jq -c .status_reason)"
say "  tenetctl port show vm: status_reason wrong_mac_seen"

say "* The agent's /metrics shows the same counters:"
# agent_metric H SERIES: SERIES's value in host H's agent /metrics (its own
# loopback, the default listener).
agent_metric() {
	ip netns exec "$TOPO_P-$1" curl -s --max-time 5 http://127.0.0.1:9464/metrics |
		awk -v s="$2" '$1 == s { print $2 }'
}
port_key=$(tjson port show vm | jq -r .port_key)
api_drops=$(spoof_count vm)
metric_drops=$(agent_metric h1 "tenet_agent_port_drops_total{port=\"$port_key\",reason=\"spoof_mac\"}")
[ -n "$metric_drops" ] && [ "$metric_drops" -ge "$api_drops" ] ||
	die "agent /metrics spoof_mac of port $port_key: '${metric_drops}' (API: $api_drops)"
host_metric=$(agent_metric h1 'tenet_agent_drops_total{reason="spoof_mac"}')
[ -n "$host_metric" ] && [ "$host_metric" -gt 0 ] || die "agent /metrics host spoof_mac: '$host_metric'"
[ "$(agent_metric h1 tenet_agent_applied_revision)" -gt 0 ] || die "agent /metrics revision"
[ -n "$(agent_metric h1 'tenet_agent_map_entries{map="fdb"}')" ] || die "agent /metrics map fill"
[ "$(ip netns exec "$TOPO_P-h1" curl -s --max-time 5 http://127.0.0.1:9464/healthz)" = ok ] ||
	die "agent /healthz"
say "  agent /metrics: port $port_key spoof_mac $metric_drops, host spoof_mac $host_metric"

say "* tenetctl monitor shows the drop events live:"
monitor_on_is() { [ "$(agent_metric h1 tenet_agent_monitor_on)" = "$1" ]; }
monitor_on_is 0 || die "drop monitor on before anyone asked: $(agent_metric h1 tenet_agent_monitor_on)"
mon_out=$TOPO_DIR/monitor.out
mon_json=$TOPO_DIR/monitor.json
tctl monitor h1 --port vm --seconds 8 >"$mon_out" 2>"$TOPO_DIR/monitor.err" &
mon_pid=$!
TOPO_PIDS+=("$mon_pid")
tctl -o json monitor h1 --seconds 6 >"$mon_json" 2>"$TOPO_DIR/monitor_json.err" &
mon_json_pid=$!
TOPO_PIDS+=("$mon_json_pid")
wait_for 15 "the agent turns its drop monitor on" monitor_on_is 1 ||
	die "agent never turned the drop monitor on: $(cat "$TOPO_DIR/monitor.err")"
# monitor_saw FILE: vm sends (and is dropped); FILE shows a spoof_mac drop of vm.
monitor_saw() {
	vm_exec vm ping -n -q -c 1 -W 1 10.0.0.2 >/dev/null 2>&1
	grep -q ' vm .*spoof_mac .*02:00:00:00:99:99 > ' "$1"
}
wait_for 15 "tenetctl monitor shows vm's spoof_mac drop" monitor_saw "$mon_out" ||
	die "monitor output lacks the drop: $(cat "$mon_out" "$TOPO_DIR/monitor.err")"
say "  tenetctl monitor h1 --port vm: $(grep -m1 spoof_mac "$mon_out")"
json_saw() {
	vm_exec vm ping -n -q -c 1 -W 1 10.0.0.2 >/dev/null 2>&1
	jq -e 'select(.type == "drop" and .reason == "spoof_mac" and .port == "vm"
		and .packet.src_mac == "02:00:00:00:99:99")' "$mon_json" | grep -q .
}
wait_for 15 "tenetctl -o json monitor shows the drop" json_saw ||
	die "monitor -o json lacks the drop: $(cat "$mon_json" "$TOPO_DIR/monitor_json.err")"
jq -e 'select(.type == "keepalive")' "$mon_json" | grep -q . &&
	die "monitor -o json passed a keepalive line through"
# both end by themselves when their seconds pass, and say why
monitor_gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 20 "monitor -o json exits after its seconds" monitor_gone "$mon_json_pid" ||
	die "tenetctl -o json monitor did not exit"
wait "$mon_json_pid" || die "tenetctl -o json monitor failed: $(cat "$TOPO_DIR/monitor_json.err")"
[ "$(tail -n 1 "$mon_json" | jq -r '.type + " " + .reason')" = "end seconds" ] ||
	die "the JSON stream did not end with its seconds: $(tail -n 1 "$mon_json")"
wait_for 20 "monitor exits after its seconds" monitor_gone "$mon_pid" ||
	die "tenetctl monitor did not exit after --seconds"
wait "$mon_pid" || die "tenetctl monitor failed: $(cat "$TOPO_DIR/monitor.err")"
grep -q 'drop events; seconds' "$TOPO_DIR/monitor.err" ||
	die "monitor did not say it ended with its seconds: $(cat "$TOPO_DIR/monitor.err")"
wait_for 15 "the agent turns its drop monitor off" monitor_on_is 0 ||
	die "drop monitor still on after the last stream ended"
[ "$(agent_metric h1 'tenet_agent_monitor_events_total{result="sent"}')" -gt 0 ] ||
	die "agent /metrics counts no drop events sent"
say "  monitor ended after its seconds; agent: tenet_agent_monitor_on 0"
# Ctrl-C ends a stream without --seconds; the controller notices the
# client went away and the agent turns emission off again (tenetctl run
# without the tctl function, so that $! is its own pid)
ip netns exec "$TOPO_P-ctl" "$CLI_BIN" --api "$TOPO_API" --token-file "$TOPO_DIR/ctl/admin.token" \
	monitor h1 >"$mon_out" 2>"$TOPO_DIR/monitor.err" &
mon_pid=$!
TOPO_PIDS+=("$mon_pid")
wait_for 15 "the agent turns its drop monitor on again" monitor_on_is 1 ||
	die "agent never turned the drop monitor on for the second stream"
kill -INT "$mon_pid"
wait_for 10 "monitor exits on Ctrl-C" monitor_gone "$mon_pid" || die "tenetctl monitor ignored SIGINT"
wait "$mon_pid" || die "tenetctl monitor failed on Ctrl-C: $(cat "$TOPO_DIR/monitor.err")"
wait_for 15 "the agent turns its drop monitor off after Ctrl-C" monitor_on_is 0 ||
	die "drop monitor still on after the client went away"
say "  Ctrl-C: the stream ends and the agent turns the monitor off"
out=$(tctl monitor h1 --port peer --seconds 1 2>&1) && die "monitor of a port on another host succeeded"
printf '%s' "$out" | grep -q 'bound to h2, not to h1' || die "monitor of peer on h1: $out"

say "* tenetctl trace from the port with the VM's wrong MAC says where and why it stops:"
out=$(tctl trace h1 --from vm --to 10.0.0.2 --proto tcp --dport 80 --src-mac 02:00:00:00:99:99) ||
	die "trace failed: $out"
printf '%s\n' "$out" | grep -q "dropped at port security: source MAC 02:00:00:00:99:99 is not the port's" ||
	die "trace of the wrong MAC: $out"
say "  $(printf '%s\n' "$out" | grep -i '^verdict')"

say "* Errors are clear:"
out=$(tctl port stats no-such-port 2>&1) && die "port stats of an unknown port succeeded"
printf '%s' "$out" | grep -q 'no such port' || die "unknown port: $out"
out=$(tctl host drops no-such-host 2>&1) && die "host drops of an unknown host succeeded"
printf '%s' "$out" | grep -q 'no such host' || die "unknown host: $out"

say "* vm takes its own MAC back:"
vm_exec vm ip link set eth0 address "$mac" || die "cannot restore vm's MAC"
expect_ping vm 10.0.0.2
out=$(tctl trace h1 --from vm --to 10.0.0.2 --proto tcp --dport 80) || die "trace failed: $out"
printf '%s\n' "$out" | grep -q 'delivered to port peer on h2' || die "trace of the right MAC: $out"
say "  $(printf '%s\n' "$out" | grep -i '^verdict')"
echo "e2e observe: PASS"
