#!/usr/bin/env python3
"""sgprobe.py - the traffic of e2e.isolation_matrix, run inside the VMs'
namespaces: a server answering on every probed port with its VM's name, a
prober checking a list of (destination, protocol, port) cells against what
each cell expects, and a long-lived TCP exchange.

  sgprobe.py serve NAME LOG
      TCP 22, 80 and 5432: sends "NAME\\n" on accept, then echoes lines until
      the peer closes. UDP 5000: answers each datagram with NAME and appends
      the datagram (the sender's name) to LOG. Runs until killed.

  sgprobe.py probe SRC CELLS [--once]
      CELLS holds one cell a line: "DST IP MAC PROTO PORT EXPECT" with PROTO
      icmp, tcp or udp, EXPECT 1 (allowed) or 0 (denied), MAC "-" for a
      destination of SRC's own tenant (its neighbour entry is already there)
      or the MAC of another tenant's VM (the cell then runs with IP pointed at
      that MAC, restored afterwards). Allowed cells run first, in parallel,
      each retried until a deadline (the path is proven before any timeout is
      read as a denial), then the denied ones in parallel with short
      timeouts, then the other tenants' cells, one address at a time. An
      allowed cell passes when the answer comes from DST (its name); a denied
      one when nothing answers: a TCP reset or an ICMP error is an answer.
      Prints each cell that did not match, and a summary; exits 1 on any.
      --once: allowed cells get a single try (a rule change "at once").

  sgprobe.py chat IP PORT OUT STOP
      Connects to the server at IP:PORT and exchanges a line every 50 ms,
      writing the number of answered exchanges to OUT; once the file STOP
      exists it closes its side, reads to the end and writes "closed N" (or
      "error N WHY" whenever the exchange breaks).
"""
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from icmp import echo_request  # noqa: E402 (scripts/lib/icmp.py)

TCP_PORTS = (22, 80, 5432)
UDP_PORT = 5000
ALLOWED_DEADLINE = 20.0  # seconds an allowed cell may take to first answer
ALLOWED_TRY = 1.0
DENIED_WAIT = 0.5


def serve(name, log):
    lock = threading.Lock()

    def tcp_conn(c):
        try:
            c.sendall(name.encode() + b"\n")
            f = c.makefile("rb")
            for line in f:
                c.sendall(line)
        except OSError:
            pass
        finally:
            c.close()

    def tcp_loop(s):
        while True:
            c, _ = s.accept()
            threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()

    socks = []
    for p in TCP_PORTS:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", p))
        s.listen(64)
        socks.append(s)
        threading.Thread(target=tcp_loop, args=(s,), daemon=True).start()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", UDP_PORT))
    while True:
        data, peer = u.recvfrom(2048)
        u.sendto(name.encode(), peer)
        with lock, open(log, "a") as f:
            f.write(data.decode(errors="replace") + "\n")


def try_icmp(src, ip, wait, ident):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    try:
        pkt = echo_request(ident, 1, src.encode())
        s.sendto(pkt, (ip, 0))
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return "silent"
            r, _, _ = select.select([s], [], [], left)
            if not r:
                return "silent"
            data, peer = s.recvfrom(2048)
            ihl = (data[0] & 0xF) * 4
            typ = data[ihl]
            if typ == 0 and peer[0] == ip and struct.unpack("!H", data[ihl + 4 : ihl + 6])[0] == ident:
                return "answer"
            if typ in (3, 11) and len(data) >= ihl + 8 + 28:
                # an error quoting our request
                q = data[ihl + 8 :]
                qihl = (q[0] & 0xF) * 4
                if struct.unpack("!H", q[qihl + 4 : qihl + 6])[0] == ident:
                    return "icmp error %d" % typ
    finally:
        s.close()


def try_tcp(ip, port, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(wait)
    try:
        s.connect((ip, port))
    except socket.timeout:
        return "silent"
    except ConnectionRefusedError:
        return "refused (reset)"
    except OSError as e:
        return "error %s" % e
    try:
        s.settimeout(max(wait, 2.0))
        banner = s.makefile("rb").readline().decode().strip()
        return "name " + banner
    except OSError as e:
        return "connected, no banner (%s)" % e
    finally:
        s.close()


def try_udp(src, ip, port, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(wait)
    try:
        s.sendto(src.encode(), (ip, port))
        data, peer = s.recvfrom(2048)
        return "name " + data.decode(errors="replace")
    except socket.timeout:
        return "silent"
    except OSError as e:
        return "error %s" % e
    finally:
        s.close()


class Cell:
    next_ident = [os.getpid() & 0x7FFF]
    lock = threading.Lock()

    def __init__(self, line):
        self.dst, self.ip, self.mac, self.proto, port, expect = line.split()
        self.port = int(port)
        self.expect = expect == "1"
        self.got = None

    def attempt(self, src, wait):
        if self.proto == "icmp":
            with Cell.lock:
                Cell.next_ident[0] = (Cell.next_ident[0] + 1) & 0xFFFF
                ident = Cell.next_ident[0]
            return try_icmp(src, self.ip, wait, ident)
        if self.proto == "tcp":
            return try_tcp(self.ip, self.port, wait)
        return try_udp(src, self.ip, self.port, wait)

    def good(self, got):
        if not self.expect:
            return got == "silent"
        return got == "answer" if self.proto == "icmp" else got == "name " + self.dst

    def run(self, src, once):
        if not self.expect:
            self.got = self.attempt(src, DENIED_WAIT)
            return
        end = time.monotonic() + (0 if once else ALLOWED_DEADLINE)
        while True:
            t0 = time.monotonic()
            self.got = self.attempt(src, ALLOWED_TRY)
            if self.good(self.got) or time.monotonic() >= end:
                return
            # a refusal or error answers at once: pace the retries
            time.sleep(max(0.0, 0.2 - (time.monotonic() - t0)))

    def __str__(self):
        what = self.proto if self.proto == "icmp" else "%s/%d" % (self.proto, self.port)
        return "%s %s (%s) %s: expected %s, got %s" % (
            self.dst,
            self.ip,
            "own tenant" if self.mac == "-" else "other tenant, MAC " + self.mac,
            what,
            "allowed" if self.expect else "denied",
            self.got,
        )


def parallel(cells, src, once):
    ts = [threading.Thread(target=c.run, args=(src, once)) for c in cells]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def neigh(ip):
    out = subprocess.run(["ip", "-j", "neigh", "show", ip, "dev", "eth0"],
                         capture_output=True, text=True, check=True).stdout
    entries = json.loads(out or "[]")
    return entries[0].get("lladdr") if entries else None


def set_neigh(ip, mac):
    subprocess.run(["ip", "neigh", "replace", ip, "lladdr", mac, "dev", "eth0", "nud", "permanent"],
                   check=True)


def probe(src, path, once):
    with open(path) as f:
        cells = [Cell(l) for l in f if l.strip() and not l.startswith("#")]
    own = [c for c in cells if c.mac == "-"]
    parallel([c for c in own if c.expect], src, once)
    parallel([c for c in own if not c.expect], src, once)
    others = {}
    for c in cells:
        if c.mac != "-":
            others.setdefault((c.ip, c.mac), []).append(c)
    for (ip, mac), group in sorted(others.items()):
        saved = neigh(ip)
        set_neigh(ip, mac)
        try:
            parallel(group, src, once)
        finally:
            if saved:
                set_neigh(ip, saved)
            else:
                subprocess.run(["ip", "neigh", "del", ip, "dev", "eth0"], check=False)
    bad = [c for c in cells if not c.good(c.got)]
    for c in bad:
        print("MISMATCH %s -> %s" % (src, c))
    print("%s: %d cells, %d allowed, %d denied, %d mismatched"
          % (src, len(cells), sum(c.expect for c in cells), sum(not c.expect for c in cells), len(bad)))
    return 1 if bad else 0


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, path)


def chat(ip, port, out, stop):
    n = 0
    try:
        s = socket.create_connection((ip, port), timeout=5)
        s.settimeout(60)
        f = s.makefile("rb")
        f.readline()  # the banner
        while not os.path.exists(stop):
            line = b"%d\n" % n
            s.sendall(line)
            if f.readline() != line:
                write(out, "error %d wrong echo" % n)
                return 1
            n += 1
            write(out, str(n))
            time.sleep(0.05)
        s.shutdown(socket.SHUT_WR)
        rest = f.read()
        s.close()
        if rest:
            write(out, "error %d data after close" % n)
            return 1
        write(out, "closed %d" % n)
        return 0
    except OSError as e:
        write(out, "error %d %s" % (n, e))
        return 1


def main():
    cmd = sys.argv[1]
    if cmd == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif cmd == "probe":
        sys.exit(probe(sys.argv[2], sys.argv[3], "--once" in sys.argv[4:]))
    elif cmd == "chat":
        sys.exit(chat(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]))
    else:
        sys.exit("usage: sgprobe.py serve|probe|chat ...")


if __name__ == "__main__":
    main()
