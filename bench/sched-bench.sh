#!/usr/bin/env bash
# Longest-first scheduling benchmark: a suite with skewed durations (a few
# long tests at the end of the file among many short ones, and units of
# several tests behind one setup) at SLOTS slots; fanout cold (no history)
# and with history, beside ctest -j SLOTS without and with its cost data
# (Testing/Temporary/CTestCostData.txt). Every test is /bin/sleep, so the
# makespan depends on the order alone, not on the machine's cores.
#
# usage: bench/sched-bench.sh [FANOUT_BINARY]
#   FANOUT   the fanout binary when no argument is given
#   SLOTS    parallel slots for both tools (default 4)
#   REPEAT   timed runs per case; the median counts (default 3)
#   SCALE    every duration multiplied by this (default 1); QUICK=1 sets
#            SCALE=0.2 and REPEAT=1: the test suite's check that this
#            still works (too short for the bar to mean anything)
#
# Prints the lower bound max(longest unit, total work / slots) and each
# case's makespan and its ratio to the bound. See docs/performance.md.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_fanout "${1:-}"
if [ "${QUICK:-0}" = 1 ]; then
    SCALE=${SCALE:-0.2}
    REPEAT=${REPEAT:-1}
fi
SLOTS=${SLOTS:-4}
REPEAT=${REPEAT:-3}
SCALE=${SCALE:-1}
[[ $SCALE =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v s="$SCALE" 'BEGIN { exit !(s > 0) }' \
    || die "SCALE must be a positive number, not '$SCALE'"
bench_counts SLOTS REPEAT
bench_need cmake ctest awk
bench_workdir sched-bench

# ---- the workload -----------------------------------------------------------
# 24 short tests of 0.1 s, 2 units (a setup of 0.1 s, 4 tests of 0.25 s),
# then 3 long tests of 2.0, 1.6 and 1.2 s last in the file, where plan
# order starts them last.
SHORT=24; SHORT_S=0.1
UNITS=2; UNIT_TESTS=4; UNIT_TEST_S=0.25; UNIT_SETUP_S=0.1
LONGS="2.0 1.6 1.2"
sc () { awk -v v="$1" -v s="$SCALE" 'BEGIN { printf "%g", v * s }'; }
SHORT_S=$(sc $SHORT_S); UNIT_TEST_S=$(sc $UNIT_TEST_S); UNIT_SETUP_S=$(sc $UNIT_SETUP_S)
LONGS=$(for l in $LONGS; do sc "$l"; echo; done | tr '\n' ' ' | sed 's/ $//')

{
    echo "tests:"
    for i in $(seq 1 $SHORT); do echo "  - {name: s$i, run: [/bin/sleep, \"$SHORT_S\"]}"; done
    for l in $LONGS; do echo "  - {name: long$l, run: [/bin/sleep, \"$l\"]}"; done
    echo "contexts:"
    for u in $(seq 1 $UNITS); do
        echo "  - name: unit$u"
        echo "    setup: [/bin/sleep, \"$UNIT_SETUP_S\"]"
        echo "    tests:"
        for t in $(seq 1 $UNIT_TESTS); do echo "      - {name: t$t, run: [/bin/sleep, \"$UNIT_TEST_S\"]}"; done
    done
} >"$WORK/suite.yml"
# The same in CTest: a unit is one test that runs its setup and tests in turn
# (CTest has no fixtures that keep tests together).
mkdir -p "$WORK/ctest-src"
{
    echo "cmake_minimum_required(VERSION 3.13)"
    echo "project(schedbench NONE)"
    echo "enable_testing()"
    for i in $(seq 1 $SHORT); do echo "add_test(NAME s$i COMMAND /bin/sleep $SHORT_S)"; done
    for u in $(seq 1 $UNITS); do
        cmd="/bin/sleep $UNIT_SETUP_S"
        for t in $(seq 1 $UNIT_TESTS); do cmd="$cmd \\&\\& /bin/sleep $UNIT_TEST_S"; done
        echo "add_test(NAME unit$u COMMAND /bin/sh -c \"$cmd\")"
    done
    for l in $LONGS; do echo "add_test(NAME long$l COMMAND /bin/sleep $l)"; done
} >"$WORK/ctest-src/CMakeLists.txt"
cmake -S "$WORK/ctest-src" -B "$WORK/ctest-build" >/dev/null

BOUND=$(awk -v short=$SHORT -v ss=$SHORT_S -v units=$UNITS -v ut=$UNIT_TESTS -v uts=$UNIT_TEST_S \
            -v us=$UNIT_SETUP_S -v longs="$LONGS" -v slots=$SLOTS 'BEGIN {
    n = split(longs, l, " "); total = short * ss; longest = us + ut * uts
    for (i = 1; i <= n; i++) { total += l[i]; if (l[i] > longest) longest = l[i] }
    total += units * (us + ut * uts)
    printf "%.3f %.3f %.3f", (total / slots > longest ? total / slots : longest), total, longest }')
read -r BOUND TOTAL LONGEST <<<"$BOUND"

# time_it CMD...: seconds the command took (it must succeed).
time_it () {
    local t0 t1
    t0=$(now)
    "$@" >/dev/null 2>&1 || die "failed: $*"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

fanout_cold () {
    "$FANOUT_BIN" run -q -j "$SLOTS" --no-history "$WORK/suite.yml"
}
fanout_warm () {
    "$FANOUT_BIN" run -q -j "$SLOTS" --history "$WORK/history.json" "$WORK/suite.yml"
}
ctest_cold () {
    rm -rf "$WORK/ctest-build/Testing"
    ctest --test-dir "$WORK/ctest-build" -j "$SLOTS" -Q
}
ctest_warm () {
    ctest --test-dir "$WORK/ctest-build" -j "$SLOTS" -Q
}

# One run of each warm case first: it records the history / the cost data.
fanout_warm >/dev/null 2>&1 || die "fanout failed"
ctest_warm >/dev/null 2>&1 || die "ctest failed"

printf 'workload: %d short tests of %ss, %d units of %d x %ss (+ setup %ss), long tests %s s\n' \
    $SHORT $SHORT_S $UNITS $UNIT_TESTS $UNIT_TEST_S $UNIT_SETUP_S "$LONGS"
printf 'slots %d; total work %.2fs, longest unit %.2fs: lower bound %.2fs\n' \
    "$SLOTS" "$TOTAL" "$LONGEST" "$BOUND"
# Rounds are interleaved (each case once per round), so that a change in the
# machine's speed during the run hits every case alike; medians count.
CASES="fanout_cold fanout_warm ctest_cold ctest_warm"
declare -A TIMES=()
for _ in $(seq 1 "$REPEAT"); do
    for c in $CASES; do TIMES[$c]="${TIMES[$c]:-} $(time_it $c)"; done
done
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %10s\n' case makespan "x bound"
for c in $CASES; do
    m=$(echo ${TIMES[$c]} | tr ' ' '\n' | median)
    case $c in
        fanout_cold) label="fanout, no history" ;;
        fanout_warm) label="fanout, with history" ;;
        ctest_cold) label="ctest -j$SLOTS, no cost data" ;;
        ctest_warm) label="ctest -j$SLOTS, cost data" ;;
    esac
    printf '%-28s %9.2fs %10.2f\n' "$label" "$m" "$(awk -v m="$m" -v b="$BOUND" 'BEGIN { print m / b }')"
done
