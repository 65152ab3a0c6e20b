#!/bin/bash
# Unmarked contexts with fixtures (docs/fixtures.md): one task per context,
# setup once, tests in order in one worker, teardown once; failing setups
# and teardowns.
. "$(dirname "$0")/lib.sh"

# --- the happy path, with more slots than needed: still one task each
run_fanout run -j 3 --json "$JSON" "$DATA/fixtures_unmarked.yml"
expect_rc 0
check_one_outcome plain/t1 plain/t2 plain/t3 db/insert db/query db/mig/upgrade
expect_lines "$ITEST_DIR/plain.log" setup t1 t2 t3 teardown
# the context's own tests first, then the child context, then the teardown
expect_lines "$ITEST_DIR/db.log" "setup db" db/insert db/query "setup db/mig" db/mig/upgrade "teardown db"
json_assert "len({x['worker'] for x in r['tests'] if x['context'] == 'plain'}) == 1" "plain ran in one worker"
json_assert "len({x['worker'] for x in r['tests'] if x['id'].startswith('db/')}) == 1" "db ran in one worker"
json_assert "t('db/mig/upgrade')['context'] == 'db/mig' and t('plain/t1')['context'] == 'plain'"
json_assert "r['fixture_errors'] == []"

# --- failing fixtures
reset_work
run_fanout run -j 2 --json "$JSON" "$DATA/fixtures_unmarked_fail.yml"
expect_rc 1
check_one_outcome bad-setup/t1 bad-setup/t2 bad-teardown/passes bad-teardown/skips outer/own outer/inner/t
check_summary_matches_json

# setup failed: every test of the context is an error with the setup's
# output and reason; neither the tests nor the teardown ran
for id in bad-setup/t1 bad-setup/t2; do
    json_assert "t('$id')['outcome'] == 'error'"
    json_assert "'bad-setup' in t('$id')['message'] and 'setup' in t('$id')['message']" "$id: message names the setup"
    json_assert "'setup-said-this' in t('$id')['stdout'] and 'setup-complained' in t('$id')['stderr']" \
        "$id carries the setup's output"
done
for f in bad-setup.t1 bad-setup.t2 bad-setup.teardown; do
    [ ! -e "$ITEST_DIR/$f" ] || fail "$f ran after a failed setup"
done
expect_out_re '^ERROR: bad-setup/t1$'
expect_out "setup-complained"

# teardown failed: a fixture error against the context; tests keep outcomes
json_assert "t('bad-teardown/passes')['outcome'] == 'passed' and t('bad-teardown/skips')['outcome'] == 'skipped'"
# every failed setup and teardown is in fixture_errors, in the order they happened per task
json_assert "sorted((f['context'], f['phase']) for f in r['fixture_errors']) == [('bad-setup', 'setup'), ('bad-teardown', 'teardown'), ('outer/inner', 'setup')]"
json_assert "[f['stdout'] for f in r['fixture_errors'] if f['context'] == 'bad-setup'] == ['setup-said-this\n']"
json_assert "[f['stdout'] for f in r['fixture_errors'] if f['context'] == 'bad-teardown'] == ['teardown-said-this\n']"
json_assert "['exit status 4' in f['message'] for f in r['fixture_errors'] if f['context'] == 'bad-teardown'] == [True]"
json_assert "all(f['host'] == '$(uname -n)' for f in r['fixture_errors'])" "an agent's fixture names its host"
json_assert "r['totals']['fixture_errors'] == 3 and r['exit_status'] == 1"
expect_out_re '^ERROR: bad-teardown \(teardown\)$'
expect_out "teardown-said-this"
expect_out_re '^ERROR: bad-setup \(setup\)$'
expect_out_re '^FAILED \(failures=0, errors=3, skipped=1, fixture errors=3\)$'

# a child's setup failed: only its subtree is lost
json_assert "t('outer/own')['outcome'] == 'passed' and t('outer/inner/t')['outcome'] == 'error'"
expect_lines "$ITEST_DIR/outer.log" "setup outer" outer/own "setup inner" "teardown outer"

echo "PASS [$ITEST_NAME]"
