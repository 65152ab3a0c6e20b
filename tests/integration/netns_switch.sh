# netns_switch.sh — the one way the multi-host tests and benchmarks build
# their network (tests/integration/net_lib.sh, fixtures_lib.sh,
# bench/netns-lib.sh source it). Source it; it defines one function.
#
# netns_switch PREFIX NET FIRST HOST...
#   A switch namespace PREFIXsw holding a bridge, and for each HOST a
#   namespace PREFIXHOST whose eth0 is on the bridge at NET.FIRST,
#   NET.FIRST+1, ... in order (a /24), with lo up. Each namespace is
#   appended to the caller's array NETNS as soon as it exists, so that the
#   caller's exit trap removes it whatever happens next. Returns 1 with a
#   message on stderr when a step fails.
#
# NETWORK SAFETY: the addresses exist only inside these namespaces; nothing
# is added to the root namespace; the caller runs every process under
# `ip netns exec` and removes every namespace on exit.

netns_switch () {
    local prefix=$1 net=$2 first=$3 sw="${1}sw" i=0 h ns
    shift 3
    ip netns add "$sw" || { echo "netns_switch: cannot add namespace $sw" >&2; return 1; }
    NETNS+=("$sw")
    ip netns exec "$sw" ip link add br0 type bridge ||
        { echo "netns_switch: cannot add a bridge in $sw" >&2; return 1; }
    ip netns exec "$sw" ip link set br0 up
    for h in "$@"; do
        ns="$prefix$h"
        ip netns add "$ns" || { echo "netns_switch: cannot add namespace $ns" >&2; return 1; }
        NETNS+=("$ns")
        ip netns exec "$ns" ip link set lo up
        ip netns exec "$sw" ip link add "v$i" type veth peer name eth0 netns "$ns" ||
            { echo "netns_switch: cannot add a veth pair for $h" >&2; return 1; }
        ip netns exec "$sw" ip link set "v$i" master br0 up
        ip netns exec "$ns" ip addr add "$net.$((first + i))/24" dev eth0
        ip netns exec "$ns" ip link set eth0 up
        i=$((i + 1))
    done
}
