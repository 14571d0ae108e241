#!/usr/bin/env bash
# Only enrolled host keys get a session: an agent whose key is not the one
# enrolled for its host is refused by ZAP and never connects; a raw TCP client
# throwing garbage at the southbound port gets nothing and harms nothing; the
# rightful agent still connects afterwards.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
TOPO_QUIET=1
topo_underlay
topo_controller
sb_stat() {
	tjson status | jq -r ".southbound.$1 // 0"
}

# Host h1 enrolled with key A; its agent started with key B.
ns=$TOPO_P-h1
topo_ns_add "$ns"
topo_plug "$ns" eth0 198.18.0.1
TOPO_HOSTS+=(h1)
"$AGENT_BIN" --genkey "$TOPO_DIR/h1.key" >/dev/null || die "genkey"
"$AGENT_BIN" --genkey "$TOPO_DIR/impostor.key" >/dev/null || die "genkey"
pub=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$TOPO_DIR/h1.key")
tctl host create name=h1 public_key="$pub" underlay_ip=198.18.0.1 >/dev/null || die "enrol h1"
rev=$(tjson status | jq -er .revision)
denied0=$(sb_stat rx_unauthenticated)

nsenter --net="/run/netns/$ns" "$AGENT_BIN" --host h1 --controller "$TOPO_SB" \
	--controller-key "$TOPO_CTL_PUB" --key "$TOPO_DIR/impostor.key" --underlay eth0 --bpffs "$TOPO_BPFFS" \
	--state-dir "$TOPO_DIR/state" >"$TOPO_DIR/agent-impostor.log" 2>&1 &
imp=$!
TOPO_PIDS+=($imp)
wait_for 15 "impostor refused by ZAP" sh -c "[ \$(ip netns exec $TOPO_P-ctl $CLI_BIN --api $TOPO_API --token-file $TOPO_TOKEN_FILE -o json status | jq -r '.southbound.rx_unauthenticated // 0') -gt $denied0 ]" ||
	die "the controller did not count a refused key"
[ "$(tjson host show h1 | jq -r .state)" != connected ] || die "impostor got a session as h1"
[ "$(tjson host show h1 | jq -r .applied_revision)" = 0 ] || die "impostor acked a revision"
kill "$imp"
wait "$imp" 2>/dev/null

# Garbage on the wire: a raw TCP client, no ZMTP, no CURVE.
ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$TOPO_CTL_IP/6641 && head -c 4096 /dev/urandom >&3; exec 3>&-" ||
	true
tctl status >/dev/null || die "controller died after garbage on the southbound port"
[ "$(tjson status | jq -er .revision)" = "$rev" ] || die "revision changed"

# The rightful key still gets in.
topo_agent_start h1
echo "e2e southbound auth: PASS"
