#!/bin/bash
# CTest's PROCESSORS (tests/data/ctest/processors): a test of PROCESSORS 2
# takes both slots of a -j2 agent, so nothing runs beside it, while -j2
# still runs two one-processor tests at once; PROCESSORS above -j is
# clamped to -j (ctest runs such a test, and so does fanout). Checked from
# what the tests wrote (when each started and ended), never from how long
# the run took; fanout's verdicts equal ctest's.
. "$(dirname "$0")/lib.sh"

command -v cmake >/dev/null || skip "cmake is missing"
command -v ctest >/dev/null || skip "ctest is missing"
COMPARE="$FANOUT_SRC/tests/integration/compare_ctest.py"
BUILD="$ITEST_TMP/build-processors"
cmake -S "$DATA/../ctest/processors" -B "$BUILD" >"$ITEST_TMP/cmake.log" 2>&1 \
    || fail "cmake failed: $(tail -5 "$ITEST_TMP/cmake.log")"

fresh () { rm -rf "$BUILD/stamps.log" "$BUILD"/*.started "$BUILD/wide.lock"; }

# No wide test's interval [start, end] meets another test's; the two
# pair tests' intervals do meet.
check_stamps () {
    "$PY" - "$BUILD/stamps.log" "$1" <<'PY' || fail "$1: $(cat "$BUILD/stamps.log")"
import sys
runs = {}
for line in open(sys.argv[1]):
    name, what, at = line.split()
    runs.setdefault(name, {})[what] = float(at)
for name in ("wide_a", "wide_b", "too_wide", "narrow_a", "narrow_b", "pair_a", "pair_b"):
    assert set(runs.get(name, {})) == {"start", "end"}, f"{name} did not stamp both ends: {runs.get(name)}"
def meet(a, b):
    return runs[a]["start"] <= runs[b]["end"] and runs[b]["start"] <= runs[a]["end"]
for wide in ("wide_a", "wide_b", "too_wide"):
    for other in runs:
        assert other == wide or not meet(wide, other), f"{wide} overlapped {other}"
assert meet("pair_a", "pair_b"), "pair_a and pair_b never ran at once"
PY
}

fresh
(cd "$BUILD" && timeout -k 5 120 ctest -j2 --output-junit "$ITEST_TMP/ctest.xml" \
    >"$ITEST_TMP/ctest.log" 2>&1)
[ -s "$ITEST_TMP/ctest.xml" ] || fail "ctest wrote no JUnit file"
check_stamps ctest

fresh
run_fanout run -j2 --ctest "$BUILD" --json "$JSON"
expect_rc 0 "every test passes when PROCESSORS is honoured"
check_stamps fanout
"$PY" "$COMPARE" "$ITEST_TMP/ctest.xml" "$JSON" >"$ITEST_TMP/cmp" \
    || fail "verdicts differ: $(cat "$ITEST_TMP/cmp")"

# One slot: everything one after another, too_wide (PROCESSORS 4) too.
fresh
run_fanout run -j1 --ctest "$BUILD" --test "$BUILD/too_wide" --test "$BUILD/wide_a"
expect_rc 0 "PROCESSORS above the agent's slots is clamped, not refused"
echo "PASS [$ITEST_NAME]"
