# net_lib.sh — helpers for the broker/agent tests (test_net_*.sh run hosts in
# network namespaces; test_broker_*.sh and test_hostile_peers.sh use loopback).
# Source it first.
#
# Environment (set by ctest, see tests/CMakeLists.txt): FANOUT (the binary),
# FANOUT_SRC (the source tree), FO_HOSTILE (the hostile peer tool).
# Exit status: 0 pass, 1 fail, 77 skip.
#
# NETWORK SAFETY: test traffic only goes to loopback or to addresses inside
# namespaces this script created. Every process of a namespace test is
# started with `ip netns exec`; nothing in the root namespace connects to a
# namespace's address. Namespaces (and the processes in them) are removed on
# exit, whatever the outcome.

set -u

PY=/usr/bin/python3           # never a pyenv shim from PATH
T_NAME=$(basename "$0" .sh)
MARK="fo-mark-$$"             # in the argv of every test process: pgrep finds orphans

skip () { echo "SKIP [$T_NAME]: $*"; exit 77; }

fail () {
    {
        echo "FAIL [$T_NAME]: $*"
        local f
        for f in "$T_TMP"/*.err "$T_TMP"/*.out; do
            [ -s "$f" ] || continue
            echo "--- $(basename "$f") (last 25 lines) ---"
            tail -n 25 "$f"
        done
    } >&3
    exit 1
}

note () { echo "[$T_NAME] $*"; }

[ -n "${FANOUT-}" ] || skip "FANOUT is not set (run through ctest)"
[ -x "$FANOUT" ] || { echo "FAIL: FANOUT='$FANOUT' is not an executable" >&2; exit 1; }
[ -x "$PY" ] || skip "$PY is missing (scripts/install-deps.sh installs it)"
command -v timeout >/dev/null || skip "coreutils timeout is missing"
command -v pgrep >/dev/null || skip "pgrep is missing (procps)"

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fanout-net.XXXXXX") || exit 1
# The shell's own stderr goes to a file (fail shows it): bash announces every
# background process a test kills on purpose ("Killed"), which is noise.
exec 3>&2 2>"$T_TMP/shell.err"
declare -A PID=()             # name -> pid of a background process we started
declare -A RC=()              # name -> its exit status once collected
NETNS=()                      # namespaces we created, in creation order
NS_PREFIX="fo$$"              # unique per test run: parallel tests never collide
declare -A ADDR=()            # host -> its address inside the test network

cleanup () {
    local rc=$? name pid ns p
    for name in "${!PID[@]}"; do
        pid=${PID[$name]}
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    done
    { wait; } 2>/dev/null           # reap them without "Killed" notices
    # Anything left inside our namespaces (test processes of a killed
    # agent) was started by this test: end it, then remove the namespaces.
    for ns in "${NETNS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$p" 2>/dev/null
        done
    done
    for p in $(pgrep -f "$MARK"); do kill -KILL "$p" 2>/dev/null; done
    for ns in "${NETNS[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$T_TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
unset FANOUT_JOBS FANOUT_LOG

# ---- processes ------------------------------------------------------------

# start NAME CMD...: runs CMD in the background, stdout to $T_TMP/NAME.out,
# stderr to $T_TMP/NAME.err.
start () {
    local name=$1; shift
    "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
    PID[$name]=$!
}

alive () { kill -0 "${PID[$1]}" 2>/dev/null; }

# finish NAME [SECONDS]: waits for NAME to exit (default 60 s), sets RC[NAME].
finish () {
    local name=$1 limit=${2:-60} i
    for ((i = 0; i < limit * 10; i++)); do
        alive "$name" || break
        sleep 0.1
    done
    alive "$name" && fail "$name did not end within $limit s"
    { wait "${PID[$name]}"; RC[$name]=$?; } 2>/dev/null     # no "Killed" notice
}

# stop NAME SIGNAL: sends the signal and collects the exit status.
stop () {
    kill -"$2" "${PID[$1]}" 2>/dev/null
    finish "$1" 30
}

expect_rc () {
    [ "${RC[$1]}" = "$2" ] || fail "$1 ended with status ${RC[$1]}, expected $2${3:+ ($3)}"
}

# wait_log NAME ERE [SECONDS]: until NAME's stderr has a matching line.
wait_log () {
    local i
    for ((i = 0; i < ${3:-30} * 10; i++)); do
        grep -qE -- "$2" "$T_TMP/$1.err" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "$1 never logged /$2/"
}

# wait_out NAME ERE COUNT [SECONDS]: until COUNT lines of NAME's stdout match
# (with -v a broker prints one line per finished test).
wait_out () {
    local i
    for ((i = 0; i < ${4:-30} * 10; i++)); do
        [ "$(grep -cE -- "$2" "$T_TMP/$1.out" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.1
    done
    fail "$1 never printed $3 lines matching /$2/"
}

# count_log NAME ERE: how many lines of NAME's stderr match.
count_log () { grep -cE -- "$2" "$T_TMP/$1.err" 2>/dev/null || true; }

expect_log () { grep -qE -- "$2" "$T_TMP/$1.err" || fail "$1 did not log /$2/"; }
expect_no_log () { ! grep -qE -- "$2" "$T_TMP/$1.err" || fail "$1 logged /$2/"; }

# endpoint_of NAME: the endpoint a broker logged it listens on.
endpoint_of () {
    wait_log "$1" "listening on tcp://" 15
    sed -n 's/.*listening on \(tcp:\/\/[^ ]*\).*/\1/p' "$T_TMP/$1.err" | head -n 1
}

# orphans: how many test processes (with $MARK in their argv) are alive.
orphans () { pgrep -fc -- "$MARK" || true; }

# wait_running N [SECONDS]: until at least N test processes run.
wait_running () {
    local i
    for ((i = 0; i < ${2:-30} * 10; i++)); do
        [ "$(orphans)" -ge "$1" ] && return 0
        sleep 0.1
    done
    fail "never saw $1 test processes running (saw $(orphans))"
}

# wait_no_orphans [SECONDS]: every test process has ended.
wait_no_orphans () {
    local i
    for ((i = 0; i < ${1:-15} * 10; i++)); do
        [ "$(orphans)" -eq 0 ] && return 0
        sleep 0.1
    done
    fail "$(orphans) test processes survive: $(pgrep -af -- "$MARK" | head -n 5 | tr '\n' ';')"
}

# ---- suites ---------------------------------------------------------------

# write_suite FILE N SECONDS: tests t01..tN, each sleeping SECONDS under a
# name carrying $MARK (exec -a), so that pgrep can find them.
write_suite () {
    local i
    { echo "tests:"
      for i in $(seq -f "%02g" 1 "$2"); do
          echo "  - {name: t$i, run: [bash, -c, \"exec -a $MARK-t$i sleep $3\"]}"
      done; } >"$1"
}

# suite_ids N: t01..tN as the suite above names them.
suite_ids () { seq -f 't%02g' 1 "$1"; }

# ---- the JSON report ------------------------------------------------------

PY_PRELUDE='
import json, sys
try:
    r = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    sys.exit("cannot load the JSON report %s: %s" % (sys.argv[1], e))
tests = {x["id"]: x for x in r.get("tests", [])}
hosts = {}
for x in r.get("tests", []):
    hosts[x["host"]] = hosts.get(x["host"], 0) + 1
'

# json_assert FILE EXPR [WHAT]: a Python expression over the report (r,
# tests, hosts = {host: number of tests}) must hold.
json_assert () {
    local msg
    msg=$("$PY" -c "$PY_PRELUDE
if not ($2):
    sys.exit('does not hold; hosts=%r' % hosts)" "$1" 2>&1) || fail "JSON: ${3:-$2}: $msg"
}

json_get () { "$PY" -c "$PY_PRELUDE
v = ($2)
print(v if isinstance(v, str) else json.dumps(v))" "$1"; }

# one_outcome FILE ID...: every expected test appears exactly once with one
# valid outcome, no other test is there, and the totals count each once.
one_outcome () {
    local file=$1 msg; shift
    msg=$("$PY" -c "$PY_PRELUDE
OUTCOMES = ('passed', 'failed', 'error', 'skipped', 'timeout', 'crashed', 'not_run')
expected = sys.argv[2:]
ids = [x['id'] for x in r['tests']]
errs = ['%r appears %d times' % (i, ids.count(i)) for i in expected if ids.count(i) != 1]
errs += ['unexpected test %r' % i for i in ids if i not in expected]
errs += ['%r has outcome %r' % (x['id'], x['outcome']) for x in r['tests'] if x['outcome'] not in OUTCOMES]
tot = r['totals']
if tot['tests'] != len(expected) or sum(tot[o] for o in OUTCOMES) != tot['tests']:
    errs.append('totals do not add up: %r' % tot)
if errs:
    sys.exit('; '.join(errs))" "$file" "$@" 2>&1) || fail "one-outcome invariant: $msg"
}

# ---- network namespaces ---------------------------------------------------

netns_require () {
    [ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces (ip netns)"
    command -v ip >/dev/null || skip "ip (iproute2) is missing"
    local probe="${NS_PREFIX}probe" out
    out=$(ip netns add "$probe" 2>&1) || skip "ip netns is unavailable here: $out"
    ip netns del "$probe"
    out=$(ip netns add "$probe" 2>&1 && ip netns exec "$probe" ip link add br0 type bridge 2>&1)
    local ok=$?
    ip netns del "$probe" 2>/dev/null
    [ $ok -eq 0 ] || skip "cannot create a bridge inside a namespace: $out"
}

# netns_hosts HOST...: one namespace per host, all on one bridge that lives
# in a switch namespace of its own (netns_switch.sh); host i gets
# 10.213.0.(10+i)/24 on eth0. Nothing is added to the root namespace.
. "$(dirname "${BASH_SOURCE[0]}")/netns_switch.sh"
netns_hosts () {
    local i=11 h
    netns_switch "$NS_PREFIX" 10.213.0 11 "$@" || fail "cannot build the test network"
    for h in "$@"; do
        ADDR[$h]="10.213.0.$i"
        i=$((i + 1))
    done
}

# on HOST CMD...: CMD inside HOST's namespace.
on () { local h=$1; shift; ip netns exec "${NS_PREFIX}$h" "$@"; }

# start_on HOST NAME CMD...: start NAME in the background inside HOST.
start_on () { local h=$1 name=$2; shift 2; start "$name" ip netns exec "${NS_PREFIX}$h" "$@"; }

# cut HOST: pulls HOST's cable (its only interface goes down).
cut () { on "$1" ip link set eth0 down; }
