#!/usr/bin/env bash
# clone.sh BUILD_DIR [--quick] [--only FIGURE] - tenant clone, export and
# import figures.
#
# A controller on 127.0.0.1 and 20 agents in --fake-datapath mode: f0..f9
# hold the source tenant's ports, g0..g9 the clone's. For tenants of 10,
# 100 and 1,000 ports (two networks on a router, ports spread over f0..f9,
# bound), one JSON line per run and figure (stdout; RUNS runs: 5, --quick
# 3), the median of each to stderr, in ms:
#   clone.ports_N.clone      POST /v1/tenants/ID/clone (unbound copy) answered
#   clone.ports_N.realised   POST .../clone with bind f<i>=g<i> and bind_ports
#                            -> every affected agent acked its revision
#                            (GET /v1/wait answered)
#   clone.ports_N.export     GET /v1/tenants/ID/export answered
#   clone.ports_N.import     POST /v1/tenants/import (new VNIs, unbound)
# Each is timed around curl processes (their start included); the baseline
# clone.api_rtt is GET /v1/status timed the same way.
# Everything started here is stopped on exit.
set -euo pipefail
. "$(dirname "$0")/args.sh"
bench_args clone.sh "$@"
RUNS=$([ "$QUICK" = 1 ] && echo 3 || echo 5)
CTL=$BUILD/controller/tenet-controller
AGENT=$BUILD/agent/tenet-agent
CLI=$BUILD/cli/tenetctl
W=$(mktemp -d /tmp/tenet-bench-clone.XXXXXX)
# below the ephemeral range (32768-): the agents' own connections cannot hold it
PORT=$((20000 + RANDOM % 12000))
API=127.0.0.1:$PORT
SB=tcp://127.0.0.1:$((PORT + 1))
PIDS=()

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	set +e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ "$rc" != 0 ] && tail -n 20 "$W/controller.log" >&2 2>/dev/null
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tctl() { "$CLI" --api "http://$API" --token-file "$W/ctl/admin.token" -o json "$@"; }
poll() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
now_us() { echo $(($(date +%s%N) / 1000)); }
# ms_since T0_US: ms since T0_US, to 0.1 ms.
ms_since() { awk -v a="$1" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
# emit NAME VALUE WHAT: one run's figure (--only: that figure alone, and
# its baseline), against clone.api_rtt.
emit() {
	local base='"clone.api_rtt"'
	[ -z "$ONLY" ] || [ "$ONLY" = "$1" ] || [ "$1" = clone.api_rtt ] || return 0
	[ "$1" = clone.api_rtt ] && base=null
	printf '{"name": "%s", "unit": "ms", "value": %s, "baseline": %s, "lower_is_better": true, "what": "%s"}\n' \
		"$1" "$2" "$base" "$3"
}
# req METHOD PATH [BODY]: the body to $W/resp, the revision header to $W/hdr
# (BODY "@FILE": the file's contents, for bodies too long for a command line).
req() {
	curl -sf -o "$W/resp" -D "$W/hdr" -X "$1" -H "Authorization: Bearer $TOKEN" \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} "http://$API/v1$2"
}
rev() { tr -d '\r' <"$W/hdr" | awk 'tolower($1) == "x-tenet-revision:" { print $2 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

"$CTL" --data "$W/ctl" --api "$API" --southbound "$SB" --log-level warn >>"$W/controller.log" 2>&1 &
PIDS+=($!)
poll 20 test -s "$W/ctl/admin.token"
poll 20 tctl status
TOKEN=$(cat "$W/ctl/admin.token")
for h in f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 g0 g1 g2 g3 g4 g5 g6 g7 g8 g9; do
	"$AGENT" --genkey "$W/$h.key" >/dev/null
	pub=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$W/$h.key")
	n=$((${#PIDS[@]}))
	tctl host create name="$h" public_key="$pub" underlay_ip="198.19.0.$n" >/dev/null
	"$AGENT" --host "$h" --controller "$SB" --controller-key "$W/ctl/server.pub" \
		--key "$W/$h.key" --fake-datapath --state-dir "$W/state" >>"$W/agent-$h.log" 2>&1 &
	PIDS+=($!)
done
connected() { [ "$(tctl host list | jq '[.hosts[] | select(.state == "connected")] | length')" -ge 20 ]; }
poll 60 connected
# the baseline: a GET /v1/status timed the same way (curl's start included)
for ((run = 0; run < 3 * RUNS; run++)); do
	t0=$(now_us)
	req GET /status >/dev/null
	emit clone.api_rtt "$(ms_since "$t0")" "GET /v1/status, timed as the figures below (a curl process each)"
done
BIND='{"f0":"g0","f1":"g1","f2":"g2","f3":"g3","f4":"g4","f5":"g5","f6":"g6","f7":"g7","f8":"g8","f9":"g9"}'

for size in 10 100 1000; do
	tid=$(tctl tenant create name="src$size" | jq -er .id)
	for k in 0 1; do
		nid=$(tctl network create tenant_id="$tid" name="n$k" | jq -er .id)
		sid=$(tctl subnet create network_id="$nid" name="s$k" cidr="10.$k.0.0/16" \
			gateway_ip="10.$k.0.1" | jq -er .id)
		eval "N$k=$nid S$k=$sid"
	done
	rid=$(tctl router create tenant_id="$tid" name=r | jq -er .id)
	tctl router add-interface "$rid" "$S0" >/dev/null
	tctl router add-interface "$rid" "$S1" >/dev/null
	for ((i = 0; i < size; i++)); do
		k=$((i % 2))
		eval "n=\$N$k"
		req POST /ports "{\"network_id\":\"$n\",\"name\":\"p$i\",\"binding\":{\"host\":\"f$((i % 10))\",\"interface\":\"v$size-$i\"}}" >/dev/null
	done
	curl -sf -H "Authorization: Bearer $TOKEN" "http://$API/v1/wait?timeout_ms=60000" >/dev/null
	c=() r=() e=() m=()
	for ((run = 0; run < RUNS; run++)); do
		t0=$(now_us)
		req POST "/tenants/$tid/clone" "{\"name\":\"c$size-$run\"}" >/dev/null
		c+=("$(ms_since "$t0")")
		t0=$(now_us)
		req POST "/tenants/$tid/clone" "{\"name\":\"b$size-$run\",\"bind\":$BIND,\"bind_ports\":true}" >/dev/null
		curl -sf -H "Authorization: Bearer $TOKEN" \
			"http://$API/v1/wait?revision=$(rev)&timeout_ms=60000" >/dev/null
		r+=("$(ms_since "$t0")")
		# the bound clone leaves g<i>'s interfaces to the next run
		for p in $(tctl port list tenant_id="$(jq -r .tenant.id "$W/resp")" | jq -r '.ports[].id'); do
			req DELETE "/ports/$p" >/dev/null
		done
		t0=$(now_us)
		req GET "/tenants/$tid/export" >/dev/null
		e+=("$(ms_since "$t0")")
		cp "$W/resp" "$W/doc.json"
		jq -c "{document: ., tenant: \"i$size-$run\", rebind: {vni: \"auto\"}, bind_ports: false}" \
			"$W/doc.json" >"$W/body.json"
		t0=$(now_us)
		req POST /tenants/import "@$W/body.json" >/dev/null
		m+=("$(ms_since "$t0")")
	done
	for v in "${c[@]}"; do
		emit "clone.ports_$size.clone" "$v" "POST /v1/tenants/ID/clone (unbound copy of $size ports) answered"
	done
	for v in "${r[@]}"; do
		emit "clone.ports_$size.realised" "$v" "POST .../clone binding $size ports to g0..g9 -> GET /v1/wait for its revision answered"
	done
	for v in "${e[@]}"; do
		emit "clone.ports_$size.export" "$v" "GET /v1/tenants/ID/export of $size ports answered"
	done
	for v in "${m[@]}"; do
		emit "clone.ports_$size.import" "$v" "POST /v1/tenants/import of $size ports (new VNIs, unbound) answered"
	done
	printf 'clone.ports_%s: clone %s, realised %s, export %s, import %s ms (medians)\n' "$size" \
		"$(printf '%s\n' "${c[@]}" | median)" "$(printf '%s\n' "${r[@]}" | median)" \
		"$(printf '%s\n' "${e[@]}" | median)" "$(printf '%s\n' "${m[@]}" | median)" >&2
done
