#!/bin/bash
# The bundled examples, as the README runs them: examples/demo (the quick
# start's first command) passes with one skip and every fixture marking;
# examples/failing shows each way a test goes wrong, and exits 1.
. "$(dirname "$0")/lib.sh"

cd "$FANOUT_SRC" || fail "cannot enter $FANOUT_SRC"
unset DEMO_GPU

run_fanout run -j 2 --json "$JSON" examples/demo/fanout.yml
expect_rc 0 "the README's first command must succeed"
check_one_outcome version help-text needs-gpu ledger/deposit ledger/withdraw ledger/balance \
    parser/numbers parser/negative parser/large catalogue/lookup-apple catalogue/lookup-pear \
    catalogue/lookup-plum catalogue/lookup-fig migrations/upgrade
json_assert "r['totals']['passed'] == 13 and r['totals']['skipped'] == 1" "13 passed, 1 skipped"
json_assert "t('needs-gpu')['outcome'] == 'skipped'"
expect_last_line "13 passed, 0 failed, 0 errors, 1 skipped"

run_fanout run -j 2 --json "$JSON" examples/failing/fanout.yml
expect_rc 1 "the failing example fails"
check_one_outcome adds-up off-by-one segfault hangs database/insert database/select
json_assert "t('adds-up')['outcome'] == 'passed'"
json_assert "t('off-by-one')['outcome'] == 'failed'"
json_assert "t('segfault')['outcome'] == 'crashed'"
json_assert "t('hangs')['outcome'] == 'timeout'"
json_assert "t('database/insert')['outcome'] == 'error' and t('database/select')['outcome'] == 'error'"
expect_out "expected 10 items, got 9"
expect_out "killed by SIGSEGV"
expect_out "cannot connect to db:5432"
check_summary_matches_json
