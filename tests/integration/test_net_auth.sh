#!/bin/bash
# Only authorised agents get in. With CurveZMQ on the broker: an agent whose
# key is not in --authorized gets no task and cannot submit anything (its
# handshake is refused), an agent given the wrong broker key refuses to work
# for that broker, and a plaintext agent is refused. Each says why. Then the
# unauthorised agent's certificate is copied into the directory: it joins
# the next run without being restarted (it rebuilds its socket after each
# refusal; libzmq alone would never retry).
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker good unauth wrongkey plain

keys="$T_TMP/keys"
mkdir -p "$keys/authorized"
for k in broker impostor good unauth; do
    "$FANOUT" keygen "$keys/$k" >/dev/null || fail "keygen $k"
done
cp "$keys/good.cert" "$keys/authorized/"
endpoint="tcp://${ADDR[broker]}:5555"
curve_broker () {
    start_on broker "$1" "$FANOUT" broker --bind "$endpoint" --curve-secret \
        "$keys/broker.cert_secret" --authorized "$keys/authorized" --min-agents "$2" --wait 30 \
        --json "$T_TMP/$1.json" "$T_TMP/suite.yml"
    wait_log "$1" "listening on"
}
write_suite "$T_TMP/suite.yml" 8 0.3

# --- run 1: only "good" works
curve_broker broker1 1
start_on unauth agent-unauth "$FANOUT" agent --connect "$endpoint" -j 2 --name unauth \
    --cert "$keys/unauth.cert_secret" --broker-key "$keys/broker.cert"
start_on wrongkey agent-wrongkey "$FANOUT" agent --connect "$endpoint" -j 2 --name wrongkey \
    --cert "$keys/good.cert_secret" --broker-key "$keys/impostor.cert"
start_on plain agent-plain "$FANOUT" agent --connect "$endpoint" -j 2 --name plain --insecure
wait_log agent-unauth "refused this agent's key" 15
wait_log agent-wrongkey "hung up during the CurveZMQ handshake.*wrong broker key.*refusing to work" 15
wait_log agent-plain "(requires CurveZMQ|hung up during the handshake: it may require CurveZMQ)" 15
start_on good agent-good "$FANOUT" agent --connect "$endpoint" -j 2 --name good --once \
    --cert "$keys/good.cert_secret" --broker-key "$keys/broker.cert"
finish broker1 60
expect_rc broker1 0
finish agent-good 20
expect_rc agent-good 0
one_outcome "$T_TMP/broker1.json" $(suite_ids 8)
json_assert "$T_TMP/broker1.json" "set(hosts) == {'good'}" "only the authorised agent ran tests"
json_assert "$T_TMP/broker1.json" "all(x['outcome'] == 'passed' for x in r['tests'])"
expect_log broker1 "refused an agent on .*: its key is not in the authorised directory"
expect_log broker1 "refused a peer on .*(does not decrypt|does not use CURVE)"
expect_no_log broker1 "agent .* on (unauth|wrongkey|plain) joined"
for a in unauth wrongkey plain; do
    alive "agent-$a" || fail "the refused agent $a must keep trying, not die"
    expect_no_log "agent-$a" "joined broker"
done

# --- run 2: authorise "unauth" (no restart) and require two agents
cp "$keys/unauth.cert" "$keys/authorized/"
note "authorised unauth"
curve_broker broker2 2
start_on good agent-good2 "$FANOUT" agent --connect "$endpoint" -j 2 --name good --once \
    --cert "$keys/good.cert_secret" --broker-key "$keys/broker.cert"
finish broker2 60
expect_rc broker2 0 "the newly authorised agent joined"
one_outcome "$T_TMP/broker2.json" $(suite_ids 8)
json_assert "$T_TMP/broker2.json" "set(hosts) == {'good', 'unauth'}" \
    "the agent authorised after its refusals works now"
expect_log agent-unauth "joined broker"
expect_no_log agent-wrongkey "joined broker"
expect_no_log agent-plain "joined broker"
for a in unauth wrongkey plain; do
    stop "agent-$a" TERM
    expect_rc "agent-$a" 0
done
wait_no_orphans 5
