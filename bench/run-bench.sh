#!/usr/bin/env bash
# fanout throughput benchmark: fanout run vs xargs -P vs ctest -j, same run.
#
# usage: bench/run-bench.sh [FANOUT_BINARY]
#   FANOUT   the fanout binary when no argument is given
#   N        tests in the spawn workload (default 2000)
#   JOBS     parallel slots for every tool (default 2)
#   REPEAT   timed runs per tool and workload; the median counts (default 3)
#   SPAWN_LIMIT  the fo_spawn_limit binary (default: bench/fo_spawn_limit
#            beside FANOUT_BINARY, as a build tree has it); when there is
#            one, "limit" (JOBS threads that posix_spawn and wait, the
#            machine's limit) is measured too and fanout's share of it shown,
#            and so is "capture" (fo_spawn_limit --capture: the same with
#            each process's stdout and stderr on fresh pipes read to their
#            end, the floor for a runner that keeps a test's output)
#
# Needs bash, coreutils, awk, xargs, cmake and ctest; nothing else. Only the
# ratios between tools measured in the same run mean something: see
# bench/README.md.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_fanout "${1:-}"

N=${N:-2000}
JOBS=${JOBS:-2}
REPEAT=${REPEAT:-3}
bench_counts N JOBS REPEAT
NSLEEP=$(( N / 10 ))
[ "$NSLEEP" -ge 1 ] || NSLEEP=1
SLEEP=0.01

bench_need cmake ctest xargs awk
[ -x /bin/true ] && [ -x /bin/sleep ] || die "/bin/true and /bin/sleep are needed"

bench_workdir bench

# ---------------------------------------------------------------------------
# Workloads, generated once, outside the timing.
#   true:  N tests, each one /bin/true
#   sleep: N/10 tests, each one /bin/sleep 0.01
# Every tool spawns exactly one process per test, directly (no shell).

gen_ctest () {      # count command dir: a configured CTest project in dir
    local dir=$3
    mkdir -p "$dir"
    awk -v n="$1" -v cmd="$2" 'BEGIN {
        print "cmake_minimum_required(VERSION 3.10)"
        print "project(fanout_bench NONE)"
        print "enable_testing()"
        for (i = 1; i <= n; i++)
            printf "add_test(NAME t%d COMMAND %s)\n", i, cmd
    }' > "$dir/CMakeLists.txt"
    cmake -S "$dir" -B "$dir/build" > "$dir/configure.log" 2>&1 \
        || { cat "$dir/configure.log" >&2; die "cannot configure the CTest project in $dir"; }
}

# xargs input: one line per process. `xargs -n1 PROG` then runs PROG with
# that line as its single argument: /bin/true ignores it, /bin/sleep gets
# its duration from it.
gen_list () {       # count word > list file
    awk -v n="$1" -v w="$2" 'BEGIN { for (i = 1; i <= n; i++) print (w == "" ? "t" i : w) }'
}

bench_suite "$N" > "$WORK/true.yml"
bench_suite "$NSLEEP" "[\"/bin/sleep\", \"$SLEEP\"]" > "$WORK/sleep.yml"
gen_list "$N" "" > "$WORK/true.list"
gen_list "$NSLEEP" "$SLEEP" > "$WORK/sleep.list"
gen_ctest "$N" /bin/true "$WORK/ctest-true"
gen_ctest "$NSLEEP" "/bin/sleep $SLEEP" "$WORK/ctest-sleep"

# ---------------------------------------------------------------------------
# Runners. Each prints its wall-clock seconds; a failing tool aborts.

elapsed () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b - a }'; }

# The machine's idle time so far, in clock ticks (/proc/stat's idle and
# iowait, every CPU): measured around each run, it tells how much of the
# machine a tool left unused while the tests waited for it (only on an
# otherwise quiet machine: other work fills what a tool leaves idle).
idle_ticks () { awk '/^cpu / { print $5 + $6; exit }' /proc/stat; }
TICK=$(getconf CLK_TCK)
CPUS=$(nproc)

run_xargs () {      # workload
    local prog=/bin/true t0 t1
    [ "$1" = sleep ] && prog=/bin/sleep
    t0=$(now)
    xargs -a "$WORK/$1.list" -P "$JOBS" -n 1 "$prog" > "$WORK/out" 2>&1 \
        || { cat "$WORK/out" >&2; die "xargs failed on the $1 workload"; }
    t1=$(now)
    elapsed "$t0" "$t1"
}

run_ctest () {      # workload
    local t0 t1
    t0=$(now)
    (cd "$WORK/ctest-$1/build" && ctest -j "$JOBS" -Q) > "$WORK/out" 2>&1 \
        || { cat "$WORK/out" >&2; die "ctest failed on the $1 workload"; }
    t1=$(now)
    elapsed "$t0" "$t1"
}

run_limit () {      # workload
    local t0 t1
    t0=$(now)
    if [ "$1" = sleep ]; then
        "$SPAWN_LIMIT" "$NSLEEP" "$JOBS" /bin/sleep "$SLEEP"
    else
        "$SPAWN_LIMIT" "$N" "$JOBS" /bin/true
    fi || die "fo_spawn_limit failed on the $1 workload"
    t1=$(now)
    elapsed "$t0" "$t1"
}

run_capture () {    # workload: the limit with the output captured
    local t0 t1
    t0=$(now)
    if [ "$1" = sleep ]; then
        "$SPAWN_LIMIT" --capture "$NSLEEP" "$JOBS" /bin/sleep "$SLEEP"
    else
        "$SPAWN_LIMIT" --capture "$N" "$JOBS" /bin/true
    fi || die "fo_spawn_limit --capture failed on the $1 workload"
    t1=$(now)
    elapsed "$t0" "$t1"
}

run_fanout () {     # workload
    local t0 t1
    t0=$(now)
    "$FANOUT_BIN" run -q -j "$JOBS" --history "$WORK/history.json" "$WORK/$1.yml" > "$WORK/out" 2>&1 \
        || { cat "$WORK/out" >&2; die "fanout failed on the $1 workload"; }
    t1=$(now)
    # fanout's own clock: "Ran N tests in X.XXXs (R tests/s)"
    awk '/^Ran [0-9]+ tests? in / { sub(/s$/, "", $5); print $5 }' "$WORK/out" \
        >> "$WORK/fanout-inner.$1"
    elapsed "$t0" "$t1"
}

# the middle of an even count is the mean of the two (lib.sh's: the lower)
median () { sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

SPAWN_LIMIT=${SPAWN_LIMIT:-$(dirname "$FANOUT_BIN")/bench/fo_spawn_limit}
if [ -x "$SPAWN_LIMIT" ]; then
    TOOLS="limit capture xargs ctest fanout"
else
    echo "run-bench: no fo_spawn_limit at $SPAWN_LIMIT: the machine's limit is not measured" >&2
    TOOLS="xargs ctest fanout"
fi

# Runs every tool REPEAT times on a workload, interleaved (xargs, ctest,
# fanout, xargs, ...) so that a change in the machine's speed during the
# run hits all tools alike. Leaves the times in $WORK/times.<workload>.<tool>.
measure () {        # workload
    local r tool
    local i0 i1
    for tool in $TOOLS; do : > "$WORK/times.$1.$tool"; : > "$WORK/idle.$1.$tool"; done
    : > "$WORK/fanout-inner.$1"
    for (( r = 1; r <= REPEAT; r++ )); do
        for tool in $TOOLS; do
            i0=$(idle_ticks)
            "run_$tool" "$1" >> "$WORK/times.$1.$tool"
            i1=$(idle_ticks)
            # idle share of the run: idle CPU seconds / (wall x CPUs)
            awk -v i="$((i1 - i0))" -v t="$TICK" -v c="$CPUS" -v w="$(tail -n1 "$WORK/times.$1.$tool")" \
                'BEGIN { v = w > 0 ? 100 * i / t / (w * c) : 0; printf "%.1f\n", (v > 100 ? 100 : v) }' \
                >> "$WORK/idle.$1.$tool"
        done
        printf '  %s round %d/%d:' "$1" "$r" "$REPEAT" >&2
        for tool in $TOOLS; do printf ' %s %ss' "$tool" "$(tail -n1 "$WORK/times.$1.$tool")" >&2; done
        echo >&2
    done
}

med () { median < "$WORK/times.$1.$2"; }    # workload tool

# ---------------------------------------------------------------------------

echo "fanout benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), $(nproc) cores" >&2
echo "  fanout: $FANOUT_BIN" >&2
echo "  N=$N JOBS=$JOBS REPEAT=$REPEAT (sleep workload: $NSLEEP x /bin/sleep $SLEEP)" >&2
LOAD_BEFORE=$(loadavg)
echo "  load average before: $LOAD_BEFORE" >&2

# Warm-up, not timed: page cache, ctest's cost data, the dynamic loader.
run_xargs sleep > /dev/null
run_ctest sleep > /dev/null
run_fanout sleep > /dev/null

measure true
measure sleep

report_workload () {    # workload count title
    local w=$1 n=$2 tool m
    echo
    echo "## $3"
    echo
    printf '| %-7s | %9s | %8s | %6s |\n' tool "median s" "runs/s" "idle %"
    printf '| %-7s | %9s | %8s | %6s |\n' ------- --------- -------- ------
    for tool in $TOOLS; do
        m=$(med "$w" "$tool")
        awk -v t="$tool" -v m="$m" -v n="$n" -v i="$(median < "$WORK/idle.$w.$tool")" \
            'BEGIN { printf "| %-7s | %9.3f | %8.0f | %6.1f |\n", t, m, n / m, i }'
    done
    echo
    awk -v x="$(med "$w" xargs)" -v c="$(med "$w" ctest)" -v f="$(med "$w" fanout)" \
        -v inner="$(median < "$WORK/fanout-inner.$w")" 'BEGIN {
        printf "- fanout throughput: %.0f%% of xargs\n", 100 * x / f
        printf "- fanout vs ctest: %.2fx (%s)\n", c / f, (c >= f ? "fanout faster" : "ctest faster")
        printf "- fanout wall %.3fs, of which its own \"Ran ... in\" clock %.3fs\n", f, inner
    }'
    if [[ " $TOOLS " == *" limit "* ]]; then
        awk -v l="$(med "$w" limit)" -v f="$(med "$w" fanout)" -v x="$(med "$w" xargs)" 'BEGIN {
            printf "- the limit (fo_spawn_limit): fanout takes %.2fx its time (%.0f%% of the limit; xargs %.0f%%)\n", f / l, 100 * l / f, 100 * l / x
        }'
        awk -v l="$(med "$w" limit)" -v c="$(med "$w" capture)" -v f="$(med "$w" fanout)" 'BEGIN {
            printf "- the limit with capture (fo_spawn_limit --capture): %.0f%% of the limit; fanout takes %.2fx its time (%.0f%% of it)\n", 100 * l / c, f / c, 100 * c / f
        }'
    fi
}

LOAD_AFTER=$(loadavg)
echo
echo "# fanout benchmark, $(date -u '+%Y-%m-%d'), $(nproc) cores, JOBS=$JOBS, median of $REPEAT"
echo
awk -v b="$LOAD_BEFORE" -v a="$LOAD_AFTER" -v c="$(nproc)" 'BEGIN {
    printf "load average before %s, after %s", b, a
    split(b, lb, " "); split(a, la, " ")
    if (lb[1] + 0 > c || la[1] + 0 > c)
        printf " -- above %d cores: other work shared the machine, expect noise", c
    print ""
}'
report_workload true "$N" "spawn rate: $N x /bin/true"
report_workload sleep "$NSLEEP" "parallel efficiency: $NSLEEP x /bin/sleep $SLEEP"
awk -v n="$NSLEEP" -v s="$SLEEP" -v j="$JOBS" -v x="$(med sleep xargs)" \
    -v c="$(med sleep ctest)" -v f="$(med sleep fanout)" 'BEGIN {
    ideal = n * s / j
    printf "- ideal (sleep time only, %d slots): %.3fs; efficiency xargs %.0f%%, ctest %.0f%%, fanout %.0f%%\n",
           j, ideal, 100 * ideal / x, 100 * ideal / c, 100 * ideal / f
}'
