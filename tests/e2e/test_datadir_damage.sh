#!/usr/bin/env bash
# A damaged controller data directory gives an error naming the file and
# what to restore, or the documented rebuild; never a crash (no signal exit,
# no sanitizer report) and never a silent change. One controller on
# 127.0.0.1 (ports picked by the kernel / ZeroMQ) writes some state and is
# stopped; each case starts from a copy of that healthy directory, damages
# one file and starts the controller again:
#   data.mdb truncated / zeroed                 -> refused, says what to do
#   data.mdb emptied, Raft log present          -> rebuilt from the log: the
#                                                  data and the old token stay
#   server.cert_secret deleted / truncated /
#   another key pair's                          -> refused, certificate kept
#   admin.token truncated / empty / not hex,
#   --admin-token FILE truncated                -> refused naming the file
# Usage: test_datadir_damage.sh BUILD_DIR
set -uo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init datadir "${1:-}"
t_need "$CTL" "$AGENT"
D=$TMP/data
PID=

# start: runs the controller on $D in the background, waits for its ready
# line (deadline 20 s) and sets BASE.
start() {
	: >"$TMP/ctl.log"
	t_spawn "$TMP/ctl.log" "$CTL" --data "$D" --api 127.0.0.1:0 --southbound 'tcp://127.0.0.1:*'
	PID=$T_PID
	t_ctl_ready "$TMP/ctl.log" "$PID" || exit 1
	BASE="http://$T_API/v1"
}

# stop: SIGTERM, wait; the controller must exit 0.
stop() {
	kill -TERM "$PID"
	wait "$PID"
	local rc=$?
	PID=
	[ "$rc" = 0 ] || fail "controller exited $rc on SIGTERM"
}

# code TOKEN METHOD PATH [BODY]: the HTTP status of the request.
code() {
	local args=(-s -o "$TMP/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1")
	[ -n "${4-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}" "$BASE$3"
}

# restore: the healthy directory again.
restore() {
	rm -rf "$D"
	cp -a "$TMP/good" "$D"
}

# refused NAME PATTERN [ARGS...]: the controller, started on the damaged $D,
# exits 1 (not a signal, not still running after 20 s) with a log line
# matching PATTERN and no sanitizer report; the certificate is unchanged.
refused() {
	local name=$1 pattern=$2 rc
	shift 2
	timeout -s KILL 20 "$CTL" --data "$D" --api 127.0.0.1:0 \
		--southbound 'tcp://127.0.0.1:*' "$@" >"$TMP/case.log" 2>&1
	rc=$?
	if [ "$rc" != 1 ]; then
		fail "$name: exit status $rc, want 1 (137: still running, >128: a signal)"
	elif ! grep -q -- "$pattern" "$TMP/case.log"; then
		fail "$name: no message matching '$pattern'"
	elif ! t_sanitizer_clean "$TMP/case.log"; then
		fail "$name: sanitizer report"
	elif [ -e "$D/server.cert" ] && ! cmp -s "$D/server.cert" "$TMP/good/server.cert"; then
		fail "$name: server.cert was replaced"
	else
		ok "$name: refused ($(grep -o -m1 -- "$pattern" "$TMP/case.log"))"
		return 0
	fi
	sed 's/^/    /' "$TMP/case.log" | tail -5 >&2
	return 1
}

# ---- a healthy directory with some state ----
start
TOKEN=$(cat "$D/admin.token")
for i in 1 2 3 4 5 6 7 8; do
	[ "$(code "$TOKEN" POST /tenants "{\"name\":\"t$i\"}")" = 201 ] || die "create tenant t$i"
done
TID=$(jq -er .id "$TMP/body") || die "no tenant id"
[ "$(code "$TOKEN" GET "/tenants/$TID")" = 200 ] || die "tenant not readable"
stop
t_sanitizer_clean "$TMP/ctl.log" || die "sanitizer report on the healthy run"
cp -a "$D" "$TMP/good"
[ -s "$D/raft/metadata1" ] || [ -s "$D/raft/metadata2" ] || die "no Raft log in $D/raft"
ok "healthy directory: 8 tenants, token and certificate written"

# ---- data.mdb ----
restore
truncate -s 8192 "$D/data.mdb"
refused "data.mdb truncated to its meta pages" "data.mdb is truncated"

restore
size=$(stat -c %s "$D/data.mdb")
head -c "$size" /dev/zero >"$D/data.mdb"
refused "data.mdb zeroed ($size bytes)" "data.mdb is not an LMDB file"

restore
: >"$D/data.mdb"
rm -f "$D/lock.mdb"
start
grep -q "admin token hash restored from" "$TMP/ctl.log" || fail "rebuild: the token was not taken from admin.token"
cmp -s "$D/admin.token" "$TMP/good/admin.token" || fail "rebuild: admin.token was rewritten"
deadline=$((SECONDS + 20))
until [ "$(code "$TOKEN" GET "/tenants/$TID")" = 200 ]; do
	[ $SECONDS -lt $deadline ] || break
	sleep 0.1
done
if [ "$(code "$TOKEN" GET "/tenants/$TID")" = 200 ] && [ "$(code "$TOKEN" GET /tenants)" = 200 ] &&
	[ "$(jq '.tenants | length' "$TMP/body")" = 8 ]; then
	ok "data.mdb emptied with the Raft log present: rebuilt by replay, 8 tenants, old token valid"
else
	fail "data.mdb emptied: the old token or the data did not survive the rebuild ($(cat "$TMP/body"))"
fi
stop
t_sanitizer_clean "$TMP/ctl.log" || fail "rebuild: sanitizer report"

# ---- server.cert_secret ----
restore
rm -f "$D/server.cert_secret"
refused "server.cert_secret deleted" "server secret key missing path=$D/server.cert_secret"

restore
truncate -s 120 "$D/server.cert_secret"
refused "server.cert_secret truncated" "server secret key is damaged path=$D/server.cert_secret"

restore
"$AGENT" --genkey "$TMP/other.key" >/dev/null || die "genkey"
cp "$TMP/other.key_secret" "$D/server.cert_secret"
refused "server.cert_secret of another key pair" "server certificate names another key"

restore
rm -f "$D/server.cert"
start
if ! cmp -s "$D/server.pub" "$TMP/good/server.pub"; then
	fail "server.cert deleted: server.pub changed"
elif ! grep -q "rewritten from" "$TMP/ctl.log"; then
	fail "server.cert deleted: not rewritten from the secret"
else
	ok "server.cert deleted: rewritten from server.cert_secret, same key"
fi
stop

# ---- admin.token ----
restore
truncate -s 20 "$D/admin.token"
refused "admin.token truncated" "malformed admin token path=$D/admin.token"

restore
: >"$D/admin.token"
refused "admin.token empty" "malformed admin token path=$D/admin.token"

restore
printf '%s\n' "$(tr 0-9a-f g-v <"$TMP/good/admin.token")" >"$D/admin.token"
refused "admin.token not hex" "malformed admin token path=$D/admin.token"

restore
head -c 40 "$TMP/good/admin.token" >"$TMP/shared.token"
refused "--admin-token FILE truncated" "malformed admin token path=$TMP/shared.token" \
	--admin-token "$TMP/shared.token"

# ---- the healthy directory still starts, with the same token ----
restore
start
if [ "$(code "$TOKEN" GET "/tenants/$TID")" = 200 ]; then
	ok "restored directory starts with the old token"
else
	fail "restored directory: token or data lost"
fi
stop

t_finish "e2e datadir damage"
