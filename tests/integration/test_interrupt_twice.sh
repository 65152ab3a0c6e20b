#!/usr/bin/env bash
# A second interrupt stops at once, still killing every process the run
# started (here: a shared teardown that takes long, a test ignoring
# SIGTERM, an escaped daemon), and still writes the complete report; a
# third one exits without waiting for the report. The same interrupt
# delivered twice at once (timeout(1) signals fanout, then its process
# group) counts as one. And a fanout killed with SIGKILL, which can do
# nothing itself, leaves nothing behind either (its watchdog).
. "$(dirname "$0")/hostile_common.sh"

cat >"$T/suite.yml" <<EOF
tests:
  - {name: stubborn, run: "touch $T/stubborn.started; trap '' TERM; $SLEEP 30"}
  - name: daemon
    run: |
      pid=\$(setsid sh -c 'echo \$\$; trap "" TERM; exec $SLEEP 30 >/dev/null 2>&1' &)
      touch $T/daemon.started
      $SLEEP 30
contexts:
  - name: shared
    mode: shared
    setup: "true"
    teardown: "touch $T/teardown.started; trap '' TERM; $SLEEP 30"
    tests:
      - {name: s, run: "touch $T/s.started; $SLEEP 30"}
EOF

# ---- twice ---------------------------------------------------------------------
start_fanout run -j 3 --json "$T/r.json" "$T/suite.yml"
wait_for_file "$T/stubborn.started"
wait_for_file "$T/daemon.started"
wait_for_file "$T/s.started"
kill -INT "$FPID"
# The first interrupt cancels the tests; the shared teardown then starts
# and would take 30 s: the second one must not wait for it. (It comes past
# the 250 ms in which a signal counts as the same one delivered again.)
wait_for_file "$T/teardown.started"
sleep 0.4
start=$(date +%s)
kill -INT "$FPID"
wait_fanout
elapsed=$(( $(date +%s) - start ))
[ "$RC" = 130 ] || fail "twice: exit status $RC, expected 130"
[ "$elapsed" -lt 10 ] || fail "the second interrupt took ${elapsed}s to stop fanout"
grep -q 'killed every process of the run; writing the report' "$T/out" ||
    fail "no notice on the second interrupt"
[ -e "$T/r.json" ] || fail "no report was written after the second interrupt"
assert_complete "$T/r.json" stubborn daemon shared/s
jq -e '.interrupted == true and .exit_status == 130 and
       all(.tests[]; .outcome == "not_run" and .message == "not run (interrupted)")' \
    "$T/r.json" >/dev/null || fail "the report after a second interrupt is not marked interrupted"
grep -q '^INTERRUPTED$' "$T/out" || fail "the summary after a second interrupt is missing"
assert_no_orphans "after a second interrupt"

# ---- three times: the report cannot be written (a FIFO nobody reads) -------
rm -f "$T"/*.started
mkfifo "$T/fifo.json"
start_fanout run -j 3 --json "$T/fifo.json" "$T/suite.yml"
wait_for_file "$T/stubborn.started"
wait_for_file "$T/daemon.started"
wait_for_file "$T/s.started"
kill -INT "$FPID"
wait_for_file "$T/teardown.started"
sleep 0.4               # past the window in which a signal counts as the same
kill -INT "$FPID"
# The run is over when the summary is out; opening the FIFO then waits for
# a reader, which never comes.
for _ in $(seq 400); do grep -q '^INTERRUPTED$' "$T/out" && break; sleep 0.05; done
grep -q '^INTERRUPTED$' "$T/out" || fail "three times: the run did not end after the second interrupt"
sleep 0.4               # past the window again
start=$(date +%s)
kill -INT "$FPID"
wait_fanout
[ "$RC" = 130 ] || fail "three times: exit status $RC, expected 130"
[ $(( $(date +%s) - start )) -lt 5 ] || fail "the third interrupt did not exit at once"
grep -q 'no report was written' "$T/out" || fail "no notice on the third interrupt"
assert_no_orphans "after a third interrupt"

# ---- one interrupt delivered twice (timeout(1), from a script) --------------
# timeout passes the signal to fanout and then to its process group: that
# is one interrupt, so the shared teardown runs (it would be killed by a
# second one) and the report is complete.
cat >"$T/quick.yml" <<EOF
contexts:
  - name: shared
    mode: shared
    setup: "true"
    teardown: "$SLEEP 1; touch $T/quick.down"
    tests:
      - {name: s, run: "touch $T/quick.started; $SLEEP 30"}
      - {name: t, run: "$SLEEP 30"}
EOF
set -m
timeout -k 5 60 "$FANOUT" run -j 2 --json "$T/q.json" "$T/quick.yml" >"$T/out" 2>&1 &
TPID=$!
set +m
wait_for_file "$T/quick.started"
kill -INT "$TPID"
RC=0
wait "$TPID" || RC=$?
[ "$RC" = 130 ] || fail "under timeout: exit status $RC, expected 130"
[ -e "$T/quick.down" ] || fail "the shared teardown did not run: one interrupt counted twice"
grep -q 'killed every process' "$T/out" && fail "one interrupt delivered twice stopped at once"
assert_complete "$T/q.json" shared/s shared/t
jq -e '.interrupted == true' "$T/q.json" >/dev/null || fail "under timeout: not marked interrupted"
assert_no_orphans "interrupt through timeout"

# ---- SIGKILL -------------------------------------------------------------------------
rm -f "$T"/*.started
start_fanout run -j 3 --json "$T/k.json" "$T/suite.yml"
wait_for_file "$T/stubborn.started"
wait_for_file "$T/daemon.started"
wait_for_file "$T/s.started"
kill -KILL "$FPID"
wait_fanout
[ "$RC" = 137 ] || fail "SIGKILL: exit status $RC, expected 137"
assert_no_orphans "after fanout was killed with SIGKILL"
exit 0
