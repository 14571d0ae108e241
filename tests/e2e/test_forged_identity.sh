#!/usr/bin/env bash
# No enrolled host can claim another host's port, by VXLAN or by Geneve.
# Three hosts, one blue network on Geneve: blue1 on h1, blue2 on h2, blue3
# on h3. From h1's namespace (the underlay address of an enrolled host) we
# send real Geneve packets to h2 on blue's VNI claiming blue3: its MAC and
# address with blue3's identity, and blue1's own MAC and address with an
# identity that is not blue1's; and VXLAN packets with blue3's MAC and
# address. None may reach blue2 (a UDP listener there sees none of them),
# each is counted in h2's tn_stats (tun_identity for the Geneve claims,
# tun_src_host for VXLAN), while the same crafted packets with blue1's own
# MAC, address and identity get through, by Geneve and by VXLAN.
# shellcheck disable=SC2154,SC2034 # SC_* (scenario.sh) and i_* are set through eval/read
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need bpftool

. "$(dirname "$0")/../lib/tnstats.sh"

# identity_of HOST VNI MAC: the identity HOST's tn_fdb gives the port of MAC.
identity_of() {
	local key
	key=$(python3 -c '
import struct, sys
k = struct.pack("<I", int(sys.argv[1])) + bytes(int(x, 16) for x in sys.argv[2].split(":")) + b"\0\0"
print(" ".join(str(b) for b in k))' "$2" "$3")
	# shellcheck disable=SC2086 # the key is a list of bytes
	bpftool -j map lookup pinned "$TOPO_BPFFS/tenet/$1/tn_fdb" key $key | python3 -c '
import json, sys
v = json.load(sys.stdin)["value"]
if isinstance(v, dict):
    print(v["identity"])
else:
    print(int.from_bytes(bytes(int(b, 16) for b in v[28:32]), "little"))'
}

scenario_hosts h3:3
scenario_tenant blue
tjson network update "$SC_NET_blue" encapsulation=geneve >/dev/null || die "blue not on Geneve"
scenario_vm blue1 blue h1 10.0.0.1
scenario_vm blue2 blue h2 10.0.0.2
scenario_vm blue3 blue h3 10.0.0.3 --wait
vni=$(tjson network show "$SC_NET_blue" | jq -er .vni) || die "no VNI"
id1=$(identity_of h2 "$vni" "$SC_MAC_blue1") || die "no FDB row of blue1 on h2"
id3=$(identity_of h2 "$vni" "$SC_MAC_blue3") || die "no FDB row of blue3 on h2"
forged=$(((id1 + 0x5a5a5) & 0xffffff))
say "  identities on h2: blue1 $id1, blue3 $id3; h1 will also claim $forged for blue1"

say "* Honest traffic across the overlay:"
expect_ping blue1 10.0.0.2
expect_ping blue3 10.0.0.2

read -r i_ident i_host < <(stat_index TN_DROP_TUN_IDENTITY TN_DROP_TUN_SRC_HOST | tr '\n' ' ')
[ -n "$i_host" ] || die "no drop reason indexes"
b_ident=$(stat h2 "$i_ident") && b_host=$(stat h2 "$i_host") || die "cannot read h2's tn_stats"

# A UDP listener in blue2 records the payload of every datagram to port 7777.
rx=$TOPO_DIR/blue2.rx
ip netns exec "$TOPO_P-blue2" python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "a") as f:
    while True:
        data, _ = s.recvfrom(2048)
        f.write(data.decode(errors="replace") + "\n")
        f.flush()
' "$rx" >"$TOPO_DIR/listener.log" 2>&1 &
TOPO_PIDS+=($!)
wait_for 10 "listener in blue2" test -e "$rx.ready" || die "no UDP listener in blue2"

# send TUNNEL SRC_MAC SRC_IP IDENTITY TAG: one packet from h1's underlay
# address to h2 on blue's VNI, TUNNEL geneve (with tenet's identity option
# claiming IDENTITY) or vxlan, carrying a UDP datagram to blue2
# (10.0.0.2:7777) from SRC_MAC / SRC_IP whose payload is TAG.
send() {
	ip netns exec "$TOPO_P-h1" python3 - "$vni" "$SC_MAC_blue2" "$@" <<'PY'
import socket, struct, sys

vni, dst_mac, tunnel, src_mac, src_ip, ident, tag = sys.argv[1:8]
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

payload = tag.encode()
udp = struct.pack("!HHHH", 40000, 7777, 8 + len(payload), 0) + payload
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64, 17, 0,
                  socket.inet_aton(src_ip), socket.inet_aton("10.0.0.2"))
hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
frame = mac(dst_mac) + mac(src_mac) + b"\x08\x00" + hdr + udp
if tunnel == "geneve":
    opt = struct.pack("!HBBI", 0xFF74, 0x01, 1, int(ident))
    head = struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, int(vni) << 8) + opt
    port = 6081
else:
    head = struct.pack("!II", 0x08000000, int(vni) << 8)
    port = 4789
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(head + frame, ("198.18.0.2", port))
PY
}

say "* From h1 to h2 on blue (VNI $vni), packets claiming what h1 may not:"
for n in 1 2 3 4 5; do
	send geneve "$SC_MAC_blue3" 10.0.0.3 "$id3" "forged-geneve-port-$n" || die "cannot send"
	send geneve "$SC_MAC_blue1" 10.0.0.1 "$forged" "forged-geneve-ident-$n" || die "cannot send"
	send vxlan "$SC_MAC_blue3" 10.0.0.3 0 "forged-vxlan-port-$n" || die "cannot send"
done
say "  5 each: Geneve as blue3 with its identity, Geneve as blue1 with identity $forged, VXLAN as blue3"
# The same path with h1's own port and identity, sent after the forged ones:
# once these arrived, the forged ones had their chance.
send geneve "$SC_MAC_blue1" 10.0.0.1 "$id1" honest-geneve
send vxlan "$SC_MAC_blue1" 10.0.0.1 0 honest-vxlan
wait_for 10 "blue2 receives h1's honest Geneve datagram" grep -qx honest-geneve "$rx" ||
	die "the honest crafted Geneve datagram never reached blue2 (the sender does not work)"
wait_for 10 "blue2 receives h1's honest VXLAN datagram" grep -qx honest-vxlan "$rx" ||
	die "the honest crafted VXLAN datagram never reached blue2 (the sender does not work)"
say "  the same packets with blue1's own MAC, address and identity reached blue2"
if grep -q forged "$rx"; then
	die "forged datagrams reached blue2: $(grep forged "$rx" | tr '\n' ' ')"
fi
say "  blue2 received none of the forged datagrams"
n_ident=$(stat h2 "$i_ident") && n_host=$(stat h2 "$i_host") || die "cannot read h2's tn_stats"
[ $((n_ident - b_ident)) -ge 10 ] || die "tun_identity rose $b_ident -> $n_ident, not by 10"
[ $((n_host - b_host)) -ge 5 ] || die "tun_src_host rose $b_host -> $n_host, not by 5"
say "  h2 counted tun_identity $b_ident -> $n_ident (Geneve), tun_src_host $b_host -> $n_host (VXLAN)"

say "* Honest traffic still flows:"
expect_ping blue1 10.0.0.2
expect_ping blue3 10.0.0.2
echo "e2e forged_identity: PASS"
