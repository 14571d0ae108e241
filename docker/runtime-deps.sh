#!/usr/bin/env bash
# runtime-deps.sh BINARY... - prints, one a line, every Debian package that
# provides a shared library the binaries load: "package=version" for those
# from backports (so the runtime stage gets exactly what we built against),
# the bare name for the rest. Run in the build stage.
set -euo pipefail
# shellcheck disable=SC2016 # dpkg-query's own ${...} format below
FMT='${Package} ${Version}\n'

owner() {
	local lib=$1 real
	real=$(readlink -f "$lib")
	# bookworm is usrmerged: dpkg may know the file under /lib or /usr/lib.
	for p in "$lib" "$real" "${lib#/usr}" "${real#/usr}" "/usr$lib" "/usr$real"; do
		dpkg-query -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
	done
	echo "runtime-deps: no package owns $lib" >&2
	return 1
}

for bin in "$@"; do
	ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | while read -r lib; do
	owner "$lib"
done | sort -u | xargs -r dpkg-query -W -f="$FMT" |
	awk '{ if ($2 ~ /bpo/) print $1 "=" $2; else print $1 }'
