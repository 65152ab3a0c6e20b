#!/usr/bin/env bash
# The compose cluster for real (deploy/compose/compose.yaml, ctest label
# `compose`): the file checked against the Compose Specification by
# Debian's docker-compose, fanout's image built from this tree on a base
# image made without a registry, then podman-compose runs
#
#  1. the default example suite (deploy/compose/example) with three agents:
#     exit status 0; every test passed exactly once; each test's own record
#     of the container that ran it is the report's host, an agent's, and more
#     than one agent worked; the broker waited for all three (6 slots); the
#     report is in the mounted directory; the keys were made with fanout
#     keygen and are mounted read-only;
#  2. a suite with a failing test with two agents: exit status 1 (the
#     broker's), the keys of the first start reused;
#
# and after each `down` no container, network or volume of the cluster is
# left. Skips (77) only where podman cannot run a container at all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/podman_lib.sh"

COMPOSE_FILE="$FANOUT_SRC/deploy/compose/compose.yaml"
IMAGE=localhost/fanout-itest:latest
PROJECT="fanoutitest$$"
PCOMPOSE=(podman-compose -p "$PROJECT" -f "$COMPOSE_FILE")

compose_cleanup () {
    [ -n "${COMPOSE_STARTED-}" ] || return 0
    "${PCOMPOSE[@]}" down >/dev/null 2>&1
    podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" | xargs -r podman rm -f >/dev/null 2>&1
    podman network ls -q --filter "label=io.podman.compose.project=$PROJECT" | xargs -r podman network rm -f >/dev/null 2>&1
}
trap 'rc=$?; compose_cleanup; (exit $rc); cleanup' EXIT

# First the file as Docker Compose reads it: Debian's docker-compose (1.29)
# checks it against the Compose Specification's schema, offline and without
# an engine, and interpolates the variables as Compose v2 does.
command -v docker-compose >/dev/null || fail "docker-compose is not installed (scripts/install-deps.sh)"
FANOUT_AGENTS=5 docker-compose -f "$COMPOSE_FILE" config >"$ITEST_TMP/config.yaml" 2>"$ITEST_TMP/config.err" ||
    fail "docker-compose rejects compose.yaml: $(cat "$ITEST_TMP/config.err")"
[ ! -s "$ITEST_TMP/config.err" ] || fail "docker-compose warns about compose.yaml: $(cat "$ITEST_TMP/config.err")"
grep -qx '      replicas: 5' "$ITEST_TMP/config.yaml" && grep -qx -- '    - --min-agents=5' "$ITEST_TMP/config.yaml" ||
    fail "FANOUT_AGENTS=5 does not make 5 agent replicas and --min-agents=5: $(grep -n 'replicas\|min-agents' "$ITEST_TMP/config.yaml")"
sed 's/^    entrypoint:$/    entrypont:/' "$COMPOSE_FILE" >"$ITEST_TMP/broken.yaml"
docker-compose -f "$ITEST_TMP/broken.yaml" config -q >/dev/null 2>"$ITEST_TMP/config.err"
[ $? != 0 ] && grep -q "entrypont" "$ITEST_TMP/config.err" || fail "docker-compose accepts an unknown option: the check is void"

podman_setup
command -v podman-compose >/dev/null || fail "podman-compose is not installed (scripts/install-deps.sh)"
podman_build_image "$IMAGE"

KEYS="$ITEST_TMP/keys"
REPORTS="$ITEST_TMP/reports"
mkdir -p "$REPORTS"
JSON="$REPORTS/report.json"
volumes_before=$(podman volume ls -q | sort)

# cluster_up AGENTS SUITE_DIR: `up --exit-code-from broker`; leaves $RC and
# the containers (stopped or not) for inspection.
cluster_up () {
    COMPOSE_STARTED=1
    rm -f "$JSON"
    local t0=$SECONDS
    FANOUT_IMAGE="$IMAGE" FANOUT_AGENTS="$1" FANOUT_SUITE_DIR="$2" FANOUT_KEYS_DIR="$KEYS" \
        FANOUT_REPORTS_DIR="$REPORTS" FANOUT_WAIT=120 \
        timeout -k 10 600 "${PCOMPOSE[@]}" up --exit-code-from broker >"$ITEST_TMP/up.log" 2>&1
    RC=$?
    OUT="$ITEST_TMP/up.log"
    [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "podman-compose up did not end within 600 s"
    echo "cluster with $1 agents: exit status $RC after $((SECONDS - t0)) s"
}

# containers SERVICE: "name hostname" of the project's containers of SERVICE.
containers () {
    podman ps -a --filter "label=io.podman.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' |
        while read -r name; do
            echo "$name $(podman inspect --format '{{.Config.Hostname}}' "$name")"
        done
}

# mount_rw CONTAINER DEST: "true" or "false", the mount's RW flag.
mount_rw () {
    podman inspect --format '{{range .Mounts}}{{if eq .Destination "'"$2"'"}}{{.RW}}{{end}}{{end}}' "$1"
}

# cluster_down: `down`, then nothing of the project may be left.
cluster_down () {
    "${PCOMPOSE[@]}" down >"$ITEST_TMP/down.log" 2>&1 || {
        cat "$ITEST_TMP/down.log" >&2; fail "podman-compose down failed"; }
    local left
    left=$(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}')
    [ -z "$left" ] || fail "containers left after down: $left"
    [ "$(podman volume ls -q | sort)" = "$volumes_before" ] || fail "volumes left after down: $(podman volume ls -q)"
    left=$(podman network ls -q --filter "label=io.podman.compose.project=$PROJECT")
    if [ -n "$left" ]; then
        # podman-compose before 1.3 never removes networks on down
        # (containers/podman-compose#490, fixed by #1062): the documented
        # extra step removes exactly this one network, nothing else is left.
        local version
        version=$(podman-compose version 2>/dev/null | sed -n 's/^podman-compose[a-z]* version[: ]*//p' | head -n 1)
        if [ -n "$version" ] && [ "$(printf '%s\n' "$version" 1.3.0 | sort -V | head -n 1)" = "$version" ] &&
           [ "$version" != 1.3.0 ] && [ "$left" = "${PROJECT}_cluster" ]; then
            echo "podman-compose $version leaves the network on down (fixed in 1.3): podman network rm $left"
            podman network rm "$left" >/dev/null || fail "cannot remove network $left"
        else
            fail "networks left after down: $left (podman-compose ${version:-of unknown version})"
        fi
    fi
    COMPOSE_STARTED=
}

### 1. the example suite, three agents ###
cluster_up 3 "$FANOUT_SRC/deploy/compose/example"
[ "$RC" = 0 ] || { tail -n 40 "$OUT" >&2; fail "the cluster's exit status is $RC, expected 0 (the example passes)"; }
[ -f "$JSON" ] || fail "no report.json in the mounted FANOUT_REPORTS_DIR"

agents=$(containers agent)
[ "$(echo "$agents" | grep -c .)" = 3 ] || fail "expected 3 agent containers, got: $agents"
broker=$(containers broker)
[ "$(echo "$broker" | grep -c .)" = 1 ] || fail "expected 1 broker container, got: $broker"

# Keys: made by fanout keygen, the secrets private; each mounted read-only,
# and the agents never see the broker's secret key.
for f in broker/broker.cert_secret broker/broker.cert agent/agent.cert_secret agent/broker.cert authorized/agent.cert; do
    [ -s "$KEYS/$f" ] || fail "keys: $f was not made"
done
grep -q '^metadata' "$KEYS/broker/broker.cert_secret" && grep -q 'secret-key' "$KEYS/broker/broker.cert_secret" ||
    fail "keys: broker.cert_secret is not a czmq certificate with a secret key"
[ "$(stat -c %a "$KEYS/agent/agent.cert_secret")" = 600 ] || fail "keys: agent.cert_secret is not mode 0600"
[ ! -e "$KEYS/agent/broker.cert_secret" ] || fail "keys: the agents' directory holds the broker's secret key"
cmp -s "$KEYS/broker/broker.cert" "$KEYS/agent/broker.cert" || fail "keys: the agents pin another broker key"
name=${broker%% *}
for dest in /keys /authorized /suite; do
    [ "$(mount_rw "$name" "$dest")" = false ] || fail "$dest is not mounted read-only in the broker"
done
[ "$(mount_rw "$name" /reports)" = true ] || fail "/reports is not writable in the broker"
while read -r name _; do
    for dest in /keys /suite; do
        [ "$(mount_rw "$name" "$dest")" = false ] || fail "$dest is not mounted read-only in $name"
    done
done <<<"$agents"

ids=(t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 session/first session/second)
check_one_outcome "${ids[@]}"
json_assert "r['totals']['passed'] == ${#ids[@]}" "every test passed"
# The broker waited for all three agents: 3 x 2 slots were connected at once.
json_assert "r['jobs'] == 6" "jobs is the slots of all three agents"
msg=$("$PY" - "$JSON" "$(echo "$agents" | awk '{print $2}')" "$(echo "$broker" | awk '{print $2}')" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
agents, broker = set(sys.argv[2].split()), sys.argv[3]
errs, used = [], {}
for t in r['tests']:
    words = t['stdout'].split()
    ran = words[3] if len(words) == 4 and words[:3] == [t['id'], 'ran', 'on'] else None
    if ran is None:
        errs.append('%s recorded no container: %r' % (t['id'], t['stdout']))
    elif ran != t['host']:
        errs.append('%s ran on %s but the report says %s' % (t['id'], ran, t['host']))
    elif ran not in agents:
        errs.append('%s ran on %s, not an agent container (%s; broker %s)' % (t['id'], ran, sorted(agents), broker))
    used.setdefault(ran, []).append(t['id'])
if len(used) < 2:
    errs.append('only one agent worked: %r' % used)
s = {t['id']: t['host'] for t in r['tests']}
if s['session/first'] != s['session/second']:
    errs.append('the unmarked context was split over two agents')
print('; '.join(errs) if errs else 'tests per container: ' + ', '.join('%s %d' % (h, len(v)) for h, v in sorted(used.items())))
sys.exit(1 if errs else 0)
EOF
) || fail "$msg"
echo "$msg"
grep -q '3 agents joined: the run starts' "$OUT" || fail "the broker did not say that the 3 agents joined"
broker_cert=$(sha256sum <"$KEYS/broker/broker.cert")
cluster_down

### 2. a failing test, two agents: the cluster's status is the broker's ###
cluster_up 2 "$FANOUT_SRC/tests/data/compose/failing"
[ "$RC" = 1 ] || { tail -n 40 "$OUT" >&2; fail "the cluster's exit status is $RC, expected 1 (a test fails)"; }
[ "$(containers agent | grep -c .)" = 2 ] || fail "FANOUT_AGENTS=2 did not make 2 agents"
check_one_outcome good-1 good-2 good-3 broken
json_assert "t('broken')['outcome'] == 'failed' and r['totals']['passed'] == 3" "broken failed, the others passed"
json_assert "r['jobs'] == 4" "jobs is the slots of both agents"
grep -q 'keys: using the keys in FANOUT_KEYS_DIR' "$OUT" || fail "the second start made new keys"
[ "$(sha256sum <"$KEYS/broker/broker.cert")" = "$broker_cert" ] || fail "the broker's key changed on the second start"
cluster_down

echo "PASS [$ITEST_NAME]"
