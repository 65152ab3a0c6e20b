#!/bin/bash
# Report fields whose values docs/report-json.md spells out exactly:
#  1. message is null for a passed test ("null when there is nothing to say";
#     the example's passed test has "message": null);
#  2. a shared fixture's error has host "broker" ("where the fixture ran;
#     "broker" for a shared fixture");
#  3. a failed setup is in fixture_errors ("one per failed setup or
#     teardown"), phase "setup", while its tests are errors on their own.
# Each check is reported on its own so one failure does not hide the others.
. "$(dirname "$0")/lib.sh"

run_fanout run -j 2 --json "$JSON" "$DATA/report_contract.yml"
expect_rc 1
check_one_outcome passes unmarked/t shared/t
json_assert "t('passes')['outcome'] == 'passed' and t('shared/t')['outcome'] == 'passed'"
json_assert "t('unmarked/t')['outcome'] == 'error'"

failures=0
contract () {   # contract WHAT PYTHON-EXPR
    if ! "$PY" -c "$PY_PRELUDE
sys.exit(0 if ($2) else 1)" "$JSON"; then
        echo "CONTRACT BROKEN [$ITEST_NAME]: $1" >&2
        failures=$((failures + 1))
    fi
}

contract "message of a passed test is null, got $(json_get "repr(t('passes')['message'])")" \
    "t('passes')['message'] is None"
contract "shared teardown failure has host 'broker', got $(json_get "repr([f['host'] for f in r['fixture_errors'] if f['context'] == 'shared'])")" \
    "[f['host'] for f in r['fixture_errors'] if f['context'] == 'shared'] == ['broker']"
contract "failed setup of 'unmarked' is in fixture_errors, got $(json_get "[(f['context'], f['phase']) for f in r['fixture_errors']]")" \
    "[(f['context'], f['phase']) for f in r['fixture_errors'] if f['context'] == 'unmarked'] == [('unmarked', 'setup')]"

[ "$failures" -eq 0 ] || fail "$failures documented report field(s) differ (see CONTRACT BROKEN lines)"
echo "PASS [$ITEST_NAME]"
