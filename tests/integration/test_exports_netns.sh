#!/bin/bash
# Exports across hosts: a broker in one network namespace and two agents in
# two others. The shared setup starts a small HTTP server in the broker's
# namespace and exports its address and a secret token; every test, run by
# an agent in another namespace, receives both and fetches the token from
# the server. The token never appears in the broker's output or report.
#
# Needs `fanout broker` and `fanout agent` (the multi-host commands), root
# and `ip netns`; skips with a message otherwise. Network safety: traffic
# stays between namespaces this script creates; nothing in the root
# namespace connects to their addresses; everything is removed on exit.
. "$(dirname "$0")/fixtures_lib.sh"

"$FANOUT" agent --help >/dev/null 2>&1 || skip "this fanout has no 'fanout agent' command (multi-host support)"
"$FANOUT" broker --help >/dev/null 2>&1 || skip "this fanout has no 'fanout broker' command"
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "ip (iproute2) is missing"

NS="fx$$"
fx_netns_switch "$NS" 10.214.0 broker a1 a2
BROKER_ADDR=10.214.0.11
export BROKER_ADDR

mkdir -p "$W/www"
TOKEN_VALUE="netns-token-$$-$RANDOM"
export TOKEN_VALUE
printf '%s' "$TOKEN_VALUE" >"$W/www/token"

suite farm <<'YAML'
contexts:
  - name: web
    mode: shared
    setup: |
      echo "setup $(readlink /proc/self/ns/net)" >> "$W/log"
      setsid /usr/bin/python3 -m http.server --bind "$BROKER_ADDR" --directory "$W/www" 8765 \
          </dev/null >/dev/null 2>&1 &
      echo $! > "$W/server.pid"
      for i in $(seq 100); do
          /usr/bin/python3 -c "import urllib.request as u; u.urlopen('http://$BROKER_ADDR:8765/token', timeout=1)" 2>/dev/null && break
          sleep 0.1
      done
      echo "SERVER=$BROKER_ADDR:8765" >> "$FANOUT_EXPORT"
      echo "secret TOKEN=$(cat "$W/www/token")" >> "$FANOUT_EXPORT"
    teardown: 'kill "$(cat "$W/server.pid")"; echo "teardown" >> "$W/log"'
    tests:
      - name: t1
        run: &fetch |
          got=$(/usr/bin/python3 -c "import urllib.request as u; print(u.urlopen('http://$SERVER/token', timeout=10).read().decode())")
          [ -n "$TOKEN" ] && [ "$got" = "$TOKEN" ] || exit 1
          echo "test $(readlink /proc/self/ns/net)" >> "$W/log"
          sleep 0.3
      - {name: t2, run: *fetch}
      - {name: t3, run: *fetch}
      - {name: t4, run: *fetch}
YAML

INSECURE=
"$FANOUT" broker --help 2>&1 | grep -q -- --insecure && INSECURE=--insecure
MIN=
"$FANOUT" broker --help 2>&1 | grep -q -- --min-agents && MIN="--min-agents 2 --wait 30"
reset_log
# shellcheck disable=SC2086
ip netns exec "${NS}broker" "$FANOUT" broker --bind "tcp://$BROKER_ADDR:5555" $MIN $INSECURE \
    --json "$JSON" -v "$W/farm.yml" >"$OUT" 2>"$ERR" &
BROKER=$!
PIDS+=("$BROKER")
for h in a1 a2; do
    # shellcheck disable=SC2086
    ip netns exec "$NS$h" "$FANOUT" agent --connect "tcp://$BROKER_ADDR:5555" -j 1 --once $INSECURE \
        >"$W/$h.out" 2>"$W/$h.err" &
    PIDS+=("$!")
done
for _ in $(seq 900); do kill -0 "$BROKER" 2>/dev/null || break; sleep 0.1; done
kill -0 "$BROKER" 2>/dev/null && fail "the broker did not finish within 90 s"
wait "$BROKER"
RC=$?
expect_rc 0 "every test got the server's address and token on its agent"
outcomes web/t1=passed web/t2=passed web/t3=passed web/t4=passed
expect_count 1 "teardown"
broker_ns=$(sed -n 's/^setup //p' "$W/log")
[ -n "$broker_ns" ] || fail "the setup did not run"
test_ns=$(sed -n 's/^test //p' "$W/log" | sort -u)
echo "$test_ns" | grep -qxF -- "$broker_ns" && fail "a test ran in the broker's namespace"
[ "$(echo "$test_ns" | wc -l)" -ge 2 ] || fail "the tests ran in one namespace only: $test_ns"
for f in "$OUT" "$ERR" "$JSON"; do
    ! grep -qF -- "$TOKEN_VALUE" "$f" || fail "the secret token appears in $(basename "$f")"
done
exit 0
