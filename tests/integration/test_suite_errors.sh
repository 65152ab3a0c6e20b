#!/bin/bash
# Usage errors: bad suite files (exit 2, one 'file:line:column: message' on
# stderr, nothing run) and bad command lines; --help and --version.
. "$(dirname "$0")/lib.sh"

# expect_suite_error FILE LINE COLUMN MESSAGE-PART
expect_suite_error () {
    local file="$DATA/$1"
    run_fanout run -j 2 "$file"
    expect_rc 2 "$1"
    [ ! -s "$OUT" ] || fail "$1: a suite error printed on stdout (did something run?)"
    [ "$(wc -l <"$ERR")" -eq 1 ] || fail "$1: expected exactly one line on stderr"
    # the generic shape first, so that editors can jump to it ...
    grep -qE "^.+:[0-9]+:[0-9]+: [^ ]" "$ERR" || fail "$1: stderr is not 'file:line:column: message'"
    # ... then the exact place and the message
    expect_err "$file:$2:$3: "
    expect_err "$4"
}

expect_suite_error err_yaml.yml 3 35 "did not find expected ',' or ']'"
expect_suite_error err_unknown_key.yml 5 5 "unknown key 'timout' in test"
expect_suite_error err_split_shared.yml 4 11 "a context cannot be both split and shared"
expect_suite_error err_dup_id.yml 7 9 "duplicate test id 'c/a' (first defined at line 5)"
expect_suite_error err_discover.yml 7 15 "discover command failed (exit status 3): discover-broke-here"
[ ! -e "$ITEST_DIR/ran" ] || fail "a test ran although discovery failed"

# --- a missing file: the name, no line and column
run_fanout run "$ITEST_DIR/no-such-suite.yml"
expect_rc 2
[ "$(cat "$ERR")" = "$ITEST_DIR/no-such-suite.yml: cannot open suite file: No such file or directory" ] \
    || fail "missing file message is '$(cat "$ERR")'"

# --- without SUITE, ./fanout.yml of the current directory
mkdir "$ITEST_DIR/default" "$ITEST_DIR/empty"
printf 'tests:\n  - {name: here, run: "true"}\n' >"$ITEST_DIR/default/fanout.yml"
(cd "$ITEST_DIR/default" && run_fanout run -j 1 && expect_rc 0 &&
    expect_last_line "1 passed, 0 failed, 0 errors, 0 skipped") || exit 1
(cd "$ITEST_DIR/empty" && run_fanout run -j 1 && expect_rc 2 &&
    expect_err "fanout.yml: cannot open suite file") || exit 1

# --- bad command lines: exit 2 and a message on stderr, nothing on stdout
good="$DATA/outcomes_pass.yml"
expect_usage_error () {
    run_fanout "$@"
    expect_rc 2 "fanout $*"
    [ -s "$ERR" ] || fail "fanout $*: no message on stderr"
    [ ! -s "$OUT" ] || fail "fanout $*: printed on stdout"
}
expect_usage_error run -j abc "$good";    expect_err "abc"
expect_usage_error run -j 2x "$good";     expect_err "2x"
expect_usage_error run -j "" "$good"
expect_usage_error run --jobs=1.5 "$good"
expect_usage_error run --no-such-option "$good"; expect_err "no-such-option"
expect_usage_error run -Z "$good"
expect_usage_error run "$good" "$good";   expect_err "one suite file at most"
expect_usage_error run --json            # --json needs its FILE
expect_usage_error frobnicate;            expect_err "unknown command 'frobnicate'"
expect_usage_error
FANOUT_JOBS=many run_fanout run "$good"
expect_rc 2 "FANOUT_JOBS=many"
expect_err "FANOUT_JOBS='many'"

# --- help and version
run_fanout run --help
expect_rc 0
expect_out_re '^usage: fanout run '
expect_out_re '^ +-j, --jobs N'
expect_out "--json FILE"
run_fanout run -h
expect_rc 0
expect_out_re '^usage: fanout run '
run_fanout --help
expect_rc 0
expect_out_re '^ +run '
run_fanout --version
expect_rc 0
expect_out_re '^fanout [0-9]+\.[0-9]+\.[0-9]+'
[ "$(wc -l <"$OUT")" -eq 1 ] || fail "--version printed more than one line"

echo "PASS [$ITEST_NAME]"
