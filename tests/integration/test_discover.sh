#!/bin/bash
# discover: a context's command prints test names, its run template with
# {name} becomes each test's command (docs/suite-file.md, Discovery).
. "$(dirname "$0")/lib.sh"

run_fanout run -j 2 --json "$JSON" "$DATA/discover.yml"
expect_rc 1 "gen/beta fails on purpose"
ids=(gen/written gen/alpha gen/beta "gen/it's spaced out" argv/x argv/y argv/z fixtured/one fixtured/two)
check_one_outcome "${ids[@]}"
check_summary_matches_json

# plan order: written tests first, then discovered ones in output order
json_assert "[x['id'] for x in r['tests']] == $("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${ids[@]}")" \
    "tests in plan order"
json_assert "all(x['context'] == x['id'].rsplit('/', 1)[0] for x in r['tests'])"
json_assert "t('gen/beta')['outcome'] == 'failed'"
json_assert "all(x['outcome'] == 'passed' for x in r['tests'] if x['id'] != 'gen/beta')"
expect_out_re '^FAIL: gen/beta$'

# string template: the name arrives as one shell word, whatever it holds
[ "$(sort "$ITEST_DIR/gen.log")" = "$(printf '%s\n' "ran: alpha" "ran: beta" "ran: it's spaced out")" ] ||
    fail "gen.log is [$(tr '\n' '|' <"$ITEST_DIR/gen.log")]"
# argv template: {name} replaced inside an element
[ "$(sort "$ITEST_DIR/argv.log")" = "$(printf '%s\n' item-x item-y item-z)" ] ||
    fail "argv.log is [$(tr '\n' '|' <"$ITEST_DIR/argv.log")]"
# discovered tests get the context's fixtures (unmarked: one task)
expect_lines "$ITEST_DIR/fixtured.log" setup one two teardown

# --- a discovered name that collides with a written test: exit 2, nothing runs
reset_work
run_fanout run "$DATA/err_discover_dup.yml"
expect_rc 2
expect_err_re "err_discover_dup\.yml:4:15: discover output line 2: duplicate test id 'gen/written'"
[ ! -s "$OUT" ] || fail "something ran although discovery failed"

echo "PASS [$ITEST_NAME]"
