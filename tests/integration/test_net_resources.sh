#!/bin/bash
# Agent resources and labels (docs/resources.md), in network namespaces:
# host gpu offers `--resource gpu=2`, host dock carries `--label docker`,
# four slots each. Six GPU tests run only on gpu, at most two at a time
# (from the times they write), and two running together hold distinct
# ids (FANOUT_RESOURCE_GPU); the docker tests run only on dock; a test
# asking 3 GPUs and one requiring a label no agent has end not run with
# the reason once --wait has passed, and the others still pass.
. "$(dirname "$0")/net_lib.sh"
netns_require
netns_hosts broker gpu dock

d="$T_TMP/marks"
mkdir -p "$d"
cat >"$T_TMP/rec.sh" <<EOS
#!/bin/bash
echo "start \$(date +%s%N) \${FANOUT_RESOURCE_GPU-none}" >"$d/\$1"
sleep "\$2"
echo "end \$(date +%s%N)" >>"$d/\$1"
EOS
{
    echo "tests:"
    for i in 1 2 3 4 5 6; do
        echo "  - {name: gpu$i, run: [bash, $T_TMP/rec.sh, gpu$i, '0.3'], resources: {gpu: 1}}"
    done
    for i in 1 2 3; do
        echo "  - {name: dock$i, run: [bash, $T_TMP/rec.sh, dock$i, '0.1'], requires: [docker]}"
    done
    echo "  - {name: three, run: 'true', resources: {gpu: 3}}"
    echo "  - {name: arm, run: 'true', requires: [docker, arch=arm64]}"
} >"$T_TMP/suite.yml"

# --wait 10: the tests no agent can take end once it has passed.
start_on broker broker "$FANOUT" broker --bind "tcp://${ADDR[broker]}:5555" --insecure \
    --min-agents 2 --wait 10 --json "$T_TMP/report.json" "$T_TMP/suite.yml"
wait_log broker "listening on"
start_on gpu agent-gpu "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 4 \
    --name gpu --resource gpu=2 --insecure --once
start_on dock agent-dock "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" -j 4 \
    --name dock --label docker --insecure --once
finish broker 120
expect_rc broker 3 "two tests could not be run"
one_outcome "$T_TMP/report.json" gpu1 gpu2 gpu3 gpu4 gpu5 gpu6 dock1 dock2 dock3 three arm
json_assert "$T_TMP/report.json" \
    "all(tests['gpu%d' % i]['outcome'] == 'passed' and tests['gpu%d' % i]['host'] == 'gpu' for i in range(1, 7))" \
    "the GPU tests pass on the GPU host"
json_assert "$T_TMP/report.json" \
    "all(tests['dock%d' % i]['outcome'] == 'passed' and tests['dock%d' % i]['host'] == 'dock' for i in range(1, 4))" \
    "the docker tests pass on the docker host"
json_assert "$T_TMP/report.json" "tests['three']['outcome'] == 'not_run' and \
tests['three']['message'] == \"not run (no agent can take it: it needs 3 of resource 'gpu' and the most an agent offers is 2)\"" \
    "gpu: 3 is not run, with why"
json_assert "$T_TMP/report.json" "tests['arm']['outcome'] == 'not_run' and \
tests['arm']['message'] == \"not run (no agent can take it: it requires the labels 'docker', 'arch=arm64' and no agent has them all)\"" \
    "a missing label is not run, with why"

# At most two GPU tests at once, holding distinct ids of 0 and 1.
msg=$("$PY" - "$d" <<'EOF_PY' 2>&1
import os, sys
d = sys.argv[1]
runs = []
for i in range(1, 7):
    lines = [l.split() for l in open(os.path.join(d, 'gpu%d' % i))]
    runs.append((int(lines[0][1]), int(lines[1][1]), lines[0][2], 'gpu%d' % i))
for s, e, gpu, name in runs:
    if gpu not in ('0', '1'):
        sys.exit('%s got FANOUT_RESOURCE_GPU=%r' % (name, gpu))
    for r in runs:
        if r[3] != name and r[0] < e and s < r[1] and r[2] == gpu:
            sys.exit('%s and %s held gpu %s at once' % (name, r[3], gpu))
# At each start, how many run (an end at the same instant frees first).
for s, e, gpu, name in runs:
    now = [r[3] for r in runs if r[0] <= s < r[1]]
    if len(now) > 2:
        sys.exit('%d GPU tests ran at once: %r' % (len(now), now))
EOF_PY
) || fail "$msg"
for h in gpu dock; do
    finish "agent-$h" 20
    expect_rc "agent-$h" 0 "--once leaves after the run"
done
note "gpu=2: at most two GPU tests at once, distinct ids; requires and impossible needs hold"
