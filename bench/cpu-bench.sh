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
# Four set-ups, alternating round by round:
#   run:    `fanout run -q -j 2 --no-history`, broker and agent in one
#           process (inproc): that process's CPU (every thread);
#   broker: `fanout broker --insecure` on a loopback port and one
#           `fanout agent --insecure --once -j 2`: each process's CPU;
#   limit:  bench/fo_spawn_limit N 2 /bin/true, two threads that spawn and
#           wait: what creating and reaping the processes alone costs;
#   capture: bench/fo_spawn_limit --capture N 2 /bin/true, the same with
#           each process's stdout and stderr on fresh pipes read to their
#           end: the floor for a runner that keeps the output apart.
# CPU is utime + stime of the process, read by fo_cputime from
# /proc/PID/stat once it has ended and before it is reaped: every thread,
# not the tests it waited for; in clock ticks (2.5 µs a test at 4,000
# tests). The broker's is to the microsecond (fo_cputime --precise, from
# wait4's rusage: it waits for no child here). It includes loading the suite and writing
# the summary (for 4,000 tests, about a millisecond each).
#
# Prints on stdout "tests N", then one line per figure, "NAME
# MICROSECONDS_PER_TEST" (run, broker, agent, limit, capture), and
# "broker_fixed MILLISECONDS": the broker's CPU for a one-test suite, in
# the same rounds (what a run costs it whatever its size: starting the
# process, its threads and sockets, ending; spread over N tests in its
# per-test figure); the rounds on stderr. Fails when a run does not
# end with every test passed.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_build "${1:-}" bench/fo_cputime bench/fo_spawn_limit
CPUTIME=$BUILD/bench/fo_cputime
SPAWN_LIMIT=$BUILD/bench/fo_spawn_limit
if [ "${QUICK:-0}" = 1 ]; then
    N=${N:-50}
    REPEAT=${REPEAT:-1}
fi
N=${N:-4000}
REPEAT=${REPEAT:-3}
bench_counts N REPEAT

bench_workdir cpu
bench_suite "$N" > "$WORK/suite.yml"

passed () {     # output file -> whether it says every test passed
    grep -q "^$N passed, 0 failed, 0 errors, 0 skipped" "$1"
}
per_test () {   # seconds file -> µs per test
    awk -v n="$N" '{ printf "%.1f\n", $1 * 1e6 / n }' "$1"
}

# A broker on a loopback port and one agent on SUITE of COUNT tests: the
# broker's CPU (to the microsecond) in broker.s, the agent's in agent.s.
broker_and_agent () {
    local suite=$1 count=$2 ep
    : > "$WORK/broker.err"     # not the last round's "listening on"
    "$CPUTIME" --precise "$WORK/broker.s" "$FANOUT_BIN" broker --bind 'tcp://127.0.0.1:*' --insecure \
        --no-history -q --wait 60 "$suite" > "$WORK/broker.out" 2> "$WORK/broker.err" &
    BROKER_PID=$!
    ep=$(bench_listen "$WORK/broker.err" "$BROKER_PID" 10) || exit
    "$CPUTIME" "$WORK/agent.s" "$FANOUT_BIN" agent --insecure --once -j 2 --connect "$ep" \
        > "$WORK/agent.out" 2>&1 || { cat "$WORK/agent.out" >&2; die "the agent failed"; }
    wait "$BROKER_PID" || { cat "$WORK/broker.out" "$WORK/broker.err" >&2; die "the broker failed"; }
    BROKER_PID=
    grep -q "^$count passed, 0 failed, 0 errors, 0 skipped" "$WORK/broker.out" \
        || { cat "$WORK/broker.out" >&2; die "fanout broker: not every test passed"; }
}

bench_suite 1 > "$WORK/one.yml"
: > "$WORK/run"; : > "$WORK/broker"; : > "$WORK/agent"; : > "$WORK/limit"; : > "$WORK/capture"
: > "$WORK/broker_fixed"
for ((r = 1; r <= REPEAT; r++)); do
    "$CPUTIME" "$WORK/run.s" "$FANOUT_BIN" run -q -j 2 --no-history "$WORK/suite.yml" \
        > "$WORK/run.out" 2>&1 || { cat "$WORK/run.out" >&2; die "fanout run failed"; }
    passed "$WORK/run.out" || { cat "$WORK/run.out" >&2; die "fanout run: not every test passed"; }
    per_test "$WORK/run.s" >> "$WORK/run"

    broker_and_agent "$WORK/suite.yml" "$N"
    per_test "$WORK/broker.s" >> "$WORK/broker"
    per_test "$WORK/agent.s" >> "$WORK/agent"
    broker_and_agent "$WORK/one.yml" 1
    awk '{ printf "%.2f\n", $1 * 1e3 }' "$WORK/broker.s" >> "$WORK/broker_fixed"

    "$CPUTIME" "$WORK/limit.s" "$SPAWN_LIMIT" "$N" 2 /bin/true || die "fo_spawn_limit failed"
    per_test "$WORK/limit.s" >> "$WORK/limit"
    "$CPUTIME" "$WORK/capture.s" "$SPAWN_LIMIT" --capture "$N" 2 /bin/true \
        || die "fo_spawn_limit --capture failed"
    per_test "$WORK/capture.s" >> "$WORK/capture"
    echo "cpu-bench: round $r of $REPEAT, µs per test: run $(tail -n1 "$WORK/run"), broker $(tail -n1 "$WORK/broker") (a one-test run's $(tail -n1 "$WORK/broker_fixed") ms), agent $(tail -n1 "$WORK/agent"), limit $(tail -n1 "$WORK/limit"), capture $(tail -n1 "$WORK/capture")" >&2
done

echo "tests $N"
for f in run broker broker_fixed agent limit capture; do
    echo "$f $(median < "$WORK/$f")"
done
