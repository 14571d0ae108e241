#!/usr/bin/env bash
# tenetctl trace runs a crafted packet through the hosts' real datapath
# programs (test-mode copies on the live maps): two hosts, vm1 on h1 and
# vm2 on h2 in one network. vm1 -> vm2 (TCP 80) ends in "delivered to port
# vm2 on h2"; the same packet with a MAC that is not vm1's stops at port
# security and says why; traced from the tunnel on h2 (as sent by h1) it is
# delivered to vm2; a port traced on a host it is not bound to is refused.
# The live counters (tn_stats, tn_port_stats of both hosts) do not move.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
t_need bpftool

# counters: the live counters of both hosts (every tn_stats entry, the
# tn_port_stats slots 1-4: slots are dense from 1 and each host has one
# port), as one line of JSON.
counters() {
	local h k
	for h in h1 h2; do
		bpftool -j map dump pinned "$TOPO_BPFFS/tenet/$h/tn_stats" || return 1
		for k in 1 2 3 4; do
			bpftool -j map lookup pinned "$TOPO_BPFFS/tenet/$h/tn_port_stats" key "$k" 0 0 0 ||
				return 1
		done
	done | python3 -c 'import json, sys
d = json.JSONDecoder(); s = sys.stdin.read().strip(); out = []
while s:
    o, n = d.raw_decode(s); out.append(o); s = s[n:].strip()
print(json.dumps(out, sort_keys=True))'
}

scenario_hosts
scenario_tenant blue
scenario_vm vm1 blue h1 10.0.0.1
scenario_vm vm2 blue h2 10.0.0.2 --wait
mac1=$SC_MAC_vm1
mac2=$SC_MAC_vm2
expect_ping vm1 10.0.0.2
# permanent neighbours: from now on the VMs send nothing by themselves
vm_exec vm1 ip neigh replace 10.0.0.2 lladdr "$mac2" dev eth0 nud permanent
vm_exec vm2 ip neigh replace 10.0.0.1 lladdr "$mac1" dev eth0 nud permanent
before=$(counters) || die "cannot read the live counters"

say "* tenetctl trace h1 --from vm1 --to 10.0.0.2 --proto tcp --dport 80"
t0=$(date +%s%N)
out=$(tctl trace h1 --from vm1 --to 10.0.0.2 --proto tcp --dport 80) || die "trace failed: $out"
t1=$(date +%s%N)
echo "$out" | sed 's/^/  /'
last=$(echo "$out" | tail -n 1)
case $last in
*"delivered to port vm2 on h2") ;;
*) die "vm1 -> vm2 does not end in 'delivered to port vm2 on h2': $last" ;;
esac
echo "$out" | grep -q "sent to host h2 (198.18.0.2)" || die "the first hop is not the tunnel to h2"
echo "$out" | grep -q "port security" || die "no port security step"
say "  first trace took $(((t1 - t0) / 1000000)) ms end to end (tenetctl, API, both agents load their copy)"
t0=$(date +%s%N)
again=$(tctl trace h1 --from vm1 --to 10.0.0.2 --proto tcp --dport 80) || die "trace failed: $again"
t1=$(date +%s%N)
[ "$(echo "$again" | tail -n 1)" = "$last" ] || die "a second trace decided otherwise: $again"
say "  again: $(((t1 - t0) / 1000000)) ms end to end; on the agents: $(echo "$again" |
	sed -n 's/^on \(h[12]\) (.*, \([0-9]*\) us):$/\1 \2 us/p' | paste -sd, -)"

say "* The same packet from a MAC that is not vm1's:"
out=$(tctl trace h1 --from vm1 --to 10.0.0.2 --src-mac fa:16:3e:99:99:99) || die "trace failed: $out"
echo "$out" | sed 's/^/  /'
want="dropped at port security: source MAC fa:16:3e:99:99:99 is not the port's ($mac1)"
[ "$(echo "$out" | tail -n 1)" = "verdict: $want" ] || die "spoofed MAC: want '$want'"

say "* From the tunnel on h2, as h1 sends it:"
out=$(tctl trace h2 --from vm1 --from-tunnel h1 --to 10.0.0.2 --proto udp --dport 53) ||
	die "trace failed: $out"
echo "$out" | sed 's/^/  /'
case $(echo "$out" | tail -n 1) in
*"delivered to port vm2 on h2") ;;
*) die "from the tunnel: not delivered to vm2" ;;
esac
echo "$out" | grep -q "tunnel ingress: peer 198.18.0.1" || die "no tunnel ingress step"

say "* Refusals: vm1 traced on h2 without the tunnel, an unknown host, an unknown port"
out=$(tctl trace h2 --from vm1 --to 10.0.0.2 2>&1) && die "vm1 traced on h2: $out"
echo "$out" | grep -q "bound to h1, not to h2" || die "unclear refusal: $out"
out=$(tctl trace h9 --from vm1 --to 10.0.0.2 2>&1) && die "unknown host traced: $out"
out=$(tctl trace h1 --from nosuch --to 10.0.0.2 2>&1) && die "unknown port traced: $out"
out=$(tctl trace h1 --from vm1 --to 10.0.0.99 2>&1) && die "unknown destination traced: $out"
say "  refused: $(echo "$out" | head -n 1)"

after=$(counters) || die "cannot read the live counters"
[ "$before" = "$after" ] || die "a trace moved the live counters"
say "* The live counters of h1 and h2 did not move"
echo "e2e trace: PASS"
