#!/usr/bin/env bash
# deploy/kubernetes/*.yaml against the Kubernetes schemas (and KEDA's), with
# the kubernetes-models validator from npm (tests/k8s, installed by
# scripts/install-deps.sh), and fanout's own rules for them (tests/k8s/
# validate.js: security context, resources, keys, options that exist,
# Service and agents that fit, autoscaling on fanout_queue_tasks). Broken
# copies prove that the check fails where it must.
. "$(dirname "$0")/lib.sh"

K8S="$FANOUT_SRC/tests/k8s"
command -v node >/dev/null || fail "node is missing (Node.js; scripts/install-deps.sh)"
[ -d "$K8S/node_modules/kubernetes-models" ] && [ -d "$K8S/node_modules/@kubernetes-models/keda" ] ||
    fail "the validator is not installed: run scripts/install-deps.sh (npm ci in tests/k8s)"
FANOUT_OPTS_BROKER=$("$FANOUT" broker --help | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
FANOUT_OPTS_AGENT=$("$FANOUT" agent --help | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
export FANOUT_OPTS_BROKER FANOUT_OPTS_AGENT

validate () { node "$K8S/validate.js" "$@" >"$OUT" 2>"$ERR"; RC=$?; }

manifests=("$FANOUT_SRC"/deploy/kubernetes/*.yaml)
[ ${#manifests[@]} -ge 5 ] || fail "expected the manifests in deploy/kubernetes, found ${#manifests[@]}"
validate "${manifests[@]}"
[ "$RC" = 0 ] || fail "deploy/kubernetes does not validate: $(cat "$OUT" "$ERR")"
cat "$OUT"
for kind in Service PersistentVolumeClaim Job Deployment HorizontalPodAutoscaler ScaledObject NetworkPolicy; do
    grep -qx "kind: $kind" "${manifests[@]}" || fail "no $kind in deploy/kubernetes"
done

# break FILE SED-SCRIPT EXPECTED: a broken copy of FILE (with the others)
# must fail with a message containing EXPECTED.
break_one () {
    local file=$1 script=$2 want=$3 dir="$ITEST_TMP/broken"
    rm -rf "$dir" && mkdir "$dir" && cp "${manifests[@]}" "$dir/"
    sed -i -e "$script" "$dir/$file"
    cmp -s "$dir/$file" "$FANOUT_SRC/deploy/kubernetes/$file" && fail "the edit '$script' changed nothing in $file"
    validate "$dir"/*.yaml
    [ "$RC" = 1 ] || fail "a broken $file ('$script') validates (exit status $RC)"
    grep -qF -- "$want" "$OUT" || fail "a broken $file ('$script') fails without '$want': $(cat "$OUT" "$ERR")"
}
break_one agents-deployment.yaml 's/^      containers:/      containerz:/' "must have required property containers"
break_one broker-job.yaml 's/restartPolicy: Never/restartPolicy: Sometimes/' "must be equal to one of the allowed values"
break_one agents-deployment.yaml 's/^  replicas: 4 /  replicas: four /' "must be integer"
break_one autoscaling-keda.yaml 's/^  scaleTargetRef:/  scaleTarget:/' "must have required property scaleTargetRef"
break_one agents-deployment.yaml 's/--jobs=2/--jobz=2/' "'fanout agent' has no option --jobz"
break_one agents-indexed-job.yaml 's/secretName: fanout-agent/secretName: fanout-broker/' "the agent mounts the Secret fanout-broker"
break_one broker-job.yaml 's/--min-agents=4/--min-agents=3/' "the broker waits for --min-agents=3"
break_one agents-deployment.yaml 's|tcp://fanout-broker:5555|tcp://broker:5555|' "--connect is tcp://broker:5555"
break_one broker-job.yaml 's/runAsNonRoot: true/runAsNonRoot: false/' "runAsNonRoot is not true"
break_one autoscaling-hpa.yaml 's/name: fanout_queue_tasks/name: queue/' "does not scale on fanout_queue_tasks"
break_one broker-job.yaml 's/^              memory: 1Gi/              memoryy: 1Gi/' "has no resources.limits.memory"
break_one broker-job.yaml 's/--metrics=:9464/--metrics=:9465/' "--metrics port 9465 is not a port of the broker container"
break_one broker-job.yaml '/--metrics=/d' "the broker serves no metrics"
break_one broker-job.yaml 's/prometheus.io\/port: "9464"/prometheus.io\/port: "9465"/' "lacks prometheus.io annotations for port 9464"

echo "PASS [$ITEST_NAME]"
