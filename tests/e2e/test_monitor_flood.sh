#!/usr/bin/env bash
# e2e.monitor_flood - the drop monitor under a flood of drops stays bounded.
# A VM with a wrong MAC floods UDP (every frame a spoof_mac drop) while a
# monitor stream of its host is open: the agent sends at most 2000 events a
# second and counts the rest as lost, and a client that does not read gets
# no more queued than the controller's bound: once it reads again its
# stream says how many events it lost ("lost" line, reason slow_client),
# then ends with its seconds and the agent turns the monitor off.
#
# The client sits in the controller's namespace, whose TCP send buffers the
# test caps (net.ipv4.tcp_wmem is per namespace), with a 4 KiB receive
# buffer: what the client does not read then piles up in the controller,
# whatever the machine's defaults.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/topo.sh"
. "$top/scripts/lib/scenario.sh"
TOPO_QUIET=${TOPO_QUIET:-0}

topo_init "${1:-$top/build}"

scenario_hosts
scenario_tenant blue
scenario_vm vm blue h1 10.0.0.1
scenario_vm peer blue h2 10.0.0.2 --wait
expect_ping vm 10.0.0.2

# agent_metric SERIES: its value in h1's agent /metrics.
agent_metric() {
	ip netns exec "$TOPO_P-h1" curl -s --max-time 5 http://127.0.0.1:9464/metrics |
		awk -v s="$1" '$1 == s { print $2 }'
}
sent() { agent_metric 'tenet_agent_monitor_events_total{result="sent"}'; }
monitor_on_is() { [ "$(agent_metric tenet_agent_monitor_on)" = "$1" ]; }

say "* vm floods with a MAC that is not its port's; a client monitors h1 without reading:"
vm_exec vm ip link set eth0 address 02:00:00:00:99:99 || die "cannot change vm's MAC"
vm_exec vm ip neigh replace 10.0.0.2 lladdr "$SC_MAC_peer" dev eth0 nud permanent ||
	die "cannot set vm's neighbour"
ip netns exec "$TOPO_P-ctl" sysctl -qw net.ipv4.tcp_wmem="4096 16384 65536" ||
	die "cannot cap the controller namespace's TCP send buffers"
go=$TOPO_DIR/client.go
ip netns exec "$TOPO_P-ctl" python3 - "$(cat "$TOPO_DIR/ctl/admin.token")" "$go" \
	>"$TOPO_DIR/client.out" 2>&1 <<'PY' &
import os, socket, sys, time
token, go = sys.argv[1], sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("198.18.0.254", 8080))
s.sendall(("GET /v1/hosts/h1/monitor?seconds=12 HTTP/1.1\r\nHost: tenet\r\n"
           "Authorization: Bearer %s\r\n\r\n" % token).encode())
while not os.path.exists(go):  # not reading: the answer piles up
    time.sleep(0.1)
data = b""
s.settimeout(30)
while b'"type":"end"' not in data:
    d = s.recv(65536)
    if not d:
        break
    data += d
sys.stdout.write(data.decode(errors="replace"))
PY
client=$!
TOPO_PIDS+=("$client")
wait_for 15 "the agent turns its drop monitor on" monitor_on_is 1 ||
	die "the drop monitor never came on: $(cat "$TOPO_DIR/client.out")"
t_on=$(date +%s%N)
vm_exec vm python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 20
while time.time() < end:
    for i in range(100):
        try:
            s.sendto(b"x" * 64, ("10.0.0.2", 9))
        except OSError:
            pass
' >/dev/null 2>&1 &
flood=$!
TOPO_PIDS+=("$flood")
sent_above() { [ "$(sent)" -ge "$1" ]; }
wait_for 20 "the agent sends 3000 events" sent_above 3000 ||
	die "the agent sent only $(sent) events under the flood"
n=$(sent)
ms=$((($(date +%s%N) - t_on) / 1000000))
# at most 2000 a second, counted in whole seconds: 2000 per second begun
[ "$n" -le $((2000 * (ms / 1000 + 2))) ] ||
	die "the agent sent $n events in $ms ms: more than 2000 a second"
lost=$(agent_metric 'tenet_agent_monitor_events_total{result="lost"}')
[ "${lost:-0}" -gt 0 ] || die "a flood lost no events: the rate limits did not act"
say "  agent: $n events sent in $ms ms, $lost left out by the rate limits"

say "* the client reads again: it is told what it lost, and its stream ends with its seconds:"
touch "$go"
client_done() { ! kill -0 "$client" 2>/dev/null; }
wait_for 30 "the client's stream ends" client_done || die "the monitor stream did not end"
wait "$client" || die "client failed: $(tail -c 500 "$TOPO_DIR/client.out")"
grep -a '"type":"lost"' "$TOPO_DIR/client.out" | grep -q '"reason":"slow_client"' ||
	die "no lost line for the slow client: $(grep -ac '"type":"drop"' "$TOPO_DIR/client.out") drops read"
missed=$(grep -a '"type":"lost"' "$TOPO_DIR/client.out" | sed 's/.*"count":\([0-9]*\).*/\1/' |
	awk '{ s += $1 } END { print s + 0 }')
[ "$missed" -gt 0 ] || die "lost lines count nothing"
grep -a '"type":"end"' "$TOPO_DIR/client.out" | grep -q '"reason":"seconds"' ||
	die "the stream did not end with its seconds: $(tail -c 300 "$TOPO_DIR/client.out")"
say "  client: $(grep -ac '"type":"drop"' "$TOPO_DIR/client.out") drops read, $missed reported lost (slow_client)"
kill "$flood" 2>/dev/null
wait_for 15 "the agent turns its drop monitor off" monitor_on_is 0 ||
	die "drop monitor still on after the stream ended"
say "  the agent turned the monitor off"
echo "e2e monitor_flood: PASS"
