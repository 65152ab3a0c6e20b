#!/usr/bin/env bash
# Runs the libFuzzer binary $1 for a bounded time, seeded with corpus dir $2.
#
#   run-fuzz.sh FUZZER CORPUS_DIR     (FUZZ_SECONDS=30 by default)
#
# The corpus is copied into a temporary directory so that what the fuzzer
# adds never lands in the source tree. A crashing input is kept in the
# current directory (crash-*, leak-*, timeout-*, oom-*) and the script
# exits non-zero.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 FUZZER CORPUS_DIR" >&2
    exit 2
fi
fuzzer=$1
corpus=$2
seconds=${FUZZ_SECONDS:-30}

work=$(mktemp -d "${TMPDIR:-/tmp}/fanout-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$corpus" ]; then
    cp -R "$corpus"/. "$work/corpus"/
fi

status=0
"$fuzzer" "$work/corpus" \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 || status=$?

if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
    cp "$work/artifacts"/* . 2>/dev/null || true
    echo "run-fuzz.sh: the fuzzer failed (status $status); inputs kept in $PWD:" >&2
    ls "$work/artifacts" >&2
    exit 1
fi
echo "run-fuzz.sh: no crash in ${seconds}s"
