#!/usr/bin/env bash
# Sources benchmark (issue 11): fanout driving tests users already have,
# against the tools that run them today, in the same run.
#
#   1. a generated CTest project: hundreds of short tests, some of them
#      tied by fixtures (a setup, tests requiring it, a cleanup) and some
#      RUN_SERIAL; `ctest -j JOBS` against `fanout run -j JOBS --ctest`;
#   2. a GoogleTest program with 1,000 fast tests (tests/gtest/gt_bench:
#      ten suites of 100 tests, each sleeping 1 ms): the binary run whole
#      (one process, one test at a time: what gtest does) against
#      `fanout run -j JOBS --gtest` with a process per test and with
#      `--gtest-process suite` (a suite's tests in one process).
#
# usage: bench/source-bench.sh BUILD_DIR
#   BUILD_DIR  a build of this tree: its fanout and tests/gtest/gt_bench
#              (built where libgtest-dev is installed; without it the
#              GoogleTest half is skipped, saying so)
#   JOBS       parallel slots of ctest and fanout (default 2)
#   REPEAT     timed rounds; each tool once per round, alternating; the
#              median counts (default 3)
#   QUICK=1    a smoke run for the test suite: 40 CTest tests, one gtest
#              suite (100 tests), REPEAT=1; the figures mean nothing
#
# Every run must pass (exit 0), or the benchmark fails: a fast run that
# did not run the tests proves nothing. Prints one "name: value" line per
# figure (seconds, and the ratios the bars are about: docs/performance.md);
# bench/run-all.sh puts them in its table.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_build "${1:-}"
GT_BENCH=$BUILD/tests/gtest/gt_bench
JOBS=${JOBS:-2}
if [ "${QUICK:-0}" = 1 ]; then
    REPEAT=${REPEAT:-1}
    NSHORT=24; NFIX=2; NSERIAL=2
    export GTEST_FILTER='S0/*'      # the listing and the whole run: one suite
else
    REPEAT=${REPEAT:-3}
    NSHORT=240; NFIX=10; NSERIAL=5
fi
bench_counts JOBS REPEAT
bench_need cmake ctest awk
bench_workdir source-bench

# ---- the CTest project ------------------------------------------------------
# NSHORT short tests (/bin/true, every tenth a 10 ms sleep), NFIX fixtures
# (a setup, 5 tests requiring it, a cleanup: 10 ms sleeps), NSERIAL
# RUN_SERIAL tests of 10 ms.
mkdir -p "$WORK/ct"
{
    echo "cmake_minimum_required(VERSION 3.13)"
    echo "project(sourcebench NONE)"
    echo "enable_testing()"
    for i in $(seq 1 $NSHORT); do
        if (( i % 10 == 0 )); then
            echo "add_test(NAME short$i COMMAND /bin/sleep 0.01)"
        else
            echo "add_test(NAME short$i COMMAND /bin/true)"
        fi
    done
    for f in $(seq 1 $NFIX); do
        echo "add_test(NAME fix${f}_setup COMMAND /bin/sleep 0.01)"
        echo "add_test(NAME fix${f}_cleanup COMMAND /bin/sleep 0.01)"
        echo "set_tests_properties(fix${f}_setup PROPERTIES FIXTURES_SETUP fx$f)"
        echo "set_tests_properties(fix${f}_cleanup PROPERTIES FIXTURES_CLEANUP fx$f)"
        for t in 1 2 3 4 5; do
            echo "add_test(NAME fix${f}_t$t COMMAND /bin/sleep 0.01)"
            echo "set_tests_properties(fix${f}_t$t PROPERTIES FIXTURES_REQUIRED fx$f)"
        done
    done
    for s in $(seq 1 $NSERIAL); do
        echo "add_test(NAME serial$s COMMAND /bin/sleep 0.01)"
        echo "set_tests_properties(serial$s PROPERTIES RUN_SERIAL ON)"
    done
} >"$WORK/ct/CMakeLists.txt"
cmake -S "$WORK/ct" -B "$WORK/ct/build" >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; die "cmake failed"; }
NCT=$(( NSHORT + NFIX * 7 + NSERIAL ))

# now_us; timed NAME CMD...: appends the wall time (s) to $WORK/NAME, or
# fails the benchmark when CMD fails.
now_us () { echo $(( $(date +%s%N) / 1000 )); }
timed () {
    local name=$1 t0 t1
    shift
    t0=$(now_us)
    "$@" >"$WORK/$name.log" 2>&1 || { tail -n 20 "$WORK/$name.log" >&2; die "$name failed: $*"; }
    t1=$(now_us)
    awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.3f\n", d / 1e6 }' >>"$WORK/$name"
}
med () { median < "$WORK/$1"; }     # NAME: the median of its times
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

ct_run () { (cd "$WORK/ct/build" && ctest -j "$JOBS" -Q); }
fo_ct () { "$FANOUT_BIN" run -q -j "$JOBS" --no-history --ctest "$WORK/ct/build"; }

HAVE_GT=0
[ -x "$GT_BENCH" ] && HAVE_GT=1
if [ "$HAVE_GT" = 1 ]; then
    cp "$GT_BENCH" "$WORK/gt_bench"
    NGT=$("$WORK/gt_bench" --gtest_list_tests | grep -c '^  ')
fi
gt_whole () { (cd "$WORK" && ./gt_bench); }
fo_gt_test () { (cd "$WORK" && "$FANOUT_BIN" run -q -j "$JOBS" --no-history --gtest ./gt_bench); }
fo_gt_suite () {
    (cd "$WORK" && "$FANOUT_BIN" run -q -j "$JOBS" --no-history --gtest-process suite --gtest ./gt_bench)
}

# warm-up, not timed
ct_run >/dev/null 2>&1 || true
for ((r = 0; r < REPEAT; r++)); do
    timed ctest ct_run
    timed fanout_ctest fo_ct
    if [ "$HAVE_GT" = 1 ]; then
        timed gtest_whole gt_whole
        timed fanout_gtest_suite fo_gt_suite
        timed fanout_gtest_test fo_gt_test
    fi
done

ct=$(med ctest); fc=$(med fanout_ctest)
echo "## sources: $NCT CTest tests ($NFIX fixtures, $NSERIAL serial), -j$JOBS, median of $REPEAT"
echo "ctest -j$JOBS: $ct s"
echo "fanout --ctest -j$JOBS: $fc s"
echo "ctest / fanout: $(ratio "$ct" "$fc")"
if [ "$HAVE_GT" = 1 ]; then
    gw=$(med gtest_whole); gs=$(med fanout_gtest_suite); gp=$(med fanout_gtest_test)
    echo "## sources: GoogleTest, $NGT tests, -j$JOBS, median of $REPEAT"
    echo "gtest binary whole: $gw s"
    echo "fanout --gtest-process suite -j$JOBS: $gs s"
    echo "fanout --gtest (a process per test) -j$JOBS: $gp s"
    echo "suite / whole: $(ratio "$gs" "$gw")"
    echo "per test / whole: $(ratio "$gp" "$gw")"
else
    echo "gtest: skipped: no $GT_BENCH (GoogleTest is not installed)"
fi
