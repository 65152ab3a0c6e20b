#!/bin/bash
# Losing agents, on loopback (no root needed). An agent stopped with SIGTERM
# kills its tests and says bye: the broker re-leases its tasks at once (no
# liveness wait) with attempt 2. An agent killed with SIGKILL is found by
# its silence; once a task has used --max-attempts leases, its tests are
# errors that name the host and the test that was running.
. "$(dirname "$0")/net_lib.sh"

# --- SIGTERM: bye, re-leased at once
write_suite "$T_TMP/suite.yml" 4 3
start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --heartbeat 1000 --liveness 30 \
    --json "$T_TMP/r1.json" "$T_TMP/suite.yml"
ep=$(endpoint_of broker)
start agent-a "$FANOUT" agent --connect "$ep" --insecure -j 2 --name a --prefetch 0
wait_running 2 20
start agent-b "$FANOUT" agent --connect "$ep" --insecure -j 2 --name b --once
wait_log broker "on b joined"
stop agent-a TERM
expect_rc agent-a 0
expect_log agent-a "stopped by SIGTERM"
# liveness is 30 s: only the bye can explain a quick re-lease
wait_log broker "agent a:.* on a left: said goodbye: the agent was stopped" 5
finish broker 40
expect_rc broker 0
one_outcome "$T_TMP/r1.json" $(suite_ids 4)
json_assert "$T_TMP/r1.json" "all(x['outcome'] == 'passed' and x['host'] == 'b' for x in r['tests'])"
json_assert "$T_TMP/r1.json" "sorted(x['attempt'] for x in r['tests']) == [1, 1, 2, 2]" \
    "the two tasks a held ran again with attempt 2"
finish agent-b 15
wait_no_orphans 5

# --- SIGKILL with --max-attempts 1: errors naming the host and the test
write_suite "$T_TMP/slow.yml" 3 30
start broker2 "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --max-attempts 1 --heartbeat 250 \
    --json "$T_TMP/r2.json" "$T_TMP/slow.yml"
ep=$(endpoint_of broker2)
start agent-c "$FANOUT" agent --connect "$ep" --insecure -j 3 --name c --prefetch 0
wait_running 3 20
stop agent-c KILL
finish broker2 40
expect_rc broker2 1 "lost tests are errors"
one_outcome "$T_TMP/r2.json" $(suite_ids 3)
json_assert "$T_TMP/r2.json" "all(x['outcome'] == 'error' for x in r['tests'])"
json_assert "$T_TMP/r2.json" "all(\"host c was lost (no heartbeat for\" in x['message'] and \"while running test '%s' (attempt 1 of 1)\" % x['id'] in x['message'] for x in r['tests'])" \
    "each error names the host and the test that was running"
json_assert "$T_TMP/r2.json" "all(x['host'] == 'c' for x in r['tests'])"
# the killed agent's tests are orphans of a dead process group leader: end
# them (the agent could not); the daemon-side kill is tested elsewhere
for p in $(pgrep -f -- "$MARK"); do kill -KILL "$p"; done
wait_no_orphans 5
