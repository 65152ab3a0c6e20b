#!/usr/bin/env bash
# Joined tests (docs/sources.md, "TAP" and "cmocka"): each point a TAP or
# cmocka program prints is a test of the report, under the program's
# context, with exactly one outcome; the program's own test ("all") keeps
# its verdict of the whole stream. Real producers: shell scripts printing
# TAP (tests/data/joined/tap_points.sh), Perl's Test::More, a cmocka
# program built with Debian's libcmocka. Checks plan mismatches, Bail out!,
# crashes, hostile names, the per-program limit, retries, JUnit and list.
. "$(dirname "$0")/lib.sh"

[ -x "${FO_CMOCKA_PROG-}" ] || fail "FO_CMOCKA_PROG is not set (run through ctest)"
DATA="$FANOUT_SRC/tests/data/joined"
cd "$ITEST_DIR" || fail "cd"
cp "$DATA/tap_points.sh" ./tap && cp "$DATA/more.pl" ./more.pl && cp "$FO_CMOCKA_PROG" ./cmocka_prog \
    || fail "cannot copy the programs"
export ITEST_DIR

# ---- every point a test, one outcome each ----
TAP_POINTS=mixed run_fanout run --json "$JSON" --tap ./tap
expect_rc 1 "points failed"
check_one_outcome ./tap/all ./tap/parses ./tap/network ./tap/unicode ./tap/cache ./tap/sums ./tap/lines
json_assert "t('./tap/parses')['outcome'] == 'passed'" "ok is passed"
json_assert "t('./tap/network')['outcome'] == 'skipped' and t('./tap/network')['message'] == 'offline'" \
    "SKIP is skipped, with its reason"
json_assert "t('./tap/unicode')['outcome'] == 'skipped'
             and t('./tap/unicode')['message'] == 'TODO: an expected failure: later'" \
    "a failing TODO is no failure"
json_assert "t('./tap/cache')['outcome'] == 'passed'
             and 'TODO passed unexpectedly' in t('./tap/cache')['message']" "an unexpected pass says so"
json_assert "t('./tap/sums')['outcome'] == 'failed' and t('./tap/sums')['message'] == 'expected 3, got 4'" \
    "the YAML message"
json_assert "t('./tap/sums')['stdout'] == 'not ok 5 - sums\\n  ---\\n  message: expected 3, got 4\\n  ...\\n'" \
    "the YAML diagnostics block is the point's output"
json_assert "t('./tap/lines')['stdout'] == 'not ok 6 - lines\\n# got: 2\\n# expected: 3\\n'" \
    "and so are the comments after a failure"
json_assert "t('./tap/lines')['outcome'] == 'failed' and t('./tap/lines')['message'] == 'got: 2 expected: 3'" \
    "the comments after a failure"
json_assert "all(x['context'] == './tap' and x['host'] for x in r['tests'])" "under the program's context, with the host"
json_assert "t('./tap/all')['outcome'] == 'failed' and '2 of 6 failed' in t('./tap/all')['message']" \
    "the program's own verdict of the whole stream"
check_summary_matches_json
# Each failing point counts once: the program's failure is theirs, so its
# own test is a summary, left out of the totals (and says so).
json_assert "r['totals']['failed'] == 2 and r['totals']['tests'] == len(r['tests']) - 1" \
    "two failing points, two failures: the program's all is not counted again"
json_assert "t('./tap/all').get('summary') is True
             and not any(x.get('summary') for x in r['tests'] if x['id'] != './tap/all')" \
    "only the program's all is a summary"
expect_out_re "^Ran 6 tests in "
# --maxfail counts what the totals count: two failing points are two
# failures, the program's summary is not a third.
TAP_POINTS=mixed run_fanout run --maxfail 3 --json "$JSON" --tap ./tap
expect_rc 1
json_assert "r['stop_reason'] is None and r['totals']['failed'] == 2" \
    "two failures counted: --maxfail 3 is not reached"
expect_no_out "stopped after"
TAP_POINTS=mixed run_fanout run --maxfail 2 --json "$JSON" --tap ./tap
expect_rc 1
json_assert "r['stop_reason'] == 'stopped after 2 failures'" "the two failing points reach --maxfail 2"
# JUnit counts as the console does: the summary is no testcase; its
# testsuite keeps what it said.
TAP_POINTS=mixed run_fanout run --junit-xml "$ITEST_TMP/junit.xml" --tap ./tap
expect_rc 1
"$PY" - "$ITEST_TMP/junit.xml" <<'PYEOF' || fail "JUnit counts the summary"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.get('tests') == '6' and root.get('failures') == '2', root.attrib
cases = root.findall('.//testcase')
assert len(cases) == 6 and 'all' not in [c.get('name') for c in cases], [c.get('name') for c in cases]
assert len(root.findall('.//testcase/failure')) == 2
suite = root.find('testsuite')
assert suite.get('tests') == '6' and suite.get('failures') == '2', suite.attrib
props = [p.get('value') for p in suite.findall('properties/property') if p.get('name') == 'summary']
assert len(props) == 1 and props[0].startswith('all: failed: 2 of 6 failed'), props
assert 'ok 1 - parses' in suite.find('system-out').text
PYEOF
if command -v xmllint >/dev/null; then
    xmllint --noout --schema "$FANOUT_SRC/tests/data/junit.xsd" "$ITEST_TMP/junit.xml" 2>"$ITEST_TMP/xmllint.err" \
        || fail "the JUnit XML does not validate: $(cat "$ITEST_TMP/xmllint.err")"
fi
# A program whose points all pass but that exits 1: its all carries the
# failure alone, and is counted.
TAP_POINTS=exit1 run_fanout run --json "$JSON" --tap ./tap
expect_rc 1
json_assert "t('./tap/all')['outcome'] == 'failed' and 'summary' not in t('./tap/all')
             and r['totals']['failed'] == 1 and r['totals']['tests'] == 3" "the program's own failure counts"
check_summary_matches_json

# ---- a plan not met, Bail out!, crashes: the missing points are errors ----
TAP_POINTS=short run_fanout run --json "$JSON" --tap ./tap
expect_rc 1
check_one_outcome ./tap/all ./tap/a ./tap/b ./tap/c "./tap/test 4" "./tap/test 5"
json_assert "[t('./tap/test %d' % k)['outcome'] for k in (4, 5)] == ['error', 'error']" "planned 5, saw 3"
json_assert "t('./tap/test 5')['message'] == 'planned 5 tests but 3 ran'" "the missing one says why"
json_assert "'planned 5 tests but 3 ran' in t('./tap/all')['message']" "and so does the program"

TAP_POINTS=bail run_fanout run --json "$JSON" --tap ./tap
check_one_outcome ./tap/all ./tap/a "./tap/test 2" "./tap/test 3" "./tap/test 4"
json_assert "t('./tap/test 4')['outcome'] == 'error' and t('./tap/test 4')['message'] == 'Bail out! no database'" \
    "after Bail out! the rest of the plan are errors"

TAP_POINTS=crash run_fanout run --json "$JSON" --tap ./tap
check_one_outcome ./tap/all ./tap/a "./tap/test 2" "./tap/test 3"
json_assert "t('./tap/all')['outcome'] == 'crashed'" "the program crashed"
json_assert "'SIGSEGV' in t('./tap/test 3')['message'] and t('./tap/test 3')['outcome'] == 'error'" \
    "the points it never printed say why"

TAP_POINTS=early run_fanout run --json "$JSON" --tap ./tap
check_one_outcome ./tap/all
json_assert "t('./tap/all')['outcome'] == 'crashed'" "a crash before any point: the program's test says so"
TAP_POINTS=silent run_fanout run --json "$JSON" --tap ./tap
check_one_outcome ./tap/all
json_assert "t('./tap/all')['outcome'] == 'failed' and 'no plan' in t('./tap/all')['message']" \
    "a program that prints nothing"

# ---- hostile names ----
TAP_POINTS=hostile run_fanout run --json "$JSON" --tap ./tap
expect_rc 1
long="./tap/$(head -c 200 /dev/zero | tr '\0' n)..."
check_one_outcome ./tap/all './tap/\x1B[2J\x1B]0;pwned\x07x' "$long" "./tap/same" "./tap/same (2)" \
    "./tap/all (2)" "./tap/test 7" "./tap/same (3)" "./tap/test 8"
json_assert "t('./tap/test 8')['outcome'] == 'error'" "the 100000-byte line is no point: one missing"
json_assert "t('./tap/same (3)')['outcome'] == 'failed'" "a repeated name gets a counter"
# (The program's captured stdout is shown as it is; a test's id never raw.)
! grep -E '^(FAIL|ERROR|CRASHED): ' "$OUT" | grep -q $'\033' || fail "an escape sequence in a test id on the console"

# ---- the limit of one program ----
TAP_POINTS=many run_fanout run -q --json "$JSON" --tap ./tap
expect_rc 1
json_assert "len(r['tests']) == 50001" "at most 50000 joined tests per program"
json_assert "t('./tap/all')['outcome'] == 'error'" "past the limit the program's test is an error"
json_assert "'the program reported 1000000 tests of its own: only the first 50000 are in the report' in t('./tap/all')['message']" \
    "which says so"

# ---- a real producer: Perl's Test::More ----
if perl -MTest::More -e 1 2>/dev/null; then
    run_fanout run --json "$JSON" --tap ./more.pl
    expect_rc 1
    check_one_outcome ./more.pl/all ./more.pl/first ./more.pl/arithmetic "./more.pl/test 3" \
        ./more.pl/future ./more.pl/group
    json_assert "t('./more.pl/arithmetic')['outcome'] == 'failed'" "Test::More's failure"
    json_assert "t('./more.pl/test 3')['outcome'] == 'skipped' and t('./more.pl/test 3')['message'] == 'no network here'" \
        "Test::More's skip"
    json_assert "t('./more.pl/future')['outcome'] == 'skipped'" "Test::More's TODO"
    json_assert "t('./more.pl/group')['outcome'] == 'passed'" "a subtest, by its closing point"
fi

# ---- cmocka: a context per group ----
CMOCKA_PROG=fail run_fanout run --json "$JSON" --cmocka ./cmocka_prog
expect_rc 1
check_one_outcome ./cmocka_prog/all ./cmocka_prog/first/always "./cmocka_prog/first/always (2)" \
    ./cmocka_prog/second/chosen ./cmocka_prog/second/always
json_assert "t('./cmocka_prog/second/chosen')['context'] == './cmocka_prog/second'" "the group is the context"
json_assert "t('./cmocka_prog/second/chosen')['outcome'] == 'failed'
             and '0x1 != 0x2' in t('./cmocka_prog/second/chosen')['message']" "cmocka's assertion"

# ---- retries: a retried program's points are reported once, by the try that counts ----
rm -f "$ITEST_DIR/flaky.marker"
TAP_POINTS=flaky run_fanout run --retries 1 --json "$JSON" --tap ./tap
expect_rc 0 "the retry passed"
check_one_outcome ./tap/all ./tap/a ./tap/b
json_assert "t('./tap/all')['flaky'] and len(t('./tap/all')['attempts']) == 2" "the program was retried"
json_assert "t('./tap/a')['attempt'] == 2 and t('./tap/b')['outcome'] == 'passed'" \
    "its points are the second try's, once"
rm -f "$ITEST_DIR/flaky.marker"
TAP_POINTS=flaky run_fanout run --json "$JSON" --tap ./tap
expect_rc 1 "no retry"
check_one_outcome ./tap/all ./tap/a "./tap/test 2"

# ---- a secret a point's description prints is masked in its id ----
SECRET_VALUE="sec-$$-$RANDOM-hush"
export SECRET_VALUE
cat >"$ITEST_DIR/secret.yml" <<'YML'
contexts:
  - name: sh
    mode: shared
    setup: 'echo "secret TOKEN=$SECRET_VALUE" > "$FANOUT_EXPORT"'
    source:
      - {kind: tap, from: "printf '1..1\\nok 1 - token %s\\n' \"$TOKEN\""}
YML
run_fanout run --json "$JSON" "$ITEST_DIR/secret.yml"
expect_rc 0
json_assert "len(r['tests']) == 2 and any(i.endswith('/token ********') for i in tests)" \
    "the point's id has the secret masked"
! grep -qF "$SECRET_VALUE" "$JSON" "$OUT" "$ERR" || fail "a secret reached the report or the console"

# ---- JUnit and list ----
TAP_POINTS=short run_fanout run --junit-xml "$ITEST_TMP/junit.xml" --tap ./tap
grep -q 'name="test 4"' "$ITEST_TMP/junit.xml" || fail "JUnit lacks the joined tests"
TAP_POINTS=short run_fanout list --tap ./tap
expect_rc 0
expect_out "1 test"
expect_out_re "^  \./tap/all$"
grep -q '^  \./tap/a$' "$OUT" && fail "fanout list cannot know a program's points"
expect_out "    + the test points it prints, each a test: a TAP program cannot list them before it runs"
run_fanout list --cmocka ./cmocka_prog
expect_rc 0
expect_out "    + the tests it runs, each a test: a cmocka program cannot list them before it runs"

# ---- -k and --test cannot choose a point: they say so ----
run_fanout run -k sums --tap ./tap --json "$JSON"
expect_rc 0
json_assert "r['tests'] == []" "nothing ran"
expect_err "no test chosen: -k sees no test point of the TAP and cmocka programs (./tap)"
run_fanout run --test ./tap/sums --tap ./tap
expect_rc 2
expect_err "'./tap/sums' would be a test point of the TAP program './tap': it is a test only once the program runs, and cannot be chosen alone; choose the program: --test './tap'"
run_fanout run --test ./cmocka_prog/group/test_x --cmocka ./cmocka_prog
expect_rc 2
expect_err "would be a test of the cmocka program './cmocka_prog'"
run_fanout run -k tap --tap ./tap --json "$JSON"
json_assert "t('./tap/all')['outcome'] == 'failed'" "-k on the program chooses it, its points with it"
exit 0
