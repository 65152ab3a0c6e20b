#!/bin/bash
# The benchmarks' quick modes, so that none can rot: bench/run-bench.sh on
# a few tests with the machine's limit (fo_spawn_limit, and with capture), and
# bench/broker-scale.sh QUICK=1 (fo_loadgen as 2 and 8 agents against a
# real broker, protocol 4), and bench/load-bench.sh QUICK=1. Checks that
# they run and print their tables,
# never a speed.
. "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$FANOUT")
[ -x "$BUILD/bench/fo_spawn_limit" ] || fail "no bench/fo_spawn_limit in $BUILD"
[ -x "$BUILD/bench/fo_loadgen" ] || fail "no bench/fo_loadgen in $BUILD"

# The limit program itself: runs N processes, fails when one fails.
"$BUILD/bench/fo_spawn_limit" 5 2 /bin/true || fail "fo_spawn_limit 5 2 /bin/true failed"
if "$BUILD/bench/fo_spawn_limit" 3 2 /bin/false; then
    fail "fo_spawn_limit did not fail on /bin/false"
fi
# --capture reads both pipes to their end: a child that writes more than a
# pipe holds to each would otherwise never end (the timeout says so).
timeout 30 "$BUILD/bench/fo_spawn_limit" --capture 3 2 /bin/sh -c \
    'head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2' \
    || fail "fo_spawn_limit --capture did not run 3 processes that write 300 kB to each stream"
if "$BUILD/bench/fo_spawn_limit" --capture 3 2 /bin/false; then
    fail "fo_spawn_limit --capture did not fail on /bin/false"
fi

N=20 REPEAT=1 TMPDIR=$ITEST_DIR bash "$FANOUT_SRC/bench/run-bench.sh" "$FANOUT" \
    > "$ITEST_DIR/bench.out" 2> "$ITEST_DIR/bench.err" \
    || { cat "$ITEST_DIR/bench.err" >&2; fail "run-bench.sh failed"; }
for want in '^| tool    |  median s |   runs/s | idle % |$' '^| limit ' '^| xargs ' '^| ctest ' '^| fanout ' '^| capture ' \
    '^- the limit (fo_spawn_limit): fanout takes ' '^- the limit with capture (fo_spawn_limit --capture): [0-9][0-9]*% of the limit; fanout takes '; do
    grep -q -- "$want" "$ITEST_DIR/bench.out" || { cat "$ITEST_DIR/bench.out" >&2; fail "run-bench.sh printed no line matching '$want'"; }
done

QUICK=1 TMPDIR=$ITEST_DIR bash "$FANOUT_SRC/bench/broker-scale.sh" "$BUILD" \
    > "$ITEST_DIR/scale.out" 2> "$ITEST_DIR/scale.err" \
    || { cat "$ITEST_DIR/scale.err" >&2; fail "broker-scale.sh QUICK=1 failed"; }
rows=$(grep -c '^|     300 |' "$ITEST_DIR/scale.out" || true)
[ "$rows" = 2 ] || { cat "$ITEST_DIR/scale.out" >&2; fail "broker-scale.sh printed $rows rows for 300 tests, not 2"; }

# load-bench.sh QUICK=1: a broker loads and plans 300 and 3,000 tests (a row
# of 7 figures each: the peak at listening and settled among them), is
# stopped with none run and reports every one not run.
QUICK=1 TMPDIR=$ITEST_DIR bash "$FANOUT_SRC/bench/load-bench.sh" "$BUILD" \
    > "$ITEST_DIR/load.out" 2> "$ITEST_DIR/load.err" \
    || { cat "$ITEST_DIR/load.err" >&2; fail "load-bench.sh QUICK=1 failed"; }
for n in 300 3000; do
    grep -qE "^\| +$n \|( +[0-9.]+ \|){7}\$" "$ITEST_DIR/load.out" \
        || { cat "$ITEST_DIR/load.out" >&2; fail "load-bench.sh printed no row for $n tests"; }
done

echo "PASS [$ITEST_NAME]"
