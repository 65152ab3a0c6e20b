#!/bin/bash
# Conformance of the Python source with nose's multiprocess plugin
# (issue 12, item 6): the suite in tests/data/python/nose — nose's
# documentation's example (three modules with identical fixtures: shared,
# can-split, unmarked), generators, every outcome, a module that fails to
# import, a module whose setup raises, a package and class fixtures — run
# by `nosetests --processes=2` from Debian's python3-nose and by
# `fanout run --python`: the same tests found, the same outcomes (order
# aside; compare_nose.py). Then the fixture calls each made: unmarked and
# shared once, split around each test in fanout (nose: once per worker
# process at least).
. "$(dirname "$0")/lib.sh"

"$PY" -c "import nose" 2>/dev/null || skip "python3-nose is not installed"
"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/nose" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export CALLED_DIR="$ITEST_DIR/called"

calls () { sort "$CALLED_DIR/$1.called" | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ' | sed 's/ $//'; }

# --- nose itself
mkdir "$CALLED_DIR" || fail "mkdir"
timeout -k 5 120 "$PY" -m nose --processes=2 -v 2>"$ITEST_TMP/nose.txt"
[ $? -eq 1 ] || fail "nosetests did not end with its failures (exit 1)"
grep -q "Ran 45 tests" "$ITEST_TMP/nose.txt" || fail "nose ran another number of tests: $(tail -n 3 "$ITEST_TMP/nose.txt")"
[ "$(calls not_shared)" = "setup=1 teardown=1" ] || fail "nose: not_shared calls $(calls not_shared)"
[ "$(calls shared)" = "setup=1 teardown=1" ] || fail "nose: shared calls $(calls shared)"

# --- fanout, persistent workers, and again with a new worker per task
for restart in "" --restart-worker; do
    rm -rf "$CALLED_DIR" && mkdir "$CALLED_DIR" || fail "mkdir"
    run_fanout run -j 2 $restart --json "$JSON" --python .
    expect_rc 1
    "$PY" "$FANOUT_SRC/tests/integration/compare_nose.py" "$ITEST_TMP/nose.txt" "$JSON" ./ \
        >"$ITEST_TMP/diff" || fail "fanout $restart differs from nose: $(cat "$ITEST_TMP/diff")"
    [ "$(calls not_shared)" = "setup=1 teardown=1" ] || fail "not_shared calls $(calls not_shared)"
    [ "$(calls shared)" = "setup=1 teardown=1" ] || fail "shared calls $(calls shared)"
    [ "$(calls can_split)" = "setup=6 teardown=6" ] || fail "can_split calls $(calls can_split)"
done
# Output, the traceback and logging reach the report; a skip has its reason.
json_assert "t('./test_outcomes/test_pass')['stdout'] == 'to stdout\n'"
json_assert "'to stderr' in t('./test_outcomes/test_pass')['stderr']"
json_assert "'outcomes: WARNING: a warning' in t('./test_outcomes/test_pass')['stderr']"
json_assert "t('./test_outcomes/test_fail')['message'] == 'AssertionError: one is not two'"
json_assert "'test_outcomes.py\", line' in t('./test_outcomes/test_fail')['stderr']"
json_assert "t('./test_outcomes/test_nose_skip')['message'] == 'nose says skip'"
json_assert "t('./test_outcomes/TestUnit/test_expected_failure')['message'] == 'expected failure'"
json_assert "'fanout_no_such_module' in t('./test_import_error')['stderr']"
json_assert "t('./test_fixture_error/test_one')['outcome'] == 'error'"
echo "PASS [$ITEST_NAME]"
