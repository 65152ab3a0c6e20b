# bench/lib.sh: what every benchmark script in bench/ starts with, in one
# place so that they check their arguments, name their failures and start
# a broker alike. Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#
# BENCH is the script's name without ".sh" (hosts-bench, ...): the prefix of
# every message, which run-all.sh reads ("hosts-bench: skipped: WHY").
#
#   die MSG                  "BENCH: MSG" on stderr, exit 2
#   skip MSG                 "BENCH: skipped: MSG" on stderr, exit 77
#   bench_fanout [BIN]       FANOUT_BIN: BIN, else $FANOUT; an executable,
#                            made absolute (run-bench.sh, hosts-bench.sh, ...)
#   bench_build DIR [PROG...]  BUILD (absolute) and FANOUT_BIN=BUILD/fanout,
#                            each PROG (a path in BUILD: bench/fo_loadgen)
#                            executable too (broker-scale.sh, ...)
#   bench_counts VAR...      each named variable is a positive integer
#   bench_need TOOL...       each is on PATH
#   bench_workdir NAME       WORK, a new fanout-NAME.XXXXXX under $TMPDIR,
#                            removed on exit after the broker in BROKER_PID
#                            (when set) is stopped. netns-lib.sh's
#                            bench_netns_init replaces that exit trap with
#                            its own, which removes WORK too.
#   bench_listen ERR PID SECONDS
#                            waits until the broker PID (its stderr in ERR)
#                            says "listening on", at most SECONDS; prints
#                            its endpoint (tcp://ADDR:PORT)
#   bench_suite N [RUN]      a suite of N tests t1..tN, each `run: RUN`
#                            (default ["/bin/true"]), on stdout
#   bench_banner TITLE       "TITLE: date, system, cores, load" on stderr
#   now                      the time in seconds, with nanoseconds
#   loadavg                  the three load averages, or "?"
#   median                   the middle of the numbers on stdin, one a line
#                            (the lower middle of an even count)

BENCH=$(basename "$0" .sh)

die () { echo "$BENCH: $*" >&2; exit 2; }
skip () { echo "$BENCH: skipped: $*" >&2; exit 77; }

bench_fanout () {
    FANOUT_BIN=${1:-${FANOUT:-}}
    [ -n "$FANOUT_BIN" ] || die "give the fanout binary as \$1 or in FANOUT"
    [ -x "$FANOUT_BIN" ] || die "'$FANOUT_BIN' is not an executable file"
    case $FANOUT_BIN in /*) ;; *) FANOUT_BIN=$PWD/$FANOUT_BIN ;; esac
}

bench_build () {
    local p
    BUILD=${1:-}
    [ -n "$BUILD" ] || die "give the build directory as \$1"
    [ -d "$BUILD" ] || die "no build directory '$BUILD' (give one as \$1)"
    BUILD=$(cd "$BUILD" && pwd)
    FANOUT_BIN=$BUILD/fanout
    [ -x "$FANOUT_BIN" ] || die "no fanout binary in $BUILD"
    shift
    for p in "$@"; do
        [ -x "$BUILD/$p" ] || die "no $p in $BUILD"
    done
}

bench_counts () {
    local v
    for v in "$@"; do
        [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
    done
}

bench_need () {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "'$tool' is not installed"
    done
}

BROKER_PID=
bench_cleanup () {
    [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
    rm -rf "$WORK"
}
bench_workdir () {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/fanout-$1.XXXXXX")
    trap bench_cleanup EXIT
}

# Polls every 10 ms: load-bench.sh's load+plan time is taken when this
# returns, so a coarser poll would show in it.
bench_listen () {
    local err=$1 pid=$2 tries=$(( $3 * 100 )) ep k
    for ((k = 0; k < tries; k++)); do
        ep=$(grep -so 'listening on tcp://[^ ]*' "$err" | head -n1 | cut -d' ' -f3 || true)
        [ -n "$ep" ] && { echo "$ep"; return 0; }
        kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; die "the broker ended before it listened"; }
        sleep 0.01
    done
    cat "$err" >&2
    die "the broker did not listen within $3 s"
}

bench_suite () {
    awk -v n="$1" -v run="${2:-[\"/bin/true\"]}" 'BEGIN {
        print "tests:"
        for (i = 1; i <= n; i++)
            printf "  - name: t%d\n    run: %s\n", i, run
    }'
}

bench_banner () {
    echo "$1: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), $(nproc) cores, load $(loadavg)" >&2
}

now () { date +%s.%N; }
loadavg () { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
median () { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
