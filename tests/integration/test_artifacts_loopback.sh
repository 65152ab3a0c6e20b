#!/bin/bash
# Artifacts without root (docs/artifacts.md): fanout list --artifacts shows
# what a suite ships; mistakes are file:line:column errors (exit 2); a
# broker and an agent on loopback run the tests in the agent's workspace,
# not in the suite's directory, with the suite's directory moved there in
# arguments and env values; --artifact and --infer-artifacts declare on the
# command line; a file a test leaves comes back under --output-dir. (The
# farm without a shared filesystem is test_net_artifacts.sh.)
. "$(dirname "$0")/net_lib.sh"

tree="$T_TMP/tree"
mkdir -p "$tree/bin" "$tree/data"
printf '#!/bin/sh\ncat "$1"\n' >"$tree/bin/show"
chmod 755 "$tree/bin/show"
echo "some data" >"$tree/data/input.txt"
cat >"$tree/fanout.yml" <<YML
artifacts: [bin, 'data/*.txt']
tests:
  - {name: show, run: ['$tree/bin/show', '$tree/data/input.txt']}
  - {name: where, run: 'test "\$PWD" = "\$FANOUT_WORKSPACE" && test "\$PWD" != "$tree" && test "\$DATA" = "\$PWD/data"'}
  - {name: readonly, run: 'test "\$(stat -c %a data/input.txt) \$(stat -c %a bin/show)" = "444 555"'}
  - {name: leaves, run: 'echo left > "\$FANOUT_OUTPUT_DIR/note.txt"'}
env: {DATA: $tree/data}
YML

# --- fanout list --artifacts
"$FANOUT" list --artifacts --hash-cache off "$tree/fanout.yml" >"$T_TMP/list.out" 2>&1 ||
    fail "fanout list --artifacts: $(cat "$T_TMP/list.out")"
grep -qE "^the top level: manifest [0-9a-f]{16}: 2 files \(29 bytes\), 1 directory, 0 links$" "$T_TMP/list.out" ||
    fail "fanout list --artifacts: $(cat "$T_TMP/list.out")"
grep -qE "^  file 0755 +19  bin/show$" "$T_TMP/list.out" || fail "no bin/show line: $(cat "$T_TMP/list.out")"
grep -qE "^  file 0644 +10  data/input.txt$" "$T_TMP/list.out" || fail "no data/input.txt line"

# --- mistakes
printf 'tests: [{name: x, run: "true"}]\ncontexts:\n  - name: c\n    artifacts: [nothing*]\n    tests: [{name: y, run: "true"}]\n' \
    >"$tree/bad.yml"
rc=0; "$FANOUT" list --artifacts --hash-cache off "$tree/bad.yml" >"$T_TMP/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a pattern matching nothing: exit $rc, not 2"
grep -qF "$tree/bad.yml:4:16: artifacts of context 'c': 'nothing*' matches nothing under $tree" "$T_TMP/bad.out" ||
    fail "no file:line:column error: $(cat "$T_TMP/bad.out")"
printf 'artifacts: ../up\ntests: [{name: x, run: "true"}]\n' >"$tree/up.yml"
rc=0; "$FANOUT" list "$tree/up.yml" >"$T_TMP/up.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -qF "up.yml:1:12: artifact '../up' must stay under the suite file's directory" "$T_TMP/up.out" ||
    fail "'..' in a pattern: exit $rc: $(cat "$T_TMP/up.out")"
rc=0; "$FANOUT" list --artifacts --artifact /etc "$tree/fanout.yml" >"$T_TMP/abs.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -qF -- "--artifact '/etc' must be a path or pattern relative" "$T_TMP/abs.out" ||
    fail "--artifact /etc: exit $rc: $(cat "$T_TMP/abs.out")"

# --- the command line declares: --infer-artifacts ships the programs the
# tests run from the tree, --artifact what they read
printf 'tests: [{name: s, run: ["%s", data/input.txt]}]\n' "$tree/bin/show" >"$tree/plain.yml"
"$FANOUT" list --artifacts --hash-cache off --infer-artifacts --artifact 'data/*' "$tree/plain.yml" \
    >"$T_TMP/cl.out" 2>&1 || fail "--infer-artifacts: $(cat "$T_TMP/cl.out")"
grep -qE "^  file 0755 +19  bin/show$" "$T_TMP/cl.out" && grep -qE "  data/input.txt$" "$T_TMP/cl.out" ||
    fail "--infer-artifacts --artifact: $(cat "$T_TMP/cl.out")"

# --- a broker and an agent: the tests run in the workspace
mkdir -p "$T_TMP/out"
FANOUT_LOG=info start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure \
    --hash-cache off --output-dir "$T_TMP/out" --json "$T_TMP/r.json" "$tree/fanout.yml"
ep=$(endpoint_of broker)
FANOUT_LOG=info start agent "$FANOUT" agent --connect "$ep" --insecure -j 2 --once \
    --cache-dir "$T_TMP/cache"
finish broker 60
expect_rc broker 0 "every test passes in the workspace"
one_outcome "$T_TMP/r.json" show where readonly leaves
json_assert "$T_TMP/r.json" "tests['show']['stdout'] == 'some data\\n'"
json_assert "$T_TMP/r.json" "tests['leaves']['outputs'] == ['$T_TMP/out/leaves/note.txt']"
[ "$(cat "$T_TMP/out/leaves/note.txt")" = left ] || fail "the output did not come back"
finish agent 15
expect_rc agent 0
expect_log agent "artifacts: [0-9]+ bytes received in 3 blobs, 0 blobs already cached"
expect_log broker "outputs: 5 bytes written under"
[ -z "$(ls -A "$T_TMP/cache/work" 2>/dev/null)" ] || fail "workspaces left behind: $(ls -R "$T_TMP/cache/work")"

# --- fanout run: it ships nothing (one machine), but what tests leave comes
# back all the same; a test that leaves nothing has no outputs; DIR must exist
cat >"$T_TMP/run.yml" <<'YML'
tests:
  - {name: leaves, run: 'echo left > "$FANOUT_OUTPUT_DIR/note.txt"'}
  - {name: quiet, run: 'test -d "$FANOUT_OUTPUT_DIR"'}
YML
mkdir -p "$T_TMP/run-out"
rc=0
FANOUT_LOG=info "$FANOUT" run -q -j 2 --output-dir "$T_TMP/run-out" --json "$T_TMP/run.json" \
    "$T_TMP/run.yml" >"$T_TMP/run.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "fanout run --output-dir: exit $rc: $(cat "$T_TMP/run.out")"
one_outcome "$T_TMP/run.json" leaves quiet
json_assert "$T_TMP/run.json" "tests['leaves']['outputs'] == ['$T_TMP/run-out/leaves/note.txt']"
json_assert "$T_TMP/run.json" "tests['quiet'].get('outputs', []) == []"
[ "$(cat "$T_TMP/run-out/leaves/note.txt")" = left ] || fail "fanout run: the output did not come back"
grep -qF "fanout run: info: outputs: 5 bytes written under $T_TMP/run-out" "$T_TMP/run.out" ||
    fail "fanout run did not log what it wrote: $(cat "$T_TMP/run.out")"
rc=0; "$FANOUT" run -q --output-dir "$T_TMP/no/such" "$T_TMP/run.yml" >"$T_TMP/nodir.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -qF -- "fanout run: --output-dir $T_TMP/no/such: No such file or directory" "$T_TMP/nodir.out" ||
    fail "a missing --output-dir: exit $rc: $(cat "$T_TMP/nodir.out")"
