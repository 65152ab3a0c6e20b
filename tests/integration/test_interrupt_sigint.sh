#!/usr/bin/env bash
# Interrupts: SIGINT or SIGTERM to `fanout run` stops leasing, cancels the
# running tasks (process groups killed, TERM ignored or not), runs the
# teardowns of fixtures that were set up (shared ones and a task's own),
# writes a complete report marked interrupted, exits 130, and leaves no
# process. Moments: when given tests are running (deterministic), at
# seeded pseudo-random delays, and during discovery.
. "$(dirname "$0")/hostile_common.sh"

write_suite () {
    rm -f "$T"/*.started "$T"/*.log
    cat >"$T/suite.yml" <<EOF
tests:
  - {name: quick, run: "true"}
contexts:
  - name: shared
    mode: shared
    setup: "echo up >> $T/shared.log"
    teardown: "echo down >> $T/shared.log"
    tests:
      - {name: a, run: "touch $T/a.started; trap '' TERM; $SLEEP 30"}
      - {name: b, run: "touch $T/b.started; $SLEEP 30"}
      - {name: c, run: "$SLEEP 30"}
  - name: unit
    setup: "echo up >> $T/unit.log"
    teardown: "echo down >> $T/unit.log"
    tests:
      - {name: x, run: "touch $T/x.started; (setsid $SLEEP 30 &); $SLEEP 30"}
      - {name: y, run: "true"}
EOF
}
IDS="quick shared/a shared/b shared/c unit/x unit/y"

# Teardowns ran exactly for the setups that completed. A setup appends "up"
# and its teardown "down". When a test inside the context started, its
# setup had completed, so the teardown must have run: "up down". Otherwise
# the interrupt may have come while the setup ran - before its shell wrote
# (empty log), after (just "up"), or after it exited (then the teardown
# ran: "up down") - but never a teardown without its setup, nor twice.
balanced () {
    local log=$1 ran=$2 content=""
    [ -e "$log" ] && content=$(tr '\n' ' ' <"$log")
    if [ -e "$ran" ]; then
        [ "$content" = "up down " ] || fail "$log: a test ran inside, so the setup completed, but the log says '$content'"
    else
        case "$content" in
            ""|"up "|"up down ") ;;
            *) fail "$log: setup and teardown do not match: '$content'" ;;
        esac
    fi
}

check_interrupted () {
    local report=$1
    [ "$RC" = 130 ] || fail "exit status $RC, expected 130"
    # shellcheck disable=SC2086
    assert_complete "$report" $IDS
    jq -e '.interrupted == true and .exit_status == 130 and .stop_reason == "interrupted"' \
        "$report" >/dev/null || fail "the report is not marked interrupted"
    # Whatever did not finish says why, and nothing is left unrecorded.
    jq -e 'all(.tests[]; .outcome != "not_run" or .message == "not run (interrupted)")' \
        "$report" >/dev/null || fail "a not-run test does not say it was interrupted"
    grep -q '^INTERRUPTED$' "$T/out" || fail "the summary does not say INTERRUPTED"
    balanced "$T/shared.log" "$T/a.started"
    balanced "$T/unit.log" "$T/x.started"
    assert_no_orphans "after an interrupt"
}

# ---- while known tests run -------------------------------------------------
for sig in INT TERM; do
    write_suite
    start_fanout run -j 3 --json "$T/r.json" "$T/suite.yml"
    wait_for_file "$T/a.started"
    wait_for_file "$T/b.started"
    kill -s "$sig" "$FPID"
    wait_fanout
    check_interrupted "$T/r.json"
    expect_outcome "$T/r.json" quick passed
    expect_outcome "$T/r.json" shared/a not_run     # ignores SIGTERM: still killed
    expect_outcome "$T/r.json" shared/b not_run
    [ -e "$T/shared.log" ] || fail "the shared setup never ran"
    grep -q 'interrupted: stopping the run' "$T/out" || fail "no notice on the first interrupt"
done

# ---- at seeded moments -------------------------------------------------------
# Deterministic delays between 0 and ~1.2 s: before, during and after the
# shared setup and the first tests; and a few right at the start (the local
# agent may not have joined yet: the run must still end, complete).
for seed in 1 2 3 4 5 6 start0 start5 start20 start50; do
    write_suite
    case "$seed" in
        start*) delay_ms=${seed#start} ;;
        *) delay_ms=$(( (seed * 7919 + 13) % 1200 )) ;;
    esac
    start_fanout run -j 2 --json "$T/s.json" "$T/suite.yml"
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -INT "$FPID"
    wait_fanout
    if [ -e "$T/s.json" ]; then
        check_interrupted "$T/s.json"
        rm -f "$T/s.json"
    else
        # So early that nothing was planned yet: no run, nothing to report.
        [ "$RC" = 130 ] || fail "seed $seed (${delay_ms} ms): exit status $RC without a report"
        assert_no_orphans "seed $seed"
    fi
done

# ---- while a shared setup runs ---------------------------------------------------
# The setup is killed (it ignores SIGTERM: SIGKILL after the grace), its
# teardown does not run (it was never set up), its tests are not run.
cat >"$T/setup.yml" <<EOF
contexts:
  - name: db
    mode: shared
    setup: "touch $T/setup.started; trap '' TERM; $SLEEP 30"
    teardown: "echo down > $T/setup.teardown"
    tests:
      - {name: t1, run: "true"}
      - {name: t2, run: "true"}
EOF
start_fanout run --json "$T/u.json" "$T/setup.yml"
wait_for_file "$T/setup.started"
start=$(date +%s)
kill -INT "$FPID"
wait_fanout
[ "$RC" = 130 ] || fail "interrupted setup: exit status $RC, expected 130"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the interrupt waited for the shared setup"
assert_complete "$T/u.json" db/t1 db/t2
expect_outcome "$T/u.json" db/t1 not_run
[ -e "$T/setup.teardown" ] && fail "the teardown of a setup that never completed ran"
assert_no_orphans "interrupted shared setup"

# ---- during discovery ----------------------------------------------------------
cat >"$T/discover.yml" <<EOF
contexts:
  - name: found
    discover: "touch $T/discover.started; $SLEEP 30; echo t1"
    run: "echo {name}"
EOF
rm -f "$T/d.json"
start_fanout run --json "$T/d.json" "$T/discover.yml"
wait_for_file "$T/discover.started"
kill -INT "$FPID"
wait_fanout
[ "$RC" = 130 ] || fail "interrupted discovery: exit status $RC, expected 130"
[ -e "$T/d.json" ] && fail "a report was written before anything was planned"
assert_no_orphans "interrupted discovery"
exit 0
