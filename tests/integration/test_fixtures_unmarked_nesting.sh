#!/bin/bash
# Unmarked contexts with fixtures: the whole subtree is one task. Counts
# every setup and teardown, checks their order and that the unit stays in
# one worker, and the outcomes when a setup or a teardown fails.
. "$(dirname "$0")/fixtures_lib.sh"

# --- one task: setup once, its tests and nested contexts in order, teardown
#     once, also after a failing test; a split child inside stays in the unit
suite unit <<'YAML'
contexts:
  - name: u
    setup: echo "setup u" >> "$W/log"
    teardown: echo "teardown u" >> "$W/log"
    tests:
      - {name: a, run: echo "test u/a" >> "$W/log"}
      - {name: fails, run: 'echo "test u/fails" >> "$W/log"; exit 3'}
    contexts:
      - name: inner
        setup: echo "setup u/inner" >> "$W/log"
        teardown: echo "teardown u/inner" >> "$W/log"
        tests:
          - {name: b, run: echo "test u/inner/b" >> "$W/log"}
          - {name: c, run: echo "test u/inner/c" >> "$W/log"}
      - name: sp
        mode: split
        setup: echo "setup u/sp" >> "$W/log"
        teardown: echo "teardown u/sp" >> "$W/log"
        tests:
          - {name: d, run: echo "test u/sp/d" >> "$W/log"}
          - {name: e, run: echo "test u/sp/e" >> "$W/log"}
  - name: free
    tests:
      - {name: x, run: echo "test free/x" >> "$W/log"}
      - {name: y, run: echo "test free/y" >> "$W/log"}
YAML
fanout_run -j 2 "$W/unit.yml"
expect_rc 1 "u/fails fails"
outcomes u/a=passed u/fails=failed u/inner/b=passed u/inner/c=passed u/sp/d=passed \
         u/sp/e=passed free/x=passed free/y=passed
expect_fixtures 1 u u/inner u/sp
expect_log_lines 14
expect_sequence "setup u" "test u/a" "test u/fails" "setup u/inner" "test u/inner/b" \
                "test u/inner/c" "teardown u/inner" "setup u/sp" "test u/sp/d" "test u/sp/e" \
                "teardown u/sp" "teardown u"
jq_ "len({(x['host'], x['worker']) for x in r['tests'] if x['id'].startswith('u/')}) == 1" \
    "every test of the unit ran in one worker"
jq_ "r['fixture_errors'] == []"

# --- setup fails: no test of its scope runs, each is an error carrying the
#     setup's output and exit status, the teardown does not run; others run
suite broken <<'YAML'
contexts:
  - name: broken
    setup: 'echo "setup broken" >> "$W/log"; echo setup-said-this; echo setup-complained >&2; exit 4'
    teardown: echo "teardown broken" >> "$W/log"
    tests:
      - {name: t1, run: echo "test broken/t1" >> "$W/log"}
      - {name: t2, run: echo "test broken/t2" >> "$W/log"}
    contexts:
      - name: n
        tests:
          - {name: t3, run: echo "test broken/n/t3" >> "$W/log"}
  - name: fine
    setup: echo "setup fine" >> "$W/log"
    tests:
      - {name: ok, run: echo "test fine/ok" >> "$W/log"}
YAML
fanout_run -j 2 "$W/broken.yml"
expect_rc 1
outcomes broken/t1=error broken/t2=error broken/n/t3=error fine/ok=passed
expect_count 1 "setup broken"
expect_count 0 "teardown broken"
expect_count 0 "test broken/t1"
expect_count 0 "test broken/n/t3"
expect_count 1 "test fine/ok"
for id in broken/t1 broken/t2 broken/n/t3; do
    jq_ "t('$id')['message'].startswith(\"setup of context 'broken' failed: exit status 4\")" "$id message"
    jq_ "t('$id')['stdout'] == 'setup-said-this\n' and t('$id')['stderr'] == 'setup-complained\n'" \
        "$id carries the setup's output"
done
jq_ "[(f['context'], f['phase'], f['stdout']) for f in fx] == [('broken', 'setup', 'setup-said-this\\n')]" "the failed setup is also one fixture error, with its output"
expect_out "ERROR: broken/t1"
expect_out "setup-complained"

# --- a nested setup fails inside the unit: only its scope is lost; the
#     parent's later tests and its teardown still run
suite nested <<'YAML'
contexts:
  - name: p
    setup: echo "setup p" >> "$W/log"
    teardown: echo "teardown p" >> "$W/log"
    contexts:
      - name: bad
        setup: 'echo "setup p/bad" >> "$W/log"; exit 1'
        tests:
          - {name: t1, run: echo "test p/bad/t1" >> "$W/log"}
      - name: good
        tests:
          - {name: t2, run: echo "test p/good/t2" >> "$W/log"}
YAML
fanout_run -j 2 "$W/nested.yml"
expect_rc 1
outcomes p/bad/t1=error p/good/t2=passed
expect_sequence "setup p" "setup p/bad" "test p/good/t2" "teardown p"
expect_count 0 "test p/bad/t1"
jq_ "t('p/bad/t1')['message'].startswith(\"setup of context 'p/bad' failed: exit status 1\")"

# --- teardown fails: one error against the context, the tests keep theirs
suite td <<'YAML'
contexts:
  - name: td
    setup: echo "setup td" >> "$W/log"
    teardown: 'echo "teardown td" >> "$W/log"; echo teardown-trouble >&2; exit 5'
    tests:
      - {name: pass, run: "true"}
      - {name: fail, run: "false"}
      - {name: skip, run: "exit 77"}
YAML
fanout_run -j 2 "$W/td.yml"
expect_rc 1
outcomes td/pass=passed td/fail=failed td/skip=skipped
expect_count 1 "teardown td"
jq_ "len(fx) == 1 and fx[0]['context'] == 'td' and fx[0]['phase'] == 'teardown'"
jq_ "fx[0]['message'] == \"teardown of context 'td' failed: exit status 5\""
jq_ "fx[0]['stderr'] == 'teardown-trouble\n'"
jq_ "r['totals']['fixture_errors'] == 1"
expect_out "ERROR: td (teardown)"

# --- the teardown runs after a test that timed out or crashed, too
suite hostile <<'YAML'
contexts:
  - name: h
    setup: echo "setup h" >> "$W/log"
    teardown: echo "teardown h" >> "$W/log"
    tests:
      - {name: hangs, run: "exec sleep 30", timeout: 0.5}
      - {name: crashes, run: 'kill -SEGV $$'}
      - {name: after, run: echo "test h/after" >> "$W/log"}
YAML
fanout_run -j 2 "$W/hostile.yml"
expect_rc 1
outcomes h/hangs=timeout h/crashes=crashed h/after=passed
expect_sequence "setup h" "test h/after" "teardown h"
expect_count 1 "teardown h"

# --- a teardown failure alone fails the run
sed -i 's/{name: fail, run: "false"}/{name: fail, run: "true"}/' "$W/td.yml"
fanout_run -j 2 "$W/td.yml"
expect_rc 1 "only the teardown failed"
outcomes td/pass=passed td/fail=passed td/skip=skipped
jq_ "len(fx) == 1"
exit 0
