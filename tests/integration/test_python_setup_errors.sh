#!/bin/bash
# A Python context whose setup raises is one error, as nose reports it
# (docs/sources.md, "Python"): `nosetests --processes=2` prints one
# "ERROR: test suite for <module 'M'>" (or <class 'M.C'>) per such context
# and does not count its tests; fanout's report has one fixture error of
# phase setup against the context (same name, same count) and the
# context's tests not_run "not run (setup of context 'X' failed: ...)", so
# every test still has one outcome; exit status 1 for both. A package's
# setup, a module's setup_module, unittest's setUpClass, nose's
# setup_class and a shared module's setup (the broker's) — persistent
# workers, and a new worker per task. tests/data/python/setup_errors.
. "$(dirname "$0")/lib.sh"

"$PY" -c "import nose" 2>/dev/null || skip "python3-nose is not installed"
"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/setup_errors" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"

timeout -k 5 120 "$PY" -m nose --processes=2 -v 2>"$ITEST_TMP/nose.txt"
[ $? -eq 1 ] || fail "nosetests did not fail"
[ "$(grep -c '^ERROR: test suite for' "$ITEST_TMP/nose.txt")" = 5 ] \
    || fail "nose reported another number of setup errors: $(grep '^ERROR' "$ITEST_TMP/nose.txt")"

for restart in "" --restart-worker; do
    run_fanout run -j 2 $restart --json "$JSON" --python .
    expect_rc 1
    "$PY" "$FANOUT_SRC/tests/integration/compare_nose.py" "$ITEST_TMP/nose.txt" "$JSON" ./ \
        >"$ITEST_TMP/diff" || fail "fanout $restart differs from nose: $(cat "$ITEST_TMP/diff")"
    check_one_outcome ./pkgbad/test_in/test_p1 ./pkgbad/test_in/test_p2 \
        ./test_clsbad/TestC/test_x ./test_clsbad/TestC/test_y ./test_clsbad/TestOk/test_fine \
        ./test_clsbad/TestPlain/test_q ./test_fine/test_fine ./test_modbad/test_one \
        ./test_modbad/test_two ./test_sharedbad/test_h1 ./test_sharedbad/test_h2
    json_assert "r['totals']['error'] == 0 and r['totals']['fixture_errors'] == 5"
    json_assert "r['totals']['passed'] == 2 and r['totals']['not_run'] == 9"
    json_assert "sorted(f['context'] for f in r['fixture_errors']) == ['./pkgbad', './test_clsbad/TestC', './test_clsbad/TestPlain', './test_modbad', './test_sharedbad']"
    json_assert "t('./test_modbad/test_one')['message'] == \"not run (setup of context './test_modbad' failed: exit status 1)\""
    json_assert "t('./pkgbad/test_in/test_p2')['message'] == \"not run (setup of context './pkgbad' failed: exit status 1)\""
    json_assert "t('./test_sharedbad/test_h1')['message'] == \"not run (setup of shared context './test_sharedbad' failed: exit status 1)\""
    json_assert "'setUpClass broke' in [f for f in r['fixture_errors'] if f['context'] == './test_clsbad/TestC'][0]['stderr']"
    expect_out "ERROR: ./test_modbad (setup)"
    expect_out "fixture errors=5"
done
echo "PASS [$ITEST_NAME]"
