#!/bin/bash
# A lease queued behind a long test goes back and runs on another agent
# (protocol 8's `return`, docs/protocol.md, the flow's item 7), between a
# real broker and two real agents on loopback (no root needed).
#
# The suite cannot pass without it: the long test waits for every other
# test of the suite to have run. Agent "first" joins alone with one slot
# and the default prefetch of one, so the broker leases it the long test
# and one short test, queued behind it; agent "second" joins only once the
# long test runs and takes the other short tests. The queued short test
# can run only if "first" gives it back (after 1 s, the prefetch's bound):
# without that the long test times out and fails.
. "$(dirname "$0")/net_lib.sh"

SHORT=6
DONE=$T_TMP/done
mkdir "$DONE"
{
    echo "tests:"
    # Waits up to 30 s for a marker of each short test, then fails naming
    # those that never ran.
    echo "  - name: long"
    echo "    run: [bash, -c, 'touch $T_TMP/long-started; for i in \$(seq 300); do [ \$(ls $DONE | wc -l) -ge $SHORT ] && exit 0; sleep 0.1; done; echo never ran: \$(ls $DONE); exit 1']"
    for i in $(seq -f "%02g" 1 "$SHORT"); do
        echo "  - {name: s$i, run: [touch, $DONE/s$i]}"
    done
} > "$T_TMP/suite.yml"

start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --no-history \
    --json "$T_TMP/r.json" "$T_TMP/suite.yml"
ep=$(endpoint_of broker)
FANOUT_LOG=info start agent-first "$FANOUT" agent --connect "$ep" --insecure -j 1 --name first --once
for ((i = 0; i < 300; i++)); do
    [ -e "$T_TMP/long-started" ] && break
    alive broker || break
    sleep 0.1
done
[ -e "$T_TMP/long-started" ] || fail "the long test never started"
start agent-second "$FANOUT" agent --connect "$ep" --insecure -j 1 --name second --once
finish broker 60
for a in first second; do finish "agent-$a" 15; expect_rc "agent-$a" 0; done
expect_rc broker 0 "the long test passes only once every short test ran"
one_outcome "$T_TMP/r.json" long $(seq -f "s%02g" 1 "$SHORT")
json_assert "$T_TMP/r.json" "all(x['outcome'] == 'passed' for x in r['tests'])" "every test passed"
json_assert "$T_TMP/r.json" "tests['long']['host'] == 'first'" "the long test ran on the first agent"
json_assert "$T_TMP/r.json" "hosts == {'first': 1, 'second': $SHORT}" \
    "every short test ran on the second agent, the returned one among them"
expect_log agent-first "returned 1 queued lease to the broker: no slot took a lease for [0-9]+ ms"
expect_no_log broker "warning|error"
note "ok: the lease queued behind the long test went back and ran on the other agent"
