"""compare_ctest.py JUNIT REPORT_JSON [PREFIX] — fanout's verdict on each test of a
CTest build tree against ctest's own (its --output-junit file). Prints one
line per difference and exits 1 when there is one (or a test is missing
from either side); test_ctest.sh drives it. With PREFIX, only fanout's
tests whose id starts with it are compared (a suite file's own tests beside
a build tree's).

Verdicts compared:
  ctest 'run'                           passed
  ctest 'fail'                          failed, timeout, crashed or error
  ctest 'notrun' (skipped)              skipped
  ctest 'notrun' (Fixture dependency)   not_run
  ctest 'notrun' (Insufficient resources)  not_run (no agent offers enough)
  ctest 'disabled'                      skipped, message 'disabled...'
"""
import json
import sys
import xml.etree.ElementTree as ET


def ctest_verdicts(path):
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        status = case.get("status")
        skipped = case.find("skipped")
        if status == "run":
            v = "pass"
        elif status == "fail":
            v = "fail"
        elif status == "disabled":
            v = "disabled"
        elif status == "notrun" and skipped is not None \
                and any(m in (skipped.get("message") or "")
                        for m in ("Fixture dependency failed", "Insufficient resources")):
            v = "not_run"
        elif status == "notrun":
            v = "skip"
        else:
            v = "?" + str(status)
        out[case.get("name")] = v
    return out


def fanout_verdicts(path, prefix):
    out = {}
    with open(path) as f:
        report = json.load(f)
    for t in report["tests"]:
        if not t["id"].startswith(prefix):
            continue
        name = t["id"]
        o = t["outcome"]
        if o == "passed":
            v = "pass"
        elif o in ("failed", "timeout", "crashed", "error"):
            v = "fail"
        elif o == "skipped" and (t.get("message") or "").startswith("disabled"):
            v = "disabled"
        elif o == "skipped":
            v = "skip"
        elif o == "not_run":
            v = "not_run"
        else:
            v = "?" + o
        out[name] = v
    return out


def by_ctest_name(fanout, names):
    """fanout's ids are the tree's context, maybe a unit's, and the ctest
    name (which may hold '/' itself): each id is keyed by the longest ctest
    name it ends with."""
    out = {}
    for fid, v in fanout.items():
        hits = [n for n in names if fid == n or fid.endswith("/" + n)]
        out[max(hits, key=len) if hits else fid] = v
    return out


def main():
    ctest = ctest_verdicts(sys.argv[1])
    fanout = by_ctest_name(
        fanout_verdicts(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""), ctest)
    bad = 0
    for name in sorted(set(ctest) | set(fanout)):
        c, f = ctest.get(name, "absent"), fanout.get(name, "absent")
        if c != f:
            print(f"{name}: ctest {c}, fanout {f}")
            bad += 1
    print(f"{len(ctest)} tests compared, {bad} differ")
    return 1 if bad or not ctest else 0


sys.exit(main())
