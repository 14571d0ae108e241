#!/usr/bin/env bash
# agent-entrypoint.sh enroll|run [extra tenet-agent args...]
#
# enroll: creates this host's CURVE key pair if it has none (in
#         $TENET_STATE_DIR, a volume shared with the agent container), enrols
#         the public key with the controller (`tenetctl host create`) unless
#         the host is already enrolled with that key, and copies the
#         controller's public key ($TENET_CONTROLLER_KEY_SRC) to
#         $TENET_CONTROLLER_KEY in the state volume. Needs the admin token
#         ($TENET_TOKEN_FILE); runs once, before the agent.
# run:    waits for the controller's public key, then runs tenet-agent. Sees
#         neither the admin token nor the controller's secret key.
#
# Environment: TENET_HOST (host name), TENET_UNDERLAY_IP (this host's underlay
# address), TENET_UNDERLAY (interface, default eth0), TENET_CONTROLLER
# (tcp://ADDR:6641), TENET_CONTROLLER_KEY (controller's server.pub),
# TENET_STATE_DIR (default /var/lib/tenet-agent); for enroll also TENET_API,
# TENET_TOKEN_FILE and TENET_CONTROLLER_KEY_SRC (server.pub in the controller's
# data dir).
set -euo pipefail

: "${TENET_HOST:?set TENET_HOST}"
STATE=${TENET_STATE_DIR:-/var/lib/tenet-agent}
KEY=$STATE/$TENET_HOST.key

say() { echo "agent-entrypoint: $*" >&2; }

# wait_for SECS DESC CMD...: polls CMD until it succeeds or SECS pass.
wait_for() {
	local secs=$1 desc=$2 deadline
	shift 2
	deadline=$(($(date +%s) + secs))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			say "timeout after ${secs}s: $desc"
			return 1
		fi
		sleep 0.5
	done
}

ensure_key() {
	mkdir -p "$STATE"
	if [ ! -s "$KEY" ]; then
		tenet-agent --genkey "$KEY" >/dev/null
		say "created key $KEY"
	fi
	PUB=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$KEY")
	[ -n "$PUB" ] || { say "no public key in $KEY"; exit 1; }
}

enroll() {
	: "${TENET_UNDERLAY_IP:?set TENET_UNDERLAY_IP}"
	ensure_key
	wait_for 120 "controller token ${TENET_TOKEN_FILE:-}" test -s "${TENET_TOKEN_FILE:?}"
	wait_for 120 "controller API at ${TENET_API:-}" tenetctl status
	cp "${TENET_CONTROLLER_KEY_SRC:?}" "${TENET_CONTROLLER_KEY:?}.tmp"
	mv "$TENET_CONTROLLER_KEY.tmp" "$TENET_CONTROLLER_KEY"
	if tenetctl -o json host show "$TENET_HOST" >/tmp/host.json 2>/dev/null; then
		if grep -qF "\"public_key\": \"$PUB\"" /tmp/host.json; then
			say "host $TENET_HOST already enrolled"
			return 0
		fi
		say "host $TENET_HOST enrolled with another key: updating it"
		tenetctl host update "$TENET_HOST" public_key="$PUB" underlay_ip="$TENET_UNDERLAY_IP"
		return 0
	fi
	tenetctl host create name="$TENET_HOST" public_key="$PUB" underlay_ip="$TENET_UNDERLAY_IP"
	say "enrolled host $TENET_HOST ($TENET_UNDERLAY_IP)"
}

run() {
	ensure_key
	wait_for 120 "controller key ${TENET_CONTROLLER_KEY:-}" test -s "${TENET_CONTROLLER_KEY:?}"
	exec tenet-agent --host "$TENET_HOST" --controller "${TENET_CONTROLLER:?}" \
		--controller-key "$TENET_CONTROLLER_KEY" --key "$KEY" \
		--underlay "${TENET_UNDERLAY:-eth0}" --state-dir "$STATE" "$@"
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case $cmd in
enroll) enroll ;;
run) run "$@" ;;
*) exec "$cmd" "$@" ;;
esac
