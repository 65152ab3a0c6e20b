#!/bin/bash
# Persistent Python workers (issue 12, item 2; docs/python-workers.md):
# modules are imported once per worker; --restart-worker,
# --max-tasks-per-worker N, --max-worker-rss SIZE and --no-python-worker
# change how many
# processes import them; a worker that crashes, hangs past the timeout or
# exits is replaced, its test gets the hostile outcome and the task's
# other tests run, still seeing their module set up; a worker that dies at
# start is a crash loop that stops the task; one that breaks the pipe
# protocol is killed; Ctrl-C stops a run as any run (tests/data/python/workers).
. "$(dirname "$0")/lib.sh"

"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1
cp -r "$FANOUT_SRC/tests/data/python/workers" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR/suite" || fail "cd"
export MARK_DIR="$ITEST_DIR/marks"
mkdir "$MARK_DIR" || fail "mkdir"

# The processes that imported test_imports.py, less the one discovery.
imports () { echo $(( $(sort -u "$MARK_DIR/imports" | wc -l) - 1 )); }

# Workers started as new interpreters (--python-fork=no) import the module
# themselves, so the imports count them; forked ones (the default) are
# counted in test_python_fork.sh.
# --- one slot, ten tasks: one worker imports the module once
run_fanout run -j 1 --python-fork=no --json "$JSON" --python test_imports.py
expect_rc 0
json_assert "r['totals']['passed'] == 10"
[ "$(imports)" = 1 ] || fail "persistent worker: $(imports) processes imported the module"
[ "$(wc -l <"$MARK_DIR/imports")" = 2 ] || fail "a process imported the module twice"

# --- a new worker per task, after 3 tasks, and none at all
rm -f "$MARK_DIR/imports"
run_fanout run -j 1 --python-fork=no --restart-worker --json "$JSON" --python test_imports.py
expect_rc 0
[ "$(imports)" = 10 ] || fail "--restart-worker: $(imports) processes imported the module, not 10"
rm -f "$MARK_DIR/imports"
run_fanout run -j 1 --python-fork=no --max-tasks-per-worker 3 --json "$JSON" --python test_imports.py
expect_rc 0
[ "$(imports)" = 4 ] || fail "--max-tasks-per-worker 3: $(imports) workers for 10 tasks, not 4"
# every worker is past 1M (Python alone is more), none past 4095M
rm -f "$MARK_DIR/imports"
run_fanout run -j 1 --python-fork=no --max-worker-rss 1M --json "$JSON" --python test_imports.py
expect_rc 0
[ "$(imports)" = 10 ] || fail "--max-worker-rss 1M: $(imports) workers for 10 tasks, not 10"
rm -f "$MARK_DIR/imports"
run_fanout run -j 1 --python-fork=no --max-worker-rss 4095M --json "$JSON" --python test_imports.py
expect_rc 0
[ "$(imports)" = 1 ] || fail "--max-worker-rss 4095M: $(imports) workers, not 1"
rm -f "$MARK_DIR/imports"
run_fanout run -j 1 --python-fork=no --no-python-worker --json "$JSON" --python test_imports.py
expect_rc 0
[ "$(imports)" = 10 ] || fail "--no-python-worker: $(imports) processes, not 10"
run_fanout run -j 1 --max-tasks-per-worker 0 --python test_imports.py
expect_rc 2
run_fanout run -j 1 --max-worker-rss 12 --python test_imports.py
expect_rc 2

# --- hostile tests in one task: each takes its worker down, the rest run
run_fanout run -j 1 --timeout 5 --json "$JSON" --python test_hostile.py
expect_rc 1
json_assert "t('test_hostile.py/test_hostile/test_b_crash')['outcome'] == 'crashed'"
json_assert "t('test_hostile.py/test_hostile/test_b_crash')['message'] == 'killed by SIGSEGV'"
json_assert "t('test_hostile.py/test_hostile/test_d_hang')['outcome'] == 'timeout'"
json_assert "t('test_hostile.py/test_hostile/test_f_exit')['outcome'] == 'error'"
for ok in a_before c_after_crash e_after_hang g_last; do
    json_assert "t('test_hostile.py/test_hostile/test_$ok')['outcome'] == 'passed'" "test_$ok passed"
done
json_assert "len({t['worker'] for t in r['tests']}) == 1" "one task, one slot"
[ "$(cat "$MARK_DIR/hostile.teardown")" = teardown ] || fail "the module's teardown did not run once"

# --- a worker that dies at start: three tries, then the task stops
#     (badpython's worker fails when it is started as a new interpreter:
#     forked from the discovery, it would not be)
run_fanout run -j 1 --python-fork=no --json "$JSON" loop.yml
expect_rc 1
for n in 1 2 3; do
    json_assert "t('loop/test_loop/TestLoop/test_$n')['outcome'] == 'error'"
    json_assert "'this Python has no worker' in t('loop/test_loop/TestLoop/test_$n')['stderr']"
done
for n in 4 5; do
    json_assert "'(a crash loop)' in t('loop/test_loop/TestLoop/test_$n')['message']" "test_$n: crash loop"
done
# ... while the same suite in a process per step passes.
run_fanout run -j 1 --no-python-worker --json "$JSON" loop.yml
expect_rc 0
json_assert "r['totals']['passed'] == 5"
# --- a worker that breaks the pipe protocol is killed; its step says why
#     (garbagepython's, started as a new interpreter, as above)
run_fanout run -j 1 --python-fork=no --json "$JSON" garbage.yml
expect_rc 1
json_assert "r['totals']['tests'] == 10"
json_assert "all('broke the pipe protocol' in t['stderr'] for t in r['tests'])" "each step says why"

# --- Ctrl-C while a Python test runs: the run stops as any run does (130,
#     the test not run), and no worker is left
rm -f "$MARK_DIR/hanging"
"$FANOUT" run -j 1 --json "$JSON" --python test_hang.py >"$OUT" 2>"$ERR" &
fanout_pid=$!
for _ in $(seq 600); do [ -e "$MARK_DIR/hanging" ] && break; sleep 0.1; done
[ -e "$MARK_DIR/hanging" ] || fail "test_hang did not start"
kill -INT "$fanout_pid"
for _ in $(seq 300); do alive "$fanout_pid" || break; sleep 0.1; done
! alive "$fanout_pid" || { kill -KILL "$fanout_pid"; fail "fanout did not stop within 30 s of SIGINT"; }
wait "$fanout_pid"
RC=$?
expect_rc 130
json_assert "t('test_hang.py/test_hang/test_hang')['outcome'] == 'not_run'"
for p in $(pgrep -f "fanout_nose worker"); do
    ! ours "$p" || fail "a Python worker ($p) outlived the interrupted run"
done
# forked workers, and the fork server, show the discovery's command line
for p in $(pgrep -f "fanout_nose discover"); do
    ! ours "$p" || fail "a forked Python worker or the fork server ($p) outlived the interrupted run"
done
echo "PASS [$ITEST_NAME]"
