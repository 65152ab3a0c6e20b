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

# --- a report that cannot be written is found before anything runs: a
# usage error (2), and no test ran (not after the whole suite)
printf 'tests:\n  - {name: marks, run: "touch %s/ran"}\n' "$ITEST_DIR" >"$ITEST_DIR/marks.yml"
for bad in "$ITEST_DIR/no/such/dir/r.json" "$ITEST_DIR" "$ITEST_DIR/marks.yml"; do
    run_fanout run -j 2 --json "$bad" "$ITEST_DIR/marks.yml"
    expect_rc 2 "--json $bad"
    expect_err "--json '$bad'"
    [ ! -e "$ITEST_DIR/ran" ] || fail "a test ran although --json $bad could not be written"
done
expect_err "is the suite file"
[ "$(head -1 "$ITEST_DIR/marks.yml")" = "tests:" ] || fail "the suite file was touched"
run_fanout broker --bind "ipc://$ITEST_DIR/broker.sock" --json "$ITEST_DIR/no/such/dir/r.json" "$ITEST_DIR/marks.yml"
expect_rc 2 "broker --json into a missing directory"
expect_err "fanout broker: --json"

# --- the check leaves nothing behind, however fanout ends: an interrupt
# while the suite is discovered exits at once, with no report and no
# temporary file
mkdir -p "$ITEST_DIR/early"
printf 'contexts:\n  - {name: c, discover: "touch %s/early/listing; sleep 30", run: "echo {name}"}\n' \
    "$ITEST_DIR" >"$ITEST_DIR/slow.yml"
set -m
"$FANOUT" run --json "$ITEST_DIR/early/r.json" "$ITEST_DIR/slow.yml" >"$OUT" 2>"$ERR" &
pid=$!
set +m
for _ in $(seq 200); do [ -e "$ITEST_DIR/early/listing" ] && break; sleep 0.05; done
[ -e "$ITEST_DIR/early/listing" ] || fail "the discover command did not start"
kill -INT "$pid"
wait "$pid"
RC=$?
expect_rc 130 "interrupted during discovery"
[ "$(ls -A "$ITEST_DIR/early")" = listing ] || fail "left behind: $(ls -A "$ITEST_DIR/early")"

# --- a write that fails at the end has its own exit status (4), never silent
run_fanout run -j 2 --json /dev/full "$DATA/outcomes_pass.yml"
expect_rc 4 "--json /dev/full"
expect_err "cannot write report '/dev/full': No space left on device"
timeout -k 5 60 "$FANOUT" run -j 2 "$DATA/outcomes_pass.yml" >/dev/full 2>"$ERR"
RC=$?
expect_rc 4 "console output to /dev/full"
expect_err "cannot write the console output"

# --- written into what the path names, never replacing it: "-" and a
# symlink to our stdout put the report alone on stdout (the console output
# goes to stderr, so that `fanout run --json - | jq` works); a symlink keeps
# its place; a FIFO is written through
run_fanout run -j 2 --json - "$DATA/outcomes_pass.yml"
expect_rc 0
"$PY" - "$OUT" <<'PYEOF' || fail "--json - did not write the report alone on stdout"
import json, sys
assert json.load(open(sys.argv[1]))["totals"]["passed"] == 3
PYEOF
expect_err "3 passed, 0 failed, 0 errors, 0 skipped"
ln -s /proc/self/fd/1 "$ITEST_DIR/out-link"
run_fanout run -j 2 -q --json "$ITEST_DIR/out-link" "$DATA/outcomes_pass.yml"
expect_rc 0
[ -L "$ITEST_DIR/out-link" ] || fail "the symlink to stdout was replaced"
grep -q '"fanout_report": 1' "$OUT" || fail "the report did not reach stdout through the symlink"
mkdir -p "$ITEST_DIR/target"
echo old >"$ITEST_DIR/target/real.json"
ln -s "$ITEST_DIR/target/real.json" "$ITEST_DIR/link.json"
run_fanout run -j 2 --json "$ITEST_DIR/link.json" "$DATA/outcomes_pass.yml"
expect_rc 0
[ -L "$ITEST_DIR/link.json" ] || fail "the symlink was replaced by a file"
grep -q '"passed": 3' "$ITEST_DIR/target/real.json" || fail "the symlink's target lacks the report"
mkfifo "$ITEST_DIR/fifo"
cat "$ITEST_DIR/fifo" >"$ITEST_DIR/from-fifo" &
reader=$!
run_fanout run -j 2 --json "$ITEST_DIR/fifo" "$DATA/outcomes_pass.yml"
expect_rc 0
wait "$reader"
[ -p "$ITEST_DIR/fifo" ] || fail "the FIFO was replaced"
grep -q '"fanout_report": 1' "$ITEST_DIR/from-fifo" || fail "the report did not go through the FIFO"

echo "PASS [$ITEST_NAME]"
