#!/bin/bash
# A lost host frees its locks (docs/resources.md), in network namespaces.
# `holder` takes the exclusive lock `db` on h1 (requires: h1) and sleeps;
# h2 joins only then, with `waiter` (requires: h2) asking for `db` too.
# The agent on h1 is killed (a crash: no bye); once the broker declares
# the lease lost, the lock is free and `waiter` runs on h2: it starts
# after the kill. `holder`'s retry needs h1, which is gone: it ends not
# run with why once --wait has passed.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker h1 h2

d="$T_TMP/marks"
mkdir -p "$d"
cat >"$T_TMP/suite.yml" <<EOS
tests:
  - name: holder
    run: [bash, -c, 'touch $d/holder; exec -a $MARK-holder sleep 60']
    locks: [db]
    requires: [h1]
  - name: waiter
    run: [bash, -c, 'date +%s%N >$d/waiter']
    locks: [db]
    requires: [h2]
EOS

start_on broker broker "$FANOUT" broker --bind "tcp://${ADDR[broker]}:5555" --insecure \
    --heartbeat 200 --liveness 3 --wait 5 --json "$T_TMP/report.json" "$T_TMP/suite.yml"
wait_log broker "listening on"
start_on h1 agent-h1 "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 2 \
    --name h1 --label h1 --insecure
for ((i = 0; i < 300; i++)); do [ -e "$d/holder" ] && break; sleep 0.1; done
[ -e "$d/holder" ] || fail "holder never started on h1"
start_on h2 agent-h2 "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 2 \
    --name h2 --label h2 --insecure --once
wait_log broker "agent .* on h2 joined"
[ -e "$d/waiter" ] && fail "waiter ran while holder held db"
killed=$(date +%s%N)
stop agent-h1 KILL
note "killed the agent on h1"

finish broker 60
expect_rc broker 3 "holder cannot be retried without h1"
one_outcome "$T_TMP/report.json" holder waiter
json_assert "$T_TMP/report.json" "tests['waiter']['outcome'] == 'passed' and tests['waiter']['host'] == 'h2'" \
    "waiter ran on h2 once db was free"
json_assert "$T_TMP/report.json" "tests['holder']['outcome'] == 'not_run' and \
tests['holder']['message'] == \"not run (no agent can take it: it requires the label 'h1' and no agent has it)\"" \
    "holder's retry has no host to go to"
[ "$(cat "$d/waiter")" -gt "$killed" ] || fail "waiter started before h1 was lost"
expect_log broker "lease [0-9]+ \(attempt 1\) was lost with host h1"
finish agent-h2 20
expect_rc agent-h2 0 "--once leaves after the run"
wait_no_orphans 10
note "the lock held on a lost host was freed: waiter ran on h2 after the loss"
