#!/usr/bin/env bash
# Crashes and odd exits: killed by a signal is `crashed` with the signal's
# name and the output so far; no core file unless --core-dumps; odd exit
# statuses, closed stdout, unstartable commands; a test that crashes every
# time is retried only as often as asked, each try naming host and worker.
. "$(dirname "$0")/hostile_common.sh"

cat >"$T/suite.yml" <<EOF
tests:
  - {name: segv, run: "echo before-crash; kill -SEGV \$\$"}
  - {name: abort, run: "echo to-stderr >&2; kill -ABRT \$\$"}
  - {name: self-term, run: "kill -TERM \$\$"}
  - {name: exit-255, run: "exit 255"}
  - {name: exit-139, run: "exit 139"}
  - {name: skips, run: "exit 77"}
  - {name: closes-stdout, run: "exec >&- 2>&-; $SLEEP 0.3; exit 0"}
  - {name: closes-then-fails, run: "echo hi; exec >&-; exit 4"}
  - {name: no-such-program, run: ["$T/no-such-program"]}
EOF
ALL="segv abort self-term exit-255 exit-139 skips closes-stdout closes-then-fails no-such-program"
(cd "$T" && ulimit -c unlimited 2>/dev/null; "$FANOUT" run -j 2 --json "$T/r.json" "$T/suite.yml" \
    >"$T/out" 2>&1)
RC=$?
[ "$RC" = 1 ] || fail "exit status $RC, expected 1"
R=$T/r.json
# shellcheck disable=SC2086
assert_complete "$R" $ALL
expect_outcome "$R" segv crashed
expect_message "$R" segv "killed by SIGSEGV"
[ "$(jq -r '.tests[] | select(.id == "segv") | .stdout' "$R")" = before-crash ] \
    || fail "segv: output so far not kept"
expect_outcome "$R" abort crashed
expect_message "$R" abort "killed by SIGABRT"
[ "$(jq -r '.tests[] | select(.id == "abort") | .stderr' "$R")" = to-stderr ] \
    || fail "abort: stderr not kept"
expect_outcome "$R" self-term crashed
expect_message "$R" self-term "killed by SIGTERM"
expect_outcome "$R" exit-255 failed
expect_message "$R" exit-255 "exit status 255"
expect_outcome "$R" exit-139 failed
expect_message "$R" exit-139 "exit status 139 (128 + SIGSEGV"
expect_outcome "$R" skips skipped
expect_outcome "$R" closes-stdout passed
expect_outcome "$R" closes-then-fails failed
[ "$(jq -r '.tests[] | select(.id == "closes-then-fails") | .stdout' "$R")" = hi ] \
    || fail "closes-then-fails: output before the close lost"
expect_outcome "$R" no-such-program error
expect_message "$R" no-such-program "cannot run"
grep -q '^CRASHED: segv' "$T/out" || fail "no CRASHED block"
# Even with `ulimit -c unlimited`, fanout's tests write no core file.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo "|")
if ls "$T" | grep -q '^core'; then
    fail "a core file was written without --core-dumps"
fi
if jq -r '.tests[].message // ""' "$R" | grep -q "core dumped"; then
    fail "a crash dumped core without --core-dumps"
fi

# --core-dumps lets the limit through: where the kernel writes plain files
# into the working directory, one appears and the message says so.
case "$pattern" in
    "|"* | */*) echo "core_pattern '$pattern': not checking --core-dumps files" ;;
    *)
        # Tests run in the suite file's directory: a directory of its own.
        mkdir "$T/cores"
        cat >"$T/cores/suite.yml" <<EOF
tests:
  - {name: segv, run: "kill -SEGV \$\$"}
EOF
        (cd "$T/cores" && ulimit -c unlimited 2>/dev/null && "$FANOUT" run --core-dumps \
            --json "$T/c.json" "$T/cores/suite.yml" >"$T/out" 2>&1)
        if [ "$(ulimit -H -c)" = unlimited ]; then
            expect_message "$T/c.json" segv "(core dumped)"
            [ "$(ls "$T/cores" | grep -c '^core')" -ge 1 ] || fail "--core-dumps: no core file"
            echo "checked: --core-dumps writes a core file"
        fi
        ;;
esac

# A test that crashes every time: tried 1 + --retries times, not forever.
cat >"$T/loop.yml" <<EOF
tests:
  - {name: crashes-always, run: "kill -SEGV \$\$"}
  - {name: fine, run: "true"}
EOF
run_fanout run -j 2 --retries 2 --json "$T/l.json" "$T/loop.yml"
[ "$RC" = 1 ] || fail "crash loop: exit status $RC, expected 1"
assert_complete "$T/l.json" crashes-always fine
expect_outcome "$T/l.json" crashes-always crashed
jq -e '.tests[] | select(.id == "crashes-always") | .attempts | length == 3
       and all(.[]; .outcome == "crashed" and .host != null and .worker >= 1)
       and ([.[].attempt] == [1, 2, 3])' "$T/l.json" >/dev/null \
    || fail "crash loop: attempts not reported (every try with host and worker)"
grep -q 'attempt 1: CRASHED: killed by SIGSEGV \[on ' "$T/out" \
    || fail "crash loop: the summary does not list the earlier tries"
assert_no_orphans "crashes"
exit 0
