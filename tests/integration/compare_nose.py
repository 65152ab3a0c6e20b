"""compare_nose.py NOSE_OUTPUT REPORT_JSON PREFIX — the tests fanout found
in a Python suite and their outcomes against `nosetests --processes=2 -v`
on the same files (its stderr in NOSE_OUTPUT). Prints one line per
difference and exits 1 when there is one; test_python_nose.sh drives it.
PREFIX is the start of fanout's ids for the suite's folder ("./").

Names: fanout's id less PREFIX with "/" as "." is nose's address
("pkg/test_inner/TestPlain/test_items" -> "pkg.test_inner.TestPlain.
test_items"; a generated test's context, named as its generator, is
dropped: "mod/test_g/test_g(1,)" is "mod.test_g(1,)"; a unittest method's
"test_ok (mod.TestUnit.test_ok)" is its part in parentheses). Outcomes: ok passed, FAIL failed, ERROR error,
SKIP skipped. Where nose has no line per test, the comparison follows
nose's own report:
  "Failure: T (message) ... ERROR"   a module that failed to import: the
                                     fanout test whose message is "T: message"
  "ERROR: test suite for <module 'M' ...>"  a context whose setup failed:
  "ERROR: test suite for <class 'M.C'>"      one fixture error of phase
                                     setup in fanout's report against the
                                     context (as many as nose has), and
                                     every fanout test in it not_run (nose
                                     does not count them)
"""
import json
import re
import sys

LINE = re.compile(r"^(.*) \.\.\. (ok|FAIL|ERROR|SKIP(?::.*)?)$")
UNITTEST = re.compile(r"^\w+ \((.+)\)$")
FAILURE = re.compile(r"^Failure: (\w+) \((.*)\)$")
SUITE_ERROR = re.compile(r"^ERROR: test suite for <(?:module|class) '([^']+)'")
GENERATED = re.compile(r"(^|\.)([^.()]+)\.\2\(")
OUTCOME = {"ok": "passed", "FAIL": "failed", "ERROR": "error", "SKIP": "skipped"}


def main(nose_output, report, prefix):
    nose, imports, broken = {}, {}, []
    for line in open(nose_output, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        m = SUITE_ERROR.match(line)
        if m:
            broken.append(m.group(1))
            continue
        m = LINE.match(line)
        if not m:
            continue
        name, verdict = m.group(1), OUTCOME[m.group(2).split(":")[0]]
        f = FAILURE.match(name)
        if f:
            imports["%s: %s" % (f.group(1), f.group(2))] = verdict
            continue
        u = UNITTEST.match(name)
        nose[u.group(1) if u else name] = verdict
    fanout = {}
    doc = json.load(open(report, encoding="utf-8"))
    setup_errors = sorted(f["context"][len(prefix):].replace("/", ".")
                          for f in doc.get("fixture_errors", [])
                          if f["phase"] == "setup" and f["context"].startswith(prefix))
    for t in doc["tests"]:
        if not t["id"].startswith(prefix):
            continue
        name = t["id"][len(prefix):].replace("/", ".")
        # A generated test is in its generator's context: "mod.test_g.test_g(1,)"
        # is nose's "mod.test_g(1,)".
        name = GENERATED.sub(r"\1\2(", name)
        message = t.get("message") or ""
        if t["outcome"] == "error" and message in imports:
            name = "import failure %s" % message
        fanout[name] = t["outcome"]
    for message, verdict in imports.items():
        nose["import failure %s" % message] = verdict
    for context in broken:
        for name in fanout:
            if name.startswith(context + "."):
                nose[name] = "not_run"
    diffs = []
    if sorted(broken) != setup_errors:
        diffs.append("contexts whose setup failed: nose %s, fanout %s" % (sorted(broken),
                                                                         setup_errors))
    for name in sorted(set(nose) | set(fanout)):
        if name not in fanout:
            diffs.append("%s: nose %s, fanout has no such test" % (name, nose[name]))
        elif name not in nose:
            diffs.append("%s: fanout %s, nose has no such test" % (name, fanout[name]))
        elif nose[name] != fanout[name]:
            diffs.append("%s: nose %s, fanout %s" % (name, nose[name], fanout[name]))
    for d in diffs:
        print(d)
    print("%d tests compared, %d differences" % (len(set(nose) | set(fanout)), len(diffs)))
    return 1 if diffs or not fanout else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
