# shellcheck shell=bash
# xfer.sh - TCP transfers between VMs that must complete: a byte sink and a
# source (python3, run in the VMs' namespaces). The sink counts what
# arrives until the sender closes and writes the count to a file, so the
# check is the bytes TCP delivered, not a tool's own summary. Sourced after
# topo.sh (uses TOPO_DIR, TOPO_PIDS, vm_exec, wait_for, die, say).

XFER=${XFER:-$((8 * 1024 * 1024))} # bytes per transfer
XFER_WRITE=${XFER_WRITE:-$((TOPO_VM_MTU - 40))} # one TCP segment's payload per write
XFER_PORT=5301

cat >"$TOPO_DIR/sink.py" <<'PY'
import os, socket, sys
addr, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(1)
while True:
    c, _ = s.accept()
    n = 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        n += len(b)
    c.close()
    with open(out + ".tmp", "w") as f:
        f.write("%d\n" % n)
    os.rename(out + ".tmp", out)
PY
cat >"$TOPO_DIR/source.py" <<'PY'
import socket, sys
addr, port, total, write = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.create_connection((addr, port), timeout=30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf = b"t" * write
sent = 0
while sent < total:
    s.sendall(buf)
    sent += write
s.shutdown(socket.SHUT_WR)
s.recv(1)  # the sink closes after counting
s.close()
print(sent)
PY

# xfer_listening VM: VM's sink accepts connections.
xfer_listening() {
	vm_exec "$1" ss -Hltn "sport = :$XFER_PORT" | grep -q LISTEN
}

# xfer_sink VM ADDR: starts VM's byte sink on ADDR (killed by the cleanup).
xfer_sink() {
	vm_exec "$1" python3 "$TOPO_DIR/sink.py" "$2" "$XFER_PORT" "$TOPO_DIR/sink-$1.out" \
		>>"$TOPO_DIR/sink.log" 2>&1 &
	TOPO_PIDS+=($!)
	wait_for 10 "byte sink in $1" xfer_listening "$1" || die "no byte sink in $1"
}

# xfer_arrived VM N: VM's sink counted N bytes from the last connection.
xfer_arrived() {
	[ "$(cat "$TOPO_DIR/sink-$1.out" 2>/dev/null)" = "$2" ]
}

# transfer FROM TO ADDR: FROM sends XFER bytes (rounded up to whole writes)
# to TO's sink at ADDR in writes of XFER_WRITE bytes; all must arrive.
transfer() {
	local from=$1 to=$2 addr=$3 sent
	rm -f "$TOPO_DIR/sink-$to.out"
	sent=$(vm_exec "$from" python3 "$TOPO_DIR/source.py" "$addr" "$XFER_PORT" "$XFER" \
		"$XFER_WRITE") || die "$from -> $to: the transfer failed"
	wait_for 30 "$to received $sent bytes" xfer_arrived "$to" "$sent" ||
		die "$from -> $to: $(cat "$TOPO_DIR/sink-$to.out" 2>/dev/null || echo 0) of $sent bytes arrived"
	say "  TCP $from -> $to: $sent bytes in writes of $XFER_WRITE, complete"
}
