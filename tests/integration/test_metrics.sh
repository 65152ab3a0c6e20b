#!/bin/bash
# The metrics endpoint (--metrics ADDR), scraped during real runs on
# loopback: `fanout run` with tests that wait for a file (tests queued and
# running, the agent's slots busy), then the final numbers while a shared
# teardown holds the run open, matching the JSON report; other paths 404,
# other methods 405, an oversized request refused, the HTTP thread blocks
# the process's signals; a port in use or a bad ADDR is exit 2 before any
# test runs. Then `fanout broker --metrics` with real agents over ipc://:
# the queue before any agent comes (what an autoscaler reads), an agent
# lost with its leases, and the run finished by another agent.
. "$(dirname "$0")/net_lib.sh"

# ---- helpers ----------------------------------------------------------------

# gate.sh FILE STATUS ...: a test that waits until FILE exists, then exits
# STATUS. It first checks that it inherited no socket from fanout (the
# endpoint's are close-on-exec). The arguments after STATUS carry $MARK.
cat >"$T_TMP/gate.sh" <<'EOF'
for f in /proc/$$/fd/*; do
    case $(readlink "$f") in socket:*) echo "inherited a socket: $f" >&2; exit 3 ;; esac
done
while [ ! -e "$1" ]; do sleep 0.05; done
exit "$2"
EOF

# write_gated FILE N GO TEARDOWN FAILING: tests t1..tN of a shared context
# "svc", each waiting for GO; tN exits 1 when FAILING is 1; the context's
# teardown waits for TEARDOWN (the run stays open after the last test).
write_gated () {
    local i status
    { echo "contexts:"
      echo "  - name: svc"
      echo "    mode: shared"
      echo "    setup: [\"true\"]"
      echo "    teardown: [sh, $T_TMP/gate.sh, $4, 0, $MARK]"
      echo "    tests:"
      for i in $(seq 1 "$2"); do
          status=0
          [ "$i" = "$2" ] && [ "$5" = 1 ] && status=1
          echo "      - {name: t$i, run: [sh, $T_TMP/gate.sh, $3, $status, $MARK]}"
      done; } >"$1"
}

# The scraper: python's urllib, and a strict reading of the text format
# (every sample after its family's HELP and TYPE, no sample twice).
cat >"$T_TMP/scrape.py" <<'EOF'
import re, sys, time, urllib.request, urllib.error

SAMPLE = re.compile(r'^([a-z_]+)(\{[a-z_]+="(?:[^"\\\n]|\\.)*"\})? ([0-9]+)$')

def parse(text):
    seen, samples = {}, {}
    for line in text.splitlines():
        if line.startswith('# HELP ') or line.startswith('# TYPE '):
            _, kind, name, rest = line.split(' ', 3)
            seen.setdefault(name, set()).add(kind)
            if kind == 'TYPE' and rest not in ('gauge', 'counter'):
                raise ValueError('type %r' % line)
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError('not a sample: %r' % line)
        if seen.get(m.group(1)) != {'HELP', 'TYPE'}:
            raise ValueError('no HELP and TYPE before %r' % line)
        key = m.group(1) + (m.group(2) or '')
        if key in samples:
            raise ValueError('%s twice' % key)
        samples[key] = int(m.group(3))
    return samples

def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        if r.status != 200:
            raise ValueError('status %d' % r.status)
        ctype = r.headers.get('Content-Type', '')
        if not ctype.startswith('text/plain; version=0.0.4'):
            raise ValueError('Content-Type %r' % ctype)
        return r.read().decode('utf-8')

def status(method, url, headers=None):
    req = urllib.request.Request(url, method=method, data=b'x=1' if method == 'POST' else None,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get('Allow', ''), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get('Allow', ''), e.read()

cmd, url = sys.argv[1], sys.argv[2]
if cmd == 'until':
    # until URL COND [SECONDS]: scrapes until COND holds over the samples
    # (m; t('queued') for fanout_tests, s('busy') for fanout_slots).
    cond = '(' + ' '.join(sys.argv[3].split()) + ')'
    limit = time.time() + float(sys.argv[4] if len(sys.argv) > 4 else 60)
    while True:
        text = get(url)
        m = parse(text)
        t = lambda state: m['fanout_tests{state="%s"}' % state]
        s = lambda state: m['fanout_slots{state="%s"}' % state]
        if eval(cond):
            print(text, end='')
            break
        if time.time() > limit:
            sys.exit('never held: %s\nlast scrape:\n%s' % (cond, text))
        time.sleep(0.1)
elif cmd == 'status':
    # status URL METHOD [HEADER-BYTES]: the status (and Allow) of one request.
    headers = {'X-Big': 'a' * int(sys.argv[4])} if len(sys.argv) > 4 else None
    try:
        code, allow, body = status(sys.argv[3], url, headers)
    except (urllib.error.URLError, ConnectionError) as e:
        # The server may close the connection before the request is sent.
        code, allow = 'closed', ''
    print(code, allow)
EOF

scrape () { "$PY" "$T_TMP/scrape.py" "$@"; }

# until URL COND: fails the test when COND never holds.
until_holds () {
    scrape until "$1" "$2" >"$T_TMP/last.txt" 2>"$T_TMP/scrape.err" ||
        fail "metrics: $(cat "$T_TMP/scrape.err")"
}

# metrics_url NAME: the endpoint NAME logged ("metrics at http://...").
metrics_url () {
    wait_log "$1" "metrics at http://" 15
    sed -n 's/.*metrics at \(http:\/\/[^ ]*\).*/\1/p' "$T_TMP/$1.err" | head -n 1
}

# ---- fanout run: during the run, then the final numbers ----------------------

write_gated "$T_TMP/run.yml" 6 "$T_TMP/go" "$T_TMP/teardown-go" 1
FANOUT_LOG=info start run "$FANOUT" run -j 2 --metrics 127.0.0.1:0 --json "$T_TMP/run.json" \
    "$T_TMP/run.yml"
url=$(metrics_url run)
case "$url" in http://127.0.0.1:[1-9]*/metrics) ;; *) fail "logged '$url'" ;; esac

# Both slots busy, every test queued or running (the agent prefetches: a
# test counts as running once its lease is out), none finished.
until_holds "$url" "m['fanout_agents'] == 1 and s('busy') == 2 and s('free') == 0
    and t('running') >= 2 and t('queued') >= 1 and t('queued') + t('running') == 6
    and m['fanout_queue_tasks'] == t('queued') and t('passed') == 0
    and m['fanout_results_total'] == 0"
grep -qxF 'fanout_run_info{suite="'"$T_TMP"'/run.yml"} 1' "$T_TMP/last.txt" ||
    fail "no run info for the suite: $(grep run_info "$T_TMP/last.txt")"
grep -q fanout_queue_seconds "$T_TMP/last.txt" &&
    fail "fanout_queue_seconds is exported, but fanout has no durations to base it on"

base=${url%/metrics}
[ "$(scrape status "$base/" GET)" = "404 " ] || fail "GET / is not 404"
[ "$(scrape status "$base/metrics/x" GET)" = "404 " ] || fail "GET /metrics/x is not 404"
[ "$(scrape status "$url" POST)" = "405 GET, HEAD" ] || fail "POST /metrics is not 405 with Allow"
[ "$(scrape status "$url" DELETE)" = "405 GET, HEAD" ] || fail "DELETE /metrics is not 405"
[ "$(scrape status "$url" HEAD)" = "200 " ] || fail "HEAD /metrics is not 200"
code=$(scrape status "$url" GET 100000)
case "${code%% *}" in 4[0-9][0-9]|closed) ;; *) fail "a 100 kB header got '$code', not a refusal" ;; esac
until_holds "$url" "m['fanout_agents'] == 1"        # and it still answers

# libmicrohttpd's thread blocks the signals fanout handles (the main
# thread's alone): SIGHUP, SIGINT, SIGTERM are bits 1, 2 and 15.
nmhd=0
for task in /proc/"${PID[run]}"/task/*; do
    case "$(cat "$task/comm")" in MHD*) ;; *) continue ;; esac
    nmhd=$((nmhd + 1))
    blocked=$(sed -n 's/^SigBlk:\t//p' "$task/status")
    (( (0x$blocked & 0x4003) == 0x4003 )) || fail "thread $(cat "$task/comm") blocks $blocked only"
done
[ "$nmhd" -ge 1 ] || fail "no libmicrohttpd thread in fanout run"

# Release the tests; the shared teardown holds the run open: the final
# numbers can be read, and the endpoint still answers.
touch "$T_TMP/go"
until_holds "$url" "t('passed') == 5 and t('failed') == 1 and t('queued') == 0
    and t('running') == 0 and m['fanout_queue_tasks'] == 0 and s('busy') == 0
    and s('free') == 2 and m['fanout_results_total'] == 6
    and m['fanout_leases_lost_total'] == 0"
cp "$T_TMP/last.txt" "$T_TMP/final.txt"
touch "$T_TMP/teardown-go"
finish run 60
expect_rc run 1 "one test failed"
one_outcome "$T_TMP/run.json" svc/t1 svc/t2 svc/t3 svc/t4 svc/t5 svc/t6
json_assert "$T_TMP/run.json" "r['totals']['passed'] == 5 and r['totals']['failed'] == 1"
for o in passed failed error skipped timeout crashed not_run; do
    want=$(json_get "$T_TMP/run.json" "r['totals']['$o']")
    grep -qxF "fanout_tests{state=\"$o\"} $want" "$T_TMP/final.txt" ||
        fail "the last scrape's $o is not the report's $want"
done

# ---- a port in use, a bad ADDR: exit 2 before any test runs ---------------------

cat >"$T_TMP/marker.yml" <<EOF
tests:
  - {name: m, run: [touch, $T_TMP/ran]}
EOF
"$PY" -c '
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)' "$T_TMP/release-port" >"$T_TMP/busy-port" &
holder=$!
for ((i = 0; i < 100; i++)); do [ -s "$T_TMP/busy-port" ] && break; sleep 0.1; done
port=$(cat "$T_TMP/busy-port")
[ -n "$port" ] || fail "the port holder did not start"
start busy "$FANOUT" run --metrics "127.0.0.1:$port" "$T_TMP/marker.yml"
finish busy 30
touch "$T_TMP/release-port"
wait "$holder"
expect_rc busy 2 "the port is in use"
expect_log busy "fanout run: --metrics '127.0.0.1:$port': cannot listen there: Address already in use"
[ -e "$T_TMP/ran" ] && fail "a test ran although --metrics could not listen"

for bad in localhost:9464 127.0.0.1 ::1:9464 :65536; do
    start bad "$FANOUT" broker --bind "ipc://$T_TMP/bad.sock" --metrics "$bad" "$T_TMP/marker.yml"
    finish bad 30
    expect_rc bad 2 "--metrics $bad"
    expect_log bad "fanout broker: --metrics '$bad': "
done
[ -e "$T_TMP/ran" ] && fail "a test ran although --metrics was refused"

# ---- IPv6 loopback, where the host has it ------------------------------------------

if "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    write_gated "$T_TMP/v6.yml" 1 "$T_TMP/go6" "$T_TMP/none" 0
    : >"$T_TMP/none"
    FANOUT_LOG=info start v6 "$FANOUT" run -j 1 --metrics '[::1]:0' "$T_TMP/v6.yml"
    url=$(metrics_url v6)
    case "$url" in 'http://[::1]:'[1-9]*/metrics) ;; *) fail "logged '$url'" ;; esac
    until_holds "$url" "m['fanout_agents'] == 1 and t('running') == 1"
    touch "$T_TMP/go6"
    finish v6 60
    expect_rc v6 0
else
    note "no IPv6 loopback here: [::1] not tried"
fi

# ---- fanout broker: the queue before any agent, an agent lost, another ----------

write_gated "$T_TMP/broker.yml" 3 "$T_TMP/go2" "$T_TMP/none" 0
: >"$T_TMP/none"                # no teardown wait here
start broker "$FANOUT" broker --bind "ipc://$T_TMP/broker.sock" --metrics 127.0.0.1:0 \
    --heartbeat 250 --wait 60 --json "$T_TMP/broker.json" "$T_TMP/broker.yml"
url=$(metrics_url broker)
# What an autoscaler reads before any agent has come.
until_holds "$url" "m['fanout_agents'] == 0 and m['fanout_queue_tasks'] == 3
    and t('queued') == 3 and s('busy') == 0 and s('free') == 0"

start agent-a "$FANOUT" agent --connect "ipc://$T_TMP/broker.sock" -j 1 --name a
until_holds "$url" "m['fanout_agents'] == 1 and s('busy') == 1 and s('free') == 0
    and t('running') >= 1 and m['fanout_queue_tasks'] <= 2"
stop agent-a KILL
until_holds "$url" "m['fanout_agents'] == 0 and m['fanout_leases_lost_total'] >= 1
    and s('busy') == 0 and t('running') == 0 and t('queued') == 3
    and m['fanout_queue_tasks'] == 3"

touch "$T_TMP/go2"
start agent-b "$FANOUT" agent --connect "ipc://$T_TMP/broker.sock" -j 2 --name b --once
finish broker 60
expect_rc broker 0
finish agent-b 30
expect_rc agent-b 0
one_outcome "$T_TMP/broker.json" svc/t1 svc/t2 svc/t3
json_assert "$T_TMP/broker.json" "all(x['outcome'] == 'passed' and x['host'] == 'b' for x in r['tests'])"
wait_no_orphans
echo "PASS [$T_NAME]"
