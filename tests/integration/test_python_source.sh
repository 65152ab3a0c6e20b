#!/bin/bash
# The python source's discovery and modes (tests/data/python/source;
# docs/sources.md, "Python"): split and shared at once is refused naming the
# module (exit 2); a suite file's entry with nose's --match as `match`; a
# shared package's setup runs once (on the broker's host), exports a
# variable every test receives, and its tests spread over the slots; a
# shared module's setup and teardown run in one process that lives between
# them and not after (nor after its broker was killed);
# `_multiprocess_ = False` is a serial task; a path that is not there and a
# bad option are refused before anything runs; tracebacks start at the
# test's own code.
. "$(dirname "$0")/lib.sh"

"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/source" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export MARK_DIR="$ITEST_DIR/marks"
mkdir "$MARK_DIR" || fail "mkdir"

# --- both attributes: an error naming the module, nothing runs
run_fanout run --python both
expect_rc 2
expect_err "fanout run: --python 'both': module test_both sets both _multiprocess_can_split_ and _multiprocess_shared_"

# --- nose's --match
run_fanout run -v --json "$JSON" match.yml
expect_rc 1
check_one_outcome match/check_things/check_one match/check_things/check_two
json_assert "t('match/check_things/check_two')['message'] == 'AssertionError: two'"
json_assert "t('match/check_things/check_two')['stderr'].startswith('Traceback (most recent call last):\n  File \"' + '$ITEST_DIR/suite/match/check_things.py')" \
    "the traceback starts in the test's file"

# ... or NOSE_TESTMATCH, as nose read it
NOSE_TESTMATCH='^check' run_fanout run --json "$JSON" --python match
expect_rc 1
check_one_outcome match/check_things/check_one match/check_things/check_two

# --- a shared package: setup once, exports everywhere, tests spread
PID_BARRIER=2 run_fanout run -j 3 --json "$JSON" --python exports     # (waits for 2 workers)
expect_rc 0
json_assert "r['totals']['passed'] == 6"
[ "$(tr '\n' ' ' <"$MARK_DIR/shared.calls")" = "setup teardown " ] || fail "shared calls: $(cat "$MARK_DIR/shared.calls")"
[ "$(cut -d' ' -f2 "$MARK_DIR/tests" | sort -u | wc -l)" -ge 2 ] || fail "the shared package's tests ran in one worker"
json_assert "len({t['worker'] for t in r['tests']}) >= 2" "the tests spread over the slots"

# --- a shared module's setup and teardown in one process kept alive between
#     them (nose's main process), which is gone after the run
run_fanout run -j 2 --json "$JSON" --python keeper
expect_rc 0
json_assert "r['totals']['passed'] == 2"
json_assert "not r.get('fixture_errors')" "no fixture error: the teardown saw the setup's state"
setup_pid=$(sed -n 's/^setup //p' "$MARK_DIR/keeper.calls")
[ -n "$setup_pid" ] && [ "$(sed -n 's/^teardown //p' "$MARK_DIR/keeper.calls")" = "$setup_pid" ] ||
    fail "setup and teardown ran in different processes: $(cat "$MARK_DIR/keeper.calls")"
! alive "$setup_pid" || fail "the keeper $setup_pid outlived the run"
# ... and a keeper does not outlive its broker killed (fanout's guardian
# ends the run's processes; else the keeper itself sees its broker gone).
rm -f "$MARK_DIR/keeper.calls"
printf 'contexts:
  - name: k
    source: [{kind: python, from: [keeper]}]
    tests: [{name: hold, run: "touch %s/held; sleep 60"}]
' \
    "$ITEST_DIR" >hold.yml
"$FANOUT" run -j 1 hold.yml >"$OUT" 2>"$ERR" &
fanout_pid=$!
for _ in $(seq 600); do grep -q '^setup' "$MARK_DIR/keeper.calls" 2>/dev/null && break; sleep 0.1; done
setup_pid=$(sed -n 's/^setup //p' "$MARK_DIR/keeper.calls")
[ -n "$setup_pid" ] || fail "the shared setup did not run"
kill -KILL "$fanout_pid"
for _ in $(seq 100); do alive "$setup_pid" || break; sleep 0.1; done
! alive "$setup_pid" || fail "the keeper $setup_pid outlived its broker by 10 s"

# --- serial
run_fanout list --plan --python serial
expect_rc 0
expect_out "serial: runs alone"

# --- refused before anything runs
run_fanout run --python no/such/dir
expect_rc 2
expect_err "--python 'no/such/dir':"
printf 'source:\n  - {kind: python, from: [match], options: {exe: maybe}}\n' >bad.yml
run_fanout run bad.yml
expect_rc 2
expect_err "option 'exe' is true or false"
printf 'source:\n  - {kind: python, from: [match], options: {pattern: x}}\n' >bad.yml
run_fanout run bad.yml
expect_rc 2
expect_err "source kind 'python' has no option 'pattern'"
echo "PASS [$ITEST_NAME]"
