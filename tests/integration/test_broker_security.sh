#!/bin/bash
# Keys and the plaintext rule, on loopback (no root needed): keygen writes a
# pair and never overwrites; plaintext TCP is refused without --insecure,
# loopback included (before any socket is opened), while inproc and ipc
# endpoints need nothing;
# mismatched key options are usage errors; with CurveZMQ an authorised
# agent works, an unauthorised one gets nothing and one given the wrong
# broker key refuses to work, each saying why.
. "$(dirname "$0")/net_lib.sh"

expect_cmd () {     # STATUS ERE CMD...: exit status and a stderr line
    local want=$1 re=$2 got; shift 2
    got=$(timeout 20 "$@" >"$T_TMP/cmd.out" 2>"$T_TMP/cmd.err"; echo $?)
    [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$T_TMP/cmd.err")"
    grep -qE -- "$re" "$T_TMP/cmd.err" "$T_TMP/cmd.out" || fail "'$*' did not say /$re/: $(cat "$T_TMP/cmd.err")"
}

# --- keygen
keys="$T_TMP/keys"
mkdir -p "$keys/authorized"
expect_cmd 0 "wrote .*broker.cert \(public key .{40}\)" "$FANOUT" keygen "$keys/broker"
[ "$(stat -c %a "$keys/broker.cert_secret")" = 600 ] || fail "the secret file must be mode 600"
grep -q "public-key" "$keys/broker.cert" || fail "broker.cert has no public key"
! grep -q "secret-key" "$keys/broker.cert" || fail "broker.cert must not hold the secret key"
expect_cmd 1 "already exists" "$FANOUT" keygen "$keys/broker"
expect_cmd 2 "usage: fanout keygen NAME" "$FANOUT" keygen
for k in impostor good unauth; do "$FANOUT" keygen "$keys/$k" >/dev/null || fail "keygen $k"; done
cp "$keys/good.cert" "$keys/authorized/"
write_suite "$T_TMP/suite.yml" 6 0.2

# --- plaintext beyond loopback is refused before any socket is opened. In
# case that ever breaks, these run in a network namespace of their own with
# nothing in it (unshare -n, root only), so no packet can leave.
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
    expect_cmd 2 "refusing plaintext TCP on tcp://\*:5555" unshare -n "$FANOUT" broker \
        "$T_TMP/suite.yml"
    expect_cmd 2 "refusing plaintext TCP on tcp://0.0.0.0:5555" unshare -n "$FANOUT" broker \
        --bind tcp://0.0.0.0:5555 "$T_TMP/suite.yml"
    expect_cmd 2 "refusing plaintext TCP on tcp://\*:5555" unshare -n "$FANOUT" run \
        --bind 'tcp://*:5555' "$T_TMP/suite.yml"
    expect_cmd 2 "refusing plaintext TCP on tcp://192.0.2.1:5555" unshare -n "$FANOUT" agent \
        --connect tcp://192.0.2.1:5555
    expect_cmd 2 "Give --cert FILE and --broker-key FILE" unshare -n "$FANOUT" agent \
        --connect tcp://192.0.2.1:5555
else
    note "not root: the plaintext refusals are not checked (they need an empty namespace)"
fi
# --- plaintext on loopback: any user of a shared host could connect. The
# error names the endpoint and both ways out. Nothing is bound (and were the
# check ever to break, only on loopback).
expect_cmd 2 "refusing plaintext TCP on tcp://127.0.0.1:5555: any user of this host could connect" \
    "$FANOUT" broker --bind tcp://127.0.0.1:5555 "$T_TMP/suite.yml"
expect_cmd 2 "Give --curve-secret FILE and --authorized DIR \(CurveZMQ keys, see 'fanout keygen'\), or --insecure" \
    "$FANOUT" run --bind 'tcp://127.0.0.1:*' "$T_TMP/suite.yml"
expect_cmd 2 "refusing plaintext TCP on tcp://localhost:5555" "$FANOUT" run \
    --bind tcp://localhost:5555 --json "$T_TMP/never.json" "$T_TMP/suite.yml"
[ ! -e "$T_TMP/never.json" ] || fail "a refused run must not run (it wrote a report)"
expect_cmd 2 "refusing plaintext TCP on tcp://\[::1\]:5555" "$FANOUT" broker \
    --bind 'tcp://[::1]:5555' "$T_TMP/suite.yml"
expect_cmd 2 "refusing plaintext TCP on tcp://127.0.0.1:5555: any user of this host could pose as the broker" \
    "$FANOUT" agent --connect tcp://127.0.0.1:5555 --once
expect_cmd 2 "Give --cert FILE and --broker-key FILE \(CurveZMQ keys, see 'fanout keygen'\), or --insecure" \
    "$FANOUT" agent --connect tcp://localhost:5555 --once
# --insecure: a warning, and the run goes on; ipc needs nothing.
FANOUT_LOG=info expect_cmd 0 "info: --insecure: plaintext TCP on tcp://127.0.0.1:\*; nothing is authenticated" "$FANOUT" run -q \
    --bind 'tcp://127.0.0.1:*' --insecure "$T_TMP/suite.yml"
expect_cmd 0 "6 passed" "$FANOUT" run -q --bind "ipc://$T_TMP/run.ipc" "$T_TMP/suite.yml"
! grep -q "warning" "$T_TMP/cmd.err" || fail "an ipc endpoint needs no --insecure: $(cat "$T_TMP/cmd.err")"

# --- key options that do not fit
expect_cmd 2 "--curve-secret and --authorized go together" "$FANOUT" broker --bind \
    'tcp://127.0.0.1:*' --curve-secret "$keys/broker.cert_secret" "$T_TMP/suite.yml"
expect_cmd 2 "holds no secret key" "$FANOUT" broker --bind 'tcp://127.0.0.1:*' \
    --curve-secret "$keys/authorized/good.cert" --authorized "$keys/authorized" "$T_TMP/suite.yml"
expect_cmd 2 "is not a directory" "$FANOUT" broker --bind 'tcp://127.0.0.1:*' \
    --curve-secret "$keys/broker.cert_secret" --authorized "$keys/nowhere" "$T_TMP/suite.yml"
expect_cmd 2 "--cert and --broker-key go together" "$FANOUT" agent --connect \
    tcp://127.0.0.1:1 --cert "$keys/good.cert_secret"
expect_cmd 2 "cannot read certificate" "$FANOUT" agent --connect tcp://127.0.0.1:1 \
    --cert "$keys/missing.cert_secret" --broker-key "$keys/broker.cert"
expect_cmd 2 "--connect ENDPOINT is required" "$FANOUT" agent -j 2
expect_cmd 2 "--heartbeat needs a whole number" "$FANOUT" broker --heartbeat 0 "$T_TMP/suite.yml"

# --- CurveZMQ on loopback
start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --curve-secret "$keys/broker.cert_secret" \
    --authorized "$keys/authorized" --json "$T_TMP/report.json" "$T_TMP/suite.yml"
ep=$(endpoint_of broker)
expect_log broker "\(CurveZMQ\)"
start agent-unauth "$FANOUT" agent --connect "$ep" -j 1 --name unauth \
    --cert "$keys/unauth.cert_secret" --broker-key "$keys/broker.cert"
start agent-wrong "$FANOUT" agent --connect "$ep" -j 1 --name wrong \
    --cert "$keys/good.cert_secret" --broker-key "$keys/impostor.cert"
wait_log agent-unauth "refused this agent's key" 15
wait_log agent-wrong "wrong broker key" 15
start agent-good "$FANOUT" agent --connect "$ep" -j 2 --name good --once \
    --cert "$keys/good.cert_secret" --broker-key "$keys/broker.cert"
finish broker 60
expect_rc broker 0
one_outcome "$T_TMP/report.json" $(suite_ids 6)
json_assert "$T_TMP/report.json" "set(hosts) == {'good'}" "only the authorised agent worked"
expect_log broker "refused an agent on .*its key is not in the authorised directory"
finish agent-good 15
expect_rc agent-good 0
for a in unauth wrong; do
    expect_no_log "agent-$a" "joined broker"
    stop "agent-$a" TERM
    expect_rc "agent-$a" 0
done
