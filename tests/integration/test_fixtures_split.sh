#!/bin/bash
# split contexts: one task per test, the fixtures of every enclosing split
# context around it (setups outermost first, teardowns innermost first); a
# failing setup costs only its own task's test.
. "$(dirname "$0")/fixtures_lib.sh"

suite split <<'YAML'
contexts:
  - name: o
    mode: split
    setup: echo "setup o" >> "$W/log"
    teardown: echo "teardown o" >> "$W/log"
    tests:
      - {name: t1, run: echo "test o/t1" >> "$W/log"}
      - {name: t2, run: 'echo "test o/t2" >> "$W/log"; exit 1'}
    contexts:
      - name: i
        mode: split
        setup: echo "setup o/i" >> "$W/log"
        teardown: echo "teardown o/i" >> "$W/log"
        tests:
          - {name: t3, run: echo "test o/i/t3" >> "$W/log"}
          - {name: t4, run: echo "test o/i/t4" >> "$W/log"}
      - name: unit
        setup: echo "setup o/unit" >> "$W/log"
        teardown: echo "teardown o/unit" >> "$W/log"
        tests:
          - {name: t5, run: echo "test o/unit/t5" >> "$W/log"}
          - {name: t6, run: echo "test o/unit/t6" >> "$W/log"}
YAML

# -j 1: one task at a time, so each task's lines are consecutive in the log
fanout_run -j 1 "$W/split.yml"
expect_rc 1
outcomes o/t1=passed o/t2=failed o/i/t3=passed o/i/t4=passed o/unit/t5=passed o/unit/t6=passed
expect_fixtures 5 o                 # one per task: t1, t2, t3, t4, the unit; also after the failing o/t2
expect_fixtures 2 o/i
expect_fixtures 1 o/unit            # an unmarked child is one task
expect_log_lines 22
expect_block "setup o" "test o/t1" "teardown o"
expect_block "setup o" "test o/t2" "teardown o"
expect_block "setup o" "setup o/i" "test o/i/t3" "teardown o/i" "teardown o"
expect_block "setup o" "setup o/i" "test o/i/t4" "teardown o/i" "teardown o"
expect_block "setup o" "setup o/unit" "test o/unit/t5" "test o/unit/t6" "teardown o/unit" "teardown o"

# -j 2: the same counts when tasks run side by side
fanout_run -j 2 "$W/split.yml"
expect_rc 1
expect_fixtures 5 o
expect_fixtures 2 o/i
expect_log_lines 22

# --- a setup that fails for one test only: that test is an error with the
#     setup's output; its siblings pass; the failed task's teardown does not run
suite flaky <<'YAML'
contexts:
  - name: s
    mode: split
    setup: 'echo "setup s" >> "$W/log"; if [ -e "$W/fail-next" ]; then rm "$W/fail-next"; echo no-room >&2; exit 2; fi'
    teardown: echo "teardown s" >> "$W/log"
    tests:
      - {name: first, run: echo "test s/first" >> "$W/log"}
      - {name: second, run: echo "test s/second" >> "$W/log"}
      - {name: third, run: echo "test s/third" >> "$W/log"}
YAML
touch "$W/fail-next"
fanout_run -j 1 "$W/flaky.yml"
expect_rc 1
outcomes s/first=error s/second=passed s/third=passed
expect_count 3 "setup s"
expect_count 2 "teardown s"
expect_count 0 "test s/first"
jq_ "t('s/first')['message'].startswith(\"setup of context 's' failed: exit status 2\")"
jq_ "t('s/first')['stderr'] == 'no-room\n'"
jq_ "[(f['context'], f['phase']) for f in fx] == [('s', 'setup')]" "the failed setup is also one fixture error"
exit 0
