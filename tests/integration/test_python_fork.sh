#!/bin/bash
# Python workers and shared contexts' keepers forked from the discovery
# helper (docs/python-workers.md, "Forked from the discovery"): a module is
# imported once, by the discovery, for the whole local run; restarts fork
# again (--restart-worker, --max-tasks-per-worker, --max-worker-rss); a
# forked worker has the step's environment, its own process group, fanout
# as its parent; a timeout kills it; a shared context's setup and teardown
# run in one forked keeper; a generator's generate step is forked too; a
# module that starts a thread at import, a fork server killed mid-run and
# --python-fork=no fall back to new interpreters (tests/data/python/fork).
. "$(dirname "$0")/lib.sh"

"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/fork" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export MARK_DIR="$ITEST_DIR/marks"
mkdir "$MARK_DIR" || fail "mkdir"
MARKS=$MARK_DIR/marks

# count KIND: the lines "KIND PID" of the marks; pids KIND: distinct pids
count () { grep -c "^$1 " "$MARKS"; }
pids () { grep "^$1 " "$MARKS" | sort -u | wc -l; }
# no process of this test (forked ones show the discovery's command line)
none_left () {
    local p
    for p in $(pgrep -f "fanout_nose"); do
        ! ours "$p" || fail "$1: a Python process ($p: $(tr '\0' ' ' <"/proc/$p/cmdline")) outlived the run"
    done
}

# --- one worker, ten tasks: the module imported once, by the discovery
rm -f "$MARKS"
run_fanout run -j 1 --json "$JSON" suite.yml
expect_rc 0
json_assert "r['totals']['passed'] == 10" "each test saw a forked worker's state"
[ "$(count import)" = 1 ] || fail "forked: the module was imported $(count import) times, not once"
[ "$(pids test)" = 1 ] || fail "forked: $(pids test) workers, not 1"
[ "$(grep '^import ' "$MARKS" | cut -d' ' -f2)" != "$(grep -m1 '^test ' "$MARKS" | cut -d' ' -f2)" ] ||
    fail "the tests ran in the discovery's process"
none_left "forked"
# ... as it was not before: a new interpreter imports it again
rm -f "$MARKS"
run_fanout run -j 1 --python-fork=no --json "$JSON" suite.yml
expect_rc 0
json_assert "r['totals']['passed'] == 10"
[ "$(count import)" = 2 ] || fail "--python-fork=no: $(count import) imports, not 2"
run_fanout run -j 1 --python-fork=maybe suite.yml
expect_rc 2
expect_err "--python-fork 'maybe': expected yes or no"

# --- restarts fork again: new workers, no new import
for opts in "--restart-worker 10" "--max-tasks-per-worker=3 4" "--max-worker-rss=1M 10" \
            "--max-worker-rss=4095M 1"; do
    set -- $opts
    rm -f "$MARKS"
    run_fanout run -j 1 "$1" --json "$JSON" suite.yml
    expect_rc 0 "$1"
    json_assert "r['totals']['passed'] == 10" "$1"
    [ "$(pids test)" = "$2" ] || fail "$1: $(pids test) workers for 10 tasks, not $2"
    [ "$(count import)" = 1 ] || fail "$1: $(count import) imports, not 1 (restarted workers are forked)"
done

# --- a shared context: one keeper runs setup and teardown, imports nothing
rm -f "$MARKS"
run_fanout run -j 2 --json "$JSON" --python test_shared.py
expect_rc 0
json_assert "r['totals']['passed'] == 2"
[ "$(count import)" = 1 ] || fail "shared: $(count import) imports, not 1"
[ "$(count setup)" = 1 ] && [ "$(count teardown)" = 1 ] || fail "shared: fixtures ran $(count setup)/$(count teardown) times"
[ "$(grep '^setup ' "$MARKS" | cut -d' ' -f2)" = "$(grep '^teardown ' "$MARKS" | cut -d' ' -f2)" ] ||
    fail "shared: setup and teardown in different processes"
[ "$(tail -n 1 "$MARKS" | cut -d' ' -f1)" = teardown ] || fail "shared: the teardown ran before a test: $(cat "$MARKS")"
none_left "shared"

# --- a generator: its generate step is forked too, the module imported once
rm -f "$MARKS"
run_fanout run -j 1 --json "$JSON" --python test_generated.py
expect_rc 0
json_assert "r['totals']['passed'] == 3"
[ "$(count generate)" -ge 1 ] || fail "generator: no generate step ran"
[ "$(count import)" = 1 ] || fail "generator: $(count import) imports, not 1 (the generate step is forked)"
none_left "generator"

# --- a timeout kills the forked worker; the next test gets a new one
rm -f "$MARKS"
# (--timeout is the discovery's limit too: 5 s, as test_python_workers.sh)
run_fanout run -j 1 --timeout 5 --json "$JSON" --python test_slow.py
expect_rc 1
json_assert "t('test_slow.py/test_slow/test_hang')['outcome'] == 'timeout'"
json_assert "t('test_slow.py/test_slow/test_after')['outcome'] == 'passed'"
none_left "timeout"

# --- a thread started at import: no fork server, new interpreters
rm -f "$MARKS"
FANOUT_LOG=info run_fanout run -j 1 --json "$JSON" --python test_threads.py
expect_rc 0
[ "$(count import)" = 2 ] || fail "threads: $(count import) imports, not 2 (no fork)"
expect_err "no fork server (a module started threads at import)"

# --- the fork server killed mid-run: the rest starts new interpreters
rm -f "$MARKS" "$MARK_DIR/waiting" "$MARK_DIR/go"
"$FANOUT" run -j 1 --restart-worker --json "$JSON" --python test_gate.py >"$OUT" 2>"$ERR" &
fanout_pid=$!
for _ in $(seq 600); do [ -e "$MARK_DIR/waiting" ] && break; sleep 0.1; done
[ -e "$MARK_DIR/waiting" ] || fail "test_0 did not start"
server=
for p in $(pgrep -f "fanout_nose discover"); do
    ours "$p" && [ "$(ps -o ppid= -p "$p" | tr -d ' ')" = "$fanout_pid" ] &&
        [ "$(ps -o pgid= -p "$p" | tr -d ' ')" = "$p" ] && ! grep -q "^test $p\$" "$MARKS" && server=$p
done
[ -n "$server" ] || fail "no fork server found"
kill -KILL "$server"
touch "$MARK_DIR/go"
wait "$fanout_pid"
RC=$?
expect_rc 0 "the run goes on without its fork server"
json_assert "r['totals']['passed'] == 4"
[ "$(pids test)" = 4 ] || fail "server killed: $(pids test) workers, not 4"
expect_err "Python workers and fixtures start as new processes from now on"
none_left "server killed"
echo "PASS [$ITEST_NAME]"
