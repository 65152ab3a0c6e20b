#!/bin/bash
# --junit-xml FILE: the report CI systems read. Valid against the JUnit
# schema shipped in tests/data/junit.xsd (xmllint), a testsuite per context
# and a testcase per test with every outcome, earlier tries as Surefire
# writes them (flakyFailure / rerunFailure), host, worker and attempt as
# properties, output XML cannot hold escaped; complete after an interrupt;
# its destination as carefully as the JSON report's.
. "$(dirname "$0")/lib.sh"

command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is missing"
XSD="$FANOUT_SRC/tests/data/junit.xsd"
XML="$ITEST_TMP/report.xml"

validate () {
    xmllint --noout --schema "$XSD" "$XML" 2>"$ITEST_TMP/xmllint.err" ||
        fail "${1:-}: the JUnit XML does not validate: $(cat "$ITEST_TMP/xmllint.err")"
}

# junit_assert EXPR WHAT: a Python expression over the parsed XML holds;
# root is <testsuites>, tc(suite, name) a testcase, props(tc) its properties.
junit_assert () {
    local msg
    msg=$("$PY" -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def suite(name):
    s = [x for x in root.findall("testsuite") if x.get("name") == name]
    if len(s) != 1: sys.exit("%d testsuites named %r" % (len(s), name))
    return s[0]
def tc(sname, name):
    c = [x for x in suite(sname).findall("testcase") if x.get("name") == name]
    if len(c) != 1: sys.exit("%d testcases %r in %r" % (len(c), name, sname))
    return c[0]
def props(c):
    return {p.get("name"): p.get("value") for p in c.findall("properties/property")}
def text(c, tag):
    e = c.find(tag)
    return e.text if e is not None and e.text else ""
ok = ('"$1"')
if not ok: sys.exit("does not hold")' "$XML" 2>&1) || fail "JUnit XML: $2: $msg"
}

# ---- every outcome, with retries -------------------------------------------------
run_fanout run --retries 1 --junit-xml "$XML" "$DATA/junit.yml"
expect_rc 1
validate "every outcome"
R='"<root>"'
junit_assert "[s.get('name') for s in root.findall('testsuite')] == ['<root>', 'db']" \
    "a testsuite per context, in the order of the report"
junit_assert "len(suite($R).findall('testcase')) == 9 and root.get('tests') == '12'" \
    "a testcase per test (and per fixture error)"
junit_assert "not tc($R, 'good').findall('failure') and props(tc($R, 'good'))['attempt'] == '1'" \
    "a passed test has no failure, its attempt as a property"
junit_assert "tc($R, 'good').get('classname') == '<root>' and tc($R, 'good').get('file', '').endswith('junit.yml') and float(tc($R, 'good').get('time')) >= 0" \
    "classname, file, time"
junit_assert "tc($R, 'bad').find('failure').get('type') == 'failed' and text(tc($R, 'bad'), 'system-out') == 'captured-stdout-line\n' and text(tc($R, 'bad'), 'system-err') == 'captured-stderr-line\n'" \
    "a failure with its stdout and stderr"
junit_assert "set(props(tc($R, 'bad'))) == {'host', 'worker', 'attempt'} and props(tc($R, 'bad'))['host'] != ''" \
    "host, worker and attempt as properties"
junit_assert "tc($R, 'skipper').find('skipped') is not None" "skipped"
junit_assert "tc($R, 'nospawn').find('error') is not None" "a test that could not start is an error"
junit_assert "tc($R, 'slow').find('failure').get('type') == 'timeout'" "a timeout is a failure of type timeout"
junit_assert "tc($R, 'crash').find('failure').get('type') == 'crashed'" "a crash is a failure of type crashed"
junit_assert "tc($R, 'flaky').find('failure') is None and len(tc($R, 'flaky').findall('flakyFailure')) == 1 and text(tc($R, 'flaky').find('flakyFailure'), 'system-err') == 'first-try-failed\n' and 'attempt 1' in text(tc($R, 'flaky').find('flakyFailure'), 'stackTrace') and text(tc($R, 'flaky'), 'system-out') == 'second-try\n'" \
    "flaky: the failed try as a flakyFailure with its output, the testcase's output the last try's"
junit_assert "tc($R, 'always').find('failure') is not None and len(tc($R, 'always').findall('rerunFailure')) == 1 and not tc($R, 'always').findall('flakyFailure')" \
    "failed on every try: a failure and a rerunFailure"
junit_assert "text(tc($R, 'bytes'), 'system-out') == 'a\\\\xffb\\\\x00c\\\\x1b[31m<&>\"\\\\xe2\\\\x82d\n' and text(tc($R, 'bytes'), 'system-err') == '\u20ac ok\n'" \
    "bytes XML cannot hold written as \\xNN, UTF-8 kept"
junit_assert "tc('db', 'insert').find('error') is not None and 'cannot-connect' in text(tc('db', 'insert'), 'system-err')" \
    "a test of a failed setup: an error with the setup's output"
junit_assert "any(c.get('name') == '(setup)' and c.find('error').get('type') == 'fixture' for c in suite('db').findall('testcase'))" \
    "the fixture error as a testcase of its own"
junit_assert "suite('db').get('errors') == str(len(suite('db').findall('testcase/error')))" \
    "the testsuite's counts match its testcases"
junit_assert "int(root.get('failures')) == sum(int(s.get('failures')) for s in root.findall('testsuite'))" \
    "the root's counts are the sum of the testsuites'"

# ---- stopped early (-x): every test of the run is in it ------------------------------
reset_work
run_fanout run -j 1 -x --junit-xml "$XML" "$DATA/junit.yml"
expect_rc 1 "-x"
validate "-x"
junit_assert "len([c for c in root.iter('testcase') if not c.get('name').startswith('(')]) == 10" "-x: every test is in the report"
junit_assert "any(c.find('skipped') is not None and c.find('skipped').get('type') == 'not_run' and 'stopped after' in c.find('skipped').get('message') for c in root.iter('testcase'))" \
    "-x: the tests never run are skipped, type not_run, saying why"

# ---- the same run to stdout: the report alone there ------------------------------
reset_work
rm -f "$XML"
timeout -k 5 120 "$FANOUT" run --junit-xml - "$DATA/outcomes_pass.yml" >"$XML" 2>"$ERR"
RC=$?
expect_rc 0 "--junit-xml -"
validate "--junit-xml -"
grep -q "passed, 0 failed" "$ERR" || fail "--junit-xml -: the console output did not go to stderr"

# ---- destination: checked before the run, like --json's ---------------------------
run_fanout run --junit-xml "$ITEST_TMP/no/such/dir/r.xml" "$DATA/outcomes_pass.yml"
expect_rc 2 "a report in a missing directory"
expect_err "--junit-xml"
[ ! -e "$ITEST_DIR/ran" ] || true
echo previous >"$XML"
run_fanout run --junit-xml "$XML" "$DATA/err_yaml.yml"
expect_rc 2 "a bad suite file"
[ "$(cat "$XML")" = previous ] || fail "a run that never started replaced the report"
run_fanout run --junit-xml /dev/full "$DATA/outcomes_pass.yml"
expect_rc 4 "a full disk"
expect_err "cannot write report"

# ---- interrupted: written complete, every test in it -------------------------------
wait_for () {
    local i
    for i in $(seq 1 200); do "$@" && return 0; sleep 0.1; done
    return 1
}
both_started () { [ -e "$ITEST_DIR/started.a" ] && [ -e "$ITEST_DIR/started.b" ]; }
gone () { ! alive "$1"; }
for sig in INT TERM; do
    reset_work
    rm -f "$XML"
    "$FANOUT" run -j 2 --junit-xml "$XML" "$DATA/interrupt.yml" >"$OUT" 2>"$ERR" &
    fpid=$!
    echo "$fpid" >"$ITEST_DIR/fanout.pid"
    wait_for both_started || fail "SIG$sig: the first two tests never started"
    kill -"$sig" "$fpid"
    wait_for gone "$fpid" || fail "SIG$sig: fanout did not stop within 20 s"
    wait "$fpid"
    RC=$?
    expect_rc 130 "SIG$sig"
    validate "SIG$sig"
    junit_assert "sorted(c.get('name') for c in suite($R).findall('testcase')) == ['a', 'b', 'c']" \
        "SIG$sig: every test of the run is in the report"
    junit_assert "all(c.find('skipped') is not None and c.find('skipped').get('type') == 'not_run' and 'interrupted' in c.find('skipped').get('message') for c in suite($R).findall('testcase'))" \
        "SIG$sig: the tests cut short are skipped, type not_run, saying why"
done

echo "PASS [$ITEST_NAME]"
