#!/bin/bash
# Agents come and go during a run: the run starts with h1 and h2; h3 joins
# late and gets work at once; h2 leaves with SIGTERM mid-run, kills its
# tests and says bye, so the broker re-leases its tasks at once (no
# liveness wait). Every test ends exactly once and passes.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker h1 h2 h3

write_suite "$T_TMP/suite.yml" 20 1
start_on broker broker "$FANOUT" broker --bind "tcp://${ADDR[broker]}:5555" --insecure \
    --min-agents 2 -v --json "$T_TMP/report.json" "$T_TMP/suite.yml"
wait_log broker "listening on"
for h in h1 h2; do
    start_on "$h" "agent-$h" "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 2 \
        --name "$h" --insecure
done
wait_log broker "2 agents joined: the run starts"
wait_out broker " \.\.\. ok " 4 30          # the first wave is done
wait_running 4 20                           # and h1, h2 are busy again

start_on h3 agent-h3 "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 2 --name h3 \
    --insecure
wait_log broker "agent h3:.* on h3 joined"
stop agent-h2 TERM
expect_rc agent-h2 0 "an agent stopped by SIGTERM ends with 0"
expect_log agent-h2 "stopped by SIGTERM"
note "h3 joined, h2 left"

finish broker 60
expect_rc broker 0
one_outcome "$T_TMP/report.json" $(suite_ids 20)
json_assert "$T_TMP/report.json" "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "$T_TMP/report.json" "hosts.get('h3', 0) >= 2" "the late agent got work"
json_assert "$T_TMP/report.json" "hosts.get('h2', 0) >= 1" "h2's finished tests are kept"
expect_log broker "agent h2:.* on h2 left: said goodbye: the agent was stopped"
expect_log broker "lease [0-9]+ \(attempt 1\) was lost with host h2 \(said goodbye"
expect_no_log broker "on h2 left: no heartbeat"
json_assert "$T_TMP/report.json" "any(x['attempt'] == 2 for x in r['tests'])" \
    "h2's interrupted tasks ran again with attempt 2"
for h in h1 h3; do
    stop "agent-$h" TERM
    expect_rc "agent-$h" 0
done
wait_no_orphans 5
note "report: $(json_get "$T_TMP/report.json" "sorted(hosts.items())")"
