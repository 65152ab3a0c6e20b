#!/usr/bin/env bash
# Every benchmark in bench/, one after the other, and ONE table: each
# figure, its bar (issue 15, docs/performance.md, bench/README.md) and
# whether it holds.
#
# usage: bench/run-all.sh [BUILD_DIR]
#   BUILD_DIR  a build of this tree (default: build/ beside bench/): its
#              fanout, bench/fo_spawn_limit and bench/fo_loadgen are used
#   QUICK=1    every benchmark in its quick mode: runs in seconds, for the
#              test suite (tests/integration/test_bench_quick.sh); the
#              figures are then too small to mean anything
#   STARTUP_RUNS  rounds of the start-up figure (default 20, QUICK 3)
#   SCALE_AGENTS, SCALE_TESTS  broker-scale.sh's AGENTS and TESTS
#              (default "16 512 2000" and 200000)
#
# Runs, in this order: run-bench.sh (2,000 x /bin/true and 200 x sleep
# 0.01 at -j2 against fo_spawn_limit, xargs and ctest), the start-up of a
# one-test suite against ctest (measured here: the minimum of
# STARTUP_RUNS alternating runs), cpu-bench.sh (fanout's own CPU per test,
# alone and as a broker with a real agent), broker-scale.sh, load-bench.sh (10k,
# 100k and 1M tests; QUICK: 300 and 3,000), sched-bench.sh and
# hosts-bench.sh (skipped, with the reason in the table, when it cannot
# make network namespaces: not root, no ip), source-bench.sh (a CTest
# project against ctest, a GoogleTest program against running it whole)
# python-bench.sh (skipped without python3-nose or python3-msgpack) and
# artifacts-bench.sh (skipped as hosts-bench.sh is). Each benchmark's own output
# goes to stderr; the table (markdown) to stdout. Exit status 0 when every
# benchmark ran (a bar not met is a row that says "no", not a failure),
# 1 when one failed.
#
# Only ratios measured in the same run mean something (bench/README.md):
# the table shows ratios wherever a bar is one.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
bench_build "${1:-$HERE/../build}"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    STARTUP_RUNS=${STARTUP_RUNS:-3}
    RB_ENV=(N=20 REPEAT=1)
else
    STARTUP_RUNS=${STARTUP_RUNS:-20}
    RB_ENV=()
    SCALE_AGENTS=${SCALE_AGENTS:-"16 512 2000"}
    SCALE_TESTS=${SCALE_TESTS:-200000}
fi
[[ $STARTUP_RUNS =~ ^[1-9][0-9]*$ ]] || die "STARTUP_RUNS must be a positive integer"

bench_workdir all
FAILED=0
: > "$WORK/rows"

# row FIGURE VALUE BAR HOLDS: one line of the table (HOLDS: yes, no, "-"
# for a figure without a bar, or "skipped"/"FAILED").
row () { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" >> "$WORK/rows"; }
# holds EXPR (awk, true -> yes)
holds () { awk "BEGIN { print (($1) ? \"yes\" : \"no\") }"; }
num () { [[ ${1:-} =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }
# bench KEY SCRIPT ARG [VAR=VALUE...]: runs bench/SCRIPT ARG with those
# variables and TMPDIR=$WORK. Its stdout goes to $WORK/KEY.out, its stderr
# to $WORK/KEY.err and, as it comes, to ours; then its stdout to ours too.
# Returns 0 when it ran. When it skipped (exit 77), SKIPPED says why (its
# "NAME: skipped: WHY" line); when it failed, the table gets its FAILED row.
bench () {
    local key=$1 script=$2 arg=$3 rc
    shift 3
    SKIPPED=
    env "$@" TMPDIR="$WORK" bash "$HERE/$script" "$arg" 2>&1 > "$WORK/$key.out" | tee "$WORK/$key.err" >&2
    rc=${PIPESTATUS[0]}
    cat "$WORK/$key.out" >&2
    [ "$rc" = 0 ] && return 0
    if [ "$rc" = 77 ]; then
        SKIPPED=$(sed -n "s/^${script%.sh}: skipped: //p" "$WORK/$key.err" | head -n1)
        echo "run-all: $script skipped: $SKIPPED" >&2
    else
        row "$script" "failed (its stderr above)" "" "FAILED"; FAILED=1
    fi
    return 1
}

LOAD_BEFORE=$(loadavg)
START=$(date +%s)
echo "run-all: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), $(nproc) cores, load $LOAD_BEFORE, QUICK=$QUICK" >&2

# ---- 1. run-bench.sh: spawn rate and parallel efficiency --------------------
echo "== run-bench.sh" >&2
if bench rb run-bench.sh "$FANOUT_BIN" "${RB_ENV[@]}"; then
    # section: 1 spawn, 2 sleep
    rb () {   # section regex -> the first number after it on that section's line
        awk -v sec="$1" -v re="$2" '
            /^## spawn rate/ { s = 1 } /^## parallel efficiency/ { s = 2 }
            s == sec && $0 ~ re { sub(".*" re, ""); match($0, /[0-9]+(\.[0-9]+)?/)
                                  print substr($0, RSTART, RLENGTH); exit }' "$WORK/rb.out"
    }
    n_true=$(awk '/^## spawn rate: / { print $4; exit }' "$WORK/rb.out")
    lim_x=$(rb 1 'fanout takes ')
    lim_p=$(rb 1 'its time \(')
    xa_p=$(rb 1 'fanout throughput: ')
    ct_x=$(rb 1 'fanout vs ctest: ')
    eff=$(awk '/efficiency xargs/ { sub(/.*fanout /, ""); sub(/%.*/, ""); print; exit }' "$WORK/rb.out")
    n_sleep=$(awk '/^## parallel efficiency: / { print $4; exit }' "$WORK/rb.out")
    if num "$lim_p" && num "$lim_x"; then
        row "$n_true x /bin/true at -j2: fanout's share of the limit (fo_spawn_limit)" \
            "$lim_p% (takes ${lim_x}x its time)" "≥ 90% (issue 15)" "$(holds "$lim_p >= 90")"
    else
        row "$n_true x /bin/true at -j2: fanout's share of the limit (fo_spawn_limit)" \
            "not measured (no fo_spawn_limit)" "≥ 90% (issue 15)" "FAILED"; FAILED=1
    fi
    cap_l=$(rb 1 'capture \(fo_spawn_limit --capture\): ')
    cap_f=$(rb 1 'the limit with capture.*its time \(')
    if num "$cap_l" && num "$cap_f"; then
        row "$n_true x /bin/true at -j2: the limit with capture (fo_spawn_limit --capture)'s share of the limit; fanout's share of it" \
            "$cap_l%; $cap_f%" "none (what capturing the output costs any runner)" "-"
    else
        row "$n_true x /bin/true at -j2: the limit with capture" "not measured" "none" "FAILED"; FAILED=1
    fi
    # the table's idle % column, section 1 (spawn rate), for one tool
    rb_idle () { awk -F'|' -v t="$1" '/^## spawn rate/ { s = 1 } /^## parallel efficiency/ { s = 0 }
                     s && $2 ~ "^ *" t " *$" { gsub(/ /, "", $5); print $5; exit }' "$WORK/rb.out"; }
    id_l=$(rb_idle limit); id_c=$(rb_idle capture); id_f=$(rb_idle fanout)
    if num "$id_l" && num "$id_c" && num "$id_f"; then
        row "$n_true x /bin/true at -j2: the machine's CPU left idle during the run (/proc/stat), limit / limit with capture / fanout" \
            "$id_l% / $id_c% / $id_f%" "none (why fanout's share of the limit is what it is: the time its slots wait for it)" "-"
    else
        row "$n_true x /bin/true at -j2: the machine's CPU left idle" "not measured" "none" "FAILED"; FAILED=1
    fi
    row "$n_true x /bin/true at -j2: fanout's throughput against xargs -P2" \
        "$xa_p%" "≥ 75% (bench/README.md)" "$(holds "$xa_p >= 75")"
    row "$n_true x /bin/true at -j2: ctest's time / fanout's" \
        "${ct_x}x" "> 1, faster than ctest (bench/README.md)" "$(holds "$ct_x > 1")"
    row "$n_sleep x /bin/sleep 0.01 at -j2: fanout's efficiency (ideal / wall)" \
        "$eff%" "none" "-"
fi

# ---- 2. start-up of a one-test suite, against ctest --------------------------
echo "== start-up, one-test suite, $STARTUP_RUNS rounds" >&2
startup () {
    local d=$WORK/startup i t0 t1
    mkdir -p "$d/ctest"
    printf 'tests:\n  - name: t1\n    run: ["/bin/true"]\n' > "$d/suite.yml"
    printf 'cmake_minimum_required(VERSION 3.10)\nproject(s NONE)\nenable_testing()\nadd_test(NAME t1 COMMAND /bin/true)\n' \
        > "$d/ctest/CMakeLists.txt"
    cmake -S "$d/ctest" -B "$d/ctest/build" > "$d/cmake.log" 2>&1 || { cat "$d/cmake.log" >&2; return 1; }
    : > "$d/fanout"; : > "$d/ctest.t"
    # warm-up, not timed
    "$FANOUT_BIN" run -q -j 2 --no-history "$d/suite.yml" > /dev/null 2>&1 || return 1
    (cd "$d/ctest/build" && ctest -Q) > /dev/null 2>&1 || return 1
    for ((i = 0; i < STARTUP_RUNS; i++)); do
        t0=$(date +%s%N)
        "$FANOUT_BIN" run -q -j 2 --no-history "$d/suite.yml" > /dev/null 2>&1 || return 1
        t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )) >> "$d/fanout"
        t0=$(date +%s%N)
        (cd "$d/ctest/build" && ctest -Q) > /dev/null 2>&1 || return 1
        t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )) >> "$d/ctest.t"
    done
    echo "$(sort -n "$d/fanout" | head -n1) $(sort -n "$d/ctest.t" | head -n1)"
}
if read -r su_f su_c <<<"$(startup)" && num "$su_f" && num "$su_c"; then
    echo "  fanout min ${su_f} µs, ctest min ${su_c} µs" >&2
    row "start-up, one-test suite, wall (min of $STARTUP_RUNS alternating runs): fanout / ctest" \
        "$(awk -v f="$su_f" -v c="$su_c" 'BEGIN { printf "%.2fx (%.1f ms / %.1f ms)", f / c, f / 1000, c / 1000 }')" \
        "≤ 1, no slower than ctest (issue 15)" "$(holds "$su_f <= $su_c")"
else
    row "start-up, one-test suite" "failed" "≤ ctest (issue 15)" "FAILED"; FAILED=1
fi

# ---- 2b. cpu-bench.sh: fanout's own CPU per test -------------------------------
echo "== cpu-bench.sh" >&2
CB_ENV=()
[ "$QUICK" = 1 ] && CB_ENV=(QUICK=1)
if bench cb cpu-bench.sh "$BUILD" "${CB_ENV[@]}"; then
    cb () { awk -v k="$1" '$1 == k { print $2 }' "$WORK/cb.out"; }
    cb_n=$(cb tests)
    cb_run=$(cb run); cb_broker=$(cb broker); cb_agent=$(cb agent)
    if num "$cb_run" && num "$cb_broker" && num "$cb_agent"; then
        row "fanout's own CPU per test, $cb_n x /bin/true, fanout run -j2 (µs; the tests excluded)" \
            "$cb_run" "≤ 50 µs (issue 15)" "$(holds "$cb_run <= 50")"
        row "broker CPU per test with a real agent, $cb_n x /bin/true (fanout broker + fanout agent -j2, loopback TCP; µs)" \
            "$cb_broker" "≤ 10 µs (issue 15)" "$(holds "$cb_broker <= 10")"
        cb_fixed=$(cb broker_fixed)
        if num "$cb_fixed"; then
            row "broker CPU for a one-test suite, same rounds (ms: starting the process, its threads and sockets, ending; in the row above as $(awk -v f="$cb_fixed" -v n="$cb_n" 'BEGIN { printf "%.1f", f * 1e3 / n }') µs a test)" \
                "$cb_fixed" "none (why the row above is what it is)" "-"
        fi
        row "agent CPU per test, same runs (µs; the tests excluded)" "$cb_agent" "none" "-"
        cb_limit=$(cb limit); cb_capture=$(cb capture)
        if num "$cb_limit" && num "$cb_capture"; then
            row "own CPU per test of the limit (fo_spawn_limit) / of the limit with capture (--capture: stdout and stderr on fresh pipes, read to their end), same rounds (µs)" \
                "$cb_limit / $cb_capture" "none (the floor under fanout's own CPU per test)" "-"
        else
            row "cpu-bench.sh: the limits' own CPU" "no figures (its output above)" "" "FAILED"; FAILED=1
        fi
    else
        row "cpu-bench.sh" "no figures (its output above)" "" "FAILED"; FAILED=1
    fi
fi

# ---- 3. broker-scale.sh: the broker against fake agents ----------------------
echo "== broker-scale.sh" >&2
if [ "$QUICK" = 1 ]; then bs_env=(QUICK=1); else bs_env=(AGENTS="$SCALE_AGENTS" TESTS="$SCALE_TESTS"); fi
if bench bs broker-scale.sh "$BUILD" "${bs_env[@]}"; then
    # | tests | agents | slots | tests/s | broker µs/test | peak RSS MiB | peak B/test | load+plan s | end s | loadgen µs/test | frames/test | broker µs/frame |
    awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { for (i = 2; i <= 13; i++) gsub(/ /, "", $i);
        print $2, $3, $5, $6, $8, $9, $12, $13 }' "$WORK/bs.out" > "$WORK/bs.rows"
    while read -r n a tps _ _ _; do
        row "broker, $n tests, $a instant fake agents (fo_loadgen): tests/s" "$tps" \
            "≥ 100,000 (issue 15)" "$(holds "$tps >= 100000")"
    done < "$WORK/bs.rows"
    # flat, as the issue's row says it (its figure is throughput): the
    # largest tests/s at most 1.5 x the smallest, per suite size
    awk '{ n = $1; t = $3
           if (!(n in lo) || t < lo[n]) lo[n] = t; if (!(n in hi) || t > hi[n]) hi[n] = t
           agents[n] = agents[n] (agents[n] == "" ? "" : "/") $2 }
         END { for (n in lo) print n, agents[n], lo[n], hi[n] }' "$WORK/bs.rows" | sort -n > "$WORK/bs.tflat"
    while read -r n agents lo hi; do
        row "broker throughput from the fewest to the most agents ($agents), $n tests: largest / smallest" \
            "$(awk -v a="$hi" -v b="$lo" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
            "≤ 1.5 (issue 15: throughput flat from 16 to 2,000 agents)" "$(holds "$hi <= 1.5 * $lo")"
    done < "$WORK/bs.tflat"
    # flat, a stricter reading: the largest broker CPU per test at most 1.5 x
    # the smallest (per suite size; 1.5 is this script's reading)
    awk '{ n = $1; us = $4
           if (!(n in lo) || us < lo[n]) lo[n] = us; if (!(n in hi) || us > hi[n]) hi[n] = us
           agents[n] = agents[n] (agents[n] == "" ? "" : "/") $2
           list[n] = list[n] (list[n] == "" ? "" : " / ") us }
         END { for (n in lo) print n, agents[n], lo[n], hi[n], list[n] }' "$WORK/bs.rows" | sort -n > "$WORK/bs.flat"
    while read -r n agents lo hi list; do
        row "broker CPU per test at $agents agents, $n tests (µs)" "$list" \
            "flat: largest ≤ 1.5 × smallest (this script's stricter reading of issue 15's flat)" \
            "$(holds "$hi <= 1.5 * $lo")"
    done < "$WORK/bs.flat"
    # what explains it: the frames per test and the broker's CPU per frame
    awk '{ n = $1; agents[n] = agents[n] (agents[n] == "" ? "" : "/") $2
           f[n] = f[n] (f[n] == "" ? "" : " / ") $7; c[n] = c[n] (c[n] == "" ? "" : " / ") $8 }
         END { for (n in agents) printf "%s\t%s\t%s\t%s\n", n, agents[n], f[n], c[n] }' \
        "$WORK/bs.rows" | sort -n > "$WORK/bs.frames"
    while IFS=$'\t' read -r n agents f c; do
        row "broker frames per test (both ways, fo_loadgen's count) and broker CPU per frame, at $agents agents, $n tests" \
            "$f frames; $c µs" "none (why the CPU per test moves: a frame's cost, and how many tests share one)" "-"
    done < "$WORK/bs.frames"
    # memory: the largest suite at every agent count, held by the largest
    # (each agent costs the broker about 40 KB of ZeroMQ's buffers, so the
    # most agents give the peak; docs/performance-log.md, branch bmem). Before,
    # one row was taken by a sort's tie-break: the 512 agents' one.
    n=$(sort -n -k1,1 "$WORK/bs.rows" | tail -n1 | cut -d' ' -f1)
    IFS=$'\t' read -r mem_agents mem_list mem_max <<<"$(awk -v n="$n" '$1 == n {
            a = a (a == "" ? "" : "/") $2; l = l (l == "" ? "" : " / ") $5
            if ($5 > max) max = $5 }
        END { printf "%s\t%s\t%s\n", a, l, max }' "$WORK/bs.rows")"
    row "broker peak memory per test, $n tests, at $mem_agents agents (B, VmHWM / tests)" \
        "$mem_list" "≤ 512 at every count (issue 15)" "$(holds "$mem_max <= 512")"
    # loading: from the first row of the largest suite
    read -r n _ _ _ _ lp _ <<<"$(sort -n -k1,1 "$WORK/bs.rows" | tail -n1)"
    row "broker loading and planning $n tests (s, start to listening)" "$lp" \
        "< 2 s at 1M, i.e. < $(awk -v n="$n" 'BEGIN { printf "%.3g", 2 * n / 1e6 }') s at $n if linear (issue 15)" \
        "$(holds "$lp < 2 * $n / 1000000")"
fi

# ---- 4. load-bench.sh: loading, planning and ending at scale -----------------
echo "== load-bench.sh" >&2
if bench lb load-bench.sh "$BUILD" QUICK="$QUICK"; then
    # | tests | file MiB | load+plan s | CPU s | peak RSS MiB | peak B/test | settled B/test | end s |
    awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { for (i = 2; i <= 9; i++) gsub(/ /, "", $i);
        print $2, $4, $5, $7, $8, $9 }' "$WORK/lb.out" > "$WORK/lb.rows"
    while read -r n lp cpu bpt settled end_s; do
        # the bars are at 1M tests; a smaller suite is shown for the trend.
        # The memory bar is held by the settled peak: the run's records too.
        if [ "$n" = 1000000 ]; then
            ok=$(holds "$lp < 2 && $settled <= 512 && $end_s < 0.5")
        else
            ok="-"
        fi
        row "$n tests (load-bench.sh): load+plan s (CPU s) / peak B per test at listening (with the run's records) / ending with nothing run s" \
            "$lp ($cpu) / $bpt ($settled) / $end_s" "< 2 s / ≤ 512 B / < 0.5 s at 1M tests (issue 15)" "$ok"
    done < "$WORK/lb.rows"
fi

# ---- 5. sched-bench.sh: longest first from history ---------------------------
echo "== sched-bench.sh" >&2
if bench sb sched-bench.sh "$FANOUT_BIN" QUICK="$QUICK"; then
    sb () { awk -v k="$1" 'index($0, k) == 1 { print $NF; exit }' "$WORK/sb.out"; }
    sb_warm=$(sb "fanout, with history"); sb_cold=$(sb "fanout, no history")
    sb_ct=$(awk '/^ctest .*cost data/ && !/no cost/ { print $NF; exit }' "$WORK/sb.out")
    row "skewed suite at 4 slots, fanout with history: makespan / lower bound" "$sb_warm" \
        "≤ 1.10 (docs/performance.md)" "$(holds "$sb_warm <= 1.10")"
    row "same, fanout without history / ctest with its cost data: makespan / bound" \
        "$sb_cold / $sb_ct" "none" "-"
fi

# ---- 6. hosts-bench.sh: agent hosts in network namespaces --------------------
echo "== hosts-bench.sh" >&2
if bench hb hosts-bench.sh "$FANOUT_BIN" QUICK="$QUICK"; then
    # | hosts | slots | makespan s | wall s | ideal s | speed-up | x ideal |
    awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { for (i = 2; i <= 8; i++) gsub(/ /, "", $i); print $2, $3, $4, $7, $8 }' \
        "$WORK/hb.out" > "$WORK/hb.rows"
    hb_n=$(sed -n 's/^ *\([0-9]*\) x \/bin\/sleep \([0-9.]*\),.*/\1 x sleep \2/p' "$WORK/hb.err" | head -n1)
    base=$(head -n1 "$WORK/hb.rows" | cut -d' ' -f1)
    while read -r h _ t sp xi; do
        [ "$h" = "$base" ] && continue
        row "$hb_n over $h agent hosts (netns, -j2 each): speed-up against $base, and × ideal" \
            "${sp}x, ${xi} × ideal (${t} s)" "≥ 0.9 × ideal at 4 hosts (issue 15)" \
            "$(if [ "$h" = 4 ]; then holds "$xi >= 0.9"; else echo "-"; fi)"
    done < "$WORK/hb.rows"
elif [ -n "$SKIPPED" ]; then
    row "agent hosts in network namespaces (hosts-bench.sh)" "skipped: $SKIPPED" \
        "≥ 0.9 × ideal at 4 hosts (issue 15)" "skipped"
fi

# ---- 7. source-bench.sh: a CTest project and a GoogleTest program ----------
echo "== source-bench.sh" >&2
if bench src source-bench.sh "$BUILD" QUICK="$QUICK"; then
    # the figure after KEY: the last field, or the one before a unit ("1.050 s")
    src () { awk -v k="$1" 'index($0, k) == 1 { v = $NF; if (v == "s") v = $(NF - 1); print v; exit }' "$WORK/src.out"; }
    src_n=$(sed -n 's/^## sources: \([0-9]*\) CTest tests.*/\1/p' "$WORK/src.out")
    src_r=$(src "ctest / fanout:")
    row "$src_n CTest tests (fixtures, RUN_SERIAL) at -j2: ctest's time / fanout's (--ctest)" \
        "${src_r}x ($(src "ctest -j")s / $(src "fanout --ctest")s)" "> 1, faster than ctest -j2 (issue 11)" \
        "$(holds "$src_r > 1")"
    if grep -q '^gtest: skipped: ' "$WORK/src.out"; then
        why=$(sed -n 's/^gtest: skipped: //p' "$WORK/src.out")
        row "GoogleTest program, a suite per process at -j2: fanout / the binary whole" \
            "skipped: $why" "≤ 1.2 (issue 11)" "skipped"
        row "GoogleTest program, a process per test at -j2: fanout / the binary whole" \
            "skipped: $why" "none" "skipped"
    else
        gt_n=$(sed -n 's/^## sources: GoogleTest, \([0-9]*\) tests.*/\1/p' "$WORK/src.out")
        gt_s=$(src "suite / whole:"); gt_p=$(src "per test / whole:")
        row "GoogleTest, $gt_n tests, a suite per process at -j2: fanout / the binary whole" \
            "${gt_s}x ($(src "fanout --gtest-process")s / $(src "gtest binary whole:")s)" \
            "≤ 1.2 (issue 11)" "$(holds "$gt_s <= 1.2")"
        row "GoogleTest, $gt_n tests, a process per test at -j2: fanout / the binary whole" \
            "${gt_p}x ($(src "fanout --gtest (a process")s)" "none" "-"
    fi
fi

# ---- 8. python-bench.sh: the python source against unittest and nose ---------
echo "== python-bench.sh" >&2
if bench pb python-bench.sh "$FANOUT_BIN" QUICK="$QUICK"; then
    pb_what=$(sed -n 's/^## python suite: \([^(]*\) (.*/\1/p' "$WORK/pb.out" | sed 's/ *$//')
    pb_u=$(awk '/^fanout vs unittest: / { sub(/x$/, "", $4); print $4 }' "$WORK/pb.out")
    pb_n=$(awk '/^fanout vs nose --processes: / { sub(/x$/, "", $5); print $5 }' "$WORK/pb.out")
    pb_p=$(awk '/^fanout vs pytest -n: / { sub(/x$/, "", $5); print $5 }' "$WORK/pb.out")
    pb_o=$(awk '/^fanout overhead per test: / { print $5 }' "$WORK/pb.out")
    row "python suite, $pb_what: unittest's time / fanout's" "${pb_u}x" \
        "none (one process, no parallelism)" "-"
    row "python suite, $pb_what: nosetests --processes's time / fanout's" "${pb_n}x" \
        "> 1, faster than nose's multiprocess (issue 12)" "$(holds "$pb_n > 1")"
    row "python suite, $pb_what: pytest -n's time / fanout's" "${pb_p}x" \
        "> 1, faster than pytest-xdist (issue 12)" "$(holds "$pb_p > 1")"
    row "python suite, $pb_what: fanout's overhead per test (ms)" "$pb_o" \
        "< 1 ms (issue 12)" "$(holds "$pb_o < 1")"
elif [ -n "$SKIPPED" ]; then
    row "python suite against unittest, nose and pytest (python-bench.sh)" "skipped: $SKIPPED" \
        "> 1 (issue 12)" "skipped"
fi

# ---- 9. artifacts-bench.sh: a tree shipped to agent hosts (netns) -------------
echo "== artifacts-bench.sh" >&2
if bench ab artifacts-bench.sh "$FANOUT_BIN" QUICK="$QUICK"; then
    # | run | tree MB | agents | files hashed | wall s | bytes sent | MB sent |
    ab () { awk -F'|' -v run="$1" '$2 ~ run { for (i = 2; i <= 8; i++) gsub(/ /, "", $i); print $2, $3, $4, $5, $6, $7, $8 }' "$WORK/ab.out"; }
    read -r _ ab_mb ab_n _ ab_cold _ ab_cmb <<<"$(ab cold)"
    read -r _ _ _ ab_wh ab_warm ab_wsent _ <<<"$(ab warm)"
    row "artifacts: a $ab_mb MB tree to $ab_n agent hosts (netns): cold, then warm (wall s, MB sent)" \
        "cold ${ab_cold} s (${ab_cmb} MB), warm ${ab_warm} s (${ab_wsent} bytes, ${ab_wh} files hashed)" \
        "warm: nothing hashed, nothing sent (docs/artifacts.md)" \
        "$(holds "$ab_wsent == 0 && $ab_wh == 0")"
elif [ -n "$SKIPPED" ]; then
    row "artifacts shipped to agent hosts (artifacts-bench.sh)" "skipped: $SKIPPED" \
        "warm: nothing hashed, nothing sent (docs/artifacts.md)" "skipped"
fi

# ---- the table -----------------------------------------------------------------
LOAD_AFTER=$(loadavg)
echo
title="# fanout, all benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC')"
[ "$QUICK" = 1 ] && title="$title (QUICK=1: a smoke run, the figures mean nothing)"
echo "$title"
echo
echo "$(uname -srm), $(nproc) cores; load average before $LOAD_BEFORE, after $LOAD_AFTER; took $(( $(date +%s) - START )) s"
echo
echo "| figure | measured | bar | holds |"
echo "| --- | --- | --- | --- |"
cat "$WORK/rows"
exit "$FAILED"
