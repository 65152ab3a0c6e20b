#!/usr/bin/env bash
# A parent that starts fanout with SIGCHLD ignored (inherited across exec,
# as some daemons and launchers leave it): the kernel would then reap every
# test as it exits and its exit status would be lost, and a lost status
# read as exit status 0, a pass. fanout takes its children back at start
# (fo_reaper_own_children): a failing test still fails with its status,
# in `fanout run` and on an agent started the same way. And a parent that
# blocked SIGTERM, SIGINT and SIGHUP (the mask is inherited too): fanout
# still stops on them, as timeout(1) and an interrupt expect. And closed
# standard descriptors: the report is not where the summary goes.
. "$(dirname "$0")/hostile_common.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || fail "$PY is missing (scripts/install-deps.sh installs python3)"
# ignoring ARGV...: runs ARGV with SIGCHLD ignored, as its parent left it
# (within 60 s: the wrapper execs ARGV, so timeout's kill reaches it).
IGNORING='import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])'
ignoring () { timeout 60 "$PY" -c "$IGNORING" "$@"; }
# The wrapper does what it says: what it runs has SIGCHLD ignored.
ign=$(ignoring /bin/grep SigIgn /proc/self/status | awk '{print $2}')
(( (16#$ign >> 16) & 1 )) || fail "the wrapper did not leave SIGCHLD ignored (SigIgn $ign)"

cat >"$T/suite.yml" <<EOF
tests:
  - {name: passes, run: ["/bin/true"]}
  - {name: fails, run: ["/bin/false"]}
  - {name: exit-3, run: "exit 3"}
  - {name: skips, run: "exit 77"}
  - {name: crashes, run: "kill -SEGV \$\$"}
EOF
ALL="passes fails exit-3 skips crashes"

check () {     # REPORT: every outcome as the test itself said
    # shellcheck disable=SC2086
    assert_complete "$1" $ALL
    expect_outcome "$1" passes passed
    expect_outcome "$1" fails failed
    expect_message "$1" fails "exit status 1"
    expect_outcome "$1" exit-3 failed
    expect_message "$1" exit-3 "exit status 3"
    expect_outcome "$1" skips skipped
    expect_outcome "$1" crashes crashed
}

RC=0
ignoring "$FANOUT" run -j 2 --no-history --json "$T/run.json" "$T/suite.yml" >"$T/out" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "fanout run with SIGCHLD ignored: exit status $RC, expected 1"
check "$T/run.json"

# stdin, stdout and stderr closed: the JSON report (the first file fanout
# opens would have taken fd 1) holds the report alone, complete.
RC=0
"$FANOUT" run -j 2 --no-history --json "$T/closed.json" "$T/suite.yml" <&- >&- 2>&- || RC=$?
[ "$RC" = 1 ] || fail "fanout run with stdio closed: exit status $RC, expected 1"
jq -e . "$T/closed.json" >/dev/null || fail "with stdio closed the report is not JSON: $(head -c 200 "$T/closed.json")"
check "$T/closed.json"

# stdout closed where /dev/null cannot be opened in its place (a read-only
# file bound over it, in a mount namespace of our own): fanout refuses to
# run, saying why on stderr, rather than let a report take fd 1.
: >"$T/ro"
RC=0
unshare -rm sh -c 'mount --bind "$1" /dev/null && mount -o remount,bind,ro /dev/null \
    && exec "$2" run --no-history --json "$3" "$4" >&-' sh "$T/ro" "$FANOUT" "$T/nonull.json" \
    "$T/suite.yml" 2>"$T/nonull.err" || RC=$?
[ "$RC" = 3 ] || fail "no /dev/null for a closed stdout: exit status $RC, expected 3 ($(cat "$T/nonull.err"))"
grep -q "descriptor 1 (stdout) is closed and /dev/null cannot be opened" "$T/nonull.err" \
    || fail "no /dev/null for a closed stdout: not said: $(cat "$T/nonull.err")"
[ ! -e "$T/nonull.json" ] || fail "no /dev/null for a closed stdout: something ran"

# A broker, and an agent started the same way.
"$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --no-history --json "$T/farm.json" \
    "$T/suite.yml" >"$T/out" 2>"$T/broker.err" &
BROKER=$!
for _ in $(seq 150); do
    grep -q "listening on tcp://" "$T/broker.err" && break
    sleep 0.1
done
EP=$(sed -n 's/.*listening on \(tcp:\/\/[^ ]*\).*/\1/p' "$T/broker.err" | head -n 1)
[ -n "$EP" ] || { kill "$BROKER"; cat "$T/broker.err" >&2; fail "the broker did not listen"; }
ignoring "$FANOUT" agent --connect "$EP" --insecure -j 2 --once \
    >"$T/agent.out" 2>&1 || true
RC=0
timeout 60 tail --pid="$BROKER" -f /dev/null \
    || { cat "$T/agent.out" >&2; fail "the broker did not end"; }
wait "$BROKER" || RC=$?
[ "$RC" = 1 ] || { cat "$T/broker.err" "$T/agent.out" >&2; fail "broker: exit status $RC, expected 1"; }
check "$T/farm.json"

# Signals blocked by the parent: each still interrupts the run, whose
# running test is killed and reported not run.
cat >"$T/long.yml" <<EOF
tests:
  - {name: long, run: "touch $T/started; exec $SLEEP 60"}
EOF
BLOCKING='import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
os.execv(sys.argv[1], sys.argv[1:])'
for sig in TERM INT HUP; do
    rm -f "$T/started" "$T/long.json"
    "$PY" -c "$BLOCKING" "$FANOUT" run -j 1 --no-history --json "$T/long.json" "$T/long.yml" \
        >"$T/out" 2>&1 &
    RUN=$!
    wait_for_file "$T/started"
    kill -"$sig" "$RUN"
    timeout 20 tail --pid="$RUN" -f /dev/null || { kill -9 "$RUN"; fail "SIG$sig: fanout with SIG$sig blocked by its parent did not stop within 20 s"; }
    RC=0
    wait "$RUN" || RC=$?
    [ "$RC" = 130 ] || fail "SIG$sig: exit status $RC, expected 130"
    assert_complete "$T/long.json" long
    expect_outcome "$T/long.json" long not_run
    assert_no_orphans "SIG$sig: the running test"
done
echo "PASS"
