#!/bin/bash
# Selection (-k, --exclude, -L, --label-exclude) before planning, fanout list
# and list --plan, and the history: longest first, --last-failed,
# --lf-only, a corrupt store, two runs saving at once.
. "$(dirname "$0")/lib.sh"

SUITE="$DATA/select.yml"
# ctest says FANOUT_HISTORY=off for every script; this one keeps a history.
export FANOUT_HISTORY="$ITEST_TMP/history.json"

# What ran, in order: the "start X" lines of $ITEST_DIR/events.
started () { sed -n 's/^start //p' "$ITEST_DIR/events" 2>/dev/null | tr '\n' ' '; }
expect_started () {
    local got
    got=$(started)
    [ "$got" = "$1" ] || fail "ran '$got', expected '$1'${2:+ ($2)}"
}

# ---- selection -------------------------------------------------------------
reset_work
run_fanout run -j 1 --no-history --json "$JSON" -k 'alpha or query' "$SUITE"
expect_rc 0
check_one_outcome alpha db/query
# (the shared setup may start while alpha runs: compare as a set)
got=$(started | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "alpha db-query db-setup db-teardown " ] || fail "-k ran '$got'"

# A shared context none of whose tests is chosen: its fixtures never run.
reset_work
run_fanout run -j 1 --no-history --json "$JSON" -k 'not db and not flop' "$SUITE"
expect_rc 0
check_one_outcome alpha beta slow unit/one unit/two sp/only
case "$(started)" in *db-*) fail "db's fixtures ran with none of its tests chosen: $(started)" ;; esac

# Globs over the whole id, any case; repeated -k add tests.
reset_work
run_fanout run -j 1 --no-history --json "$JSON" -k 'UNIT/*' -k weird "$SUITE"
expect_rc 0
check_one_outcome unit/one unit/two "db/weird [x]"

# --exclude; labels (a context's count for its tests); --label-exclude.
reset_work
run_fanout run -j 1 --no-history --json "$JSON" --exclude flop --exclude 'unit/*' \
    --exclude sp "$SUITE"
expect_rc 0
check_one_outcome alpha beta slow db/query "db/weird [x]"
reset_work
run_fanout run -j 1 --no-history --json "$JSON" -L fast "$SUITE"
expect_rc 0
check_one_outcome beta "db/weird [x]"
reset_work
run_fanout run -j 1 --no-history --json "$JSON" -L db --label-exclude fast "$SUITE"
expect_rc 0
check_one_outcome db/query
reset_work
run_fanout run -j 1 --no-history --json "$JSON" -L 'sl*' "$SUITE"
expect_rc 0
check_one_outcome slow

# Nothing chosen: said, and nothing runs.
reset_work
run_fanout run -j 1 --no-history --json "$JSON" -k nothing-has-this "$SUITE"
expect_err "no test chosen"
check_one_outcome
[ -z "$(started)" ] || fail "something ran with no test chosen: $(started)"

# A -k that does not parse is a usage error, before anything runs.
reset_work
run_fanout run --no-history -k 'alpha and (beta' "$SUITE"
expect_rc 2
expect_err "fanout run: -k:"
[ -z "$(started)" ] || fail "tests ran after a bad -k"
run_fanout run --no-history --lf-only "$SUITE"
expect_rc 2
expect_err "--no-history with --lf-only"

# ---- fanout list -----------------------------------------------------------
run_fanout list --no-history "$SUITE"
expect_rc 0
cat >"$ITEST_TMP/want" <<WANT
$SUITE: 9 tests
alpha
beta  [fast]
flop
slow  [slow]
db/  (shared; fixtures: setup, teardown)  [db]
  db/query
  db/weird [x]  [fast]
unit/  (unmarked; fixtures: setup)
  unit/one
  unit/two
sp/  (split, serial; fixtures: setup)
  sp/only
WANT
diff -u "$ITEST_TMP/want" "$OUT" >&2 || fail "fanout list printed something else"

run_fanout list --no-history -L fast "$SUITE"
expect_rc 0
cat >"$ITEST_TMP/want" <<WANT
$SUITE: 2 tests
beta  [fast]
db/  (shared; fixtures: setup, teardown)  [db]
  db/weird [x]  [fast]
WANT
diff -u "$ITEST_TMP/want" "$OUT" >&2 || fail "fanout list -L fast printed something else"

run_fanout list --no-history --plan "$SUITE"
expect_rc 0
cat >"$ITEST_TMP/want" <<'WANT'
8 tasks, 9 tests, 1 shared fixture (plan order: no history)
task 1 (#0): 1 test: no fixtures around it: one task per test
  alpha
task 2 (#1): 1 test: no fixtures around it: one task per test
  beta
task 3 (#2): 1 test: no fixtures around it: one task per test
  flop
task 4 (#3): 1 test: no fixtures around it: one task per test
  slow
task 5 (#4): 1 test: shared context 'db': its fixtures run once, on the broker; one task per test
  db/query
task 6 (#5): 1 test: shared context 'db': its fixtures run once, on the broker; one task per test
  db/weird [x]
task 7 (#6): 2 tests: context 'unit' has fixtures and is neither split nor shared: its setup, every test under it and its teardown are one task
  unit/one
  unit/two
task 8 (#7): 1 test: split context 'sp': its fixtures run around each test, in the task; serial: runs alone, after the parallel tasks
  sp/only
WANT
diff -u "$ITEST_TMP/want" "$OUT" >&2 || fail "fanout list --plan printed something else"
[ -z "$(started)" ] || fail "fanout list ran tests: $(started)"
run_fanout list --help
expect_rc 0
expect_out "usage: fanout list"

# ---- history -----------------------------------------------------------------
H="$ITEST_TMP/history.json"
rm -f "$H"
reset_work
run_fanout run -j 1 -k 'alpha or flop or slow' "$SUITE"
expect_rc 1
expect_started "alpha flop slow " "first run: plan order"
[ -s "$H" ] || fail "no history written at $H"
"$PY" - "$H" <<'PYEOF' || fail "history content"
import json, sys
h = json.load(open(sys.argv[1]))
t = h["tests"]
assert set(t) == {"alpha", "flop", "slow"}, t
assert t["flop"]["outcome"] == "failed" and t["slow"]["outcome"] == "passed", t
assert t["slow"]["mean_us"] > t["alpha"]["mean_us"], t
PYEOF

# With history: the longest first.
reset_work
run_fanout run -j 1 -k 'alpha or flop or slow' "$SUITE"
expect_started "slow alpha flop " "second run: longest first"
run_fanout list --plan -k 'alpha or flop or slow' "$SUITE"
expect_out "(longest expected first, from the history)"
expect_out_re "^task 1 \(#2\): 1 test, expected 0\.[6-9][0-9]s: "

# --last-failed: last time's failure first; --lf-only: only it.
reset_work
run_fanout run -j 1 --last-failed -k 'alpha or flop or slow' "$SUITE"
expect_started "flop slow alpha " "--last-failed"
reset_work
run_fanout run -j 1 --lf-only --json "$JSON" "$SUITE"
expect_rc 1
check_one_outcome flop
touch "$ITEST_DIR/flop-passes"
run_fanout run -j 1 --lf-only --json "$JSON" "$SUITE"
expect_rc 0
check_one_outcome flop
run_fanout run -j 1 --lf-only --json "$JSON" "$SUITE"
expect_err "--lf-only: no test failed last time"
check_one_outcome

# A corrupt store: a warning, the run as without history, then replaced.
printf '{"fanout_history": 1, "tests": {"alpha": ' >"$H"
reset_work
run_fanout run -j 1 --json "$JSON" -k 'alpha or slow' "$SUITE"
expect_rc 0
expect_err "warning: history $H:"
expect_err "running without it"
expect_started "alpha slow " "corrupt history: plan order"
"$PY" -c 'import json,sys; assert set(json.load(open(sys.argv[1]))["tests"]) == {"alpha", "slow"}' "$H" \
    || fail "the corrupt history was not replaced by a good one"

# --history FILE beats $FANOUT_HISTORY; a directory that is not there: a
# warning, the run's status unchanged.
run_fanout run -j 1 --history "$ITEST_TMP/other.json" -k alpha "$SUITE"
expect_rc 0
[ -s "$ITEST_TMP/other.json" ] || fail "--history FILE was not written"
run_fanout run -j 1 --history "$ITEST_TMP/no/such/dir/h.json" -k alpha "$SUITE"
expect_rc 0
expect_err "the history is not updated"

# Two runs saving at once: both land, the file stays JSON.
rm -f "$H"
timeout -k 5 120 "$FANOUT" run -j 2 -q -k 'unit' "$SUITE" >/dev/null 2>&1 &
P1=$!
timeout -k 5 120 "$FANOUT" run -j 2 -q -k 'db' "$SUITE" >/dev/null 2>&1 &
P2=$!
wait "$P1" || fail "first concurrent run failed"
wait "$P2" || fail "second concurrent run failed"
"$PY" - "$H" <<'PYEOF' || fail "concurrent runs lost history"
import json, sys
t = json.load(open(sys.argv[1]))["tests"]
want = {"unit/one", "unit/two", "db/query", "db/weird [x]"}
assert want <= set(t), sorted(t)
assert json.load(open(sys.argv[1]))["fixtures"].get("db", {}).get("setup_us", 0) > 0
PYEOF
echo "PASS [$ITEST_NAME]"
