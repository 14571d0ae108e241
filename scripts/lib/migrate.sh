# shellcheck shell=bash disable=SC2034 # MIG_* are for the scripts that source it
# migrate.sh - the live-migration scenario, shared by tests/e2e/test_migrate.sh
# and bench/migrate.sh. Sourced after topo.sh (its tctl, tjson, topo_* and
# vm_exec) and tests/lib/common.sh (say, die, wait_for).
#
# A controller and hosts h1, h2 and h3 with agents; tenant blue, network
# bnet (10.0.0.0/24), a stateful security group mig that lets in TCP 5001,
# UDP 7001 and ICMP; vm1 (10.0.0.1) on h1 and vm2 (10.0.0.2) on h2, both in it. A
# TCP stream vm1 -> vm2:5001 (1 KiB every millisecond) and a 1 ms ping; the
# caller stands in for the hypervisor with mig_move (the VM's host-side
# veth to another host's namespace, then a gratuitous ARP from the VM).
#
#   mig_setup                  the topology above; vm1 reaches vm2
#   mig_stream_start DIR       the stream; MIG_SENDER is the sender's pid
#   mig_stream_stop            ends both ends of the stream (and all in vm1, vm2)
#   mig_rx / mig_rx_above N    bytes vm2 received so far / more than N
#   mig_udp_start DIR          a UDP flow vm2:7000 -> vm1:7001 whose answers
#                              reach vm2 only as its conntrack allows
#   mig_udp_rx / _above N      answers vm2 received so far / more than N
#   mig_ping_start FILE        1 ms pings vm1 -> vm2 (ping1ms.py) until
#   mig_ping_stop              this; mig_ping_summary FILE then has counts
#   mig_move VM FROM TO        the VM's veth FROM -> TO, up, gratuitous ARP
#   mig_phase PORT             the port's migration phase ("" if none)
#   mig_tcp_retrans VM         TcpRetransSegs of VM's namespace
# Everything started here is in TOPO_PIDS or a topology namespace, so
# topo_cleanup removes it.

# mig_setup: hosts, tenant, group and the two VMs; sets MIG_NET, MIG_SUB,
# MIG_SG and MIG_TENANT.
mig_setup() {
	topo_underlay
	topo_controller
	topo_host h1 1
	topo_host h2 2
	topo_host h3 3
	MIG_TENANT=$(tjson tenant create name=blue | jq -er .id) || die "tenant"
	MIG_NET=$(tjson network create tenant_id="$MIG_TENANT" name=bnet | jq -er .id) ||
		die "network"
	MIG_SUB=$(tjson subnet create network_id="$MIG_NET" name=bsub cidr=10.0.0.0/24 \
		gateway_ip=10.0.0.254 | jq -er .id) || die "subnet"
	MIG_SG=$(tjson security_group create tenant_id="$MIG_TENANT" name=mig | jq -er .id) ||
		die "group"
	tctl security_group_rule create security_group_id="$MIG_SG" direction=ingress \
		protocol=tcp port_range_min=5001 port_range_max=5001 >/dev/null || die "tcp rule"
	tctl security_group_rule create security_group_id="$MIG_SG" direction=ingress \
		protocol=icmp >/dev/null || die "icmp rule"
	tctl security_group_rule create security_group_id="$MIG_SG" direction=ingress \
		protocol=udp port_range_min=7001 port_range_max=7001 >/dev/null || die "udp rule"
	# egress open (a new group may already have this rule: then 409 is fine)
	tctl security_group_rule create security_group_id="$MIG_SG" direction=egress \
		>/dev/null 2>&1
	mig_vm vm1 h1 10.0.0.1
	mig_vm vm2 h2 10.0.0.2
	tctl --wait status >/dev/null
	wait_for 20 "vm1 reaches vm2" vm_ping vm1 10.0.0.2 1 || die "vm1 cannot reach vm2"
}

# mig_vm NAME HOST IP: a port in bnet and group mig bound to HOST, its VM.
mig_vm() {
	local mac
	mac=$(tjson port create network_id="$MIG_NET" name="$1" fixed_ip="$MIG_SUB,$3" \
		binding_host="$2" binding_interface="$1" security_groups:="[\"$MIG_SG\"]" |
		jq -er .mac_address) || die "port $1"
	topo_vm "$1" "$2" "$mac" "$3/24"
}

# mig_stream_start DIR: vm2 counts what it receives into DIR/rx.count (an
# error into DIR/rx.count.err); vm1 writes 1 KiB every millisecond and
# records a reset or any error in DIR/tx.err. Returns once bytes flow.
mig_stream_start() {
	MIG_DIR=$1
	mkdir -p "$MIG_DIR"
	vm_exec vm2 python3 - "$MIG_DIR/rx.count" <<'EOF' &
import os, socket, sys
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
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
EOF
	TOPO_PIDS+=($!)
	MIG_RECEIVER=$!
	wait_for 10 "vm2 listens" vm_exec vm2 grep -q ':1389 00000000:0000 0A' /proc/net/tcp ||
		die "the receiver does not listen"
	vm_exec vm1 python3 - "$MIG_DIR/tx.err" <<'EOF' &
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
	MIG_SENDER=$!
	wait_for 10 "the stream flows" mig_rx_above 10000 || die "no TCP stream"
}

# mig_udp_start DIR: vm2 sends one datagram from 10.0.0.2:7000 to vm1:7001
# (again until answered) and from then on only receives, counting into
# DIR/udp.count; vm1 answers its source every 10 ms. Group mig lets in UDP
# 7001 only, so the answers (to port 7000) enter vm2's port only as replies
# of a flow vm2's conntrack holds: after a move, only if the entry moved
# with the port. Returns once answers arrive.
mig_udp_start() {
	mkdir -p "$1"
	MIG_UDP_COUNT=$1/udp.count
	vm_exec vm1 python3 - <<'EOF' &
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.1", 7001))
_, peer = s.recvfrom(64)
while True:
    s.sendto(b"r", peer)
    time.sleep(0.01)
EOF
	TOPO_PIDS+=($!)
	vm_exec vm2 python3 - "$MIG_UDP_COUNT" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.2", 7000))
s.settimeout(0.2)
n = 0
while n == 0:
    s.sendto(b"hello", ("10.0.0.1", 7001))
    try:
        s.recvfrom(64)
        n = 1
    except socket.timeout:
        pass
s.settimeout(None)
while True:
    s.recvfrom(64)
    n += 1
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(n))
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
EOF
	TOPO_PIDS+=($!)
	wait_for 10 "UDP answers flow" mig_udp_rx_above 5 || die "no UDP answers"
}

mig_udp_rx() { cat "$MIG_UDP_COUNT" 2>/dev/null || echo 0; }
mig_udp_rx_above() { [ "$(mig_udp_rx)" -gt "$1" ]; }

# mig_stream_stop: ends the sender and the receiver (every process in vm1's
# and vm2's namespaces: stop the ping first) and forgets what they counted,
# so a new mig_stream_start may follow.
mig_stream_stop() {
	t_netns_reap "$TOPO_P-vm1" "$TOPO_P-vm2"
	wait "$MIG_SENDER" "$MIG_RECEIVER" 2>/dev/null
	rm -f "$MIG_DIR"/rx.count* "$MIG_DIR/tx.err"
	return 0
}

mig_rx() { cat "$MIG_DIR/rx.count" 2>/dev/null || echo 0; }
mig_rx_above() { [ "$(mig_rx)" -gt "$1" ]; }

# mig_stream_error: prints the error either end of the stream saw, if any;
# true if there was one or the sender stopped.
mig_stream_error() {
	if [ -s "$MIG_DIR/tx.err" ]; then
		echo "the sender saw an error: $(cat "$MIG_DIR/tx.err")"
	elif [ -s "$MIG_DIR/rx.count.err" ]; then
		echo "the receiver saw an error: $(cat "$MIG_DIR/rx.count.err")"
	elif ! kill -0 "$MIG_SENDER" 2>/dev/null; then
		echo "the sender stopped"
	else
		return 1
	fi
}

# mig_ping_start FILE: echo requests vm1 -> vm2 every millisecond on a
# fixed schedule (scripts/lib/ping1ms.py: ping(8) would slow down while
# answers are missing); its summary goes to FILE when it is stopped. The
# pinger's own pid (not a subshell's) goes to FILE.pid.
mig_ping_start() {
	MIG_PING_OUT=$1
	rm -f "$1" "$1.pid"
	vm_exec vm1 sh -c 'echo $$ >"$1"; exec python3 "$2" 10.0.0.2 "$3"' sh "$1.pid" \
		"$(dirname "${BASH_SOURCE[0]}")/ping1ms.py" "$1" >"$1.log" 2>&1 &
	TOPO_PIDS+=($!)
	MIG_PINGER=$!
	wait_for 5 "the pinger started" test -s "$1.pid" || die "no pinger"
}

# mig_ping_stop: stops the pinger (it waits 0.5 s for answers in flight).
mig_ping_stop() {
	kill -INT "$(cat "$MIG_PING_OUT.pid")" 2>/dev/null
	wait "$MIG_PINGER" 2>/dev/null
	return 0
}

# mig_ping_summary FILE: "SENT ANSWERED LOST WINDOW_MS" of a stopped
# pinger: requests without an answer, and the longest dark time between
# two answered requests, to 1 ms (ping1ms.py says how).
mig_ping_summary() {
	cat "$1" 2>/dev/null || echo "0 0 0 0"
}

# mig_move VM FROM TO: the hypervisor's part. VM's host-side veth moves
# from FROM's namespace to TO's and comes up; the VM sends three gratuitous
# ARPs at once, from a sender started (and its socket opened) before the
# move, as a resumed guest would. MIG_T_MOVE, MIG_T_UP and MIG_T_GARP:
# CLOCK_REALTIME ns before the move, once the veth is up in TO, when the
# gratuitous ARPs were sent.
mig_move() {
	local ip dir=$TOPO_DIR/garp.$1 pid
	mkdir -p "$dir"
	rm -f "$dir/go" "$dir/ready" "$dir/sent"
	mkfifo "$dir/go"
	ip=$(ip -n "$TOPO_P-$1" -4 -o addr show dev eth0 | awk '{ sub("/.*", "", $4); print $4 }')
	vm_exec "$1" python3 - "$ip" "$dir" <<'EOF' &
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
mac = s.getsockname()[4]
ip = socket.inet_aton(sys.argv[1])
arp = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1,
                                                  mac, ip, b"\0" * 6, ip)
open(sys.argv[2] + "/ready", "w").close()
with open(sys.argv[2] + "/go") as f:
    f.readline()
t = time.time_ns()
for _ in range(3):
    s.send(arp)
with open(sys.argv[2] + "/sent", "w") as f:
    f.write(str(t))
EOF
	pid=$!
	TOPO_PIDS+=("$pid")
	wait_for 10 "the gratuitous ARP sender" test -e "$dir/ready" || die "no ARP sender in $1"
	MIG_T_MOVE=$(date +%s%N)
	ip -n "$TOPO_P-$2" link set dev "$1" netns "$TOPO_P-$3" || die "cannot move $1's veth"
	ip -n "$TOPO_P-$3" link set dev "$1" up || die "cannot bring $1 up on $3"
	MIG_T_UP=$(date +%s%N)
	echo go >"$dir/go"
	wait "$pid" || die "no gratuitous ARP from $1"
	MIG_T_GARP=$(cat "$dir/sent")
}

mig_phase() { tjson port show "$1" | jq -r '.migration.phase // ""'; }
mig_phase_is() { [ "$(mig_phase "$1")" = "$2" ]; }

# mig_tcp_retrans VM: segments TCP retransmitted in VM's namespace so far.
mig_tcp_retrans() {
	vm_exec "$1" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["RetransSegs"] }' /proc/net/snmp
}
