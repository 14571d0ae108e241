#!/usr/bin/env bash
# Security groups and tenant isolation, cell by cell. Three tenants (ta, tb,
# tc) with the same subnet 10.0.0.0/24 and the same VM addresses, VMs spread
# over two hosts, several groups per tenant:
#   web   ingress icmp and tcp/80 from anywhere, tcp/22 from group admin
#   db    ingress tcp/5432 from group web, udp/5000 from group admin
#   admin no ingress (egress only)
#   (tc)  cweb: ingress tcp/80 from 10.0.0.1/32 only; the rest of tc is in
#         the tenant's default group (ingress from the same group)
# plus a port with port security off (a-open), one in two groups (a-multi)
# and one in no group at all (b-none: nothing allowed, either way). Every
# (source VM, destination VM, protocol, port) cell of a tenant — ICMP echo,
# TCP 22, 80 and 5432 with a real connect, a UDP request/reply on 5000 — is
# checked against the table EXPECT below (and a UDP broadcast, whose flooded
# copies each meet their receiver's rules), and cross-tenant cells (the source
# told the other tenant's MAC for the address) are all denied, even towards
# the port without port security; first over VXLAN, then with the three
# networks switched to Geneve (a capture on h2's underlay shows which tunnel
# carried them). An allowed answer must come from the right VM (its name),
# a denied cell must be silent (no reset, no ICMP error).
# Then rule changes, as docs/ARCHITECTURE.md documents them (Neutron's
# behaviour: a deleted rule's conntrack entries go): a rule added allows new
# flows at once and cuts nothing; a rule deleted blocks new flows at once
# and cuts the established connections that only it allowed (sg_revoked),
# while a connection another rule still allows keeps exchanging data until
# it closes. `tenetctl port stats` counts the denied cells (sg_ingress,
# sg_egress, sg_revoked).
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"

PROBE=$T_TOP/tests/lib/sgprobe.py
CAP=$TOPO_DIR/h2.udp

# Cells: i ICMP echo, s tcp/22, w tcp/80, d tcp/5432, u udp/5000; the letter
# where the cell is allowed, - where it is denied. A source lists every other
# VM of its tenant (checked below); VMs of other tenants are reached through
# a neighbour entry to their MAC and are always denied.
EXPECT='
a-web    a-db:---d-  a-admin:-----  a-open:iswdu  a-multi:i-wd-  c-two:-----
a-db     a-web:i-w--  a-admin:-----  a-open:iswdu  a-multi:i-w--  b-web:-----
a-admin  a-web:isw--  a-db:----u  a-open:iswdu  a-multi:isw-u  c-one:-----
a-open   a-web:i-w--  a-db:-----  a-admin:-----  a-multi:i-w--  b-web:-----  c-two:-----
a-multi  a-web:i-w--  a-db:---d-  a-admin:-----  a-open:iswdu  b-db:-----
b-web    b-db:---d-  b-none:-----  a-open:-----
b-db     b-web:i-w--  b-none:-----  a-open:-----  c-web:-----
b-none   b-web:-----  b-db:-----  a-open:-----
c-one    c-two:iswdu  c-web:--w--  a-open:-----  b-db:-----
c-two    c-one:iswdu  c-web:-----  a-open:-----
c-web    c-one:-----  c-two:-----  a-open:-----  a-multi:-----
'
LETTERS=iswdu

# proto LETTER: the protocol and port of a cell.
proto() {
	case $1 in
	i) echo icmp 0 ;;
	s) echo tcp 22 ;;
	w) echo tcp 80 ;;
	d) echo tcp 5432 ;;
	u) echo udp 5000 ;;
	esac
}
VMS=()

tenant_of() { echo "t${1%%-*}"; }

# group TENANT NAME: creates a security group (egress anywhere over IPv4, as
# Neutron gives a new group) and prints its id.
group() {
	local tid id
	tid=$(tjson tenant show "$1" | jq -er .id) || die "no tenant $1"
	id=$(tjson security_group create tenant_id="$tid" name="$2" | jq -er .id) ||
		die "group $2 of $1 not created"
	rule "$id" direction=egress ethertype=IPv4 >/dev/null
	echo "$id"
}

# rule GROUP_ID FIELD=VALUE...: creates a rule, prints its id.
rule() {
	local g=$1
	shift
	tjson security_group_rule create security_group_id="$g" "$@" | jq -er .id ||
		die "rule $* of group $g not created"
}

# vm NAME HOST IP GROUPS [--wait]: the port and its VM; GROUPS is a comma
# list of group ids, "off" (port security off), "none" (no group) or
# "default" (none named: the tenant's default group).
vm() {
	local name=$1 host=$2 ip=$3 groups=$4 t net sub mac sg=() wait=()
	[ -n "${5:-}" ] && wait=("$5")
	t=$(tenant_of "$name")
	net=$(eval "echo \$SC_NET_$t")
	sub=$(eval "echo \$SC_SUBNET_$t")
	case $groups in
	off) sg=(port_security_enabled=false) ;;
	none) sg=('security_groups:=[]') ;;
	default) ;;
	*) sg=(security_groups="$groups") ;;
	esac
	mac=$(tjson "${wait[@]}" port create network_id="$net" name="$name" fixed_ip="$sub,$ip" \
		binding_host="$host" binding_interface="$name" "${sg[@]}" | jq -er .mac_address) ||
		die "port $name not created"
	topo_vm "$name" "$host" "$mac" "$ip/24"
	eval "VM_IP_${name//-/_}=$ip VM_MAC_${name//-/_}=$mac"
	VMS+=("$name")
}

vm_ip() { eval "echo \$VM_IP_${1//-/_}"; }
vm_mac() { eval "echo \$VM_MAC_${1//-/_}"; }

# cells SRC: SRC's line of EXPECT as sgprobe.py cells.
cells() {
	local src=$1 line item dst want k l c m seen=" "
	line=$(printf '%s\n' "$EXPECT" | awk -v s="$src" '$1 == s')
	[ -n "$line" ] || die "no line for $src in the table"
	for item in ${line#"$src"}; do
		dst=${item%%:*} want=${item#*:}
		if [ ${#want} != ${#LETTERS} ] || [ -z "$(vm_ip "$dst")" ]; then
			die "bad table item $src $item"
		fi
		seen="$seen$dst "
		for ((k = 0; k < ${#LETTERS}; k++)); do
			l=${LETTERS:k:1} c=${want:k:1}
			[ "$c" = "$l" ] || [ "$c" = - ] || die "bad table item $src $item"
			if [ "$(tenant_of "$dst")" = "$(tenant_of "$src")" ]; then
				m=-
			else
				[ "$c" = - ] || die "the table allows a cross-tenant cell: $src $item"
				m=$(vm_mac "$dst")
			fi
			echo "$dst $(vm_ip "$dst") $m $(proto "$l") $([ "$c" = - ] && echo 0 || echo 1)"
		done
	done
	# every cell of the tenant is in the table
	for dst in "${VMS[@]}"; do
		[ "$dst" = "$src" ] || [ "$(tenant_of "$dst")" != "$(tenant_of "$src")" ] ||
			[[ $seen == *" $dst "* ]] || die "the table has no cells $src -> $dst"
	done
}

# matrix LABEL: every source VM probes its cells, the sources in parallel.
matrix() {
	local vm pids=() rc=0 t0 n
	t0=$(date +%s%N)
	for vm in "${VMS[@]}"; do
		cells "$vm" >"$TOPO_DIR/cells-$vm" || exit 1
		vm_exec "$vm" python3 "$PROBE" probe "$vm" "$TOPO_DIR/cells-$vm" \
			>"$TOPO_DIR/probe-$vm.out" 2>&1 &
		pids+=($!)
	done
	for vm in "${!pids[@]}"; do
		wait "${pids[$vm]}" || rc=1
	done
	n=$(cat "$TOPO_DIR"/cells-* | wc -l)
	if [ "$rc" != 0 ]; then
		cat "$TOPO_DIR"/probe-*.out >&2
		die "$1: cells did not match the table"
	fi
	say "  $1: all $n cells as the table says ($(grep -c ' 1$' "$TOPO_DIR"/cells-* |
		awk -F: '{ n += $2 } END { print n }') allowed) in $((($(date +%s%N) - t0) / 1000000)) ms"
}

# once SRC DST PROTO PORT EXPECT: one cell, allowed ones given a single try.
once() {
	echo "$2 $(vm_ip "$2") - $3 $4 $5" >"$TOPO_DIR/once-$1"
	vm_exec "$1" python3 "$PROBE" probe "$1" "$TOPO_DIR/once-$1" --once >"$TOPO_DIR/once.out" 2>&1 ||
		die "$(cat "$TOPO_DIR/once.out")"
}

udp() {
	awk -v d="$1" -v p="$2" '$1 == d && $2 == p { n = $3 } END { print n + 0 }' "$CAP" 2>/dev/null ||
		echo 0
}

port_drops() {
	tjson port stats "$1" | jq -er ".drops_by_reason.$2 // 0"
}

drops_above() { [ "$(port_drops "$1" "$2")" -gt "$3" ]; }

# chat_count VM: exchanges VM's connection answered so far ("N", "closed N"
# or "error N WHY").
chat_count() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' \
		"$TOPO_DIR/chat-$1.out" 2>/dev/null
}
chat_above() { [ "$(chat_count "$1")" -ge "$2" ]; }
chats_above() { chat_above a-web "$1" && chat_above a-multi "$2"; }

chat() {
	vm_exec "$1" python3 "$PROBE" chat "$2" 5432 "$TOPO_DIR/chat-$1.out" "$TOPO_DIR/chat-$1.stop" \
		>>"$TOPO_DIR/chat.log" 2>&1 &
	TOPO_PIDS+=($!)
	wait_for 10 "$1's connection to $2:5432 exchanges" chat_above "$1" 10 ||
		die "$1 -> $2:5432: $(cat "$TOPO_DIR/chat-$1.out" 2>/dev/null)"
}

scenario_hosts
for t in ta tb tc; do scenario_tenant "$t"; done

say "* Groups: web, db and admin in ta and in tb; cweb in tc"
for t in ta tb; do
	web=$(group "$t" web) db=$(group "$t" db) admin=$(group "$t" admin)
	[ -n "$web" ] && [ -n "$db" ] && [ -n "$admin" ] || die "the groups of $t were not created"
	rule "$web" direction=ingress protocol=icmp remote_ip_prefix=0.0.0.0/0 >/dev/null
	rule "$web" direction=ingress protocol=tcp port_range_min=80 port_range_max=80 \
		remote_ip_prefix=0.0.0.0/0 >/dev/null
	rule "$web" direction=ingress protocol=tcp port_range_min=22 port_range_max=22 \
		remote_group_id="$admin" >/dev/null
	r5432=$(rule "$db" direction=ingress protocol=tcp port_range_min=5432 port_range_max=5432 \
		remote_group_id="$web")
	rule "$db" direction=ingress protocol=udp port_range_min=5000 port_range_max=5000 \
		remote_group_id="$admin" >/dev/null
	[ -n "$r5432" ] || die "db's rule of $t was not created"
	eval "G_${t}_web=$web G_${t}_db=$db G_${t}_admin=$admin R_${t}_5432=$r5432"
done
cweb=$(group tc cweb) && [ -n "$cweb" ] || die "group cweb not created"
rule "$cweb" direction=ingress protocol=tcp port_range_min=80 port_range_max=80 \
	remote_ip_prefix=10.0.0.1/32 >/dev/null

say "* VMs: the same addresses in every tenant, on h1 and h2"
vm a-web h1 10.0.0.1 "$G_ta_web"
vm a-db h2 10.0.0.2 "$G_ta_db"
vm a-admin h1 10.0.0.3 "$G_ta_admin"
vm a-open h2 10.0.0.4 off
vm a-multi h2 10.0.0.5 "$G_ta_web,$G_ta_db"
vm b-web h2 10.0.0.1 "$G_tb_web"
vm b-db h1 10.0.0.2 "$G_tb_db"
vm b-none h1 10.0.0.3 none
vm c-one h1 10.0.0.1 default
vm c-two h2 10.0.0.2 default
vm c-web h2 10.0.0.3 "$cweb" --wait
[ "$(tjson port show c-one | jq -r '.security_groups | length')" = 1 ] ||
	die "c-one did not get its tenant's default group"
# Every VM knows its tenant's neighbours: no ARP on the probed path, so a
# timeout is the datapath's silence and nothing else.
for v in "${VMS[@]}"; do
	for d in "${VMS[@]}"; do
		[ "$v" != "$d" ] && [ "$(tenant_of "$v")" = "$(tenant_of "$d")" ] || continue
		vm_exec "$v" ip neigh replace "$(vm_ip "$d")" lladdr "$(vm_mac "$d")" dev eth0 nud permanent
	done
	vm_exec "$v" python3 "$PROBE" serve "$v" "$TOPO_DIR/udp-$v.log" >>"$TOPO_DIR/serve.log" 2>&1 &
	TOPO_PIDS+=($!)
done
for v in "${VMS[@]}"; do
	wait_for 10 "$v's servers listen" sh -c "ip netns exec $TOPO_P-$v ss -Hltn 'sport = :5432' | grep -q LISTEN &&
		ip netns exec $TOPO_P-$v ss -Hlun 'sport = :5000' | grep -q ." || die "no servers in $v"
done

ip netns exec "$TOPO_P-h2" python3 -u "$T_TOP/tests/lib/udpcount.py" eth0 "$CAP" 4789 6081 \
	>"$TOPO_DIR/udpcount.log" 2>&1 &
TOPO_PIDS+=($!)
wait_for 10 "capture on h2's underlay" test -e "$CAP.ready" || die "no capture on h2's underlay"

say "* The matrix over VXLAN:"
v_in=$(udp in 4789) g_in=$(udp in 6081)
matrix VXLAN
[ $(($(udp in 4789) - v_in)) -ge 50 ] && [ $(($(udp in 6081) - g_in)) = 0 ] ||
	die "VXLAN matrix: h2 received UDP 4789 $v_in -> $(udp in 4789), 6081 $g_in -> $(udp in 6081)"
say "  h2's underlay: UDP 4789 in $v_in -> $(udp in 4789), 6081 none"

say "* The matrix over Geneve (the three networks' encapsulation):"
for t in ta tb tc; do
	tjson --wait network update "$(eval "echo \$SC_NET_$t")" encapsulation=geneve >/dev/null ||
		die "cannot set $t's encapsulation"
done
v_in=$(udp in 4789) g_in=$(udp in 6081) g_out=$(udp out 6081)
matrix Geneve
# (flooded copies, such as the cross-tenant cells' frames to a MAC their
# network does not have, go by VXLAN whatever the network's encapsulation)
[ $(($(udp in 6081) - g_in)) -ge 50 ] && [ $(($(udp out 6081) - g_out)) -ge 50 ] &&
	[ $(($(udp in 4789) - v_in)) -lt $(($(udp in 6081) - g_in)) ] ||
	die "Geneve matrix: h2 received UDP 6081 $g_in -> $(udp in 6081), 4789 $v_in -> $(udp in 4789)"
say "  h2's underlay: UDP 6081 in $g_in -> $(udp in 6081), out $g_out -> $(udp out 6081); 4789 in $v_in -> $(udp in 4789) (flooded copies)"

# No UDP request crossed tenants: each server logged only its tenant's names.
for v in "${VMS[@]}"; do
	! grep -qv "^${v%%-*}-" "$TOPO_DIR/udp-$v.log" 2>/dev/null ||
		die "$v received UDP from another tenant: $(grep -v "^${v%%-*}-" "$TOPO_DIR/udp-$v.log" | sort -u)"
done

say "* A UDP broadcast (a-web -> 10.0.0.255:5000): each flooded copy meets its receiver's ingress rules"
# a-open (no port security, h2) takes it; a-admin (h1, the sender's host:
# a local copy), a-db and a-multi (h2: copies from the tunnel) allow UDP
# 5000 only from admin, so their copies are dropped and counted
adm=$(port_drops a-admin sg_ingress) db=$(port_drops a-db sg_ingress) mul=$(port_drops a-multi sg_ingress)
vm_exec a-web python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b"a-web-broadcast", ("10.0.0.255", 5000))' || die "a-web could not send a broadcast"
wait_for 10 "a-open receives the broadcast" grep -qx a-web-broadcast "$TOPO_DIR/udp-a-open.log" ||
	die "a-open did not receive a-web's broadcast"
bcast_denied() {
	drops_above a-admin sg_ingress "$adm" && drops_above a-db sg_ingress "$db" &&
		drops_above a-multi sg_ingress "$mul"
}
wait_for 10 "the denied copies are counted" bcast_denied ||
	die "sg_ingress of a-admin $adm -> $(port_drops a-admin sg_ingress), a-db $db -> $(port_drops a-db sg_ingress), a-multi $mul -> $(port_drops a-multi sg_ingress)"
for v in a-admin a-db a-multi; do
	! grep -qx a-web-broadcast "$TOPO_DIR/udp-$v.log" 2>/dev/null ||
		die "$v received a broadcast its rules deny"
done
say "  a-open received it; a-admin, a-db and a-multi dropped it (sg_ingress counted)"

say "* Counters of denied cells (tenetctl port stats):"
wait_for 15 "a-db counts sg_ingress" drops_above a-db sg_ingress 0 ||
	die "port stats of a-db: no sg_ingress ($(tjson port stats a-db))"
wait_for 15 "b-none counts sg_egress" drops_above b-none sg_egress 0 ||
	die "port stats of b-none: no sg_egress ($(tjson port stats b-none))"
tctl port stats a-db | grep -q sg_ingress || die "tenetctl port stats a-db does not show sg_ingress"
say "  a-db sg_ingress $(port_drops a-db sg_ingress), b-none sg_egress $(port_drops b-none sg_egress)"

say "* A rule added allows new flows at once; deleted, it blocks them at once:"
once a-web a-admin tcp 22 0
r22=$(tjson --wait security_group_rule create security_group_id="$G_ta_admin" direction=ingress \
	protocol=tcp port_range_min=22 port_range_max=22 remote_group_id="$G_ta_web" | jq -er .id) ||
	die "rule admin tcp/22 from web not created"
once a-web a-admin tcp 22 1
once a-db a-admin tcp 22 0
tjson --wait security_group_rule delete "$r22" >/dev/null || die "cannot delete rule $r22"
once a-web a-admin tcp 22 0
say "  a-web -> a-admin tcp/22: denied, allowed once the rule is applied, denied once it is gone"

say "* Established connections (a-web and a-multi to a-db tcp/5432, by db's rule from web):"
chat a-web 10.0.0.2
chat a-multi 10.0.0.2
rcidr=$(tjson --wait security_group_rule create security_group_id="$G_ta_db" direction=ingress \
	protocol=tcp port_range_min=5432 port_range_max=5432 remote_ip_prefix=10.0.0.5/32 |
	jq -er .id) || die "rule db tcp/5432 from 10.0.0.5/32 not created"
w=$(chat_count a-web) m=$(chat_count a-multi)
wait_for 10 "both connections go on after a rule was added" chats_above $((w + 20)) $((m + 20)) ||
	die "a rule added cut a connection: a-web $(cat "$TOPO_DIR/chat-a-web.out"), a-multi $(cat "$TOPO_DIR/chat-a-multi.out")"
say "  a rule added (from 10.0.0.5/32): both connections go on"
revoked=$(port_drops a-db sg_revoked) || die "no port stats for a-db"
tjson --wait security_group_rule delete "$R_ta_5432" >/dev/null || die "cannot delete db's rule from web"
w=$(chat_count a-web) m=$(chat_count a-multi)
wait_for 10 "a-multi's connection goes on" chat_above a-multi $((m + 40)) ||
	die "a-multi's connection, which 10.0.0.5/32 allows, stopped: $(cat "$TOPO_DIR/chat-a-multi.out")"
[ "$(chat_count a-web)" -le $((w + 1)) ] ||
	die "a-web's connection, which only the deleted rule allowed, went on: $w -> $(chat_count a-web)"
once a-web a-db tcp 5432 0
once a-multi a-db tcp 5432 1
wait_for 15 "a-db counts sg_revoked" drops_above a-db sg_revoked "$revoked" ||
	die "a-db's sg_revoked stayed at $revoked"
say "  rule from web deleted: a-web's connection stopped at $(chat_count a-web) exchanges (a-db sg_revoked $revoked -> $(port_drops a-db sg_revoked)), a-multi's went on ($m -> $(chat_count a-multi))"
touch "$TOPO_DIR/chat-a-multi.stop"
wait_for 10 "a-multi's connection closes" grep -q '^closed' "$TOPO_DIR/chat-a-multi.out" ||
	die "a-multi's connection did not close cleanly: $(cat "$TOPO_DIR/chat-a-multi.out")"
grep -q '^closed' "$TOPO_DIR/chat-a-web.out" && die "a-web's cut connection closed cleanly"
say "  a-multi's connection exchanged until it closed ($(cat "$TOPO_DIR/chat-a-multi.out"))"
tjson --wait security_group_rule delete "$rcidr" >/dev/null || die "cannot delete rule $rcidr"
echo "e2e isolation_matrix: PASS"
