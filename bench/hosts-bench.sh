#!/usr/bin/env bash
# Across hosts: one broker and 1, 2 and 4 agent hosts, each in a network
# namespace of its own, on a sleep-based (IO-bound) suite. Prints each
# host count's makespan, its speed-up against one host and its share of the
# ideal (speed-up / hosts). Issue 15's bar: >= 0.9 x ideal at 4 hosts.
#
# usage: bench/hosts-bench.sh [FANOUT_BINARY]
#   FANOUT   the fanout binary when no argument is given
#   HOSTS    agent host counts (default "1 2 4"; the first is the baseline)
#   TESTS    tests in the suite (default 48), each `/bin/sleep SLEEP`
#   SLEEP    seconds each test sleeps (default 0.25)
#   JOBS     slots per agent (default 2)
#   REPEAT   runs per host count, interleaved; the median counts (default 1)
#   QUICK=1  HOSTS="1 2" TESTS=8 SLEEP=0.1: the test suite's check that
#            this still works
#
# Needs root, ip (iproute2) and bridges inside namespaces; without them it
# prints why on stderr and exits 77 (skipped).
#
# NETWORK SAFETY (as tests/integration/net_lib.sh): a switch namespace
# holds a bridge, every host namespace a veth into it, with addresses in
# 10.214.0.0/24 that exist only inside those namespaces. Nothing is added
# to the root namespace, every process runs under `ip netns exec`, nothing
# in the root namespace connects to a namespace's address, and every
# namespace (and whatever runs in it) is removed on exit, whatever the
# outcome.
#
# The time is the broker's own "Ran N tests in X s" clock, which starts
# when the run starts (every agent joined, --min-agents), so agents'
# start-up and connection are not counted; the wall time from the broker's
# start to its exit is printed next to it.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_fanout "${1:-}"

if [ "${QUICK:-0}" = 1 ]; then
    HOSTS=${HOSTS:-"1 2"}
    TESTS=${TESTS:-8}
    SLEEP=${SLEEP:-0.1}
fi
HOSTS=${HOSTS:-"1 2 4"}
TESTS=${TESTS:-48}
SLEEP=${SLEEP:-0.25}
JOBS=${JOBS:-2}
REPEAT=${REPEAT:-1}
bench_counts TESTS JOBS REPEAT
[[ $SLEEP =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "SLEEP must be a number of seconds, not '$SLEEP'"
MAXH=0
for h in $HOSTS; do
    [[ $h =~ ^[1-9][0-9]*$ ]] && [ "$h" -le 200 ] || die "HOSTS: '$h' is not a count from 1 to 200"
    [ "$h" -gt "$MAXH" ] && MAXH=$h
done

bench_workdir hosts
. "$(dirname "$0")/netns-lib.sh"
bench_netns_init "fob$$"
# The network: broker and h1..hMAXH, each with eth0 on the switch's bridge.
bench_netns_network 10.214.0 broker $(seq -f 'h%g' 1 "$MAXH")
BROKER_ADDR=10.214.0.1

awk -v n="$TESTS" -v s="$SLEEP" 'BEGIN {
    print "tests:"
    for (i = 1; i <= n; i++) printf "  - {name: t%d, run: [/bin/sleep, \"%s\"]}\n", i, s
}' > "$WORK/suite.yml"

PORT=5600

# one run: hosts -> appends its makespan to times.HOSTS, its wall to
# wall.HOSTS. Not in a subshell: a failure ends the script, and PORT (a new
# one for each run: no wait for the last run's socket) counts on.
run_one () {
    local hosts=$1 t0 t1 bpid k rc=0 inner
    PORT=$((PORT + 1))
    # Files of their own for each run: a background process truncates its
    # redirections only once it runs, so a reused name can still show the
    # last run's "listening on" to the loop below.
    local R=$WORK/run$PORT
    mkdir "$R"
    t0=$(now)
    ip netns exec "${NS_PREFIX}broker" "$FANOUT_BIN" broker --bind "tcp://$BROKER_ADDR:$PORT" \
        --insecure --min-agents "$hosts" --wait 60 --no-history "$WORK/suite.yml" \
        > "$R/broker.out" 2> "$R/broker.err" &
    bpid=$!
    PIDS=("$bpid")
    bench_listen "$R/broker.err" "$bpid" 20 > /dev/null
    for ((k = 1; k <= hosts; k++)); do
        ip netns exec "${NS_PREFIX}h$k" "$FANOUT_BIN" agent --connect "tcp://$BROKER_ADDR:$PORT" \
            -j "$JOBS" --name "h$k" --insecure --once > "$R/agent$k.out" 2> "$R/agent$k.err" &
        PIDS+=("$!")
    done
    wait "$bpid" || rc=$?
    t1=$(now)
    for ((k = 1; k < ${#PIDS[@]}; k++)); do wait "${PIDS[$k]}" || true; done
    PIDS=()
    [ "$rc" = 0 ] || { tail -n 20 "$R/broker.err" "$R/broker.out" >&2; die "the run with $hosts hosts failed ($rc)"; }
    grep -qx "$TESTS passed, 0 failed, 0 errors, 0 skipped" "$R/broker.out" \
        || { tail -n 5 "$R/broker.out" >&2; die "not every one of $TESTS tests passed with $hosts hosts"; }
    inner=$(awk '/^Ran [0-9]+ tests? in / { sub(/s$/, "", $5); print $5 }' "$R/broker.out")
    [ -n "$inner" ] || { cat "$R/broker.out" >&2; die "the broker printed no 'Ran ... in' line"; }
    echo "$inner" >> "$WORK/times.$hosts"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >> "$WORK/wall.$hosts"
    echo "  round $r: $hosts hosts: ${inner}s (wall $(tail -n1 "$WORK/wall.$hosts")s)" >&2
}

bench_banner "hosts benchmark"
echo "  $TESTS x /bin/sleep $SLEEP, agents -j$JOBS, hosts: $HOSTS, REPEAT=$REPEAT" >&2
echo "  namespaces: ${NS_PREFIX}*" >&2
for h in $HOSTS; do : > "$WORK/times.$h"; : > "$WORK/wall.$h"; done
for ((r = 1; r <= REPEAT; r++)); do
    for h in $HOSTS; do
        run_one "$h"
    done
done

BASE=${HOSTS%% *}
T_BASE=$(median < "$WORK/times.$BASE")
echo "| hosts | slots | makespan s | wall s | ideal s | speed-up vs $BASE host(s) | x ideal | ideal / makespan |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for h in $HOSTS; do
    awk -v h="$h" -v j="$JOBS" -v n="$TESTS" -v s="$SLEEP" -v base="$BASE" -v tb="$T_BASE" \
        -v t="$(median < "$WORK/times.$h")" -v w="$(median < "$WORK/wall.$h")" 'BEGIN {
        # ideal: the tests spread evenly over every slot, nothing but the sleeps
        waves = int((n + h * j - 1) / (h * j))
        ideal = waves * s
        sp = tb / t
        printf "| %d | %d | %.3f | %.3f | %.3f | %.2f | %.2f | %.2f |\n", h, h * j, t, w, ideal, sp, sp / (h / base), ideal / t
    }'
done
echo "load average after: $(loadavg)" >&2
