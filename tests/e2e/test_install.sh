#!/usr/bin/env bash
# e2e.install: `make install DESTDIR=...` puts the programs (built without
# sanitizers, each answering --version), the systemd units and the documents
# in place; the units pass `systemd-analyze verify`; `make deb` builds a
# package whose contents and dependencies are checked. Everything is built
# and installed under a temporary directory, removed at the end.
set -euo pipefail

. "$(dirname "$0")/../lib/common.sh"
SRC=$T_TOP
TMP=$(mktemp -d /tmp/tenet-install.XXXXXX)
trap t_cleanup EXIT
ROOT=$TMP/root
REL=$TMP/build

echo "== make install DESTDIR=$ROOT (release tree $REL)"
make -C "$SRC" --no-print-directory install DESTDIR="$ROOT" RELEASE_BUILD="$REL" \
	>"$TMP/install.log" 2>&1 || { tail -30 "$TMP/install.log"; die "make install"; }

for f in usr/sbin/tenet-controller usr/sbin/tenet-agent usr/bin/tenetctl \
	usr/lib/systemd/system/tenet-controller.service \
	usr/lib/systemd/system/tenet-agent@.service \
	etc/tenet/controller.conf etc/tenet/agent.conf.example \
	usr/share/doc/tenet/README.md usr/share/doc/tenet/ARCHITECTURE.md \
	usr/share/doc/tenet/SECURITY.md; do
	[ -e "$ROOT/$f" ] || die "not installed: /$f"
done

want=$(awk '/^project\(tenet VERSION/ { print $3 }' "$SRC/CMakeLists.txt")
for b in usr/sbin/tenet-controller usr/sbin/tenet-agent usr/bin/tenetctl; do
	out=$("$ROOT/$b" --version) || die "$b --version"
	case "$out" in
	"$(basename "$b") $want"*) ;;
	*) die "$b --version says '$out', want $(basename "$b") $want" ;;
	esac
	if ldd "$ROOT/$b" | grep -Eq 'libasan|libubsan'; then
		die "$b is built with sanitizers"
	fi
done
echo "programs: $("$ROOT/usr/bin/tenetctl" --version), no sanitizers"

# systemd-analyze verify checks that ExecStart's program exists: point the
# copies at the installed programs (paths only; nothing else is changed).
mkdir -p "$TMP/units"
for u in "$ROOT"/usr/lib/systemd/system/*; do
	sed "s|/usr/sbin/|$ROOT/usr/sbin/|g" "$u" >"$TMP/units/$(basename "$u")"
done
SYSTEMD_UNIT_PATH="$TMP/units:" systemd-analyze verify --man=no \
	tenet-controller.service tenet-agent@h1.service >"$TMP/verify.log" 2>&1 ||
	{ cat "$TMP/verify.log"; die "systemd-analyze verify"; }
if [ -s "$TMP/verify.log" ]; then
	cat "$TMP/verify.log"
	die "systemd-analyze verify printed warnings"
fi
echo "units: systemd-analyze verify clean"

echo "== make deb"
make -C "$SRC" --no-print-directory deb RELEASE_BUILD="$REL" >"$TMP/deb.log" 2>&1 ||
	{ tail -30 "$TMP/deb.log"; die "make deb"; }
deb=$(ls "$REL"/tenet_*.deb) || die "no package in $REL"
dpkg -c "$deb" >"$TMP/contents"
for f in ./usr/sbin/tenet-controller ./usr/sbin/tenet-agent ./usr/bin/tenetctl \
	./usr/lib/systemd/system/tenet-controller.service \
	./usr/lib/systemd/system/tenet-agent@.service ./etc/tenet/controller.conf \
	./usr/share/doc/tenet/README.md; do
	grep -q " $f\$" "$TMP/contents" || die "package lacks $f"
done
deps=$(dpkg-deb -f "$deb" Depends)
for d in 'libraft0 (>= 0.22)' 'libbpf1 (>= 1:1.4)' libczmq4 liblmdb0; do
	case "$deps" in *"$d"*) ;; *) die "package Depends lacks '$d': $deps" ;; esac
done
dpkg-deb -e "$deb" "$TMP/control"
grep -qx /etc/tenet/controller.conf "$TMP/control/conffiles" || die "controller.conf not a conffile"
echo "package: $(basename "$deb"), $(grep -c . "$TMP/contents") entries"
echo "PASS"
