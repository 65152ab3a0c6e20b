#!/bin/bash
# serial contexts (nose's _multiprocess_ = False, which nose skipped): their
# tasks run, each with no other task running anywhere, after the parallel
# work; the report marks them serial.
. "$(dirname "$0")/fixtures_lib.sh"

# Every test logs "start ID" and "end ID" around a short sleep; the checks
# below replay the log to see what overlapped.
T='echo "start $ID" >> "$W/log"; sleep 0.3; echo "end $ID" >> "$W/log"'
suite serial <<YAML
contexts:
  - name: par
    tests:
      - {name: p1, env: {ID: par/p1}, run: '$T'}
      - {name: p2, env: {ID: par/p2}, run: '$T'}
      - {name: p3, env: {ID: par/p3}, run: '$T'}
      - {name: p4, env: {ID: par/p4}, run: '$T'}
  - name: ser
    mode: serial
    tests:
      - {name: s1, env: {ID: ser/s1}, run: '$T'}
      - {name: s2, env: {ID: ser/s2}, run: '$T'}
  - name: sersplit
    mode: [split, serial]
    setup: echo "setup sersplit" >> "\$W/log"
    teardown: echo "teardown sersplit" >> "\$W/log"
    tests:
      - {name: s3, env: {ID: sersplit/s3}, run: '$T'}
      - {name: s4, env: {ID: sersplit/s4}, run: '$T'}
  - name: sershared
    mode: [shared, serial]
    setup: echo "setup sershared" >> "\$W/log"
    teardown: echo "teardown sershared" >> "\$W/log"
    tests:
      - {name: s5, env: {ID: sershared/s5}, run: '$T'}
  - name: unit
    setup: echo "setup unit" >> "\$W/log"
    tests:
      - {name: u1, env: {ID: unit/u1}, run: '$T'}
    contexts:
      - name: deep
        mode: serial
        tests:
          - {name: u2, env: {ID: unit/deep/u2}, run: '$T'}
  - name: par2
    tests:
      - {name: p5, env: {ID: par2/p5}, run: '$T'}
      - {name: p6, env: {ID: par2/p6}, run: '$T'}
YAML

SERIAL="ser/s1 ser/s2 sersplit/s3 sersplit/s4 sershared/s5 unit/u1 unit/deep/u2"
PARALLEL="par/p1 par/p2 par/p3 par/p4 par2/p5 par2/p6"

check_serial () {
    "$PY" - "$W/log" $SERIAL <<'PYEOF' || fail "serial tasks overlapped with others"
import sys
serial = set(sys.argv[2:])
running = set()
started = set()
seen_serial = False
for line in open(sys.argv[1]).read().splitlines():
    what, _, who = line.partition(" ")
    if what == "start":
        # tests of one task run one after the other, so a serial test must
        # find nothing running, and nothing may start beside it
        if who in serial and running:
            sys.exit("%s started while %s ran" % (who, sorted(running)))
        if running & serial:
            sys.exit("%s started while serial %s ran" % (who, sorted(running & serial)))
        if who not in serial and seen_serial:
            sys.exit("parallel %s started after the serial work began" % who)
        seen_serial = seen_serial or who in serial
        running.add(who)
        started.add(who)
    elif what == "end":
        running.discard(who)
if started != serial | {"par/p1", "par/p2", "par/p3", "par/p4", "par2/p5", "par2/p6"}:
    sys.exit("not every test ran: %s" % sorted(started))
PYEOF
}

for j in 3 1; do
    fanout_run -j $j -v "$W/serial.yml"
    expect_rc 0
    check_serial
    expect_count 2 "setup sersplit"
    expect_count 2 "teardown sersplit"
    expect_count 1 "setup sershared"
    expect_count 1 "teardown sershared"
    expect_count 1 "setup unit"
    for id in $SERIAL; do
        jq_ "t('$id')['serial'] is True" "$id is marked serial"
        expect_out "$id ... ok"
        grep -qE "^$id \.\.\. ok \([0-9.]+s, serial\)$" "$OUT" || fail "-v does not say $id ran serially"
    done
    for id in $PARALLEL; do
        jq_ "t('$id')['serial'] is False" "$id is not serial"
    done
    jq_ "t('unit/u1')['worker'] == t('unit/deep/u2')['worker']" "the unit stays one task"
done
exit 0
