#!/bin/bash
# A persistent worker keeps a split context set up across its tests and
# tears it down when it turns to another context or ends (docs/python-
# workers.md, "Split contexts"); a kept context's teardown that raises is
# shown where the docs say: at the start of the stderr of the step that
# made the worker turn away, or in the agent's log when the worker ends.
# A split context inside a shared one is not kept (its teardowns before the
# shared one's); a kept teardown that hangs when the worker is restarted is
# killed after 10 s (its slot waits, not the agent); a kept context is torn
# down when the agent's session (its run) ends. (The counts against nose: test_python_nose.sh.)
# tests/data/python/split.
. "$(dirname "$0")/lib.sh"

"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/split" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
NOTE="fanout: the teardown of split context test_split_bad (kept set up for its tests) failed:"

# --- one worker, the split module's tests then test_z: torn down at the switch
run_fanout run -j 1 --json "$JSON" --python .
check_one_outcome ./test_split_bad/test_a ./test_split_bad/test_b ./test_z/test_z
json_assert "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "t('./test_z/test_z')['stderr'].startswith('$NOTE')" "test_z's stderr starts with the teardown's failure"
json_assert "'RuntimeError: split teardown broke' in t('./test_z/test_z')['stderr']"
json_assert "'fanout_nose' not in t('./test_z/test_z')['stderr']" "the helper's own frames are left out"
json_assert "t('./test_split_bad/test_b')['stderr'] == ''" "the split module's tests see nothing of it"

# --- the split module alone: torn down when the worker ends, in the log
run_fanout run -j 1 --json "$JSON" --python test_split_bad.py
json_assert "all(x['outcome'] == 'passed' for x in r['tests'])"
expect_err "warning: python worker: $NOTE"
expect_err "RuntimeError: split teardown broke"

# --- a split module inside a shared package is not kept: its teardowns
# come before the package's (which the broker runs after the last test)
export MARK_DIR="$ITEST_DIR/marks"
mkdir "$MARK_DIR" || fail "mkdir"
run_fanout run -j 1 --json "$JSON" --python in_shared
expect_rc 0
[ "$(tr '\n' ',' <"$MARK_DIR/log")" = "pkg setup,split setup,split teardown,split setup,split teardown,pkg teardown," ] \
    || fail "fixtures in a shared package: $(tr '\n' ',' <"$MARK_DIR/log")"

# --- a kept teardown that hangs at a restart: killed after 10 s
# (FO_PYTHON_RESTART_GRACE_MS), said in the log; the run goes on
rm -f "$MARK_DIR/log"
run_fanout run -j 1 --restart-worker --json "$JSON" --python slow_teardown
expect_rc 0
json_assert "[x['outcome'] for x in r['tests']] == ['passed', 'passed']"
expect_err "warning: python worker: the teardowns of the split contexts it kept set up took more than 10000 ms: killed"
[ "$(tr '\n' ',' <"$MARK_DIR/log")" = "teardown,teardown,done," ] \
    || fail "slow teardown: $(tr '\n' ',' <"$MARK_DIR/log")"

# --- an agent that serves two runs (no --once): the split context it keeps
# is torn down when the first run's session ends, before the second run
rm -f "$MARK_DIR/log"
EP="ipc://$ITEST_TMP/broker.sock"
timeout -k 5 60 "$FANOUT" agent --connect "$EP" -j 1 >"$ITEST_TMP/agent.out" 2>"$ITEST_TMP/agent.err" &
AGENT=$!
for run in 1 2; do
    timeout -k 5 60 "$FANOUT" broker --bind "$EP" --json "$JSON" --python sessions >"$OUT" 2>"$ERR"
    RC=$?
    expect_rc 0 "broker run $run"
    json_assert "[x['outcome'] for x in r['tests']] == ['passed']"
    for _ in $(seq 100); do
        [ "$(grep -c teardown "$MARK_DIR/log" 2>/dev/null)" = "$run" ] && break
        sleep 0.1
    done
    [ "$(tr '\n' ',' <"$MARK_DIR/log")" = "$( [ $run = 1 ] && echo setup,teardown, || echo setup,teardown,setup,teardown,)" ] \
        || { kill "$AGENT"; fail "after run $run: $(tr '\n' ',' <"$MARK_DIR/log")"; }
done
kill -TERM "$AGENT"
wait "$AGENT" || fail "the agent ended with $?: $(tail -n 3 "$ITEST_TMP/agent.err")"
echo "PASS [$ITEST_NAME]"
