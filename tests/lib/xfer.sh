# shellcheck shell=bash
# xfer.sh - TCP transfers between VMs that must complete, with the byte
# sink and source of tests/lib/xfer.py run in the VMs' namespaces: the sink
# counts what arrives until the sender closes and writes the count to a
# file, so the check is the bytes TCP delivered, not a tool's own summary.
# Sourced after topo.sh (uses T_TOP, TOPO_DIR, TOPO_PIDS, vm_exec,
# wait_for, die, say).

XFER=${XFER:-$((8 * 1024 * 1024))} # bytes per transfer
XFER_WRITE=${XFER_WRITE:-$((TOPO_VM_MTU - 40))} # one TCP segment's payload per write
XFER_PORT=5301
XFER_PY=$T_TOP/tests/lib/xfer.py

# xfer_listening VM: VM's sink accepts connections.
xfer_listening() {
	vm_exec "$1" ss -Hltn "sport = :$XFER_PORT" | grep -q LISTEN
}

# xfer_sink VM ADDR: starts VM's byte sink on ADDR (killed by the cleanup).
xfer_sink() {
	vm_exec "$1" python3 "$XFER_PY" sink "$2" "$XFER_PORT" "$TOPO_DIR/sink-$1.out" \
		>>"$TOPO_DIR/sink.log" 2>&1 &
	TOPO_PIDS+=($!)
	wait_for 10 "byte sink in $1" xfer_listening "$1" || die "no byte sink in $1"
}

# xfer_arrived VM N: VM's sink counted N bytes from the last connection.
xfer_arrived() {
	[ "$(cat "$TOPO_DIR/sink-$1.out" 2>/dev/null)" = "$2" ]
}

# transfer FROM TO ADDR [WRITE]: FROM sends XFER bytes (rounded up to whole
# writes) to TO's sink at ADDR in writes of WRITE bytes (default
# XFER_WRITE); all must arrive.
transfer() {
	local from=$1 to=$2 addr=$3 write=${4:-$XFER_WRITE} sent
	rm -f "$TOPO_DIR/sink-$to.out"
	sent=$(vm_exec "$from" python3 "$XFER_PY" source "$addr" "$XFER_PORT" "$XFER" "$write") ||
		die "$from -> $to: the transfer failed"
	wait_for 30 "$to received $sent bytes" xfer_arrived "$to" "$sent" ||
		die "$from -> $to: $(cat "$TOPO_DIR/sink-$to.out" 2>/dev/null || echo 0) of $sent bytes arrived"
	say "  TCP $from -> $to: $sent bytes in writes of $write, complete"
}
