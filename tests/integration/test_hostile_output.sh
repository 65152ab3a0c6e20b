#!/usr/bin/env bash
# Output limits: a test writing 1 GiB to stdout keeps the head and the tail
# of it with a marker saying how much was dropped, and fanout's memory stays
# small while it runs; --output-cap sets the limit per stream.
. "$(dirname "$0")/hostile_common.sh"

cat >"$T/suite.yml" <<EOF
tests:
  - name: gigabyte
    run: "echo HEAD-LINE; head -c 1G /dev/zero | tr '\\\\0' x; echo; echo TAIL-LINE"
  - name: noisy-stderr
    run: "seq 1 200000 >&2; exit 3"
  - name: small
    run: "echo small-output"
EOF

# Peak resident memory of fanout, sampled while it runs (VmHWM is the
# kernel's own high-water mark, so a short peak is not missed).
start_fanout run -j 3 --output-cap 64K --json "$T/r.json" "$T/suite.yml"
peak=0
while kill -0 "$FPID" 2>/dev/null; do
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$FPID/status" 2>/dev/null)
    [ -n "$hwm" ] && peak=$hwm
    sleep 0.2
done
wait_fanout
[ "$RC" = 1 ] || fail "exit status $RC, expected 1"
R=$T/r.json
assert_complete "$R" gigabyte noisy-stderr small
expect_outcome "$R" gigabyte passed
expect_outcome "$R" noisy-stderr failed
expect_outcome "$R" small passed

out=$(jq -r '.tests[] | select(.id == "gigabyte") | .stdout' "$R")
case "$out" in
    HEAD-LINE*) ;;
    *) fail "the head of the output was not kept" ;;
esac
case "$out" in
    *TAIL-LINE) ;;
    *) fail "the tail of the output was not kept" ;;
esac
# 1 GiB + the two lines, minus the 64 KiB kept.
dropped=$(printf '%s' "$out" | grep -o '\[fanout: [0-9]* bytes dropped\]' | grep -o '[0-9]*')
[ -n "$dropped" ] || fail "no marker where output was dropped"
[ "$dropped" -eq $((1073741824 + 10 + 1 + 10 - 65536)) ] \
    || fail "the marker says $dropped bytes dropped"
len=$(jq -r '.tests[] | select(.id == "gigabyte") | .stdout | length' "$R")
[ "$len" -le $((65536 + 64)) ] || fail "kept $len characters of stdout, more than the cap"
err=$(jq -r '.tests[] | select(.id == "noisy-stderr") | .stderr' "$R")
case "$err" in
    "1
2
3"*"199999
200000") ;;
    *) fail "stderr: head and tail not kept" ;;
esac
printf '%s' "$err" | grep -q 'bytes dropped\]' || fail "stderr: no marker"
[ "$(jq -r '.tests[] | select(.id == "small") | .stdout' "$R")" = small-output ] \
    || fail "a small output was changed"
# Generous: fanout (even under the sanitizers) needs far less than the
# gigabyte it was sent; keeping it would need over 1 000 000 kB.
[ "$peak" -gt 0 ] || fail "could not sample fanout's memory"
echo "fanout's peak resident memory: $peak kB"
[ "$peak" -lt 400000 ] || fail "fanout used $peak kB while a test wrote 1 GiB"

# The option's syntax.
run_fanout run --output-cap 10 "$T/suite.yml"
[ "$RC" = 2 ] || fail "--output-cap 10: exit status $RC, expected 2"
run_fanout run --output-cap 1G "$T/suite.yml"
[ "$RC" = 2 ] || fail "--output-cap 1G: exit status $RC, expected 2"
grep -q -- "--output-cap" "$T/out" || fail "the error does not name the option"
assert_no_orphans "output"
exit 0
