#!/bin/bash
# The Raft port survives whoever connects to it without the cluster key.
# A 3-node cluster in namespaces on one bridge; an attacker namespace on the
# same bridge (198.18.100.9) connects to the leader's Raft port and sends:
# libraft's preamble with an 8-byte address and no NUL; a huge claimed
# address length; random bytes; nothing at all (closed by the handshake
# deadline); a flood of silent connections (the per-source cap closes all but
# a few at once, the deadline the rest); a valid preamble with a wrong HMAC.
# After each the node is alive with no sanitizer report, answers the API and
# the cluster commits a write; refusals are logged with the peer address,
# rate-limited.
set -u
BUILD=${1:?build dir}
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/../cluster/lib.sh"
cl_init
cl_netns_init 3

# The attacker's namespace, on the cluster's bridge (removed by cl_cleanup:
# its name starts with $CL_NETNS).
ATK="${CL_NETNS}x"
ATK_IP=198.18.100.9
ip netns add "$ATK" || cl_fail "cannot create the attacker namespace"
ip link add eth0 netns "$ATK" type veth peer name px netns "${CL_NETNS}b"
ip -n "${CL_NETNS}b" link set px master br0 up
ip -n "$ATK" addr add "$ATK_IP/24" dev eth0
ip -n "$ATK" link set eth0 up
ip -n "$ATK" link set lo up

# hostile MODE HOST PORT [N]: one attack from the attacker's namespace;
# prints what it observed, exits non-zero if the node misbehaved.
HOSTILE=$(
	cat <<'EOF'
import os, select, socket, struct, sys, time
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = int(sys.argv[4]) if len(sys.argv) > 4 else 0
DEADLINE = 30.0  # seconds a node gets to close a connection it refuses

def conn(src=None):
    s = socket.create_connection((host, port), timeout=5,
                                 source_address=(src, 0) if src else None)
    s.setblocking(False)
    return s

def challenge(s, what):
    """Sends a well-formed preamble on s and waits for the 32-byte nonce."""
    addr = ('%s:7000' % host).encode() + b'\0'
    addr += b'\0' * (-len(addr) % 8)
    s.sendall(preamble(1, 9, len(addr)) + addr)
    s.setblocking(True)
    s.settimeout(DEADLINE)
    nonce = b''
    while len(nonce) < 32:
        d = s.recv(32 - len(nonce))
        if not d:
            sys.exit('%s: closed before the challenge' % what)
        nonce += d

def closed(s):
    """True once the peer closed s (EOF or reset); reads and drops data."""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True

def wait_closed(socks, limit):
    """Polls until every socket is closed or limit seconds pass; returns
    the sockets still open."""
    end = time.monotonic() + limit
    open_ = list(socks)
    while open_ and time.monotonic() < end:
        select.select(open_, [], [], 0.1)
        open_ = [s for s in open_ if not closed(s)]
    return open_

def preamble(proto, sid, alen):
    return struct.pack('<QQQ', proto, sid, alen)

def send_and_wait_close(data):
    s = conn()
    try:
        s.sendall(data)
    except OSError:
        pass
    t0 = time.monotonic()
    if wait_closed([s], DEADLINE):
        sys.exit('%s: connection still open after %.0f s' % (mode, DEADLINE))
    print('%s: closed after %.2f s' % (mode, time.monotonic() - t0))

if mode == 'nonul':
    send_and_wait_close(preamble(1, 9, 8) + b'AAAAAAAA')
elif mode == 'hugelen':
    send_and_wait_close(preamble(1, 9, 1 << 62) + b'B' * 64)
elif mode == 'biglen':
    send_and_wait_close(preamble(1, 9, 1 << 20) + b'C' * 4096)
elif mode == 'random':
    send_and_wait_close(os.urandom(4096))
elif mode == 'silent':
    send_and_wait_close(b'')
elif mode == 'flood':
    socks, t0 = [], time.monotonic()
    for _ in range(n):
        socks.append(conn())
    # the cap closes all but a few at once, the deadline the rest: the
    # fewest seen open (while any is) is what the cap let in
    end, low = time.monotonic() + DEADLINE, n
    open_ = socks
    while open_ and time.monotonic() < end:
        select.select(open_, [], [], 0.1)
        open_ = [s for s in open_ if not closed(s)]
        if open_:
            low = min(low, len(open_))
    if open_:
        sys.exit('flood: %d of %d connections still open after %.0f s' % (len(open_), n, DEADLINE))
    print('flood: %d connections, %d left open by the cap, all closed after %.2f s' %
          (n, low, time.monotonic() - t0))
    print('open=%d' % low)
elif mode == 'manyflood':
    # 8 silent connections from each of n sources fill the total cap; a
    # newcomer from yet another source still gets its challenge at once
    # (an older flood handshake gives way), while the deadline is far off
    srcs = ['198.18.100.%d' % (20 + i) for i in range(n + 1)]
    socks = [conn(src) for src in srcs[:-1] for _ in range(8)]
    t0 = time.monotonic()
    s = conn(srcs[-1])
    challenge(s, 'manyflood newcomer')
    took = time.monotonic() - t0
    if took > 2.0:
        sys.exit('manyflood: the newcomer waited %.2f s for its challenge' % took)
    s.close()
    if wait_closed(socks, DEADLINE):
        sys.exit('manyflood: flood connections still open after %.0f s' % DEADLINE)
    print('manyflood: %d connections from %d sources; a newcomer challenged after %.2f s' %
          (len(socks), n, took))
elif mode == 'badmac':
    s = conn()
    challenge(s, 'badmac')
    s.sendall(os.urandom(32))
    s.setblocking(False)
    t0 = time.monotonic()
    if wait_closed([s], DEADLINE):
        sys.exit('badmac: connection still open after a wrong MAC')
    print('badmac: challenge received, closed %.2f s after a wrong MAC' % (time.monotonic() - t0))
else:
    sys.exit('unknown mode ' + mode)
EOF
)
hostile() { ip netns exec "$ATK" python3 -c "$HOSTILE" "$@"; }

P=$(cl_peers 3)
for i in 1 2 3; do cl_start "$i" --peers "$P"; done
cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader elected"
L=$(cl_leader_of 1 2 3)
[ "$(cl_create "$L" warmup k-warmup)" = 201 ] || cl_fail "first write"
cl_log "leader is node $L; attacking its Raft port $(cl_ip "$L"):$(cl_raft_port "$L")"

WRITES=0
# healthy STEP: node L alive, no sanitizer report, its API answers, and the
# cluster (whoever leads) commits a write that every node applies.
healthy() {
	local step=$1 leader
	kill -0 "${CL_PID[$L]}" 2>/dev/null || cl_fail "node $L died after: $step"
	t_sanitizer_clean "$CL_DIR/n$L.log" || cl_fail "sanitizer report after: $step"
	[ -n "$(cl_status "$L" state)" ] || cl_fail "node $L's API does not answer after: $step"
	cl_wait 30 cl_has_leader 1 2 3 || cl_fail "no leader after: $step"
	leader=$(cl_leader_of 1 2 3)
	WRITES=$((WRITES + 1))
	[ "$(cl_create "$leader" "after-$WRITES" "k-after-$WRITES")" = 201 ] ||
		cl_fail "no write committed after: $step"
	cl_wait 30 cl_caught_up "$leader" 1 2 3 || cl_fail "nodes did not apply the write after: $step"
	cl_log "after $step: node $L up, write $WRITES committed on every node"
}

# attack MODE: runs hostile MODE against node L (output also in ATTACK_OUT),
# then checks the cluster is healthy.
ATTACK_OUT=""
attack() {
	local out
	out=$(hostile "$@" "$(cl_ip "$L")" "$(cl_raft_port "$L")" ${N:+"$N"}) || {
		echo "$out"
		healthy "$1" # a dead node is the likelier cause: report that first
		cl_fail "attack $1: $out"
	}
	echo "$out"
	ATTACK_OUT=$out
	healthy "$1"
}

attack nonul
attack hugelen
attack biglen
attack random
attack silent
before=$(grep -c "raft peer refused" "$CL_DIR/n$L.log")
N=100 attack flood
FLOOD_LINES=$(($(grep -c "raft peer refused" "$CL_DIR/n$L.log") - before))
# RAFT_TRANSPORT_PENDING_PER_SOURCE (controller/raft_transport.h)
left=$(echo "$ATTACK_OUT" | sed -n 's/^open=//p')
{ [ -n "$left" ] && [ "$left" -le 8 ]; } || cl_fail "the per-source cap let ${left:-?} of 100 silent connections wait"
attack badmac
# Refusals are logged with the peer's address, rate-limited: the flood's 100
# refusals (within a few seconds) took at most a few windows' lines, and a
# later line counts the suppressed ones (poked with one more bad connection
# every quarter second until a new window opens). Checked before manyflood, whose
# refusals come from other addresses and would open the next window
# themselves, so the attacker's line would wait for the one after.
refusals() { grep -c "raft peer refused.*peer=$ATK_IP:" "$CL_DIR/n$L.log"; }
[ "$(refusals)" -ge 1 ] || cl_fail "no refusal logged with the peer address"
[ "$FLOOD_LINES" -le 30 ] || cl_fail "$FLOOD_LINES lines for the flood's 100 refusals: not rate-limited"
suppressed_logged() {
	grep -q "raft peer refused.*peer=$ATK_IP:.*suppressed=[1-9]" "$CL_DIR/n$L.log" && return 0
	hostile random "$(cl_ip "$L")" "$(cl_raft_port "$L")" >/dev/null
	sleep 0.25 # pace of the pokes, not a synchronisation
	return 1
}
cl_wait 60 suppressed_logged || cl_fail "no log line counts the suppressed refusals"
cl_log "refusals logged: $(refusals) lines for the attacker, $FLOOD_LINES during the flood"

# RAFT_TRANSPORT_PENDING_MAX (64) filled from 9 sources: the newcomer gets in
for i in $(seq 20 29); do ip -n "$ATK" addr add "198.18.100.$i/24" dev eth0; done
N=9 attack manyflood
cl_log "PASS"
