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
# A run interrupted while a worker retires kills it: no process is left.
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

# --- the run interrupted while a worker retires (its kept teardown hangs):
# the step waiting for it is stopped, the retiree killed and reaped with it
rm -f "$MARK_DIR"/* "$JSON"
timeout -k 5 120 "$FANOUT" run -j 1 --restart-worker --no-history --json "$JSON" \
    --python hang >"$OUT" 2>"$ERR" &
FO=$!
for _ in $(seq 300); do
    [ -s "$ITEST_DIR/retiree.pid" ] && break
    sleep 0.1
done
[ -s "$ITEST_DIR/retiree.pid" ] || { kill -KILL "$FO"; fail "the kept teardown never began"; }
RETIREE=$(cat "$ITEST_DIR/retiree.pid")
alive "$RETIREE" || fail "the retiring worker is not running"
kill -INT "$FO"
wait "$FO"
RC=$?
expect_rc 130
check_one_outcome hang/test_hang/test_1 hang/test_hang/test_2
json_assert "t('hang/test_hang/test_1')['outcome'] == 'passed'"
json_assert "t('hang/test_hang/test_2')['outcome'] == 'not_run'"
! alive "$RETIREE" || fail "the retiring worker survived the run"
[ "$(tr '\n' ',' <"$MARK_DIR/log")" = "setup,teardown began," ] \
    || fail "the hung teardown: $(tr '\n' ',' <"$MARK_DIR/log")"
expect_err "python worker: killed while it tore down the split contexts it kept set up (the step that waited for it was stopped)"
echo "PASS [$ITEST_NAME]"
