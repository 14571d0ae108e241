#!/usr/bin/env python3
"""udpcount.py - counts the IPv4/UDP packets an interface sends and receives
by destination port, for the e2e tests that must show which tunnel carried
the traffic (UDP 4789 VXLAN, 6081 Geneve) without tcpdump.

  udpcount.py IFNAME OUT PORT...

Captures on IFNAME (AF_PACKET: received packets before tc ingress, sent ones
as they leave) and rewrites OUT (atomically) after each counted packet as
lines "in PORT N" and "out PORT N", one per port and direction. OUT.ready
appears once the socket is bound. Runs until killed.
"""
import os
import socket
import struct
import sys

PACKET_OUTGOING = 4


def main():
    ifname, out = sys.argv[1], sys.argv[2]
    ports = [int(p) for p in sys.argv[3:]]
    counts = {(d, p): 0 for d in ("in", "out") for p in ports}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    open(out + ".ready", "w").close()
    while True:
        frame, addr = s.recvfrom(128)
        if len(frame) < 38 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 0xF) * 4
        if len(frame) < 14 + ihl + 4:
            continue
        (dport,) = struct.unpack("!H", frame[14 + ihl + 2 : 14 + ihl + 4])
        d = "out" if addr[2] == PACKET_OUTGOING else "in"
        if (d, dport) not in counts:
            continue
        counts[(d, dport)] += 1
        with open(out + ".tmp", "w") as f:
            for (dd, p), n in sorted(counts.items()):
                f.write("%s %d %d\n" % (dd, p, n))
        os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
