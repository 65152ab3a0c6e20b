#!/usr/bin/env bash
# After a second interrupt the run is cut short: every process of it is
# killed, and the agent starts nothing more — not the next teardown of a
# task whose teardown the kill just ended (it used to start them one after
# the other until `fanout run` stopped its agent).
. "$(dirname "$0")/hostile_common.sh"

cat >"$T/suite.yml" <<EOF
contexts:
  - name: outer
    setup: "true"
    teardown: "touch $T/outer.down"
    contexts:
      - name: inner
        setup: "true"
        teardown: "touch $T/inner.down; trap '' TERM; $SLEEP 30"
        tests:
          - {name: t, run: "touch $T/t.started; $SLEEP 30"}
EOF

for round in 1 2 3; do
    rm -f "$T"/*.started "$T"/*.down "$T/r.json"
    start_fanout run -j 1 --json "$T/r.json" "$T/suite.yml"
    wait_for_file "$T/t.started"
    kill -INT "$FPID"
    # The first interrupt cancels the test; the inner teardown then runs
    # (a completed setup is torn down) and would take 30 s.
    wait_for_file "$T/inner.down"
    sleep 0.4               # past the window in which a signal counts as the same
    kill -INT "$FPID"
    wait_fanout
    [ "$RC" = 130 ] || fail "round $round: exit status $RC, expected 130"
    grep -q 'killed every process of the run; writing the report' "$T/out" ||
        fail "round $round: no notice on the second interrupt"
    [ -e "$T/outer.down" ] &&
        fail "round $round: the outer teardown started after the run was cut short"
    assert_complete "$T/r.json" outer/inner/t
    expect_outcome "$T/r.json" outer/inner/t not_run
    assert_no_orphans "round $round: after a second interrupt"
done
exit 0
