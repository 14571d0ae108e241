#!/usr/bin/env python3
"""xfer.py - a TCP byte sink and source for the e2e tests, so a transfer is
checked by the bytes TCP delivered, not by a tool's own summary.

  xfer.py sink ADDR PORT OUT        accepts connections on ADDR:PORT (IPv4 or
                                    IPv6), counts
                                    what each brings until the sender closes,
                                    then writes the count to OUT (atomically)
  xfer.py source ADDR PORT TOTAL WRITE
                                    sends TOTAL bytes (rounded up to whole
                                    writes) in writes of WRITE bytes, waits
                                    for the sink to close, prints the count
"""
import os
import socket
import sys


def sink(addr, port, out):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
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


def source(addr, port, total, write):
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


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 6 and sys.argv[1] == "source":
        source(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)
