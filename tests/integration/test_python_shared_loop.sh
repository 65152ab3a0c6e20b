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
# Run with `fanout run` (its workers forked too) and with `fanout broker`
# and a `fanout agent` process.
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
    in_order "$MARKS" "$@" || fail "marks: expected the order $*: $(cat "$MARKS")"
}

# imports: how many processes imported the modules (the discovery: 3).
imports () { grep -c "^import " "$MARKS"; }

# check WHAT: the report and marks of one run: every test passed, each
# with one outcome, no fixture failed, the fixtures and tests met in order.
check () {
    json_assert "sorted(x['id'] for x in r['tests']) == ['./test_late/test_maker', './test_quick/test_maker', './test_slow/test_a']" \
        "$*: the three tests, each once"
    json_assert "all(x['outcome'] == 'passed' for x in r['tests'])" "$*: outcomes"
    json_assert "r['totals']['tests'] == 3 and r['totals']['passed'] == 3" "$*: totals"
    json_assert "r['fixture_errors'] == []" "$*: no fixture error"
    expect_sequence "setup slow begins" "setup quick" "test quick/maker" "setup slow ends" \
                    "test slow/a" "teardown slow begins" "setup late" "test late/maker" \
                    "teardown slow ends"
}

# run_loop OPTION...: one `fanout run` of the suite, checked.
run_loop () {
    rm -f "$MARK_DIR"/*
    run_fanout run "$@" --json "$JSON" --python .
    expect_rc 0 "$*: every fixture saw the test it waited for"
    check "$*"
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

# --- fanout broker (its fixtures forked from its own fork server) and a
#     fanout agent process (its workers new interpreters)
rm -f "$MARK_DIR"/* "$JSON"
"$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$JSON" --python . \
    >"$OUT" 2>"$ERR" &
broker=$!
echo "$broker" >"$ITEST_DIR/broker.pid"
ep=$(broker_endpoint "$ERR")
[ -n "$ep" ] || fail "the broker did not say where it listens"
timeout -k 5 120 "$FANOUT" agent --connect "$ep" --insecure -j 2 --once \
    >"$ITEST_TMP/agent.out" 2>"$ITEST_TMP/agent.err" &
agent=$!
for _ in $(seq 1200); do kill -0 "$broker" 2>/dev/null || break; sleep 0.1; done
kill -0 "$broker" 2>/dev/null && fail "fanout broker did not finish within 120 s"
wait "$broker"
RC=$?
wait "$agent" || fail "the agent ended with status $? ($(tail -n 3 "$ITEST_TMP/agent.err"))"
expect_rc 0 "fanout broker: every fixture saw the test it waited for"
check "fanout broker"
# the discovery's 3, and each module once more in the agent's worker that
# ran its one test: the broker's fixtures imported nothing (forked)
[ "$(imports)" = 6 ] || fail "fanout broker: $(imports) imports, not 6: $(grep '^import ' "$MARKS")"
echo "PASS [$ITEST_NAME]"
