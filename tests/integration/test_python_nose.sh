#!/bin/bash
# Conformance of the Python source with nose's multiprocess plugin
# (issue 12, item 6): the suite in tests/data/python/nose — nose's
# documentation's example (three modules with identical fixtures: shared,
# can-split, unmarked), generators, every outcome, a module that fails to
# import, a module whose setup raises, a package and class fixtures — run
# by `nosetests --processes=2` from Debian's python3-nose and by
# `fanout run --python`: the same tests found, the same outcomes (order
# aside; compare_nose.py; a setup that raises: one error for its context,
# its tests not run). Then the fixture calls each made: unmarked and
# shared once, split once per worker process that ran its tests (nose and
# fanout alike; fanout again after a switch to another context, and
# around each test with --restart-worker or --no-python-worker).
. "$(dirname "$0")/lib.sh"

"$PY" -c "import nose" 2>/dev/null || skip "python3-nose is not installed"
"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/nose" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export CALLED_DIR="$ITEST_DIR/called"

calls () { sort "$CALLED_DIR/$1.called" | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ' | sed 's/ $//'; }

# split_calls WHAT: the split module's calls in each process
# (can_split.bypid: "PID setup|test|teardown") follow nose's rule, a split
# context set up once per worker process for the tests it runs there:
# each process's calls are setup, tests, teardown (again only after a
# teardown); with WHAT "once", exactly one setup in each process; with
# "nose", as nose does it: one setup first, one teardown; the six tests
# ran. Prints how many setups.
split_calls () {
    "$PY" - "$CALLED_DIR/can_split.bypid" "$1" <<'PY'
import collections, sys
seq = collections.OrderedDict()
for line in open(sys.argv[1]):
    pid, what = line.split()
    seq.setdefault(pid, []).append(what)
setups = tests = 0
for pid, calls in seq.items():
    setups += calls.count("setup")
    tests += calls.count("test")
    if sys.argv[2] == "nose":
        # nose: one setup per process, first; one teardown, which may come
        # before the process's last tests of the context (nose tears a
        # context down once the suites it has loaded so far have run)
        if calls[0] != "setup" or calls.count("setup") != 1 or calls.count("teardown") != 1:
            sys.exit("process %s: %s" % (pid, " ".join(calls)))
        continue
    state = "down"
    for c in calls:
        ok = {"setup": state == "down", "test": state in ("up", "ran"),
              "teardown": state == "ran"}[c]
        if not ok:
            sys.exit("process %s: %s" % (pid, " ".join(calls)))
        state = {"setup": "up", "test": "ran", "teardown": "down"}[c]
    if state != "down":
        sys.exit("process %s did not tear down: %s" % (pid, " ".join(calls)))
    if sys.argv[2] == "once" and calls.count("setup") != 1:
        sys.exit("process %s set up %d times: %s" % (pid, calls.count("setup"), " ".join(calls)))
if tests != 6:
    sys.exit("%d tests of can_split ran, not 6" % tests)
print(setups)
PY
}

# --- nose itself
mkdir "$CALLED_DIR" || fail "mkdir"
timeout -k 5 120 "$PY" -m nose --processes=2 -v 2>"$ITEST_TMP/nose.txt"
[ $? -eq 1 ] || fail "nosetests did not end with its failures (exit 1)"
grep -q "Ran 45 tests" "$ITEST_TMP/nose.txt" || fail "nose ran another number of tests: $(tail -n 3 "$ITEST_TMP/nose.txt")"
[ "$(calls not_shared)" = "setup=1 teardown=1" ] || fail "nose: not_shared calls $(calls not_shared)"
[ "$(calls shared)" = "setup=1 teardown=1" ] || fail "nose: shared calls $(calls shared)"
split_calls nose >/dev/null || fail "nose: can_split calls $(cat "$CALLED_DIR/can_split.bypid")"

# --- fanout, persistent workers, and again with a new worker per task
for restart in "" --restart-worker; do
    rm -rf "$CALLED_DIR" && mkdir "$CALLED_DIR" || fail "mkdir"
    run_fanout run -j 2 $restart --json "$JSON" --python .
    expect_rc 1
    "$PY" "$FANOUT_SRC/tests/integration/compare_nose.py" "$ITEST_TMP/nose.txt" "$JSON" ./ \
        >"$ITEST_TMP/diff" || fail "fanout $restart differs from nose: $(cat "$ITEST_TMP/diff")"
    [ "$(calls not_shared)" = "setup=1 teardown=1" ] || fail "not_shared calls $(calls not_shared)"
    [ "$(calls shared)" = "setup=1 teardown=1" ] || fail "shared calls $(calls shared)"
    # nose's rule for a split context: once per worker process (again
    # after a switch to another context), never around every test
    split_calls balanced >"$ITEST_TMP/setups" || fail "fanout $restart: can_split calls $(cat "$CALLED_DIR/can_split.bypid")"
done
# --restart-worker: a new worker per task, so one setup per test
[ "$(cat "$ITEST_TMP/setups")" = 6 ] || fail "--restart-worker: can_split set up $(cat "$ITEST_TMP/setups") times, not 6"

# Output, the traceback and logging reach the report; a skip has its reason.
json_assert "t('./test_outcomes/test_pass')['stdout'] == 'to stdout\n'"
json_assert "'to stderr' in t('./test_outcomes/test_pass')['stderr']"
json_assert "'outcomes: WARNING: a warning' in t('./test_outcomes/test_pass')['stderr']"
json_assert "t('./test_outcomes/test_fail')['message'] == 'AssertionError: one is not two'"
json_assert "'test_outcomes.py\", line' in t('./test_outcomes/test_fail')['stderr']"
json_assert "t('./test_outcomes/test_nose_skip')['message'] == 'nose says skip'"
json_assert "t('./test_outcomes/TestUnit/test_expected_failure')['message'] == 'expected failure'"
json_assert "'fanout_no_such_module' in t('./test_import_error')['stderr']"
# a setup that raises: one error, the context's (nose: "test suite for
# <module 'test_fixture_error'>"), its tests not run saying why
json_assert "t('./test_fixture_error/test_one')['outcome'] == 'not_run'"
json_assert "t('./test_fixture_error/test_one')['message'] == \"not run (setup of context './test_fixture_error' failed: exit status 1)\""
json_assert "[(f['context'], f['phase']) for f in r['fixture_errors']] == [('./test_fixture_error', 'setup')]"
json_assert "'setup_module broke' in r['fixture_errors'][0]['stderr']"

# --- the split module alone, two workers: nose and fanout set it up once
# in each worker process that ran its tests (never around each test), and
# tear it down at the worker's end; one worker: once
rm -rf "$CALLED_DIR" && mkdir "$CALLED_DIR" || fail "mkdir"
timeout -k 5 120 "$PY" -m nose --processes=2 test_can_split.py 2>"$ITEST_TMP/nose-split.txt" \
    || fail "nose failed on test_can_split.py: $(tail -n 5 "$ITEST_TMP/nose-split.txt")"
split_calls nose >/dev/null || fail "nose: can_split calls $(cat "$CALLED_DIR/can_split.bypid")"
for j in 1 2; do
    rm -rf "$CALLED_DIR" && mkdir "$CALLED_DIR" || fail "mkdir"
    run_fanout run -j $j --json "$JSON" --python test_can_split.py
    expect_rc 0
    n=$(split_calls once) || fail "fanout -j $j: can_split calls $(cat "$CALLED_DIR/can_split.bypid")"
    [ "$n" -le "$j" ] || fail "fanout -j $j: can_split set up $n times"
done
[ "$n" -le 2 ] || fail "can_split set up $n times by 2 workers"
rm -rf "$CALLED_DIR" && mkdir "$CALLED_DIR" || fail "mkdir"
run_fanout run -j 2 --no-python-worker --json "$JSON" --python test_can_split.py
expect_rc 0
[ "$(calls can_split)" = "setup=6 teardown=6" ] || fail "--no-python-worker: can_split calls $(calls can_split)"
echo "PASS [$ITEST_NAME]"
