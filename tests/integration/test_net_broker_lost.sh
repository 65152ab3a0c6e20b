#!/bin/bash
# The broker dies mid-run (SIGKILL): every agent notices, kills its running
# tests (their whole process groups: no test process survives on any host)
# and keeps trying to reconnect; a new broker started on the same address
# gets all three agents back and completes its own run.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker h1 h2 h3
endpoint="tcp://${ADDR[broker]}:5555"

write_suite "$T_TMP/long.yml" 9 30
start_on broker broker1 "$FANOUT" broker --bind "$endpoint" --insecure --min-agents 3 \
    "$T_TMP/long.yml"
wait_log broker1 "listening on"
for h in h1 h2 h3; do
    start_on "$h" "agent-$h" "$FANOUT" agent --connect "$endpoint" -j 2 --name "$h" --insecure
done
wait_log broker1 "3 agents joined"
wait_running 6 20
note "$(orphans) tests running; killing the broker"
stop broker1 KILL

wait_no_orphans 15
for h in h1 h2 h3; do
    alive "agent-$h" || fail "the agent on $h must survive the broker"
    wait_log "agent-$h" "lost the broker" 5
done

write_suite "$T_TMP/short.yml" 12 0.3
start_on broker broker2 "$FANOUT" broker --bind "$endpoint" --insecure --min-agents 3 --wait 30 \
    --json "$T_TMP/report.json" "$T_TMP/short.yml"
finish broker2 60
expect_rc broker2 0 "the agents came back to the new broker"
one_outcome "$T_TMP/report.json" $(suite_ids 12)
json_assert "$T_TMP/report.json" "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "$T_TMP/report.json" "set(hosts) == {'h1', 'h2', 'h3'}" "all three agents rejoined"
for h in h1 h2 h3; do
    [ "$(count_log "agent-$h" "joined broker")" -ge 2 ] || fail "$h did not join the second broker"
    stop "agent-$h" TERM
    expect_rc "agent-$h" 0
done
wait_no_orphans 5
