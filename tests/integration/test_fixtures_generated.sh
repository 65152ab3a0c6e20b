#!/bin/bash
# Generated tests (nose's generators): with `discover_on: agent` a context's
# discover command runs on an agent during the run; the names it prints
# become tests planned by the same rules (split, shared, unmarked, serial)
# and the totals grow. Failures of the discovery are fixture errors.
. "$(dirname "$0")/fixtures_lib.sh"

# --- every mode, and the discovery runs during the run: 'late' lists its
#     tests only once the file test early/first has run, which a discovery
#     before planning could never see
suite gen <<'YAML'
contexts:
  - name: early
    tests:
      - {name: first, run: touch "$W/first-ran"}
  - name: late
    discover: 'for i in $(seq 600); do [ -e "$W/first-ran" ] && break; sleep 0.1; done; [ -e "$W/first-ran" ] && printf "a\nb\n"'
    discover_on: agent
    run: [sh, -c, 'echo "test late/$0" >> "$W/log"', '{name}']
  - name: sh
    mode: shared
    setup: echo "setup sh" >> "$W/log"
    teardown: echo "teardown sh" >> "$W/log"
    discover: printf 'x\ny\nz\n'
    discover_on: agent
    run: [sh, -c, 'grep -qx "setup sh" "$W/log" && echo "test sh/$0" >> "$W/log"', '{name}']
  - name: sp
    mode: split
    setup: echo "setup sp" >> "$W/log"
    teardown: echo "teardown sp" >> "$W/log"
    discover: printf 's1\n  s2  \n\n'
    discover_on: agent
    run: [sh, -c, 'echo "test sp/$0" >> "$W/log"', '{name}']
  - name: unit
    setup: echo "setup unit" >> "$W/log"
    teardown: echo "teardown unit" >> "$W/log"
    tests:
      - {name: filed, run: echo "test unit/filed" >> "$W/log"}
    contexts:
      - name: gen
        discover: printf 'g1\ng2\n'
        discover_on: agent
        run: [sh, -c, 'echo "test unit/gen/$0" >> "$W/log"', '{name}']
  - name: ser
    mode: serial
    discover: echo only
    discover_on: agent
    run: 'echo "test ser/"{name} >> "$W/log"'
  - name: none
    mode: shared
    setup: echo "setup none" >> "$W/log"
    discover: "true"
    discover_on: agent
    run: 'false {name}'
YAML
fanout_run -j 2 -v "$W/gen.yml"
expect_rc 0
outcomes early/first=passed late/a=passed late/b=passed sh/x=passed sh/y=passed sh/z=passed \
         sp/s1=passed sp/s2=passed unit/filed=passed unit/gen/g1=passed unit/gen/g2=passed \
         ser/only=passed
jq_ "r['totals']['tests'] == 12 and r['totals']['passed'] == 12"
expect_out "late: discovered 2 tests on "
expect_out "none: discovered 0 tests on "
grep -qE '^Ran 12 tests in ' "$OUT" || fail "the summary does not count the generated tests"
expect_count 1 "setup sh"
expect_count 1 "teardown sh"
for t in x y z; do expect_before "test sh/$t" "teardown sh"; done
expect_count 2 "setup sp"
expect_count 2 "teardown sp"
expect_sequence "setup sp" "test sp/s1" "teardown sp"
expect_sequence "setup sp" "test sp/s2" "teardown sp"
expect_count 1 "setup unit"
expect_sequence "setup unit" "test unit/filed" "test unit/gen/g1" "test unit/gen/g2" "teardown unit"
jq_ "len({t(i)['worker'] for i in ('unit/filed', 'unit/gen/g1', 'unit/gen/g2')}) == 1" \
    "the generated tests of a unit run in the unit's task"
jq_ "t('ser/only')['serial'] and not t('late/a')['serial']"
expect_count 0 "setup none"     # it found nothing: nothing to set up

# --- a discovery that fails, or prints a bad or duplicate name, is a
#     fixture error of phase 'discover'; everything else runs
suite bad <<'YAML'
contexts:
  - name: crash
    discover: 'echo half-a-name; echo "no such binary" >&2; exit 2'
    discover_on: agent
    run: 'true {name}'
  - name: ctrl
    discover: printf 'ok\nx\001y\n'
    discover_on: agent
    run: 'true {name}'
  - name: dup
    tests:
      - {name: same, run: "true"}
    discover: printf 'other\nsame\n'
    discover_on: agent
    run: 'true {name}'
  - name: twice
    discover: printf 'a\nb\na\n'
    discover_on: agent
    run: 'true {name}'
  - name: flood
    discover: 'head -c 9000000 /dev/zero | tr "\\0" a | fold -w 99'
    discover_on: agent
    run: 'true {name}'
  - name: unit
    setup: "true"
    tests:
      - {name: still-runs, run: "true"}
    contexts:
      - name: broken
        discover: exit 1
        discover_on: agent
        run: 'true {name}'
YAML
fanout_run -j 2 "$W/bad.yml"
expect_rc 1
outcomes dup/same=passed unit/still-runs=passed
jq_ "len(fx) == 6 and all(f['phase'] == 'discover' for f in fx)"
H=$(hostname)
fxmsg () { jq_ "[f['message'] for f in fx if f['context'] == '$1'] == [\"$2\"]" "fixture error of $1"; }
fxmsg crash "discover command of context 'crash' failed on $H: exit status 2"
jq_ "[f['stderr'] for f in fx if f['context'] == 'crash'] == ['no such binary\n']"
fxmsg ctrl "discover command of context 'ctrl' failed on $H: discover output line 2: test name 'x\\\\x01y' must not contain the control character U+0001 (byte 2)"
fxmsg dup "discover command of context 'dup' failed on $H: name 2: duplicate test id 'dup/same' (already in the suite)"
fxmsg twice "discover command of context 'twice' failed on $H: name 3: duplicate test id 'twice/a' (printed twice)"
fxmsg flood "discover command of context 'flood' failed on $H: printed more than 8 MiB of names"
fxmsg unit/broken "discover command of context 'unit/broken' failed on $H: exit status 1"
expect_out "ERROR: crash (discover)"

# --- interrupted while a discovery runs: every test still has an outcome,
#     the unit waiting for it ends not run
suite slow <<'YAML'
contexts:
  - name: unit
    setup: echo "setup unit" >> "$W/log"
    tests:
      - {name: filed, run: "true"}
    contexts:
      - name: gen
        discover: 'touch "$W/listing"; sleep 60; echo never'
        discover_on: agent
        run: 'true {name}'
YAML
rm -f "$W/listing"
fanout_start -j 2 "$W/slow.yml"
wait_for "$W/listing"
kill -INT "$PID"
fanout_wait
expect_rc 130
outcomes unit/filed=not_run
expect_count 0 "setup unit"
jq_ "fx == []" "a discovery stopped by the interrupt is not a failure"
exit 0
