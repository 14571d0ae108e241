# api.sh - REST calls for the API tests, sourced after common.sh. Needs
# TMP, BASE (http://ADDR/v1) and TOKEN (t_api_controller sets them); uses
# curl and jq.

# t_api_controller: starts a single-node tenet-controller with its data in
# $TMP/data, its API on a free port of 127.0.0.1, and waits until it is
# ready; sets BASE and TOKEN, and TENET_API / TENET_TOKEN_FILE for tenetctl.
t_api_controller() {
	t_spawn "$TMP/ctl.log" "$CTL" --data "$TMP/data" --api 127.0.0.1:0 \
		--southbound 'tcp://127.0.0.1:*' --log-level info
	t_ctl_ready "$TMP/ctl.log" "$T_PID" || return 1
	BASE="http://$T_API/v1"
	TOKEN=$(cat "$TMP/data/admin.token")
	export TENET_API="http://$T_API" TENET_TOKEN_FILE="$TMP/data/admin.token"
	ok "controller ready at $T_API"
}

# made ID-VAR METHOD PATH BODY: the call must answer 201; sets the variable to the id.
made() {
	local var=$1
	shift
	call "$@"
	expect 201 "$1 $2"
	printf -v "$var" '%s' "$(jget .id)"
}

# call METHOD PATH [BODY [CONTENT_TYPE]] -> CODE, BODY, REV; AUTH overrides the header.
call() {
	local method=$1 path=$2 body=${3-} ct=${4-application/json}
	local args=(-s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X "$method")
	args+=(-H "${AUTH-Authorization: Bearer $TOKEN}")
	if [ -n "$body" ]; then
		args+=(-H "Content-Type: $ct" --data-binary "$body")
	fi
	CODE=$(curl "${args[@]}" "$BASE$path")
	BODY=$(cat "$TMP/body")
	REV=$(tr -d '\r' <"$TMP/hdr" | awk 'tolower($1) == "x-tenet-revision:" { print $2 }')
}

# expect CODE DESCRIPTION: checks the last call's status.
expect() {
	if [ "$CODE" = "$1" ]; then ok "$2 -> $1"; else fail "$2: got $CODE, want $1: $BODY"; fi
}

# jget FILTER: a jq expression on the last body.
jget() { jq -r "$1" <<<"$BODY" 2>/dev/null; }

revision() {
	curl -s -H "Authorization: Bearer $TOKEN" "$BASE/status" | jq -r .revision
}

# bad METHOD PATH BODY CODE ERRCODE FIELD DESCRIPTION [CONTENT_TYPE]:
# expects the error, its body, and an unchanged revision.
bad() {
	local method=$1 path=$2 body=$3 code=$4 errcode=$5 field=$6 desc=$7 ct=${8-application/json}
	local before after
	before=$(revision)
	call "$method" "$path" "$body" "$ct"
	expect "$code" "$desc"
	if [ -n "$errcode" ] && [ "$(jget .error.code)" != "$errcode" ]; then
		fail "$desc: error code $(jget .error.code), want $errcode ($BODY)"
	fi
	if [ -n "$field" ] && [ "$(jget .error.field)" != "$field" ]; then
		fail "$desc: error field $(jget .error.field), want $field ($BODY)"
	fi
	[ "$REV" = "$before" ] || fail "$desc: X-Tenet-Revision $REV, want $before"
	after=$(revision)
	[ "$after" = "$before" ] || fail "$desc: revision moved $before -> $after"
}
