#!/usr/bin/env bash
# Loading at scale: how long `fanout broker` takes to load and plan a
# suite of N tests, the memory that costs, and how long ending the run
# takes when nothing was run (issue 15: < 2 s and <= 512 B/test at 1M
# tests, ending < 0.5 s).
#
# usage: bench/load-bench.sh BUILD_DIR
#   BUILD_DIR  a build of this tree: BUILD_DIR/fanout
#   TESTS      suite sizes (default "10000 100000 1000000")
#   QUICK=1    TESTS="300 3000": the test suite's check that this still works
#
# For each N: a suite file of N tests (`- name: tN` / `run: ["/bin/true"]`,
# generated outside the timing), then `fanout broker` on a loopback port
# waiting for an agent that never comes. Measured from outside:
#   load+plan s  start to "listening on" (reading, parsing, planning);
#   CPU s        the broker's utime+stime then (/proc/PID/stat): on a busy
#                machine the wall time waits for a core, this does not;
#   peak B/test  the broker's VmHWM then (/proc/PID/status) / N: the peak
#                of loading and planning, the process's fixed cost
#                included (about 8 MiB: noise at 10k, nothing at 1M);
#   settled B/test  VmHWM / N once the run's own records exist too (the
#                broker makes them just after "listening on": its task
#                records, the scheduler's queue): read when neither VmHWM
#                nor the CPU time moved for 0.3 s (at most 10 s);
#   end s        SIGTERM to exit: the run stops with every test not run,
#                and the report sums them up (-q: no line per test).
# Prints a markdown table on stdout, progress on stderr.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_build "${1:-}"

if [ "${QUICK:-0}" = 1 ]; then
    TESTS=${TESTS:-"300 3000"}
fi
TESTS=${TESTS:-"10000 100000 1000000"}

bench_workdir load

# one suite size -> a table row
run_one () {
    local n=$1 t0 t1 t2 t3 hwm cpu rc=0
    : > "$WORK/berr"
    t0=$(now)
    "$FANOUT_BIN" broker --bind 'tcp://127.0.0.1:*' --insecure --min-agents 1 --wait 600 \
        -q --no-history "$WORK/suite.$n.yml" > "$WORK/bout" 2> "$WORK/berr" &
    BROKER_PID=$!
    bench_listen "$WORK/berr" "$BROKER_PID" 600 > /dev/null
    t1=$(now)
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$BROKER_PID/status")
    # fields 14 and 15 of stat, after the command's ")" (which may hold spaces)
    cpu=$(sed 's/.*) //' "/proc/$BROKER_PID/stat" \
          | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }')
    # the run's records: made once listening, then nothing moves
    local settled=$hwm prev_cpu="" cur_cpu tries=0
    while [ "$tries" -lt 33 ]; do
        sleep 0.3
        cur_cpu=$(sed 's/.*) //' "/proc/$BROKER_PID/stat" | awk '{ print $12 + $13 }')
        local now_hwm
        now_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$BROKER_PID/status")
        [ "$now_hwm" = "$settled" ] && [ "$cur_cpu" = "$prev_cpu" ] && break
        settled=$now_hwm
        prev_cpu=$cur_cpu
        tries=$((tries + 1))
    done
    t2=$(now)
    kill -TERM "$BROKER_PID"
    wait "$BROKER_PID" || rc=$?
    t3=$(now)
    BROKER_PID=
    # a stopped run exits non-zero (tests not run); it must still have
    # reported every one of them
    grep -q "$n not run" "$WORK/bout" "$WORK/berr" \
        || { tail -n 5 "$WORK/bout" "$WORK/berr" >&2; die "the run of $n tests (exit $rc) did not report $n not run"; }
    echo "  $n tests: load+plan $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}') s," \
         "CPU $cpu s, VmHWM $hwm kB ($settled settled), end $(awk -v a="$t2" -v b="$t3" 'BEGIN{printf "%.3f", b-a}') s (exit $rc)" >&2
    awk -v n="$n" -v hwm="$hwm" -v settled="$settled" -v cpu="$cpu" -v load="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
        -v fsize="$(stat -c %s "$WORK/suite.$n.yml")" \
        -v end_s="$(awk -v a="$t2" -v b="$t3" 'BEGIN{print b-a}')" 'BEGIN {
        printf "| %7d | %8.1f | %7.3f | %5.2f | %8.1f | %9.0f | %9.0f | %7.3f |\n",
               n, fsize / 1048576, load, cpu, hwm / 1024, hwm * 1024 / n, settled * 1024 / n, end_s
    }'
}

bench_banner "load bench"
echo "| tests | file MiB | load+plan s | CPU s | peak RSS MiB | peak B/test | settled B/test | end s |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $TESTS; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "TESTS: '$n' is not a count"
    bench_suite "$n" > "$WORK/suite.$n.yml"
    run_one "$n"
    rm -f "$WORK/suite.$n.yml"
done
echo "load average after: $(loadavg)" >&2
