#!/bin/bash
# The JSON report (docs/report-json.md): the schema of every test and of the
# top level, totals and the one-outcome invariant, exit_status, encoding of
# odd bytes, atomic writing; env and cwd of the suite applied to tests.
. "$(dirname "$0")/lib.sh"

export ITEST_DATA="$DATA"
# started elsewhere: cwd is relative to the suite file, not to fanout's cwd
cd "$ITEST_DIR" || fail "cd"
run_fanout run -j 2 --json "$JSON" "$DATA/report_env.yml"
cd - >/dev/null || fail "cd -"
expect_rc 1 "ctx/shows fails on purpose"
check_one_outcome root-env test-cwd ctx/inherits ctx/own-env ctx/shows
check_summary_matches_json
for id in root-env test-cwd ctx/inherits ctx/own-env; do
    json_assert "t('$id')['outcome'] == 'passed'" "$id: env/cwd as the suite says"
done
json_assert "t('ctx/shows')['stdout'] == 'LEVEL=ctx\n'"
[ "$(cat "$ITEST_DIR/ctx-setup.txt")" = "ctx c $(cd "$DATA" && pwd -P)" ] ||
    fail "the context's setup ran with '$(cat "$ITEST_DIR/ctx-setup.txt")'"

# --- the schema: every field of every test, with its type
"$PY" - "$JSON" "$DATA/report_env.yml" "$RC" <<'EOF' || fail "report schema (above)"
import json, sys
r = json.load(open(sys.argv[1]))
def need(obj, key, types, where):
    assert key in obj, "%s: no %r" % (where, key)
    v = obj[key]
    assert isinstance(v, types) and not (isinstance(v, bool) and bool not in types), \
        "%s: %r is %r" % (where, key, v)
    return v
num = (int, float)
assert need(r, "fanout_report", (int,), "top") == 1
assert need(r, "suite", (str,), "top") == sys.argv[2]
assert need(r, "interrupted", (bool,), "top") is False
assert need(r, "duration_s", num, "top") >= 0
assert need(r, "jobs", (int,), "top") == 2
assert need(r, "exit_status", (int,), "top") == int(sys.argv[3])
totals = need(r, "totals", (dict,), "top")
for k in ("tests", "passed", "failed", "error", "skipped", "timeout", "crashed",
          "not_run", "fixture_errors"):
    assert need(totals, k, (int,), "totals") >= 0
assert need(r, "fixture_errors", (list,), "top") == []
tests = need(r, "tests", (list,), "top")
assert len(tests) == totals["tests"] == 5
for x in tests:
    w = "test %r" % x.get("id")
    need(x, "id", (str,), w)
    need(x, "context", (str,), w)
    assert need(x, "outcome", (str,), w) in ("passed", "failed", "error", "skipped",
                                            "timeout", "crashed", "not_run")
    assert need(x, "duration_s", num, w) >= 0
    assert need(x, "host", (str,), w)        # they all ran somewhere
    assert need(x, "worker", (int,), w) in (1, 2)
    assert need(x, "attempt", (int,), w) == 1
    assert need(x, "serial", (bool,), w) is False
    need(x, "message", (str, type(None)), w)
    need(x, "stdout", (str,), w)
    need(x, "stderr", (str,), w)
assert [x["context"] for x in tests] == ["", "", "ctx", "ctx", "ctx"]
EOF

# --- captured bytes: invalid UTF-8 becomes U+FFFD, NUL is kept
run_fanout run -j 1 --json "$JSON" "$DATA/report_bytes.yml"
expect_rc 0
json_assert "t('bytes')['stdout'] == 'a\ufffdb\x00c\ufffdd\n'" "invalid bytes -> U+FFFD, NUL kept"
json_assert "t('bytes')['stderr'] == '\u20ac ok\n'" "valid UTF-8 kept"

# --- atomic writing: the old report is replaced, no temporary file remains
mkdir "$ITEST_DIR/reports"
echo '{"old": true}' >"$ITEST_DIR/reports/r.json"
run_fanout run -j 2 --json "$ITEST_DIR/reports/r.json" "$DATA/outcomes_pass.yml"
expect_rc 0
JSON="$ITEST_DIR/reports/r.json"
json_assert "r['exit_status'] == 0 and 'old' not in r"
[ "$(ls -A "$ITEST_DIR/reports")" = r.json ] || fail "left behind: $(ls -A "$ITEST_DIR/reports")"

# --- a report that cannot be written: the run says so and is not OK (3)
run_fanout run -j 2 --json "$ITEST_DIR/no/such/dir/r.json" "$DATA/outcomes_pass.yml"
expect_rc 3
expect_err "cannot write report '$ITEST_DIR/no/such/dir/r.json'"

echo "PASS [$ITEST_NAME]"
