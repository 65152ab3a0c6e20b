#!/bin/bash
# A task whose lease cannot be sent (over the 16 MiB message limit: here a
# unit context of 2,100 tests with 8 KB commands) ends its tests as errors
# that name the task and the limit; the other tests run, and the run ends.
# Before the fix the broker logged "cannot send lease ... Invalid argument"
# and waited for ever: hence the run's own time limit here.
. "$(dirname "$0")/lib.sh"

SUITE="$ITEST_TMP/oversize.yml"
"$PY" - "$SUITE" <<'PYEOF' || fail "cannot write the suite"
import sys
long = "x" * 8200
with open(sys.argv[1], "w") as f:
    f.write("tests:\n  - {name: small, run: \"true\"}\n")
    f.write("contexts:\n  - name: big\n    setup: \"true\"\n    tests:\n")
    for i in range(2100):
        f.write("      - {name: t%d, run: \"echo %s\"}\n" % (i, long))
PYEOF

rm -f "$JSON"
timeout -k 5 60 "$FANOUT" run -j 2 --json "$JSON" "$SUITE" >"$OUT" 2>"$ERR"
RC=$?
[ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "the run hung on a lease it could not send"
expect_rc 1 "the big task's tests are errors"
json_assert "t('small')['outcome'] == 'passed'" "the other test ran"
json_assert "r['totals']['error'] == 2100 and r['totals']['tests'] == 2101"
json_assert "all(x['outcome'] == 'error' for x in r['tests'] if x['id'].startswith('big/'))"
msg=$(json_get "t('big/t7')['message']")
case "$msg" in
    *"task of context 'big'"*"bytes, over the 16 MiB message limit: split the context or shorten its commands"*) ;;
    *) fail "the message does not name the task and the limit: $msg" ;;
esac
json_assert "t('big/t7')['host'] is None and t('big/t7')['attempts'] == []" "it never reached an agent"
expect_err "over the 16 MiB message limit"
echo "PASS [$ITEST_NAME]"
