# api.sh - REST calls for the API tests, sourced after common.sh. Needs
# TMP, BASE (http://ADDR/v1) and TOKEN; uses curl and jq.

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
