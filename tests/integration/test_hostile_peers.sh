#!/bin/bash
# Bad peers, on loopback (no root needed), with tests/tools/fo_hostile:
#  - against a broker: garbage, another protocol version, oversized and
#    multi-frame messages, messages before hello, hellos beyond the limits,
#    forged results, a lease taken and abandoned. The broker refuses what
#    it must (the tool checks the answers), logs the rest rate-limited, and a
#    real agent's run completes with every test passed exactly once;
#  - against an agent: a broker that sends garbage, an early lease, a
#    second welcome, an oversized frame, and at last another protocol
#    version. The agent runs only what was validly leased, comes back after
#    the oversized frame, and leaves saying why at the version change.
. "$(dirname "$0")/net_lib.sh"
[ -n "${FO_HOSTILE-}" ] && [ -x "$FO_HOSTILE" ] || skip "FO_HOSTILE is not set (run through ctest)"

# --- a hostile agent against a broker
write_suite "$T_TMP/suite.yml" 12 0.2
start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$T_TMP/report.json" \
    "$T_TMP/suite.yml"
ep=$(endpoint_of broker)
timeout 90 "$FO_HOSTILE" agent "$ep" >"$T_TMP/hostile-agent.out" 2>&1 ||
    fail "the broker did not answer the hostile agent as it must: $(grep FAIL "$T_TMP/hostile-agent.out")"
alive broker || fail "the broker died under attack"
start agent "$FANOUT" agent --connect "$ep" --insecure -j 2 --name real --once
finish broker 60
expect_rc broker 0 "the run completes despite the hostile peer"
finish agent 15
expect_rc agent 0
one_outcome "$T_TMP/report.json" $(suite_ids 12)
json_assert "$T_TMP/report.json" "all(x['outcome'] == 'passed' and x['host'] == 'real' for x in r['tests'])" \
    "no forged result got in; the abandoned lease ran again on the real agent"
json_assert "$T_TMP/report.json" "sum(x['attempt'] == 2 for x in r['tests']) == 1" \
    "the task the hostile agent abandoned ran with attempt 2"
expect_log broker "refused a peer: protocol version 99 is not supported"
expect_log broker "refused an agent: 1000000 worker slots is more than this broker accepts"
expect_log broker "dropped a bad message from a peer that has not said hello: "
expect_log broker "dropped a bad message from agent evil:3 on hostile: .*heartbeat.*extra"
expect_log broker "dropped a (request|result|done) message from a peer that is not a current agent"
expect_log broker "sent a lease message, which only a broker sends; dropped"
expect_log broker "discarded a result for 'not-a-test-of-this-lease'"
expect_log broker "left: it said hello again"
lines=$(wc -l <"$T_TMP/broker.err")
[ "$lines" -lt 80 ] || fail "the broker logged $lines lines: thousands of bad messages must be sampled"

# --- a hostile broker against an agent
start hostile-broker "$FO_HOSTILE" broker 'tcp://127.0.0.1:*'
for i in $(seq 100); do
    ep=$(sed -n 's/^listening on \(tcp:.*\)$/\1/p' "$T_TMP/hostile-broker.out")
    [ -n "$ep" ] && break
    sleep 0.1
done
[ -n "$ep" ] || fail "the hostile broker did not start"
start victim "$FANOUT" agent --connect "$ep" --insecure -j 1 --name victim
finish hostile-broker 60
expect_rc hostile-broker 0 "the agent answered the hostile broker as it must"
finish victim 30
expect_rc victim 1 "the agent leaves a broker of another protocol version"
expect_log victim "the broker at .* speaks another protocol: protocol version 99 is not supported"
expect_log victim "dropped a bad message from the broker: .*\(1 so far\)"
expect_log victim "ignored lease 7: the broker has not welcomed this agent"
expect_log victim "lost the broker: the connection to the broker at .* closed"
lines=$(wc -l <"$T_TMP/victim.err")
[ "$lines" -lt 60 ] || fail "the agent logged $lines lines: bad messages must be sampled"
wait_no_orphans 5
