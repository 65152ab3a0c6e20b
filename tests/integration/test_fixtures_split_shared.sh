#!/bin/bash
# split (fixtures around every test) and shared (fixtures once, in the
# broker, around all tests) contexts, and failing shared fixtures.
. "$(dirname "$0")/lib.sh"

# --- split, one slot: the log is setup/test/teardown once per test
run_fanout run -j 1 --json "$JSON" "$DATA/fixtures_split.yml"
expect_rc 0
check_one_outcome sp/a sp/b sp/c sp/d
"$PY" - "$ITEST_DIR/split.log" <<'EOF' || fail "split.log is not 4 x (setup, test, teardown)"
import sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 12, lines
for k in range(4):
    assert lines[3 * k] == "setup" and lines[3 * k + 2] == "teardown", lines
    assert lines[3 * k + 1].startswith("test "), lines
assert sorted(l[5:] for l in lines[1::3]) == ["a", "b", "c", "d"], lines
EOF

# --- split, three slots: still one setup and one teardown per test
reset_work
run_fanout run -j 3 --json "$JSON" "$DATA/fixtures_split.yml"
expect_rc 0
[ "$(grep -c '^setup$' "$ITEST_DIR/split.log")" -eq 4 ] || fail "split: expected 4 setups"
[ "$(grep -c '^teardown$' "$ITEST_DIR/split.log")" -eq 4 ] || fail "split: expected 4 teardowns"
[ "$(grep -c '^test ' "$ITEST_DIR/split.log")" -eq 4 ] || fail "split: expected 4 tests"

# --- shared: setup once before any test, teardown once after the last
reset_work
run_fanout run -j 4 --json "$JSON" "$DATA/fixtures_shared.yml"
expect_rc 0 "shared tests must see the fixture and run at the same time"
check_one_outcome srv/a srv/b srv/c srv/sub/d
expect_lines "$ITEST_DIR/shared.log" "setup srv" "setup srv/sub" "teardown srv/sub" "teardown srv after 4"
[ ! -e "$ITEST_DIR/srv.res" ] && [ ! -e "$ITEST_DIR/sub.res" ] || fail "a shared teardown did not run"
json_assert "r['fixture_errors'] == []"

# --- a failing shared setup: errors with its output, nothing leased
reset_work
run_fanout run -j 2 --json "$JSON" "$DATA/fixtures_shared_fail.yml"
expect_rc 1
check_one_outcome broken/a broken/b broken/deep/c leaky/fine
check_summary_matches_json
for id in broken/a broken/b broken/deep/c; do
    json_assert "t('$id')['outcome'] == 'error'" "$id is an error"
    json_assert "'broken' in t('$id')['message'] and 'setup' in t('$id')['message']" "$id: message names the setup"
    json_assert "'shared-setup-output' in t('$id')['stdout']" "$id carries the setup's output"
    json_assert "t('$id')['attempt'] == 0 and t('$id')['worker'] == 0" "$id was never leased"
done
for f in broken.a broken.b broken.c broken.teardown; do
    [ ! -e "$ITEST_DIR/$f" ] || fail "$f ran after a failed shared setup"
done
expect_out "shared-setup-output"

# --- a failing shared teardown: a fixture error, the test keeps its pass
json_assert "t('leaky/fine')['outcome'] == 'passed'"
json_assert "sorted((f['context'], f['phase']) for f in r['fixture_errors']) == [('broken', 'setup'), ('leaky', 'teardown')]"
json_assert "[f['stdout'] for f in r['fixture_errors'] if f['phase'] == 'teardown'] == ['shared-teardown-output\n']"
json_assert "[f['stdout'] for f in r['fixture_errors'] if f['phase'] == 'setup'] == ['shared-setup-output\n']"
expect_out_re '^ERROR: broken \(setup\)$'
expect_out_re '^ERROR: leaky \(teardown\)$'
expect_out_re '^FAILED \(failures=0, errors=3, fixture errors=2\)$'

echo "PASS [$ITEST_NAME]"
