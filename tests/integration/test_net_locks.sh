#!/bin/bash
# Named locks across hosts (docs/resources.md), in network namespaces: a
# broker host and two agent hosts. Six tests share the exclusive lock `db`,
# three of them bound to each host (requires: a label only that host has),
# so the lock must hold across the cluster: the times the tests write
# never overlap. Two readers of `cache` wait for each other's marker (up
# to 60 s): they pass only if they ran at the same time; a writer of
# `cache` never overlaps either of them. Plain tests fill the slots left.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker h1 h2

d="$T_TMP/marks"
mkdir -p "$d"
# rec.sh NAME SECONDS: "start <ns>" and "end <ns>" lines in $d/NAME.
cat >"$T_TMP/rec.sh" <<EOS
#!/bin/bash
echo "start \$(date +%s%N)" >"$d/\$1"
sleep "\$2"
echo "end \$(date +%s%N)" >>"$d/\$1"
EOS
# reader.sh NAME OTHER: here, then waits for OTHER to be here too.
cat >"$T_TMP/reader.sh" <<EOS
#!/bin/bash
echo "start \$(date +%s%N)" >"$d/\$1"
touch "$d/\$1.here"
for i in \$(seq 600); do
    [ -e "$d/\$2.here" ] && break
    sleep 0.1
done
echo "end \$(date +%s%N)" >>"$d/\$1"
[ -e "$d/\$2.here" ] || { echo "\$2 never ran beside \$1" >&2; exit 1; }
EOS
{
    echo "tests:"
    for i in 1 2 3 4 5 6; do
        h=$(( i % 2 + 1 ))
        echo "  - {name: db$i, run: [bash, $T_TMP/rec.sh, db$i, '0.3'], locks: [db], requires: [h$h]}"
    done
    echo "  - {name: read1, run: [bash, $T_TMP/reader.sh, read1, read2], shared_locks: [cache]}"
    echo "  - {name: read2, run: [bash, $T_TMP/reader.sh, read2, read1], shared_locks: [cache]}"
    echo "  - {name: write, run: [bash, $T_TMP/rec.sh, write, '0.3'], locks: [cache]}"
    for i in 1 2 3 4; do
        echo "  - {name: plain$i, run: [bash, $T_TMP/rec.sh, plain$i, '0.2']}"
    done
} >"$T_TMP/suite.yml"

start_on broker broker "$FANOUT" broker --bind "tcp://${ADDR[broker]}:5555" --insecure \
    --min-agents 2 --wait 30 --json "$T_TMP/report.json" "$T_TMP/suite.yml"
wait_log broker "listening on"
for h in h1 h2; do
    start_on "$h" "agent-$h" "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 3 \
        --name "$h" --label "$h" --insecure --once
done
finish broker 120
expect_rc broker 0 "every test passes"
one_outcome "$T_TMP/report.json" db1 db2 db3 db4 db5 db6 read1 read2 write plain1 plain2 plain3 plain4
json_assert "$T_TMP/report.json" "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "$T_TMP/report.json" \
    "all(tests['db%d' % i]['host'] == 'h%d' % (i % 2 + 1) for i in range(1, 7))" \
    "the db tests ran where their label sent them: on both hosts"

# No two holders of db at once; the writer of cache beside no reader.
msg=$("$PY" - "$d" <<'EOF_PY' 2>&1
import os, sys
d = sys.argv[1]
def span(name):
    lines = dict(l.split() for l in open(os.path.join(d, name)))
    return int(lines['start']), int(lines['end'])
db = sorted(span('db%d' % i) for i in range(1, 7))
for a, b in zip(db, db[1:]):
    if b[0] < a[1]:
        sys.exit('two holders of db overlap: %r and %r' % (a, b))
w = span('write')
for r in ('read1', 'read2'):
    s = span(r)
    if s[0] < w[1] and w[0] < s[1]:
        sys.exit('the writer of cache overlaps %s: %r and %r' % (r, w, s))
EOF_PY
) || fail "$msg"
for h in h1 h2; do
    finish "agent-$h" 20
    expect_rc "agent-$h" 0 "--once leaves after the run"
done
note "db held by one test at a time across h1 and h2; readers side by side"
