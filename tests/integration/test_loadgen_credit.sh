#!/bin/bash
# The credit an agent keeps with the broker (proto/fo_flow.h), through
# bench/fo_loadgen, which keeps it as fanout's agent does: instant answers
# (every slot waits for its next lease longer than the last one ran) ask
# for more than slots + prefetch, at most 4 leases a slot more but at
# least FO_FLOW_MIN_EXTRA (48); with
# --prefetch 0, never more than the slots. Every test still passes once,
# and fewer frames than one per 5 tests come back (the larger batches the
# extra credit allows). Counts only, never a speed.
. "$(dirname "$0")/net_lib.sh"

BUILD=$(dirname "$FANOUT")
LOADGEN=$BUILD/bench/fo_loadgen
[ -x "$LOADGEN" ] || fail "no bench/fo_loadgen in $BUILD"

N=3000
awk -v n=$N 'BEGIN { print "tests:"; for (i = 1; i <= n; i++)
    printf "  - name: t%d\n    run: [\"/bin/true\"]\n", i }' > "$T_TMP/suite.yml"

# run_loadgen NAME PREFETCH: a broker and 2 fake agents of 4 slots; the
# generator's line in $line.
run_loadgen () {
    start "$1" "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --min-agents 2 --wait 60 \
        -q --no-history "$T_TMP/suite.yml"
    local ep
    ep=$(endpoint_of "$1")
    line=$("$LOADGEN" --connect "$ep" --agents 2 --slots 4 --prefetch "$2" --timeout 120) \
        || fail "fo_loadgen --prefetch $2 failed: $line"
    finish "$1" 60
    expect_rc "$1" 0
    grep -qx "$N passed, 0 failed, 0 errors, 0 skipped" "$T_TMP/$1.out" \
        || fail "not every test passed with --prefetch $2: $(tail -n 3 "$T_TMP/$1.out")"
}

field () { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }

run_loadgen b1 1
credit=$(field credit_max "$line")
frames=$(field frames_out "$line")
note "--prefetch 1: $line"
[ "$(field tests "$line")" = $N ] || fail "answered $(field tests "$line") tests, not $N: $line"
[ -n "$credit" ] && [ "$credit" -gt 5 ] && [ "$credit" -le $((5 + 48)) ] \
    || fail "instant answers, 4 slots, prefetch 1: asked for $credit credit, not 6 to 53: $line"
[ "$frames" -lt $((N / 5)) ] || fail "$frames frames for $N tests: no larger batches: $line"

run_loadgen b2 0
note "--prefetch 0: $line"
credit=$(field credit_max "$line")
[ "$credit" = 4 ] || fail "--prefetch 0: asked for $credit credit, not the 4 slots: $line"

echo "PASS [$T_NAME]"
