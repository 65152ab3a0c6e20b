#!/bin/bash
# serial contexts: their tasks never overlap with any other task, they come
# after the parallel work, and the report marks their tests serial.
. "$(dirname "$0")/lib.sh"

run_fanout run -j 3 --json "$JSON" "$DATA/serial.yml"
expect_rc 0
check_one_outcome p1 p2 p3 alone/s1 alone/s2 more/p4 more/p5 gpu/k1 gpu/k2 holder/own holder/slow/t
check_events 3

# From the event log: while serial work (ids 'ser-…') runs, nothing else
# does. A serial task may be several steps (split setup, test, teardown; or a
# whole unmarked context), so check by task: a serial step starts only when
# nothing runs, and nothing starts until it ended.
"$PY" - "$ITEST_DIR/events" <<'EOF' || fail "serial work overlapped other work (events above)"
import sys
events = [l.split() for l in open(sys.argv[1])]
running = set()
for n, (kind, name) in enumerate(events):
    if kind == "start":
        serial = name.startswith("ser-")
        if serial and running:
            sys.exit("event %d: %s started while %s ran" % (n, name, sorted(running)))
        if running and any(r.startswith("ser-") for r in running):
            sys.exit("event %d: %s started while %s ran" % (n, name, sorted(running)))
        running.add(name)
    else:
        running.discard(name)
# serial tasks come after every parallel test has ended
first_serial = min(i for i, (k, nm) in enumerate(events) if nm.startswith("ser-"))
last_parallel_end = max(i for i, (k, nm) in enumerate(events) if not nm.startswith("ser-"))
if last_parallel_end > first_serial:
    sys.exit("parallel work ended after serial work had begun")
EOF

# the split+serial context still ran its fixtures around each test
[ "$(grep -c '^start ser-gpu-setup$' "$ITEST_DIR/events")" -eq 2 ] || fail "gpu: expected 2 setups"
[ "$(grep -c '^start ser-gpu-teardown$' "$ITEST_DIR/events")" -eq 2 ] || fail "gpu: expected 2 teardowns"

json_assert "all(x['serial'] is True for x in r['tests'] if x['id'].split('/')[0] in ('alone', 'gpu', 'holder'))" \
    "tests of serial tasks are marked serial"
json_assert "all(x['serial'] is False for x in r['tests'] if x['id'].split('/')[0] not in ('alone', 'gpu', 'holder'))" \
    "parallel tests are not marked serial"

echo "PASS [$ITEST_NAME]"
