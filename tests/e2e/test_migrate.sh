#!/usr/bin/env bash
# test_migrate.sh BUILD_DIR - live migration of a port under load: a
# controller and three hosts with agents; vm1 on h1 and vm2 on h2 in one
# network, both in a stateful security group that lets in TCP 5001 and
# ICMP; a TCP stream and a 1 ms ping from vm1 to vm2 while vm2's port
# migrates to h3. The test stands in for the hypervisor: once the migration
# is in standby it moves vm2's host-side veth from h2 into h3 and sends a
# gratuitous ARP from vm2. The migration must reach done, the TCP
# connection must survive (no reset, the receiver's byte count keeps
# growing after the move) and the lost pings are counted and reported.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need python3 ping jq

topo_underlay
topo_controller
topo_host h1 1
topo_host h2 2
topo_host h3 3

tid=$(tjson tenant create name=blue | jq -er .id) || die "tenant"
net=$(tjson network create tenant_id="$tid" name=bnet | jq -er .id) || die "network"
sub=$(tjson subnet create network_id="$net" name=bsub cidr=10.0.0.0/24 gateway_ip=10.0.0.254 | jq -er .id) ||
	die "subnet"
sg=$(tjson security_group create tenant_id="$tid" name=mig | jq -er .id) || die "group"
tctl security_group_rule create security_group_id="$sg" direction=ingress protocol=tcp \
	port_range_min=5001 port_range_max=5001 >/dev/null || die "tcp rule"
tctl security_group_rule create security_group_id="$sg" direction=ingress protocol=icmp \
	>/dev/null || die "icmp rule"
# egress open (a new group may already have this rule: then 409 is fine)
tctl security_group_rule create security_group_id="$sg" direction=egress >/dev/null 2>&1

vm() { # vm NAME HOST IP
	local mac
	mac=$(tjson port create network_id="$net" name="$1" fixed_ip="$sub,$3" \
		binding_host="$2" binding_interface="$1" security_groups:="[\"$sg\"]" |
		jq -er .mac_address) || die "port $1"
	topo_vm "$1" "$2" "$mac" "$3/24"
}
vm vm1 h1 10.0.0.1
vm vm2 h2 10.0.0.2
tctl --wait status >/dev/null
wait_for 20 "vm1 reaches vm2" vm_ping vm1 10.0.0.2 1 || die "vm1 cannot reach vm2"
ok "vm1 (h1) reaches vm2 (h2) through group mig"

# The TCP stream: vm2 counts what it receives into rx.count; vm1 writes 1 KiB
# every millisecond and records a reset or any error in tx.err.
W=$TOPO_DIR/mig
mkdir -p "$W"
vm_exec vm2 python3 - "$W/rx.count" <<'EOF' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.2", 5001)); s.listen(1)
c, _ = s.accept()
n = 0
while True:
    try:
        b = c.recv(65536)
    except OSError as e:
        open(sys.argv[1] + ".err", "w").write(repr(e)); break
    if not b:
        break
    n += len(b)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(n))
    import os; os.replace(sys.argv[1] + ".tmp", sys.argv[1])
EOF
TOPO_PIDS+=($!)
wait_for 10 "vm2 listens" vm_exec vm2 grep -q ':1389 00000000:0000 0A' /proc/net/tcp ||
	die "the receiver does not listen"
vm_exec vm1 python3 - "$W/tx.err" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("10.0.0.2", 5001), timeout=5)
s.settimeout(None)
buf = b"x" * 1024
try:
    while True:
        s.sendall(buf)
        time.sleep(0.001)
except OSError as e:
    open(sys.argv[1], "w").write(repr(e))
EOF
TOPO_PIDS+=($!)
sender=$!
rx() { cat "$W/rx.count" 2>/dev/null || echo 0; }
rx_above() { [ "$(rx)" -gt "$1" ]; }
wait_for 10 "the stream flows" rx_above 10000 || die "no TCP stream"
ok "TCP stream vm1 -> vm2:5001 flowing ($(rx) bytes)"

# the ping's own pid (not a subshell's), for the SIGINT that makes it print its summary
vm_exec vm1 sh -c 'echo $$ >"$1"; exec ping -n -i 0.001 -W 1 10.0.0.2' sh "$W/ping.pid" \
	>"$W/ping.out" 2>&1 &
TOPO_PIDS+=($!)
pinger=$!

phase() { tjson port show vm2 | jq -r '.migration.phase // ""'; }
phase_is() { [ "$(phase)" = "$1" ]; }
t0=$(date +%s%N)
tctl port migrate vm2 --to h3 --timeout 30000 >/dev/null || die "migrate refused"
wait_for 20 "standby" phase_is standby || die "the migration never reached standby ($(phase))"
ok "vm2's migration to h3 is in standby"

# the hypervisor moves the VM: its veth goes from h2 to h3, then a GARP
ip -n "$TOPO_P-h2" link set dev vm2 netns "$TOPO_P-h3" || die "cannot move vm2's veth"
ip -n "$TOPO_P-h3" link set dev vm2 up
moved=$(rx)
vm_exec vm2 python3 - <<'EOF' || die "no gratuitous ARP"
import socket, struct, fcntl
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
mac = s.getsockname()[4]
ip = socket.inet_aton("10.0.0.2")
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, ip, b"\0" * 6, ip)
for _ in range(3):
    s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
EOF
wait_for 20 "done" phase_is done || die "the migration never completed ($(phase))"
t1=$(date +%s%N)
ok "migration done in $(((t1 - t0) / 1000000)) ms"
[ "$(tjson port show vm2 | jq -r .binding.host)" = h3 ] || fail "vm2 is not bound to h3"

# the connection survived: no reset, and bytes keep arriving after the move
after=$(rx)
wait_for 10 "bytes after the move" rx_above "$((after + 20000))" ||
	fail "the TCP stream stalled after the move ($moved -> $after -> $(rx) bytes)"
[ -s "$W/tx.err" ] && fail "the sender saw an error: $(cat "$W/tx.err")"
[ -s "$W/rx.count.err" ] && fail "the receiver saw an error: $(cat "$W/rx.count.err")"
kill -0 "$sender" 2>/dev/null || fail "the sender stopped"
[ "${FAILS:-0}" = 0 ] &&
	ok "the TCP connection survived (received $moved bytes before the move, $(rx) now)"

kill -INT "$(cat "$W/ping.pid")" 2>/dev/null
wait "$pinger" 2>/dev/null
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/ping.out")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/ping.out")
say "  pings (1 ms): $sent sent, $got answered, $((sent - got)) lost during the migration"
[ "${FAILS:-0}" = 0 ] || die "${FAILS} check(s) failed"
echo "e2e migrate: PASS"
