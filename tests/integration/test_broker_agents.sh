#!/bin/bash
# fanout broker and fanout agent on loopback (no root needed): agents with
# --once spread a run and leave; fanout run --bind takes a remote agent
# beside its own; a broker whose agents never come, or all vanish, ends
# every test it could not run as not_run with exit status 3.
. "$(dirname "$0")/net_lib.sh"

# --- a broker and two --once agents
write_suite "$T_TMP/suite.yml" 10 0.3
start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --min-agents 2 \
    --json "$T_TMP/r1.json" "$T_TMP/suite.yml"
ep=$(endpoint_of broker)
for a in one two; do
    start "agent-$a" "$FANOUT" agent --connect "$ep" --insecure -j 2 --name "$a" --once
done
finish broker 60
expect_rc broker 0
one_outcome "$T_TMP/r1.json" $(suite_ids 10)
json_assert "$T_TMP/r1.json" "set(hosts) == {'one', 'two'}" "both agents worked"
# the summary's per-host totals: each host's tests as the report counts
# them, in the order of their names
"$PY" - "$T_TMP/broker.out" "$T_TMP/r1.json" <<'PY' || fail "the summary's HOSTS section does not match the report"
import json, re, sys
out = open(sys.argv[1]).read()
r = json.load(open(sys.argv[2]))
want = {}
for t in r["tests"]:
    want[t["host"]] = want.get(t["host"], 0) + 1
sec = out.split("\nHOSTS\n", 1)[1].split("-" * 70, 1)[0]
got = re.findall(r"^  (\S+): (\d+) tests?, [0-9.hms]+ busy, 0 failures, 0 crashes, 0 lost leases$", sec, re.M)
if [h for h, _ in got] != sorted(want) or {h: int(n) for h, n in got} != want:
    sys.exit("HOSTS says %r, the report %r" % (got, want))
PY
for a in one two; do finish "agent-$a" 15; expect_rc "agent-$a" 0; done
expect_no_log broker "warning"

# --- fanout run --bind: its own agent plus a remote one
FANOUT_LOG=info start run "$FANOUT" run -j 1 --bind 'tcp://127.0.0.1:*' --insecure \
    --json "$T_TMP/r2.json" "$T_TMP/suite.yml"
ep=$(endpoint_of run)
start agent-remote "$FANOUT" agent --connect "$ep" --insecure -j 2 --name remote --once
finish run 60
expect_rc run 0
finish agent-remote 15
expect_rc agent-remote 0
one_outcome "$T_TMP/r2.json" $(suite_ids 10)
json_assert "$T_TMP/r2.json" "'remote' in hosts and len(hosts) == 2" \
    "the remote agent and run's own agent both worked"

# --- no agent comes: every test is not run, exit 3, and the reason is said
start lonely "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --wait 2 --json "$T_TMP/r3.json" \
    "$T_TMP/suite.yml"
finish lonely 30
expect_rc lonely 3 "nothing could run"
one_outcome "$T_TMP/r3.json" $(suite_ids 10)
json_assert "$T_TMP/r3.json" "all(x['outcome'] == 'not_run' and 'no agent joined within 2 s' in x['message'] for x in r['tests'])"
json_assert "$T_TMP/r3.json" "r['exit_status'] == 3"
expect_log lonely "error: no agent joined within 2 s: no test can run"

# --- fewer than --min-agents: the run starts with those that came
start few "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --min-agents 3 --wait 2 \
    --json "$T_TMP/r4.json" "$T_TMP/suite.yml"
ep=$(endpoint_of few)
start agent-few "$FANOUT" agent --connect "$ep" --insecure -j 3 --name few --once
finish few 30
expect_rc few 0
expect_log few "only 1 of 3 agents joined within 2 s: the run starts with them"
json_assert "$T_TMP/r4.json" "set(hosts) == {'few'}"

# --- every agent vanishes mid-run and none comes back: the rest is not run
write_suite "$T_TMP/slow.yml" 6 1
start vanish "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --wait 2 --heartbeat 250 -v \
    --json "$T_TMP/r5.json" "$T_TMP/slow.yml"
ep=$(endpoint_of vanish)
start agent-gone "$FANOUT" agent --connect "$ep" --insecure -j 2 --name gone
wait_out vanish " \.\.\. ok " 2 30
stop agent-gone KILL
finish vanish 30
expect_rc vanish 3
one_outcome "$T_TMP/r5.json" $(suite_ids 6)
json_assert "$T_TMP/r5.json" "sum(x['outcome'] == 'passed' for x in r['tests']) >= 2" \
    "what finished before is kept"
json_assert "$T_TMP/r5.json" "all(x['outcome'] in ('passed', 'not_run') for x in r['tests'])"
json_assert "$T_TMP/r5.json" "all('every agent was lost and none joined within 2 s' in x['message'] for x in r['tests'] if x['outcome'] == 'not_run')"
expect_log vanish "no agent is left; the run goes on when one joins"

# --- ... unless one joins in time: then the run completes
start back "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --wait 30 --heartbeat 250 -v \
    --json "$T_TMP/r6.json" "$T_TMP/slow.yml"
ep=$(endpoint_of back)
start agent-first "$FANOUT" agent --connect "$ep" --insecure -j 2 --name first
wait_out back " \.\.\. ok " 2 30
stop agent-first KILL
wait_log back "no agent is left" 15
start agent-second "$FANOUT" agent --connect "$ep" --insecure -j 2 --name second --once
finish back 30
expect_rc back 0
one_outcome "$T_TMP/r6.json" $(suite_ids 6)
json_assert "$T_TMP/r6.json" "'second' in hosts and all(x['outcome'] == 'passed' for x in r['tests'])"
wait_no_orphans 10
