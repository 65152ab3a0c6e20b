#!/usr/bin/env bash
# A slot's lane (docs/architecture.md): the slot's thread starts the next
# chained test at the last one's exit. Seen from outside:
# - the tests of one worker slot never overlap (a chained test starts
#   only once the one before has exited), each keeps its own output, and
#   each ends with exactly one outcome, with lanes and without
#   (FANOUT_SPAWN_LANES=0);
# - tests chained behind a test that turns out long go back to the queue
#   20 ms into it, and the other slot runs them meanwhile: none waits for
#   the long test's end;
# - -x on a run of tiny tests: one outcome each, exit status 1;
# - a test may run on every CPU fanout may (the lanes' threads are pinned,
#   not their tests).
. "$(dirname "$0")/lib.sh"

# ---- no overlap within a slot, output kept ----------------------------------
# Each test writes its start and end (ns) to a file of its own and prints
# its name on stdout and stderr.
N=300
{
    echo "tests:"
    for i in $(seq 1 "$N"); do
        echo "  - {name: t$i, run: \"date +%s%N > $ITEST_DIR/t$i; echo t$i; echo e$i >&2; date +%s%N >> $ITEST_DIR/t$i\"}"
    done
} >"$ITEST_TMP/many.yml"

check_slots () {
    local what=$1
    check_one_outcome $(seq -f 't%g' 1 "$N")
    json_assert "all(x['outcome'] == 'passed' for x in r['tests'])" "$what: every test passed"
    json_assert "all(x['stdout'] == x['id'] + '\n' and x['stderr'] == 'e' + x['id'][1:] + '\n'
                     for x in r['tests'])" "$what: each test has its own output"
    local msg
    msg=$("$PY" -c '
import json, sys, collections
r = json.load(open(sys.argv[1]))
by_worker = collections.defaultdict(list)
for x in r["tests"]:
    start, end = (int(v) for v in open("%s/%s" % (sys.argv[2], x["id"])).read().split())
    by_worker[(x["host"], x["worker"])].append((start, end, x["id"]))
if len(by_worker) != 2:
    sys.exit("ran on %d slots, expected 2" % len(by_worker))
for w, spans in by_worker.items():
    spans.sort()
    for (s1, e1, a), (s2, e2, b) in zip(spans, spans[1:]):
        if s2 < e1:
            sys.exit("slot %r: %s started before %s had ended" % (w, b, a))
' "$JSON" "$ITEST_DIR" 2>&1) || fail "$what: $msg"
}

run_fanout run -j 2 --no-history --json "$JSON" "$ITEST_TMP/many.yml"
expect_rc 0 "lanes"
check_slots "lanes"

reset_work
FANOUT_SPAWN_LANES=0 run_fanout run -j 2 --no-history --json "$JSON" "$ITEST_TMP/many.yml"
expect_rc 0 "no lanes"
check_slots "no lanes"

# ---- chained behind a long test: taken back -----------------------------------
# Short tests, then `long` (3 s), then more short ones. When `long` starts
# after short ones, its slot chains the next leases behind it; 20 ms into
# it they go back to the queue and the other slot runs them. So every
# test after it ends before it does (40 tests take well under 3 s even
# under the sanitizers).
reset_work
{
    echo "tests:"
    for i in $(seq 1 40); do echo "  - {name: s$i, run: [\"true\"]}"; done
    echo "  - {name: long, run: \"sleep 3; date +%s%N > $ITEST_DIR/long.end\"}"
    for i in $(seq 1 40); do echo "  - {name: a$i, run: \"date +%s%N > $ITEST_DIR/a$i\"}"; done
} >"$ITEST_TMP/long.yml"
run_fanout run -j 2 --no-history --json "$JSON" "$ITEST_TMP/long.yml"
expect_rc 0 "long"
check_one_outcome $(seq -f 's%g' 1 40) long $(seq -f 'a%g' 1 40)
long_end=$(cat "$ITEST_DIR/long.end")
for i in $(seq 1 40); do
    [ "$(cat "$ITEST_DIR/a$i")" -lt "$long_end" ] \
        || fail "a$i started after the long test had ended: it waited behind it"
done

# ---- -x on tiny tests ------------------------------------------------------------
reset_work
{
    echo "tests:"
    for i in $(seq 1 200); do
        if [ "$i" = 120 ]; then echo "  - {name: t$i, run: [\"false\"]}"
        else echo "  - {name: t$i, run: [\"true\"]}"; fi
    done
} >"$ITEST_TMP/x.yml"
run_fanout run -j 2 -x --no-history --json "$JSON" "$ITEST_TMP/x.yml"
expect_rc 1 "-x"
check_one_outcome $(seq -f 't%g' 1 200)
json_assert "t('t120')['outcome'] == 'failed'" "-x: t120 failed"
json_assert "r['stop_reason'] == 'stopped after 1 failure'" "-x: stop reason"
json_assert "all(x['outcome'] in ('passed', 'not_run') for x in r['tests'] if x['id'] != 't120')" \
    "-x: the others passed or were not run"

# ---- a test's CPUs are fanout's -------------------------------------------------
reset_work
cat >"$ITEST_TMP/cpus.yml" <<'EOF'
tests:
  - {name: c1, run: "grep Cpus_allowed_list /proc/self/status"}
  - {name: c2, run: "grep Cpus_allowed_list /proc/self/status"}
  - {name: c3, run: "grep Cpus_allowed_list /proc/self/status"}
  - {name: c4, run: "grep Cpus_allowed_list /proc/self/status"}
EOF
mine=$(grep Cpus_allowed_list /proc/self/status)
run_fanout run -j 2 --no-history --json "$JSON" "$ITEST_TMP/cpus.yml"
expect_rc 0 "cpus"
json_assert "all(x['stdout'] == '''$mine\n''' for x in r['tests'])" "every test may run on $mine"

echo "PASS [$ITEST_NAME]"
