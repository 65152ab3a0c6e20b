#!/bin/bash
# The command line's numbers and help texts: every number of every command
# (and of the environment) is refused with one message format, naming the
# command that read it ("fanout COMMAND: NAME needs KIND, not 'VALUE'",
# exit 2, nothing run); -j stops where a broker would refuse the agent;
# every option a --help lists is one the command knows, and the defaults
# stand under the option they belong to.
. "$(dirname "$0")/lib.sh"

good="$DATA/outcomes_pass.yml"
cd "$ITEST_DIR" || fail "cannot enter $ITEST_DIR"

# refused CMD NAME VALUE SHOWN ARGS...: exit 2, and exactly the one line
# "fanout CMD: NAME needs ..., not SHOWN" on stderr.
refused () {
    local cmd=$1 name=$2 shown=$3; shift 3
    run_fanout "$cmd" "$@"
    expect_rc 2 "fanout $cmd $*"
    [ ! -s "$OUT" ] || fail "fanout $cmd $*: printed on stdout (did something run?)"
    [ "$(wc -l <"$ERR")" -eq 1 ] || fail "fanout $cmd $*: expected one line on stderr"
    grep -qE "^fanout $cmd: $name needs [^,]+(, [^,]+)*, not $shown\$" "$ERR" ||
        fail "fanout $cmd $*: not the one format: $(cat "$ERR")"
}

refused run -j "'x'" -j x "$good"
refused run -j "'4097'" -j 4097 "$good"
refused run -j "'1.5'" --jobs=1.5 "$good"
refused agent -j "' 2'" --connect inproc://x -j ' 2'
refused run --retries "'-1'" --retries -1 "$good"
refused run --maxfail "'0'" --maxfail 0 "$good"
refused run --max-attempts "'1000001'" --max-attempts 1000001 "$good"
refused run --timeout "'1e3'" --timeout 1e3 "$good"
refused run --timeout "'inf'" --timeout inf "$good"
refused run --task-timeout "'-2'" --task-timeout -2 "$good"
refused run --slow "'1.2.3'" --slow 1.2.3 "$good"
refused run --output-cap "'10'" --output-cap 10 "$good"
refused run --output-cap "'9M'" --output-cap 9M "$good"
refused broker --output-cap "'1X'" --output-cap 1X "$good"
refused broker --wait "'99999999'" --wait 99999999 "$good"
refused broker --min-agents "'0'" --min-agents 0 "$good"
refused broker --heartbeat "'0'" --heartbeat 0 "$good"
refused run --liveness "'1'" --liveness 1 "$good"
refused agent --prefetch "'5000'" --connect inproc://x --prefetch 5000
# The environment: the variable's name, its value as the assignment, and
# the command that read it (FANOUT_TIMEOUT used to say "fanout run" always).
FANOUT_TIMEOUT=soon refused broker FANOUT_TIMEOUT "FANOUT_TIMEOUT='soon'" "$good"
FANOUT_TIMEOUT=soon refused run FANOUT_TIMEOUT "FANOUT_TIMEOUT='soon'" "$good"
FANOUT_JOBS=many refused agent FANOUT_JOBS "FANOUT_JOBS='many'" --connect inproc://x
FANOUT_JOBS=5000 refused run FANOUT_JOBS "FANOUT_JOBS='5000'" "$good"
FANOUT_LOG=loud refused agent FANOUT_LOG "FANOUT_LOG='loud'" --connect inproc://x
# The spawning knobs are read deep in the agent, which has no one to tell:
# checked before anything runs (they used to fall back to the default).
FANOUT_SPAWN_THREADS=17 refused run FANOUT_SPAWN_THREADS "FANOUT_SPAWN_THREADS='17'" "$good"
FANOUT_SPAWN_THREADS=9999999999 refused agent FANOUT_SPAWN_THREADS \
    "FANOUT_SPAWN_THREADS='9999999999'" --connect inproc://x
FANOUT_SPAWN_LANES=off refused run FANOUT_SPAWN_LANES "FANOUT_SPAWN_LANES='off'" "$good"
FANOUT_PIN_LANES=-1 refused agent FANOUT_PIN_LANES "FANOUT_PIN_LANES='-1'" --connect inproc://x
FANOUT_SPAWN_THREADS=16 FANOUT_SPAWN_LANES=1 FANOUT_PIN_LANES=0 run_fanout run "$good"
expect_rc 0 "the spawning knobs' own values"

# Accepted: the limits themselves, 0 and negative -j, decimals, sizes.
run_fanout run -j 4096 --timeout 0.5 --slow 0 --output-cap 64KiB --retries 0 "$good"
expect_rc 0 "the largest -j and valid numbers"
run_fanout run -j -1 --max-attempts 1000000 --output-cap 7M "$good"
expect_rc 0 "-j -1 and the largest counts"
FANOUT_TIMEOUT=soon run_fanout run --timeout 2 "$good"
expect_rc 0 "--timeout wins over FANOUT_TIMEOUT, which is then not read"

# --- help texts: exit 0, on stdout; every option they list is known
for cmd in run broker agent; do
    run_fanout "$cmd" --help
    expect_rc 0 "fanout $cmd --help"
    [ ! -s "$ERR" ] || fail "fanout $cmd --help wrote on stderr"
    opts=$(grep -oE '^ +(-[a-z], )?--[a-z-]+' "$OUT" | grep -oE -- '--[a-z-]+')
    [ "$(echo "$opts" | wc -l)" -ge 6 ] || fail "fanout $cmd --help lists too few options: $opts"
    for opt in $opts; do
        timeout 10 "$FANOUT" "$cmd" "$opt=@" >/dev/null 2>"$ITEST_TMP/opt.err" </dev/null
        ! grep -q "unrecognized option" "$ITEST_TMP/opt.err" ||
            fail "fanout $cmd --help lists $opt, which fanout $cmd does not know"
    done
done
# The attempts default stands under --max-attempts, nowhere else.
run_fanout run --help
grep -A1 -- '--max-attempts N' "$OUT" | grep -qF "(default 1, or 2 with --bind)" ||
    fail "fanout run --help: --max-attempts does not give both defaults"
[ "$(grep -c "with --bind" "$OUT")" -eq 1 ] || fail "fanout run --help: a stray '(2 with --bind)'"
grep -A1 -- '--core-dumps' "$OUT" | tail -n 1 | grep -q -- '--bind ENDPOINT' ||
    fail "fanout run --help: something stands between --core-dumps and --bind"
run_fanout broker --help
grep -A1 -- '--max-attempts N' "$OUT" | grep -qF "(default 2)" ||
    fail "fanout broker --help: --max-attempts default"
for cmd in run agent; do
    run_fanout "$cmd" --help
    grep -qF -- "-j, --jobs N          worker slots, at most 4096" "$OUT" ||
        fail "fanout $cmd --help: -j does not give its limit"
done
