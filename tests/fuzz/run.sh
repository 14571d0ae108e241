#!/bin/sh
# run.sh FUZZER SECONDS [CORPUS_DIR]: runs one libFuzzer target from a fixed
# seed for SECONDS, starting from the checked-in corpus when given. New
# inputs go to a temporary directory removed afterwards, so the checked-in
# corpus is only read; a crash leaves its input (crash-*) in the current
# directory. The target's own stderr is closed (-close_fd_mask=2): the code
# under test logs every malformed input it refuses, and the fuzzer feeds
# millions; libFuzzer's output and sanitizer reports still appear. Used by
# ctest (fuzz.*, short) and `make fuzz-long`.
set -eu
fuzzer=$1
secs=$2
corpus=${3:-}
work=$(mktemp -d /tmp/tenet-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/tmp"
rc=0
# TMPDIR: where a target keeps files of its own (fuzz_snapshot's store)
TMPDIR=$work/tmp "$fuzzer" -seed=1 -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
	-close_fd_mask=2 "$work/corpus" ${corpus:+"$corpus"} || rc=$?
exit "$rc"
