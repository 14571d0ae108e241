#!/usr/bin/env bash
# Installs every Debian package tenet needs to build, test and run its demo.
# Idempotent: returns quickly when everything is already present.
# Enables bookworm-backports by deriving the archive URI from the machine's own
# apt sources; no mirror host name is written here.
set -euo pipefail

MAIN_PKGS=(
	build-essential cmake pkg-config git
	clang llvm
	libzmq3-dev libczmq-dev liblmdb-dev libsodium-dev libmsgpack-dev
	libevent-dev libjansson-dev libuv1-dev libcmocka-dev libelf-dev zlib1g-dev
	libssl-dev openssl
	libclang-rt-14-dev
	iproute2 iputils-ping iperf3 ethtool procps psmisc curl jq util-linux kmod python3
)
BPO_PKGS=(libbpf-dev bpftool libraft-dev linux-libc-dev)
BPO_LIST=/etc/apt/sources.list.d/tenet-backports.sources

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root" >&2
	exit 1
fi

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			echo "$p"
	done
}

# libbpf >= 1.4, libraft >= 0.22, bpftool >= 7.5 and linux-libc-dev >= 6.6
# (TCX uapi) are what we need from backports; bookworm's own packages (libbpf
# 1.1, bpftool 7.1, linux-libc-dev 6.1) are too old for each of them.
bpo_current() {
	local v
	v=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge 1:1.4 || return 1
	v=$(dpkg-query -W -f='${Version}' libraft-dev 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge 0.22 || return 1
	v=$(dpkg-query -W -f='${Version}' linux-libc-dev 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge 6.6 || return 1
	command -v bpftool >/dev/null || return 1
	# "bpftool v7.5.0" on the first line
	v=$(bpftool version 2>/dev/null | awk 'NR == 1 { sub(/^v/, "", $2); print $2 }')
	[ -n "$v" ] && dpkg --compare-versions "$v" ge 7.5 || return 1
	return 0
}

# Find the URI that serves bookworm (not -security) in the machine's own sources.
debian_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		uri=$(awk '
			/^URIs:/ { u=$2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") s=1 }
			/^$/ { if (u != "" && s) { print u; exit } u=""; s=0 }
			END { if (u != "" && s) print u }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	if [ -e /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	fi
	return 1
}

need_main=$(missing "${MAIN_PKGS[@]}")
if [ -z "$need_main" ] && bpo_current; then
	echo "install-deps: all packages present"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if [ ! -e "$BPO_LIST" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(debian_uri) || { echo "install-deps: cannot find a bookworm source in apt config" >&2; exit 1; }
	echo "install-deps: enabling bookworm-backports from $uri"
	cat >"$BPO_LIST" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
if [ -n "$need_main" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need_main
fi
if ! bpo_current; then
	apt-get install -y -qq --no-install-recommends -t bookworm-backports "${BPO_PKGS[@]}"
fi
echo "install-deps: done"
