#!/bin/bash
# The agent's spawner threads (FANOUT_SPAWN_THREADS, lib/proc/fo_spawner.h):
# with them (the default at -j 2) and without (0), and with the slots'
# lanes (the default at -j 2) and without (FANOUT_SPAWN_LANES=0), every
# outcome and message is the same, the failures to start included
# ("cannot run ...", "cannot change to directory ..."), and the variables
# set how many threads there are.
. "$(dirname "$0")/lib.sh"

SUITE=$DATA/spawn_threads.yml
summary () {        # the report's (id, outcome, message), one per line
    "$PY" -c "$PY_PRELUDE
for x in sorted(r['tests'], key=lambda x: x['id']):
    print(x['id'], x['outcome'], x.get('message', ''))" "$JSON"
}

declare -A threads
for n in 0 2 5 nolanes; do
    if [ "$n" = nolanes ]; then
        export FANOUT_SPAWN_THREADS=2 FANOUT_SPAWN_LANES=0
    else
        export FANOUT_SPAWN_THREADS=$n
    fi
    run_fanout run -j 2 --no-history --json "$JSON" "$SUITE"
    expect_rc 1
    check_one_outcome good bad nospawn badcwd notadir slow threads
    json_assert "t('good')['outcome'] == 'passed' and t('threads')['outcome'] == 'passed'"
    json_assert "t('bad')['outcome'] == 'failed' and t('bad')['message'] == 'exit status 3'"
    json_assert "t('bad')['stdout'] == 'out-line\n' and t('bad')['stderr'] == 'err-line\n'"
    json_assert "t('nospawn')['outcome'] == 'error' and t('nospawn')['message'] == \"cannot run '/nonexistent/fanout-itest-program': No such file or directory\""
    json_assert "t('badcwd')['outcome'] == 'error' and t('badcwd')['message'] == \"cannot change to directory '/nonexistent-fanout-itest-dir': No such file or directory\""
    json_assert "t('notadir')['outcome'] == 'error' and t('notadir')['message'] == \"cannot change to directory '/bin/true': Not a directory\""
    json_assert "t('slow')['outcome'] == 'timeout'"
    summary > "$ITEST_TMP/summary.$n" || fail "cannot read the report"
    threads[$n]=$(tr -d ' ' < "$ITEST_DIR/threads")
done
unset FANOUT_SPAWN_THREADS FANOUT_SPAWN_LANES

# (A timeout's message has the time it took: not compared.)
sed 's/timed out after .*/timed out/' "$ITEST_TMP/summary.0" > "$ITEST_TMP/a"
sed 's/timed out after .*/timed out/' "$ITEST_TMP/summary.2" > "$ITEST_TMP/b"
diff "$ITEST_TMP/a" "$ITEST_TMP/b" >&2 || fail "outcomes differ with spawner threads"
sed 's/timed out after .*/timed out/' "$ITEST_TMP/summary.nolanes" > "$ITEST_TMP/c"
diff "$ITEST_TMP/c" "$ITEST_TMP/b" >&2 || fail "outcomes differ with the slots' lanes"

# The fanout process has as many more threads as asked for.
[ $(( threads[2] - threads[0] )) -eq 2 ] \
    || fail "threads: ${threads[0]} without spawner threads, ${threads[2]} with 2"
[ $(( threads[5] - threads[0] )) -eq 5 ] \
    || fail "threads: ${threads[0]} without spawner threads, ${threads[5]} with 5"
# ...and a lane per slot (2 at -j 2) unless turned off.
[ $(( threads[2] - threads[nolanes] )) -eq 2 ] \
    || fail "threads: ${threads[nolanes]} without lanes, ${threads[2]} with them"
exit 0
