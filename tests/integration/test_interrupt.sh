#!/bin/bash
# SIGINT and SIGTERM during a run: fanout stops the running tests (their
# process groups die), reports every test not_run, exits 130 and still
# writes the summary and the JSON report with interrupted: true.
. "$(dirname "$0")/lib.sh"

# wait_for PREDICATE-COMMAND...: polls for at most 20 s
wait_for () {
    local i
    for i in $(seq 1 200); do "$@" && return 0; sleep 0.1; done
    return 1
}
both_started () { [ -e "$ITEST_DIR/started.a" ] && [ -e "$ITEST_DIR/started.b" ]; }
gone () { ! alive "$1"; }

for sig in INT TERM; do
    reset_work
    rm -f "$JSON"
    "$FANOUT" run -j 2 --json "$JSON" "$DATA/interrupt.yml" >"$OUT" 2>"$ERR" &
    fpid=$!
    echo "$fpid" >"$ITEST_DIR/fanout.pid"       # cleanup ends it if we fail
    wait_for both_started || fail "SIG$sig: the first two tests never started"
    kill -"$sig" "$fpid"
    wait_for gone "$fpid" || fail "SIG$sig: fanout did not stop within 20 s"
    wait "$fpid"
    RC=$?
    expect_rc 130 "SIG$sig"
    expect_out_re '^INTERRUPTED$'
    check_summary_matches_json
    check_one_outcome a b c
    json_assert "r['interrupted'] is True and r['exit_status'] == 130" "SIG$sig: interrupted, 130"
    json_assert "all(x['outcome'] == 'not_run' and 'interrupted' in x['message'] for x in r['tests'])" \
        "SIG$sig: every test not_run (interrupted)"
    # the sleeping children of the running tests were killed with them
    for id in a b c; do
        [ -f "$ITEST_DIR/$id.pid" ] || continue
        wait_for gone "$(cat "$ITEST_DIR/$id.pid")" || fail "SIG$sig: the child of test $id survived"
    done
done

echo "PASS [$ITEST_NAME]"
