#!/usr/bin/env bash
# Sources (docs/sources.md): --glib, --cmocka and --tap import real test
# programs (tests/data/sources, built by tests/CMakeLists.txt), and a suite
# file's `source:` entries do the same. Checks that every GLib path runs
# exactly once (GLib's -p also runs the paths below it) with the verdict
# GLib gives it, in as many processes as the mode says (one per group of
# paths by default, a crash part-way running the rest again; one per path
# with `mode: split`), that a cmocka or TAP program's verdict is what the program
# says, and that a bad entry is refused with its position (exit 2).
. "$(dirname "$0")/lib.sh"

[ -x "${FO_GLIB_PROG-}" ] || fail "FO_GLIB_PROG is not set (run through ctest)"
[ -x "${FO_CMOCKA_PROG-}" ] || fail "FO_CMOCKA_PROG is not set (run through ctest)"
TAP_PROG_SH="$FANOUT_SRC/tests/data/sources/tap_prog.sh"
cd "$ITEST_DIR" || fail "cd"
cp "$FO_GLIB_PROG" ./glib_prog && cp "$FO_CMOCKA_PROG" ./cmocka_prog && cp "$TAP_PROG_SH" ./tap_prog \
    || fail "cannot copy the programs"

# ---- GLib: each path once, GLib's verdicts ----
export GLIB_PROG_LOG="$ITEST_DIR/glib.log" GLIB_PROG_STARTS="$ITEST_DIR/glib.starts"
: >"$GLIB_PROG_LOG"
: >"$GLIB_PROG_STARTS"
run_fanout run -j2 --json "$JSON" --glib ./glib_prog
expect_rc 0 "every GLib test passed or skipped"
json_assert 'sorted(tests) == sorted("./glib_prog/" + p for p in
              ["/a", "/a/b", "/a/b/c", "/a/bc", "/skip/me", "/incomplete"])' "one test per path"
for p in /a /a/b /a/b/c /a/bc; do
    json_assert "t('./glib_prog/$p')['outcome'] == 'passed'" "$p passed"
done
json_assert "t('./glib_prog//skip/me')['outcome'] == 'skipped'" "g_test_skip is skipped"
json_assert "'no network here' in t('./glib_prog//skip/me')['message']" "the skip's reason"
json_assert "t('./glib_prog//incomplete')['outcome'] == 'skipped'" "g_test_incomplete is no pass"
json_assert "'not written yet' in t('./glib_prog//incomplete')['message']" "incomplete's reason"
[ "$(sort "$GLIB_PROG_LOG" | uniq -d)" = "" ] || fail "a GLib test ran twice: $(sort "$GLIB_PROG_LOG" | uniq -d)"
[ "$(sort -u "$GLIB_PROG_LOG" | wc -l)" = 6 ] || fail "not every GLib test ran: $(cat "$GLIB_PROG_LOG")"
# One process per group: /a /incomplete, then /a/b /a/bc (GLib's -p /a would
# also run /a/b), then /a/b/c /skip/me.
[ "$(wc -l <"$GLIB_PROG_STARTS")" = 3 ] || fail "GLib paths not run in 3 processes: $(wc -l <"$GLIB_PROG_STARTS")"
[ "$(tr '\n' ' ' <"$GLIB_PROG_LOG")" = "/a /incomplete /a/b /a/bc /a/b/c /skip/me " ] \
    || fail "GLib paths not run in the program's order: $(cat "$GLIB_PROG_LOG")"

: >"$GLIB_PROG_LOG"
: >"$GLIB_PROG_STARTS"
GLIB_PROG_FAIL=1 run_fanout run -j2 --json "$JSON" --glib ./glib_prog
expect_rc 1 "a GLib test failed"
json_assert "t('./glib_prog//bad/fail')['outcome'] == 'failed'" "a g_assert is a failure"
json_assert "'assertion failed (1 == 2)' in t('./glib_prog//bad/fail')['message']" "with its message"
json_assert "t('./glib_prog//bad/crash')['outcome'] == 'crashed'" "abort() is a crash"
json_assert "t('./glib_prog//a/b')['outcome'] == 'passed'" "the others still pass"
json_assert "t('./glib_prog//bad/after')['outcome'] == 'passed'" "a path after the crash runs, in a new process"
json_assert "t('./glib_prog//late')['outcome'] == 'passed'" "a path before them passes"
json_assert "sum(1 for x in tests.values() if x['outcome'] == 'crashed') == 1" "only the crashing path is crashed"
[ "$(sort "$GLIB_PROG_LOG" | uniq -d)" = "" ] || fail "a GLib test ran twice: $(sort "$GLIB_PROG_LOG" | uniq -d)"
[ "$(sort -u "$GLIB_PROG_LOG" | wc -l)" = 10 ] || fail "not every GLib test ran: $(cat "$GLIB_PROG_LOG")"
# 3 groups, and /bad/fail's Bail out! and /bad/crash's abort each start the
# rest again: /bad/crash /bad/after, then /bad/after.
[ "$(wc -l <"$GLIB_PROG_STARTS")" = 5 ] || fail "not 5 GLib processes: $(wc -l <"$GLIB_PROG_STARTS")"

# ---- fanout list: what a source finds, before anything runs ----
: >"$GLIB_PROG_LOG"
run_fanout list --glib ./glib_prog
expect_rc 0 "fanout list --glib"
expect_out "(command line): 6 tests"
expect_out "./glib_prog/  (unit)"
for p in /a /a/b /a/b/c /a/bc /skip/me /incomplete; do
    grep -qxF -- "  ./glib_prog/$p" "$OUT" || fail "fanout list lacks the GLib path $p"
done
run_fanout list --plan --glib ./glib_prog
expect_rc 0 "fanout list --plan --glib"
expect_out "1 task, 6 tests"
[ ! -s "$GLIB_PROG_LOG" ] || fail "fanout list ran a GLib test: $(cat "$GLIB_PROG_LOG")"

# ---- cmocka: the verdict is what the program says ----
for mode in pass skip fail crash; do
    CMOCKA_PROG=$mode CMOCKA_MESSAGE_OUTPUT=TAP ./cmocka_prog >"$ITEST_TMP/own" 2>&1
    own=$?
    case $mode in
    pass)  want=passed;  [ $own = 0 ] && ! grep -q '^not ok' "$ITEST_TMP/own" ;;
    skip)  want=passed;  [ $own = 0 ] && grep -q '# SKIP' "$ITEST_TMP/own" ;;
    fail)  want=failed;  [ $own = 1 ] && grep -q '^not ok 1 - chosen' "$ITEST_TMP/own" ;;
    crash) want=crashed; [ $own -gt 128 ] ;;
    esac || fail "cmocka_prog in mode $mode did not say what this test expects (exit $own)"
    CMOCKA_PROG=$mode run_fanout run --json "$JSON" --cmocka ./cmocka_prog
    # Since joined tests: the program's own test, then one per cmocka test,
    # in a context per group (the second group's name is unknown when it crashed).
    case $mode in
    crash) second="'./cmocka_prog/group 2/test 1', './cmocka_prog/group 2/test 2'" ;;
    *) second="'./cmocka_prog/second/chosen', './cmocka_prog/second/always'" ;;
    esac
    json_assert "list(tests) == ['./cmocka_prog/all', './cmocka_prog/first/always',
                 './cmocka_prog/first/always (2)', $second]" "the program's test, then one per cmocka test"
    json_assert "t('./cmocka_prog/all')['outcome'] == '$want'" "cmocka mode $mode is $want"
done
CMOCKA_PROG=fail run_fanout run --json "$JSON" --cmocka ./cmocka_prog
json_assert "'not ok 1 - chosen: 0x1 != 0x2' in t('./cmocka_prog/all')['message']" "cmocka's failure message"
CMOCKA_PROG=crash run_fanout run --json "$JSON" --cmocka ./cmocka_prog
json_assert "'planned 2 tests but 0 ran' in t('./cmocka_prog/all')['message']" "the group cut short"

# ---- TAP ----
for pair in pass:passed skip:skipped fail:failed short:failed bail:failed; do
    mode=${pair%%:*} want=${pair#*:}
    TAP_PROG=$mode run_fanout run --json "$JSON" --tap ./tap_prog
    json_assert "t('./tap_prog/all')['outcome'] == '$want'" "TAP mode $mode is $want"
done
TAP_PROG=fail run_fanout run --json "$JSON" --tap ./tap_prog
json_assert "'not ok 2 - b: expected 1, got 2' in t('./tap_prog/all')['message']" "the YAML message"
TAP_PROG=bail run_fanout run --json "$JSON" --tap ./tap_prog
json_assert "'Bail out! no network' in t('./tap_prog/all')['message']" "the bail out's reason"

# ---- a suite file's sources, with the file's own tests ----
cat >"$ITEST_DIR/fanout.yml" <<'YML'
tests:
  - {name: plain, run: "true"}
contexts:
  - name: imported
    env: {TAP_PROG: skip}
    source:
      - kind: glib
        from: ./glib_prog
        mode: split
      - {kind: tap, from: [./tap_prog]}
YML
: >"$GLIB_PROG_LOG"
: >"$GLIB_PROG_STARTS"
run_fanout run --json "$JSON" "$ITEST_DIR/fanout.yml"
expect_rc 0
# mode: split runs each path alone, in its own process.
[ "$(wc -l <"$GLIB_PROG_STARTS")" = 6 ] || fail "split: not a process per GLib path: $(wc -l <"$GLIB_PROG_STARTS")"
[ "$(sort -u "$GLIB_PROG_LOG" | wc -l)" = 6 ] && [ "$(sort "$GLIB_PROG_LOG" | uniq -d)" = "" ] \
    || fail "split: not each GLib path once: $(cat "$GLIB_PROG_LOG")"
json_assert "t('plain')['outcome'] == 'passed'" "the file's own test"
json_assert "t('imported/./glib_prog//a/b')['outcome'] == 'passed'" "a GLib path under the context"
json_assert "t('imported/./tap_prog/all')['outcome'] == 'skipped'" "the context's env reaches the TAP program"
json_assert "len(tests) == 8" "every test once"

# ---- a fresh TMPDIR and G_TEST_TMPDIR per GLib process, removed after ----
# (split: one per path; the default unit: one per process, its paths'
# together). glib_prog's /tmp/* paths log "PATH DIR ENTRIES" and leave a
# file and a read-only directory behind.
mkdir -p "$ITEST_DIR/tmpbase"
export GLIB_PROG_TMP="$ITEST_DIR/tmp.log"
check_tmpdirs () {   # MODE: split or unit
    "$PY" - "$GLIB_PROG_TMP" "$ITEST_DIR/tmpbase" "$1" <<'PY' || fail "$1: GLib's temporary directories: $(cat "$GLIB_PROG_TMP")"
import os, sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()]
base, mode = sys.argv[2], sys.argv[3]
paths = sorted(r[0] for r in rows)
if paths != ["/tmp/one", "/tmp/two"]:
    sys.exit("paths %r" % paths)
dirs = {r[1] for r in rows}
for d in dirs:
    if os.path.dirname(d) != base or not os.path.basename(d).startswith("fanout-glib-"):
        sys.exit("%s is not fanout's, under %s" % (d, base))
    if os.path.exists(d):
        sys.exit("%s was left behind" % d)
if os.listdir(base):
    sys.exit("left in %s: %r" % (base, os.listdir(base)))
if mode == "split" and (len(dirs) != 2 or any(r[2] != "0" for r in rows)):
    sys.exit("split: not a fresh directory per path")
if mode == "unit" and len(dirs) != 1:
    sys.exit("unit: not one directory for the process")
PY
}
cat >"$ITEST_DIR/tmp.yml" <<'YML'
source:
  - {kind: glib, from: ./glib_prog, mode: split}
YML
: >"$GLIB_PROG_TMP"
TMPDIR="$ITEST_DIR/tmpbase" run_fanout run -j 2 --json "$JSON" "$ITEST_DIR/tmp.yml"
expect_rc 0
json_assert "t('./glib_prog//tmp/one')['outcome'] == 'passed'" "g_get_tmp_dir () is G_TEST_TMPDIR"
check_tmpdirs split
: >"$GLIB_PROG_TMP"
TMPDIR="$ITEST_DIR/tmpbase" run_fanout run -j 2 --json "$JSON" --glib ./glib_prog
expect_rc 0
json_assert "t('./glib_prog//tmp/two')['outcome'] == 'passed'"
check_tmpdirs unit
unset GLIB_PROG_TMP

# ---- mistakes: exit 2, with the place ----
printf 'source:\n  - {kind: nose, from: x}\n' >"$ITEST_DIR/bad.yml"
run_fanout run "$ITEST_DIR/bad.yml"
expect_rc 2
expect_err "bad.yml:2:5: unknown source kind 'nose' (kinds: tap, cmocka, glib"
printf 'source:\n  - {kind: glib, from: ./glib_prog, options: {x: 1}}\n' >"$ITEST_DIR/bad.yml"
run_fanout run "$ITEST_DIR/bad.yml"
expect_rc 2
expect_err "bad.yml:2:5: source kind 'glib' has no option 'x'"
printf 'source:\n  - {kind: glib}\n' >"$ITEST_DIR/bad.yml"
run_fanout run "$ITEST_DIR/bad.yml"
expect_rc 2
expect_err "bad.yml:2:5: source has no 'from'"
run_fanout run --glib ./no-such-program
expect_rc 2
expect_err "fanout run: --glib './no-such-program': cannot run './no-such-program'"
run_fanout run --glib ./glib_prog --glib ./glib_prog
expect_rc 2
expect_err "duplicate context id './glib_prog'"
printf '#!/bin/sh\necho "not a path"\n' >"$ITEST_DIR/liar" && chmod +x "$ITEST_DIR/liar"
run_fanout run --glib ./liar
expect_rc 2
expect_err "'-l' output line 1 is no test path: 'not a path'"
printf 'source:\n  - {kind: tap, from: []}\n' >"$ITEST_DIR/bad.yml"
run_fanout run "$ITEST_DIR/bad.yml"
expect_rc 2
expect_err "bad.yml:2:23: 'from' is an empty list"
printf 'source: {kind: tap}\n' >"$ITEST_DIR/bad.yml"
run_fanout run "$ITEST_DIR/bad.yml"
expect_rc 2
expect_err "bad.yml:1:9: 'source' must be a list of sources"
printf 'source:\n  - {kind: glib, from: [./glib_prog, ./liar]}\n' >"$ITEST_DIR/bad.yml"
run_fanout run "$ITEST_DIR/bad.yml"
expect_rc 2
expect_err "bad.yml:2:5: './liar': '-l' output line 1 is no test path"

# ---- the limits: entries per context, items per entry ----
"$PY" -c 'print("source:"); [print("  - {kind: tap, from: x%d}" % i) for i in range(1025)]' \
    >"$ITEST_DIR/many.yml"
run_fanout run "$ITEST_DIR/many.yml"
expect_rc 2
expect_err "many.yml:2:3: 'source' has 1025 entries (at most 1024)"
"$PY" -c 'print("source:\n  - kind: tap\n    from:"); [print("      - x%d" % i) for i in range(65537)]' \
    >"$ITEST_DIR/many.yml"
run_fanout run "$ITEST_DIR/many.yml"
expect_rc 2
expect_err "many.yml:4:7: 'from' has 65537 items (at most 65536)"
echo "PASS [$ITEST_NAME]"
