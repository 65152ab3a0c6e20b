#!/usr/bin/env bash
# Fail fast: -x / --maxfail N stop leasing once N tests have failed; tasks
# still running are cancelled (their process groups killed); every test
# that did not run is `not run (stopped after N failures)`; shared
# teardowns still run; the exit status is 1 (the failure), not 3.
. "$(dirname "$0")/hostile_common.sh"

# ---- -x with a running task to cancel --------------------------------------
cat >"$T/suite.yml" <<EOF
tests:
  - {name: fails, run: "while [ ! -e $T/long.started ]; do $SLEEP 0.05; done; exit 1"}
  - {name: long, run: "trap '' TERM; touch $T/long.started; $SLEEP 30"}
  - {name: p1, run: "$SLEEP 30"}
  - {name: p2, run: "$SLEEP 30"}
  - {name: p3, run: "true"}
EOF
# p1 and p2 may already be queued at the agent (its prefetch) when the
# stop comes: then they are cancelled, whether or not they had started.
start=$(date +%s)
run_fanout run -j 2 -x --json "$T/x.json" "$T/suite.yml"
elapsed=$(( $(date +%s) - start ))
[ "$RC" = 1 ] || fail "-x: exit status $RC, expected 1"
R=$T/x.json
assert_complete "$R" fails long p1 p2 p3
expect_outcome "$R" fails failed
for id in long p1 p2 p3; do
    expect_outcome "$R" "$id" not_run
    [ "$(message "$R" "$id")" = "not run (stopped after 1 failure)" ] \
        || fail "$id: message '$(message "$R" "$id")'"
done
jq -e '.stop_reason == "stopped after 1 failure" and .interrupted == false and .exit_status == 1' \
    "$R" >/dev/null || fail "-x: report header wrong"
grep -q '^STOPPED (stopped after 1 failure)' "$T/out" || fail "-x: no STOPPED line"
# The running test was cancelled, not waited for (it sleeps 30 s).
[ "$elapsed" -lt 25 ] || fail "-x took ${elapsed}s: the running test was not cancelled"
assert_no_orphans "-x"

# ---- --maxfail 2, one task at a time ------------------------------------------
cat >"$T/max.yml" <<EOF
tests:
  - {name: f1, run: "exit 1"}
  - {name: ok1, run: "true"}
  - {name: f2, run: "kill -SEGV \$\$"}
  - {name: ok2, run: "$SLEEP 30"}
  - {name: ok3, run: "true"}
EOF
# ok2 may already be queued at the agent (prefetch) when f2 fails: it is
# then cancelled, or never started; ok3 is never leased.
run_fanout run -j 1 --maxfail 2 --json "$T/m.json" "$T/max.yml"
[ "$RC" = 1 ] || fail "--maxfail 2: exit status $RC, expected 1"
R=$T/m.json
assert_complete "$R" f1 ok1 f2 ok2 ok3
expect_outcome "$R" f1 failed
expect_outcome "$R" ok1 passed
expect_outcome "$R" f2 crashed                  # a crash counts as a failure
expect_outcome "$R" ok2 not_run
expect_message "$R" ok2 "not run (stopped after 2 failures)"
expect_outcome "$R" ok3 not_run
sed -i "s|$SLEEP 30|true|" "$T/max.yml"
run_fanout run -j 1 --maxfail 3 --json "$T/m3.json" "$T/max.yml"
jq -e '.totals.not_run == 0 and .stop_reason == null' "$T/m3.json" >/dev/null \
    || fail "--maxfail 3 stopped a run with 2 failures"
run_fanout run --maxfail 0 "$T/max.yml"
[ "$RC" = 2 ] || fail "--maxfail 0: exit status $RC, expected 2"

# ---- shared fixtures are torn down after the stop ---------------------------------
cat >"$T/shared.yml" <<EOF
contexts:
  - name: db
    mode: shared
    setup: "echo up >> $T/db.log"
    teardown: "echo down >> $T/db.log"
    tests:
      - {name: s1, run: "exit 1"}
      - {name: s2, run: "true"}
      - {name: s3, run: "true"}
EOF
run_fanout run -j 1 -x --json "$T/s.json" "$T/shared.yml"
[ "$RC" = 1 ] || fail "shared -x: exit status $RC, expected 1"
assert_complete "$T/s.json" db/s1 db/s2 db/s3
expect_outcome "$T/s.json" db/s1 failed
expect_outcome "$T/s.json" db/s3 not_run
[ "$(cat "$T/db.log")" = "up
down" ] || fail "the shared teardown did not run after -x: $(cat "$T/db.log")"
assert_no_orphans "--maxfail"
exit 0
