#!/usr/bin/env bash
# Shipping artifacts (docs/artifacts.md): one broker host with a tree of
# SIZE_MB in FILES files, and AGENTS agent hosts, each in a network
# namespace and a mount namespace that hides the tree, with a cache of its
# own. A cold run (empty caches, no hash cache: everything hashed and sent
# to every agent) and a warm run (nothing changed: nothing hashed, nothing
# sent). Prints, per run, the wall time from the broker's start to its end
# and the bytes the broker sent.
#
# usage: bench/artifacts-bench.sh [FANOUT_BINARY]
#   FANOUT   the fanout binary when no argument is given
#   SIZE_MB  the tree's size (default 200)
#   FILES    how many files (default 100: 2 MB each at 200 MB)
#   AGENTS   agent hosts (default 4), each -j2, each runs a test per file
#            group (so every agent needs the whole tree)
#   QUICK=1  SIZE_MB=4 FILES=8 AGENTS=2: the test suite's check that this
#            still works
#
# Needs root, ip (iproute2), bridges inside namespaces and unshare (mount
# namespaces); without them it prints why on stderr and exits 77.
#
# NETWORK SAFETY (as tests/integration/net_lib.sh): addresses in
# 10.215.0.0/24 exist only inside the namespaces it makes; every process
# runs under `ip netns exec`; every namespace is removed on exit.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_fanout "${1:-}"

if [ "${QUICK:-0}" = 1 ]; then
    SIZE_MB=${SIZE_MB:-4}
    FILES=${FILES:-8}
    AGENTS=${AGENTS:-2}
fi
SIZE_MB=${SIZE_MB:-200}
FILES=${FILES:-100}
AGENTS=${AGENTS:-4}
bench_counts SIZE_MB FILES AGENTS
[ "$AGENTS" -le 50 ] || die "AGENTS: at most 50"

command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
bench_workdir artifacts
. "$(dirname "$0")/netns-lib.sh"
bench_netns_init "foa$$"
unshare -m true 2>/dev/null || skip "cannot create mount namespaces here"
bench_netns_network 10.215.0 broker $(seq -f 'h%g' 1 "$AGENTS")
BROKER_ADDR=10.215.0.1

# The tree: FILES files of random bytes, SIZE_MB in all, in 4 directories.
TREE=$WORK/broker/tree
per=$(( SIZE_MB * 1024 * 1024 / FILES ))
for ((f = 0; f < FILES; f++)); do
    d=$TREE/d$((f % 4))
    mkdir -p "$d"
    head -c "$per" /dev/urandom > "$d/f$f.bin"
done
# Old files: the hash cache trusts them (docs/artifacts.md).
find "$TREE" -exec touch -h -d 2020-01-01 {} +
# One test per agent slot, each reading every file: every agent needs it all.
tests=$(( AGENTS * 2 ))
{
    echo "artifacts: [d0, d1, d2, d3]"
    echo "tests:"
    for ((t = 1; t <= tests; t++)); do
        echo "  - {name: t$t, run: 'cat d*/*.bin > /dev/null'}"
    done
} > "$TREE/fanout.yml"

PORT=5700

# run NAME: one broker run with fresh agents (caches kept between runs).
run () {
    local name=$1 t0 t1 bpid k rc=0
    PORT=$((PORT + 1))
    local R=$WORK/run-$name
    mkdir "$R"
    t0=$(now)
    ip netns exec "${NS_PREFIX}broker" env FANOUT_LOG=info "$FANOUT_BIN" broker \
        --bind "tcp://$BROKER_ADDR:$PORT" --insecure --min-agents "$AGENTS" --wait 60 \
        --no-history --hash-cache "$WORK/broker/hashes.json" "$TREE/fanout.yml" \
        > "$R/broker.out" 2> "$R/broker.err" &
    bpid=$!
    PIDS=("$bpid")
    bench_listen "$R/broker.err" "$bpid" 60 > /dev/null    # hashing comes first
    for ((k = 1; k <= AGENTS; k++)); do
        mkdir -p "$WORK/h$k"
        ip netns exec "${NS_PREFIX}h$k" unshare -m sh -c \
            "mount -t tmpfs none '$WORK/broker' && exec \"\$0\" \"\$@\"" \
            env FANOUT_LOG=info "$FANOUT_BIN" agent --connect "tcp://$BROKER_ADDR:$PORT" -j 2 \
            --name "h$k" --insecure --once --cache-dir "$WORK/h$k/cache" \
            > "$R/agent$k.out" 2> "$R/agent$k.err" &
        PIDS+=("$!")
    done
    wait "$bpid" || rc=$?
    t1=$(now)
    for ((k = 1; k < ${#PIDS[@]}; k++)); do wait "${PIDS[$k]}" || true; done
    PIDS=()
    [ "$rc" = 0 ] || { tail -n 20 "$R/broker.err" "$R/broker.out" >&2; die "the $name run failed ($rc)"; }
    sent=$(sed -n 's/.*artifacts: \([0-9]*\) bytes sent.*/\1/p' "$R/broker.err")
    hashed=$(sed -n 's/.*artifacts: \([0-9]*\) files hashed.*/\1/p' "$R/broker.err")
    [ -n "$sent" ] && [ -n "$hashed" ] || { cat "$R/broker.err" >&2; die "the broker did not say what it hashed and sent"; }
    awk -v n="$name" -v a="$t0" -v b="$t1" -v s="$sent" -v h="$hashed" -v mb="$SIZE_MB" -v ag="$AGENTS" 'BEGIN {
        printf "| %s | %d | %d | %d | %.3f | %d | %.1f |\n", n, mb, ag, h, b - a, s, s / 1048576 }'
}

bench_banner "artifacts benchmark"
echo "  a tree of $SIZE_MB MB in $FILES files to $AGENTS agent hosts (-j2), $tests tests" >&2
echo "  namespaces: ${NS_PREFIX}*" >&2
echo "| run | tree MB | agents | files hashed | wall s | bytes sent | MB sent |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
run cold
run warm
echo "load average after: $(loadavg)" >&2
