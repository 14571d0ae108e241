#!/usr/bin/env bash
# control.sh BUILD_DIR [--quick] [--only FIGURE] - the control-plane figures.
#
# A controller on 127.0.0.1 (root namespace, loopback only) and up to 100
# agents in --fake-datapath mode (private unpinned maps, no programs, no
# devices) on the same machine. Prints JSON lines for bench/report.py:
#   control.api_rtt              GET /v1/status round trip (baseline), ms
#   control.converge_10_agents   POST a bound port -> every affected agent
#   control.converge_100_agents    acked (GET /v1/wait answered), ms
#   control.converge_100_fake_agents  the same with the 100 hosts served by
#                                one bench/fakeagents process, on a fresh
#                                controller: the controller and protocol alone
#   control.converge_1000_agents   the same with 1,000 hosts served by one
#                                bench/fakeagents process (10 networks of 100
#                                hosts with BENCH_PER_NET=100), on a fresh
#                                controller
#   control.api_reads_1          GET /v1/status rate, 1 client (baseline)
#   control.api_writes_1|16      POST /v1/ports rate, 1 and 16 clients, no
#                                host enrolled yet (API + store alone)
#   control.api_writes_16_100_agents  the same with 100 agents connected
#   control.snapshot_10k_ports   fresh agent start -> 10,000-port snapshot
#                                applied and acked, ms (+ _bytes on the wire;
#                                _session: from the controller showing the
#                                host's session, i.e. its HELLO handled and
#                                the SNAPSHOT queued, to the ack: the agent's
#                                start and datapath maps left out)
#   control.converge_10k_port_host  POST a port bound to that host (in one of
#                                its networks) -> acked, ms: the controller
#                                recompiles a 10,000-port host, the agent
#                                applies a one-port delta among 10,000
# Agent f<i> has its port in network i / PER_NET (BENCH_PER_NET, default
# 100: all in network 0): converge writes go to network 0, so every agent
# in it gets changed rows and is waited for; with BENCH_PER_NET < 100 the
# others get the new revision as an empty delta (and ack it) but are not
# waited for. BENCH_CTL_LOG sets the controller's log level (default warn;
# debug logs each publish's phases). Everything started here is stopped on
# exit.
set -euo pipefail
. "$(dirname "$0")/args.sh"
bench_args control.sh "$@"
if [ "$QUICK" = 1 ]; then
	RUNS=5 SAMPLES=40 SECS=1 SNAP_RUNS=5
else
	RUNS=9 SAMPLES=200 SECS=3 SNAP_RUNS=9
fi
SNAP_PORTS=10000
CTL=$BUILD/controller/tenet-controller
AGENT=$BUILD/agent/tenet-agent
CLI=$BUILD/cli/tenetctl
CB=$BUILD/bench/ctlbench
FA=$BUILD/bench/fakeagents
W=$(mktemp -d /tmp/tenet-bench-ctl.XXXXXX)
# below the ephemeral range (32768-): the agents' own connections cannot hold it
PORT=$((20000 + RANDOM % 12000))
API=127.0.0.1:$PORT
SB_PORT=$((PORT + 1))
SB=tcp://127.0.0.1:$SB_PORT
CTL_PID=
AGENT_PIDS=()
# 1,000 sessions: two descriptors each on both sides
ulimit -n 65536 2>/dev/null || true

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	set +e
	for p in "${AGENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${AGENT_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "$CTL_PID" ]; then
		kill "$CTL_PID" 2>/dev/null
		wait "$CTL_PID" 2>/dev/null
	fi
	[ "$rc" != 0 ] && tail -n 20 "$W/controller.log" "$W/agent-f0.log" >&2 2>/dev/null
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# want NAME: true when NAME (or everything) was asked for.
want() {
	[ -z "$ONLY" ] || [ "$ONLY" = "$1" ]
}

tctl() {
	"$CLI" --api "http://$API" --token-file "$W/ctl/admin.token" -o json "$@"
}

# poll SECONDS CMD...: until CMD succeeds (0.05 s steps) or time runs out.
poll() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

cb() {
	"$CB" --api "$API" --token-file "$W/ctl/admin.token" "$@"
}

# ctl_start: (re)starts the controller on $W/ctl.
ctl_start() {
	"$CTL" --data "$W/ctl" --api "$API" --southbound "$SB" --log-level "${BENCH_CTL_LOG:-warn}" \
		>>"$W/controller.log" 2>&1 &
	CTL_PID=$!
	poll 20 test -s "$W/ctl/admin.token"
	poll 20 tctl status
}

ctl_stop() {
	kill "$CTL_PID"
	wait "$CTL_PID" || true
	CTL_PID=
}

# setup: a fresh controller with tenant TID and network NET (subnet SUB).
setup() {
	[ -n "$CTL_PID" ] && ctl_stop
	rm -rf "$W/ctl"
	ctl_start
	TID=$(tctl tenant create name=bench | jq -er .id)
	NET=$(tctl network create tenant_id="$TID" name=bench-net | jq -er .id)
	SUB=$(tctl subnet create network_id="$NET" name=bench-sub cidr=10.64.0.0/14 \
		gateway_ip=10.64.0.1 | jq -er .id)
	NETS=("$NET")
	SUBS=("$SUB")
}
PER_NET=${BENCH_PER_NET:-100}

# net_of I: sets N and S to the network and subnet of fake host I.
net_of() {
	local g=$(($1 / PER_NET))
	if [ -z "${NETS[$g]:-}" ]; then
		NETS[$g]=$(tctl network create tenant_id="$TID" name="bench-net$g" | jq -er .id)
		SUBS[$g]=$(tctl subnet create network_id="${NETS[$g]}" name="bench-sub$g" \
			cidr="10.$((68 + g)).0.0/16" | jq -er .id)
	fi
	N=${NETS[$g]} S=${SUBS[$g]}
}

# host_add I [UNDERLAY_IP]: enrols fake host f<I> with a port in the network.
host_add() {
	local key=$W/f$1.key pub ip=${2:-198.19.$(($1 / 250)).$(($1 % 250 + 1))}
	"$AGENT" --genkey "$key" >/dev/null
	pub=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$key")
	tctl host create name="f$1" public_key="$pub" underlay_ip="$ip" >/dev/null
	if [ "$1" = snap ]; then N=$NET S=$SUB; else net_of "$1"; fi
	tctl port create network_id="$N" name="p$1" fixed_ip="$S" binding_host="f$1" \
		binding_interface="vif$1" >/dev/null
}

# agent_start I: starts fake agent f<I>.
agent_start() {
	"$AGENT" --host "f$1" --controller "$SB" --controller-key "$W/ctl/server.pub" \
		--key "$W/f$1.key" --fake-datapath --state-dir "$W/state" \
		--log-level info >>"$W/agent-f$1.log" 2>&1 &
	AGENT_PIDS+=($!)
}

connected() {
	[ "$(tctl host list | jq "[.hosts[] | select(.state == \"connected\")] | length")" -ge "$1" ]
}

# agents_up FROM TO: enrols and starts f<FROM>..f<TO-1>, waits for them.
agents_up() {
	local i
	for ((i = $1; i < $2; i++)); do host_add "$i"; done
	for ((i = $1; i < $2; i++)); do agent_start "$i"; done
	poll 60 connected "$2" || { echo "control.sh: agents did not connect" >&2; tctl host list >&2; return 1; }
	curl -sf -H "Authorization: Bearer $(cat "$W/ctl/admin.token")" \
		"http://$API/v1/wait?timeout_ms=60000" >/dev/null
}

# rtt_and_converge N: converge samples with N agents (and the API round
# trip baseline, measured with 10 agents connected).
rtt_and_converge() {
	local n=$1 r
	for ((r = 0; r < RUNS; r++)); do
		[ "$n" = 10 ] && want control.api_rtt && cb --name control.api_rtt rtt --count $((SAMPLES / RUNS))
		want "control.converge_${n}_agents" &&
			cb --name "control.converge_${n}_agents" --baseline control.api_rtt converge \
				--network "$NET" --subnet "$SUB" --hosts f --n-hosts "$((n < PER_NET ? n : PER_NET))" \
				--count $((SAMPLES / RUNS))
	done
	return 0
}

rates() {
	local suffix=$1 r
	for ((r = 0; r < RUNS; r++)); do
		want control.api_reads_1 && [ -z "$suffix" ] &&
			cb --name control.api_reads_1 reads --clients 1 --seconds "$SECS"
		want "control.api_writes_1$suffix" && [ -z "$suffix" ] &&
			cb --name "control.api_writes_1" --baseline control.api_reads_1 writes \
				--network "$NET" --clients 1 --seconds "$SECS"
		want "control.api_writes_16$suffix" &&
			cb --name "control.api_writes_16$suffix" --baseline control.api_writes_1 writes \
				--network "$NET" --clients 16 --seconds "$SECS"
	done
	return 0
}

if want control.api_writes_1 || want control.api_writes_16 || want control.api_reads_1; then
	# a controller of its own, no host enrolled: the API and the store alone
	setup
	rates ""
fi

# a fresh controller: converge and snapshot figures do not depend on how many
# ports the write-rate runs left behind
setup
if want control.converge_10_agents || want control.api_rtt || want control.converge_100_agents ||
	want control.api_writes_16_100_agents; then
	agents_up 0 10
	if want control.converge_10_agents || want control.api_rtt; then
		rtt_and_converge 10
	fi
	if want control.converge_100_agents || want control.api_writes_16_100_agents; then
		agents_up 10 100
		rtt_and_converge 100
		rates _100_agents
	fi
	for p in "${AGENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${AGENT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	AGENT_PIDS=()
fi

# fake_enrol N: enrols fake hosts f0..f<N-1> from $W/fa.keys (bench/fakeagents
# genkeys), each with a port in the network of its group (net_of), through
# the API: FA_JOBS curl processes, each one keep-alive connection working
# through a config file of requests (no process a host; concurrent writes
# let the controller publish once for several).
FA_JOBS=8
fake_enrol() {
	local n=$1 i j name pub sec ip tok hdr
	tok=$(cat "$W/ctl/admin.token")
	hdr='request = "POST"\nheader = "Authorization: Bearer '$tok'"\nheader = "Content-Type: application/json"\nfail\nsilent\nshow-error\noutput = "/dev/null"\n'
	rm -f "$W"/fa-hosts.*.curl "$W"/fa-ports.*.curl
	i=0
	while read -r name pub sec; do
		[ "$i" -lt "$n" ] || break
		j=$((i % FA_JOBS))
		ip=198.19.$((i / 250)).$((i % 250 + 1))
		net_of "$i"
		[ -s "$W/fa-hosts.$j.curl" ] && echo next >>"$W/fa-hosts.$j.curl"
		[ -s "$W/fa-ports.$j.curl" ] && echo next >>"$W/fa-ports.$j.curl"
		printf 'url = "http://%s/v1/hosts"\n'"$hdr"'data = "{\\"name\\": \\"%s\\", \\"public_key\\": \\"%s\\", \\"underlay_ip\\": \\"%s\\"}"\n' \
			"$API" "$name" "$pub" "$ip" >>"$W/fa-hosts.$j.curl"
		printf 'url = "http://%s/v1/ports"\n'"$hdr"'data = "{\\"network_id\\": \\"%s\\", \\"name\\": \\"p%s\\", \\"fixed_ips\\": [{\\"subnet_id\\": \\"%s\\"}], \\"binding\\": {\\"host\\": \\"%s\\", \\"interface\\": \\"vif%s\\"}}"\n' \
			"$API" "$N" "$i" "$S" "$name" "$i" >>"$W/fa-ports.$j.curl"
		i=$((i + 1))
	done <"$W/fa.keys"
	local pids=()
	for f in "$W"/fa-hosts.*.curl; do curl -K "$f" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p"; done
	pids=()
	for f in "$W"/fa-ports.*.curl; do curl -K "$f" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p"; done
}

# fake_converge N FIGURE: converge samples on a fresh controller with N
# hosts (in networks of PER_NET), all served by one fakeagents process.
fake_converge() {
	local n=$1 fig=$2 r p
	setup
	"$FA" genkeys --count "$n" --prefix f --out "$W/fa.keys"
	fake_enrol "$n"
	"$FA" run --controller "$SB" --controller-key "$W/ctl/server.pub" --keys "$W/fa.keys" \
		2>"$W/fakeagents.log" &
	AGENT_PIDS+=($!)
	poll 120 connected "$n" || { echo "control.sh: fake agents did not connect" >&2; exit 1; }
	curl -sf -H "Authorization: Bearer $(cat "$W/ctl/admin.token")" \
		"http://$API/v1/wait?timeout_ms=60000" >/dev/null
	for ((r = 0; r < RUNS; r++)); do
		cb --name "$fig" --baseline control.converge_100_agents converge \
			--network "$NET" --subnet "$SUB" --hosts f --n-hosts "$((n < PER_NET ? n : PER_NET))" \
			--count $((SAMPLES / RUNS))
	done
	for p in "${AGENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${AGENT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	AGENT_PIDS=()
	setup
}

# the same change as converge_100_agents with the agents' own work left
# out: the controller and the protocol alone
want control.converge_100_fake_agents && fake_converge 100 control.converge_100_fake_agents
want control.converge_1000_agents && fake_converge 1000 control.converge_1000_agents

if want control.snapshot_10k_ports || want control.converge_10k_port_host; then
	host_add snap 198.19.255.1
	# the host has one port from host_add; the rest, to make 10,000, goes
	# straight into the store (through the API each write recompiles every
	# host: many minutes)
	ctl_stop
	"$BUILD/bench/storefill" "$W/ctl" "$TID" fsnap $((SNAP_PORTS - 1)) 25
	ctl_start
	for ((r = 0; r < SNAP_RUNS; r++)); do
		want control.snapshot_10k_ports || break
		rm -rf "$W/snapstate"
		cb --name control.snapshot_10k_ports snapshot --host fsnap --sb-port "$SB_PORT" -- \
			"$AGENT" --host fsnap --controller "$SB" --controller-key "$W/ctl/server.pub" \
			--key "$W/fsnap.key" --fake-datapath --state-dir "$W/snapstate" --log-level warn
	done
fi

# snap_acked: fake host fsnap acked the store's revision.
snap_acked() {
	local rev
	rev=$(tctl status | jq -er .revision)
	[ "$(tctl host show fsnap | jq -er .applied_revision)" -ge "$rev" ]
}

if want control.converge_10k_port_host; then
	# the same host, connected, gets one more port in its first network
	SFNET=$(curl -sf -H "Authorization: Bearer $(cat "$W/ctl/admin.token")" \
		"http://$API/v1/networks?name=sf0" | jq -er '.networks[0].id')
	agent_start snap
	poll 60 snap_acked || { echo "control.sh: fsnap did not catch up" >&2; exit 1; }
	for ((r = 0; r < RUNS; r++)); do
		cb --name control.converge_10k_port_host converge --network "$SFNET" --hosts fsnap \
			--n-hosts 0 --count $((SAMPLES / RUNS))
	done
fi
