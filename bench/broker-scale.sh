#!/usr/bin/env bash
# Broker at scale: `fanout broker` against fo_loadgen's fake agents.
#
# usage: bench/broker-scale.sh BUILD_DIR
#   BUILD_DIR  a build of this tree: BUILD_DIR/fanout and BUILD_DIR/bench/fo_loadgen
#   AGENTS     agent counts (default "16 128 512 2000")
#   TESTS      suite sizes (default "200000 300000": a suite file holds at
#              most 2,000,000 YAML nodes, about 330,000 tests of this shape,
#              docs/suite-file.md)
#   SLOTS      slots per agent (default 4)
#   DELAY_US   each lease answered after this long in a slot (default 0: at once)
#   PREFETCH   leases each fake agent asks beyond its slots (default: fo_loadgen's,
#              which is fanout agent's default)
#   FRAMES=1   fo_loadgen --frames: frames per agent by phase and leases (dones)
#              per frame, on stderr for each run
#   QUICK=1    AGENTS="2 8" TESTS=300: the test suite's check that this still works
#
# For each suite size and agent count: a suite of TESTS tests (`run:
# ["/bin/true"]`, nothing is run), the broker bound to a loopback port
# (--insecure) waiting for every agent (--min-agents), then fo_loadgen with
# that many agents. Prints a markdown table on stdout (progress on stderr):
# tests/s from the first lease to the broker's shutdown, the broker's CPU
# per test over that time (all its threads, from /proc), its peak RSS
# (VmHWM, which includes loading and planning the suite) and that per test,
# the time from start to listening (loading and planning), and from the
# shutdown to the broker's exit (the report), and the frames both ways
# from the first lease to the first shutdown, the time the broker's CPU is
# measured over (fo_loadgen's count, a batch one frame; not the hellos,
# welcomes and idle heartbeats before the run) per test with the broker's
# CPU per frame over that time: what a message costs, which should not grow
# with the agents (fewer tests a frame is what makes a test dearer then).
# Fails when a run does not
# end with every test passed.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_build "${1:-}" bench/fo_loadgen
LOADGEN=$BUILD/bench/fo_loadgen

if [ "${QUICK:-0}" = 1 ]; then
    AGENTS=${AGENTS:-"2 8"}
    TESTS=${TESTS:-300}
fi
AGENTS=${AGENTS:-"16 128 512 2000"}
TESTS=${TESTS:-"200000 300000"}
SLOTS=${SLOTS:-4}
DELAY_US=${DELAY_US:-0}
PREFETCH_ARG=()
[ -z "${PREFETCH:-}" ] || PREFETCH_ARG=(--prefetch "$PREFETCH")
[ "${FRAMES:-0}" != 1 ] || PREFETCH_ARG+=(--frames)

bench_workdir scale

# one run: tests agents -> a table row
run_one () {
    local n=$1 a=$2 t0 t1 t2 t3 ep line rc=0
    : > "$WORK/berr"
    t0=$(now)
    "$FANOUT_BIN" broker --bind 'tcp://127.0.0.1:*' --insecure --min-agents "$a" --wait 300 \
        -q --no-history "$WORK/suite.$n.yml" > "$WORK/bout" 2> "$WORK/berr" &
    BROKER_PID=$!
    ep=$(bench_listen "$WORK/berr" "$BROKER_PID" 600) || exit
    t1=$(now)
    line=$("$LOADGEN" --connect "$ep" --agents "$a" --slots "$SLOTS" --delay-us "$DELAY_US" "${PREFETCH_ARG[@]}" \
                      --broker-pid "$BROKER_PID" --timeout 1800) || rc=$?
    t2=$(now)
    wait "$BROKER_PID" || rc=$?
    t3=$(now)
    BROKER_PID=
    [ "$rc" = 0 ] || { echo "$line" >&2; tail -n 20 "$WORK/berr" >&2; die "run of $n tests with $a agents failed ($rc)"; }
    grep -qx "$n passed, 0 failed, 0 errors, 0 skipped" "$WORK/bout" \
        || { tail -n 5 "$WORK/bout" >&2; die "not every one of $n tests passed"; }
    echo "  $n tests, $a agents: $line" >&2
    # key=value -> row
    awk -v line="$line" -v n="$n" -v load="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
        -v tail_s="$(awk -v a="$t2" -v b="$t3" 'BEGIN{print b-a}')" 'BEGIN {
        k = split(line, kv, " ")
        for (i = 1; i <= k; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
        # the frames of the time the broker CPU is measured over
        frames = ("run_frames_in" in v) ? v["run_frames_in"] + v["run_frames_out"] \
                                        : v["frames_in"] + v["frames_out"]
        printf "| %7d | %6d | %5d | %9.0f | %8.2f | %8.1f | %9.0f | %7.2f | %7.2f | %8.2f | %7.3f | %7.1f |\n",
               n, v["agents"], v["slots"], v["tests_per_s"], v["broker_cpu_us_per_test"],
               v["broker_peak_rss_kb"] / 1024, v["broker_peak_rss_kb"] * 1024 / n,
               load, tail_s, v["loadgen_cpu_us_per_test"], frames / n,
               frames ? v["broker_cpu_us_per_test"] * n / frames : 0
    }'
}

bench_banner "broker scale"
echo "| tests | agents | slots | tests/s | broker µs/test | peak RSS MiB | peak B/test | load+plan s | end s | loadgen µs/test | frames/test | broker µs/frame |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $TESTS; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "TESTS: '$n' is not a count"
    bench_suite "$n" > "$WORK/suite.$n.yml"
    for a in $AGENTS; do
        [[ $a =~ ^[1-9][0-9]*$ ]] || die "AGENTS: '$a' is not a count"
        run_one "$n" "$a"
    done
    rm -f "$WORK/suite.$n.yml"
done
echo "load average after: $(loadavg)" >&2
