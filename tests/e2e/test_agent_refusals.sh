#!/usr/bin/env bash
# Hosts refuse clearly, and the controller says whom it refused.
#   --genkey DIR/sub/h1.key      -> creates DIR/sub (0700), the secret 0600,
#                                   FILE.pub, and prints a line a shell can
#                                   take as is: public_key='...'
#   --genkey on an existing key  -> refused (either file), --force replaces
#   host create public_key=@FILE -> the key read from FILE.pub or from the
#                                   czmq certificate; a secret file refused
#   an agent whose key is not enrolled -> its log says so once (with its
#      key's fingerprint), the controller logs the refused client with its
#      address and the same fingerprint once, however often it retries
#   an agent given a wrong --controller-key -> "wrong server key?"
#   an agent pointed where nothing listens  -> "controller unreachable",
#      once, however often it retries
#   an API request with a wrong token -> the controller logs the 401 with
#      the client's address and port
#   the right key and server key -> the host connects.
# The agents run with --fake-datapath in host h1's namespace (the southbound
# session is the same; nothing is loaded or pinned).
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
t_topo_init "${1:-}"
TOPO_QUIET=1
topo_underlay
topo_controller
NS=$TOPO_P-h1
topo_ns_add "$NS"
topo_plug "$NS" eth0 198.18.0.1

# ---- --genkey ----
K=$TOPO_DIR/keys/sub/h1.key
out=$("$AGENT_BIN" --genkey "$K" 2>"$TOPO_DIR/genkey.err") || fail "genkey into a missing directory"
[ "$(stat -c %a "$TOPO_DIR/keys") $(stat -c %a "$TOPO_DIR/keys/sub")" = "700 700" ] ||
	fail "genkey: directories not created 0700"
[ "$(stat -c %a "${K}_secret")" = 600 ] || fail "genkey: secret file not 0600"
PUB=$(cat "$K.pub")
[ ${#PUB} = 40 ] || fail "genkey: $K.pub does not hold a 40-character key"
[ "$out" = "public_key='$PUB'" ] || fail "genkey printed '$out', want public_key='$PUB'"
public_key=
eval "$out" # what pasting the line into a shell does
[ "$public_key" = "$PUB" ] || fail "the printed line does not survive a shell: '$public_key'"
grep -q "public_key=@$K.pub" "$TOPO_DIR/genkey.err" || fail "genkey: no enrolment hint on stderr"
ok "genkey: directories 0700, secret 0600, FILE.pub, a pasteable public_key='...' line"

sum=$(cat "$K" "${K}_secret" "$K.pub" | sha256sum)
"$AGENT_BIN" --genkey "$K" >/dev/null 2>"$TOPO_DIR/genkey.err" && fail "genkey replaced a key"
grep -q "refusing to replace the existing key $K" "$TOPO_DIR/genkey.err" ||
	fail "genkey: no refusal message: $(cat "$TOPO_DIR/genkey.err")"
mkdir -p "$TOPO_DIR/half"
touch "$TOPO_DIR/half/k_secret"
"$AGENT_BIN" --genkey "$TOPO_DIR/half/k" >/dev/null 2>&1 && fail "genkey replaced a lone _secret file"
[ -s "$TOPO_DIR/half/k_secret" ] && fail "genkey wrote over a lone _secret file"
[ "$(cat "$K" "${K}_secret" "$K.pub" | sha256sum)" = "$sum" ] || fail "a refused genkey changed the key"
"$AGENT_BIN" --genkey "$TOPO_DIR/keys" >/dev/null 2>&1 && fail "genkey took a directory for a key file"
cp "$K.pub" "$TOPO_DIR/old.pub"
"$AGENT_BIN" --genkey "$K" --force >/dev/null 2>&1 || fail "genkey --force failed"
cmp -s "$K.pub" "$TOPO_DIR/old.pub" && fail "genkey --force kept the old key"
[ "$(stat -c %a "${K}_secret")" = 600 ] || fail "genkey --force: secret file not 0600"
PUB=$(cat "$K.pub")
ok "genkey refuses to replace a key (either file), --force replaces it"

# ---- public_key=@FILE ----
tctl host create name=h1 public_key=@"$K.pub" underlay_ip=198.18.0.1 >/dev/null ||
	fail "host create public_key=@FILE.pub"
[ "$(tjson host show h1 | jq -r .public_key)" = "$PUB" ] || fail "h1's key is not the one in $K.pub"
"$AGENT_BIN" --genkey "$TOPO_DIR/h2.key" >/dev/null 2>&1 || die "genkey h2"
tctl host create name=h2 public_key=@"$TOPO_DIR/h2.key" underlay_ip=198.18.0.2 >/dev/null ||
	fail "host create public_key=@CERTIFICATE"
[ "$(tjson host show h2 | jq -r .public_key)" = "$(cat "$TOPO_DIR/h2.key.pub")" ] ||
	fail "h2's key is not the one in its certificate"
err=$(tctl host create name=h3 public_key=@"$TOPO_DIR/h2.key_secret" underlay_ip=198.18.0.3 2>&1) &&
	fail "a secret key file was accepted"
grep -q "secret key" <<<"$err" || fail "secret key file: unclear message: $err"
err=$(tctl host create name=h3 public_key=@"$TOPO_DIR/nosuch.pub" underlay_ip=198.18.0.3 2>&1) &&
	fail "a missing key file was accepted"
grep -q "cannot read key file" <<<"$err" || fail "missing key file: unclear message: $err"
ok "host create reads public_key=@FILE (FILE.pub or certificate), refuses a secret file"

# ---- agents the controller refuses ----
OTHER=$TOPO_DIR/other.key
"$AGENT_BIN" --genkey "$OTHER" >/dev/null 2>&1 || die "genkey other"

# run_agent NAME ARGS...: an agent for host h1 in h1's namespace, output in
# $TOPO_DIR/agent-NAME.log; sets PID.
run_agent() {
	local name=$1
	shift
	nsenter --net="/run/netns/$NS" "$AGENT_BIN" --host h1 --fake-datapath \
		--state-dir "$TOPO_DIR/state-$name" "$@" >"$TOPO_DIR/agent-$name.log" 2>&1 &
	PID=$!
	TOPO_PIDS+=("$PID")
}

# stop_agent NAME: stops the agent started last and checks its log for
# sanitizer reports.
stop_agent() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	t_sanitizer_clean "$TOPO_DIR/agent-$1.log" || fail "$1: sanitizer report"
}

# attempts NAME: how many sessions the agent has opened.
attempts() {
	grep -c "connecting endpoint=" "$TOPO_DIR/agent-$1.log"
}

# (1) a key that is not enrolled
run_agent unenrolled --controller "$TOPO_SB" --controller-key "$TOPO_CTL_PUB" --key "$OTHER"
LOG=$TOPO_DIR/agent-unenrolled.log
if wait_for 20 "not enrolled" grep -q "controller refused this host's key" "$LOG"; then
	fp=$(grep -o -m1 "refused this host's key.* fingerprint=[0-9a-f]*" "$LOG" | sed 's/.*fingerprint=//')
	[ ${#fp} = 16 ] || fail "unenrolled: no fingerprint in the agent's line"
	wait_for 20 "controller logs the refusal" grep -q \
		"southbound client refused addr=198.18.0.1 fingerprint=$fp reason=key_not_enrolled" \
		"$TOPO_DIR/controller.log" || fail "controller did not log the refused client with address and fingerprint $fp"
	wait_for 30 "three attempts" sh -c "[ \$(grep -c 'connecting endpoint=' '$LOG') -ge 3 ]" ||
		fail "unenrolled: the agent did not retry"
	n=$(grep -c "controller refused this host's key" "$LOG")
	[ "$n" = 1 ] || fail "unenrolled: $n lines for $(attempts unenrolled) attempts, want 1"
	n=$(grep -c "southbound client refused addr=198.18.0.1 fingerprint=$fp" "$TOPO_DIR/controller.log")
	[ "$n" = 1 ] || fail "controller: $n refusal lines for one (address, key) within a minute, want 1"
	ok "unenrolled key: agent and controller say so once each, fingerprint $fp on both sides"
else
	fail "unenrolled key: no 'controller refused this host's key' line"
fi
stop_agent unenrolled

# (2) the wrong server key
run_agent wrongkey --controller "$TOPO_SB" --controller-key "$TOPO_DIR/h2.key.pub" --key "$K"
if wait_for 20 "wrong server key" grep -q \
	"handshake with controller failed endpoint=$TOPO_SB: wrong server key?" \
	"$TOPO_DIR/agent-wrongkey.log"; then
	grep -q "controller refused this host's key\|controller unreachable" "$TOPO_DIR/agent-wrongkey.log" &&
		fail "wrong server key: mistaken for another refusal"
	ok "wrong --controller-key: 'wrong server key?'"
else
	fail "wrong server key: no 'wrong server key?' line"
fi
stop_agent wrongkey

# (3) nothing listens there (the controller's address, another port)
DEAD=tcp://$TOPO_CTL_IP:6650
run_agent dead --controller "$DEAD" --controller-key "$TOPO_CTL_PUB" --key "$K"
if wait_for 20 "unreachable" grep -q "controller unreachable endpoint=$DEAD" "$TOPO_DIR/agent-dead.log"; then
	wait_for 30 "three attempts" sh -c "[ \$(grep -c 'connecting endpoint=' '$TOPO_DIR/agent-dead.log') -ge 3 ]" ||
		fail "unreachable: the agent did not retry"
	n=$(grep -c "controller unreachable" "$TOPO_DIR/agent-dead.log")
	[ "$n" = 1 ] || fail "unreachable: $n lines for $(attempts dead) attempts, want 1"
	ok "nothing listening: 'controller unreachable', once"
else
	fail "unreachable: no 'controller unreachable' line"
fi
stop_agent dead

# (4) an API request with a wrong token, from h1's address
printf '%064d\n' 0 >"$TOPO_DIR/wrong.token"
ip netns exec "$NS" "$CLI_BIN" --api "$TOPO_API" --token-file "$TOPO_DIR/wrong.token" status \
	>/dev/null 2>&1 && fail "a wrong token was accepted"
if wait_for 10 "401 logged" grep -Eq \
	"api request refused status=401 peer=198\.18\.0\.1 port=[1-9][0-9]* reason=wrong_token" \
	"$TOPO_DIR/controller.log"; then
	ok "a wrong token: the controller logs the 401 with the client's address and port"
else
	fail "no log line for the refused API request"
fi

# The right key and server key: h1 (enrolled from its FILE.pub) connects.
run_agent good --controller "$TOPO_SB" --controller-key "$TOPO_CTL_PUB" --key "$K"
if wait_for 20 "h1 connected" topo_host_connected h1; then
	grep -q "controller accepted this host endpoint=$TOPO_SB host=h1" "$TOPO_DIR/agent-good.log" ||
		fail "connected agent did not log its acceptance"
	ok "the enrolled key connects"
else
	fail "h1 with its enrolled key did not connect"
fi
stop_agent good
t_sanitizer_clean "$TOPO_DIR/controller.log" || fail "controller: sanitizer report"

t_finish "e2e agent refusals"
