#!/bin/bash
# Resource limits are the agent's problem, not the tests' (issue 10 item 8,
# docs/timeouts-and-failures.md "Resource limits"): with few descriptors,
# -j16 on 100 tests still passes them all (the agent raises its soft limit,
# then backs off and retries), and when not even one step can start, the
# run ends on its own with exit status 3 and every test not_run saying why.
. "$(dirname "$0")/lib.sh"

N=100
SUITE="$ITEST_TMP/many.yml"
{ echo "tests:"; for i in $(seq 1 "$N"); do echo "  - {name: t$i, run: \"sleep 0.1\"}"; done; } >"$SUITE"

# with_limit SOFT HARD ARGS...: run_fanout in a shell whose descriptor limits
# are SOFT and HARD ('-' leaves one as it is), with no descriptor above 2
# inherited, so that fd numbers are dense and the limits mean the same
# everywhere.
with_limit () {
    local soft=$1 hard=$2
    shift 2
    rm -f "$JSON"
    timeout -k 5 120 bash -c '
        for fd in /proc/$$/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
        done
        [ "$2" = - ] || ulimit -S -n "$2" || exit 99
        [ "$1" = - ] || ulimit -H -n "$1" || exit 99
        shift 2
        exec "$@"' limits "$hard" "$soft" "$FANOUT" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    [ "$RC" -ne 99 ] || fail "cannot set the descriptor limits to $soft/$hard"
    [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "fanout $* did not finish within 120 s"
}

hard=$(ulimit -H -n)
[ "$hard" = unlimited ] || [ "$hard" -ge 256 ] || skip "the hard descriptor limit ($hard) is too low to test"

# --- how many descriptors fanout holds while one step runs (dense numbers:
#     that step's two pipes and pidfd are among them)
printf 'tests:\n  - {name: probe, run: "ls /proc/$PPID/fd | wc -l"}\n' >"$ITEST_DIR/probe.yml"
with_limit - - run -j 1 --json "$JSON" "$ITEST_DIR/probe.yml"
expect_rc 0 "the probe"
held=$(json_get "t('probe')['stdout'].strip()")
case "$held" in ''|*[!0-9]*) fail "the probe printed '$held'" ;; esac
idle=$((held - 3))

# --- a soft limit of 64, and one with room for about 4 steps: the agent
#     raises it to the hard limit at start; every test passes, no warning
for soft in 64 $((idle + 12)); do
    with_limit "$soft" - run -j 16 --json "$JSON" "$SUITE"
    expect_rc 0 "-j16 under ulimit -S -n $soft"
    check_one_outcome $(seq -f 't%g' 1 "$N")
    json_assert "r['totals']['passed'] == $N"
    ! grep -q "open files" "$ERR" || fail "the soft limit $soft was not raised: $(cat "$ERR")"
done

# --- a hard limit with room for about 4 steps: -j16 still passes everything,
#     fewer at once, and the agent says so
with_limit $((idle + 12)) $((idle + 12)) run -j 16 --json "$JSON" "$SUITE"
expect_rc 0 "-j16 with room for about 4 steps"
check_one_outcome $(seq -f 't%g' 1 "$N")
json_assert "r['totals']['passed'] == $N"
expect_err "16 worker slots need about"
expect_err "cannot start a step: Too many open files (EMFILE); running at most"

# --- a hard limit one short of any step (a pipe needs two): nothing can
#     start; the agent gives up after 30 s, every test is not_run with the
#     reason, and the exit status is 3 (infrastructure)
with_limit $((idle + 1)) $((idle + 1)) run -j 16 --json "$JSON" "$SUITE"
expect_rc 3 "no step can start"
check_one_outcome $(seq -f 't%g' 1 "$N")
json_assert "r['totals']['not_run'] == $N"
json_assert "all(x['message'] == 'not run (the agent could not start it: Too many open files (EMFILE); no step could start for 30 s)' for x in r['tests'])" \
    "every test says why it did not run"
expect_err "no step could start for 30 s"

echo "PASS [$ITEST_NAME]"
