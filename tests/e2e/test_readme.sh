#!/usr/bin/env bash
# e2e.readme: the README's "By hand" section, run as written. Each ```sh
# block runs where the sentence before it says ("On the controller host",
# "On each host" — h1 as written, then h2 with the names and addresses the
# README gives for it; "On the controller host, once for each host" likewise
# on the controller — or "On h1"), in one shell per machine that lives
# for the whole run, like a terminal on that machine. The machines are
# network namespaces on an underlay bridge with the README's addresses and
# interface names. The test changes only directories (/var/lib/tenet,
# /etc/tenet, /var/log -> its own) and, for h2, the names and addresses the
# README names; never a command. The run has a mount namespace of its own
# with a private /run (so the README's `ip netns add vm1` and the agents'
# /run/tenet are the run's) and a private bpffs on /sys/fs/bpf (the agents'
# default pin path): nothing outside survives it.
# Usage: test_readme.sh BUILD_DIR
set -euo pipefail

BUILD=$(cd "${1:?usage: test_readme.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "${TENET_README_PRIVATE:-}" ]; then
	export TENET_README_PRIVATE=1
	exec unshare --mount --propagation private -- bash "$0" "$@"
fi

. "$SRC/tests/lib/common.sh"
TMP=$(mktemp -d /tmp/tenet-readme.XXXXXX)
PLACES=(ctl h1 h2)
declare -A ADDR=([ctl]=198.18.0.254 [h1]=198.18.0.1 [h2]=198.18.0.2)
declare -A SHELL_PID SHELL_FD ENDS

# Here every failure ends the run (a README block cannot go on after one).
fail() { die "$@"; }

cleanup() {
	local rc=$? p pid
	trap - EXIT
	set +eu
	if [ "$rc" != 0 ]; then
		for p in "${PLACES[@]}"; do
			[ -f "$TMP/$p.out" ] && { echo "--- $p terminal"; tail -30 "$TMP/$p.out"; }
			for f in "$TMP/$p/log"/*; do
				[ -f "$f" ] && { echo "--- $p $(basename "$f")"; tail -20 "$f"; }
			done
		done
	fi
	for p in "${PLACES[@]}"; do
		[ -e "/run/netns/$p" ] || continue
		for pid in $(ip netns pids "$p" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	done
	for p in vm1 vm2 "${PLACES[@]}" ul; do
		for pid in $(ip netns pids "$p" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	for p in "${PLACES[@]}"; do
		[ -n "${SHELL_PID[$p]:-}" ] && wait "${SHELL_PID[$p]}" 2>/dev/null
	done
	for p in vm1 vm2 "${PLACES[@]}" ul; do ip netns del "$p" 2>/dev/null; done
	t_sanitizer_clean "$TMP"/*/log/* || rc=1
	umount /sys/fs/bpf 2>/dev/null
	umount /run 2>/dev/null
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The run's own /run and bpffs (this mount namespace only).
mount -t tmpfs tenet-readme /run || fail "cannot mount a private /run"
mkdir -p /run/netns
mount -t bpf bpf /sys/fs/bpf || fail "cannot mount a private bpffs"

# The README's blocks: one line of JSON per block, {"place", "text"}.
python3 - "$SRC/README.md" >"$TMP/blocks" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
section = text.split("\n## By hand\n", 1)[1].split("\n## ", 1)[0]
place = None
for part in re.split(r"(```sh\n.*?```)", section, flags=re.S):
    if part.startswith("```sh"):
        if place is None:
            sys.exit("a block with no place before it")
        print(json.dumps({"place": place, "text": part[6:-3]}))
        place = None
        continue
    for para in part.split("\n\n"):
        m = re.match(r"\s*On (the controller host, once for each host|the controller host"
                     r"|each host|h1|h2)\b", para)
        if m:
            place = {"the controller host, once for each host": "ctl-each",
                     "the controller host": "ctl", "each host": "each"}.get(m.group(1), m.group(1))
EOF
[ "$(wc -l <"$TMP/blocks")" -ge 6 ] || fail "the README's By hand section has too few blocks"

# The machines: an underlay bridge, eth0 with the README's address on each.
ip netns add ul
ip -n ul link add br0 type bridge
ip -n ul link set br0 up
for p in "${PLACES[@]}"; do
	ip netns add "$p"
	ip -n "$p" link set lo up
	ip link add "u-$p" netns ul type veth peer name eth0 netns "$p"
	ip -n ul link set "u-$p" master br0 up
	ip -n "$p" addr add "${ADDR[$p]}/24" dev eth0
	ip -n "$p" link set eth0 up
	mkdir -p "$TMP/$p/log"
done
mkdir -p "$TMP/var-lib-tenet" "$TMP/etc-tenet"

# One shell per machine, fed through a FIFO; it stops at the first failing
# command (set -e) and says so.
for p in "${PLACES[@]}"; do
	mkfifo "$TMP/$p.in"
	PATH="$BUILD/controller:$BUILD/agent:$BUILD/cli:$PATH" \
		nsenter --net="/run/netns/$p" bash --norc --noprofile <"$TMP/$p.in" >"$TMP/$p.out" 2>&1 &
	SHELL_PID[$p]=$!
	exec {fd}>"$TMP/$p.in"
	SHELL_FD[$p]=$fd
	ENDS[$p]=0
	echo "set -e; trap 'echo __EXIT__ \$?' EXIT" >&"$fd"
done

# subst PLACE: the text on stdin with the directories (and, for h2, the
# names and addresses the README gives for it) changed.
subst() {
	local p=$1 sed_args=(-e "s|/var/lib/tenet|$TMP/var-lib-tenet|g"
		-e "s|/etc/tenet|$TMP/etc-tenet|g" -e "s|/var/log/|$TMP/$p/log/|g")
	if [ "$p" = h2 ]; then
		sed_args+=(-e 's/\bh1\b/h2/g' -e 's/\b198\.18\.0\.1\b/198.18.0.2/g'
			-e 's/\bvm1\b/vm2/g' -e 's/fa:16:3e:00:00:01/fa:16:3e:00:00:02/g'
			-e 's/\b10\.0\.0\.1\b/10.0.0.2/g')
	fi
	sed "${sed_args[@]}"
}

# run PLACE TEXT: runs the block in PLACE's shell; fails unless every
# command succeeds within 90 s.
run() {
	local p=$1 text=$2 fd=${SHELL_FD[$1]} want deadline
	want=$((ENDS[$p] + 1))
	echo "== on $p:"
	printf '%s\n' "$text" | sed 's/^/   $ /'
	{
		printf '%s\n' "$text"
		echo "echo __END__"
	} >&"$fd"
	deadline=$((SECONDS + 90))
	while [ "$(grep -c '^__END__$' "$TMP/$p.out")" -lt "$want" ]; do
		grep -q '^__EXIT__' "$TMP/$p.out" && fail "on $p, a command failed: $(grep '^__EXIT__' "$TMP/$p.out")"
		[ $SECONDS -lt $deadline ] || fail "on $p, the block did not finish in 90 s"
		sleep 0.1
	done
	ENDS[$p]=$want
}

while IFS= read -r line; do
	place=$(jq -r .place <<<"$line")
	text=$(jq -r .text <<<"$line")
	if [ "$place" = each ]; then
		run h1 "$(subst h1 <<<"$text")"
		run h2 "$(subst h2 <<<"$text")"
	elif [ "$place" = ctl-each ]; then
		run ctl "$(subst h1 <<<"$text" | subst ctl)"
		run ctl "$(subst h2 <<<"$text" | subst ctl)"
	else
		run "$place" "$(subst "$place" <<<"$text")"
	fi
done <"$TMP/blocks"

grep -q ' 3 received' "$TMP/h1.out" ||
	fail "the README's ping did not get its answers: $(grep -A2 'ping statistics' "$TMP/h1.out")"
grep -A1 'ping statistics' "$TMP/h1.out"
grep -q 'delivered to port vm2 on h2' "$TMP/ctl.out" ||
	fail "the README's trace does not end in vm2: $(grep -i verdict "$TMP/ctl.out")"
grep -i '^verdict' "$TMP/ctl.out"
echo "PASS: the README's By hand section, as written, ends with two VMs pinging and a trace"
