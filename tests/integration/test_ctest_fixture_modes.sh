#!/bin/bash
# CTest fixtures in fanout's modes (tests/data/ctest/fixture_modes): the
# fanout:shared / fanout:split labels on a setup test, and a source
# entry's `fixtures` option over them. In every mode fanout's verdicts
# equal ctest's (a failed setup: its dependants not run, its cleanup run);
# what verdicts cannot show is read from the logs the tests write: a
# shared setup runs once and its dependants run at once (sh_a and sh_b
# meet), a split setup runs once more per dependant.
. "$(dirname "$0")/lib.sh"

command -v cmake >/dev/null || skip "cmake is missing"
command -v ctest >/dev/null || skip "ctest is missing"
COMPARE="$FANOUT_SRC/tests/integration/compare_ctest.py"
B="$ITEST_TMP/build-modes"
F="$ITEST_TMP/build-fixtures"
cmake -S "$DATA/../ctest/fixture_modes" -B "$B" >"$ITEST_TMP/cmake.log" 2>&1 \
    || fail "cmake failed: $(tail -5 "$ITEST_TMP/cmake.log")"
cmake -S "$DATA/../ctest/fixtures" -B "$F" >"$ITEST_TMP/cmake-f.log" 2>&1 \
    || fail "cmake failed: $(tail -5 "$ITEST_TMP/cmake-f.log")"

fresh () { rm -f "$B"/*.log "$B"/*.started "$B"/*.mark; }
count () { grep -cx "$1" "$B/$2.log" || true; }

fresh
(cd "$B" && timeout -k 5 120 ctest -j2 --output-junit "$ITEST_TMP/modes.xml" >/dev/null 2>&1)
[ -s "$ITEST_TMP/modes.xml" ] || fail "ctest wrote no JUnit file"

# By the labels.
fresh
run_fanout run -j2 --ctest "$B" --json "$JSON"
expect_rc 1 "the two bad setups fail; their dependants are not run by a failure"
"$PY" "$COMPARE" "$ITEST_TMP/modes.xml" "$JSON" >"$ITEST_TMP/cmp" \
    || fail "labels: verdicts differ: $(cat "$ITEST_TMP/cmp")"
[ "$(count sh_setup sh)" = 1 ] || fail "the shared setup ran $(count sh_setup sh) times"
[ "$(count sp_setup sp)" = 3 ] || fail "the split setup ran $(count sp_setup sp) times, not 1 + 2"
[ "$(count sp_cleanup sp)" = 3 ] || fail "the split cleanup ran $(count sp_cleanup sp) times, not 2 + 1"
[ "$(count shbad_cleanup shbad)" = 1 ] || fail "the shared cleanup did not run after a failed setup"
json_assert "t('$B/sh/sh_a')['outcome'] == 'passed'"
json_assert "t('$B/shbad/shbad_a')['outcome'] == 'not_run'"
json_assert "t('$B/shbad/shbad_a')['message'] == \"fixture setup '$B/shbad/shbad_setup' did not pass\""
json_assert "t('$B/spbad/spbad_a')['outcome'] == 'not_run'"
run_fanout list --ctest "$B"
expect_rc 0
grep -q "^  $B/sh/  (shared)" "$OUT" || fail "list does not show sh shared: $(cat "$OUT")"
grep -q "^  $B/sp/  (split; fixtures: setup, teardown)" "$OUT" || fail "list: sp not split"
grep -q "^  $B/unit/  (unit)" "$OUT" || fail "list: unit is not a unit"
run_fanout list --plan --ctest "$B"
expect_rc 0
grep -A1 "^  $B/sh/sh_cleanup$" "$OUT" | grep -q "^    its task waits for: $B/sh/sh_a, $B/sh/sh_b, $B/sh/sh_c, $B/sh/sh_setup$" \
    || fail "list --plan does not show what sh_cleanup waits for: $(cat "$OUT")"

# Choosing a dependant brings its fixture's setup and cleanup tests, as
# `ctest -R` does, in every mode: --test by id, -k by keyword (ctest -R
# and fanout's -k both match a part of the name). Verdicts are ctest's.
choose () {     # MODE_NAME CTEST_REGEX FANOUT_ARGS...
    local what=$1 re=$2
    shift 2
    fresh
    (cd "$B" && timeout -k 5 120 ctest -R "$re" --output-junit "$ITEST_TMP/chosen.xml" >/dev/null 2>&1)
    [ -s "$ITEST_TMP/chosen.xml" ] || fail "$what: ctest wrote no JUnit file"
    fresh
    run_fanout run -j2 --ctest "$B" --json "$JSON" "$@"
    "$PY" "$COMPARE" "$ITEST_TMP/chosen.xml" "$JSON" >"$ITEST_TMP/cmp" \
        || fail "$what: verdicts differ from ctest -R '$re': $(cat "$ITEST_TMP/cmp")"
}
choose "unit, --test" '^unit_a$' --test "$B/unit/unit_a"
json_assert "sorted(tests) == sorted(['$B/unit/unit_setup', '$B/unit/unit_a', '$B/unit/unit_cleanup'])" \
    "a unit's dependant brings its setup and cleanup"
choose "shared, --test" '^sh_c$' --test "$B/sh/sh_c"
json_assert "sorted(tests) == sorted(['$B/sh/sh_setup', '$B/sh/sh_c', '$B/sh/sh_cleanup'])" \
    "a shared fixture's dependant brings its setup and cleanup"
[ "$(count sh_setup sh)" = 1 ] || fail "the shared setup ran $(count sh_setup sh) times"
choose "split, --test" '^sp_a$' --test "$B/sp/sp_a"
json_assert "sorted(tests) == sorted(['$B/sp_setup', '$B/sp/sp_a', '$B/sp_cleanup'])" \
    "a split fixture's dependant brings its setup and cleanup tests"
choose "split, -k" 'sp_a' -k sp_a
choose "shared bad setup, -k" 'shbad_b' -k shbad_b
json_assert "t('$B/shbad/shbad_b')['outcome'] == 'not_run'" "its setup failed: not run, as ctest"
run_fanout list --ctest "$B" --test "$B/sp/sp_a"
expect_rc 0
grep -q "^  $B/sp_setup$" "$OUT" || fail "list --test does not show the setup it brings: $(cat "$OUT")"

# An entry's option over the labels: every fixture a unit. sh_a and sh_b
# then run one after another and never meet: ctest's verdicts differ
# there, and only there.
cat >"$ITEST_TMP/unit.yml" <<YAML
source:
  - {kind: ctest, from: $B, options: {fixtures: unit}}
YAML
run_fanout list "$ITEST_TMP/unit.yml"
expect_rc 0
grep -q "$B/sh/  (unit)" "$OUT" || fail "fixtures: unit did not make sh a unit: $(cat "$OUT")"
# The command line's --ctest-fixtures is that option for every --ctest tree.
run_fanout list --ctest "$B" --ctest-fixtures shared
expect_rc 0
grep -q "^  $B/unit/  (shared)" "$OUT" || fail "--ctest-fixtures shared: $(cat "$OUT")"

# Every fixture of the fixtures project shared (fixtures on fixtures,
# a failed setup, RUN_SERIAL, a lock): ctest's verdicts.
(cd "$F" && timeout -k 5 120 ctest -j2 --output-junit "$ITEST_TMP/fixtures.xml" >/dev/null 2>&1)
cat >"$ITEST_TMP/shared.yml" <<YAML
source:
  - {kind: ctest, from: $F, options: {fixtures: shared}}
YAML
run_fanout run -j2 --json "$JSON" "$ITEST_TMP/shared.yml"
expect_rc 1 "db_setup fails"
"$PY" "$COMPARE" "$ITEST_TMP/fixtures.xml" "$JSON" >"$ITEST_TMP/cmp" \
    || fail "fixtures: shared: verdicts differ: $(cat "$ITEST_TMP/cmp")"
json_assert "t('$F/db/db_user')['outcome'] == 'not_run'"
# A fixture's setup that requires another fixture brings that one's
# setup and cleanup in turn, as ctest -R does.
rm -f "$F"/*.mark
(cd "$F" && timeout -k 5 120 ctest -R '^chain_user$' --output-junit "$ITEST_TMP/chain.xml" >/dev/null 2>&1)
run_fanout run -j2 --json "$JSON" --test "$F/base+top/chain_user" "$ITEST_TMP/shared.yml"
"$PY" "$COMPARE" "$ITEST_TMP/chain.xml" "$JSON" >"$ITEST_TMP/cmp" \
    || fail "chain, --test: verdicts differ from ctest -R: $(cat "$ITEST_TMP/cmp")"
json_assert "len(tests) == 4" "chain_user brings chain_top, which brings chain_base and its cleanup"

# split takes one fixture of one setup: the chain of two is refused,
# naming it; an unknown mode is refused.
sed 's/fixtures: shared/fixtures: split/' "$ITEST_TMP/shared.yml" >"$ITEST_TMP/split.yml"
run_fanout list "$ITEST_TMP/split.yml"
expect_rc 2
grep -q "ctest fixture group 'base+top': the split mode takes one setup test and at most one cleanup test (it has 2 and 1)" "$ERR" \
    || fail "no message for a split chain: $(cat "$ERR")"
sed 's/fixtures: shared/fixtures: nope/' "$ITEST_TMP/shared.yml" >"$ITEST_TMP/nope.yml"
run_fanout list "$ITEST_TMP/nope.yml"
expect_rc 2
grep -q "fixtures 'nope' is not a fixture mode (unit, shared, split)" "$ERR" \
    || fail "no message for a bad fixture mode: $(cat "$ERR")"
echo "PASS [$ITEST_NAME]"
