#!/usr/bin/env python3
"""ping1ms.py ADDR OUT - ICMP echo requests to ADDR every millisecond, on a
fixed schedule whatever the answers (ping(8) slows to one probe per 10 ms
while one is unanswered, so its lost count is not a duration), until
SIGINT or SIGTERM. Then it waits 0.5 s for the answers still in flight and
writes OUT, one line:

    SENT ANSWERED LOST WINDOW_MS

LOST: requests without an answer; WINDOW_MS: the longest time between the
send times of two answered requests with only unanswered ones between
them, minus the 1 ms interval (0 when nothing was lost): how long the
path was dark, to 1 ms. A slot the process was too late for (scheduling)
is skipped, not sent late, so lost requests are really lost. Needs root
(a raw socket)."""
import os
import select
import signal
import socket
import struct
import sys
import time

from icmp import echo_request  # beside this file

INTERVAL_NS = 1000000


def echo(ident, seq):
    return echo_request(ident, seq, b"tenet-ping1ms".ljust(32, b"."))


def main():
    addr, out = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sent = {}  # seq -> send time (ns)
    answered = set()
    seq = 0
    nxt = time.monotonic_ns()
    deadline = None
    while True:
        now = time.monotonic_ns()
        if stop and deadline is None:
            deadline = now + 500000000
        if deadline is not None and now >= deadline:
            break
        if deadline is None and now >= nxt:
            if now - nxt < INTERVAL_NS:  # in time for this slot
                seq += 1
                sent[seq] = now
                try:
                    s.sendto(echo(ident, seq), (addr, 0))
                except OSError:
                    pass  # counted as lost
            nxt += INTERVAL_NS * max(1, (now - nxt) // INTERVAL_NS + 1)
        wait = (nxt if deadline is None else deadline) - time.monotonic_ns()
        r, _, _ = select.select([s], [], [], max(0, wait) / 1e9)
        while r:
            try:
                pkt = s.recv(2048, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            ihl = (pkt[0] & 0x0F) * 4
            if len(pkt) < ihl + 8:
                continue
            typ, _, _, pid, pseq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            if typ == 0 and pid == ident:
                # a 16-bit sequence: the newest request with these bits
                full = seq - ((seq - pseq) & 0xFFFF)
                if full in sent:
                    answered.add(full)
    window = 0
    last = None
    for q in sorted(answered):
        if last is not None and q - last > 1:
            window = max(window, (sent[q] - sent[last] - INTERVAL_NS) / 1e6)
        last = q
    with open(out, "w") as f:
        f.write("%d %d %d %.1f\n" % (len(sent), len(answered), len(sent) - len(answered), window))


if __name__ == "__main__":
    main()
