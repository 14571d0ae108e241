#!/usr/bin/env bash
# TLS for the REST API (issue 8, item 3), in a namespace of the test's own
# with the controllers' addresses on its loopback device (198.18.7.1-3):
# - plain HTTP on a non-loopback address is refused at start, and starts
#   with --insecure-http;
# - a controller with --tls-cert/--tls-key (a CA and a certificate made
#   here, SAN = its IP) serves tenetctl --cacert (and TENET_CACERT) and curl;
#   another CA, no CA, and http:// are refused with a clear message;
# - tenetctl follows a 307 only to a member of the cluster it was given, with
#   the same scheme: a fake API answering 307 to a recording listener gets
#   no request there (no token), unless the listener is in --api;
# - a 3-node TLS cluster: a write on a follower follows the https:// 307 to
#   the leader, and nodes ask each other over HTTPS.
# Usage: test_api_tls.sh BUILD_DIR
set -uo pipefail

. "$(dirname "$0")/../lib/common.sh"
t_init tls "${1:-}"
NS=ttls$$
inns() { ip netns exec "$NS" "$@"; }

t_need "$CTL" "$CLI" openssl python3 curl jq
t_netns "$NS"
for i in 1 2 3; do ip -n "$NS" addr add "198.18.7.$i/32" dev lo; done

echo "# certificates"
cd "$TMP" || die "no $TMP"
mkcert() { # mkcert NAME SAN...: NAME.pem/NAME.key signed by ca
	local name=$1 san
	shift
	san=$(printf 'IP:%s,' "$@")
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
		-out "$name.csr" -subj "/CN=$name" 2>/dev/null &&
		printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
			"${san%,}" >"$name.ext" &&
		openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out "$name.pem" -days 2 -extfile "$name.ext" 2>/dev/null
}
for ca in ca other-ca; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca.key" \
		-out "$ca.pem" -days 2 -subj "/CN=tenet test $ca" 2>/dev/null || die "openssl: $ca"
done
mkcert single 198.18.7.1 || die "openssl: server certificate"
mkcert nodes 198.18.7.1 198.18.7.2 198.18.7.3 || die "openssl: cluster certificate"
ok "CA, other CA, certificates with the controllers' IPs"

echo "# plain HTTP on a non-loopback address"
inns timeout 20 "$CTL" --data "$TMP/plain" --api 198.18.7.1:8080 \
	--southbound tcp://127.0.0.1:6641 >"$TMP/plain.log" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "plain HTTP refused on a non-loopback address" "$TMP/plain.log"; then
	ok "refused at start (exit $rc): $(grep -o 'plain HTTP refused.*' "$TMP/plain.log")"
else
	fail "plain HTTP on 198.18.7.1 without --insecure-http: exit $rc"
fi
t_spawn "$TMP/plain.log" ip netns exec "$NS" "$CTL" --data "$TMP/plain" \
	--api 198.18.7.1:8080 --insecure-http --southbound tcp://127.0.0.1:6641
PLAIN=$T_PID
wait_for 20 "plain controller's token" test -s "$TMP/plain/admin.token" &&
	inns "$CLI" --api http://198.18.7.1:8080 --token-file "$TMP/plain/admin.token" status >/dev/null &&
	ok "starts and serves with --insecure-http" || fail "plain HTTP with --insecure-http"
kill -TERM $PLAIN
wait $PLAIN

echo "# one controller over TLS"
t_spawn "$TMP/tls.log" ip netns exec "$NS" "$CTL" --data "$TMP/tls" --api 198.18.7.1:8443 \
	--tls-cert single.pem --tls-key single.key --southbound tcp://127.0.0.1:6641
wait_for 20 "TLS controller's token" test -s "$TMP/tls/admin.token" || die "TLS controller did not start"
TLS_API=https://198.18.7.1:8443
tctl() { inns "$CLI" --api "$TLS_API" --token-file "$TMP/tls/admin.token" "$@"; }
wait_for 10 "tenetctl --cacert status" tctl --cacert ca.pem status >/dev/null || fail "tenetctl --cacert status"
tctl --cacert ca.pem tenant create name=over-tls >/dev/null &&
	[ "$(tctl --cacert ca.pem -o json tenant show over-tls | jq -r .name)" = over-tls ] &&
	ok "tenetctl --cacert: write and read over HTTPS" || fail "tenetctl over TLS"
TENET_CACERT=$TMP/ca.pem tctl tenant show over-tls >/dev/null &&
	ok "TENET_CACERT works like --cacert" || fail "TENET_CACERT"
code=$(inns curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem \
	-H "Authorization: Bearer $(cat "$TMP/tls/admin.token")" "$TLS_API/v1/status")
[ "$code" = 200 ] && ok "curl --cacert: 200" || fail "curl over TLS: $code"
# handshake(VERSION): an s_client handshake with only that version offered
# (security level 0, so the client itself would allow TLS 1.1)
handshake() {
	inns timeout 10 openssl s_client -connect 198.18.7.1:8443 "-$1" -CAfile ca.pem \
		-cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$TMP/s_client.out" 2>&1
}
handshake tls1_2 && grep -q "Verify return code: 0" "$TMP/s_client.out" &&
	ok "TLS 1.2 handshake, certificate verified" || fail "TLS 1.2: $(tail -5 "$TMP/s_client.out")"
handshake tls1_1 && fail "TLS 1.1 accepted" || ok "TLS 1.1 refused"
code=$(inns curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://198.18.7.1:8443/v1/status)
[ "$code" = 000 ] && ok "no plain HTTP on the TLS port" || fail "plain HTTP on the TLS port: $code"

# refused EXIT_WANT PATTERN WHAT CMD...: CMD fails with that exit code and
# stderr matching PATTERN.
refused() {
	local want=$1 pat=$2 what=$3 rc
	shift 3
	"$@" >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc = "$want" ] && grep -q "$pat" "$TMP/err"; then
		ok "$what refused (exit $rc): $(head -c 200 "$TMP/err")"
	else
		fail "$what: exit $rc, stderr: $(cat "$TMP/err")"
	fi
}
refused 4 "TLS certificate is not trusted" "another CA" tctl --cacert other-ca.pem status
refused 4 "TLS certificate is not trusted" "no CA (system CAs only)" tctl status
t_sanitizer_clean "$TMP"/*.log || fail "sanitizer report"

echo "# 307 only to members of the cluster given, token never sent elsewhere"
cat >"$TMP/fake.py" <<'PY'
import http.server, json, sys
mode, port, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def handle_one(self):
        if mode == "redirect":  # every request: 307 to arg
            self.send_response(307)
            self.send_header("Location", arg + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        with open(arg, "a") as f:  # record the request and its token
            f.write("%s %s auth=%s\n" % (self.command, self.path,
                                         self.headers.get("Authorization", "-")))
        body = json.dumps({"id": "x", "name": "x"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = handle_one
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
: >"$TMP/recorded"
t_spawn "$TMP/rec.log" ip netns exec "$NS" python3 "$TMP/fake.py" record 9002 "$TMP/recorded"
t_spawn "$TMP/redir.log" ip netns exec "$NS" python3 "$TMP/fake.py" redirect 9001 \
	http://127.0.0.1:9002
t_spawn "$TMP/redir2.log" ip netns exec "$NS" python3 "$TMP/fake.py" redirect 9003 \
	https://127.0.0.1:9002
wait_for 10 "recorder up" inns curl -s -o /dev/null http://127.0.0.1:9002/ready ||
	die "recorder not up"
wait_for 10 "fake API up" inns curl -s -o /dev/null http://127.0.0.1:9001/ready ||
	die "fake API not up"
wait_for 10 "fake API up" inns curl -s -o /dev/null http://127.0.0.1:9003/ready ||
	die "fake API not up"
: >"$TMP/recorded"
refused 4 "refusing to follow a redirect to http://127.0.0.1:9002" "307 to a non-member" \
	inns "$CLI" --api http://127.0.0.1:9001 --token s3cret tenant create name=x
[ ! -s "$TMP/recorded" ] && ok "the non-member got no request, no token" ||
	fail "the non-member got: $(cat "$TMP/recorded")"
refused 4 "refusing to follow a redirect to https://127.0.0.1:9002" \
	"307 to a member under another scheme" \
	inns "$CLI" --api http://127.0.0.1:9003,http://127.0.0.1:9002 --token s3cret tenant create name=x
[ ! -s "$TMP/recorded" ] && ok "nothing sent under the other scheme" ||
	fail "sent under another scheme: $(cat "$TMP/recorded")"
# control: with the listener in --api the 307 is followed and it sees the token
inns "$CLI" --api http://127.0.0.1:9001,http://127.0.0.1:9002 --token s3cret tenant create name=x \
	>/dev/null 2>"$TMP/err"
grep -q "POST /v1/tenants auth=Bearer s3cret" "$TMP/recorded" &&
	ok "a member in --api: 307 followed (the recorder sees requests)" ||
	fail "307 to a member not followed: $(cat "$TMP/err") / $(cat "$TMP/recorded")"

echo "# a 3-node cluster over TLS"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/cluster.key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/token"
PEERS=1@198.18.7.1:7000/198.18.7.1:8444,2@198.18.7.2:7000/198.18.7.2:8444,3@198.18.7.3:7000/198.18.7.3:8444
for i in 1 2 3; do
	t_spawn "$TMP/n$i.log" ip netns exec "$NS" "$CTL" --data "$TMP/n$i" \
		--api "198.18.7.$i:8444" --southbound "tcp://127.0.0.1:$((6650 + i))" --id $i \
		--raft "198.18.7.$i:7000" --peers "$PEERS" --cluster-key "$TMP/cluster.key" \
		--admin-token "$TMP/token" --tls-cert nodes.pem --tls-key nodes.key --tls-ca ca.pem \
		--log-level debug
done
nctl() { local i=$1; shift; inns "$CLI" --api "https://198.18.7.$i:8444" --cacert ca.pem --token-file "$TMP/token" "$@"; }
state() { nctl "$1" -o json cluster status 2>/dev/null | jq -r .state; }
leader() { for i in 1 2 3; do [ "$(state $i)" = leader ] && { echo $i; return 0; }; done; return 1; }
wait_for 30 "a leader" leader || die "no leader in the TLS cluster"
L=$(leader)
F=$((L % 3 + 1))
nctl "$F" tenant create name=via-follower >/dev/null 2>"$TMP/err" &&
	ok "write on follower $F followed the https:// 307 to leader $L" ||
	fail "write through follower $F: $(cat "$TMP/err")"
grep -q "writes go to the leader" "$TMP/err" && fail "307 not followed"
rows=$(nctl "$F" cluster status 2>&1 | grep -c "198.18.7")
[ "$rows" = 3 ] && ! nctl "$F" cluster status | grep -q unreachable &&
	ok "cluster status reaches every node over HTTPS" || fail "cluster status: $(nctl "$F" cluster status 2>&1)"
nctl "$F" host list >/dev/null || fail "host list on $F"
if grep -q "peer southbound view unavailable" "$TMP/n$F.log"; then
	fail "node $F could not ask its peers: $(grep -m1 'peer southbound view unavailable' "$TMP/n$F.log")"
else
	ok "node $F asked its peers over HTTPS (GET /v1/hosts merged their views)"
fi

for p in "${T_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null
T_PIDS=()
t_sanitizer_clean "$TMP"/*.log || fail "sanitizer report"

t_finish "e2e api_tls"
