#!/bin/bash
# The broker's loop never waits for a Python shared context's fixture
# (its setup step and keeper forked from the discovery's fork server,
# lib/proc/fo_pyfork.h, or spawned with --python-fork=no): while a shared
# module's setup or teardown runs, the broker goes on leasing the tests of
# other modules. The Python twin of test_fixtures_shared_loop.sh; no timing
# is measured.
#
# tests/data/python/shared_loop: test_slow's setup_module waits (up to
# 20 s, then fails) for a file test_quick's test makes, and test_quick's
# setup_module waits for test_slow's setup to begin, so that test can only
# be leased while test_slow's setup runs; test_slow's teardown_module waits
# likewise for test_late's test, whose module is set up only once that
# teardown runs. A broker that waited for a fixture's process (or for the
# fork server's answer beyond the fork itself) would never lease them.
. "$(dirname "$0")/lib.sh"

"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/shared_loop" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export MARK_DIR="$ITEST_DIR/marks"
mkdir "$MARK_DIR" || fail "mkdir"
MARKS=$MARK_DIR/marks

# expect_sequence LINE...: these lines are in the marks in this order.
expect_sequence () {
    "$PY" - "$MARKS" "$@" <<'PYEOF' || fail "marks: expected the order $*: $(cat "$MARKS")"
import sys
lines = open(sys.argv[1]).read().splitlines()
pos = 0
for want in sys.argv[2:]:
    try:
        pos = lines.index(want, pos) + 1
    except ValueError:
        sys.exit("'%s' is missing after line %d" % (want, pos))
PYEOF
}

# imports: how many processes imported the modules (the discovery: 3).
imports () { grep -c "^import " "$MARKS"; }

# run_loop OPTION...: one run of the suite; every test passes, each with
# one outcome, no fixture fails, and the fixtures and tests met in order.
run_loop () {
    rm -f "$MARK_DIR"/*
    run_fanout run "$@" --json "$JSON" --python .
    expect_rc 0 "$*: every fixture saw the test it waited for"
    json_assert "sorted(x['id'] for x in r['tests']) == ['./test_late/test_maker', './test_quick/test_maker', './test_slow/test_a']" \
        "$*: the three tests, each once"
    json_assert "all(x['outcome'] == 'passed' for x in r['tests'])" "$*: outcomes"
    json_assert "r['totals']['tests'] == 3 and r['totals']['passed'] == 3" "$*: totals"
    json_assert "r['fixture_errors'] == []" "$*: no fixture error"
    expect_sequence "setup slow begins" "setup quick" "test quick/maker" "setup slow ends" \
                    "test slow/a" "teardown slow begins" "setup late" "test late/maker" \
                    "teardown slow ends"
}

# --- forked from the fork server: each module imported once, by the
#     discovery (a keeper or worker started as a new interpreter would
#     import its module again). With -j 1 the local agent forks its worker
#     from its own loop's thread, through the same server the fixtures'
#     spawner thread uses.
for j in 2 1; do
    run_loop -j $j
    [ "$(imports)" = 3 ] || fail "forked, -j $j: $(imports) imports, not 3: $(grep '^import ' "$MARKS")"
done

# --- spawned as new interpreters (--python-fork=no)
run_loop -j 2 --python-fork=no
[ "$(imports)" -gt 3 ] || fail "--python-fork=no: only $(imports) imports (nothing spawned?)"
echo "PASS [$ITEST_NAME]"
