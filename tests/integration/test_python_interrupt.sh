#!/bin/bash
# A Python test that raises KeyboardInterrupt stops the run as Ctrl-C
# (SIGINT) on fanout does (issue 12, item 5; docs/python.md):
# the test ends not_run saying so, the test running beside it is killed and
# every test not yet finished is not_run "not run (interrupted)", the
# module's teardown still runs, the report (JSON, JUnit, console) is
# complete and marked interrupted, exit status 130 — with persistent
# workers, with a process per test, and through fanout broker + fanout
# agent (the result's `interrupt`, protocol 6). tests/data/python/interrupt:
# test_interrupt.py's second test raises once a test of test_sleeping.py
# (which sleeps 60 s) is running; test_setup_interrupt.py's setup_module
# raises (a fixture step: its fixture error says so).
. "$(dirname "$0")/lib.sh"

"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/interrupt" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export MARK_DIR="$ITEST_DIR/marks"
IDS="./test_interrupt/test_1_first ./test_interrupt/test_2_interrupt ./test_interrupt/test_3_after
./test_sleeping/test_a ./test_sleeping/test_b ./test_sleeping/test_c"

# The report of an interrupted run: every test once; the first passed, the
# interrupting one and all the others not_run with the SIGINT path's words.
check_report () {
    # shellcheck disable=SC2086
    check_one_outcome $IDS
    json_assert "r['interrupted'] is True and r['exit_status'] == 130 and r['stop_reason'] == 'interrupted'"
    json_assert "t('./test_interrupt/test_1_first')['outcome'] == 'passed'"
    json_assert "t('./test_interrupt/test_2_interrupt')['outcome'] == 'not_run'"
    json_assert "t('./test_interrupt/test_2_interrupt')['message'] == 'not run (interrupted: the test raised KeyboardInterrupt)'"
    json_assert "'KeyboardInterrupt' in t('./test_interrupt/test_2_interrupt')['stderr']"
    json_assert "all(x['outcome'] == 'not_run' and x['message'] == 'not run (interrupted)' for x in r['tests'] if x['id'] not in ('./test_interrupt/test_1_first', './test_interrupt/test_2_interrupt'))" \
        "every other test is not run (interrupted)"
    # a sleeping test was running (and was stopped, not waited for)
    [ -s "$MARK_DIR/sleeping" ] || fail "no sleeping test ran beside the interrupting one"
    # the unmarked module's teardown ran; its third test never did
    [ "$(tr '\n' ' ' <"$MARK_DIR/module.log")" = "$1" ] \
        || fail "module.log: '$(tr '\n' ' ' <"$MARK_DIR/module.log")', expected '$1'"
}

# --- fanout run: persistent workers, then a process per test (which runs
# the module's fixtures around each test)
for mode in "" --no-python-worker; do
    rm -rf "$MARK_DIR" && mkdir "$MARK_DIR" || fail "mkdir"
    run_fanout run -j 2 $mode --json "$JSON" --junit-xml "$ITEST_TMP/junit.xml" --python .
    expect_rc 130 "$mode"
    if [ -z "$mode" ]; then check_report "up down "; else check_report "up down up down "; fi
    expect_out "INTERRUPTED"
    expect_out "NOT RUN: ./test_interrupt/test_2_interrupt: not run (interrupted: the test raised KeyboardInterrupt)"
    check_summary_matches_json
    "$PY" - "$ITEST_TMP/junit.xml" <<'PY' || fail "the JUnit report is not complete"
import sys, xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
names = sorted(c.get("classname", "") + "/" + c.get("name", "") for c in cases)
sys.exit(0 if len(names) == 6 else "JUnit has %d testcases: %r" % (len(names), names))
PY
done

# --- fanout broker + fanout agent (a separate process): the result's
# interrupt crosses the wire
rm -rf "$MARK_DIR" && mkdir "$MARK_DIR" || fail "mkdir"
rm -f "$JSON"
FANOUT_LOG=info timeout -k 5 120 "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure \
    --json "$JSON" --python . >"$OUT" 2>"$ERR" &
BROKER=$!
EP=$(broker_endpoint "$ERR")
[ -n "$EP" ] || { kill "$BROKER"; fail "the broker did not say where it listens"; }
timeout -k 5 120 "$FANOUT" agent --connect "$EP" --insecure -j 2 --once \
    >"$ITEST_TMP/agent.out" 2>"$ITEST_TMP/agent.err"
ARC=$?
wait "$BROKER"
RC=$?
[ "$ARC" = 0 ] || fail "the agent ended with $ARC: $(tail -n 5 "$ITEST_TMP/agent.err")"
expect_rc 130 "broker"
check_report "up down "
expect_err "test './test_interrupt/test_2_interrupt' interrupted the run"

# --- KeyboardInterrupt in a setup_module (a fixture step in the worker):
# the same stop; the interrupt is the setup's fixture error
rm -rf "$MARK_DIR" && mkdir "$MARK_DIR" || fail "mkdir"
run_fanout run -j 2 --json "$JSON" --python in_fixture/test_setup_interrupt.py --python test_sleeping.py
expect_rc 130
check_one_outcome in_fixture/test_setup_interrupt.py/test_setup_interrupt/test_never \
    test_sleeping.py/test_sleeping/test_a test_sleeping.py/test_sleeping/test_b \
    test_sleeping.py/test_sleeping/test_c
json_assert "r['interrupted'] is True and r['stop_reason'] == 'interrupted'"
json_assert "all(x['outcome'] == 'not_run' and x['message'] == 'not run (interrupted)' for x in r['tests'])"
json_assert "[(f['context'], f['phase'], f['message']) for f in r['fixture_errors']] == [('in_fixture/test_setup_interrupt.py/test_setup_interrupt', 'setup', \"setup of context 'in_fixture/test_setup_interrupt.py/test_setup_interrupt' interrupted the run (KeyboardInterrupt)\")]"
json_assert "'KeyboardInterrupt' in r['fixture_errors'][0]['stderr']"
expect_out "INTERRUPTED"
echo "PASS [$ITEST_NAME]"
