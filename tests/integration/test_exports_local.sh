#!/bin/bash
# Exports: a shared setup writes NAME=VALUE lines to $FANOUT_EXPORT and
# every task of its context (nested contexts too) receives them; secret
# values never reach the console or the report; a bad export file is a
# failed setup with a clear message.
. "$(dirname "$0")/fixtures_lib.sh"

TOKEN_VALUE="tok-$$-$RANDOM-ultra"

# --- who receives what
suite exports <<'YAML'
env: {SERVER: from-the-suite-file, LEVEL: root}
contexts:
  - name: sh
    mode: shared
    setup: |
      echo "setup sh FANOUT_EXPORT=${FANOUT_EXPORT:+set}" >> "$W/log"
      { echo "SERVER=127.0.0.1:$$"; echo "secret TOKEN=$TOKEN_VALUE"; echo "# a comment"
        echo "SPACED=a b  c"; } > "$FANOUT_EXPORT"
    teardown: echo "teardown sh SERVER=$SERVER TOKEN=${TOKEN:+set}" >> "$W/log"
    tests:
      - name: gets
        run: '[ "$SERVER" = "$(sed -n "s/^SERVER=//p" "$W/server")" ] && [ "$TOKEN" = "$TOKEN_VALUE" ] && [ "$SPACED" = "a b  c" ] && [ -z "$FANOUT_EXPORT" ]'
    contexts:
      - name: inner
        mode: shared
        setup: 'echo "setup sh/inner SERVER=$SERVER" >> "$W/log"; echo "LEVEL=inner" > "$FANOUT_EXPORT"'
        tests:
          - {name: both, run: '[ "$LEVEL" = inner ] && [ "$TOKEN" = "$TOKEN_VALUE" ]'}
      - name: unit
        setup: 'echo "setup sh/unit TOKEN=${TOKEN:+set}" >> "$W/log"'
        tests:
          - {name: too, run: '[ "$TOKEN" = "$TOKEN_VALUE" ] && [ "$LEVEL" = root ]'}
      - name: sp
        mode: split
        setup: 'echo "setup sh/sp SERVER=${SERVER%%:*}" >> "$W/log"'
        tests:
          - {name: also, run: '[ "$TOKEN" = "$TOKEN_VALUE" ]'}
  - name: outside
    tests:
      - {name: none, run: '[ "$SERVER" = from-the-suite-file ] && [ -z "$TOKEN" ] && [ -z "$SPACED" ]'}
YAML
# the setup's $$ is only known to it: it also writes the address to a file
sed -i 's|echo "SERVER=127.0.0.1:\$\$";|echo "SERVER=127.0.0.1:$$" > "$W/server"; echo "SERVER=127.0.0.1:$$";|' "$W/exports.yml"
export TOKEN_VALUE
fanout_run -j 2 -v "$W/exports.yml"
expect_rc 0
outcomes sh/gets=passed sh/inner/both=passed sh/unit/too=passed sh/sp/also=passed outside/none=passed
expect_count 1 "setup sh FANOUT_EXPORT=set"
grep -qx "setup sh/inner SERVER=127.0.0.1:[0-9]*" "$W/log" || fail "a nested shared setup gets its parent's exports"
expect_count 1 "setup sh/unit TOKEN=set"
expect_count 1 "setup sh/sp SERVER=127.0.0.1"
grep -qx "teardown sh SERVER=127.0.0.1:[0-9]* TOKEN=set" "$W/log" || fail "the teardown gets the exports"

# --- secrets stay out of the console and the report, also when a test
#     prints them; other values are shown as printed
suite secret <<'YAML'
contexts:
  - name: sh
    mode: shared
    setup: 'printf "secret TOKEN=%s\nPUBLIC=shown-%s\n" "$TOKEN_VALUE" "$TOKEN_VALUE" > "$FANOUT_EXPORT"'
    teardown: 'echo "teardown saw $TOKEN" >&2; exit 1'
    tests:
      - {name: leaks, run: 'echo "the token is $TOKEN"; echo "again: $TOKEN" >&2; exit 1'}
      - {name: named, run: 'echo "PUBLIC is $PUBLIC"; exit 1'}
YAML
fanout_run -j 2 -v "$W/secret.yml"
expect_rc 1
outcomes sh/leaks=failed sh/named=failed
for f in "$OUT" "$ERR" "$JSON"; do
    # PUBLIC contains the token too: it is masked inside it
    ! grep -qF -- "$TOKEN_VALUE" "$f" || fail "the secret value appears in $(basename "$f")"
done
expect_out "the token is ********"
expect_out "again: ********"
expect_out "PUBLIC is shown-********"
jq_ "t('sh/leaks')['stdout'] == 'the token is ********\n'"
jq_ "fx[0]['stderr'] == 'teardown saw ********\n'" "the teardown's output is masked too"

# --- a bad export file: the setup failed (its tests are errors and never
#     run), with a message naming the line; the setup did run to the end,
#     so its teardown runs
suite bad <<'YAML'
contexts:
  - name: sh
    mode: shared
    setup: 'echo "setup sh" >> "$W/log"; printf "OK=1\nnot a variable\n" > "$FANOUT_EXPORT"'
    teardown: echo "teardown sh" >> "$W/log"
    tests:
      - {name: a, run: echo "test sh/a" >> "$W/log"}
YAML
fanout_run -j 2 "$W/bad.yml"
expect_rc 1
outcomes sh/a=error
expect_count 1 "setup sh"
expect_count 0 "test sh/a"
expect_count 1 "teardown sh"
jq_ "t('sh/a')['message'] == \"setup of shared context 'sh' failed: its export file (\$FANOUT_EXPORT) is invalid: line 2: expected NAME=VALUE or secret NAME=VALUE\""
expect_out "line 2: expected NAME=VALUE"

# --- names fanout keeps, and the size limit
sed -i 's|printf "OK=1\\nnot a variable\\n"|echo FANOUT_JOBS=9|' "$W/bad.yml"
fanout_run -j 2 "$W/bad.yml"
expect_rc 1
jq_ "t('sh/a')['message'].endswith(\"line 1: 'FANOUT_JOBS': names starting with FANOUT_ are fanout's own\")"
sed -i 's|echo FANOUT_JOBS=9|head -c 70000 /dev/zero \| tr "\\\\0" x \| sed "s/^/BIG=/"|' "$W/bad.yml"
fanout_run -j 2 "$W/bad.yml"
expect_rc 1
jq_ "'more than the limit of 65536' in t('sh/a')['message']" "the size limit"
expect_count 1 "teardown sh"
exit 0
