#!/usr/bin/env bash
# The python source against what Python users would otherwise run
# (issue 12): one generated suite of MODULES modules of TESTS tests each
# (every test sleeps SLEEP_MS ms, a stand-in for I/O; every fourth module
# has a setup_module, so it is one task), run by
#
#   unittest   /usr/bin/python3 -m unittest discover -s DIR -t DIR   (one process)
#   nose       /usr/bin/python3 -m nose --processes=JOBS DIR         (Debian's python3-nose)
#   fanout     fanout run -q -j JOBS --no-history --python DIR       (persistent workers)
#
# and prints each one's wall time (the minimum of REPEAT rounds, the tools
# alternating) and the ratios: fanout's speed-up over each. Every tool must
# find and pass every test (a tool that does not is a failure, exit 1).
#
# usage: bench/python-bench.sh FANOUT_BINARY
#   JOBS (2), MODULES (20), TESTS (20), SLEEP_MS (5), REPEAT (3);
#   QUICK=1: 4 modules of 5 tests, one round (for the test suite).
# Exit 77 when python3-nose or python3-msgpack is missing.
set -uo pipefail

FANOUT=${1:-${FANOUT:-}}
[ -x "$FANOUT" ] || { echo "usage: $0 FANOUT_BINARY" >&2; exit 2; }
FANOUT=$(cd "$(dirname "$FANOUT")" && pwd)/$(basename "$FANOUT")
PY=/usr/bin/python3
"$PY" -c "import nose, msgpack" 2>/dev/null || { echo "python-bench: skipped: python3-nose or python3-msgpack is missing" >&2; exit 77; }
JOBS=${JOBS:-2}
if [ "${QUICK:-0}" = 1 ]; then MODULES=${MODULES:-4}; TESTS=${TESTS:-5}; REPEAT=${REPEAT:-1}
else MODULES=${MODULES:-20}; TESTS=${TESTS:-20}; REPEAT=${REPEAT:-3}; fi
SLEEP_MS=${SLEEP_MS:-5}
N=$((MODULES * TESTS))

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fanout-pybench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SUITE=$WORK/suite
mkdir -p "$SUITE"
export PYTHONDONTWRITEBYTECODE=1
for ((m = 0; m < MODULES; m++)); do
    {
        echo "import time, unittest"
        [ $((m % 4)) = 0 ] && printf 'def setUpModule():\n    pass\n'
        echo "class TestM$m(unittest.TestCase):"
        for ((t = 0; t < TESTS; t++)); do
            printf '    def test_%d(self):\n        time.sleep(%s)\n' "$t" "$(awk -v s="$SLEEP_MS" 'BEGIN { print s / 1000 }')"
        done
    } > "$SUITE/test_m$m.py"
done

now_us () { echo $(( $(date +%s%N) / 1000 )); }
best_unittest=; best_nose=; best_fanout=
keep_min () { local v=$1 cur=$2; if [ -z "$cur" ] || [ "$v" -lt "$cur" ]; then echo "$v"; else echo "$cur"; fi; }
for ((r = 0; r < REPEAT; r++)); do
    t0=$(now_us)
    (cd "$WORK" && "$PY" -m unittest discover -s "$SUITE" -t "$SUITE") > "$WORK/unittest.out" 2>&1 ||
        { cat "$WORK/unittest.out" >&2; echo "python-bench: unittest failed" >&2; exit 1; }
    best_unittest=$(keep_min $(( $(now_us) - t0 )) "$best_unittest")
    grep -q "^Ran $N tests" "$WORK/unittest.out" || { echo "python-bench: unittest did not run $N tests" >&2; exit 1; }

    t0=$(now_us)
    (cd "$WORK" && "$PY" -m nose --processes="$JOBS" "$SUITE") > "$WORK/nose.out" 2>&1 ||
        { tail "$WORK/nose.out" >&2; echo "python-bench: nose failed" >&2; exit 1; }
    best_nose=$(keep_min $(( $(now_us) - t0 )) "$best_nose")
    grep -q "^Ran $N tests" "$WORK/nose.out" || { echo "python-bench: nose did not run $N tests" >&2; exit 1; }

    t0=$(now_us)
    (cd "$WORK" && "$FANOUT" run -q -j "$JOBS" --no-history --python "$SUITE") > "$WORK/fanout.out" 2>&1 ||
        { tail "$WORK/fanout.out" >&2; echo "python-bench: fanout failed" >&2; exit 1; }
    best_fanout=$(keep_min $(( $(now_us) - t0 )) "$best_fanout")
    grep -q "^$N passed, 0 failed" "$WORK/fanout.out" || { tail -3 "$WORK/fanout.out" >&2; echo "python-bench: fanout did not pass $N tests" >&2; exit 1; }
done

ideal=$(awk -v n="$N" -v s="$SLEEP_MS" -v j="$JOBS" 'BEGIN { printf "%.3f", n * s / 1000 / j }')
echo "## python suite: $MODULES modules x $TESTS tests of ${SLEEP_MS} ms, -j $JOBS (min of $REPEAT rounds; ideal at $JOBS jobs ${ideal} s)"
echo
echo "| runner | wall s |"
echo "| --- | --- |"
for t in unittest nose fanout; do
    v=best_$t
    awk -v t="$t" -v us="${!v}" 'BEGIN { printf "| %s | %.3f |\n", t, us / 1e6 }'
done
echo
awk -v u="$best_unittest" -v n="$best_nose" -v f="$best_fanout" 'BEGIN {
    printf "fanout vs unittest: %.2fx\n", u / f
    printf "fanout vs nose --processes: %.2fx\n", n / f }'
