# shellcheck shell=bash
# args.sh - the command line every bench section script takes:
#   <script> BUILD [--quick] [--only FIGURE]
# bench_args NAME "$@" sets BUILD (absolute), QUICK (0|1) and ONLY (figure
# name or empty); on bad usage it prints NAME's usage and exits 2.
bench_args() {
	local name=$1 usage
	shift
	usage="usage: $name BUILD [--quick] [--only FIGURE]"
	[ $# -gt 0 ] && [ -d "$1" ] || { echo "$usage" >&2; exit 2; }
	BUILD=$(cd "$1" && pwd)
	shift
	QUICK=0
	ONLY=
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) QUICK=1 ;;
		--only) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; ONLY=$2; shift ;;
		*) echo "$usage" >&2; exit 2 ;;
		esac
		shift
	done
}
