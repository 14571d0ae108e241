#!/usr/bin/env bash
# overlay.sh BUILD_DIR [--quick] [--only FIGURE] - overlay throughput and
# latency, VM to VM across two hosts, in network namespaces.
#
# One topology (scripts/lib/topo.sh), four ways from one VM namespace to
# another, all with VM MTU 1450:
#   tenet   controller + two real agents (h1, h2), VMs vm1 -> vm2 through the
#           eBPF datapath and the collect_md vxlan device (back end (a),
#           figures overlay.*)
#   tenet b two more agents (h3, h4) with --encap bpf --decap tc, VMs vm3 ->
#           vm4: encap and decap in BPF (back end (b), figures overlay.bpf.*)
#   tenet b+xdp  two more (h5, h6) with --encap bpf --decap xdp, VMs vm5 ->
#           vm6: (b) with the decapsulation in XDP before GRO (overlay.xdp.*).
#           The XDP program stays on h5's and h6's underlays in both modes:
#           XDP on a veth takes software GSO from its peer (u-h5, u-h6 cannot
#           have tso on), so in veth mode the bridge segments towards them and
#           their GRO (on: the agent turns it on) aggregates again
#   tenet b, security groups: on h3 -> h4 as well, vm7 -> vm8 without port
#           security (figures overlay.bpf.nosg.*, nothing checked or
#           tracked) is the baseline of vm9 -> vm10, whose port has one
#           group of 1,000 ingress rules (overlay.bpf.sg1000.*)
#   kvxlan  baseline: hosts k1, k2 on the same underlay bridge, each with a
#           Linux bridge + kernel vxlan device (id 4242, unicast remote)
#   veth    baseline: two namespaces joined by one veth pair, no underlay
#   ul      the floor: namespaces ua, ub plugged straight into the underlay
#           bridge (MTU of the VMs, no overlay), so their packets take the
#           path between two hosts that every overlay's packets take, and
#           nothing else (figures overlay.ul.*, overlay.wire.ul.*; their
#           ratio to kvxlan is the most any overlay could reach here)
# and two underlays for tenet and kvxlan, switched between runs:
#   veth    the hosts' underlay veths pass 64 KB tunnel GSO packets untouched
#   wire    like a NIC: the sender's underlay segments tunnel packets to 1500
#           bytes (ethtool -K eth0 tx-udp_tnl-segmentation off
#           tx-udp_tnl-csum-segmentation off) and the receiver's runs GRO
#           (ethtool -K eth0 gro on). A veth runs GRO only for packets its
#           peer could not have segmented itself: drivers/net/veth.c,
#           veth_skb_is_eligible_for_gro(), is false while the sending veth
#           has TSO on. So the underlay bridge's ends (u-h1, u-h2, u-k1,
#           u-k2) get tso off in this mode, else no outer datagram would ever
#           be aggregated on receive.
#           The bench proves both halves in every wire round (bench/gsocount
#           at tc ingress): no skb of more than one segment reaches the
#           bridge from a sender, and skbs of more than one segment (GRO's
#           work) reach the receiving VMs; a round where either fails stops
#           the bench. The receivers' segments per skb are figures
#           (overlay.wire.rx_segs_per_skb, .kvxlan.).
# Variants are interleaved: every round measures every variant once.
# Figures (JSON lines for report.py): Gbit/s from iperf3 (1 and 4 streams),
# RTT in µs from ping -f (avg), and CPU seconds per GB moved (all CPUs' busy
# time from /proc/stat over the iperf3 run / GB received).
set -euo pipefail
. "$(dirname "$0")/args.sh"
bench_args overlay.sh "$@"
if [ "$QUICK" = 1 ]; then
	ROUNDS=9 SECS=1 PINGS=1000
else
	ROUNDS=11 SECS=4 PINGS=5000
fi
# for trying the script out and profiling: BENCH_ROUNDS, BENCH_SECS,
# BENCH_NO_BASELINE=1 (--only runs the figure without its baseline) and
# BENCH_MONITOR=1 (a `tenetctl -o json monitor` stream on each of h1 and h2
# for the whole run: the drop monitor on in both datapaths, to measure what
# it costs)
ROUNDS=${BENCH_ROUNDS:-$ROUNDS} SECS=${BENCH_SECS:-$SECS}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TOPO_QUIET=1 TOPO_PREFIX=tnb$$
# shellcheck source=../scripts/lib/topo.sh
. "$ROOT/scripts/lib/topo.sh"
# shellcheck source=../scripts/lib/scenario.sh
. "$ROOT/scripts/lib/scenario.sh"
BENCH_PIDS=()

bench_cleanup() {
	local rc=$? p
	set +e # a failing wait must not cut the cleanup short
	for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	(exit "$rc")
	topo_cleanup
}

# kvxlan_host NAME N: host namespace at 198.18.0.N with bridge brv and vxlan
# vx0 towards PEER_N (set by the caller), and its VM namespace kv<N>.
kvxlan_host() {
	local name=$1 n=$2 peer=$3 vm=$4 ip=$5 ns=$TOPO_P-$1
	topo_ns_add "$ns"
	topo_plug "$ns" eth0 "$TOPO_UL_NET.$n"
	ip -n "$ns" link add vx0 mtu "$TOPO_VM_MTU" type vxlan id 4242 local "$TOPO_UL_NET.$n" \
		remote "$TOPO_UL_NET.$peer" dstport 4789 dev eth0
	ip -n "$ns" link add brv type bridge
	ip -n "$ns" link set vx0 master brv up
	topo_vm "$vm" "$name" "02:00:00:00:42:$n" "$ip/24"
	ip -n "$ns" link set "$vm" master brv up
	ip -n "$ns" link set brv up
}

# veth_pair: namespaces pa and pb joined by one veth (10.2.0.1 - 10.2.0.2).
veth_pair() {
	local a=$TOPO_P-pa b=$TOPO_P-pb ns
	topo_ns_add "$a"
	topo_ns_add "$b"
	ip link add eth0 netns "$a" mtu "$TOPO_VM_MTU" type veth peer name eth0 netns "$b" \
		mtu "$TOPO_VM_MTU"
	for ns in "$a" "$b"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip -n "$ns" link set eth0 up
	done
	ip -n "$a" addr add 10.2.0.1/24 dev eth0
	ip -n "$b" addr add 10.2.0.2/24 dev eth0
}

# ul_pair: namespaces ua and ub on the underlay bridge (198.18.0.21 and
# .22), with the VMs' MTU: the floor.
ul_pair() {
	local n ns
	for n in a b; do
		ns=$TOPO_P-u$n
		topo_ns_add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		topo_plug "$ns" eth0 "$TOPO_UL_NET.$([ $n = a ] && echo 21 || echo 22)"
		ip -n "$ns" link set eth0 mtu "$TOPO_VM_MTU"
	done
}

# underlay MODE: veth or wire, on every host's underlay interface and on
# the bridge's end of it (TSO there decides whether the host's GRO runs).
# The floor's namespaces segment their own TCP (tso) as the hosts do their
# tunnel packets.
underlay() {
	local h seg gro
	if [ "$1" = wire ]; then seg=off gro=on; else seg=on gro=off; fi
	for h in ua ub; do
		ip netns exec "$TOPO_P-$h" ethtool -K eth0 tso "$seg" gro "$gro" >/dev/null 2>&1 ||
			die "ethtool -K on $h's underlay failed"
		ip netns exec "$TOPO_P-ul" ethtool -K "u-$h" tso "$seg" >/dev/null 2>&1 ||
			die "ethtool -K on the bridge's end of $h's underlay failed"
	done
	for h in h1 h2 h3 h4 k1 k2; do
		ip netns exec "$TOPO_P-$h" ethtool -K eth0 tx-udp_tnl-segmentation "$seg" \
			tx-udp_tnl-csum-segmentation "$seg" gro "$gro" >/dev/null 2>&1 ||
			die "ethtool -K on $h's underlay failed"
		ip netns exec "$TOPO_P-ul" ethtool -K "u-$h" tso "$seg" >/dev/null 2>&1 ||
			die "ethtool -K on the bridge's end of $h's underlay failed"
	done
	# XDP decap hosts: GRO stays on (the agent's), and their bridge ends
	# have no TSO to turn on while XDP is on the peer (see the head)
	for h in h5 h6; do
		ip netns exec "$TOPO_P-$h" ethtool -K eth0 tx-udp_tnl-segmentation "$seg" \
			tx-udp_tnl-csum-segmentation "$seg" >/dev/null 2>&1 ||
			die "ethtool -K on $h's underlay failed"
		[ "$seg" = on ] || ip netns exec "$TOPO_P-ul" ethtool -K "u-$h" tso off >/dev/null 2>&1 ||
			die "ethtool -K on the bridge's end of $h's underlay failed"
	done
}

# gso_attach NS IFNAME: a GSO counter at IFNAME's ingress in NS (killed by
# the cleanup; its link goes with it). Sets GSO_MAP_<NS suffix>_<IFNAME>.
gso_attach() {
	local ns=$TOPO_P-$1 out=$TOPO_DIR/gso-$1-$2.out id
	ip netns exec "$ns" "$BUILD/bench/gsocount" attach "$2" >"$out" 2>&1 &
	BENCH_PIDS+=($!)
	wait_for 10 "GSO counter on $1/$2" grep -q '^map_id=' "$out" ||
		die "gsocount on $1/$2: $(cat "$out")"
	id=$(sed -n 's/^map_id=//p' "$out")
	eval "GSO_MAP_${1//-/_}_${2//-/_}=$id"
}

# gso_read NS IFNAME: "SKBS MULTI SEGS" counted so far.
gso_read() {
	local v
	v=$(eval "echo \$GSO_MAP_${1//-/_}_${2//-/_}")
	"$BUILD/bench/gsocount" read "$v" || die "gsocount read $1/$2"
}

# busy: jiffies all CPUs spent not idle.
busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# emit NAME UNIT VALUE BASELINE LOWER_IS_BETTER
emit() {
	local base=null
	[ -n "$4" ] && base="\"$4\""
	printf '{"name": "%s", "unit": "%s", "value": %s, "baseline": %s, "lower_is_better": %s}\n' \
		"$1" "$2" "$3" "$base" "$5"
}

# kv_of FIGURE: the kernel vxlan baseline of an overlay figure.
kv_of() {
	case $1 in
	overlay.wire.bpf.sg1000.*) echo "overlay.wire.bpf.nosg.${1#overlay.wire.bpf.sg1000.}" ;;
	overlay.bpf.sg1000.*) echo "overlay.bpf.nosg.${1#overlay.bpf.sg1000.}" ;;
	overlay.wire.ul.*) echo "overlay.wire.kvxlan.${1#overlay.wire.ul.}" ;;
	overlay.wire.bpf.*) echo "overlay.wire.kvxlan.${1#overlay.wire.bpf.}" ;;
	overlay.wire.xdp.*) echo "overlay.wire.kvxlan.${1#overlay.wire.xdp.}" ;;
	overlay.wire.*) echo "overlay.wire.kvxlan.${1#overlay.wire.}" ;;
	overlay.ul.*) echo "overlay.kvxlan.${1#overlay.ul.}" ;;
	overlay.bpf.*) echo "overlay.kvxlan.${1#overlay.bpf.}" ;;
	overlay.xdp.*) echo "overlay.kvxlan.${1#overlay.xdp.}" ;;
	overlay.*) echo "overlay.kvxlan.${1#overlay.}" ;;
	esac
}

# want NAME: NAME was asked for (or everything was), or is its baseline.
want() {
	local o=${ONLY%.cpu}
	[ -z "$ONLY" ] || [ "$1" = "$o" ] ||
		{ [ "${BENCH_NO_BASELINE:-0}" != 1 ] && [ "$1" = "$(kv_of "$o")" ]; }
}

# tcp NAME BASE CLIENT_NS SERVER_IP STREAMS: one iperf3 run.
tcp() {
	local name=$1 base=$2 ns=$3 ip=$4 p=$5 b0 b1 out gbps bytes hz cpu
	want "$name" || return 0
	gso_before "$name"
	b0=$(busy)
	out=$(ip netns exec "$ns" iperf3 -c "$ip" -t "$SECS" -P "$p" -J) ||
		die "iperf3 $name failed"
	b1=$(busy)
	gso_after "$name"
	gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9' <<<"$out")
	bytes=$(jq -r '.end.sum_received.bytes' <<<"$out")
	hz=$(getconf CLK_TCK)
	cpu=$(awk -v d=$((b1 - b0)) -v hz="$hz" -v b="$bytes" 'BEGIN { printf "%.4f", d / hz / (b / 1e9) }')
	emit "$name" Gbit/s "$gbps" "$base" false
	emit "$name.cpu" "CPU s/GB" "$cpu" "${base:+$base.cpu}" true
}

# gso_where NAME: "WIRE_NS WIRE_IF RX_NS" - where a TCP figure's packets
# enter the underlay bridge and which VM receives them; empty for the plain
# veth pair (no underlay).
gso_where() {
	case $1 in
	*.kvxlan.*) echo "ul u-k1 kv2" ;;
	*.ul.*) echo "ul u-ua ub" ;;
	*.bpf.nosg.*) echo "ul u-h3 vm8" ;;
	*.bpf.sg1000.*) echo "ul u-h3 vm10" ;;
	*.bpf.*) echo "ul u-h3 vm4" ;;
	*.xdp.*) echo "ul u-h5 vm6" ;;
	overlay.veth.*) ;;
	*) echo "ul u-h1 vm2" ;;
	esac
}

# gso_before NAME / gso_after NAME: counts the run's skbs on the wire and at
# the receiving VM. On the wire-like underlay every skb on the wire must be
# one segment (the sender segmented) and some skbs at the receiver must hold
# several (GRO aggregated): else the bench stops, the underlay is no wire.
gso_before() {
	local w
	w=$(gso_where "$1")
	[ -n "$w" ] || return 0
	set -- $w
	GSO_W0=$(gso_read "$1" "$2")
	GSO_R0=$(gso_read "$3" eth0)
}

gso_after() {
	local name=$1 w wire rx ws wm rs rm rg base=
	w=$(gso_where "$name")
	[ -n "$w" ] || return 0
	set -- $w
	wire=$(gso_read "$1" "$2")
	rx=$(gso_read "$3" eth0)
	read -r ws wm _ <<<"$(awk -v a="$GSO_W0" -v b="$wire" 'BEGIN { split(a, x); split(b, y); print y[1] - x[1], y[2] - x[2], y[3] - x[3] }')"
	read -r rs rm rg <<<"$(awk -v a="$GSO_R0" -v b="$rx" 'BEGIN { split(a, x); split(b, y); print y[1] - x[1], y[2] - x[2], y[3] - x[3] }')"
	echo "gso $name: wire $ws skbs ($wm of several segments), receiver $rs skbs ($rm of several, $rg segments)" >&2
	case $name in
	overlay.wire.*) ;;
	*) return 0 ;;
	esac
	[ "$wm" = 0 ] || die "$name: $wm skbs of several segments on the wire: the sender did not segment"
	[ "$rm" -gt 0 ] || die "$name: no aggregated skb at the receiver: GRO did not run"
	case $name in
	*.tcp_1stream)
		[[ $name == *.kvxlan.* ]] || base=overlay.wire.kvxlan.rx_segs_per_skb
		emit "${name%.tcp_1stream}.rx_segs_per_skb" "segs/skb" \
			"$(awk -v s="$rs" -v g="$rg" 'BEGIN { printf "%.2f", g / s }')" "$base" false
		;;
	esac
}

# rtt NAME BASE CLIENT_NS SERVER_IP: ping -f average, in µs.
rtt() {
	local name=$1 base=$2 ns=$3 ip=$4 avg
	want "$name" || return 0
	avg=$(ip netns exec "$ns" ping -n -q -f -c "$PINGS" "$ip" |
		sed -n 's|^rtt [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
	[ -n "$avg" ] || die "ping $name failed"
	emit "$name" µs "$(awk -v a="$avg" 'BEGIN { printf "%.2f", a * 1000 }')" "$base" true
}

# round UNDERLAY: every variant once on that underlay.
round() {
	local u=$1 pre=overlay
	[ "$u" = wire ] && pre=overlay.wire
	underlay "$u"
	tcp "$pre.kvxlan.tcp_1stream" "" "$TOPO_P-kv1" 10.1.0.2 1
	tcp "$pre.ul.tcp_1stream" "$pre.kvxlan.tcp_1stream" "$TOPO_P-ua" "$TOPO_UL_NET.22" 1
	tcp "$pre.tcp_1stream" "$pre.kvxlan.tcp_1stream" "$TOPO_P-vm1" 10.0.0.2 1
	tcp "$pre.bpf.tcp_1stream" "$pre.kvxlan.tcp_1stream" "$TOPO_P-vm3" 10.0.0.4 1
	tcp "$pre.xdp.tcp_1stream" "$pre.kvxlan.tcp_1stream" "$TOPO_P-vm5" 10.0.0.6 1
	tcp "$pre.bpf.nosg.tcp_1stream" "" "$TOPO_P-vm7" 10.0.0.8 1
	tcp "$pre.bpf.sg1000.tcp_1stream" "$pre.bpf.nosg.tcp_1stream" "$TOPO_P-vm9" 10.0.0.10 1
	tcp "$pre.kvxlan.tcp_4stream" "" "$TOPO_P-kv1" 10.1.0.2 4
	tcp "$pre.ul.tcp_4stream" "$pre.kvxlan.tcp_4stream" "$TOPO_P-ua" "$TOPO_UL_NET.22" 4
	tcp "$pre.tcp_4stream" "$pre.kvxlan.tcp_4stream" "$TOPO_P-vm1" 10.0.0.2 4
	tcp "$pre.bpf.tcp_4stream" "$pre.kvxlan.tcp_4stream" "$TOPO_P-vm3" 10.0.0.4 4
	tcp "$pre.xdp.tcp_4stream" "$pre.kvxlan.tcp_4stream" "$TOPO_P-vm5" 10.0.0.6 4
	tcp "$pre.bpf.nosg.tcp_4stream" "" "$TOPO_P-vm7" 10.0.0.8 4
	tcp "$pre.bpf.sg1000.tcp_4stream" "$pre.bpf.nosg.tcp_4stream" "$TOPO_P-vm9" 10.0.0.10 4
	rtt "$pre.kvxlan.rtt" "" "$TOPO_P-kv1" 10.1.0.2
	rtt "$pre.ul.rtt" "$pre.kvxlan.rtt" "$TOPO_P-ua" "$TOPO_UL_NET.22"
	rtt "$pre.rtt" "$pre.kvxlan.rtt" "$TOPO_P-vm1" 10.0.0.2
	rtt "$pre.bpf.rtt" "$pre.kvxlan.rtt" "$TOPO_P-vm3" 10.0.0.4
	rtt "$pre.xdp.rtt" "$pre.kvxlan.rtt" "$TOPO_P-vm5" 10.0.0.6
}

topo_init "$BUILD"
trap bench_cleanup EXIT
TOPO_ENCAP_h1=kernel TOPO_ENCAP_h2=kernel # back end (a), whatever the default
scenario_hosts >/dev/null
scenario_tenant blue >/dev/null
scenario_vm vm1 blue h1 10.0.0.1 >/dev/null
scenario_vm vm2 blue h2 10.0.0.2 >/dev/null
TOPO_ENCAP_h3=bpf TOPO_ENCAP_h4=bpf TOPO_DECAP_h3=tc TOPO_DECAP_h4=tc
topo_host h3 3
topo_host h4 4
TOPO_ENCAP_h5=bpf TOPO_ENCAP_h6=bpf TOPO_DECAP_h5=xdp TOPO_DECAP_h6=xdp
topo_host h5 5
topo_host h6 6
scenario_vm vm3 blue h3 10.0.0.3 >/dev/null
scenario_vm vm4 blue h4 10.0.0.4 >/dev/null
scenario_vm vm5 blue h5 10.0.0.5 >/dev/null
scenario_vm vm6 blue h6 10.0.0.6 --wait >/dev/null
# Security groups, back end (b) on h3 -> h4: vm7 -> vm8 without port
# security (no groups, nothing tracked) is the baseline of vm9 (the
# tenant's default group) -> vm10, whose one group holds 1,000 ingress
# rules: TCP and UDP port ranges and single ports from /24s all over
# 172.16/12 and 192.168/16, ICMP from the subnet, and last the rule that
# admits the bench's traffic (TCP 5201 from vm9's /32).
sg_vm() {
	local name=$1 host=$2 ip=$3 mac
	shift 3
	mac=$(tjson port create network_id="$SC_NET_blue" name="$name" \
		fixed_ip="$SC_SUBNET_blue,$ip" binding_host="$host" binding_interface="$name" "$@" |
		jq -er .mac_address) || die "port $name not created"
	topo_vm "$name" "$host" "$mac" "$ip/24"
}
if want overlay.bpf.sg1000.tcp_1stream || want overlay.bpf.sg1000.tcp_4stream ||
	want overlay.wire.bpf.sg1000.tcp_1stream || want overlay.wire.bpf.sg1000.tcp_4stream ||
	want overlay.bpf.nosg.tcp_1stream || want overlay.wire.bpf.nosg.tcp_1stream; then
	SG_BENCH=1
	sg=$(tjson security_group create tenant_id=blue name=r1000 | jq -er .id) ||
		die "group r1000 not created"
	# one HTTP connection for the 1,000 writes (a tenetctl process each
	# would take minutes)
	ip netns exec "$TOPO_P-ctl" python3 - "$TOPO_CTL_IP" "$TOPO_DIR/ctl/admin.token" "$sg" <<'PY' ||
import http.client, json, sys
host, token, sg = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3]
c = http.client.HTTPConnection(host, 8080, timeout=30)
def post(rule):
    rule.update(security_group_id=sg, direction="ingress")
    c.request("POST", "/v1/security_group_rules", json.dumps(rule),
              {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    if r.status != 201:
        sys.exit("rule %s: %d %s" % (rule, r.status, body[:200]))
for i in range(999):
    k = i % 4
    if i == 998:
        r = dict(protocol="icmp", remote_ip_prefix="10.0.0.0/24")
    elif k == 0:
        r = dict(protocol="tcp", port_range_min=1000 + i * 10, port_range_max=1005 + i * 10,
                 remote_ip_prefix="172.%d.%d.0/24" % (16 + i % 16, i // 16))
    elif k == 1:
        r = dict(protocol="udp", port_range_min=2000 + i, port_range_max=2000 + i,
                 remote_ip_prefix="192.168.%d.0/24" % (i % 256))
    elif k == 2:
        r = dict(protocol="tcp", port_range_min=20000 + i * 20, port_range_max=20015 + i * 20,
                 remote_ip_prefix="192.168.%d.%d/25" % (i % 256, i // 4 % 2 * 128))
    else:
        r = dict(protocol="tcp", port_range_min=40000 + i, port_range_max=40000 + i,
                 remote_ip_prefix="172.%d.%d.0/24" % (16 + i % 16, i % 256))
    post(r)
# last, the rule that admits the bench's traffic
post(dict(protocol="tcp", port_range_min=5201, port_range_max=5201,
          remote_ip_prefix="10.0.0.9/32"))
PY
		die "the rules of r1000 not created"
	sg_vm vm7 h3 10.0.0.7 port_security_enabled=false
	sg_vm vm8 h4 10.0.0.8 port_security_enabled=false
	sg_vm vm9 h3 10.0.0.9
	tjson --wait port create network_id="$SC_NET_blue" name=vm10 \
		fixed_ip="$SC_SUBNET_blue,10.0.0.10" binding_host=h4 binding_interface=vm10 \
		security_groups="$sg" >"$TOPO_DIR/vm10.json" || die "port vm10 not created"
	topo_vm vm10 h4 "$(jq -er .mac_address "$TOPO_DIR/vm10.json")" 10.0.0.10/24
	[ "$(tjson security_group_rule list security_group_id="$sg" |
		jq '.security_group_rules | length')" = 1000 ] || die "r1000 does not hold 1,000 rules"
fi
kvxlan_host k1 11 12 kv1 10.1.0.1
kvxlan_host k2 12 11 kv2 10.1.0.2
veth_pair
ul_pair
SERVERS="vm2:10.0.0.2 vm4:10.0.0.4 vm6:10.0.0.6 kv2:10.1.0.2 pb:10.2.0.2 ub:$TOPO_UL_NET.22"
[ "${SG_BENCH:-0}" = 1 ] && SERVERS="$SERVERS vm8:10.0.0.8 vm10:10.0.0.10"
for srv in $SERVERS; do
	ip netns exec "$TOPO_P-${srv%%:*}" iperf3 -s -B "${srv#*:}" >/dev/null 2>&1 &
	BENCH_PIDS+=($!)
done
wait_for 15 "vm1 reaches vm2 over tenet" vm_ping vm1 10.0.0.2 1 || die "tenet overlay down"
wait_for 15 "vm3 reaches vm4 over tenet (b)" vm_ping vm3 10.0.0.4 1 || die "tenet (b) down"
wait_for 15 "vm5 reaches vm6 over tenet (b)+XDP" vm_ping vm5 10.0.0.6 1 || die "tenet (b)+XDP down"
if [ "${SG_BENCH:-0}" = 1 ]; then
	wait_for 15 "vm7 reaches vm8 (no groups)" vm_ping vm7 10.0.0.8 1 || die "vm7 -> vm8 down"
	wait_for 15 "vm9 reaches vm10 (1,000 rules)" vm_ping vm9 10.0.0.10 1 || die "vm9 -> vm10 down"
fi
wait_for 15 "kv1 reaches kv2 over kernel vxlan" vm_ping kv1 10.1.0.2 1 || die "kvxlan down"
wait_for 15 "pa reaches pb" vm_ping pa 10.2.0.2 1 || die "veth pair down"
wait_for 15 "ua reaches ub" vm_ping ua "$TOPO_UL_NET.22" 1 || die "underlay pair down"
wait_for 15 "iperf3 servers" ip netns exec "$TOPO_P-pa" iperf3 -c 10.2.0.2 -n 100K ||
	die "iperf3 server down"
gso_attach ul u-h1
gso_attach ul u-h3
gso_attach ul u-h5
gso_attach ul u-k1
gso_attach ul u-ua
gso_attach ub eth0
gso_attach vm2 eth0
gso_attach vm4 eth0
gso_attach vm6 eth0
gso_attach kv2 eth0
if [ "${SG_BENCH:-0}" = 1 ]; then
	gso_attach vm8 eth0
	gso_attach vm10 eth0
fi
# monitor_on H: host H's agent says its drop monitor is on.
monitor_on() {
	ip netns exec "$TOPO_P-$1" curl -s --max-time 5 http://127.0.0.1:9464/metrics |
		grep -qx 'tenet_agent_monitor_on 1'
}
if [ "${BENCH_MONITOR:-0}" = 1 ]; then
	for h in h1 h2; do
		ip netns exec "$TOPO_P-ctl" "$CLI_BIN" --api "$TOPO_API" \
			--token-file "$TOPO_DIR/ctl/admin.token" -o json monitor "$h" \
			>"$TOPO_DIR/monitor-$h.ndjson" 2>&1 &
		BENCH_PIDS+=($!)
		wait_for 15 "drop monitor on at $h" monitor_on "$h" || die "drop monitor not on at $h"
	done
fi

for ((r = 0; r < ROUNDS; r++)); do
	tcp overlay.veth.tcp_1stream "" "$TOPO_P-pa" 10.2.0.2 1
	tcp overlay.veth.tcp_4stream "" "$TOPO_P-pa" 10.2.0.2 4
	rtt overlay.veth.rtt "" "$TOPO_P-pa" 10.2.0.2
	round veth
	round wire
done
