#!/bin/bash
# Conformance with nose's multiprocess documentation: three modules with
# identical fixtures that record every setup and teardown call in a file,
# and tests that check the setup was called exactly once
# (tests/data/conformance/). Run with -j 2, the unmarked and the shared
# module pass: their setup runs once. The split module fails, because its
# fixtures are not re-entrant: every test's task calls setup again.
. "$(dirname "$0")/fixtures_lib.sh"

DATA="${FANOUT_SRC:?}/tests/data/conformance"
export CALLED_DIR="$W"

called () { tr '\n' ' ' <"$W/$1.called" | sed 's/ $//'; }

# --- unmarked: one task, setup once, every test passes
fanout_run -j 2 "$DATA/not_shared.yml"
expect_rc 0
[ "$(called not_shared)" = "setup teardown" ] || fail "not_shared calls: $(called not_shared)"
jq_ "r['totals']['passed'] == 6"
jq_ "len({x['worker'] for x in r['tests']}) == 1" "the module ran as one task"

# --- shared: setup once in the broker, tests spread over both workers
fanout_run -j 2 "$DATA/shared.yml"
expect_rc 0
[ "$(called shared)" = "setup teardown" ] || fail "shared calls: $(called shared)"
jq_ "r['totals']['passed'] == 6"
jq_ "len({x['worker'] for x in r['tests']}) == 2" "the tests ran on both workers"

# --- split: setup and teardown around each of the six tests; only a test
#     whose setup happened to be the first can pass
fanout_run -j 2 "$DATA/can_split.yml"
expect_rc 1 "the split module's fixtures are not re-entrant"
[ "$(grep -cx setup "$W/can_split.called")" = 6 ] || fail "can_split setup calls: $(called can_split)"
[ "$(grep -cx teardown "$W/can_split.called")" = 6 ] || fail "can_split teardown calls: $(called can_split)"
jq_ "r['totals']['failed'] >= 5 and r['totals']['passed'] + r['totals']['failed'] == 6"
grep -qE "^setup was called [2-6] times, expected once$" "$OUT" || fail "no failure says the setup ran more than once"
exit 0
