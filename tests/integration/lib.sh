# lib.sh — helpers shared by tests/integration/test_*.sh (source it first).
#
# Environment (set by ctest, see tests/CMakeLists.txt):
#   FANOUT       the fanout binary under test
#   FANOUT_SRC   the source tree (suite files live in tests/data/integration)
# Exit status: 0 pass, 1 fail, 77 skip.
#
# Every script gets a private temporary directory, removed on exit:
#   $ITEST_TMP            fanout's captured output and the JSON report
#   $ITEST_DIR (exported) a scratch directory for the suites' commands: suite
#                         files write their logs and markers under it
# run_fanout ARGS...  runs "$FANOUT" ARGS, leaving $RC, $OUT, $ERR (files) and
# the report path $JSON for --json.

set -u

PY=/usr/bin/python3           # never a pyenv shim from PATH
. "$(dirname "${BASH_SOURCE[0]}")/shared_lib.sh"
ITEST_NAME=$(basename "$0" .sh)

skip () { echo "SKIP [$ITEST_NAME]: $*"; exit 77; }

fail () {
    echo "FAIL [$ITEST_NAME]: $*" >&2
    if [ -n "${OUT-}" ] && [ -s "$OUT" ]; then
        echo "--- fanout stdout (first 60 lines) ---" >&2; head -n 60 "$OUT" >&2
    fi
    if [ -n "${ERR-}" ] && [ -s "$ERR" ]; then
        echo "--- fanout stderr ---" >&2; head -n 30 "$ERR" >&2
    fi
    exit 1
}

[ -n "${FANOUT-}" ] || skip "FANOUT is not set (run through ctest)"
[ -x "$FANOUT" ] || fail "FANOUT='$FANOUT' is not an executable"
[ -n "${FANOUT_SRC-}" ] || skip "FANOUT_SRC is not set (run through ctest)"
DATA="$FANOUT_SRC/tests/data/integration"
[ -d "$DATA" ] || fail "no suite files in $DATA"
[ -x "$PY" ] || skip "$PY is missing"
command -v timeout >/dev/null || skip "coreutils timeout is missing"

ITEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fanout-itest.XXXXXX") || fail "mktemp failed"
ITEST_DIR="$ITEST_TMP/work"
mkdir "$ITEST_DIR"
export ITEST_DIR
OUT="$ITEST_TMP/stdout"
ERR="$ITEST_TMP/stderr"
JSON="$ITEST_TMP/report.json"
RC=
# The pid file convention: a suite command that starts a background process
# writes its pid to $ITEST_DIR/*.pid; cleanup ends those still alive. Only a
# process with our ITEST_DIR in its environment is ours (pids get reused).
ours () {
    tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "ITEST_DIR=$ITEST_DIR"
}
cleanup () {
    local rc=$? f pid
    for f in "$ITEST_DIR"/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        case "$pid" in ''|*[!0-9]*) continue ;; esac
        alive "$pid" && ours "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    rm -rf "$ITEST_TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# fanout's own environment must not leak in from the caller.
unset FANOUT_JOBS

# A pid that runs (a zombie waiting for init to reap it has already died).
alive () {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    case "$state" in Z*|'') return 1 ;; *) return 0 ;; esac
}

# run_fanout ARGS...: fanout must end on its own; 120 s is a hang, not a slow run.
run_fanout () {
    rm -f "$JSON"               # never read the report of an earlier run
    timeout -k 5 120 "$FANOUT" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "fanout $* did not finish within 120 s"
}

expect_rc () {
    [ "$RC" = "$1" ] || fail "expected exit status $1, got $RC${2:+ ($2)}"
}

# Fixed strings in fanout's stdout / stderr.
expect_out () { grep -qF -- "$1" "$OUT" || fail "stdout lacks '$1'"; }
expect_no_out () { ! grep -qF -- "$1" "$OUT" || fail "stdout unexpectedly has '$1'"; }
expect_err () { grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1'"; }
# Extended regular expressions, per line.
expect_out_re () { grep -qE -- "$1" "$OUT" || fail "no stdout line matches /$1/"; }
expect_err_re () { grep -qE -- "$1" "$ERR" || fail "no stderr line matches /$1/"; }

expect_last_line () {
    local last
    last=$(tail -n 1 "$OUT")
    [ "$last" = "$1" ] || fail "last line is '$last', expected '$1'"
}

# Python with the report loaded: r (the report), tests (id -> test) and
# t(id). Fails when the file is not valid JSON.
PY_PRELUDE='
import json, sys
try:
    r = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    sys.exit("cannot load the JSON report %s: %s" % (sys.argv[1], e))
tests = {x["id"]: x for x in r.get("tests", [])}
def t(i):
    if i not in tests:
        sys.exit("no test %r in the report" % i)
    return tests[i]
'

# json_assert EXPR [WHAT]: a Python expression over the report must hold.
json_assert () {
    local msg
    msg=$("$PY" -c "$PY_PRELUDE
ok = ($1)
if not ok:
    sys.exit('does not hold')" "$JSON" 2>&1) || fail "JSON: ${2:-$1}: $msg"
}

# json_get EXPR: prints the value of a Python expression over the report.
json_get () {
    "$PY" -c "$PY_PRELUDE
v = ($1)
print(v if isinstance(v, str) else json.dumps(v))" "$JSON" || fail "JSON: cannot evaluate $1"
}

# check_one_outcome ID...: every expected id appears exactly once in the
# report's tests, with one valid outcome, no other test is there, and the
# totals count each test exactly once.
check_one_outcome () {
    local msg
    msg=$("$PY" -c "$PY_PRELUDE
OUTCOMES = ('passed', 'failed', 'error', 'skipped', 'timeout', 'crashed', 'not_run')
expected = sys.argv[2:]
ids = [x['id'] for x in r['tests']]
errs = []
for i in expected:
    if ids.count(i) != 1:
        errs.append('%r appears %d times' % (i, ids.count(i)))
for i in ids:
    if i not in expected:
        errs.append('unexpected test %r' % i)
for x in r['tests']:
    if x['outcome'] not in OUTCOMES:
        errs.append('%r has outcome %r' % (x['id'], x['outcome']))
tot = r['totals']
# A summary (a program's all whose failing points carry its failure) is
# in tests, not in the totals: each failing point counts once.
counted = [x for x in r['tests'] if not x.get('summary')]
if tot['tests'] != len(counted) or len(ids) != len(expected):
    errs.append('totals.tests=%r, %d in tests (%d counted), %d expected'
                % (tot['tests'], len(ids), len(counted), len(expected)))
if sum(tot[o] for o in OUTCOMES) != tot['tests']:
    errs.append('outcome totals do not add up to %r: %r' % (tot['tests'], tot))
for o in OUTCOMES:
    n = sum(1 for x in counted if x['outcome'] == o)
    if tot[o] != n:
        errs.append('totals.%s=%r but %d tests have it' % (o, tot[o], n))
if tot['fixture_errors'] != len(r['fixture_errors']):
    errs.append('totals.fixture_errors disagrees with fixture_errors')
if errs:
    sys.exit('; '.join(errs))" "$JSON" "$@" 2>&1) || fail "one-outcome invariant: $msg"
}

# The console's last line must be the JSON totals, counted the same way.
check_summary_matches_json () {
    local want
    want=$(json_get "'%(passed)d passed, %(failed)d failed, %(error)d errors, %(skipped)d skipped' % r['totals']
        + ''.join(', %d %s' % (r['totals'][k], words) if r['totals'][k] else ''
                  for k, words in (('timeout', 'timed out'), ('crashed', 'crashed'), ('not_run', 'not run')))")
    expect_last_line "$want"
}

# write_many FILE N: a suite of N trivial tests t1..tN.
write_many () {
    local i
    { echo "tests:"; for i in $(seq 1 "$2"); do echo "  - {name: t$i, run: [\"true\"]}"; done; } >"$1"
}

# Empties $ITEST_DIR between two runs of one script.
reset_work () {
    rm -rf "$ITEST_DIR" && mkdir "$ITEST_DIR" || fail "cannot reset $ITEST_DIR"
}

# check_events [MAX]: reads $ITEST_DIR/events (bin/hold's 'start ID' and
# 'end ID' lines); every start has its end, and at most MAX tests ran at once.
check_events () {
    "$PY" -c '
import sys
limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
running, peak = set(), 0
for line in open(sys.argv[1]):
    kind, name = line.split()
    if kind == "start":
        if name in running: sys.exit("%s started twice" % name)
        running.add(name)
        peak = max(peak, len(running))
    else:
        if name not in running: sys.exit("%s ended without a start" % name)
        running.remove(name)
if running: sys.exit("never ended: %s" % sorted(running))
if limit is not None and peak > limit: sys.exit("%d tests ran at once, limit %d" % (peak, limit))' "$ITEST_DIR/events" "$@" || fail "events: see above"
}

# expect_lines FILE LINE...: FILE holds exactly these lines, in this order.
expect_lines () {
    local file=$1; shift
    [ -f "$file" ] || fail "$(basename "$file") was never written"
    [ "$(cat "$file")" = "$(printf '%s\n' "$@")" ] ||
        fail "$(basename "$file") is [$(tr '\n' '|' <"$file")], expected [$(printf '%s|' "$@")]"
}
