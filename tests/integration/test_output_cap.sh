#!/bin/bash
# The capture limit: tests writing megabytes complete; their captured output
# keeps head and tail around a '[fanout: N bytes dropped]' line, and the
# kept plus dropped bytes are what the test wrote.
. "$(dirname "$0")/lib.sh"

run_fanout run -j 2 --json "$JSON" "$DATA/output_cap.yml"
expect_rc 1 "big-failure fails on purpose"
check_one_outcome big-stdout both-streams big-failure small
json_assert "t('big-stdout')['outcome'] == 'passed' and t('both-streams')['outcome'] == 'passed'"
json_assert "t('big-failure')['outcome'] == 'failed'"

# check_capture ID STREAM BYTES-WRITTEN HEAD-CHAR TAIL
check_capture () {
    "$PY" - "$JSON" "$@" <<'EOF' || fail "capture of $1 $2 (above)"
import json, re, sys
r = json.load(open(sys.argv[1]))
tid, stream, written, head, tail = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
text = next(x for x in r["tests"] if x["id"] == tid)[stream]
markers = list(re.finditer(r"\n\[fanout: (\d+) bytes dropped\]\n", text))
assert len(markers) == 1, "%d truncation markers in %s %s" % (len(markers), tid, stream)
m = markers[0]
kept = len(text) - len(m.group(0))          # ASCII only: characters are bytes
assert kept + int(m.group(1)) == written, "kept %d + dropped %s != written %d" % (kept, m.group(1), written)
assert kept <= 1024 * 1024, "kept %d bytes, more than the 1 MiB cap" % kept
assert kept >= 1024 * 1024 // 2, "kept only %d bytes" % kept
assert text[: m.start()].strip(head) == "", "the head is not all %r" % head
assert text.endswith(tail), "the tail is lost: ...%r" % text[-40:]
EOF
}
check_capture big-stdout stdout 5000011 a $'\ndone-tail\n'
check_capture both-streams stdout 3000000 o o
check_capture both-streams stderr 3000000 e e
check_capture big-failure stderr 2000000 f f
json_assert "t('big-stdout')['stderr'] == '' and t('both-streams')['message'] in (None, '')"
json_assert "t('small')['stdout'] == 'just-a-line\n'" "a small stream is kept whole"

# the console shows the failure's truncated stream, not two megabytes of it
expect_out_re '^\[fanout: [0-9]+ bytes dropped\]$'
[ "$(wc -c <"$OUT")" -lt 1500000 ] || fail "the console printed $(wc -c <"$OUT") bytes"

echo "PASS [$ITEST_NAME]"
