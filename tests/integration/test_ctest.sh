#!/bin/bash
# fanout run --ctest BUILD_DIR: for every test of a real CMake project
# (tests/data/ctest/*), fanout's verdict equals ctest's own on the same
# build tree (compare_ctest.py reads ctest's JUnit file and fanout's
# report). One project holds a test per property, one fixtures and a
# resource lock, one resource groups (ctest --resource-spec-file, fanout
# --resource-file); label filters are compared with ctest -L / -LE.
. "$(dirname "$0")/lib.sh"

command -v cmake >/dev/null || skip "cmake is missing"
command -v ctest >/dev/null || skip "ctest is missing"
COMPARE="$FANOUT_SRC/tests/integration/compare_ctest.py"

# compare NAME BUILD [ctest/fanout filter args as "CTEST_ARGS" "FANOUT_ARGS"]
compare () {
    local name=$1 build=$2 cargs=$3 fargs=$4
    # ctest's exit status is 8 when a test failed: the JUnit file is the verdict.
    # shellcheck disable=SC2086
    (cd "$build" && timeout -k 5 120 ctest -j2 $cargs --output-junit "$ITEST_TMP/$name.xml" \
        >"$ITEST_TMP/$name.ctest.log" 2>&1)
    [ -s "$ITEST_TMP/$name.xml" ] || fail "$name: ctest wrote no JUnit file"
    # shellcheck disable=SC2086
    run_fanout run -j2 --ctest "$build" $fargs --json "$JSON"
    [ -s "$JSON" ] || fail "$name: fanout wrote no report (exit $RC)"
    "$PY" "$COMPARE" "$ITEST_TMP/$name.xml" "$JSON" >"$ITEST_TMP/$name.cmp" \
        || fail "$name: verdicts differ: $(cat "$ITEST_TMP/$name.cmp")"
}

for project in common fixtures resources order; do
    build="$ITEST_TMP/build-$project"
    cmake -S "$DATA/../ctest/$project" -B "$build" >"$ITEST_TMP/cmake-$project.log" 2>&1 \
        || fail "cmake failed for $project: $(tail -5 "$ITEST_TMP/cmake-$project.log")"
done

compare common "$ITEST_TMP/build-common" "" ""
expect_rc 1 "tests failed"
compare fixtures "$ITEST_TMP/build-fixtures" "" ""
expect_rc 1 "a fixture setup failed"
# Each test's own messages: the ones ctest gives.
grep -q "fixture setup '[^']*/db/db_setup' did not pass" "$JSON" \
    || fail "db_user's message does not name its failed setup"

# DEPENDS between tests of no common fixture: each chain is a unit, run in
# CTest's order (use_file and chain_c fail when run before what they
# depend on); a failed dependency does not stop its dependant. COST
# changes no verdict.
compare order "$ITEST_TMP/build-order" "" ""
expect_rc 1 "fails_first fails"
json_assert "t('$ITEST_TMP/build-order/after make_file/use_file')['outcome'] == 'passed'"
json_assert "t('$ITEST_TMP/build-order/after chain_a+after chain_b/chain_c')['outcome'] == 'passed'"
json_assert "t('$ITEST_TMP/build-order/after fails_first/after_failure')['outcome'] == 'passed'"
json_assert "t('$ITEST_TMP/build-order/depends_on_nothing')['outcome'] == 'passed'"
# COST: with no history, the highest first (one slot: the order they run).
run_fanout run -j1 -v --ctest "$ITEST_TMP/build-order" --test "$ITEST_TMP/build-order/cheap" \
    --test "$ITEST_TMP/build-order/costly"
expect_rc 0
grep -n 'build-order/c[a-z]* \.\.\.' "$OUT" | head -2 | grep -q '^1:.*costly' \
    || fail "COST 30 did not run before COST 0.5: $(cat "$OUT")"
run_fanout list --plan --ctest "$ITEST_TMP/build-order"
expect_rc 0
grep -q 'no history: the highest CTest COST first' "$OUT" || fail "list --plan: $(head -2 "$OUT")"

# RESOURCE_GROUPS: the same resource specification for ctest and for
# fanout's agent; each test checks the CTEST_RESOURCE_GROUP_* variables it
# is given, so equal verdicts mean both told the tests their instances.
SPEC="$DATA/../ctest/resources/resources.json"
compare resources "$ITEST_TMP/build-resources" "--resource-spec-file $SPEC" "--resource-file $SPEC"
expect_rc 3 "too_many is not run (wrong_count fails)"
grep -q "no agent can take it: it needs 5 of resource 'gpus'" "$JSON" \
    || fail "too_many's message does not say why it was not run"

# -L / -LE: the fixtures a chosen test requires come along (as in ctest).
compare label_fast "$ITEST_TMP/build-common" "-L fast" "--ctest-label fast"
expect_rc 0
compare label_not_slow "$ITEST_TMP/build-common" "-LE slow|fast" "--ctest-label-exclude slow|fast"
compare label_db "$ITEST_TMP/build-fixtures" "-L ^db$" "--ctest-label ^db$"
expect_rc 1

# A suite file's source: entry, beside a test of its own: the tree's tests
# are namespaced by the tree ("build-fixtures/..."), its options are -L.
cat >"$ITEST_TMP/fanout.yml" <<'YAML'
tests:
  - {name: own, run: "true"}
source:
  - kind: ctest
    from: build-fixtures
    options: {labels: '^net$'}
YAML
(cd "$ITEST_TMP/build-fixtures" && timeout -k 5 120 ctest -L '^net$' \
    --output-junit "$ITEST_TMP/entry.xml" >/dev/null 2>&1)
run_fanout run -j2 --json "$JSON" "$ITEST_TMP/fanout.yml"
expect_rc 0
"$PY" "$COMPARE" "$ITEST_TMP/entry.xml" "$JSON" build-fixtures/ >"$ITEST_TMP/entry.cmp" \
    || fail "suite entry: verdicts differ: $(cat "$ITEST_TMP/entry.cmp")"
grep -q '"id": "build-fixtures/net/net_user"' "$JSON" || fail "no build-fixtures/net/net_user"
grep -q '"id": "own"' "$JSON" || fail "the suite file's own test is missing"

# Bad input: a label filter that is not a regular expression, a directory
# that is not a build tree.
run_fanout run --ctest "$ITEST_TMP/build-common" --ctest-label "("
expect_rc 2
grep -qF "labels '(' is not a valid extended regular expression" "$ERR" \
    || fail "no message for a bad --ctest-label"
run_fanout run --ctest "$ITEST_TMP/no-such-dir"
expect_rc 2
grep -q "no-such-dir" "$ERR" || fail "no message for a missing build tree"
echo "PASS [$ITEST_NAME]"
