#!/bin/bash
# A peer cannot flood the broker's log (docs/protocol.md, "Bad peers"), on
# loopback with tests/tools/fo_hostile:
#  - one agent sends 4,200 results for leases it does not hold;
#  - 100,000 hellos, each with a new agent id, over 1,000 connections (a
#    new routing id each), which then hang up.
# Each time the broker's stderr stays short, every line held back is
# counted in a "N more lines like ... suppressed" line (printed + counted =
# sent), and a real agent's run afterwards completes with every test passed.
. "$(dirname "$0")/net_lib.sh"
[ -n "${FO_HOSTILE-}" ] && [ -x "$FO_HOSTILE" ] || skip "FO_HOSTILE is not set (run through ctest)"

# count_kind NAME ERE: lines of NAME's stderr matching ERE plus the counts
# of the "N more lines like" lines whose quoted sample matches it.
count_kind () {
    "$PY" - "$T_TMP/$1.err" "$2" <<'PYEOF'
import re, sys
kind = re.compile(sys.argv[2])
more = re.compile(r'^fanout broker: \w+: (\d+) more lines? like "(.*)"( from .*)? suppressed in the last \d+ s$')
n = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    m = more.match(line)
    if m:
        if kind.search(m.group(2)):
            n += int(m.group(1))
    elif kind.search(line):
        n += 1
print(n)
PYEOF
}

# real_run NAME REPORT: a real agent runs the whole suite; the broker ends.
real_run () {
    start "$1-agent" "$FANOUT" agent --connect "$ep" --insecure -j 2 --name real --once
    finish "$1" 120
    expect_rc "$1" 0 "the run completes despite the flood"
    finish "$1-agent" 15
    expect_rc "$1-agent" 0
    one_outcome "$2" $(suite_ids 6)
    json_assert "$2" "all(x['outcome'] == 'passed' and x['host'] == 'real' for x in r['tests'])" \
        "every test passed on the real agent"
}

write_suite "$T_TMP/suite.yml" 6 0.1

# --- forged results
start results "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$T_TMP/results.json" \
    "$T_TMP/suite.yml"
ep=$(endpoint_of results)
timeout 120 "$FO_HOSTILE" flood-results "$ep" 4200 >"$T_TMP/flood-results.out" 2>&1 ||
    fail "the flood of results did not go through: $(grep FAIL "$T_TMP/flood-results.out")"
real_run results "$T_TMP/results.json"
expect_log results "discarded a result for lease 1000000: not a current lease of that agent"
expect_log results '^fanout broker: info: [0-9]+ more lines like "discarded a result for lease [0-9]+: not a current lease of that agent"( from .*)? suppressed in the last [0-9]+ s$'
n=$(count_kind results 'discarded a result for lease [0-9]+: not a current lease')
[ "$n" -eq 4200 ] || fail "4200 forged results, but $n printed or counted as suppressed"
lines=$(wc -l <"$T_TMP/results.err")
[ "$lines" -lt 60 ] || fail "4200 forged results made $lines log lines (at most 59 expected)"
note "4200 forged results: $lines log lines"

# --- hellos from invented agents on new connections
start hellos "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --heartbeat 250 --liveness 4 \
    --json "$T_TMP/hellos.json" "$T_TMP/suite.yml"
ep=$(endpoint_of hellos)
timeout 240 "$FO_HOSTILE" flood-hellos "$ep" 100000 1000 >"$T_TMP/flood-hellos.out" 2>&1 ||
    fail "the flood of hellos did not go through: $(grep FAIL "$T_TMP/flood-hellos.out")"
real_run hellos "$T_TMP/hellos.json"
expect_log hellos '^fanout broker: info: agent flood-0 on flood joined with 1 slot$'
expect_log hellos '^fanout broker: info: [0-9]+ more lines like "agent [^"]* joined with [0-9]+ slots?" from several peers suppressed in the last [0-9]+ s$'
expect_log hellos '^fanout broker: info: agent flood-0 on flood left: it said hello again$'
expect_log hellos '^fanout broker: info: [0-9]+ more lines like "agent [^"]* left: [^"]*" from several peers suppressed in the last [0-9]+ s$'
n=$(count_kind hellos 'agent (flood-[0-9]+ on flood|real[:0-9a-f]* on real) joined')
[ "$n" -eq 100001 ] || fail "100000 hellos and a real agent, but $n joins printed or counted"
# One kind is one call site: "left" counts every reason (99,000 hellos
# again on a connection, then up to 1,000 connections that went silent).
n=$(count_kind hellos 'agent flood-[0-9]+ on flood left: ')
[ "$n" -ge 99000 ] && [ "$n" -le 100000 ] ||
    fail "99000 to 100000 flood agents left, but $n lines printed or counted"
lines=$(wc -l <"$T_TMP/hellos.err")
[ "$lines" -lt 200 ] || fail "100000 hellos made $lines log lines (at most 199 expected)"
note "100000 hellos: $lines log lines"
