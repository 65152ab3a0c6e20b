#!/bin/bash
# The console output when it is no terminal (a CI log, a pipe): byte for
# byte on a fixed suite, times and the host name normalised, for the dots,
# -v and -q, and for the summary of a run with retries (flaky, earlier
# tries); no control character unless colours are asked for (--color,
# NO_COLOR, CLICOLOR_FORCE); --durations; PROGRESS lines at a steady
# interval. The expected files are tests/data/integration/console/*.out.
. "$(dirname "$0")/lib.sh"

SUITE="$DATA/console/suite.yml"
EXPECT="$DATA/console"
HOST=$(hostname)

# Times and rates vary, the host is this machine's.
normalise () {
    sed -E -e 's/[0-9]+\.[0-9]+s\b/N.NNs/g' -e 's/\([0-9]+ tests\/s\)/(N tests\/s)/' \
        | "$PY" -c '
import sys
host = sys.argv[1].encode()
data = sys.stdin.buffer.read()
for end in (b"]", b",", b" "):
    data = data.replace(b"on " + host + end, b"on HOST" + end)
sys.stdout.buffer.write(data)' "$HOST"
}

# same FILE WHAT: $OUT, normalised, is FILE byte for byte.
same () {
    normalise <"$OUT" >"$ITEST_TMP/got"
    cmp -s "$ITEST_TMP/got" "$EXPECT/$1" ||
        fail "$2: output differs from $1:
$(diff "$EXPECT/$1" "$ITEST_TMP/got" | head -40)"
}

# Control characters but newline, anywhere in stdout (this suite's tests
# print plain text).
no_controls () {
    ! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$OUT") || fail "$1: a control character in the output"
}
has_sgr () {
    grep -q $'\x1b\\[31m' "$OUT" || fail "$1: no colour (SGR red) in the output"
}

run_suite () {
    reset_work
    env -u NO_COLOR -u CLICOLOR_FORCE "$@"
}

# ---- byte for byte ----------------------------------------------------------------
for mode in dots verbose quiet; do
    case $mode in dots) opt= ;; verbose) opt=-v ;; quiet) opt=-q ;; esac
    reset_work
    run_fanout run -j 1 $opt "$SUITE"
    expect_rc 1 "$mode"
    same "$mode.out" "$mode"
    no_controls "$mode"
done
# the quiet output is the summary alone: the dots' without its first line
diff <(tail -n +2 "$EXPECT/dots.out") "$EXPECT/quiet.out" >/dev/null ||
    fail "quiet.out is not dots.out without the progress line"

# the summary of a run with retries (the order of results then depends on
# when the retries come back; the summary's is the report's)
reset_work
run_fanout run -j 1 --retries 1 "$SUITE"
expect_rc 1 "retries"
normalise <"$OUT" | sed -n '/^=====/,$p' >"$ITEST_TMP/got"
cmp -s "$ITEST_TMP/got" "$EXPECT/summary-retries.out" ||
    fail "retries: the summary differs: $(diff "$EXPECT/summary-retries.out" "$ITEST_TMP/got" | head -40)"

# ---- colours ------------------------------------------------------------------------
reset_work
run_fanout run -j 1 "$SUITE"
no_controls "not a terminal, no colour variable"
reset_work
run_fanout run -j 1 --color=always -v "$SUITE"
has_sgr "--color=always"
expect_last_line "2 passed, 2 failed, 2 errors, 1 skipped"      # never coloured
reset_work
CLICOLOR_FORCE=1 run_fanout run -j 1 "$SUITE"
has_sgr "CLICOLOR_FORCE=1"
reset_work
CLICOLOR_FORCE=0 run_fanout run -j 1 "$SUITE"
no_controls "CLICOLOR_FORCE=0"
reset_work
NO_COLOR=1 CLICOLOR_FORCE=1 run_fanout run -j 1 "$SUITE"
no_controls "NO_COLOR beats CLICOLOR_FORCE"
reset_work
CLICOLOR_FORCE=1 run_fanout run -j 1 --color never "$SUITE"
no_controls "--color never beats CLICOLOR_FORCE"
reset_work
NO_COLOR=1 run_fanout run -j 1 --color=always "$SUITE"
has_sgr "--color=always beats NO_COLOR"
run_fanout run --color=sometimes "$SUITE"
expect_rc 2 "--color=sometimes"
expect_err "--color 'sometimes': expected auto, always or never"

# ---- --durations -----------------------------------------------------------------------
reset_work
run_fanout run -j 1 --durations 2 "$SUITE"
expect_out "SLOWEST: 2 of 7 tests"
[ "$(sed -n '/^SLOWEST: /,/^=\{70\}$/p' "$OUT" | grep -cE '^ +[0-9.]+s  ')" = 2 ] ||
    fail "--durations 2: not two tests listed"
reset_work
run_fanout run -j 1 --durations 0 "$SUITE"
[ "$(sed -n '/^SLOWEST: /,/^=\{70\}$/p' "$OUT" | grep -cE '^ +[0-9.]+s  ')" = 7 ] ||
    fail "--durations 0: not every test listed"
reset_work
run_fanout run -j 1 "$SUITE"
expect_no_out "SLOWEST"

# ---- PROGRESS lines ------------------------------------------------------------------------
reset_work
rm -f "$JSON"
PROGRESS_OUT="$OUT" timeout -k 5 120 "$FANOUT" run -j 1 --progress-interval 0.2 \
    "$DATA/console/progress.yml" >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0 "a PROGRESS line while a test runs"
[ "$(head -n 1 "$OUT")" = "." ] || fail "the PROGRESS line is not on a line of its own after the dot"
expect_out_re '^PROGRESS: 1 of 2 tests done \(1 passed\), 1 running, [0-9.hms]+ elapsed$'
no_controls "PROGRESS"
# --progress-interval 0: never
reset_work
run_fanout run -j 1 --progress-interval 0 "$SUITE"
expect_no_out "PROGRESS"

echo "PASS [$ITEST_NAME]"
