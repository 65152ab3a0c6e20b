# hostile_common.sh — sourced by test_hostile_*.sh and test_interrupt_*.sh.
#
# Gives each test script:
#   $T        a private temporary directory (removed at exit)
#   $MARK     a string unique to this script run; every process a hostile
#             test starts has it in its command line, so `pgrep -f "$MARK"`
#             finds whatever survives (processes of other scripts never match)
#   $SLEEP    a `sleep` whose command line carries $MARK
#   run_fanout ARGS...   runs $FANOUT, output in $T/out, status in $RC
#   outcome/message REPORT ID      a test's outcome / message from a JSON report
#   assert_complete REPORT ID...   every listed test exactly once, nothing
#                                  else, one valid outcome each, totals add up
#   assert_no_orphans WHAT         waits (bounded) until no $MARK process is left
#   wait_for_file PATH             bounded wait for a test to say it started
# A missing binary or tool is a broken test environment: a failure, never a
# skip (scripts/install-deps.sh installs jq and procps).

set -u

if [ -z "${FANOUT:-}" ] || [ ! -x "$FANOUT" ]; then
    echo "FAIL: FANOUT is not set to the fanout binary (run through ctest)" >&2
    exit 1
fi
for tool in jq pgrep; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "FAIL: $tool is not installed (scripts/install-deps.sh installs it)" >&2
        exit 1
    fi
done

T=$(mktemp -d /tmp/fo-h.XXXXXX)
MARK="fo-hostile-$$-mark"
ln -s "$(command -v sleep)" "$T/$MARK-sleep"
SLEEP="$T/$MARK-sleep"

cleanup () {
    # Whatever a failed assertion left behind must not outlive the script.
    pkill -9 -f "$MARK" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

fail () {
    echo "FAIL: $*" >&2
    if [ -f "$T/out" ]; then
        echo "--- fanout output (last 60 lines) ---" >&2
        tail -n 60 "$T/out" >&2
    fi
    exit 1
}

# run_fanout ARGS...: output (stdout and stderr) in $T/out, status in $RC.
run_fanout () {
    RC=0
    "$FANOUT" "$@" >"$T/out" 2>&1 || RC=$?
}

outcome () {
    jq -r --arg id "$2" '.tests[] | select(.id == $id) | .outcome' "$1"
}

message () {
    jq -r --arg id "$2" '.tests[] | select(.id == $id) | .message // ""' "$1"
}

expect_outcome () {
    local got
    got=$(outcome "$1" "$2")
    [ "$got" = "$3" ] || fail "$2: outcome '$got', expected '$3' (message: $(message "$1" "$2"))"
}

expect_message () {
    local got
    got=$(message "$1" "$2")
    case "$got" in
        *"$3"*) ;;
        *) fail "$2: message '$got' does not contain '$3'" ;;
    esac
}

# assert_complete REPORT ID...: the report lists exactly these tests, each
# once, each with one known outcome, and the totals add up.
assert_complete () {
    local report=$1
    shift
    [ -s "$report" ] || fail "no report at $report"
    local want got
    want=$(printf '%s\n' "$@" | sort)
    got=$(jq -r '.tests[].id' "$report" | sort)
    [ "$want" = "$got" ] || fail "report tests differ: expected [$want], got [$got]"
    jq -e '
        (.tests | length) == .totals.tests
        and ([.tests[].id] | unique | length) == (.tests | length)
        and all(.tests[]; .outcome | IN("passed", "failed", "error", "skipped",
                                         "timeout", "crashed", "not_run"))
        and (.totals.passed + .totals.failed + .totals.error + .totals.skipped
             + .totals.timeout + .totals.crashed + .totals.not_run) == .totals.tests
    ' "$report" >/dev/null || fail "report $report is not complete and consistent"
}

# assert_no_orphans WHAT: no process carrying $MARK may remain. A killed
# process may take a moment to be gone, so this waits up to 10 s.
assert_no_orphans () {
    local i
    for i in $(seq 100); do
        pgrep -f "$MARK" >/dev/null || return 0
        sleep 0.1
    done
    pgrep -af "$MARK" >&2
    fail "processes survived: $1"
}

wait_for_file () {
    local i
    for i in $(seq 600); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    fail "timed out waiting for $1"
}

# Starts fanout in the background (output in $T/out); its pid in $FPID.
# With job control on (set -m): a non-interactive shell would otherwise
# start it with SIGINT ignored, and an interrupt sent before fanout has
# installed its handler would be lost.
start_fanout () {
    set -m
    "$FANOUT" "$@" >"$T/out" 2>&1 &
    FPID=$!
    set +m
}

# wait_fanout: its exit status in $RC (bounded: 120 s, then it is killed).
wait_fanout () {
    local i
    for i in $(seq 1200); do
        kill -0 "$FPID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$FPID" 2>/dev/null; then
        kill -9 "$FPID"
        fail "fanout did not end"
    fi
    RC=0
    { wait "$FPID"; } 2>/dev/null || RC=$?
}
