#!/usr/bin/env bash
# The python source against what Python users would otherwise run
# (issue 12, item 7). One generated suite: MODULES modules of TESTS tests
# each (every test sleeps SLEEP_MS ms, a stand-in for a small test), with
# contexts of each kind, cycling by module number:
#
#   m % 4 == 0   unmarked, with a setUpModule: one task (nose: one worker)
#   m % 4 == 1   _multiprocess_can_split_ = True, with a setUpModule
#   m % 4 == 2   _multiprocess_shared_ = True, with a setUpModule
#   m % 4 == 3   no fixture (split by default)
#
# No module is _multiprocess_ = False (serial): nose 1.3.7's multiprocess
# plugin never runs such a context's tests (its nextBatch drops them), so
# nose would do less work than the others.
# and one slow import: the last module sleeps SLOW_IMPORT_MS at import.
# Run by, the tools alternating, REPEAT rounds:
#
#   unittest   /usr/bin/python3 -m unittest discover -s DIR -t DIR   (one process)
#   nose       /usr/bin/python3 -m nose --processes=JOBS DIR         (Debian's python3-nose)
#   pytest     /usr/bin/python3 -m pytest -n JOBS -p no:cacheprovider DIR
#                                                  (Debian's python3-pytest-xdist)
#   fanout     fanout run -q -j JOBS --no-history --python DIR       (persistent workers)
#
# Prints each one's wall time (the minimum of the rounds), fanout's
# speed-up over each, and fanout's overhead per test: (its wall time - the
# tests' own time at JOBS, N * SLEEP_MS / JOBS) / N. The slow import is
# not in the tests' own time: it counts as overhead (every runner imports
# the module at least once to find its tests). Every tool must find and
# pass every test (a tool that does not is a failure, exit 1).
#
# usage: bench/python-bench.sh FANOUT_BINARY
#   JOBS (2), MODULES (40), TESTS (50), SLEEP_MS (1), SLOW_IMPORT_MS (500),
#   REPEAT (3); QUICK=1: 8 modules of 5 tests, 100 ms import, one round
#   (for the test suite).
# Exit 77 when python3-nose, python3-pytest-xdist or python3-msgpack is
# missing (scripts/install-deps.sh installs them).
set -uo pipefail

. "$(dirname "$0")/lib.sh"
bench_fanout "${1:-}"
PY=/usr/bin/python3
"$PY" -c "import nose, msgpack, pytest, xdist" 2>/dev/null ||
    skip "python3-nose, python3-pytest-xdist or python3-msgpack is missing"
JOBS=${JOBS:-2}
if [ "${QUICK:-0}" = 1 ]; then
    MODULES=${MODULES:-8}; TESTS=${TESTS:-5}; REPEAT=${REPEAT:-1}; SLOW_IMPORT_MS=${SLOW_IMPORT_MS:-100}
else
    MODULES=${MODULES:-40}; TESTS=${TESTS:-50}; REPEAT=${REPEAT:-3}; SLOW_IMPORT_MS=${SLOW_IMPORT_MS:-500}
fi
SLEEP_MS=${SLEEP_MS:-1}
bench_counts JOBS MODULES TESTS REPEAT
for v in SLEEP_MS SLOW_IMPORT_MS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[ "$MODULES" -ge 4 ] || die "MODULES must be at least 4 (one of each kind)"
N=$((MODULES * TESTS))

bench_workdir pybench
SUITE=$WORK/suite
mkdir -p "$SUITE"
export PYTHONDONTWRITEBYTECODE=1
secs () { awk -v ms="$1" 'BEGIN { print ms / 1000 }'; }
for ((m = 0; m < MODULES; m++)); do
    {
        echo "import time, unittest"
        [ "$m" = $((MODULES - 1)) ] && echo "time.sleep($(secs "$SLOW_IMPORT_MS"))   # the slow import"
        case $((m % 4)) in
            1) echo "_multiprocess_can_split_ = True" ;;
            2) echo "_multiprocess_shared_ = True" ;;
        esac
        [ $((m % 4)) -le 2 ] && printf 'def setUpModule():\n    pass\n'
        echo "class TestM$m(unittest.TestCase):"
        for ((t = 0; t < TESTS; t++)); do
            printf '    def test_%d(self):\n        time.sleep(%s)\n' "$t" "$(secs "$SLEEP_MS")"
        done
    } > "$SUITE/test_m$m.py"
done

now_us () { echo $(( $(date +%s%N) / 1000 )); }
declare -A best=()
keep_min () { if [ -z "${best[$1]:-}" ] || [ "$2" -lt "${best[$1]}" ]; then best[$1]=$2; fi; }
# one TOOL round: its command, then the line its output must hold
round () {
    local tool=$1 want=$2 t0 t1
    shift 2
    t0=$(now_us)
    (cd "$WORK" && "$@") > "$WORK/$tool.out" 2>&1 ||
        { tail "$WORK/$tool.out" >&2; echo "python-bench: $tool failed" >&2; exit 1; }
    t1=$(now_us)
    grep -Eq "$want" "$WORK/$tool.out" ||
        { tail -3 "$WORK/$tool.out" >&2; echo "python-bench: $tool did not pass $N tests" >&2; exit 1; }
    keep_min "$tool" $((t1 - t0))
}
for ((r = 0; r < REPEAT; r++)); do
    round unittest "^Ran $N tests" "$PY" -m unittest discover -s "$SUITE" -t "$SUITE"
    round nose "^Ran $N tests" "$PY" -m nose --processes="$JOBS" "$SUITE"
    round pytest "^$N passed" "$PY" -m pytest -q -n "$JOBS" -p no:cacheprovider "$SUITE"
    round fanout "^$N passed, 0 failed" "$FANOUT_BIN" run -q -j "$JOBS" --no-history --python "$SUITE"
done

ideal=$(awk -v n="$N" -v s="$SLEEP_MS" -v j="$JOBS" 'BEGIN { printf "%.3f", n * s / 1000 / j }')
echo "## python suite: $N tests in $MODULES modules of each kind, ${SLEEP_MS} ms each, a ${SLOW_IMPORT_MS} ms import, -j $JOBS (min of $REPEAT rounds; the tests' own time at $JOBS jobs ${ideal} s)"
echo
echo "| runner | wall s |"
echo "| --- | --- |"
for t in unittest nose pytest fanout; do
    awk -v t="$t" -v us="${best[$t]}" 'BEGIN { printf "| %s | %.3f |\n", t, us / 1e6 }'
done
echo
awk -v u="${best[unittest]}" -v n="${best[nose]}" -v p="${best[pytest]}" -v f="${best[fanout]}" \
    -v N="$N" -v ideal="$ideal" 'BEGIN {
    printf "fanout vs unittest: %.2fx\n", u / f
    printf "fanout vs nose --processes: %.2fx\n", n / f
    printf "fanout vs pytest -n: %.2fx\n", p / f
    printf "fanout overhead per test: %.3f ms\n", (f / 1e6 - ideal) / N * 1000 }'
