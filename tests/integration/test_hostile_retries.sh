#!/usr/bin/env bash
# Retries and flaky tests: --retries N re-runs a failed test up to N times
# (only the failed test, with its context's fixtures around it); failing
# then passing is `flaky`: passed, flagged in progress, summary and JSON
# with every attempt's outcome and host; flaky counts as passed unless
# --fail-on-flaky.
. "$(dirname "$0")/hostile_common.sh"

# A test that fails on its first run (per counter file) and then passes.
flaky_cmd () {
    echo "n=\$(cat $T/$1.n 2>/dev/null || echo 0); echo \$((n + 1)) > $T/$1.n; echo try-\$n; [ \$n -ge 1 ]"
}
write_suite () {
    rm -f "$T"/*.n "$T/fixture.log"
    cat >"$T/suite.yml" <<EOF
tests:
  - {name: flaky, run: "$(flaky_cmd flaky)"}
  - {name: broken, run: "echo always-broken; exit 2"}
  - {name: hangs-once, timeout: 0.5, run: "n=\$(cat $T/h.n 2>/dev/null || echo 0); echo 1 > $T/h.n; [ \$n = 1 ] || $SLEEP 30"}
  - {name: fine, run: "true"}
contexts:
  - name: ctx
    setup: "echo setup >> $T/fixture.log"
    teardown: "echo teardown >> $T/fixture.log"
    tests:
      - {name: one, run: "true"}
      - {name: two, run: "$(flaky_cmd two)"}
      - {name: three, run: "true"}
EOF
}
IDS="flaky broken hangs-once fine ctx/one ctx/two ctx/three"

write_suite
run_fanout run -j 2 -v --retries 2 --json "$T/r.json" "$T/suite.yml"
[ "$RC" = 1 ] || fail "exit status $RC, expected 1 (broken fails every time)"
R=$T/r.json
# shellcheck disable=SC2086
assert_complete "$R" $IDS
expect_outcome "$R" flaky passed
jq -e '.tests[] | select(.id == "flaky") | .flaky == true
       and (.attempts | length == 2)
       and .attempts[0].outcome == "failed" and .attempts[0].stdout == "try-0\n"
       and .attempts[1].outcome == "passed"
       and all(.attempts[]; .host != null and .worker >= 1)' "$R" >/dev/null \
    || fail "flaky: attempts not reported"
expect_outcome "$R" broken failed
jq -e '.tests[] | select(.id == "broken") | .flaky == false and (.attempts | length == 3)
       and ([.attempts[].attempt] == [1, 2, 3])' "$R" >/dev/null \
    || fail "broken: not tried exactly 1 + 2 times"
expect_outcome "$R" hangs-once passed           # a timeout is retried too
jq -e '.tests[] | select(.id == "hangs-once") | .flaky and .attempts[0].outcome == "timeout"' \
    "$R" >/dev/null || fail "hangs-once: its timed-out try is not reported"
expect_outcome "$R" fine passed
jq -e '.tests[] | select(.id == "fine") | .flaky == false and (.attempts | length == 1)' "$R" \
    >/dev/null || fail "fine: should have one attempt and not be flaky"
expect_outcome "$R" ctx/two passed
jq -e '.tests[] | select(.id == "ctx/two") | .flaky' "$R" >/dev/null || fail "ctx/two: not flaky"
# The retry ran ctx/two alone, inside its context's fixtures.
[ "$(cat "$T/fixture.log")" = "setup
teardown
setup
teardown" ] || fail "the retry did not run inside the context's fixtures: $(cat "$T/fixture.log")"
jq -e '.totals.flaky == 3 and .totals.passed == 6 and .totals.failed == 1' "$R" >/dev/null \
    || fail "totals wrong"
grep -q '^flaky \.\.\. FAIL (attempt 1 of 3, retrying)' "$T/out" || fail "no retry line in progress"
grep -q '^flaky \.\.\. FLAKY (passed on attempt 2)' "$T/out" || fail "no FLAKY line in progress"
grep -q '^FLAKY: flaky' "$T/out" || fail "no FLAKY block in the summary"
grep -q '(3 flaky)$' "$T/out" || fail "the last line does not count the flaky tests"

# Flaky alone passes...
cat >"$T/only.yml" <<EOF
tests:
  - {name: flaky, run: "$(flaky_cmd only)"}
EOF
run_fanout run --retries 1 --json "$T/o.json" "$T/only.yml"
[ "$RC" = 0 ] || fail "a flaky test made the status $RC, expected 0"
grep -q '^OK (flaky=1)' "$T/out" || fail "no 'OK (flaky=1)'"
# ...unless --fail-on-flaky.
rm -f "$T/only.n"
run_fanout run --retries 1 --fail-on-flaky --json "$T/o.json" "$T/only.yml"
[ "$RC" = 1 ] || fail "--fail-on-flaky: exit status $RC, expected 1"
jq -e '.exit_status == 1' "$T/o.json" >/dev/null || fail "--fail-on-flaky: JSON exit_status"
# Without --retries a failure is final.
rm -f "$T/only.n"
run_fanout run --json "$T/o.json" "$T/only.yml"
[ "$RC" = 1 ] || fail "without retries: exit status $RC, expected 1"
run_fanout run --retries many "$T/only.yml"
[ "$RC" = 2 ] || fail "--retries many: exit status $RC, expected 2"
assert_no_orphans "retries"
exit 0
