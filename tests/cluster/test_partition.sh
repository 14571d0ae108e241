#!/bin/bash
# Minority partition. Three controllers, each in its own network namespace
# on one bridge; the LEADER's link is cut (carrier down: no Raft traffic in
# or out, while a client inside its namespace still reaches its API). The
# majority elects a new leader and keeps acknowledging writes; the cut-off
# node acknowledges none (its write hangs without quorum and ends in a 503
# once it steps down, or it redirects to a leader it cannot reach). After
# the cut heals it catches up, and the write it never acknowledged, retried
# with the same Idempotency-Key on the majority, exists exactly once.
set -u
BUILD=${1:?build dir}
. "$(dirname "$0")/lib.sh"
cl_init
cl_netns_init 3

cl_cluster3
C=$L
for i in 1 2 3; do [ "$(cl_create "$i" "pre-$i" "pkey-pre-$i")" = 201 ] || cl_fail "pre write $i"; done
MAJ=$(for i in 1 2 3; do [ "$i" != "$C" ] && echo "$i"; done | tr '\n' ' ')
cl_log "cutting the leader, node $C, off (majority: $MAJ)"
cl_cut "$C"

# a client that gives up while its write waits for a quorum: the node must
# drop the answer quietly (the sanitizer check at cleanup covers it)
cl_in "$C" curl -s --max-time 0.3 -o /dev/null -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' -d '{"name":"abandoned"}' \
	"http://$(cl_api "$C")/v1/tenants"
code=$(cl_create "$C" "cut-write" "pkey-cut")
[ "$code" != 201 ] || cl_fail "the cut-off node acknowledged a write"
cl_log "write on the cut-off node: HTTP $code (not acknowledged)"
# shellcheck disable=SC2086
cl_wait 30 cl_has_leader $MAJ || cl_fail "majority elected no leader"
# shellcheck disable=SC2086
NL=$(cl_leader_of $MAJ)
cl_log "majority leader: node $NL"
for i in $(seq 1 10); do
	for n in $MAJ; do
		code=$(cl_create "$n" "maj-$n-$i" "pkey-maj-$n-$i")
		[ "$code" = 201 ] || cl_fail "majority write maj-$n-$i got $code"
	done
done
cl_log "majority acknowledged 20 writes"
not_leader() { [ "$(cl_status "$C" state)" != leader ]; }
cl_wait 10 not_leader || cl_fail "the cut-off node still believes it leads"
code=$(cl_create "$C" "cut-write-2" "pkey-cut-2")
[ "$code" != 201 ] || cl_fail "the cut-off node acknowledged a write"
cl_log "cut-off node stepped down; a second write there: HTTP $code"
# readiness follows: the cut-off node knows no leader (503 naming why), the
# majority's are ready; /healthz is fine on all (the process is alive)
readyz() { cl_in "$1" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://$(cl_api "$1")/readyz"; }
not_ready() { [ "$(readyz "$C")" = 503 ]; }
cl_wait 30 not_ready || cl_fail "the cut-off node says it is ready"
cl_in "$C" curl -s --max-time 5 "http://$(cl_api "$C")/readyz" | grep -q 'no Raft leader known' ||
	cl_fail "/readyz on the cut-off node does not say why"
for n in $MAJ; do
	[ "$(readyz "$n")" = 200 ] || cl_fail "majority node $n not ready"
done
[ "$(cl_in "$C" curl -s --max-time 5 "http://$(cl_api "$C")/healthz")" = ok ] ||
	cl_fail "/healthz on the cut-off node"

cl_heal "$C"
cl_log "healed"
cl_wait 60 cl_caught_up "$NL" 1 2 3 || cl_fail "node $C did not catch up"
ready_again() { [ "$(readyz "$C")" = 200 ]; }
cl_wait 30 ready_again || cl_fail "node $C not ready after healing"
code=$(cl_create "$NL" "cut-write" "pkey-cut")
[ "$code" = 201 ] || cl_fail "retry got $code"
cl_wait 30 cl_caught_up "$NL" 1 2 3 || cl_fail "not converged"
for i in 1 2 3; do
	cl_names "$i" >"$CL_DIR/names.$i"
	[ -z "$(uniq -d "$CL_DIR/names.$i")" ] || cl_fail "node $i has duplicates"
	grep -qx cut-write "$CL_DIR/names.$i" || cl_fail "node $i misses the retried write"
	grep -qx abandoned "$CL_DIR/names.$i" && cl_fail "node $i has the abandoned write"
	grep -qx cut-write-2 "$CL_DIR/names.$i" && cl_fail "node $i has a write never acknowledged nor retried"
	[ "$(grep -c '^maj-' "$CL_DIR/names.$i")" = 20 ] || cl_fail "node $i misses majority writes"
done
cmp -s "$CL_DIR/names.1" "$CL_DIR/names.2" && cmp -s "$CL_DIR/names.1" "$CL_DIR/names.3" ||
	cl_fail "nodes differ"
cl_log "node $C caught up: revision $(cl_revision "$C") on every node"
cl_log "PASS"
