#!/bin/bash
# GLib and gtest sources listed on an agent (options: {discover_on:
# agent}, docs/sources.md "GLib" and "GoogleTest"): a broker whose host
# lacks the program drives an agent that has it. The broker starts with no
# program at the path (so it cannot list it), the program appears, an
# agent lists and runs it; each test's outcome equals the one of a run
# where the broker listed the program itself. Loopback only.
. "$(dirname "$0")/net_lib.sh"

[ -x "${FO_GLIB_PROG-}" ] || fail "FO_GLIB_PROG is not set (run through ctest)"
W="$T_TMP/w"
mkdir -p "$W" || fail "mkdir"

# ---- GLib: each path alone, as mode: split when the broker lists it ----
cat >"$W/g.yml" <<'YAML'
source:
  - {kind: glib, from: ./gprog, options: {discover_on: agent}}
YAML
start gbroker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$T_TMP/gagent.json" \
    "$W/g.yml"
ep=$(endpoint_of gbroker)
cp "$FO_GLIB_PROG" "$W/gprog" || fail "cp"
start gagent "$FANOUT" agent --connect "$ep" --insecure -j 2 --name lister --once
finish gbroker 60
expect_rc gbroker 0
finish gagent 15
expect_rc gagent 0
printf 'source:\n  - {kind: glib, from: ./gprog, mode: split}\n' >"$W/gsplit.yml"
(cd "$W" && "$FANOUT" run -j 2 --json "$T_TMP/gbroker.json" "$W/gsplit.yml" >"$T_TMP/grun.out" 2>&1)
"$PY" - "$T_TMP/gagent.json" "$T_TMP/gbroker.json" <<'PY' || fail "GLib outcomes differ"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
got = {t["id"]: (t["outcome"], t["host"]) for t in a["tests"]}
want = {t["id"]: t["outcome"] for t in b["tests"]}
assert set(got) == set(want) and len(want) >= 5, (sorted(got), sorted(want))
for i, outcome in want.items():
    assert got[i] == (outcome, "lister"), (i, got[i], outcome)
# each path ran once: its own point, the ones below it skipped
assert all(t["attempt"] == 1 for t in a["tests"])
PY
rm -f "$W/gprog"

[ -n "${FO_GTEST_DIR-}" ] || skip "GoogleTest (libgtest-dev) is not installed: no tests/gtest programs"
[ -x "$FO_GTEST_DIR/gt_outcomes" ] || fail "$FO_GTEST_DIR/gt_outcomes was not built"
cat >"$W/s.yml" <<'YAML'
source:
  - {kind: gtest, from: ./prog, options: {discover_on: agent}}
YAML

# The broker lists nothing itself: the program is not there yet.
start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$T_TMP/agent.json" \
    "$W/s.yml"
ep=$(endpoint_of broker)
cp "$FO_GTEST_DIR/gt_outcomes" "$W/prog" || fail "cp"
start agent "$FANOUT" agent --connect "$ep" --insecure -j 2 --name lister --once
finish broker 60
expect_rc broker 1 "tests failed"
finish agent 15
expect_rc agent 0

# The same program listed by the broker.
(cd "$W" && "$FANOUT" run -j 2 --json "$T_TMP/broker.json" --gtest ./prog >"$T_TMP/run.out" 2>&1)
"$PY" - "$T_TMP/agent.json" "$T_TMP/broker.json" <<'PY' || fail "outcomes differ"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
# agent-listed ids: ./prog/Suite.Test; broker-listed: ./prog/Suite/Test
# (context ./prog/Suite).
got = {t["id"][len("./prog/"):]: (t["outcome"], t["host"]) for t in a["tests"]}
want = {t["context"][len("./prog/"):] + "." + t["id"][len(t["context"]) + 1:]: t["outcome"]
        for t in b["tests"]}
assert set(got) == set(want), (sorted(got), sorted(want))
for name, outcome in want.items():
    assert got[name][0] == outcome, (name, got[name], outcome)
    assert got[name][1] == "lister", (name, got[name])
assert got["Basic.DISABLED_Off"][0] == "not_run" and a["exit_status"] == 1, "disabled is no infra failure"
PY

# Listing on the broker with the program missing fails; the options are checked.
rm -f "$W/prog"
sed 's/discover_on: agent/discover_on: broker/' "$W/s.yml" >"$W/b.yml"
"$FANOUT" list "$W/b.yml" >"$T_TMP/l.out" 2>&1 && fail "the broker listed a program it does not have"
sed 's/discover_on: agent/discover_on: elsewhere/' "$W/s.yml" >"$W/bad.yml"
"$FANOUT" list "$W/bad.yml" >"$T_TMP/l.out" 2>&1
[ $? = 2 ] && grep -q "option 'discover_on' is 'elsewhere': 'broker' or 'agent'" "$T_TMP/l.out" \
    || fail "a bad discover_on: $(cat "$T_TMP/l.out")"
sed 's/discover_on: agent/discover_on: agent, process: suite/' "$W/s.yml" >"$W/suite.yml"
"$FANOUT" list "$W/suite.yml" >"$T_TMP/l.out" 2>&1
[ $? = 2 ] && grep -q "'discover_on: agent' lists no suites: 'process: suite' cannot apply" "$T_TMP/l.out" \
    || fail "process: suite with discover_on: agent: $(cat "$T_TMP/l.out")"
"$FANOUT" list "$W/s.yml" >"$T_TMP/l.out" 2>&1 || fail "list: $(cat "$T_TMP/l.out")"
grep -q "tests discovered on an agent during the run" "$T_TMP/l.out" || fail "list: $(cat "$T_TMP/l.out")"
echo "PASS [$T_NAME]"
