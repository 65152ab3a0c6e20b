#!/bin/bash
# The python source across hosts (issue 12): a broker in one network
# namespace and two agents in two others run nose's conformance suite
# (tests/data/python/nose) and a shared package that exports a variable
# (tests/data/python/source/exports). The same tests and outcomes as
# `nosetests --processes=2` on one host (compare_nose.py); the shared
# setup ran once, in the broker's namespace; every test of the package got
# the export on an agent, and they ran in both agents' namespaces, never
# the broker's.
#
# Needs root and `ip netns`; skips with a message otherwise. Network
# safety: traffic stays between namespaces this script creates; nothing in
# the root namespace connects to their addresses; everything is removed on
# exit.
. "$(dirname "$0")/fixtures_lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
"$PY" -c "import nose, msgpack" 2>/dev/null || skip "python3-nose or python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1

NS="py$$"
fx_netns_switch "$NS" 10.215.0 broker a1 a2
BROKER_ADDR=10.215.0.11

cp -r "$FANOUT_SRC/tests/data/python/nose" "$W/nose" || fail "cp"
cp -r "$FANOUT_SRC/tests/data/python/source/exports" "$W/exports" || fail "cp"
export CALLED_DIR="$W/called" MARK_DIR="$W/marks"
export NS_BARRIER=2     # the package's tests wait until both agents ran some
mkdir "$CALLED_DIR" "$MARK_DIR" || fail "mkdir"

# nose, on one host
(cd "$W/nose" && timeout -k 5 120 "$PY" -m nose --processes=2 -v 2>"$W/nose.txt")
grep -q "^Ran 45 tests" "$W/nose.txt" || fail "nose: $(tail -n 3 "$W/nose.txt")"
rm -f "$CALLED_DIR"/*

# fanout, on three
cd "$W" || fail "cd"
ip netns exec "${NS}broker" "$FANOUT" broker --bind "tcp://$BROKER_ADDR:5555" --min-agents 2 \
    --wait 30 --insecure --json "$JSON" --python nose --python exports >"$OUT" 2>"$ERR" &
BROKER=$!
PIDS+=("$BROKER")
for h in a1 a2; do
    ip netns exec "$NS$h" "$FANOUT" agent --connect "tcp://$BROKER_ADDR:5555" -j 2 --once --name "$h" \
        --insecure >"$W/$h.out" 2>"$W/$h.err" &
    PIDS+=("$!")
done
for _ in $(seq 1200); do kill -0 "$BROKER" 2>/dev/null || break; sleep 0.1; done
kill -0 "$BROKER" 2>/dev/null && fail "the broker did not finish within 120 s"
wait "$BROKER"
RC=$?
expect_rc 1 "the suite's failing tests"
"$PY" "$FANOUT_SRC/tests/integration/compare_nose.py" "$W/nose.txt" "$JSON" nose/ >"$W/diff" ||
    fail "fanout on three hosts differs from nose: $(cat "$W/diff")"
for m in not_shared shared; do
    [ "$(sort "$CALLED_DIR/$m.called" | tr '\n' ' ')" = "setup teardown " ] ||
        fail "$m calls: $(cat "$CALLED_DIR/$m.called")"
done
jq_ "all(t['outcome'] == 'passed' for i, t in tests.items() if i.startswith('exports/'))" \
    "every test of the shared package got its export"
[ "$(cat "$MARK_DIR/shared.calls" | tr '\n' ' ')" = "setup teardown " ] || fail "shared package calls"
broker_ns=$(ip netns exec "${NS}broker" readlink /proc/self/ns/net)
test_ns=$(cut -d' ' -f1 "$MARK_DIR/tests" | sort -u)
echo "$test_ns" | grep -qxF -- "$broker_ns" && fail "a test ran in the broker's namespace"
[ "$(echo "$test_ns" | wc -l)" -eq 2 ] || fail "the package's tests ran in $(echo "$test_ns" | wc -l) namespaces, not both agents'"
jq_ "len({t['host'] for t in r['tests']}) == 2" "tests ran on both hosts"
echo "PASS [$TEST_NAME]"
