#!/bin/bash
# tenetctl against a cluster: --api lists every node; each write carries an
# Idempotency-Key drawn once per invocation and is retried with it (on a
# connection failure: next node; on 503 no_leader / unknown_outcome: backing
# off). A loop of `tenetctl tenant create` runs while the leader is
# SIGKILLed: every invocation must succeed, and every tenant must exist
# exactly once on the surviving nodes.
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init
CLI="$BUILD/cli/tenetctl"

N_WRITES=40
KILL_AT=10
cl_cluster3
cl_log "leader is node $L"
# the leader first in the list, so that its death is a connection failure
APIS="http://$(cl_api "$L")"
for i in 1 2 3; do [ "$i" != "$L" ] && APIS="$APIS,http://$(cl_api "$i")"; done

# one key per invocation, sent with the write
"$CLI" --api "$APIS" --token "$TOKEN" tenant create name=probe >/dev/null ||
	cl_fail "tenetctl write with an --api list failed"
"$CLI" --api "http://127.0.0.1:1,$APIS" --token "$TOKEN" tenant show probe >/dev/null ||
	cl_fail "tenetctl did not move on from an unreachable first URL"
cl_log "tenetctl takes a list of API URLs and skips a dead one"

writer() {
	local i
	for i in $(seq 1 $N_WRITES); do
		if "$CLI" --api "$APIS" --token "$TOKEN" --timeout 5 tenant create name="w-$i" \
			>/dev/null 2>>"$CL_DIR/cli.err"; then
			echo "w-$i" >>"$CL_DIR/acked"
		else
			echo "w-$i exit $?" >>"$CL_DIR/errors"
		fi
	done
}
: >"$CL_DIR/acked"
: >"$CL_DIR/errors"
writer &
WPID=$!
acked() { [ "$(wc -l <"$CL_DIR/acked")" -ge "$1" ]; }
cl_wait 60 acked $KILL_AT || cl_fail "writes do not progress"
cl_kill "$L"
cl_log "SIGKILLed leader node $L after $(wc -l <"$CL_DIR/acked") writes"
OTHERS=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done | tr '\n' ' ')
wait "$WPID"
[ -s "$CL_DIR/errors" ] && cl_fail "failed writes: $(cat "$CL_DIR/errors"; tail -5 "$CL_DIR/cli.err")"
# shellcheck disable=SC2086
cl_wait 30 cl_has_leader $OTHERS || cl_fail "no new leader"
for id in $OTHERS; do
	# shellcheck disable=SC2086
	cl_wait 20 cl_caught_up $OTHERS || cl_fail "survivors do not converge"
	got=$(cl_names "$id" | grep -c '^w-')
	uniq=$(cl_names "$id" | grep '^w-' | sort -u | wc -l)
	[ "$got" = $N_WRITES ] && [ "$uniq" = $N_WRITES ] ||
		cl_fail "node $id has $got tenants w-* ($uniq distinct), want $N_WRITES"
done
cl_log "all $N_WRITES writes acknowledged and applied exactly once across the leader's death"
cl_log "PASS"
