# fixtures_lib.sh — helpers of the fixture, export and conformance tests
# (tests/integration/test_fixtures_*.sh, test_exports_*.sh,
# test_conformance_*.sh). Source it first.
#
# Environment (set by ctest, tests/CMakeLists.txt):
#   FANOUT      the fanout binary under test
#   FANOUT_SRC  the source tree
# Exit status of a test script: 0 pass, 1 fail, 77 skip.
#
# Each script gets a scratch directory $W (exported, removed on exit). Suite
# files are written into it with a heredoc (suite NAME <<'EOF' ... EOF), so a
# test reads top to bottom: the suite, the run, the checks. Fixture and test
# commands record what they do by appending lines to "$W/log" (echo WORDS);
# the checks count and order those lines.

set -u

PY=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/shared_lib.sh"
TEST_NAME=$(basename "$0" .sh)

skip () { echo "SKIP [$TEST_NAME]: $*"; exit 77; }

fail () {
    echo "FAIL [$TEST_NAME]: $*" >&2
    if [ -n "${OUT-}" ] && [ -s "${OUT-}" ]; then
        echo "--- fanout stdout (first 80 lines) ---" >&2
        head -n 80 "$OUT" >&2
    fi
    if [ -n "${ERR-}" ] && [ -s "${ERR-}" ]; then
        echo "--- fanout stderr (first 40 lines) ---" >&2
        head -n 40 "$ERR" >&2
    fi
    if [ -n "${W-}" ] && [ -s "$W/log" ]; then
        echo "--- log ---" >&2
        cat "$W/log" >&2
    fi
    exit 1
}

[ -n "${FANOUT-}" ] || skip "FANOUT is not set (run through ctest)"
[ -x "$FANOUT" ] || fail "FANOUT='$FANOUT' is not executable"
[ -x "$PY" ] || skip "$PY is missing"
command -v timeout >/dev/null || skip "coreutils timeout is missing"

W=$(mktemp -d "${TMPDIR:-/tmp}/fanout-fx.XXXXXX") || fail "mktemp failed"
export W
OUT="$W/.stdout"
ERR="$W/.stderr"
JSON="$W/.report.json"
RC=
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
unset FANOUT_JOBS FANOUT_EXPORT

# suite NAME: writes stdin to $W/NAME.yml.
suite () { cat >"$W/$1.yml"; }

# reset_log: an empty log for the next run.
reset_log () { : >"$W/log"; }

# fanout_run ARGS...: runs `fanout run ARGS --json $JSON`; 120 s means a hang.
fanout_run () {
    reset_log
    timeout -k 5 120 "$FANOUT" run --json "$JSON" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "fanout run $* did not finish within 120 s"
}

# fanout_start ARGS...: starts `fanout run ARGS --json $JSON` in the
# background ($PID) with a watchdog; fanout_wait collects it into $RC. Not
# under timeout(1): it would pass a signal on twice (to fanout and to its
# own process group), and a second SIGINT ends fanout at once.
fanout_start () {
    reset_log
    "$FANOUT" run --json "$JSON" "$@" >"$OUT" 2>"$ERR" &
    PID=$!
    # The watchdog ends as soon as fanout does (a plain `sleep 120` would
    # outlive the script and keep ctest waiting on its output).
    ( for _ in $(seq 1200); do kill -0 "$PID" 2>/dev/null || exit 0; sleep 0.1; done
      kill -KILL "$PID" ) >/dev/null 2>&1 &
    WATCHDOG=$!
}
fanout_wait () {
    wait "$PID"
    RC=$?
    wait "$WATCHDOG" 2>/dev/null
    [ "$RC" -ne 137 ] || fail "fanout did not finish within 120 s"
}

# wait_for FILE: up to 60 s for a test to create FILE.
wait_for () {
    local i
    for i in $(seq 600); do [ -e "$1" ] && return 0; sleep 0.1; done
    fail "$1 did not appear within 60 s"
}

expect_rc () { [ "$RC" = "$1" ] || fail "exit status $RC, expected $1${2:+ ($2)}"; }
expect_out () { grep -qF -- "$1" "$OUT" || fail "stdout lacks '$1'"; }
expect_no_out () { ! grep -qF -- "$1" "$OUT" || fail "stdout has '$1'"; }
expect_no_err () { ! grep -qF -- "$1" "$ERR" || fail "stderr has '$1'"; }
expect_err () { grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1'"; }

# count LINE: how many log lines are exactly LINE.
count () { grep -cxF -- "$1" "$W/log"; }

# expect_count N LINE: the log holds LINE exactly N times.
expect_count () {
    local n
    n=$(count "$2")
    [ "$n" = "$1" ] || fail "'$2' logged $n times, expected $1"
}

# expect_fixtures N CTX...: each CTX's setup and its teardown were logged
# ("setup CTX", "teardown CTX") exactly N times each.
expect_fixtures () {
    local n=$1 ctx
    shift
    for ctx in "$@"; do
        expect_count "$n" "setup $ctx"
        expect_count "$n" "teardown $ctx"
    done
}

# expect_log_lines N: the log has N lines in all.
expect_log_lines () {
    local n
    n=$(wc -l <"$W/log")
    [ "$n" = "$1" ] || fail "the log has $n lines, expected $1"
}

# expect_before A B: the first line A comes before the first line B.
expect_before () {
    local a b
    a=$(grep -nxF -- "$1" "$W/log" | head -n 1 | cut -d: -f1)
    b=$(grep -nxF -- "$2" "$W/log" | head -n 1 | cut -d: -f1)
    [ -n "$a" ] || fail "'$1' was never logged"
    [ -n "$b" ] || fail "'$2' was never logged"
    [ "$a" -lt "$b" ] || fail "'$1' (line $a) is not before '$2' (line $b)"
}

# expect_sequence LINE...: these lines appear in the log in this order, one
# after the other (other lines may sit between them).
expect_sequence () {
    in_order "$W/log" "$@" || fail "log order: expected $*"
}

# expect_block LINE...: these lines appear consecutively in the log.
expect_block () {
    "$PY" - "$W/log" "$@" <<'PYEOF' || fail "log: expected the consecutive lines $*"
import sys
lines = open(sys.argv[1]).read().splitlines()
want = sys.argv[2:]
if not any(lines[i:i + len(want)] == want for i in range(len(lines))):
    sys.exit("not found")
PYEOF
}

PY_PRELUDE='
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
tests = {x["id"]: x for x in r["tests"]}
def t(i):
    if i not in tests:
        sys.exit("no test %r in the report (have %r)" % (i, sorted(tests)))
    return tests[i]
fx = r["fixture_errors"]
'

# jq_ EXPR [WHAT]: a Python expression over the JSON report must be true
# (r: the report, t(id): a test, tests: id -> test, fx: fixture errors).
jq_ () {
    local msg
    msg=$("$PY" -c "$PY_PRELUDE
if not ($1):
    sys.exit('does not hold')" "$JSON" 2>&1) || fail "report: ${2:-$1}: $msg"
}

# outcomes ID=OUTCOME...: each test has that outcome, and no other test is
# in the report.
outcomes () {
    local msg
    msg=$("$PY" -c "$PY_PRELUDE
want = dict(a.split('=', 1) for a in sys.argv[2:])
got = {i: x['outcome'] for i, x in tests.items()}
if len(r['tests']) != len(tests):
    sys.exit('a test id appears twice')
if got != want:
    sys.exit('outcomes %r, expected %r' % (got, want))
if r['totals']['tests'] != len(want):
    sys.exit('totals.tests is %r' % r['totals']['tests'])" "$JSON" "$@" 2>&1) || fail "$msg"
}

# fx_netns_switch PREFIX NET HOST... — a switch namespace PREFIXsw with a
# bridge and one namespace PREFIXHOST per host on it, with address
# NET.(10+i) for the i-th host (from 1) (netns_switch.sh). Skips when
# namespaces or bridges cannot be made here. Processes started in them go
# into PIDS; on exit they, everything left in the namespaces, the
# namespaces and $W are removed (network safety: nothing outlives the
# test).
. "$(dirname "${BASH_SOURCE[0]}")/netns_switch.sh"
NETNS=()
PIDS=()
fx_cleanup_net () {
    local p ns
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for ns in "${NETNS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$W"
}
fx_netns_switch () {
    local prefix=$1 net=$2 out
    shift 2
    trap fx_cleanup_net EXIT
    out=$(ip netns add "${prefix}probe" 2>&1) || skip "ip netns is unavailable here: $out"
    NETNS+=("${prefix}probe")
    out=$(ip netns exec "${prefix}probe" ip link add br0 type bridge 2>&1) ||
        skip "cannot create a bridge in a namespace: $out"
    ip netns del "${prefix}probe"
    NETNS=()
    netns_switch "$prefix" "$net" 11 "$@" || fail "cannot build the test network"
}
