#!/bin/bash
# The GoogleTest source on real gtest programs (tests/gtest, built from
# Debian's libgtest-dev): `fanout run --gtest PROGRAM...` and a suite
# file's `source:` entry. Every listed test (typed and value-parameterised
# names as gtest prints them) has exactly one final outcome in the JSON
# report, and each verdict equals gtest's own for that test run alone
# (`PROGRAM --gtest_filter=NAME --gtest_output=json:FILE`, read here
# independently of fanout): pass, fail, GTEST_SKIP, disabled, a crash, and
# a failure whose program's main exits 0.
. "$(dirname "$0")/lib.sh"

[ -n "${FO_GTEST_DIR-}" ] || skip "GoogleTest (libgtest-dev) is not installed: no tests/gtest programs"
for p in gt_outcomes gt_hidden gt_crash gt_segv gt_hang; do
    [ -x "$FO_GTEST_DIR/$p" ] || fail "$FO_GTEST_DIR/$p was not built"
done
cd "$ITEST_DIR" || fail "cd"
cp "$FO_GTEST_DIR"/gt_outcomes "$FO_GTEST_DIR"/gt_hidden "$FO_GTEST_DIR"/gt_crash \
    "$FO_GTEST_DIR"/gt_segv "$FO_GTEST_DIR"/gt_hang . || fail "cp"
# Where the gtest reader makes each step's output directory: checked empty.
export TMPDIR="$ITEST_DIR/tmp"
mkdir "$TMPDIR" || fail "mkdir"

# What gtest says of each test of PROGRAMs run alone, one JSON object per
# test: {"id": "<program>/<suite>/<test>", "outcome": ..., "message": ...}.
# Written here from gtest's own listing and output file, not fanout's code.
gtest_alone () {
    "$PY" - "$@" <<'EOF'
import json, os, subprocess, sys, tempfile
out = []
for prog in sys.argv[1:]:
    listing = subprocess.run(["./" + prog, "--gtest_list_tests"], capture_output=True,
                             text=True, check=True).stdout
    suite = None
    for line in listing.splitlines():
        if line.startswith("  ") and suite:
            test = line.split()[0]
        elif line and not line[0].isspace() and line.split()[0].endswith("."):
            suite = line.split()[0][:-1]
            continue
        else:
            continue
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "o.json")
            p = subprocess.run(["./" + prog, "--gtest_filter=%s.%s" % (suite, test),
                                "--gtest_output=json:" + f], capture_output=True)
            message = ""
            if p.returncode < 0:
                outcome = "crashed"
            else:
                res = json.load(open(f))["testsuites"][0]["testsuite"][0]
                fails = res.get("failures", [])
                if res["status"] == "NOTRUN":
                    outcome = "not_run"
                elif fails:
                    outcome = "failed"
                    message = fails[0]["failure"]
                elif res["result"] == "SKIPPED":
                    outcome = "skipped"
                else:
                    outcome = "passed"
        out.append({"id": "%s/%s/%s" % (prog, suite, test), "outcome": outcome,
                    "message": message})
json.dump(out, sys.stdout)
EOF
}

# check_against_gtest EXPECTED_JSON: one result per listed test in the
# report, each with gtest's verdict (and failure text in its message).
check_against_gtest () {
    "$PY" -c "$PY_PRELUDE
want = json.load(open(sys.argv[2]))
ids = [x['id'] for x in r['tests']]
errs = []
if sorted(ids) != sorted(w['id'] for w in want):
    errs.append('ids %r, gtest lists %r' % (sorted(ids), sorted(w['id'] for w in want)))
if len(ids) != len(set(ids)):
    errs.append('an id appears twice')
for w in want:
    if w['id'] not in tests:
        continue
    x = tests[w['id']]
    if x['outcome'] != w['outcome']:
        errs.append('%s: fanout %s, gtest alone %s' % (w['id'], x['outcome'], w['outcome']))
    # gtest's first failure line, as the reader flattens it (one line)
    first = w['message'].split('\n')[-1]
    if first and first not in (x['message'] or ''):
        errs.append('%s: message %r lacks %r' % (w['id'], x['message'], first))
    # one try each: none for a disabled one (the report lists no try
    # that did not run)
    tries = 0 if w['outcome'] == 'not_run' else 1
    if len(x['attempts']) != tries:
        errs.append('%s: %d tries, not %d' % (w['id'], len(x['attempts']), tries))
sys.exit('; '.join(errs) if errs else 0)" "$JSON" "$1" || fail "the report differs from gtest run alone"
}

gtest_alone gt_outcomes gt_hidden gt_crash >"$ITEST_TMP/alone.json" || fail "running gtest alone failed"

# --- --gtest PROGRAM...: every test once, gtest's verdicts
run_fanout run -j 2 --json "$JSON" --gtest ./gt_outcomes --gtest ./gt_hidden --gtest ./gt_crash
expect_rc 1 "tests failed"
sed 's#"id": "#"id": "./#g' "$ITEST_TMP/alone.json" >"$ITEST_TMP/alone-dot.json"
check_against_gtest "$ITEST_TMP/alone-dot.json"
# The verdicts themselves, so that gtest and fanout cannot be wrong together.
json_assert "t('./gt_outcomes/Basic/Pass')['outcome'] == 'passed'"
json_assert "t('./gt_outcomes/Basic/Fail')['outcome'] == 'failed'"
json_assert "'one is not two' in t('./gt_outcomes/Basic/Fail')['message']"
json_assert "t('./gt_outcomes/Basic/Fail')['context'] == './gt_outcomes/Basic'"
json_assert "t('./gt_outcomes/Basic/Skip')['outcome'] == 'skipped'"
json_assert "t('./gt_outcomes/Basic/DISABLED_Off')['outcome'] == 'not_run'"
json_assert "t('./gt_outcomes/Basic/DISABLED_Off')['message'] == 'disabled'"
json_assert "t('./gt_outcomes/DISABLED_Whole/A')['outcome'] == 'not_run'"
json_assert "t('./gt_outcomes/Typed/0/Size')['outcome'] == 'passed'"
json_assert "t('./gt_outcomes/Typed/1/FailsForChar')['outcome'] == 'failed'"
json_assert "t('./gt_outcomes/Typed/1/FailsForChar')['context'] == './gt_outcomes/Typed/1'"
json_assert "t('./gt_outcomes/Nums/Param/Even/0')['outcome'] == 'passed'"
json_assert "t('./gt_outcomes/Nums/Param/Even/1')['outcome'] == 'failed'"
json_assert "t('./gt_outcomes/Printed/Multi/Positive/1')['outcome'] == 'passed'"
json_assert "t('./gt_hidden/Hidden/Fail')['outcome'] == 'failed'" "a failure main hides"
json_assert "'hidden by main' in t('./gt_hidden/Hidden/Fail')['message']"
json_assert "t('./gt_crash/Crash/Boom')['outcome'] == 'crashed'"
json_assert "'SIGABRT' in t('./gt_crash/Crash/Boom')['message']"
json_assert "t('./gt_crash/Crash/After')['outcome'] == 'passed'"
json_assert "r['totals']['tests'] == 20"
# gtest's output files went with their steps
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"

# --- a suite file's source entry: the same tests under its context
cat >"$ITEST_DIR/suite.yml" <<'EOF'
contexts:
  - name: native
    source:
      - kind: gtest
        from: [./gt_hidden, ./gt_crash]
EOF
run_fanout run -j 2 --json "$JSON" "$ITEST_DIR/suite.yml"
expect_rc 1
"$PY" -c "
import json, sys
want = [w for w in json.load(open(sys.argv[1])) if not w['id'].startswith('gt_outcomes/')]
for w in want:
    w['id'] = 'native/./' + w['id']
json.dump(want, open(sys.argv[2], 'w'))" "$ITEST_TMP/alone.json" "$ITEST_TMP/alone-native.json"
check_against_gtest "$ITEST_TMP/alone-native.json"

# --- --test picks one gtest test by its id
run_fanout run -j 1 --json "$JSON" --gtest ./gt_outcomes --test './gt_outcomes/Nums/Param/Even/0'
expect_rc 0
json_assert "[x['id'] for x in r['tests']] == ['./gt_outcomes/Nums/Param/Even/0']"

# --- not a gtest program: a usage error naming it, nothing runs
run_fanout run -j 1 --gtest /bin/false
expect_rc 2
expect_err "--gtest '/bin/false': "
# --- --gtest-process suite: a suite's tests in one process. gt_segv's
# suite Mid segfaults in its 4th test: the three before it keep gtest's
# verdicts (from its result stream: the output file died with the
# process), Segv alone is crashed, the rest run again in a second
# process; each test runs once (gt_segv logs "name pid" per test run).
gtest_alone gt_segv >"$ITEST_TMP/alone-segv.json" || fail "running gt_segv alone failed"
sed 's#"id": "#"id": "./#g' "$ITEST_TMP/alone-segv.json" >"$ITEST_TMP/alone-segv-dot.json"
export GT_LOG="$ITEST_TMP/gt.log"
rm -f "$GT_LOG"
run_fanout run -j 2 --json "$JSON" --gtest-process suite --gtest ./gt_segv
expect_rc 1
check_against_gtest "$ITEST_TMP/alone-segv-dot.json"
json_assert "t('./gt_segv/Mid/First')['outcome'] == 'passed'"
json_assert "t('./gt_segv/Mid/Skipped')['outcome'] == 'skipped'"
json_assert "t('./gt_segv/Mid/Fails')['outcome'] == 'failed'"
json_assert "'one is not two' in t('./gt_segv/Mid/Fails')['message']"
json_assert "t('./gt_segv/Mid/Segv')['outcome'] == 'crashed'"
json_assert "'SIGSEGV' in t('./gt_segv/Mid/Segv')['message']"
json_assert "t('./gt_segv/Mid/After')['outcome'] == 'passed'"
json_assert "t('./gt_segv/Mid/Death')['outcome'] == 'passed'" "a death test beside the stream"
json_assert "t('./gt_segv/Mid/AfterFails')['outcome'] == 'failed'"
json_assert "t('./gt_segv/Calm/Crash')['outcome'] == 'crashed'"
"$PY" - "$GT_LOG" <<'EOF' || fail "gt_segv's tests did not run once each in the expected processes"
import collections, sys
runs = [l.split() for l in open(sys.argv[1]).read().splitlines()]
names = collections.Counter(n for n, _ in runs)
twice = [n for n, c in names.items() if c != 1]
if twice:
    sys.exit("run more than once: %r" % twice)
pid = dict(runs)
first = {pid[n] for n in ("Mid.First", "Mid.Skipped", "Mid.Fails", "Mid.Segv")}
rest = {pid[n] for n in ("Mid.After", "Mid.AfterSkip", "Mid.Death", "Mid.AfterFails", "Mid.Last")}
if len(first) != 1 or len(rest) != 1 or first == rest:
    sys.exit("processes: up to the crash %r, after it %r" % (first, rest))
if pid["Calm.Pass"] != pid["Calm.Crash"] or pid["Calm.Pass"] in first | rest:
    sys.exit("suite Calm: %r" % [pid["Calm.Pass"], pid["Calm.Crash"]])
EOF
unset GT_LOG
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
# A test that hangs: past the process's limit (the sum of its tests':
# 3 x 1 s) it alone is `timeout`; the test after it runs again and passes.
run_fanout run -j 2 --timeout 1 --json "$JSON" --gtest-process suite --gtest ./gt_hang
expect_rc 1
json_assert "t('./gt_hang/Hang/Before')['outcome'] == 'passed'"
json_assert "t('./gt_hang/Hang/Sleeps')['outcome'] == 'timeout'"
json_assert "t('./gt_hang/Hang/After')['outcome'] == 'passed'"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
# A suite per process judges as a process per test does.
run_fanout run -j 2 --json "$JSON" --gtest-process suite --gtest ./gt_outcomes
expect_rc 1
"$PY" -c "
import json, sys
want = [w for w in json.load(open(sys.argv[1])) if w['id'].startswith('gt_outcomes/')]
for w in want:
    w['id'] = './' + w['id']
json.dump(want, open(sys.argv[2], 'w'))" "$ITEST_TMP/alone.json" "$ITEST_TMP/alone-outcomes.json"
check_against_gtest "$ITEST_TMP/alone-outcomes.json"

# --- the entry's option, and its mistakes
cat >"$ITEST_DIR/suite.yml" <<'EOF'
source:
  - {kind: gtest, from: ./gt_crash, options: {process: suite}}
EOF
run_fanout list "$ITEST_DIR/suite.yml"
expect_rc 0
grep -q 'Crash.*unit' "$OUT" || fail "suite Crash is not a unit: $(cat "$OUT")"
run_fanout run -j 2 --json "$JSON" "$ITEST_DIR/suite.yml"
expect_rc 1
json_assert "t('./gt_crash/Crash/Boom')['outcome'] == 'crashed'"
json_assert "t('./gt_crash/Crash/After')['outcome'] == 'passed'"
json_assert "t('./gt_crash/Crash/AfterFails')['outcome'] == 'failed'"
cat >"$ITEST_DIR/suite.yml" <<'EOF'
source:
  - {kind: gtest, from: ./gt_crash, options: {process: each}}
EOF
run_fanout run "$ITEST_DIR/suite.yml"
expect_rc 2
expect_err "option 'process' is 'each': 'test' or 'suite'"
cat >"$ITEST_DIR/suite.yml" <<'EOF'
source:
  - {kind: gtest, from: ./gt_crash, mode: split, options: {process: suite}}
EOF
run_fanout run "$ITEST_DIR/suite.yml"
expect_rc 2
expect_err "'mode: split' or 'shared' cannot apply"
exit 0
