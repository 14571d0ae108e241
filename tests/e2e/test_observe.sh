#!/usr/bin/env bash
# e2e.observe - why was my packet dropped. A VM whose MAC is not its port's
# cannot talk; tenetctl names the reason: `port stats` counts spoof_mac
# drops on its port, `host drops` counts them on its host, `port show` says
# status_reason wrong_mac_seen, `trace` from that port stops at port
# security saying why, and the agent's /metrics shows the same counter.
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
