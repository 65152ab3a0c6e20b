#!/bin/bash
# Worker slots: -j N, FANOUT_JOBS, -j overriding it, -j 0 / -j -1 meaning one
# per core; the report's jobs, host and worker fields agree.
. "$(dirname "$0")/lib.sh"

cores=$(getconf _NPROCESSORS_ONLN)
host=$(uname -n)

# --- -j 3: three tests that can only pass together run in slots 1, 2 and 3
run_fanout run -j 3 --json "$JSON" "$DATA/jobs_barrier.yml"
expect_rc 0 "-j 3 must run 3 tests at once"
check_one_outcome b1 b2 b3
json_assert "r['jobs'] == 3"
json_assert "sorted(x['worker'] for x in r['tests']) == [1, 2, 3]" "three tests at once use workers 1, 2, 3"
json_assert "all(x['host'] == '$host' for x in r['tests'])" "host is this machine"
json_assert "all(x['attempt'] == 1 for x in r['tests'])"

# --- -j 2: never more than two at once, workers 1..2
reset_work
run_fanout run -j 2 --json "$JSON" "$DATA/jobs_hold.yml"
expect_rc 0
check_events 2
json_assert "r['jobs'] == 2"
json_assert "set(x['worker'] for x in r['tests']) <= {1, 2}" "workers within 1..2"
check_one_outcome h1 h2 h3 h4 h5 h6

# --- FANOUT_JOBS=3 sets the slots ...
reset_work
FANOUT_JOBS=3 run_fanout run --json "$JSON" "$DATA/jobs_barrier.yml"
expect_rc 0 "FANOUT_JOBS=3 must run 3 tests at once"
json_assert "r['jobs'] == 3"
json_assert "set(x['worker'] for x in r['tests']) == {1, 2, 3}"

# --- ... and -j wins over it
reset_work
FANOUT_JOBS=3 run_fanout run -j 1 --json "$JSON" "$DATA/jobs_hold.yml"
expect_rc 0
check_events 1
json_assert "r['jobs'] == 1"
json_assert "all(x['worker'] == 1 for x in r['tests'])"

# --- -j 0 and -j -1: one slot per online core; so does no -j at all
for j in 0 -1 default; do
    reset_work
    if [ "$j" = default ]; then
        run_fanout run --json "$JSON" "$DATA/jobs_hold.yml"
    else
        run_fanout run -j "$j" --json "$JSON" "$DATA/jobs_hold.yml"
    fi
    expect_rc 0 "-j $j"
    json_assert "r['jobs'] == $cores" "-j $j means $cores slots (one per core)"
    json_assert "all(1 <= x['worker'] <= $cores for x in r['tests'])" "-j $j: workers within 1..$cores"
    check_events "$cores"
done

# --- FANOUT_JOBS=0 also means one per core
reset_work
FANOUT_JOBS=0 run_fanout run --json "$JSON" "$DATA/jobs_hold.yml"
expect_rc 0
json_assert "r['jobs'] == $cores"

echo "PASS [$ITEST_NAME]"
