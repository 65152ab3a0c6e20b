#!/bin/bash
# Hostile suite files (issue 10, items 1, 2 and 5): an alias bomb, 100,000
# nested contexts, an alias cycle, deep YAML outside any context, 100,000
# sibling contexts, oversize names, arguments and tests, an oversize file,
# and small files that multiply themselves in memory (a scalar of 1 MiB
# aliased by 480 tests, an env inherited by 60,000 tests, aliased lists of
# tests). Each must end in exit 2 with one 'file:line:column: message' (or
# 'file: message') on stderr, nothing run, within 30 s and 1 GiB of address
# space (256 MiB for the small files). (Under AddressSanitizer, which
# reserves terabytes of address space, the address-space limit cannot
# apply; the peak resident size is checked in every build.)
. "$(dirname "$0")/lib.sh"

W="$ITEST_DIR"

# hostile FILE [MIB]: runs 'fanout run FILE' bounded (MIB of address space
# and of peak resident size, 1024 unless given), leaving $RC, $OUT, $ERR.
hostile () {
    "$PY" - "$FANOUT" "$1" "$OUT" "$ERR" "${2:-1024}" <<'PY' || fail "$1: see above"
import resource, subprocess, sys
fanout, suite, out, err, mib = sys.argv[1:6]
GiB = int(mib) * 1024 ** 2

def limit():
    resource.setrlimit(resource.RLIMIT_AS, (GiB, GiB))

# A build that cannot even start within 1 GiB of address space is an
# AddressSanitizer build: no address-space limit for it.
probe = subprocess.run([fanout, "--version"], preexec_fn=limit,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    p = subprocess.run([fanout, "run", "-j", "2", suite], stdout=open(out, "w"),
                       stderr=open(err, "w"), timeout=30,
                       preexec_fn=limit if probe.returncode == 0 else None)
except subprocess.TimeoutExpired:
    sys.exit("fanout run %s did not finish within 30 s" % suite)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if peak_kib > GiB // 1024:
    sys.exit("fanout run %s peaked at %d MiB resident" % (suite, peak_kib // 1024))
open(out + ".rc", "w").write(str(p.returncode))
PY
    RC=$(cat "$OUT.rc")
}

# expect_refused FILE WHERE MESSAGE [MIB]: exit 2, nothing on stdout,
# exactly one line on stderr: "FILE:WHERE: MESSAGE" (WHERE is
# "line:column", or empty for a message about the whole file).
expect_refused () {
    hostile "$W/$1" "${4:-}"
    expect_rc 2 "$1"
    [ ! -s "$OUT" ] || fail "$1: something was printed on stdout (did a test run?)"
    [ "$(wc -l <"$ERR")" -eq 1 ] || fail "$1: expected exactly one line on stderr"
    local want="$W/$1:${2:+$2:} $3"
    [ "$(cat "$ERR")" = "$want" ] || fail "$1: stderr is '$(head -c 400 "$ERR")', expected '$want'"
}

# --- the alias bomb of the issue: 2.7 KB standing for some 10^10 nodes
"$PY" - "$W/bomb.yml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("contexts:\n  - &c0 {name: a0, tests: [{name: t, run: 'true'}]}\n")
    for i in range(1, 31):
        f.write("  - &c%d {name: a%d, contexts: [{name: l, contexts: [*c%d]}, "
                "{name: r, contexts: [*c%d]}]}\n" % (i, i, i - 1, i - 1))
PY
expect_refused bomb.yml 18:54 \
    "alias '*c15' makes the suite larger than 2000000 YAML nodes (an alias counts every node it stands for)"

# --- an alias inside the node it names: a walk that never ends
printf 'contexts: &a [{name: c, contexts: *a}]\n' >"$W/cycle.yml"
expect_refused cycle.yml 1:35 \
    "alias '*a' is inside the node it names (defined at line 1, column 11): that would never end"

# --- 100,000 nested contexts (2.3 MB): refused while libyaml reads it
"$PY" -c 'import sys; n = 100000; open(sys.argv[1], "w").write(
    "contexts: [" + "{name: c, contexts: [" * n + "]}" * n + "]\n")' "$W/deep.yml"
expect_refused deep.yml 1:2679 "lists and maps nest deeper than 256 levels here"

# --- 100,000 nested lists in an env value, where no context is
"$PY" -c 'import sys; n = 100000; open(sys.argv[1], "w").write(
    "env: {A: " + "[" * n + "]" * n + "}\ntests: [{name: t, run: \"true\"}]\n")' "$W/deeplist.yml"
expect_refused deeplist.yml 1:264 "lists and maps nest deeper than 256 levels here"

# --- 100,000 sibling contexts: loaded in linear time, up to the repeat at the end
"$PY" -c 'import sys
with open(sys.argv[1], "w") as f:
    f.write("contexts:\n")
    for i in range(100000):
        f.write("  - {name: c%d}\n" % i)
    f.write("  - {name: c5}\n")' "$W/wide.yml"
expect_refused wide.yml 100002:5 "duplicate context name 'c5' (first defined at line 7)"

# --- a name of 5000 bytes
"$PY" -c 'import sys; open(sys.argv[1], "w").write(
    "tests:\n  - {run: \"true\", name: " + "n" * 5000 + "}\n")' "$W/longname.yml"
expect_refused longname.yml 2:25 "test name '$(printf 'n%.0s' $(seq 200))...' is 5000 bytes long (at most 4096)"

# --- a command over the protocol's 8 MiB string: refused at load, never leased
"$PY" -c 'import sys; open(sys.argv[1], "w").write(
    "tests:\n  - name: big\n    run: [echo, " + "x" * (9 << 20) + "]\n")' "$W/bigarg.yml"
expect_refused bigarg.yml 3:17 \
    "argument 2 of 'run' of test 'big' is 9437184 bytes long (at most 1 MiB)"

# --- arguments each within their limit, a test that is not
"$PY" -c 'import sys; open(sys.argv[1], "w").write(
    "tests:\n  - name: big\n    cwd: /tmp\n    run:\n" + ("      - " + "x" * (1 << 20) + "\n") * 5)' "$W/bigtest.yml"
expect_refused bigtest.yml 2:5 \
    "test 'big' takes 5242895 bytes to send (its id twice, command, env with what it inherits, cwd); the limit is 4 MiB"

# --- a file past 64 MiB is not even read whole
truncate -s 67108865 "$W/huge.yml"
expect_refused huge.yml "" "the suite file is longer than 64 MiB"

# --- the review's file (1 MiB): one scalar of 1 MiB aliased by 480 tests,
# each use a copy in the tree, the plan and a lease (it peaked at 1 GB).
# What aliases stand for is at most 16 MiB here: refused at the 17th use.
"$PY" - "$W/bigalias.yml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("tests:\n  - {name: t0, run: [echo, &big " + "x" * (1 << 20) + "]}\n")
    for i in range(1, 481):
        f.write("  - {name: t%d, run: [echo, *big]}\n" % i)
PY
expect_refused bigalias.yml 19:29 \
    "alias '*big' brings the text aliases stand for to 17825792 bytes (at most 16777216: 8 times the file's size, at least 16 MiB)" 256

# --- no alias: 1,024 small variables at the top, copied into each of
# 60,000 tests' steps (1.9 MB; it took 5.4 GB). Memory is bounded by 64
# times the file's size (122,754,624 bytes), counted as the steps hold it.
"$PY" - "$W/inherit.yml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("cwd: /w\nenv: {" + ", ".join("V%d: x" % i for i in range(1024)) + "}\ntests:\n")
    for i in range(60000):
        f.write("  - {name: t%d, run: 'true'}\n" % i)
PY
[ "$(stat -c %s "$W/inherit.yml")" -eq 1918041 ] || fail "inherit.yml is not the size the message expects"
expect_refused inherit.yml 1156:5 \
    "the suite's tests and fixtures would take more than 122754624 bytes of memory to run (64 times the file's size, at least 64 MiB, at most 2 GiB; at test 't1152')" 256

# --- a list of 1,000 tests aliased by 300 contexts (42 KB): each copy a
# few hundred bytes, 300,000 of them (it took 422 MB). Refused at the
# first copy past 64 MiB, at the line of the test it copies.
"$PY" - "$W/aliasedtests.yml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("cwd: /w\ncontexts:\n  - name: c0\n    tests: &t\n")
    for i in range(1000):
        f.write("      - {name: t%d, run: 'true'}\n" % i)
    for c in range(1, 300):
        f.write("  - {name: c%d, tests: *t}\n" % c)
PY
expect_refused aliasedtests.yml 872:9 \
    "the suite's tests and fixtures would take more than 67108864 bytes of memory to run (64 times the file's size, at least 64 MiB, at most 2 GiB; at test 'c59/t867')" 256

# --- and ordinary anchors still work
cat >"$W/anchors.yml" <<'YAML'
env: &common {MODE: fast}
contexts:
  - name: a
    env: *common
    tests:
      - &t {name: one, run: 'test "$MODE" = fast'}
  - name: b
    tests: [*t]
YAML
run_fanout run -j 2 "$W/anchors.yml"
expect_rc 0
expect_last_line "2 passed, 0 failed, 0 errors, 0 skipped"
exit 0
