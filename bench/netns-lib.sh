# netns-lib.sh: the test network of the multi-host benchmarks
# (hosts-bench.sh, artifacts-bench.sh). Source it after lib.sh (its `die`
# and `skip`) and setting WORK (a directory removed on exit).
#
#   bench_netns_init PREFIX     checks root and ip, installs the exit trap
#   bench_netns_network NET HOST...
#                               a switch namespace with a bridge and, for
#                               each HOST, a namespace PREFIX$HOST with eth0
#                               on the bridge at NET.1, NET.2, ... in order
#   PIDS+=(pid)                 background processes killed on exit
#
# NETWORK SAFETY (as tests/integration/net_lib.sh): the addresses exist only
# inside the namespaces made here; nothing is added to the root namespace;
# the caller runs every process under `ip netns exec`; every namespace, and
# whatever still runs in it, is removed on exit, whatever the outcome.

NETNS=()
PIDS=()

bench_netns_cleanup () {
    local rc=$? p ns
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    { wait; } 2>/dev/null || true
    for ns in "${NETNS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    done
    for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
    exit "$rc"
}

bench_netns_init () {
    NS_PREFIX=$1
    trap bench_netns_cleanup EXIT
    trap 'exit 130' INT TERM
    [ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
    command -v ip >/dev/null || skip "ip (iproute2) is not installed"
    # Can namespaces and a bridge inside one be made here (containers often
    # refuse)? The probe is removed at once.
    local probe="${NS_PREFIX}probe" out
    out=$(ip netns add "$probe" 2>&1) || skip "ip netns is unavailable here: $out"
    NETNS+=("$probe")
    out=$(ip netns exec "$probe" ip link add br0 type bridge 2>&1) \
        || skip "cannot create a bridge inside a namespace: $out"
    ip netns del "$probe"
    NETNS=()
}

. "$(dirname "${BASH_SOURCE[0]}")/../tests/integration/netns_switch.sh"
bench_netns_network () {
    local net=$1
    shift
    netns_switch "$NS_PREFIX" "$net" 1 "$@" || die "cannot build the benchmark's network"
}
