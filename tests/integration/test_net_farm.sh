#!/bin/bash
# A build farm in network namespaces: one broker host and three agent hosts
# on a bridge, CurveZMQ with every agent authorised. The work spreads over
# all three hosts, every test ends with exactly one outcome, and --once
# agents leave when the run is over.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker h1 h2 h3

keys="$T_TMP/keys"
mkdir -p "$keys/authorized"
for k in broker h1 h2 h3; do
    "$FANOUT" keygen "$keys/$k" >/dev/null || fail "keygen $k"
done
cp "$keys"/h?.cert "$keys/authorized/"

write_suite "$T_TMP/suite.yml" 24 0.4
start_on broker broker "$FANOUT" broker --bind "tcp://${ADDR[broker]}:5555" --min-agents 3 \
    --wait 30 --curve-secret "$keys/broker.cert_secret" --authorized "$keys/authorized" \
    --json "$T_TMP/report.json" "$T_TMP/suite.yml"
wait_log broker "listening on tcp://${ADDR[broker]}:5555 \(CurveZMQ\)"
for h in h1 h2 h3; do
    start_on "$h" "agent-$h" "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 2 \
        --name "$h" --once --cert "$keys/$h.cert_secret" --broker-key "$keys/broker.cert"
done

finish broker 60
expect_rc broker 0 "every test passes"
one_outcome "$T_TMP/report.json" $(suite_ids 24)
json_assert "$T_TMP/report.json" "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "$T_TMP/report.json" "set(hosts) == {'h1', 'h2', 'h3'}" "work on all three hosts"
json_assert "$T_TMP/report.json" "all(x['attempt'] == 1 and 1 <= x['worker'] <= 2 for x in r['tests'])"
json_assert "$T_TMP/report.json" "r['jobs'] == 6" "the report counts 3 x 2 slots"
expect_log broker "3 agents joined: the run starts"
for h in h1 h2 h3; do
    finish "agent-$h" 20
    expect_rc "agent-$h" 0 "--once leaves after the run"
    expect_log "agent-$h" "connected to .*CurveZMQ, broker key verified"
done
wait_no_orphans 5
note "24 tests over 3 hosts: $(json_get "$T_TMP/report.json" "sorted(hosts.items())")"
