#!/bin/bash
# bench/run-all.sh QUICK=1: every benchmark in bench/ in its quick mode
# (run-bench.sh, the start-up figure, cpu-bench.sh, broker-scale.sh, load-bench.sh, sched-bench.sh,
# hosts-bench.sh and artifacts-bench.sh in network namespaces when root,
# source-bench.sh, python-bench.sh), so that none rots and
# the one table keeps every row. Checks the structure only: every row is
# there once, with a number where a figure goes and yes/no/-/skipped in
# the last column; never a speed (whether a bar holds is not checked).
. "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$FANOUT")
OUT_ALL=$ITEST_TMP/all.out
ERR_ALL=$ITEST_TMP/all.err

# A build directory without a fanout binary is refused (exit 2), not run.
mkdir -p "$ITEST_TMP/empty"
rc=0
QUICK=1 bash "$FANOUT_SRC/bench/run-all.sh" "$ITEST_TMP/empty" > /dev/null 2> "$ERR_ALL" || rc=$?
[ "$rc" = 2 ] || fail "run-all.sh on a build without fanout exited $rc, not 2"
grep -q "no fanout binary" "$ERR_ALL" || fail "run-all.sh did not say why it refused: $(cat "$ERR_ALL")"

rc=0
QUICK=1 TMPDIR=$ITEST_DIR timeout 120 bash "$FANOUT_SRC/bench/run-all.sh" "$BUILD" \
    > "$OUT_ALL" 2> "$ERR_ALL" || rc=$?
[ "$rc" = 0 ] || { tail -n 40 "$ERR_ALL" >&2; cat "$OUT_ALL" >&2; fail "run-all.sh QUICK=1 exited $rc"; }

grep -q '^# fanout, all benchmarks: .*(QUICK=1' "$OUT_ALL" || { cat "$OUT_ALL" >&2; fail "no title line"; }
grep -q '^| figure | measured | bar | holds |$' "$OUT_ALL" || { cat "$OUT_ALL" >&2; fail "no table header"; }
grep -q 'cores; load average before [0-9.]* [0-9.]* [0-9.]*, after ' "$OUT_ALL" \
    || { cat "$OUT_ALL" >&2; fail "no machine and load line"; }

# want REGEX COUNT: that many table rows start with REGEX.
want () {
    local n
    n=$(grep -cE -- "^\| $1" "$OUT_ALL" || true)
    [ "$n" = "$2" ] || { cat "$OUT_ALL" >&2; fail "$n rows match '$1', not $2"; }
}
want "20 x /bin/true at -j2: fanout's share of the limit" 1
want "20 x /bin/true at -j2: the limit with capture \(fo_spawn_limit --capture\)'s share of the limit; fanout's share of it" 1
want "20 x /bin/true at -j2: the machine's CPU left idle during the run \(/proc/stat\), limit / limit with capture / fanout" 1
want "20 x /bin/true at -j2: fanout's throughput against xargs" 1
want "20 x /bin/true at -j2: ctest's time / fanout's" 1
want "2 x /bin/sleep 0.01 at -j2: fanout's efficiency" 1
want "start-up, one-test suite, wall \(min of 3 " 1
want "fanout's own CPU per test, 50 x /bin/true, fanout run -j2" 1
want "broker CPU per test with a real agent, 50 x /bin/true" 1
want "broker CPU for a one-test suite, same rounds" 1
want "agent CPU per test, same runs" 1
want "own CPU per test of the limit \(fo_spawn_limit\) / of the limit with capture" 1
want "broker, 300 tests, 2 instant fake agents" 1
want "broker, 300 tests, 8 instant fake agents" 1
want "broker throughput from the fewest to the most agents \(2/8\), 300 tests: largest / smallest" 1
want "broker CPU per test at 2/8 agents, 300 tests" 1
want "broker frames per test \(both ways, fo_loadgen's count\) and broker CPU per frame, at 2/8 agents, 300 tests" 1
want "broker peak memory per test, 300 tests" 1
want "broker loading and planning 300 tests" 1
want "300 tests \(load-bench.sh\): load\+plan s" 1
want "3000 tests \(load-bench.sh\): load\+plan s" 1
want "skewed suite at 4 slots, fanout with history" 1
want "same, fanout without history / ctest with its cost data" 1
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ! grep -q '^| agent hosts in network namespaces (hosts-bench.sh) | skipped' "$OUT_ALL"; then
    want "8 x sleep 0.1 over 2 agent hosts \(netns, -j2 each\)" 1
else
    want "agent hosts in network namespaces \(hosts-bench.sh\) \| skipped: [^|]+ \|" 1
fi

want "40 CTest tests \(fixtures, RUN_SERIAL\) at -j2: ctest's time / fanout's" 1
if [ -x "$BUILD/tests/gtest/gt_bench" ]; then
    want "GoogleTest, 100 tests, a suite per process at -j2: fanout / the binary whole" 1
    want "GoogleTest, 100 tests, a process per test at -j2: fanout / the binary whole" 1
else
    want "GoogleTest program, a (suite per process|process per test) at -j2: [^|]*\| skipped: " 2
fi
if "$PY" -c "import nose, msgpack, pytest, xdist" 2>/dev/null; then
    w="python suite, 40 tests in 8 modules of each kind, 1 ms each, a 100 ms import, -j 2"
    want "$w: unittest's time / fanout's" 1
    want "$w: nosetests --processes's time / fanout's" 1
    want "$w: pytest -n's time / fanout's" 1
    want "$w: fanout's overhead per test \(ms\)" 1
    lines=34
else
    want "python suite against unittest, nose and pytest \(python-bench.sh\) \| skipped: [^|]+ \|" 1
    lines=31
fi
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ! grep -q '^| artifacts shipped to agent hosts (artifacts-bench.sh) | skipped' "$OUT_ALL"; then
    want "artifacts: a 4 MB tree to 2 agent hosts \(netns\): cold, then warm" 1
else
    want "artifacts shipped to agent hosts \(artifacts-bench.sh\) \| skipped: [^|]+ \|" 1
fi

# Every row: four cells, a known verdict, and a number in the figure
# (a skipped row says why instead).
rows=$(grep -c '^| ' "$OUT_ALL")
[ "$rows" = "$lines" ] || { cat "$OUT_ALL" >&2; fail "$rows table lines (with the header), not $lines"; }
bad=$(awk -F'|' '/^\| / && !/^\| figure \|/ && !/^\| --- / {
        v = $5; gsub(/ /, "", v)
        if (NF != 6 || v !~ /^(yes|no|-|skipped)$/) { print; next }
        if (v != "skipped" && $3 !~ /(^|[^0-9])[0-9]+(\.[0-9]+)?/) print
        if (v == "skipped" && $3 !~ /skipped: ./) print
    }' "$OUT_ALL")
[ -z "$bad" ] || fail "malformed rows: $bad"
if grep -qwiE 'FAILED|nan|inf' "$OUT_ALL"; then cat "$OUT_ALL" >&2; fail "a row says FAILED, nan or inf"; fi
# A unit with no number before it ("(ss / ss)"): figures the table lost.
lost='\(s+( /|\))|/ s+\)'
if grep -qE "$lost" "$OUT_ALL"; then
    cat "$OUT_ALL" >&2; fail "a figure lost its number: $(grep -E "$lost" "$OUT_ALL")"
fi

# artifacts-bench.sh leaves none of its namespaces behind either (foa<pid>).
aprefix=$(sed -n 's/^  namespaces: \(foa[0-9]*\)\*$/\1/p' "$ERR_ALL" | head -n1)
if [ -n "$aprefix" ]; then
    left=$(ip netns list 2>/dev/null | grep -c "^$aprefix" || true)
    [ "$left" = 0 ] || fail "$left network namespaces $aprefix* left behind"
fi

# hosts-bench.sh leaves none of its network namespaces behind (it says
# their prefix, fob<its pid>, on stderr).
prefix=$(sed -n 's/^  namespaces: \(fob[0-9]*\)\*$/\1/p' "$ERR_ALL" | head -n1)
if [ -n "$prefix" ]; then
    left=$(ip netns list 2>/dev/null | grep -c "^$prefix" || true)
    [ "$left" = 0 ] || fail "$left network namespaces $prefix* left behind"
elif ! grep -q '^| agent hosts in network namespaces (hosts-bench.sh) | skipped' "$OUT_ALL"; then
    fail "hosts-bench.sh ran but did not name its namespaces"
fi

echo "PASS [$ITEST_NAME]"
