#!/bin/bash
# Hosts fail mid-run: the agent on h1 is killed with SIGKILL, and h2's link
# is cut (its interface goes down: TCP notices nothing, only the missing
# heartbeats tell). The broker declares both lost within the liveness
# window, their leases go back to the queue with the attempt raised, and h3
# finishes them: every test ends exactly once, and passes; what h1 and h2
# finished before they were lost is kept. The agent behind
# the cut link notices the broker's silence and kills its own tests.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker h1 h2 h3

write_suite "$T_TMP/suite.yml" 21 1.5
# --insecure: plaintext TCP inside the test network (and the warning says so);
# --max-attempts 3: a task may be lost with h1 and then again with h2.
start_on broker broker "$FANOUT" broker --bind "tcp://${ADDR[broker]}:5555" --insecure \
    --min-agents 3 --wait 30 --max-attempts 3 -v --json "$T_TMP/report.json" "$T_TMP/suite.yml"
wait_log broker "listening on"
expect_log broker "warning: --insecure: plaintext TCP"
for h in h1 h2 h3; do
    start_on "$h" "agent-$h" "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 2 \
        --name "$h" --insecure
done
wait_log broker "3 agents joined"
wait_out broker " \.\.\. ok " 6 30       # the first wave has finished everywhere
wait_running 6 20                       # and every slot is busy again

stop agent-h1 KILL                      # a crashed host: no bye
note "killed the agent on h1"
cut h2
note "cut h2's link"

finish broker 60
expect_rc broker 0 "the lost tasks pass elsewhere"
one_outcome "$T_TMP/report.json" $(suite_ids 21)
json_assert "$T_TMP/report.json" "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "$T_TMP/report.json" "hosts.get('h1', 0) >= 1 and hosts.get('h2', 0) >= 1" \
    "results that h1 and h2 finished before they were lost are kept"
json_assert "$T_TMP/report.json" "hosts.get('h3', 0) >= 8" "h3 took over the lost work"
json_assert "$T_TMP/report.json" "any(x['attempt'] >= 2 and x['host'] == 'h3' for x in r['tests'])" \
    "retried tasks ran on h3 with a raised attempt"
expect_log broker "agent h1:.* on h1 left: no heartbeat"
expect_log broker "agent h2:.* on h2 left: no heartbeat"
expect_log broker "lease [0-9]+ \(attempt 1\) was lost with host h1 .*retrying"
expect_log broker "lease [0-9]+ \(attempt [12]\) was lost with host h2 .*retrying"

# Behind its cut link, h2's agent lost the broker and killed its tests.
wait_log agent-h2 "lost the broker at tcp://${ADDR[broker]}:5555 \(silent for" 15
alive agent-h2 || fail "the agent on h2 must survive a lost broker (it reconnects)"
stop agent-h3 TERM
expect_rc agent-h3 0
wait_no_orphans 10
note "report: $(json_get "$T_TMP/report.json" "sorted(hosts.items())")"
