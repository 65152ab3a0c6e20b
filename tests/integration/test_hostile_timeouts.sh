#!/usr/bin/env bash
# Timeouts: a test sleeping past its limit, one ignoring SIGTERM and one
# that stopped itself are killed (whole process group, SIGTERM and SIGCONT,
# SIGKILL after the grace) and reported as
# `timeout` with their output so far and the elapsed time; the rest of a
# task goes on after a timed-out test; --timeout / FANOUT_TIMEOUT set the
# default and the suite file wins; --task-timeout; slow-test notices.
. "$(dirname "$0")/hostile_common.sh"

# ---- per-test timeouts ------------------------------------------------------
cat >"$T/suite.yml" <<EOF
timeout: 60
tests:
  - name: sleeps-past
    run: "echo partial; $SLEEP 30"
    timeout: 1
  - name: ignores-term
    run: "trap '' TERM; echo started; $SLEEP 30; echo never"
    timeout: 1
  - name: stops-itself
    run: "trap 'echo cleaned > $T/stopped.trap; exit 3' TERM; kill -STOP \$\$; $SLEEP 30"
    timeout: 1
  - name: quick
    run: "true"
contexts:
  - name: unit
    setup: "echo up > $T/unit.log"
    teardown: "echo down >> $T/unit.log"
    tests:
      - {name: first, run: "true"}
      - {name: hangs, run: "$SLEEP 30", timeout: 0.5}
      - {name: after, run: "echo still-running"}
EOF
run_fanout run -j 3 --json "$T/r.json" "$T/suite.yml"
[ "$RC" = 1 ] || fail "exit status $RC, expected 1"
R=$T/r.json
assert_complete "$R" sleeps-past ignores-term stops-itself quick unit/first unit/hangs unit/after
expect_outcome "$R" sleeps-past timeout
expect_message "$R" sleeps-past "timed out after"
expect_message "$R" sleeps-past "(limit 1.0s)"
[ "$(jq -r '.tests[] | select(.id == "sleeps-past") | .stdout' "$R")" = partial ] \
    || fail "sleeps-past: output so far not kept"
jq -e '.tests[] | select(.id == "sleeps-past") | .duration_s >= 1 and .duration_s < 25' "$R" \
    >/dev/null || fail "sleeps-past: elapsed time not reported"
expect_outcome "$R" ignores-term timeout
[ "$(jq -r '.tests[] | select(.id == "ignores-term") | .stdout' "$R")" = started ] \
    || fail "ignores-term: output wrong (it must not have gone on after SIGTERM)"
# A test that stopped itself gets its SIGTERM at the limit (SIGCONT follows
# it), not only the SIGKILL after the grace: its trap ran.
expect_outcome "$R" stops-itself timeout
[ "$(cat "$T/stopped.trap" 2>/dev/null)" = cleaned ] \
    || fail "stops-itself: a stopped test never got its SIGTERM (no SIGCONT after it)"
expect_outcome "$R" quick passed
expect_outcome "$R" unit/first passed
expect_outcome "$R" unit/hangs timeout
expect_outcome "$R" unit/after passed      # the task went on after the timeout
[ "$(cat "$T/unit.log")" = "up
down" ] || fail "the context's teardown did not run after a timed-out test"
grep -q '^TIMEOUT: sleeps-past' "$T/out" || fail "no TIMEOUT block in the summary"
assert_no_orphans "per-test timeouts"

# ---- the default timeout: --timeout, FANOUT_TIMEOUT, the suite file ------
cat >"$T/default.yml" <<EOF
tests:
  - {name: open, run: "$SLEEP 30"}
contexts:
  - name: own
    timeout: 60
    tests:
      - {name: patient, run: "$SLEEP 1.5"}
EOF
FANOUT_TIMEOUT=0.5 run_fanout run -j 2 --json "$T/d1.json" "$T/default.yml"
[ "$RC" = 1 ] || fail "FANOUT_TIMEOUT: exit status $RC"
expect_outcome "$T/d1.json" open timeout
expect_message "$T/d1.json" open "(limit 0.5s)"
expect_outcome "$T/d1.json" own/patient passed     # the suite file's value wins
FANOUT_TIMEOUT=100 run_fanout run -j 2 --timeout 1 --json "$T/d2.json" "$T/default.yml"
expect_message "$T/d2.json" open "(limit 1.0s)"     # the option beats the variable
FANOUT_TIMEOUT=soon run_fanout run "$T/default.yml"
[ "$RC" = 2 ] || fail "a bad FANOUT_TIMEOUT: exit status $RC, expected 2"
grep -q "FANOUT_TIMEOUT" "$T/out" || fail "a bad FANOUT_TIMEOUT is not named"
run_fanout run --timeout -3 "$T/default.yml"
[ "$RC" = 2 ] || fail "--timeout -3: exit status $RC, expected 2"
assert_no_orphans "default timeouts"

# ---- a whole task's limit ----------------------------------------------------
cat >"$T/task.yml" <<EOF
contexts:
  - name: unit
    setup: "echo up > $T/task.log"
    teardown: "echo down >> $T/task.log"
    tests:
      - {name: first, run: "true"}
      - {name: hangs, run: "echo going; $SLEEP 30"}
      - {name: never, run: "true"}
EOF
run_fanout run --task-timeout 1 --json "$T/t.json" "$T/task.yml"
# Tests not started because their task ran out of time are not an
# infrastructure failure: the status is 1, not 3.
[ "$RC" = 1 ] || fail "task timeout: exit status $RC, expected 1"
assert_complete "$T/t.json" unit/first unit/hangs unit/never
expect_outcome "$T/t.json" unit/first passed
expect_outcome "$T/t.json" unit/hangs timeout
expect_message "$T/t.json" unit/hangs "task timed out after"
expect_outcome "$T/t.json" unit/never not_run
expect_message "$T/t.json" unit/never "not run (task timed out after"
[ "$(cat "$T/task.log")" = "up
down" ] || fail "teardown did not run after the task timed out"
assert_no_orphans "task timeout"

# ---- slow-test notices ---------------------------------------------------------
cat >"$T/slow.yml" <<EOF
tests:
  - {name: slow-one, run: "$SLEEP 1.7"}
  - {name: fast-one, run: "true"}
  - {name: hits-its-limit, run: "$SLEEP 30", timeout: 0.5}
EOF
run_fanout run -v --slow 0.5 --json "$T/s.json" "$T/slow.yml"
[ "$RC" = 1 ] || fail "slow notices: exit status $RC, expected 1"
expect_outcome "$T/s.json" slow-one passed
# A notice when the step is being killed for its timeout would be noise.
grep -q 'SLOW: hits-its-limit' "$T/out" && fail "a SLOW notice at the timeout itself"
grep -q '^SLOW: slow-one has run 0.5s (timeout 1500.0s)' "$T/out" || fail "no first SLOW notice"
grep -q '^SLOW: slow-one has run 1.0s' "$T/out" || fail "no SLOW notice at twice the threshold"
grep -q 'SLOW: fast-one' "$T/out" && fail "a fast test was called slow"
run_fanout run -q --slow 0.5 "$T/slow.yml"
grep -q 'SLOW' "$T/out" && fail "-q printed a SLOW notice"
assert_no_orphans "slow"
exit 0
