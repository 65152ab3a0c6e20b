#!/bin/bash
# The broker's loop never waits for a shared fixture's process: while a
# shared setup or teardown runs, the broker goes on reading results and
# leasing the tasks of other contexts (broker/fo_fixtures.h).
#
# No timing is measured. Each fixture here WAITS (up to 20 s, then fails
# loudly) for a file that only a test of another shared context creates,
# and that test can only be leased after the waiting fixture has started:
# its own context's setup waits for the first fixture to begin. So the run
# passes only if the broker services that other setup's end and leases the
# test while the first fixture still runs; a broker that waited for the
# fixture process (or for anything it started) would never lease it, and
# the fixture would fail after 20 s, which the checks below see.
#
# Order of one correct run (the log):
#   slow's setup begins -> quick's setup ends -> quick/maker runs ->
#   slow's setup ends -> slow/a -> slow's teardown begins ->
#   late's setup ends -> late/maker runs -> slow's teardown ends
# Run with `fanout run` (broker and agent threads in one process) and with
# `fanout broker` and a separate `fanout agent` process.
. "$(dirname "$0")/fixtures_lib.sh"

# await FILE WHO: up to 20 s for FILE, else WHO fails saying why.
cat >"$W/await" <<'SH'
#!/bin/sh
i=0
while [ $i -lt 200 ]; do
    [ -e "$1" ] && exit 0
    sleep 0.1
    i=$((i + 1))
done
echo "$2: $1 did not appear within 20 s (the broker did not lease the test that makes it)" >&2
exit 1
SH
chmod +x "$W/await"

suite loop <<'YAML'
contexts:
  # Its setup needs quick/maker to have run; its teardown late/maker.
  - name: slow
    mode: shared
    setup: >-
      echo "setup slow begins" >> "$W/log" && touch "$W/slow-setting-up" &&
      "$W/await" "$W/made-by-quick" "setup of slow" && echo "setup slow ends" >> "$W/log"
    teardown: >-
      echo "teardown slow begins" >> "$W/log" && touch "$W/slow-tearing-down" &&
      "$W/await" "$W/made-by-late" "teardown of slow" && echo "teardown slow ends" >> "$W/log"
    tests:
      - {name: a, run: echo "test slow/a" >> "$W/log"}
  # Set up only once slow's setup runs: its test is leased after that.
  - name: quick
    mode: shared
    setup: '"$W/await" "$W/slow-setting-up" "setup of quick" && echo "setup quick" >> "$W/log"'
    tests:
      - {name: maker, run: echo "test quick/maker" >> "$W/log" && touch "$W/made-by-quick"}
  # Set up only once slow's teardown runs: its test is still queued then.
  - name: late
    mode: shared
    setup: '"$W/await" "$W/slow-tearing-down" "setup of late" && echo "setup late" >> "$W/log"'
    tests:
      - {name: maker, run: echo "test late/maker" >> "$W/log" && touch "$W/made-by-late"}
YAML

# check WHAT: the report at $JSON and the log of one run.
check () {
    outcomes slow/a=passed quick/maker=passed late/maker=passed
    jq_ "fx == []" "$1: no fixture failed"
    jq_ "r['totals']['passed'] == 3 and r['exit_status'] == 0" "$1: totals"
    expect_log_lines 9
    expect_sequence "setup slow begins" "setup quick" "test quick/maker" "setup slow ends" \
                    "test slow/a" "teardown slow begins" "setup late" "test late/maker" \
                    "teardown slow ends"
}

clean () { rm -f "$W"/slow-setting-up "$W"/slow-tearing-down "$W"/made-by-*; }

# --- fanout run: the broker's thread beside the local agent's (one slot
#     is enough: the fixtures are not tasks)
for j in 2 1; do
    clean
    fanout_run -j $j "$W/loop.yml"
    expect_rc 0 "-j $j: every fixture saw the test it waited for"
    check "fanout run -j $j"
done

# --- fanout broker and a fanout agent of its own (loopback)
clean
reset_log
"$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$JSON" "$W/loop.yml" \
    >"$OUT" 2>"$ERR" &
BROKER=$!
ep=$(broker_endpoint "$ERR")
[ -n "$ep" ] || { kill -KILL "$BROKER"; fail "the broker did not say where it listens"; }
timeout -k 5 120 "$FANOUT" agent --connect "$ep" --insecure -j 2 --once \
    >"$W/agent.out" 2>"$W/agent.err" &
AGENT=$!
# The broker ends on its own once the run is complete; 120 s is a hang.
for _ in $(seq 1200); do kill -0 "$BROKER" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$BROKER" 2>/dev/null; then
    kill -KILL "$BROKER" "$AGENT"
    fail "fanout broker did not finish within 120 s"
fi
wait "$BROKER"
RC=$?
wait "$AGENT" || fail "the agent ended with status $? ($(tail -n 3 "$W/agent.err"))"
expect_rc 0 "every fixture saw the test it waited for (separate agent)"
check "fanout broker"
exit 0
