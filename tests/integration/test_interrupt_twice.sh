#!/usr/bin/env bash
# A second interrupt stops at once, still killing every process the run
# started (here: a shared teardown that takes long, a test ignoring
# SIGTERM, an escaped daemon); and a fanout killed with SIGKILL, which can
# do nothing itself, leaves nothing behind either (its watchdog).
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
# and would take 30 s: the second one must not wait for it.
wait_for_file "$T/teardown.started"
start=$(date +%s)
kill -INT "$FPID"
wait_fanout
elapsed=$(( $(date +%s) - start ))
[ "$RC" = 130 ] || fail "twice: exit status $RC, expected 130"
[ "$elapsed" -lt 10 ] || fail "the second interrupt took ${elapsed}s to stop fanout"
grep -q 'killed every process of the run' "$T/out" || fail "no notice on the second interrupt"
[ -e "$T/r.json" ] && fail "a report was written after the second interrupt"
assert_no_orphans "after a second interrupt"

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
