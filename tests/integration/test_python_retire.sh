#!/bin/bash
# A Python worker retired at a restart does not hold the agent's loop
# (docs/python-workers.md, "Split contexts"; fo_runner_python.h): while it
# tears down the split context it kept, the agent's other slot goes on
# starting tests. Here the teardown waits for a file that only a test
# started on the other slot after the teardown began makes (at most 5 s,
# then it raises, which the agent logs); with a retirement that held the
# loop, no test could start, the teardown never saw the file, and was
# killed or failed. Every test ends once, passed; the teardown finishes;
# nothing is logged about the worker. At the run's end the slots' workers
# retire side by side: two teardowns that wait for each other both end.
# (tests/data/python/retire)
. "$(dirname "$0")/lib.sh"

"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/retire" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export MARK_DIR="$ITEST_DIR/marks"
mkdir "$MARK_DIR" || fail "mkdir"

# Without history the kept context's task is leased first (discovery order),
# beside test_b_others/test_1, which waits for its teardown to begin.
run_fanout run -j 2 --restart-worker --no-history --json "$JSON" --python restart
expect_rc 0
check_one_outcome restart/test_a_kept/test_1 restart/test_b_others/test_1 restart/test_b_others/test_2 \
    restart/test_b_others/test_3 restart/test_b_others/test_4 restart/test_b_others/test_5 \
    restart/test_b_others/test_6
json_assert "all(x['outcome'] == 'passed' for x in r['tests'])"
[ "$(tr '\n' ',' <"$MARK_DIR/log")" = "setup,teardown began,teardown done," ] \
    || fail "the kept context's fixtures: $(tr '\n' ',' <"$MARK_DIR/log")"
[ -e "$MARK_DIR/made" ] || fail "no test started after the teardown began"
! grep -q "python worker" "$ERR" || fail "the retirement was logged: $(grep "python worker" "$ERR")"

# --- the end: both slots' workers keep the context; retired one after the
# other, the first teardown would wait for the second in vain
rm -f "$MARK_DIR"/*
run_fanout run -j 2 --no-history --json "$JSON" --python end
expect_rc 0
check_one_outcome end/test_both_kept/test_1 end/test_both_kept/test_2
json_assert "all(x['outcome'] == 'passed' for x in r['tests'])"
[ "$(sort "$MARK_DIR/log" | tr '\n' ',')" = "setup,setup,teardown done,teardown done," ] \
    || fail "the kept contexts' fixtures: $(tr '\n' ',' <"$MARK_DIR/log")"
! grep -q "python worker" "$ERR" || fail "a retirement was logged: $(grep "python worker" "$ERR")"
echo "PASS [$ITEST_NAME]"
