#!/usr/bin/env bash
# No orphans: processes that leave the test's process group (setsid, a
# double fork, a SIGTERM-ignoring daemon with a child) are killed as soon as
# their test ends, while the run goes on; a server started by a context's
# setup lives for that context's tests and is gone after its task; one
# started by a shared fixture lives until the run ends; nothing survives
# the run.
. "$(dirname "$0")/hostile_common.sh"

# A sleep per escapee, each findable by its own name.
for name in esc1 esc2 esc3 esc4 esc5 srv shr; do
    ln -s "$(command -v sleep)" "$T/$MARK-$name"
done
# A pattern that matches the escapee's command line but not the checking
# shell's own (which holds the pattern text, '[f]o-...', not 'fo-...').
pat () { echo "[f]${MARK#f}-$1"; }
gone () {   # a test command: succeed once no process matches, within 10 s
    echo "for i in \$(seq 100); do pgrep -f '$(pat "$1")' >/dev/null || exit 0; sleep 0.1; done; exit 1"
}

cat >"$T/suite.yml" <<EOF
tests:
  - name: escapes-session
    run: |
      pid=\$(setsid sh -c 'echo \$\$; exec $T/$MARK-esc1 60 >/dev/null 2>&1' &)
      echo "left \$pid behind"
  - name: escapes-ignoring-term
    run: |
      pid=\$(setsid sh -c 'echo \$\$; trap "" TERM; exec >/dev/null 2>&1; $T/$MARK-esc2 60 & wait' &)
      echo "left \$pid behind"
  - name: double-fork
    run: ( $T/$MARK-esc3 60 & ) ; true
  - name: escapees-are-gone
    run: $(gone esc1) && $(gone esc2) && $(gone esc3)
contexts:
  - name: one-task        # fixtures, unmarked: one task, its steps in a row
    setup: "true"
    tests:
      - name: escapes
        run: |
          pid=\$(setsid sh -c 'echo \$\$; exec $T/$MARK-esc4 60 >/dev/null 2>&1' &)
      - name: gone-before-the-next-test
        run: $(gone esc4)
  - name: server
    setup: |
      pid=\$(setsid sh -c 'echo \$\$; exec $T/$MARK-srv 60 >/dev/null 2>&1' &)
      echo \$pid > $T/srv.pid
    teardown: "true"
    tests:
      - {name: uses-it, run: "kill -0 \$(cat $T/srv.pid)"}
      - {name: still-there, run: "$SLEEP 0.2; kill -0 \$(cat $T/srv.pid)"}
  - name: after-server
    tests:
      - name: server-is-gone
        run: $(gone srv)
  - name: shared
    mode: shared
    setup: |
      pid=\$(setsid sh -c 'echo \$\$; exec $T/$MARK-shr 60 >/dev/null 2>&1' &)
      echo \$pid > $T/shr.pid
    teardown: "echo down > $T/shared.log"
    tests:
      - {name: sees-daemon, run: "kill -0 \$(cat $T/shr.pid)"}
      - {name: sees-it-too, run: "kill -0 \$(cat $T/shr.pid)"}
EOF
# -j 1: tasks run one after another in file order, so each check runs
# after what it checks.
run_fanout run -j 1 -v --json "$T/r.json" "$T/suite.yml"
[ "$RC" = 0 ] || fail "exit status $RC, expected 0"
assert_complete "$T/r.json" escapes-session escapes-ignoring-term double-fork \
    escapees-are-gone one-task/escapes one-task/gone-before-the-next-test server/uses-it server/still-there after-server/server-is-gone \
    shared/sees-daemon shared/sees-it-too
[ "$(cat "$T/shared.log")" = down ] || fail "the shared teardown did not run"
assert_no_orphans "after a normal run"

# The same escapes in a run that fails and one that times out.
cat >"$T/bad.yml" <<EOF
tests:
  - name: escapes-and-fails
    run: |
      pid=\$(setsid sh -c 'echo \$\$; exec $T/$MARK-esc1 60 >/dev/null 2>&1' &)
      exit 1
  - name: escapes-and-hangs
    timeout: 0.5
    run: |
      pid=\$(setsid sh -c 'echo \$\$; trap "" TERM; exec >/dev/null 2>&1; $T/$MARK-esc2 60 & wait' &)
      trap '' TERM
      $SLEEP 60
  - name: escapes-without-its-environment
    run: |
      pid=\$(env -i setsid sh -c 'echo \$\$; exec $T/$MARK-esc5 60 >/dev/null 2>&1' &)
EOF
run_fanout run -j 2 --json "$T/b.json" "$T/bad.yml"
[ "$RC" = 1 ] || fail "failing run: exit status $RC, expected 1"
expect_outcome "$T/b.json" escapes-and-fails failed
expect_outcome "$T/b.json" escapes-and-hangs timeout
# Without FANOUT_STEP_TOKEN it cannot be told apart from other steps'
# processes, but it was adopted by fanout: the end of the run kills it.
expect_outcome "$T/b.json" escapes-without-its-environment passed
assert_no_orphans "after a failed run"
exit 0
