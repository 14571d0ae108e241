#!/usr/bin/env bash
# Installs the Debian packages tenet needs, and nothing else.
#
#   install-deps.sh            everything to build, test and run the demo
#   install-deps.sh --runtime  only what a host needs to run the daemons
#                              (no compilers, no test tools)
#   install-deps.sh --dry-run  say what would change, change nothing
#
# Idempotent: returns at once when everything is present. Otherwise it says
# what it will change, then enables bookworm-backports (the archive URI is
# derived from the machine's own apt sources; no mirror host name is written
# here) with an apt pin that takes from backports exactly the packages tenet
# needs and nothing else, installs, and keeps apt's and dpkg's output in
# $LOG, printing a short summary.
set -euo pipefail

LOG=${TENET_DEPS_LOG:-/var/log/tenet-install-deps.log}
BPO_LIST=/etc/apt/sources.list.d/tenet-backports.sources
BPO_PIN=/etc/apt/preferences.d/tenet-backports

# To build, test and run the demo.
BUILD_PKGS=(
	build-essential cmake pkg-config git
	clang llvm
	libzmq3-dev libczmq-dev liblmdb-dev libsodium-dev libmsgpack-dev
	libevent-dev libjansson-dev libuv1-dev libcmocka-dev libelf-dev zlib1g-dev
	libssl-dev libclang-rt-14-dev libmnl-dev
	iproute2 iputils-ping iperf3 ethtool procps psmisc curl jq util-linux kmod python3
	openssl
	busybox isc-dhcp-client
)
# From bookworm-backports (libbpf >= 1.4, libraft >= 0.22, bpftool >= 7.5,
# linux-libc-dev >= 6.6 for the TCX uapi); bookworm's own are too old, and
# libraft 0.15 has a known Raft safety bug.
BPO_BUILD_PKGS=(libbpf-dev bpftool libraft-dev linux-libc-dev)
# To run tenet-controller and tenet-agent on a host.
RUNTIME_PKGS=(
	libzmq5 libczmq4 liblmdb0 libsodium23 libmsgpackc2 libevent-2.1-7
	libevent-openssl-2.1-7 libjansson4 libuv1 libelf1 zlib1g libssl3 libmnl0
	iproute2 kmod procps util-linux
)
BPO_RUNTIME_PKGS=(libbpf1 libraft0)
# Everything the pin lets backports provide: the above and the libraries
# they depend on at the same version.
BPO_PINNED="libbpf1 libbpf-dev bpftool libraft0 libraft-dev linux-libc-dev"

mode=build
dry_run=0
for arg in "$@"; do
	case "$arg" in
	--runtime) mode=runtime ;;
	--dry-run) dry_run=1 ;;
	-h | --help)
		sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "install-deps: unknown argument '$arg' (--runtime, --dry-run)" >&2
		exit 2
		;;
	esac
done
if [ "$mode" = runtime ]; then
	MAIN_PKGS=("${RUNTIME_PKGS[@]}")
	BPO_PKGS=("${BPO_RUNTIME_PKGS[@]}")
else
	MAIN_PKGS=("${BUILD_PKGS[@]}")
	BPO_PKGS=("${BPO_BUILD_PKGS[@]}")
fi

say() { echo "install-deps: $*"; }

if [ "$(id -u)" -ne 0 ]; then
	say "must run as root" >&2
	exit 1
fi

# Debian 12 only: the package names, versions and the backports archive
# below are bookworm's.
distro=unknown
codename=
if [ -r /etc/os-release ]; then
	# shellcheck disable=SC1091
	distro=$(. /etc/os-release && echo "${PRETTY_NAME:-$ID}")
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release && echo "${ID:-}:${VERSION_CODENAME:-}")
fi
if [ "$codename" != debian:bookworm ]; then
	say "tenet supports Debian 12 (bookworm); this machine runs $distro." >&2
	say "install the packages listed in scripts/install-deps.sh by hand, at the versions named there" >&2
	exit 1
fi

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			echo "$p"
	done
}

# version_at_least PKG MIN: the installed PKG is at least MIN.
version_at_least() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge "$2"
}

bpo_current() {
	if [ "$mode" = runtime ]; then
		version_at_least libbpf1 1:1.4 && version_at_least libraft0 0.22
		return
	fi
	version_at_least libbpf-dev 1:1.4 && version_at_least libraft-dev 0.22 &&
		version_at_least linux-libc-dev 6.6 && version_at_least bpftool 7.5
}

# The URI that serves bookworm (not -security) in the machine's own sources.
debian_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		[ "$f" = "$BPO_LIST" ] && continue
		uri=$(awk '
			function flush() { if (!done && u != "" && s) { print u; done = 1 } u = ""; s = 0 }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") s = 1 }
			/^$/ { flush() }
			END { flush() }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	if [ -e /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	fi
	return 1
}

need_main=$(missing "${MAIN_PKGS[@]}" | tr '\n' ' ')
need_bpo=
bpo_current || need_bpo="${BPO_PKGS[*]}"
if [ -z "${need_main// /}" ] && [ -z "$need_bpo" ]; then
	say "all packages present ($mode)"
	exit 0
fi

# The backports source and pin as they should be; written only if different.
bpo_source=
if [ -n "$need_bpo" ] && ! grep -rqs '^Suites:.*bookworm-backports\|^deb .* bookworm-backports' \
	/etc/apt/sources.list /etc/apt/sources.list.d/ --exclude="$(basename "$BPO_LIST")"; then
	uri=$(debian_uri) || { say "cannot find a bookworm source in the apt configuration" >&2; exit 1; }
	bpo_source="Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
fi
bpo_pin="# Written by tenet's install-deps.sh: from bookworm-backports, only the
# packages tenet needs; everything else stays at bookworm's versions.
Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: $BPO_PINNED
Pin: release n=bookworm-backports
Pin-Priority: 990"

changes=()
[ -n "$bpo_source" ] && [ "$(cat "$BPO_LIST" 2>/dev/null)" != "$bpo_source" ] &&
	changes+=("write $BPO_LIST (bookworm-backports from ${uri:-})")
[ -n "$need_bpo" ] && [ "$(cat "$BPO_PIN" 2>/dev/null)" != "$bpo_pin" ] &&
	changes+=("write $BPO_PIN (backports only for: $BPO_PINNED)")
[ -n "${need_main// /}" ] && changes+=("install from bookworm: $need_main")
[ -n "$need_bpo" ] && changes+=("install from bookworm-backports: $need_bpo")
say "this will ($mode):"
for c in "${changes[@]}"; do
	echo "  - $c"
done
if [ "$dry_run" = 1 ]; then
	say "dry run: nothing changed"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "=== $(date -Is) install-deps $mode" >>"$LOG"
if [ -n "$bpo_source" ] && [ "$(cat "$BPO_LIST" 2>/dev/null)" != "$bpo_source" ]; then
	printf '%s\n' "$bpo_source" >"$BPO_LIST"
fi
if [ -n "$need_bpo" ] && [ "$(cat "$BPO_PIN" 2>/dev/null)" != "$bpo_pin" ]; then
	printf '%s\n' "$bpo_pin" >"$BPO_PIN"
fi

# run DESCRIPTION CMD...: CMD's output goes to the log; its tail on failure.
run() {
	local desc=$1
	shift
	if ! "$@" >>"$LOG" 2>&1; then
		say "$desc failed; the end of $LOG:" >&2
		tail -20 "$LOG" >&2
		exit 1
	fi
}

run "apt-get update" apt-get update
state=$(mktemp)
trap 'rm -f "$state"' EXIT
dpkg-query -W -f='${Package} ${Version}\n' | sort >"$state"
pkgs="$need_main $need_bpo"
# shellcheck disable=SC2086
run "apt-get install" apt-get install -y --no-install-recommends $pkgs
changed=$(dpkg-query -W -f='${Package} ${Version}\n' | sort | comm -13 "$state" - | wc -l)
say "done: $changed packages installed or upgraded (details in $LOG)"
bpo_current || { say "backports packages are still too old; see $LOG" >&2; exit 1; }
