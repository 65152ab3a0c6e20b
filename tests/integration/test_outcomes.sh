#!/bin/bash
# Outcomes, exit statuses and the console in its three verbosities:
# pass / fail / skip (77 and a custom skip_code) / error (cannot spawn) /
# timeout / crashed; dots, -v lines, -q; captured output of failures.
. "$(dirname "$0")/lib.sh"

# --- all pass, default verbosity: dots, OK, the greppable last line
run_fanout run -j 2 --json "$JSON" "$DATA/outcomes_pass.yml"
expect_rc 0
[ "$(head -n 1 "$OUT")" = "..." ] || fail "progress line is '$(head -n 1 "$OUT")', expected '...'"
expect_out_re '^Ran 3 tests in [0-9]+\.[0-9]{3}s \([0-9]+ tests/s\)$'
expect_out_re '^OK$'
expect_last_line "3 passed, 0 failed, 0 errors, 0 skipped"
expect_no_out "FAILED"
check_one_outcome shell argv pipe
json_assert "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "r['exit_status'] == 0"
[ ! -s "$ERR" ] || fail "a passing run wrote to stderr"

# --- -v: one 'id ... ok (N.NNs)' line per test, no dots
run_fanout run -v -j 2 "$DATA/outcomes_pass.yml"
expect_rc 0
for id in shell argv pipe; do
    expect_out_re "^$id \.\.\. ok \([0-9]+\.[0-9]{2}s\)$"
done
! grep -qE '^[.FESTCN]+$' "$OUT" || fail "-v printed a progress-dots line"
expect_last_line "3 passed, 0 failed, 0 errors, 0 skipped"

# --- -q: nothing but the summary
run_fanout run -q -j 2 "$DATA/outcomes_pass.yml"
expect_rc 0
! grep -qE '^[.FESTCN]+$| \.\.\. ' "$OUT" || fail "-q printed progress"
head -n 1 "$OUT" | grep -qE '^-{20,}$' || fail "-q output does not start with the summary rule"
[ "$(grep -c . "$OUT")" -eq 4 ] || fail "-q of a passing run should be 4 non-empty lines"
expect_last_line "3 passed, 0 failed, 0 errors, 0 skipped"

# --- one of each: . F S E; exit 1; FAILED (...); captured output shown
run_fanout run -j 1 --json "$JSON" "$DATA/outcomes_mixed.yml"
expect_rc 1
dots=$(head -n 1 "$OUT" | fold -w1 | sort | tr -d '\n')
[ "$dots" = ".EFS" ] || fail "progress characters are '$(head -n 1 "$OUT")', expected one each of . F S E"
expect_out_re '^FAILED \(failures=1, errors=1, skipped=1\)$'
expect_last_line "1 passed, 1 failed, 1 errors, 1 skipped"
expect_out_re '^FAIL: bad$'
expect_out "captured-stdout-line"
expect_out "captured-stderr-line"
expect_out_re '^ERROR: nospawn$'
expect_out "cannot run '/nonexistent/fanout-itest-program'"
# passing and skipped tests do not get a block
! grep -qE '^(FAIL|ERROR): (good|skipper)$' "$OUT" || fail "a block for a test that did not fail"
check_one_outcome good bad skipper nospawn
check_summary_matches_json
json_assert "t('good')['outcome'] == 'passed'"
json_assert "t('bad')['outcome'] == 'failed' and t('bad')['message'] == 'exit status 1'"
json_assert "t('bad')['stdout'] == 'captured-stdout-line\n' and t('bad')['stderr'] == 'captured-stderr-line\n'"
json_assert "t('skipper')['outcome'] == 'skipped'"
json_assert "t('nospawn')['outcome'] == 'error' and 'nonexistent' in t('nospawn')['message']"
json_assert "r['exit_status'] == 1"

# --- -v words for each outcome
run_fanout run -v -j 1 "$DATA/outcomes_mixed.yml"
expect_rc 1
expect_out_re '^good \.\.\. ok \([0-9.]+s\)$'
expect_out_re '^bad \.\.\. FAIL \([0-9.]+s\)$'
expect_out_re '^skipper \.\.\. skipped: .* \([0-9.]+s\)$'
expect_out_re '^nospawn \.\.\. ERROR \([0-9.]+s\)$'

# --- more errors: no cwd, program not in PATH; stdin is not fanout's (a
# FIFO opened read-write never ends: a test reading it would hang)
mkfifo "$ITEST_TMP/stdin"
exec 3<>"$ITEST_TMP/stdin"
run_fanout run -j 2 --json "$JSON" "$DATA/outcomes_errors.yml" <&3
exec 3>&-
expect_rc 1
check_one_outcome no-cwd no-program reads-stdin
json_assert "t('no-cwd')['outcome'] == 'error' and '/nonexistent/fanout-itest-dir' in t('no-cwd')['message']"
json_assert "t('no-program')['outcome'] == 'error' and 'fanout-itest-no-such-program' in t('no-program')['message']"
json_assert "t('reads-stdin')['outcome'] == 'passed' and t('reads-stdin')['stdout'] == 'stdin-closed\\n'"
expect_last_line "1 passed, 0 failed, 2 errors, 0 skipped"

# --- skipped tests alone are OK: exit 0, OK (skipped=2)
run_fanout run -j 2 --json "$JSON" "$DATA/outcomes_skip.yml"
expect_rc 0
expect_out_re '^OK \(skipped=2\)$'
expect_last_line "1 passed, 0 failed, 0 errors, 2 skipped"
json_assert "t('skip-shell')['outcome'] == 'skipped' and t('skip-argv')['outcome'] == 'skipped'"

# --- custom skip_code: 5 skips, 77 fails
run_fanout run -j 2 --json "$JSON" "$DATA/outcomes_skip_code.yml"
expect_rc 1
expect_last_line "1 passed, 1 failed, 0 errors, 1 skipped"
json_assert "t('five')['outcome'] == 'skipped'"
json_assert "t('seventy-seven')['outcome'] == 'failed' and t('seventy-seven')['message'] == 'exit status 77'"
check_one_outcome five seventy-seven zero

# --- timeout and crash: T and C, the process group of the slow test is gone
run_fanout run -j 2 --json "$JSON" "$DATA/outcomes_kill.yml"
expect_rc 1
expect_out_re '^FAILED \(failures=0, errors=0, timeouts=1, crashed=1\)$'
expect_last_line "0 passed, 0 failed, 0 errors, 0 skipped, 1 timed out, 1 crashed"
json_assert "t('slow')['outcome'] == 'timeout'"
json_assert "t('segv')['outcome'] == 'crashed' and 'SIGSEGV' in t('segv')['message']"
check_one_outcome slow segv
[ -s "$ITEST_DIR/slow-child.pid" ] || fail "the slow test did not start its child"
child=$(cat "$ITEST_DIR/slow-child.pid")
for _ in 1 2 3 4 5 6 7 8 9 10; do alive "$child" || break; sleep 0.2; done
! alive "$child" || fail "the timed-out test's background child $child survived"

echo "PASS [$ITEST_NAME]"
