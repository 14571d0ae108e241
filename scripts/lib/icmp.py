"""icmp.py - ICMP echo requests for the Python probes (scripts/lib/ping1ms.py,
tests/lib/sgprobe.py): the Internet checksum and an echo request with it."""
import struct


def checksum(b):
    """The Internet checksum (RFC 1071) of bytes b."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo_request(ident, seq, payload):
    """An ICMP echo request (type 8) of ident, seq and payload, checksummed."""
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xFFFF)
    return struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq & 0xFFFF) + payload
