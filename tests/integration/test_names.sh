#!/bin/bash
# Names as users have them (issue 9, item 6): GLib paths, GoogleTest
# parameterised names, pytest ids, spaces, parentheses and UTF-8 run, are
# reported under their ids unaltered (context names and the test's joined
# by '/'), each exactly once with the right outcome, and --test ID chooses
# exactly the tests of that id, or of that context's id.
. "$(dirname "$0")/lib.sh"

S="$ITEST_DIR/names.yml"
cat >"$S" <<'YAML'
tests:
  - {name: /glib/gvariant/serialiser, run: "true"}
contexts:
  - name: Inst/Suite
    tests:
      - {name: Name/0, run: "true"}
      - {name: Name/1, run: "exit 1"}
  - name: "tests/test_x.py::TestCls"
    tests:
      - {name: "test_it[1 + 1]", run: "true"}
      - {name: "test_skip[a b]", run: "exit 77"}
  - name: "größe (日本)"
    setup: "true"
    tests:
      - {name: "a.b::c d (e)", run: "true"}
      - {name: "[x] {y} *z*", run: "true"}
YAML

ALL=(
    "/glib/gvariant/serialiser"
    "Inst/Suite/Name/0"
    "Inst/Suite/Name/1"
    "tests/test_x.py::TestCls/test_it[1 + 1]"
    "tests/test_x.py::TestCls/test_skip[a b]"
    "größe (日本)/a.b::c d (e)"
    "größe (日本)/[x] {y} *z*"
)

# json_holds EXPR WHAT ARG...: as json_assert, with the ARGs (ids, which
# no shell quoting should touch) in sys.argv[2:].
json_holds () {
    local msg
    msg=$("$PY" -c "$PY_PRELUDE
if not ($1):
    sys.exit('does not hold')" "$JSON" "${@:3}" 2>&1) || fail "JSON: $2: $msg"
}
# outcome ID OUTCOME: the test has that outcome in the report.
outcome () {
    json_holds "t(sys.argv[2])['outcome'] == sys.argv[3]" "$1 is $2" "$1" "$2"
}

# --- the whole suite
run_fanout run -j2 -v --json "$JSON" "$S"
expect_rc 1
check_one_outcome "${ALL[@]}"
outcome "/glib/gvariant/serialiser" passed
outcome "Inst/Suite/Name/0" passed
outcome "Inst/Suite/Name/1" failed
outcome "tests/test_x.py::TestCls/test_it[1 + 1]" passed
outcome "tests/test_x.py::TestCls/test_skip[a b]" skipped
outcome "größe (日本)/a.b::c d (e)" passed
outcome "größe (日本)/[x] {y} *z*" passed
json_holds "t(sys.argv[2])['context'] == 'Inst/Suite'" "context of Name/0" "Inst/Suite/Name/0"
json_holds "t(sys.argv[2])['context'] == 'größe (日本)'" "context of [x]" "größe (日本)/[x] {y} *z*"
expect_out "Inst/Suite/Name/1 ... FAIL"
expect_out "größe (日本)/a.b::c d (e) ... ok"
expect_out "FAIL: Inst/Suite/Name/1"

# --- --test: by test id, in any context; repeated, in any order
run_fanout run -j2 --json "$JSON" --test "tests/test_x.py::TestCls/test_it[1 + 1]" \
    --test "Inst/Suite/Name/1" --test "/glib/gvariant/serialiser" "$S"
expect_rc 1
check_one_outcome "Inst/Suite/Name/1" "tests/test_x.py::TestCls/test_it[1 + 1]" \
    "/glib/gvariant/serialiser"
outcome "Inst/Suite/Name/1" failed
outcome "tests/test_x.py::TestCls/test_it[1 + 1]" passed

# --- by context id: every test under it; a context whose name holds '/'
run_fanout run -j2 --json "$JSON" --test "größe (日本)" "$S"
expect_rc 0
check_one_outcome "größe (日本)/a.b::c d (e)" "größe (日本)/[x] {y} *z*"
run_fanout run -j2 --json "$JSON" --test "Inst/Suite" --test "Inst/Suite/Name/0" "$S"
expect_rc 1
check_one_outcome "Inst/Suite/Name/0" "Inst/Suite/Name/1"

# --- exact ids only: no prefix, no pattern; a usage error, nothing run
for miss in "Inst" "Inst/Suite/Name" "Name/0" "größe" "größe (日本)/[x]*" "/glib"; do
    run_fanout run -j2 --json "$JSON" --test "Inst/Suite/Name/0" --test "$miss" "$S"
    expect_rc 2 "--test '$miss'"
    [ "$(cat "$ERR")" = "fanout run: --test '$miss' matches no test or context" ] ||
        fail "--test '$miss': stderr is '$(cat "$ERR")'"
    [ ! -s "$OUT" ] || fail "--test '$miss': something ran"
    [ ! -e "$JSON" ] || fail "--test '$miss': a report was written"
done
run_fanout broker --bind "ipc://$ITEST_DIR/broker.ipc" --test "nope" "$S"
expect_rc 2
[ "$(cat "$ERR")" = "fanout broker: --test 'nope' matches no test or context" ] ||
    fail "broker --test: stderr is '$(cat "$ERR")'"
exit 0
