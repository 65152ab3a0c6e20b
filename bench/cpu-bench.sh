#!/usr/bin/env bash
# fanout's own CPU per test (issue 15's bars): what fanout's processes
# spend per test, the tests' own time excluded, on N x /bin/true at -j2.
#
# usage: bench/cpu-bench.sh BUILD_DIR
#   BUILD_DIR  a build of this tree: BUILD_DIR/fanout and BUILD_DIR/bench/fo_cputime
#   N          tests (default 4000)
#   REPEAT     rounds; the median counts (default 3)
#   QUICK=1    N=50 REPEAT=1: the test suite's check that this still works
#
# Two set-ups, alternating round by round:
#   run:    `fanout run -q -j 2 --no-history`, broker and agent in one
#           process (inproc): that process's CPU (every thread);
#   broker: `fanout broker --insecure` on a loopback port and one
#           `fanout agent --insecure --once -j 2`: each process's CPU.
# CPU is utime + stime of the process, read by fo_cputime from
# /proc/PID/stat once it has ended and before it is reaped: every thread,
# not the tests it waited for. It includes loading the suite and writing
# the summary (for 4,000 tests, about a millisecond each).
#
# Prints on stdout "tests N", then one line per figure, "NAME
# MICROSECONDS_PER_TEST" (run, broker, agent); the rounds on stderr. Fails when a run does not
# end with every test passed.
set -euo pipefail

die () { echo "cpu-bench: $*" >&2; exit 2; }

BUILD=${1:-}
[ -n "$BUILD" ] || die "give the build directory as \$1"
FANOUT_BIN=$BUILD/fanout
CPUTIME=$BUILD/bench/fo_cputime
[ -x "$FANOUT_BIN" ] || die "no fanout binary in $BUILD"
[ -x "$CPUTIME" ] || die "no bench/fo_cputime in $BUILD"
if [ "${QUICK:-0}" = 1 ]; then
    N=${N:-50}
    REPEAT=${REPEAT:-1}
fi
N=${N:-4000}
REPEAT=${REPEAT:-3}
for v in N REPEAT; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fanout-cpu.XXXXXX")
BROKER_PID=
cleanup () {
    [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

awk -v n="$N" 'BEGIN {
    print "tests:"
    for (i = 1; i <= n; i++)
        printf "  - name: t%d\n    run: [\"/bin/true\"]\n", i
}' > "$WORK/suite.yml"

passed () {     # output file -> whether it says every test passed
    grep -q "^$N passed, 0 failed, 0 errors, 0 skipped" "$1"
}
per_test () {   # seconds file -> µs per test
    awk -v n="$N" '{ printf "%.1f\n", $1 * 1e6 / n }' "$1"
}

: > "$WORK/run"; : > "$WORK/broker"; : > "$WORK/agent"
for ((r = 1; r <= REPEAT; r++)); do
    "$CPUTIME" "$WORK/run.s" "$FANOUT_BIN" run -q -j 2 --no-history "$WORK/suite.yml" \
        > "$WORK/run.out" 2>&1 || { cat "$WORK/run.out" >&2; die "fanout run failed"; }
    passed "$WORK/run.out" || { cat "$WORK/run.out" >&2; die "fanout run: not every test passed"; }
    per_test "$WORK/run.s" >> "$WORK/run"

    "$CPUTIME" "$WORK/broker.s" "$FANOUT_BIN" broker --bind 'tcp://127.0.0.1:*' --insecure \
        --no-history -q --wait 60 "$WORK/suite.yml" > "$WORK/broker.out" 2> "$WORK/broker.err" &
    BROKER_PID=$!
    ep=
    for ((i = 0; i < 500; i++)); do
        ep=$(grep -so 'listening on tcp://127.0.0.1:[0-9]*' "$WORK/broker.err" | head -n1 | cut -d' ' -f3 || true)
        [ -n "$ep" ] && break
        kill -0 "$BROKER_PID" 2>/dev/null || break
        sleep 0.02
    done
    [ -n "$ep" ] || { cat "$WORK/broker.err" >&2; die "the broker did not listen"; }
    "$CPUTIME" "$WORK/agent.s" "$FANOUT_BIN" agent --insecure --once -j 2 --connect "$ep" \
        > "$WORK/agent.out" 2>&1 || { cat "$WORK/agent.out" >&2; die "the agent failed"; }
    wait "$BROKER_PID" || { cat "$WORK/broker.out" "$WORK/broker.err" >&2; die "the broker failed"; }
    BROKER_PID=
    passed "$WORK/broker.out" || { cat "$WORK/broker.out" >&2; die "fanout broker: not every test passed"; }
    per_test "$WORK/broker.s" >> "$WORK/broker"
    per_test "$WORK/agent.s" >> "$WORK/agent"
    echo "cpu-bench: round $r of $REPEAT, µs per test: run $(tail -n1 "$WORK/run"), broker $(tail -n1 "$WORK/broker"), agent $(tail -n1 "$WORK/agent")" >&2
done

median () { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "tests $N"
for f in run broker agent; do
    echo "$f $(median "$WORK/$f")"
done
