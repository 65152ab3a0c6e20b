#!/bin/bash
# GLib and gtest sources listed on an agent (options: {discover_on:
# agent}, docs/sources.md "GLib" and "GoogleTest"): a broker whose host
# lacks the program drives an agent that has it. The broker starts with no
# program at the path (so it cannot list it), the program appears, an
# agent lists and runs it; each test's outcome equals the one of a run
# where the broker listed the program itself, and a GLib program's paths
# run in the same order and processes; a CTest tree's verdicts equal
# ctest's, and its fixture groups run in their modes (unit, shared, split)
# as when the broker lists it. Loopback only.
. "$(dirname "$0")/net_lib.sh"

[ -x "${FO_GLIB_PROG-}" ] || fail "FO_GLIB_PROG is not set (run through ctest)"
W="$T_TMP/w"
mkdir -p "$W" || fail "mkdir"

# ---- GLib: as when the broker lists it, a unit by default ----
# Each path runs once, in the program's order, in the processes a unit's
# paths take (glib_prog logs each path to $GLIB_PROG_LOG and each process
# start to $GLIB_PROG_STARTS); mode: split runs each alone.
export GLIB_PROG_LOG="$W/glib.log" GLIB_PROG_STARTS="$W/glib.starts"
glib_on_agent () {      # NAME YAML JSON
    : >"$GLIB_PROG_LOG"
    : >"$GLIB_PROG_STARTS"
    rm -f "$W/gprog"
    start "$1broker" "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$3" "$2"
    ep=$(endpoint_of "$1broker")
    cp "$FO_GLIB_PROG" "$W/gprog" || fail "cp"
    start "$1agent" "$FANOUT" agent --connect "$ep" --insecure -j 2 --name lister --once
    finish "$1broker" 60
    expect_rc "$1broker" 0
    finish "$1agent" 15
    expect_rc "$1agent" 0
    cp "$GLIB_PROG_LOG" "$T_TMP/$1.agent.log"
    cp "$GLIB_PROG_STARTS" "$T_TMP/$1.agent.starts"
}
glib_on_broker () {     # NAME YAML JSON
    : >"$GLIB_PROG_LOG"
    : >"$GLIB_PROG_STARTS"
    (cd "$W" && "$FANOUT" run -j 2 --json "$3" "$2" >"$T_TMP/$1.run.out" 2>&1)
    cp "$GLIB_PROG_LOG" "$T_TMP/$1.broker.log"
    cp "$GLIB_PROG_STARTS" "$T_TMP/$1.broker.starts"
}
same_glib () {          # NAME AGENT_JSON BROKER_JSON
    "$PY" - "$2" "$3" <<'PY' || fail "$1: GLib outcomes differ"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
got = {t["id"]: (t["outcome"], t["host"]) for t in a["tests"]}
want = {t["id"]: t["outcome"] for t in b["tests"]}
assert set(got) == set(want) and len(want) >= 5, (sorted(got), sorted(want))
for i, outcome in want.items():
    assert got[i] == (outcome, "lister"), (i, got[i], outcome)
assert all(t["attempt"] == 1 for t in a["tests"])
PY
    [ "$(sort "$T_TMP/$1.agent.log" | uniq -d)" = "" ] || fail "$1: a GLib path ran twice: $(cat "$T_TMP/$1.agent.log")"
    # A unit's order is the program's; split paths run side by side.
    if [ "$1" = split ]; then
        sort -o "$T_TMP/$1.agent.log" "$T_TMP/$1.agent.log"
        sort -o "$T_TMP/$1.broker.log" "$T_TMP/$1.broker.log"
    fi
    cmp -s "$T_TMP/$1.agent.log" "$T_TMP/$1.broker.log" \
        || fail "$1: not the paths, in the order, of a listing on the broker: $(tr '\n' ' ' <"$T_TMP/$1.agent.log") against $(tr '\n' ' ' <"$T_TMP/$1.broker.log")"
    [ "$(wc -l <"$T_TMP/$1.agent.starts")" = "$(wc -l <"$T_TMP/$1.broker.starts")" ] \
        || fail "$1: $(wc -l <"$T_TMP/$1.agent.starts") GLib processes, not $(wc -l <"$T_TMP/$1.broker.starts") as when the broker lists it"
}
printf 'source:\n  - {kind: glib, from: ./gprog, options: {discover_on: agent}}\n' >"$W/g.yml"
printf 'source:\n  - {kind: glib, from: ./gprog}\n' >"$W/gb.yml"
glib_on_agent unit "$W/g.yml" "$T_TMP/gagent.json"
glib_on_broker unit "$W/gb.yml" "$T_TMP/gbroker.json"
same_glib unit "$T_TMP/gagent.json" "$T_TMP/gbroker.json"
# The unit's paths run in 3 processes (GLib's -p runs a path's children,
# so a path and its parent never share one), not one per path.
[ "$(wc -l <"$T_TMP/unit.agent.starts")" = 3 ] \
    || fail "unit: $(wc -l <"$T_TMP/unit.agent.starts") GLib processes, not 3"
printf 'source:\n  - {kind: glib, from: ./gprog, mode: split, options: {discover_on: agent}}\n' >"$W/gs.yml"
printf 'source:\n  - {kind: glib, from: ./gprog, mode: split}\n' >"$W/gsb.yml"
glib_on_agent split "$W/gs.yml" "$T_TMP/gagent.json"
glib_on_broker split "$W/gsb.yml" "$T_TMP/gbroker.json"
same_glib split "$T_TMP/gagent.json" "$T_TMP/gbroker.json"
[ "$(wc -l <"$T_TMP/split.agent.starts")" = 6 ] || fail "split: not a process per path"
unset GLIB_PROG_LOG GLIB_PROG_STARTS
rm -f "$W/gprog"

# ---- CTest: the tree's listing comes back whole; ctest's verdicts ----
# tests/data/ctest/fixtures: fixtures (a failed setup, a chain of two),
# RESOURCE_LOCK, RUN_SERIAL, PROCESSORS; every fixture group a unit (no
# label asks for another mode).
if command -v cmake >/dev/null && command -v ctest >/dev/null; then
    COMPARE="$FANOUT_SRC/tests/integration/compare_ctest.py"
    printf 'source:\n  - {kind: ctest, from: ./tree, options: {discover_on: agent}}\n' >"$W/c.yml"
    ctest_on_agent () {     # NAME JSON EXIT_STATUS [BROKER ARGS...]
        local name=$1 json=$2 want=$3
        shift 3
        rm -rf "$W/tree"
        start "$name-broker" "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$json" \
            "$@" "$W/c.yml"
        ep=$(endpoint_of "$name-broker")
        # The tree exists once the broker runs: it cannot have listed it.
        cmake -S "$FANOUT_SRC/tests/data/ctest/fixtures" -B "$W/tree" >"$T_TMP/cmake.log" 2>&1 \
            || fail "cmake failed: $(tail -5 "$T_TMP/cmake.log")"
        start "$name-agent" "$FANOUT" agent --connect "$ep" --insecure -j 2 --name lister --once
        finish "$name-broker" 60
        expect_rc "$name-broker" "$want"
        finish "$name-agent" 15
        expect_rc "$name-agent" 0
    }
    ctest_on_agent all "$T_TMP/cagent.json" 1     # db_setup fails
    (cd "$W/tree" && rm -f ./*.mark && timeout -k 5 120 ctest -j2 --output-junit "$T_TMP/ctest.xml" >/dev/null 2>&1)
    "$PY" "$COMPARE" "$T_TMP/ctest.xml" "$T_TMP/cagent.json" >"$T_TMP/cmp" \
        || fail "CTest listed on an agent: verdicts differ from ctest's: $(cat "$T_TMP/cmp")"
    "$PY" - "$T_TMP/cagent.json" <<'PY' || fail "CTest listed on an agent: not as expected"
import json, sys
r = json.load(open(sys.argv[1]))
t = {x["id"]: x for x in r["tests"]}
assert t["./tree/db/db_user"]["outcome"] == "not_run", t["./tree/db/db_user"]
assert t["./tree/db/db_user"]["context"] == "./tree/db", "a fixture group is a context"
assert all(x["host"] == "lister" for x in r["tests"] if x["outcome"] != "not_run")
PY
    grep -q "context './tree': 17 tests listed on lister" "$T_TMP/all-broker.err" \
        || fail "the broker does not say what the listing gave: $(cat "$T_TMP/all-broker.err")"
    # -k chooses among the listed tests as among any: a dependant brings
    # its fixtures' setups and cleanups (a chain of two), as ctest -R does.
    ctest_on_agent chosen "$T_TMP/ckagent.json" 0 -k chain_user
    (cd "$W/tree" && rm -f ./*.mark && timeout -k 5 120 ctest -R chain_user --output-junit "$T_TMP/ctestk.xml" >/dev/null 2>&1)
    "$PY" "$COMPARE" "$T_TMP/ctestk.xml" "$T_TMP/ckagent.json" >"$T_TMP/cmp" \
        || fail "-k on a CTest tree listed on an agent: verdicts differ from ctest -R: $(cat "$T_TMP/cmp")"
    # A group the mode does not take (split: a chain of two fixtures)
    # fails the listing, as it fails a listing on the broker: a fixture
    # error of phase discover naming the group; nothing of it runs.
    printf 'source:\n  - {kind: ctest, from: ./tree, options: {discover_on: agent, fixtures: split}}\n' >"$W/c.yml"
    ctest_on_agent splitchain "$T_TMP/csagent.json" 1
    "$PY" - "$T_TMP/csagent.json" <<'PY' || fail "fixtures: split on a chain, listed on an agent: $(cat "$T_TMP/csagent.json")"
import json, sys
r = json.load(open(sys.argv[1]))
fx = r["fixture_errors"]
assert r["tests"] == [] and len(fx) == 1 and fx[0]["phase"] == "discover", r
assert "ctest fixture group 'base+top': the split mode takes one setup test and at most one cleanup test (it has 2 and 1)" in fx[0]["message"], fx
PY
    # An unknown fixture mode is refused before the run, as on the broker.
    printf 'source:\n  - {kind: ctest, from: ./tree, options: {discover_on: agent, fixtures: nope}}\n' >"$W/cs.yml"
    "$FANOUT" list "$W/cs.yml" >"$T_TMP/l.out" 2>&1
    [ $? = 2 ] && grep -q "option 'fixtures' is 'nope': 'unit', 'shared' or 'split'" "$T_TMP/l.out" \
        || fail "fixtures: nope with discover_on: agent: $(cat "$T_TMP/l.out")"
    rm -rf "$W/tree"

    # ---- CTest fixture modes listed on an agent (tests/data/ctest/
    # fixture_modes): by the labels, and every fixture shared or split by
    # the entry's option. The order between tasks and the split wrapping
    # grow when the listing comes: outcomes equal a broker-listed run's
    # (and ctest's, where ctest's apply: by the labels and shared); a
    # shared setup runs once while its dependants overlap (sh_a and sh_b
    # pass only side by side), a split setup once more per dependant.
    # Every fixture split leaves sh out: its cleanup, then a step after
    # each dependant, removes the file the dependants running beside it
    # test (the race docs/sources.md warns of), so its verdicts are no
    # more fixed in a broker-listed run than on an agent.
    M="$W/mtree"
    mfresh () { rm -f "$M"/*.log "$M"/*.started "$M"/*.mark; }
    acount () { grep -cx "$2" "$T_TMP/$1.agent.$3.log" || true; }    # MODE TEST FIXTURE
    modes_on_agent () {     # NAME OPTIONS EXIT_STATUS NTESTS [RUN ARGS...]
        printf 'source:\n  - {kind: ctest, from: ./mtree, options: {discover_on: agent%s}}\n' "$2" >"$W/m.yml"
        printf 'source:\n  - {kind: ctest, from: ./mtree, options: {discover_on: broker%s}}\n' "$2" >"$W/mb.yml"
        rm -rf "$M"
        start "$1-broker" "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure \
            --json "$T_TMP/$1.agent.json" "${@:5}" "$W/m.yml"
        ep=$(endpoint_of "$1-broker")
        cmake -S "$FANOUT_SRC/tests/data/ctest/fixture_modes" -B "$M" >"$T_TMP/cmake.log" 2>&1 \
            || fail "cmake failed: $(tail -5 "$T_TMP/cmake.log")"
        start "$1-agent" "$FANOUT" agent --connect "$ep" --insecure -j 2 --name lister --once
        finish "$1-broker" 90
        expect_rc "$1-broker" "$3"
        finish "$1-agent" 15
        expect_rc "$1-agent" 0
        for f in sh sp shbad spbad unit; do sort "$M/$f.log" >"$T_TMP/$1.agent.$f.log" 2>/dev/null; done
        mfresh
        (cd "$W" && "$FANOUT" run -j 2 --json "$T_TMP/$1.broker.json" "${@:5}" "$W/mb.yml" >"$T_TMP/$1.run.out" 2>&1)
        "$PY" - "$T_TMP/$1.agent.json" "$T_TMP/$1.broker.json" "$4" <<'PY' || fail "$1: outcomes differ from a broker-listed run"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
got = {t["id"]: (t["outcome"], t["context"], t.get("message")) for t in a["tests"]}
want = {t["id"]: (t["outcome"], t["context"], t.get("message")) for t in b["tests"]}
assert got == want and len(want) == int(sys.argv[3]), (got, want)
assert a["exit_status"] == b["exit_status"], (a["exit_status"], b["exit_status"])
assert all(t["host"] == "lister" for t in a["tests"] if t["outcome"] != "not_run")
PY
        # Each test ran as often as in the broker-listed run.
        for f in sh sp shbad spbad unit; do
            sort "$M/$f.log" 2>/dev/null | cmp -s - "$T_TMP/$1.agent.$f.log" \
                || fail "$1: $f's tests ran $(tr '\n' ' ' <"$T_TMP/$1.agent.$f.log"), not $(sort "$M/$f.log" | tr '\n' ' ') as when the broker lists it"
        done
    }
    cmake -S "$FANOUT_SRC/tests/data/ctest/fixture_modes" -B "$M" >"$T_TMP/cmake.log" 2>&1 \
        || fail "cmake failed: $(tail -5 "$T_TMP/cmake.log")"
    mfresh
    (cd "$M" && timeout -k 5 120 ctest -j2 --output-junit "$T_TMP/modes.xml" >/dev/null 2>&1)
    [ -s "$T_TMP/modes.xml" ] || fail "ctest wrote no JUnit file"
    for mode in labels shared split; do
        case $mode in
        labels) modes_on_agent labels '' 1 19 ;;
        shared) modes_on_agent shared ', fixtures: shared' 1 19 ;;
        split) modes_on_agent split ', fixtures: split' 1 14 --exclude sh_ ;;
        esac
        if [ "$mode" != split ]; then
            "$PY" "$COMPARE" "$T_TMP/modes.xml" "$T_TMP/$mode.agent.json" >"$T_TMP/cmp" \
                || fail "$mode: verdicts differ from ctest's: $(cat "$T_TMP/cmp")"
            [ "$(acount "$mode" sh_setup sh)" = 1 ] \
                || fail "$mode: the shared setup ran $(acount "$mode" sh_setup sh) times"
        fi
        [ "$(acount "$mode" shbad_cleanup shbad)" = 1 ] || fail "$mode: shbad's cleanup did not run once"
    done
    # sp by its label and every fixture split: the setup once alone, then
    # once per dependant; shared: once.
    [ "$(acount labels sp_setup sp)" = 3 ] || fail "labels: sp's setup ran $(acount labels sp_setup sp) times, not 1 + 2"
    [ "$(acount labels sp_cleanup sp)" = 3 ] || fail "labels: sp's cleanup ran $(acount labels sp_cleanup sp) times, not 2 + 1"
    [ "$(acount shared sp_setup sp)" = 1 ] || fail "shared: sp's setup ran $(acount shared sp_setup sp) times"
    [ "$(acount split sp_setup sp)" = 3 ] || fail "split: sp's setup ran $(acount split sp_setup sp) times, not 1 + 2"
    [ "$(acount split unit_setup unit)" = 2 ] || fail "split: unit's setup ran $(acount split unit_setup unit) times, not 1 + 1"
    "$PY" - "$T_TMP/labels.agent.json" "$T_TMP/shared.agent.json" "$T_TMP/split.agent.json" <<PY \
        || fail "the modes' contexts are not those of a broker-listed run"
import json, sys
ctx = lambda f: {t["id"]: t["context"] for t in json.load(open(f))["tests"]}
l, sh, sp = (ctx(f) for f in sys.argv[1:])
assert l["./mtree/sp_setup"] == "./mtree" and l["./mtree/sh/sh_setup"] == "./mtree/sh", l
assert sh["./mtree/sp/sp_setup"] == "./mtree/sp", sh
assert sp["./mtree/unit_setup"] == "./mtree" and sp["./mtree/unit/unit_a"] == "./mtree/unit", sp
PY
    # -k chooses among the listed tests: a dependant brings its fixture's
    # setup and cleanup tests, in the split and shared modes as in a unit
    # (ctest -R's verdicts).
    kmode () {      # NAME OPTIONS CTEST_REGEX KEYWORD NTESTS EXIT_STATUS
        mfresh
        (cd "$M" && timeout -k 5 120 ctest -R "$3" --output-junit "$T_TMP/$1.xml" >/dev/null 2>&1)
        [ -s "$T_TMP/$1.xml" ] || fail "$1: ctest wrote no JUnit file"
        modes_on_agent "$1" "$2" "$6" "$5" -k "$4"
        "$PY" "$COMPARE" "$T_TMP/$1.xml" "$T_TMP/$1.agent.json" >"$T_TMP/cmp" \
            || fail "$1: verdicts differ from ctest -R '$3': $(cat "$T_TMP/cmp")"
    }
    kmode ksplit '' 'sp_a' sp_a 3 0
    "$PY" - "$T_TMP/ksplit.agent.json" <<'PY' || fail "-k sp_a: not sp_a with its setup and cleanup"
import json, sys
assert sorted(t["id"] for t in json.load(open(sys.argv[1]))["tests"]) \
    == ["./mtree/sp/sp_a", "./mtree/sp_cleanup", "./mtree/sp_setup"]
PY
    kmode kshared ', fixtures: shared' 'shbad_b' shbad_b 3 1
    rm -rf "$M"
fi

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
