#!/bin/bash
# 500 trivial tests on two slots: every one runs once and is counted once.
# A correctness check, not a timing check.
. "$(dirname "$0")/lib.sh"

N=500
write_many "$ITEST_DIR/many.yml" "$N"
run_fanout run -j 2 --json "$JSON" "$ITEST_DIR/many.yml"
expect_rc 0
expect_out_re "^Ran $N tests in "
expect_out_re '^OK$'
expect_last_line "$N passed, 0 failed, 0 errors, 0 skipped"
[ "$(head -n 1 "$OUT" | tr -d '\n' | wc -c)" -eq "$N" ] || fail "expected $N progress dots"
! head -n 1 "$OUT" | grep -q '[^.]' || fail "a progress character other than '.'"
check_one_outcome $(seq -f 't%g' 1 "$N")
json_assert "r['totals']['passed'] == $N"
json_assert "all(x['worker'] in (1, 2) and x['attempt'] == 1 for x in r['tests'])"
json_assert "[x['id'] for x in r['tests']] == ['t%d' % i for i in range(1, $N + 1)]" "report in plan order"

echo "PASS [$ITEST_NAME]"
