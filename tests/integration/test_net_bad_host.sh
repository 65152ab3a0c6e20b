#!/bin/bash
# A host judged apart from its tests: in network namespaces, three agent
# hosts, one of which (bad) fails every test it runs on purpose (the test
# sees FO_BAD_HOST in its agent's environment). Each failure there is
# retried on another host and passes: flaky on bad. The summary and the
# JSON report name bad as a host whose failures stand far above the
# others'; with --quarantine-hosts the broker stops leasing to it.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker good1 good2 bad

N=60
{ echo "tests:"
  for i in $(seq -f "%02g" 1 $N); do
      echo "  - {name: t$i, run: [sh, -c, 'sleep 0.3; test -z \"\$FO_BAD_HOST\"', $MARK-t$i]}"
  done; } >"$T_TMP/suite.yml"

# run_farm NAME BROKER-OPTIONS...: a broker and three --once agents; waits
# for the broker's end.
run_farm () {
    local name=$1 h
    shift
    start_on broker "$name" "$FANOUT" broker --bind "tcp://${ADDR[broker]}:5555" --insecure \
        --min-agents 3 --wait 30 -v --json "$T_TMP/$name.json" "$@" "$T_TMP/suite.yml"
    wait_log "$name" "listening on"
    for h in good1 good2; do
        start_on "$h" "$name-agent-$h" "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" \
            -j 2 --name "$h" --insecure --once
    done
    start_on bad "$name-agent-bad" env FO_BAD_HOST=1 "$FANOUT" agent \
        --connect "tcp://${ADDR[broker]}:5555" -j 2 --name bad --insecure --once
    finish "$name" 90
    for h in good1 good2 bad; do finish "$name-agent-$h" 30; done
}

# ---- the summary names the bad host (no quarantine) --------------------------
run_farm judged --retries 1
expect_rc judged 0 "every test passes on a good host (flaky ones too)"
J="$T_TMP/judged.json"
one_outcome "$J" $(suite_ids $N)
json_assert "$J" "all(x['outcome'] == 'passed' and x['host'] != 'bad' for x in r['tests'])"
json_assert "$J" "any(x['flaky'] for x in r['tests'])" "tests that failed on bad are flaky"
json_assert "$J" "{h['host'] for h in r['hosts']} == {'good1', 'good2', 'bad'}"
json_assert "$J" "all(h['failures'] == 0 and not h['suspect'] for h in r['hosts'] if h['host'] != 'bad')"
json_assert "$J" "[(h['suspect'], h['quarantined'], h['failures'] == h['tries'] >= 3) for h in r['hosts'] if h['host'] == 'bad'] == [(True, False, True)]" \
    "bad: every try failed, suspect, not quarantined"
json_assert "$J" "sum(h['tries'] for h in r['hosts']) == $N + [h for h in r['hosts'] if h['host'] == 'bad'][0]['failures']" \
    "each test passed once on a good host, after each failure on bad"
grep -qE "^host bad looks bad: ([0-9]+) of \1 tries failed there, 0 of [0-9]+ on the other hosts$" \
    "$T_TMP/judged.out" || fail "the summary does not name bad: $(grep -i host "$T_TMP/judged.out")"
grep -qE "^flaky on bad: t[0-9]+ \(failed there, passed on good[12]\)$" "$T_TMP/judged.out" \
    || fail "the summary does not say which tests were flaky on bad"
BAD_TRIES=$(json_get "$J" "[h['tries'] for h in r['hosts'] if h['host'] == 'bad'][0]")
wait_no_orphans 10

# ---- --quarantine-hosts: no more leases to bad ------------------------------
run_farm quarantined --quarantine-hosts
expect_rc quarantined 0 "every test passes on a good host"
Q="$T_TMP/quarantined.json"
one_outcome "$Q" $(suite_ids $N)
json_assert "$Q" "all(x['outcome'] == 'passed' and x['host'] != 'bad' for x in r['tests'])" \
    "its tests were retried elsewhere (--quarantine-hosts implies --retries 1)"
json_assert "$Q" "[(h['suspect'], h['quarantined']) for h in r['hosts'] if h['host'] == 'bad'] == [(True, True)]"
json_assert "$Q" "not any(h['quarantined'] for h in r['hosts'] if h['host'] != 'bad')"
expect_log quarantined "host bad quarantined: [0-9]+ of its [0-9]+ tries failed, 0 of [0-9]+ on the other hosts; no more leases go to it"
grep -qE "^host bad looks bad: .* \(quarantined: no more leases went to it\)$" "$T_TMP/quarantined.out" \
    || fail "the summary does not say bad was quarantined"
# Quarantined once it was judged: it ran far fewer tries than its share, and
# fewer than without the quarantine.
QUAR_TRIES=$(json_get "$Q" "[h['tries'] for h in r['hosts'] if h['host'] == 'bad'][0]")
[ "$QUAR_TRIES" -lt $((N / 4)) ] || fail "bad still ran $QUAR_TRIES tries after its quarantine"
note "tries on bad: $BAD_TRIES without quarantine, $QUAR_TRIES with it"
wait_no_orphans 10
echo "PASS [$T_NAME]"
