#!/bin/bash
# `fanout run --resource/--resource-file/--agent-label`: the local agent offers
# what they say (docs/resources.md). A test asking for two GPUs is told
# both ids, one asking for a GPU is told one, a test requiring a label the
# agent carries runs, and what the agent can never give ends not run with
# the reason as soon as it joined (exit 3). Bad options are usage errors.
. "$(dirname "$0")/lib.sh"

cat >"$ITEST_DIR/spec.json" <<'EOF_JSON'
{"version": {"major": 1, "minor": 0},
 "local": [{"licenses": [{"id": "floating", "slots": 2}]}]}
EOF_JSON
cat >"$ITEST_DIR/suite.yml" <<'EOF_YAML'
tests:
  - {name: two, run: 'echo "gpu=$FANOUT_RESOURCE_GPU"', resources: {gpu: 2}}
  - {name: one, run: 'echo "gpu=$FANOUT_RESOURCE_GPU lic=$FANOUT_RESOURCE_LICENSES"', resources: {gpu: 1, licenses: 2}}
  - {name: labelled, run: 'true', requires: [docker, arch=x86_64]}
  - {name: locked, run: 'true', locks: [db], shared_locks: [cache]}
  - {name: three, run: 'true', resources: {gpu: 3}}
  - {name: arm, run: 'true', requires: [arch=arm64]}
EOF_YAML
run_fanout run -j 4 --resource gpu=2 --resource-file "$ITEST_DIR/spec.json" --agent-label docker \
    --agent-label arch=x86_64 --json "$JSON" "$ITEST_DIR/suite.yml"
expect_rc 3
json_assert "tests['two']['outcome'] == 'passed' and tests['two']['stdout'] == 'gpu=0,1\n'" \
    "gpu: 2 is told both ids"
json_assert "tests['one']['outcome'] == 'passed' and tests['one']['stdout'] in ('gpu=0 lic=floating,floating\n', 'gpu=1 lic=floating,floating\n')" \
    "gpu: 1 is told one id, licenses: 2 two slots of one instance"
json_assert "tests['labelled']['outcome'] == 'passed' and tests['locked']['outcome'] == 'passed'"
json_assert "tests['three']['outcome'] == 'not_run' and tests['three']['message'] == \"not run (no agent can take it: it needs 3 of resource 'gpu' and the most an agent offers is 2)\""
json_assert "tests['arm']['outcome'] == 'not_run' and tests['arm']['message'] == \"not run (no agent can take it: it requires the label 'arch=arm64' and no agent has it)\""

# Bad options: usage errors that say what is wrong.
run_fanout run --resource gpu "$ITEST_DIR/suite.yml"
expect_rc 2
expect_err "fanout run: --resource 'gpu': expected NAME=COUNT, COUNT from 1 to 1024"
run_fanout run --agent-label 'a b' "$ITEST_DIR/suite.yml"
expect_rc 2
expect_err "fanout run: --agent-label 'a b': a label is 1 to 256 printable characters, no space or ','"
echo '{"version": {"major": 1, "minor": 0}, "local": [{"gpu": [{"id": "0"}]}]}' >"$ITEST_DIR/dup.json"
run_fanout agent --connect tcp://127.0.0.1:1 --insecure --resource gpu=1 --resource-file "$ITEST_DIR/dup.json"
expect_rc 2
expect_err "fanout agent: $ITEST_DIR/dup.json: instance '0' of resource 'gpu' is offered twice"
