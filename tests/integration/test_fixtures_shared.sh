#!/bin/bash
# shared contexts: setup once in the broker before the first of its tests is
# leased, tests one by one on any worker, teardown as soon as the last of
# them has finished (not at the end of the run) and on interruption; a
# failing setup makes its tests errors without dispatching any of them.
. "$(dirname "$0")/fixtures_lib.sh"

# A test of a shared context checks that the setup ran exactly once before it.
ONCE='[ "$(grep -cx "setup sh" "$W/log")" = 1 ] && ! grep -qx "teardown sh" "$W/log"'

# --- once, before every test; teardown before a later long test ends: that
#     test waits (up to 60 s) for the teardown line, so a teardown at the end
#     of the run would make it fail
suite timing <<YAML
contexts:
  - name: sh
    mode: shared
    setup: echo "setup sh" >> "\$W/log"
    teardown: echo "teardown sh" >> "\$W/log"
    tests:
      - {name: a, run: '$ONCE && echo "test sh/a" >> "\$W/log" && sleep 0.2'}
      - {name: b, run: '$ONCE && echo "test sh/b" >> "\$W/log" && sleep 0.2'}
      - {name: c, run: '$ONCE && echo "test sh/c" >> "\$W/log" && sleep 0.2'}
      - {name: d, run: '$ONCE && echo "test sh/d" >> "\$W/log" && sleep 0.2'}
  - name: later
    tests:
      - name: long
        run: 'for i in \$(seq 600); do grep -qx "teardown sh" "\$W/log" && exit 0; sleep 0.1; done; exit 1'
YAML
fanout_run -j 3 "$W/timing.yml"
expect_rc 0 "later/long saw the teardown before it ended"
outcomes sh/a=passed sh/b=passed sh/c=passed sh/d=passed later/long=passed
expect_fixtures 1 sh
for t in a b c d; do expect_before "setup sh" "test sh/$t"; expect_before "test sh/$t" "teardown sh"; done
jq_ "len({x['worker'] for x in r['tests'] if x['id'].startswith('sh/')}) >= 2" \
    "the shared context's tests were spread over workers"

# --- setup fails: every test (nested ones too) is an error with the setup's
#     output, none is dispatched, the teardown does not run
suite broken <<'YAML'
contexts:
  - name: sh
    mode: shared
    setup: 'echo "setup sh" >> "$W/log"; echo no-server; echo port-taken >&2; exit 3'
    teardown: echo "teardown sh" >> "$W/log"
    tests:
      - {name: a, run: echo "test sh/a" >> "$W/log"}
    contexts:
      - name: in
        mode: shared
        setup: echo "setup sh/in" >> "$W/log"
        tests:
          - {name: b, run: echo "test sh/in/b" >> "$W/log"}
      - name: unit
        setup: echo "setup sh/unit" >> "$W/log"
        tests:
          - {name: c, run: echo "test sh/unit/c" >> "$W/log"}
  - name: other
    tests:
      - {name: ok, run: echo "test other/ok" >> "$W/log"}
YAML
fanout_run -j 2 "$W/broken.yml"
expect_rc 1
outcomes sh/a=error sh/in/b=error sh/unit/c=error other/ok=passed
expect_log_lines 2          # "setup sh" and "test other/ok": nothing else ran
expect_count 1 "setup sh"
expect_count 1 "test other/ok"
for id in sh/a sh/in/b sh/unit/c; do
    jq_ "t('$id')['message'] == \"setup of shared context 'sh' failed: exit status 3\"" "$id message"
    jq_ "t('$id')['stdout'] == 'no-server\n' and t('$id')['stderr'] == 'port-taken\n'" "$id output"
    jq_ "t('$id')['worker'] == 0 and t('$id')['attempt'] == 0" "$id was never leased"
done
jq_ "t('sh/a')['host'] == 'broker'" "a shared fixture's error names the broker (docs/report-json.md)"

# --- nesting: shared parent, shared child (set up after, torn down before
#     the parent), unmarked child as one unit that waits for the parent
suite nested <<'YAML'
contexts:
  - name: sh
    mode: shared
    setup: echo "setup sh" >> "$W/log"
    teardown: echo "teardown sh" >> "$W/log"
    tests:
      - {name: a, run: echo "test sh/a" >> "$W/log"}
    contexts:
      - name: in
        mode: shared
        setup: echo "setup sh/in" >> "$W/log"
        teardown: echo "teardown sh/in" >> "$W/log"
        tests:
          - {name: b, run: echo "test sh/in/b" >> "$W/log"}
          - {name: c, run: echo "test sh/in/c" >> "$W/log"}
      - name: unit
        setup: echo "setup sh/unit" >> "$W/log"
        teardown: echo "teardown sh/unit" >> "$W/log"
        tests:
          - {name: d, run: echo "test sh/unit/d" >> "$W/log"}
          - {name: e, run: echo "test sh/unit/e" >> "$W/log"}
      - name: sp
        mode: split
        setup: echo "setup sh/sp" >> "$W/log"
        teardown: echo "teardown sh/sp" >> "$W/log"
        tests:
          - {name: f, run: echo "test sh/sp/f" >> "$W/log"}
          - {name: g, run: echo "test sh/sp/g" >> "$W/log"}
YAML
fanout_run -j 2 "$W/nested.yml"
expect_rc 0
outcomes sh/a=passed sh/in/b=passed sh/in/c=passed sh/unit/d=passed sh/unit/e=passed \
         sh/sp/f=passed sh/sp/g=passed
expect_fixtures 1 sh sh/in sh/unit
expect_fixtures 2 sh/sp             # a split child of a shared context: around each test
expect_log_lines 17
expect_sequence "setup sh" "setup sh/in" "test sh/in/b" "teardown sh/in" "teardown sh"
expect_sequence "setup sh/in" "test sh/in/c" "teardown sh/in"
expect_sequence "setup sh/unit" "test sh/unit/d" "test sh/unit/e" "teardown sh/unit"
expect_before "setup sh" "setup sh/unit"
expect_before "teardown sh/unit" "teardown sh"
jq_ "t('sh/unit/d')['worker'] == t('sh/unit/e')['worker']" "the unmarked child is one task"

# --- a shared child inside an unmarked parent: the parent's unit stays
#     together and the child's fixtures run in that worker, once
suite inunit <<'YAML'
contexts:
  - name: u
    setup: echo "setup u" >> "$W/log"
    teardown: echo "teardown u" >> "$W/log"
    tests:
      - {name: a, run: echo "test u/a" >> "$W/log"}
    contexts:
      - name: sh
        mode: shared
        setup: echo "setup u/sh" >> "$W/log"
        teardown: echo "teardown u/sh" >> "$W/log"
        tests:
          - {name: b, run: echo "test u/sh/b" >> "$W/log"}
          - {name: c, run: echo "test u/sh/c" >> "$W/log"}
YAML
fanout_run -j 2 "$W/inunit.yml"
expect_rc 0
outcomes u/a=passed u/sh/b=passed u/sh/c=passed
expect_log_lines 7
expect_block "setup u" "test u/a" "setup u/sh" "test u/sh/b" "test u/sh/c" "teardown u/sh" "teardown u"
jq_ "len({x['worker'] for x in r['tests']}) == 1 and all(x['worker'] > 0 for x in r['tests'])" \
    "the whole unit ran in one worker"

# --- a failing shared teardown is an error against the context
suite td <<'YAML'
contexts:
  - name: sh
    mode: shared
    setup: "true"
    teardown: 'echo cannot-stop >&2; exit 6'
    tests:
      - {name: a, run: "true"}
YAML
fanout_run -j 2 "$W/td.yml"
expect_rc 1
outcomes sh/a=passed
jq_ "len(fx) == 1 and fx[0]['context'] == 'sh' and fx[0]['phase'] == 'teardown'"
jq_ "fx[0]['message'] == \"teardown of shared context 'sh' failed: exit status 6\""
jq_ "fx[0]['stderr'] == 'cannot-stop\n'"

# --- interrupted while a shared test runs: the teardown still runs, and
#     the tests that did not finish are not run (interrupted)
suite interrupt <<'YAML'
contexts:
  - name: sh
    mode: shared
    setup: echo "setup sh" >> "$W/log"
    teardown: echo "teardown sh" >> "$W/log"
    tests:
      - {name: slow, run: 'echo "test sh/slow" >> "$W/log"; touch "$W/started"; sleep 60'}
      - {name: next, run: 'echo "test sh/next" >> "$W/log"'}
YAML
rm -f "$W/started"
fanout_start -j 1 "$W/interrupt.yml"
wait_for "$W/started"
kill -INT "$PID"
fanout_wait
expect_rc 130
expect_fixtures 1 sh
expect_count 0 "test sh/next"
outcomes sh/slow=not_run sh/next=not_run
jq_ "t('sh/slow')['message'] == 'not run (interrupted)'"
jq_ "r['interrupted']"
exit 0
